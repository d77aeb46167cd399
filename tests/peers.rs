//! Agreement with another guard's test suite: the commands dcg's tests label
//! `must_block` / `must_allow` (tests/data/corpora/peers-dcg.tsv, MIT, vendored with
//! its licence), each run through the engine. A stop (confirm or deny) agrees with
//! `must_block`, an allow with `must_allow`. The labels are dcg's opinion, not the
//! specification: the README's table ("Agreement with dcg's test suite") explains the
//! disagreements kept. This test prints the table by group (`cargo test --release
//! --test peers -- --nocapture`) and fails if agreement falls below the figures
//! measured when the table was written.

use interlock::{Context, Decision, Engine};
use std::collections::BTreeMap;

/// Measured agreement: (must_block agreed, must_allow agreed).
const FLOOR: (usize, usize) = (608, 1067);

fn unescape(s: &str) -> String {
    let mut out = String::new();
    let mut it = s.chars();
    while let Some(c) = it.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match it.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('\\') => out.push('\\'),
            Some(o) => {
                out.push('\\');
                out.push(o);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// The group a command belongs to, from the dcg file that holds it: a pack's unit
/// tests (`packs/storage`) or a test-suite file.
fn group(src: &str) -> String {
    let file = src.split(':').next().unwrap_or(src);
    if let Some(rest) = file.strip_prefix("src/packs/") {
        return format!("packs/{}", rest.split('/').next().unwrap_or(rest));
    }
    if file.contains("fixtures") {
        return file.trim_start_matches("tests/").to_string();
    }
    match file.rsplit_once('/') {
        Some((dir, _)) => dir.trim_start_matches("tests/").to_string(),
        None => file.to_string(),
    }
}

#[derive(Default)]
struct Tally {
    block: usize,
    block_ok: usize,
    allow: usize,
    allow_ok: usize,
}

#[test]
fn agreement_with_dcg_by_group() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/corpora/peers-dcg.tsv"
    );
    let text = std::fs::read_to_string(path).expect("peers-dcg.tsv");
    let engine = Engine::builtin();
    let ctx = Context::example();
    let mut groups: BTreeMap<String, Tally> = BTreeMap::new();
    let mut disagreements = Vec::new();
    for line in text.lines() {
        let mut cols = line.splitn(3, '\t');
        let (Some(label), Some(cmd), Some(src)) = (cols.next(), cols.next(), cols.next()) else {
            continue;
        };
        let cmd = unescape(cmd);
        let stopped = engine.decide(&cmd, &ctx).decision != Decision::Allow;
        let t = groups.entry(group(src)).or_default();
        let agrees = match label {
            "must_block" => {
                t.block += 1;
                t.block_ok += stopped as usize;
                stopped
            }
            "must_allow" => {
                t.allow += 1;
                t.allow_ok += !stopped as usize;
                !stopped
            }
            other => panic!("unknown label {other:?}"),
        };
        if !agrees {
            disagreements.push(format!("{label}\t{}", cmd.replace('\n', "\\n")));
        }
    }
    let mut total = Tally::default();
    println!("| group | must_block stopped | must_allow allowed |");
    println!("|---|---|---|");
    for (g, t) in &groups {
        let cell = |ok: usize, n: usize| {
            if n == 0 {
                "—".to_string()
            } else {
                format!("{ok}/{n}")
            }
        };
        println!(
            "| {g} | {} | {} |",
            cell(t.block_ok, t.block),
            cell(t.allow_ok, t.allow)
        );
        total.block += t.block;
        total.block_ok += t.block_ok;
        total.allow += t.allow;
        total.allow_ok += t.allow_ok;
    }
    println!(
        "| **all** | **{}/{}** | **{}/{}** |",
        total.block_ok, total.block, total.allow_ok, total.allow
    );
    if std::env::var_os("INTERLOCK_PEERS_LIST").is_some() {
        for d in &disagreements {
            println!("{d}");
        }
    }
    assert!(
        total.block_ok >= FLOOR.0 && total.allow_ok >= FLOOR.1,
        "agreement with dcg fell: {}/{} must_block stopped, {}/{} must_allow allowed (floor {FLOOR:?})",
        total.block_ok,
        total.block,
        total.allow_ok,
        total.allow
    );
}
