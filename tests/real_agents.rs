//! The real agent CLIs (Claude Code, Codex, Gemini CLI), end to end: each is wired to
//! Interlock with `interlock install`, driven by a scripted model server on 127.0.0.1,
//! and the test checks what really happened on disk and at a stand-in API.

#[path = "agents/harness.rs"]
mod harness;
#[path = "agents/mock.rs"]
mod mock;

use harness::{find_agent, Agent, Route, Run, Victim};
use mock::shell;

#[test]
fn codex_hook_stops_rm_keep() {
    if find_agent(Agent::Codex).is_none() {
        return;
    }
    let run = Run::new(Agent::Codex, Route::Hook);
    let out = run.start(vec![shell("rm -r ~/keep"), shell("echo ok > out.txt")]);
    eprintln!("{}", out.all());
    assert!(run.keep_survived(), "{}", out.all());
    assert!(run.project().join("out.txt").is_file(), "{}", out.all());
}
