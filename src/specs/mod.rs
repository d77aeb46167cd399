//! Tables of program specs, at the bottom of the engine's layers with `model/`: how
//! programs write their options (`opts::Spec` and the getopt-style reader), and the
//! specs more than one analyser reads (curl and wget in `http`). Nothing here imports
//! the walker, the analysers or the policy.

pub mod args;
pub mod devices;
pub mod gitconfig;
pub mod glob;
pub mod http;
pub mod opts;
pub mod shell_init;
pub mod tasks;
pub mod vocab;
pub mod wrapper_defs;
pub mod wrappers;
