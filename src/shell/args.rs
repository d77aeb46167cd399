//! Reading a shell's command line the way bash and zsh do, to find what it will run:
//! a `-c` string, a script file, a script on stdin, or nothing (an interactive shell).
//!
//! Only what decides *what runs* is read; every other option is passed on untouched.
//! Where the two shells differ, the reading that finds code to check wins.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;

/// What the shell will run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// `-c CODE [NAME [ARGS…]]`: `params` are `$0 $1 …`.
    Command {
        code: OsString,
        params: Vec<OsString>,
    },
    /// `SCRIPT [ARGS…]`.
    File { path: OsString, args: Vec<OsString> },
    /// Commands read from stdin: `-s [ARGS…]`, or no operand with stdin not a terminal.
    Stdin { args: Vec<OsString> },
    /// Nothing to check: an interactive shell on a terminal, `--version`, `--help`,
    /// or `-c` without its string (the shell reports the error).
    Handover,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShellArgs {
    pub mode: Mode,
    /// `--rcfile FILE` / `--init-file FILE`: read by interactive shells, even with `-c`.
    pub rc_files: Vec<OsString>,
    /// `-i`: interactive (an `-i -c` shell reads the rc file too).
    pub interactive: bool,
}

/// Long options (bash, zsh) that take the next word as their value.
const LONG_WITH_VALUE: &[&str] = &["rcfile", "init-file", "emulate"];

/// Parse the arguments after argv[0]. `stdin_is_tty` decides between an interactive
/// shell and a script on stdin when no command is given.
pub fn parse(args: &[OsString], stdin_is_tty: bool) -> ShellArgs {
    let mut rc_files = Vec::new();
    let mut interactive = false;
    let mut command = false;
    let mut from_stdin = false;
    let mut i = 0;
    // Long options come first (bash reads them only before the short ones).
    while let Some(a) = args.get(i) {
        let Some(long) = a.as_bytes().strip_prefix(b"--") else {
            break;
        };
        if long.is_empty() {
            break;
        }
        let name = String::from_utf8_lossy(long);
        if name == "version" || name == "help" {
            // Both shells print and exit before running anything.
            return ShellArgs {
                mode: Mode::Handover,
                rc_files,
                interactive,
            };
        }
        if LONG_WITH_VALUE.contains(&name.as_ref()) {
            if name != "emulate" {
                if let Some(v) = args.get(i + 1) {
                    rc_files.push(v.clone());
                }
            }
            i += 2;
            continue;
        }
        if name == "interactive" {
            interactive = true;
        }
        i += 1;
    }
    while let Some(a) = args.get(i) {
        let b = a.as_bytes();
        if b == b"-" || b == b"--" {
            i += 1;
            break;
        }
        let (Some(&sign), true) = (b.first(), b.len() > 1) else {
            break;
        };
        if sign != b'-' && sign != b'+' {
            break;
        }
        if b.starts_with(b"--") {
            // zsh accepts long option names anywhere among the options.
            let name = String::from_utf8_lossy(&b[2..]);
            if LONG_WITH_VALUE.contains(&name.as_ref()) {
                i += 1;
            }
            i += 1;
            continue;
        }
        let mut takes = 0;
        let mut ends = false;
        for &c in &b[1..] {
            match c {
                b'c' => command = true,
                b's' => from_stdin = true,
                b'i' if sign == b'-' => interactive = true,
                b'o' | b'O' => takes += 1,
                // zsh: `-b` ends the options.
                b'b' => ends = true,
                _ => {}
            }
        }
        i += 1 + takes;
        if ends {
            break;
        }
    }
    let operands = args.get(i..).unwrap_or(&[]);
    let mode = if command {
        match operands.split_first() {
            Some((code, params)) => Mode::Command {
                code: code.clone(),
                params: params.to_vec(),
            },
            None => Mode::Handover,
        }
    } else if let (false, Some((path, rest))) = (from_stdin, operands.split_first()) {
        Mode::File {
            path: path.clone(),
            args: rest.to_vec(),
        }
    } else if stdin_is_tty {
        Mode::Handover
    } else {
        Mode::Stdin {
            args: operands.to_vec(),
        }
    };
    ShellArgs {
        mode,
        rc_files,
        interactive,
    }
}

/// The shell a link name stands for: `interlock-zsh` → zsh; anything else with
/// `bash` or `zsh` in it likewise.
pub fn shell_for_name(argv0: &OsStr) -> Option<&'static str> {
    let base = std::path::Path::new(argv0).file_name()?.as_bytes();
    let has = |needle: &[u8]| base.windows(needle.len()).any(|w| w == needle);
    if has(b"zsh") {
        Some("zsh")
    } else if has(b"bash") {
        Some("bash")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(args: &[&str], tty: bool) -> ShellArgs {
        let v: Vec<OsString> = args.iter().map(OsString::from).collect();
        parse(&v, tty)
    }

    fn cmd(code: &str, params: &[&str]) -> Mode {
        Mode::Command {
            code: code.into(),
            params: params.iter().map(OsString::from).collect(),
        }
    }

    #[test]
    fn every_way_agents_pass_a_command() {
        assert_eq!(p(&["-c", "ls"], false).mode, cmd("ls", &[]));
        assert_eq!(p(&["-lc", "ls"], false).mode, cmd("ls", &[]));
        assert_eq!(p(&["-l", "-c", "ls"], false).mode, cmd("ls", &[]));
        assert_eq!(p(&["--login", "-c", "ls"], false).mode, cmd("ls", &[]));
        assert_eq!(
            p(
                &["--noprofile", "--norc", "-eo", "pipefail", "-c", "ls"],
                false
            )
            .mode,
            cmd("ls", &[])
        );
        assert_eq!(
            p(&["-c", "-x", "echo $1", "n", "a"], false).mode,
            cmd("echo $1", &["n", "a"])
        );
        assert_eq!(
            p(&["-o", "pipefail", "-c", "ls", "-c"], false).mode,
            cmd("ls", &["-c"])
        );
        assert_eq!(p(&["-ic", "ls"], true).mode, cmd("ls", &[]));
        assert!(p(&["-ic", "ls"], true).interactive);
    }

    #[test]
    fn scripts_and_stdin() {
        assert_eq!(
            p(
                &["--noprofile", "--norc", "-eo", "pipefail", "/tmp/s.sh"],
                false
            )
            .mode,
            Mode::File {
                path: "/tmp/s.sh".into(),
                args: vec![]
            }
        );
        assert_eq!(
            p(&["-x", "s.sh", "-c", "a"], false).mode,
            Mode::File {
                path: "s.sh".into(),
                args: vec!["-c".into(), "a".into()]
            }
        );
        assert_eq!(p(&["--login"], false).mode, Mode::Stdin { args: vec![] });
        assert_eq!(
            p(&["-s", "a", "b"], true).mode,
            Mode::Handover,
            "-s on a terminal is a person typing"
        );
        assert_eq!(
            p(&["-s", "a"], false).mode,
            Mode::Stdin {
                args: vec!["a".into()]
            }
        );
        assert_eq!(p(&["-i"], false).mode, Mode::Stdin { args: vec![] });
        assert_eq!(p(&[], true).mode, Mode::Handover);
        assert_eq!(p(&["-l"], true).mode, Mode::Handover);
    }

    #[test]
    fn options_that_end_or_inform() {
        assert_eq!(p(&["--version", "-c", "x"], false).mode, Mode::Handover);
        assert_eq!(p(&["-c"], false).mode, Mode::Handover);
        assert_eq!(
            p(&["--", "-c"], false).mode,
            Mode::File {
                path: "-c".into(),
                args: vec![]
            }
        );
        assert_eq!(
            p(&["--rcfile", "/tmp/rc", "-i", "-c", "ls"], true).rc_files,
            vec![OsString::from("/tmp/rc")]
        );
        assert_eq!(
            p(&["--emulate", "sh", "-c", "ls"], false).mode,
            cmd("ls", &[])
        );
    }

    #[test]
    fn link_names() {
        assert_eq!(
            shell_for_name(OsStr::new("/x/interlock-bash")),
            Some("bash")
        );
        assert_eq!(shell_for_name(OsStr::new("-interlock-zsh")), Some("zsh"));
        assert_eq!(shell_for_name(OsStr::new("bash")), Some("bash"));
        assert_eq!(shell_for_name(OsStr::new("interlock")), None);
    }
}
