//! Compiled projects run from their source: `go run`, `cargo run` (and the build
//! script any cargo build runs), `dotnet run`, `java File.java`, `zig run`,
//! `rust-script`. The program is not built here; its source is read for what destroys
//! data (a process run, a tree deleted, destructive SQL sent), call by call
//! (`interp/compiled.rs`). The file that is the program's entry point is read strictly
//! (a delete or a command only known at run time is a confirm); the modules it declares
//! and the build script leniently (only what they spell out), as imported modules are.
//! At most [`MAX_SOURCES`] files are read per command.

use super::*;

/// Source files read for one command, at most.
const MAX_SOURCES: usize = 32;

/// Cargo subcommands that are another tool's own CLI installed as `cargo-NAME`
/// (`cargo sqlx database drop` is `sqlx database drop`).
const CARGO_EXTERNAL: &[&str] = &["sqlx", "shuttle", "lambda", "leptos", "loco"];

/// Where the command starts in `cargo [+toolchain] [options] SUB …` when SUB is one of
/// [`CARGO_EXTERNAL`].
pub(super) fn cargo_external(args: &[Word]) -> Option<usize> {
    let i = args
        .iter()
        .position(|w| !w.text().starts_with(['+', '-']))?;
    CARGO_EXTERNAL
        .contains(&args[i].lit()?.as_str())
        .then_some(i)
}

impl Analyzer<'_> {
    /// `go run FILE.go|DIR`: the Go source's deletes and commands.
    pub(super) fn go_run(&mut self, args: &[Word], cmd: &Cmd, fr: &Frame, scope: &mut Scope) {
        let start = skip_options(
            args,
            &["-C", "-exec", "-tags", "-ldflags", "-gcflags", "-o"],
        );
        let Some(target) = args.get(start) else {
            return;
        };
        let Some(p) = self.resolve_word(target, cmd.cwd.as_deref()) else {
            return;
        };
        let files: Vec<PathBuf> = if p.is_dir() {
            match std::fs::read_dir(&p) {
                Ok(rd) => rd
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|f| f.extension().is_some_and(|x| x == "go"))
                    .filter(|f| !f.to_string_lossy().ends_with("_test.go"))
                    .take(64)
                    .collect(),
                Err(_) => Vec::new(),
            }
        } else {
            args[start..]
                .iter()
                .take_while(|w| w.text().ends_with(".go"))
                .filter_map(|w| self.resolve_word(w, cmd.cwd.as_deref()))
                .collect()
        };
        for f in files {
            match self.runnable(&f) {
                Runnable::Text(text) => {
                    let span = target.span.clone();
                    self.judge_code("go", &text, &[], span, cmd, fr, scope, false)
                }
                Runnable::Unreadable(why) => {
                    self.event("shell.dynamic-script", target.span.clone(), Some(why))
                }
                _ => {}
            }
        }
    }

    /// `cargo run|build|test|check …`: the build script runs first; `run` then runs the
    /// chosen binary (`--bin`, `--example`, or the package's `src/main.rs`).
    pub(super) fn cargo(&mut self, args: &[Word], cmd: &Cmd, fr: &Frame, scope: &mut Scope) {
        const VALUE_OPTS: &[&str] = &[
            "--bin",
            "--example",
            "-p",
            "--package",
            "--manifest-path",
            "-F",
            "--features",
            "--target",
            "--profile",
            "-j",
            "--jobs",
            "--target-dir",
            "--color",
            "--config",
            "-Z",
            "--test",
            "--bench",
        ];
        // Toolchain (`+nightly`) and global options before the subcommand.
        let mut i = 0;
        while let Some(w) = args.get(i) {
            let t = w.text();
            if t.starts_with('+') || (t.starts_with('-') && !VALUE_OPTS.contains(&t.as_str())) {
                i += 1;
            } else if VALUE_OPTS.contains(&t.as_str()) {
                i += 2;
            } else {
                break;
            }
        }
        let Some(sub) = args.get(i) else { return };
        let sub_text = sub.text();
        if !matches!(
            sub_text.as_str(),
            "run" | "r" | "build" | "b" | "test" | "t" | "check" | "c" | "bench" | "install"
        ) {
            return;
        }
        let rest = &args[i + 1..];
        let opt = |names: &[&str]| -> Option<&Word> {
            let mut j = 0;
            while j < rest.len() {
                let t = rest[j].text();
                if t == "--" {
                    return None;
                }
                if names.contains(&t.as_str()) {
                    return rest.get(j + 1);
                }
                j += 1;
            }
            None
        };
        let cwd = cmd.cwd.as_deref();
        let root = match opt(&["--manifest-path"]) {
            Some(w) => match self.resolve_word(w, cwd) {
                Some(p) => p.parent().map(Path::to_path_buf),
                None => return,
            },
            None => cwd.map(Path::to_path_buf),
        };
        let Some(mut root) = root else { return };
        if let Some(pkg) = opt(&["-p", "--package"]).and_then(|w| w.lit()) {
            match [root.join(&pkg), root.join("crates").join(&pkg)]
                .into_iter()
                .find(|d| d.join("Cargo.toml").is_file())
            {
                Some(d) => root = d,
                None => return,
            }
        }
        if !root.join("Cargo.toml").is_file()
            && !self.written.contains_key(&root.join("Cargo.toml"))
        {
            return;
        }
        let span = sub.span.clone();
        let mut sources = Sources::default();
        sources.add(root.join("build.rs"), false);
        if matches!(sub_text.as_str(), "run" | "r") {
            let bin = opt(&["--bin"]).map(|w| w.lit());
            let example = opt(&["--example"]).map(|w| w.lit());
            let entry: Vec<PathBuf> = match (bin, example) {
                (Some(Some(b)), _) => vec![
                    root.join("src/bin").join(format!("{b}.rs")),
                    root.join("src/bin").join(&b).join("main.rs"),
                    root.join("src/main.rs"),
                ],
                (_, Some(Some(e))) => vec![
                    root.join("examples").join(format!("{e}.rs")),
                    root.join("examples").join(&e).join("main.rs"),
                ],
                (Some(None), _) | (_, Some(None)) => {
                    self.event(
                        "shell.dynamic-script",
                        span,
                        Some("the program cargo runs is named at run time".into()),
                    );
                    return;
                }
                (None, None) => vec![root.join("src/main.rs")],
            };
            if let Some(e) = entry.into_iter().find(|p| self.exists_or_written(p)) {
                sources.add(e, true);
            }
        }
        self.read_sources(sources, "rust", span, cmd, fr, scope);
    }

    /// `dotnet run [--project P]`: the project's C# files (`Program.cs` strictly).
    pub(super) fn dotnet_run(&mut self, args: &[Word], cmd: &Cmd, fr: &Frame, scope: &mut Scope) {
        let Some(run) = args.first().filter(|w| w.text() == "run") else {
            return;
        };
        let cwd = cmd.cwd.as_deref();
        let project = args
            .iter()
            .take_while(|w| w.text() != "--")
            .position(|w| matches!(w.text().as_str(), "--project" | "-p"))
            .and_then(|j| args.get(j + 1));
        let dir = match project {
            Some(w) => match self.resolve_word(w, cwd) {
                Some(p) if p.extension().is_some_and(|x| x == "csproj") => {
                    p.parent().map(Path::to_path_buf)
                }
                Some(p) => Some(p),
                None => return,
            },
            None => cwd.map(Path::to_path_buf),
        };
        let Some(dir) = dir else { return };
        let mut sources = Sources::default();
        let mut files: Vec<PathBuf> = match std::fs::read_dir(&dir) {
            Ok(rd) => rd
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| f.extension().is_some_and(|x| x == "cs"))
                .take(MAX_SOURCES)
                .collect(),
            Err(_) => Vec::new(),
        };
        files.sort();
        for f in files {
            let entry = f.file_name().is_some_and(|n| n == "Program.cs");
            sources.add(f, entry);
        }
        self.read_sources(sources, "csharp", run.span.clone(), cmd, fr, scope);
    }

    /// `java [options] File.java`, `zig run file.zig`, `rust-script file.rs`: one
    /// source file run as a program.
    pub(super) fn source_file_program(
        &mut self,
        name: &str,
        args: &[Word],
        cmd: &Cmd,
        fr: &Frame,
        scope: &mut Scope,
    ) {
        let (lang, ext, args) = match name {
            "java" => ("java", ".java", args),
            "zig" if args.first().is_some_and(|w| w.text() == "run") => ("zig", ".zig", &args[1..]),
            "rust-script" => ("rust", ".rs", args),
            _ => return,
        };
        let start = skip_options(
            args,
            &[
                "-cp",
                "-classpath",
                "--class-path",
                "-p",
                "--module-path",
                "--source",
                "--add-modules",
            ],
        );
        let Some(file) = args.get(start).filter(|w| w.text().ends_with(ext)) else {
            return;
        };
        let Some(p) = self.resolve_word(file, cmd.cwd.as_deref()) else {
            self.event(
                "shell.dynamic-script",
                file.span.clone(),
                Some(format!("the {lang} program that runs is named at run time")),
            );
            return;
        };
        let mut sources = Sources::default();
        sources.add(p, true);
        self.read_sources(sources, lang, file.span.clone(), cmd, fr, scope);
    }

    fn exists_or_written(&self, p: &Path) -> bool {
        self.written.contains_key(p) || p.is_file()
    }

    /// Read each source (and, for Rust, the modules it declares with `mod x;`).
    fn read_sources(
        &mut self,
        mut sources: Sources,
        lang: &str,
        span: Range<usize>,
        cmd: &Cmd,
        fr: &Frame,
        scope: &mut Scope,
    ) {
        let mut at = 0;
        while let Some((path, entry)) = sources.list.get(at).cloned() {
            at += 1;
            match self.runnable(&path) {
                Runnable::Text(text) => {
                    if lang == "rust" {
                        for m in rust_modules(&path, &text) {
                            sources.add(m, false);
                        }
                    }
                    self.judge_code(lang, &text, &[], span.clone(), cmd, fr, scope, !entry);
                }
                Runnable::Unreadable(why) if entry => {
                    self.event("shell.dynamic-script", span.clone(), Some(why))
                }
                _ => {}
            }
        }
    }
}

/// Files to read, each once, at most [`MAX_SOURCES`]; `true` marks an entry point.
#[derive(Default)]
struct Sources {
    list: Vec<(PathBuf, bool)>,
}

impl Sources {
    fn add(&mut self, p: PathBuf, entry: bool) {
        if self.list.len() < MAX_SOURCES && !self.list.iter().any(|(q, _)| *q == p) {
            self.list.push((p, entry));
        }
    }
}

/// The files of the modules a Rust file declares (`mod db;`, `pub mod db;`): `db.rs` or
/// `db/mod.rs` beside a `main.rs`/`lib.rs`/`mod.rs`, under a directory named after the
/// file otherwise.
fn rust_modules(file: &Path, text: &str) -> Vec<PathBuf> {
    let Some(dir) = file.parent() else {
        return Vec::new();
    };
    let stem = file.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    let base = if matches!(stem, "main" | "lib" | "mod") {
        dir.to_path_buf()
    } else {
        dir.join(stem)
    };
    let mut out = Vec::new();
    for line in text.lines() {
        let l = line.trim_start();
        let l = l
            .strip_prefix("pub(crate) ")
            .or_else(|| l.strip_prefix("pub "))
            .unwrap_or(l);
        let Some(name) = l
            .strip_prefix("mod ")
            .and_then(|r| r.trim_end().strip_suffix(';'))
        else {
            continue;
        };
        let name = name.trim();
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            continue;
        }
        let flat = base.join(format!("{name}.rs"));
        out.push(if flat.is_file() {
            flat
        } else {
            base.join(name).join("mod.rs")
        });
    }
    out
}
