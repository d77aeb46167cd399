//! Paths: what a delete or overwrite would reach, and whether that matters.
//!
//! A target is classified as *critical* (the root, a system directory, the home
//! directory, or everything in one of them: deny), *protected* (outside the working
//! directory, above it, a `.git` directory, a database or volume directory, a path that
//! starts with a variable that may be empty: confirm) or *fine* (inside the working
//! directory, rebuildable output, temporary files).

use super::opts::{self, Item, Spec};
use super::{Hit, Params};
use crate::model::invocation::Invocation;
use crate::model::paths::{normal, resolve, under};
use crate::model::Context;
use crate::specs::args::keeps_what_it_would_overwrite;
use crate::specs::args::ArgView;
use crate::specs::http::{CURL, WGET};
use crate::syntax::word::Word;
use std::path::{Path, PathBuf};

mod container;
mod extract;
mod ops;
pub use ops::{delete, moves, overwrite, permissions};

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Class {
    Fine,
    /// Matters for recursive or bulk operations: outside or above the working
    /// directory, the whole working directory, a path only known at run time.
    Protected(String),
    /// Matters even for one file: system files, git internals, database files.
    Sensitive(String),
    Critical(String),
}

impl Class {
    fn level(&self) -> u8 {
        match self {
            Class::Fine => 0,
            Class::Protected(_) | Class::Sensitive(_) => 1,
            Class::Critical(_) => 2,
        }
    }
}

/// How a path is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reach {
    /// The path itself (and, for recursive operations, all below it).
    Exact,
    /// Everything directly in it (`dir/*`).
    Contents,
    /// Some entries somewhere inside it (`dir/*.o`, `find dir -name x`).
    Inside,
}

const SYSTEM_DIRS: &[&str] = &[
    "/bin",
    "/boot",
    "/dev",
    "/etc",
    "/home",
    "/lib",
    "/lib32",
    "/lib64",
    "/libx32",
    "/opt",
    "/proc",
    "/root",
    "/sbin",
    "/srv",
    "/sys",
    "/usr",
    "/var",
    "/snap",
    "/mnt",
    "/media",
    "/run",
    "/usr/bin",
    "/usr/lib",
    "/usr/lib64",
    "/usr/local",
    "/usr/sbin",
    "/usr/share",
    "/usr/include",
    "/usr/local/bin",
    "/usr/local/lib",
    "/var/lib",
    "/var/log",
    "/var/cache",
    "/var/spool",
    "/var/mail",
    "/var/www",
    "/var/backups",
    "/Users",
    "/System",
    "/Library",
    "/Applications",
    "/private",
    "/Volumes",
];

/// Directories in the home directory that hold credentials and configuration.
const SENSITIVE_HOME: &[&str] = &[
    ".ssh",
    ".gnupg",
    ".aws",
    ".kube",
    ".docker",
    ".config",
    ".password-store",
    ".azure",
    ".gcloud",
    ".netrc",
    ".bashrc",
    ".zshrc",
    ".profile",
    ".bash_profile",
    ".gitconfig",
    ".claude",
    ".codex",
    ".cursor",
    ".gemini",
];

const TEMP_DIRS: &[&str] = &["/tmp", "/var/tmp", "/private/tmp", "/dev/shm"];

/// Output that a build or installer recreates.
pub(crate) const REBUILDABLE: &[&str] = &[
    "target",
    "node_modules",
    "build",
    "dist",
    "out",
    "__pycache__",
    ".venv",
    "venv",
    ".tox",
    ".nox",
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
    ".next",
    ".nuxt",
    ".turbo",
    ".parcel-cache",
    ".cache",
    "coverage",
    ".coverage",
    "htmlcov",
    ".gradle",
    ".terraform",
    ".eggs",
    ".angular",
    ".svelte-kit",
    ".expo",
    "DerivedData",
    ".dart_tool",
    "_build",
    "deps",
    ".build",
    "cmake-build-debug",
    "cmake-build-release",
    ".sass-cache",
    "bower_components",
    ".webpack",
    ".vite",
    "storybook-static",
    ".docusaurus",
    "site",
    "__snapshots__",
    ".hypothesis",
    ".benchmarks",
    "tmp",
    ".tmp",
    "temp",
];

/// Directories that hold databases or container volumes.
const DATA_DIRS: &[&str] = &[
    "/var/lib/postgresql",
    "/var/lib/pgsql",
    "/var/lib/mysql",
    "/var/lib/mariadb",
    "/var/lib/mongodb",
    "/var/lib/docker",
    "/var/lib/containerd",
    "/var/lib/redis",
    "/var/lib/etcd",
    "/var/lib/influxdb",
    "/var/lib/elasticsearch",
    "/var/lib/cassandra",
    "/var/lib/clickhouse",
    "/var/lib/neo4j",
    "/var/lib/rabbitmq",
    "/var/lib/containers",
    "/var/lib/kubelet",
    "/var/lib/rancher",
    "/var/opt/mssql",
];

const DATA_NAMES: &[&str] = &[
    "pgdata",
    "postgres-data",
    "postgresql-data",
    "postgres_data",
    "mysql-data",
    "mysql_data",
    "db-data",
    "db_data",
    "mongo-data",
    "mongodb-data",
    "redis-data",
    "data.ms",
    "elasticsearch-data",
];

const DATA_EXTENSIONS: &[&str] = &["sqlite", "sqlite3", "db", "mdb", "accdb", "tfstate"];

pub struct Paths<'a> {
    ctx: &'a Context,
    /// Where the command runs (after any `cd` on the line).
    cwd: Option<&'a Path>,
    /// The mounts of the container it runs in, if it runs in one started on the line.
    container: Option<&'a crate::model::invocation::Mounts>,
}

impl<'a> Paths<'a> {
    pub fn new(ctx: &'a Context, inv: &'a Invocation) -> Paths<'a> {
        Paths {
            ctx,
            cwd: inv.cwd.as_deref(),
            container: inv.container.as_deref(),
        }
    }

    /// Classify a target word of a recursive or bulk operation.
    pub fn classify(&self, w: &Word) -> Class {
        if let Some(m) = self.container {
            return self.classify_in_container(m, w);
        }
        if maybe_empty_then_slash(w) {
            return Class::Sensitive(format!(
                "`{}` starts with a variable that may be empty, which would leave an absolute path",
                w.text()
            ));
        }
        let prefix = w.literal_prefix();
        let (text, reach) = if w.is_dynamic() {
            if prefix.is_empty() {
                // `"${dir:?}/build"`: guarded against empty; judge by the name.
                let base = match w.parts.last() {
                    Some(crate::syntax::word::Part::Lit(t)) => {
                        t.trim_end_matches('/').rsplit('/').next().unwrap_or("")
                    }
                    _ => "",
                };
                if REBUILDABLE.contains(&base) {
                    return Class::Fine;
                }
                return Class::Protected(format!(
                    "the target `{}` is only known when it runs",
                    w.text()
                ));
            }
            if prefix.ends_with('/') {
                (prefix.clone(), Reach::Inside)
            } else {
                match prefix.rfind('/') {
                    Some(i) => (prefix[..=i].to_string(), Reach::Inside),
                    None => (".".to_string(), Reach::Inside),
                }
            }
        } else if w.glob {
            split_glob(&prefix)
        } else {
            (prefix.clone(), Reach::Exact)
        };
        let Some(path) = resolve(&text, self.cwd, self.ctx.home.as_deref()) else {
            // A relative path in an unknown directory.
            let base = text.trim_end_matches('/').rsplit('/').next().unwrap_or("");
            if REBUILDABLE.contains(&base) && reach == Reach::Exact {
                return Class::Fine;
            }
            return Class::Protected(format!(
                "`{}` in a directory only known when it runs",
                w.text()
            ));
        };
        let mut class = self.classify_path(&path, reach);
        // The shell expands the pattern first: `.g?t` is `.git` wherever `.git` is.
        if w.glob && !w.is_dynamic() {
            let home = self.ctx.home.as_deref();
            for hit in super::fs_glob::matches(&prefix, |b| resolve(b, self.cwd, home)) {
                let c = self.classify_path(&hit, Reach::Exact);
                if c.level() > class.level() || (class.level() == 0 && c.level() > 0) {
                    class = c;
                }
            }
        }
        // A glob or name whose last component names data (`*.sqlite`) is data.
        if class.level() == 0 && is_data_name(&prefix) {
            return Class::Sensitive(format!("{} holds database files", w.text()));
        }
        // `"$dir/.git"`, `./$x/app.db`, what `find -name .git` finds: the names after
        // the unknown part say what it is, wherever it is.
        if class.level() == 0 {
            if let Some(c) = watched_tail(w) {
                return c;
            }
        }
        class
    }

    fn classify_path(&self, p: &Path, reach: Reach) -> Class {
        // Every path compared here is in normal form, so comparisons are on bytes
        // (`paths::under`), not on parsed components.
        let p_n = normal(p);
        let p: &Path = &p_n;
        let same = |a: &Path, b: &Path| a.as_os_str() == b.as_os_str();
        let home_n = self.ctx.home.as_deref().map(normal);
        let home = home_n.as_deref();
        let project_n = self.ctx.cwd.as_deref().map(normal);
        let project_dir = project_n.as_deref();
        let cwd_n = self.cwd.map(normal);
        let cwd = cwd_n.as_deref();
        let shown = p.display().to_string();
        if p.as_os_str() == "/" {
            return match reach {
                Reach::Inside => Class::Sensitive("files anywhere on the system".into()),
                _ => Class::Critical("the root directory /".into()),
            };
        }
        if home.is_some_and(|h| same(h, p)) {
            return match reach {
                Reach::Inside => Class::Protected("files in your home directory".into()),
                _ => Class::Critical(format!("your home directory {shown}")),
            };
        }
        if home.is_some_and(|h| under(h, p)) {
            return match reach {
                Reach::Inside => Class::Protected(format!(
                    "files under {shown}, which holds your home directory"
                )),
                _ => Class::Critical(format!("{shown}, which holds your home directory")),
            };
        }
        if SYSTEM_DIRS.iter().any(|d| p.as_os_str() == *d) {
            return match reach {
                Reach::Inside if p == Path::new("/home") || p == Path::new("/Users") => {
                    Class::Protected(format!("files in the home directories under {shown}"))
                }
                Reach::Inside => Class::Sensitive(format!("system files in {shown}")),
                _ => Class::Critical(format!("the system directory {shown}")),
            };
        }
        // Temporary space is fair game, except a home or a project that lives there.
        let in_home = home.is_some_and(|h| under(p, h));
        let holds_project =
            project_dir.is_some_and(|c| under(c, p)) || cwd.is_some_and(|c| under(c, p));
        // A repository cloned or made in temporary space still has its history there.
        let git_in_temp = p.components().any(|c| c.as_os_str() == ".git");
        if let Some(t) = self
            .temp_root(p)
            .filter(|_| !in_home && !holds_project && !git_in_temp)
        {
            if p == t && reach == Reach::Exact {
                return Class::Protected(format!("the temporary directory {shown} itself"));
            }
            return Class::Fine;
        }
        if p.components().any(|c| c.as_os_str() == ".git") {
            return Class::Sensitive(format!("git history in {shown}"));
        }
        if is_data_path(p) {
            return Class::Sensitive(format!("database or volume data in {shown}"));
        }
        if let Some(h) = home {
            if let Ok(rel) = p.strip_prefix(h) {
                if let Some(first) = rel.components().next().and_then(|c| c.as_os_str().to_str()) {
                    if SENSITIVE_HOME.contains(&first) {
                        return Class::Sensitive(format!(
                            "your credentials or configuration in {shown}"
                        ));
                    }
                }
            }
        }
        // The project is the directory the line started in, for the whole line: a
        // `cd`, `pushd`, `env --chdir`, `git -C` or `make -C` moves where relative
        // paths resolve (`self.cwd`), never what counts as inside the project
        // (`cd ~ && rm -rf keep` deletes `~/keep`, outside it).
        if let Some(project) = project_dir {
            if same(p, project) {
                return match reach {
                    Reach::Inside if cwd.is_some_and(|c| same(c, project)) => Class::Fine,
                    Reach::Inside => {
                        Class::Protected(format!("everything in the project directory {shown}"))
                    }
                    _ => Class::Protected(format!("the whole working directory {shown}")),
                };
            }
            if under(project, p) {
                return Class::Protected(format!("{shown}, the project directory or above it"));
            }
            if under(p, project) {
                return Class::Fine;
            }
        }
        // Judged below HOME: a home that itself lives in a `target/` is not output.
        let below_home = home.and_then(|h| p.strip_prefix(h).ok()).unwrap_or(p);
        if is_rebuildable(below_home) {
            return Class::Fine;
        }
        if home.is_some_and(|h| under(p, h)) {
            return Class::Protected(format!("{shown}, outside the working directory"));
        }
        if in_system_dir(p) {
            return Class::Sensitive(format!("system files in {shown}"));
        }
        if cwd.is_none() {
            return Class::Protected(format!("{shown} (the working directory is not known)"));
        }
        Class::Protected(format!("{shown}, outside the working directory"))
    }

    fn temp_root(&self, p: &Path) -> Option<PathBuf> {
        for t in TEMP_DIRS {
            if under(p, Path::new(t)) {
                return Some(PathBuf::from(t));
            }
        }
        if let Some(t) = self.ctx.env.get("TMPDIR").filter(|t| t.len() > 1) {
            let t = PathBuf::from(t.trim_end_matches('/'));
            if p.starts_with(&t) && Some(t.as_path()) != self.ctx.home.as_deref() {
                return Some(t);
            }
        }
        None
    }
}

/// `dir/*` reaches everything in `dir`; `dir/*.o` reaches some entries in it; a glob
/// higher up (`/b?n/x`) reaches into its parent.
fn split_glob(text: &str) -> (String, Reach) {
    let comps: Vec<&str> = text.split('/').collect();
    let Some(first_glob) = comps.iter().position(|c| c.contains(['*', '?', '['])) else {
        return (text.to_string(), Reach::Exact);
    };
    let base = if first_glob == 0 {
        ".".to_string()
    } else {
        let b = comps[..first_glob].join("/");
        if b.is_empty() {
            "/".to_string()
        } else {
            b
        }
    };
    // `dir/*`, `dir/*/`, and `dir/*/*`: every entry (of every entry) of `dir`.
    let everything = |c: &str| matches!(c, "*" | ".*" | "*.*" | "?*" | ".??*" | "[!.]*");
    let n = comps.len();
    let rest = if comps[n - 1].is_empty() && n - 1 > first_glob {
        &comps[first_glob..n - 1]
    } else {
        &comps[first_glob..]
    };
    if rest.iter().all(|c| everything(c)) {
        (base, Reach::Contents)
    } else {
        (base, Reach::Inside)
    }
}

/// Under a system directory, but not in someone's home.
fn in_system_dir(p: &Path) -> bool {
    let p = normal(p);
    SYSTEM_DIRS.iter().any(|d| under(&p, Path::new(d)))
        && !under(&p, Path::new("/home"))
        && !under(&p, Path::new("/Users"))
}

/// `"$dir/…"` with `dir` possibly empty becomes `/…`.
fn maybe_empty_then_slash(w: &Word) -> bool {
    use crate::syntax::word::Part;
    let mut saw_empty = false;
    for p in &w.parts {
        match p {
            Part::Unknown {
                maybe_empty: true, ..
            } => saw_empty = true,
            Part::Unknown { .. } => return false,
            Part::Lit(t) if t.is_empty() => continue,
            Part::Lit(t) => return saw_empty && t.starts_with('/'),
        }
    }
    false
}

/// Package managers' download caches in the home directory: every file in them is
/// fetched again when needed (`npm cache clean`, `go clean -modcache` delete them).
const PACKAGE_CACHES: &[&str] = &[
    ".npm/_cacache",
    ".npm/_npx",
    ".npm/_logs",
    ".cargo/registry/cache",
    ".cargo/registry/src",
    ".cargo/registry/index",
    ".cargo/git/checkouts",
    ".cargo/git/db",
    ".gradle/caches",
    ".gradle/wrapper/dists",
    ".m2/repository",
    ".ivy2/cache",
    ".sbt/boot",
    ".yarn/cache",
    ".yarn/berry/cache",
    ".pnpm-store",
    ".local/share/pnpm/store",
    ".bun/install/cache",
    ".nuget/packages",
    ".composer/cache",
    ".deno/gen",
    "go/pkg/mod",
    "Library/Caches",
    ".conda/pkgs",
    ".pub-cache/hosted",
    ".cpanm/work",
    ".stack/pantry",
    ".cabal/packages",
    ".gem/cache",
];

fn is_rebuildable(p: &Path) -> bool {
    PACKAGE_CACHES.iter().any(|c| p.starts_with(c)) || is_rebuildable_name(p)
}

fn is_rebuildable_name(p: &Path) -> bool {
    p.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| REBUILDABLE.contains(&n) || n.ends_with(".egg-info"))
        || p.components().any(|c| {
            matches!(
                c.as_os_str().to_str(),
                Some("node_modules") | Some(".cache") | Some("target")
            )
        })
}

fn is_data_path(p: &Path) -> bool {
    DATA_DIRS.iter().any(|d| p.starts_with(d))
        || p.components().any(|c| {
            c.as_os_str()
                .to_str()
                .is_some_and(|n| DATA_NAMES.contains(&n))
        })
        || p.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(is_data_name)
        || has_components(p, &["docker", "volumes"])
}

/// Whole path components written literally after a word's first unknown part
/// (`$d/.git/x` gives `.git`, `x`; `$d.git` gives nothing).
fn literal_tail_components(w: &Word) -> Vec<&str> {
    use crate::syntax::word::Part;
    let mut out = Vec::new();
    let mut after_unknown = false;
    for (i, part) in w.parts.iter().enumerate() {
        match part {
            Part::Lit(t) if after_unknown => {
                let last_part = i + 1 == w.parts.len();
                let pieces: Vec<&str> = t.split('/').collect();
                let n = pieces.len();
                for (k, piece) in pieces.into_iter().enumerate() {
                    // The first piece continues the unknown part; the last one runs
                    // into the next part unless the word ends here.
                    if k == 0 || (k + 1 == n && !last_part) || piece.is_empty() {
                        continue;
                    }
                    out.push(piece);
                }
            }
            Part::Lit(_) => {}
            Part::Unknown { .. } => after_unknown = true,
        }
    }
    out
}

/// Git history or database files named after a word's unknown part.
fn watched_tail(w: &Word) -> Option<Class> {
    let comps = literal_tail_components(w);
    let names_git = |c: &str| {
        c == ".git"
            || (c.starts_with('.')
                && c.contains(['*', '?', '['])
                && crate::specs::glob::glob_match(c, ".git"))
    };
    let (last, above) = comps.split_last()?;
    // Inside `.git` even one file matters; `.git` itself only to a recursive delete.
    if above.iter().any(|c| names_git(c)) {
        return Some(Class::Sensitive(format!(
            "git history in `{}`, wherever it is",
            w.text()
        )));
    }
    if names_git(last) {
        return Some(Class::Protected(format!(
            "git history in `{}`, wherever it is",
            w.text()
        )));
    }
    (is_data_name(last) || DATA_NAMES.contains(last))
        .then(|| Class::Sensitive(format!("{} holds database files", w.text())))
}

fn is_data_name(name: &str) -> bool {
    let base = name
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(name);
    // Windows' thumbnail caches end in `.db` but hold no one's data.
    if ["thumbs.db", "ehthumbs.db", "ehthumbs_vista.db"]
        .iter()
        .any(|t| base.eq_ignore_ascii_case(t))
    {
        return false;
    }
    base.rsplit_once('.').is_some_and(|(stem, ext)| {
        !stem.is_empty() && DATA_EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str())
    })
}

fn has_components(p: &Path, seq: &[&str]) -> bool {
    let comps: Vec<&str> = p
        .components()
        .filter_map(|c| c.as_os_str().to_str())
        .collect();
    comps.windows(seq.len()).any(|w| w == seq)
}

fn is_block_device(t: &str) -> bool {
    const DEVICES: &[&str] = &[
        "/dev/sd",
        "/dev/hd",
        "/dev/vd",
        "/dev/xvd",
        "/dev/nvme",
        "/dev/mmcblk",
        "/dev/disk",
        "/dev/md",
        "/dev/dm-",
        "/dev/mapper/",
        "/dev/loop",
        "/dev/rdisk",
        "/dev/sr",
    ];
    DEVICES.iter().any(|d| t.starts_with(d))
}

fn harmless_device(t: &str) -> bool {
    matches!(
        t,
        "/dev/null" | "/dev/stdout" | "/dev/stderr" | "/dev/tty" | "/dev/zero" | "-"
    ) || t.starts_with("/dev/fd/")
        || t.starts_with("/proc/self/fd/")
        || t.starts_with("/dev/pts/")
        // Bash's network redirections: judged as the request they send (`nc`).
        || t.starts_with("/dev/tcp/")
        || t.starts_with("/dev/udp/")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::word::Word;

    fn class(text: &str) -> Class {
        let ctx = Context::example();
        let mut inv = Invocation::new("rm".into(), vec![], 0..0);
        inv.cwd = ctx.cwd.clone();
        let paths = Paths::new(&ctx, &inv);
        let mut w = Word::literal(text, 0..0);
        w.glob = text.contains('*');
        paths.classify(&w)
    }

    #[test]
    fn classes() {
        assert!(matches!(class("/"), Class::Critical(_)));
        assert!(matches!(class("/*"), Class::Critical(_)));
        assert!(matches!(class("/home/user"), Class::Critical(_)));
        assert!(matches!(class("/home/user/*"), Class::Critical(_)));
        assert!(matches!(class("/etc"), Class::Critical(_)));
        assert!(matches!(class("/etc/nginx"), Class::Sensitive(_)));
        assert!(matches!(class(".."), Class::Critical(_)));
        assert!(matches!(class("../other"), Class::Protected(_)));
        assert!(matches!(class("*"), Class::Protected(_)));
        assert!(matches!(class(".git"), Class::Sensitive(_)));
        assert!(matches!(class("pgdata"), Class::Sensitive(_)));
        assert_eq!(class("target"), Class::Fine);
        assert_eq!(class("build/*"), Class::Fine);
        assert_eq!(class("*.o"), Class::Fine);
        assert_eq!(class("/tmp/x"), Class::Fine);
        assert_eq!(class("/home/user/other/node_modules"), Class::Fine);
        assert!(matches!(class("/home/user/Documents"), Class::Protected(_)));
    }

    fn class_with_home(home: &str, text: &str) -> Class {
        let mut ctx = Context::example();
        ctx.home = Some(home.into());
        ctx.cwd = Some(Path::new(home).join("work"));
        let mut inv = Invocation::new("rm".into(), vec![], 0..0);
        inv.cwd = ctx.cwd.clone();
        Paths::new(&ctx, &inv).classify(&Word::literal(text, 0..0))
    }

    /// Scratch homes in /tmp or under a build's `target/` (CI, test harnesses) keep
    /// their protection: a home is never temporary space or build output.
    #[test]
    fn a_home_in_temp_or_build_output_is_still_a_home() {
        for home in ["/tmp/h", "/src/app/target/tmp/h"] {
            let outside = format!("{home}/marker");
            assert!(matches!(
                class_with_home(home, &outside),
                Class::Protected(_)
            ));
            assert!(matches!(class_with_home(home, ".."), Class::Critical(_)));
            assert_eq!(class_with_home(home, "x"), Class::Fine);
            assert_eq!(
                class_with_home(home, &format!("{home}/node_modules")),
                Class::Fine
            );
        }
        assert!(matches!(
            class_with_home("/tmp/h", "/tmp/h/work"),
            Class::Protected(_)
        ));
        assert_eq!(class_with_home("/tmp/h", "/tmp/other"), Class::Fine);
    }
}
