//! An invocation's arguments split into options and operands (the policy builds it from
//! its program specs; the named checks read it), and what `cp`/`mv` options mean.

use super::glob::glob_match;
use crate::syntax::word::Word;

/// An invocation's arguments split into options and operands, using what the policy
/// knows of the program (which options take a value).
pub struct ArgView<'a> {
    /// (index into args, text) of every option word, `--` included.
    pub flags: Vec<(usize, String)>,
    /// Operands (subcommands, paths, refs …) in order.
    pub operands: Vec<&'a Word>,
    pub(crate) clusters: bool,
    pub(crate) args: &'a [Word],
}

impl ArgView<'_> {
    pub fn has_flag(&self, rule_flag: &str) -> bool {
        self.flags.iter().any(|(i, arg)| {
            let next = self.args.get(i + 1).map(|w| w.text());
            flag_matches(rule_flag, arg, next.as_deref(), self.clusters)
        })
    }
}

/// A `cp`/`mv`/`install` option under which nothing is lost to a name already taken:
/// no clobber, a backup, a prompt, or a target directory (`-t`) that must exist.
pub fn keeps_what_it_would_overwrite(arg: &str) -> bool {
    if let Some(long) = arg.strip_prefix("--") {
        let name = long.split('=').next().unwrap_or(long);
        return matches!(
            name,
            "no-clobber" | "backup" | "suffix" | "interactive" | "target-directory"
        );
    }
    arg.strip_prefix('-').is_some_and(|short| {
        short
            .chars()
            .take_while(char::is_ascii_alphabetic)
            .any(|c| "nbSit".contains(c))
    })
}

/// Does the option word `arg` satisfy the rule's flag `rule_flag`?
pub fn flag_matches(rule_flag: &str, arg: &str, next: Option<&str>, clusters: bool) -> bool {
    if rule_flag.contains('=') || rule_flag.contains('*') {
        if glob_match(rule_flag, arg) {
            return true;
        }
        return match next {
            Some(n) if !arg.contains('=') => glob_match(rule_flag, &format!("{arg}={n}")),
            _ => false,
        };
    }
    if arg == rule_flag {
        return true;
    }
    if let Some(rest) = arg.strip_prefix(rule_flag) {
        if rest.starts_with('=') {
            return true;
        }
    }
    let short = rule_flag.len() == 2 && rule_flag.starts_with('-') && !rule_flag.starts_with("--");
    if short && clusters && !arg.starts_with("--") {
        let body = &arg[1..];
        if let Some(c) = rule_flag.chars().nth(1) {
            return body.chars().all(|x| x.is_ascii_alphanumeric()) && body.contains(c);
        }
    }
    false
}
