//! Archive extraction: `tar -x` and `unzip -o` write every member over the file of the
//! same name in the directory they extract into — `-C DIR`/`--directory=DIR` (tar),
//! `-d DIR` (unzip), or where the command runs. That directory is what is judged, not
//! the directory the line started in: an archive unpacked into the home directory, the
//! root, a system directory, a credentials directory or `.git` can replace shell
//! configuration, SSH keys, system files or the repository's history. Unpacking into the
//! project, a temporary directory or an install prefix (`/usr/local`, `/opt`) is how
//! software is installed and passes.

use super::{in_system_dir, resolve, Class, Paths, SENSITIVE_HOME};
use crate::model::invocation::Invocation;
use crate::model::Context;
use crate::syntax::word::Word;
use std::path::Path;

/// Directories under which unpacking software is the normal use.
const INSTALL_PREFIXES: &[&str] = &["/usr/local", "/opt", "/srv", "/var/www", "/var/tmp"];

/// The directories `inv` extracts into, if it is an extraction that overwrites.
pub(super) fn extraction_dirs(inv: &Invocation) -> Vec<Word> {
    match inv.program.as_str() {
        "tar" | "gtar" | "bsdtar" => tar_dirs(inv),
        "unzip" => unzip_dirs(inv),
        _ => Vec::new(),
    }
}

fn here(inv: &Invocation) -> Word {
    Word::literal(".", inv.span.clone())
}

fn tar_dirs(inv: &Invocation) -> Vec<Word> {
    let args = &inv.args;
    let mut extract = false;
    let mut dirs: Vec<Word> = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let t = args[i].text();
        let value = args.get(i + 1);
        if i == 0
            && !t.starts_with('-')
            && !t.is_empty()
            && t.chars().all(|c| c.is_ascii_alphabetic())
        {
            // Old style: `tar xzf a.tar`; its value letters take the next words in order.
            if t.contains('x') {
                extract = true;
            }
            if t.contains('t') || t.contains('O') || t.contains('k') {
                return Vec::new();
            }
            let mut next = 1;
            for c in t.chars() {
                if matches!(c, 'f' | 'b' | 'T' | 'X' | 'N' | 'V' | 'g' | 'K') {
                    next += 1;
                } else if c == 'C' {
                    if let Some(d) = args.get(next) {
                        dirs.push(d.clone());
                    }
                    next += 1;
                }
            }
            i = next.max(1);
            continue;
        }
        match t.as_str() {
            "-x" | "--extract" | "--get" => extract = true,
            "-t"
            | "--list"
            | "-O"
            | "--to-stdout"
            | "-k"
            | "--keep-old-files"
            | "--skip-old-files"
            | "--keep-newer-files"
            | "--keep-directory-symlink" => {
                if t != "--keep-directory-symlink" {
                    return Vec::new();
                }
            }
            "-C" | "--directory" | "--cd" => {
                if let Some(d) = value {
                    dirs.push(d.clone());
                }
                i += 2;
                continue;
            }
            "-f"
            | "--file"
            | "-T"
            | "--files-from"
            | "-X"
            | "--exclude-from"
            | "-b"
            | "--blocking-factor"
            | "-g"
            | "-N"
            | "-V"
            | "-K"
            | "-I"
            | "--use-compress-program" => {
                i += 2;
                continue;
            }
            _ => {
                if let Some(d) = t
                    .strip_prefix("--directory=")
                    .or_else(|| t.strip_prefix("--cd="))
                {
                    let mut w = args[i].clone();
                    super::ops::strip_word_prefix(&mut w, t.len() - d.len());
                    dirs.push(w);
                } else if let Some(cluster) = t.strip_prefix('-').filter(|c| !c.starts_with('-')) {
                    // `-xzf a.tar`, `-xC dir`, `-CDIR`: flags up to the first letter taking a value.
                    let mut takes_next = false;
                    for (k, c) in cluster.char_indices() {
                        match c {
                            'x' => extract = true,
                            't' | 'O' | 'k' => return Vec::new(),
                            'C' => {
                                let rest = &cluster[k + 1..];
                                if rest.is_empty() {
                                    if let Some(d) = value {
                                        dirs.push(d.clone());
                                    }
                                    takes_next = true;
                                } else {
                                    let mut w = args[i].clone();
                                    super::ops::strip_word_prefix(&mut w, k + 2);
                                    dirs.push(w);
                                }
                                break;
                            }
                            'f' | 'T' | 'X' | 'b' | 'g' | 'N' | 'V' | 'K' | 'I' => {
                                takes_next = cluster[k + 1..].is_empty();
                                break;
                            }
                            _ => {}
                        }
                    }
                    if takes_next {
                        i += 2;
                        continue;
                    }
                } else if t.starts_with("--") && !t.contains("keep") {
                    // Long options with `=VALUE` or none: nothing to take.
                }
            }
        }
        i += 1;
    }
    if !extract {
        return Vec::new();
    }
    if dirs.is_empty() {
        dirs.push(here(inv));
    }
    dirs
}

fn unzip_dirs(inv: &Invocation) -> Vec<Word> {
    let args = &inv.args;
    let mut overwrite = false;
    let mut dirs = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let t = args[i].text();
        if t == "-d" {
            if let Some(d) = args.get(i + 1) {
                dirs.push(d.clone());
            }
            i += 2;
            continue;
        }
        if let Some(cluster) = t.strip_prefix('-') {
            for (k, c) in cluster.char_indices() {
                match c {
                    // Listing, testing, to stdout, never overwrite: nothing is replaced.
                    'l' | 't' | 'v' | 'p' | 'n' | 'Z' | 'z' => return Vec::new(),
                    'o' => overwrite = true,
                    'd' => {
                        let mut w = args[i].clone();
                        super::ops::strip_word_prefix(&mut w, k + 2);
                        if !w.text().is_empty() {
                            dirs.push(w);
                        } else if let Some(d) = args.get(i + 1) {
                            dirs.push(d.clone());
                            i += 1;
                        }
                        break;
                    }
                    _ => {}
                }
            }
        }
        i += 1;
    }
    // Without `-o`, unzip asks before replacing a file.
    if !overwrite {
        return Vec::new();
    }
    if dirs.is_empty() {
        dirs.push(here(inv));
    }
    dirs
}

/// What extracting into `w` can replace.
pub(super) fn extraction_class(paths: &Paths, w: &Word, ctx: &Context) -> Class {
    if paths.container.is_some() || ctx.container_build || w.is_dynamic() {
        return Class::Fine;
    }
    let Some(p) = resolve(&w.text(), paths.cwd, ctx.home.as_deref()) else {
        return Class::Fine;
    };
    let shown = p.display().to_string();
    let home = ctx.home.as_deref();
    if p == Path::new("/") {
        return Class::Protected(
            "extraction into the root directory replaces system files of the same name".into(),
        );
    }
    if Some(p.as_path()) == home {
        return Class::Protected(format!(
            "extraction into your home directory {shown} replaces your shell and tool configuration files of the same name"
        ));
    }
    if p.components().any(|c| c.as_os_str() == ".git") {
        return Class::Protected(format!("extraction into git internals in {shown}"));
    }
    if let Some(rel) = home.and_then(|h| p.strip_prefix(h).ok()) {
        let first = rel
            .components()
            .next()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .unwrap_or_default();
        if SENSITIVE_HOME.contains(&first.as_str()) {
            return Class::Protected(format!(
                "extraction into your configuration directory {shown} replaces files of the same name"
            ));
        }
        return Class::Fine;
    }
    if INSTALL_PREFIXES.iter().any(|d| p.starts_with(d)) {
        return Class::Fine;
    }
    if in_system_dir(&p) {
        return Class::Protected(format!(
            "extraction into the system directory {shown} replaces system files of the same name"
        ));
    }
    Class::Fine
}
