//! `interlock install <agent>`: add Interlock's hook to an agent's settings (or, for
//! Claude Code, make Interlock its shell), keeping everything else and a backup.

use super::exit;
use super::hook::agent_arg;
use clap::Args;
use interlock::hooks::codex_trust;
use interlock::hooks::settings::shown;
use interlock::hooks::wiring::{self, Outcome, Scope};
use interlock::hooks::{Agent, Options};
use std::path::{Path, PathBuf};

#[derive(Args)]
pub struct InstallArgs {
    /// claude, cursor, codex, gemini, copilot, windsurf or cline.
    #[arg(value_parser = agent_arg)]
    agent: Agent,
    /// Change the project's settings (in the current directory) instead of yours.
    #[arg(long)]
    project: bool,
    /// Claude Code: make `interlock-bash` its shell (CLAUDE_CODE_SHELL) instead of
    /// adding a hook.
    #[arg(long)]
    shell: bool,
    /// Claude Code, Cursor: confirm with a deny and an approval code instead of the
    /// agent's own prompt (Cursor's Auto-review mode is reported to skip that prompt).
    #[arg(long)]
    no_ask: bool,
    /// Claude Code: write the system's managed settings
    /// (/etc/claude-code/managed-settings.json, needs root), whose hooks no user or
    /// project setting can remove or disable.
    #[arg(long, conflicts_with_all = ["project", "shell"])]
    managed: bool,
}

/// Where an agent's system-level managed settings live, for the agents that have
/// them (`INTERLOCK_MANAGED_DIR` replaces the directory, for tests).
pub(super) fn managed_path(agent: Agent) -> Result<PathBuf, String> {
    let dir = std::env::var_os("INTERLOCK_MANAGED_DIR")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from);
    match agent {
        Agent::Claude => Ok(dir
            .unwrap_or_else(|| PathBuf::from("/etc/claude-code"))
            .join("managed-settings.json")),
        other => Err(format!(
            "--managed is for Claude Code only: {} has no managed hook settings Interlock knows (its settings are kept read-only for the agent's commands by the confinement; see docs/threat-model.md)",
            other.title()
        )),
    }
}

/// The user's home directory (tests point HOME elsewhere).
pub(super) fn home() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
}

/// The settings file for an agent and scope, from HOME and the current directory.
pub(super) fn target(agent: Agent, project: bool, verb: &str) -> Result<PathBuf, String> {
    let home = home().ok_or(format!("interlock {verb}: HOME is not set"))?;
    let here = std::env::current_dir()
        .map_err(|e| format!("interlock {verb}: no current directory: {e}"))?;
    let scope = if project { Scope::Project } else { Scope::User };
    Ok(wiring::settings_path(agent, scope, &home, &here))
}

pub fn run(a: InstallArgs) -> i32 {
    if a.shell && a.agent != Agent::Claude {
        eprintln!("interlock install: --shell is for Claude Code only; other agents take the shell from $SHELL or their own settings");
        return exit::USAGE;
    }
    let path = match if a.managed {
        managed_path(a.agent).map_err(|e| format!("interlock install: {e}"))
    } else {
        target(a.agent, a.project, "install")
    } {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{e}");
            return exit::USAGE;
        }
    };
    // Checked before install creates the agent's directory.
    let absent = !a.managed && home().is_some_and(|h| !wiring::present(a.agent, &h));
    let result = if a.shell {
        shell_path().and_then(|s| wiring::install_shell(&path, &s.to_string_lossy()))
    } else {
        std::env::current_exe()
            .map_err(|e| format!("cannot find the interlock program: {e}"))
            .and_then(|exe| {
                let opts = Options { ask: !a.no_ask };
                wiring::install(a.agent, &path, &wiring::hook_command(&exe, a.agent, opts))
            })
    };
    // Codex runs a hook only when config.toml records the user's trust in it.
    let result = result.and_then(|o| {
        if a.agent == Agent::Codex {
            let home = home().unwrap_or_default();
            let codex_home = wiring::codex_home(&home);
            if let Some(config) = codex_trust::trust_installed(&o.path, &codex_home)? {
                println!(
                    "Codex CLI: trust for the Interlock hook recorded in {} (Codex skips hooks it has not been told to trust)",
                    shown(&config)
                );
            }
        }
        Ok(o)
    });
    match result {
        Ok(o) => {
            report(a.agent, &o, if a.shell { "shell route" } else { "hook" });
            if o.changed {
                if let Some(n) = note(a.agent, a.shell) {
                    println!("  {n}");
                }
            }
            if a.managed {
                managed_note();
            }
            if absent {
                eprintln!(
                    "warning: {} does not seem to be installed here (no `{}` on PATH, no settings directory): the {} is written and takes effect once it is",
                    a.agent.title(),
                    a.agent.name(),
                    if a.shell { "shell route" } else { "hook" }
                );
            }
            println!("Check it with: interlock doctor");
            exit::ALLOW
        }
        Err(e) => {
            eprintln!("interlock install: {e}");
            exit::FAILED
        }
    }
}

/// A managed hook is only as safe as the program it names.
fn managed_note() {
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    let writable = exe.parent().is_some_and(|d| {
        nix::unistd::access(d, nix::unistd::AccessFlags::W_OK).is_ok()
            && !nix::unistd::geteuid().is_root()
    }) || nix::unistd::access(&exe, nix::unistd::AccessFlags::W_OK).is_ok()
        && !nix::unistd::geteuid().is_root();
    if writable {
        println!("  note: the hook runs {}, which you can write: for a tamper-proof hook install Interlock root-owned (e.g. sudo install -m 0755 {} /usr/local/bin/) and run this again with that binary", shown(&exe), shown(&exe));
    }
}

fn report(agent: Agent, o: &Outcome, what: &str) {
    if !o.changed {
        println!(
            "{}: the Interlock {what} is already in {} (nothing changed)",
            agent.title(),
            shown(&o.path)
        );
        return;
    }
    println!(
        "{}: Interlock {what} added to {}",
        agent.title(),
        shown(&o.path)
    );
    if let Some(b) = &o.backup {
        println!("  the previous version is kept in {}", shown(b));
    }
}

/// What the user still has to do in the agent itself.
fn note(agent: Agent, shell: bool) -> Option<&'static str> {
    match agent {
        Agent::Claude if shell => Some("restart Claude Code so it starts its shell from the new setting"),
        Agent::Cursor => Some("restart Cursor so it loads the hook"),
        Agent::Cline => Some("in Cline, turn hooks on in Settings and switch this PreToolUse hook on in the Hooks tab"),
        _ => None,
    }
}

/// `interlock-bash`, next to this program or in ~/.local/bin. Claude Code only takes a
/// shell whose path names bash or zsh, which is why the link has that name.
fn shell_path() -> Result<PathBuf, String> {
    use std::os::unix::fs::PermissionsExt;
    let mut candidates = Vec::new();
    if let Some(dir) = std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(Path::to_path_buf))
    {
        candidates.push(dir.join("interlock-bash"));
    }
    if let Some(h) = home() {
        candidates.push(h.join(".local/bin/interlock-bash"));
    }
    candidates
        .iter()
        .find(|c| std::fs::metadata(c).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0))
        .cloned()
        .ok_or_else(|| {
            let tried: Vec<String> = candidates.iter().map(|c| shown(c)).collect();
            format!(
                "no interlock-bash found (looked at {}); install Interlock's shell links first (install.sh), or use the hook: interlock install claude",
                tried.join(", ")
            )
        })
}
