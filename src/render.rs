//! Terminal text is hostile: anything shown to a person (the command, reasons, logs)
//! goes through [`visible`], which makes control characters, escape sequences, bidi
//! overrides and zero-width characters visible, so what is shown is what will run.

/// Render text so that every character that could hide or reorder what a person sees
/// is shown as a visible escape (`\x1b`, `\u{202e}`, …). Newlines and tabs stay when
/// `keep_layout` is set (multi-line commands), otherwise they are escaped too.
pub fn visible(text: &str, keep_layout: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' if keep_layout => out.push('\n'),
            '\t' if keep_layout => out.push('\t'),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\x1b' => out.push_str("\\e"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c if is_invisible(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// C1 controls, bidi controls, zero-width and other invisible formatting characters.
fn is_invisible(c: char) -> bool {
    let u = c as u32;
    (0x80..=0x9f).contains(&u)
        || (0x200b..=0x200f).contains(&u)
        || (0x202a..=0x202e).contains(&u)
        || (0x2060..=0x2069).contains(&u)
        || u == 0xfeff
        || u == 0x00ad
        || u == 0x061c
        || u == 0x180e
        || (0xfff9..=0xfffb).contains(&u)
        || (0xe0000..=0xe007f).contains(&u)
}

/// Byte offsets of `span` mapped to char columns of the visible rendering of `text`
/// (for underlining a finding under the rendered command).
pub fn visible_columns(text: &str, start: usize, end: usize) -> (usize, usize) {
    let before = text.get(..start.min(text.len())).unwrap_or("");
    let inside = text
        .get(start.min(text.len())..end.min(text.len()))
        .unwrap_or("");
    let a = visible(before, false).chars().count();
    let b = visible(inside, false).chars().count();
    (a, a + b.max(1))
}

pub use crate::syntax::line_column;

/// Whether to colour text written to a stream: only on a terminal, and not when
/// `NO_COLOR` is set (to anything but the empty string) or `TERM` is `dumb`.
pub fn use_colour(is_terminal: bool) -> bool {
    is_terminal
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        && std::env::var_os("TERM").is_none_or(|t| t != "dumb")
}

/// SGR sequences for the decisions and the span, or nothing when colour is off.
#[derive(Debug, Clone, Copy)]
pub struct Paint(pub bool);

impl Paint {
    fn wrap(self, code: &str, text: &str) -> String {
        if self.0 {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
    /// A decision word: deny bold red, confirm bold yellow, allow green.
    pub fn decision(self, d: crate::model::Decision, text: &str) -> String {
        use crate::model::Decision;
        match d {
            Decision::Deny => self.wrap("1;31", text),
            Decision::Confirm => self.wrap("1;33", text),
            Decision::Allow => self.wrap("32", text),
        }
    }
    /// A finding's span inside the command: underlined, in the decision's colour.
    pub fn span(self, d: crate::model::Decision, text: &str) -> String {
        use crate::model::Decision;
        match d {
            Decision::Deny => self.wrap("4;31", text),
            Decision::Confirm => self.wrap("4;33", text),
            Decision::Allow => self.wrap("4", text),
        }
    }
    pub fn dim(self, text: &str) -> String {
        self.wrap("2", text)
    }
}

/// What a person types to let a denied command run anyway, the same on the wrap card
/// and in `interlock approve`: the id of the first rule that denies it (`None` when
/// nothing denies it; then one `y`/`yes` is enough).
pub fn deny_phrase<'a>(
    rules: impl IntoIterator<Item = (&'a str, crate::model::Decision)>,
) -> Option<&'a str> {
    rules
        .into_iter()
        .find(|(_, d)| *d == crate::model::Decision::Deny)
        .map(|(r, _)| r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_text_is_visible() {
        assert_eq!(visible("rm\x1b[2K -rf", false), "rm\\e[2K -rf");
        assert_eq!(visible("a\u{202e}b", false), "a\\u{202e}b");
        assert_eq!(visible("a\u{200b}b", false), "a\\u{200b}b");
        assert_eq!(visible("a\nb", false), "a\\nb");
        assert_eq!(visible("a\nb", true), "a\nb");
        assert_eq!(visible("\u{7f}", false), "\\x7f");
    }

    #[test]
    fn lines_and_columns() {
        assert_eq!(line_column("rm -rf /", 7), (1, 8));
        assert_eq!(line_column("ls\nrm -rf ~", 10), (2, 8));
        assert_eq!(line_column("é rm", 3), (1, 3));
        assert_eq!(line_column("", 5), (1, 1));
    }
}
