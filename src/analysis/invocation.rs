use crate::syntax::word::Word;
use std::ops::Range;
use std::path::PathBuf;

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
        }
    }
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
