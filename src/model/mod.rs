//! The data every layer of the engine shares, at the bottom of them: where a command
//! would run ([`Context`]), the three decisions, and what a decision is made of
//! ([`Finding`], [`Verdict`]). It imports nothing from the layers above (the walker in
//! `analysis/`, the named checks in `analysers/`, `policy/`, `engine/`).

mod context;
mod decision;
pub mod invocation;
pub mod judge;
pub mod paths;
mod verdict;

pub use context::Context;
pub use decision::Decision;
pub use verdict::{Finding, Verdict};

/// Inputs above this size are not analysed: they get a confirm, never an allow. Also
/// the cap on a file the walker reads as a script.
pub const MAX_INPUT_BYTES: usize = 4 * 1024 * 1024;
