//! A stopped hook call sent to the approval service (`interlock serve`) when
//! `[settings.approvals]` names one. The hook waits for an answer for a while (less than
//! the timeout the agent gives its hook); an approval counts only when it is signed by
//! the configured key and bound to this request (`approval::service`). Without an answer
//! in time the call is stopped as usual, with the request's link: an approval given
//! later carries over to the agent's next run of the same command (once).

use super::{message, Reply};
use crate::approval::service;
use crate::engine::{Decision, Verdict};
use crate::policy::layers::Approvals;
use crate::render::visible;
use std::path::Path;
use std::time::Duration;

/// The longest a hook waits: the hooks `interlock install` writes have a 30 s timeout,
/// after which the agent treats the hook as failed.
pub const MAX_WAIT: Duration = Duration::from_secs(25);

/// What the service said.
pub enum Outcome {
    /// A valid signed approval: the call runs.
    Approved { approver: String, id: String },
    /// A valid signed refusal, or an answer that does not count: the call is stopped.
    Stopped {
        reply: Reply,
        outcome: &'static str,
        id: String,
        channel: Option<String>,
    },
    /// No answer yet (or the service could not be asked): stop or ask as usual, adding
    /// the link when there is one.
    Undecided { link: Option<String> },
}

/// Ask the service about `command` (what approvals bind to) and wait up to the
/// configured time (never past [`MAX_WAIT`]; a deny is not waited for).
pub fn settle(
    settings: &Approvals,
    agent: &str,
    command: &str,
    cwd: &Path,
    verdict: &Verdict,
) -> Outcome {
    let asked = match service::ask(settings, Some(agent), command, cwd, &verdict.findings) {
        Ok(a) => a,
        Err(e) => {
            eprintln!(
                "interlock: the approval service could not be asked: {}",
                visible(&e, false)
            );
            return Outcome::Undecided { link: None };
        }
    };
    let wait = settings
        .wait_secs
        .map(Duration::from_secs)
        .unwrap_or(MAX_WAIT)
        .min(MAX_WAIT);
    let status = if asked.first.status != "pending" {
        Some(asked.first.clone())
    } else if verdict.decision == Decision::Deny || wait.is_zero() {
        None
    } else {
        asked.wait(wait)
    };
    let Some(status) = status else {
        return Outcome::Undecided {
            link: Some(asked.link.clone()),
        };
    };
    let id = asked.id().to_string();
    match asked.verify(&status) {
        Ok(a) if a.approved => Outcome::Approved {
            approver: a.approver,
            id,
        },
        Ok(a) => Outcome::Stopped {
            reply: message::refused_on_service(&a.approver),
            outcome: "refused",
            channel: Some(format!("service:{}", a.approver)),
            id,
        },
        Err(why) => Outcome::Stopped {
            reply: message::invalid_answer(&why),
            outcome: "invalid_answer",
            channel: None,
            id,
        },
    }
}
