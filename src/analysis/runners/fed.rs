//! Commands that build command lines from input: `xargs`, `parallel`, `find -exec`.

use super::*;

impl Analyzer<'_> {
    pub(super) fn unwrap_xargs(
        &mut self,
        args: &[Word],
        mut cmd: Cmd,
        fr: &Frame,
        scope: &mut Scope,
        nd: usize,
    ) {
        self.note_program("xargs");
        let value_opts = [
            "-I",
            "-n",
            "-P",
            "-d",
            "-E",
            "-L",
            "-s",
            "-a",
            "--arg-file",
            "--delimiter",
            "--max-args",
            "--max-procs",
            "--replace",
            "--max-lines",
            "--eof",
            "--process-slot-var",
        ];
        let mut replace: Option<String> = None;
        let mut i = 0;
        while i < args.len() {
            let t = args[i].text();
            if t == "--" {
                i += 1;
                break;
            }
            if !t.starts_with('-') || t.len() < 2 {
                break;
            }
            if t == "-I" || t == "--replace" {
                replace = args.get(i + 1).map(|w| w.text());
            } else if let Some(r) = t.strip_prefix("--replace=") {
                replace = Some(r.to_string());
            } else if t == "-i" {
                replace = Some("{}".into());
            } else if let Some(r) = t.strip_prefix("-I").or_else(|| t.strip_prefix("-i")) {
                replace = Some(r.to_string());
                i += 1;
                continue;
            }
            if value_opts.contains(&t.as_str()) {
                i += 2;
            } else {
                i += 1;
            }
        }
        let mut words: Vec<Word> = args.get(i..).unwrap_or(&[]).to_vec();
        if words.is_empty() {
            words.push(Word::literal("echo", cmd.span.clone()));
        }
        let fed = fed_words(&cmd.stdin, &cmd.span);
        cmd.stdin = Stdin::Computed("xargs".into());
        cmd.fed_args = true;
        self.run_fed(words, replace.as_deref(), true, fed, cmd, fr, scope, nd);
    }

    /// Run a command template once per fed argument (capped), with `{}`-style
    /// replacement or appended arguments. `each`: the real program runs once per
    /// argument too (`xargs -I`, `find -exec … ;`), not once for all (`-exec … +`).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn run_fed(
        &mut self,
        words: Vec<Word>,
        replace: Option<&str>,
        each: bool,
        fed: Vec<Word>,
        cmd: Cmd,
        fr: &Frame,
        scope: &mut Scope,
        nd: usize,
    ) {
        match replace {
            Some(r) if !r.is_empty() => {
                let was = scope.repeats;
                scope.repeats |= each;
                for f in fed.iter().take(8) {
                    let ws: Vec<Word> = words.iter().map(|w| substitute(w, r, f)).collect();
                    let c = Cmd {
                        words: ws,
                        env: cmd.env.clone(),
                        redirects: cmd.redirects.clone(),
                        stdin: cmd.stdin.clone(),
                        span: cmd.span.clone(),
                        cwd: cmd.cwd.clone(),
                        remote: cmd.remote,
                        fed_args: true,
                    };
                    self.run_cmd(c, fr, scope, nd + 1);
                }
                scope.repeats = was;
            }
            _ => {
                let mut ws = words;
                ws.extend(fed.into_iter().take(64));
                let c = Cmd { words: ws, ..cmd };
                self.run_cmd(c, fr, scope, nd + 1);
            }
        }
    }

    pub(super) fn unwrap_parallel(
        &mut self,
        args: &[Word],
        mut cmd: Cmd,
        fr: &Frame,
        scope: &mut Scope,
        nd: usize,
    ) {
        self.note_program("parallel");
        let value_opts = [
            "-j",
            "--jobs",
            "-S",
            "--sshlogin",
            "--delay",
            "--timeout",
            "-n",
            "-N",
            "--colsep",
            "-d",
            "-I",
            "--joblog",
            "--results",
            "--tmpdir",
            "--workdir",
            "--env",
            "-a",
            "--arg-file",
        ];
        let start = skip_options(args, &value_opts);
        let rest = args.get(start..).unwrap_or(&[]);
        let sep = rest.iter().position(|w| w.text().starts_with(":::"));
        let (template, inputs) = match sep {
            Some(p) => (&rest[..p], Some(&rest[p + 1..])),
            None => (rest, None),
        };
        let fed: Vec<Word> = match inputs {
            Some(list) => list
                .iter()
                .filter(|w| !w.text().starts_with(":::"))
                .cloned()
                .collect(),
            None => fed_words(&cmd.stdin, &cmd.span),
        };
        cmd.fed_args = true;
        cmd.stdin = Stdin::Computed("parallel".into());
        if template.is_empty() {
            // Without a command, each input is a command line (`parallel ::: 'CMD'`).
            for f in fed.iter().take(if inputs.is_some() { 8 } else { 0 }) {
                self.analyse_script_word(f, &[], fr, scope, cmd.remote);
            }
            return;
        }
        // parallel runs its command through a shell.
        let joined = join_words(template);
        for f in fed.iter().take(8) {
            let template = code_text(&joined);
            let code = if template.contains("{}") {
                template.replace("{}", &code_text(f))
            } else {
                format!("{template} {}", shell_words::quote(&code_text(f)))
            };
            let w = Word::literal(code, cmd.span.clone());
            self.analyse_script_word(&w, &[], fr, scope, cmd.remote);
        }
        if fed.is_empty() {
            self.analyse_script_word(&joined, &[], fr, scope, cmd.remote);
        }
        let _ = nd;
    }

    pub(super) fn unwrap_find(
        &mut self,
        args: &[Word],
        cmd: Cmd,
        fr: &Frame,
        scope: &mut Scope,
        nd: usize,
    ) {
        self.note_program("find");
        let mut i = 0;
        // Global options before the roots.
        while i < args.len()
            && matches!(
                args[i].text().as_str(),
                "-H" | "-L" | "-P" | "-O0" | "-O1" | "-O2" | "-O3"
            )
        {
            i += 1;
        }
        let mut roots: Vec<Word> = Vec::new();
        while i < args.len() {
            let t = args[i].text();
            if t.starts_with('-') || t == "(" || t == "!" || t == "\\(" {
                break;
            }
            roots.push(args[i].clone());
            i += 1;
        }
        if roots.is_empty() {
            roots.push(Word::literal(".", cmd.span.clone()));
        }
        let expr = &args[i.min(args.len())..];
        let filtered = expr.iter().any(|w| is_find_test(&w.text()));
        let found = found_words(&roots, filtered, &find_name_patterns(expr));
        let mut j = 0;
        let mut deletes = false;
        while j < expr.len() {
            let t = expr[j].text();
            match t.as_str() {
                "-exec" | "-execdir" | "-ok" | "-okdir" => {
                    let end = expr[j + 1..]
                        .iter()
                        .position(|w| {
                            let t = w.text();
                            t == ";" || t == "+"
                        })
                        .map(|p| j + 1 + p)
                        .unwrap_or(expr.len());
                    let template: Vec<Word> = expr[j + 1..end].to_vec();
                    if !template.is_empty() {
                        let c = Cmd {
                            words: template,
                            env: cmd.env.clone(),
                            redirects: Vec::new(),
                            stdin: Stdin::Inherit,
                            span: cmd.span.clone(),
                            cwd: cmd.cwd.clone(),
                            remote: cmd.remote,
                            fed_args: true,
                        };
                        let words = c.words.clone();
                        let each = expr.get(end).is_some_and(|w| w.text() == ";");
                        self.run_fed(words, Some("{}"), each, found.clone(), c, fr, scope, nd);
                    }
                    j = end + 1;
                }
                "-delete" => {
                    deletes = true;
                    j += 1;
                }
                _ => j += 1,
            }
        }
        // `find … -delete` deletes what it finds: judge it as `rm -r` of those paths.
        if deletes {
            let mut rm_args = vec![Word::literal("-r", cmd.span.clone())];
            rm_args.extend(found.iter().cloned());
            let mut inv = self.invocation("rm".into(), rm_args, &cmd);
            inv.span = cmd.span.clone();
            self.judge(&inv);
        }
        self.judge_plain("find", args.to_vec(), &cmd);
    }
}

/// `find` expression primaries that narrow what is found.
pub(crate) fn is_find_test(t: &str) -> bool {
    matches!(
        t,
        "-name"
            | "-iname"
            | "-path"
            | "-ipath"
            | "-wholename"
            | "-iwholename"
            | "-regex"
            | "-iregex"
            | "-type"
            | "-newer"
            | "-mtime"
            | "-mmin"
            | "-atime"
            | "-amin"
            | "-ctime"
            | "-cmin"
            | "-size"
            | "-user"
            | "-group"
            | "-uid"
            | "-gid"
            | "-perm"
            | "-empty"
            | "-links"
            | "-inum"
            | "-samefile"
            | "-lname"
            | "-ilname"
            | "-nouser"
            | "-nogroup"
            | "-newermt"
            | "-used"
            | "-xtype"
            | "-readable"
            | "-writable"
            | "-executable"
            | "-fstype"
    )
}

/// The name and path patterns a `find` expression matches (`-name .git`,
/// `-path '*/.git/*'`): what is found carries them.
pub(crate) fn find_name_patterns(expr: &[Word]) -> Vec<String> {
    // `! -name .git` and `-not -name .git` find everything else.
    let negated = |i: usize| i > 0 && matches!(expr[i - 1].text().as_str(), "!" | "\\!" | "-not");
    (0..expr.len().saturating_sub(1))
        .filter(|&i| {
            !negated(i)
                && matches!(
                    expr[i].text().as_str(),
                    "-name" | "-iname" | "-path" | "-ipath" | "-wholename" | "-iwholename"
                )
        })
        .filter_map(|i| expr[i + 1].lit())
        .map(|v| v.trim_start_matches("./").to_string())
        .filter(|v| !v.is_empty())
        .take(8)
        .collect()
}

/// The paths `find ROOT…` yields: each root itself (when nothing filters it out) and
/// unknown paths under it, also as ending in each name pattern the expression tests
/// (`ROOT/…/.git` for `-name .git`).
pub(crate) fn found_words(roots: &[Word], filtered: bool, names: &[String]) -> Vec<Word> {
    let mut out = Vec::new();
    for r in roots {
        if !filtered {
            out.push(r.clone());
        }
        let mut w = r.clone();
        let t = w.text();
        if !t.ends_with('/') {
            w.push_lit("/");
        }
        w.parts.push(Part::Unknown {
            name: "found".into(),
            maybe_empty: false,
        });
        w.glob = false;
        for n in names {
            let mut named = w.clone();
            named.push_lit("/");
            named.push_lit(n);
            out.push(named);
        }
        out.push(w);
    }
    out
}

/// The arguments `xargs` or `parallel` build from stdin.
pub(super) fn fed_words(stdin: &Stdin, span: &Range<usize>) -> Vec<Word> {
    match stdin {
        Stdin::Paths(words) => words.clone(),
        Stdin::Text {
            text,
            dynamic: false,
        } => {
            let v: Vec<Word> = text
                .split_whitespace()
                .take(64)
                .map(|t| Word::literal(t, span.clone()))
                .collect();
            v
        }
        // Keys a redis-cli listing prints keep what they are, for the redis analyser.
        Stdin::Computed(p) if p.starts_with(crate::model::invocation::REDIS_KEYS) => {
            vec![Word::unknown(p, false, span.clone())]
        }
        _ => vec![Word::unknown("stdin", false, span.clone())],
    }
}

/// Replace `pattern` inside a word's literal parts with the fed word.
pub(super) fn substitute(w: &Word, pattern: &str, with: &Word) -> Word {
    let mut out = Word {
        parts: Vec::new(),
        glob: w.glob,
        span: w.span.clone(),
    };
    for p in &w.parts {
        match p {
            Part::Lit(t) if t.contains(pattern) => {
                let mut pieces = t.split(pattern).peekable();
                while let Some(piece) = pieces.next() {
                    if !piece.is_empty() {
                        out.push_lit(piece);
                    }
                    if pieces.peek().is_some() {
                        for q in &with.parts {
                            match q {
                                Part::Lit(x) => out.push_lit(x),
                                u => out.parts.push(u.clone()),
                            }
                        }
                    }
                }
            }
            other => out.parts.push(other.clone()),
        }
    }
    if out.parts.is_empty() {
        out.parts.push(Part::Lit(String::new()));
    }
    out
}
