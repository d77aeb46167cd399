//! Interlock guarding itself: an agent must not forge approvals, rewrite the audit log
//! or the config, or take Interlock out of its agent's hook settings.
//!
//! `interlock.self` with `what = "state"`: any use (read or write) of a path in
//! Interlock's state directory (approvals, requests, audit log) or config directory,
//! and deleting or moving a directory that holds them. With `what = "settings"`:
//! writing, deleting or moving an agent's hook settings file or a project's
//! `.interlock.toml`; reading them is fine.

use super::{Hit, Params};
use crate::model::invocation::Invocation;
use crate::model::paths::{normalize, resolve};
use crate::model::Context;
use crate::specs::args::ArgView;
use crate::syntax::word::{Part, Word};
use std::borrow::Cow;
use std::cell::RefCell;
use std::path::{Component, Path, PathBuf};
use std::rc::Rc;

/// Programs that delete or move their operands.
const REMOVERS: &[&str] = &[
    "rm",
    "rmdir",
    "unlink",
    "shred",
    "srm",
    "mv",
    "trash",
    "trash-put",
    "gio",
];
/// Programs that write every operand.
const WRITERS: &[&str] = &[
    "truncate", "tee", "sponge", "touch", "chmod", "chown", "chgrp", "vim", "vi", "nvim", "nano",
    "emacs", "ed", "ex", "code", "subl", "micro", "hx", "kak", "pico", "joe", "gedit", "kate",
];
/// Programs that write their last operand (or `-t DIR`).
const COPIERS: &[&str] = &["cp", "install", "ln", "rsync", "scp"];
/// Programs that write their operands with `-i` / `--in-place`.
const IN_PLACE: &[&str] = &["sed", "gsed", "perl", "ruby", "yq"];

/// Agents' hook settings, as path endings: a `*` matches any one name.
const SETTINGS: &[&[&str]] = &[
    &[".claude", "settings.json"],
    &[".claude", "settings.local.json"],
    &[".cursor", "hooks.json"],
    &[".codex", "hooks.json"],
    &[".codex", "config.toml"],
    &[".codex", "rules", "*"],
    &[".gemini", "settings.json"],
    &[".windsurf", "hooks.json"],
    &[".codeium", "windsurf", "hooks.json"],
    &[".github", "hooks", "*"],
    &[".clinerules", "hooks", "*"],
    &["Documents", "Cline", "Hooks", "*"],
    &[".interlock.toml"],
];
/// Directories whose removal takes the settings with them.
const SETTINGS_DIRS: &[&str] = &[
    ".claude",
    ".cursor",
    ".codex",
    ".gemini",
    ".windsurf",
    ".codeium",
    ".clinerules",
];

pub fn check(inv: &Invocation, view: &ArgView, ctx: &Context, params: Params) -> Vec<Hit> {
    if inv.program == "interlock" {
        return Vec::new();
    }
    let what = params.get("what").unwrap_or("state");
    let cwd = inv.cwd.as_deref().or(ctx.cwd.as_deref());
    let home = ctx.home.as_deref();
    let removed = removed_words(inv, view);
    let is_removed = |w: &Word| removed.iter().any(|r| std::ptr::eq(*r, w));
    let mut hits = Vec::new();
    if what == "state" {
        // Removing an ancestor outside HOME (`/`, `/etc`) is the filesystem rules' concern.
        let own = own_dirs(ctx);
        let roots = &own.dirs;
        let mut cwd_near = None;
        for w in path_words(inv) {
            let Some(text) = path_text(w) else {
                continue;
            };
            if !own.may_touch(&text, cwd, &mut cwd_near) {
                continue;
            }
            let Some(p) = resolve(&text, cwd, home) else {
                continue;
            };
            let inside = roots.iter().find(|r| under(&p, r));
            if let Some(r) = inside {
                hits.push(hit(w, format!("Interlock's own files in {}", r.display())));
            } else if is_removed(w)
                && home.is_some_and(|h| p != h && p.starts_with(h))
                && roots.iter().any(|r| under(r, &p))
            {
                hits.push(hit(
                    w,
                    format!("{} holds Interlock's own files", p.display()),
                ));
            }
        }
        return hits;
    }
    for w in written_words(inv, view) {
        let text = w.text();
        let p = path_of(w, cwd, home).unwrap_or_else(|| PathBuf::from(&text));
        if is_settings_file(&p) {
            hits.push(hit(w, format!("the agent settings file {}", p.display())));
        } else if is_removed(w)
            && p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| SETTINGS_DIRS.contains(&n))
        {
            hits.push(hit(
                w,
                format!("{}, which holds an agent's settings", p.display()),
            ));
        }
    }
    hits
}

fn hit(w: &Word, detail: String) -> Hit {
    Hit {
        span: Some(w.span.clone()),
        detail: Some(detail),
    }
}

/// The variables that move Interlock's state and config directories.
const DIR_VARS: [&str; 5] = [
    "INTERLOCK_STATE_DIR",
    "XDG_STATE_HOME",
    "XDG_CONFIG_HOME",
    "INTERLOCK_CONFIG",
    "INTERLOCK_SYSTEM_CONFIG",
];

/// Interlock's state and config directories as one context sees them, with what they
/// were computed from.
struct OwnDirs {
    home: Option<PathBuf>,
    vars: [Option<String>; 5],
    dirs: Vec<PathBuf>,
    /// The first component under `/` of each directory.
    firsts: Vec<String>,
    /// One of them is `/` itself.
    has_root: bool,
    /// The last working directory asked about, and whether it is inside or above one
    /// of them (the next command is most often run from the same one).
    near: RefCell<Option<(PathBuf, bool)>>,
}

thread_local! {
    /// The directories of the last context seen: a process decides with one context,
    /// and this check runs for every command, so they are computed once, not per word.
    static OWN_DIRS: RefCell<Option<Rc<OwnDirs>>> = const { RefCell::new(None) };
}

/// Interlock's state and config directories as this context sees them.
fn own_dirs(ctx: &Context) -> Rc<OwnDirs> {
    OWN_DIRS.with(|cell| {
        let mut cell = cell.borrow_mut();
        if let Some(own) = cell.as_ref() {
            let same = own.home.as_deref() == ctx.home.as_deref()
                && DIR_VARS
                    .iter()
                    .zip(&own.vars)
                    .all(|(k, v)| ctx.env.get(*k).map(String::as_str) == v.as_deref());
            if same {
                return Rc::clone(own);
            }
        }
        let dirs = compute_own_dirs(ctx);
        let firsts = dirs
            .iter()
            .filter_map(|d| match d.components().nth(1) {
                Some(Component::Normal(n)) => Some(n.to_string_lossy().into_owned()),
                _ => None,
            })
            .collect();
        let has_root = dirs
            .iter()
            .any(|d| !matches!(d.components().nth(1), Some(Component::Normal(_))));
        let own = Rc::new(OwnDirs {
            home: ctx.home.clone(),
            vars: DIR_VARS.map(|k| ctx.env.get(k).cloned()),
            dirs,
            firsts,
            has_root,
            near: RefCell::new(None),
        });
        *cell = Some(Rc::clone(&own));
        own
    })
}

fn compute_own_dirs(ctx: &Context) -> Vec<PathBuf> {
    let env = |k: &str| ctx.env.get(k).filter(|v| !v.is_empty()).map(PathBuf::from);
    let home = ctx.home.clone();
    let mut dirs = Vec::new();
    if let Some(d) = env("INTERLOCK_STATE_DIR") {
        dirs.push(d);
    }
    if let Some(d) = env("XDG_STATE_HOME").or_else(|| home.as_ref().map(|h| h.join(".local/state")))
    {
        dirs.push(d.join("interlock"));
    }
    if let Some(d) = env("XDG_CONFIG_HOME").or_else(|| home.as_ref().map(|h| h.join(".config"))) {
        dirs.push(d.join("interlock"));
    }
    for file in ["INTERLOCK_CONFIG", "INTERLOCK_SYSTEM_CONFIG"] {
        if let Some(f) = env(file) {
            dirs.push(f);
        }
    }
    dirs.push(PathBuf::from("/etc/interlock"));
    dirs.into_iter()
        .filter(|d| d.is_absolute())
        .map(|d| normalize(&d))
        .collect()
}

impl OwnDirs {
    /// Can the path word `text` resolve (from `cwd`) to one of these directories, a
    /// path inside one, or a path that holds one? `false` only when it cannot: an
    /// absolute path whose first component no directory shares, or a relative one
    /// (without `..`) from a working directory that is neither inside nor above any
    /// of them. The exact test (resolve, then compare) runs on the rest; this one
    /// reads the text in place. `cwd_near` keeps the working directory's answer.
    fn may_touch(&self, text: &str, cwd: Option<&Path>, cwd_near: &mut Option<bool>) -> bool {
        if text.starts_with('~') || text.split('/').any(|c| c == "..") {
            return true;
        }
        if text.starts_with('/') {
            return self.has_root
                || match text.split('/').find(|c| !c.is_empty() && *c != ".") {
                    None => true,
                    Some(first) => self.firsts.iter().any(|f| f == first),
                };
        }
        // Relative: `resolve` has nothing to join it to without a working directory.
        let Some(cwd) = cwd else { return false };
        *cwd_near.get_or_insert_with(|| {
            let mut last = self.near.borrow_mut();
            match last.as_ref() {
                Some((c, near)) if c.as_os_str() == cwd.as_os_str() => *near,
                _ => {
                    let normal = normalize(cwd);
                    let near = self
                        .dirs
                        .iter()
                        .any(|d| under(d, &normal) || under(&normal, d));
                    *last = Some((cwd.to_path_buf(), near));
                    near
                }
            }
        })
    }
}

/// Every word that can name a path: operands, `--opt=value` values, redirect targets.
fn path_words(inv: &Invocation) -> Vec<&Word> {
    inv.args
        .iter()
        .chain(inv.redirects.iter().map(|r| &r.target))
        .collect()
}

/// `Path::starts_with` for two paths as `normalize` writes them (`resolve` returns
/// such paths, and the own directories are normalised): a byte prefix that ends at a
/// slash. It spares splitting both into components for every word of every command.
fn under(p: &Path, dir: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let (p, d) = (p.as_os_str().as_bytes(), dir.as_os_str().as_bytes());
    p.starts_with(d) && (p.len() == d.len() || d.ends_with(b"/") || p[d.len()] == b'/')
}

/// The text of a path word to resolve: `--opt=VALUE` and `of=VALUE` give the value;
/// options and empty words give nothing.
fn path_text(w: &Word) -> Option<Cow<'_, str>> {
    let text: Cow<str> = match w.parts.as_slice() {
        [Part::Lit(t)] => Cow::Borrowed(t.as_str()),
        _ => Cow::Owned(w.lit()?),
    };
    let text = match text.split_once('=') {
        Some((opt, value)) if opt.starts_with('-') || opt == "of" => Cow::Owned(value.to_string()),
        _ => text,
    };
    if text.is_empty() || text.starts_with('-') {
        return None;
    }
    Some(text)
}

fn path_of(w: &Word, cwd: Option<&Path>, home: Option<&Path>) -> Option<PathBuf> {
    resolve(&path_text(w)?, cwd, home)
}

/// The operands a command deletes or moves away (`mv`'s destination is not one).
fn removed_words<'a>(inv: &'a Invocation, view: &ArgView<'a>) -> Vec<&'a Word> {
    if !REMOVERS.contains(&inv.program.as_str()) {
        return Vec::new();
    }
    let mut ops = view.operands.clone();
    let has_target = view
        .flags
        .iter()
        .any(|(_, f)| f == "-t" || f.starts_with("--target-directory"));
    if inv.program == "mv" && !has_target {
        ops.pop();
    }
    ops
}

/// The words a command writes, deletes or moves.
fn written_words<'a>(inv: &'a Invocation, view: &ArgView<'a>) -> Vec<&'a Word> {
    let mut out: Vec<&Word> = inv
        .redirects
        .iter()
        .filter(|r| matches!(r.op.as_str(), ">" | ">>" | ">|" | "&>" | "&>>" | "<>"))
        .map(|r| &r.target)
        .collect();
    let program = inv.program.as_str();
    if REMOVERS.contains(&program) || WRITERS.contains(&program) {
        out.extend(view.operands.iter().copied());
    } else if COPIERS.contains(&program) {
        out.extend(view.operands.last().copied());
        for (i, w) in inv.args.iter().enumerate() {
            let t = w.text();
            if t == "-t" || t == "--target-directory" {
                out.extend(inv.args.get(i + 1));
            } else if t.starts_with("--target-directory=") {
                out.push(w);
            }
        }
    } else if IN_PLACE.contains(&program)
        && view.flags.iter().any(|(_, f)| {
            f.starts_with("--in-place")
                || (f.starts_with('-') && !f.starts_with("--") && f.contains('i'))
        })
    {
        out.extend(view.operands.iter().copied());
    } else if program == "dd" {
        out.extend(inv.args.iter().filter(|w| w.text().starts_with("of=")));
    }
    out
}

fn is_settings_file(p: &Path) -> bool {
    let names: Vec<&str> = p
        .components()
        .filter_map(|c| c.as_os_str().to_str())
        .collect();
    SETTINGS.iter().any(|pattern| {
        names.len() >= pattern.len()
            && names[names.len() - pattern.len()..]
                .iter()
                .zip(pattern.iter())
                .all(|(n, want)| *want == "*" || n == want)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The byte comparison agrees with `Path::starts_with` on normalised paths.
    #[test]
    fn under_is_starts_with() {
        let paths = [
            "/",
            "/a",
            "/a/b",
            "/a/bc",
            "/ab",
            "/a/b/c",
            "a",
            "a/b",
            ".",
            "..",
            "../a",
            "/etc/interlock",
            "/etc/interlock2",
            "/etc",
        ];
        for p in paths {
            for d in paths {
                let (p, d) = (Path::new(p), Path::new(d));
                assert_eq!(
                    under(p, d),
                    p.starts_with(d),
                    "{} under {}",
                    p.display(),
                    d.display()
                );
            }
        }
    }

    /// Words that cannot reach Interlock's directories are the ones the exact test
    /// finds nothing for.
    #[test]
    fn prefilter_never_hides_a_hit() {
        let own = OwnDirs {
            home: None,
            vars: Default::default(),
            dirs: vec![
                PathBuf::from("/home/u/.config/interlock"),
                PathBuf::from("/etc/interlock"),
            ],
            firsts: vec!["home".into(), "etc".into()],
            has_root: false,
            near: RefCell::new(None),
        };
        let home = Path::new("/home/u");
        let words = [
            "x",
            "./x",
            "../x",
            "..",
            ".",
            "~",
            "~/.config",
            "/",
            "/etc",
            "/etc/interlock/c",
            "/tmp/x",
            "/./etc/interlock",
            "//etc/interlock",
            "/home",
            ".config/interlock",
            "interlock",
            "../../etc/interlock",
        ];
        for cwd in ["/home/u", "/home/u/project", "/tmp", "/home/u/.config", "/"] {
            let cwd = Path::new(cwd);
            for w in words {
                let p = resolve(w, Some(cwd), Some(home)).expect("resolves");
                let related = own.dirs.iter().any(|d| under(&p, d) || under(d, &p));
                let mut near = None;
                if related {
                    assert!(
                        own.may_touch(w, Some(cwd), &mut near),
                        "{w} from {} skipped",
                        cwd.display()
                    );
                }
            }
        }
    }

    #[test]
    fn settings_paths() {
        assert!(is_settings_file(Path::new("/home/u/.claude/settings.json")));
        assert!(is_settings_file(Path::new("/p/.github/hooks/guard.json")));
        assert!(is_settings_file(Path::new("/p/.interlock.toml")));
        assert!(!is_settings_file(Path::new("/p/.claude/commands/x.md")));
        assert!(!is_settings_file(Path::new("/p/settings.json")));
    }
}
