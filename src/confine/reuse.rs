//! One confinement per plan, shared by the commands that need it.
//!
//! Building the confinement (a user and a mount namespace, a bind per protected path,
//! and the namespace's teardown when its last process leaves) is most of what the agent
//! shell adds to a command. The namespace only depends on the plan, so the first
//! command builds it and leaves a small holder process in it for `HOLD_SECS`; later
//! commands with the same plan join it with `setns` instead.
//!
//! The record of a namespace lives in Interlock's state directory, which is read-only
//! inside every confinement, so no confined command can point it elsewhere. A record
//! is trusted only if the process it names still has the start time it was recorded
//! with and the namespace files opened through it are the recorded namespaces (inode
//! numbers checked on the open descriptors, so a reused PID cannot substitute a
//! namespace of its own). Anything else and the command builds a fresh confinement.
//! Root has no user namespace to join, only the mount namespace, and drops its
//! capabilities after joining as it does after building one.

use super::kernel;
use super::Plan;
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// How long a holder keeps its namespace for later commands.
pub const HOLD_SECS: i64 = 600;

/// What identifies a shared namespace.
#[derive(Debug, PartialEq, Eq)]
struct Record {
    pid: i32,
    start: u64,
    user: u64,
    mnt: u64,
}

impl Record {
    fn parse(text: &str) -> Option<Record> {
        let mut it = text.split_whitespace().map(|t| t.parse::<u64>().ok());
        let pid = i32::try_from(it.next()??).ok().filter(|p| *p > 1)?;
        let r = Record {
            pid,
            start: it.next()??,
            user: it.next()??,
            mnt: it.next()??,
        };
        it.next().is_none().then_some(r)
    }

    fn text(&self) -> String {
        format!("{} {} {} {}\n", self.pid, self.start, self.user, self.mnt)
    }
}

/// Where the record for `plan` is kept, or `None` when this plan is not shared.
pub fn record_path(plan: &Plan) -> Option<PathBuf> {
    if !plan.reusable {
        return None;
    }
    let state = crate::approval::state_dir()?;
    let mut h = Sha256::new();
    h.update(nix::unistd::getuid().as_raw().to_le_bytes());
    h.update(nix::unistd::getgid().as_raw().to_le_bytes());
    for (tag, list) in [
        (b'r', &plan.read_only),
        (b'p', &plan.pinned),
        (b'h', &plan.hidden),
    ] {
        for p in list.iter() {
            h.update([tag]);
            h.update(p.as_os_str().as_encoded_bytes());
            h.update([0]);
        }
    }
    let digest = h.finalize();
    let name: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
    Some(state.join("ns").join(name))
}

/// Join the namespace recorded at `record`, if it is still the one recorded.
pub fn join(record: &Path) -> io::Result<()> {
    let text = std::fs::read_to_string(record)?;
    let r = Record::parse(&text)
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "a malformed record"))?;
    // Never the namespace this process is already in: that is no confinement.
    let own = |ns: &str| std::fs::metadata(format!("/proc/self/ns/{ns}")).map(|m| m.ino());
    let root = nix::unistd::geteuid().is_root();
    if r.mnt == own("mnt")? || (!root && r.user == own("user")?) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "the record names an unconfined namespace",
        ));
    }
    let user = File::open(format!("/proc/{}/ns/user", r.pid))?;
    let mnt = File::open(format!("/proc/{}/ns/mnt", r.pid))?;
    let same = user.metadata()?.ino() == r.user
        && mnt.metadata()?.ino() == r.mnt
        && start_time(r.pid)? == r.start;
    if !same {
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            "the recorded namespace is gone",
        ));
    }
    if !root {
        kernel::set_namespace(user.as_raw_fd(), nix::libc::CLONE_NEWUSER)?;
    }
    kernel::set_namespace(mnt.as_raw_fd(), nix::libc::CLONE_NEWNS)
}

/// Record the namespace this process is in, held by `holder`. `dir` is the record's
/// directory, opened before the mounts made it read-only here. Written to a temporary
/// name and renamed, so a reader sees a whole record or none.
pub fn record(dir: &File, path: &Path, holder: i32) -> io::Result<()> {
    use nix::fcntl::{openat, renameat, OFlag};
    use nix::sys::stat::Mode;
    let ino = |ns: &str| std::fs::metadata(format!("/proc/self/ns/{ns}")).map(|m| m.ino());
    let r = Record {
        pid: holder,
        start: start_time(holder)?,
        user: ino("user")?,
        mnt: ino("mnt")?,
    };
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no file name"))?;
    let tmp = format!(".{}.tmp", std::process::id());
    let fd = openat(
        dir,
        tmp.as_str(),
        OFlag::O_WRONLY | OFlag::O_CREAT | OFlag::O_TRUNC | OFlag::O_CLOEXEC | OFlag::O_NOFOLLOW,
        Mode::from_bits_truncate(0o600),
    )?;
    let mut f = File::from(fd);
    io::Write::write_all(&mut f, r.text().as_bytes())?;
    drop(f);
    renameat(dir, tmp.as_str(), dir, name)?;
    Ok(())
}

/// A process's start time (clock ticks after boot: field 22 of `/proc/PID/stat`).
fn start_time(pid: i32) -> io::Result<u64> {
    // One read into a buffer that fits any stat line (read_to_string would grow its
    // buffer over five reads; this runs for every command).
    use std::io::Read;
    let mut buf = [0u8; 4096];
    let mut f = std::fs::File::open(format!("/proc/{pid}/stat"))?;
    let n = f.read(&mut buf)?;
    let stat = std::str::from_utf8(&buf[..n])
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "unreadable stat"))?;
    // The command name (field 2) may hold spaces and parentheses: count from its end.
    let after = stat
        .rfind(')')
        .map(|i| &stat[i + 1..])
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "unreadable stat"))?;
    after
        .split_whitespace()
        .nth(19)
        .and_then(|t| t.parse().ok())
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "unreadable stat"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_and_reject_junk() {
        let r = Record {
            pid: 4242,
            start: 99,
            user: 4026531837,
            mnt: 4026531841,
        };
        assert_eq!(Record::parse(&r.text()), Some(r));
        for bad in [
            "",
            "1 2 3 4",
            "4242 1 2",
            "4242 1 2 3 4",
            "x 1 2 3",
            "-5 1 2 3",
        ] {
            assert_eq!(Record::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn start_time_of_this_process() {
        let me = std::process::id() as i32;
        assert_eq!(start_time(me).ok(), start_time(me).ok());
        assert!(start_time(me).is_ok_and(|t| t > 0));
        assert!(start_time(i32::MAX).is_err());
    }
}
