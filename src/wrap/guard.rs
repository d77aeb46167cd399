//! Lines that would take the session's guard away: unhooking Interlock's functions or
//! key bindings, turning line editing off, re-running history behind the hook's back,
//! or starting a shell the hook does not reach. The decision engine judges what a
//! command does to data; this judges what it does to the hook, so it only runs on
//! lines typed in the session's own shell.

use super::ShellKind;
use crate::engine::{Decision, Finding};
use crate::syntax::{self, word};
use tree_sitter::Node;

/// Every function and variable of the shell integration starts with this.
pub const PREFIX: &str = "__interlock";

const UNHOOK: &str = "session.unhook";
const UNHOOK_REASON: &str =
    "this changes or removes Interlock's hook in this shell; typed commands would then run unchecked";
const UNHOOK_HINT: &str = "leave the session with `exit` if you want a shell without Interlock";

const RERUN: &str = "session.history-rerun";
const RERUN_REASON: &str =
    "this runs commands from history without the hook seeing the command that will run";
const RERUN_HINT: &str = "recall the command with the Up arrow and press Enter, so it is checked";

const SHELL: &str = "session.unguarded-shell";
const SHELL_REASON: &str =
    "this starts an interactive shell that Interlock's hook does not reach; what is typed in it runs unchecked";
const SHELL_HINT: &str = "start it with `interlock wrap --shell NAME` to keep the guard";

const SHELLS: &[&str] = &[
    "bash", "sh", "dash", "zsh", "fish", "ksh", "mksh", "pdksh", "tcsh", "csh", "yash", "ash",
];

/// Key sequences that mean Enter (or accept the line) in bash, zsh and fish bindings.
const ENTER_KEYS: &[&str] = &[
    "\\C-m",
    "\\C-j",
    "C-m",
    "C-j",
    "\\r",
    "\\n",
    "^M",
    "^J",
    "\\cm",
    "\\cj",
    "\\x0d",
    "\\x0a",
    "\\015",
    "\\012",
    "RET",
    "Return",
    "Newline",
    "LFD",
    "\\C-o",
    "^O",
    "\\C-x\\C-e",
    "enter",
];

/// Readline functions and widgets that run the line.
const ACCEPT_NAMES: &[&str] = &[
    "accept-line",
    "operate-and-get-next",
    "edit-and-execute-command",
    "accept-and-hold",
    "accept-line-and-down-history",
    "accept-and-infer-next-history",
    "execute",
];

pub fn check(line: &str, shell: Option<ShellKind>) -> Vec<Finding> {
    let Some(tree) = syntax::parse(line) else {
        return Vec::new();
    };
    let mut g = Guard {
        src: line,
        shell,
        out: Vec::new(),
    };
    g.walk(tree.root_node(), 0);
    g.out
}

struct Guard<'a> {
    src: &'a str,
    shell: Option<ShellKind>,
    out: Vec<Finding>,
}

impl Guard<'_> {
    fn walk(&mut self, n: Node, depth: usize) {
        if depth > 200 {
            return;
        }
        match n.kind() {
            "command" => self.command(n),
            "function_definition" => {
                if let Some(name) = n.child_by_field_name("name") {
                    if self.text(name).contains(PREFIX) {
                        self.hit(UNHOOK, name, format!("redefines {}", self.text(name)));
                    }
                }
            }
            "variable_assignment" => {
                if let Some(name) = n.child_by_field_name("name") {
                    if self.text(name).starts_with(PREFIX) {
                        self.hit(UNHOOK, name, format!("changes {}", self.text(name)));
                    }
                }
            }
            "unset_command" | "declaration_command" => {
                let words: Vec<Node> = named_children(n).collect();
                self.tamper_words(n, &words);
            }
            _ => {}
        }
        let mut c = n.walk();
        for child in n.named_children(&mut c) {
            self.walk(child, depth + 1);
        }
    }

    fn text(&self, n: Node) -> &str {
        self.src.get(n.byte_range()).unwrap_or("")
    }

    fn hit(&mut self, rule: &str, n: Node, detail: String) {
        let (reason, hint) = match rule {
            UNHOOK => (UNHOOK_REASON, UNHOOK_HINT),
            RERUN => (RERUN_REASON, RERUN_HINT),
            _ => (SHELL_REASON, SHELL_HINT),
        };
        self.out.push(Finding {
            rule: rule.into(),
            decision: Decision::Confirm,
            reason: reason.into(),
            detail: Some(detail),
            start: n.start_byte(),
            end: n.end_byte(),
            suggestion: Some(hint.into()),
        });
    }

    /// Any word naming the integration, or one that cannot be read, in a command that
    /// can unhook.
    fn tamper_words(&mut self, n: Node, words: &[Node]) -> bool {
        for w in words {
            match literal(*w, self.src) {
                Some(t) if t.contains(PREFIX) => {
                    self.hit(UNHOOK, n, format!("touches {}", t));
                    return true;
                }
                None if is_word(w.kind()) => {
                    self.hit(
                        UNHOOK,
                        n,
                        "an argument is only known when it runs".to_string(),
                    );
                    return true;
                }
                _ => {}
            }
        }
        false
    }

    fn command(&mut self, n: Node) {
        let Some(name_node) = n.child_by_field_name("name") else {
            return;
        };
        let args: Vec<Node> = n
            .children_by_field_name("argument", &mut n.walk())
            .collect();
        let mut all: Vec<Node> = vec![name_node];
        all.extend(args.iter().copied());
        // Names of the integration anywhere, even in `eval '…'`.
        for w in &all {
            if let Some(t) = literal(*w, self.src) {
                if t.contains(PREFIX) {
                    self.hit(UNHOOK, n, format!("touches {}", t));
                    return;
                }
            }
        }
        let Some(name) = literal(name_node, self.src) else {
            return;
        };
        let words: Vec<Option<String>> = args.iter().map(|a| literal(*a, self.src)).collect();
        let base = name.rsplit('/').next().unwrap_or(&name).to_string();
        match base.as_str() {
            "bind" if self.shell != Some(ShellKind::Zsh) => {
                let raw: Vec<&str> = args.iter().map(|a| self.text(*a)).collect();
                if binds_enter(&words, &raw) {
                    self.hit(UNHOOK, n, "rebinds Enter or the hook's keys".into());
                }
            }
            "bindkey" => {
                if bindkey_tampers(&words) {
                    self.hit(UNHOOK, n, "rebinds Enter or the accept widgets".into());
                }
            }
            "zle" => {
                if words.iter().any(|w| match w {
                    Some(w) => ACCEPT_NAMES.iter().any(|a| w.trim_start_matches('.') == *a),
                    None => true,
                }) && words.iter().flatten().any(|w| w.starts_with('-'))
                {
                    self.hit(UNHOOK, n, "redefines an accept widget".into());
                }
            }
            "unfunction" | "functions" | "unset" | "unalias" | "enable" | "disable" | "trap" => {
                let ws: Vec<Node> = args.clone();
                self.tamper_words(n, &ws);
            }
            "unsetopt" | "setopt" => {
                let off = base == "unsetopt";
                for w in words.iter().flatten() {
                    let o = w.to_ascii_lowercase().replace('_', "");
                    if (off && o == "zle") || (!off && o == "nozle") {
                        self.hit(UNHOOK, n, "turns line editing off".into());
                    }
                }
            }
            "set" => {
                for pair in words.windows(2) {
                    if let [Some(a), Some(b)] = pair {
                        if a == "+o" && (b == "emacs" || b == "vi") {
                            self.hit(UNHOOK, n, "turns line editing off".into());
                        }
                    }
                }
            }
            "fc" => {
                if !words
                    .iter()
                    .flatten()
                    .any(|w| w.starts_with('-') && w.contains('l'))
                {
                    self.hit(RERUN, n, "fc runs a command from history".into());
                }
            }
            "r" if self.shell == Some(ShellKind::Zsh) => {
                self.hit(RERUN, n, "r runs a command from history".into());
            }
            _ => self.shell_start(n, &base, &words),
        }
    }

    /// `exec bash`, `env -i zsh`, `sudo -s`, `bash --norc`: an interactive shell
    /// without the hook.
    fn shell_start(&mut self, n: Node, name: &str, words: &[Option<String>]) {
        let mut name = name.to_string();
        let mut rest: &[Option<String>] = words;
        let mut depth = 0;
        loop {
            depth += 1;
            if depth > 8 {
                return;
            }
            match name.as_str() {
                "exec" | "command" | "builtin" | "nohup" | "env" | "sudo" | "doas" => {
                    if matches!(name.as_str(), "sudo" | "doas")
                        && rest.iter().flatten().any(|w| is_sudo_shell_flag(w))
                    {
                        self.hit(SHELL, n, format!("{name} starts a root shell"));
                        return;
                    }
                    let skip = rest
                        .iter()
                        .position(|w| match w {
                            Some(w) => !(w.starts_with('-') || (name == "env" && w.contains('='))),
                            None => true,
                        })
                        .unwrap_or(rest.len());
                    let Some(Some(next)) = rest.get(skip) else {
                        return;
                    };
                    name = next.rsplit('/').next().unwrap_or(next).to_string();
                    rest = &rest[skip + 1..];
                }
                "su" => {
                    if !rest.iter().flatten().any(|w| w == "-c" || w == "--command") {
                        self.hit(SHELL, n, "su starts a shell".into());
                    }
                    return;
                }
                s if SHELLS.contains(&s) => {
                    if interactive(rest) && !stdin_elsewhere(n, self.src) {
                        self.hit(SHELL, n, format!("starts an interactive {s}"));
                    }
                    return;
                }
                _ => return,
            }
        }
    }
}

fn is_sudo_shell_flag(w: &str) -> bool {
    w == "--shell"
        || w == "--login"
        || (w.starts_with('-') && !w.starts_with("--") && (w.contains('s') || w.contains('i')))
}

/// The command reads stdin from a heredoc, a here-string, a file or a pipe, not the
/// terminal: a shell started so runs that text (judged with the line) and exits, it
/// does not take typed commands (`bash <<EOF … EOF`, `… | sh`).
fn stdin_elsewhere(n: Node, src: &str) -> bool {
    let redirects_stdin = |node: Node| {
        let mut w = node.walk();
        let found = node.named_children(&mut w).any(|c| match c.kind() {
            "heredoc_redirect" | "herestring_redirect" => true,
            "file_redirect" => c
                .utf8_text(src.as_bytes())
                .unwrap_or("")
                .trim_start_matches('0')
                .starts_with('<'),
            _ => false,
        });
        found
    };
    if redirects_stdin(n) {
        return true;
    }
    let mut cur = n;
    if let Some(p) = n.parent().filter(|p| p.kind() == "redirected_statement") {
        if redirects_stdin(p) {
            return true;
        }
        cur = p;
    }
    cur.parent().is_some_and(|pp| pp.kind() == "pipeline") && cur.prev_named_sibling().is_some()
}

/// A shell is interactive unless it gets `-c` or a script operand (`-i` forces it).
fn interactive(args: &[Option<String>]) -> bool {
    let mut i = 0;
    while i < args.len() {
        let Some(a) = &args[i] else { return false };
        if a == "-i" || a == "--interactive" {
            return true;
        }
        if a == "--" {
            return i + 1 >= args.len();
        }
        if a.starts_with('-') || a.starts_with('+') {
            if !a.starts_with("--") && a[1..].contains('c') {
                return false;
            }
            if a == "--command" || a.starts_with("--command=") {
                return false;
            }
            if matches!(
                a.as_str(),
                "-o" | "+o" | "-O" | "+O" | "--rcfile" | "--init-file"
            ) || a == "-C"
                || a == "--init-command"
            {
                i += 1;
            }
            i += 1;
            continue;
        }
        // A script file.
        return false;
    }
    true
}

/// The hook's own keys (see `shells/bash.sh`).
const HOOK_KEYS: &[&str] = &["\\C-x\\C-a", "\\C-x\\C-b"];

fn mentions_accept(w: &str) -> bool {
    ENTER_KEYS.iter().any(|k| w.contains(k))
        || HOOK_KEYS.iter().any(|k| w.contains(k))
        || ACCEPT_NAMES.iter().any(|a| w.contains(a))
}

/// bash `bind '"KEY": FUNCTION'`, `bind -x`, `bind -r KEY`, `bind -f FILE`; fish
/// `bind KEY COMMAND`, `bind -e KEY`. Queries (`bind -p`, `bind -q accept-line`) pass.
/// Keys are looked for in the text as typed too: fish keeps `\r` unquoted.
fn binds_enter(words: &[Option<String>], raw: &[&str]) -> bool {
    if words.iter().any(Option::is_none) {
        return true;
    }
    let words: Vec<&str> = words.iter().flatten().map(String::as_str).collect();
    if words.contains(&"-f") {
        return true;
    }
    let ops: Vec<&str> = words
        .iter()
        .copied()
        .filter(|w| !w.starts_with('-'))
        .collect();
    let changes = words
        .iter()
        .any(|w| matches!(*w, "-r" | "-x" | "-u" | "-e" | "--erase"))
        || ops.iter().any(|w| w.contains(':'))
        || ops.len() >= 2;
    changes
        && (ops.iter().any(|w| mentions_accept(w))
            || raw
                .iter()
                .filter(|w| !w.starts_with('-'))
                .any(|w| mentions_accept(w)))
}

/// zsh `bindkey [-M MAP] KEY WIDGET`: Enter-like keys may only go to the (wrapped)
/// accept widgets, and the builtin `.accept-line` family may not be bound at all.
fn bindkey_tampers(words: &[Option<String>]) -> bool {
    if words.iter().any(Option::is_none) {
        return true;
    }
    let words: Vec<&str> = words.iter().flatten().map(String::as_str).collect();
    if words.iter().any(|w| w.starts_with('.')) {
        return true;
    }
    let mut ops = Vec::new();
    let mut i = 0;
    while i < words.len() {
        if words[i] == "-M" {
            i += 2;
            continue;
        }
        if !words[i].starts_with('-') {
            ops.push(words[i]);
        }
        i += 1;
    }
    if let [key, widget, ..] = ops.as_slice() {
        let enter = ENTER_KEYS.iter().any(|k| key.contains(k));
        return enter && !ACCEPT_NAMES.contains(widget);
    }
    false
}

fn is_word(kind: &str) -> bool {
    matches!(
        kind,
        "word"
            | "string"
            | "raw_string"
            | "ansi_c_string"
            | "concatenation"
            | "simple_expansion"
            | "expansion"
            | "command_substitution"
            | "process_substitution"
            | "number"
            | "variable_name"
            | "translated_string"
    )
}

fn named_children(n: Node) -> impl Iterator<Item = Node> {
    let mut c = n.walk();
    let v: Vec<Node> = n.named_children(&mut c).collect();
    v.into_iter()
}

/// The word after quote removal, or `None` when part of it is only known at run time.
fn literal(n: Node, src: &str) -> Option<String> {
    let text = src.get(n.byte_range())?;
    match n.kind() {
        "word" | "command_name" | "number" | "variable_name" => {
            if n.kind() == "command_name" {
                let first = n.named_child(0)?;
                return literal(first, src);
            }
            if n.named_child_count() > 0 {
                return None;
            }
            Some(word::unescape_unquoted(text).0)
        }
        "raw_string" => Some(text.trim_start_matches('\'').trim_end_matches('\'').into()),
        "ansi_c_string" => {
            let body = text.strip_prefix("$'")?.strip_suffix('\'')?;
            Some(word::decode_ansi_c(body))
        }
        "string" => {
            let mut c = n.walk();
            if n.named_children(&mut c)
                .any(|k| k.kind() != "string_content")
            {
                return None;
            }
            let body = text.strip_prefix('"')?.strip_suffix('"')?;
            Some(word::unescape_double(body))
        }
        "concatenation" => {
            let mut c = n.walk();
            let mut out = String::new();
            for k in n.named_children(&mut c) {
                out.push_str(&literal(k, src)?);
            }
            Some(out)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(line: &str, shell: ShellKind) -> Vec<String> {
        check(line, Some(shell))
            .into_iter()
            .map(|f| f.rule)
            .collect()
    }

    #[test]
    fn stops_unhooking() {
        for (line, shell) in [
            ("unset -f __interlock_enter", ShellKind::Bash),
            ("unset -f \"__inter\"'lock_enter'", ShellKind::Bash),
            ("unset -f $'__inter\\x6cock_enter'", ShellKind::Bash),
            ("unset -f $name", ShellKind::Bash),
            ("__interlock_enter() { :; }", ShellKind::Bash),
            ("function __interlock_enter { :; }", ShellKind::Bash),
            ("eval 'unset -f __interlock_enter'", ShellKind::Bash),
            ("__interlock_bin=/bin/true", ShellKind::Bash),
            ("bind '\"\\C-m\": accept-line'", ShellKind::Bash),
            ("bind -r '\\C-m'", ShellKind::Bash),
            ("bind -f ~/.inputrc.evil", ShellKind::Bash),
            ("bind -x '\"\\C-j\": true'", ShellKind::Bash),
            ("set +o emacs", ShellKind::Bash),
            ("unfunction __interlock_accept", ShellKind::Zsh),
            ("bindkey '^M' .accept-line", ShellKind::Zsh),
            ("bindkey '^M' my-widget", ShellKind::Zsh),
            ("zle -N accept-line my-widget", ShellKind::Zsh),
            ("zle -A .accept-line accept-line", ShellKind::Zsh),
            ("unsetopt ZLE", ShellKind::Zsh),
            ("setopt no_zle", ShellKind::Zsh),
            ("bind \\r execute", ShellKind::Fish),
            ("bind -e \\r", ShellKind::Fish),
            ("functions -e __interlock_enter", ShellKind::Fish),
        ] {
            assert_eq!(rules(line, shell), vec![UNHOOK], "{line}");
        }
    }

    #[test]
    fn stops_history_reruns_and_unguarded_shells() {
        for line in ["fc -s", "fc", "fc -e - rm", "r rm"] {
            assert_eq!(rules(line, ShellKind::Zsh), vec![RERUN], "{line}");
        }
        for line in [
            "exec bash --norc",
            "env -i bash",
            "exec env -i zsh -f",
            "bash",
            "bash --norc",
            "zsh -f",
            "fish --no-config",
            "/bin/bash -i",
            "sudo -s",
            "sudo -i",
            "sudo bash",
            "su",
            "su - root",
            "command bash",
            "bash -i -c 'echo'",
            "bash > log.txt",
            "bash 2>&1 | tee log",
        ] {
            assert_eq!(rules(line, ShellKind::Bash), vec![SHELL], "{line}");
        }
    }

    #[test]
    fn ordinary_commands_pass() {
        for line in [
            "ls -la",
            "bash -c 'echo hi'",
            "bash script.sh",
            "sh -c 'make'",
            "zsh -c 'print x'",
            "fish -c 'echo x'",
            "exec make",
            "env FOO=1 make",
            "sudo apt-get install x",
            "su -c 'id' root",
            "bind -p",
            "bind -l",
            "bind '\"\\e[A\": history-search-backward'",
            "bind 'set editing-mode vi'",
            "bindkey -v",
            "bindkey '^R' history-incremental-search-backward",
            "bindkey '^M' accept-line",
            "fc -l",
            "history",
            "set -o vi",
            "setopt autocd",
            "unset FOO",
            "unset -f myfunc",
            "r --version",
            "echo __INTERLOCK",
            "git commit -m 'bind -r'",
            "grep 'exec bash' notes.txt",
            // The shell reads the heredoc, a file or a pipe, not typed lines.
            "bash <<EOF\necho hi\nEOF",
            "bash <<'EOF'\nls\nEOF",
            "bash -s <<< 'echo hi'",
            "bash < script.sh",
            "sh 0< script.sh",
            "cat script.sh | bash",
            "curl -s https://example.com/x.sh | sh",
        ] {
            assert!(rules(line, ShellKind::Bash).is_empty(), "{line}");
        }
        assert!(rules("r --version", ShellKind::Bash).is_empty());
        assert!(rules("bind \\cr history-pager", ShellKind::Fish).is_empty());
    }
}
