#!/usr/bin/env bash
# Install Interlock from this checkout: build the release binary with cargo, put
# `interlock` and its agent-shell links (`interlock-bash`, `interlock-zsh`) in
# ~/.local/bin (or $PREFIX/bin), and shims named `bash`/`zsh` in
# ~/.local/lib/interlock/shims for agents that look their shell up on PATH.
# Running it again updates everything in place.
#
#   ./install.sh              build and install
#   ./install.sh --uninstall  remove what it installed
#   PREFIX=/usr/local ./install.sh
#   INTERLOCK_BIN=path/to/interlock ./install.sh   install a binary built already
set -euo pipefail

prefix="${PREFIX:-$HOME/.local}"
bin="$prefix/bin"
shims="$prefix/lib/interlock/shims"
links=(interlock-bash interlock-zsh)

usage() {
  sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'
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

uninstall() {
  for l in "${links[@]}"; do remove_link "$bin/$l"; done
  for s in bash zsh; do remove_link "$shims/$s"; done
  rmdir "$shims" "$prefix/lib/interlock" 2>/dev/null || true
  if [ -f "$bin/interlock" ]; then
    rm -f "$bin/interlock" && echo "removed $bin/interlock"
  fi
  echo "Interlock is uninstalled. Its state (approvals, audit log) stays in ${XDG_STATE_HOME:-$HOME/.local/state}/interlock; remove it yourself if you no longer want the log."
  echo "If you pointed an agent at interlock-bash (CLAUDE_CODE_SHELL, SHELL, PATH), undo that too."
}

case "${1:-}" in
  "") ;;
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
  # Every command an agent runs starts Interlock first, so on glibc Linux it is built
  # static and position-dependent: no dynamic loading or relocation at start-up.
  host="$(rustc -vV | sed -n 's/^host: //p')"
  case "$host" in
    *-linux-gnu)
      RUSTFLAGS="${RUSTFLAGS:-} -C target-feature=+crt-static -C relocation-model=static" \
        cargo build --release --locked --target "$host"
      built="${CARGO_TARGET_DIR:-target}/$host/release/interlock"
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
mv -f "$bin/.interlock.new" "$bin/interlock"
# Hard links, not symbolic ones: the confinement keeps each name read-only and in
# place for the agent's commands, which it cannot do for a symbolic link.
for l in "${links[@]}"; do ln -f "$bin/interlock" "$bin/$l" 2>/dev/null || cp -f "$bin/interlock" "$bin/$l"; done
for s in bash zsh; do ln -f "$bin/interlock" "$shims/$s" 2>/dev/null || cp -f "$bin/interlock" "$shims/$s"; done

cat <<EOF
Interlock is installed: $bin/interlock, with $bin/interlock-bash and $bin/interlock-zsh.
$(case ":$PATH:" in *":$bin:"*) ;; *) echo "Note: $bin is not on your PATH; add it (e.g. in ~/.profile)."; esac)
Point each agent at it (every command it runs is then checked first):

  Claude Code   in ~/.claude/settings.json:  { "env": { "CLAUDE_CODE_SHELL": "$bin/interlock-bash" } }
                (the path must contain bash or zsh; interlock-zsh works the same way)
  Aider, OpenCode and other \$SHELL users:   SHELL=$bin/interlock-bash aider
  Gemini CLI (looks bash up on PATH):  PATH="$shims:\$PATH" gemini
  Codex CLI: no shell route (it runs /bin/bash by absolute path); use its hook:  interlock install codex
  Hooks for Claude Code, Gemini CLI and others:  interlock install <agent>; check with: interlock doctor
  GitHub Actions:  defaults: { run: { shell: "interlock-bash --noprofile --norc -eo pipefail {0}" } }
  GitLab CI, or any tool that pipes a script to a shell:  ... | interlock-bash

When a command needs your approval it waits and prints a code; run, in your own terminal:
  interlock approve CODE
See what was stopped:  interlock log      Check the log was not edited:  interlock log verify
Remove:  ./install.sh --uninstall
EOF
