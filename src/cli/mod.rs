//! The `interlock` command line: thin front doors over the engine.

mod approve;
mod audit;
mod check;
mod confine;
mod doctor;
mod doctor_report;
mod hook;
mod install;
mod log;
mod policy_cmd;
mod serve;
mod shipping;
mod uninstall;
mod wrap;

use clap::{Parser, Subcommand};
use std::ffi::OsString;
use std::path::PathBuf;

/// Exit statuses of `interlock check` and `explain` (documented in the README).
pub mod exit {
    pub const ALLOW: i32 = 0;
    /// install, uninstall and doctor: the work could not be done, or a check failed.
    pub const FAILED: i32 = 1;
    pub const USAGE: i32 = 2;
    pub const CONFIRM: i32 = 10;
    pub const DENY: i32 = 11;
    pub const INTERNAL: i32 = 70;
}

#[derive(Parser)]
#[command(
    name = "interlock",
    version,
    about = "Stops commands that destroy data before they run"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Decide one command (or a batch from stdin): allow, confirm or deny.
    Check(check::CheckArgs),
    /// Show how a command is read: the programs reached and why each finding fires.
    Explain(check::ExplainArgs),
    /// List or test the rules.
    Policy {
        #[command(subcommand)]
        command: policy_cmd::PolicyCommand,
    },
    /// Approve a stopped command by its code (run in your own terminal)
    Approve(approve::ApproveArgs),
    /// Show or verify the audit log
    Log(log::LogArgs),
    /// Answer an agent's pre-tool hook (claude, cursor, codex, gemini, copilot, windsurf, cline)
    Hook(hook::HookArgs),
    /// Wire Interlock into an agent's settings
    Install(install::InstallArgs),
    /// Remove what `interlock install` added
    Uninstall(uninstall::UninstallArgs),
    /// Show which agents are wired to Interlock and prove it live
    Doctor(doctor::DoctorArgs),
    /// Run a shell or program in a guarded PTY session
    Wrap(wrap::WrapArgs),
    /// Scan a repository for commands that would be stopped, or run as a CI shell
    Audit(audit::AuditArgs),
    /// Run a program in the agents' kernel confinement (Interlock's files read-only)
    Confine(confine::ConfineArgs),
    /// Run the approval service: approvers answer stopped commands on a web page
    Serve(serve::ServeArgs),
}

/// Run the CLI with the process arguments; returns the exit status.
pub fn main(args: Vec<OsString>) -> i32 {
    let cli = match Cli::try_parse_from(&args) {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { exit::USAGE } else { 0 };
            if let Some(hint) = dash_dash_hint(&e, &args) {
                eprintln!("{hint}");
                return code;
            }
            let _ = e.print();
            return code;
        }
    };
    match cli.command {
        Command::Check(a) => check::run_check(a),
        Command::Explain(a) => check::run_explain(a),
        Command::Policy { command } => policy_cmd::run(command),
        Command::Approve(a) => approve::run(a),
        Command::Log(a) => log::run(a),
        Command::Hook(a) => hook::run(a),
        Command::Install(a) => install::run(a),
        Command::Uninstall(a) => uninstall::run(a),
        Command::Doctor(a) => doctor::run(a),
        Command::Wrap(a) => wrap::run(a),
        Command::Audit(a) => audit::run(a),
        Command::Confine(a) => confine::run(a),
        Command::Serve(a) => serve::run(a),
    }
}

/// `interlock check rm -rf /`: clap reads `-rf` as an option of `check` and suggests
/// `-- -rf`, which is not what the person meant. Say instead to put the whole command
/// after `--`, and show the line that would work.
fn dash_dash_hint(e: &clap::Error, args: &[OsString]) -> Option<String> {
    use clap::error::ErrorKind;
    if e.kind() != ErrorKind::UnknownArgument {
        return None;
    }
    let door = args.get(1)?.to_str()?;
    if door != "check" && door != "explain" {
        return None;
    }
    let mut own: Vec<String> = Vec::new();
    let mut command: Vec<String> = Vec::new();
    let mut rest = args[2..].iter().map(|a| a.to_string_lossy().into_owned());
    while let Some(a) = rest.next() {
        if !command.is_empty() {
            command.push(a);
            continue;
        }
        match a.as_str() {
            "--json" | "--batch" | "-0" | "--null" => own.push(a),
            "--cwd" => {
                own.push(a);
                own.extend(rest.next().map(|d| quote(&d)));
            }
            _ if a.starts_with("--cwd=") => own.push(quote(&a)),
            _ => command.push(a),
        }
    }
    // `interlock check --jsno`: a mistyped option of Interlock's own, not a command.
    if command.first().is_none_or(|c| c.starts_with('-')) {
        return None;
    }
    let unknown = e
        .get(clap::error::ContextKind::InvalidArg)
        .map(|v| v.to_string())
        .unwrap_or_default();
    let mut line = format!("interlock {door}");
    for o in &own {
        line.push(' ');
        line.push_str(o);
    }
    line.push_str(" -- ");
    line.push_str(&quote(&command.join(" ")));
    Some(format!(
        "interlock {door}: `{}` was read as an option of `interlock {door}`, not as part of the command.\n\
         Put the command after `--` (quoted, as one argument, is safest):\n    {}",
        interlock::render::visible(&unknown, false),
        line
    ))
}

/// Quote for a POSIX shell when needed.
fn quote(s: &str) -> String {
    if !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./=:@%+,".contains(&b))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// The working directory for a decision: `--cwd` or this process's.
pub(crate) fn cwd_or_current(cwd: Option<PathBuf>) -> Option<PathBuf> {
    match cwd {
        Some(c) if c.is_absolute() => Some(c),
        Some(c) => std::env::current_dir().ok().map(|d| d.join(c)),
        None => std::env::current_dir().ok(),
    }
}
