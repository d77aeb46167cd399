//! What a stopped agent and its user read. The agent's text says what was stopped and
//! why, that it must not reach the same effect another way, and how the user can let
//! this exact command run once: an agent that is only told "no" tends to look for a
//! worse route to the same goal.

use super::Reply;
use crate::approval::Request;
use crate::engine::{Decision, Verdict};
use crate::render::visible;

/// Characters of the command quoted back; the agent knows the rest.
const SHOWN_CHARS: usize = 400;
/// Findings listed; more are summarised.
const SHOWN_FINDINGS: usize = 5;

/// The command as quoted back, with anything that could hide text made visible.
fn quoted(command: &str) -> String {
    let mut shown: String = command.chars().take(SHOWN_CHARS).collect();
    if shown.len() < command.len() {
        shown.push_str(" […]");
    }
    visible(&shown, true)
}

fn reasons(v: &Verdict) -> String {
    let mut out = String::new();
    for f in v.findings.iter().take(SHOWN_FINDINGS) {
        out.push_str(&format!("  - {} ({}): {}", f.rule, f.decision, f.message()));
        if let Some(s) = &f.suggestion {
            out.push_str(&format!(". Instead: {s}"));
        }
        out.push('\n');
    }
    if v.findings.len() > SHOWN_FINDINGS {
        out.push_str(&format!(
            "  - and {} more\n",
            v.findings.len() - SHOWN_FINDINGS
        ));
    }
    visible(&out, true)
}

/// One line naming the rules, for short user-facing texts.
fn rule_line(v: &Verdict) -> String {
    let parts: Vec<String> = v
        .findings
        .iter()
        .take(SHOWN_FINDINGS)
        .map(|f| format!("{}: {}", f.rule, f.message()))
        .collect();
    visible(&parts.join("; "), false)
}

/// A confirm or deny that the agent must not run; with an approval code when the
/// request could be recorded.
pub fn stopped(command: &str, v: &Verdict, request: std::io::Result<Request>) -> Reply {
    let head = match v.decision {
        Decision::Confirm => {
            "Interlock stopped this command before it ran: it needs the user's approval first."
        }
        _ => "Interlock stopped this command before it ran.",
    };
    let (allow_once, user_tail) = match request {
        Ok(r) => (
            format!(
                "The user can allow this exact command once by running `interlock approve {}` in their own terminal; after that, run the same command again, unchanged, in the same directory.",
                r.code
            ),
            format!(" To allow it once: interlock approve {}", r.code),
        ),
        Err(e) => (
            format!(
                "Interlock could not record an approval request ({}), so it cannot be approved from here; if the user wants this command, they can run it in their own terminal.",
                visible(&e.to_string(), false)
            ),
            String::new(),
        ),
    };
    let model = format!(
        "{head}\nCommand:\n  {}\nWhy:\n{}Do not try to reach the same result another way (a different command, a script, an interpreter or another tool): the user put this guard in place on purpose. Tell the user what you wanted to do and why.\n{allow_once}",
        quoted(command),
        reasons(v),
    );
    let user = format!("Interlock stopped a command ({}).{user_tail}", rule_line(v));
    Reply::Block { user, model }
}

/// A confirm handed to the user through the agent's own prompt. Where the agent
/// cannot ask (Claude Code's `-p` mode reads "ask" as a refusal), the user's text is
/// all the model sees: it carries the approval code and the request not to route
/// around the stop.
pub fn ask(command: &str, v: &Verdict, code: Option<&str>) -> Reply {
    let once = match code {
        Some(c) => format!(" If this was refused without asking you, you can allow this exact command once with `interlock approve {c}` in your own terminal; the agent then runs it again unchanged."),
        None => String::new(),
    };
    let user = format!(
        "Interlock: {}. Allow only if you meant this. Agent: if this is refused, do not try to reach the same result another way (another command, a script, an interpreter or another tool); tell the user what you wanted to run and why.{once}",
        rule_line(v)
    );
    let model = format!(
        "Interlock asked the user to confirm this command:\n  {}\nWhy:\n{}If the user declines, do not try to reach the same result another way.",
        quoted(command),
        reasons(v)
    );
    Reply::Ask { user, model }
}

/// A call refused for how it runs rather than what it runs.
pub fn refused(command: &str, why: &str) -> Reply {
    let why = visible(why, false);
    Reply::Block {
        user: format!("Interlock stopped a command: {why}"),
        model: format!(
            "Interlock stopped this command before it ran:\n  {}\nWhy: {why}\nDo not try to reach the same result another way: run each command on its own, non-interactively (give a shell or interpreter its code with -c or a script file).",
            quoted(command)
        ),
    }
}

/// The hook could not judge the call; the command is stopped to be safe.
pub fn cannot_check(why: &str) -> Reply {
    let why = visible(why, false);
    Reply::Block {
        user: format!("Interlock could not check a command and stopped it: {why}"),
        model: format!(
            "Interlock could not check this command, so it was stopped to be safe: {why}. This is a problem with how the hook was called, not with the command itself: tell the user (they can run `interlock doctor`). Do not try to run the command another way."
        ),
    }
}

/// The user refused the command on the approval service.
pub fn refused_on_service(approver: &str) -> Reply {
    let who = visible(approver, false);
    Reply::Block {
        user: format!("Interlock: {who} refused this command on the approval service."),
        model: format!(
            "Interlock stopped this command: {who} refused it on the approval service. Do not try to reach the same result another way (a different command, a script, an interpreter or another tool); tell the user what you wanted to do and why."
        ),
    }
}

/// The approval service answered with something that does not count.
pub fn invalid_answer(why: &str) -> Reply {
    let why = visible(why, false);
    Reply::Block {
        user: format!("Interlock stopped a command: the approval service's answer does not count ({why})."),
        model: format!(
            "Interlock stopped this command: the approval service's answer does not count ({why}). Do not try to run the command another way; tell the user (they can run `interlock doctor`)."
        ),
    }
}

/// Add the approval service's link to a stop or an ask.
pub fn with_service_link(reply: Reply, link: &str) -> Reply {
    let link = visible(link, false);
    let line = format!(" The user can also approve this exact command once on the approval service ({link}); then run it again, unchanged, in the same directory.");
    match reply {
        Reply::Block { user, model } => Reply::Block {
            user: user + &line,
            model: model + &line,
        },
        Reply::Ask { user, model } => Reply::Ask {
            user: user + &line,
            model: model + &line,
        },
        Reply::Allow => Reply::Allow,
    }
}
