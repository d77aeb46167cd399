//! Where each agent registers a hook, and the edits that add, find and remove
//! Interlock's entry. Entries are recognised by their command (`…/interlock hook
//! <agent> [options]`), so uninstall removes exactly what install added and leaves
//! every other hook and setting alone.

use super::settings::{self, shown};
use super::{Agent, Options};
use serde_json::{json, Map, Value};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The user's own settings, under HOME.
    User,
    /// The project's settings, under its root (shared with whoever clones it).
    Project,
}

/// The settings file (Cline: the hook script) for an agent and scope.
pub fn settings_path(agent: Agent, scope: Scope, home: &Path, project: &Path) -> PathBuf {
    let user = scope == Scope::User;
    match agent {
        Agent::Claude if user => home.join(".claude/settings.json"),
        Agent::Claude => project.join(".claude/settings.json"),
        Agent::Cursor if user => home.join(".cursor/hooks.json"),
        Agent::Cursor => project.join(".cursor/hooks.json"),
        Agent::Codex if user => codex_home(home).join("hooks.json"),
        Agent::Codex => project.join(".codex/hooks.json"),
        Agent::Gemini if user => home.join(".gemini/settings.json"),
        Agent::Gemini => project.join(".gemini/settings.json"),
        Agent::Copilot if user => home.join(".copilot/hooks/interlock.json"),
        Agent::Copilot => project.join(".github/hooks/interlock.json"),
        Agent::Windsurf if user => home.join(".codeium/windsurf/hooks.json"),
        Agent::Windsurf => project.join(".windsurf/hooks.json"),
        Agent::Cline if user => home.join("Documents/Cline/Hooks/PreToolUse"),
        Agent::Cline => project.join(".clinerules/hooks/PreToolUse"),
    }
}

/// Is the agent on this machine: its program on PATH, or its own directory under HOME?
/// (`install` warns when neither is, since a hook for an absent agent protects nothing.)
pub fn present(agent: Agent, home: &Path) -> bool {
    let (programs, dir): (&[&str], PathBuf) = match agent {
        Agent::Claude => (&["claude"], home.join(".claude")),
        Agent::Cursor => (&["cursor", "cursor-agent"], home.join(".cursor")),
        Agent::Codex => (&["codex"], codex_home(home)),
        Agent::Gemini => (&["gemini"], home.join(".gemini")),
        Agent::Copilot => (&["copilot"], home.join(".copilot")),
        Agent::Windsurf => (&["windsurf"], home.join(".codeium/windsurf")),
        Agent::Cline => (&["cline"], home.join("Documents/Cline")),
    };
    dir.is_dir() || programs.iter().any(|p| on_path(p))
}

/// Is `program` an executable file in a PATH directory?
fn on_path(program: &str) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::env::var_os("PATH").is_some_and(|path| {
        std::env::split_paths(&path).any(|d| {
            std::fs::metadata(d.join(program))
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
    })
}

/// Codex keeps its files in `$CODEX_HOME`, by default `~/.codex`.
pub fn codex_home(home: &Path) -> PathBuf {
    std::env::var_os("CODEX_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| home.join(".codex"))
}

/// The hook command written into settings: this program, `hook`, the agent.
pub fn hook_command(exe: &Path, agent: Agent, opts: Options) -> String {
    let mut cmd = format!(
        "{} hook {}",
        shell_words::quote(&exe.to_string_lossy()),
        agent.name()
    );
    if !opts.ask && agent.has_ask() {
        cmd.push_str(" --no-ask");
    }
    cmd
}

/// Is `command` an Interlock hook command for `agent` (`…/interlock hook AGENT …`)?
pub fn is_ours(command: &str, agent: Agent) -> bool {
    let Ok(words) = shell_words::split(command) else {
        return false;
    };
    let program_is_interlock = words.first().is_some_and(|w| {
        Path::new(w)
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("interlock"))
    });
    program_is_interlock
        && words.get(1).map(String::as_str) == Some("hook")
        && words.get(2).map(String::as_str) == Some(agent.name())
}

/// How an agent's JSON settings register a hook.
struct Layout {
    /// Key under `hooks` holding the event's list.
    event: &'static str,
    /// `Some(tool)`: the list holds groups `{matcher, hooks: [entries]}` and the
    /// matcher must cover this tool. `None`: the list holds entries.
    matcher: Option<&'static str>,
    /// The entry's field holding the command.
    command_key: &'static str,
    /// A new entry for a command.
    entry: fn(&str) -> Value,
    /// A new file starts with `"version": 1`.
    versioned: bool,
    /// How MCP tool calls reach this entry: an MCP tool's name as the agent gives it
    /// to the matcher (the group's matcher must select it), or `Mcp::Only` for an
    /// event that carries nothing but MCP calls.
    mcp: Mcp,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mcp {
    /// This entry is for shell commands and file tools only.
    No,
    /// MCP calls come through the same event under tool names like this one.
    Named(&'static str),
    /// The event is for MCP calls alone (Cursor's `beforeMCPExecution`).
    Only,
}

/// Every entry Interlock writes for an agent (Cline's hook is a script instead).
fn layouts(agent: Agent) -> Vec<Layout> {
    let mut out: Vec<Layout> = layout(agent).into_iter().collect();
    if agent == Agent::Cursor {
        // MCP tool calls come through their own event, in the same entry form.
        out.push(Layout {
            event: "beforeMCPExecution",
            matcher: None,
            command_key: "command",
            entry: |c| json!({"command": c, "failClosed": true}),
            versioned: true,
            mcp: Mcp::Only,
        });
    }
    out
}

fn layout(agent: Agent) -> Option<Layout> {
    Some(match agent {
        // The file tools too: they write outside any confinement (hooks/file_tools.rs);
        // and every MCP tool (`mcp__.*`: a matcher holding other characters than
        // letters, digits, `_` and `|` is a regular expression to Claude Code).
        Agent::Claude => Layout {
            event: "PreToolUse",
            matcher: Some("Bash|Write|Edit|MultiEdit|NotebookEdit|mcp__.*"),
            command_key: "command",
            entry: |c| json!({"type": "command", "command": c, "timeout": 30}),
            versioned: false,
            mcp: Mcp::Named("mcp__server__tool"),
        },
        // Codex (0.171) sends MCP tool calls to `PreToolUse` as `mcp__SERVER__TOOL`,
        // and reads the matcher as a regular expression (`codex-rs/hooks`).
        Agent::Codex => Layout {
            event: "PreToolUse",
            matcher: Some("Bash|mcp__.*"),
            command_key: "command",
            entry: |c| json!({"type": "command", "command": c, "timeout": 30}),
            versioned: false,
            mcp: Mcp::Named("mcp__server__tool"),
        },
        Agent::Gemini => Layout {
            event: "BeforeTool",
            matcher: Some("run_shell_command|write_file|replace|mcp_.*"),
            command_key: "command",
            entry: |c| json!({"type": "command", "command": c, "name": "interlock", "timeout": 30000}),
            versioned: false,
            mcp: Mcp::Named("mcp_server_tool"),
        },
        Agent::Cursor => Layout {
            event: "beforeShellExecution",
            matcher: None,
            command_key: "command",
            entry: |c| json!({"command": c, "failClosed": true}),
            versioned: true,
            mcp: Mcp::No,
        },
        Agent::Copilot => Layout {
            event: "preToolUse",
            matcher: None,
            command_key: "bash",
            entry: |c| json!({"type": "command", "bash": c, "timeoutSec": 30}),
            versioned: true,
            mcp: Mcp::No,
        },
        Agent::Windsurf => Layout {
            event: "pre_run_command",
            matcher: None,
            command_key: "command",
            entry: |c| json!({"command": c, "show_output": true}),
            versioned: false,
            mcp: Mcp::No,
        },
        Agent::Cline => return None,
    })
}

/// What an install or uninstall did to one file.
#[derive(Debug)]
pub struct Outcome {
    pub path: PathBuf,
    pub changed: bool,
    /// The previous version of the file, when there was one.
    pub backup: Option<PathBuf>,
    /// The file held nothing but Interlock's entry and was deleted.
    pub removed_file: bool,
}

impl Outcome {
    fn unchanged(path: PathBuf) -> Outcome {
        Outcome {
            path,
            changed: false,
            backup: None,
            removed_file: false,
        }
    }
}

/// One way an agent reaches Interlock, as found in its settings.
#[derive(Debug, Clone)]
pub struct Route {
    /// `hook` or `shell`.
    pub kind: &'static str,
    /// Where in the settings (e.g. `PreToolUse[Bash]`).
    pub place: String,
    /// What is configured to run.
    pub command: String,
    /// The argv that runs it the way the agent does.
    pub argv: Vec<String>,
    /// Why the agent would not use it, when something is off.
    pub problem: Option<String>,
}

/// Add Interlock's hook to an agent's settings (idempotent).
pub fn install(agent: Agent, path: &Path, command: &str) -> Result<Outcome, String> {
    let all = layouts(agent);
    if all.is_empty() {
        return install_script(path, command);
    }
    let mut file = settings::read(path)?;
    let current = |doc: &Map<String, Value>, l: &Layout| {
        let found = find(doc, l, agent);
        found.len() == 1
            && found[0].command == command
            && found[0].problem.is_none()
            && found[0].matcher.as_deref() == l.matcher
    };
    if all.iter().all(|l| current(&file.doc, l)) {
        return Ok(Outcome::unchanged(file.path));
    }
    if !file.existed() && all.iter().any(|l| l.versioned) {
        file.doc.insert("version".into(), json!(1));
    }
    for l in &all {
        remove(&mut file.doc, l, agent);
        add(&mut file.doc, l, command).map_err(|e| format!("{} {e}", shown(&file.path)))?;
    }
    let backup = file.write()?;
    Ok(Outcome {
        path: file.path,
        changed: true,
        backup,
        removed_file: false,
    })
}

/// Remove every Interlock entry (hook, and Claude Code's shell route) from a file.
pub fn uninstall(agent: Agent, path: &Path) -> Result<Outcome, String> {
    let all = layouts(agent);
    if all.is_empty() {
        return uninstall_script(path);
    }
    let versioned = all.iter().any(|l| l.versioned);
    let mut file = settings::read(path)?;
    let mut removed = all
        .iter()
        .map(|l| remove(&mut file.doc, l, agent))
        .sum::<usize>();
    if agent == Agent::Claude {
        removed += usize::from(remove_shell(&mut file.doc));
    }
    if removed == 0 {
        return Ok(Outcome::unchanged(file.path));
    }
    let only_defaults = file.doc.is_empty()
        || (versioned && file.doc.len() == 1 && file.doc.get("version") == Some(&json!(1)));
    // A file left with nothing but defaults held only what install put there; so do
    // the directories install made for it, if they are now empty.
    if only_defaults {
        file.remove()?;
        prune_empty_dirs(&file.path);
    } else {
        file.write_plain()?;
    }
    drop_stale_backup(&file.path, &all, agent);
    Ok(Outcome {
        path: file.path,
        changed: true,
        backup: None,
        removed_file: only_defaults,
    })
}

/// The backup install kept is stale once Interlock is out: it still holds the hook, or
/// it is what the file is again (or the file is gone).
fn drop_stale_backup(path: &Path, all: &[Layout], agent: Agent) {
    let backup = settings::backup_path(path);
    let Ok(old) = settings::read(&backup) else {
        return;
    };
    if !old.existed() {
        return;
    }
    let now = settings::read(path).ok().filter(|f| f.existed());
    let same =
        now.as_ref().is_some_and(|f| f.doc == old.doc) || now.is_none() && old.doc.is_empty();
    if same || all.iter().any(|l| !find(&old.doc, l, agent).is_empty()) {
        let _ = std::fs::remove_file(&backup);
    }
}

/// Remove the agent's directories that held the settings file when they are empty
/// (`.claude`, `.copilot/hooks`, `.codeium/windsurf`): never HOME or a project.
fn prune_empty_dirs(path: &Path) {
    let home = std::env::var_os("HOME").map(std::path::PathBuf::from);
    for dir in path.ancestors().skip(1).take(3) {
        let agents_own = dir
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with('.') || matches!(n, "hooks" | "windsurf"));
        if !agents_own || home.as_deref() == Some(dir) || std::fs::remove_dir(dir).is_err() {
            break;
        }
    }
}

/// Point Claude Code's `CLAUDE_CODE_SHELL` at an Interlock shell (idempotent).
pub fn install_shell(path: &Path, shell: &str) -> Result<Outcome, String> {
    let mut file = settings::read(path)?;
    let env = file
        .doc
        .entry("env")
        .or_insert_with(|| Value::Object(Map::new()));
    let Value::Object(env) = env else {
        return Err(format!(
            "{}: `env` is not an object; Interlock changed nothing",
            shown(&file.path)
        ));
    };
    match env.get(SHELL_KEY).and_then(Value::as_str) {
        Some(s) if s == shell => return Ok(Outcome::unchanged(file.path)),
        Some(s) if !is_our_shell(s) => {
            return Err(format!(
                "{} already sets {SHELL_KEY} to {}; remove that first if Interlock should be Claude Code's shell",
                shown(&file.path),
                crate::render::visible(s, false)
            ))
        }
        _ => {}
    }
    env.insert(SHELL_KEY.into(), json!(shell));
    let backup = file.write()?;
    Ok(Outcome {
        path: file.path,
        changed: true,
        backup,
        removed_file: false,
    })
}

/// The routes to Interlock configured in one file (for `interlock doctor`).
pub fn routes(agent: Agent, path: &Path) -> Result<Vec<Route>, String> {
    let Some(l) = layout(agent) else {
        return script_routes(path);
    };
    let file = settings::read(path)?;
    let switched_off = disabled(agent, &file.doc);
    let mut out: Vec<Route> = find(&file.doc, &l, agent)
        .into_iter()
        .map(|f| Route {
            kind: "hook",
            place: place(&l, f.matcher.as_deref()),
            argv: vec![runner(agent).into(), "-c".into(), f.command.clone()],
            command: f.command,
            problem: f.problem.or_else(|| switched_off.clone()),
        })
        .collect();
    if agent == Agent::Claude {
        if let Some(shell) = file
            .doc
            .get("env")
            .and_then(|e| e.get(SHELL_KEY))
            .and_then(Value::as_str)
        {
            out.push(Route {
                kind: "shell",
                place: format!("env.{SHELL_KEY}"),
                argv: vec![shell.into(), "-c".into(), super::CANARY.into()],
                command: shell.into(),
                problem: shell_problem(shell),
            });
        }
    }
    Ok(out)
}

/// Where an entry sits in the settings (`PreToolUse[Bash]`).
fn place(l: &Layout, matcher: Option<&str>) -> String {
    match (l.matcher, matcher) {
        (Some(_), Some(m)) => format!("{}[{}]", l.event, crate::render::visible(m, false)),
        (Some(m), None) => format!("{}[{m}]", l.event),
        (None, _) => l.event.to_string(),
    }
}

/// The shell the agent runs its hook commands with.
fn runner(agent: Agent) -> &'static str {
    if agent == Agent::Copilot {
        "bash"
    } else {
        "/bin/sh"
    }
}

/// How MCP tool calls reach Interlock through one settings file (for `interlock
/// doctor`): `Ok(route)` for the entry they reach, `Err(why)` when none does.
/// `None` for agents whose MCP calls Interlock's hook does not take.
pub fn mcp_route(agent: Agent, path: &Path) -> Option<Result<Route, String>> {
    let all = layouts(agent);
    let l = all.iter().find(|l| l.mcp != Mcp::No)?;
    let file = match settings::read(path) {
        Ok(f) => f,
        Err(e) => return Some(Err(e)),
    };
    let found = find(&file.doc, l, agent);
    let route = |f: &Found| Route {
        kind: "hook",
        place: place(l, f.matcher.as_deref()),
        argv: vec![runner(agent).into(), "-c".into(), f.command.clone()],
        command: f.command.clone(),
        problem: disabled(agent, &file.doc),
    };
    let reached = found.iter().find(|f| match l.mcp {
        Mcp::Named(tool) => matcher_selects(f.matcher.as_deref(), tool),
        _ => true,
    });
    Some(match (reached, found.first()) {
        (Some(f), _) => Ok(route(f)),
        (None, Some(f)) => Err(format!(
            "the matcher `{}` does not select MCP tools; run `interlock install {}` again",
            crate::render::visible(f.matcher.as_deref().unwrap_or(""), false),
            agent.name()
        )),
        (None, None) => Err(format!(
            "no `{}` entry; run `interlock install {}` again",
            l.event,
            agent.name()
        )),
    })
}

/// Does a group's matcher select an MCP tool named like `tool`? Read as the agents
/// read it: empty, `*` or absent select everything; otherwise each `|` alternative is
/// a name or a pattern, of which Interlock reads the `PREFIX.*` form.
fn matcher_selects(matcher: Option<&str>, tool: &str) -> bool {
    let Some(m) = matcher else {
        return true;
    };
    matches!(m, "" | "*" | ".*")
        || m.split('|').map(str::trim).any(|alt| {
            alt == tool
                || alt.strip_suffix(".*").is_some_and(|prefix| {
                    !prefix.is_empty()
                        && tool.starts_with(prefix)
                        && prefix
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '_')
                })
        })
}

const SHELL_KEY: &str = "CLAUDE_CODE_SHELL";

fn is_our_shell(path: &str) -> bool {
    Path::new(path)
        .file_name()
        .is_some_and(|n| n.to_string_lossy().starts_with("interlock"))
}

/// Claude Code only takes a shell whose path names bash or zsh, and only if it runs.
fn shell_problem(shell: &str) -> Option<String> {
    use std::os::unix::fs::PermissionsExt;
    if !shell.contains("bash") && !shell.contains("zsh") {
        return Some(
            "Claude Code ignores a shell whose path does not contain `bash` or `zsh`".into(),
        );
    }
    match std::fs::metadata(shell) {
        Ok(m) if m.is_file() && m.permissions().mode() & 0o111 != 0 => None,
        Ok(_) => Some("the shell is not an executable file".into()),
        Err(e) => Some(format!("the shell cannot be used: {e}")),
    }
}

fn remove_shell(doc: &mut Map<String, Value>) -> bool {
    let Some(Value::Object(env)) = doc.get_mut("env") else {
        return false;
    };
    if !env
        .get(SHELL_KEY)
        .and_then(Value::as_str)
        .is_some_and(is_our_shell)
    {
        return false;
    }
    env.shift_remove(SHELL_KEY);
    if env.is_empty() {
        doc.shift_remove("env");
    }
    true
}

/// Settings that switch every hook off.
fn disabled(agent: Agent, doc: &Map<String, Value>) -> Option<String> {
    let off = |v: Option<&Value>| v == Some(&Value::Bool(false));
    match agent {
        Agent::Claude if doc.get("disableAllHooks") == Some(&Value::Bool(true)) => {
            Some("`disableAllHooks` is set in this file".into())
        }
        Agent::Gemini => {
            let hooks = doc.get("hooks");
            if off(hooks.and_then(|h| h.get("enabled")))
                || off(doc.get("tools").and_then(|t| t.get("enableHooks")))
            {
                return Some("hooks are switched off in this file".into());
            }
            let listed = hooks
                .and_then(|h| h.get("disabled"))
                .and_then(Value::as_array)
                .is_some_and(|d| d.iter().any(|n| n == "interlock"));
            listed.then(|| "the `interlock` hook is listed in `hooks.disabled`".into())
        }
        _ => None,
    }
}

/// One of Interlock's entries in a settings file.
struct Found {
    command: String,
    /// Why the agent would not run it for shell commands.
    problem: Option<String>,
    /// The matcher of the group holding it, when the layout has groups.
    matcher: Option<String>,
}

/// Interlock's entries for the layout's event.
fn find(doc: &Map<String, Value>, l: &Layout, agent: Agent) -> Vec<Found> {
    let Some(list) = doc
        .get("hooks")
        .and_then(|h| h.get(l.event))
        .and_then(Value::as_array)
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for item in list {
        let matcher = item
            .get("matcher")
            .and_then(Value::as_str)
            .map(str::to_string);
        let (entries, problem) = match l.matcher {
            Some(tool) => {
                let Some(inner) = item.get("hooks").and_then(Value::as_array) else {
                    continue;
                };
                (
                    inner.iter().collect::<Vec<_>>(),
                    // The shell tool (the first one listed) must be covered.
                    matcher_problem(item.get("matcher"), tool.split('|').next().unwrap_or(tool)),
                )
            }
            None => (vec![item], None),
        };
        for e in entries {
            if let Some(c) = our_command(e, l.command_key, agent) {
                let type_problem = match e.get("type").and_then(Value::as_str) {
                    Some("command") | None => None,
                    Some(t) => Some(format!("the entry's type is `{t}`, not `command`")),
                };
                out.push(Found {
                    command: c.to_string(),
                    problem: problem.clone().or(type_problem),
                    matcher: matcher.clone(),
                });
            }
        }
    }
    out
}

fn our_command<'a>(entry: &'a Value, key: &str, agent: Agent) -> Option<&'a str> {
    entry
        .get(key)
        .and_then(Value::as_str)
        .filter(|c| is_ours(c, agent))
}

/// Does a group's matcher select `tool`? Matchers are tool names, `|` lists, or
/// patterns; Interlock only trusts the forms it can read for sure.
fn matcher_problem(matcher: Option<&Value>, tool: &str) -> Option<String> {
    let m = match matcher {
        None | Some(Value::Null) => return None,
        Some(Value::String(m)) => m.as_str(),
        Some(other) => return Some(format!("the matcher {other} is not text")),
    };
    let covers = matches!(m, "" | "*" | ".*") || m.split('|').any(|alt| alt.trim() == tool);
    (!covers).then(|| {
        format!(
            "the matcher `{}` does not select the `{tool}` tool",
            crate::render::visible(m, false)
        )
    })
}

fn add(doc: &mut Map<String, Value>, l: &Layout, command: &str) -> Result<(), String> {
    let hooks = doc
        .entry("hooks")
        .or_insert_with(|| Value::Object(Map::new()));
    let Value::Object(hooks) = hooks else {
        return Err("has a `hooks` value that is not an object; Interlock changed nothing".into());
    };
    let list = hooks
        .entry(l.event)
        .or_insert_with(|| Value::Array(Vec::new()));
    let Value::Array(list) = list else {
        return Err(format!(
            "has a `hooks.{}` value that is not a list; Interlock changed nothing",
            l.event
        ));
    };
    let entry = (l.entry)(command);
    list.push(match l.matcher {
        Some(m) => json!({"matcher": m, "hooks": [entry]}),
        None => entry,
    });
    Ok(())
}

/// Remove Interlock's entries; groups and lists that only held them go too.
fn remove(doc: &mut Map<String, Value>, l: &Layout, agent: Agent) -> usize {
    let Some(Value::Object(hooks)) = doc.get_mut("hooks") else {
        return 0;
    };
    let Some(Value::Array(list)) = hooks.get_mut(l.event) else {
        return 0;
    };
    let mut removed = 0;
    list.retain_mut(|item| {
        if l.matcher.is_none() {
            let ours = our_command(item, l.command_key, agent).is_some();
            removed += usize::from(ours);
            return !ours;
        }
        let Some(Value::Array(inner)) = item.get_mut("hooks") else {
            return true;
        };
        let before = inner.len();
        inner.retain(|e| our_command(e, l.command_key, agent).is_none());
        let n = before - inner.len();
        removed += n;
        !(n > 0 && inner.is_empty())
    });
    if removed > 0 {
        if list.is_empty() {
            hooks.shift_remove(l.event);
        }
        if hooks.is_empty() {
            doc.shift_remove("hooks");
        }
    }
    removed
}

/// Cline's hook is an executable file; Interlock's is this small script.
fn cline_script(command: &str) -> String {
    format!(
        "#!/bin/sh\n# Interlock checks each command before Cline runs it.\n# Added by `interlock install cline`; `interlock uninstall cline` removes it.\nexec {command}\n"
    )
}

/// The Interlock command a hook script hands over to, if it is Interlock's.
fn script_command(text: &str) -> Option<String> {
    text.lines()
        .filter_map(|l| l.trim().strip_prefix("exec "))
        .map(str::trim)
        .find(|c| is_ours(c, Agent::Cline))
        .map(str::to_string)
}

fn read_script(path: &Path) -> Result<Option<String>, String> {
    Ok(settings::read_bytes(path)?.map(|b| String::from_utf8_lossy(&b).into_owned()))
}

fn install_script(path: &Path, command: &str) -> Result<Outcome, String> {
    let path = settings::real_path(path);
    let wanted = cline_script(command);
    let backup = match read_script(&path)? {
        None => None,
        Some(text) if text == wanted => return Ok(Outcome::unchanged(path)),
        Some(text) if script_command(&text).is_some() => Some(settings::keep_backup(&path)?),
        Some(_) => {
            return Err(format!(
                "{} already holds a hook that is not Interlock's; Cline runs one PreToolUse file per folder, so call `interlock hook cline` from it or move it away",
                shown(&path)
            ))
        }
    };
    settings::write_atomic(&path, wanted.as_bytes(), 0o755)
        .map_err(|e| format!("cannot write {}: {e}", shown(&path)))?;
    Ok(Outcome {
        path,
        changed: true,
        backup,
        removed_file: false,
    })
}

fn uninstall_script(path: &Path) -> Result<Outcome, String> {
    let path = settings::real_path(path);
    match read_script(&path)? {
        Some(text) => match script_command(&text) {
            None => Ok(Outcome::unchanged(path)),
            Some(command) => {
                // A script edited since install is kept as the backup.
                let backup = if text == cline_script(&command) {
                    None
                } else {
                    Some(settings::keep_backup(&path)?)
                };
                std::fs::remove_file(&path)
                    .map_err(|e| format!("cannot remove {}: {e}", shown(&path)))?;
                Ok(Outcome {
                    path,
                    changed: true,
                    backup,
                    removed_file: true,
                })
            }
        },
        None => Ok(Outcome::unchanged(path)),
    }
}

fn script_routes(path: &Path) -> Result<Vec<Route>, String> {
    use std::os::unix::fs::PermissionsExt;
    let Some(text) = read_script(path)? else {
        return Ok(Vec::new());
    };
    let Some(command) = script_command(&text) else {
        return Ok(Vec::new());
    };
    let executable = std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o111 != 0);
    Ok(vec![Route {
        kind: "hook",
        place: "PreToolUse script".into(),
        argv: vec![path.to_string_lossy().into_owned()],
        command,
        problem: (!executable).then(|| "the script is not executable, so Cline skips it".into()),
    }])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_our_commands() {
        assert!(is_ours(
            "/usr/local/bin/interlock hook claude",
            Agent::Claude
        ));
        assert!(is_ours(
            "'/opt/my tools/interlock' hook cursor --no-ask",
            Agent::Cursor
        ));
        assert!(is_ours("interlock hook gemini", Agent::Gemini));
        assert!(!is_ours("interlock hook claude", Agent::Cursor));
        assert!(!is_ours("/usr/bin/other hook claude", Agent::Claude));
        assert!(!is_ours("interlock check -- ls", Agent::Claude));
        assert!(!is_ours("'unterminated", Agent::Claude));
    }

    #[test]
    fn hook_command_quotes_the_path() {
        let c = hook_command(
            Path::new("/a b/interlock"),
            Agent::Claude,
            Options { ask: false },
        );
        assert_eq!(c, "'/a b/interlock' hook claude --no-ask");
        assert!(is_ours(&c, Agent::Claude));
        let c = hook_command(
            Path::new("/x/interlock"),
            Agent::Codex,
            Options { ask: false },
        );
        assert_eq!(c, "/x/interlock hook codex");
    }

    #[test]
    fn matchers() {
        assert!(matcher_problem(Some(&json!("Bash")), "Bash").is_none());
        assert!(matcher_problem(Some(&json!("Edit|Bash")), "Bash").is_none());
        assert!(matcher_problem(Some(&json!("*")), "Bash").is_none());
        assert!(matcher_problem(None, "Bash").is_none());
        assert!(matcher_problem(Some(&json!("Read")), "Bash").is_some());
        assert!(matcher_problem(Some(&json!("Bash.*Edit")), "Bash").is_some());
    }

    #[test]
    fn script_is_recognised() {
        let s = cline_script("/x/interlock hook cline");
        assert_eq!(
            script_command(&s).as_deref(),
            Some("/x/interlock hook cline")
        );
        assert_eq!(script_command("#!/bin/sh\nexec other-guard\n"), None);
    }
}
