//! `interlock approve CODE`: a human lets one stopped command run, from their own
//! terminal. It refuses to work without a terminal on stdin and stderr, and under an
//! Interlock agent shell, so an agent cannot approve its own commands.

use super::exit;
use clap::Args;
use interlock::approval;
use interlock::render::visible;
use std::io::{BufRead, IsTerminal, Write};

#[derive(Args)]
pub struct ApproveArgs {
    /// The code the stopped command printed.
    code: String,
    /// Refuse the command instead (no terminal needed).
    #[arg(long)]
    refuse: bool,
}

/// The human said no.
const REFUSED: i32 = 1;
/// Lines of a long script shown on the card (the rest is in the request file).
const SHOWN_LINES: usize = 200;

pub fn run(a: ApproveArgs) -> i32 {
    let code = a.code.trim().to_ascii_lowercase();
    let req = match approval::load_request(&code) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("interlock approve: {}", visible(&e.to_string(), false));
            return exit::USAGE;
        }
    };
    if a.refuse {
        return refuse(&code);
    }
    if interlock::confine::is_confined() {
        eprintln!("interlock approve: refused: this runs inside an agent's confinement, where nothing can approve. Approvals come from the user, in a terminal of their own outside the agent's session.");
        return exit::DENY;
    }
    if let Some(pid) = interlock::shell::agent_shell_ancestor() {
        let who = if pid == 0 {
            "this process".to_string()
        } else {
            format!("process {pid}")
        };
        eprintln!("interlock approve: refused: this runs under an Interlock agent shell ({who}). Approvals must come from the user, in a terminal of their own, not from the agent.");
        return exit::DENY;
    }
    if !std::io::stdin().is_terminal() || !std::io::stderr().is_terminal() {
        eprintln!("interlock approve: refused: it needs a real terminal (stdin and stderr), so that a person confirms. Run it yourself in a terminal window.");
        return exit::DENY;
    }
    // A deny destroys what cannot be rebuilt: one word typed by habit must not allow
    // it, so the human types the rule's id instead, the same phrase as on the wrap
    // session's card (`render::deny_phrase`).
    let phrase = interlock::render::deny_phrase(req.rules.iter().map(|r| {
        let d = if r.decision == "deny" {
            interlock::Decision::Deny
        } else {
            interlock::Decision::Confirm
        };
        (r.rule.as_str(), d)
    }))
    .unwrap_or("yes");
    let mut err = std::io::stderr().lock();
    let _ = write!(err, "{}", card(&req));
    let _ = if phrase == "yes" {
        write!(
            err,
            "\nType yes to let this command run once in this directory (anything else refuses): "
        )
    } else {
        write!(
            err,
            "\nInterlock denies this command ({id}). Typing the rule id {id} lets it run once, exactly as shown, in this directory (anything else refuses): ",
            id = visible(phrase, false)
        )
    };
    let _ = err.flush();
    drop(err);
    let mut answer = String::new();
    if std::io::stdin().lock().read_line(&mut answer).is_err() {
        return refuse(&code);
    }
    if answer.trim() != phrase {
        return refuse(&code);
    }
    match approval::approve(&req, "terminal") {
        Ok(a) => {
            eprintln!(
                "Approved. The waiting command runs now; if it has stopped waiting, the same command run again in {} within {} minutes runs once.",
                visible(&a.cwd, false),
                approval::APPROVAL_TTL.as_secs() / 60
            );
            exit::ALLOW
        }
        Err(e) => {
            eprintln!("interlock approve: cannot record the approval: {e}");
            exit::INTERNAL
        }
    }
}

fn refuse(code: &str) -> i32 {
    match approval::refuse(code) {
        Ok(()) => {
            eprintln!("Refused: the command {code} will not run.");
            REFUSED
        }
        Err(e) => {
            eprintln!("interlock approve: cannot record the refusal: {e}");
            exit::INTERNAL
        }
    }
}

/// What the human is asked to allow: the command with every control character made
/// visible, where it runs, and why it was stopped.
fn card(req: &approval::Request) -> String {
    let mut out = String::from("Interlock stopped this command:\n\n");
    let shown = visible(&req.command, true);
    let lines: Vec<&str> = shown.lines().collect();
    for line in lines.iter().take(SHOWN_LINES) {
        out.push_str("    ");
        out.push_str(line);
        out.push('\n');
    }
    if lines.len() > SHOWN_LINES {
        let file = approval::request_path(&req.code)
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        out.push_str(&format!(
            "    … {} more lines; the whole text is in {} (JSON)\n",
            lines.len() - SHOWN_LINES,
            visible(&file, false)
        ));
    }
    out.push_str(&format!("\n  in:    {}\n", visible(&req.cwd, false)));
    out.push_str(&format!(
        "  asked: {}\n",
        interlock::audit_log::time::rfc3339(req.created)
    ));
    for r in &req.rules {
        out.push_str(&format!(
            "  rule:  {} ({}): {}\n",
            visible(&r.rule, false),
            visible(&r.decision, false),
            visible(&r.reason, false)
        ));
    }
    out
}
