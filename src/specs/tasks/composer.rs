//! composer.json `scripts`: each entry is a command or a list of them. A command
//! starting with `@` names another script (`@test`), composer itself (`@composer …`),
//! PHP (`@php …`) or an environment change (`@putenv`); `Vendor\Class::method` is a
//! PHP callback, code Interlock does not read.

use super::{offset_of, Problem};
use std::collections::HashMap;

/// One entry of a script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    Shell(String),
    /// `@name`: another script of the file.
    Script(String),
    /// A PHP callback (`App\Setup::run`).
    Callback(String),
}

pub fn scripts(text: &str) -> Result<HashMap<String, Vec<Entry>>, Problem> {
    let v: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        Problem::at(
            offset_of(text, e.line(), e.column()),
            format!("invalid JSON: {e}"),
        )
    })?;
    let mut out = HashMap::new();
    let Some(scripts) = v.get("scripts").and_then(|s| s.as_object()) else {
        return Ok(out);
    };
    for (name, value) in scripts {
        let items: Vec<&str> = match value {
            serde_json::Value::String(s) => vec![s.as_str()],
            serde_json::Value::Array(a) => a.iter().filter_map(|x| x.as_str()).collect(),
            _ => Vec::new(),
        };
        out.insert(name.clone(), items.into_iter().map(entry).collect());
    }
    Ok(out)
}

fn entry(s: &str) -> Entry {
    let t = s.trim();
    if let Some(rest) = t.strip_prefix('@') {
        let word = rest.split_whitespace().next().unwrap_or("");
        return match word {
            "php" | "composer" => Entry::Shell(rest.to_string()),
            "putenv" => Entry::Shell(String::new()),
            _ => Entry::Script(word.to_string()),
        };
    }
    if !t.contains(char::is_whitespace) && t.contains("::") {
        return Entry::Callback(t.to_string());
    }
    Entry::Shell(t.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries() {
        let s =
            scripts(r#"{"scripts":{"a":["@b","@php artisan x","App\\X::y"],"b":"rm -rf var"}}"#)
                .unwrap();
        assert_eq!(
            s["a"],
            vec![
                Entry::Script("b".into()),
                Entry::Shell("php artisan x".into()),
                Entry::Callback("App\\X::y".into())
            ]
        );
        assert_eq!(s["b"], vec![Entry::Shell("rm -rf var".into())]);
    }
}
