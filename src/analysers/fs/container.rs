//! Paths inside a container started on the line (`docker run -v HOST:CTR …`): they
//! are the container's own, gone with it, except under its mounts, which reach host
//! directories (judged as those) or named volumes (data).

use super::{resolve, split_glob, Class, Paths, Reach};
use crate::model::invocation::{Mapped, MountSource, Mounts};
use crate::syntax::word::Word;
use std::path::Path;

/// A container's home when the image does not say (`~` inside is not the host's).
const CONTAINER_HOME: &str = "/root";

impl Paths<'_> {
    /// Classify a target word of a command run in a container with these mounts.
    pub(super) fn classify_in_container(&self, m: &Mounts, w: &Word) -> Class {
        if m.mounts.is_empty() && m.volumes_from.is_empty() {
            return Class::Fine;
        }
        let prefix = w.literal_prefix();
        let (text, reach) = if w.is_dynamic() {
            match prefix.rfind('/') {
                Some(i) => (prefix[..=i].to_string(), Reach::Inside),
                None => (".".to_string(), Reach::Inside),
            }
        } else if w.glob {
            split_glob(&prefix)
        } else {
            (prefix.clone(), Reach::Exact)
        };
        let Some(path) = resolve(&text, self.cwd, Some(Path::new(CONTAINER_HOME))) else {
            return Class::Protected(format!(
                "`{}` in a container directory only known when it runs, with mounts from the host",
                w.text()
            ));
        };
        match m.map(&path) {
            Mapped::Host(h) => self.classify_path(&h, reach),
            Mapped::Volume(v, _) => Class::Protected(format!(
                "the data in the named volume `{v}` (mounted at {})",
                path.display()
            )),
            Mapped::Unknown(t) => Class::Protected(format!(
                "{} is mounted from `{t}`, only known when it runs",
                path.display()
            )),
            Mapped::Covers(below) => below
                .iter()
                .map(|mount| match &mount.source {
                    // A delete above a mount point empties what is mounted there.
                    MountSource::Host(h) => self.classify_path(h, Reach::Exact),
                    MountSource::Volume(v) => Class::Protected(format!(
                        "the data in the named volume `{v}` (mounted at {})",
                        mount.target.display()
                    )),
                    MountSource::Unknown(t) => Class::Protected(format!(
                        "{} is mounted from `{t}`, only known when it runs",
                        mount.target.display()
                    )),
                })
                .max_by_key(Class::level)
                .unwrap_or(Class::Fine),
            Mapped::Own if !m.volumes_from.is_empty() => Class::Protected(format!(
                "{}: volumes of `{}` are mounted in this container at places only it knows",
                path.display(),
                m.volumes_from.join("`, `")
            )),
            Mapped::Own => Class::Fine,
        }
    }
}
