//! `interlock audit`: scan repositories for commands Interlock would stop, or run as a
//! CI shell (`interlock audit --shell {0}`) that logs would-be stops and then runs the
//! script with the real bash.

use super::check::{decision_code, engine_and_context};
use super::exit;
use clap::{Args, ValueEnum};
use interlock::audit::{self, ci, report, ScanOptions};
use interlock::render::visible;
use interlock::{Context, Decision};
use std::collections::HashMap;
use std::ffi::OsString;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// The CI shell could not find a bash to run the script with.
const NO_BASH: i32 = 127;
/// bash was found but could not be started.
const CANNOT_RUN: i32 = 126;
/// Nested CI shells deeper than this are refused (a wrapper that finds itself).
const MAX_NESTING: u32 = 8;
const DEPTH_VAR: &str = "INTERLOCK_AUDIT_SHELL_DEPTH";

#[derive(Args)]
pub struct AuditArgs {
    /// Files or directories to scan (default: the current directory).
    #[arg(value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Report format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Write the report to this file instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    /// Exit non-zero when a finding is at least this strict. Exit status: 0 below the
    /// level, 10 when the worst is confirm, 11 when it is deny. With --shell --enforce:
    /// the level that refuses the script.
    #[arg(long, value_enum, default_value_t = FailOn::Confirm)]
    fail_on: FailOn,
    /// Also exit 10 (at least) when a file could not be read or parsed (its commands went
    /// unchecked). Without it, unreadable files are reported but do not change the status.
    #[arg(long)]
    fail_on_unreadable: bool,
    /// Leave out findings of this rule (repeatable; `shell.*` skips a whole pack;
    /// `audit.unreadable` leaves out files that could not be read).
    #[arg(long, value_name = "RULE")]
    skip: Vec<String>,
    /// Worker threads (default: one per core).
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
    /// Read files that .gitignore / .ignore exclude too.
    #[arg(long)]
    no_ignore: bool,
    /// Walk every hidden directory (by default only .github and .gitlab).
    #[arg(long)]
    hidden: bool,
    /// Never draw the progress line.
    #[arg(long)]
    no_progress: bool,
    /// Run as a CI shell: judge SCRIPT (a file, or `-`/nothing for stdin), log every
    /// would-be stop, then run it with bash and pass its exit status through. The
    /// script may also come after the other options (`--shell --enforce {0}`).
    #[arg(long, value_name = "SCRIPT", num_args = 0..=1, default_missing_value = "")]
    shell: Option<String>,
    /// With --shell: refuse to run a script that has a stop (at --fail-on or above).
    #[arg(long, requires = "shell")]
    enforce: bool,
    /// With --shell: the bash to run (default: the first bash on PATH that is not
    /// Interlock or a wrapper script).
    #[arg(long, value_name = "PATH", requires = "shell")]
    bash: Option<PathBuf>,
    /// With --shell: arguments for bash, after `--` (they replace the defaults:
    /// `--noprofile --norc -eo pipefail` for a file, none for stdin).
    #[arg(last = true, value_name = "BASH_ARGS")]
    bash_args: Vec<OsString>,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
    Sarif,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum FailOn {
    Confirm,
    Deny,
    Never,
}

impl FailOn {
    fn fails(self, d: Decision) -> bool {
        match self {
            FailOn::Confirm => d >= Decision::Confirm,
            FailOn::Deny => d >= Decision::Deny,
            FailOn::Never => false,
        }
    }
}

pub fn run(args: AuditArgs) -> i32 {
    if let Some(script) = args.shell.clone() {
        return run_shell(&args, &script);
    }
    if !args.bash_args.is_empty() {
        eprintln!("interlock audit: arguments after `--` are for bash and need --shell");
        return exit::USAGE;
    }
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    for p in &paths {
        if let Err(e) = std::fs::metadata(p) {
            eprintln!(
                "interlock audit: {}: {}",
                visible(&p.display().to_string(), false),
                io_reason(&e)
            );
            return exit::USAGE;
        }
    }
    let cwd = paths.first().and_then(|p| {
        let dir = if p.is_dir() {
            p.clone()
        } else {
            p.parent()?.to_path_buf()
        };
        std::fs::canonicalize(dir).ok()
    });
    let (engine, process) = engine_and_context(cwd.clone());
    let base = scan_context(&process);
    let opts = ScanOptions {
        threads: args
            .threads
            .unwrap_or_else(|| ScanOptions::default().threads),
        progress: !args.no_progress,
        no_ignore: args.no_ignore,
        hidden: args.hidden,
    };
    let mut scan = audit::scan(&engine, &base, &paths, &opts);
    if !args.skip.is_empty() {
        let skip_errors = skipped(&args.skip, report::UNREADABLE_RULE);
        for f in &mut scan.files {
            f.findings.retain(|x| !skipped(&args.skip, &x.rule));
            if skip_errors {
                f.errors.clear();
            }
        }
        scan.files
            .retain(|f| !f.findings.is_empty() || !f.errors.is_empty());
    }
    let rendered = match args.format {
        Format::Text => {
            let mut buf = Vec::new();
            if report::write_text(&scan, &mut buf).is_err() {
                return exit::INTERNAL;
            }
            buf
        }
        Format::Json => json_bytes(&report::json_report(&scan)),
        Format::Sarif => json_bytes(&report::sarif_report(&scan, engine.policy())),
    };
    if args.format != Format::Text {
        for e in scan.files.iter().flat_map(|f| &f.errors) {
            let at = match (e.line, e.column) {
                (Some(l), Some(c)) => format!(":{l}:{c}"),
                _ => String::new(),
            };
            eprintln!(
                "interlock audit: {}{at}: {}",
                visible(&e.file, false),
                visible(&e.message, false)
            );
        }
    }
    let written = match &args.output {
        Some(path) => std::fs::write(path, &rendered).map_err(|e| {
            eprintln!(
                "interlock audit: cannot write {}: {e}",
                visible(&path.display().to_string(), false)
            )
        }),
        None => std::io::stdout()
            .lock()
            .write_all(&rendered)
            .map_err(|_| ()),
    };
    if written.is_err() {
        return exit::INTERNAL;
    }
    let worst = scan
        .files
        .iter()
        .map(|f| f.worst())
        .max()
        .unwrap_or(Decision::Allow);
    if args.fail_on.fails(worst) {
        decision_code(worst)
    } else if args.fail_on_unreadable && scan.files.iter().any(|f| f.unreadable()) {
        exit::CONFIRM
    } else {
        exit::ALLOW
    }
}

/// An I/O error without the "(os error N)" tail.
fn io_reason(e: &std::io::Error) -> &'static str {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory",
        std::io::ErrorKind::PermissionDenied => "permission denied",
        _ => "cannot be read",
    }
}

/// Whether `--skip` patterns leave out this rule (`fs.delete-protected`, `shell.*`).
fn skipped(patterns: &[String], rule: &str) -> bool {
    patterns.iter().any(|p| match p.strip_suffix('*') {
        Some(prefix) => rule.starts_with(prefix),
        None => p == rule,
    })
}

fn json_bytes(v: &serde_json::Value) -> Vec<u8> {
    let mut out = serde_json::to_vec_pretty(v).unwrap_or_default();
    out.push(b'\n');
    out
}

/// Scripts in a repository run elsewhere: only HOME and the loopback hosts of this
/// machine carry over, not its other variables.
fn scan_context(process: &Context) -> Context {
    let mut ctx = process.clone();
    ctx.env = HashMap::new();
    if let Some(h) = &process.home {
        ctx.env
            .insert("HOME".to_string(), h.to_string_lossy().into_owned());
    }
    ctx
}

/// The CI shell: judge the script, log would-be stops, then run it with bash (or, with
/// --enforce, refuse).
fn run_shell(args: &AuditArgs, script: &str) -> i32 {
    let depth: u32 = std::env::var(DEPTH_VAR)
        .ok()
        .and_then(|d| d.parse().ok())
        .unwrap_or(0);
    if depth >= MAX_NESTING {
        eprintln!("interlock audit --shell: nested {depth} times; a bash wrapper seems to run Interlock again (set --bash or INTERLOCK_BASH to the real bash)");
        return exit::USAGE;
    }
    // `--shell --enforce {0}`: the script is the one operand after the options.
    let script = match (script, args.paths.as_slice()) {
        ("", []) => "-".to_string(),
        ("", [one]) => one.to_string_lossy().into_owned(),
        (s, []) => s.to_string(),
        _ => {
            eprintln!("interlock audit --shell takes one script (or stdin), not paths to scan");
            return exit::USAGE;
        }
    };
    let script = script.as_str();
    let from_stdin = script == "-";
    let bytes = if from_stdin {
        let mut b = Vec::new();
        if let Err(e) = std::io::stdin().lock().read_to_end(&mut b) {
            eprintln!("interlock audit --shell: cannot read the script from stdin: {e}");
            return exit::INTERNAL;
        }
        b
    } else {
        match std::fs::read(script) {
            Ok(b) => b,
            Err(e) => {
                eprintln!(
                    "interlock audit --shell: cannot read {}: {e}",
                    visible(script, false)
                );
                return NO_BASH;
            }
        }
    };
    let Some(bash) = find_bash(args.bash.as_deref()) else {
        eprintln!("interlock audit --shell: no bash found on PATH (other than Interlock itself); give one with --bash or INTERLOCK_BASH");
        return NO_BASH;
    };
    let text = String::from_utf8_lossy(&bytes);
    let (engine, ctx) = engine_and_context(None);
    let on_github = std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true");
    let step = if on_github && !from_stdin {
        match (
            std::env::var_os("GITHUB_WORKSPACE"),
            std::env::var("GITHUB_WORKFLOW_REF"),
        ) {
            (Some(ws), Ok(r)) => ci::GithubStep::from_env(Path::new(&ws), &r),
            _ => None,
        }
    } else {
        None
    };
    let mut stops = ci::analyse(&engine, &ctx, &text, step.as_ref());
    stops.retain(|s| !skipped(&args.skip, &s.rule));
    let refuse = args.enforce && args.fail_on.fails(ci::worst(&stops));
    {
        // Workflow commands must go to stdout; elsewhere stderr keeps stdout clean.
        let mut log: Box<dyn Write> = if on_github {
            Box::new(std::io::stdout().lock())
        } else {
            Box::new(std::io::stderr().lock())
        };
        for s in &stops {
            let _ = writeln!(log, "{}", ci::annotation(s, on_github, refuse));
        }
        if refuse {
            let _ = writeln!(
                log,
                "interlock: the script was not run (--enforce): {} stop(s) above",
                stops.len()
            );
        }
        let _ = log.flush();
    }
    if refuse {
        return decision_code(ci::worst(&stops));
    }
    exec_bash(
        &bash,
        args,
        script,
        from_stdin.then_some(bytes.as_slice()),
        depth,
    )
}

/// Replace this process with bash, so its exit status (and death by a signal) is the
/// step's own. For stdin the exact bytes read are put back on fd 0 (an in-memory file).
fn exec_bash(bash: &Path, args: &AuditArgs, script: &str, stdin: Option<&[u8]>, depth: u32) -> i32 {
    use std::os::unix::process::CommandExt;
    let mut cmd = std::process::Command::new(bash);
    if args.bash_args.is_empty() {
        if stdin.is_none() {
            cmd.args(["--noprofile", "--norc", "-eo", "pipefail"]);
        }
    } else {
        cmd.args(&args.bash_args);
    }
    if stdin.is_none() {
        cmd.arg(script);
    }
    cmd.env(DEPTH_VAR, (depth + 1).to_string());
    if let Some(bytes) = stdin {
        match memory_file(bytes) {
            Ok(f) => {
                cmd.stdin(f);
            }
            Err(e) => {
                eprintln!("interlock audit --shell: cannot hold the script for bash: {e}");
                return exit::INTERNAL;
            }
        }
    }
    let err = cmd.exec();
    eprintln!(
        "interlock audit --shell: cannot run {}: {err}",
        visible(&bash.display().to_string(), false)
    );
    CANNOT_RUN
}

/// An anonymous in-memory file holding `bytes`, positioned at its start (close-on-exec
/// is off for it only once it is bash's stdin).
fn memory_file(bytes: &[u8]) -> std::io::Result<std::fs::File> {
    use nix::sys::memfd::{memfd_create, MFdFlags};
    use std::io::{Seek, SeekFrom};
    let fd =
        memfd_create("interlock-ci-script", MFdFlags::MFD_CLOEXEC).map_err(std::io::Error::from)?;
    let mut f = std::fs::File::from(fd);
    f.write_all(bytes)?;
    f.seek(SeekFrom::Start(0))?;
    Ok(f)
}

/// The real bash: `--bash`, `INTERLOCK_BASH`, then PATH and the usual places, skipping
/// Interlock itself and wrapper scripts (a real bash is never a `#!` script).
fn find_bash(explicit: Option<&Path>) -> Option<PathBuf> {
    if let Some(p) = explicit {
        return usable(p).then(|| p.to_path_buf());
    }
    if let Some(p) = std::env::var_os("INTERLOCK_BASH").filter(|p| !p.is_empty()) {
        let p = PathBuf::from(p);
        return usable(&p).then_some(p);
    }
    let me = std::env::current_exe()
        .ok()
        .and_then(|p| std::fs::canonicalize(p).ok());
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|d| d.join("bash"))
        .chain(["/bin/bash", "/usr/bin/bash", "/usr/local/bin/bash"].map(PathBuf::from))
        .find(|p| usable(p) && std::fs::canonicalize(p).ok() != me && !is_script(p))
}

fn usable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

fn is_script(p: &Path) -> bool {
    let mut head = [0u8; 2];
    std::fs::File::open(p)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok_and(|_| &head == b"#!")
}
