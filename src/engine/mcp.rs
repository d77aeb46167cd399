//! MCP tool calls: an agent's call to a tool of an MCP server (a database server's
//! `execute_sql`, a platform's `delete_project`) reaches data as surely as a shell
//! command does, so it is judged by the same rules.
//!
//! A call is turned into the shell commands with the same effect, each decided by
//! [`Engine::decide`] (so every rule, limit and config layer applies unchanged):
//!
//! - the tool itself, as `interlock-mcp SERVER TOOL [ACTION] --key=value…`, which the
//!   general destructive-verb model reads (`delete_volume`, `drop_database`,
//!   `deleteProject` are a verb on a data-bearing noun; `list_tables`, `get_project`
//!   read);
//! - every SQL argument (`sql`, `query`, `statement` … holding SQL) as
//!   `interlock-mcp-sql SQL`, read by the SQL analyser in the dialect the server's
//!   name suggests (Postgres when it names none);
//! - a GraphQL document (`query`/`mutation` argument) as the POST that sends it;
//! - an HTTP request (`url` with `method`, `headers`, `body`) as the `curl` command.
//!
//! The strictest verdict wins; findings keep their rules and reasons.

use super::{Context, Decision, Engine, Finding, Verdict};
use serde_json::Value;

/// Arguments deeper than this are not looked into (a confirm says so when they hold
/// more than scalars).
const MAX_DEPTH: usize = 6;
/// At most this many texts of each kind are judged from one call.
const MAX_TEXTS: usize = 64;

/// Keys whose string value is SQL whatever it starts with.
const SQL_KEYS: &[&str] = &[
    "sql",
    "sqlquery",
    "sql_query",
    "sqlstatement",
    "sql_statement",
    "rawsql",
    "raw_sql",
    "statements",
];
/// Keys whose string value is SQL when it starts like SQL (`query` is also a search
/// text or a GraphQL document).
const MAYBE_SQL_KEYS: &[&str] = &[
    "query",
    "queries",
    "statement",
    "q",
    "command",
    "script",
    "migration",
    "ddl",
    "code",
];
/// Words SQL text starts with.
const SQL_STARTS: &[&str] = &[
    "select", "insert", "update", "delete", "drop", "truncate", "alter", "create", "with", "begin",
    "do", "prepare", "execute", "exec", "grant", "revoke", "merge", "replace", "copy", "vacuum",
    "set", "show", "explain", "use", "call", "upsert", "rename", "comment", "start", "commit",
    "rollback", "lock", "attach", "detach", "optimize", "describe", "pragma", "reindex", "analyze",
    "purge", "undrop", "values", "table",
];
/// Keys whose value is a GraphQL document.
const GRAPHQL_KEYS: &[&str] = &["query", "mutation", "graphql", "document", "gql"];
/// Keys naming the operation a generic tool performs (`{action: "delete"}`).
const ACTION_KEYS: &[&str] = &["action", "operation", "op", "verb", "mode"];

/// One MCP tool call: the server's name, the tool's name and its arguments.
#[derive(Debug, Clone, Copy)]
pub struct McpCall<'a> {
    pub server: &'a str,
    pub tool: &'a str,
    pub args: &'a Value,
}

impl McpCall<'_> {
    /// `mcp__SERVER__TOOL` (Claude Code's name for a tool of an MCP server; a
    /// plugin's servers are `mcp__plugin_P_S__TOOL`).
    pub fn split_name(name: &str) -> Option<(&str, &str)> {
        let rest = name.strip_prefix("mcp__")?;
        let (server, tool) = rest.rsplit_once("__")?;
        (!server.is_empty() && !tool.is_empty()).then_some((server, tool))
    }

    /// How the call is shown to a person: `mcp__server__tool {"k": …}`, shortened.
    pub fn describe(&self) -> String {
        let mut args = self.args.to_string();
        if args.len() > 400 {
            let mut cut = 400;
            while !args.is_char_boundary(cut) {
                cut -= 1;
            }
            args.truncate(cut);
            args.push('…');
        }
        format!("mcp__{}__{} {args}", self.server, self.tool)
    }
}

impl Engine {
    /// Decide one MCP tool call (see the module comment).
    pub fn decide_mcp(&self, call: &McpCall, ctx: &Context) -> Verdict {
        let shown = call.describe();
        let mut findings: Vec<Finding> = Vec::new();
        let mut programs = Vec::new();
        let mut texts = Texts::default();
        collect(call.args, None, 0, &mut texts);
        let mut lines = vec![tool_line(call)];
        let dialect = sql_program(call.server, call.tool);
        for sql in texts.sql.iter().take(MAX_TEXTS) {
            lines.push(format!("{dialect} {}", shell_words::quote(sql)));
        }
        for doc in texts.graphql.iter().take(MAX_TEXTS) {
            let body = serde_json::json!({ "query": doc, "variables": texts.variables });
            lines.push(format!(
                "curl -X POST {} --json {}",
                shell_words::quote(&format!(
                    "https://{}.mcp.invalid/graphql",
                    host(call.server)
                )),
                shell_words::quote(&body.to_string())
            ));
        }
        if let Some(line) = http_line(call.args) {
            lines.push(line);
        }
        if texts.too_deep {
            findings.push(self.policy.event_finding(
                "shell.too-complex",
                0..shown.len(),
                Some(format!(
                    "the MCP call's arguments nest deeper than {MAX_DEPTH} levels"
                )),
            ));
        }
        for line in &lines {
            let v = self.decide(line, ctx);
            for mut f in v.findings {
                f.start = 0;
                f.end = shown.len();
                findings.push(f);
            }
            programs.extend(v.programs);
        }
        let mut verdict = Verdict::new(findings, programs);
        if verdict.decision == Decision::Allow {
            verdict.findings.clear();
        }
        verdict
    }
}

/// What the arguments hold, by kind.
#[derive(Default)]
struct Texts {
    sql: Vec<String>,
    graphql: Vec<String>,
    variables: Value,
    too_deep: bool,
}

fn collect(v: &Value, key: Option<&str>, depth: usize, out: &mut Texts) {
    if depth > MAX_DEPTH {
        out.too_deep |= v.is_object() || v.is_array();
        return;
    }
    let k = key.map(|k| k.to_ascii_lowercase());
    let k = k.as_deref();
    match v {
        Value::String(s) => {
            let t = s.trim();
            if t.is_empty() {
                return;
            }
            if k.is_some_and(|k| GRAPHQL_KEYS.contains(&k)) && graphql_like(t) {
                out.graphql.push(s.clone());
            } else if k.is_some_and(|k| SQL_KEYS.contains(&k))
                || k.is_some_and(|k| MAYBE_SQL_KEYS.contains(&k)) && sql_like(t)
            {
                out.sql.push(s.clone());
            }
        }
        Value::Array(items) => {
            for item in items {
                collect(item, key, depth + 1, out);
            }
        }
        Value::Object(map) => {
            for (name, item) in map {
                if name.eq_ignore_ascii_case("variables") && item.is_object() {
                    out.variables = item.clone();
                    continue;
                }
                collect(item, Some(name), depth + 1, out);
            }
        }
        _ => {}
    }
}

/// Text that starts like SQL (or a psql meta-command).
fn sql_like(t: &str) -> bool {
    if t.starts_with('\\') {
        return true;
    }
    let first: String = t
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect::<String>()
        .to_ascii_lowercase();
    SQL_STARTS.contains(&first.as_str())
        && t[first.len()..]
            .chars()
            .next()
            .is_none_or(|c| c.is_whitespace() || c == '(' || c == ';')
}

/// Text that is a GraphQL document: `mutation …`, `query …`, `subscription …`, `{ … }`.
fn graphql_like(t: &str) -> bool {
    let lower = t.to_ascii_lowercase();
    if !(t.contains('{') && t.ends_with('}')) {
        return false;
    }
    ["mutation", "subscription", "query"].iter().any(|w| {
        lower.starts_with(w)
            && lower[w.len()..]
                .chars()
                .next()
                .is_some_and(|c| c.is_whitespace() || c == '{' || c == '(')
    }) || t.starts_with('{') && serde_json::from_str::<Value>(t).is_err()
}

/// The SQL client program standing for the server, by the dialect its name suggests.
fn sql_program(server: &str, tool: &str) -> &'static str {
    let name = format!("{server} {tool}").to_ascii_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| name.contains(w));
    if has(&["mysql", "mariadb", "planetscale", "tidb", "vitess"]) {
        "interlock-mcp-mysql"
    } else if has(&["sqlite", "turso", "libsql", "d1"]) {
        "interlock-mcp-sqlite"
    } else if has(&["clickhouse"]) {
        "interlock-mcp-clickhouse"
    } else if has(&["duckdb", "motherduck"]) {
        "interlock-mcp-duckdb"
    } else if has(&["mssql", "sqlserver", "sql_server", "azure_sql", "azure-sql"]) {
        "interlock-mcp-mssql"
    } else {
        "interlock-mcp-sql"
    }
}

/// A server name as a host label.
fn host(server: &str) -> String {
    let h: String = server
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    if h.trim_matches('-').is_empty() {
        "server".into()
    } else {
        h.trim_matches('-').to_string()
    }
}

/// A word that can stand in a command line unquoted as a subcommand or option name.
fn plain(s: &str) -> Option<String> {
    let s: String = s
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':'))
        .collect();
    (!s.is_empty() && s.len() <= 64).then_some(s)
}

/// The tool as a command: `interlock-mcp SERVER TOOL [ACTION] --key=value…`.
fn tool_line(call: &McpCall) -> String {
    let mut words = vec!["interlock-mcp".to_string()];
    words.push(plain(call.server).unwrap_or_else(|| "server".into()));
    words.push(plain(call.tool).unwrap_or_else(|| "tool".into()));
    let Some(map) = call.args.as_object() else {
        return words.join(" ");
    };
    for key in ACTION_KEYS {
        if let Some(a) = map
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .and_then(|(_, v)| v.as_str())
            .and_then(plain)
        {
            words.push(a);
        }
    }
    for (k, v) in map.iter().take(32) {
        let value = match v {
            Value::String(s) if s.len() <= 200 && !s.contains(['\n', '\r']) => s.clone(),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            _ => continue,
        };
        let Some(name) = plain(&k.replace('_', "-")) else {
            continue;
        };
        if value.is_empty() {
            continue;
        }
        words.push(shell_words::quote(&format!("--{}={value}", name.to_ascii_lowercase())).into());
    }
    words.join(" ")
}

/// An HTTP request described by the arguments: `url` (or `uri`, `endpoint`) with
/// `method`, `headers` and `body`, as the `curl` command that sends it.
fn http_line(args: &Value) -> Option<String> {
    let map = args.as_object()?;
    let get = |keys: &[&str]| {
        map.iter()
            .find(|(k, _)| keys.iter().any(|x| k.eq_ignore_ascii_case(x)))
            .map(|(_, v)| v)
    };
    let url = get(&["url", "uri", "endpoint", "href"])?.as_str()?;
    let lower = url.to_ascii_lowercase();
    if !(lower.starts_with("http://") || lower.starts_with("https://")) {
        return None;
    }
    let mut words = vec!["curl".to_string()];
    match get(&["method", "http_method", "httpmethod"]) {
        Some(Value::String(m)) => {
            words.push("-X".into());
            words.push(shell_words::quote(m).into());
        }
        // A method the call computes or gives as something other than text.
        Some(Value::Null) | None => {}
        Some(_) => {
            words.push("-X".into());
            words.push("\"$INTERLOCK_MCP_METHOD\"".into());
        }
    }
    if let Some(Value::Object(h)) = get(&["headers", "header"]) {
        for (k, v) in h.iter().take(32) {
            let v = v
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| v.to_string());
            words.push("-H".into());
            words.push(shell_words::quote(&format!("{k}: {v}")).into());
        }
    }
    if let Some(body) = get(&["body", "data", "json", "payload"]) {
        let text = match body {
            Value::String(s) => s.clone(),
            Value::Null => String::new(),
            other => other.to_string(),
        };
        if !text.is_empty() {
            words.push("--data-raw".into());
            words.push(shell_words::quote(&text).into());
        }
    }
    words.push(shell_words::quote(url).into());
    Some(words.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_and_kinds() {
        assert_eq!(
            McpCall::split_name("mcp__supabase__execute_sql"),
            Some(("supabase", "execute_sql"))
        );
        assert_eq!(
            McpCall::split_name("mcp__plugin_x_db__drop_table"),
            Some(("plugin_x_db", "drop_table"))
        );
        assert_eq!(McpCall::split_name("Bash"), None);
        assert!(sql_like("DROP TABLE x"));
        assert!(sql_like("select 1"));
        assert!(!sql_like("how to drop a table"));
        assert!(!sql_like("selection of posts"));
        assert!(graphql_like("mutation { deleteProject(id: 1) { id } }"));
        assert!(!graphql_like("query planner notes"));
        let mut t = Texts::default();
        collect(
            &json!({"query": "how do I drop a table", "sql": "DELETE FROM t"}),
            None,
            0,
            &mut t,
        );
        assert_eq!(t.sql, ["DELETE FROM t"]);
    }
}
