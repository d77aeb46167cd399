//! Agents' settings files, edited as data: read, change, back up, replace atomically.
//! Key order is kept (serde_json's `preserve_order`), so a user's file changes only
//! where Interlock adds or removes its entry, and in whitespace.

use serde_json::{Map, Value};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Settings files are small; anything bigger is not one.
const MAX_SETTINGS_BYTES: u64 = 16 * 1024 * 1024;

/// A JSON settings file as read, and whether it existed.
pub struct JsonFile {
    pub path: PathBuf,
    pub doc: Map<String, Value>,
    existed: bool,
}

/// The file a path names, following symbolic links: dotfile managers link settings
/// files, and replacing the link would cut it off from its target.
pub fn real_path(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// Where the previous version of a file is kept before Interlock changes it.
pub fn backup_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".interlock-backup");
    path.with_file_name(name)
}

pub fn shown(path: &Path) -> String {
    crate::render::visible(&path.display().to_string(), false)
}

/// Read a file's bytes; `None` when it does not exist.
pub fn read_bytes(path: &Path) -> Result<Option<Vec<u8>>, String> {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot read {}: {e}", shown(path))),
    };
    if meta.len() > MAX_SETTINGS_BYTES {
        return Err(format!(
            "{} is larger than {} MiB: not a settings file Interlock will edit",
            shown(path),
            MAX_SETTINGS_BYTES / (1024 * 1024)
        ));
    }
    std::fs::read(path)
        .map(Some)
        .map_err(|e| format!("cannot read {}: {e}", shown(path)))
}

/// Read a JSON settings file; a missing or blank file is an empty object.
pub fn read(path: &Path) -> Result<JsonFile, String> {
    let path = real_path(path);
    let bytes = read_bytes(&path)?;
    let doc = match &bytes {
        None => Map::new(),
        Some(b) if b.iter().all(u8::is_ascii_whitespace) => Map::new(),
        Some(b) => match serde_json::from_slice::<Value>(b) {
            Ok(Value::Object(m)) => m,
            Ok(_) => {
                return Err(format!(
                    "{} does not hold a JSON object; Interlock changed nothing",
                    shown(&path)
                ))
            }
            Err(e) => {
                return Err(format!(
                "{} is not valid JSON ({e}); fix it or move it away (Interlock changed nothing)",
                shown(&path)
            ))
            }
        },
    };
    Ok(JsonFile {
        path,
        doc,
        existed: bytes.is_some(),
    })
}

impl JsonFile {
    pub fn existed(&self) -> bool {
        self.existed
    }

    /// Replace the file with the document (pretty-printed), after keeping the old one.
    pub fn write(&self) -> Result<Option<PathBuf>, String> {
        let mut text = serde_json::to_string_pretty(&Value::Object(self.doc.clone()))
            .map_err(|e| format!("cannot write {}: {e}", shown(&self.path)))?;
        text.push('\n');
        let backup = self.backup()?;
        write_atomic(&self.path, text.as_bytes(), 0o644)
            .map_err(|e| format!("cannot write {}: {e}", shown(&self.path)))?;
        Ok(backup)
    }

    /// Replace the file with the document, keeping no backup (uninstall: the version
    /// being replaced is the one Interlock wrote).
    pub fn write_plain(&self) -> Result<(), String> {
        let mut text = serde_json::to_string_pretty(&Value::Object(self.doc.clone()))
            .map_err(|e| format!("cannot write {}: {e}", shown(&self.path)))?;
        text.push('\n');
        write_atomic(&self.path, text.as_bytes(), 0o644)
            .map_err(|e| format!("cannot write {}: {e}", shown(&self.path)))
    }

    /// Delete the file (it held nothing worth a backup).
    pub fn remove(&self) -> Result<(), String> {
        std::fs::remove_file(&self.path)
            .map_err(|e| format!("cannot remove {}: {e}", shown(&self.path)))
    }

    fn backup(&self) -> Result<Option<PathBuf>, String> {
        if !self.existed {
            return Ok(None);
        }
        keep_backup(&self.path).map(Some)
    }
}

/// Copy a file to its backup path (permissions included).
pub fn keep_backup(path: &Path) -> Result<PathBuf, String> {
    let b = backup_path(path);
    std::fs::copy(path, &b)
        .map_err(|e| format!("cannot back up {} to {}: {e}", shown(path), shown(&b)))?;
    Ok(b)
}

/// Write a file by writing a temporary file next to it and renaming it over the old
/// one, so a crash leaves either version and never half of one. An existing file's
/// permissions are kept; a new file gets `new_mode`.
pub fn write_atomic(path: &Path, data: &[u8], new_mode: u32) -> io::Result<()> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mode = std::fs::metadata(path)
        .map(|m| m.permissions().mode() & 0o7777)
        .unwrap_or(new_mode);
    let mut name = std::ffi::OsString::from(".");
    name.push(path.file_name().unwrap_or_default());
    name.push(format!(".interlock-tmp{}", std::process::id()));
    let tmp = dir.join(name);
    let _ = std::fs::remove_file(&tmp);
    let result = (|| {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(&tmp)?;
        f.write_all(data)?;
        f.set_permissions(std::fs::Permissions::from_mode(mode))?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}
