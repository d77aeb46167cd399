#!/usr/bin/env bash
# What every agent command pays: `interlock-bash -c CMD` against `bash -c CMD`, for
# both builds install.sh makes: the default (`cargo build --release`) and `--static`.
# Installs each into a scratch prefix exactly as ./install.sh does (the binaries users
# get), then compares with hyperfine. One method for every figure in the docs: the
# median of hyperfine's runs, and its ratio to the median of `bash -c CMD` in the same
# hyperfine invocation. Needs hyperfine (apt-get install hyperfine).
set -euo pipefail
cd "$(dirname "$0")/.."
prefix="$(mktemp -d)"
trap 'rm -rf "$prefix"' EXIT
PREFIX="$prefix/default" ./install.sh >/dev/null
PREFIX="$prefix/static" ./install.sh --static >/dev/null
export INTERLOCK_CONFIG=/nonexistent INTERLOCK_SYSTEM_CONFIG=/nonexistent
export INTERLOCK_STATE_DIR="$prefix/state"
d="$prefix/default/bin/interlock-bash"
s="$prefix/static/bin/interlock-bash"
# The confinement's own cost: the same static build with it switched off, both
# started through env so that only the confinement differs.
printf '[settings]\nconfine = false\n' > "$prefix/off.toml"
# The floor for any guard that runs the real shell with execve: a static program that
# does nothing but exec bash (needs cc; skipped without it).
floor="$prefix/exec-floor"
if printf '#include <unistd.h>\nint main(int c, char **v) { (void)c; execv("/bin/bash", v); return 127; }\n' \
  | cc -O2 -static -x c -o "$floor" - 2>/dev/null; then
  floor_cmd="$floor -c true"
else
  floor_cmd="bash -c true"
fi
hyperfine -N --warmup 100 --runs "${RUNS:-1000}" --export-json /tmp/interlock-agent-shell.json \
  "bash -c true" "$d -c true" "$s -c true" \
  "bash -c 'git --version'" "$d -c 'git --version'" "$s -c 'git --version'" \
  "env INTERLOCK_CONFIG=/nonexistent $s -c true" "env INTERLOCK_CONFIG=$prefix/off.toml $s -c true" \
  "$floor_cmd"
python3 - "$prefix" <<'PY'
import json, sys
prefix = sys.argv[1]
r = json.load(open("/tmp/interlock-agent-shell.json"))["results"]
on, off, floor = r[6], r[7], r[8]
print(f"exec floor (static program that only execs bash): median {floor['median'] * 1e3:.2f} ms"
      f" ({floor['median'] / r[0]['median']:.2f}x bash -c true)")
print(f"confinement: static build {on['median'] * 1e3:.2f} ms with it, {off['median'] * 1e3:.2f} ms without"
      f" (+{(on['median'] - off['median']) * 1e3:.2f} ms)")
for group in (r[0:3], r[3:6]):
    bash = group[0]
    print(f"{bash['command']:<44} median {bash['median'] * 1e3:.2f} ms")
    for x in group[1:]:
        name = x["command"].replace(prefix + "/", "").replace("/bin/", " ")
        print(f"{name:<44} median {x['median'] * 1e3:.2f} ms  ({x['median'] / bash['median']:.2f}x)")
PY
