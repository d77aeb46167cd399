//! Data stores whose clients take code or commands that are not SQL: the MongoDB
//! shell (JavaScript in `--eval`, script files, stdin) and redis-cli (a command in
//! the arguments or on stdin).

use super::opts::{self, Item, Spec};
use super::targets::redact;
use super::Hit;
use crate::model::invocation::{FileText, Invocation, Stdin, REDIS_KEYS};
use crate::model::paths::resolve;
use crate::model::Context;
use crate::specs::args::ArgView;
use crate::syntax::word::Part;
use std::path::Path;

/// Scripts above this size are not read (a confirm says so).
const MAX_SCRIPT_BYTES: u64 = 8 * 1024 * 1024;

const MONGO_SPEC: Spec = Spec {
    with_value: &[
        "--eval",
        "-f",
        "--file",
        "--host",
        "--port",
        "-u",
        "--username",
        "-p",
        "--password",
        "--authenticationDatabase",
        "--authenticationMechanism",
        "--apiVersion",
        "--tlsCAFile",
        "--tlsCertificateKeyFile",
        "--tlsCertificateKeyFilePassword",
        "--awsAccessKeyId",
        "--awsSecretAccessKey",
        "--awsSessionToken",
        "--gssapiServiceName",
        "--sspiHostnameCanonicalization",
        "--retryWrites",
    ],
    attached_only: &[],
    single_dash_long: false,
};

/// `mongo.destructive`: the MongoDB shell would drop a database or collection, or
/// delete every document of one.
pub fn mongo(inv: &Invocation, _view: &ArgView, ctx: &Context, _params: super::Params) -> Vec<Hit> {
    let items = opts::scan(&inv.args, &MONGO_SPEC);
    let mut scripts: Vec<String> = Vec::new();
    let mut unreadable: Vec<String> = Vec::new();
    let mut target = None;
    let mut has_code = false;
    for it in &items {
        match it {
            Item::Opt {
                name,
                value: Some(v),
            } if name == "--eval" => {
                has_code = true;
                scripts.push(opts::text_with(v, "x"));
            }
            Item::Opt {
                name,
                value: Some(v),
            } if name == "-f" || name == "--file" => {
                has_code = true;
                read_script(&v.text(), inv, ctx, &mut scripts, &mut unreadable);
            }
            Item::Operand(w) => {
                let t = w.text();
                if t.ends_with(".js") || t.ends_with(".mongodb") {
                    has_code = true;
                    read_script(&t, inv, ctx, &mut scripts, &mut unreadable);
                } else if target.is_none() {
                    target = Some(redact(&t));
                }
            }
            _ => {}
        }
    }
    if !has_code {
        match &inv.stdin {
            Stdin::Text { text, .. } => scripts.push(text.clone()),
            Stdin::File(p) if !inv.remote => {
                read_path(p, inv, &mut scripts, &mut unreadable);
            }
            _ => {}
        }
    }
    let on = target.map(|t| format!(" on {t}")).unwrap_or_default();
    let mut hits: Vec<Hit> = unreadable
        .into_iter()
        .map(|u| Hit {
            span: None,
            detail: Some(format!("{u}{on}")),
        })
        .collect();
    for s in &scripts {
        for what in mongo_calls(s) {
            hits.push(Hit {
                span: None,
                detail: Some(format!("{what}{on}")),
            });
        }
    }
    hits
}

fn read_script(
    t: &str,
    inv: &Invocation,
    ctx: &Context,
    scripts: &mut Vec<String>,
    unreadable: &mut Vec<String>,
) {
    if inv.remote {
        return;
    }
    if let Some(p) = resolve(t, inv.cwd.as_deref(), ctx.home.as_deref()) {
        read_path(&p, inv, scripts, unreadable);
    }
}

fn read_path(p: &Path, inv: &Invocation, scripts: &mut Vec<String>, unreadable: &mut Vec<String>) {
    match inv.file_text(p, MAX_SCRIPT_BYTES) {
        FileText::Text(text) => scripts.push(text),
        FileText::TooLarge(_) => {
            unreadable.push(format!("the script {} is too large to check", p.display()))
        }
        FileText::Missing => {}
    }
}

/// Destructive calls in mongo shell JavaScript: `dropDatabase()`, `coll.drop()`,
/// `deleteMany({})`, `remove({})`, `runCommand({drop: …})`.
pub fn mongo_calls(js: &str) -> Vec<String> {
    // Whitespace does not matter to these patterns; strings are rare enough here
    // that treating them as code errs on the side of stopping.
    let code: String = js.chars().filter(|c| !c.is_whitespace()).collect();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(p) = code[i..].find('.') {
        let at = i + p;
        let rest = &code[at + 1..];
        let call = [
            ("dropDatabase(", "drops the database"),
            ("drop(", "drops the collection"),
            ("deleteMany({})", "deletes every document"),
            ("deleteMany()", "deletes every document"),
            ("remove({})", "deletes every document"),
            ("remove()", "deletes every document"),
            ("remove({},", "deletes every document"),
            ("dropAllUsers(", "drops every user"),
            ("updateMany({},", "updates every document"),
            ("updateMany({}),", "updates every document"),
        ]
        .iter()
        .find(|(pat, _)| rest.starts_with(pat));
        if let Some((pat, what)) = call {
            let receiver = receiver(&code[..at]);
            let name = pat.split('(').next().unwrap_or(pat);
            out.push(format!("{receiver}.{name}() {what}"));
        }
        i = at + 1;
    }
    // bulkWrite([{deleteMany: {filter: {}}}]): the operation is a key, not a call.
    for key in [
        "deleteMany:{filter:{}",
        "\"deleteMany\":{\"filter\":{}",
        "'deleteMany':{'filter':{}",
        "deleteMany:{\"filter\":{}",
        "updateMany:{filter:{}",
        "\"updateMany\":{\"filter\":{}",
    ] {
        if code.contains(key) {
            out.push("bulkWrite with a filter that matches every document".to_string());
            break;
        }
    }
    for key in ["{drop:", "{dropDatabase:", "{\"drop\":", "{'drop':"] {
        if code.contains(&format!("runCommand({key}")) {
            out.push("runCommand drops a collection or database".to_string());
        }
    }
    out
}

/// The expression a method is called on: `db.users`, `db.getCollection('x')`.
fn receiver(before: &str) -> &str {
    let start = before
        .char_indices()
        .rev()
        .take(80)
        .take_while(|(_, c)| c.is_alphanumeric() || "._$()'\"-[]".contains(*c))
        .last()
        .map(|(i, _)| i)
        .unwrap_or(before.len());
    &before[start..]
}

const REDIS_SPEC: Spec = Spec {
    with_value: &[
        "-h",
        "-p",
        "-s",
        "-a",
        "-u",
        "-n",
        "-r",
        "-i",
        "-d",
        "-D",
        "-t",
        "--user",
        "--pass",
        "--cacert",
        "--cacertdir",
        "--cert",
        "--key",
        "--sni",
        "--tls-ciphers",
        "--tls-ciphersuites",
        "--pattern",
        "--count",
        "--quoted-pattern",
        "--eval",
        "--pipe-timeout",
        "--rdb",
        "--functions-rdb",
        "--memkeys-samples",
        "--keystats-samples",
        "--cursor",
        "--top",
        "--intrinsic-latency",
    ],
    attached_only: &[],
    single_dash_long: false,
};

const FLUSHES: &[&str] = &["flushall", "flushdb"];

/// What a Lua script sent with EVAL empties: `redis.call('FLUSHALL')`, or every key
/// a pattern matches deleted in a loop (`KEYS` with `DEL`/`UNLINK`).
fn lua_flush(script: &str) -> Vec<String> {
    let s = script.to_ascii_lowercase();
    let called = |name: &str| {
        ["'", "\""]
            .iter()
            .any(|q| s.contains(&format!("{q}{name}{q}")))
    };
    let mut out = Vec::new();
    for f in FLUSHES {
        if called(f) {
            out.push(format!(
                "EVAL of a script that calls {}",
                f.to_ascii_uppercase()
            ));
        }
    }
    if called("keys") && (called("del") || called("unlink")) {
        out.push("EVAL of a script that deletes every key a pattern matches".to_string());
    }
    out
}

/// `redis.flush`: redis-cli would send FLUSHALL or FLUSHDB (in any case, as an
/// argument anywhere or as a command on stdin).
pub fn redis(inv: &Invocation, _view: &ArgView, ctx: &Context, _params: super::Params) -> Vec<Hit> {
    let items = opts::scan(&inv.args, &REDIS_SPEC);
    let host = opts::values(&items, &["-h", "-u"]).last().map(|w| w.text());
    let db = opts::values(&items, &["-n"]).last().map(|w| w.text());
    // The command is the first operand, or the one after `--cluster call HOST`.
    let operands: Vec<String> = opts::operands(&items).map(|w| w.text()).collect();
    let command = match operands.first().map(|t| t.to_ascii_lowercase()) {
        Some(c) if c == "call" && items.iter().any(|i| i.is(&["--cluster"])) => operands.get(2),
        _ => operands.first(),
    };
    let mut found: Vec<String> = command
        .filter(|t| FLUSHES.contains(&t.to_ascii_lowercase().as_str()))
        .cloned()
        .into_iter()
        .collect();
    // DEL/UNLINK fed the keys a listing printed (`redis-cli KEYS 'x*' | xargs redis-cli DEL`).
    if command.is_some_and(|c| matches!(c.to_ascii_lowercase().as_str(), "del" | "unlink")) {
        let listed = opts::operands(&items).skip(1).find_map(|w| {
            w.parts.iter().find_map(|p| match p {
                Part::Unknown { name, .. } => name.strip_prefix(REDIS_KEYS),
                Part::Lit(_) => None,
            })
        });
        if let Some(pattern) = listed {
            found.push(format!(
                "{} of every key matching {pattern}",
                command.map(|c| c.to_ascii_uppercase()).unwrap_or_default()
            ));
        }
    }
    // EVAL / EVAL_RO SCRIPT …: the Lua script's own calls.
    if command.is_some_and(|c| matches!(c.to_ascii_lowercase().as_str(), "eval" | "eval_ro")) {
        if let Some(script) = operands.iter().skip_while(|o| Some(*o) != command).nth(1) {
            found.extend(lua_flush(script));
        }
    }
    for w in opts::values(&items, &["--eval"]) {
        if let Some(p) = w
            .lit()
            .and_then(|t| crate::model::paths::resolve(&t, inv.cwd.as_deref(), ctx.home.as_deref()))
        {
            if let FileText::Text(script) = inv.file_text(&p, MAX_SCRIPT_BYTES) {
                found.extend(lua_flush(&script));
            }
        }
    }
    let text = match &inv.stdin {
        Stdin::Text { text, .. } => Some(text.clone()),
        Stdin::File(p) if !inv.remote => match inv.file_text(p, MAX_SCRIPT_BYTES) {
            FileText::Text(text) => Some(text),
            _ => None,
        },
        _ => None,
    };
    if let Some(text) = text {
        for line in text.lines() {
            if let Some(first) = line.split_whitespace().next() {
                if FLUSHES.contains(&first.to_ascii_lowercase().as_str()) {
                    found.push(first.to_string());
                }
            }
        }
    }
    found
        .into_iter()
        .map(|cmd| {
            // A command name is shown as redis writes it; a description as it is.
            let mut d = if cmd.contains(' ') {
                cmd
            } else {
                cmd.to_ascii_uppercase()
            };
            if let Some(n) = &db {
                d.push_str(&format!(" of database {n}"));
            }
            if let Some(h) = &host {
                d.push_str(&format!(" on {}", redact(h)));
            }
            Hit {
                span: None,
                detail: Some(d),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::mongo_calls;

    #[test]
    fn mongo_patterns() {
        assert_eq!(mongo_calls("db.dropDatabase()").len(), 1);
        assert_eq!(
            mongo_calls("db.users.drop()")[0],
            "db.users.drop() drops the collection"
        );
        assert_eq!(mongo_calls("db.users.deleteMany( { } )").len(), 1);
        assert_eq!(mongo_calls("db.users.remove({})").len(), 1);
        assert!(mongo_calls("db.users.deleteMany({ age: { $lt: 3 } })").is_empty());
        assert!(mongo_calls("db.users.find({}).count()").is_empty());
        assert!(mongo_calls("db.users.remove({ _id: 1 })").is_empty());
        assert_eq!(mongo_calls("db.runCommand({ drop: 'users' })").len(), 1);
    }
}
