//! Argument-aware matching of one invocation against the rules.

use super::{glob_match, Matcher, Policy};
use crate::analysers::{self, Hit};
use crate::analysis::invocation::Invocation;
use crate::engine::{Context, Finding};
use crate::syntax::word::Word;

/// An invocation's arguments split into options and operands, using what the policy
/// knows of the program (which options take a value).
pub struct ArgView<'a> {
    /// (index into args, text) of every option word, `--` included.
    pub flags: Vec<(usize, String)>,
    /// Operands (subcommands, paths, refs …) in order.
    pub operands: Vec<&'a Word>,
    clusters: bool,
    /// Abbreviated long options count (getopt_long programs).
    prefixes: bool,
    /// Short options that take a value: in a cluster, what follows one is its value
    /// (`git checkout -bfix` is `-b fix`, not `-f`).
    short_values: Vec<char>,
    args: &'a [Word],
}

impl<'a> ArgView<'a> {
    pub fn new(policy: &Policy, inv: &'a Invocation) -> ArgView<'a> {
        let spec = policy.program_spec(&inv.program);
        let clusters = !spec.map(|s| s.single_dash_long).unwrap_or(false);
        let prefixes = spec.is_some_and(|s| s.long_prefixes);
        let short_values: Vec<char> = spec
            .map(|s| {
                s.options_with_value
                    .iter()
                    .filter_map(|o| {
                        let mut c = o.strip_prefix('-')?.chars();
                        let first = c.next()?;
                        (c.next().is_none() && first != '-').then_some(first)
                    })
                    .collect()
            })
            .unwrap_or_default();
        let mut flags = Vec::new();
        let mut operands = Vec::new();
        let mut i = 0;
        let mut after_dashes = false;
        while i < inv.args.len() {
            let w = &inv.args[i];
            let t = w.text();
            if after_dashes {
                operands.push(w);
            } else if t == "--" {
                flags.push((i, t));
                after_dashes = true;
            } else if t.len() > 1 && t.starts_with('-') && w.parts.first().is_some_and(is_lit) {
                let takes_value = spec.is_some_and(|s| s.options_with_value.contains(&t.as_str()));
                flags.push((i, t));
                if takes_value {
                    i += 1;
                }
            } else {
                operands.push(w);
            }
            i += 1;
        }
        ArgView {
            flags,
            operands,
            clusters,
            prefixes,
            short_values,
            args: &inv.args,
        }
    }

    pub fn has_flag(&self, rule_flag: &str) -> bool {
        self.flags.iter().any(|(i, arg)| {
            let next = self.args.get(i + 1).map(|w| w.text());
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

fn is_lit(p: &crate::syntax::word::Part) -> bool {
    matches!(p, crate::syntax::word::Part::Lit(_))
}

/// `--har` (or `--har=x`) abbreviates the rule's long option `--hard`.
fn is_long_prefix(arg: &str, rule_flag: &str) -> bool {
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

/// Rule ids of the general destructive-operation model, which yields to any precise rule.
const GENERAL: &str = "verbs.";

impl Policy {
    /// Every finding the rules raise for one invocation.
    pub fn match_invocation(&self, inv: &Invocation, ctx: &Context, out: &mut Vec<Finding>) {
        let mut view: Option<ArgView> = None;
        let first = out.len();
        for (ri, mi) in self.candidates(&inv.program) {
            let rule = &self.rules[ri];
            let m = &rule.def.matches[mi];
            let view = view.get_or_insert_with(|| ArgView::new(self, inv));
            if let Some(hits) = self.match_one(m, inv, view, ctx) {
                if hits.is_empty() {
                    out.push(rule.finding(inv.span.clone(), None));
                }
                for h in hits {
                    out.push(rule.finding(h.span.unwrap_or(inv.span.clone()), h.detail));
                }
            }
        }
        // The general model (`verbs.*`) only speaks for commands no precise rule judged.
        if out[first..].iter().any(|f| !f.rule.starts_with(GENERAL)) {
            let mut i = first;
            while i < out.len() {
                if out[i].rule.starts_with(GENERAL) {
                    out.remove(i);
                } else {
                    i += 1;
                }
            }
        }
    }

    /// `None` if the match fails; otherwise the check's hits (empty when no check).
    fn match_one(
        &self,
        m: &Matcher,
        inv: &Invocation,
        view: &ArgView,
        ctx: &Context,
    ) -> Option<Vec<Hit>> {
        if m.command.len() > view.operands.len() {
            return None;
        }
        for (level, alts) in m.command.iter().enumerate() {
            let w = view.operands[level];
            let t = w.lit()?;
            if !alts.iter().any(|a| *a == t) {
                return None;
            }
        }
        if !m.flags_any.is_empty() && !m.flags_any.iter().any(|f| view.has_flag_or_prefix(f)) {
            return None;
        }
        if !m.flags_all.iter().all(|f| view.has_flag_or_prefix(f)) {
            return None;
        }
        if m.flags_none.iter().any(|f| view.has_flag(f)) {
            return None;
        }
        let rest = &view.operands[m.command.len()..];
        if !m.args_any.is_empty()
            && !rest
                .iter()
                .any(|w| m.args_any.iter().any(|p| glob_match(p, &w.text())))
        {
            return None;
        }
        if rest
            .iter()
            .any(|w| m.args_none.iter().any(|p| glob_match(p, &w.text())))
        {
            return None;
        }
        match m.check {
            None => Some(Vec::new()),
            Some(name) => {
                let hits = analysers::run_check(name, inv, view, ctx, analysers::Params(m.with));
                if hits.is_empty() {
                    None
                } else {
                    Some(hits)
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{flag_matches, is_long_prefix};

    #[test]
    fn abbreviations() {
        assert!(is_long_prefix("--har", "--hard"));
        assert!(is_long_prefix("--forc", "--force"));
        assert!(is_long_prefix("--del", "--delete"));
        assert!(!is_long_prefix("--force-with-lease", "--force"));
        assert!(!is_long_prefix("-f", "--force"));
        assert!(!is_long_prefix("--", "--force"));
        assert!(!is_long_prefix("--hardx", "--hard"));
    }

    #[test]
    fn flags() {
        assert!(flag_matches("-f", "-f", None, true));
        assert!(flag_matches("-f", "-rf", None, true));
        assert!(!flag_matches("-f", "--force", None, true));
        assert!(flag_matches("--force", "--force", None, true));
        assert!(!flag_matches("--force", "--force-with-lease", None, true));
        assert!(flag_matches("--force", "--force=yes", None, true));
        assert!(flag_matches("--prune=now", "--prune=now", None, true));
        assert!(flag_matches("--prune=now", "--prune", Some("now"), true));
        assert!(!flag_matches("-d", "-destroy", None, false));
        assert!(flag_matches("-destroy", "-destroy", None, false));
    }
}
