//! HTTP requests a command would send: curl, wget, httpie (`http`, `https`), xh,
//! `gh api` and `railway api`. Method, URLs and body are read from the arguments
//! (and from `@file` bodies and stdin when they are local); nothing is ever sent and
//! no network resource is read.
//!
//! Loopback hosts (localhost, 127.0.0.0/8, ::1, and `local_hosts` from the
//! configuration) are local development and pass.

use super::graphql::{self, Found};
use super::opts::{self, Item, Spec};
use super::targets::redact;
use super::Hit;
use crate::model::invocation::{FileText, Invocation, Stdin};
use crate::model::paths::resolve;
use crate::model::Context;
use crate::specs::http::{CURL, WGET};
use crate::specs::{args::ArgView, glob::glob_match};
use crate::syntax::word::Word;
use serde_json::{Map, Value as Json};
use std::net::IpAddr;

mod clients;
use clients::*;

/// Bodies above this size are not read (the GraphQL rule says so).
const MAX_BODY_BYTES: u64 = 8 * 1024 * 1024;
/// Marks a part of a URL only known at run time.
const UNKNOWN_URL: &str = "\u{1}";
/// Stands for a value only known at run time inside a body.
const UNKNOWN_BODY: &str = "__unknown__";
/// The method of a request whose method is only known at run time (`-X "$M"`, a
/// `curl -K` config file that cannot be read).
pub const COMPUTED_METHOD: &str = "(computed)";
/// Config files (`curl -K`) above this size are not read.
const MAX_CONFIG_BYTES: u64 = 1024 * 1024;
/// Headers that make a server treat a POST as another method.
const OVERRIDE_HEADERS: &[&str] = &[
    "x-http-method-override",
    "x-http-method",
    "x-method-override",
];

/// One request as far as the arguments tell.
#[derive(Debug, Default)]
pub struct Request {
    pub method: String,
    pub urls: Vec<Url>,
    pub bodies: Vec<String>,
    /// Bodies that could not be read to check them.
    pub unreadable: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Url {
    /// For messages: scheme, host and path, without credentials or query.
    pub shown: String,
    /// Lower-case host; `None` when only known at run time.
    pub host: Option<String>,
    pub path: String,
    pub query: String,
    /// The port written in the URL, if any.
    pub port: Option<u16>,
}

impl Url {
    pub fn parse(raw: &str, default_scheme: &str) -> Url {
        let (scheme, rest) = match raw.find("://") {
            Some(i) if raw[..i].chars().all(|c| c.is_ascii_alphanumeric()) => {
                (&raw[..i], &raw[i + 3..])
            }
            _ => (default_scheme, raw),
        };
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let authority = &rest[..end];
        let after = &rest[end..];
        let (path, query) = match after.split('#').next().unwrap_or("").split_once('?') {
            Some((p, q)) => (p.to_string(), q.to_string()),
            None => (
                after.split('#').next().unwrap_or("").to_string(),
                String::new(),
            ),
        };
        let hostport = authority.rsplit('@').next().unwrap_or("");
        let host = if let Some(v6) = hostport.strip_prefix('[') {
            v6.split(']').next().unwrap_or("").to_string()
        } else {
            hostport.split(':').next().unwrap_or("").to_string()
        };
        // httpie and xh: `:3000/x` is localhost.
        let host = if host.is_empty() && hostport.starts_with(':') {
            "localhost".to_string()
        } else {
            host.to_ascii_lowercase()
        };
        let port = if hostport.starts_with('[') {
            hostport.rsplit_once("]:").and_then(|(_, p)| p.parse().ok())
        } else {
            hostport.rsplit_once(':').and_then(|(_, p)| p.parse().ok())
        };
        let known = !host.is_empty() && !host.contains(UNKNOWN_URL);
        let shown_host = if known { host.as_str() } else { "$…" };
        Url {
            shown: format!("{scheme}://{shown_host}{}", path.replace(UNKNOWN_URL, "$…")),
            host: known.then_some(host),
            path,
            query,
            port,
        }
    }
}

/// Does this host stay on the machine?
pub fn is_local(host: &str, ctx: &Context) -> bool {
    let h = host.trim_end_matches('.');
    if h == "localhost" || h.ends_with(".localhost") || h == "ip6-localhost" || h == "0.0.0.0" {
        return true;
    }
    // `.test` is reserved for local testing (RFC 6761): dev hosts, so ordinary app
    // endpoints there are local (data store ports still count). `.internal` is not:
    // cloud providers' private DNS uses it for real machines (`ec2.internal`), so it
    // is local only when `local_hosts` says so.
    if h.ends_with(".test") {
        return true;
    }
    if let Ok(ip) = h.parse::<IpAddr>() {
        return ip.is_loopback();
    }
    ctx.local_hosts
        .iter()
        .any(|p| glob_match(&p.to_ascii_lowercase(), h))
}

/// Ports of data stores whose HTTP API deletes data: Elasticsearch/OpenSearch,
/// Meilisearch, Qdrant, Kong admin, ClickHouse, CouchDB, InfluxDB, Solr, ArangoDB,
/// Neo4j, Consul, Vault, etcd, RabbitMQ management, Couchbase.
const DATASTORE_PORTS: &[u16] = &[
    9200, 7700, 6333, 8001, 8123, 5984, 8086, 8983, 8529, 7474, 8500, 8200, 2379, 15672, 8091,
];

/// A request that can destroy data: to a host off the machine, or to a local data
/// store's API (local data is data too).
fn reaches_data(u: &Url, ctx: &Context) -> bool {
    !u.host.as_deref().is_some_and(|h| is_local(h, ctx))
        || u.port.is_some_and(|p| DATASTORE_PORTS.contains(&p))
}

/// The URL as shown, with its port when a local data store's port is what made it
/// count (`http://localhost:9200/logs`).
fn with_port(u: &Url) -> String {
    let shown = redact(&u.shown);
    match (u.port, u.host.as_deref()) {
        (Some(p), Some(h)) if DATASTORE_PORTS.contains(&p) => {
            shown.replacen(&format!("://{h}"), &format!("://{h}:{p}"), 1)
        }
        _ => shown,
    }
}

fn all_local(req: &Request, ctx: &Context) -> bool {
    !req.urls.is_empty()
        && req
            .urls
            .iter()
            .all(|u| u.host.as_deref().is_some_and(|h| is_local(h, ctx)))
}

/// The request a program would send, if it is an HTTP client this module knows.
pub fn request(inv: &Invocation, ctx: &Context) -> Option<Request> {
    match inv.program.as_str() {
        "curl" => Some(curl(inv, ctx)),
        "wget" => Some(wget(inv, ctx)),
        "http" | "https" | "xh" | "xhs" => Some(httpie(inv, ctx)),
        "gh" | "glab" => gh_api(inv, ctx),
        "railway" => railway_api(inv, ctx),
        "nc" | "ncat" | "netcat" | "telnet" => raw_request(inv, false),
        "openssl" => raw_request(inv, true),
        _ => None,
    }
}

fn hit(detail: String) -> Hit {
    Hit {
        span: None,
        detail: Some(detail),
    }
}

/// `http.delete`: a DELETE to a host that is not loopback (or not known).
pub fn delete(
    inv: &Invocation,
    _view: &ArgView,
    ctx: &Context,
    _params: super::Params,
) -> Vec<Hit> {
    let Some(req) = request(inv, ctx) else {
        return Vec::new();
    };
    let computed = req.method == COMPUTED_METHOD;
    if req.method != "DELETE" && !computed {
        return Vec::new();
    }
    let what = if computed {
        "a method only known at run time"
    } else {
        "DELETE"
    };
    if req.urls.is_empty() {
        return vec![hit(format!("{what} to a URL Interlock cannot see"))];
    }
    req.urls
        .iter()
        .filter(|u| reaches_data(u, ctx))
        .map(|u| hit(format!("{what} {}", with_port(u))))
        .collect()
}

/// Path words that say a POST/PUT/PATCH deletes (`…/delete`, `…/purge`).
const PATH_VERBS: &[&str] = &[
    "delete", "destroy", "purge", "wipe", "drop", "truncate", "erase",
];

/// `http.destructive-path`: a POST, PUT or PATCH to a path whose last segment is a
/// destructive verb (`/users/42/delete`, `/cache/purge`, `/_delete_by_query`).
pub fn destructive_path(
    inv: &Invocation,
    _view: &ArgView,
    ctx: &Context,
    _params: super::Params,
) -> Vec<Hit> {
    let Some(req) = request(inv, ctx) else {
        return Vec::new();
    };
    if !matches!(req.method.as_str(), "POST" | "PUT" | "PATCH") {
        return Vec::new();
    }
    req.urls
        .iter()
        .filter(|u| reaches_data(u, ctx))
        .filter(|u| {
            let last = u.path.rsplit('/').find(|s| !s.is_empty()).unwrap_or("");
            path_words(last)
                .iter()
                .any(|w| PATH_VERBS.contains(&w.as_str()))
        })
        .map(|u| hit(format!("{} {}", req.method, with_port(u))))
        .collect()
}

/// Ports of ClickHouse's HTTP interface (plain and TLS).
const CLICKHOUSE_PORTS: &[u16] = &[8123, 8443];

/// `http.sql`: SQL that drops or empties data sent to a database's HTTP interface:
/// ClickHouse's (the `query` parameter and the body, which ClickHouse joins), and any
/// data API reached off the machine or on a local data store's port that takes SQL in
/// a named field (`query`, `sql`, `statement`, `q`: JSON bodies, forms, the URL's
/// query). A GET runs read-only in ClickHouse and InfluxDB, so only other methods count.
pub fn sql(inv: &Invocation, _view: &ArgView, ctx: &Context, _params: super::Params) -> Vec<Hit> {
    let Some(req) = request(inv, ctx) else {
        return Vec::new();
    };
    if matches!(req.method.as_str(), "GET" | "HEAD") {
        return Vec::new();
    }
    let mut hits = Vec::new();
    for u in &req.urls {
        let clickhouse = u.port.is_some_and(|p| CLICKHOUSE_PORTS.contains(&p))
            || u.host.as_deref().is_some_and(|h| h.contains("clickhouse"));
        if !clickhouse {
            // Any other data API that takes SQL in a named field (`{"query": "DROP
            // TABLE t"}`, InfluxDB's `q=DROP DATABASE m`, a platform's SQL endpoint).
            if !reaches_data(u, ctx) {
                continue;
            }
            let mut fields: Vec<String> = query_fields(&u.query);
            for b in &req.bodies {
                fields.extend(body_fields(b));
            }
            for sql in fields.iter().filter(|s| reads_as_sql(s)) {
                let issues =
                    super::sql::analyse(sql, super::sql::Dialect::Generic, super::sql::Meta::None);
                for i in issues {
                    hits.push(hit(format!("{} sent to {}", i.what, with_port(u))));
                }
            }
            continue;
        }
        let mut sql: String = u
            .query
            .split('&')
            .filter_map(|kv| kv.strip_prefix("query="))
            .map(|v| percent_decode(v) + " ")
            .collect();
        for b in &req.bodies {
            sql.push_str(b);
            sql.push('\n');
        }
        let issues = super::sql::analyse(
            &sql,
            super::sql::Dialect::ClickHouse,
            super::sql::Meta::None,
        );
        for i in issues {
            hits.push(hit(format!("{} sent to {}", i.what, with_port(u))));
        }
    }
    hits
}

/// Field names that hold a statement in data APIs' requests.
const SQL_FIELDS: &[&str] = &[
    "query",
    "sql",
    "statement",
    "stmt",
    "q",
    "sql_query",
    "sqlquery",
];

/// Values of [`SQL_FIELDS`] in a URL query string.
fn query_fields(query: &str) -> Vec<String> {
    query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .filter(|(k, _)| SQL_FIELDS.contains(&k.to_ascii_lowercase().as_str()))
        .map(|(_, v)| percent_decode(v))
        .collect()
}

/// Values of [`SQL_FIELDS`] in a body: JSON (at any depth, up to a bound) or a form.
fn body_fields(body: &str) -> Vec<String> {
    fn walk(v: &serde_json::Value, depth: usize, out: &mut Vec<String>) {
        if depth > 32 || out.len() > 64 {
            return;
        }
        match v {
            serde_json::Value::Object(m) => {
                for (k, v) in m {
                    match v {
                        serde_json::Value::String(s)
                            if SQL_FIELDS.contains(&k.to_ascii_lowercase().as_str()) =>
                        {
                            out.push(s.clone())
                        }
                        _ => walk(v, depth + 1, out),
                    }
                }
            }
            serde_json::Value::Array(a) => a.iter().for_each(|v| walk(v, depth + 1, out)),
            _ => {}
        }
    }
    let t = body.trim_start();
    let mut out = Vec::new();
    if t.starts_with(['{', '[']) {
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(t) {
            walk(&v, 0, &mut out);
        }
    } else if t.contains('=') {
        out = query_fields(t);
    }
    out
}

/// Text whose first word is a statement SQL starts with (GraphQL's `mutation {…}` and
/// `query {…}`, a search engine's query words, are not).
fn reads_as_sql(s: &str) -> bool {
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
            | "merge"
            | "begin"
            | "grant"
            | "revoke"
    )
}

/// `%20` and `+` in a query string.
fn percent_decode(v: &str) -> String {
    let b = v.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                match u8::from_str_radix(std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("zz"), 16)
                {
                    Ok(x) => {
                        out.push(x);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn path_words(seg: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in seg.chars() {
        if !c.is_ascii_alphabetic() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && prev_lower && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        prev_lower = c.is_ascii_lowercase();
        cur.push(c.to_ascii_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// `http.graphql`: the request carries a GraphQL mutation whose selected fields
/// delete (`volumeDelete`, `deleteRepository`, `delete_users_by_pk`).
pub fn graphql(
    inv: &Invocation,
    _view: &ArgView,
    ctx: &Context,
    _params: super::Params,
) -> Vec<Hit> {
    let Some(req) = request(inv, ctx) else {
        return Vec::new();
    };
    if all_local(&req, ctx) {
        return Vec::new();
    }
    let at = req
        .urls
        .first()
        .map(|u| format!(" at {}", u.host.clone().unwrap_or_else(|| u.shown.clone())))
        .unwrap_or_default();
    let mut found = Vec::new();
    for b in &req.bodies {
        found.extend(graphql::body(b));
    }
    for u in &req.urls {
        if !u.query.is_empty() {
            found.extend(graphql::body(&u.query));
        }
    }
    let mut hits: Vec<Hit> = found
        .into_iter()
        .map(|f| match f {
            Found::Mutation(m) => hit(format!("mutation {m}{at}")),
            Found::Unparsed(u) => hit(format!("{u}{at}")),
        })
        .collect();
    let graphql_url = req.urls.iter().any(|u| u.path.contains("graphql"));
    if graphql_url || inv.program == "railway" {
        hits.extend(req.unreadable.iter().map(|u| hit(format!("{u}{at}"))));
    }
    hits
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let u = Url::parse(
            "https://user:pw@Backboard.Railway.app:443/graphql/v2?x=1",
            "http",
        );
        assert_eq!(u.host.as_deref(), Some("backboard.railway.app"));
        assert_eq!(u.path, "/graphql/v2");
        assert_eq!(u.shown, "https://backboard.railway.app/graphql/v2");
        assert_eq!(
            Url::parse(":3000/x", "http").host.as_deref(),
            Some("localhost")
        );
        assert_eq!(
            Url::parse("[::1]:8080/x", "http").host.as_deref(),
            Some("::1")
        );
        assert_eq!(Url::parse("\u{1}/users", "http").host, None);
        assert_eq!(
            Url::parse("http://localhost:\u{1}/x", "http")
                .host
                .as_deref(),
            Some("localhost")
        );
    }

    #[test]
    fn local_hosts() {
        let mut ctx = Context::example();
        for h in [
            "localhost",
            "127.0.0.1",
            "127.3.4.5",
            "::1",
            "api.localhost",
        ] {
            assert!(is_local(h, &ctx), "{h}");
        }
        assert!(!is_local("10.0.0.1", &ctx));
        assert!(!is_local("example.com", &ctx));
        ctx.local_hosts = vec!["*.internal".into()];
        assert!(is_local("db.internal", &ctx));
    }

    #[test]
    fn httpie_items() {
        assert_eq!(httpie_item("a=b"), Some(("a", "=", "b")));
        assert_eq!(httpie_item("a:=1"), Some(("a", ":=", "1")));
        assert_eq!(httpie_item("q==x"), Some(("q", "==", "x")));
        assert_eq!(httpie_item("f=@x.json"), Some(("f", "=@", "x.json")));
        assert_eq!(
            httpie_item("Authorization:Bearer x"),
            Some(("Authorization", ":", "Bearer x"))
        );
    }

    #[test]
    fn path_verbs() {
        assert_eq!(path_words("_delete_by_query"), ["delete", "by", "query"]);
        assert_eq!(path_words("deleteUser"), ["delete", "user"]);
    }
}
