//! Remote runners: `ssh HOST CMD` runs its command on another machine.

use super::*;

impl Analyzer<'_> {
    pub(super) fn unwrap_ssh(&mut self, args: &[Word], cmd: Cmd, fr: &Frame, scope: &mut Scope) {
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

    pub(super) fn ssh_option(&mut self, w: &Word, fr: &Frame, scope: &mut Scope) {
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
}
