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
                        self.git_config(kv, &mut aliases, fr, scope, cmd);
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
        let sub = args.get(i)?.lit()?;
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
