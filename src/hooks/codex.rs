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
//!
//! The exec tool's `workdir` and `tty` are not in the hook input: they are read from
//! the session transcript (the call is recorded there, by id, before the hook runs).
//! A call that runs elsewhere, or whose arguments cannot be found, has its relative
//! paths judged as unknown. Starting an interactive shell or interpreter is refused:
//! what the model later types into it (`write_stdin`) reaches no hook.

use super::{claude, Answer, Call, Judged, Reply};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

pub(super) fn parse(input: &Value) -> Result<Call, String> {
    let call = claude::parse(input)?;
    let Call::Shell { command, cwd } = call else {
        return Ok(call);
    };
    // The exec tool's own arguments (`workdir`, `tty`) are not in the hook input, and
    // its `cwd` is the call's directory, not the session's: both are read from the
    // session transcript (the call is recorded there, by id, before the hook runs).
    let seen = input
        .get("transcript_path")
        .and_then(Value::as_str)
        .map(|path| {
            let id = input
                .get("tool_use_id")
                .and_then(Value::as_str)
                .unwrap_or("");
            read_transcript(Path::new(path), id)
        })
        .unwrap_or_default();
    let tty = seen
        .args
        .as_ref()
        .and_then(|a| a.get("tty"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    if let Some(why) = interactive(&command, tty) {
        return Ok(Call::Refuse { command, cwd, why });
    }
    let workdir = seen.args.as_ref().and_then(|a| {
        a.get("workdir")
            .and_then(Value::as_str)
            .filter(|w| !w.is_empty())
            .map(PathBuf::from)
    });
    let session = seen.session_cwd;
    let runs_in = match (&workdir, &session) {
        (Some(w), Some(s)) => Some(s.join(w)),
        (None, _) => cwd.clone(),
        (Some(w), None) => cwd.as_ref().map(|c| c.join(w)),
    };
    // The call runs where the session works: judged there. Anywhere else (its own
    // `workdir`), or when the session's directory is unknown, relative paths are
    // judged as unknown: what is inside the project does not move with the call.
    match (session, runs_in) {
        (Some(s), Some(r)) if s == r => Ok(Call::Shell { command, cwd }),
        _ => Ok(Call::ShellSomewhere { command, cwd }),
    }
}

#[derive(Default)]
struct Seen {
    /// The call's arguments.
    args: Option<Value>,
    /// The session's working directory (the last turn's).
    session_cwd: Option<PathBuf>,
}

/// Transcripts larger than this are not searched (the call is then treated as if
/// its directory were unknown).
const MAX_TRANSCRIPT: u64 = 64 * 1024 * 1024;

/// From a Codex transcript (rollout JSON lines): the arguments of the function call
/// `id` (`{"type": "response_item", "payload": {"type": "function_call", "call_id",
/// "arguments"}}`) and the session's directory (`session_meta` / `turn_context`
/// payloads' `cwd`).
fn read_transcript(path: &Path, id: &str) -> Seen {
    use std::io::{BufRead, BufReader};
    let mut seen = Seen::default();
    let Ok(f) = std::fs::File::open(path) else {
        return seen;
    };
    if f.metadata().map_or(true, |m| m.len() > MAX_TRANSCRIPT) {
        return seen;
    }
    for line in BufReader::new(f).lines() {
        let Ok(line) = line else {
            return Seen::default();
        };
        let call = !id.is_empty() && line.contains(id);
        let context = line.contains("\"session_meta\"") || line.contains("\"turn_context\"");
        if !call && !context {
            continue;
        }
        let Ok(v) = serde_json::from_str::<Value>(&line) else {
            continue;
        };
        let p = v.get("payload").unwrap_or(&v);
        match v.get("type").and_then(Value::as_str) {
            Some("session_meta" | "turn_context") => {
                if let Some(c) = p.get("cwd").and_then(Value::as_str) {
                    seen.session_cwd = Some(PathBuf::from(c));
                }
            }
            _ if p.get("call_id").and_then(Value::as_str) == Some(id) => {
                if let Some(a) = p.get("arguments").and_then(Value::as_str) {
                    seen.args = serde_json::from_str::<Value>(a)
                        .ok()
                        .filter(Value::is_object);
                }
            }
            _ => {}
        }
    }
    seen
}

/// Programs that read commands from the terminal when started without code.
const INTERACTIVE: &[&str] = &[
    "bash",
    "sh",
    "zsh",
    "dash",
    "ksh",
    "mksh",
    "fish",
    "tcsh",
    "csh",
    "busybox",
    "python",
    "python2",
    "python3",
    "ipython",
    "node",
    "nodejs",
    "deno",
    "bun",
    "irb",
    "ruby",
    "perl",
    "php",
    "lua",
    "R",
    "julia",
    "ghci",
    "psql",
    "mysql",
    "mariadb",
    "sqlite3",
    "redis-cli",
    "mongo",
    "mongosh",
    "nu",
    "pwsh",
    "gdb",
    "ssh",
    "ftp",
    "sftp",
    "telnet",
    "nc",
];

/// Why starting `command` would open an interactive session (whose later input,
/// typed with `write_stdin`, reaches no hook), if it would.
pub(super) fn interactive(command: &str, tty: bool) -> Option<String> {
    let words = shell_words::split(command.trim()).ok()?;
    // Leading `VAR=value` assignments and `env`/`exec`/`command` do not change it.
    let mut rest: &[String] = &words;
    while let Some((w, tail)) = rest.split_first() {
        let assignment = w.contains('=') && !w.starts_with('-') && !w.starts_with('=');
        if assignment || matches!(w.as_str(), "env" | "exec" | "command" | "sudo") {
            rest = tail;
        } else {
            break;
        }
    }
    let (program, args) = rest.split_first()?;
    let name = Path::new(program)
        .file_name()?
        .to_string_lossy()
        .into_owned();
    if !INTERACTIVE.contains(&name.as_str()) {
        return None;
    }
    // Anything but options is code, a script, a database or a host to run against.
    let operands = args.iter().filter(|a| !a.starts_with('-')).count();
    let asks = args
        .iter()
        .any(|a| matches!(a.as_str(), "-i" | "--interactive" | "-it" | "-ti"));
    let shell_ops = command.contains([';', '&', '|', '<', '>', '\n']);
    let opens = asks || (operands == 0 && !shell_ops && (tty || code_flag(args).is_none()));
    opens.then(|| {
        format!(
            "`{name}` started like this waits for input, and what is typed into it later goes through Codex's write_stdin, which no hook sees, so it is an interactive session Interlock cannot guard{}",
            if tty { " (and the call asked for a terminal)" } else { "" }
        )
    })
}

/// The option that gives an interpreter its code (`-c`, `-e`, …), if present.
fn code_flag(args: &[String]) -> Option<&String> {
    args.iter().find(|a| {
        matches!(
            a.as_str(),
            "-c" | "-e"
                | "-lc"
                | "-ic"
                | "-ce"
                | "-E"
                | "-r"
                | "--eval"
                | "-p"
                | "--print"
                | "-m"
                | "--command"
                | "--version"
                | "-V"
                | "--help"
                | "-h"
        )
    })
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

#[cfg(test)]
mod tests {
    use super::interactive;

    #[test]
    fn interactive_starts() {
        for c in [
            "bash",
            "bash -i",
            "sh",
            "python3",
            "/usr/bin/python3 -i",
            "node",
            "env FOO=1 bash",
            "psql",
            "python3 -i script.py",
        ] {
            assert!(interactive(c, false).is_some(), "{c}");
        }
        assert!(interactive("bash -l", true).is_some());
        for c in [
            "bash -c 'ls'",
            "python3 script.py",
            "python3 -c 'print(1)'",
            "node app.js",
            "ls -la",
            "echo ok > out.txt",
            "bash build.sh",
            "psql -c 'select 1'",
            "sqlite3 db.sqlite 'select 1'",
            "python3 --version",
            "bash < script.sh",
        ] {
            assert!(interactive(c, false).is_none(), "{c}");
        }
    }
}
