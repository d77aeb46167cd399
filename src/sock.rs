//! Sockets written without SIGPIPE.
//!
//! The binary keeps SIGPIPE's default action (the agent shell hands the real shell
//! exactly what it was given, and ignored signals survive `exec`), so a plain
//! `write(2)` to a socket whose peer has gone away kills the process. For a hook that
//! is the worst way to fail: the agent sees a hook that died, not a stop, and may run
//! the command. Every socket Interlock writes to goes through [`NoSigPipe`], which
//! sends with `MSG_NOSIGNAL` and so turns a vanished peer into an `EPIPE` error.

use nix::libc;
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, AsRawFd};

/// A socket (or a reference to one) whose writes never raise SIGPIPE.
#[derive(Debug)]
pub struct NoSigPipe<S>(pub S);

impl<S> NoSigPipe<S> {
    pub fn get_ref(&self) -> &S {
        &self.0
    }
}

impl<S: Read> Read for NoSigPipe<S> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf)
    }
}

#[cfg(any(target_os = "linux", target_os = "android", target_os = "freebsd"))]
const FLAGS: libc::c_int = libc::MSG_NOSIGNAL;
// Elsewhere (macOS) there is no MSG_NOSIGNAL; SO_NOSIGPIPE is set on each write's
// socket instead, which is idempotent and cheap.
#[cfg(not(any(target_os = "linux", target_os = "android", target_os = "freebsd")))]
const FLAGS: libc::c_int = 0;

#[cfg(any(target_os = "macos", target_os = "ios"))]
fn no_sigpipe(fd: libc::c_int) {
    let on: libc::c_int = 1;
    // SAFETY: a valid socket and a pointer to a live c_int of the size given.
    unsafe {
        libc::setsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_NOSIGPIPE,
            (&on as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        );
    }
}

#[cfg(not(any(target_os = "macos", target_os = "ios")))]
fn no_sigpipe(_fd: libc::c_int) {}

impl<S: AsFd> Write for NoSigPipe<S> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let fd = self.0.as_fd().as_raw_fd();
        no_sigpipe(fd);
        loop {
            // SAFETY: `buf` is valid for `buf.len()` bytes; `fd` is the socket's own.
            let n = unsafe { libc::send(fd, buf.as_ptr().cast(), buf.len(), FLAGS) };
            if n >= 0 {
                return Ok(n as usize);
            }
            let e = io::Error::last_os_error();
            if e.kind() != io::ErrorKind::Interrupted {
                return Err(e);
            }
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::net::UnixStream;

    /// Writing to a socket whose peer is gone is an error, and the test process (given
    /// SIGPIPE's default action for the test, as the binary has) lives on.
    #[test]
    fn a_vanished_peer_is_an_error_not_a_signal() {
        // SAFETY: restores the default action for this test process only.
        unsafe {
            libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        }
        let (a, b) = UnixStream::pair().expect("pair");
        drop(b);
        let mut w = NoSigPipe(&a);
        let e = w.write_all(b"hello").expect_err("the peer is gone");
        assert_eq!(e.kind(), io::ErrorKind::BrokenPipe);
        let mut r = NoSigPipe(&a);
        let mut buf = [0u8; 4];
        assert_eq!(r.read(&mut buf).expect("eof"), 0);
        // SAFETY: back to what the test harness had.
        unsafe {
            libc::signal(libc::SIGPIPE, libc::SIG_IGN);
        }
    }
}
