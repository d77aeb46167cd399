//! `interlock serve`: an approval service for a person or a team (docs/fleet.md).
//!
//! Guards (the agent shell) configured with its URL and public key send each stopped
//! command as a request (`approval::remote`); approvers sign in on its web page, read
//! the command rendered safely, and approve it once or deny it. Each answer is signed
//! with the service's ed25519 key when the approver decides and bound to the request's
//! id, the guard's nonce, the command's hash, the host, the directory and an expiry:
//! whoever can write the database or run another server still cannot make an answer
//! the guard accepts.
//!
//! The key lives in the service's state directory (`<state>/serve`, 0700; the key file
//! 0600), which the agents' confinement covers with an empty file system, so no
//! confined command can read it (src/confine/).

mod http;
mod keys;
mod limit;
mod notify;
mod page;
pub mod store;

pub use keys::{load_or_create_key, public_key_text};

use serde::Deserialize;
use std::path::{Path, PathBuf};

/// Where the service listens when nothing says otherwise.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8790";
/// How long a signed answer stays valid.
pub const DEFAULT_ANSWER_TTL: u64 = 300;
/// How long a pending request can be answered.
pub const REQUEST_TTL: i64 = 24 * 3600;
/// How long an approval whose guard stopped waiting can still be used by the next run
/// of the same command (as with `interlock approve`).
pub const CARRY_TTL: i64 = 15 * 60;
/// How long a browser session lasts.
pub const SESSION_TTL: i64 = 12 * 3600;

/// The service's settings: `<state>/serve/serve.toml`, or `--config FILE`. Kept in the
/// service's own directory, which confined commands cannot see (it may hold the
/// database's password).
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// `host:port` to listen on (default 127.0.0.1:8790).
    pub listen: Option<String>,
    /// The address approvers use (links in notifications), e.g.
    /// `https://approvals.example.com`.
    pub public_url: Option<String>,
    /// PostgreSQL connection URL; SQLite in the state directory when absent.
    pub database: Option<String>,
    /// Seconds a signed answer is valid (default 300).
    pub answer_ttl_secs: Option<u64>,
    pub webhook: Option<Webhook>,
    pub proxy: Option<Proxy>,
    /// Requests a minute accepted from one address (default 60; behind a trusted
    /// proxy, from the address it forwards for).
    pub requests_per_minute: Option<u32>,
    /// Requests waiting at once (default 500); past it, new ones are refused until
    /// some are answered or expire.
    pub max_pending: Option<u32>,
}

/// A notification for each new request.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Webhook {
    /// `https://…` (the certificate checked against the system's roots and
    /// `ca_file`) or `http://…`.
    pub url: String,
    /// A CA file (PEM) trusted besides the system's roots, for a private webhook
    /// server (an internal ntfy, a chat server with its own CA).
    pub ca_file: Option<std::path::PathBuf>,
    /// `json` (default: a generic JSON POST with a `text` field, which chat
    /// incoming-webhooks accept) or `ntfy`.
    pub format: Option<String>,
}

/// A single sign-on proxy in front of the service.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Proxy {
    /// IP addresses of the proxy: the header is trusted only on connections from
    /// these.
    pub trusted: Vec<String>,
    /// The header holding the signed-in user (e.g. `X-Forwarded-User`).
    pub user_header: String,
}

/// The service's state directory: `INTERLOCK_SERVE_DIR`, or `serve/` in Interlock's
/// state directory.
pub fn default_dir() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("INTERLOCK_SERVE_DIR").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(d));
    }
    crate::approval::state_dir().map(|d| d.join("serve"))
}

/// Read the config file (a missing default file is an empty config).
pub fn load_config(path: &Path, explicit: bool) -> Result<Config, String> {
    match std::fs::read_to_string(path) {
        Ok(t) => toml::from_str(&t).map_err(|e| format!("{}: {e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !explicit => Ok(Config::default()),
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
    }
}

/// Everything `run` needs.
pub struct Options {
    pub dir: PathBuf,
    pub config: Config,
}

/// Open the state: the key (made on first start) and the database.
pub fn open(opts: &Options) -> Result<(ed25519_dalek::SigningKey, store::Db), String> {
    crate::approval::ensure_private_dir(&opts.dir)
        .map_err(|e| format!("cannot create {}: {e}", opts.dir.display()))?;
    let key = load_or_create_key(&opts.dir)?;
    let db = store::Db::open(opts.config.database.as_deref(), &opts.dir.join("serve.db"))?;
    Ok((key, db))
}

/// Make a token for a new approver (or a new token for an existing one); the token is
/// printed once and stored only as its hash.
pub fn add_approver(db: &mut store::Db, name: &str) -> Result<String, String> {
    if name.is_empty()
        || name.len() > 64
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'))
    {
        return Err("an approver's name is 1 to 64 letters, digits, `.`, `_`, `-` or `@`".into());
    }
    let token = crate::approval::remote::random_hex(24).map_err(|e| e.to_string())?;
    let token = format!("ilk_{token}");
    db.set_approver(
        name,
        &crate::approval::remote::sha256_hex(token.as_bytes()),
        crate::approval::now() as i64,
    )?;
    Ok(token)
}

/// Serve until the process is stopped.
pub fn run(opts: Options) -> Result<(), String> {
    let (key, db) = open(&opts)?;
    let listen = opts
        .config
        .listen
        .clone()
        .unwrap_or_else(|| DEFAULT_LISTEN.to_string());
    http::serve(&listen, key, db, opts.config)
}
