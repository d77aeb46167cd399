# Interlock's hook for bash, loaded with --rcfile by `interlock wrap` (the user's
# own ~/.bashrc is read first, as an interactive bash would read it).
if [[ -f ~/.bashrc ]]; then
    . ~/.bashrc
fi

# Enter types two keys: \C-x\C-a runs __interlock_enter, which judges the whole
# buffer and then binds \C-x\C-b to accept-line (run it) or to nothing (keep
# editing: the command is not finished, or it was refused). A refused line is
# emptied too, so even a stale binding cannot run it.
__interlock_enter() {
    local line=$READLINE_LINE rc=0 expanded
    if [[ $line == *[![:space:]]* ]]; then
        # What runs is the line after history expansion (`!!`, `!rm`).
        if [[ $line == *'!'* && $- == *H* ]]; then
            expanded=$(builtin history -p -- "$line" 2>/dev/null) && line=$expanded
        fi
        __interlock_ask "$line"
        rc=$?
    fi
    case $rc in
    0) builtin bind '"\C-x\C-b": accept-line' ;;
    2)
        READLINE_LINE+=$'\n'
        READLINE_POINT=${#READLINE_LINE}
        builtin bind '"\C-x\C-b": ""'
        ;;
    *)
        # Not run: back to an empty prompt (the line stays in history for editing).
        builtin history -s -- "$READLINE_LINE"
        READLINE_LINE=
        READLINE_POINT=0
        builtin bind '"\C-x\C-b": ""'
        ;;
    esac
}

# Ask the session about one line: 0 run, 1 refused (reason printed), 2 unfinished.
# Through the helper when it is up (no process start per Enter); else a one-off
# client. SIGPIPE is ignored around the write, so a helper that died cannot take
# the shell down with it.
__interlock_ask() {
    local reply
    if [[ -n ${__interlock_co_PID-} ]] && builtin kill -0 "$__interlock_co_PID" 2>/dev/null; then
        builtin trap '' PIPE
        if builtin printf '%s\0%s\0' "$PWD" "$1" >&"${__interlock_co[1]}" 2>/dev/null &&
            IFS= builtin read -r -u "${__interlock_co[0]}" reply; then
            builtin trap - PIPE
            case $reply in
            0 | 2) return "$reply" ;;
            1*)
                # The cursor is still after the typed line: start on a line of its own.
                [[ $reply == '1 '* ]] && builtin printf '\n%s\n' "${reply#1 }" >&2
                return 1
                ;;
            esac
        fi
        builtin trap - PIPE
    fi
    @BIN@ wrap --check-line --shell bash --bash "$BASH" <<<"$1"
}

# edit-and-execute-command would run the edited text without Enter: edit into the
# buffer instead, so the result is judged when Enter is pressed.
__interlock_edit() {
    local f
    f=$(mktemp "${TMPDIR:-/tmp}/interlock-edit.XXXXXX") || return
    builtin printf '%s\n' "$READLINE_LINE" >"$f"
    "${VISUAL:-${EDITOR:-vi}}" "$f"
    READLINE_LINE=$(<"$f")
    READLINE_POINT=${#READLINE_LINE}
    rm -f -- "$f"
}

for __interlock_km in emacs vi-insert vi-command; do
    builtin bind -m "$__interlock_km" -x '"\C-x\C-a": __interlock_enter'
    builtin bind -m "$__interlock_km" '"\C-x\C-b": accept-line'
    builtin bind -m "$__interlock_km" '"\C-m": "\C-x\C-a\C-x\C-b"'
    builtin bind -m "$__interlock_km" '"\C-j": "\C-x\C-a\C-x\C-b"'
done
unset __interlock_km
builtin bind -m emacs '"\C-o": "\C-x\C-a\C-x\C-b"'
builtin bind -m emacs -x '"\C-x\C-e": __interlock_edit'
builtin bind -m vi-command -x '"v": __interlock_edit'

# The helper, started once (not when the user's startup files trap SIGPIPE: the hook
# would have to change that trap). Disowned so it is not one of the user's jobs.
if [[ -z $(builtin trap -p PIPE) ]]; then
    { coproc __interlock_co { exec @BIN@ wrap --hook-relay --shell bash --bash "$BASH"; }; } 2>/dev/null
    builtin disown "$__interlock_co_PID" 2>/dev/null
fi
