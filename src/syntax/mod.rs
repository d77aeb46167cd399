//! Parsing: tree-sitter-bash into a syntax tree, and the word-level decoding that bash
//! does after parsing (quote removal, ANSI-C escapes, brace expansion).
//!
//! See `grammars/bash.md` for the node kinds the analyser relies on and the known gaps
//! of the grammar.

pub mod dialect;
pub mod word;

use std::cell::RefCell;
use std::sync::OnceLock;
use std::time::Instant;
use tree_sitter::{Decode, ParseOptions, Parser, Point, Tree};

/// `Node::kind` of a bash syntax node from a table built once: `kind` measures a C
/// string and checks its UTF-8 at every call, and the walker asks it of every node it
/// passes. Only for nodes of a tree-sitter-bash tree (ids are per grammar).
pub trait BashKind {
    fn bash_kind(&self) -> &'static str;
}

impl BashKind for tree_sitter::Node<'_> {
    fn bash_kind(&self) -> &'static str {
        static KINDS: OnceLock<Vec<&'static str>> = OnceLock::new();
        let kinds = KINDS.get_or_init(|| {
            let lang: tree_sitter::Language = tree_sitter_bash::LANGUAGE.into();
            let count = u16::try_from(lang.node_kind_count()).unwrap_or(u16::MAX);
            (0..count)
                .map(|id| lang.node_kind_for_id(id).unwrap_or(""))
                .collect()
        });
        match kinds.get(usize::from(self.kind_id())) {
            Some(k) => k,
            None => self.kind(),
        }
    }
}

thread_local! {
    static PARSER: RefCell<Option<Parser>> = const { RefCell::new(None) };
}

/// Parse bash source. `None` only if the grammar could not be loaded, which callers
/// treat as "cannot analyse" (a confirm, never an allow).
pub fn parse(source: &str) -> Option<Tree> {
    parse_until(source, None, false).ok()
}

/// Why [`parse_until`] gave no tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParseError {
    /// The grammar could not be loaded or the parser failed.
    Failed,
    /// The deadline passed before the parser finished (it was cancelled).
    OutOfTime,
}

/// Parse bash source, giving up at `deadline`: the parser's time (and so its memory)
/// is bounded whatever the input. `end_with_newline`: read the text as if it ended
/// with a newline (see below).
pub fn parse_until(
    source: &str,
    deadline: Option<Instant>,
    end_with_newline: bool,
) -> Result<Tree, ParseError> {
    let mut late = false;
    let mut check = |_: &tree_sitter::ParseState| {
        late = deadline.is_some_and(|d| Instant::now() > d);
        late
    };
    let options = deadline.map(|_| ParseOptions::new().progress_callback(&mut check));
    let tree = PARSER.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            let mut parser = Parser::new();
            parser
                .set_language(&tree_sitter_bash::LANGUAGE.into())
                .ok()?;
            *slot = Some(parser);
        }
        let parser = slot.as_mut()?;
        let bytes = source.as_bytes();
        // The engine reads a command line as if it ended with a newline:
        // tree-sitter-bash is quadratic in time and memory on a long pipeline whose last
        // word meets the end of input (`true | … | rm -rf x`: 10k stages took 3.7 s and
        // 960 MB, with a newline 0.3 s and 36 MB). Nodes of the text keep their
        // offsets; only the root may end one byte past it.
        let newline = end_with_newline && !source.ends_with('\n');
        let mut read = |at: usize, _: Point| match bytes.get(at..) {
            Some([]) | None if newline && at == bytes.len() => b"\n".as_slice(),
            Some(b) => b,
            None => &[],
        };
        let tree = parser.parse_custom_encoding::<Latin1Safe, _, _>(&mut read, None, options);
        if tree.is_none() {
            parser.reset();
        }
        tree
    });
    match tree {
        Some(t) => Ok(t),
        None if late => Err(ParseError::OutOfTime),
        None => Err(ParseError::Failed),
    }
}

/// UTF-8 as tree-sitter decodes it, except that code points above U+00FF reach the
/// grammar as `é` (U+00E9), with their byte length kept so every span still points
/// into the real text.
///
/// Why: tree-sitter-bash's external scanner passes the look-ahead code point to C's
/// `isdigit`, which glibc answers from a 384-entry table; `{` followed by a code point
/// far above that (`{\u{fe129}`) reads outside it and crashes the process. For bash
/// every such character is an ordinary word character (it splits words on ASCII
/// blanks only), and `é` is one to the grammar too, so the tree keeps its shape. Words
/// are always read from the original text.
struct Latin1Safe;

impl Decode for Latin1Safe {
    fn decode(bytes: &[u8]) -> (i32, u32) {
        let Some(&first) = bytes.first() else {
            return (0, 0);
        };
        let len = match first {
            0x00..=0x7f => return (i32::from(first), 1),
            0xc0..=0xdf => 2,
            0xe0..=0xef => 3,
            0xf0..=0xf7 => 4,
            _ => return (-1, 1),
        };
        let Some(seq) = bytes.get(..len) else {
            return (-1, 1);
        };
        match std::str::from_utf8(seq).ok().and_then(|s| s.chars().next()) {
            Some(c) if u32::from(c) <= 0xff => (u32::from(c) as i32, len as u32),
            Some(_) => (0xe9, len as u32),
            None => (-1, 1),
        }
    }
}

/// The 1-based line and column (counting characters) of a byte offset in `text`.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut at = offset.min(text.len());
    while at > 0 && !text.is_char_boundary(at) {
        at -= 1;
    }
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The table gives what `Node::kind` gives, for every node of a varied script
    /// (aliased nodes, errors and missing nodes included).
    #[test]
    fn bash_kind_is_node_kind() {
        let src = "f(){ local x=$1; }; for i in a b; do echo \"${i:-x}\" $((i+1)) <<EOF\nhi $x\nEOF\ndone; case $x in a|b) :;; esac; [[ -n $x ]] && (cd /tmp; ls) | tee f 2>&1 >> g; if true; then x=(1 2); fi; echo 'unterminated";
        let tree = parse(src).expect("a tree");
        let mut cursor = tree.walk();
        let mut seen = 0;
        loop {
            let n = cursor.node();
            assert_eq!(n.bash_kind(), n.kind());
            seen += 1;
            if cursor.goto_first_child() || cursor.goto_next_sibling() {
                continue;
            }
            while cursor.goto_parent() && !cursor.goto_next_sibling() {}
            if cursor.node() == tree.root_node() {
                break;
            }
        }
        assert!(seen > 100, "{seen}");
    }

    /// Found by the property tests: this used to crash inside tree-sitter-bash.
    #[test]
    fn wide_code_points_after_a_brace_parse() {
        for s in [
            "{\u{fe129}",
            "echo {\u{10ffff}..1}",
            "x={\u{3000}",
            "{\u{1f600}\n{\u{1f600}",
        ] {
            let tree = parse(s).expect("a tree");
            assert_eq!(tree.root_node().end_byte(), s.len());
        }
    }

    #[test]
    fn spans_point_into_the_real_text() {
        let s = "echo h\u{e9}llo \u{4e16}\u{754c} && rm -rf ~";
        let tree = parse(s).expect("a tree");
        let root = tree.root_node();
        assert!(!root.has_error());
        let text = &s[root.start_byte()..root.end_byte()];
        assert_eq!(text, s);
    }
}
