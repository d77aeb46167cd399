//! Paths as the shell resolves them, without touching the disk.

use std::path::{Component, Path, PathBuf};

/// Lexically normalise a path: `.` and `..` are resolved without touching the disk.
pub fn normalize(path: &Path) -> PathBuf {
    if is_normal(path) {
        return path.to_path_buf();
    }
    by_components(path)
}

/// `normalize` for any path: rebuilt component by component.
fn by_components(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::RootDir => out.push("/"),
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    // `..` above a relative start stays (it cannot be resolved).
                    out.push("..");
                }
            }
            Component::Normal(n) => out.push(n),
            Component::Prefix(p) => out.push(p.as_os_str()),
        }
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

/// Is the path already as `normalize` writes it: `/` alone, or names joined by single
/// slashes (after an optional leading one), none of them `.` or `..`, no trailing slash?
/// Most paths a command names are; they need no rebuilding.
fn is_normal(path: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let b = path.as_os_str().as_bytes();
    if b == b"/" {
        return true;
    }
    let body = b.strip_prefix(b"/").unwrap_or(b);
    !body.is_empty()
        && body
            .split(|&c| c == b'/')
            .all(|c| !c.is_empty() && c != b"." && c != b"..")
}

/// Resolve a path word's text against HOME and the working directory.
pub fn resolve(text: &str, cwd: Option<&Path>, home: Option<&Path>) -> Option<PathBuf> {
    let expanded: PathBuf = if text == "~" {
        home?.to_path_buf()
    } else if let Some(rest) = text.strip_prefix("~/") {
        home?.join(rest)
    } else {
        PathBuf::from(text)
    };
    let joined = if expanded.is_absolute() {
        expanded
    } else {
        cwd?.join(expanded)
    };
    if is_normal(&joined) {
        Some(joined)
    } else {
        Some(normalize(&joined))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shortcut for paths already in normal form gives what rebuilding them gives.
    #[test]
    fn normal_form_shortcut_agrees() {
        let paths = [
            "/",
            "//",
            "/a",
            "/a/",
            "/a//b",
            "/a/./b",
            "/a/../b",
            "/..",
            "/a/b/..",
            "a",
            "a/b",
            "a/",
            "./a",
            "../a",
            "a/..",
            ".",
            "..",
            "",
            "/home/u/.config/interlock",
            "~/x",
            "/a/b.c/.d",
            "/a/.../b",
        ];
        for p in paths {
            let p = Path::new(p);
            assert_eq!(normalize(p), by_components(p), "{}", p.display());
            if is_normal(p) {
                assert_eq!(
                    by_components(p).as_os_str(),
                    p.as_os_str(),
                    "{}",
                    p.display()
                );
            }
        }
        let (cwd, home) = (Path::new("/home/u/project"), Path::new("/home/u"));
        for t in [
            "x", "x/y", "./x", "../x", "x/", "", "/etc/./x", "~/a", "~", "a//b", "/a",
        ] {
            let e = if t == "~" {
                home.to_path_buf()
            } else if let Some(rest) = t.strip_prefix("~/") {
                home.join(rest)
            } else {
                PathBuf::from(t)
            };
            let slow = by_components(&if e.is_absolute() { e } else { cwd.join(e) });
            assert_eq!(resolve(t, Some(cwd), Some(home)), Some(slow), "{t}");
        }
    }
}
