//! The small evaluator the language readers share: what an expression is worth when
//! it can be known before the code runs (string literals, concatenation, joins, the
//! home directory, `os.path.join`), and the names of modules and functions a value
//! stands for, so that `getattr(shutil, "rmt" + "ree")` is `shutil.rmtree`.

use std::collections::HashMap;

/// The home directory, as the shell writes it: the path rules resolve it.
pub const HOME: &str = "~";

/// What an expression is worth before the code runs.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    /// A string known in full (also a path, a number written as text).
    Str(String),
    /// A number.
    Num(i64),
    Bool(bool),
    /// `None`, `null`, `nil`.
    Nil,
    List(Vec<Val>),
    /// A mapping with string keys (`{"query": …}`, `{recursive: true}`).
    Dict(Vec<(String, Val)>),
    /// A module, function or object known by its qualified name: `shutil`,
    /// `shutil.rmtree`, `psycopg2.connect()` (what a call of it returned).
    Name(String),
    /// The files a glob pattern matches when the code runs (`glob.glob("*.log")`).
    Glob(String),
    /// Each of these in turn: a loop variable over a known list.
    Each(Vec<Val>),
    /// Only known when the code runs.
    Unknown,
}

impl Val {
    pub fn str(&self) -> Option<&str> {
        match self {
            Val::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn name(&self) -> Option<&str> {
        match self {
            Val::Name(s) => Some(s),
            _ => None,
        }
    }

    /// The value as text when it is one: strings, and numbers (`"rm -rf /" + 1` is an
    /// error in most languages, but `"x" . 1` is not).
    pub fn text(&self) -> Option<String> {
        match self {
            Val::Str(s) => Some(s.clone()),
            Val::Num(n) => Some(n.to_string()),
            _ => None,
        }
    }

    /// `a + b` (or `.` in PHP and Perl): strings join, numbers add, lists append.
    pub fn concat(a: Val, b: Val) -> Val {
        match (a, b) {
            // A loop variable: each of its values in turn (two loops' product is
            // not worth its size).
            (Val::Each(_), Val::Each(_)) => Val::Unknown,
            (Val::Each(items), b) => Val::Each(
                items
                    .into_iter()
                    .map(|a| Val::concat(a, b.clone()))
                    .collect(),
            ),
            (a, Val::Each(items)) => Val::Each(
                items
                    .into_iter()
                    .map(|b| Val::concat(a.clone(), b))
                    .collect(),
            ),
            (Val::Num(x), Val::Num(y)) => x.checked_add(y).map_or(Val::Unknown, Val::Num),
            (Val::List(mut x), Val::List(y)) => {
                x.extend(y);
                Val::List(x)
            }
            (a, b) => match (a.text(), b.text()) {
                (Some(x), Some(y)) => Val::Str(x + &y),
                _ => Val::Unknown,
            },
        }
    }

    /// An entry of a mapping by key.
    pub fn get(&self, key: &str) -> Option<&Val> {
        match self {
            Val::Dict(items) => items.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The value as a JSON document (request bodies): unknown parts are `null`.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            Val::Str(s) => J::String(s.clone()),
            Val::Num(n) => J::from(*n),
            Val::Bool(b) => J::Bool(*b),
            Val::List(items) => J::Array(items.iter().map(Val::to_json).collect()),
            Val::Dict(items) => J::Object(
                items
                    .iter()
                    .map(|(k, v)| (k.clone(), v.to_json()))
                    .collect(),
            ),
            Val::Nil | Val::Name(_) | Val::Glob(_) | Val::Each(_) | Val::Unknown => J::Null,
        }
    }

    pub fn truthy(&self) -> bool {
        match self {
            Val::Bool(b) => *b,
            Val::Num(n) => *n != 0,
            Val::Str(s) => !s.is_empty(),
            Val::List(l) => !l.is_empty(),
            Val::Dict(d) => !d.is_empty(),
            Val::Name(_) | Val::Glob(_) | Val::Each(_) => true,
            Val::Nil | Val::Unknown => false,
        }
    }
}

/// `os.path.join`, `path.join`, `File.join`, Path's `/`: a later absolute part starts
/// over; the parts must all be known.
pub fn join_paths(parts: &[Val]) -> Val {
    let mut out = String::new();
    let mut glob = false;
    for p in parts {
        // A glob's files joined on (`os.path.join(d, f)` over `os.listdir(d)`).
        let t = match p {
            Val::Glob(g) => {
                glob = true;
                g.clone()
            }
            _ => match p.text() {
                Some(t) => t,
                None => return Val::Unknown,
            },
        };
        if t.starts_with('/') || out.is_empty() {
            out = t;
        } else if !t.is_empty() {
            if !out.ends_with('/') {
                out.push('/');
            }
            out.push_str(&t);
        }
    }
    if glob {
        Val::Glob(out)
    } else {
        Val::Str(out)
    }
}

/// `os.path.expanduser`, `File.expand_path`: a leading `~` is the home directory,
/// which stays written as `~` for the path rules to resolve.
pub fn expand_user(v: &Val) -> Val {
    match v {
        Val::Str(s) => Val::Str(s.clone()),
        _ => Val::Unknown,
    }
}

/// An environment variable read by the code: the home directory is known, the rest
/// only when the code runs.
pub fn env_var(name: &Val) -> Val {
    match name.str() {
        Some("HOME" | "USERPROFILE") => Val::Str(HOME.into()),
        _ => Val::Unknown,
    }
}

/// `sep.join(items)`: every item must be known.
pub fn join_with(sep: &str, items: &Val) -> Val {
    let Val::List(items) = items else {
        return Val::Unknown;
    };
    let mut parts = Vec::with_capacity(items.len());
    for i in items {
        match i.text() {
            Some(t) => parts.push(t),
            None => return Val::Unknown,
        }
    }
    Val::Str(parts.join(sep))
}

/// `"…{}…{0}…{name}".format(…)`: plain replacement fields only.
pub fn format_braces(template: &str, args: &[Val], kwargs: &[(String, Val)]) -> Val {
    let mut out = String::new();
    let mut next = 0;
    let mut rest = template;
    while let Some(open) = rest.find(['{', '}']) {
        out.push_str(&rest[..open]);
        let after = &rest[open..];
        if after.starts_with("{{") || after.starts_with("}}") {
            out.push_str(&after[..1]);
            rest = &after[2..];
            continue;
        }
        if after.starts_with('}') {
            return Val::Unknown;
        }
        let Some(close) = after.find('}') else {
            return Val::Unknown;
        };
        let field = &after[1..close];
        let v = if field.is_empty() {
            next += 1;
            args.get(next - 1)
        } else if let Ok(i) = field.parse::<usize>() {
            args.get(i)
        } else {
            kwargs.iter().find(|(k, _)| k == field).map(|(_, v)| v)
        };
        match v.and_then(Val::text) {
            Some(t) => out.push_str(&t),
            None => return Val::Unknown,
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    Val::Str(out)
}

/// `"…%s…" % args`: `%s`, `%d`, `%r` and `%%` only.
pub fn format_percent(template: &str, args: &Val) -> Val {
    let list: Vec<Val> = match args {
        Val::List(l) => l.clone(),
        v => vec![v.clone()],
    };
    let mut out = String::new();
    let mut it = list.iter();
    let mut chars = template.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('%') => out.push('%'),
            Some('s' | 'd' | 'r' | 'i') => match it.next().and_then(Val::text) {
                Some(t) => out.push_str(&t),
                None => return Val::Unknown,
            },
            _ => return Val::Unknown,
        }
    }
    Val::Str(out)
}

/// Standard base64 (`b64decode`, `atob`, `Buffer.from(s, "base64")`), for code that
/// hides what it runs: invalid input is unknown.
pub fn base64_decode(s: &str) -> Val {
    let mut bits: u32 = 0;
    let mut n = 0;
    let mut out = Vec::new();
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' | b'\n' | b'\r' | b' ' => continue,
            _ => return Val::Unknown,
        };
        bits = (bits << 6) | u32::from(v);
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
        }
    }
    match String::from_utf8(out) {
        Ok(t) => Val::Str(t),
        Err(_) => Val::Unknown,
    }
}

/// Variables of the code: a name assigned exactly once keeps its value; a name
/// assigned more than once (in a loop, in two branches, augmented) is unknown, since
/// which value a call sees depends on the run.
#[derive(Default)]
pub struct Vars {
    counts: HashMap<String, u32>,
    values: HashMap<String, Val>,
}

impl Vars {
    /// First pass: one more assignment of `name` somewhere in the code.
    pub fn count(&mut self, name: &str) {
        *self.counts.entry(name.to_string()).or_insert(0) += 1;
    }

    /// Second pass: the assignment of `name` is reached with this value.
    pub fn set(&mut self, name: &str, v: Val) {
        let once = self.counts.get(name).is_none_or(|c| *c <= 1);
        self.values
            .insert(name.to_string(), if once { v } else { Val::Unknown });
    }

    /// A loop variable: the values it takes (a glob's files, a list's items), when the
    /// loop is the only thing that binds it.
    pub fn set_loop(&mut self, name: &str, over: Val) {
        let v = match over {
            Val::Glob(_) if self.counts.get(name) == Some(&2) => over,
            Val::List(items) if self.counts.get(name) == Some(&2) && items.len() <= 64 => {
                Val::Each(items)
            }
            // Each key a Redis listing returns (`for k in r.scan_iter('x*')`).
            Val::Name(ref n) if self.counts.get(name) == Some(&2) && key_listing(n) => over,
            _ => Val::Unknown,
        };
        self.values.insert(name.to_string(), v);
    }

    /// The name was assigned (known or unknown value), or `None` when the code never
    /// assigns it (a builtin, an import, a global of the runtime).
    pub fn get(&self, name: &str) -> Option<&Val> {
        self.values.get(name)
    }

    pub fn assigned(&self, name: &str) -> bool {
        self.counts.contains_key(name)
    }
}

/// What a Redis client's key listing returns: `r.keys('*')`, `r.scan_iter(…)`,
/// `client.scanIterator()` (a name as the evaluator keeps it, `….keys()`).
pub fn key_listing(name: &str) -> bool {
    let n = name.trim_end_matches("()");
    [
        "keys",
        "scan_iter",
        "scanIterator",
        "scanStream",
        "scan_each",
    ]
    .iter()
    .any(|m| n.strip_suffix(m).is_some_and(|r| r.ends_with('.')))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding() {
        assert_eq!(
            join_paths(&[Val::Str("~".into()), Val::Str("x".into())]),
            Val::Str("~/x".into())
        );
        assert_eq!(
            join_paths(&[Val::Str("a".into()), Val::Str("/etc".into())]),
            Val::Str("/etc".into())
        );
        assert_eq!(
            format_braces(
                "rm -rf {}/{x}",
                &[Val::Str("~".into())],
                &[("x".into(), Val::Str("y".into()))]
            ),
            Val::Str("rm -rf ~/y".into())
        );
        assert_eq!(
            format_percent("rm -rf %s", &Val::Str("/".into())),
            Val::Str("rm -rf /".into())
        );
        assert_eq!(base64_decode("cm0gLXJmIH4="), Val::Str("rm -rf ~".into()));
        assert_eq!(
            Val::concat(Val::Str("rmt".into()), Val::Str("ree".into())),
            Val::Str("rmtree".into())
        );
    }
}
