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
use crate::model::paths::resolve;
use crate::model::Context;
use crate::specs::args::ArgView;
use crate::syntax::word::Word;
use std::path::{Path, PathBuf};

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
        let roots = own_dirs(ctx);
        for w in path_words(inv) {
            let Some(p) = path_of(w, cwd, home) else {
                continue;
            };
            let inside = roots.iter().find(|r| p.starts_with(r));
            if let Some(r) = inside {
                hits.push(hit(w, format!("Interlock's own files in {}", r.display())));
            } else if is_removed(w)
                && home.is_some_and(|h| p != h && p.starts_with(h))
                && roots.iter().any(|r| r.starts_with(&p))
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

/// Interlock's state and config directories as this context sees them.
fn own_dirs(ctx: &Context) -> Vec<PathBuf> {
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
        .map(|d| crate::model::paths::normalize(&d))
        .collect()
}

/// Every word that can name a path: operands, `--opt=value` values, redirect targets.
fn path_words(inv: &Invocation) -> Vec<&Word> {
    inv.args
        .iter()
        .chain(inv.redirects.iter().map(|r| &r.target))
        .collect()
}

fn path_of(w: &Word, cwd: Option<&Path>, home: Option<&Path>) -> Option<PathBuf> {
    let text = w.lit()?;
    let text = match text.split_once('=') {
        Some((opt, value)) if opt.starts_with('-') || opt == "of" => value.to_string(),
        _ => text,
    };
    if text.is_empty() || text.starts_with('-') {
        return None;
    }
    resolve(&text, cwd, home)
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

    #[test]
    fn settings_paths() {
        assert!(is_settings_file(Path::new("/home/u/.claude/settings.json")));
        assert!(is_settings_file(Path::new("/p/.github/hooks/guard.json")));
        assert!(is_settings_file(Path::new("/p/.interlock.toml")));
        assert!(!is_settings_file(Path::new("/p/.claude/commands/x.md")));
        assert!(!is_settings_file(Path::new("/p/settings.json")));
    }
}
