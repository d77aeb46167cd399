//! Shells and code given as text: `bash -c`, `eval`, `source`, scripts run by path or
//! fed on stdin, files written earlier on the line.

use super::*;

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

impl Analyzer<'_> {
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

    /// `eval CODE`: the code runs in the current shell, with its variables, and what
    /// it assigns stays assigned.
    pub(super) fn analyse_eval(
        &mut self,
        w: &Word,
        fr: &Frame,
        scope: &mut Scope,
        remote: bool,
        stdin: Stdin,
    ) {
        let code = code_text(w);
        let origin = self.origin_for(w, &code);
        let saved = std::mem::replace(&mut scope.stdin, stdin);
        self.analyse_source(&code, origin, scope, fr.depth + 1, remote);
        scope.stdin = saved;
    }

    /// `trap CODE SIGNAL…`: the code runs later in the current shell. It is judged now
    /// with the variables as they are, and, for EXIT, again with their values at the
    /// end of the line (`d=$(mktemp -d); trap 'rm -rf "$d"' EXIT` is read as deleting
    /// the temporary directory; a later `d=~` is seen).
    pub(super) fn analyse_trap(
        &mut self,
        w: &Word,
        signals: &[Word],
        fr: &Frame,
        scope: &mut Scope,
        remote: bool,
    ) {
        let code = code_text(w);
        let origin = self.origin_for(w, &code);
        let at_exit = signals
            .iter()
            .any(|s| matches!(s.text().as_str(), "EXIT" | "exit" | "0" | "SIGEXIT"));
        if !at_exit || fr.depth > 0 {
            // Run at a time not known here: its variables are not known either.
            return self.analyse_script_word(w, &[], fr, scope, remote);
        }
        let mut now = scope.clone();
        now.stdin = Stdin::Inherit;
        self.exit_traps
            .push((code.clone(), origin.clone(), remote, scope.cwd.clone()));
        self.analyse_source(&code, origin, &mut now, fr.depth + 1, remote);
    }

    /// What a command run elsewhere (ssh, `docker exec -i`) reads: the local stdin,
    /// with a local file's content read here, since the other side cannot see it.
    pub(super) fn forwarded_stdin(&self, stdin: &Stdin) -> Stdin {
        let Stdin::File(p) = stdin else {
            return stdin.clone();
        };
        match file_text(&self.written, p, crate::model::MAX_INPUT_BYTES as u64) {
            FileText::Text(text) => Stdin::Text {
                text,
                dynamic: false,
            },
            _ => stdin.clone(),
        }
    }

    /// Analyse code given as text (from a file or stdin), with spans on `span`.
    pub(super) fn analyse_text(
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
    pub(super) fn origin_for(&self, w: &Word, code: &str) -> Origin {
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

    pub(super) fn unwrap_shell(
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
            if t.starts_with('-') && t.len() > 1 && t[1..].contains('n') {
                // `bash -n FILE`: read for syntax, nothing runs.
                return;
            }
            if t == "-o" && args.get(i + 1).is_some_and(|w| w.text() == "noexec") {
                return;
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
            return self.shell_script_file(file, &operands[1..], cmd, fr, scope);
        }
        let stdin = cmd.stdin.clone();
        self.analyse_stdin_script(name, &stdin, cmd, fr, scope);
    }

    /// A shell or interpreter reading its program from stdin.
    pub(super) fn analyse_stdin_script(
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

    pub(super) fn analyse_script_file(
        &mut self,
        file: &Word,
        cmd: &Cmd,
        fr: &Frame,
        scope: &mut Scope,
    ) {
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
    pub(super) fn analyse_file_path(
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
        if let Some(how) = self.unknown_files.get(p) {
            let why = format!(
                "{} is {how} earlier on the line, so its content is not known",
                p.display()
            );
            return self.event("shell.dynamic-script", span, Some(why));
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

    /// `bash FILE ARGS`: the script with `$1 …` bound to its arguments.
    fn shell_script_file(
        &mut self,
        file: &Word,
        params: &[Word],
        cmd: &Cmd,
        fr: &Frame,
        scope: &mut Scope,
    ) {
        let p = match self.resolve_word(file, cmd.cwd.as_deref()) {
            Some(p) if !file.is_dynamic() && !cmd.remote && !is_device_stdin(&p) => p,
            _ => return self.analyse_script_file(file, cmd, fr, scope),
        };
        if is_environment_file(&p, self.ctx.home.as_deref()) {
            return;
        }
        match self.runnable(&p) {
            // A script that runs itself (husky's `sh -e "$0"`) is being judged already.
            Runnable::Text(_) if self.files_open.contains(&p) => {}
            Runnable::Text(text) => {
                let zero = std::mem::replace(&mut self.script_zero, p.to_str().map(str::to_string));
                self.files_open.push(p.clone());
                self.judge_code(
                    "sh",
                    &text,
                    params,
                    file.span.clone(),
                    cmd,
                    fr,
                    scope,
                    false,
                );
                self.files_open.pop();
                self.script_zero = zero;
            }
            Runnable::Unreadable(why) => {
                self.event("shell.dynamic-script", file.span.clone(), Some(why))
            }
            Runnable::Missing | Runnable::Compiled => {}
        }
    }

    pub(super) fn unwrap_source(
        &mut self,
        args: &[Word],
        cmd: &Cmd,
        fr: &Frame,
        scope: &mut Scope,
    ) {
        let Some(file) = args.first() else { return };
        if matches!(file.parts.as_slice(), [Part::Unknown { name, .. }] if name == super::super::words::SETUP_CODE_FILE)
        {
            // `source <(kubectl completion bash)`: the tool's own setup code.
            return;
        }
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
                    } else if !cmd.remote
                        && !is_device_stdin(&p)
                        && !self.unknown_files.contains_key(&p)
                        && !is_environment_file(&p, self.ctx.home.as_deref())
                    {
                        match self.runnable(&p) {
                            Runnable::Text(_) if self.files_open.contains(&p) => {}
                            Runnable::Text(text) => {
                                self.files_open.push(p.clone());
                                self.analyse_source(
                                    &text,
                                    Origin::Fixed(file.span.clone()),
                                    scope,
                                    fr.depth + 1,
                                    false,
                                );
                                self.files_open.pop();
                            }
                            Runnable::Unreadable(why) => {
                                self.event("shell.dynamic-script", file.span.clone(), Some(why))
                            }
                            Runnable::Missing | Runnable::Compiled => {}
                        }
                    } else {
                        self.analyse_file_path(&p, file.span.clone(), cmd, fr, scope);
                    }
                }
            }
            None => self.analyse_script_file(file, cmd, fr, scope),
        }
    }
}

pub(super) fn is_device_stdin(p: &std::path::Path) -> bool {
    matches!(
        p.to_str(),
        Some("/dev/stdin") | Some("/proc/self/fd/0") | Some("/dev/fd/0")
    )
}

/// Files that set up a shell environment (rc files, agents' shell snapshots): sourcing
/// them is how agents start every command, and they were not written by this line.
pub(super) fn is_environment_file(p: &std::path::Path, home: Option<&std::path::Path>) -> bool {
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
