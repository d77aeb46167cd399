//! Every rule ships with commands it must stop and look-alikes it must pass.

use interlock::policy::{layers, PackFile, Policy, BUILTIN_PACKS};
use interlock::{Context, Decision, Engine};

#[test]
fn every_builtin_rule_has_examples_and_they_hold() {
    let policy = Policy::builtin_with_examples();
    assert!(policy.rules.len() >= 20, "built-in packs did not load");
    let engine = Engine::new(policy.clone());
    let ctx = Context::example();
    let mut failures = Vec::new();
    for r in &policy.rules {
        if r.examples.stop.is_empty() || r.examples.pass.is_empty() {
            failures.push(format!("{}: needs both stop and pass examples", r.def.id));
        }
        for ex in &r.examples.stop {
            let v = engine.decide(ex, &ctx);
            if !v.findings.iter().any(|f| f.rule == r.def.id) {
                failures.push(format!(
                    "{} must stop {ex:?}, got {:?}",
                    r.def.id, v.findings
                ));
            }
        }
        for ex in &r.examples.pass {
            let v = engine.decide(ex, &ctx);
            if v.decision != Decision::Allow {
                failures.push(format!(
                    "{} must pass {ex:?}, got {:?}",
                    r.def.id, v.findings
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn packs_parse_strictly() {
    for (name, text) in BUILTIN_PACKS {
        let pack = toml::from_str::<PackFile>(text).unwrap_or_else(|e| panic!("pack {name}: {e}"));
        for r in &pack.rule {
            layers::validate_rule(r).unwrap_or_else(|e| panic!("{}: {e}", r.id));
        }
    }
}

#[test]
fn rule_ids_are_unique() {
    let mut seen = std::collections::HashSet::new();
    for (name, text) in BUILTIN_PACKS {
        let pack: PackFile = toml::from_str(text).expect("pack parses");
        for r in pack.rule {
            assert!(
                seen.insert(r.id.clone()),
                "rule id {} repeated (pack {name})",
                r.id
            );
        }
    }
}

#[test]
fn the_compiled_packs_are_the_toml_packs() {
    let compiled = Policy::builtin();
    let source = Policy::builtin_with_examples();
    let ids = |p: &Policy| {
        p.rules
            .iter()
            .map(|r| (r.def.id, r.def.decision, r.def.matches.to_vec()))
            .collect::<Vec<_>>()
    };
    let mut a = ids(&compiled);
    let mut b = ids(&source);
    a.sort_by_key(|x| x.0);
    b.sort_by_key(|x| x.0);
    assert_eq!(a, b, "policies/*.toml and BUILTIN_PACKS disagree");
    assert!(compiled.rules.iter().all(|r| r.examples.stop.is_empty()));
}
