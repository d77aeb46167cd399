//! Policy from configuration management: the organisation's system layer, locked, can
//! only be tightened by the user's layer and the environment; `interlock policy
//! digest` says which policy a machine runs. Run against the real binary with the
//! system layer at a path of the test's (`INTERLOCK_SYSTEM_CONFIG`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_interlock");
const DENIED: i32 = 11;
const CONFIRM: i32 = 10;
const LOCKED: &str = "[settings]\nlocked = true\n";
/// What a user (or a command writing the user's file) would do to loosen the policy.
const LOOSENING: &str = r#"disable = ["fs.delete-critical"]

[settings]
mode = "audit"
locked = false

[[override]]
rule = "git.push-force"
decision = "allow"
"#;
/// A rule of the user's own: tightening stays possible under the lock.
const OWN_RULE: &str = r#"
[[rule]]
id = "site.no-frobnicate"
decision = "deny"
reason = "frobnicate wipes the shared cache"
[[rule.match]]
program = ["frobnicate"]
"#;

struct Machine {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

impl Machine {
    fn new(system: Option<&str>, user: &str) -> Machine {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().canonicalize().expect("canonical");
        for d in ["home/project", "home/keep", "state", "bin"] {
            std::fs::create_dir_all(root.join(d)).expect("mkdir");
        }
        std::fs::write(root.join("home/keep/data.txt"), "precious").expect("write");
        std::os::unix::fs::symlink(BIN, root.join("bin/interlock-bash")).expect("link");
        if let Some(s) = system {
            std::fs::write(root.join("system.toml"), s).expect("system config");
        }
        std::fs::write(root.join("user.toml"), user).expect("user config");
        Machine { _dir: dir, root }
    }

    fn command(&self, program: &Path) -> Command {
        let mut c = Command::new(program);
        c.env_clear()
            .env("PATH", "/usr/local/bin:/usr/bin:/bin")
            .env("HOME", self.root.join("home"))
            .env("LANG", "C")
            .env("INTERLOCK_STATE_DIR", self.root.join("state"))
            .env("INTERLOCK_CONFIG", self.root.join("user.toml"))
            .env("INTERLOCK_SYSTEM_CONFIG", self.root.join("system.toml"))
            .env("INTERLOCK_CONFIRM_TIMEOUT", "0")
            .current_dir(self.root.join("home/project"))
            .stdin(Stdio::null());
        c
    }

    fn interlock(&self, args: &[&str]) -> Output {
        self.command(Path::new(BIN))
            .args(args)
            .output()
            .expect("run interlock")
    }

    fn check(&self, cmd: &str) -> Output {
        self.interlock(&["check", "--", cmd])
    }

    fn digest(&self) -> String {
        let out = self.interlock(&["policy", "digest"]);
        assert_eq!(out.status.code(), Some(0), "{}", all(&out));
        let d = text(&out.stdout).trim().to_string();
        assert!(
            d.len() == 64 && d.chars().all(|c| c.is_ascii_hexdigit()),
            "{d}"
        );
        d
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn all(o: &Output) -> String {
    format!("{}{}", text(&o.stdout), text(&o.stderr))
}

#[test]
fn a_locked_system_layer_holds_against_the_users_file() {
    let m = Machine::new(Some(LOCKED), LOOSENING);
    let out = m.check("rm -rf ~");
    assert_eq!(out.status.code(), Some(DENIED), "{}", all(&out));
    assert!(
        text(&out.stderr).contains("the system layer is locked"),
        "{}",
        all(&out)
    );
    let out = m.check("git push --force origin main");
    assert_eq!(out.status.code(), Some(CONFIRM), "{}", all(&out));

    // The look-alike: the same user file without the lock does loosen.
    let open = Machine::new(None, LOOSENING);
    assert_eq!(open.check("rm -rf ~").status.code(), Some(0));
    let out = open.check("git push --force origin main");
    assert_eq!(out.status.code(), Some(0), "{}", all(&out));
}

#[test]
fn under_the_lock_the_user_can_still_tighten() {
    let m = Machine::new(Some(LOCKED), OWN_RULE);
    let out = m.check("frobnicate --all");
    assert_eq!(out.status.code(), Some(DENIED), "{}", all(&out));
    assert!(
        text(&out.stdout).contains("site.no-frobnicate"),
        "{}",
        all(&out)
    );
    assert_eq!(m.check("ls -la").status.code(), Some(0));
}

#[test]
fn the_environment_cannot_switch_a_locked_machine_to_audit() {
    let m = Machine::new(Some(LOCKED), "");
    let out = m
        .command(&m.root.join("bin/interlock-bash"))
        .env("INTERLOCK_MODE", "audit")
        .args(["-c", "rm -rf ~/keep"])
        .output()
        .expect("run interlock-bash");
    assert_ne!(out.status.code(), Some(0), "{}", all(&out));
    assert_eq!(
        std::fs::read_to_string(m.root.join("home/keep/data.txt")).ok(),
        Some("precious".to_string()),
        "~/keep was deleted: {}",
        all(&out)
    );
    // The look-alike: unlocked, the environment's audit mode lets it run (logged).
    let open = Machine::new(None, "");
    let out = open
        .command(&open.root.join("bin/interlock-bash"))
        .env("INTERLOCK_MODE", "audit")
        .args(["-c", "rm -rf ~/keep"])
        .output()
        .expect("run interlock-bash");
    assert_eq!(out.status.code(), Some(0), "{}", all(&out));
    assert!(!open.root.join("home/keep").exists());
}

#[test]
fn only_the_system_layer_can_lock() {
    // A lock in the user's file locks nothing: the user's own loosening still applies
    // (it is the user's file), and the stray key is reported.
    let m = Machine::new(
        None,
        "disable = [\"fs.delete-critical\"]\n\n[settings]\nlocked = true\n",
    );
    let out = m.check("rm -rf ~");
    assert_eq!(out.status.code(), Some(0), "{}", all(&out));
    assert!(
        text(&out.stderr).contains("only the system layer"),
        "{}",
        all(&out)
    );
}

#[test]
fn the_digest_names_the_policy_in_effect() {
    let plain = Machine::new(None, "");
    let same = Machine::new(None, "");
    assert_eq!(plain.digest(), same.digest());
    let tighter = Machine::new(None, OWN_RULE);
    assert_ne!(plain.digest(), tighter.digest());
    let looser = Machine::new(None, "disable = [\"fs.delete-critical\"]\n");
    assert_ne!(plain.digest(), looser.digest());
    // Under the lock the user's loosening is not in effect, so not in the digest.
    let locked = Machine::new(Some(LOCKED), "disable = [\"fs.delete-critical\"]\n");
    let locked_plain = Machine::new(Some(LOCKED), "");
    assert_eq!(locked.digest(), locked_plain.digest());
    let out = locked.interlock(&["policy", "digest", "--verbose"]);
    assert!(
        text(&out.stdout).contains("system layer locked: yes"),
        "{}",
        all(&out)
    );
}
