//! Unwrapping: from the command as typed to the program that really runs.
//!
//! Prefix runners (`sudo`, `env`, `timeout`, …) are peeled off; programs that run code
//! given as text (`bash -c`, `eval`, `ssh HOST CMD`, `find -exec`, `xargs`, `git -c
//! alias.x=!…`, interpreters) have that code analysed as a command of its own.

use super::interp::{self, Extracted};
use super::invocation::{file_text, FileText, Invocation, Redirect, Stdin};
use super::scope::{self, Scope, Value};
use super::{word_value, Analyzer, Frame, Origin};
use crate::specs::args::keeps_what_it_would_overwrite;
use crate::syntax::word::{Part, Word};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::rc::Rc;

mod builtins;
mod compiled;
mod containers;
mod env;
mod fed;
pub(super) mod files;
mod git;
mod interpreters;
mod jvm_builds;
mod prefix;
mod project;
mod project_tools;
mod py_tasks;
mod remote;
mod shells;
mod side_effects;
mod tasks;
mod wrappers;
mod writes;

use super::programs::PathLookup;
use builtins::is_builtin;
use interpreters::*;
use prefix::*;
use tasks::*;

pub(crate) use fed::{find_name_patterns, found_words, is_find_test};
pub(crate) use files::Runnable;
pub(crate) use git::runs_code as git_runs_code;
pub use shells::SHELLS;

/// npm packages whose command has another name: `npx firebase-tools …` runs `firebase`.
const PACKAGE_BINS: &[(&str, &str)] = &[
    ("firebase-tools", "firebase"),
    ("@mikro-orm/cli", "mikro-orm"),
    ("netlify-cli", "netlify"),
    ("@railway/cli", "railway"),
    ("@aws-amplify/cli", "amplify"),
    ("aws-cdk", "cdk"),
    ("@nestjs/cli", "nest"),
    ("@cloudflare/wrangler", "wrangler"),
    ("@upstash/cli", "upstash"),
    ("@prisma/cli", "prisma"),
    ("@angular/cli", "ng"),
    ("@vercel/cli", "vercel"),
];

/// `/usr/bin/rm`, `./rm`, `\rm`, zsh's `=rm` are all `rm`; `python3.12` stays itself;
/// an npm package spec (`firebase-tools@13`, `@mikro-orm/cli`) is the command it runs.
pub fn program_name(word: &str) -> String {
    let w = word.trim_start_matches('\\');
    if w.contains(['@', '-']) {
        let spec = match w.rfind('@') {
            Some(at) if at > 0 => &w[..at],
            _ => w,
        };
        if let Some((_, bin)) = PACKAGE_BINS.iter().find(|(p, _)| *p == spec) {
            return bin.to_string();
        }
    }
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
                // The shell expands it first: one match is that program.
                let found = (!cmd.remote)
                    .then(|| self.program_glob(&raw_name, cmd.cwd.as_deref()))
                    .flatten();
                if let Some([only]) = found.as_deref() {
                    cmd.words[0] = Word::literal(only.clone(), first.span.clone());
                    continue;
                }
                self.event(
                    "shell.glob-command",
                    first.span.clone(),
                    Some(format!("the program name `{raw_name}` is a pattern")),
                );
                return;
            }
            let mut name = self
                .copied_program(&raw_name, cmd.cwd.as_deref())
                .unwrap_or_else(|| program_name(&raw_name));
            let args: Vec<Word> = cmd.words[1..].to_vec();
            if !raw_name.contains('/') && !cmd.remote && !is_builtin(&name) {
                let cwd = cmd.cwd.clone();
                match self.path_lookup(&name, &cmd.env, scope, cwd.as_deref()) {
                    PathLookup::Usual => {}
                    PathLookup::Copy(p) => name = p,
                    PathLookup::Written(p) => {
                        // A script written earlier on the line runs: judge its text.
                        let span = cmd.words[0].span.clone();
                        return self.analyse_file_path(&p, span, &cmd, fr, scope);
                    }
                    PathLookup::Unknown(why) => {
                        self.event("shell.path-hijack", cmd.words[0].span.clone(), Some(why))
                    }
                }
            }
            if super::later::is_editor(&name) {
                let stdin = cmd.stdin.clone();
                self.editor_escapes(&name, &args, &stdin, fr, scope, cmd.remote);
            }
            if matches!(name.as_str(), "ln" | "cp" | "install") && !cmd.remote {
                self.note_program_copy(&args, cmd.cwd.as_deref());
            }

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
            // Project tasks (`npm run X`, `make`, `just`, …): the recipe is judged.
            if self.project_task(&name, &args, &cmd, fr, scope) {
                return self.judge_plain(&name, args, &cmd);
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
                        // `uv run wipe.py` runs the script with the project's Python.
                        if name == "uv" && cmd.words[0].lit().is_some_and(|w| w.ends_with(".py")) {
                            let span = cmd.words[0].span.clone();
                            cmd.words.insert(0, Word::literal("python3", span));
                        }
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
                    if self.unwrap_env(&args, &mut cmd, fr, scope) {
                        continue;
                    }
                    return;
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
                    if args.is_empty() || args.iter().all(is_setup_code) {
                        // `eval "$(ssh-agent -s)"`: the tool's own setup code.
                        return;
                    }
                    let joined = join_words(&args);
                    let stdin = cmd.stdin.clone();
                    return self.analyse_eval(&joined, fr, scope, cmd.remote, stdin);
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
                            return self.analyse_trap(&args[0], &args[1..], fr, scope, cmd.remote);
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
                "alias" | "cd" | "pushd" | "popd" | "shift" | "set" => {
                    return self.scope_builtin(&name, args, &cmd, scope);
                }
                "ssh" => return self.unwrap_ssh(&args, cmd, fr, scope),
                "docker" | "podman" | "nerdctl" => {
                    if self.run_container(&args, &cmd, fr, scope, nd) {
                        return self.judge_plain(&name, args, &cmd);
                    }
                    if self.unwrap_container(&name, &args, &mut cmd) {
                        cmd.stdin = self.forwarded_stdin(&cmd.stdin);
                        continue;
                    }
                    return self.judge_plain(&name, args, &cmd);
                }
                "docker-compose" | "podman-compose" => {
                    if self.run_compose(&args, &cmd, fr, scope, nd) {
                        return self.judge_plain(&name, args, &cmd);
                    }
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
                "crontab" => {
                    self.note_program(&name);
                    let stdin = cmd.stdin.clone();
                    let cwd = cmd.cwd.clone();
                    self.judge_crontab(&args, &stdin, cmd.span.clone(), cwd.as_deref(), fr, scope);
                    return self.judge_plain(&name, args, &cmd);
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
            // `cargo sqlx …` runs the external `cargo-sqlx`, the same program as `sqlx`.
            if name == "cargo" {
                if let Some(k) = compiled::cargo_external(&args) {
                    cmd.words = args[k..].to_vec();
                    continue;
                }
            }
            // Files that run: by path, or handed to an interpreter or test runner.
            match name.as_str() {
                "go" if args.first().is_some_and(|w| w.text() == "run") => {
                    self.go_run(&args[1..], &cmd, fr, scope)
                }
                "cargo" => self.cargo(&args, &cmd, fr, scope),
                "dotnet" => self.dotnet_run(&args, &cmd, fr, scope),
                "java" | "zig" | "rust-script" => {
                    self.source_file_program(&name, &args, &cmd, fr, scope)
                }
                "pytest" | "py.test" => self.run_pytest(&args, &cmd, fr, scope),
                _ if raw_name.contains('/') => {
                    self.run_file_by_path(&raw_name, &args, &cmd, fr, scope)
                }
                _ => {}
            }
            // fish's `and`/`or`/`not` are keywords before a command, not programs.
            if self.ctx.dialect == crate::syntax::dialect::Dialect::Fish
                && matches!(name.as_str(), "and" | "or" | "not")
                && !args.is_empty()
            {
                cmd.words = args;
                continue;
            }
            if let Some(w) = crate::specs::wrappers::wrapper(&name) {
                if w.runs != crate::specs::wrappers::Runs::Data {
                    match self.unwrap_table(&name, w, &args, &mut cmd, fr, scope, nd) {
                        wrappers::Unwrapped::Command(words) => {
                            cmd.words = words;
                            continue;
                        }
                        wrappers::Unwrapped::Done => return self.judge_plain(&name, args, &cmd),
                    }
                }
            }
            if let Some((_, code_flags)) = INTERPRETERS
                .iter()
                .find(|(n, _)| *n == name || interp_family(&name) == Some(*n))
            {
                self.interpreter_script(&name, &args, &cmd, fr, scope);
                self.unwrap_interpreter(&name, code_flags, &args, &cmd, fr, scope);
                return self.judge_plain(&name, args, &cmd);
            }
            if matches!(name.as_str(), "rails" | "gitlab-rails") {
                self.rails_runner(&args, &cmd, fr, scope);
                return self.judge_plain(&name, args, &cmd);
            }
            if matches!(
                name.as_str(),
                "awk" | "gawk" | "mawk" | "nawk" | "busybox-awk"
            ) {
                self.unwrap_awk(&args, &cmd, fr, scope);
                return self.judge_plain(&name, args, &cmd);
            }
            self.try_unknown_runner(&name, &args, &cmd, fr, scope, nd);
            return self.judge_plain(&name, args, &cmd);
        }
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

/// A word that is only `$(TOOL init …)`-style setup code (`words::SETUP_CODE`).
fn is_setup_code(w: &Word) -> bool {
    let mut any = false;
    for p in &w.parts {
        match p {
            Part::Unknown { name, .. } if name == super::words::SETUP_CODE => any = true,
            Part::Lit(t) if t.trim().is_empty() => {}
            _ => return false,
        }
    }
    any
}
