//! Agent hooks: the engine's decisions, spoken in each coding agent's pre-tool hook
//! protocol (Claude Code, Cursor, Codex, Gemini CLI, Copilot, Windsurf, Cline).
//!
//! One hook call is one process: the agent writes a JSON description of the tool call
//! on stdin and reads the answer (JSON on stdout, an exit status, for some agents a
//! message on stderr). Most agents treat a hook that crashes, times out or answers in a
//! form they cannot read as "no objection", so every path that cannot decide (bad or
//! oversized input, a missing command, an internal error, a panic) answers with the
//! agent's *blocking* form instead.
//!
//! Each agent's module holds its protocol (reading the input, writing the answer,
//! recognising a blocking answer for `interlock doctor`, a sample call) and how its
//! settings register a hook; [`wiring`] edits those settings.

mod claude;
mod cline;
mod codex;
pub mod codex_trust;
mod copilot;
pub mod crash;
mod cursor;
mod file_tools;
mod gemini;
mod message;
mod service;
pub mod settings;
mod windsurf;
pub mod wiring;

use crate::approval;
use crate::audit_log;
use crate::engine::mcp::McpCall;
use crate::engine::{Context, Decision, Engine};
use crate::policy::layers;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Hook inputs above this size are refused (and the command stopped) unread.
pub const MAX_INPUT_BYTES: usize = 4 * 1024 * 1024;

/// The command `interlock doctor` sends through every configured route. A built-in rule
/// (`interlock.canary`, deny) stops it; no such program exists, so it is harmless.
pub const CANARY: &str = "interlock-canary --destroy-everything";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Agent {
    Claude,
    Cursor,
    Codex,
    Gemini,
    Copilot,
    Windsurf,
    Cline,
}

impl Agent {
    pub const ALL: [Agent; 7] = [
        Agent::Claude,
        Agent::Cursor,
        Agent::Codex,
        Agent::Gemini,
        Agent::Copilot,
        Agent::Windsurf,
        Agent::Cline,
    ];

    /// The name used on the command line (`interlock hook claude`).
    pub fn name(self) -> &'static str {
        match self {
            Agent::Claude => "claude",
            Agent::Cursor => "cursor",
            Agent::Codex => "codex",
            Agent::Gemini => "gemini",
            Agent::Copilot => "copilot",
            Agent::Windsurf => "windsurf",
            Agent::Cline => "cline",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Agent::Claude => "Claude Code",
            Agent::Cursor => "Cursor",
            Agent::Codex => "Codex CLI",
            Agent::Gemini => "Gemini CLI",
            Agent::Copilot => "GitHub Copilot",
            Agent::Windsurf => "Windsurf",
            Agent::Cline => "Cline",
        }
    }

    pub fn from_name(name: &str) -> Option<Agent> {
        Agent::ALL.into_iter().find(|a| a.name() == name)
    }

    /// Agents whose hook can hand the decision to the user ("ask"). The others only
    /// know allow and deny, so a confirm becomes a deny carrying an approval code.
    pub fn has_ask(self) -> bool {
        matches!(self, Agent::Claude | Agent::Cursor)
    }

    fn parse(self, input: &Value) -> Result<Call, String> {
        match self {
            Agent::Claude => claude::parse(input),
            Agent::Cursor => cursor::parse(input),
            Agent::Codex => codex::parse(input),
            Agent::Gemini => gemini::parse(input),
            Agent::Copilot => copilot::parse(input),
            Agent::Windsurf => windsurf::parse(input),
            Agent::Cline => cline::parse(input),
        }
    }

    /// The answer for `reply` in this agent's protocol. `input` is the call being
    /// answered, when it could be read (Copilot answers in the format it was asked in).
    pub fn render(self, reply: &Reply, input: Option<&Value>) -> Answer {
        match self {
            Agent::Claude => claude::render(reply),
            Agent::Cursor => cursor::render(reply),
            Agent::Codex => codex::render(reply),
            Agent::Gemini => gemini::render(reply),
            Agent::Copilot => copilot::render(reply, input),
            Agent::Windsurf => windsurf::render(reply),
            Agent::Cline => cline::render(reply),
        }
    }

    /// A shell tool call as this agent sends it (the doctor's canary, tests).
    pub fn sample(self, command: &str, cwd: &Path) -> Value {
        let cwd = cwd.to_string_lossy();
        match self {
            Agent::Claude => claude::sample(command, &cwd),
            Agent::Cursor => cursor::sample(command, &cwd),
            Agent::Codex => codex::sample(command, &cwd),
            Agent::Gemini => gemini::sample(command, &cwd),
            Agent::Copilot => copilot::sample(command, &cwd),
            Agent::Windsurf => windsurf::sample(command, &cwd),
            Agent::Cline => cline::sample(command, &cwd),
        }
    }

    /// A call of an MCP server's tool whose input holds `command`, as this agent sends
    /// it (the doctor's MCP canary, tests). `None` for agents whose hook Interlock
    /// does not wire for MCP calls.
    pub fn mcp_sample(self, command: &str, cwd: &Path) -> Option<Value> {
        let text = cwd.to_string_lossy();
        let (mut v, tool) = match self {
            Agent::Claude => (claude::sample(command, &text), "mcp__interlock_doctor__run"),
            Agent::Codex => (codex::sample(command, &text), "mcp__interlock_doctor__run"),
            Agent::Gemini => (gemini::sample(command, &text), "mcp_interlock_doctor_run"),
            Agent::Cursor => return Some(cursor::mcp_sample(command, &text)),
            Agent::Copilot | Agent::Windsurf | Agent::Cline => return None,
        };
        v["tool_name"] = Value::String(tool.to_string());
        if self == Agent::Gemini {
            v["mcp_context"] =
                serde_json::json!({"server_name": "interlock_doctor", "tool_name": "run"});
        }
        Some(v)
    }

    /// What this agent does with `answer`: run the command, stop it, or ask the user.
    pub fn judge(self, answer: &Answer) -> Judged {
        match self {
            Agent::Claude => claude::judge(answer),
            Agent::Cursor => cursor::judge(answer),
            Agent::Codex => codex::judge(answer),
            Agent::Gemini => gemini::judge(answer),
            Agent::Copilot => copilot::judge(answer),
            Agent::Windsurf => windsurf::judge(answer),
            Agent::Cline => cline::judge(answer),
        }
    }
}

/// What a tool call asks for.
#[derive(Debug, PartialEq)]
pub enum Call {
    /// A shell command to judge, and the directory it runs in when the agent says.
    Shell {
        command: String,
        cwd: Option<PathBuf>,
    },
    /// A shell command that runs outside the session's directory, or where that is
    /// not known for sure (Codex's exec tool can name its own `workdir`): relative
    /// paths are judged as unknown, so a delete through one is never waved through as
    /// "inside the project". `cwd` is the directory the agent reported, for approvals
    /// and the log.
    ShellSomewhere {
        command: String,
        cwd: Option<PathBuf>,
    },
    /// Stopped before judging the command, with the reason for the model.
    Refuse {
        command: String,
        cwd: Option<PathBuf>,
        why: String,
    },
    /// A tool of an MCP server (`mcp__SERVER__TOOL`): judged with the same rules as
    /// the shell commands it amounts to (`engine::mcp`).
    Mcp {
        server: String,
        tool: String,
        args: Value,
        cwd: Option<PathBuf>,
    },
    /// A tool that runs no shell command (reads, edits, searches): not Interlock's call.
    NotShell,
}

/// The hook's answer before it is put in an agent's words.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    Allow,
    /// Hand the decision to the user; `user` is shown in the agent's prompt.
    Ask {
        user: String,
        model: String,
    },
    /// Stop the command; `model` is written for the agent to read.
    Block {
        user: String,
        model: String,
    },
}

/// What the hook process prints and exits with.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Answer {
    pub stdout: String,
    pub stderr: String,
    pub exit: i32,
}

impl Answer {
    fn json(v: &Value) -> Answer {
        Answer {
            stdout: format!("{v}\n"),
            ..Answer::default()
        }
    }
}

/// How an agent acts on an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Judged {
    Ran,
    Stopped,
    Asked,
}

/// Choices a user makes when wiring a hook in.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Use the agent's native "ask" for confirms (where it has one); when off, a
    /// confirm is a deny with an approval code, as for agents without "ask".
    pub ask: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options { ask: true }
    }
}

/// The blocking answer for a call that could not be read at all (e.g. stdin failed).
pub fn refuse(agent: Agent, why: &str) -> Answer {
    agent.render(&message::cannot_check(why), None)
}

/// Answer one hook call: `input` is everything the agent wrote on stdin (already cut
/// at [`MAX_INPUT_BYTES`] + 1, so a longer input is recognised as too large).
pub fn answer(agent: Agent, input: &[u8], opts: Options) -> Answer {
    let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        answer_inner(agent, input, opts)
    }));
    run.unwrap_or_else(|_| {
        agent.render(
            &message::cannot_check("Interlock hit an internal error (a panic)"),
            None,
        )
    })
}

fn answer_inner(agent: Agent, input: &[u8], opts: Options) -> Answer {
    if input.len() > MAX_INPUT_BYTES {
        let why = format!(
            "the hook input is larger than the {} MiB Interlock reads",
            MAX_INPUT_BYTES / (1024 * 1024)
        );
        return agent.render(&message::cannot_check(&why), None);
    }
    let value: Value = match serde_json::from_slice(input) {
        Ok(v) => v,
        Err(e) => {
            let why = format!("the hook input is not valid JSON ({e})");
            return agent.render(&message::cannot_check(&why), None);
        }
    };
    // The agent's own file tools write outside any confinement: judged as the shell
    // command with the same effect.
    if let Some(cmd) = file_tools::as_command(&value) {
        let reply = match cmd {
            Ok(cmd) => decide(agent, &cmd, path_field(value.get("cwd")), true, opts),
            Err(why) => message::cannot_check(&why),
        };
        return agent.render(&reply, Some(&value));
    }
    let reply = match agent.parse(&value) {
        Ok(Call::NotShell) => Reply::Allow,
        Ok(Call::Shell { command, cwd }) => decide(agent, &command, cwd, true, opts),
        Ok(Call::ShellSomewhere { command, cwd }) => decide(agent, &command, cwd, false, opts),
        Ok(Call::Refuse { command, cwd, why }) => refuse_call(agent, &command, cwd, &why),
        Ok(Call::Mcp {
            server,
            tool,
            args,
            cwd,
        }) => {
            let call = McpCall {
                server: &server,
                tool: &tool,
                args: &args,
            };
            let shown = call.describe();
            decide_with(agent, &shown, cwd, true, opts, |engine, ctx| {
                engine.decide_mcp(&call, ctx)
            })
        }
        Err(why) => message::cannot_check(&why),
    };
    agent.render(&reply, Some(&value))
}

/// Run the engine on one command in its directory, with every config layer, and turn
/// the verdict into a reply (spending a matching one-time approval if there is one).
fn decide(
    agent: Agent,
    command: &str,
    cwd: Option<PathBuf>,
    dir_known: bool,
    opts: Options,
) -> Reply {
    decide_with(agent, command, cwd, dir_known, opts, |engine, ctx| {
        engine.decide(command, ctx)
    })
}

/// [`decide`] with the verdict given by `judge` (a shell command, an MCP call);
/// `command` is what approvals bind to and the log records.
fn decide_with(
    agent: Agent,
    command: &str,
    cwd: Option<PathBuf>,
    dir_known: bool,
    opts: Options,
    judge: impl FnOnce(&Engine, &Context) -> crate::engine::Verdict,
) -> Reply {
    let cwd = resolve_cwd(cwd);
    let loaded = layers::load(Some(&cwd));
    for w in &loaded.warnings {
        eprintln!("interlock: warning: {}", crate::render::visible(w, false));
    }
    let mut ctx = Context::from_process();
    ctx.cwd = dir_known.then(|| cwd.clone());
    if let Some(h) = &loaded.settings.local_hosts {
        ctx.local_hosts.clone_from(h);
    }
    // The process ends right after answering: freeing the policy is wasted time.
    let engine: &Engine = Box::leak(Box::new(Engine::new(loaded.policy)));
    let verdict = judge(engine, &ctx);
    let source = format!("hook:{}", agent.name());
    let cwd_text = cwd.to_string_lossy().into_owned();
    let log = |outcome: &str, channel: Option<String>, code: Option<String>| {
        let rec = audit_log::Record {
            source: &source,
            cwd: &cwd_text,
            command,
            decision: verdict.decision.as_str(),
            rules: verdict.findings.iter().map(|f| f.rule.clone()).collect(),
            outcome,
            channel,
            code,
            policy_digest: engine.policy_digest(),
        };
        if let Err(e) = audit_log::append(rec, &loaded.settings) {
            eprintln!("interlock: warning: cannot write the audit log: {e}");
        }
    };
    if verdict.decision == Decision::Allow {
        if loaded.settings.log_all.unwrap_or(false) {
            log("ran", None, None);
        }
        return Reply::Allow;
    }
    if audit_mode(&loaded.settings) {
        eprintln!("interlock: audit mode: would have stopped this command");
        log("audit", None, None);
        return Reply::Allow;
    }
    // An approval binds to the command the agent meant (its known wrapper taken off).
    let intended = approval::intent::approval_key(command, &verdict.findings);
    if let Ok(Some(a)) = approval::take_matching(&intended, &cwd) {
        log("approved_earlier", Some(a.channel), Some(a.code));
        return Reply::Allow;
    }
    let mut link = None;
    if let Some(a) = loaded.settings.approvals.as_deref().filter(|a| a.is_on()) {
        match service::settle(a, agent.name(), &intended, &cwd, &verdict) {
            service::Outcome::Approved { approver, id } => {
                log("approved", Some(format!("service:{approver}")), Some(id));
                return Reply::Allow;
            }
            service::Outcome::Stopped {
                reply,
                outcome,
                id,
                channel,
            } => {
                log(outcome, channel, Some(id));
                return reply;
            }
            service::Outcome::Undecided { link: l } => link = l,
        }
    }
    let request = approval::create_request(&intended, &cwd, &verdict.findings);
    let code = request.as_ref().ok().map(|r| r.code.clone());
    let reply = if verdict.decision == Decision::Confirm && agent.has_ask() && opts.ask {
        log("asked", None, code.clone());
        message::ask(command, &verdict, code.as_deref())
    } else {
        let outcome = if verdict.decision == Decision::Deny {
            "denied"
        } else {
            "stopped"
        };
        log(outcome, None, code);
        message::stopped(command, &verdict, request)
    };
    match link {
        Some(l) => message::with_service_link(reply, &l),
        None => reply,
    }
}

/// A call stopped before its command is judged (Codex: starting an interactive
/// session), logged like any stop.
fn refuse_call(agent: Agent, command: &str, cwd: Option<PathBuf>, why: &str) -> Reply {
    let cwd = resolve_cwd(cwd);
    let loaded = layers::load(Some(&cwd));
    let rec = audit_log::Record {
        source: &format!("hook:{}", agent.name()),
        cwd: &cwd.to_string_lossy(),
        command,
        decision: "deny",
        rules: vec![format!("hook.{}-interactive", agent.name())],
        outcome: "denied",
        channel: None,
        code: None,
        policy_digest: &loaded.policy.digest(),
    };
    if let Err(e) = audit_log::append(rec, &loaded.settings) {
        eprintln!("interlock: warning: cannot write the audit log: {e}");
    }
    message::refused(command, why)
}

fn audit_mode(settings: &crate::policy::layers::Settings) -> bool {
    let configured = settings.mode.as_deref() == Some("audit");
    if settings.is_locked() {
        return configured;
    }
    match std::env::var("INTERLOCK_MODE") {
        Ok(m) if !m.is_empty() => m == "audit",
        _ => configured,
    }
}

/// The directory a command runs in: the agent's (made absolute), else this process's.
fn resolve_cwd(given: Option<PathBuf>) -> PathBuf {
    let here = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
    match given {
        Some(p) if p.is_absolute() => p,
        Some(p) => here.join(p),
        None => here,
    }
}

/// Tool names whose calls run a shell command.
const SHELL_TOOLS: &[&str] = &[
    "bash",
    "shell",
    "run_shell_command",
    "execute_command",
    "powershell",
    "run_in_terminal",
    "runinterminal",
    "local_shell",
    "exec_command",
    "shell_command",
];

/// Tools that run no shell command although their names or inputs look like it
/// (Codex's `apply_patch` may carry the patch as `command`).
const NOT_SHELL_TOOLS: &[&str] = &["bashoutput", "killshell", "killbash", "apply_patch"];

/// Classify a call of `tool` whose input has `command` (the field's value, if any).
/// A command string is judged whatever the tool; a shell-like tool without one is
/// refused; anything else is not a shell call.
fn tool_call(
    tool: Option<&str>,
    command: Option<&Value>,
    cwd: Option<PathBuf>,
) -> Result<Call, String> {
    if tool.is_some_and(|t| NOT_SHELL_TOOLS.contains(&t.to_ascii_lowercase().as_str())) {
        return Ok(Call::NotShell);
    }
    match command {
        Some(Value::String(c)) => Ok(Call::Shell {
            command: c.clone(),
            cwd,
        }),
        Some(_) => Err("the command in the hook input is not text".to_string()),
        None => match tool {
            None => Err("the hook input names no tool and holds no command".to_string()),
            Some(t) if shell_like(t) => Err(format!(
                "the hook input for the {} tool holds no command",
                crate::render::visible(t, false)
            )),
            Some(_) => Ok(Call::NotShell),
        },
    }
}

/// A call that [`tool_call`] found to run no shell command, made an MCP call when the
/// tool is one (`mcp__SERVER__TOOL`, or named by the agent's `server`).
fn with_mcp(
    call: Result<Call, String>,
    tool: Option<&str>,
    server: Option<&str>,
    args: Option<&Value>,
    cwd: Option<PathBuf>,
) -> Result<Call, String> {
    if !matches!(call, Ok(Call::NotShell)) {
        return call;
    }
    let named = match (server, tool) {
        (Some(s), Some(t)) if !s.is_empty() && !t.is_empty() => Some((s, t)),
        (_, Some(t)) => McpCall::split_name(t),
        _ => None,
    };
    match named {
        Some((server, tool)) => Ok(Call::Mcp {
            server: server.to_string(),
            tool: tool.to_string(),
            args: args.cloned().unwrap_or(Value::Null),
            cwd,
        }),
        None => call,
    }
}

fn shell_like(tool: &str) -> bool {
    let t = tool.to_ascii_lowercase();
    SHELL_TOOLS.contains(&t.as_str()) || ["bash", "shell", "terminal"].iter().any(|w| t.contains(w))
}

/// A non-empty string field as a path.
fn path_field(v: Option<&Value>) -> Option<PathBuf> {
    v.and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(PathBuf::from)
}

/// The first entry of a list of directories (`workspace_roots`).
fn first_root(v: Option<&Value>) -> Option<PathBuf> {
    path_field(v.and_then(Value::as_array).and_then(|a| a.first()))
}

/// The top-level object of a hook input.
fn object(v: &Value) -> Result<&serde_json::Map<String, Value>, String> {
    v.as_object()
        .ok_or_else(|| "the hook input is not a JSON object".to_string())
}

/// The answer's stdout read as JSON, when it is a JSON object.
fn stdout_json(a: &Answer) -> Option<Value> {
    serde_json::from_str::<Value>(a.stdout.trim())
        .ok()
        .filter(Value::is_object)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tool_classification() {
        let cmd = Value::String("ls".into());
        assert!(matches!(
            tool_call(Some("Bash"), Some(&cmd), None),
            Ok(Call::Shell { .. })
        ));
        assert_eq!(tool_call(Some("Read"), None, None), Ok(Call::NotShell));
        assert_eq!(
            tool_call(Some("BashOutput"), None, None),
            Ok(Call::NotShell)
        );
        assert!(tool_call(Some("Bash"), None, None).is_err());
        assert!(tool_call(Some("mcp__box__run_shell"), None, None).is_err());
        assert!(tool_call(None, None, None).is_err());
        assert!(tool_call(Some("Bash"), Some(&Value::Bool(true)), None).is_err());
    }

    #[test]
    fn names_round_trip() {
        for a in Agent::ALL {
            assert_eq!(Agent::from_name(a.name()), Some(a));
        }
        assert_eq!(Agent::from_name("vim"), None);
    }
}
