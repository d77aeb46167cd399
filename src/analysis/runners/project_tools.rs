//! Project tasks outside the JavaScript and make families: `task X` (Taskfile.yml),
//! `rake X` (Rakefile, whose `sh` calls are shell and the rest Ruby) and
//! `composer run X` (composer.json scripts and PHP callbacks).

use super::files::Runnable;
use super::project::{task_cmd, ProjectFile};
use super::*;
use crate::specs::tasks::{composer, rakefile, taskfile};

impl Analyzer<'_> {
    pub(super) fn go_task(
        &mut self,
        args: &[Word],
        cmd: &Cmd,
        fr: &Frame,
        scope: &mut Scope,
    ) -> bool {
        let mut cwd = cmd.cwd.clone();
        let mut names: Vec<&Word> = Vec::new();
        let mut file: Option<PathBuf> = None;
        let mut i = 0;
        while i < args.len() {
            let t = args[i].text();
            match t.as_str() {
                "-n" | "--dry" | "-l" | "--list" | "-a" | "--list-all" | "--summary" | "-h"
                | "--help" | "--version" | "-i" | "--init" => return false,
                "-d" | "--dir" => {
                    cwd = args
                        .get(i + 1)
                        .and_then(|w| self.resolve_word(w, cwd.as_deref()));
                    i += 2;
                    continue;
                }
                "-t" | "--taskfile" => {
                    file = args
                        .get(i + 1)
                        .and_then(|w| self.resolve_word(w, cwd.as_deref()));
                    i += 2;
                    continue;
                }
                "--" => break,
                _ => {}
            }
            if !t.starts_with('-') && !t.contains('=') {
                names.push(&args[i]);
            }
            i += 1;
        }
        let span = names.first().map_or(cmd.span.clone(), |w| w.span.clone());
        let found = match file {
            Some(p) => match self.runnable(&p) {
                Runnable::Text(t) => ProjectFile::Text(p, t),
                Runnable::Unreadable(why) => ProjectFile::Unreadable(why),
                _ => ProjectFile::Absent,
            },
            None => self.project_file(
                cwd.as_deref(),
                &[
                    "Taskfile.yml",
                    "taskfile.yml",
                    "Taskfile.yaml",
                    "taskfile.yaml",
                ],
                true,
            ),
        };
        let (path, text) = match found {
            ProjectFile::Text(p, t) => (p, t),
            ProjectFile::Absent => return false,
            ProjectFile::Unreadable(why) => {
                self.unknown_task(span, why);
                return true;
            }
        };
        let tf = match taskfile::parse(&text) {
            Ok(t) => t,
            Err(e) => {
                self.unknown_task(
                    span,
                    format!("{} cannot be parsed: {}", path.display(), e.message),
                );
                return true;
            }
        };
        let dir = path.parent().map(Path::to_path_buf);
        let mut queue: Vec<String> = Vec::new();
        if names.is_empty() {
            queue.push("default".into());
        }
        for n in &names {
            match n.lit() {
                Some(t) => queue.push(t),
                None => {
                    self.unknown_task(
                        n.span.clone(),
                        format!("the task `{}` is only known when it runs", n.text()),
                    );
                    return true;
                }
            }
        }
        self.note_program("task");
        let mut seen = std::collections::HashSet::new();
        let mut steps = 0;
        while let Some(n) = queue.pop() {
            steps += 1;
            if steps > 256 || !seen.insert(n.clone()) {
                continue;
            }
            let Some(task) = tf.tasks.get(&n) else {
                if tf.includes {
                    self.unknown_task(
                        span.clone(),
                        format!("the task `{n}` may come from an included Taskfile"),
                    );
                }
                continue;
            };
            let tdir = match &task.dir {
                Some(d) => dir
                    .as_deref()
                    .and_then(|b| scope::resolve(d, Some(b), self.ctx.home.as_deref())),
                None => dir.clone(),
            };
            queue.extend(task.deps.iter().cloned());
            for s in &task.steps {
                match s {
                    taskfile::Step::Task(t) => queue.push(t.clone()),
                    taskfile::Step::Shell(code) => {
                        let mut m = crate::specs::tasks::Mapped::verbatim(code, 0, code.len());
                        let ph = crate::specs::tasks::mask_templates(&mut m, "{{", "}}");
                        let mut code = m.text;
                        for (p, orig) in ph {
                            let inner = orig
                                .trim_start_matches('{')
                                .trim_end_matches('}')
                                .trim()
                                .trim_start_matches('.');
                            if let Some(v) = tf.vars.get(inner) {
                                code = code.replacen(&p, v, 1);
                            }
                        }
                        self.task_shell(&code, span.clone(), tdir.clone(), fr, scope);
                    }
                }
            }
        }
        true
    }

    pub(super) fn rake(&mut self, args: &[Word], cmd: &Cmd, fr: &Frame, scope: &mut Scope) -> bool {
        if args.iter().any(|w| {
            matches!(
                w.text().as_str(),
                "-T" | "--tasks"
                    | "-D"
                    | "--describe"
                    | "-n"
                    | "--dry-run"
                    | "-P"
                    | "--prereqs"
                    | "-W"
                    | "--where"
                    | "-h"
                    | "--help"
                    | "-V"
                    | "--version"
            )
        }) {
            return false;
        }
        let names: Vec<&Word> = args
            .iter()
            .filter(|w| !w.text().starts_with('-') && !w.text().contains('='))
            .collect();
        let span = names.first().map_or(cmd.span.clone(), |w| w.span.clone());
        let (path, text) = match self.project_file(
            cmd.cwd.as_deref(),
            &["Rakefile", "rakefile", "Rakefile.rb", "rakefile.rb"],
            true,
        ) {
            ProjectFile::Text(p, t) => (p, t),
            ProjectFile::Absent => return false,
            ProjectFile::Unreadable(why) => {
                self.unknown_task(span, why);
                return true;
            }
        };
        let tasks = rakefile::parse(&text);
        let dir = path.parent().map(Path::to_path_buf);
        let mut queue: Vec<String> = Vec::new();
        if names.is_empty() {
            queue.push("default".into());
        }
        for n in &names {
            match n.lit() {
                // `rake db:seed[arg]`: the arguments in brackets are not the name.
                Some(t) => queue.push(t.split('[').next().unwrap_or(&t).to_string()),
                None => {
                    self.unknown_task(
                        n.span.clone(),
                        format!("the task `{}` is only known when it runs", n.text()),
                    );
                    return true;
                }
            }
        }
        self.note_program("rake");
        let c = task_cmd(&span, dir.clone());
        let mut seen = std::collections::HashSet::new();
        while let Some(n) = queue.pop() {
            if seen.len() > 256 || !seen.insert(n.clone()) {
                continue;
            }
            for t in tasks.iter().filter(|t| t.name == n) {
                queue.extend(t.deps.iter().cloned());
                let (shells, ruby) = ruby_sh_calls(&t.body);
                for code in shells {
                    self.task_shell(&code, span.clone(), dir.clone(), fr, scope);
                }
                self.judge_code("ruby", &ruby, &[], span.clone(), &c, fr, scope, false);
            }
        }
        true
    }

    pub(super) fn composer(
        &mut self,
        args: &[Word],
        cmd: &Cmd,
        fr: &Frame,
        scope: &mut Scope,
    ) -> bool {
        let mut cwd = cmd.cwd.clone();
        let mut ops: Vec<&Word> = Vec::new();
        let mut i = 0;
        while i < args.len() {
            let t = args[i].text();
            if t == "-d" || t == "--working-dir" {
                cwd = args
                    .get(i + 1)
                    .and_then(|w| self.resolve_word(w, cwd.as_deref()));
                i += 2;
                continue;
            }
            if let Some(d) = t.strip_prefix("--working-dir=") {
                cwd = scope::resolve(d, cwd.as_deref(), self.ctx.home.as_deref());
            } else if !t.starts_with('-') {
                ops.push(&args[i]);
            }
            i += 1;
        }
        let Some(first) = ops.first() else {
            return false;
        };
        let (task, span) = match first.text().as_str() {
            "run-script" | "run" => match ops.get(1) {
                Some(w) => (w.lit(), w.span.clone()),
                None => return false,
            },
            _ => (first.lit(), first.span.clone()),
        };
        let (path, text) = match self.project_file(cwd.as_deref(), &["composer.json"], false) {
            ProjectFile::Text(p, t) => (p, t),
            ProjectFile::Absent => return false,
            ProjectFile::Unreadable(why) => {
                self.unknown_task(span, why);
                return true;
            }
        };
        let Some(task) = task else {
            self.unknown_task(
                span,
                "the composer script is only known when it runs".into(),
            );
            return true;
        };
        let scripts = match composer::scripts(&text) {
            Ok(s) => s,
            Err(e) => {
                self.unknown_task(
                    span,
                    format!("{} cannot be parsed: {}", path.display(), e.message),
                );
                return true;
            }
        };
        if !scripts.contains_key(&task) {
            return false;
        }
        self.note_program("composer");
        let dir = path.parent().map(Path::to_path_buf);
        let mut queue = vec![task];
        let mut seen = std::collections::HashSet::new();
        while let Some(n) = queue.pop() {
            if seen.len() > 256 || !seen.insert(n.clone()) {
                continue;
            }
            for e in scripts.get(&n).into_iter().flatten() {
                match e {
                    composer::Entry::Shell(code) => self.task_shell(code, span.clone(), dir.clone(), fr, scope),
                    composer::Entry::Script(s) => queue.push(s.clone()),
                    composer::Entry::Callback(c) => self.unknown_task(span.clone(), format!("the composer script runs the PHP callback `{c}`, which Interlock does not read")),
                }
            }
        }
        true
    }
}

/// The shell strings of Ruby's `sh "…"`, `sh '…'`, `sh("…")` calls in a rake task,
/// and the rest of the body (the Ruby the interpreter-code analyser reads).
fn ruby_sh_calls(body: &str) -> (Vec<String>, String) {
    let mut out = Vec::new();
    let mut ruby = String::new();
    for line in body.lines() {
        let t = line.trim_start();
        let Some(rest) = t.strip_prefix("sh ").or_else(|| t.strip_prefix("sh(")) else {
            ruby.push_str(line);
            ruby.push('\n');
            continue;
        };
        let rest = rest.trim_start();
        let Some(q) = rest.chars().next().filter(|c| *c == '"' || *c == '\'') else {
            ruby.push_str(line);
            ruby.push('\n');
            continue;
        };
        if let Some(end) = rest[1..].find(q) {
            let s = &rest[1..1 + end];
            if q == '"' && s.contains("#{") {
                out.push(s.replace("#{", "${__interlock_unknown_"));
            } else {
                out.push(s.to_string());
            }
        } else {
            ruby.push_str(line);
            ruby.push('\n');
        }
    }
    (out, ruby)
}
