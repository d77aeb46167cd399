//! Interlock: a guard between AI coding agents and the shell.
//!
//! The library holds the decision engine ([`engine::Engine`]) and everything it needs;
//! the `interlock` binary's front doors (check, explain, policy) are thin layers over it.
//! See ARCHITECTURE.md for the map.

pub mod analysers;
pub mod analysis;
pub mod approval;
pub mod audit;
pub mod audit_log;
pub mod broker;
pub mod confine;
pub mod engine;
pub mod hooks;
pub mod model;
pub mod policy;
pub mod render;
pub mod serve;
pub mod shell;
pub mod sock;
pub mod specs;
pub mod syntax;
pub mod wrap;

pub use engine::{Context, Decision, Engine, Finding, Verdict};
