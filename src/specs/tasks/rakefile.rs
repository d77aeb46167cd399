//! Rakefiles: `task :name do … end` blocks (inside `namespace :ns do … end`, named
//! `ns:name`), with their prerequisites (`task name: [:a, :b]`, `task :x => :y`). The
//! body is Ruby; the walker reads its `sh "…"` calls as shell and the rest through the
//! interpreter-code analyser.

use super::split_lines;

#[derive(Debug, Clone, Default)]
pub struct Task {
    pub name: String,
    pub deps: Vec<String>,
    pub body: String,
}

/// Blocks nest at most this deep (deeper: the rest of the file is one body).
const MAX_NESTING: usize = 64;

pub fn parse(text: &str) -> Vec<Task> {
    let mut out: Vec<Task> = Vec::new();
    let mut namespaces: Vec<(String, usize)> = Vec::new();
    // (task index, block depth at its `do`)
    let mut open: Option<(usize, usize)> = None;
    let mut depth = 0usize;
    for (_, line) in split_lines(text) {
        let t = line.trim();
        let code = t.split(" #").next().unwrap_or(t);
        if let Some((i, _)) = open {
            out[i].body.push_str(line);
            out[i].body.push('\n');
        }
        let opens = opens_block(code);
        let closes = code == "end" || code.starts_with("end ") || code.starts_with("end.");
        if open.is_none() {
            if let Some(rest) = code.strip_prefix("namespace ") {
                let ns = symbol(rest).unwrap_or_default();
                namespaces.push((ns, depth));
            } else if let Some(rest) = code
                .strip_prefix("task ")
                .or_else(|| code.strip_prefix("task("))
                .or_else(|| code.strip_prefix("desc_task "))
            {
                let (name, deps) = header(rest);
                let mut full: Vec<String> = namespaces.iter().map(|(n, _)| n.clone()).collect();
                full.push(name);
                out.push(Task {
                    name: full.join(":"),
                    deps,
                    body: String::new(),
                });
                if opens {
                    open = Some((out.len() - 1, depth));
                    // A one-line block: `task :x do sh "…" end`.
                    if let Some(inline) = code.split_once(" do").map(|(_, b)| b) {
                        let i = out.len() - 1;
                        out[i].body.push_str(inline.trim_end_matches("end"));
                        out[i].body.push('\n');
                    }
                }
            }
        }
        if opens && depth < MAX_NESTING {
            depth += 1;
        }
        if closes || (opens && code.ends_with(" end") && code.contains(" do")) {
            depth = depth.saturating_sub(1);
            if let Some((_, d)) = open {
                if d == depth {
                    open = None;
                }
            }
            if namespaces.last().is_some_and(|(_, d)| *d == depth) {
                namespaces.pop();
            }
        }
    }
    out
}

fn opens_block(code: &str) -> bool {
    let first = code.split_whitespace().next().unwrap_or("");
    code.ends_with(" do")
        || code.contains(" do |")
        || code.contains(" do ")
        || matches!(
            first,
            "if" | "unless" | "while" | "until" | "case" | "def" | "begin" | "class" | "module"
        )
}

/// `:name`, `"name"`, `name:` → `name`.
fn symbol(s: &str) -> Option<String> {
    let s = s.trim_start();
    let s = s.strip_prefix(':').unwrap_or(s);
    let s = s.trim_start_matches(['"', '\'']);
    let end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        .unwrap_or(s.len());
    (end > 0).then(|| s[..end].to_string())
}

/// The name and prerequisites of a `task` line.
fn header(rest: &str) -> (String, Vec<String>) {
    let name = symbol(rest).unwrap_or_default();
    let after = rest.split(" do").next().unwrap_or(rest);
    let deps_text = after
        .split_once("=>")
        .map(|(_, d)| d)
        .or_else(|| after.split_once(": ").map(|(_, d)| d))
        .unwrap_or("");
    let deps = deps_text
        .split([',', '[', ']', ' ', '(', ')'])
        .filter_map(symbol)
        .collect();
    (name, deps)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tasks_and_namespaces() {
        let r = "task default: [:test]\n\ntask :test do\n  sh \"rake spec\"\nend\n\nnamespace :db do\n  task :drop => :env do\n    if true\n      sh 'dropdb prod'\n    end\n  end\nend\n";
        let t = parse(r);
        let names: Vec<&str> = t.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, vec!["default", "test", "db:drop"]);
        assert_eq!(t[0].deps, vec!["test"]);
        assert_eq!(t[2].deps, vec!["env"]);
        assert!(t[1].body.contains("sh \"rake spec\""));
        assert!(t[2].body.contains("dropdb prod"));
        assert!(!t[1].body.contains("dropdb"));
    }
}
