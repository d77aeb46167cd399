//! The clients' own commands inside SQL text (psql's `\d`, sqlite3's `.tables`,
//! mysql's `source`, snowsql's `!set`): removed before parsing, and the ones that run
//! a shell command (`\!`, `.shell`, `system`, `!system`) or read another file of SQL
//! (`\i`, `.read`, `source`, `!source`) reported, so that what they run is judged too.

use super::Meta;

/// A client command that reaches beyond the SQL text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Escape {
    /// Runs a shell command (the command's text).
    Shell(String),
    /// Reads and runs another file of SQL (its name as written).
    Include(String),
}

/// Remove what the client handles itself, so the parser sees only SQL; and list the
/// client commands that run a shell command or another file.
pub fn strip(text: &str, meta: Meta) -> (String, Vec<Escape>) {
    let mut escapes = Vec::new();
    let sql = match meta {
        Meta::Backslash => strip_psql(text, &mut escapes),
        Meta::Dot => lines_without(text, '.', &mut escapes, dot_command),
        Meta::Bang => lines_without(text, '!', &mut escapes, bang_command),
        Meta::MySql => strip_mysql(text, &mut escapes),
        Meta::None => text.to_string(),
    };
    (sql, escapes)
}

/// The text without the lines that start with the client's command character; each
/// such line is classified by `classify`.
fn lines_without(
    text: &str,
    lead: char,
    escapes: &mut Vec<Escape>,
    classify: fn(&str, &str) -> Option<Escape>,
) -> String {
    let mut out = Vec::new();
    for l in text.lines() {
        match l.trim_start().strip_prefix(lead) {
            Some(cmd) => {
                let (name, arg) = split_command(cmd);
                escapes.extend(classify(&name, arg));
            }
            None => out.push(l),
        }
    }
    out.join("\n")
}

/// A client command's name (lower case) and the rest of its line.
fn split_command(cmd: &str) -> (String, &str) {
    let cmd = cmd.trim();
    let end = cmd
        .find(|c: char| c.is_whitespace() || c == '|')
        .unwrap_or(cmd.len());
    (cmd[..end].to_ascii_lowercase(), cmd[end..].trim())
}

/// A file name as a client reads it: surrounding quotes removed.
fn unquote(arg: &str) -> String {
    let a = arg.trim().trim_end_matches(';').trim();
    for q in ['\'', '"'] {
        if let Some(inner) = a.strip_prefix(q).and_then(|x| x.strip_suffix(q)) {
            return inner.to_string();
        }
    }
    a.split_whitespace().next().unwrap_or("").to_string()
}

/// An output or input that is a pipe runs a shell command (`.once |cmd`, `\o |cmd`).
fn piped(arg: &str) -> Option<Escape> {
    // Unquoted, the rest of the line is the command (`\o | sh`); quoted, the
    // quotes hold it (`.once '|sh'`).
    let t = arg.trim();
    let a = if t.starts_with('|') {
        t.to_string()
    } else {
        unquote(arg)
    };
    a.strip_prefix('|')
        .map(|c| Escape::Shell(c.trim().to_string()))
}

/// sqlite3 and duckdb dot-commands.
fn dot_command(name: &str, arg: &str) -> Option<Escape> {
    match name {
        "shell" | "system" => Some(Escape::Shell(arg.to_string())),
        "read" => piped(arg).or_else(|| Some(Escape::Include(unquote(arg)))),
        "once" | "output" | "excel" | "import" => piped(arg),
        _ => None,
    }
}

/// snowsql and beeline `!` commands.
fn bang_command(name: &str, arg: &str) -> Option<Escape> {
    match name {
        "system" | "sh" => Some(Escape::Shell(arg.to_string())),
        "source" | "load" | "run" => Some(Escape::Include(unquote(arg))),
        _ => None,
    }
}

/// psql backslash commands (the text after the backslash).
fn psql_command(cmd: &str) -> Option<Escape> {
    if let Some(rest) = cmd.strip_prefix('!') {
        return Some(Escape::Shell(rest.trim().to_string()));
    }
    let (name, arg) = split_command(cmd);
    match name.as_str() {
        "i" | "ir" | "include" | "include_relative" => Some(Escape::Include(unquote(arg))),
        "o" | "out" | "g" | "gx" | "w" | "write" => piped(arg),
        "copy" if arg.to_ascii_lowercase().contains(" program ") => {
            Some(Escape::Shell(format!("\\copy {arg}")))
        }
        _ => None,
    }
}

/// psql: a backslash outside quotes starts a meta-command that runs to the end of
/// the line; `:var`, `:'var'` and `:"var"` are variables psql substitutes.
fn strip_psql(text: &str, escapes: &mut Vec<Escape>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.char_indices().peekable();
    let mut quote: Option<char> = None;
    let mut dollar: Option<String> = None;
    let mut prev = '\0';
    while let Some((i, c)) = chars.next() {
        if let Some(tag) = &dollar {
            if text[i..].starts_with(tag.as_str()) {
                out.push_str(tag);
                for _ in 1..tag.chars().count() {
                    chars.next();
                }
                dollar = None;
            } else {
                out.push(c);
            }
            prev = c;
            continue;
        }
        if let Some(q) = quote {
            out.push(c);
            if c == q {
                quote = None;
            }
            prev = c;
            continue;
        }
        match c {
            '\'' | '"' => {
                quote = Some(c);
                out.push(c);
            }
            '$' => {
                let rest = &text[i + 1..];
                let end = rest.find(|x: char| !(x.is_alphanumeric() || x == '_'));
                match end {
                    Some(e) if rest[e..].starts_with('$') && !prev.is_alphanumeric() => {
                        let tag = format!("${}$", &rest[..e]);
                        out.push_str(&tag);
                        for _ in 0..tag.chars().count() - 1 {
                            chars.next();
                        }
                        dollar = Some(tag);
                    }
                    _ => out.push(c),
                }
            }
            '-' if text[i..].starts_with("--") => {
                for (_, x) in chars.by_ref() {
                    if x == '\n' {
                        break;
                    }
                }
                out.push('\n');
            }
            '\\' => {
                let mut cmd = String::new();
                for (_, x) in chars.by_ref() {
                    if x == '\n' {
                        break;
                    }
                    cmd.push(x);
                }
                escapes.extend(psql_command(&cmd));
                // A meta-command ends the statement, as `;` would.
                out.push_str(";\n");
            }
            ':' if prev != ':' => match chars.peek().map(|(_, x)| *x) {
                Some('\'') | Some('"') => {}
                Some(x) if x.is_alphabetic() || x == '_' => out.push_str("__psql_var_"),
                _ => out.push(c),
            },
            _ => out.push(c),
        }
        prev = c;
    }
    out
}

/// mysql: `\G` and `\g` end a statement; `DELIMITER x` changes the terminator;
/// `source`, `use` and other client commands on their own line are not SQL.
fn strip_mysql(text: &str, escapes: &mut Vec<Escape>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut delimiter = ";".to_string();
    for line in text.lines() {
        let t = line.trim_start();
        let lower: String = t.chars().take(10).collect::<String>().to_ascii_lowercase();
        if lower.starts_with("delimiter")
            && t.as_bytes().get(9).is_none_or(|b| b.is_ascii_whitespace())
        {
            delimiter = t[9..].trim().to_string();
            if delimiter.is_empty() {
                delimiter = ";".into();
            }
            out.push_str(";\n");
            continue;
        }
        if lower.starts_with("source ") || lower.starts_with("\\. ") {
            escapes.push(Escape::Include(unquote(&t[t.find(' ').unwrap_or(0)..])));
            continue;
        }
        if lower.starts_with("system ") || lower.starts_with("\\! ") {
            escapes.push(Escape::Shell(
                t[t.find(' ').unwrap_or(0)..].trim().to_string(),
            ));
            continue;
        }
        let mut l = line.replace("\\G", ";").replace("\\g", ";");
        if delimiter != ";" {
            l = l.replace(delimiter.as_str(), ";");
        }
        out.push_str(&l);
        out.push('\n');
    }
    out
}
