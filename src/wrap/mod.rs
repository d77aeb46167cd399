//! `interlock wrap`: a PTY session around the user's shell (or any program) that sees
//! each command line before it runs and asks the human on the real terminal.
//!
//! Pieces: [`pty`] opens the PTY and starts the child; [`relay`] copies bytes between
//! the outer terminal and the PTY in one poll loop; [`server`] answers the broker
//! socket (the shell hooks' `check` and agent shells' `approve`); [`card`] is the
//! question on the outer terminal; [`session`] writes the shell integration from
//! [`shells/`](shells); [`guard`] stops lines that would remove the hook; [`term`]
//! keeps the outer terminal restorable on every way out.

mod card;
mod client;
mod complete;
mod guard;
mod keys;
mod modes;
mod output;
mod pty;
mod relay;
mod server;
mod session;
mod signals;
mod term;

pub use client::{check_line, relay as hook_relay};

use crate::broker;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShellKind {
    Bash,
    Zsh,
    Fish,
}

impl ShellKind {
    pub fn name(self) -> &'static str {
        match self {
            ShellKind::Bash => "bash",
            ShellKind::Zsh => "zsh",
            ShellKind::Fish => "fish",
        }
    }

    /// How the engine reads this shell's lines.
    pub fn dialect(self) -> crate::syntax::dialect::Dialect {
        use crate::syntax::dialect::Dialect;
        match self {
            ShellKind::Bash => Dialect::Bash,
            ShellKind::Zsh => Dialect::Zsh,
            ShellKind::Fish => Dialect::Fish,
        }
    }

    /// From a program path or name (`/usr/bin/zsh`, `-bash`, `interlock-bash`).
    pub fn from_program(p: &Path) -> Option<ShellKind> {
        let name = p.file_name()?.to_str()?.trim_start_matches('-');
        match name {
            "bash" | "interlock-bash" => Some(ShellKind::Bash),
            "zsh" => Some(ShellKind::Zsh),
            "fish" => Some(ShellKind::Fish),
            _ => None,
        }
    }
}

/// Is `program` an executable file, as given or on PATH?
fn runnable(program: &std::ffi::OsStr) -> bool {
    use std::os::unix::fs::PermissionsExt;
    let exec = |p: &std::path::Path| {
        std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    };
    if program.as_encoded_bytes().contains(&b'/') {
        return exec(std::path::Path::new(program));
    }
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|d| exec(&d.join(program))))
}

/// What to run in the session.
pub struct Options {
    /// `--shell`: a shell with Interlock's hook.
    pub shell: Option<ShellKind>,
    /// `-- PROGRAM ARGS…`: any program (a lone bash/zsh/fish gets the hook).
    pub program: Vec<OsString>,
}

/// Run the session; returns the exit status to leave with.
pub fn run(opts: Options) -> Result<i32, String> {
    if !term::is_tty(term::stdin()) || !term::is_tty(term::stdout()) {
        return Err(
            "interlock wrap needs a terminal on stdin and stdout (it asks you there)".into(),
        );
    }
    let interlock =
        std::env::current_exe().map_err(|e| format!("cannot find the interlock binary: {e}"))?;
    let (program, args, shell) = target(&opts)?;

    let session =
        session::Session::create().map_err(|e| format!("cannot create the session: {e}"))?;
    // An agent's whole process tree runs in the kernel confinement (Interlock's files
    // read-only); the human's own shell does not, since the human approves from it.
    let mut cmd = if shell.is_none() {
        // Report a program that cannot start here, as for a shell, not from inside.
        if !runnable(&program) {
            return Err(format!(
                "cannot start {}: no such program",
                crate::render::visible(&program.to_string_lossy(), false)
            ));
        }
        let mut c = Command::new(&interlock);
        c.arg("confine").arg("--").arg(&program);
        c
    } else {
        Command::new(&program)
    };
    if let Some(kind) = shell {
        let (extra, env) = session
            .integrate(kind, &interlock)
            .map_err(|e| format!("cannot write the shell integration: {e}"))?;
        cmd.args(extra);
        cmd.envs(env);
    }
    cmd.args(&args);
    cmd.env(broker::SOCKET_ENV, &session.socket);
    cmd.env(broker::TOKEN_ENV, &session.token_file);
    if let Some(agent_shell) = interlock.parent().map(|d| d.join("interlock-bash")) {
        if agent_shell.exists() {
            cmd.env("SHELL", agent_shell);
        }
    }

    // Said once, before the session starts: what it is and how to leave it.
    let what = match shell {
        Some(k) => format!("this {} session", k.name()),
        None => crate::render::visible(&program.to_string_lossy(), false),
    };
    eprintln!(
        "interlock: {what} is guarded: each command line is checked before it runs, and a risky one asks you first. Leave it as you would leave {} (`exit` or Ctrl-D for a shell).",
        if shell.is_some() { "the shell" } else { "the program" }
    );
    let termios = term::save().map_err(|e| format!("cannot read the terminal settings: {e}"))?;
    let size = term::winsize(term::stdout());
    // Before any thread exists: the guardian is a fork of this process.
    let guardian = term::Guardian::spawn(&session.dir)
        .map_err(|e| format!("cannot start the terminal guardian: {e}"))?;
    term::install_panic_hook();
    let sigs =
        signals::Signals::install().map_err(|e| format!("cannot install signal handlers: {e}"))?;
    let child = pty::spawn(cmd, &termios, size.as_ref())
        .map_err(|e| format!("cannot start {}: {e}", program.to_string_lossy()))?;

    let (wake_r, wake_w) =
        nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC | nix::fcntl::OFlag::O_NONBLOCK)
            .map_err(|e| format!("cannot create a pipe: {e}"))?;
    let (tx, rx) = std::sync::mpsc::channel();
    let listener = session
        .listener
        .try_clone()
        .map_err(|e| format!("cannot share the broker socket: {e}"))?;
    server::start(listener, session.token.clone(), shell, tx, wake_w)
        .map_err(|e| format!("cannot start the broker: {e}"))?;

    if let Err(e) = term::enter_raw() {
        return Err(format!("cannot put the terminal in raw mode: {e}"));
    }
    let child_pid = child.pid;
    let end = relay::Relay {
        child,
        signals: &sigs,
        wake: wake_r,
        events: rx,
        guardian: &guardian,
    }
    .run();
    term::restore();
    let end = match end {
        Ok(end) => end,
        Err(e) => {
            let _ = nix::sys::signal::kill(child_pid, nix::sys::signal::Signal::SIGHUP);
            drop(session);
            guardian.clean_exit();
            return Err(format!("cannot start the output relay: {e}"));
        }
    };
    drop(session);
    guardian.clean_exit();
    Ok(match end {
        relay::End::Exited(code) => code,
        relay::End::Signalled(s) => 128 + s as i32,
        relay::End::Failed(why) => return Err(why),
    })
}

/// The program, its arguments, and the shell kind to hook (if any).
fn target(opts: &Options) -> Result<(OsString, Vec<OsString>, Option<ShellKind>), String> {
    if let Some((first, rest)) = opts.program.split_first() {
        if opts.shell.is_some() {
            return Err("give either --shell or a program after --, not both".into());
        }
        let kind = if rest.is_empty() {
            ShellKind::from_program(Path::new(first))
        } else {
            None
        };
        return Ok((first.clone(), rest.to_vec(), kind));
    }
    let user_shell = std::env::var_os("SHELL").filter(|s| !s.is_empty());
    let kind = match opts.shell {
        Some(k) => k,
        None => {
            let s = user_shell.clone().unwrap_or_else(|| "bash".into());
            ShellKind::from_program(Path::new(&s)).ok_or_else(|| {
                format!(
                    "your shell {} has no Interlock hook; use --shell bash|zsh|fish, or name a program after --",
                    crate::render::visible(&s.to_string_lossy(), false)
                )
            })?
        }
    };
    // The user's own binary when $SHELL is that shell; else the one on PATH.
    let program = user_shell
        .filter(|s| {
            let p = PathBuf::from(s);
            ShellKind::from_program(&p) == Some(kind)
                && p.file_name().and_then(|n| n.to_str()) != Some("interlock-bash")
        })
        .unwrap_or_else(|| kind.name().into());
    Ok((program, Vec::new(), Some(kind)))
}
