//! `interlock wrap` against `script` and no wrapper at all, on this machine.
//!
//! The benchmark owns an outer PTY, like a terminal emulator, and reads it as fast as
//! it can. Paths are interleaved (every round runs each path once) and medians are
//! reported. Run: `cargo bench --bench wrap` (`-- --quick` for a short run,
//! `-- --only=throughput|echo|prompt` for one part, `-- --rounds=N` for more rounds).
//!
//! - throughput: `cat` of a 100 MB text file, MB/s and CPU seconds of the whole tree;
//! - echo: a key typed into `cat >/dev/null` until its echo comes back (the inner
//!   terminal echoes it; the wrapper relays both ways), over six times the rounds, with
//!   the median per-round difference against `script`;
//! - prompt: `true` + Enter in bash and zsh until the next prompt is drawn (with
//!   `interlock wrap --shell`, this includes the hook asking the session).

use nix::libc;
use nix::pty::{openpty, Winsize};
use nix::sys::signal::{kill, Signal};
use nix::sys::wait::waitpid;
use nix::unistd::Pid;
use std::io::{Read, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

const MB: usize = 1 << 20;

struct Outer {
    pid: Pid,
    master: std::fs::File,
    seen: Vec<u8>,
}

fn cpu_children() -> f64 {
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut ru) };
    let t = |v: libc::timeval| v.tv_sec as f64 + v.tv_usec as f64 / 1e6;
    t(ru.ru_utime) + t(ru.ru_stime)
}

impl Outer {
    fn spawn(argv: &[String], home: &Path) -> Outer {
        let ws = Winsize {
            ws_row: 50,
            ws_col: 160,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        let pty = openpty(&ws, None).expect("openpty");
        let slave = pty.slave;
        let mut cmd = Command::new(&argv[0]);
        cmd.args(&argv[1..])
            .env("HOME", home)
            .env("TERM", "xterm-256color")
            .env_remove("ZDOTDIR")
            .env("INTERLOCK_SYSTEM_CONFIG", home.join("none"))
            .env("XDG_CONFIG_HOME", home.join(".config"))
            .current_dir(home)
            .stdin(Stdio::from(slave.try_clone().expect("dup")))
            .stdout(Stdio::from(slave.try_clone().expect("dup")))
            .stderr(Stdio::from(slave));
        unsafe {
            cmd.pre_exec(|| {
                if libc::setsid() < 0 || libc::ioctl(0, libc::TIOCSCTTY as _, 0) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = cmd.spawn().expect("spawn");
        let pid = Pid::from_raw(child.id() as i32);
        std::mem::forget(child);
        drop(cmd);
        Outer {
            pid,
            master: std::fs::File::from(pty.master),
            seen: Vec::new(),
        }
    }

    /// Read until `needle` appears in what was read since the last call.
    fn expect(&mut self, needle: &[u8]) {
        let mut buf = [0u8; 65536];
        loop {
            if let Some(i) = self.seen.windows(needle.len()).position(|w| w == needle) {
                self.seen.drain(..i + needle.len());
                return;
            }
            let n = self.master.read(&mut buf).expect("read");
            assert!(n > 0, "EOF before {:?}", String::from_utf8_lossy(needle));
            self.seen.extend_from_slice(&buf[..n]);
        }
    }

    /// Read everything until the other side is gone; the byte count.
    fn drain(&mut self) -> usize {
        let mut buf = vec![0u8; 256 * 1024];
        let mut total = 0;
        loop {
            match self.master.read(&mut buf) {
                Ok(0) | Err(_) => return total,
                Ok(n) => total += n,
            }
        }
    }

    fn send(&mut self, b: &[u8]) {
        self.master.write_all(b).expect("write");
    }

    fn finish(self) {
        let _ = kill(self.pid, Signal::SIGHUP);
        let _ = kill(self.pid, Signal::SIGKILL);
        let _ = waitpid(self.pid, None);
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Path_ {
    Direct,
    Script,
    Interlock,
}

const PATHS: [Path_; 3] = [Path_::Direct, Path_::Script, Path_::Interlock];

impl Path_ {
    fn name(self) -> &'static str {
        match self {
            Path_::Direct => "direct (no wrapper)",
            Path_::Script => "script -q -e",
            Path_::Interlock => "interlock wrap",
        }
    }

    /// Run a shell command line under this path.
    fn argv(self, cmd: &str) -> Vec<String> {
        let s = |x: &str| x.to_string();
        match self {
            Path_::Direct => vec![s("sh"), s("-c"), s(cmd)],
            Path_::Script => vec![
                s("script"),
                s("-q"),
                s("-e"),
                s("-c"),
                s(cmd),
                s("/dev/null"),
            ],
            Path_::Interlock => vec![interlock(), s("wrap"), s("--"), s("sh"), s("-c"), s(cmd)],
        }
    }

    /// An interactive shell under this path (with the hook for interlock).
    fn shell(self, shell: &str) -> Vec<String> {
        match self {
            Path_::Interlock => vec![interlock(), "wrap".into(), "--shell".into(), shell.into()],
            _ => self.argv(&format!("exec {shell} -i")),
        }
    }
}

/// The binary under test: this build's, or `INTERLOCK_BIN` (to compare builds).
fn interlock() -> String {
    std::env::var("INTERLOCK_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_interlock").to_string())
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    v[v.len() / 2]
}

fn percentile(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    v[((v.len() - 1) as f64 * p).round() as usize]
}

fn throughput(file: &Path, home: &Path, rounds: usize) {
    let size = std::fs::metadata(file).expect("data").len() as f64 / MB as f64;
    let mut rate: Vec<Vec<f64>> = vec![Vec::new(); 3];
    let mut cpu: Vec<Vec<f64>> = vec![Vec::new(); 3];
    for _ in 0..rounds {
        for (i, p) in PATHS.iter().enumerate() {
            let c0 = cpu_children();
            let t0 = Instant::now();
            let mut o = Outer::spawn(&p.argv(&format!("cat {}", file.display())), home);
            let n = o.drain();
            let _ = waitpid(o.pid, None);
            let dt = t0.elapsed().as_secs_f64();
            assert!(n as f64 >= size * MB as f64, "{}: short output", p.name());
            rate[i].push(size / dt);
            cpu[i].push(cpu_children() - c0);
        }
    }
    println!(
        "\n### Throughput: cat of {size:.0} MB of text ({rounds} interleaved runs, medians)\n"
    );
    println!("| path | MB/s | CPU s |");
    println!("|---|---:|---:|");
    for (i, p) in PATHS.iter().enumerate() {
        println!(
            "| {} | {:.1} | {:.2} |",
            p.name(),
            median(&mut rate[i]),
            median(&mut cpu[i])
        );
    }
}

fn echo(home: &Path, rounds: usize, keys: usize) {
    let mut all: Vec<Vec<f64>> = vec![Vec::new(); 3];
    // Per round, interlock's p50 minus script's: a paired figure that a noisy machine
    // (load moving between rounds) disturbs less than the pooled percentiles.
    let mut diffs = Vec::new();
    for _ in 0..rounds {
        let mut p50 = [0.0; 3];
        for (i, p) in PATHS.iter().enumerate() {
            let start = all[i].len();
            let mut o = Outer::spawn(&p.argv("echo READY; exec cat >/dev/null"), home);
            o.expect(b"READY");
            for _ in 0..keys {
                let t0 = Instant::now();
                o.send(b"a");
                o.expect(b"a");
                all[i].push(t0.elapsed().as_secs_f64() * 1e6);
            }
            o.finish();
            p50[i] = median(&mut all[i][start..].to_vec());
        }
        diffs.push(p50[2] - p50[1]);
    }
    println!(
        "\n### Key echo latency: {keys} keys × {rounds} interleaved runs into `cat >/dev/null`\n"
    );
    println!("| path | p50 µs | p90 µs | p99 µs |");
    println!("|---|---:|---:|---:|");
    for (i, p) in PATHS.iter().enumerate() {
        let v = &mut all[i];
        println!(
            "| {} | {:.0} | {:.0} | {:.0} |",
            p.name(),
            percentile(v, 0.5),
            percentile(v, 0.9),
            percentile(v, 0.99)
        );
    }
    let faster = diffs.iter().filter(|d| **d < 0.0).count();
    println!(
        "\ninterlock wrap − script, p50 per round: median {:+.1} µs; faster in {faster} of {rounds} rounds",
        median(&mut diffs)
    );
}

fn prompt(shell: &str, home: &Path, rounds: usize, cmds: usize) {
    let mut all: Vec<Vec<f64>> = vec![Vec::new(); 3];
    for _ in 0..rounds {
        for (i, p) in PATHS.iter().enumerate() {
            let mut o = Outer::spawn(&p.shell(shell), home);
            o.expect(b"<P1>");
            for k in 0..cmds {
                let next = format!("<P{}>", k + 2);
                let t0 = Instant::now();
                o.send(b"true\r");
                o.expect(next.as_bytes());
                all[i].push(t0.elapsed().as_secs_f64() * 1e3);
            }
            o.send(b"exit\r");
            o.finish();
        }
    }
    println!(
        "\n### Prompt to prompt: `true` + Enter in {shell}, {cmds} × {rounds} interleaved runs\n"
    );
    println!("| path | p50 ms | p90 ms |");
    println!("|---|---:|---:|");
    for (i, p) in PATHS.iter().enumerate() {
        let v = &mut all[i];
        println!(
            "| {} | {:.2} | {:.2} |",
            p.name(),
            percentile(v, 0.5),
            percentile(v, 0.9)
        );
    }
}

fn have(p: &str) -> bool {
    Command::new(p)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let quick = args.iter().any(|a| a == "--quick");
    // `--only=throughput|echo|prompt` runs one part.
    let only = args
        .iter()
        .find_map(|a| a.strip_prefix("--only=").map(str::to_string));
    let want = |part: &str| only.as_deref().is_none_or(|o| o == part);
    let (mut rounds, data_mb, keys, cmds) = if quick {
        (3, 20, 300, 30)
    } else {
        (7, 100, 2000, 200)
    };
    // `--rounds=N` for more interleaved rounds on a noisy machine.
    if let Some(n) = args
        .iter()
        .find_map(|a| a.strip_prefix("--rounds=").and_then(|n| n.parse().ok()))
    {
        rounds = n;
    }
    let home: PathBuf =
        std::env::temp_dir().join(format!("interlock-bench-{}", std::process::id()));
    std::fs::create_dir_all(&home).expect("home");
    // Prompts that count commands, so the next prompt is told apart from a redraw.
    std::fs::write(
        home.join(".bashrc"),
        "__n=0; PROMPT_COMMAND='((__n++))'; PS1='<P${__n}> '\n",
    )
    .expect("bashrc");
    std::fs::write(
        home.join(".zshrc"),
        "setopt PROMPT_SUBST; __n=0; precmd() { (( ++__n )) }; PROMPT='<P${__n}> '\n",
    )
    .expect("zshrc");
    let file = home.join("data.txt");
    {
        let line = "the quick brown fox jumps over the lazy dog 0123456789 ABCDEFGHIJKLMNOPQRSTUVWXYZ abcdefghijklmnopqrstuvwxyz\n";
        let mut f = std::io::BufWriter::new(std::fs::File::create(&file).expect("data"));
        let mut written = 0;
        while written < data_mb * MB {
            f.write_all(line.as_bytes()).expect("write");
            written += line.len();
        }
    }
    println!(
        "interlock wrap benchmark on {} CPUs ({})",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        if quick { "quick" } else { "full" }
    );
    if want("throughput") {
        throughput(&file, &home, rounds);
    }
    if want("echo") {
        // Six times the rounds: a round's p50 moves with the machine's load, and the
        // paired figure needs many rounds to settle.
        echo(&home, rounds * 6, keys);
    }
    for shell in ["bash", "zsh"] {
        if want("prompt") && have(shell) {
            prompt(shell, &home, rounds, cmds);
        }
    }
    let _ = std::fs::remove_dir_all(&home);
}
