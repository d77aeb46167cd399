//! The `interlock` command line: thin front doors over the engine.

mod check;
mod policy_cmd;

use clap::{Parser, Subcommand};
use std::ffi::OsString;
use std::path::PathBuf;

/// Exit statuses of `interlock check` and `explain` (documented in the README).
pub mod exit {
    pub const ALLOW: i32 = 0;
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
