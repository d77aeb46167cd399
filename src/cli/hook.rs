//! `interlock hook <agent>`: answer one pre-tool hook call from a coding agent.
//! The protocol work is in `interlock::hooks`; this reads stdin with a bound and
//! writes the answer.

use clap::Args;
use interlock::hooks::{self, Agent, Options, MAX_INPUT_BYTES};
use std::io::{Read, Write};

#[derive(Args)]
pub struct HookArgs {
    /// The agent whose protocol to speak: claude, cursor, codex, gemini, copilot,
    /// windsurf or cline.
    #[arg(value_parser = agent_arg)]
    agent: Agent,
    /// Confirm with a deny carrying an approval code even where the agent could ask
    /// the user itself (Claude Code, Cursor).
    #[arg(long)]
    no_ask: bool,
}

/// Parse an agent name for clap.
pub(super) fn agent_arg(s: &str) -> Result<Agent, String> {
    Agent::from_name(s).ok_or_else(|| {
        let names: Vec<&str> = Agent::ALL.iter().map(|a| a.name()).collect();
        format!("unknown agent; one of: {}", names.join(", "))
    })
}

pub fn run(a: HookArgs) -> i32 {
    hooks::crash::guard(a.agent);
    let mut input = Vec::new();
    let limit = MAX_INPUT_BYTES as u64 + 1;
    let answer = match std::io::stdin().lock().take(limit).read_to_end(&mut input) {
        Ok(_) => hooks::answer(a.agent, &input, Options { ask: !a.no_ask }),
        Err(e) => hooks::refuse(a.agent, &format!("cannot read the hook input: {e}")),
    };
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(answer.stderr.as_bytes());
    let mut out = std::io::stdout().lock();
    if out
        .write_all(answer.stdout.as_bytes())
        .and_then(|()| out.flush())
        .is_err()
    {
        // The answer did not reach the agent; exit 2 blocks in most protocols.
        return 2;
    }
    answer.exit
}
