//! `env`: its options (`-i`, `-u VAR`, `-C DIR`, `-S 'CODE'` and its clusters), the
//! assignments it adds, and the command it then runs. Kept apart from `mod.rs`'s
//! dispatch because env's option grammar is long and only env uses it.

use super::*;

impl Analyzer<'_> {
    /// Read env's options and assignments into `cmd`; `true` when a command follows
    /// (then in `cmd.words`), `false` when env only prints the environment.
    pub(super) fn unwrap_env(
        &mut self,
        args: &[Word],
        cmd: &mut Cmd,
        fr: &Frame,
        scope: &mut Scope,
    ) -> bool {
        self.note_program("env");
        let mut i = 0;
        let mut split: Option<Word> = None;
        while i < args.len() {
            let t = args[i].text();
            if t == "--" {
                i += 1;
                break;
            } else if t == "-" {
                // `env -` is `env -i`.
                i += 1;
            } else if t == "-P" || t == "--path" {
                // BSD `env -P ALTPATH`: where to look the program up.
                i += 2;
            } else if t == "-u" || t == "--unset" || t == "-C" || t == "--chdir" {
                if t == "-C" || t == "--chdir" {
                    cmd.cwd = args
                        .get(i + 1)
                        .and_then(|w| self.resolve_word(w, cmd.cwd.as_deref()));
                }
                i += 2;
            } else if let Some(n) = ["--chdir=", "-C"]
                .iter()
                .find(|p| t.starts_with(**p) && t.len() > p.len())
                .map(|p| p.len())
            {
                // `--chdir=DIR`, `-CDIR`.
                let dir = word_after(&args[i], n);
                cmd.cwd = self.resolve_word(&dir, cmd.cwd.as_deref());
                i += 1;
            } else if t == "-S" || t == "--split-string" {
                split = args.get(i + 1).cloned();
                i += 2;
                break;
            } else if t.starts_with("--split-string=") {
                split = Some(word_after(&args[i], "--split-string=".len()));
                i += 1;
                break;
            } else if let Some(p) = short_cluster_s(&t) {
                // `-S CODE`, `-SCODE`, `-iS CODE`, `-vS'CODE'`.
                if t.len() > p + 1 {
                    split = Some(word_after(&args[i], p + 1));
                    i += 1;
                } else {
                    split = args.get(i + 1).cloned();
                    i += 2;
                }
                break;
            } else if t.starts_with('-') && !t.starts_with("--") && t.len() > 2 {
                // A cluster ending in an option that takes a value: `-iu VAR`.
                i += if matches!(t.chars().last(), Some('u' | 'C' | 'P')) {
                    2
                } else {
                    1
                };
            } else if t.starts_with('-') && t.len() > 1 {
                i += 1;
            } else if let Some((k, _)) = is_assignment(&t) {
                let value = args[i].clone();
                cmd.env.push((k.to_string(), value));
                i += 1;
            } else {
                break;
            }
        }
        let mut rest: Vec<Word> = Vec::new();
        if let Some(s) = split {
            // The split words are read by env again: they may hold options
            // and assignments of their own (`env -S 'A=1 -i rm -rf ~'`).
            let text = s.text();
            match shell_words::split(&text) {
                Ok(parts) => {
                    rest.push(Word::literal("env", s.span.clone()));
                    rest.extend(parts.into_iter().map(|p| Word::literal(p, s.span.clone())));
                }
                Err(_) => rest.push(s),
            }
        }
        rest.extend(args.get(i..).unwrap_or(&[]).iter().cloned());
        self.check_env_assignments(cmd, fr, scope);
        if rest.is_empty() {
            return false;
        }
        cmd.words = rest;
        true
    }
}

/// Where `S` sits in a short option cluster made of env's flags (`-S`, `-iS`, `-0vS`).
fn short_cluster_s(t: &str) -> Option<usize> {
    let body = t.strip_prefix('-').filter(|b| !b.starts_with('-'))?;
    let p = body.find('S')?;
    body[..p]
        .chars()
        .all(|c| matches!(c, 'i' | '0' | 'v'))
        .then_some(p + 1)
}
