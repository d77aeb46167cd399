//! Bad input never panics, hangs or slips through: random and mutated command lines,
//! huge lines, deep nesting, binary. Decisions are deterministic.

#[path = "../benches/shapes/mod.rs"]
mod shapes;

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
    // Statements of 80 bytes: a megabyte well inside the time budget even on a loaded
    // machine (the 240,000-statement shape is timed in `cargo bench --bench scaling`).
    let mut bad = format!("echo {}; ", "o".repeat(73)).repeat(13_200);
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

// Issue 17: shapes whose cost once grew faster than their size, or crashed the process.
// Each must finish (no timing asserts here: the time targets live in
// `benches/scaling.rs`), give the same answer twice, and still stop the dangerous
// command at its end as the short form does.

/// Sizes are cut by ten in debug builds: tree-sitter's C is not optimised there and the
/// time budget (fifty times the release one) would be reached first.
fn scaled(n: usize) -> usize {
    if cfg!(debug_assertions) {
        n / 10
    } else {
        n
    }
}

/// The decision of the short form of a shape, and of its long form twice.
fn long_and_short(long: &str, short: &str) -> (Decision, Decision, Decision) {
    (decide(short), decide(long), decide(long))
}

fn stopped_as_short_form(long: &str, short: &str) {
    let (s, a, b) = long_and_short(long, short);
    assert_eq!(a, b, "not deterministic");
    assert_ne!(
        s,
        Decision::Allow,
        "the short form {short:?} is not stopped"
    );
    assert_eq!(
        a,
        s,
        "{}… ({} bytes) gave {a:?}, its short form {s:?}",
        &long[..40.min(long.len())],
        long.len()
    );
}

#[test]
fn a_hundred_thousand_stage_pipeline_is_decided() {
    stopped_as_short_form(&shapes::pipeline(scaled(20_000)), &shapes::pipeline(1));
    // 100k stages is past the word budget: a confirm, never a crash or an allow.
    let d = decide(&shapes::pipeline(100_000));
    assert_ne!(d, Decision::Allow);
}

#[test]
fn a_hundred_thousand_long_and_chain_is_decided() {
    // It used to overflow the stack (SIGSEGV) at 50k.
    stopped_as_short_form(&shapes::and_chain(scaled(60_000)), &shapes::and_chain(1));
    stopped_as_short_form(
        &shapes::mixed_chain(scaled(40_000)),
        &shapes::mixed_chain(2),
    );
    let d = decide(&shapes::and_chain(100_000));
    assert_ne!(d, Decision::Allow);
}

#[test]
fn functions_calling_each_other_twice_are_judged_once() {
    // 2^40 calls when every call is walked again.
    stopped_as_short_form(
        &shapes::doubling_functions(40),
        &shapes::doubling_functions(1),
    );
    // The same function called with different arguments is still judged for each.
    let line = "f(){ rm -rf \"$1\"; }\nf build\nf target\nf ~";
    assert_eq!(decide(line), Decision::Deny);
    assert_eq!(
        decide("f(){ rm -rf \"$1\"; }\nf build\nf target"),
        Decision::Allow
    );
    // A callee redefined between two identical calls is judged again.
    let line = "g(){ h; }\nh(){ true; }\ng\nh(){ rm -rf ~; }\ng";
    assert_eq!(decide(line), Decision::Deny);
    // A variable changed between two identical calls is judged again.
    let line = "d=build\nf(){ rm -rf \"$d\"; }\nf\nd=~\nf";
    assert_eq!(decide(line), Decision::Deny);
}

#[test]
fn four_megabytes_of_short_words_are_decided() {
    let line = shapes::wide_words(interlock::engine::MAX_INPUT_BYTES - 64);
    assert!(line.len() < interlock::engine::MAX_INPUT_BYTES);
    let a = decide(&line);
    assert_eq!(a, decide(&line));
    assert_ne!(a, Decision::Deny);
    assert_eq!(decide(&shapes::wide_words(40_000)), Decision::Allow);
}

#[test]
fn a_long_test_script_is_decided_and_its_tail_stopped() {
    let tail = "rm -rf ~\n";
    stopped_as_short_form(
        &shapes::test_script(scaled(160), tail),
        &shapes::test_script(1, tail),
    );
    let clean = shapes::test_script(scaled(160), "");
    assert_eq!(decide(&clean), decide(&clean));
}

#[test]
fn ten_thousand_commands_joined_with_and_are_allowed() {
    assert_eq!(decide(&shapes::git_chain(scaled(10_000))), Decision::Allow);
    let nl = vec!["git status"; 10_000].join("\n");
    assert_eq!(decide(&nl), Decision::Allow);
}

#[test]
fn word_count_budget_is_a_confirm_naming_it() {
    let line = "x ".repeat(interlock::engine::MAX_TOKENS + 10);
    let v = engine().decide(&line, &Context::example());
    assert_eq!(v.decision, Decision::Confirm);
    assert!(
        v.findings.iter().any(|f| f.message().contains("budget")),
        "{:?}",
        v.findings
    );
    // Quoted text and heredoc bodies are one word each.
    let quoted = format!("echo '{}'", "a ".repeat(interlock::engine::MAX_TOKENS));
    assert_eq!(decide(&quoted), Decision::Allow);
    let heredoc = format!(
        "cat <<'EOF'\n{}\nEOF\nrm -rf ~",
        "a ".repeat(interlock::engine::MAX_TOKENS)
    );
    assert_eq!(decide(&heredoc), Decision::Deny);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]

    #[test]
    fn long_pipelines_and_chains_stop_their_tail(
        n in 1usize..3_000,
        ops in prop::collection::vec(prop::sample::select(&[" | ", " && ", " || ", "; ", "\n"][..]), 1..8),
        tail in prop::sample::select(&["rm -rf ~", "git push --force", "rm -rf /"][..]),
    ) {
        let mut line = String::new();
        for i in 0..n {
            line.push_str("true");
            line.push_str(ops[i % ops.len()]);
        }
        line.push_str(tail);
        let a = decide(&line);
        prop_assert_eq!(a, decide(&line));
        // What runs last is always reached after `;`, `|`, `&&`; after `||` it may
        // not run at all, and Interlock still judges it.
        prop_assert_ne!(a, Decision::Allow, "{}", &line[line.len().saturating_sub(60)..]);
        prop_assert_eq!(a, decide(tail));
    }

    #[test]
    fn nested_and_repeated_function_calls_stop_their_tail(
        depth in 1usize..30,
        calls in 1usize..4,
        args in prop::collection::vec("[a-z]{1,6}", 0..3),
    ) {
        let mut s = String::from("f0(){ rm -rf ~; }\n");
        for i in 1..depth {
            let call = format!("f{} {}; ", i - 1, args.join(" "));
            s.push_str(&format!("f{i}(){{ {}}}\n", call.repeat(calls)));
        }
        s.push_str(&format!("f{}\n", depth - 1));
        let a = decide(&s);
        prop_assert_eq!(a, decide(&s));
        prop_assert_eq!(a, Decision::Deny);
    }

    #[test]
    fn wide_word_lists_are_deterministic(n in 1usize..20_000, w in "[a-z]{1,3}") {
        let line = format!("echo {}; rm -rf ~", vec![w.as_str(); n].join(" "));
        let a = decide(&line);
        prop_assert_eq!(a, decide(&line));
        prop_assert_eq!(a, Decision::Deny);
    }
}

/// `interlock check` prints a verdict for every input it accepts, and exits with that
/// verdict's status: the shapes that once crashed it (stack overflow at 50k `&&`,
/// tree-sitter out of memory at 100k pipeline stages) included.
#[test]
fn check_prints_a_verdict_for_every_shape() {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let shapes = [
        shapes::and_chain(100_000),
        shapes::and_chain(scaled(50_000)),
        shapes::pipeline(100_000),
        shapes::pipeline(scaled(10_000)),
        shapes::doubling_functions(40),
        shapes::wide_words(interlock::engine::MAX_INPUT_BYTES - 64),
        shapes::test_script(scaled(160), "rm -rf ~\n"),
    ];
    for line in &shapes {
        let mut child = Command::new(env!("CARGO_BIN_EXE_interlock"))
            .args(["check", "--batch", "-0"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn interlock");
        let mut stdin = child.stdin.take().expect("stdin");
        let input = line.clone();
        let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
        let out = child.wait_with_output().expect("wait");
        writer.join().expect("writer").expect("write");
        let text = String::from_utf8_lossy(&out.stdout);
        let first = text.lines().next().unwrap_or("");
        let decision = first.split('\t').next().unwrap_or("");
        let code = out.status.code();
        assert!(
            matches!((decision, code), ("confirm", Some(10)) | ("deny", Some(11))),
            "{}… gave {decision:?} with status {code:?}",
            &line[..30]
        );
        assert_eq!(text.lines().count(), 1);
    }
}

/// `a | b && c | d && …`: tree-sitter nests a pipeline ending in a list, one level per
/// `&&`; the chain is read flat, so a long one still reaches its tail (it was a
/// "nested too deeply" confirm past about 60 links).
#[test]
fn pipelines_alternating_with_and_chains_reach_their_tail() {
    for (ops, n) in [
        ([" | ", " | ", " && "], 198),
        ([" | ", " || ", " | "], 3_000),
    ] {
        let mut line = String::new();
        for i in 0..n {
            line.push_str("true");
            line.push_str(ops[i % ops.len()]);
        }
        line.push_str("rm -rf /");
        assert_eq!(decide(&line), Decision::Deny, "{n} links of {ops:?}");
    }
    assert_eq!(decide("ls | grep x && git status | head"), Decision::Allow);
    assert_eq!(
        decide("ls | wc -l && echo ~ | xargs rm -rf"),
        Decision::Deny
    );
}
