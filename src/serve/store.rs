//! The service's state: requests and their signed answers, approvers (token hashes)
//! and browser sessions (hashes). SQLite in the state directory by default (one file,
//! nothing to set up), PostgreSQL when `database` names one, so several replicas can
//! share it. The SQL is written once, with `$N` placeholders (SQLite reads them as
//! `?N`); every change that must happen once (a decision, spending an approval) is one
//! conditional `UPDATE`, so replicas racing on it cannot both win.
//!
//! Nothing in here can make an approval by itself: answers are signed when an
//! approver decides, with the key only the service holds; the database keeps the
//! signed text.

use std::path::Path;

/// A value passed to or read from the database.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    I(i64),
    S(String),
    /// A NULL text.
    Null,
    /// A NULL integer (PostgreSQL checks the type of a NULL parameter too).
    NullI,
}

impl Val {
    pub fn int(&self) -> i64 {
        match self {
            Val::I(i) => *i,
            _ => 0,
        }
    }
    pub fn text(&self) -> String {
        match self {
            Val::S(s) => s.clone(),
            _ => String::new(),
        }
    }
    pub fn opt(&self) -> Option<String> {
        match self {
            Val::S(s) => Some(s.clone()),
            _ => None,
        }
    }
}

/// The kind of a column read back.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    Int,
    Text,
}

pub enum Db {
    Sqlite(rusqlite::Connection),
    /// The client and its connection string (to connect again after the server
    /// restarted or dropped the connection).
    Postgres(Box<postgres::Client>, String),
}

const SCHEMA: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS approvers (
        name TEXT PRIMARY KEY,
        token_sha256 TEXT NOT NULL UNIQUE,
        created BIGINT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS sessions (
        token_sha256 TEXT PRIMARY KEY,
        approver TEXT NOT NULL,
        expires BIGINT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS requests (
        id TEXT PRIMARY KEY,
        nonce TEXT NOT NULL,
        command TEXT NOT NULL,
        command_sha256 TEXT NOT NULL,
        host TEXT NOT NULL,
        usr TEXT NOT NULL,
        cwd TEXT NOT NULL,
        repository TEXT NOT NULL,
        agent TEXT NOT NULL,
        rules TEXT NOT NULL,
        phrase TEXT,
        created BIGINT NOT NULL,
        expires BIGINT NOT NULL,
        status TEXT NOT NULL,
        approver TEXT,
        decided_at BIGINT,
        payload TEXT,
        signature TEXT,
        spent BIGINT NOT NULL DEFAULT 0,
        carried_from TEXT)",
    "CREATE INDEX IF NOT EXISTS requests_status ON requests (status, created)",
];

/// The columns of a request row, in order.
pub const ROW: &str = "id, nonce, command, command_sha256, host, usr, cwd, repository, agent, rules, phrase, created, expires, status, approver, decided_at, payload, signature, spent, carried_from";
const ROW_KINDS: &[Kind] = &[
    Kind::Text,
    Kind::Text,
    Kind::Text,
    Kind::Text,
    Kind::Text,
    Kind::Text,
    Kind::Text,
    Kind::Text,
    Kind::Text,
    Kind::Text,
    Kind::Text,
    Kind::Int,
    Kind::Int,
    Kind::Text,
    Kind::Text,
    Kind::Int,
    Kind::Text,
    Kind::Text,
    Kind::Int,
    Kind::Text,
];

/// One request as stored.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Row {
    pub id: String,
    pub nonce: String,
    pub command: String,
    pub command_sha256: String,
    pub host: String,
    pub user: String,
    pub cwd: String,
    pub repository: String,
    pub agent: String,
    /// JSON list of `RuleSummary`.
    pub rules: String,
    /// What an approver types to approve a denied command.
    pub phrase: Option<String>,
    pub created: i64,
    pub expires: i64,
    /// `pending`, `approved`, `denied`.
    pub status: String,
    pub approver: Option<String>,
    pub decided_at: Option<i64>,
    pub payload: Option<String>,
    pub signature: Option<String>,
    pub spent: bool,
    pub carried_from: Option<String>,
}

impl Row {
    fn from_vals(v: &[Val]) -> Row {
        Row {
            id: v[0].text(),
            nonce: v[1].text(),
            command: v[2].text(),
            command_sha256: v[3].text(),
            host: v[4].text(),
            user: v[5].text(),
            cwd: v[6].text(),
            repository: v[7].text(),
            agent: v[8].text(),
            rules: v[9].text(),
            phrase: v[10].opt(),
            created: v[11].int(),
            expires: v[12].int(),
            status: v[13].text(),
            approver: v[14].opt(),
            decided_at: match v[15] {
                Val::I(i) => Some(i),
                _ => None,
            },
            payload: v[16].opt(),
            signature: v[17].opt(),
            spent: v[18].int() != 0,
            carried_from: v[19].opt(),
        }
    }
}

fn opt(v: &Option<String>) -> Val {
    v.clone().map(Val::S).unwrap_or(Val::Null)
}

impl Db {
    /// Open the database: `database` is a `postgresql://` (or `postgres://`) URL or
    /// key=value connection string; otherwise SQLite at `sqlite_path`.
    pub fn open(database: Option<&str>, sqlite_path: &Path) -> Result<Db, String> {
        let mut db = match database.map(str::trim).filter(|d| !d.is_empty()) {
            Some(url) => {
                let client = postgres::Client::connect(url, postgres::NoTls)
                    .map_err(|e| format!("cannot connect to PostgreSQL: {e}"))?;
                Db::Postgres(Box::new(client), url.to_string())
            }
            None => {
                let c = rusqlite::Connection::open(sqlite_path)
                    .map_err(|e| format!("cannot open {}: {e}", sqlite_path.display()))?;
                c.busy_timeout(std::time::Duration::from_secs(5))
                    .map_err(|e| e.to_string())?;
                // Several processes may share the file (one service, `--add-approver`).
                let _ = c.pragma_update(None, "journal_mode", "WAL");
                set_private(sqlite_path);
                Db::Sqlite(c)
            }
        };
        for s in SCHEMA {
            db.exec(s, &[])?;
        }
        Ok(db)
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Db::Sqlite(_) => "sqlite",
            Db::Postgres(..) => "postgresql",
        }
    }

    /// A PostgreSQL connection that was closed is opened again before it is used.
    fn reconnect(&mut self) -> Result<(), String> {
        if let Db::Postgres(c, url) = self {
            if c.is_closed() {
                **c = postgres::Client::connect(url, postgres::NoTls)
                    .map_err(|e| format!("cannot connect to PostgreSQL again: {e}"))?;
            }
        }
        Ok(())
    }

    /// Run a statement; the number of rows it changed. On PostgreSQL, a statement
    /// that failed because the connection was lost (the server restarted) is tried
    /// once more on a new connection.
    pub fn exec(&mut self, sql: &str, params: &[Val]) -> Result<u64, String> {
        self.reconnect()?;
        let r = self.exec_once(sql, params);
        if r.is_err() && self.lost() {
            self.reconnect()?;
            return self.exec_once(sql, params);
        }
        r
    }

    /// Whether the PostgreSQL connection is gone.
    fn lost(&self) -> bool {
        matches!(self, Db::Postgres(c, _) if c.is_closed())
    }

    fn exec_once(&mut self, sql: &str, params: &[Val]) -> Result<u64, String> {
        match self {
            Db::Sqlite(c) => {
                let sql = sql.replace('$', "?");
                let p: Vec<rusqlite::types::Value> = params.iter().map(sqlite_val).collect();
                c.execute(&sql, rusqlite::params_from_iter(p))
                    .map(|n| n as u64)
                    .map_err(|e| format!("database: {e}"))
            }
            Db::Postgres(c, _) => {
                let owned = pg_params(params);
                let refs: Vec<&(dyn postgres::types::ToSql + Sync)> =
                    owned.iter().map(|b| b.as_ref()).collect();
                c.execute(sql, &refs).map_err(|e| format!("database: {e}"))
            }
        }
    }

    /// Run a query; each row's columns read as `kinds` says.
    pub fn query(
        &mut self,
        sql: &str,
        params: &[Val],
        kinds: &[Kind],
    ) -> Result<Vec<Vec<Val>>, String> {
        self.reconnect()?;
        let r = self.query_once(sql, params, kinds);
        if r.is_err() && self.lost() {
            self.reconnect()?;
            return self.query_once(sql, params, kinds);
        }
        r
    }

    fn query_once(
        &mut self,
        sql: &str,
        params: &[Val],
        kinds: &[Kind],
    ) -> Result<Vec<Vec<Val>>, String> {
        match self {
            Db::Sqlite(c) => {
                let sql = sql.replace('$', "?");
                let p: Vec<rusqlite::types::Value> = params.iter().map(sqlite_val).collect();
                let mut st = c.prepare(&sql).map_err(|e| format!("database: {e}"))?;
                let mut rows = st
                    .query(rusqlite::params_from_iter(p))
                    .map_err(|e| format!("database: {e}"))?;
                let mut out = Vec::new();
                while let Some(r) = rows.next().map_err(|e| format!("database: {e}"))? {
                    let mut vals = Vec::with_capacity(kinds.len());
                    for (i, _) in kinds.iter().enumerate() {
                        let v: rusqlite::types::Value =
                            r.get(i).map_err(|e| format!("database: {e}"))?;
                        vals.push(match v {
                            rusqlite::types::Value::Integer(i) => Val::I(i),
                            rusqlite::types::Value::Text(t) => Val::S(t),
                            _ => Val::Null,
                        });
                    }
                    out.push(vals);
                }
                Ok(out)
            }
            Db::Postgres(c, _) => {
                let owned = pg_params(params);
                let refs: Vec<&(dyn postgres::types::ToSql + Sync)> =
                    owned.iter().map(|b| b.as_ref()).collect();
                let rows = c.query(sql, &refs).map_err(|e| format!("database: {e}"))?;
                let mut out = Vec::new();
                for r in rows {
                    let mut vals = Vec::with_capacity(kinds.len());
                    for (i, k) in kinds.iter().enumerate() {
                        vals.push(match k {
                            Kind::Int => r
                                .try_get::<_, Option<i64>>(i)
                                .map_err(|e| format!("database: {e}"))?
                                .map(Val::I)
                                .unwrap_or(Val::Null),
                            Kind::Text => r
                                .try_get::<_, Option<String>>(i)
                                .map_err(|e| format!("database: {e}"))?
                                .map(Val::S)
                                .unwrap_or(Val::Null),
                        });
                    }
                    out.push(vals);
                }
                Ok(out)
            }
        }
    }

    // --- approvers and sessions ---

    /// Add an approver (or give an existing one a new token).
    pub fn set_approver(&mut self, name: &str, token_sha256: &str, now: i64) -> Result<(), String> {
        self.exec(
            "DELETE FROM approvers WHERE name = $1",
            &[Val::S(name.into())],
        )?;
        self.exec(
            "INSERT INTO approvers (name, token_sha256, created) VALUES ($1, $2, $3)",
            &[
                Val::S(name.into()),
                Val::S(token_sha256.into()),
                Val::I(now),
            ],
        )?;
        Ok(())
    }

    pub fn remove_approver(&mut self, name: &str) -> Result<bool, String> {
        self.exec(
            "DELETE FROM sessions WHERE approver = $1",
            &[Val::S(name.into())],
        )?;
        Ok(self.exec(
            "DELETE FROM approvers WHERE name = $1",
            &[Val::S(name.into())],
        )? > 0)
    }

    /// The approver whose token hashes to this.
    pub fn approver_by_token(&mut self, token_sha256: &str) -> Result<Option<String>, String> {
        let r = self.query(
            "SELECT name FROM approvers WHERE token_sha256 = $1",
            &[Val::S(token_sha256.into())],
            &[Kind::Text],
        )?;
        Ok(r.first().map(|v| v[0].text()))
    }

    pub fn approvers(&mut self) -> Result<Vec<String>, String> {
        let r = self.query(
            "SELECT name FROM approvers ORDER BY name",
            &[],
            &[Kind::Text],
        )?;
        Ok(r.into_iter().map(|v| v[0].text()).collect())
    }

    pub fn add_session(
        &mut self,
        token_sha256: &str,
        approver: &str,
        expires: i64,
    ) -> Result<(), String> {
        self.exec(
            "INSERT INTO sessions (token_sha256, approver, expires) VALUES ($1, $2, $3)",
            &[
                Val::S(token_sha256.into()),
                Val::S(approver.into()),
                Val::I(expires),
            ],
        )?;
        Ok(())
    }

    /// The approver of a live session (whose approver still exists).
    pub fn session(&mut self, token_sha256: &str, now: i64) -> Result<Option<String>, String> {
        let r = self.query(
            "SELECT s.approver FROM sessions s JOIN approvers a ON a.name = s.approver WHERE s.token_sha256 = $1 AND s.expires > $2",
            &[Val::S(token_sha256.into()), Val::I(now)],
            &[Kind::Text],
        )?;
        Ok(r.first().map(|v| v[0].text()))
    }

    pub fn end_session(&mut self, token_sha256: &str) -> Result<(), String> {
        self.exec(
            "DELETE FROM sessions WHERE token_sha256 = $1",
            &[Val::S(token_sha256.into())],
        )?;
        Ok(())
    }

    // --- requests ---

    /// Store a new request; false when its id is taken.
    pub fn insert(&mut self, r: &Row) -> Result<bool, String> {
        if self.get(&r.id)?.is_some() {
            return Ok(false);
        }
        let n = self.exec(
            &format!("INSERT INTO requests ({ROW}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)"),
            &[
                Val::S(r.id.clone()),
                Val::S(r.nonce.clone()),
                Val::S(r.command.clone()),
                Val::S(r.command_sha256.clone()),
                Val::S(r.host.clone()),
                Val::S(r.user.clone()),
                Val::S(r.cwd.clone()),
                Val::S(r.repository.clone()),
                Val::S(r.agent.clone()),
                Val::S(r.rules.clone()),
                opt(&r.phrase),
                Val::I(r.created),
                Val::I(r.expires),
                Val::S(r.status.clone()),
                opt(&r.approver),
                r.decided_at.map(Val::I).unwrap_or(Val::NullI),
                opt(&r.payload),
                opt(&r.signature),
                Val::I(i64::from(r.spent)),
                opt(&r.carried_from),
            ],
        )?;
        Ok(n == 1)
    }

    pub fn get(&mut self, id: &str) -> Result<Option<Row>, String> {
        let r = self.query(
            &format!("SELECT {ROW} FROM requests WHERE id = $1"),
            &[Val::S(id.into())],
            ROW_KINDS,
        )?;
        Ok(r.first().map(|v| Row::from_vals(v)))
    }

    /// Requests still waiting, newest first.
    pub fn pending(&mut self, now: i64) -> Result<Vec<Row>, String> {
        let r = self.query(
            &format!("SELECT {ROW} FROM requests WHERE status = 'pending' AND expires > $1 ORDER BY created DESC, id LIMIT 200"),
            &[Val::I(now)],
            ROW_KINDS,
        )?;
        Ok(r.iter().map(|v| Row::from_vals(v)).collect())
    }

    /// How many requests are waiting.
    pub fn count_pending(&mut self, now: i64) -> Result<i64, String> {
        let r = self.query(
            "SELECT COUNT(*) FROM requests WHERE status = 'pending' AND expires > $1",
            &[Val::I(now)],
            &[Kind::Int],
        )?;
        Ok(r.first().and_then(|v| v.first()).map(Val::int).unwrap_or(0))
    }

    /// The latest decisions, newest first.
    pub fn decided(&mut self, limit: i64) -> Result<Vec<Row>, String> {
        let r = self.query(
            &format!("SELECT {ROW} FROM requests WHERE status <> 'pending' ORDER BY decided_at DESC, id LIMIT $1"),
            &[Val::I(limit)],
            ROW_KINDS,
        )?;
        Ok(r.iter().map(|v| Row::from_vals(v)).collect())
    }

    /// Record a decision with its signed answer, only if the request is still pending
    /// (the first approver, on any replica, wins).
    pub fn decide(
        &mut self,
        id: &str,
        status: &str,
        approver: &str,
        decided_at: i64,
        payload: &str,
        signature: &str,
    ) -> Result<bool, String> {
        let n = self.exec(
            "UPDATE requests SET status = $1, approver = $2, decided_at = $3, payload = $4, signature = $5 WHERE id = $6 AND status = 'pending'",
            &[
                Val::S(status.into()),
                Val::S(approver.into()),
                Val::I(decided_at),
                Val::S(payload.into()),
                Val::S(signature.into()),
                Val::S(id.into()),
            ],
        )?;
        Ok(n == 1)
    }

    /// The guard read its answer: an approval is used.
    pub fn mark_spent(&mut self, id: &str) -> Result<(), String> {
        self.exec(
            "UPDATE requests SET spent = 1 WHERE id = $1 AND status <> 'pending'",
            &[Val::S(id.into())],
        )?;
        Ok(())
    }

    /// An approval of the same command, host, directory and user, decided after
    /// `since` and not yet used (its guard had stopped waiting: a denied command, or a
    /// wait that ran out): spend it and return it. One conditional update, so it is
    /// spent once across replicas. The text the approver read and the rules must be
    /// the same too: a request posted by anyone else with the right hash but a
    /// harmless-looking text cannot lend its approval to the real command.
    pub fn take_unused(&mut self, r: &Row, since: i64) -> Result<Option<Row>, String> {
        let candidates = self.query(
            "SELECT id FROM requests WHERE status = 'approved' AND spent = 0 AND command_sha256 = $1 AND host = $2 AND cwd = $3 AND usr = $4 AND decided_at > $5 AND command = $6 AND rules = $7 ORDER BY decided_at",
            &[
                Val::S(r.command_sha256.clone()),
                Val::S(r.host.clone()),
                Val::S(r.cwd.clone()),
                Val::S(r.user.clone()),
                Val::I(since),
                Val::S(r.command.clone()),
                Val::S(r.rules.clone()),
            ],
            &[Kind::Text],
        )?;
        for c in candidates {
            let id = c[0].text();
            let n = self.exec(
                "UPDATE requests SET spent = 1 WHERE id = $1 AND spent = 0",
                &[Val::S(id.clone())],
            )?;
            if n == 1 {
                return self.get(&id);
            }
        }
        Ok(None)
    }
}

fn sqlite_val(v: &Val) -> rusqlite::types::Value {
    match v {
        Val::I(i) => rusqlite::types::Value::Integer(*i),
        Val::S(s) => rusqlite::types::Value::Text(s.clone()),
        Val::Null | Val::NullI => rusqlite::types::Value::Null,
    }
}

fn pg_params(params: &[Val]) -> Vec<Box<dyn postgres::types::ToSql + Sync>> {
    params
        .iter()
        .map(|v| -> Box<dyn postgres::types::ToSql + Sync> {
            match v {
                Val::I(i) => Box::new(*i),
                Val::S(s) => Box::new(s.clone()),
                Val::Null => Box::new(None::<String>),
                Val::NullI => Box::new(None::<i64>),
            }
        })
        .collect()
}

/// The database file (and SQLite's side files) 0600.
fn set_private(p: &Path) {
    use std::os::unix::fs::PermissionsExt;
    for suffix in ["", "-wal", "-shm"] {
        let f = std::path::PathBuf::from(format!("{}{suffix}", p.display()));
        if f.exists() {
            let _ = std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o600));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_round_trip_and_single_decisions() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut db = Db::open(None, &dir.path().join("s.db")).expect("open");
        db.set_approver("alice", "h1", 1).expect("approver");
        assert_eq!(db.approver_by_token("h1").expect("q"), Some("alice".into()));
        assert_eq!(db.approver_by_token("h2").expect("q"), None);
        let row = Row {
            id: "r1".into(),
            nonce: "n".into(),
            command: "rm -rf x".into(),
            command_sha256: "c".into(),
            host: "h".into(),
            user: "u".into(),
            cwd: "/w".into(),
            rules: "[]".into(),
            created: 10,
            expires: 1000,
            status: "pending".into(),
            ..Row::default()
        };
        assert!(db.insert(&row).expect("insert"));
        assert!(!db.insert(&row).expect("insert again"));
        assert_eq!(db.pending(20).expect("pending").len(), 1);
        assert!(db
            .decide("r1", "approved", "alice", 30, "{}", "00")
            .expect("decide"));
        assert!(!db
            .decide("r1", "denied", "bob", 31, "{}", "00")
            .expect("again"));
        let got = db.get("r1").expect("get").expect("row");
        assert_eq!(got.approver.as_deref(), Some("alice"));
        assert_eq!(got.decided_at, Some(30));
        let next = Row {
            id: "r2".into(),
            ..row.clone()
        };
        assert_eq!(
            db.take_unused(&next, 0).expect("take").map(|r| r.id),
            Some("r1".into())
        );
        assert_eq!(db.take_unused(&next, 0).expect("take"), None);
    }
}
