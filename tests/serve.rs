//! Approvals from anywhere, end to end: the agent shell sends a stopped command to a
//! real `interlock serve` on 127.0.0.1, an approver approves it on the web page in a
//! real headless Chromium (driven over WebDriver by chromedriver), and the exact
//! command then runs once. Answers that are forged, replayed, expired, for another
//! host, command or directory, or unsigned are each refused (a scripted service on
//! 127.0.0.1 sends them). The same flow with the service's state in a real PostgreSQL
//! server, shared by two replicas.
//!
//! Every test builds its own sandbox: HOME, Interlock's state directory and config
//! point into a temporary directory.

use ed25519_dalek::{Signer, SigningKey};
use interlock::approval::remote::{hex, sha256_hex, Payload, KEY_PREFIX};
use std::ffi::OsString;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

#[path = "support/tls.rs"]
mod tls;

const BIN: &str = env!("CARGO_BIN_EXE_interlock");
const NOT_APPROVED: i32 = 75;
const STOPPED: i32 = 77;

/// A command the built-in rules stop with a confirm: it deletes a directory of data
/// outside the project (its effect is easy to check).
const CONFIRM_CMD: &str = "rm -rf ~/notes";
/// A command a built-in rule denies outright.
const DENY_CMD: &str = "rm -rf ../home";
const DENY_RULE: &str = "fs.delete-critical";

struct Sandbox {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

impl Sandbox {
    fn new() -> Sandbox {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().canonicalize().expect("canonical");
        for d in ["home", "state", "work", "bin"] {
            std::fs::create_dir_all(root.join(d)).expect("mkdir");
        }
        std::os::unix::fs::symlink(BIN, root.join("bin/interlock-bash")).expect("link");
        std::fs::write(root.join("config.toml"), "").expect("config");
        Sandbox { _dir: dir, root }
    }
    fn state(&self) -> PathBuf {
        self.root.join("state")
    }
    fn work(&self) -> PathBuf {
        self.root.join("work")
    }
    fn config(&self, text: &str) {
        std::fs::write(self.root.join("config.toml"), text).expect("config");
    }
    fn approvals(&self, url: &str, key: &str, wait: u64) {
        self.config(&format!(
            "[settings.approvals]\nurl = \"{url}\"\npublic_key = \"{key}\"\nwait_secs = {wait}\n"
        ));
    }
    fn env(&self) -> Vec<(String, OsString)> {
        vec![
            ("PATH".into(), std::env::var_os("PATH").unwrap_or_default()),
            ("HOME".into(), self.root.join("home").into()),
            ("LANG".into(), "C".into()),
            ("INTERLOCK_STATE_DIR".into(), self.state().into()),
            (
                "INTERLOCK_CONFIG".into(),
                self.root.join("config.toml").into(),
            ),
            (
                "INTERLOCK_SYSTEM_CONFIG".into(),
                self.root.join("no-system-config.toml").into(),
            ),
        ]
    }
    fn command(&self, program: &Path) -> Command {
        let mut c = Command::new(program);
        c.env_clear().envs(self.env()).current_dir(self.work());
        c.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        c
    }
    /// `interlock-bash -c CODE`, started (it may wait for an approval).
    fn agent(&self, code: &str) -> Child {
        let mut c = self.command(&self.root.join("bin/interlock-bash"));
        c.args(["-c", code]);
        c.spawn().expect("spawn agent shell")
    }
    fn interlock(&self, args: &[&str]) -> Output {
        let mut c = self.command(Path::new(BIN));
        c.args(args);
        c.output().expect("run interlock")
    }
    /// A directory of data for CONFIRM_CMD to delete.
    fn make_data(&self) {
        std::fs::create_dir_all(self.data()).expect("mkdir");
        std::fs::write(self.data().join("rows.csv"), "1,2\n").expect("write");
    }
    fn data(&self) -> PathBuf {
        self.root.join("home/notes")
    }
    fn log_lines(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(self.state().join("audit.jsonl"))
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).expect("log line is JSON"))
            .collect()
    }
}

fn wait_output(child: Child, limit: Duration) -> Output {
    let pid = child.id();
    let done = Arc::new(Mutex::new(false));
    let flag = done.clone();
    let watchdog = std::thread::spawn(move || {
        let start = Instant::now();
        while start.elapsed() < limit {
            if *flag.lock().expect("lock") {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        // SAFETY: plain kill of our own child.
        unsafe { libc::kill(pid as i32, libc::SIGKILL) };
    });
    let out = child.wait_with_output().expect("wait");
    *done.lock().expect("lock") = true;
    let _ = watchdog.join();
    out
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("time")
        .as_secs()
}

// ---------------------------------------------------------------------------------
// A tiny HTTP client (for the service's API and for chromedriver).
// ---------------------------------------------------------------------------------

fn http(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> (u16, String, String) {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(90)))
        .expect("timeout");
    let body = body.unwrap_or(&[]);
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).expect("send");
    s.write_all(body).expect("send body");
    // Read until the body is complete: chromedriver keeps the connection open.
    let mut got = Vec::new();
    let mut buf = [0u8; 16384];
    loop {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
        }
        if complete(&got) {
            break;
        }
    }
    let t = text(&got);
    let (head, rest) = t.split_once("\r\n\r\n").unwrap_or((&t, ""));
    let code = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(rest)
    } else {
        rest.to_string()
    };
    (code, head.to_string(), body)
}

fn complete(got: &[u8]) -> bool {
    let Some(end) = got.windows(4).position(|w| w == b"\r\n\r\n") else {
        return false;
    };
    let head = text(&got[..end]).to_ascii_lowercase();
    if head.contains("transfer-encoding: chunked") {
        return got.ends_with(b"0\r\n\r\n");
    }
    match head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok())
    {
        Some(n) => got.len() >= end + 4 + n,
        None => false,
    }
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        s = rest[n..].trim_start_matches("\r\n");
    }
    out
}

// ---------------------------------------------------------------------------------
// The real service.
// ---------------------------------------------------------------------------------

struct Service {
    child: Child,
    addr: String,
    log: Arc<Mutex<String>>,
}

impl Service {
    /// `interlock serve` with the sandbox's state directory (so its key sits where the
    /// confinement hides it) and `extra` arguments.
    fn start(sb: &Sandbox, extra: &[&str]) -> Service {
        let port = free_port();
        let addr = format!("127.0.0.1:{port}");
        let mut c = sb.command(Path::new(BIN));
        c.args(["serve", "--listen", &addr]).args(extra);
        let mut child = c.spawn().expect("spawn serve");
        let log = Arc::new(Mutex::new(String::new()));
        let sink = log.clone();
        let err = child.stderr.take().expect("stderr");
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                let mut l = sink.lock().expect("lock");
                l.push_str(&line);
                l.push('\n');
            }
        });
        let start = Instant::now();
        loop {
            if TcpStream::connect(&addr).is_ok() {
                break;
            }
            if let Ok(Some(st)) = child.try_wait() {
                panic!("serve ended ({st}): {}", log.lock().expect("lock"));
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "serve did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Service { child, addr, log }
    }
    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
    /// The newest pending request's id, waiting until one appears.
    fn wait_pending(&self, token: &str) -> String {
        let start = Instant::now();
        loop {
            let (code, _, body) = http(
                &self.addr,
                "GET",
                "/",
                &[("Authorization", &format!("Bearer {token}"))],
                None,
            );
            assert_eq!(code, 200, "{body}");
            if let Some(i) = body.find("class=\"request\" href=\"/r/") {
                let rest = &body[i + "class=\"request\" href=\"/r/".len()..];
                return rest[..32].to_string();
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "no request reached the service: {}",
                self.log.lock().expect("lock")
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    /// Decide through the API with a bearer token (no browser).
    fn decide(&self, token: &str, id: &str, form: &str) -> (u16, String) {
        let (code, _, body) = http(
            &self.addr,
            "POST",
            &format!("/r/{id}"),
            &[
                ("Authorization", &format!("Bearer {token}")),
                ("Content-Type", "application/x-www-form-urlencoded"),
            ],
            Some(form.as_bytes()),
        );
        (code, body)
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn public_key(sb: &Sandbox, extra: &[&str]) -> String {
    let mut args = vec!["serve", "--print-public-key"];
    args.extend_from_slice(extra);
    let out = sb.interlock(&args);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let key = text(&out.stdout).trim().to_string();
    assert!(key.starts_with(KEY_PREFIX), "{key}");
    key
}

fn add_approver(sb: &Sandbox, name: &str, extra: &[&str]) -> String {
    let mut args = vec!["serve", "--add-approver", name];
    args.extend_from_slice(extra);
    let out = sb.interlock(&args);
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout).trim().to_string()
}

// ---------------------------------------------------------------------------------
// Chromium over WebDriver.
// ---------------------------------------------------------------------------------

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

struct Browser {
    driver: Child,
    addr: String,
    session: String,
    _profile: tempfile::TempDir,
}

impl Browser {
    fn start() -> Browser {
        let driver_bin = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
            .into_iter()
            .find(|p| Path::new(p).is_file())
            .expect("chromedriver is installed (Debian's chromium-driver; .ci/run installs it)");
        let chromium = ["/usr/bin/chromium", "/usr/lib/chromium/chromium"]
            .into_iter()
            .find(|p| Path::new(p).is_file())
            .expect("chromium is installed (.ci/run installs it)");
        let port = free_port();
        let driver = Command::new(driver_bin)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let addr = format!("127.0.0.1:{port}");
        let start = Instant::now();
        while TcpStream::connect(&addr).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "chromedriver did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        let profile = tempfile::tempdir().expect("profile");
        let caps = serde_json::json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync",
                    format!("--user-data-dir={}", profile.path().display()),
                ],
            },
        }}});
        let mut b = Browser {
            driver,
            addr,
            session: String::new(),
            _profile: profile,
        };
        let v = b.call("POST", "/session", Some(caps));
        b.session = v["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {v}"))
            .to_string();
        b
    }

    fn call(&self, method: &str, path: &str, body: Option<serde_json::Value>) -> serde_json::Value {
        let data = body.map(|b| b.to_string());
        let (code, _, text) = http(
            &self.addr,
            method,
            path,
            &[("Content-Type", "application/json; charset=utf-8")],
            data.as_deref().map(str::as_bytes),
        );
        let v: serde_json::Value = serde_json::from_str(&text).unwrap_or(serde_json::Value::Null);
        assert_eq!(code, 200, "{method} {path}: {text}");
        v
    }
    fn s(&self, rest: &str) -> String {
        format!("/session/{}{rest}", self.session)
    }
    fn go(&self, url: &str) {
        self.call(
            "POST",
            &self.s("/url"),
            Some(serde_json::json!({"url": url})),
        );
    }
    fn find(&self, css: &str) -> Option<String> {
        let (code, _, text) = http(
            &self.addr,
            "POST",
            &self.s("/element"),
            &[("Content-Type", "application/json")],
            Some(
                serde_json::json!({"using": "css selector", "value": css})
                    .to_string()
                    .as_bytes(),
            ),
        );
        if code != 200 {
            return None;
        }
        let v: serde_json::Value = serde_json::from_str(&text).ok()?;
        v["value"][ELEMENT].as_str().map(str::to_string)
    }
    fn wait_find(&self, css: &str, reload: Option<&str>) -> String {
        let start = Instant::now();
        loop {
            if let Some(e) = self.find(css) {
                return e;
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "no element {css}: {}",
                self.source()
            );
            std::thread::sleep(Duration::from_millis(200));
            if let Some(u) = reload {
                self.go(u);
            }
        }
    }
    fn typ(&self, el: &str, text: &str) {
        self.call(
            "POST",
            &self.s(&format!("/element/{el}/value")),
            Some(serde_json::json!({"text": text})),
        );
    }
    fn click(&self, el: &str) {
        self.call(
            "POST",
            &self.s(&format!("/element/{el}/click")),
            Some(serde_json::json!({})),
        );
    }
    fn text_of(&self, el: &str) -> String {
        self.call("GET", &self.s(&format!("/element/{el}/text")), None)["value"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }
    fn source(&self) -> String {
        let (_, _, t) = http(&self.addr, "GET", &self.s("/source"), &[], None);
        t
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = http(&self.addr, "DELETE", &self.s(""), &[], None);
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

// ---------------------------------------------------------------------------------
// End to end.
// ---------------------------------------------------------------------------------

#[test]
fn an_approver_approves_in_a_real_browser_and_the_command_runs_once() {
    let sb = Sandbox::new();
    let key = public_key(&sb, &[]);
    let token = add_approver(&sb, "alice", &[]);
    // A notification receiver on 127.0.0.1.
    let hook = Receiver::start();
    std::fs::write(
        sb.state().join("serve/serve.toml"),
        format!("[webhook]\nurl = \"http://{}/notify\"\n", hook.addr),
    )
    .expect("serve.toml");
    let svc = Service::start(&sb, &[]);
    sb.approvals(&svc.url(), &key, 60);
    sb.make_data();

    let agent = sb.agent(CONFIRM_CMD);
    let browser = Browser::start();
    browser.go(&format!("{}/", svc.url()));
    let name = browser.wait_find("#name", None);
    browser.typ(&name, "alice");
    let tok = browser.wait_find("#token", None);
    browser.typ(&tok, &token);
    let signin = browser.wait_find("#signin", None);
    browser.click(&signin);
    let who = browser.wait_find("#who", None);
    assert_eq!(browser.text_of(&who), "alice");
    let link = browser.wait_find("a.request", Some(&format!("{}/", svc.url())));
    browser.click(&link);
    let cmd = browser.wait_find("#command", None);
    assert_eq!(browser.text_of(&cmd), CONFIRM_CMD);
    let cwd = browser.wait_find("#cwd", None);
    assert_eq!(browser.text_of(&cwd), sb.work().display().to_string());
    // Still there: nothing runs before the approval.
    assert!(sb.data().join("rows.csv").exists());
    let approve = browser.wait_find("#approve", None);
    browser.click(&approve);
    let decision = browser.wait_find("#decision", None);
    assert!(browser.text_of(&decision).contains("Approved by alice"));

    let out = wait_output(agent, Duration::from_secs(60));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(!sb.data().exists(), "the approved command ran");
    let last = sb.log_lines().pop().expect("a log entry");
    assert_eq!(last["outcome"], "approved");
    assert_eq!(last["channel"], "service:alice");
    assert!(svc
        .log
        .lock()
        .expect("lock")
        .contains("alice approved request"));

    // The notification: a JSON POST naming the command and a link to its page.
    let got = hook.wait_one();
    let v: serde_json::Value = serde_json::from_str(&got.1).expect("json");
    assert_eq!(got.0, "/notify");
    assert_eq!(v["command"], CONFIRM_CMD);
    assert_eq!(v["cwd"], sb.work().display().to_string());
    assert!(v["url"]
        .as_str()
        .unwrap_or_default()
        .starts_with(&svc.url()));
    assert!(v["text"].as_str().unwrap_or_default().contains(CONFIRM_CMD));

    // The same command again needs a new approval: nobody answers, nothing runs.
    sb.make_data();
    sb.approvals(&svc.url(), &key, 2);
    let out = wait_output(sb.agent(CONFIRM_CMD), Duration::from_secs(60));
    assert_eq!(
        out.status.code(),
        Some(NOT_APPROVED),
        "{}",
        text(&out.stderr)
    );
    assert!(sb.data().join("rows.csv").exists());
}

#[test]
fn a_denied_command_needs_the_typed_phrase_and_runs_once_on_the_next_try() {
    let sb = Sandbox::new();
    let key = public_key(&sb, &[]);
    let token = add_approver(&sb, "bob", &[]);
    let svc = Service::start(&sb, &[]);
    sb.approvals(&svc.url(), &key, 30);
    std::fs::create_dir_all(sb.root.join("home/keep")).expect("mkdir");
    // Deny never waits: it stops at once, and the request waits on the service.
    let out = wait_output(sb.agent(DENY_CMD), Duration::from_secs(30));
    assert_eq!(out.status.code(), Some(STOPPED), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("approval service"),
        "{}",
        text(&out.stderr)
    );
    let id = svc.wait_pending(&token);
    // Approving without the phrase does nothing.
    let (code, body) = svc.decide(&token, &id, "action=approve");
    assert_eq!(code, 400, "{body}");
    assert!(body.contains(DENY_RULE), "{body}");
    let (code, body) = svc.decide(&token, &id, &format!("action=approve&phrase={DENY_RULE}"));
    assert_eq!(code, 200, "{body}");
    // The next run of the same command uses that approval, once.
    let out = wait_output(sb.agent(DENY_CMD), Duration::from_secs(30));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(!sb.root.join("home").exists(), "it ran");
    assert_eq!(sb.log_lines().pop().expect("log")["channel"], "service:bob");
    std::fs::create_dir_all(sb.root.join("home/keep")).expect("mkdir");
    let out = wait_output(sb.agent(DENY_CMD), Duration::from_secs(30));
    assert_eq!(out.status.code(), Some(STOPPED), "{}", text(&out.stderr));
    assert!(sb.root.join("home/keep").exists());
}

#[test]
fn an_approved_look_alike_request_does_not_lend_its_approval() {
    let sb = Sandbox::new();
    let key = public_key(&sb, &[]);
    let token = add_approver(&sb, "gina", &[]);
    let svc = Service::start(&sb, &[]);
    sb.approvals(&svc.url(), &key, 30);
    std::fs::create_dir_all(sb.root.join("home/keep")).expect("mkdir");
    // Anyone can post a request: one that shows `ls` but carries the hash of the
    // dangerous command, for this host, user and directory.
    let ask = serde_json::json!({
        "id": "a".repeat(32),
        "nonce": "b".repeat(64),
        "command": "ls",
        "command_sha256": sha256_hex(DENY_CMD.as_bytes()),
        "host": interlock::audit_log::ship::host_name(),
        "user": interlock::audit_log::ship::user_name(),
        "cwd": sb.work().display().to_string(),
        "rules": [{"rule": DENY_RULE, "decision": "deny", "reason": "x"}],
    });
    let (code, _, body) = http(
        &svc.addr,
        "POST",
        "/api/requests",
        &[("Content-Type", "application/json")],
        Some(ask.to_string().as_bytes()),
    );
    assert_eq!(code, 201, "{body}");
    let (code, body) = svc.decide(
        &token,
        &"a".repeat(32),
        &format!("action=approve&phrase={DENY_RULE}"),
    );
    assert_eq!(code, 200, "{body}");
    // The real command is a new request: it is stopped, nothing is deleted.
    let out = wait_output(sb.agent(DENY_CMD), Duration::from_secs(30));
    assert_eq!(out.status.code(), Some(STOPPED), "{}", text(&out.stderr));
    assert!(sb.root.join("home/keep").exists());
}

#[test]
fn a_refusal_on_the_page_stops_the_command() {
    let sb = Sandbox::new();
    let key = public_key(&sb, &[]);
    let token = add_approver(&sb, "carol", &[]);
    let svc = Service::start(&sb, &[]);
    sb.approvals(&svc.url(), &key, 30);
    sb.make_data();
    let agent = sb.agent(CONFIRM_CMD);
    let id = svc.wait_pending(&token);
    let (code, body) = svc.decide(&token, &id, "action=deny");
    assert_eq!(code, 200, "{body}");
    let out = wait_output(agent, Duration::from_secs(30));
    assert_eq!(out.status.code(), Some(STOPPED), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("carol refused"));
    assert!(sb.data().join("rows.csv").exists());
}

#[test]
fn approvers_must_authenticate_and_forms_must_come_from_the_page() {
    let sb = Sandbox::new();
    let token = add_approver(&sb, "dave", &[]);
    let svc = Service::start(&sb, &[]);
    let (code, head, _) = http(&svc.addr, "GET", "/", &[], None);
    assert_eq!(code, 303);
    assert!(head.contains("Location: /login"), "{head}");
    for auth in ["Bearer wrong", "Basic ZGF2ZTp3cm9uZw=="] {
        let (code, _, _) = http(&svc.addr, "GET", "/", &[("Authorization", auth)], None);
        assert_eq!(code, 303, "{auth}");
    }
    let basic = format!("Basic {}", b64(&format!("dave:{token}")));
    let (code, _, body) = http(&svc.addr, "GET", "/", &[("Authorization", &basic)], None);
    assert_eq!(code, 200, "{body}");
    // The wrong name with the right token is refused.
    let basic = format!("Basic {}", b64(&format!("eve:{token}")));
    let (code, _, _) = http(&svc.addr, "GET", "/", &[("Authorization", &basic)], None);
    assert_eq!(code, 303);
    // A form posted without the page's form token (from another site) is refused.
    let id = "0".repeat(32);
    let basic = format!("Basic {}", b64(&format!("dave:{token}")));
    let (code, _, _) = http(
        &svc.addr,
        "POST",
        &format!("/r/{id}"),
        &[
            ("Authorization", &basic),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        Some(b"action=approve"),
    );
    assert_eq!(code, 403);
    // The SSO header counts only from the configured proxy address.
    drop(svc);
    std::fs::write(
        sb.state().join("serve/serve.toml"),
        "[proxy]\ntrusted = [\"127.0.0.2\"]\nuser_header = \"X-Forwarded-User\"\n",
    )
    .expect("serve.toml");
    let svc = Service::start(&sb, &[]);
    let (code, _, _) = http(
        &svc.addr,
        "GET",
        "/",
        &[("X-Forwarded-User", "mallory")],
        None,
    );
    assert_eq!(code, 303, "a header from an untrusted address is ignored");
    drop(svc);
    std::fs::write(
        sb.state().join("serve/serve.toml"),
        "[proxy]\ntrusted = [\"127.0.0.1\"]\nuser_header = \"X-Forwarded-User\"\n",
    )
    .expect("serve.toml");
    let svc = Service::start(&sb, &[]);
    let (code, _, body) = http(&svc.addr, "GET", "/", &[("X-Forwarded-User", "erin")], None);
    assert_eq!(code, 200);
    assert!(body.contains("erin (sso)"), "{body}");
}

fn b64(s: &str) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let b = s.as_bytes();
    let mut out = String::new();
    for chunk in b.chunks(3) {
        let n = chunk.len();
        let v = (u32::from(chunk[0]) << 16)
            | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8)
            | u32::from(*chunk.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= n {
                out.push(A[((v >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[test]
fn the_service_key_is_hidden_from_the_agents_commands() {
    let sb = Sandbox::new();
    let _ = public_key(&sb, &[]);
    let dir = sb.state().join("serve");
    let key_file = dir.join("key.ed25519");
    let secret = std::fs::read_to_string(&key_file).expect("the key exists outside");
    // The confinement every agent-shell command runs in (`interlock confine` enters
    // the same one, without judging the command, so only the kernel can stop it).
    let mut c = sb.command(Path::new(BIN));
    c.args(["confine", "--", "sh", "-c"]).arg(format!(
        "cat {}; ls -A {}; echo x > {}/key2",
        key_file.display(),
        dir.display(),
        dir.display()
    ));
    let out = c.output().expect("confine");
    let stdout = text(&out.stdout);
    let stderr = text(&out.stderr);
    assert!(
        !stdout.contains(secret.trim()),
        "the key was readable: {stdout}"
    );
    assert!(stderr.contains("No such file"), "{stderr}");
    assert!(
        stderr.contains("Read-only file system") || stderr.contains("Permission denied"),
        "{stderr}"
    );
    assert_eq!(stdout.trim(), "", "the directory looks empty inside");
    assert!(!dir.join("key2").exists());
    assert_eq!(std::fs::read_to_string(&key_file).expect("key"), secret);
    // And `interlock serve` refuses to run inside.
    let mut c = sb.command(Path::new(BIN));
    c.args(["confine", "--", BIN, "serve", "--print-public-key"]);
    let out = c.output().expect("confine");
    assert_ne!(out.status.code(), Some(0));
    assert!(!text(&out.stdout).contains(KEY_PREFIX));
    assert!(
        text(&out.stderr).contains("inside an agent's confinement"),
        "{}",
        text(&out.stderr)
    );
}

// ---------------------------------------------------------------------------------
// Answers that must not count, from a scripted service.
// ---------------------------------------------------------------------------------

/// A service on 127.0.0.1 that records each request and answers polls with whatever
/// `answer` makes of it.
struct Scripted {
    addr: String,
    asks: Arc<Mutex<Vec<serde_json::Value>>>,
}

type AnswerFn = dyn Fn(&serde_json::Value) -> serde_json::Value + Send + Sync;

impl Scripted {
    fn start(answer: Arc<AnswerFn>) -> Scripted {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = l.local_addr().expect("addr").to_string();
        let asks: Arc<Mutex<Vec<serde_json::Value>>> = Arc::default();
        let seen = asks.clone();
        std::thread::spawn(move || {
            for s in l.incoming().flatten() {
                let (method, path, body) = read_request(&s);
                let reply = if method == "POST" {
                    let v: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
                    seen.lock().expect("lock").push(v);
                    (201, serde_json::json!({"status": "pending"}))
                } else {
                    let last = seen.lock().expect("lock").last().cloned();
                    match last {
                        Some(ask) if path.ends_with(ask["id"].as_str().unwrap_or("?")) => {
                            (200, answer(&ask))
                        }
                        _ => (404, serde_json::json!({"status": "unknown"})),
                    }
                };
                let body = reply.1.to_string();
                let mut s = s;
                let _ = write!(s, "HTTP/1.1 {} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", reply.0, body.len());
            }
        });
        Scripted { addr, asks }
    }
}

fn read_request(s: &TcpStream) -> (String, String, Vec<u8>) {
    let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
    let mut r = BufReader::new(s);
    let mut first = String::new();
    let _ = r.read_line(&mut first);
    let mut len = 0;
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            len = v.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0u8; len];
    let _ = r.read_exact(&mut body);
    let mut parts = first.split_whitespace();
    (
        parts.next().unwrap_or("").to_string(),
        parts.next().unwrap_or("").to_string(),
        body,
    )
}

/// A payload bound to `ask`, changed by `edit`, signed by `key` (or not).
fn answer_for(
    ask: &serde_json::Value,
    key: Option<&SigningKey>,
    edit: &dyn Fn(&mut Payload),
) -> serde_json::Value {
    let s = |k: &str| ask[k].as_str().unwrap_or_default().to_string();
    let mut p = Payload {
        v: 1,
        id: s("id"),
        nonce: s("nonce"),
        command_sha256: s("command_sha256"),
        host: s("host"),
        cwd: s("cwd"),
        decision: "approve".into(),
        approver: "scripted".into(),
        decided_at: now(),
        expires: now() + 300,
    };
    edit(&mut p);
    let text = serde_json::to_string(&p).expect("json");
    match key {
        Some(k) => serde_json::json!({
            "status": "approved",
            "payload": text,
            "signature": hex(&k.sign(text.as_bytes()).to_bytes()),
        }),
        None => serde_json::json!({"status": "approved", "payload": text}),
    }
}

fn public_text(k: &SigningKey) -> String {
    format!("{KEY_PREFIX}{}", hex(k.verifying_key().as_bytes()))
}

/// Run CONFIRM_CMD against a scripted service; the output and whether it ran.
fn against(answer: Arc<AnswerFn>, key: &SigningKey) -> (Output, bool, Scripted) {
    let sb = Sandbox::new();
    let svc = Scripted::start(answer);
    sb.approvals(&format!("http://{}", svc.addr), &public_text(key), 20);
    sb.make_data();
    let out = wait_output(sb.agent(CONFIRM_CMD), Duration::from_secs(60));
    let ran = !sb.data().exists();
    (out, ran, svc)
}

#[test]
fn a_valid_signed_answer_runs_the_command() {
    let key = SigningKey::from_bytes(&[3u8; 32]);
    let k = key.clone();
    let (out, ran, svc) = against(
        Arc::new(move |ask| answer_for(ask, Some(&k), &|_| {})),
        &key,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(ran);
    let ask = svc.asks.lock().expect("lock")[0].clone();
    assert_eq!(ask["command"], CONFIRM_CMD);
    assert_eq!(ask["command_sha256"], sha256_hex(CONFIRM_CMD.as_bytes()));
    assert_eq!(ask["rules"][0]["decision"], "confirm");
}

/// A TLS proxy in front of `backend` (as a service is put behind one): each connection's
/// request is read whole, passed on, and the backend's answer sent back.
fn tls_front(backend: &str, config: Arc<rustls::ServerConfig>) -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    let backend = backend.to_string();
    std::thread::spawn(move || {
        for s in l.incoming().flatten() {
            let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
            let conn = rustls::ServerConnection::new(Arc::clone(&config)).expect("server");
            let mut tls = rustls::StreamOwned::new(conn, s);
            let mut got = Vec::new();
            let mut buf = [0u8; 4096];
            while !request_complete(&got) {
                match tls.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => got.extend_from_slice(&buf[..n]),
                }
            }
            if got.is_empty() {
                continue;
            }
            let Ok(mut b) = TcpStream::connect(&backend) else {
                continue;
            };
            let _ = b.write_all(&got);
            let mut answer = Vec::new();
            let _ = b.read_to_end(&mut answer);
            let _ = tls.write_all(&answer);
            tls.conn.send_close_notify();
            let _ = tls.flush();
        }
    });
    port
}

/// A request whose head and `Content-Length` bytes of body have arrived.
fn request_complete(got: &[u8]) -> bool {
    let Some(end) = got.windows(4).position(|w| w == b"\r\n\r\n") else {
        return false;
    };
    let head = String::from_utf8_lossy(&got[..end]).to_ascii_lowercase();
    let len = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok())
        .unwrap_or(0);
    got.len() >= end + 4 + len
}

#[test]
fn a_service_behind_tls_is_reached_with_https_and_its_certificate_checked() {
    let key = SigningKey::from_bytes(&[3u8; 32]);
    let ca = tls::authority("Approvals CA");
    let k = key.clone();
    let svc = Scripted::start(Arc::new(move |ask| answer_for(ask, Some(&k), &|_| {})));
    let port = tls_front(&svc.addr, tls::server_tls(&ca, &["127.0.0.1", "localhost"]));
    let sb = Sandbox::new();
    let ca_file = sb.root.join("approvals-ca.pem");
    std::fs::write(&ca_file, &ca.pem).expect("CA file");
    // Trusted through the CA file: the request arrives, the signed answer counts.
    sb.config(&format!(
        "[settings.approvals]\nurl = \"https://localhost:{port}\"\npublic_key = \"{}\"\nwait_secs = 20\nca_file = \"{}\"\n",
        public_text(&key),
        ca_file.display()
    ));
    sb.make_data();
    let out = wait_output(sb.agent(CONFIRM_CMD), Duration::from_secs(60));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(!sb.data().exists(), "the approved command did not run");
    assert_eq!(svc.asks.lock().expect("lock").len(), 1);
    assert_eq!(svc.asks.lock().expect("lock")[0]["command"], CONFIRM_CMD);

    // Without the CA file the proxy's certificate is not trusted: nothing is sent,
    // nothing runs, and the message says why.
    sb.approvals(&format!("https://localhost:{port}"), &public_text(&key), 5);
    sb.make_data();
    let out = wait_output(sb.agent(CONFIRM_CMD), Duration::from_secs(60));
    assert_ne!(out.status.code(), Some(0));
    assert!(
        sb.data().exists(),
        "the command ran without an answer that counts"
    );
    let err = text(&out.stderr);
    assert!(
        err.contains("UnknownIssuer") || err.contains("certificate"),
        "{err}"
    );
    assert_eq!(svc.asks.lock().expect("lock").len(), 1);
}

#[test]
fn forged_replayed_expired_other_host_other_command_and_unsigned_answers_are_refused() {
    let key = SigningKey::from_bytes(&[3u8; 32]);
    let forger = SigningKey::from_bytes(&[4u8; 32]);
    // A genuine answer, kept for a replay against a later run.
    let k = key.clone();
    let kept: Arc<Mutex<Option<serde_json::Value>>> = Arc::default();
    let keep = kept.clone();
    let (out, ran, _) = against(
        Arc::new(move |ask| {
            let a = answer_for(ask, Some(&k), &|_| {});
            *keep.lock().expect("lock") = Some(a.clone());
            a
        }),
        &key,
    );
    assert!(ran, "{}", text(&out.stderr));
    let old = kept.lock().expect("lock").clone().expect("an answer");

    type Case = (&'static str, Arc<AnswerFn>, &'static str);
    let k = |key: &SigningKey| key.clone();
    let (k1, k2, k3, k4, k5, k6) = (k(&forger), k(&key), k(&key), k(&key), k(&key), k(&key));
    let cases: Vec<Case> = vec![
        (
            "forged",
            Arc::new(move |ask| answer_for(ask, Some(&k1), &|_| {})),
            "not the approval service's",
        ),
        (
            "replayed",
            Arc::new(move |_| old.clone()),
            "another request",
        ),
        (
            "expired",
            Arc::new(move |ask| answer_for(ask, Some(&k2), &|p| p.expires = now() - 1)),
            "expired",
        ),
        (
            "other host",
            Arc::new(move |ask| answer_for(ask, Some(&k3), &|p| p.host = "build-07".into())),
            "another host",
        ),
        (
            "other command",
            Arc::new(move |ask| {
                answer_for(ask, Some(&k4), &|p| {
                    p.command_sha256 = sha256_hex(b"rm -rf ~/notes2")
                })
            }),
            "another command",
        ),
        (
            "other directory",
            Arc::new(move |ask| answer_for(ask, Some(&k5), &|p| p.cwd = "/".into())),
            "another directory",
        ),
        (
            "unsigned",
            Arc::new(move |ask| answer_for(ask, None, &|_| {})),
            "not signed",
        ),
        (
            "nonce of another run",
            Arc::new(move |ask| answer_for(ask, Some(&k6), &|p| p.nonce = "0".repeat(64))),
            "another request",
        ),
    ];
    for (name, answer, why) in cases {
        let (out, ran, _) = against(answer, &key);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(NOT_APPROVED), "{name}: {err}");
        assert!(!ran, "{name}: the command ran");
        assert!(
            err.contains("does not count") && err.contains(why),
            "{name}: {err}"
        );
    }
}

#[test]
fn without_a_reachable_service_nothing_runs_and_the_message_says_so() {
    let sb = Sandbox::new();
    let key = SigningKey::from_bytes(&[3u8; 32]);
    sb.approvals(
        &format!("http://127.0.0.1:{}", free_port()),
        &public_text(&key),
        2,
    );
    sb.make_data();
    let out = wait_output(sb.agent(CONFIRM_CMD), Duration::from_secs(60));
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(NOT_APPROVED), "{err}");
    assert!(
        err.contains("the approval service could not be asked"),
        "{err}"
    );
    assert!(sb.data().join("rows.csv").exists());
}

/// A webhook receiver on 127.0.0.1: the path and body of each POST.
struct Receiver {
    addr: String,
    got: Arc<Mutex<Vec<(String, String, String)>>>,
}

impl Receiver {
    fn start() -> Receiver {
        Receiver::start_on(None)
    }

    /// Over TLS with `tls` (a connection whose handshake fails delivers nothing).
    fn start_on(tls: Option<Arc<rustls::ServerConfig>>) -> Receiver {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = l.local_addr().expect("addr").to_string();
        let got: Arc<Mutex<Vec<(String, String, String)>>> = Arc::default();
        let sink = got.clone();
        std::thread::spawn(move || {
            for s in l.incoming().flatten() {
                let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
                match &tls {
                    None => receive(s, &sink),
                    Some(config) => {
                        let conn =
                            rustls::ServerConnection::new(Arc::clone(config)).expect("server");
                        receive(rustls::StreamOwned::new(conn, s), &sink);
                    }
                }
            }
        });
        Receiver { addr, got }
    }

    fn wait_one(&self) -> (String, String, String) {
        let start = Instant::now();
        loop {
            if let Some(g) = self.got.lock().expect("lock").first().cloned() {
                return g;
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "no notification arrived"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// Read one POST (request line, headers, body), record it and answer 200.
fn receive<S: Read + Write>(mut s: S, sink: &Mutex<Vec<(String, String, String)>>) {
    let (path, body, head) = {
        let mut r = BufReader::new(&mut s);
        let mut first = String::new();
        if r.read_line(&mut first).unwrap_or(0) == 0 {
            return;
        }
        let mut head = String::new();
        let mut len = 0;
        loop {
            let mut line = String::new();
            if r.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                break;
            }
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                len = v.trim().parse().unwrap_or(0);
            }
            head.push_str(&line);
        }
        let mut body = vec![0u8; len];
        let _ = r.read_exact(&mut body);
        let path = first.split_whitespace().nth(1).unwrap_or("").to_string();
        (path, text(&body), head)
    };
    sink.lock().expect("lock").push((path, body, head));
    let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    let _ = s.flush();
}

#[test]
fn notifications_reach_an_https_webhook_whose_certificate_is_trusted_and_no_other() {
    let ca = tls::authority("Internal ntfy CA");
    let stranger = tls::authority("Someone else");
    let trusted = Receiver::start_on(Some(tls::server_tls(&ca, &["127.0.0.1"])));
    let untrusted = Receiver::start_on(Some(tls::server_tls(&stranger, &["127.0.0.1"])));
    let sb = Sandbox::new();
    let ca_file = sb.root.join("ntfy-ca.pem");
    std::fs::write(&ca_file, &ca.pem).expect("CA file");
    let key = public_key(&sb, &[]);
    // Trusted through the webhook's CA file: the ntfy message arrives over TLS.
    std::fs::write(
        sb.state().join("serve/serve.toml"),
        format!(
            "[webhook]\nurl = \"https://{}/alerts\"\nformat = \"ntfy\"\nca_file = \"{}\"\n",
            trusted.addr,
            ca_file.display()
        ),
    )
    .expect("serve.toml");
    let svc = Service::start(&sb, &[]);
    sb.approvals(&svc.url(), &key, 3);
    sb.make_data();
    let agent = sb.agent(CONFIRM_CMD);
    let (path, body, head) = trusted.wait_one();
    assert_eq!(path, "/alerts");
    assert!(body.contains(CONFIRM_CMD), "{body}");
    assert!(head.to_ascii_lowercase().contains("click: http"), "{head}");
    // Nobody approved: nothing ran.
    let out = wait_output(agent, Duration::from_secs(60));
    assert_eq!(
        out.status.code(),
        Some(NOT_APPROVED),
        "{}",
        text(&out.stderr)
    );
    assert!(sb.data().join("rows.csv").exists());
    drop(svc);

    // A server whose certificate the CA file does not vouch for gets nothing, and the
    // service says why on its log; the request itself is unaffected.
    std::fs::write(
        sb.state().join("serve/serve.toml"),
        format!(
            "[webhook]\nurl = \"https://{}/alerts\"\nca_file = \"{}\"\n",
            untrusted.addr,
            ca_file.display()
        ),
    )
    .expect("serve.toml");
    let svc = Service::start(&sb, &[]);
    sb.approvals(&svc.url(), &key, 3);
    let out = wait_output(sb.agent(CONFIRM_CMD), Duration::from_secs(60));
    assert_eq!(
        out.status.code(),
        Some(NOT_APPROVED),
        "{}",
        text(&out.stderr)
    );
    let start = Instant::now();
    while !svc
        .log
        .lock()
        .expect("lock")
        .contains("the notification was not sent")
    {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "{}",
            svc.log.lock().expect("lock")
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(untrusted.got.lock().expect("lock").is_empty());
    assert_eq!(trusted.got.lock().expect("lock").len(), 1);
}

// ---------------------------------------------------------------------------------
// PostgreSQL: two replicas of the service share a real server.
// ---------------------------------------------------------------------------------

struct Postgres {
    bin: PathBuf,
    data: PathBuf,
    sock: PathBuf,
    port: u16,
    as_user: Option<&'static str>,
}

impl Postgres {
    fn start(root: &Path) -> Postgres {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .expect("PostgreSQL is installed (.ci/run installs it)")
            .filter_map(|e| e.ok())
            .map(|e| e.path().join("bin"))
            .find(|p| p.join("pg_ctl").is_file())
            .expect("pg_ctl");
        let base = root.join("pg");
        std::fs::create_dir_all(&base).expect("mkdir");
        let as_user = nix::unistd::geteuid().is_root().then_some("postgres");
        if as_user.is_some() {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(root, std::fs::Permissions::from_mode(0o755)).expect("chmod");
            let status = Command::new("chown")
                .args(["-R", "postgres", base.to_str().expect("utf8")])
                .status()
                .expect("chown");
            assert!(status.success());
        }
        let pg = Postgres {
            bin,
            data: base.join("data"),
            sock: base.clone(),
            port: free_port(),
            as_user,
        };
        pg.admin(&[
            "initdb",
            "-A",
            "trust",
            "-U",
            "postgres",
            "-D",
            pg.data.to_str().expect("utf8"),
        ]);
        pg.admin(&[
            "pg_ctl",
            "-D",
            pg.data.to_str().expect("utf8"),
            "-o",
            &format!(
                "-p {} -k {} -c listen_addresses=''",
                pg.port,
                pg.sock.display()
            ),
            "-w",
            "-l",
            base.join("log").to_str().expect("utf8"),
            "start",
        ]);
        pg
    }
    fn admin(&self, args: &[&str]) -> String {
        let prog = self.bin.join(args[0]);
        let out = match self.as_user {
            Some(u) => Command::new("runuser")
                .args(["-u", u, "--"])
                .arg(&prog)
                .args(&args[1..])
                .output(),
            None => Command::new(&prog).args(&args[1..]).output(),
        }
        .expect("run PostgreSQL tool");
        assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
        text(&out.stdout)
    }
    fn url(&self) -> String {
        format!(
            "host={} port={} user=postgres dbname=postgres",
            self.sock.display(),
            self.port
        )
    }
    fn query(&self, sql: &str) -> String {
        let out = Command::new(self.bin.join("psql"))
            .args(["-X", "-At", "-h"])
            .arg(&self.sock)
            .args([
                "-p",
                &self.port.to_string(),
                "-U",
                "postgres",
                "-d",
                "postgres",
                "-c",
                sql,
            ])
            .output()
            .expect("psql");
        assert!(out.status.success(), "{}", text(&out.stderr));
        text(&out.stdout)
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let prog = self.bin.join("pg_ctl");
        let data = self.data.to_string_lossy().into_owned();
        let args = ["-D", &data, "-m", "immediate", "-w", "stop"];
        let _ = match self.as_user {
            Some(u) => Command::new("runuser")
                .args(["-u", u, "--"])
                .arg(&prog)
                .args(args)
                .output(),
            None => Command::new(&prog).args(args).output(),
        };
    }
}

#[test]
fn replicas_sharing_postgresql_approve_once() {
    let sb = Sandbox::new();
    let pg = Postgres::start(&sb.root);
    let db = pg.url();
    let key = public_key(&sb, &["--database", &db]);
    let token = add_approver(&sb, "frank", &["--database", &db]);
    let hook = Receiver::start();
    std::fs::write(
        sb.state().join("serve/serve.toml"),
        format!(
            "[webhook]\nurl = \"http://{}/topic\"\nformat = \"ntfy\"\n",
            hook.addr
        ),
    )
    .expect("serve.toml");
    // Two replicas, one key (the same state directory), one database.
    let a = Service::start(&sb, &["--database", &db]);
    let b = Service::start(&sb, &["--database", &db]);
    sb.approvals(&a.url(), &key, 60);
    sb.make_data();
    let agent = sb.agent(CONFIRM_CMD);
    // The request sent to replica A is seen and approved on replica B.
    let id = b.wait_pending(&token);
    let (code, body) = b.decide(&token, &id, "action=approve");
    assert_eq!(code, 200, "{body}");
    let (code, body) = a.decide(&token, &id, "action=approve");
    assert_eq!(code, 400, "decided once: {body}");
    let out = wait_output(agent, Duration::from_secs(60));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(!sb.data().exists());
    assert_eq!(
        sb.log_lines().pop().expect("log")["channel"],
        "service:frank"
    );
    assert_eq!(
        pg.query(&format!(
            "SELECT status, approver, spent FROM requests WHERE id = '{id}'"
        ))
        .trim(),
        "approved|frank|1"
    );
    // ntfy's format: the message as the body, a title and a link.
    let (path, body, head) = hook.wait_one();
    assert_eq!(path, "/topic");
    assert!(body.contains(CONFIRM_CMD), "{body}");
    assert!(head.contains("Title: Interlock"), "{head}");
    assert!(
        head.contains(&format!("Click: {}/r/{id}", a.url())),
        "{head}"
    );
    // The database restarts (the replicas connect again); the same command again
    // needs a new approval.
    let log = pg.data.with_file_name("log");
    pg.admin(&[
        "pg_ctl",
        "-D",
        pg.data.to_str().expect("utf8"),
        "-m",
        "fast",
        "-w",
        "-l",
        log.to_str().expect("utf8"),
        "restart",
    ]);
    sb.make_data();
    sb.approvals(&a.url(), &key, 2);
    let out = wait_output(sb.agent(CONFIRM_CMD), Duration::from_secs(60));
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(NOT_APPROVED), "{err}");
    assert!(
        err.contains("The user is being asked on the approval service"),
        "{err}"
    );
    assert!(sb.data().join("rows.csv").exists());
}

// ---------------------------------------------------------------------------------
// Hooks ask the same service: the agent (not Interlock) runs the command, so what
// matters is the hook's answer.
// ---------------------------------------------------------------------------------

impl Sandbox {
    /// `interlock hook claude` with a Bash tool call for `command` in the work directory.
    fn hook(&self, command: &str) -> Child {
        let mut c = self.command(Path::new(BIN));
        c.args(["hook", "claude"]).stdin(Stdio::piped());
        let mut child = c.spawn().expect("spawn hook");
        let call = serde_json::json!({
            "session_id": "s1",
            "transcript_path": "/dev/null",
            "cwd": self.work(),
            "permission_mode": "default",
            "hook_event_name": "PreToolUse",
            "tool_name": "Bash",
            "tool_input": {"command": command},
            "tool_use_id": "toolu_1",
        });
        let mut stdin = child.stdin.take().expect("stdin");
        stdin
            .write_all(call.to_string().as_bytes())
            .expect("write the call");
        drop(stdin);
        child
    }
}

/// Claude Code's reading of a hook answer: `allow` (no output, exit 0), or the
/// permission decision and its reason.
fn hook_answer(out: &Output) -> (String, String) {
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    if stdout.trim().is_empty() {
        return ("allow".into(), String::new());
    }
    let v: serde_json::Value = serde_json::from_str(&stdout).expect("hook answer is JSON");
    let o = &v["hookSpecificOutput"];
    (
        o["permissionDecision"].as_str().unwrap_or_default().into(),
        o["permissionDecisionReason"]
            .as_str()
            .unwrap_or_default()
            .into(),
    )
}

#[test]
fn a_hook_call_waits_for_the_service_and_is_allowed_once() {
    let sb = Sandbox::new();
    let key = public_key(&sb, &[]);
    let token = add_approver(&sb, "erin", &[]);
    let svc = Service::start(&sb, &[]);
    sb.approvals(&svc.url(), &key, 20);
    let call = sb.hook(CONFIRM_CMD);
    let id = svc.wait_pending(&token);
    let (code, body) = svc.decide(&token, &id, "action=approve");
    assert_eq!(code, 200, "{body}");
    let out = wait_output(call, Duration::from_secs(40));
    assert_eq!(hook_answer(&out).0, "allow", "{}", text(&out.stderr));
    let last = sb.log_lines().pop().expect("log");
    assert_eq!(last["source"], "hook:claude");
    assert_eq!(last["channel"], "service:erin");
    assert_eq!(last["code"], id.as_str());
    // The approval was for that call only: the same call again is asked about anew.
    sb.approvals(&svc.url(), &key, 1);
    let (decision, reason) =
        hook_answer(&wait_output(sb.hook(CONFIRM_CMD), Duration::from_secs(40)));
    assert_eq!(decision, "ask", "{reason}");
    assert!(reason.contains(&format!("{}/r/", svc.url())), "{reason}");
}

#[test]
fn a_hook_that_stopped_waiting_lets_a_later_approval_carry_over_once() {
    let sb = Sandbox::new();
    let key = public_key(&sb, &[]);
    let token = add_approver(&sb, "frank", &[]);
    let svc = Service::start(&sb, &[]);
    sb.approvals(&svc.url(), &key, 1);
    // Nobody answers within the wait: Claude Code asks its user, and the reason names
    // the request on the service.
    let (decision, reason) =
        hook_answer(&wait_output(sb.hook(CONFIRM_CMD), Duration::from_secs(40)));
    assert_eq!(decision, "ask");
    let id = svc.wait_pending(&token);
    assert!(reason.contains(&format!("/r/{id}")), "{reason}");
    assert_eq!(svc.decide(&token, &id, "action=approve").0, 200);
    // The agent's next run of the same command uses that approval, once.
    let out = wait_output(sb.hook(CONFIRM_CMD), Duration::from_secs(40));
    assert_eq!(hook_answer(&out).0, "allow", "{}", text(&out.stderr));
    assert_eq!(
        sb.log_lines().pop().expect("log")["channel"],
        "service:frank"
    );
    assert_eq!(
        hook_answer(&wait_output(sb.hook(CONFIRM_CMD), Duration::from_secs(40))).0,
        "ask"
    );
    // Another command is not covered by it.
    assert_eq!(
        hook_answer(&wait_output(
            sb.hook("rm -rf ~/notes2"),
            Duration::from_secs(40)
        ))
        .0,
        "ask"
    );

    // A deny is not waited for, even with a long wait; its approval needs the typed
    // phrase and then carries over to the next run, once.
    sb.approvals(&svc.url(), &key, 20);
    let start = Instant::now();
    let (decision, reason) = hook_answer(&wait_output(sb.hook(DENY_CMD), Duration::from_secs(40)));
    assert_eq!(decision, "deny");
    assert!(start.elapsed() < Duration::from_secs(15), "a deny waited");
    let id = svc.wait_pending(&token);
    assert!(reason.contains(&format!("/r/{id}")), "{reason}");
    assert_eq!(
        svc.decide(&token, &id, "action=approve").0,
        400,
        "no phrase"
    );
    let form = format!("action=approve&phrase={DENY_RULE}");
    assert_eq!(svc.decide(&token, &id, &form).0, 200);
    assert_eq!(
        hook_answer(&wait_output(sb.hook(DENY_CMD), Duration::from_secs(40))).0,
        "allow"
    );
    assert_eq!(
        hook_answer(&wait_output(sb.hook(DENY_CMD), Duration::from_secs(40))).0,
        "deny"
    );
}

#[test]
fn a_refusal_or_an_answer_that_does_not_count_stops_the_hook_call() {
    let sb = Sandbox::new();
    let key = public_key(&sb, &[]);
    let token = add_approver(&sb, "grace", &[]);
    let svc = Service::start(&sb, &[]);
    sb.approvals(&svc.url(), &key, 20);
    let call = sb.hook(CONFIRM_CMD);
    let id = svc.wait_pending(&token);
    assert_eq!(svc.decide(&token, &id, "action=deny").0, 200);
    let (decision, reason) = hook_answer(&wait_output(call, Duration::from_secs(40)));
    assert_eq!(decision, "deny");
    assert!(reason.contains("grace refused"), "{reason}");
    assert_eq!(sb.log_lines().pop().expect("log")["outcome"], "refused");

    // A service that signs with another key (a forger's own server): the call is
    // stopped, not asked about.
    let right = SigningKey::from_bytes(&[3u8; 32]);
    let forger = SigningKey::from_bytes(&[4u8; 32]);
    let fake = Scripted::start(Arc::new(move |ask| answer_for(ask, Some(&forger), &|_| {})));
    sb.approvals(&format!("http://{}", fake.addr), &public_text(&right), 20);
    let (decision, reason) =
        hook_answer(&wait_output(sb.hook(CONFIRM_CMD), Duration::from_secs(40)));
    assert_eq!(decision, "deny");
    assert!(reason.contains("does not count"), "{reason}");
    assert_eq!(
        sb.log_lines().pop().expect("log")["outcome"],
        "invalid_answer"
    );
}

// ---------------------------------------------------------------------------------
// Flooding: anyone who reaches the service can post requests; the page stays usable.
// ---------------------------------------------------------------------------------

/// Post a well-formed request with a fresh id; the status code and body.
fn post_request(svc: &Service, n: usize) -> (u16, String, String) {
    let ask = serde_json::json!({
        "id": format!("{n:032x}"),
        "nonce": format!("{n:064x}"),
        "command": format!("rm -rf ~/notes{n}"),
        "command_sha256": sha256_hex(format!("rm -rf ~/notes{n}").as_bytes()),
        "host": "h", "user": "u", "cwd": "/w",
        "rules": [{"rule": "fs.delete-protected", "decision": "confirm", "reason": "x"}],
    });
    let (code, head, body) = http(
        &svc.addr,
        "POST",
        "/api/requests",
        &[("Content-Type", "application/json")],
        Some(ask.to_string().as_bytes()),
    );
    (code, head, body)
}

#[test]
fn a_flood_of_requests_is_refused_past_the_rate_and_the_pending_cap() {
    let sb = Sandbox::new();
    let key = public_key(&sb, &[]);
    let token = add_approver(&sb, "hana", &[]);
    std::fs::write(
        sb.state().join("serve/serve.toml"),
        "requests_per_minute = 5\nmax_pending = 100\n",
    )
    .expect("serve.toml");
    let svc = Service::start(&sb, &[]);
    for n in 1..=5 {
        assert_eq!(post_request(&svc, n).0, 201, "request {n}");
    }
    let (code, head, body) = post_request(&svc, 6);
    assert_eq!(code, 429, "{body}");
    let wait: u64 = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("retry-after:")
                .map(|v| v.trim().to_string())
        })
        .and_then(|v| v.parse().ok())
        .expect("a Retry-After header");
    assert!((1..=12).contains(&wait), "{head}");
    drop(svc);

    // The cap on waiting requests, with a generous rate.
    std::fs::write(
        sb.state().join("serve/serve.toml"),
        "requests_per_minute = 1000\nmax_pending = 7\n",
    )
    .expect("serve.toml");
    let svc = Service::start(&sb, &[]);
    // Five wait from before; two more fit.
    assert_eq!(post_request(&svc, 7).0, 201);
    assert_eq!(post_request(&svc, 8).0, 201);
    let (code, _, body) = post_request(&svc, 9);
    assert_eq!(code, 503, "{body}");
    assert!(body.contains("7 requests are waiting"), "{body}");
    // A guard's request is refused too, so its command does not run, and it says why.
    sb.approvals(&svc.url(), &key, 5);
    sb.make_data();
    let out = wait_output(sb.agent(CONFIRM_CMD), Duration::from_secs(30));
    assert_ne!(out.status.code(), Some(0));
    assert!(sb.data().join("rows.csv").exists());
    assert!(
        text(&out.stderr).contains("requests are waiting"),
        "{}",
        text(&out.stderr)
    );
    // Answering one makes room again.
    let id = svc.wait_pending(&token);
    assert_eq!(svc.decide(&token, &id, "action=deny").0, 200);
    assert_eq!(post_request(&svc, 10).0, 201);
}
