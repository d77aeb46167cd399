//! Where extracted text came from: every byte of a command keeps the offset of the
//! file byte it was copied or decoded from, so a finding's span inside the command maps
//! back to an exact line and column of the file.

/// Text built from pieces of a file, with the file offset of each byte.
#[derive(Debug, Clone, Default)]
pub struct Mapped {
    pub text: String,
    /// `origin[i]` is the file offset the command byte `i` came from.
    origin: Vec<u32>,
}

impl Mapped {
    pub fn new() -> Mapped {
        Mapped::default()
    }

    /// A verbatim slice of the file that starts at `start`.
    pub fn verbatim(file: &str, start: usize, end: usize) -> Mapped {
        let mut m = Mapped::new();
        if let Some(s) = file.get(start..end) {
            m.push_src(start, s);
        }
        m
    }

    /// Append text copied verbatim from the file at offset `at`.
    pub fn push_src(&mut self, at: usize, s: &str) {
        self.text.push_str(s);
        self.origin.extend((0..s.len()).map(|i| clamp(at + i)));
    }

    /// Append text that does not appear as such in the file (a decoded escape, a
    /// joined line break, a substituted variable); all of it maps to offset `at`.
    pub fn push_synth(&mut self, at: usize, s: &str) {
        self.text.push_str(s);
        self.origin.extend(std::iter::repeat_n(clamp(at), s.len()));
    }

    pub fn push_char_src(&mut self, at: usize, c: char) {
        let mut b = [0u8; 4];
        self.push_src(at, c.encode_utf8(&mut b));
    }

    pub fn push_char_synth(&mut self, at: usize, c: char) {
        let mut b = [0u8; 4];
        self.push_synth(at, c.encode_utf8(&mut b));
    }

    /// The same text with every origin moved by `by` bytes.
    pub fn shifted(mut self, by: usize) -> Mapped {
        for o in &mut self.origin {
            *o = clamp(*o as usize + by);
        }
        self
    }

    /// Append another mapped text, keeping its origins.
    pub fn append(&mut self, other: &Mapped) {
        self.text.push_str(&other.text);
        self.origin.extend_from_slice(&other.origin);
    }

    /// The bytes `start..end` (char boundaries) as a mapped text of their own.
    pub fn slice(&self, start: usize, end: usize) -> Mapped {
        let end = end.min(self.text.len());
        let start = start.min(end);
        match self.text.get(start..end) {
            Some(t) => Mapped {
                text: t.to_string(),
                origin: self.origin[start..end].to_vec(),
            },
            None => Mapped::new(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    pub fn len(&self) -> usize {
        self.text.len()
    }

    /// The file offset of command byte `i` (the end maps past the last byte's origin).
    pub fn origin(&self, i: usize) -> usize {
        match self.origin.get(i) {
            Some(o) => *o as usize,
            None => self.origin.last().map_or(0, |o| *o as usize + 1),
        }
    }

    /// Replace bytes `start..end` of the text with `with`, which must have the same
    /// length (used to mask template expressions without moving anything).
    pub fn overwrite(&mut self, start: usize, with: &str) -> bool {
        let end = start + with.len();
        if end > self.text.len()
            || !self.text.is_char_boundary(start)
            || !self.text.is_char_boundary(end)
        {
            return false;
        }
        self.text.replace_range(start..end, with);
        true
    }

    /// The file range a command span covers.
    pub fn file_range(&self, file: &str, start: usize, end: usize) -> (usize, usize) {
        let a = self.origin(start.min(self.text.len().saturating_sub(1)));
        let last = end.max(start + 1).min(self.text.len()).saturating_sub(1);
        let b = self.origin(last);
        let b_end = next_char_end(file, b.max(a));
        (a, b_end)
    }
}

fn clamp(at: usize) -> u32 {
    u32::try_from(at).unwrap_or(u32::MAX)
}

/// The end offset of the char that starts at (or contains) `at`.
fn next_char_end(file: &str, at: usize) -> usize {
    if at >= file.len() {
        return file.len();
    }
    let mut s = at;
    while s > 0 && !file.is_char_boundary(s) {
        s -= 1;
    }
    file[s..]
        .chars()
        .next()
        .map_or(at + 1, |c| s + c.len_utf8())
}

/// Line starts of a file, to turn byte offsets into 1-based lines and columns
/// (columns count Unicode scalar values, as SARIF's `unicodeCodePoints`).
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(memchr_newlines(text).map(|i| i + 1));
        LineIndex { starts }
    }

    /// 1-based line and column of byte `off`.
    pub fn locate(&self, text: &str, off: usize) -> (usize, usize) {
        let off = off.min(text.len());
        let line = self.starts.partition_point(|s| *s <= off).max(1);
        let start = self.starts[line - 1];
        let col = text
            .get(start..floor_boundary(text, off))
            .map_or(0, |s| s.chars().count());
        (line, col + 1)
    }

    /// The text of 1-based line `line`, without its line break.
    pub fn line_text<'t>(&self, text: &'t str, line: usize) -> &'t str {
        let Some(start) = self.starts.get(line.wrapping_sub(1)).copied() else {
            return "";
        };
        let end = self.starts.get(line).map_or(text.len(), |e| e - 1);
        text.get(start..end.max(start))
            .unwrap_or("")
            .trim_end_matches('\r')
    }

    /// Byte offset of the start of 1-based `line`.
    pub fn line_start(&self, line: usize) -> Option<usize> {
        self.starts.get(line.checked_sub(1)?).copied()
    }
}

fn memchr_newlines(text: &str) -> impl Iterator<Item = usize> + '_ {
    text.bytes()
        .enumerate()
        .filter(|(_, b)| *b == b'\n')
        .map(|(i, _)| i)
}

fn floor_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_columns() {
        let t = "ab\néx\n\nz";
        let ix = LineIndex::new(t);
        assert_eq!(ix.locate(t, 0), (1, 1));
        assert_eq!(ix.locate(t, 3), (2, 1));
        assert_eq!(ix.locate(t, 5), (2, 2));
        assert_eq!(ix.locate(t, 8), (4, 1));
        assert_eq!(ix.line_text(t, 2), "éx");
        assert_eq!(ix.line_text(t, 3), "");
    }

    #[test]
    fn mapped_origins() {
        let file = "RUN a \\\n  b";
        let mut m = Mapped::new();
        m.push_src(4, "a ");
        m.push_synth(6, " ");
        m.push_src(10, "b");
        assert_eq!(m.text, "a  b");
        assert_eq!(m.origin(3), 10);
        assert_eq!(m.file_range(file, 3, 4), (10, 11));
    }
}
