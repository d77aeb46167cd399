#!/usr/bin/env bash
# Process-level figures for the README: one `interlock check` call against `bash -c true`
# (every agent command pays this), and the whole nl2bash corpus through one batch process.
# Needs hyperfine (apt-get install hyperfine).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q
bin=target/release/interlock
corpus=tests/data/corpora/nl2bash.cm
tr '\n' '\0' < "$corpus" > /tmp/nl2bash.0
export INTERLOCK_CONFIG=/nonexistent INTERLOCK_SYSTEM_CONFIG=/nonexistent
hyperfine -N -i --warmup 50 --runs 500 --export-markdown /tmp/interlock-process.md \
  "bash -c true" \
  "$bin check -- 'git status'" \
  "$bin check -- 'rm -rf ~/'"
hyperfine -i --warmup 3 --runs 20 \
  "$bin check --batch -0 < /tmp/nl2bash.0 > /dev/null"

# Instruction counts are repeatable whatever else the machine is doing.
if command -v valgrind >/dev/null; then
  for cmd in "bash -c true" "$bin check -- git status" "$bin --version"; do
    n=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null $cmd 2>&1 | sed -n 's/.*Collected : //p')
    printf '%-40s %s instructions\n' "$cmd" "$n"
  done
fi
