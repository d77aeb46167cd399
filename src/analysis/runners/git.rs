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
        let mut settings = env_config(cmd, scope);
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
        let runs = matches!(
            key.as_str(),
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
            || key.ends_with(".command");
        if !runs || matches!(v, "true" | "false" | "") {
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

/// git settings from the environment, as `key=value` words: `GIT_CONFIG_COUNT` with
/// `GIT_CONFIG_KEY_n`/`GIT_CONFIG_VALUE_n`, and `GIT_CONFIG_PARAMETERS`
/// (`'key'='value' 'key2=value2'`).
fn env_config(cmd: &Cmd, scope: &Scope) -> Vec<Word> {
    let get = |name: &str| -> Option<(String, Range<usize>)> {
        if let Some((_, w)) = cmd.env.iter().rev().find(|(n, _)| n == name) {
            return Some((w.text(), w.span.clone()));
        }
        match scope.vars.get(name) {
            Some(Value::Known(v)) => Some((v.clone(), cmd.span.clone())),
            Some(Value::Unknown { .. }) => Some(("${unknown}".to_string(), cmd.span.clone())),
            _ => None,
        }
    };
    let mut out = Vec::new();
    if let Some((params, span)) = get("GIT_CONFIG_PARAMETERS") {
        match shell_words::split(&params) {
            Ok(items) => out.extend(items.into_iter().map(|kv| Word::literal(kv, span.clone()))),
            Err(_) => out.push(Word::literal(format!("alias.x=!{params}"), span)),
        }
    }
    if let Some((count, _)) = get("GIT_CONFIG_COUNT") {
        // A count that is not a number: every KEY_n that is set counts.
        let n = count.trim().parse::<usize>().unwrap_or(64).min(64);
        for k in 0..n {
            let (Some((key, span)), Some((value, _))) = (
                get(&format!("GIT_CONFIG_KEY_{k}")),
                get(&format!("GIT_CONFIG_VALUE_{k}")),
            ) else {
                continue;
            };
            out.push(Word::literal(format!("{key}={value}"), span));
        }
    }
    out
}
