//! Shipping: a copy of every logged decision to the fleet's collectors, besides the
//! local hash-chained log: OpenTelemetry log records over OTLP/HTTP with JSON
//! (`otlp`), and RFC 5424 syslog over UDP, TCP or TLS (`rfc5424`); TLS in `tls`. Set
//! in `[settings.ship]` of the system or user config (docs/fleet.md).
//!
//! A collector never holds a decision up for longer than `timeout_ms` and never
//! changes it: each collector is sent to on its own thread, and the deciding thread
//! waits for their answers only until the deadline. What is not confirmed by then (a
//! refused connection, an HTTP error, a collector that does not answer) is counted as
//! lost in the state directory (`stats`), which `interlock doctor` reports.

mod otlp;
mod rfc5424;
pub mod stats;
pub(crate) mod tls;

use super::Entry;
use crate::policy::layers::Ship;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The bound when `timeout_ms` is not set.
pub const DEFAULT_TIMEOUT_MS: u64 = 200;
/// The largest bound accepted: a decision must not wait on the network for longer.
pub const MAX_TIMEOUT_MS: u64 = 10_000;

/// What a shipped record says, beyond the local entry.
pub struct Fields<'a> {
    pub entry: &'a Entry,
    pub host: String,
    pub user: String,
    /// `shell`, `hook`, `wrap`, `shell in wrap` (the source without its agent).
    pub door: String,
    /// The agent, when the door knows it (`claude` from `hook:claude`).
    pub agent: String,
    /// Who approved: the approval's channel (`terminal`, `wrap`), when there was one.
    pub approver: String,
    pub policy_digest: String,
}

impl<'a> Fields<'a> {
    pub fn of(entry: &'a Entry) -> Fields<'a> {
        let (door, agent) = door_and_agent(&entry.source);
        Fields {
            entry,
            host: host_name(),
            user: user_name(),
            door,
            agent,
            approver: entry.channel.clone().unwrap_or_default(),
            policy_digest: entry.policy_digest.clone().unwrap_or_default(),
        }
    }
}

/// `shell:claude in wrap` → (`shell in wrap`, `claude`); `wrap` → (`wrap`, ``).
fn door_and_agent(source: &str) -> (String, String) {
    match source.split_once(':') {
        None => (source.to_string(), String::new()),
        Some((door, rest)) => match rest.split_once(' ') {
            Some((agent, tail)) => (format!("{door} {tail}"), agent.to_string()),
            None => (door.to_string(), rest.to_string()),
        },
    }
}

/// The kernel's host name (what `gethostname` returns).
pub fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok().filter(|h| !h.is_empty()))
        .unwrap_or_else(|| "localhost".to_string())
}

/// The user this process runs as, by name when the account database has it.
pub fn user_name() -> String {
    let uid = nix::unistd::getuid();
    match nix::unistd::User::from_uid(uid) {
        Ok(Some(u)) => u.name,
        _ => uid.to_string(),
    }
}

/// One collector named in the settings.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    Otlp(otlp::Endpoint),
    Syslog(rfc5424::Endpoint),
}

impl Target {
    /// How the stats and `doctor` name it: `otlp http://…`, `syslog tcp://…`.
    pub fn key(&self) -> String {
        match self {
            Target::Otlp(e) => format!("otlp {}", e.url),
            Target::Syslog(e) => format!("syslog {}", e.url),
        }
    }

    fn payload(&self, f: &Fields) -> Vec<u8> {
        match self {
            Target::Otlp(e) => otlp::request(e, f),
            Target::Syslog(e) => rfc5424::framed(e, f),
        }
    }

    fn send(&self, payload: &[u8], deadline: Instant) -> Result<(), String> {
        match self {
            Target::Otlp(e) => otlp::send(e, payload, deadline),
            Target::Syslog(e) => rfc5424::send(e, payload, deadline),
        }
    }
}

/// The collectors in the settings: each one, or why its address cannot be used
/// (keyed like a target, so the problem shows in `doctor`).
pub fn targets(ship: &Ship) -> Vec<Result<Target, (String, String)>> {
    let mut out = Vec::new();
    let ca_file = ship
        .ca_file
        .as_deref()
        .map(str::trim)
        .filter(|f| !f.is_empty())
        .map(std::path::Path::new);
    let file = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|f| !f.is_empty())
            .map(std::path::PathBuf::from)
    };
    let client = match (file(&ship.client_cert), file(&ship.client_key)) {
        (Some(cert), Some(key)) => Ok(Some(tls::ClientAuth { cert, key })),
        (None, None) => Ok(None),
        (Some(_), None) => Err("`client_cert` is set without `client_key`".to_string()),
        (None, Some(_)) => Err("`client_key` is set without `client_cert`".to_string()),
    };
    if let Some(url) = ship
        .otlp_endpoint
        .as_deref()
        .filter(|u| !u.trim().is_empty())
    {
        let ep = otlp::Endpoint::parse(url.trim(), ca_file).and_then(|mut ep| {
            if let Some(t) = &mut ep.tls {
                t.client = client.clone()?;
            }
            if let Some(h) = &ship.otlp_headers {
                ep.headers = otlp::check_headers(h)?;
            }
            Ok(ep)
        });
        out.push(
            ep.map(Target::Otlp)
                .map_err(|e| (format!("otlp {}", url.trim()), e)),
        );
    }
    if let Some(url) = ship.syslog.as_deref().filter(|u| !u.trim().is_empty()) {
        let ep = rfc5424::Endpoint::parse(url.trim(), ca_file).and_then(|mut ep| {
            if let rfc5424::Transport::Tls(t) = &mut ep.transport {
                t.client = client.clone()?;
            }
            Ok(ep)
        });
        out.push(
            ep.map(Target::Syslog)
                .map_err(|e| (format!("syslog {}", url.trim()), e)),
        );
    }
    out
}

/// The bound a decision waits for the collectors.
pub fn bound(ship: &Ship) -> Duration {
    Duration::from_millis(
        ship.timeout_ms
            .unwrap_or(DEFAULT_TIMEOUT_MS)
            .clamp(1, MAX_TIMEOUT_MS),
    )
}

/// Send one entry to every configured collector, waiting at most the bound, and
/// count what was sent and lost. Never fails: the decision is already made.
pub fn ship(entry: &Entry, ship: &Ship) {
    let bound = bound(ship);
    let deadline = Instant::now() + bound;
    let fields = Fields::of(entry);
    let (tx, rx) = mpsc::channel::<(String, Result<(), String>)>();
    let mut results = Vec::new();
    let mut pending = Vec::new();
    for t in targets(ship) {
        let t = match t {
            Ok(t) => t,
            Err((key, why)) => {
                results.push((key, Err(why)));
                continue;
            }
        };
        let key = t.key();
        let payload = t.payload(&fields);
        let tx = tx.clone();
        let k = key.clone();
        let spawned = std::thread::Builder::new()
            .name("interlock-ship".into())
            .spawn(move || {
                let r = t.send(&payload, deadline);
                let _ = tx.send((k, r));
            });
        match spawned {
            Ok(_) => pending.push(key),
            Err(e) => results.push((key, Err(format!("cannot start a thread: {e}")))),
        }
    }
    drop(tx);
    while !pending.is_empty() {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok((key, r)) => {
                pending.retain(|k| *k != key);
                results.push((key, r));
            }
            Err(_) => break,
        }
    }
    // Still sending at the deadline: counted as lost; the thread ends with the process
    // or at its own socket timeouts, and its late answer is not counted.
    for key in pending {
        results.push((
            key,
            Err(format!(
                "no confirmation within {} ms (the collector is slow or not answering)",
                bound.as_millis()
            )),
        ));
    }
    if let Err(e) = stats::record(&results) {
        eprintln!("interlock: warning: cannot count shipped records: {e}");
    }
}

/// Time left before the deadline, never zero (socket timeouts refuse zero).
fn left(deadline: Instant) -> Result<Duration, String> {
    let d = deadline.saturating_duration_since(Instant::now());
    if d.is_zero() {
        return Err("out of time before sending".into());
    }
    Ok(d.max(Duration::from_millis(1)))
}

/// Connect over TCP to `addr` (`host:port`) within the deadline, with read and write
/// timeouts set to what is left of it; writes never raise SIGPIPE.
pub(crate) fn connect(
    addr: &str,
    deadline: Instant,
) -> Result<crate::sock::NoSigPipe<std::net::TcpStream>, String> {
    use std::net::ToSocketAddrs;
    let addrs: Vec<_> = addr
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve {addr}: {e}"))?
        .collect();
    let mut last = format!("{addr} has no address");
    for a in addrs {
        match std::net::TcpStream::connect_timeout(&a, left(deadline)?) {
            Ok(s) => {
                let t = left(deadline)?;
                s.set_write_timeout(Some(t)).map_err(|e| e.to_string())?;
                s.set_read_timeout(Some(t)).map_err(|e| e.to_string())?;
                let _ = s.set_nodelay(true);
                return Ok(crate::sock::NoSigPipe(s));
            }
            Err(e) => last = format!("cannot connect to {a}: {e}"),
        }
    }
    Err(last)
}

/// `host:port` of a URL's authority, with a default port (`[v6]:port` kept as is).
pub(crate) fn authority(rest: &str, default_port: u16) -> Result<(String, String), String> {
    let (auth, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    if auth.is_empty() || auth.contains('@') {
        return Err("the address needs a host (and no user part)".into());
    }
    let has_port = match auth.rfind(']') {
        Some(close) => auth[close..].contains(':'),
        None => auth.contains(':'),
    };
    let hostport = if has_port {
        let port = auth.rsplit(':').next().unwrap_or("");
        if port.parse::<u16>().is_err() {
            return Err(format!("`{port}` is not a port"));
        }
        auth.to_string()
    } else {
        format!("{auth}:{default_port}")
    };
    Ok((hostport, path.to_string()))
}

/// Cut text to at most `max` bytes on a character boundary, saying how much was cut.
fn clip(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…[{} more bytes]", &text[..end], text.len() - end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doors_and_agents_come_from_the_source() {
        let da = |s: &str| door_and_agent(s);
        assert_eq!(da("shell"), ("shell".into(), "".into()));
        assert_eq!(da("shell:claude"), ("shell".into(), "claude".into()));
        assert_eq!(da("hook:codex"), ("hook".into(), "codex".into()));
        assert_eq!(
            da("shell:gemini in wrap"),
            ("shell in wrap".into(), "gemini".into())
        );
        assert_eq!(da("wrap"), ("wrap".into(), "".into()));
    }

    #[test]
    fn addresses_take_default_ports_and_refuse_what_is_not_an_address() {
        assert_eq!(
            authority("collector:4318/base", 80),
            Ok(("collector:4318".into(), "/base".into()))
        );
        assert_eq!(authority("logs", 514), Ok(("logs:514".into(), "".into())));
        assert_eq!(authority("[::1]", 514), Ok(("[::1]:514".into(), "".into())));
        assert_eq!(
            authority("[::1]:6000", 514),
            Ok(("[::1]:6000".into(), "".into()))
        );
        assert!(authority("", 1).is_err());
        assert!(authority("u@h:1", 1).is_err());
        assert!(authority("h:port", 1).is_err());
    }

    #[test]
    fn bounds_are_clamped_and_text_is_clipped_on_characters() {
        let ship = |ms| Ship {
            timeout_ms: ms,
            ..Ship::default()
        };
        assert_eq!(bound(&ship(None)), Duration::from_millis(200));
        assert_eq!(bound(&ship(Some(0))), Duration::from_millis(1));
        assert_eq!(bound(&ship(Some(u64::MAX))), Duration::from_millis(10_000));
        assert_eq!(clip("abc", 3), "abc");
        assert_eq!(clip("aé", 2), "a…[2 more bytes]");
    }
}
