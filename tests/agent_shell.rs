//! The agent shell end to end, with real programs: real bash and zsh, a real
//! PostgreSQL server, a real bare git remote, a scratch home directory, a real
//! terminal (PTY) for `interlock approve`.
//!
//! Every test builds its own sandbox: HOME, Interlock's state directory and config
//! point into a temporary directory, so nothing of the machine's own is touched.

use portable_pty::{native_pty_system, CommandBuilder, PtySize};
use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::io::{Read, Write};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_interlock");
const NOT_APPROVED: i32 = 75;
const STOPPED: i32 = 77;

/// One sandbox: a root with `home/`, `state/`, `work/`, `bin/` (the links) and a
/// user config file.
struct Sandbox {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

impl Sandbox {
    fn new() -> Sandbox {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().canonicalize().expect("canonical");
        for d in ["home", "state", "work", "bin"] {
            std::fs::create_dir_all(root.join(d)).expect("mkdir");
        }
        for link in ["interlock-bash", "interlock-zsh"] {
            std::os::unix::fs::symlink(BIN, root.join("bin").join(link)).expect("link");
        }
        std::fs::write(root.join("config.toml"), "").expect("config");
        Sandbox { _dir: dir, root }
    }

    fn home(&self) -> PathBuf {
        self.root.join("home")
    }
    fn state(&self) -> PathBuf {
        self.root.join("state")
    }
    fn work(&self) -> PathBuf {
        self.root.join("work")
    }
    fn link(&self, shell: &str) -> PathBuf {
        self.root.join("bin").join(format!("interlock-{shell}"))
    }

    fn config(&self, text: &str) {
        std::fs::write(self.root.join("config.toml"), text).expect("config");
    }

    /// The environment every run gets (real shell or Interlock alike).
    fn env(&self) -> Vec<(String, OsString)> {
        vec![
            ("PATH".into(), std::env::var_os("PATH").unwrap_or_default()),
            ("HOME".into(), self.home().into()),
            ("LANG".into(), "C".into()),
            ("INTERLOCK_STATE_DIR".into(), self.state().into()),
            (
                "INTERLOCK_CONFIG".into(),
                self.root.join("config.toml").into(),
            ),
            (
                "INTERLOCK_SYSTEM_CONFIG".into(),
                self.root.join("no-system-config.toml").into(),
            ),
        ]
    }

    /// A command with exactly the sandbox's environment, in `work/`.
    fn command(&self, program: &Path) -> Command {
        let mut c = Command::new(program);
        c.env_clear().envs(self.env()).current_dir(self.work());
        c
    }

    /// Run through `interlock-<shell>` with these arguments and stdin.
    fn guarded(&self, shell: &str, args: &[&str], extra_env: &[(&str, &str)]) -> Output {
        let mut c = self.command(&self.link(shell));
        c.args(args).envs(extra_env.iter().copied());
        run(c, b"")
    }

    fn requests(&self) -> Vec<String> {
        let dir = self.state().join("requests");
        let mut codes: Vec<String> = std::fs::read_dir(dir)
            .map(|d| {
                d.filter_map(|e| e.ok())
                    .filter_map(|e| {
                        let p = e.path();
                        (p.extension()? == "json")
                            .then(|| p.file_stem()?.to_str().map(String::from))?
                    })
                    .collect()
            })
            .unwrap_or_default();
        codes.sort();
        codes
    }

    /// Start a command that will pause, and wait until it has asked for approval;
    /// returns it and its code (requests left by earlier stops are not it).
    fn spawn_paused(&self, mut c: Command) -> (Child, String) {
        let before = self.requests();
        let mut child = c.spawn().expect("spawn");
        let code = self.new_request(&before, &mut child);
        (child, code)
    }

    fn new_request(&self, before: &[String], child: &mut Child) -> String {
        let start = Instant::now();
        loop {
            if let Some(code) = self.requests().into_iter().find(|c| !before.contains(c)) {
                return code;
            }
            if let Ok(Some(status)) = child.try_wait() {
                panic!("the command ended ({status}) instead of waiting for approval");
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "no request appeared"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// `interlock approve CODE` in a real terminal, answering `answer`.
    fn approve_in_terminal(
        &self,
        code: &str,
        answer: &str,
        extra_env: &[(&str, &str)],
    ) -> (u32, String) {
        let pty = native_pty_system()
            .openpty(PtySize {
                rows: 40,
                cols: 200,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("openpty");
        let mut cmd = CommandBuilder::new(BIN);
        cmd.args(["approve", code]);
        cmd.env_clear();
        for (k, v) in self.env() {
            cmd.env(k, v);
        }
        for (k, v) in extra_env {
            cmd.env(k, v);
        }
        cmd.cwd(self.work());
        let mut child = pty.slave.spawn_command(cmd).expect("spawn approve");
        drop(pty.slave);
        let mut reader = pty.master.try_clone_reader().expect("reader");
        let mut writer = pty.master.take_writer().expect("writer");
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = seen.clone();
        let reading = std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().expect("lock").extend_from_slice(&buf[..n]);
            }
        });
        let start = Instant::now();
        loop {
            let text = String::from_utf8_lossy(&seen.lock().expect("lock")).into_owned();
            if text.contains("(anything else refuses)") {
                break;
            }
            if let Ok(Some(status)) = child.try_wait() {
                drop(pty.master);
                let _ = reading.join();
                return (status.exit_code(), text);
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "no prompt: {text}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        writer
            .write_all(format!("{answer}\r").as_bytes())
            .expect("type");
        let status = child.wait().expect("wait");
        drop(writer);
        drop(pty.master);
        let _ = reading.join();
        let text = String::from_utf8_lossy(&seen.lock().expect("lock")).into_owned();
        (status.exit_code(), text)
    }

    fn log_lines(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(self.state().join("audit.jsonl"))
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).expect("log line is JSON"))
            .collect()
    }
}

fn run(mut c: Command, stdin: &[u8]) -> Output {
    c.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().expect("spawn");
    let mut input = child.stdin.take().expect("stdin");
    let data = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&data);
    });
    let out = child.wait_with_output().expect("wait");
    let _ = writer.join();
    out
}

fn real_shell(name: &str) -> PathBuf {
    for d in ["/usr/bin", "/bin", "/usr/local/bin"] {
        let p = Path::new(d).join(name);
        if p.is_file() {
            return p;
        }
    }
    panic!("{name} is not installed (.ci/run installs it)");
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn stderr(o: &Output) -> String {
    text(&o.stderr)
}

// ---------------------------------------------------------------------------------
// Byte-for-byte replays of how agents call their shell.
// ---------------------------------------------------------------------------------

/// What one run produced: status, output and the files it left.
#[derive(Debug, PartialEq)]
struct Observed {
    status: Option<i32>,
    signal: Option<i32>,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    files: BTreeMap<String, Vec<u8>>,
}

fn snapshot_files(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            let rel = p
                .strip_prefix(root)
                .expect("under root")
                .to_string_lossy()
                .into_owned();
            if rel.starts_with("state") || rel.starts_with("bin") {
                continue;
            }
            if p.is_dir() {
                out.insert(rel + "/", Vec::new());
                stack.push(p);
            } else {
                out.insert(rel, std::fs::read(&p).unwrap_or_default());
            }
        }
    }
    out
}

/// Reset the sandbox's home and work directories to the same starting point.
fn reset(sb: &Sandbox, shell: &str) {
    for d in [sb.home(), sb.work()] {
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).expect("mkdir");
    }
    std::fs::create_dir_all(sb.home().join(".claude/shell-snapshots")).expect("mkdir");
    std::fs::write(
        sb.home().join(format!(".{shell}rc")),
        "greet() { echo \"hello $1\"; }\nalias ll='ls -l'\nexport FROM_RC=1\n",
    )
    .expect("rc");
    std::fs::create_dir_all(sb.work().join("sub")).expect("mkdir");
    std::fs::write(sb.work().join("a.txt"), "alpha\n").expect("write");
}

/// Run `args` once with the real shell and once through Interlock, from the same
/// starting point, with the same argv[0] and environment; return both observations.
fn replay(sb: &Sandbox, shell: &str, args: &[OsString], stdin: &[u8]) -> (Observed, Observed) {
    replay_after(sb, shell, args, stdin, &|| {})
}

/// `replay`, with `setup` run after each reset (to put a snapshot in place).
fn replay_after(
    sb: &Sandbox,
    shell: &str,
    args: &[OsString],
    stdin: &[u8],
    setup: &dyn Fn(),
) -> (Observed, Observed) {
    let link = sb.link(shell);
    let observe = |guarded: bool| {
        reset(sb, shell);
        setup();
        let _ = std::fs::remove_file(sb.root.join("cwd-file"));
        let mut c = if guarded {
            sb.command(&link)
        } else {
            let mut c = sb.command(&real_shell(shell));
            c.arg0(&link);
            c
        };
        c.args(args);
        let out = run(c, stdin);
        Observed {
            status: out.status.code(),
            signal: out.status.signal(),
            stdout: out.stdout,
            stderr: out.stderr,
            files: snapshot_files(&sb.root),
        }
    };
    let real = observe(false);
    let guarded = observe(true);
    (real, guarded)
}

fn assert_same(sb: &Sandbox, shell: &str, args: &[&str], stdin: &[u8]) -> Observed {
    assert_same_after(sb, shell, args, stdin, &|| {})
}

fn assert_same_after(
    sb: &Sandbox,
    shell: &str,
    args: &[&str],
    stdin: &[u8],
    setup: &dyn Fn(),
) -> Observed {
    let args: Vec<OsString> = args.iter().map(OsString::from).collect();
    let (real, guarded) = replay_after(sb, shell, &args, stdin, setup);
    assert_eq!(
        real,
        guarded,
        "{shell} {args:?}: Interlock differs from the real shell\nreal stderr: {}\nguarded stderr: {}",
        text(&real.stderr),
        text(&guarded.stderr)
    );
    assert!(
        sb.requests().is_empty(),
        "{shell} {args:?} was stopped: {}",
        text(&guarded.stderr)
    );
    real
}

/// Claude Code's snapshot-creation run (as observed; the same shape for zsh with zsh's
/// builtins), through the same shell as every other command.
fn claude_snapshot_script(sb: &Sandbox, shell: &str) -> String {
    let snap = sb.home().join(format!(
        ".claude/shell-snapshots/snapshot-{shell}-1761900000000-ab12cd.sh"
    ));
    let rc = sb.home().join(format!(".{shell}rc"));
    let (functions, options) = if shell == "zsh" {
        (
            "typeset -f > /dev/null 2>&1\n      typeset +f | grep -vE '^(_|__)' | while read func; do\n        typeset -f \"$func\" >> \"$SNAPSHOT_FILE\"\n      done",
            "setopt | sed 's/^/setopt /' | head -n 1000 >> \"$SNAPSHOT_FILE\"",
        )
    } else {
        (
            "declare -F | cut -d' ' -f3 | grep -vE '^(_|__)' | while read func; do\n        declare -f \"$func\" >> \"$SNAPSHOT_FILE\"\n      done",
            "shopt -p | head -n 1000 >> \"$SNAPSHOT_FILE\"\n      set -o | grep \"on\" | awk '{print \"set -o \" $1}' | head -n 1000 >> \"$SNAPSHOT_FILE\"\n      echo \"shopt -s expand_aliases\" >> \"$SNAPSHOT_FILE\"",
        )
    };
    format!(
        "SNAPSHOT_FILE={snap}
      source \"{rc}\" < /dev/null
      # First, create/clear the snapshot file
      echo \"# Snapshot file\" >| \"$SNAPSHOT_FILE\"
      echo \"# Unset all aliases to avoid conflicts with functions\" >> \"$SNAPSHOT_FILE\"
      echo \"unalias -a 2>/dev/null || true\" >> \"$SNAPSHOT_FILE\"
      echo \"# Functions\" >> \"$SNAPSHOT_FILE\"
      {functions}
      echo \"# Shell Options\" >> \"$SNAPSHOT_FILE\"
      {options}
      echo \"# Aliases\" >> \"$SNAPSHOT_FILE\"
      alias | sed 's/^alias //g' | head -n 1000 | while IFS= read -r line; do echo \"alias -- $line\" >> \"$SNAPSHOT_FILE\"; done
      echo \"# Check for rg availability\" >> \"$SNAPSHOT_FILE\"
      echo \"if ! command -v rg >/dev/null 2>&1; then\" >> \"$SNAPSHOT_FILE\"
      echo \"  alias rg='/usr/lib/node_modules/@anthropic-ai/claude-code/vendor/ripgrep/x64-linux/rg'\" >> \"$SNAPSHOT_FILE\"
      echo \"fi\" >> \"$SNAPSHOT_FILE\"
      echo \"export PATH=$(printf %q \"$PATH\")\" >> \"$SNAPSHOT_FILE\"
    ",
        snap = snap.display(),
        rc = rc.display()
    )
}

/// Claude Code's per-command form: source the snapshot, eval the command with stdin
/// from /dev/null, record the final directory.
fn claude_eval(sb: &Sandbox, shell: &str, command: &str) -> String {
    let snap = sb.home().join(format!(
        ".claude/shell-snapshots/snapshot-{shell}-1761900000000-ab12cd.sh"
    ));
    let quoted = format!("'{}'", command.replace('\'', "'\\''"));
    let cwd_file = sb.root.join("cwd-file");
    if shell == "zsh" {
        format!(
            "source {} 2>/dev/null || true && setopt NO_EXTENDED_GLOB 2>/dev/null || true && eval {quoted} \\< /dev/null && pwd -P >| {}",
            snap.display(),
            cwd_file.display()
        )
    } else {
        format!(
            "source {} && eval {quoted} \\< /dev/null && pwd -P >| {}",
            snap.display(),
            cwd_file.display()
        )
    }
}

#[test]
fn claude_code_invocations_match_the_real_shell() {
    let sb = Sandbox::new();
    for shell in ["bash", "zsh"] {
        // The snapshot-creation run, then commands in the eval form sourcing it.
        let create = claude_snapshot_script(&sb, shell);
        let seen = assert_same(&sb, shell, &["-c", "-l", &create], b"");
        let snap = seen
            .files
            .iter()
            .find(|(k, _)| k.contains("shell-snapshots/snapshot-"))
            .map(|(_, v)| text(v))
            .expect("the snapshot was written");
        assert!(
            snap.contains("greet"),
            "{shell} snapshot misses the rc function: {snap}"
        );
        // Each command then comes in the eval form, sourcing the snapshot, which the
        // real shell writes before each replay.
        let make_snapshot = || {
            let mut c = sb.command(&real_shell(shell));
            c.args(["-c", &create]);
            assert!(run(c, b"").status.success());
        };
        for command in [
            "git --version >/dev/null && echo ok",
            "cd sub && echo made > made.txt && ls",
            "cat a.txt | tr a-z A-Z; echo \"exit $?\"",
            "ls does-not-exist",
            "greet world; printf '%s\\n' \"$FROM_RC\"",
            "grep -rn 'rm -rf' . || true",
            "git commit -m 'drop table users' 2>&1 | head -1",
            "exit 3",
        ] {
            let eval = claude_eval(&sb, shell, command);
            assert_same_after(&sb, shell, &["-c", &eval], b"", &make_snapshot);
            assert_same_after(&sb, shell, &["-c", "-l", &eval], b"", &make_snapshot);
        }
    }
}

#[test]
fn codex_aider_and_ci_invocations_match_the_real_shell() {
    let sb = Sandbox::new();
    for shell in ["bash", "zsh"] {
        // Codex: `-lc`, and its snapshot wrapper `-c '. "$1" && shift && exec "$@"'`.
        assert_same(&sb, shell, &["-lc", "echo codex; ls; cd sub && pwd"], b"");
        let snap = sb.home().join(".codex/shell_snapshots/s.sh");
        let write_snapshot = || {
            std::fs::create_dir_all(snap.parent().expect("dir")).expect("mkdir");
            std::fs::write(&snap, "export SNAP=1\n").expect("snapshot");
        };
        let snap_text = snap.to_string_lossy().into_owned();
        assert_same_after(
            &sb,
            shell,
            &[
                "-c",
                ". \"$1\" && shift && exec \"$@\"",
                shell,
                &snap_text,
                shell,
                "-lc",
                "echo \"snap=$SNAP\"; ls",
            ],
            b"",
            &write_snapshot,
        );
        // Aider / OpenCode: `$SHELL -c` and `-l -c`.
        assert_same(
            &sb,
            shell,
            &["-c", "echo aider > out.txt && cat out.txt"],
            b"",
        );
        assert_same(&sb, shell, &["-l", "-c", "echo opencode; false"], b"");
        // Options agents and CI pass.
        assert_same(&sb, shell, &["-x", "-c", "echo traced"], b"");
        assert_same(&sb, shell, &["-e", "-c", "false; echo not reached"], b"");
        assert_same(
            &sb,
            shell,
            &["-c", "echo $0 $1 $2", "name", "one", "two"],
            b"",
        );
        // A script on stdin (GitLab CI pipes the job to `bash --login`), and `-s ARGS`.
        assert_same(&sb, shell, &[], b"echo from stdin; cd sub; pwd; exit 4\n");
        assert_same(
            &sb,
            shell,
            &["-s", "x", "y"],
            b"echo \"$1-$2\"; read line; echo \"read: $line\"\nsecond line\n",
        );
    }
    // bash-only forms: GitHub Actions' shell line with a script file, --login on stdin.
    std::fs::write(
        sb.root.join("job.sh"),
        "echo step one\nfalse | true\necho \"pipefail $?\"\nexit 7\n",
    )
    .expect("script");
    let job = sb.root.join("job.sh").to_string_lossy().into_owned();
    assert_same(
        &sb,
        "bash",
        &["--noprofile", "--norc", "-eo", "pipefail", &job],
        b"",
    );
    assert_same(&sb, "bash", &["--login"], b"echo gitlab job\nexit 0\n");
    assert_same(
        &sb,
        "bash",
        &["-o", "pipefail", "-c", "false | true; echo $?"],
        b"",
    );
}

#[test]
fn stdin_scripts_of_every_size_pass_unchanged() {
    let sb = Sandbox::new();
    // Small, larger than a default pipe, larger than the largest pipe: the last goes
    // through a writer process.
    for size in [100usize, 200 * 1024, 1500 * 1024] {
        let mut script = Vec::new();
        while script.len() < size {
            script
                .extend_from_slice(b"# padding padding padding padding padding padding padding\n");
        }
        script.extend_from_slice(b"echo \"done $#\"; cat\n");
        // `cat` reads what follows the script on the same stdin: nothing.
        let seen = assert_same(&sb, "bash", &["-s", "a", "b"], &script);
        assert_eq!(text(&seen.stdout), "done 2\n");
    }
}

#[test]
fn exit_statuses_signals_and_bytes_are_the_real_shells() {
    let sb = Sandbox::new();
    for code in ["0", "1", "2", "126", "127", "255"] {
        let seen = assert_same(&sb, "bash", &["-c", &format!("exit {code}")], b"");
        assert_eq!(seen.status, Some(code.parse().expect("int")));
    }
    // A command that dies of a signal: 128+N, as the shell reports it.
    let seen = assert_same(
        &sb,
        "bash",
        &["-c", "sh -c 'kill -TERM $$'; echo \"status $?\""],
        b"",
    );
    assert_eq!(text(&seen.stdout), "status 143\n");
    // The shell itself dying of a signal: the caller sees the signal.
    let seen = assert_same(&sb, "bash", &["-c", "kill -KILL $$"], b"");
    assert_eq!(seen.signal, Some(9));
    // Binary stdin passes through a `-c` command untouched.
    let bytes: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
    let seen = assert_same(&sb, "bash", &["-c", "cat"], &bytes);
    assert_eq!(seen.stdout, bytes);
    // Non-UTF-8 arguments survive.
    let odd = OsString::from_vec(vec![0xff, b'x', 0xfe]);
    let args: Vec<OsString> = vec![
        "-c".into(),
        "printf %s \"$1\"".into(),
        "n".into(),
        odd.clone(),
    ];
    let (real, guarded) = replay(&sb, "bash", &args, b"");
    assert_eq!(real, guarded);
    assert_eq!(guarded.stdout, odd.as_bytes());
}

#[test]
fn signal_dispositions_are_inherited_like_the_real_shell() {
    // A caller that ignores SIGPIPE hands that to its shell; `yes` then gets EPIPE
    // instead of dying. Interlock must not reset it.
    let sb = Sandbox::new();
    let script = "yes | head -n 1 >/dev/null; echo \"${PIPESTATUS[0]}\"";
    let mut results = Vec::new();
    for guarded in [false, true] {
        let mut c = if guarded {
            sb.command(&sb.link("bash"))
        } else {
            sb.command(&real_shell("bash"))
        };
        c.args(["-c", script]);
        unsafe {
            c.pre_exec(|| {
                nix::sys::signal::signal(
                    nix::sys::signal::SIGPIPE,
                    nix::sys::signal::SigHandler::SigIgn,
                )
                .map(|_| ())
                .map_err(std::io::Error::from)
            });
        }
        let out = run(c, b"");
        results.push(text(&out.stdout));
    }
    assert_eq!(results[0], results[1]);
    assert_eq!(results[0], "1\n", "yes saw EPIPE, not SIGPIPE");
}

#[test]
fn the_real_shell_is_found_by_name_and_never_interlock_itself() {
    let sb = Sandbox::new();
    // A directory early on PATH where `bash` is Interlock.
    let shim = sb.root.join("shim");
    std::fs::create_dir_all(&shim).expect("mkdir");
    std::os::unix::fs::symlink(BIN, shim.join("bash")).expect("link");
    let path = format!(
        "{}:{}",
        shim.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = sb.guarded(
        "bash",
        &["-c", "echo \"$BASH_VERSION\""],
        &[("PATH", &path)],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(text(&out.stdout).starts_with('5') || text(&out.stdout).starts_with('4'));
    // The link name picks zsh; INTERLOCK_SHELL overrides it; config too.
    let out = sb.guarded("zsh", &["-c", "echo ${ZSH_VERSION:+zsh}"], &[]);
    assert_eq!(text(&out.stdout), "zsh\n");
    let out = sb.guarded(
        "bash",
        &["-c", "echo ${ZSH_VERSION:+zsh}"],
        &[("INTERLOCK_SHELL", "zsh")],
    );
    assert_eq!(text(&out.stdout), "zsh\n");
    sb.config("[settings]\nshell = \"zsh\"\n");
    let out = sb.guarded("bash", &["-c", "echo ${ZSH_VERSION:+zsh}"], &[]);
    assert_eq!(text(&out.stdout), "zsh\n");
    sb.config("");
    // `interlock shell` is the same front door.
    let mut c = sb.command(Path::new(BIN));
    c.args(["shell", "-c", "echo via subcommand"]);
    assert_eq!(text(&run(c, b"").stdout), "via subcommand\n");
    // No real shell: a clear error, nothing runs.
    let out = sb.guarded(
        "bash",
        &["-c", "touch ran"],
        &[("INTERLOCK_SHELL", "/nonexistent/bash")],
    );
    assert_eq!(out.status.code(), Some(127));
    assert!(stderr(&out).contains("INTERLOCK_SHELL"));
    assert!(!sb.work().join("ran").exists());
    // The shell's children are marked as under an agent shell.
    let out = sb.guarded("bash", &["-c", "echo \"$INTERLOCK_AGENT_SHELL\""], &[]);
    assert_eq!(text(&out.stdout), "1\n");
}

// ---------------------------------------------------------------------------------
// Stops, pauses and approvals.
// ---------------------------------------------------------------------------------

fn init_scratch_home(sb: &Sandbox) {
    std::fs::create_dir_all(sb.home().join("Documents")).expect("mkdir");
    std::fs::write(sb.home().join("Documents/thesis.tex"), "years of work\n").expect("write");
    std::fs::write(sb.home().join(".bashrc"), "# mine\n").expect("write");
}

#[test]
fn a_scratch_home_survives_a_refused_rm_rf() {
    let sb = Sandbox::new();
    init_scratch_home(&sb);
    let start = Instant::now();
    for line in [
        "rm -rf ~",
        "rm -rf \"$HOME\"",
        "cd ~ && rm -rf *",
        "bash -c 'rm -rf ~/'",
    ] {
        let out = sb.guarded("bash", &["-c", line], &[("INTERLOCK_CONFIRM_TIMEOUT", "0")]);
        let code = out.status.code();
        assert!(
            code == Some(STOPPED) || code == Some(NOT_APPROVED),
            "{line}: {code:?} {}",
            stderr(&out)
        );
        let msg = stderr(&out);
        assert!(msg.contains("nothing ran"), "{msg}");
        assert!(msg.contains("Do not look for another way"), "{msg}");
        assert!(msg.contains("interlock approve "), "{msg}");
        assert_eq!(
            std::fs::read_to_string(sb.home().join("Documents/thesis.tex")).expect("survives"),
            "years of work\n"
        );
    }
    // A deny does not wait.
    assert!(start.elapsed() < Duration::from_secs(10));
    let out = sb.guarded("bash", &["-c", "rm -rf ~"], &[]);
    assert_eq!(
        out.status.code(),
        Some(STOPPED),
        "deny does not wait for approval"
    );
}

/// The Gemini CLI incident: each file moved onto a name that is not a directory
/// overwrites the one before. Stopped, every photo is still there; with the
/// directory made first, the same loop runs untouched.
#[test]
fn a_loop_moving_files_onto_one_name_is_stopped_until_the_directory_exists() {
    let sb = Sandbox::new();
    let photos = sb.work().join("photos");
    std::fs::create_dir_all(&photos).expect("mkdir");
    for name in ["a.jpg", "b.jpg", "c.jpg"] {
        std::fs::write(photos.join(name), name).expect("write");
    }
    let moved =
        |line: &str| sb.guarded("bash", &["-c", line], &[("INTERLOCK_CONFIRM_TIMEOUT", "0")]);
    let out = moved("cd photos && for f in *.jpg; do mv \"$f\" album; done");
    assert_eq!(out.status.code(), Some(NOT_APPROVED), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("fs.move-overwrite"),
        "{}",
        stderr(&out)
    );
    for name in ["a.jpg", "b.jpg", "c.jpg"] {
        assert_eq!(
            std::fs::read_to_string(photos.join(name)).expect("kept"),
            name
        );
    }
    assert!(!photos.join("album").exists());

    let out = moved("cd photos && mkdir -p album && for f in *.jpg; do mv \"$f\" album; done");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    for name in ["a.jpg", "b.jpg", "c.jpg"] {
        let kept = photos.join("album").join(name);
        assert_eq!(std::fs::read_to_string(kept).expect("moved"), name);
    }
}

/// Copying, moving or downloading over a live database file loses it as surely as
/// `> app.db`: stopped, and the table is still there; a copy to a new name runs.
#[test]
fn a_database_file_is_not_replaced_by_a_copy_without_approval() {
    let sb = Sandbox::new();
    let db = sb.work().join("app.db");
    let made = Command::new("sqlite3")
        .arg(&db)
        .arg("CREATE TABLE users(name TEXT); INSERT INTO users VALUES ('ada');")
        .status()
        .expect("sqlite3 is installed (.ci/run)");
    assert!(made.success());
    let users = || {
        let out = Command::new("sqlite3")
            .arg(&db)
            .arg("SELECT name FROM users")
            .output()
            .expect("sqlite3");
        text(&out.stdout)
    };
    for line in [
        "cp /dev/null app.db",
        "mv scratch.db app.db",
        "echo '' | tee app.db",
        "curl -s -o app.db file:///dev/null",
    ] {
        std::fs::write(sb.work().join("scratch.db"), "").expect("write");
        let out = sb.guarded("bash", &["-c", line], &[("INTERLOCK_CONFIRM_TIMEOUT", "0")]);
        assert_eq!(
            out.status.code(),
            Some(NOT_APPROVED),
            "{line}: {}",
            stderr(&out)
        );
        assert!(
            stderr(&out).contains("fs.overwrite-protected"),
            "{}",
            stderr(&out)
        );
        assert_eq!(users(), "ada\n", "{line}");
    }
    let out = sb.guarded("bash", &["-c", "cp app.db backup.db"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(sb.work().join("backup.db").exists());
}

/// A bare remote with `main`, a clone whose `main` was rewritten: pushing it needs
/// `--force`.
fn diverged_clone(sb: &Sandbox) -> (PathBuf, String) {
    let git = |dir: &Path, args: &[&str]| {
        let out = sb
            .command(Path::new("git"))
            .current_dir(dir)
            .args(args)
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.com")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.com")
            .output()
            .expect("git");
        assert!(out.status.success(), "git {args:?}: {}", stderr(&out));
        text(&out.stdout).trim().to_string()
    };
    let remote = sb.root.join("remote.git");
    git(
        &sb.root,
        &[
            "init",
            "-q",
            "--bare",
            "-b",
            "main",
            remote.to_str().expect("utf8"),
        ],
    );
    let clone = sb.work();
    git(&clone, &["init", "-q", "-b", "main"]);
    git(
        &clone,
        &["remote", "add", "origin", remote.to_str().expect("utf8")],
    );
    std::fs::write(clone.join("f"), "1\n").expect("write");
    git(&clone, &["add", "f"]);
    git(&clone, &["commit", "-q", "-m", "one"]);
    std::fs::write(clone.join("f"), "2\n").expect("write");
    git(&clone, &["commit", "-q", "-am", "two"]);
    git(&clone, &["push", "-q", "origin", "main"]);
    let published = git(&remote, &["rev-parse", "main"]);
    git(&clone, &["reset", "-q", "--hard", "HEAD~1"]);
    std::fs::write(clone.join("f"), "rewritten\n").expect("write");
    git(&clone, &["commit", "-q", "-am", "rewritten"]);
    (remote, published)
}

fn remote_head(sb: &Sandbox, remote: &Path) -> String {
    let out = sb
        .command(Path::new("git"))
        .current_dir(remote)
        .args(["rev-parse", "main"])
        .output()
        .expect("git");
    text(&out.stdout).trim().to_string()
}

#[test]
fn a_bare_remote_keeps_its_branch_when_the_force_push_is_refused() {
    let sb = Sandbox::new();
    let (remote, published) = diverged_clone(&sb);
    let mut c = sb.command(&sb.link("bash"));
    c.args(["-c", "git push --force origin main"])
        .env("INTERLOCK_CONFIRM_TIMEOUT", "60")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let (child, code) = sb.spawn_paused(c);
    assert_eq!(
        remote_head(&sb, &remote),
        published,
        "nothing ran while waiting"
    );
    let (status, screen) = sb.approve_in_terminal(&code, "no", &[]);
    assert_eq!(status, 1, "{screen}");
    assert!(screen.contains("git push --force origin main"), "{screen}");
    assert!(screen.contains("git.push-force"), "{screen}");
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(STOPPED), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("the user refused"),
        "{}",
        stderr(&out)
    );
    assert_eq!(remote_head(&sb, &remote), published, "the branch survived");
    let log = sb.log_lines();
    let last = log.last().expect("logged");
    assert_eq!(last["outcome"], "refused");
    assert_eq!(last["decision"], "confirm");
}

#[test]
fn the_pause_ends_on_approval_and_the_command_runs_once() {
    let sb = Sandbox::new();
    let (remote, published) = diverged_clone(&sb);
    let mut c = sb.command(&sb.link("bash"));
    c.args(["-c", "git push --force origin main"])
        .env("INTERLOCK_CONFIRM_TIMEOUT", "60")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let start = Instant::now();
    let (child, code) = sb.spawn_paused(c);
    assert_eq!(remote_head(&sb, &remote), published);
    let (status, screen) = sb.approve_in_terminal(&code, "yes", &[]);
    assert_eq!(status, 0, "{screen}");
    let out = child.wait_with_output().expect("wait");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        start.elapsed() < Duration::from_secs(50),
        "the pause ended on approval"
    );
    assert_ne!(
        remote_head(&sb, &remote),
        published,
        "the approved push ran"
    );
    assert_eq!(
        sb.log_lines().last().expect("logged")["outcome"],
        "approved"
    );
    // Spent: the same command stops again.
    let out = sb.guarded(
        "bash",
        &["-c", "git push --force origin main"],
        &[("INTERLOCK_CONFIRM_TIMEOUT", "0")],
    );
    assert_eq!(out.status.code(), Some(NOT_APPROVED));
}

#[test]
fn the_pause_gives_up_after_the_timeout() {
    let sb = Sandbox::new();
    let start = Instant::now();
    let out = sb.guarded(
        "bash",
        &["-c", "git push --force origin main && touch ran"],
        &[("INTERLOCK_CONFIRM_TIMEOUT", "1")],
    );
    let waited = start.elapsed();
    assert_eq!(out.status.code(), Some(NOT_APPROVED), "{}", stderr(&out));
    assert!(waited >= Duration::from_secs(1) && waited < Duration::from_secs(20));
    let msg = stderr(&out);
    assert!(msg.contains("paused until the user approves"), "{msg}");
    assert!(
        msg.contains("nobody approved this command within 1 s"),
        "{msg}"
    );
    assert!(!sb.work().join("ran").exists());
    let code = sb
        .requests()
        .pop()
        .expect("the request stays for a later approval");
    assert!(msg.contains(&format!("interlock approve {code}")), "{msg}");
    // Config sets the default; the environment wins over it.
    sb.config("[settings]\nconfirm_timeout = 0\n");
    let start = Instant::now();
    let out = sb.guarded("bash", &["-c", "git push --force origin main"], &[]);
    assert_eq!(out.status.code(), Some(NOT_APPROVED));
    assert!(start.elapsed() < Duration::from_secs(5));
}

#[test]
fn approvals_are_bound_to_command_and_directory_single_use_and_expire() {
    let sb = Sandbox::new();
    let other = sb.root.join("other");
    std::fs::create_dir_all(&other).expect("mkdir");
    let line = "git push --force origin main || echo pushed-or-not > marker";
    let attempt = |dir: &Path, line: &str| {
        let mut c = sb.command(&sb.link("bash"));
        c.args(["-c", line])
            .current_dir(dir)
            .env("INTERLOCK_CONFIRM_TIMEOUT", "0");
        run(c, b"")
    };
    // Stopped; the user approves the code afterwards.
    let out = attempt(&sb.work(), line);
    assert_eq!(out.status.code(), Some(NOT_APPROVED));
    let code = sb.requests().pop().expect("request");
    let (status, screen) = sb.approve_in_terminal(&code, "yes", &[]);
    assert_eq!(status, 0, "{screen}");
    // Another command, or the same one elsewhere, is not approved.
    assert_eq!(
        attempt(&sb.work(), "git push --force origin dev")
            .status
            .code(),
        Some(NOT_APPROVED)
    );
    assert_eq!(attempt(&other, line).status.code(), Some(NOT_APPROVED));
    assert!(!other.join("marker").exists());
    // The exact command in the same directory runs, once.
    let out = attempt(&sb.work(), line);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(sb.work().join("marker").exists());
    assert_eq!(
        sb.log_lines().last().expect("log")["outcome"],
        "approved_earlier"
    );
    std::fs::remove_file(sb.work().join("marker")).expect("rm");
    assert_eq!(attempt(&sb.work(), line).status.code(), Some(NOT_APPROVED));
    assert!(!sb.work().join("marker").exists());
    // An approval past its expiry is not honoured.
    let code = sb.requests().pop().expect("request");
    let (status, _) = sb.approve_in_terminal(&code, "yes", &[]);
    assert_eq!(status, 0);
    let path = sb.state().join("approvals").join(format!("{code}.json"));
    let mut a: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).expect("approval")).expect("json");
    a["expires"] = serde_json::json!(1);
    std::fs::write(&path, serde_json::to_vec(&a).expect("json")).expect("write");
    assert_eq!(attempt(&sb.work(), line).status.code(), Some(NOT_APPROVED));
    assert!(!sb.work().join("marker").exists());
}

#[test]
fn interlock_approve_needs_a_terminal_and_refuses_under_an_agent_shell() {
    let sb = Sandbox::new();
    let out = sb.guarded(
        "bash",
        &["-c", "git push --force origin main"],
        &[("INTERLOCK_CONFIRM_TIMEOUT", "0")],
    );
    assert_eq!(out.status.code(), Some(NOT_APPROVED));
    let code = sb.requests().pop().expect("request");
    // No terminal: refused, nothing approved.
    let mut c = sb.command(Path::new(BIN));
    c.args(["approve", &code]);
    let out = run(c, b"yes\n");
    assert_eq!(out.status.code(), Some(11), "{}", stderr(&out));
    assert!(stderr(&out).contains("real terminal"));
    // Inside the agent shell the rule stops the attempt outright.
    let out = sb.guarded("bash", &["-c", &format!("interlock approve {code}")], &[]);
    assert_eq!(out.status.code(), Some(STOPPED));
    assert!(
        stderr(&out).contains("interlock.approve"),
        "{}",
        stderr(&out)
    );
    // ... and is not offered a code to approve its approval with.
    assert!(
        !stderr(&out).contains("with `interlock approve"),
        "{}",
        stderr(&out)
    );
    // With that rule disabled, `approve` itself still refuses: from a terminal that
    // `script` provides, with the marks removed from the environment, it sees that it
    // runs inside the agent's confinement (and could not write an approval there).
    sb.config("disable = [\"interlock.approve\"]\n");
    let bin_dir = Path::new(BIN)
        .parent()
        .expect("dir")
        .to_string_lossy()
        .into_owned();
    let inner = format!(
        "env -u INTERLOCK_AGENT_SHELL -u INTERLOCK_CONFINED PATH={bin_dir}:$PATH script -qec 'interlock approve {code}' /dev/null < /dev/null"
    );
    let out = sb.guarded("bash", &["-c", &inner], &[]);
    let all = format!("{}{}", text(&out.stdout), stderr(&out));
    assert!(
        all.contains("refused: this runs inside an agent's confinement"),
        "{all}"
    );
    assert!(!sb
        .state()
        .join("approvals")
        .join(format!("{code}.json"))
        .exists());
    // The same attempt outside any agent shell, in a real terminal, works.
    let (status, _) = sb.approve_in_terminal(&code, "yes", &[]);
    assert_eq!(status, 0);
}

#[test]
fn a_wrap_session_answers_through_the_broker() {
    use interlock::broker::{read_message, write_message, Answer, Request, Response};
    let sb = Sandbox::new();
    for (answer, want) in [
        (Answer::Approved, Some(0)),
        (Answer::Refused, Some(STOPPED)),
    ] {
        let sock = sb.root.join(format!("broker-{answer:?}.sock"));
        let token = sb.root.join("token");
        std::fs::write(&token, "secret-token\n").expect("token");
        let listener = std::os::unix::net::UnixListener::bind(&sock).expect("bind");
        let server = std::thread::spawn(move || {
            let (stream, _) = listener.accept().expect("accept");
            let mut r = std::io::BufReader::new(stream.try_clone().expect("clone"));
            let req: Request = read_message(&mut r).expect("request");
            let mut w = stream;
            let decision = if req.token() == "secret-token" {
                answer
            } else {
                Answer::Refused
            };
            write_message(
                &mut w,
                &Response {
                    decision,
                    message: None,
                },
            )
            .expect("answer");
            req
        });
        let _ = std::fs::remove_file(sb.work().join("ran"));
        let out = sb.guarded(
            "bash",
            &["-c", "git push --force origin main; touch ran"],
            &[
                ("INTERLOCK_BROKER", sock.to_str().expect("utf8")),
                ("INTERLOCK_BROKER_TOKEN", token.to_str().expect("utf8")),
                ("INTERLOCK_CONFIRM_TIMEOUT", "30"),
            ],
        );
        let req = server.join().expect("server");
        match req {
            Request::Approve {
                command,
                cwd,
                rules,
                ..
            } => {
                assert_eq!(command, "git push --force origin main; touch ran");
                assert_eq!(Path::new(&cwd), sb.work());
                assert_eq!(rules[0].rule, "git.push-force");
            }
            other => panic!("unexpected request {other:?}"),
        }
        assert_eq!(out.status.code(), want, "{}", stderr(&out));
        assert_eq!(sb.work().join("ran").exists(), want == Some(0));
        if answer == Answer::Refused {
            // The user just said no on the card: the agent is not handed a code to
            // ask again with in the same message.
            let err = stderr(&out);
            let after = err.split("refused this command").nth(1).unwrap_or("");
            assert!(!after.contains("interlock approve"), "{err}");
        }
        let last = sb.log_lines().pop().expect("log");
        assert_eq!(last["channel"], "wrap");
    }
}

// ---------------------------------------------------------------------------------
// PostgreSQL: a real server, started here.
// ---------------------------------------------------------------------------------

struct Postgres {
    bin: PathBuf,
    data: PathBuf,
    sock: PathBuf,
    port: u16,
    as_user: Option<&'static str>,
}

impl Postgres {
    fn start(root: &Path) -> Postgres {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .expect("PostgreSQL is installed (.ci/run installs it)")
            .filter_map(|e| e.ok())
            .map(|e| e.path().join("bin"))
            .find(|p| p.join("pg_ctl").is_file())
            .expect("pg_ctl");
        let base = root.join("pg");
        std::fs::create_dir_all(&base).expect("mkdir");
        let as_user = nix::unistd::geteuid().is_root().then_some("postgres");
        if as_user.is_some() {
            use std::os::unix::fs::PermissionsExt;
            // The sandbox is private to its owner; the server's user must reach it.
            std::fs::set_permissions(root, std::fs::Permissions::from_mode(0o755)).expect("chmod");
            let status = Command::new("chown")
                .args(["-R", "postgres", base.to_str().expect("utf8")])
                .status()
                .expect("chown");
            assert!(status.success());
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .expect("bind")
            .local_addr()
            .expect("addr")
            .port();
        let pg = Postgres {
            bin,
            data: base.join("data"),
            sock: base.clone(),
            port,
            as_user,
        };
        pg.admin(&[
            "initdb",
            "-A",
            "trust",
            "-U",
            "postgres",
            "-D",
            pg.data.to_str().expect("utf8"),
        ]);
        pg.admin(&[
            "pg_ctl",
            "-D",
            pg.data.to_str().expect("utf8"),
            "-o",
            &format!(
                "-p {} -k {} -c listen_addresses=''",
                pg.port,
                pg.sock.display()
            ),
            "-w",
            "-l",
            base.join("log").to_str().expect("utf8"),
            "start",
        ]);
        pg
    }

    fn admin(&self, args: &[&str]) -> String {
        let prog = self.bin.join(args[0]);
        let out = match self.as_user {
            Some(u) => Command::new("runuser")
                .args(["-u", u, "--"])
                .arg(&prog)
                .args(&args[1..])
                .output(),
            None => Command::new(&prog).args(&args[1..]).output(),
        }
        .expect("run PostgreSQL tool");
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        text(&out.stdout)
    }

    fn psql_line(&self, sql: &str) -> String {
        format!(
            "psql -X -q -h {} -p {} -U postgres -d postgres -c '{sql}'",
            self.sock.display(),
            self.port
        )
    }

    fn databases(&self) -> String {
        let out = Command::new(self.bin.join("psql"))
            .args(["-X", "-At", "-h"])
            .arg(&self.sock)
            .args([
                "-p",
                &self.port.to_string(),
                "-U",
                "postgres",
                "-d",
                "postgres",
                "-c",
            ])
            .arg("SELECT datname FROM pg_database ORDER BY 1")
            .output()
            .expect("psql");
        assert!(out.status.success(), "{}", stderr(&out));
        text(&out.stdout)
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let prog = self.bin.join("pg_ctl");
        let data = self.data.to_string_lossy().into_owned();
        let args = ["-D", &data, "-m", "immediate", "-w", "stop"];
        let _ = match self.as_user {
            Some(u) => Command::new("runuser")
                .args(["-u", u, "--"])
                .arg(&prog)
                .args(args)
                .output(),
            None => Command::new(&prog).args(args).output(),
        };
    }
}

#[test]
fn a_real_database_is_dropped_only_once_approved() {
    let sb = Sandbox::new();
    let pg = Postgres::start(&sb.root);
    let mut c = Command::new(pg.bin.join("psql"));
    c.args(["-X", "-q", "-h"]).arg(&pg.sock).args([
        "-p",
        &pg.port.to_string(),
        "-U",
        "postgres",
        "-c",
        "CREATE DATABASE app",
    ]);
    assert!(c.status().expect("psql").success());
    assert!(pg.databases().lines().any(|d| d == "app"));
    // The SQL rules are another pack's work; this test brings its own rule, through the
    // user's config, so it does not depend on them.
    sb.config(
        r#"
[[rule]]
id = "test.drop-database"
decision = "confirm"
reason = "drops a whole database"
[[rule.match]]
program = ["psql"]
args_any = ["*DROP DATABASE*"]
"#,
    );
    let psql_dir = pg.bin.to_string_lossy().into_owned();
    let path = format!("{psql_dir}:{}", std::env::var("PATH").unwrap_or_default());
    let line = pg.psql_line("DROP DATABASE app");
    let out = sb.guarded(
        "bash",
        &["-c", &line],
        &[("INTERLOCK_CONFIRM_TIMEOUT", "0"), ("PATH", &path)],
    );
    assert_eq!(out.status.code(), Some(NOT_APPROVED), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("test.drop-database"),
        "{}",
        stderr(&out)
    );
    assert!(
        pg.databases().lines().any(|d| d == "app"),
        "still there after the stop"
    );
    let _ = std::fs::remove_dir_all(sb.state().join("requests"));
    // Now wait for a human, who approves.
    let mut c = sb.command(&sb.link("bash"));
    c.args(["-c", &line])
        .env("INTERLOCK_CONFIRM_TIMEOUT", "60")
        .env("PATH", &path)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let (child, code) = sb.spawn_paused(c);
    assert!(
        pg.databases().lines().any(|d| d == "app"),
        "still there while waiting"
    );
    let (status, screen) = sb.approve_in_terminal(&code, "yes", &[]);
    assert_eq!(status, 0, "{screen}");
    assert!(screen.contains("DROP DATABASE app"), "{screen}");
    let out = child.wait_with_output().expect("wait");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        !pg.databases().lines().any(|d| d == "app"),
        "dropped once approved"
    );
}

// ---------------------------------------------------------------------------------
// The audit log, audit mode, fail-closed input.
// ---------------------------------------------------------------------------------

#[test]
fn the_audit_log_records_redacts_and_detects_tampering() {
    let sb = Sandbox::new();
    init_scratch_home(&sb);
    let t = &[("INTERLOCK_CONFIRM_TIMEOUT", "0")];
    sb.guarded("bash", &["-c", "rm -rf ~"], t);
    sb.guarded(
        "bash",
        &[
            "-c",
            "PGPASSWORD=hunter2 git push --force https://bob:s3cret@example.com/r.git main",
        ],
        t,
    );
    sb.guarded("bash", &["-c", "echo fine"], t);
    let log = sb.log_lines();
    assert_eq!(log.len(), 2, "plain allows are not logged by default");
    assert_eq!(log[0]["decision"], "deny");
    assert_eq!(log[0]["outcome"], "denied");
    assert_eq!(log[1]["outcome"], "timed_out");
    let raw = std::fs::read_to_string(sb.state().join("audit.jsonl")).expect("log");
    assert!(!raw.contains("hunter2") && !raw.contains("s3cret"), "{raw}");
    assert!(raw.contains("bob:[REDACTED]@example.com"), "{raw}");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(sb.state().join("audit.jsonl"))
        .expect("meta")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    let interlock = |args: &[&str]| {
        let mut c = sb.command(Path::new(BIN));
        c.args(args);
        run(c, b"")
    };
    let out = interlock(&["log"]);
    assert!(
        text(&out.stdout).contains("rm -rf ~"),
        "{}",
        text(&out.stdout)
    );
    let out = interlock(&["log", "--decision", "deny"]);
    assert!(!text(&out.stdout).contains("git push"));
    let out = interlock(&["log", "--since", "1h", "-n", "1"]);
    assert!(text(&out.stdout).contains("git push") && !text(&out.stdout).contains("rm -rf"));
    assert_eq!(interlock(&["log", "verify"]).status.code(), Some(0));
    // Log everything.
    sb.config("[settings]\nlog_all = true\n");
    sb.guarded("bash", &["-c", "echo logged"], t);
    assert_eq!(sb.log_lines().last().expect("log")["outcome"], "ran");
    assert_eq!(interlock(&["log", "verify"]).status.code(), Some(0));
    // An edit is found.
    let path = sb.state().join("audit.jsonl");
    let original = std::fs::read_to_string(&path).expect("log");
    std::fs::write(&path, original.replacen("rm -rf ~", "ls -la", 1)).expect("edit");
    let out = interlock(&["log", "verify"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stdout).contains("line 1"),
        "{}",
        text(&out.stdout)
    );
    // So is cutting the last entry off.
    let mut lines: Vec<&str> = original.lines().collect();
    lines.pop();
    std::fs::write(&path, lines.join("\n") + "\n").expect("truncate");
    let out = interlock(&["log", "verify"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    assert!(text(&out.stdout).contains("head"), "{}", text(&out.stdout));
}

#[test]
fn entries_go_to_syslog_when_asked() {
    let sb = Sandbox::new();
    let sock = sb.root.join("log.sock");
    let listener = std::os::unix::net::UnixDatagram::bind(&sock).expect("bind");
    listener
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    sb.config("[settings]\nsyslog = true\n");
    let out = sb.guarded(
        "bash",
        &["-c", "git push --force origin main"],
        &[
            ("INTERLOCK_CONFIRM_TIMEOUT", "0"),
            ("INTERLOCK_SYSLOG_SOCKET", sock.to_str().expect("utf8")),
        ],
    );
    assert_eq!(out.status.code(), Some(NOT_APPROVED));
    let mut buf = vec![0u8; 65536];
    let n = listener.recv(&mut buf).expect("a syslog datagram");
    let line = text(&buf[..n]);
    assert!(line.starts_with("<13>interlock["), "{line}");
    assert!(line.contains("\"outcome\":\"timed_out\""), "{line}");
}

#[test]
fn audit_mode_blocks_nothing_and_logs_what_it_would_have_stopped() {
    let sb = Sandbox::new();
    // A force push that would be stopped; here it runs (and fails: no remote).
    let line = "git push --force origin main 2>/dev/null; echo ran";
    let out = sb.guarded("bash", &["-c", line], &[("INTERLOCK_MODE", "audit")]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(text(&out.stdout), "ran\n");
    let warn = stderr(&out);
    assert_eq!(warn.lines().count(), 1, "{warn}");
    assert!(
        warn.contains("audit mode") && warn.contains("git.push-force"),
        "{warn}"
    );
    assert_eq!(sb.log_lines().last().expect("log")["outcome"], "audit");
    assert!(sb.requests().is_empty(), "nothing waits in audit mode");
    // Also from config.
    sb.config("[settings]\nmode = \"audit\"\n");
    let out = sb.guarded("bash", &["-c", line], &[]);
    assert_eq!(text(&out.stdout), "ran\n");
}

#[test]
fn scripts_are_read_whole_and_bad_input_stops() {
    let sb = Sandbox::new();
    init_scratch_home(&sb);
    let t = [("INTERLOCK_CONFIRM_TIMEOUT", "0")];
    // A script file whose dangerous line comes after harmless ones.
    std::fs::write(
        sb.work().join("clean.sh"),
        "echo start\ntouch started\nrm -rf ~\n",
    )
    .expect("write");
    let out = sb.guarded("bash", &["clean.sh"], &t);
    assert_eq!(out.status.code(), Some(STOPPED), "{}", stderr(&out));
    assert!(
        !sb.work().join("started").exists(),
        "nothing of the script ran"
    );
    // The same on stdin (`bash -s`, and no argument with stdin not a terminal).
    for args in [&["-s"][..], &[][..]] {
        let mut c = sb.command(&sb.link("bash"));
        c.args(args).envs(t);
        let out = run(c, b"touch started\nrm -rf ~\n");
        assert_eq!(out.status.code(), Some(STOPPED), "{}", stderr(&out));
        assert!(!sb.work().join("started").exists());
    }
    // `-i` with a script on stdin is still a script.
    let mut c = sb.command(&sb.link("bash"));
    c.args(["-i"]).envs(t);
    let out = run(c, b"rm -rf ~\n");
    assert_eq!(out.status.code(), Some(STOPPED), "{}", stderr(&out));
    // Not UTF-8: the shell might read it differently, so it stops.
    let mut c = sb.command(&sb.link("bash"));
    c.arg("-c").arg(OsStr::from_bytes(b"touch x\xff")).envs(t);
    let out = run(c, b"");
    assert_eq!(out.status.code(), Some(NOT_APPROVED), "{}", stderr(&out));
    assert!(stderr(&out).contains("UTF-8"));
    // Empty and huge.
    assert!(sb.guarded("bash", &["-c", ""], &t).status.success());
    // (One argument is at most 128 KiB; a script file has no such limit.)
    let huge = format!("{}rm -rf ~\n", "true\n".repeat(1_200_000));
    std::fs::write(sb.work().join("huge.sh"), huge).expect("write");
    let out = sb.guarded("bash", &["huge.sh"], &t);
    assert!(
        matches!(out.status.code(), Some(STOPPED) | Some(NOT_APPROVED)),
        "{}",
        stderr(&out)
    );
    assert!(sb.home().join("Documents/thesis.tex").exists());
    // A script longer than Interlock reads stops, and once approved runs whole.
    let mut script = Vec::new();
    while script.len() < 4 * 1024 * 1024 + 10 {
        script.extend_from_slice(b"# padding padding padding padding padding padding padding\n");
    }
    script.extend_from_slice(b"echo tail-ran\n");
    let mut c = sb.command(&sb.link("bash"));
    c.env("INTERLOCK_CONFIRM_TIMEOUT", "60")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let before = sb.requests();
    let mut child = c.spawn().expect("spawn");
    let mut input = child.stdin.take().expect("stdin");
    let feeder = std::thread::spawn(move || {
        let _ = input.write_all(&script);
    });
    let code = sb.new_request(&before, &mut child);
    let (status, screen) = sb.approve_in_terminal(&code, "yes", &[]);
    assert_eq!(status, 0, "{screen}");
    assert!(
        screen.contains("more lines; the whole text is in"),
        "a long script is cut on the card"
    );
    let out = child.wait_with_output().expect("wait");
    let _ = feeder.join();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(text(&out.stdout), "tail-ran\n");
}

#[test]
fn install_sh_installs_updates_and_uninstalls() {
    let sb = Sandbox::new();
    let prefix = sb.root.join("prefix");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("install.sh");
    let install = |args: &[&str]| {
        let mut c = sb.command(&script);
        c.args(args)
            .env("PREFIX", &prefix)
            .env("INTERLOCK_BIN", BIN);
        run(c, b"")
    };
    for _ in 0..2 {
        let out = install(&[]);
        assert!(out.status.success(), "{}", stderr(&out));
        // The closing text points at the two commands a new user needs next.
        let said = text(&out.stdout);
        assert!(said.contains("interlock install claude"), "{said}");
        assert!(said.contains("interlock doctor"), "{said}");
        assert!(!said.contains("settings.json"), "no hand-editing: {said}");
        assert!(said.contains(&format!(
            "SHELL={}",
            prefix.join("bin/interlock-bash").display()
        )));
        assert!(said.contains(" KiB)"), "the size is reported: {said}");
    }
    let bin = prefix.join("bin");
    // Installed stripped: smaller than the build, and still the same program.
    let installed = std::fs::metadata(bin.join("interlock"))
        .expect("installed")
        .len();
    assert!(installed < std::fs::metadata(BIN).expect("built").len());
    let mut c = sb.command(&bin.join("interlock"));
    c.args(["check", "--", "rm -rf /"]);
    assert_eq!(run(c, b"").status.code(), Some(11));
    // Hard links (the confinement can keep each name in place, not a symbolic link).
    for link in ["interlock-bash", "interlock-zsh"] {
        use std::os::unix::fs::MetadataExt;
        let meta = std::fs::symlink_metadata(bin.join(link)).expect("link");
        assert!(meta.file_type().is_file(), "{link} is not a hard link");
        assert_eq!(
            meta.ino(),
            std::fs::metadata(bin.join("interlock")).expect("bin").ino()
        );
    }
    // The installed link is a working agent shell, and the PATH shim finds the real bash.
    let mut c = sb.command(&bin.join("interlock-bash"));
    c.args(["-c", "echo \"$BASH_VERSION\""]);
    assert!(!text(&run(c, b"").stdout).trim().is_empty());
    let shims = prefix.join("lib/interlock/shims");
    let path = format!(
        "{}:{}",
        shims.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut c = sb.command(Path::new("/bin/sh"));
    c.args(["-c", "bash -c 'rm -rf ~'"]).env("PATH", &path);
    assert_eq!(
        run(c, b"").status.code(),
        Some(STOPPED),
        "bash on PATH is guarded"
    );
    // An agent wired with the installed binary...
    let mut c = sb.command(&bin.join("interlock"));
    c.args(["install", "gemini"]);
    let out = run(c, b"");
    assert!(out.status.success(), "{}", stderr(&out));
    let settings = sb.home().join(".gemini/settings.json");
    assert!(std::fs::read_to_string(&settings)
        .expect("wired")
        .contains("interlock"));
    // Uninstall removes only what points at Interlock.
    std::fs::remove_file(bin.join("interlock-zsh")).expect("rm");
    std::os::unix::fs::symlink("/usr/bin/zsh", bin.join("interlock-zsh")).expect("foreign link");
    let out = install(&["--uninstall"]);
    assert!(out.status.success(), "{}", stderr(&out));
    // ... is unwired first, through `interlock uninstall`, and what remains is said.
    assert!(
        std::fs::read_to_string(&settings).map_or(true, |s| !s.contains("interlock hook")),
        "{}",
        text(&out.stdout)
    );
    assert!(
        text(&out.stdout).contains("Gemini"),
        "{}",
        text(&out.stdout)
    );
    assert!(
        text(&out.stdout).contains("--project"),
        "{}",
        text(&out.stdout)
    );
    assert!(!bin.join("interlock").exists());
    assert!(!bin.join("interlock-bash").exists());
    assert!(!shims.exists());
    assert!(
        bin.join("interlock-zsh").exists(),
        "someone else's link is left alone"
    );
}

/// In a working directory that was deleted, commands cannot be judged and are stopped,
/// but a start with nothing to judge (`--version`) is still the real shell's.
#[test]
fn a_deleted_working_directory_stops_commands_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let gone = dir.path().join("gone");
    let marker = dir.path().join("marker");
    let run = |args: &str| {
        std::fs::create_dir(&gone).expect("mkdir");
        Command::new("sh")
            .arg("-c")
            .arg(format!(
                "cd '{}' && rmdir '{}' && exec \"$0\" shell {args}",
                gone.display(),
                gone.display()
            ))
            .arg(BIN)
            .env("INTERLOCK_CONFIG", dir.path().join("none.toml"))
            .env("INTERLOCK_STATE_DIR", dir.path().join("state"))
            .output()
            .expect("run")
    };
    let version = run("--version");
    assert_eq!(version.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&version.stdout).contains("GNU bash"));
    let cmd = run(&format!("-c 'touch {}'", marker.display()));
    assert_eq!(cmd.status.code(), Some(77));
    assert!(!marker.exists());
    assert!(String::from_utf8_lossy(&cmd.stderr).contains("working directory no longer exists"));
}

/// A deny is never allowed by a habitual `yes`: the human types the rule's id.
#[test]
fn approving_a_deny_takes_the_rule_id() {
    let sb = Sandbox::new();
    let attempt = || {
        let mut c = sb.command(&sb.link("bash"));
        c.args(["-c", "rm -rf ~"]);
        run(c, b"")
    };
    assert_eq!(attempt().status.code(), Some(STOPPED));
    let code = sb.requests().pop().expect("request");
    let (status, screen) = sb.approve_in_terminal(&code, "yes", &[]);
    assert_eq!(status, 1, "{screen}");
    assert!(
        screen.contains("Typing the rule id fs.delete-critical lets it run once"),
        "{screen}"
    );
    assert!(!sb
        .state()
        .join("approvals")
        .join(format!("{code}.json"))
        .exists());

    assert_eq!(attempt().status.code(), Some(STOPPED));
    let code = sb.requests().pop().expect("request");
    let (status, _) = sb.approve_in_terminal(&code, "fs.delete-critical", &[]);
    assert_eq!(status, 0);
    assert!(sb
        .state()
        .join("approvals")
        .join(format!("{code}.json"))
        .exists());
}

/// Two identical runs wait; the approval for the first is spent by the second. The first
/// says so (not "refused"), runs nothing, and the push happened exactly once.
#[test]
fn an_approval_spent_by_an_identical_run_is_reported_as_such() {
    use nix::sys::signal::{kill, Signal};
    use nix::unistd::Pid;
    let sb = Sandbox::new();
    let (remote, published) = diverged_clone(&sb);
    let mut c = sb.command(&sb.link("bash"));
    c.args(["-c", "git push --force origin main"])
        .env("INTERLOCK_CONFIRM_TIMEOUT", "60")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let (first, code) = sb.spawn_paused(c);
    // Hold the first run still while the approval is given and spent elsewhere.
    let pid = Pid::from_raw(first.id() as i32);
    kill(pid, Signal::SIGSTOP).expect("stop");
    let (status, screen) = sb.approve_in_terminal(&code, "yes", &[]);
    assert_eq!(status, 0, "{screen}");
    let second = sb.guarded(
        "bash",
        &["-c", "git push --force origin main"],
        &[("INTERLOCK_CONFIRM_TIMEOUT", "0")],
    );
    assert!(second.status.success(), "{}", stderr(&second));
    let pushed = remote_head(&sb, &remote);
    assert_ne!(pushed, published, "the second run used the approval");
    kill(pid, Signal::SIGCONT).expect("continue");
    let out = first.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(NOT_APPROVED), "{}", stderr(&out));
    let msg = stderr(&out);
    assert!(msg.contains("another run of the same command"), "{msg}");
    assert!(!msg.contains("refused"), "{msg}");
    assert_eq!(remote_head(&sb, &remote), pushed);
    assert_eq!(
        sb.log_lines().last().expect("logged")["outcome"],
        "used_by_another_run"
    );
}
