//! Shell builtins: which names `PATH` cannot change, and the builtins that change the
//! scope the rest of the line runs in (`alias`, `cd`/`pushd`/`popd`, `shift`, `set`).
//! Kept apart from `mod.rs`'s dispatch, which only unwraps runners.

use super::*;

impl Analyzer<'_> {
    /// Apply one scope-changing builtin (`name` is one of `alias`, `cd`, `pushd`,
    /// `popd`, `shift`, `set`), judging it where it is also a command of its own.
    pub(super) fn scope_builtin(
        &mut self,
        name: &str,
        args: Vec<Word>,
        cmd: &Cmd,
        scope: &mut Scope,
    ) {
        match name {
            "alias" => {
                self.note_program(name);
                for a in &args {
                    if let Some(t) = a.lit() {
                        if let Some((k, value)) = t.split_once('=') {
                            Rc::make_mut(&mut scope.aliases)
                                .insert(k.to_string(), value.to_string());
                        }
                    }
                }
            }
            "cd" | "pushd" => {
                self.note_program(name);
                let target = args
                    .iter()
                    .find(|w| !w.text().starts_with('-') || w.text() == "-");
                scope.cwd = match target {
                    None => self.ctx.home.clone(),
                    Some(w) if w.text() == "-" => None,
                    Some(w) => self.resolve_word(w, scope.cwd.as_deref()),
                };
            }
            "popd" => {
                scope.cwd = None;
            }
            "shift" => {
                if let Some(pos) = scope.positional.as_mut() {
                    let count = match args.first() {
                        None => Some(1),
                        Some(w) => w.lit().and_then(|t| t.parse::<usize>().ok()),
                    };
                    match count {
                        // Shifting more than there are fails and changes nothing.
                        Some(k) if k > pos.len() => {}
                        Some(k) => {
                            pos.drain(..k);
                        }
                        None => scope.positional = None,
                    }
                    scope.positional_generation += 1;
                }
                self.judge_plain(name, args, cmd)
            }
            "set" => {
                if let Some(values) = set_operands(&args) {
                    scope.positional = Some(values.iter().map(word_value).collect());
                    scope.positional_generation += 1;
                }
                self.judge_plain(name, args, cmd)
            }
            _ => {}
        }
    }
}

/// The operands of `set` that replace the positional parameters (`set -- a b`,
/// `set a b`), or `None` when it only changes options (`set -e`, `set -o pipefail`).
fn set_operands(args: &[Word]) -> Option<&[Word]> {
    let mut i = 0;
    while i < args.len() {
        let t = args[i].text();
        if t == "--" {
            return Some(&args[i + 1..]);
        }
        if t == "-" {
            return Some(&args[i + 1..]);
        }
        if (t.starts_with('-') || t.starts_with('+')) && t.len() > 1 {
            // `-o NAME` / `+o NAME` take the next word.
            if t[1..].contains('o') && args.get(i + 1).is_some() {
                i += 1;
            }
            i += 1;
            continue;
        }
        return Some(&args[i..]);
    }
    None
}

/// Shell builtins: `PATH` does not change what they run.
pub(super) fn is_builtin(name: &str) -> bool {
    matches!(
        name,
        "cd" | "echo"
            | "printf"
            | "export"
            | "set"
            | "unset"
            | "eval"
            | "source"
            | "."
            | "exec"
            | "command"
            | "builtin"
            | "alias"
            | "read"
            | "test"
            | "["
            | "[["
            | "true"
            | "false"
            | "shift"
            | "local"
            | "declare"
            | "type"
            | "wait"
            | "trap"
            | "pwd"
            | "return"
            | "exit"
            | "let"
            | "ulimit"
            | "umask"
            | "hash"
            | "{"
            | "}"
            | "!"
            | ":"
            | "time"
            | "coproc"
            | "pushd"
            | "popd"
            | "readonly"
            | "typeset"
    )
}
