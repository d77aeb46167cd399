//! Extractors: from a file of some kind to the shell commands it will run, each with
//! where its text sits in the file and the context it runs in.

pub mod dockerfile;
pub mod github;
pub mod gitlab;
pub mod justfile;
pub mod makefile;
pub mod package_json;
pub mod python_tasks;
pub mod shell;
pub use crate::specs::tasks::yaml;

use super::position::Mapped;
use serde::Serialize;
use std::path::Path;

/// The kinds of files that hold shell the audit reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    Shell,
    GithubWorkflow,
    GithubAction,
    GitlabCi,
    Dockerfile,
    Makefile,
    PackageJson,
    Justfile,
    Pyproject,
    Tox,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Shell => "shell script",
            Kind::GithubWorkflow => "GitHub Actions workflow",
            Kind::GithubAction => "GitHub composite action",
            Kind::GitlabCi => "GitLab CI",
            Kind::Dockerfile => "Dockerfile",
            Kind::Makefile => "Makefile",
            Kind::PackageJson => "package.json",
            Kind::Justfile => "justfile",
            Kind::Pyproject => "pyproject.toml tasks",
            Kind::Tox => "tox.ini",
        }
    }
}

/// Where a command runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cwd {
    /// A directory relative to the scanned root (`""` is the root itself).
    Repo(String),
    /// The directory of the file itself (a Makefile, package.json or justfile).
    FileDir,
    /// An absolute directory (a Dockerfile `WORKDIR`, an absolute working-directory).
    Absolute(String),
    /// Not known before it runs (computed from a template expression).
    Unknown,
}

/// One unit of shell that runs as a whole (a script, a `run:` step, a `RUN`, a recipe
/// line), with its origin in the file.
#[derive(Debug, Clone)]
pub struct Command {
    pub text: Mapped,
    pub cwd: Cwd,
    /// Runs inside an image being built (Dockerfile `RUN`).
    pub container_build: bool,
    /// Names put in place of template expressions, and the expression each stands for
    /// (so messages show `${{ inputs.dir }}`, not the placeholder).
    pub placeholders: Vec<(String, String)>,
}

impl Command {
    pub fn new(text: Mapped, cwd: Cwd) -> Command {
        Command {
            text,
            cwd,
            container_build: false,
            placeholders: Vec::new(),
        }
    }
}

pub use crate::specs::tasks::Problem;

/// What an extractor found in one file.
#[derive(Debug, Default)]
pub struct Extracted {
    pub commands: Vec<Command>,
    pub problems: Vec<Problem>,
}

/// The kind of a file from its path relative to the scanned root, or `None` when the
/// name does not tell (then a shebang may: see [`shell::is_shell_shebang`]).
pub fn kind_by_name(rel: &Path) -> Option<Kind> {
    let name = rel.file_name()?.to_str()?;
    let lower = name.to_ascii_lowercase();
    let ext = Path::new(&lower)
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("");
    let parent = rel.parent().map(|p| p.to_string_lossy().replace('\\', "/"));
    let yaml = ext == "yml" || ext == "yaml";
    if yaml {
        if parent
            .as_deref()
            .is_some_and(|p| p == ".github/workflows" || p.ends_with("/.github/workflows"))
        {
            return Some(Kind::GithubWorkflow);
        }
        if lower == "action.yml" || lower == "action.yaml" {
            return Some(Kind::GithubAction);
        }
        if lower == ".gitlab-ci.yml"
            || lower == ".gitlab-ci.yaml"
            || lower.ends_with(".gitlab-ci.yml")
            || lower.ends_with(".gitlab-ci.yaml")
            || parent
                .as_deref()
                .is_some_and(|p| p == ".gitlab/ci" || p.starts_with(".gitlab/ci/"))
        {
            return Some(Kind::GitlabCi);
        }
        return None;
    }
    if is_dockerfile_name(name) {
        return Some(Kind::Dockerfile);
    }
    if matches!(name, "Makefile" | "makefile" | "GNUmakefile") || ext == "mk" || ext == "make" {
        return Some(Kind::Makefile);
    }
    if name == "package.json" {
        return Some(Kind::PackageJson);
    }
    if lower == "justfile" || lower == ".justfile" || ext == "just" {
        return Some(Kind::Justfile);
    }
    if name == "pyproject.toml" {
        return Some(Kind::Pyproject);
    }
    if name == "tox.ini" {
        return Some(Kind::Tox);
    }
    if matches!(ext, "sh" | "bash" | "ksh" | "zsh" | "dash" | "ash") {
        return Some(Kind::Shell);
    }
    None
}

/// The conventional names of Dockerfiles: `Dockerfile`, `Containerfile` (either case of
/// the first letter), `Dockerfile.<variant>` / `Containerfile.<variant>`, and
/// `<name>.dockerfile` / `<name>.Dockerfile` / `<name>.containerfile`. A name that only
/// contains the word (`dockerfile.rs`, `DockerfileParser.java`) is not one; a variant
/// name is still confirmed by the content ([`looks_like_dockerfile`]).
pub fn is_dockerfile_name(name: &str) -> bool {
    for base in ["Dockerfile", "dockerfile", "Containerfile", "containerfile"] {
        if name == base {
            return true;
        }
        if let Some(variant) = name.strip_prefix(base).and_then(|r| r.strip_prefix('.')) {
            if !variant.is_empty() && !is_source_extension(variant) {
                return true;
            }
        }
    }
    ["dockerfile", "Dockerfile", "containerfile", "Containerfile"]
        .iter()
        .any(|ext| {
            name.strip_suffix(ext)
                .and_then(|stem| stem.strip_suffix('.'))
                .is_some_and(|stem| !stem.is_empty())
        })
}

/// Whether a variant suffix is really a source or document extension
/// (`dockerfile.rs`, `Dockerfile.md`): such a file is about Dockerfiles, not one.
fn is_source_extension(ext: &str) -> bool {
    matches!(
        ext.to_ascii_lowercase().as_str(),
        "rs" | "go"
            | "py"
            | "js"
            | "ts"
            | "jsx"
            | "tsx"
            | "java"
            | "kt"
            | "c"
            | "h"
            | "cc"
            | "cpp"
            | "hpp"
            | "rb"
            | "php"
            | "cs"
            | "swift"
            | "scala"
            | "md"
            | "rst"
            | "txt"
            | "html"
            | "json"
            | "toml"
            | "yml"
            | "yaml"
            | "xml"
            | "snap"
            | "orig"
            | "bak"
            | "sh"
            | "lock"
            | "svg"
            | "png"
    )
}

/// Whether text reads as a Dockerfile: its first instruction (after blank lines,
/// comments and parser directives) is `FROM` or `ARG`, as Docker requires.
pub fn looks_like_dockerfile(text: &str) -> bool {
    let first = text
        .lines()
        .map(|l| l.trim_start_matches('\u{feff}').trim())
        .find(|l| !l.is_empty() && !l.starts_with('#'));
    first.is_some_and(|l| {
        let word = l.split_whitespace().next().unwrap_or("");
        word.eq_ignore_ascii_case("FROM") || word.eq_ignore_ascii_case("ARG")
    })
}

/// Extract the commands of a file of a known kind.
pub fn extract(kind: Kind, text: &str) -> Extracted {
    match kind {
        Kind::Shell => shell::extract(text),
        Kind::GithubWorkflow | Kind::GithubAction => github::extract(text),
        Kind::GitlabCi => gitlab::extract(text),
        Kind::Dockerfile => dockerfile::extract(text),
        Kind::Makefile => makefile::extract(text),
        Kind::PackageJson => package_json::extract(text),
        Kind::Justfile => justfile::extract(text),
        Kind::Pyproject => python_tasks::extract_pyproject(text),
        Kind::Tox => python_tasks::extract_tox(text),
    }
}

/// Replace template expressions (`${{ … }}`, `{{ … }}`) in a command with shell
/// variables of the same length (see [`crate::specs::tasks::mask_templates`]).
pub fn mask_templates(cmd: &mut Command, open: &str, close: &str) {
    let found = crate::specs::tasks::mask_templates(&mut cmd.text, open, close);
    cmd.placeholders.extend(found);
}

/// The working directory a step names, relative to the root when it is relative.
pub fn join_cwd(base: &Cwd, dir: &str) -> Cwd {
    let dir = dir.trim();
    if dir.contains("${{") || dir.contains('$') {
        return Cwd::Unknown;
    }
    if dir.starts_with('/') {
        return Cwd::Absolute(dir.to_string());
    }
    match base {
        Cwd::Repo(b) => {
            let mut parts: Vec<&str> = b.split('/').filter(|p| !p.is_empty()).collect();
            for p in dir.split('/') {
                match p {
                    "" | "." => {}
                    ".." => {
                        if parts.pop().is_none() {
                            return Cwd::Unknown;
                        }
                    }
                    p => parts.push(p),
                }
            }
            Cwd::Repo(parts.join("/"))
        }
        Cwd::Absolute(b) => Cwd::Absolute(format!("{}/{}", b.trim_end_matches('/'), dir)),
        Cwd::FileDir | Cwd::Unknown => Cwd::Unknown,
    }
}

pub use crate::specs::tasks::json_string;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_by_name() {
        let k = |p: &str| kind_by_name(Path::new(p));
        assert_eq!(k(".github/workflows/ci.yml"), Some(Kind::GithubWorkflow));
        assert_eq!(
            k("sub/.github/workflows/ci.yaml"),
            Some(Kind::GithubWorkflow)
        );
        assert_eq!(k("ci/action.yml"), Some(Kind::GithubAction));
        assert_eq!(k(".gitlab-ci.yml"), Some(Kind::GitlabCi));
        assert_eq!(k(".gitlab/ci/build.yml"), Some(Kind::GitlabCi));
        assert_eq!(k("docker/Dockerfile.dev"), Some(Kind::Dockerfile));
        assert_eq!(k("app.Dockerfile"), Some(Kind::Dockerfile));
        assert_eq!(k("Containerfile"), Some(Kind::Dockerfile));
        assert_eq!(k("web.dockerfile"), Some(Kind::Dockerfile));
        for not_one in [
            "src/audit/extract/dockerfile.rs",
            "Dockerfile.md",
            "DOCKERFILE.RS",
            "DockerfileParser.java",
            "dockerfile_test.go",
            ".dockerfile",
            "dockerfile",
        ] {
            let expected = (not_one == "dockerfile").then_some(Kind::Dockerfile);
            assert_eq!(k(not_one), expected, "{not_one}");
        }
        assert_eq!(k("GNUmakefile"), Some(Kind::Makefile));
        assert_eq!(k("rules.mk"), Some(Kind::Makefile));
        assert_eq!(k("web/package.json"), Some(Kind::PackageJson));
        assert_eq!(k("justfile"), Some(Kind::Justfile));
        assert_eq!(k("x/y.sh"), Some(Kind::Shell));
        assert_eq!(k("config.yml"), None);
        assert_eq!(k("README"), None);
    }

    #[test]
    fn dockerfile_content() {
        assert!(looks_like_dockerfile(
            "# syntax=docker/dockerfile:1\n\nFROM debian\nRUN ls\n"
        ));
        assert!(looks_like_dockerfile("ARG V=1\nfrom alpine:$V\n"));
        assert!(!looks_like_dockerfile("//! a Rust module\nuse std::io;\n"));
        assert!(!looks_like_dockerfile(""));
    }

    #[test]
    fn templates_keep_offsets() {
        let mut c = Command::new(
            Mapped::verbatim("rm -rf ${{ inputs.dir }}/x", 0, 26),
            Cwd::Unknown,
        );
        mask_templates(&mut c, "${{", "}}");
        assert_eq!(c.text.text, "rm -rf ${_T1___________}/x");
        assert_eq!(c.text.text.len(), 26);
        assert_eq!(c.placeholders[0].1, "${{ inputs.dir }}");
    }

    #[test]
    fn working_directories() {
        let root = Cwd::Repo(String::new());
        assert_eq!(join_cwd(&root, "web/app"), Cwd::Repo("web/app".into()));
        assert_eq!(join_cwd(&root, "./a/../b"), Cwd::Repo("b".into()));
        assert_eq!(join_cwd(&root, "/srv"), Cwd::Absolute("/srv".into()));
        assert_eq!(join_cwd(&root, "${{ matrix.dir }}"), Cwd::Unknown);
        assert_eq!(join_cwd(&root, ".."), Cwd::Unknown);
    }
}
