//! package.json: each entry of `scripts` is run by `npm run` / `yarn` / `pnpm` with
//! `sh -c` in the package's directory. Read by the shared reader
//! ([`crate::specs::tasks::package_json`], which the walker also uses for `npm run X`).

use super::{Command, Cwd, Extracted};
use crate::specs::tasks::package_json;

pub fn extract(text: &str) -> Extracted {
    let mut out = Extracted::default();
    match package_json::scripts(text) {
        Ok(scripts) => {
            for (_, m) in scripts {
                out.commands.push(Command::new(m, Cwd::FileDir));
            }
        }
        Err(p) => out.problems.push(p),
    }
    out
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
