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
    reading(line, shell).map(|r| r.text)
}

/// A fish or zsh line's bash reading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reading {
    pub text: String,
    /// Only lists differ (fish's `set NAME VALUES…`, zsh's `NAME=(…)`, and their
    /// `$NAME`, `$NAME[…]`): the bash text then does exactly what the line does, and
    /// the line read as bash as it stands (where `$NAME` of a fish list is unknown,
    /// and `$NAME[2]` a pattern) tells nothing more.
    pub exact: bool,
}

/// The bash reading of a fish or zsh line, or `None` when nothing differs.
pub fn reading(line: &str, shell: Dialect) -> Option<Reading> {
    let (text, exact) = match shell {
        Dialect::Bash => return None,
        Dialect::Fish => rewrite(line, true),
        Dialect::Zsh => rewrite(line, false),
    };
    (text != line).then_some(Reading { text, exact })
}

/// Where a command starts: the beginning, and after a separator or an opening
/// substitution.
fn command_start(out: &str) -> bool {
    let t = out.trim_end_matches([' ', '\t']);
    t.is_empty() || t.ends_with([';', '|', '&', '\n', '(', '{'])
}

/// The rewritten line, and whether only lists were rewritten.
fn rewrite(line: &str, fish: bool) -> (String, bool) {
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::with_capacity(line.len() + 8);
    let mut exact = true;
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
                exact = false;
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
            let list = List {
                arrays: &arrays,
                double,
                fish,
                alone: !double && word_start(&out),
            };
            if let Some(used) = list.reference(&chars[i + 1..], &mut out) {
                i += 1 + used;
                continue;
            }
        }
        if !fish && c == '$' {
            // zsh flags: ${~x} ${=x} ${^x} and $~x $=x $^x.
            if next == Some('{') && matches!(chars.get(i + 2), Some('~' | '=' | '^')) {
                exact = false;
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
                exact = false;
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
                exact = false;
                out.push_str("$(");
                parens += 1;
                i += 1;
                continue;
            }
            '(' if !fish && qualifier_start(&out) => {
                if let Some((len, code)) = glob_qualifier(&chars[i..]) {
                    exact = false;
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
                    exact = false;
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
                    exact = false;
                    i += skip;
                    continue;
                }
                let is_set = keyword(&chars[i..], &["set"]).is_some();
                if let Some(skip) = fish_block(
                    &chars[i..],
                    &mut out,
                    &mut blocks,
                    &mut pending_do,
                    &mut pending_close,
                    &mut arrays,
                ) {
                    exact &= is_set;
                    i += skip;
                    continue;
                }
            }
            // zsh: `=cmd` is the path of cmd, which then runs.
            if !fish && c == '=' && next.is_some_and(|n| n.is_alphanumeric() || n == '_') {
                exact = false;
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
        exact = false;
        out.push_str("; do");
    }
    (out, exact)
}

/// Does a word start here (the line's start, or after a blank or an operator)?
fn word_start(out: &str) -> bool {
    out.is_empty() || out.ends_with([' ', '\t', ';', '|', '&', '\n', '(', '{'])
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

/// A reference to a list the line made: fish's `$NAME`, `$NAME[SUBSCRIPT]`, zsh's also
/// `${NAME}`, `${NAME[SUBSCRIPT]}`. Written as bash's `"${NAME[@]}"` (each element one
/// word) or `"${NAME[K]}"` (fish and zsh count from 1, and from the end when
/// negative); several elements (fish `$x[1..2]`, `$x[1 3]`, zsh `$x[1,2]`) are one
/// word each when the reference is a word of its own; inside double quotes the
/// elements are joined into one word (`${NAME[*]}`).
struct List<'a> {
    arrays: &'a [String],
    double: bool,
    fish: bool,
    /// The reference starts a word.
    alone: bool,
}

impl List<'_> {
    /// Writes the bash for the reference at `rest` (after the `$`) and returns how much
    /// input it took; `None` when `rest` names no list the line made, or has a
    /// subscript that is computed (left to the rest of the rewrite).
    fn reference(&self, rest: &[char], out: &mut String) -> Option<usize> {
        let braced = !self.fish && rest.first() == Some(&'{');
        let start = usize::from(braced);
        let body = &rest[start..];
        let n = body
            .iter()
            .position(|c| !(c.is_alphanumeric() || *c == '_'))
            .unwrap_or(body.len());
        if n == 0 {
            return None;
        }
        let name: String = body[..n].iter().collect();
        if !self.arrays.contains(&name) {
            return None;
        }
        let mut used = start + n;
        let mut sub: Option<String> = None;
        if body.get(n) == Some(&'[') {
            match body[n..].iter().position(|c| *c == ']') {
                Some(close) => {
                    let text: String = body[n + 1..n + close].iter().collect();
                    let plain = text.chars().all(|c| {
                        c.is_ascii_digit() || matches!(c, '-' | '.' | ',' | '@' | '*' | ' ' | '\t')
                    });
                    if !plain {
                        return None;
                    }
                    sub = Some(text);
                    used = start + n + close + 1;
                }
                None if braced => return None,
                None => {}
            }
        }
        if braced {
            // Only `${NAME}` and `${NAME[SUB]}`: other forms are left as they are.
            if rest.get(used) != Some(&'}') {
                return None;
            }
            used += 1;
        }
        let alone = self.alone
            && rest
                .get(used)
                .is_none_or(|c| matches!(c, ' ' | '\t' | ';' | '|' | '&' | '\n' | ')'));
        let picked = sub.as_deref().and_then(|s| indices(s, self.fish));
        let element = |k: i64| {
            let k = if k > 0 { k - 1 } else { k };
            format!("${{{name}[{k}]}}")
        };
        let quoted = |t: &str, out: &mut String| {
            if self.double {
                out.push_str(t);
            } else {
                out.push('"');
                out.push_str(t);
                out.push('"');
            }
        };
        match picked.as_deref() {
            Some([k]) => quoted(&element(*k), out),
            Some(ks) if alone && !ks.is_empty() => {
                for (i, k) in ks.iter().enumerate() {
                    if i > 0 {
                        out.push(' ');
                    }
                    quoted(&element(*k), out);
                }
            }
            // Every element: the whole list, a computed or open range, or more than
            // one element inside a longer word (a superset of what is meant).
            _ => {
                let all = if self.double { "*" } else { "@" };
                quoted(&format!("${{{name}[{all}]}}"), out);
            }
        }
        Some(used)
    }
}

/// The elements a subscript names, counted from 1 (negative: from the end), in
/// order: fish's `N`, `A..B` and lists of them, zsh's `N` and `A,B`. `None` when
/// every element may be meant (`@`, `*`, ranges whose ends lie on both sides of the
/// list's middle, more than 64 elements, anything else).
fn indices(sub: &str, fish: bool) -> Option<Vec<i64>> {
    let sub = sub.trim();
    let range = |a: &str, b: &str| -> Option<Vec<i64>> {
        let (a, b) = (a.trim().parse::<i64>().ok()?, b.trim().parse::<i64>().ok()?);
        if a == 0 || b == 0 || (a > 0) != (b > 0) || a.abs_diff(b) >= 64 {
            return None;
        }
        Some(if a <= b {
            (a..=b).collect()
        } else if fish {
            // fish counts down.
            (b..=a).rev().collect()
        } else {
            // zsh: nothing (left to the whole list, a superset).
            return None;
        })
    };
    let one = |t: &str| -> Option<Vec<i64>> {
        match t.parse::<i64>().ok()? {
            0 => None,
            k => Some(vec![k]),
        }
    };
    if fish {
        let mut out = Vec::new();
        for t in sub.split_whitespace() {
            match t.split_once("..") {
                Some((a, b)) => out.extend(range(a, b)?),
                None => out.extend(one(t)?),
            }
            if out.len() > 64 {
                return None;
            }
        }
        (!out.is_empty()).then_some(out)
    } else {
        match sub.split_once(',') {
            Some((a, b)) => range(a, b),
            None => one(sub),
        }
    }
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
    fn subscripts_pick_their_elements() {
        assert_eq!(
            fish("set x a b c; rm -rf $x[-1]"),
            "x=(a b c); rm -rf \"${x[-1]}\""
        );
        assert_eq!(
            fish("set x a b c; rm -rf $x[1..2]"),
            "x=(a b c); rm -rf \"${x[0]}\" \"${x[1]}\""
        );
        assert_eq!(
            fish("set x a b c; rm $x[3..2] $x[1 -1]"),
            "x=(a b c); rm \"${x[2]}\" \"${x[1]}\" \"${x[0]}\" \"${x[-1]}\""
        );
        // Ends on both sides, open ranges, parts of a longer word: every element.
        assert_eq!(fish("set x a b; rm $x[1..-1]"), "x=(a b); rm \"${x[@]}\"");
        assert_eq!(
            fish("set x a b; rm $x[1..2]/c"),
            "x=(a b); rm \"${x[@]}\"/c"
        );
        assert_eq!(
            zsh("x=(a b); rm -rf ${x[2]}"),
            "x=(a b); rm -rf \"${x[1]}\""
        );
        assert_eq!(
            zsh("x=(a b); rm -rf $x[1,2] ${x}"),
            "x=(a b); rm -rf \"${x[0]}\" \"${x[1]}\" \"${x[@]}\""
        );
        assert_eq!(zsh("x=(a b); rm ${x:-y}"), "x=(a b); rm ${x:-y}");
        // A computed subscript is left to the rest of the rewrite (its code is judged).
        assert_eq!(
            fish("set x a; rm $x[(count $x)]"),
            "x=(a); rm $x[$(count \"${x[@]}\")]"
        );
    }

    #[test]
    fn only_lists_read_exactly() {
        let exact = |s: &str, d: Dialect| reading(s, d).map(|r| r.exact);
        assert_eq!(exact("set x a b; rm -rf $x", Dialect::Fish), Some(true));
        assert_eq!(exact("set -e x; rm -rf $x", Dialect::Fish), Some(true));
        assert_eq!(exact("x=(a b); rm -rf $x[2]", Dialect::Zsh), Some(true));
        assert_eq!(
            exact("set -l x (pwd); rm -rf $x", Dialect::Fish),
            Some(false)
        );
        assert_eq!(exact("set x a; and rm -rf $x", Dialect::Fish), Some(false));
        assert_eq!(exact("x=(a); rm -rf ${~x}", Dialect::Zsh), Some(false));
        assert_eq!(exact("rm -rf build", Dialect::Fish), None);
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
