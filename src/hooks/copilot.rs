//! GitHub Copilot CLI and coding agent: `preToolUse` hooks (docs.github.com, "Copilot
//! CLI hooks reference").
//!
//! Input, camelCase form (event configured as `preToolUse`): `{sessionId, timestamp,
//! cwd, toolName: "bash", toolArgs}`, where `toolArgs` is the tool's arguments as an
//! object or as a JSON string. VS Code-compatible form (event `PreToolUse`):
//! `{hook_event_name, session_id, timestamp, cwd, tool_name, tool_input}`.
//! Answer: nothing for allow; a deny is `{"permissionDecision": "deny",
//! "permissionDecisionReason": …}` with exit 0. A hook that fails (any non-zero exit,
//! a time-out) is skipped and the tool runs, so every refusal is this JSON. The
//! VS Code form also gets the answer in `hookSpecificOutput`, the form it is
//! documented with. A confirm is a deny with an approval code: the cloud agent and
//! `copilot -p` have nobody to ask.

use super::{claude, Answer, Call, Judged, Reply};
use serde_json::{json, Value};

pub(super) fn parse(input: &Value) -> Result<Call, String> {
    let obj = super::object(input)?;
    let camel = obj.contains_key("toolName") || obj.contains_key("toolArgs");
    let (tool, args) = if camel {
        (obj.get("toolName"), obj.get("toolArgs"))
    } else {
        (obj.get("tool_name"), obj.get("tool_input"))
    };
    let args = match args {
        Some(Value::String(s)) => serde_json::from_str::<Value>(s).ok(),
        other => other.cloned(),
    };
    let command = args.as_ref().and_then(|a| a.get("command"));
    super::tool_call(
        tool.and_then(Value::as_str),
        command,
        super::path_field(obj.get("cwd")),
    )
}

fn vscode_form(input: Option<&Value>) -> bool {
    input
        .and_then(Value::as_object)
        .is_some_and(|o| o.contains_key("tool_name") || o.contains_key("hook_event_name"))
}

pub(super) fn render(reply: &Reply, input: Option<&Value>) -> Answer {
    match reply {
        Reply::Allow => Answer::default(),
        Reply::Ask { model, .. } | Reply::Block { model, .. } => {
            let mut v = json!({
                "permissionDecision": "deny",
                "permissionDecisionReason": model,
            });
            if vscode_form(input) {
                if let (Some(o), Value::Object(hso)) =
                    (v.as_object_mut(), claude::decision("deny", model))
                {
                    o.extend(hso);
                }
            }
            Answer::json(&v)
        }
    }
}

pub(super) fn judge(a: &Answer) -> Judged {
    if a.exit != 0 {
        return Judged::Ran;
    }
    let flat = super::stdout_json(a).and_then(|v| {
        let reason = v.get("permissionDecisionReason").and_then(Value::as_str)?;
        let decision = v.get("permissionDecision").and_then(Value::as_str)?;
        (!reason.trim().is_empty()).then(|| decision.to_string())
    });
    match flat.or_else(|| claude::permission(a)).as_deref() {
        Some("deny") => Judged::Stopped,
        Some("ask") => Judged::Asked,
        _ => Judged::Ran,
    }
}

pub(super) fn sample(command: &str, cwd: &str) -> Value {
    json!({
        "sessionId": "interlock-doctor",
        "timestamp": 1767225600000u64,
        "cwd": cwd,
        "toolName": "bash",
        "toolArgs": json!({"command": command, "description": "Interlock doctor canary"}).to_string(),
    })
}
