use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Where a command would run. Paths in the command are judged against this.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// The working directory; `None` when it is not known.
    pub cwd: Option<PathBuf>,
    pub home: Option<PathBuf>,
    /// Environment variables visible to the command (used to resolve `$VAR`).
    pub env: HashMap<String, String>,
    /// Set when the command runs inside an image being built (a Dockerfile `RUN`):
    /// deleting files of the image there is normal work.
    pub container_build: bool,
    /// Hosts that count as loopback for HTTP rules (besides localhost, 127/8, ::1).
    pub local_hosts: Vec<String>,
    /// The shell the line is written for: fish and zsh lines are also read as the bash
    /// they amount to (`crate::syntax::dialect`).
    pub dialect: crate::syntax::dialect::Dialect,
}

impl Context {
    /// The context of this process: its working directory, HOME and environment.
    pub fn from_process() -> Context {
        let env: HashMap<String, String> = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect();
        let home = env.get("HOME").map(PathBuf::from);
        Context {
            cwd: std::env::current_dir().ok(),
            home,
            env,
            container_build: false,
            local_hosts: Vec::new(),
            dialect: Default::default(),
        }
    }

    /// The fixed context that rule examples are checked in: HOME is `/home/user`,
    /// the working directory `/home/user/project`, and no other variables are set.
    pub fn example() -> Context {
        Context {
            cwd: Some(PathBuf::from("/home/user/project")),
            home: Some(PathBuf::from("/home/user")),
            env: HashMap::from([("HOME".to_string(), "/home/user".to_string())]),
            container_build: false,
            local_hosts: Vec::new(),
            dialect: Default::default(),
        }
    }

    pub fn with_cwd(mut self, cwd: impl AsRef<Path>) -> Context {
        self.cwd = Some(cwd.as_ref().to_path_buf());
        self
    }
}
