//! Signals as bytes on a pipe (the self-pipe trick), so the relay's poll loop sees them
//! in order with its other inputs.

use nix::errno::Errno;
use nix::fcntl::OFlag;
use nix::libc;
use nix::sys::signal::{sigaction, SaFlags, SigAction, SigHandler, SigSet, Signal};
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::sync::atomic::{AtomicI32, Ordering};

static PIPE: AtomicI32 = AtomicI32::new(-1);

extern "C" fn on_signal(sig: libc::c_int) {
    let saved = Errno::last_raw();
    let fd = PIPE.load(Ordering::Relaxed);
    if fd >= 0 {
        let b = sig as u8;
        // SAFETY: write(2) is async-signal-safe; the pipe is non-blocking, so a full
        // pipe drops the byte instead of blocking the handler.
        unsafe {
            libc::write(fd, (&b as *const u8).cast(), 1);
        }
    }
    Errno::set_raw(saved);
}

pub struct Signals {
    read: OwnedFd,
    _write: OwnedFd,
}

/// The signals the wrapper handles itself.
pub const HANDLED: &[Signal] = &[
    Signal::SIGCHLD,
    Signal::SIGWINCH,
    Signal::SIGTERM,
    Signal::SIGHUP,
    Signal::SIGINT,
    Signal::SIGQUIT,
    Signal::SIGTSTP,
    Signal::SIGCONT,
];

impl Signals {
    pub fn install() -> io::Result<Signals> {
        let (read, write) =
            nix::unistd::pipe2(OFlag::O_CLOEXEC | OFlag::O_NONBLOCK).map_err(io::Error::from)?;
        PIPE.store(write.as_raw_fd(), Ordering::SeqCst);
        let action = SigAction::new(
            SigHandler::Handler(on_signal),
            SaFlags::SA_RESTART,
            SigSet::empty(),
        );
        for &s in HANDLED {
            // SAFETY: the handler only calls async-signal-safe functions.
            unsafe { sigaction(s, &action) }.map_err(io::Error::from)?;
        }
        Ok(Signals {
            read,
            _write: write,
        })
    }

    pub fn fd(&self) -> BorrowedFd<'_> {
        self.read.as_fd()
    }

    /// The signals that arrived since the last call, in order, without repeats.
    pub fn drain(&self) -> Vec<Signal> {
        let mut out = Vec::new();
        let mut buf = [0u8; 64];
        loop {
            match nix::unistd::read(self.read.as_fd(), &mut buf) {
                Ok(0) | Err(Errno::EAGAIN) => break,
                Ok(n) => {
                    for &b in &buf[..n] {
                        if let Ok(s) = Signal::try_from(b as i32) {
                            if !out.contains(&s) {
                                out.push(s);
                            }
                        }
                    }
                }
                Err(Errno::EINTR) => {}
                Err(_) => break,
            }
        }
        out
    }
}

/// Back to the default action (before stopping ourselves, and when leaving).
pub fn set_default(s: Signal) {
    let action = SigAction::new(SigHandler::SigDfl, SaFlags::empty(), SigSet::empty());
    // SAFETY: restoring the default disposition.
    unsafe {
        let _ = sigaction(s, &action);
    }
}

pub fn reinstall(s: Signal) {
    let action = SigAction::new(
        SigHandler::Handler(on_signal),
        SaFlags::SA_RESTART,
        SigSet::empty(),
    );
    // SAFETY: the handler only calls async-signal-safe functions.
    unsafe {
        let _ = sigaction(s, &action);
    }
}

/// Leave the handled signals to the relay's thread (for helper threads).
pub fn block_in_this_thread() {
    let mut set = SigSet::empty();
    for &s in HANDLED {
        set.add(s);
    }
    let _ = set.thread_block();
}
