//! Codex's hook trust. Codex runs a hook from a user or project `hooks.json` only when
//! its `config.toml` records that the user trusted exactly that hook:
//!
//! ```toml
//! [hooks.state."/abs/path/hooks.json:pre_tool_use:0:0"]
//! trusted_hash = "sha256:…"
//! ```
//!
//! The key is the hooks file's absolute path, the event, the matcher group's index and
//! the handler's index in it. The hash is Codex's fingerprint of the normalised hook
//! (`codex-rs/hooks/src/engine/discovery.rs`, `command_hook_hash`, and
//! `codex-rs/config/src/fingerprint.rs`, `version_for_toml`): the object
//! `{event_name, matcher, hooks: [handler]}`, with the handler's timeout filled in
//! (600 s when unset, at least 1) and absent fields left out, its keys sorted at every
//! level, serialised as compact JSON, SHA-256, hex, prefixed `sha256:`. A hook without
//! a matching record is skipped silently, so `interlock install codex` writes the
//! record and `interlock doctor` checks it.

use super::settings::{self, shown};
use super::{wiring, Agent};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// The event key Codex uses for `PreToolUse` in trust keys and hashes.
const EVENT: &str = "pre_tool_use";

/// One of Interlock's handlers in a Codex hooks file, and the trust Codex wants for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trust {
    pub key: String,
    pub hash: String,
}

/// The config.toml that holds trust for hooks under `codex_home`.
pub fn config_path(codex_home: &Path) -> PathBuf {
    codex_home.join("config.toml")
}

/// Interlock's handlers in a Codex `hooks.json`, with the key and hash Codex trusts
/// them under.
pub fn wanted(hooks_json: &Path) -> Result<Vec<Trust>, String> {
    let file = settings::read(hooks_json)?;
    let abs = absolute(hooks_json);
    let mut out = Vec::new();
    let Some(groups) = file
        .doc
        .get("hooks")
        .and_then(|h| h.get("PreToolUse"))
        .and_then(Value::as_array)
    else {
        return Ok(out);
    };
    for (gi, group) in groups.iter().enumerate() {
        let Some(handlers) = group.get("hooks").and_then(Value::as_array) else {
            continue;
        };
        let matcher = group.get("matcher").and_then(Value::as_str);
        for (hi, handler) in handlers.iter().enumerate() {
            let ours = handler
                .get("command")
                .and_then(Value::as_str)
                .is_some_and(|c| wiring::is_ours(c, Agent::Codex));
            if !ours {
                continue;
            }
            out.push(Trust {
                key: format!("{}:{EVENT}:{gi}:{hi}", abs.display()),
                hash: hook_hash(matcher, handler),
            });
        }
    }
    Ok(out)
}

/// The hooks file's path as Codex names it (absolute, not resolved through links).
fn absolute(p: &Path) -> PathBuf {
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|d| d.join(p))
            .unwrap_or_else(|_| p.to_path_buf())
    }
}

/// Codex's fingerprint of one command handler in a `PreToolUse` group.
pub fn hook_hash(matcher: Option<&str>, handler: &Value) -> String {
    let mut h = Map::new();
    h.insert("type".into(), json!("command"));
    let command = handler.get("command").and_then(Value::as_str).unwrap_or("");
    h.insert("command".into(), json!(command));
    let timeout = handler
        .get("timeout")
        .or_else(|| handler.get("timeoutSec"))
        .and_then(Value::as_u64)
        .unwrap_or(600)
        .max(1);
    h.insert("timeout".into(), json!(timeout));
    let asynchronous = handler
        .get("async")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    h.insert("async".into(), json!(asynchronous));
    if let Some(m) = handler.get("statusMessage").and_then(Value::as_str) {
        h.insert("statusMessage".into(), json!(m));
    }
    let mut identity = Map::new();
    identity.insert("event_name".into(), json!(EVENT));
    if let Some(m) = matcher {
        identity.insert("matcher".into(), json!(m));
    }
    identity.insert("hooks".into(), Value::Array(vec![Value::Object(h)]));
    let text = canonical(&Value::Object(identity)).to_string();
    let digest = Sha256::digest(text.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// The same value with every object's keys in sorted order.
fn canonical(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            let mut out = Map::new();
            for k in keys {
                out.insert(k.clone(), canonical(&m[k]));
            }
            Value::Object(out)
        }
        Value::Array(a) => Value::Array(a.iter().map(canonical).collect()),
        other => other.clone(),
    }
}

/// The `trusted_hash` recorded for `key` in a config.toml, if any.
pub fn recorded(config: &Path, key: &str) -> Result<Option<String>, String> {
    let Some(bytes) = settings::read_bytes(config)? else {
        return Ok(None);
    };
    let text = String::from_utf8_lossy(&bytes);
    let table: toml::Table =
        toml::from_str(&text).map_err(|e| format!("{} is not valid TOML: {e}", shown(config)))?;
    Ok(table
        .get("hooks")
        .and_then(|h| h.get("state"))
        .and_then(|s| s.get(key))
        .and_then(|e| e.get("trusted_hash"))
        .and_then(toml::Value::as_str)
        .map(str::to_string))
}

/// Why Codex would skip this hook, if it would: no trust record, or one for a hook
/// that has changed since.
pub fn problem(config: &Path, t: &Trust) -> Option<String> {
    match recorded(config, &t.key) {
        Err(e) => Some(e),
        Ok(None) => Some(format!(
            "Codex has not been told to trust this hook, so it skips it without a word: no `trusted_hash` for \"{}\" in {}; run `interlock install codex` again (or trust it in codex's /hooks screen)",
            crate::render::visible(&t.key, false),
            shown(config)
        )),
        Ok(Some(h)) if h != t.hash => Some(format!(
            "the trust Codex recorded for this hook in {} is for a different hook (stale: {}, the hook now hashes to {}), so Codex skips it; run `interlock install codex` again",
            shown(config),
            crate::render::visible(&h, false),
            t.hash
        )),
        Ok(Some(_)) => None,
    }
}

/// The header of the table that holds one key's state.
fn header(key: &str) -> String {
    format!("[hooks.state.{}]", toml_string(key))
}

fn toml_string(s: &str) -> String {
    // A TOML basic string: the same escapes as JSON for what a path can hold.
    serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
}

/// Remove the tables `[hooks.state."KEY"]` for these keys from config text (each up to
/// the next table header), leaving everything else byte for byte.
fn without(text: &str, keys: &[String]) -> String {
    let headers: Vec<String> = keys.iter().map(|k| header(k)).collect();
    let mut out = String::with_capacity(text.len());
    let mut skipping = false;
    // Blank lines are held back until the next line: those just before a removed
    // table go with it (install wrote them as its separator).
    let mut blanks = String::new();
    for line in text.split_inclusive('\n') {
        let t = line.trim();
        if t.starts_with('[') {
            skipping = headers.iter().any(|h| h == t);
            if skipping {
                blanks.clear();
            }
        }
        if skipping {
            continue;
        }
        if t.is_empty() {
            blanks.push_str(line);
        } else {
            out.push_str(&blanks);
            blanks.clear();
            out.push_str(line);
        }
    }
    if !skipping {
        out.push_str(&blanks);
    }
    out
}

/// Record trust for `entries` in `config` (and drop stale records of Interlock hooks
/// in the same hooks file), keeping the rest of the file as it was; the previous
/// version is kept beside it. Returns whether the file changed.
pub fn record(config: &Path, entries: &[Trust], stale: &[String]) -> Result<bool, String> {
    let config = settings::real_path(config);
    let before = settings::read_bytes(&config)?
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    let all_ok = entries
        .iter()
        .all(|t| recorded(&config, &t.key).ok().flatten().as_deref() == Some(t.hash.as_str()));
    if all_ok && stale.is_empty() {
        return Ok(false);
    }
    let mut keys: Vec<String> = entries.iter().map(|t| t.key.clone()).collect();
    keys.extend(stale.iter().cloned());
    let mut text = without(&before, &keys);
    for t in entries {
        if !text.is_empty() && !text.ends_with("\n\n") {
            text.push_str(if text.ends_with('\n') { "\n" } else { "\n\n" });
        }
        text.push_str(&format!(
            "{}\ntrusted_hash = {}\n",
            header(&t.key),
            toml_string(&t.hash)
        ));
    }
    if text == before {
        return Ok(false);
    }
    if toml::from_str::<toml::Table>(&text).is_err() {
        return Err(format!(
            "{} could not be updated as TOML (it may record hook trust in a form Interlock does not edit); trust the hook in codex's /hooks screen instead",
            shown(&config)
        ));
    }
    if !before.is_empty() {
        settings::keep_backup(&config)?;
    } else if let Some(dir) = config.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", shown(dir)))?;
    }
    settings::write_atomic(&config, text.as_bytes(), 0o600)
        .map_err(|e| format!("cannot write {}: {e}", shown(&config)))?;
    for t in entries {
        if recorded(&config, &t.key)?.as_deref() != Some(t.hash.as_str()) {
            return Err(format!(
                "wrote {} but Codex would not read the trust record back",
                shown(&config)
            ));
        }
    }
    Ok(true)
}

/// Remove the trust records of every Interlock hook key under `hooks_json` that is
/// recorded in `config` (after an uninstall). Returns whether the file changed.
pub fn forget(config: &Path, hooks_json: &Path) -> Result<bool, String> {
    let config = settings::real_path(config);
    let Some(bytes) = settings::read_bytes(&config)? else {
        return Ok(false);
    };
    let before = String::from_utf8_lossy(&bytes).into_owned();
    let prefix = format!("{}:{EVENT}:", absolute(hooks_json).display());
    let table: toml::Table = match toml::from_str(&before) {
        Ok(t) => t,
        Err(_) => return Ok(false),
    };
    let keys: Vec<String> = table
        .get("hooks")
        .and_then(|h| h.get("state"))
        .and_then(toml::Value::as_table)
        .map(|s| {
            s.keys()
                .filter(|k| k.starts_with(&prefix))
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    if keys.is_empty() {
        return Ok(false);
    }
    let text = without(&before, &keys);
    if text == before {
        return Ok(false);
    }
    // Uninstalling: the version replaced is the one install wrote, and a backup that
    // still records the trust would only bring it back.
    let backup = settings::backup_path(&config);
    if std::fs::read_to_string(&backup).is_ok_and(|b| b.contains(&prefix) || b.trim().is_empty()) {
        let _ = std::fs::remove_file(&backup);
    }
    if text.trim().is_empty() {
        // It held nothing but the trust install wrote.
        std::fs::remove_file(&config)
            .map_err(|e| format!("cannot remove {}: {e}", shown(&config)))?;
        return Ok(true);
    }
    settings::write_atomic(&config, text.as_bytes(), 0o600)
        .map_err(|e| format!("cannot write {}: {e}", shown(&config)))?;
    Ok(true)
}

/// Keys recorded in `config` for handlers of `hooks_json` that are not in `current`
/// (Interlock's entry moved to another index).
pub fn stale_keys(config: &Path, hooks_json: &Path, current: &[Trust]) -> Vec<String> {
    let Ok(Some(bytes)) = settings::read_bytes(config) else {
        return Vec::new();
    };
    let Ok(table) = toml::from_str::<toml::Table>(&String::from_utf8_lossy(&bytes)) else {
        return Vec::new();
    };
    let prefix = format!("{}:{EVENT}:", absolute(hooks_json).display());
    let Ok(file) = settings::read(hooks_json) else {
        return Vec::new();
    };
    let groups = file
        .doc
        .get("hooks")
        .and_then(|h| h.get("PreToolUse"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    table
        .get("hooks")
        .and_then(|h| h.get("state"))
        .and_then(toml::Value::as_table)
        .map(|s| {
            s.keys()
                .filter(|k| k.starts_with(&prefix) && !current.iter().any(|t| &t.key == *k))
                // Only keys that point at no handler now, or at one of ours.
                .filter(|k| {
                    let rest = &k[prefix.len()..];
                    let mut it = rest.split(':').map(|n| n.parse::<usize>().ok());
                    match (it.next().flatten(), it.next().flatten()) {
                        (Some(g), Some(h)) => groups
                            .get(g)
                            .and_then(|grp| grp.get("hooks"))
                            .and_then(|hs| hs.get(h))
                            .is_none(),
                        _ => false,
                    }
                })
                .cloned()
                .collect()
        })
        .unwrap_or_default()
}

/// After `interlock install codex`: record trust for Interlock's hook in
/// `$CODEX_HOME/config.toml`. Returns the config file when it changed.
pub fn trust_installed(hooks_json: &Path, codex_home: &Path) -> Result<Option<PathBuf>, String> {
    let config = config_path(codex_home);
    let entries = wanted(hooks_json)?;
    let stale = stale_keys(&config, hooks_json, &entries);
    Ok(record(&config, &entries, &stale)?.then_some(config))
}

/// For `interlock doctor`: why Codex would skip Interlock's hook in `hooks_json`, if
/// it would.
pub fn route_problem(hooks_json: &Path, codex_home: &Path) -> Option<String> {
    let config = config_path(codex_home);
    match wanted(hooks_json) {
        Ok(entries) => entries.iter().find_map(|t| problem(&config, t)),
        Err(e) => Some(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_is_over_the_sorted_normalised_identity() {
        let handler =
            json!({"type": "command", "command": "/x/interlock hook codex", "timeout": 30});
        let expected = {
            let text = r#"{"event_name":"pre_tool_use","hooks":[{"async":false,"command":"/x/interlock hook codex","timeout":30,"type":"command"}],"matcher":"Bash"}"#;
            let d = Sha256::digest(text.as_bytes());
            format!(
                "sha256:{}",
                d.iter().map(|b| format!("{b:02x}")).collect::<String>()
            )
        };
        assert_eq!(hook_hash(Some("Bash"), &handler), expected);
        // No timeout: Codex fills in 600.
        let bare = json!({"type": "command", "command": "c"});
        let with = json!({"type": "command", "command": "c", "timeout": 600});
        assert_eq!(hook_hash(None, &bare), hook_hash(None, &with));
        assert_ne!(hook_hash(Some("Bash"), &bare), hook_hash(None, &bare));
    }

    #[test]
    fn records_are_added_replaced_and_removed_in_place() {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = dir.path().join("config.toml");
        std::fs::write(&config, "# mine\nmodel = \"x\"\n\n[hooks.state.\"/h/hooks.json:pre_tool_use:0:0\"]\ntrusted_hash = \"sha256:old\"\n\n[other]\nv = 1\n").expect("write");
        let t = Trust {
            key: "/h/hooks.json:pre_tool_use:0:0".into(),
            hash: "sha256:new".into(),
        };
        assert!(record(&config, std::slice::from_ref(&t), &[]).expect("record"));
        let text = std::fs::read_to_string(&config).expect("read");
        assert!(text.starts_with("# mine\nmodel = \"x\"\n"), "{text}");
        assert!(text.contains("[other]\nv = 1\n"), "{text}");
        assert!(!text.contains("sha256:old"), "{text}");
        assert_eq!(problem(&config, &t), None);
        assert!(!record(&config, std::slice::from_ref(&t), &[]).expect("again"));
        let stale = Trust {
            hash: "sha256:other".into(),
            ..t.clone()
        };
        assert!(problem(&config, &stale).expect("stale").contains("stale"));
        assert!(forget(&config, Path::new("/h/hooks.json")).expect("forget"));
        assert!(problem(&config, &t)
            .expect("gone")
            .contains("not been told"));
        let text = std::fs::read_to_string(&config).expect("read");
        assert!(text.contains("[other]\nv = 1\n"), "{text}");
    }
}
