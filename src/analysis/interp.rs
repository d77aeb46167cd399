//! Code given to interpreters on the command line (`python -c`, `perl -e`, `node -e`,
//! `awk '…'`): find the calls that run shell commands or delete files, and pull out
//! their literal arguments so the shell analyser and path rules can judge them.
//! A call whose argument is computed at run time cannot be judged and is reported.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Python,
    Perl,
    Ruby,
    Node,
    Php,
    Lua,
    R,
    AppleScript,
    Awk,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Extracted {
    /// A shell command that would run.
    Shell(String),
    /// A delete of a path (`None`: computed at run time).
    Delete {
        path: Option<String>,
        recursive: bool,
    },
    /// Code that runs something the analyser cannot see.
    Dynamic(String),
}

pub fn language(program: &str) -> Lang {
    if program.starts_with("python") || program.starts_with("pypy") {
        Lang::Python
    } else if program.starts_with("perl") {
        Lang::Perl
    } else if program.starts_with("ruby") {
        Lang::Ruby
    } else if program.starts_with("php") {
        Lang::Php
    } else if program.starts_with("lua") {
        Lang::Lua
    } else if program == "Rscript" {
        Lang::R
    } else if program == "osascript" {
        Lang::AppleScript
    } else {
        Lang::Node
    }
}

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
        Lang::Python => &[
            ("os.system", Run),
            ("os.popen", Run),
            ("subprocess.run", Run),
            ("subprocess.call", Run),
            ("subprocess.check_call", Run),
            ("subprocess.check_output", Run),
            ("subprocess.Popen", Run),
            ("subprocess.getoutput", Run),
            ("subprocess.getstatusoutput", Run),
            ("pty.spawn", Run),
            ("os.execv", Run),
            ("os.execvp", Run),
            ("os.execl", Run),
            ("os.execlp", Run),
            ("os.spawnv", Run),
            ("os.spawnvp", Run),
            ("shutil.rmtree", Delete { recursive: true }),
            ("rmtree", Delete { recursive: true }),
            ("os.remove", Delete { recursive: false }),
            ("os.unlink", Delete { recursive: false }),
            ("os.rmdir", Delete { recursive: false }),
            ("os.removedirs", Delete { recursive: false }),
            ("exec", Eval),
            ("eval", Eval),
            ("compile", Eval),
        ],
        Lang::Perl => &[
            ("system", Run),
            ("exec", Run),
            ("qx", Run),
            ("rmtree", Delete { recursive: true }),
            ("remove_tree", Delete { recursive: true }),
            ("unlink", Delete { recursive: false }),
            ("rmdir", Delete { recursive: false }),
        ],
        Lang::Ruby => &[
            ("system", Run),
            ("exec", Run),
            ("spawn", Run),
            ("IO.popen", Run),
            ("Open3.capture2", Run),
            ("Open3.capture3", Run),
            ("Open3.popen3", Run),
            ("%x", Run),
            ("FileUtils.rm_rf", Delete { recursive: true }),
            ("FileUtils.rm_r", Delete { recursive: true }),
            ("FileUtils.remove_dir", Delete { recursive: true }),
            ("FileUtils.remove_entry", Delete { recursive: true }),
            ("FileUtils.remove_entry_secure", Delete { recursive: true }),
            ("FileUtils.rm", Delete { recursive: false }),
            ("File.delete", Delete { recursive: false }),
            ("eval", Eval),
        ],
        Lang::Node => &[
            ("execSync", Run),
            ("exec", Run),
            ("spawnSync", Run),
            ("spawn", Run),
            ("execFileSync", Run),
            ("execFile", Run),
            ("Bun.spawn", Run),
            ("Bun.spawnSync", Run),
            ("Deno.run", Run),
            ("rmSync", Delete { recursive: true }),
            ("rmdirSync", Delete { recursive: true }),
            ("fs.rm", Delete { recursive: true }),
            ("fs.promises.rm", Delete { recursive: true }),
            ("rimraf", Delete { recursive: true }),
            ("removeSync", Delete { recursive: true }),
            ("unlinkSync", Delete { recursive: false }),
            ("eval", Eval),
            ("Function", Eval),
        ],
        Lang::Php => &[
            ("system", Run),
            ("exec", Run),
            ("shell_exec", Run),
            ("passthru", Run),
            ("popen", Run),
            ("proc_open", Run),
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
    }
}

/// Scan interpreter code for shell commands and deletes.
pub fn extract(lang: Lang, code: &str) -> Vec<Extracted> {
    let mut out = Vec::new();
    if code.len() > 256 * 1024 {
        out.push(Extracted::Dynamic(
            "the program text is too large to check".into(),
        ));
        return out;
    }
    let node_child_process =
        code.contains("child_process") || code.contains("Bun.") || code.contains("Deno.");
    for (name, kind) in calls(lang) {
        let mut from = 0;
        while let Some(pos) = code[from..].find(name) {
            let at = from + pos;
            from = at + name.len();
            if !boundary_before(code, at, name) || !boundary_after(code, from) {
                continue;
            }
            if lang == Lang::Node && matches!(kind, Kind::Run) && !node_child_process {
                continue;
            }
            let rest = &code[from..];
            let arg = first_argument(rest, lang);
            match (kind, arg) {
                (Kind::Run, Arg::Str(s)) => out.push(Extracted::Shell(s)),
                (Kind::Run, Arg::List(items)) => out.push(Extracted::Shell(shell_join(&items))),
                (Kind::Run, Arg::None) => {}
                (Kind::Run, Arg::Computed) => out.push(Extracted::Dynamic(format!(
                    "`{name}` runs a command built at run time"
                ))),
                (Kind::Delete { recursive }, Arg::Str(s)) => {
                    let recursive = *recursive
                        && (lang != Lang::Node
                            || rest.contains("recursive")
                            || !name.contains("Sync")
                            || *name == "removeSync");
                    out.push(Extracted::Delete {
                        path: Some(s),
                        recursive,
                    })
                }
                (Kind::Delete { recursive }, Arg::Computed) if *recursive => {
                    out.push(Extracted::Delete {
                        path: None,
                        recursive: true,
                    })
                }
                (Kind::Eval, Arg::Str(s)) => out.extend(extract(lang, &s)),
                (Kind::Eval, Arg::Computed) => out.push(Extracted::Dynamic(format!(
                    "`{name}` runs code built at run time"
                ))),
                _ => {}
            }
            if out.len() > 64 {
                return out;
            }
        }
    }
    // Backticks run shell commands in Perl, Ruby and PHP.
    if matches!(lang, Lang::Perl | Lang::Ruby | Lang::Php) {
        let mut parts = code.split('`');
        parts.next();
        while let (Some(cmd), Some(_)) = (parts.next(), parts.clone().next()) {
            if cmd.contains("#{") || cmd.contains('$') {
                out.push(Extracted::Dynamic(
                    "a backtick command built at run time".into(),
                ));
            } else {
                out.push(Extracted::Shell(cmd.to_string()));
            }
        }
    }
    if lang != Lang::Awk {
        out.extend(http_requests(code));
    }
    // `shutil.rmtree` also matches `rmtree`: keep each finding once.
    let mut seen = Vec::new();
    out.retain(|e| {
        if seen.contains(e) {
            false
        } else {
            seen.push(e.clone());
            true
        }
    });
    // awk: `print … | "cmd"` and `"cmd" | getline` run commands.
    if lang == Lang::Awk {
        for (i, _) in code.match_indices('|') {
            let after = code[i + 1..].trim_start();
            if let Some(s) = after.strip_prefix('"') {
                if let Some(end) = s.find('"') {
                    out.push(Extracted::Shell(s[..end].to_string()));
                }
            } else if !after.starts_with('|')
                && !after.starts_with("getline")
                && !code[..i].ends_with('|')
            {
                let before = code[..i].trim_end();
                if let Some(b) = before.strip_suffix('"') {
                    if let Some(start) = b.rfind('"') {
                        out.push(Extracted::Shell(b[start + 1..].to_string()));
                    }
                }
            }
        }
    }
    out
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

fn boundary_before(code: &str, at: usize, name: &str) -> bool {
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

fn boundary_after(code: &str, end: usize) -> bool {
    code[end..]
        .chars()
        .next()
        .is_none_or(|c| !(c.is_alphanumeric() || c == '_'))
}

enum Arg {
    Str(String),
    List(Vec<String>),
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

/// A string literal at the start of `s`: its value and the bytes it used. Literals with
/// interpolation (f-strings, `${}` templates, `"$x"` in Perl) are not literal.
fn string_literal(s: &str, lang: Lang) -> Option<(String, usize)> {
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

fn shell_join(items: &[String]) -> String {
    items
        .iter()
        .map(|i| shell_words::quote(i).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python() {
        assert_eq!(
            extract(Lang::Python, "import shutil; shutil.rmtree('/home/user')"),
            vec![Extracted::Delete {
                path: Some("/home/user".into()),
                recursive: true
            }]
        );
        assert_eq!(
            extract(Lang::Python, "import os; os.system(\"rm -rf ~\")"),
            vec![Extracted::Shell("rm -rf ~".into())]
        );
        assert_eq!(
            extract(
                Lang::Python,
                "import subprocess; subprocess.run(['git', 'push', '-f'])"
            ),
            vec![Extracted::Shell("git push -f".into())]
        );
        assert!(matches!(
            extract(Lang::Python, "import os; os.system(cmd)")[0],
            Extracted::Dynamic(_)
        ));
        assert!(extract(Lang::Python, "print('hello')").is_empty());
    }

    #[test]
    fn node_and_perl() {
        assert_eq!(
            extract(Lang::Node, "require('fs').rmSync('/x', {recursive: true})"),
            vec![Extracted::Delete {
                path: Some("/x".into()),
                recursive: true
            }]
        );
        assert_eq!(
            extract(Lang::Node, "require('child_process').execSync('rm -rf /')"),
            vec![Extracted::Shell("rm -rf /".into())]
        );
        assert!(extract(Lang::Node, "/a/.exec('x')").is_empty());
        assert_eq!(
            extract(Lang::Perl, "system('rm -rf /')"),
            vec![Extracted::Shell("rm -rf /".into())]
        );
        assert_eq!(
            extract(Lang::Ruby, "`rm -rf /`"),
            vec![Extracted::Shell("rm -rf /".into())]
        );
        assert_eq!(
            extract(Lang::Awk, "BEGIN { system(\"rm -rf /\") }"),
            vec![Extracted::Shell("rm -rf /".into())]
        );
    }

    #[test]
    fn http_requests_become_the_curl_that_sends_the_same() {
        assert_eq!(
            extract(
                Lang::Python,
                "import requests; requests.delete('https://api.example.com/v/1')"
            ),
            vec![Extracted::Shell(
                "curl -X DELETE https://api.example.com/v/1".into()
            )]
        );
        assert_eq!(
            extract(Lang::Node, "fetch(u, {method: \"DELETE\"})"),
            vec![Extracted::Shell("curl -X DELETE \"$URL\"".into())]
        );
        assert_eq!(
            extract(
                Lang::Python,
                r#"requests.post(u, json={"query": "mutation { a(id: \"x\") }"})"#
            ),
            vec![Extracted::Shell(
                r#"curl "$URL" -d 'mutation { a(id: "x") }'"#.into()
            )]
        );
        assert!(extract(Lang::Python, "requests.get('https://example.com/delete')").is_empty());
        assert!(extract(Lang::Python, "print('delete')").is_empty());
    }
}
