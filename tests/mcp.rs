//! MCP tool calls through the hooks: the real `interlock` binary fed each agent's hook
//! input for a tool of an MCP server. SQL arguments go through the SQL analyser,
//! GraphQL and HTTP arguments through theirs, and the tool's name through the
//! destructive-verb model; read-only calls pass silently.

use serde_json::{json, Value};
use std::io::Write;
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_interlock");

struct Scratch {
    dir: tempfile::TempDir,
}

impl Scratch {
    fn new() -> Scratch {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("home/project")).expect("mkdir");
        std::fs::create_dir_all(dir.path().join("state")).expect("mkdir");
        Scratch { dir }
    }

    /// Run `interlock hook AGENT` with `input`; stdout and exit status.
    fn hook(&self, agent: &str, input: &Value) -> (String, i32) {
        let project = self.dir.path().join("home/project");
        let mut child = Command::new(BIN)
            .args(["hook", agent])
            .current_dir(&project)
            .env("HOME", self.dir.path().join("home"))
            .env("INTERLOCK_STATE_DIR", self.dir.path().join("state"))
            .env(
                "INTERLOCK_SYSTEM_CONFIG",
                self.dir.path().join("no-system.toml"),
            )
            .env_remove("INTERLOCK_CONFIG")
            .env_remove("INTERLOCK_MODE")
            .env_remove("XDG_CONFIG_HOME")
            .env_remove("XDG_STATE_HOME")
            .env_remove("CODEX_HOME")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn interlock");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.to_string().as_bytes())
            .expect("write");
        let out = child.wait_with_output().expect("wait");
        (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            out.status.code().unwrap_or(-1),
        )
    }

    /// Claude Code's PreToolUse input for `mcp__SERVER__TOOL` with `args`.
    fn claude(&self, tool: &str, args: Value) -> (String, i32) {
        let cwd = self.dir.path().join("home/project");
        self.hook(
            "claude",
            &json!({
                "session_id": "s",
                "transcript_path": "/dev/null",
                "cwd": cwd,
                "permission_mode": "default",
                "hook_event_name": "PreToolUse",
                "tool_name": tool,
                "tool_input": args,
                "tool_use_id": "toolu_1",
            }),
        )
    }
}

/// Claude's permission decision in `stdout` ("allow" when it printed nothing).
fn decision(stdout: &str) -> String {
    if stdout.trim().is_empty() {
        return "allow".into();
    }
    let v: Value = serde_json::from_str(stdout).expect("JSON answer");
    v["hookSpecificOutput"]["permissionDecision"]
        .as_str()
        .expect("permissionDecision")
        .to_string()
}

fn reason(stdout: &str) -> String {
    let v: Value = serde_json::from_str(stdout).expect("JSON answer");
    v["hookSpecificOutput"]["permissionDecisionReason"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn sql_arguments_are_read_by_the_sql_analyser() {
    let s = Scratch::new();
    let stop = [
        (
            "mcp__supabase__execute_sql",
            json!({"project_id": "abc", "query": "DROP TABLE users"}),
        ),
        ("mcp__postgres__query", json!({"sql": "DELETE FROM orders"})),
        (
            "mcp__neon__run_sql",
            json!({"params": {"sql": "TRUNCATE events"}}),
        ),
        (
            "mcp__mysql__execute",
            json!({"statement": "drop database shop"}),
        ),
        (
            "mcp__sqlite__write_query",
            json!({"query": "UPDATE users SET admin = 1"}),
        ),
        (
            "mcp__db__run",
            json!({"queries": ["SELECT 1", "DROP SCHEMA public CASCADE"]}),
        ),
    ];
    for (tool, args) in stop {
        let (out, code) = s.claude(tool, args.clone());
        assert_eq!(code, 0, "{tool} {args}");
        assert_eq!(
            decision(&out),
            "ask",
            "{tool} {args} must be confirmed: {out}"
        );
        assert!(reason(&out).contains("database.sql-"), "{tool}: {out}");
    }
    let pass = [
        (
            "mcp__supabase__execute_sql",
            json!({"project_id": "abc", "query": "SELECT * FROM users LIMIT 5"}),
        ),
        (
            "mcp__postgres__query",
            json!({"sql": "DELETE FROM orders WHERE id = 4"}),
        ),
        (
            "mcp__docs__search",
            json!({"query": "how do I drop a table in postgres"}),
        ),
        ("mcp__supabase__list_tables", json!({"schemas": ["public"]})),
        ("mcp__supabase__get_project", json!({"id": "abc"})),
    ];
    for (tool, args) in pass {
        let (out, code) = s.claude(tool, args.clone());
        assert_eq!(
            (decision(&out).as_str(), code),
            ("allow", 0),
            "{tool} {args}: {out}"
        );
    }
}

#[test]
fn destructive_tools_are_confirmed_by_verb_and_noun() {
    let s = Scratch::new();
    let stop = [
        ("mcp__railway__delete_volume", json!({"volumeId": "v1"})),
        ("mcp__neon__delete_project", json!({"projectId": "p1"})),
        ("mcp__planetscale__drop_database", json!({"name": "shop"})),
        ("mcp__vercel__deleteProject", json!({"id": "p"})),
        (
            "mcp__aws__s3",
            json!({"action": "delete_bucket", "bucket": "logs"}),
        ),
        (
            "mcp__github__delete_repository",
            json!({"owner": "o", "repo": "r"}),
        ),
    ];
    for (tool, args) in stop {
        let (out, code) = s.claude(tool, args.clone());
        assert_eq!(code, 0);
        assert_eq!(
            decision(&out),
            "ask",
            "{tool} {args} must be confirmed: {out}"
        );
        assert!(reason(&out).contains("verbs.destructive"), "{tool}: {out}");
    }
    // Look-alikes: reads, and destructive verbs on what holds no data.
    let pass = [
        ("mcp__railway__list_volumes", json!({})),
        ("mcp__neon__describe_project", json!({"projectId": "p1"})),
        ("mcp__github__delete_comment", json!({"id": 3})),
        ("mcp__github__get_release", json!({"tag": "v1"})),
        ("mcp__memory__create_entities", json!({"entities": []})),
        ("mcp__kubernetes__delete_pod", json!({"name": "web-1"})),
    ];
    for (tool, args) in pass {
        let (out, code) = s.claude(tool, args.clone());
        assert_eq!(
            (decision(&out).as_str(), code),
            ("allow", 0),
            "{tool} {args}: {out}"
        );
    }
}

#[test]
fn http_and_graphql_arguments_are_judged_like_curl() {
    let s = Scratch::new();
    let (out, _) = s.claude(
        "mcp__fetch__http_request",
        json!({"url": "https://api.example.com/v1/users/7", "method": "DELETE"}),
    );
    assert_eq!(decision(&out), "ask", "{out}");
    assert!(reason(&out).contains("http.delete-remote"), "{out}");
    let (out, _) = s.claude(
        "mcp__linear__graphql",
        json!({"query": "mutation { deleteProject(id: \"p1\") { success } }"}),
    );
    assert_eq!(decision(&out), "ask", "{out}");
    assert!(reason(&out).contains("http.graphql-destructive"), "{out}");
    for args in [
        json!({"url": "https://api.example.com/v1/users/7"}),
        json!({"url": "https://api.example.com/v1/users/7", "method": "GET"}),
    ] {
        let (out, code) = s.claude("mcp__fetch__fetch", args.clone());
        assert_eq!(
            (decision(&out).as_str(), code),
            ("allow", 0),
            "{args}: {out}"
        );
    }
    let (out, _) = s.claude(
        "mcp__linear__graphql",
        json!({"query": "query { projects { nodes { id name } } }"}),
    );
    assert_eq!(decision(&out), "allow", "{out}");
}

#[test]
fn other_agents_judge_mcp_calls_too() {
    let s = Scratch::new();
    let cwd = s.dir.path().join("home/project");
    // Gemini CLI names the server in mcp_context; it has no "ask", so a confirm is a deny.
    let (out, code) = s.hook(
        "gemini",
        &json!({
            "session_id": "s", "transcript_path": "/dev/null", "cwd": cwd,
            "hook_event_name": "BeforeTool", "timestamp": "2026-01-01T00:00:00Z",
            "tool_name": "execute_sql",
            "tool_input": {"sql": "DROP TABLE users"},
            "mcp_context": {"server_name": "postgres", "tool_name": "execute_sql"},
        }),
    );
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(v["decision"], "deny", "{out}");
    let (out, _) = s.hook(
        "gemini",
        &json!({
            "session_id": "s", "transcript_path": "/dev/null", "cwd": cwd,
            "hook_event_name": "BeforeTool", "timestamp": "2026-01-01T00:00:00Z",
            "tool_name": "mcp__postgres__list_tables", "tool_input": {},
        }),
    );
    assert_eq!(out.trim(), "{}");
    // Cursor's beforeMCPExecution: tool_input may come as JSON text.
    let (out, _) = s.hook(
        "cursor",
        &json!({
            "conversation_id": "c", "generation_id": "g", "hook_event_name": "beforeMCPExecution",
            "workspace_roots": [cwd], "tool_name": "delete_database",
            "tool_input": "{\"name\": \"prod\"}", "url": "https://mcp.example.com",
        }),
    );
    let v: Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(v["permission"], "ask", "{out}");
    let (out, _) = s.hook(
        "cursor",
        &json!({
            "conversation_id": "c", "generation_id": "g", "hook_event_name": "beforeMCPExecution",
            "workspace_roots": [cwd], "tool_name": "list_databases",
            "tool_input": "{}", "command": "npx db-mcp",
        }),
    );
    let v: Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(v["permission"], "allow", "{out}");
}

#[test]
fn install_adds_the_mcp_matcher_for_claude() {
    let s = Scratch::new();
    let home = s.dir.path().join("home");
    let out = Command::new(BIN)
        .args(["install", "claude"])
        .current_dir(home.join("project"))
        .env("HOME", &home)
        .env("INTERLOCK_STATE_DIR", s.dir.path().join("state"))
        .env_remove("XDG_CONFIG_HOME")
        .output()
        .expect("install");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(home.join(".claude/settings.json")).expect("settings");
    let v: Value = serde_json::from_str(&text).expect("JSON");
    let matchers: Vec<String> = v["hooks"]["PreToolUse"]
        .as_array()
        .expect("PreToolUse")
        .iter()
        .filter_map(|g| g["matcher"].as_str().map(str::to_string))
        .collect();
    assert!(
        matchers
            .iter()
            .any(|m| m.split('|').any(|alt| alt == "mcp__.*")),
        "{matchers:?}"
    );
}

/// Run a hook command as the agent does (`sh -c COMMAND`, the call on stdin) in a
/// scratch HOME.
fn run_installed(s: &Scratch, command: &str, input: &Value) -> (String, i32) {
    let home = s.dir.path().join("home");
    let mut child = Command::new("/bin/sh")
        .args(["-c", command])
        .current_dir(home.join("project"))
        .env("HOME", &home)
        .env("INTERLOCK_STATE_DIR", s.dir.path().join("state"))
        .env(
            "INTERLOCK_SYSTEM_CONFIG",
            s.dir.path().join("no-system.toml"),
        )
        .env_remove("INTERLOCK_CONFIG")
        .env_remove("INTERLOCK_MODE")
        .env_remove("XDG_CONFIG_HOME")
        .env_remove("CODEX_HOME")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn the hook command");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.to_string().as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("wait");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        out.status.code().unwrap_or(-1),
    )
}

fn install(s: &Scratch, agent: &str) -> Value {
    let home = s.dir.path().join("home");
    let out = Command::new(BIN)
        .args(["install", agent])
        .current_dir(home.join("project"))
        .env("HOME", &home)
        .env("INTERLOCK_STATE_DIR", s.dir.path().join("state"))
        .env_remove("XDG_CONFIG_HOME")
        .env_remove("CODEX_HOME")
        .output()
        .expect("install");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let file = match agent {
        "cursor" => ".cursor/hooks.json",
        "codex" => ".codex/hooks.json",
        _ => unreachable!(),
    };
    let text = std::fs::read_to_string(home.join(file)).expect("settings");
    serde_json::from_str(&text).expect("JSON")
}

/// `interlock install cursor` wires Cursor's `beforeMCPExecution` with the same
/// command as its shell hook; the written command, fed Cursor's MCP calls, asks about
/// the destructive ones and lets reads through.
#[test]
fn install_wires_cursors_mcp_event() {
    let s = Scratch::new();
    let v = install(&s, "cursor");
    let shell = v["hooks"]["beforeShellExecution"][0]["command"]
        .as_str()
        .expect("shell entry");
    let entry = &v["hooks"]["beforeMCPExecution"][0];
    let command = entry["command"].as_str().expect("MCP entry");
    assert_eq!(command, shell);
    assert_eq!(entry["failClosed"], true);
    let cwd = s.dir.path().join("home/project");
    let call = |tool: &str, input: &str| {
        json!({
            "conversation_id": "c", "generation_id": "g", "model": "default",
            "hook_event_name": "beforeMCPExecution", "cursor_version": "1.7.2",
            "workspace_roots": [cwd], "user_email": null,
            "tool_name": tool, "tool_input": input, "command": "npx -y @example/postgres-mcp",
        })
    };
    for (tool, input, want) in [
        ("execute_sql", r#"{"sql": "DROP TABLE users"}"#, "ask"),
        ("delete_database", r#"{"name": "prod"}"#, "ask"),
        ("run_command", r#"{"command": "rm -rf ~"}"#, "deny"),
        ("execute_sql", r#"{"sql": "SELECT * FROM users"}"#, "allow"),
        ("list_tables", "{}", "allow"),
    ] {
        let (out, code) = run_installed(&s, command, &call(tool, input));
        assert_eq!(code, 0, "{tool}: {out}");
        let answer: Value = serde_json::from_str(&out).expect("JSON answer");
        assert_eq!(answer["permission"], want, "{tool} {input}: {out}");
    }
    // Installing again changes nothing.
    let again = install(&s, "cursor");
    assert_eq!(again, v);
}

/// `interlock install codex` widens the `PreToolUse` matcher to MCP tools (Codex sends
/// them as `mcp__SERVER__TOOL` and reads the matcher as a regular expression), with
/// the trust record for the new entry; the installed command stops a destructive MCP
/// call (Codex has no "ask": a deny carrying an approval code).
#[test]
fn install_wires_codex_mcp_calls() {
    let s = Scratch::new();
    let v = install(&s, "codex");
    let group = &v["hooks"]["PreToolUse"][0];
    assert_eq!(group["matcher"], "Bash|mcp__.*");
    let command = group["hooks"][0]["command"].as_str().expect("command");
    let config =
        std::fs::read_to_string(s.dir.path().join("home/.codex/config.toml")).expect("trust");
    assert!(config.contains("trusted_hash"), "{config}");
    let cwd = s.dir.path().join("home/project");
    let call = |tool: &str, args: Value| {
        json!({
            "session_id": "s", "turn_id": "t", "transcript_path": null, "cwd": cwd,
            "hook_event_name": "PreToolUse", "model": "gpt-5-codex",
            "permission_mode": "default", "tool_name": tool, "tool_input": args,
            "tool_use_id": "call_1",
        })
    };
    let (out, code) = run_installed(
        &s,
        command,
        &call(
            "mcp__postgres__execute_sql",
            json!({"sql": "DROP TABLE users"}),
        ),
    );
    assert_eq!(code, 0, "{out}");
    assert_eq!(decision(&out), "deny", "{out}");
    let (out, _) = run_installed(&s, command, &call("mcp__postgres__list_tables", json!({})));
    assert_eq!(decision(&out), "allow", "{out}");
}
