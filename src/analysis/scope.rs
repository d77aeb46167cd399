use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::path::PathBuf;
use std::rc::Rc;

use crate::model::invocation::Stdin;

/// A shell variable's value as far as it can be known.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Known(String),
    /// One of the names a glob matches (`for f in *.log`).
    Pattern(String),
    /// An array whose elements are all known (`a=(rm -rf x)`).
    Array(Vec<String>),
    Unknown {
        maybe_empty: bool,
    },
}

/// A function defined earlier on the line: its body is analysed where it is called.
#[derive(Debug, Clone)]
pub struct FuncDef {
    pub body: String,
    /// Where the body's byte 0 sits in the original line, when it is a verbatim slice.
    pub offset: Option<usize>,
    pub span: Range<usize>,
    /// The body's syntax tree, parsed at the first call and reused at every other.
    pub tree: std::cell::OnceCell<Option<tree_sitter::Tree>>,
}

/// What the shell knows at one point of the line: variables, the working directory,
/// functions. The tables are shared until written (`Rc::make_mut`), so a subshell,
/// a pipeline stage or a substitution costs nothing to start.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    pub vars: Rc<HashMap<String, Value>>,
    /// `None` when a `cd` went somewhere unknown.
    pub cwd: Option<PathBuf>,
    pub functions: Rc<HashMap<String, Rc<FuncDef>>>,
    /// Aliases defined earlier on the line: expanded where used.
    pub aliases: Rc<HashMap<String, String>>,
    /// Targets of `mv SRC DEST` on this line, with the source moved there.
    pub moved_onto: Rc<HashMap<PathBuf, String>>,
    /// Every `mkdir` run so far: where its command starts on the line, and the
    /// directories it makes.
    pub mkdirs: Rc<Vec<(usize, Vec<PathBuf>)>>,
    /// Directories that exist whenever this point runs: made by a `mkdir` whose success
    /// gates it (`mkdir -p d && …`). A `mkdir d;` that may have failed does not count.
    pub made_dirs: Rc<HashSet<PathBuf>>,
    /// Inside a loop that runs an unknown number of times (`for f in *`, `while`).
    pub repeats: bool,
    /// `$1`, `$2`, … inside a function call or `sh -c STRING NAME ARGS`.
    pub positional: Option<Vec<Value>>,
    /// Bumped by every `shift` and `set --`, to tell whether a statement changed them.
    pub positional_generation: u32,
    pub call_stack: Rc<Vec<String>>,
    /// What commands of nested code read when nothing redirects them: the stdin of
    /// the command that runs the code (`ssh host psql <<SQL`, `sh -c '…' < f`).
    pub stdin: Stdin,
}

impl Scope {
    /// The scope a child shell (`bash -c`) starts with: it keeps the directory, but
    /// not the parent's variables or functions.
    pub fn child(&self) -> Scope {
        Scope {
            cwd: self.cwd.clone(),
            call_stack: self.call_stack.clone(),
            ..Scope::default()
        }
    }
}

pub use crate::model::paths::{normalize, resolve};
