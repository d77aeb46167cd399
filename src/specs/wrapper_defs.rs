//! The wrapper table's file format (`policies/wrappers.toml`), as serde types.
//! `build.rs` compiles this file too, to turn the table into statics
//! (`specs::wrappers::WRAPPERS`); the test suite reads the TOML for the examples.

use serde::Deserialize;

/// `policies/wrappers.toml`: programs whose arguments hold a command.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct WrapperFile {
    #[serde(default)]
    pub wrapper: Vec<WrapperDef>,
}

/// One program (or family of names) and how its arguments hold a command.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WrapperDef {
    pub names: Vec<String>,
    /// `rest`: the words after options and `operands` are a command (`gosu USER CMD…`);
    /// `each`: every operand is shell code (`hyperfine 'CMD' 'CMD'`);
    /// `exec`: `fd`'s `-x`/`-X`: the words after the option run on what it finds;
    /// `data`: the arguments are data and never run (`echo`, `grep`).
    pub runs: String,
    /// The first operand must be one of these (`mise exec`, `perf stat`); otherwise
    /// the program is not running a command.
    #[serde(default)]
    pub subcommands: Vec<String>,
    /// Options that take the next word as their value.
    #[serde(default)]
    pub options_with_value: Vec<String>,
    /// Operands before the command (`gosu USER`, `chroot DIR`, `direnv exec DIR`).
    #[serde(default)]
    pub operands: usize,
    /// Options whose value is shell code (`nix-shell --run CODE`, `sg GROUP -c CODE`).
    #[serde(default)]
    pub code_options: Vec<String>,
    /// Options after which the rest of the words are the command (`nix develop -c`).
    #[serde(default)]
    pub command_options: Vec<String>,
    /// The command starts after `--` when there is one (tool specs before it:
    /// `mise exec node@20 -- CMD`).
    #[serde(default)]
    pub after_dashes: bool,
    /// `NAME=value` words before the command are environment (`cross-env A=1 CMD`).
    #[serde(default)]
    pub assignments: bool,
    /// `exec`: options running the command once per found path (`-x`) or once for
    /// all of them (`-X`); the first operand is a pattern, the others search roots.
    #[serde(default)]
    pub exec_options: Vec<String>,
    #[serde(default)]
    pub batch_options: Vec<String>,
    #[serde(default)]
    pub examples: WrapperExamples,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct WrapperExamples {
    #[serde(default)]
    pub stop: Vec<String>,
    #[serde(default)]
    pub pass: Vec<String>,
}
