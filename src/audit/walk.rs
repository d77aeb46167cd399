//! The scan: walk each root in parallel (honouring `.gitignore`, `.ignore` and git's
//! excludes), pick the files the audit reads, and audit each on the walker's threads.

use super::extract::{kind_by_name, looks_like_dockerfile, shell::is_shell_shebang, Kind};
use super::{audit_text, FileRef, FileReport};
use crate::engine::{Context, Engine};
use ignore::{WalkBuilder, WalkState};
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Files larger than this are reported, not read.
pub const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;
/// Hidden directories that hold pipelines; other hidden directories are skipped unless
/// `hidden` is set.
const HIDDEN_KEPT: &[&str] = &[".github", ".gitlab"];

#[derive(Debug, Clone)]
pub struct ScanOptions {
    pub threads: usize,
    /// Show a progress line on stderr (only drawn when stderr is a terminal and the
    /// scan takes more than a moment).
    pub progress: bool,
    /// Read ignored files too.
    pub no_ignore: bool,
    /// Walk every hidden directory, not only `.github` and `.gitlab`.
    pub hidden: bool,
}

impl Default for ScanOptions {
    fn default() -> ScanOptions {
        ScanOptions {
            threads: std::thread::available_parallelism().map_or(2, |n| n.get()),
            progress: false,
            no_ignore: false,
            hidden: false,
        }
    }
}

/// The result of a scan: every file with a finding or an error, sorted by path.
#[derive(Debug, Default)]
pub struct Scan {
    pub files: Vec<FileReport>,
    /// Files read and judged (of a kind the audit reads).
    pub files_read: usize,
    pub commands: usize,
    pub elapsed: Duration,
}

struct Shared<'a> {
    engine: &'a Engine,
    base: &'a Context,
    reports: Mutex<Vec<FileReport>>,
    files: AtomicUsize,
    commands: AtomicUsize,
    findings: AtomicUsize,
}

/// Scan `roots` (directories or files). Paths in the result are relative to the root
/// when one directory is scanned, and start with the root as given otherwise.
pub fn scan(engine: &Engine, base: &Context, roots: &[PathBuf], opts: &ScanOptions) -> Scan {
    let started = Instant::now();
    let shared = Shared {
        engine,
        base,
        reports: Mutex::new(Vec::new()),
        files: AtomicUsize::new(0),
        commands: AtomicUsize::new(0),
        findings: AtomicUsize::new(0),
    };
    let done = AtomicBool::new(false);
    let single_dir = roots.len() == 1 && roots[0].is_dir();
    std::thread::scope(|s| {
        if opts.progress && std::io::stderr().is_terminal() {
            s.spawn(|| progress(&shared, &done, started));
        }
        for root in roots {
            scan_root(&shared, root, single_dir, opts);
        }
        done.store(true, Ordering::Relaxed);
    });
    let mut files = shared
        .reports
        .into_inner()
        .unwrap_or_else(|e| e.into_inner());
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Scan {
        files,
        files_read: shared.files.load(Ordering::Relaxed),
        commands: shared.commands.load(Ordering::Relaxed),
        elapsed: started.elapsed(),
    }
}

fn scan_root(shared: &Shared, root: &Path, single_dir: bool, opts: &ScanOptions) {
    let shown_root = root.to_string_lossy().replace('\\', "/");
    if !root.exists() {
        push(
            shared,
            FileReport::error(&shown_root, "no such file or directory"),
        );
        return;
    }
    // Commands are judged against the real, absolute directory; paths are shown as given.
    let abs = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    let root = abs.as_path();
    if root.is_file() {
        let dir = root.parent().unwrap_or(Path::new("/"));
        let rel = Path::new(root.file_name().unwrap_or_default());
        visit_file(shared, dir, rel, &shown_root, true);
        return;
    }
    let hidden = opts.hidden;
    let mut builder = WalkBuilder::new(root);
    builder
        .hidden(false)
        .git_ignore(!opts.no_ignore)
        .git_exclude(!opts.no_ignore)
        .git_global(!opts.no_ignore)
        .ignore(!opts.no_ignore)
        .parents(!opts.no_ignore)
        .require_git(false)
        .threads(opts.threads.max(1))
        .filter_entry(move |e| {
            let name = e.file_name().to_string_lossy();
            if name == ".git" {
                return false;
            }
            let is_dir = e.file_type().is_some_and(|t| t.is_dir());
            hidden
                || e.depth() == 0
                || !is_dir
                || !name.starts_with('.')
                || HIDDEN_KEPT.contains(&name.as_ref())
        });
    builder.build_parallel().run(|| {
        Box::new(|entry| {
            let entry = match entry {
                Ok(e) => e,
                Err(err) => {
                    let path = err_path(&err).unwrap_or_else(|| shown_root.clone());
                    push(
                        shared,
                        FileReport::error(&path, format!("cannot read: {err}")),
                    );
                    return WalkState::Continue;
                }
            };
            if !entry.file_type().is_some_and(|t| t.is_file()) {
                return WalkState::Continue;
            }
            let Ok(rel) = entry.path().strip_prefix(root) else {
                return WalkState::Continue;
            };
            let rel_shown = rel.to_string_lossy().replace('\\', "/");
            let display = if single_dir {
                rel_shown
            } else {
                format!("{}/{}", shown_root.trim_end_matches('/'), rel_shown)
            };
            visit_file(shared, root, rel, &display, false);
            WalkState::Continue
        })
    });
}

fn err_path(err: &ignore::Error) -> Option<String> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path.to_string_lossy().into_owned()),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            err_path(err)
        }
        _ => None,
    }
}

/// Audit one file if it is of a kind the audit reads. A file named on the command line
/// is read as a shell script when nothing else tells its kind.
fn visit_file(shared: &Shared, root: &Path, rel: &Path, display: &str, explicit: bool) {
    let path = root.join(rel);
    let kind = match kind_by_name(rel) {
        Some(k) => k,
        None if explicit => Kind::Shell,
        None if rel.extension().is_none() => match sniff(&path) {
            Some(true) => Kind::Shell,
            _ => return,
        },
        None => return,
    };
    let report = match read_text(&path) {
        Ok(None) => return,
        // A variant name (`Dockerfile.dev`, `x.dockerfile`) is a Dockerfile only if it
        // reads as one; `Dockerfile` itself, or a file named on the command line, is.
        Ok(Some(text))
            if kind == Kind::Dockerfile
                && !explicit
                && !matches!(
                    rel.file_name().and_then(|n| n.to_str()),
                    Some("Dockerfile" | "dockerfile" | "Containerfile" | "containerfile")
                )
                && !looks_like_dockerfile(&text) =>
        {
            return
        }
        Ok(Some(text)) => {
            let file = FileRef { root, rel, display };
            audit_text(shared.engine, shared.base, &file, kind, &text)
        }
        Err(msg) => {
            let mut r = FileReport::error(display, msg);
            r.kind = Some(kind);
            r
        }
    };
    shared.files.fetch_add(1, Ordering::Relaxed);
    shared
        .commands
        .fetch_add(report.commands, Ordering::Relaxed);
    shared
        .findings
        .fetch_add(report.findings.len(), Ordering::Relaxed);
    if !report.findings.is_empty() || !report.errors.is_empty() {
        push(shared, report);
    }
}

fn push(shared: &Shared, report: FileReport) {
    match shared.reports.lock() {
        Ok(mut v) => v.push(report),
        Err(p) => p.into_inner().push(report),
    }
}

/// Whether a file without an extension starts with a shell shebang.
fn sniff(path: &Path) -> Option<bool> {
    let mut head = [0u8; 256];
    let mut f = std::fs::File::open(path).ok()?;
    let n = f.read(&mut head).ok()?;
    Some(is_shell_shebang(&head[..n]))
}

/// The file as text (invalid UTF-8 shown as U+FFFD), `None` when empty.
fn read_text(path: &Path) -> Result<Option<String>, String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read: {e}"))?;
    if meta.len() > MAX_FILE_BYTES {
        return Err(format!(
            "file is {} bytes, more than the {} bytes the audit reads; its commands were not checked",
            meta.len(),
            MAX_FILE_BYTES
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read: {e}"))?;
    if bytes.is_empty() {
        return Ok(None);
    }
    if bytes.iter().take(8192).any(|b| *b == 0) {
        return Err("binary file (NUL bytes); its commands were not checked".to_string());
    }
    Ok(Some(match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }))
}

fn progress(shared: &Shared, done: &AtomicBool, started: Instant) {
    let mut drawn = false;
    while !done.load(Ordering::Relaxed) {
        std::thread::sleep(Duration::from_millis(150));
        if started.elapsed() < Duration::from_millis(800) {
            continue;
        }
        let line = format!(
            "\rinterlock audit: {} files, {} commands, {} findings ",
            shared.files.load(Ordering::Relaxed),
            shared.commands.load(Ordering::Relaxed),
            shared.findings.load(Ordering::Relaxed)
        );
        let _ = std::io::stderr().write_all(line.as_bytes());
        drawn = true;
    }
    if drawn {
        let _ = std::io::stderr().write_all(format!("\r{:70}\r", "").as_bytes());
    }
}
