//! Policies: rules as data. Built-in packs live in `policies/*.toml` and are compiled
//! into the binary; config layers can add rules and change decisions (see `layers`).

mod defs;
mod digest;
pub mod layers;
pub mod matcher;

pub use defs::{
    Examples, MatchDef, Matcher, OneOrMany, PackFile, ProgramSpec, RuleDef, RuleSpec, StaticPack,
    StaticProgram,
};

pub use crate::specs::glob::glob_match;

use crate::model::{Decision, Finding};
use std::collections::HashMap;
use std::ops::Range;

mod compiled {
    use super::{Decision, Matcher, RuleSpec, StaticPack, StaticProgram};
    include!(concat!(env!("OUT_DIR"), "/builtin_policies.rs"));
}

/// The built-in packs' TOML source, in the order they are listed by `interlock policy list`.
pub const BUILTIN_PACKS: &[(&str, &str)] = &[
    ("filesystem", include_str!("../../policies/filesystem.toml")),
    ("git", include_str!("../../policies/git.toml")),
    ("shell", include_str!("../../policies/shell.toml")),
    ("canary", include_str!("../../policies/canary.toml")),
    ("interlock", include_str!("../../policies/interlock.toml")),
    ("database", include_str!("../../policies/database.toml")),
    ("http", include_str!("../../policies/http.toml")),
    ("containers", include_str!("../../policies/containers.toml")),
    ("kubernetes", include_str!("../../policies/kubernetes.toml")),
    ("iac", include_str!("../../policies/iac.toml")),
    ("cloud", include_str!("../../policies/cloud.toml")),
    ("platforms", include_str!("../../policies/platforms.toml")),
    ("system", include_str!("../../policies/system.toml")),
    ("verbs", include_str!("../../policies/verbs.toml")),
];

/// A rule ready to match, with where it came from.
#[derive(Debug, Clone)]
pub struct Rule {
    pub def: RuleSpec,
    pub pack: &'static str,
    /// Commands the rule must stop and must pass (empty for the compiled built-ins;
    /// see `Policy::builtin_with_examples`).
    pub examples: Examples,
}

/// Events that must stop a command even if their rule was disabled: they mean the
/// engine could not see what the command does.
const FAIL_CLOSED_EVENTS: &[&str] = &["shell.too-complex"];

/// FNV-1a: the index keys are short program names, where SipHash costs more than
/// the lookup it protects (the keys come from the policy, not from an attacker).
#[derive(Default, Clone, Copy)]
pub struct Fnv(u64);

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

type FastMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<Fnv>>;

/// How to read one program's command line (merged from every pack that names it).
#[derive(Debug, Clone, Default)]
pub struct ProgramInfo {
    pub options_with_value: Vec<&'static str>,
    pub single_dash_long: bool,
    pub long_prefixes: bool,
    /// Options that take a value between a subcommand and the next operand.
    pub subcommand_options: Vec<(&'static str, &'static [&'static str])>,
}

impl ProgramInfo {
    /// The options that take a value right after the subcommand `sub`.
    pub fn after_subcommand(&self, sub: &str) -> Option<&'static [&'static str]> {
        self.subcommand_options
            .iter()
            .find(|(k, _)| *k == sub)
            .map(|(_, v)| *v)
    }
}

#[derive(Debug, Clone, Default)]
pub struct Policy {
    pub rules: Vec<Rule>,
    programs: FastMap<&'static str, ProgramInfo>,
    /// program name → (rule index, match index)
    by_program: FastMap<&'static str, Vec<(usize, usize)>>,
    any_program: Vec<(usize, usize)>,
    by_event: FastMap<&'static str, Vec<(usize, usize)>>,
}

impl Policy {
    /// Only the built-in packs, from the compact form `build.rs` made of
    /// `policies/*.toml` (rules without their examples: parsing TOML on every call would
    /// cost more than the decision). A broken blob is a build bug; it yields an empty
    /// policy, and the fail-closed events still stop what cannot be analysed.
    pub fn builtin() -> Policy {
        let mut policy = Policy::default();
        for pack in compiled::BUILTIN {
            policy.add_static(pack, |_| Examples::default());
        }
        policy.reindex();
        policy
    }

    /// The built-in packs parsed from their TOML source, examples included (for
    /// `interlock policy test` and the test suite).
    pub fn builtin_with_examples() -> Policy {
        let mut packs = Vec::new();
        for (name, text) in BUILTIN_PACKS {
            match toml::from_str::<PackFile>(text) {
                Ok(p) => packs.push((name.to_string(), p)),
                Err(e) => eprintln!("interlock: built-in pack {name} is broken: {e}"),
            }
        }
        Policy::from_packs(packs)
    }

    pub fn from_packs(packs: Vec<(String, PackFile)>) -> Policy {
        let mut policy = Policy::default();
        for (name, pack) in packs {
            policy.add_pack(&name, pack);
        }
        policy
    }

    /// Add a pack written in TOML (a built-in source or a config layer).
    pub fn add_pack(&mut self, name: &str, pack: PackFile) {
        self.add_pack_unindexed(name, pack);
        self.reindex();
    }

    /// `add_pack` without rebuilding the lookup tables: for callers that change
    /// rules in several steps and reindex once at the end.
    pub(crate) fn add_pack_unindexed(&mut self, name: &str, pack: PackFile) {
        if pack.program.is_empty() && pack.rule.is_empty() {
            return;
        }
        let programs: Vec<StaticProgram> = pack.program.iter().map(ProgramSpec::compile).collect();
        let rules: Vec<RuleSpec> = pack.rule.iter().map(RuleDef::compile).collect();
        let examples: HashMap<String, Examples> =
            pack.rule.into_iter().map(|r| (r.id, r.examples)).collect();
        let compiled = StaticPack {
            name: Box::leak(name.to_owned().into_boxed_str()),
            programs: Box::leak(programs.into_boxed_slice()),
            rules: Box::leak(rules.into_boxed_slice()),
        };
        self.add_static(&compiled, |id| {
            examples.get(id).cloned().unwrap_or_default()
        });
    }

    /// Add a pack; a rule with an existing id replaces it. The caller reindexes.
    fn add_static(&mut self, pack: &StaticPack, examples: impl Fn(&str) -> Examples) {
        for spec in pack.programs {
            for n in spec.names {
                let entry = self.programs.entry(n).or_default();
                entry
                    .options_with_value
                    .extend(spec.options_with_value.iter().copied());
                entry.single_dash_long |= spec.single_dash_long;
                entry.long_prefixes |= spec.long_prefixes;
                entry
                    .subcommand_options
                    .extend(spec.subcommand_options.iter().copied());
            }
        }
        for def in pack.rules {
            let ex = examples(def.id);
            if let Some(existing) = self.rules.iter_mut().find(|r| r.def.id == def.id) {
                existing.def = *def;
                existing.pack = pack.name;
                existing.examples = ex;
            } else {
                self.rules.push(Rule {
                    def: *def,
                    pack: pack.name,
                    examples: ex,
                });
            }
        }
    }

    /// Rebuild the lookup tables after rules changed.
    pub fn reindex(&mut self) {
        self.by_program.clear();
        self.any_program.clear();
        self.by_event.clear();
        for (ri, rule) in self.rules.iter().enumerate() {
            for (mi, m) in rule.def.matches.iter().enumerate() {
                if let Some(ev) = m.event {
                    self.by_event.entry(ev).or_default().push((ri, mi));
                    continue;
                }
                for p in m.program {
                    if *p == "*" {
                        self.any_program.push((ri, mi));
                    } else {
                        self.by_program.entry(p).or_default().push((ri, mi));
                    }
                }
            }
        }
    }

    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.def.id == id)
    }

    pub fn program_spec(&self, program: &str) -> Option<&ProgramInfo> {
        self.programs.get(program)
    }

    /// Does some rule look at this program? (Used for text that did not parse.)
    pub fn watches(&self, program: &str) -> bool {
        self.by_program.contains_key(program)
    }

    /// The finding for a structural event (raised by the walker, not by a program).
    pub fn event_finding(
        &self,
        event: &str,
        span: Range<usize>,
        detail: Option<String>,
    ) -> Finding {
        self.event_findings(event, span.clone(), detail.clone())
            .into_iter()
            .max_by_key(|f| f.decision)
            .unwrap_or_else(|| Finding {
                rule: event.to_string(),
                decision: if FAIL_CLOSED_EVENTS.contains(&event) {
                    Decision::Confirm
                } else {
                    Decision::Allow
                },
                reason: "Interlock could not analyse this command".to_string(),
                detail,
                start: span.start,
                end: span.end,
                suggestion: None,
            })
    }

    pub fn event_findings(
        &self,
        event: &str,
        span: Range<usize>,
        detail: Option<String>,
    ) -> Vec<Finding> {
        let mut out = Vec::new();
        if let Some(list) = self.by_event.get(event) {
            for &(ri, _) in list {
                out.push(self.rules[ri].finding(span.clone(), detail.clone()));
            }
        }
        out
    }

    pub(crate) fn candidates(&self, program: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
        self.by_program
            .get(program)
            .into_iter()
            .flatten()
            .copied()
            .chain(self.any_program.iter().copied())
    }
}

impl Rule {
    pub fn finding(&self, span: Range<usize>, detail: Option<String>) -> Finding {
        Finding {
            rule: self.def.id.to_string(),
            decision: self.def.decision,
            reason: self.def.reason.to_string(),
            detail,
            start: span.start,
            end: span.end,
            suggestion: self.def.suggestion.map(str::to_string),
        }
    }
}

impl crate::model::judge::Judge for Policy {
    fn match_invocation(
        &self,
        inv: &crate::model::invocation::Invocation,
        ctx: &crate::model::Context,
        out: &mut Vec<Finding>,
    ) {
        Policy::match_invocation(self, inv, ctx, out)
    }

    fn event_findings(
        &self,
        event: &str,
        span: Range<usize>,
        detail: Option<String>,
    ) -> Vec<Finding> {
        Policy::event_findings(self, event, span, detail)
    }

    fn event_finding(&self, event: &str, span: Range<usize>, detail: Option<String>) -> Finding {
        Policy::event_finding(self, event, span, detail)
    }

    fn watches(&self, program: &str) -> bool {
        Policy::watches(self, program)
    }
}
