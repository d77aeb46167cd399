//! The request each HTTP client would send, read from its arguments: curl (with
//! `-K` config files), wget, HTTPie/xh, `gh api`/`glab api`, `railway`, and requests
//! written by hand to `nc`/`openssl s_client`.

use super::*;

/// A request written by hand to a socket (`printf 'DELETE /x HTTP/1.1…' | nc host
/// 80`, `openssl s_client -connect host:443`): its method and path come from the
/// request line on stdin, its host from the arguments.
pub(super) fn raw_request(inv: &Invocation, tls: bool) -> Option<Request> {
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
pub(super) fn curl_config(
    name: &str,
    inv: &Invocation,
    ctx: &Context,
    req: &mut Request,
) -> Option<String> {
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
pub(super) fn override_of(header: &str) -> Option<String> {
    let (name, value) = header.split_once(':')?;
    OVERRIDE_HEADERS
        .contains(&name.trim().to_ascii_lowercase().as_str())
        .then(|| value.trim().to_ascii_uppercase())
}

pub(super) fn url_text(w: &Word) -> String {
    opts::text_with(w, UNKNOWN_URL)
}

pub(super) fn body_text(w: &Word) -> String {
    opts::text_with(w, UNKNOWN_BODY)
}

/// The body a client reads from stdin: known text, or a local file.
pub(super) fn stdin_body(inv: &Invocation, req: &mut Request) {
    match &inv.stdin {
        Stdin::Text { text, .. } => req.bodies.push(text.clone()),
        Stdin::File(p) if !inv.remote => read_path(p, inv, req),
        _ => {}
    }
}

/// A body given as `@file` (`-` is stdin): read it when it is on this machine.
pub(super) fn read_body(name: &str, inv: &Invocation, ctx: &Context, req: &mut Request) {
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

pub(super) fn read_path(p: &std::path::Path, inv: &Invocation, req: &mut Request) {
    match inv.file_text(p, MAX_BODY_BYTES) {
        FileText::Text(text) => req.bodies.push(text),
        FileText::TooLarge(_) => req.unreadable.push(format!(
            "the request body {} is too large to check",
            p.display()
        )),
        FileText::Missing => {}
    }
}

pub(super) fn curl(inv: &Invocation, ctx: &Context) -> Request {
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
pub(super) fn encode(s: &str) -> String {
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

pub(super) fn wget(inv: &Invocation, ctx: &Context) -> Request {
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

pub(super) const HTTPIE: Spec = Spec {
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

pub(super) const METHODS: &[&str] = &[
    "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "PURGE", "TRACE", "CONNECT",
];

/// httpie and xh: `http [flags] [METHOD] URL [ITEM …]`, items `k=v` (JSON string),
/// `k:=json`, `k=@file`, `k:=@file`, `Header:v`, `k==query`, `k@file` (upload).
pub(super) fn httpie(inv: &Invocation, ctx: &Context) -> Request {
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
pub(super) fn httpie_item(t: &str) -> Option<(&str, &str, &str)> {
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

pub(super) const GH_API: Spec = Spec {
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
pub(super) fn gh_api(inv: &Invocation, ctx: &Context) -> Option<Request> {
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

pub(super) const RAILWAY_API: Spec = Spec {
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
pub(super) fn railway_api(inv: &Invocation, ctx: &Context) -> Option<Request> {
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
