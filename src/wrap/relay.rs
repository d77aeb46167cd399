//! The relay: one poll loop over the outer keyboard, input for the PTY, signals, the
//! broker's wake-up pipe and news from the output thread ([`super::output`], which
//! copies the child's output byte for byte). While a card is up, the child's output is
//! held (not read) and the keyboard answers the card instead.

use super::card::Card;
use super::output::Output;
use super::pty::Child;
use super::server::{Ask, Event, Reply};
use super::signals::{self, Signals};
use super::term::{self, Guardian};
use nix::errno::Errno;
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::signal::{kill, killpg, Signal};
use nix::sys::termios::{tcflush, FlushArg};
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use std::collections::VecDeque;
use std::os::fd::{AsFd, OwnedFd};
use std::sync::mpsc::Receiver;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Input for the child beyond this is not read from the keyboard until it drains.
const MAX_PENDING: usize = 1 << 20;
/// After the child exits, output still in the PTY is copied for at most this long.
const DRAIN: Duration = Duration::from_millis(200);

pub struct Relay<'a> {
    pub child: Child,
    pub signals: &'a Signals,
    pub wake: OwnedFd,
    pub events: Receiver<Event>,
    pub guardian: &'a Guardian,
}

struct State {
    out: Arc<Output>,
    /// The read end of the output thread's notification pipe.
    out_news: OwnedFd,
    to_child: Vec<u8>,
    card: Option<(Ask, Card)>,
    /// The card on screen already shows its question (it is armed).
    card_armed: bool,
    queue: VecDeque<Ask>,
    status: Option<i32>,
    master_open: bool,
    stdin_open: bool,
}

/// How the loop ended.
pub enum End {
    /// The child exited with this status (128+N for a signal).
    Exited(i32),
    /// The wrapper itself was told to stop by this signal.
    Signalled(Signal),
    /// The relay broke; the child was hung up.
    Failed(String),
}

impl Relay<'_> {
    /// Relay until the session ends. Fails only if the output thread cannot start.
    pub fn run(self) -> std::io::Result<End> {
        let (news_r, news_w) =
            nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC | nix::fcntl::OFlag::O_NONBLOCK)?;
        let out = Output::start(self.child.master.try_clone()?, news_w)?;
        let mut st = State {
            out,
            out_news: news_r,
            to_child: Vec::new(),
            card: None,
            card_armed: false,
            queue: VecDeque::new(),
            status: None,
            master_open: true,
            stdin_open: true,
        };
        let end = self.relay(&mut st);
        st.out.stop();
        Ok(end)
    }

    fn relay(&self, st: &mut State) -> End {
        let mut buf = vec![0u8; 64 * 1024];
        let mut drain_until: Option<Instant> = None;
        loop {
            // A card holds the output: the drain starts once it is answered, so what the
            // child wrote before exiting is not lost behind it.
            if st.card.is_some() {
                drain_until = None;
            } else if let Some(s) = st.status {
                let done = !st.master_open || drain_until.is_some_and(|d| Instant::now() >= d);
                if done {
                    return End::Exited(s);
                }
                drain_until.get_or_insert_with(|| Instant::now() + DRAIN);
            }
            let settling = st
                .card
                .as_ref()
                .filter(|_| !st.card_armed)
                .map(|(_, c)| c.armed_at);
            let deadline = [
                drain_until,
                st.card.as_ref().and_then(|(a, _)| a.deadline),
                settling,
            ]
            .into_iter()
            .flatten()
            .min();
            let timeout = match deadline {
                Some(d) => {
                    // Rounded up, so the loop does not spin just before the deadline.
                    let ms = d
                        .saturating_duration_since(Instant::now())
                        .as_micros()
                        .div_ceil(1000);
                    PollTimeout::try_from(ms.min(60_000) as u32).unwrap_or(PollTimeout::ZERO)
                }
                None => PollTimeout::NONE,
            };

            let stdin = term::stdin();
            let mut fds = vec![
                PollFd::new(self.signals.fd(), PollFlags::POLLIN),
                PollFd::new(self.wake.as_fd(), PollFlags::POLLIN),
                PollFd::new(st.out_news.as_fd(), PollFlags::POLLIN),
            ];
            let stdin_idx = (st.stdin_open
                && (st.card.is_some() || st.to_child.len() < MAX_PENDING))
                .then(|| {
                    fds.push(PollFd::new(stdin, PollFlags::POLLIN));
                    fds.len() - 1
                });
            let master_idx = (st.master_open && !st.to_child.is_empty()).then(|| {
                fds.push(PollFd::new(self.child.master.as_fd(), PollFlags::POLLOUT));
                fds.len() - 1
            });
            match poll(&mut fds, timeout) {
                Ok(_) => {}
                Err(Errno::EINTR) => continue,
                Err(_) => return End::Exited(st.status.unwrap_or(1)),
            }
            let ready = |i: usize| fds[i].revents().unwrap_or(PollFlags::empty());
            let sig_ready = !ready(0).is_empty();
            let wake_ready = !ready(1).is_empty();
            let news_ready = !ready(2).is_empty();
            let stdin_ready = stdin_idx.map(ready).unwrap_or(PollFlags::empty());
            let master_ready = master_idx.map(ready).unwrap_or(PollFlags::empty());
            drop(fds);

            if sig_ready {
                for s in self.signals.drain() {
                    if let Some(end) = self.on_signal(st, s) {
                        return end;
                    }
                }
            }
            if wake_ready {
                self.on_wake(st);
            }
            if news_ready {
                if let Some(end) = self.on_output_news(st) {
                    return end;
                }
            }
            if let Some((ask, card)) = &st.card {
                if ask.deadline.is_some_and(|d| Instant::now() >= d) {
                    self.close_card(st, Reply::TimedOut);
                } else if !st.card_armed && card.armed() {
                    st.card_armed = true;
                    self.draw_card(st);
                }
            }
            if !stdin_ready.is_empty() {
                match nix::unistd::read(stdin, &mut buf) {
                    Ok(0) | Err(Errno::EIO) => {
                        // The terminal went away: like a hangup.
                        st.stdin_open = false;
                        return self.hang_up(st, Signal::SIGHUP);
                    }
                    Ok(n) => self.on_input(st, &buf[..n]),
                    Err(Errno::EINTR | Errno::EAGAIN) => {}
                    Err(_) => st.stdin_open = false,
                }
            }
            if !master_ready.is_empty() {
                self.flush_to_child(st);
            }
            if st.card.is_none() {
                if let Some(ask) = st.queue.pop_front() {
                    self.open_card(st, ask);
                }
            }
        }
    }

    /// The output thread ended (the PTY closed, or it failed) or found the outer
    /// terminal gone.
    fn on_output_news(&self, st: &mut State) -> Option<End> {
        let mut b = [0u8; 64];
        while let Ok(n) = nix::unistd::read(st.out_news.as_fd(), &mut b) {
            if n < b.len() {
                break;
            }
        }
        let (closed, failed, broken) = {
            let s = st.out.lock();
            (s.closed, s.failed, s.broken)
        };
        if broken {
            st.stdin_open = false;
        }
        if failed {
            // Output that cannot be shown is a session nobody can see: end it.
            let _ = self.hang_up(st, Signal::SIGHUP);
            return Some(End::Failed(
                "the child's output could no longer be read".into(),
            ));
        }
        if closed && st.master_open {
            st.master_open = false;
            self.reap(st, false);
        }
        None
    }

    fn on_input(&self, st: &mut State, bytes: &[u8]) {
        if let Some((_, card)) = st.card.as_mut() {
            match card.feed(bytes) {
                Some(yes) => self.close_card(st, if yes { Reply::Yes } else { Reply::No }),
                None => self.draw_card(st),
            }
            return;
        }
        if !st.master_open {
            return;
        }
        st.to_child.extend_from_slice(bytes);
        self.flush_to_child(st);
    }

    fn flush_to_child(&self, st: &mut State) {
        while !st.to_child.is_empty() {
            match nix::unistd::write(self.child.master.as_fd(), &st.to_child) {
                Ok(n) => {
                    st.to_child.drain(..n);
                }
                Err(Errno::EINTR) => {}
                Err(Errno::EAGAIN) => return,
                Err(_) => {
                    st.to_child.clear();
                    return;
                }
            }
        }
    }

    fn on_wake(&self, st: &mut State) {
        let mut b = [0u8; 256];
        while let Ok(n) = nix::unistd::read(self.wake.as_fd(), &mut b) {
            if n < b.len() {
                break;
            }
        }
        while let Ok(ev) = self.events.try_recv() {
            match ev {
                Event::Ask(a) => st.queue.push_back(a),
                Event::Cancel(id) => {
                    st.queue.retain(|a| a.id != id);
                    if st.card.as_ref().is_some_and(|(a, _)| a.id == id) {
                        self.close_card(st, Reply::No);
                    }
                }
            }
        }
    }

    fn on_signal(&self, st: &mut State, s: Signal) -> Option<End> {
        match s {
            Signal::SIGCHLD => self.reap(st, false),
            Signal::SIGWINCH => {
                self.sync_size();
                if st.card.is_some() {
                    self.draw_card(st);
                }
            }
            Signal::SIGTERM | Signal::SIGHUP => return Some(self.hang_up(st, s)),
            Signal::SIGINT | Signal::SIGQUIT => {
                // Raw mode: these only come from `kill`. Deliver them as the terminal would.
                if let Ok(pg) = nix::unistd::tcgetpgrp(self.child.master.as_fd()) {
                    let _ = killpg(pg, s);
                }
            }
            Signal::SIGTSTP => {
                self.suspend(st);
            }
            Signal::SIGCONT => self.resume(st),
            _ => {}
        }
        None
    }

    fn reap(&self, st: &mut State, block: bool) {
        if st.status.is_some() {
            return;
        }
        let flags = if block {
            None
        } else {
            Some(WaitPidFlag::WNOHANG)
        };
        match waitpid(self.child.pid, flags) {
            Ok(WaitStatus::Exited(_, code)) => st.status = Some(code),
            Ok(WaitStatus::Signaled(_, sig, _)) => st.status = Some(128 + sig as i32),
            Ok(_) => {}
            Err(_) => st.status = Some(st.status.unwrap_or(1)),
        }
    }

    /// The wrapper is told to go (SIGTERM, SIGHUP, the terminal closed): hang up the
    /// session as a closing terminal would, give the child a moment, and leave.
    fn hang_up(&self, st: &mut State, s: Signal) -> End {
        if st.card.is_some() {
            self.close_card(st, Reply::No);
        }
        st.queue.clear();
        let _ = kill(self.child.pid, Signal::SIGHUP);
        let _ = kill(self.child.pid, Signal::SIGCONT);
        let until = Instant::now() + Duration::from_millis(500);
        while st.status.is_none() && Instant::now() < until {
            self.reap(st, false);
            std::thread::sleep(Duration::from_millis(5));
        }
        End::Signalled(s)
    }

    fn suspend(&self, st: &mut State) {
        st.out.hold(true);
        if st.card.is_some() {
            let _ = term::write_all(term::stdout(), term::LEAVE_CARD_SCREEN);
        }
        term::restore();
        signals::set_default(Signal::SIGTSTP);
        let _ = nix::sys::signal::raise(Signal::SIGTSTP);
        // Continued.
        signals::reinstall(Signal::SIGTSTP);
        self.resume(st);
        if st.card.is_none() {
            st.out.hold(false);
        }
    }

    fn resume(&self, st: &mut State) {
        let _ = term::enter_raw();
        self.sync_size();
        if st.card.is_some() {
            self.draw_card_screen(st);
        } else if let Ok(pg) = nix::unistd::tcgetpgrp(self.child.master.as_fd()) {
            // Let the program repaint a screen that may have changed while we slept.
            let _ = killpg(pg, Signal::SIGWINCH);
        }
    }

    fn sync_size(&self) {
        if let Some(ws) = term::winsize(term::stdout()) {
            let _ = term::set_winsize(self.child.master.as_fd(), &ws);
        }
    }

    fn open_card(&self, st: &mut State, ask: Ask) {
        // Keys typed before the card appeared are not answers.
        let _ = tcflush(term::stdin(), FlushArg::TCIFLUSH);
        let card = Card::new(ask.view.clone());
        // Waits for output being written, so the card is not drawn into its middle.
        st.out.hold(true);
        st.card = Some((ask, card));
        st.card_armed = false;
        self.guardian.card(true);
        self.draw_card_screen(st);
    }

    /// Switch to the card's screen and draw it.
    fn draw_card_screen(&self, st: &mut State) {
        let alt_screen = st.out.lock().modes.alt_screen;
        let enter: &[u8] = if alt_screen {
            b"\x1b7\x1b[?2004h"
        } else {
            b"\x1b[?1049h\x1b[?2004h"
        };
        term::set_card_screen(!alt_screen);
        let _ = term::write_all(term::stdout(), enter);
        self.draw_card(st);
    }

    fn draw_card(&self, st: &mut State) {
        let Some((_, card)) = st.card.as_mut() else {
            return;
        };
        let (cols, rows) = term::winsize(term::stdout())
            .map(|w| (w.ws_col, w.ws_row))
            .unwrap_or((80, 24));
        let _ = term::write_all(term::stdout(), &card.render(cols, rows));
    }

    fn close_card(&self, st: &mut State, answer: Reply) {
        let Some((ask, _)) = st.card.take() else {
            return;
        };
        let _ = ask.reply.send(answer);
        let (alt_screen, bracketed_paste) = {
            let s = st.out.lock();
            (s.modes.alt_screen, s.modes.bracketed_paste)
        };
        let mut out: Vec<u8> = Vec::new();
        if alt_screen {
            out.extend_from_slice(b"\x1b[2J\x1b8");
        } else {
            out.extend_from_slice(b"\x1b[2J\x1b[?1049l");
        }
        out.extend_from_slice(if bracketed_paste {
            b"\x1b[?2004h"
        } else {
            b"\x1b[?2004l"
        });
        let _ = term::write_all(term::stdout(), &out);
        term::set_card_screen(false);
        self.guardian.card(false);
        st.out.hold(false);
        if alt_screen {
            if let Ok(pg) = nix::unistd::tcgetpgrp(self.child.master.as_fd()) {
                let _ = killpg(pg, Signal::SIGWINCH);
            }
        }
    }
}
