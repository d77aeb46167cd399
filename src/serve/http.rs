//! The service's HTTP side (tiny_http, a few worker threads):
//!
//! | route | who | what |
//! |---|---|---|
//! | `POST /api/requests` | guards | a stopped command (`remote::Ask`); answers its status |
//! | `GET /api/requests/ID` | guards | the status, with the signed answer once decided |
//! | `GET /`, `GET /r/ID` | approvers | pending requests; one request with its forms |
//! | `POST /r/ID` | approvers | approve once (typed phrase for a denied command) or deny |
//! | `GET/POST /login`, `POST /logout` | approvers | token sign-in, a session cookie |
//!
//! Approvers authenticate with their token (`Authorization: Bearer TOKEN`, HTTP basic
//! `NAME:TOKEN`, or the sign-in form, which sets an HttpOnly SameSite=Strict cookie),
//! or through a single sign-on proxy's header, trusted only on connections from the
//! proxy's configured addresses. Forms carry a token derived from the service's key,
//! the approver and the request (no cross-site form can post a decision).

use super::limit::{Limiter, DEFAULT_MAX_PENDING, DEFAULT_PER_MINUTE};
use super::page;
use super::store::{Db, Row};
use super::{Config, CARRY_TTL, DEFAULT_ANSWER_TTL, REQUEST_TTL, SESSION_TTL};
use crate::approval::remote::{self, Ask, Payload, Status, ANSWER_VERSION};
use crate::approval::{now, RuleSummary};
use ed25519_dalek::{Signer, SigningKey};
use std::io::Read;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use tiny_http::{Header, Method, Response, Server};

const WORKERS: usize = 4;
const COOKIE: &str = "interlock_session";
const MAX_RULES: usize = 100;

struct App {
    db: Mutex<Db>,
    limiter: Limiter,
    key: SigningKey,
    config: Config,
    /// Base of links in notifications.
    public_url: String,
}

type Reply = Response<std::io::Cursor<Vec<u8>>>;

pub fn serve(listen: &str, key: SigningKey, db: Db, config: Config) -> Result<(), String> {
    // A browser or guard that hangs up mid-answer must not take the service down:
    // the HTTP server and the PostgreSQL client write to sockets with plain write(2).
    // SAFETY: ignoring a signal installs no handler code.
    unsafe {
        nix::libc::signal(nix::libc::SIGPIPE, nix::libc::SIG_IGN);
    }
    let server = Server::http(listen).map_err(|e| format!("cannot listen on {listen}: {e}"))?;
    let bound = server
        .server_addr()
        .to_ip()
        .map(|a| a.to_string())
        .unwrap_or_else(|| listen.to_string());
    let public_url = config
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{bound}"))
        .trim_end_matches('/')
        .to_string();
    eprintln!(
        "interlock serve: listening on http://{bound} ({} state); public key {}",
        db.kind(),
        super::public_key_text(&key)
    );
    let per_minute = config.requests_per_minute.unwrap_or(DEFAULT_PER_MINUTE);
    let app = Arc::new(App {
        db: Mutex::new(db),
        limiter: Limiter::new(per_minute),
        key,
        config,
        public_url,
    });
    let server = Arc::new(server);
    let mut workers = Vec::new();
    for i in 0..WORKERS {
        let server = server.clone();
        let app = app.clone();
        let w = std::thread::Builder::new()
            .name(format!("interlock-serve-{i}"))
            .spawn(move || loop {
                let rq = match server.recv() {
                    Ok(rq) => rq,
                    Err(e) => {
                        eprintln!("interlock serve: {e}");
                        continue;
                    }
                };
                handle(&app, rq);
            })
            .map_err(|e| format!("cannot start a thread: {e}"))?;
        workers.push(w);
    }
    for w in workers {
        let _ = w.join();
    }
    Ok(())
}

/// One incoming request, read into plain values.
struct In {
    method: Method,
    path: String,
    peer: Option<IpAddr>,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl In {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    fn cookie(&self, name: &str) -> Option<String> {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case("cookie"))
            .flat_map(|(_, v)| v.split(';'))
            .find_map(|c| {
                let (k, v) = c.trim().split_once('=')?;
                (k == name).then(|| v.to_string())
            })
    }
}

fn handle(app: &App, mut rq: tiny_http::Request) {
    let mut body = Vec::new();
    let too_big = rq
        .as_reader()
        .take(remote::MAX_BODY as u64 + 1)
        .read_to_end(&mut body)
        .is_err()
        || body.len() > remote::MAX_BODY;
    let input = In {
        method: rq.method().clone(),
        path: rq.url().split('?').next().unwrap_or("/").to_string(),
        peer: rq.remote_addr().map(|a| a.ip()),
        headers: rq
            .headers()
            .iter()
            .map(|h| {
                (
                    h.field.as_str().as_str().to_string(),
                    h.value.as_str().to_string(),
                )
            })
            .collect(),
        body,
    };
    let reply = if too_big {
        json(
            413,
            &serde_json::json!({"error": "the request is too large"}),
        )
    } else {
        route(app, &input)
    };
    let _ = rq.respond(reply);
}

fn route(app: &App, rq: &In) -> Reply {
    let path = rq.path.as_str();
    match (&rq.method, path) {
        (Method::Post, "/api/requests") => api_create(app, rq),
        (Method::Get, p) if p.starts_with("/api/requests/") => {
            api_status(app, &p["/api/requests/".len()..])
        }
        (Method::Get, "/login") => html(200, page::login(None)),
        (Method::Post, "/login") => login(app, rq),
        (Method::Post, "/logout") => logout(app, rq),
        (Method::Get, "/healthz") => json(200, &serde_json::json!({"ok": true})),
        (Method::Get, "/") => match who(app, rq) {
            Ok(Some(w)) => index(app, &w.name),
            Ok(None) => redirect("/login", None),
            Err(e) => server_error(&e),
        },
        (m, p) if p.starts_with("/r/") => {
            let id = &p[3..];
            match who(app, rq) {
                Ok(Some(w)) if *m == Method::Get => show(app, &w.name, id, None),
                Ok(Some(w)) if *m == Method::Post => decide(app, rq, &w, id),
                Ok(Some(_)) => html(405, page::message("Not allowed", None, "GET or POST only")),
                Ok(None) => redirect("/login", None),
                Err(e) => server_error(&e),
            }
        }
        _ => html(
            404,
            page::message("Not found", None, "There is no such page."),
        ),
    }
}

// --- responses ---

fn header(k: &str, v: &str) -> Option<Header> {
    Header::from_bytes(k.as_bytes(), v.as_bytes()).ok()
}

fn with_headers(mut r: Reply, headers: &[(&str, &str)]) -> Reply {
    for (k, v) in headers {
        if let Some(h) = header(k, v) {
            r = r.with_header(h);
        }
    }
    r
}

fn html(code: u16, body: String) -> Reply {
    with_headers(
        Response::from_data(body.into_bytes()).with_status_code(code),
        &[
            ("Content-Type", "text/html; charset=utf-8"),
            (
                "Content-Security-Policy",
                "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
            ),
            ("X-Frame-Options", "DENY"),
            ("X-Content-Type-Options", "nosniff"),
            ("Referrer-Policy", "no-referrer"),
            ("Cache-Control", "no-store"),
        ],
    )
}

fn json(code: u16, v: &serde_json::Value) -> Reply {
    with_headers(
        Response::from_data(serde_json::to_vec(v).unwrap_or_default()).with_status_code(code),
        &[
            ("Content-Type", "application/json"),
            ("Cache-Control", "no-store"),
        ],
    )
}

fn redirect(to: &str, cookie: Option<&str>) -> Reply {
    let mut r = with_headers(
        Response::from_data(Vec::new()).with_status_code(303),
        &[("Location", to), ("Cache-Control", "no-store")],
    );
    if let Some(c) = cookie.and_then(|c| header("Set-Cookie", c)) {
        r = r.with_header(c);
    }
    r
}

fn server_error(e: &str) -> Reply {
    eprintln!("interlock serve: {e}");
    html(
        500,
        page::message(
            "Error",
            None,
            "The service cannot read its state; see its log.",
        ),
    )
}

// --- guards ---

fn hexlen(s: &str, n: usize) -> bool {
    s.len() == n
        && s.bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

/// The address a request comes from: the peer, or the address a trusted proxy says it
/// forwards for (the last one in `X-Forwarded-For`, which the proxy appended).
fn source(app: &App, rq: &In) -> Option<IpAddr> {
    let peer = rq.peer?;
    let Some(proxy) = app.config.proxy.as_ref() else {
        return Some(peer);
    };
    let trusted = proxy
        .trusted
        .iter()
        .any(|t| t.trim().parse::<IpAddr>().is_ok_and(|ip| ip == peer));
    if !trusted {
        return Some(peer);
    }
    rq.header("X-Forwarded-For")
        .and_then(|h| h.rsplit(',').next())
        .and_then(|a| a.trim().parse().ok())
        .or(Some(peer))
}

fn api_create(app: &App, rq: &In) -> Reply {
    if let Some(addr) = source(app, rq) {
        if let Err(wait) = app.limiter.take(addr, std::time::Instant::now()) {
            let r = json(
                429,
                &serde_json::json!({"error": format!("too many requests from {addr}: try again in {wait} s")}),
            );
            return with_headers(r, &[("Retry-After", &wait.to_string())]);
        }
    }
    let ask: Ask = match serde_json::from_slice(&rq.body) {
        Ok(a) => a,
        Err(e) => {
            return json(
                400,
                &serde_json::json!({"error": format!("not a request: {e}")}),
            )
        }
    };
    if !hexlen(&ask.id, 32) || !hexlen(&ask.nonce, 64) || !hexlen(&ask.command_sha256, 64) {
        return json(
            400,
            &serde_json::json!({"error": "id (32), nonce (64) and command_sha256 (64) must be lowercase hex"}),
        );
    }
    if ask.rules.len() > MAX_RULES || ask.command.len() > remote::MAX_SHOWN_COMMAND {
        return json(
            400,
            &serde_json::json!({"error": "too many rules or too long a command"}),
        );
    }
    let t = now() as i64;
    let phrase =
        crate::render::deny_phrase(ask.rules.iter().map(|r| (r.rule.as_str(), decision_of(r))))
            .map(str::to_string);
    let mut row = Row {
        id: ask.id.clone(),
        nonce: ask.nonce.clone(),
        command: ask.command.clone(),
        command_sha256: ask.command_sha256.clone(),
        host: ask.host.clone(),
        user: ask.user.clone(),
        cwd: ask.cwd.clone(),
        repository: ask.repository.clone(),
        agent: ask.agent.clone(),
        rules: serde_json::to_string(&ask.rules).unwrap_or_else(|_| "[]".into()),
        phrase,
        created: t,
        expires: t + REQUEST_TTL,
        status: "pending".into(),
        ..Row::default()
    };
    let mut db = match app.db.lock() {
        Ok(d) => d,
        Err(_) => return json(500, &serde_json::json!({"error": "state lock poisoned"})),
    };
    // An approval of the same command whose guard had stopped waiting (a denied
    // command is not waited for): this run uses it, once.
    match db.take_unused(&row, t - CARRY_TTL) {
        Ok(Some(earlier)) => {
            let approver = earlier.approver.clone().unwrap_or_default();
            let (payload, sig) = sign(app, &row, "approve", &approver, t);
            row.status = "approved".into();
            row.approver = Some(approver);
            row.decided_at = Some(t);
            row.payload = Some(payload);
            row.signature = Some(sig);
            row.spent = true;
            row.carried_from = Some(earlier.id.clone());
        }
        // A new request waits: unless too many do already.
        Ok(None) => {
            let cap = i64::from(app.config.max_pending.unwrap_or(DEFAULT_MAX_PENDING));
            match db.count_pending(t) {
                Ok(n) if n >= cap => {
                    return json(
                        503,
                        &serde_json::json!({"error": format!("{n} requests are waiting already: answer or let some expire first")}),
                    )
                }
                Ok(_) => {}
                Err(e) => return json(500, &serde_json::json!({"error": e})),
            }
        }
        Err(e) => return json(500, &serde_json::json!({"error": e})),
    }
    match db.insert(&row) {
        Ok(true) => {}
        Ok(false) => {
            return json(
                409,
                &serde_json::json!({"error": "a request with this id exists"}),
            )
        }
        Err(e) => return json(500, &serde_json::json!({"error": e})),
    }
    drop(db);
    let link = format!("{}/r/{}", app.public_url, row.id);
    if row.status == "pending" {
        if let Some(hook) = &app.config.webhook {
            super::notify::send_later(hook.clone(), row.clone(), link.clone());
        }
    }
    json(201, &status_json(&row, &link))
}

fn decision_of(r: &RuleSummary) -> crate::model::Decision {
    match r.decision.as_str() {
        "deny" => crate::model::Decision::Deny,
        "allow" => crate::model::Decision::Allow,
        _ => crate::model::Decision::Confirm,
    }
}

fn status_json(row: &Row, link: &str) -> serde_json::Value {
    serde_json::to_value(Status {
        status: row.status.clone(),
        payload: row.payload.clone(),
        signature: row.signature.clone(),
        url: Some(link.to_string()),
    })
    .unwrap_or_default()
}

fn api_status(app: &App, id: &str) -> Reply {
    if !hexlen(id, 32) {
        return json(404, &serde_json::json!({"status": "unknown"}));
    }
    let mut db = match app.db.lock() {
        Ok(d) => d,
        Err(_) => return json(500, &serde_json::json!({"error": "state lock poisoned"})),
    };
    match db.get(id) {
        Ok(Some(row)) => {
            if row.status != "pending" {
                // The guard has its answer: an approval is used.
                let _ = db.mark_spent(id);
            }
            json(
                200,
                &status_json(&row, &format!("{}/r/{id}", app.public_url)),
            )
        }
        Ok(None) => json(404, &serde_json::json!({"status": "unknown"})),
        Err(e) => json(500, &serde_json::json!({"error": e})),
    }
}

/// The signed answer for `row`: the payload's JSON text and the signature's hex.
fn sign(app: &App, row: &Row, decision: &str, approver: &str, t: i64) -> (String, String) {
    let ttl = app
        .config
        .answer_ttl_secs
        .unwrap_or(DEFAULT_ANSWER_TTL)
        .clamp(1, 3600);
    let p = Payload {
        v: ANSWER_VERSION,
        id: row.id.clone(),
        nonce: row.nonce.clone(),
        command_sha256: row.command_sha256.clone(),
        host: row.host.clone(),
        cwd: row.cwd.clone(),
        decision: decision.to_string(),
        approver: approver.to_string(),
        decided_at: t as u64,
        expires: t as u64 + ttl,
    };
    let text = serde_json::to_string(&p).unwrap_or_default();
    let sig = app.key.sign(text.as_bytes());
    (text, remote::hex(&sig.to_bytes()))
}

// --- approvers ---

/// Who is asking, and how (a bearer token needs no form token: browsers never send one
/// by themselves).
struct Who {
    name: String,
    bearer: bool,
}

fn who(app: &App, rq: &In) -> Result<Option<Who>, String> {
    if let (Some(proxy), Some(peer)) = (&app.config.proxy, rq.peer) {
        let trusted = proxy
            .trusted
            .iter()
            .any(|t| t.trim().parse::<IpAddr>().is_ok_and(|ip| ip == peer));
        if trusted {
            if let Some(user) = rq
                .header(&proxy.user_header)
                .map(str::trim)
                .filter(|u| !u.is_empty())
            {
                return Ok(Some(Who {
                    name: format!("{user} (sso)"),
                    bearer: false,
                }));
            }
        }
    }
    let mut db = app
        .db
        .lock()
        .map_err(|_| "state lock poisoned".to_string())?;
    if let Some(auth) = rq.header("authorization") {
        let auth = auth.trim();
        if let Some(token) = auth.strip_prefix("Bearer ") {
            let name = db.approver_by_token(&remote::sha256_hex(token.trim().as_bytes()))?;
            return Ok(name.map(|name| Who { name, bearer: true }));
        }
        if let Some(b) = auth.strip_prefix("Basic ") {
            let Some((user, token)) = base64_decode(b.trim())
                .and_then(|d| String::from_utf8(d).ok())
                .and_then(|s| {
                    s.split_once(':')
                        .map(|(u, t)| (u.to_string(), t.to_string()))
                })
            else {
                return Ok(None);
            };
            let name = db.approver_by_token(&remote::sha256_hex(token.as_bytes()))?;
            return Ok(name.filter(|n| *n == user).map(|name| Who {
                name,
                bearer: false,
            }));
        }
        return Ok(None);
    }
    if let Some(session) = rq.cookie(COOKIE) {
        let name = db.session(&remote::sha256_hex(session.as_bytes()), now() as i64)?;
        return Ok(name.map(|name| Who {
            name,
            bearer: false,
        }));
    }
    Ok(None)
}

fn login(app: &App, rq: &In) -> Reply {
    let form = parse_form(&rq.body);
    let name = field(&form, "name");
    let token = field(&form, "token");
    let mut db = match app.db.lock() {
        Ok(d) => d,
        Err(_) => return server_error("state lock poisoned"),
    };
    let found = match db.approver_by_token(&remote::sha256_hex(token.trim().as_bytes())) {
        Ok(f) => f,
        Err(e) => return server_error(&e),
    };
    if found.as_deref() != Some(name.trim()) || name.trim().is_empty() {
        return html(
            401,
            page::login(Some("That name and token do not match an approver.")),
        );
    }
    let Ok(session) = remote::random_hex(32) else {
        return server_error("cannot read random bytes");
    };
    let t = now() as i64;
    if let Err(e) = db.add_session(
        &remote::sha256_hex(session.as_bytes()),
        name.trim(),
        t + SESSION_TTL,
    ) {
        return server_error(&e);
    }
    redirect(
        "/",
        Some(&format!(
            "{COOKIE}={session}; HttpOnly; SameSite=Strict; Path=/; Max-Age={SESSION_TTL}"
        )),
    )
}

fn logout(app: &App, rq: &In) -> Reply {
    if let Some(session) = rq.cookie(COOKIE) {
        if let Ok(mut db) = app.db.lock() {
            let _ = db.end_session(&remote::sha256_hex(session.as_bytes()));
        }
    }
    redirect(
        "/login",
        Some(&format!(
            "{COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0"
        )),
    )
}

fn index(app: &App, who: &str) -> Reply {
    let mut db = match app.db.lock() {
        Ok(d) => d,
        Err(_) => return server_error("state lock poisoned"),
    };
    let t = now() as i64;
    match (db.pending(t), db.decided(20)) {
        (Ok(p), Ok(d)) => html(200, page::index(who, &p, &d, t)),
        (Err(e), _) | (_, Err(e)) => server_error(&e),
    }
}

/// The form token for this approver and request.
fn csrf(app: &App, who: &str, id: &str) -> String {
    let mut material = b"interlock-serve-form\n".to_vec();
    material.extend_from_slice(&app.key.to_bytes());
    material.extend_from_slice(format!("\n{who}\n{id}").as_bytes());
    remote::sha256_hex(&material)
}

fn show(app: &App, who: &str, id: &str, error: Option<&str>) -> Reply {
    let row = match app
        .db
        .lock()
        .map_err(|_| "state lock poisoned".to_string())
        .and_then(|mut d| d.get(id))
    {
        Ok(Some(r)) => r,
        Ok(None) => {
            return html(
                404,
                page::message("Not found", Some(who), "There is no such request."),
            )
        }
        Err(e) => return server_error(&e),
    };
    let code = if error.is_some() { 400 } else { 200 };
    html(code, page::request(who, &row, &csrf(app, who, id), error))
}

fn decide(app: &App, rq: &In, who: &Who, id: &str) -> Reply {
    let form = parse_form(&rq.body);
    if !who.bearer && field(&form, "csrf") != csrf(app, &who.name, id) {
        return html(
            403,
            page::message(
                "Refused",
                Some(&who.name),
                "This form did not come from this service's page; open the request again.",
            ),
        );
    }
    let action = field(&form, "action");
    let mut db = match app.db.lock() {
        Ok(d) => d,
        Err(_) => return server_error("state lock poisoned"),
    };
    let row = match db.get(id) {
        Ok(Some(r)) => r,
        Ok(None) => {
            return html(
                404,
                page::message("Not found", Some(&who.name), "There is no such request."),
            )
        }
        Err(e) => return server_error(&e),
    };
    let t = now() as i64;
    if row.status != "pending" || row.expires <= t {
        drop(db);
        return show(
            app,
            &who.name,
            id,
            Some("This request is no longer waiting."),
        );
    }
    let (status, decision) = match action.as_str() {
        "approve" => {
            if let Some(p) = &row.phrase {
                if field(&form, "phrase").trim() != p {
                    drop(db);
                    return show(
                        app,
                        &who.name,
                        id,
                        Some(&format!(
                            "A rule denies this command: type {p} exactly to approve it."
                        )),
                    );
                }
            }
            ("approved", "approve")
        }
        "deny" => ("denied", "deny"),
        _ => {
            drop(db);
            return show(app, &who.name, id, Some("Choose approve or deny."));
        }
    };
    let (payload, sig) = sign(app, &row, decision, &who.name, t);
    match db.decide(id, status, &who.name, t, &payload, &sig) {
        Ok(true) => eprintln!(
            "interlock serve: {} {status} request {id} ({}@{})",
            crate::render::visible(&who.name, false),
            crate::render::visible(&row.user, false),
            crate::render::visible(&row.host, false)
        ),
        Ok(false) => {
            drop(db);
            return show(app, &who.name, id, Some("Another approver decided first."));
        }
        Err(e) => return server_error(&e),
    }
    drop(db);
    if who.bearer {
        return json(
            200,
            &serde_json::json!({"status": status, "approver": who.name}),
        );
    }
    redirect(&format!("/r/{id}"), None)
}

// --- forms ---

fn parse_form(body: &[u8]) -> Vec<(String, String)> {
    String::from_utf8_lossy(body)
        .split('&')
        .filter_map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            Some((url_decode(k)?, url_decode(v)?))
        })
        .collect()
}

fn field(form: &[(String, String)], name: &str) -> String {
    form.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

fn url_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let h = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
                out.push(u8::from_str_radix(h, 16).ok()?);
                i += 2;
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

fn base64_decode(s: &str) -> Option<Vec<u8>> {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let mut acc = 0u32;
    let mut bits = 0;
    for c in s.bytes().filter(|c| *c != b'=') {
        let v = A.iter().position(|a| *a == c)? as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_and_basic_auth_decode() {
        assert_eq!(url_decode("a+b%2Fc"), Some("a b/c".into()));
        assert_eq!(url_decode("%zz"), None);
        let f = parse_form(b"action=approve&phrase=fs.delete-critical&csrf=ab");
        assert_eq!(field(&f, "phrase"), "fs.delete-critical");
        assert_eq!(
            base64_decode("YWxpY2U6dG9rZW4="),
            Some(b"alice:token".to_vec())
        );
    }
}
