//! The session's broker: answers `check` requests from the shell hook and `approve`
//! requests from agent shells. Allowed lines are answered on the connection's own
//! thread; anything that needs a human goes to the relay loop, which owns the terminal
//! and shows the card.

use super::card::{CardView, Origin};
use super::guard;
use super::ShellKind;
use crate::approval::RuleSummary;
use crate::broker::{read_message, write_message, Answer, Request, Response};
use crate::engine::{Context, Decision, Engine, Finding, Verdict};
use crate::policy::layers::{self, Settings};
use crate::render::visible;
use std::io::{BufReader, Read};
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

/// A question for the human, sent to the relay loop.
pub struct Ask {
    pub id: u64,
    pub view: CardView,
    pub deadline: Option<Instant>,
    pub reply: mpsc::Sender<Reply>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reply {
    Yes,
    No,
    /// Nobody answered before `confirm_timeout`.
    TimedOut,
}

pub enum Event {
    Ask(Ask),
    /// The asking process went away: drop its card.
    Cancel(u64),
}

/// What the connection threads share.
pub struct Shared {
    token: String,
    shell: Option<ShellKind>,
    engines: EngineCache,
    events: Mutex<mpsc::Sender<Event>>,
    wake: OwnedFd,
    next_id: AtomicU64,
    approved: Mutex<Vec<ApprovedLine>>,
}

/// A typed line the human just approved on the card. An agent shell the line starts
/// (`$SHELL -c '…'`, `interlock-bash -c '…'`) asks about the text of one of its words:
/// that was on the card already, so it is not asked again.
struct ApprovedLine {
    /// The line's words after quote removal, each usable once.
    words: Vec<String>,
    cwd: String,
    decision: Decision,
    at: Instant,
}

/// How long after the answer an agent shell's question is taken as part of the line.
const SAME_LINE: Duration = Duration::from_secs(10);

/// Start accepting connections on a background thread.
pub fn start(
    listener: UnixListener,
    token: String,
    shell: Option<ShellKind>,
    events: mpsc::Sender<Event>,
    wake: OwnedFd,
) -> std::io::Result<()> {
    let shared = Arc::new(Shared {
        token,
        shell,
        engines: EngineCache::default(),
        events: Mutex::new(events),
        wake,
        next_id: AtomicU64::new(1),
        approved: Mutex::new(Vec::new()),
    });
    std::thread::Builder::new()
        .name("interlock-broker".into())
        .spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                first_request(&shared, stream);
            }
        })?;
    Ok(())
}

fn refused(message: &str) -> Response {
    Response {
        decision: Answer::Refused,
        message: Some(message.to_string()),
    }
}

/// What a request needs.
enum Step {
    Reply(Response),
    Human(CardView, Settings),
}

type Reader = BufReader<UnixStream>;

/// The first request of a connection is answered on the accepting thread, so an
/// allowed line costs no thread start; the connection then gets its own thread (for
/// a human's answer, or more requests on the same connection).
fn first_request(shared: &Arc<Shared>, stream: UnixStream) {
    if !same_user(&stream) {
        let mut w = crate::sock::NoSigPipe(&stream);
        let _ = write_message(
            &mut w,
            &refused("interlock: the broker only answers its own user"),
        );
        return;
    }
    // A client that connects and says nothing holds up the others this long at most.
    let _ = stream.set_read_timeout(Some(Duration::from_secs(1)));
    let Ok(clone) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(clone);
    let pending = match next_step(shared, &mut reader) {
        None => return,
        Some(Step::Reply(r)) => {
            let mut w = crate::sock::NoSigPipe(&stream);
            if write_message(&mut w, &r).is_err() {
                return;
            }
            None
        }
        Some(human) => Some(human),
    };
    let shared = Arc::clone(shared);
    let _ = std::thread::Builder::new()
        .name("interlock-client".into())
        .spawn(move || serve(&shared, stream, reader, pending));
}

/// Finish `pending`, then answer further requests on the connection until it closes.
fn serve(shared: &Shared, stream: UnixStream, mut reader: Reader, mut pending: Option<Step>) {
    let _ = stream.set_read_timeout(None);
    loop {
        let step = match pending.take() {
            Some(s) => s,
            None => match next_step(shared, &mut reader) {
                Some(s) => s,
                None => return,
            },
        };
        let resp = match step {
            Step::Reply(r) => r,
            Step::Human(view, settings) => {
                // A line typed in the session's shell is logged here; an agent
                // shell's request is logged by the agent shell itself.
                let typed = matches!(view.origin, Origin::Shell { .. }).then(|| Typed {
                    command: view.command.clone(),
                    cwd: view.cwd.clone(),
                    decision: view.decision,
                    rules: view.findings.iter().map(|f| f.rule.clone()).collect(),
                });
                let (r, channel) = ask_human(shared, &stream, view, &settings);
                let _ = stream.set_nonblocking(false);
                if let Some(typed) = typed {
                    let outcome = match r.decision {
                        Answer::Approved | Answer::Allow => "approved",
                        Answer::Refused => "refused",
                    };
                    let (engine, _, _) = shared.engines.get(&typed.cwd);
                    log_line(&engine, &settings, typed, outcome, Some(channel));
                }
                r
            }
        };
        let mut w = crate::sock::NoSigPipe(&stream);
        if write_message(&mut w, &resp).is_err() {
            return;
        }
    }
}

/// Read and judge the next request; `None` when the client has closed.
fn next_step(shared: &Shared, reader: &mut Reader) -> Option<Step> {
    let req: Request = match read_message(reader) {
        Ok(r) => r,
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return None,
        Err(e) => {
            return Some(Step::Reply(refused(&format!(
                "interlock: bad request: {e}"
            ))))
        }
    };
    Some(judge(shared, req))
}

fn judge(shared: &Shared, req: Request) -> Step {
    if !constant_time_eq(req.token().as_bytes(), shared.token.as_bytes()) {
        return Step::Reply(refused("interlock: wrong session token"));
    }
    match req {
        Request::Check { line, cwd, pid, .. } => {
            let (engine, settings, ctx) = shared.engines.get(&cwd);
            // fish and zsh lines are read in their own dialect (the engine also reads
            // them as the bash they amount to).
            let mut ctx = ctx.clone();
            ctx.dialect = shared.shell.map(ShellKind::dialect).unwrap_or_default();
            let v = engine.decide(&line, &ctx);
            let mut findings = v.findings;
            findings.extend(guard::check(&line, shared.shell));
            let v = Verdict::new(findings, v.programs);
            let audit = settings.mode.as_deref() == Some("audit");
            if v.decision != Decision::Allow && audit {
                let typed = Typed {
                    command: line.clone(),
                    cwd: cwd.clone(),
                    decision: v.decision,
                    rules: v.findings.iter().map(|f| f.rule.clone()).collect(),
                };
                log_line(&engine, &settings, typed, "audit", None);
            }
            if v.decision == Decision::Allow || audit {
                return Step::Reply(Response {
                    decision: Answer::Allow,
                    message: None,
                });
            }
            let name = shared.shell.map(ShellKind::name).unwrap_or("shell").into();
            let view = CardView {
                origin: Origin::Shell { name, pid },
                command: line,
                cwd,
                decision: v.decision,
                findings: v.findings,
            };
            Step::Human(view, settings)
        }
        Request::Log { record, .. } => {
            let (engine, settings, _) = shared.engines.get(&record.cwd);
            // Said by a process inside the session, so marked as such.
            let source = format!("{} in wrap", record.source);
            let rec = crate::audit_log::Record {
                source: &source,
                cwd: &record.cwd,
                command: &record.command,
                decision: &record.decision,
                rules: record.rules.clone(),
                outcome: &record.outcome,
                channel: record.channel.clone(),
                code: record.code.clone(),
                policy_digest: engine.policy_digest(),
            };
            match crate::audit_log::append(rec, &settings) {
                Ok(_) => Step::Reply(Response {
                    decision: Answer::Allow,
                    message: None,
                }),
                Err(e) => Step::Reply(refused(&format!(
                    "interlock: cannot write the audit log: {e}"
                ))),
            }
        }
        Request::Approve {
            command,
            cwd,
            rules,
            pid,
            ..
        } => {
            let (engine, settings, ctx) = shared.engines.get(&cwd);
            let v = engine.decide(&command, &ctx);
            let decision = agent_decision(&v, &rules);
            if shared.approved_with_the_line(&command, &cwd, decision) {
                return Step::Reply(Response {
                    decision: Answer::Approved,
                    message: None,
                });
            }
            let view = CardView {
                origin: Origin::Agent { pid },
                decision,
                findings: merge_rules(v.findings, &rules, command.len()),
                command,
                cwd,
            };
            Step::Human(view, settings)
        }
    }
}

/// A line typed in the session and what the engine said of it.
struct Typed {
    command: String,
    cwd: String,
    decision: Decision,
    rules: Vec<String>,
}

/// A decision on a line typed in the session, in the audit log (source `wrap`).
fn log_line(
    engine: &Engine,
    settings: &Settings,
    line: Typed,
    outcome: &str,
    channel: Option<String>,
) {
    let rec = crate::audit_log::Record {
        source: "wrap",
        cwd: &line.cwd,
        command: &line.command,
        decision: line.decision.as_str(),
        rules: line.rules,
        outcome,
        channel,
        code: None,
        policy_digest: engine.policy_digest(),
    };
    // The card already told the human; a log that cannot be written must not break
    // the session.
    let _ = crate::audit_log::append(rec, settings);
}

/// The strictest of what the agent shell reported and what this engine finds; an
/// approval request is never less than a confirm.
fn agent_decision(v: &Verdict, rules: &[RuleSummary]) -> Decision {
    rules
        .iter()
        .filter_map(|r| Decision::parse(&r.decision))
        .chain([v.decision, Decision::Confirm])
        .max()
        .unwrap_or(Decision::Confirm)
}

/// Rules the agent shell reported that this engine did not find, shown over the
/// whole command.
fn merge_rules(mut findings: Vec<Finding>, rules: &[RuleSummary], len: usize) -> Vec<Finding> {
    for r in rules {
        if findings.iter().any(|f| f.rule == r.rule) {
            continue;
        }
        findings.push(Finding {
            rule: r.rule.clone(),
            decision: Decision::parse(&r.decision).unwrap_or(Decision::Confirm),
            reason: r.reason.clone(),
            detail: None,
            start: 0,
            end: len,
            suggestion: None,
        });
    }
    findings
}

/// How long a line typed in the session waits for the approval service when the card
/// itself has no deadline.
const SERVICE_WAIT: Duration = Duration::from_secs(3600);

/// Show the card (and ask the approval service, for a typed line) and wait for the
/// first answer; also says which channel answered (`wrap` or `service:APPROVER`).
fn ask_human(
    shared: &Shared,
    stream: &UnixStream,
    view: CardView,
    s: &Settings,
) -> (Response, String) {
    // The one-line explanation: the rule and what is at stake (the card had the rest).
    let summary = view
        .findings
        .iter()
        .find(|f| f.decision == view.decision)
        .map(|f| format!("{}: {}", f.rule, f.detail.as_deref().unwrap_or(&f.reason)))
        .unwrap_or_default();
    let typed = match &view.origin {
        Origin::Shell { .. } => Some((view.command.clone(), view.cwd.clone(), view.decision)),
        Origin::Agent { .. } => None,
    };
    let remote = match (&view.origin, s.approvals.as_deref()) {
        (Origin::Shell { .. }, Some(a)) if a.is_on() => Some((
            a.clone(),
            view.command.clone(),
            PathBuf::from(&view.cwd),
            view.findings.clone(),
        )),
        _ => None,
    };
    let id = shared.next_id.fetch_add(1, Ordering::Relaxed);
    let (tx, rx) = mpsc::channel();
    let deadline = s
        .confirm_timeout
        .filter(|t| *t > 0)
        .map(|t| Instant::now() + Duration::from_secs(t));
    if !shared.send(Event::Ask(Ask {
        id,
        view,
        deadline,
        reply: tx,
    })) {
        return (
            refused("interlock: the session is closing; not run"),
            "wrap".into(),
        );
    }
    // A line typed in the session is also sent to the approval service, when one is
    // configured (an agent shell's request was sent there by the agent shell itself).
    let service = remote.map(|(settings, command, cwd, findings)| {
        let wait = deadline
            .map(|d| d.saturating_duration_since(Instant::now()))
            .or(settings.wait_secs.map(Duration::from_secs))
            .unwrap_or(SERVICE_WAIT);
        crate::approval::service::ask_in_background(settings, command, cwd, findings, wait)
    });
    // Wait for the human, but notice when the asking process gives up.
    let _ = stream.set_nonblocking(true);
    loop {
        if let Some(Ok(answer)) = service.as_ref().and_then(|b| b.rx.try_recv().ok()) {
            // Answered on the service: the card goes away.
            shared.send(Event::Cancel(id));
            let channel = format!("service:{}", answer.approver);
            if answer.approved {
                if let Some((line, cwd, decision)) = &typed {
                    shared.remember_approved(line, cwd, *decision);
                }
                return (
                    Response {
                        decision: Answer::Approved,
                        message: None,
                    },
                    channel,
                );
            }
            let who = visible(&answer.approver, false);
            return (
                refused(&one_line(&format!(
                    "interlock: {who} refused it on the approval service, not run — {summary}"
                ))),
                channel,
            );
        }
        let r = match rx.recv_timeout(Duration::from_millis(200)) {
            Ok(Reply::Yes) => {
                if let Some((line, cwd, decision)) = &typed {
                    shared.remember_approved(line, cwd, *decision);
                }
                Response {
                    decision: Answer::Approved,
                    message: None,
                }
            }
            Ok(Reply::No) => refused(&one_line(&format!(
                "interlock: refused, not run — {summary}"
            ))),
            Ok(Reply::TimedOut) => refused(&one_line(&format!(
                "interlock: no answer in time, not run — {summary}"
            ))),
            Err(RecvTimeoutError::Disconnected) => refused(&one_line(&format!(
                "interlock: the session closed, not run — {summary}"
            ))),
            Err(RecvTimeoutError::Timeout) => {
                let mut b = [0u8; 1];
                if let Ok(0) = (&mut &*stream).read(&mut b) {
                    shared.send(Event::Cancel(id));
                    return (
                        refused("interlock: the asking process went away"),
                        "wrap".into(),
                    );
                }
                continue;
            }
        };
        return (r, "wrap".into());
    }
}

/// One line that fits the terminal (at most 300 characters), safe to print.
fn one_line(s: &str) -> String {
    let width = super::term::winsize(super::term::stdout())
        .map(|w| w.ws_col as usize)
        .unwrap_or(80)
        .clamp(20, 300);
    let v = visible(s, false);
    if v.chars().count() >= width {
        let mut t: String = v.chars().take(width - 2).collect();
        t.push('…');
        t
    } else {
        v
    }
}

impl Shared {
    fn remember_approved(&self, line: &str, cwd: &str, decision: Decision) {
        let Ok(words) = shell_words::split(line) else {
            return;
        };
        if let Ok(mut v) = self.approved.lock() {
            v.retain(|a| a.at.elapsed() < SAME_LINE);
            v.push(ApprovedLine {
                words,
                cwd: cwd.to_string(),
                decision,
                at: Instant::now(),
            });
        }
    }

    /// Whether `command` is a word of a line the human approved a moment ago in the
    /// same directory, at this decision or a stricter one; the word is then spent.
    fn approved_with_the_line(&self, command: &str, cwd: &str, decision: Decision) -> bool {
        let Ok(mut v) = self.approved.lock() else {
            return false;
        };
        v.retain(|a| a.at.elapsed() < SAME_LINE);
        for a in v.iter_mut() {
            if a.cwd != cwd || a.decision < decision {
                continue;
            }
            if let Some(i) = a.words.iter().position(|w| w == command) {
                a.words.remove(i);
                return true;
            }
        }
        false
    }

    fn send(&self, e: Event) -> bool {
        let ok = match self.events.lock() {
            Ok(tx) => tx.send(e).is_ok(),
            Err(_) => false,
        };
        let _ = nix::unistd::write(self.wake.as_fd(), b"w");
        ok
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() || a.is_empty() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(target_os = "linux")]
fn same_user(stream: &UnixStream) -> bool {
    use nix::sys::socket::{getsockopt, sockopt::PeerCredentials};
    match getsockopt(stream, PeerCredentials) {
        Ok(c) => c.uid() == nix::unistd::geteuid().as_raw(),
        Err(_) => false,
    }
}

#[cfg(not(target_os = "linux"))]
fn same_user(_stream: &UnixStream) -> bool {
    // The socket lives in a 0700 directory: only this user can reach it.
    true
}

/// The config files that apply to a directory, with their modification times.
type LayerKey = Vec<(PathBuf, Option<SystemTime>)>;

/// The engine for a working directory, rebuilt only when a config layer changes.
#[derive(Default)]
struct EngineCache {
    last: Mutex<Option<(LayerKey, Arc<Engine>, Settings)>>,
}

impl EngineCache {
    fn get(&self, cwd: &str) -> (Arc<Engine>, Settings, Context) {
        let cwd = Path::new(cwd);
        let key: LayerKey = layers::layer_paths(Some(cwd))
            .into_iter()
            .map(|(_, p)| {
                let m = std::fs::metadata(&p).and_then(|m| m.modified()).ok();
                (p, m)
            })
            .collect();
        let mut ctx = Context::from_process();
        ctx.cwd = Some(cwd.to_path_buf());
        let mut slot = match self.last.lock() {
            Ok(s) => s,
            Err(p) => p.into_inner(),
        };
        let (engine, settings) = match slot.as_ref() {
            Some((k, e, s)) if *k == key => (Arc::clone(e), s.clone()),
            _ => {
                let loaded = layers::load(Some(cwd));
                let e = Arc::new(Engine::new(loaded.policy));
                *slot = Some((key, Arc::clone(&e), loaded.settings.clone()));
                (e, loaded.settings)
            }
        };
        if let Some(h) = &settings.local_hosts {
            ctx.local_hosts.clone_from(h);
        }
        (engine, settings, ctx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_compare_exactly() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
        assert!(!constant_time_eq(b"", b""));
    }

    #[test]
    fn agent_requests_are_at_least_confirm() {
        let v = Verdict::new(vec![], vec![]);
        assert_eq!(agent_decision(&v, &[]), Decision::Confirm);
        let rules = vec![RuleSummary {
            rule: "x".into(),
            decision: "deny".into(),
            reason: "r".into(),
        }];
        assert_eq!(agent_decision(&v, &rules), Decision::Deny);
        let merged = merge_rules(vec![], &rules, 5);
        assert_eq!((merged[0].start, merged[0].end), (0, 5));
    }
}
