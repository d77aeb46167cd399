//! The hand readers, for languages without a grammar here (Perl, awk, Lua, R,
//! AppleScript): known call names are found in the text and their first argument
//! read when it is a literal. A call whose argument is computed at run time is
//! `Dynamic`. awk, whose output redirections and pipes are read from its `print`
//! statements, is in `awk.rs` and uses the call scanner and string readers here.

use super::effects::{shell_join, Out};
use super::eval;
use super::{Extracted, Lang};
use std::collections::HashMap;

/// (call text, what it does). `Run` takes a shell string or an argv list.
#[derive(Clone, Copy)]
enum Kind {
    Run,
    Delete { recursive: bool },
    Eval,
}

fn calls(lang: Lang) -> &'static [(&'static str, Kind)] {
    use Kind::*;
    match lang {
        Lang::Perl => &[
            ("system", Run),
            ("exec", Run),
            ("qx", Run),
            ("rmtree", Delete { recursive: true }),
            ("remove_tree", Delete { recursive: true }),
            ("unlink", Delete { recursive: false }),
            ("rmdir", Delete { recursive: false }),
            ("eval", Eval),
        ],
        Lang::Lua => &[
            ("os.execute", Run),
            ("io.popen", Run),
            ("os.remove", Delete { recursive: false }),
        ],
        Lang::R => &[
            ("system", Run),
            ("system2", Run),
            ("unlink", Delete { recursive: true }),
        ],
        Lang::AppleScript => &[("do shell script", Run)],
        Lang::Awk => &[("system", Run)],
        _ => &[],
    }
}

/// HTTP requests in code that uses an HTTP client, as the `curl` command that sends the
/// same, so that the HTTP rules judge them: a DELETE (`requests.delete(url)`,
/// `fetch(url, {method: "DELETE"})`), or a body holding a GraphQL mutation. The URL is
/// the code's first `http(s)://` literal, or unknown.
fn http_requests(code: &str) -> Vec<Extracted> {
    const CLIENTS: &[&str] = &[
        "requests",
        "httpx",
        "urllib",
        "aiohttp",
        "fetch(",
        "axios",
        "http.request",
        "https.request",
        "Net::HTTP",
        "HTTParty",
        "RestClient",
        "Faraday",
        "LWP",
        "HTTP::Request",
        "HTTP::Tiny",
        "curl_",
    ];
    if !CLIENTS.iter().any(|c| code.contains(c)) {
        return Vec::new();
    }
    let literals = string_literals(code);
    let url = literals
        .iter()
        .find(|s| s.starts_with("http://") || s.starts_with("https://"))
        .map(|u| shell_words::quote(u).into_owned())
        .unwrap_or_else(|| "\"$URL\"".to_string());
    let mut out = Vec::new();
    let delete_call = [".delete(", "::Delete", "DELETE =>", "->delete("]
        .iter()
        .any(|p| code.contains(p));
    if delete_call || literals.iter().any(|s| s.eq_ignore_ascii_case("delete")) {
        out.push(Extracted::Shell(format!("curl -X DELETE {url}")));
    }
    for body in literals.iter().filter(|s| {
        s.split(|c: char| !c.is_ascii_alphanumeric())
            .any(|w| w == "mutation")
    }) {
        let body = shell_words::quote(body);
        out.push(Extracted::Shell(format!("curl {url} -d {body}")));
    }
    out
}

/// The contents of the quoted strings in code (`'…'`, `"…"`, `` `…` ``), with
/// backslash escapes undone.
fn string_literals(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = code.chars();
    while let Some(c) = chars.next() {
        if !matches!(c, '\'' | '"' | '`') {
            continue;
        }
        let mut lit = String::new();
        while let Some(d) = chars.next() {
            match d {
                '\\' => lit.extend(chars.next()),
                d if d == c => break,
                d => lit.push(d),
            }
        }
        out.push(lit);
        if out.len() >= 256 {
            break;
        }
    }
    out
}

pub(super) fn boundary_before(code: &str, at: usize, name: &str) -> bool {
    if at == 0 {
        return true;
    }
    let prev = code[..at].chars().next_back().unwrap_or(' ');
    if name.contains('.') {
        !(prev.is_alphanumeric() || prev == '_')
    } else {
        !(prev.is_alphanumeric() || prev == '_')
            && (prev != '.' || name.chars().next().is_some_and(|c| c.is_lowercase()))
    }
}

pub(super) fn boundary_after(code: &str, end: usize) -> bool {
    code[end..]
        .chars()
        .next()
        .is_none_or(|c| !(c.is_alphanumeric() || c == '_'))
}

enum Arg {
    Str(String),
    List(Vec<String>),
    /// Several arguments, some computed (`system("rm", "-rf", $_)`): `None` for those.
    Args(Vec<Option<String>>),
    Computed,
    None,
}

/// Parse the first argument after a call name: `("…")`, `"…"`, `(["a", "b"])`, `{…}`.
fn first_argument(rest: &str, lang: Lang) -> Arg {
    let s = rest.trim_start();
    let s = match s.strip_prefix('(') {
        Some(x) => x.trim_start(),
        None => {
            // Perl/Ruby/awk calls without parentheses; qx{…} / %x(…).
            if let Some(open) = s.chars().next() {
                if matches!(open, '{' | '[' | '(' | '|' | '/')
                    && matches!(lang, Lang::Perl | Lang::Ruby)
                {
                    let close = match open {
                        '{' => '}',
                        '[' => ']',
                        '(' => ')',
                        c => c,
                    };
                    if let Some(end) = s[1..].find(close) {
                        let body = &s[1..1 + end];
                        return if body.contains('$') || body.contains("#{") {
                            Arg::Computed
                        } else {
                            Arg::Str(body.to_string())
                        };
                    }
                }
            }
            if !(s.starts_with('"') || s.starts_with('\'') || s.starts_with('[')) {
                return if s.is_empty()
                    || s.starts_with(|c: char| {
                        c == ';' || c == ')' || c == ',' || c == '=' || c == '.'
                    }) {
                    Arg::None
                } else {
                    Arg::Computed
                };
            }
            s
        }
    };
    // Keyword arguments such as `args=` are skipped by looking at the first value.
    let s = s.strip_prefix("args=").unwrap_or(s).trim_start();
    if let Some(inner) = s.strip_prefix('[') {
        let mut items = Vec::new();
        let mut t = inner.trim_start();
        loop {
            if t.starts_with(']') {
                return Arg::List(items);
            }
            match string_literal(t, lang) {
                Some((v, used)) => {
                    items.push(v);
                    t = t[used..].trim_start();
                    t = t.strip_prefix(',').unwrap_or(t).trim_start();
                }
                None => return Arg::Computed,
            }
            if items.len() > 256 {
                return Arg::Computed;
            }
        }
    }
    match string_literal(s, lang) {
        Some((v, used)) => {
            // String concatenation or formatting makes it computed.
            let after = s[used..].trim_start();
            if after.starts_with('+')
                || after.starts_with('%')
                || after.starts_with('.') && lang != Lang::Python
                || after.starts_with("..")
            {
                Arg::Computed
            } else if after.starts_with(',') && matches!(lang, Lang::Perl | Lang::Ruby | Lang::Php)
            {
                more_arguments(v, after, lang)
            } else {
                Arg::Str(v)
            }
        }
        None => {
            if s.starts_with(')') {
                Arg::None
            } else {
                Arg::Computed
            }
        }
    }
}

/// The arguments after the first (`system("rm", "-rf", $dir)`): literals kept, anything
/// else unknown, up to the call's end.
fn more_arguments(first: String, mut after: &str, lang: Lang) -> Arg {
    let mut args = vec![Some(first)];
    while let Some(rest) = after.strip_prefix(',') {
        let t = rest.trim_start();
        if t.is_empty() || t.starts_with([')', ';']) || args.len() > 64 {
            break;
        }
        match string_literal(t, lang) {
            Some((v, used)) if !t[used..].trim_start().starts_with(['.', '+']) => {
                args.push(Some(v));
                after = t[used..].trim_start();
            }
            _ => {
                args.push(None);
                // Skip the computed argument: to the next comma or the call's end.
                let end = t.find([',', ')', ';']).unwrap_or(t.len());
                after = &t[end..];
            }
        }
    }
    if args.iter().all(Option::is_some) {
        Arg::List(args.into_iter().flatten().collect())
    } else {
        Arg::Args(args)
    }
}

/// A string literal at the start of `s`: its value and the bytes it used. Literals with
/// interpolation (f-strings, `${}` templates, `"$x"` in Perl) are not literal.
pub(super) fn string_literal(s: &str, lang: Lang) -> Option<(String, usize)> {
    let mut start = 0;
    let b = s.as_bytes();
    // Python string prefixes: r, b, u (f means formatted: computed).
    if lang == Lang::Python {
        while start < b.len() && matches!(b[start], b'r' | b'b' | b'u' | b'R' | b'B' | b'U') {
            start += 1;
        }
        if start < b.len() && matches!(b[start], b'f' | b'F') {
            return None;
        }
    }
    let q = *b.get(start)?;
    if !matches!(q, b'"' | b'\'' | b'`') {
        return None;
    }
    let triple = lang == Lang::Python && s[start..].starts_with(&format!("{0}{0}{0}", q as char));
    let open = if triple { 3 } else { 1 };
    let body_start = start + open;
    let mut out = String::new();
    let mut i = body_start;
    let raw = start > 0 && matches!(b[0], b'r' | b'R');
    while i < b.len() {
        let c = b[i];
        if triple {
            if s[i..].starts_with(&format!("{0}{0}{0}", q as char)) {
                return Some((out, i + 3));
            }
        } else if c == q {
            let interpolates = match lang {
                Lang::Perl | Lang::Php => q == b'"' && out.contains('$'),
                Lang::Ruby => q == b'"' && out.contains("#{"),
                Lang::Node => q == b'`' && out.contains("${"),
                _ => false,
            };
            if interpolates {
                return None;
            }
            return Some((out, i + 1));
        }
        if c == b'\\' && !raw {
            let n = *b.get(i + 1)?;
            match n {
                b'n' => out.push('\n'),
                b't' => out.push('\t'),
                b'\\' => out.push('\\'),
                b'"' => out.push('"'),
                b'\'' => out.push('\''),
                b'`' => out.push('`'),
                b'$' => out.push('$'),
                other => {
                    out.push('\\');
                    out.push(other as char);
                }
            }
            i += 2;
            continue;
        }
        // Copy one UTF-8 character.
        let ch = s[i..].chars().next()?;
        out.push(ch);
        i += ch.len_utf8();
    }
    None
}

/// Lua, R, AppleScript: the known calls.
pub(super) fn scan_other(lang: Lang, code: &str, out: &mut Out) {
    scan_calls(lang, code, out);
}

/// Perl: known calls (after folding simple variables and `$ENV{HOME}`), backticks,
/// `unlink glob …`, files opened for writing or as a pipe, DBI's `do`, requests.
pub(super) fn scan_perl(code: &str, out: &mut Out) {
    let folded = perl_fold(code);
    let code = folded.as_str();
    scan_calls(Lang::Perl, code, out);
    // `unlink glob "*.log"`, `unlink <*>`.
    for (at, _) in code.match_indices("unlink") {
        let rest = code[at + 6..]
            .trim_start()
            .trim_start_matches('(')
            .trim_start();
        let pattern = if let Some(r) = rest.strip_prefix("glob") {
            let r = r.trim_start().trim_start_matches('(').trim_start();
            string_literal(r, Lang::Perl).map(|(s, _)| s)
        } else if let Some(r) = rest.strip_prefix('<') {
            r.find('>').map(|e| r[..e].to_string())
        } else {
            None
        };
        if let Some(p) = pattern {
            super::effects::delete_glob(&p, false, out);
        }
    }
    // `open(F, ">file")`, `open(my $f, ">", "file")`, `open(F, "| sh")`.
    for (at, _) in code.match_indices("open") {
        if !boundary_before(code, at, "open") || !boundary_after(code, at + 4) {
            continue;
        }
        let rest = code[at + 4..].trim_start().trim_start_matches('(');
        let Some(comma) = rest.find(',') else {
            continue;
        };
        let mut args = Vec::new();
        let mut r = rest[comma + 1..].trim_start();
        while let Some((s, used)) = string_literal(r, Lang::Perl) {
            args.push(s);
            r = r[used..].trim_start();
            match r.strip_prefix(',') {
                Some(x) => r = x.trim_start(),
                None => break,
            }
        }
        perl_open(&args, out);
    }
    // DBI: `$dbh->do("DROP TABLE …")`.
    for (at, _) in code.match_indices("->do") {
        match first_argument(&code[at + 4..], Lang::Perl) {
            Arg::Str(sql) => out.push(Extracted::Sql {
                client: out.db_client.unwrap_or("psql"),
                database: None,
                sql: Some(sql),
            }),
            Arg::Computed => out.dynamic("`do` sends SQL built at run time".into()),
            _ => {}
        }
    }
    if code.contains("DBI") && code.contains("mysql") {
        out.note_module("mysql");
    } else if code.contains("SQLite") {
        out.note_module("sqlite3");
    }
}

fn perl_open(args: &[String], out: &mut Out) {
    let (mode, target) = match args {
        [m, t, ..] if matches!(m.trim(), ">" | ">>" | "+>" | "|-" | "-|" | "+<") => {
            (m.trim().to_string(), t.trim().to_string())
        }
        [one] => {
            let t = one.trim();
            let mode: String = t
                .chars()
                .take_while(|c| matches!(c, '>' | '+' | '|' | '<'))
                .collect();
            let rest = t[mode.len()..].trim();
            match rest.strip_suffix('|') {
                Some(cmd) if mode.is_empty() => ("-|".into(), cmd.trim().to_string()),
                _ => (mode, rest.to_string()),
            }
        }
        _ => return,
    };
    match mode.as_str() {
        ">" | "+>" => out.push(Extracted::Write {
            path: target,
            append: false,
        }),
        ">>" => out.push(Extracted::Write {
            path: target,
            append: true,
        }),
        "|" | "|-" | "-|" => out.push(Extracted::Shell(target)),
        _ => {}
    }
}

/// Perl scalars assigned a literal once (`my $d = "/srv";`) and `$ENV{HOME}`, written
/// into the code as the literal they hold, so the call readers see it.
fn perl_fold(code: &str) -> String {
    let mut values: HashMap<String, Option<String>> = HashMap::new();
    let bytes = code.as_bytes();
    let mut i = 0;
    while let Some(off) = code[i..].find('$') {
        let at = i + off;
        let name: String = code[at + 1..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        i = at + 1 + name.len();
        if name.is_empty() {
            continue;
        }
        let after = code[i..].trim_start();
        if after.starts_with('=')
            && !after.starts_with("==")
            && !after.starts_with("=~")
            && !after.starts_with("=>")
        {
            let value = string_literal(after[1..].trim_start(), Lang::Perl)
                .filter(|(_, used)| {
                    let r = after[1..].trim_start();
                    r[*used..].trim_start().starts_with(';')
                })
                .map(|(s, _)| s);
            let first = !values.contains_key(&name);
            values.insert(name, if first { value } else { None });
        }
        if i >= bytes.len() {
            break;
        }
    }
    let mut known: Vec<(String, String)> = values
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (format!("${k}"), v)))
        .collect();
    for form in ["$ENV{HOME}", "$ENV{'HOME'}", "$ENV{\"HOME\"}"] {
        known.push((form.to_string(), eval::HOME.to_string()));
    }
    // Longest names first, so `$dir2` is not read as `$dir` then `2`.
    known.sort_by_key(|k| std::cmp::Reverse(k.0.len()));
    let mut out = String::with_capacity(code.len());
    let mut quote: Option<char> = None;
    let mut chars = code.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        match (quote, c) {
            (Some(_), '\\') => {
                out.push(c);
                if let Some((_, n)) = chars.next() {
                    out.push(n);
                }
                continue;
            }
            (Some(q), c) if c == q => quote = None,
            (None, '"' | '\'' | '`') => quote = Some(c),
            (None | Some('"') | Some('`'), '$') => {
                let rest = &code[at..];
                let hit = known.iter().find(|(k, _)| {
                    rest.starts_with(k.as_str())
                        && !rest[k.len()..]
                            .starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
                });
                if let Some((k, v)) = hit {
                    let esc: String = v
                        .chars()
                        .flat_map(|c| match c {
                            '"' | '\\' | '$' | '@' | '`' => vec!['\\', c],
                            c => vec![c],
                        })
                        .collect();
                    if quote.is_some() {
                        out.push_str(&esc);
                    } else {
                        out.push('"');
                        out.push_str(&esc);
                        out.push('"');
                    }
                    for _ in 1..k.chars().count() {
                        chars.next();
                    }
                    continue;
                }
            }
            _ => {}
        }
        out.push(c);
    }
    out
}

/// The known call names of `lang` and their first argument; backticks in Perl.
pub(super) fn scan_calls(lang: Lang, code: &str, out: &mut Out) {
    for (name, kind) in calls(lang) {
        let mut from = 0;
        while let Some(pos) = code[from..].find(name) {
            let at = from + pos;
            from = at + name.len();
            if !boundary_before(code, at, name) || !boundary_after(code, from) {
                continue;
            }
            let rest = &code[from..];
            match (kind, first_argument(rest, lang)) {
                (Kind::Run, Arg::Str(s)) => out.push(Extracted::Shell(s)),
                (Kind::Run, Arg::List(items)) => out.push(Extracted::Shell(shell_join(&items))),
                (Kind::Run, Arg::Computed) => {
                    out.dynamic(format!("`{name}` runs a command built at run time"))
                }
                // An argument known only at run time stays unknown to the shell reading.
                (Kind::Run, Arg::Args(items)) => out.push(Extracted::Shell(
                    items
                        .iter()
                        .map(|i| match i {
                            Some(v) => shell_words::quote(v).into_owned(),
                            None => "\"$INTERLOCK_COMPUTED_ARGUMENT\"".to_string(),
                        })
                        .collect::<Vec<_>>()
                        .join(" "),
                )),
                (Kind::Delete { recursive }, Arg::Args(items)) => {
                    for i in items {
                        out.push(Extracted::Delete {
                            path: i,
                            recursive: *recursive,
                        })
                    }
                }
                (Kind::Delete { recursive }, Arg::Str(s)) => out.push(Extracted::Delete {
                    path: Some(s),
                    recursive: *recursive,
                }),
                (Kind::Delete { recursive }, Arg::List(items)) => {
                    for s in items {
                        out.push(Extracted::Delete {
                            path: Some(s),
                            recursive: *recursive,
                        })
                    }
                }
                (Kind::Delete { recursive: true }, Arg::Computed) => out.push(Extracted::Delete {
                    path: None,
                    recursive: true,
                }),
                (Kind::Eval, Arg::Str(s)) => super::scan_nested(lang, &s, out),
                (Kind::Eval, Arg::Computed) if !rest.trim_start().starts_with('{') => {
                    out.dynamic(format!("`{name}` runs code built at run time"))
                }
                _ => {}
            }
        }
    }
    if lang == Lang::Perl {
        let mut parts = code.split('`');
        parts.next();
        while let (Some(cmd), Some(_)) = (parts.next(), parts.clone().next()) {
            if cmd.contains('$') {
                out.dynamic("a backtick command built at run time".into());
            } else {
                out.push(Extracted::Shell(cmd.to_string()));
            }
        }
    }
    if lang != Lang::Awk {
        for e in http_requests(code) {
            out.push(e);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(lang: Lang, code: &str) -> Vec<Extracted> {
        super::super::extract(lang, code)
    }

    #[test]
    fn perl() {
        assert_eq!(
            scan(Lang::Perl, "system('rm -rf /')"),
            vec![Extracted::Shell("rm -rf /".into())]
        );
        assert_eq!(
            scan(Lang::Perl, r#"my $d = "/srv/data"; system("rm -rf $d")"#),
            vec![Extracted::Shell("rm -rf /srv/data".into())]
        );
        assert_eq!(
            scan(Lang::Perl, "use File::Path; rmtree($ENV{HOME})"),
            vec![Extracted::Delete {
                path: Some("~".into()),
                recursive: true
            }]
        );
        assert_eq!(
            scan(Lang::Perl, r#"open(F, ">", "/etc/hosts")"#),
            vec![Extracted::Write {
                path: "/etc/hosts".into(),
                append: false
            }]
        );
        assert!(scan(Lang::Perl, "print if /rm -rf/").is_empty());
        assert_eq!(
            scan(Lang::Perl, r#"system("rm", "-rf", $_)"#),
            vec![Extracted::Shell(
                "rm -rf \"$INTERLOCK_COMPUTED_ARGUMENT\"".into()
            )]
        );
        assert_eq!(
            scan(Lang::Perl, r#"system("ls", "-l", "/tmp")"#),
            vec![Extracted::Shell("ls -l /tmp".into())]
        );
    }
}
