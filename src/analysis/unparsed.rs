//! Text the grammar could not parse. tree-sitter-bash has real gaps (a heredoc followed
//! by `| tee log` on its first line, two heredocs on one line, `coproc`), so an ERROR
//! node does not mean the command is hostile. What parsed was already walked; here the
//! raw text is scanned for watched programs in command position that the walk did not
//! reach. Only those stop the command.

use super::runners::{program_name, SHELLS};
use super::{Analyzer, Frame};
use crate::syntax::BashKind;
use tree_sitter::Node;

/// Words after which the next word is a command.
const COMMAND_STARTERS: &[&str] = &[
    "then", "do", "else", "elif", "if", "while", "until", "!", "time", "sudo", "doas", "env",
    "exec", "command", "builtin", "nohup", "nice", "timeout", "xargs", "eval", "{", "(",
];

pub(super) fn scan(a: &mut Analyzer, fr: &Frame, root: Node, named: &[usize]) {
    let src = fr.src;
    let bytes = src.as_bytes();
    let mut i = 0;
    let mut command_pos = true;
    while i < bytes.len() {
        let c = bytes[i];
        match c {
            b' ' | b'\t' => {
                i += 1;
                continue;
            }
            b'{' | b'}' if !matches!(bytes.get(i + 1), Some(b' ' | b'\t' | b'\n') | None) => {}
            b'\n' | b';' | b'&' | b'|' | b'(' | b')' | b'`' | b'{' | b'}' => {
                command_pos = true;
                i += 1;
                continue;
            }
            b'#' if command_pos => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'$' if bytes.get(i + 1) == Some(&b'(') => {
                command_pos = true;
                i += 2;
                continue;
            }
            _ => {}
        }
        let start = i;
        let mut word = String::new();
        while i < bytes.len() {
            let b = bytes[i];
            if matches!(
                b,
                b' ' | b'\t' | b'\n' | b';' | b'&' | b'|' | b'(' | b')' | b'`' | b'<' | b'>'
            ) {
                break;
            }
            if b == b'\'' || b == b'"' {
                let q = b;
                i += 1;
                while i < bytes.len() && bytes[i] != q {
                    if q == b'"' && bytes[i] == b'\\' {
                        i += 1;
                    }
                    if let Some(&x) = bytes.get(i) {
                        word.push(x as char);
                    }
                    i += 1;
                }
                i += 1;
                continue;
            }
            if b == b'\\' {
                i += 1;
                if let Some(&x) = bytes.get(i) {
                    word.push(x as char);
                }
                i += 1;
                continue;
            }
            word.push(b as char);
            i += 1;
        }
        if i == start {
            // A redirection operator or other single byte.
            i += 1;
            command_pos = false;
            continue;
        }
        if command_pos {
            // `{rm,-rf,/}` is brace-expanded before it runs.
            let word = crate::syntax::word::brace_expand(&word)
                .and_then(|v| v.into_iter().next())
                .unwrap_or(word);
            let name = program_name(&word);
            let watched = a.judge.watches(&name) || SHELLS.contains(&name.as_str());
            if watched && !named.contains(&start) && inside_error(root, start) {
                let span = fr.origin_map(start..i);
                a.event(
                    "shell.unparsed",
                    span,
                    Some(format!(
                        "`{name}` may run in text the shell parser could not read"
                    )),
                );
            }
            command_pos = COMMAND_STARTERS.contains(&word.as_str()) || is_assignment(&word);
        }
    }
}

fn is_assignment(w: &str) -> bool {
    w.split_once('=').is_some_and(|(n, _)| {
        !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

/// Is the byte at `pos` inside (or after the start of) an ERROR or MISSING node's
/// statement? Text in cleanly parsed statements was already judged.
fn inside_error(root: Node, pos: usize) -> bool {
    let mut node = root.descendant_for_byte_range(pos, pos);
    while let Some(n) = node {
        if n.is_error() || n.is_missing() || n.has_error() && n.bash_kind() != "program" {
            return true;
        }
        node = n.parent();
    }
    // Text after an ERROR at the top level may belong to it.
    let mut cursor = root.walk();
    let r = root
        .children(&mut cursor)
        .any(|c| (c.is_error() || c.has_error()) && c.start_byte() <= pos && pos <= c.end_byte());
    r
}
