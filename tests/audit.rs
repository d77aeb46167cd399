//! `interlock audit`: scans of fixture repositories holding every supported file kind
//! (each finding's file, line, column and text checked), the JSON and SARIF reports
//! (SARIF validated against the OASIS 2.1.0 schema), malformed files, exit statuses,
//! and the CI shell running GitHub-style `{0}` scripts and GitLab-style stdin scripts
//! with the real bash.

use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_interlock");

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// `interlock` with no config but the built-in packs and a fixed HOME.
fn interlock(home: &Path) -> Command {
    let mut c = Command::new(BIN);
    c.env("HOME", home)
        .env("INTERLOCK_SYSTEM_CONFIG", home.join("none-system.toml"))
        .env("INTERLOCK_CONFIG", home.join("none-user.toml"))
        .env("INTERLOCK_STATE_DIR", home.join("state"))
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_WORKSPACE")
        .env_remove("GITHUB_WORKFLOW_REF")
        .env_remove("INTERLOCK_BASH")
        .env_remove("INTERLOCK_AUDIT_SHELL_DEPTH");
    c
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_tree(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), &dest).unwrap();
        }
    }
}

/// A copy of the fixture repository, plus a file its .gitignore excludes.
fn repo() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("repo");
    copy_tree(&fixtures().join("audit/repo"), &root);
    std::fs::create_dir_all(root.join("ignored")).unwrap();
    std::fs::write(root.join("ignored/wipe.sh"), "#!/bin/sh\nrm -rf /\n").unwrap();
    std::fs::write(
        root.join("notes-without-extension"),
        "rm -rf / is only text\n",
    )
    .unwrap();
    (tmp, root)
}

fn run_json(cmd: &mut Command) -> (Value, Output) {
    let out = cmd.output().unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (v, out)
}

/// Every expected finding: file, line, column, rule, decision and the text it covers.
const EXPECTED: &[(&str, u64, u64, &str, &str, &str)] = &[
    (
        ".github/workflows/ci.yml",
        20,
        11,
        "git.push-force",
        "confirm",
        "git push --force origin \"${{ github.ref_name }}\"",
    ),
    (
        ".github/workflows/ci.yml",
        26,
        14,
        "git.reset-hard",
        "confirm",
        "git reset --hard HEAD~1",
    ),
    (
        ".github/workflows/ci.yml",
        27,
        15,
        "git.clean-force",
        "confirm",
        "git clean -fdx",
    ),
    (
        ".github/workflows/ci.yml",
        33,
        21,
        "fs.delete-protected",
        "confirm",
        "/etc/ssl",
    ),
    (
        ".gitlab-ci.yml",
        9,
        14,
        "fs.delete-protected",
        "confirm",
        "/opt/cache",
    ),
    (
        ".gitlab-ci.yml",
        14,
        7,
        "git.stash-drop",
        "confirm",
        "git stash drop",
    ),
    (
        ".gitlab-ci.yml",
        22,
        9,
        "git.branch-force-delete",
        "confirm",
        "git branch -D old-release",
    ),
    (
        "Dockerfile",
        7,
        49,
        "git.push-force",
        "confirm",
        "git push -f origin main",
    ),
    (
        "Dockerfile",
        10,
        17,
        "fs.overwrite-device",
        "deny",
        "of=/dev/sda",
    ),
    (
        "Makefile",
        10,
        9,
        "fs.delete-protected",
        "confirm",
        "$(DESTDIR)/usr/lib/app",
    ),
    (
        "Makefile",
        12,
        2,
        "git.clean-force",
        "confirm",
        "git clean -fdx",
    ),
    (
        "bin/release",
        4,
        1,
        "git.push-delete",
        "confirm",
        "git push origin --delete \"v$1\"",
    ),
    (
        "ci/action.yml",
        9,
        9,
        "fs.delete-protected",
        "confirm",
        "/var/www/html",
    ),
    (
        "justfile",
        8,
        6,
        "git.reset-hard",
        "confirm",
        "git reset --hard",
    ),
    (
        "justfile",
        9,
        13,
        "fs.delete-protected",
        "confirm",
        "{{invocation_directory()}}/target",
    ),
    (
        "justfile",
        14,
        5,
        "git.push-force",
        "confirm",
        "git push --force origin {{env}}",
    ),
    (
        "pyproject.toml",
        6,
        23,
        "database.dropdb",
        "confirm",
        "dropdb app",
    ),
    ("scripts/clean.sh", 6, 8, "fs.delete-critical", "deny", "/"),
    (
        "tox.ini",
        9,
        5,
        "git.push-force",
        "confirm",
        "git push --force origin main",
    ),
    (
        "web/package.json",
        7,
        15,
        "git.discard-worktree",
        "confirm",
        "git checkout -- .",
    ),
    (
        "web/package.json",
        8,
        27,
        "fs.permissions-recursive",
        "confirm",
        "/etc",
    ),
];

#[test]
fn every_kind_is_read_and_each_finding_is_placed_exactly() {
    let (tmp, root) = repo();
    let (v, out) = run_json(
        interlock(tmp.path())
            .arg("audit")
            .arg(&root)
            .args(["--format", "json"]),
    );
    assert_eq!(
        out.status.code(),
        Some(11),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got: Vec<(String, u64, u64, String, String, String)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["file"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
                f["rule"].as_str().unwrap().to_string(),
                f["decision"].as_str().unwrap().to_string(),
                f["snippet"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let want: Vec<(String, u64, u64, String, String, String)> = EXPECTED
        .iter()
        .map(|(f, l, c, r, d, s)| {
            (
                f.to_string(),
                *l,
                *c,
                r.to_string(),
                d.to_string(),
                s.to_string(),
            )
        })
        .collect();
    assert_eq!(got, want);
    // Each finding's line/column really points at its text in the file.
    for (file, line, col, _, _, snippet) in &want {
        let text = std::fs::read_to_string(root.join(file)).unwrap();
        let l = text.lines().nth(*line as usize - 1).unwrap();
        let from: String = l.chars().skip(*col as usize - 1).collect();
        let first = snippet.lines().next().unwrap();
        assert!(
            from.starts_with(first),
            "{file}:{line}:{col}: {from:?} vs {first:?}"
        );
    }
    assert_eq!(v["errors"].as_array().unwrap().len(), 0);
    assert_eq!(v["summary"]["files_read"], 11, "{v}");
    // A relative root is judged the same way.
    let (rel, _) = run_json(
        interlock(tmp.path())
            .args(["audit", "repo", "--format", "json"])
            .current_dir(tmp.path()),
    );
    assert_eq!(rel["findings"], v["findings"]);
}

#[test]
fn context_decides_dockerfile_and_working_directory_cases() {
    let (tmp, root) = repo();
    let (v, _) = run_json(
        interlock(tmp.path())
            .arg("audit")
            .arg(&root)
            .args(["--format", "json"]),
    );
    let findings = v["findings"].as_array().unwrap();
    let text_of = |file: &str| -> Vec<String> {
        findings
            .iter()
            .filter(|f| f["file"] == file)
            .map(|f| f["snippet"].as_str().unwrap().to_string())
            .collect()
    };
    // Inside the image, cleaning apt lists and docs is normal; a force push and a disk
    // overwrite are not.
    let docker = text_of("Dockerfile");
    assert!(!docker
        .iter()
        .any(|s| s.contains("/var/lib/apt") || s.contains("/usr/share/doc")));
    // The same delete outside a container build is stopped.
    std::fs::write(root.join("scripts/apt.sh"), "rm -rf /var/lib/apt/lists/*\n").unwrap();
    let (v, _) = run_json(
        interlock(tmp.path())
            .arg("audit")
            .arg(root.join("scripts/apt.sh"))
            .args(["--format", "json"]),
    );
    assert_eq!(v["findings"][0]["rule"], "fs.delete-protected", "{v}");
    // Ignored, non-shell and other-shell files are not read.
    let files: Vec<&str> = findings
        .iter()
        .map(|f| f["file"].as_str().unwrap())
        .collect();
    assert!(!files
        .iter()
        .any(|f| f.starts_with("ignored/") || f.starts_with("notes")));
    let ci = text_of(".github/workflows/ci.yml");
    assert!(!ci
        .iter()
        .any(|s| s.contains("shutil") || s.contains("Remove-Item")));
}

#[test]
fn text_report_shows_the_line_and_underlines_the_span() {
    let (tmp, root) = repo();
    let out = interlock(tmp.path())
        .arg("audit")
        .arg(&root)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let block = "scripts/clean.sh (shell script)\n  6:8 deny fs.delete-critical: a recursive delete would remove the root, a system directory or the home directory (the root directory /)\n  6 | rm -rf /\n    |        ^\n";
    assert!(text.contains(block), "{text}");
    // Tabs in Makefiles are shown visibly and the underline stays under the span.
    assert!(
        text.contains(
            "  10 | \\trm -rf $(DESTDIR)/usr/lib/app \\\n     |          ^^^^^^^^^^^^^^^^^^^^^^\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("21 findings (2 deny, 19 confirm) in 11 of 11 files"),
        "{text}"
    );
}

#[test]
fn fail_on_sets_the_exit_status() {
    let (tmp, root) = repo();
    let status = |args: &[&str], path: &Path| {
        interlock(tmp.path())
            .arg("audit")
            .arg(path)
            .args(args)
            .output()
            .unwrap()
            .status
            .code()
    };
    assert_eq!(status(&[], &root), Some(11));
    assert_eq!(status(&["--fail-on", "deny"], &root), Some(11));
    assert_eq!(status(&["--fail-on", "never"], &root), Some(0));
    let only_confirm = root.join("bin/release");
    assert_eq!(status(&[], &only_confirm), Some(10));
    assert_eq!(status(&["--fail-on", "deny"], &only_confirm), Some(0));
    let clean = root.join("ci");
    std::fs::write(
        clean.join("action.yml"),
        "runs:\n  using: composite\n  steps:\n    - shell: bash\n      run: make\n",
    )
    .unwrap();
    assert_eq!(status(&[], &clean), Some(0));
    assert_eq!(status(&["--format", "bogus"], &clean), Some(2));
    // --skip leaves rules out of the report and the status.
    assert_eq!(status(&["--skip", "git.*"], &only_confirm), Some(0));
    assert_eq!(
        status(&["--skip", "git.push-force"], &only_confirm),
        Some(10)
    );
}

#[test]
fn malformed_files_are_reported_and_the_scan_goes_on() {
    let home = tempfile::tempdir().unwrap();
    let broken = fixtures().join("audit/broken");
    let (v, out) = run_json(
        interlock(home.path())
            .arg("audit")
            .arg(&broken)
            .args(["--format", "json"]),
    );
    let errors: Vec<(String, u64, u64, String)> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["file"].as_str().unwrap().to_string(),
                e["line"].as_u64().unwrap(),
                e["column"].as_u64().unwrap(),
                e["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        errors,
        vec![
            (
                ".github/workflows/bad.yml".into(),
                6,
                14,
                "invalid YAML: while scanning a quoted scalar, found unexpected end of stream"
                    .into()
            ),
            (
                ".gitlab-ci.yml".into(),
                5,
                1,
                "invalid YAML: while parsing a flow sequence, expected ',' or ']'".into()
            ),
            (
                "Dockerfile".into(),
                3,
                1,
                "unknown Dockerfile instruction `RNU`; this line is skipped".into()
            ),
            (
                "package.json".into(),
                4,
                3,
                "invalid JSON: trailing comma at line 4 column 3".into()
            ),
        ]
    );
    // The rest of the scan: the Dockerfile's other lines and the good script.
    let found: Vec<(&str, u64, &str)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["file"].as_str().unwrap(),
                f["line"].as_u64().unwrap(),
                f["rule"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        found,
        vec![
            ("Dockerfile", 4, "git.push-force"),
            ("ok.sh", 2, "fs.delete-critical")
        ]
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("interlock audit: package.json:4:3: invalid JSON"),
        "{stderr}"
    );
    assert_eq!(out.status.code(), Some(11));
    // Errors alone are reported, but fail the scan only when asked.
    let only = tempfile::tempdir().unwrap();
    std::fs::write(only.path().join("package.json"), "{\"scripts\": ").unwrap();
    let out = interlock(home.path())
        .arg("audit")
        .arg(only.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let failing = interlock(home.path())
        .arg("audit")
        .arg(only.path())
        .arg("--fail-on-unreadable")
        .output()
        .unwrap();
    assert_eq!(failing.status.code(), Some(10));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("package.json (package.json)\n  1:12 error: invalid JSON: EOF while parsing a value at line 1 column 12"), "{text}");
}

#[test]
fn hostile_and_binary_input_does_not_break_the_scan() {
    let home = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("bin.sh"), b"\x00\x01\x02rm -rf /").unwrap();
    std::fs::write(d.join("latin1.sh"), b"# caf\xe9\nrm -rf /\n").unwrap();
    std::fs::write(d.join("esc.sh"), "rm -rf / \x1b[2K\n").unwrap();
    std::fs::write(
        d.join(".gitlab-ci.yml"),
        "a: ".to_string() + &"[".repeat(5000),
    )
    .unwrap();
    std::fs::write(d.join("Makefile"), "x:\n\t$(\n").unwrap();
    std::fs::write(d.join("justfile"), "a:\n    {{\n").unwrap();
    std::fs::write(d.join("Dockerfile"), "RUN [\"sh\", \"-c\"\nRUN \\").unwrap();
    let out = interlock(home.path()).arg("audit").arg(d).output().unwrap();
    assert_eq!(out.status.code(), Some(11));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("bin.sh (shell script)\n  error: binary file"),
        "{text}"
    );
    assert!(
        text.contains("latin1.sh (shell script)\n  2:8 deny fs.delete-critical"),
        "{text}"
    );
    assert!(text.contains("  1 | rm -rf / \\e[2K\n"), "{text}");
    assert!(!text.contains('\x1b'));
    assert!(text.contains(".gitlab-ci.yml (GitLab CI)\n  1:"), "{text}");
}

#[test]
fn json_report_shape() {
    let (tmp, root) = repo();
    let (v, _) = run_json(
        interlock(tmp.path())
            .arg("audit")
            .arg(&root)
            .args(["--format", "json"]),
    );
    assert_eq!(v["version"], 1);
    assert_eq!(v["tool"]["name"], "interlock");
    for key in [
        "files_read",
        "commands",
        "findings",
        "deny",
        "confirm",
        "errors",
        "seconds",
    ] {
        assert!(v["summary"].get(key).is_some(), "summary.{key}");
    }
    assert_eq!(v["summary"]["findings"], 21);
    assert_eq!(v["summary"]["deny"], 2);
    let f = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["file"] == "scripts/clean.sh")
        .unwrap();
    let mut keys: Vec<&str> = f.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        vec![
            "column",
            "decision",
            "detail",
            "end_column",
            "end_line",
            "file",
            "kind",
            "line",
            "reason",
            "rule",
            "snippet",
            "suggestion"
        ]
    );
    assert_eq!(f["kind"], "shell");
    assert_eq!(
        (
            f["line"].as_u64(),
            f["end_line"].as_u64(),
            f["end_column"].as_u64()
        ),
        (Some(6), Some(6), Some(9))
    );
    // -o writes the same report to a file.
    let file = tmp.path().join("r.json");
    interlock(tmp.path())
        .arg("audit")
        .arg(&root)
        .args(["--format", "json", "-o"])
        .arg(&file)
        .output()
        .unwrap();
    let w: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(w["findings"], v["findings"]);
}

#[test]
fn sarif_is_valid_against_the_2_1_0_schema() {
    let mut schema: Value = serde_json::from_slice(
        &std::fs::read(fixtures().join("sarif/sarif-schema-2.1.0.json")).unwrap(),
    )
    .unwrap();
    // The OASIS file writes a literal `]` unescaped in the `language` patterns, which
    // ECMAScript allows and the validator's regex check refuses; escape it (same
    // meaning) so the schema compiles.
    fn escape_bracket(v: &mut Value) -> usize {
        match v {
            Value::String(s) if s == "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$" => {
                *s = "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}\\]?$".to_string();
                1
            }
            Value::Object(m) => m.values_mut().map(escape_bracket).sum(),
            Value::Array(a) => a.iter_mut().map(escape_bracket).sum(),
            _ => 0,
        }
    }
    assert_eq!(escape_bracket(&mut schema), 2);
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap();
    let (tmp, root) = repo();
    std::fs::write(root.join("package.json"), "{ bad").unwrap();
    std::fs::write(root.join("we ird#name.sh"), "rm -rf /\n").unwrap();
    let (v, _) = run_json(
        interlock(tmp.path())
            .arg("audit")
            .arg(&root)
            .args(["--format", "sarif"]),
    );
    let errors: Vec<String> = validator
        .iter_errors(&v)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // The schema is strict enough to catch a broken report.
    let mut broken = v.clone();
    broken["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] =
        Value::from(0);
    assert!(!validator.is_valid(&broken));

    let run = &v["runs"][0];
    assert_eq!(v["version"], "2.1.0");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    for r in rules {
        for key in ["id", "shortDescription", "help", "defaultConfiguration"] {
            assert!(r.get(key).is_some(), "rule without {key}: {r}");
        }
    }
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 23);
    for r in results {
        let i = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[i]["id"], r["ruleId"]);
    }
    let clean = results
        .iter()
        .find(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "scripts/clean.sh"
        })
        .unwrap();
    assert_eq!(clean["ruleId"], "fs.delete-critical");
    assert_eq!(clean["level"], "error");
    let region = &clean["locations"][0]["physicalLocation"]["region"];
    assert_eq!(
        (
            region["startLine"].as_u64(),
            region["startColumn"].as_u64(),
            region["endColumn"].as_u64()
        ),
        (Some(6), Some(8), Some(9))
    );
    assert!(results.iter().any(
        |r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            == "we%20ird%23name.sh"
    ));
    for r in results {
        let uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap();
        assert!(
            uri.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._~/%".contains(&b))
                && !uri.starts_with('/'),
            "not a relative URI reference: {uri}"
        );
    }
    let unreadable = results
        .iter()
        .find(|r| r["ruleId"] == "audit.unreadable")
        .unwrap();
    assert_eq!(
        unreadable["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "package.json"
    );
    let reset = results
        .iter()
        .find(|r| r["ruleId"] == "git.reset-hard")
        .unwrap();
    assert_eq!(reset["level"], "warning");
}

// ---- The CI shell ----

fn git(dir: &Path, args: &[&str]) {
    let ok = Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
        .status
        .success();
    assert!(ok, "git {args:?}");
}

/// A workspace with a git repository whose working tree has an uncommitted change.
fn workspace() -> tempfile::TempDir {
    let ws = tempfile::tempdir().unwrap();
    let repo = ws.path().join("repo");
    std::fs::create_dir_all(&repo).unwrap();
    git(&repo, &["init", "-q"]);
    std::fs::write(repo.join("f.txt"), "committed\n").unwrap();
    git(&repo, &["add", "f.txt"]);
    git(&repo, &["commit", "-qm", "one"]);
    std::fs::write(repo.join("f.txt"), "uncommitted change\n").unwrap();
    ws
}

const WORKFLOW: &str = "\
on: push
jobs:
  t:
    runs-on: ubuntu-latest
    steps:
      - run: echo other
      - run: |
          cd ${{ github.workspace }}/repo
          git reset --hard
          touch ran.txt
          exit 3
";

fn github_shell(ws: &Path, script: &str, extra: &[&str]) -> Output {
    std::fs::create_dir_all(ws.join(".github/workflows")).unwrap();
    std::fs::write(ws.join(".github/workflows/ci.yml"), WORKFLOW).unwrap();
    let file = ws.join("step.sh");
    std::fs::write(&file, script).unwrap();
    interlock(ws)
        .args(["audit", "--shell"])
        .arg(&file)
        .args(extra)
        .current_dir(ws)
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_WORKSPACE", ws)
        .env(
            "GITHUB_WORKFLOW_REF",
            "octo/app/.github/workflows/ci.yml@refs/heads/main",
        )
        .output()
        .unwrap()
}

#[test]
fn github_step_runs_with_bash_and_is_annotated_in_the_workflow() {
    let ws = workspace();
    let script = format!(
        "cd {}/repo\ngit reset --hard\ntouch ran.txt\nexit 3\n",
        ws.path().display()
    );
    let out = github_shell(ws.path(), &script, &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    // The step's exit status passes through, and the script really ran.
    assert_eq!(
        out.status.code(),
        Some(3),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(ws.path().join("repo/ran.txt").exists());
    assert_eq!(
        std::fs::read_to_string(ws.path().join("repo/f.txt")).unwrap(),
        "committed\n"
    );
    let lines: Vec<&str> = stdout.lines().filter(|l| l.starts_with("::")).collect();
    assert_eq!(
        lines,
        vec!["::warning file=.github/workflows/ci.yml,line=9,col=11,endColumn=27,title=Interlock%3A git.reset-hard::Interlock would stop this (confirm git.reset-hard): `git reset --hard` throws away uncommitted changes in the working tree for good in `git reset --hard`"]
    );
}

#[test]
fn github_step_has_the_stock_bash_options() {
    let ws = workspace();
    // -e: the failing command ends the step; pipefail: a failing pipeline fails.
    let out = github_shell(ws.path(), "false | cat\ntouch after.txt\n", &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(!ws.path().join("after.txt").exists());
    assert!(String::from_utf8_lossy(&out.stdout).trim().is_empty());
    // Arguments after `--` replace the defaults.
    let out = github_shell(
        ws.path(),
        "false | cat\ntouch after.txt\n",
        &["--", "--noprofile", "--norc"],
    );
    assert_eq!(out.status.code(), Some(0));
    assert!(ws.path().join("after.txt").exists());
}

#[test]
fn enforce_refuses_without_running_anything() {
    let ws = workspace();
    let script = format!(
        "cd {}/repo\ngit reset --hard\ntouch ran.txt\nexit 3\n",
        ws.path().display()
    );
    let out = github_shell(ws.path(), &script, &["--enforce"]);
    assert_eq!(out.status.code(), Some(10));
    assert!(!ws.path().join("repo/ran.txt").exists());
    assert_eq!(
        std::fs::read_to_string(ws.path().join("repo/f.txt")).unwrap(),
        "uncommitted change\n"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.starts_with("::error file=.github/workflows/ci.yml,line=9,col=11,"),
        "{stdout}"
    );
    assert!(stdout.contains("Interlock stopped this (confirm git.reset-hard)"));
    // Below the --fail-on level, --enforce lets the step run.
    let out = github_shell(ws.path(), &script, &["--enforce", "--fail-on", "deny"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(ws.path().join("repo/ran.txt").exists());
}

/// GitLab's runner quoting (`helpers.ShellEscape`): ANSI-C `$'…'` with escapes.
fn gitlab_escape(s: &str) -> String {
    let mut out = String::from("$'");
    for b in s.bytes() {
        match b {
            b'\n' => out.push_str("\\n"),
            b'\t' => out.push_str("\\t"),
            b'\'' => out.push_str("\\'"),
            b'\\' => out.push_str("\\\\"),
            b' '..=b'~' => out.push(b as char),
            _ => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out.push('\'');
    out
}

/// A job script shaped the way GitLab's bash shell writer generates it.
fn gitlab_job(commands: &[&str]) -> String {
    let mut inner = String::from("export CI_JOB_NAME=test\n");
    for c in commands {
        inner.push_str(&format!(
            "echo {}\n",
            gitlab_escape(&format!("\x1b[32;1m$ {c}\x1b[0;m"))
        ));
        inner.push_str(c);
        inner.push('\n');
    }
    format!(
        "#!/usr/bin/env bash\n\ntrap exit 1 TERM\n\nif set -o | grep pipefail > /dev/null; then set -o pipefail; fi; set -o errexit\nset +o noclobber\n: | eval {}\nexit 0\n",
        gitlab_escape(&inner)
    )
}

fn gitlab_shell(ws: &Path, script: &str, extra: &[&str]) -> Output {
    let mut child = interlock(ws)
        .args(["audit", "--shell"])
        .args(extra)
        .current_dir(ws)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(script.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn gitlab_stdin_script_runs_with_bash_and_logs_plain_lines() {
    let ws = workspace();
    let script = gitlab_job(&["git -C repo reset --hard", "touch ran.txt", "exit 4"]);
    let out = gitlab_shell(ws.path(), &script, &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert!(ws.path().join("ran.txt").exists());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("$ touch ran.txt"), "{stdout}");
    let lines: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("interlock:"))
        .collect();
    assert_eq!(
        lines,
        vec!["interlock: script line 3:1: Interlock would stop this (confirm git.reset-hard): `git reset --hard` throws away uncommitted changes in the working tree for good in `git -C repo reset --hard`"]
    );
    // bash options for a login shell pass through after `--`.
    let out = gitlab_shell(
        ws.path(),
        &gitlab_job(&["shopt -q login_shell && exit 7"]),
        &["-", "--", "-l"],
    );
    assert_eq!(out.status.code(), Some(7));
}

#[test]
fn gitlab_stdin_script_is_fed_to_bash_byte_for_byte() {
    let ws = workspace();
    // `cat` reads the rest of the script from bash's stdin: it must be exactly what
    // the runner sent, binary bytes included.
    let script = "echo start\ncat\nREST \u{00e9} \x01 line\n";
    let out = gitlab_shell(ws.path(), script, &[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.stdout, b"start\nREST \xc3\xa9 \x01 line\n");
}

#[test]
fn the_ci_shell_finds_the_real_bash_not_a_wrapper() {
    let ws = workspace();
    let bin = ws.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    // A wrapper named bash that would hand the script back to Interlock.
    let wrapper = bin.join("bash");
    std::fs::write(
        &wrapper,
        format!("#!/bin/sh\nexec {BIN} audit --shell \"$@\"\n"),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    let out = interlock(ws.path())
        .args(["audit", "--shell"])
        .current_dir(ws.path())
        .env("PATH", &path)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            c.stdin
                .take()
                .unwrap()
                .write_all(b"echo $BASH_VERSION\nexit 5\n")?;
            c.wait_with_output()
        })
        .unwrap();
    assert_eq!(out.status.code(), Some(5));
    assert!(!String::from_utf8_lossy(&out.stdout).trim().is_empty());
    // A missing --bash is a clear error, nothing runs.
    let out = interlock(ws.path())
        .args(["audit", "--shell", "--bash", "/nonexistent/bash"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(127));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no bash found"));
}

/// Inside an image build, deleting the image's own files is normal; destroying a
/// database or calling an API's DELETE from there is not.
#[test]
fn a_dockerfile_run_is_judged_inside_the_image() {
    let home = tempfile::tempdir().unwrap();
    let repo = tempfile::tempdir().unwrap();
    std::fs::write(
        repo.path().join("Dockerfile"),
        "FROM debian:bookworm\n\
         RUN apt-get update && rm -rf /var/lib/apt/lists/* /tmp/*\n\
         RUN psql -h db.internal -c \"DROP TABLE users\"\n\
         RUN [\"curl\", \"-X\", \"DELETE\", \"https://api.example.com/v1/items/1\"]\n\
         RUN psql -h db.internal -c \"SELECT 1\"\n",
    )
    .unwrap();
    let (v, out) = run_json(
        interlock(home.path())
            .arg("audit")
            .arg(repo.path())
            .args(["--format", "json"]),
    );
    assert_eq!(out.status.code(), Some(10));
    let found: Vec<(u64, u64, &str)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
                f["rule"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        found,
        vec![(3, 28, "database.sql-drop"), (4, 7, "http.delete-remote")]
    );
}

// ---- File kinds, unreadable files, usage errors (a newcomer's first scans) ----

#[test]
fn only_real_dockerfiles_are_read_as_dockerfiles() {
    let home = tempfile::tempdir().unwrap();
    let root = home.path().join("repo");
    std::fs::create_dir_all(root.join("src/extract")).unwrap();
    // Source files that only mention Dockerfiles in their names, and a variant name
    // whose content is not a Dockerfile.
    let rust = "//! reads Dockerfiles\nuse std::io;\nfn main() {}\n";
    for name in [
        "src/extract/dockerfile.rs",
        "src/extract/DOCKERFILE.RS",
        "src/Dockerfile.md",
        "Dockerfile.notes",
    ] {
        std::fs::write(root.join(name), rust).unwrap();
    }
    std::fs::write(
        root.join("Dockerfile"),
        "FROM debian\nRUN git push --force\n",
    )
    .unwrap();
    std::fs::write(
        root.join("Dockerfile.dev"),
        "# syntax=docker/dockerfile:1\nFROM debian\nRUN git reset --hard\n",
    )
    .unwrap();
    std::fs::write(root.join("web.dockerfile"), "ARG V\nFROM x:$V\nRUN ls\n").unwrap();
    let (v, out) = run_json(interlock(home.path()).arg("audit").arg(&root).args([
        "--format",
        "json",
        "--no-progress",
    ]));
    assert_eq!(v["errors"].as_array().unwrap().len(), 0, "{v:#}");
    assert_eq!(v["summary"]["files_read"], 3, "{v:#}");
    let files: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file"].as_str().unwrap())
        .collect();
    assert_eq!(files, vec!["Dockerfile", "Dockerfile.dev"]);
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn parse_problems_are_reported_once_per_file_and_do_not_set_the_status() {
    let home = tempfile::tempdir().unwrap();
    let root = home.path().join("repo");
    std::fs::create_dir_all(&root).unwrap();
    // Five unknown instructions in one Dockerfile: one report, with the count.
    std::fs::write(
        root.join("Dockerfile"),
        "FROM debian\nRNU a\nRNU b\nRNU c\nRNU d\nRNU e\nRUN ls\n",
    )
    .unwrap();
    let run = |args: &[&str]| {
        interlock(home.path())
            .arg("audit")
            .arg(&root)
            .arg("--no-progress")
            .args(args)
            .output()
            .unwrap()
    };
    let out = run(&[]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert_eq!(text.matches("error:").count(), 1, "{text}");
    assert!(
        text.contains("2:1 error: unknown Dockerfile instruction `RNU`; this line is skipped (and 4 more problems in this file)"),
        "{text}"
    );
    assert!(text.contains("1 file unreadable"), "{text}");
    // Asked for, an unreadable file fails the scan (as a confirm).
    assert_eq!(run(&["--fail-on-unreadable"]).status.code(), Some(10));
    assert_eq!(
        run(&["--fail-on-unreadable", "--fail-on", "never"])
            .status
            .code(),
        Some(10)
    );
    // --skip audit.unreadable leaves them out of every format.
    let out = run(&["--skip", "audit.unreadable", "--fail-on-unreadable"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(!String::from_utf8_lossy(&out.stdout).contains("error:"));
    let out = run(&["--skip", "audit.unreadable", "--format", "sarif"]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let results = v["runs"][0]["results"].as_array().unwrap();
    assert!(
        results.iter().all(|r| r["ruleId"] != "audit.unreadable"),
        "{results:#?}"
    );
    let out = run(&["--format", "sarif"]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let unreadable = v["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["ruleId"] == "audit.unreadable")
        .count();
    assert_eq!(unreadable, 1);
}

#[test]
fn a_missing_path_is_a_usage_error() {
    let home = tempfile::tempdir().unwrap();
    let out = interlock(home.path())
        .args(["audit", "/nonexistent/interlock-audit-path"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no such file or directory"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty());
}

/// docs/audit.md: `shell: interlock audit --shell --enforce {0}` (GitHub puts the
/// script path where `{0}` is, after the options).
#[test]
fn the_documented_enforce_form_takes_the_script_last() {
    let ws = workspace();
    let script = format!(
        "cd {}/repo\ngit reset --hard\ntouch ran.txt\nexit 3\n",
        ws.path().display()
    );
    let file = ws.path().join("step.sh");
    std::fs::write(&file, &script).unwrap();
    let run = |args: &[&str]| {
        interlock(ws.path())
            .args(["audit", "--shell"])
            .args(args)
            .arg(&file)
            .current_dir(ws.path())
            .output()
            .unwrap()
    };
    let out = run(&["--enforce"]);
    assert_eq!(
        out.status.code(),
        Some(10),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!ws.path().join("repo/ran.txt").exists());
    let out = run(&["--enforce", "--fail-on", "deny"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(ws.path().join("repo/ran.txt").exists());
    // A script named twice is still a usage error.
    let out = interlock(ws.path())
        .args(["audit", "--shell"])
        .arg(&file)
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
