//! Programs that are harmless on their own but can be told to run another program:
//! `sed`'s `e` command, `tar --to-command`, `rg --pre`, `sort --compress-program`,
//! `man --html`, `rsync -e`. A known compressor or pager passes; anything else is
//! reported, because the program it runs is not checked.

use super::{Hit, Params};
use crate::model::invocation::Invocation;
use crate::model::Context;
use crate::specs::args::ArgView;

const KNOWN_HELPERS: &[&str] = &[
    "gzip",
    "pigz",
    "zstd",
    "xz",
    "bzip2",
    "pbzip2",
    "lz4",
    "lzma",
    "lzip",
    "brotli",
    "lzop",
    "plzip",
    "gunzip",
    "unzstd",
    "zcat",
    "cat",
    "less",
    "more",
    "ssh",
    "pdftotext",
    "firefox",
    "w3m",
    "lynx",
];

/// `exec.option`: the program is given a command to run through an option.
pub fn option(inv: &Invocation, view: &ArgView, _ctx: &Context, _params: Params) -> Vec<Hit> {
    let mut hits = Vec::new();
    match inv.program.as_str() {
        "sed" | "gsed" => {
            for w in sed_scripts(inv) {
                if sed_executes(&w.text()) {
                    hits.push(Hit {
                        span: Some(w.span.clone()),
                        detail: Some("sed's `e` command runs its text as a shell command".into()),
                    });
                }
            }
        }
        _ => {
            let options: &[&str] = match inv.program.as_str() {
                "tar" | "gtar" | "bsdtar" => &[
                    "--to-command",
                    "--use-compress-program",
                    "-I",
                    "--checkpoint-action",
                    "--info-script",
                    "--new-volume-script",
                    "-F",
                ],
                "rg" => &["--pre"],
                "sort" => &["--compress-program"],
                "man" => &["--html", "-H", "--pager", "-P"],
                "rsync" => &["-e", "--rsh"],
                "zip" => &["-TT", "--unzip-command"],
                "less" => &[],
                "git" => &[],
                "vim" | "nvim" | "vi" | "ex" => &["-c", "--cmd"],
                _ => &[],
            };
            for (i, flag) in &view.flags {
                let (name, inline) = match flag.split_once('=') {
                    Some((n, v)) => (n.to_string(), Some(v.to_string())),
                    None => (flag.clone(), None),
                };
                let hit_name = options.iter().find(|o| {
                    **o == name
                        || (o.len() == 2
                            && name.starts_with(*o)
                            && name.len() > 2
                            && !o.starts_with("--"))
                });
                let Some(opt) = hit_name else { continue };
                let value = inline
                    .or_else(|| {
                        (name.len() > 2 && !name.starts_with("--"))
                            .then(|| name[opt.len()..].to_string())
                    })
                    .or_else(|| inv.args.get(i + 1).map(|w| w.text()));
                let value = value.unwrap_or_default();
                if is_vim(&inv.program)
                    && !value.trim_start().starts_with('!')
                    && !value.contains("system(")
                {
                    continue;
                }
                if *opt == "--checkpoint-action" && !value.starts_with("exec") {
                    continue;
                }
                let helper = value.split_whitespace().next().unwrap_or("");
                let helper = helper.rsplit('/').next().unwrap_or(helper);
                if KNOWN_HELPERS.contains(&helper) {
                    continue;
                }
                hits.push(Hit {
                    span: inv.args.get(*i).map(|w| w.span.clone()),
                    detail: Some(format!(
                        "`{}` runs `{value}`, which Interlock cannot check",
                        inv.program
                    )),
                });
            }
        }
    }
    hits
}

fn is_vim(p: &str) -> bool {
    matches!(p, "vim" | "nvim" | "vi" | "ex")
}

/// The sed scripts of an invocation: `-e X`, `--expression=X`, or the first operand.
fn sed_scripts(inv: &Invocation) -> Vec<crate::syntax::word::Word> {
    let mut out = Vec::new();
    let mut i = 0;
    let mut explicit = false;
    let mut first_operand = None;
    while i < inv.args.len() {
        let t = inv.args[i].text();
        if t == "-e" || t == "--expression" {
            if let Some(w) = inv.args.get(i + 1) {
                out.push(w.clone());
            }
            explicit = true;
            i += 2;
            continue;
        }
        if let Some(v) = t.strip_prefix("--expression=") {
            out.push(crate::syntax::word::Word::literal(
                v,
                inv.args[i].span.clone(),
            ));
            explicit = true;
        } else if t == "-f" || t == "--file" || t == "-l" {
            explicit = t != "-l" || explicit;
            i += 2;
            continue;
        } else if !t.starts_with('-') && first_operand.is_none() {
            first_operand = Some(inv.args[i].clone());
        }
        i += 1;
    }
    if !explicit {
        out.extend(first_operand);
    }
    out
}

/// Does a sed script use the `e` command or the `e` flag of `s`?
fn sed_executes(script: &str) -> bool {
    for cmd in script.split([';', '\n']) {
        let c = cmd.trim_start();
        // Skip an address (line numbers, $, /re/).
        let c = c.trim_start_matches(|ch: char| {
            ch.is_ascii_digit() || ch == ',' || ch == '$' || ch == '!' || ch == ' '
        });
        if c == "e" || c.starts_with("e ") {
            return true;
        }
        if let Some(rest) = c.strip_prefix('s') {
            let mut chars = rest.chars();
            let Some(delim) = chars.next() else { continue };
            if delim.is_alphanumeric() || delim == '\\' {
                continue;
            }
            let body: String = chars.collect();
            let parts = split_unescaped(&body, delim);
            if parts.len() >= 3 {
                let flags = parts[2].as_str();
                let valid = flags
                    .chars()
                    .take_while(|c| *c != 'w')
                    .all(|c| "gpiImMe".contains(c) || c.is_ascii_digit() || c.is_whitespace());
                if !valid {
                    continue;
                }
                if flags
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric())
                    .any(|c| c == 'e')
                {
                    return true;
                }
            }
        }
    }
    false
}

/// Split on `delim` where it is not escaped with a backslash.
fn split_unescaped(s: &str, delim: char) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                if let Some(last) = out.last_mut() {
                    last.push(c);
                    last.push(n);
                }
            }
        } else if c == delim {
            out.push(String::new());
        } else if let Some(last) = out.last_mut() {
            last.push(c);
        }
    }
    out
}

/// `exec.windows`: Windows shells given a recursive delete or a format (`cmd /c "rmdir
/// /s /q C:\"`, `powershell Remove-Item -Recurse`), e.g. from WSL or Git Bash.
pub fn windows(inv: &Invocation, _view: &ArgView, _ctx: &Context, _params: Params) -> Vec<Hit> {
    let text = inv
        .args
        .iter()
        .map(|w| w.text())
        .collect::<Vec<_>>()
        .join(" ")
        .to_ascii_lowercase();
    let words: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || c == '"' || c == '\'' || c == ';' || c == '&')
        .filter(|w| !w.is_empty())
        .collect();
    let has = |w: &str| words.contains(&w);
    let recursive_delete = ((has("rmdir") || has("rd") || has("del") || has("erase")) && has("/s"))
        || (has("remove-item") || has("rm") || has("ri") || has("del"))
            && words.iter().any(|w| w.starts_with("-r"))
        || has("format") && words.iter().any(|w| w.len() == 2 && w.ends_with(':'));
    if recursive_delete {
        vec![Hit {
            span: Some(inv.span.clone()),
            detail: Some(format!(
                "`{}` is told to delete a directory tree or format a drive",
                inv.program
            )),
        }]
    } else {
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::sed_executes;

    #[test]
    fn sed() {
        assert!(sed_executes("s/x/rm -rf ~/e"));
        assert!(sed_executes("1e rm -rf /"));
        assert!(!sed_executes("s/e/x/g"));
        assert!(!sed_executes("s/foo/bar/"));
        assert!(!sed_executes("/^$/d"));
        assert!(!sed_executes(r"s/^/http:\/\/127.0.0.1/server/g"));
        assert!(!sed_executes(r"s/\/\/mynetaddr on \([^ ]*\).*$/\1/p"));
        assert!(!sed_executes(r"$s/$/<\/description>/"));
    }
}
