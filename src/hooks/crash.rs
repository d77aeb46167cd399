//! A hook that dies answers nothing, and most agents read that as "no objection": a
//! crash would let the command through. Before any work, the agent's blocking answer
//! is rendered and a handler for the fatal signals is installed that writes it and
//! exits, so even a crash inside C code (the tree-sitter scanner) or an abort stops
//! the command. SIGPIPE is ignored: a vanished reader is an error, not a death.

use super::Agent;
use nix::libc;
use nix::sys::signal::{sigaction, SaFlags, SigAction, SigHandler, SigSet, Signal};
use std::sync::OnceLock;

/// The pre-rendered blocking answer: stdout, stderr, exit status.
static ANSWER: OnceLock<(Vec<u8>, Vec<u8>, i32)> = OnceLock::new();

const FATAL: [Signal; 5] = [
    Signal::SIGSEGV,
    Signal::SIGBUS,
    Signal::SIGILL,
    Signal::SIGFPE,
    Signal::SIGABRT,
];

/// Install the handler for this process (call once, before reading the input).
pub fn guard(agent: Agent) {
    let a = super::refuse(
        agent,
        "Interlock crashed while checking this command, so it was not allowed",
    );
    if ANSWER
        .set((a.stdout.into_bytes(), a.stderr.into_bytes(), a.exit))
        .is_err()
    {
        return;
    }
    // The handler runs on its own stack, so a stack overflow is answered too.
    let stack = Box::leak(vec![0u8; 64 * 1024].into_boxed_slice());
    let ss = libc::stack_t {
        ss_sp: stack.as_mut_ptr().cast(),
        ss_flags: 0,
        ss_size: stack.len(),
    };
    // SAFETY: the stack is leaked, so it lives as long as the process.
    unsafe { libc::sigaltstack(&ss, std::ptr::null_mut()) };
    let action = SigAction::new(
        SigHandler::Handler(on_fatal),
        SaFlags::SA_ONSTACK | SaFlags::SA_RESETHAND,
        SigSet::empty(),
    );
    for s in FATAL {
        // SAFETY: `on_fatal` only calls async-signal-safe functions (write, _exit).
        let _ = unsafe { sigaction(s, &action) };
    }
    // A peer that went away (a collector, the broker, the agent itself) is an error
    // to handle, never a signal that kills the hook before it answers. Every socket
    // write already avoids SIGPIPE (`crate::sock`); this covers pipes too.
    let ignore = SigAction::new(SigHandler::SigIgn, SaFlags::empty(), SigSet::empty());
    // SAFETY: ignoring a signal installs no handler code.
    let _ = unsafe { sigaction(Signal::SIGPIPE, &ignore) };
}

extern "C" fn on_fatal(_: libc::c_int) {
    if let Some((out, err, exit)) = ANSWER.get() {
        // SAFETY: write(2) and _exit(2) are async-signal-safe; the buffers are static.
        unsafe {
            libc::write(2, err.as_ptr().cast(), err.len());
            libc::write(1, out.as_ptr().cast(), out.len());
            libc::_exit(*exit);
        }
    }
    // SAFETY: as above.
    unsafe { libc::_exit(2) }
}
