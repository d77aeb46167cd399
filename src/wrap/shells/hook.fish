# Interlock's hook for fish, loaded with --init-command by `interlock wrap` (after the
# user's config). Enter judges the whole buffer before fish runs it; the bindings are
# put back before every prompt, so switching key binding sets keeps them.
function __interlock_enter
    if commandline --paging-mode
        commandline -f execute
        return
    end
    commandline --is-valid
    if test $status -eq 2
        # Not finished: fish adds a newline and keeps editing.
        commandline -f execute
        return
    end
    set -l line (commandline | string collect)
    if string match -qr '\S' -- $line
        printf '%s\n' $line | @BIN@ wrap --check-line --shell fish
        if test $pipestatus[2] -ne 0
            commandline -r ''
            commandline -f repaint
            return
        end
    end
    commandline -f execute
end

function __interlock_bind --on-event fish_prompt
    for mode in default insert visual
        bind -M $mode \r __interlock_enter
        bind -M $mode \n __interlock_enter
    end
end
__interlock_bind
