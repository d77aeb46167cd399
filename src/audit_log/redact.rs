//! Secrets out of the audit log: the command is kept, the credentials in it are not.
//!
//! Covered: bearer/basic/token authorization values, passwords in URLs, password and
//! token options (`--password=…`, `--token …`, mysql's `-pSECRET`, `curl -u user:pass`),
//! secret-looking variables (`PGPASSWORD=…`, `*_TOKEN=…`), and API keys by their
//! well-known prefixes (`sk-…`, `ghp_…`, `AKIA…`, …).

pub const MASK: &str = "[REDACTED]";

/// Options whose value is a secret, in `--opt=value` or `--opt value` form.
const SECRET_OPTIONS: &[&str] = &[
    "--password",
    "--passwd",
    "--pass",
    "--token",
    "--auth-token",
    "--access-token",
    "--api-key",
    "--apikey",
    "--secret",
    "--client-secret",
    "--secret-key",
    "--private-key-passphrase",
];

/// Variable names that hold secrets (matched on the upper-cased name's ending).
const SECRET_VAR_ENDINGS: &[&str] = &[
    "PASSWORD",
    "PASSWD",
    "TOKEN",
    "SECRET",
    "API_KEY",
    "APIKEY",
    "ACCESS_KEY",
    "SECRET_KEY",
    "PRIVATE_KEY",
    "CREDENTIALS",
];

/// Prefixes of API keys; the rest of the token is masked.
const KEY_PREFIXES: &[&str] = &[
    "sk-",
    "sk_live_",
    "sk_test_",
    "rk_live_",
    "ghp_",
    "gho_",
    "ghu_",
    "ghs_",
    "ghr_",
    "github_pat_",
    "glpat-",
    "xoxb-",
    "xoxp-",
    "xoxa-",
    "xoxs-",
    "npm_",
    "AKIA",
    "ASIA",
    "AIza",
    "hf_",
    "pypi-",
];

fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '~' | '+' | '/' | '=' | ':')
}

/// The command with its secrets masked.
pub fn redact(text: &str) -> String {
    let mut out = redact_words(text);
    out = redact_after_marker(&out, "bearer ", true);
    out = redact_after_marker(&out, "basic ", true);
    out = redact_after_marker(&out, "authorization: token ", true);
    out = redact_url_passwords(&out);
    out = redact_key_prefixes(&out);
    out
}

/// Word-level rules: options, `-pSECRET`, `-u user:pass`, `NAME=secret`.
fn redact_words(text: &str) -> String {
    let mysql = text.contains("mysql") || text.contains("mariadb");
    let mut out = String::with_capacity(text.len());
    let mut mask_next = false;
    let mut rest = text;
    while !rest.is_empty() {
        let start = rest
            .find(|c: char| !c.is_whitespace())
            .unwrap_or(rest.len());
        out.push_str(&rest[..start]);
        rest = &rest[start..];
        if rest.is_empty() {
            break;
        }
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let word = &rest[..end];
        rest = &rest[end..];
        if mask_next {
            mask_next = false;
            out.push_str(&mask_quoted(word));
            continue;
        }
        out.push_str(&redact_word(word, mysql, &mut mask_next));
    }
    out
}

fn redact_word(word: &str, mysql: bool, mask_next: &mut bool) -> String {
    let bare = word.trim_start_matches(['\'', '"']);
    let lead = &word[..word.len() - bare.len()];
    let lower = bare.to_ascii_lowercase();
    for opt in SECRET_OPTIONS {
        if lower == *opt {
            *mask_next = true;
            return word.to_string();
        }
        if lower.starts_with(opt) && lower[opt.len()..].starts_with('=') {
            return format!(
                "{lead}{}={}",
                &bare[..opt.len()],
                mask_quoted(&bare[opt.len() + 1..])
            );
        }
    }
    if mysql && bare.len() > 2 && bare.starts_with("-p") && !bare.starts_with("-p=") {
        return format!("{lead}-p{MASK}");
    }
    if let Some((name, value)) = bare.split_once('=') {
        let upper = name.trim_start_matches('-').to_ascii_uppercase();
        let is_name =
            !upper.is_empty() && upper.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if is_name && !value.is_empty() && SECRET_VAR_ENDINGS.iter().any(|e| upper.ends_with(e)) {
            return format!("{lead}{name}={}", mask_quoted(value));
        }
    }
    word.to_string()
}

/// Mask a value, keeping a closing quote so the line still reads as shell.
fn mask_quoted(value: &str) -> String {
    let closing: String = value
        .chars()
        .rev()
        .take_while(|c| *c == '\'' || *c == '"')
        .collect();
    let opening: String = value
        .chars()
        .take_while(|c| *c == '\'' || *c == '"')
        .collect();
    if value.len() <= opening.len() + closing.len() && !value.is_empty() {
        return value.to_string();
    }
    format!("{opening}{MASK}{closing}")
}

/// Mask the token after a case-insensitive marker (`Bearer abc` → `Bearer [REDACTED]`).
fn redact_after_marker(text: &str, marker: &str, token_only: bool) -> String {
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    while let Some(found) = lower[pos..].find(marker) {
        let at = pos + found + marker.len();
        out.push_str(&text[pos..at]);
        let tail = &text[at..];
        let len = if token_only {
            tail.find(|c: char| !is_token_char(c)).unwrap_or(tail.len())
        } else {
            tail.len()
        };
        if len > 0 && !tail.starts_with(MASK) {
            out.push_str(MASK);
        } else {
            out.push_str(&tail[..len]);
        }
        pos = at + len;
    }
    out.push_str(&text[pos..]);
    out
}

/// `scheme://user:password@host` → `scheme://user:[REDACTED]@host`; also curl's
/// `-u user:password` (a `user:password` word right after `-u`).
fn redact_url_passwords(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    while let Some(found) = text[pos..].find("://") {
        let auth_start = pos + found + 3;
        out.push_str(&text[pos..auth_start]);
        let tail = &text[auth_start..];
        let end = tail
            .find(|c: char| c.is_whitespace() || matches!(c, '/' | '\'' | '"' | '?' | '#'))
            .unwrap_or(tail.len());
        let authority = &tail[..end];
        match (authority.rfind('@'), authority.find(':')) {
            (Some(at), Some(colon)) if colon < at => {
                out.push_str(&authority[..colon + 1]);
                out.push_str(MASK);
                out.push_str(&authority[at..]);
            }
            _ => out.push_str(authority),
        }
        pos = auth_start + end;
    }
    out.push_str(&text[pos..]);
    redact_user_option(&out)
}

fn redact_user_option(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut words = text.split_inclusive(char::is_whitespace).peekable();
    while let Some(w) = words.next() {
        out.push_str(w);
        let t = w.trim();
        if t == "-u" || t == "--user" {
            if let Some(next) = words.next() {
                let trimmed = next.trim_end();
                let ws = &next[trimmed.len()..];
                match trimmed.split_once(':') {
                    Some((user, pass)) if !pass.is_empty() => {
                        out.push_str(user);
                        out.push(':');
                        out.push_str(&mask_quoted(pass));
                    }
                    _ => out.push_str(trimmed),
                }
                out.push_str(ws);
            }
        }
    }
    out
}

/// Tokens that start like an API key and are long enough to be one.
fn redact_key_prefixes(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        let boundary = text[..i]
            .chars()
            .next_back()
            .is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'));
        if boundary {
            if let Some(p) = KEY_PREFIXES.iter().find(|p| text[i..].starts_with(**p)) {
                let tail = &text[i + p.len()..];
                let len = tail
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
                    .unwrap_or(tail.len());
                if len >= 12 {
                    out.push_str(p);
                    out.push_str(MASK);
                    i += p.len() + len;
                    continue;
                }
            }
        }
        let ch_len = text[i..].chars().next().map(char::len_utf8).unwrap_or(1);
        out.push_str(&text[i..i + ch_len]);
        i += ch_len;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_masked() {
        let cases = [
            (
                "curl -H 'Authorization: Bearer eyJhbGciOi.x.y' https://api.example.com",
                "curl -H 'Authorization: Bearer [REDACTED]' https://api.example.com",
            ),
            (
                "psql postgres://app:hunter2@db.internal:5432/app -c 'DROP TABLE x'",
                "psql postgres://app:[REDACTED]@db.internal:5432/app -c 'DROP TABLE x'",
            ),
            (
                "mysql -u root -phunter2 app",
                "mysql -u root -p[REDACTED] app",
            ),
            (
                "tool --password=hunter2 --token abc123 x",
                "tool --password=[REDACTED] --token [REDACTED] x",
            ),
            (
                "PGPASSWORD=hunter2 psql -h db",
                "PGPASSWORD=[REDACTED] psql -h db",
            ),
            (
                "export OPENAI_API_KEY=sk-proj-abcdefghijklmnop1234",
                "export OPENAI_API_KEY=[REDACTED]",
            ),
            (
                "echo sk-ant-api03-abcdefghijklmnopqrstu | x",
                "echo sk-[REDACTED] | x",
            ),
            (
                "git push https://ghp_abcdefghijklmnopqrstuvwxyz0123456789@github.com/o/r",
                "git push https://ghp_[REDACTED]@github.com/o/r",
            ),
            (
                "aws s3 ls --profile x AKIAIOSFODNN7EXAMPLE",
                "aws s3 ls --profile x AKIA[REDACTED]",
            ),
            (
                "curl -u admin:s3cret https://x",
                "curl -u admin:[REDACTED] https://x",
            ),
            (
                "AWS_SECRET_ACCESS_KEY='wJalrXUtnFEMI/K7MDENG' aws s3 ls",
                "AWS_SECRET_ACCESS_KEY='[REDACTED]' aws s3 ls",
            ),
        ];
        for (input, want) in cases {
            assert_eq!(redact(input), want, "input {input:?}");
        }
    }

    #[test]
    fn ordinary_commands_stay() {
        for c in [
            "rm -rf ~",
            "git push --force origin main",
            "mkdir -p build && ssh -p 22 host",
            "psql -c 'DROP DATABASE app'",
            "curl https://example.com/a?b=c",
            "grep -r task-runner .",
            "echo ünïcödé → ok",
        ] {
            assert_eq!(redact(c), c);
        }
    }
}
