//! One-time approvals: the channel a human uses to let one stopped command run.
//!
//! A stopped command gets a short code (a *request*, stored in the state directory). A
//! human runs `interlock approve CODE` in their own terminal; that writes an *approval*
//! bound to the exact command text, the working directory and an expiry. The approval
//! is spent by exactly one run: whoever renames it first (an atomic rename) owns it.
//!
//! Layout (directory 0700, files 0600):
//! `$XDG_STATE_HOME/interlock/requests/CODE.json` and `…/approvals/CODE.json`.
//! `INTERLOCK_STATE_DIR` overrides the directory (tests, sandboxes).

pub mod intent;
pub mod remote;
pub mod service;

use crate::engine::Finding;
use serde::{Deserialize, Serialize};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How long a request can be approved after it was made.
pub const REQUEST_TTL: Duration = Duration::from_secs(24 * 3600);
/// How long an approval stays valid before it is spent.
pub const APPROVAL_TTL: Duration = Duration::from_secs(15 * 60);

/// Alphabet for codes: no 0/O, 1/I/L, so codes read aloud survive.
const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
const CODE_LEN: usize = 6;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RuleSummary {
    pub rule: String,
    pub decision: String,
    pub reason: String,
}

/// A stopped command waiting for a human.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Request {
    pub code: String,
    pub command: String,
    pub cwd: String,
    pub rules: Vec<RuleSummary>,
    /// Seconds since the epoch.
    pub created: u64,
    pub expires: u64,
}

/// A human's yes for one request.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Approval {
    pub code: String,
    pub command: String,
    pub cwd: String,
    pub approved_at: u64,
    pub expires: u64,
    /// How the human approved (`terminal`, `wrap`).
    pub channel: String,
}

pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// `$INTERLOCK_STATE_DIR`, or `$XDG_STATE_HOME/interlock`, or `~/.local/state/interlock`.
pub fn state_dir() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("INTERLOCK_STATE_DIR").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(d));
    }
    let base = std::env::var_os("XDG_STATE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))?;
    Some(base.join("interlock"))
}

/// Create a directory 0700 (or tighten it to 0700 if others can read it).
pub fn ensure_private_dir(p: &Path) -> io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    // One stat in the common case (it exists); the agent shell calls this per command.
    let meta = match std::fs::metadata(p) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(p)?;
            std::fs::metadata(p)?
        }
        Err(e) => return Err(e),
    };
    if meta.permissions().mode() & 0o077 != 0 {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

fn sub_dir(name: &str) -> io::Result<PathBuf> {
    let base = state_dir()
        .ok_or_else(|| io::Error::other("no state directory: set HOME or INTERLOCK_STATE_DIR"))?;
    ensure_private_dir(&base)?;
    let d = base.join(name);
    ensure_private_dir(&d)?;
    Ok(d)
}

/// Write a file 0600 atomically (temp file, then rename).
pub fn write_private(path: &Path, data: &[u8]) -> io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)?;
        f.write_all(data)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)
}

fn random_code() -> io::Result<String> {
    use std::io::Read;
    let mut bytes = [0u8; CODE_LEN];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
    Ok(bytes
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect())
}

/// A code is only ever our alphabet: anything else is refused before touching paths.
pub fn valid_code(code: &str) -> bool {
    code.len() == CODE_LEN && code.bytes().all(|b| ALPHABET.contains(&b))
}

/// The rules behind a stop, as stored with a request and sent to a wrap session.
pub fn summaries(findings: &[Finding]) -> Vec<RuleSummary> {
    findings
        .iter()
        .map(|f| RuleSummary {
            rule: f.rule.clone(),
            decision: f.decision.to_string(),
            reason: f.message(),
        })
        .collect()
}

/// Record a stopped command and return its request (with the code to show).
pub fn create_request(command: &str, cwd: &Path, findings: &[Finding]) -> io::Result<Request> {
    let dir = sub_dir("requests")?;
    let created = now();
    let rules = summaries(findings);
    prune_taken(&dir);
    for _ in 0..8 {
        let code = random_code()?;
        let path = dir.join(format!("{code}.json"));
        if path.exists() || dir.join(format!("{code}.taken")).exists() {
            continue;
        }
        let req = Request {
            code,
            command: command.to_string(),
            cwd: cwd.to_string_lossy().into_owned(),
            rules,
            created,
            expires: created + REQUEST_TTL.as_secs(),
        };
        let data = serde_json::to_vec(&req).map_err(io::Error::other)?;
        write_private(&path, &data)?;
        return Ok(req);
    }
    Err(io::Error::other("could not pick a free approval code"))
}

/// Where a request is stored (for showing a long command in full).
pub fn request_path(code: &str) -> Option<PathBuf> {
    valid_code(code)
        .then(|| state_dir().map(|d| d.join("requests").join(format!("{code}.json"))))?
}

pub fn load_request(code: &str) -> io::Result<Request> {
    if !valid_code(code) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not an Interlock approval code",
        ));
    }
    let path = sub_dir("requests")?.join(format!("{code}.json"));
    let data = std::fs::read(&path).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => io::Error::new(
            io::ErrorKind::NotFound,
            format!("no pending command has the code {code}"),
        ),
        _ => e,
    })?;
    let req: Request = serde_json::from_slice(&data).map_err(io::Error::other)?;
    if req.expires < now() {
        let _ = std::fs::remove_file(&path);
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!("the request {code} has expired"),
        ));
    }
    Ok(req)
}

/// The human said yes: write an approval bound to the request's command and directory.
pub fn approve(req: &Request, channel: &str) -> io::Result<Approval> {
    let dir = sub_dir("approvals")?;
    let t = now();
    let a = Approval {
        code: req.code.clone(),
        command: req.command.clone(),
        cwd: req.cwd.clone(),
        approved_at: t,
        expires: t + APPROVAL_TTL.as_secs(),
        channel: channel.to_string(),
    };
    let data = serde_json::to_vec(&a).map_err(io::Error::other)?;
    write_private(&dir.join(format!("{}.json", req.code)), &data)?;
    Ok(a)
}

/// The human said no: the request is removed, so the code cannot be approved later.
pub fn refuse(code: &str) -> io::Result<()> {
    if !valid_code(code) {
        return Ok(());
    }
    let path = sub_dir("requests")?.join(format!("{code}.json"));
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// Spend the approval with this code if it matches the command and directory exactly.
/// Returns the approval when this caller won it.
pub fn take(code: &str, command: &str, cwd: &Path) -> io::Result<Option<Approval>> {
    if !valid_code(code) {
        return Ok(None);
    }
    let dir = sub_dir("approvals")?;
    take_path(&dir.join(format!("{code}.json")), command, cwd, false)
}

/// Spend any unexpired approval for exactly this command in this directory (used when
/// an agent retries a command that was denied with a code, e.g. through a hook).
pub fn take_matching(command: &str, cwd: &Path) -> io::Result<Option<Approval>> {
    let dir = sub_dir("approvals")?;
    for entry in std::fs::read_dir(&dir)? {
        let path = entry?.path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        if let Some(a) = take_path(&path, command, cwd, true)? {
            return Ok(Some(a));
        }
    }
    Ok(None)
}

/// `for_another`: the approval was written for another waiting run's code; its request
/// is left as a `.taken` mark, so that run can say what happened instead of "refused".
fn take_path(
    path: &Path,
    command: &str,
    cwd: &Path,
    for_another: bool,
) -> io::Result<Option<Approval>> {
    let data = match std::fs::read(path) {
        Ok(d) => d,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let Ok(a) = serde_json::from_slice::<Approval>(&data) else {
        return Ok(None);
    };
    if a.expires < now() {
        let _ = std::fs::remove_file(path);
        return Ok(None);
    }
    if a.command != command || Path::new(&a.cwd) != cwd {
        return Ok(None);
    }
    // Exactly one process wins the rename.
    let spent = path.with_extension(format!("spent{}", std::process::id()));
    match std::fs::rename(path, &spent) {
        Ok(()) => {
            let _ = std::fs::remove_file(&spent);
            let req = path
                .parent()
                .and_then(Path::parent)
                .map(|b| b.join("requests").join(format!("{}.json", a.code)));
            if let Some(r) = req {
                if for_another {
                    let _ = std::fs::rename(&r, r.with_extension("taken"));
                } else {
                    let _ = std::fs::remove_file(r);
                }
            }
            Ok(Some(a))
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// Was this code's approval spent by another run of the same command in the same
/// directory? Answers once: the mark is removed.
pub fn taken_by_another_run(code: &str) -> bool {
    valid_code(code)
        && sub_dir("requests")
            .map(|d| std::fs::remove_file(d.join(format!("{code}.taken"))).is_ok())
            .unwrap_or(false)
}

/// `.taken` marks nobody asked about (the run that waited for them is gone) go after a day.
/// Requests kept in the store at most: every stop writes one (a hook's deny too), so
/// an agent stopped hundreds of times would otherwise leave hundreds of files.
pub const MAX_REQUESTS: usize = 100;
/// Requests younger than this are never evicted for space: a command may still be
/// waiting on them (the wait is 110 s by default), or a person be reading the code.
const EVICTABLE_AGE: Duration = Duration::from_secs(10 * 60);

/// Clean the request store before a new request: expired requests and spent markers
/// go; beyond [`MAX_REQUESTS`], the oldest requests past [`EVICTABLE_AGE`] go too.
fn prune_taken(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut requests: Vec<(Duration, PathBuf)> = Vec::new();
    for e in entries.flatten() {
        let path = e.path();
        let ext = path.extension().and_then(|x| x.to_str());
        if !matches!(ext, Some("taken" | "json")) {
            continue;
        }
        let Some(age) = e
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
        else {
            continue;
        };
        if age > REQUEST_TTL {
            let _ = std::fs::remove_file(path);
        } else if ext == Some("json") {
            requests.push((age, path));
        }
    }
    if requests.len() >= MAX_REQUESTS {
        requests.sort_by_key(|r| std::cmp::Reverse(r.0));
        let excess = requests.len() + 1 - MAX_REQUESTS;
        for (age, path) in requests.into_iter().take(excess) {
            if age > EVICTABLE_AGE {
                let _ = std::fs::remove_file(path);
            }
        }
    }
}

/// Has the request been refused or has it disappeared (approved requests keep their
/// request file until the approval is spent)?
pub fn request_exists(code: &str) -> bool {
    valid_code(code)
        && sub_dir("requests")
            .map(|d| d.join(format!("{code}.json")).exists())
            .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    static ENV: Mutex<()> = Mutex::new(());

    fn with_state<T>(f: impl FnOnce() -> T) -> T {
        let _g = ENV.lock().unwrap_or_else(|e| e.into_inner());
        let dir = tempfile::tempdir().expect("tempdir");
        std::env::set_var("INTERLOCK_STATE_DIR", dir.path());
        let r = f();
        std::env::remove_var("INTERLOCK_STATE_DIR");
        r
    }

    #[test]
    fn approval_is_bound_and_single_use() {
        with_state(|| {
            let cwd = Path::new("/home/user/project");
            let req = create_request("git push -f", cwd, &[]).expect("request");
            assert!(valid_code(&req.code));
            let loaded = load_request(&req.code).expect("load");
            assert_eq!(loaded, req);
            approve(&req, "terminal").expect("approve");
            // Wrong command or directory: not spent.
            assert!(take(&req.code, "git push -f origin", cwd)
                .expect("take")
                .is_none());
            assert!(take(&req.code, "git push -f", Path::new("/other"))
                .expect("take")
                .is_none());
            // The exact command spends it once.
            assert!(take(&req.code, "git push -f", cwd).expect("take").is_some());
            assert!(take(&req.code, "git push -f", cwd).expect("take").is_none());
            assert!(!request_exists(&req.code));
        });
    }

    #[test]
    fn expired_approvals_are_not_spent() {
        with_state(|| {
            let cwd = Path::new("/p");
            let req = create_request("rm -rf ~", cwd, &[]).expect("request");
            let mut a = approve(&req, "terminal").expect("approve");
            a.expires = now() - 1;
            let path = sub_dir("approvals")
                .expect("dir")
                .join(format!("{}.json", req.code));
            std::fs::write(&path, serde_json::to_vec(&a).expect("json")).expect("write");
            assert!(take_matching("rm -rf ~", cwd).expect("take").is_none());
        });
    }

    #[test]
    fn old_requests_are_cleaned() {
        with_state(|| {
            let cwd = Path::new("/p");
            let dir = sub_dir("requests").expect("dir");
            let age = |secs: u64| SystemTime::now() - Duration::from_secs(secs);
            let set_age = |code: &str, secs: u64| {
                std::fs::File::options()
                    .write(true)
                    .open(dir.join(format!("{code}.json")))
                    .expect("open")
                    .set_modified(age(secs))
                    .expect("mtime");
            };
            let expired = create_request("a", cwd, &[]).expect("request").code;
            set_age(&expired, REQUEST_TTL.as_secs() + 60);
            let mut old = Vec::new();
            for i in 0..MAX_REQUESTS + 20 {
                let code = create_request(&format!("c{i}"), cwd, &[])
                    .expect("request")
                    .code;
                set_age(&code, 3600 + (MAX_REQUESTS + 20 - i) as u64);
                old.push(code);
            }
            let fresh: Vec<String> = (0..5)
                .map(|i| {
                    create_request(&format!("n{i}"), cwd, &[])
                        .expect("request")
                        .code
                })
                .collect();
            let count = std::fs::read_dir(&dir).expect("dir").count();
            assert!(count <= MAX_REQUESTS, "{count} request files left");
            assert!(!request_exists(&expired));
            // The newest survive; the oldest went first.
            assert!(fresh.iter().all(|c| request_exists(c)));
            assert!(request_exists(old.last().expect("last")));
            assert!(!request_exists(&old[0]));
            // Requests a command may still be waiting on are never evicted.
            for c in fresh.iter().chain(old.iter()) {
                let _ = std::fs::remove_file(dir.join(format!("{c}.json")));
            }
            let young: Vec<String> = (0..MAX_REQUESTS + 5)
                .map(|i| {
                    create_request(&format!("y{i}"), cwd, &[])
                        .expect("request")
                        .code
                })
                .collect();
            assert!(young.iter().all(|c| request_exists(c)));
        });
    }

    #[test]
    fn codes_are_checked_before_paths() {
        assert!(!valid_code("../../etc/passwd"));
        assert!(!valid_code("ABCDEF"));
        assert!(load_request("../x").is_err());
    }
}
