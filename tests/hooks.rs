//! Agent hooks end to end: the real `interlock` binary fed each agent's documented
//! hook input (with unknown extra fields and without optional ones), checked for the
//! exact answer and exit status per decision; install and uninstall against scratch
//! copies of each agent's settings; doctor against a scratch HOME.

use serde_json::{json, Value};
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_interlock");
const AGENTS: [&str; 7] = [
    "claude", "cursor", "codex", "gemini", "copilot", "windsurf", "cline",
];

/// Commands with a known decision in the scratch project (HOME/project).
const ALLOW: &str = "git status";
const CONFIRM: &str = "git push --force origin main";
const DENY: &str = "rm -rf ~";

/// A scratch HOME (with `project/` inside it) and state directory; no config layers.
struct Scratch {
    dir: tempfile::TempDir,
}

struct Out {
    stdout: String,
    stderr: String,
    code: i32,
}

impl Out {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {:?}", self.stdout))
    }
}

impl Scratch {
    fn new() -> Scratch {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("home/project/sub")).expect("mkdir");
        std::fs::create_dir_all(dir.path().join("state")).expect("mkdir");
        Scratch { dir }
    }

    fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    fn project(&self) -> PathBuf {
        self.home().join("project")
    }

    fn state(&self) -> PathBuf {
        self.dir.path().join("state")
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(BIN);
        c.args(args)
            .current_dir(self.project())
            .env("HOME", self.home())
            .env("INTERLOCK_STATE_DIR", self.state())
            .env(
                "INTERLOCK_SYSTEM_CONFIG",
                self.dir.path().join("no-system.toml"),
            )
            .env_remove("INTERLOCK_CONFIG")
            .env_remove("INTERLOCK_MODE")
            .env_remove("XDG_CONFIG_HOME")
            .env_remove("XDG_STATE_HOME")
            .env_remove("CODEX_HOME");
        c
    }

    fn run_in(&self, args: &[&str], input: &[u8], cwd: &Path) -> Out {
        let mut cmd = self.command(args);
        cmd.current_dir(cwd)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("spawn interlock");
        let mut stdin = child.stdin.take().expect("stdin");
        let data = input.to_vec();
        // The hook stops reading at its limit; a write error then is expected.
        let writer = std::thread::spawn(move || {
            let _ = stdin.write_all(&data);
        });
        let out = child.wait_with_output().expect("wait");
        writer.join().expect("writer");
        Out {
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            code: out.status.code().expect("exit code"),
        }
    }

    fn run(&self, args: &[&str]) -> Out {
        self.run_in(args, b"", &self.project())
    }

    fn hook(&self, agent: &str, input: &Value) -> Out {
        self.hook_raw(agent, input.to_string().as_bytes())
    }

    fn hook_raw(&self, agent: &str, input: &[u8]) -> Out {
        self.run_in(&["hook", agent], input, &self.project())
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.home().join(rel)
    }

    fn write(&self, rel: &str, text: &str) -> PathBuf {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(&p, text).expect("write");
        p
    }
}

fn read_json(p: &Path) -> Value {
    let text = std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn bin() -> String {
    std::fs::canonicalize(BIN)
        .expect("binary path")
        .to_string_lossy()
        .into_owned()
}

// ---------------------------------------------------------------------------------
// Documented hook inputs, with extra fields a newer agent might send.

/// The full documented input of each agent for a shell command.
fn documented(agent: &str, command: &str, cwd: &Path) -> Value {
    let cwd = cwd.to_string_lossy();
    match agent {
        "claude" => json!({
            "session_id": "abc123",
            "transcript_path": "/home/user/.claude/projects/p/abc123.jsonl",
            "cwd": cwd,
            "permission_mode": "default",
            "hook_event_name": "PreToolUse",
            "tool_name": "Bash",
            "tool_input": {
                "command": command,
                "description": "Run it",
                "timeout": 120000,
                "run_in_background": false,
                "dangerouslyDisableSandbox": false
            },
            "tool_use_id": "toolu_01ABC123",
            "agent_id": "a-future-field",
            "effort": {"level": "high"}
        }),
        "cursor" => json!({
            "conversation_id": "c-1",
            "generation_id": "g-1",
            "model": "claude-4-sonnet",
            "hook_event_name": "beforeShellExecution",
            "cursor_version": "1.7.2",
            "workspace_roots": [cwd],
            "user_email": "dev@example.com",
            "command": command,
            "cwd": cwd,
            "sandbox": true
        }),
        "codex" => json!({
            "session_id": "0199a213-81c0-7800-8aa1-bbab2a035a53",
            "turn_id": "t-1",
            "transcript_path": null,
            "cwd": cwd,
            "hook_event_name": "PreToolUse",
            "model": "gpt-5-codex",
            "permission_mode": "default",
            "tool_name": "Bash",
            "tool_input": {"command": command},
            "tool_use_id": "call_1",
            "agent_type": "main"
        }),
        "gemini" => json!({
            "session_id": "s-1",
            "transcript_path": "/home/user/.gemini/tmp/chats/s-1.json",
            "cwd": cwd,
            "hook_event_name": "BeforeTool",
            "timestamp": "2026-01-28T10:00:00.000Z",
            "tool_name": "run_shell_command",
            "tool_input": {"command": command, "description": "Run it"},
            "mcp_context": null,
            "original_request_name": "run_shell_command"
        }),
        "copilot" => json!({
            "sessionId": "s-1",
            "timestamp": 1704614600000u64,
            "cwd": cwd,
            "toolName": "bash",
            "toolArgs": json!({"command": command, "description": "Run it", "mode": "sync"}).to_string(),
            "transcriptPath": "/tmp/t.jsonl"
        }),
        "windsurf" => json!({
            "agent_action_name": "pre_run_command",
            "trajectory_id": "traj-1",
            "execution_id": "exec-1",
            "timestamp": "2026-06-29T18:10:30.653398-04:00",
            "model_name": "SWE-1.6 Slow",
            "tool_info": {"command_line": command, "cwd": cwd, "blocking": true}
        }),
        "cline" => json!({
            "clineVersion": "3.36.0",
            "hookName": "PreToolUse",
            "timestamp": "1736654400000",
            "taskId": "task-1",
            "workspaceRoots": [cwd],
            "userId": "u-1",
            "preToolUse": {
                "toolName": "execute_command",
                "parameters": {"command": command, "requires_approval": "false"}
            },
            "model": {"provider": "anthropic"}
        }),
        _ => unreachable!(),
    }
}

/// The same call with every optional field left out.
fn minimal(agent: &str, command: &str, cwd: &Path) -> Value {
    let cwd = cwd.to_string_lossy();
    match agent {
        "claude" | "codex" => {
            json!({"tool_name": "Bash", "tool_input": {"command": command}, "cwd": cwd})
        }
        "cursor" => json!({"command": command, "workspace_roots": [cwd]}),
        "gemini" => {
            json!({"tool_name": "run_shell_command", "tool_input": {"command": command}, "cwd": cwd})
        }
        "copilot" => json!({"toolName": "bash", "toolArgs": {"command": command}, "cwd": cwd}),
        "windsurf" => json!({"tool_info": {"command_line": command, "cwd": cwd}}),
        "cline" => {
            json!({"workspacePath": cwd, "preToolUse": {"tool": "execute_command", "parameters": {"command": command}}})
        }
        _ => unreachable!(),
    }
}

/// A call of a tool that runs no shell command.
fn not_shell(agent: &str) -> Option<Value> {
    Some(match agent {
        "claude" => {
            json!({"tool_name": "Read", "tool_input": {"file_path": "/etc/hosts"}, "cwd": "/"})
        }
        "codex" => {
            json!({"tool_name": "apply_patch", "tool_input": {"command": "*** Begin Patch\n*** Delete File: a\n*** End Patch"}, "cwd": "/"})
        }
        "gemini" => {
            json!({"tool_name": "read_file", "tool_input": {"absolute_path": "/etc/hosts"}, "cwd": "/"})
        }
        "copilot" => {
            json!({"toolName": "view", "toolArgs": "{\"path\":\"/etc/hosts\"}", "cwd": "/"})
        }
        "cline" => {
            json!({"workspaceRoots": ["/"], "preToolUse": {"toolName": "read_file", "parameters": {"path": "/etc/hosts"}}})
        }
        _ => return None,
    })
}

/// The call with its command field removed.
fn without_command(agent: &str, cwd: &Path) -> Value {
    let mut v = documented(agent, "x", cwd);
    let removed = match agent {
        "claude" | "codex" | "gemini" => v["tool_input"]
            .as_object_mut()
            .and_then(|o| o.remove("command")),
        "cursor" => v.as_object_mut().and_then(|o| o.remove("command")),
        "copilot" => {
            v["toolArgs"] = json!("{\"description\":\"no command\"}");
            Some(Value::Null)
        }
        "windsurf" => v["tool_info"]
            .as_object_mut()
            .and_then(|o| o.remove("command_line")),
        "cline" => v["preToolUse"]["parameters"]
            .as_object_mut()
            .and_then(|o| o.remove("command")),
        _ => unreachable!(),
    };
    assert!(removed.is_some());
    v
}

// ---------------------------------------------------------------------------------
// The exact answers.

/// Allow: each agent's silent "go on".
fn assert_allowed(agent: &str, out: &Out) {
    assert_eq!(out.code, 0, "{agent}: {}", out.stderr);
    match agent {
        "cursor" => assert_eq!(out.json(), json!({"continue": true, "permission": "allow"})),
        "gemini" => assert_eq!(out.json(), json!({})),
        "cline" => assert_eq!(out.json(), json!({"cancel": false})),
        _ => assert_eq!(out.stdout, "", "{agent}"),
    }
    if agent == "windsurf" {
        assert_eq!(out.stderr, "");
    }
}

/// Block: each agent's refusal; returns the text the model reads.
fn assert_blocked(agent: &str, out: &Out) -> String {
    if agent == "windsurf" {
        assert_eq!(out.code, 2, "{}", out.stderr);
        assert_eq!(out.stdout, "");
        assert!(out.stderr.ends_with('\n'));
        return out.stderr.clone();
    }
    assert_eq!(out.code, 0, "{agent}: {}", out.stderr);
    assert!(out.stdout.ends_with('\n'));
    let v = out.json();
    let text = |p: &str| {
        v.pointer(p)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let (expected, model) = match agent {
        "claude" | "codex" => {
            let r = text("/hookSpecificOutput/permissionDecisionReason");
            (claude_decision("deny", &r), r)
        }
        "cursor" => {
            let (u, m) = (text("/user_message"), text("/agent_message"));
            assert!(!u.is_empty());
            (
                json!({"continue": true, "permission": "deny", "user_message": u, "agent_message": m}),
                m,
            )
        }
        "gemini" => {
            let (r, s) = (text("/reason"), text("/systemMessage"));
            assert!(!s.is_empty());
            (
                json!({"decision": "deny", "reason": r, "systemMessage": s}),
                r,
            )
        }
        "copilot" => {
            let r = text("/permissionDecisionReason");
            (
                json!({"permissionDecision": "deny", "permissionDecisionReason": r}),
                r,
            )
        }
        "cline" => {
            let m = text("/errorMessage");
            (json!({"cancel": true, "errorMessage": m}), m)
        }
        _ => unreachable!(),
    };
    assert_eq!(v, expected, "{agent}");
    assert!(!model.trim().is_empty(), "{agent}: empty reason");
    model
}

fn claude_decision(d: &str, reason: &str) -> Value {
    json!({"hookSpecificOutput": {
        "hookEventName": "PreToolUse",
        "permissionDecision": d,
        "permissionDecisionReason": reason,
    }})
}

/// Ask (Claude Code, Cursor): returns the text shown to the user.
fn assert_asked(agent: &str, out: &Out) -> String {
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v = out.json();
    match agent {
        "claude" => {
            let r = v
                .pointer("/hookSpecificOutput/permissionDecisionReason")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            assert_eq!(v, claude_decision("ask", &r));
            r
        }
        "cursor" => {
            let u = v["user_message"].as_str().unwrap_or_default().to_string();
            let m = v["agent_message"].as_str().unwrap_or_default().to_string();
            assert_eq!(
                v,
                json!({"continue": true, "permission": "ask", "user_message": u, "agent_message": m})
            );
            assert!(m.contains(CONFIRM));
            u
        }
        _ => unreachable!(),
    }
}

/// The approval code in a refusal, checked against the request it names.
fn approval_code(s: &Scratch, text: &str, command: &str, cwd: &Path) -> String {
    let marker = "interlock approve ";
    let at = text
        .find(marker)
        .unwrap_or_else(|| panic!("no approval code in {text:?}"));
    let code: String = text[at + marker.len()..]
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect();
    assert!(interlock::approval::valid_code(&code), "{code:?}");
    let req_path = s.state().join("requests").join(format!("{code}.json"));
    let req: interlock::approval::Request =
        serde_json::from_slice(&std::fs::read(&req_path).expect("request file")).expect("request");
    assert_eq!(req.command, command);
    assert_eq!(Path::new(&req.cwd), cwd);
    code
}

// ---------------------------------------------------------------------------------
// Hook protocol tests.

#[test]
fn each_agent_answers_allow_confirm_and_deny_exactly() {
    let s = Scratch::new();
    let p = s.project();
    for agent in AGENTS {
        for sample in [documented, minimal] {
            let out = s.hook(agent, &sample(agent, ALLOW, &p));
            assert_allowed(agent, &out);

            let out = s.hook(agent, &sample(agent, DENY, &p));
            let model = assert_blocked(agent, &out);
            for part in [
                "Interlock stopped this command",
                DENY,
                "fs.delete-critical",
                "Do not try to reach the same result another way",
            ] {
                assert!(
                    model.contains(part),
                    "{agent}: {part:?} missing from {model:?}"
                );
            }
            approval_code(&s, &model, DENY, &p);

            let out = s.hook(agent, &sample(agent, CONFIRM, &p));
            if agent == "claude" || agent == "cursor" {
                let shown = assert_asked(agent, &out);
                assert!(shown.contains("git.push-force"), "{shown}");
            } else {
                let model = assert_blocked(agent, &out);
                assert!(model.contains("needs the user's approval"), "{model}");
                assert!(model.contains("git.push-force"), "{model}");
                approval_code(&s, &model, CONFIRM, &p);
            }
        }
    }
}

#[test]
fn no_ask_turns_confirms_into_denies_with_a_code() {
    let s = Scratch::new();
    let p = s.project();
    for agent in ["claude", "cursor"] {
        let input = documented(agent, CONFIRM, &p).to_string();
        let out = s.run_in(&["hook", agent, "--no-ask"], input.as_bytes(), &p);
        let model = assert_blocked(agent, &out);
        approval_code(&s, &model, CONFIRM, &p);
    }
}

#[test]
fn tools_that_run_no_shell_command_pass() {
    let s = Scratch::new();
    for agent in AGENTS {
        if let Some(input) = not_shell(agent) {
            assert_allowed(agent, &s.hook(agent, &input));
        }
    }
}

#[test]
fn copilot_vscode_form_and_object_arguments() {
    let s = Scratch::new();
    let p = s.project().to_string_lossy().into_owned();
    let vscode = json!({
        "hook_event_name": "PreToolUse",
        "session_id": "s",
        "timestamp": "2026-01-01T00:00:00Z",
        "cwd": p,
        "tool_name": "bash",
        "tool_input": {"command": DENY}
    });
    let out = s.hook("copilot", &vscode);
    assert_eq!(out.code, 0);
    let v = out.json();
    let r = v["permissionDecisionReason"]
        .as_str()
        .expect("reason")
        .to_string();
    let mut expected = json!({"permissionDecision": "deny", "permissionDecisionReason": r});
    expected.as_object_mut().expect("object").extend(
        claude_decision("deny", &r)
            .as_object()
            .expect("object")
            .clone(),
    );
    assert_eq!(v, expected);
    let vscode_allow = json!({"hook_event_name": "PreToolUse", "cwd": p, "tool_name": "bash", "tool_input": {"command": ALLOW}});
    assert_allowed("copilot", &s.hook("copilot", &vscode_allow));
}

#[test]
fn the_working_directory_comes_from_the_input() {
    let s = Scratch::new();
    let (p, sub) = (s.project(), s.project().join("sub"));
    // `rm -rf ../sub/x` deletes a folder in HOME from the project, but one inside
    // the working directory from sub/.
    for agent in AGENTS {
        let out = s.hook(agent, &documented(agent, "rm -rf ../sub/x", &p));
        match agent {
            "claude" => drop(assert_asked(agent, &out)),
            "cursor" => assert_eq!(out.json()["permission"], "ask"),
            _ => drop(assert_blocked(agent, &out)),
        }
        if agent == "codex" {
            // No transcript: the session's directory is unknown (Codex's exec tool
            // may run in a `workdir` of its own), so a relative delete is not waved
            // through.
            drop(assert_blocked(
                agent,
                &s.hook(agent, &documented(agent, "rm -rf ../sub/x", &sub)),
            ));
            // The transcript says the session works in sub/: judged there.
            let t = s.path("codex-transcript.jsonl");
            let meta = json!({"type": "session_meta", "payload": {"cwd": sub}});
            std::fs::write(&t, format!("{meta}\n")).expect("transcript");
            let mut input = documented(agent, "rm -rf ../sub/x", &sub);
            input["transcript_path"] = json!(t);
            assert_allowed(agent, &s.hook(agent, &input));
            // A call whose workdir is elsewhere: relative paths are unknown there.
            let call = json!({"type": "response_item", "payload": {"type": "function_call",
                "call_id": input["tool_use_id"], "name": "exec_command",
                "arguments": json!({"cmd": "rm -rf ../sub/x", "workdir": s.home()}).to_string()}});
            std::fs::write(&t, format!("{meta}\n{call}\n")).expect("transcript");
            input["cwd"] = json!(s.home());
            drop(assert_blocked(agent, &s.hook(agent, &input)));
            continue;
        }
        assert_allowed(
            agent,
            &s.hook(agent, &documented(agent, "rm -rf ../sub/x", &sub)),
        );
    }
    // Gemini's own directory parameter, relative to the session's.
    let mut g = documented("gemini", "rm -rf ../sub/x", &p);
    g["tool_input"]["dir_path"] = json!("sub");
    assert_allowed("gemini", &s.hook("gemini", &g));
    // No directory in the input: the hook's own. From the project `..` is HOME.
    let bare = json!({"tool_name": "Bash", "tool_input": {"command": "rm -rf .."}});
    assert_blocked(
        "claude",
        &s.run_in(&["hook", "claude"], bare.to_string().as_bytes(), &p),
    );
    let bare = json!({"tool_name": "Bash", "tool_input": {"command": "rm -rf ../sub/x"}});
    assert_allowed(
        "claude",
        &s.run_in(&["hook", "claude"], bare.to_string().as_bytes(), &sub),
    );
}

#[test]
fn bad_input_is_refused_in_each_protocol() {
    let s = Scratch::new();
    let p = s.project();
    let mut oversized = b"{\"tool_name\":\"Bash\",\"tool_input\":{\"command\":\"".to_vec();
    oversized.resize(oversized.len() + 4 * 1024 * 1024 + 10, b'a');
    oversized.extend_from_slice(b"\"}}");
    for agent in AGENTS {
        let cases: Vec<(&str, Vec<u8>)> = vec![
            ("malformed", b"{\"tool_name\": \"Bash\", ".to_vec()),
            ("empty", Vec::new()),
            ("not an object", b"[1, 2, 3]".to_vec()),
            ("invalid UTF-8", b"{\"command\": \"\xff\xfe\"}".to_vec()),
            ("deeply nested", "[".repeat(100_000).into_bytes()),
            ("oversized", oversized.clone()),
            (
                "missing command",
                without_command(agent, &p).to_string().into_bytes(),
            ),
        ];
        for (what, input) in cases {
            let out = s.hook_raw(agent, &input);
            let model = assert_blocked(agent, &out);
            assert!(
                model.contains("Interlock could not check this command"),
                "{agent}/{what}: {model}"
            );
        }
        // A command that is not text.
        let mut v = documented(agent, "x", &p);
        let slot = match agent {
            "claude" | "codex" | "gemini" => v.pointer_mut("/tool_input/command"),
            "cursor" => v.pointer_mut("/command"),
            "windsurf" => v.pointer_mut("/tool_info/command_line"),
            "cline" => v.pointer_mut("/preToolUse/parameters/command"),
            "copilot" => {
                v["toolArgs"] = json!({"command": ["rm", "-rf", "/"]});
                None
            }
            _ => unreachable!(),
        };
        if let Some(slot) = slot {
            *slot = json!(["rm", "-rf", "/"]);
        }
        assert_blocked(agent, &s.hook(agent, &v));
    }
}

#[test]
fn an_approved_code_lets_the_exact_retry_through_once() {
    let s = Scratch::new();
    let p = s.project();
    for agent in ["gemini", "claude", "windsurf"] {
        let input = documented(agent, DENY, &p);
        let model = assert_blocked(agent, &s.hook(agent, &input));
        let code = approval_code(&s, &model, DENY, &p);
        // What `interlock approve CODE` records.
        let req: interlock::approval::Request = serde_json::from_slice(
            &std::fs::read(s.state().join(format!("requests/{code}.json"))).expect("request"),
        )
        .expect("request");
        let now = interlock::approval::now();
        let approval = interlock::approval::Approval {
            code: code.clone(),
            command: req.command,
            cwd: req.cwd,
            approved_at: now,
            expires: now + 600,
            channel: "terminal".into(),
        };
        std::fs::create_dir_all(s.state().join("approvals")).expect("mkdir");
        std::fs::write(
            s.state().join(format!("approvals/{code}.json")),
            serde_json::to_vec(&approval).expect("json"),
        )
        .expect("write approval");
        // The same command elsewhere is not let through, and does not spend it.
        let other = documented(agent, DENY, &p.join("sub"));
        assert_blocked(agent, &s.hook(agent, &other));
        // The exact retry runs once.
        assert_allowed(agent, &s.hook(agent, &input));
        assert_blocked(agent, &s.hook(agent, &input));
    }
}

// ---------------------------------------------------------------------------------
// Install and uninstall.

/// Settings a user already has, one file per agent, with unrelated entries.
fn user_settings(agent: &str) -> (&'static str, &'static str) {
    match agent {
        "claude" => (
            ".claude/settings.json",
            r#"{
  "$schema": "https://json.schemastore.org/claude-code-settings.json",
  "zeta": 1,
  "model": "opus",
  "permissions": {"allow": ["Bash(npm run test:*)"], "deny": ["Read(./.env)"]},
  "env": {"FOO": "bar"},
  "hooks": {
    "PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "~/bin/audit.sh", "timeout": 5}]}],
    "PostToolUse": [{"matcher": "Edit|Write", "hooks": [{"type": "command", "command": "prettier --write"}]}]
  },
  "statusLine": {"type": "command", "command": "~/.claude/statusline.sh"},
  "alpha": [1, 2.5, null, true, "x"]
}
"#,
        ),
        "cursor" => (
            ".cursor/hooks.json",
            r#"{"version": 1, "hooks": {"afterFileEdit": [{"command": "./hooks/format.sh"}], "beforeShellExecution": [{"command": "./hooks/audit.sh"}]}}"#,
        ),
        "codex" => (
            ".codex/hooks.json",
            r#"{"hooks": {"Stop": [{"hooks": [{"type": "command", "command": "/usr/local/bin/notify", "timeout": 30}]}], "PreToolUse": [{"matcher": "apply_patch", "hooks": [{"type": "command", "command": "check-patch"}]}]}}"#,
        ),
        "gemini" => (
            ".gemini/settings.json",
            r#"{"theme": "GitHub", "general": {"vimMode": true}, "hooks": {"BeforeTool": [{"matcher": "write_file", "hooks": [{"type": "command", "command": "~/lint.sh", "timeout": 5000}]}]}, "mcpServers": {"x": {"command": "npx", "args": ["-y", "x"]}}}"#,
        ),
        "copilot" => (
            ".copilot/hooks/interlock.json",
            r#"{"version": 1, "hooks": {"sessionStart": [{"type": "command", "bash": "echo hi", "timeoutSec": 5}]}}"#,
        ),
        "windsurf" => (
            ".codeium/windsurf/hooks.json",
            r#"{"hooks": {"post_write_code": [{"command": "python3 fmt.py", "show_output": true}], "pre_run_command": [{"command": "./log.sh"}]}}"#,
        ),
        _ => unreachable!(),
    }
}

/// Interlock's entries beyond the first, for agents whose MCP calls come through an
/// event of their own (Cursor's `beforeMCPExecution`).
fn more_entries(agent: &str) -> Vec<(&'static str, Value)> {
    let c = format!("{} hook {agent}", bin());
    match agent {
        "cursor" => vec![(
            "/hooks/beforeMCPExecution",
            json!({"command": c, "failClosed": true}),
        )],
        _ => Vec::new(),
    }
}

/// Interlock's entry as install writes it, and where.
fn our_entry(agent: &str) -> (&'static str, Value) {
    let c = format!("{} hook {agent}", bin());
    match agent {
        // Claude Code and Gemini CLI: the file tools too (they write unconfined).
        "claude" => (
            "/hooks/PreToolUse",
            json!({"matcher": "Bash|Write|Edit|MultiEdit|NotebookEdit|mcp__.*", "hooks": [{"type": "command", "command": c, "timeout": 30}]}),
        ),
        "codex" => (
            "/hooks/PreToolUse",
            json!({"matcher": "Bash|mcp__.*", "hooks": [{"type": "command", "command": c, "timeout": 30}]}),
        ),
        "gemini" => (
            "/hooks/BeforeTool",
            json!({"matcher": "run_shell_command|write_file|replace|mcp_.*", "hooks": [{"type": "command", "command": c, "name": "interlock", "timeout": 30000}]}),
        ),
        "cursor" => (
            "/hooks/beforeShellExecution",
            json!({"command": c, "failClosed": true}),
        ),
        "copilot" => (
            "/hooks/preToolUse",
            json!({"type": "command", "bash": c, "timeoutSec": 30}),
        ),
        "windsurf" => (
            "/hooks/pre_run_command",
            json!({"command": c, "show_output": true}),
        ),
        _ => unreachable!(),
    }
}

#[test]
fn install_and_uninstall_keep_user_settings() {
    for agent in ["claude", "cursor", "codex", "gemini", "copilot", "windsurf"] {
        let s = Scratch::new();
        let (rel, original) = user_settings(agent);
        let path = s.write(rel, original);
        let before = read_json(&path);
        let codex_config = "model = \"gpt-5\"\n# keep me\n[features]\nweb_search = true\n";
        if agent == "codex" {
            s.write(".codex/config.toml", codex_config);
        }
        // Copilot reads every file in the folder; Interlock's is its own, others stay.
        let team = "{\"version\": 1, \"hooks\": {\"preToolUse\": [{\"type\": \"command\", \"bash\": \"./team-guard.sh\"}]}}";
        if agent == "copilot" {
            s.write(".copilot/hooks/team.json", team);
        }

        let out = s.run(&["install", agent]);
        assert_eq!(out.code, 0, "{agent}: {}", out.stderr);
        let after = read_json(&path);
        // Our entries were appended where the agent looks for them ...
        let mut stripped = after.clone();
        for (at, entry) in std::iter::once(our_entry(agent)).chain(more_entries(agent)) {
            let list = after
                .pointer(at)
                .and_then(Value::as_array)
                .expect("event list");
            assert_eq!(list.last(), Some(&entry), "{agent}");
            // ... and with them taken out again, the file is what the user had, keys
            // in order.
            let list = stripped
                .pointer_mut(at)
                .and_then(Value::as_array_mut)
                .expect("list");
            list.pop();
            if list.is_empty() {
                let event = at.rsplit('/').next().expect("event");
                stripped["hooks"]
                    .as_object_mut()
                    .expect("hooks")
                    .shift_remove(event);
            }
        }
        assert_eq!(stripped.to_string(), before.to_string(), "{agent}");
        // The old file is kept byte for byte.
        let backup = PathBuf::from(format!("{}.interlock-backup", path.display()));
        assert_eq!(std::fs::read_to_string(&backup).expect("backup"), original);

        // Installing again changes nothing.
        let bytes = std::fs::read(&path).expect("read");
        let again = s.run(&["install", agent]);
        assert_eq!(again.code, 0);
        assert!(again.stdout.contains("nothing changed"), "{}", again.stdout);
        assert_eq!(std::fs::read(&path).expect("read"), bytes);

        // Uninstall removes exactly what install added.
        let out = s.run(&["uninstall", agent]);
        assert_eq!(out.code, 0, "{agent}: {}", out.stderr);
        assert_eq!(read_json(&path).to_string(), before.to_string(), "{agent}");
        let out = s.run(&["uninstall", agent]);
        assert!(out.stdout.contains("nothing changed"));
        if agent == "codex" {
            let config = std::fs::read_to_string(s.path(".codex/config.toml")).expect("config");
            assert_eq!(config, codex_config);
        }
        if agent == "copilot" {
            let other = std::fs::read_to_string(s.path(".copilot/hooks/team.json")).expect("team");
            assert_eq!(other, team);
        }
    }
}

/// A hook for an agent this machine does not have protects nothing: install says so,
/// and stays quiet when the agent's program is on PATH or its directory exists.
#[test]
fn install_warns_when_the_agent_is_not_on_the_machine() {
    use std::os::unix::fs::PermissionsExt;
    let s = Scratch::new();
    let bin_dir = s.dir.path().join("bin");
    std::fs::create_dir_all(&bin_dir).expect("mkdir");
    let install = |agent: &str| {
        let out = s
            .command(&["install", agent])
            .env("PATH", &bin_dir)
            .output()
            .expect("run install");
        assert_eq!(out.status.code(), Some(0), "{agent}");
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let err = install("gemini");
    assert!(
        err.contains("warning: Gemini CLI does not seem to be installed here"),
        "{err}"
    );
    // Its program on PATH: no warning.
    let program = bin_dir.join("codex");
    std::fs::write(&program, "#!/bin/sh\n").expect("write");
    std::fs::set_permissions(&program, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    assert_eq!(install("codex"), "");
    // Its own directory under HOME: no warning.
    std::fs::create_dir_all(s.home().join(".codeium/windsurf")).expect("mkdir");
    assert_eq!(install("windsurf"), "");
    // A non-executable file of that name is not a program.
    std::fs::write(bin_dir.join("copilot"), "").expect("write");
    assert!(install("copilot").contains("GitHub Copilot does not seem"));
}

#[test]
fn install_creates_missing_files_and_uninstall_removes_them() {
    let s = Scratch::new();
    for agent in AGENTS {
        let out = s.run(&["install", agent]);
        assert_eq!(out.code, 0, "{agent}: {}", out.stderr);
    }
    let cursor = read_json(&s.path(".cursor/hooks.json"));
    assert_eq!(
        cursor,
        json!({"version": 1, "hooks": {
            "beforeShellExecution": [our_entry("cursor").1],
            "beforeMCPExecution": [more_entries("cursor")[0].1],
        }})
    );
    let copilot = read_json(&s.path(".copilot/hooks/interlock.json"));
    assert_eq!(
        copilot,
        json!({"version": 1, "hooks": {"preToolUse": [our_entry("copilot").1]}})
    );
    let claude = read_json(&s.path(".claude/settings.json"));
    assert_eq!(
        claude,
        json!({"hooks": {"PreToolUse": [our_entry("claude").1]}})
    );
    let script = s.path("Documents/Cline/Hooks/PreToolUse");
    let text = std::fs::read_to_string(&script).expect("script");
    assert!(text.starts_with("#!/bin/sh\n"));
    assert!(text.contains(&format!("exec {} hook cline\n", bin())));
    let mode = std::fs::metadata(&script)
        .expect("meta")
        .permissions()
        .mode();
    assert_eq!(mode & 0o111, 0o111);
    // The script is a working hook.
    let out = Command::new(&script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .env("INTERLOCK_STATE_DIR", s.state())
        .spawn()
        .and_then(|mut c| {
            let input = documented("cline", DENY, &s.project()).to_string();
            c.stdin.take().expect("stdin").write_all(input.as_bytes())?;
            c.wait_with_output()
        })
        .expect("run script");
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["cancel"], json!(true));

    for agent in AGENTS {
        let out = s.run(&["uninstall", agent]);
        assert_eq!(out.code, 0, "{agent}: {}", out.stderr);
    }
    // Nothing is left: no file, no stale backup still holding the hook, and no empty
    // directory install made for an agent's settings.
    let left: Vec<String> = walk(&s.home());
    assert!(left.is_empty(), "files left behind: {left:?}");
    for dir in [".claude", ".cursor", ".gemini", ".copilot", ".codeium"] {
        assert!(!s.path(dir).exists(), "{dir} left behind");
    }
    assert!(s.project().exists(), "the project directory stays");
}

fn walk(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).expect("read_dir").flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p.to_string_lossy().into_owned());
        }
    }
    out
}

#[test]
fn project_install_writes_the_project_files() {
    let s = Scratch::new();
    for agent in AGENTS {
        let out = s.run(&["install", agent, "--project"]);
        assert_eq!(out.code, 0, "{agent}: {}", out.stderr);
    }
    for rel in [
        ".claude/settings.json",
        ".cursor/hooks.json",
        ".codex/hooks.json",
        ".gemini/settings.json",
        ".github/hooks/interlock.json",
        ".windsurf/hooks.json",
        ".clinerules/hooks/PreToolUse",
    ] {
        assert!(s.project().join(rel).is_file(), "{rel}");
    }
    assert!(!s.path(".claude").exists());
    for agent in AGENTS {
        assert_eq!(s.run(&["uninstall", agent, "--project"]).code, 0);
    }
    assert!(!s.project().join(".claude/settings.json").exists());
}

#[test]
fn install_refuses_what_it_cannot_edit_safely() {
    let s = Scratch::new();
    // Broken JSON: nothing is written.
    let p = s.write(".claude/settings.json", "{ \"model\": \"opus\", ");
    let out = s.run(&["install", "claude"]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("not valid JSON"), "{}", out.stderr);
    assert_eq!(
        std::fs::read_to_string(&p).expect("read"),
        "{ \"model\": \"opus\", "
    );
    assert!(!s.path(".claude/settings.json.interlock-backup").exists());
    // `hooks` of the wrong type.
    let p = s.write(".gemini/settings.json", "{\"hooks\": [1]}");
    assert_eq!(s.run(&["install", "gemini"]).code, 1);
    assert_eq!(
        std::fs::read_to_string(&p).expect("read"),
        "{\"hooks\": [1]}"
    );
    // Someone else's Cline hook is not overwritten.
    let p = s.write(
        "Documents/Cline/Hooks/PreToolUse",
        "#!/bin/sh\necho '{\"cancel\":false}'\n",
    );
    let out = s.run(&["install", "cline"]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("not Interlock's"), "{}", out.stderr);
    assert_eq!(
        std::fs::read_to_string(&p).expect("read"),
        "#!/bin/sh\necho '{\"cancel\":false}'\n"
    );
    assert_eq!(s.run(&["uninstall", "cline"]).code, 0);
    assert!(p.exists());
    // --shell is Claude Code's.
    assert_eq!(s.run(&["install", "cursor", "--shell"]).code, 2);
}

#[test]
fn a_linked_settings_file_stays_linked() {
    let s = Scratch::new();
    let target = s.write("dotfiles/claude.json", "{\"model\": \"opus\"}\n");
    std::fs::create_dir_all(s.path(".claude")).expect("mkdir");
    let link = s.path(".claude/settings.json");
    std::os::unix::fs::symlink(&target, &link).expect("symlink");
    assert_eq!(s.run(&["install", "claude"]).code, 0);
    assert!(std::fs::symlink_metadata(&link)
        .expect("meta")
        .file_type()
        .is_symlink());
    assert!(read_json(&target)["hooks"]["PreToolUse"].is_array());
    assert_eq!(s.run(&["uninstall", "claude"]).code, 0);
    assert_eq!(read_json(&target), json!({"model": "opus"}));
}

#[test]
fn claude_shell_route_install_and_uninstall() {
    let s = Scratch::new();
    s.write(".claude/settings.json", "{\"env\": {\"FOO\": \"1\"}}");
    // Without interlock-bash anywhere, install says what is missing.
    let out = s.run(&["install", "claude", "--shell"]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("interlock-bash"), "{}", out.stderr);
    let shell = s.write(".local/bin/interlock-bash", "#!/bin/sh\nexec bash \"$@\"\n");
    std::fs::set_permissions(&shell, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    assert_eq!(s.run(&["install", "claude", "--shell"]).code, 0);
    let v = read_json(&s.path(".claude/settings.json"));
    assert_eq!(
        v,
        json!({"env": {"FOO": "1", "CLAUDE_CODE_SHELL": shell.to_string_lossy()}})
    );
    assert!(s
        .run(&["install", "claude", "--shell"])
        .stdout
        .contains("nothing changed"));
    assert_eq!(s.run(&["uninstall", "claude"]).code, 0);
    assert_eq!(
        read_json(&s.path(".claude/settings.json")),
        json!({"env": {"FOO": "1"}})
    );
    // A shell the user chose is not replaced.
    s.write(
        ".claude/settings.json",
        "{\"env\": {\"CLAUDE_CODE_SHELL\": \"/bin/zsh\"}}",
    );
    assert_eq!(s.run(&["install", "claude", "--shell"]).code, 1);
}

// ---------------------------------------------------------------------------------
// Doctor.

fn doctor(s: &Scratch) -> Out {
    s.run(&["doctor"])
}

fn count(out: &Out, word: &str) -> usize {
    out.stdout
        .lines()
        .filter(|l| l.trim_start().starts_with(word))
        .count()
}

/// A program named `interlock` that answers every hook with `answer` (a shell snippet).
fn impostor(s: &Scratch, answer: &str) -> PathBuf {
    let p = s.write(
        &format!("impostors/{}/interlock", answer.len()),
        &format!("#!/bin/sh\ncat >/dev/null\n{answer}\n"),
    );
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    p
}

fn replace_in(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).expect("read");
    assert!(text.contains(from), "{from:?} not in {}", path.display());
    std::fs::write(path, text.replace(from, to)).expect("write");
}

#[test]
fn doctor_proves_every_installed_hook_live() {
    let s = Scratch::new();
    for agent in AGENTS {
        assert_eq!(s.run(&["install", agent]).code, 0);
    }
    let out = doctor(&s);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    // Seven shell routes, and the MCP routes of Claude Code, Cursor, Codex and Gemini
    // CLI, each proven with the canary sent as an MCP tool call.
    assert_eq!(count(&out, "PASS"), 11, "{}", out.stdout);
    assert_eq!(count(&out, "FAIL"), 0, "{}", out.stdout);
    assert!(out
        .stdout
        .contains("11 route(s) checked: 11 passed, 0 failed."));
    for place in [
        "mcp PreToolUse[Bash|Write|Edit|MultiEdit|NotebookEdit|mcp__.*]",
        "mcp beforeMCPExecution",
        "mcp PreToolUse[Bash|mcp__.*]",
        "mcp BeforeTool[run_shell_command|write_file|replace|mcp_.*]",
    ] {
        assert!(out.stdout.contains(place), "{place} in {}", out.stdout);
    }
    assert_eq!(
        count(&out, "--    MCP tool calls: not taken"),
        3,
        "{}",
        out.stdout
    );
    // The canary's approval requests went to a scratch directory, not the user's.
    assert!(!s.state().join("requests").exists());
}

#[test]
fn doctor_fails_tampered_hooks() {
    let s = Scratch::new();
    for agent in AGENTS {
        assert_eq!(s.run(&["install", agent]).code, 0);
    }
    let ours = bin();
    // A look-alike that lets everything through (Windsurf: exit 0).
    let silent = impostor(&s, "exit 0");
    replace_in(
        &s.path(".codeium/windsurf/hooks.json"),
        &ours,
        &silent.to_string_lossy(),
    );
    // A look-alike that crashes: Claude Code treats exit 1 as a non-blocking error.
    let crash = impostor(&s, "echo boom >&2; exit 1");
    replace_in(
        &s.path(".claude/settings.json"),
        &ours,
        &crash.to_string_lossy(),
    );
    // Gemini's matcher moved to another tool.
    replace_in(
        &s.path(".gemini/settings.json"),
        "\"run_shell_command|write_file|replace|mcp_.*\"",
        "\"read_file\"",
    );
    // Cline's script is no longer executable.
    let script = s.path("Documents/Cline/Hooks/PreToolUse");
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    // Codex hooks switched off.
    s.write(".codex/config.toml", "[features]\nhooks = false\n");

    let out = doctor(&s);
    assert_eq!(out.code, 1, "{}", out.stdout);
    // The crashing Claude hook and switched-off Codex fail for MCP calls too; Gemini's
    // matcher selects no MCP tool (told, not counted); Cursor's two entries pass.
    assert_eq!(count(&out, "FAIL"), 7, "{}", out.stdout);
    assert_eq!(count(&out, "PASS"), 3, "{}", out.stdout);
    for expected in [
        "Windsurf would run the canary",
        "Claude Code would run the canary",
        "Claude Code would make the MCP call",
        "does not select the `run_shell_command` tool",
        "MCP tool calls do not reach Interlock: the matcher `read_file` does not select MCP tools",
        "not executable",
        "hooks are switched off",
    ] {
        assert!(
            out.stdout.contains(expected),
            "{expected:?} in {}",
            out.stdout
        );
    }
}

#[test]
fn doctor_checks_the_claude_shell_route_and_project_hooks() {
    let s = Scratch::new();
    // A guarding shell (the real engine in front of bash) and a plain one.
    let guard = s.write(
        ".local/bin/interlock-bash",
        &format!(
            "#!/bin/sh\n[ \"$1\" = -c ] && {{ {} check -- \"$2\" >/dev/null || exit 11; }}\nexec bash \"$@\"\n",
            bin()
        ),
    );
    std::fs::set_permissions(&guard, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    assert_eq!(s.run(&["install", "claude", "--shell"]).code, 0);
    assert_eq!(s.run(&["install", "claude", "--project"]).code, 0);
    let out = doctor(&s);
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert!(
        out.stdout.contains("Claude Code (project: "),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("shell env.CLAUDE_CODE_SHELL"),
        "{}",
        out.stdout
    );
    // The shell route, the project's hook, and MCP calls through the project's hook;
    // the user's settings hold no hook, so MCP calls do not reach Interlock there.
    assert_eq!(count(&out, "PASS"), 3, "{}", out.stdout);
    assert!(
        out.stdout
            .contains("MCP tool calls do not reach Interlock: no `PreToolUse` entry"),
        "{}",
        out.stdout
    );

    // The shell becomes plain bash: the canary reaches "command not found".
    std::fs::write(&guard, "#!/bin/sh\nexec bash \"$@\"\n").expect("write");
    let out = doctor(&s);
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(
        out.stdout.contains("the canary was not refused"),
        "{}",
        out.stdout
    );
}

#[test]
fn doctor_with_nothing_to_check() {
    let s = Scratch::new();
    let out = doctor(&s);
    assert_eq!(out.code, 1);
    assert!(
        out.stdout.contains("No agent settings found"),
        "{}",
        out.stdout
    );
    // Settings without Interlock: shown as not wired, and nothing passed.
    s.write(".claude/settings.json", "{}");
    let out = doctor(&s);
    assert_eq!(out.code, 1);
    assert!(
        out.stdout
            .contains("not wired in: run `interlock install claude`"),
        "{}",
        out.stdout
    );
}

#[test]
fn unknown_agent_is_a_blocking_usage_error() {
    let s = Scratch::new();
    let out = s.hook_raw("vim", b"{}");
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("unknown agent"), "{}", out.stderr);
}

#[test]
fn cursor_pre_tool_use_form() {
    let s = Scratch::new();
    let p = s.project().to_string_lossy().into_owned();
    let shell = json!({
        "hook_event_name": "preToolUse", "workspace_roots": [p], "cwd": p,
        "tool_name": "Shell", "tool_input": {"command": DENY}
    });
    assert_blocked("cursor", &s.hook("cursor", &shell));
    let read = json!({
        "hook_event_name": "preToolUse", "workspace_roots": [p],
        "tool_name": "Read", "tool_input": {"file_path": "/etc/hosts"}
    });
    assert_allowed("cursor", &s.hook("cursor", &read));
}

#[test]
fn audit_mode_blocks_nothing_and_says_so() {
    let s = Scratch::new();
    let input = documented("gemini", DENY, &s.project()).to_string();
    let mut cmd = s.command(&["hook", "gemini"]);
    cmd.env("INTERLOCK_MODE", "audit")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("wait");
    let out = Out {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        code: out.status.code().expect("code"),
    };
    assert_allowed("gemini", &out);
    assert!(out.stderr.contains("audit mode"), "{}", out.stderr);
}

/// A hook that dies answers nothing, which agents read as "no objection". A crash or
/// an abort (here sent while the hook waits for its input) still gives each agent's
/// blocking answer.
#[test]
fn a_crashing_hook_still_blocks() {
    use interlock::hooks::{Agent, Answer, Judged};
    let s = Scratch::new();
    for agent in AGENTS {
        for signal in ["SEGV", "ABRT", "BUS"] {
            let child = s
                .command(&["hook", agent])
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn");
            // Wait until the handler is in place: the process has started reading.
            std::thread::sleep(std::time::Duration::from_millis(300));
            let killed = Command::new("kill")
                .arg(format!("-{signal}"))
                .arg(child.id().to_string())
                .status()
                .expect("kill");
            assert!(killed.success());
            let out = child.wait_with_output().expect("wait");
            let answer = Answer {
                stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
                stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
                exit: out.status.code().expect("exited, not killed"),
            };
            let a = Agent::from_name(agent).expect("agent");
            assert_eq!(
                a.judge(&answer),
                Judged::Stopped,
                "{agent} {signal}: {answer:?}"
            );
            assert!(
                format!("{}{}", answer.stdout, answer.stderr).contains("Interlock crashed"),
                "{agent} {signal}: {answer:?}"
            );
        }
    }
}

/// Codex skips a hook it has not been told to trust: install records the trust Codex
/// computes for the entry, and the doctor fails when it is missing or stale.
#[test]
fn codex_install_records_trust_and_doctor_checks_it() {
    let s = Scratch::new();
    assert_eq!(s.run(&["install", "codex"]).code, 0);
    let config = s.path(".codex/config.toml");
    let text = std::fs::read_to_string(&config).expect("config.toml");
    let key = format!(
        "[hooks.state.\"{}:pre_tool_use:0:0\"]",
        s.path(".codex/hooks.json").display()
    );
    assert!(text.contains(&key), "{text}");
    assert!(text.contains("trusted_hash = \"sha256:"), "{text}");
    let out = doctor(&s);
    assert_eq!(out.code, 0, "{}", out.stdout);
    // Any change to the entry makes the recorded trust stale: Codex would skip it.
    replace_in(
        &s.path(".codex/hooks.json"),
        "\"timeout\": 30",
        "\"timeout\": 31",
    );
    let out = doctor(&s);
    assert_ne!(out.code, 0, "{}", out.stdout);
    assert!(out.stdout.contains("stale"), "{}", out.stdout);
    // Installing again records the trust again.
    assert_eq!(s.run(&["install", "codex"]).code, 0);
    assert_eq!(doctor(&s).code, 0);
    // No trust at all.
    std::fs::write(&config, "").expect("clear");
    let out = doctor(&s);
    assert_ne!(out.code, 0, "{}", out.stdout);
    assert!(
        out.stdout.contains("not been told to trust"),
        "{}",
        out.stdout
    );
}

/// install.sh's `bash` shim first on PATH is Gemini CLI's shell route: the doctor
/// finds it and proves it; a real bash ahead of it on PATH is a failure.
#[test]
fn doctor_finds_path_shims() {
    let s = Scratch::new();
    let shims = s.path(".local/lib/interlock/shims");
    std::fs::create_dir_all(&shims).expect("mkdir");
    std::os::unix::fs::symlink(BIN, shims.join("bash")).expect("shim");
    let path = std::env::var("PATH").unwrap_or_default();
    let run = |p: String| {
        let out = s
            .command(&["doctor"])
            .env("PATH", p)
            .output()
            .expect("doctor");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let (code, out) = run(format!("{}:{path}", shims.display()));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("shell PATH shim"), "{out}");
    assert!(out.contains("PASS  the canary was refused"), "{out}");
    let real = ["/usr/bin", "/bin"]
        .into_iter()
        .find(|d| Path::new(d).join("bash").is_file())
        .expect("a real bash");
    let (code, out) = run(format!("{real}:{}:{path}", shims.display()));
    assert_ne!(code, 0, "{out}");
    assert!(out.contains("comes before it on PATH"), "{out}");
}

/// Every stop through a hook is in the audit log with its door; Claude Code's "ask"
/// (a refusal in `-p` mode, where the model reads only its text) carries the approval
/// code of a recorded request and asks the agent not to route around it.
#[test]
fn hook_stops_are_logged_and_asks_carry_a_code() {
    let s = Scratch::new();
    for agent in AGENTS {
        let _ = s.hook(agent, &documented(agent, DENY, &s.project()));
    }
    let log = std::fs::read_to_string(s.state().join("audit.jsonl")).expect("audit log");
    let sources: Vec<String> = log
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("json")["source"].to_string())
        .collect();
    for agent in AGENTS {
        assert!(
            sources.contains(&format!("\"hook:{agent}\"")),
            "{agent}: {sources:?}"
        );
    }
    let reason = assert_asked(
        "claude",
        &s.hook("claude", &documented("claude", CONFIRM, &s.project())),
    );
    let code = reason
        .split("interlock approve ")
        .nth(1)
        .map(|t| t.chars().take(6).collect::<String>())
        .unwrap_or_else(|| panic!("no code in {reason}"));
    assert!(
        s.state().join(format!("requests/{code}.json")).is_file(),
        "{reason}"
    );
    assert!(
        reason.contains("do not try to reach the same result another way"),
        "{reason}"
    );
}
