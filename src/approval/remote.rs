//! The guard's side of an approval service (`interlock serve`, docs/fleet.md): send a
//! stopped command as a request, then read the answer and accept it only when it is
//! signed by the service's key (from the protected config) and bound to this request's
//! id, the nonce this run chose, the command's hash, this host, this directory and an
//! unexpired time.
//!
//! Kept small and dependency-light: nothing here runs unless a command is stopped and
//! `[settings.approvals]` names a service. HTTP is written by hand, over TCP for
//! `http://` or over TLS for `https://` (the service behind a TLS proxy: the same
//! connection code as the audit collectors', `audit_log::ship::tls`).

use super::RuleSummary;
use crate::audit_log::ship::tls::{Conn, Tls};
use ed25519_dalek::{Signature, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::time::Instant;

/// The signed answer's format version.
pub const ANSWER_VERSION: u32 = 1;
/// Requests and answers larger than this are refused (both sides).
pub const MAX_BODY: usize = 256 * 1024;
/// Commands longer than this are cut in what approvers are shown (the hash is of the
/// whole command).
pub const MAX_SHOWN_COMMAND: usize = 64 * 1024;
/// Prefix of a public key in the config: `ed25519:` and 64 hex digits.
pub const KEY_PREFIX: &str = "ed25519:";

/// What the guard sends: one stopped command.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Ask {
    /// Chosen by the guard: 32 hex digits.
    pub id: String,
    /// Chosen by the guard for this run only: 64 hex digits.
    pub nonce: String,
    /// The command with its secrets redacted (what approvers read).
    pub command: String,
    /// SHA-256 (hex) of the exact command, unredacted.
    pub command_sha256: String,
    pub host: String,
    pub user: String,
    pub cwd: String,
    #[serde(default)]
    pub repository: String,
    #[serde(default)]
    pub agent: String,
    pub rules: Vec<RuleSummary>,
}

/// What the service signs. The guard verifies the signature over the exact bytes of
/// this JSON text, then checks every field.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Payload {
    pub v: u32,
    pub id: String,
    pub nonce: String,
    pub command_sha256: String,
    pub host: String,
    pub cwd: String,
    /// `approve` or `deny`.
    pub decision: String,
    pub approver: String,
    pub decided_at: u64,
    /// Seconds since the epoch after which the answer counts for nothing.
    pub expires: u64,
}

/// The service's answer to a poll (and to the request itself, when an earlier
/// approval of the same command is carried over).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct Status {
    /// `pending`, `approved`, `denied`, or `unknown`.
    pub status: String,
    /// The signed payload, as JSON text.
    #[serde(default)]
    pub payload: Option<String>,
    /// Hex of the ed25519 signature over `payload`'s bytes.
    #[serde(default)]
    pub signature: Option<String>,
    /// Where approvers see the request.
    #[serde(default)]
    pub url: Option<String>,
}

/// A valid, signed answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub approved: bool,
    pub approver: String,
}

/// SHA-256 of text, as hex.
pub fn sha256_hex(text: &[u8]) -> String {
    hex(&Sha256::digest(text))
}

pub fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

pub fn unhex(text: &str) -> Option<Vec<u8>> {
    let t = text.trim();
    if !t.len().is_multiple_of(2) || !t.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    (0..t.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&t[i..i + 2], 16).ok())
        .collect()
}

/// `n` random bytes from the kernel, as hex.
pub fn random_hex(n: usize) -> std::io::Result<String> {
    let mut bytes = vec![0u8; n];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
    Ok(hex(&bytes))
}

/// `ed25519:HEX` → the key.
pub fn parse_public_key(text: &str) -> Result<VerifyingKey, String> {
    let hexpart = text.trim().strip_prefix(KEY_PREFIX).ok_or_else(|| {
        format!("the public key must start with `{KEY_PREFIX}` (as `interlock serve --print-public-key` prints it)")
    })?;
    let bytes = unhex(hexpart).ok_or("the public key is not hex")?;
    let arr: [u8; 32] = bytes
        .try_into()
        .map_err(|_| "the public key must be 32 bytes (64 hex digits)".to_string())?;
    VerifyingKey::from_bytes(&arr).map_err(|e| format!("not an ed25519 public key: {e}"))
}

/// What this run expects an answer to be bound to.
#[derive(Debug, Clone)]
pub struct Expect<'a> {
    pub id: &'a str,
    pub nonce: &'a str,
    pub command_sha256: &'a str,
    pub host: &'a str,
    pub cwd: &'a str,
    pub now: u64,
}

/// Verify a decided status. `Ok` only for an answer signed by `key` and bound to
/// everything in `expect`; `Err` says why it counts for nothing.
pub fn verify(status: &Status, key: &VerifyingKey, expect: &Expect) -> Result<Answer, String> {
    let (Some(payload), Some(sig)) = (status.payload.as_deref(), status.signature.as_deref())
    else {
        return Err("the answer is not signed".into());
    };
    let sig = unhex(sig)
        .and_then(|b| <[u8; 64]>::try_from(b).ok())
        .ok_or("the answer's signature is malformed")?;
    key.verify(payload.as_bytes(), &Signature::from_bytes(&sig))
        .map_err(|_| "the answer's signature is not the approval service's (a forged answer, or a service with another key)".to_string())?;
    let p: Payload = serde_json::from_str(payload)
        .map_err(|e| format!("the signed answer cannot be read: {e}"))?;
    if p.v != ANSWER_VERSION {
        return Err(format!("the signed answer has an unknown version {}", p.v));
    }
    if p.id != expect.id || p.nonce != expect.nonce {
        return Err("the signed answer is for another request (an older answer replayed?)".into());
    }
    if p.command_sha256 != expect.command_sha256 {
        return Err("the signed answer is for another command".into());
    }
    if p.host != expect.host {
        return Err(format!(
            "the signed answer is for another host ({})",
            crate::render::visible(&p.host, false)
        ));
    }
    if p.cwd != expect.cwd {
        return Err("the signed answer is for another directory".into());
    }
    if p.expires <= expect.now {
        return Err("the signed answer has expired".into());
    }
    match p.decision.as_str() {
        "approve" => Ok(Answer {
            approved: true,
            approver: p.approver,
        }),
        "deny" => Ok(Answer {
            approved: false,
            approver: p.approver,
        }),
        d => Err(format!(
            "the signed answer's decision `{}` is unknown",
            crate::render::visible(d, false)
        )),
    }
}

/// A service named in `[settings.approvals]`.
#[derive(Debug, Clone)]
pub struct Service {
    /// As configured (for messages), without a trailing slash.
    pub url: String,
    addr: String,
    base: String,
    pub key: VerifyingKey,
    /// For `https://`.
    tls: Option<Tls>,
}

impl Service {
    /// `ca_file`: trusted besides the system's roots, for `https://`.
    pub fn new(
        url: &str,
        public_key: &str,
        ca_file: Option<&std::path::Path>,
    ) -> Result<Service, String> {
        let url = url.trim().trim_end_matches('/');
        let (rest, port, https) = if let Some(r) = url.strip_prefix("http://") {
            (r, 80, false)
        } else if let Some(r) = url.strip_prefix("https://") {
            (r, 443, true)
        } else {
            return Err(
                "the approval service's url must start with http:// or https:// (answers are signed either way; https:// also keeps the commands private on the way)".into(),
            );
        };
        let (addr, base) = crate::audit_log::ship::authority(rest, port)?;
        let tls = if https {
            Some(Tls::for_addr(&addr, ca_file)?)
        } else {
            None
        };
        Ok(Service {
            url: url.to_string(),
            addr,
            base: base.trim_end_matches('/').to_string(),
            key: parse_public_key(public_key)?,
            tls,
        })
    }

    /// Send the request; the service's first status (usually `pending`).
    pub fn ask(&self, ask: &Ask, deadline: Instant) -> Result<Status, String> {
        let body = serde_json::to_vec(ask).map_err(|e| e.to_string())?;
        let (code, body) = self.http("POST", "/api/requests", Some(&body), deadline)?;
        if !(200..300).contains(&code) {
            return Err(format!(
                "the approval service refused the request (HTTP {code}: {})",
                crate::render::visible(
                    &String::from_utf8_lossy(&body[..body.len().min(300)]),
                    false
                )
            ));
        }
        serde_json::from_slice(&body)
            .map_err(|e| format!("the approval service's answer cannot be read: {e}"))
    }

    /// The request's status now.
    pub fn poll(&self, id: &str, deadline: Instant) -> Result<Status, String> {
        let (code, body) = self.http("GET", &format!("/api/requests/{id}"), None, deadline)?;
        if !(200..300).contains(&code) {
            return Err(format!("the approval service answered HTTP {code}"));
        }
        serde_json::from_slice(&body)
            .map_err(|e| format!("the approval service's answer cannot be read: {e}"))
    }

    fn http(
        &self,
        method: &str,
        path: &str,
        body: Option<&[u8]>,
        deadline: Instant,
    ) -> Result<(u16, Vec<u8>), String> {
        let mut s = Conn::open(&self.addr, self.tls.as_ref(), deadline)?;
        let body = body.unwrap_or(&[]);
        let head = format!(
            "{method} {}{path} HTTP/1.1\r\nHost: {}\r\nUser-Agent: interlock/{}\r\nAccept: application/json\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            self.base,
            self.addr,
            env!("CARGO_PKG_VERSION"),
            body.len()
        );
        let mut out = head.into_bytes();
        out.extend_from_slice(body);
        s.write_all(&out)
            .map_err(|e| format!("cannot send to {}: {e}", self.addr))?;
        let mut got = Vec::new();
        let mut buf = [0u8; 8192];
        loop {
            if s.bound(deadline).is_err() {
                return Err(format!("{} did not answer in time", self.addr));
            }
            match s.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    got.extend_from_slice(&buf[..n]);
                    if got.len() > MAX_BODY + 16 * 1024 {
                        return Err("the approval service's answer is too large".into());
                    }
                    if complete(&got) {
                        break;
                    }
                }
                Err(e) => return Err(format!("no answer from {}: {e}", self.addr)),
            }
        }
        parse_response(&got).ok_or_else(|| format!("{} did not answer HTTP", self.addr))
    }
}

/// A response whose head says how long its body is, and that has all of it.
fn complete(got: &[u8]) -> bool {
    let Some(end) = find(got, b"\r\n\r\n") else {
        return false;
    };
    let head = String::from_utf8_lossy(&got[..end]).to_ascii_lowercase();
    head.lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok())
        .is_some_and(|n| got.len() >= end + 4 + n)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Status code and body (chunked bodies decoded).
fn parse_response(got: &[u8]) -> Option<(u16, Vec<u8>)> {
    let end = find(got, b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&got[..end]).into_owned();
    let mut parts = head.lines().next()?.split_whitespace();
    if !parts.next()?.starts_with("HTTP/") {
        return None;
    }
    let code = parts.next()?.parse::<u16>().ok()?;
    let lower = head.to_ascii_lowercase();
    let mut body = got[end + 4..].to_vec();
    if lower.contains("transfer-encoding: chunked") {
        body = dechunk(&body)?;
    } else if let Some(n) = lower
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok())
    {
        body.truncate(n);
    }
    Some((code, body))
}

fn dechunk(mut data: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line_end = find(data, b"\r\n")?;
        let size_text = String::from_utf8_lossy(&data[..line_end]);
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        data = &data[line_end + 2..];
        if size == 0 {
            return Some(out);
        }
        if data.len() < size {
            return None;
        }
        out.extend_from_slice(&data[..size]);
        data = data.get(size + 2..)?;
    }
}

/// The repository a directory is in (the nearest ancestor with `.git`), or empty.
pub fn repository(cwd: &std::path::Path) -> String {
    let mut dir = Some(cwd);
    let mut n = 0;
    while let Some(d) = dir {
        if n > 64 {
            break;
        }
        if d.join(".git").exists() {
            return d.to_string_lossy().into_owned();
        }
        dir = d.parent();
        n += 1;
    }
    String::new()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::{Signer, SigningKey};

    fn signed(key: &SigningKey, p: &Payload) -> Status {
        let text = serde_json::to_string(p).expect("json");
        let sig = key.sign(text.as_bytes());
        Status {
            status: "approved".into(),
            payload: Some(text),
            signature: Some(hex(&sig.to_bytes())),
            url: None,
        }
    }

    #[test]
    fn only_a_signed_bound_unexpired_answer_counts() {
        let key = SigningKey::from_bytes(&[7u8; 32]);
        let other = SigningKey::from_bytes(&[8u8; 32]);
        let public = key.verifying_key();
        let good = Payload {
            v: 1,
            id: "a".repeat(32),
            nonce: "b".repeat(64),
            command_sha256: sha256_hex(b"rm -rf build"),
            host: "h1".into(),
            cwd: "/w".into(),
            decision: "approve".into(),
            approver: "alice".into(),
            decided_at: 100,
            expires: 200,
        };
        let h = sha256_hex(b"rm -rf build");
        let nonce = "b".repeat(64);
        let id = "a".repeat(32);
        let expect = Expect {
            id: &id,
            nonce: &nonce,
            command_sha256: &h,
            host: "h1",
            cwd: "/w",
            now: 150,
        };
        assert_eq!(
            verify(&signed(&key, &good), &public, &expect),
            Ok(Answer {
                approved: true,
                approver: "alice".into()
            })
        );
        let err = |s: Status| verify(&s, &public, &expect).expect_err("refused");
        assert!(err(signed(&other, &good)).contains("not the approval service's"));
        let mut unsigned = signed(&key, &good);
        unsigned.signature = None;
        assert!(err(unsigned).contains("not signed"));
        let mut tampered = signed(&key, &good);
        tampered.payload = Some(
            tampered
                .payload
                .unwrap_or_default()
                .replace("\"h1\"", "\"h2\""),
        );
        assert!(err(tampered).contains("not the approval service's"));
        for (p, why) in [
            (
                Payload {
                    nonce: "c".repeat(64),
                    ..good.clone()
                },
                "another request",
            ),
            (
                Payload {
                    id: "d".repeat(32),
                    ..good.clone()
                },
                "another request",
            ),
            (
                Payload {
                    command_sha256: sha256_hex(b"x"),
                    ..good.clone()
                },
                "another command",
            ),
            (
                Payload {
                    host: "h2".into(),
                    ..good.clone()
                },
                "another host",
            ),
            (
                Payload {
                    cwd: "/x".into(),
                    ..good.clone()
                },
                "another directory",
            ),
            (
                Payload {
                    expires: 150,
                    ..good.clone()
                },
                "expired",
            ),
            (
                Payload {
                    v: 2,
                    ..good.clone()
                },
                "version",
            ),
        ] {
            assert!(err(signed(&key, &p)).contains(why), "{why}");
        }
    }

    #[test]
    fn keys_and_responses_parse() {
        let key = SigningKey::from_bytes(&[7u8; 32]);
        let text = format!("{KEY_PREFIX}{}", hex(key.verifying_key().as_bytes()));
        assert_eq!(parse_public_key(&text), Ok(key.verifying_key()));
        assert!(parse_public_key("abc").is_err());
        assert!(parse_public_key("ed25519:abcd").is_err());
        let r = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}";
        assert!(complete(r));
        assert_eq!(parse_response(r), Some((200, b"{}".to_vec())));
        let c = b"HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n";
        assert_eq!(parse_response(c), Some((201, b"{}".to_vec())));
        assert!(Service::new("ftp://x", &text, None).is_err());
        assert!(Service::new("http://127.0.0.1:1/", &text, None).is_ok());
        assert!(Service::new("https://approvals.example.com/", &text, None).is_ok());
    }
}
