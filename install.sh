#!/usr/bin/env bash
# Install Interlock from this checkout: build the release binary with cargo, put
# `interlock` (stripped) and its agent-shell links (`interlock-bash`, `interlock-zsh`)
# in ~/.local/bin (or $PREFIX/bin), and shims named `bash`/`zsh` in
# ~/.local/lib/interlock/shims for agents that look their shell up on PATH.
# Running it again updates everything in place.
#
#   ./install.sh              build (target/release, shared with `cargo test --release`) and install
#   ./install.sh --static     build a static, position-dependent binary instead (Linux glibc;
#                             a second full build in target/<host>/release)
#   ./install.sh --uninstall  unwire every agent (`interlock uninstall <agent>`), then remove it
#   PREFIX=/usr/local ./install.sh
#   INTERLOCK_BIN=path/to/interlock ./install.sh   install a binary built already
set -euo pipefail

prefix="${PREFIX:-$HOME/.local}"
bin="$prefix/bin"
shims="$prefix/lib/interlock/shims"
links=(interlock-bash interlock-zsh)

usage() {
  sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
}

# Remove a name only if it is Interlock: never someone else's file.
remove_link() {
  local path="$1" target
  if [ -L "$path" ]; then
    target="$(readlink "$path")"
    case "$target" in
      interlock | */interlock) rm -f "$path" && echo "removed $path" ;;
      *) echo "left $path alone: it points at $target, not Interlock" ;;
    esac
  elif [ -f "$path" ] && { [ "$path" -ef "$bin/interlock" ] || cmp -s "$path" "$bin/interlock"; }; then
    # A hard link to (or copy of) Interlock, as install.sh makes them.
    rm -f "$path" && echo "removed $path"
  elif [ -e "$path" ]; then
    echo "left $path alone: it is not Interlock"
  fi
}

agents=(claude cursor codex gemini copilot windsurf cline)

uninstall() {
  # First what `interlock install <agent>` wired in the user's settings, with the
  # binary's own command, while it is still there.
  if [ -x "$bin/interlock" ]; then
    for a in "${agents[@]}"; do
      if out="$("$bin/interlock" uninstall "$a" 2>&1)"; then
        case "$out" in *"nothing changed"*) ;; *) echo "$out" ;; esac
      else
        echo "$out" >&2
        echo "install.sh: could not unwire $a; run \`$bin/interlock uninstall $a\` yourself before removing Interlock" >&2
        exit 1
      fi
    done
  fi
  for l in "${links[@]}"; do remove_link "$bin/$l"; done
  for s in bash zsh; do remove_link "$shims/$s"; done
  rmdir "$shims" "$prefix/lib/interlock" 2>/dev/null || true
  if [ -f "$bin/interlock" ]; then
    rm -f "$bin/interlock" && echo "removed $bin/interlock"
  fi
  echo "Interlock is uninstalled. Its state (approvals, audit log) stays in ${XDG_STATE_HOME:-$HOME/.local/state}/interlock; remove it yourself if you no longer want the log."
  echo "What remains: settings wired per project (\`interlock install <agent> --project\`) are"
  echo "not touched: in each such project run \`interlock uninstall <agent> --project\` (with a"
  echo "copy of Interlock), or delete the entry naming \`interlock hook\`. If you pointed an agent"
  echo "at interlock-bash yourself (SHELL, PATH, a CI shell), undo that too."
}

static=0
case "${1:-}" in
  "") ;;
  --static) static=1 ;;
  --uninstall) uninstall; exit 0 ;;
  -h | --help) usage; exit 0 ;;
  *) echo "install.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
esac

if [ -n "${INTERLOCK_BIN:-}" ]; then
  built="$INTERLOCK_BIN"
else
  cd "$(dirname "$0")"
  if ! command -v cargo >/dev/null 2>&1; then
    echo "install.sh: cargo not found; install Rust first (https://rustup.rs)" >&2
    exit 1
  fi
  # The default build is the one `cargo test --release` uses too (same profile, same
  # target directory), so the README's next step only builds the test binaries.
  # --static: every command an agent runs starts Interlock first, so on glibc Linux it
  # can be built static and position-dependent (no dynamic loading or relocation at
  # start-up), at the cost of a second full build.
  host="$(rustc -vV | sed -n 's/^host: //p')"
  case "$static:$host" in
    1:*-linux-gnu)
      RUSTFLAGS="${RUSTFLAGS:-} -C target-feature=+crt-static -C relocation-model=static" \
        cargo build --release --locked --target "$host"
      built="${CARGO_TARGET_DIR:-target}/$host/release/interlock"
      ;;
    1:*)
      echo "install.sh: --static is for glibc Linux; building the ordinary release binary" >&2
      cargo build --release --locked
      built="${CARGO_TARGET_DIR:-target}/release/interlock"
      ;;
    *)
      cargo build --release --locked
      built="${CARGO_TARGET_DIR:-target}/release/interlock"
      ;;
  esac
fi

mkdir -p "$bin" "$shims"
# Copy next to the old binary, then rename over it: a running agent shell keeps
# working while the file is replaced.
install -m 0755 "$built" "$bin/.interlock.new"
# The symbols are not needed to run (a panic still names the place); stripped, the
# binary is much smaller. Without `strip` it is installed as built.
if command -v strip >/dev/null 2>&1; then
  strip "$bin/.interlock.new" 2>/dev/null || true
fi
mv -f "$bin/.interlock.new" "$bin/interlock"
size_kb=$(( $(wc -c < "$bin/interlock") / 1024 ))
# Hard links, not symbolic ones: the confinement keeps each name read-only and in
# place for the agent's commands, which it cannot do for a symbolic link.
for l in "${links[@]}"; do ln -f "$bin/interlock" "$bin/$l" 2>/dev/null || cp -f "$bin/interlock" "$bin/$l"; done
for s in bash zsh; do ln -f "$bin/interlock" "$shims/$s" 2>/dev/null || cp -f "$bin/interlock" "$shims/$s"; done

cat <<EOF
Interlock is installed: $bin/interlock (${size_kb} KiB), with $bin/interlock-bash and $bin/interlock-zsh.
$(case ":$PATH:" in *":$bin:"*) ;; *) echo "Note: $bin is not on your PATH; add it (e.g. in ~/.profile)."; esac)
Next, wire in each agent you use and prove it works:

  interlock install claude      # or cursor, codex, gemini, copilot, windsurf, cline
  interlock doctor              # every route found, each checked live with a canary command

Agents without hooks: SHELL=$bin/interlock-bash aider. Gemini CLI through the shell too:
PATH="$shims:\$PATH" gemini (Codex has no shell route: it runs /bin/bash by absolute
path; use its hook, or interlock wrap -- codex). In CI: interlock audit (docs/audit.md).

When a command needs your approval it waits and prints a code; run, in your own terminal:
  interlock approve CODE
See what was stopped:  interlock log      Check the log was not edited:  interlock log verify
Remove (unwires the agents too):  ./install.sh --uninstall
EOF
