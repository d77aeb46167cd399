//! The agents' own file tools (Claude Code's Write, Edit, MultiEdit and NotebookEdit,
//! Gemini CLI's `write_file` and `replace`, Codex's `apply_patch`): they run in the
//! agent's process, outside any confinement, so the hook judges them. Each write is
//! judged as the shell command with the same effect on that file (`tee FILE`, `rm
//! FILE`), so the rules for Interlock's own files, agents' settings and protected data
//! (dotfiles, `.git`, databases, system files) apply to them unchanged.

use serde_json::Value;

/// Claude Code and Gemini CLI tools that write the file named in their input.
const WRITERS: &[(&str, &[&str])] = &[
    ("write", &["file_path"]),
    ("edit", &["file_path"]),
    ("multiedit", &["file_path"]),
    ("notebookedit", &["notebook_path"]),
    ("write_file", &["file_path", "absolute_path", "path"]),
    ("replace", &["file_path", "absolute_path", "path"]),
    ("edit_file", &["file_path", "target_file", "path"]),
];

/// The shell command a file tool call amounts to, or `None` when the call is not a
/// file write Interlock knows.
pub fn as_command(input: &Value) -> Option<Result<String, String>> {
    let tool = input.get("tool_name")?.as_str()?.to_ascii_lowercase();
    let args = input.get("tool_input");
    if tool == "apply_patch" {
        let patch = args.and_then(|a| {
            a.get("input")
                .or_else(|| a.get("patch"))
                .or_else(|| a.get("command"))
        });
        return Some(patch_command(patch));
    }
    let (_, keys) = WRITERS.iter().find(|(name, _)| *name == tool)?;
    let path = keys
        .iter()
        .find_map(|k| args.and_then(|a| a.get(*k)).and_then(Value::as_str));
    Some(match path {
        Some(p) if !p.is_empty() && !p.contains('\0') => {
            Ok(format!("tee -- {} < /dev/null", shell_words::quote(p)))
        }
        _ => Err(format!("the {tool} call names no file to write")),
    })
}

/// Codex's patch format: `*** Add File: P`, `*** Update File: P`, `*** Delete File:
/// P`, `*** Move to: P`. Every file it touches becomes one step of the command.
fn patch_command(patch: Option<&Value>) -> Result<String, String> {
    let text = match patch {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(parts)) => parts
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join("\n"),
        _ => return Err("the apply_patch call holds no patch".into()),
    };
    let mut steps = Vec::new();
    for line in text.lines() {
        let line = line.trim_end();
        let (op, path) = if let Some(p) = line.strip_prefix("*** Delete File: ") {
            ("rm --", p)
        } else if let Some(p) = line
            .strip_prefix("*** Add File: ")
            .or_else(|| line.strip_prefix("*** Update File: "))
            .or_else(|| line.strip_prefix("*** Move to: "))
        {
            ("tee --", p)
        } else {
            continue;
        };
        let path = path.trim();
        if path.is_empty() {
            continue;
        }
        let tail = if op.starts_with("tee") {
            " < /dev/null"
        } else {
            ""
        };
        steps.push(format!("{op} {}{tail}", shell_words::quote(path)));
    }
    if steps.is_empty() {
        // A patch that names no file changes nothing Interlock guards.
        return Ok("true".into());
    }
    Ok(steps.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn file_tools_become_commands() {
        let w = json!({"tool_name": "Write", "tool_input": {"file_path": "/h/.claude/settings.json", "content": "{}"}});
        assert_eq!(
            as_command(&w),
            Some(Ok("tee -- /h/.claude/settings.json < /dev/null".into()))
        );
        let g = json!({"tool_name": "replace", "tool_input": {"file_path": "a b.txt"}});
        assert_eq!(
            as_command(&g),
            Some(Ok("tee -- 'a b.txt' < /dev/null".into()))
        );
        let n = json!({"tool_name": "NotebookEdit", "tool_input": {}});
        assert!(matches!(as_command(&n), Some(Err(_))));
        let read = json!({"tool_name": "Read", "tool_input": {"file_path": "x"}});
        assert_eq!(as_command(&read), None);
        let p = json!({"tool_name": "apply_patch", "tool_input": {"input": "*** Begin Patch\n*** Delete File: .codex/hooks.json\n*** Update File: src/a.rs\n*** End Patch"}});
        assert_eq!(
            as_command(&p),
            Some(Ok(
                "rm -- .codex/hooks.json; tee -- src/a.rs < /dev/null".into()
            ))
        );
    }
}
