//! What a command changes for the rest of the line beyond its own effect: moves and
//! `mkdir` that decide which names exist later, and variables that hold code git or
//! the shell will run.

use super::*;

impl Analyzer<'_> {
    /// Several moves onto the same name keep only the last file: on one line (a failed
    /// `mkdir dest` turns `mv a dest; mv b dest` into overwrites), or a move of each
    /// file a loop, `xargs -I` or `find -exec` visits.
    pub(super) fn note_moves(&mut self, args: &[Word], cmd: &Cmd, scope: &mut Scope) {
        if cmd.remote
            || args
                .iter()
                .any(|w| keeps_what_it_would_overwrite(&w.text()))
        {
            return;
        }
        let operands: Vec<&Word> = args.iter().filter(|w| !w.text().starts_with('-')).collect();
        let [source, target] = operands.as_slice() else {
            return;
        };
        let Some(dst) = target.lit().filter(|_| !target.glob) else {
            return;
        };
        // `dir/`, `.` and `..` always name a directory.
        if dst.ends_with('/') || matches!(dst.rsplit('/').next(), Some("." | "..")) {
            return;
        }
        let Some(dst) = scope::resolve(&dst, cmd.cwd.as_deref(), self.ctx.home.as_deref()) else {
            return;
        };
        if dst.is_dir() || scope.made_dirs.contains(&dst) {
            return;
        }
        if source.glob || source.lit().is_none() {
            // Where the destination's directory is missing, every move fails instead.
            if scope.repeats && dst.parent().is_some_and(Path::is_dir) {
                let detail = format!(
                    "each pass moves another file onto {}; only the last survives",
                    dst.display()
                );
                self.event("fs.move-overwrite", cmd.span.clone(), Some(detail));
            }
            return;
        }
        let Some(src) = source.lit() else {
            return;
        };
        match scope.moved_onto.get(&dst) {
            Some(prev) if *prev != src => {
                let detail = format!(
                    "`{prev}` and `{src}` are both moved onto {}; only the last survives",
                    dst.display()
                );
                self.event("fs.move-overwrite", cmd.span.clone(), Some(detail));
            }
            _ => {
                Rc::make_mut(&mut scope.moved_onto).insert(dst, src);
            }
        }
    }

    /// Remember the directories a `mkdir` makes, for the moves its success gates.
    pub(super) fn note_mkdir(&mut self, args: &[Word], cmd: &Cmd, scope: &mut Scope) {
        let mut dirs = Vec::new();
        let mut options = true;
        let mut value_next = false;
        for w in args {
            let t = w.text();
            if value_next {
                value_next = false;
                continue;
            }
            if options && t.starts_with('-') && t.len() > 1 {
                options = t != "--";
                value_next = t == "-m" || t == "--mode";
                continue;
            }
            if let Some(lit) = w.lit().filter(|_| !w.glob) {
                let home = self.ctx.home.as_deref();
                dirs.extend(scope::resolve(&lit, cmd.cwd.as_deref(), home));
            }
        }
        Rc::make_mut(&mut scope.mkdirs).push((cmd.span.start, dirs));
    }

    /// Variables that hold commands git or the shell will run (`GIT_SSH_COMMAND=…`).
    pub(super) fn check_env_assignments(&mut self, cmd: &Cmd, fr: &Frame, scope: &mut Scope) {
        for (name, value) in &cmd.env {
            let runs_code = name.ends_with("_COMMAND")
                || matches!(
                    name.as_str(),
                    "GIT_EDITOR"
                        | "GIT_PAGER"
                        | "GIT_SEQUENCE_EDITOR"
                        | "GIT_EXTERNAL_DIFF"
                        | "EDITOR"
                        | "VISUAL"
                        | "PAGER"
                        | "PROMPT_COMMAND"
                        | "GIT_ASKPASS"
                        | "SSH_ASKPASS"
                );
            if runs_code {
                self.analyse_script_word(value, &[], fr, scope, cmd.remote);
            } else if name.starts_with("INTERLOCK_") {
                self.event(
                    "interlock.env",
                    value.span.clone(),
                    Some(format!("{name} changes how Interlock itself decides")),
                );
            } else if matches!(name.as_str(), "BASH_ENV" | "ENV" | "ZDOTDIR" | "LD_PRELOAD") {
                self.event(
                    "shell.startup-injection",
                    value.span.clone(),
                    Some(format!(
                        "{name} makes the next shell or program load `{}`",
                        value.text()
                    )),
                );
            }
        }
    }
}
