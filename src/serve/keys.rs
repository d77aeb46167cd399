//! The service's ed25519 key: 32 random bytes, hex, in `key.ed25519` (0600) in its
//! state directory, made on first start.

use crate::approval::remote::{hex, unhex, KEY_PREFIX};
use ed25519_dalek::SigningKey;
use std::io::Read;
use std::path::Path;

const KEY_FILE: &str = "key.ed25519";

pub fn load_or_create_key(dir: &Path) -> Result<SigningKey, String> {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(KEY_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            let meta = std::fs::metadata(&path).map_err(|e| e.to_string())?;
            if meta.permissions().mode() & 0o077 != 0 {
                return Err(format!(
                    "{} can be read by others: make it 0600 (chmod 600) and make a new key if it was exposed",
                    path.display()
                ));
            }
            let bytes = unhex(&text)
                .and_then(|b| <[u8; 32]>::try_from(b).ok())
                .ok_or_else(|| format!("{} does not hold a key", path.display()))?;
            Ok(SigningKey::from_bytes(&bytes))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut bytes = [0u8; 32];
            std::fs::File::open("/dev/urandom")
                .and_then(|mut f| f.read_exact(&mut bytes))
                .map_err(|e| format!("cannot read random bytes: {e}"))?;
            let key = SigningKey::from_bytes(&bytes);
            // create_new: two replicas starting at once do not overwrite each other.
            use std::io::Write;
            use std::os::unix::fs::OpenOptionsExt;
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&path)
                .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
            f.write_all(format!("{}\n", hex(&bytes)).as_bytes())
                .and_then(|_| f.sync_all())
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            Ok(key)
        }
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
    }
}

/// `ed25519:HEX`, what guards put in `public_key`.
pub fn public_key_text(key: &SigningKey) -> String {
    format!("{KEY_PREFIX}{}", hex(key.verifying_key().as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn the_key_is_made_once_and_private() {
        let dir = tempfile::tempdir().expect("tempdir");
        let a = load_or_create_key(dir.path()).expect("create");
        let b = load_or_create_key(dir.path()).expect("load");
        assert_eq!(a.to_bytes(), b.to_bytes());
        let path = dir.path().join(KEY_FILE);
        let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        assert!(load_or_create_key(dir.path()).is_err());
        assert!(crate::approval::remote::parse_public_key(&public_key_text(&a)).is_ok());
    }
}
