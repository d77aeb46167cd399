//! Config layers: built-in packs, then system (`/etc/interlock/config.toml`), then
//! user (`$XDG_CONFIG_HOME/interlock/config.toml`), then the project's `.interlock.toml`.
//!
//! System and user layers are the person's own: they may disable rules, change
//! decisions and set options. The project layer can be written by an agent working in
//! the project, so it may only add rules and raise decisions; anything else in it is
//! ignored with a warning. A broken file is reported and skipped, never fatal: the
//! built-in packs always apply.
//!
//! An organisation that distributes `/etc/interlock/config.toml` with its
//! configuration management can lock it (`[settings] locked = true`): the user layer
//! is then held to what a project file may do (add rules, raise decisions), the
//! environment cannot redirect the system layer (`INTERLOCK_SYSTEM_CONFIG`) or switch
//! the mode (`INTERLOCK_MODE`), and `interlock policy digest` says which policy a
//! machine runs.

use super::{PackFile, Policy, ProgramSpec, RuleDef};
use crate::analysers::is_known_check;
use crate::model::Decision;
use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LayerKind {
    System,
    User,
    Project,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    #[serde(default)]
    pub settings: Settings,
    #[serde(default)]
    pub disable: Vec<String>,
    #[serde(default, rename = "override")]
    pub overrides: Vec<Override>,
    #[serde(default)]
    pub rule: Vec<RuleDef>,
    #[serde(default)]
    pub program: Vec<ProgramSpec>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Override {
    pub rule: String,
    pub decision: Decision,
}

/// Options for the front doors. Every field is optional so layers can merge.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// `enforce` (default) or `audit` (log would-be stops, block nothing).
    pub mode: Option<String>,
    /// Seconds a paused command waits for a human.
    pub confirm_timeout: Option<u64>,
    /// Extra hosts treated as loopback by HTTP rules.
    pub local_hosts: Option<Vec<String>>,
    /// Log every decision, not only the ones that are not a plain allow.
    pub log_all: Option<bool>,
    /// Also send log entries to syslog.
    pub syslog: Option<bool>,
    /// The real shell for `interlock shell` (default: from the link's name).
    pub shell: Option<String>,
    /// Run the agent's commands in the kernel confinement (default: true). Off, a
    /// command could write an approval, so only the wrap card can approve.
    pub confine: Option<bool>,
    /// Copies of every logged decision to the fleet's collectors (docs/fleet.md).
    /// Boxed: settings travel inside messages of the wrap server.
    pub ship: Option<Box<Ship>>,
    /// System layer only: later layers may only tighten (see the module comment).
    pub locked: Option<bool>,
    /// An approval service (`interlock serve`) that stopped commands are sent to
    /// (docs/fleet.md).
    pub approvals: Option<Box<Approvals>>,
}

/// `[settings.approvals]`: the approval service a stopped command is sent to. Set only
/// in the system and user layers: its public key decides which answers count.
#[derive(Debug, Clone, Deserialize, Default, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Approvals {
    /// `http://host:port` of `interlock serve`, or `https://…` of the TLS proxy in
    /// front of it.
    pub url: Option<String>,
    /// `ed25519:HEX`, as `interlock serve --print-public-key` prints it.
    pub public_key: Option<String>,
    /// Seconds a stopped command waits for an answer (default: `confirm_timeout`).
    pub wait_secs: Option<u64>,
    /// A CA file (PEM) trusted besides the system's roots for an `https://` url.
    pub ca_file: Option<String>,
}

impl Approvals {
    fn merge(&mut self, other: &Approvals) {
        if other.url.is_some() {
            self.url.clone_from(&other.url);
        }
        if other.public_key.is_some() {
            self.public_key.clone_from(&other.public_key);
        }
        if other.wait_secs.is_some() {
            self.wait_secs = other.wait_secs;
        }
        if other.ca_file.is_some() {
            self.ca_file.clone_from(&other.ca_file);
        }
    }

    /// Whether a service is named (an empty url switches it off).
    pub fn is_on(&self) -> bool {
        self.url.as_deref().is_some_and(|u| !u.trim().is_empty())
    }
}

/// `[settings.ship]`: where logged decisions are sent besides the local log. Set only
/// in the system and user layers (an agent can write the project file).
#[derive(Debug, Clone, Deserialize, Default, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Ship {
    /// OTLP/HTTP (JSON) base URL, `http://host:port`; records go to `<it>/v1/logs`.
    pub otlp_endpoint: Option<String>,
    /// RFC 5424 syslog collector: `udp://host:514`, `tcp://host:514` or
    /// `tls://host:6514`.
    pub syslog: Option<String>,
    /// The most a decision waits for the collectors, in milliseconds (default 200).
    pub timeout_ms: Option<u64>,
    /// A CA file (PEM) trusted besides the system's roots for `https://` and `tls://`
    /// collectors (a private collector's CA).
    pub ca_file: Option<String>,
    /// A client certificate chain (PEM) shown to `https://` and `tls://` collectors
    /// that ask for one (mutual TLS); needs `client_key`.
    pub client_cert: Option<String>,
    /// The private key (PEM: PKCS#8, PKCS#1 or SEC1) of `client_cert`.
    pub client_key: Option<String>,
    /// Extra HTTP headers sent to the OTLP collector (`Authorization = "Bearer …"`).
    pub otlp_headers: Option<std::collections::BTreeMap<String, String>>,
}

impl Ship {
    fn merge(&mut self, other: &Ship) {
        if other.otlp_endpoint.is_some() {
            self.otlp_endpoint.clone_from(&other.otlp_endpoint);
        }
        if other.syslog.is_some() {
            self.syslog.clone_from(&other.syslog);
        }
        if other.timeout_ms.is_some() {
            self.timeout_ms = other.timeout_ms;
        }
        if other.ca_file.is_some() {
            self.ca_file.clone_from(&other.ca_file);
        }
        if other.client_cert.is_some() {
            self.client_cert.clone_from(&other.client_cert);
        }
        if other.client_key.is_some() {
            self.client_key.clone_from(&other.client_key);
        }
        if other.otlp_headers.is_some() {
            self.otlp_headers.clone_from(&other.otlp_headers);
        }
    }

    /// Whether any collector is named (empty strings switch one off).
    pub fn is_on(&self) -> bool {
        let named = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.trim().is_empty());
        named(&self.otlp_endpoint) || named(&self.syslog)
    }
}

impl Settings {
    fn merge(&mut self, other: &Settings) {
        if other.mode.is_some() {
            self.mode.clone_from(&other.mode);
        }
        if other.confirm_timeout.is_some() {
            self.confirm_timeout = other.confirm_timeout;
        }
        if other.local_hosts.is_some() {
            self.local_hosts.clone_from(&other.local_hosts);
        }
        if other.log_all.is_some() {
            self.log_all = other.log_all;
        }
        if other.syslog.is_some() {
            self.syslog = other.syslog;
        }
        if other.shell.is_some() {
            self.shell.clone_from(&other.shell);
        }
        if other.confine.is_some() {
            self.confine = other.confine;
        }
        if let Some(ship) = &other.ship {
            self.ship.get_or_insert_with(Box::default).merge(ship);
        }
        if let Some(a) = &other.approvals {
            self.approvals.get_or_insert_with(Box::default).merge(a);
        }
    }

    /// Whether the system layer is locked (`[settings] locked = true`).
    pub fn is_locked(&self) -> bool {
        self.locked == Some(true)
    }
}

/// The result of loading every layer.
pub struct Loaded {
    pub policy: Policy,
    pub settings: Settings,
    /// Files that were read, in order.
    pub sources: Vec<(LayerKind, PathBuf)>,
    /// Problems found (broken files, refused project entries); shown by the CLI.
    pub warnings: Vec<String>,
}

/// Where each layer's file is looked for. Tests point these elsewhere with
/// `INTERLOCK_SYSTEM_CONFIG` and `INTERLOCK_CONFIG`.
pub fn layer_paths(cwd: Option<&Path>) -> Vec<(LayerKind, PathBuf)> {
    let mut out = Vec::new();
    out.push((LayerKind::System, system_config_path()));
    if let Some(user) = user_config_path() {
        out.push((LayerKind::User, user));
    }
    if let Some(mut dir) = cwd.map(Path::to_path_buf) {
        loop {
            let candidate = dir.join(".interlock.toml");
            if candidate.is_file() {
                out.push((LayerKind::Project, candidate));
                break;
            }
            if !dir.pop() {
                break;
            }
        }
    }
    out
}

/// The system layer's file, as managed by the organisation.
pub const SYSTEM_CONFIG: &str = "/etc/interlock/config.toml";

/// The system layer: `INTERLOCK_SYSTEM_CONFIG` when set (tests, other layouts), unless
/// `/etc/interlock/config.toml` is locked, which the environment cannot get around.
pub fn system_config_path() -> PathBuf {
    match std::env::var_os("INTERLOCK_SYSTEM_CONFIG") {
        Some(p) if !is_locked_file(Path::new(SYSTEM_CONFIG)) => PathBuf::from(p),
        _ => PathBuf::from(SYSTEM_CONFIG),
    }
}

/// Whether the config file at `path` says `locked = true` in its `[settings]`.
fn is_locked_file(path: &Path) -> bool {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|t| parse(&t).ok())
        .is_some_and(|f| f.settings.is_locked())
}

pub fn user_config_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("INTERLOCK_CONFIG") {
        return Some(PathBuf::from(p));
    }
    config_dir().map(|d| d.join("config.toml"))
}

/// `$XDG_CONFIG_HOME/interlock` or `~/.config/interlock`.
pub fn config_dir() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(base.join("interlock"))
}

/// Load the built-in packs and every config layer that exists.
pub fn load(cwd: Option<&Path>) -> Loaded {
    load_over(Policy::builtin(), cwd)
}

/// The layers over the built-in packs as compiled in (no examples): what deciding needs.
pub fn load_for_deciding(cwd: Option<&Path>) -> Loaded {
    load(cwd)
}

/// Load every config layer over `base` (the built-in packs, with or without examples).
pub fn load_over(base: Policy, cwd: Option<&Path>) -> Loaded {
    let mut loaded = Loaded {
        policy: base,
        settings: Settings::default(),
        sources: Vec::new(),
        warnings: Vec::new(),
    };
    let mut changed = false;
    for (kind, path) in layer_paths(cwd) {
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => {
                loaded
                    .warnings
                    .push(format!("{}: cannot read: {e}", path.display()));
                continue;
            }
        };
        match parse(&text) {
            Ok(file) => {
                changed |= apply(&mut loaded, kind, &path, file);
                loaded.sources.push((kind, path));
            }
            Err(e) => loaded
                .warnings
                .push(format!("{}{e}; the file is ignored", path.display())),
        }
    }
    // The base came indexed; only a layer that touched rules needs a new index.
    if changed {
        loaded.policy.reindex();
    }
    loaded
}

/// Parse a config file. The error starts with `:LINE:COLUMN: ` when the parser knows
/// where the problem is, so it reads `path:LINE:COLUMN: message` after the file name.
pub fn parse(text: &str) -> Result<ConfigFile, String> {
    toml::from_str::<ConfigFile>(text).map_err(|e| {
        let message = e.message().trim_end().to_string();
        match e.span() {
            Some(span) => {
                let (line, column) = crate::syntax::line_column(text, span.start);
                format!(":{line}:{column}: not a valid Interlock config: {message}")
            }
            None => format!(": not a valid Interlock config: {message}"),
        }
    })
}

/// Apply one parsed layer.
/// Returns whether the rules changed (the caller then reindexes).
pub fn apply(loaded: &mut Loaded, kind: LayerKind, path: &Path, file: ConfigFile) -> bool {
    let shown = path.display();
    // Under a locked system layer the user's file is held to what a project's may do.
    let locked_out = kind == LayerKind::User && loaded.settings.is_locked();
    let project = kind == LayerKind::Project || locked_out;
    if kind != LayerKind::System && file.settings.locked.is_some() {
        loaded.warnings.push(format!(
            "{shown}: only the system layer ({SYSTEM_CONFIG}) can be locked; ignored"
        ));
    }
    if kind == LayerKind::System {
        loaded.settings.locked = file.settings.locked;
    }
    if locked_out {
        loaded.warnings.push(format!(
            "{shown}: the system layer is locked: this file can only add rules and raise decisions"
        ));
    }
    if project {
        if !file.disable.is_empty() {
            loaded.warnings.push(format!(
                "{shown}: a project file cannot disable rules; ignored"
            ));
        }
        if !file.program.is_empty() {
            loaded.warnings.push(format!(
                "{shown}: a project file cannot change how programs are read; ignored"
            ));
        }
        if has_settings(&file.settings) {
            loaded.warnings.push(format!(
                "{shown}: a project file cannot change settings; ignored"
            ));
        }
    } else {
        loaded.settings.merge(&file.settings);
        loaded
            .policy
            .rules
            .retain(|r| !file.disable.iter().any(|d| d == r.def.id));
    }
    for o in &file.overrides {
        let Some(rule) = loaded.policy.rules.iter_mut().find(|r| r.def.id == o.rule) else {
            loaded
                .warnings
                .push(format!("{shown}: override of unknown rule {}", o.rule));
            continue;
        };
        if project && o.decision < rule.def.decision {
            loaded.warnings.push(format!(
                "{shown}: a project file can only raise a decision; {} stays {}",
                o.rule, rule.def.decision
            ));
            continue;
        }
        rule.def.decision = o.decision;
    }
    let mut rules = Vec::new();
    for r in file.rule {
        if let Err(e) = validate_rule(&r) {
            loaded.warnings.push(format!("{shown}: rule {}: {e}", r.id));
            continue;
        }
        if project && loaded.policy.rule(&r.id).is_some() {
            loaded.warnings.push(format!(
                "{shown}: rule {} already exists; a project file can only add new rules",
                r.id
            ));
            continue;
        }
        rules.push(r);
    }
    let program = if project { Vec::new() } else { file.program };
    let changed = !file.overrides.is_empty()
        || (!project && !file.disable.is_empty())
        || !rules.is_empty()
        || !program.is_empty();
    let pack_name = match kind {
        LayerKind::System => "system",
        LayerKind::User => "user",
        LayerKind::Project => "project",
    };
    loaded.policy.add_pack_unindexed(
        pack_name,
        PackFile {
            program,
            rule: rules,
        },
    );
    changed
}

fn has_settings(s: &Settings) -> bool {
    s.mode.is_some()
        || s.confirm_timeout.is_some()
        || s.local_hosts.is_some()
        || s.log_all.is_some()
        || s.syslog.is_some()
        || s.shell.is_some()
        || s.confine.is_some()
        || s.ship.is_some()
        || s.locked.is_some()
        || s.approvals.is_some()
}

/// A rule must stop something, say why, and name only checks that exist.
pub fn validate_rule(r: &RuleDef) -> Result<(), String> {
    if r.decision == Decision::Allow {
        return Err("rules stop commands: decision must be confirm or deny".into());
    }
    if r.reason.trim().is_empty() {
        return Err("a rule needs a reason".into());
    }
    if r.matches.is_empty() {
        return Err("a rule needs at least one [[rule.match]]".into());
    }
    for m in &r.matches {
        if m.program.is_empty() && m.event.is_none() {
            return Err("each match needs `program` or `event`".into());
        }
        if let Some(c) = &m.check {
            if !is_known_check(c) {
                return Err(format!("unknown check `{c}`"));
            }
        }
    }
    Ok(())
}
