//! The decision engine: one command line plus its context in, one verdict out.
//!
//! Every front door (check, shell, wrap, hook, audit) calls [`Engine::decide`]; nothing
//! else decides. The engine never runs anything and never touches the network: it only
//! reads the syntax tree, the policy, and (for scripts fed to a shell) local files.

mod context;
mod decision;
mod verdict;

pub use context::Context;
pub use decision::Decision;
pub use verdict::{Finding, Verdict};

use crate::analysis::Analyzer;
use crate::policy::Policy;

/// Inputs above this size are not analysed: they get a confirm, never an allow.
pub const MAX_INPUT_BYTES: usize = 4 * 1024 * 1024;
/// Bracket nesting deeper than this is not analysed (the walker's own limit is on the
/// tree; this also covers text the parser gave up on).
pub const MAX_NESTING: usize = 150;

/// The engine holds the compiled policy; it is cheap to share between threads.
pub struct Engine {
    policy: Policy,
}

impl Engine {
    pub fn new(policy: Policy) -> Engine {
        Engine { policy }
    }

    /// The engine with only the built-in packs (what `interlock` uses with no config).
    pub fn builtin() -> Engine {
        Engine::new(Policy::builtin())
    }

    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Decide one command line. Never panics on any input; anything the engine cannot
    /// analyse in full (too large, too deep, unparsable where a program could hide)
    /// comes back as at least `Confirm`.
    pub fn decide(&self, line: &str, ctx: &Context) -> Verdict {
        self.decide_with_args(line, None, ctx)
    }

    /// Decide a script run with known positional parameters (`bash -c CODE NAME ARGS…`,
    /// `bash script.sh ARGS…`): `$1…` and `"$@"` take these values. `None` leaves
    /// them unknown, as for a line typed at a prompt.
    pub fn decide_with_args(&self, line: &str, args: Option<&[String]>, ctx: &Context) -> Verdict {
        let mut findings = Vec::new();
        let mut programs = Vec::new();
        if line.len() > MAX_INPUT_BYTES {
            findings.push(self.policy.event_finding(
                "shell.too-complex",
                0..line.len(),
                Some(format!(
                    "the command is {} bytes, more than the {} bytes Interlock analyses",
                    line.len(),
                    MAX_INPUT_BYTES
                )),
            ));
        } else if nesting(line) > MAX_NESTING {
            findings.push(self.policy.event_finding(
                "shell.too-complex",
                0..line.len(),
                Some(format!("brackets nested more than {MAX_NESTING} deep")),
            ));
        } else {
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let mut analyzer = Analyzer::new(&self.policy, ctx, line);
                analyzer.run(args);
                analyzer.finish()
            }));
            match result {
                Ok((f, p)) => {
                    findings = f;
                    programs = p;
                }
                Err(_) => findings.push(self.policy.event_finding(
                    "shell.too-complex",
                    0..line.len(),
                    Some("internal error while analysing this command".to_string()),
                )),
            }
        }
        Verdict::new(findings, programs)
    }
}

/// The deepest run of opening brackets (`(`, `{`, `[`) in the raw text.
fn nesting(line: &str) -> usize {
    let mut depth = 0usize;
    let mut max = 0usize;
    for b in line.bytes() {
        match b {
            b'(' | b'{' | b'[' => {
                depth += 1;
                max = max.max(depth);
            }
            b')' | b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}
