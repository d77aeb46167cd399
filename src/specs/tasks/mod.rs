//! Readers of the project files that name the shell a tool will run: Makefiles,
//! justfiles, package.json and composer.json scripts, Taskfiles, Rakefiles. One reader
//! per format, shared by the walker (which judges the task a command line runs:
//! `make clean`, `npm run build`) and by `interlock audit` (which judges every task a
//! repository holds). Every piece of extracted text keeps the file offset of each of
//! its bytes ([`position::Mapped`]) so the audit can point at a line and column.
//!
//! Nothing here reads the disk: the callers hand in the text (the walker reads files
//! written earlier on the line before the disk, and bounds what it reads).

pub mod composer;
pub mod justfile;
pub mod makefile;
pub mod package_json;
pub mod position;
pub mod python;
pub mod rakefile;
pub mod taskfile;
pub mod yaml;

pub use position::Mapped;

/// Shells whose scripts the bash parser reads (POSIX sh and its relatives).
const SHELLS: &[&str] = &["sh", "bash", "dash", "ash", "ksh", "mksh", "zsh", "busybox"];

/// A problem with one file: it could not be read or parsed (in part or in whole).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Byte offset in the file, when known.
    pub offset: Option<usize>,
    pub message: String,
}

impl Problem {
    pub fn at(offset: usize, message: impl Into<String>) -> Problem {
        Problem {
            offset: Some(offset),
            message: message.into(),
        }
    }

    pub fn whole(message: impl Into<String>) -> Problem {
        Problem {
            offset: None,
            message: message.into(),
        }
    }
}

/// One piece of shell a task runs as a whole (one recipe line, or a whole script),
/// with the names put in place of template expressions and what each stands for.
#[derive(Debug, Clone)]
pub struct Shell {
    pub text: Mapped,
    pub placeholders: Vec<(String, String)>,
}

impl Shell {
    pub fn new(text: Mapped) -> Shell {
        Shell {
            text,
            placeholders: Vec::new(),
        }
    }
}

/// Lines with their start offsets, without the line break (or a trailing `\r`).
pub fn split_lines(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = 0;
    for l in text.split_inclusive('\n') {
        let body = l.strip_suffix('\n').unwrap_or(l);
        out.push((start, body.strip_suffix('\r').unwrap_or(body)));
        start += l.len();
    }
    out
}

/// Whether the first line of a file is a shebang naming a POSIX-like shell:
/// `#!/bin/sh`, `#!/usr/bin/env bash`, `#!/usr/bin/env -S bash -e`.
pub fn is_shell_shebang(head: &[u8]) -> bool {
    shebang_program(head).is_some_and(|p| SHELLS.contains(&p.as_str()))
}

/// The program a shebang line names (`#!/usr/bin/env -S python3 -u` → `python3`).
pub fn shebang_program(head: &[u8]) -> Option<String> {
    let rest = head.strip_prefix(b"#!")?;
    let line = rest.split(|b| *b == b'\n').next().unwrap_or(rest);
    let line = std::str::from_utf8(line).ok()?;
    let mut words = line.split_whitespace();
    let first = words.next()?;
    let mut prog = basename(first);
    if prog == "env" {
        prog = basename(words.find(|w| !w.starts_with('-') && !w.contains('='))?);
    }
    Some(prog.to_string())
}

/// Whether a shell named in a config (`bash`, `/bin/sh -e`, `bash {0}`) is one the
/// bash parser reads.
pub fn is_posix_shell(spec: &str) -> bool {
    let first = spec.split_whitespace().next().unwrap_or("");
    let prog = basename(first);
    SHELLS.contains(&prog) || prog == "interlock"
}

fn basename(p: &str) -> &str {
    p.rsplit('/').next().unwrap_or(p)
}

/// Replace template expressions (`${{ … }}` in workflows, `{{ … }}` in justfiles) with
/// shell variables of the same byte length, so the shell parser sees a value that is
/// only known when it runs and every offset stays where it was. Returns each
/// placeholder with the expression it stands for.
pub fn mask_templates(text: &mut Mapped, open: &str, close: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut search = 0;
    let mut n = 0usize;
    while let Some(rel) = text.text.get(search..).and_then(|t| t.find(open)) {
        let start = search + rel;
        let Some(end_rel) = text.text[start + open.len()..].find(close) else {
            break;
        };
        let end = start + open.len() + end_rel + close.len();
        let original = text.text[start..end].to_string();
        let len = end - start;
        if len < 4 {
            search = end;
            continue;
        }
        n += 1;
        let mut name = format!("_T{n}");
        if name.len() > len - 3 {
            name = "_".repeat(len - 3);
        }
        while name.len() < len - 3 {
            name.push('_');
        }
        let placeholder = format!("${{{name}}}");
        if text.overwrite(start, &placeholder) {
            out.push((placeholder, original));
        }
        search = end;
    }
    out
}

/// Decode the JSON string literal that starts at byte `at` of `text` (a `"`), mapping
/// each decoded byte through `origin` (text offset to file offset). Returns the value
/// and the offset just past the closing quote.
pub fn json_string(
    text: &str,
    at: usize,
    origin: &dyn Fn(usize) -> usize,
) -> Option<(Mapped, usize)> {
    let body = text.get(at..)?.strip_prefix('"')?;
    let mut out = Mapped::new();
    let mut it = body.char_indices().peekable();
    while let Some((i, c)) = it.next() {
        let pos = at + 1 + i;
        match c {
            '"' => return Some((out, pos + 1)),
            '\\' => {
                let (_, e) = it.next()?;
                let decoded = match e {
                    'n' => '\n',
                    't' => '\t',
                    'r' => '\r',
                    'b' => '\u{8}',
                    'f' => '\u{c}',
                    'u' => {
                        let hex: String =
                            (0..4).filter_map(|_| it.next().map(|(_, h)| h)).collect();
                        let mut v = u32::from_str_radix(&hex, 16).ok()?;
                        if (0xd800..0xdc00).contains(&v) {
                            // A surrogate pair: `\uD83D\uDE00`.
                            let tail: String =
                                (0..6).filter_map(|_| it.next().map(|(_, h)| h)).collect();
                            let lo = u32::from_str_radix(tail.strip_prefix("\\u")?, 16).ok()?;
                            v = 0x10000 + ((v - 0xd800) << 10) + (lo.checked_sub(0xdc00)? & 0x3ff);
                        }
                        char::from_u32(v).unwrap_or('\u{fffd}')
                    }
                    other => other,
                };
                out.push_char_synth(origin(pos), decoded);
            }
            c => {
                out.push_char_src(origin(pos), c);
            }
        }
    }
    None
}

/// serde_json reports 1-based lines and columns (bytes); turn them into an offset.
pub fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    (start + column.saturating_sub(1)).min(text.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shebangs() {
        assert!(is_shell_shebang(b"#!/bin/sh\necho"));
        assert!(is_shell_shebang(b"#! /bin/bash -e\n"));
        assert!(is_shell_shebang(b"#!/usr/bin/env bash"));
        assert!(is_shell_shebang(b"#!/usr/bin/env -S bash -eu\n"));
        assert!(!is_shell_shebang(b"#!/usr/bin/env python3\n"));
        assert!(!is_shell_shebang(b"#!/usr/bin/perl\n"));
        assert!(!is_shell_shebang(b"echo hi\n"));
        assert!(!is_shell_shebang(b"#!/usr/bin/fish\n"));
        assert_eq!(
            shebang_program(b"#!/usr/bin/env -S python3 -u\n").as_deref(),
            Some("python3")
        );
    }

    #[test]
    fn shells_in_configs() {
        assert!(is_posix_shell("bash"));
        assert!(is_posix_shell("bash -e {0}"));
        assert!(is_posix_shell("/bin/sh"));
        assert!(is_posix_shell("interlock audit --shell {0}"));
        assert!(!is_posix_shell("pwsh"));
        assert!(!is_posix_shell("python {0}"));
        assert!(!is_posix_shell("cmd"));
    }
}
