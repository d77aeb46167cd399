//! Is this process running under an Interlock agent shell? The agent shell marks the
//! real shell's environment (`INTERLOCK_AGENT_SHELL=1`); a command can unset the
//! variable, but not the environment its ancestors were started with, which
//! `/proc/PID/environ` still shows.

use super::MARK_ENV;

/// How many parents are looked at (a chain longer than this is not a normal session).
const MAX_DEPTH: usize = 128;

/// The pid of the closest agent shell among this process and its ancestors, if any
/// (0 when only this process's own environment carries the mark).
pub fn agent_shell_ancestor() -> Option<u32> {
    if std::env::var_os(MARK_ENV).is_some_and(|v| !v.is_empty()) {
        return Some(0);
    }
    let mut pid = std::os::unix::process::parent_id();
    for _ in 0..MAX_DEPTH {
        if pid <= 1 {
            return None;
        }
        if environ_has_mark(pid) {
            return Some(pid);
        }
        pid = parent_of(pid)?;
    }
    None
}

fn environ_has_mark(pid: u32) -> bool {
    let Ok(env) = std::fs::read(format!("/proc/{pid}/environ")) else {
        return false;
    };
    let prefix = format!("{MARK_ENV}=");
    env.split(|b| *b == 0)
        .any(|kv| kv.len() > prefix.len() && kv.starts_with(prefix.as_bytes()))
}

fn parent_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // `pid (comm) state ppid …`; comm may hold spaces and parentheses.
    let after = &stat[stat.rfind(')')? + 1..];
    after.split_whitespace().nth(1)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_parent_chain() {
        let me = std::process::id();
        assert_eq!(parent_of(me), Some(std::os::unix::process::parent_id()));
        assert_eq!(parent_of(u32::MAX), None);
    }
}
