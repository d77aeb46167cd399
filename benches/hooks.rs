//! One `interlock hook` call against `bash -c true`, both as fresh processes fed the
//! same way, alternated so that load on the machine hits both alike. Prints, per case,
//! the median and 90th percentile of each and the ratio of the medians. Run: `cargo bench --bench hooks`
//! (`INTERLOCK_BENCH_RUNS` sets the number of runs, default 500; `INTERLOCK_BENCH_BIN`
//! measures another build of `interlock`).

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn main() {
    let bin =
        std::env::var("INTERLOCK_BENCH_BIN").unwrap_or(env!("CARGO_BIN_EXE_interlock").into());
    let runs: usize = std::env::var("INTERLOCK_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(500);
    let dir = std::env::temp_dir().join(format!("interlock-hook-bench-{}", std::process::id()));
    let home = dir.join("home");
    let project = home.join("project");
    std::fs::create_dir_all(&project).expect("scratch dir");
    let cases = [
        (
            "claude, allow (git status)",
            "claude",
            claude("git status", &project),
        ),
        (
            "claude, deny (rm -rf ~)",
            "claude",
            claude("rm -rf ~", &project),
        ),
        (
            "cursor, allow (npm test)",
            "cursor",
            cursor("npm test", &project),
        ),
    ];
    println!("{runs} runs each, alternating with `bash -c true`; wall-clock per process\n");
    for (i, (name, agent, input)) in cases.iter().enumerate() {
        let file = dir.join(format!("{agent}-{i}.json"));
        std::fs::write(&file, input).expect("sample");
        let (mut hook, mut bash) = (Vec::with_capacity(runs), Vec::with_capacity(runs));
        for _ in 0..runs {
            hook.push(time(
                Command::new(&bin)
                    .args(["hook", agent])
                    .env("HOME", &home)
                    .env("INTERLOCK_STATE_DIR", dir.join("state"))
                    .env("INTERLOCK_SYSTEM_CONFIG", dir.join("none.toml"))
                    .current_dir(&project),
                &file,
            ));
            bash.push(time(Command::new("bash").args(["-c", "true"]), &file));
        }
        let (h, b) = (
            report(name, &mut hook),
            report("  bash -c true, same runs", &mut bash),
        );
        println!(
            "  {:.2}x bash -c true at the median\n",
            h.as_secs_f64() / b.as_secs_f64()
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

fn claude(command: &str, cwd: &Path) -> String {
    serde_json::json!({
        "session_id": "bench", "transcript_path": "/dev/null", "cwd": cwd,
        "permission_mode": "default", "hook_event_name": "PreToolUse", "tool_name": "Bash",
        "tool_input": {"command": command, "description": "bench"}, "tool_use_id": "toolu_bench",
    })
    .to_string()
}

fn cursor(command: &str, cwd: &Path) -> String {
    serde_json::json!({
        "conversation_id": "bench", "generation_id": "bench", "hook_event_name": "beforeShellExecution",
        "workspace_roots": [cwd], "command": command, "cwd": cwd,
    })
    .to_string()
}

fn time(cmd: &mut Command, stdin: &Path) -> Duration {
    let input = Stdio::from(std::fs::File::open(stdin).expect("input"));
    let start = Instant::now();
    let status = cmd
        .stdin(input)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("run");
    let took = start.elapsed();
    assert!(status.code().is_some(), "killed by a signal");
    took
}

fn report(name: &str, times: &mut [Duration]) -> Duration {
    times.sort();
    let at = |q: f64| times[((times.len() - 1) as f64 * q) as usize];
    println!(
        "{name:<32} median {:>6.2} ms   p90 {:>6.2} ms",
        at(0.5).as_secs_f64() * 1e3,
        at(0.9).as_secs_f64() * 1e3
    );
    at(0.5)
}
