//! The command an agent meant, inside the wrapper the agent runs every command in.
//!
//! On the shell route the agent shell sees each command wrapped in the agent's own
//! boilerplate, with a fresh temporary path every time:
//!
//! - Claude Code: `source SNAPSHOT 2>/dev/null || true && shopt -u extglob 2>/dev/null
//!   || true && eval 'CMD' < /dev/null && pwd -P >| /tmp/claude-XXXX-cwd` (zsh:
//!   `setopt NO_EXTENDED_GLOB …`; the `source` part is missing before the snapshot
//!   exists).
//! - Gemini CLI: `shopt -u promptvars nullglob extglob nocaseglob dotglob;
//!   _bgpids_file=/tmp/gemini-shell-XXXXXX/bgpids.tmp` `(` `trap 'jobs -p >
//!   "$_bgpids_file"' EXIT` CMD `)` `__code=$?` `exit $__code`, one per line.
//!
//! An approval bound to the whole line would never match the retry, so it binds to
//! CMD instead. Only these exact shapes are recognised, and the approval stands for
//! the inner command only when every finding lies inside it ([`approval_key`]): what
//! the wrapper itself would do (the snapshot it sources) can never ride on it. The
//! other guarantees (same directory, single use, expiry) are the approval store's.

use crate::engine::Finding;
use std::ops::Range;
use std::path::PathBuf;

/// The agent's command inside its wrapper: the decoded text and the byte range in
/// the line that holds it (the quoted word for Claude's `eval`, the text itself for
/// Gemini's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Intent {
    pub command: String,
    pub span: Range<usize>,
    /// Whose wrapper it is: `claude` or `gemini`.
    pub agent: &'static str,
}

/// The inner command when `line` is one of the known wrappers, exactly.
pub fn unwrap(line: &str) -> Option<Intent> {
    claude(line).or_else(|| gemini(line))
}

/// What an approval for `line` binds to: the inner command of a known wrapper when
/// every finding lies inside it, else the whole line.
pub fn approval_key(line: &str, findings: &[Finding]) -> String {
    match unwrap(line) {
        Some(i)
            if findings
                .iter()
                .all(|f| f.start >= i.span.start && f.end <= i.span.end) =>
        {
            i.command
        }
        _ => line.to_string(),
    }
}

/// The agent whose wrapper `line` is, if it is one (for the log's `source`).
pub fn agent(line: &str) -> Option<&'static str> {
    unwrap(line).map(|i| i.agent)
}

/// Gemini CLI's file for the background pids of a wrapped command: it reads it after
/// every command and complains when it is missing, which it is when the command was
/// stopped before the wrapper ran.
pub fn gemini_bgpids_file(line: &str) -> Option<PathBuf> {
    gemini(line)?;
    let after = line.split_once("; _bgpids_file=")?.1;
    let path = after.split('\n').next()?;
    gemini_tmp_path(path).then(|| PathBuf::from(path))
}

/// After the agent shell stopped a wrapped command: leave what the agent's wrapper
/// would have left, so the agent reads the stop and not a wrapper error (Gemini CLI
/// prints "missing background pid output" otherwise). Only an empty file is created,
/// only where the wrapper names it, and never through an existing path.
pub fn after_stop(line: &str) {
    if let Some(p) = gemini_bgpids_file(line) {
        if p.parent().is_some_and(std::path::Path::is_dir) {
            let _ = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&p);
        }
    }
}

fn strip_any<'a>(s: &'a str, prefixes: &[&str]) -> &'a str {
    for p in prefixes {
        if let Some(rest) = s.strip_prefix(p) {
            return rest;
        }
    }
    s
}

fn claude(line: &str) -> Option<Intent> {
    let mut rest = line;
    if let Some(after) = rest.strip_prefix("source ") {
        // The snapshot: one word with no quoting, under Claude's shell-snapshots.
        let (path, tail) = after.split_once(' ')?;
        if !path.contains("/shell-snapshots/snapshot-")
            || path.contains(['\'', '"', '\\', '$', '`', ';', '&', '|', '(', ')'])
        {
            return None;
        }
        rest = tail
            .strip_prefix("2>/dev/null || true && ")
            .or_else(|| tail.strip_prefix("&& "))?;
    }
    rest = strip_any(
        rest,
        &[
            "shopt -u extglob 2>/dev/null || true && ",
            "setopt NO_EXTENDED_GLOB 2>/dev/null || true && ",
        ],
    );
    let word = rest.strip_prefix("eval ")?;
    let start = line.len() - word.len();
    let (command, used) = single_quoted_word(word)?;
    let tail = &word[used..];
    let tmp = tail
        .strip_prefix(" < /dev/null && pwd -P >| ")
        .or_else(|| tail.strip_prefix(" \\< /dev/null && pwd -P >| "))?;
    let id = tmp.strip_prefix("/tmp/claude-")?.strip_suffix("-cwd")?;
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    Some(Intent {
        command,
        span: start..start + used,
        agent: "claude",
    })
}

/// A word made only of single-quoted parts and `"'"` / `\'` joins (how Claude Code
/// quotes): its text and the bytes it takes.
fn single_quoted_word(s: &str) -> Option<(String, usize)> {
    let b = s.as_bytes();
    let mut i = 0;
    let mut out = String::new();
    let mut any = false;
    while i < b.len() {
        match b[i] {
            b'\'' => {
                let end = s[i + 1..].find('\'')? + i + 1;
                out.push_str(&s[i + 1..end]);
                i = end + 1;
                any = true;
            }
            b'"' if s[i..].starts_with("\"'\"") => {
                out.push('\'');
                i += 3;
            }
            b'\\' if s[i..].starts_with("\\'") => {
                out.push('\'');
                i += 2;
            }
            _ => break,
        }
    }
    any.then_some((out, i))
}

fn gemini_tmp_path(p: &str) -> bool {
    let Some(rest) = p.strip_prefix("/tmp/gemini-shell-") else {
        return false;
    };
    let Some(id) = rest.strip_suffix("/bgpids.tmp") else {
        return false;
    };
    !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric())
}

const GEMINI_HEAD: &str = "shopt -u promptvars nullglob extglob nocaseglob dotglob; _bgpids_file=";
const GEMINI_TRAP: &str = "\n(\n  trap 'jobs -p > \"$_bgpids_file\"' EXIT\n";
const GEMINI_TAIL: &str = "\n)\n__code=$?\nexit $__code";

fn gemini(line: &str) -> Option<Intent> {
    let after = line.strip_prefix(GEMINI_HEAD)?;
    let (path, rest) = after.split_once(GEMINI_TRAP)?;
    if !gemini_tmp_path(path) {
        return None;
    }
    let inner = rest.strip_suffix(GEMINI_TAIL)?;
    let start = line.len() - rest.len();
    Some(Intent {
        command: inner.to_string(),
        span: start..start + inner.len(),
        agent: "gemini",
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Decision;

    const CLAUDE: &str = "source /h/.claude/shell-snapshots/snapshot-bash-1796588427522-v4iuxe.sh 2>/dev/null || true && shopt -u extglob 2>/dev/null || true && eval 'rm -rf ~/keep' < /dev/null && pwd -P >| /tmp/claude-e36c-cwd";

    fn finding(span: Range<usize>) -> Finding {
        Finding {
            rule: "r".into(),
            decision: Decision::Confirm,
            reason: "x".into(),
            detail: None,
            start: span.start,
            end: span.end,
            suggestion: None,
        }
    }

    #[test]
    fn claude_wrapper() {
        let i = unwrap(CLAUDE).expect("claude");
        assert_eq!(i.command, "rm -rf ~/keep");
        assert_eq!(&CLAUDE[i.span.clone()], "'rm -rf ~/keep'");
        assert_eq!(agent(CLAUDE), Some("claude"));
        // Another temp path: the same intent.
        let other = CLAUDE.replace("claude-e36c-cwd", "claude-91af-cwd");
        assert_eq!(unwrap(&other).expect("claude").command, i.command);
        // Quotes inside, as Claude writes them.
        let q = "shopt -u extglob 2>/dev/null || true && eval 'echo '\"'\"'a b'\"'\"'' < /dev/null && pwd -P >| /tmp/claude-1a2b-cwd";
        assert_eq!(unwrap(q).expect("quoted").command, "echo 'a b'");
        // zsh, and before the snapshot exists.
        let z = "setopt NO_EXTENDED_GLOB 2>/dev/null || true && eval 'ls' < /dev/null && pwd -P >| /tmp/claude-1a2b-cwd";
        assert_eq!(unwrap(z).expect("zsh").command, "ls");
    }

    #[test]
    fn near_misses_are_not_unwrapped() {
        for line in [
            "eval 'rm -rf ~/keep'",
            "eval 'ls' < /dev/null && pwd -P >| /tmp/claude-x-cwd; rm -rf ~",
            "eval 'ls' < /dev/null && pwd -P >| /home/u/claude-1-cwd",
            "source ~/evil.sh 2>/dev/null || true && eval 'ls' < /dev/null && pwd -P >| /tmp/claude-1-cwd",
            "rm -rf / && eval 'ls' < /dev/null && pwd -P >| /tmp/claude-1-cwd",
            "eval 'ls' x < /dev/null && pwd -P >| /tmp/claude-1-cwd",
        ] {
            assert_eq!(unwrap(line), None, "{line}");
        }
    }

    #[test]
    fn gemini_wrapper() {
        let line = "shopt -u promptvars nullglob extglob nocaseglob dotglob; _bgpids_file=/tmp/gemini-shell-Vm7cth/bgpids.tmp\n(\n  trap 'jobs -p > \"$_bgpids_file\"' EXIT\nrm -rf ~/keep\n)\n__code=$?\nexit $__code";
        let i = unwrap(line).expect("gemini");
        assert_eq!(i.command, "rm -rf ~/keep");
        assert_eq!(&line[i.span.clone()], "rm -rf ~/keep");
        assert_eq!(
            gemini_bgpids_file(line),
            Some(PathBuf::from("/tmp/gemini-shell-Vm7cth/bgpids.tmp"))
        );
        let evil = line.replace("/tmp/gemini-shell-Vm7cth/", "/etc/");
        assert_eq!(unwrap(&evil), None);
        assert_eq!(gemini_bgpids_file(&evil), None);
    }

    #[test]
    fn approval_binds_to_the_inner_command_only_when_the_findings_are_inside() {
        let i = unwrap(CLAUDE).expect("claude");
        assert_eq!(
            approval_key(CLAUDE, &[finding(i.span.clone())]),
            "rm -rf ~/keep"
        );
        assert_eq!(approval_key(CLAUDE, &[finding(0..6)]), CLAUDE);
        assert_eq!(approval_key("rm -rf ~", &[finding(0..8)]), "rm -rf ~");
    }
}
