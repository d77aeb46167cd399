//! Audit into the fleet's pipeline, end to end: the real binary's doors (hooks, the
//! agent shell) decide, and copies of their logged decisions reach real collectors
//! started here on 127.0.0.1: an OTLP/HTTP endpoint that parses the POST and checks
//! the JSON field by field, and syslog receivers over UDP and TCP that parse RFC 5424.
//! A collector that never answers or is not there never changes a decision nor holds
//! it up beyond the bound; lost records are counted and `interlock doctor` shows them.

use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[path = "support/tls.rs"]
mod tls;
use tls::{authority, server_tls, Authority};

const BIN: &str = env!("CARGO_BIN_EXE_interlock");
/// A command every door denies (judged only: the hook never runs it).
const DENY: &str = "rm -rf ~";
/// A command that needs a confirm.
const CONFIRM: &str = "git push --force origin main";
/// How long a test waits for a record that should come.
const WAIT: Duration = Duration::from_secs(10);

/// A scratch HOME with `project/`, a state directory and a user config file.
struct Sandbox {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

impl Sandbox {
    fn new(config: &str) -> Sandbox {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().canonicalize().expect("canonical");
        for d in ["home/project", "state", "bin"] {
            std::fs::create_dir_all(root.join(d)).expect("mkdir");
        }
        std::os::unix::fs::symlink(BIN, root.join("bin/interlock-bash")).expect("link");
        let sb = Sandbox { _dir: dir, root };
        sb.config(config);
        sb
    }

    fn config(&self, text: &str) {
        std::fs::write(self.root.join("config.toml"), text).expect("config");
    }

    fn project(&self) -> PathBuf {
        self.root.join("home/project")
    }

    fn command(&self, program: &Path) -> Command {
        let mut c = Command::new(program);
        c.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.root.join("home"))
            .env("LANG", "C")
            .env("INTERLOCK_STATE_DIR", self.root.join("state"))
            .env("INTERLOCK_CONFIG", self.root.join("config.toml"))
            .env("INTERLOCK_SYSTEM_CONFIG", self.root.join("no-system.toml"))
            .current_dir(self.project())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        c
    }

    /// Claude Code's PreToolUse hook for a Bash command; the answer and the time taken.
    fn hook(&self, command: &str) -> (Output, Duration) {
        let input = json!({
            "session_id": "s1",
            "cwd": self.project(),
            "hook_event_name": "PreToolUse",
            "tool_name": "Bash",
            "tool_input": {"command": command},
        });
        let mut c = self.command(Path::new(BIN));
        c.args(["hook", "claude"]);
        let start = Instant::now();
        let mut child = c.spawn().expect("spawn");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.to_string().as_bytes())
            .expect("write");
        let out = child.wait_with_output().expect("wait");
        (out, start.elapsed())
    }

    fn run(&self, program: &Path, args: &[&str]) -> Output {
        let mut c = self.command(program);
        c.args(args).stdin(Stdio::null());
        c.output().expect("run")
    }

    /// `ship.json`: per collector, sent and lost.
    fn counts(&self) -> Value {
        let p = self.root.join("state/ship.json");
        std::fs::read(&p)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or(Value::Null)
    }

    /// The local log's last entry.
    fn last_logged(&self) -> Value {
        let text = std::fs::read_to_string(self.root.join("state/audit.jsonl")).expect("audit log");
        serde_json::from_str(text.lines().last().expect("an entry")).expect("entry")
    }
}

/// The permission decision of a Claude hook answer (`allow`: an empty answer).
fn claude_decision(out: &Output) -> String {
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    if out.stdout.is_empty() {
        return "allow".into();
    }
    let v: Value = serde_json::from_slice(&out.stdout).expect("hook answer is JSON");
    v.pointer("/hookSpecificOutput/permissionDecision")
        .and_then(Value::as_str)
        .unwrap_or("no decision")
        .to_string()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .expect("hostname")
        .trim()
        .to_string()
}

fn is_digest(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

// ---------------------------------------------------------------------------------
// Collectors

/// One HTTP request as the OTLP endpoint received it.
struct Posted {
    request_line: String,
    headers: BTreeMap<String, String>,
    body: Value,
}

/// A stream a collector reads and answers: plain TCP or TLS.
trait Stream: Read + Write {}
impl<T: Read + Write> Stream for T {}

/// An accepted connection, behind TLS when the collector has a server config.
fn accepted(s: TcpStream, tls: Option<&Arc<rustls::ServerConfig>>) -> Box<dyn Stream> {
    let _ = s.set_read_timeout(Some(WAIT));
    match tls {
        None => Box::new(s),
        Some(cfg) => {
            let conn = rustls::ServerConnection::new(Arc::clone(cfg)).expect("server connection");
            Box::new(rustls::StreamOwned::new(conn, s))
        }
    }
}

/// An OTLP/HTTP endpoint: parses each POST, answers 200 with an empty
/// ExportLogsServiceResponse.
fn otlp_collector() -> (u16, Receiver<Posted>) {
    otlp_collector_on(None)
}

/// The OTLP endpoint, over TLS with `tls` (an `https://` collector).
fn otlp_collector_on(tls: Option<Arc<rustls::ServerConfig>>) -> (u16, Receiver<Posted>) {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for s in l.incoming() {
            let Ok(s) = s else { continue };
            let mut s = accepted(s, tls.as_ref());
            let mut got = Vec::new();
            let mut buf = [0u8; 4096];
            let head_end = loop {
                if let Some(i) = got.windows(4).position(|w| w == b"\r\n\r\n") {
                    break Some(i);
                }
                match s.read(&mut buf) {
                    Ok(0) | Err(_) => break None,
                    Ok(n) => got.extend_from_slice(&buf[..n]),
                }
            };
            let Some(head_end) = head_end else { continue };
            let head = text(&got[..head_end]);
            let mut lines = head.split("\r\n");
            let request_line = lines.next().unwrap_or("").to_string();
            let headers: BTreeMap<String, String> = lines
                .filter_map(|l| l.split_once(':'))
                .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
                .collect();
            let len: usize = headers
                .get("content-length")
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            let mut body = got[head_end + 4..].to_vec();
            while body.len() < len {
                match s.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => body.extend_from_slice(&buf[..n]),
                }
            }
            let _ = s.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}",
            );
            let _ = s.flush();
            let body = serde_json::from_slice(&body).unwrap_or(Value::Null);
            let _ = tx.send(Posted {
                request_line,
                headers,
                body,
            });
        }
    });
    (port, rx)
}

fn udp_collector() -> (u16, UdpSocket) {
    let s = UdpSocket::bind("127.0.0.1:0").expect("bind");
    s.set_read_timeout(Some(WAIT)).expect("timeout");
    (s.local_addr().expect("addr").port(), s)
}

fn udp_message(s: &UdpSocket) -> String {
    let mut buf = vec![0u8; 65536];
    let (n, _) = s.recv_from(&mut buf).expect("a syslog datagram");
    text(&buf[..n])
}

/// A TCP syslog receiver: the bytes of each connection, read to its end.
fn tcp_collector() -> (u16, Receiver<Vec<u8>>) {
    tcp_collector_on(None)
}

/// The TCP receiver, over TLS with `tls` (RFC 5425); a connection whose handshake
/// fails delivers nothing.
fn tcp_collector_on(tls: Option<Arc<rustls::ServerConfig>>) -> (u16, Receiver<Vec<u8>>) {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for s in l.incoming() {
            let Ok(s) = s else { continue };
            let mut s = accepted(s, tls.as_ref());
            let mut all = Vec::new();
            let _ = s.read_to_end(&mut all);
            if !all.is_empty() {
                let _ = tx.send(all);
            }
        }
    });
    (port, rx)
}

/// Accepts connections and never reads nor answers (kept open for a minute).
fn silent_collector() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        let mut held: Vec<TcpStream> = Vec::new();
        for s in l.incoming().flatten() {
            held.push(s);
        }
    });
    port
}

/// A port nothing listens on.
fn dead_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

/// An RFC 5424 message, split into its parts.
#[derive(Debug)]
struct Syslog {
    pri: u32,
    version: String,
    timestamp: String,
    host: String,
    app: String,
    procid: String,
    msgid: String,
    sd_id: String,
    params: BTreeMap<String, String>,
    msg: String,
}

/// Parse `<PRI>1 TS HOST APP PROCID MSGID [ID k="v" …] MSG` (one SD element, with
/// `\"`, `\\` and `\]` escapes in values).
fn parse_5424(m: &str) -> Syslog {
    let rest = m.strip_prefix('<').expect("<PRI>");
    let (pri, rest) = rest.split_once('>').expect("PRI>");
    let mut head = rest.splitn(7, ' ');
    let mut next = || head.next().expect("header field").to_string();
    let (version, timestamp, host, app, procid, msgid) =
        (next(), next(), next(), next(), next(), next());
    let sd = next();
    let sd = sd.strip_prefix('[').expect("structured data");
    let (sd_id, mut body) = sd.split_once(' ').expect("SD-ID");
    let mut params = BTreeMap::new();
    loop {
        if let Some(after) = body.strip_prefix(']') {
            body = after;
            break;
        }
        let (name, after) = body.split_once("=\"").expect("PARAM-NAME=\"");
        let mut value = String::new();
        let mut chars = after.char_indices();
        let end = loop {
            match chars.next().expect("closing quote") {
                (_, '\\') => value.push(chars.next().expect("escaped").1),
                (i, '"') => break i,
                (_, c) => value.push(c),
            }
        };
        params.insert(name.trim().to_string(), value);
        body = after[end + 1..].trim_start_matches(' ');
    }
    Syslog {
        pri: pri.parse().expect("PRI number"),
        version,
        timestamp,
        host,
        app,
        procid,
        msgid,
        sd_id: sd_id.to_string(),
        params,
        msg: body.strip_prefix(' ').unwrap_or(body).to_string(),
    }
}

fn assert_header(s: &Syslog) {
    assert_eq!(s.version, "1");
    let t = s.timestamp.as_bytes();
    assert!(
        t.len() == 20 && t[4] == b'-' && t[10] == b'T' && t[19] == b'Z',
        "RFC 3339 UTC timestamp: {}",
        s.timestamp
    );
    assert_eq!(s.host, host_name());
    assert_eq!(s.app, "interlock");
    assert!(s.procid.parse::<u32>().is_ok(), "PROCID {}", s.procid);
    assert_eq!(s.msgid, "decision");
    assert_eq!(s.sd_id, "interlock@32473");
}

/// An OTLP attribute list as a map of string values.
fn attrs(list: &Value) -> BTreeMap<String, String> {
    list.as_array()
        .expect("attributes")
        .iter()
        .map(|a| {
            (
                a["key"].as_str().expect("key").to_string(),
                a["value"]["stringValue"]
                    .as_str()
                    .expect("stringValue")
                    .to_string(),
            )
        })
        .collect()
}

// ---------------------------------------------------------------------------------
// Records arrive with their fields

#[test]
fn otlp_records_of_a_hook_decision_carry_every_field() {
    let (port, rx) = otlp_collector();
    let sb = Sandbox::new(&format!(
        "[settings.ship]\notlp_endpoint = \"http://127.0.0.1:{port}\"\n"
    ));
    let (out, _) = sb.hook(DENY);
    assert_eq!(claude_decision(&out), "deny");
    let posted = rx.recv_timeout(WAIT).expect("an OTLP request");
    assert_eq!(posted.request_line, "POST /v1/logs HTTP/1.1");
    assert_eq!(posted.headers["content-type"], "application/json");
    assert_eq!(posted.headers["host"], format!("127.0.0.1:{port}"));
    let rl = &posted.body["resourceLogs"][0];
    let resource = attrs(&rl["resource"]["attributes"]);
    assert_eq!(resource["service.name"], "interlock");
    assert_eq!(resource["host.name"], host_name());
    assert_eq!(rl["scopeLogs"][0]["scope"]["name"], "interlock");
    let records = rl["scopeLogs"][0]["logRecords"]
        .as_array()
        .expect("records");
    assert_eq!(records.len(), 1);
    let r = &records[0];
    // 64-bit integers are decimal strings in OTLP JSON; enums are numbers.
    let nanos: u128 = r["timeUnixNano"]
        .as_str()
        .expect("timeUnixNano is a string")
        .parse()
        .expect("digits");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_nanos();
    assert!(
        now.abs_diff(nanos) < 120 * 1_000_000_000,
        "{nanos} vs {now}"
    );
    assert!(r["observedTimeUnixNano"].is_string());
    assert_eq!(r["severityNumber"], json!(17));
    assert_eq!(r["severityText"], "ERROR");
    assert!(r["body"]["stringValue"]
        .as_str()
        .expect("body")
        .contains(DENY));
    let a = attrs(&r["attributes"]);
    let logged = sb.last_logged();
    assert_eq!(a["interlock.door"], "hook");
    assert_eq!(a["interlock.agent"], "claude");
    assert_eq!(a["interlock.cwd"], sb.project().to_string_lossy());
    assert_eq!(a["interlock.command"], DENY);
    assert_eq!(a["interlock.decision"], "deny");
    assert_eq!(a["interlock.outcome"], "denied");
    assert_eq!(a["interlock.approver"], "");
    let rules: Vec<&str> = logged["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(!rules.is_empty());
    assert_eq!(a["interlock.rules"], rules.join(","));
    assert_eq!(a["interlock.time"], logged["time"].as_str().expect("time"));
    assert_eq!(
        a["interlock.entry_hash"],
        logged["hash"].as_str().expect("hash")
    );
    assert!(is_digest(&a["interlock.policy_digest"]));
    assert!(!a["user.name"].is_empty());
    assert_eq!(
        sb.counts()[format!("otlp http://127.0.0.1:{port}")]["sent"],
        1
    );
    assert_eq!(
        sb.counts()[format!("otlp http://127.0.0.1:{port}")]["lost"],
        0
    );
}

#[test]
fn syslog_over_udp_is_rfc5424_with_the_fields_as_structured_data() {
    let (port, sock) = udp_collector();
    let sb = Sandbox::new(&format!(
        "[settings.ship]\nsyslog = \"udp://127.0.0.1:{port}\"\n"
    ));
    let (out, _) = sb.hook(CONFIRM);
    assert_eq!(claude_decision(&out), "ask");
    let s = parse_5424(&udp_message(&sock));
    assert_header(&s);
    // Facility user (1), severity notice (5) for a confirm.
    assert_eq!(s.pri, 13);
    let p = &s.params;
    assert_eq!(p["door"], "hook");
    assert_eq!(p["agent"], "claude");
    assert_eq!(p["command"], CONFIRM);
    assert_eq!(p["decision"], "confirm");
    assert_eq!(p["outcome"], "asked");
    assert_eq!(p["cwd"], sb.project().to_string_lossy());
    assert!(!p["rules"].is_empty() && !p["user"].is_empty());
    assert_eq!(
        p["entry_hash"],
        sb.last_logged()["hash"].as_str().expect("hash")
    );
    assert!(is_digest(&p["policy_digest"]));
    assert!(s.msg.starts_with("confirm (asked): "), "{}", s.msg);
    assert!(s.msg.ends_with(CONFIRM));

    // A deny is a warning (4); the same policy gives the same digest.
    let digest = p["policy_digest"].clone();
    let (out, _) = sb.hook(DENY);
    assert_eq!(claude_decision(&out), "deny");
    let s = parse_5424(&udp_message(&sock));
    assert_eq!(s.pri, 12);
    assert_eq!(s.params["policy_digest"], digest);

    // Another policy, another digest.
    sb.config(&format!(
        "[settings.ship]\nsyslog = \"udp://127.0.0.1:{port}\"\n\n[[rule]]\nid = \"site.no-frobnicate\"\ndecision = \"deny\"\nreason = \"frobnicate wipes the cache server\"\n[[rule.match]]\nprogram = [\"frobnicate\"]\n"
    ));
    let (out, _) = sb.hook("frobnicate --all");
    assert_eq!(claude_decision(&out), "deny");
    let s = parse_5424(&udp_message(&sock));
    assert_eq!(s.params["rules"], "site.no-frobnicate");
    assert_ne!(s.params["policy_digest"], digest);
}

#[test]
fn syslog_over_tcp_is_octet_counted_and_agent_shell_decisions_ship_too() {
    let (port, rx) = tcp_collector();
    let sb = Sandbox::new(&format!(
        "[settings]\nlog_all = true\n\n[settings.ship]\nsyslog = \"tcp://127.0.0.1:{port}\"\n"
    ));
    let out = sb.run(&sb.root.join("bin/interlock-bash"), &["-c", "echo shipped"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "shipped\n");
    let bytes = rx.recv_timeout(WAIT).expect("a TCP connection");
    let all = text(&bytes);
    // RFC 6587 octet counting: `MSG-LEN SP SYSLOG-MSG`, the length in bytes.
    let (len, msg) = all.split_once(' ').expect("MSG-LEN SP");
    assert_eq!(len.parse::<usize>().expect("MSG-LEN"), msg.len());
    let s = parse_5424(msg);
    assert_header(&s);
    assert_eq!(s.pri, 14);
    assert_eq!(s.params["door"], "shell");
    assert_eq!(s.params["command"], "echo shipped");
    assert_eq!(s.params["decision"], "allow");
    assert_eq!(s.params["outcome"], "ran");
    assert_eq!(s.params["rules"], "");
}

#[test]
fn secrets_are_shipped_redacted() {
    let secret = "sk-live-4f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c";
    let command = format!(
        "curl -X DELETE -H 'Authorization: Bearer {secret}' https://api.example.com/v1/items/7"
    );
    let (oport, orx) = otlp_collector();
    let (uport, sock) = udp_collector();
    let sb = Sandbox::new(&format!(
        "[settings]\nlog_all = true\n\n[settings.ship]\notlp_endpoint = \"http://127.0.0.1:{oport}\"\nsyslog = \"udp://127.0.0.1:{uport}\"\n"
    ));
    let _ = sb.hook(&command);
    let posted = orx.recv_timeout(WAIT).expect("an OTLP request");
    let body = posted.body.to_string();
    let datagram = udp_message(&sock);
    for (what, shipped) in [("otlp", &body), ("syslog", &datagram)] {
        assert!(
            !shipped.contains(secret),
            "{what} carries the secret: {shipped}"
        );
        assert!(!shipped.contains("4f9a8b7c6d5e"), "{what}: {shipped}");
        assert!(shipped.contains("curl -X DELETE"), "{what}: {shipped}");
        assert!(shipped.contains("api.example.com"), "{what}: {shipped}");
    }
    let a = attrs(&posted.body["resourceLogs"][0]["scopeLogs"][0]["logRecords"][0]["attributes"]);
    assert_eq!(
        a["interlock.command"],
        sb.last_logged()["command"].as_str().expect("command")
    );
}

// ---------------------------------------------------------------------------------
// A slow or dead collector changes nothing but the counts

#[test]
fn a_collector_that_never_answers_holds_a_decision_only_for_the_bound() {
    let port = silent_collector();
    let sb = Sandbox::new("");
    let (plain, _) = sb.hook(DENY);
    sb.config(&format!(
        "[settings.ship]\notlp_endpoint = \"http://127.0.0.1:{port}\"\nsyslog = \"tcp://127.0.0.1:{port}\"\ntimeout_ms = 200\n"
    ));
    let (out, elapsed) = sb.hook(DENY);
    assert_eq!(out.status.code(), plain.status.code());
    assert_eq!(claude_decision(&out), "deny");
    assert_eq!(claude_decision(&plain), "deny");
    // Bound 200 ms; generous against a loaded machine, far below a hung collector.
    assert!(elapsed < Duration::from_secs(5), "took {elapsed:?}");
    let counts = sb.counts();
    let otlp = &counts[format!("otlp http://127.0.0.1:{port}")];
    assert_eq!(
        (otlp["sent"].as_u64(), otlp["lost"].as_u64()),
        (Some(0), Some(1))
    );
    assert!(otlp["last_error"].is_string());
    // TCP syslog has no acknowledgement: written into the connection is sent.
    assert_eq!(counts[format!("syslog tcp://127.0.0.1:{port}")]["sent"], 1);
}

#[test]
fn a_dead_collector_is_counted_lost_and_doctor_reports_it() {
    let port = dead_port();
    let sb = Sandbox::new(&format!(
        "[settings.ship]\notlp_endpoint = \"http://127.0.0.1:{port}\"\nsyslog = \"tcp://127.0.0.1:{port}\"\ntimeout_ms = 300\n"
    ));
    for _ in 0..2 {
        let (out, elapsed) = sb.hook(DENY);
        assert_eq!(claude_decision(&out), "deny");
        assert!(elapsed < Duration::from_secs(5), "took {elapsed:?}");
    }
    let (out, _) = sb.hook("git status");
    assert_eq!(claude_decision(&out), "allow");
    let counts = sb.counts();
    for key in [
        format!("otlp http://127.0.0.1:{port}"),
        format!("syslog tcp://127.0.0.1:{port}"),
    ] {
        assert_eq!(counts[&key]["lost"], 2, "{key}: {counts}");
        assert_eq!(counts[&key]["sent"], 0, "{key}: {counts}");
        assert!(counts[&key]["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("cannot connect")));
    }
    let doctor = sb.run(Path::new(BIN), &["doctor"]);
    let report = text(&doctor.stdout);
    assert!(report.contains("Shipping"), "{report}");
    assert!(report.contains("at most 300 ms"), "{report}");
    assert!(
        report.contains(&format!(
            "WARN  otlp http://127.0.0.1:{port}: 0 sent, 2 lost"
        )),
        "{report}"
    );
    assert!(
        report.contains(&format!(
            "WARN  syslog tcp://127.0.0.1:{port}: 0 sent, 2 lost"
        )),
        "{report}"
    );
    assert!(report.contains("last error"), "{report}");
}

#[test]
fn unusable_addresses_are_reported_and_never_stop_a_decision() {
    let sb = Sandbox::new(
        "[settings.ship]\notlp_endpoint = \"grpc://127.0.0.1:4317\"\nsyslog = \"relp://127.0.0.1:2514\"\n",
    );
    let (out, _) = sb.hook(DENY);
    assert_eq!(claude_decision(&out), "deny");
    let (out, _) = sb.hook(CONFIRM);
    assert_eq!(claude_decision(&out), "ask");
    let counts = sb.counts();
    assert_eq!(counts["otlp grpc://127.0.0.1:4317"]["lost"], 2);
    assert_eq!(counts["syslog relp://127.0.0.1:2514"]["lost"], 2);
    let report = text(&sb.run(Path::new(BIN), &["doctor"]).stdout);
    assert!(
        report.contains("FAIL  otlp grpc://127.0.0.1:4317: 0 sent, 2 lost"),
        "{report}"
    );
    assert!(
        report.contains("must start with http:// or https://"),
        "{report}"
    );
    assert!(
        report.contains("must start with udp://, tcp:// or tls://"),
        "{report}"
    );
    let none = Sandbox::new("");
    let report = text(&none.run(Path::new(BIN), &["doctor"]).stdout);
    assert!(report.contains("Shipping"), "{report}");
    assert!(report.contains("not configured"), "{report}");
}

#[test]
fn the_project_file_can_neither_ship_nor_stop_shipping() {
    let (port, sock) = udp_collector();
    // The agent can write the project file: shipping set there is ignored …
    let sb = Sandbox::new("");
    std::fs::write(
        sb.project().join(".interlock.toml"),
        format!("[settings.ship]\nsyslog = \"udp://127.0.0.1:{port}\"\n"),
    )
    .expect("project file");
    let (out, _) = sb.hook(DENY);
    assert_eq!(claude_decision(&out), "deny");
    assert!(text(&out.stderr).contains("a project file cannot change settings"));
    sock.set_read_timeout(Some(Duration::from_millis(700)))
        .expect("timeout");
    let mut buf = [0u8; 65536];
    assert!(
        sock.recv_from(&mut buf).is_err(),
        "shipped from the project file"
    );
    assert_eq!(sb.counts(), Value::Null);
    // … and so is switching off what the user set.
    sock.set_read_timeout(Some(WAIT)).expect("timeout");
    sb.config(&format!(
        "[settings.ship]\nsyslog = \"udp://127.0.0.1:{port}\"\n"
    ));
    std::fs::write(
        sb.project().join(".interlock.toml"),
        "[settings.ship]\nsyslog = \"\"\n",
    )
    .expect("project file");
    let (out, _) = sb.hook(DENY);
    assert_eq!(claude_decision(&out), "deny");
    let s = parse_5424(&udp_message(&sock));
    assert_eq!(s.params["decision"], "deny");
}

// ---------------------------------------------------------------------------------
// The policy digest, in the local log and every shipped record

/// What `interlock policy digest` prints in the sandbox.
fn policy_digest(sb: &Sandbox) -> String {
    let out = sb.run(Path::new(BIN), &["policy", "digest"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let d = text(&out.stdout).trim().to_string();
    assert!(is_digest(&d), "{d}");
    d
}

#[test]
fn every_record_carries_the_digest_interlock_policy_digest_prints() {
    let (oport, orx) = otlp_collector();
    let (uport, sock) = udp_collector();
    let ship = format!(
        "[settings]\nlog_all = true\n\n[settings.ship]\notlp_endpoint = \"http://127.0.0.1:{oport}\"\nsyslog = \"udp://127.0.0.1:{uport}\"\n"
    );
    let sb = Sandbox::new(&ship);
    let digest = policy_digest(&sb);
    // The agent shell (an allow, logged with log_all) and a hook (a deny).
    let out = sb.run(&sb.root.join("bin/interlock-bash"), &["-c", "echo digest"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let logged = sb.last_logged();
    assert_eq!(logged["source"], "shell");
    assert_eq!(logged["policy_digest"], digest.as_str());
    let posted = orx.recv_timeout(WAIT).expect("an OTLP request");
    let a = attrs(&posted.body["resourceLogs"][0]["scopeLogs"][0]["logRecords"][0]["attributes"]);
    assert_eq!(a["interlock.policy_digest"], digest);
    assert_eq!(a["interlock.command"], "echo digest");
    let s = parse_5424(&udp_message(&sock));
    assert_eq!(s.params["policy_digest"], digest);
    assert_eq!(s.params["command"], "echo digest");

    let (out, _) = sb.hook(DENY);
    assert_eq!(claude_decision(&out), "deny");
    let logged = sb.last_logged();
    assert_eq!(logged["source"], "hook:claude");
    assert_eq!(logged["policy_digest"], digest.as_str());
    let posted = orx.recv_timeout(WAIT).expect("an OTLP request");
    let a = attrs(&posted.body["resourceLogs"][0]["scopeLogs"][0]["logRecords"][0]["attributes"]);
    assert_eq!(a["interlock.policy_digest"], digest);
    assert_eq!(
        parse_5424(&udp_message(&sock)).params["policy_digest"],
        digest
    );

    // A rule of the user's own: another policy, and its digest in the records.
    sb.config(&format!(
        "{ship}\n[[rule]]\nid = \"site.no-frobnicate\"\ndecision = \"deny\"\nreason = \"frobnicate wipes the cache server\"\n[[rule.match]]\nprogram = [\"frobnicate\"]\n"
    ));
    let other = policy_digest(&sb);
    assert_ne!(other, digest);
    let (out, _) = sb.hook("frobnicate --all");
    assert_eq!(claude_decision(&out), "deny");
    assert_eq!(sb.last_logged()["policy_digest"], other.as_str());
    let s = parse_5424(&udp_message(&sock));
    assert_eq!(s.params["rules"], "site.no-frobnicate");
    assert_eq!(s.params["policy_digest"], other);
    // The chain holds across entries of both policies.
    let v = sb.run(Path::new(BIN), &["log", "verify"]);
    assert_eq!(v.status.code(), Some(0), "{}", text(&v.stdout));
    assert!(text(&v.stdout).contains("intact: 3 entries"));
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn entries_written_before_the_digest_was_recorded_still_verify() {
    let sb = Sandbox::new("");
    // An entry as earlier versions wrote it: no `policy_digest` field.
    let genesis = "0".repeat(64);
    let mut old = json!({
        "time": "2026-01-31T09:12:44Z",
        "ts": 1_769_850_764u64,
        "source": "hook:claude",
        "cwd": "/home/dev/project",
        "command": "rm -rf ~",
        "decision": "deny",
        "rules": ["fs.delete-home"],
        "outcome": "denied",
        "pid": 4242,
        "prev": genesis,
        "hash": "",
    });
    let blank = serde_json::to_string(&old).expect("json");
    let hash = sha256_hex(format!("{genesis}\n{blank}").as_bytes());
    old["hash"] = json!(hash);
    let state = sb.root.join("state");
    std::fs::write(state.join("audit.jsonl"), format!("{old}\n")).expect("log");
    std::fs::write(
        state.join("audit.head"),
        json!({"count": 1, "hash": hash}).to_string(),
    )
    .expect("head");
    let v = sb.run(Path::new(BIN), &["log", "verify"]);
    assert_eq!(v.status.code(), Some(0), "{}", text(&v.stdout));
    // A new entry (with the digest) chains onto the old one; both verify.
    let (out, _) = sb.hook(DENY);
    assert_eq!(claude_decision(&out), "deny");
    let logged = sb.last_logged();
    assert_eq!(logged["prev"], hash.as_str());
    assert_eq!(logged["policy_digest"], policy_digest(&sb).as_str());
    let v = sb.run(Path::new(BIN), &["log", "verify"]);
    assert_eq!(v.status.code(), Some(0), "{}", text(&v.stdout));
    assert!(text(&v.stdout).contains("intact: 2 entries"));
    // Claiming another policy for the new entry is an edit.
    let log = std::fs::read_to_string(state.join("audit.jsonl")).expect("log");
    let digest = logged["policy_digest"].as_str().expect("digest");
    std::fs::write(
        state.join("audit.jsonl"),
        log.replace(digest, &"e".repeat(64)),
    )
    .expect("edit");
    let v = sb.run(Path::new(BIN), &["log", "verify"]);
    assert_eq!(v.status.code(), Some(1), "{}", text(&v.stdout));
    assert!(text(&v.stdout).contains("line 2: its content does not match its hash"));
}

// ---------------------------------------------------------------------------------
// TLS: `https://` OTLP and `tls://` syslog (RFC 5425) to collectors on 127.0.0.1 with
// certificates from a CA made here

impl Sandbox {
    /// Write `ca`'s certificate as a PEM file; its path.
    fn ca_file(&self, ca: &Authority, name: &str) -> String {
        let p = self.root.join(name);
        std::fs::write(&p, &ca.pem).expect("CA file");
        p.to_string_lossy().into_owned()
    }
}

#[test]
fn records_arrive_over_tls_with_their_fields() {
    let ca = authority("Interlock test CA");
    let tls = server_tls(&ca, &["127.0.0.1", "localhost"]);
    let (sport, srx) = tcp_collector_on(Some(Arc::clone(&tls)));
    let (oport, orx) = otlp_collector_on(Some(tls));
    let sb = Sandbox::new("");
    let ca_file = sb.ca_file(&ca, "collector-ca.pem");
    // The syslog collector by address, the OTLP one by name: both checked.
    sb.config(&format!(
        "[settings.ship]\nsyslog = \"tls://127.0.0.1:{sport}\"\notlp_endpoint = \"https://localhost:{oport}\"\nca_file = \"{ca_file}\"\ntimeout_ms = 2000\n"
    ));
    let digest = policy_digest(&sb);
    let (out, _) = sb.hook(DENY);
    assert_eq!(claude_decision(&out), "deny");
    let logged = sb.last_logged();

    let bytes = srx.recv_timeout(WAIT).expect("a syslog message over TLS");
    let all = text(&bytes);
    let (len, msg) = all.split_once(' ').expect("MSG-LEN SP");
    assert_eq!(len.parse::<usize>().expect("MSG-LEN"), msg.len());
    let s = parse_5424(msg);
    assert_header(&s);
    assert_eq!(s.pri, 12);
    assert_eq!(s.params["door"], "hook");
    assert_eq!(s.params["agent"], "claude");
    assert_eq!(s.params["command"], DENY);
    assert_eq!(s.params["decision"], "deny");
    assert_eq!(s.params["policy_digest"], digest);
    assert_eq!(
        s.params["entry_hash"],
        logged["hash"].as_str().expect("hash")
    );

    let posted = orx.recv_timeout(WAIT).expect("an OTLP request over TLS");
    assert_eq!(posted.request_line, "POST /v1/logs HTTP/1.1");
    assert_eq!(posted.headers["host"], format!("localhost:{oport}"));
    let a = attrs(&posted.body["resourceLogs"][0]["scopeLogs"][0]["logRecords"][0]["attributes"]);
    assert_eq!(a["interlock.command"], DENY);
    assert_eq!(a["interlock.decision"], "deny");
    assert_eq!(a["interlock.policy_digest"], digest);
    assert_eq!(
        a["interlock.entry_hash"],
        logged["hash"].as_str().expect("hash")
    );

    let counts = sb.counts();
    for key in [
        format!("syslog tls://127.0.0.1:{sport}"),
        format!("otlp https://localhost:{oport}"),
    ] {
        assert_eq!(counts[&key]["sent"], 1, "{key}: {counts}");
        assert_eq!(counts[&key]["lost"], 0, "{key}: {counts}");
    }
}

#[test]
fn a_collector_with_an_untrusted_certificate_gets_nothing_and_the_loss_is_counted() {
    let ours = authority("The fleet's CA");
    let theirs = authority("Somebody else's CA");
    let sb = Sandbox::new("");
    let ca_file = sb.ca_file(&ours, "collector-ca.pem");
    // Signed by another CA; then by ours but for another name.
    for (tls, why) in [
        (
            server_tls(&theirs, &["127.0.0.1", "localhost"]),
            "UnknownIssuer",
        ),
        (
            server_tls(&ours, &["collector.internal"]),
            "not valid for name",
        ),
    ] {
        let (sport, srx) = tcp_collector_on(Some(Arc::clone(&tls)));
        let (oport, orx) = otlp_collector_on(Some(tls));
        sb.config(&format!(
            "[settings.ship]\nsyslog = \"tls://127.0.0.1:{sport}\"\notlp_endpoint = \"https://127.0.0.1:{oport}\"\nca_file = \"{ca_file}\"\ntimeout_ms = 2000\n"
        ));
        let (out, _) = sb.hook(DENY);
        assert_eq!(claude_decision(&out), "deny");
        assert!(srx.recv_timeout(Duration::from_millis(500)).is_err());
        assert!(orx.recv_timeout(Duration::from_millis(100)).is_err());
        let counts = sb.counts();
        for key in [
            format!("syslog tls://127.0.0.1:{sport}"),
            format!("otlp https://127.0.0.1:{oport}"),
        ] {
            assert_eq!(counts[&key]["sent"], 0, "{key}: {counts}");
            assert_eq!(counts[&key]["lost"], 1, "{key}: {counts}");
            let error = counts[&key]["last_error"].as_str().unwrap_or("");
            assert!(
                error.contains("TLS handshake") && error.contains(why),
                "{key}: {error}"
            );
        }
    }
    // Without the CA file the system's roots alone do not trust our CA either; a CA
    // file that is not there is said.
    let tls = server_tls(&ours, &["127.0.0.1"]);
    let (sport, srx) = tcp_collector_on(Some(tls));
    for (extra, why) in [
        ("", "UnknownIssuer"),
        (
            "ca_file = \"/nonexistent/ca.pem\"\n",
            "cannot read the CA file",
        ),
    ] {
        sb.config(&format!(
            "[settings.ship]\nsyslog = \"tls://127.0.0.1:{sport}\"\n{extra}"
        ));
        let (out, _) = sb.hook(DENY);
        assert_eq!(claude_decision(&out), "deny");
        let counts = sb.counts();
        let h = &counts[format!("syslog tls://127.0.0.1:{sport}")];
        assert!(
            h["last_error"].as_str().is_some_and(|e| e.contains(why)),
            "{why}: {h}"
        );
    }
    assert!(srx.recv_timeout(Duration::from_millis(300)).is_err());
    assert_eq!(
        sb.counts()[format!("syslog tls://127.0.0.1:{sport}")]["lost"],
        2
    );
}

#[test]
fn a_tls_collector_that_never_completes_the_handshake_holds_a_decision_only_for_the_bound() {
    let ca = authority("Interlock test CA");
    let port = silent_collector();
    let sb = Sandbox::new("");
    let ca_file = sb.ca_file(&ca, "collector-ca.pem");
    let (plain, plain_took) = sb.hook(DENY);
    sb.config(&format!(
        "[settings.ship]\nsyslog = \"tls://127.0.0.1:{port}\"\notlp_endpoint = \"https://127.0.0.1:{port}\"\nca_file = \"{ca_file}\"\ntimeout_ms = 300\n"
    ));
    let (out, took) = sb.hook(DENY);
    assert_eq!(out.status.code(), plain.status.code());
    assert_eq!(claude_decision(&out), "deny");
    // The bound is 300 ms: generous against a loaded machine, far below the minute
    // the collector holds the connection.
    assert!(
        took < plain_took + Duration::from_millis(300) + Duration::from_secs(3),
        "took {took:?} (without shipping {plain_took:?})"
    );
    let counts = sb.counts();
    for key in [
        format!("syslog tls://127.0.0.1:{port}"),
        format!("otlp https://127.0.0.1:{port}"),
    ] {
        assert_eq!(
            (counts[&key]["sent"].as_u64(), counts[&key]["lost"].as_u64()),
            (Some(0), Some(1)),
            "{key}: {counts}"
        );
    }
}

/// A collector that asks every client for a certificate signed by `clients`.
fn server_tls_requiring_clients(
    ca: &Authority,
    clients: &Authority,
    names: &[&str],
) -> Arc<rustls::ServerConfig> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
    let key = rcgen::KeyPair::generate().expect("key");
    let params =
        rcgen::CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
            .expect("params");
    let cert = params.signed_by(&key, &ca.issuer).expect("certificate");
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_slice(clients.pem.as_bytes()).expect("client CA"))
        .expect("client CA root");
    #[allow(deprecated)] // as in src/audit_log/ship/tls.rs
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
        Arc::new(roots),
        Arc::clone(&provider),
    )
    .build()
    .expect("client verifier");
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_client_cert_verifier(verifier)
        .with_single_cert(vec![cert.der().clone()], key)
        .expect("server config");
    Arc::new(config)
}

impl Sandbox {
    /// A client certificate signed by `ca`, written as PEM files; (cert, key) paths.
    fn client_cert(&self, ca: &Authority, name: &str) -> (String, String) {
        let key = rcgen::KeyPair::generate().expect("key");
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, name);
        let cert = params
            .signed_by(&key, &ca.issuer)
            .expect("client certificate");
        let c = self.root.join(format!("{name}.pem"));
        let k = self.root.join(format!("{name}.key"));
        std::fs::write(&c, cert.pem()).expect("cert file");
        std::fs::write(&k, key.serialize_pem()).expect("key file");
        (
            c.to_string_lossy().into_owned(),
            k.to_string_lossy().into_owned(),
        )
    }
}

#[test]
fn collectors_that_require_a_client_certificate_get_records_only_with_one() {
    let ca = authority("Collector CA");
    let clients = authority("Fleet clients CA");
    let strangers = authority("Someone else's clients");
    let tls = server_tls_requiring_clients(&ca, &clients, &["127.0.0.1"]);
    let (sport, srx) = tcp_collector_on(Some(Arc::clone(&tls)));
    let (oport, orx) = otlp_collector_on(Some(tls));
    let sb = Sandbox::new("");
    let ca_file = sb.ca_file(&ca, "collector-ca.pem");
    let (cert, key) = sb.client_cert(&clients, "laptop-17");
    let (bad_cert, bad_key) = sb.client_cert(&strangers, "intruder");
    let ship = |extra: &str| {
        format!(
            "[settings.ship]\nsyslog = \"tls://127.0.0.1:{sport}\"\notlp_endpoint = \"https://127.0.0.1:{oport}\"\nca_file = \"{ca_file}\"\ntimeout_ms = 2000\n{extra}"
        )
    };
    let keys = [
        format!("syslog tls://127.0.0.1:{sport}"),
        format!("otlp https://127.0.0.1:{oport}"),
    ];

    // With the fleet's client certificate: both collectors get the record.
    sb.config(&ship(&format!(
        "client_cert = \"{cert}\"\nclient_key = \"{key}\"\n"
    )));
    let (out, _) = sb.hook(DENY);
    assert_eq!(claude_decision(&out), "deny");
    let bytes = srx.recv_timeout(WAIT).expect("syslog over mutual TLS");
    assert!(text(&bytes).contains(DENY));
    let posted = orx.recv_timeout(WAIT).expect("OTLP over mutual TLS");
    assert_eq!(posted.request_line, "POST /v1/logs HTTP/1.1");
    let counts = sb.counts();
    for k in &keys {
        assert_eq!(counts[k]["sent"], 1, "{k}: {counts}");
        assert_eq!(counts[k]["lost"], 0, "{k}: {counts}");
    }

    // Without one, or with a certificate the collector does not trust: nothing
    // arrives, the loss is counted, the decision is the same.
    for extra in [
        String::new(),
        format!("client_cert = \"{bad_cert}\"\nclient_key = \"{bad_key}\"\n"),
    ] {
        sb.config(&ship(&extra));
        let (out, _) = sb.hook(DENY);
        assert_eq!(claude_decision(&out), "deny");
        assert!(srx.recv_timeout(Duration::from_millis(500)).is_err());
        assert!(orx.recv_timeout(Duration::from_millis(100)).is_err());
    }
    let counts = sb.counts();
    for k in &keys {
        assert_eq!(counts[k]["sent"], 1, "{k}: {counts}");
        assert_eq!(counts[k]["lost"], 2, "{k}: {counts}");
    }

    // A key that does not belong to the certificate, or a key without a certificate,
    // is reported, never a crash.
    sb.config(&ship(&format!(
        "client_cert = \"{cert}\"\nclient_key = \"{bad_key}\"\n"
    )));
    let (out, _) = sb.hook(DENY);
    assert_eq!(claude_decision(&out), "deny");
    let counts = sb.counts();
    let e = counts[&keys[0]]["last_error"].as_str().unwrap_or("");
    assert!(e.contains("do not go together"), "{e}");
    sb.config(&ship(&format!("client_key = \"{key}\"\n")));
    let out = sb.run(Path::new(BIN), &["doctor", "--json"]);
    let report: Value = serde_json::from_slice(&out.stdout).expect("doctor json");
    let collectors = report["shipping"]["collectors"].to_string();
    assert!(
        collectors.contains("`client_key` is set without `client_cert`"),
        "{collectors}"
    );
}

#[test]
fn otlp_headers_are_sent_and_bad_ones_are_refused() {
    let (port, rx) = otlp_collector();
    let sb = Sandbox::new("");
    sb.config(&format!(
        "[settings.ship]\notlp_endpoint = \"http://127.0.0.1:{port}\"\ntimeout_ms = 2000\n\n[settings.ship.otlp_headers]\nAuthorization = \"Bearer s3cret-token\"\nX-Scope-OrgID = \"fleet-a\"\n"
    ));
    let (out, _) = sb.hook(DENY);
    assert_eq!(claude_decision(&out), "deny");
    let posted = rx.recv_timeout(WAIT).expect("an OTLP request");
    assert_eq!(posted.headers["authorization"], "Bearer s3cret-token");
    assert_eq!(posted.headers["x-scope-orgid"], "fleet-a");
    assert_eq!(posted.headers["content-type"], "application/json");

    // A value that would add a header of its own, a name that is not a token, or a
    // header Interlock sets itself: the collector is unusable, and doctor says why.
    for (table, why) in [
        (
            "Authorization = \"Bearer x\\r\\nX-Injected: 1\"",
            "line break",
        ),
        ("\"Bad Name\" = \"x\"", "not an HTTP header name"),
        ("Content-Length = \"0\"", "set by Interlock itself"),
    ] {
        sb.config(&format!(
            "[settings.ship]\notlp_endpoint = \"http://127.0.0.1:{port}\"\n\n[settings.ship.otlp_headers]\n{table}\n"
        ));
        let (out, _) = sb.hook(DENY);
        assert_eq!(claude_decision(&out), "deny");
        assert!(
            rx.recv_timeout(Duration::from_millis(300)).is_err(),
            "{why}"
        );
        let out = sb.run(Path::new(BIN), &["doctor", "--json"]);
        let report: Value = serde_json::from_slice(&out.stdout).expect("doctor json");
        let collectors = report["shipping"]["collectors"].to_string();
        assert!(collectors.contains(why), "{why}: {collectors}");
    }
}

// ---------------------------------------------------------------------------------
// A real receiver: rsyslog

/// `rsyslogd` in the foreground on a free loopback port, writing every message it
/// parses (header fields, structured data and text, tab-separated) to a file.
struct Rsyslog {
    child: std::process::Child,
    port: u16,
    out: PathBuf,
    _dir: tempfile::TempDir,
}

impl Rsyslog {
    fn start() -> Rsyslog {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        let out = root.join("got.log");
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let conf = format!(
            r#"global(workDirectory="{root}")
module(load="imtcp")
input(type="imtcp" address="127.0.0.1" port="{port}" ruleset="got")
template(name="fields" type="string" string="%PRI%\t%HOSTNAME%\t%APP-NAME%\t%PROCID%\t%MSGID%\t%STRUCTURED-DATA%\t%msg%\n")
ruleset(name="got") {{ action(type="omfile" file="{out}" template="fields") }}
"#,
            root = root.display(),
            out = out.display()
        );
        std::fs::write(root.join("rsyslog.conf"), conf).expect("config");
        let child = Command::new("rsyslogd")
            .arg("-n")
            .arg("-f")
            .arg(root.join("rsyslog.conf"))
            .arg("-i")
            .arg(root.join("rsyslogd.pid"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("rsyslogd (apt-get install rsyslog)");
        let start = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(start.elapsed() < WAIT, "rsyslogd did not listen on {port}");
            std::thread::sleep(Duration::from_millis(20));
        }
        Rsyslog {
            child,
            port,
            out,
            _dir: dir,
        }
    }

    /// The first message rsyslog wrote whose text holds `needle`, as RFC 5424 again
    /// (rsyslog's own timestamp format is not ours, so a fixed one stands in).
    fn received(&self, needle: &str) -> Syslog {
        let start = Instant::now();
        loop {
            let text = std::fs::read_to_string(&self.out).unwrap_or_default();
            if let Some(line) = text.lines().find(|l| l.contains(needle)) {
                let f: Vec<&str> = line.splitn(7, '\t').collect();
                assert_eq!(f.len(), 7, "{line}");
                return parse_5424(&format!(
                    "<{}>1 2026-01-01T00:00:00Z {} {} {} {} {} {}",
                    f[0], f[1], f[2], f[3], f[4], f[5], f[6]
                ));
            }
            assert!(
                start.elapsed() < WAIT,
                "rsyslog wrote no message with {needle}: {text}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Rsyslog {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn a_real_rsyslog_receives_decisions_over_tcp_with_their_fields() {
    let rs = Rsyslog::start();
    let sb = Sandbox::new(&format!(
        "[settings]\nlog_all = true\n\n[settings.ship]\nsyslog = \"tcp://127.0.0.1:{}\"\n",
        rs.port
    ));
    // An agent shell allow, and a hook deny (with a quote and a bracket that the
    // structured data must escape for rsyslog to parse it).
    let out = sb.run(
        &sb.root.join("bin/interlock-bash"),
        &["-c", "echo 'to rsyslog'"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "to rsyslog\n");
    let (out, _) = sb.hook("rm -rf ~ \"]x\"");
    assert_eq!(claude_decision(&out), "deny");

    let allowed = rs.received("to rsyslog");
    assert_eq!(allowed.pri, 14);
    assert_eq!(allowed.host, host_name());
    assert_eq!(allowed.app, "interlock");
    assert!(allowed.procid.parse::<u32>().is_ok(), "{}", allowed.procid);
    assert_eq!(allowed.msgid, "decision");
    assert_eq!(allowed.sd_id, "interlock@32473");
    assert_eq!(allowed.params["door"], "shell");
    assert_eq!(allowed.params["command"], "echo 'to rsyslog'");
    assert_eq!(allowed.params["decision"], "allow");
    assert_eq!(allowed.params["outcome"], "ran");
    assert!(
        is_digest(&allowed.params["policy_digest"]),
        "{:?}",
        allowed.params
    );

    let denied = rs.received("fs.delete");
    assert_eq!(denied.sd_id, "interlock@32473");
    assert_eq!(denied.params["door"], "hook");
    assert_eq!(denied.params["command"], "rm -rf ~ \"]x\"");
    assert_eq!(denied.params["decision"], "deny");
    assert!(
        denied.params["rules"].contains("fs.delete"),
        "{:?}",
        denied.params
    );
    // Both went out and none was lost.
    let counts = sb.counts();
    let key = format!("syslog tcp://127.0.0.1:{}", rs.port);
    assert_eq!(counts[&key]["sent"], 2, "{counts}");
    assert_eq!(counts[&key]["lost"], 0, "{counts}");
}
