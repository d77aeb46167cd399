//! `interlock doctor`: for every agent with settings under HOME or in the project,
//! show whether Interlock is wired in, and prove each route live. Peers have failed
//! silently (an exit code the agent no longer honoured, a shim it never called), so a
//! setting is not enough: the doctor runs the exact configured command the way the
//! agent does, feeds it that agent's tool call for a harmless canary command that a
//! built-in rule denies, and checks that the agent would read the answer as a stop.

use super::doctor_report::{self, AgentReport, McpReport, Out, Report, RouteReport};
use super::exit;
use super::install::home;
use clap::Args;
use interlock::confine;
use interlock::hooks::codex_trust;
use interlock::hooks::settings::shown;
use interlock::hooks::wiring::{self, Route, Scope};
use interlock::hooks::{Agent, Answer, Judged, CANARY};
use interlock::policy::layers;
use interlock::render::visible;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[derive(Args)]
pub struct DoctorArgs {
    /// The project whose settings to check as well (default: the current directory).
    #[arg(long, value_name = "DIR")]
    project: Option<PathBuf>,
    /// Print one JSON report (routes, confinement, layers, policy digest, shipping)
    /// instead of the text, for a fleet to collect; the exit status is the same.
    #[arg(long)]
    json: bool,
}

/// The kernel confinement on this machine, printed first; every route's line then
/// says whether it is tamper-proof.
fn confinement(out: &mut Out, project: &Path) -> confine::Support {
    let support = confine::support();
    let root = nix::unistd::geteuid().is_root();
    out.say("Confinement (what the agent's commands cannot change; docs/threat-model.md)");
    let r = &mut out.report.confinement;
    r.root = root;
    match &support {
        confine::Support::Full { landlock_abi } => {
            r.status = "full";
            r.landlock_abi = Some(*landlock_abi);
            out.say(format!(
                "  ok    mount namespace with Interlock's files read-only, Landlock ABI {landlock_abi}{}",
                if root {
                    "; running as root, so it is best effort (root can write raw devices)"
                } else {
                    ""
                }
            ));
        }
        confine::Support::Partial(why) => {
            r.status = "partial";
            r.reason = Some(why.clone());
            out.say(format!("  WARN  {}", visible(why, false)));
        }
        confine::Support::Unavailable(why) => {
            r.status = "unavailable";
            r.reason = Some(why.clone());
            out.say(format!(
                "  NO    this machine cannot confine the agent's commands: {}; approvals by `interlock approve` are off, only the wrap card can approve",
                visible(why, false)
            ));
        }
    }
    for gap in confine::plan(Some(project)).gaps {
        out.say(format!("  WARN  {}", visible(&gap, false)));
        out.report.confinement.gaps.push(gap);
    }
    out.say("");
    support
}

/// Whether a route holds against an agent that tries to switch Interlock off, and why.
fn tamper_proof(kind: &str, support: &confine::Support) -> (bool, String) {
    match (kind, support) {
        ("shell", confine::Support::Full { .. }) => (
            true,
            "tamper-proof: the commands run confined; Interlock's files and this setting are read-only to them".into(),
        ),
        ("shell", _) => (
            false,
            "NOT tamper-proof: this machine cannot confine the commands".into(),
        ),
        _ => (
            false,
            "NOT tamper-proof alone: the hook judges, but the command then runs unconfined; add the shell route or run the agent under `interlock wrap -- AGENT`".into(),
        ),
    }
}

/// Hooks answer in milliseconds; a route silent for this long is broken.
const CANARY_TIMEOUT: Duration = Duration::from_secs(10);

/// A route's check, said and recorded; `tamper` says whether a passing route is
/// tamper-proof and why (`None`: not established, nothing printed beyond PASS).
fn route_result(
    out: &mut Out,
    r: &Route,
    result: Result<String, String>,
    tamper: Option<(bool, String)>,
) -> RouteReport {
    let passed = result.is_ok();
    let (tamper_proof, tamper_proof_why) = match (&result, tamper) {
        (Ok(m), t) => {
            out.say(format!("  PASS  {m}"));
            match t {
                Some((proof, why)) => {
                    out.say(format!("        {why}"));
                    (proof, why)
                }
                None => (
                    false,
                    "not established: the agent reaches a PATH shim only while it comes first on the agent's PATH".into(),
                ),
            }
        }
        (Err(m), _) => {
            out.say(format!("  FAIL  {m}"));
            (false, "the route failed its check".into())
        }
    };
    RouteReport {
        kind: r.kind,
        place: r.place.clone(),
        command: r.command.clone(),
        passed,
        result: match result {
            Ok(m) | Err(m) => m,
        },
        tamper_proof,
        tamper_proof_why,
    }
}

pub fn run(a: DoctorArgs) -> i32 {
    let Some(home) = home() else {
        eprintln!("interlock doctor: HOME is not set");
        return exit::USAGE;
    };
    let project = a
        .project
        .or_else(|| std::env::current_dir().ok())
        .unwrap_or_else(|| home.clone());
    let mut scopes = vec![(Scope::User, "user")];
    if same_dir(&project, &home).is_none_or(|same| !same) {
        scopes.push((Scope::Project, "project"));
    }
    let state = match scratch_state_dir() {
        Ok(d) => d,
        Err(e) => {
            eprintln!("interlock doctor: cannot make a scratch directory: {e}");
            return exit::INTERNAL;
        }
    };
    let mut out = Out {
        json: a.json,
        report: Report {
            schema: 1,
            version: env!("CARGO_PKG_VERSION"),
            host: interlock::audit_log::ship::host_name(),
            ..Report::default()
        },
    };
    let support = confinement(&mut out, &project);
    let loaded = layers::load(Some(&project));
    doctor_report::policy(&mut out, &project, &loaded);
    super::shipping::report(&mut out, &loaded.settings);
    let mut seen = 0;
    let (mut passed, mut failed) = (0, 0);
    for agent in Agent::ALL {
        for &(scope, scope_name) in &scopes {
            let path = wiring::settings_path(agent, scope, &home, &project);
            if !path.exists() && !path.parent().is_some_and(Path::is_dir) {
                continue;
            }
            seen += 1;
            out.say(format!(
                "{} ({scope_name}: {})",
                agent.title(),
                shown(&path)
            ));
            let mut section = AgentReport {
                agent: agent.name(),
                scope: scope_name,
                settings: path.display().to_string(),
                wired: false,
                problem: None,
                routes: Vec::new(),
                mcp: None,
            };
            let routes = match wiring::routes(agent, &path) {
                Ok(r) => r,
                Err(e) => {
                    out.say(format!("  FAIL  {e}"));
                    failed += 1;
                    section.problem = Some(e);
                    out.report.agents.push(section);
                    continue;
                }
            };
            if routes.is_empty() {
                let flag = if scope == Scope::Project {
                    " --project"
                } else {
                    ""
                };
                out.say(format!(
                    "  --    not wired in: run `interlock install {}{flag}`",
                    agent.name()
                ));
                out.report.agents.push(section);
                continue;
            }
            section.wired = true;
            let switched_off = (agent == Agent::Codex)
                .then(|| {
                    codex_hooks_off(&path)
                        .or_else(|| codex_trust::route_problem(&path, &wiring::codex_home(&home)))
                })
                .flatten();
            let cwd = if scope == Scope::Project {
                &project
            } else {
                &home
            };
            for r in routes {
                out.say(format!(
                    "  {} {}: {}",
                    r.kind,
                    r.place,
                    visible(&r.command, false)
                ));
                let result = match (&r.problem, &switched_off) {
                    (Some(p), _) | (None, Some(p)) => Err(p.clone()),
                    (None, None) => check(agent, &r, cwd, &state),
                };
                if result.is_ok() {
                    passed += 1;
                } else {
                    failed += 1;
                }
                let tamper = tamper_proof(r.kind, &support);
                section
                    .routes
                    .push(route_result(&mut out, &r, result, Some(tamper)));
            }
            // MCP tool calls: the entry they reach, proven with the canary sent as an
            // MCP call; or why none does (told, not counted as a failure: the shell
            // route stands on its own).
            section.mcp = Some(match wiring::mcp_route(agent, &path) {
                None => {
                    let why = format!(
                        "not taken by Interlock's {} hook (see docs/hooks.md)",
                        agent.title()
                    );
                    out.say(format!("  --    MCP tool calls: {why}"));
                    McpReport::unreached(why)
                }
                Some(Err(why)) => {
                    out.say(format!(
                        "  --    MCP tool calls do not reach Interlock: {why}"
                    ));
                    McpReport::unreached(why)
                }
                Some(Ok(r)) => {
                    out.say(format!("  mcp {}: {}", r.place, visible(&r.command, false)));
                    let result = match (&r.problem, &switched_off) {
                        (Some(p), _) | (None, Some(p)) => Err(p.clone()),
                        (None, None) => check_mcp(agent, &r, cwd, &state),
                    };
                    match &result {
                        Ok(m) => {
                            passed += 1;
                            out.say(format!("  PASS  {m}"));
                        }
                        Err(m) => {
                            failed += 1;
                            out.say(format!("  FAIL  {m}"));
                        }
                    }
                    McpReport::reached(&r, result)
                }
            });
            out.report.agents.push(section);
        }
    }
    // Claude Code's managed settings: hooks there cannot be removed or disabled by a
    // user or project setting.
    if let Ok(path) = super::install::managed_path(Agent::Claude) {
        if let Ok(routes) = wiring::routes(Agent::Claude, &path) {
            if path.exists() {
                seen += 1;
                out.say(format!(
                    "{} (managed: {})",
                    Agent::Claude.title(),
                    shown(&path)
                ));
            }
            let mut section = AgentReport {
                agent: Agent::Claude.name(),
                scope: "managed",
                settings: path.display().to_string(),
                wired: !routes.is_empty(),
                problem: None,
                routes: Vec::new(),
                mcp: None,
            };
            for r in routes {
                out.say(format!(
                    "  {} {}: {}",
                    r.kind,
                    r.place,
                    visible(&r.command, false)
                ));
                let result = r
                    .problem
                    .clone()
                    .map_or_else(|| check(Agent::Claude, &r, &home, &state), Err);
                if result.is_ok() {
                    passed += 1;
                } else {
                    failed += 1;
                }
                let tamper = (true, "tamper-proof: managed settings, which no user or project setting can remove or disable".to_string());
                section
                    .routes
                    .push(route_result(&mut out, &r, result, Some(tamper)));
            }
            if path.exists() {
                out.report.agents.push(section);
            }
        }
    }
    // Shims on PATH: agents that look `bash` up by name (Gemini CLI) reach Interlock
    // through them; nothing in their settings says so.
    for (shim, problem) in path_shims() {
        seen += 1;
        out.say("Agents that start `bash`/`zsh` from PATH (Gemini CLI)");
        out.say(format!("  shell PATH shim: {}", shown(&shim)));
        let r = Route {
            kind: "shell",
            place: "PATH".into(),
            command: shim.to_string_lossy().into_owned(),
            argv: vec![
                shim.to_string_lossy().into_owned(),
                "-c".into(),
                CANARY.into(),
            ],
            problem,
        };
        let result = match &r.problem {
            Some(p) => Err(p.clone()),
            None => check(Agent::Gemini, &r, &project, &state),
        };
        if result.is_ok() {
            passed += 1;
        } else {
            failed += 1;
        }
        let route = route_result(&mut out, &r, result, None);
        out.report.agents.push(AgentReport {
            agent: Agent::Gemini.name(),
            scope: "path",
            settings: shim.display().to_string(),
            wired: true,
            problem: None,
            routes: vec![route],
            mcp: None,
        });
    }
    let _ = std::fs::remove_dir_all(&state);
    let checked = passed + failed;
    let code = if seen == 0 {
        out.say("No agent settings found under HOME or in the project: run `interlock install <agent>`.");
        exit::FAILED
    } else {
        out.say(format!(
            "\n{checked} route(s) checked: {passed} passed, {failed} failed."
        ));
        if checked == 0 || failed > 0 {
            exit::FAILED
        } else {
            exit::ALLOW
        }
    };
    if out.json {
        let r = &mut out.report;
        (r.routes_checked, r.routes_passed, r.routes_failed) = (checked, passed, failed);
        r.exit = code;
        r.ok = code == exit::ALLOW;
        match serde_json::to_string_pretty(r) {
            Ok(text) => println!("{text}"),
            Err(e) => {
                eprintln!("interlock doctor: cannot write the report: {e}");
                return exit::INTERNAL;
            }
        }
    }
    code
}

/// `bash`/`zsh` entries on PATH that are Interlock (install.sh's shims), each with a
/// problem when a real shell of that name comes first on PATH (the shim is then
/// never started).
fn path_shims() -> Vec<(PathBuf, Option<String>)> {
    let Some(path) = std::env::var_os("PATH") else {
        return Vec::new();
    };
    let me = std::env::current_exe()
        .ok()
        .and_then(|e| std::fs::canonicalize(e).ok());
    let is_interlock = |p: &Path| {
        std::fs::canonicalize(p).is_ok_and(|real| {
            Some(&real) == me.as_ref()
                || real
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy() == "interlock")
        })
    };
    let mut out = Vec::new();
    for name in ["bash", "zsh"] {
        let mut first_real: Option<PathBuf> = None;
        for dir in std::env::split_paths(&path) {
            let c = dir.join(name);
            if !c.is_file() {
                continue;
            }
            if is_interlock(&c) {
                if out.iter().any(|(p, _): &(PathBuf, _)| p == &c) {
                    continue;
                }
                let problem = first_real.as_ref().map(|r| {
                    format!(
                        "{} comes before it on PATH, so agents start that one and never this shim",
                        shown(r)
                    )
                });
                out.push((c, problem));
            } else if first_real.is_none() {
                first_real = Some(c);
            }
        }
    }
    out
}

fn same_dir(a: &Path, b: &Path) -> Option<bool> {
    Some(std::fs::canonicalize(a).ok()? == std::fs::canonicalize(b).ok()?)
}

/// Approvals requested by canary runs go to a scratch state directory, not the user's.
fn scratch_state_dir() -> std::io::Result<PathBuf> {
    use std::os::unix::fs::DirBuilderExt;
    let d = std::env::temp_dir().join(format!("interlock-doctor-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::DirBuilder::new().mode(0o700).create(&d)?;
    Ok(d)
}

/// Codex reads `[features] hooks = false` (or the older `codex_hooks`) from the
/// config.toml next to hooks.json.
fn codex_hooks_off(hooks_json: &Path) -> Option<String> {
    let config = hooks_json.with_file_name("config.toml");
    let text = std::fs::read_to_string(&config).ok()?;
    let table: toml::Table = toml::from_str(&text).ok()?;
    let features = table.get("features")?;
    let off = ["hooks", "codex_hooks"]
        .iter()
        .any(|k| features.get(k).and_then(toml::Value::as_bool) == Some(false));
    off.then(|| format!("hooks are switched off in {} ([features])", shown(&config)))
}

/// Send the canary through one route and judge the answer as the agent would.
fn check(agent: Agent, r: &Route, cwd: &Path, state: &Path) -> Result<String, String> {
    let shell_route = r.kind == "shell";
    let input = (!shell_route).then(|| agent.sample(CANARY, cwd).to_string());
    let out = run_canary(&r.argv, input, cwd, state)?;
    if shell_route {
        // The real shell would fail with 127 "command not found"; a guard refuses
        // with its own status before anything runs.
        let refused = out.exit != 0 && out.exit != 127 && !out.stderr.contains("not found");
        return if refused {
            Ok(format!("the canary was refused (exit {})", out.exit))
        } else {
            Err(format!("the canary was not refused: {}", describe(&out)))
        };
    }
    match agent.judge(&out) {
        Judged::Stopped => Ok("the canary was stopped".into()),
        Judged::Asked => Ok("the canary was handed to the user to confirm".into()),
        Judged::Ran => Err(format!(
            "{} would run the canary: {}",
            agent.title(),
            describe(&out)
        )),
    }
}

/// Send the canary as an MCP tool call through a hook route.
fn check_mcp(agent: Agent, r: &Route, cwd: &Path, state: &Path) -> Result<String, String> {
    let input = agent
        .mcp_sample(CANARY, cwd)
        .ok_or("Interlock has no MCP call form for this agent")?;
    let out = run_canary(&r.argv, Some(input.to_string()), cwd, state)?;
    match agent.judge(&out) {
        Judged::Stopped => Ok("the canary sent as an MCP tool call was stopped".into()),
        Judged::Asked => Ok("the canary sent as an MCP tool call was handed to the user".into()),
        Judged::Ran => Err(format!(
            "{} would make the MCP call: {}",
            agent.title(),
            describe(&out)
        )),
    }
}

fn describe(a: &Answer) -> String {
    let cut = |s: &str| -> String {
        let t: String = s.trim().chars().take(300).collect();
        visible(&t, false)
    };
    format!(
        "exit {}, stdout {:?}, stderr {:?}",
        a.exit,
        cut(&a.stdout),
        cut(&a.stderr)
    )
}

/// Run argv in its own process group with `input` on stdin; kill the group if it
/// does not finish in time.
fn run_canary(
    argv: &[String],
    input: Option<String>,
    cwd: &Path,
    state: &Path,
) -> Result<Answer, String> {
    use std::os::unix::process::{CommandExt, ExitStatusExt};
    let (program, args) = argv.split_first().ok_or("nothing to run")?;
    let mut child = Command::new(program)
        .args(args)
        .current_dir(cwd)
        .env("INTERLOCK_STATE_DIR", state)
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", visible(program, false)))?;
    let stdin = child.stdin.take();
    let writer = std::thread::spawn(move || {
        if let (Some(mut s), Some(i)) = (stdin, input) {
            let _ = s.write_all(i.as_bytes());
        }
    });
    let reader = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut p) = pipe {
                let _ = p.read_to_end(&mut buf);
            }
            String::from_utf8_lossy(&buf).into_owned()
        })
    };
    let out = reader(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let err = reader(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break Some(s),
            Ok(None) if started.elapsed() < CANARY_TIMEOUT => {
                std::thread::sleep(Duration::from_millis(5))
            }
            _ => break None,
        }
    };
    let Some(status) = status else {
        let pgid = nix::unistd::Pid::from_raw(child.id() as i32);
        let _ = nix::sys::signal::killpg(pgid, nix::sys::signal::Signal::SIGKILL);
        let _ = child.wait();
        return Err(format!(
            "no answer within {} s (agents give up and run the command)",
            CANARY_TIMEOUT.as_secs()
        ));
    };
    let _ = writer.join();
    let stdout = out.join().unwrap_or_default();
    let stderr = err.join().unwrap_or_default();
    let exit = status
        .code()
        .unwrap_or_else(|| 128 + status.signal().unwrap_or(0));
    Ok(Answer {
        stdout,
        stderr,
        exit,
    })
}
