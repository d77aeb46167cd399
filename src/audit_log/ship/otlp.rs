//! OpenTelemetry log records over OTLP/HTTP with the JSON encoding: one
//! `ExportLogsServiceRequest` per decision, POSTed to `<endpoint>/v1/logs` as
//! `application/json`. Per the OTLP JSON mapping, keys are lowerCamelCase, enums
//! (`severityNumber`) are integers and 64-bit integers (`timeUnixNano`) are decimal
//! strings. `http://`, or `https://` (TLS, `tls.rs`).

use super::tls::{Conn, Tls};
use super::{clip, Fields};
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::path::Path;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// Commands longer than this are cut in shipped records.
const MAX_COMMAND: usize = 16 * 1024;
/// Enough of the answer to read its status line.
const MAX_STATUS: usize = 4096;

#[derive(Debug, Clone, PartialEq)]
pub struct Endpoint {
    /// As configured.
    pub url: String,
    /// `host:port` to connect to and send as `Host`.
    pub addr: String,
    /// The request path: the endpoint's path with `/v1/logs` appended.
    pub path: String,
    /// For `https://`.
    pub tls: Option<Tls>,
    /// Extra headers (`[settings.ship] otlp_headers`), checked by [`check_headers`].
    pub headers: Vec<(String, String)>,
}

impl Endpoint {
    /// `ca_file`: trusted besides the system's roots, for `https://`.
    pub fn parse(url: &str, ca_file: Option<&Path>) -> Result<Endpoint, String> {
        let (rest, port, https) = if let Some(r) = url.strip_prefix("http://") {
            (r, 80, false)
        } else if let Some(r) = url.strip_prefix("https://") {
            (r, 443, true)
        } else {
            return Err("the OTLP endpoint must start with http:// or https://".into());
        };
        let (addr, path) = super::authority(rest, port)?;
        let tls = if https {
            Some(Tls::for_addr(&addr, ca_file)?)
        } else {
            None
        };
        let base = path.trim_end_matches('/');
        let path = if base.ends_with("/v1/logs") {
            base.to_string()
        } else {
            format!("{base}/v1/logs")
        };
        Ok(Endpoint {
            url: url.to_string(),
            addr,
            path,
            tls,
            headers: Vec::new(),
        })
    }
}

/// Headers this request sets itself: configuring one is an error.
const OWN_HEADERS: &[&str] = &[
    "host",
    "content-type",
    "content-length",
    "connection",
    "transfer-encoding",
    "user-agent",
];

/// Configured headers as they can be sent: names are HTTP tokens, values hold no line
/// breaks or control characters (which would let a value add headers or a body).
pub fn check_headers(
    headers: &std::collections::BTreeMap<String, String>,
) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    for (name, value) in headers {
        let token = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
        if !token {
            return Err(format!("`{name}` is not an HTTP header name"));
        }
        if OWN_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
            return Err(format!("the header `{name}` is set by Interlock itself"));
        }
        if value.chars().any(|c| c.is_control() && c != '\t') {
            return Err(format!(
                "the value of the header `{name}` holds a line break or control character"
            ));
        }
        out.push((name.clone(), value.trim().to_string()));
    }
    Ok(out)
}

fn attr(key: &str, value: &str) -> Value {
    json!({"key": key, "value": {"stringValue": value}})
}

/// OTLP severity: allow INFO (9), confirm WARN (13), deny ERROR (17).
fn severity(decision: &str) -> (u8, &'static str) {
    match decision {
        "allow" => (9, "INFO"),
        "confirm" => (13, "WARN"),
        _ => (17, "ERROR"),
    }
}

/// The JSON body: resource (service, host), scope `interlock`, one log record.
pub fn body(f: &Fields) -> Value {
    let e = f.entry;
    let (number, text) = severity(&e.decision);
    let command = clip(&e.command, MAX_COMMAND);
    let observed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    json!({
        "resourceLogs": [{
            "resource": {"attributes": [
                attr("service.name", "interlock"),
                attr("service.version", env!("CARGO_PKG_VERSION")),
                attr("host.name", &f.host),
            ]},
            "scopeLogs": [{
                "scope": {"name": "interlock", "version": env!("CARGO_PKG_VERSION")},
                "logRecords": [{
                    "timeUnixNano": (u128::from(e.ts) * 1_000_000_000).to_string(),
                    "observedTimeUnixNano": observed.to_string(),
                    "severityNumber": number,
                    "severityText": text,
                    "body": {"stringValue": format!("{} ({}): {command}", e.decision, e.outcome)},
                    "attributes": [
                        attr("user.name", &f.user),
                        attr("process.pid", &e.pid.to_string()),
                        attr("interlock.time", &e.time),
                        attr("interlock.door", &f.door),
                        attr("interlock.agent", &f.agent),
                        attr("interlock.cwd", &e.cwd),
                        attr("interlock.command", &command),
                        attr("interlock.decision", &e.decision),
                        attr("interlock.rules", &e.rules.join(",")),
                        attr("interlock.outcome", &e.outcome),
                        attr("interlock.approver", &f.approver),
                        attr("interlock.policy_digest", &f.policy_digest),
                        attr("interlock.entry_hash", &e.hash),
                    ],
                }],
            }],
        }],
    })
}

/// The whole HTTP/1.1 request.
pub fn request(ep: &Endpoint, f: &Fields) -> Vec<u8> {
    let body = serde_json::to_vec(&body(f)).unwrap_or_default();
    let mut head = format!(
        "POST {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: interlock/{}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
        ep.path,
        ep.addr,
        env!("CARGO_PKG_VERSION"),
        body.len()
    );
    for (name, value) in &ep.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let mut out = head.into_bytes();
    out.extend_from_slice(&body);
    out
}

/// Send the request; sent only when the collector answers 2xx before the deadline.
pub fn send(ep: &Endpoint, request: &[u8], deadline: Instant) -> Result<(), String> {
    let mut s = Conn::open(&ep.addr, ep.tls.as_ref(), deadline)?;
    s.bound(deadline)?;
    s.write_all(request)
        .and_then(|()| s.flush())
        .map_err(|e| format!("cannot send to {}: {e}", ep.addr))?;
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    while !got.windows(2).any(|w| w == b"\r\n") && got.len() < MAX_STATUS {
        s.bound(deadline)?;
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) => return Err(format!("no answer from {}: {e}", ep.addr)),
        }
    }
    let text = String::from_utf8_lossy(&got);
    let status = text.lines().next().unwrap_or("");
    let mut parts = status.split_whitespace();
    match (
        parts.next(),
        parts.next().and_then(|c| c.parse::<u16>().ok()),
    ) {
        (Some(v), Some(code)) if v.starts_with("HTTP/") && (200..300).contains(&code) => Ok(()),
        (Some(v), Some(_)) if v.starts_with("HTTP/") => Err(format!(
            "the collector answered {}",
            crate::render::visible(status.trim(), false)
        )),
        _ => Err(format!("{} did not answer HTTP", ep.addr)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_get_the_logs_path_and_tls_for_https() {
        let e = Endpoint::parse("http://127.0.0.1:4318", None).expect("parse");
        assert_eq!(
            (e.addr.as_str(), e.path.as_str()),
            ("127.0.0.1:4318", "/v1/logs")
        );
        assert_eq!(e.tls, None);
        let e = Endpoint::parse("http://otel/base/", None).expect("parse");
        assert_eq!(
            (e.addr.as_str(), e.path.as_str()),
            ("otel:80", "/base/v1/logs")
        );
        let e = Endpoint::parse("http://otel:4318/v1/logs", None).expect("parse");
        assert_eq!(e.path, "/v1/logs");
        let e =
            Endpoint::parse("https://otel.example.com", Some(Path::new("/ca.pem"))).expect("parse");
        assert_eq!(e.addr, "otel.example.com:443");
        let tls = e.tls.expect("tls");
        assert_eq!(tls.server_name, "otel.example.com");
        assert_eq!(tls.ca_file.as_deref(), Some(Path::new("/ca.pem")));
        assert!(Endpoint::parse("otel:4318", None).is_err());
        assert!(Endpoint::parse("ftp://otel:4318", None).is_err());
    }
}
