//! Unwrapping: from the command as typed to the program that really runs.
//!
//! Prefix runners (`sudo`, `env`, `timeout`, …) are peeled off; programs that run code
//! given as text (`bash -c`, `eval`, `ssh HOST CMD`, `find -exec`, `xargs`, `git -c
//! alias.x=!…`, interpreters) have that code analysed as a command of its own.

use super::invocation::{file_text, FileText, Invocation, Redirect, Stdin};
use super::scope::{self, Scope, Value};
use super::{word_value, Analyzer, Frame, Origin};
use crate::analysers::fs;
use crate::analysers::interp::{self, Extracted};
use crate::syntax::word::{Part, Word};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// Programs that are shells: `-c STRING`, a script file, or a script on stdin.
pub const SHELLS: &[&str] = &[
    "sh",
    "bash",
    "zsh",
    "dash",
    "ksh",
    "mksh",
    "ash",
    "yash",
    "posh",
    "fish",
    "rbash",
    "lksh",
    "pdksh",
    "oksh",
    "tcsh",
    "csh",
    "interlock-bash",
    "interlock-zsh",
];

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

/// Prefix runners: (name, options that take a value, operands before the command).
const PREFIX_RUNNERS: &[(&str, &[&str], usize)] = &[
    (
        "sudo",
        &[
            "-u",
            "-g",
            "-C",
            "-D",
            "-h",
            "-p",
            "-r",
            "-t",
            "-U",
            "-T",
            "--user",
            "--group",
            "--chdir",
            "--host",
            "--prompt",
            "--role",
            "--type",
            "--other-user",
            "--close-from",
            "--command-timeout",
        ],
        0,
    ),
    ("doas", &["-u", "-C"], 0),
    ("pkexec", &["--user"], 0),
    ("nohup", &[], 0),
    ("coproc", &[], 0),
    ("setsid", &[], 0),
    ("time", &["-f", "--format", "-o", "--output"], 0),
    ("nice", &["-n", "--adjustment"], 0),
    ("ionice", &["-c", "--class", "-n", "--classdata"], 0),
    (
        "stdbuf",
        &["-i", "-o", "-e", "--input", "--output", "--error"],
        0,
    ),
    ("exec", &["-a"], 0),
    ("builtin", &[], 0),
    ("timeout", &["-s", "--signal", "-k", "--kill-after"], 1),
    ("chrt", &[], 1),
    ("taskset", &[], 1),
    ("unbuffer", &[], 0),
    (
        "rlwrap",
        &["-a", "-f", "-H", "-l", "-p", "-P", "-s", "-S", "-t", "-w"],
        0,
    ),
    (
        "strace",
        &[
            "-o", "-e", "-p", "-s", "-u", "-E", "-P", "-a", "-b", "-I", "-O", "-S", "-X",
        ],
        0,
    ),
    (
        "ltrace",
        &[
            "-o", "-e", "-p", "-s", "-u", "-n", "-a", "-A", "-D", "-F", "-l", "-L", "-w", "-x",
        ],
        0,
    ),
    ("proxychains", &["-f"], 0),
    ("proxychains4", &["-f"], 0),
    ("torsocks", &[], 0),
    ("firejail", &[], 0),
    ("chronic", &[], 0),
    ("catchsegv", &[], 0),
    ("caffeinate", &["-t", "-w"], 0),
    ("npx", &["-p", "--package"], 0),
    ("bunx", &["-p", "--package"], 0),
    ("uvx", &["--from", "--with", "-p", "--python"], 0),
    ("pnpx", &[], 0),
    ("dotenv", &["-e", "-v", "-c"], 0),
    ("runuser", &["-u", "-g", "-G", "--user", "--group"], 0),
];

/// Runners behind a subcommand: (program, subcommands, options that take a value).
const SUB_RUNNERS: &[(&str, &[&str], &[&str])] = &[
    ("bundle", &["exec"], &[]),
    ("poetry", &["run"], &[]),
    (
        "uv",
        &["run"],
        &[
            "--with",
            "--python",
            "-p",
            "--from",
            "--directory",
            "--project",
            "--env-file",
            "--package",
        ],
    ),
    ("pipenv", &["run"], &[]),
    ("pdm", &["run"], &[]),
    ("hatch", &["run"], &[]),
    ("rye", &["run"], &[]),
    (
        "pnpm",
        &["dlx", "exec"],
        &["--package", "-C", "--dir", "--filter"],
    ),
    (
        "npm",
        &["exec", "x"],
        &["-p", "--package", "-w", "--workspace"],
    ),
    ("yarn", &["dlx", "exec"], &["-p", "--package"]),
    ("bun", &["x"], &[]),
    ("doppler", &["run"], &["-p", "--project", "-c", "--config"]),
    ("op", &["run"], &["--env-file"]),
];

/// Interpreters whose `-c`/`-e` code is scanned for shell calls and deletes.
const INTERPRETERS: &[(&str, &[&str])] = &[
    ("python", &["-c"]),
    ("python2", &["-c"]),
    ("python3", &["-c"]),
    ("pypy", &["-c"]),
    ("pypy3", &["-c"]),
    ("perl", &["-e", "-E"]),
    ("ruby", &["-e"]),
    ("node", &["-e", "--eval", "-p", "--print"]),
    ("nodejs", &["-e", "--eval", "-p", "--print"]),
    ("bun", &["-e", "--eval"]),
    ("deno", &[]),
    ("php", &["-r"]),
    ("lua", &["-e"]),
    ("Rscript", &["-e"]),
    ("osascript", &["-e"]),
];

/// `/usr/bin/rm`, `./rm`, `\rm`, zsh's `=rm` are all `rm`; `python3.12` stays itself.
pub fn program_name(word: &str) -> String {
    let w = word.trim_start_matches('\\');
    let w = w.strip_prefix('=').filter(|r| !r.is_empty()).unwrap_or(w);
    let base = w.rsplit('/').next().unwrap_or(w);
    if base.is_empty() {
        w.to_string()
    } else {
        base.to_string()
    }
}

/// Index of the first operand after options. `value_opts` take the next word.
fn skip_options(args: &[Word], value_opts: &[&str]) -> usize {
    let mut i = 0;
    while i < args.len() {
        let t = args[i].text();
        if t == "--" {
            return i + 1;
        }
        if t.len() < 2 || !t.starts_with('-') {
            return i;
        }
        if value_opts.contains(&t.as_str()) {
            i += 2;
            continue;
        }
        // `-Eu root`: a cluster ending in an option that takes a value.
        if !t.starts_with("--") && t.len() > 2 {
            let last = format!("-{}", &t[t.len() - 1..]);
            if value_opts.contains(&last.as_str())
                && t[1..].chars().all(|c| c.is_ascii_alphabetic())
            {
                i += 2;
                continue;
            }
        }
        i += 1;
    }
    i
}

fn is_assignment(t: &str) -> Option<(&str, &str)> {
    let (name, value) = t.split_once('=')?;
    let ok = !name.is_empty()
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !name.starts_with(|c: char| c.is_ascii_digit());
    ok.then_some((name, value))
}

/// Everything one command brings along while it is unwrapped.
pub(crate) struct Cmd {
    pub words: Vec<Word>,
    pub env: Vec<(String, Word)>,
    pub redirects: Vec<Redirect>,
    pub stdin: Stdin,
    pub span: Range<usize>,
    pub cwd: Option<PathBuf>,
    pub remote: bool,
    pub fed_args: bool,
}

impl Analyzer<'_> {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn invoke(
        &mut self,
        words: Vec<Word>,
        env: Vec<(String, Word)>,
        redirects: Vec<Redirect>,
        stdin: Stdin,
        span: Range<usize>,
        fr: &Frame,
        scope: &mut Scope,
        nd: usize,
    ) {
        let cmd = Cmd {
            words,
            env,
            redirects,
            stdin,
            span,
            cwd: scope.cwd.clone(),
            remote: fr.remote,
            fed_args: false,
        };
        self.run_cmd(cmd, fr, scope, nd);
    }

    /// Unwrap runners until the real program is reached, then judge it.
    pub(crate) fn run_cmd(&mut self, mut cmd: Cmd, fr: &Frame, scope: &mut Scope, nd: usize) {
        self.check_env_assignments(&cmd, fr, scope);
        let mut rounds = 0;
        loop {
            rounds += 1;
            if rounds > 64 {
                self.event(
                    "shell.too-complex",
                    cmd.span.clone(),
                    Some("too many nested runners".into()),
                );
                return;
            }
            let Some(first) = cmd.words.first() else {
                // Only redirections and assignments: the redirections still act.
                if !cmd.redirects.is_empty() {
                    let inv = self.invocation(String::new(), Vec::new(), &cmd);
                    self.judge(&inv);
                }
                return;
            };
            let Some(raw_name) = first.lit() else {
                self.event(
                    "shell.computed-command",
                    first.span.clone(),
                    Some(format!(
                        "the program is `{}`, only known when it runs",
                        first.text()
                    )),
                );
                return;
            };
            if first.glob {
                self.event(
                    "shell.glob-command",
                    first.span.clone(),
                    Some(format!("the program name `{raw_name}` is a pattern")),
                );
                return;
            }
            let name = program_name(&raw_name);
            let args: Vec<Word> = cmd.words[1..].to_vec();

            if rounds == 1 && raw_name == name {
                if let Some(value) = Rc::make_mut(&mut scope.aliases).remove(&name) {
                    // An alias expands in place: its text followed by the arguments.
                    let mut code = value.clone();
                    for a in &args {
                        code.push(' ');
                        code.push_str(&shell_words::quote(&code_text(a)));
                    }
                    self.note_program(&name);
                    self.analyse_source(
                        &code,
                        Origin::Fixed(cmd.span.clone()),
                        scope,
                        fr.depth + 1,
                        cmd.remote,
                    );
                    Rc::make_mut(&mut scope.aliases).insert(name, value);
                    return;
                }
            }
            if let Some(def) = scope.functions.get(&name).cloned() {
                if raw_name == name {
                    self.note_program(&name);
                    self.call_function(&name, def, &args, fr, scope);
                    return;
                }
            }

            // Prefix runners.
            if let Some((_, opts, operands)) = PREFIX_RUNNERS.iter().find(|(n, _, _)| *n == name) {
                if (name == "sudo" || name == "doas")
                    && args
                        .iter()
                        .take_while(|w| w.text().starts_with('-'))
                        .any(|w| {
                            matches!(
                                w.text().as_str(),
                                "-e" | "--edit" | "-l" | "--list" | "-v" | "-k" | "-K"
                            )
                        })
                {
                    return self.judge_plain(&name, args, &cmd);
                }
                if name == "runuser" {
                    if let Some(i) = args
                        .iter()
                        .position(|w| w.text() == "-c" || w.text() == "--command")
                    {
                        if let Some(script) = args.get(i + 1) {
                            self.note_program(&name);
                            self.analyse_script_word(script, &[], fr, scope, cmd.remote);
                        }
                        return;
                    }
                }
                let mut start = skip_options(&args, opts);
                if name == "exec" && args.is_empty() {
                    cmd.words.clear();
                    continue;
                }
                start += operands;
                if start >= args.len() {
                    return self.judge_plain(&name, args, &cmd);
                }
                self.note_program(&name);
                cmd.words = args[start..].to_vec();
                continue;
            }
            if let Some((_, subs, opts)) = SUB_RUNNERS.iter().find(|(n, _, _)| *n == name) {
                let i = skip_options(&args, &[]);
                if args
                    .get(i)
                    .and_then(|w| w.lit())
                    .is_some_and(|s| subs.contains(&s.as_str()))
                {
                    let rest = &args[i + 1..];
                    let start = skip_options(rest, opts);
                    if start < rest.len() {
                        self.note_program(&name);
                        cmd.words = rest[start..].to_vec();
                        continue;
                    }
                }
                if name == "yarn" {
                    // `yarn prisma migrate reset` runs the package's binary.
                    if let Some(w) = args.get(i).and_then(|w| w.lit()) {
                        if !YARN_BUILTINS.contains(&w.as_str()) {
                            self.note_program(&name);
                            cmd.words = args[i..].to_vec();
                            continue;
                        }
                    }
                }
            }

            match name.as_str() {
                "env" => {
                    self.note_program(&name);
                    let mut i = 0;
                    let mut split: Option<Word> = None;
                    while i < args.len() {
                        let t = args[i].text();
                        if t == "--" {
                            i += 1;
                            break;
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
                        } else if let Some(s) = t.strip_prefix("-S").filter(|s| !s.is_empty()) {
                            split = Some(Word::literal(s, args[i].span.clone()));
                            i += 1;
                            break;
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
                        let text = s.text();
                        match shell_words::split(&text) {
                            Ok(parts) => rest.extend(
                                parts.into_iter().map(|p| Word::literal(p, s.span.clone())),
                            ),
                            Err(_) => rest.push(s),
                        }
                    }
                    rest.extend(args.get(i..).unwrap_or(&[]).iter().cloned());
                    self.check_env_assignments(&cmd, fr, scope);
                    if rest.is_empty() {
                        return;
                    }
                    cmd.words = rest;
                    continue;
                }
                "command" => {
                    if args
                        .iter()
                        .take_while(|w| w.text().starts_with('-'))
                        .any(|w| {
                            let t = w.text();
                            t.contains('v') || t.contains('V')
                        })
                    {
                        return self.judge_plain(&name, args, &cmd);
                    }
                    let start = skip_options(&args, &[]);
                    if start >= args.len() {
                        return;
                    }
                    cmd.words = args[start..].to_vec();
                    continue;
                }
                "busybox" | "toybox" => {
                    if args.is_empty() {
                        return;
                    }
                    self.note_program(&name);
                    cmd.words = args;
                    continue;
                }
                "xargs" => return self.unwrap_xargs(&args, cmd, fr, scope, nd),
                "parallel" => return self.unwrap_parallel(&args, cmd, fr, scope, nd),
                "find" => return self.unwrap_find(&args, cmd, fr, scope, nd),
                "watch" => {
                    self.note_program(&name);
                    let start = skip_options(&args, &["-n", "--interval", "-q", "--equexit"]);
                    let exec = args[..start.min(args.len())]
                        .iter()
                        .any(|w| w.text() == "-x" || w.text() == "--exec");
                    if start >= args.len() {
                        return;
                    }
                    if exec {
                        cmd.words = args[start..].to_vec();
                        continue;
                    }
                    let joined = join_words(&args[start..]);
                    return self.analyse_script_word(&joined, &[], fr, scope, cmd.remote);
                }
                "flock" => {
                    self.note_program(&name);
                    let opts = ["-w", "--wait", "--timeout", "-E", "--conflict-exit-code"];
                    let start = skip_options(&args, &opts);
                    let rest = args.get(start + 1..).unwrap_or(&[]);
                    if let Some(c) = rest.first() {
                        if c.text() == "-c" || c.text() == "--command" {
                            if let Some(s) = rest.get(1) {
                                return self.analyse_script_word(s, &[], fr, scope, cmd.remote);
                            }
                            return;
                        }
                    }
                    let s2 = skip_options(rest, &opts);
                    if s2 >= rest.len() {
                        return;
                    }
                    cmd.words = rest[s2..].to_vec();
                    continue;
                }
                "script" => {
                    self.note_program(&name);
                    let mut i = 0;
                    while i < args.len() {
                        let t = args[i].text();
                        let short_c = t.starts_with('-') && !t.starts_with("--") && t.contains('c');
                        if t == "--command" || short_c {
                            if let Some(s) = args.get(i + 1) {
                                return self.analyse_script_word(s, &[], fr, scope, cmd.remote);
                            }
                        } else if let Some(s) = t.strip_prefix("--command=") {
                            let w = Word::literal(s, args[i].span.clone());
                            return self.analyse_script_word(&w, &[], fr, scope, cmd.remote);
                        }
                        i += 1;
                    }
                    return;
                }
                "su" => {
                    self.note_program(&name);
                    let mut i = 0;
                    while i < args.len() {
                        let t = args[i].text();
                        if t == "-c" || t == "--command" {
                            if let Some(s) = args.get(i + 1) {
                                return self.analyse_script_word(s, &[], fr, scope, cmd.remote);
                            }
                        }
                        i += 1;
                    }
                    return;
                }
                "eval" => {
                    self.note_program(&name);
                    if args.is_empty() {
                        return;
                    }
                    let joined = join_words(&args);
                    let stdin = cmd.stdin.clone();
                    return self.analyse_script_word_fed(
                        &joined,
                        &[],
                        fr,
                        scope,
                        cmd.remote,
                        stdin,
                    );
                }
                "source" | "." => {
                    self.note_program(&name);
                    return self.unwrap_source(&args, &cmd, fr, scope);
                }
                "trap" => {
                    self.note_program(&name);
                    if args.len() >= 2 {
                        let t = args[0].text();
                        if t != "-" && !t.starts_with('-') {
                            return self.analyse_script_word(&args[0], &[], fr, scope, cmd.remote);
                        }
                    }
                    return;
                }
                "alias" => {
                    self.note_program(&name);
                    for a in &args {
                        if let Some(t) = a.lit() {
                            if let Some((k, value)) = t.split_once('=') {
                                Rc::make_mut(&mut scope.aliases)
                                    .insert(k.to_string(), value.to_string());
                            }
                        }
                    }
                    return;
                }
                "mv" | "move" => {
                    self.note_moves(&args, &cmd, scope);
                    return self.judge_plain(&name, args, &cmd);
                }
                "mkdir" => {
                    self.note_mkdir(&args, &cmd, scope);
                    return self.judge_plain(&name, args, &cmd);
                }
                "cd" | "pushd" => {
                    self.note_program(&name);
                    let target = args
                        .iter()
                        .find(|w| !w.text().starts_with('-') || w.text() == "-");
                    scope.cwd = match target {
                        None => self.ctx.home.clone(),
                        Some(w) if w.text() == "-" => None,
                        Some(w) => self.resolve_word(w, scope.cwd.as_deref()),
                    };
                    return;
                }
                "popd" => {
                    scope.cwd = None;
                    return;
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
                    return self.judge_plain(&name, args, &cmd);
                }
                "set" => {
                    if let Some(values) = set_operands(&args) {
                        scope.positional = Some(values.iter().map(super::word_value).collect());
                        scope.positional_generation += 1;
                    }
                    return self.judge_plain(&name, args, &cmd);
                }
                "ssh" => return self.unwrap_ssh(&args, cmd, fr, scope),
                "docker" | "podman" | "nerdctl" => {
                    if self.unwrap_container(&name, &args, &mut cmd) {
                        cmd.stdin = self.forwarded_stdin(&cmd.stdin);
                        continue;
                    }
                    return self.judge_plain(&name, args, &cmd);
                }
                "docker-compose" | "podman-compose" => {
                    if self.unwrap_compose(&args, &mut cmd) {
                        cmd.stdin = self.forwarded_stdin(&cmd.stdin);
                        continue;
                    }
                    return self.judge_plain(&name, args, &cmd);
                }
                "kubectl" | "oc" => {
                    if self.unwrap_kubectl(&args, &mut cmd) {
                        cmd.stdin = self.forwarded_stdin(&cmd.stdin);
                        continue;
                    }
                    return self.judge_plain(&name, args, &cmd);
                }
                "git" => {
                    if let Some(expanded) = self.unwrap_git(&args, &cmd, fr, scope) {
                        cmd.words = expanded;
                    }
                    let args = cmd.words[1..].to_vec();
                    return self.judge_plain("git", args, &cmd);
                }
                "at" | "batch" => {
                    self.note_program(&name);
                    if args.iter().any(|w| w.text() == "-f") {
                        return self.judge_plain(&name, args, &cmd);
                    }
                    let stdin = cmd.stdin.clone();
                    self.analyse_stdin_script(&name, &stdin, &cmd, fr, scope);
                    return self.judge_plain(&name, args, &cmd);
                }
                _ => {}
            }

            if SHELLS.contains(&name.as_str()) {
                return self.unwrap_shell(&name, &args, &cmd, fr, scope);
            }
            if let Some((_, code_flags)) = INTERPRETERS
                .iter()
                .find(|(n, _)| *n == name || interp_family(&name) == Some(*n))
            {
                self.unwrap_interpreter(&name, code_flags, &args, &cmd, fr, scope);
                return self.judge_plain(&name, args, &cmd);
            }
            if matches!(
                name.as_str(),
                "awk" | "gawk" | "mawk" | "nawk" | "busybox-awk"
            ) {
                self.unwrap_awk(&args, &cmd, fr, scope);
                return self.judge_plain(&name, args, &cmd);
            }
            return self.judge_plain(&name, args, &cmd);
        }
    }

    /// Several moves onto the same name keep only the last file: on one line (a failed
    /// `mkdir dest` turns `mv a dest; mv b dest` into overwrites), or a move of each
    /// file a loop, `xargs -I` or `find -exec` visits.
    fn note_moves(&mut self, args: &[Word], cmd: &Cmd, scope: &mut Scope) {
        if cmd.remote
            || args
                .iter()
                .any(|w| fs::keeps_what_it_would_overwrite(&w.text()))
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
    fn note_mkdir(&mut self, args: &[Word], cmd: &Cmd, scope: &mut Scope) {
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

    fn invocation(&self, program: String, args: Vec<Word>, cmd: &Cmd) -> Invocation {
        let mut inv = Invocation::new(program, args, cmd.span.clone());
        inv.cwd = cmd.cwd.clone();
        inv.stdin = cmd.stdin.clone();
        inv.redirects = cmd.redirects.clone();
        inv.env = cmd.env.clone();
        inv.remote = cmd.remote;
        inv.fed_args = cmd.fed_args;
        inv.written = Rc::clone(&self.written);
        inv
    }

    fn judge_plain(&mut self, name: &str, args: Vec<Word>, cmd: &Cmd) {
        let inv = self.invocation(name.to_string(), args, cmd);
        self.judge(&inv);
    }

    pub(crate) fn resolve_word(&self, w: &Word, cwd: Option<&std::path::Path>) -> Option<PathBuf> {
        let t = w.lit()?;
        scope::resolve(&t, cwd, self.ctx.home.as_deref())
    }

    /// Variables that hold commands git or the shell will run (`GIT_SSH_COMMAND=…`).
    fn check_env_assignments(&mut self, cmd: &Cmd, fr: &Frame, scope: &mut Scope) {
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

    /// Analyse a word holding shell code (`bash -c WORD`, `eval`, `trap`, `watch`).
    /// Positional parameters `$0 $1 …` are bound to `params`.
    pub(crate) fn analyse_script_word(
        &mut self,
        w: &Word,
        params: &[Word],
        fr: &Frame,
        scope: &mut Scope,
        remote: bool,
    ) {
        self.analyse_script_word_fed(w, params, fr, scope, remote, Stdin::Inherit);
    }

    /// Like `analyse_script_word`, for code whose commands read `stdin` (the stdin of
    /// `sh -c`, `eval` or `ssh` itself: `ssh host psql <<SQL`).
    pub(crate) fn analyse_script_word_fed(
        &mut self,
        w: &Word,
        params: &[Word],
        fr: &Frame,
        scope: &mut Scope,
        remote: bool,
        stdin: Stdin,
    ) {
        let code = code_text(w);
        let origin = self.origin_for(w, &code);
        let mut child = scope.child();
        child.stdin = stdin;
        if !params.is_empty() {
            child.positional = Some(params.iter().skip(1).map(word_value).collect());
        }
        self.analyse_source(&code, origin, &mut child, fr.depth + 1, remote);
    }

    /// What a command run elsewhere (ssh, `docker exec -i`) reads: the local stdin,
    /// with a local file's content read here, since the other side cannot see it.
    fn forwarded_stdin(&self, stdin: &Stdin) -> Stdin {
        let Stdin::File(p) = stdin else {
            return stdin.clone();
        };
        match file_text(&self.written, p, crate::engine::MAX_INPUT_BYTES as u64) {
            FileText::Text(text) => Stdin::Text {
                text,
                dynamic: false,
            },
            _ => stdin.clone(),
        }
    }

    /// Analyse code given as text (from a file or stdin), with spans on `span`.
    fn analyse_text(
        &mut self,
        code: &str,
        span: Range<usize>,
        fr: &Frame,
        scope: &mut Scope,
        remote: bool,
    ) {
        let mut child = scope.child();
        self.analyse_source(code, Origin::Fixed(span), &mut child, fr.depth + 1, remote);
    }

    /// Spans of nested code map one to one when the word is a plain slice of the line.
    fn origin_for(&self, w: &Word, code: &str) -> Origin {
        if let Some(slice) = self.line_slice(w.span.clone()) {
            if slice == code {
                return Origin::Offset(w.span.start);
            }
            if slice.len() == code.len() + 2
                && slice.starts_with('\'')
                && &slice[1..slice.len() - 1] == code
            {
                return Origin::Offset(w.span.start + 1);
            }
        }
        Origin::Fixed(w.span.clone())
    }

    fn unwrap_shell(
        &mut self,
        name: &str,
        args: &[Word],
        cmd: &Cmd,
        fr: &Frame,
        scope: &mut Scope,
    ) {
        self.note_program(name);
        let mut i = 0;
        let mut has_c = false;
        let mut from_stdin = false;
        while i < args.len() {
            let t = args[i].text();
            if t == "--" || t == "-" {
                i += 1;
                break;
            }
            if let Some(long) = t.strip_prefix("--") {
                if matches!(long, "rcfile" | "init-file") {
                    i += 1;
                } else if long == "command" {
                    has_c = true;
                } else if let Some(c) = long.strip_prefix("command=") {
                    let w = Word::literal(c, args[i].span.clone());
                    return self.analyse_script_word(&w, &[], fr, scope, cmd.remote);
                }
                i += 1;
                continue;
            }
            if (t.starts_with('-') || t.starts_with('+')) && t.len() > 1 {
                let flags = &t[1..];
                if flags.contains('c') {
                    has_c = true;
                }
                if flags.contains('s') {
                    from_stdin = true;
                }
                if flags.contains('o') || flags.contains('O') {
                    i += 1;
                }
                i += 1;
                continue;
            }
            break;
        }
        let operands = &args[i.min(args.len())..];
        if has_c {
            if let Some(script) = operands.first() {
                let stdin = cmd.stdin.clone();
                self.analyse_script_word_fed(script, &operands[1..], fr, scope, cmd.remote, stdin);
            }
            return;
        }
        if let (Some(file), false) = (operands.first(), from_stdin) {
            self.analyse_script_file(file, cmd, fr, scope);
            return;
        }
        let stdin = cmd.stdin.clone();
        self.analyse_stdin_script(name, &stdin, cmd, fr, scope);
    }

    /// A shell or interpreter reading its program from stdin.
    fn analyse_stdin_script(
        &mut self,
        name: &str,
        stdin: &Stdin,
        cmd: &Cmd,
        fr: &Frame,
        scope: &mut Scope,
    ) {
        match stdin {
            Stdin::Inherit => {}
            Stdin::Text { text, .. } => {
                let text = text.clone();
                self.analyse_text(&text, cmd.span.clone(), fr, scope, cmd.remote);
            }
            Stdin::File(p) => {
                let p = p.clone();
                self.analyse_file_path(&p, cmd.span.clone(), cmd, fr, scope);
            }
            Stdin::Computed(from) => self.event(
                "shell.pipe-to-shell",
                cmd.span.clone(),
                Some(format!(
                    "`{name}` runs code produced at run time{}",
                    if from.is_empty() {
                        String::new()
                    } else {
                        format!(" by `{from}`")
                    }
                )),
            ),
            Stdin::Paths(_) => self.event(
                "shell.pipe-to-shell",
                cmd.span.clone(),
                Some(format!("`{name}` runs a list of file names as code")),
            ),
        }
    }

    fn analyse_script_file(&mut self, file: &Word, cmd: &Cmd, fr: &Frame, scope: &mut Scope) {
        match self.resolve_word(file, cmd.cwd.as_deref()) {
            Some(p) if !file.is_dynamic() => {
                self.analyse_file_path(&p, file.span.clone(), cmd, fr, scope)
            }
            _ => {
                if file.text().starts_with("${<(")
                    || file
                        .parts
                        .iter()
                        .any(|p| matches!(p, Part::Unknown { name, .. } if name == "<(…)"))
                {
                    self.event(
                        "shell.pipe-to-shell",
                        file.span.clone(),
                        Some("a shell runs the output of another command".to_string()),
                    );
                } else {
                    self.event(
                        "shell.dynamic-script",
                        file.span.clone(),
                        Some(format!(
                            "the script `{}` is only known when it runs",
                            file.text()
                        )),
                    );
                }
            }
        }
    }

    /// Analyse a script file: one written earlier on the line, or one on disk.
    fn analyse_file_path(
        &mut self,
        p: &std::path::Path,
        span: Range<usize>,
        cmd: &Cmd,
        fr: &Frame,
        scope: &mut Scope,
    ) {
        if let Some(text) = self.written.get(p).cloned() {
            return self.analyse_text(&text, span, fr, scope, cmd.remote);
        }
        if cmd.remote || is_device_stdin(p) {
            if is_device_stdin(p) {
                let stdin = cmd.stdin.clone();
                self.analyse_stdin_script("source", &stdin, cmd, fr, scope);
            }
            return;
        }
        if is_environment_file(p, self.ctx.home.as_deref()) {
            return;
        }
        match std::fs::metadata(p) {
            Err(_) => {}
            Ok(m) if !m.is_file() => {}
            Ok(m) if m.len() > 1024 * 1024 => self.event(
                "shell.too-complex",
                span,
                Some(format!(
                    "the script {} is too large to analyse",
                    p.display()
                )),
            ),
            Ok(_) => match std::fs::read(p) {
                Ok(bytes) => {
                    let text = String::from_utf8_lossy(&bytes).into_owned();
                    self.analyse_text(&text, span, fr, scope, cmd.remote);
                }
                Err(_) => self.event(
                    "shell.dynamic-script",
                    span,
                    Some(format!(
                        "the script {} cannot be read to check it",
                        p.display()
                    )),
                ),
            },
        }
    }

    fn unwrap_source(&mut self, args: &[Word], cmd: &Cmd, fr: &Frame, scope: &mut Scope) {
        let Some(file) = args.first() else { return };
        match file.lit() {
            Some(t) if t == "/dev/stdin" || t == "-" || t == "/proc/self/fd/0" => {
                let stdin = cmd.stdin.clone();
                self.analyse_stdin_script("source", &stdin, cmd, fr, scope);
            }
            Some(_) => {
                if let Some(p) = self.resolve_word(file, cmd.cwd.as_deref()) {
                    // Sourced code shares the caller's variables and functions.
                    if let Some(text) = self.written.get(&p).cloned() {
                        self.analyse_source(
                            &text,
                            Origin::Fixed(file.span.clone()),
                            scope,
                            fr.depth + 1,
                            cmd.remote,
                        );
                    } else {
                        self.analyse_file_path(&p, file.span.clone(), cmd, fr, scope);
                    }
                }
            }
            None => self.analyse_script_file(file, cmd, fr, scope),
        }
    }

    fn unwrap_xargs(
        &mut self,
        args: &[Word],
        mut cmd: Cmd,
        fr: &Frame,
        scope: &mut Scope,
        nd: usize,
    ) {
        self.note_program("xargs");
        let value_opts = [
            "-I",
            "-n",
            "-P",
            "-d",
            "-E",
            "-L",
            "-s",
            "-a",
            "--arg-file",
            "--delimiter",
            "--max-args",
            "--max-procs",
            "--replace",
            "--max-lines",
            "--eof",
            "--process-slot-var",
        ];
        let mut replace: Option<String> = None;
        let mut i = 0;
        while i < args.len() {
            let t = args[i].text();
            if t == "--" {
                i += 1;
                break;
            }
            if !t.starts_with('-') || t.len() < 2 {
                break;
            }
            if t == "-I" || t == "--replace" {
                replace = args.get(i + 1).map(|w| w.text());
            } else if let Some(r) = t.strip_prefix("--replace=") {
                replace = Some(r.to_string());
            } else if t == "-i" {
                replace = Some("{}".into());
            } else if let Some(r) = t.strip_prefix("-I").or_else(|| t.strip_prefix("-i")) {
                replace = Some(r.to_string());
                i += 1;
                continue;
            }
            if value_opts.contains(&t.as_str()) {
                i += 2;
            } else {
                i += 1;
            }
        }
        let mut words: Vec<Word> = args.get(i..).unwrap_or(&[]).to_vec();
        if words.is_empty() {
            words.push(Word::literal("echo", cmd.span.clone()));
        }
        let fed = fed_words(&cmd.stdin, &cmd.span);
        cmd.stdin = Stdin::Computed("xargs".into());
        cmd.fed_args = true;
        self.run_fed(words, replace.as_deref(), true, fed, cmd, fr, scope, nd);
    }

    /// Run a command template once per fed argument (capped), with `{}`-style
    /// replacement or appended arguments. `each`: the real program runs once per
    /// argument too (`xargs -I`, `find -exec … ;`), not once for all (`-exec … +`).
    #[allow(clippy::too_many_arguments)]
    fn run_fed(
        &mut self,
        words: Vec<Word>,
        replace: Option<&str>,
        each: bool,
        fed: Vec<Word>,
        cmd: Cmd,
        fr: &Frame,
        scope: &mut Scope,
        nd: usize,
    ) {
        match replace {
            Some(r) if !r.is_empty() => {
                let was = scope.repeats;
                scope.repeats |= each;
                for f in fed.iter().take(8) {
                    let ws: Vec<Word> = words.iter().map(|w| substitute(w, r, f)).collect();
                    let c = Cmd {
                        words: ws,
                        env: cmd.env.clone(),
                        redirects: cmd.redirects.clone(),
                        stdin: cmd.stdin.clone(),
                        span: cmd.span.clone(),
                        cwd: cmd.cwd.clone(),
                        remote: cmd.remote,
                        fed_args: true,
                    };
                    self.run_cmd(c, fr, scope, nd + 1);
                }
                scope.repeats = was;
            }
            _ => {
                let mut ws = words;
                ws.extend(fed.into_iter().take(64));
                let c = Cmd { words: ws, ..cmd };
                self.run_cmd(c, fr, scope, nd + 1);
            }
        }
    }

    fn unwrap_parallel(
        &mut self,
        args: &[Word],
        mut cmd: Cmd,
        fr: &Frame,
        scope: &mut Scope,
        nd: usize,
    ) {
        self.note_program("parallel");
        let value_opts = [
            "-j",
            "--jobs",
            "-S",
            "--sshlogin",
            "--delay",
            "--timeout",
            "-n",
            "-N",
            "--colsep",
            "-d",
            "-I",
            "--joblog",
            "--results",
            "--tmpdir",
            "--workdir",
            "--env",
            "-a",
            "--arg-file",
        ];
        let start = skip_options(args, &value_opts);
        let rest = args.get(start..).unwrap_or(&[]);
        let sep = rest.iter().position(|w| w.text().starts_with(":::"));
        let (template, inputs) = match sep {
            Some(p) => (&rest[..p], Some(&rest[p + 1..])),
            None => (rest, None),
        };
        let fed: Vec<Word> = match inputs {
            Some(list) => list
                .iter()
                .filter(|w| !w.text().starts_with(":::"))
                .cloned()
                .collect(),
            None => fed_words(&cmd.stdin, &cmd.span),
        };
        cmd.fed_args = true;
        cmd.stdin = Stdin::Computed("parallel".into());
        if template.is_empty() {
            return;
        }
        // parallel runs its command through a shell.
        let joined = join_words(template);
        for f in fed.iter().take(8) {
            let template = code_text(&joined);
            let code = if template.contains("{}") {
                template.replace("{}", &code_text(f))
            } else {
                format!("{template} {}", shell_words::quote(&code_text(f)))
            };
            let w = Word::literal(code, cmd.span.clone());
            self.analyse_script_word(&w, &[], fr, scope, cmd.remote);
        }
        if fed.is_empty() {
            self.analyse_script_word(&joined, &[], fr, scope, cmd.remote);
        }
        let _ = nd;
    }

    fn unwrap_find(&mut self, args: &[Word], cmd: Cmd, fr: &Frame, scope: &mut Scope, nd: usize) {
        self.note_program("find");
        let mut i = 0;
        // Global options before the roots.
        while i < args.len()
            && matches!(
                args[i].text().as_str(),
                "-H" | "-L" | "-P" | "-O0" | "-O1" | "-O2" | "-O3"
            )
        {
            i += 1;
        }
        let mut roots: Vec<Word> = Vec::new();
        while i < args.len() {
            let t = args[i].text();
            if t.starts_with('-') || t == "(" || t == "!" || t == "\\(" {
                break;
            }
            roots.push(args[i].clone());
            i += 1;
        }
        if roots.is_empty() {
            roots.push(Word::literal(".", cmd.span.clone()));
        }
        let expr = &args[i.min(args.len())..];
        let filtered = expr.iter().any(|w| is_find_test(&w.text()));
        let found = found_words(&roots, filtered);
        let mut j = 0;
        let mut deletes = false;
        while j < expr.len() {
            let t = expr[j].text();
            match t.as_str() {
                "-exec" | "-execdir" | "-ok" | "-okdir" => {
                    let end = expr[j + 1..]
                        .iter()
                        .position(|w| {
                            let t = w.text();
                            t == ";" || t == "+"
                        })
                        .map(|p| j + 1 + p)
                        .unwrap_or(expr.len());
                    let template: Vec<Word> = expr[j + 1..end].to_vec();
                    if !template.is_empty() {
                        let c = Cmd {
                            words: template,
                            env: cmd.env.clone(),
                            redirects: Vec::new(),
                            stdin: Stdin::Inherit,
                            span: cmd.span.clone(),
                            cwd: cmd.cwd.clone(),
                            remote: cmd.remote,
                            fed_args: true,
                        };
                        let words = c.words.clone();
                        let each = expr.get(end).is_some_and(|w| w.text() == ";");
                        self.run_fed(words, Some("{}"), each, found.clone(), c, fr, scope, nd);
                    }
                    j = end + 1;
                }
                "-delete" => {
                    deletes = true;
                    j += 1;
                }
                _ => j += 1,
            }
        }
        // `find … -delete` deletes what it finds: judge it as `rm -r` of those paths.
        if deletes {
            let mut rm_args = vec![Word::literal("-r", cmd.span.clone())];
            rm_args.extend(found.iter().cloned());
            let mut inv = self.invocation("rm".into(), rm_args, &cmd);
            inv.span = cmd.span.clone();
            self.judge(&inv);
        }
        self.judge_plain("find", args.to_vec(), &cmd);
    }

    fn unwrap_ssh(&mut self, args: &[Word], cmd: Cmd, fr: &Frame, scope: &mut Scope) {
        self.note_program("ssh");
        let value_opts = [
            "-b", "-c", "-D", "-E", "-e", "-F", "-I", "-i", "-J", "-L", "-l", "-m", "-O", "-o",
            "-p", "-Q", "-R", "-S", "-W", "-w", "-B",
        ];
        let mut i = 0;
        while i < args.len() {
            let t = args[i].text();
            if t == "-o" {
                if let Some(v) = args.get(i + 1) {
                    self.ssh_option(v, fr, scope);
                }
            } else if let Some(v) = t.strip_prefix("-o").filter(|v| !v.is_empty()) {
                let w = Word::literal(v, args[i].span.clone());
                self.ssh_option(&w, fr, scope);
            }
            if t == "--" {
                i += 1;
                break;
            }
            if !t.starts_with('-') || t.len() < 2 {
                break;
            }
            if value_opts.contains(&t.as_str()) {
                i += 2;
            } else {
                i += 1;
            }
        }
        let Some(_host) = args.get(i) else { return };
        let rest = &args[i + 1..];
        let stdin = self.forwarded_stdin(&cmd.stdin);
        if rest.is_empty() {
            if !matches!(stdin, Stdin::Inherit) {
                let mut remote_cmd = Cmd {
                    remote: true,
                    cwd: None,
                    ..cmd
                };
                remote_cmd.stdin = stdin.clone();
                self.analyse_stdin_script("ssh", &stdin, &remote_cmd, fr, scope);
            }
            return;
        }
        // ssh joins its arguments with spaces and hands them to the remote shell.
        let joined = join_words(rest);
        let mut remote_scope = scope.child();
        remote_scope.cwd = None;
        self.analyse_script_word_fed(&joined, &[], fr, &mut remote_scope, true, stdin);
    }

    fn ssh_option(&mut self, w: &Word, fr: &Frame, scope: &mut Scope) {
        let t = w.text();
        let (k, v) = t
            .split_once('=')
            .or_else(|| t.split_once(' '))
            .unwrap_or((&t, ""));
        if matches!(
            k.to_ascii_lowercase().as_str(),
            "proxycommand" | "localcommand" | "knownhostscommand" | "remotecommand"
        ) {
            let code = Word::literal(v, w.span.clone());
            self.analyse_script_word(&code, &[], fr, scope, false);
        }
    }

    /// `docker exec C CMD…`, `docker compose exec|run S CMD…`, `docker run IMG CMD…`:
    /// rewrites `cmd` to the command run in the container.
    fn unwrap_container(&mut self, name: &str, args: &[Word], cmd: &mut Cmd) -> bool {
        let global = [
            "-H",
            "--host",
            "-c",
            "--context",
            "--config",
            "-l",
            "--log-level",
        ];
        let i = skip_options(args, &global);
        let Some(sub) = args.get(i).and_then(|w| w.lit()) else {
            return false;
        };
        let rest = &args[i + 1..];
        match sub.as_str() {
            "exec" => {
                let opts = [
                    "-e",
                    "--env",
                    "--env-file",
                    "-u",
                    "--user",
                    "-w",
                    "--workdir",
                    "--detach-keys",
                ];
                let s = skip_options(rest, &opts);
                if s + 1 >= rest.len() {
                    return false;
                }
                self.note_program(name);
                if !keeps_stdin(&rest[..s], 'i', &["--interactive"]) {
                    cmd.stdin = Stdin::Inherit;
                }
                cmd.words = rest[s + 1..].to_vec();
                cmd.remote = true;
                cmd.cwd = None;
                true
            }
            "compose" => self.unwrap_compose(rest, cmd),
            "container" => {
                let mut v = vec![Word::literal("docker", cmd.span.clone())];
                v.extend(rest.iter().cloned());
                self.unwrap_container(name, &v[1..], cmd)
            }
            _ => false,
        }
    }

    fn unwrap_compose(&mut self, args: &[Word], cmd: &mut Cmd) -> bool {
        let global = [
            "-f",
            "--file",
            "-p",
            "--project-name",
            "--profile",
            "--env-file",
            "--project-directory",
            "--ansi",
            "--parallel",
            "--progress",
        ];
        let i = skip_options(args, &global);
        let Some(sub) = args.get(i).and_then(|w| w.lit()) else {
            return false;
        };
        let rest = &args[i + 1..];
        let opts: &[&str] = match sub.as_str() {
            "exec" => &["-e", "--env", "-u", "--user", "-w", "--workdir", "--index"],
            "run" => &[
                "-e",
                "--env",
                "-u",
                "--user",
                "-w",
                "--workdir",
                "--name",
                "--entrypoint",
                "-p",
                "--publish",
                "-v",
                "--volume",
                "-l",
                "--label",
                "--cap-add",
                "--cap-drop",
                "--pull",
            ],
            _ => return false,
        };
        let s = skip_options(rest, opts);
        if s + 1 >= rest.len() {
            return false;
        }
        self.note_program("docker-compose");
        // compose attaches stdin unless told not to.
        if rest[..s].iter().any(|w| w.text() == "--interactive=false") {
            cmd.stdin = Stdin::Inherit;
        }
        cmd.words = rest[s + 1..].to_vec();
        cmd.remote = true;
        cmd.cwd = None;
        true
    }

    fn unwrap_kubectl(&mut self, args: &[Word], cmd: &mut Cmd) -> bool {
        let global = [
            "-n",
            "--namespace",
            "--context",
            "--kubeconfig",
            "--cluster",
            "--user",
            "-s",
            "--server",
            "--token",
        ];
        let i = skip_options(args, &global);
        if args.get(i).and_then(|w| w.lit()).as_deref() != Some("exec") {
            return false;
        }
        let rest = &args[i + 1..];
        let dashes = rest.iter().position(|w| w.text() == "--");
        let start = match dashes {
            Some(p) => p + 1,
            None => {
                let opts = [
                    "-c",
                    "--container",
                    "-n",
                    "--namespace",
                    "-f",
                    "--filename",
                    "--pod-running-timeout",
                ];
                skip_options(rest, &opts) + 1
            }
        };
        if start >= rest.len() {
            return false;
        }
        self.note_program("kubectl");
        let opts = &rest[..dashes.unwrap_or(start - 1)];
        if !keeps_stdin(opts, 'i', &["--stdin"]) {
            cmd.stdin = Stdin::Inherit;
        }
        cmd.words = rest[start..].to_vec();
        cmd.remote = true;
        cmd.cwd = None;
        true
    }

    /// git's `-c` options can run code (`alias.x=!cmd`, `core.fsmonitor=cmd`). Returns
    /// the expanded command words when the subcommand is an alias given with `-c`.
    fn unwrap_git(
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
        let (_, value) = aliases.iter().rev().find(|(k, _)| *k == sub)?;
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

    fn git_config(
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

    fn unwrap_interpreter(
        &mut self,
        name: &str,
        code_flags: &[&str],
        args: &[Word],
        cmd: &Cmd,
        fr: &Frame,
        scope: &mut Scope,
    ) {
        self.note_program(name);
        let lang = interp::language(name);
        let mut codes: Vec<&Word> = Vec::new();
        let mut owned: Vec<Word> = Vec::new();
        let mut i = 0;
        let mut saw_operand = false;
        let mut stdin_code = false;
        if name == "deno" && args.first().map(|w| w.text()).as_deref() == Some("eval") {
            if let Some(c) = args.get(1) {
                codes.push(c);
            }
        }
        while i < args.len() {
            let t = args[i].text();
            if t == "-" {
                stdin_code = true;
                break;
            }
            if code_flags.contains(&t.as_str()) {
                if let Some(c) = args.get(i + 1) {
                    codes.push(c);
                }
                i += 2;
                continue;
            }
            // Clusters such as `perl -pe CODE`, `perl -le'CODE'`, `python -Sc CODE`.
            if t.starts_with('-') && !t.starts_with("--") && t.len() > 2 {
                let letters: Vec<char> = code_flags
                    .iter()
                    .filter(|f| f.len() == 2)
                    .filter_map(|f| f.chars().nth(1))
                    .collect();
                if let Some(pos) = t[1..].find(|c| letters.contains(&c)) {
                    let attached = &t[pos + 2..];
                    if attached.is_empty() {
                        if let Some(c) = args.get(i + 1) {
                            codes.push(c);
                        }
                        i += 2;
                    } else {
                        owned.push(Word::literal(attached, args[i].span.clone()));
                        i += 1;
                    }
                    continue;
                }
            }
            if let Some(c) = t.strip_prefix("--eval=") {
                let _ = c;
            }
            if !t.starts_with('-') {
                saw_operand = true;
                break;
            }
            if matches!(
                t.as_str(),
                "-m" | "-W" | "-X" | "-I" | "-M" | "-r" | "--require"
            ) && name != "php"
            {
                i += 2;
                continue;
            }
            i += 1;
        }
        let has_code = !codes.is_empty() || !owned.is_empty();
        for c in codes.into_iter().chain(owned.iter()) {
            let text = c.text();
            let items = interp::extract(lang, &text);
            self.apply_extracted(items, c.span.clone(), c.is_dynamic(), cmd, fr, scope);
        }
        let reads_stdin = stdin_code
            || (!has_code && !saw_operand && args.iter().all(|w| w.text().starts_with('-')));
        if reads_stdin && !matches!(cmd.stdin, Stdin::Inherit) {
            match &cmd.stdin {
                Stdin::Text { text, .. } => {
                    let items = interp::extract(lang, text);
                    self.apply_extracted(items, cmd.span.clone(), false, cmd, fr, scope);
                }
                Stdin::Computed(from) => self.event(
                    "shell.pipe-to-shell",
                    cmd.span.clone(),
                    Some(format!(
                        "`{name}` runs code produced at run time by `{from}`"
                    )),
                ),
                _ => {}
            }
        }
    }

    fn unwrap_awk(&mut self, args: &[Word], cmd: &Cmd, fr: &Frame, scope: &mut Scope) {
        self.note_program("awk");
        let start = skip_options(
            args,
            &["-F", "-v", "-f", "--field-separator", "--assign", "--file"],
        );
        if args[..start.min(args.len())]
            .iter()
            .any(|w| w.text() == "-f" || w.text() == "--file")
        {
            return;
        }
        if let Some(prog) = args.get(start) {
            let items = interp::extract(interp::Lang::Awk, &prog.text());
            self.apply_extracted(items, prog.span.clone(), prog.is_dynamic(), cmd, fr, scope);
        }
    }

    fn apply_extracted(
        &mut self,
        items: Vec<Extracted>,
        span: Range<usize>,
        dynamic: bool,
        cmd: &Cmd,
        fr: &Frame,
        scope: &mut Scope,
    ) {
        let _ = dynamic;
        for item in items {
            match item {
                Extracted::Shell(code) => {
                    let w = Word::literal(code, span.clone());
                    self.analyse_script_word(&w, &[], fr, scope, cmd.remote);
                }
                Extracted::Delete { path, recursive } => {
                    let mut a = Vec::new();
                    if recursive {
                        a.push(Word::literal("-r", span.clone()));
                    }
                    a.push(match path {
                        Some(p) => Word::literal(p, span.clone()),
                        None => Word::unknown("path", false, span.clone()),
                    });
                    let mut inv = self.invocation("rm".into(), a, cmd);
                    inv.span = span.clone();
                    self.judge(&inv);
                }
                Extracted::Dynamic(what) => {
                    self.event("shell.interpreter-exec", span.clone(), Some(what))
                }
            }
        }
    }
}

const YARN_BUILTINS: &[&str] = &[
    "add",
    "audit",
    "autoclean",
    "bin",
    "cache",
    "check",
    "config",
    "create",
    "dedupe",
    "dlx",
    "exec",
    "explain",
    "generate-lock-entry",
    "global",
    "help",
    "import",
    "info",
    "init",
    "install",
    "licenses",
    "link",
    "list",
    "login",
    "logout",
    "node",
    "npm",
    "outdated",
    "owner",
    "pack",
    "patch",
    "plugin",
    "policies",
    "publish",
    "rebuild",
    "remove",
    "run",
    "set",
    "tag",
    "team",
    "test",
    "unlink",
    "unplug",
    "upgrade",
    "upgrade-interactive",
    "up",
    "version",
    "versions",
    "why",
    "workspace",
    "workspaces",
    "build",
    "dev",
    "start",
    "lint",
    "format",
    "typecheck",
    "serve",
    "watch",
    "preview",
];

fn interp_family(name: &str) -> Option<&'static str> {
    if name.starts_with("python") {
        return Some("python3");
    }
    if name.starts_with("perl") {
        return Some("perl");
    }
    if name.starts_with("ruby") {
        return Some("ruby");
    }
    if name.starts_with("php") {
        return Some("php");
    }
    if name.starts_with("lua") {
        return Some("lua");
    }
    None
}

/// `find` expression primaries that narrow what is found.
pub(crate) fn is_find_test(t: &str) -> bool {
    matches!(
        t,
        "-name"
            | "-iname"
            | "-path"
            | "-ipath"
            | "-wholename"
            | "-iwholename"
            | "-regex"
            | "-iregex"
            | "-type"
            | "-newer"
            | "-mtime"
            | "-mmin"
            | "-atime"
            | "-amin"
            | "-ctime"
            | "-cmin"
            | "-size"
            | "-user"
            | "-group"
            | "-uid"
            | "-gid"
            | "-perm"
            | "-empty"
            | "-links"
            | "-inum"
            | "-samefile"
            | "-lname"
            | "-ilname"
            | "-nouser"
            | "-nogroup"
            | "-newermt"
            | "-used"
            | "-xtype"
            | "-readable"
            | "-writable"
            | "-executable"
            | "-fstype"
    )
}

/// The paths `find ROOT…` yields: each root itself (when nothing filters it out) and
/// unknown paths under it.
pub(crate) fn found_words(roots: &[Word], filtered: bool) -> Vec<Word> {
    let mut out = Vec::new();
    for r in roots {
        if !filtered {
            out.push(r.clone());
        }
        let mut w = r.clone();
        let t = w.text();
        if !t.ends_with('/') {
            w.push_lit("/");
        }
        w.parts.push(Part::Unknown {
            name: "found".into(),
            maybe_empty: false,
        });
        w.glob = false;
        out.push(w);
    }
    out
}

/// The arguments `xargs` or `parallel` build from stdin.
fn fed_words(stdin: &Stdin, span: &Range<usize>) -> Vec<Word> {
    match stdin {
        Stdin::Paths(words) => words.clone(),
        Stdin::Text {
            text,
            dynamic: false,
        } => {
            let v: Vec<Word> = text
                .split_whitespace()
                .take(64)
                .map(|t| Word::literal(t, span.clone()))
                .collect();
            v
        }
        _ => vec![Word::unknown("stdin", false, span.clone())],
    }
}

/// Replace `pattern` inside a word's literal parts with the fed word.
fn substitute(w: &Word, pattern: &str, with: &Word) -> Word {
    let mut out = Word {
        parts: Vec::new(),
        glob: w.glob,
        span: w.span.clone(),
    };
    for p in &w.parts {
        match p {
            Part::Lit(t) if t.contains(pattern) => {
                let mut pieces = t.split(pattern).peekable();
                while let Some(piece) = pieces.next() {
                    if !piece.is_empty() {
                        out.push_lit(piece);
                    }
                    if pieces.peek().is_some() {
                        for q in &with.parts {
                            match q {
                                Part::Lit(x) => out.push_lit(x),
                                u => out.parts.push(u.clone()),
                            }
                        }
                    }
                }
            }
            other => out.parts.push(other.clone()),
        }
    }
    if out.parts.is_empty() {
        out.parts.push(Part::Lit(String::new()));
    }
    out
}

/// Do these options of `docker exec` / `kubectl exec` pass stdin on (`-i`, `-it`,
/// `--interactive`)?
fn keeps_stdin(opts: &[Word], short: char, long: &[&str]) -> bool {
    opts.iter().any(|w| {
        let t = w.text();
        if let Some(l) = t.strip_prefix("--") {
            return long.iter().any(|o| {
                let o = &o[2..];
                l == o || l.strip_prefix(o).is_some_and(|v| v == "=true")
            });
        }
        t.strip_prefix('-').is_some_and(|c| {
            !c.is_empty() && c.chars().all(|x| x.is_ascii_alphabetic()) && c.contains(short)
        })
    })
}

/// Join words with spaces into one word of code (as ssh and eval do).
fn join_words(words: &[Word]) -> Word {
    let span = match (words.first(), words.last()) {
        (Some(a), Some(b)) => a.span.start..b.span.end.max(a.span.start),
        _ => 0..0,
    };
    let mut out = Word {
        parts: Vec::new(),
        glob: false,
        span,
    };
    for (i, w) in words.iter().enumerate() {
        if i > 0 {
            out.push_lit(" ");
        }
        for p in &w.parts {
            match p {
                Part::Lit(t) => out.push_lit(t),
                u => out.parts.push(u.clone()),
            }
        }
    }
    out
}

/// The text of a word as code: unknown parts become a variable the analyser cannot
/// know, so nested analysis treats them as unknown too.
pub(crate) fn code_text(w: &Word) -> String {
    let mut s = String::new();
    for p in &w.parts {
        match p {
            Part::Lit(t) => s.push_str(t),
            Part::Unknown { name, .. } => {
                if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                    s.push_str("${");
                    s.push_str(name);
                    s.push('}');
                } else {
                    s.push_str("${__interlock_unknown}");
                }
            }
        }
    }
    s
}

fn is_device_stdin(p: &std::path::Path) -> bool {
    matches!(
        p.to_str(),
        Some("/dev/stdin") | Some("/proc/self/fd/0") | Some("/dev/fd/0")
    )
}

/// Files that set up a shell environment (rc files, agents' shell snapshots): sourcing
/// them is how agents start every command, and they were not written by this line.
fn is_environment_file(p: &std::path::Path, home: Option<&std::path::Path>) -> bool {
    let s = p.to_string_lossy();
    if s.starts_with("/etc/") {
        return true;
    }
    if let Some(h) = home {
        if let Ok(rel) = p.strip_prefix(h) {
            let r = rel.to_string_lossy();
            return r.starts_with(".claude/shell-snapshots/")
                || r.starts_with(".codex/")
                || matches!(
                    r.as_ref(),
                    ".bashrc"
                        | ".bash_profile"
                        | ".profile"
                        | ".zshrc"
                        | ".zprofile"
                        | ".zshenv"
                        | ".bash_login"
                        | ".cargo/env"
                        | ".nvm/nvm.sh"
                );
        }
    }
    false
}

impl Analyzer<'_> {
    fn line_slice(&self, r: Range<usize>) -> Option<&str> {
        self.line_text().get(r)
    }
}

impl Value {
    pub fn is_known(&self) -> bool {
        matches!(self, Value::Known(_))
    }
}

/// The word without its first `n` bytes of literal text (`--chdir=DIR` → `DIR`).
fn word_after(w: &Word, n: usize) -> Word {
    let mut w = w.clone();
    if let Some(Part::Lit(t)) = w.parts.first_mut() {
        *t = t.get(n..).unwrap_or_default().to_string();
    }
    w
}
