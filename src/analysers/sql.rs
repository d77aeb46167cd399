//! SQL that a database client would run: in its options (`psql -c`, `mysql -e`,
//! `clickhouse-client --query`), its operands (`sqlite3 DB 'SQL'`), files (`-f FILE`)
//! and stdin (heredocs, here-strings, pipes). It is parsed with sqlparser in the
//! client's dialect, statement by statement, so that `SELECT 'DROP TABLE x'` is data
//! and `DELETE … WHERE` passes while `DELETE` without one does not.

use super::opts::{self, Item, Spec};
use super::Hit;
use crate::model::invocation::{FileText, Invocation, Stdin};
use crate::model::paths::resolve;
use crate::model::Context;
use crate::specs::args::ArgView;
use crate::syntax::word::Word;
use sqlparser::ast::{
    AlterTableOperation, BinaryOperator, Expr, FromTable, ObjectType, Statement, Value,
};
use sqlparser::dialect::{
    ClickHouseDialect, Dialect as SqlDialect, DuckDbDialect, GenericDialect, MsSqlDialect,
    MySqlDialect, PostgreSqlDialect, SQLiteDialect,
};
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Token, TokenWithSpan, Tokenizer};
use std::cell::RefCell;
use std::ops::Range;
use std::path::Path;
use std::rc::Rc;

/// SQL above this size is not parsed; a keyword scan decides (bounded time).
const MAX_PARSE_BYTES: usize = 8 * 1024 * 1024;
/// SQL files above this size are not read: restoring them is not allowed silently.
const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;
/// Stands for a value only known at run time (`psql -c "… WHERE id = $ID"`).
const UNKNOWN: &str = "__interlock_unknown";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Postgres,
    MySql,
    Sqlite,
    ClickHouse,
    DuckDb,
    MsSql,
    Generic,
}

impl Dialect {
    fn get(self) -> Box<dyn SqlDialect> {
        match self {
            Dialect::Postgres => Box::new(PostgreSqlDialect {}),
            Dialect::MySql => Box::new(MySqlDialect {}),
            Dialect::Sqlite => Box::new(SQLiteDialect {}),
            Dialect::ClickHouse => Box::new(ClickHouseDialect {}),
            Dialect::DuckDb => Box::new(DuckDbDialect {}),
            Dialect::MsSql => Box::new(MsSqlDialect {}),
            Dialect::Generic => Box::new(GenericDialect {}),
        }
    }
}

/// What a statement does that matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Removes a database, schema, table, column or every row of a table.
    Drop,
    /// DELETE or UPDATE of every row (no WHERE, or one that is always true).
    Unfiltered,
    /// Could not be parsed, and holds a destructive keyword.
    Unparsed,
}

impl Kind {
    fn parse(s: &str) -> Option<Kind> {
        match s {
            "drop" => Some(Kind::Drop),
            "unfiltered" => Some(Kind::Unfiltered),
            "unparsed" => Some(Kind::Unparsed),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    pub kind: Kind,
    /// The statement, shortened: `DROP TABLE users`.
    pub what: String,
}

/// Meta-commands of the client that are not SQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Meta {
    /// psql: `\d`, `\c db`, `\gset` … and `:var` interpolation.
    Backslash,
    /// sqlite3, duckdb: `.tables`, `.mode csv` at the start of a line.
    Dot,
    /// mysql: `\G`, `DELIMITER //`, `source f`.
    MySql,
    None,
}

/// What the positional operands of a client are.
#[derive(Clone, Copy, PartialEq)]
enum Operands {
    /// psql: DBNAME [USERNAME]
    Database,
    /// sqlite3, duckdb: FILE [SQL …]
    DatabaseThenSql,
    /// clickhouse-client: a query
    Sql,
    /// cqlsh: HOST [PORT]
    Host,
    Ignored,
}

struct Client {
    dialect: Dialect,
    spec: Spec<'static>,
    /// Options whose value is SQL.
    sql: &'static [&'static str],
    /// Options whose value is a file of SQL (`-` is stdin).
    files: &'static [&'static str],
    database: &'static [&'static str],
    host: &'static [&'static str],
    /// Options that make the session read-only.
    readonly: &'static [&'static str],
    operands: Operands,
    meta: Meta,
}

const PSQL: Client = Client {
    dialect: Dialect::Postgres,
    spec: Spec {
        with_value: &[
            "-c",
            "--command",
            "-d",
            "--dbname",
            "-f",
            "--file",
            "-F",
            "--field-separator",
            "-h",
            "--host",
            "-L",
            "--log-file",
            "-o",
            "--output",
            "-p",
            "--port",
            "-P",
            "--pset",
            "-R",
            "--record-separator",
            "-T",
            "--table-attr",
            "-U",
            "--username",
            "-v",
            "--set",
            "--variable",
        ],
        attached_only: &[],
        single_dash_long: false,
    },
    sql: &["-c", "--command"],
    files: &["-f", "--file"],
    database: &["-d", "--dbname"],
    host: &["-h", "--host"],
    readonly: &[],
    operands: Operands::Database,
    meta: Meta::Backslash,
};

const MYSQL: Client = Client {
    dialect: Dialect::MySql,
    spec: Spec {
        with_value: &[
            "-e",
            "--execute",
            "-D",
            "--database",
            "-h",
            "--host",
            "-u",
            "--user",
            "-P",
            "--port",
            "-S",
            "--socket",
            "--init-command",
            "--default-character-set",
            "--login-path",
            "--defaults-file",
            "--defaults-extra-file",
            "--protocol",
            "--ssl-ca",
            "--ssl-cert",
            "--ssl-key",
            "--ssl-mode",
            "--connect-timeout",
        ],
        attached_only: &["-p"],
        single_dash_long: false,
    },
    sql: &["-e", "--execute", "--init-command"],
    files: &[],
    database: &["-D", "--database"],
    host: &["-h", "--host"],
    readonly: &[],
    operands: Operands::Database,
    meta: Meta::MySql,
};

const SQLITE: Client = Client {
    dialect: Dialect::Sqlite,
    spec: Spec {
        with_value: &[
            "-cmd",
            "--cmd",
            "-init",
            "--init",
            "-separator",
            "--separator",
            "-nullvalue",
            "--nullvalue",
            "-newline",
            "--newline",
            "-vfs",
            "--vfs",
            "-maxsize",
            "--maxsize",
            "-mmap",
            "--mmap",
            "-heap",
            "--heap",
            "-escape",
            "--escape",
            "-lookaside",
            "-pagecache",
        ],
        attached_only: &[],
        single_dash_long: true,
    },
    sql: &["-cmd", "--cmd"],
    files: &["-init", "--init"],
    database: &[],
    host: &[],
    readonly: &["-readonly", "--readonly"],
    operands: Operands::DatabaseThenSql,
    meta: Meta::Dot,
};

const DUCKDB: Client = Client {
    dialect: Dialect::DuckDb,
    spec: Spec {
        with_value: &[
            "-c",
            "-cmd",
            "-s",
            "-init",
            "-f",
            "-separator",
            "-nullvalue",
            "-newline",
        ],
        attached_only: &[],
        single_dash_long: true,
    },
    sql: &["-c", "-cmd", "-s"],
    files: &["-init", "-f"],
    database: &[],
    host: &[],
    readonly: &["-readonly"],
    operands: Operands::DatabaseThenSql,
    meta: Meta::Dot,
};

const CLICKHOUSE: Client = Client {
    dialect: Dialect::ClickHouse,
    spec: Spec {
        with_value: &[
            "-q",
            "--query",
            "-d",
            "--database",
            "-h",
            "--host",
            "--port",
            "-u",
            "--user",
            "--password",
            "--queries-file",
            "-f",
            "--format",
            "-C",
            "--config-file",
            "--config",
            "--history_file",
            "--max_threads",
            "--connection",
        ],
        attached_only: &[],
        single_dash_long: false,
    },
    sql: &["-q", "--query"],
    files: &["--queries-file"],
    database: &["-d", "--database"],
    host: &["-h", "--host"],
    readonly: &["--readonly=1", "--readonly"],
    operands: Operands::Sql,
    meta: Meta::None,
};

const CQLSH: Client = Client {
    dialect: Dialect::Generic,
    spec: Spec {
        with_value: &[
            "-e",
            "--execute",
            "-f",
            "--file",
            "-k",
            "--keyspace",
            "-u",
            "--username",
            "-p",
            "--password",
            "--cqlversion",
            "--encoding",
            "--request-timeout",
            "--connect-timeout",
            "--cqlshrc",
            "-b",
            "--secure-connect-bundle",
        ],
        attached_only: &[],
        single_dash_long: false,
    },
    sql: &["-e", "--execute"],
    files: &["-f", "--file"],
    database: &["-k", "--keyspace"],
    host: &[],
    readonly: &[],
    operands: Operands::Host,
    meta: Meta::None,
};

const SQLCMD: Client = Client {
    dialect: Dialect::MsSql,
    spec: Spec {
        with_value: &[
            "-S", "-U", "-P", "-d", "-Q", "-q", "-i", "-o", "-H", "-t", "-l", "-s", "-w", "-v",
            "-f", "-h", "-a",
        ],
        attached_only: &[],
        single_dash_long: false,
    },
    sql: &["-Q", "-q"],
    files: &["-i"],
    database: &["-d"],
    host: &["-S"],
    readonly: &[],
    operands: Operands::Ignored,
    meta: Meta::None,
};

const COCKROACH: Client = Client {
    dialect: Dialect::Postgres,
    spec: Spec {
        with_value: &[
            "-e",
            "--execute",
            "-d",
            "--database",
            "--url",
            "--host",
            "--port",
            "-u",
            "--user",
            "--certs-dir",
            "-f",
            "--file",
            "--set",
            "--format",
        ],
        attached_only: &[],
        single_dash_long: false,
    },
    sql: &["-e", "--execute"],
    files: &["-f", "--file"],
    database: &["-d", "--database"],
    host: &["--host", "--url"],
    readonly: &[],
    operands: Operands::Ignored,
    meta: Meta::Backslash,
};

/// The client an invocation runs, and where its own arguments start.
fn client(inv: &Invocation) -> Option<(&'static Client, &[Word])> {
    let args = inv.args.as_slice();
    let sub = |names: &[&str]| -> Option<&[Word]> {
        let first = args.iter().position(|w| !w.text().starts_with('-'))?;
        let w = args[first].lit()?;
        names.contains(&w.as_str()).then(|| &args[first + 1..])
    };
    let c: (&Client, &[Word]) = match inv.program.as_str() {
        "psql" => (&PSQL, args),
        "mysql" | "mariadb" | "mycli" => (&MYSQL, args),
        "sqlite3" | "sqlite" | "litecli" => (&SQLITE, args),
        "duckdb" => (&DUCKDB, args),
        "clickhouse-client" | "clickhouse-local" | "chc" | "chl" => (&CLICKHOUSE, args),
        "clickhouse" => (&CLICKHOUSE, sub(&["client", "local"])?),
        "cqlsh" => (&CQLSH, args),
        "sqlcmd" => (&SQLCMD, args),
        "cockroach" => (&COCKROACH, sub(&["sql", "demo"])?),
        _ => return None,
    };
    Some(c)
}

/// SQL found in one invocation, with where it comes from.
struct Found {
    /// The SQL texts, each with the word it came from (none for stdin and files).
    sources: Vec<(String, Option<Range<usize>>)>,
    /// A source that could not be analysed (a file too large to read).
    unreadable: Vec<String>,
    database: Option<String>,
    host: Option<String>,
    dialect: Dialect,
    meta: Meta,
}

fn find_sql(inv: &Invocation, ctx: &Context) -> Option<Found> {
    let (c, args) = client(inv)?;
    let items = opts::scan(args, &c.spec);
    if items.iter().any(|i| i.is(c.readonly)) {
        return None;
    }
    let mut found = Found {
        sources: Vec::new(),
        unreadable: Vec::new(),
        database: opts::values(&items, c.database).last().map(|w| w.text()),
        host: opts::values(&items, c.host).last().map(|w| w.text()),
        dialect: c.dialect,
        meta: c.meta,
    };
    let mut reads_stdin = true;
    for it in &items {
        let Item::Opt {
            name,
            value: Some(v),
        } = it
        else {
            continue;
        };
        if c.sql.contains(&name.as_str()) {
            reads_stdin = false;
            found
                .sources
                .push((opts::text_with(v, UNKNOWN), Some(v.span.clone())));
        } else if c.files.contains(&name.as_str()) {
            reads_stdin = false;
            if v.text() == "-" {
                stdin_sql(inv, &mut found);
            } else {
                file_sql(v, inv, ctx, &mut found);
            }
        }
    }
    let operands: Vec<&Word> = opts::operands(&items).collect();
    match c.operands {
        Operands::Database => {
            if let Some(first) = operands.first() {
                let t = first.text();
                let (db, host) = conninfo(&t);
                found.database = found.database.or(db);
                found.host = found.host.or(host);
            }
        }
        Operands::DatabaseThenSql => {
            if let Some(first) = operands.first() {
                found.database = Some(first.text());
            }
            for w in operands.iter().skip(1) {
                reads_stdin = false;
                found
                    .sources
                    .push((opts::text_with(w, UNKNOWN), Some(w.span.clone())));
            }
        }
        Operands::Sql => {
            for w in &operands {
                reads_stdin = false;
                found
                    .sources
                    .push((opts::text_with(w, UNKNOWN), Some(w.span.clone())));
            }
        }
        Operands::Host => found.host = operands.first().map(|w| w.text()),
        Operands::Ignored => {}
    }
    if reads_stdin {
        stdin_sql(inv, &mut found);
    }
    Some(found)
}

fn stdin_sql(inv: &Invocation, found: &mut Found) {
    match &inv.stdin {
        Stdin::Text { text, .. } => found.sources.push((text.clone(), None)),
        Stdin::File(p) if !inv.remote => read_file(p, inv, found),
        _ => {}
    }
}

fn file_sql(w: &Word, inv: &Invocation, ctx: &Context, found: &mut Found) {
    if inv.remote {
        return;
    }
    let Some(t) = w.lit() else { return };
    if let Some(p) = resolve(&t, inv.cwd.as_deref(), ctx.home.as_deref()) {
        read_file(&p, inv, found);
    }
}

fn read_file(p: &Path, inv: &Invocation, found: &mut Found) {
    match inv.file_text(p, MAX_FILE_BYTES) {
        FileText::Text(text) => found.sources.push((text, None)),
        FileText::TooLarge(len) => found.unreadable.push(format!(
            "file {} is {} MB, too large to check",
            p.display(),
            len / (1024 * 1024)
        )),
        FileText::Missing => {}
    }
}

/// The database and host named by a psql DBNAME operand: a plain name, a URI
/// (`postgres://u@host:5432/db`) or a conninfo string (`host=h dbname=d`).
fn conninfo(t: &str) -> (Option<String>, Option<String>) {
    if let Some(rest) = t
        .strip_prefix("postgres://")
        .or_else(|| t.strip_prefix("postgresql://"))
    {
        let rest = rest.split(['?', '#']).next().unwrap_or("");
        let (authority, db) = rest.split_once('/').unwrap_or((rest, ""));
        let host = authority.rsplit('@').next().unwrap_or("");
        let host = host.split(':').next().unwrap_or("");
        let some = |s: &str| (!s.is_empty()).then(|| s.to_string());
        return (some(db), some(host));
    }
    if t.contains('=') {
        let mut db = None;
        let mut host = None;
        for kv in t.split_whitespace() {
            match kv.split_once('=') {
                Some(("dbname", v)) => db = Some(v.to_string()),
                Some(("host", v)) => host = Some(v.to_string()),
                _ => {}
            }
        }
        return (db, host);
    }
    (Some(t.to_string()), None)
}

/// One analysed SQL text: its dialect, the text, and what it holds.
type Analysed = (Dialect, String, Rc<Vec<Issue>>);

thread_local! {
    /// Recent analyses: the three SQL rules ask about the same text in a row.
    static RECENT: RefCell<Vec<Analysed>> = const { RefCell::new(Vec::new()) };
}

/// Every destructive statement in one SQL text (memoised on the exact text).
fn issues_of(text: &str, dialect: Dialect, meta: Meta) -> Rc<Vec<Issue>> {
    let cached = RECENT.with(|r| {
        r.borrow()
            .iter()
            .find(|(d, t, _)| *d == dialect && t == text)
            .map(|(_, _, v)| v.clone())
    });
    if let Some(v) = cached {
        return v;
    }
    let v = Rc::new(analyse(text, dialect, meta));
    RECENT.with(|r| {
        let mut r = r.borrow_mut();
        if r.len() >= 8 {
            r.remove(0);
        }
        r.push((dialect, text.to_string(), v.clone()));
    });
    v
}

/// `sql.destructive`: the client would run SQL of the kind `with.kind` names
/// (`drop`, `unfiltered`, `unparsed`).
pub fn destructive(
    inv: &Invocation,
    _view: &ArgView,
    ctx: &Context,
    params: super::Params,
) -> Vec<Hit> {
    let Some(kind) = params.get("kind").and_then(Kind::parse) else {
        return Vec::new();
    };
    let Some(found) = find_sql(inv, ctx) else {
        return Vec::new();
    };
    if scratch_database(&found) {
        return Vec::new();
    }
    let mut hits: Vec<Hit> = Vec::new();
    let place = where_(&found);
    if kind == Kind::Unparsed {
        for u in &found.unreadable {
            hits.push(Hit {
                span: None,
                detail: Some(format!("{u}{place}")),
            });
        }
    }
    for (text, span) in &found.sources {
        let issues = issues_of(text, found.dialect, found.meta);
        for issue in issues.iter().filter(|i| i.kind == kind) {
            hits.push(Hit {
                span: span.clone(),
                detail: Some(format!("{}{place}", issue.what)),
            });
        }
    }
    hits
}

/// An in-memory SQLite or DuckDB database (`sqlite3 :memory: …`) lives only as long as
/// the client: nothing it drops outlives the command, unless the SQL attaches or
/// opens a real database file.
fn scratch_database(found: &Found) -> bool {
    let in_memory = matches!(found.dialect, Dialect::Sqlite | Dialect::DuckDb)
        && found
            .database
            .as_deref()
            .is_some_and(|d| d == ":memory:" || d.starts_with("file::memory:"));
    in_memory
        && found.unreadable.is_empty()
        && found.sources.iter().all(|(t, _)| {
            let t = t.to_ascii_lowercase();
            !t.contains("attach") && !t.contains(".open") && !t.contains(".restore")
        })
}

fn where_(found: &Found) -> String {
    let mut s = String::new();
    if let Some(db) = &found.database {
        s.push_str(&format!(" in database {db}"));
    }
    if let Some(h) = &found.host {
        s.push_str(&format!(" on {h}"));
    }
    s
}

/// Analyse SQL text as the given client would send it.
pub fn analyse(text: &str, dialect: Dialect, meta: Meta) -> Vec<Issue> {
    let sql = strip_meta(text, meta);
    if sql.len() > MAX_PARSE_BYTES {
        return keyword_scan_text(&sql, "too large to parse");
    }
    let d = dialect.get();
    let tokens = match Tokenizer::new(d.as_ref(), &sql).tokenize_with_location() {
        Ok(t) => t,
        Err(_) => match Tokenizer::new(&GenericDialect {}, &sql).tokenize_with_location() {
            Ok(t) => t,
            Err(_) => return keyword_scan_text(&sql, "could not be parsed"),
        },
    };
    // Fast path: the whole text parses.
    let mut parser = Parser::new(d.as_ref()).with_tokens_with_locations(tokens.clone());
    if let Ok(stmts) = parser.parse_statements() {
        if parser.peek_token_ref().token == Token::EOF {
            return stmts.iter().flat_map(judge).collect();
        }
    }
    // Statement by statement, skipping past what does not parse.
    let mut out = Vec::new();
    for chunk in tokens.split(|t| t.token == Token::SemiColon) {
        if chunk
            .iter()
            .all(|t| matches!(t.token, Token::Whitespace(_)))
        {
            continue;
        }
        match parse_one(chunk, d.as_ref()).or_else(|| parse_one(chunk, &GenericDialect {})) {
            Some(stmt) => out.extend(judge(&stmt)),
            None => out.extend(keyword_scan_tokens(chunk)),
        }
    }
    out
}

fn parse_one(chunk: &[TokenWithSpan], d: &dyn SqlDialect) -> Option<Statement> {
    let mut p = Parser::new(d).with_tokens_with_locations(chunk.to_vec());
    let stmt = p.parse_statement().ok()?;
    (p.peek_token_ref().token == Token::EOF).then_some(stmt)
}

const DESTRUCTIVE_KEYWORDS: &[&str] = &["DROP", "TRUNCATE", "DELETE", "UPDATE", "PURGE"];

fn unparsed(word: &str, why: &str) -> Issue {
    Issue {
        kind: Kind::Unparsed,
        what: format!("SQL that {why} contains {word}"),
    }
}

fn keyword_scan_tokens(chunk: &[TokenWithSpan]) -> Vec<Issue> {
    // A statement that starts `DROP …` or `TRUNCATE …` drops, whatever follows
    // (`DROP KEYSPACE shop` in CQL, dialect extensions sqlparser does not know).
    let words: Vec<&str> = chunk
        .iter()
        .filter(|t| !matches!(t.token, Token::Whitespace(_)))
        .take(4)
        .map_while(|t| match &t.token {
            Token::Word(w) => Some(w.value.as_str()),
            _ => None,
        })
        .collect();
    if let Some(first) = words.first() {
        let up = first.to_ascii_uppercase();
        if up == "DROP" || up == "TRUNCATE" {
            return vec![issue(Kind::Drop, words.join(" "))];
        }
    }
    for t in chunk {
        if let Token::Word(w) = &t.token {
            if w.quote_style.is_none() {
                let up = w.value.to_ascii_uppercase();
                if DESTRUCTIVE_KEYWORDS.contains(&up.as_str()) {
                    return vec![unparsed(&up, "could not be parsed")];
                }
            }
        }
    }
    Vec::new()
}

fn keyword_scan_text(text: &str, why: &str) -> Vec<Issue> {
    for word in text.split(|c: char| !c.is_ascii_alphanumeric() && c != '_') {
        if word.len() >= 4 && word.len() <= 8 {
            let up = word.to_ascii_uppercase();
            if DESTRUCTIVE_KEYWORDS.contains(&up.as_str()) {
                return vec![unparsed(&up, why)];
            }
        }
    }
    Vec::new()
}

/// Shorten a statement for a message.
fn short(s: String) -> String {
    const MAX: usize = 120;
    if s.len() <= MAX {
        return s;
    }
    let mut cut = MAX;
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}…", &s[..cut])
}

fn issue(kind: Kind, what: String) -> Issue {
    Issue {
        kind,
        what: short(what),
    }
}

fn judge(stmt: &Statement) -> Vec<Issue> {
    let mut out = Vec::new();
    match stmt {
        Statement::Drop {
            object_type,
            names,
            temporary: false,
            ..
        } if matches!(
            object_type,
            ObjectType::Table | ObjectType::Schema | ObjectType::Database
        ) =>
        {
            let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
            out.push(issue(
                Kind::Drop,
                format!("DROP {object_type} {}", names.join(", ")),
            ));
        }
        Statement::Truncate(t) => {
            let names: Vec<String> = t.table_names.iter().map(|n| n.name.to_string()).collect();
            out.push(issue(Kind::Drop, format!("TRUNCATE {}", names.join(", "))));
        }
        Statement::Delete(d) => {
            let tables = match &d.from {
                FromTable::WithFromKeyword(t) | FromTable::WithoutKeyword(t) => t,
            };
            let joined = tables.iter().any(|t| !t.joins.is_empty());
            let names: Vec<String> = if d.tables.is_empty() {
                tables.iter().map(|t| t.relation.to_string()).collect()
            } else {
                d.tables.iter().map(|t| t.to_string()).collect()
            };
            let names = names.join(", ");
            match &d.selection {
                None if d.using.is_none() && d.limit.is_none() && !joined => out.push(issue(
                    Kind::Unfiltered,
                    format!("DELETE FROM {names} without WHERE"),
                )),
                Some(e) if always_true(e) => out.push(issue(
                    Kind::Unfiltered,
                    format!("DELETE FROM {names} WHERE {e}, which is always true"),
                )),
                _ => {}
            }
        }
        Statement::Update(u) => {
            let table = u.table.relation.to_string();
            match &u.selection {
                None if u.limit.is_none() => out.push(issue(
                    Kind::Unfiltered,
                    format!("UPDATE {table} without WHERE"),
                )),
                Some(e) if always_true(e) => out.push(issue(
                    Kind::Unfiltered,
                    format!("UPDATE {table} WHERE {e}, which is always true"),
                )),
                _ => {}
            }
        }
        Statement::AlterTable(a) => {
            for op in &a.operations {
                match op {
                    AlterTableOperation::DropColumn { column_names, .. } => {
                        let cols: Vec<String> =
                            column_names.iter().map(|c| c.to_string()).collect();
                        out.push(issue(
                            Kind::Drop,
                            format!("ALTER TABLE {} DROP COLUMN {}", a.name, cols.join(", ")),
                        ));
                    }
                    AlterTableOperation::DropPartitions { .. } => out.push(issue(
                        Kind::Drop,
                        format!("ALTER TABLE {} DROP PARTITION", a.name),
                    )),
                    _ => {}
                }
            }
        }
        Statement::CreateTable(c) if c.or_replace => out.push(issue(
            Kind::Drop,
            format!(
                "CREATE OR REPLACE TABLE {} replaces the table and its rows",
                c.name
            ),
        )),
        _ => {}
    }
    out
}

/// A WHERE that every row satisfies: `1=1`, `TRUE`, `1`, `x = x`, `… OR 1=1`.
fn always_true(e: &Expr) -> bool {
    match e {
        Expr::Value(v) => match &v.value {
            Value::Boolean(b) => *b,
            Value::Number(n, _) => !n.to_string().trim_start_matches(['0', '.']).is_empty(),
            _ => false,
        },
        Expr::Nested(inner) => always_true(inner),
        Expr::BinaryOp { left, op, right } => match op {
            BinaryOperator::Or => always_true(left) || always_true(right),
            BinaryOperator::And => always_true(left) && always_true(right),
            BinaryOperator::Eq | BinaryOperator::GtEq | BinaryOperator::LtEq => {
                left.to_string() == right.to_string()
            }
            _ => false,
        },
        _ => false,
    }
}

/// Remove what the client handles itself, so the parser sees only SQL.
fn strip_meta(text: &str, meta: Meta) -> String {
    match meta {
        Meta::Backslash => strip_psql(text),
        Meta::Dot => text
            .lines()
            .filter(|l| !l.trim_start().starts_with('.'))
            .collect::<Vec<_>>()
            .join("\n"),
        Meta::MySql => strip_mysql(text),
        Meta::None => text.to_string(),
    }
}

/// psql: a backslash outside quotes starts a meta-command that runs to the end of
/// the line; `:var`, `:'var'` and `:"var"` are variables psql substitutes.
fn strip_psql(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.char_indices().peekable();
    let mut quote: Option<char> = None;
    let mut dollar: Option<String> = None;
    let mut prev = '\0';
    while let Some((i, c)) = chars.next() {
        if let Some(tag) = &dollar {
            if text[i..].starts_with(tag.as_str()) {
                out.push_str(tag);
                for _ in 1..tag.chars().count() {
                    chars.next();
                }
                dollar = None;
            } else {
                out.push(c);
            }
            prev = c;
            continue;
        }
        if let Some(q) = quote {
            out.push(c);
            if c == q {
                quote = None;
            }
            prev = c;
            continue;
        }
        match c {
            '\'' | '"' => {
                quote = Some(c);
                out.push(c);
            }
            '$' => {
                let rest = &text[i + 1..];
                let end = rest.find(|x: char| !(x.is_alphanumeric() || x == '_'));
                match end {
                    Some(e) if rest[e..].starts_with('$') && !prev.is_alphanumeric() => {
                        let tag = format!("${}$", &rest[..e]);
                        out.push_str(&tag);
                        for _ in 0..tag.chars().count() - 1 {
                            chars.next();
                        }
                        dollar = Some(tag);
                    }
                    _ => out.push(c),
                }
            }
            '-' if text[i..].starts_with("--") => {
                for (_, x) in chars.by_ref() {
                    if x == '\n' {
                        break;
                    }
                }
                out.push('\n');
            }
            '\\' => {
                for (_, x) in chars.by_ref() {
                    if x == '\n' {
                        break;
                    }
                }
                // A meta-command ends the statement, as `;` would.
                out.push_str(";\n");
            }
            ':' if prev != ':' => match chars.peek().map(|(_, x)| *x) {
                Some('\'') | Some('"') => {}
                Some(x) if x.is_alphabetic() || x == '_' => out.push_str("__psql_var_"),
                _ => out.push(c),
            },
            _ => out.push(c),
        }
        prev = c;
    }
    out
}

/// mysql: `\G` and `\g` end a statement; `DELIMITER x` changes the terminator;
/// `source`, `use` and other client commands on their own line are not SQL.
fn strip_mysql(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut delimiter = ";".to_string();
    for line in text.lines() {
        let t = line.trim_start();
        let lower: String = t.chars().take(10).collect::<String>().to_ascii_lowercase();
        if lower.starts_with("delimiter")
            && t.as_bytes().get(9).is_none_or(|b| b.is_ascii_whitespace())
        {
            delimiter = t[9..].trim().to_string();
            if delimiter.is_empty() {
                delimiter = ";".into();
            }
            out.push_str(";\n");
            continue;
        }
        if lower.starts_with("source ") || lower.starts_with("\\.") {
            continue;
        }
        let mut l = line.replace("\\G", ";").replace("\\g", ";");
        if delimiter != ";" {
            l = l.replace(delimiter.as_str(), ";");
        }
        out.push_str(&l);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(sql: &str, d: Dialect, m: Meta) -> Vec<Kind> {
        analyse(sql, d, m).into_iter().map(|i| i.kind).collect()
    }

    #[test]
    fn statements() {
        let pg = |s| kinds(s, Dialect::Postgres, Meta::Backslash);
        assert_eq!(pg("DROP TABLE users"), [Kind::Drop]);
        assert_eq!(pg("drop schema public cascade"), [Kind::Drop]);
        assert_eq!(pg("TRUNCATE users"), [Kind::Drop]);
        assert_eq!(pg("DELETE FROM users"), [Kind::Unfiltered]);
        assert_eq!(pg("DELETE FROM users WHERE 1=1"), [Kind::Unfiltered]);
        assert_eq!(pg("UPDATE users SET a = 1"), [Kind::Unfiltered]);
        assert_eq!(pg("ALTER TABLE users DROP COLUMN email"), [Kind::Drop]);
        assert!(pg("DELETE FROM users WHERE id = 3").is_empty());
        assert!(pg("UPDATE users SET a = 1 WHERE id = __psql_var_id").is_empty());
        assert!(pg("SELECT 'DROP TABLE users'").is_empty());
        assert!(pg("CREATE TABLE t (id int); INSERT INTO t VALUES (1)").is_empty());
        assert!(pg("DROP INDEX idx").is_empty());
    }

    #[test]
    fn psql_meta_commands_and_variables() {
        let pg = |s| kinds(s, Dialect::Postgres, Meta::Backslash);
        assert_eq!(pg("\\c prod\nDROP TABLE users;\n\\q"), [Kind::Drop]);
        assert!(pg("\\dt\nSELECT 1 \\gx\n").is_empty());
        assert!(pg("DELETE FROM t WHERE id = :id").is_empty());
        assert!(pg("DELETE FROM t WHERE id = :'id'").is_empty());
        assert!(pg("SELECT '\\not meta'; SELECT 1::int").is_empty());
        assert!(
            pg("CREATE FUNCTION f() RETURNS void AS $$ DELETE FROM t $$ LANGUAGE sql").is_empty()
        );
    }

    #[test]
    fn one_bad_statement_does_not_hide_the_next() {
        let pg = |s| kinds(s, Dialect::Postgres, Meta::Backslash);
        assert_eq!(pg("SELEC 1; DROP TABLE users;"), [Kind::Drop]);
        assert_eq!(pg("FROB the DROP thing"), [Kind::Unparsed]);
        assert_eq!(
            analyse("DROP KEYSPACE shop", Dialect::Generic, Meta::None),
            [Issue {
                kind: Kind::Drop,
                what: "DROP KEYSPACE shop".into()
            }]
        );
        assert!(pg("FROB nothing").is_empty());
        assert_eq!(pg("SELECT 'unterminated; DROP TABLE x"), [Kind::Unparsed]);
    }

    #[test]
    fn mysql_forms() {
        let my = |s| kinds(s, Dialect::MySql, Meta::MySql);
        assert_eq!(my("DROP DATABASE `prod`"), [Kind::Drop]);
        assert!(my("DELETE t1 FROM t1 JOIN t2 ON t1.id = t2.id").is_empty());
        assert!(my("DELETE FROM t LIMIT 10").is_empty());
        assert!(my("SELECT * FROM t\\G").is_empty());
        assert!(my("DROP TEMPORARY TABLE tmp").is_empty());
    }
}
