//! A line typed in fish or zsh, read as the bash that does the same, for judging.
//!
//! The engine reads bash. Most fish and zsh lines are bash as well, but a few forms
//! that run code or expand paths are not, and read as bash they hide what runs:
//! fish's command substitution `(cmd)` (bash sees a literal word or a syntax error),
//! fish's `and`/`or`/`not` before a command, zsh's `${~x}`, `${=x}`, `${^x}` and
//! `$~x` flags, and zsh's `=cmd` (the path of `cmd`). Each is rewritten to its bash
//! equivalent; the original line is judged as well, and the stricter answer wins.

/// The shell a line is written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Dialect {
    #[default]
    Bash,
    Zsh,
    Fish,
}

impl Dialect {
    /// `bash`, `zsh`, `fish` (and `sh`, read as bash).
    pub fn from_name(name: &str) -> Option<Dialect> {
        match name {
            "bash" | "sh" => Some(Dialect::Bash),
            "zsh" => Some(Dialect::Zsh),
            "fish" => Some(Dialect::Fish),
            _ => None,
        }
    }
}

/// The line rewritten for the bash reading, or `None` when nothing differs.
pub fn as_bash(line: &str, shell: Dialect) -> Option<String> {
    let out = match shell {
        Dialect::Bash => return None,
        Dialect::Fish => rewrite(line, true),
        Dialect::Zsh => rewrite(line, false),
    };
    (out != line).then_some(out)
}

/// Where a command starts: the beginning, and after a separator or an opening
/// substitution.
fn command_start(out: &str) -> bool {
    let t = out.trim_end_matches([' ', '\t']);
    t.is_empty() || t.ends_with([';', '|', '&', '\n', '(', '{'])
}

fn rewrite(line: &str, fish: bool) -> String {
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::with_capacity(line.len() + 8);
    let mut i = 0;
    let mut single = false;
    let mut double = false;
    // fish blocks open: what their `end` becomes (`}` or `done`).
    let mut blocks: Vec<&str> = Vec::new();
    // After fish's `for X in …`: `; do` goes at the next separator.
    let mut pending_do = false;
    // After fish's `set NAME …`: the array's `)` goes at the next separator.
    let mut pending_close = false;
    let mut parens = 0usize;
    // Names the line makes lists (fish `set NAME a b`, zsh `NAME=(a b)`): their `$NAME`
    // is every element, each one word (bash's `"${NAME[@]}"`), and `$NAME[N]` counts
    // from 1.
    let mut arrays: Vec<String> = Vec::new();
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if single {
            // fish allows \' and \\ inside single quotes; bash and zsh do not.
            if fish && c == '\\' && matches!(next, Some('\'' | '\\')) {
                out.push_str(if next == Some('\'') { "'\\''" } else { "\\" });
                i += 2;
                continue;
            }
            if c == '\'' {
                single = false;
            }
            out.push(c);
            i += 1;
            continue;
        }
        if c == '\\' {
            out.push(c);
            if let Some(n) = next {
                out.push(n);
            }
            i += 2;
            continue;
        }
        if c == '$' {
            if let Some(used) = list_reference(&chars[i + 1..], &arrays, double, &mut out) {
                i += 1 + used;
                continue;
            }
        }
        if !fish && c == '$' {
            // zsh flags: ${~x} ${=x} ${^x} and $~x $=x $^x.
            if next == Some('{') && matches!(chars.get(i + 2), Some('~' | '=' | '^')) {
                out.push_str("${");
                i += 3;
                while matches!(chars.get(i), Some('~' | '=' | '^')) {
                    i += 1;
                }
                continue;
            }
            if matches!(next, Some('~' | '=' | '^'))
                && chars
                    .get(i + 2)
                    .is_some_and(|c| c.is_alphanumeric() || *c == '_' || *c == '{')
            {
                out.push('$');
                i += 2;
                continue;
            }
        }
        if double {
            if c == '"' {
                double = false;
            }
            out.push(c);
            i += 1;
            continue;
        }
        match c {
            '\'' => single = true,
            '"' => double = true,
            // fish: every unquoted ( is a command substitution.
            '(' if fish && !out.ends_with('$') => {
                out.push_str("$(");
                parens += 1;
                i += 1;
                continue;
            }
            '(' if !fish && qualifier_start(&out) => {
                if let Some((len, code)) = glob_qualifier(&chars[i..]) {
                    for c in code {
                        out.push_str("$(");
                        out.push_str(&c);
                        out.push(')');
                    }
                    i += len;
                    continue;
                }
            }
            '(' => parens += 1,
            ')' => parens = parens.saturating_sub(1),
            ';' | '\n' | '|' | '&' if fish && parens == 0 && (pending_do || pending_close) => {
                if pending_close {
                    out.push(')');
                    pending_close = false;
                }
                if pending_do && matches!(c, ';' | '\n') {
                    out.push_str("; do");
                    pending_do = false;
                    i += 1;
                    continue;
                }
            }
            _ => {}
        }
        if command_start(&out) && (i == 0 || !chars[i - 1].is_alphanumeric()) {
            // fish: `and cmd`, `or cmd`, `not cmd` run cmd.
            if fish {
                if let Some(skip) = keyword(&chars[i..], &["and", "or", "not"]) {
                    i += skip;
                    continue;
                }
                if let Some(skip) = fish_block(
                    &chars[i..],
                    &mut out,
                    &mut blocks,
                    &mut pending_do,
                    &mut pending_close,
                    &mut arrays,
                ) {
                    i += skip;
                    continue;
                }
            }
            // zsh: `=cmd` is the path of cmd, which then runs.
            if !fish && c == '=' && next.is_some_and(|n| n.is_alphanumeric() || n == '_') {
                i += 1;
                continue;
            }
            // zsh: `NAME=(…)` makes NAME an array.
            if !fish && (c.is_alphabetic() || c == '_') {
                let n = chars[i..]
                    .iter()
                    .position(|c| !(c.is_alphanumeric() || *c == '_'))
                    .unwrap_or(chars.len() - i);
                if chars.get(i + n) == Some(&'=') && chars.get(i + n + 1) == Some(&'(') {
                    arrays.push(chars[i..i + n].iter().collect());
                }
            }
        }
        out.push(c);
        i += 1;
    }
    if pending_close {
        out.push(')');
    }
    if pending_do {
        out.push_str("; do");
    }
    out
}

/// fish's block keywords and `set`, at a command start: writes their bash reading and
/// returns how much input they took. Every command inside a block is judged; the
/// conditions only decide which, so `if`, `while`, `switch` and `begin` become groups.
fn fish_block(
    rest: &[char],
    out: &mut String,
    blocks: &mut Vec<&'static str>,
    pending_do: &mut bool,
    pending_close: &mut bool,
    arrays: &mut Vec<String>,
) -> Option<usize> {
    let word_end = |r: &[char]| {
        r.iter()
            .position(|c| matches!(c, ' ' | '\t' | ';' | '\n' | '|' | '&' | ')'))
            .unwrap_or(r.len())
    };
    let n = word_end(rest);
    let word: String = rest[..n].iter().collect();
    let blanks = rest[n..]
        .iter()
        .take_while(|c| matches!(c, ' ' | '\t'))
        .count();
    let after = rest.get(n + blanks).copied();
    let at_sep = after.is_none_or(|c| matches!(c, ';' | '\n'));
    match word.as_str() {
        "begin" | "if" | "while" | "switch" => {
            blocks.push("}");
            out.push_str(if at_sep { "{ :" } else { "{ :; " });
            if word == "switch" {
                out.push_str(": ");
            }
        }
        "else" => {
            // `else if COND`: the condition is one more command.
            let more = keyword(&rest[n + blanks..], &["if"]).unwrap_or(0);
            out.push_str(if at_sep { ":" } else { ":; " });
            return Some(n + blanks + more);
        }
        "case" => out.push_str(": "),
        "end" => match blocks.pop() {
            Some(close) => out.push_str(close),
            None => return None,
        },
        "for" => {
            blocks.push("done");
            *pending_do = true;
            return None;
        }
        "function" => {
            // `function NAME [OPTIONS]; BODY; end` defines NAME: the header's
            // options are dropped.
            let name_len = word_end(&rest[n + blanks..]);
            let name: String = rest[n + blanks..n + blanks + name_len].iter().collect();
            let header = rest
                .iter()
                .position(|c| matches!(c, ';' | '\n'))
                .unwrap_or(rest.len());
            blocks.push("}");
            out.push_str(&name);
            out.push_str("() { :");
            return Some(header);
        }
        "set" => {
            // `set [-gx] NAME VALUES…` is `NAME=(VALUES…)`; `set -e NAME` unsets.
            let mut j = n + blanks;
            let mut erase = false;
            loop {
                let m = word_end(&rest[j..]);
                let w: String = rest[j..j + m].iter().collect();
                if !w.starts_with('-') || m == 0 {
                    break;
                }
                if w.starts_with("--") {
                    erase |= w == "--erase";
                    if matches!(w.as_str(), "--query" | "--names" | "--show") {
                        return None;
                    }
                } else if w.contains(['q', 'n', 'S']) {
                    return None;
                } else {
                    erase |= w.contains('e');
                }
                j += m;
                j += rest[j..]
                    .iter()
                    .take_while(|c| matches!(c, ' ' | '\t'))
                    .count();
            }
            let m = word_end(&rest[j..]);
            let name: String = rest[j..j + m].iter().collect();
            if name.is_empty() || !name.chars().all(|c| c.is_alphanumeric() || c == '_') {
                return None;
            }
            if erase {
                out.push_str("unset ");
                return Some(j);
            }
            out.push_str(&name);
            out.push_str("=(");
            arrays.push(name);
            *pending_close = true;
            j += m;
            return Some(
                j + rest[j..]
                    .iter()
                    .take_while(|c| matches!(c, ' ' | '\t'))
                    .count(),
            );
        }
        _ => return None,
    }
    Some(n + blanks)
}

/// `$NAME` or `$NAME[SUBSCRIPT]` (after the `$`) for a list the line made: written as
/// bash's `"${NAME[@]}"` (each element one word), `"${NAME[K]}"` for fish's and zsh's
/// 1-based `[N]`, and `${NAME[*]}` inside double quotes (joined by spaces). Returns
/// how much input it took.
fn list_reference(
    rest: &[char],
    arrays: &[String],
    double: bool,
    out: &mut String,
) -> Option<usize> {
    let n = rest
        .iter()
        .position(|c| !(c.is_alphanumeric() || *c == '_'))
        .unwrap_or(rest.len());
    if n == 0 {
        return None;
    }
    let name: String = rest[..n].iter().collect();
    if !arrays.contains(&name) {
        return None;
    }
    let mut used = n;
    let mut index = if double {
        "*".to_string()
    } else {
        "@".to_string()
    };
    if rest.get(n) == Some(&'[') {
        if let Some(close) = rest[n..].iter().position(|c| *c == ']') {
            let sub: String = rest[n + 1..n + close].iter().collect();
            used = n + close + 1;
            match sub.parse::<i64>() {
                Ok(k) if k > 0 => index = (k - 1).to_string(),
                Ok(k) if k < 0 => index = k.to_string(),
                // Ranges and computed subscripts: any element may be meant.
                _ => {}
            }
        }
    }
    let inner = format!("${{{name}[{index}]}}");
    if double {
        out.push_str(&inner);
    } else {
        out.push('"');
        out.push_str(&inner);
        out.push('"');
    }
    Some(used)
}

/// zsh: a `(` right after a pattern word may open glob qualifiers (`*(.)`, `*(e:…:)`).
fn qualifier_start(out: &str) -> bool {
    out.ends_with(|c: char| c.is_alphanumeric() || matches!(c, '*' | '?' | ']' | '/' | '.'))
        && out.contains(['*', '?', '['])
}

/// zsh glob qualifiers at the start of `rest` (`(…)` ending a word): their length and
/// the code they run (`e:CODE:`, `e'CODE'`, `+FUNC`). `None` when this is not a
/// qualifier list (empty, alternatives `a|b`, or followed by more of the word).
fn glob_qualifier(rest: &[char]) -> Option<(usize, Vec<String>)> {
    let close = rest.iter().position(|c| *c == ')')?;
    let inner = &rest[1..close];
    if inner.is_empty() || inner.iter().any(|c| matches!(c, '|' | '(')) {
        return None;
    }
    if rest
        .get(close + 1)
        .is_some_and(|c| !matches!(c, ' ' | '\t' | ';' | '\n' | '|' | '&' | ')'))
    {
        return None;
    }
    let mut code = Vec::new();
    let mut k = 0;
    while k < inner.len() {
        match inner[k] {
            'e' if k + 1 < inner.len() => {
                let open = inner[k + 1];
                let shut = match open {
                    '{' => '}',
                    '[' => ']',
                    '<' => '>',
                    c => c,
                };
                let end = inner[k + 2..]
                    .iter()
                    .position(|c| *c == shut)
                    .map(|p| k + 2 + p)
                    .unwrap_or(inner.len());
                // The qualifier's word had its quotes removed before zsh runs it.
                let text: String = inner[k + 2..end].iter().collect();
                code.push(text.replace(['\'', '"'], ""));
                k = end + 1;
            }
            '+' => {
                let end = inner[k + 1..]
                    .iter()
                    .position(|c| !(c.is_alphanumeric() || *c == '_'))
                    .map(|p| k + 1 + p)
                    .unwrap_or(inner.len());
                code.push(inner[k + 1..end].iter().collect());
                k = end;
            }
            _ => k += 1,
        }
    }
    Some((close + 1, code))
}

/// The length of `word` plus the blanks after it, when the input starts with one of
/// `words` followed by a blank.
fn keyword(rest: &[char], words: &[&str]) -> Option<usize> {
    for w in words {
        let n = w.chars().count();
        if rest.len() > n
            && rest[..n].iter().copied().eq(w.chars())
            && matches!(rest[n], ' ' | '\t')
        {
            let blanks = rest[n..]
                .iter()
                .take_while(|c| matches!(c, ' ' | '\t'))
                .count();
            return Some(n + blanks);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fish(s: &str) -> String {
        as_bash(s, Dialect::Fish).unwrap_or_else(|| s.to_string())
    }
    fn zsh(s: &str) -> String {
        as_bash(s, Dialect::Zsh).unwrap_or_else(|| s.to_string())
    }

    #[test]
    fn fish_substitutions_and_keywords() {
        assert_eq!(
            fish("rm -rf (echo ~)/important"),
            "rm -rf $(echo ~)/important"
        );
        assert_eq!(fish("(echo rm) -rf ~"), "$(echo rm) -rf ~");
        assert_eq!(fish("false; or rm -rf ~"), "false; rm -rf ~");
        assert_eq!(fish("true; and not rm -rf ~"), "true; rm -rf ~");
        assert_eq!(fish("echo $(date)"), "echo $(date)");
        // Quoted parentheses are text.
        assert_eq!(fish("echo '(x)' \"(y)\""), "echo '(x)' \"(y)\"");
        // fish's `\'` inside single quotes is bash's `'\''`.
        assert_eq!(fish("echo 'it\\'s (x)'"), "echo 'it'\\''s (x)'");
        // Words that merely start like keywords are left alone.
        assert_eq!(fish("order now"), "order now");
        assert_eq!(as_bash("ls -la", Dialect::Fish), None);
    }

    #[test]
    fn lists_expand_to_every_element() {
        assert_eq!(fish("set x a ~; rm -rf $x"), "x=(a ~); rm -rf \"${x[@]}\"");
        assert_eq!(
            fish("set -l x a b; rm -rf $x[2]"),
            "x=(a b); rm -rf \"${x[1]}\""
        );
        assert_eq!(fish("set -gx x a; echo \"$x\""), "x=(a); echo \"${x[*]}\"");
        // Variables the line does not make lists are left alone.
        assert_eq!(fish("rm -rf $y"), "rm -rf $y");
        assert_eq!(zsh("x=(a ~); rm -rf $x"), "x=(a ~); rm -rf \"${x[@]}\"");
        assert_eq!(zsh("x=(a ~); rm -rf $x[2]"), "x=(a ~); rm -rf \"${x[1]}\"");
        assert_eq!(as_bash("x=a; rm -rf $x", Dialect::Zsh), None);
    }

    #[test]
    fn zsh_flags_and_equals() {
        assert_eq!(zsh("rm -rf ${~HOME}"), "rm -rf ${HOME}");
        assert_eq!(zsh("rm -rf ${=X}/a"), "rm -rf ${X}/a");
        assert_eq!(zsh("rm -rf $~HOME"), "rm -rf $HOME");
        assert_eq!(zsh("=rm -rf ~"), "rm -rf ~");
        assert_eq!(zsh("echo a=b x==y"), "echo a=b x==y");
        assert_eq!(zsh("echo '${~HOME}'"), "echo '${~HOME}'");
        assert_eq!(as_bash("git status", Dialect::Zsh), None);
        assert_eq!(as_bash("rm -rf (echo ~)", Dialect::Bash), None);
    }
}
