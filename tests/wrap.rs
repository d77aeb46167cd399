//! `interlock wrap` driven from a PTY the test owns, like a terminal emulator: real
//! bash, zsh and fish, real keys, real files. Every wait polls the output with a
//! generous deadline; nothing sleeps to decide an outcome.

use nix::libc;
use nix::pty::{openpty, Winsize};
use nix::sys::signal::{kill, Signal};
use nix::sys::termios::{tcgetattr, LocalFlags};
use nix::unistd::Pid;
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

const WAIT: Duration = Duration::from_secs(30);
const PROMPT: &str = "PROMPT> ";

struct Term {
    child: std::process::Child,
    pid: Pid,
    master: std::fs::File,
    slave: OwnedFd,
    out: Arc<(Mutex<Vec<u8>>, Condvar)>,
    /// Output before this offset has been matched already.
    mark: usize,
    home: tempfile::TempDir,
    syncs: u32,
}

fn interlock() -> &'static str {
    env!("CARGO_BIN_EXE_interlock")
}

/// The real shells are part of the test: a missing one is a failure, not a skip.
fn require(program: &str) {
    let runs = Command::new(program)
        .arg("-c")
        .arg("exit 0")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        runs,
        "{program} is not installed; `bash .ci/run` installs it"
    );
}

impl Term {
    /// Start `interlock wrap ARGS` in a fresh 24×80 terminal with HOME in a scratch
    /// directory (holding the shells' startup files) and the working directory in
    /// `$HOME/work`.
    fn start(args: &[&str]) -> Term {
        Term::start_with(args, |_| {})
    }

    /// Like `start`, with a chance to add files to the scratch HOME first.
    fn start_with(args: &[&str], setup: impl FnOnce(&Path)) -> Term {
        Term::start_bin(Path::new(interlock()), args, setup)
    }

    fn start_bin(bin: &Path, args: &[&str], setup: impl FnOnce(&Path)) -> Term {
        let mut all = vec!["wrap"];
        all.extend_from_slice(args);
        Term::spawn(bin, &all, setup)
    }

    /// Run `program ARGS` as the terminal's session leader.
    fn spawn(program: &Path, args: &[&str], setup: impl FnOnce(&Path)) -> Term {
        // Not under /tmp: deleting in temporary directories is allowed on purpose.
        let home = tempfile::Builder::new()
            .prefix("ilw")
            .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
            .expect("tempdir");
        let h = home.path();
        std::fs::create_dir_all(h.join("work")).expect("work");
        std::fs::create_dir_all(h.join("marker-dir")).expect("marker");
        std::fs::write(h.join("marker-dir/keep"), "x").expect("marker file");
        std::fs::write(h.join(".bashrc"), format!("PS1='{PROMPT}'\n")).expect("bashrc");
        std::fs::write(h.join(".zshrc"), format!("PROMPT='{PROMPT}'\n")).expect("zshrc");
        std::fs::create_dir_all(h.join(".config/fish")).expect("fish dir");
        std::fs::write(
            h.join(".config/fish/config.fish"),
            format!("set -g fish_greeting\nfunction fish_prompt; printf '{PROMPT}'; end\n"),
        )
        .expect("fish config");
        setup(h);

        let ws = Winsize {
            ws_row: 24,
            ws_col: 80,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        let pty = openpty(&ws, None).expect("openpty");
        let slave = pty.slave;
        let mut cmd = Command::new(program);
        cmd.args(args)
            .current_dir(h.join("work"))
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", h)
            .env("TERM", "xterm-256color")
            .env("LANG", "C.UTF-8")
            .env("XDG_CONFIG_HOME", h.join(".config"))
            .env("XDG_DATA_HOME", h.join(".local/share"))
            .env("INTERLOCK_STATE_DIR", h.join("state"))
            .env("INTERLOCK_SYSTEM_CONFIG", h.join("no-system-config"))
            .stdin(Stdio::from(slave.try_clone().expect("dup")))
            .stdout(Stdio::from(slave.try_clone().expect("dup")))
            .stderr(Stdio::from(slave.try_clone().expect("dup")));
        unsafe {
            cmd.pre_exec(|| {
                if libc::setsid() < 0 || libc::ioctl(0, libc::TIOCSCTTY as _, 0) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = cmd.spawn().expect("spawn interlock wrap");
        let pid = Pid::from_raw(child.id() as i32);
        drop(cmd);
        let master = std::fs::File::from(pty.master);
        let out = Arc::new((Mutex::new(Vec::new()), Condvar::new()));
        let reader = master.try_clone().expect("clone master");
        let sink = Arc::clone(&out);
        std::thread::spawn(move || {
            let mut reader = reader;
            let mut buf = [0u8; 65536];
            loop {
                match reader.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        let (lock, cv) = &*sink;
                        lock.lock().expect("lock").extend_from_slice(&buf[..n]);
                        cv.notify_all();
                    }
                }
            }
        });
        Term {
            child,
            pid,
            master,
            slave,
            out,
            mark: 0,
            home,
            syncs: 0,
        }
    }

    fn home(&self) -> &Path {
        self.home.path()
    }

    fn send(&mut self, bytes: &[u8]) {
        self.master.write_all(bytes).expect("write to terminal");
    }

    /// Type a line and press Enter.
    fn line(&mut self, text: &str) {
        self.send(text.as_bytes());
        self.send(b"\r");
    }

    fn output(&self) -> String {
        String::from_utf8_lossy(&self.out.0.lock().expect("lock")).into_owned()
    }

    /// Wait until `needle` appears after the mark; move the mark past it.
    fn expect(&mut self, needle: &str) -> String {
        match self.try_expect(needle, WAIT) {
            Some(seen) => seen,
            None => {
                let out = self.out.0.lock().expect("lock");
                let tail = String::from_utf8_lossy(&out[self.mark.min(out.len())..]).into_owned();
                drop(out);
                panic!("timed out waiting for {needle:?}; output after the mark:\n{tail:?}");
            }
        }
    }

    /// Like `expect`, but give up after `d` and return `None`.
    fn try_expect(&mut self, needle: &str, d: Duration) -> Option<String> {
        let (lock, cv) = &*self.out;
        let deadline = Instant::now() + d;
        let mut out = lock.lock().expect("lock");
        loop {
            let hay = &out[self.mark.min(out.len())..];
            if let Some(i) = find(hay, needle.as_bytes()) {
                let seen = String::from_utf8_lossy(&hay[..i + needle.len()]).into_owned();
                self.mark += i + needle.len();
                return Some(seen);
            }
            let now = Instant::now();
            if now >= deadline {
                return None;
            }
            out = cv.wait_timeout(out, deadline - now).expect("wait").0;
        }
    }

    /// Send `keys` until `needle` shows up (for keys that only work once a program
    /// has started, like Ctrl-Z).
    fn send_until(&mut self, keys: &[u8], needle: &str) {
        let deadline = Instant::now() + WAIT;
        loop {
            self.send(keys);
            if self
                .try_expect(needle, Duration::from_millis(300))
                .is_some()
            {
                return;
            }
            assert!(Instant::now() < deadline, "{needle:?} never appeared");
        }
    }

    /// Wait for the card and return its text.
    fn card(&mut self) -> String {
        self.expect("INTERLOCK");
        self.expect("= no")
    }

    fn prompt(&mut self) {
        self.expect(PROMPT);
    }

    /// Run a marker command and wait for its output: everything typed before has run.
    fn sync(&mut self) {
        self.syncs += 1;
        let n = self.syncs;
        self.line(&format!("echo sync''-{}", n + 1000));
        self.expect(&format!("sync-{}", n + 1000));
    }

    fn resize(&mut self, rows: u16, cols: u16) {
        let ws = Winsize {
            ws_row: rows,
            ws_col: cols,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        let r = unsafe { libc::ioctl(self.master.as_raw_fd(), libc::TIOCSWINSZ, &ws) };
        assert_eq!(r, 0, "TIOCSWINSZ");
    }

    /// Wait for `interlock wrap` to exit; its exit status (128+N for a signal).
    fn wait(&mut self) -> i32 {
        use std::os::unix::process::ExitStatusExt;
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(s) = self.child.try_wait().expect("try_wait") {
                return s.code().unwrap_or_else(|| 128 + s.signal().unwrap_or(0));
            }
            assert!(Instant::now() < deadline, "interlock wrap did not exit");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The local flags of the test's terminal (what a user's terminal would be left in).
    fn lflags(&self) -> LocalFlags {
        tcgetattr(&self.slave).expect("tcgetattr").local_flags
    }

    /// Poll until the terminal is back in cooked mode with echo.
    fn wait_cooked(&self) {
        let deadline = Instant::now() + WAIT;
        while !self
            .lflags()
            .contains(LocalFlags::ICANON | LocalFlags::ECHO)
        {
            assert!(
                Instant::now() < deadline,
                "terminal left in raw mode: {:?}",
                self.lflags()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Term {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Is a process named `name`, below `root`, the foreground job of its terminal?
fn foreground_descendant(root: Pid, name: &str) -> bool {
    // /proc/PID/stat: pid (comm) state ppid pgrp session tty_nr tpgid …
    let stat = |pid: i32| -> Option<(String, i32, i32, i32)> {
        let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        let open = s.find('(')?;
        let close = s.rfind(')')?;
        let comm = s[open + 1..close].to_string();
        let f: Vec<&str> = s[close + 2..].split(' ').collect();
        Some((
            comm,
            f[1].parse().ok()?,
            f[2].parse().ok()?,
            f[5].parse().ok()?,
        ))
    };
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return false;
    };
    for e in dir.flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|n| n.parse::<i32>().ok()) else {
            continue;
        };
        let Some((comm, mut ppid, pgrp, tpgid)) = stat(pid) else {
            continue;
        };
        if comm != name || pgrp != tpgid {
            continue;
        }
        for _ in 0..16 {
            if ppid == root.as_raw() {
                return true;
            }
            match stat(ppid) {
                Some((_, p, _, _)) if p > 1 => ppid = p,
                _ => break,
            }
        }
    }
    false
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn marker(t: &Term) -> PathBuf {
    t.home().join("marker-dir/keep")
}

/// Prints, from inside the session, where its broker listens and its token file.
const SHOW_BROKER: &str = "echo \"BROKER=$INTERLOCK_BROKER:TOKEN=$INTERLOCK_BROKER_TOKEN:END\"";

/// The session's broker as a program inside it sees it, read from what
/// [`SHOW_BROKER`] printed.
struct Broker {
    sock: PathBuf,
    token: String,
}

impl Broker {
    fn seen(t: &mut Term) -> Broker {
        // The slash tells the printed value from the typed line's `$INTERLOCK_BROKER`.
        t.expect("BROKER=/");
        let seen = t.expect(":END");
        let (sock, token_file) = seen
            .trim_end_matches(":END")
            .split_once(":TOKEN=")
            .expect("socket and token file");
        let token = interlock::broker::read_token(Path::new(token_file)).expect("token");
        Broker {
            sock: PathBuf::from(format!("/{sock}")),
            token,
        }
    }

    /// Ask for approval of `command` as an agent shell with `pid` would, on a thread.
    fn ask(
        &self,
        token: &str,
        command: &str,
        pid: u32,
    ) -> std::thread::JoinHandle<std::io::Result<interlock::broker::Response>> {
        let req = interlock::broker::Request::Approve {
            token: token.into(),
            command: command.into(),
            cwd: "/tmp".into(),
            rules: vec![],
            pid,
        };
        let sock = self.sock.clone();
        std::thread::spawn(move || interlock::broker::ask(&sock, &req, WAIT))
    }
}

/// Start a shell session and wait for its first prompt.
fn shell(name: &str) -> Term {
    require(name);
    let mut t = Term::start(&["--shell", name]);
    t.prompt();
    t
}

fn refuse_then_approve(name: &str) {
    let mut t = shell(name);
    t.line("rm -rf ~/marker-dir");
    let card = t.card();
    assert!(card.contains("rm -rf"), "{card}");
    assert!(card.contains("fs.delete-protected"), "{card}");
    t.send(b"n");
    t.expect("refused, not run");
    // The refusal starts on a line of its own, not after the typed command.
    let all = t.output();
    let before = &all[..all.rfind("interlock: refused").expect("message")];
    assert!(
        before.trim_end_matches('\r').ends_with('\n'),
        "{name}: {:?}",
        &before[before.len().saturating_sub(200)..]
    );
    t.prompt();
    t.line("echo after''-42");
    t.expect("after-42");
    t.prompt();
    assert!(marker(&t).exists(), "a refused command ran");

    t.line("rm -rf ~/marker-dir");
    t.card();
    t.send(b"y");
    t.prompt();
    t.line("echo gone''-42");
    t.expect("gone-42");
    assert!(!marker(&t).exists(), "an approved command did not run");
    // Both decisions are in the audit log, from the wrap door.
    let log = std::fs::read_to_string(t.home().join("state/audit.jsonl")).expect("audit log");
    let entries: Vec<serde_json::Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    let outcomes: Vec<(&str, &str)> = entries
        .iter()
        .map(|e| {
            (
                e["source"].as_str().unwrap_or(""),
                e["outcome"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        outcomes,
        [("wrap", "refused"), ("wrap", "approved")],
        "{log}"
    );
    t.line("exit 7");
    assert_eq!(t.wait(), 7);
}

#[test]
fn bash_refuse_then_approve() {
    refuse_then_approve("bash");
}

#[test]
fn zsh_refuse_then_approve() {
    refuse_then_approve("zsh");
}

#[test]
fn fish_refuse_then_approve() {
    refuse_then_approve("fish");
}

fn allowed_commands_run_untouched(name: &str) {
    let mut t = shell(name);
    t.line("echo hello > f.txt; cat f.txt; rm -rf f.txt; git --version >/dev/null; echo ok''-42");
    t.expect("ok-42");
    t.prompt();
    assert!(
        !t.output().contains("INTERLOCK"),
        "an allowed command got a card"
    );
    assert!(!t.home().join("work/f.txt").exists());
    t.line("exit");
    assert_eq!(t.wait(), 0);
}

#[test]
fn bash_allowed_commands_run_untouched() {
    allowed_commands_run_untouched("bash");
    // The hook's helper is not one of the user's jobs.
    let mut t = shell("bash");
    t.line("echo jobs''=$(jobs | wc -l)");
    t.expect("jobs=0");
    t.line("exit");
    assert_eq!(t.wait(), 0);
}

#[test]
fn zsh_allowed_commands_run_untouched() {
    allowed_commands_run_untouched("zsh");
}

#[test]
fn fish_allowed_commands_run_untouched() {
    allowed_commands_run_untouched("fish");
}

/// A loop typed over several lines is judged as the whole loop, once it is complete.
fn multi_line(name: &str, head: &str, body: &str, tail: &str) {
    let mut t = shell(name);
    t.line(head);
    t.line(body);
    t.line(tail);
    let card = t.card();
    assert!(card.contains("marker-dir"), "{card}");
    t.send(b"n");
    t.expect("refused, not run");
    t.prompt();
    assert!(
        marker(&t).exists(),
        "part of a refused multi-line command ran"
    );
    assert!(
        !t.output().contains("\nlooped"),
        "part of a refused multi-line command ran"
    );
    t.line("exit 0");
    assert_eq!(t.wait(), 0);
}

#[test]
fn bash_multi_line_is_judged_whole() {
    multi_line(
        "bash",
        "for d in marker-dir; do",
        "echo loop''ed; rm -rf ~/\"$d\"",
        "done",
    );
}

#[test]
fn zsh_multi_line_is_judged_whole() {
    multi_line(
        "zsh",
        "for d in marker-dir; do",
        "echo loop''ed; rm -rf ~/\"$d\"",
        "done",
    );
}

#[test]
fn fish_multi_line_is_judged_whole() {
    multi_line(
        "fish",
        "for d in marker-dir",
        "echo loop''ed; rm -rf ~/$d",
        "end",
    );
}

#[test]
fn bash_heredoc_is_judged_with_its_body() {
    let mut t = shell("bash");
    t.line("cat > ~/note.txt <<'EOF'");
    t.line("hello heredoc");
    t.line("EOF");
    t.sync();
    let note = std::fs::read_to_string(t.home().join("note.txt")).expect("note written");
    assert_eq!(note, "hello heredoc\n");
    // A shell fed a heredoc reads it and exits: no card (no session.unguarded-shell).
    let mark = t.output().len();
    t.line("bash <<'EOF'");
    t.line("echo from''-heredoc");
    t.line("EOF");
    t.expect("from-heredoc");
    t.prompt();
    assert!(
        !t.output()[mark..].contains("INTERLOCK"),
        "a card for a harmless heredoc: {:?}",
        &t.output()[mark..]
    );
    t.line("bash <<'EOF'");
    t.line("rm -rf ~/marker-dir");
    t.line("EOF");
    let card = t.card();
    assert!(
        card.contains("rm -rf ") && card.contains("~/marker-dir"),
        "{card}"
    );
    t.send(b"n");
    t.prompt();
    assert!(marker(&t).exists());
    t.line("exit");
    assert_eq!(t.wait(), 0);
}

fn pasted_block(name: &str) {
    let mut t = shell(name);
    // A pasted block (bracketed paste) is judged as a whole when Enter is pressed.
    t.send(b"\x1b[200~echo pas''ted\nrm -rf ~/marker-dir\x1b[201~");
    t.send(b"\r");
    let card = t.card();
    assert!(card.contains("echo pas''ted"), "{card}");
    t.send(b"n");
    t.prompt();
    assert!(marker(&t).exists());
    assert!(
        !t.output().contains("\npasted"),
        "half of a refused paste ran"
    );
    t.send(b"\x1b[200~echo one''-1\necho two''-2\x1b[201~");
    t.send(b"\r");
    t.expect("one-1");
    t.expect("two-2");
    t.line("exit");
    assert_eq!(t.wait(), 0);
}

#[test]
fn bash_pasted_block() {
    pasted_block("bash");
}

#[test]
fn zsh_pasted_block() {
    pasted_block("zsh");
}

#[test]
fn fish_pasted_block() {
    pasted_block("fish");
}

#[test]
fn deny_needs_the_typed_phrase() {
    let mut t = shell("bash");
    t.line("rm -rf ~");
    t.expect("INTERLOCK");
    let card = t.expect("  > ");
    assert!(card.contains("fs.delete-critical"), "{card}");
    // The phrase is the rule id, as `interlock approve` asks for the same finding.
    assert!(card.contains("    fs.delete-critical"), "{card}");
    // A single key is not enough, nor a wrong phrase.
    t.send(b"y\r");
    t.expect("not the phrase");
    t.send(b"\x1b");
    t.expect("refused, not run");
    t.prompt();
    assert!(marker(&t).exists());
    t.line("exit");
    assert_eq!(t.wait(), 0);
}

#[test]
fn removing_the_hook_is_stopped() {
    let mut t = shell("bash");
    t.line("unset -f __interlock_enter");
    let card = t.card();
    assert!(card.contains("session.unhook"), "{card}");
    t.send(b"n");
    t.prompt();
    t.line("exec bash --norc");
    let card = t.card();
    assert!(card.contains("session.unguarded-shell"), "{card}");
    t.send(b"n");
    t.prompt();
    // Still guarded.
    t.line("rm -rf ~/marker-dir");
    t.card();
    t.send(b"n");
    t.prompt();
    assert!(marker(&t).exists());
    t.line("exit");
    assert_eq!(t.wait(), 0);
}

#[test]
fn the_session_says_once_that_it_is_guarded() {
    let mut t = shell("bash");
    t.line("echo one''-42");
    t.expect("one-42");
    t.prompt();
    let all = t.output();
    assert_eq!(all.matches("is guarded").count(), 1, "{all:?}");
    assert!(all.contains("this bash session is guarded"), "{all:?}");
    assert!(all.contains("`exit` or Ctrl-D"), "{all:?}");
    t.line("exit");
    assert_eq!(t.wait(), 0);
}

#[test]
fn resize_reaches_the_child() {
    let mut t = shell("bash");
    t.line("stty size");
    t.expect("24 80");
    t.prompt();
    t.resize(30, 100);
    t.line("stty size");
    t.expect("30 100");
    t.line("exit");
    assert_eq!(t.wait(), 0);
}

#[test]
fn exit_status_of_a_signal() {
    let mut t = shell("bash");
    t.line("kill -9 $$");
    assert_eq!(t.wait(), 137);
    t.wait_cooked();
}

#[test]
fn program_mode_status_and_bytes_pass_through() {
    // OSC 133 and other escapes come out byte for byte.
    let mut t = Term::start(&[
        "--",
        "sh",
        "-c",
        "printf 'a\\033]133;A\\007b\\033]633;E;x\\007c\\001\\376'; exit 3",
    ]);
    assert_eq!(t.wait(), 3);
    t.expect("a\x1b]133;A\x07b\x1b]633;E;x\x07c\x01");
    let raw = t.out.0.lock().expect("lock").clone();
    assert!(find(&raw, b"c\x01\xfe").is_some());
    t.wait_cooked();
}

#[test]
fn job_control_and_ctrl_c() {
    let mut t = shell("bash");
    t.line("echo start''ed; sleep 60");
    t.expect("started");
    t.send_until(b"\x1a", "Stopped");
    t.line("echo jobs=$(jobs | wc -l)");
    t.expect("jobs=1");
    t.line("fg");
    t.expect("sleep 60");
    t.send_until(b"\x03", PROMPT);
    t.line("echo back''-2");
    t.expect("back-2");
    t.line("exit");
    assert_eq!(t.wait(), 0);
}

#[test]
fn terminal_restored_after_the_wrapper_is_killed() {
    let mut t = shell("bash");
    assert!(!t.lflags().contains(LocalFlags::ICANON), "not in raw mode");
    kill(t.pid, Signal::SIGKILL).expect("kill");
    assert_eq!(t.wait(), 137);
    t.wait_cooked();
}

#[test]
fn terminal_restored_after_sigterm_while_a_card_is_up() {
    let mut t = shell("bash");
    t.line("rm -rf ~/marker-dir");
    t.card();
    kill(t.pid, Signal::SIGTERM).expect("kill");
    assert_eq!(t.wait(), 143);
    t.wait_cooked();
    t.expect("\x1b[?1049l");
    assert!(marker(&t).exists());
}

#[test]
fn agent_shell_approval_uses_the_same_card() {
    use interlock::broker::Answer;
    let mut t = shell("bash");
    t.line(SHOW_BROKER);
    let broker = Broker::seen(&mut t);
    let ask = |token: &str| broker.ask(token, "git push --force origin main", 4242);
    let pending = ask(&broker.token);
    let card = t.card();
    assert!(card.contains("agent shell (pid 4242)"), "{card}");
    assert!(card.contains("git push --force origin main"), "{card}");
    t.send(b"y");
    let resp = pending.join().expect("thread").expect("answer");
    assert_eq!(resp.decision, Answer::Approved);

    let pending = ask(&broker.token);
    t.card();
    t.send(b"n");
    let resp = pending.join().expect("thread").expect("answer");
    assert_eq!(resp.decision, Answer::Refused);

    let resp = ask("wrong").join().expect("thread").expect("answer");
    assert_eq!(resp.decision, Answer::Refused);
    t.line("exit");
    assert_eq!(t.wait(), 0);
}

#[test]
fn unanswered_card_times_out_refused() {
    require("bash");
    let mut t = Term::start_with(&["--shell", "bash"], |home| {
        std::fs::create_dir_all(home.join(".config/interlock")).expect("dir");
        std::fs::write(
            home.join(".config/interlock/config.toml"),
            "[settings]\nconfirm_timeout = 1\n",
        )
        .expect("config");
    });
    t.prompt();
    t.line("rm -rf ~/marker-dir");
    t.card();
    // Pasted text is not an answer.
    t.send(b"\x1b[200~y\x1b[201~");
    t.expect("no answer in time, not run");
    t.prompt();
    assert!(marker(&t).exists());
    t.line("exit");
    assert_eq!(t.wait(), 0);
}

#[test]
fn suspend_and_resume_restore_and_reclaim_the_terminal() {
    require("bash");
    // A job-control shell above the wrapper, as in a user's terminal (a stop signal
    // to an orphaned process group would be discarded).
    let script =
        r#"set -m; "$0" wrap --shell bash; echo "first:$?"; read -r _; fg; echo "final:$?""#;
    let mut t = Term::spawn(Path::new("bash"), &["-c", script, interlock()], |_| {});
    t.prompt();
    t.line("echo wrap''per=$PPID:");
    t.expect("wrapper=");
    let pid: i32 = t
        .expect(":")
        .trim_end_matches(':')
        .parse()
        .expect("wrapper pid");
    kill(Pid::from_raw(pid), Signal::SIGTSTP).expect("kill");
    t.expect(&format!("first:{}", 128 + Signal::SIGTSTP as i32));
    // Stopped, and the terminal is the outer shell's again.
    t.wait_cooked();
    t.send(b"\n");
    let deadline = Instant::now() + WAIT;
    while t.lflags().contains(LocalFlags::ICANON) {
        assert!(Instant::now() < deadline, "raw mode not back after fg");
        std::thread::sleep(Duration::from_millis(10));
    }
    t.sync();
    t.line("exit 3");
    t.expect("final:3");
    assert_eq!(t.wait(), 0);
}

#[test]
fn shell_inside_points_at_the_agent_shell() {
    require("bash");
    // A copy of interlock with an `interlock-bash` beside it, as installed.
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("dir");
    let bin = dir.path().join("interlock");
    std::fs::hard_link(interlock(), &bin)
        .or_else(|_| std::fs::copy(interlock(), &bin).map(|_| ()))
        .expect("copy interlock");
    std::fs::write(dir.path().join("interlock-bash"), "").expect("agent shell");
    let mut t = Term::start_bin(&bin, &["--shell", "bash"], |_| {});
    t.prompt();
    t.line("echo \"shell=$SHELL\"");
    t.expect(&format!(
        "shell={}",
        dir.path().join("interlock-bash").display()
    ));
    t.line("exit");
    assert_eq!(t.wait(), 0);
}

/// `$SHELL -c '…'` typed in the session: the line is asked about once; the agent shell
/// it starts does not ask the same question again.
#[test]
fn a_typed_agent_shell_line_is_asked_once() {
    require("bash");
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("dir");
    let bin = dir.path().join("interlock");
    std::fs::hard_link(interlock(), &bin)
        .or_else(|_| std::fs::copy(interlock(), &bin).map(|_| ()))
        .expect("copy interlock");
    std::os::unix::fs::symlink("interlock", dir.path().join("interlock-bash")).expect("link");
    let mut t = Term::start_bin(&bin, &["--shell", "bash"], |_| {});
    t.prompt();
    let mark = t.output().len();
    t.line("$SHELL -c 'rm -rf ~/marker-dir'");
    t.card();
    t.send(b"y");
    t.prompt();
    t.sync();
    let after = t.output()[mark..].to_string();
    // One card: the alternate screen is entered once.
    assert_eq!(after.matches("\x1b[?1049h").count(), 1, "{after:?}");
    assert!(!marker(&t).exists(), "the approved line did not run");
    t.line("exit");
    assert_eq!(t.wait(), 0);
}

#[test]
fn card_over_a_full_screen_program_keeps_its_screen() {
    use interlock::broker::Answer;
    let program = format!("printf '\\033[?1049hFULLSCREEN\\n'; {SHOW_BROKER}; sleep 60");
    let mut t = Term::start(&["--", "sh", "-c", &program]);
    t.expect("FULLSCREEN");
    let broker = Broker::seen(&mut t);
    let pending = broker.ask(&broker.token, "git push --force", 1);
    let card = t.card();
    assert!(
        !card.contains("\x1b[?1049h"),
        "the card took the alternate screen the program is using"
    );
    t.send(b"y");
    let resp = pending.join().expect("thread").expect("answer");
    assert_eq!(resp.decision, Answer::Approved);
    // The program's screen is cleared and it is told to repaint; the alternate screen
    // is not left.
    t.expect("\x1b8");
    kill(t.pid, Signal::SIGTERM).expect("kill");
    assert_eq!(t.wait(), 143);
    let after = String::from_utf8_lossy(&t.out.0.lock().expect("lock")).into_owned();
    let tail = &after[after.find("INTERLOCK").expect("card")..];
    assert!(!tail.contains("\x1b[?1049l"), "left the alternate screen");
}

/// `!rm` runs what history expansion makes of it: that is what is judged.
fn history_expansion_is_judged(name: &str) {
    let mut t = shell(name);
    t.line("rm -rf ~/marker-dir");
    t.card();
    t.send(b"n");
    t.expect("refused, not run");
    t.prompt();
    t.line("!rm");
    let card = t.card();
    assert!(
        card.contains("rm -rf ") && card.contains("~/marker-dir"),
        "{card}"
    );
    t.send(b"n");
    t.expect("refused, not run");
    t.sync();
    assert!(marker(&t).exists());
    t.line("exit 0");
    assert_eq!(t.wait(), 0);
}

#[test]
fn bash_history_expansion_is_judged() {
    history_expansion_is_judged("bash");
}

#[test]
fn zsh_history_expansion_is_judged() {
    history_expansion_is_judged("zsh");
}

#[test]
fn signals_to_the_wrapper_reach_the_foreground_job() {
    let mut t = shell("bash");
    t.line("echo start''ed; sleep 60; echo after''-sleep");
    t.expect("started");
    // Once `sleep` is the foreground job of the inner terminal, SIGINT to the wrapper
    // must reach it as the terminal would send it.
    let deadline = Instant::now() + WAIT;
    while !foreground_descendant(t.pid, "sleep") {
        assert!(
            Instant::now() < deadline,
            "sleep never ran in the foreground"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    kill(t.pid, Signal::SIGINT).expect("kill");
    t.prompt();
    assert!(
        !t.output().contains("after-sleep"),
        "the interrupted list went on"
    );
    t.sync();
    // SIGHUP: the session is hung up and the terminal put back.
    kill(t.pid, Signal::SIGHUP).expect("kill");
    assert_eq!(t.wait(), 129);
    t.wait_cooked();
}

#[test]
fn a_program_that_cannot_start_is_reported() {
    let mut t = Term::start(&["--", "/nonexistent/program"]);
    t.expect("cannot start /nonexistent/program");
    assert_eq!(t.wait(), 2);
    t.wait_cooked();
}

#[test]
fn without_a_terminal_it_refuses_to_start() {
    let out = Command::new(interlock())
        .args(["wrap", "--shell", "bash"])
        .stdin(Stdio::null())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("needs a terminal"));
}

/// While a card is up, the child's output waits behind it and arrives, whole and in
/// order, once the card is answered.
#[test]
fn output_waits_behind_the_card() {
    use interlock::broker::Answer;
    let program = format!(
        "{SHOW_BROKER}; sleep 1; \
         i=0; while [ $i -lt 20 ]; do echo TICK$i; i=$((i+1)); sleep 0.02; done"
    );
    let mut t = Term::start(&["--", "sh", "-c", &program]);
    let broker = Broker::seen(&mut t);
    let pending = broker.ask(&broker.token, "terraform destroy", 4343);
    t.card();
    // The ticks start while the card is up; none may be drawn over it.
    std::thread::sleep(Duration::from_millis(1500));
    assert!(
        t.try_expect("TICK", Duration::from_millis(10)).is_none(),
        "output was written over the card"
    );
    t.send(b"n");
    let resp = pending.join().expect("thread").expect("answer");
    assert_eq!(resp.decision, Answer::Refused);
    let after = t.expect("TICK19\r\n");
    let order: Vec<usize> = (0..20)
        .map(|i| after.find(&format!("TICK{i}\r\n")).expect("every tick"))
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{after:?}");
    assert_eq!(t.wait(), 0);
}

#[test]
fn a_wrapped_agent_cannot_write_interlocks_files() {
    // A program (an agent) runs confined: the state directory is read-only to it,
    // the rest of HOME is not.
    let mut t = Term::start(&[
        "--",
        "sh",
        "-c",
        "if (echo forged > \"$INTERLOCK_STATE_DIR/approvals.json\") 2>/dev/null; then echo state-written; else echo state-refused; fi; echo ok > \"$HOME/work/out.txt\" && echo work-written",
    ]);
    assert_eq!(t.wait(), 0);
    t.expect("state-refused");
    t.expect("work-written");
    t.wait_cooked();
}

/// A line in the shell's own syntax that the bash reading would miss still gets a
/// card, and refusing it keeps the files.
fn own_syntax_is_judged(name: &str, line: &str) {
    let mut t = shell(name);
    t.line(line);
    let card = t.card();
    assert!(card.contains("rm -rf"), "{card}");
    t.send(b"n");
    t.expect("refused, not run");
    t.prompt();
    assert!(marker(&t).exists(), "a refused command ran: {line}");
}

#[test]
fn fish_command_substitution_is_judged() {
    own_syntax_is_judged("fish", "rm -rf (echo ~)/marker-dir");
}

#[test]
fn fish_or_keyword_is_judged() {
    own_syntax_is_judged("fish", "false; or rm -rf ~/marker-dir");
}

#[test]
fn zsh_expansion_flags_are_judged() {
    own_syntax_is_judged("zsh", "rm -rf ${~HOME}/marker-dir");
}

#[test]
fn fish_begin_block_is_judged() {
    own_syntax_is_judged("fish", "begin; rm -rf ~/marker-dir; end");
}

#[test]
fn fish_if_block_is_judged() {
    own_syntax_is_judged("fish", "if true; rm -rf ~/marker-dir; end");
}

#[test]
fn fish_function_block_is_judged() {
    own_syntax_is_judged("fish", "function f; rm -rf ~/marker-dir; end; f");
}

#[test]
fn fish_list_variable_is_judged() {
    own_syntax_is_judged("fish", "set -l x build ~/marker-dir; rm -rf $x");
}

#[test]
fn zsh_glob_qualifier_code_is_judged() {
    own_syntax_is_judged("zsh", "ls *(e:'rm -rf ~/marker-dir':)");
}

#[test]
fn zsh_equals_command_is_judged() {
    own_syntax_is_judged("zsh", "=rm -rf ~/marker-dir");
}

#[test]
fn zsh_array_is_judged() {
    own_syntax_is_judged("zsh", "x=(build ~/marker-dir); rm -rf $x");
}

// ---------------------------------------------------------------------------------
// The approval service: a line typed in the session is also sent to `interlock
// serve` when one is configured, and either answer settles the card.
// ---------------------------------------------------------------------------------

/// A real `interlock serve` on 127.0.0.1 with its own state directory, one approver
/// (`dana`), and its public key.
struct ApprovalService {
    child: std::process::Child,
    addr: String,
    token: String,
    key: String,
    _state: tempfile::TempDir,
}

impl ApprovalService {
    fn start() -> ApprovalService {
        let state = tempfile::tempdir().expect("tempdir");
        let run = |args: &[&str]| {
            let out = Command::new(interlock())
                .args(args)
                .env("INTERLOCK_STATE_DIR", state.path())
                .env("INTERLOCK_SYSTEM_CONFIG", state.path().join("none"))
                .output()
                .expect("run interlock serve");
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            String::from_utf8_lossy(&out.stdout).trim().to_string()
        };
        let key = run(&["serve", "--print-public-key"]);
        let token = run(&["serve", "--add-approver", "dana"]);
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let addr = format!("127.0.0.1:{port}");
        let child = Command::new(interlock())
            .args(["serve", "--listen", &addr])
            .env("INTERLOCK_STATE_DIR", state.path())
            .env("INTERLOCK_SYSTEM_CONFIG", state.path().join("none"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn interlock serve");
        let deadline = Instant::now() + WAIT;
        while std::net::TcpStream::connect(&addr).is_err() {
            assert!(Instant::now() < deadline, "interlock serve did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        ApprovalService {
            child,
            addr,
            token,
            key,
            _state: state,
        }
    }

    /// The user config that sends stopped commands here.
    fn config(&self) -> String {
        format!(
            "[settings.approvals]\nurl = \"http://{}\"\npublic_key = \"{}\"\n",
            self.addr, self.key
        )
    }

    /// One HTTP/1.1 request as the approver; the status code and body.
    fn call(&self, method: &str, path: &str, form: Option<&str>) -> (u16, String) {
        let mut s = std::net::TcpStream::connect(&self.addr).expect("connect");
        let body = form.unwrap_or("");
        let req = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.addr,
            self.token,
            body.len()
        );
        s.write_all(req.as_bytes()).expect("send");
        let mut got = String::new();
        s.read_to_string(&mut got).expect("read");
        let code = got
            .split(' ')
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        let body = got.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
        (code, body.to_string())
    }

    /// The id of the pending request, waiting until one arrives.
    fn pending(&self) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let (code, body) = self.call("GET", "/", None);
            assert_eq!(code, 200, "{body}");
            let at = "class=\"request\" href=\"/r/";
            if let Some(i) = body.find(at) {
                return body[i + at.len()..][..32].to_string();
            }
            assert!(Instant::now() < deadline, "no request reached the service");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for ApprovalService {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn a_typed_line_can_be_settled_on_the_approval_service() {
    require("bash");
    let svc = ApprovalService::start();
    let config = svc.config();
    let mut t = Term::start_with(&["--shell", "bash"], |h| {
        std::fs::create_dir_all(h.join(".config/interlock")).expect("config dir");
        std::fs::write(h.join(".config/interlock/config.toml"), &config).expect("config");
    });
    t.prompt();
    // Refused on the service: the card goes away and nothing runs.
    t.line("rm -rf ~/marker-dir");
    t.card();
    let id = svc.pending();
    assert_eq!(
        svc.call("POST", &format!("/r/{id}"), Some("action=deny")).0,
        200
    );
    t.expect("dana refused it on the approval service, not run");
    t.prompt();
    t.sync();
    assert!(marker(&t).exists(), "a refused command ran");
    // Approved on the service: it runs, and the log says who approved it.
    t.line("rm -rf ~/marker-dir");
    t.card();
    let id = svc.pending();
    assert_eq!(
        svc.call("POST", &format!("/r/{id}"), Some("action=approve"))
            .0,
        200
    );
    t.prompt();
    t.sync();
    assert!(!marker(&t).exists(), "an approved command did not run");
    let log = std::fs::read_to_string(t.home().join("state/audit.jsonl")).expect("audit log");
    let channels: Vec<String> = log
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("json"))
        .filter(|e| e["source"] == "wrap")
        .map(|e| {
            format!(
                "{}/{}",
                e["outcome"].as_str().unwrap_or(""),
                e["channel"].as_str().unwrap_or("")
            )
        })
        .collect();
    assert_eq!(
        channels,
        ["refused/service:dana", "approved/service:dana"],
        "{log}"
    );
    t.line("exit");
    assert_eq!(t.wait(), 0);
}

/// A fish list or zsh array of rebuildable output is known where it is used: deleting
/// through it runs without a card, and the directories are gone.
fn list_of_output_is_deleted(name: &str, assign: &str) {
    let mut t = shell(name);
    t.line(&format!(
        "mkdir -p build dist; {assign}; rm -rf $x; echo gone''-44"
    ));
    t.expect("gone-44");
    t.prompt();
    assert!(
        !t.output().contains("INTERLOCK"),
        "a delete of build/ and dist/ through a list got a card"
    );
    assert!(!t.home().join("work/build").exists());
    assert!(!t.home().join("work/dist").exists());
    t.line("exit");
    assert_eq!(t.wait(), 0);
}

#[test]
fn fish_list_of_output_is_deleted() {
    list_of_output_is_deleted("fish", "set x build dist");
}

#[test]
fn zsh_array_of_output_is_deleted() {
    list_of_output_is_deleted("zsh", "x=(build dist)");
}

#[test]
fn fish_list_element_from_the_end_is_judged() {
    own_syntax_is_judged("fish", "set x build ~/marker-dir; rm -rf $x[-1]");
}

#[test]
fn zsh_array_element_is_judged() {
    own_syntax_is_judged("zsh", "x=(~/marker-dir build); rm -rf ${x[1]}");
}
