//! The documentation is tested as it is printed: every TOML block in README.md and
//! docs/*.md loads as a config without a warning, and every `interlock …` command line
//! shown in a shell block, a CI `run:`/`shell:` value or a `{0}` template runs offline
//! with the documented outcome (never a usage error). Lines that need a terminal, an
//! agent or an installed machine are skipped by an explicit list, so a new command in
//! the docs must be run here or named there.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_interlock");

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// README.md and docs/*.md, with their text.
fn documents() -> Vec<(String, String)> {
    let mut files = vec![root().join("README.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root().join("docs"))
        .expect("docs/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    docs.sort();
    files.extend(docs);
    files
        .into_iter()
        .map(|p| {
            let shown = p.strip_prefix(root()).unwrap_or(&p).display().to_string();
            (shown, std::fs::read_to_string(&p).expect("read doc"))
        })
        .collect()
}

/// Fenced blocks: (language, first line number, body).
fn blocks(text: &str) -> Vec<(String, usize, String)> {
    let mut out = Vec::new();
    let mut open: Option<(String, usize, String)> = None;
    for (i, line) in text.lines().enumerate() {
        let t = line.trim_start();
        if let Some(lang) = t.strip_prefix("```") {
            match open.take() {
                Some(b) => out.push(b),
                None => open = Some((lang.trim().to_string(), i + 2, String::new())),
            }
            continue;
        }
        if let Some((_, _, body)) = &mut open {
            body.push_str(line);
            body.push('\n');
        }
    }
    out
}

fn sandbox() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("tempdir");
    for d in ["home", "state", "project", "bin"] {
        std::fs::create_dir_all(tmp.path().join(d)).expect("dir");
    }
    std::os::unix::fs::symlink(BIN, tmp.path().join("bin/interlock")).expect("link");
    std::os::unix::fs::symlink(BIN, tmp.path().join("bin/interlock-bash")).expect("link");
    let p = tmp.path().join("project");
    std::fs::write(p.join("commands.txt"), "ls\ngit push -f\n").expect("write");
    std::fs::write(p.join("commands.nul"), "ls\0bash <<'EOF'\nrm -rf ~\nEOF\0").expect("write");
    std::fs::write(p.join("build.sh"), "#!/bin/sh\nmake\n").expect("write");
    tmp
}

fn interlock_env(c: &mut Command, tmp: &Path) {
    let path = format!(
        "{}:{}",
        tmp.join("bin").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    c.env("HOME", tmp.join("home"))
        .env("PATH", path)
        .env("INTERLOCK_STATE_DIR", tmp.join("state"))
        .env("INTERLOCK_SYSTEM_CONFIG", tmp.join("none-system.toml"))
        .env("INTERLOCK_CONFIG", tmp.join("none-user.toml"))
        .env_remove("INTERLOCK_AGENT_SHELL")
        .env_remove("INTERLOCK_BROKER")
        .env_remove("INTERLOCK_MODE")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("NO_COLOR")
        .current_dir(tmp.join("project"));
}

#[test]
fn every_toml_block_in_the_docs_loads_as_a_config_without_warnings() {
    let mut loaded = 0;
    for (doc, text) in documents() {
        for (lang, line, body) in blocks(&text) {
            if lang != "toml" {
                continue;
            }
            let tmp = sandbox();
            let cfg = tmp.path().join("config.toml");
            std::fs::write(&cfg, &body).expect("write");
            // A block headed `# /etc/interlock/config.toml` is the system layer.
            let layer = if body
                .lines()
                .next()
                .is_some_and(|l| l.starts_with('#') && l.contains("/etc/interlock/config.toml"))
            {
                "INTERLOCK_SYSTEM_CONFIG"
            } else {
                "INTERLOCK_CONFIG"
            };
            for args in [&["policy", "test"][..], &["policy", "list"]] {
                let mut c = Command::new(BIN);
                interlock_env(&mut c, tmp.path());
                let o = c.args(args).env(layer, &cfg).output().expect("run");
                let err = String::from_utf8_lossy(&o.stderr);
                assert!(
                    err.trim().is_empty(),
                    "{doc}:{line}: the TOML block does not load cleanly ({args:?}):\n{err}\n{body}"
                );
                assert_eq!(
                    o.status.code(),
                    Some(0),
                    "{doc}:{line} {args:?}: {}",
                    String::from_utf8_lossy(&o.stdout)
                );
                // Rules the block defines are in effect.
                if args[1] == "list" {
                    let list = String::from_utf8_lossy(&o.stdout);
                    for l in body.lines() {
                        if let Some(id) = l.trim().strip_prefix("id = \"") {
                            let id = id.split('"').next().unwrap_or("");
                            assert!(list.contains(id), "{doc}:{line}: rule {id} not listed");
                        }
                    }
                }
            }
            loaded += 1;
        }
    }
    assert!(loaded >= 3, "only {loaded} TOML blocks found");
}

/// Command lines in the docs that are not run here, and why. Matched as prefixes of
/// the line (after `$ `, `- run: `, `shell: ` and a trailing comment are removed).
const NOT_RUN: &[(&str, &str)] = &[
    (
        "interlock wrap",
        "needs a terminal (tests/wrap.rs drives it from a PTY)",
    ),
    (
        "interlock approve",
        "needs a person at a terminal (tests/agent_shell.rs)",
    ),
    (
        "interlock install",
        "edits an agent's settings (tests/hooks.rs)",
    ),
    (
        "interlock uninstall",
        "edits an agent's settings (tests/hooks.rs)",
    ),
    (
        "interlock doctor",
        "inspects the agents installed on this machine (tests/hooks.rs)",
    ),
    (
        "interlock serve --listen",
        "runs the approval service until stopped (tests/serve.rs)",
    ),
    (
        "interlock hook",
        "reads an agent's JSON on stdin (tests/hooks.rs)",
    ),
];

/// One documented command line, ready for `sh -c`, or why it is not run.
fn runnable(line: &str) -> Option<Result<String, &'static str>> {
    let mut l = line.trim();
    for prefix in ["$ ", "- run: ", "run: ", "shell: ", "- "] {
        if let Some(rest) = l.strip_prefix(prefix) {
            l = rest.trim_start();
        }
    }
    if !(l.starts_with("interlock ") || l.starts_with("interlock-bash ")) {
        return None;
    }
    // A usage synopsis, not a command line.
    if l.contains('…') || l.contains("[--") || l.contains("|sarif") {
        return None;
    }
    // Drop a trailing `# comment` (outside quotes, which these lines do not put it in).
    let l = match l.find("  #").or_else(|| l.find(" # ")) {
        Some(i) => l[..i].trim_end(),
        None => l,
    };
    for (prefix, why) in NOT_RUN {
        if l.starts_with(prefix) {
            return Some(Err(why));
        }
    }
    Some(Ok(l.to_string()))
}

/// Every `interlock …` line in shell and plain blocks, CI `run:`/`shell:` values, and
/// inline code holding a `{0}` template (a GitHub Actions shell).
fn documented_lines() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (doc, text) in documents() {
        for (lang, line, body) in blocks(&text) {
            if !matches!(lang.as_str(), "" | "sh" | "bash" | "yaml") {
                continue;
            }
            for (i, l) in body.lines().enumerate() {
                out.push((format!("{doc}:{}", line + i), l.to_string()));
            }
        }
        for (i, l) in text.lines().enumerate() {
            for (n, span) in l.split('`').enumerate() {
                if n % 2 == 1 && span.contains("{0}") && span.contains("interlock") {
                    let span = match span.split_once("shell: \"") {
                        Some((_, quoted)) => quoted.split('"').next().unwrap_or(""),
                        None => span.trim_start_matches("shell: "),
                    };
                    out.push((format!("{doc}:{}", i + 1), span.to_string()));
                }
            }
        }
    }
    out
}

fn run_line(tmp: &Path, line: &str) -> Output {
    let script = tmp.join("project/step.sh");
    std::fs::write(&script, "echo step ran\n").expect("write");
    let line = line.replace("{0}", &script.display().to_string());
    let mut c = Command::new("sh");
    c.arg("-c").arg(&line);
    interlock_env(&mut c, tmp);
    c.output().expect("sh")
}

#[test]
fn every_documented_command_line_runs() {
    let mut ran = Vec::new();
    let mut skipped = Vec::new();
    for (at, line) in documented_lines() {
        let Some(r) = runnable(&line) else { continue };
        let cmd = match r {
            Ok(c) => c,
            Err(why) => {
                skipped.push(format!("{at}: {} ({why})", line.trim()));
                continue;
            }
        };
        let tmp = sandbox();
        let o = run_line(tmp.path(), &cmd);
        let err = String::from_utf8_lossy(&o.stderr);
        let code = o.status.code();
        // A decision (0, 10, 11) is a documented outcome; a usage error, an internal
        // error or a warning is not.
        assert!(
            matches!(code, Some(0 | 10 | 11)),
            "{at}: `{cmd}` exited {code:?}\nstdout: {}\nstderr: {err}",
            String::from_utf8_lossy(&o.stdout)
        );
        assert!(
            !err.contains("warning") && !err.contains("error:") && !err.contains("Usage:"),
            "{at}: `{cmd}`: {err}"
        );
        ran.push(cmd);
    }
    eprintln!(
        "ran {} documented command lines:\n{}\nskipped:\n{}",
        ran.len(),
        ran.join("\n"),
        skipped.join("\n")
    );
    for must in [
        "interlock check -- 'git push --force'",
        "interlock check --batch -0 < commands.nul",
        "interlock audit --shell --enforce {0}",
        "interlock audit --shell {0}",
        "interlock-bash --noprofile --norc -eo pipefail {0}",
        "interlock policy test",
        "interlock serve --print-public-key",
        "interlock serve --add-approver alice",
    ] {
        assert!(
            ran.iter().any(|r| r == must),
            "not run: {must}\nran: {ran:#?}"
        );
    }
}

/// The README's `--batch` example is what `check --batch` prints.
#[test]
fn the_batch_format_example_is_real_output() {
    let (_, readme) = documents().remove(0);
    let at = readme
        .find("`--batch` text output")
        .expect("batch format section");
    let (_, _, example) = blocks(&readme[at..]).remove(0);
    let tmp = sandbox();
    let input: String = example
        .lines()
        .map(|l| l.rsplit('\t').next().unwrap_or("").to_string() + "\n")
        .collect();
    let mut c = Command::new(BIN);
    interlock_env(&mut c, tmp.path());
    let mut child = c
        .args(["check", "--batch"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    use std::io::Write;
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write");
    let o = child.wait_with_output().expect("wait");
    assert_eq!(String::from_utf8_lossy(&o.stdout), example);
}

/// Every rule id the docs name in `code` is a rule that exists (in `policy list`, or
/// the session's and the audit's own ids); a check's name (`interlock.self`) is only
/// used as a check ("… check" follows it).
#[test]
fn rule_ids_in_the_docs_exist() {
    let tmp = sandbox();
    let mut c = Command::new(BIN);
    interlock_env(&mut c, tmp.path());
    let list =
        String::from_utf8(c.args(["policy", "list"]).output().expect("run").stdout).expect("utf8");
    let mut ids: Vec<String> = list
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect();
    ids.extend(
        [
            "session.unhook",
            "session.history-rerun",
            "session.unguarded-shell",
            "audit.unreadable",
        ]
        .map(String::from),
    );
    let packs: std::collections::HashSet<&str> =
        ids.iter().filter_map(|i| i.split('.').next()).collect();
    let mut checks = Vec::new();
    for e in std::fs::read_dir(root().join("policies")).expect("policies") {
        let text = std::fs::read_to_string(e.expect("entry").path()).expect("read");
        for l in text.lines() {
            if let Some(rest) = l.trim().strip_prefix("check = \"") {
                checks.push(rest.split('"').next().unwrap_or("").to_string());
            }
        }
    }
    for (doc, text) in documents() {
        for (n, line) in text.lines().enumerate() {
            let spans: Vec<&str> = line.split('`').collect();
            for (i, span) in spans.iter().enumerate() {
                if i % 2 == 0 || span.contains(' ') {
                    continue;
                }
                let Some((pack, name)) = span.split_once('.') else {
                    continue;
                };
                if !packs.contains(pack)
                    || name.is_empty()
                    || !name.chars().all(|c| c.is_ascii_lowercase() || c == '-')
                {
                    continue;
                }
                // Files in the state directory, not rules.
                if ids.iter().any(|id| id == span) || ["audit.jsonl", "audit.head"].contains(span) {
                    continue;
                }
                // OpenTelemetry attribute names in the shipping docs, not rules.
                if doc.ends_with("fleet.md") && pack == "interlock" {
                    continue;
                }
                let after = spans.get(i + 1).copied().unwrap_or("");
                assert!(
                    checks.iter().any(|c| c == span) && after.trim_start().starts_with("check"),
                    "{doc}:{}: `{span}` is not a rule id (nor named as a check)",
                    n + 1
                );
            }
        }
    }
}

/// Claims the docs once made that were not true.
#[test]
fn retired_claims_stay_retired() {
    for (doc, text) in documents() {
        for (claim, why) in [
            (
                "cargo install --locked shell-interlock",
                "the crate is not published",
            ),
            (
                "no regex is compiled anywhere",
                "the audit walk compiles .gitignore globs",
            ),
            ("e.g. stdout closed", "say what exit 70 means"),
        ] {
            assert!(!text.contains(claim), "{doc}: `{claim}`: {why}");
        }
    }
}

/// The README's agent-shell figures are the ones docs/agent-shell.md reports (one
/// method: hyperfine medians from benches/agent_shell.sh).
#[test]
fn agent_shell_figures_agree() {
    let docs = documents();
    let readme = &docs[0].1;
    let agent = &docs
        .iter()
        .find(|(d, _)| d.ends_with("agent-shell.md"))
        .expect("docs/agent-shell.md")
        .1;
    let row = readme
        .lines()
        .find(|l| l.starts_with("| agent shell:"))
        .expect("the README's agent-shell row");
    let figures: Vec<&str> = row
        .split(|c: char| c.is_whitespace() || c == '(' || c == ';' || c == ',')
        .filter(|w| {
            let w = w.trim_end_matches(['×', ')']);
            w.contains('.') && w.chars().all(|c| c.is_ascii_digit() || c == '.')
        })
        .collect();
    assert!(figures.len() >= 6, "{figures:?}");
    for f in figures {
        assert!(
            agent.contains(f),
            "README figure {f} is not in docs/agent-shell.md"
        );
    }
}
