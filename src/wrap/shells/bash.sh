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
        @BIN@ wrap --check-line --shell bash --bash "$BASH" <<<"$line"
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
