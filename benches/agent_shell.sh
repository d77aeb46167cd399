#!/usr/bin/env bash
# What every agent command pays: `interlock-bash -c CMD` against `bash -c CMD`.
# Installs into a scratch prefix exactly as ./install.sh does (the binary users get),
# then compares with hyperfine. Needs hyperfine (apt-get install hyperfine).
set -euo pipefail
cd "$(dirname "$0")/.."
prefix="$(mktemp -d)"
trap 'rm -rf "$prefix"' EXIT
PREFIX="$prefix" ./install.sh >/dev/null
ib="$prefix/bin/interlock-bash"
export INTERLOCK_CONFIG=/nonexistent INTERLOCK_SYSTEM_CONFIG=/nonexistent
export INTERLOCK_STATE_DIR="$prefix/state"
hyperfine -N --warmup 100 --runs "${RUNS:-1000}" --export-json /tmp/interlock-agent-shell.json \
  "bash -c true" "$ib -c true" \
  "bash -c 'git --version'" "$ib -c 'git --version'"
# Medians, and each interlock-bash run against the bash run before it.
python3 - <<'PY'
import json
r = json.load(open("/tmp/interlock-agent-shell.json"))["results"]
for bash, ib in zip(r[::2], r[1::2]):
    print(f"{bash['command']:<28} median {bash['median'] * 1e3:.2f} ms")
    print(f"{'interlock-bash' + ib['command'].split('interlock-bash', 1)[1]:<28} median {ib['median'] * 1e3:.2f} ms"
          f"  ({ib['median'] / bash['median']:.2f}x)")
PY
