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
pub fn is_normal(path: &Path) -> bool {
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

/// `path` in normal form, borrowed when it already is.
pub fn normal(path: &Path) -> std::borrow::Cow<'_, Path> {
    if is_normal(path) {
        std::borrow::Cow::Borrowed(path)
    } else {
        std::borrow::Cow::Owned(by_components(path))
    }
}

/// `Path::starts_with` for two paths in normal form, on their bytes: `dir` itself or
/// anything below it. Comparing components costs a parse of both paths per call, and
/// the filesystem rules ask this of every word of every command many times.
pub fn under(path: &Path, dir: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let (p, d) = (path.as_os_str().as_bytes(), dir.as_os_str().as_bytes());
    if d == b"/" {
        return p.starts_with(b"/");
    }
    p.starts_with(d) && (p.len() == d.len() || p[d.len()] == b'/')
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

    /// `under` agrees with `Path::starts_with` on paths in normal form.
    #[test]
    fn under_is_starts_with_for_normal_paths() {
        let paths = [
            "/",
            "/home",
            "/home/u",
            "/home/user",
            "/home/u/x",
            "/usr",
            "/usr/lib",
            "/u",
            "rel",
            "rel/x",
            "relx",
            ".git",
            ".git/x",
        ];
        for a in paths {
            for b in paths {
                assert_eq!(
                    under(Path::new(a), Path::new(b)),
                    Path::new(a).starts_with(b),
                    "{a} under {b}"
                );
            }
        }
        assert_eq!(
            normal(Path::new("/home//u/./x/")).as_ref(),
            Path::new("/home/u/x")
        );
    }

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
