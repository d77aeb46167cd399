//! The child's output on its own thread: wait for the PTY, read, write to the outer
//! terminal. Keeping this path out of the relay's poll loop takes one wake-up and the
//! loop's bookkeeping off every echoed key (`benches/wrap.rs`, echo).
//!
//! The relay holds the output while a card is up or the wrapper is suspended: the thread
//! then leaves the child's bytes in the PTY (so the child blocks, as on a paused
//! terminal) and writes nothing over the card.

use super::modes::Modes;
use super::signals;
use super::term;
use nix::errno::Errno;
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use std::os::fd::{AsFd, OwnedFd};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

/// What the relay and the output thread share.
pub struct Output {
    screen: Mutex<Screen>,
    resumed: Condvar,
    /// Written to whenever the thread has news for the relay (the PTY closed).
    notify: OwnedFd,
}

/// The outer terminal as the output thread sees it. Holding the lock means nothing of
/// the child's is being written.
pub struct Screen {
    pub modes: Modes,
    /// The card (or a suspend) owns the terminal: the child's output waits.
    pub held: bool,
    /// The session is over: nothing more is written.
    stopped: bool,
    /// The thread has ended: the PTY reached end of file (the child side closed), or
    /// `failed`.
    pub closed: bool,
    /// The thread ended on an error or a panic: the child's output can no longer be
    /// shown, so the session must end.
    pub failed: bool,
    /// Writing to the outer terminal failed: it is gone.
    pub broken: bool,
}

impl Output {
    /// Start the thread on its own descriptor for the (non-blocking) PTY master.
    /// `notify` is the write end of a pipe the relay polls.
    pub fn start(master: OwnedFd, notify: OwnedFd) -> std::io::Result<Arc<Output>> {
        let out = Arc::new(Output {
            screen: Mutex::new(Screen {
                modes: Modes::default(),
                held: false,
                stopped: false,
                closed: false,
                failed: false,
                broken: false,
            }),
            resumed: Condvar::new(),
            notify,
        });
        let shared = out.clone();
        std::thread::Builder::new()
            .name("output".into())
            .spawn(move || {
                // Signals belong to the relay's thread (its self-pipe sees them anyway).
                signals::block_in_this_thread();
                // Whatever ends the thread (end of file, an error, a panic), the relay
                // hears of it and stops waiting for output.
                let mut done = Done(&shared, true);
                done.1 = !shared.copy(&master);
            })?;
        Ok(out)
    }

    /// The shared screen state; a poisoned lock (the thread panicked) is still usable.
    pub fn lock(&self) -> MutexGuard<'_, Screen> {
        self.screen.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Hold (or release) the child's output. Holding waits for a write in progress.
    pub fn hold(&self, on: bool) {
        self.lock().held = on;
        if !on {
            self.resumed.notify_all();
        }
    }

    /// The session is over: after this returns, the thread writes nothing.
    pub fn stop(&self) {
        self.lock().stopped = true;
        self.resumed.notify_all();
    }

    /// Copy until the PTY closes or the session stops (true), or an error (false).
    fn copy(&self, master: &OwnedFd) -> bool {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let mut fds = [PollFd::new(master.as_fd(), PollFlags::POLLIN)];
            match poll(&mut fds, PollTimeout::NONE) {
                Ok(_) | Err(Errno::EINTR) => {}
                Err(_) => return false,
            }
            let mut s = self.lock();
            while s.held && !s.stopped {
                s = self.resumed.wait(s).unwrap_or_else(|e| e.into_inner());
            }
            if s.stopped {
                return true;
            }
            match nix::unistd::read(master.as_fd(), &mut buf) {
                Ok(0) | Err(Errno::EIO) => return true,
                Ok(n) => {
                    s.modes.feed(&buf[..n]);
                    if !s.broken && term::write_all(term::stdout(), &buf[..n]).is_err() {
                        s.broken = true;
                        drop(s);
                        self.wake();
                    }
                }
                Err(Errno::EINTR | Errno::EAGAIN) => {}
                Err(_) => return false,
            }
        }
    }

    fn wake(&self) {
        let _ = nix::unistd::write(&self.notify, &[1]);
    }
}

/// Marks the thread ended (and whether it failed) and wakes the relay, however the
/// thread ends: a panic unwinds through here with the failure still set.
struct Done<'a>(&'a Output, bool);

impl Drop for Done<'_> {
    fn drop(&mut self) {
        {
            let mut s = self.0.lock();
            s.closed = true;
            s.failed = self.1;
        }
        self.0.wake();
    }
}
