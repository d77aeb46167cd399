//! The tables of destructive APIs the readers resolve calls against: qualified names
//! for every language (their names do not collide), bare builtins per language, and
//! the method names that send SQL or talk to databases and HTTP clients.

use super::Lang;

#[derive(Clone, Copy)]
pub(super) enum Effect {
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
pub(super) const QUALIFIED: &[(&str, Effect)] = &[
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
pub(super) fn builtins(lang: Lang) -> &'static [(&'static str, Effect)] {
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
pub(super) const SQL_METHODS: &[&str] = &[
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
pub(super) const DB_ROOTS: &[&str] = &[
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
pub(super) const HTTP_ROOTS: &[&str] = &[
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
pub(super) fn looks_like_sql(s: &str) -> bool {
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

pub(super) fn root_of(name: &str) -> &str {
    let name = name.trim_start_matches("new ");
    name.split(['.', '(']).next().unwrap_or(name)
}

/// Methods whose names say what they do even when the object they are called on is
/// unknown (a callback's parameter, a module loaded in a way not followed).
pub(super) fn distinctive(lang: Lang, method: &str) -> Option<&'static str> {
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

/// A qualified name the tables know (for `from m import *`).
pub(super) fn is_known(name: &str) -> bool {
    QUALIFIED.iter().any(|(n, _)| *n == name)
}
