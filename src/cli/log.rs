//! `interlock log`: the audit log, readably and with filters; `interlock log verify`
//! checks its hash chain.

use super::exit;
use clap::{Args, Subcommand};
use interlock::audit_log::{self, time, Entry, Verified};
use interlock::render::visible;
use std::io::Write;

#[derive(Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct LogArgs {
    #[command(subcommand)]
    command: Option<LogCommand>,
    /// Show the last N matching entries.
    #[arg(short = 'n', long = "lines", default_value_t = 20, value_name = "N")]
    lines: usize,
    /// Only entries with this decision: allow, confirm or deny.
    #[arg(long, value_parser = ["allow", "confirm", "deny"])]
    decision: Option<String>,
    /// Only entries with this outcome: ran, approved, approved_earlier, refused,
    /// denied, timed_out, audit, error.
    #[arg(long)]
    outcome: Option<String>,
    /// Only entries since then: a duration (30m, 2h, 7d) or a date (2026-01-31,
    /// 2026-01-31T12:00, UTC).
    #[arg(long, value_name = "WHEN")]
    since: Option<String>,
    /// Print the entries as JSON lines, as stored.
    #[arg(long)]
    json: bool,
}

#[derive(Subcommand)]
enum LogCommand {
    /// Check the hash chain: exit 0 when intact, 1 when entries were edited, removed or
    /// cut off the end.
    Verify,
}

pub fn run(a: LogArgs) -> i32 {
    if let Some(LogCommand::Verify) = a.command {
        return verify();
    }
    let since = match a
        .since
        .as_deref()
        .map(|s| time::parse_since(s, interlock::approval::now()))
    {
        None => None,
        Some(Ok(t)) => Some(t),
        Some(Err(e)) => {
            eprintln!("interlock log: {e}");
            return exit::USAGE;
        }
    };
    let entries = match audit_log::read_all() {
        Ok(e) => e,
        Err(e) => {
            eprintln!("interlock log: cannot read the log: {e}");
            return exit::INTERNAL;
        }
    };
    let chosen: Vec<&Entry> = entries
        .iter()
        .filter(|e| a.decision.as_deref().is_none_or(|d| e.decision == d))
        .filter(|e| a.outcome.as_deref().is_none_or(|o| e.outcome == o))
        .filter(|e| since.is_none_or(|t| e.ts >= t))
        .collect();
    let shown = &chosen[chosen.len().saturating_sub(a.lines)..];
    let out = std::io::stdout();
    let mut out = out.lock();
    if shown.is_empty() && !a.json {
        let where_ = audit_log::log_path()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        let _ = writeln!(out, "no entries (log: {})", visible(&where_, false));
    }
    for e in shown {
        let res = if a.json {
            writeln!(out, "{}", serde_json::to_string(e).unwrap_or_default())
        } else {
            write_entry(&mut out, e)
        };
        if res.is_err() {
            return exit::INTERNAL;
        }
    }
    exit::ALLOW
}

fn write_entry(out: &mut impl Write, e: &Entry) -> std::io::Result<()> {
    let outcome = match &e.channel {
        Some(c) => format!("{} ({})", e.outcome, visible(c, false)),
        None => e.outcome.clone(),
    };
    let mut command = visible(&e.command, false);
    if command.chars().count() > 300 {
        command = command.chars().take(300).collect::<String>() + "…";
    }
    writeln!(
        out,
        "{}  {:<7}  {:<20}  {}",
        e.time.replace('T', " "),
        e.decision,
        outcome,
        visible(&e.rules.join(","), false)
    )?;
    writeln!(out, "    {}$ {command}", visible(&e.cwd, false))
}

fn verify() -> i32 {
    match audit_log::verify() {
        Ok(Verified::Empty) => {
            println!("the audit log is empty");
            exit::ALLOW
        }
        Ok(Verified::Intact { entries }) => {
            println!("intact: {entries} entries, every hash and the head match");
            exit::ALLOW
        }
        Ok(Verified::Broken { problems }) => {
            println!("BROKEN: the audit log was changed after it was written:");
            for p in problems {
                println!("  {p}");
            }
            1
        }
        Err(e) => {
            eprintln!("interlock log verify: cannot read the log: {e}");
            exit::INTERNAL
        }
    }
}
