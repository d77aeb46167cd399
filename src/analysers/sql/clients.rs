//! The SQL clients Interlock reads: for each, its options (which carry SQL, a file of
//! SQL, the database, the host), what its operands are, and its dialect.

use super::{Dialect, Meta};
use crate::model::invocation::Invocation;
use crate::specs::opts::Spec;
use crate::syntax::word::Word;

/// What the positional operands of a client are.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum Operands {
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

pub(super) struct Client {
    pub(super) dialect: Dialect,
    pub(super) spec: Spec<'static>,
    /// Options whose value is SQL.
    pub(super) sql: &'static [&'static str],
    /// Options whose value is a file of SQL (`-` is stdin).
    pub(super) files: &'static [&'static str],
    pub(super) database: &'static [&'static str],
    pub(super) host: &'static [&'static str],
    /// Options that make the session read-only.
    pub(super) readonly: &'static [&'static str],
    pub(super) operands: Operands,
    pub(super) meta: Meta,
    /// When not empty, stdin is SQL only with one of these options (`prisma db
    /// execute --stdin`); otherwise the client reads stdin when given no SQL.
    pub(super) stdin_with: &'static [&'static str],
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
    stdin_with: &[],
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
    stdin_with: &[],
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
    stdin_with: &[],
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
    stdin_with: &[],
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
    stdin_with: &[],
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
    stdin_with: &[],
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
    stdin_with: &[],
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
    stdin_with: &[],
};

/// pgcli: psql's options and meta-commands (`-e`/`--execute` in recent versions).
const PGCLI: Client = Client {
    dialect: Dialect::Postgres,
    spec: Spec {
        with_value: &[
            "-c",
            "--command",
            "-e",
            "--execute",
            "-d",
            "--dbname",
            "-h",
            "--host",
            "-p",
            "--port",
            "-U",
            "--username",
            "-u",
            "--user",
            "-D",
            "--dsn",
            "--prompt",
            "--prompt-dsn",
            "--row-limit",
            "--pgclirc",
            "--init-command",
            "-l",
            "--log-file",
        ],
        attached_only: &[],
        single_dash_long: false,
    },
    sql: &["-c", "--command", "-e", "--execute", "--init-command"],
    files: &["-f", "--file"],
    database: &["-d", "--dbname"],
    host: &["-h", "--host"],
    readonly: &[],
    operands: Operands::Database,
    meta: Meta::Backslash,
    stdin_with: &[],
};

/// MySQL Shell: `-e` runs code in the session's language, read here as SQL (`--sql`;
/// JavaScript's `session.runSql('…')` is not read yet).
const MYSQLSH: Client = Client {
    dialect: Dialect::MySql,
    spec: Spec {
        with_value: &[
            "-e",
            "--execute",
            "-f",
            "--file",
            "-D",
            "--schema",
            "--database",
            "-h",
            "--host",
            "-u",
            "--user",
            "--dbuser",
            "-P",
            "--port",
            "-S",
            "--socket",
            "--uri",
            "-i",
            "--interactive",
            "--name",
            "--log-level",
            "--ssl-mode",
            "--ssl-ca",
        ],
        attached_only: &["-p"],
        single_dash_long: false,
    },
    sql: &["-e", "--execute"],
    files: &["-f", "--file"],
    database: &["-D", "--schema", "--database"],
    host: &["-h", "--host", "--uri"],
    readonly: &[],
    operands: Operands::Ignored,
    meta: Meta::MySql,
    stdin_with: &[],
};

/// Snowflake's SnowSQL (`-q`) and the newer `snow sql` (`-q`, `-f`).
const SNOWSQL: Client = Client {
    dialect: Dialect::Generic,
    spec: Spec {
        with_value: &[
            "-q",
            "--query",
            "-f",
            "--filename",
            "-d",
            "--dbname",
            "--database",
            "-s",
            "--schemaname",
            "--schema",
            "-a",
            "--accountname",
            "--account",
            "-u",
            "--username",
            "--user",
            "-w",
            "--warehousename",
            "--warehouse",
            "-r",
            "--rolename",
            "--role",
            "-c",
            "--connection",
            "-o",
            "--option",
            "-D",
            "--variable",
            "--config",
            "--authenticator",
            "--format",
        ],
        attached_only: &[],
        single_dash_long: false,
    },
    sql: &["-q", "--query"],
    files: &["-f", "--filename"],
    database: &["-d", "--dbname", "--database"],
    host: &["-a", "--accountname", "--account"],
    readonly: &[],
    operands: Operands::Ignored,
    meta: Meta::Bang,
    stdin_with: &[],
};

/// Hive's beeline: `-e SQL`, `-f FILE`, `-u JDBC-URL`.
const BEELINE: Client = Client {
    dialect: Dialect::Generic,
    spec: Spec {
        with_value: &[
            "-e",
            "-f",
            "-i",
            "-u",
            "-n",
            "-p",
            "-d",
            "-w",
            "--hivevar",
            "--hiveconf",
            "--property-file",
            "--outputformat",
            "--delimiterForDSV",
        ],
        attached_only: &[],
        single_dash_long: false,
    },
    sql: &["-e"],
    files: &["-f", "-i"],
    database: &[],
    host: &["-u"],
    readonly: &[],
    operands: Operands::Ignored,
    meta: Meta::Bang,
    stdin_with: &[],
};

/// `heroku pg:psql [DATABASE] -c SQL -a APP`: psql against an app's database.
const HEROKU_PSQL: Client = Client {
    dialect: Dialect::Postgres,
    spec: Spec {
        with_value: &[
            "-c",
            "--command",
            "-f",
            "--file",
            "-a",
            "--app",
            "-r",
            "--remote",
            "--credential",
        ],
        attached_only: &[],
        single_dash_long: false,
    },
    sql: &["-c", "--command"],
    files: &["-f", "--file"],
    database: &[],
    host: &["-a", "--app"],
    readonly: &[],
    operands: Operands::Database,
    meta: Meta::Backslash,
    stdin_with: &[],
};

/// Cloudflare's `wrangler d1 execute DATABASE --command SQL | --file F [--remote]`.
const WRANGLER_D1: Client = Client {
    dialect: Dialect::Sqlite,
    spec: Spec {
        with_value: &[
            "--command",
            "--file",
            "-e",
            "--env",
            "-c",
            "--config",
            "--persist-to",
            "--batch-size",
        ],
        attached_only: &[],
        single_dash_long: false,
    },
    sql: &["--command"],
    files: &["--file"],
    database: &[],
    host: &[],
    readonly: &[],
    operands: Operands::Database,
    meta: Meta::None,
    stdin_with: NO_STDIN,
};

/// For `stdin_with`: a flag no command line holds, for clients that never read SQL
/// from stdin.
const NO_STDIN: &[&str] = &["\0"];

/// `typeorm query SQL [-d DATA_SOURCE]`: TypeORM's CLI runs the query it is given.
const TYPEORM_QUERY: Client = Client {
    dialect: Dialect::Generic,
    spec: Spec {
        with_value: &[
            "-d",
            "--dataSource",
            "--data-source",
            "-c",
            "--connection",
            "-f",
            "--config",
        ],
        attached_only: &[],
        single_dash_long: false,
    },
    sql: &[],
    files: &[],
    database: &[],
    host: &[],
    readonly: &[],
    operands: Operands::Sql,
    meta: Meta::None,
    stdin_with: NO_STDIN,
};

/// Django's `manage.py dbshell [--database NAME] [-- ARGS]`: the configured database's
/// own client, reading SQL from stdin (`manage.py sqlflush | manage.py dbshell`).
const DJANGO_DBSHELL: Client = Client {
    dialect: Dialect::Generic,
    spec: Spec {
        with_value: &[
            "--database",
            "--settings",
            "--pythonpath",
            "-v",
            "--verbosity",
        ],
        attached_only: &[],
        single_dash_long: false,
    },
    sql: &[],
    files: &[],
    database: &["--database"],
    host: &[],
    readonly: &[],
    operands: Operands::Ignored,
    meta: Meta::None,
    stdin_with: &[],
};

/// `prisma db execute --stdin | --file F [--url U | --schema S]`.
const PRISMA_EXECUTE: Client = Client {
    dialect: Dialect::Generic,
    spec: Spec {
        with_value: &["--file", "--url", "--schema", "--config"],
        attached_only: &[],
        single_dash_long: false,
    },
    sql: &[],
    files: &["--file"],
    database: &[],
    host: &["--url"],
    readonly: &[],
    operands: Operands::Ignored,
    meta: Meta::None,
    stdin_with: &["--stdin"],
};

/// The SQL argument of an MCP tool call, as the engine hands it over
/// (`interlock-mcp-sql SQL`, see `engine::mcp`), in the dialect the server suggests.
const fn mcp(dialect: Dialect) -> Client {
    Client {
        dialect,
        spec: Spec {
            with_value: &[],
            attached_only: &[],
            single_dash_long: false,
        },
        sql: &[],
        files: &[],
        database: &[],
        host: &[],
        readonly: &[],
        operands: Operands::Sql,
        meta: Meta::None,
        stdin_with: &["--stdin"],
    }
}
const MCP_PG: Client = mcp(Dialect::Postgres);
const MCP_MYSQL: Client = mcp(Dialect::MySql);
const MCP_SQLITE: Client = mcp(Dialect::Sqlite);
const MCP_CLICKHOUSE: Client = mcp(Dialect::ClickHouse);
const MCP_DUCKDB: Client = mcp(Dialect::DuckDb);
const MCP_MSSQL: Client = mcp(Dialect::MsSql);

/// The client an invocation runs, and where its own arguments start.
pub(super) fn client(inv: &Invocation) -> Option<(&'static Client, &[Word])> {
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
        "pgcli" => (&PGCLI, args),
        "interlock-mcp-sql" => (&MCP_PG, args),
        "interlock-mcp-mysql" => (&MCP_MYSQL, args),
        "interlock-mcp-sqlite" => (&MCP_SQLITE, args),
        "interlock-mcp-clickhouse" => (&MCP_CLICKHOUSE, args),
        "interlock-mcp-duckdb" => (&MCP_DUCKDB, args),
        "interlock-mcp-mssql" => (&MCP_MSSQL, args),
        "mysqlsh" => (&MYSQLSH, args),
        "snowsql" => (&SNOWSQL, args),
        "snow" => (&SNOWSQL, sub(&["sql"])?),
        "beeline" => (&BEELINE, args),
        "heroku" => (&HEROKU_PSQL, sub(&["pg:psql", "psql"])?),
        "python" | "python3" => {
            let rest = sub(&["manage.py", "./manage.py", "src/manage.py"])?;
            (&DJANGO_DBSHELL, dbshell(rest)?)
        }
        "manage.py" | "django-admin" => (&DJANGO_DBSHELL, sub(&["dbshell"])?),
        "typeorm" | "typeorm-ts-node-commonjs" | "typeorm-ts-node-esm" => {
            (&TYPEORM_QUERY, sub(&["query"])?)
        }
        "wrangler" => {
            let rest = sub(&["d1"])?;
            let at = rest.iter().position(|w| !w.text().starts_with('-'))?;
            if rest[at].lit().as_deref() != Some("execute") {
                return None;
            }
            (&WRANGLER_D1, &rest[at + 1..])
        }
        "prisma" => {
            let rest = sub(&["db"])?;
            let at = rest.iter().position(|w| !w.text().starts_with('-'))?;
            if rest[at].lit().as_deref() != Some("execute") {
                return None;
            }
            (&PRISMA_EXECUTE, &rest[at + 1..])
        }
        _ => return None,
    };
    Some(c)
}

/// The arguments after `dbshell` when it is the subcommand.
fn dbshell(args: &[Word]) -> Option<&[Word]> {
    let at = args.iter().position(|w| !w.text().starts_with('-'))?;
    (args[at].lit().as_deref() == Some("dbshell")).then(|| &args[at + 1..])
}

/// The database and host named by a psql DBNAME operand: a plain name, a URI
/// (`postgres://u@host:5432/db`) or a conninfo string (`host=h dbname=d`).
pub(super) fn conninfo(t: &str) -> (Option<String>, Option<String>) {
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
