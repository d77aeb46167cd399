//! `verbs.destructive`: a general model of destructive operations, for CLIs that
//! no rule names. A command is judged by the words of its subcommand path: a
//! destructive verb (`delete`, `destroy`, `rm`, `drop`, `purge`, …) acting on a
//! data-bearing noun (database, bucket, volume, snapshot, backup, secret, topic, …),
//! in any naming style (`delete-db-instance`, `deleteBucket`, `db:drop`,
//! `bucket delete`). Read-only forms (list, get, describe, show, status, plan, diff,
//! dry runs, help) pass. The tables below are the model's data; the rule in
//! `policies/verbs.toml` says which programs keep their own precise rules.

use super::{Hit, Params};
use crate::model::invocation::Invocation;
use crate::model::Context;
use crate::specs::args::ArgView;
use crate::specs::vocab::{noun, tokens, VERBS};

/// Verbs that need nothing else to be destructive (`npm unpublish PKG`).
const SELF_VERBS: &[&str] = &["unpublish"];

/// Words that make the whole command read-only.
const READ_ONLY: &[&str] = &[
    "list", "ls", "get", "describe", "show", "status", "plan", "diff", "info", "inspect", "view",
    "help", "lookup", "read", "head", "browse", "search",
];

/// Options that make a command a rehearsal.
const DRY_FLAGS: &[&str] = &[
    "--dry-run",
    "--dryrun",
    "--what-if",
    "--help",
    "--plan",
    "--preview",
];

/// A program whose subcommands all act on one kind of data, so `restic forget`
/// or `dbmate drop` need no noun in the path.
const PROGRAM_NOUNS: &[(&str, &str)] = &[
    ("restic", "backup repository"),
    ("borg", "backup repository"),
    ("kopia", "backup repository"),
    ("duplicity", "backup"),
    ("velero", "backup"),
    ("rclone", "remote storage"),
    ("dbmate", "database"),
    ("diesel", "database"),
    ("knex", "database"),
    ("sequelize", "database"),
    ("typeorm", "database"),
    ("kafka-topics", "topic"),
    ("kafka-topics.sh", "topic"),
    ("kafka-consumer-groups", "consumer group"),
    ("kafka-consumer-groups.sh", "consumer group"),
    ("etcdctl", "key"),
    ("consul", "key"),
    ("vault", "secret"),
    ("op", "1Password item"),
    ("doppler", "secret"),
    ("influx", "bucket"),
    ("mc", "object storage"),
    ("s3cmd", "object storage"),
    ("gsutil", "object storage"),
    ("rabbitmqctl", "queue"),
    ("rabbitmqadmin", "queue"),
    ("nats", "stream"),
    ("rpk", "topic"),
    ("meilisearch", "index"),
    ("algolia", "index"),
    ("turso", "database"),
    ("pscale", "database"),
    ("azcopy", "blob storage"),
    ("hub", "repository"),
    ("bq", "BigQuery dataset or table"),
];

/// Short verbs that only some tools define (`mc rb` is remove-bucket; `doctl d` is
/// `databases`, not a verb).
const TOOL_VERBS: &[(&str, &str, &str)] = &[
    ("mc", "rb", "remove bucket"),
    ("s3cmd", "rb", "remove bucket"),
    ("gsutil", "rb", "remove bucket"),
    ("s3cmd", "del", "delete"),
    ("etcdctl", "del", "delete"),
    ("rclone", "deletefile", "delete"),
    ("rclone", "rmdirs", "remove"),
    ("rclone", "sync", "sync (deletes what the source lacks)"),
    ("rclone", "rmdir", "remove"),
    (
        "rclone",
        "cleanup",
        "clean up (empties the trash, drops old versions)",
    ),
    (
        "borg",
        "compact",
        "compact (frees deleted archives for good)",
    ),
    ("borg", "rdelete", "delete"),
    (
        "borg",
        "recreate",
        "recreate (rewrites archives, dropping excluded data)",
    ),
    ("nats", "del", "delete"),
    ("vault", "disable", "disable (deletes the mount's data)"),
    ("vercel", "del", "delete"),
];

/// Verbs that need more than a noun: a roll-back of one migration is routine, of
/// all of them is not.
fn weak(verb: &str) -> bool {
    matches!(verb, "rollback")
}

fn identifier(t: &str) -> bool {
    !t.is_empty()
        && t.len() <= 64
        && t.chars().any(|c| c.is_ascii_alphabetic())
        && t.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':'))
}

fn base(program: &str) -> &str {
    program.rsplit('/').next().unwrap_or(program)
}

/// Values of options that name what is acted on (`--bucket B`, `--db-instance-identifier X`).
fn named_targets(inv: &Invocation) -> Vec<String> {
    let mut out = Vec::new();
    let args = &inv.args;
    for (i, w) in args.iter().enumerate() {
        let Some(t) = w.lit() else { continue };
        let Some(name) = t.strip_prefix("--") else {
            continue;
        };
        let (name, inline) = match name.split_once('=') {
            Some((n, v)) => (n, Some(v.to_string())),
            None => (name, None),
        };
        let names_target = [
            "name",
            "id",
            "identifier",
            "bucket",
            "arn",
            "topic",
            "queue",
            "key",
        ]
        .iter()
        .any(|s| name == *s || name.ends_with(&format!("-{s}")));
        if !names_target {
            continue;
        }
        if let Some(v) = inline.or_else(|| args.get(i + 1).map(|n| n.text())) {
            if !v.starts_with('-') {
                out.push(v);
            }
        }
    }
    out
}

/// Is `retention` set to zero (`--backup-retention-period 0`)?
fn zero_retention(inv: &Invocation) -> Option<String> {
    let args = &inv.args;
    for (i, w) in args.iter().enumerate() {
        let Some(t) = w.lit() else { continue };
        if !t.starts_with('-') || !t.contains("retention") {
            continue;
        }
        let (name, v) = match t.split_once('=') {
            Some((n, v)) => (n.to_string(), Some(v.to_string())),
            None => (t.clone(), args.get(i + 1).and_then(|n| n.lit())),
        };
        if v.as_deref()
            .is_some_and(|v| v.trim_start_matches('0').is_empty() && !v.is_empty())
        {
            return Some(name);
        }
    }
    None
}

/// A sync or mirror told to delete what the source lacks: `--delete-destination
/// true`, `--delete-excluded`, `--remove` (mc mirror), `-d` (gsutil rsync).
fn sync_deletes(inv: &Invocation, view: &ArgView) -> bool {
    let args = &inv.args;
    args.iter().enumerate().any(|(i, w)| {
        let Some(t) = w.lit() else { return false };
        let (name, inline) = match t.split_once('=') {
            Some((n, v)) => (n.to_string(), Some(v.to_string())),
            None => (t.clone(), None),
        };
        if !(name.starts_with("--delete") || name == "--remove") {
            return false;
        }
        let value = inline.or_else(|| {
            args.get(i + 1)
                .and_then(|n| n.lit())
                .filter(|v| matches!(v.as_str(), "true" | "false" | "prompt"))
        });
        !matches!(value.as_deref(), Some("false") | Some("prompt"))
    }) || view.has_flag("-d") && base(&inv.program) == "gsutil"
}

/// Does the skip list (one entry a line) name `prog`, or `prog first`?
fn skipped(skip: &str, prog: &str, first: &str) -> bool {
    if prog.is_empty() || prog.contains([' ', '\n']) || skip.contains('\r') {
        return skip.lines().any(|s| {
            s == prog
                || s.split_once(' ')
                    .is_some_and(|(p, sub)| p == prog && sub == first)
        });
    }
    // The same answer without splitting the list into lines (it is long, and `find`,
    // `grep` or `rm` are in it): each place `prog` starts a line.
    let line_end = |rest: &str| rest.is_empty() || rest.starts_with('\n');
    skip.match_indices(prog).any(|(i, _)| {
        if i > 0 && skip.as_bytes()[i - 1] != b'\n' {
            return false;
        }
        let rest = &skip[i + prog.len()..];
        line_end(rest)
            || !first.contains('\n')
                && rest
                    .strip_prefix(' ')
                    .and_then(|r| r.strip_prefix(first))
                    .is_some_and(line_end)
    })
}

/// `verbs.destructive`: see the module comment. `skip` lists programs, or program
/// and first subcommand (`"aws s3"`), whose own rules decide.
pub fn destructive(inv: &Invocation, view: &ArgView, _ctx: &Context, params: Params) -> Vec<Hit> {
    let prog = base(&inv.program).to_ascii_lowercase();
    let prog = prog.as_str();
    // The skip list is long and this runs for every command: read its lines only
    // when the program's name is in it at all.
    let skip = params.get("skip").unwrap_or_default();
    if skip.contains(prog) {
        let first = view
            .operands
            .first()
            .and_then(|w| w.lit())
            .unwrap_or_default();
        if skipped(skip, prog, &first) {
            return Vec::new();
        }
    }
    // The subcommand path: leading operands that read as identifiers.
    let path: Vec<String> = view
        .operands
        .iter()
        .take(5)
        .map_while(|w| w.lit().filter(|t| identifier(t)))
        .collect();
    let words: Vec<Vec<String>> = path.iter().map(|w| tokens(w)).collect();
    if words
        .iter()
        .take(4)
        .any(|t| t.first().is_some_and(|f| READ_ONLY.contains(&f.as_str())))
    {
        return Vec::new();
    }
    // The program's own noun (`restic`, `kafka-topics`), read only once a verb or a
    // `--delete` asks for it.
    let program_noun = || {
        PROGRAM_NOUNS
            .iter()
            .find(|(p, _)| *p == prog)
            .map(|(_, n)| *n)
            .or_else(|| tokens(prog).iter().find_map(|t| noun(t)))
    };

    // The verb: a token of one of the first three path words, or a tool's own short verb.
    let mut found: Option<(usize, String)> = None;
    for (i, w) in path.iter().enumerate().take(3) {
        if let Some((_, _, v)) = TOOL_VERBS.iter().find(|(p, s, _)| *p == prog && s == w) {
            found = Some((i, v.to_string()));
            break;
        }
        if let Some(v) = words[i].iter().find(|t| VERBS.contains(&t.as_str())) {
            found = Some((i, v.clone()));
            break;
        }
    }
    let (verb_at, verb, noun_found) = match found {
        Some((i, verb)) => {
            let mut nouns: Vec<&str> = words[..=i]
                .iter()
                .flatten()
                .filter_map(|t| noun(t))
                .collect();
            // Verb first (`delete bucket NAME`): the next word, when it is a bare noun.
            if nouns.is_empty() {
                if let Some(n) = words
                    .get(i + 1)
                    .filter(|t| t.len() == 1)
                    .and_then(|t| noun(&t[0]))
                {
                    nouns.push(n);
                }
            }
            let noun = nouns.first().copied().or_else(program_noun);
            let noun = match noun {
                Some(n) => n.to_string(),
                None if SELF_VERBS.contains(&verb.as_str()) => "published package".to_string(),
                None if verb.starts_with("remove bucket") => "bucket".to_string(),
                None => return Vec::new(),
            };
            if weak(&verb)
                && !view.has_flag("--all")
                && !path[i + 1..].iter().any(|w| w == "zero" || w == "0")
            {
                return Vec::new();
            }
            (i, verb, noun)
        }
        None => {
            // `--delete` on a sync (`aws s3 sync --delete`) or as the operation itself
            // (`kafka-topics --delete`); retention set to zero.
            let sync = words
                .iter()
                .flatten()
                .any(|t| matches!(t.as_str(), "sync" | "mirror" | "rsync"));
            let retention = zero_retention(inv);
            let delete = view.has_flag("--delete") || view.has_flag("--delete-removed");
            if retention.is_none() && !delete && !sync {
                // Most commands end here: nothing below can apply.
                return Vec::new();
            }
            let program_noun = program_noun();
            let nouns: Vec<&str> = words.iter().flatten().filter_map(|t| noun(t)).collect();
            let noun = nouns.first().copied().or(program_noun);
            if let Some(opt) = retention {
                (
                    path.len(),
                    format!("{opt} 0"),
                    noun.unwrap_or("backups").to_string(),
                )
            } else if delete && (sync || program_noun.is_some()) || sync && sync_deletes(inv, view)
            {
                let Some(noun) = noun else { return Vec::new() };
                let verb = if sync { "sync --delete" } else { "--delete" };
                (path.len(), verb.to_string(), noun.to_string())
            } else {
                return Vec::new();
            }
        }
    };
    // A rehearsal (`--dry-run`, `--help`, `-n` for backup tools) changes nothing. Asked
    // only here, once the command reads as destructive: most commands never get here.
    let dry = DRY_FLAGS.iter().any(|f| view.has_flag(f))
        || (matches!(prog, "borg" | "rclone" | "restic") && view.has_flag("-n"));
    if dry {
        return Vec::new();
    }
    let mut targets: Vec<String> = path.get(verb_at + 1..).unwrap_or_default().to_vec();
    targets.extend(view.operands.iter().skip(path.len()).map(|w| w.text()));
    targets.extend(named_targets(inv));
    targets.retain(|t| !t.is_empty());
    targets.dedup();
    let what = if targets.is_empty() {
        String::new()
    } else {
        let mut list = targets
            .iter()
            .take(4)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        if targets.len() > 4 {
            list.push_str(&format!(" and {} more", targets.len() - 4));
        }
        format!(": {}", super::targets::redact(&list))
    };
    let cmd = std::iter::once(prog.to_string())
        .chain(path.iter().take(verb_at + 1).cloned())
        .collect::<Vec<_>>()
        .join(" ");
    vec![Hit {
        span: None,
        detail: Some(format!("`{verb}` on a {noun_found} (`{cmd}`){what}")),
    }]
}

#[cfg(test)]
mod tests {
    use super::skipped;

    /// The skip list read in place answers as reading it line by line does.
    #[test]
    fn skip_list_in_place() {
        let lines = |skip: &str, prog: &str, first: &str| {
            skip.lines().any(|s| {
                s == prog
                    || s.split_once(' ')
                        .is_some_and(|(p, sub)| p == prog && sub == first)
            })
        };
        let lists = [
            "git\naws s3\nfind\nnpm rm",
            "aws s3\ngit",
            "xgit\ngitx\naws  s3\naws s3x",
            "git\r\naws s3\r\n",
            "git\n",
            "",
        ];
        let asks = [
            ("git", ""),
            ("aws", "s3"),
            ("aws", "s3\ngit"),
            ("aws", ""),
            ("npm", "rm"),
            ("npm", "r"),
            ("find", "x"),
            ("it", ""),
            ("", ""),
            ("aws s3", ""),
            ("s3", ""),
            ("aws", " s3"),
        ];
        for skip in lists {
            for (prog, first) in asks {
                assert_eq!(
                    skipped(skip, prog, first),
                    lines(skip, prog, first),
                    "{skip:?} {prog:?} {first:?}"
                );
            }
        }
    }
}
