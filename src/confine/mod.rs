//! The confinement: what the kernel, not judgement, keeps an agent's commands from
//! touching.
//!
//! The agent and the human are the same Unix user, so any file the human can write, a
//! command of the agent can write too, through any interpreter. Before the agent shell
//! becomes the real shell (and before `interlock wrap -- AGENT` or `interlock confine`
//! start their program), the process enters a private mount namespace in which:
//! - Interlock's state (approvals, requests, audit log), every config layer, the
//!   installed binary and its links, and each agent's hook settings are bound
//!   read-only onto themselves;
//! - the approval service's state directory (`interlock serve`: its private key,
//!   database and settings) is covered with an empty read-only file system, so no
//!   command can read the key and sign an approval;
//! - every directory above them that this user could rename (`mv ~/.config x`) is
//!   bound onto itself, so it cannot be renamed or removed (a mount point is busy);
//! - a Landlock domain forbids ptrace of processes outside, which closes
//!   `/proc/PID/root` of the unconfined agent (the way back to the real mount table);
//! - unless we are root, a user namespace holds all this, so nothing inside has a
//!   capability to unmount; a root process drops the capabilities that could.
//!
//! Everything else is as before. A machine without these kernel features is reported
//! (`interlock doctor`, and once on stderr), and approvals then come only through a
//! live channel (the wrap card), never through files.

mod kernel;
mod reuse;

use std::io;
use std::path::{Path, PathBuf};

/// Set (to `1`) in the confined program's environment. Only ever tightens: the
/// confinement itself is recognised from the mounts (`is_confined`).
pub const MARK_ENV: &str = "INTERLOCK_CONFINED";

/// Agents' settings that hold or can switch off Interlock's hook, under the home
/// directory (Codex's under `$CODEX_HOME` when set).
const HOME_SETTINGS: &[&str] = &[
    ".claude/settings.json",
    ".claude/settings.local.json",
    ".cursor/hooks.json",
    ".gemini/settings.json",
    ".codeium/windsurf/hooks.json",
    ".copilot/hooks",
    "Documents/Cline/Hooks",
];
const CODEX_SETTINGS: &[&str] = &["hooks.json", "config.toml", "rules"];
/// The same, in a project (and `.interlock.toml`, whose rules only tighten).
const PROJECT_SETTINGS: &[&str] = &[
    ".claude/settings.json",
    ".claude/settings.local.json",
    ".cursor/hooks.json",
    ".gemini/settings.json",
    ".codex/hooks.json",
    ".codex/config.toml",
    ".interlock.toml",
];
/// System-wide (managed) settings directories.
const SYSTEM_SETTINGS: &[&str] = &[
    "/etc/interlock",
    "/etc/claude-code",
    "/etc/codex",
    "/etc/gemini-cli",
    "/Library/Application Support/ClaudeCode",
];
/// Names Interlock is installed under.
const BINARIES: &[&str] = &["interlock", "interlock-bash", "interlock-zsh"];

/// What the confinement protects, worked out before entering it.
#[derive(Debug, Default)]
pub struct Plan {
    /// Bound read-only onto themselves.
    pub read_only: Vec<PathBuf>,
    /// Bound onto themselves (still writable inside) so they cannot be renamed.
    pub pinned: Vec<PathBuf>,
    /// Covered with an empty read-only file system: nothing in them can be read.
    pub hidden: Vec<PathBuf>,
    /// Protected files the kernel cannot keep in place, and why (for `doctor`).
    pub gaps: Vec<String>,
    /// Whether commands with this plan may share one namespace (`reuse.rs`).
    pub reusable: bool,
}

/// Work out what to protect for a command run in `project` (its working directory).
/// Creates Interlock's state and config directories if they do not exist yet, so a
/// command cannot create them with contents of its own.
pub fn plan(project: Option<&Path>) -> Plan {
    let mut plan = Plan::default();
    let home = std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from);
    let root = nix::unistd::geteuid().is_root();

    if let Some(state) = crate::approval::state_dir() {
        let _ = crate::approval::ensure_private_dir(&state);
        plan.protect(&state);
        // The approval service's key, where `interlock serve` keeps it by default.
        plan.hide(&state.join("serve"));
    }
    if let Some(d) = std::env::var_os("INTERLOCK_SERVE_DIR").filter(|d| !d.is_empty()) {
        plan.hide(Path::new(&d));
    }
    // The user layer: `INTERLOCK_CONFIG` when set, else the config directory, made
    // now if it is missing so that a command cannot make it with a config of its own.
    match std::env::var_os("INTERLOCK_CONFIG").filter(|v| !v.is_empty()) {
        Some(p) => plan.protect_or_note(Path::new(&p)),
        None => {
            if let Some(config) = crate::policy::layers::config_dir() {
                let _ = crate::approval::ensure_private_dir(&config);
                plan.protect(&config);
            }
        }
    }
    if let Some(p) = std::env::var_os("INTERLOCK_SYSTEM_CONFIG").filter(|v| !v.is_empty()) {
        plan.protect_or_note(Path::new(&p));
    }
    if root && !Path::new("/etc/interlock").exists() {
        // Root could otherwise create the system layer from inside.
        let _ = std::fs::create_dir_all("/etc/interlock");
    }
    for dir in SYSTEM_SETTINGS {
        plan.protect(Path::new(dir));
    }

    // The binary and the names it is installed under.
    let exe = std::env::current_exe().ok();
    let mut bin_dirs: Vec<PathBuf> = Vec::new();
    if let Some(d) = exe.as_ref().and_then(|e| e.parent()) {
        bin_dirs.push(d.to_path_buf());
    }
    if let Some(h) = &home {
        bin_dirs.push(h.join(".local/bin"));
        plan.protect(&h.join(".local/lib/interlock"));
    }
    if let Some(real) = exe.as_ref().and_then(|e| e.canonicalize().ok()) {
        plan.protect(&real);
    }
    for d in &bin_dirs {
        for name in BINARIES {
            plan.protect(&d.join(name));
        }
    }

    if let Some(h) = &home {
        plan.protect_under(h, HOME_SETTINGS, |_| false);
        let codex = std::env::var_os("CODEX_HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| h.join(".codex"));
        for rel in CODEX_SETTINGS {
            plan.protect(&codex.join(rel));
        }
    }
    if let Some(p) = project {
        for dir in project_dirs(p) {
            // The home directory's agent settings were protected above.
            let is_home = home.as_deref() == Some(dir.as_path());
            plan.protect_under(&dir, PROJECT_SETTINGS, |rel| {
                is_home && HOME_SETTINGS.contains(&rel)
            });
        }
    }
    plan.finish();
    plan.reusable = true;
    plan
}

/// The working directory and its ancestors up to the repository root (settings and
/// `.interlock.toml` are looked for there), at most 64 levels.
fn project_dirs(cwd: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut dir = Some(cwd);
    while let Some(d) = dir {
        if out.len() >= 64 || d == Path::new("/") {
            break;
        }
        out.push(d.to_path_buf());
        if d.join(".git").exists() {
            break;
        }
        dir = d.parent();
    }
    out
}

impl Plan {
    /// Hide a directory if it exists (a missing one inside the read-only state
    /// directory cannot be created by a command).
    fn hide(&mut self, p: &Path) {
        let Ok(meta) = std::fs::symlink_metadata(p) else {
            return;
        };
        if meta.file_type().is_symlink() {
            self.gaps.push(format!(
                "{} is a symbolic link: its target is hidden, but the link can be replaced",
                p.display()
            ));
        }
        if let Ok(t) = p.canonicalize() {
            if t.is_dir() && !self.hidden.contains(&t) {
                self.hidden.push(t);
            }
        }
    }

    /// Protect `p` if it exists: read-only, with its renamable ancestors pinned.
    fn protect(&mut self, p: &Path) {
        let Ok(meta) = std::fs::symlink_metadata(p) else {
            return;
        };
        let target = if meta.file_type().is_symlink() {
            self.gaps.push(format!(
                "{} is a symbolic link: its target is read-only, but the link itself can be replaced (make it a plain file or a hard link)",
                p.display()
            ));
            match p.canonicalize() {
                Ok(t) => t,
                Err(_) => return,
            }
        } else {
            p.to_path_buf()
        };
        if !self.read_only.contains(&target) {
            self.read_only.push(target);
        }
    }

    /// Protect each of `rels` under `dir` but those `skip` names. The agent
    /// directories are mostly missing: one stat of `.claude` answers for every file
    /// in it (this runs for every command).
    fn protect_under(&mut self, dir: &Path, rels: &[&str], skip: impl Fn(&str) -> bool) {
        let mut missing: Option<&str> = None;
        for rel in rels {
            let top = rel.split('/').next().unwrap_or(rel);
            if missing == Some(top) || skip(rel) {
                continue;
            }
            if top != *rel && std::fs::symlink_metadata(dir.join(top)).is_err() {
                missing = Some(top);
                continue;
            }
            self.protect(&dir.join(rel));
        }
    }

    /// Protect `p`, or note that a missing config file could be created inside.
    fn protect_or_note(&mut self, p: &Path) {
        if std::fs::symlink_metadata(p).is_ok() {
            self.protect(p);
        } else if p.parent().is_some_and(kernel::writable_dir) {
            self.gaps.push(format!(
                "{} does not exist, so a command could create it (create it, even empty)",
                p.display()
            ));
        }
    }

    /// Pin every ancestor this user may rename, and order the mounts outermost first
    /// so each lands on top of the one above it.
    fn finish(&mut self) {
        let mut pinned: Vec<PathBuf> = Vec::new();
        for p in &self.read_only {
            let mut a = p.parent();
            while let Some(dir) = a {
                let Some(parent) = dir.parent() else { break };
                if kernel::writable_dir(parent) && !pinned.iter().any(|x| x == dir) {
                    pinned.push(dir.to_path_buf());
                }
                a = Some(parent);
            }
        }
        // A read-only path that is also an ancestor of another needs no pin.
        pinned.retain(|d| !self.read_only.contains(d));
        // Nested read-only paths: the outer one already covers the inner.
        let all = self.read_only.clone();
        self.read_only
            .retain(|p| !all.iter().any(|q| q != p && p.starts_with(q)));
        pinned.retain(|d| !self.read_only.iter().any(|q| d.starts_with(q)));
        let depth = |p: &PathBuf| p.components().count();
        pinned.sort_by_key(depth);
        self.read_only.sort_by_key(depth);
        self.pinned = pinned;
    }
}

/// What entering the confinement achieved.
#[derive(Debug)]
pub struct Entered {
    /// Landlock was not available: the mounts hold, but a process of this uid outside
    /// could still be reached through `/proc/PID/root`.
    pub no_landlock: Option<io::Error>,
}

/// Enter the confinement in this process (before `execve`). Must be called while the
/// process has one thread: the kernel refuses a user namespace to a threaded process
/// (`EINVAL`), and the caller then falls back to `interlock confine`.
///
/// A plan's namespace is built once and shared (`reuse.rs`): a later command with the
/// same plan joins it while its holder lives, which costs a few system calls instead
/// of a namespace, a bind per protected path and a teardown.
pub fn enter(plan: &Plan) -> io::Result<Entered> {
    let root = nix::unistd::geteuid().is_root();
    // Joining a mount namespace moves the working directory to its root.
    let cwd = std::env::current_dir().ok();
    let record = reuse::record_path(plan);
    let joined = record.as_deref().is_some_and(|r| reuse::join(r).is_ok());
    // The record's directory, opened before the mounts make it read-only.
    let record_dir = match (&record, joined) {
        (Some(r), false) => r.parent().and_then(|d| {
            crate::approval::ensure_private_dir(d).ok()?;
            std::fs::File::open(d).ok()
        }),
        _ => None,
    };
    if !joined {
        kernel::new_namespaces(root).map_err(|e| context("create a mount namespace", e))?;
        kernel::make_slave().map_err(|e| context("make the mount table private", e))?;
        for p in &plan.pinned {
            kernel::pin(p).map_err(|e| context(&format!("pin {}", p.display()), e))?;
        }
        for p in &plan.read_only {
            kernel::read_only(p)
                .map_err(|e| context(&format!("make {} read-only", p.display()), e))?;
        }
        for p in &plan.hidden {
            kernel::hide(p).map_err(|e| context(&format!("hide {}", p.display()), e))?;
        }
    }
    // The working directory still points into the mount beneath the new ones (or at
    // the joined namespace's root): look it up again, or a relative path and an
    // absolute one would name two mounts (a rename or link between them fails with
    // EXDEV).
    if let Some(cwd) = cwd {
        let _ = std::env::set_current_dir(cwd);
    }
    // Before the capability drop: without CAP_SYS_ADMIN (or no_new_privs, which would
    // stop sudo) Landlock refuses a new domain.
    let no_landlock = kernel::landlock_ptrace_scope().err();
    if root {
        kernel::drop_root_caps().map_err(|e| context("drop capabilities", e))?;
    }
    std::env::set_var(MARK_ENV, "1");
    if !joined {
        let holder = kernel::hold_namespace(record_dir.is_some());
        if let (Some(dir), Some(r), Some(pid)) = (&record_dir, &record, holder) {
            // Not recorded: the next command builds its own namespace.
            let _ = reuse::record(dir, r, pid);
        }
    }
    Ok(Entered { no_landlock })
}

fn context(what: &str, e: io::Error) -> io::Error {
    io::Error::new(e.kind(), format!("cannot {what}: {e}"))
}

/// Does this kernel have Landlock (whose domain keeps ptrace from reaching outside)?
pub fn has_landlock() -> bool {
    kernel::landlock_abi().is_some()
}

/// Is this process inside an Interlock confinement? True when the mark is set (it can
/// only tighten) or when this binary is a read-only bind mount, which nothing inside
/// the confinement can undo.
pub fn is_confined() -> bool {
    if std::env::var_os(MARK_ENV).is_some_and(|v| !v.is_empty()) {
        return true;
    }
    let exe = Path::new("/proc/self/exe");
    kernel::is_mount_root(exe) && kernel::is_read_only(exe)
}

/// Can this machine confine? Asked in a child process, which tries the whole thing.
pub fn support() -> Support {
    use nix::sys::wait::{waitpid, WaitStatus};
    use nix::unistd::{fork, ForkResult};
    let landlock = kernel::landlock_abi();
    let (r, w) = match nix::unistd::pipe() {
        Ok(p) => p,
        Err(e) => return Support::Unavailable(format!("cannot create a pipe: {e}")),
    };
    // SAFETY: the child only makes system calls and writes to a pipe, then exits.
    match unsafe { fork() } {
        Ok(ForkResult::Child) => {
            drop(r);
            let plan = Plan::default();
            let msg = match enter(&plan) {
                Ok(e) if e.no_landlock.is_some() => "partial".to_string(),
                Ok(_) => "ok".to_string(),
                Err(e) => format!("error {e}"),
            };
            let _ = nix::unistd::write(&w, msg.as_bytes());
            // SAFETY: leave without running the parent's destructors.
            unsafe { nix::libc::_exit(0) }
        }
        Ok(ForkResult::Parent { child }) => {
            drop(w);
            let mut out = Vec::new();
            let mut f = std::fs::File::from(r);
            let _ = io::Read::read_to_end(&mut f, &mut out);
            let _ = matches!(waitpid(child, None), Ok(WaitStatus::Exited(..)));
            let msg = String::from_utf8_lossy(&out).into_owned();
            match msg.as_str() {
                "ok" => Support::Full {
                    landlock_abi: landlock.unwrap_or(0),
                },
                "partial" => Support::Partial(
                    "Landlock is not available, so a command could reach the unconfined agent through /proc/PID/root".into(),
                ),
                m => Support::Unavailable(
                    m.strip_prefix("error ")
                        .unwrap_or("the probe did not answer")
                        .to_string(),
                ),
            }
        }
        Err(e) => Support::Unavailable(format!("cannot fork: {e}")),
    }
}

/// Whether this machine can confine an agent's commands.
#[derive(Debug, Clone, PartialEq)]
pub enum Support {
    Full {
        landlock_abi: i64,
    },
    /// Mounts hold, with the reason the rest does not.
    Partial(String),
    Unavailable(String),
}

impl Support {
    /// Approvals written as files are honoured only when the agent's commands cannot
    /// write them.
    pub fn file_approvals(&self) -> bool {
        !matches!(self, Support::Unavailable(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_orders_and_dedups() {
        let dir = tempfile::tempdir().expect("tempdir");
        let a = dir.path().join("a");
        let b = a.join("b");
        std::fs::create_dir_all(&b).expect("mkdir");
        let mut plan = Plan::default();
        plan.protect(&b);
        plan.protect(&a);
        plan.protect(&dir.path().join("missing"));
        plan.finish();
        assert_eq!(plan.read_only, vec![a.clone()]);
        // The temp dir itself sits in a writable /tmp: pinned, and outermost first.
        assert!(plan.pinned.contains(&dir.path().to_path_buf()));
        assert!(!plan.pinned.contains(&a));
    }

    #[test]
    fn settings_under_a_directory_are_found_with_or_without_their_agent_dirs() {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        std::fs::create_dir_all(d.join(".codex")).expect("mkdir");
        std::fs::write(d.join(".codex/config.toml"), "").expect("write");
        std::fs::write(d.join(".interlock.toml"), "").expect("write");
        std::fs::create_dir_all(d.join(".claude")).expect("mkdir");
        std::fs::write(d.join(".claude/settings.local.json"), "{}").expect("write");
        let mut plan = Plan::default();
        plan.protect_under(d, PROJECT_SETTINGS, |_| false);
        let mut got = plan.read_only.clone();
        got.sort();
        assert_eq!(
            got,
            vec![
                d.join(".claude/settings.local.json"),
                d.join(".codex/config.toml"),
                d.join(".interlock.toml"),
            ]
        );
        let mut plan = Plan::default();
        plan.protect_under(d, PROJECT_SETTINGS, |rel| rel.starts_with(".claude/"));
        assert!(!plan
            .read_only
            .contains(&d.join(".claude/settings.local.json")));
        assert!(plan.read_only.contains(&d.join(".interlock.toml")));
    }

    #[test]
    fn symlinks_are_reported() {
        let dir = tempfile::tempdir().expect("tempdir");
        let real = dir.path().join("real");
        std::fs::write(&real, "x").expect("write");
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&real, &link).expect("symlink");
        let mut plan = Plan::default();
        plan.protect(&link);
        plan.finish();
        assert_eq!(plan.gaps.len(), 1);
        assert!(plan
            .read_only
            .contains(&real.canonicalize().expect("canon")));
    }
}
