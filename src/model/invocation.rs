use crate::syntax::word::Word;
use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// One program that would run, after runners (sudo, env, xargs, …) are unwrapped.
/// This is what rules match against.
#[derive(Debug, Clone)]
pub struct Invocation {
    /// The program's name: the basename of the command word (`/bin/rm` is `rm`).
    pub program: String,
    /// The arguments after the program name.
    pub args: Vec<Word>,
    /// The whole command in the original line (for nested code: the word holding it).
    pub span: Range<usize>,
    /// The working directory the command would run in, if known.
    pub cwd: Option<PathBuf>,
    pub stdin: Stdin,
    pub redirects: Vec<Redirect>,
    /// `NAME=value` assignments in front of the command.
    pub env: Vec<(String, Word)>,
    /// Runs on another machine or in a container (ssh, docker exec, kubectl exec):
    /// local files say nothing about it.
    pub remote: bool,
    /// More arguments arrive at run time (xargs, parallel, find -exec … +).
    pub fed_args: bool,
    /// Files written with known content earlier on the line, by path.
    pub written: Rc<HashMap<PathBuf, String>>,
}

impl Invocation {
    pub fn new(program: String, args: Vec<Word>, span: Range<usize>) -> Invocation {
        Invocation {
            program,
            args,
            span,
            cwd: None,
            stdin: Stdin::Inherit,
            redirects: Vec::new(),
            env: Vec::new(),
            remote: false,
            fed_args: false,
            written: Rc::default(),
        }
    }

    /// The text of a local file the command reads: one written earlier on the same
    /// line (`echo 'DROP …' > q.sql && psql -f q.sql`), else the file on disk, up to
    /// `max` bytes.
    pub fn file_text(&self, p: &Path, max: u64) -> FileText {
        file_text(&self.written, p, max)
    }
}

/// A local file's text: as `written` earlier on the line, else as on disk, up to `max`
/// bytes.
pub fn file_text(written: &HashMap<PathBuf, String>, p: &Path, max: u64) -> FileText {
    if let Some(text) = written.get(p) {
        return FileText::Text(text.clone());
    }
    match std::fs::metadata(p) {
        Ok(m) if m.is_file() && m.len() > max => FileText::TooLarge(m.len()),
        Ok(m) if m.is_file() => match std::fs::read(p) {
            Ok(b) => FileText::Text(String::from_utf8_lossy(&b).into_owned()),
            Err(_) => FileText::Missing,
        },
        _ => FileText::Missing,
    }
}

/// A local file as a command would read it.
pub enum FileText {
    Text(String),
    /// Larger than the reader checks (its size in bytes): it cannot be judged.
    TooLarge(u64),
    /// Not there, not a regular file, or unreadable here.
    Missing,
}

/// What a command reads on standard input.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Stdin {
    /// Whatever the whole line reads: the terminal, /dev/null, the agent's pipe.
    #[default]
    Inherit,
    /// Known text: a heredoc, a here-string, or `echo LITERAL |`. `dynamic` is set when
    /// it holds expansions whose values are unknown.
    Text { text: String, dynamic: bool },
    /// Produced at run time by the named program (`base64 -d`, `curl`, …).
    Computed(String),
    /// A file: `< FILE` or `cat FILE |`.
    File(PathBuf),
    /// Paths printed by `find ROOT…` (what `xargs` turns into arguments).
    Paths(Vec<Word>),
}

#[derive(Debug, Clone)]
pub struct Redirect {
    /// The operator as written: `>`, `>>`, `>|`, `&>`, `<`, …
    pub op: String,
    pub fd: Option<u32>,
    pub target: Word,
}

impl Redirect {
    /// Truncates or replaces the target file.
    pub fn overwrites(&self) -> bool {
        matches!(self.op.as_str(), ">" | ">|" | "&>")
    }
}
