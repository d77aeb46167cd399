//! The terminal modes the child has switched on, read from its output as it passes
//! through: the card must not steal the alternate screen from a full-screen program,
//! and must leave bracketed paste as the child wants it.

/// Private modes that matter (DECSET/DECRST `ESC [ ? N h|l`).
#[derive(Default)]
pub struct Modes {
    pub alt_screen: bool,
    pub bracketed_paste: bool,
    /// The start of a sequence cut by the end of the previous chunk.
    partial: Vec<u8>,
}

/// Longest `ESC [ ? … h` we look at; longer ones are not mode switches we track.
const MAX_SEQ: usize = 32;

impl Modes {
    pub fn feed(&mut self, data: &[u8]) {
        if !self.partial.is_empty() {
            let take = data.len().min(MAX_SEQ);
            let mut joined = std::mem::take(&mut self.partial);
            joined.extend_from_slice(&data[..take]);
            // Only the sequence that started in the previous chunk is looked at here.
            self.scan_one(&joined, 0, true);
        }
        let mut at = 0;
        while let Some(off) = memchr::memchr(0x1b, &data[at..]) {
            let i = at + off;
            at = i + 1 + self.scan_one(data, i, false);
        }
    }

    /// Look at the sequence starting at `data[i]` (an ESC). Returns how many bytes
    /// after the ESC were consumed.
    fn scan_one(&mut self, data: &[u8], i: usize, joined: bool) -> usize {
        let rest = &data[i + 1..];
        if rest.len() < 2 {
            if !joined {
                self.partial = data[i..].to_vec();
            }
            return rest.len();
        }
        if rest[0] != b'[' || rest[1] != b'?' {
            return 0;
        }
        let body = &rest[2..];
        let Some(end) = body
            .iter()
            .take(MAX_SEQ)
            .position(|b| !(b.is_ascii_digit() || *b == b';'))
        else {
            if !joined && body.len() < MAX_SEQ {
                self.partial = data[i..].to_vec();
            }
            return rest.len().min(MAX_SEQ);
        };
        let on = match body[end] {
            b'h' => true,
            b'l' => false,
            _ => return 2 + end,
        };
        for p in body[..end].split(|b| *b == b';') {
            match p {
                b"1049" | b"1047" | b"47" => self.alt_screen = on,
                b"2004" => self.bracketed_paste = on,
                _ => {}
            }
        }
        2 + end + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tracks_modes_across_chunks() {
        let mut m = Modes::default();
        m.feed(b"hello \x1b[?1049h vim \x1b[?2004h");
        assert!(m.alt_screen && m.bracketed_paste);
        m.feed(b"\x1b[?10");
        m.feed(b"49l");
        assert!(!m.alt_screen);
        m.feed(b"x\x1b");
        m.feed(b"[?2004l");
        assert!(!m.bracketed_paste);
        m.feed(b"\x1b[?1;1049h\x1b[31m");
        assert!(m.alt_screen);
        m.feed(b"\x1b[?25l\x1b[?1049");
        m.feed(b"l");
        assert!(!m.alt_screen);
    }
}
