//! The awk reader: `system(…)`, `print … | "cmd"`, `"cmd" | getline` and
//! `print … > "file"`, after variables holding one constant string are folded in.
//! Split from `text.rs` (the other hand readers) because awk's print redirections
//! and variable folding are a reader of their own; it shares that module's call
//! scanner and string literal reader.

use super::effects::Out;
use super::text::{boundary_after, boundary_before, scan_calls, string_literal};
use super::{Extracted, Lang};
use std::collections::HashMap;

/// awk: `system(…)`, `print … | "cmd"`, `"cmd" | getline`, and `print … > "file"`.
pub(super) fn scan_awk(code: &str, out: &mut Out) {
    let folded = awk_fold(code);
    let code = folded.as_str();
    scan_calls(Lang::Awk, code, out);
    for (at, _) in code.match_indices("print") {
        if !boundary_before(code, at, "print") {
            continue;
        }
        let mut end = at + 5;
        if code[end..].starts_with('f') {
            end += 1;
        }
        if !boundary_after(code, end) {
            continue;
        }
        awk_print(&code[at..end], &code[end..], out);
    }
    // `"cmd" | getline`.
    for (i, _) in code.match_indices('|') {
        let after = code[i + 1..].trim_start();
        if !after.starts_with("getline") || code[..i].ends_with('|') {
            continue;
        }
        let before = code[..i].trim_end();
        match before
            .strip_suffix('"')
            .and_then(|b| b.rfind('"').map(|s| &b[s + 1..]))
        {
            Some(cmd) => out.push(Extracted::Shell(cmd.to_string())),
            None if before.ends_with(')') || before.ends_with(|c: char| c.is_alphanumeric()) => {
                out.dynamic("awk reads from a command built at run time".into())
            }
            None => {}
        }
    }
}

/// awk variables assigned one string constant and nothing else (`cmd = "date"`, also
/// `"a" "b"` concatenated), written into the code as that string, so `system(cmd)`,
/// `cmd | getline` and `print … | cmd` are read as the command they run. A variable
/// assigned anything else anywhere (`cmd = "rm " $1`, `getline cmd`, `cmd = cmd "x"`,
/// `+=`) stays unknown: what it runs is built at run time.
fn awk_fold(code: &str) -> String {
    let is_ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    // (start, end) of each identifier outside strings, with what follows it.
    let mut idents: Vec<(usize, usize)> = Vec::new();
    let b = code.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
            continue;
        }
        if c == b'#' {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
            continue;
        }
        if (c as char).is_ascii_alphabetic() || c == b'_' {
            let start = i;
            while i < b.len() && is_ident(b[i] as char) {
                i += 1;
            }
            // `$name` is a field reference, not the variable.
            if start == 0 || b[start - 1] != b'$' {
                idents.push((start, i));
            }
            continue;
        }
        i += 1;
    }
    let mut values: HashMap<&str, Option<String>> = HashMap::new();
    for (k, &(s, e)) in idents.iter().enumerate() {
        let name = &code[s..e];
        let after = code[e..].trim_start();
        let prev = k.checked_sub(1).map(|p| &code[idents[p].0..idents[p].1]);
        let assigned_from_getline =
            prev == Some("getline") && code[idents[k - 1].1..s].trim().is_empty();
        let compound = ["+=", "-=", "*=", "/=", "%=", "^=", "++", "--"]
            .iter()
            .any(|op| after.starts_with(op))
            || code[..s].trim_end().ends_with("++")
            || code[..s].trim_end().ends_with("--");
        if assigned_from_getline || compound {
            values.insert(name, None);
            continue;
        }
        if after.starts_with('=') && !after.starts_with("==") {
            // The value: string literals side by side, up to `;`, `}` or a newline.
            let mut r = after[1..].trim_start();
            let mut value = String::new();
            let mut ok = false;
            while let Some((v, used)) = string_literal(r, Lang::Awk) {
                value.push_str(&v);
                r = r[used..].trim_start_matches([' ', '\t']);
                ok = true;
            }
            ok &= r.is_empty() || r.starts_with([';', '}', '\n']);
            let first = !values.contains_key(name);
            values.insert(name, (ok && first).then_some(value));
        }
    }
    let known: HashMap<&str, String> = values
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k, v)))
        .collect();
    if known.is_empty() {
        return code.to_string();
    }
    let mut out = String::with_capacity(code.len());
    let mut last = 0;
    for &(s, e) in &idents {
        let Some(v) = known.get(&code[s..e]) else {
            continue;
        };
        let after = code[e..].trim_start();
        if after.starts_with('=') && !after.starts_with("==") {
            continue;
        }
        out.push_str(&code[last..s]);
        out.push('"');
        for c in v.chars() {
            match c {
                '"' | '\\' => {
                    out.push('\\');
                    out.push(c);
                }
                '\n' => out.push_str("\\n"),
                c => out.push(c),
            }
        }
        out.push('"');
        last = e;
    }
    out.push_str(&code[last..]);
    out
}

/// One `print`/`printf` statement: its arguments up to `;`, `}` or a newline, and
/// the redirection or pipe after them (outside parentheses and strings).
fn awk_print(keyword: &str, rest: &str, out: &mut Out) {
    let mut depth = 0i32;
    let mut in_str = false;
    let mut escaped = false;
    let mut cut = None;
    for (i, c) in rest.char_indices() {
        if in_str {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_str = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_str = true,
            '(' => depth += 1,
            ')' => depth -= 1,
            ';' | '}' | '\n' if depth <= 0 => break,
            '>' | '|' if depth <= 0 => {
                cut = Some(i);
                break;
            }
            _ => {}
        }
    }
    let Some(cut) = cut else { return };
    let printed = rest[..cut].trim();
    let tail = &rest[cut..];
    let (op, target) = if let Some(t) = tail.strip_prefix(">>") {
        (">>", t)
    } else if let Some(t) = tail.strip_prefix('>') {
        (">", t)
    } else if let Some(t) = tail.strip_prefix("|&") {
        ("|", t)
    } else {
        ("|", &tail[1..])
    };
    let target = target.trim_start();
    let literal = string_literal(target, Lang::Awk).filter(|(_, used)| {
        target[*used..].trim_start().starts_with([';', '}', '\n'])
            || target[*used..].trim().is_empty()
    });
    match (op, literal) {
        (">" | ">>", Some((path, _))) => out.push(Extracted::Write {
            path,
            append: op == ">>",
        }),
        (">" | ">>", None) => {}
        (_, Some((cmd, _))) => {
            out.push(Extracted::Shell(cmd.clone()));
            let shell = cmd
                .split_whitespace()
                .next()
                .map(|p| p.rsplit('/').next().unwrap_or(p))
                .is_some_and(|p| super::super::runners::SHELLS.contains(&p));
            if shell {
                // What is printed is the shell's code.
                match string_literal(printed, Lang::Awk) {
                    Some((text, used))
                        if printed[used..].trim().is_empty() && keyword == "print" =>
                    {
                        out.push(Extracted::Shell(text))
                    }
                    _ => out.dynamic(format!("awk pipes text built from its input into `{cmd}`")),
                }
            }
        }
        (_, None) => out.dynamic("awk pipes its output into a command built at run time".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(lang: Lang, code: &str) -> Vec<Extracted> {
        super::super::extract(lang, code)
    }

    #[test]
    fn awk() {
        assert_eq!(
            scan(Lang::Awk, "BEGIN { system(\"rm -rf /\") }"),
            vec![Extracted::Shell("rm -rf /".into())]
        );
        assert_eq!(
            scan(Lang::Awk, "{print > \"out.txt\"}"),
            vec![Extracted::Write {
                path: "out.txt".into(),
                append: false
            }]
        );
        assert!(matches!(
            scan(Lang::Awk, "{print \"rm -f \" $1 | \"sh\"}").last(),
            Some(Extracted::Dynamic(_))
        ));
        assert!(scan(Lang::Awk, "{print $1}").is_empty());
        assert!(scan(Lang::Awk, "$3 > 100 {print $1}").is_empty());
        assert!(scan(Lang::Awk, "{print ($1 > 2)}").is_empty());
        // Variables holding a constant command are that command.
        assert_eq!(
            scan(Lang::Awk, "BEGIN{cmd=\"rm -rf /\"; system(cmd)}"),
            vec![Extracted::Shell("rm -rf /".into())]
        );
        assert_eq!(
            scan(
                Lang::Awk,
                "{cmd=\"date\"; cmd | getline dt; close(cmd); print dt}"
            ),
            vec![Extracted::Shell("date".into())]
        );
        assert_eq!(
            scan(Lang::Awk, "BEGIN{sh = \"sh\"; print \"rm -rf /\" | sh}"),
            vec![
                Extracted::Shell("sh".into()),
                Extracted::Shell("rm -rf /".into())
            ]
        );
        // Built from input, or assigned twice: unknown.
        assert!(matches!(
            scan(Lang::Awk, "{cmd=\"rm -rf \" $1; system(cmd)}").last(),
            Some(Extracted::Dynamic(_))
        ));
        assert!(matches!(
            scan(Lang::Awk, "{cmd=\"date\"; getline cmd; system(cmd)}").last(),
            Some(Extracted::Dynamic(_))
        ));
        assert!(matches!(
            scan(Lang::Awk, "{c=\"ls\"; c=$2; system(c)}").last(),
            Some(Extracted::Dynamic(_))
        ));
    }
}
