//! What `interlock doctor` finds, as data: the text report prints it as it goes, and
//! `interlock doctor --json` prints it once, whole, for a fleet to collect. The
//! schema is in docs/fleet.md ("Collecting `doctor --json`").

use interlock::policy::layers::{self, LayerKind, Loaded};
use interlock::render::visible;
use serde::Serialize;
use std::path::Path;

/// Where the doctor's lines go: printed (text), or kept for the JSON report.
pub struct Out {
    pub json: bool,
    pub report: Report,
}

impl Out {
    /// One line of the text report (nothing in JSON mode: the report holds the data).
    pub fn say(&self, line: impl AsRef<str>) {
        if !self.json {
            println!("{}", line.as_ref());
        }
    }
}

#[derive(Serialize, Default)]
pub struct Report {
    /// The schema of this report; raised when a field changes meaning or goes.
    pub schema: u32,
    pub version: &'static str,
    pub host: String,
    /// Every route checked passed (the exit status is 0).
    pub ok: bool,
    /// The exit status of `interlock doctor`.
    pub exit: i32,
    pub policy: PolicyReport,
    pub confinement: ConfinementReport,
    pub shipping: ShippingReport,
    pub agents: Vec<AgentReport>,
    pub routes_checked: usize,
    pub routes_passed: usize,
    pub routes_failed: usize,
}

#[derive(Serialize, Default)]
pub struct PolicyReport {
    /// What `interlock policy digest` prints.
    pub digest: String,
    /// Whether the system layer says `locked = true`.
    pub system_locked: bool,
    /// Each place a layer is looked for, in order, and whether it was read.
    pub layers: Vec<LayerReport>,
    /// Problems with the layers (broken files, entries a layer may not make).
    pub warnings: Vec<String>,
}

#[derive(Serialize)]
pub struct LayerReport {
    /// `system`, `user`, `project`.
    pub kind: &'static str,
    pub path: String,
    /// The file exists and was read (a broken file is in `warnings` instead).
    pub read: bool,
}

#[derive(Serialize, Default)]
pub struct ConfinementReport {
    /// `full`, `partial` or `unavailable`.
    pub status: &'static str,
    pub landlock_abi: Option<i64>,
    /// Why it is partial or unavailable.
    pub reason: Option<String>,
    /// Running as root: the confinement is best effort (root can write raw devices).
    pub root: bool,
    /// Protected files the kernel cannot keep in place, and why.
    pub gaps: Vec<String>,
}

#[derive(Serialize, Default)]
pub struct ShippingReport {
    /// Whether `[settings.ship]` names a collector.
    pub configured: bool,
    /// The most a decision waits for the collectors.
    pub bound_ms: Option<u64>,
    /// `ca_file`, trusted for TLS collectors besides the system's roots.
    pub ca_file: Option<String>,
    /// Why it cannot be read.
    pub ca_file_problem: Option<String>,
    pub collectors: Vec<CollectorReport>,
}

#[derive(Serialize)]
pub struct CollectorReport {
    /// As `ship.json` and the text report name it: `otlp http://…`, `syslog tcp://…`.
    pub target: String,
    /// `ok`, `lossy` (records were lost) or `unusable` (the address cannot be used).
    pub status: &'static str,
    /// Why the address cannot be used.
    pub problem: Option<String>,
    pub sent: u64,
    pub lost: u64,
    pub last_sent: Option<String>,
    pub last_error: Option<String>,
    pub last_error_time: Option<String>,
}

#[derive(Serialize)]
pub struct AgentReport {
    /// `claude`, `codex` …
    pub agent: &'static str,
    /// `user`, `project`, `managed` (Claude Code's managed settings) or `path`
    /// (a `bash`/`zsh` shim on PATH).
    pub scope: &'static str,
    /// The settings file (or the shim).
    pub settings: String,
    /// Interlock is configured in it.
    pub wired: bool,
    /// Why the settings could not be read.
    pub problem: Option<String>,
    pub routes: Vec<RouteReport>,
    /// How MCP tool calls reach Interlock through these settings (when wired).
    pub mcp: Option<McpReport>,
}

/// The entry MCP tool calls reach, and the canary sent through it as an MCP call.
#[derive(Serialize)]
pub struct McpReport {
    /// Some entry takes MCP calls.
    pub reached: bool,
    pub place: Option<String>,
    pub command: Option<String>,
    /// The canary was judged as it must be (`None` when no entry takes MCP calls:
    /// not counted as a failure).
    pub passed: Option<bool>,
    /// What the check found, or why no entry takes MCP calls.
    pub result: String,
}

impl McpReport {
    pub fn unreached(why: String) -> McpReport {
        McpReport {
            reached: false,
            place: None,
            command: None,
            passed: None,
            result: why,
        }
    }

    pub fn reached(
        r: &interlock::hooks::wiring::Route,
        result: Result<String, String>,
    ) -> McpReport {
        McpReport {
            reached: true,
            place: Some(r.place.clone()),
            command: Some(r.command.clone()),
            passed: Some(result.is_ok()),
            result: match result {
                Ok(m) | Err(m) => m,
            },
        }
    }
}

#[derive(Serialize)]
pub struct RouteReport {
    /// `hook` or `shell`.
    pub kind: &'static str,
    /// Where in the settings (`PreToolUse[Bash]`, `env.CLAUDE_CODE_SHELL`, `PATH`).
    pub place: String,
    pub command: String,
    /// The canary was stopped through this route.
    pub passed: bool,
    /// What the check found.
    pub result: String,
    /// Whether the route holds against an agent that tries to switch Interlock off
    /// (false for a route that failed its check).
    pub tamper_proof: bool,
    /// Why (or why not).
    pub tamper_proof_why: String,
}

fn kind_name(kind: LayerKind) -> &'static str {
    match kind {
        LayerKind::System => "system",
        LayerKind::User => "user",
        LayerKind::Project => "project",
    }
}

/// The "Policy" section: the digest, the layers and the lock.
pub fn policy(out: &mut Out, project: &Path, loaded: &Loaded) {
    let digest = loaded.policy.digest();
    let locked = loaded.settings.is_locked();
    out.say("Policy (which rules this machine runs; docs/fleet.md)");
    out.say(format!("  digest {digest}"));
    let mut layers_seen = Vec::new();
    for (kind, path) in layers::layer_paths(Some(project)) {
        let read = loaded.sources.iter().any(|(k, p)| *k == kind && *p == path);
        let shown = visible(&path.display().to_string(), false);
        let state = match (kind, read) {
            (LayerKind::System, true) if locked => "read, locked",
            (_, true) => "read",
            (_, false) => "absent",
        };
        out.say(format!("  {:<7} layer {shown}: {state}", kind_name(kind)));
        layers_seen.push(LayerReport {
            kind: kind_name(kind),
            path: path.display().to_string(),
            read,
        });
    }
    for w in &loaded.warnings {
        out.say(format!("  WARN  {}", visible(w, false)));
    }
    out.say("");
    out.report.policy = PolicyReport {
        digest,
        system_locked: locked,
        layers: layers_seen,
        warnings: loaded.warnings.clone(),
    };
}
