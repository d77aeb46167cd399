//! Becoming the real shell: `execve` with the same argv and environment (plus the
//! agent-shell mark), so the exit status, signals, file descriptors and signal
//! dispositions are the real shell's own. A script read from stdin is handed on
//! byte for byte through a pipe.

use nix::fcntl::{fcntl, FcntlArg, OFlag};
use nix::unistd::{dup2_stdin, execve, fork, pipe2, write, ForkResult};
use std::ffi::{CString, OsStr, OsString};
use std::io::{self, Read};
use std::mem::ManuallyDrop;
use std::os::fd::{AsFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::Path;

/// Set in the real shell's environment: `interlock approve` refuses to run under it.
pub const MARK_ENV: &str = "INTERLOCK_AGENT_SHELL";

/// A script already read from stdin; `more` when stdin still holds unread bytes
/// (the script was longer than Interlock reads).
pub struct Feed {
    pub bytes: Vec<u8>,
    pub more: bool,
}

/// Read stdin up to `limit + 1` bytes (one more tells that there was more).
pub fn read_stdin(limit: usize) -> io::Result<Feed> {
    // fd 0 without Rust's buffering, so nothing read stays behind in a buffer.
    let mut stdin = ManuallyDrop::new(unsafe { std::fs::File::from_raw_fd(0) });
    let mut bytes = Vec::new();
    (&mut *stdin)
        .take(limit as u64 + 1)
        .read_to_end(&mut bytes)?;
    let more = bytes.len() > limit;
    Ok(Feed { bytes, more })
}

/// Replace this process with `shell`. Returns only on failure.
pub fn exec(shell: &Path, argv: &[OsString], mark: bool, feed: Option<Feed>) -> io::Error {
    match prepare(shell, argv, mark) {
        Ok((path, args, env)) => {
            if let Some(feed) = feed {
                if let Err(e) = feed_stdin(feed) {
                    return e;
                }
            }
            match execve(&path, &args, &env) {
                Ok(never) => match never {},
                Err(e) => io::Error::from(e),
            }
        }
        Err(e) => e,
    }
}

/// Become `interlock confine --argv0 ARGV0 -- SHELL ARGS…`, which enters the
/// confinement in a fresh, single-threaded process and then becomes the shell.
/// Returns only on failure.
pub fn exec_confined(shell: &Path, argv: &[OsString], feed: Option<Feed>) -> io::Error {
    let me = match std::env::current_exe() {
        Ok(p) => p,
        Err(e) => return e,
    };
    let mut args: Vec<OsString> = vec![
        OsString::from("interlock"),
        OsString::from("confine"),
        OsString::from("--argv0"),
        argv.first()
            .cloned()
            .unwrap_or_else(|| shell.as_os_str().to_owned()),
        OsString::from("--"),
        shell.as_os_str().to_owned(),
    ];
    args.extend(argv.iter().skip(1).cloned());
    std::env::set_var(MARK_ENV, "1");
    exec(&me, &args, false, feed)
}

type Prepared = (CString, Vec<CString>, Vec<CString>);

fn prepare(shell: &Path, argv: &[OsString], mark: bool) -> io::Result<Prepared> {
    let c = |s: &OsStr| {
        CString::new(s.as_bytes()).map_err(|_| {
            io::Error::new(io::ErrorKind::InvalidInput, "an argument holds a NUL byte")
        })
    };
    let path = c(shell.as_os_str())?;
    let args = argv.iter().map(|a| c(a)).collect::<io::Result<Vec<_>>>()?;
    let mut env = Vec::new();
    for (k, v) in std::env::vars_os() {
        if mark && k == MARK_ENV {
            continue;
        }
        let mut kv = k.into_vec();
        kv.push(b'=');
        kv.extend_from_slice(v.as_bytes());
        env.push(c(OsStr::from_bytes(&kv))?);
    }
    if mark {
        env.push(c(OsStr::new(&format!("{MARK_ENV}=1")))?);
    }
    Ok((path, args, env))
}

/// Put the script on a pipe that becomes stdin. It is written before the exec when
/// the pipe can hold it all; otherwise a child process writes it (and whatever stdin
/// still holds) while the shell reads.
fn feed_stdin(feed: Feed) -> io::Result<()> {
    let (read_end, write_end) = pipe2(OFlag::O_CLOEXEC).map_err(io::Error::from)?;
    let capacity = grow_pipe(&write_end, feed.bytes.len());
    if !feed.more && feed.bytes.len() <= capacity {
        write_all(&write_end, &feed.bytes)?;
        drop(write_end);
    } else {
        // SAFETY: the process is single-threaded here; the child only writes and exits.
        match unsafe { fork() }.map_err(io::Error::from)? {
            ForkResult::Child => {
                drop(read_end);
                let mut ok = write_all(&write_end, &feed.bytes).is_ok();
                if ok && feed.more {
                    ok = copy_stdin(&write_end).is_ok();
                }
                // SAFETY: leave without running anything of the parent's.
                unsafe { nix::libc::_exit(if ok { 0 } else { 1 }) }
            }
            ForkResult::Parent { .. } => drop(write_end),
        }
    }
    dup2_stdin(&read_end).map_err(io::Error::from)?;
    Ok(())
}

/// Make the pipe big enough for `len` bytes if the system allows; returns its size.
fn grow_pipe(fd: &OwnedFd, len: usize) -> usize {
    let current = fcntl(fd, FcntlArg::F_GETPIPE_SZ).unwrap_or(4096) as usize;
    if len <= current {
        return current;
    }
    let want = i32::try_from(len).unwrap_or(i32::MAX);
    fcntl(fd, FcntlArg::F_SETPIPE_SZ(want))
        .map(|n| n as usize)
        .unwrap_or(current)
}

fn write_all(fd: &OwnedFd, mut bytes: &[u8]) -> io::Result<()> {
    while !bytes.is_empty() {
        match write(fd.as_fd(), bytes) {
            Ok(n) => bytes = &bytes[n..],
            Err(nix::errno::Errno::EINTR) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

fn copy_stdin(out: &OwnedFd) -> io::Result<()> {
    let mut stdin = ManuallyDrop::new(unsafe { std::fs::File::from_raw_fd(0) });
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match stdin.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        write_all(out, &buf[..n])?;
    }
}
