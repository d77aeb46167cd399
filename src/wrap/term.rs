//! The outer terminal: raw mode, window size, and putting it back on every way out.
//!
//! The saved settings live in a static so that the panic hook, the signal paths and the
//! guardian process (which survives a `kill -9` of the wrapper) can all restore them.

use nix::libc;
use nix::sys::termios::{self, SetArg, Termios};
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

pub use nix::pty::Winsize;

/// The settings the outer terminal had when the session started.
static SAVED: OnceLock<libc::termios> = OnceLock::new();
/// Set while the card is on the alternate screen, so a restore also leaves it.
static CARD_SCREEN: AtomicBool = AtomicBool::new(false);

pub fn stdin() -> BorrowedFd<'static> {
    // SAFETY: fd 0 stays open for the life of the process.
    unsafe { BorrowedFd::borrow_raw(0) }
}

pub fn stdout() -> BorrowedFd<'static> {
    // SAFETY: fd 1 stays open for the life of the process.
    unsafe { BorrowedFd::borrow_raw(1) }
}

pub fn is_tty(fd: BorrowedFd) -> bool {
    termios::tcgetattr(fd).is_ok()
}

/// Remember the outer terminal's settings and return them (to copy into the PTY).
pub fn save() -> io::Result<Termios> {
    let t = termios::tcgetattr(stdin()).map_err(io::Error::from)?;
    let raw: libc::termios = t.clone().into();
    let _ = SAVED.set(raw);
    Ok(t)
}

pub fn saved() -> Option<libc::termios> {
    SAVED.get().copied()
}

/// Raw mode: every key goes to the wrapper unchanged; output is not post-processed.
pub fn enter_raw() -> io::Result<()> {
    let Some(saved) = saved() else {
        return Err(io::Error::other("terminal settings were not saved"));
    };
    let mut t = Termios::from(saved);
    termios::cfmakeraw(&mut t);
    termios::tcsetattr(stdin(), SetArg::TCSADRAIN, &t).map_err(io::Error::from)
}

/// Put the outer terminal back as it was. Only async-signal-safe calls: this also runs
/// from the panic hook and after signals.
pub fn restore() {
    if CARD_SCREEN.swap(false, Ordering::SeqCst) {
        write_raw(1, LEAVE_CARD_SCREEN);
    }
    if let Some(t) = SAVED.get() {
        // SAFETY: tcsetattr on fd 0 with a valid termios value.
        unsafe {
            libc::tcsetattr(0, libc::TCSADRAIN, t);
        }
    }
}

/// Leave the alternate screen and turn bracketed paste back off (the card's modes).
pub const LEAVE_CARD_SCREEN: &[u8] = b"\x1b[?2004l\x1b[?1049l";

pub fn set_card_screen(on: bool) {
    CARD_SCREEN.store(on, Ordering::SeqCst);
}

fn write_raw(fd: RawFd, mut buf: &[u8]) {
    while !buf.is_empty() {
        // SAFETY: writing a valid buffer to a file descriptor.
        let n = unsafe { libc::write(fd, buf.as_ptr().cast(), buf.len()) };
        if n <= 0 {
            return;
        }
        buf = &buf[n as usize..];
    }
}

/// Restore the terminal before the default panic message is printed.
pub fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
    }));
}

pub fn winsize(fd: BorrowedFd) -> Option<Winsize> {
    let mut ws = Winsize {
        ws_row: 0,
        ws_col: 0,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: TIOCGWINSZ fills a winsize struct.
    let r = unsafe { libc::ioctl(fd.as_raw_fd(), libc::TIOCGWINSZ, &mut ws) };
    (r == 0 && ws.ws_row > 0 && ws.ws_col > 0).then_some(ws)
}

pub fn set_winsize(fd: BorrowedFd, ws: &Winsize) -> io::Result<()> {
    // SAFETY: TIOCSWINSZ reads a winsize struct.
    let r = unsafe { libc::ioctl(fd.as_raw_fd(), libc::TIOCSWINSZ, ws) };
    if r == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Write all of `buf`, waiting when the descriptor is non-blocking and full.
pub fn write_all(fd: BorrowedFd, mut buf: &[u8]) -> io::Result<()> {
    use nix::errno::Errno;
    use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
    while !buf.is_empty() {
        match nix::unistd::write(fd, buf) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => buf = &buf[n..],
            Err(Errno::EINTR) => {}
            Err(Errno::EAGAIN) => {
                let mut fds = [PollFd::new(fd, PollFlags::POLLOUT)];
                match poll(&mut fds, PollTimeout::NONE) {
                    Ok(_) | Err(Errno::EINTR) => {}
                    Err(e) => return Err(e.into()),
                }
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// A process that outlives a crash of the wrapper (even `kill -9`): when the wrapper's
/// end of the pipe closes without a clean goodbye, it restores the terminal and removes
/// the session directory.
pub struct Guardian {
    pipe: OwnedFd,
}

const CLEAN: u8 = b'C';
const CARD_UP: u8 = b'A';
const CARD_DOWN: u8 = b'a';

impl Guardian {
    /// Fork the guardian. Call before any thread is started.
    pub fn spawn(cleanup_dir: &std::path::Path) -> io::Result<Guardian> {
        use nix::fcntl::OFlag;
        use nix::unistd::{fork, ForkResult};
        let saved = saved().ok_or_else(|| io::Error::other("terminal settings not saved"))?;
        let dir = cleanup_dir.to_path_buf();
        let (r, w) = nix::unistd::pipe2(OFlag::O_CLOEXEC).map_err(io::Error::from)?;
        // SAFETY: the process is single-threaded here (documented precondition), so the
        // child may run ordinary code before it exits.
        match unsafe { fork() }.map_err(io::Error::from)? {
            ForkResult::Parent { .. } => {
                drop(r);
                Ok(Guardian { pipe: w })
            }
            ForkResult::Child => {
                drop(w);
                guard_until_closed(r, saved, &dir)
            }
        }
    }

    fn send(&self, b: u8) {
        let _ = nix::unistd::write(&self.pipe, &[b]);
    }

    pub fn card(&self, up: bool) {
        self.send(if up { CARD_UP } else { CARD_DOWN });
    }

    /// The wrapper is leaving in order: nothing to restore.
    pub fn clean_exit(self) {
        self.send(CLEAN);
    }
}

fn guard_until_closed(r: OwnedFd, saved: libc::termios, dir: &std::path::Path) -> ! {
    use nix::sys::signal::{signal, SigHandler, Signal};
    // SIGHUP too: when the wrapper (a session leader) dies, its terminal's foreground
    // group is hung up — that is exactly when the guardian must stay to restore it.
    for s in [
        Signal::SIGHUP,
        Signal::SIGINT,
        Signal::SIGQUIT,
        Signal::SIGTERM,
        Signal::SIGTSTP,
        Signal::SIGTTOU,
        Signal::SIGTTIN,
    ] {
        // SAFETY: setting a signal to be ignored.
        unsafe {
            let _ = signal(s, SigHandler::SigIgn);
        }
    }
    // Keep only the terminal and the pipe.
    // SAFETY: closing descriptors this forked child does not use.
    for fd in 3..1024 {
        if fd != r.as_raw_fd() {
            unsafe {
                libc::close(fd);
            }
        }
    }
    let mut state = CARD_DOWN;
    let mut buf = [0u8; 64];
    loop {
        match nix::unistd::read(r.as_fd(), &mut buf) {
            Ok(0) => break,
            Ok(n) => state = buf[n - 1],
            Err(nix::errno::Errno::EINTR) => {}
            Err(_) => break,
        }
    }
    if state != CLEAN {
        if state == CARD_UP {
            write_raw(1, LEAVE_CARD_SCREEN);
        }
        // SAFETY: restoring saved settings on fd 0.
        unsafe {
            libc::tcsetattr(0, libc::TCSANOW, &saved);
        }
        let _ = std::fs::remove_dir_all(dir);
    }
    // SAFETY: leave without running the parent's atexit handlers or destructors.
    unsafe { libc::_exit(0) }
}
