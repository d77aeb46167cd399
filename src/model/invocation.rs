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
    /// Runs in a container started on this line (`docker run -v …`): its paths are
    /// the container's own, except under these mounts.
    pub container: Option<Rc<Mounts>>,
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
            container: None,
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

/// Marks the output of a redis-cli key listing (`KEYS PATTERN`, `--scan`), followed by
/// the pattern: what `xargs redis-cli DEL` is fed is every key it matches.
pub const REDIS_KEYS: &str = "redis keys matching ";

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

/// The mounts of a container started on the line (`docker run -v HOST:CTR`,
/// `--mount`, `--volumes-from`): what of the host or of named volumes its commands
/// reach. Everything else is the container's own file system, gone with it.
#[derive(Debug, Clone, Default)]
pub struct Mounts {
    pub mounts: Vec<Mount>,
    /// `--volumes-from C`: volumes of other containers, mounted where those say.
    pub volumes_from: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Mount {
    /// Where it appears inside the container (absolute).
    pub target: PathBuf,
    pub source: MountSource,
}

#[derive(Debug, Clone)]
pub enum MountSource {
    /// A host directory or file (`-v /srv:/srv`, `--mount type=bind,…`).
    Host(PathBuf),
    /// A named volume (`-v pgdata:/var/lib/postgresql/data`).
    Volume(String),
    /// A source only known when the command runs (`-v "$DIR":/d`).
    Unknown(String),
}

/// Where a path inside the container lands.
#[derive(Debug, Clone)]
pub enum Mapped<'m> {
    /// On the host, at this path.
    Host(PathBuf),
    /// In a named volume: its name, and whether the path is its mount point.
    Volume(&'m str, bool),
    /// Under a mount whose source is not known.
    Unknown(&'m str),
    /// Above some mounts: a recursive operation here reaches into them.
    Covers(Vec<&'m Mount>),
    /// The container's own file system.
    Own,
}

impl Mounts {
    /// Map a path inside the container (absolute) through the mounts; the deepest
    /// mount holding it wins, as in the kernel's mount table.
    pub fn map(&self, p: &Path) -> Mapped<'_> {
        let holder = self
            .mounts
            .iter()
            .filter(|m| p.starts_with(&m.target))
            .max_by_key(|m| m.target.components().count());
        if let Some(m) = holder {
            let rel = p.strip_prefix(&m.target).unwrap_or(Path::new(""));
            return match &m.source {
                MountSource::Host(h) => Mapped::Host(h.join(rel)),
                MountSource::Volume(v) => Mapped::Volume(v, rel.as_os_str().is_empty()),
                MountSource::Unknown(t) => Mapped::Unknown(t),
            };
        }
        let below: Vec<&Mount> = self
            .mounts
            .iter()
            .filter(|m| m.target.starts_with(p))
            .collect();
        if below.is_empty() {
            Mapped::Own
        } else {
            Mapped::Covers(below)
        }
    }
}
