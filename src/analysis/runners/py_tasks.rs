//! The task runners of Python projects: `poe X`, `pdm run X`, `hatch run [ENV:]X`,
//! `rye run X`, taskipy's `task X` (pyproject.toml tables), `tox -e X` (tox.ini),
//! `invoke X`/`inv X` and `fab X` (tasks.py, fabfile.py), `nox -s X` (noxfile.py) and
//! `doit X` (dodo.py). The task is read through `specs::tasks::python` and judged as
//! the shell and Python it runs. A name the file does not define is left to the
//! command's other readings (`pdm run pytest` runs pytest).

use super::project::{task_cmd, ProjectFile};
use super::*;
use crate::specs::tasks::python::{self as py, FnRunner, Step, Table};

/// Options of these runners that take a value (the value is not a task name).
const VALUED: &[&str] = &[
    "-C",
    "--directory",
    "--root",
    "-r",
    "-c",
    "--collection",
    "-f",
    "--config",
    "-H",
    "--hosts",
    "-i",
    "--identity",
    "-p",
    "--project",
    "-e",
    "--env",
    "-s",
    "--session",
    "--sessions",
    "-k",
    "--keywords",
    "-t",
    "--tags",
    "--noxfile",
    "--envdir",
    "-x",
    "--override",
    "--python",
    "-P",
    "--dodo",
    "--db-file",
    "-n",
    "--workdir",
    "-S",
];

impl Analyzer<'_> {
    /// Judge the Python project task `name ARGS` runs; `false` when `name` is not
    /// such a runner here or the task is not one the project defines.
    pub(super) fn python_task(
        &mut self,
        name: &str,
        args: &[Word],
        cmd: &Cmd,
        fr: &Frame,
        scope: &mut Scope,
    ) -> bool {
        let ops: Vec<&Word> = operands(args);
        let first = ops.first().and_then(|w| w.lit());
        match name {
            "poe" | "poethepoet" => {
                self.table_task(Table::Poe, ops.first().copied(), cmd, fr, scope)
            }
            "task" => self.table_task(Table::Taskipy, ops.first().copied(), cmd, fr, scope),
            "pdm" | "hatch" | "rye" if first.as_deref() == Some("run") => {
                let table = match name {
                    "pdm" => Table::Pdm,
                    "hatch" => Table::Hatch,
                    _ => Table::Rye,
                };
                self.table_task(table, ops.get(1).copied(), cmd, fr, scope)
            }
            "invoke" | "inv" => {
                self.fn_tasks(FnRunner::Invoke, &["tasks.py"], &ops, cmd, fr, scope)
            }
            "fab" => self.fn_tasks(FnRunner::Invoke, &["fabfile.py"], &ops, cmd, fr, scope),
            "doit" => {
                let ops: Vec<&Word> = match first.as_deref() {
                    Some("run") => ops[1..].to_vec(),
                    Some(
                        "list" | "info" | "help" | "clean" | "forget" | "ignore" | "dumpdb"
                        | "strace" | "tabcompletion" | "auto",
                    ) => return false,
                    _ => ops,
                };
                self.fn_tasks(FnRunner::Doit, &["dodo.py"], &ops, cmd, fr, scope)
            }
            "nox" => {
                if args.iter().any(|w| {
                    matches!(
                        w.text().as_str(),
                        "-l" | "--list" | "--list-sessions" | "-h" | "--help"
                    )
                }) {
                    return false;
                }
                let sessions = option_values(args, &["-s", "-e", "--session", "--sessions"]);
                self.fn_tasks(FnRunner::Nox, &["noxfile.py"], &sessions, cmd, fr, scope)
            }
            "tox" => {
                if args.iter().any(|w| {
                    matches!(
                        w.text().as_str(),
                        "-l" | "--listenvs"
                            | "-a"
                            | "--listenvs-all"
                            | "-h"
                            | "--help"
                            | "list"
                            | "l"
                            | "config"
                            | "c"
                    )
                }) {
                    return false;
                }
                self.tox(args, cmd, fr, scope)
            }
            _ => false,
        }
    }

    /// A task of a pyproject.toml table, with the tasks it refers to.
    fn table_task(
        &mut self,
        table: Table,
        task: Option<&Word>,
        cmd: &Cmd,
        fr: &Frame,
        scope: &mut Scope,
    ) -> bool {
        let Some(task) = task else { return false };
        let (path, text) = match self.project_file(cmd.cwd.as_deref(), &["pyproject.toml"], true) {
            ProjectFile::Text(p, t) => (p, t),
            ProjectFile::Absent => return false,
            ProjectFile::Unreadable(why) => {
                self.unknown_task(task.span.clone(), why);
                return true;
            }
        };
        let tasks = match py::pyproject_tasks(&text, table) {
            Ok(Some(t)) => t,
            Ok(None) => return false,
            Err(e) => {
                self.unknown_task(
                    task.span.clone(),
                    format!("{} cannot be parsed: {}", path.display(), e.message),
                );
                return true;
            }
        };
        let Some(name) = task.lit() else {
            self.unknown_task(
                task.span.clone(),
                format!("the task `{}` is only known when it runs", task.text()),
            );
            return true;
        };
        if !tasks.contains_key(&name) {
            return false;
        }
        self.note_program(match table {
            Table::Poe => "poe",
            Table::Pdm => "pdm",
            Table::Hatch => "hatch",
            Table::Rye => "rye",
            Table::Taskipy => "task",
        });
        let dir = path.parent().map(Path::to_path_buf);
        let span = task.span.clone();
        let mut queue = vec![name.clone()];
        // taskipy runs `pre_X` and `post_X` around `X`.
        if table == Table::Taskipy {
            queue.push(format!("pre_{name}"));
            queue.push(format!("post_{name}"));
        }
        let mut seen = std::collections::HashSet::new();
        while let Some(n) = queue.pop() {
            if seen.len() > 256 || !seen.insert(n.clone()) {
                continue;
            }
            for step in tasks.get(&n).into_iter().flatten() {
                match step {
                    Step::Shell(code) => {
                        self.task_shell(code, span.clone(), dir.clone(), fr, scope)
                    }
                    Step::Task(t) => queue.push(t.clone()),
                    Step::Call(target) => {
                        self.python_call(target, span.clone(), dir.clone(), fr, scope)
                    }
                }
            }
        }
        true
    }

    /// `module:function` (poe's `script`, pdm's and rye's `call`): the module's code,
    /// read leniently (what it surely destroys is judged, not every function in it).
    fn python_call(
        &mut self,
        target: &str,
        span: Range<usize>,
        dir: Option<PathBuf>,
        fr: &Frame,
        scope: &mut Scope,
    ) {
        let module = target.split([':', '(']).next().unwrap_or("").trim();
        if module.is_empty()
            || !module
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
        {
            return;
        }
        let path = module.replace('.', "/");
        let candidates: Vec<String> = [
            format!("{path}.py"),
            format!("{path}/__init__.py"),
            format!("src/{path}.py"),
            format!("src/{path}/__init__.py"),
        ]
        .into();
        let at = task_cmd(&span, dir);
        self.run_project_module(
            &candidates,
            interp::Lang::Python,
            span,
            true,
            &at,
            fr,
            scope,
        );
    }

    /// Tasks that are Python functions (invoke, fabric, nox, doit): each named one (all
    /// of them when none is named and the runner runs every task by default).
    fn fn_tasks(
        &mut self,
        runner: FnRunner,
        files: &[&str],
        names: &[&Word],
        cmd: &Cmd,
        fr: &Frame,
        scope: &mut Scope,
    ) -> bool {
        let span = names.first().map_or(cmd.span.clone(), |w| w.span.clone());
        let (path, text) = match self.project_file(cmd.cwd.as_deref(), files, true) {
            ProjectFile::Text(p, t) => (p, t),
            ProjectFile::Absent => return false,
            ProjectFile::Unreadable(why) => {
                self.unknown_task(span, why);
                return true;
            }
        };
        let tasks = py::function_tasks(&text, runner);
        let mut wanted: Vec<String> = Vec::new();
        for w in names {
            match w.lit() {
                Some(t) => wanted.push(t),
                None => {
                    self.unknown_task(
                        w.span.clone(),
                        format!("the task `{}` is only known when it runs", w.text()),
                    );
                    return true;
                }
            }
        }
        // invoke and fabric need a task named; nox and doit run all by default.
        let chosen: Vec<&py::FnTask> = if wanted.is_empty() {
            match runner {
                FnRunner::Invoke => return false,
                _ => tasks.iter().collect(),
            }
        } else {
            tasks
                .iter()
                .filter(|t| {
                    wanted.iter().any(|w| {
                        *w == t.name
                            || w.rsplit('.').next() == Some(t.name.as_str())
                            || w.replace('_', "-") == t.name
                    })
                })
                .collect()
        };
        if chosen.is_empty() {
            return false;
        }
        self.note_program(match runner {
            FnRunner::Invoke => "invoke",
            FnRunner::Nox => "nox",
            FnRunner::Doit => "doit",
        });
        let dir = path.parent().map(Path::to_path_buf);
        let at = task_cmd(&span, dir.clone());
        for t in chosen {
            for code in &t.shell {
                self.task_shell(code, span.clone(), dir.clone(), fr, scope);
            }
            for body in std::iter::once(&t.body).chain(&t.helpers) {
                let body = dedent(body);
                self.judge_code("python3", &body, &[], span.clone(), &at, fr, scope, false);
            }
        }
        true
    }

    /// `tox -e A,B` (or `tox run -e A`): the commands of those environments; with no
    /// `-e`, those of `[testenv]`.
    fn tox(&mut self, args: &[Word], cmd: &Cmd, fr: &Frame, scope: &mut Scope) -> bool {
        let span = cmd.span.clone();
        let (path, text) = match self.project_file(cmd.cwd.as_deref(), &["tox.ini"], true) {
            ProjectFile::Text(p, t) => (p, t),
            ProjectFile::Absent => return false,
            ProjectFile::Unreadable(why) => {
                self.unknown_task(span, why);
                return true;
            }
        };
        let envs: Vec<String> = option_values(args, &["-e"])
            .iter()
            .filter_map(|w| w.lit())
            .flat_map(|v| v.split(',').map(str::to_string).collect::<Vec<_>>())
            .collect();
        let envs = if envs.is_empty() {
            vec![String::new()]
        } else {
            envs
        };
        let dir = path.parent().map(Path::to_path_buf);
        let mut judged = false;
        for e in &envs {
            for step in py::tox_commands(&text, e).into_iter().flatten() {
                if let Step::Shell(code) = step {
                    judged = true;
                    self.task_shell(&code, span.clone(), dir.clone(), fr, scope);
                }
            }
        }
        if judged {
            self.note_program("tox");
        }
        judged
    }
}

/// The operands of a runner's command line: words that are not options or the
/// values of options in [`VALUED`]; `--` ends them (what follows goes to the task).
fn operands(args: &[Word]) -> Vec<&Word> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let t = args[i].text();
        if t == "--" {
            break;
        }
        if t.starts_with('-') {
            i += if VALUED.contains(&t.as_str()) { 2 } else { 1 };
            continue;
        }
        out.push(&args[i]);
        i += 1;
    }
    out
}

/// The values given to any of `names` (`-s a b`: nox takes several; `-e a,b`).
fn option_values<'a>(args: &'a [Word], names: &[&str]) -> Vec<&'a Word> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let t = args[i].text();
        if names.contains(&t.as_str()) {
            i += 1;
            while i < args.len() && !args[i].text().starts_with('-') {
                out.push(&args[i]);
                i += 1;
            }
            continue;
        }
        i += 1;
    }
    out
}

/// A function body without its common indentation, so that it parses on its own.
fn dedent(body: &str) -> String {
    let indent = body
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    body.lines()
        .map(|l| l.get(indent..).unwrap_or(l.trim_start()))
        .collect::<Vec<_>>()
        .join("\n")
}
