//! justfiles: recipes with their dependencies and bodies. Each line runs in its own
//! `sh -cu` (after `@`/`-` prefixes), a shebang recipe or `[script]` recipe runs its
//! whole body as one script; `{{ … }}` interpolations are only known when just runs, so
//! they become shell variables of the same length (the walker puts back the values it
//! knows: the file's `name := "value"` and the recipe's arguments). `set shell :=
//! [...]` naming a non-POSIX shell turns line recipes off.

use super::{is_posix_shell, is_shell_shebang, mask_templates, shebang_program, split_lines};
use super::{Mapped, Shell};
use std::collections::HashMap;

/// Dependencies are followed this deep at most.
const MAX_DEPTH: usize = 64;

#[derive(Debug, Clone, Default)]
pub struct Recipe {
    pub name: String,
    /// Parameter names, in order (`+`/`*`/`$` sigils and defaults removed).
    pub params: Vec<String>,
    pub deps: Vec<String>,
    pub shells: Vec<Shell>,
    /// The body is not shell: the program its shebang names (or `script`/`shell`).
    pub other_language: Option<String>,
    /// The whole body, when it is another language.
    pub body: String,
}

impl Recipe {
    fn from_header(t: &str) -> Recipe {
        let t = t.trim_start_matches('@');
        let colon = t.find(':').unwrap_or(t.len());
        let mut words = t[..colon].split_whitespace();
        let name = words.next().unwrap_or("").to_string();
        let params = words
            .map(|w| {
                let w = w.trim_start_matches(['+', '*', '$']);
                w.split('=').next().unwrap_or(w).to_string()
            })
            .filter(|w| !w.is_empty())
            .collect();
        let deps = t
            .get(colon + 1..)
            .unwrap_or("")
            .split_whitespace()
            .map(|d| d.trim_start_matches('(').to_string())
            .filter(|d| !d.is_empty() && !d.starts_with('#') && d != "&&")
            .collect();
        Recipe {
            name,
            params,
            deps,
            ..Recipe::default()
        }
    }

    fn push(&mut self, mut m: Mapped) {
        let placeholders = mask_templates(&mut m, "{{", "}}");
        self.shells.push(Shell {
            text: m,
            placeholders,
        });
    }
}

#[derive(Debug, Clone, Default)]
pub struct Justfile {
    pub recipes: Vec<Recipe>,
    /// `name := "value"` assignments with a literal value.
    pub vars: HashMap<String, String>,
}

impl Justfile {
    pub fn parse(text: &str) -> Justfile {
        let lines = split_lines(text);
        let mut out = Justfile::default();
        let mut posix = true;
        let mut script_attr: Option<bool> = None;
        let mut i = 0;
        while i < lines.len() {
            let (_, line) = lines[i];
            i += 1;
            let t = line.trim();
            if line.starts_with([' ', '\t']) || t.is_empty() || t.starts_with('#') {
                continue;
            }
            if t.starts_with('[') {
                // Attributes: `[script]` runs the body with `sh -eu`; `[script('python3')]`
                // with another interpreter.
                if let Some(arg) = t.strip_prefix("[script") {
                    let arg = arg.trim_start_matches(['(', '\'', '"']);
                    script_attr = Some(arg.starts_with(']') || is_posix_shell(arg));
                }
                continue;
            }
            if let Some(rest) = t.strip_prefix("set ") {
                if let Some(v) = rest.trim_start().strip_prefix("shell") {
                    let v = v.trim_start().trim_start_matches(":=").trim_start();
                    let first = v
                        .trim_start_matches('[')
                        .split(',')
                        .next()
                        .unwrap_or("")
                        .trim()
                        .trim_matches(['"', '\'']);
                    posix = is_posix_shell(first);
                }
                continue;
            }
            if let Some((name, value)) = assignment(t) {
                out.vars.insert(name, value);
            }
            if !is_recipe_header(t) {
                script_attr = None;
                continue;
            }
            let script = script_attr.take();
            let mut recipe = Recipe::from_header(t);
            // The body: following indented lines (blank lines inside are kept).
            let mut body: Vec<(usize, &str)> = Vec::new();
            while i < lines.len() {
                let (o, l) = lines[i];
                if l.starts_with([' ', '\t']) {
                    body.push((o, l));
                } else if !l.trim().is_empty() {
                    break;
                } else {
                    body.push((o, ""));
                }
                i += 1;
            }
            while body.last().is_some_and(|(_, l)| l.trim().is_empty()) {
                body.pop();
            }
            let Some(&(_, first)) = body.first() else {
                out.recipes.push(recipe);
                continue;
            };
            let indent = first.len() - first.trim_start().len();
            let first_text = first.trim_start();
            let whole = if first_text.starts_with("#!") {
                if !is_shell_shebang(first_text.as_bytes()) {
                    recipe.other_language = shebang_program(first_text.as_bytes());
                    recipe.body = body_text(&body, indent);
                    out.recipes.push(recipe);
                    continue;
                }
                true
            } else if let Some(posix_script) = script {
                if !posix_script {
                    recipe.other_language = Some("script".into());
                    recipe.body = body_text(&body, indent);
                    out.recipes.push(recipe);
                    continue;
                }
                true
            } else {
                if !posix {
                    recipe.other_language = Some("shell".into());
                    out.recipes.push(recipe);
                    continue;
                }
                false
            };
            let dedented: Vec<Mapped> = body
                .iter()
                .map(|&(o, l)| {
                    let cut = indent.min(l.len() - l.trim_start().len());
                    Mapped::verbatim(l, cut, l.len()).shifted(o)
                })
                .collect();
            if whole {
                let mut m = Mapped::new();
                for (n, d) in dedented.iter().enumerate() {
                    if n > 0 {
                        m.push_synth(d.origin(0), "\n");
                    }
                    m.append(d);
                }
                recipe.push(m);
                out.recipes.push(recipe);
                continue;
            }
            let mut k = 0;
            while k < dedented.len() {
                let mut m = dedented[k].clone();
                k += 1;
                while m.text.ends_with('\\') && k < dedented.len() {
                    m.push_synth(m.origin(m.len().saturating_sub(1)) + 1, "\n");
                    m.append(&dedented[k]);
                    k += 1;
                }
                let skip = m.text.len() - m.text.trim_start_matches(['@', '-']).len();
                let m = m.slice(skip, m.text.len());
                if !m.text.trim().is_empty() {
                    recipe.push(m);
                }
            }
            out.recipes.push(recipe);
        }
        out
    }

    /// The recipe `just` runs without one named: the first.
    pub fn default_recipe(&self) -> Option<&Recipe> {
        self.recipes.first()
    }

    pub fn recipe(&self, name: &str) -> Option<&Recipe> {
        self.recipes.iter().find(|r| r.name == name)
    }

    /// The recipes `just NAME` runs, dependencies first (each once), or `None` when
    /// the recipe or one of its dependencies is not in the file.
    pub fn plan(&self, name: &str) -> Option<Vec<&Recipe>> {
        let mut out = Vec::new();
        self.visit(name, 0, &mut out).then_some(out)
    }

    fn visit<'a>(&'a self, name: &str, depth: usize, out: &mut Vec<&'a Recipe>) -> bool {
        if depth > MAX_DEPTH {
            return false;
        }
        let Some(r) = self.recipe(name) else {
            return false;
        };
        if out.iter().any(|o| o.name == r.name) {
            return true;
        }
        for d in &r.deps {
            if !self.visit(d, depth + 1, out) {
                return false;
            }
        }
        out.push(r);
        true
    }
}

/// A whole non-shell body, dedented.
fn body_text(body: &[(usize, &str)], indent: usize) -> String {
    let mut s = String::new();
    for (_, l) in body {
        let cut = indent.min(l.len() - l.trim_start().len());
        s.push_str(&l[cut..]);
        s.push('\n');
    }
    s
}

/// `name := "value"` (or `'value'`, or `export name := …`).
fn assignment(t: &str) -> Option<(String, String)> {
    let t = t.strip_prefix("export ").unwrap_or(t);
    let (name, value) = t.split_once(":=")?;
    let name = name.trim();
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return None;
    }
    let v = value.trim();
    let inner = v
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .or_else(|| v.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))?;
    (!inner.contains(['"', '\'', '\\'])).then(|| (name.to_string(), inner.to_string()))
}

/// `name params: deps`, `@name:`, but not `x := value` or `alias a := b`.
fn is_recipe_header(t: &str) -> bool {
    let name = t.trim_start_matches('@');
    if !name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        return false;
    }
    let first = name.split_whitespace().next().unwrap_or("");
    if matches!(
        first,
        "alias" | "export" | "import" | "mod" | "set" | "unexport"
    ) {
        return false;
    }
    match t.find(':') {
        Some(p) => !t[p..].starts_with(":=") && !t[..p].contains('='),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recipes_with_dependencies() {
        let jf = "dir := \"build\"\ndefault: test\ntest: build\n    cargo test\nbuild:\n    cargo build\nclean env:\n    rm -rf {{dir}}/{{env}}\n";
        let j = Justfile::parse(jf);
        assert_eq!(j.default_recipe().map(|r| r.name.as_str()), Some("default"));
        let names: Vec<&str> = j
            .plan("default")
            .unwrap()
            .iter()
            .map(|r| r.name.as_str())
            .collect();
        assert_eq!(names, vec!["build", "test", "default"]);
        let clean = j.recipe("clean").unwrap();
        assert_eq!(clean.params, vec!["env"]);
        assert_eq!(j.vars.get("dir").map(String::as_str), Some("build"));
        assert!(j.plan("nope").is_none());
    }
}
