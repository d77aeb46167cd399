//! `cargo bench`: in-process decision time over the nl2bash corpus.
//!
//! Each command of tests/data/corpora/nl2bash.cm is decided `ROUNDS` times; the per-command
//! median of those rounds gives one sample, and the report shows the median, p90 and p99
//! over all commands, plus the total time for one pass over the corpus.

use interlock::{Context, Engine};
use std::time::Instant;

const ROUNDS: usize = 5;

fn main() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/corpora/nl2bash.cm");
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!("bench: {} not found", path.display());
        std::process::exit(1);
    };
    let lines: Vec<&str> = text.lines().collect();
    let engine = Engine::builtin();
    let ctx = Context::example();
    // Warm up the parser and caches.
    for l in &lines {
        std::hint::black_box(engine.decide(l, &ctx));
    }
    let mut samples: Vec<f64> = Vec::with_capacity(lines.len());
    let pass = Instant::now();
    for l in &lines {
        let mut rounds = [0f64; ROUNDS];
        for r in rounds.iter_mut() {
            let t = Instant::now();
            std::hint::black_box(engine.decide(l, &ctx));
            *r = t.elapsed().as_secs_f64() * 1e6;
        }
        rounds.sort_by(|a, b| a.total_cmp(b));
        samples.push(rounds[ROUNDS / 2]);
    }
    let total = pass.elapsed().as_secs_f64() / ROUNDS as f64;
    samples.sort_by(|a, b| a.total_cmp(b));
    let q = |p: f64| samples[((samples.len() as f64 - 1.0) * p) as usize];
    println!(
        "engine/decide over {} nl2bash commands ({ROUNDS} rounds each)",
        samples.len()
    );
    println!(
        "  median {:.2} µs   p90 {:.2} µs   p99 {:.2} µs   max {:.0} µs",
        q(0.5),
        q(0.9),
        q(0.99),
        q(1.0)
    );
    println!("  one pass over the corpus: {:.1} ms", total * 1e3);
}
