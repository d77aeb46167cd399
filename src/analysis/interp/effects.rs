//! What a call does, by the qualified name the readers resolved (`shutil.rmtree`,
//! `fs.rmSync`, `FileUtils.rm_rf`) or, for methods of objects the code built
//! (`cur.execute`, `db.users.deleteMany`), by the method's name: the tables of
//! destructive APIs, shared by the languages, and the `Extracted` each becomes.

use super::eval::Val;
use super::{Extracted, Lang};

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

#[derive(Clone, Copy)]
enum Effect {
    /// Argument 0 (or `args=`/`cmd=`): a string is shell code, a list is argv.
    Shell,
    /// Arguments from `i` on are argv words (or one string of shell code).
    Argv(usize),
    /// Argument `i` is the program, argument `i + 1` its argv list (argv[0] dropped).
    PathList(usize),
    /// Argument `i` is the program, arguments from `i + 2` the rest (`os.execl`).
    PathArgs(usize),
    /// `spawn(cmd, [args], {shell})`: the program, then its arguments as a list.
    CmdList,
    Delete {
        recursive: bool,
    },
    /// `fs.rm(p, {recursive: true})`: recursive only when the option says so.
    DeleteOpt,
    /// The paths and flags of `shelljs.rm('-rf', p)`.
    RmWords,
    Write {
        append: bool,
    },
    /// `open(path, mode)`: mode at argument `i` (or `mode=`/`flags`).
    Open(usize),
    /// The first argument that is text is SQL.
    Sql,
    Destroy(&'static str),
    Http(&'static str),
    /// `request(method, url, …)`.
    HttpRequest,
    /// `fetch(url, {method, body})`, `axios({method, url, data})`.
    HttpConfig,
    /// Argument 0 is code of the same language.
    Eval,
    /// Argument 0 names a module: computed, it could be anything.
    Import,
}

use Effect::*;

/// Calls known by qualified name, for every language (their names do not collide).
const QUALIFIED: &[(&str, Effect)] = &[
    // Python.
    ("os.system", Shell),
    ("os.popen", Shell),
    ("posix.system", Shell),
    ("subprocess.run", Shell),
    ("subprocess.call", Shell),
    ("subprocess.check_call", Shell),
    ("subprocess.check_output", Shell),
    ("subprocess.Popen", Shell),
    ("subprocess.getoutput", Shell),
    ("subprocess.getstatusoutput", Shell),
    ("commands.getoutput", Shell),
    ("pty.spawn", Shell),
    ("asyncio.create_subprocess_shell", Shell),
    ("asyncio.create_subprocess_exec", Argv(0)),
    ("os.execv", PathList(0)),
    ("os.execve", PathList(0)),
    ("os.execvp", PathList(0)),
    ("os.execvpe", PathList(0)),
    ("os.posix_spawn", PathList(0)),
    ("os.posix_spawnp", PathList(0)),
    ("os.execl", PathArgs(0)),
    ("os.execle", PathArgs(0)),
    ("os.execlp", PathArgs(0)),
    ("os.execlpe", PathArgs(0)),
    ("os.spawnv", PathList(1)),
    ("os.spawnve", PathList(1)),
    ("os.spawnvp", PathList(1)),
    ("os.spawnvpe", PathList(1)),
    ("os.spawnl", PathArgs(1)),
    ("os.spawnle", PathArgs(1)),
    ("os.spawnlp", PathArgs(1)),
    ("os.spawnlpe", PathArgs(1)),
    ("shutil.rmtree", Delete { recursive: true }),
    ("os.remove", Delete { recursive: false }),
    ("os.unlink", Delete { recursive: false }),
    ("os.rmdir", Delete { recursive: false }),
    ("os.removedirs", Delete { recursive: false }),
    ("os.truncate", Write { append: false }),
    ("io.open", Open(1)),
    ("codecs.open", Open(1)),
    ("requests.delete", Http("DELETE")),
    ("requests.post", Http("POST")),
    ("requests.put", Http("PUT")),
    ("requests.patch", Http("PATCH")),
    ("requests.request", HttpRequest),
    ("httpx.delete", Http("DELETE")),
    ("httpx.post", Http("POST")),
    ("httpx.put", Http("PUT")),
    ("httpx.patch", Http("PATCH")),
    ("httpx.request", HttpRequest),
    (
        "sqlalchemy_utils.drop_database",
        Destroy("drops a whole database"),
    ),
    (
        "sqlalchemy_utils.functions.drop_database",
        Destroy("drops a whole database"),
    ),
    ("importlib.import_module", Import),
    ("importlib.__import__", Import),
    ("builtins.exec", Eval),
    ("builtins.eval", Eval),
    ("runpy.run_module", Import),
    // JavaScript (node, deno, bun).
    ("child_process.exec", Shell),
    ("child_process.execSync", Shell),
    ("child_process.spawn", CmdList),
    ("child_process.spawnSync", CmdList),
    ("child_process.execFile", CmdList),
    ("child_process.execFileSync", CmdList),
    ("execa", CmdList),
    ("execa.execa", CmdList),
    ("execa.execaSync", CmdList),
    ("execa.execaCommand", Shell),
    ("execa.execaCommandSync", Shell),
    ("execa.command", Shell),
    ("shelljs.exec", Shell),
    ("shelljs.rm", RmWords),
    ("Bun.spawn", Shell),
    ("Bun.spawnSync", Shell),
    ("Deno.run", Shell),
    ("Deno.Command", CmdList),
    ("fs.rm", DeleteOpt),
    ("fs.rmSync", DeleteOpt),
    ("fs.rmdir", DeleteOpt),
    ("fs.rmdirSync", DeleteOpt),
    ("fs.promises.rm", DeleteOpt),
    ("fs.promises.rmdir", DeleteOpt),
    ("fs.unlink", Delete { recursive: false }),
    ("fs.unlinkSync", Delete { recursive: false }),
    ("fs.promises.unlink", Delete { recursive: false }),
    ("fs.remove", Delete { recursive: true }),
    ("fs.removeSync", Delete { recursive: true }),
    ("fs.emptyDir", Delete { recursive: true }),
    ("fs.emptyDirSync", Delete { recursive: true }),
    ("fs.emptydir", Delete { recursive: true }),
    ("fs.emptydirSync", Delete { recursive: true }),
    ("fs.writeFile", Write { append: false }),
    ("fs.writeFileSync", Write { append: false }),
    ("fs.promises.writeFile", Write { append: false }),
    ("fs.truncate", Write { append: false }),
    ("fs.truncateSync", Write { append: false }),
    ("fs.createWriteStream", Write { append: false }),
    ("rimraf", Delete { recursive: true }),
    ("rimraf.sync", Delete { recursive: true }),
    ("rimraf.rimraf", Delete { recursive: true }),
    ("rimraf.rimrafSync", Delete { recursive: true }),
    ("rimraf.native", Delete { recursive: true }),
    ("del", Delete { recursive: true }),
    ("del.deleteSync", Delete { recursive: true }),
    ("del.deleteAsync", Delete { recursive: true }),
    ("Deno.remove", DeleteOpt),
    ("Deno.removeSync", DeleteOpt),
    ("Deno.writeTextFile", Write { append: false }),
    ("Deno.writeTextFileSync", Write { append: false }),
    ("Deno.writeFile", Write { append: false }),
    ("Deno.truncate", Write { append: false }),
    ("Bun.write", Write { append: false }),
    ("axios.delete", Http("DELETE")),
    ("axios.post", Http("POST")),
    ("axios.put", Http("PUT")),
    ("axios.patch", Http("PATCH")),
    ("axios", HttpConfig),
    ("axios.request", HttpConfig),
    ("got.delete", Http("DELETE")),
    ("ky.delete", Http("DELETE")),
    ("superagent.del", Http("DELETE")),
    ("superagent.delete", Http("DELETE")),
    ("fetch", HttpConfig),
    ("node-fetch", HttpConfig),
    ("vm.runInNewContext", Eval),
    ("vm.runInThisContext", Eval),
    ("vm.runInContext", Eval),
    ("vm.Script", Eval),
    // Ruby.
    ("Kernel.system", Argv(0)),
    ("Kernel.exec", Argv(0)),
    ("Kernel.spawn", Argv(0)),
    ("Process.spawn", Argv(0)),
    ("PTY.spawn", Argv(0)),
    ("IO.popen", Shell),
    ("Open3.capture2", Argv(0)),
    ("Open3.capture2e", Argv(0)),
    ("Open3.capture3", Argv(0)),
    ("Open3.popen2", Argv(0)),
    ("Open3.popen2e", Argv(0)),
    ("Open3.popen3", Argv(0)),
    ("FileUtils.rm_rf", Delete { recursive: true }),
    ("FileUtils.rm_r", Delete { recursive: true }),
    ("FileUtils.rmtree", Delete { recursive: true }),
    ("FileUtils.remove_dir", Delete { recursive: true }),
    ("FileUtils.remove_entry", Delete { recursive: true }),
    ("FileUtils.remove_entry_secure", Delete { recursive: true }),
    ("FileUtils.rm", Delete { recursive: false }),
    ("FileUtils.rm_f", Delete { recursive: false }),
    ("FileUtils.remove", Delete { recursive: false }),
    ("FileUtils.remove_file", Delete { recursive: false }),
    ("FileUtils.safe_unlink", Delete { recursive: false }),
    ("File.delete", Delete { recursive: false }),
    ("File.unlink", Delete { recursive: false }),
    ("Dir.rmdir", Delete { recursive: false }),
    ("Dir.delete", Delete { recursive: false }),
    ("Dir.unlink", Delete { recursive: false }),
    ("File.write", Write { append: false }),
    ("File.binwrite", Write { append: false }),
    ("IO.write", Write { append: false }),
    ("File.truncate", Write { append: false }),
    ("File.open", Open(1)),
    ("File.new", Open(1)),
    ("Kernel.eval", Eval),
    ("Net::HTTP::Delete.new", Http("DELETE")),
    ("HTTParty.delete", Http("DELETE")),
    ("RestClient.delete", Http("DELETE")),
    ("HTTP.delete", Http("DELETE")),
    ("Faraday.delete", Http("DELETE")),
    ("Excon.delete", Http("DELETE")),
    // PHP (static calls).
    ("DB::statement", Sql),
    ("DB::unprepared", Sql),
    ("DB::delete", Sql),
    ("Schema::drop", Destroy("drops a table")),
    ("Schema::dropIfExists", Destroy("drops a table")),
    ("Schema::dropAllTables", Destroy("drops every table")),
    ("Http::delete", Http("DELETE")),
];

/// Functions called by their bare name.
fn builtins(lang: Lang) -> &'static [(&'static str, Effect)] {
    match lang {
        Lang::Python => &[
            ("open", Open(1)),
            ("exec", Eval),
            ("eval", Eval),
            ("compile", Eval),
            ("__import__", Import),
        ],
        Lang::Node => &[
            ("eval", Eval),
            ("Function", Eval),
            ("require", Import),
            ("import", Import),
        ],
        Lang::Ruby => &[
            ("system", Argv(0)),
            ("exec", Argv(0)),
            ("spawn", Argv(0)),
            ("eval", Eval),
            ("instance_eval", Eval),
            ("class_eval", Eval),
            ("module_eval", Eval),
            ("require", Import),
        ],
        Lang::Php => &[
            ("system", Shell),
            ("exec", Shell),
            ("shell_exec", Shell),
            ("passthru", Shell),
            ("popen", Shell),
            ("proc_open", Shell),
            ("pcntl_exec", PathList(0)),
            ("unlink", Delete { recursive: false }),
            ("rmdir", Delete { recursive: false }),
            ("file_put_contents", Write { append: false }),
            ("fopen", Open(1)),
            ("eval", Eval),
            ("assert", Eval),
            ("create_function", Eval),
            ("mysqli_query", Sql),
            ("mysqli_multi_query", Sql),
            ("mysqli_real_query", Sql),
            ("mysql_query", Sql),
            ("pg_query", Sql),
            ("pg_send_query", Sql),
            ("sqlite_exec", Sql),
        ],
        _ => &[],
    }
}

/// Methods that send SQL, whatever object they are called on.
const SQL_METHODS: &[&str] = &[
    "execute",
    "executemany",
    "executescript",
    "exec_driver_sql",
    "exec_query",
    "exec",
    "query",
    "raw",
    "run",
    "prepare",
    "do",
    "unsafe",
    "statement",
    "unprepared",
    "$executeRawUnsafe",
    "$queryRawUnsafe",
    "$executeRaw",
    "$queryRaw",
    "multi_query",
    "real_query",
    "execute_sql",
];

/// Roots of objects that talk to a database: computed SQL sent through them is
/// unknown SQL.
const DB_ROOTS: &[&str] = &[
    "sqlite3",
    "psycopg2",
    "psycopg",
    "pymysql",
    "MySQLdb",
    "mysql",
    "asyncpg",
    "sqlalchemy",
    "pg",
    "mysql2",
    "better-sqlite3",
    "sqlite",
    "knex",
    "sequelize",
    "PrismaClient",
    "prisma",
    "ActiveRecord",
    "PG",
    "SQLite3",
    "Mysql2",
    "Sequel",
    "PDO",
    "mysqli",
    "DB",
    "duckdb",
    "pyodbc",
    "aiosqlite",
    "postgres",
    "Database",
];

/// Roots of HTTP client objects: their `.delete(…)` is a request.
const HTTP_ROOTS: &[&str] = &[
    "requests",
    "httpx",
    "aiohttp",
    "urllib3",
    "axios",
    "got",
    "ky",
    "superagent",
    "HTTParty",
    "RestClient",
    "Faraday",
    "HTTP",
    "Net::HTTP",
    "GuzzleHttp",
    "Client",
    "Http",
    "http",
];

/// The first word of text that reads as SQL.
fn looks_like_sql(s: &str) -> bool {
    let first: String = s
        .trim_start_matches(|c: char| c.is_whitespace() || c == '(')
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect::<String>()
        .to_ascii_lowercase();
    matches!(
        first.as_str(),
        "select"
            | "insert"
            | "update"
            | "delete"
            | "drop"
            | "truncate"
            | "alter"
            | "create"
            | "replace"
            | "with"
            | "begin"
            | "pragma"
            | "vacuum"
            | "grant"
            | "revoke"
            | "merge"
            | "attach"
            | "detach"
            | "rename"
            | "set"
            | "use"
            | "start"
            | "commit"
            | "flush"
            | "reset"
    )
}

fn root_of(name: &str) -> &str {
    let name = name.trim_start_matches("new ");
    name.split(['.', '(']).next().unwrap_or(name)
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
    }
    judge_method(lang, call, out);
}

/// Methods whose names say what they do even when the object they are called on is
/// unknown (a callback's parameter, a module loaded in a way not followed).
fn distinctive(lang: Lang, method: &str) -> Option<&'static str> {
    Some(match (lang, method) {
        (Lang::Node, "rmSync") => "fs.rmSync",
        (Lang::Node, "rm") => "fs.rm",
        (Lang::Node, "rmdirSync") => "fs.rmdirSync",
        (Lang::Node, "unlinkSync") => "fs.unlinkSync",
        (Lang::Node, "removeSync") => "fs.removeSync",
        (Lang::Node, "emptyDirSync") => "fs.emptyDirSync",
        (Lang::Node, "execSync") => "child_process.execSync",
        (Lang::Node, "spawnSync") => "child_process.spawnSync",
        (Lang::Node, "execFileSync") => "child_process.execFileSync",
        (Lang::Python, "rmtree") => "shutil.rmtree",
        (Lang::Ruby, "rm_rf") => "FileUtils.rm_rf",
        (Lang::Ruby, "rm_r") => "FileUtils.rm_r",
        (Lang::Ruby, "remove_dir") => "FileUtils.remove_dir",
        (Lang::Ruby, "remove_entry") => "FileUtils.remove_entry",
        _ => return None,
    })
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

/// A qualified name the tables know (for `from m import *`).
pub(super) fn is_known(name: &str) -> bool {
    QUALIFIED.iter().any(|(n, _)| *n == name)
}

/// Each file the pattern matches: the shell's `rm` with the same glob.
pub(super) fn delete_glob(pattern: &str, recursive: bool, out: &mut Out) {
    let flag = if recursive { "-r " } else { "" };
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
