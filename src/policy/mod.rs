//! Policies: rules as data. Built-in packs live in `policies/*.toml` and are compiled
//! into the binary; config layers can add rules and change decisions (see `layers`).

mod glob;
pub mod layers;
pub mod matcher;

pub use glob::glob_match;

use crate::engine::{Decision, Finding};
use serde::Deserialize;
use std::collections::{HashMap, HashSet};
use std::ops::Range;

/// The built-in packs, in the order they are listed by `interlock policy list`.
pub const BUILTIN_PACKS: &[(&str, &str)] = &[
    ("filesystem", include_str!("../../policies/filesystem.toml")),
    ("git", include_str!("../../policies/git.toml")),
    ("shell", include_str!("../../policies/shell.toml")),
    ("database", include_str!("../../policies/database.toml")),
    ("http", include_str!("../../policies/http.toml")),
    ("containers", include_str!("../../policies/containers.toml")),
    ("kubernetes", include_str!("../../policies/kubernetes.toml")),
    ("iac", include_str!("../../policies/iac.toml")),
    ("cloud", include_str!("../../policies/cloud.toml")),
    ("platforms", include_str!("../../policies/platforms.toml")),
];

/// One `policies/*.toml` file (or the rules part of a config file).
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct PackFile {
    #[serde(default)]
    pub program: Vec<ProgramSpec>,
    #[serde(default)]
    pub rule: Vec<RuleDef>,
}

/// How to read a program's command line: which options take a value (so that the
/// value is not mistaken for a subcommand or operand).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProgramSpec {
    pub names: Vec<String>,
    #[serde(default)]
    pub options_with_value: Vec<String>,
    /// Options are words like `-destroy` (terraform, find): no short-flag clusters.
    #[serde(default)]
    pub single_dash_long: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleDef {
    pub id: String,
    pub decision: Decision,
    pub reason: String,
    #[serde(default)]
    pub suggestion: Option<String>,
    #[serde(rename = "match")]
    pub matches: Vec<MatchDef>,
    #[serde(default)]
    pub examples: Examples,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Examples {
    #[serde(default)]
    pub stop: Vec<String>,
    #[serde(default)]
    pub pass: Vec<String>,
}

/// One way a rule can match. All the given conditions must hold.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct MatchDef {
    /// Program names (basenames); `"*"` matches any program.
    #[serde(default)]
    pub program: Vec<String>,
    /// Subcommand path after the program: each level lists its alternatives.
    #[serde(default)]
    pub command: Vec<OneOrMany>,
    #[serde(default)]
    pub flags_any: Vec<String>,
    #[serde(default)]
    pub flags_all: Vec<String>,
    #[serde(default)]
    pub flags_none: Vec<String>,
    /// Glob patterns; at least one operand after the subcommand path must match one.
    #[serde(default)]
    pub args_any: Vec<String>,
    /// Glob patterns; no operand may match any of them.
    #[serde(default)]
    pub args_none: Vec<String>,
    /// A built-in analyser that must report a hit (paths, SQL, HTTP, …).
    #[serde(default)]
    pub check: Option<String>,
    /// Parameters for the check.
    #[serde(default)]
    pub with: toml::Table,
    /// A structural event raised while walking the syntax tree (instead of a program).
    #[serde(default)]
    pub event: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    pub fn contains(&self, s: &str) -> bool {
        match self {
            OneOrMany::One(x) => x == s,
            OneOrMany::Many(v) => v.iter().any(|x| x == s),
        }
    }
}

/// A rule ready to match, with where it came from.
#[derive(Debug, Clone)]
pub struct Rule {
    pub def: RuleDef,
    pub pack: String,
}

/// Events that must stop a command even if their rule was disabled: they mean the
/// engine could not see what the command does.
const FAIL_CLOSED_EVENTS: &[&str] = &["shell.too-complex"];

#[derive(Debug, Clone, Default)]
pub struct Policy {
    pub rules: Vec<Rule>,
    programs: HashMap<String, ProgramSpec>,
    /// program name → (rule index, match index)
    by_program: HashMap<String, Vec<(usize, usize)>>,
    any_program: Vec<(usize, usize)>,
    by_event: HashMap<String, Vec<(usize, usize)>>,
    /// Every program some rule names: used to judge text that did not parse.
    watched: HashSet<String>,
}

impl Policy {
    /// Only the built-in packs. They are part of the binary and tested, so a failure
    /// to load them is a bug; it yields an empty policy plus fail-closed events.
    pub fn builtin() -> Policy {
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

    pub fn add_pack(&mut self, name: &str, pack: PackFile) {
        for spec in pack.program {
            for n in &spec.names {
                let entry = self
                    .programs
                    .entry(n.clone())
                    .or_insert_with(|| ProgramSpec {
                        names: vec![n.clone()],
                        options_with_value: Vec::new(),
                        single_dash_long: false,
                    });
                entry
                    .options_with_value
                    .extend(spec.options_with_value.iter().cloned());
                entry.single_dash_long |= spec.single_dash_long;
            }
        }
        for def in pack.rule {
            if let Some(existing) = self.rules.iter_mut().find(|r| r.def.id == def.id) {
                existing.def = def;
                existing.pack = name.to_string();
            } else {
                self.rules.push(Rule {
                    def,
                    pack: name.to_string(),
                });
            }
        }
        self.reindex();
    }

    /// Rebuild the lookup tables after rules changed.
    pub fn reindex(&mut self) {
        self.by_program.clear();
        self.any_program.clear();
        self.by_event.clear();
        self.watched.clear();
        for (ri, rule) in self.rules.iter().enumerate() {
            for (mi, m) in rule.def.matches.iter().enumerate() {
                if let Some(ev) = &m.event {
                    self.by_event.entry(ev.clone()).or_default().push((ri, mi));
                    continue;
                }
                for p in &m.program {
                    if p == "*" {
                        self.any_program.push((ri, mi));
                    } else {
                        self.by_program.entry(p.clone()).or_default().push((ri, mi));
                        self.watched.insert(p.clone());
                    }
                }
            }
        }
    }

    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.def.id == id)
    }

    pub fn program_spec(&self, program: &str) -> Option<&ProgramSpec> {
        self.programs.get(program)
    }

    /// Does some rule look at this program? (Used for text that did not parse.)
    pub fn watches(&self, program: &str) -> bool {
        self.watched.contains(program)
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
            rule: self.def.id.clone(),
            decision: self.def.decision,
            reason: self.def.reason.clone(),
            detail,
            start: span.start,
            end: span.end,
            suggestion: self.def.suggestion.clone(),
        }
    }
}
