//! The audit log: one JSON line per decision, in the state directory
//! (`audit.jsonl`, 0600), hash-chained so that edits and truncation show.
//!
//! Each entry carries the hash of the one before (`prev`) and its own `hash`, the
//! SHA-256 of `prev` and the entry's JSON with `hash` empty. A head file
//! (`audit.head`) keeps the count and the last hash, so cutting entries off the end
//! is caught too. Appends hold an exclusive lock on the log.
//!
//! What this proves: the log was not edited by something that did not also rewrite
//! every later hash and the head. A process running as the same user can do that;
//! the `interlock.state` rule (through the `interlock.self` check) stops commands that
//! touch the state directory, and
//! `settings.syslog` sends every entry (with its hash) off the machine's user account,
//! and `[settings.ship]` to the fleet's collectors (`ship`).

pub mod redact;
pub mod ship;
pub mod syslog;
pub mod time;

pub use redact::redact;

use crate::approval::state_dir;
use crate::policy::layers::Settings;
use nix::fcntl::{Flock, FlockArg};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::{self, BufRead, Write};
use std::path::PathBuf;

pub const LOG_FILE: &str = "audit.jsonl";
pub const HEAD_FILE: &str = "audit.head";
/// The `prev` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";
/// Commands longer than this are cut in the log (scripts can be megabytes).
pub const MAX_COMMAND: usize = 64 * 1024;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Entry {
    /// UTC, RFC 3339.
    pub time: String,
    /// Seconds since the epoch.
    pub ts: u64,
    /// Which front door decided: `shell` (`shell:claude`, `shell:gemini` for a known
    /// agent wrapper), `hook:<agent>`, `wrap`.
    pub source: String,
    pub cwd: String,
    /// The command with secrets redacted.
    pub command: String,
    pub decision: String,
    pub rules: Vec<String>,
    /// `ran`, `approved`, `refused`, `denied`, `timed_out`, `used_by_another_run`,
    /// `audit` (would have been stopped; ran in audit mode), `error`.
    pub outcome: String,
    /// How it was approved or refused: `terminal`, `wrap`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    /// The approval code shown, when there was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The digest of the policy that decided (`interlock policy digest`). Entries
    /// written before it was recorded have none; their hash covers their JSON as
    /// written, so they still verify.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_digest: Option<String>,
    pub pid: u32,
    pub prev: String,
    pub hash: String,
}

/// What a front door reports; the log fills in time, chain and redaction.
pub struct Record<'a> {
    pub source: &'a str,
    pub cwd: &'a str,
    pub command: &'a str,
    pub decision: &'a str,
    pub rules: Vec<String>,
    pub outcome: &'a str,
    pub channel: Option<String>,
    pub code: Option<String>,
    /// The digest of the policy that decided: `Engine::policy_digest`, asked for only
    /// when a record is written (computing it walks every rule).
    pub policy_digest: &'a str,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
struct Head {
    count: u64,
    hash: String,
}

pub fn log_path() -> Option<PathBuf> {
    state_dir().map(|d| d.join(LOG_FILE))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The hash an entry must carry: over `prev` and its JSON with `hash` empty.
pub fn entry_hash(e: &Entry) -> String {
    let mut blank = e.clone();
    blank.hash.clear();
    let json = serde_json::to_string(&blank).unwrap_or_default();
    let mut h = Sha256::new();
    h.update(e.prev.as_bytes());
    h.update(b"\n");
    h.update(json.as_bytes());
    hex(&h.finalize())
}

fn cut(command: &str) -> String {
    if command.len() <= MAX_COMMAND {
        return command.to_string();
    }
    let mut end = MAX_COMMAND;
    while !command.is_char_boundary(end) {
        end -= 1;
    }
    format!(
        "{}…[{} more bytes not logged]",
        &command[..end],
        command.len() - end
    )
}

/// Append one entry, then send it where the settings say (the local syslog, the
/// fleet's collectors). Returns the entry written.
pub fn append(rec: Record, settings: &Settings) -> io::Result<Entry> {
    use std::os::unix::fs::OpenOptionsExt;
    let dir = state_dir()
        .ok_or_else(|| io::Error::other("no state directory: set HOME or INTERLOCK_STATE_DIR"))?;
    crate::approval::ensure_private_dir(&dir)?;
    let file = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .read(true)
        .mode(0o600)
        .open(dir.join(LOG_FILE))?;
    let mut file =
        Flock::lock(file, FlockArg::LockExclusive).map_err(|(_, e)| io::Error::from(e))?;
    let head_path = dir.join(HEAD_FILE);
    let head = match std::fs::read(&head_path) {
        Ok(b) => serde_json::from_slice::<Head>(&b).ok(),
        Err(_) => None,
    };
    let head = match head {
        Some(h) => h,
        None if file.metadata()?.len() == 0 => Head {
            count: 0,
            hash: GENESIS.to_string(),
        },
        // The head is gone but entries exist: chain onto the last one; verify will
        // still report the missing head.
        None => scan_tail(&dir.join(LOG_FILE))?,
    };
    let ts = crate::approval::now();
    let mut e = Entry {
        time: time::rfc3339(ts),
        ts,
        source: rec.source.to_string(),
        cwd: rec.cwd.to_string(),
        command: cut(&redact(rec.command)),
        decision: rec.decision.to_string(),
        rules: rec.rules,
        outcome: rec.outcome.to_string(),
        channel: rec.channel,
        code: rec.code,
        policy_digest: Some(rec.policy_digest.to_string()).filter(|d| !d.is_empty()),
        pid: std::process::id(),
        prev: head.hash,
        hash: String::new(),
    };
    e.hash = entry_hash(&e);
    let mut line = serde_json::to_vec(&e).map_err(io::Error::other)?;
    line.push(b'\n');
    file.write_all(&line)?;
    let new_head = Head {
        count: head.count + 1,
        hash: e.hash.clone(),
    };
    crate::approval::write_private(
        &head_path,
        &serde_json::to_vec(&new_head).map_err(io::Error::other)?,
    )?;
    drop(file);
    if settings.syslog.unwrap_or(false) {
        syslog::send(&e);
    }
    if let Some(s) = settings.ship.as_ref().filter(|s| s.is_on()) {
        ship::ship(&e, s);
    }
    Ok(e)
}

fn scan_tail(path: &std::path::Path) -> io::Result<Head> {
    let mut head = Head {
        count: 0,
        hash: GENESIS.to_string(),
    };
    for line in io::BufReader::new(std::fs::File::open(path)?).lines() {
        let line = line?;
        head.count += 1;
        if let Ok(e) = serde_json::from_str::<Entry>(&line) {
            head.hash = e.hash;
        }
    }
    Ok(head)
}

/// Read every entry (lines that do not parse are skipped; `verify` reports them).
pub fn read_all() -> io::Result<Vec<Entry>> {
    let Some(path) = log_path() else {
        return Ok(Vec::new());
    };
    let file = match std::fs::File::open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut out = Vec::new();
    for line in io::BufReader::new(file).split(b'\n') {
        if let Ok(e) = serde_json::from_slice::<Entry>(&line?) {
            out.push(e);
        }
    }
    Ok(out)
}

/// The result of checking the chain.
#[derive(Debug, PartialEq)]
pub enum Verified {
    /// No log yet.
    Empty,
    Intact {
        entries: u64,
    },
    Broken {
        problems: Vec<String>,
    },
}

/// Check every hash, the links between entries, and the head.
pub fn verify() -> io::Result<Verified> {
    let Some(dir) = state_dir() else {
        return Ok(Verified::Empty);
    };
    let log = dir.join(LOG_FILE);
    let head: Option<Head> = match std::fs::read(dir.join(HEAD_FILE)) {
        Ok(b) => Some(serde_json::from_slice(&b).unwrap_or(Head {
            count: u64::MAX,
            hash: "unreadable".into(),
        })),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => return Err(e),
    };
    let file = match std::fs::File::open(&log) {
        Ok(f) => Some(f),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => return Err(e),
    };
    let mut problems = Vec::new();
    let Some(file) = file else {
        return Ok(match head {
            None => Verified::Empty,
            Some(_) => Verified::Broken {
                problems: vec![
                    "the log file is missing but its head says entries were written".into(),
                ],
            },
        });
    };
    let mut prev = GENESIS.to_string();
    let mut count = 0u64;
    for (i, line) in io::BufReader::new(file).split(b'\n').enumerate() {
        let line = line?;
        let n = i + 1;
        count += 1;
        let e: Entry = match serde_json::from_slice(&line) {
            Ok(e) => e,
            Err(_) => {
                problems.push(format!("line {n}: not a log entry"));
                prev = String::new();
                continue;
            }
        };
        if e.prev != prev {
            problems.push(format!(
                "line {n}: does not follow the entry before it (an entry was removed, inserted or edited)"
            ));
        }
        if entry_hash(&e) != e.hash {
            problems.push(format!(
                "line {n}: its content does not match its hash (edited)"
            ));
        } else if serde_json::to_vec(&e).ok().as_deref() != Some(&line[..]) {
            problems.push(format!("line {n}: reformatted"));
        }
        prev = e.hash;
    }
    match head {
        None if count > 0 => {
            problems.push("the head file (audit.head) is missing".into());
        }
        Some(h) if h.count != count || h.hash != prev => problems.push(format!(
            "the log has {count} entries but its head records {} ending in another hash (entries were cut off the end or added)",
            if h.count == u64::MAX { "an unreadable state".to_string() } else { h.count.to_string() }
        )),
        _ => {}
    }
    Ok(if problems.is_empty() {
        if count == 0 {
            Verified::Empty
        } else {
            Verified::Intact { entries: count }
        }
    } else {
        Verified::Broken { problems }
    })
}
