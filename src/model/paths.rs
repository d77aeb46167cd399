//! Paths as the shell resolves them, without touching the disk.

use std::path::{Component, Path, PathBuf};

/// Lexically normalise a path: `.` and `..` are resolved without touching the disk.
pub fn normalize(path: &Path) -> PathBuf {
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

/// Resolve a path word's text against HOME and the working directory.
pub fn resolve(text: &str, cwd: Option<&Path>, home: Option<&Path>) -> Option<PathBuf> {
    let expanded: PathBuf = if text == "~" {
        home?.to_path_buf()
    } else if let Some(rest) = text.strip_prefix("~/") {
        home?.join(rest)
    } else {
        PathBuf::from(text)
    };
    if expanded.is_absolute() {
        Some(normalize(&expanded))
    } else {
        Some(normalize(&cwd?.join(expanded)))
    }
}
