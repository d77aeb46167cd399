//! Claude Code: `PreToolUse` hooks (code.claude.com/docs/en/hooks).
//!
//! Input: `{session_id, transcript_path, cwd, permission_mode, hook_event_name:
//! "PreToolUse", tool_name: "Bash", tool_use_id, tool_input: {command, description,
//! timeout, run_in_background}}`.
//! Answer: nothing for allow, so Claude's own permission rules still apply; otherwise
//! exit 0 with `{"hookSpecificOutput": {"hookEventName": "PreToolUse",
//! "permissionDecision": "ask"|"deny", "permissionDecisionReason": …}}`. The reason of
//! "ask" is shown to the user in the permission prompt, that of "deny" to the model.
//! Exit 2 also blocks; any other exit status lets the command run.

use super::{Answer, Call, Judged, Reply};
use serde_json::{json, Value};

pub(super) fn parse(input: &Value) -> Result<Call, String> {
    let obj = super::object(input)?;
    let tool = obj.get("tool_name").and_then(Value::as_str);
    let args = obj.get("tool_input");
    let command = args.and_then(|t| t.get("command"));
    let cwd = super::path_field(obj.get("cwd"));
    let call = super::tool_call(tool, command, cwd.clone());
    super::with_mcp(call, tool, None, args, cwd)
}

pub(super) fn render(reply: &Reply) -> Answer {
    match reply {
        Reply::Allow => Answer::default(),
        Reply::Ask { user, .. } => Answer::json(&decision("ask", user)),
        Reply::Block { model, .. } => Answer::json(&decision("deny", model)),
    }
}

/// `hookSpecificOutput` with a permission decision (also Codex's and VS Code's form).
pub(super) fn decision(permission: &str, reason: &str) -> Value {
    json!({
        "hookSpecificOutput": {
            "hookEventName": "PreToolUse",
            "permissionDecision": permission,
            "permissionDecisionReason": reason,
        }
    })
}

/// The permission decision of a Claude-style answer, with a non-empty reason.
pub(super) fn permission(a: &Answer) -> Option<String> {
    let v = super::stdout_json(a)?;
    let out = v.get("hookSpecificOutput")?;
    let reason = out.get("permissionDecisionReason").and_then(Value::as_str);
    if reason.is_none_or(|r| r.trim().is_empty()) {
        return None;
    }
    out.get("permissionDecision")
        .and_then(Value::as_str)
        .map(str::to_string)
}

pub(super) fn judge(a: &Answer) -> Judged {
    match a.exit {
        2 => Judged::Stopped,
        0 => match permission(a).as_deref() {
            Some("deny") => Judged::Stopped,
            Some("ask") => Judged::Asked,
            _ => Judged::Ran,
        },
        _ => Judged::Ran,
    }
}

pub(super) fn sample(command: &str, cwd: &str) -> Value {
    json!({
        "session_id": "interlock-doctor",
        "transcript_path": "/dev/null",
        "cwd": cwd,
        "permission_mode": "default",
        "hook_event_name": "PreToolUse",
        "tool_name": "Bash",
        "tool_input": {"command": command, "description": "Interlock doctor canary"},
        "tool_use_id": "toolu_interlock_doctor",
    })
}
