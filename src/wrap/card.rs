//! The confirmation card: what will run (made visible, the finding's span highlighted),
//! why it was stopped, the safer way, and the question. Drawn with crossterm on the
//! outer terminal; answered with keys the child never sees.

use super::keys::{Key, KeyParser};
use crate::engine::{Decision, Finding};
use crate::render::visible;
use crossterm::cursor::MoveTo;
use crossterm::style::{Attribute, Color, Print, ResetColor, SetAttribute, SetForegroundColor};
use crossterm::terminal::{Clear, ClearType};
use crossterm::QueueableCommand;
use std::time::{Duration, Instant};

/// Keys pressed this soon after the card appears were meant for the shell (typing
/// ahead), not for the card: they are dropped, and the question is shown after it.
pub const SETTLE: Duration = Duration::from_millis(300);

/// Who asks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// The session's own shell (its hook, for a typed line).
    Shell { name: String, pid: u32 },
    /// An agent shell inside the session asking for an approval.
    Agent { pid: u32 },
}

#[derive(Debug, Clone)]
pub struct CardView {
    pub origin: Origin,
    pub command: String,
    pub cwd: String,
    pub decision: Decision,
    /// Spans index into `command`.
    pub findings: Vec<Finding>,
}

impl CardView {
    /// What a human must type to let a deny-level command run: the id of the rule that
    /// denies it, the same phrase `interlock approve` asks for
    /// ([`crate::render::deny_phrase`]). `None` when one key is enough.
    pub fn phrase(&self) -> Option<String> {
        if self.decision < Decision::Deny {
            return None;
        }
        crate::render::deny_phrase(self.findings.iter().map(|f| (f.rule.as_str(), f.decision)))
            .map(str::to_string)
    }
}

pub struct Card {
    pub view: CardView,
    phrase: Option<String>,
    typed: String,
    scroll: usize,
    error: Option<String>,
    keys: KeyParser,
    /// The command's lines, each a list of (visible text, highlighted) runs.
    lines: Vec<Vec<(String, bool)>>,
    /// When keys start to count.
    pub armed_at: Instant,
}

impl Card {
    pub fn new(view: CardView) -> Card {
        let phrase = view.phrase();
        let lines = visible_lines(&view.command, &view.findings);
        let first_hit = view
            .findings
            .iter()
            .map(|f| {
                view.command[..f.start.min(view.command.len())]
                    .matches('\n')
                    .count()
            })
            .min()
            .unwrap_or(0);
        Card {
            view,
            phrase,
            typed: String::new(),
            scroll: first_hit.saturating_sub(2),
            error: None,
            keys: KeyParser::default(),
            lines,
            armed_at: Instant::now() + SETTLE,
        }
    }

    pub fn armed(&self) -> bool {
        Instant::now() >= self.armed_at
    }

    /// Feed keys from the outer terminal. `Some(answer)` once the human decided.
    pub fn feed(&mut self, bytes: &[u8]) -> Option<bool> {
        let keys = self.keys.feed(bytes);
        if !self.armed() {
            return None;
        }
        for key in keys {
            match key {
                Key::Esc | Key::Cancel => return Some(false),
                Key::Up => self.scroll = self.scroll.saturating_sub(1),
                Key::Down => self.scroll += 1,
                Key::PageUp => self.scroll = self.scroll.saturating_sub(10),
                Key::PageDown => self.scroll += 10,
                _ if self.phrase.is_none() => match key {
                    Key::Char('y' | 'Y') => return Some(true),
                    Key::Char('n' | 'N') | Key::Enter => return Some(false),
                    _ => {}
                },
                Key::Char(c) => {
                    self.error = None;
                    if self.typed.len() < 4096 {
                        self.typed.push(c);
                    }
                }
                Key::Backspace => {
                    self.typed.pop();
                }
                Key::Clear => self.typed.clear(),
                Key::Enter => {
                    if self.typed.is_empty() {
                        return Some(false);
                    }
                    if Some(self.typed.as_str()) == self.phrase.as_deref() {
                        return Some(true);
                    }
                    self.error = Some("that is not the phrase; try again, or press Esc".into());
                    self.typed.clear();
                }
            }
        }
        None
    }

    /// The whole card for a `cols`×`rows` screen, drawn from the top-left corner.
    pub fn render(&mut self, cols: u16, rows: u16) -> Vec<u8> {
        let width = (cols as usize).max(20);
        let rows = (rows as usize).max(8);
        let deny = self.phrase.is_some();
        let accent = if deny { Color::Red } else { Color::Yellow };

        // Everything below the command, built first so the command gets what is left.
        let mut tail: Vec<Line> = Vec::new();
        tail.push(Line::blank());
        for f in self.view.findings.iter().take(4) {
            let level = if f.decision == Decision::Deny {
                "deny"
            } else {
                "confirm"
            };
            tail.push(Line::styled(
                format!("  ■ {} ({level})", visible(&f.rule, false)),
                Some(accent),
                true,
            ));
            tail.extend(wrap_text(&visible(&f.message(), false), width, "    "));
            if let Some(s) = &f.suggestion {
                tail.extend(wrap_text(
                    &format!("safer: {}", visible(s, false)),
                    width,
                    "    ",
                ));
            }
        }
        if self.view.findings.len() > 4 {
            tail.push(Line::plain(format!(
                "  … and {} more findings",
                self.view.findings.len() - 4
            )));
        }
        // What the human must see to answer: never cut, however small the screen.
        let mut answer: Vec<Line> = vec![Line::blank()];
        match &self.phrase {
            _ if !self.armed() => answer.push(Line::plain(String::new())),
            None => answer.push(Line::styled(
                "  Run it?  y = yes, once    n / Enter / Esc = no".into(),
                None,
                true,
            )),
            Some(p) => {
                answer.extend(wrap_text(
                    "Interlock denies this command. It runs only if you type the rule id below and press Enter: that runs it once, exactly as shown. Esc or Enter alone = no.",
                    width,
                    "  ",
                ));
                answer.push(Line::styled(
                    format!("    {}", visible(p, false)),
                    None,
                    true,
                ));
                answer.push(Line::plain(format!("  > {}", visible(&self.typed, false))));
            }
        }
        if let Some(e) = &self.error {
            answer.push(Line::styled(format!("  {e}"), Some(Color::Red), false));
        }

        let who = match &self.view.origin {
            Origin::Shell { name, pid } => format!("Your {name} shell (pid {pid}) is about to run"),
            Origin::Agent { pid } => format!("An agent shell (pid {pid}) asks to run"),
        };
        let head = vec![
            Line::styled(
                pad(
                    if deny {
                        " INTERLOCK · stopped: this command destroys data"
                    } else {
                        " INTERLOCK · confirm before this runs"
                    },
                    width,
                ),
                Some(accent),
                true,
            )
            .reversed(),
            Line::blank(),
        ];
        let mut head = head;
        head.extend(wrap_text(
            &format!("{who}, in {}:", visible(&self.view.cwd, false)),
            width,
            "  ",
        ));
        head.push(Line::blank());

        let mut body: Vec<Vec<(String, bool)>> = Vec::new();
        for l in &self.lines {
            body.extend(wrap_runs(l, width.saturating_sub(4).max(10)));
        }
        // On a short screen the findings give way (the command keeps up to three rows
        // and the answer lines stay whole): a card whose prompt is cut off cannot be
        // answered.
        let room = rows.saturating_sub(head.len() + answer.len() + body.len().clamp(1, 3));
        if tail.len() > room {
            let hidden = tail.len() + 1 - room.max(1);
            tail.truncate(room.saturating_sub(1));
            tail.push(Line::styled(
                format!("  … {hidden} more lines of findings (a taller window shows them)"),
                Some(Color::DarkGrey),
                false,
            ));
        }
        tail.extend(answer);

        // The command, wrapped, in the space left.
        let body_rows = rows.saturating_sub(head.len() + tail.len()).max(3);
        let fits = body.len() <= body_rows;
        let window = if fits { body.len() } else { body_rows - 1 };
        let max_scroll = body.len().saturating_sub(window);
        self.scroll = self.scroll.min(max_scroll);

        let mut out = Vec::new();
        let _ = out.queue(Clear(ClearType::All));
        let mut row: u16 = 0;
        for l in &head {
            l.draw(&mut out, row);
            row += 1;
        }
        for runs in body.iter().skip(self.scroll).take(window) {
            let _ = out.queue(MoveTo(0, row));
            let _ = out.queue(SetForegroundColor(Color::DarkGrey));
            let _ = out.queue(Print("  │ "));
            let _ = out.queue(ResetColor);
            for (text, hot) in runs {
                if *hot {
                    let _ = out.queue(SetForegroundColor(accent));
                    let _ = out.queue(SetAttribute(Attribute::Reverse));
                    let _ = out.queue(Print(text));
                    let _ = out.queue(SetAttribute(Attribute::Reset));
                } else {
                    let _ = out.queue(Print(text));
                }
            }
            row += 1;
        }
        if !fits {
            let hidden_above = self.scroll;
            let hidden_below = body.len() - self.scroll - window;
            Line::styled(
                format!(
                    "  ({hidden_above} lines above, {hidden_below} below: ↑/↓ PgUp/PgDn to scroll)"
                ),
                Some(Color::DarkGrey),
                false,
            )
            .draw(&mut out, row);
            row += 1;
        }
        let mut cursor = (0u16, row);
        for l in &tail {
            l.draw(&mut out, row);
            if l.text.starts_with("  > ") {
                cursor = (l.text.chars().count().min(width - 1) as u16, row);
            }
            row += 1;
            if row as usize >= rows {
                break;
            }
        }
        let _ = out.queue(MoveTo(cursor.0, cursor.1));
        out
    }
}

struct Line {
    text: String,
    color: Option<Color>,
    bold: bool,
    reverse: bool,
}

impl Line {
    fn blank() -> Line {
        Line::plain(String::new())
    }
    fn plain(text: String) -> Line {
        Line::styled(text, None, false)
    }
    fn styled(text: String, color: Option<Color>, bold: bool) -> Line {
        Line {
            text,
            color,
            bold,
            reverse: false,
        }
    }
    fn reversed(mut self) -> Line {
        self.reverse = true;
        self
    }
    fn draw(&self, out: &mut Vec<u8>, row: u16) {
        let _ = out.queue(MoveTo(0, row));
        if let Some(c) = self.color {
            let _ = out.queue(SetForegroundColor(c));
        }
        if self.bold {
            let _ = out.queue(SetAttribute(Attribute::Bold));
        }
        if self.reverse {
            let _ = out.queue(SetAttribute(Attribute::Reverse));
        }
        let _ = out.queue(Print(&self.text));
        let _ = out.queue(SetAttribute(Attribute::Reset));
        let _ = out.queue(ResetColor);
    }
}

fn pad(s: &str, width: usize) -> String {
    let n = s.chars().count();
    let mut out: String = s.chars().take(width).collect();
    out.extend(std::iter::repeat_n(' ', width.saturating_sub(n)));
    out
}

/// Word-wrap already-visible text with an indent.
fn wrap_text(text: &str, width: usize, indent: &str) -> Vec<Line> {
    let avail = width.saturating_sub(indent.chars().count()).max(10);
    let mut lines = Vec::new();
    let mut cur = String::new();
    for word in text.split(' ') {
        let wl = word.chars().count();
        let cl = cur.chars().count();
        if cl > 0 && cl + 1 + wl > avail {
            lines.push(Line::plain(format!("{indent}{cur}")));
            cur.clear();
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(word);
        while cur.chars().count() > avail {
            let head: String = cur.chars().take(avail).collect();
            let rest: String = cur.chars().skip(avail).collect();
            lines.push(Line::plain(format!("{indent}{head}")));
            cur = rest;
        }
    }
    if !cur.is_empty() || lines.is_empty() {
        lines.push(Line::plain(format!("{indent}{cur}")));
    }
    lines
}

/// The command split into lines of visible runs, marking the bytes inside a finding.
fn visible_lines(command: &str, findings: &[Finding]) -> Vec<Vec<(String, bool)>> {
    let mut lines: Vec<Vec<(String, bool)>> = vec![Vec::new()];
    for (i, c) in command.char_indices() {
        if c == '\n' {
            lines.push(Vec::new());
            continue;
        }
        let hot = findings
            .iter()
            .any(|f| f.start <= i && i < f.end.max(f.start + 1));
        let shown = if c == '\t' {
            "    ".to_string()
        } else {
            let mut b = [0u8; 4];
            visible(c.encode_utf8(&mut b), false)
        };
        let line = lines.last_mut().expect("at least one line");
        match line.last_mut() {
            Some((text, h)) if *h == hot => text.push_str(&shown),
            _ => line.push((shown, hot)),
        }
    }
    lines
}

/// Cut one line of runs into rows of at most `width` columns.
fn wrap_runs(runs: &[(String, bool)], width: usize) -> Vec<Vec<(String, bool)>> {
    let mut rows = vec![Vec::new()];
    let mut used = 0;
    for (text, hot) in runs {
        for c in text.chars() {
            let w = char_width(c);
            if used + w > width {
                rows.push(Vec::new());
                used = 0;
            }
            let row: &mut Vec<(String, bool)> = rows.last_mut().expect("at least one row");
            match row.last_mut() {
                Some((t, h)) if h == hot => t.push(c),
                _ => row.push((c.to_string(), *hot)),
            }
            used += w;
        }
    }
    rows
}

/// Columns a character takes: 2 for the common wide (CJK, emoji) ranges.
fn char_width(c: char) -> usize {
    let u = c as u32;
    if (0x1100..=0x115f).contains(&u)
        || (0x2e80..=0xa4cf).contains(&u)
        || (0xac00..=0xd7a3).contains(&u)
        || (0xf900..=0xfaff).contains(&u)
        || (0xfe30..=0xfe4f).contains(&u)
        || (0xff00..=0xff60).contains(&u)
        || (0xffe0..=0xffe6).contains(&u)
        || (0x1f300..=0x1faff).contains(&u)
        || (0x20000..=0x3fffd).contains(&u)
    {
        2
    } else {
        1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(rule: &str, decision: Decision, start: usize, end: usize) -> Finding {
        Finding {
            rule: rule.into(),
            decision,
            reason: "it deletes things".into(),
            detail: Some("your home directory /home/user".into()),
            start,
            end,
            suggestion: Some("name the directory".into()),
        }
    }

    fn view(cmd: &str, f: Vec<Finding>) -> CardView {
        CardView {
            origin: Origin::Shell {
                name: "bash".into(),
                pid: 7,
            },
            command: cmd.into(),
            cwd: "/p".into(),
            decision: f
                .iter()
                .map(|f| f.decision)
                .max()
                .unwrap_or(Decision::Allow),
            findings: f,
        }
    }

    fn armed(v: CardView) -> Card {
        let mut c = Card::new(v);
        c.armed_at = Instant::now();
        c
    }

    fn text(bytes: &[u8]) -> String {
        String::from_utf8_lossy(bytes).into_owned()
    }

    #[test]
    fn confirm_takes_one_key_and_shows_hostile_text() {
        let mut c = armed(view(
            "rm -rf ~/x\x1b[2K\u{202e}",
            vec![finding("fs.x", Decision::Confirm, 7, 10)],
        ));
        let screen = text(&c.render(80, 24));
        assert!(screen.contains("\\e[2K\\u{202e}"), "{screen}");
        assert!(!screen.contains('\u{202e}'));
        assert!(screen.contains("fs.x (confirm)"));
        assert!(screen.contains("safer: name the directory"));
        assert_eq!(c.feed(b"x"), None);
        assert_eq!(c.feed(b"y"), Some(true));
        let mut c = armed(view("rm x", vec![finding("fs.x", Decision::Confirm, 0, 4)]));
        assert_eq!(c.feed(b"\r"), Some(false));
    }

    #[test]
    fn deny_needs_the_phrase() {
        let mut c = armed(view(
            "rm -rf ~",
            vec![finding("fs.delete-critical", Decision::Deny, 7, 8)],
        ));
        assert_eq!(c.phrase.as_deref(), Some("fs.delete-critical"));
        let screen = text(&c.render(80, 24));
        assert!(screen.contains("    fs.delete-critical"), "{screen}");
        assert!(
            screen.contains("runs it once, exactly as shown"),
            "{screen}"
        );
        assert_eq!(c.feed(b"y"), None);
        assert_eq!(c.feed(b"\r"), None, "a wrong phrase is not an answer");
        assert_eq!(c.feed(b"fs.delete-critical\r"), Some(true));
        let mut c = armed(view(
            "rm -rf /",
            vec![Finding {
                detail: Some("the root directory /".into()),
                ..finding("fs.delete-critical", Decision::Deny, 7, 8)
            }],
        ));
        assert_eq!(c.phrase.as_deref(), Some("fs.delete-critical"));
        assert_eq!(c.feed(b"\x1b"), Some(false));
    }

    #[test]
    fn the_answer_line_survives_a_short_screen() {
        let long = Finding {
            detail: Some("a long reason ".repeat(30)),
            ..finding("fs.x", Decision::Confirm, 0, 4)
        };
        let findings = vec![long.clone(), long.clone(), long];
        for rows in [8u16, 12, 24] {
            let mut c = armed(view("rm -rf ~/x", findings.clone()));
            let screen = text(&c.render(80, rows));
            assert!(screen.contains("Run it?"), "{rows} rows: {screen}");
            assert!(screen.contains("rf ~/x"), "{rows} rows: {screen}");
            assert!(screen.contains("more lines of findings"), "{rows} rows");
        }
        let mut c = armed(view(
            "rm -rf ~",
            vec![Finding {
                detail: Some("a long reason ".repeat(40)),
                ..finding("fs.delete-critical", Decision::Deny, 7, 8)
            }],
        ));
        let screen = text(&c.render(80, 12));
        assert!(screen.contains("  > "), "{screen}");
        assert!(screen.contains("    fs.delete-critical"), "{screen}");
    }

    #[test]
    fn keys_before_the_card_settles_are_dropped() {
        let mut c = Card::new(view("rm x", vec![finding("fs.x", Decision::Confirm, 0, 4)]));
        assert!(!text(&c.render(80, 24)).contains("Run it?"));
        assert_eq!(c.feed(b"y"), None);
        c.armed_at = Instant::now();
        assert!(text(&c.render(80, 24)).contains("Run it?"));
        assert_eq!(c.feed(b"y"), Some(true));
    }

    #[test]
    fn long_commands_scroll_to_the_finding() {
        let mut cmd = String::new();
        for i in 0..100 {
            cmd.push_str(&format!("echo {i}\n"));
        }
        let start = cmd.len();
        cmd.push_str("rm -rf ~/x");
        let mut c = armed(view(
            &cmd,
            vec![finding("fs.x", Decision::Confirm, start, cmd.len())],
        ));
        let screen = text(&c.render(80, 24));
        assert!(screen.contains("rm -rf ~/x"), "{screen}");
        assert!(screen.contains("lines above"));
    }
}
