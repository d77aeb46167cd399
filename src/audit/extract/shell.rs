//! Shell scripts: the whole file is one command, judged from the scanned root (where
//! CI and people usually run `./scripts/x.sh` from).

use super::{Command, Cwd, Extracted, Mapped};

pub use crate::specs::tasks::{is_posix_shell, is_shell_shebang};

pub fn extract(text: &str) -> Extracted {
    Extracted {
        commands: vec![Command::new(
            Mapped::verbatim(text, 0, text.len()),
            Cwd::Repo(String::new()),
        )],
        problems: Vec::new(),
    }
}
