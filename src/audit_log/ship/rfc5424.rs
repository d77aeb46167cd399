//! RFC 5424 syslog messages to a remote collector: over UDP, one message per datagram
//! (RFC 5426); over TCP with octet-counting framing, `LEN SP MESSAGE` (RFC 6587
//! §3.4.1); over TLS with the same framing (RFC 5425, port 6514 by default; `tls.rs`).
//!
//! `<PRI>1 TIMESTAMP HOST interlock PID decision [interlock@32473 user="…" …] MSG`:
//! facility user; severity info for allows, notice for confirms, warning for denies.
//! 32473 is the enterprise number IANA reserves for examples (RFC 5612); SD-IDs with
//! an `@` are free for private use.

use super::tls::{Conn, Tls};
use super::{clip, left, Fields};
use std::io::Write;
use std::path::Path;
use std::time::Instant;

/// Commands longer than this are cut (twice in a message: the structured data and
/// the text), so a message stays under rsyslog's default 8 KiB limit.
const MAX_COMMAND: usize = 3 * 1024;
pub const SD_ID: &str = "interlock@32473";

#[derive(Debug, Clone, PartialEq)]
pub enum Transport {
    Udp,
    Tcp,
    Tls(Tls),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Endpoint {
    pub url: String,
    pub transport: Transport,
    pub addr: String,
}

impl Endpoint {
    /// `ca_file`: trusted besides the system's roots, for `tls://`.
    pub fn parse(url: &str, ca_file: Option<&Path>) -> Result<Endpoint, String> {
        let (rest, port) = if let Some(r) = url.strip_prefix("udp://") {
            (r, 514)
        } else if let Some(r) = url.strip_prefix("tcp://") {
            (r, 514)
        } else if let Some(r) = url.strip_prefix("tls://") {
            (r, 6514)
        } else {
            return Err("the syslog address must start with udp://, tcp:// or tls://".into());
        };
        let (addr, path) = super::authority(rest, port)?;
        if !path.is_empty() && path != "/" {
            return Err("a syslog address has no path".into());
        }
        let transport = if url.starts_with("udp://") {
            Transport::Udp
        } else if url.starts_with("tcp://") {
            Transport::Tcp
        } else {
            Transport::Tls(Tls::for_addr(&addr, ca_file)?)
        };
        Ok(Endpoint {
            url: url.to_string(),
            transport,
            addr,
        })
    }
}

/// A header field: printable US-ASCII without spaces, at most `max` bytes, `-` when
/// empty (RFC 5424 §6.2).
fn header(text: &str, max: usize) -> String {
    let clean: String = text
        .chars()
        .map(|c| if c.is_ascii_graphic() { c } else { '_' })
        .take(max)
        .collect();
    if clean.is_empty() {
        "-".into()
    } else {
        clean
    }
}

/// A PARAM-VALUE: `"`, `\` and `]` escaped with a backslash (RFC 5424 §6.3.3).
fn param(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '"' | '\\' | ']') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The message, without framing.
pub fn message(f: &Fields) -> String {
    const USER: u8 = 1;
    let e = f.entry;
    let severity = match e.decision.as_str() {
        "allow" => 6,
        "confirm" => 5,
        _ => 4,
    };
    let command = clip(&e.command, MAX_COMMAND);
    let rules = e.rules.join(",");
    let pid = e.pid.to_string();
    let params: [(&str, &str); 11] = [
        ("user", &f.user),
        ("door", &f.door),
        ("agent", &f.agent),
        ("cwd", &e.cwd),
        ("command", &command),
        ("decision", &e.decision),
        ("rules", &rules),
        ("outcome", &e.outcome),
        ("approver", &f.approver),
        ("policy_digest", &f.policy_digest),
        ("entry_hash", &e.hash),
    ];
    let sd: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("{k}=\"{}\"", param(v)))
        .collect();
    format!(
        "<{}>1 {} {} interlock {} decision [{SD_ID} {}] {} ({}): {command}",
        USER * 8 + severity,
        header(&e.time, 64),
        header(&f.host, 255),
        header(&pid, 128),
        sd.join(" "),
        e.decision,
        e.outcome,
    )
}

/// The bytes sent: the message alone over UDP, `LEN SP MESSAGE` over TCP and TLS.
pub fn framed(ep: &Endpoint, f: &Fields) -> Vec<u8> {
    let m = message(f);
    match ep.transport {
        Transport::Udp => m.into_bytes(),
        Transport::Tcp | Transport::Tls(_) => format!("{} {m}", m.len()).into_bytes(),
    }
}

/// UDP has no acknowledgement: a datagram handed to the kernel counts as sent. TCP
/// and TLS count as sent once written (over TLS: after a verified handshake).
pub fn send(ep: &Endpoint, bytes: &[u8], deadline: Instant) -> Result<(), String> {
    let tls = match &ep.transport {
        Transport::Udp => {
            use std::net::{ToSocketAddrs, UdpSocket};
            let to = ep
                .addr
                .to_socket_addrs()
                .map_err(|e| format!("cannot resolve {}: {e}", ep.addr))?
                .next()
                .ok_or_else(|| format!("{} has no address", ep.addr))?;
            let local = if to.is_ipv4() { "0.0.0.0:0" } else { "[::]:0" };
            let s = UdpSocket::bind(local).map_err(|e| e.to_string())?;
            s.set_write_timeout(Some(left(deadline)?))
                .map_err(|e| e.to_string())?;
            return s
                .send_to(bytes, to)
                .map(|_| ())
                .map_err(|e| format!("cannot send to {to}: {e}"));
        }
        Transport::Tcp => None,
        Transport::Tls(t) => Some(t),
    };
    let mut s = Conn::open(&ep.addr, tls, deadline)?;
    s.bound(deadline)?;
    s.write_all(bytes)
        .and_then(|()| s.finish())
        .map_err(|e| format!("cannot send to {}: {e}", ep.addr))?;
    // TLS 1.3 lets a client write before the collector has checked its certificate
    // (or its absence): a refusal is an alert that arrives after the record, read here.
    if s.asked_for_certificate() {
        s.until_closed()
            .map_err(|e| format!("cannot send to {}: {e}", ep.addr))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_name_udp_tcp_or_tls() {
        let e = Endpoint::parse("udp://logs", None).expect("parse");
        assert_eq!((e.transport, e.addr.as_str()), (Transport::Udp, "logs:514"));
        let e = Endpoint::parse("tcp://127.0.0.1:6000", None).expect("parse");
        assert_eq!(
            (e.transport, e.addr.as_str()),
            (Transport::Tcp, "127.0.0.1:6000")
        );
        let e = Endpoint::parse("tls://logs.example.com", None).expect("parse");
        assert_eq!(e.addr, "logs.example.com:6514");
        assert!(matches!(&e.transport, Transport::Tls(t) if t.server_name == "logs.example.com"));
        assert!(Endpoint::parse("logs:514", None).is_err());
        assert!(Endpoint::parse("tcp://logs:514/x", None).is_err());
    }

    #[test]
    fn values_and_headers_are_escaped() {
        assert_eq!(param(r#"a"b\c]d"#), r#"a\"b\\c\]d"#);
        assert_eq!(header("my host", 255), "my_host");
        assert_eq!(header("", 255), "-");
        assert_eq!(header("abcdef", 3), "abc");
    }
}
