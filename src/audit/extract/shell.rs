//! Shell scripts: the whole file is one command, judged from the scanned root (where
//! CI and people usually run `./scripts/x.sh` from).

use super::{Command, Cwd, Extracted, Mapped};

/// Shells whose scripts the bash parser reads (POSIX sh and its relatives).
const SHELLS: &[&str] = &["sh", "bash", "dash", "ash", "ksh", "mksh", "zsh", "busybox"];

/// Whether the first line of a file is a shebang naming a POSIX-like shell:
/// `#!/bin/sh`, `#!/usr/bin/env bash`, `#!/usr/bin/env -S bash -e`.
pub fn is_shell_shebang(head: &[u8]) -> bool {
    let Some(rest) = head.strip_prefix(b"#!") else {
        return false;
    };
    let line = rest.split(|b| *b == b'\n').next().unwrap_or(rest);
    let Ok(line) = std::str::from_utf8(line) else {
        return false;
    };
    let mut words = line.split_whitespace();
    let Some(first) = words.next() else {
        return false;
    };
    let mut prog = basename(first);
    if prog == "env" {
        prog = match words.find(|w| !w.starts_with('-') && !w.contains('=')) {
            Some(w) => basename(w),
            None => return false,
        };
    }
    SHELLS.contains(&prog)
}

/// Whether a shell named in a config (`bash`, `/bin/sh -e`, `bash {0}`) is one the
/// bash parser reads.
pub fn is_posix_shell(spec: &str) -> bool {
    let first = spec.split_whitespace().next().unwrap_or("");
    let prog = basename(first);
    SHELLS.contains(&prog) || prog == "interlock"
}

fn basename(p: &str) -> &str {
    p.rsplit('/').next().unwrap_or(p)
}

pub fn extract(text: &str) -> Extracted {
    Extracted {
        commands: vec![Command::new(
            Mapped::verbatim(text, 0, text.len()),
            Cwd::Repo(String::new()),
        )],
        problems: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shebangs() {
        assert!(is_shell_shebang(b"#!/bin/sh\necho"));
        assert!(is_shell_shebang(b"#! /bin/bash -e\n"));
        assert!(is_shell_shebang(b"#!/usr/bin/env bash"));
        assert!(is_shell_shebang(b"#!/usr/bin/env -S bash -eu\n"));
        assert!(!is_shell_shebang(b"#!/usr/bin/env python3\n"));
        assert!(!is_shell_shebang(b"#!/usr/bin/perl\n"));
        assert!(!is_shell_shebang(b"echo hi\n"));
        assert!(!is_shell_shebang(b"#!/usr/bin/fish\n"));
    }

    #[test]
    fn configured_shells() {
        assert!(is_posix_shell("bash"));
        assert!(is_posix_shell("bash -e {0}"));
        assert!(is_posix_shell("/bin/sh"));
        assert!(is_posix_shell("interlock audit --shell {0}"));
        assert!(!is_posix_shell("pwsh"));
        assert!(!is_posix_shell("python {0}"));
        assert!(!is_posix_shell("cmd"));
    }
}
