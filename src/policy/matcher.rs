//! Argument-aware matching of one invocation against the rules.

use super::{glob_match, Matcher, Policy};
use crate::analysers::{self, Hit};
use crate::model::invocation::Invocation;
use crate::model::{Context, Finding};

pub use crate::specs::args::{flag_matches, ArgView};

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
        // Between a subcommand with options of its own and the next operand (`""`:
        // before the first operand).
        let mut scoped: Option<&[&str]> = spec.and_then(|s| s.after_subcommand(""));
        while i < inv.args.len() {
            let w = &inv.args[i];
            if after_dashes || !may_be_option(w) {
                // The first operand is the subcommand: options of its own may follow.
                scoped = match (after_dashes, operands.is_empty(), spec) {
                    (false, true, Some(s)) => s.after_subcommand(&w.text()),
                    _ => None,
                };
                operands.push(w);
                i += 1;
                continue;
            }
            let t = w.text();
            if t == "--" {
                flags.push((i, t));
                after_dashes = true;
            } else if t.len() > 1 && t.starts_with('-') && w.parts.first().is_some_and(is_lit) {
                let takes_value = spec.is_some_and(|s| s.options_with_value.contains(&t.as_str()))
                    || scoped.is_some_and(|l| l.contains(&t.as_str()));
                flags.push((i, t));
                if takes_value {
                    i += 1;
                }
            } else {
                scoped = match (operands.is_empty(), spec) {
                    (true, Some(s)) => s.after_subcommand(&t),
                    _ => None,
                };
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
}

fn is_lit(p: &crate::syntax::word::Part) -> bool {
    matches!(p, crate::syntax::word::Part::Lit(_))
}

/// `false` for a word that is surely an operand: its first part is literal text that
/// does not start with `-`. Spares building the text of every operand.
fn may_be_option(w: &crate::syntax::word::Word) -> bool {
    match w.parts.first() {
        Some(crate::syntax::word::Part::Lit(t)) => t.is_empty() || t.starts_with('-'),
        _ => true,
    }
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
        if !m
            .args_all
            .iter()
            .all(|p| rest.iter().any(|w| glob_match(p, &w.text())))
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
    use super::flag_matches;
    use crate::specs::args::is_long_prefix;

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
