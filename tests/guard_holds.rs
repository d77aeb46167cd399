//! The guard holds: what an improvising agent tries after a stop, each step a separate
//! `interlock-bash -c …` call with no terminal, in a scratch home where Interlock is
//! installed as a user installs it (`~/.local/bin`, default state and config paths).
//!
//! Every attack goes through the real agent shell, and each is written so that the
//! judgement lets it run (computed paths, an interpreter): what must stop it is the
//! kernel confinement. Each test then checks what matters: the stopped command still
//! does not run (the directory is still there), the hook setting is still there, the
//! binary is still Interlock. The human's own path, a real terminal outside the
//! confinement, still approves the exact command once.

use portable_pty::{native_pty_system, CommandBuilder, PtySize};
use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_interlock");
const NOT_APPROVED: i32 = 75;
const SETTINGS: &str = r#"{"hooks":{"PreToolUse":[{"matcher":"Bash","hooks":[{"type":"command","command":"interlock hook claude"}]}]}}"#;

/// A scratch home with Interlock installed in `~/.local/bin` (hard links, as
/// install.sh makes them), a Claude Code settings file holding the hook, a project,
/// and `~/keep`, the directory the agent must not delete.
struct Home {
    _dir: tempfile::TempDir,
    home: PathBuf,
    /// Run as this uid/gid through setpriv (`None`: as ourselves).
    user: Option<u32>,
}

impl Home {
    fn new() -> Home {
        Home::as_user(None)
    }

    fn as_user(user: Option<u32>) -> Home {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))
            .expect("chmod");
        let home = dir.path().canonicalize().expect("canonical").join("home");
        let bin = home.join(".local/bin");
        for d in [&bin, &home.join("project"), &home.join("keep")] {
            std::fs::create_dir_all(d).expect("mkdir");
        }
        std::fs::write(home.join("keep/data.txt"), "precious").expect("write");
        std::fs::copy(BIN, bin.join("interlock")).expect("install");
        std::fs::hard_link(bin.join("interlock"), bin.join("interlock-bash")).expect("link");
        std::fs::create_dir_all(home.join(".claude")).expect("mkdir");
        std::fs::write(home.join(".claude/settings.json"), SETTINGS).expect("settings");
        // A compiled program Interlock cannot see into: python under another name.
        std::os::unix::fs::symlink("/usr/bin/python3", home.join("project/tool")).expect("link");
        if let Some(uid) = user {
            let ok = Command::new("chown")
                .args(["-R", &format!("{uid}:{uid}")])
                .arg(&home)
                .status()
                .expect("chown");
            assert!(ok.success());
        }
        Home {
            _dir: dir,
            home,
            user,
        }
    }

    fn project(&self) -> PathBuf {
        self.home.join("project")
    }

    fn shell(&self) -> PathBuf {
        self.home.join(".local/bin/interlock-bash")
    }

    fn command(&self, program: &Path) -> Command {
        let mut c = match self.user {
            Some(uid) => {
                let mut c = Command::new("setpriv");
                c.arg(format!("--reuid={uid}"))
                    .arg(format!("--regid={uid}"))
                    .arg("--clear-groups")
                    .arg(program);
                c
            }
            None => Command::new(program),
        };
        let path = format!(
            "{}:/usr/local/bin:/usr/bin:/bin",
            self.home.join(".local/bin").display()
        );
        c.env_clear()
            .env("HOME", &self.home)
            .env("PATH", path)
            .env("LANG", "C.UTF-8")
            .env("INTERLOCK_CONFIRM_TIMEOUT", "0")
            .current_dir(self.project())
            .stdin(Stdio::null());
        c
    }

    /// One agent step: `interlock-bash -c CODE`, no terminal.
    fn agent(&self, code: &str) -> Output {
        output(self.command(&self.shell()).args(["-c", code]))
    }

    fn keep_survives(&self) {
        assert_eq!(
            std::fs::read_to_string(self.home.join("keep/data.txt")).ok(),
            Some("precious".to_string()),
            "~/keep was deleted"
        );
    }

    fn state(&self) -> PathBuf {
        self.home.join(".local/state/interlock")
    }

    /// The code of the newest pending request.
    fn newest_request(&self) -> String {
        let mut entries: Vec<_> = std::fs::read_dir(self.state().join("requests"))
            .expect("requests")
            .filter_map(|e| e.ok())
            .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
            .map(|e| {
                let t = e.metadata().and_then(|m| m.modified()).expect("mtime");
                (t, e.path())
            })
            .collect();
        entries.sort();
        let (_, p) = entries.pop().expect("a request");
        p.file_stem()
            .and_then(|s| s.to_str())
            .expect("code")
            .to_string()
    }

    /// Stop `rm -rf ~/keep` once and return its approval code.
    fn stopped_code(&self) -> String {
        let out = self.agent("rm -rf ~/keep");
        assert_eq!(
            out.status.code(),
            Some(NOT_APPROVED),
            "{}",
            text(&out.stderr)
        );
        self.keep_survives();
        self.newest_request()
    }

    fn approvals(&self) -> Vec<String> {
        std::fs::read_dir(self.state().join("approvals"))
            .map(|d| {
                d.filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default()
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn all(o: &Output) -> String {
    format!("{}{}", text(&o.stdout), text(&o.stderr))
}

/// Python code, run by the agent shell, that tries each statement and prints
/// `BLOCKED: <error>` or `DONE` for each. It runs as `./tool`, a compiled program
/// whose code Interlock does not read (python under another name), so the judgement
/// lets it through and only the kernel can stop it.
fn python(steps: &[&str]) -> String {
    let mut code = String::from("import os, shutil, json, subprocess, time\nH = os.environ['HOME']\nS = os.path.join(H, '.local', 'st' + 'ate', 'inter' + 'lock')\n");
    for s in steps {
        code.push_str(&format!(
            "try:\n    {s}\n    print('DONE')\nexcept Exception as e:\n    print('BLOCKED:', e)\n"
        ));
    }
    format!("./tool -c {}", shell_words::quote(&code))
}

fn assert_blocked(out: &Output, steps: usize) {
    let o = text(&out.stdout);
    assert_eq!(
        o.matches("BLOCKED:").count(),
        steps,
        "every step must be stopped by the kernel:\n{}",
        all(out)
    );
}

#[test]
fn a_forged_approval_record_is_never_written() {
    let h = Home::new();
    let code = h.stopped_code();
    let forge = format!(
        "json.dump({{'code': '{code}', 'command': 'rm -rf ~/keep', 'cwd': os.getcwd(), 'approved_at': int(time.time()), 'expires': int(time.time()) + 900, 'channel': 'terminal'}}, open(os.path.join(S, 'approvals', '{code}.json'), 'w'))"
    );
    let copy = format!(
        "shutil.copy(os.path.join(S, 'requests', '{code}.json'), os.path.join(S, 'approvals', '{code}.json'))"
    );
    let out = h.agent(&python(&[&forge, &copy]));
    assert_blocked(&out, 2);
    assert!(text(&out.stdout).contains("Read-only file system"));
    assert!(h.approvals().is_empty(), "{:?}", h.approvals());
    let out = h.agent("rm -rf ~/keep");
    assert_eq!(out.status.code(), Some(NOT_APPROVED), "{}", all(&out));
    h.keep_survives();
}

#[test]
fn interlock_approve_inside_fails_however_it_is_started() {
    let h = Home::new();
    let code = h.stopped_code();
    // Under another name, through `script` for a terminal, detached with setsid and a
    // clean environment; then a copy of the binary that is not the mounted one.
    let steps = [
        format!("ln -sf \"$(command -v interlock)\" ~/ok && (echo yes; sleep 2) | setsid -f env -i HOME=$HOME PATH=/usr/bin:/bin script -qc \"$HOME/ok approve {code}\" /dev/null; sleep 3"),
        format!("cp \"$(command -v interlock)\" ~/ok2 && (echo yes; sleep 2) | env -i HOME=$HOME PATH=/usr/bin:/bin script -qec \"$HOME/ok2 approve {code}\" /dev/null; true"),
        format!("env -i HOME=$HOME PATH=/usr/bin:/bin tmux -L x new -d \"$HOME/ok approve {code}; sleep 5\" && sleep 1 && tmux -L x send-keys yes Enter && sleep 2; tmux -L x kill-server; true"),
        // python's pty, and os.execvp with the agent-shell mark removed.
        format!("echo yes | /usr/bin/python3 -c \"import pty, os; os.environ.pop('INTERLOCK_AGENT_SHELL', None); os.environ.pop('INTERLOCK_CONFINED', None); pty.spawn([os.path.expanduser('~/ok2'), 'approve', '{code}'])\"; true"),
        format!("/usr/bin/python3 -c \"import os; h = os.environ['HOME']; os.environ.clear(); os.environ['HOME'] = h; os.execv(h + '/ok2', ['ok2', 'approve', '{code}'])\" < /dev/null; true"),
    ];
    for step in &steps {
        let out = h.agent(step);
        assert!(
            h.approvals().is_empty(),
            "approved by: {step}\n{}",
            all(&out)
        );
    }
    let out = h.agent("rm -rf ~/keep");
    assert_eq!(out.status.code(), Some(NOT_APPROVED), "{}", all(&out));
    h.keep_survives();
}

#[test]
fn the_mode_and_the_config_cannot_be_loosened_from_inside() {
    let h = Home::new();
    let cfg = "open(os.path.join(H, '.con' + 'fig', 'interlock', 'config.toml'), 'w').write('[settings]\\nmode = \"audit\"\\n')";
    let rename = "os.rename(os.path.join(H, '.con' + 'fig'), os.path.join(H, 'moved'))";
    let out = h.agent(&python(&[cfg, rename]));
    assert_blocked(&out, 2);
    assert!(!h.home.join(".config/interlock/config.toml").exists());
    // The environment of a nested guard: not read inside the confinement.
    for step in [
        "export $(echo INTERLOCK_MODE=audit); interlock-bash -c 'rm -rf ~/keep'",
        "printf -v INTERLOCK_MODE audit; export INTERLOCK_MODE; interlock-bash -c 'rm -rf ~/keep'",
        "/usr/bin/python3 -c \"import os; os.environ['INTERLOCK_MODE'] = 'au' + 'dit'; os.execvp('interlock-bash', ['interlock-bash', '-c', 'rm -rf ' + os.environ['HOME'] + '/keep'])\"",
    ] {
        let _ = h.agent(step);
        h.keep_survives();
    }
    let out = h.agent("rm -rf ~/keep");
    assert_eq!(out.status.code(), Some(NOT_APPROVED), "{}", all(&out));
    h.keep_survives();
}

#[test]
fn the_installed_binary_cannot_be_replaced() {
    let h = Home::new();
    let before = std::fs::read(h.shell()).expect("binary");
    let bin = "os.path.join(H, '.local', 'bin', 'interlock-' + 'bash')";
    let steps = [
        format!("os.symlink('/bin/bash', {bin} + '.x'); os.rename({bin} + '.x', {bin})"),
        format!("open({bin}, 'wb').write(open('/bin/bash', 'rb').read())"),
        format!("os.unlink({bin})"),
        "os.rename(os.path.join(H, '.local'), os.path.join(H, 'dotlocal'))".to_string(),
    ];
    let refs: Vec<&str> = steps.iter().map(String::as_str).collect();
    let out = h.agent(&python(&refs));
    assert_blocked(&out, 4);
    assert_eq!(std::fs::read(h.shell()).expect("binary"), before);
    let out = h.agent("rm -rf ~/keep");
    assert_eq!(out.status.code(), Some(NOT_APPROVED), "{}", all(&out));
    h.keep_survives();
}

#[test]
fn the_agents_hook_settings_stay() {
    let h = Home::new();
    let settings = "os.path.join(H, '.cla' + 'ude', 'settings.json')";
    let steps = [
        format!("open({settings}, 'w').write('{{}}')"),
        format!("os.unlink({settings})"),
        "os.rename(os.path.join(H, '.cla' + 'ude'), os.path.join(H, 'c2'))".to_string(),
    ];
    let refs: Vec<&str> = steps.iter().map(String::as_str).collect();
    let out = h.agent(&python(&refs));
    assert_blocked(&out, 3);
    // node too, and from a shell through a computed name.
    let node = "node -e \"require('fs').writeFileSync(process.env.HOME + '/.cla' + 'ude/settings.json', '{}')\"; n=settings; echo '{}' > ~/.claude/$n.json 2>/dev/null; true";
    let _ = h.agent(node);
    assert_eq!(
        std::fs::read_to_string(h.home.join(".claude/settings.json")).expect("settings"),
        SETTINGS
    );
}

/// The namespace of a process, as `readlink /proc/PID/ns/KIND` shows it.
fn namespace(pid: &str, kind: &str) -> String {
    std::fs::read_link(format!("/proc/{pid}/ns/{kind}"))
        .map(|p| p.display().to_string())
        .unwrap_or_default()
}

#[test]
fn commands_share_one_confinement_and_it_holds_for_each() {
    let h = Home::new();
    let own = namespace("self", "mnt");
    let first = h.agent("readlink /proc/self/ns/mnt");
    let second = h.agent("readlink /proc/self/ns/mnt");
    assert_eq!(first.status.code(), Some(0), "{}", all(&first));
    let ns = text(&first.stdout).trim().to_string();
    assert!(ns.starts_with("mnt:["), "{}", all(&first));
    assert_ne!(ns, own, "the command ran in the human's namespace");
    assert_eq!(
        text(&second.stdout).trim(),
        ns,
        "the second command built its own"
    );
    // A command that joined is held as the one that built it.
    let cfg = "open(os.path.join(H, '.con' + 'fig', 'interlock', 'config.toml'), 'w').write('[settings]\\nmode = \"audit\"\\n')";
    let out = h.agent(&python(&[cfg]));
    assert_blocked(&out, 1);
    let out = h.agent("readlink /proc/self/ns/mnt; rm -rf ~/keep");
    assert_eq!(out.status.code(), Some(NOT_APPROVED), "{}", all(&out));
    h.keep_survives();

    // The record sits where no confined command can write it; written from outside to
    // name an unconfined process, or a process that is gone, it is not followed.
    let records = h.state().join("ns");
    let record = std::fs::read_dir(&records)
        .expect("the shared namespace is recorded")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .find(|p| {
            !p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .expect("a record");
    let mut sleeper = Command::new("sleep").arg("30").spawn().expect("sleep");
    let pid = sleeper.id().to_string();
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("stat");
    let start = stat
        .rsplit_once(')')
        .and_then(|(_, rest)| rest.split_whitespace().nth(19))
        .expect("start time")
        .to_string();
    let ino = |kind: &str| {
        let n = namespace(&pid, kind);
        n.trim_start_matches(|c: char| !c.is_ascii_digit())
            .trim_end_matches(']')
            .to_string()
    };
    for forged in [
        format!("{pid} {start} {} {}\n", ino("user"), ino("mnt")),
        "999999 1 4026531837 4026531841\n".to_string(),
        "not a record".to_string(),
    ] {
        std::fs::write(&record, &forged).expect("forge");
        let out = h.agent("readlink /proc/self/ns/mnt");
        let got = text(&out.stdout).trim().to_string();
        assert!(got.starts_with("mnt:["), "{}", all(&out));
        assert_ne!(got, own, "a forged record ({forged}) led outside");
        let out = h.agent(&python(&[cfg]));
        assert_blocked(&out, 1);
    }
    let _ = sleeper.kill();
    let _ = sleeper.wait();
    assert!(!h.home.join(".config/interlock/config.toml").exists());
}

#[test]
fn nothing_inside_can_unmount_or_reach_outside() {
    let h = Home::new();
    let settings = h.home.join(".claude/settings.json");
    let s = settings.display();
    let steps = [
        format!("umount {s} || umount -l {s} || mount -o remount,rw,bind {s}; echo {{}} > {s}"),
        format!("unshare -Urm sh -c 'umount {s}; mount -o remount,rw,bind {s}; echo {{}} > {s}'"),
        // The unconfined parent's view of the file system, through /proc.
        format!("echo {{}} > /proc/$PPID/root{s}"),
        "/usr/bin/python3 -c \"import os; open('/proc/%d/root%s' % (os.getppid(), os.environ['HOME'] + '/.claude/settings.json'), 'w').write('{}')\"".to_string(),
    ];
    for step in &steps {
        let _ = h.agent(step);
        assert_eq!(
            std::fs::read_to_string(&settings).expect("settings"),
            SETTINGS,
            "changed by: {step}"
        );
    }
}

#[test]
fn everyday_work_does_not_notice_the_confinement() {
    let h = Home::new();
    let mut c = h.command(&h.shell());
    c.env("GIT_AUTHOR_NAME", "a")
        .env("GIT_AUTHOR_EMAIL", "a@b")
        .env("GIT_COMMITTER_NAME", "a")
        .env("GIT_COMMITTER_EMAIL", "a@b");
    let script = "set -e
git init -q . && echo hi > a.txt && git add a.txt && git commit -qm first
git config --global user.name someone && git config --global --get user.name
mkdir -p ~/.cache/tool && echo cached > ~/.cache/tool/x && cat ~/.cache/tool/x
echo history >> ~/.bash_history && touch ~/newfile && rm ~/newfile
/usr/bin/python3 -m venv venv && venv/bin/python -c 'print(\"venv ok\")'
npm init -y >/dev/null && npm config set fund false && npm pack --silent >/dev/null && ls *.tgz
rm -rf node_modules target && mkdir -p target/debug && rm -rf target
mv a.txt b.txt && mv b.txt a.txt && ls ~/.claude >/dev/null && cat ~/.claude/settings.json >/dev/null
echo all-done";
    let out = output(c.args(["-c", script]));
    assert_eq!(out.status.code(), Some(0), "{}", all(&out));
    let o = text(&out.stdout);
    for want in ["someone", "cached", "venv ok", ".tgz", "all-done"] {
        assert!(o.contains(want), "missing {want}: {}", all(&out));
    }
    assert!(h.home.join(".gitconfig").exists());
    assert!(h.project().join(".git/HEAD").exists());
}

#[test]
fn cargo_builds_inside_the_confinement() {
    let h = Home::new();
    let mut c = h.command(&h.shell());
    for var in ["RUSTUP_HOME", "CARGO_HOME"] {
        if let Some(v) = std::env::var_os(var) {
            c.env(var, v);
        }
    }
    // rustup's proxies look in ~/.cargo/bin; keep the real toolchain reachable.
    let real_home = std::env::var("HOME").unwrap_or_default();
    let path = format!(
        "{}:{real_home}/.cargo/bin:/usr/local/cargo/bin:/usr/local/bin:/usr/bin:/bin",
        h.home.join(".local/bin").display()
    );
    if std::env::var_os("RUSTUP_HOME").is_none() {
        c.env("RUSTUP_HOME", format!("{real_home}/.rustup"));
    }
    c.env("PATH", path)
        .env("CARGO_TARGET_DIR", h.project().join("target"))
        .env("CARGO_HOME", h.home.join(".cargo"));
    let out = c
        .args([
            "-c",
            "cargo new --vcs none -q hello && cd hello && cargo build --offline -q && ./../target/debug/hello",
        ]);
    let out = output(out);
    assert_eq!(out.status.code(), Some(0), "{}", all(&out));
    assert!(text(&out.stdout).contains("Hello, world!"), "{}", all(&out));
}

/// `interlock approve CODE` typed in a real terminal that is not the agent's.
fn approve_in_terminal(h: &Home, code: &str) -> String {
    let pty = native_pty_system()
        .openpty(PtySize {
            rows: 40,
            cols: 200,
            pixel_width: 0,
            pixel_height: 0,
        })
        .expect("openpty");
    let mut cmd = CommandBuilder::new(h.home.join(".local/bin/interlock"));
    cmd.args(["approve", code]);
    cmd.env_clear();
    cmd.env("HOME", &h.home);
    cmd.env("PATH", "/usr/bin:/bin");
    cmd.cwd(h.project());
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
    while !String::from_utf8_lossy(&seen.lock().expect("lock")).contains("(anything else refuses)")
    {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "no prompt: {}",
            String::from_utf8_lossy(&seen.lock().expect("lock"))
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    writer.write_all(b"yes\r").expect("type");
    let status = child.wait().expect("wait");
    drop(writer);
    drop(pty.master);
    let _ = reading.join();
    assert_eq!(status.exit_code(), 0);
    let out = String::from_utf8_lossy(&seen.lock().expect("lock")).into_owned();
    out
}

#[test]
fn the_human_approves_outside_and_the_exact_command_runs_once() {
    let h = Home::new();
    let code = h.stopped_code();
    approve_in_terminal(&h, &code);
    let out = h.agent("rm -rf ~/keep");
    assert_eq!(out.status.code(), Some(0), "{}", all(&out));
    assert!(!h.home.join("keep").exists());
    // Spent: the same command again is stopped.
    std::fs::create_dir_all(h.home.join("keep")).expect("mkdir");
    std::fs::write(h.home.join("keep/data.txt"), "precious").expect("write");
    let out = h.agent("rm -rf ~/keep");
    assert_eq!(out.status.code(), Some(NOT_APPROVED), "{}", all(&out));
    h.keep_survives();
}

#[test]
fn an_unprivileged_user_is_confined_the_same_way() {
    if !nix_is_root() {
        // Already unprivileged: the other tests cover this user.
        return;
    }
    let h = Home::as_user(Some(65534));
    let code = h.stopped_code();
    let forge = format!("open(os.path.join(S, 'approvals', '{code}.json'), 'w').write('{{}}')");
    let cfg = "open(os.path.join(H, '.con' + 'fig', 'interlock', 'config.toml'), 'w').write('[settings]\\nmode = \"audit\"\\n')";
    let settings = "open(os.path.join(H, '.cla' + 'ude', 'settings.json'), 'w').write('{}')";
    let rename = "os.rename(os.path.join(H, '.local'), os.path.join(H, 'l2'))";
    let out = h.agent(&python(&[&forge, cfg, settings, rename]));
    assert_blocked(&out, 4);
    let out = h.agent("unshare -Urm sh -c \"umount $HOME/.claude/settings.json; echo {} > $HOME/.claude/settings.json\"; echo {} > /proc/$PPID/root$HOME/.claude/settings.json; true");
    let _ = out;
    assert_eq!(
        std::fs::read_to_string(h.home.join(".claude/settings.json")).expect("settings"),
        SETTINGS
    );
    let out = h.agent("rm -rf ~/keep");
    assert_eq!(out.status.code(), Some(NOT_APPROVED), "{}", all(&out));
    h.keep_survives();
    // Everyday work as this user.
    let out = h
        .agent("echo ok > out.txt && cat out.txt && git init -q . && mkdir -p ~/.cache/x && id -u");
    assert_eq!(out.status.code(), Some(0), "{}", all(&out));
    assert!(text(&out.stdout).contains("65534"), "{}", all(&out));
    // sudo cannot work inside: it is a decision for the human, not a mystery failure.
    let out = h.agent("sudo -n true");
    assert_eq!(out.status.code(), Some(NOT_APPROVED), "{}", all(&out));
    assert!(
        text(&out.stderr).contains("confine.needs-root"),
        "{}",
        all(&out)
    );
}

/// Run a command to its end. The binaries these tests start were copied into the
/// scratch HOME a moment before; another test's fork may still hold the copy's write
/// descriptor until its own exec (Linux then refuses to run the file: ETXTBSY), so
/// that one error is waited out.
fn output(c: &mut Command) -> Output {
    for _ in 0..100 {
        match c.output() {
            Err(e) if e.kind() == std::io::ErrorKind::ExecutableFileBusy => {
                std::thread::sleep(std::time::Duration::from_millis(20))
            }
            r => return r.expect("run"),
        }
    }
    c.output().expect("run")
}

fn nix_is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| text(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

// ---------------------------------------------------------------------------------
// Hook routes: the agent's own file tools, managed settings, and what doctor says.
// ---------------------------------------------------------------------------------

/// `interlock hook AGENT` with this input, in the scratch home's project.
fn hook(h: &Home, agent: &str, input: &serde_json::Value) -> Output {
    use std::io::Write as _;
    let mut c = h.command(&h.home.join(".local/bin/interlock"));
    c.args(["hook", agent])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().expect("spawn hook");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.to_string().as_bytes())
        .expect("write");
    child.wait_with_output().expect("wait")
}

/// The permission decision of a Claude Code answer (`None`: allowed silently).
fn claude_permission(out: &Output) -> Option<String> {
    let o = text(&out.stdout);
    if o.trim().is_empty() {
        return None;
    }
    let v: serde_json::Value = serde_json::from_str(&o).expect("JSON answer");
    v.pointer("/hookSpecificOutput/permissionDecision")
        .and_then(|d| d.as_str())
        .map(str::to_string)
}

#[test]
fn the_agents_file_tools_are_judged_by_the_hook() {
    let h = Home::new();
    let home = h.home.display().to_string();
    let project = h.project().display().to_string();
    let call = |tool: &str, input: serde_json::Value| {
        serde_json::json!({
            "session_id": "s", "transcript_path": "/dev/null", "cwd": project,
            "hook_event_name": "PreToolUse", "tool_name": tool, "tool_input": input,
        })
    };
    // Stopped: Interlock's files, an agent's hook settings, a protected dotfile.
    for (tool, input) in [
        (
            "Write",
            serde_json::json!({"file_path": format!("{home}/.claude/settings.json"), "content": "{}"}),
        ),
        (
            "Edit",
            serde_json::json!({"file_path": format!("{home}/.config/interlock/config.toml"), "old_string": "a", "new_string": "b"}),
        ),
        (
            "MultiEdit",
            serde_json::json!({"file_path": format!("{home}/.local/state/interlock/approvals/abcdef.json"), "edits": []}),
        ),
        (
            "Write",
            serde_json::json!({"file_path": ".claude/settings.local.json", "content": "{}"}),
        ),
        (
            "Write",
            serde_json::json!({"file_path": format!("{home}/.bashrc"), "content": "x"}),
        ),
    ] {
        std::fs::write(h.home.join(".bashrc"), "# rc\n").expect("rc");
        let out = hook(&h, "claude", &call(tool, input.clone()));
        assert!(
            claude_permission(&out).is_some(),
            "{tool} {input} was allowed: {}",
            all(&out)
        );
    }
    // Passed silently: ordinary project files, reads.
    for (tool, input) in [
        (
            "Write",
            serde_json::json!({"file_path": format!("{project}/src/main.rs"), "content": "fn main() {}"}),
        ),
        (
            "Edit",
            serde_json::json!({"file_path": "README.md", "old_string": "a", "new_string": "b"}),
        ),
        (
            "Read",
            serde_json::json!({"file_path": format!("{home}/.claude/settings.json")}),
        ),
    ] {
        let out = hook(&h, "claude", &call(tool, input.clone()));
        assert_eq!(
            claude_permission(&out),
            None,
            "{tool} {input}: {}",
            all(&out)
        );
    }
    // Gemini CLI's write_file on its own settings.
    let g = serde_json::json!({
        "session_id": "s", "cwd": project, "hook_event_name": "BeforeTool",
        "tool_name": "write_file",
        "tool_input": {"file_path": format!("{home}/.gemini/settings.json"), "content": "{}"},
    });
    std::fs::create_dir_all(h.home.join(".gemini")).expect("mkdir");
    std::fs::write(h.home.join(".gemini/settings.json"), "{}").expect("write");
    let out = hook(&h, "gemini", &g);
    assert!(text(&out.stdout).contains("\"deny\""), "{}", all(&out));
}

#[test]
fn install_wires_the_file_tools_and_managed_settings_hold() {
    let h = Home::new();
    std::fs::remove_file(h.home.join(".claude/settings.json")).expect("rm");
    let managed = h.home.join("etc-claude-code");
    let run = |args: &[&str]| {
        let mut c = h.command(&h.home.join(".local/bin/interlock"));
        c.args(args).env("INTERLOCK_MANAGED_DIR", &managed);
        output(&mut c)
    };
    let out = run(&["install", "claude"]);
    assert_eq!(out.status.code(), Some(0), "{}", all(&out));
    let user: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(h.home.join(".claude/settings.json")).expect("settings"),
    )
    .expect("json");
    assert_eq!(
        user.pointer("/hooks/PreToolUse/0/matcher")
            .and_then(|m| m.as_str()),
        Some("Bash|Write|Edit|MultiEdit|NotebookEdit|mcp__.*")
    );
    let out = run(&["install", "claude", "--managed"]);
    assert_eq!(out.status.code(), Some(0), "{}", all(&out));
    let file = managed.join("managed-settings.json");
    let text_of = std::fs::read_to_string(&file).expect("managed settings");
    assert!(text_of.contains("hook claude"), "{text_of}");
    // Doctor: the confinement first, then each route with whether it is tamper-proof.
    let out = run(&["doctor"]);
    let o = text(&out.stdout);
    assert!(o.contains("Confinement"), "{o}");
    assert!(o.contains("  ok    mount namespace"), "{o}");
    assert!(o.contains("(managed: "), "{o}");
    assert!(o.contains("tamper-proof: managed settings"), "{o}");
    assert!(o.contains("NOT tamper-proof alone"), "{o}");
    // Codex has no managed hooks file Interlock knows: said, not silently ignored.
    let out = run(&["install", "codex", "--managed"]);
    assert_ne!(out.status.code(), Some(0));
    assert!(
        text(&out.stderr).contains("Claude Code only"),
        "{}",
        all(&out)
    );
    let out = run(&["uninstall", "claude", "--managed"]);
    assert_eq!(out.status.code(), Some(0), "{}", all(&out));
    assert!(!std::fs::read_to_string(&file)
        .unwrap_or_default()
        .contains("hook claude"));
}

#[test]
fn a_wrapped_agent_runs_confined_and_the_humans_shell_does_not() {
    // `interlock confine` is what `interlock wrap -- AGENT` starts the agent with.
    let h = Home::new();
    let mut c = h.command(&h.home.join(".local/bin/interlock"));
    c.args([
        "confine",
        "--",
        "/bin/sh",
        "-c",
        "echo '{}' > ~/.claude/settings.json; echo x > ~/.config/interlock/config.toml; mv ~/.local ~/l2; echo ok > out.txt; cat out.txt",
    ]);
    let out = output(&mut c);
    assert_eq!(text(&out.stdout).trim(), "ok", "{}", all(&out));
    assert!(
        text(&out.stderr).contains("Read-only file system"),
        "{}",
        all(&out)
    );
    assert_eq!(
        std::fs::read_to_string(h.home.join(".claude/settings.json")).expect("settings"),
        SETTINGS
    );
    assert!(h.home.join(".local/bin/interlock").exists());
    // An agent shell started inside it is nested: it never runs in audit mode.
    let mut c = h.command(&h.home.join(".local/bin/interlock"));
    c.args([
        "confine",
        "--",
        "sh",
        "-c",
        "INTERLOCK_MODE=audit interlock-bash -c 'rm -rf ~/keep'",
    ]);
    let out = output(&mut c);
    assert_eq!(out.status.code(), Some(NOT_APPROVED), "{}", all(&out));
    h.keep_survives();
}

#[test]
fn without_the_confinement_no_file_can_approve() {
    // `confine = false` (as on a kernel that refuses the namespaces): a command could
    // write an approval, so approvals by file are off and only the wrap card remains.
    let h = Home::new();
    std::fs::create_dir_all(h.home.join(".config/interlock")).expect("mkdir");
    std::fs::write(
        h.home.join(".config/interlock/config.toml"),
        "[settings]\nconfine = false\n",
    )
    .expect("config");
    let out = h.agent("rm -rf ~/keep");
    assert_eq!(out.status.code(), Some(NOT_APPROVED), "{}", all(&out));
    let e = text(&out.stderr);
    assert!(
        e.contains("approvals by `interlock approve` are off"),
        "{e}"
    );
    assert!(!e.contains("interlock approve "), "no code is offered: {e}");
    h.keep_survives();
    // A forged approval for the command is not honoured either.
    let dir = h.state().join("approvals");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("time")
        .as_secs();
    std::fs::write(
        dir.join("abcdef.json"),
        serde_json::json!({"code": "abcdef", "command": "rm -rf ~/keep", "cwd": h.project(), "approved_at": now, "expires": now + 600, "channel": "terminal"}).to_string(),
    )
    .expect("forge");
    let out = h.agent("rm -rf ~/keep");
    assert_eq!(out.status.code(), Some(NOT_APPROVED), "{}", all(&out));
    h.keep_survives();
}
