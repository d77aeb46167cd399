//! GraphQL request bodies: a mutation whose selected top-level fields delete
//! (`volumeDelete`, `deleteRepository`, `delete_users_by_pk`). The method of GraphQL
//! is always POST; only the body says what it does (the PocketOS incident).
//!
//! Bodies come as JSON (`{"query": …, "variables": …}`, or a batch array of those),
//! form-encoded (`query=…`) or raw GraphQL; documents are parsed with graphql-parser.

use graphql_parser::query::{
    parse_query, Definition, Document, OperationDefinition, Selection, SelectionSet, Value,
};
use serde_json::Value as Json;
use std::collections::HashSet;

/// Documents above this size are not parsed; a scan of their names decides.
const MAX_PARSE_BYTES: usize = 1024 * 1024;
/// Deeper nesting than this is not handed to the (recursive) parser.
const MAX_DEPTH: usize = 64;

/// Words that make a mutation field destructive.
const VERBS: &[&str] = &[
    "delete",
    "destroy",
    "drop",
    "remove",
    "purge",
    "wipe",
    "reset",
    "terminate",
    "truncate",
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// A destructive mutation field: `volumeDelete(volumeId: "…")`.
    Mutation(String),
    /// A body that could not be parsed but names a mutation and a destructive field.
    Unparsed(String),
}

/// Is this field name destructive? The verb is a camelCase, snake_case or kebab
/// part of it (`volumeDelete`, `deleteRepository`, `delete_users_by_pk`), or the
/// prefix or suffix of a name written without separators (`purgecache`).
pub fn destructive_name(name: &str) -> bool {
    let words = words(name);
    match words.as_slice() {
        // One run of letters (`purgecache`): the verb can only be its prefix or suffix.
        [one] => VERBS.iter().any(|v| one.starts_with(v) || one.ends_with(v)),
        _ => words.iter().any(|w| VERBS.contains(&w.as_str())),
    }
}

/// Split an identifier into lowercase words at `_`, `-`, digits and case changes
/// (`HTTPVolumeDelete` → http, volume, delete).
fn words(name: &str) -> Vec<String> {
    let chars: Vec<char> = name.chars().collect();
    let mut out = Vec::new();
    let mut cur = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphabetic() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            continue;
        }
        let prev = i.checked_sub(1).map(|j| chars[j]);
        let next = chars.get(i + 1).copied();
        let boundary = c.is_ascii_uppercase()
            && (prev.is_some_and(|p| p.is_ascii_lowercase())
                || (prev.is_some_and(|p| p.is_ascii_uppercase())
                    && next.is_some_and(|n| n.is_ascii_lowercase())));
        if boundary && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        cur.push(c.to_ascii_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Analyse one HTTP request body, in whatever form it takes.
pub fn body(text: &str) -> Vec<Found> {
    let t = text.trim_start();
    if t.starts_with('{') || t.starts_with('[') {
        if let Ok(json) = serde_json::from_str::<Json>(t) {
            return json_body(&json);
        }
    }
    if let Some(q) = form_field(t, "query") {
        let vars = form_field(t, "variables").and_then(|v| serde_json::from_str(&v).ok());
        return document(&q, vars.as_ref());
    }
    let first = t
        .split(|c: char| !c.is_ascii_alphanumeric())
        .next()
        .unwrap_or("");
    if t.starts_with('{') || matches!(first, "mutation" | "query" | "subscription" | "fragment") {
        return document(t, None);
    }
    Vec::new()
}

/// A JSON body: `{"query": "…", "variables": {…}}` or a batch of them. A JSON body
/// that is not GraphQL (no string `query`) says nothing here.
pub fn json_body(json: &Json) -> Vec<Found> {
    match json {
        Json::Array(items) => items.iter().take(1000).flat_map(json_body).collect(),
        Json::Object(map) => match map.get("query") {
            Some(Json::String(q)) => document(q, map.get("variables")),
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}

/// The decoded value of `name=` in a form-encoded body (`query=mutation…&x=1`).
fn form_field(body: &str, name: &str) -> Option<String> {
    body.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == name).then(|| percent_decode(v))
    })
}

pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                match u8::from_str_radix(s.get(i + 1..i + 3).unwrap_or("zz"), 16) {
                    Ok(v) => {
                        out.push(v);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Analyse a GraphQL document; `variables` name what `$id` stands for.
pub fn document(text: &str, variables: Option<&Json>) -> Vec<Found> {
    if text.len() > MAX_PARSE_BYTES {
        return scan(text, "is too large to parse");
    }
    if nesting(text) > MAX_DEPTH {
        return scan(text, "is nested too deeply to parse");
    }
    match parse_query::<&str>(text) {
        Ok(doc) => mutations(&doc, variables),
        Err(_) => scan(text, "could not be parsed"),
    }
}

/// The deepest nesting of brackets, outside strings.
fn nesting(text: &str) -> usize {
    let (mut depth, mut max) = (0usize, 0usize);
    let mut in_string = false;
    let mut escaped = false;
    for c in text.chars() {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '{' | '(' | '[' => {
                depth += 1;
                max = max.max(depth);
            }
            '}' | ')' | ']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

/// Text that could not be parsed: a stop only if it says `mutation` and names a
/// destructive field.
fn scan(text: &str, why: &str) -> Vec<Found> {
    let mut names = text
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty());
    if !text.contains("mutation") {
        return Vec::new();
    }
    match names.find(|w| *w != "mutation" && destructive_name(w)) {
        Some(name) => vec![Found::Unparsed(format!(
            "a GraphQL mutation that {why} names {name}"
        ))],
        None => Vec::new(),
    }
}

fn mutations<'a>(doc: &'a Document<'a, &'a str>, variables: Option<&Json>) -> Vec<Found> {
    let fragments: Vec<(&str, &SelectionSet<&str>)> = doc
        .definitions
        .iter()
        .filter_map(|d| match d {
            Definition::Fragment(f) => Some((f.name, &f.selection_set)),
            _ => None,
        })
        .collect();
    let mut out = Vec::new();
    for d in &doc.definitions {
        if let Definition::Operation(OperationDefinition::Mutation(m)) = d {
            let mut seen = HashSet::new();
            top_fields(&m.selection_set, &fragments, &mut seen, variables, &mut out);
        }
    }
    out
}

/// The top-level fields of a mutation, through fragments and inline fragments.
fn top_fields<'a>(
    set: &'a SelectionSet<'a, &'a str>,
    fragments: &[(&'a str, &'a SelectionSet<'a, &'a str>)],
    seen: &mut HashSet<&'a str>,
    variables: Option<&Json>,
    out: &mut Vec<Found>,
) {
    for item in &set.items {
        match item {
            Selection::Field(f) => {
                if destructive_name(f.name) {
                    let args: Vec<String> = f
                        .arguments
                        .iter()
                        .map(|(k, v)| format!("{k}: {}", show(v, variables, 0)))
                        .collect();
                    out.push(Found::Mutation(short(format!(
                        "{}({})",
                        f.name,
                        args.join(", ")
                    ))));
                }
            }
            Selection::InlineFragment(i) => {
                top_fields(&i.selection_set, fragments, seen, variables, out)
            }
            Selection::FragmentSpread(s) => {
                if seen.insert(s.fragment_name) {
                    if let Some((_, set)) = fragments.iter().find(|(n, _)| *n == s.fragment_name) {
                        top_fields(set, fragments, seen, variables, out);
                    }
                }
            }
        }
    }
}

/// An argument value for a message, with variables replaced by their values.
fn show<'a>(v: &Value<'a, &'a str>, variables: Option<&Json>, depth: usize) -> String {
    if depth > 4 {
        return "…".into();
    }
    match v {
        Value::Variable(name) => match variables.and_then(|vars| vars.get(*name)) {
            Some(Json::String(s)) => format!("{s:?}"),
            Some(other) => short(other.to_string()),
            None => format!("${name}"),
        },
        Value::String(s) => format!("{s:?}"),
        Value::Int(n) => n.as_i64().map(|i| i.to_string()).unwrap_or_default(),
        Value::Float(f) => f.to_string(),
        Value::Boolean(b) => b.to_string(),
        Value::Null => "null".into(),
        Value::Enum(e) => e.to_string(),
        Value::List(items) => {
            let parts: Vec<String> = items
                .iter()
                .take(5)
                .map(|i| show(i, variables, depth + 1))
                .collect();
            format!("[{}]", parts.join(", "))
        }
        Value::Object(map) => {
            let parts: Vec<String> = map
                .iter()
                .take(5)
                .map(|(k, v)| format!("{k}: {}", show(v, variables, depth + 1)))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
    }
}

fn short(s: String) -> String {
    const MAX: usize = 160;
    if s.len() <= MAX {
        return s;
    }
    let mut cut = MAX;
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}…", &s[..cut])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn naming_styles() {
        for n in [
            "volumeDelete",
            "deleteRepository",
            "delete_users_by_pk",
            "projectScheduleDeleteForce",
            "PurgeCache",
            "wipeall",
            "resetDatabase",
            "terminate-instance",
            "truncateTable",
            "dropCollection",
            "removeMember",
        ] {
            assert!(destructive_name(n), "{n}");
        }
        for n in [
            "volumeCreate",
            "updateUser",
            "projectUpdate",
            "insert_users",
            "me",
            "undeleteProject",
            "dropletsList",
        ] {
            assert!(!destructive_name(n), "{n}");
        }
    }

    #[test]
    fn pocketos_body() {
        let b = r#"{"query":"mutation { volumeDelete(volumeId: \"3d2c\") }"}"#;
        assert_eq!(
            body(b),
            [Found::Mutation("volumeDelete(volumeId: \"3d2c\")".into())]
        );
        let b = r#"{"query":"mutation D($id: String!) { volumeDelete(volumeId: $id) }","variables":{"id":"vol-9"}}"#;
        assert_eq!(
            body(b),
            [Found::Mutation("volumeDelete(volumeId: \"vol-9\")".into())]
        );
    }

    #[test]
    fn queries_and_harmless_mutations_pass() {
        assert!(body(r#"{"query":"query { volumes { id deleteAt } }"}"#).is_empty());
        assert!(body(r#"{"query":"mutation { volumeCreate(input: {}) { id } }"}"#).is_empty());
        assert!(body("{ me { id } }").is_empty());
        assert!(body(r#"{"name":"delete me"}"#).is_empty());
    }

    #[test]
    fn fragments_aliases_batches_and_forms() {
        let doc = "mutation { ...F } fragment F on Mutation { x: projectDelete(id: 1) }";
        assert_eq!(body(doc).len(), 1);
        let batch = r#"[{"query":"query { me { id } }"},{"query":"mutation { serviceDelete(id: \"s\") }"}]"#;
        assert_eq!(body(batch).len(), 1);
        assert_eq!(
            body("query=mutation+%7B+deleteRepository%28input%3A%7B%7D%29+%7B+clientMutationId+%7D+%7D")
                .len(),
            1
        );
    }

    #[test]
    fn garbage_and_deep_bodies() {
        assert!(body("mutation { volumeDelete(")
            .iter()
            .all(|f| matches!(f, Found::Unparsed(_))));
        assert_eq!(body("mutation { volumeDelete(").len(), 1);
        assert!(body("{{{{{{{{").is_empty());
        let deep = format!(
            "mutation {}volumeDelete{}",
            "{".repeat(5000),
            "}".repeat(5000)
        );
        assert_eq!(body(&deep).len(), 1);
        assert!(body(&"[".repeat(100_000)).is_empty());
    }
}
