//! A notification for each new request: a generic JSON POST (`{"text": …}` plus the
//! request's fields, which chat incoming-webhooks accept) or ntfy's format (the
//! message as the body, `Title` and `Click` headers), over `https://` (rustls, the
//! system's roots and the webhook's `ca_file`) or `http://`. Sent on its own thread
//! with a bound; a failure is reported on stderr and changes nothing.

use super::store::Row;
use super::Webhook;
use crate::render::visible;
use serde_json::json;
use std::io::{Read, Write};
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_secs(5);

/// The body and headers of the notification for `row`; `link` is the request's page.
pub fn message(hook: &Webhook, row: &Row, link: &str) -> (Vec<(String, String)>, Vec<u8>) {
    let rules: Vec<String> = serde_json::from_str::<Vec<crate::approval::RuleSummary>>(&row.rules)
        .unwrap_or_default()
        .into_iter()
        .map(|r| r.rule)
        .collect();
    let mut shown = visible(&row.command, false);
    if shown.chars().count() > 300 {
        shown = shown.chars().take(300).collect::<String>() + "…";
    }
    let text = format!(
        "Interlock: {}@{} asks to run `{}` in {} ({}). Approve or deny: {}",
        visible(&row.user, false),
        visible(&row.host, false),
        shown,
        visible(&row.cwd, false),
        rules.join(", "),
        link
    );
    match hook.format.as_deref().unwrap_or("json") {
        "ntfy" => (
            vec![
                ("Content-Type".into(), "text/plain; charset=utf-8".into()),
                (
                    "Title".into(),
                    "Interlock: a command waits for approval".into(),
                ),
                ("Click".into(), link.to_string()),
                ("Tags".into(), "warning".into()),
            ],
            text.into_bytes(),
        ),
        _ => (
            vec![("Content-Type".into(), "application/json".into())],
            serde_json::to_vec(&json!({
                "text": text,
                "id": row.id,
                "command": row.command,
                "host": row.host,
                "user": row.user,
                "cwd": row.cwd,
                "repository": row.repository,
                "agent": row.agent,
                "rules": rules,
                "url": link,
            }))
            .unwrap_or_default(),
        ),
    }
}

/// Send it in the background.
pub fn send_later(hook: Webhook, row: Row, link: String) {
    let _ = std::thread::Builder::new()
        .name("interlock-notify".into())
        .spawn(move || {
            if let Err(e) = send(&hook, &row, &link) {
                eprintln!("interlock serve: the notification was not sent: {e}");
            }
        });
}

pub fn send(hook: &Webhook, row: &Row, link: &str) -> Result<(), String> {
    use crate::audit_log::ship::tls::{Conn, Tls};
    let url = hook.url.trim();
    let (rest, port, https) = if let Some(r) = url.strip_prefix("https://") {
        (r, 443, true)
    } else if let Some(r) = url.strip_prefix("http://") {
        (r, 80, false)
    } else {
        return Err("the webhook url must start with https:// or http://".into());
    };
    let (addr, path) = crate::audit_log::ship::authority(rest, port)?;
    let path = if path.is_empty() {
        "/".to_string()
    } else {
        path
    };
    let tls = if https {
        Some(Tls::for_addr(&addr, hook.ca_file.as_deref())?)
    } else {
        None
    };
    let (headers, body) = message(hook, row, link);
    let deadline = Instant::now() + TIMEOUT;
    let mut s = Conn::open(&addr, tls.as_ref(), deadline)?;
    // The host as the URL gives it (`Host: ntfy.example.com`, not `…:443`).
    let host = rest.split(['/', '?', '#']).next().unwrap_or(&addr);
    let mut req = format!("POST {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: interlock/{}\r\nContent-Length: {}\r\nConnection: close\r\n", env!("CARGO_PKG_VERSION"), body.len());
    for (k, v) in headers {
        // Header values never carry line breaks (the text is rendered visible).
        req.push_str(&format!("{k}: {}\r\n", v.replace(['\r', '\n'], " ")));
    }
    req.push_str("\r\n");
    let mut out = req.into_bytes();
    out.extend_from_slice(&body);
    s.write_all(&out)
        .map_err(|e| format!("cannot send to {addr}: {e}"))?;
    s.bound(deadline)?;
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    while !got.windows(2).any(|w| w == b"\r\n") && got.len() < 4096 {
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) => return Err(format!("no answer from {addr}: {e}")),
        }
    }
    let status = String::from_utf8_lossy(&got);
    let code = status
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse::<u16>().ok());
    match code {
        Some(c) if (200..300).contains(&c) => Ok(()),
        Some(c) => Err(format!("the webhook answered HTTP {c}")),
        None => Err(format!("{addr} did not answer HTTP")),
    }
}
