#!/usr/bin/env bash
# Benchmark `interlock audit` on a tree of more than 10,000 real script files, built
# offline from what this machine holds:
#   - the nl2bash corpus (tests/data/corpora/nl2bash.cm), three commands per script file;
#   - shell scripts shipped by Debian packages (/usr/share/**/*.sh, /usr/lib/**/*.sh,
#     /usr/bin and /usr/sbin scripts with a sh/bash shebang, /etc scripts), copied into
#     several directories as a large monorepo would vendor them;
#   - GitHub workflows, Makefiles and justfiles shipped inside the crates in the cargo
#     registry;
#   - C headers from /usr/include as files the walk must skip.
# Usage: benches/audit.sh [TREE_DIR]   (the tree is kept and reused if it exists)
# Prints the tree's size and the wall-clock seconds of each run (best of 3).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
tree=${1:-${TMPDIR:-/tmp}/interlock-audit-bench}
copies=${COPIES:-24}
corpus=$root/tests/data/corpora/nl2bash.cm

if [ ! -d "$tree" ]; then
  mkdir -p "$tree"
  echo "building the tree in $tree" >&2
  # nl2bash: three one-liners per script, a shebang on top.
  mkdir -p "$tree/nl2bash"
  awk -v dir="$tree/nl2bash" '
    (NR - 1) % 3 == 0 { if (f) close(f); f = sprintf("%s/cmd%05d.sh", dir, (NR - 1) / 3); print "#!/bin/bash" > f }
    { print > f }' "$corpus"
  # Debian's scripts.
  sys=$(mktemp -d)
  n=0
  while IFS= read -r -d '' f; do
    n=$((n + 1)); cp "$f" "$sys/$n-$(basename "$f")" 2>/dev/null || true
  done < <(find /usr/share /usr/lib /etc -name '*.sh' -type f -size -512k -print0 2>/dev/null)
  for f in /usr/bin/* /usr/sbin/* /etc/init.d/*; do
    [ -f "$f" ] || continue
    if head -c 64 "$f" 2>/dev/null | head -1 | grep -qaE '^#! ?/(usr/)?bin/(env )?(ba|da)?sh'; then
      n=$((n + 1)); cp "$f" "$sys/$n-$(basename "$f")"
    fi
  done
  for i in $(seq -w 1 "$copies"); do
    mkdir -p "$tree/vendor/copy$i"
    cp "$sys"/* "$tree/vendor/copy$i/"
  done
  rm -rf "$sys"
  # Pipelines and build files from crates in the cargo registry.
  reg=$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/ 2>/dev/null | head -1)
  if [ -n "$reg" ]; then
    n=0
    while IFS= read -r -d '' f; do
      n=$((n + 1))
      case "$f" in
        */.github/workflows/*) d="$tree/crates/c$n/.github/workflows" ;;
        *) d="$tree/crates/c$n" ;;
      esac
      mkdir -p "$d"; cp "$f" "$d/"
    done < <(find "$reg" \( -name Makefile -o -name justfile -o -name Dockerfile -o -name package.json \
      -o -path '*/.github/workflows/*.yml' -o -name '*.sh' \) -type f -print0 2>/dev/null)
  fi
  # Files the audit skips.
  mkdir -p "$tree/include"
  find /usr/include -name '*.h' -type f 2>/dev/null | head -3000 | while read -r f; do
    cp "$f" "$tree/include/$(echo "$f" | tr / _)"
  done || true  # head closes the pipe early
fi

bin=${CARGO_TARGET_DIR:-target}/release/interlock
cargo build --release --quiet
total=$(find "$tree" -type f | wc -l)
echo "tree: $total files"

# Best of 3 wall-clock seconds for `interlock audit DIR ARGS…`.
run() {
  local dir=$1 best="" s e t
  shift
  for _ in 1 2 3; do
    s=$(date +%s.%N)
    "$bin" audit "$dir" --no-progress --format json "$@" -o "$tree.json" || true
    e=$(date +%s.%N)
    t=$(echo "$e - $s" | bc)
    if [ -z "$best" ] || [ "$(echo "$t < $best" | bc)" = 1 ]; then best=$t; fi
  done
  echo "$best"
}

summary() {
  python3 - "$tree.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))["summary"]
print(f"read {s['files_read']} files, {s['commands']} commands; {s['findings']} findings "
      f"({s['deny']} deny, {s['confirm']} confirm), {s['errors']} unreadable")
PY
}

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
nl=$(run "$tree/nl2bash" --threads 1)
echo "nl2bash only: $(summary)"
echo "  seconds, 1 thread: $nl"
t1=$(run "$tree" --threads 1)
tn=$(run "$tree")
echo "whole tree: $(summary)"
echo "  seconds, 1 thread: $t1"
echo "  seconds, $(nproc) threads: $tn"
