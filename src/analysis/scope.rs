// A fast hasher, seeded per process (variable and function names come from the input,
// so a fixed-seed hash could be flooded with collisions).
type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
type HashSet<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;
use std::hash::{Hash, Hasher};
use std::ops::Range;
use std::path::PathBuf;
use std::rc::Rc;

use crate::model::invocation::Stdin;

/// A shell variable's value as far as it can be known.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Value {
    Known(String),
    /// One of the names a glob matches (`for f in *.log`).
    Pattern(String),
    /// An array whose elements are all known (`a=(rm -rf x)`).
    Array(Vec<String>),
    Unknown {
        maybe_empty: bool,
    },
    /// One item of a listing only known when it runs, named for what it lists
    /// (`for k in $(redis-cli KEYS 'x*')`: a key matching `x*`).
    Item(String),
}

/// A function defined earlier on the line: its body is analysed where it is called.
#[derive(Debug, Clone)]
pub struct FuncDef {
    pub body: String,
    /// Where the body's byte 0 sits in the original line, when it is a verbatim slice.
    pub offset: Option<usize>,
    pub span: Range<usize>,
    /// The body's syntax tree, parsed at the first call and reused at every other
    /// (only when `within` is `None`).
    pub tree: std::cell::OnceCell<Option<tree_sitter::Tree>>,
    /// The tree and source the body was defined in, when its node parsed cleanly: a
    /// call walks that node again instead of parsing the body's text a second time.
    pub within: Option<DefinedIn>,
}

/// Where a function body sits: the syntax tree and source of the code that defined it.
#[derive(Debug, Clone)]
pub struct DefinedIn {
    pub tree: tree_sitter::Tree,
    pub src: Rc<str>,
    /// Where that source sits in the original line, when it is a verbatim slice.
    pub offset: Option<usize>,
    /// The body node's byte range within `src`.
    pub range: Range<usize>,
}

/// What the shell knows at one point of the line: variables, the working directory,
/// functions. The tables are shared until written (`Rc::make_mut`), so a subshell,
/// a pipeline stage or a substitution costs nothing to start.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// Written through `set_var`/`remove_var`, which keep `vars_print` up to date.
    pub vars: Rc<HashMap<String, Value>>,
    /// An order-independent hash of `vars` (part of a function call's memo key).
    pub vars_print: u64,
    /// `None` when a `cd` went somewhere unknown.
    pub cwd: Option<PathBuf>,
    /// Written through `set_function`/`remove_function` (`functions_print`).
    pub functions: Rc<HashMap<String, Rc<FuncDef>>>,
    pub functions_print: u64,
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
    /// Entries put before the old `PATH` by an assignment on this line (`PATH=.:$PATH`):
    /// they decide what a plain name runs.
    pub path_prepends: Rc<Vec<String>>,
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

    pub fn set_var(&mut self, name: String, value: Value) {
        let add = entry_print(&name, &value);
        let old = Rc::make_mut(&mut self.vars).insert(name.clone(), value);
        if let Some(old) = old {
            self.vars_print = self.vars_print.wrapping_sub(entry_print(&name, &old));
        }
        self.vars_print = self.vars_print.wrapping_add(add);
    }

    pub fn remove_var(&mut self, name: &str) {
        if let Some(old) = Rc::make_mut(&mut self.vars).remove(name) {
            self.vars_print = self.vars_print.wrapping_sub(entry_print(name, &old));
        }
    }

    pub fn set_function(&mut self, name: String, def: Rc<FuncDef>) {
        let add = entry_print(&name, &(Rc::as_ptr(&def) as usize));
        let old = Rc::make_mut(&mut self.functions).insert(name.clone(), def);
        if let Some(old) = old {
            let gone = entry_print(&name, &(Rc::as_ptr(&old) as usize));
            self.functions_print = self.functions_print.wrapping_sub(gone);
        }
        self.functions_print = self.functions_print.wrapping_add(add);
    }

    pub fn remove_function(&mut self, name: &str) {
        if let Some(old) = Rc::make_mut(&mut self.functions).remove(name) {
            let gone = entry_print(name, &(Rc::as_ptr(&old) as usize));
            self.functions_print = self.functions_print.wrapping_sub(gone);
        }
    }
}

/// One entry's share of a table's order-independent hash (the sum of its entries').
fn entry_print<V: Hash>(name: &str, value: &V) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    name.hash(&mut h);
    value.hash(&mut h);
    h.finish()
}

pub use crate::model::paths::{normalize, resolve};
