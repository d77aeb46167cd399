//! Which program a command name means on this line, when the name itself does not say:
//! a pattern (`/usr/bin/r[m]`), a link or copy of a program made earlier on the line
//! (`ln -s /bin/rm ./safe; ./safe -rf ~`), or a `PATH` prepended with a directory whose
//! contents decide what a plain name runs (`PATH=.:$PATH ls`).

use super::scope::{self, Scope};
use super::Analyzer;
use crate::specs::glob::glob_match;
use crate::syntax::word::Word;
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// Entries read from one directory when matching a program pattern.
const MAX_ENTRIES: usize = 8192;

/// What a plain program name resolves to through the prepended `PATH` entries.
pub(crate) enum PathLookup {
    /// No prepended entry changes what the name means.
    Usual,
    /// A copy or link of this program, made earlier on the line.
    Copy(String),
    /// A file written earlier on the line (a script): run by its path.
    Written(PathBuf),
    /// A directory whose contents are not known decides: the reason.
    Unknown(String),
}

/// World-writable places: anything may appear there.
fn is_temp(p: &Path) -> bool {
    ["/tmp", "/var/tmp", "/dev/shm"]
        .iter()
        .any(|t| p.starts_with(t))
}

impl Analyzer<'_> {
    /// The files a program pattern matches, when it can be read: the pattern's last
    /// component matched against its directory's entries (a leading dot only by a
    /// leading dot). `None` when the directory holds a pattern too or cannot be listed.
    pub(crate) fn program_glob(&self, pattern: &str, cwd: Option<&Path>) -> Option<Vec<String>> {
        let (dir, last) = match pattern.rsplit_once('/') {
            Some((d, l)) => (if d.is_empty() { "/" } else { d }, l),
            None => (".", pattern),
        };
        if dir.contains(['*', '?', '[']) || last.is_empty() {
            return None;
        }
        let base = scope::resolve(dir, cwd, self.ctx.home.as_deref())?;
        let mut found: Vec<String> = std::fs::read_dir(&base)
            .ok()?
            .take(MAX_ENTRIES)
            .flatten()
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|n| (!n.starts_with('.') || last.starts_with('.')) && glob_match(last, n))
            .map(|n| match pattern.rsplit_once('/') {
                Some((d, _)) => format!("{d}/{n}"),
                None => n,
            })
            .collect();
        found.sort();
        Some(found)
    }

    /// `ln [-s] SRC DEST`, `cp SRC DEST`, `install SRC DEST`: remember that DEST is now
    /// the program SRC names, for a later `./DEST` on the line.
    pub(crate) fn note_program_copy(&mut self, args: &[Word], cwd: Option<&Path>) {
        let operands: Vec<&Word> = args
            .iter()
            .filter(|w| !w.text().starts_with('-') || w.text() == "-")
            .collect();
        let [src, dst] = operands.as_slice() else {
            return;
        };
        let (Some(src), Some(dst)) = (src.lit(), dst.lit()) else {
            return;
        };
        let home = self.ctx.home.as_deref();
        let Some(mut dst) = scope::resolve(&dst, cwd, home) else {
            return;
        };
        let program = super::runners::program_name(&src);
        if dst.is_dir() {
            dst = dst.join(&program);
        }
        // What the source itself stands for, if it is a copy made earlier.
        let src_path = scope::resolve(&src, cwd, home);
        let program = src_path
            .and_then(|p| self.copies.get(&p).cloned())
            .unwrap_or(program);
        Rc::make_mut(&mut self.copies).insert(dst, program);
        self.written_generation += 1;
    }

    /// Under the home directory or the working directory (a temporary home is still
    /// the user's own).
    fn is_own_dir(&self, d: &Path) -> bool {
        [self.ctx.home.as_deref(), self.ctx.cwd.as_deref()]
            .into_iter()
            .flatten()
            .any(|o| d.starts_with(o))
    }

    /// The program a path names because the line copied or linked it there.
    pub(crate) fn copied_program(&self, raw: &str, cwd: Option<&Path>) -> Option<String> {
        if !raw.contains('/') || self.copies.is_empty() {
            return None;
        }
        let p = scope::resolve(raw, cwd, self.ctx.home.as_deref())?;
        self.copies.get(&p).cloned()
    }

    /// What a plain name means through the entries prepended to `PATH` (in the scope,
    /// or in the command's own environment).
    pub(crate) fn path_lookup(
        &self,
        name: &str,
        env: &[(String, Word)],
        scope: &Scope,
        cwd: Option<&Path>,
    ) -> PathLookup {
        let own = env.iter().rev().find(|(k, _)| k == "PATH");
        let entries: Vec<String> = match own {
            Some((_, w)) => prepended(&w.text(), self.ctx.env.get("PATH")),
            None => scope.path_prepends.to_vec(),
        };
        for e in &entries {
            let dot = e.is_empty() || e == "." || e == "./";
            let dir = if dot {
                cwd.map(Path::to_path_buf)
            } else {
                scope::resolve(e, cwd, self.ctx.home.as_deref())
            };
            if let Some(d) = &dir {
                let file = d.join(name);
                if let Some(p) = self.copies.get(&file) {
                    return PathLookup::Copy(p.clone());
                }
                if self.written.contains_key(&file) {
                    return PathLookup::Written(file);
                }
            }
            let shown = if e.is_empty() { "." } else { e.as_str() };
            match dir {
                _ if dot => {
                    return PathLookup::Unknown(format!(
                        "PATH starts with the working directory `{shown}`: `{name}` runs whatever file of that name is there"
                    ))
                }
                Some(d) if (is_temp(&d) && !self.is_own_dir(&d)) || (!e.starts_with('/') && d.join(name).exists()) => {
                    return PathLookup::Unknown(format!(
                        "PATH starts with `{shown}`: `{name}` may run a file there instead of the usual program"
                    ))
                }
                None if !e.starts_with('/') => {
                    return PathLookup::Unknown(format!(
                        "PATH starts with `{shown}` in a directory only known when it runs"
                    ))
                }
                _ => {}
            }
        }
        PathLookup::Usual
    }
}

/// The entries of a new `PATH` value placed before the old one (`.:/tmp/p:$PATH` →
/// `.`, `/tmp/p`); entries with unknown parts are left out. Without a reference to the
/// old `PATH`, every entry counts.
pub(crate) fn prepended(value: &str, old: Option<&String>) -> Vec<String> {
    let old_entries: Vec<&str> = old.map(|o| o.split(':').collect()).unwrap_or_default();
    let mut out = Vec::new();
    for e in value.split(':') {
        if e == "${PATH}" || e == "$PATH" {
            break;
        }
        if old_entries.contains(&e) {
            break;
        }
        if e.contains("${") {
            continue;
        }
        out.push(e.to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::prepended;

    #[test]
    fn prepended_entries() {
        let old = "/usr/bin:/bin".to_string();
        assert_eq!(prepended(".:${PATH}", None), vec!["."]);
        assert_eq!(
            prepended("/tmp/p:/usr/bin:/bin", Some(&old)),
            vec!["/tmp/p"]
        );
        assert_eq!(prepended("${PATH}:.", None), Vec::<String>::new());
        assert!(prepended("${VENV}/bin:${PATH}", None).is_empty());
        assert!(prepended("/usr/bin:/bin:.", Some(&old)).is_empty());
    }
}
