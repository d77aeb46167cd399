//! Code given to interpreters (`python -c`, `node -e`, `ruby -e`, `php -r`, `perl -e`,
//! `awk '…'`, and the text of script files they run): what it would do that destroys
//! data, as the shell command, delete, write, SQL or HTTP request that does the same,
//! so that the rules which judge those on the command line judge them here too.
//!
//! Python, JavaScript, Ruby and PHP are parsed with their tree-sitter grammars (loaded
//! only when such code is met); a small evaluator folds what is known before the code
//! runs (literals, concatenation, joins, the home directory, simple variables). Perl,
//! awk and the rest are read by hand (`text.rs`, `awk.rs`). What reaches a destructive call but
//! cannot be known is `Dynamic`: a confirm, never an allow.

mod awk;
pub mod compiled;
mod effects;
mod eval;
mod foreign;
mod javascript;
mod php;
mod python;
mod ruby;
mod tables;
mod text;
mod tree;

use effects::Out;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Python,
    Perl,
    Ruby,
    Node,
    Php,
    Lua,
    R,
    AppleScript,
    Awk,
    /// A language read only for process calls and tree deletes (`foreign.rs`).
    Foreign,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Extracted {
    /// A shell command that would run.
    Shell(String),
    /// A delete of a path (`None`: computed at run time).
    Delete {
        path: Option<String>,
        recursive: bool,
    },
    /// Code that runs something the analyser cannot see.
    Dynamic(String),
    /// SQL a client library sends (`None`: built at run time), judged as the command
    /// line client `client` (`psql`, `mysql`, `sqlite3`) would be with it.
    Sql {
        client: &'static str,
        database: Option<String>,
        sql: Option<String>,
    },
    /// An HTTP request, judged as the `curl` that sends the same (`url` `None`: only
    /// known at run time).
    Http {
        method: String,
        url: Option<String>,
        body: Option<String>,
    },
    /// A file opened for writing: emptied first, or appended to.
    Write { path: String, append: bool },
    /// A library call that destroys stored data with no text to judge: an ORM's
    /// `drop_all`, `deleteMany({})`, redis `flushall` (what it does, for the reason).
    Destroy(String),
    /// A cloud or service SDK call that deletes a stored resource: the call and what
    /// its name says it destroys (`delete_db_instance`, `indices.delete`).
    SdkDestroy(String),
    /// A project file the code runs: a local module it imports (`import wipe`,
    /// `require("./nuke")`) or a file it runs (`runpy.run_path`). Candidate paths,
    /// relative to the working directory; those that exist are read as code of the
    /// same language.
    Runs { candidates: Vec<String>, lang: Lang },
}

pub fn language(program: &str) -> Lang {
    if program.starts_with("python")
        || program.starts_with("pypy")
        || program.starts_with("ipython")
    {
        Lang::Python
    } else if program.starts_with("perl") {
        Lang::Perl
    } else if program.starts_with("ruby") {
        Lang::Ruby
    } else if program.starts_with("php") {
        Lang::Php
    } else if program.starts_with("lua") {
        Lang::Lua
    } else if program == "Rscript" {
        Lang::R
    } else if program == "osascript" {
        Lang::AppleScript
    } else if program.ends_with("awk") {
        Lang::Awk
    } else if FOREIGN.contains(&program) {
        Lang::Foreign
    } else {
        Lang::Node
    }
}

/// Interpreters of languages read by `foreign.rs`.
pub const FOREIGN: &[&str] = &[
    "expect",
    "tclsh",
    "wish",
    "julia",
    "elixir",
    "groovy",
    "scala",
    "swift",
    "kotlin",
    "jshell",
    "bb",
    "clojure",
    "clj",
    "erl",
    "escript",
    "racket",
    "guile",
    "sbcl",
    "runghc",
    "runhaskell",
    "octave",
];

/// Code larger than this is not read: a confirm naming the bound.
pub const MAX_CODE: usize = 256 * 1024;

/// Code given to `eval`/`exec` inside code is read this many levels deep.
const MAX_NESTING: u32 = 4;

/// What the code would do that the rules judge.
pub fn extract(lang: Lang, code: &str) -> Vec<Extracted> {
    let mut out = Out::default();
    scan(lang, code, &mut out);
    out.finish()
}

/// Read `code` into `out`; `eval`'d strings come back here one level deeper.
fn scan(lang: Lang, code: &str, out: &mut Out) {
    if code.len() > MAX_CODE {
        out.dynamic(format!(
            "the program text is larger than {} KiB, too large to check",
            MAX_CODE / 1024
        ));
        return;
    }
    if out.nesting > MAX_NESTING {
        out.dynamic("code that evaluates code, nested too deeply to check".into());
        return;
    }
    match lang {
        Lang::Python => python::scan(code, out),
        Lang::Node => javascript::scan(code, out),
        Lang::Ruby => ruby::scan(code, out),
        Lang::Php => php::scan(code, out),
        Lang::Awk => awk::scan_awk(code, out),
        Lang::Perl => text::scan_perl(code, out),
        Lang::Lua | Lang::R | Lang::AppleScript => text::scan_other(lang, code, out),
        Lang::Foreign => foreign::scan("the program", code, out),
    }
}

/// Code handed to `eval`/`exec` from inside code: read as code of the same language.
fn scan_nested(lang: Lang, code: &str, out: &mut Out) {
    out.nesting += 1;
    scan(lang, code, out);
    out.nesting -= 1;
}
