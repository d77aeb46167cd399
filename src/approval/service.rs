//! A guard asking the approval service (`interlock serve`) about one stopped command:
//! send the request, poll for the answer in a thread, and accept an answer only when it
//! is signed by the configured key and bound to this request (`remote::verify`).
//! Shared by the agent shell's pause and the hooks, so both bind answers the same way.

use super::remote;
use crate::engine::Finding;
use crate::policy::layers::Approvals;
use crate::render::visible;
use std::path::Path;
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

/// How long one call to the approval service may take.
const CALL: Duration = Duration::from_secs(10);
/// How often the service is asked for its answer.
const POLL: Duration = Duration::from_millis(500);

/// A request sent to the approval service: what its answer must be bound to.
pub struct Asked {
    service: remote::Service,
    id: String,
    nonce: String,
    command_sha256: String,
    host: String,
    cwd: String,
    /// Where approvers see the request.
    pub link: String,
    /// The service's answer to the request itself (`pending`, or an approval of the
    /// same command carried over).
    pub first: remote::Status,
}

impl Asked {
    /// The request's id (what the audit log records as its code).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Check an answer against this request: signature, id, nonce, command, host,
    /// directory, expiry.
    pub fn verify(&self, status: &remote::Status) -> Result<remote::Answer, String> {
        let expect = remote::Expect {
            id: &self.id,
            nonce: &self.nonce,
            command_sha256: &self.command_sha256,
            host: &self.host,
            cwd: &self.cwd,
            now: super::now(),
        };
        remote::verify(status, &self.service.key, &expect)
    }

    /// Poll the service in a thread until it has decided or `timeout` is over; the
    /// decided status arrives on the channel.
    pub fn poll(&self, timeout: Duration) -> mpsc::Receiver<remote::Status> {
        let (tx, rx) = mpsc::channel();
        let service = self.service.clone();
        let id = self.id.clone();
        let until = Instant::now() + timeout;
        let _ = std::thread::Builder::new()
            .name("interlock-approvals".into())
            .spawn(move || {
                if let Some(s) = poll_until(&service, &id, until, || true, false) {
                    let _ = tx.send(s);
                }
            });
        rx
    }

    /// Wait (blocking) up to `timeout` for a decided answer; `None` when none came.
    pub fn wait(&self, timeout: Duration) -> Option<remote::Status> {
        let rx = self.poll(timeout);
        rx.recv_timeout(timeout + CALL).ok()
    }
}

/// Poll until the service has decided, `until` has passed or `keep` says stop; the
/// first failure to reach it is said on stderr unless `quiet`.
fn poll_until(
    service: &remote::Service,
    id: &str,
    until: Instant,
    keep: impl Fn() -> bool,
    quiet: bool,
) -> Option<remote::Status> {
    let mut warned = quiet;
    while Instant::now() < until && keep() {
        let deadline = (Instant::now() + CALL).min(until);
        match service.poll(id, deadline) {
            Ok(s) if s.status == "pending" => {}
            Ok(s) => return Some(s),
            Err(e) if !warned => {
                warned = true;
                eprintln!(
                    "interlock: the approval service did not answer ({}); still trying",
                    visible(&e, false)
                );
            }
            Err(_) => {}
        }
        std::thread::sleep(POLL.min(until.saturating_duration_since(Instant::now())));
    }
    None
}

/// Send the stopped command (its secrets redacted for the page; the hash is of the
/// exact text) to the approval service named by `settings`.
pub fn ask(
    settings: &Approvals,
    agent: Option<&str>,
    command: &str,
    cwd: &Path,
    findings: &[Finding],
) -> Result<Asked, String> {
    use crate::audit_log::ship::{host_name, user_name};
    let url = settings.url.as_deref().unwrap_or_default();
    let key = settings.public_key.as_deref().ok_or(
        "[settings.approvals] has no public_key (print it with `interlock serve --print-public-key`), so no answer could be checked",
    )?;
    let ca_file = settings
        .ca_file
        .as_deref()
        .map(str::trim)
        .filter(|f| !f.is_empty())
        .map(Path::new);
    let service = remote::Service::new(url, key, ca_file)?;
    let id = remote::random_hex(16).map_err(|e| e.to_string())?;
    let nonce = remote::random_hex(32).map_err(|e| e.to_string())?;
    let mut shown = crate::audit_log::redact::redact(command);
    if shown.len() > remote::MAX_SHOWN_COMMAND {
        let mut end = remote::MAX_SHOWN_COMMAND;
        while !shown.is_char_boundary(end) {
            end -= 1;
        }
        shown.truncate(end);
        shown.push_str("…[cut]");
    }
    let cwd_text = cwd.to_string_lossy().into_owned();
    let ask = remote::Ask {
        id: id.clone(),
        nonce: nonce.clone(),
        command: shown,
        command_sha256: remote::sha256_hex(command.as_bytes()),
        host: host_name(),
        user: user_name(),
        cwd: cwd_text.clone(),
        repository: remote::repository(cwd),
        agent: agent.unwrap_or_default().to_string(),
        rules: super::summaries(findings),
    };
    let first = service.ask(&ask, Instant::now() + CALL)?;
    let link = first
        .url
        .clone()
        .unwrap_or_else(|| format!("{}/r/{id}", service.url));
    Ok(Asked {
        service,
        id,
        nonce,
        command_sha256: ask.command_sha256,
        host: ask.host,
        cwd: cwd_text,
        link,
        first,
    })
}

/// The service's answer, asked for in the background; dropping this stops the asking.
pub struct Background {
    /// One checked answer (`Err` when it does not count); nothing when the service
    /// could not be asked or did not decide in time.
    pub rx: mpsc::Receiver<Result<remote::Answer, String>>,
    _alive: Arc<()>,
}

/// Ask the service from a thread and wait up to `timeout` for its answer, for a door
/// that is also asking a human elsewhere (the wrap card), which must not write to the
/// terminal: nothing is printed.
pub fn ask_in_background(
    settings: Approvals,
    command: String,
    cwd: std::path::PathBuf,
    findings: Vec<Finding>,
    timeout: Duration,
) -> Background {
    let (tx, rx) = mpsc::channel();
    let alive = Arc::new(());
    let watch = Arc::downgrade(&alive);
    let until = Instant::now() + timeout;
    let _ = std::thread::Builder::new()
        .name("interlock-approvals".into())
        .spawn(move || {
            let Ok(asked) = ask(&settings, None, &command, &cwd, &findings) else {
                return;
            };
            let status = if asked.first.status != "pending" {
                Some(asked.first.clone())
            } else {
                let alive = || watch.upgrade().is_some();
                poll_until(&asked.service, &asked.id, until, alive, true)
            };
            if let Some(s) = status {
                let _ = tx.send(asked.verify(&s));
            }
        });
    Background { rx, _alive: alive }
}
