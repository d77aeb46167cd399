//! Code a command stores for later, and code that editors run through their shell
//! escapes.
//!
//! Text appended to a shell's startup file (`echo 'rm -rf ~' >> ~/.bashrc`) or a git
//! alias set with `git config alias.x '!…'` does nothing now, but runs the next time a
//! shell starts or the alias is used: it is judged as the shell code it is, capped at a
//! confirm (nothing is lost yet; the person decides). An editor's `!cmd` (`ed`, `ex`,
//! `vim -c ':!cmd'`) runs the command now, at full weight.

use super::invocation::{Redirect, Stdin};
use super::redirects::output_of;
use super::scope::{self, Scope};
use super::{Analyzer, Frame, Origin};
use crate::model::Decision;
use crate::syntax::word::Word;
use std::ops::Range;
use std::path::Path;

/// Startup files under HOME that a new shell reads.
const HOME_RC_FILES: &[&str] = &[
    ".bashrc",
    ".bash_profile",
    ".bash_login",
    ".bash_logout",
    ".profile",
    ".zshrc",
    ".zshenv",
    ".zprofile",
    ".zlogin",
    ".zlogout",
    ".kshrc",
    ".mkshrc",
    ".config/fish/config.fish",
];
/// System-wide startup files and directories.
const SYSTEM_RC: &[&str] = &[
    "/etc/profile",
    "/etc/bash.bashrc",
    "/etc/bashrc",
    "/etc/zsh/zshrc",
    "/etc/zshrc",
    "/etc/zsh/zshenv",
    "/etc/environment",
];

/// Whether a new shell runs this file when it starts.
pub(crate) fn is_startup_file(p: &Path, home: Option<&Path>) -> bool {
    if SYSTEM_RC.iter().any(|s| p == Path::new(s)) || p.starts_with("/etc/profile.d") {
        return true;
    }
    let Some(rel) = home.and_then(|h| p.strip_prefix(h).ok()) else {
        return false;
    };
    HOME_RC_FILES.iter().any(|f| rel == Path::new(f))
        || (rel.starts_with(".config/fish/conf.d") && rel.extension().is_some_and(|e| e == "fish"))
}

/// Where a crontab lives, and whether its lines name the user to run as.
enum CronFile {
    /// `/etc/crontab`, `/etc/cron.d/*`: `MIN HOUR DOM MON DOW USER CMD`.
    System,
    /// `/var/spool/cron/…` (what `crontab FILE` installs): `MIN HOUR DOM MON DOW CMD`.
    User,
    /// `/etc/cron.daily/*` and the like: a script run as it is.
    Script,
}

fn cron_file(p: &Path) -> Option<CronFile> {
    if p == Path::new("/etc/crontab") || p.starts_with("/etc/cron.d") {
        return Some(CronFile::System);
    }
    if p.starts_with("/var/spool/cron") {
        return Some(CronFile::User);
    }
    ["hourly", "daily", "weekly", "monthly"]
        .iter()
        .any(|d| p.starts_with(format!("/etc/cron.{d}")))
        .then_some(CronFile::Script)
}

/// The commands of a crontab's text: each entry's command, up to its first unescaped
/// `%` (the rest is the command's stdin). Comments, blank lines and `NAME=value`
/// settings have none.
pub(crate) fn cron_commands(text: &str, with_user: bool) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let l = line.trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        let first = l.split_whitespace().next().unwrap_or("");
        if first.contains('=') && !first.starts_with('@') {
            continue;
        }
        let skip = if first.starts_with('@') { 1 } else { 5 } + usize::from(with_user);
        let mut rest = l;
        for _ in 0..skip {
            rest = rest.trim_start();
            match rest.find([' ', '\t']) {
                Some(i) => rest = &rest[i..],
                None => {
                    rest = "";
                    break;
                }
            }
        }
        let rest = rest.trim();
        if rest.is_empty() {
            continue;
        }
        let mut cmd = String::new();
        let mut chars = rest.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => match chars.next() {
                    Some('%') => cmd.push('%'),
                    Some(n) => {
                        cmd.push('\\');
                        cmd.push(n);
                    }
                    None => cmd.push('\\'),
                },
                '%' => break,
                c => cmd.push(c),
            }
        }
        out.push(cmd);
    }
    out
}

/// The editors (and pagers) whose commands can escape to a shell with `!`.
pub(crate) fn is_editor(name: &str) -> bool {
    matches!(
        name,
        "ed" | "red" | "ex" | "vi" | "vim" | "nvim" | "view" | "vimdiff" | "gvim" | "rvim"
    ) || is_pager(name)
}

/// Pagers whose initial commands (`less +'!cmd'`) can run a shell command.
fn is_pager(name: &str) -> bool {
    matches!(name, "less" | "more")
}

/// The shell command an editor command line runs: `!cmd`, `:!cmd`, `:r !cmd`,
/// `:w !cmd`, `:silent !cmd`, `:.!cmd` (ranges and `:` prefixes are skipped).
pub(crate) fn editor_shell_escape(line: &str) -> Option<&str> {
    let mut t = line.trim_start_matches([':', ' ', '\t']);
    // A range: `%`, `.`, `$`, numbers, `,`, `'a`.
    t = t.trim_start_matches(|c: char| c.is_ascii_digit() || ",.%$;+-".contains(c));
    for prefix in ["silent!", "silent", "r", "read", "w", "write"] {
        if let Some(rest) = t.strip_prefix(prefix) {
            // `:w !cmd` pipes to cmd; `:w! file` only forces the write.
            let blank = rest.starts_with([' ', '\t']) || !prefix.starts_with('w');
            if blank && rest.trim_start().starts_with('!') {
                t = rest.trim_start();
                break;
            }
        }
    }
    let code = t.strip_prefix('!')?;
    // `!!` repeats the last command; `w!` forces a write (handled above as prefix).
    Some(code.trim_start_matches('!'))
}

impl Analyzer<'_> {
    /// Judge code that runs later, capped at a confirm.
    pub(crate) fn judge_later(
        &mut self,
        code: &str,
        span: Range<usize>,
        fr: &Frame,
        scope: &Scope,
        remote: bool,
    ) {
        let start = self.findings.len();
        let mut child = scope.child();
        self.analyse_source(code, Origin::Fixed(span), &mut child, fr.depth + 1, remote);
        for f in &mut self.findings[start..] {
            if f.decision == Decision::Deny {
                f.decision = Decision::Confirm;
                f.reason = format!("written to run later: {}", f.reason);
            }
        }
    }

    /// `echo CODE >> ~/.bashrc`: the appended text runs in every new shell.
    pub(super) fn judge_startup_appends(
        &mut self,
        words: &[Word],
        redirects: &[Redirect],
        stdin: &Stdin,
        fr: &Frame,
        scope: &Scope,
    ) {
        for r in redirects {
            if !(r.overwrites() || r.op == ">>") || r.fd.is_some_and(|f| f != 1) {
                continue;
            }
            let Some(t) = r.target.lit() else { continue };
            let home = self.ctx.home.as_deref();
            let Some(path) = scope::resolve(&t, scope.cwd.as_deref(), home) else {
                continue;
            };
            let cron = cron_file(&path);
            if !is_startup_file(&path, home) && cron.is_none() {
                continue;
            }
            let Stdin::Text { text, .. } = output_of(words, stdin) else {
                continue;
            };
            let span = r.target.span.clone();
            match cron {
                Some(CronFile::System) | Some(CronFile::User) => {
                    let with_user = matches!(cron, Some(CronFile::System));
                    for c in cron_commands(&text, with_user) {
                        self.judge_later(&c, span.clone(), fr, scope, fr.remote);
                    }
                }
                _ => self.judge_later(&text, span, fr, scope, fr.remote),
            }
        }
    }

    /// `crontab [-u USER] [FILE | -]`: installs a crontab; each entry's command runs
    /// later, at its time. `-l`, `-e`, `-r` install nothing (`crontab -r` is a rule).
    pub(crate) fn judge_crontab(
        &mut self,
        args: &[Word],
        stdin: &Stdin,
        span: Range<usize>,
        cwd: Option<&Path>,
        fr: &Frame,
        scope: &Scope,
    ) {
        let mut operand: Option<&Word> = None;
        let mut i = 0;
        while i < args.len() {
            let t = args[i].text();
            match t.as_str() {
                "-u" | "-s" => i += 1,
                "-l" | "-e" | "-r" | "-V" | "-T" | "--help" => return,
                "-" => operand = Some(&args[i]),
                _ if t.starts_with('-') => {}
                _ => operand = Some(&args[i]),
            }
            i += 1;
        }
        let text = match operand {
            Some(w) if w.text() != "-" => {
                let Some(p) = w.lit().and_then(|t| {
                    scope::resolve(&t, cwd.or(scope.cwd.as_deref()), self.ctx.home.as_deref())
                }) else {
                    return;
                };
                match self.runnable(&p) {
                    super::runners::Runnable::Text(t) => t,
                    _ => return,
                }
            }
            _ => match stdin {
                Stdin::Text { text, .. } => text.clone(),
                Stdin::File(p) => match self.runnable(p) {
                    super::runners::Runnable::Text(t) => t,
                    _ => return,
                },
                _ => return,
            },
        };
        for c in cron_commands(&text, false) {
            self.judge_later(&c, span.clone(), fr, scope, fr.remote);
        }
    }

    /// `git config [--global] alias.NAME VALUE`: remember the alias for a later
    /// `git NAME` on the line; a `!` alias is shell code that runs whenever it is used.
    pub(super) fn note_git_config(&mut self, rest: &[Word], fr: &Frame, scope: &Scope) {
        let mut i = 0;
        while i < rest.len() {
            let t = rest[i].text();
            match t.as_str() {
                "-f" | "--file" | "--blob" | "--type" => i += 2,
                "set" | "--add" | "--replace-all" => i += 1,
                _ if t.starts_with('-') => i += 1,
                _ => break,
            }
        }
        let (Some(key), Some(value)) = (rest.get(i), rest.get(i + 1)) else {
            return;
        };
        let key = key
            .lit()
            .map(|k| k.to_ascii_lowercase())
            .unwrap_or_default();
        // `git config core.sshCommand CMD` and the like: code git runs later.
        if key != "core.hookspath" && super::runners::git_runs_code(&key) {
            let v = value.text();
            if !matches!(v.as_str(), "true" | "false" | "") {
                let code = v.strip_prefix('!').unwrap_or(&v).to_string();
                self.judge_later(&code, value.span.clone(), fr, scope, fr.remote);
            }
            return;
        }
        let Some(name) = key.strip_prefix("alias.").map(str::to_string) else {
            return;
        };
        let v = value.text();
        if let Some(code) = v.strip_prefix('!') {
            self.judge_later(code, value.span.clone(), fr, scope, fr.remote);
        }
        self.git_aliases.insert(name, v);
    }

    /// Editor commands given on the command line (`-c CMD`, `+CMD`) or fed on stdin
    /// (`ed file <<< '!cmd'`): their shell escapes are analysed as shell code.
    pub(super) fn editor_escapes(
        &mut self,
        name: &str,
        args: &[Word],
        stdin: &Stdin,
        fr: &Frame,
        scope: &mut Scope,
        remote: bool,
    ) {
        let mut cmds: Vec<(String, Range<usize>)> = Vec::new();
        let mut i = 0;
        let pager = is_pager(name);
        while i < args.len() {
            let t = args[i].text();
            if !pager && (t == "-c" || t == "--cmd") {
                if let Some(w) = args.get(i + 1) {
                    cmds.push((w.text(), w.span.clone()));
                }
                i += 2;
                continue;
            }
            if let Some(c) = t.strip_prefix('+').filter(|c| !c.is_empty()) {
                cmds.push((c.to_string(), args[i].span.clone()));
            }
            i += 1;
        }
        // ed and ex read their commands from stdin; so does vim with `-s` or `-e`.
        let reads_stdin = matches!(name, "ed" | "red" | "ex")
            || !pager
                && args
                    .iter()
                    .any(|w| matches!(w.text().as_str(), "-e" | "-es" | "-s" | "-E"));
        if let (true, Stdin::Text { text, .. }) = (reads_stdin, stdin) {
            let span = args.first().map(|w| w.span.clone()).unwrap_or(0..0);
            for l in text.lines() {
                cmds.push((l.to_string(), span.clone()));
            }
        }
        for (c, span) in cmds {
            for part in c.split('|') {
                if let Some(code) = editor_shell_escape(part) {
                    if !code.trim().is_empty() {
                        let origin = Origin::Fixed(span.clone());
                        self.analyse_source(code, origin, scope, fr.depth + 1, remote);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(editor_shell_escape("!rm -rf ~"), Some("rm -rf ~"));
        assert_eq!(editor_shell_escape(":!rm -rf ~"), Some("rm -rf ~"));
        assert_eq!(editor_shell_escape(":r !ls"), Some("ls"));
        assert_eq!(editor_shell_escape(":%!sort"), Some("sort"));
        assert_eq!(editor_shell_escape(":silent !make"), Some("make"));
        assert_eq!(editor_shell_escape(":wq"), None);
        assert_eq!(editor_shell_escape("w"), None);
        assert_eq!(editor_shell_escape(":w! out.txt"), None);
        assert_eq!(editor_shell_escape(":w !sh"), Some("sh"));
        assert_eq!(editor_shell_escape("1,$s/a/b/"), None);
    }

    #[test]
    fn crontab_lines() {
        let text = "# m h dom mon dow command\nMAILTO=me\nSHELL=/bin/bash\n\n\
                    */5 * * * * /usr/bin/backup.sh --all\n@reboot rm -rf ~/tmp\n\
                    0 3 * * 1-5 date +\\%F >> log % stdin text\n";
        assert_eq!(
            cron_commands(text, false),
            vec![
                "/usr/bin/backup.sh --all",
                "rm -rf ~/tmp",
                "date +%F >> log "
            ]
        );
        assert_eq!(
            cron_commands("0 0 * * * root rm -rf /\n", true),
            vec!["rm -rf /"]
        );
        assert!(cron_commands("* * * *\n", false).is_empty());
    }

    #[test]
    fn startup_files() {
        let h = Path::new("/home/u");
        assert!(is_startup_file(Path::new("/home/u/.bashrc"), Some(h)));
        assert!(is_startup_file(
            Path::new("/home/u/.config/fish/conf.d/x.fish"),
            Some(h)
        ));
        assert!(is_startup_file(Path::new("/etc/profile.d/x.sh"), Some(h)));
        assert!(!is_startup_file(Path::new("/home/u/notes.txt"), Some(h)));
    }
}
