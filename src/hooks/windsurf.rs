//! Windsurf (Cascade): `pre_run_command` hooks (docs.windsurf.com, "Cascade Hooks").
//!
//! Input: `{agent_action_name: "pre_run_command", trajectory_id, execution_id,
//! timestamp, model_name, tool_info: {command_line, cwd}}`.
//! Answer: exit 0 lets the command run; exit 2 blocks it, with the reason on stderr
//! (shown when the hook has `show_output`). Any other exit is an error and the command
//! runs, so every refusal is exit 2. No "ask": a confirm is a block with a code.

use super::{Answer, Call, Judged, Reply};
use serde_json::{json, Value};

pub(super) fn parse(input: &Value) -> Result<Call, String> {
    let obj = super::object(input)?;
    let info = obj.get("tool_info");
    let cwd = super::path_field(info.and_then(|i| i.get("cwd")));
    super::tool_call(Some("shell"), info.and_then(|i| i.get("command_line")), cwd)
}

pub(super) fn render(reply: &Reply) -> Answer {
    match reply {
        Reply::Allow => Answer::default(),
        Reply::Ask { model, .. } | Reply::Block { model, .. } => Answer {
            stdout: String::new(),
            stderr: format!("{model}\n"),
            exit: 2,
        },
    }
}

pub(super) fn judge(a: &Answer) -> Judged {
    if a.exit == 2 {
        Judged::Stopped
    } else {
        Judged::Ran
    }
}

pub(super) fn sample(command: &str, cwd: &str) -> Value {
    json!({
        "agent_action_name": "pre_run_command",
        "trajectory_id": "interlock-doctor",
        "execution_id": "interlock-doctor",
        "timestamp": "2026-01-01T00:00:00.000000+00:00",
        "model_name": "SWE-1",
        "tool_info": {"command_line": command, "cwd": cwd},
    })
}
