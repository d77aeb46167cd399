//! Words after bash's expansions, as far as they can be known without running anything.

use std::ops::Range;

/// One piece of a word: text known exactly, or a value only known at run time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    Lit(String),
    /// An expansion whose value is unknown. `maybe_empty` is false for forms such as
    /// `${x:?}` that cannot expand to nothing.
    Unknown {
        name: String,
        maybe_empty: bool,
    },
}

/// A shell word after quote removal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub parts: Vec<Part>,
    /// Holds an unquoted glob character (`*`, `?`, `[`).
    pub glob: bool,
    /// Byte range in the original command line that this word came from.
    pub span: Range<usize>,
}

impl Word {
    pub fn literal(text: impl Into<String>, span: Range<usize>) -> Word {
        Word {
            parts: vec![Part::Lit(text.into())],
            glob: false,
            span,
        }
    }

    pub fn unknown(name: &str, maybe_empty: bool, span: Range<usize>) -> Word {
        Word {
            parts: vec![Part::Unknown {
                name: name.to_string(),
                maybe_empty,
            }],
            glob: false,
            span,
        }
    }

    /// True when every part is known text.
    pub fn is_literal(&self) -> bool {
        self.parts.iter().all(|p| matches!(p, Part::Lit(_)))
    }

    pub fn is_dynamic(&self) -> bool {
        !self.is_literal()
    }

    /// The known text, or `None` if any part is unknown.
    pub fn lit(&self) -> Option<String> {
        let mut s = String::new();
        for p in &self.parts {
            match p {
                Part::Lit(t) => s.push_str(t),
                Part::Unknown { .. } => return None,
            }
        }
        Some(s)
    }

    /// The text with unknown parts shown as `${name}`: for display and for matching
    /// flags, which never depend on the unknown parts.
    pub fn text(&self) -> String {
        let mut s = String::new();
        for p in &self.parts {
            match p {
                Part::Lit(t) => s.push_str(t),
                Part::Unknown { name, .. } => {
                    s.push_str("${");
                    s.push_str(name);
                    s.push('}');
                }
            }
        }
        s
    }

    /// Starts with an expansion that may be empty (`"$dir/"*` with `dir` unset is `/*`).
    pub fn starts_with_maybe_empty(&self) -> bool {
        for p in &self.parts {
            match p {
                Part::Lit(t) if t.is_empty() => continue,
                Part::Lit(_) => return false,
                Part::Unknown { maybe_empty, .. } => return *maybe_empty,
            }
        }
        false
    }

    /// The literal prefix before the first unknown part.
    pub fn literal_prefix(&self) -> String {
        let mut s = String::new();
        for p in &self.parts {
            match p {
                Part::Lit(t) => s.push_str(t),
                Part::Unknown { .. } => break,
            }
        }
        s
    }

    pub fn push_lit(&mut self, text: &str) {
        if let Some(Part::Lit(last)) = self.parts.last_mut() {
            last.push_str(text);
        } else {
            self.parts.push(Part::Lit(text.to_string()));
        }
    }
}

/// Decode the body of `$'…'` (without the `$'` and `'`).
pub fn decode_ansi_c(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(e) = chars.next() else {
            out.push('\\');
            break;
        };
        match e {
            'a' => out.push('\x07'),
            'b' => out.push('\x08'),
            'e' | 'E' => out.push('\x1b'),
            'f' => out.push('\x0c'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            'v' => out.push('\x0b'),
            '\\' | '\'' | '"' | '?' => out.push(e),
            'c' => {
                if let Some(x) = chars.next() {
                    out.push(char::from((x as u32 as u8) & 0x1f));
                }
            }
            '0'..='7' => {
                let mut v = e.to_digit(8).unwrap_or(0);
                for _ in 0..2 {
                    match chars.peek().and_then(|c| c.to_digit(8)) {
                        Some(d) => {
                            v = v * 8 + d;
                            chars.next();
                        }
                        None => break,
                    }
                }
                push_code(&mut out, v & 0xff);
            }
            'x' | 'u' | 'U' => {
                let max = match e {
                    'x' => 2,
                    'u' => 4,
                    _ => 8,
                };
                let mut v = 0u32;
                let mut n = 0;
                while n < max {
                    match chars.peek().and_then(|c| c.to_digit(16)) {
                        Some(d) => {
                            v = v.wrapping_mul(16).wrapping_add(d);
                            chars.next();
                            n += 1;
                        }
                        None => break,
                    }
                }
                if n == 0 {
                    out.push('\\');
                    out.push(e);
                } else {
                    push_code(&mut out, v);
                }
            }
            other => {
                out.push('\\');
                out.push(other);
            }
        }
    }
    out
}

fn push_code(out: &mut String, v: u32) {
    // Bytes above 0x7f from \x escapes are not valid UTF-8 on their own; keep them
    // visible as the replacement character rather than dropping them.
    out.push(char::from_u32(v).unwrap_or(char::REPLACEMENT_CHARACTER));
}

/// Quote removal for an unquoted word: `\x` is `x`, `\<newline>` is nothing.
/// Returns the text and whether an unescaped glob character occurs.
pub fn unescape_unquoted(raw: &str) -> (String, bool) {
    let mut out = String::with_capacity(raw.len());
    let mut glob = false;
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('\n') | None => {}
                Some(n) => out.push(n),
            },
            '*' | '?' => {
                glob = true;
                out.push(c);
            }
            // `[` is a pattern only with a closing `]` (`[` and `[[` are commands).
            '[' => {
                glob |= chars.as_str().contains(']');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    (out, glob)
}

/// Quote removal inside double quotes: a backslash only escapes `$ \` " \\` and newline.
pub fn unescape_double(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.peek() {
                Some('$') | Some('`') | Some('"') | Some('\\') => {
                    if let Some(n) = chars.next() {
                        out.push(n);
                    }
                }
                Some('\n') => {
                    chars.next();
                }
                _ => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Brace expansion of an unquoted literal word (`{rm,-rf,/}` is three words).
/// Returns `None` when the word has no expandable brace. Output is capped.
pub fn brace_expand(raw: &str) -> Option<Vec<String>> {
    const CAP: usize = 256;
    if !raw.contains('{') || raw.contains('\\') {
        return None;
    }
    let out = expand_one(raw, 0)?;
    if out.len() <= 1 {
        return None;
    }
    Some(out.into_iter().take(CAP).collect())
}

fn expand_one(s: &str, depth: usize) -> Option<Vec<String>> {
    if depth > 8 {
        return None;
    }
    let bytes = s.as_bytes();
    // Find the first `{` with a matching `}` that holds a top-level comma or `..`.
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'{' {
            let mut level = 0;
            let mut commas = Vec::new();
            let mut close = None;
            for (j, &b) in bytes.iter().enumerate().skip(i) {
                match b {
                    b'{' => level += 1,
                    b'}' => {
                        level -= 1;
                        if level == 0 {
                            close = Some(j);
                            break;
                        }
                    }
                    b',' if level == 1 => commas.push(j),
                    _ => {}
                }
            }
            let close = close?;
            let pre = &s[..i];
            let post = &s[close + 1..];
            let inner = &s[i + 1..close];
            let alts: Vec<String> = if !commas.is_empty() {
                let mut v = Vec::new();
                let mut start = i + 1;
                for &c in &commas {
                    v.push(s[start..c].to_string());
                    start = c + 1;
                }
                v.push(s[start..close].to_string());
                v
            } else if let Some((a, b)) = inner.split_once("..") {
                match (a.parse::<i64>(), b.parse::<i64>()) {
                    (Ok(x), Ok(y)) if (x - y).abs() < 256 => {
                        if x <= y {
                            (x..=y).map(|n| n.to_string()).collect()
                        } else {
                            (y..=x).rev().map(|n| n.to_string()).collect()
                        }
                    }
                    _ => {
                        i = close + 1;
                        continue;
                    }
                }
            } else {
                i = close + 1;
                continue;
            };
            let tails = expand_one(post, depth + 1).unwrap_or_else(|| vec![post.to_string()]);
            let mut out = Vec::new();
            for a in alts {
                let heads = expand_one(&a, depth + 1).unwrap_or_else(|| vec![a.clone()]);
                for h in heads {
                    for t in &tails {
                        out.push(format!("{pre}{h}{t}"));
                        if out.len() > 256 {
                            return Some(out);
                        }
                    }
                }
            }
            return Some(out);
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ansi_c() {
        assert_eq!(decode_ansi_c(r"\x67it"), "git");
        assert_eq!(decode_ansi_c(r"\162m"), "rm");
        assert_eq!(decode_ansi_c(r"a\nb\'"), "a\nb'");
        assert_eq!(decode_ansi_c(r"\u0072m"), "rm");
    }

    #[test]
    fn braces() {
        assert_eq!(
            brace_expand("{rm,-rf,/}"),
            Some(vec!["rm".into(), "-rf".into(), "/".into()])
        );
        assert_eq!(
            brace_expand("a{b,c}d"),
            Some(vec!["abd".into(), "acd".into()])
        );
        assert_eq!(brace_expand("{x}"), None);
        assert_eq!(brace_expand("${x}"), None);
        assert_eq!(brace_expand("f{1..3}").map(|v| v.len()), Some(3));
    }

    #[test]
    fn unescape() {
        assert_eq!(unescape_unquoted(r"g\it"), ("git".to_string(), false));
        assert_eq!(unescape_unquoted(r"*.o"), ("*.o".to_string(), true));
        assert_eq!(unescape_unquoted(r"\*"), ("*".to_string(), false));
        assert_eq!(unescape_double(r#"a\"b\$c\d"#), r#"a"b$c\d"#);
    }
}
