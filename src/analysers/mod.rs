//! Built-in analysers that rules call by name (`check = "fs.delete"`): the parts of
//! a decision that need more than flags and globs (paths, code inside options).

pub mod datastores;
pub mod exec;
pub mod fs;
mod fs_glob;
pub mod graphql;
pub mod http;
pub mod kube;
pub mod scoped;
pub use crate::specs::opts;
pub mod selfguard;
pub mod sql;
pub mod targets;
pub mod verbs;

use crate::model::invocation::Invocation;
use crate::model::Context;
use crate::specs::args::ArgView;
use std::ops::Range;

/// One reason a check fired: where, and what is at stake.
#[derive(Debug, Clone)]
pub struct Hit {
    pub span: Option<Range<usize>>,
    pub detail: Option<String>,
}

/// A rule's `with = { … }` parameters, as text.
#[derive(Debug, Clone, Copy)]
pub struct Params(pub &'static [(&'static str, &'static str)]);

impl Params {
    pub fn get(&self, key: &str) -> Option<&'static str> {
        self.0.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
    }

    /// An array parameter (`context = ["--profile", "--region"]`); empty when absent.
    pub fn list(&self, key: &str) -> Vec<&'static str> {
        self.get(key)
            .map(|v| v.lines().collect())
            .unwrap_or_default()
    }

    pub fn int(&self, key: &str) -> Option<usize> {
        self.get(key).and_then(|v| v.parse().ok())
    }

    pub fn flag(&self, key: &str) -> Option<bool> {
        self.get(key).and_then(|v| v.parse().ok())
    }
}

type CheckFn = fn(&Invocation, &ArgView, &Context, Params) -> Vec<Hit>;

/// Every check a rule may name.
pub const CHECKS: &[(&str, CheckFn)] = &[
    ("fs.delete", fs::delete),
    ("fs.overwrite", fs::overwrite),
    ("fs.permissions", fs::permissions),
    ("fs.move", fs::moves),
    ("exec.option", exec::option),
    ("exec.windows", exec::windows),
    ("interlock.self", selfguard::check),
    ("sql.destructive", sql::destructive),
    ("mongo.destructive", datastores::mongo),
    ("redis.flush", datastores::redis),
    ("http.delete", http::delete),
    ("http.destructive-path", http::destructive_path),
    ("http.graphql", http::graphql),
    ("http.sql", http::sql),
    ("kube.delete", kube::delete),
    ("args.target", targets::target),
    ("cli.verb", targets::verb),
    ("verbs.destructive", verbs::destructive),
    ("paths.beyond-rebuildable", scoped::beyond_rebuildable),
];

pub fn run_check(
    name: &str,
    inv: &Invocation,
    view: &ArgView,
    ctx: &Context,
    params: Params,
) -> Vec<Hit> {
    match CHECKS.iter().find(|(n, _)| *n == name) {
        Some((_, f)) => f(inv, view, ctx, params),
        None => Vec::new(),
    }
}

pub fn is_known_check(name: &str) -> bool {
    CHECKS.iter().any(|(n, _)| *n == name)
}
