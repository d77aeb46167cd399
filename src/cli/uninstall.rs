//! `interlock uninstall <agent>`: remove exactly what `interlock install` added (the
//! entries running `interlock hook <agent>`, Claude Code's Interlock shell), keeping
//! a backup.

use super::exit;
use super::hook::agent_arg;
use super::install::target;
use clap::Args;
use interlock::hooks::codex_trust;
use interlock::hooks::settings::shown;
use interlock::hooks::wiring;
use interlock::hooks::Agent;

#[derive(Args)]
pub struct UninstallArgs {
    /// claude, cursor, codex, gemini, copilot, windsurf or cline.
    #[arg(value_parser = agent_arg)]
    agent: Agent,
    /// Change the project's settings (in the current directory) instead of yours.
    #[arg(long)]
    project: bool,
    /// Claude Code: remove the hook from the system's managed settings (needs root).
    #[arg(long, conflicts_with = "project")]
    managed: bool,
}

pub fn run(a: UninstallArgs) -> i32 {
    let path = match if a.managed {
        super::install::managed_path(a.agent).map_err(|e| format!("interlock uninstall: {e}"))
    } else {
        target(a.agent, a.project, "uninstall")
    } {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{e}");
            return exit::USAGE;
        }
    };
    let result = wiring::uninstall(a.agent, &path);
    if a.agent == Agent::Codex && result.is_ok() {
        let home = super::install::home().unwrap_or_default();
        let config = codex_trust::config_path(&wiring::codex_home(&home));
        if let Err(e) = codex_trust::forget(&config, &path) {
            eprintln!("interlock uninstall: warning: {e}");
        }
    }
    match result {
        Ok(o) if !o.changed => {
            println!(
                "{}: no Interlock entry in {} (nothing changed)",
                a.agent.title(),
                shown(&o.path)
            );
            exit::ALLOW
        }
        Ok(o) => {
            if o.removed_file {
                println!(
                    "{}: Interlock removed; {} held nothing else and was deleted",
                    a.agent.title(),
                    shown(&o.path)
                );
            } else {
                println!(
                    "{}: Interlock removed from {}",
                    a.agent.title(),
                    shown(&o.path)
                );
            }
            if let Some(b) = &o.backup {
                println!("  the previous version is kept in {}", shown(b));
            }
            exit::ALLOW
        }
        Err(e) => {
            eprintln!("interlock uninstall: {e}");
            exit::FAILED
        }
    }
}
