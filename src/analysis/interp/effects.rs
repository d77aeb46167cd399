//! What a call does, by the qualified name the readers resolved (`shutil.rmtree`,
//! `fs.rmSync`, `FileUtils.rm_rf`) or, for methods of objects the code built
//! (`cur.execute`, `db.users.deleteMany`), by the method's name: the tables of
//! destructive APIs, shared by the languages, and the `Extracted` each becomes.

use super::eval::Val;
use super::tables::{
    builtins, distinctive, looks_like_sql, root_of, Effect, DB_ROOTS, HTTP_ROOTS, QUALIFIED,
    SQL_METHODS,
};
use super::{Extracted, Lang};
use crate::specs::vocab;
use Effect::*;

/// Everything found so far in one piece of code (and the code it evaluates).
#[derive(Default)]
pub(super) struct Out {
    items: Vec<Extracted>,
    pub nesting: u32,
    /// The database client the code's imports point at (`sqlite3`, `mysql`, `psql`).
    pub db_client: Option<&'static str>,
    /// The database named by the last `connect(…)` whose argument is known.
    pub database: Option<String>,
}

/// Past this many findings the rest adds nothing a person would read.
const MAX_ITEMS: usize = 64;

impl Out {
    pub fn push(&mut self, e: Extracted) {
        if self.items.len() < MAX_ITEMS && !self.items.contains(&e) {
            self.items.push(e);
        }
    }

    pub fn dynamic(&mut self, why: String) {
        self.push(Extracted::Dynamic(why));
    }

    pub fn finish(self) -> Vec<Extracted> {
        self.items
    }

    /// A Python module imported by name: the project file it would be, if the
    /// project has one (`import wipe` runs `wipe.py` from the working directory).
    pub fn runs_module(&mut self, module: &str) {
        let module = module.trim();
        if module.is_empty()
            || module.starts_with('.')
            || !module
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
        {
            return;
        }
        let path = module.replace('.', "/");
        self.push(Extracted::Runs {
            candidates: vec![format!("{path}.py"), format!("{path}/__init__.py")],
            lang: Lang::Python,
        });
    }

    /// A JavaScript module required or imported by a relative path: the file it is
    /// (`./nuke` is `./nuke.js`, `./nuke/index.js`, …).
    pub fn runs_script(&mut self, spec: &str) {
        if !(spec.starts_with("./") || spec.starts_with("../")) {
            return;
        }
        let mut candidates = vec![spec.to_string()];
        for ext in [".js", ".mjs", ".cjs", ".ts", "/index.js"] {
            candidates.push(format!("{spec}{ext}"));
        }
        self.push(Extracted::Runs {
            candidates,
            lang: Lang::Node,
        });
    }

    /// A module the code imports: remember which SQL client its queries are like.
    pub fn note_module(&mut self, module: &str) {
        let root = module
            .trim_start_matches("node:")
            .split(['.', '/', ':'])
            .next()
            .unwrap_or("");
        let client = match root.to_ascii_lowercase().as_str() {
            "sqlite3" | "sqlite" | "better-sqlite3" | "aiosqlite" | "bun" => "sqlite3",
            "pymysql" | "mysqldb" | "mysql" | "mysql2" | "mysqli" | "aiomysql" => "mysql",
            "psycopg2" | "psycopg" | "asyncpg" | "pg" | "postgres" | "sqlalchemy" | "pdo"
            | "activerecord" | "sequel" | "knex" | "sequelize" | "@prisma" | "prisma"
            | "duckdb" | "pyodbc" => "psql",
            _ => return,
        };
        if self.db_client.is_none() || client != "psql" {
            self.db_client = Some(client);
        }
    }
}

/// One call as the readers see it.
pub(super) struct Call {
    /// What is called, by qualified name, when known: `shutil.rmtree`, `open`.
    pub name: Option<String>,
    /// The method's own name when called on a receiver (`execute` in `c.execute(…)`).
    pub method: Option<String>,
    pub receiver: Val,
    pub args: Vec<Val>,
    pub kwargs: Vec<(String, Val)>,
}

impl Call {
    pub fn arg(&self, i: usize) -> Option<&Val> {
        self.args.get(i)
    }

    pub fn kw(&self, name: &str) -> Option<&Val> {
        self.kwargs.iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }

    /// Positional argument `i`, or the keyword that can stand for it.
    fn arg_or(&self, i: usize, names: &[&str]) -> Option<&Val> {
        self.arg(i)
            .or_else(|| names.iter().find_map(|n| self.kw(n)))
    }
}

/// Judge one call: push what it does to `out`.
pub(super) fn judge(lang: Lang, call: &Call, out: &mut Out) {
    if let Some(name) = &call.name {
        let found = QUALIFIED
            .iter()
            .chain(builtins(lang).iter())
            .find(|(n, _)| n == name)
            .map(|(_, e)| *e);
        if let Some(effect) = found {
            apply(lang, effect, name, call, out);
            return;
        }
        // A class or function of an imported module: `new DeleteTableCommand(…)`.
        if call.method.is_none() {
            if let Some((module, last)) = name.trim_start_matches("new ").rsplit_once(['.', ':']) {
                if !module.is_empty() && !STD_ROOTS.contains(&root_of(module)) {
                    if let Some(what) = sdk_operation(last) {
                        return out.push(Extracted::SdkDestroy(format!("`{last}` {what}")));
                    }
                }
            }
        }
    }
    judge_method(lang, call, out);
}

/// Modules of the languages' standard libraries: their calls are in the tables, and
/// their method names (`list.remove`, `Map.delete`) say nothing about stored data.
const STD_ROOTS: &[&str] = &[
    "os",
    "sys",
    "shutil",
    "pathlib",
    "subprocess",
    "io",
    "json",
    "re",
    "collections",
    "itertools",
    "functools",
    "glob",
    "tempfile",
    "fs",
    "path",
    "child_process",
    "process",
    "Object",
    "Array",
    "Map",
    "Set",
    "Reflect",
    "JSON",
    "Math",
    "File",
    "Dir",
    "FileUtils",
    "Pathname",
    "Kernel",
    "IO",
    "Deno",
    "Bun",
    "posix",
    "builtins",
    "str",
    "dict",
    "list",
    "set",
];

/// `delete_db_instance`, `DeleteBucketCommand`: what the name says it destroys.
fn sdk_operation(name: &str) -> Option<String> {
    let (verb, noun) = vocab::code_operation(name)?;
    Some(format!("({verb} a {noun})"))
}

/// A cloud or service SDK call that destroys a stored resource, on an object built
/// from an imported module: by the method's name (`rds.delete_db_instance(…)`), or a
/// bare destructive verb on a collection of such resources (`es.indices.delete(…)`,
/// `octokit.repos.delete(…)`, `client.volumes.get("pg").remove()`).
fn sdk_call(method: &str, receiver: &Val, has_args: bool) -> Option<String> {
    let Val::Name(chain) = receiver else {
        return None;
    };
    if STD_ROOTS.contains(&root_of(chain)) {
        return None;
    }
    if let Some(what) = sdk_operation(method) {
        return Some(format!("`{method}` {what}"));
    }
    if !vocab::code_verb(method) {
        return None;
    }
    // The nearest segment of the receiver that is not a getter names what is acted on.
    let segment = chain
        .split(['.', ':'])
        .rev()
        .map(|s| s.split('(').next().unwrap_or(s))
        .filter(|s| !s.is_empty())
        .find(|s| {
            !matches!(
                *s,
                "get"
                    | "retrieve"
                    | "fetch"
                    | "find"
                    | "lookup"
                    | "by_name"
                    | "by_id"
                    | "new"
                    | "select"
                    | "named"
                    | "one"
                    | "first"
            )
        })?;
    let last = vocab::tokens(segment).pop()?;
    let noun = vocab::code_noun(&last)?;
    // A single store's handle given what to remove deletes an entry of it
    // (`redis.Redis().delete('user:1')`, `kv.delete(key)`, `bucket.delete_blob(…)`);
    // with nothing to name, the store itself (`bucket.delete()`, `volume.remove()`).
    if has_args && last == noun {
        return None;
    }
    Some(format!("`{segment}.{method}` ({method} a {noun})"))
}

/// What a Redis client's key listing returned (`r.keys('*')`, `r.scan_iter(…)`,
/// `await client.keys('user:*')`), or one key of it.
fn listed_keys(v: &Val) -> bool {
    matches!(v, Val::Name(n) if super::eval::key_listing(n))
}

/// Methods of objects the code built: judged by the method's own name.
fn judge_method(lang: Lang, call: &Call, out: &mut Out) {
    let Some(method) = call.method.as_deref() else {
        return;
    };
    if matches!(call.receiver, Val::Unknown) && !call.args.is_empty() {
        if let Some(q) = distinctive(lang, method) {
            if let Some((_, effect)) = QUALIFIED.iter().find(|(n, _)| *n == q) {
                return apply(lang, *effect, method, call, out);
            }
        }
    }
    let receiver = call.receiver.name().unwrap_or("");
    let root = root_of(receiver);
    let shown = format!("`{method}`");
    // pathlib / Pathname values: `Path("x").unlink()`.
    if let Val::Str(p) = &call.receiver {
        match method {
            "unlink" | "rmdir" | "delete" if lang != Lang::Node => {
                return out.push(Extracted::Delete {
                    path: Some(p.clone()),
                    recursive: false,
                })
            }
            "rmtree" => {
                return out.push(Extracted::Delete {
                    path: Some(p.clone()),
                    recursive: true,
                })
            }
            "write_text" | "write_bytes" => {
                return out.push(Extracted::Write {
                    path: p.clone(),
                    append: false,
                })
            }
            "open" if lang == Lang::Python => {
                return open_mode(p, call.arg_or(0, &["mode"]), out);
            }
            _ => {}
        }
    }
    // `p.unlink()` for each `p` of a glob (`for p in Path.home().rglob("*")`).
    if let Val::Glob(g) = &call.receiver {
        match method {
            "unlink" | "rmdir" | "delete" if lang != Lang::Node => {
                return delete_glob(g, false, out);
            }
            "rmtree" => return delete_glob(g, true, out),
            _ => {}
        }
    }
    if matches!(call.receiver, Val::Unknown) && call.args.is_empty() {
        match method {
            "unlink" | "rmdir" if lang == Lang::Python => {
                return out.push(Extracted::Delete {
                    path: None,
                    recursive: false,
                })
            }
            "rmtree" => {
                return out.push(Extracted::Delete {
                    path: None,
                    recursive: true,
                })
            }
            _ => {}
        }
    }
    // SQL sent through a connection, cursor, pool, ORM.
    if SQL_METHODS.contains(&method) {
        let text = call.args.iter().find_map(Val::str);
        match text {
            Some(sql) if looks_like_sql(sql) => {
                return out.push(Extracted::Sql {
                    client: out.db_client.unwrap_or("psql"),
                    database: out.database.clone(),
                    sql: Some(sql.to_string()),
                })
            }
            None if DB_ROOTS.contains(&root)
                && call.args.iter().any(|a| matches!(a, Val::Unknown)) =>
            {
                return out.dynamic(format!("{shown} sends SQL built at run time"));
            }
            _ => {}
        }
    }
    // ORM and data store calls that destroy everything they reach.
    let empty_filter = match call.arg(0) {
        None => true,
        Some(Val::Dict(d)) => d.is_empty(),
        _ => false,
    };
    let destroy = match method {
        "drop_all" | "drop_database" | "dropDatabase" | "drop_collection" | "dropCollection"
        | "flushall" | "flushdb" | "flushAll" | "flushDb" | "FLUSHALL" | "FLUSHDB"
        | "delete_all" | "destroy_all" | "drop_table" | "dropTable" | "dropTableIfExists"
        | "dropIfExists" | "dropAllTables" | "drop_tables" | "drop_schema" | "dropSchema"
        | "purge_database" | "reset_database" => Some("drops or empties stored data"),
        "truncate" if lang != Lang::Python || call.args.is_empty() => Some("empties a table"),
        "drop" if call.args.is_empty() && call.kwargs.is_empty() => {
            Some("drops a collection or table")
        }
        "deleteMany" | "delete_many" | "deleteAll" if empty_filter => {
            Some("deletes every document or row")
        }
        "remove" if matches!(call.arg(0), Some(Val::Dict(d)) if d.is_empty()) => {
            Some("deletes every document or row")
        }
        // A Redis client deleting what its own key listing returned.
        "delete" | "del" | "unlink" | "Del" | "Unlink" if call.args.iter().any(listed_keys) => {
            Some("deletes every key a pattern matches")
        }
        "destroy"
            if call.arg(0).is_some_and(|o| {
                o.get("truncate").is_some_and(Val::truthy)
                    || o.get("where")
                        .is_some_and(|w| matches!(w, Val::Dict(d) if d.is_empty()))
            }) =>
        {
            Some("deletes every row")
        }
        "sync"
            if call
                .arg(0)
                .is_some_and(|o| o.get("force").is_some_and(Val::truthy)) =>
        {
            Some("drops and recreates every table")
        }
        "delete"
            if call.args.is_empty()
                && (receiver.ends_with(".all()") || receiver.ends_with(".objects")) =>
        {
            Some("deletes every row")
        }
        _ => None,
    };
    if let Some(what) = destroy {
        return out.push(Extracted::Destroy(format!("{shown} {what}")));
    }
    if let Some(what) = sdk_call(method, &call.receiver, !call.args.is_empty()) {
        return out.push(Extracted::SdkDestroy(what));
    }
    // HTTP clients' methods: `session.delete(url)`, `client.request("DELETE", url)`.
    let http_receiver =
        HTTP_ROOTS.contains(&root) || receiver.contains("Session") || receiver.contains("Client");
    let url_arg = call
        .arg(0)
        .and_then(Val::str)
        .is_some_and(|u| u.starts_with("http://") || u.starts_with("https://"));
    match method {
        "delete" | "del" if http_receiver || url_arg => {
            apply(lang, Http("DELETE"), method, call, out)
        }
        "post" | "put" | "patch" if http_receiver || url_arg => {
            let m = method.to_ascii_uppercase();
            let m: &'static str = match m.as_str() {
                "POST" => "POST",
                "PUT" => "PUT",
                _ => "PATCH",
            };
            apply(lang, Http(m), method, call, out)
        }
        "request" | "urlopen" if http_receiver || call.arg(0).and_then(Val::str).is_some() => {
            apply(lang, HttpRequest, method, call, out)
        }
        _ => {}
    }
}

fn apply(lang: Lang, effect: Effect, name: &str, call: &Call, out: &mut Out) {
    let shown = format!("`{name}`");
    match effect {
        Shell => {
            let v = call.arg_or(0, &["args", "cmd", "command"]);
            let v = match v {
                Some(Val::Dict(d)) => d.iter().find(|(k, _)| k == "cmd").map(|(_, v)| v),
                v => v,
            };
            run(v, &shown, out)
        }
        Argv(i) => {
            let rest: Vec<Val> = call.args.iter().skip(i).cloned().collect();
            // A leading environment hash (`system({"A" => "1"}, "cmd")`) is not a word.
            let rest: Vec<Val> = rest
                .into_iter()
                .skip_while(|v| matches!(v, Val::Dict(_)))
                .collect();
            match rest.as_slice() {
                [] => {}
                [one] => run(Some(one), &shown, out),
                many => run(Some(&Val::List(many.to_vec())), &shown, out),
            }
        }
        PathList(i) => {
            let mut argv = vec![call.arg(i).cloned().unwrap_or(Val::Unknown)];
            match call.arg(i + 1) {
                Some(Val::List(l)) => argv.extend(l.iter().skip(1).cloned()),
                Some(_) => argv.push(Val::Unknown),
                None => {}
            }
            run(Some(&Val::List(argv)), &shown, out)
        }
        PathArgs(i) => {
            let mut argv = vec![call.arg(i).cloned().unwrap_or(Val::Unknown)];
            argv.extend(call.args.iter().skip(i + 2).cloned());
            run(Some(&Val::List(argv)), &shown, out)
        }
        CmdList => {
            let mut argv = vec![call.arg(0).cloned().unwrap_or(Val::Unknown)];
            let opts = match call.arg(1) {
                Some(Val::List(l)) => {
                    argv.extend(l.iter().cloned());
                    call.arg(2)
                }
                other => other,
            };
            if let Some(Val::List(l)) = opts.and_then(|o| o.get("args")) {
                argv.extend(l.iter().cloned());
            }
            let shell = opts.and_then(|o| o.get("shell")).is_some_and(Val::truthy);
            if shell {
                // With `shell: true` the words are joined and run by a shell.
                let joined: Option<Vec<String>> = argv.iter().map(Val::text).collect();
                let v = joined.map_or(Val::Unknown, |w| Val::Str(w.join(" ")));
                run(Some(&v), &shown, out)
            } else if argv.len() == 1 {
                // `spawn("rm -rf x")` without a list names a program; a string with
                // spaces only runs through a shell, but judge it as one either way.
                run(argv.first(), &shown, out)
            } else {
                run(Some(&Val::List(argv)), &shown, out)
            }
        }
        Delete { recursive } => {
            let target = call.arg_or(0, &["path", "name"]);
            delete(target, recursive, out)
        }
        DeleteOpt => {
            let recursive = call
                .args
                .iter()
                .skip(1)
                .any(|o| o.get("recursive").is_some_and(Val::truthy));
            delete(call.arg(0), recursive, out)
        }
        RmWords => {
            let mut recursive = false;
            let mut paths = Vec::new();
            for a in &call.args {
                match a {
                    Val::Str(s) if s.starts_with('-') => {
                        recursive |= s.contains('r') || s.contains('R')
                    }
                    other => paths.push(other.clone()),
                }
            }
            for p in paths {
                delete(Some(&p), recursive, out);
            }
        }
        Write { append } => {
            if let Some(p) = call.arg_or(0, &["path", "file"]).and_then(Val::str) {
                let append = append
                    || call.args.iter().any(|a| {
                        a.name() == Some("FILE_APPEND")
                            || a.get("flag").and_then(Val::str) == Some("a")
                    });
                out.push(Extracted::Write {
                    path: p.to_string(),
                    append,
                });
            }
        }
        Open(i) => {
            if let Some(p) = call.arg_or(0, &["file", "path"]).and_then(Val::str) {
                if lang == Lang::Ruby && p.starts_with('|') {
                    return run(Some(&Val::Str(p[1..].to_string())), &shown, out);
                }
                open_mode(p, call.arg_or(i, &["mode", "flags"]), out);
            }
        }
        Sql => match call.args.iter().find_map(Val::str) {
            Some(sql) => out.push(Extracted::Sql {
                client: out.db_client.unwrap_or(if name.starts_with("mysql") {
                    "mysql"
                } else {
                    "psql"
                }),
                database: out.database.clone(),
                sql: Some(sql.to_string()),
            }),
            None if !call.args.is_empty() => {
                out.dynamic(format!("{shown} sends SQL built at run time"))
            }
            None => {}
        },
        Destroy(what) => out.push(Extracted::Destroy(format!("{shown} {what}"))),
        Http(method) => {
            let url = call.arg_or(0, &["url"]);
            let body = http_body(call, 1);
            http(method, url, body, out)
        }
        HttpRequest => {
            let Some(method) = call.arg_or(0, &["method"]).and_then(Val::str) else {
                return;
            };
            let url = call.arg_or(1, &["url"]);
            let body = http_body(call, 2);
            let method = method.to_ascii_uppercase();
            if method != "GET" && method != "HEAD" && method != "OPTIONS" {
                http_owned(method, url, body, out)
            }
        }
        HttpConfig => {
            // `fetch(url, {method, body})` or `axios({url, method, data})`.
            let (url, opts) = match call.arg(0) {
                Some(d @ Val::Dict(_)) => (d.get("url"), Some(d)),
                other => (other, call.arg(1)),
            };
            let method = opts
                .and_then(|o| o.get("method"))
                .map(|m| m.str().map(str::to_ascii_uppercase));
            let body = opts
                .and_then(|o| o.get("body").or_else(|| o.get("data")))
                .map(body_text);
            match method {
                Some(Some(m)) if m != "GET" && m != "HEAD" => http_owned(m, url, body, out),
                Some(None) => http_owned("DELETE".into(), url, body, out),
                _ if body.is_some() => http_owned("POST".into(), url, body, out),
                _ => {}
            }
        }
        Eval => match call.arg_or(0, &["source", "code"]) {
            Some(Val::Str(code)) => super::scan_nested(lang, code, out),
            Some(_) => out.dynamic(format!("{shown} runs code built at run time")),
            None => {}
        },
        Import => match call.arg(0) {
            Some(Val::Str(_)) | None => {}
            Some(_) => out.dynamic(format!("{shown} loads a module named at run time")),
        },
    }
}

/// `open(p, "w")` and friends: a write that empties the file, or an append.
fn open_mode(path: &str, mode: Option<&Val>, out: &mut Out) {
    let mode = match mode {
        None => return,
        Some(Val::Str(m)) => m.clone(),
        Some(Val::Name(n)) => n.clone(),
        Some(_) => return,
    };
    let truncates = mode.contains('w') || mode.contains("O_TRUNC");
    let appends = mode.contains('a') && !mode.contains("O_RDONLY");
    if truncates || appends {
        out.push(Extracted::Write {
            path: path.to_string(),
            append: !truncates,
        });
    }
}

fn run(v: Option<&Val>, shown: &str, out: &mut Out) {
    match v {
        None => {}
        Some(Val::Each(items)) => {
            for i in items {
                run(Some(i), shown, out)
            }
        }
        Some(Val::Str(s)) => out.push(Extracted::Shell(s.clone())),
        Some(Val::List(items)) => {
            let words: Option<Vec<String>> = items.iter().map(Val::text).collect();
            match words {
                Some(w) => out.push(Extracted::Shell(shell_join(&w))),
                None => out.dynamic(format!("{shown} runs a command built at run time")),
            }
        }
        Some(_) => out.dynamic(format!("{shown} runs a command built at run time")),
    }
}

fn delete(target: Option<&Val>, recursive: bool, out: &mut Out) {
    match target {
        None => {}
        Some(Val::Str(p)) => out.push(Extracted::Delete {
            path: Some(p.clone()),
            recursive,
        }),
        Some(Val::List(items) | Val::Each(items)) => {
            for i in items {
                delete(Some(i), recursive, out)
            }
        }
        Some(Val::Glob(p)) => delete_glob(p, recursive, out),
        Some(_) => out.push(Extracted::Delete {
            path: None,
            recursive,
        }),
    }
}

fn body_text(v: &Val) -> String {
    match v {
        Val::Str(s) => s.clone(),
        other => other.to_json().to_string(),
    }
}

fn http_body(call: &Call, position: usize) -> Option<String> {
    ["json", "data", "content", "body"]
        .iter()
        .find_map(|k| call.kw(k))
        .or_else(|| call.arg(position))
        .map(|v| match v {
            // `axios.post(url, data)`: a config object holding `data`.
            Val::Dict(_) if v.get("data").is_some() && position == 1 => body_text(v),
            other => body_text(other),
        })
}

fn http(method: &str, url: Option<&Val>, body: Option<String>, out: &mut Out) {
    http_owned(method.to_string(), url, body, out)
}

fn http_owned(method: String, url: Option<&Val>, body: Option<String>, out: &mut Out) {
    let url = url.and_then(Val::str).map(str::to_string);
    // Only deletes and bodies matter to the HTTP rules (a mutation in a POST).
    if method == "DELETE" || body.is_some() {
        out.push(Extracted::Http { method, url, body });
    }
}

/// argv words as one shell command line.
pub(super) fn shell_join(items: &[String]) -> String {
    items
        .iter()
        .map(|i| shell_words::quote(i).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Each file the pattern matches: the shell's `rm` with the same glob.
pub(super) fn delete_glob(pattern: &str, recursive: bool, out: &mut Out) {
    // `**` (`rglob`, `os.walk`) reaches every depth: a whole tree, file by file.
    let flag = if recursive || pattern.contains("**") {
        "-r "
    } else {
        ""
    };
    out.push(Extracted::Shell(format!(
        "rm {flag}-- {}",
        quote_glob(pattern)
    )))
}

/// A glob pattern as shell text: every character quoted but the pattern's own.
fn quote_glob(p: &str) -> String {
    let mut out = String::new();
    for c in p.chars() {
        if matches!(c, '*' | '?' | '[' | ']') || c.is_ascii_alphanumeric() || "/._-~".contains(c) {
            out.push(c);
        } else {
            out.push('\\');
            out.push(c);
        }
    }
    out
}
