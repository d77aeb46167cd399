//! Cline: an executable named `PreToolUse` in `~/Documents/Cline/Hooks/` or
//! `.clinerules/hooks/` (docs.cline.bot, "Hooks"; `src/core/hooks` in cline/cline).
//!
//! Input: `{clineVersion, hookName: "PreToolUse", timestamp, taskId, workspaceRoots,
//! userId, preToolUse: {toolName, parameters: {command, requires_approval, …}}}` (the
//! docs also name the tool field `tool`). No working directory is sent: Cline runs
//! commands in the first workspace root.
//! Answer: `{"cancel": false}` to go on; `{"cancel": true, "errorMessage": …}` stops
//! the tool. Cline honours valid JSON whatever the exit status, so refusals exit 0.

use super::{Answer, Call, Judged, Reply};
use serde_json::{json, Value};

pub(super) fn parse(input: &Value) -> Result<Call, String> {
    let obj = super::object(input)?;
    let pre = obj
        .get("preToolUse")
        .ok_or_else(|| "the hook input has no preToolUse section".to_string())?;
    let tool = pre
        .get("toolName")
        .or_else(|| pre.get("tool"))
        .and_then(Value::as_str);
    let command = pre.get("parameters").and_then(|p| p.get("command"));
    let cwd = super::first_root(obj.get("workspaceRoots"))
        .or_else(|| super::path_field(obj.get("workspacePath")));
    super::tool_call(tool, command, cwd)
}

pub(super) fn render(reply: &Reply) -> Answer {
    match reply {
        Reply::Allow => Answer::json(&json!({"cancel": false})),
        Reply::Ask { model, .. } | Reply::Block { model, .. } => {
            Answer::json(&json!({"cancel": true, "errorMessage": model}))
        }
    }
}

pub(super) fn judge(a: &Answer) -> Judged {
    let cancel = super::stdout_json(a).and_then(|v| v.get("cancel").and_then(Value::as_bool));
    if cancel == Some(true) {
        Judged::Stopped
    } else {
        Judged::Ran
    }
}

pub(super) fn sample(command: &str, cwd: &str) -> Value {
    json!({
        "clineVersion": "3.36.0",
        "hookName": "PreToolUse",
        "timestamp": "1767225600000",
        "taskId": "interlock-doctor",
        "workspaceRoots": [cwd],
        "userId": "interlock-doctor",
        "preToolUse": {
            "toolName": "execute_command",
            "parameters": {"command": command, "requires_approval": "false"},
        },
    })
}
