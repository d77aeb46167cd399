//! Interpreters' `-c`/`-e` code (python, node, perl, ruby, php, awk): scanned by
//! `analysis::interp` for the shell commands, deletes, writes, SQL and requests they
//! make, each judged as the command line that does the same.

use super::*;

/// Project files read because code imports them, per line.
const MAX_MODULES: usize = 16;

/// Interpreters whose `-c`/`-e` code is scanned for shell calls and deletes.
pub(super) const INTERPRETERS: &[(&str, &[&str])] = &[
    ("python", &["-c"]),
    ("python2", &["-c"]),
    ("python3", &["-c"]),
    ("pypy", &["-c"]),
    ("pypy3", &["-c"]),
    ("perl", &["-e", "-E"]),
    ("ruby", &["-e"]),
    ("node", &["-e", "--eval", "-p", "--print"]),
    ("nodejs", &["-e", "--eval", "-p", "--print"]),
    ("bun", &["-e", "--eval"]),
    ("deno", &[]),
    ("php", &["-r"]),
    ("lua", &["-e"]),
    ("Rscript", &["-e"]),
    ("osascript", &["-e"]),
    ("ipython", &["-c"]),
    ("ipython3", &["-c"]),
    ("tsx", &["-e", "--eval", "-p", "--print"]),
    ("ts-node", &["-e", "--eval", "-p", "--print"]),
    ("ts-node-esm", &["-e", "--eval", "-p", "--print"]),
    ("esno", &["-e", "--eval"]),
    ("zx", &["-e", "--eval"]),
    ("vite-node", &["-e", "--eval"]),
    // Read by `interp/foreign.rs`: process calls and tree deletes.
    ("expect", &["-c"]),
    ("tclsh", &[]),
    ("wish", &[]),
    ("julia", &["-e", "--eval", "-E", "--print"]),
    ("elixir", &["-e", "--eval"]),
    ("groovy", &["-e"]),
    ("scala", &["-e"]),
    ("swift", &["-e"]),
    ("kotlin", &["-e"]),
    ("jshell", &[]),
    ("bb", &["-e", "--eval"]),
    ("clojure", &["-e", "--eval"]),
    ("clj", &["-e", "--eval"]),
    ("erl", &["-eval"]),
    ("escript", &[]),
    ("racket", &["-e", "--eval"]),
    ("guile", &["-c"]),
    ("sbcl", &["--eval"]),
    ("runghc", &[]),
    ("runhaskell", &[]),
    ("octave", &["--eval"]),
];

impl Analyzer<'_> {
    pub(super) fn unwrap_interpreter(
        &mut self,
        name: &str,
        code_flags: &[&str],
        args: &[Word],
        cmd: &Cmd,
        fr: &Frame,
        scope: &mut Scope,
    ) {
        self.note_program(name);
        let lang = interp::language(name);
        let mut codes: Vec<&Word> = Vec::new();
        let mut owned: Vec<Word> = Vec::new();
        let mut i = 0;
        let mut saw_operand = false;
        let mut stdin_code = false;
        if name == "deno" && args.first().map(|w| w.text()).as_deref() == Some("eval") {
            if let Some(c) = args.get(1) {
                codes.push(c);
            }
        }
        while i < args.len() {
            let t = args[i].text();
            if t == "-" {
                stdin_code = true;
                break;
            }
            if code_flags.contains(&t.as_str()) {
                if let Some(c) = args.get(i + 1) {
                    codes.push(c);
                }
                i += 2;
                continue;
            }
            // Clusters such as `perl -pe CODE`, `perl -le'CODE'`, `python -Sc CODE`.
            if t.starts_with('-') && !t.starts_with("--") && t.len() > 2 {
                let letters: Vec<char> = code_flags
                    .iter()
                    .filter(|f| f.len() == 2)
                    .filter_map(|f| f.chars().nth(1))
                    .collect();
                if let Some(pos) = t[1..].find(|c| letters.contains(&c)) {
                    let attached = &t[pos + 2..];
                    if attached.is_empty() {
                        if let Some(c) = args.get(i + 1) {
                            codes.push(c);
                        }
                        i += 2;
                    } else {
                        owned.push(Word::literal(attached, args[i].span.clone()));
                        i += 1;
                    }
                    continue;
                }
            }
            if let Some(c) = t.strip_prefix("--eval=") {
                let _ = c;
            }
            if !t.starts_with('-') {
                saw_operand = true;
                break;
            }
            if matches!(
                t.as_str(),
                "-m" | "-W" | "-X" | "-I" | "-M" | "-r" | "--require"
            ) && matches!(
                interp_family(name).unwrap_or(name),
                "python3" | "perl" | "ruby" | "node" | "nodejs" | "bun" | "deno"
            ) {
                i += 2;
                continue;
            }
            i += 1;
        }
        let has_code = !codes.is_empty() || !owned.is_empty();
        for c in codes.into_iter().chain(owned.iter()) {
            // Code that is wholly an expansion (`python3 -c "$(curl -s URL)"`,
            // `node -e "$CODE"`) is only known when it runs.
            let computed = c.is_dynamic()
                && c.parts.iter().all(|p| match p {
                    crate::syntax::word::Part::Lit(t) => t.trim().is_empty(),
                    crate::syntax::word::Part::Unknown { .. } => true,
                });
            if computed {
                self.event(
                    "shell.interpreter-exec",
                    c.span.clone(),
                    Some(format!(
                        "the {name} code is `{}`, only known when it runs",
                        c.text()
                    )),
                );
                continue;
            }
            let text = c.text();
            let items = interp::extract(lang, &text);
            self.apply_extracted(items, c.span.clone(), c.is_dynamic(), cmd, fr, scope);
        }
        let reads_stdin = stdin_code
            || (!has_code && !saw_operand && args.iter().all(|w| w.text().starts_with('-')));
        if reads_stdin && !matches!(cmd.stdin, Stdin::Inherit) {
            match &cmd.stdin {
                Stdin::Text { text, .. } => {
                    let items = interp::extract(lang, text);
                    self.apply_extracted(items, cmd.span.clone(), false, cmd, fr, scope);
                }
                Stdin::Computed(from) => self.event(
                    "shell.pipe-to-shell",
                    cmd.span.clone(),
                    Some(format!(
                        "`{name}` runs code produced at run time by `{from}`"
                    )),
                ),
                _ => {}
            }
        }
    }

    /// `rails runner CODE` (`r`; GitLab's `gitlab-rails runner`) runs Ruby code inside
    /// the application, its models loaded: judged as `ruby -e CODE`, and a file
    /// (`rails runner script.rb`) as `ruby script.rb`.
    pub(super) fn rails_runner(&mut self, args: &[Word], cmd: &Cmd, fr: &Frame, scope: &mut Scope) {
        let opts = ["-e", "--environment"];
        let i = skip_options(args, &opts);
        if !matches!(
            args.get(i).and_then(|w| w.lit()).as_deref(),
            Some("runner" | "r")
        ) {
            return;
        }
        let rest = &args[i + 1..];
        let j = skip_options(rest, &opts);
        let Some(code) = rest.get(j) else {
            return;
        };
        let t = code.text();
        let file = t.ends_with(".rb") && !t.contains(char::is_whitespace);
        let ruby: Vec<Word> = if file {
            vec![code.clone()]
        } else {
            vec![Word::literal("-e", code.span.clone()), code.clone()]
        };
        self.interpreter_script("ruby", &ruby, cmd, fr, scope);
        self.unwrap_interpreter("ruby", &["-e"], &ruby, cmd, fr, scope);
    }

    pub(super) fn unwrap_awk(&mut self, args: &[Word], cmd: &Cmd, fr: &Frame, scope: &mut Scope) {
        self.note_program("awk");
        let start = skip_options(
            args,
            &["-F", "-v", "-f", "--field-separator", "--assign", "--file"],
        );
        if args[..start.min(args.len())]
            .iter()
            .any(|w| w.text() == "-f" || w.text() == "--file")
        {
            return;
        }
        if let Some(prog) = args.get(start) {
            let items = interp::extract(interp::Lang::Awk, &prog.text());
            self.apply_extracted(items, prog.span.clone(), prog.is_dynamic(), cmd, fr, scope);
        }
    }

    /// Each effect found in interpreter code, judged as the command line that does the
    /// same: a shell command, `rm`, a `>` redirection, the SQL client with the SQL,
    /// the `curl` that sends the request; what cannot be known is an event.
    /// A project file that code imports or runs: the first candidate that exists is
    /// read and judged as code of `lang` (each file once per line, at most
    /// [`MAX_MODULES`] of them; past that, a confirm).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn run_project_module(
        &mut self,
        candidates: &[String],
        lang: interp::Lang,
        span: Range<usize>,
        lenient: bool,
        cmd: &Cmd,
        fr: &Frame,
        scope: &mut Scope,
    ) {
        if cmd.remote {
            return;
        }
        let home = self.ctx.home.as_deref();
        // Against the importing file's base first (Python's script directory, the
        // JavaScript file's own directory), then the working directory.
        let bases: Vec<Option<PathBuf>> = match &self.module_base {
            Some(b) => vec![Some(b.clone()), cmd.cwd.clone()],
            None => vec![cmd.cwd.clone()],
        };
        let found = candidates.iter().find_map(|c| {
            bases.iter().find_map(|b| {
                scope::resolve(c, b.as_deref(), home)
                    .filter(|p| p.is_file() || self.written.contains_key(p))
            })
        });
        if let Some(p) = found {
            if self.modules_read.contains(&p) {
                return;
            }
            if self.modules_read.len() >= MAX_MODULES {
                self.event(
                    "shell.dynamic-script",
                    span,
                    Some(format!(
                        "the code imports more than {MAX_MODULES} project files, too many to check"
                    )),
                );
                return;
            }
            self.modules_read.insert(p.clone());
            match self.runnable(&p) {
                files::Runnable::Text(text) => {
                    let name = match lang {
                        interp::Lang::Python => "python3",
                        _ => "node",
                    };
                    // Python resolves every import against the script's directory;
                    // JavaScript against the importing file's own.
                    let base = match lang {
                        interp::Lang::Python => self.module_base.clone(),
                        _ => p.parent().map(Path::to_path_buf),
                    };
                    let saved = std::mem::replace(&mut self.module_base, base);
                    self.judge_code(name, &text, &[], span, cmd, fr, scope, lenient);
                    self.module_base = saved;
                }
                files::Runnable::Unreadable(why) => {
                    self.event("shell.dynamic-script", span, Some(why))
                }
                files::Runnable::Missing | files::Runnable::Compiled => {}
            }
        }
    }

    pub(super) fn apply_extracted(
        &mut self,
        items: Vec<Extracted>,
        span: Range<usize>,
        dynamic: bool,
        cmd: &Cmd,
        fr: &Frame,
        scope: &mut Scope,
    ) {
        let _ = dynamic;
        let lit = |t: &str| Word::literal(t, span.clone());
        for item in items {
            let mut inv = match item {
                Extracted::Shell(code) => {
                    self.analyse_script_word(&lit(&code), &[], fr, scope, cmd.remote);
                    continue;
                }
                Extracted::Dynamic(what) => {
                    self.event("shell.interpreter-exec", span.clone(), Some(what));
                    continue;
                }
                Extracted::Destroy(what) => {
                    self.event("database.library-destroy", span.clone(), Some(what));
                    continue;
                }
                Extracted::SdkDestroy(what) => {
                    self.event("cloud.sdk-destroy", span.clone(), Some(what));
                    continue;
                }
                Extracted::Runs { candidates, lang } => {
                    // Leniently: an imported module mostly defines what may never be
                    // called; what it would surely destroy is still judged.
                    self.run_project_module(&candidates, lang, span.clone(), true, cmd, fr, scope);
                    continue;
                }
                Extracted::Delete { path, recursive } => {
                    let mut a = Vec::new();
                    if recursive {
                        a.push(lit("-r"));
                    }
                    a.push(match path {
                        Some(p) => lit(&p),
                        None => Word::unknown("path", false, span.clone()),
                    });
                    self.invocation("rm".into(), a, cmd)
                }
                Extracted::Write { path, append } => {
                    let mut inv = self.invocation(String::new(), Vec::new(), cmd);
                    inv.redirects = vec![Redirect {
                        op: if append { ">>" } else { ">" }.into(),
                        fd: None,
                        target: lit(&path),
                    }];
                    inv
                }
                Extracted::Sql {
                    client,
                    database,
                    sql,
                } => {
                    let mut a = Vec::new();
                    if client != "sqlite3" {
                        a.push(lit(if client == "mysql" { "-e" } else { "-c" }));
                    }
                    let sql = match sql {
                        Some(q) => lit(&q),
                        None => Word::unknown("sql", false, span.clone()),
                    };
                    match (client, database) {
                        ("sqlite3", db) => {
                            a.push(lit(db.as_deref().unwrap_or("")));
                            a.push(sql);
                        }
                        (_, Some(db)) => {
                            a.push(sql);
                            a.push(lit(&db));
                        }
                        (_, None) => a.push(sql),
                    }
                    self.invocation(client.into(), a, cmd)
                }
                Extracted::Http { method, url, body } => {
                    let mut a = vec![lit("-X"), lit(&method)];
                    a.push(match url {
                        Some(u) => lit(&u),
                        None => Word::unknown("url", false, span.clone()),
                    });
                    if let Some(b) = body {
                        a.push(lit("--data-raw"));
                        a.push(lit(&b));
                    }
                    self.invocation("curl".into(), a, cmd)
                }
            };
            inv.span = span.clone();
            self.judge(&inv);
        }
    }
}

pub(super) fn interp_family(name: &str) -> Option<&'static str> {
    if name.starts_with("python") || name.starts_with("ipython") {
        return Some("python3");
    }
    if name.starts_with("perl") {
        return Some("perl");
    }
    if name.starts_with("ruby") {
        return Some("ruby");
    }
    if name.starts_with("php") {
        return Some("php");
    }
    if name.starts_with("lua") {
        return Some("lua");
    }
    // TypeScript and script runners on node.
    if matches!(
        name,
        "tsx" | "ts-node" | "ts-node-esm" | "esno" | "zx" | "vite-node"
    ) {
        return Some("node");
    }
    None
}
