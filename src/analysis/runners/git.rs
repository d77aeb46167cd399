//! Code git runs: aliases (`git -c alias.x=!…`), `git config` that sets commands.

use super::*;

impl Analyzer<'_> {
    /// git's `-c` options can run code (`alias.x=!cmd`, `core.fsmonitor=cmd`). Returns
    /// the expanded command words when the subcommand is an alias given with `-c`.
    pub(super) fn unwrap_git(
        &mut self,
        args: &[Word],
        cmd: &Cmd,
        fr: &Frame,
        scope: &mut Scope,
    ) -> Option<Vec<Word>> {
        let mut aliases: Vec<(String, Word)> = Vec::new();
        // Settings given in the environment count as `-c` (GIT_CONFIG_COUNT/KEY_n/
        // VALUE_n, GIT_CONFIG_PARAMETERS), before those on the command line.
        let (mut settings, unread) = env_config(cmd, scope);
        let mut i = 0;
        let mut cwd = cmd.cwd.clone();
        while i < args.len() {
            let t = args[i].text();
            if !t.starts_with('-') {
                break;
            }
            match t.as_str() {
                "-c" => {
                    if let Some(kv) = args.get(i + 1) {
                        settings.push(kv.clone());
                    }
                    i += 2;
                }
                "-C" => {
                    cwd = args
                        .get(i + 1)
                        .and_then(|w| self.resolve_word(w, cwd.as_deref()));
                    i += 2;
                }
                "--git-dir" | "--work-tree" | "--namespace" | "--exec-path" | "--config-env"
                | "--super-prefix" => i += 2,
                _ => i += 1,
            }
        }
        // Settings Interlock cannot read may hold anything (an alias, a command git
        // runs, a push refspec): every subcommand but `version` and `help` reads them.
        if let Some((why, span)) = unread {
            let affected = args
                .get(i)
                .is_some_and(|w| !matches!(w.lit().as_deref(), Some("version" | "help")));
            if affected {
                self.event("git.unread-config", span, Some(why));
            }
        }
        let mut force_refspec = false;
        for kv in &settings {
            self.git_config(kv, &mut aliases, fr, scope, cmd);
            let t = kv.text();
            if let Some((k, v)) = t.split_once('=') {
                let k = k.to_ascii_lowercase();
                force_refspec |= k.starts_with("remote.")
                    && k.ends_with(".push")
                    && v.trim_start().starts_with('+');
            }
        }
        let sub = args.get(i)?.lit()?;
        if !cmd.remote && sub != "config" {
            self.git_disk_config(&sub, cwd.as_deref(), &mut aliases, fr, scope, cmd);
        }
        if sub == "push" && force_refspec {
            // `-c remote.origin.push=+refs/heads/*:refs/heads/*`: every push forces.
            let mut out = vec![Word::literal("git", cmd.span.clone())];
            out.extend(args[..=i].iter().cloned());
            out.push(Word::literal("--force", cmd.span.clone()));
            out.extend(args[i + 1..].iter().cloned());
            return Some(out);
        }
        if sub == "config" {
            self.note_git_config(&args[i + 1..], fr, scope);
            return None;
        }
        let value = match aliases.iter().rev().find(|(k, _)| *k == sub) {
            Some((_, v)) => v.clone(),
            // Set earlier on the line with `git config alias.NAME …`.
            None => Word::literal(self.git_aliases.get(&sub)?.clone(), cmd.span.clone()),
        };
        let v = value.text();
        if let Some(shell) = v.strip_prefix('!') {
            let w = Word::literal(shell, value.span.clone());
            self.analyse_script_word(&w, &[], fr, scope, cmd.remote);
            return None;
        }
        // A plain alias expands to git arguments: judge the expansion.
        let parts = shell_words::split(&v).ok()?;
        let mut out = vec![Word::literal("git", cmd.span.clone())];
        out.extend(args[..i].iter().cloned());
        out.extend(
            parts
                .into_iter()
                .map(|p| Word::literal(p, value.span.clone())),
        );
        out.extend(args[i + 1..].iter().cloned());
        let _ = cwd;
        Some(out)
    }

    pub(super) fn git_config(
        &mut self,
        kv: &Word,
        aliases: &mut Vec<(String, Word)>,
        fr: &Frame,
        scope: &mut Scope,
        cmd: &Cmd,
    ) {
        let t = kv.text();
        let Some((k, v)) = t.split_once('=') else {
            return;
        };
        let key = k.to_ascii_lowercase();
        if let Some(alias) = key.strip_prefix("alias.") {
            aliases.push((alias.to_string(), Word::literal(v, kv.span.clone())));
            return;
        }
        if !runs_code(&key) || matches!(v, "true" | "false" | "") {
            return;
        }
        if key == "core.hookspath" {
            self.event(
                "shell.code-exec-option",
                kv.span.clone(),
                Some(format!("git runs hooks from `{v}`")),
            );
            return;
        }
        let code = v.strip_prefix('!').unwrap_or(v);
        let w = Word::literal(code, kv.span.clone());
        self.analyse_script_word(&w, &[], fr, scope, cmd.remote);
    }
}

impl Analyzer<'_> {
    /// The config files git reads for this repository (`~/.gitconfig`,
    /// `~/.config/git/config`, then the repository's own): an alias of `sub` that is
    /// not one of git's own commands, and the commands git starts itself
    /// (`core.sshCommand` for the commands that reach a remote, `core.fsmonitor`).
    fn git_disk_config(
        &mut self,
        sub: &str,
        cwd: Option<&Path>,
        aliases: &mut Vec<(String, Word)>,
        fr: &Frame,
        scope: &mut Scope,
        cmd: &Cmd,
    ) {
        let mut files: Vec<PathBuf> = Vec::new();
        if let Some(home) = self.ctx.home.as_deref() {
            files.push(home.join(".gitconfig"));
            files.push(home.join(".config/git/config"));
        }
        if let Some(dir) = cwd.and_then(git_dir) {
            files.push(dir.join("config"));
        }
        let mut found: Vec<(String, String)> = Vec::new();
        for f in files {
            if let files::Runnable::Text(t) = self.runnable(&f) {
                found.extend(crate::specs::gitconfig::entries(&t));
            }
        }
        let remote = matches!(
            sub,
            "fetch" | "pull" | "push" | "clone" | "ls-remote" | "remote" | "submodule"
        );
        let span = cmd.span.clone();
        let mut alias: Option<String> = None;
        let hooks_path = found
            .iter()
            .rev()
            .find(|(k, _)| k == "core.hookspath")
            .map(|(_, v)| v.clone());
        self.git_hooks(sub, cwd, hooks_path.as_deref(), fr, scope, cmd);
        for (k, v) in found {
            match k.as_str() {
                "core.sshcommand" if remote => self.git_config_code(&v, &span, fr, scope),
                "core.fsmonitor" if !matches!(sub, "version" | "help") => {
                    self.git_config_code(&v, &span, fr, scope)
                }
                _ => {
                    if k.strip_prefix("alias.") == Some(sub) {
                        alias = Some(v);
                    }
                }
            }
        }
        let builtin = crate::specs::gitconfig::BUILTINS.contains(&sub);
        if let (Some(v), false) = (alias, builtin) {
            // Settings given with `-c` (later in the list) win over the files.
            aliases.insert(0, (sub.to_string(), Word::literal(v, span)));
        }
    }

    /// The hooks git runs for `sub` (`.git/hooks/pre-commit` for `git commit`, or
    /// under `core.hooksPath`): each one there, executable or written on the line, is
    /// a file that runs now. Husky's `.husky/_` stubs run the scripts in `.husky/`.
    fn git_hooks(
        &mut self,
        sub: &str,
        cwd: Option<&Path>,
        hooks_path: Option<&str>,
        fr: &Frame,
        scope: &mut Scope,
        cmd: &Cmd,
    ) {
        let hooks = hooks_of(sub);
        if hooks.is_empty() {
            return;
        }
        let Some((root, git)) = cwd.and_then(repository) else {
            return;
        };
        // Husky runs its scripts with `sh`, executable or not.
        let (dir, husky) = match hooks_path {
            Some(p) => {
                let Some(d) = scope::resolve(p, Some(&root), self.ctx.home.as_deref()) else {
                    return;
                };
                match d.parent() {
                    Some(h) if d.ends_with(".husky/_") => (h.to_path_buf(), true),
                    _ => (d, false),
                }
            }
            None => (git.join("hooks"), false),
        };
        for h in hooks {
            let p = dir.join(h);
            let runs = self.written.contains_key(&p)
                || self.unknown_files.contains_key(&p)
                || executable(&p)
                || husky && p.is_file();
            if runs {
                let at = Cmd {
                    words: vec![Word::literal(p.to_string_lossy(), cmd.span.clone())],
                    env: cmd.env.clone(),
                    redirects: Vec::new(),
                    stdin: Stdin::Inherit,
                    span: cmd.span.clone(),
                    cwd: Some(root.clone()),
                    remote: false,
                    fed_args: false,
                };
                self.run_file_by_path(&p.to_string_lossy(), &[], &at, fr, scope);
            }
        }
    }

    /// A config value git runs as a command (`false`/empty: none).
    fn git_config_code(&mut self, v: &str, span: &Range<usize>, fr: &Frame, scope: &mut Scope) {
        if matches!(v, "true" | "false" | "") {
            return;
        }
        let w = Word::literal(v.strip_prefix('!').unwrap_or(v), span.clone());
        self.analyse_script_word(&w, &[], fr, scope, false);
    }
}

/// The hooks each subcommand runs (githooks(5)), on the local repository.
fn hooks_of(sub: &str) -> &'static [&'static str] {
    match sub {
        "commit" => &[
            "pre-commit",
            "prepare-commit-msg",
            "commit-msg",
            "post-commit",
        ],
        "merge" => &[
            "pre-merge-commit",
            "prepare-commit-msg",
            "commit-msg",
            "post-merge",
        ],
        "pull" => &[
            "pre-merge-commit",
            "post-merge",
            "pre-rebase",
            "post-rewrite",
        ],
        "push" => &["pre-push"],
        "checkout" | "switch" | "worktree" => &["post-checkout"],
        "rebase" => &["pre-rebase", "post-rewrite", "post-checkout"],
        "am" => &["applypatch-msg", "pre-applypatch", "post-applypatch"],
        "cherry-pick" | "revert" => &["prepare-commit-msg", "post-commit"],
        _ => &[],
    }
}

/// A regular file with an execute bit: git runs only such hooks.
fn executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// The top of the work tree `dir` is in, and its git directory.
fn repository(dir: &Path) -> Option<(PathBuf, PathBuf)> {
    let git = git_dir(dir)?;
    let mut d = dir.to_path_buf();
    loop {
        if d.join(".git").exists() {
            return Some((d, git));
        }
        if !d.pop() {
            return None;
        }
    }
}

/// The git directory of the repository `dir` is in: `.git` (or the directory a `.git`
/// file names, as worktrees and submodules have), looking up from `dir`.
fn git_dir(dir: &Path) -> Option<PathBuf> {
    let mut d = dir.to_path_buf();
    for _ in 0..64 {
        let g = d.join(".git");
        if g.is_dir() {
            return Some(g);
        }
        if g.is_file() {
            let text = std::fs::read_to_string(&g).ok()?;
            let target = text.lines().next()?.strip_prefix("gitdir:")?.trim();
            return Some(d.join(target));
        }
        if !d.pop() {
            return None;
        }
    }
    None
}

/// Settings whose value git runs as a command.
pub(crate) fn runs_code(key: &str) -> bool {
    matches!(
        key,
        "core.fsmonitor"
            | "core.sshcommand"
            | "core.pager"
            | "core.editor"
            | "sequence.editor"
            | "diff.external"
            | "core.askpass"
            | "gpg.program"
            | "pager.log"
            | "pager.diff"
            | "pager.show"
            | "credential.helper"
            | "core.hookspath"
            | "uploadpack.packobjectshook"
    ) || key.starts_with("filter.")
        || key.ends_with(".textconv")
        || key.ends_with(".command")
}

/// Why settings given to git cannot be read, and where.
type Unread = Option<(String, Range<usize>)>;

/// git settings from the environment, as `key=value` words: `GIT_CONFIG_COUNT` with
/// `GIT_CONFIG_KEY_n`/`GIT_CONFIG_VALUE_n`, and `GIT_CONFIG_PARAMETERS`
/// (`'key'='value' 'key2=value2'`, read as git reads it). The second part, when
/// `GIT_CONFIG_PARAMETERS` is set to what cannot be read (computed, or not in git's
/// quoting): why, and where.
fn env_config(cmd: &Cmd, scope: &Scope) -> (Vec<Word>, Unread) {
    let get = |name: &str| -> Option<(Option<String>, Range<usize>)> {
        if let Some((_, w)) = cmd.env.iter().rev().find(|(n, _)| n == name) {
            return Some((w.lit(), w.span.clone()));
        }
        match scope.vars.get(name) {
            Some(Value::Known(v)) => Some((Some(v.clone()), cmd.span.clone())),
            Some(_) => Some((None, cmd.span.clone())),
            None => None,
        }
    };
    let mut out = Vec::new();
    let mut unread = None;
    if let Some((params, span)) = get("GIT_CONFIG_PARAMETERS") {
        let why = match params.as_deref().map(git_parameters) {
            Some(Some(items)) => {
                out.extend(items.into_iter().map(|kv| Word::literal(kv, span.clone())));
                None
            }
            Some(None) => Some("is not in git's quoting ('key'='value' pairs, space separated)"),
            None => Some("is only known when the command runs"),
        };
        unread = why.map(|w| {
            (
                format!(
                    "GIT_CONFIG_PARAMETERS {w}, so the git settings it gives cannot be checked"
                ),
                span,
            )
        });
    }
    if let Some((count, _)) = get("GIT_CONFIG_COUNT") {
        // A count that is not a number: every KEY_n that is set counts.
        let count = count.unwrap_or_default();
        let n = count.trim().parse::<usize>().unwrap_or(64).min(64);
        for k in 0..n {
            let (Some((key, span)), Some((value, _))) = (
                get(&format!("GIT_CONFIG_KEY_{k}")),
                get(&format!("GIT_CONFIG_VALUE_{k}")),
            ) else {
                continue;
            };
            let key = key.unwrap_or_else(|| "${unknown}".to_string());
            let value = value.unwrap_or_else(|| "${unknown}".to_string());
            out.push(Word::literal(format!("{key}={value}"), span));
        }
    }
    (out, unread)
}

/// `GIT_CONFIG_PARAMETERS` as git reads it (`config.c`, `parse_config_env_list`):
/// single-quoted items separated by blanks, each `'key=value'` (old style) or
/// `'key'='value'` / `'key'=` (new style). `None` where git reports a bogus format.
pub(crate) fn git_parameters(text: &str) -> Option<Vec<String>> {
    let blank = |c: Option<&u8>| c.is_some_and(u8::is_ascii_whitespace);
    let mut out = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let (key, after) = sq_step(rest)?;
        let first = after.as_bytes().first();
        rest = if first.is_none() || blank(first) {
            out.push(key);
            after
        } else if first == Some(&b'=') {
            let v = &after[1..];
            let vfirst = v.as_bytes().first();
            if vfirst == Some(&b'\'') {
                let (value, after) = sq_step(v)?;
                let next = after.as_bytes().first();
                if next.is_some() && !blank(next) {
                    return None;
                }
                out.push(format!("{key}={value}"));
                after
            } else if vfirst.is_none() || blank(vfirst) {
                // `'key'=`: a boolean.
                out.push(key);
                v
            } else {
                return None;
            }
        } else {
            return None;
        };
        rest = rest.trim_start_matches(|c: char| c.is_ascii_whitespace());
    }
    Some(out)
}

/// One single-quoted string at the start of `s` as git's `sq_dequote_step` reads it
/// (`'\''` and `'\!'` join quoted parts): its text and what follows.
fn sq_step(s: &str) -> Option<(String, &str)> {
    let b = s.as_bytes();
    if b.first() != Some(&b'\'') {
        return None;
    }
    let mut out = Vec::new();
    let mut i = 1;
    loop {
        match *b.get(i)? {
            b'\'' => {
                if b.get(i + 1) == Some(&b'\\')
                    && matches!(b.get(i + 2), Some(b'\'' | b'!'))
                    && b.get(i + 3) == Some(&b'\'')
                {
                    out.push(b[i + 2]);
                    i += 4;
                    continue;
                }
                return Some((String::from_utf8_lossy(&out).into_owned(), &s[i + 1..]));
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::git_parameters;

    #[test]
    fn parameters_as_git_reads_them() {
        let p = git_parameters;
        let v = |items: &[&str]| Some(items.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(p("'color.ui'='always'"), v(&["color.ui=always"]));
        assert_eq!(p("'color.ui=always'"), v(&["color.ui=always"]));
        assert_eq!(
            p("'a.b'='x y' 'c.d=1'  'e.f'="),
            v(&["a.b=x y", "c.d=1", "e.f"])
        );
        assert_eq!(
            p(r"'alias.x'='!echo '\''hi'\'''"),
            v(&["alias.x=!echo 'hi'"])
        );
        assert_eq!(p(""), v(&[]));
        // What git calls a bogus format.
        for bad in [
            "color.ui=always",
            "'unterminated",
            "'a'='b'c",
            "'a'x",
            " 'a=b'",
            "\"a=b\"",
            "'a'=b",
        ] {
            assert_eq!(p(bad), None, "{bad}");
        }
    }
}
