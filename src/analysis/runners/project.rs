//! Project tasks: `npm|pnpm|yarn|bun run X` (and npm's lifecycle scripts on a bare
//! `npm install`), `make [TARGET]`, `just [RECIPE]`, `task X`, `rake X`, `composer run X`.
//! The recipe is read from the project's file (package.json, Makefile, justfile,
//! Taskfile.yml, Rakefile, composer.json — through the shared readers in
//! `specs::tasks`, which `interlock audit` also uses; a file written earlier on the line
//! is read first) and judged as the shell it is.
//!
//! When the project file does not exist the tool fails and nothing runs: the command is
//! judged by its name only. When it exists but cannot be read or parsed, or the task
//! cannot be told (a computed name, rules from an included file), that is a confirm
//! (`shell.unknown-task`). A task the file does not define fails too: nothing runs.

use super::files::Runnable;
use super::*;
use crate::specs::tasks::{justfile, makefile, package_json};

/// Lifecycle scripts `npm install` (with no package named) runs, in order.
const INSTALL_SCRIPTS: &[&str] = &[
    "preinstall",
    "install",
    "postinstall",
    "prepublish",
    "preprepare",
    "prepare",
    "postprepare",
];

/// What reading a project file gave.
pub(super) enum ProjectFile {
    Text(PathBuf, String),
    /// Not there: the tool fails, nothing of the project runs.
    Absent,
    Unreadable(String),
}

impl Analyzer<'_> {
    /// Judge the project task `name ARGS` runs. Returns whether `name` was such a
    /// task runner and the task was judged here (the caller still judges the command
    /// itself by its rules).
    pub(super) fn project_task(
        &mut self,
        name: &str,
        args: &[Word],
        cmd: &Cmd,
        fr: &Frame,
        scope: &mut Scope,
    ) -> bool {
        if cmd.remote {
            return false;
        }
        match name {
            "npm" | "pnpm" | "yarn" | "bun" => self.package_script(name, args, cmd, fr, scope),
            "make" | "gmake" => self.make(args, cmd, fr, scope),
            "just" => self.just(args, cmd, fr, scope),
            "task" => {
                self.go_task(args, cmd, fr, scope) || self.python_task(name, args, cmd, fr, scope)
            }
            "go-task" => self.go_task(args, cmd, fr, scope),
            "poe" | "poethepoet" | "pdm" | "hatch" | "rye" | "invoke" | "inv" | "fab" | "nox"
            | "tox" | "doit" => self.python_task(name, args, cmd, fr, scope),
            "rake" => self.rake(args, cmd, fr, scope),
            "composer" => self.composer(args, cmd, fr, scope),
            "gradle" | "gradlew" => self.gradle(args, cmd, fr, scope),
            "mvn" | "mvnw" => self.maven(args, cmd, fr, scope),
            _ => false,
        }
    }

    /// The first of `names` found in `dir` or (with `up`) its parents.
    pub(super) fn project_file(&self, dir: Option<&Path>, names: &[&str], up: bool) -> ProjectFile {
        let Some(mut dir) = dir.map(Path::to_path_buf) else {
            return ProjectFile::Absent;
        };
        for _ in 0..64 {
            for n in names {
                let p = dir.join(n);
                match self.runnable(&p) {
                    Runnable::Text(t) => return ProjectFile::Text(p, t),
                    Runnable::Unreadable(why) => return ProjectFile::Unreadable(why),
                    Runnable::Compiled => {
                        return ProjectFile::Unreadable(format!("{} is not text", p.display()))
                    }
                    Runnable::Missing => {}
                }
            }
            if !up || !dir.pop() {
                break;
            }
        }
        ProjectFile::Absent
    }

    pub(super) fn unknown_task(&mut self, span: Range<usize>, why: String) {
        self.event("shell.unknown-task", span, Some(why));
    }

    /// Judge one piece of a task's shell, run in `cwd` by its own shell.
    pub(super) fn task_shell(
        &mut self,
        code: &str,
        span: Range<usize>,
        cwd: Option<PathBuf>,
        fr: &Frame,
        scope: &Scope,
    ) {
        let mut child = scope.child();
        child.cwd = cwd;
        self.analyse_file_source(code, span, &mut child, fr);
    }

    fn package_script(
        &mut self,
        name: &str,
        args: &[Word],
        cmd: &Cmd,
        fr: &Frame,
        scope: &mut Scope,
    ) -> bool {
        let mut cwd = cmd.cwd.clone();
        let mut i = 0;
        while i < args.len() {
            let t = args[i].text();
            if !t.starts_with('-') {
                break;
            }
            if matches!(t.as_str(), "--prefix" | "-C" | "--dir" | "--cwd") {
                cwd = args
                    .get(i + 1)
                    .and_then(|w| self.resolve_word(w, cwd.as_deref()));
                i += 1;
            } else if let Some(d) = t
                .strip_prefix("--prefix=")
                .or_else(|| t.strip_prefix("--cwd="))
                .or_else(|| t.strip_prefix("--dir="))
            {
                cwd = scope::resolve(d, cwd.as_deref(), self.ctx.home.as_deref());
            }
            i += 1;
        }
        let sub = args.get(i);
        let rest = args.get(i + 1..).unwrap_or(&[]);
        let sub_text = sub.map(|w| w.text()).unwrap_or_default();
        if args.iter().any(|w| w.text() == "--ignore-scripts") {
            return false;
        }
        // npm pkg set scripts.NAME=VALUE: the line changes package.json.
        if name == "npm" && sub_text == "pkg" && rest.first().is_some_and(|w| w.text() == "set") {
            self.npm_pkg_set(&rest[1..], cwd.as_deref());
            return false;
        }
        let span = sub.map_or(cmd.span.clone(), |w| w.span.clone());
        let (scripts, extra): (Vec<String>, &[Word]) = match sub_text.as_str() {
            "run" | "run-script" | "rum" | "urn" => {
                let Some(task) = rest.iter().find(|w| !w.text().starts_with('-')) else {
                    return false;
                };
                let Some(t) = task.lit() else {
                    self.unknown_task(
                        task.span.clone(),
                        format!("the script `{}` is only known when it runs", task.text()),
                    );
                    return true;
                };
                if name == "bun" && !self.has_script(cwd.as_deref(), &t) {
                    return false;
                }
                let extra = rest
                    .iter()
                    .position(|w| w.text() == "--")
                    .map_or(&[][..], |p| &rest[p + 1..]);
                (
                    vec![format!("pre{t}"), t.clone(), format!("post{t}")],
                    extra,
                )
            }
            "test" | "t" | "tst" | "start" | "stop" | "restart" if name != "bun" => {
                let t = match sub_text.as_str() {
                    "t" | "tst" => "test".to_string(),
                    s => s.to_string(),
                };
                (vec![format!("pre{t}"), t.clone(), format!("post{t}")], rest)
            }
            "" | "install" | "i" | "ci" | "in" | "isntall" | "add" => {
                if sub.is_none() && name != "yarn" {
                    return false;
                }
                // With packages named, their own scripts run: not the project's.
                if rest.iter().any(|w| !w.text().starts_with('-')) {
                    return false;
                }
                (INSTALL_SCRIPTS.iter().map(|s| s.to_string()).collect(), &[])
            }
            other if name != "npm" => {
                // `yarn build`, `pnpm lint`, `bun dev`: a script of that name, if any.
                if other.starts_with('-') || !self.has_script(cwd.as_deref(), other) {
                    return false;
                }
                (
                    vec![
                        format!("pre{other}"),
                        other.to_string(),
                        format!("post{other}"),
                    ],
                    rest,
                )
            }
            _ => return false,
        };
        let (path, text) = match self.project_file(cwd.as_deref(), &["package.json"], true) {
            ProjectFile::Text(p, t) => (p, t),
            ProjectFile::Absent => return false,
            ProjectFile::Unreadable(why) => {
                self.unknown_task(span, why);
                return true;
            }
        };
        let all = match package_json::scripts(&text) {
            Ok(s) => s,
            Err(e) => {
                self.unknown_task(
                    span,
                    format!("{} cannot be parsed: {}", path.display(), e.message),
                );
                return true;
            }
        };
        let dir = path.parent().map(Path::to_path_buf);
        self.note_program(name);
        for s in &scripts {
            if let Some((_, m)) = all.iter().find(|(n, _)| n == s) {
                let mut code = m.text.clone();
                if s == &scripts[scripts.len() / 2] {
                    for w in extra {
                        code.push(' ');
                        code.push_str(&shell_words::quote(&code_text(w)));
                    }
                }
                self.task_shell(&code, span.clone(), dir.clone(), fr, scope);
            }
        }
        true
    }

    fn has_script(&self, cwd: Option<&Path>, name: &str) -> bool {
        match self.project_file(cwd, &["package.json"], true) {
            ProjectFile::Text(_, t) => package_json::scripts(&t)
                .map(|s| s.iter().any(|(n, _)| n == name))
                .unwrap_or(false),
            _ => false,
        }
    }

    fn npm_pkg_set(&mut self, args: &[Word], cwd: Option<&Path>) {
        let (path, mut text) = match self.project_file(cwd, &["package.json"], true) {
            ProjectFile::Text(p, t) => (p, t),
            _ => match cwd {
                Some(d) => (d.join("package.json"), String::from("{}")),
                None => return,
            },
        };
        for w in args {
            let Some(t) = w.lit() else {
                if w.text().starts_with("scripts.") {
                    self.write_unknown(path.clone(), "changed by `npm pkg set`");
                    return;
                }
                continue;
            };
            let Some((key, value)) = t.split_once('=') else {
                continue;
            };
            let Some(script) = key.strip_prefix("scripts.") else {
                continue;
            };
            match package_json::with_script(&text, script, value) {
                Some(t) => text = t,
                None => {
                    self.write_unknown(path.clone(), "changed by `npm pkg set`");
                    return;
                }
            }
        }
        self.write_known(path, &text, false);
    }

    fn make(&mut self, args: &[Word], cmd: &Cmd, fr: &Frame, scope: &mut Scope) -> bool {
        let mut cwd = cmd.cwd.clone();
        let mut file: Option<Word> = None;
        let mut targets: Vec<&Word> = Vec::new();
        let mut overrides: Vec<(String, String)> = Vec::new();
        let mut i = 0;
        while i < args.len() {
            let t = args[i].text();
            let value = |i: usize| args.get(i + 1).cloned();
            match t.as_str() {
                "-n" | "--dry-run" | "--just-print" | "--recon" | "-q" | "--question" | "-p"
                | "--print-data-base" | "-v" | "--version" | "-h" | "--help" => return false,
                "-f" | "--file" | "--makefile" => {
                    // `make -f - <<EOF`: the grammar can leave the `-` out.
                    file = value(i).or_else(|| Some(Word::literal("-", args[i].span.clone())));
                    i += 2;
                    continue;
                }
                "-C" | "--directory" => {
                    cwd = value(i).and_then(|w| self.resolve_word(&w, cwd.as_deref()));
                    i += 2;
                    continue;
                }
                "-I" | "--include-dir" | "-o" | "--old-file" | "-W" | "--what-if" | "-l" => {
                    i += 2;
                    continue;
                }
                "-j" | "--jobs" => {
                    i += if args
                        .get(i + 1)
                        .is_some_and(|w| w.text().parse::<u32>().is_ok())
                    {
                        2
                    } else {
                        1
                    };
                    continue;
                }
                _ => {}
            }
            if let Some(f) = t
                .strip_prefix("--file=")
                .or_else(|| t.strip_prefix("--makefile="))
            {
                file = Some(Word::literal(f, args[i].span.clone()));
            } else if let Some(d) = t.strip_prefix("--directory=") {
                cwd = scope::resolve(d, cwd.as_deref(), self.ctx.home.as_deref());
            } else if t.starts_with("-C") && t.len() > 2 {
                cwd = scope::resolve(&t[2..], cwd.as_deref(), self.ctx.home.as_deref());
            } else if t.starts_with("-f") && t.len() > 2 {
                file = Some(Word::literal(&t[2..], args[i].span.clone()));
            } else if t.starts_with("--eval") {
                self.unknown_task(
                    args[i].span.clone(),
                    "make is given Makefile code on its command line".into(),
                );
                return true;
            } else if let Some(flags) = t.strip_prefix('-') {
                // `-kn`, `-sn`: a cluster holding `-n` (dry run).
                if flags.contains('n') && flags.chars().all(|c| c.is_ascii_alphabetic()) {
                    return false;
                }
            } else if let Some((k, v)) = is_assignment(&t) {
                overrides.push((k.to_string(), v.to_string()));
            } else {
                targets.push(&args[i]);
            }
            i += 1;
        }
        let span = targets.first().map_or(cmd.span.clone(), |w| w.span.clone());
        let text = match &file {
            Some(f) if f.text() == "-" => match &cmd.stdin {
                Stdin::Text { text, .. } => text.clone(),
                Stdin::Inherit => return false,
                _ => {
                    self.unknown_task(span, "make reads its Makefile from a pipe".into());
                    return true;
                }
            },
            Some(f) => {
                let Some(p) = self
                    .resolve_word(f, cwd.as_deref())
                    .filter(|_| !f.is_dynamic())
                else {
                    self.unknown_task(
                        f.span.clone(),
                        format!("the Makefile `{}` is only known when it runs", f.text()),
                    );
                    return true;
                };
                match self.runnable(&p) {
                    Runnable::Text(t) => t,
                    Runnable::Missing => return false,
                    Runnable::Unreadable(why) => {
                        self.unknown_task(span, why);
                        return true;
                    }
                    Runnable::Compiled => return false,
                }
            }
            None => match self.project_file(
                cwd.as_deref(),
                &["GNUmakefile", "makefile", "Makefile"],
                false,
            ) {
                ProjectFile::Text(_, t) => t,
                ProjectFile::Absent => return false,
                ProjectFile::Unreadable(why) => {
                    self.unknown_task(span, why);
                    return true;
                }
            },
        };
        let mut mk = makefile::Makefile::parse(&text);
        for (k, v) in &overrides {
            mk.override_var(k, v);
        }
        let names: Vec<String> = if targets.is_empty() {
            match mk.default_goal() {
                Some(g) => vec![g],
                None => return false,
            }
        } else {
            let mut names = Vec::new();
            for t in &targets {
                match t.lit() {
                    Some(n) => names.push(n),
                    None => {
                        self.unknown_task(
                            t.span.clone(),
                            format!("the make target `{}` is only known when it runs", t.text()),
                        );
                        return true;
                    }
                }
            }
            names
        };
        self.note_program("make");
        match mk.plan(&names) {
            makefile::Plan::Runs(shells) => {
                for s in shells {
                    self.task_shell(&s.text.text, span.clone(), cwd.clone(), fr, scope);
                }
            }
            makefile::Plan::NoRule => {}
            makefile::Plan::Unknown(why) => {
                self.unknown_task(span, format!("what `make` runs cannot be told: {why}"))
            }
        }
        true
    }

    fn just(&mut self, args: &[Word], cmd: &Cmd, fr: &Frame, scope: &mut Scope) -> bool {
        let mut cwd = cmd.cwd.clone();
        let mut file: Option<PathBuf> = None;
        let mut rest: Vec<&Word> = Vec::new();
        let mut i = 0;
        while i < args.len() {
            let t = args[i].text();
            match t.as_str() {
                "-n" | "--dry-run" | "-l" | "--list" | "--summary" | "-s" | "--show" | "--dump"
                | "--evaluate" | "--variables" | "--help" | "-h" | "--version" | "-V" | "--fmt"
                | "--init" | "--edit" | "-e" => return false,
                "-f" | "--justfile" => {
                    file = args
                        .get(i + 1)
                        .and_then(|w| self.resolve_word(w, cwd.as_deref()));
                    i += 2;
                    continue;
                }
                "-d" | "--working-directory" => {
                    cwd = args
                        .get(i + 1)
                        .and_then(|w| self.resolve_word(w, cwd.as_deref()));
                    i += 2;
                    continue;
                }
                "--set" => {
                    i += 3;
                    continue;
                }
                "--choose" => {
                    self.unknown_task(
                        args[i].span.clone(),
                        "the recipe is chosen when just runs".into(),
                    );
                    return true;
                }
                _ => {}
            }
            if !t.starts_with('-') {
                rest.push(&args[i]);
            }
            i += 1;
        }
        let span = rest.first().map_or(cmd.span.clone(), |w| w.span.clone());
        let found = match file {
            Some(p) => match self.runnable(&p) {
                Runnable::Text(t) => ProjectFile::Text(p, t),
                Runnable::Unreadable(why) => ProjectFile::Unreadable(why),
                _ => ProjectFile::Absent,
            },
            None => self.project_file(cwd.as_deref(), &["justfile", "Justfile", ".justfile"], true),
        };
        let (path, text) = match found {
            ProjectFile::Text(p, t) => (p, t),
            ProjectFile::Absent => return false,
            ProjectFile::Unreadable(why) => {
                self.unknown_task(span, why);
                return true;
            }
        };
        let jf = justfile::Justfile::parse(&text);
        let dir = path.parent().map(Path::to_path_buf);
        // The first operand is a recipe; its parameters take the next ones; then the
        // next recipe.
        let mut calls: Vec<(String, Vec<String>)> = Vec::new();
        let mut k = 0;
        if rest.is_empty() {
            match jf.default_recipe() {
                Some(r) => calls.push((r.name.clone(), Vec::new())),
                None => return false,
            }
        }
        while k < rest.len() {
            let Some(n) = rest[k].lit() else {
                self.unknown_task(
                    rest[k].span.clone(),
                    format!("the recipe `{}` is only known when it runs", rest[k].text()),
                );
                return true;
            };
            k += 1;
            let nparams = jf.recipe(&n).map_or(0, |r| r.params.len());
            let params: Vec<String> = rest[k..].iter().take(nparams).map(|w| w.text()).collect();
            k += params.len();
            calls.push((n, params));
        }
        self.note_program("just");
        for (n, params) in calls {
            let Some(plan) = jf.plan(&n) else { continue };
            for r in plan {
                let mut known = jf.vars.clone();
                if r.name == n {
                    for (p, v) in r.params.iter().zip(&params) {
                        known.insert(p.clone(), v.clone());
                    }
                }
                if let Some(lang) = &r.other_language {
                    let lang = match lang.as_str() {
                        "script" | "shell" => {
                            self.unknown_task(
                                span.clone(),
                                format!(
                                    "the recipe `{}` runs in a shell Interlock does not read",
                                    r.name
                                ),
                            );
                            continue;
                        }
                        l => super::files::shebang_language(&format!("#!{l}\n")),
                    };
                    let c = task_cmd(&span, dir.clone());
                    self.judge_code(&lang, &r.body, &[], span.clone(), &c, fr, scope, false);
                    continue;
                }
                for s in &r.shells {
                    let mut code = s.text.text.clone();
                    for (ph, orig) in &s.placeholders {
                        let inner = orig.trim_start_matches('{').trim_end_matches('}').trim();
                        if let Some(v) = known.get(inner) {
                            code = code.replacen(ph.as_str(), v, 1);
                        }
                    }
                    self.task_shell(&code, span.clone(), dir.clone(), fr, scope);
                }
            }
        }
        true
    }
}

/// A command context for code a task runs in `dir`.
pub(super) fn task_cmd(span: &Range<usize>, dir: Option<PathBuf>) -> Cmd {
    Cmd {
        words: Vec::new(),
        env: Vec::new(),
        redirects: Vec::new(),
        stdin: Stdin::Inherit,
        span: span.clone(),
        cwd: dir,
        remote: false,
        fed_args: false,
    }
}
