//! Containers and clusters: `docker exec`/`run`, `docker compose`, `kubectl exec`.

use super::*;
use crate::model::invocation::{Mount, MountSource, Mounts};

/// `docker run`/`create` options that take the next word as their value.
const RUN_VALUE_OPTS: &[&str] = &[
    "-a",
    "--attach",
    "--add-host",
    "--annotation",
    "--blkio-weight",
    "--blkio-weight-device",
    "--cap-add",
    "--cap-drop",
    "--cgroup-parent",
    "--cgroupns",
    "--cidfile",
    "-c",
    "--cpu-shares",
    "--cpu-period",
    "--cpu-quota",
    "--cpu-rt-period",
    "--cpu-rt-runtime",
    "--cpus",
    "--cpuset-cpus",
    "--cpuset-mems",
    "--device",
    "--device-cgroup-rule",
    "--device-read-bps",
    "--device-read-iops",
    "--device-write-bps",
    "--device-write-iops",
    "--dns",
    "--dns-option",
    "--dns-search",
    "--domainname",
    "--entrypoint",
    "-e",
    "--env",
    "--env-file",
    "--expose",
    "--gpus",
    "--group-add",
    "--health-cmd",
    "--health-interval",
    "--health-retries",
    "--health-start-period",
    "--health-timeout",
    "-h",
    "--hostname",
    "--ip",
    "--ip6",
    "--ipc",
    "--isolation",
    "--kernel-memory",
    "-l",
    "--label",
    "--label-file",
    "--link",
    "--link-local-ip",
    "--log-driver",
    "--log-opt",
    "--mac-address",
    "-m",
    "--memory",
    "--memory-reservation",
    "--memory-swap",
    "--memory-swappiness",
    "--mount",
    "--name",
    "--network",
    "--net",
    "--network-alias",
    "--oom-score-adj",
    "--pid",
    "--pids-limit",
    "--platform",
    "-p",
    "--publish",
    "--pull",
    "--restart",
    "--runtime",
    "--security-opt",
    "--shm-size",
    "--stop-signal",
    "--stop-timeout",
    "--storage-opt",
    "--sysctl",
    "--tmpfs",
    "--ulimit",
    "-u",
    "--user",
    "--userns",
    "--uts",
    "-v",
    "--volume",
    "--volume-driver",
    "--volumes-from",
    "-w",
    "--workdir",
    "--detach-keys",
    "--pod",
    "--arch",
    "--os",
    "--variant",
    "--secret",
    "--requires",
    "--uidmap",
    "--gidmap",
    "--subuidname",
    "--subgidname",
    "--userns",
];

impl Analyzer<'_> {
    /// `docker run|create [OPTIONS] IMAGE CMD…`: the command runs in a new container
    /// whose file system is its own, except what `-v`, `--mount` and `--volumes-from`
    /// bring in; it is judged with those mounts (`Invocation::container`), so a path
    /// under `-v /:/host` is the host's and one in a named volume is that volume's data.
    /// Returns false when no command is given (the image's own runs).
    pub(super) fn run_container(
        &mut self,
        args: &[Word],
        cmd: &Cmd,
        fr: &Frame,
        scope: &mut Scope,
        nd: usize,
    ) -> bool {
        let global = [
            "-H",
            "--host",
            "-c",
            "--context",
            "--config",
            "-l",
            "--log-level",
        ];
        let mut i = skip_options(args, &global);
        if args.get(i).and_then(|w| w.lit()).as_deref() == Some("container") {
            i += 1;
        }
        if args.get(i).and_then(|w| w.lit()).as_deref() == Some("compose") {
            return self.run_compose(&args[i + 1..], cmd, fr, scope, nd);
        }
        if !matches!(
            args.get(i).and_then(|w| w.lit()).as_deref(),
            Some("run" | "create")
        ) {
            return false;
        }
        let rest = &args[i + 1..];
        let mut mounts = Mounts::default();
        let mut workdir: Option<PathBuf> = None;
        let mut entrypoint: Option<Word> = None;
        let mut interactive = false;
        let mut j = 0;
        while j < rest.len() {
            let t = rest[j].text();
            if t == "--" {
                j += 1;
                break;
            }
            if !t.starts_with('-') || t.len() < 2 {
                break;
            }
            let (opt, value, used) = match t.split_once('=') {
                Some((o, _)) if o.starts_with("--") => {
                    (o.to_string(), Some(word_after(&rest[j], o.len() + 1)), 1)
                }
                _ if RUN_VALUE_OPTS.contains(&t.as_str()) => {
                    (t.clone(), rest.get(j + 1).cloned(), 2)
                }
                // `-v/src:/dst`, `-w/app`: a short option with its value attached.
                _ if !t.starts_with("--")
                    && matches!(t.get(..2), Some("-v" | "-w" | "-e" | "-u"))
                    && t.len() > 2 =>
                {
                    (t[..2].to_string(), Some(word_after(&rest[j], 2)), 1)
                }
                _ => {
                    interactive |= t == "--interactive"
                        || (!t.starts_with("--")
                            && t[1..].chars().all(|c| c.is_ascii_alphabetic())
                            && t.contains('i'));
                    (t.clone(), None, 1)
                }
            };
            j += used;
            let Some(v) = value else { continue };
            match opt.as_str() {
                "-v" | "--volume" => mounts.mounts.extend(self.volume_option(&v, cmd)),
                "--mount" => mounts.mounts.extend(self.mount_option(&v, cmd)),
                "--volumes-from" => mounts.volumes_from.push(v.text()),
                "-w" | "--workdir" => {
                    workdir = v.lit().filter(|d| d.starts_with('/')).map(PathBuf::from);
                }
                "--entrypoint" => entrypoint = Some(v),
                _ => {}
            }
        }
        // The image, then the command.
        let mut words: Vec<Word> = entrypoint.into_iter().collect();
        words.extend(rest.get(j + 1..).unwrap_or(&[]).iter().cloned());
        if words.is_empty() {
            return false;
        }
        self.note_program("docker");
        let inner = Cmd {
            words,
            env: cmd.env.clone(),
            redirects: Vec::new(),
            stdin: if interactive {
                self.forwarded_stdin(&cmd.stdin)
            } else {
                Stdin::Inherit
            },
            span: cmd.span.clone(),
            cwd: workdir.clone(),
            remote: true,
            fed_args: cmd.fed_args,
        };
        let mut s = scope.clone();
        s.cwd = workdir;
        let outer = self.container.replace(Rc::new(mounts));
        self.run_cmd(inner, fr, &mut s, nd + 1);
        self.container = outer;
        true
    }

    /// `docker compose [GLOBAL] run [OPTIONS] SERVICE CMD…`: the command runs in a new
    /// container of SERVICE with the service's volumes from the compose file (read
    /// within the size bound; host paths relative to the file's directory) and the
    /// `-v` options given; it is judged with those mounts, as `docker run` is. A
    /// compose file that exists but cannot be read makes every path in the container
    /// one whose mount is unknown. Returns false when this is not `compose run` with
    /// a command.
    pub(super) fn run_compose(
        &mut self,
        args: &[Word],
        cmd: &Cmd,
        fr: &Frame,
        scope: &mut Scope,
        nd: usize,
    ) -> bool {
        let mut files: Vec<Word> = Vec::new();
        let mut project_dir: Option<Word> = None;
        let mut i = 0;
        while i < args.len() {
            let t = args[i].text();
            if !t.starts_with('-') || t == "-" {
                break;
            }
            let value = args.get(i + 1).cloned();
            match t.as_str() {
                "-f" | "--file" => files.extend(value),
                "--project-directory" => project_dir = value,
                "-p" | "--project-name" | "--profile" | "--env-file" | "--ansi" | "--parallel"
                | "--progress" => {}
                _ => {
                    if let Some(f) = t.strip_prefix("--file=") {
                        files.push(word_after(&args[i], t.len() - f.len()));
                    } else if let Some(d) = t.strip_prefix("--project-directory=") {
                        project_dir = Some(word_after(&args[i], t.len() - d.len()));
                    }
                    i += 1;
                    continue;
                }
            }
            i += 2;
        }
        if args.get(i).and_then(|w| w.lit()).as_deref() != Some("run") {
            return false;
        }
        let rest = &args[i + 1..];
        let value_opts = [
            "-e",
            "--env",
            "-u",
            "--user",
            "-w",
            "--workdir",
            "--name",
            "--entrypoint",
            "-p",
            "--publish",
            "-v",
            "--volume",
            "-l",
            "--label",
            "--cap-add",
            "--cap-drop",
            "--pull",
            "--env-from-file",
        ];
        let mut mounts = Mounts::default();
        let mut workdir: Option<PathBuf> = None;
        let mut entrypoint: Option<Word> = None;
        let mut j = 0;
        while j < rest.len() {
            let t = rest[j].text();
            if !t.starts_with('-') || t.len() < 2 {
                break;
            }
            let (opt, value, used) = match t.split_once('=') {
                Some((o, _)) if o.starts_with("--") => {
                    (o.to_string(), Some(word_after(&rest[j], o.len() + 1)), 1)
                }
                _ if value_opts.contains(&t.as_str()) => (t.clone(), rest.get(j + 1).cloned(), 2),
                _ if !t.starts_with("--") && matches!(t.get(..2), Some("-v" | "-w")) => {
                    (t[..2].to_string(), Some(word_after(&rest[j], 2)), 1)
                }
                _ => (t.clone(), None, 1),
            };
            j += used;
            let Some(v) = value else { continue };
            match opt.as_str() {
                "-v" | "--volume" => mounts.mounts.extend(self.volume_option(&v, cmd)),
                "-w" | "--workdir" => {
                    workdir = v.lit().filter(|d| d.starts_with('/')).map(PathBuf::from);
                }
                "--entrypoint" => entrypoint = Some(v),
                _ => {}
            }
        }
        let Some(service) = rest.get(j) else {
            return false;
        };
        let mut words: Vec<Word> = entrypoint.into_iter().collect();
        words.extend(rest.get(j + 1..).unwrap_or(&[]).iter().cloned());
        if words.is_empty() {
            return false;
        }
        // The service's own volumes, from the compose file.
        let dir = match &project_dir {
            Some(d) => self.resolve_word(d, cmd.cwd.as_deref()),
            None => cmd.cwd.clone(),
        };
        let file = match files.first() {
            Some(f) => match self.resolve_word(f, cmd.cwd.as_deref()) {
                Some(p) => match self.runnable(&p) {
                    super::files::Runnable::Text(t) => super::project::ProjectFile::Text(p, t),
                    super::files::Runnable::Missing => super::project::ProjectFile::Absent,
                    _ => super::project::ProjectFile::Unreadable(p.display().to_string()),
                },
                None => super::project::ProjectFile::Unreadable(f.text()),
            },
            None => self.project_file(
                dir.as_deref(),
                &[
                    "compose.yaml",
                    "compose.yml",
                    "docker-compose.yml",
                    "docker-compose.yaml",
                ],
                true,
            ),
        };
        let unknown = |why: String| Mount {
            target: PathBuf::from("/"),
            source: MountSource::Unknown(why),
        };
        match file {
            super::project::ProjectFile::Text(p, text) => {
                let base = p.parent().map(Path::to_path_buf);
                match service_volumes(
                    &text,
                    &service.text(),
                    base.as_deref(),
                    self.ctx.home.as_deref(),
                ) {
                    Some(found) => mounts.mounts.extend(found),
                    None => mounts.mounts.push(unknown(format!(
                        "the compose file {} (not readable as YAML)",
                        p.display()
                    ))),
                }
            }
            super::project::ProjectFile::Unreadable(why) => mounts.mounts.push(unknown(format!(
                "a compose file that cannot be read: {why}"
            ))),
            super::project::ProjectFile::Absent => {}
        }
        self.note_program("docker-compose");
        let inner = Cmd {
            words,
            env: cmd.env.clone(),
            redirects: Vec::new(),
            stdin: if rest[..j]
                .iter()
                .any(|w| w.text() == "--interactive=false" || w.text() == "-T")
            {
                Stdin::Inherit
            } else {
                self.forwarded_stdin(&cmd.stdin)
            },
            span: cmd.span.clone(),
            cwd: workdir.clone(),
            remote: true,
            fed_args: cmd.fed_args,
        };
        let mut s = scope.clone();
        s.cwd = workdir;
        let outer = self.container.replace(Rc::new(mounts));
        self.run_cmd(inner, fr, &mut s, nd + 1);
        self.container = outer;
        true
    }

    /// `-v SRC:DST[:OPTS]`: a host path (absolute, `~`, `.`) or a named volume.
    /// Read-only mounts cannot be deleted through; a bare `-v /data` is a new
    /// anonymous volume.
    fn volume_option(&self, v: &Word, cmd: &Cmd) -> Option<Mount> {
        let text = v.text();
        let mut parts = text.splitn(3, ':');
        let src = parts.next()?;
        let dst = parts.next()?;
        let opts = parts.next().unwrap_or("");
        if opts.split(',').any(|o| o == "ro" || o == "readonly") || !dst.starts_with('/') {
            return None;
        }
        Some(Mount {
            target: PathBuf::from(dst),
            source: self.mount_source(v, src, cmd),
        })
    }

    /// `--mount type=bind|volume,source=…,target=…[,readonly]`.
    fn mount_option(&self, v: &Word, cmd: &Cmd) -> Option<Mount> {
        let text = v.text();
        let (mut other, mut src, mut dst, mut ro) = (false, None, None, false);
        for field in text.split(',') {
            let (k, val) = field.split_once('=').unwrap_or((field, "true"));
            match k {
                "type" => other = val != "bind" && val != "volume",
                "source" | "src" => src = Some(val),
                "target" | "destination" | "dst" => dst = Some(val),
                "readonly" | "ro" => ro = val != "false" && val != "0",
                _ => {}
            }
        }
        let dst = dst.filter(|d| d.starts_with('/'))?;
        if ro || other {
            return None;
        }
        let source = self.mount_source(v, src?, cmd);
        Some(Mount {
            target: PathBuf::from(dst),
            source,
        })
    }

    /// A mount's source: a host path when it looks like one, else a volume's name.
    fn mount_source(&self, v: &Word, src: &str, cmd: &Cmd) -> MountSource {
        if v.lit().is_none() {
            return MountSource::Unknown(src.to_string());
        }
        let is_path = src.starts_with('/') || src.starts_with('~') || src.starts_with('.');
        if !is_path {
            return MountSource::Volume(src.to_string());
        }
        match scope::resolve(src, cmd.cwd.as_deref(), self.ctx.home.as_deref()) {
            Some(p) => MountSource::Host(p),
            None => MountSource::Unknown(src.to_string()),
        }
    }

    /// `docker exec C CMD…`, `docker compose exec|run S CMD…`, `docker run IMG CMD…`:
    /// rewrites `cmd` to the command run in the container.
    pub(super) fn unwrap_container(&mut self, name: &str, args: &[Word], cmd: &mut Cmd) -> bool {
        let global = [
            "-H",
            "--host",
            "-c",
            "--context",
            "--config",
            "-l",
            "--log-level",
        ];
        let i = skip_options(args, &global);
        let Some(sub) = args.get(i).and_then(|w| w.lit()) else {
            return false;
        };
        let rest = &args[i + 1..];
        match sub.as_str() {
            "exec" => {
                let opts = [
                    "-e",
                    "--env",
                    "--env-file",
                    "-u",
                    "--user",
                    "-w",
                    "--workdir",
                    "--detach-keys",
                ];
                let s = skip_options(rest, &opts);
                if s + 1 >= rest.len() {
                    return false;
                }
                self.note_program(name);
                if !keeps_stdin(&rest[..s], 'i', &["--interactive"]) {
                    cmd.stdin = Stdin::Inherit;
                }
                cmd.words = rest[s + 1..].to_vec();
                cmd.remote = true;
                cmd.cwd = None;
                true
            }
            "compose" => self.unwrap_compose(rest, cmd),
            "container" => {
                let mut v = vec![Word::literal("docker", cmd.span.clone())];
                v.extend(rest.iter().cloned());
                self.unwrap_container(name, &v[1..], cmd)
            }
            _ => false,
        }
    }

    pub(super) fn unwrap_compose(&mut self, args: &[Word], cmd: &mut Cmd) -> bool {
        let global = [
            "-f",
            "--file",
            "-p",
            "--project-name",
            "--profile",
            "--env-file",
            "--project-directory",
            "--ansi",
            "--parallel",
            "--progress",
        ];
        let i = skip_options(args, &global);
        let Some(sub) = args.get(i).and_then(|w| w.lit()) else {
            return false;
        };
        let rest = &args[i + 1..];
        let opts: &[&str] = match sub.as_str() {
            "exec" => &["-e", "--env", "-u", "--user", "-w", "--workdir", "--index"],
            "run" => &[
                "-e",
                "--env",
                "-u",
                "--user",
                "-w",
                "--workdir",
                "--name",
                "--entrypoint",
                "-p",
                "--publish",
                "-v",
                "--volume",
                "-l",
                "--label",
                "--cap-add",
                "--cap-drop",
                "--pull",
            ],
            _ => return false,
        };
        let s = skip_options(rest, opts);
        if s + 1 >= rest.len() {
            return false;
        }
        self.note_program("docker-compose");
        // compose attaches stdin unless told not to.
        if rest[..s].iter().any(|w| w.text() == "--interactive=false") {
            cmd.stdin = Stdin::Inherit;
        }
        cmd.words = rest[s + 1..].to_vec();
        cmd.remote = true;
        cmd.cwd = None;
        true
    }

    pub(super) fn unwrap_kubectl(&mut self, args: &[Word], cmd: &mut Cmd) -> bool {
        let global = [
            "-n",
            "--namespace",
            "--context",
            "--kubeconfig",
            "--cluster",
            "--user",
            "-s",
            "--server",
            "--token",
        ];
        let i = skip_options(args, &global);
        let sub = args.get(i).and_then(|w| w.lit());
        let rest = &args[i + 1..];
        let dashes = rest.iter().position(|w| w.text() == "--");
        // `kubectl run NAME --image=I [--rm -it] -- CMD`: the pod runs CMD (its
        // arguments, with `--command`, or the image's entrypoint's).
        if sub.as_deref() == Some("run") {
            let Some(p) = dashes.filter(|p| p + 1 < rest.len()) else {
                return false;
            };
            self.note_program("kubectl");
            if !keeps_stdin(&rest[..p], 'i', &["--stdin"]) {
                cmd.stdin = Stdin::Inherit;
            }
            cmd.words = rest[p + 1..].to_vec();
            cmd.remote = true;
            cmd.cwd = None;
            return true;
        }
        if sub.as_deref() != Some("exec") {
            return false;
        }
        let start = match dashes {
            Some(p) => p + 1,
            None => {
                let opts = [
                    "-c",
                    "--container",
                    "-n",
                    "--namespace",
                    "-f",
                    "--filename",
                    "--pod-running-timeout",
                ];
                skip_options(rest, &opts) + 1
            }
        };
        if start >= rest.len() {
            return false;
        }
        self.note_program("kubectl");
        let opts = &rest[..dashes.unwrap_or(start - 1)];
        if !keeps_stdin(opts, 'i', &["--stdin"]) {
            cmd.stdin = Stdin::Inherit;
        }
        cmd.words = rest[start..].to_vec();
        cmd.remote = true;
        cmd.cwd = None;
        true
    }
}

/// Do these options of `docker exec` / `kubectl exec` pass stdin on (`-i`, `-it`,
/// `--interactive`)?
pub(super) fn keeps_stdin(opts: &[Word], short: char, long: &[&str]) -> bool {
    opts.iter().any(|w| {
        let t = w.text();
        if let Some(l) = t.strip_prefix("--") {
            return long.iter().any(|o| {
                let o = &o[2..];
                l == o || l.strip_prefix(o).is_some_and(|v| v == "=true")
            });
        }
        t.strip_prefix('-').is_some_and(|c| {
            !c.is_empty() && c.chars().all(|x| x.is_ascii_alphabetic()) && c.contains(short)
        })
    })
}

/// The writable mounts of `service` in a compose file: short (`SRC:DST[:ro]`) and long
/// (`type`, `source`, `target`, `read_only`) forms; host paths relative to `base` (the
/// file's directory), names as named volumes, `${…}` as unknown. `None` when the file
/// is not YAML; a service the file does not define has none (compose refuses to run it).
fn service_volumes(
    text: &str,
    service: &str,
    base: Option<&Path>,
    home: Option<&Path>,
) -> Option<Vec<Mount>> {
    use crate::specs::tasks::yaml;
    let docs = yaml::parse(text).ok()?;
    let mut out = Vec::new();
    let Some(svc) = docs
        .first()
        .and_then(|d| d.get("services"))
        .and_then(|s| s.get(service))
    else {
        return Some(out);
    };
    let Some(vols) = svc.get("volumes") else {
        return Some(out);
    };
    let source = |src: &str| -> MountSource {
        if src.contains('$') {
            return MountSource::Unknown(src.to_string());
        }
        if src.starts_with('/') || src.starts_with('.') || src.starts_with('~') {
            match scope::resolve(src, base, home) {
                Some(p) => MountSource::Host(p),
                None => MountSource::Unknown(src.to_string()),
            }
        } else {
            MountSource::Volume(src.to_string())
        }
    };
    for item in vols.items().iter().take(256) {
        if let Some(short) = item.as_str() {
            let mut parts = short.splitn(3, ':');
            let (Some(src), Some(dst)) = (parts.next(), parts.next()) else {
                continue;
            };
            let opts = parts.next().unwrap_or("");
            if opts.split(',').any(|o| o == "ro" || o == "readonly") || !dst.starts_with('/') {
                continue;
            }
            out.push(Mount {
                target: PathBuf::from(dst),
                source: source(src),
            });
        } else {
            let kind = item.get_str("type").unwrap_or("volume");
            let ro = item
                .get_str("read_only")
                .is_some_and(|v| v == "true" || v == "yes");
            let (Some(src), Some(dst)) = (item.get_str("source"), item.get_str("target")) else {
                continue;
            };
            if ro || !matches!(kind, "bind" | "volume") || !dst.starts_with('/') {
                continue;
            }
            out.push(Mount {
                target: PathBuf::from(dst),
                source: source(src),
            });
        }
    }
    Some(out)
}
