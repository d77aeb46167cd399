//! Parsing code with a real grammar, and walking the tree without recursion: one
//! parser per language and thread, made the first time such code is met; a node
//! budget and a time budget past which the code is a confirm; regions the grammar
//! could not parse are searched for destructive names.

use super::effects::Out;
use super::Lang;
use std::cell::RefCell;
use std::time::{Duration, Instant};
use tree_sitter::{Node, ParseOptions, Parser, Tree};

/// Nodes visited per piece of code (a 256 KiB program has fewer).
const MAX_NODES: usize = 400_000;
/// Parsing stops past this (the grammars are linear; this only guards a slow machine).
const PARSE_BUDGET: Duration = Duration::from_millis(500);
/// Expressions nested deeper than this are not folded: unknown, and a confirm.
pub const MAX_DEPTH: usize = 48;

thread_local! {
    static PARSERS: RefCell<Vec<(Lang, Parser)>> = const { RefCell::new(Vec::new()) };
}

fn grammar(lang: Lang) -> Option<tree_sitter::Language> {
    Some(match lang {
        Lang::Python => tree_sitter_python::LANGUAGE.into(),
        Lang::Node => tree_sitter_javascript::LANGUAGE.into(),
        Lang::Ruby => tree_sitter_ruby::LANGUAGE.into(),
        Lang::Php => tree_sitter_php::LANGUAGE_PHP_ONLY.into(),
        _ => return None,
    })
}

/// The tree of `code`, or `None` (with a confirm) when it cannot be parsed in time.
pub fn parse(lang: Lang, code: &str, out: &mut Out) -> Option<Tree> {
    let tree = PARSERS.with(|cell| {
        let mut parsers = cell.borrow_mut();
        let at = match parsers.iter().position(|(l, _)| *l == lang) {
            Some(i) => i,
            None => {
                let mut p = Parser::new();
                p.set_language(&grammar(lang)?).ok()?;
                parsers.push((lang, p));
                parsers.len() - 1
            }
        };
        let parser = &mut parsers[at].1;
        let start = Instant::now();
        let mut check = |_: &tree_sitter::ParseState| start.elapsed() > PARSE_BUDGET;
        let opts = ParseOptions::new().progress_callback(&mut check);
        let bytes = code.as_bytes();
        let tree = parser.parse_with_options(
            &mut |i, _| bytes.get(i..).unwrap_or_default(),
            None,
            Some(opts),
        );
        parser.reset();
        tree
    });
    if tree.is_none() {
        out.dynamic("the program could not be parsed in time".into());
    }
    tree
}

/// Visit every node in document order (parents before children). `f` returns
/// whether to enter the node's children. Past the node budget: a confirm.
pub fn walk<'t>(root: Node<'t>, out: &mut Out, mut f: impl FnMut(Node<'t>, &mut Out) -> bool) {
    let mut cursor = root.walk();
    let mut seen = 0usize;
    loop {
        seen += 1;
        if seen > MAX_NODES {
            out.dynamic(format!(
                "the program has more than {MAX_NODES} syntax nodes, too many to check"
            ));
            return;
        }
        let node = cursor.node();
        if f(node, out) && cursor.goto_first_child() {
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return;
            }
        }
    }
}

pub fn text<'s>(node: Node, src: &'s str) -> &'s str {
    src.get(node.byte_range()).unwrap_or("")
}

pub fn field<'t>(node: Node<'t>, name: &str) -> Option<Node<'t>> {
    node.child_by_field_name(name)
}

/// The named children of a node (bounded by the node's own size).
pub fn named_children<'t>(node: Node<'t>) -> Vec<Node<'t>> {
    let mut c = node.walk();
    node.named_children(&mut c).collect()
}

/// Parts of the code the grammar could not read that hold a name from `names`: the
/// call may be there, so a confirm.
pub fn check_errors(root: Node, src: &str, names: &[&str], out: &mut Out) {
    if !root.has_error() {
        return;
    }
    let mut found: Option<String> = None;
    walk(root, out, |n, _| {
        if found.is_some() {
            return false;
        }
        if n.is_error() || n.is_missing() {
            let t = text(n, src);
            if let Some(name) = names.iter().find(|w| t.contains(**w)) {
                found = Some((*name).to_string());
            }
            return false;
        }
        n.has_error()
    });
    if let Some(name) = found {
        out.dynamic(format!(
            "part of the program could not be parsed, and it mentions `{name}`"
        ));
    }
}

/// Backslash escapes common to the languages' double-quoted strings.
pub fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('0') => out.push('\0'),
            Some('x') => {
                let h: String = chars.by_ref().take(2).collect();
                match u32::from_str_radix(&h, 16).ok().and_then(char::from_u32) {
                    Some(ch) => out.push(ch),
                    None => out.push_str(&h),
                }
            }
            Some('u') => {
                let rest = chars.as_str();
                let (hex, used) = if let Some(r) = rest.strip_prefix('{') {
                    let end = r.find('}').unwrap_or(r.len());
                    (&r[..end], end + 2)
                } else {
                    (rest.get(..4).unwrap_or(rest), 4)
                };
                match u32::from_str_radix(hex, 16).ok().and_then(char::from_u32) {
                    Some(ch) => {
                        out.push(ch);
                        chars = rest.get(used.min(rest.len())..).unwrap_or("").chars();
                    }
                    None => out.push_str("\\u"),
                }
            }
            Some('\n') => {}
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}
