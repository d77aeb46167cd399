//! Gemini CLI: `BeforeTool` hooks (geminicli.com/docs/hooks/reference).
//!
//! Input: `{session_id, transcript_path, cwd, hook_event_name: "BeforeTool", timestamp,
//! tool_name: "run_shell_command", tool_input: {command, description, dir_path}}`.
//! Answer: stdout must hold JSON only, so allow is `{}`; a deny is
//! `{"decision": "deny", "reason": …}` (the reason goes to the model as the tool's
//! error; `systemMessage` is shown to the user). Exit 2 also blocks; other non-zero
//! exits are warnings and the tool runs. No "ask": a confirm is a deny with a code.

use super::{Answer, Call, Judged, Reply};
use serde_json::{json, Value};

pub(super) fn parse(input: &Value) -> Result<Call, String> {
    let obj = super::object(input)?;
    let tool = obj.get("tool_name").and_then(Value::as_str);
    let args = obj.get("tool_input");
    // run_shell_command can run in a directory of its own (`dir_path`, formerly
    // `directory`), relative to the session's.
    let dir = args.and_then(|a| {
        super::path_field(a.get("dir_path")).or_else(|| super::path_field(a.get("directory")))
    });
    let cwd = match (super::path_field(obj.get("cwd")), dir) {
        (Some(base), Some(d)) => Some(base.join(d)),
        (base, d) => d.or(base),
    };
    let call = super::tool_call(tool, args.and_then(|a| a.get("command")), cwd.clone());
    // An MCP tool's call carries `mcp_context` with the server's and the tool's names.
    let mcp = obj.get("mcp_context");
    let server = mcp
        .and_then(|m| m.get("server_name"))
        .and_then(Value::as_str);
    let mcp_tool = mcp
        .and_then(|m| m.get("tool_name"))
        .and_then(Value::as_str)
        .or(tool);
    super::with_mcp(call, mcp_tool, server, args, cwd)
}

pub(super) fn render(reply: &Reply) -> Answer {
    match reply {
        Reply::Allow => Answer::json(&json!({})),
        Reply::Ask { user, model } | Reply::Block { user, model } => Answer::json(&json!({
            "decision": "deny",
            "reason": model,
            "systemMessage": user,
        })),
    }
}

pub(super) fn judge(a: &Answer) -> Judged {
    match a.exit {
        2 => Judged::Stopped,
        0 => {
            let decision = super::stdout_json(a).and_then(|v| {
                v.get("decision")
                    .and_then(Value::as_str)
                    .map(str::to_string)
            });
            match decision.as_deref() {
                Some("deny" | "block") => Judged::Stopped,
                _ => Judged::Ran,
            }
        }
        _ => Judged::Ran,
    }
}

pub(super) fn sample(command: &str, cwd: &str) -> Value {
    json!({
        "session_id": "interlock-doctor",
        "transcript_path": "/dev/null",
        "cwd": cwd,
        "hook_event_name": "BeforeTool",
        "timestamp": "2026-01-01T00:00:00.000Z",
        "tool_name": "run_shell_command",
        "tool_input": {"command": command, "description": "Interlock doctor canary"},
    })
}
