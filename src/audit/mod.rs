//! Audit: find the shell a repository will run (scripts, CI pipelines, Dockerfiles,
//! Makefiles, package.json scripts, justfiles), judge each command with the engine in
//! the context it runs in, and map every finding back to its file, line and column.
//!
//! `extract` turns a file into commands with the file offset of each byte, `walk`
//! scans trees in parallel, `report` renders text, JSON and SARIF, and `ci` holds the
//! pieces of the CI shell (`interlock audit --shell`).

pub mod ci;
pub mod extract;
pub use crate::specs::tasks::position;
pub mod report;
mod walk;

pub use extract::Kind;
pub use walk::{scan, Scan, ScanOptions};

use crate::engine::{Context, Decision, Engine};
use extract::{Command, Cwd};
use position::LineIndex;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// A finding placed in its file.
#[derive(Debug, Clone, Serialize)]
pub struct Located {
    /// Path relative to the scanned root, with `/` separators.
    pub file: String,
    pub kind: Kind,
    /// 1-based; columns count characters.
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    /// Exclusive: the column just after the span.
    pub end_column: usize,
    pub rule: String,
    pub decision: Decision,
    pub reason: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suggestion: Option<String>,
    /// The file text the span covers.
    pub snippet: String,
    /// The whole first line of the span, and the span's byte range in it.
    #[serde(skip)]
    pub source_line: String,
    #[serde(skip)]
    pub line_span: (usize, usize),
}

impl Located {
    /// The reason with the detail, as shown to people.
    pub fn message(&self) -> String {
        match &self.detail {
            Some(d) => format!("{} ({})", self.reason, d),
            None => self.reason.clone(),
        }
    }
}

/// A file, or part of one, that could not be read: its commands were not judged.
#[derive(Debug, Clone, Serialize)]
pub struct FileError {
    pub file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
    pub message: String,
}

/// What the audit found in one file.
#[derive(Debug, Clone)]
pub struct FileReport {
    pub path: String,
    pub kind: Option<Kind>,
    pub commands: usize,
    pub findings: Vec<Located>,
    pub errors: Vec<FileError>,
}

impl FileReport {
    pub fn error(path: &str, message: impl Into<String>) -> FileReport {
        FileReport {
            path: path.to_string(),
            kind: None,
            commands: 0,
            findings: Vec::new(),
            errors: vec![FileError {
                file: path.to_string(),
                line: None,
                column: None,
                message: message.into(),
            }],
        }
    }

    /// The strictest decision of the findings in the file. A file that could not be
    /// read has no decision of its own: `unreadable` says so, and the CLI counts it
    /// only when asked (`--fail-on-unreadable`).
    pub fn worst(&self) -> Decision {
        self.findings
            .iter()
            .map(|f| f.decision)
            .max()
            .unwrap_or(Decision::Allow)
    }

    /// Whether the file, or part of it, could not be read or parsed.
    pub fn unreadable(&self) -> bool {
        !self.errors.is_empty()
    }
}

/// Where a file sits: the scanned root, its path below the root, and the path shown.
pub struct FileRef<'a> {
    pub root: &'a Path,
    pub rel: &'a Path,
    pub display: &'a str,
}

/// Audit the text of one file of a known kind.
pub fn audit_text(
    engine: &Engine,
    base: &Context,
    file: &FileRef,
    kind: Kind,
    text: &str,
) -> FileReport {
    let ex = extract::extract(kind, text);
    let ix = LineIndex::new(text);
    let mut report = FileReport {
        path: file.display.to_string(),
        kind: Some(kind),
        commands: ex.commands.len(),
        findings: Vec::new(),
        errors: Vec::new(),
    };
    // Problems are reported once per file: the first, with how many more there are.
    let more = ex.problems.len().saturating_sub(1);
    if let Some(mut p) = ex.problems.into_iter().next() {
        if more > 0 {
            p.message.push_str(&format!(
                " (and {more} more problem{} in this file)",
                if more == 1 { "" } else { "s" }
            ));
        }
        let (line, column) = match p.offset {
            Some(o) => {
                let (l, c) = ix.locate(text, o);
                (Some(l), Some(c))
            }
            None => (None, None),
        };
        report.errors.push(FileError {
            file: file.display.to_string(),
            line,
            column,
            message: p.message,
        });
    }
    for cmd in &ex.commands {
        let ctx = context_for(base, file, cmd);
        let verdict = engine.decide(&cmd.text.text, &ctx);
        for f in verdict.findings {
            let (a, b) = cmd.text.file_range(text, f.start, f.end);
            let (line, column) = ix.locate(text, a);
            let (end_line, end_column) = ix.locate(text, b);
            let source_line = ix.line_text(text, line);
            let line_start = ix.line_start(line).unwrap_or(0);
            let in_line = (
                a - line_start,
                (b.max(a) - line_start).min(source_line.len()),
            );
            let restore = |s: String| {
                cmd.placeholders
                    .iter()
                    .fold(s, |acc, (ph, orig)| acc.replace(ph.as_str(), orig))
            };
            report.findings.push(Located {
                file: file.display.to_string(),
                kind,
                line,
                column,
                end_line,
                end_column,
                rule: f.rule,
                decision: f.decision,
                reason: f.reason,
                detail: f.detail.map(restore),
                suggestion: f.suggestion,
                snippet: text.get(a..b).unwrap_or("").to_string(),
                source_line: source_line.to_string(),
                line_span: in_line,
            });
        }
    }
    report.findings.sort_by(|x, y| {
        (x.line, x.column, &x.rule, x.end_line, x.end_column).cmp(&(
            y.line,
            y.column,
            &y.rule,
            y.end_line,
            y.end_column,
        ))
    });
    // The same text reached twice (a YAML anchor, a template job) is reported once.
    report.findings.dedup_by(|x, y| {
        (x.line, x.column, x.end_line, x.end_column, &x.rule)
            == (y.line, y.column, y.end_line, y.end_column, &y.rule)
    });
    report
}

/// The context a command runs in: the scan's, with its working directory and whether
/// it runs inside an image being built.
fn context_for(base: &Context, file: &FileRef, cmd: &Command) -> Context {
    let mut ctx = base.clone();
    ctx.cwd = match &cmd.cwd {
        Cwd::Repo(r) => Some(file.root.join(r)),
        Cwd::FileDir => Some(
            file.rel
                .parent()
                .map_or_else(|| file.root.to_path_buf(), |d| file.root.join(d)),
        ),
        Cwd::Absolute(a) => Some(PathBuf::from(a)),
        Cwd::Unknown => None,
    };
    if cmd.container_build {
        ctx.container_build = true;
        ctx.home = Some(PathBuf::from("/root"));
        ctx.env.insert("HOME".to_string(), "/root".to_string());
    }
    ctx
}
