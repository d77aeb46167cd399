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

/// A request written by hand to a socket (`printf 'DELETE /x HTTP/1.1…' | nc host
/// 80`, `openssl s_client -connect host:443`): its method and path come from the
/// request line on stdin, its host from the arguments.
fn raw_request(inv: &Invocation, tls: bool) -> Option<Request> {
    let host_port = if tls {
        if inv.args.first()?.lit()? != "s_client" {
            return None;
        }
        let at = inv
            .args
            .iter()
            .position(|w| w.lit().as_deref() == Some("-connect"))?;
        inv.args.get(at + 1)?.text()
    } else {
        let ops: Vec<String> = inv
            .args
            .iter()
            .filter(|w| !w.text().starts_with('-'))
            .map(|w| w.text())
            .collect();
        match ops.as_slice() {
            [h, p, ..] => format!("{h}:{p}"),
            [h] => h.clone(),
            [] => return None,
        }
    };
    let text = match &inv.stdin {
        Stdin::Text { text, .. } => text.clone(),
        _ => return None,
    };
    let line = text.lines().next()?.trim();
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_ascii_uppercase();
    let path = parts.next()?;
    if !parts.next()?.starts_with("HTTP/") || !method.chars().all(|c| c.is_ascii_uppercase()) {
        return None;
    }
    let scheme = if tls { "https" } else { "http" };
    Some(Request {
        method,
        urls: vec![Url::parse(&format!("{scheme}://{host_port}{path}"), scheme)],
        bodies: Vec::new(),
        unreadable: Vec::new(),
    })
}

/// A `curl -K FILE` config: `request = M`/`-X M`, `url = U`, `header = H` lines.
fn curl_config(name: &str, inv: &Invocation, ctx: &Context, req: &mut Request) -> Option<String> {
    let text = resolve(name, inv.cwd.as_deref(), ctx.home.as_deref())
        .filter(|_| !inv.remote && name != "-")
        .and_then(|p| match inv.file_text(&p, MAX_CONFIG_BYTES) {
            FileText::Text(t) => Some(t),
            _ => None,
        });
    let Some(text) = text else {
        return Some(COMPUTED_METHOD.to_string());
    };
    let mut method = None;
    for line in text.lines() {
        let l = line.trim();
        if l.starts_with('#') || l.is_empty() {
            continue;
        }
        // `key = value`, `key: value`, `key value`, `-X value`, `--request value`.
        let l = l.trim_start_matches('-');
        let end = l
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
            .unwrap_or(l.len());
        let k = &l[..end];
        let v = l[end..]
            .trim_start()
            .trim_start_matches(['=', ':'])
            .trim()
            .trim_matches('"');
        match k {
            "X" | "request" => method = Some(v.to_ascii_uppercase()),
            "url" => req.urls.push(Url::parse(v, "http")),
            "H" | "header" => method = method.or(override_of(v)),
            _ => {}
        }
    }
    method
}

/// The method a `X-HTTP-Method-Override: M` header asks for.
fn override_of(header: &str) -> Option<String> {
    let (name, value) = header.split_once(':')?;
    OVERRIDE_HEADERS
        .contains(&name.trim().to_ascii_lowercase().as_str())
        .then(|| value.trim().to_ascii_uppercase())
}

fn url_text(w: &Word) -> String {
    opts::text_with(w, UNKNOWN_URL)
}

fn body_text(w: &Word) -> String {
    opts::text_with(w, UNKNOWN_BODY)
}

/// The body a client reads from stdin: known text, or a local file.
fn stdin_body(inv: &Invocation, req: &mut Request) {
    match &inv.stdin {
        Stdin::Text { text, .. } => req.bodies.push(text.clone()),
        Stdin::File(p) if !inv.remote => read_path(p, inv, req),
        _ => {}
    }
}

/// A body given as `@file` (`-` is stdin): read it when it is on this machine.
fn read_body(name: &str, inv: &Invocation, ctx: &Context, req: &mut Request) {
    if name == "-" {
        stdin_body(inv, req);
        return;
    }
    if inv.remote {
        return;
    }
    if let Some(p) = resolve(name, inv.cwd.as_deref(), ctx.home.as_deref()) {
        read_path(&p, inv, req);
    }
}

fn read_path(p: &std::path::Path, inv: &Invocation, req: &mut Request) {
    match inv.file_text(p, MAX_BODY_BYTES) {
        FileText::Text(text) => req.bodies.push(text),
        FileText::TooLarge(_) => req.unreadable.push(format!(
            "the request body {} is too large to check",
            p.display()
        )),
        FileText::Missing => {}
    }
}

fn curl(inv: &Invocation, ctx: &Context) -> Request {
    let items = opts::scan(&inv.args, &CURL);
    let mut req = Request::default();
    let mut explicit = None;
    let mut overridden = None;
    let mut data = false;
    let (mut head, mut upload, mut get) = (false, false, false);
    for it in &items {
        match it {
            Item::Operand(w) => req.urls.push(Url::parse(&url_text(w), "http")),
            Item::Opt { name, value } => {
                let v = value.as_ref();
                match name.as_str() {
                    "-X" | "--request" => {
                        explicit = v.map(|w| match w.lit() {
                            Some(t) => t.to_ascii_uppercase(),
                            None => COMPUTED_METHOD.to_string(),
                        })
                    }
                    "-H" | "--header" => {
                        if let Some(m) = v.and_then(|w| w.lit()).and_then(|t| override_of(&t)) {
                            overridden = Some(m);
                        }
                    }
                    "-K" | "--config" => {
                        if let Some(m) = v
                            .map(|w| w.text())
                            .and_then(|f| curl_config(&f, inv, ctx, &mut req))
                        {
                            explicit = Some(m);
                        }
                    }
                    "--url" => req.urls.extend(v.map(|w| Url::parse(&url_text(w), "http"))),
                    "-I" | "--head" => head = true,
                    "-T" | "--upload-file" => upload = true,
                    "-G" | "--get" => get = true,
                    "-d" | "--data" | "--data-ascii" | "--data-binary" | "--json" => {
                        data = true;
                        if let Some(w) = v {
                            let t = body_text(w);
                            match t.strip_prefix('@') {
                                Some(f) => read_body(f, inv, ctx, &mut req),
                                None => req.bodies.push(t),
                            }
                        }
                    }
                    "--data-raw" => {
                        data = true;
                        req.bodies.extend(v.map(body_text));
                    }
                    "--data-urlencode" => {
                        data = true;
                        if let Some(w) = v {
                            let t = body_text(w);
                            // `name=content`, `=content`, `content`, `name@file`, `@file`.
                            match t.split_once('=') {
                                Some((n, c)) if !n.contains('@') => {
                                    req.bodies.push(format!("{n}={}", encode(c)))
                                }
                                _ => match t.split_once('@') {
                                    Some((_, f)) => read_body(f, inv, ctx, &mut req),
                                    None => req.bodies.push(t),
                                },
                            }
                        }
                    }
                    "-F" | "--form" | "--form-string" => {
                        data = true;
                        if let Some((_, c)) = v.map(body_text).as_deref().and_then(|t| {
                            t.split_once('=')
                                .map(|(a, b)| (a.to_string(), b.to_string()))
                        }) {
                            match c.strip_prefix('<') {
                                Some(f) if name != "--form-string" => {
                                    read_body(f, inv, ctx, &mut req)
                                }
                                _ if c.starts_with('@') && name != "--form-string" => {}
                                _ => req.bodies.push(c),
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    req.method = overridden.or(explicit).unwrap_or_else(|| {
        if head {
            "HEAD".into()
        } else if upload {
            "PUT".into()
        } else if data && !get {
            "POST".into()
        } else {
            "GET".into()
        }
    });
    req
}

/// Percent-encode what `--data-urlencode` would, so the form decodes back to it.
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn wget(inv: &Invocation, ctx: &Context) -> Request {
    let items = opts::scan(&inv.args, &WGET);
    let mut req = Request::default();
    let mut explicit = None;
    let mut post = false;
    for it in &items {
        match it {
            Item::Operand(w) => req.urls.push(Url::parse(&url_text(w), "http")),
            Item::Opt {
                name,
                value: Some(v),
            } => match name.as_str() {
                "--method" => explicit = Some(v.text().to_ascii_uppercase()),
                "--post-data" | "--body-data" => {
                    post |= name == "--post-data";
                    req.bodies.push(body_text(v));
                }
                "--post-file" | "--body-file" => {
                    post |= name == "--post-file";
                    read_body(&v.text(), inv, ctx, &mut req);
                }
                _ => {}
            },
            _ => {}
        }
    }
    req.method = explicit.unwrap_or_else(|| if post { "POST" } else { "GET" }.into());
    req
}

const HTTPIE: Spec = Spec {
    with_value: &[
        "-a",
        "--auth",
        "-A",
        "--auth-type",
        "--session",
        "--session-read-only",
        "-o",
        "--output",
        "-p",
        "--print",
        "-P",
        "--history-print",
        "-s",
        "--style",
        "--pretty",
        "--format-options",
        "--verify",
        "--cert",
        "--cert-key",
        "--cert-key-pass",
        "--ciphers",
        "--ssl",
        "--proxy",
        "--timeout",
        "--max-redirects",
        "--boundary",
        "--raw",
        "--default-scheme",
        "--response-charset",
        "--response-mime",
        "--bearer",
        "--resolve",
        "--interface",
        "--unix-socket",
        "--max-headers",
    ],
    attached_only: &[],
    single_dash_long: false,
};

const METHODS: &[&str] = &[
    "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "PURGE", "TRACE", "CONNECT",
];

/// httpie and xh: `http [flags] [METHOD] URL [ITEM …]`, items `k=v` (JSON string),
/// `k:=json`, `k=@file`, `k:=@file`, `Header:v`, `k==query`, `k@file` (upload).
fn httpie(inv: &Invocation, ctx: &Context) -> Request {
    let items = opts::scan(&inv.args, &HTTPIE);
    let scheme = if matches!(inv.program.as_str(), "https" | "xhs") {
        "https"
    } else {
        "http"
    };
    let mut req = Request::default();
    let mut operands: Vec<&Word> = opts::operands(&items).collect();
    let mut explicit = None;
    if operands.len() >= 2 {
        let m = operands[0].text().to_ascii_uppercase();
        if METHODS.contains(&m.as_str()) {
            explicit = Some(m);
            operands.remove(0);
        }
    }
    let mut fields = Map::new();
    let mut query_param = None;
    if let Some((url, rest)) = operands.split_first() {
        req.urls.push(Url::parse(&url_text(url), scheme));
        for item in rest {
            let t = body_text(item);
            let Some((key, sep, value)) = httpie_item(&t) else {
                continue;
            };
            let file_text = |f: &str, req: &mut Request| {
                let before = req.bodies.len();
                read_body(f, inv, ctx, req);
                if req.bodies.len() > before {
                    req.bodies.pop()
                } else {
                    None
                }
            };
            match sep {
                "=" => {
                    fields.insert(key.into(), Json::String(value.into()));
                }
                ":=" => {
                    let v = serde_json::from_str(value).unwrap_or(Json::String(value.into()));
                    fields.insert(key.into(), v);
                }
                "=@" => {
                    let v = file_text(value, &mut req).unwrap_or_default();
                    fields.insert(key.into(), Json::String(v));
                }
                ":=@" => {
                    let v = file_text(value, &mut req).unwrap_or_default();
                    let v = serde_json::from_str(&v).unwrap_or(Json::String(v));
                    fields.insert(key.into(), v);
                }
                "==" if key == "query" => query_param = Some(value.to_string()),
                _ => {}
            }
        }
    }
    let raw: Vec<String> = opts::values(&items, &["--raw"]).map(body_text).collect();
    let ignore_stdin = items.iter().any(|i| i.is(&["-I", "--ignore-stdin"]));
    let mut has_body = !fields.is_empty() || !raw.is_empty();
    if !fields.is_empty() {
        req.bodies.push(Json::Object(fields).to_string());
    }
    req.bodies.extend(raw);
    if !has_body && !ignore_stdin {
        let before = req.bodies.len();
        stdin_body(inv, &mut req);
        has_body = req.bodies.len() > before;
    }
    if let Some(q) = query_param {
        req.bodies
            .push(Json::Object(Map::from_iter([("query".into(), Json::String(q))])).to_string());
    }
    req.method = explicit.unwrap_or_else(|| if has_body { "POST" } else { "GET" }.into());
    req
}

/// Split an httpie request item at its separator (the earliest; the longest there).
fn httpie_item(t: &str) -> Option<(&str, &str, &str)> {
    const SEPS: &[&str] = &[":=@", "==", "=@", ":=", "=", "@", ":"];
    let mut prev = '\0';
    for (i, c) in t.char_indices() {
        if prev != '\\' && matches!(c, ':' | '=' | '@') {
            let sep = SEPS.iter().find(|s| t[i..].starts_with(**s))?;
            return Some((&t[..i], sep, &t[i + sep.len()..]));
        }
        prev = c;
    }
    None
}

const GH_API: Spec = Spec {
    with_value: &[
        "-X",
        "--method",
        "-f",
        "--raw-field",
        "-F",
        "--field",
        "-H",
        "--header",
        "--input",
        "-q",
        "--jq",
        "-t",
        "--template",
        "--hostname",
        "-p",
        "--preview",
        "--cache",
        "-R",
        "--repo",
    ],
    attached_only: &[],
    single_dash_long: false,
};

/// `gh api ENDPOINT`: fields (`-f k=v`, `-F k=v`, `-F k=@file`) make a JSON body
/// and a POST; `graphql` is the GraphQL endpoint.
fn gh_api(inv: &Invocation, ctx: &Context) -> Option<Request> {
    let first = inv.args.iter().position(|w| !w.text().starts_with('-'))?;
    if inv.args[first].lit().as_deref() != Some("api") {
        return None;
    }
    let items = opts::scan(&inv.args[first + 1..], &GH_API);
    let mut req = Request::default();
    let host = opts::values(&items, &["--hostname"])
        .last()
        .map(|w| w.text())
        .filter(|h| h != "github.com")
        .unwrap_or_else(|| {
            // glab's API paths are relative to its instance's `/api/v4/`.
            if inv.program == "glab" {
                "gitlab.com/api/v4".into()
            } else {
                "api.github.com".into()
            }
        });
    if let Some(ep) = opts::operands(&items).next() {
        let t = url_text(ep);
        let url = if t.contains("://") {
            t
        } else {
            format!("https://{host}/{}", t.trim_start_matches('/'))
        };
        req.urls.push(Url::parse(&url, "https"));
    }
    let mut fields = Map::new();
    let mut input = false;
    for it in &items {
        if let Item::Opt {
            name,
            value: Some(v),
        } = it
        {
            let t = body_text(v);
            match name.as_str() {
                "-f" | "--raw-field" | "-F" | "--field" => {
                    let Some((k, val)) = t.split_once('=') else {
                        continue;
                    };
                    let typed = name == "-F" || name == "--field";
                    let val = match val.strip_prefix('@') {
                        Some(f) if typed => {
                            let before = req.bodies.len();
                            read_body(f, inv, ctx, &mut req);
                            if req.bodies.len() > before {
                                req.bodies.pop().unwrap_or_default()
                            } else {
                                String::new()
                            }
                        }
                        _ => val.to_string(),
                    };
                    fields.insert(k.to_string(), Json::String(val));
                }
                "--input" => {
                    input = true;
                    read_body(&t, inv, ctx, &mut req);
                }
                _ => {}
            }
        }
    }
    let has_body = !fields.is_empty() || input;
    if !fields.is_empty() {
        req.bodies.push(Json::Object(fields).to_string());
    }
    req.method = opts::values(&items, &["-X", "--method"])
        .last()
        .map(|w| w.text().to_ascii_uppercase())
        .unwrap_or_else(|| if has_body { "POST" } else { "GET" }.into());
    Some(req)
}

const RAILWAY_API: Spec = Spec {
    with_value: &[
        "-f",
        "--file",
        "--variables",
        "-s",
        "--service",
        "-e",
        "--environment",
    ],
    attached_only: &[],
    single_dash_long: false,
};

/// `railway api 'DOCUMENT'`, `--file F` (`-` is stdin), or the document on stdin:
/// a GraphQL request to Railway's public API.
fn railway_api(inv: &Invocation, ctx: &Context) -> Option<Request> {
    let first = inv.args.iter().position(|w| !w.text().starts_with('-'))?;
    if inv.args[first].lit().as_deref() != Some("api") {
        return None;
    }
    let items = opts::scan(&inv.args[first + 1..], &RAILWAY_API);
    let operands: Vec<&Word> = opts::operands(&items).collect();
    if operands
        .first()
        .and_then(|w| w.lit())
        .is_some_and(|s| matches!(s.as_str(), "search" | "describe" | "schema" | "help"))
    {
        return None;
    }
    let mut req = Request {
        method: "POST".into(),
        urls: vec![Url::parse(
            "https://backboard.railway.com/graphql/v2",
            "https",
        )],
        ..Request::default()
    };
    let variables = opts::values(&items, &["--variables"])
        .last()
        .map(body_text)
        .and_then(|v| serde_json::from_str::<Json>(&v).ok());
    let mut docs: Vec<String> = operands.iter().map(|w| body_text(w)).collect();
    for f in opts::values(&items, &["-f", "--file"]) {
        let mut tmp = Request::default();
        read_body(&f.text(), inv, ctx, &mut tmp);
        docs.extend(tmp.bodies);
        req.unreadable.extend(tmp.unreadable);
    }
    if docs.is_empty() {
        let mut tmp = Request::default();
        stdin_body(inv, &mut tmp);
        docs.extend(tmp.bodies);
        req.unreadable.extend(tmp.unreadable);
    }
    for d in docs {
        let mut body = Map::new();
        body.insert("query".into(), Json::String(d));
        if let Some(v) = &variables {
            body.insert("variables".into(), v.clone());
        }
        req.bodies.push(Json::Object(body).to_string());
    }
    Some(req)
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
