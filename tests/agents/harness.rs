//! Running a real agent CLI in a scratch HOME against the scripted model server.
//!
//! Every run gets its own HOME (under the build's scratch directory, since Codex
//! refuses a `CODEX_HOME` under /tmp) with `keep/` (which must survive) and `project/`
//! (where the agent works). The agent is wired to Interlock only with `interlock
//! install <agent>`, as a user would. Every proxy variable points at a closed local
//! port, so nothing can leave the machine.

use super::mock::{Server, Step};
use serde_json::{json, Value};
use std::io::Read;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_interlock");

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Agent {
    Claude,
    Codex,
    Gemini,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    /// `interlock install <agent>`: the agent's pre-tool hook.
    Hook,
    /// Claude Code: `interlock install claude --shell`; Gemini CLI: the `bash` shim
    /// first on PATH.
    Shell,
    /// Nothing installed: the agent runs inside `interlock wrap`.
    Wrap,
}

impl Agent {
    pub fn program(self) -> &'static str {
        match self {
            Agent::Claude => "claude",
            Agent::Codex => "codex",
            Agent::Gemini => "gemini",
        }
    }
}

/// The agent's program on PATH; `None` (after a loud message) when it is missing
/// outside CI. In CI (`CI` set) a missing agent fails the test.
pub fn find_agent(agent: Agent) -> Option<PathBuf> {
    let name = agent.program();
    let found = std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join(name))
            .find(|c| c.is_file())
    });
    if found.is_none() {
        let msg = format!(
            "the agent CLI `{name}` is not installed (npm install -g the version pinned in .ci/run)"
        );
        if std::env::var_os("CI").is_some_and(|v| !v.is_empty()) {
            panic!("{msg}");
        }
        eprintln!("\n!!!!!!!! SKIPPED: {msg} !!!!!!!!\n");
    }
    found
}

/// A listener standing in for a remote API: it counts the requests that reach it.
pub struct Victim {
    pub port: u16,
    hits: Arc<AtomicUsize>,
}

impl Victim {
    pub fn start() -> Victim {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = l.local_addr().expect("addr").port();
        let hits = Arc::new(AtomicUsize::new(0));
        let h = hits.clone();
        std::thread::spawn(move || {
            for s in l.incoming() {
                let Ok(mut s) = s else { continue };
                h.fetch_add(1, Ordering::SeqCst);
                let mut buf = [0u8; 4096];
                let _ = s.read(&mut buf);
                use std::io::Write;
                let _ = s.write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}",
                );
            }
        });
        Victim { port, hits }
    }

    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }

    /// The PocketOS request: a GraphQL `volumeDelete` POSTed to the platform's API
    /// (resolved to this listener, so it never leaves the machine).
    pub fn pocketos_curl(&self) -> String {
        let p = self.port;
        format!(
            "curl -s --max-time 5 --noproxy '*' --resolve backboard.railway.app:{p}:127.0.0.1 -X POST http://backboard.railway.app:{p}/graphql/v2 -H 'Content-Type: application/json' -d '{{\"query\":\"mutation {{ volumeDelete(volumeId: \\\"vol-1\\\") }}\"}}'"
        )
    }
}

pub struct Run {
    pub dir: tempfile::TempDir,
    pub agent: Agent,
    pub route: Route,
}

pub struct Output {
    pub status: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub requests: String,
}

impl Output {
    pub fn all(&self) -> String {
        let tail = |t: &str, n: usize| -> String {
            let chars: Vec<char> = t.chars().collect();
            chars[chars.len().saturating_sub(n)..].iter().collect()
        };
        let last = self.requests.rsplit("\n---\n").next().unwrap_or("");
        format!(
            "status {:?}\n--- stdout (end)\n{}\n--- stderr (end)\n{}\n--- last model request (end)\n{}",
            self.status,
            tail(&self.stdout, 3000),
            tail(&self.stderr, 3000),
            tail(last, 3000)
        )
    }
}

impl Run {
    pub fn new(agent: Agent, route: Route) -> Run {
        let dir = tempfile::Builder::new()
            .prefix("real-agent-")
            .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
            .expect("scratch dir");
        let r = Run { dir, agent, route };
        if std::env::var_os("REAL_AGENTS_KEEP").is_some() {
            eprintln!("keeping {}", r.dir.path().display());
        }
        std::fs::create_dir_all(r.home().join("keep")).expect("mkdir keep");
        std::fs::write(r.home().join("keep/precious.txt"), "data\n").expect("write");
        std::fs::create_dir_all(r.project()).expect("mkdir project");
        // The project is a repository of its own, so no agent looks above it for one.
        let git = Command::new("git")
            .args(["init", "-q"])
            .current_dir(r.project())
            .status()
            .expect("git init");
        assert!(git.success());
        std::fs::create_dir_all(r.home().join(".local/bin")).expect("mkdir bin");
        std::os::unix::fs::symlink(BIN, r.home().join(".local/bin/interlock-bash"))
            .expect("link interlock-bash");
        r.prepare_agent();
        r.wire();
        r
    }

    pub fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    pub fn project(&self) -> PathBuf {
        self.home().join("project")
    }

    pub fn codex_home(&self) -> PathBuf {
        self.home().join(".codex")
    }

    pub fn shims(&self) -> PathBuf {
        self.home().join(".local/lib/interlock/shims")
    }

    /// The environment every process of the run gets: scratch HOME, closed proxies.
    pub fn env(&self, cmd: &mut Command) {
        cmd.env_clear();
        let mut path = std::env::var("PATH").unwrap_or_default();
        if self.route == Route::Shell && self.agent == Agent::Gemini {
            path = format!("{}:{path}", self.shims().display());
        }
        cmd.env("PATH", path)
            .env("HOME", self.home())
            .env("LANG", "C.UTF-8")
            .env("TERM", "dumb")
            .env("CODEX_HOME", self.codex_home())
            .env("INTERLOCK_CONFIRM_TIMEOUT", "2");
        for v in [
            "HTTP_PROXY",
            "HTTPS_PROXY",
            "ALL_PROXY",
            "http_proxy",
            "https_proxy",
            "all_proxy",
        ] {
            cmd.env(v, "http://127.0.0.1:9");
        }
        if let Ok(u) = std::env::var("USER") {
            cmd.env("USER", u);
        }
        cmd.env("NO_PROXY", "127.0.0.1,localhost")
            .env("no_proxy", "127.0.0.1,localhost");
        cmd.current_dir(self.project());
    }

    pub fn interlock(&self, args: &[&str]) -> (i32, String, String) {
        let mut cmd = Command::new(BIN);
        self.env(&mut cmd);
        let out = cmd.args(args).output().expect("run interlock");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// The agent's own settings that are not Interlock's business (model provider,
    /// auth type), written before Interlock is installed.
    fn prepare_agent(&self) {
        match self.agent {
            Agent::Claude => {}
            Agent::Codex => {
                std::fs::create_dir_all(self.codex_home()).expect("mkdir");
                // The provider URL is rewritten per run (see `start`).
            }
            Agent::Gemini => {
                let dir = self.home().join(".gemini");
                std::fs::create_dir_all(&dir).expect("mkdir");
                let settings = json!({
                    "security": {"auth": {"selectedType": "gemini-api-key"}},
                    "general": {"disableAutoUpdate": true, "disableUpdateNag": true},
                    "telemetry": {"enabled": false},
                    "privacy": {"usageStatisticsEnabled": false},
                });
                std::fs::write(dir.join("settings.json"), settings.to_string()).expect("write");
            }
        }
    }

    /// Wire the agent to Interlock the way a user does.
    fn wire(&self) {
        let name = self.agent.program();
        let args: Vec<&str> = match (self.agent, self.route) {
            (Agent::Claude, Route::Shell) => vec!["install", "claude", "--shell"],
            (_, Route::Hook) => vec!["install", name],
            (Agent::Gemini, Route::Shell) => {
                // install.sh's shims: `bash` and `zsh` first on PATH.
                std::fs::create_dir_all(self.shims()).expect("mkdir shims");
                for s in ["bash", "zsh"] {
                    std::os::unix::fs::symlink(BIN, self.shims().join(s)).expect("shim");
                }
                return;
            }
            (Agent::Codex, Route::Shell) => panic!("Codex has no shell route"),
            (_, Route::Wrap) => return,
        };
        let (code, out, err) = self.interlock(&args);
        assert_eq!(code, 0, "interlock {args:?} failed:\n{out}\n{err}");
    }

    /// Give the agent the MCP server of `mcp_victim.py`, as a user would configure it;
    /// its directory, with `volumes/prod` (which must survive).
    pub fn mcp_victim(&self) -> PathBuf {
        let root = self.dir.path().join("victim");
        std::fs::create_dir_all(root.join("volumes")).expect("mkdir volumes");
        std::fs::write(root.join("volumes/prod"), "the production database\n").expect("volume");
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/agents/mcp_victim.py");
        let root_s = root.to_string_lossy().into_owned();
        match self.agent {
            Agent::Claude => {
                let cfg = json!({"mcpServers": {"victim": {
                    "type": "stdio", "command": "python3", "args": [script, root_s]}}});
                std::fs::write(self.mcp_config(), cfg.to_string()).expect("mcp config");
            }
            Agent::Codex => {
                // Appended to config.toml by `codex_config` at each start.
                let section = format!(
                    "[mcp_servers.victim]\ncommand = \"python3\"\nargs = [{:?}, {:?}]\nstartup_timeout_sec = 20\n\n",
                    script, root_s
                );
                std::fs::write(self.mcp_config(), section).expect("mcp config");
            }
            Agent::Gemini => {
                let path = self.home().join(".gemini/settings.json");
                let mut settings: Value = std::fs::read(&path)
                    .ok()
                    .and_then(|b| serde_json::from_slice(&b).ok())
                    .unwrap_or_else(|| json!({}));
                settings["mcpServers"] = json!({"victim": {
                    "command": "python3", "args": [script, root_s], "trust": true}});
                std::fs::write(&path, settings.to_string()).expect("gemini settings");
            }
        }
        root
    }

    /// Where `mcp_victim` keeps the agent's MCP configuration (Claude: `--mcp-config`).
    fn mcp_config(&self) -> PathBuf {
        self.dir.path().join("mcp-config")
    }

    fn codex_config(&self, server: &Server) {
        let path = self.codex_home().join("config.toml");
        let existing = std::fs::read_to_string(&path).unwrap_or_default();
        let head = format!(
            "model_provider = \"mock\"\nmodel = \"gpt-5-codex\"\n\n[model_providers.mock]\nname = \"mock\"\nbase_url = \"{}/v1\"\nwire_api = \"responses\"\nenv_key = \"MOCK_API_KEY\"\nrequest_max_retries = 0\nstream_max_retries = 0\n\n",
            server.url()
        );
        // Keep what Interlock recorded (hook trust) below the provider settings.
        let rest: String = match existing.find("[hooks") {
            Some(i) => existing[i..].to_string(),
            None => String::new(),
        };
        let mcp = std::fs::read_to_string(self.mcp_config()).unwrap_or_default();
        std::fs::write(&path, format!("{head}{mcp}{rest}")).expect("write config");
    }

    /// Run the agent on one task with the model playing `script`.
    pub fn start(&self, script: Vec<Step>) -> Output {
        let server = Server::start(script);
        let mut cmd = Command::new(self.agent.program());
        self.env(&mut cmd);
        let (args, envs) = self.invocation(&server);
        cmd.args(args).envs(envs);
        let (status, stdout, stderr) = run_capped(cmd, Duration::from_secs(180));
        Output {
            status,
            stdout,
            stderr,
            requests: server.dump(),
        }
    }

    /// The agent's arguments and environment for one scripted task against `server`.
    fn invocation(&self, server: &Server) -> (Vec<String>, Vec<(String, String)>) {
        let task = "Run the commands you are given, one at a time.";
        let v = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let e = |a: &[(&str, String)]| {
            a.iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect::<Vec<_>>()
        };
        match self.agent {
            Agent::Claude => (
                {
                    let mut a = v(&[
                        "-p",
                        task,
                        "--output-format",
                        "stream-json",
                        "--verbose",
                        "--dangerously-skip-permissions",
                        "--model",
                        "claude-sonnet-4-5",
                    ]);
                    if self.mcp_config().is_file() {
                        a.push("--mcp-config".into());
                        a.push(self.mcp_config().to_string_lossy().into_owned());
                    }
                    a
                },
                e(&[
                    ("ANTHROPIC_BASE_URL", server.url()),
                    ("ANTHROPIC_API_KEY", "dummy".into()),
                    ("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1".into()),
                    ("DISABLE_TELEMETRY", "1".into()),
                    ("DISABLE_AUTOUPDATER", "1".into()),
                    ("IS_SANDBOX", "1".into()),
                ]),
            ),
            Agent::Codex => {
                self.codex_config(server);
                (
                    v(&[
                        "exec",
                        "--skip-git-repo-check",
                        "--dangerously-bypass-approvals-and-sandbox",
                        "--json",
                        task,
                    ]),
                    e(&[("MOCK_API_KEY", "dummy".into())]),
                )
            }
            Agent::Gemini => (
                v(&[
                    "-p",
                    task,
                    "--yolo",
                    "--skip-trust",
                    "--output-format",
                    "json",
                    "--model",
                    "gemini-2.5-flash",
                ]),
                e(&[
                    ("GEMINI_API_KEY", "dummy".into()),
                    ("GOOGLE_GEMINI_BASE_URL", server.url()),
                    ("GEMINI_CLI_TRUST_WORKSPACE", "true".into()),
                ]),
            ),
        }
    }

    pub fn keep_survived(&self) -> bool {
        self.home().join("keep/precious.txt").is_file()
    }

    /// Entries of the audit log (`interlock log --json`).
    pub fn log(&self) -> Vec<Value> {
        let (_, out, _) = self.interlock(&["log", "--json"]);
        out.lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }
}

fn run_capped(mut cmd: Command, limit: Duration) -> (Option<i32>, String, String) {
    use std::os::unix::process::CommandExt;
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    let mut child = cmd.spawn().expect("start the agent");
    let mut so = child.stdout.take().expect("stdout");
    let mut se = child.stderr.take().expect("stderr");
    let t1 = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = so.read_to_string(&mut s);
        s
    });
    let t2 = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = se.read_to_string(&mut s);
        s
    });
    let start = Instant::now();
    let status = loop {
        if let Ok(Some(s)) = child.try_wait() {
            break s.code();
        }
        if start.elapsed() > limit {
            let _ = nix_kill(child.id());
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    // The agent's own children may keep the pipes open: end the whole group.
    let _ = nix_kill(child.id());
    (
        status,
        t1.join().unwrap_or_default(),
        t2.join().unwrap_or_default(),
    )
}

fn nix_kill(pid: u32) -> std::io::Result<()> {
    let st = Command::new("kill")
        .args(["-KILL", "--", &format!("-{pid}")])
        .stderr(Stdio::null())
        .status()?;
    let _ = st;
    Ok(())
}

impl Run {
    /// `interlock approve CODE` typed by the user in a real terminal (a PTY), answered
    /// `yes`. Returns the exit status and what the terminal showed.
    pub fn approve_in_terminal(&self, code: &str) -> (u32, String) {
        use portable_pty::{native_pty_system, CommandBuilder, PtySize};
        use std::io::Write;
        let pty = native_pty_system()
            .openpty(PtySize {
                rows: 40,
                cols: 200,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("openpty");
        let mut probe = Command::new(BIN);
        self.env(&mut probe);
        let mut cmd = CommandBuilder::new(BIN);
        cmd.args(["approve", code]);
        cmd.env_clear();
        for (k, v) in probe.get_envs() {
            if let Some(v) = v {
                cmd.env(k, v);
            }
        }
        cmd.cwd(self.project());
        let mut child = pty.slave.spawn_command(cmd).expect("spawn approve");
        drop(pty.slave);
        let mut reader = pty.master.try_clone_reader().expect("reader");
        let mut writer = pty.master.take_writer().expect("writer");
        let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = seen.clone();
        let reading = std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().expect("lock").extend_from_slice(&buf[..n]);
            }
        });
        let start = Instant::now();
        loop {
            let text = String::from_utf8_lossy(&seen.lock().expect("lock")).into_owned();
            if text.contains("(anything else refuses)") {
                break;
            }
            if let Ok(Some(status)) = child.try_wait() {
                drop(pty.master);
                let _ = reading.join();
                return (status.exit_code(), text);
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "no prompt: {text}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        writer.write_all(b"yes\r").expect("type");
        let status = child.wait().expect("wait");
        drop(writer);
        drop(pty.master);
        let _ = reading.join();
        let text = String::from_utf8_lossy(&seen.lock().expect("lock")).into_owned();
        (status.exit_code(), text)
    }
}

impl Run {
    /// Run the agent inside `interlock wrap` on a real terminal (a PTY), as a user
    /// starts it: `interlock wrap -- claude -p …`. The session makes `interlock-bash`
    /// the agent's `SHELL`; when a card appears, `answer` is typed on the terminal.
    /// Returns what the terminal showed.
    pub fn start_wrapped(&self, script: Vec<Step>, answer: &[u8]) -> (Output, usize) {
        use portable_pty::{native_pty_system, CommandBuilder, PtySize};
        use std::io::Write;
        let server = Server::start(script);
        // The session finds `interlock-bash` next to the running `interlock`: a hard
        // link of the binary in the scratch directory, with the link beside it.
        let bin = self.dir.path().join("bin");
        std::fs::create_dir_all(&bin).expect("mkdir bin");
        let exe = bin.join("interlock");
        if !exe.exists() {
            std::fs::hard_link(BIN, &exe)
                .or_else(|_| std::fs::copy(BIN, &exe).map(|_| ()))
                .expect("link interlock");
            std::os::unix::fs::symlink(&exe, bin.join("interlock-bash")).expect("link");
        }
        let pty = native_pty_system()
            .openpty(PtySize {
                rows: 50,
                cols: 200,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("openpty");
        let mut probe = Command::new(BIN);
        self.env(&mut probe);
        let (args, envs) = self.invocation(&server);
        let mut cmd = CommandBuilder::new(&exe);
        cmd.args(["wrap", "--", self.agent.program()]);
        cmd.args(&args);
        cmd.env_clear();
        for (k, v) in probe.get_envs() {
            if let Some(v) = v {
                cmd.env(k, v);
            }
        }
        for (k, v) in envs {
            cmd.env(k, v);
        }
        for (k, v) in [
            ("TERM", "xterm-256color"),
            ("INTERLOCK_CONFIRM_TIMEOUT", "60"),
        ] {
            cmd.env(k, v);
        }
        cmd.cwd(self.project());
        let mut child = pty.slave.spawn_command(cmd).expect("spawn wrap");
        drop(pty.slave);
        let mut reader = pty.master.try_clone_reader().expect("reader");
        let mut writer = pty.master.take_writer().expect("writer");
        let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = seen.clone();
        let reading = std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().expect("lock").extend_from_slice(&buf[..n]);
            }
        });
        let start = Instant::now();
        let mut cards = 0;
        let mut answered_at = 0;
        let status = loop {
            let text = String::from_utf8_lossy(&seen.lock().expect("lock")).into_owned();
            // A card names the rule; answer each new one once.
            let shown = text.matches("fs.delete-protected").count();
            if shown > answered_at {
                std::thread::sleep(Duration::from_millis(300));
                writer.write_all(answer).expect("type");
                let _ = writer.flush();
                cards += 1;
                answered_at = shown;
            }
            if let Ok(Some(st)) = child.try_wait() {
                break Some(st.exit_code() as i32);
            }
            if start.elapsed() > Duration::from_secs(120) {
                let _ = child.kill();
                break None;
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        drop(writer);
        drop(pty.master);
        let _ = reading.join();
        let screen = String::from_utf8_lossy(&seen.lock().expect("lock")).into_owned();
        (
            Output {
                status,
                stdout: screen,
                stderr: String::new(),
                requests: server.dump(),
            },
            cards,
        )
    }
}

impl Drop for Run {
    fn drop(&mut self) {
        if std::env::var_os("REAL_AGENTS_KEEP").is_some() {
            let d = std::mem::replace(&mut self.dir, tempfile::tempdir().expect("tempdir"));
            let _ = d.keep();
        }
    }
}
