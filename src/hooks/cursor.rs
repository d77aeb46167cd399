//! Cursor: `beforeShellExecution` and `beforeMCPExecution` hooks
//! (cursor.com/docs/agent/hooks).
//!
//! Input: `{conversation_id, generation_id, model, hook_event_name:
//! "beforeShellExecution", cursor_version, workspace_roots, user_email, command, cwd}`.
//! Answer: `{"continue": true, "permission": "allow"|"ask"|"deny", "user_message",
//! "agent_message"}` on stdout, always (with `failClosed` set, a hook that prints
//! nothing counts as a failure and blocks). Exit 2 also blocks.
//!
//! Reports say Cursor ignores "ask" in its Auto-review run mode and runs the command;
//! `interlock hook cursor --no-ask` turns confirms into denies with an approval code.

use super::{Answer, Call, Judged, Reply};
use serde_json::{json, Value};

pub(super) fn parse(input: &Value) -> Result<Call, String> {
    let obj = super::object(input)?;
    let cwd =
        super::path_field(obj.get("cwd")).or_else(|| super::first_root(obj.get("workspace_roots")));
    let event = obj.get("hook_event_name").and_then(Value::as_str);
    if event == Some("beforeMCPExecution") {
        // `tool_input` is the arguments (JSON, or JSON as text); the server is named by
        // its `url` or its `command`.
        let tool = obj
            .get("tool_name")
            .and_then(Value::as_str)
            .unwrap_or("tool");
        let args = match obj.get("tool_input") {
            Some(Value::String(t)) => serde_json::from_str(t).unwrap_or(Value::String(t.clone())),
            Some(v) => v.clone(),
            None => Value::Null,
        };
        let server = ["server", "server_name", "url", "command"]
            .iter()
            .find_map(|k| obj.get(*k).and_then(Value::as_str))
            .unwrap_or("mcp");
        // A tool whose input holds a `command` is judged as that shell command, as
        // for every other agent.
        let call = super::tool_call(Some(tool), args.get("command"), cwd.clone());
        return super::with_mcp(call, Some(tool), Some(server), Some(&args), cwd);
    }
    if event == Some("preToolUse") {
        let tool = obj.get("tool_name").and_then(Value::as_str);
        let args = obj.get("tool_input");
        let command = args.and_then(|t| t.get("command"));
        let call = super::tool_call(tool, command, cwd.clone());
        return super::with_mcp(call, tool, None, args, cwd);
    }
    super::tool_call(Some("shell"), obj.get("command"), cwd)
}

pub(super) fn render(reply: &Reply) -> Answer {
    let v = match reply {
        Reply::Allow => json!({"continue": true, "permission": "allow"}),
        Reply::Ask { user, model } => json!({
            "continue": true,
            "permission": "ask",
            "user_message": user,
            "agent_message": model,
        }),
        Reply::Block { user, model } => json!({
            "continue": true,
            "permission": "deny",
            "user_message": user,
            "agent_message": model,
        }),
    };
    Answer::json(&v)
}

pub(super) fn judge(a: &Answer) -> Judged {
    match a.exit {
        2 => Judged::Stopped,
        0 => {
            let permission = super::stdout_json(a).and_then(|v| {
                v.get("permission")
                    .and_then(Value::as_str)
                    .map(str::to_string)
            });
            match permission.as_deref() {
                Some("deny") => Judged::Stopped,
                Some("ask") => Judged::Asked,
                _ => Judged::Ran,
            }
        }
        _ => Judged::Ran,
    }
}

pub(super) fn sample(command: &str, cwd: &str) -> Value {
    json!({
        "conversation_id": "interlock-doctor",
        "generation_id": "interlock-doctor",
        "model": "default",
        "hook_event_name": "beforeShellExecution",
        "cursor_version": "1.7.2",
        "workspace_roots": [cwd],
        "user_email": null,
        "command": command,
        "cwd": cwd,
    })
}

/// An MCP tool call as Cursor sends it to `beforeMCPExecution`.
pub(super) fn mcp_sample(command: &str, cwd: &str) -> Value {
    json!({
        "conversation_id": "interlock-doctor",
        "generation_id": "interlock-doctor",
        "model": "default",
        "hook_event_name": "beforeMCPExecution",
        "cursor_version": "1.7.2",
        "workspace_roots": [cwd],
        "user_email": null,
        "tool_name": "run",
        "tool_input": json!({"command": command}).to_string(),
        "command": "interlock-doctor-mcp-server",
    })
}
