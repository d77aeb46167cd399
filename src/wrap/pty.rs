//! The PTY the session runs in: opened with the outer terminal's settings and size, the
//! child made a session leader with the PTY as its controlling terminal.

use super::term::Winsize;
use nix::fcntl::{fcntl, FcntlArg, FdFlag, OFlag};
use nix::libc;
use nix::sys::termios::Termios;
use nix::unistd::Pid;
use std::io;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};

pub struct Child {
    pub pid: Pid,
    /// Non-blocking, close-on-exec.
    pub master: OwnedFd,
}

/// Open a PTY like the outer terminal and start `cmd` on it.
pub fn spawn(mut cmd: Command, termios: &Termios, size: Option<&Winsize>) -> io::Result<Child> {
    let pty = nix::pty::openpty(size, Some(termios)).map_err(io::Error::from)?;
    let master = pty.master;
    fcntl(master.as_fd(), FcntlArg::F_SETFD(FdFlag::FD_CLOEXEC)).map_err(io::Error::from)?;
    {
        let slave = pty.slave;
        fcntl(slave.as_fd(), FcntlArg::F_SETFD(FdFlag::FD_CLOEXEC)).map_err(io::Error::from)?;
        cmd.stdin(Stdio::from(slave.try_clone()?))
            .stdout(Stdio::from(slave.try_clone()?))
            .stderr(Stdio::from(slave));
        // SAFETY: only async-signal-safe calls between fork and exec.
        unsafe {
            cmd.pre_exec(|| {
                if libc::setsid() < 0 {
                    return Err(io::Error::last_os_error());
                }
                if libc::ioctl(0, libc::TIOCSCTTY as _, 0) < 0 {
                    return Err(io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = cmd.spawn()?;
        // `cmd` still holds copies of the slave: drop them so the master sees EOF
        // when the session ends.
        drop(cmd);
        let pid = Pid::from_raw(child.id() as i32);
        let flags = fcntl(master.as_fd(), FcntlArg::F_GETFL).map_err(io::Error::from)?;
        fcntl(
            master.as_fd(),
            FcntlArg::F_SETFL(OFlag::from_bits_truncate(flags) | OFlag::O_NONBLOCK),
        )
        .map_err(io::Error::from)?;
        // The std handle is not needed: the relay reaps the child with waitpid.
        std::mem::forget(child);
        Ok(Child { pid, master })
    }
}
