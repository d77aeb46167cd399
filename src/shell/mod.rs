//! The agent shell: Interlock installed as the shell an agent runs its commands with
//! (links `interlock-bash`, `interlock-zsh`, or `interlock shell …`).
//!
//! It reads the shell's arguments as bash and zsh do, decides the code they would run,
//! and then becomes the real shell with `execve` and the same argv (so exit statuses,
//! signals, file descriptors and the environment are the real shell's), or pauses for
//! a human (`pause`), or stops. The allow path is kept lean: one config load, one
//! decision, one exec, no extra process.

mod ancestry;
pub mod args;
mod exec;
mod pause;
mod real;

pub use ancestry::agent_shell_ancestor;
pub use exec::MARK_ENV;
pub use pause::{EXIT_NOT_APPROVED, EXIT_STOPPED};

use crate::approval::intent;
use crate::audit_log::{self, Record};
use crate::broker;
use crate::confine;
use crate::engine::{Context, Decision, Engine, Finding, Verdict, MAX_INPUT_BYTES};
use crate::policy::layers::{self, Settings};
use crate::render::visible;
use args::Mode;
use exec::Feed;
use std::borrow::Cow;
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Exit status when the real shell cannot be started (as a shell reports a missing
/// program).
pub const EXIT_NO_SHELL: i32 = 127;
/// How long a paused command waits by default: under the two-minute limit agents put
/// on one tool call.
pub const DEFAULT_CONFIRM_TIMEOUT: u64 = 110;

/// Run as the agent's shell. `argv0` is how Interlock was called; `args` are the
/// shell's arguments. `subcommand` is set for `interlock shell …`.
pub fn run(argv0: &OsStr, args: &[OsString], subcommand: bool) -> i32 {
    // Inside a confinement, settings can only tighten: what a command there could set
    // (the environment) is not read.
    let nested = confine::is_confined();
    if nested {
        for var in LOOSENING_ENV {
            std::env::remove_var(var);
        }
    }
    let stdin_tty = nix::unistd::isatty(std::io::stdin()).unwrap_or(false);
    let parsed = args::parse(args, stdin_tty);
    let cwd = std::env::current_dir().ok();
    let loaded = layers::load_for_deciding(cwd.as_deref());
    let settings = &loaded.settings;
    let want = shell_name(argv0, subcommand, settings);
    let shell = match real::find(&want) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("interlock: cannot start the real shell: {e}. Set INTERLOCK_SHELL or `shell` in the [settings] of your Interlock config to its path.");
            return EXIT_NO_SHELL;
        }
    };
    let mut argv = Vec::with_capacity(args.len() + 1);
    argv.push(if subcommand {
        shell.clone().into_os_string()
    } else {
        argv0.to_os_string()
    });
    argv.extend(args.iter().cloned());
    // Nothing to judge (`--version`, an interactive start): the real shell, wherever
    // it is started.
    let script = match Script::read(&parsed.mode, &want) {
        Ok(Some(s)) => s,
        Ok(None) => {
            let confine = Confine::new(settings, nested, cwd.as_deref());
            return become_shell(&shell, &argv, None, &confine);
        }
        Err(e) => {
            eprintln!("interlock: nothing ran: cannot read the script to check it: {e}");
            return EXIT_STOPPED;
        }
    };
    let Some(cwd) = cwd else {
        // No working directory (it was deleted): paths cannot be judged.
        eprintln!("interlock: nothing ran: the working directory no longer exists, so Interlock cannot judge paths. `cd` to an existing directory first.");
        return EXIT_STOPPED;
    };
    let engine = Engine::new(loaded.policy);
    let mut ctx = Context::from_process();
    ctx.cwd = Some(cwd.clone());
    // `interlock-zsh` runs zsh: its lines are read with zsh's own expansions too.
    if let Some(d) = std::path::Path::new(&want)
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(crate::syntax::dialect::Dialect::from_name)
    {
        ctx.dialect = d;
    }
    if let Some(h) = &settings.local_hosts {
        ctx.local_hosts.clone_from(h);
    }
    let mut verdict = script.decide(&engine, &ctx);
    let confine = Confine::new(settings, nested, Some(&cwd));
    if parsed.interactive {
        // An interactive `-c` shell reads its rc file first.
        for rc in &parsed.rc_files {
            let text = std::fs::read(rc).unwrap_or_default();
            let v = engine.decide(&String::from_utf8_lossy(&text), &ctx);
            verdict = merge(verdict, v);
        }
    }
    if confine.is_on() && !nix::unistd::geteuid().is_root() {
        if let Some(p) = verdict
            .programs
            .iter()
            .find(|p| PRIVILEGED.contains(&p.as_str()))
        {
            let f = needs_root(p, script.text.len());
            verdict = merge(verdict, Verdict::new(vec![f], Vec::new()));
        }
    }
    let cwd_text = cwd.to_string_lossy();
    // The door, and the agent when its wrapper says which (`shell:claude`).
    let source = match intent::agent(&script.text) {
        Some(a) => format!("shell:{a}"),
        None => "shell".to_string(),
    };
    let log = |decision: Decision, outcome: &str, channel: Option<String>, code: Option<String>| {
        let rec = Record {
            source: &source,
            cwd: &cwd_text,
            command: &script.identity,
            decision: decision.as_str(),
            rules: verdict.findings.iter().map(|f| f.rule.clone()).collect(),
            outcome,
            channel,
            code,
            policy_digest: engine.policy_digest(),
        };
        let record = broker::LogRecord {
            source: rec.source.to_string(),
            cwd: rec.cwd.to_string(),
            command: rec.command.to_string(),
            decision: rec.decision.to_string(),
            rules: rec.rules.clone(),
            outcome: rec.outcome.to_string(),
            channel: rec.channel.clone(),
            code: rec.code.clone(),
        };
        if let Err(e) = audit_log::append(rec, settings) {
            // Inside a wrap session's confinement the log is read-only: the wrapper,
            // outside, writes it.
            if !(nested && log_through_wrap(record)) {
                eprintln!("interlock: warning: cannot write the audit log: {e}");
            }
        }
    };
    if verdict.decision == Decision::Allow {
        if settings.log_all.unwrap_or(false) {
            log(Decision::Allow, "ran", None, None);
        }
        return become_shell(&shell, &argv, script.feed, &confine);
    }
    if audit_mode(settings, nested) {
        let first = verdict
            .findings
            .first()
            .map(|f| f.rule.as_str())
            .unwrap_or("");
        eprintln!(
            "interlock: audit mode: this command would have been stopped ({first}: {}); it runs because Interlock only logs in audit mode",
            visible(&verdict.findings.first().map(|f| f.message()).unwrap_or_default(), false)
        );
        log(verdict.decision, "audit", None, None);
        return become_shell(&shell, &argv, script.feed, &confine);
    }
    // An approval binds to the command the agent meant, inside its known wrapper.
    let key = if script.identity == script.text && !parsed.interactive {
        intent::approval_key(&script.text, &verdict.findings)
    } else {
        script.identity.clone()
    };
    let files = confine.file_approvals();
    let agent = intent::agent(&script.text);
    let service = settings
        .approvals
        .as_deref()
        .filter(|a| a.is_on())
        .map(|a| (a, agent));
    match pause::settle(
        &key,
        &cwd,
        &verdict,
        confirm_timeout(settings),
        files,
        service,
    ) {
        pause::Settled::Run {
            channel,
            code,
            earlier,
        } => {
            let outcome = if earlier {
                "approved_earlier"
            } else {
                "approved"
            };
            log(verdict.decision, outcome, Some(channel), code);
            // A command that raises privileges was approved to run outside the
            // confinement, where sudo works.
            let privileged = verdict.findings.iter().any(|f| f.rule == NEEDS_ROOT);
            let confine = if privileged { Confine::Off } else { confine };
            become_shell(&shell, &argv, script.feed, &confine)
        }
        pause::Settled::Stop {
            exit,
            outcome,
            channel,
            code,
        } => {
            log(verdict.decision, outcome, channel, code);
            intent::after_stop(&script.text);
            exit
        }
    }
}

/// The real shell to run: `INTERLOCK_SHELL`, then config, then the link's name.
fn shell_name(argv0: &OsStr, subcommand: bool, settings: &Settings) -> String {
    if let Some(s) = std::env::var_os("INTERLOCK_SHELL").filter(|s| !s.is_empty()) {
        return s.to_string_lossy().into_owned();
    }
    if let Some(s) = settings.shell.as_ref().filter(|s| !s.is_empty()) {
        return s.clone();
    }
    let by_link = if subcommand {
        None
    } else {
        args::shell_for_name(argv0)
    };
    by_link.unwrap_or("bash").to_string()
}

fn audit_mode(settings: &Settings, nested: bool) -> bool {
    if nested {
        return false;
    }
    if settings.is_locked() {
        return settings.mode.as_deref() == Some("audit");
    }
    match std::env::var("INTERLOCK_MODE") {
        Ok(m) if !m.is_empty() => m == "audit",
        _ => settings.mode.as_deref() == Some("audit"),
    }
}

fn confirm_timeout(settings: &Settings) -> Duration {
    let secs = std::env::var("INTERLOCK_CONFIRM_TIMEOUT")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .or(settings.confirm_timeout)
        .unwrap_or(DEFAULT_CONFIRM_TIMEOUT);
    Duration::from_secs(secs)
}

fn become_shell(shell: &Path, argv: &[OsString], feed: Option<Feed>, confine: &Confine) -> i32 {
    if let Confine::On { project } = confine {
        let plan = confine::plan(project.as_deref());
        if !confine::has_landlock() {
            warn_once("this kernel has no Landlock: Interlock's files are read-only for the agent's commands, but a process of the same user outside could be reached through /proc (run `interlock doctor`)");
        }
        match confine::enter(&plan) {
            Ok(_) => {}
            // A threaded process cannot enter a user namespace: start afresh.
            Err(e) if e.raw_os_error() == Some(nix::libc::EINVAL) => {
                let e = exec::exec_confined(shell, argv, feed);
                eprintln!("interlock: nothing ran: cannot start the confinement: {e}");
                return EXIT_STOPPED;
            }
            Err(e) => warn_once(&format!(
                "this machine cannot confine the agent's commands ({e}); they run unconfined, and approvals by `interlock approve` are off (run `interlock doctor`)"
            )),
        }
    }
    let e = exec::exec(shell, argv, true, feed);
    eprintln!(
        "interlock: cannot start {}: {e}",
        visible(&shell.to_string_lossy(), false)
    );
    EXIT_NO_SHELL
}

/// Environment variables that could loosen the guard; not read inside a confinement.
const LOOSENING_ENV: &[&str] = &[
    "INTERLOCK_MODE",
    "INTERLOCK_STATE_DIR",
    "INTERLOCK_CONFIG",
    "INTERLOCK_SYSTEM_CONFIG",
    "INTERLOCK_SHELL",
    "INTERLOCK_CONFIRM_TIMEOUT",
];

/// Programs that gain privileges through a setuid bit, which no confined process has.
const PRIVILEGED: &[&str] = &[
    "sudo", "sudoedit", "su", "doas", "pkexec", "run0", "newgrp", "sg",
];
const NEEDS_ROOT: &str = "confine.needs-root";

fn needs_root(program: &str, len: usize) -> Finding {
    Finding {
        rule: NEEDS_ROOT.to_string(),
        decision: Decision::Confirm,
        reason: "the command raises privileges, which cannot work inside the agent's confinement"
            .to_string(),
        detail: Some(format!(
            "{program} needs root; approved, it runs once outside the confinement"
        )),
        start: 0,
        end: len,
        suggestion: Some("ask the user to run it, or approve it once".to_string()),
    }
}

/// Whether the command runs confined, decided before anything runs.
enum Confine {
    /// Confine it; `project` is its working directory.
    On { project: Option<PathBuf> },
    /// Already inside a confinement (a wrap session, a nested agent shell).
    Nested,
    /// `confine = false` in the config, or a command approved to run outside.
    Off,
}

impl Confine {
    fn new(settings: &Settings, nested: bool, cwd: Option<&Path>) -> Confine {
        if nested {
            Confine::Nested
        } else if settings.confine == Some(false) {
            Confine::Off
        } else {
            Confine::On {
                project: cwd.map(Path::to_path_buf),
            }
        }
    }

    fn is_on(&self) -> bool {
        matches!(self, Confine::On { .. })
    }

    /// Approvals written as files count only where the agent's commands cannot write
    /// them.
    fn file_approvals(&self) -> Result<(), String> {
        match self {
            Confine::Nested => Ok(()),
            Confine::Off => Err("the confinement is switched off (confine = false), so a command could write an approval".into()),
            Confine::On { .. } => match confine::support() {
                confine::Support::Unavailable(why) => {
                    let msg = format!("this machine cannot confine the agent's commands ({why}), so a command could write an approval");
                    warn_once(&msg);
                    Err(msg)
                }
                _ => Ok(()),
            },
        }
    }
}

/// Hand a log entry to the enclosing wrap session; true when it was written.
fn log_through_wrap(record: broker::LogRecord) -> bool {
    let Some((socket, token_file)) = broker::from_env() else {
        return false;
    };
    let Ok(token) = broker::read_token(&token_file) else {
        return false;
    };
    let req = broker::Request::Log { token, record };
    matches!(
        broker::ask(&socket, &req, Duration::from_secs(5)),
        Ok(r) if r.decision == broker::Answer::Allow
    )
}

/// Say it on stderr once per state directory (a mark file), and always in `doctor`.
fn warn_once(msg: &str) {
    let mark = crate::approval::state_dir().map(|d| d.join("confinement-warned"));
    if let Some(m) = &mark {
        if m.exists() {
            return;
        }
        let _ = std::fs::write(m, msg);
    }
    eprintln!("interlock: warning: {}", visible(msg, false));
}

fn merge(a: Verdict, b: Verdict) -> Verdict {
    let mut findings = a.findings;
    findings.extend(b.findings);
    let mut programs = a.programs;
    programs.extend(b.programs);
    Verdict::new(findings, programs)
}

/// The code the shell would run, as text to decide, plus what an approval binds to.
struct Script {
    /// The code, as analysed (lossy if it was not UTF-8).
    text: String,
    /// `$1 …` when known (`-c CODE NAME ARGS`, `script ARGS`).
    positional: Option<Vec<String>>,
    /// The command as an approval binds to it and the log records it.
    identity: String,
    /// The code was not valid UTF-8: the shell may read it differently.
    not_text: bool,
    /// A script read from stdin, to hand on unchanged.
    feed: Option<Feed>,
}

impl Script {
    /// `Ok(None)`: nothing to check (an interactive shell, or a script that does not
    /// exist, which the shell itself reports).
    fn read(mode: &Mode, shell: &str) -> std::io::Result<Option<Script>> {
        let name = Path::new(shell)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| shell.to_string());
        match mode {
            Mode::Handover => Ok(None),
            Mode::Command { code, params } => {
                let (text, not_text) = text_of(code.as_encoded_bytes());
                let identity = if params.is_empty() {
                    text.clone()
                } else {
                    let mut parts: Vec<Cow<str>> =
                        vec![Cow::Borrowed(&name), "-c".into(), code.to_string_lossy()];
                    parts.extend(params.iter().map(|p| p.to_string_lossy()));
                    join_quoted(&parts)
                };
                let positional = (!params.is_empty()).then(|| {
                    params[1..]
                        .iter()
                        .map(|p| p.to_string_lossy().into_owned())
                        .collect()
                });
                Ok(Some(Script {
                    text,
                    positional,
                    identity,
                    not_text,
                    feed: None,
                }))
            }
            Mode::File { path, args } => {
                let Some(found) = script_path(path) else {
                    return Ok(None);
                };
                let bytes = read_capped(&found)?;
                let (text, not_text) = text_of(&bytes);
                let mut parts: Vec<Cow<str>> = vec![Cow::Borrowed(&name), path.to_string_lossy()];
                parts.extend(args.iter().map(|p| p.to_string_lossy()));
                let identity = format!("{}\n# {}:\n{text}", join_quoted(&parts), found.display());
                Ok(Some(Script {
                    text,
                    positional: Some(
                        args.iter()
                            .map(|a| a.to_string_lossy().into_owned())
                            .collect(),
                    ),
                    identity,
                    not_text,
                    feed: None,
                }))
            }
            Mode::Stdin { args } => {
                let feed = match exec::read_stdin(MAX_INPUT_BYTES) {
                    Ok(f) => f,
                    // stdin is closed: the shell reads nothing either.
                    Err(e) if e.raw_os_error() == Some(nix::libc::EBADF) => {
                        return Ok(None);
                    }
                    Err(e) => return Err(e),
                };
                let (text, not_text) = text_of(&feed.bytes);
                let mut parts: Vec<Cow<str>> = vec![Cow::Borrowed(&name), "-s".into()];
                parts.extend(args.iter().map(|p| p.to_string_lossy()));
                let identity = format!("{} <<'(stdin)'\n{text}\n(stdin)", join_quoted(&parts));
                // A script longer than Interlock reads is longer than the engine
                // analyses: it is judged too large.
                Ok(Some(Script {
                    text,
                    positional: Some(
                        args.iter()
                            .map(|a| a.to_string_lossy().into_owned())
                            .collect(),
                    ),
                    identity,
                    not_text,
                    feed: Some(feed),
                }))
            }
        }
    }

    fn decide(&self, engine: &Engine, ctx: &Context) -> Verdict {
        let v = engine.decide_with_args(&self.text, self.positional.as_deref(), ctx);
        if !self.not_text {
            return v;
        }
        let f = engine.policy().event_finding(
            "shell.too-complex",
            0..self.text.len(),
            Some("the command is not valid UTF-8 text, so the shell may read it differently from Interlock".into()),
        );
        merge(v, Verdict::new(vec![f], Vec::new()))
    }
}

fn text_of(bytes: &[u8]) -> (String, bool) {
    match std::str::from_utf8(bytes) {
        Ok(t) => (t.to_string(), false),
        Err(_) => (String::from_utf8_lossy(bytes).into_owned(), true),
    }
}

fn join_quoted(parts: &[Cow<str>]) -> String {
    parts
        .iter()
        .map(|p| shell_words::quote(p).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Where the shell finds a script operand: as given, or (bash, for a bare name that is
/// not in the working directory) on PATH. `None` when it is nowhere.
fn script_path(path: &OsStr) -> Option<PathBuf> {
    let p = PathBuf::from(path);
    if p.exists() || path.as_encoded_bytes().contains(&b'/') {
        return p.exists().then_some(p);
    }
    let dirs = std::env::var_os("PATH")?;
    std::env::split_paths(&dirs)
        .map(|d| d.join(path))
        .find(|c| c.is_file())
}

/// Read a script, at most one byte more than the engine analyses (the engine then
/// reports it as too large).
fn read_capped(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(MAX_INPUT_BYTES as u64 + 1)
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}
