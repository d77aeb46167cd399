//! Counts of shipped and lost records per collector, in `ship.json` in the state
//! directory (which the confinement and the `interlock.state` rule keep from the
//! agent's commands, so an agent cannot hide lost records). Updated under an
//! exclusive lock: many agent shells may log at once.

use crate::approval::state_dir;
use nix::fcntl::{Flock, FlockArg};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::{self, Read, Seek, Write};

pub const FILE: &str = "ship.json";
/// Error messages kept are cut to this many bytes.
const MAX_ERROR: usize = 300;

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Health {
    pub sent: u64,
    pub lost: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_sent: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error_time: Option<String>,
}

/// Per collector key (`otlp http://…`, `syslog udp://…`).
pub type Stats = BTreeMap<String, Health>;

/// Add one send's results.
pub fn record(results: &[(String, Result<(), String>)]) -> io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    if results.is_empty() {
        return Ok(());
    }
    let dir = state_dir().ok_or_else(|| io::Error::other("no state directory"))?;
    crate::approval::ensure_private_dir(&dir)?;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(dir.join(FILE))?;
    let mut file =
        Flock::lock(file, FlockArg::LockExclusive).map_err(|(_, e)| io::Error::from(e))?;
    let mut text = Vec::new();
    file.read_to_end(&mut text)?;
    // An unreadable file starts over rather than stop counting.
    let mut stats: Stats = serde_json::from_slice(&text).unwrap_or_default();
    let now = super::super::time::rfc3339(crate::approval::now());
    for (key, r) in results {
        let h = stats.entry(key.clone()).or_default();
        match r {
            Ok(()) => {
                h.sent += 1;
                h.last_sent = Some(now.clone());
            }
            Err(e) => {
                h.lost += 1;
                h.last_error = Some(super::clip(e, MAX_ERROR));
                h.last_error_time = Some(now.clone());
            }
        }
    }
    let out = serde_json::to_vec_pretty(&stats).map_err(io::Error::other)?;
    file.set_len(0)?;
    file.rewind()?;
    file.write_all(&out)?;
    Ok(())
}

/// What has been counted so far (empty when nothing was shipped).
pub fn read() -> Stats {
    state_dir()
        .and_then(|d| std::fs::read(d.join(FILE)).ok())
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}
