//! `interlock doctor --json`, the report a fleet collects: against a scratch HOME with
//! a known wiring (Claude Code's hook in the user's settings and in managed
//! settings), a locked system layer at a path of the test's
//! (`INTERLOCK_SYSTEM_CONFIG`, as in tests/policy_lock.rs) and a collector that is not
//! there. Every field is checked against what the test set up, the text doctor and
//! `interlock policy digest`; the exit status is the text doctor's.

use serde_json::Value;
use std::io::Write;
use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_interlock");

struct Machine {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

impl Machine {
    fn new(system: &str) -> Machine {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().canonicalize().expect("canonical");
        for d in ["home/project", "state", "managed"] {
            std::fs::create_dir_all(root.join(d)).expect("mkdir");
        }
        std::fs::write(root.join("system.toml"), system).expect("system config");
        std::fs::write(root.join("user.toml"), "").expect("user config");
        Machine { _dir: dir, root }
    }

    fn command(&self) -> Command {
        let mut c = Command::new(BIN);
        c.env_clear()
            .env("PATH", "/usr/local/bin:/usr/bin:/bin")
            .env("HOME", self.root.join("home"))
            .env("LANG", "C")
            .env("INTERLOCK_STATE_DIR", self.root.join("state"))
            .env("INTERLOCK_CONFIG", self.root.join("user.toml"))
            .env("INTERLOCK_SYSTEM_CONFIG", self.root.join("system.toml"))
            .env("INTERLOCK_MANAGED_DIR", self.root.join("managed"))
            .current_dir(self.root.join("home/project"))
            .stdin(Stdio::null());
        c
    }

    fn interlock(&self, args: &[&str]) -> Output {
        self.command().args(args).output().expect("run interlock")
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.interlock(args);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            text(&out.stderr)
        );
        text(&out.stdout)
    }

    /// Claude Code's hook fed a command every policy denies (judged, never run).
    fn hook_deny(&self) {
        let input = serde_json::json!({
            "session_id": "s1",
            "cwd": self.root.join("home/project"),
            "hook_event_name": "PreToolUse",
            "tool_name": "Bash",
            "tool_input": {"command": "rm -rf ~"},
        });
        let mut child = self
            .command()
            .args(["hook", "claude"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.to_string().as_bytes())
            .expect("write");
        let out = child.wait_with_output().expect("wait");
        assert!(text(&out.stdout).contains("deny"), "{}", text(&out.stdout));
    }

    /// `doctor --json` parsed, its exit status, and the text doctor's.
    fn doctor(&self) -> (Value, Option<i32>, Option<i32>) {
        let json = self.interlock(&["doctor", "--json"]);
        let report: Value = serde_json::from_slice(&json.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", text(&json.stdout)));
        let plain = self.interlock(&["doctor"]);
        (report, json.status.code(), plain.status.code())
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn dead_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

#[test]
fn doctor_json_reports_routes_confinement_layers_digest_and_shipping() {
    let port = dead_port();
    let m = Machine::new(&format!(
        "[settings]\nlocked = true\n\n[settings.ship]\nsyslog = \"tcp://127.0.0.1:{port}\"\ntimeout_ms = 300\n"
    ));
    m.ok(&["install", "claude"]);
    m.ok(&["install", "claude", "--managed"]);
    // One logged decision, shipped to nobody: one record lost.
    m.hook_deny();

    let (r, code, plain_code) = m.doctor();
    assert_eq!(code, Some(0), "{r:#}");
    assert_eq!(plain_code, code);
    assert_eq!(r["schema"], 1);
    assert_eq!(r["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(r["ok"], true);
    assert_eq!(r["exit"], 0);
    // The user's hook, its MCP entry, and the managed hook.
    assert_eq!(r["routes_checked"], 3, "{r:#}");
    assert_eq!(r["routes_passed"], 3);
    assert_eq!(r["routes_failed"], 0);

    // The policy: the digest `interlock policy digest` prints, the layers, the lock.
    let policy = &r["policy"];
    assert_eq!(policy["digest"], m.ok(&["policy", "digest"]).trim());
    assert_eq!(policy["system_locked"], true);
    let layers = policy["layers"].as_array().expect("layers");
    assert_eq!(layers[0]["kind"], "system");
    assert_eq!(layers[0]["path"], path_str(&m.root.join("system.toml")));
    assert_eq!(layers[0]["read"], true);
    assert_eq!(layers[1]["kind"], "user");
    assert_eq!(layers[1]["path"], path_str(&m.root.join("user.toml")));
    assert_eq!(layers[1]["read"], true);
    assert_eq!(layers.len(), 2, "no project file: {layers:?}");

    // The confinement, as the text doctor reports it.
    let plain = text(&m.interlock(&["doctor"]).stdout);
    let status = r["confinement"]["status"].as_str().expect("status");
    match status {
        "full" => {
            assert!(plain.contains("ok    mount namespace"), "{plain}");
            assert!(r["confinement"]["landlock_abi"].as_i64().is_some());
        }
        "partial" | "unavailable" => {
            let reason = r["confinement"]["reason"].as_str().expect("reason");
            assert!(plain.contains(reason), "{reason} in {plain}");
        }
        other => panic!("confinement status {other}"),
    }
    assert!(r["confinement"]["gaps"].is_array());

    // Routes: the user's hook (not tamper-proof alone) and the managed one.
    let agents = r["agents"].as_array().expect("agents");
    assert_eq!(agents.len(), 2, "{agents:?}");
    let user = &agents[0];
    assert_eq!(user["agent"], "claude");
    assert_eq!(user["scope"], "user");
    assert_eq!(
        user["settings"],
        path_str(&m.root.join("home/.claude/settings.json"))
    );
    assert_eq!(user["wired"], true);
    let route = &user["routes"][0];
    assert_eq!(route["kind"], "hook");
    assert_eq!(route["passed"], true);
    assert_eq!(route["result"], "the canary was stopped");
    assert_eq!(route["tamper_proof"], false);
    assert!(route["tamper_proof_why"]
        .as_str()
        .is_some_and(|w| w.starts_with("NOT tamper-proof alone")));
    assert!(route["command"]
        .as_str()
        .is_some_and(|c| c.contains("hook claude")));
    // MCP tool calls reach the same hook, and its canary is stopped.
    assert_eq!(user["mcp"]["reached"], true, "{user:#}");
    assert_eq!(user["mcp"]["passed"], true, "{user:#}");
    let managed = &agents[1];
    assert_eq!(managed["scope"], "managed");
    assert_eq!(
        managed["settings"],
        path_str(&m.root.join("managed/managed-settings.json"))
    );
    assert_eq!(managed["routes"][0]["passed"], true);
    assert_eq!(managed["routes"][0]["tamper_proof"], true);

    // Shipping: the collector, its bound and the lost record.
    let ship = &r["shipping"];
    assert_eq!(ship["configured"], true);
    assert_eq!(ship["bound_ms"], 300);
    let c = &ship["collectors"][0];
    assert_eq!(c["target"], format!("syslog tcp://127.0.0.1:{port}"));
    assert_eq!(c["status"], "lossy");
    assert_eq!((c["sent"].as_u64(), c["lost"].as_u64()), (Some(0), Some(1)));
    assert!(c["last_error"]
        .as_str()
        .is_some_and(|e| e.contains("cannot connect")));
    assert!(c["problem"].is_null());

    // A route broken (a look-alike `interlock` that lets everything through): both
    // doctors fail alike, and the report says which.
    let impostor = m.root.join("impostor/interlock");
    std::fs::create_dir_all(impostor.parent().expect("dir")).expect("mkdir");
    std::fs::write(&impostor, "#!/bin/sh\ncat >/dev/null\nexit 0\n").expect("write");
    std::fs::set_permissions(&impostor, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let settings = m.root.join("home/.claude/settings.json");
    let wired = std::fs::read_to_string(&settings).expect("settings");
    assert!(wired.contains(BIN), "{wired}");
    std::fs::write(&settings, wired.replace(BIN, path_str(&impostor))).expect("write");
    let (r, code, plain_code) = m.doctor();
    assert_eq!(code, Some(1), "{r:#}");
    assert_eq!(plain_code, code);
    assert_eq!(r["ok"], false);
    assert_eq!(r["exit"], 1);
    // The hook and its MCP entry both run the impostor.
    assert_eq!(r["routes_failed"], 2, "{r:#}");
    assert_eq!(r["agents"][0]["mcp"]["passed"], false);
    assert_eq!(r["agents"][0]["routes"][0]["passed"], false);
    assert!(r["agents"][0]["routes"][0]["result"]
        .as_str()
        .is_some_and(|m| m.contains("would run the canary")));
    assert_eq!(r["agents"][0]["routes"][0]["tamper_proof"], false);
    assert_eq!(r["agents"][1]["routes"][0]["passed"], true);
}

#[test]
fn doctor_json_without_settings_or_shipping() {
    let m = Machine::new("");
    let (r, code, plain_code) = m.doctor();
    // Nothing to check fails, as the text doctor does.
    assert_eq!(code, Some(1));
    assert_eq!(plain_code, code);
    assert_eq!(r["ok"], false);
    assert_eq!(r["agents"], serde_json::json!([]));
    assert_eq!(r["routes_checked"], 0);
    assert_eq!(r["policy"]["system_locked"], false);
    assert_eq!(r["shipping"]["configured"], false);
    assert_eq!(r["shipping"]["collectors"], serde_json::json!([]));
    // An unusable address is reported as such.
    std::fs::write(
        m.root.join("user.toml"),
        "[settings.ship]\nsyslog = \"smtp://127.0.0.1:25\"\n",
    )
    .expect("user config");
    let (r, _, _) = m.doctor();
    let c = &r["shipping"]["collectors"][0];
    assert_eq!(c["status"], "unusable");
    assert!(c["problem"].as_str().is_some_and(|p| p.contains("udp://")));
    // A CA file that cannot be read is said before any record is lost to it.
    std::fs::write(
        m.root.join("user.toml"),
        "[settings.ship]\nsyslog = \"tls://127.0.0.1:6514\"\nca_file = \"/nonexistent/ca.pem\"\n",
    )
    .expect("user config");
    let (r, _, _) = m.doctor();
    assert_eq!(r["shipping"]["ca_file"], "/nonexistent/ca.pem");
    assert!(r["shipping"]["ca_file_problem"]
        .as_str()
        .is_some_and(|p| p.contains("cannot read the CA file")));
    assert_eq!(r["shipping"]["collectors"][0]["status"], "ok");
    let plain = text(&m.interlock(&["doctor"]).stdout);
    assert!(
        plain.contains("FAIL  cannot read the CA file /nonexistent/ca.pem"),
        "{plain}"
    );
}
