//! The input shapes whose cost once grew faster than their size (issue 17), shared by
//! `benches/scaling.rs` and `tests/robustness.rs`. Each takes a size and ends with the
//! dangerous command `rm -rf ~` where the shape allows one.

/// `true | true | … | rm -rf ~` with `n` stages before the last.
pub fn pipeline(n: usize) -> String {
    let mut s = "true | ".repeat(n);
    s.push_str("rm -rf ~");
    s
}

/// `true && true && … && rm -rf ~`.
pub fn and_chain(n: usize) -> String {
    let mut s = "true && ".repeat(n);
    s.push_str("rm -rf ~");
    s
}

/// `true || false && … ; rm -rf ~`: a mixed chain.
pub fn mixed_chain(n: usize) -> String {
    let mut s = String::new();
    for i in 0..n {
        s.push_str(if i % 2 == 0 { "true || " } else { "false && " });
    }
    s.push_str("true; rm -rf ~");
    s
}

/// `f0(){ rm -rf ~; }`, then `fK(){ fK-1; fK-1; }` up to `f{n-1}`, then a call of the
/// last: 2^n calls when each is walked again.
pub fn doubling_functions(n: usize) -> String {
    let mut s = String::from("f0(){ rm -rf ~; }\n");
    for i in 1..n {
        s.push_str(&format!("f{i}(){{ f{}; f{}; }}\n", i - 1, i - 1));
    }
    s.push_str(&format!("f{}\n", n.saturating_sub(1)));
    s
}

/// `echo a a a …; ls` of about `bytes` bytes.
pub fn wide_words(bytes: usize) -> String {
    let mut s = String::from("echo");
    s.push_str(&" a".repeat(bytes.saturating_sub(10) / 2));
    s.push_str("; ls");
    s
}

/// `git status && git status && …` (`n` times).
pub fn git_chain(n: usize) -> String {
    vec!["git status"; n.max(1)].join(" && ")
}

/// A test script in the style of a project's shell test suite: helpers defined once and
/// called hundreds of times with different arguments, substitutions, pipes, `cd`s.
/// `tests` test functions (about 11 lines each), then `tail`.
pub fn test_script(tests: usize, tail: &str) -> String {
    let mut s = String::from(
        r#"#!/usr/bin/env bash
set -euo pipefail
ROOT=$(cd "$(dirname "$0")" && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
pass=0
fail=0
log() { echo "[$(date +%T)] $*" >&2; }
assert_eq() {
  if [ "$1" != "$2" ]; then
    echo "FAIL: $3: expected '$1' got '$2'"
    fail=$((fail + 1))
  else
    pass=$((pass + 1))
  fi
}
assert_contains() {
  case "$2" in
    *"$1"*) pass=$((pass + 1)) ;;
    *) echo "FAIL: $3"; fail=$((fail + 1)) ;;
  esac
}
run() { local out; out=$("$@" 2>&1) || true; printf '%s\n' "$out"; }
setup() { mkdir -p "$TMP/work/$1" && cd "$TMP/work/$1" && git init -q . ; }
teardown() { cd "$ROOT"; rm -rf "${TMP:?}/work/$1"; }
"#,
    );
    for i in 0..tests {
        s.push_str(&format!(
            r#"test_{i}() {{
  setup case_{i}
  echo "line {i}" > file_{i}.txt
  out=$(run cat file_{i}.txt)
  assert_eq "line {i}" "$out" "case {i}"
  assert_contains "{i}" "$(grep -c line file_{i}.txt | tr -d ' ')" "count {i}"
  git add file_{i}.txt && git commit -qm "case {i}" | tee -a "$TMP/log"
  log "case {i} done"
  teardown case_{i}
}}
test_{i}
"#
        ));
    }
    s.push_str("echo \"passed $pass, failed $fail\"\n");
    s.push_str(tail);
    s
}
