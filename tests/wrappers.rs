//! Wrappers: programs whose arguments hold a command are judged as if they ran it.
//! Known wrappers are data (`policies/wrappers.toml`, each entry with commands it must
//! stop and look-alikes it must pass); a program Interlock does not know, given a
//! command that would be stopped, is a confirm (`shell.unknown-runner`); programs
//! known to take data (`echo`, `grep`) are never read as running their arguments.
//!
//! All run in the example context: HOME=/home/user, working directory
//! /home/user/project.

use interlock::specs::wrappers::{wrapper, WrapperFile, WRAPPERS, WRAPPERS_TOML};
use interlock::{Context, Decision, Engine};

fn decide(cmd: &str) -> (Decision, Vec<String>) {
    let v = Engine::builtin().decide(cmd, &Context::example());
    (v.decision, v.findings.into_iter().map(|f| f.rule).collect())
}

fn assert_verdict(cmds: &[&str], want: Decision, rule: &str) {
    let mut bad = Vec::new();
    for c in cmds {
        let (d, rules) = decide(c);
        if d != want || !rules.iter().any(|r| r == rule) {
            bad.push(format!(
                "{c:?} gave {d:?} {rules:?}, want {want:?} by {rule}"
            ));
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

fn assert_passes(cmds: &[&str]) {
    let mut bad = Vec::new();
    for c in cmds {
        let (d, rules) = decide(c);
        if d != Decision::Allow {
            bad.push(format!("{c:?} was stopped by {rules:?}"));
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn every_wrapper_entry_has_examples_and_they_hold() {
    let file: WrapperFile = toml::from_str(WRAPPERS_TOML).expect("wrappers.toml parses");
    assert_eq!(
        file.wrapper.len(),
        WRAPPERS.len(),
        "the compiled table is the TOML"
    );
    let engine = Engine::builtin();
    let ctx = Context::example();
    let mut failures = Vec::new();
    for w in &file.wrapper {
        let who = w.names.join("/");
        let data = w.runs == "data";
        if w.examples.pass.is_empty() || (!data && w.examples.stop.is_empty()) {
            failures.push(format!("{who}: needs stop and pass examples"));
        }
        for ex in &w.examples.stop {
            if engine.decide(ex, &ctx).decision == Decision::Allow {
                failures.push(format!("{who} must stop {ex:?}"));
            }
        }
        for ex in &w.examples.pass {
            let v = engine.decide(ex, &ctx);
            if v.decision != Decision::Allow {
                failures.push(format!("{who} must pass {ex:?}, got {:?}", v.findings));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_name_is_in_one_entry_only() {
    let mut seen = std::collections::HashSet::new();
    for w in WRAPPERS {
        for n in w.names {
            assert!(seen.insert(*n), "{n} is in two entries");
        }
    }
    assert!(wrapper("gosu").is_some() && wrapper("rm").is_none());
}

#[test]
fn known_wrappers_run_the_command_after_their_own_words() {
    // Deny-level commands keep their level through a known wrapper.
    assert_verdict(
        &[
            "gosu root rm -rf ~",
            "su-exec app rm -rf /home",
            "chroot / rm -rf /home",
            "perf stat rm -rf ~",
            "perf record -g -o out.data -- rm -rf ~",
            "systemd-run --user --scope rm -rf ~",
            "launchctl submit -l x -- rm -rf ~",
            "mise exec -- rm -rf ~",
            "mise x node@20 python@3 -- rm -rf ~",
            "asdf exec rm -rf ~",
            "nvm exec 20 rm -rf ~",
            "direnv exec . rm -rf ~",
            "op run -- rm -rf ~",
            "doppler run -- rm -rf /",
            "aws-vault exec prod -- rm -rf ~",
            "with-contenv rm -rf ~",
            "chpst -u app rm -rf ~",
            "cross-env NODE_ENV=production rm -rf ~",
            "env-cmd -f .env rm -rf ~",
            "nix develop -c rm -rf ~",
            "watchexec -e rs -- rm -rf ~",
            "xvfb-run -a rm -rf ~",
            "unshare -r rm -rf ~",
            "nsenter -t 1 -m -p rm -rf ~",
            "numactl -C 0-3 rm -rf ~",
            // Wrappers nest.
            "gosu root nice -n 10 mise exec -- rm -rf ~",
        ],
        Decision::Deny,
        "fs.delete-critical",
    );
}

#[test]
fn wrappers_that_take_shell_code() {
    assert_verdict(
        &[
            "nix-shell --run 'rm -rf ~'",
            "nix-shell -p git --command 'rm -rf ~'",
            "nix-shell --run='rm -rf ~'",
            "sg dev -c 'rm -rf ~'",
            "sg dev 'rm -rf ~'",
            "hyperfine 'rm -rf ~'",
            "hyperfine -w 3 'ls' 'rm -rf ~'",
            "hyperfine --prepare 'rm -rf ~' 'ls'",
            "watchexec 'rm -rf ~'",
            "nodemon --exec 'rm -rf ~'",
            "mise exec -c 'rm -rf ~'",
        ],
        Decision::Deny,
        "fs.delete-critical",
    );
    assert_verdict(
        &[
            "nix-shell -p postgresql --run \"psql -h prod-db -c 'DROP DATABASE prod'\"",
            "hyperfine \"psql -c 'DROP TABLE users'\"",
        ],
        Decision::Confirm,
        "database.sql-drop",
    );
}

#[test]
fn fd_exec_runs_on_what_it_finds() {
    // Everything under the home directory, like `find ~ -exec rm -rf {} +`.
    assert_verdict(
        &[
            "fd . ~ -X rm -rf",
            "fd -H . ~ -x rm -rf {}",
            "fd --exec-batch rm -rf . ~",
        ],
        Decision::Deny,
        "fs.delete-critical",
    );
    let (d, _) = decide("fd -t d . / --exec-batch rm -rf");
    assert_ne!(d, Decision::Allow);
    let (d, _) = decide("cd ~ && fd --exec-batch rm -rf");
    assert_eq!(d, Decision::Deny);
}

#[test]
fn env_forms_that_hide_the_command() {
    assert_verdict(
        &[
            "env - rm -rf ~",
            "env -P /bin rm -rf ~",
            "env -S 'rm -rf ~'",
            "env --split-string='rm -rf ~'",
            "env -iS'rm -rf ~'",
            "env -S 'A=1 rm -rf' ~",
            "env -i - A=1 rm -rf ~",
            "env -iu PATH rm -rf ~",
        ],
        Decision::Deny,
        "fs.delete-critical",
    );
    assert_passes(&[
        "env - PATH=/bin ls",
        "env -S 'echo hi'",
        "env -P /usr/local/bin make",
    ]);
}

#[test]
fn unknown_programs_given_a_command_that_would_be_stopped_are_a_confirm() {
    assert_verdict(
        &[
            "mytool rm -rf ~",
            "jobrunner --retries 3 rm -rf /home",
            "mytool 'rm -rf ~'",
            "runner run 'cd / && rm -rf home'",
            "queue submit -- psql -h prod-db -c 'DROP DATABASE prod'",
            "sandbox-exec -f profile.sb rm -rf ~",
        ],
        Decision::Confirm,
        "shell.unknown-runner",
    );
}

#[test]
fn arguments_that_are_data_or_harmless_pass() {
    assert_passes(&[
        "timeout 5 cargo test",
        "nice make",
        "hyperfine 'ls'",
        "hyperfine --prepare 'rm -rf target' 'cargo build'",
        "fd -e rs -x wc -l",
        "fd -e o -x rm {}",
        "fd node_modules -t d -X rm -rf",
        "echo rm -rf ~",
        "printf '%s\\n' 'rm -rf ~'",
        "grep -r 'rm -rf ~' .",
        "rg -n 'DROP DATABASE' .",
        "git commit -m 'rm -rf ~ was bad'",
        "mytool --name rm",
        "mytool rm",
        "mytool 'ls -la'",
        "notify-send 'DROP TABLE done'",
        "logger 'rm -rf / was blocked'",
        "man rm",
        "which rm",
        "apt-get install -y git postgresql-client",
        "gosu app node server.js",
        "mise exec -- npm test",
        "nix-shell --run 'cargo build'",
        "nix develop -c cargo test",
        "sg docker -c 'docker ps'",
        "perf stat make",
        "systemd-run --user --scope make -j8",
    ]);
}

#[test]
fn parallel_without_a_command_runs_its_inputs() {
    assert_verdict(
        &[
            "parallel ::: 'rm -rf ~'",
            "parallel -j2 ::: 'ls' 'rm -rf ~'",
        ],
        Decision::Deny,
        "fs.delete-critical",
    );
    assert_passes(&["parallel ::: 'make a' 'make b'"]);
}
