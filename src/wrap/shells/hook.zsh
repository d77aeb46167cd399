# Interlock's zle hook: the accept widgets are wrapped (chained to whatever they were,
# so other plugins keep working); each Enter sends $PREBUFFER$BUFFER — the whole
# command so far — to the session over its socket and waits for the verdict.
zmodload zsh/net/socket || return
autoload -Uz add-zsh-hook

typeset -g __interlock_token=
typeset -g __interlock_msg=

__interlock_install() {
    emulate -L zsh
    add-zsh-hook -d precmd __interlock_install
    __interlock_token=$(<$INTERLOCK_BROKER_TOKEN)
    local w
    for w in accept-line accept-and-hold accept-line-and-down-history accept-and-infer-next-history; do
        zle -A $w __interlock_orig_$w 2>/dev/null || zle -A .$w __interlock_orig_$w
        zle -N $w __interlock_accept
    done
}
add-zsh-hook precmd __interlock_install

# JSON string body of $1, in REPLY.
__interlock_json() {
    emulate -L zsh
    local s=$1 out= c i
    s=${s//\\/\\\\}
    s=${s//\"/\\\"}
    s=${s//$'\n'/\\n}
    s=${s//$'\t'/\\t}
    s=${s//$'\r'/\\r}
    if [[ $s == *[$'\0'-$'\x1f'$'\x7f']* ]]; then
        for (( i = 1; i <= ${#s}; i++ )); do
            c=${s[i]}
            if [[ $c == [$'\0'-$'\x1f'$'\x7f'] ]]; then
                printf -v c '\\u%04x' "'$c"
            fi
            out+=$c
        done
        s=$out
    fi
    REPLY=$s
}

# 0: run it. 1: refused (the reason in __interlock_msg).
__interlock_ask() {
    emulate -L zsh
    local fd resp line cwd
    __interlock_msg='interlock: the session guard did not answer; not run'
    zsocket $INTERLOCK_BROKER 2>/dev/null || return 1
    fd=$REPLY
    __interlock_json $1; line=$REPLY
    __interlock_json $PWD; cwd=$REPLY
    print -r -u $fd -- "{\"kind\":\"check\",\"token\":\"$__interlock_token\",\"line\":\"$line\",\"cwd\":\"$cwd\",\"pid\":$$}"
    IFS= read -r -u $fd resp
    exec {fd}>&-
    case $resp in
    *'"decision":"allow"'* | *'"decision":"approved"'*) return 0 ;;
    *'"message":"'*)
        resp=${resp#*\"message\":\"}
        resp=${resp%\"\}*}
        resp=${resp//\\\"/\"}
        __interlock_msg=${resp//\\\\/\\}
        ;;
    esac
    return 1
}

__interlock_accept() {
    if [[ $PREBUFFER$BUFFER == *[![:space:]]* ]]; then
        # What runs is the line after history expansion (`!!`, `!rm`).
        if [[ -o banghist && $BUFFER == *'!'* ]]; then
            zle expand-history
        fi
        if ! __interlock_ask "$PREBUFFER$BUFFER"; then
            zle -I
            print -u2 -r -- "$__interlock_msg"
            print -s -r -- "$PREBUFFER$BUFFER"
            BUFFER=
            # Inside an unfinished command the earlier lines must go too.
            [[ -n $PREBUFFER ]] && zle send-break
            return 0
        fi
    fi
    zle __interlock_orig_$WIDGET -- "$@"
}
