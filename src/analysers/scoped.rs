//! `paths.beyond-rebuildable`: for commands that delete what they are pointed at
//! (`git clean -fd -- build/`), a hit unless every path operand is rebuildable
//! output inside the project (`build/`, `target/`, `node_modules/` …). No operand
//! means the whole tree.

use super::{Hit, Params};
use crate::model::invocation::Invocation;
use crate::model::Context;
use crate::specs::args::ArgView;

fn rebuildable(t: &str) -> bool {
    let t = t.trim_start_matches("./");
    if t.is_empty() || t.starts_with('/') || t.starts_with('~') || t.starts_with('-') {
        return false;
    }
    let mut parts = t.split('/').filter(|p| !p.is_empty() && *p != ".");
    let Some(first) = parts.next() else {
        return false;
    };
    super::fs::REBUILDABLE.contains(&first) && !t.split('/').any(|p| p == "..")
}

/// Operands after the first `skip` (the subcommand path).
pub fn beyond_rebuildable(
    _inv: &Invocation,
    view: &ArgView,
    _ctx: &Context,
    params: Params,
) -> Vec<Hit> {
    let skip = params.int("skip").unwrap_or(0);
    let paths: Vec<_> = view.operands.iter().skip(skip).collect();
    let all_rebuildable = !paths.is_empty()
        && paths
            .iter()
            .all(|w| w.lit().is_some_and(|t| rebuildable(&t)));
    if all_rebuildable {
        Vec::new()
    } else {
        vec![Hit {
            span: None,
            detail: None,
        }]
    }
}

#[cfg(test)]
mod tests {
    use super::rebuildable;

    #[test]
    fn only_build_output() {
        assert!(rebuildable("build/"));
        assert!(rebuildable("./target/debug"));
        assert!(!rebuildable("src/"));
        assert!(!rebuildable("build/../src"));
        assert!(!rebuildable("/build"));
        assert!(!rebuildable("."));
    }
}
