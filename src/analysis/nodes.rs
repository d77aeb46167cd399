//! Small readers of syntax nodes and words that the walker's modules share.

use super::scope::Value;
use super::Frame;
use crate::syntax::word::Word;
use crate::syntax::BashKind;
use tree_sitter::Node;

/// A pipeline stage: a statement plus redirections that belong to it.
pub(super) struct Stage<'t> {
    pub(super) node: Node<'t>,
    pub(super) redirects: Vec<Node<'t>>,
}

impl<'t> Stage<'t> {
    pub(super) fn plain(node: Node<'t>) -> Stage<'t> {
        Stage {
            node,
            redirects: Vec::new(),
        }
    }
}

/// The named children of `n`, through one cursor: linear in their number
/// (`Node::named_child(i)` walks from the first child each time).
pub(crate) fn named_children(n: Node) -> impl Iterator<Item = Node> {
    let mut cursor = n.walk();
    let mut started = false;
    let mut done = false;
    std::iter::from_fn(move || loop {
        if done {
            return None;
        }
        let moved = if started {
            cursor.goto_next_sibling()
        } else {
            started = true;
            cursor.goto_first_child()
        };
        if !moved {
            done = true;
            return None;
        }
        let c = cursor.node();
        if c.is_named() {
            return Some(c);
        }
    })
}

pub(super) fn is_extglob_tail(n: Node, fr: &Frame) -> bool {
    let Some(prev) = n.prev_named_sibling() else {
        return false;
    };
    prev.end_byte() == n.start_byte()
        && fr.text(prev).ends_with(['!', '@', '*', '+', '?'])
        && prev.bash_kind() == "command"
}

pub(super) fn unnamed_operator(n: Node, fr: &Frame) -> String {
    let mut c = n.walk();
    let op = n
        .children(&mut c)
        .find(|c| !c.is_named())
        .map(|c| fr.text(c).to_string())
        .unwrap_or_else(|| ">".to_string());
    op
}

pub(super) fn is_word_like(kind: &str) -> bool {
    matches!(
        kind,
        "word"
            | "string"
            | "raw_string"
            | "ansi_c_string"
            | "translated_string"
            | "concatenation"
            | "simple_expansion"
            | "expansion"
            | "command_substitution"
            | "process_substitution"
            | "arithmetic_expansion"
            | "number"
    )
}

pub(crate) fn word_value(w: &Word) -> Value {
    match w.lit() {
        Some(t) => Value::Known(t),
        None => Value::Unknown {
            maybe_empty: w.starts_with_maybe_empty(),
        },
    }
}

/// Could this code change the positional parameters (`shift`, `set -- …`)?
pub(super) fn changes_positional(text: &str) -> bool {
    text.contains("shift") || text.contains("set")
}
