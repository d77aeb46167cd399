//! The broker protocol: how processes inside an `interlock wrap` session reach the
//! human at the session's terminal.
//!
//! The wrapper listens on a unix socket in a per-session 0700 directory and exports
//! its path in `INTERLOCK_BROKER`, and the path of a 0600 token file in
//! `INTERLOCK_BROKER_TOKEN`. A client connects, writes one JSON request line, and reads
//! one JSON response line; it may then send further requests on the same connection,
//! one at a time. Every request carries the token; the wrapper answers anything else
//! with `refused`.
//!
//! Two requests:
//! - `check`: the shell integration asks whether a typed command line may run
//!   (`{"kind":"check","token":…,"line":…,"cwd":…,"pid":…}`). The wrapper runs the engine
//!   and, on confirm or deny, shows the card and asks the human.
//! - `approve`: an agent shell inside the session asks a human to approve a command it
//!   stopped (`{"kind":"approve","token":…,"command":…,"cwd":…,"rules":[…],"pid":…}`).
//!
//! - `log`: an agent shell inside the session, whose audit log is read-only there,
//!   hands over its entry (`{"kind":"log","token":…,"record":{…}}`); the wrapper
//!   appends it, its source marked `… in wrap`.
//!
//! Response: `{"decision":"allow"|"approved"|"refused","message":…}`. `allow` means the
//! line needed no confirmation; `approved` that a human said yes; `refused` covers no,
//! time-outs and errors, so a client that reads anything else treats it as refused.

use crate::approval::RuleSummary;
use serde::{Deserialize, Serialize};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub const SOCKET_ENV: &str = "INTERLOCK_BROKER";
pub const TOKEN_ENV: &str = "INTERLOCK_BROKER_TOKEN";
/// Requests and responses are small; anything longer is refused.
pub const MAX_MESSAGE: usize = 8 * 1024 * 1024;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Request {
    Check {
        token: String,
        line: String,
        cwd: String,
        pid: u32,
    },
    Approve {
        token: String,
        command: String,
        cwd: String,
        rules: Vec<RuleSummary>,
        pid: u32,
    },
    /// An agent shell inside the session's confinement, where the audit log is
    /// read-only, hands its log entry to the wrapper to append.
    Log { token: String, record: LogRecord },
}

/// An audit log entry as an agent shell would have written it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LogRecord {
    /// The door as the agent shell names it (`shell`, `shell:claude`).
    pub source: String,
    pub cwd: String,
    pub command: String,
    pub decision: String,
    pub rules: Vec<String>,
    pub outcome: String,
    pub channel: Option<String>,
    pub code: Option<String>,
}

impl Request {
    pub fn token(&self) -> &str {
        match self {
            Request::Check { token, .. }
            | Request::Approve { token, .. }
            | Request::Log { token, .. } => token,
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    Allow,
    Approved,
    Refused,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Response {
    pub decision: Answer,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// The session's broker, if this process runs inside `interlock wrap`.
pub fn from_env() -> Option<(PathBuf, PathBuf)> {
    let sock = std::env::var_os(SOCKET_ENV).filter(|v| !v.is_empty())?;
    let token = std::env::var_os(TOKEN_ENV).filter(|v| !v.is_empty())?;
    Some((PathBuf::from(sock), PathBuf::from(token)))
}

pub fn read_token(path: &Path) -> io::Result<String> {
    let t = std::fs::read_to_string(path)?;
    Ok(t.trim().to_string())
}

/// Send one request and wait up to `timeout` for the answer.
pub fn ask(socket: &Path, req: &Request, timeout: Duration) -> io::Result<Response> {
    let stream = UnixStream::connect(socket)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(Duration::from_secs(5)))?;
    let mut line = serde_json::to_vec(req).map_err(io::Error::other)?;
    line.push(b'\n');
    crate::sock::NoSigPipe(&stream).write_all(&line)?;
    let mut reader = BufReader::new(stream);
    read_message(&mut reader)
}

/// A connection kept for several requests, one after the other.
pub struct Connection {
    reader: BufReader<UnixStream>,
}

impl Connection {
    pub fn open(socket: &Path) -> io::Result<Connection> {
        let stream = UnixStream::connect(socket)?;
        stream.set_write_timeout(Some(Duration::from_secs(5)))?;
        Ok(Connection {
            reader: BufReader::new(stream),
        })
    }

    /// Send one request and wait up to `timeout` for the answer.
    pub fn ask(&mut self, req: &Request, timeout: Duration) -> io::Result<Response> {
        self.reader.get_ref().set_read_timeout(Some(timeout))?;
        write_message(&mut crate::sock::NoSigPipe(self.reader.get_ref()), req)?;
        read_message(&mut self.reader)
    }
}

/// Read one JSON line (bounded) and parse it.
pub fn read_message<T: for<'de> Deserialize<'de>>(reader: &mut impl BufRead) -> io::Result<T> {
    let mut buf = Vec::new();
    let mut limited = reader.take(MAX_MESSAGE as u64);
    limited.read_until(b'\n', &mut buf)?;
    if buf.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the broker closed the connection",
        ));
    }
    serde_json::from_slice(&buf).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

/// Write one JSON line.
pub fn write_message<T: Serialize>(w: &mut impl Write, msg: &T) -> io::Result<()> {
    let mut line = serde_json::to_vec(msg).map_err(io::Error::other)?;
    line.push(b'\n');
    w.write_all(&line)?;
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_over_a_socket() {
        let dir = tempfile::tempdir().expect("tempdir");
        let sock = dir.path().join("s");
        let listener = std::os::unix::net::UnixListener::bind(&sock).expect("bind");
        let server = std::thread::spawn(move || {
            let (stream, _) = listener.accept().expect("accept");
            let mut r = BufReader::new(stream.try_clone().expect("clone"));
            let req: Request = read_message(&mut r).expect("read");
            let mut w = stream;
            let decision = if req.token() == "t" {
                Answer::Approved
            } else {
                Answer::Refused
            };
            write_message(
                &mut w,
                &Response {
                    decision,
                    message: None,
                },
            )
            .expect("write");
        });
        let req = Request::Approve {
            token: "t".into(),
            command: "git push -f".into(),
            cwd: "/p".into(),
            rules: vec![],
            pid: 1,
        };
        let resp = ask(&sock, &req, Duration::from_secs(5)).expect("ask");
        assert_eq!(resp.decision, Answer::Approved);
        server.join().expect("server");
    }

    #[test]
    fn wire_format_is_stable() {
        let r = Request::Check {
            token: "t".into(),
            line: "ls".into(),
            cwd: "/".into(),
            pid: 7,
        };
        assert_eq!(
            serde_json::to_string(&r).expect("json"),
            r#"{"kind":"check","token":"t","line":"ls","cwd":"/","pid":7}"#
        );
    }
}
