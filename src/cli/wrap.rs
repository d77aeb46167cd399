//! `interlock wrap`: run a shell or program in a guarded PTY session.

use super::exit;
use clap::{Args, ValueEnum};
use interlock::render::visible;
use interlock::wrap::{self, ShellKind};
use std::ffi::OsString;
use std::path::PathBuf;

#[derive(Args)]
pub struct WrapArgs {
    /// The shell to start with Interlock's hook (default: your $SHELL).
    #[arg(long, value_enum)]
    shell: Option<ShellArg>,
    /// For the shell hooks: judge the line on stdin (exit 0 run, 1 refused, 2 unfinished).
    #[arg(long, hide = true)]
    check_line: bool,
    /// For the bash hook: answer lines from stdin for the whole session.
    #[arg(long, hide = true)]
    hook_relay: bool,
    /// For the bash hook: the bash whose parser decides if a line is finished.
    #[arg(long, hide = true, value_name = "PATH")]
    bash: Option<PathBuf>,
    /// A program to run instead of a shell, e.g. an agent: `interlock wrap -- claude`.
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "PROGRAM"
    )]
    program: Vec<OsString>,
}

#[derive(Clone, Copy, ValueEnum)]
enum ShellArg {
    Bash,
    Zsh,
    Fish,
}

impl From<ShellArg> for ShellKind {
    fn from(s: ShellArg) -> ShellKind {
        match s {
            ShellArg::Bash => ShellKind::Bash,
            ShellArg::Zsh => ShellKind::Zsh,
            ShellArg::Fish => ShellKind::Fish,
        }
    }
}

pub fn run(a: WrapArgs) -> i32 {
    let shell = a.shell.map(ShellKind::from).unwrap_or(ShellKind::Bash);
    if a.check_line {
        return wrap::check_line(shell, a.bash.as_deref());
    }
    if a.hook_relay {
        return wrap::hook_relay(shell, a.bash.as_deref());
    }
    let mut program = a.program;
    if program.first().is_some_and(|p| p == "--") {
        program.remove(0);
    }
    match wrap::run(wrap::Options {
        shell: a.shell.map(ShellKind::from),
        program,
    }) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("interlock wrap: {}", visible(&e, false));
            exit::USAGE
        }
    }
}
