//! Every rule ships with commands it must stop and look-alikes it must pass.

use interlock::policy::{layers, PackFile, Policy, BUILTIN_PACKS};
use interlock::{Context, Decision, Engine};

#[test]
fn every_builtin_rule_has_examples_and_they_hold() {
    let policy = Policy::builtin();
    assert!(policy.rules.len() >= 20, "built-in packs did not load");
    let engine = Engine::new(policy.clone());
    let ctx = Context::example();
    let mut failures = Vec::new();
    for r in &policy.rules {
        if r.def.examples.stop.is_empty() || r.def.examples.pass.is_empty() {
            failures.push(format!("{}: needs both stop and pass examples", r.def.id));
        }
        if let Err(e) = layers::validate_rule(&r.def) {
            failures.push(format!("{}: {e}", r.def.id));
        }
        for ex in &r.def.examples.stop {
            let v = engine.decide(ex, &ctx);
            if !v.findings.iter().any(|f| f.rule == r.def.id) {
                failures.push(format!(
                    "{} must stop {ex:?}, got {:?}",
                    r.def.id, v.findings
                ));
            }
        }
        for ex in &r.def.examples.pass {
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
        toml::from_str::<PackFile>(text).unwrap_or_else(|e| panic!("pack {name}: {e}"));
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
fn compiled_packs_match_the_toml() {
    for (name, text) in BUILTIN_PACKS {
        let from_toml: PackFile = toml::from_str(text).expect("pack parses");
        let from_json = interlock::policy::builtin_pack(name).expect("compiled pack loads");
        assert_eq!(
            format!("{from_toml:?}"),
            format!("{from_json:?}"),
            "pack {name}"
        );
    }
}
