//! A scripted model server on 127.0.0.1 for driving the real agent CLIs offline.
//!
//! It speaks just enough of three APIs, streaming with server-sent events: Anthropic
//! Messages (Claude Code), OpenAI Responses (Codex) and Gemini's
//! `streamGenerateContent`. Each main request (one that declares the agent's shell
//! tool) is answered from the script by how many tool results its history already
//! holds: the first request gets step 0, the request carrying one result gets step 1,
//! and so on; past the end it answers with text, which ends the agent's turn. Side
//! requests (titles, summaries, routing) get a short text. Nothing here opens a
//! connection anywhere: the agents come to it.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

/// One move of the scripted model.
#[derive(Clone, Debug)]
pub enum Step {
    /// Run this shell command with the agent's shell tool.
    Shell(String),
    /// Codex: start the command through the exec tool with a terminal (`tty: true`).
    ShellTty(String),
    /// Codex: the exec tool with its own working directory.
    ShellIn { cmd: String, workdir: String },
    /// Claude Code: hand a task to a subagent whose own script is `inner`.
    Subagent(Vec<Step>),
    /// Call the declared tool whose name is `tool` or ends with `_tool` (how each
    /// agent names an MCP server's tools: Claude Code `mcp__victim__delete_volume`,
    /// Gemini CLI `mcp_victim_delete_volume`; Codex declares `delete_volume` in the
    /// namespace `mcp__victim`) with these arguments.
    Tool { tool: String, input: Value },
}

/// The declared tool name that stands for `tool`.
fn declared<'a>(tools: &'a [String], tool: &str) -> Option<&'a str> {
    tools
        .iter()
        .find(|t| *t == tool || t.ends_with(&format!("_{tool}")))
        .map(String::as_str)
}

pub fn shell(cmd: &str) -> Step {
    Step::Shell(cmd.to_string())
}

/// Marks the prompt of a subagent so its requests play the subagent's script.
const SUBAGENT_MARK: &str = "INTERLOCK-SUBAGENT-TASK";

pub struct Server {
    pub port: u16,
    /// Every request body, in order (for debugging a failed run).
    pub log: Arc<Mutex<Vec<String>>>,
}

impl Server {
    pub fn start(script: Vec<Step>) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let port = listener.local_addr().expect("addr").port();
        let log = Arc::new(Mutex::new(Vec::new()));
        let script = Arc::new(script);
        let log2 = log.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let script = script.clone();
                let log = log2.clone();
                std::thread::spawn(move || {
                    let _ = serve(stream, &script, &log);
                });
            }
        });
        Server { port, log }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn dump(&self) -> String {
        self.log
            .lock()
            .map(|l| l.join("\n---\n"))
            .unwrap_or_default()
    }
}

struct Request {
    method: String,
    path: String,
    body: Vec<u8>,
}

fn read_request(stream: &mut BufReader<TcpStream>) -> std::io::Result<Option<Request>> {
    let mut line = String::new();
    if stream.read_line(&mut line)? == 0 {
        return Ok(None);
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or("").to_string();
    let path = parts.next().unwrap_or("").to_string();
    let mut length = 0usize;
    let mut chunked = false;
    let mut encoding = String::new();
    loop {
        let mut h = String::new();
        if stream.read_line(&mut h)? == 0 {
            break;
        }
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            let k = k.trim().to_ascii_lowercase();
            let v = v.trim();
            match k.as_str() {
                "content-length" => length = v.parse().unwrap_or(0),
                "transfer-encoding" => chunked = v.eq_ignore_ascii_case("chunked"),
                "content-encoding" => encoding = v.to_ascii_lowercase(),
                _ => {}
            }
        }
    }
    let mut body = Vec::new();
    if chunked {
        loop {
            let mut size = String::new();
            stream.read_line(&mut size)?;
            let n = usize::from_str_radix(size.trim().split(';').next().unwrap_or("0"), 16)
                .unwrap_or(0);
            let mut chunk = vec![0u8; n + 2];
            stream.read_exact(&mut chunk)?;
            if n == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..n]);
        }
    } else {
        body.resize(length, 0);
        stream.read_exact(&mut body)?;
    }
    if !encoding.is_empty() && encoding != "identity" {
        body = format!("{{\"unsupported-encoding\":\"{encoding}\"}}").into_bytes();
    }
    Ok(Some(Request { method, path, body }))
}

fn serve(stream: TcpStream, script: &[Step], log: &Mutex<Vec<String>>) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut out = stream;
    // One request per connection (the answer says `Connection: close`).
    if let Some(req) = read_request(&mut reader)? {
        let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
        if let Ok(mut l) = log.lock() {
            l.push(format!(
                "{} {} {}",
                req.method,
                req.path,
                String::from_utf8_lossy(&req.body)
            ));
        }
        let (ctype, payload) = if req.path.starts_with("/v1/messages") {
            anthropic(&req.path, &body, script)
        } else if req.path.contains("/responses") {
            openai(&body, script)
        } else if req.path.contains(":streamGenerateContent") {
            gemini_stream(&body, script)
        } else if req.path.contains(":generateContent") {
            ("application/json", gemini_plain(&body))
        } else if req.path.contains(":countTokens") {
            ("application/json", json!({"totalTokens": 10}).to_string())
        } else if req.path.contains("/models") && req.method == "GET" {
            (
                "application/json",
                json!({"data": [], "models": []}).to_string(),
            )
        } else {
            ("application/json", json!({}).to_string())
        };
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            payload.len()
        );
        out.write_all(head.as_bytes())?;
        out.write_all(payload.as_bytes())?;
        out.flush()?;
    }
    Ok(())
}

fn sse(events: &[(Option<&str>, Value)]) -> String {
    let mut s = String::new();
    for (name, data) in events {
        if let Some(n) = name {
            s.push_str(&format!("event: {n}\n"));
        }
        s.push_str(&format!("data: {data}\n\n"));
    }
    s
}

/// The text of every string in a JSON value, joined (for finding marks).
fn all_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(a) => a.iter().map(all_text).collect::<Vec<_>>().join(" "),
        Value::Object(o) => o.values().map(all_text).collect::<Vec<_>>().join(" "),
        _ => String::new(),
    }
}

// ---- Anthropic Messages (Claude Code) ----

fn anthropic(path: &str, body: &Value, script: &[Step]) -> (&'static str, String) {
    if path.contains("count_tokens") {
        return ("application/json", json!({"input_tokens": 10}).to_string());
    }
    let tools: Vec<String> = body
        .get("tools")
        .and_then(Value::as_array)
        .map(|t| {
            t.iter()
                .filter_map(|x| x.get("name").and_then(Value::as_str).map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let messages = body
        .get("messages")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let first_user = messages.first().map(all_text).unwrap_or_default();
    let results = messages
        .iter()
        .filter(|m| m.get("role").and_then(Value::as_str) == Some("user"))
        .flat_map(|m| {
            m.get("content")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
        })
        .filter(|c| c.get("type").and_then(Value::as_str) == Some("tool_result"))
        .count();
    let main = tools.iter().any(|t| t == "Bash");
    let stream = body.get("stream").and_then(Value::as_bool).unwrap_or(false);
    // Which script: the subagent's when its task mark is in the first message.
    let sub = script.iter().find_map(|s| match s {
        Step::Subagent(inner) => Some(inner.clone()),
        _ => None,
    });
    let playing: Vec<Step> = match (&sub, first_user.contains(SUBAGENT_MARK)) {
        (Some(inner), true) => inner.clone(),
        _ => script.to_vec(),
    };
    let step = if main { playing.get(results) } else { None };
    let block = match step {
        Some(Step::Shell(c) | Step::ShellTty(c)) | Some(Step::ShellIn { cmd: c, .. }) => Some((
            "Bash",
            json!({"command": c, "description": "scripted step"}),
        )),
        Some(Step::Tool { tool, input }) => {
            declared(&tools, tool).map(|name| (name, input.clone()))
        }
        Some(Step::Subagent(_)) => {
            let name = if tools.iter().any(|t| t == "Task") {
                "Task"
            } else {
                "Agent"
            };
            Some((
                name,
                json!({
                    "description": "scripted subagent",
                    "prompt": format!("{SUBAGENT_MARK}: run the scripted command"),
                    "subagent_type": "general-purpose",
                }),
            ))
        }
        None => None,
    };
    let id = format!(
        "toolu_{:02}{}",
        results,
        if first_user.contains(SUBAGENT_MARK) {
            "s"
        } else {
            "m"
        }
    );
    let model = body
        .get("model")
        .cloned()
        .unwrap_or(json!("claude-sonnet-4-5"));
    let usage = json!({"input_tokens": 10, "output_tokens": 5, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0});
    let (content, stop) = match &block {
        Some((name, input)) => (
            json!([{"type": "tool_use", "id": id, "name": name, "input": input}]),
            "tool_use",
        ),
        None => (json!([{"type": "text", "text": "done"}]), "end_turn"),
    };
    if !stream {
        let msg = json!({"id": "msg_mock", "type": "message", "role": "assistant", "model": model,
            "content": content, "stop_reason": stop, "stop_sequence": null, "usage": usage});
        return ("application/json", msg.to_string());
    }
    let mut events = vec![(
        Some("message_start"),
        json!({"type": "message_start", "message": {"id": "msg_mock", "type": "message", "role": "assistant",
            "model": model, "content": [], "stop_reason": null, "stop_sequence": null, "usage": usage}}),
    )];
    match &block {
        Some((name, input)) => {
            events.push((
                Some("content_block_start"),
                json!({"type": "content_block_start", "index": 0,
                    "content_block": {"type": "tool_use", "id": id, "name": name, "input": {}}}),
            ));
            events.push((
                Some("content_block_delta"),
                json!({"type": "content_block_delta", "index": 0,
                    "delta": {"type": "input_json_delta", "partial_json": input.to_string()}}),
            ));
        }
        None => {
            events.push((
                Some("content_block_start"),
                json!({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}),
            ));
            events.push((
                Some("content_block_delta"),
                json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "done"}}),
            ));
        }
    }
    events.push((
        Some("content_block_stop"),
        json!({"type": "content_block_stop", "index": 0}),
    ));
    events.push((
        Some("message_delta"),
        json!({"type": "message_delta", "delta": {"stop_reason": stop, "stop_sequence": null}, "usage": {"output_tokens": 5}}),
    ));
    events.push((Some("message_stop"), json!({"type": "message_stop"})));
    ("text/event-stream", sse(&events))
}

// ---- OpenAI Responses (Codex) ----

fn openai(body: &Value, script: &[Step]) -> (&'static str, String) {
    let tools: Vec<String> = body
        .get("tools")
        .and_then(Value::as_array)
        .map(|t| {
            t.iter()
                .filter_map(|x| x.get("name").and_then(Value::as_str).map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let input = body
        .get("input")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let results = input
        .iter()
        .filter(|i| {
            matches!(
                i.get("type").and_then(Value::as_str),
                Some("function_call_output" | "custom_tool_call_output")
            )
        })
        .count();
    let main = !tools.is_empty();
    let step = if main { script.get(results) } else { None };
    let call_id = format!("call_{results:02}");
    let item = match step {
        Some(s @ (Step::Shell(_) | Step::ShellTty(_) | Step::ShellIn { .. })) => {
            let (cmd, workdir, tty) = match s {
                Step::Shell(c) => (c.clone(), None, false),
                Step::ShellTty(c) => (c.clone(), None, true),
                Step::ShellIn { cmd, workdir } => (cmd.clone(), Some(workdir.clone()), false),
                Step::Subagent(_) | Step::Tool { .. } => unreachable!(),
            };
            let (name, mut args) = if tools.iter().any(|t| t == "exec_command") {
                ("exec_command", json!({"cmd": cmd}))
            } else if tools.iter().any(|t| t == "shell_command") {
                ("shell_command", json!({"command": cmd}))
            } else {
                ("shell", json!({"command": ["bash", "-lc", cmd]}))
            };
            if let Some(w) = workdir {
                args["workdir"] = json!(w);
            }
            if tty {
                args["tty"] = json!(true);
            }
            json!({"type": "function_call", "id": format!("fc_{results:02}"), "call_id": call_id,
                "name": name, "arguments": args.to_string(), "status": "completed"})
        }
        Some(Step::Tool { tool, input }) if declared(&tools, tool).is_some() => {
            let name = declared(&tools, tool).unwrap_or(tool);
            json!({"type": "function_call", "id": format!("fc_{results:02}"), "call_id": call_id,
                "name": name, "arguments": input.to_string(), "status": "completed"})
        }
        // Codex declares an MCP server's tools inside a namespace (`mcp__victim`).
        Some(Step::Tool { tool, input }) if namespace_of(body, tool).is_some() => {
            let ns = namespace_of(body, tool).unwrap_or_default();
            json!({"type": "function_call", "id": format!("fc_{results:02}"), "call_id": call_id,
                "namespace": ns, "name": tool, "arguments": input.to_string(), "status": "completed"})
        }
        _ => {
            json!({"type": "message", "id": format!("msg_{results:02}"), "role": "assistant", "status": "completed",
            "content": [{"type": "output_text", "text": "done", "annotations": []}]})
        }
    };
    let resp_id = format!("resp_{results:02}");
    let events = vec![
        (
            Some("response.created"),
            json!({"type": "response.created", "response": {"id": resp_id, "object": "response", "status": "in_progress", "output": []}}),
        ),
        (
            Some("response.output_item.added"),
            json!({"type": "response.output_item.added", "output_index": 0, "item": item}),
        ),
        (
            Some("response.output_item.done"),
            json!({"type": "response.output_item.done", "output_index": 0, "item": item}),
        ),
        (
            Some("response.completed"),
            json!({"type": "response.completed", "response": {"id": resp_id, "object": "response", "status": "completed",
                "output": [item],
                "usage": {"input_tokens": 10, "input_tokens_details": {"cached_tokens": 0}, "output_tokens": 5,
                    "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": 15}}}),
        ),
    ];
    ("text/event-stream", sse(&events))
}

/// The namespace tool of a Responses request that declares `tool`.
fn namespace_of(body: &Value, tool: &str) -> Option<String> {
    body.get("tools")?
        .as_array()?
        .iter()
        .filter(|t| t.get("type").and_then(Value::as_str) == Some("namespace"))
        .find(|t| {
            t.get("tools")
                .and_then(Value::as_array)
                .is_some_and(|inner| {
                    inner
                        .iter()
                        .any(|f| f.get("name").and_then(Value::as_str) == Some(tool))
                })
        })
        .and_then(|t| t.get("name").and_then(Value::as_str).map(str::to_string))
}

// ---- Gemini ----

fn gemini_results(body: &Value) -> (bool, usize) {
    let tools = all_text(body.get("tools").unwrap_or(&Value::Null));
    let main = tools.contains("run_shell_command");
    let results = body
        .get("contents")
        .and_then(Value::as_array)
        .map(|c| {
            c.iter()
                .flat_map(|m| {
                    m.get("parts")
                        .and_then(Value::as_array)
                        .cloned()
                        .unwrap_or_default()
                })
                .filter(|p| p.get("functionResponse").is_some())
                .count()
        })
        .unwrap_or(0);
    (main, results)
}

/// The function names a Gemini request declares.
fn gemini_tools(body: &Value) -> Vec<String> {
    body.get("tools")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|t| t.get("functionDeclarations").and_then(Value::as_array))
        .flatten()
        .filter_map(|f| f.get("name").and_then(Value::as_str).map(str::to_string))
        .collect()
}

fn gemini_candidate(body: &Value, script: &[Step]) -> Value {
    let (main, results) = gemini_results(body);
    let tools = gemini_tools(body);
    let part = match if main { script.get(results) } else { None } {
        Some(Step::Shell(c) | Step::ShellTty(c)) | Some(Step::ShellIn { cmd: c, .. }) => json!({
            "functionCall": {"name": "run_shell_command", "args": {"command": c, "description": "scripted step"}}
        }),
        Some(Step::Tool { tool, input }) if declared(&tools, tool).is_some() => json!({
            "functionCall": {"name": declared(&tools, tool).unwrap_or(tool), "args": input}
        }),
        _ => json!({"text": "done"}),
    };
    json!({
        "candidates": [{"content": {"role": "model", "parts": [part]}, "finishReason": "STOP", "index": 0}],
        "usageMetadata": {"promptTokenCount": 10, "candidatesTokenCount": 5, "totalTokenCount": 15},
        "modelVersion": "gemini-2.5-flash",
    })
}

fn gemini_stream(body: &Value, script: &[Step]) -> (&'static str, String) {
    (
        "text/event-stream",
        sse(&[(None, gemini_candidate(body, script))]),
    )
}

/// Non-streaming calls are Gemini CLI's side questions (which model, who speaks next):
/// answered with JSON text that ends the turn.
fn gemini_plain(body: &Value) -> String {
    let wants_json = all_text(body.get("generationConfig").unwrap_or(&Value::Null))
        .contains("json")
        || body
            .get("generationConfig")
            .and_then(|g| g.get("responseMimeType"))
            .is_some();
    let text = if wants_json {
        json!({"next_speaker": "user", "reasoning": "done", "model_choice": "flash", "complexity_reasoning": "simple", "complexity_score": 1}).to_string()
    } else {
        "done".to_string()
    };
    json!({
        "candidates": [{"content": {"role": "model", "parts": [{"text": text}]}, "finishReason": "STOP", "index": 0}],
        "usageMetadata": {"promptTokenCount": 10, "candidatesTokenCount": 5, "totalTokenCount": 15},
    })
    .to_string()
}
