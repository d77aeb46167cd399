# Interlock's hook for zsh: `interlock wrap` points ZDOTDIR here. Put the user's
# ZDOTDIR back at once, so zsh reads their own .zshenv, .zshrc and the rest; the
# hook installs itself at the first prompt, after all of them.
if [[ ${__interlock_zdotdir-} == set:* ]]; then
    ZDOTDIR=${__interlock_zdotdir#set:}
else
    unset ZDOTDIR
fi
unset __interlock_zdotdir
if [[ -o interactive ]]; then
    source @HOOK@
fi
if [[ -f ${ZDOTDIR:-$HOME}/.zshenv ]]; then
    source "${ZDOTDIR:-$HOME}/.zshenv"
fi
