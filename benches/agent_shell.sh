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
hyperfine -N --warmup 100 --runs "${RUNS:-1000}" --export-markdown /tmp/interlock-agent-shell.md \
  "bash -c true" "$ib -c true" \
  "bash -c 'git --version'" "$ib -c 'git --version'"
