//! package.json: each entry of `scripts` is run by `npm run` / `yarn` / `pnpm` with
//! `sh -c` in the package's directory.

use super::{json_string, Command, Cwd, Extracted, Problem};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::collections::BTreeMap;

#[derive(Deserialize)]
struct Package<'a> {
    #[serde(borrow, default)]
    scripts: Option<BTreeMap<String, &'a RawValue>>,
}

pub fn extract(text: &str) -> Extracted {
    let mut out = Extracted::default();
    let pkg: Package = match serde_json::from_str(text) {
        Ok(p) => p,
        Err(e) => {
            let offset = offset_of(text, e.line(), e.column());
            out.problems
                .push(Problem::at(offset, format!("invalid JSON: {e}")));
            return out;
        }
    };
    let mut scripts: Vec<(usize, &RawValue)> = pkg
        .scripts
        .unwrap_or_default()
        .into_values()
        .map(|raw| {
            let at = (raw.get().as_ptr() as usize).saturating_sub(text.as_ptr() as usize);
            (at, raw)
        })
        .collect();
    scripts.sort_by_key(|(at, _)| *at);
    for (at, raw) in scripts {
        if !raw.get().starts_with('"') {
            continue;
        }
        if let Some((m, _)) = json_string(text, at, &|i| i) {
            out.commands.push(Command::new(m, Cwd::FileDir));
        }
    }
    out
}

/// serde_json reports 1-based lines and columns (bytes); turn them into an offset.
fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    (start + column.saturating_sub(1)).min(text.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_keep_their_offsets() {
        let pkg = "{\n  \"name\": \"x\",\n  \"scripts\": {\n    \"clean\": \"rm -rf dist && echo \\\"done\\\"\",\n    \"n\": 1\n  }\n}\n";
        let ex = extract(pkg);
        assert_eq!(ex.commands.len(), 1);
        let m = &ex.commands[0].text;
        assert_eq!(m.text, "rm -rf dist && echo \"done\"");
        assert_eq!(m.origin(0), pkg.find("rm -rf").unwrap());
        assert_eq!(
            m.origin(m.text.find("done").unwrap()),
            pkg.find("done").unwrap()
        );
    }

    #[test]
    fn broken_json_is_reported() {
        let text = "{\n  \"scripts\": {\n    \"a\": \"x\",\n  }\n}\n";
        let ex = extract(text);
        assert!(ex.commands.is_empty());
        assert_eq!(ex.problems.len(), 1);
        assert!(ex.problems[0].message.contains("trailing comma"));
        let at = ex.problems[0].offset.unwrap();
        assert_eq!(&text[at - 2..=at], "  }");
    }
}
