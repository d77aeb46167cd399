//! Reports: human text (grouped by file, the line shown and the span underlined), JSON,
//! and SARIF 2.1.0 for code scanning.

use super::{Located, Scan};
use crate::engine::Decision;
use crate::policy::Policy;
use crate::render::{visible, visible_columns};
use serde_json::{json, Value};
use std::io::{self, Write};

/// The rule id under which unreadable files are reported in SARIF.
pub const UNREADABLE_RULE: &str = "audit.unreadable";
const UNREADABLE_REASON: &str =
    "the file could not be read or parsed, so the commands in it were not checked";
/// Source lines longer than this are shown as a window around the span.
const MAX_SHOWN: usize = 160;

/// Counts over a scan.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    pub deny: usize,
    pub confirm: usize,
    /// Files that could not be read or parsed (in whole or in part).
    pub errors: usize,
    pub files_with_findings: usize,
}

impl Summary {
    pub fn of(scan: &Scan) -> Summary {
        let mut s = Summary::default();
        for f in &scan.files {
            if f.unreadable() {
                s.errors += 1;
            }
            if !f.findings.is_empty() {
                s.files_with_findings += 1;
            }
            for x in &f.findings {
                match x.decision {
                    Decision::Deny => s.deny += 1,
                    Decision::Confirm => s.confirm += 1,
                    Decision::Allow => {}
                }
            }
        }
        s
    }
}

pub fn write_text(scan: &Scan, out: &mut impl Write) -> io::Result<()> {
    for file in &scan.files {
        match file.kind {
            Some(k) => writeln!(out, "{} ({})", visible(&file.path, false), k.as_str())?,
            None => writeln!(out, "{}", visible(&file.path, false))?,
        }
        for e in &file.errors {
            let at = match (e.line, e.column) {
                (Some(l), Some(c)) => format!("{l}:{c} "),
                _ => String::new(),
            };
            writeln!(out, "  {at}error: {}", visible(&e.message, false))?;
        }
        for f in &file.findings {
            write_finding(f, out)?;
        }
        writeln!(out)?;
    }
    let s = Summary::of(scan);
    let total = s.deny + s.confirm;
    writeln!(
        out,
        "{} finding{} ({} deny, {} confirm) in {} of {} files; {} file{} unreadable; {} commands read in {:.2}s",
        total,
        if total == 1 { "" } else { "s" },
        s.deny,
        s.confirm,
        s.files_with_findings,
        scan.files_read,
        s.errors,
        if s.errors == 1 { "" } else { "s" },
        scan.commands,
        scan.elapsed.as_secs_f64()
    )
}

fn write_finding(f: &Located, out: &mut impl Write) -> io::Result<()> {
    writeln!(
        out,
        "  {}:{} {} {}: {}",
        f.line,
        f.column,
        f.decision,
        f.rule,
        visible(&f.message(), false)
    )?;
    let num = f.line.to_string();
    let pad = " ".repeat(num.len());
    let (shown, a, b) = window(&f.source_line, f.line_span.0, f.line_span.1);
    writeln!(out, "  {num} | {shown}")?;
    writeln!(
        out,
        "  {pad} | {}{}",
        " ".repeat(a),
        "^".repeat(b.saturating_sub(a).max(1))
    )?;
    if let Some(s) = &f.suggestion {
        writeln!(out, "  {pad} = instead: {}", visible(s, false))?;
    }
    Ok(())
}

/// The line as shown (hostile characters made visible, long lines cut around the
/// span) and the span's columns in it.
fn window(line: &str, start: usize, end: usize) -> (String, usize, usize) {
    let start = floor(line, start.min(line.len()));
    let end = floor(line, end.min(line.len())).max(start);
    if visible(line, false).chars().count() <= MAX_SHOWN {
        let (a, b) = visible_columns(line, start, end);
        return (visible(line, false), a, b);
    }
    let from = floor(line, start.saturating_sub(MAX_SHOWN / 3));
    let to =
        floor(line, (start + MAX_SHOWN * 2 / 3).min(line.len())).max(end.min(from + MAX_SHOWN * 2));
    let to = floor(line, to.min(line.len()));
    let part = &line[from..to];
    let lead = if from > 0 { "…" } else { "" };
    let tail = if to < line.len() { "…" } else { "" };
    let (a, b) = visible_columns(part, start - from, end.min(to) - from);
    let shift = lead.chars().count();
    (
        format!("{lead}{}{tail}", visible(part, false)),
        a + shift,
        b + shift,
    )
}

fn floor(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The JSON report: a summary, every finding (flat, in file order) and every error.
pub fn json_report(scan: &Scan) -> Value {
    let s = Summary::of(scan);
    let findings: Vec<&Located> = scan.files.iter().flat_map(|f| &f.findings).collect();
    let errors: Vec<_> = scan.files.iter().flat_map(|f| &f.errors).collect();
    json!({
        "version": 1,
        "tool": {"name": "interlock", "version": env!("CARGO_PKG_VERSION")},
        "summary": {
            "files_read": scan.files_read,
            "commands": scan.commands,
            "findings": s.deny + s.confirm,
            "deny": s.deny,
            "confirm": s.confirm,
            "errors": s.errors,
            "seconds": scan.elapsed.as_secs_f64(),
        },
        "findings": findings,
        "errors": errors,
    })
}

fn level(d: Decision) -> &'static str {
    match d {
        Decision::Deny => "error",
        Decision::Confirm => "warning",
        Decision::Allow => "note",
    }
}

/// SARIF 2.1.0: one run, every rule of the policy (with help text and default level),
/// one result per finding and per unreadable file.
pub fn sarif_report(scan: &Scan, policy: &Policy) -> Value {
    let mut rules: Vec<Value> = Vec::new();
    let mut index = std::collections::HashMap::new();
    for r in &policy.rules {
        index.insert(r.def.id.to_string(), rules.len());
        let d = &r.def;
        let mut help = d.reason.to_string();
        let mut md = d.reason.to_string();
        if let Some(s) = &d.suggestion {
            help.push_str(&format!("\nInstead: {s}"));
            md.push_str(&format!("\n\n**Instead:** {s}"));
        }
        if !r.examples.stop.is_empty() {
            let ex: Vec<&str> = r.examples.stop.iter().take(3).map(String::as_str).collect();
            help.push_str(&format!("\nStopped, for example: {}", ex.join(" ; ")));
            md.push_str("\n\nStopped, for example:\n");
            for e in ex {
                md.push_str(&format!("\n    {}", e.replace('\n', "\n    ")));
            }
        }
        let mut tags = vec!["security", "interlock", r.pack];
        tags.sort_unstable();
        tags.dedup();
        rules.push(json!({
            "id": d.id,
            "name": rule_name(d.id),
            "shortDescription": {"text": d.reason},
            "fullDescription": {"text": d.reason},
            "help": {"text": help, "markdown": md},
            "defaultConfiguration": {"level": level(d.decision)},
            "properties": {"tags": tags, "decision": d.decision},
        }));
    }
    let unreadable_index = rules.len();
    rules.push(json!({
        "id": UNREADABLE_RULE,
        "name": "AuditUnreadable",
        "shortDescription": {"text": UNREADABLE_REASON},
        "fullDescription": {"text": UNREADABLE_REASON},
        "help": {"text": "Fix the file so that it parses (the message says where), then scan again.",
                 "markdown": "Fix the file so that it parses (the message says where), then scan again."},
        "defaultConfiguration": {"level": "warning"},
        "properties": {"tags": ["audit"]},
    }));
    let mut results = Vec::new();
    for file in &scan.files {
        for f in &file.findings {
            let mut result = json!({
                "ruleId": f.rule,
                "level": level(f.decision),
                "message": {"text": f.message()},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": uri(&f.file), "uriBaseId": "%SRCROOT%"},
                        "region": {
                            "startLine": f.line,
                            "startColumn": f.column,
                            "endLine": f.end_line,
                            "endColumn": f.end_column.max(if f.end_line == f.line { f.column + 1 } else { 1 }),
                            "snippet": {"text": f.snippet},
                        }
                    }
                }],
                "properties": {"decision": f.decision},
            });
            if let Some(i) = index.get(&f.rule) {
                result["ruleIndex"] = json!(i);
            }
            results.push(result);
        }
        for e in &file.errors {
            let mut region = json!({});
            if let (Some(l), Some(c)) = (e.line, e.column) {
                region = json!({"startLine": l, "startColumn": c});
            }
            let mut loc =
                json!({"artifactLocation": {"uri": uri(&e.file), "uriBaseId": "%SRCROOT%"}});
            if e.line.is_some() {
                loc["region"] = region;
            }
            results.push(json!({
                "ruleId": UNREADABLE_RULE,
                "ruleIndex": unreadable_index,
                "level": "warning",
                "message": {"text": e.message},
                "locations": [{"physicalLocation": loc}],
            }));
        }
    }
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "Interlock",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
            "invocations": [{"executionSuccessful": true}],
        }]
    })
}

/// `fs.delete-critical` → `FsDeleteCritical` (SARIF's readable rule name).
fn rule_name(id: &str) -> String {
    id.split(['.', '-', '_'])
        .map(|p| {
            let mut c = p.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// A relative path as a URI reference: every byte outside the unreserved set and `/`
/// is percent-encoded.
pub fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_are_cut_around_the_span() {
        let line = format!("{}rm -rf /{}", "x".repeat(400), "y".repeat(400));
        let (shown, a, b) = window(&line, 400, 408);
        assert!(shown.starts_with('…') && shown.ends_with('…'));
        assert_eq!(
            &shown.chars().skip(a).take(b - a).collect::<String>(),
            "rm -rf /"
        );
        assert!(shown.chars().count() < 200);
        let (shown, a, b) = window("rm\t-rf /", 0, 2);
        assert_eq!((shown.as_str(), a, b), ("rm\\t-rf /", 0, 2));
    }

    #[test]
    fn uris_and_names() {
        assert_eq!(uri("a b/ü.sh"), "a%20b/%C3%BC.sh");
        assert_eq!(rule_name("fs.delete-critical"), "FsDeleteCritical");
    }
}
