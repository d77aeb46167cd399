//! The `interlock` command line as a user meets it: exit codes, JSON, batches,
//! explain, policy commands and config layers.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn interlock(args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_interlock"));
    c.args(args)
        .env("HOME", "/home/user")
        .env("INTERLOCK_SYSTEM_CONFIG", "/nonexistent/interlock.toml")
        .env("INTERLOCK_CONFIG", "/nonexistent/config.toml")
        .current_dir(std::env::temp_dir());
    c
}

fn run(args: &[&str]) -> Output {
    interlock(args).output().expect("run interlock")
}

fn run_stdin(args: &[&str], input: &[u8]) -> Output {
    let mut child = interlock(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input)
        .expect("write");
    child.wait_with_output().expect("wait")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn exit_codes_are_distinct() {
    assert_eq!(
        run(&["check", "--cwd", "/tmp", "--", "git status"])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        run(&["check", "--cwd", "/tmp", "--", "git push -f"])
            .status
            .code(),
        Some(10)
    );
    assert_eq!(
        run(&["check", "--cwd", "/tmp", "--", "rm -rf ~"])
            .status
            .code(),
        Some(11)
    );
    assert_eq!(run(&["check"]).status.code(), Some(2));
    assert_eq!(run(&["check", "--no-such-flag"]).status.code(), Some(2));
    assert_eq!(run(&["no-such-command"]).status.code(), Some(2));
}

#[test]
fn several_arguments_are_joined_into_one_command() {
    let o = run(&["check", "--cwd", "/tmp", "--", "git", "push", "--force"]);
    assert_eq!(o.status.code(), Some(10));
    assert!(stdout(&o).contains("git.push-force"));
}

#[test]
fn json_verdict_has_rule_reason_and_span() {
    let o = run(&[
        "check",
        "--json",
        "--cwd",
        "/tmp",
        "--",
        "echo hi && rm -rf ~",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v["decision"], "deny");
    assert_eq!(v["command"], "echo hi && rm -rf ~");
    let f = &v["findings"][0];
    assert_eq!(f["rule"], "fs.delete-critical");
    assert_eq!(f["decision"], "deny");
    assert!(f["reason"].as_str().is_some_and(|r| !r.is_empty()));
    // The span points at `~`, the target, in the original line.
    assert_eq!(
        (f["start"].as_u64(), f["end"].as_u64()),
        (Some(18), Some(19))
    );
}

#[test]
fn batch_lines_and_nul_separated() {
    let o = run_stdin(
        &["check", "--batch", "--json", "--cwd", "/tmp"],
        b"ls\ngit push -f\nrm -rf /\n",
    );
    let lines: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    let decisions: Vec<&str> = lines
        .iter()
        .map(|v| v["decision"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(decisions, ["allow", "confirm", "deny"]);
    assert_eq!(o.status.code(), Some(11));
    // With -0 a heredoc spans lines and stays one command.
    let o = run_stdin(
        &["check", "--batch", "-0", "--json"],
        b"bash <<'EOF'\nrm -rf ~\nEOF\0ls\0",
    );
    let lines: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["decision"], "deny");
    assert_eq!(lines[1]["decision"], "allow");
}

#[test]
fn invalid_utf8_and_binary_batches_are_decided() {
    // `\xff` in a file name is just a byte; `~` on its own is still the home directory.
    let input = b"rm -rf \xff\0rm -rf ~ \xff\0\xff\xfe\x00";
    let o = run_stdin(&["check", "--batch", "-0"], input);
    let out = stdout(&o);
    let decisions: Vec<&str> = out
        .lines()
        .map(|l| l.split('\t').next().unwrap_or(""))
        .collect();
    assert_eq!(decisions, ["allow", "deny", "allow"], "{out}");
    assert_eq!(o.status.code(), Some(11));
}

#[test]
fn explain_underlines_the_finding_and_shows_programs() {
    let o = run(&[
        "explain",
        "--cwd",
        "/tmp",
        "--",
        "sudo bash -c 'git push --force'",
    ]);
    let out = stdout(&o);
    assert!(out.contains("programs: sudo → bash → git"), "{out}");
    assert!(out.contains("git.push-force [confirm]"), "{out}");
    assert!(out.contains("^^^^"), "{out}");
    assert_eq!(o.status.code(), Some(10));
}

#[test]
fn hostile_terminal_text_is_made_visible() {
    let o = run(&["explain", "--", "rm -rf ~ #\u{1b}[2K\u{202e}"]);
    let out = stdout(&o);
    assert!(
        !out.contains('\u{1b}') && !out.contains('\u{202e}'),
        "{out:?}"
    );
    assert!(out.contains("\\e[2K") && out.contains("\\u{202e}"), "{out}");
}

#[test]
fn policy_list_and_test() {
    let o = run(&["policy", "list"]);
    let out = stdout(&o);
    assert!(out.contains("git.push-force") && out.contains("fs.delete-critical"));
    let o = run(&["policy", "test"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains(" passed, 0 failed"));
}

#[test]
fn user_config_adds_rules_and_changes_decisions() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = dir.path().join("config.toml");
    std::fs::write(
        &cfg,
        r#"
disable = ["git.reset-hard"]
[[override]]
rule = "git.push-force"
decision = "deny"
[[rule]]
id = "team.no-make-deploy"
decision = "confirm"
reason = "deploys go through CI"
[[rule.match]]
program = ["make"]
command = ["deploy"]
[rule.examples]
stop = ["make deploy"]
pass = ["make test"]
"#,
    )
    .expect("write");
    let check = |cmd: &str| {
        interlock(&["check", "--", cmd])
            .env("INTERLOCK_CONFIG", &cfg)
            .output()
            .expect("run")
            .status
            .code()
    };
    assert_eq!(check("make deploy"), Some(10));
    assert_eq!(check("make test"), Some(0));
    assert_eq!(check("git push -f"), Some(11));
    assert_eq!(check("git reset --hard"), Some(0));
    let o = interlock(&["policy", "test"])
        .env("INTERLOCK_CONFIG", &cfg)
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
}

#[test]
fn a_project_file_can_only_add_and_raise() {
    let dir = tempfile::tempdir().expect("tempdir");
    let project = dir.path().join("repo");
    std::fs::create_dir_all(project.join("sub")).expect("mkdir");
    std::fs::write(
        project.join(".interlock.toml"),
        r#"
disable = ["git.push-force"]
[settings]
mode = "audit"
[[override]]
rule = "fs.delete-critical"
decision = "confirm"
[[override]]
rule = "git.reset-hard"
decision = "deny"
[[rule]]
id = "git.push-force"
decision = "confirm"
reason = "shadowing a built-in rule"
[[rule.match]]
program = ["nothing"]
[[rule]]
id = "project.no-seed"
decision = "confirm"
reason = "the seed script wipes the dev database"
[[rule.match]]
program = ["./seed.sh", "seed.sh"]
"#,
    )
    .expect("write");
    let check = |cmd: &str| {
        let o = interlock(&["check", "--", cmd])
            .current_dir(project.join("sub"))
            .output()
            .expect("run");
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    let (code, stderr) = check("git push -f");
    assert_eq!(code, Some(10), "the project file must not disable a rule");
    assert!(stderr.contains("cannot disable"), "{stderr}");
    assert!(stderr.contains("can only add new rules"), "{stderr}");
    assert!(stderr.contains("cannot change settings"), "{stderr}");
    assert_eq!(
        check("rm -rf /").0,
        Some(11),
        "the project file must not lower a decision"
    );
    assert_eq!(check("git reset --hard").0, Some(11), "raising is allowed");
    assert_eq!(check("seed.sh").0, Some(10), "adding is allowed");
}

#[test]
fn a_broken_config_is_reported_and_builtins_still_apply() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = dir.path().join("config.toml");
    std::fs::write(&cfg, "this is [not toml").expect("write");
    let o = interlock(&["check", "--", "rm -rf /"])
        .env("INTERLOCK_CONFIG", &cfg)
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(11));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not a valid Interlock config"));
}

// ---- A newcomer's first commands: mistakes are errors with a way out ----

#[test]
fn a_command_with_options_but_no_dashes_gets_a_hint_naming_them() {
    let o = run(&["check", "rm", "-rf", "/"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("after `--`"), "{err}");
    assert!(err.contains("interlock check -- 'rm -rf /'"), "{err}");
    assert!(!err.contains("-- -r"), "{err}");
    // A mistyped option of Interlock's own gets clap's message, not the hint.
    let o = run(&["check", "--jsno", "--", "ls"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!String::from_utf8_lossy(&o.stderr).contains("after `--`"));
    let o = run(&["explain", "--cwd", "/tmp", "find", ".", "-delete"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("interlock explain --cwd /tmp -- 'find . -delete'"),
        "{err}"
    );
}

#[test]
fn options_that_cannot_apply_are_errors() {
    for args in [
        &["check", "--batch", "--", "ls"][..],
        &["check", "-0", "--", "ls"],
        &["check", "--cwd", "/nonexistent/dir", "--", "ls"],
        &["explain", "--cwd", "/nonexistent/dir", "--", "ls"],
    ] {
        let o = run(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(o.stdout.is_empty(), "{args:?}: {}", stdout(&o));
        assert!(!o.stderr.is_empty(), "{args:?}");
    }
    let err = String::from_utf8_lossy(&run(&["check", "-0", "--", "ls"]).stderr).into_owned();
    assert!(err.contains("needs --batch"), "{err}");
    let err =
        String::from_utf8_lossy(&run(&["check", "--cwd", "/nonexistent/dir", "--", "ls"]).stderr)
            .into_owned();
    assert!(err.contains("not a directory"), "{err}");
}

#[test]
fn exit_70_when_the_verdict_cannot_be_written() {
    let bin = env!("CARGO_BIN_EXE_interlock");
    for redirect in [">&-", ">/dev/full"] {
        for door in ["check", "explain"] {
            let o = Command::new("sh")
                .arg("-c")
                .arg(format!("exec \"$0\" {door} -- 'rm -rf /' {redirect}"))
                .arg(bin)
                .env("INTERLOCK_CONFIG", "/nonexistent/config.toml")
                .output()
                .expect("sh");
            assert_eq!(o.status.code(), Some(70), "{door} {redirect}");
        }
    }
}

#[test]
fn human_output_gives_line_and_column() {
    let o = run(&["check", "--", "ls\necho ok && rm -rf ~"]);
    let out = stdout(&o);
    assert!(out.contains("at line 2, column 19: ~"), "{out}");
    assert!(!out.contains(".."), "{out}");
    let o = run(&["explain", "--", "rm -rf ~"]);
    assert!(stdout(&o).contains("fs.delete-critical [deny] at line 1, column 8"));
}

#[test]
fn explain_names_each_program_once() {
    let o = run(&[
        "explain",
        "--cwd",
        "/tmp",
        "--",
        "find ~ -name x -exec rm -rf {} +",
    ]);
    let out = stdout(&o);
    assert!(out.contains("programs: find → rm\n"), "{out}");
}

#[test]
fn explain_json() {
    let o = run(&["explain", "--json", "--cwd", "/tmp", "--", "sudo rm -rf ~"]);
    assert_eq!(o.status.code(), Some(11));
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).expect("one JSON object");
    assert_eq!(v["command"], "sudo rm -rf ~");
    assert_eq!(v["cwd"], "/tmp");
    assert_eq!(v["programs"], serde_json::json!(["sudo", "rm"]));
    assert_eq!(v["decision"], "deny");
    let f = &v["findings"][0];
    assert_eq!(f["rule"], "fs.delete-critical");
    assert_eq!(
        (f["start"].as_u64(), f["end"].as_u64()),
        (Some(12), Some(13))
    );
    assert_eq!(
        (f["line"].as_u64(), f["column"].as_u64()),
        (Some(1), Some(13))
    );
}

/// Every argument of every subcommand is described in `--help`, with no empty
/// description lines.
#[test]
fn every_argument_in_help_has_a_description() {
    let doors: &[&[&str]] = &[
        &["check"],
        &["explain"],
        &["policy", "list"],
        &["policy", "test"],
        &["approve"],
        &["log"],
        &["log", "verify"],
        &["hook"],
        &["install"],
        &["uninstall"],
        &["doctor"],
        &["wrap"],
        &["audit"],
    ];
    for door in doors {
        let mut args = door.to_vec();
        args.push("--help");
        let o = run(&args);
        assert_eq!(o.status.code(), Some(0), "{door:?}");
        let help = stdout(&o);
        let mut in_list = false;
        for line in help.lines() {
            if line == "Arguments:" || line == "Options:" {
                in_list = true;
                continue;
            }
            if line.is_empty() {
                in_list = false;
                continue;
            }
            if in_list && line.starts_with("  ") && !line.starts_with("    ") {
                let entry = line.trim_start();
                let described = entry
                    .split_once("  ")
                    .is_some_and(|(_, d)| !d.trim().is_empty());
                assert!(described, "{door:?}: no description for `{entry}`\n{help}");
            }
        }
    }
    // The --batch output format is documented where it is used.
    let help = stdout(&run(&["check", "--help"]));
    assert!(help.contains("DECISION<TAB>RULES<TAB>COMMAND"), "{help}");
}

/// Colour on a terminal (deny and confirm in different colours, the span underlined),
/// none when piped or with NO_COLOR.
#[test]
fn colour_only_on_a_terminal() {
    use std::io::Read;
    fn on_pty(args: &[&str], no_color: bool) -> String {
        let pty = nix::pty::openpty(None, None).expect("openpty");
        let slave = std::fs::File::from(pty.slave);
        let mut c = interlock(args);
        c.stdout(slave.try_clone().expect("dup"))
            .stderr(Stdio::null())
            .stdin(Stdio::null())
            .env_remove("NO_COLOR")
            .env("TERM", "xterm");
        if no_color {
            c.env("NO_COLOR", "1");
        }
        let status = c.status().expect("run");
        assert!(status.code().is_some());
        drop(slave);
        drop(c);
        let mut master = std::fs::File::from(pty.master);
        let mut out = Vec::new();
        let mut buf = [0u8; 4096];
        // Reading the master after the slave is closed ends with EIO.
        while let Ok(n) = master.read(&mut buf) {
            if n == 0 {
                break;
            }
            out.extend_from_slice(&buf[..n]);
        }
        String::from_utf8_lossy(&out).into_owned()
    }
    let deny = on_pty(&["explain", "--cwd", "/tmp", "--", "rm -rf ~"], false);
    assert!(deny.contains("\x1b[1;31mdeny\x1b[0m"), "{deny:?}");
    assert!(
        deny.contains("\x1b[4;31m~\x1b[0m"),
        "the span is underlined: {deny:?}"
    );
    let confirm = on_pty(&["check", "--cwd", "/tmp", "--", "git push -f"], false);
    assert!(confirm.contains("\x1b[1;33mconfirm\x1b[0m"), "{confirm:?}");
    let plain = on_pty(&["explain", "--cwd", "/tmp", "--", "rm -rf ~"], true);
    assert!(!plain.contains('\x1b'), "NO_COLOR: {plain:?}");
    let piped = run(&["explain", "--cwd", "/tmp", "--", "rm -rf ~"]);
    assert!(!stdout(&piped).contains('\x1b'));
}

#[test]
fn a_broken_config_warning_names_the_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = dir.path().join("config.toml");
    // The README's old mistake: `disable` after a table becomes a key of that table.
    std::fs::write(
        &cfg,
        "[[override]]\nrule = \"git.push-force\"\ndecision = \"deny\"\n\ndisable = [\"git.stash-drop\"]\n",
    )
    .expect("write");
    let o = interlock(&["check", "--", "ls"])
        .env("INTERLOCK_CONFIG", &cfg)
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(&format!(
            "{}:5:1: not a valid Interlock config",
            cfg.display()
        )),
        "{err}"
    );
    assert!(err.contains("disable"), "{err}");
}
