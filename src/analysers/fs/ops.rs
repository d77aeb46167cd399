//! What each file operation reaches: deletes, overwrites (redirections, copies,
//! downloads, device writes), permission changes and moves, each turned into hits by
//! the classification in the parent module.

use super::*;

/// The operands a program deletes, and whether it deletes recursively.
pub(super) fn delete_targets<'v>(
    inv: &Invocation,
    view: &'v ArgView,
) -> Option<(Vec<&'v Word>, bool)> {
    match inv.program.as_str() {
        "rimraf" | "del-cli" | "del" => Some((view.operands.clone(), true)),
        "rm" | "unlink" | "srm" | "trash" | "trash-put" | "gio" => {
            let recursive =
                view.has_flag("-r") || view.has_flag("-R") || view.has_flag("--recursive");
            let ops: Vec<&Word> = if inv.program == "gio" {
                match view.operands.first().and_then(|w| w.lit()).as_deref() {
                    Some("remove") | Some("trash") => view.operands[1..].to_vec(),
                    _ => return None,
                }
            } else {
                view.operands.clone()
            };
            Some((ops, recursive || inv.program == "srm"))
        }
        "shred" => Some((view.operands.clone(), true)),
        "tar" | "gtar" | "bsdtar" => tar_removed(view.args).map(|t| (t, true)),
        "rsync" => {
            let deletes = view.flags.iter().any(|(_, f)| {
                f.starts_with("--delete") || f == "--del" || f == "--remove-source-files"
            });
            let dry_run = view.has_flag("-n") || view.has_flag_or_prefix("--dry-run");
            if !deletes || dry_run {
                return None;
            }
            view.operands.last().map(|d| (vec![*d], true))
        }
        _ => None,
    }
}

/// `tar --remove-files`: the files and directories archived are deleted after (with
/// `-C DIR`, in DIR, which is then named as the target too).
fn tar_removed(args: &[Word]) -> Option<Vec<&Word>> {
    const VALUE_SHORT: &str = "fCbTXLNVIKgH";
    const VALUE_LONG: &[&str] = &[
        "--file",
        "--directory",
        "--exclude",
        "--files-from",
        "--exclude-from",
        "--transform",
        "--xform",
        "--use-compress-program",
        "--to-command",
        "--newer",
        "--after-date",
        "--owner",
        "--group",
        "--mode",
        "--label",
        "--suffix",
        "--blocking-factor",
        "--format",
        "--info-script",
        "--new-volume-script",
        "--rsh-command",
        "--index-file",
    ];
    let mut remove = false;
    let mut out = Vec::new();
    let mut i = 0;
    let mut only_operands = false;
    while i < args.len() {
        let w = &args[i];
        let t = w.text();
        i += 1;
        // A first word without a dash and without `/` or `.` is an old-style cluster.
        let old_cluster = i == 1 && !t.contains(['/', '.']);
        if only_operands || !(t.starts_with('-') || old_cluster) {
            out.push(w);
            continue;
        }
        if t == "--" {
            only_operands = true;
        } else if t == "--remove-files" {
            remove = true;
        } else if let Some(long) = t.strip_prefix("--") {
            let name = format!("--{}", long.split('=').next().unwrap_or(long));
            if !long.contains('=') && VALUE_LONG.contains(&name.as_str()) {
                if name == "--directory" {
                    out.extend(args.get(i));
                }
                i += 1;
            }
        } else {
            // `-czf x.tgz`, or old style `czf x.tgz` as the first word.
            let cluster = t.trim_start_matches('-');
            let old_style = !t.starts_with('-');
            for (k, c) in cluster.char_indices() {
                if VALUE_SHORT.contains(c) {
                    let attached = &cluster[k + c.len_utf8()..];
                    if old_style || attached.is_empty() {
                        if c == 'C' {
                            out.extend(args.get(i));
                        }
                        i += 1;
                        if !old_style {
                            break;
                        }
                    } else {
                        break;
                    }
                }
            }
        }
    }
    remove.then_some(out)
}

/// `fs.delete`: deletes that reach a path of the class given by `with.class`
/// (`critical` or `protected`).
pub fn delete(inv: &Invocation, view: &ArgView, ctx: &Context, params: Params) -> Vec<Hit> {
    if ctx.container_build {
        return Vec::new();
    }
    let Some((targets, recursive)) = delete_targets(inv, view) else {
        return Vec::new();
    };
    let want = params.get("class").unwrap_or("protected");
    let paths = Paths::new(ctx, inv);
    let mut hits = Vec::new();
    for w in targets {
        let mut class = paths.classify(w);
        if !recursive {
            // Removing single files only matters for system files, git and data.
            class = match class {
                Class::Critical(s) | Class::Sensitive(s) => Class::Sensitive(s),
                _ => Class::Fine,
            };
        }
        push_hit(&mut hits, want, class, w);
    }
    hits
}

pub(super) fn push_hit(hits: &mut Vec<Hit>, want: &str, class: Class, w: &Word) {
    match (want, class) {
        ("critical", Class::Critical(s))
        | ("protected", Class::Protected(s))
        | ("protected", Class::Sensitive(s))
        | ("sensitive", Class::Sensitive(s)) => hits.push(Hit {
            span: Some(w.span.clone()),
            detail: Some(s),
        }),
        _ => {}
    }
}

/// `fs.overwrite`: writes that destroy what was there: `dd of=`, `mkfs`, `wipefs`,
/// `truncate`, `>` redirections, and copies, moves, links, `tee` and downloads over
/// an existing file, onto devices, system files, data files, `.git`.
pub fn overwrite(inv: &Invocation, view: &ArgView, ctx: &Context, params: Params) -> Vec<Hit> {
    let want = params.get("class").unwrap_or("protected");
    let paths = Paths::new(ctx, inv);
    let mut hits = Vec::new();
    let mut targets: Vec<Word> = Vec::new();
    match inv.program.as_str() {
        "dd" => {
            for w in &inv.args {
                if let Some(t) = w.text().strip_prefix("of=") {
                    let mut tw = w.clone();
                    strip_word_prefix(&mut tw, 3);
                    let _ = t;
                    targets.push(tw);
                }
            }
        }
        "truncate" => targets.extend(view.operands.iter().map(|w| (*w).clone())),
        p if is_device_op(p) => {
            if disk_read_only(p, view) {
                return hits;
            }
            if p == "cryptsetup"
                && !view.operands.first().is_some_and(|w| {
                    matches!(w.text().as_str(), "luksFormat" | "erase" | "luksErase")
                })
            {
                return hits;
            }
            if (p == "fdisk" || p == "parted") && view.has_flag("-l") {
                return hits;
            }
            targets.extend(view.operands.iter().map(|w| (*w).clone()));
        }
        _ => {}
    }
    targets.extend(replaced_files(inv, view, paths.cwd, ctx));
    // Read only for a command whose output overwrites a file.
    let mut completion = None;
    for r in &inv.redirects {
        if r.overwrites() && r.fd.is_none_or(|f| f == 1 || f == 2) {
            if r.fd.is_none_or(|f| f == 1)
                && *completion.get_or_insert_with(|| prints_completion(inv))
                && completion_file(&r.target.text())
            {
                // `kubectl completion fish > ~/.config/fish/completions/kubectl.fish`
                continue;
            }
            targets.push(r.target.clone());
        }
    }
    let device_op = inv.program == "dd" || is_device_op(&inv.program);
    for w in targets {
        let t = w.text();
        if harmless_device(&t) {
            continue;
        }
        let class = if is_block_device(&t) {
            Class::Critical(format!("the disk device {t}"))
        } else if ctx.container_build {
            Class::Fine
        } else if device_op && inv.program != "dd" {
            // mkfs on an image file in the project is how images are built.
            paths.classify(&w)
        } else {
            overwrite_class(&paths, &w, ctx)
        };
        push_hit(&mut hits, want, class, &w);
    }
    for dir in super::extract::extraction_dirs(inv) {
        let class = super::extract::extraction_class(&paths, &dir, ctx);
        push_hit(&mut hits, want, class, &dir);
    }
    hits
}

/// `kubectl completion bash`, `rustup completions zsh`: a tool printing its own
/// completion functions (`specs::shell_init`).
fn prints_completion(inv: &Invocation) -> bool {
    let mut text = inv.program.clone();
    for w in &inv.args {
        text.push(' ');
        text.push_str(&w.text());
    }
    text.contains(" completion") && crate::specs::shell_init::prints_setup_code(&text)
}

/// Where shells look for completion files: fish's `completions`, bash-completion's
/// directories, zsh's `$fpath` (`site-functions`, `~/.zfunc`).
fn completion_file(t: &str) -> bool {
    t.starts_with("${fpath")
        || [
            "/fish/completions/",
            "/fish/vendor_completions.d/",
            "/bash_completion.d/",
            "/bash-completion/completions/",
            "/zsh/site-functions/",
            "/zsh/vendor-completions/",
            "/.zfunc/",
            "/.zsh/completions/",
            "/.zsh/completion/",
            "/.oh-my-zsh/completions/",
            "/.oh-my-zsh/custom/completions/",
        ]
        .iter()
        .any(|d| t.contains(d))
            && !t.contains("/../")
}

/// Programs that write a whole device (or a file system image) given as an operand.
pub(super) fn is_device_op(p: &str) -> bool {
    crate::specs::devices::is_device_op(p)
}

/// The read-only forms of the device programs: listing and printing the partition
/// table, `wipefs` without `-a` (it only lists signatures) or with `-n`, `badblocks`
/// without `-w`, `hdparm` queries, `nvme` other than format/sanitize, `mdadm` other
/// than `--zero-superblock`/`--create`.
pub(super) fn disk_read_only(p: &str, view: &ArgView) -> bool {
    let any = |fs: &[&str]| fs.iter().any(|f| view.has_flag(f));
    let first = view.operands.first().map(|w| w.text()).unwrap_or_default();
    match p {
        "fdisk" | "sfdisk" => any(&[
            "-l",
            "--list",
            "-d",
            "--dump",
            "-J",
            "--json",
            "-s",
            "--show-size",
        ]),
        "parted" => {
            any(&["-l", "--list"])
                || view.operands.iter().skip(1).all(|w| {
                    matches!(
                        w.text().as_str(),
                        "print" | "p" | "unit" | "s" | "B" | "MiB" | "GiB" | "free"
                    )
                }) && view.operands.len() > 1
        }
        "sgdisk" => {
            !any(&[
                "-Z",
                "--zap-all",
                "-z",
                "--zap",
                "-o",
                "--clear",
                "-d",
                "--delete",
                "-n",
                "--new",
                "-N",
                "--largest-new",
                "-g",
                "--mbrtogpt",
                "-l",
                "--load-backup",
                "-R",
                "--replicate",
                "-G",
                "--randomize-guids",
                "-t",
                "--typecode",
                "-c",
                "--change-name",
                "-e",
                "--move-second-header",
                "-U",
                "--disk-guid",
                "-u",
                "--partition-guid",
                "-m",
                "--gpttombr",
                "-r",
                "--transpose",
                "-s",
                "--sort",
                "-a",
                "--set-alignment",
                "-x",
                "--change-name",
                "-A",
                "--attributes",
                "-k",
                "--keep",
                "-C",
                "--recompute-chs",
                "-h",
                "--hybrid",
            ]) && any(&[
                "-p",
                "--print",
                "-v",
                "--verify",
                "-b",
                "--backup",
                "-i",
                "--info",
                "-O",
                "--print-mbr",
                "-L",
                "--list-types",
                "-P",
                "--pretend",
            ])
        }
        "gdisk" => any(&["-l"]),
        "wipefs" => !any(&["-a", "--all", "-o", "--offset"]) || any(&["-n", "--no-act"]),
        "badblocks" => !any(&["-w"]),
        "hdparm" => !view.flags.iter().any(|(_, f)| {
            f.starts_with("--security-erase")
                || f.starts_with("--trim-sector")
                || f.starts_with("--write-sector")
                || f == "--make-bad-sector"
                || f == "--dco-restore"
        }),
        "mdadm" => !any(&["--zero-superblock", "--create", "-C"]),
        "nvme" => !matches!(
            first.as_str(),
            "format" | "sanitize" | "write-zeroes" | "delete-ns"
        ),
        "cryptsetup" => false,
        _ => false,
    }
}

/// Existing files that a copy, move, link, `tee` or download writes over: what they
/// held is gone, as with `>`. A file that does not exist yet loses nothing.
pub(super) fn replaced_files(
    inv: &Invocation,
    view: &ArgView,
    cwd: Option<&Path>,
    ctx: &Context,
) -> Vec<Word> {
    let named: Vec<Word> = match inv.program.as_str() {
        "cp" | "mv" | "install" | "ln" => {
            let force_needed = inv.program == "ln";
            if view
                .flags
                .iter()
                .any(|(_, f)| keeps_what_it_would_overwrite(f))
                || force_needed && !(view.has_flag("-f") || view.has_flag("--force"))
                || view.operands.len() < 2
            {
                return Vec::new();
            }
            let (sources, dest) = view.operands.split_at(view.operands.len() - 1);
            let dest = dest[0];
            match dest
                .lit()
                .and_then(|d| resolve(&d, cwd, ctx.home.as_deref()))
            {
                // Into a directory: each source lands under its own name.
                Some(dir) if dir.is_dir() => sources
                    .iter()
                    .filter_map(|s| {
                        let name = Path::new(&s.lit()?).file_name()?.to_owned();
                        let path = dir.join(name).to_string_lossy().into_owned();
                        Some(Word::literal(path, dest.span.clone()))
                    })
                    .collect(),
                Some(_) => vec![dest.clone()],
                None => Vec::new(),
            }
        }
        "tee" if !(view.has_flag("-a") || view.has_flag("--append")) => {
            view.operands.iter().map(|w| (*w).clone()).collect()
        }
        "curl" => option_values(inv, &CURL, &["-o", "--output"]),
        "wget" => option_values(inv, &WGET, &["-O", "--output-document"]),
        _ => Vec::new(),
    };
    named
        .into_iter()
        .filter(|w| is_existing_file(w, &inv.program, cwd, ctx))
        .collect()
}

/// Is `w` a file that is there now (or a disk, which is there where it matters)? `mv`
/// and `ln` replace a symbolic link itself, which loses nothing; the others write
/// through it.
pub(super) fn is_existing_file(w: &Word, program: &str, cwd: Option<&Path>, ctx: &Context) -> bool {
    let replaces_links = matches!(program, "mv" | "ln");
    if is_block_device(&w.text()) {
        return true;
    }
    !w.is_dynamic()
        && resolve(&w.text(), cwd, ctx.home.as_deref()).is_some_and(|p| {
            let meta = if replaces_links {
                p.symlink_metadata()
            } else {
                p.metadata()
            };
            meta.is_ok_and(|m| !m.is_dir() && !m.file_type().is_symlink())
        })
}

/// The values of the options `names`, in any form the program accepts (`-o F`, `-oF`,
/// `-sSo F`, `--output=F`).
pub(super) fn option_values(inv: &Invocation, spec: &Spec, names: &[&str]) -> Vec<Word> {
    opts::scan(&inv.args, spec)
        .into_iter()
        .filter_map(|item| match item {
            Item::Opt { name, value } if names.contains(&name.as_str()) => value,
            _ => None,
        })
        .collect()
}

/// Overwriting one file matters for system files, shell and SSH config, data files
/// and git internals; files elsewhere are ordinary output.
pub(super) fn overwrite_class(paths: &Paths, w: &Word, ctx: &Context) -> Class {
    if let Some(m) = paths.container {
        return paths.classify_in_container(m, w);
    }
    if w.is_dynamic() {
        return if maybe_empty_then_slash(w) {
            Class::Protected(format!(
                "`{}` starts with a variable that may be empty",
                w.text()
            ))
        } else {
            Class::Fine
        };
    }
    let Some(p) = resolve(&w.text(), paths.cwd, ctx.home.as_deref()) else {
        return Class::Fine;
    };
    let shown = p.display().to_string();
    let in_home = ctx.home.as_deref().is_some_and(|h| p.starts_with(h));
    if in_system_dir(&p) && !in_home {
        return Class::Protected(format!("the system file {shown}"));
    }
    if p.components().any(|c| c.as_os_str() == ".git") {
        return Class::Protected(format!("git internals in {shown}"));
    }
    if let Some(h) = ctx.home.as_deref() {
        if let Ok(rel) = p.strip_prefix(h) {
            let r = rel.to_string_lossy();
            let first = r.split('/').next().unwrap_or("");
            let sensitive = (first.starts_with('.') && rel.components().count() == 1)
                || matches!(
                    first,
                    ".ssh" | ".aws" | ".kube" | ".gnupg" | ".docker" | ".config"
                );
            if sensitive {
                return Class::Protected(format!("your configuration file {shown}"));
            }
        }
    }
    if is_data_name(&shown) && p.exists() {
        return Class::Protected(format!("the data file {shown}"));
    }
    Class::Fine
}

pub(super) fn strip_word_prefix(w: &mut Word, n: usize) {
    if let Some(crate::syntax::word::Part::Lit(t)) = w.parts.first_mut() {
        if t.len() >= n {
            *t = t[n..].to_string();
        }
    }
}

/// `fs.permissions`: `chmod -R`/`chown -R`/`chgrp -R` over a critical or protected
/// tree.
pub fn permissions(inv: &Invocation, view: &ArgView, ctx: &Context, params: Params) -> Vec<Hit> {
    if ctx.container_build {
        return Vec::new();
    }
    let want = params.get("class").unwrap_or("protected");
    let paths = Paths::new(ctx, inv);
    let mut hits = Vec::new();
    // The first operand is the mode or owner unless --reference is given.
    let skip = usize::from(!view.flags.iter().any(|(_, f)| f.starts_with("--reference")));
    for w in view.operands.iter().skip(skip) {
        // Permissions can be put back: only system files, git and data matter here.
        let class = match paths.classify(w) {
            Class::Protected(_) => Class::Fine,
            Class::Sensitive(s) if s.contains("git history") => Class::Fine,
            c => c,
        };
        push_hit(&mut hits, want, class, w);
    }
    hits
}

/// `fs.move`: moving away the root, a system directory, the home directory or a
/// `.git` directory.
pub fn moves(inv: &Invocation, view: &ArgView, ctx: &Context, _params: Params) -> Vec<Hit> {
    if ctx.container_build || view.operands.len() < 2 {
        return Vec::new();
    }
    let paths = Paths::new(ctx, inv);
    let mut hits = Vec::new();
    let target_dir = view
        .flags
        .iter()
        .any(|(_, f)| f == "-t" || f.starts_with("--target-directory"));
    let sources: &[&Word] = if target_dir {
        &view.operands
    } else {
        &view.operands[..view.operands.len() - 1]
    };
    for w in sources {
        let class = paths.classify(w);
        let hit = match &class {
            Class::Critical(s) => Some(s.clone()),
            Class::Sensitive(s) if s.contains("git history") || s.contains("database") => {
                Some(s.clone())
            }
            _ => None,
        };
        if let Some(s) = hit {
            hits.push(Hit {
                span: Some(w.span.clone()),
                detail: Some(s),
            });
        }
    }
    hits
}
