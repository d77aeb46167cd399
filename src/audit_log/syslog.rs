//! Copies of log entries to the local syslog socket (`/dev/log`, read by journald or
//! rsyslog), so a fleet's existing log pipeline gets them. Best effort: a missing
//! socket never stops a command.
//!
//! Format (RFC 3164 without a timestamp, which syslog daemons fill in):
//! `<PRI>interlock[PID]: JSON`, facility user; severity notice for stops, info else.

use super::Entry;
use std::os::unix::net::UnixDatagram;

/// `INTERLOCK_SYSLOG_SOCKET` points elsewhere (tests).
fn socket_path() -> std::path::PathBuf {
    std::env::var_os("INTERLOCK_SYSLOG_SOCKET")
        .filter(|v| !v.is_empty())
        .map(Into::into)
        .unwrap_or_else(|| "/dev/log".into())
}

pub fn line(e: &Entry) -> String {
    const USER: u8 = 1;
    let severity = if e.decision == "allow" { 6 } else { 5 };
    let json = serde_json::to_string(e).unwrap_or_default();
    format!("<{}>interlock[{}]: {json}", USER * 8 + severity, e.pid)
}

pub fn send(e: &Entry) {
    if let Ok(sock) = UnixDatagram::unbound() {
        let _ = sock.send_to(line(e).as_bytes(), socket_path());
    }
}
