//! package.json `scripts`: each entry is run by `npm run` / `yarn` / `pnpm` / `bun run`
//! with `sh -c` in the package's directory; `npm install` runs the lifecycle entries
//! (`preinstall`, `install`, `postinstall`, `prepare`), `npm test` the `pretest`,
//! `test`, `posttest` entries.

use super::{json_string, offset_of, Mapped, Problem};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::collections::BTreeMap;

#[derive(Deserialize)]
struct Package<'a> {
    #[serde(borrow, default)]
    scripts: Option<BTreeMap<String, &'a RawValue>>,
}

/// The string-valued scripts of a package.json, by name, in file order.
pub fn scripts(text: &str) -> Result<Vec<(String, Mapped)>, Problem> {
    let pkg: Package = serde_json::from_str(text).map_err(|e| {
        let offset = offset_of(text, e.line(), e.column());
        Problem::at(offset, format!("invalid JSON: {e}"))
    })?;
    let mut scripts: Vec<(usize, String, &RawValue)> = pkg
        .scripts
        .unwrap_or_default()
        .into_iter()
        .map(|(name, raw)| {
            let at = (raw.get().as_ptr() as usize).saturating_sub(text.as_ptr() as usize);
            (at, name, raw)
        })
        .collect();
    scripts.sort_by_key(|(at, _, _)| *at);
    let mut out = Vec::new();
    for (at, name, raw) in scripts {
        if !raw.get().starts_with('"') {
            continue;
        }
        if let Some((m, _)) = json_string(text, at, &|i| i) {
            out.push((name, m));
        }
    }
    Ok(out)
}

/// The text with `scripts.NAME` set to `value` (what `npm pkg set scripts.NAME=…`
/// writes), or `None` when the text is not a JSON object.
pub fn with_script(text: &str, name: &str, value: &str) -> Option<String> {
    let mut v: serde_json::Value = if text.trim().is_empty() {
        serde_json::json!({})
    } else {
        serde_json::from_str(text).ok()?
    };
    let obj = v.as_object_mut()?;
    let scripts = obj
        .entry("scripts")
        .or_insert_with(|| serde_json::json!({}));
    scripts.as_object_mut()?.insert(
        name.to_string(),
        serde_json::Value::String(value.to_string()),
    );
    serde_json::to_string_pretty(&v).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_by_name() {
        let s = scripts(r#"{"scripts":{"b":"tsc","a":"rm -rf dist","n":1}}"#).unwrap();
        let names: Vec<&str> = s.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, vec!["b", "a"]);
        let t = with_script("{}", "x", "rm -rf ~").unwrap();
        assert_eq!(scripts(&t).unwrap()[0].1.text, "rm -rf ~");
        assert!(scripts("{").is_err());
    }
}
