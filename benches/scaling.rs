//! `cargo bench --bench scaling`: how the cost of one decision grows with the input.
//!
//! Each shape of issue 17 is fed at 1×, 10× and 100× its size to the release
//! `interlock check --batch -0` as a child process (so a crash would show), timing the
//! whole process and reading its peak memory (`ru_maxrss` from `wait4`); the in-process
//! time of `Engine::decide` is shown beside it. Then the nl2bash batch (one `check
//! --batch` over the vendored corpus) and the in-process median per nl2bash command.
//!
//! Targets (2-core machine): every input up to the 4 MiB cap under 1 s and 200 MB; a
//! 100 KB real script under 50 ms; the median nl2bash command at most 15 µs.

mod shapes;

use interlock::{Context, Engine};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

struct Run {
    wall: Duration,
    max_rss_kb: i64,
    status: i32,
    first: String,
}

/// Run `interlock ARGS` on `input` and read its peak memory with `wait4`.
///
/// The child is started from a small helper process (this bench binary again, in
/// runner mode): Rust spawns children with `vfork`, and Linux counts the parent's
/// memory at `exec` time into the child's `ru_maxrss`, so a child of this (large)
/// process would report this process's size.
fn run_child(args: &[&str], input: &[u8]) -> Run {
    let dir = std::env::temp_dir().join(format!("interlock-scaling-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("input");
    std::fs::write(&file, input).expect("write input");
    let out = Command::new(std::env::current_exe().expect("own path"))
        .env("SCALING_RUNNER", &file)
        .args(args)
        .output()
        .expect("run helper");
    let _ = std::fs::remove_dir_all(&dir);
    let text = String::from_utf8_lossy(&out.stdout);
    let mut f = text.splitn(4, '\t');
    let mut next = || f.next().unwrap_or("").to_string();
    let wall_us: u64 = next().parse().unwrap_or(0);
    let max_rss_kb: i64 = next().parse().unwrap_or(0);
    let status: i32 = next().parse().unwrap_or(-1);
    let first = next().trim().to_string();
    Run {
        wall: Duration::from_micros(wall_us),
        max_rss_kb,
        status,
        first,
    }
}

/// Runner mode: run interlock with the file as stdin, print
/// `wall-µs<TAB>maxrss-KB<TAB>status<TAB>first output line` and exit.
fn runner(file: &str) -> ! {
    let exe = env!("CARGO_BIN_EXE_interlock");
    let args: Vec<String> = std::env::args().skip(1).collect();
    let input = std::fs::File::open(file).expect("input");
    let started = Instant::now();
    let mut child = Command::new(exe)
        .args(&args)
        .stdin(input)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn interlock");
    let mut stdout = child.stdout.take().expect("stdout");
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        let _ = std::io::Read::read_to_end(&mut stdout, &mut out);
        out
    });
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: rusage is plain data; the pid is our own child, waited for once here.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = started.elapsed();
    assert_eq!(r, pid, "wait4 failed");
    let out = reader.join().unwrap_or_default();
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        128 + libc::WTERMSIG(status)
    };
    let first = String::from_utf8_lossy(&out)
        .lines()
        .next()
        .unwrap_or("")
        .split('\t')
        .take(2)
        .collect::<Vec<_>>()
        .join(" ");
    println!(
        "{}\t{}\t{}\t{}",
        wall.as_micros(),
        usage.ru_maxrss,
        code,
        first
    );
    std::process::exit(0)
}

fn in_process(engine: &Engine, ctx: &Context, line: &str) -> Duration {
    let mut best = Duration::MAX;
    for _ in 0..3 {
        let t = Instant::now();
        std::hint::black_box(engine.decide(line, ctx));
        best = best.min(t.elapsed());
    }
    best
}

fn main() {
    if let Ok(file) = std::env::var("SCALING_RUNNER") {
        runner(&file);
    }
    // `cargo bench` passes `--bench`; a name filters the shapes.
    let filter: Option<String> = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let engine = Engine::builtin();
    let ctx = Context::example();
    type Shape = (&'static str, fn(usize) -> String, [usize; 3]);
    let script = |n: usize| shapes::test_script(n, "rm -rf ~\n");
    let shapes: Vec<Shape> = vec![
        (
            "pipeline stages",
            shapes::pipeline,
            [1_000, 10_000, 100_000],
        ),
        ("and chain", shapes::and_chain, [1_000, 10_000, 100_000]),
        (
            "mixed or-and chain",
            shapes::mixed_chain,
            [1_000, 10_000, 100_000],
        ),
        (
            "doubling functions",
            shapes::doubling_functions,
            [4, 40, 400],
        ),
        (
            "wide words (bytes)",
            shapes::wide_words,
            [41_000, 410_000, 4_190_000],
        ),
        (
            "git status, and chain",
            shapes::git_chain,
            [100, 1_000, 10_000],
        ),
        ("test script (tests)", script, [16, 300, 1_600]),
    ];
    println!(
        "| shape | size | bytes | decision | check (process) | peak RSS | decide (in-process) |"
    );
    println!("|---|---|---|---|---|---|---|");
    for (name, make, sizes) in shapes {
        if filter.as_deref().is_some_and(|f| !name.contains(f)) {
            continue;
        }
        for n in sizes {
            let line = make(n);
            let run = run_child(&["check", "--batch", "-0"], line.as_bytes());
            let inproc = in_process(&engine, &ctx, &line);
            println!(
                "| {name} | {n} | {} | {} (exit {}) | {:.1} ms | {:.1} MB | {:.1} ms |",
                line.len(),
                run.first.trim(),
                run.status,
                run.wall.as_secs_f64() * 1e3,
                run.max_rss_kb as f64 / 1024.0,
                inproc.as_secs_f64() * 1e3,
            );
        }
    }
    if filter.is_some() {
        return;
    }
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/corpora/nl2bash.cm");
    let text = std::fs::read_to_string(&path).expect("nl2bash corpus");
    let run = run_child(&["check", "--batch"], text.as_bytes());
    println!(
        "\nnl2bash batch: {} commands in one `interlock check --batch`: {:.0} ms, peak RSS {:.1} MB",
        text.lines().count(),
        run.wall.as_secs_f64() * 1e3,
        run.max_rss_kb as f64 / 1024.0
    );
    let lines: Vec<&str> = text.lines().collect();
    for l in &lines {
        std::hint::black_box(engine.decide(l, &ctx));
    }
    let mut samples: Vec<f64> = lines
        .iter()
        .map(|l| {
            let mut r = [0f64; 5];
            for x in r.iter_mut() {
                let t = Instant::now();
                std::hint::black_box(engine.decide(l, &ctx));
                *x = t.elapsed().as_secs_f64() * 1e6;
            }
            r.sort_by(|a, b| a.total_cmp(b));
            r[2]
        })
        .collect();
    samples.sort_by(|a, b| a.total_cmp(b));
    println!(
        "nl2bash in-process: median {:.1} µs per command, p99 {:.1} µs",
        samples[samples.len() / 2],
        samples[(samples.len() - 1) * 99 / 100]
    );
}
