//! What happens when the engine says confirm or deny: the command waits for a human
//! on a channel the agent cannot answer for, or stops with a message written for the
//! agent to read.
//!
//! Channels, in order: an approval already given for this exact command and directory;
//! the enclosing `interlock wrap` session (its broker socket), asked in a thread; and
//! `interlock approve CODE`, run by the human in their own terminal, seen by polling
//! the approval store; and, when `[settings.approvals]` names one, an approval service
//! (`interlock serve`), whose answer counts only when it is signed by the configured
//! key and bound to this run (`approval::remote`). Deny never waits, but its code (or
//! its request on the service) can still be approved for a later run of the same
//! command.

use crate::approval::service::Asked;
use crate::approval::{self, remote};
use crate::broker::{self, Answer};
use crate::engine::{Decision, Verdict};
use crate::policy::layers::Approvals;
use crate::render::visible;
use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Exit status when nobody approved in time (or nobody could be asked): EX_TEMPFAIL.
pub const EXIT_NOT_APPROVED: i32 = 75;
/// Exit status when a rule denies the command or the human refused it: EX_NOPERM.
pub const EXIT_STOPPED: i32 = 77;

const POLL: Duration = Duration::from_millis(200);
/// Commands longer than this are shortened in messages to the agent.
const SHOWN: usize = 600;

/// How the pause ended.
pub enum Settled {
    Run {
        channel: String,
        code: Option<String>,
        earlier: bool,
    },
    Stop {
        exit: i32,
        outcome: &'static str,
        channel: Option<String>,
        code: Option<String>,
    },
}

/// Wait for a human (confirm) or stop (deny). `command` is what an approval binds to.
/// `files` says whether approvals written as files count: only when the agent's
/// commands cannot write them (the confinement holds); otherwise the reason why not,
/// and only the wrap session's card can approve.
pub fn settle(
    command: &str,
    cwd: &Path,
    verdict: &Verdict,
    timeout: Duration,
    files: Result<(), String>,
    service: Option<(&Approvals, Option<&str>)>,
) -> Settled {
    let timeout = match service {
        Some((a, _)) => a.wait_secs.map(Duration::from_secs).unwrap_or(timeout),
        None => timeout,
    };
    if files.is_ok() {
        if let Ok(Some(a)) = approval::take_matching(command, cwd) {
            return Settled::Run {
                channel: a.channel,
                code: Some(a.code),
                earlier: true,
            };
        }
    }
    let request = match &files {
        Ok(()) => approval::create_request(command, cwd, &verdict.findings)
            .map_err(|e| format!("Interlock could not record the request ({e})")),
        Err(why) => Err(format!(
            "approvals by `interlock approve` are off here: {why}"
        )),
    };
    let code = request.as_ref().ok().map(|r| r.code.clone());
    let card = card(command, cwd, verdict);
    let asked =
        service.map(|(a, agent)| approval::service::ask(a, agent, command, cwd, &verdict.findings));
    let asked = match asked {
        Some(Ok(a)) => {
            // Already answered: an approval of the same command carried over.
            if a.first.status != "pending" {
                return settle_remote(&a, &a.first, code.as_deref(), command, cwd);
            }
            Some(a)
        }
        Some(Err(e)) => {
            eprintln!(
                "interlock: the approval service could not be asked: {}",
                visible(&e, false)
            );
            None
        }
        None => None,
    };
    if verdict.decision == Decision::Deny {
        eprint!("interlock: nothing ran: this command is blocked.\n{card}");
        if let Some(a) = &asked {
            eprintln!(
                "The user can approve it once on the approval service ({}); then run it again unchanged.",
                visible(&a.link, false)
            );
        }
        // An agent's own `interlock approve` gets no code: approving the approval
        // would only ask the user the same question twice.
        let offered = code.as_deref().filter(|_| {
            !verdict
                .findings
                .iter()
                .any(|f| f.rule == "interlock.approve")
        });
        eprintln!("{}", dont_route_around(offered));
        return stop(EXIT_STOPPED, "denied", None, code);
    }
    let wrap = ask_wrap_session(command, cwd, verdict, timeout);
    let from_service = asked.as_ref().map(|a| a.poll(timeout));
    if code.is_none() && wrap.is_none() && asked.is_none() {
        let why = request.err().unwrap_or_default();
        eprint!("interlock: nothing ran: this command needs the user's approval, and there is no way to ask for it: {why}.\n{card}");
        eprintln!("{}", dont_route_around(None));
        return stop(EXIT_NOT_APPROVED, "error", None, None);
    }
    eprint!("interlock: this command is paused until the user approves it.\n{card}");
    match (&code, wrap.is_some()) {
        (Some(code), true) => {
            eprintln!("The user is being asked in their Interlock session. They can also approve it, in their own terminal, with:");
            eprintln!("    interlock approve {code}");
        }
        (Some(code), false) => {
            eprintln!("The user can approve it, in their own terminal, with:");
            eprintln!("    interlock approve {code}");
        }
        (None, true) => eprintln!("The user is being asked in their Interlock session."),
        (None, false) => {}
    }
    if let Some(a) = &asked {
        eprintln!(
            "The user is being asked on the approval service: {}",
            visible(&a.link, false)
        );
    }
    eprintln!("Waiting up to {} s.", timeout.as_secs());
    let start = Instant::now();
    loop {
        if let Some(code) = &code {
            if let Some(done) = poll_files(code, command, cwd) {
                return done;
            }
        }
        if let Some(rx) = &wrap {
            if let Some(done) = poll_wrap(rx, code.as_deref(), command, cwd) {
                return done;
            }
        }
        if let (Some(a), Some(rx)) = (&asked, &from_service) {
            if let Ok(status) = rx.try_recv() {
                return settle_remote(a, &status, code.as_deref(), command, cwd);
            }
        }
        if start.elapsed() >= timeout {
            let shown = code
                .as_deref()
                .map(|c| format!(" (code {c})"))
                .unwrap_or_default();
            eprintln!(
                "interlock: nothing ran: nobody approved this command within {} s{shown}.",
                timeout.as_secs()
            );
            eprintln!("{}", dont_route_around(code.as_deref()));
            return stop(EXIT_NOT_APPROVED, "timed_out", None, code);
        }
        std::thread::sleep(POLL.min(timeout.saturating_sub(start.elapsed())));
    }
}

/// The service answered: run only on a valid signed approval.
fn settle_remote(
    a: &Asked,
    status: &remote::Status,
    code: Option<&str>,
    command: &str,
    cwd: &Path,
) -> Settled {
    let answer = a.verify(status);
    if let Some(code) = code {
        // Answered: neither this request's code nor an approval written for it may
        // approve a later run.
        let _ = approval::take(code, command, cwd);
        let _ = approval::refuse(code);
    }
    match answer {
        Ok(ans) if ans.approved => Settled::Run {
            channel: format!("service:{}", ans.approver),
            code: Some(a.id().to_string()),
            earlier: false,
        },
        Ok(ans) => {
            eprintln!(
                "interlock: nothing ran: {} refused this command on the approval service.",
                visible(&ans.approver, false)
            );
            eprintln!("{}", dont_route_around(None));
            stop(
                EXIT_STOPPED,
                "refused",
                Some(format!("service:{}", ans.approver)),
                Some(a.id().to_string()),
            )
        }
        Err(why) => {
            eprintln!(
                "interlock: nothing ran: the approval service's answer does not count: {}.",
                visible(&why, false)
            );
            eprintln!("{}", dont_route_around(None));
            stop(
                EXIT_NOT_APPROVED,
                "invalid_answer",
                None,
                Some(a.id().to_string()),
            )
        }
    }
}

/// The approval store: approved (run), refused or spent by another run (stop), or
/// nothing yet.
fn poll_files(code: &str, command: &str, cwd: &Path) -> Option<Settled> {
    let code = code.to_string();
    if let Ok(Some(a)) = approval::take(&code, command, cwd) {
        return Some(Settled::Run {
            channel: a.channel,
            code: Some(code),
            earlier: false,
        });
    }
    if approval::request_exists(&code) {
        return None;
    }
    if approval::taken_by_another_run(&code) {
        eprintln!("interlock: nothing ran: the user approved this command (code {code}), but another run of the same command in this directory used that approval first. Approvals are single-use; this run needs its own.");
        eprintln!("{}", dont_route_around(None));
        return Some(stop(
            EXIT_NOT_APPROVED,
            "used_by_another_run",
            None,
            Some(code),
        ));
    }
    eprintln!("interlock: nothing ran: the user refused this command (code {code}).");
    eprintln!("{}", dont_route_around(None));
    Some(stop(
        EXIT_STOPPED,
        "refused",
        Some("terminal".into()),
        Some(code),
    ))
}

/// The wrap session's card: approved (run), refused (stop), or nothing yet.
fn poll_wrap(
    rx: &mpsc::Receiver<Answer>,
    code: Option<&str>,
    command: &str,
    cwd: &Path,
) -> Option<Settled> {
    match rx.try_recv() {
        Ok(Answer::Approved | Answer::Allow) => {
            if let Some(code) = code {
                // The request is answered: neither its code nor an approval written
                // for it meanwhile may approve a later run.
                let _ = approval::take(code, command, cwd);
                let _ = approval::refuse(code);
            }
            Some(Settled::Run {
                channel: "wrap".into(),
                code: code.map(str::to_string),
                earlier: false,
            })
        }
        Ok(Answer::Refused) => {
            if let Some(code) = code {
                let _ = approval::refuse(code);
            }
            eprintln!(
                "interlock: nothing ran: the user refused this command in their Interlock session."
            );
            eprintln!("{}", dont_route_around(None));
            Some(stop(
                EXIT_STOPPED,
                "refused",
                Some("wrap".into()),
                code.map(str::to_string),
            ))
        }
        Err(_) => None,
    }
}

fn stop(
    exit: i32,
    outcome: &'static str,
    channel: Option<String>,
    code: Option<String>,
) -> Settled {
    Settled::Stop {
        exit,
        outcome,
        channel,
        code,
    }
}

/// Ask the enclosing wrap session, if there is one, in a thread; the answer arrives on
/// the channel. A session that cannot be reached answers nothing (the code still works).
fn ask_wrap_session(
    command: &str,
    cwd: &Path,
    verdict: &Verdict,
    timeout: Duration,
) -> Option<mpsc::Receiver<Answer>> {
    let (socket, token_file) = broker::from_env()?;
    let token = broker::read_token(&token_file).ok()?;
    let req = broker::Request::Approve {
        token,
        command: command.to_string(),
        cwd: cwd.to_string_lossy().into_owned(),
        rules: approval::summaries(&verdict.findings),
        pid: std::process::id(),
    };
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || match broker::ask(&socket, &req, timeout) {
        Ok(resp) => {
            let _ = tx.send(resp.decision);
        }
        Err(e) => eprintln!(
            "interlock: the Interlock session did not answer ({e}); `interlock approve` still works"
        ),
    });
    Some(rx)
}

/// What was stopped and why, for the agent (and whoever reads its output).
fn card(command: &str, cwd: &Path, verdict: &Verdict) -> String {
    let mut shown = visible(command, false);
    if shown.chars().count() > SHOWN {
        shown = shown.chars().take(SHOWN).collect::<String>() + "…";
    }
    let mut out = format!(
        "  command: {shown}\n  in:      {}\n",
        visible(&cwd.to_string_lossy(), false)
    );
    for f in &verdict.findings {
        out.push_str(&format!(
            "  why:     {} ({}): {}\n",
            f.rule,
            f.decision,
            visible(&f.message(), false)
        ));
        if let Some(s) = &f.suggestion {
            out.push_str(&format!("  instead: {}\n", visible(s, false)));
        }
    }
    out
}

fn dont_route_around(code: Option<&str>) -> String {
    let mut s = String::from(
        "Do not look for another way to get the same effect (a different command, a script, \
         another tool): this decision belongs to the user. Tell the user what you wanted to \
         run and why.",
    );
    if let Some(code) = code {
        s.push_str(&format!(
            " If they want it, they can allow this exact command once, in this directory, \
             with `interlock approve {code}` in their own terminal; then run it again unchanged."
        ));
    }
    s
}
