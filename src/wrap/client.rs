//! `interlock wrap --check-line`: the small client the bash and fish hooks run on
//! Enter. It reads the whole buffer on stdin, asks the session, and answers with its
//! exit status: 0 run it, 1 refused (the reason is printed), 2 not finished (bash only:
//! keep editing).

use super::complete;
use super::ShellKind;
use crate::broker::{self, Answer, Request};
use crate::engine::MAX_INPUT_BYTES;
use nix::sys::signal::{signal, SigHandler, Signal};
use std::io::Read;
use std::path::Path;
use std::time::Duration;

pub const RUN: i32 = 0;
pub const REFUSED: i32 = 1;
pub const INCOMPLETE: i32 = 2;

/// A card can wait for the human as long as the session lives.
const WAIT: Duration = Duration::from_secs(7 * 24 * 3600);

pub fn check_line(shell: ShellKind, bash: Option<&Path>) -> i32 {
    let mut input = Vec::new();
    if let Err(e) = std::io::stdin()
        .lock()
        .take(MAX_INPUT_BYTES as u64 + 2)
        .read_to_end(&mut input)
    {
        eprintln!("interlock: cannot read the line ({e}); not run");
        return REFUSED;
    }
    // The hooks end the line with a newline (a bash here-string always does).
    if input.last() == Some(&b'\n') {
        input.pop();
    }
    let cwd = std::env::current_dir()
        .map(|d| d.to_string_lossy().into_owned())
        .unwrap_or_default();
    let (code, msg) = judge(shell, bash, input, cwd, &mut None);
    if let Some(m) = msg {
        // fish and bash run the hook with the cursor still after the typed line:
        // start the message on a line of its own (zsh's hook does it with `zle -I`).
        if shell != ShellKind::Zsh {
            eprintln!();
        }
        eprintln!("{m}");
    }
    code
}

/// `interlock wrap --hook-relay`: the bash hook's helper for the whole session (a
/// coprocess), so Enter costs two pipe writes instead of starting a process. Reads
/// `CWD NUL LINE NUL` requests; answers each with one line: `0`, `2`, or `1 MESSAGE`.
pub fn relay(shell: ShellKind, bash: Option<&Path>) -> i32 {
    use std::io::{BufRead, Write};
    // Do not hold the start directory busy.
    let _ = std::env::set_current_dir("/");
    // The helper shares the shell's process group: Ctrl-C, Ctrl-\ and Ctrl-Z at the
    // prompt are for the shell, not for it.
    for s in [
        Signal::SIGINT,
        Signal::SIGQUIT,
        Signal::SIGTSTP,
        Signal::SIGTTIN,
        Signal::SIGTTOU,
    ] {
        // SAFETY: setting a signal to be ignored.
        unsafe {
            let _ = signal(s, SigHandler::SigIgn);
        }
    }
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut conn: Option<broker::Connection> = None;
    loop {
        let Some(cwd) = read_field(&mut input, 64 * 1024) else {
            return 0;
        };
        let Some(line) = read_field(&mut input, MAX_INPUT_BYTES + 1) else {
            return 0;
        };
        let cwd = String::from_utf8_lossy(&cwd).into_owned();
        let (code, msg) = judge(shell, bash, line, cwd, &mut conn);
        let reply = match msg {
            Some(m) if code == REFUSED => format!("1 {}\n", m.replace('\n', " ")),
            _ => format!("{code}\n"),
        };
        if out
            .write_all(reply.as_bytes())
            .and_then(|()| out.flush())
            .is_err()
        {
            return 0;
        }
        fn read_field(r: &mut impl BufRead, max: usize) -> Option<Vec<u8>> {
            let mut buf = Vec::new();
            let n = r.take(max as u64).read_until(0, &mut buf).ok()?;
            if n == 0 {
                return None;
            }
            if buf.last() == Some(&0) {
                buf.pop();
                return Some(buf);
            }
            // Too long: skip to the separator; the oversized text is refused below.
            let mut rest = Vec::new();
            r.read_until(0, &mut rest).ok()?;
            Some(buf)
        }
    }
}

/// Decide one line: the exit code and, when refused, the one-line reason. `conn` is a
/// connection to keep for the next line (the helper's), if any.
fn judge(
    shell: ShellKind,
    bash: Option<&Path>,
    line: Vec<u8>,
    cwd: String,
    conn: &mut Option<broker::Connection>,
) -> (i32, Option<String>) {
    match ask(shell, bash, line, cwd, conn) {
        Ok(code) => (code, None),
        Err(msg) => (REFUSED, Some(msg)),
    }
}

fn ask(
    shell: ShellKind,
    bash: Option<&Path>,
    line: Vec<u8>,
    cwd: String,
    conn: &mut Option<broker::Connection>,
) -> Result<i32, String> {
    if line.len() > MAX_INPUT_BYTES {
        return Err(format!(
            "interlock: the line is longer than {MAX_INPUT_BYTES} bytes; not run (run it from a file)"
        ));
    }
    let line = String::from_utf8(line)
        .map_err(|_| "interlock: the line is not valid UTF-8; not run".to_string())?;
    // An empty last line (Enter pressed twice) runs the text as it is.
    if shell == ShellKind::Bash && !line.ends_with('\n') && complete::incomplete(&line, bash) {
        return Ok(INCOMPLETE);
    }
    let (socket, token_file) = broker::from_env().ok_or(
        "interlock: not inside an `interlock wrap` session (INTERLOCK_BROKER is not set); not run",
    )?;
    let token = broker::read_token(&token_file)
        .map_err(|e| format!("interlock: cannot read the session token ({e}); not run"))?;
    let req = Request::Check {
        token,
        line,
        cwd,
        pid: nix::unistd::getppid().as_raw() as u32,
    };
    // A kept connection may have gone stale: one retry on a fresh one.
    let mut resp = conn.as_mut().map(|c| c.ask(&req, WAIT));
    if !matches!(resp, Some(Ok(_))) {
        *conn = None;
        resp = Some(broker::Connection::open(&socket).and_then(|mut c| {
            let r = c.ask(&req, WAIT);
            *conn = Some(c);
            r
        }));
    }
    let resp = resp
        .unwrap_or_else(|| Err(std::io::ErrorKind::NotConnected.into()))
        .map_err(|e| {
            format!(
            "interlock: the session guard did not answer ({e}); not run. Ctrl-D leaves the shell."
        )
        })?;
    match resp.decision {
        Answer::Allow | Answer::Approved => Ok(RUN),
        Answer::Refused => Err(resp
            .message
            .map(|m| crate::render::visible(&m, false))
            .unwrap_or_else(|| "interlock: refused; not run".into())),
    }
}
