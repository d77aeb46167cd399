//! Bad input never panics, hangs or slips through: random and mutated command lines,
//! huge lines, deep nesting, binary. Decisions are deterministic.

use interlock::{Context, Decision, Engine};
use proptest::prelude::*;
use std::sync::OnceLock;

fn engine() -> &'static Engine {
    static E: OnceLock<Engine> = OnceLock::new();
    E.get_or_init(Engine::builtin)
}

fn decide(s: &str) -> Decision {
    engine().decide(s, &Context::example()).decision
}

/// Shell-ish fragments to splice: mutations of real commands reach the odd corners of
/// the grammar far more often than uniform random text.
const FRAGMENTS: &[&str] = &[
    "rm -rf ~",
    "git push -f",
    "$(",
    ")",
    "`",
    "'",
    "\"",
    "<<EOF\n",
    "\nEOF\n",
    "|",
    "||",
    "&&",
    ";",
    "&",
    "{",
    "}",
    "(",
    "${x:-",
    "$'\\x72m'",
    "eval ",
    "bash -c ",
    "sudo ",
    "xargs ",
    "find / -delete",
    "\\",
    "\n",
    "#",
    "*",
    "?",
    "[",
    "]",
    "<(",
    ">(",
    "$((",
    "))",
    "case x in",
    "esac",
    "if",
    "then",
    "fi",
    "for i in",
    "do",
    "done",
    "function f",
    "f()",
    "=",
    "~",
    "/",
    "..",
    "\u{202e}",
    "\0",
    "é",
];

fn mutated() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(FRAGMENTS), 0..40).prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, .. ProptestConfig::default() })]

    #[test]
    fn random_text_never_panics_and_is_deterministic(s in any::<String>()) {
        let a = decide(&s);
        let b = decide(&s);
        prop_assert_eq!(a, b);
    }

    #[test]
    fn mutated_commands_never_panic_and_are_deterministic(s in mutated()) {
        let a = engine().decide(&s, &Context::example());
        let b = engine().decide(&s, &Context::example());
        prop_assert_eq!(a.decision, b.decision);
        prop_assert_eq!(a.findings.len(), b.findings.len());
        for f in &a.findings {
            prop_assert!(f.start <= f.end && f.end <= s.len(), "span {}..{} outside {}", f.start, f.end, s.len());
        }
    }

    #[test]
    fn a_dangerous_tail_is_never_hidden_by_a_random_prefix(prefix in "[a-z ;&|]{0,40}") {
        let line = format!("{prefix}\nrm -rf ~");
        prop_assert_ne!(decide(&line), Decision::Allow, "{:?}", line);
    }
}

#[test]
fn empty_and_blank_lines_are_allowed() {
    assert_eq!(decide(""), Decision::Allow);
    assert_eq!(decide("   \n\t"), Decision::Allow);
}

#[test]
fn a_megabyte_line_is_decided() {
    let mut line = String::from("echo \"");
    line.push_str(&"a".repeat(1 << 20));
    line.push('"');
    assert_eq!(decide(&line), Decision::Allow);
    let mut bad = "echo ok; ".repeat(120_000);
    bad.push_str("rm -rf ~");
    assert!(bad.len() > 1 << 20);
    assert_eq!(decide(&bad), Decision::Deny);
}

#[test]
fn oversized_input_is_confirm_not_allow() {
    let line = "x".repeat(interlock::engine::MAX_INPUT_BYTES + 1);
    assert_eq!(decide(&line), Decision::Confirm);
}

#[test]
fn thousands_deep_nesting_is_bounded_and_never_allowed() {
    for (open, close) in [
        ("$(", ")"),
        ("(", ")"),
        ("{ ", "; }"),
        ("$((", "))"),
        ("${x:-", "}"),
    ] {
        let line = format!("{}ls{}", open.repeat(5000), close.repeat(5000));
        assert_ne!(decide(&line), Decision::Allow, "{open}…");
    }
    // Unterminated runs of `$(` (a peer could be made to hang on these).
    assert_ne!(decide(&"$(".repeat(100_000)), Decision::Allow);
    // Nested code: each level is parsed again; the depth limit stops it.
    let s = format!("{}rm -rf ~", "eval ".repeat(200));
    assert_ne!(decide(&s), Decision::Allow);
    let s = format!("{}ls", "sudo env nice timeout 5 ".repeat(500));
    assert_ne!(decide(&s), Decision::Allow);
}

#[test]
fn binary_input_is_decided() {
    let bytes: Vec<u8> = (0..=255u8).cycle().take(100_000).collect();
    let text = String::from_utf8_lossy(&bytes);
    let a = decide(&text);
    assert_eq!(a, decide(&text));
}

#[test]
fn deep_input_fits_a_small_thread_stack() {
    // Front doors may decide on worker threads (audit scans in parallel): the walker's
    // depth limits must keep it well inside a small stack.
    let handle = std::thread::Builder::new()
        .stack_size(1024 * 1024)
        .spawn(|| {
            let cases = [
                format!("{}ls{}", "$(".repeat(140), ")".repeat(140)),
                format!("{}ls{}", "( ".repeat(140), " )".repeat(140)),
                format!("{}rm -rf ~", "eval ".repeat(300)),
                "bash -c 'rm -rf ~'".to_string(),
                format!("{}x{}", "echo \"$(".repeat(140), ")\"".repeat(140)),
                "if true; then ".repeat(140) + "ls" + &"; fi".repeat(140),
            ];
            cases.iter().map(|c| decide(c)).collect::<Vec<_>>()
        })
        .expect("spawn");
    let decisions = handle.join().expect("no stack overflow");
    assert_eq!(decisions.len(), 6);
    assert_ne!(decisions[2], Decision::Allow);
}
