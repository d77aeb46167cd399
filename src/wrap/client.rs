//! `interlock wrap --check-line`: the small client the bash and fish hooks run on
//! Enter. It reads the whole buffer on stdin, asks the session, and answers with its
//! exit status: 0 run it, 1 refused (the reason is printed), 2 not finished (bash only:
//! keep editing).

use super::complete;
use super::ShellKind;
use crate::broker::{self, Answer, Request};
use crate::engine::MAX_INPUT_BYTES;
use std::io::Read;
use std::path::Path;
use std::time::Duration;

pub const RUN: i32 = 0;
pub const REFUSED: i32 = 1;
pub const INCOMPLETE: i32 = 2;

/// A card can wait for the human as long as the session lives.
const WAIT: Duration = Duration::from_secs(7 * 24 * 3600);

pub fn check_line(shell: ShellKind, bash: Option<&Path>) -> i32 {
    match ask(shell, bash) {
        Ok(code) => code,
        Err(msg) => {
            eprintln!("{msg}");
            REFUSED
        }
    }
}

fn ask(shell: ShellKind, bash: Option<&Path>) -> Result<i32, String> {
    let mut input = Vec::new();
    std::io::stdin()
        .lock()
        .take(MAX_INPUT_BYTES as u64 + 2)
        .read_to_end(&mut input)
        .map_err(|e| format!("interlock: cannot read the line ({e}); not run"))?;
    if input.last() == Some(&b'\n') {
        input.pop();
    }
    if input.len() > MAX_INPUT_BYTES {
        return Err(format!(
            "interlock: the line is longer than {MAX_INPUT_BYTES} bytes; not run (run it from a file)"
        ));
    }
    let line = String::from_utf8(input)
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
    let cwd = std::env::current_dir()
        .map(|d| d.to_string_lossy().into_owned())
        .unwrap_or_default();
    let req = Request::Check {
        token,
        line,
        cwd,
        pid: nix::unistd::getppid().as_raw() as u32,
    };
    let resp = broker::ask(&socket, &req, WAIT).map_err(|e| {
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
