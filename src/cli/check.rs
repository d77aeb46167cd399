//! `interlock check` and `interlock explain`.

use super::{cwd_or_current, exit};
use clap::Args;
use interlock::policy::layers;
use interlock::render::{line_column, use_colour, visible, visible_columns, Paint};
use interlock::{Context, Decision, Engine, Verdict};
use std::ffi::OsString;
use std::io::{BufWriter, IsTerminal, Read, Write};
use std::path::PathBuf;

#[derive(Args)]
#[command(after_help = BATCH_HELP)]
pub struct CheckArgs {
    /// Print the verdict as JSON (one object; one JSON line per command with --batch).
    #[arg(long)]
    json: bool,
    /// Judge paths as if the command ran in this directory (it must exist; default:
    /// the current directory).
    #[arg(long, value_name = "DIR")]
    cwd: Option<PathBuf>,
    /// The shell the command is written for: bash (default), zsh or fish. zsh and
    /// fish lines are also read with their own substitutions and expansions.
    #[arg(long, value_name = "SHELL", value_parser = ["bash", "sh", "zsh", "fish"])]
    shell: Option<String>,
    /// Read commands from stdin, one per line (or NUL-separated with -0) instead of
    /// taking one COMMAND.
    #[arg(long, conflicts_with = "command")]
    batch: bool,
    /// With --batch: commands are separated by NUL bytes (so they may span lines).
    #[arg(short = '0', long = "null")]
    null: bool,
    /// The command, after `--`: one argument, or several joined with spaces.
    #[arg(value_name = "COMMAND")]
    command: Vec<OsString>,
}

/// The `--batch` output, shown under `interlock check --help` (and in the README).
const BATCH_HELP: &str = "\
With --batch, each command gets one line on stdout:
    DECISION<TAB>RULES<TAB>COMMAND
DECISION is allow, confirm or deny; RULES the rule ids that fired, comma-separated
(empty for allow); COMMAND the command with control characters, tabs and newlines
escaped (\\t, \\n, \\e, ...). With --json, one JSON object per line instead.

Exit status: 0 allow, 10 confirm, 11 deny (with --batch: the strictest command),
2 usage error, 70 internal error (e.g. the output cannot be written).";

#[derive(Args)]
pub struct ExplainArgs {
    /// Print the explanation as JSON: the command, cwd, programs, decision, findings.
    #[arg(long)]
    json: bool,
    /// Judge paths as if the command ran in this directory (it must exist; default:
    /// the current directory).
    #[arg(long, value_name = "DIR")]
    cwd: Option<PathBuf>,
    /// The command, after `--`: one argument, or several joined with spaces.
    #[arg(required = true, value_name = "COMMAND")]
    command: Vec<OsString>,
}

/// Whether stdout can take the answer. A closed descriptor 1 would otherwise be
/// written to as if it were a sink (Rust's stdout treats EBADF as success), and the
/// caller would read an exit status with no verdict behind it.
fn stdout_open(door: &str) -> Result<(), i32> {
    use nix::fcntl::{fcntl, FcntlArg};
    if fcntl(std::io::stdout(), FcntlArg::F_GETFD).is_err() {
        eprintln!("interlock {door}: stdout is closed; nowhere to write the verdict");
        return Err(exit::INTERNAL);
    }
    Ok(())
}

/// `--cwd` must name a directory: a typo must not silently judge paths elsewhere.
fn check_cwd(door: &str, cwd: &Option<PathBuf>) -> Result<(), i32> {
    if let Some(c) = cwd {
        if !c.is_dir() {
            eprintln!(
                "interlock {door}: --cwd {}: not a directory",
                visible(&c.display().to_string(), false)
            );
            return Err(exit::USAGE);
        }
    }
    Ok(())
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
    if a.null && !a.batch {
        eprintln!("interlock check: -0 (NUL-separated input) needs --batch");
        return exit::USAGE;
    }
    if let Err(code) = check_cwd("check", &a.cwd).and_then(|_| stdout_open("check")) {
        return code;
    }
    let (engine, mut ctx) = engine_and_context(a.cwd);
    if let Some(d) = a
        .shell
        .as_deref()
        .and_then(interlock::syntax::dialect::Dialect::from_name)
    {
        ctx.dialect = d;
    }
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
        let paint = Paint(use_colour(std::io::stdout().is_terminal()));
        write_text(&mut out, &line, &verdict, paint)
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

fn write_text(out: &mut impl Write, line: &str, v: &Verdict, paint: Paint) -> std::io::Result<()> {
    writeln!(
        out,
        "{}",
        paint.decision(v.decision, &v.decision.to_string())
    )?;
    for f in &v.findings {
        writeln!(
            out,
            "  {} ({}): {}",
            f.rule,
            paint.decision(f.decision, &f.decision.to_string()),
            visible(&f.message(), false)
        )?;
        let snippet = line.get(f.start..f.end).unwrap_or("");
        writeln!(
            out,
            "    at {}: {}",
            position(line, f.start),
            paint.span(f.decision, &visible(snippet, false))
        )?;
        if let Some(s) = &f.suggestion {
            writeln!(out, "    instead: {}", visible(s, false))?;
        }
    }
    Ok(())
}

/// `line L, column C` of a byte offset (columns count characters).
fn position(line: &str, offset: usize) -> String {
    let (l, c) = line_column(line, offset);
    format!("line {l}, column {c}")
}

/// The programs reached, each named once, in the order first reached.
fn programs_once(v: &Verdict) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    v.programs
        .iter()
        .filter(|p| seen.insert(p.as_str()))
        .cloned()
        .collect()
}

pub fn run_explain(a: ExplainArgs) -> i32 {
    if let Err(code) = check_cwd("explain", &a.cwd).and_then(|_| stdout_open("explain")) {
        return code;
    }
    let (engine, ctx) = engine_and_context(a.cwd);
    let line = join_command(&a.command);
    let v = engine.decide(&line, &ctx);
    let programs = programs_once(&v);
    let text = if a.json {
        let findings: Vec<serde_json::Value> = v
            .findings
            .iter()
            .map(|f| {
                let (l, c) = line_column(&line, f.start);
                let mut j = serde_json::to_value(f).unwrap_or_default();
                j["line"] = l.into();
                j["column"] = c.into();
                j
            })
            .collect();
        let j = serde_json::json!({
            "command": line,
            "cwd": ctx.cwd.as_ref().map(|c| c.to_string_lossy().into_owned()),
            "programs": programs,
            "decision": v.decision,
            "findings": findings,
        });
        format!("{j}\n")
    } else {
        let paint = Paint(use_colour(std::io::stdout().is_terminal()));
        explain_text(&line, &ctx, &v, &programs, paint)
    };
    let mut out = std::io::stdout().lock();
    if out
        .write_all(text.as_bytes())
        .and_then(|_| out.flush())
        .is_err()
    {
        return exit::INTERNAL;
    }
    decision_code(v.decision)
}

fn explain_text(
    line: &str,
    ctx: &Context,
    v: &Verdict,
    programs: &[String],
    paint: Paint,
) -> String {
    let shown = visible(line, false);
    let mut out = String::new();
    out.push_str(&format!("command:  {shown}\n"));
    if let Some(c) = &ctx.cwd {
        out.push_str(&format!(
            "cwd:      {}\n",
            visible(&c.display().to_string(), false)
        ));
    }
    out.push_str(&format!(
        "programs: {}\n",
        if programs.is_empty() {
            "(none)".to_string()
        } else {
            visible(&programs.join(" → "), false)
        }
    ));
    out.push_str(&format!(
        "decision: {}\n",
        paint.decision(v.decision, &v.decision.to_string())
    ));
    for f in &v.findings {
        out.push_str(&format!(
            "\n{} [{}] at {}\n",
            f.rule,
            paint.decision(f.decision, &f.decision.to_string()),
            position(line, f.start)
        ));
        let (a, b) = visible_columns(line, f.start, f.end);
        let cols: Vec<char> = shown.chars().collect();
        let (a2, b2) = (a.min(cols.len()), b.min(cols.len()));
        let before: String = cols[..a2].iter().collect();
        let inside: String = cols[a2..b2].iter().collect();
        let after: String = cols[b2..].iter().collect();
        out.push_str(&format!(
            "  {before}{}{after}\n  {}{}\n",
            paint.span(f.decision, &inside),
            " ".repeat(a),
            paint.decision(f.decision, &"^".repeat(b - a))
        ));
        out.push_str(&format!("  why: {}\n", visible(&f.message(), false)));
        if let Some(s) = &f.suggestion {
            out.push_str(&format!("  instead: {}\n", visible(s, false)));
        }
    }
    if v.findings.is_empty() {
        out.push_str("no rule matched: the command runs without a prompt\n");
    }
    out
}
