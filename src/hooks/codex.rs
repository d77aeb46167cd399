//! OpenAI Codex CLI: `PreToolUse` hooks (developers.openai.com/codex/hooks;
//! `codex-rs/hooks`).
//!
//! Input as Claude Code's: `{session_id, turn_id, transcript_path, cwd,
//! hook_event_name: "PreToolUse", model, permission_mode, tool_name: "Bash",
//! tool_input: {command}, tool_use_id}`.
//! Answer: nothing for allow; a deny is `hookSpecificOutput.permissionDecision: "deny"`
//! with a non-empty `permissionDecisionReason`, or exit 2 with a reason on stderr.
//! Codex rejects "ask" (and a bare "allow") as unsupported output and then runs the
//! command, so a confirm is a deny carrying an approval code.

use super::{claude, Answer, Call, Judged, Reply};
use serde_json::{json, Value};

pub(super) fn parse(input: &Value) -> Result<Call, String> {
    claude::parse(input)
}

pub(super) fn render(reply: &Reply) -> Answer {
    match reply {
        Reply::Allow => Answer::default(),
        Reply::Ask { model, .. } | Reply::Block { model, .. } => {
            Answer::json(&claude::decision("deny", model))
        }
    }
}

pub(super) fn judge(a: &Answer) -> Judged {
    match a.exit {
        2 if !a.stderr.trim().is_empty() => Judged::Stopped,
        0 if claude::permission(a).as_deref() == Some("deny") => Judged::Stopped,
        _ => Judged::Ran,
    }
}

pub(super) fn sample(command: &str, cwd: &str) -> Value {
    json!({
        "session_id": "interlock-doctor",
        "turn_id": "interlock-doctor",
        "transcript_path": null,
        "cwd": cwd,
        "hook_event_name": "PreToolUse",
        "model": "gpt-5-codex",
        "permission_mode": "default",
        "tool_name": "Bash",
        "tool_input": {"command": command},
        "tool_use_id": "call_interlock_doctor",
    })
}
