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
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if single {
            // fish allows \' and \\ inside single quotes; bash and zsh do not.
            if fish && c == '\\' && matches!(next, Some('\'' | '\\')) {
                out.push(c);
                out.push(next.unwrap_or('\\'));
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
                i += 1;
                continue;
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
            }
            // zsh: `=cmd` is the path of cmd, which then runs.
            if !fish && c == '=' && next.is_some_and(|n| n.is_alphanumeric() || n == '_') {
                i += 1;
                continue;
            }
        }
        out.push(c);
        i += 1;
    }
    out
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
        assert_eq!(fish("echo 'it\\'s (x)'"), "echo 'it\\'s (x)'");
        // Words that merely start like keywords are left alone.
        assert_eq!(fish("order now"), "order now");
        assert_eq!(as_bash("ls -la", Dialect::Fish), None);
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
