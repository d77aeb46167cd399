//! Parsing: tree-sitter-bash into a syntax tree, and the word-level decoding that bash
//! does after parsing (quote removal, ANSI-C escapes, brace expansion).
//!
//! See `grammars/bash.md` for the node kinds the analyser relies on and the known gaps
//! of the grammar.

pub mod word;

use std::cell::RefCell;
use tree_sitter::{Parser, Tree};

thread_local! {
    static PARSER: RefCell<Option<Parser>> = const { RefCell::new(None) };
}

/// Parse bash source. `None` only if the grammar could not be loaded, which callers
/// treat as "cannot analyse" (a confirm, never an allow).
pub fn parse(source: &str) -> Option<Tree> {
    PARSER.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            let mut parser = Parser::new();
            parser
                .set_language(&tree_sitter_bash::LANGUAGE.into())
                .ok()?;
            *slot = Some(parser);
        }
        let parser = slot.as_mut()?;
        let tree = parser.parse(source, None);
        if tree.is_none() {
            parser.reset();
        }
        tree
    })
}
