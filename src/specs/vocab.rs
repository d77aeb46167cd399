//! The words of destructive operations, shared by the general model of command
//! lines (`analysers::verbs`) and the interpreter readers (SDK calls such as
//! `delete_db_instance` or `DeleteBucketCommand`): destructive verbs, data-bearing
//! nouns, and how a name splits into words in any naming style.

/// Verbs that destroy whatever they act on. (`rollback` and `reset` also count:
/// on a database or a migration history they drop data.)
pub const VERBS: &[&str] = &[
    "delete",
    "destroy",
    "remove",
    "rm",
    "purge",
    "drop",
    "terminate",
    "wipe",
    "erase",
    "reset",
    "prune",
    "truncate",
    "flush",
    "forget",
    "unpublish",
    "revoke",
    "rollback",
    "clear",
    "nuke",
    "obliterate",
];

/// Data-bearing nouns (singular; plurals are recognised).
pub const NOUNS: &[&str] = &[
    "database",
    "db",
    "d1",
    "table",
    "tables",
    "keyspace",
    "collection",
    "schema",
    "dataset",
    "volume",
    "vol",
    "disk",
    "filesystem",
    "fs",
    "share",
    "snapshot",
    "snap",
    "backup",
    "archive",
    "bucket",
    "object",
    "blob",
    "storage",
    "s3",
    "r2",
    "repository",
    "repo",
    "release",
    "project",
    "environment",
    "env",
    "stack",
    "cluster",
    "namespace",
    "secret",
    "key",
    "apikey",
    "kv",
    "vault",
    "item",
    "topic",
    "queue",
    "stream",
    "index",
    "log",
    "zone",
    "record",
    "recordset",
    "domain",
    "instance",
    "server",
    "vm",
    "droplet",
    "workspace",
    "organization",
    "org",
    "account",
    "registry",
    "redis",
    "image",
    "document",
    "data",
    "app",
    "variable",
    "gist",
    "parameter",
    "issue",
    "function",
];

/// Split one word into lower-case tokens: `delete-db-instance`, `deleteBucket`,
/// `db:drop`, `purge_queue`, `DeleteDBInstanceCommand` (an acronym ends where the
/// next capitalised word starts).
pub fn tokens(word: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    let mut prev_upper = false;
    let mut chars = word.chars().peekable();
    while let Some(c) = chars.next() {
        if matches!(c, '-' | '_' | ':' | '.') {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            prev_upper = false;
            continue;
        }
        let upper = c.is_ascii_uppercase();
        let next_lower = chars.peek().is_some_and(|n| n.is_ascii_lowercase());
        if upper && !cur.is_empty() && (prev_lower || prev_upper && next_lower) {
            out.push(std::mem::take(&mut cur));
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        prev_upper = upper;
        cur.push(c.to_ascii_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// The singular noun a token names, if it is a data-bearing noun: the token itself,
/// or its singular (`-ies` → `-y`, `-ices` → `-ex`, `-es`, `-s`), tried in that order.
/// Compared in place: this runs for the tokens of every command's name.
pub fn noun(tok: &str) -> Option<&'static str> {
    let is = |stem: &str, tail: &str| {
        NOUNS
            .iter()
            .find(|n| {
                n.len() == stem.len() + tail.len() && n.starts_with(stem) && n.ends_with(tail)
            })
            .copied()
    };
    is(tok, "")
        .or_else(|| tok.strip_suffix("ies").and_then(|s| is(s, "y")))
        .or_else(|| tok.strip_suffix("ices").and_then(|s| is(s, "ex")))
        .or_else(|| tok.strip_suffix("es").and_then(|s| is(s, "")))
        .or_else(|| tok.strip_suffix('s').and_then(|s| is(s, "")))
}

/// Verbs that, in a method or class name of code, destroy what the name's noun is
/// (`delete_db_instance`, `DeleteBucketCommand`, `drop_database`). Narrower than
/// [`VERBS`]: `reset_password`, `clear_cache`, `revoke_token` are everyday calls.
const CODE_VERBS: &[&str] = &[
    "delete",
    "destroy",
    "remove",
    "purge",
    "drop",
    "terminate",
    "wipe",
    "erase",
    "truncate",
    "flush",
    "empty",
    "nuke",
];

/// Data-bearing nouns that are too common in code to mean a stored resource there
/// (`remove_item`, `delete_key`, `delete_record` are a program's own data).
const CODE_GENERIC: &[&str] = &[
    "item",
    "key",
    "record",
    "document",
    "data",
    "function",
    "issue",
    "variable",
    "parameter",
    "log",
    "app",
    "env",
    "image",
    "fs",
    "vol",
    "snap",
    "kv",
    "org",
    "account",
    "db",
    "d1",
    "s3",
    "r2",
    "storage",
    "share",
    "vault",
    "apikey",
];

/// A data-bearing noun as code names it: [`noun`] without the generic ones.
pub fn code_noun(tok: &str) -> Option<&'static str> {
    noun(tok).filter(|n| !CODE_GENERIC.contains(n))
}

/// Is this the name of a destructive verb in code (`delete`, `del`, `destroy`, …)?
pub fn code_verb(tok: &str) -> bool {
    tok == "del" || CODE_VERBS.contains(&tok)
}

/// A method or class name that names a destructive operation on a data-bearing
/// resource: its verb and noun (`delete_db_instance` → delete, instance;
/// `DeleteTableCommand` → delete, table). `None` for `list_buckets`, `delete_message`.
pub fn code_operation(name: &str) -> Option<(String, &'static str)> {
    let toks = tokens(name);
    let at = toks.iter().position(|t| code_verb(t))?;
    let noun = toks[at + 1..]
        .iter()
        .chain(toks[..at].iter())
        .find_map(|t| code_noun(t))?;
    Some((toks[at].clone(), noun))
}

#[cfg(test)]
mod tests {
    use super::{code_operation, noun, tokens};

    #[test]
    fn naming_styles() {
        assert_eq!(tokens("delete-db-instance"), ["delete", "db", "instance"]);
        assert_eq!(tokens("deleteBucket"), ["delete", "bucket"]);
        assert_eq!(tokens("db:drop"), ["db", "drop"]);
        assert_eq!(tokens("purge_queue"), ["purge", "queue"]);
        assert_eq!(
            tokens("DeleteDBInstanceCommand"),
            ["delete", "db", "instance", "command"]
        );
        assert_eq!(
            tokens("deleteDBClusterSnapshot"),
            ["delete", "db", "cluster", "snapshot"]
        );
        assert_eq!(tokens("HTTPServer"), ["http", "server"]);
        assert_eq!(tokens("S3"), ["s3"]);
        assert_eq!(noun("indices"), Some("index"));
        assert_eq!(noun("buckets"), Some("bucket"));
        assert_eq!(noun("databases"), Some("database"));
        assert_eq!(noun("pods"), None);
    }

    #[test]
    fn operations_in_code_names() {
        let op = |n: &str| code_operation(n).map(|(v, n)| format!("{v} {n}"));
        assert_eq!(op("delete_db_instance").as_deref(), Some("delete instance"));
        assert_eq!(op("DeleteTableCommand").as_deref(), Some("delete table"));
        assert_eq!(op("deleteBucket").as_deref(), Some("delete bucket"));
        assert_eq!(op("delete_namespace").as_deref(), Some("delete namespace"));
        assert_eq!(op("drop_database").as_deref(), Some("drop database"));
        assert_eq!(op("BucketDelete").as_deref(), Some("delete bucket"));
        for harmless in [
            "list_buckets",
            "describe_volumes",
            "delete_message",
            "delete_namespaced_pod",
            "remove_item",
            "delete_key",
            "reset_password",
            "create_bucket",
            "delete",
            "ListTablesCommand",
            "delete_record",
            "clear_cache",
        ] {
            assert_eq!(op(harmless), None, "{harmless}");
        }
    }
}
