//! SQL that a database client would run: in its options (`psql -c`, `mysql -e`,
//! `clickhouse-client --query`), its operands (`sqlite3 DB 'SQL'`), files (`-f FILE`)
//! and stdin (heredocs, here-strings, pipes). It is parsed with sqlparser in the
//! client's dialect, statement by statement, so that `SELECT 'DROP TABLE x'` is data
//! and `DELETE … WHERE` passes while `DELETE` without one does not.
//!
//! `clients` knows each client's options and operands; `forms` parses the SQL and
//! judges its statements and the client's own meta-commands.

mod clients;
mod forms;
mod meta;

pub use forms::analyse;

use super::opts::{self, Item};
use super::Hit;
use crate::model::invocation::{FileText, Invocation, Stdin};
use crate::model::paths::resolve;
use crate::model::Context;
use crate::specs::args::ArgView;
use crate::syntax::word::{Part, Word};
use clients::{client, conninfo, Operands};
use sqlparser::dialect::{
    ClickHouseDialect, Dialect as SqlDialect, DuckDbDialect, GenericDialect, MsSqlDialect,
    MySqlDialect, PostgreSqlDialect, SQLiteDialect,
};
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
    /// A client command that runs a shell command (`\!`, `.shell`, `system`).
    Shell,
}

impl Kind {
    fn parse(s: &str) -> Option<Kind> {
        match s {
            "drop" => Some(Kind::Drop),
            "unfiltered" => Some(Kind::Unfiltered),
            "unparsed" => Some(Kind::Unparsed),
            "shell" => Some(Kind::Shell),
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
    /// snowsql, beeline: `!set`, `!source f`, `!system cmd` at the start of a line.
    Bang,
    None,
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

impl Found {
    /// SQL given as a word. One that is wholly an expansion (`psql -c "$Q"`,
    /// `mysql -e "$(gen)"`) is only known when it runs: it cannot be judged here.
    fn push_word(&mut self, w: &Word) {
        let computed = w.is_dynamic()
            && w.parts.iter().all(|p| match p {
                Part::Lit(t) => t.trim().is_empty(),
                Part::Unknown { .. } => true,
            });
        if computed {
            self.unreadable.push(format!(
                "the SQL is `{}`, only known when it runs",
                w.text()
            ));
        } else {
            self.sources
                .push((opts::text_with(w, UNKNOWN), Some(w.span.clone())));
        }
    }
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
            found.push_word(v);
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
                found.push_word(w);
            }
        }
        Operands::Sql => {
            for w in &operands {
                reads_stdin = false;
                found.push_word(w);
            }
        }
        Operands::Host => found.host = operands.first().map(|w| w.text()),
        Operands::Ignored => {}
    }
    if reads_stdin && (c.stdin_with.is_empty() || items.iter().any(|i| i.is(c.stdin_with))) {
        stdin_sql(inv, &mut found);
    }
    included_sql(inv, ctx, &mut found);
    Some(found)
}

/// Files of SQL read at most through includes, per invocation (`\i a.sql` in a.sql).
const MAX_INCLUDES: usize = 16;

/// The files the SQL reads in turn (`\i f`, `source f`, `.read f`, `!source f`) are
/// SQL the client runs too. One that cannot be read here cannot be judged.
fn included_sql(inv: &Invocation, ctx: &Context, found: &mut Found) {
    let mut next = 0;
    let mut read = 0;
    while next < found.sources.len() {
        let (_, escapes) = meta::strip(&found.sources[next].0, found.meta);
        next += 1;
        for e in escapes {
            let meta::Escape::Include(name) = e else {
                continue;
            };
            read += 1;
            if read > MAX_INCLUDES {
                found.unreadable.push(format!(
                    "more than {MAX_INCLUDES} files of SQL are read in turn (next: {name})"
                ));
                return;
            }
            let path = (!inv.remote)
                .then(|| resolve(&name, inv.cwd.as_deref(), ctx.home.as_deref()))
                .flatten();
            let before = found.sources.len() + found.unreadable.len();
            if let Some(p) = &path {
                read_file(p, inv, found);
            }
            if found.sources.len() + found.unreadable.len() == before {
                found.unreadable.push(format!(
                    "the SQL runs the file {name}, which cannot be read here"
                ));
            }
        }
    }
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
