//! A reader of git's config files (`.git/config`, `~/.gitconfig`) for the settings
//! that make git run code: `alias.NAME` (a `!` alias is shell code), and the commands
//! git starts itself (`core.sshCommand`, `core.fsmonitor`). Keys come back
//! lower-cased and dotted (`alias.nuke`, `core.sshcommand`); values unquoted.

/// `key=value` pairs of a config file's text, in file order.
pub fn entries(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut section = String::new();
    let mut lines = text.lines();
    while let Some(raw) = lines.next() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(rest) = line.strip_prefix('[') {
            let Some(end) = rest.find(']') else { continue };
            let head = rest[..end].trim();
            // `[remote "origin"]` → `remote.origin`; `[core]` → `core`.
            section = match head.split_once(char::is_whitespace) {
                Some((name, sub)) => format!(
                    "{}.{}",
                    name.to_ascii_lowercase(),
                    sub.trim().trim_matches('"')
                ),
                None => head.to_ascii_lowercase(),
            };
            continue;
        }
        let (key, value) = match line.split_once('=') {
            Some((k, v)) => (k.trim(), v.trim()),
            None => (line, "true"),
        };
        let mut value = value.to_string();
        // A value continues on the next line after a trailing backslash.
        while value.ends_with('\\') {
            value.pop();
            match lines.next() {
                Some(next) => value.push_str(next.trim()),
                None => break,
            }
        }
        out.push((
            format!("{section}.{}", key.to_ascii_lowercase()),
            unquote(&value),
        ));
    }
    out
}

/// A value as git reads it: quotes removed, `\"`, `\\`, `\n`, `\t` decoded, and a
/// comment after unquoted `#` or `;` dropped.
fn unquote(v: &str) -> String {
    let mut out = String::new();
    let mut quoted = false;
    let mut chars = v.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => quoted = !quoted,
            '\\' => match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some(o) => out.push(o),
                None => {}
            },
            '#' | ';' if !quoted => break,
            _ => out.push(c),
        }
    }
    out.trim_end().to_string()
}

/// git's own commands: an alias of the same name is never used.
pub const BUILTINS: &[&str] = &[
    "add",
    "am",
    "annotate",
    "apply",
    "archive",
    "bisect",
    "blame",
    "branch",
    "bundle",
    "cat-file",
    "check-ignore",
    "checkout",
    "cherry",
    "cherry-pick",
    "citool",
    "clean",
    "clone",
    "commit",
    "config",
    "count-objects",
    "describe",
    "diff",
    "difftool",
    "fetch",
    "filter-branch",
    "format-patch",
    "fsck",
    "gc",
    "grep",
    "gui",
    "help",
    "init",
    "log",
    "ls-files",
    "ls-remote",
    "ls-tree",
    "maintenance",
    "merge",
    "mergetool",
    "mv",
    "notes",
    "prune",
    "pull",
    "push",
    "range-diff",
    "rebase",
    "reflog",
    "remote",
    "repack",
    "replace",
    "reset",
    "restore",
    "rev-list",
    "rev-parse",
    "revert",
    "rm",
    "shortlog",
    "show",
    "show-ref",
    "sparse-checkout",
    "stash",
    "status",
    "submodule",
    "switch",
    "tag",
    "update-index",
    "update-ref",
    "version",
    "worktree",
    "whatchanged",
    "lfs",
];

#[cfg(test)]
mod tests {
    use super::entries;

    #[test]
    fn sections_keys_and_values() {
        let text = "[core]\n\tbare = false\n\tsshCommand = \"ssh -i ~/.ssh/k\" # key\n[alias]\n\tnuke = !rm -rf ~\n\tst = status -sb\n[remote \"origin\"]\n\turl = git@x:y.git\n[alias]\n\tlong = !echo a \\\n  b\n";
        let e = entries(text);
        let get = |k: &str| e.iter().find(|(x, _)| x == k).map(|(_, v)| v.as_str());
        assert_eq!(get("core.sshcommand"), Some("ssh -i ~/.ssh/k"));
        assert_eq!(get("alias.nuke"), Some("!rm -rf ~"));
        assert_eq!(get("alias.st"), Some("status -sb"));
        assert_eq!(get("remote.origin.url"), Some("git@x:y.git"));
        assert_eq!(get("alias.long"), Some("!echo a b"));
        assert_eq!(get("core.bare"), Some("false"));
    }
}
