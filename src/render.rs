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
}
