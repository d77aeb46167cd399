//! The `interlock` command line: thin front doors over the engine.

mod approve;
mod audit;
mod check;
mod confine;
mod doctor;
mod hook;
mod install;
mod log;
mod policy_cmd;
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
}

/// Run the CLI with the process arguments; returns the exit status.
pub fn main(args: Vec<OsString>) -> i32 {
    let cli = match Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { exit::USAGE } else { 0 };
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
