//! The task runners of Python projects. Tables in pyproject.toml: poe
//! (`[tool.poe.tasks]`), pdm (`[tool.pdm.scripts]`), hatch
//! (`[tool.hatch.envs.ENV.scripts]`), rye (`[tool.rye.scripts]`) and taskipy
//! (`[tool.taskipy.tasks]`); tox.ini `[testenv:NAME] commands`; and tasks that are
//! Python functions: invoke and fabric (`@task def NAME(c): c.run("…")` in tasks.py or
//! fabfile.py), nox (`@nox.session def NAME(session): session.run("rm", …)`) and doit
//! (`def task_NAME(): return {"actions": ["…"]}`).
//!
//! A function task is read as its shell strings (what `run`/`sudo`/`local` and
//! `session.run` are given, and doit's string actions) plus its body, which the caller
//! judges as Python.

use super::Problem;
use std::collections::HashMap;

/// One step of a task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// A command line (run by a shell, or split into words the way a shell would).
    Shell(String),
    /// Another task of the same table.
    Task(String),
    /// A Python callable, `module:function` (or `module.function`): its module's code.
    Call(String),
}

/// The runners whose tasks live in pyproject.toml.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    Poe,
    Pdm,
    Hatch,
    Rye,
    Taskipy,
}

/// The tasks `runner` defines in a pyproject.toml (`None`: the file has no such table).
pub fn pyproject_tasks(
    text: &str,
    runner: Table,
) -> Result<Option<HashMap<String, Vec<Step>>>, Problem> {
    let doc: toml::Table = toml::from_str(text).map_err(|e: toml::de::Error| {
        let off = e.span().map(|s| s.start).unwrap_or(0);
        Problem::at(off, format!("invalid TOML: {}", e.message()))
    })?;
    let tool = doc.get("tool").and_then(|t| t.as_table());
    let get = |path: &[&str]| -> Option<&toml::Table> {
        let mut t = tool?;
        for p in path {
            t = t.get(*p)?.as_table()?;
        }
        Some(t)
    };
    let mut out = HashMap::new();
    match runner {
        Table::Hatch => {
            // Every environment's scripts: `hatch run NAME` uses the default one,
            // `hatch run ENV:NAME` another; both are keyed here as written.
            let Some(envs) = get(&["hatch", "envs"]) else {
                return Ok(None);
            };
            for (env, t) in envs {
                let Some(scripts) = t.get("scripts").and_then(|s| s.as_table()) else {
                    continue;
                };
                for (name, v) in scripts {
                    let steps = hatch_steps(v, scripts);
                    if env == "default" {
                        out.insert(name.clone(), steps.clone());
                    }
                    out.insert(format!("{env}:{name}"), steps);
                }
            }
        }
        _ => {
            let path: &[&str] = match runner {
                Table::Poe => &["poe", "tasks"],
                Table::Pdm => &["pdm", "scripts"],
                Table::Rye => &["rye", "scripts"],
                _ => &["taskipy", "tasks"],
            };
            let Some(tasks) = get(path) else {
                return Ok(None);
            };
            for (name, v) in tasks {
                out.insert(name.clone(), table_steps(v));
            }
        }
    }
    Ok(Some(out))
}

/// A poe, pdm, rye or taskipy task: a command string, or a table whose key says what
/// kind of task it is.
fn table_steps(v: &toml::Value) -> Vec<Step> {
    match v {
        toml::Value::String(s) => vec![Step::Shell(s.clone())],
        toml::Value::Array(a) => a.iter().flat_map(sequence_item).collect(),
        toml::Value::Table(t) => {
            let mut out = Vec::new();
            for (k, v) in t {
                match (k.as_str(), v) {
                    ("cmd" | "shell" | "expr", toml::Value::String(s)) => {
                        out.push(Step::Shell(s.clone()))
                    }
                    ("cmd", toml::Value::Array(words)) => out.push(Step::Shell(
                        words
                            .iter()
                            .filter_map(|w| w.as_str())
                            .map(quote)
                            .collect::<Vec<_>>()
                            .join(" "),
                    )),
                    ("script" | "call", toml::Value::String(s)) => out.push(Step::Call(s.clone())),
                    ("ref", toml::Value::String(s)) => out.push(Step::Task(
                        s.split_whitespace().next().unwrap_or("").to_string(),
                    )),
                    ("sequence" | "composite" | "chain" | "parallel", toml::Value::Array(a)) => {
                        out.extend(a.iter().flat_map(sequence_item))
                    }
                    _ => {}
                }
            }
            out
        }
        _ => Vec::new(),
    }
}

/// One item of a sequence: the name of another task (or, with arguments, a task and
/// what it is given, or a command that no task is named), or an inline task.
fn sequence_item(v: &toml::Value) -> Vec<Step> {
    match v {
        toml::Value::String(s) => {
            let first = s.split_whitespace().next().unwrap_or("");
            if s.trim() == first {
                vec![Step::Task(first.to_string())]
            } else {
                // pdm's composite items are commands or scripts with arguments: both
                // are judged (the task by name, the text as a command).
                vec![Step::Task(first.to_string()), Step::Shell(s.clone())]
            }
        }
        other => table_steps(other),
    }
}

/// A hatch script: a command or a list of them; a command whose first word is
/// another script of the environment runs that script.
fn hatch_steps(v: &toml::Value, scripts: &toml::Table) -> Vec<Step> {
    let items: Vec<&str> = match v {
        toml::Value::String(s) => vec![s.as_str()],
        toml::Value::Array(a) => a.iter().filter_map(|x| x.as_str()).collect(),
        _ => Vec::new(),
    };
    items
        .into_iter()
        .map(|s| {
            let first = s.split_whitespace().next().unwrap_or("");
            if scripts.contains_key(first) {
                Step::Task(first.to_string())
            } else {
                Step::Shell(s.to_string())
            }
        })
        .collect()
}

/// Quote a word for the shell: single quotes, or double quotes around a word with
/// unknown parts (so that they stay words only known when the task runs).
fn quote(w: &str) -> String {
    if w.contains("${__interlock_unknown") {
        return format!("\"{}\"", w.replace(['"', '`', '\\'], ""));
    }
    if !w.is_empty()
        && w.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c))
    {
        w.to_string()
    } else {
        format!("'{}'", w.replace('\'', r"'\''"))
    }
}

/// tox.ini: the commands of `[testenv:NAME]` (and of `[testenv]`, which every
/// environment inherits when it sets none), one command a line (`\` continues one).
pub fn tox_commands(text: &str, env: &str) -> Option<Vec<Step>> {
    let mut sections: HashMap<String, Vec<String>> = HashMap::new();
    let mut section = String::new();
    let mut in_commands = false;
    for raw in text.lines() {
        let line = raw.trim_end();
        let t = line.trim_start();
        if t.starts_with('[') && t.ends_with(']') {
            section = t[1..t.len() - 1].trim().to_string();
            in_commands = false;
            continue;
        }
        if t.starts_with('#') || t.starts_with(';') {
            continue;
        }
        let indented = line.starts_with([' ', '\t']);
        if !indented {
            in_commands = false;
            if let Some((k, v)) = t.split_once('=') {
                if k.trim() == "commands" {
                    in_commands = true;
                    let v = v.trim();
                    let list = sections.entry(section.clone()).or_default();
                    if !v.is_empty() {
                        list.push(v.to_string());
                    }
                }
            }
            continue;
        }
        if in_commands && !t.is_empty() {
            let list = sections.entry(section.clone()).or_default();
            match list.last_mut() {
                Some(prev) if prev.ends_with('\\') => {
                    prev.pop();
                    prev.push(' ');
                    prev.push_str(t);
                }
                _ => list.push(t.to_string()),
            }
        }
    }
    let own = sections.get(&format!("testenv:{env}"));
    let base = sections.get("testenv");
    let cmds = own.or(base)?;
    Some(
        cmds.iter()
            // `-` before a command ignores its exit status; `{posargs}` is empty.
            .map(|c| Step::Shell(c.trim_start_matches('-').replace("{posargs}", "")))
            .collect(),
    )
}

/// A task that is a Python function, as its runner finds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FnRunner {
    /// invoke and fabric: `@task` functions; `db_reset` is called as `db-reset`.
    Invoke,
    /// nox: `@nox.session` functions (or `@nox.session(name="…")`).
    Nox,
    /// doit: `task_NAME` functions.
    Doit,
}

/// A function task: the shell it runs and its body (Python, judged by the caller).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FnTask {
    pub name: String,
    pub shell: Vec<String>,
    pub body: String,
    /// The bodies of the file's own functions the task calls, in turn (helpers such
    /// as `def _wipe(c): c.run(…)`); their shell is in `shell`.
    pub helpers: Vec<String>,
}

/// Helper functions followed per task, at most.
const MAX_HELPERS: usize = 16;

/// Whether `body` calls the function `name` (`name(`, not `x.name(` or `other_name(`).
fn calls(body: &str, name: &str) -> bool {
    let pat = format!("{name}(");
    body.match_indices(&pat).any(|(i, _)| {
        !body[..i]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
    })
}

/// Every task function `runner` finds in `text`.
pub fn function_tasks(text: &str, runner: FnRunner) -> Vec<FnTask> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    // Top-level functions that are not tasks, by name: the helpers tasks call.
    let mut plain: Vec<(String, String)> = Vec::new();
    let mut decorators: Vec<&str> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let t = lines[i].trim_start();
        if t.starts_with('@') {
            decorators.push(t);
            i += 1;
            continue;
        }
        let Some(rest) = t
            .strip_prefix("def ")
            .or_else(|| t.strip_prefix("async def "))
        else {
            if !t.is_empty() && !t.starts_with('#') {
                decorators.clear();
            }
            i += 1;
            continue;
        };
        let fname = rest.split('(').next().unwrap_or("").trim().to_string();
        let indent = lines[i].len() - t.len();
        let mut end = i + 1;
        while end < lines.len() {
            let l = lines[end];
            let lt = l.trim_start();
            if !lt.is_empty() && l.len() - lt.len() <= indent {
                break;
            }
            end += 1;
        }
        let body = lines[i + 1..end].join("\n");
        let name = match runner {
            FnRunner::Invoke => decorators
                .iter()
                .any(|d| {
                    d.starts_with("@task")
                        || d.starts_with("@invoke.task")
                        || d.starts_with("@fabric.task")
                })
                .then(|| fname.replace('_', "-")),
            FnRunner::Nox => decorators
                .iter()
                .find(|d| d.starts_with("@nox.session") || d.starts_with("@session"))
                .map(|d| keyword_string(d, "name").unwrap_or_else(|| fname.clone())),
            FnRunner::Doit => fname.strip_prefix("task_").map(str::to_string),
        };
        decorators.clear();
        if let Some(name) = name {
            let shell = match runner {
                FnRunner::Doit => doit_actions(&body),
                _ => run_calls(&body, runner == FnRunner::Nox),
            };
            out.push(FnTask {
                name,
                shell,
                body,
                helpers: Vec::new(),
            });
        } else if indent == 0 {
            plain.push((fname, body));
        }
        i = end;
    }
    for t in &mut out {
        let mut seen: Vec<usize> = Vec::new();
        let mut queue: Vec<String> = vec![t.body.clone()];
        while let Some(b) = queue.pop() {
            for (k, (name, body)) in plain.iter().enumerate() {
                if seen.len() >= MAX_HELPERS || seen.contains(&k) || !calls(&b, name) {
                    continue;
                }
                seen.push(k);
                t.shell.extend(run_calls(body, runner == FnRunner::Nox));
                t.helpers.push(body.clone());
                queue.push(body.clone());
            }
        }
    }
    out
}

/// `name="x"` in a decorator's arguments.
fn keyword_string(s: &str, key: &str) -> Option<String> {
    let at = s.find(&format!("{key}="))? + key.len() + 1;
    let (lit, _) = string_at(&s[at..])?;
    lit
}

/// The shell of `X.run("…")`, `X.sudo("…")`, `X.local("…")`; for nox, `session.run`'s
/// words (`session.run("rm", "-rf", "x")`). A word that is not a plain literal (an
/// f-string's `{…}`, a variable) becomes `${__interlock_unknown}`, a word only known
/// when the task runs.
fn run_calls(body: &str, words: bool) -> Vec<String> {
    let mut out = Vec::new();
    for m in [
        ".run(",
        ".sudo(",
        ".local(",
        ".run_always(",
        ".run_install(",
    ] {
        let mut from = 0;
        while let Some(at) = body[from..].find(m) {
            let start = from + at + m.len();
            from = start;
            let args = call_args(&body[start..]);
            if args.is_empty() {
                continue;
            }
            if words {
                out.push(args.iter().map(quote_arg).collect::<Vec<_>>().join(" "));
            } else if let Some(a) = args.first() {
                out.push(match a {
                    Some(s) => s.clone(),
                    None => "${__interlock_unknown}".to_string(),
                });
            }
        }
    }
    out
}

fn quote_arg(a: &Option<String>) -> String {
    match a {
        Some(s) => quote(s),
        None => "\"${__interlock_unknown}\"".to_string(),
    }
}

/// The positional arguments of a call, from just after its `(`: string literals as
/// their text, anything else as `None`; keyword arguments end the list.
fn call_args(s: &str) -> Vec<Option<String>> {
    let mut out = Vec::new();
    let mut rest = s.trim_start();
    for _ in 0..256 {
        if rest.starts_with(')') || rest.is_empty() {
            break;
        }
        // `key=value`: keywords come after the positional arguments.
        let ident: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !ident.is_empty()
            && rest[ident.len()..].trim_start().starts_with('=')
            && !rest[ident.len()..].trim_start().starts_with("==")
        {
            break;
        }
        match string_at(rest) {
            Some((lit, used)) => {
                out.push(lit);
                rest = rest[used..].trim_start();
            }
            None => {
                out.push(None);
                let used = skip_expr(rest);
                rest = rest[used..].trim_start();
            }
        }
        match rest.strip_prefix(',') {
            Some(r) => rest = r.trim_start(),
            None => break,
        }
    }
    out
}

/// Skip one expression up to a `,` or `)` at its own nesting level.
fn skip_expr(s: &str) -> usize {
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    for (i, c) in s.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None => match c {
                '"' | '\'' => quote = Some(c),
                '(' | '[' | '{' => depth += 1,
                ')' | ']' | '}' if depth == 0 => return i,
                ')' | ']' | '}' => depth -= 1,
                ',' if depth == 0 => return i,
                _ => {}
            },
        }
    }
    s.len()
}

/// A Python string literal at the start of `s` (with `r`/`f`/`b` prefixes): its text
/// (an f-string's fields as unknown shell words) and the bytes it takes.
fn string_at(s: &str) -> Option<(Option<String>, usize)> {
    let prefix: String = s
        .chars()
        .take_while(|c| matches!(c, 'r' | 'R' | 'f' | 'F' | 'b' | 'B' | 'u' | 'U'))
        .collect();
    if prefix.len() > 2 {
        return None;
    }
    let f = prefix.contains(['f', 'F']);
    let raw = prefix.contains(['r', 'R']);
    let body = &s[prefix.len()..];
    let q = body.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let triple: String = std::iter::repeat_n(q, 3).collect();
    let (delim, inner) = if body.starts_with(&triple) {
        (triple.as_str(), &body[3..])
    } else {
        (&body[..1], &body[1..])
    };
    let mut text = String::new();
    let mut chars = inner.char_indices();
    while let Some((i, c)) = chars.next() {
        if inner[i..].starts_with(delim) {
            let used = prefix.len() + delim.len() + i + delim.len();
            return Some((Some(if f { fill_fields(&text) } else { text }), used));
        }
        if c == '\\' && !raw {
            match chars.next() {
                Some((_, 'n')) => text.push('\n'),
                Some((_, 't')) => text.push('\t'),
                Some((_, o)) => text.push(o),
                None => break,
            }
            continue;
        }
        if c == '\n' && delim.len() == 1 {
            return None;
        }
        text.push(c);
    }
    None
}

/// An f-string's text with each `{…}` field as a shell word only known when the task
/// runs (`rm -rf {path}` → `rm -rf ${__interlock_unknown_1}`); `{{` is a brace.
fn fill_fields(text: &str) -> String {
    let mut out = String::new();
    let mut n = 0;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                out.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                out.push('}');
            }
            '{' => {
                let mut depth = 1;
                for d in chars.by_ref() {
                    match d {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                n += 1;
                out.push_str(&format!("${{__interlock_unknown_{n}}}"));
            }
            _ => out.push(c),
        }
    }
    out
}

/// doit's string actions: the strings of an `"actions": [...]` list.
fn doit_actions(body: &str) -> Vec<String> {
    let mut out = Vec::new();
    for key in ["'actions'", "\"actions\""] {
        let mut from = 0;
        while let Some(at) = body[from..].find(key) {
            from += at + key.len();
            let rest = body[from..].trim_start();
            let Some(rest) = rest.strip_prefix(':').map(str::trim_start) else {
                continue;
            };
            let Some(list) = rest.strip_prefix('[') else {
                continue;
            };
            for a in call_args(list) {
                match a {
                    Some(s) => out.push(s),
                    // A Python callable or a command built in code.
                    None => out.push("${__interlock_unknown}".to_string()),
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pyproject_tables() {
        let text = r#"
[tool.poe.tasks]
reset = "dropdb app"
clean = { shell = "rm -rf build" }
all = ["clean", "reset"]
seq = { sequence = ["clean", { cmd = "pytest" }] }
run = { script = "app.cli:main" }
[tool.pdm.scripts]
wipe = { cmd = ["rm", "-rf", "my data"] }
both = { composite = ["wipe", "echo done now"] }
[tool.hatch.envs.default.scripts]
reset = "dropdb app"
all = ["reset", "pytest -x"]
[tool.hatch.envs.prod.scripts]
drop = "psql -c 'DROP TABLE t'"
"#;
        let poe = pyproject_tasks(text, Table::Poe).unwrap().unwrap();
        assert_eq!(poe["reset"], vec![Step::Shell("dropdb app".into())]);
        assert_eq!(poe["clean"], vec![Step::Shell("rm -rf build".into())]);
        assert_eq!(
            poe["all"],
            vec![Step::Task("clean".into()), Step::Task("reset".into())]
        );
        assert_eq!(
            poe["seq"],
            vec![Step::Task("clean".into()), Step::Shell("pytest".into())]
        );
        assert_eq!(poe["run"], vec![Step::Call("app.cli:main".into())]);
        let pdm = pyproject_tasks(text, Table::Pdm).unwrap().unwrap();
        assert_eq!(pdm["wipe"], vec![Step::Shell("rm -rf 'my data'".into())]);
        assert_eq!(
            pdm["both"],
            vec![
                Step::Task("wipe".into()),
                Step::Task("echo".into()),
                Step::Shell("echo done now".into())
            ]
        );
        let hatch = pyproject_tasks(text, Table::Hatch).unwrap().unwrap();
        assert_eq!(
            hatch["all"],
            vec![Step::Task("reset".into()), Step::Shell("pytest -x".into())]
        );
        assert_eq!(
            hatch["prod:drop"],
            vec![Step::Shell("psql -c 'DROP TABLE t'".into())]
        );
        assert!(pyproject_tasks(text, Table::Rye).unwrap().is_none());
        assert!(pyproject_tasks("[tool", Table::Poe).is_err());
    }

    #[test]
    fn tox_environments() {
        let ini = "[tox]\nenvlist = py3\n[testenv]\ncommands = pytest {posargs}\n[testenv:wipe]\ncommands =\n    - rm -rf \\\n      /data\n    echo ok\n";
        assert_eq!(
            tox_commands(ini, "wipe").unwrap(),
            vec![
                Step::Shell(" rm -rf  /data".into()),
                Step::Shell("echo ok".into())
            ]
        );
        assert_eq!(
            tox_commands(ini, "py3").unwrap(),
            vec![Step::Shell("pytest ".into())]
        );
    }

    #[test]
    fn function_tasks_of_each_runner() {
        let inv = "from invoke import task\n\n@task\ndef db_reset(c):\n    c.run(\"dropdb app\")\n    c.run(f\"rm -rf {c.dir}\")\n\ndef helper():\n    pass\n";
        let t = function_tasks(inv, FnRunner::Invoke);
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].name, "db-reset");
        assert_eq!(
            t[0].shell,
            vec!["dropdb app", "rm -rf ${__interlock_unknown_1}"]
        );
        let nox = "import nox\n@nox.session(python=['3.12'], name='wipe-all')\ndef wipe(session):\n    session.run('rm', '-rf', '/data', external=True)\n";
        let t = function_tasks(nox, FnRunner::Nox);
        assert_eq!(t[0].name, "wipe-all");
        assert_eq!(t[0].shell, vec!["rm -rf /data"]);
        let doit =
            "def task_reset():\n    return {'actions': ['dropdb app', clean], 'verbosity': 2}\n";
        let t = function_tasks(doit, FnRunner::Doit);
        assert_eq!(t[0].name, "reset");
        assert_eq!(t[0].shell, vec!["dropdb app", "${__interlock_unknown}"]);
    }

    #[test]
    fn strings() {
        assert_eq!(string_at("'a b', x"), Some((Some("a b".into()), 5)));
        assert_eq!(string_at("r'a\\b'"), Some((Some("a\\b".into()), 6)));
        assert_eq!(
            string_at("f\"a {x} {{b}}\""),
            Some((Some("a ${__interlock_unknown_1} {b}".into()), 14))
        );
        assert_eq!(string_at("\"\"\"x\"\"\""), Some((Some("x".into()), 7)));
        assert_eq!(string_at("'open"), None);
        assert_eq!(string_at("x"), None);
    }
}
