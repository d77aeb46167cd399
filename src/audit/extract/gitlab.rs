//! GitLab CI: `before_script`, `script` and `after_script` of every job, of `default:`
//! and of hidden template jobs (`.name`), as strings, lists or nested lists, through
//! anchors and merge keys. `!reference` tags are skipped: what they point at is read
//! where it is written. The items of one key run in one shell, so they are joined
//! into one script (a `cd` in one item holds for the next).

use super::yaml::{self, Node, NodeKind};
use super::{Command, Cwd, Extracted, Mapped, Problem};

const KEYS: [&str; 3] = ["before_script", "script", "after_script"];
/// GitLab flattens nested script lists up to this depth.
const MAX_NESTING: usize = 10;

pub fn extract(text: &str) -> Extracted {
    let mut out = Extracted::default();
    let docs = match yaml::parse(text) {
        Ok(d) => d,
        Err(p) => {
            out.problems.push(p);
            return out;
        }
    };
    for doc in &docs {
        for (key, value) in doc.entries() {
            let key = key.as_str().unwrap_or("");
            if KEYS.contains(&key) {
                // The deprecated global `before_script:` / `after_script:`.
                push_script(text, value, &mut out);
                continue;
            }
            if !matches!(value.kind, NodeKind::Map { .. }) {
                continue;
            }
            for k in KEYS {
                if let Some(v) = value.get(k) {
                    push_script(text, v, &mut out);
                }
            }
        }
    }
    out
}

fn push_script(file: &str, node: &Node, out: &mut Extracted) {
    let mut items = Vec::new();
    if let Err(p) = flatten(node, 0, &mut items) {
        out.problems.push(p);
        return;
    }
    let mut joined = Mapped::new();
    for item in items {
        let Some(m) = yaml::scalar_text(file, item) else {
            continue;
        };
        if !joined.is_empty() {
            joined.push_synth(item.start, "\n");
        }
        joined.append(&m);
    }
    if !joined.is_empty() {
        out.commands
            .push(Command::new(joined, Cwd::Repo(String::new())));
    }
}

fn flatten<'n>(node: &'n Node, depth: usize, out: &mut Vec<&'n Node>) -> Result<(), Problem> {
    if node.tag.as_deref() == Some("!reference") {
        return Ok(());
    }
    match &node.kind {
        NodeKind::Scalar { .. } => {
            if node.as_str().is_some() {
                out.push(node);
            }
            Ok(())
        }
        NodeKind::Seq(items) => {
            if depth >= MAX_NESTING {
                return Err(Problem::at(
                    node.start,
                    "script list nested more than 10 levels deep (GitLab refuses it too)",
                ));
            }
            items.iter().try_for_each(|i| flatten(i, depth + 1, out))
        }
        NodeKind::Map { .. } => Err(Problem::at(
            node.start,
            "a script entry is a mapping, not a command (a `key: value` line needs quotes)",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_lists_and_templates() {
        let ci = "\
stages: [test]
variables:
  X: 1
default:
  before_script:
    - echo setup
.tmpl: &tmpl
  script:
    - make a
job:
  <<: *tmpl
  after_script: rm -rf tmp
other:
  script:
    - !reference [.tmpl, script]
    - - nested one
      - |
        multi
        line
";
        let ex = extract(ci);
        assert!(ex.problems.is_empty(), "{:?}", ex.problems);
        let texts: Vec<&str> = ex.commands.iter().map(|c| c.text.text.as_str()).collect();
        assert_eq!(
            texts,
            vec![
                "echo setup",
                "make a",
                "make a",
                "rm -rf tmp",
                "nested one\nmulti\nline\n"
            ]
        );
        let last = &ex.commands[4].text;
        assert_eq!(
            last.origin(last.text.find("line").unwrap()),
            ci.rfind("line").unwrap()
        );
    }

    #[test]
    fn a_mapping_in_a_script_is_reported() {
        let ex = extract("job:\n  script:\n    - echo: hi\n");
        assert_eq!(ex.problems.len(), 1);
    }
}
