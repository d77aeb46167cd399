//! A small YAML tree with source positions (built from saphyr-parser's events), and
//! the mapping of a scalar's value back to the file text it was written as.
//!
//! Anchors are shared (`Rc`), never copied, so an alias bomb costs nothing to build;
//! merge keys (`<<: *defaults`) are kept aside and looked up on demand.

use super::{Mapped, Problem};
use saphyr_parser::{Event, Marker, Parser, ScalarStyle};
use std::collections::HashMap;
use std::rc::Rc;

/// Deeper nesting than this is refused (a clear error, never a stack overflow).
const MAX_DEPTH: usize = 256;
/// More nodes than this in one file is refused.
const MAX_NODES: usize = 2_000_000;

#[derive(Debug)]
pub struct Node {
    pub kind: NodeKind,
    /// Byte range of the node in the file.
    pub start: usize,
    pub end: usize,
    pub tag: Option<String>,
}

#[derive(Debug)]
pub enum NodeKind {
    Scalar {
        value: String,
        style: ScalarStyle,
    },
    Seq(Vec<Rc<Node>>),
    Map {
        entries: Vec<(Rc<Node>, Rc<Node>)>,
        /// Maps merged in with `<<`, in order of precedence.
        merges: Vec<Rc<Node>>,
    },
}

impl Node {
    /// The value of a scalar that is not null.
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::Scalar { value, style } => {
                if *style == ScalarStyle::Plain && matches!(value.as_str(), "" | "~" | "null") {
                    None
                } else {
                    Some(value)
                }
            }
            _ => None,
        }
    }

    pub fn is_scalar(&self) -> bool {
        matches!(self.kind, NodeKind::Scalar { .. })
    }

    /// The value under `key` in a mapping (own entries first, then merged maps).
    pub fn get(&self, key: &str) -> Option<&Rc<Node>> {
        self.get_depth(key, 0)
    }

    fn get_depth(&self, key: &str, depth: usize) -> Option<&Rc<Node>> {
        let NodeKind::Map { entries, merges } = &self.kind else {
            return None;
        };
        if let Some((_, v)) = entries.iter().rev().find(|(k, _)| k.as_str() == Some(key)) {
            return Some(v);
        }
        if depth > 16 {
            return None;
        }
        merges.iter().find_map(|m| m.get_depth(key, depth + 1))
    }

    /// The string under `key`, when it is a non-null scalar.
    pub fn get_str(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(|n| n.as_str())
    }

    /// Own entries of a mapping, in file order.
    pub fn entries(&self) -> &[(Rc<Node>, Rc<Node>)] {
        match &self.kind {
            NodeKind::Map { entries, .. } => entries,
            _ => &[],
        }
    }

    pub fn items(&self) -> &[Rc<Node>] {
        match &self.kind {
            NodeKind::Seq(items) => items,
            _ => &[],
        }
    }
}

/// Char index (as saphyr reports positions) to byte offset.
struct CharIndex {
    /// Byte offset of each char; empty when the text is ASCII.
    bytes: Vec<usize>,
    len: usize,
}

impl CharIndex {
    fn new(text: &str) -> CharIndex {
        let bytes = if text.is_ascii() {
            Vec::new()
        } else {
            text.char_indices().map(|(i, _)| i).collect()
        };
        CharIndex {
            bytes,
            len: text.len(),
        }
    }

    fn byte(&self, m: &Marker) -> usize {
        if self.bytes.is_empty() {
            m.index().min(self.len)
        } else {
            self.bytes.get(m.index()).copied().unwrap_or(self.len)
        }
    }
}

enum Open {
    Seq {
        items: Vec<Rc<Node>>,
        anchor: usize,
        tag: Option<String>,
        start: usize,
    },
    Map {
        entries: Vec<(Rc<Node>, Rc<Node>)>,
        merges: Vec<Rc<Node>>,
        key: Option<Rc<Node>>,
        anchor: usize,
        tag: Option<String>,
        start: usize,
    },
}

/// Parse every document of a YAML file.
pub fn parse(text: &str) -> Result<Vec<Rc<Node>>, Problem> {
    let ix = CharIndex::new(text);
    let mut docs = Vec::new();
    let mut stack: Vec<Open> = Vec::new();
    let mut anchors: HashMap<usize, Rc<Node>> = HashMap::new();
    let mut nodes = 0usize;
    for ev in Parser::new_from_str(text) {
        let (ev, span) = match ev {
            Ok(e) => e,
            Err(e) => {
                return Err(Problem::at(
                    ix.byte(e.marker()),
                    format!("invalid YAML: {}", e.info()),
                ))
            }
        };
        let start = ix.byte(&span.start);
        let end = ix.byte(&span.end);
        nodes += 1;
        if nodes > MAX_NODES {
            return Err(Problem::at(start, "YAML file has too many nodes to read"));
        }
        let done: Rc<Node> = match ev {
            Event::Scalar(value, style, anchor, tag) => {
                let node = Rc::new(Node {
                    kind: NodeKind::Scalar {
                        value: value.into_owned(),
                        style,
                    },
                    start,
                    end,
                    tag: tag.map(|t| format!("{}{}", t.handle, t.suffix)),
                });
                if anchor > 0 {
                    anchors.insert(anchor, node.clone());
                }
                node
            }
            Event::Alias(id) => match anchors.get(&id) {
                Some(n) => n.clone(),
                None => return Err(Problem::at(start, "invalid YAML: unknown alias")),
            },
            ref ev @ (Event::SequenceStart(anchor, ref tag)
            | Event::MappingStart(anchor, ref tag)) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(Problem::at(start, "YAML nested too deeply to read"));
                }
                let tag = tag.as_ref().map(|t| format!("{}{}", t.handle, t.suffix));
                let is_seq = matches!(ev, Event::SequenceStart(..));
                stack.push(if is_seq {
                    Open::Seq {
                        items: Vec::new(),
                        anchor,
                        tag,
                        start,
                    }
                } else {
                    Open::Map {
                        entries: Vec::new(),
                        merges: Vec::new(),
                        key: None,
                        anchor,
                        tag,
                        start,
                    }
                });
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(open) = stack.pop() else {
                    return Err(Problem::at(start, "invalid YAML: unbalanced collection"));
                };
                let (kind, anchor, tag, s) = match open {
                    Open::Seq {
                        items,
                        anchor,
                        tag,
                        start,
                    } => (NodeKind::Seq(items), anchor, tag, start),
                    Open::Map {
                        entries,
                        merges,
                        anchor,
                        tag,
                        start,
                        ..
                    } => (NodeKind::Map { entries, merges }, anchor, tag, start),
                };
                let node = Rc::new(Node {
                    kind,
                    start: s,
                    end: end.max(s),
                    tag,
                });
                if anchor > 0 {
                    anchors.insert(anchor, node.clone());
                }
                node
            }
            Event::DocumentStart(_)
            | Event::DocumentEnd
            | Event::StreamStart
            | Event::StreamEnd
            | Event::Nothing => continue,
        };
        match stack.last_mut() {
            None => docs.push(done),
            Some(Open::Seq { items, .. }) => items.push(done),
            Some(Open::Map {
                entries,
                merges,
                key,
                ..
            }) => match key.take() {
                None => *key = Some(done),
                Some(k) => {
                    let is_merge = matches!(&k.kind,
                        NodeKind::Scalar { value, style: ScalarStyle::Plain } if value == "<<");
                    if is_merge {
                        match &done.kind {
                            NodeKind::Seq(ms) => merges.extend(ms.iter().cloned()),
                            _ => merges.push(done),
                        }
                    } else {
                        entries.push((k, done));
                    }
                }
            },
        }
    }
    Ok(docs)
}

/// The value of a scalar with the file offset of each of its bytes. The value was
/// decoded from the file (indentation removed, lines folded, quotes and escapes
/// resolved); its characters are lined up with the source text in order, so every
/// character written as itself maps to its exact place, and a decoded escape maps to
/// where its escape sequence is.
pub fn scalar_text(file: &str, node: &Node) -> Option<Mapped> {
    let NodeKind::Scalar { value, style } = &node.kind else {
        return None;
    };
    let mut j = node.start.min(file.len());
    if matches!(style, ScalarStyle::Literal | ScalarStyle::Folded)
        && matches!(file.as_bytes().get(j), Some(b'|' | b'>'))
    {
        j = file[j..].find('\n').map_or(file.len(), |n| j + n + 1);
    }
    let end = file.len();
    let mut m = Mapped::new();
    for c in value.chars() {
        if c.is_whitespace() {
            m.push_char_synth(j.min(end.saturating_sub(1)), c);
            if let Some(fc) = char_at(file, j) {
                if fc.is_whitespace() {
                    j += fc.len_utf8();
                }
            }
            continue;
        }
        let mut k = j;
        let mut skipped = 0;
        let mut found = None;
        while let Some(fc) = char_at(file, k) {
            if fc == c {
                found = Some(k);
                break;
            }
            if !fc.is_whitespace() {
                skipped += 1;
                // An escape (`\x41`, `\U0001F600`, `''`) is at most this long.
                if skipped > 10 {
                    break;
                }
            }
            k += fc.len_utf8();
        }
        match found {
            Some(k) => {
                m.push_char_src(k, c);
                j = k + c.len_utf8();
            }
            None => m.push_char_synth(j.min(end.saturating_sub(1)), c),
        }
    }
    Some(m)
}

fn char_at(s: &str, i: usize) -> Option<char> {
    s.get(i..)?.chars().next()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(m: &Mapped, needle: &str) -> usize {
        m.origin(m.text.find(needle).unwrap())
    }

    #[test]
    fn block_and_flow_scalars_map_to_their_source() {
        let file = "a: &x\n  run: |  # l\n    echo 1\n      rm -rf é/\n  b: >-\n    folded\n    text\n  c: \"dq \\x41 \\\"q\\\" \\\n     cont\"\n  d: 'it''s'\nk: *x\n";
        let docs = parse(file).unwrap();
        let root = &docs[0];
        let a = root.get("a").unwrap();
        let run = a.get("run").unwrap();
        let m = scalar_text(file, run).unwrap();
        assert_eq!(m.text, "echo 1\n  rm -rf é/\n");
        assert_eq!(at(&m, "rm"), file.find("rm").unwrap());
        assert_eq!(at(&m, "é/"), file.find("é/").unwrap());
        let b = scalar_text(file, a.get("b").unwrap()).unwrap();
        assert_eq!(b.text, "folded text");
        assert_eq!(at(&b, "text"), file.find("text").unwrap());
        let c = scalar_text(file, a.get("c").unwrap()).unwrap();
        assert_eq!(c.text, "dq A \"q\" cont");
        assert_eq!(at(&c, "cont"), file.find("cont").unwrap());
        let q = c.text.find("\"q").unwrap() + 1;
        assert_eq!(c.origin(q), file.find("\\\"q").unwrap() + 2);
        let d = scalar_text(file, a.get("d").unwrap()).unwrap();
        assert_eq!(d.text, "it's");
        assert_eq!(at(&d, "s"), file.find("s'\n").unwrap());
        // The alias is the same node, with the anchor's positions.
        assert!(Rc::ptr_eq(root.get("k").unwrap(), a));
    }

    #[test]
    fn merge_keys_and_errors() {
        let file = "base: &b\n  x: 1\njob:\n  <<: *b\n  y: 2\n";
        let docs = parse(file).unwrap();
        let job = docs[0].get("job").unwrap();
        assert_eq!(job.get_str("x"), Some("1"));
        assert_eq!(job.get_str("y"), Some("2"));
        let err = parse("a: [1, 2\nb: c\n").unwrap_err();
        assert!(err.message.starts_with("invalid YAML"), "{}", err.message);
        let deep = "[".repeat(1000);
        assert!(parse(&deep).is_err());
    }
}
