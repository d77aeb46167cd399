//! The per-session directory (0700): the broker socket, the 0600 token file and the
//! shell integration files. Removed when the session ends (by the guardian if the
//! wrapper dies).

use super::ShellKind;
use std::ffi::OsString;
use std::io::{self, Read, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::os::unix::net::UnixListener;
use std::path::{Path, PathBuf};

const BASH_HOOK: &str = include_str!("shells/bash.sh");
const ZSH_ENV: &str = include_str!("shells/zshenv.zsh");
const ZSH_HOOK: &str = include_str!("shells/hook.zsh");
const FISH_HOOK: &str = include_str!("shells/hook.fish");

/// Longest socket path that fits `sun_path` everywhere (104 on macOS, 108 on Linux).
const MAX_SOCKET_PATH: usize = 100;

/// Extra arguments and environment for the shell.
pub type Launch = (Vec<OsString>, Vec<(OsString, OsString)>);

pub struct Session {
    pub dir: PathBuf,
    pub socket: PathBuf,
    pub token_file: PathBuf,
    pub token: String,
    pub listener: UnixListener,
}

impl Session {
    pub fn create() -> io::Result<Session> {
        let dir = make_dir()?;
        let token = random_hex(32)?;
        let token_file = dir.join("token");
        write_private(&token_file, format!("{token}\n").as_bytes())?;
        let socket = dir.join("sock");
        let listener = UnixListener::bind(&socket)?;
        Ok(Session {
            dir,
            socket,
            token_file,
            token,
            listener,
        })
    }

    /// Write the integration for `shell` and return the arguments and environment that
    /// make the shell load it (the user's own startup files are read as usual).
    pub fn integrate(&self, shell: ShellKind, interlock: &Path) -> io::Result<Launch> {
        let bin = interlock.to_string_lossy();
        match shell {
            ShellKind::Bash => {
                let rc = self.dir.join("bashrc");
                write_private(&rc, BASH_HOOK.replace("@BIN@", &sh_quote(&bin)).as_bytes())?;
                Ok((
                    vec!["--rcfile".into(), rc.into_os_string(), "-i".into()],
                    Vec::new(),
                ))
            }
            ShellKind::Zsh => {
                let zdir = self.dir.join("zsh");
                std::fs::DirBuilder::new().mode(0o700).create(&zdir)?;
                let hook = zdir.join("hook.zsh");
                write_private(&hook, ZSH_HOOK.as_bytes())?;
                let env = ZSH_ENV.replace("@HOOK@", &sh_quote(&hook.to_string_lossy()));
                write_private(&zdir.join(".zshenv"), env.as_bytes())?;
                let user = match std::env::var_os("ZDOTDIR") {
                    Some(z) => {
                        let mut v = OsString::from("set:");
                        v.push(z);
                        v
                    }
                    None => OsString::from("unset"),
                };
                Ok((
                    vec!["-i".into()],
                    vec![
                        ("ZDOTDIR".into(), zdir.into_os_string()),
                        ("__interlock_zdotdir".into(), user),
                    ],
                ))
            }
            ShellKind::Fish => {
                let hook = self.dir.join("hook.fish");
                write_private(
                    &hook,
                    FISH_HOOK.replace("@BIN@", &fish_quote(&bin)).as_bytes(),
                )?;
                let mut init = OsString::from("source ");
                init.push(fish_quote(&hook.to_string_lossy()));
                Ok((vec!["-i".into(), "--init-command".into(), init], Vec::new()))
            }
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn make_dir() -> io::Result<PathBuf> {
    let uid = nix::unistd::geteuid().as_raw();
    let mut bases = vec![std::env::temp_dir(), PathBuf::from("/tmp")];
    if let Some(x) = std::env::var_os("XDG_RUNTIME_DIR").filter(|x| !x.is_empty()) {
        bases.insert(0, PathBuf::from(x));
    }
    let mut last = io::Error::other("no usable temporary directory");
    for base in bases {
        for _ in 0..8 {
            let name = format!("interlock-{uid}-{}", random_hex(6)?);
            let dir = base.join(name);
            // "/sock" must still fit in sun_path.
            if dir.as_os_str().len() + 5 > MAX_SOCKET_PATH {
                break;
            }
            match std::fs::DirBuilder::new().mode(0o700).create(&dir) {
                Ok(()) => return Ok(dir),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => {
                    last = e;
                    break;
                }
            }
        }
    }
    Err(last)
}

fn write_private(path: &Path, data: &[u8]) -> io::Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(data)
}

fn random_hex(bytes: usize) -> io::Result<String> {
    let mut b = vec![0u8; bytes];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut b)?;
    Ok(b.iter().map(|x| format!("{x:02x}")).collect())
}

/// Single-quote for bash and zsh.
pub fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// Single-quote for fish (which also treats `\\` and `\'` specially inside).
pub fn fish_quote(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        assert_eq!(sh_quote("a'b"), "'a'\\''b'");
        assert_eq!(fish_quote("a'b\\c"), "'a\\'b\\\\c'");
    }
}
