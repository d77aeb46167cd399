//! The nl2bash corpus (12,607 real one-liners) as a false-stop regression check.
//!
//! Every command the engine stops is listed, with its rules, in
//! `tests/data/nl2bash-stops.tsv`; each rule's stops there are explained in
//! `docs/judgement-calls.md`. A new stop (or a stop that disappears) fails this test
//! until the list is reviewed and regenerated with `INTERLOCK_BLESS=1 cargo test
//! --test corpus`.

use interlock::{Context, Decision, Engine};
use std::collections::BTreeMap;
use std::path::PathBuf;

fn corpus_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/corpora/nl2bash.cm")
}

fn list_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/nl2bash-stops.tsv")
}

/// (decision, rules) per stopped command, as the engine decides now.
fn current_stops() -> BTreeMap<String, (String, String)> {
    let text =
        std::fs::read_to_string(corpus_path()).expect("tests/data/corpora/nl2bash.cm must exist");
    let engine = Engine::builtin();
    let ctx = Context::example();
    let mut out = BTreeMap::new();
    for line in text.lines() {
        let v = engine.decide(line, &ctx);
        if v.decision != Decision::Allow {
            let mut rules: Vec<&str> = v.findings.iter().map(|f| f.rule.as_str()).collect();
            rules.sort();
            rules.dedup();
            out.insert(line.to_string(), (v.decision.to_string(), rules.join(",")));
        }
    }
    out
}

#[test]
fn nl2bash_stops_are_the_reviewed_list() {
    let now = current_stops();
    if std::env::var_os("INTERLOCK_BLESS").is_some() {
        let mut s = String::from("# decision\trules\tcommand — reviewed stops of the engine on tests/data/corpora/nl2bash.cm\n");
        for (cmd, (d, r)) in &now {
            s.push_str(&format!("{d}\t{r}\t{cmd}\n"));
        }
        std::fs::write(list_path(), s).expect("write list");
        return;
    }
    let listed_text = std::fs::read_to_string(list_path()).expect("tests/data/nl2bash-stops.tsv");
    let mut listed = BTreeMap::new();
    for l in listed_text.lines().filter(|l| !l.starts_with('#')) {
        let mut parts = l.splitn(3, '\t');
        let (Some(d), Some(r), Some(c)) = (parts.next(), parts.next(), parts.next()) else {
            panic!("malformed line in the stop list: {l:?}");
        };
        listed.insert(c.to_string(), (d.to_string(), r.to_string()));
    }
    let mut problems = Vec::new();
    for (cmd, got) in &now {
        match listed.get(cmd) {
            None => problems.push(format!("NEW STOP {:?}: {} [{}]", cmd, got.0, got.1)),
            Some(want) if want != got => problems.push(format!(
                "CHANGED {:?}: listed {:?}, now {:?}",
                cmd, want, got
            )),
            _ => {}
        }
    }
    for cmd in listed.keys() {
        if !now.contains_key(cmd) {
            problems.push(format!("NO LONGER STOPPED {cmd:?}"));
        }
    }
    assert!(
        problems.is_empty(),
        "{} differences:\n{}",
        problems.len(),
        problems.join("\n")
    );
    // Every rule that stops something in the corpus has its judgement written down.
    let doc = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/judgement-calls.md"),
    )
    .expect("docs/judgement-calls.md");
    for (_, rules) in now.values() {
        for r in rules.split(',') {
            assert!(
                doc.contains(&format!("`{r}`")),
                "docs/judgement-calls.md does not explain {r}"
            );
        }
    }
    // The corpus is everyday work: stops stay a small share of it.
    assert!(
        now.len() * 100 < 12_607 * 3,
        "{} stops is too many",
        now.len()
    );
}
