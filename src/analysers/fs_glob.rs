//! What a pattern operand really names: `.g?t`, `.gi[t]` and `.git*` reach `.git` just
//! as `.git` does. The shell expands the pattern before the program runs, so the
//! pattern is matched against the names that matter wherever they are (a `.git`
//! directory) and against the directory's real entries when it can be listed.

use crate::specs::glob::glob_match;
use std::path::PathBuf;

/// Names judged by themselves even when the directory cannot be listed.
const WATCHED_NAMES: &[&str] = &[".git"];
/// Entries read from one directory at most (past it, the rest is not looked at; the
/// pattern is still matched against `WATCHED_NAMES`).
const MAX_ENTRIES: usize = 4096;

/// The paths a pattern whose last component holds the glob (`dir/.g?t`, `.git*`) would
/// expand to, as far as they can be known: `dir` resolved by `resolve`, then each
/// watched name or real entry of it that the last component matches. Patterns with a
/// glob higher up (`*/x`) give nothing here (the caller's own reading applies).
pub fn matches(text: &str, resolve: impl Fn(&str) -> Option<PathBuf>) -> Vec<PathBuf> {
    let text = text.trim_end_matches('/');
    let (base, last) = match text.rsplit_once('/') {
        Some((b, l)) => (if b.is_empty() { "/" } else { b }, l),
        None => (".", text),
    };
    let is_glob = |s: &str| s.contains(['*', '?', '[']);
    if !is_glob(last) || is_glob(base) || last.is_empty() {
        return Vec::new();
    }
    let Some(dir) = resolve(base) else {
        return Vec::new();
    };
    let fits = |name: &str| {
        // A leading dot is only matched by a pattern that starts with one.
        (!name.starts_with('.') || last.starts_with('.'))
            && name != "."
            && name != ".."
            && glob_match(last, name)
    };
    let mut out: Vec<PathBuf> = WATCHED_NAMES
        .iter()
        .filter(|n| fits(n))
        .map(|n| dir.join(n))
        .collect();
    if let Ok(entries) = std::fs::read_dir(&dir) {
        for e in entries.take(MAX_ENTRIES).flatten() {
            let name = e.file_name();
            if let Some(name) = name.to_str() {
                // Entries are unique; only a watched name can be in `out` already
                // (comparing with every earlier hit would be quadratic).
                if fits(name) && !WATCHED_NAMES.contains(&name) {
                    out.push(dir.join(name));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(pattern: &str) -> Vec<String> {
        matches(pattern, |b| Some(PathBuf::from("/nonexistent-dir").join(b)))
            .iter()
            .filter_map(|p| p.file_name()?.to_str().map(str::to_string))
            .collect()
    }

    #[test]
    fn patterns_that_name_git() {
        for p in [".g?t", ".gi[t]", ".git*", ".[g]it", "./.g*", ".??t"] {
            assert_eq!(names(p), vec![".git"], "{p}");
        }
    }

    #[test]
    fn patterns_that_do_not() {
        for p in ["*", "*.o", ".github-old", "g?t", "x/*/y", ".gh*"] {
            assert!(names(p).is_empty(), "{p}");
        }
    }
}
