//! Containers and clusters: `docker exec`/`run`, `docker compose`, `kubectl exec`.

use super::*;

impl Analyzer<'_> {
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
        if args.get(i).and_then(|w| w.lit()).as_deref() != Some("exec") {
            return false;
        }
        let rest = &args[i + 1..];
        let dashes = rest.iter().position(|w| w.text() == "--");
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
