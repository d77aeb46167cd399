//! Files that run: a program named by path (`./cleanup`, `bin/x`, `/tmp/x.sh`), a
//! script handed to an interpreter (`python3 x.py`, `node x.js`; compiled projects
//! run from source are in `compiled.rs`), the
//! project files a test runner imports (`pytest` → `conftest.py`, `test_*.py`), and
//! the files the line itself writes before running them. The file is read (written
//! earlier on the line first, else the disk, up to [`MAX_SCRIPT_BYTES`]), its language
//! picked by shebang or by the interpreter, and its text judged: shell as shell, other
//! languages through the interpreter-code analyser (`interp::extract`). What cannot be
//! read (too large, not text, written by a command whose output is unknown) is a
//! confirm naming why.

use super::*;

/// Scripts larger than this are not read; running one is a confirm.
pub(crate) const MAX_SCRIPT_BYTES: u64 = 1024 * 1024;
/// Test files a test runner imports, read in all at most (past it: a confirm).
const MAX_TEST_BYTES: u64 = 4 * 1024 * 1024;
/// Directories visited looking for test files.
const MAX_TEST_DIRS: usize = 400;

/// A file that will run, as far as it can be read here.
pub(crate) enum Runnable {
    Text(String),
    /// Not there (the command fails, nothing runs) or a directory.
    Missing,
    /// A compiled program (ELF, Mach-O, PE): judged by its name, like any program on
    /// PATH.
    Compiled,
    /// Cannot be judged: why.
    Unreadable(String),
}

impl Analyzer<'_> {
    /// Read a file that will run: the line's own writes first, then the disk.
    pub(crate) fn runnable(&self, p: &Path) -> Runnable {
        if let Some(text) = self.written.get(p) {
            return Runnable::Text(text.clone());
        }
        if let Some(why) = self.unknown_files.get(p) {
            return Runnable::Unreadable(format!(
                "{} is {why} earlier on the line, so its content is not known",
                p.display()
            ));
        }
        if self.copies.contains_key(p) {
            // A link or copy of a program made on the line: judged as that program.
            return Runnable::Compiled;
        }
        let m = match std::fs::metadata(p) {
            Ok(m) if m.is_file() => m,
            _ => return Runnable::Missing,
        };
        // A compiled program is judged by its name whatever its size
        // (`./target/release/app` is everyday work): only its header is read.
        if m.len() > MAX_SCRIPT_BYTES && header_is_compiled(p) {
            return Runnable::Compiled;
        }
        if m.len() > MAX_SCRIPT_BYTES {
            return Runnable::Unreadable(format!(
                "{} is larger than the {} KiB Interlock reads to check it",
                p.display(),
                MAX_SCRIPT_BYTES / 1024
            ));
        }
        let bytes = match std::fs::read(p) {
            Ok(b) => b,
            Err(e) => return Runnable::Unreadable(format!("{} cannot be read ({e})", p.display())),
        };
        if is_compiled(&bytes) {
            return Runnable::Compiled;
        }
        if bytes.iter().take(8192).any(|b| *b == 0) {
            return Runnable::Unreadable(format!(
                "{} is not text, so what it runs cannot be checked",
                p.display()
            ));
        }
        Runnable::Text(String::from_utf8_lossy(&bytes).into_owned())
    }

    /// `./x`, `bin/x`, `/abs/x`: the program is a file; read and judge what it runs.
    /// Installed programs (system directories, package managers' trees) are judged by
    /// name as before.
    pub(super) fn run_file_by_path(
        &mut self,
        raw: &str,
        args: &[Word],
        cmd: &Cmd,
        fr: &Frame,
        scope: &mut Scope,
    ) {
        if cmd.remote {
            return;
        }
        let Some(p) = scope::resolve(raw, cmd.cwd.as_deref(), self.ctx.home.as_deref()) else {
            return;
        };
        if is_installed(&p, self.ctx.home.as_deref()) && !self.written.contains_key(&p) {
            return;
        }
        let span = cmd
            .words
            .first()
            .map_or(cmd.span.clone(), |w| w.span.clone());
        match self.runnable(&p) {
            Runnable::Missing | Runnable::Compiled => {}
            Runnable::Unreadable(why) => self.event("shell.dynamic-script", span, Some(why)),
            Runnable::Text(text) => {
                let lang = shebang_language(&text);
                self.judge_file(&p, &lang, &text, args, span, cmd, fr, scope, false);
            }
        }
    }

    /// Judge a script file's text with the imports it makes resolving against its own
    /// directory (where Python and Node look first), not the working directory.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn judge_file(
        &mut self,
        path: &Path,
        lang: &str,
        text: &str,
        args: &[Word],
        span: Range<usize>,
        cmd: &Cmd,
        fr: &Frame,
        scope: &mut Scope,
        lenient: bool,
    ) {
        let base = path.parent().map(Path::to_path_buf);
        let saved = std::mem::replace(&mut self.module_base, base);
        if self.files_open.iter().any(|f| f == path) {
            self.module_base = saved;
            return;
        }
        // `$0` in a script is its path (`. "$(dirname -- "$0")/lib.sh"`).
        let zero = std::mem::replace(&mut self.script_zero, path.to_str().map(str::to_string));
        self.files_open.push(path.to_path_buf());
        self.judge_code(lang, text, args, span, cmd, fr, scope, lenient);
        self.files_open.pop();
        self.script_zero = zero;
        self.module_base = saved;
    }

    /// Judge the text of a file in its language: shell with `$1 …` bound to `args`,
    /// Go through its own small reading, anything else through `interp`. `lenient`
    /// leaves out what the code computes at run time (test code's temporary paths).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn judge_code(
        &mut self,
        lang: &str,
        text: &str,
        args: &[Word],
        span: Range<usize>,
        cmd: &Cmd,
        fr: &Frame,
        scope: &mut Scope,
        lenient: bool,
    ) {
        match lang {
            "sh" => {
                let mut child = scope.child();
                child.cwd = cmd.cwd.clone();
                child.stdin = cmd.stdin.clone();
                child.positional = Some(args.iter().map(word_value).collect());
                if let Some(z) = self.script_zero.take() {
                    child.set_var("0".into(), Value::Known(z));
                }
                self.analyse_file_source(text, span, &mut child, fr);
            }
            l if interp::compiled::LANGUAGES.contains(&l) => {
                let mut items = interp::compiled::extract(l, text);
                if lenient {
                    items.retain(|i| {
                        !matches!(
                            i,
                            Extracted::Delete { path: None, .. } | Extracted::Dynamic(_)
                        )
                    });
                }
                self.apply_extracted(items, span, false, cmd, fr, scope);
            }
            "fish" | "pwsh" | "powershell" => self.event(
                "shell.dynamic-script",
                span,
                Some(format!(
                    "a {lang} script runs, which Interlock does not read"
                )),
            ),
            other => {
                let mut items = interp::extract(interp::language(other), text);
                if lenient {
                    items.retain(|i| {
                        !matches!(
                            i,
                            Extracted::Delete { path: None, .. } | Extracted::Dynamic(_)
                        )
                    });
                }
                self.apply_extracted(items, span, false, cmd, fr, scope);
            }
        }
    }

    /// Walk shell code that a file or a task holds. A program such a file names
    /// through its environment (`exec "$JAVACMD"`, `$(PYTHON) -m pytest`) is an
    /// installed program, judged like a compiled one: by what the file does literally,
    /// not by the name it finds at run time (no `shell.computed-command`).
    pub(crate) fn analyse_file_source(
        &mut self,
        text: &str,
        span: Range<usize>,
        child: &mut Scope,
        fr: &Frame,
    ) {
        let before = self.findings.len();
        self.analyse_source(text, Origin::Fixed(span), child, fr.depth + 1, false);
        if self.findings.len() > before {
            let mut added = self.findings.split_off(before);
            added.retain(|f| f.rule != "shell.computed-command");
            self.findings.extend(added);
        }
    }

    /// `python3 x.py`, `node x.js`, `ruby x.rb`, `perl x.pl`, `php x.php`,
    /// `deno run x.ts`, `bun x.ts`: the script operand, read and judged. Returns
    /// whether a script operand was found.
    pub(super) fn interpreter_script(
        &mut self,
        name: &str,
        args: &[Word],
        cmd: &Cmd,
        fr: &Frame,
        scope: &mut Scope,
    ) -> bool {
        let family = interp_family(name).unwrap_or(name);
        let mut rest = args;
        if matches!(family, "deno" | "bun") {
            if let Some(i) = rest.iter().position(|w| !w.text().starts_with('-')) {
                if matches!(rest[i].text().as_str(), "run" | "test") {
                    rest = &rest[i + 1..];
                } else if family == "deno" {
                    return false;
                }
            }
        }
        let value_opts: &[&str] = match family {
            "python3" => &["-W", "-X", "--check-hash-based-pycs"],
            "node" | "nodejs" => &["-r", "--require", "--import", "--loader", "--env-file"],
            "perl" => &["-I", "-M", "-m"],
            "ruby" => &["-I", "-r", "-E"],
            "php" => &["-d", "-c"],
            _ => &[],
        };
        let mut i = 0;
        while i < rest.len() {
            let t = rest[i].text();
            if t == "--" {
                i += 1;
                break;
            }
            // `node -r ./setup.js`: a project file preloaded before the program.
            if family == "node" && matches!(t.as_str(), "-r" | "--require" | "--import") {
                if let Some(v) = rest.get(i + 1).and_then(|w| w.lit()) {
                    if v.starts_with("./") || v.starts_with("../") {
                        let candidates: Vec<String> = ["", ".js", ".mjs", ".cjs", ".ts"]
                            .iter()
                            .map(|e| format!("{v}{e}"))
                            .collect();
                        let span = rest[i + 1].span.clone();
                        self.run_project_module(
                            &candidates,
                            interp::Lang::Node,
                            span,
                            false,
                            cmd,
                            fr,
                            scope,
                        );
                    }
                }
            }
            // `-c`/`-e`/`-m`: code or a module, not a file (`python -m pytest`).
            if matches!(
                t.as_str(),
                "-c" | "-e" | "-E" | "-p" | "--eval" | "--print" | "-r"
            ) && !(family == "ruby" && t == "-r")
                && !(family == "php" && t != "-r")
            {
                return false;
            }
            if family == "python3" && t.starts_with("-m") {
                let module = if t == "-m" {
                    rest.get(i + 1).map(|w| w.text())
                } else {
                    Some(t[2..].to_string())
                };
                if module.as_deref() == Some("pytest") {
                    let from = if t == "-m" { i + 2 } else { i + 1 };
                    self.run_pytest(rest.get(from..).unwrap_or(&[]), cmd, fr, scope);
                } else if let Some(m) = module.filter(|m| {
                    !m.is_empty()
                        && m.chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
                }) {
                    // `python -m tools.wipe`: the project's own module, when it has one.
                    let path = m.replace('.', "/");
                    let span = rest[i].span.clone();
                    self.run_project_module(
                        &[format!("{path}.py"), format!("{path}/__main__.py")],
                        interp::Lang::Python,
                        span,
                        false,
                        cmd,
                        fr,
                        scope,
                    );
                }
                return false;
            }
            // `perl -pe CODE`, `ruby -ne CODE`: a cluster holding the code flag;
            // `php -l`: lint only.
            if (matches!(family, "perl" | "ruby")
                && !t.starts_with("--")
                && t.starts_with('-')
                && t.contains(['e', 'E']))
                || (family == "php" && t == "-l")
            {
                return false;
            }
            if !t.starts_with('-') || t == "-" {
                break;
            }
            i += if value_opts.contains(&t.as_str()) {
                2
            } else {
                1
            };
        }
        let Some(file) = rest.get(i) else {
            return false;
        };
        if file.text() == "-" {
            return false;
        }
        let lang = match family {
            "deno" | "bun" | "nodejs" => "node",
            f => f,
        };
        self.note_program(name);
        match self.resolve_word(file, cmd.cwd.as_deref()) {
            Some(p) if !file.is_dynamic() => match self.runnable(&p) {
                Runnable::Text(text) => {
                    let lang = match shebang_language(&text).as_str() {
                        "sh" => lang.to_string(),
                        l => l.to_string(),
                    };
                    let lang = if lang == "sh" { "sh".to_string() } else { lang };
                    let params = &rest[i + 1..];
                    self.judge_file(
                        &p,
                        &lang,
                        &text,
                        params,
                        file.span.clone(),
                        cmd,
                        fr,
                        scope,
                        false,
                    );
                }
                Runnable::Unreadable(why) => {
                    self.event("shell.dynamic-script", file.span.clone(), Some(why))
                }
                Runnable::Missing | Runnable::Compiled => {}
            },
            // A script named at run time (`find … -exec python3 {} \;`) is judged as
            // before: by the interpreter's own rules.
            _ => return false,
        }
        true
    }
}

/// The language a script's first line names; no shebang means the shell runs it.
pub(crate) fn shebang_language(text: &str) -> String {
    match crate::specs::tasks::shebang_program(text.as_bytes()) {
        None => "sh".into(),
        Some(p) => {
            if SHELLS.contains(&p.as_str()) {
                if matches!(p.as_str(), "fish" | "csh" | "tcsh") {
                    return "fish".into();
                }
                return "sh".into();
            }
            match interp_family(&p) {
                Some(f) => f.to_string(),
                None => match p.as_str() {
                    "node" | "nodejs" | "deno" | "bun" | "ts-node" | "tsx" => "node".into(),
                    other => other.to_string(),
                },
            }
        }
    }
}

/// The first bytes of the file say it is a compiled program.
fn header_is_compiled(p: &Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; 4];
    std::fs::File::open(p)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok_and(|()| is_compiled(&head))
}

fn is_compiled(bytes: &[u8]) -> bool {
    bytes.starts_with(b"\x7fELF")
        || bytes.starts_with(&[0xcf, 0xfa, 0xed, 0xfe])
        || bytes.starts_with(&[0xce, 0xfa, 0xed, 0xfe])
        || bytes.starts_with(&[0xca, 0xfe, 0xba, 0xbe])
        || bytes.starts_with(b"MZ")
}

/// Programs installed by the system or a package manager: judged by name, as every
/// program on PATH is (`/usr/bin/rm` is `rm`).
fn is_installed(p: &Path, home: Option<&Path>) -> bool {
    const SYSTEM: &[&str] = &[
        "/usr/",
        "/bin/",
        "/sbin/",
        "/lib",
        "/opt/",
        "/nix/",
        "/snap/",
        "/etc/",
        "/var/lib/",
        "/Library/",
        "/System/",
        "/Applications/",
    ];
    let s = p.to_string_lossy();
    if SYSTEM.iter().any(|d| s.starts_with(d)) {
        return true;
    }
    if p.components().any(|c| {
        matches!(
            c.as_os_str().to_str(),
            Some("node_modules" | ".venv" | "venv" | "site-packages" | "vendor")
        )
    }) {
        return true;
    }
    // Tools under the home directory's dot-directories (`~/.cargo/bin`, `~/.nvm`).
    home.and_then(|h| p.strip_prefix(h).ok())
        .and_then(|r| r.components().next())
        .is_some_and(|c| c.as_os_str().to_string_lossy().starts_with('.'))
}

impl Analyzer<'_> {
    /// `pytest [ARGS]`: pytest imports every `conftest.py` from the root to the test
    /// directories, and the test modules it collects. Their code runs: judged as Python.
    /// Test code's run-time paths (temporary directories) are left out; literal and
    /// folded ones are judged.
    pub(super) fn run_pytest(&mut self, args: &[Word], cmd: &Cmd, fr: &Frame, scope: &mut Scope) {
        let Some(cwd) = cmd.cwd.clone() else {
            return;
        };
        let mut targets = Vec::new();
        let mut i = 0;
        while i < args.len() {
            let t = args[i].text();
            if t.starts_with('-') {
                if matches!(
                    t.as_str(),
                    "-k" | "-m"
                        | "-p"
                        | "-c"
                        | "-o"
                        | "--rootdir"
                        | "--maxfail"
                        | "--tb"
                        | "-W"
                        | "--deselect"
                        | "--ignore"
                        | "--confcutdir"
                        | "--basetemp"
                ) {
                    i += 1;
                }
                i += 1;
                continue;
            }
            let path = t.split("::").next().unwrap_or(&t).to_string();
            if let Some(p) = scope::resolve(&path, Some(&cwd), self.ctx.home.as_deref()) {
                targets.push(p);
            }
            i += 1;
        }
        if targets.is_empty() {
            targets.push(cwd.clone());
        }
        let span = cmd
            .words
            .first()
            .map_or(cmd.span.clone(), |w| w.span.clone());
        let mut files: Vec<PathBuf> = Vec::new();
        // conftest.py files from the working directory down to each target.
        for t in &targets {
            let mut dir = if t.is_dir() {
                t.clone()
            } else {
                t.parent().map(Path::to_path_buf).unwrap_or_default()
            };
            loop {
                let c = dir.join("conftest.py");
                if !files.contains(&c) && (c.is_file() || self.written.contains_key(&c)) {
                    files.push(c);
                }
                if dir == cwd || !dir.starts_with(&cwd) || !dir.pop() {
                    break;
                }
            }
        }
        let mut dirs_seen = 0usize;
        for t in &targets {
            if t.is_file() || self.written.contains_key(t) {
                files.push(t.clone());
                continue;
            }
            let mut stack = vec![t.clone()];
            while let Some(d) = stack.pop() {
                dirs_seen += 1;
                if dirs_seen > MAX_TEST_DIRS {
                    self.event(
                        "shell.too-complex",
                        span.clone(),
                        Some(format!(
                            "pytest would collect tests from more than {MAX_TEST_DIRS} directories"
                        )),
                    );
                    return;
                }
                let Ok(rd) = std::fs::read_dir(&d) else {
                    continue;
                };
                let mut entries: Vec<PathBuf> =
                    rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
                entries.sort();
                for e in entries {
                    let name = e
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    if e.is_dir() {
                        if !name.starts_with('.')
                            && !matches!(
                                name.as_str(),
                                "node_modules"
                                    | "venv"
                                    | "__pycache__"
                                    | "target"
                                    | "build"
                                    | "dist"
                                    | "site-packages"
                            )
                        {
                            stack.push(e);
                        }
                    } else if (name == "conftest.py"
                        || (name.ends_with(".py")
                            && (name.starts_with("test_") || name.ends_with("_test.py"))))
                        && !files.contains(&e)
                    {
                        files.push(e);
                    }
                }
            }
        }
        let mut total = 0u64;
        for f in files {
            match self.runnable(&f) {
                Runnable::Text(text) => {
                    total += text.len() as u64;
                    if total > MAX_TEST_BYTES {
                        self.event(
                            "shell.too-complex",
                            span.clone(),
                            Some(format!(
                                "the test files pytest would import are larger than the {} MiB Interlock reads",
                                MAX_TEST_BYTES / 1024 / 1024
                            )),
                        );
                        return;
                    }
                    let mut c = Cmd {
                        words: Vec::new(),
                        env: Vec::new(),
                        redirects: Vec::new(),
                        stdin: Stdin::Inherit,
                        span: span.clone(),
                        cwd: cmd.cwd.clone(),
                        remote: false,
                        fed_args: false,
                    };
                    c.cwd = cmd.cwd.clone();
                    self.judge_file(&f, "python3", &text, &[], span.clone(), &c, fr, scope, true);
                }
                Runnable::Unreadable(why) => {
                    self.event("shell.dynamic-script", span.clone(), Some(why))
                }
                _ => {}
            }
        }
    }
}
