//! Naming what a matched command would destroy, for rules whose match is plain
//! flags and subcommands: the volume, bucket, namespace or database in the message
//! is what a person approving the command needs to see.

use super::{Hit, Params};
use crate::model::invocation::Invocation;
use crate::model::Context;
use crate::specs::args::ArgView;
use crate::syntax::word::Word;

/// Values of the named options anywhere in the arguments (`--name V`, `--name=V`).
fn option_values(args: &[Word], names: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    for (i, w) in args.iter().enumerate() {
        let t = w.text();
        for n in names {
            if t == *n {
                if let Some(v) = args.get(i + 1) {
                    out.push(v.text());
                }
            } else if let Some(v) = t.strip_prefix(n).and_then(|r| r.strip_prefix('=')) {
                out.push(v.to_string());
            }
        }
    }
    out
}

/// Hide credentials in URLs shown to people (`scheme://user:pass@host` → `scheme://host`).
pub fn redact(s: &str) -> String {
    let Some(p) = s.find("://") else {
        return s.to_string();
    };
    let rest = &s[p + 3..];
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..end].rfind('@') {
        Some(at) => format!("{}{}", &s[..p + 3], &rest[at + 1..]),
        None => s.to_string(),
    }
}

/// `; profile prod, region eu-west-1`: the values of the `context` options, which
/// say where the command acts.
fn context(args: &[Word], params: &Params) -> String {
    let parts: Vec<String> = params
        .list("context")
        .iter()
        .filter_map(|o| {
            let v = option_values(args, &[o]).pop()?;
            let name = match *o {
                "-n" => "namespace",
                "-a" => "app",
                "-s" => "stack",
                "-p" | "-u" => "project",
                long => long.trim_start_matches('-'),
            };
            Some(format!("{name} {v}"))
        })
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!("; {}", parts.join(", "))
    }
}

fn with_context(d: Option<String>, ctx: String) -> Option<String> {
    match d {
        Some(d) => Some(format!("{d}{ctx}")),
        None if !ctx.is_empty() => Some(ctx.trim_start_matches(';').trim_start().to_string()),
        None => None,
    }
}

fn detail(label: &str, names: Vec<String>) -> Option<String> {
    let names: Vec<String> = names
        .into_iter()
        .filter(|n| !n.is_empty())
        .map(|n| redact(&n))
        .collect();
    if names.is_empty() {
        return None;
    }
    let mut list = names.iter().take(6).cloned().collect::<Vec<_>>().join(", ");
    if names.len() > 6 {
        list.push_str(&format!(" and {} more", names.len() - 6));
    }
    Some(if label.is_empty() {
        list
    } else {
        format!("{label} {list}")
    })
}

/// `args.target`: always matches; names the target from the operands after the
/// first `skip` ones (none with `operands = false`) and from the values of
/// `options`. `label` says what they are; `context` options say where (profile,
/// project, namespace).
pub fn target(inv: &Invocation, view: &ArgView, _ctx: &Context, params: Params) -> Vec<Hit> {
    let label = params.get("label").unwrap_or("");
    let skip = match params.flag("operands") {
        Some(false) => usize::MAX,
        _ => params.int("skip").unwrap_or(0),
    };
    // `min`: at least this many operands after the skipped ones (`git checkout REV
    // PATH…` names two or more; `git checkout BRANCH` one).
    if let Some(min) = params.int("min") {
        if view.operands.len().saturating_sub(skip) < min {
            return Vec::new();
        }
    }
    let options = params.list("options");
    let mut names = option_values(&inv.args, &options);
    for w in view.operands.iter().skip(skip) {
        let t = w.text();
        if !names.contains(&t) {
            names.push(t);
        }
    }
    vec![Hit {
        span: None,
        detail: with_context(detail(label, names), context(&inv.args, &params)),
    }]
}

/// `cli.verb`: one of the first `depth` operands is one of `verbs` (`gcloud sql
/// instances delete NAME`, `az group delete -n NAME`). Names the resource path and
/// the operands after the verb, or the values of `options`.
pub fn verb(inv: &Invocation, view: &ArgView, _ctx: &Context, params: Params) -> Vec<Hit> {
    let verbs = params.list("verbs");
    let depth = params.int("depth").unwrap_or(4);
    // Short verbs that mean something else as the first word (`doctl d` is `databases`).
    let not_first = params.list("not_first");
    let Some(pos) = view
        .operands
        .iter()
        .take(depth)
        .enumerate()
        .position(|(i, w)| {
            w.lit().is_some_and(|t| {
                verbs.contains(&t.as_str()) && !(i == 0 && not_first.contains(&t.as_str()))
            })
        })
    else {
        return Vec::new();
    };
    let path: Vec<String> = view.operands[..pos].iter().map(|w| w.text()).collect();
    let mut names = option_values(&inv.args, &params.list("options"));
    names.extend(view.operands[pos + 1..].iter().map(|w| w.text()));
    vec![Hit {
        span: None,
        detail: with_context(detail(&path.join(" "), names), context(&inv.args, &params)),
    }]
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn credentials_are_hidden() {
        assert_eq!(redact("postgres://u:secret@db/prod"), "postgres://db/prod");
        assert_eq!(redact("https://x.io/a@b"), "https://x.io/a@b");
        assert_eq!(redact("plain"), "plain");
    }
}
