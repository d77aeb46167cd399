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
    /// Abbreviated long options count (getopt_long programs).
    pub(crate) prefixes: bool,
    /// Short options that take a value: in a cluster, what follows one is its value
    /// (`git checkout -bfix` is `-b fix`, not `-f`).
    pub(crate) short_values: Vec<char>,
    pub(crate) args: &'a [Word],
}

impl ArgView<'_> {
    pub fn has_flag(&self, rule_flag: &str) -> bool {
        // The next word is only read by patterns (`--prune=now`, `-X*`): its text is
        // built only for them, since this runs for every flag of every rule.
        let reads_next = rule_flag.contains(['=', '*']);
        self.flags.iter().any(|(i, arg)| {
            let next = if reads_next {
                self.args.get(i + 1).map(|w| w.text())
            } else {
                None
            };
            let arg = self.without_attached_value(arg);
            flag_matches(rule_flag, arg, next.as_deref(), self.clusters)
        })
    }

    /// A short-option cluster up to the first option that takes a value
    /// (`-bfix` → `-b`); other words unchanged.
    fn without_attached_value<'s>(&self, arg: &'s str) -> &'s str {
        if !self.clusters || arg.starts_with("--") || self.short_values.is_empty() {
            return arg;
        }
        for (i, c) in arg.char_indices().skip(1) {
            if self.short_values.contains(&c) {
                return &arg[..i + c.len_utf8()];
            }
        }
        arg
    }

    /// Like `has_flag`, and for getopt_long programs an abbreviation counts too
    /// (`--har` is `--hard`). Used where matching more is the safe side.
    pub fn has_flag_or_prefix(&self, rule_flag: &str) -> bool {
        self.has_flag(rule_flag)
            || (self.prefixes
                && self
                    .flags
                    .iter()
                    .any(|(_, arg)| is_long_prefix(arg, rule_flag)))
    }
}

/// `--har` (or `--har=x`) abbreviates the rule's long option `--hard`.
pub(crate) fn is_long_prefix(arg: &str, rule_flag: &str) -> bool {
    let Some(want) = rule_flag.strip_prefix("--") else {
        return false;
    };
    if want.contains(['=', '*']) {
        return false;
    }
    let Some(given) = arg.strip_prefix("--") else {
        return false;
    };
    let given = given.split('=').next().unwrap_or(given);
    !given.is_empty() && want.starts_with(given)
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
