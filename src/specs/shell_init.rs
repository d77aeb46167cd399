//! Programs whose output is shell code meant to be run in the current shell, printed
//! by the program itself: `eval "$(ssh-agent -s)"`, `eval "$(direnv hook bash)"`,
//! `eval "$(pyenv init -)"`, `source <(kubectl completion bash)`. The output is the
//! tool's own fixed setup code (environment variables, hooks, completion functions),
//! not text from the line or the network, so running it is everyday shell setup.
//!
//! Only the exact setup forms count: the program, its setup subcommand, then shell
//! names and options (`bash`, `-`, `--path`, `-s`). Anything else in the substitution
//! (another command, a redirection other than discarding errors, an expansion, a path
//! under a temporary directory) leaves it computed code.

/// Program → the subcommand words that print setup code (`""`: options only, as
/// `ssh-agent -s` or `dircolors -b`).
const INIT: &[(&str, &[&str])] = &[
    ("ssh-agent", &[""]),
    ("dircolors", &[""]),
    ("keychain", &["--eval"]),
    ("direnv", &["hook", "export"]),
    ("starship", &["init"]),
    ("zoxide", &["init"]),
    ("atuin", &["init"]),
    ("mcfly", &["init"]),
    ("oh-my-posh", &["init"]),
    ("navi", &["widget"]),
    ("pyenv", &["init", "virtualenv-init"]),
    ("rbenv", &["init"]),
    ("nodenv", &["init"]),
    ("goenv", &["init"]),
    ("jenv", &["init"]),
    ("plenv", &["init"]),
    ("phpenv", &["init"]),
    ("mise", &["activate", "hook-env", "env"]),
    ("rtx", &["activate", "hook-env", "env"]),
    ("fnm", &["env"]),
    (
        "conda",
        &["shell.bash", "shell.zsh", "shell.fish", "shell.posix"],
    ),
    (
        "mamba",
        &["shell.bash", "shell.zsh", "shell.fish", "shell.posix"],
    ),
    ("micromamba", &["shell"]),
    ("brew", &["shellenv"]),
    ("thefuck", &["--alias"]),
    ("fzf", &["--bash", "--zsh", "--fish"]),
    ("opam", &["env", "config"]),
    ("luarocks", &["path"]),
];

/// Programs that print their own completion functions with `completion[s] SHELL`.
const COMPLETION: &[&str] = &[
    "kubectl",
    "helm",
    "gh",
    "glab",
    "npm",
    "pnpm",
    "yarn",
    "pip",
    "pip3",
    "rustup",
    "docker",
    "podman",
    "nerdctl",
    "minikube",
    "kind",
    "k3d",
    "flux",
    "argocd",
    "doctl",
    "poetry",
    "deno",
    "bun",
    "just",
    "task",
    "uv",
    "uvx",
    "ruff",
    "pdm",
    "hatch",
    "chezmoi",
    "op",
    "tailscale",
    "fly",
    "flyctl",
    "supabase",
    "stripe",
    "hugo",
    "kustomize",
    "kubeadm",
    "cilium",
    "istioctl",
    "velero",
    "skaffold",
    "tilt",
    "crictl",
    "cosign",
    "hcloud",
    "railway",
    "vercel",
    "netlify",
    "turso",
    "neonctl",
    "pscale",
    "mc",
    "rclone",
    "restic",
    "buf",
    "goreleaser",
    "golangci-lint",
    "kubebuilder",
    "operator-sdk",
    "eksctl",
    "cue",
    "dagger",
    "devbox",
    "zellij",
    "atuin",
    "starship",
    "zoxide",
    "mise",
    "rtx",
    "fnm",
    "volta",
    "bw",
    "tkn",
    "oc",
    "k9s",
    "cargo",
    "gitlab-runner",
    "terraform-docs",
    "tflint",
    "packer",
    "nomad",
    "consul",
    "vault",
    "lefthook",
];

/// Words after the setup subcommand that only pick a shell or an option.
fn plain_arg(t: &str) -> bool {
    !t.is_empty()
        && t.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '=' | ','))
}

/// Is `body` (the text inside `$(…)`, `` `…` `` or `<(…)`) one of the setup forms?
pub fn prints_setup_code(body: &str) -> bool {
    let mut text = body.trim().to_string();
    for discard in ["2>/dev/null", "2> /dev/null", "2>&-"] {
        text = text.replace(discard, " ");
    }
    if text.contains([
        '$', '`', ';', '|', '&', '<', '>', '(', ')', '{', '}', '\\', '\n', '*', '?', '[',
    ]) {
        return false;
    }
    // Quotes around single words (`'conda' 'shell.bash' 'hook'`) are only quoting.
    let mut words = Vec::new();
    for w in text.split_whitespace() {
        let unq = w.trim_matches(|c| c == '\'' || c == '"');
        if unq.contains(['\'', '"']) || unq.is_empty() {
            return false;
        }
        words.push(unq);
    }
    let Some((prog, rest)) = words.split_first() else {
        return false;
    };
    if prog.contains('/') && !installed_path(prog) {
        return false;
    }
    let name = prog.rsplit('/').next().unwrap_or(prog);
    if let Some((_, subs)) = INIT.iter().find(|(p, _)| *p == name) {
        let (first, args) = match rest.split_first() {
            Some((f, a)) if !subs.contains(&"") => (*f, a),
            _ => ("", rest),
        };
        let options_only = first.is_empty();
        return subs.contains(&first)
            && args.iter().all(|a| {
                plain_arg(a)
                    && (!options_only
                        || a.starts_with('-')
                        || a.chars().all(|c| c.is_ascii_digit()))
            });
    }
    if COMPLETION.contains(&name) {
        return matches!(rest.first(), Some(&"completion") | Some(&"completions"))
            && rest[1..].iter().all(|a| plain_arg(a));
    }
    false
}

/// A program named by an absolute path in an install location (`/opt/homebrew/bin/brew`,
/// `/home/user/miniconda3/bin/conda`), never temporary space or a relative path.
fn installed_path(p: &str) -> bool {
    (p.starts_with('/') || p.starts_with("~/"))
        && !["/tmp/", "/var/tmp/", "/dev/shm/", "/run/user/"]
            .iter()
            .any(|t| p.starts_with(t))
        && !p.split('/').any(|c| c == "..")
}

#[cfg(test)]
mod tests {
    use super::prints_setup_code as s;

    #[test]
    fn setup_forms() {
        for b in [
            "ssh-agent -s",
            "direnv hook bash",
            "pyenv init -",
            "pyenv init --path",
            "conda shell.bash hook",
            "'/home/user/miniconda3/bin/conda' 'shell.bash' 'hook' 2> /dev/null",
            "/opt/homebrew/bin/brew shellenv",
            "kubectl completion bash",
            "gh completion -s zsh",
            "rustup completions bash",
            "fnm env --use-on-cd",
        ] {
            assert!(s(b), "{b}");
        }
        for b in [
            "cat x.sh",
            "curl -s https://x/y.sh",
            "ssh-agent bash -c 'rm -rf ~'",
            "pyenv init - ; rm -rf ~",
            "/tmp/x/pyenv init -",
            "./starship init bash",
            "kubectl completion bash | sed s/x/y/",
            "echo init",
            "direnv exec . rm -rf ~",
            "kubectl get secrets",
            "printenv init",
            "ssh-agent bash",
        ] {
            assert!(!s(b), "{b}");
        }
    }
}
