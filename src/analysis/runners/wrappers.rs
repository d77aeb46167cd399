//! Wrappers from the data table (`policies/wrappers.toml`, `specs::wrappers`), and
//! unknown programs whose arguments hold a command that would be stopped.

use super::*;
use crate::specs::wrappers::{wrapper, Runs, StaticWrapper};

/// What a table wrapper's arguments come to.
pub(super) enum Unwrapped {
    /// The command it runs: unwrapping continues with these words.
    Command(Vec<Word>),
    /// Judged here (code strings analysed, or nothing runs); the wrapper itself is
    /// then judged as a plain program.
    Done,
}

/// Unknown programs' arguments tried as a command: at most this many start words.
const MAX_TRIES: usize = 3;

impl Analyzer<'_> {
    /// Unwrap a program the wrapper table knows (`gosu USER CMD`, `nix-shell --run
    /// CODE`, `hyperfine CODE…`, `fd … -X CMD`).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn unwrap_table(
        &mut self,
        name: &str,
        w: &StaticWrapper,
        args: &[Word],
        cmd: &mut Cmd,
        fr: &Frame,
        scope: &mut Scope,
        nd: usize,
    ) -> Unwrapped {
        if w.runs == Runs::Exec {
            self.unwrap_fd(w, args, cmd, fr, scope, nd);
            return Unwrapped::Done;
        }
        let mut i = 0;
        if !w.subcommands.is_empty() {
            i = skip_options(args, w.options_with_value);
            match args.get(i).and_then(|a| a.lit()) {
                Some(s) if w.subcommands.contains(&s.as_str()) => i += 1,
                _ => return Unwrapped::Done,
            }
        }
        self.note_program(name);
        let rest = &args[i.min(args.len())..];
        let dashes = if w.after_dashes {
            rest.iter().position(|a| a.text() == "--")
        } else {
            None
        };
        let mut operands_left = w.operands;
        let mut codes: Vec<Word> = Vec::new();
        let mut start = None;
        let mut j = 0;
        while j < rest.len() {
            let t = rest[j].text();
            if Some(j) == dashes || t == "--" {
                if w.runs == Runs::Each {
                    codes.extend(rest[j + 1..].iter().cloned());
                } else {
                    start = Some(j + 1);
                }
                break;
            }
            if let Some((code, used)) = option_value(&rest[j..], w.code_options) {
                codes.push(code);
                j += used;
                continue;
            }
            if w.command_options.contains(&t.as_str()) {
                start = Some(j + 1);
                break;
            }
            if t.starts_with('-') && t.len() > 1 {
                j += if takes_value(&t, w.options_with_value) {
                    2
                } else {
                    1
                };
                continue;
            }
            if w.assignments {
                if let Some((k, _)) = is_assignment(&t) {
                    cmd.env.push((k.to_string(), rest[j].clone()));
                    j += 1;
                    continue;
                }
            }
            if dashes.is_some() {
                // Tool specs before `--` (`mise exec node@20 -- CMD`).
                j += 1;
                continue;
            }
            if w.runs == Runs::Each {
                codes.push(rest[j].clone());
                j += 1;
                continue;
            }
            if operands_left > 0 {
                operands_left -= 1;
                j += 1;
                continue;
            }
            start = Some(j);
            break;
        }
        for code in codes.iter().take(16) {
            self.analyse_script_word(code, &[], fr, scope, cmd.remote);
        }
        if name == "chroot" && self.container.is_some() {
            if let Some(s) = start.filter(|s| *s > 0 && *s < rest.len()) {
                self.chroot_in_container(&rest[s - 1], &rest[s..], cmd, fr, scope, nd);
                return Unwrapped::Done;
            }
        }
        match start.and_then(|s| rest.get(s..)).filter(|r| !r.is_empty()) {
            // One word holding spaces is run through a shell (`watchexec 'cargo test'`,
            // `sg GROUP 'CMD'`).
            Some([one]) if one.lit().is_some_and(|t| t.contains(char::is_whitespace)) => {
                self.analyse_script_word(one, &[], fr, scope, cmd.remote);
                Unwrapped::Done
            }
            Some(words) => Unwrapped::Command(words.to_vec()),
            None => Unwrapped::Done,
        }
    }

    /// `chroot NEWROOT CMD…` inside a container started on the line: the command's `/`
    /// is the container's NEWROOT, so a container started with `-v /:/host` that runs
    /// `chroot /host rm -rf /home` deletes the host's /home. The mounts are seen from
    /// the new root (those below it, moved up); an unknown root makes every path's
    /// mount unknown.
    #[allow(clippy::too_many_arguments)]
    fn chroot_in_container(
        &mut self,
        root: &Word,
        words: &[Word],
        cmd: &Cmd,
        fr: &Frame,
        scope: &mut Scope,
        nd: usize,
    ) {
        use crate::model::invocation::{Mount, MountSource, Mounts};
        let Some(outer) = self.container.clone() else {
            return;
        };
        let mut seen = Mounts {
            mounts: Vec::new(),
            volumes_from: outer.volumes_from.clone(),
        };
        match root.lit().filter(|r| r.starts_with('/')) {
            Some(r) => {
                let r = PathBuf::from(r);
                for m in &outer.mounts {
                    if let Ok(below) = m.target.strip_prefix(&r) {
                        seen.mounts.push(Mount {
                            target: Path::new("/").join(below),
                            source: m.source.clone(),
                        });
                    } else if let Ok(inside) = r.strip_prefix(&m.target) {
                        // The new root is inside a mount: `/` is that part of its source.
                        let source = match &m.source {
                            MountSource::Host(h) => MountSource::Host(h.join(inside)),
                            other => other.clone(),
                        };
                        seen.mounts.push(Mount {
                            target: PathBuf::from("/"),
                            source,
                        });
                    }
                }
            }
            None => seen.mounts.push(Mount {
                target: PathBuf::from("/"),
                source: MountSource::Unknown(root.text()),
            }),
        }
        self.note_program("chroot");
        let inner = Cmd {
            words: words.to_vec(),
            env: cmd.env.clone(),
            redirects: Vec::new(),
            stdin: cmd.stdin.clone(),
            span: cmd.span.clone(),
            cwd: None,
            remote: cmd.remote,
            fed_args: cmd.fed_args,
        };
        let mut s = scope.clone();
        s.cwd = None;
        let saved = self.container.replace(Rc::new(seen));
        self.run_cmd(inner, fr, &mut s, nd + 1);
        self.container = saved;
    }

    /// `fd [OPTIONS] [PATTERN] [ROOT…] -x|-X CMD…`: like `find ROOT -exec CMD`: the
    /// command runs on what is found under the roots (the current directory when
    /// none is named).
    fn unwrap_fd(
        &mut self,
        w: &StaticWrapper,
        args: &[Word],
        cmd: &Cmd,
        fr: &Frame,
        scope: &mut Scope,
        nd: usize,
    ) {
        self.note_program("fd");
        let mut positionals: Vec<Word> = Vec::new();
        let mut templates: Vec<(Vec<Word>, bool)> = Vec::new();
        let mut narrowed = false;
        let mut hidden = false;
        let mut names: Vec<String> = Vec::new();
        let mut options = true;
        let mut j = 0;
        while j < args.len() {
            let t = args[j].text();
            if options {
                hidden |= matches!(
                    t.as_str(),
                    "-H" | "--hidden" | "-u" | "-uu" | "--unrestricted"
                ) || (t.starts_with('-') && !t.starts_with("--") && t[1..].contains('H'));
                let ext = match t.as_str() {
                    "-e" | "--extension" => args.get(j + 1).and_then(|w| w.lit()),
                    _ => t.strip_prefix("--extension=").map(str::to_string),
                };
                if let Some(e) = ext {
                    names.push(format!("x.{}", e.trim_start_matches('.')));
                }
            }
            let each = w.exec_options.contains(&t.as_str());
            if options && (each || w.batch_options.contains(&t.as_str())) {
                let end = args[j + 1..]
                    .iter()
                    .position(|a| a.text() == ";" || a.text() == "\\;")
                    .map_or(args.len(), |p| j + 1 + p);
                templates.push((args[j + 1..end].to_vec(), each));
                j = end + 1;
                continue;
            }
            if options && t == "--" {
                options = false;
                j += 1;
                continue;
            }
            if options && t.starts_with('-') && t.len() > 1 {
                // Type, extension, size, time and exclusion options narrow what is found.
                narrowed |= (takes_value(&t, w.options_with_value)
                    && !matches!(t.as_str(), "-j" | "--threads" | "-c" | "--color"))
                    || t.starts_with("--extension=")
                    || t.starts_with("--type=");
                j += if takes_value(&t, w.options_with_value) {
                    2
                } else {
                    1
                };
                continue;
            }
            positionals.push(args[j].clone());
            j += 1;
        }
        if let Some(p) = positionals.first() {
            narrowed |= !matches!(p.text().as_str(), "" | "." | "^" | ".*" | "^.*$");
            if hidden && fd_pattern_finds_git(&p.text()) {
                names.push(".git".into());
            }
        }
        let mut roots: Vec<Word> = positionals.iter().skip(1).cloned().collect();
        if roots.is_empty() {
            roots.push(Word::literal(".", cmd.span.clone()));
        }
        let found = found_words(&roots, narrowed, &names);
        for (template, each) in templates {
            if template.is_empty() {
                continue;
            }
            let mut words: Vec<Word> = template
                .iter()
                .map(|t| {
                    let mut t = t.clone();
                    for ph in ["{//}", "{/.}", "{/}", "{.}"] {
                        t = fed::substitute(&t, ph, &Word::literal("{}", t.span.clone()));
                    }
                    t
                })
                .collect();
            if !words.iter().skip(1).any(|t| t.text().contains("{}")) {
                words.push(Word::literal("{}", cmd.span.clone()));
            }
            let c = Cmd {
                words: words.clone(),
                env: cmd.env.clone(),
                redirects: Vec::new(),
                stdin: Stdin::Inherit,
                span: cmd.span.clone(),
                cwd: cmd.cwd.clone(),
                remote: cmd.remote,
                fed_args: true,
            };
            self.run_fed(words, Some("{}"), each, found.clone(), c, fr, scope, nd);
        }
    }

    /// A program Interlock does not know, whose arguments hold a command that would be
    /// stopped (`foo rm -rf ~`, `foo 'rm -rf ~'`): judged as if it ran that command,
    /// capped at a confirm (it may well not run it). Programs known to take data
    /// (`echo`, `grep`: `runs = "data"` in the table) and programs with rules of their
    /// own are not tried.
    pub(super) fn try_unknown_runner(
        &mut self,
        name: &str,
        args: &[Word],
        cmd: &Cmd,
        fr: &Frame,
        scope: &Scope,
        nd: usize,
    ) {
        if self.in_unknown || args.is_empty() || self.judge.watches(name) || wrapper(name).is_some()
        {
            return;
        }
        let mut tries = 0;
        for (k, a) in args.iter().enumerate() {
            if tries >= MAX_TRIES {
                break;
            }
            let Some(t) = a.lit() else { continue };
            if t.contains(char::is_whitespace) {
                // One argument holding shell code.
                if t.split(|c: char| c.is_whitespace() || ";|&(){}`".contains(c))
                    .any(|tok| self.runs_something(&program_name(tok)))
                {
                    tries += 1;
                    let code = a.clone();
                    self.judge_as_unknown(name, a, fr, scope, |me, fr, s| {
                        me.analyse_script_word(&code, &[], fr, s, cmd.remote)
                    });
                }
            } else if self.runs_something(&program_name(&t)) {
                tries += 1;
                let inner = Cmd {
                    words: args[k..].to_vec(),
                    env: cmd.env.clone(),
                    redirects: Vec::new(),
                    stdin: cmd.stdin.clone(),
                    span: cmd.span.clone(),
                    cwd: cmd.cwd.clone(),
                    remote: cmd.remote,
                    fed_args: cmd.fed_args,
                };
                self.judge_as_unknown(name, a, fr, scope, move |me, fr, s| {
                    me.run_cmd(inner, fr, s, nd + 1)
                });
            }
        }
    }

    /// Run `judge` on a copy of the scope, and turn what it stops into one confirm
    /// naming the unknown program.
    fn judge_as_unknown(
        &mut self,
        name: &str,
        at: &Word,
        fr: &Frame,
        scope: &Scope,
        judge: impl FnOnce(&mut Self, &Frame, &mut Scope),
    ) {
        let mark = self.findings.len();
        let mut s = scope.clone();
        self.in_unknown = true;
        judge(self, fr, &mut s);
        self.in_unknown = false;
        let found: Vec<_> = self.findings.drain(mark..).collect();
        if let Some(f) = found.iter().max_by_key(|f| f.decision) {
            if f.decision != crate::model::Decision::Allow {
                let detail = format!(
                    "`{name}` is not a program Interlock knows; if it runs its arguments as a command, that command would be stopped: {}",
                    f.message()
                );
                self.event("shell.unknown-runner", at.span.clone(), Some(detail));
            }
        }
    }

    /// Does this name run something worth judging: a program with rules, or a runner?
    fn runs_something(&self, name: &str) -> bool {
        !name.is_empty()
            && (self.judge.watches(name)
                || crate::specs::devices::judged_without_rules(name)
                || SHELLS.contains(&name)
                || PREFIX_RUNNERS.iter().any(|(n, _, _)| *n == name)
                || matches!(name, "env" | "xargs" | "find" | "eval" | "parallel" | "su")
                || wrapper(name).is_some_and(|w| w.runs != Runs::Data))
    }
}

/// Does this option take the next word (`-u USER`; a short cluster ending in one:
/// `-Eu USER`)? `--opt=VALUE` carries its own.
fn takes_value(t: &str, value_opts: &[&str]) -> bool {
    if value_opts.contains(&t) {
        return true;
    }
    !t.starts_with("--")
        && t.len() > 2
        && t[1..].chars().all(|c| c.is_ascii_alphabetic())
        && value_opts.contains(&format!("-{}", &t[t.len() - 1..]).as_str())
}

/// The value of one of `opts` at the start of `words` (`-c CODE`, `--run=CODE`), and
/// how many words it took.
fn option_value(words: &[Word], opts: &[&str]) -> Option<(Word, usize)> {
    let first = words.first()?;
    let t = first.text();
    if opts.contains(&t.as_str()) {
        return words.get(1).map(|v| (v.clone(), 2));
    }
    let (k, _) = t.split_once('=')?;
    if k.starts_with("--") && opts.contains(&k) {
        return Some((word_after(first, k.len() + 1), 1));
    }
    None
}

/// An fd pattern (a regular expression searched for in each name) that finds `.git`:
/// read literally apart from `^`, `$`, `\.` and `.` matching any character.
fn fd_pattern_finds_git(pattern: &str) -> bool {
    const ESCAPED_DOT: char = '\u{0}';
    let p = pattern.replace("\\.", "\u{0}");
    let at_start = p.starts_with('^');
    let at_end = p.ends_with('$');
    let p = p.trim_start_matches('^').trim_end_matches('$');
    let plain = |c: char| c.is_ascii_alphanumeric() || c == '.' || c == ESCAPED_DOT;
    if p.is_empty() || !p.chars().all(plain) {
        return false;
    }
    let pat: Vec<char> = p.chars().collect();
    let name: Vec<char> = ".git".chars().collect();
    if pat.len() > name.len() {
        return false;
    }
    let last = name.len() - pat.len();
    (0..=last)
        .filter(|&start| (!at_start || start == 0) && (!at_end || start == last))
        .any(|start| {
            pat.iter()
                .zip(&name[start..])
                .all(|(&a, &b)| a == b || a == '.' || (a == ESCAPED_DOT && b == '.'))
        })
}

#[cfg(test)]
mod tests {
    use super::fd_pattern_finds_git;

    #[test]
    fn fd_patterns_that_find_git() {
        for p in [".git", "git", "^\\.git$", "\\.git", "^.git", "it$", ".g.t"] {
            assert!(fd_pattern_finds_git(p), "{p}");
        }
        for p in [
            "^git",
            "gitx",
            ".github",
            "node_modules",
            "\\.rs$",
            "",
            "g[i]t",
            "^\\.gi$",
        ] {
            assert!(!fd_pattern_finds_git(p), "{p}");
        }
    }
}
