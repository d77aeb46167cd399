//! The decision engine: one command line plus its context in, one verdict out.
//!
//! Every front door (check, shell, wrap, hook, audit) calls [`Engine::decide`]; nothing
//! else decides. The engine never runs anything and never touches the network: it only
//! reads the syntax tree, the policy, and (for scripts fed to a shell) local files.

pub mod mcp;

pub use crate::model::{Context, Decision, Finding, Verdict, MAX_INPUT_BYTES};

use crate::analysis::Analyzer;
use crate::policy::Policy;

/// Bracket nesting deeper than this is not analysed (the walker's own limit is on the
/// tree; this also covers text the parser gave up on).
pub const MAX_NESTING: usize = 150;
/// Words and operators (counted before parsing, see [`token_count`]) above this are not
/// parsed: the parser's memory grows with them (about 550 bytes a word, a pipe `|`
/// about six times that), and this bound keeps every decision under 200 MB. Past it:
/// a confirm naming the budget. (Time has its own budget, in the walker.)
pub const MAX_TOKENS: usize = 300_000;
/// What one pipe `|` costs the parser, in words (it forks the grammar's parse stack).
const PIPE_WEIGHT: usize = 8;

/// The engine holds the compiled policy; it is cheap to share between threads.
pub struct Engine {
    policy: Policy,
    /// `Policy::digest`, computed the first time a door asks (it walks every rule, so
    /// never on the way to a decision), then kept.
    digest: std::sync::OnceLock<String>,
}

impl Engine {
    pub fn new(policy: Policy) -> Engine {
        Engine {
            policy,
            digest: std::sync::OnceLock::new(),
        }
    }

    /// The digest of this engine's policy (what `interlock policy digest` prints),
    /// computed once per engine, when first asked: the audit log asks only when it
    /// writes an entry.
    pub fn policy_digest(&self) -> &str {
        self.digest.get_or_init(|| self.policy.digest())
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
        // A fish or zsh line is also read as the bash it amounts to (fish's `(cmd)`,
        // zsh's `${~x}`, …); those findings cover the whole line, and the stricter
        // reading wins. Where only lists differ (fish's `set x a b`, zsh's `x=(a b)`,
        // and their `$x`, `$x[2]`), the bash reading is exact and the only one.
        let Some(bash) = crate::syntax::dialect::reading(line, ctx.dialect) else {
            return self.decide_as_bash(line, args, ctx);
        };
        let (mut findings, mut programs) = if bash.exact {
            (Vec::new(), Vec::new())
        } else {
            let v = self.decide_as_bash(line, args, ctx);
            (v.findings, v.programs)
        };
        let other = self.decide_as_bash(&bash.text, args, ctx);
        findings.extend(other.findings.into_iter().map(|mut f| {
            f.start = 0;
            f.end = line.len();
            f
        }));
        for p in other.programs {
            if !programs.contains(&p) {
                programs.push(p);
            }
        }
        Verdict::new(findings, programs)
    }

    fn decide_as_bash(&self, line: &str, args: Option<&[String]>, ctx: &Context) -> Verdict {
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
        } else if token_count(line) > MAX_TOKENS {
            findings.push(self.policy.event_finding(
                "shell.too-complex",
                0..line.len(),
                Some(format!(
                    "the command has more than {MAX_TOKENS} words and operators, the budget Interlock analyses in one decision"
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

/// An estimate of the words and operators the parser will make nodes for: runs of
/// characters between blanks, plus every operator character (a pipe weighs
/// `PIPE_WEIGHT`). A single-quoted string is
/// one token, a double-quoted one too except for the `$` and backquotes inside it, and
/// a heredoc's body counts one plus its `$`s (the grammar makes one node of plain text).
pub fn token_count(line: &str) -> usize {
    let b = line.as_bytes();
    let mut n = 0usize;
    let mut in_word = false;
    let mut heredocs: Vec<(Vec<u8>, bool)> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match c {
            b'\n' => {
                in_word = false;
                i += 1;
                // Bodies of the heredocs opened on the line just ended.
                for (delim, strip) in std::mem::take(&mut heredocs) {
                    n += 1;
                    while i < b.len() {
                        let end = memchr::memchr(b'\n', &b[i..]).map_or(b.len(), |e| i + e);
                        let mut l = &b[i..end];
                        if strip {
                            while l.first() == Some(&b'\t') {
                                l = &l[1..];
                            }
                        }
                        let done = l == delim.as_slice();
                        n += memchr::memchr_iter(b'$', &b[i..end]).count();
                        i = end + 1;
                        if done {
                            break;
                        }
                    }
                }
                continue;
            }
            // Separators make no node of their own.
            b' ' | b'\t' | b'\r' | b';' => in_word = false,
            b'\\' => {
                if !in_word {
                    n += 1;
                    in_word = true;
                }
                i += 2;
                continue;
            }
            b'\'' | b'"' => {
                if !in_word {
                    n += 1;
                    in_word = true;
                }
                let end = memchr::memchr(c, &b[i + 1..]).map_or(b.len(), |e| i + 1 + e);
                if c == b'"' {
                    n += b[i + 1..end]
                        .iter()
                        .filter(|&&x| x == b'$' || x == b'`')
                        .count();
                }
                i = end + 1;
                continue;
            }
            b'<' if b.get(i + 1) == Some(&b'<') && b.get(i + 2) != Some(&b'<') => {
                n += 1;
                in_word = false;
                let mut j = i + 2;
                let strip = b.get(j) == Some(&b'-');
                if strip {
                    j += 1;
                }
                while b.get(j).is_some_and(|x| *x == b' ' || *x == b'\t') {
                    j += 1;
                }
                let mut delim = Vec::new();
                while let Some(&x) = b.get(j) {
                    if matches!(
                        x,
                        b' ' | b'\t' | b'\n' | b';' | b'&' | b'|' | b'<' | b'>' | b'(' | b')'
                    ) {
                        break;
                    }
                    if !matches!(x, b'\'' | b'"' | b'\\') {
                        delim.push(x);
                    }
                    j += 1;
                }
                if !delim.is_empty() {
                    heredocs.push((delim, strip));
                }
                n += 1;
                i = j;
                continue;
            }
            b'|' => {
                in_word = false;
                if b.get(i + 1) == Some(&b'|') {
                    n += 1;
                    i += 2;
                    continue;
                }
                n += PIPE_WEIGHT;
            }
            b'&' | b'<' | b'>' | b'(' | b')' | b'{' | b'}' | b'$' | b'`' => {
                n += 1;
                in_word = false;
            }
            _ => {
                if !in_word {
                    n += 1;
                    in_word = true;
                }
            }
        }
        i += 1;
    }
    n
}
