//! `interlock policy list`, `interlock policy test` and `interlock policy digest`.

use clap::Subcommand;
use interlock::policy::layers;
use interlock::policy::Policy;
use interlock::render::visible;
use interlock::{Context, Decision, Engine};

#[derive(Subcommand)]
pub enum PolicyCommand {
    /// List every rule in effect (built-in packs and config layers).
    List {
        #[arg(long)]
        json: bool,
    },
    /// Run every rule's examples: each `stop` example must be stopped by its rule, each
    /// `pass` example must be allowed.
    Test,
    /// Print the digest of the policy in effect here (every rule and decision after
    /// the config layers), the one shipped audit records carry: machines with the same
    /// digest judge alike.
    Digest {
        /// Also say which layers were read and whether the system layer is locked.
        #[arg(long)]
        verbose: bool,
    },
}

pub fn run(cmd: PolicyCommand) -> i32 {
    let loaded = layers::load_over(
        Policy::builtin_with_examples(),
        std::env::current_dir().ok().as_deref(),
    );
    for w in &loaded.warnings {
        eprintln!("interlock: warning: {}", visible(w, false));
    }
    match cmd {
        PolicyCommand::Digest { verbose } => {
            // The policy as deciding loads it: examples do not change the digest.
            let cwd = std::env::current_dir().ok();
            let deciding = layers::load(cwd.as_deref());
            println!("{}", deciding.policy.digest());
            if verbose {
                for (kind, path) in &deciding.sources {
                    println!(
                        "layer {:?}: {}",
                        kind,
                        visible(&path.display().to_string(), false)
                    );
                }
                println!(
                    "system layer locked: {}",
                    if deciding.settings.is_locked() {
                        "yes"
                    } else {
                        "no"
                    }
                );
            }
            0
        }
        PolicyCommand::List { json } => {
            for r in &loaded.policy.rules {
                if json {
                    println!(
                        "{}",
                        serde_json::json!({"id": r.def.id, "decision": r.def.decision, "pack": r.pack, "reason": r.def.reason, "suggestion": r.def.suggestion})
                    );
                } else {
                    println!(
                        "{:<28} {:<8} {:<11} {}",
                        r.def.id,
                        r.def.decision.as_str(),
                        r.pack,
                        r.def.reason
                    );
                }
            }
            0
        }
        PolicyCommand::Test => {
            let failures = test_examples(&loaded.policy);
            let total: usize = loaded
                .policy
                .rules
                .iter()
                .map(|r| r.examples.stop.len() + r.examples.pass.len())
                .sum();
            for f in &failures {
                println!("FAIL {}", visible(f, false));
            }
            println!(
                "{} passed, {} failed",
                total.saturating_sub(failures.len()),
                failures.len()
            );
            i32::from(!failures.is_empty())
        }
    }
}

/// Check every rule's examples in the fixed example context; returns the failures.
pub fn test_examples(policy: &Policy) -> Vec<String> {
    let engine = Engine::new(policy.clone());
    let ctx = Context::example();
    let mut failures = Vec::new();
    for r in &policy.rules {
        if r.examples.stop.is_empty() {
            failures.push(format!("{}: has no `stop` examples", r.def.id));
        }
        for ex in &r.examples.stop {
            let v = engine.decide(ex, &ctx);
            if !v.findings.iter().any(|f| f.rule == r.def.id) {
                let got: Vec<&str> = v.findings.iter().map(|f| f.rule.as_str()).collect();
                failures.push(format!(
                    "{}: should stop {:?} but got {} [{}]",
                    r.def.id,
                    ex,
                    v.decision,
                    got.join(",")
                ));
            }
        }
        for ex in &r.examples.pass {
            let v = engine.decide(ex, &ctx);
            if v.decision != Decision::Allow {
                let got: Vec<String> = v
                    .findings
                    .iter()
                    .map(|f| format!("{}: {}", f.rule, f.message()))
                    .collect();
                failures.push(format!(
                    "{}: should pass {:?} but got {} [{}]",
                    r.def.id,
                    ex,
                    v.decision,
                    got.join("; ")
                ));
            }
        }
    }
    failures
}
