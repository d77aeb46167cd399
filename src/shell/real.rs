//! Finding the real shell: on PATH, then in the usual places, never Interlock itself
//! (a link named `bash` that points back at Interlock would exec in a loop).

use std::io;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Where shells live when PATH does not have one.
const FALLBACK_DIRS: &[&str] = &["/bin", "/usr/bin", "/usr/local/bin", "/opt/homebrew/bin"];

/// The real shell for `want`: a name looked up on PATH (`bash`) or a path.
pub fn find(want: &str) -> io::Result<PathBuf> {
    // One stat through the kernel's link to this program's file.
    let me = std::fs::metadata("/proc/self/exe")
        .or_else(|_| std::env::current_exe().and_then(std::fs::metadata))
        .map(|m| (m.dev(), m.ino()))
        .ok();
    let usable = |p: &Path| match std::fs::metadata(p) {
        Ok(m) => {
            m.is_file() && m.permissions().mode() & 0o111 != 0 && Some((m.dev(), m.ino())) != me
        }
        Err(_) => false,
    };
    if want.contains('/') {
        let p = PathBuf::from(want);
        return if usable(&p) {
            Ok(p)
        } else {
            Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!("the shell {want} is not an executable file other than Interlock"),
            ))
        };
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .filter(|d| d.is_absolute())
        .chain(FALLBACK_DIRS.iter().map(PathBuf::from))
        .map(|d| d.join(want))
        .find(|p| usable(p))
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::NotFound,
                format!("no `{want}` other than Interlock itself on PATH or in /bin, /usr/bin"),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_real_bash_and_refuses_itself() {
        let bash = find("bash").expect("bash is installed");
        assert!(bash.ends_with("bash"));
        let me = std::env::current_exe().expect("exe");
        assert!(find(&me.to_string_lossy()).is_err());
        assert!(find("/nonexistent/bash").is_err());
    }
}
