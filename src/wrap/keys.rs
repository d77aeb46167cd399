//! Decoding the outer keyboard while the card is up. Bytes come straight from the raw
//! terminal; escape sequences (arrows, mouse reports, the kitty keyboard protocol) are
//! recognised so they never count as typed text, and pasted text is dropped.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Char(char),
    Enter,
    Esc,
    Backspace,
    /// Ctrl-C or Ctrl-D: the human wants out.
    Cancel,
    /// Ctrl-U: clear the typed text.
    Clear,
    Up,
    Down,
    PageUp,
    PageDown,
}

#[derive(Default)]
enum State {
    #[default]
    Ground,
    Esc,
    /// Inside `ESC [` … (parameters collected) or `ESC O`.
    Csi(Vec<u8>),
    Ss3,
    /// Inside a bracketed paste: everything up to `ESC [201~` is ignored.
    Paste(Vec<u8>),
    /// Bytes of a multi-byte UTF-8 character.
    Utf8(Vec<u8>),
    /// The raw bytes of an old-style (X10) mouse report.
    Skip(u8),
}

#[derive(Default)]
pub struct KeyParser {
    state: State,
}

const PASTE_END: &[u8] = b"\x1b[201~";

impl KeyParser {
    /// Decode one chunk read from the terminal. A lone ESC at the end of a chunk is the
    /// Escape key (terminals send whole sequences in one write).
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<Key> {
        let mut keys = Vec::new();
        for &b in bytes {
            self.byte(b, &mut keys);
        }
        if matches!(self.state, State::Esc) {
            self.state = State::Ground;
            keys.push(Key::Esc);
        }
        keys
    }

    fn byte(&mut self, b: u8, keys: &mut Vec<Key>) {
        match std::mem::take(&mut self.state) {
            State::Ground => self.ground(b, keys),
            State::Esc => match b {
                b'[' => self.state = State::Csi(Vec::new()),
                b'O' => self.state = State::Ss3,
                0x1b => {
                    keys.push(Key::Esc);
                    self.state = State::Esc;
                }
                // Alt+key: not an answer.
                _ => {}
            },
            State::Ss3 => match b {
                b'A' => keys.push(Key::Up),
                b'B' => keys.push(Key::Down),
                b'M' => keys.push(Key::Enter),
                _ => {}
            },
            State::Csi(mut params) => {
                if params.is_empty() && b == b'M' {
                    self.state = State::Skip(3);
                } else if (0x40..=0x7e).contains(&b) {
                    if let Some(k) = csi_key(&params, b) {
                        if k == CsiKey::PasteStart {
                            self.state = State::Paste(Vec::new());
                        } else if let CsiKey::Key(k) = k {
                            keys.push(k);
                        }
                    }
                } else if params.len() < 64 {
                    params.push(b);
                    self.state = State::Csi(params);
                } else {
                    // Overlong: drop it.
                }
            }
            State::Skip(n) => {
                if n > 1 {
                    self.state = State::Skip(n - 1);
                }
            }
            State::Paste(mut tail) => {
                tail.push(b);
                if tail.len() > PASTE_END.len() {
                    tail.remove(0);
                }
                if tail != PASTE_END {
                    self.state = State::Paste(tail);
                }
            }
            State::Utf8(mut pending) => {
                if b & 0xc0 == 0x80 {
                    pending.push(b);
                    let need = utf8_len(pending[0]);
                    if pending.len() == need {
                        if let Ok(s) = std::str::from_utf8(&pending) {
                            keys.extend(s.chars().map(Key::Char));
                        }
                    } else {
                        self.state = State::Utf8(pending);
                    }
                } else {
                    self.ground(b, keys);
                }
            }
        }
    }

    fn ground(&mut self, b: u8, keys: &mut Vec<Key>) {
        match b {
            0x1b => self.state = State::Esc,
            b'\r' | b'\n' => keys.push(Key::Enter),
            0x7f | 0x08 => keys.push(Key::Backspace),
            0x03 | 0x04 => keys.push(Key::Cancel),
            0x15 => keys.push(Key::Clear),
            0x20..=0x7e => keys.push(Key::Char(b as char)),
            0xc2..=0xf4 => self.state = State::Utf8(vec![b]),
            _ => {}
        }
    }
}

#[derive(PartialEq)]
enum CsiKey {
    Key(Key),
    PasteStart,
}

fn csi_key(params: &[u8], fin: u8) -> Option<CsiKey> {
    let p = std::str::from_utf8(params).ok()?;
    let key = match (p, fin) {
        ("200", b'~') => return Some(CsiKey::PasteStart),
        (_, b'A') => Key::Up,
        (_, b'B') => Key::Down,
        ("5", b'~') => Key::PageUp,
        ("6", b'~') => Key::PageDown,
        // The kitty keyboard protocol: `CSI code ; modifiers u`.
        (_, b'u') => {
            let mut it = p.split(';');
            let code: u32 = it.next()?.split(':').next()?.parse().ok()?;
            let mods: u32 = it
                .next()
                .and_then(|m| m.split(':').next()?.parse().ok())
                .unwrap_or(1);
            let ctrl = mods > 1 && (mods - 1) & 4 != 0;
            match code {
                13 => Key::Enter,
                27 => Key::Esc,
                127 | 8 => Key::Backspace,
                99 | 100 if ctrl => Key::Cancel,
                117 if ctrl => Key::Clear,
                _ if mods <= 2 => Key::Char(char::from_u32(code).filter(|c| !c.is_control())?),
                _ => return None,
            }
        }
        _ => return None,
    };
    Some(CsiKey::Key(key))
}

fn utf8_len(first: u8) -> usize {
    match first {
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        _ => 4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(chunks: &[&[u8]]) -> Vec<Key> {
        let mut p = KeyParser::default();
        chunks.iter().flat_map(|c| p.feed(c)).collect()
    }

    #[test]
    fn plain_keys_and_sequences() {
        assert_eq!(keys(&[b"y"]), vec![Key::Char('y')]);
        assert_eq!(keys(&[b"\x1b"]), vec![Key::Esc]);
        assert_eq!(keys(&[b"\x1b[A\x1bOB"]), vec![Key::Up, Key::Down]);
        assert_eq!(
            keys(&[b"a\x7f\r"]),
            vec![Key::Char('a'), Key::Backspace, Key::Enter]
        );
        assert_eq!(keys(&[b"\x03"]), vec![Key::Cancel]);
        assert_eq!(keys(&["é".as_bytes()]), vec![Key::Char('é')]);
        assert_eq!(keys(&[b"\xc3", b"\xa9"]), vec![Key::Char('é')]);
    }

    #[test]
    fn pasted_text_and_mouse_reports_are_not_answers() {
        assert_eq!(keys(&[b"\x1b[200~y\r\x1b[201~n"]), vec![Key::Char('n')]);
        assert_eq!(keys(&[b"\x1b[200~yes", b"\ry\x1b[20", b"1~"]), vec![]);
        assert_eq!(keys(&[b"\x1b[<0;12;5M"]), vec![]);
        assert_eq!(keys(&[b"\x1b[M y!n"]), vec![Key::Char('n')]);
    }

    #[test]
    fn kitty_keyboard_protocol() {
        assert_eq!(keys(&[b"\x1b[13u"]), vec![Key::Enter]);
        assert_eq!(keys(&[b"\x1b[27u"]), vec![Key::Esc]);
        assert_eq!(keys(&[b"\x1b[121u"]), vec![Key::Char('y')]);
        assert_eq!(keys(&[b"\x1b[99;5u"]), vec![Key::Cancel]);
    }
}
