//! Known wrappers: programs whose arguments hold a command they run (`gosu USER CMD`,
//! `nix-shell --run CODE`, `hyperfine CODE`, `fd -X CMD`), and programs known to treat
//! their arguments as data (`echo`, `grep`). The table is data, in
//! `policies/wrappers.toml`, compiled by `build.rs`; the walker
//! (`analysis/runners/wrappers.rs`) reads it.

pub use super::wrapper_defs::{WrapperDef, WrapperFile};

/// How a wrapper's arguments hold a command (see `WrapperDef::runs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Runs {
    Rest,
    Each,
    Exec,
    Data,
}

/// One entry of the compiled table (a `WrapperDef` without its examples).
#[derive(Debug)]
pub struct StaticWrapper {
    pub names: &'static [&'static str],
    pub runs: Runs,
    pub subcommands: &'static [&'static str],
    pub options_with_value: &'static [&'static str],
    pub operands: usize,
    pub code_options: &'static [&'static str],
    pub command_options: &'static [&'static str],
    pub after_dashes: bool,
    pub assignments: bool,
    pub exec_options: &'static [&'static str],
    pub batch_options: &'static [&'static str],
}

include!(concat!(env!("OUT_DIR"), "/builtin_wrappers.rs"));

/// The table's source, for `interlock policy test` and the test suite.
pub const WRAPPERS_TOML: &str = include_str!("../../policies/wrappers.toml");

/// The entry for a program name, if the table knows it.
pub fn wrapper(name: &str) -> Option<&'static StaticWrapper> {
    WRAPPERS.iter().find(|w| w.names.contains(&name))
}
