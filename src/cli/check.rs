//! `interlock check` and `interlock explain`.

use super::{cwd_or_current, exit};
use clap::Args;
use interlock::policy::layers;
use interlock::render::{visible, visible_columns};
use interlock::{Context, Decision, Engine, Verdict};
use std::ffi::OsString;
use std::io::{BufWriter, Read, Write};
use std::path::PathBuf;

#[derive(Args)]
pub struct CheckArgs {
    /// Print the verdict as JSON.
    #[arg(long)]
    json: bool,
    /// Judge paths as if run in this directory.
    #[arg(long, value_name = "DIR")]
    cwd: Option<PathBuf>,
    /// Read commands from stdin, one per line (or NUL-separated with -0).
    #[arg(long)]
    batch: bool,
    /// With --batch: commands are separated by NUL bytes (so they may span lines).
    #[arg(short = '0', long = "null")]
    null: bool,
    /// The command: one argument, or several joined with spaces.
    #[arg(value_name = "COMMAND")]
    command: Vec<OsString>,
}

#[derive(Args)]
pub struct ExplainArgs {
    #[arg(long, value_name = "DIR")]
    cwd: Option<PathBuf>,
    #[arg(required = true, value_name = "COMMAND")]
    command: Vec<OsString>,
}

/// The engine with every config layer, and the context of this process.
pub(crate) fn engine_and_context(cwd: Option<PathBuf>) -> (Engine, Context) {
    let cwd = cwd_or_current(cwd);
    let loaded = layers::load(cwd.as_deref());
    for w in &loaded.warnings {
        eprintln!("interlock: warning: {}", visible(w, false));
    }
    let mut ctx = Context::from_process();
    ctx.cwd = cwd;
    if let Some(h) = &loaded.settings.local_hosts {
        ctx.local_hosts.clone_from(h);
    }
    (Engine::new(loaded.policy), ctx)
}

fn join_command(parts: &[OsString]) -> String {
    let strip: &[OsString] = match parts.first() {
        Some(f) if f == "--" => &parts[1..],
        _ => parts,
    };
    strip
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn decision_code(d: Decision) -> i32 {
    match d {
        Decision::Allow => exit::ALLOW,
        Decision::Confirm => exit::CONFIRM,
        Decision::Deny => exit::DENY,
    }
}

pub fn run_check(a: CheckArgs) -> i32 {
    let (engine, ctx) = engine_and_context(a.cwd);
    if a.batch {
        return run_batch(&engine, &ctx, a.null, a.json);
    }
    if a.command.is_empty() {
        eprintln!("interlock check: give the command after `--`, or use --batch to read commands from stdin");
        return exit::USAGE;
    }
    let line = join_command(&a.command);
    let verdict = engine.decide(&line, &ctx);
    let out = std::io::stdout();
    let mut out = out.lock();
    let res = if a.json {
        writeln!(out, "{}", json_line(&line, &verdict))
    } else {
        write_text(&mut out, &line, &verdict)
    };
    if res.is_err() {
        return exit::INTERNAL;
    }
    decision_code(verdict.decision)
}

fn run_batch(engine: &Engine, ctx: &Context, null: bool, json: bool) -> i32 {
    let mut input = Vec::new();
    if let Err(e) = std::io::stdin().lock().read_to_end(&mut input) {
        eprintln!("interlock check: cannot read stdin: {e}");
        return exit::INTERNAL;
    }
    let sep = if null { b'\0' } else { b'\n' };
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut worst = Decision::Allow;
    let mut entries: Vec<&[u8]> = input.split(|b| *b == sep).collect();
    if entries.last().is_some_and(|l| l.is_empty()) {
        entries.pop();
    }
    for raw in entries {
        let line = String::from_utf8_lossy(raw);
        let verdict = engine.decide(&line, ctx);
        worst = worst.max(verdict.decision);
        let res = if json {
            writeln!(out, "{}", json_line(&line, &verdict))
        } else {
            let rules: Vec<&str> = verdict.findings.iter().map(|f| f.rule.as_str()).collect();
            writeln!(
                out,
                "{}\t{}\t{}",
                verdict.decision,
                rules.join(","),
                visible(&line, false)
            )
        };
        if res.is_err() {
            return exit::INTERNAL;
        }
    }
    if out.flush().is_err() {
        return exit::INTERNAL;
    }
    decision_code(worst)
}

pub fn json_line(line: &str, v: &Verdict) -> String {
    serde_json::json!({
        "command": line,
        "decision": v.decision,
        "findings": v.findings,
    })
    .to_string()
}

fn write_text(out: &mut impl Write, line: &str, v: &Verdict) -> std::io::Result<()> {
    writeln!(out, "{}", v.decision)?;
    for f in &v.findings {
        writeln!(
            out,
            "  {} ({}): {}",
            f.rule,
            f.decision,
            visible(&f.message(), false)
        )?;
        let snippet = line.get(f.start..f.end).unwrap_or("");
        writeln!(
            out,
            "    at {}..{}: {}",
            f.start,
            f.end,
            visible(snippet, false)
        )?;
        if let Some(s) = &f.suggestion {
            writeln!(out, "    instead: {}", visible(s, false))?;
        }
    }
    Ok(())
}

pub fn run_explain(a: ExplainArgs) -> i32 {
    let (engine, ctx) = engine_and_context(a.cwd);
    let line = join_command(&a.command);
    let v = engine.decide(&line, &ctx);
    let shown = visible(&line, false);
    let mut out = String::new();
    out.push_str(&format!("command:  {shown}\n"));
    if let Some(c) = &ctx.cwd {
        out.push_str(&format!(
            "cwd:      {}\n",
            visible(&c.display().to_string(), false)
        ));
    }
    let mut programs = v.programs.clone();
    programs.dedup();
    out.push_str(&format!(
        "programs: {}\n",
        if programs.is_empty() {
            "(none)".to_string()
        } else {
            visible(&programs.join(" → "), false)
        }
    ));
    out.push_str(&format!("decision: {}\n", v.decision));
    for f in &v.findings {
        out.push_str(&format!("\n{} [{}]\n", f.rule, f.decision));
        let (a, b) = visible_columns(&line, f.start, f.end);
        out.push_str(&format!(
            "  {shown}\n  {}{}\n",
            " ".repeat(a),
            "^".repeat(b - a)
        ));
        out.push_str(&format!("  why: {}\n", visible(&f.message(), false)));
        if let Some(s) = &f.suggestion {
            out.push_str(&format!("  instead: {}\n", visible(s, false)));
        }
    }
    if v.findings.is_empty() {
        out.push_str("no rule matched: the command runs without a prompt\n");
    }
    print!("{out}");
    decision_code(v.decision)
}
