//! Makefiles: recipe lines (tab-prefixed lines after a rule, or after `;` on the rule
//! line), each run by its own `sh -c` in the Makefile's directory (one shell per
//! recipe under `.ONESHELL:`). Make's own syntax is resolved before the shell sees it:
//! `@`/`-`/`+` prefixes go, `$$` becomes `$`, variables set in the file (and make's
//! built-in `$(RM)`, `$(MAKE)`, …) are expanded, and anything else (`$(shell …)`,
//! `$@`, an unknown `$(DIR)`) becomes a shell variable, known only when it runs.

use super::dockerfile::split_lines;
use super::shell::is_posix_shell;
use super::{Command, Cwd, Extracted, Mapped};
use std::collections::HashMap;

const BUILTINS: &[(&str, &str)] = &[
    ("RM", "rm -f"),
    ("MAKE", "make"),
    ("CC", "cc"),
    ("CXX", "g++"),
    ("AR", "ar"),
    ("SHELL", "/bin/sh"),
];
const CONDITIONALS: &[&str] = &["ifeq", "ifneq", "ifdef", "ifndef", "else", "endif"];
/// Variables referring to variables are expanded this deep at most.
const MAX_EXPANSION: usize = 8;

pub fn extract(text: &str) -> Extracted {
    let lines = split_lines(text);
    let mut vars: HashMap<String, String> = BUILTINS
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let mut prefix = '\t';
    let oneshell = lines.iter().any(|(_, l)| l.starts_with(".ONESHELL:"));
    // Recipes: each is a list of logical recipe lines.
    let mut recipes: Vec<Vec<Mapped>> = Vec::new();
    let mut in_rule = false;
    let mut in_define = false;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i].1;
        let trimmed = line.trim_start();
        let first_word = trimmed.split_whitespace().next().unwrap_or("");
        if in_define {
            in_define = first_word != "endef";
            i += 1;
            continue;
        }
        if in_rule && line.starts_with(prefix) {
            let (m, next) = recipe_line(&lines, i, prefix);
            i = next;
            if let Some(r) = recipes.last_mut() {
                r.push(m);
            }
            continue;
        }
        i += 1;
        if trimmed.is_empty() || trimmed.starts_with('#') || CONDITIONALS.contains(&first_word) {
            continue;
        }
        if first_word == "define"
            || (matches!(first_word, "override" | "export")
                && trimmed.split_whitespace().nth(1) == Some("define"))
        {
            in_define = true;
            in_rule = false;
            continue;
        }
        let (logical, next) = joined(&lines, i - 1);
        i = next;
        if let Some((name, value)) = assignment(&logical) {
            if name == ".RECIPEPREFIX" {
                prefix = value.chars().next().unwrap_or('\t');
            } else {
                vars.insert(name, value);
            }
            in_rule = false;
            continue;
        }
        let code = strip_comment(&logical.text);
        match rule_colon(code) {
            Some(colon) => {
                in_rule = true;
                recipes.push(Vec::new());
                if let Some(semi) = code[colon..].find(';') {
                    let inline = logical.slice(colon + semi + 1, code.len());
                    if let Some(r) = recipes.last_mut() {
                        r.push(inline);
                    }
                }
            }
            None => in_rule = false,
        }
    }
    let mut out = Extracted::default();
    if !vars.get("SHELL").is_some_and(|s| is_posix_shell(s)) {
        return out;
    }
    for recipe in recipes {
        let mut shells: Vec<Command> = Vec::new();
        for line in recipe {
            let (text, ph) = to_shell(&strip_prefixes(&line), &vars);
            if text.text.trim().is_empty() {
                continue;
            }
            match shells.last_mut() {
                Some(s) if oneshell => {
                    s.text.push_synth(text.origin(0), "\n");
                    s.text.append(&text);
                    s.placeholders.extend(ph);
                }
                _ => {
                    let mut c = Command::new(text, Cwd::FileDir);
                    c.placeholders = ph;
                    shells.push(c);
                }
            }
        }
        out.commands.extend(shells);
    }
    out
}

/// One logical recipe line: continuation lines keep their backslash-newline (the shell
/// sees it) and lose one leading recipe prefix, as make does.
fn recipe_line(lines: &[(usize, &str)], mut i: usize, prefix: char) -> (Mapped, usize) {
    let mut m = Mapped::new();
    let mut first = true;
    while let Some(&(off, line)) = lines.get(i) {
        let strip = if first || line.starts_with(prefix) {
            prefix.len_utf8()
        } else {
            0
        };
        let body = line.get(strip..).unwrap_or("");
        if !first {
            m.push_synth(off, "\n");
        }
        m.push_src(off + strip, body);
        first = false;
        i += 1;
        if !continues(body) {
            break;
        }
    }
    (m, i)
}

/// A makefile line with its backslash continuations joined by a space, as make does.
fn joined(lines: &[(usize, &str)], mut i: usize) -> (Mapped, usize) {
    let mut m = Mapped::new();
    while let Some(&(off, line)) = lines.get(i) {
        i += 1;
        if continues(line) {
            m.push_src(off, &line[..line.len() - 1]);
            m.push_synth(off + line.len() - 1, " ");
        } else {
            m.push_src(off, line);
            break;
        }
    }
    (m, i)
}

fn continues(line: &str) -> bool {
    let n = line.len() - line.trim_end_matches('\\').len();
    n % 2 == 1
}

fn strip_comment(line: &str) -> &str {
    let mut prev = ' ';
    for (i, c) in line.char_indices() {
        if c == '#' && prev != '\\' {
            return &line[..i];
        }
        prev = c;
    }
    line
}

/// `NAME = value`, `NAME := value`, `NAME ?= value`, `NAME += value`, with `export` or
/// `override` before it.
fn assignment(m: &Mapped) -> Option<(String, String)> {
    let t = strip_comment(&m.text).trim();
    let t = t
        .strip_prefix("export ")
        .or_else(|| t.strip_prefix("override "))
        .unwrap_or(t)
        .trim_start();
    let eq = t.find('=')?;
    let head = &t[..eq];
    let (name, op) = match head.trim_end().char_indices().last() {
        Some((p, c @ (':' | '?' | '+' | '!'))) => (head[..p].trim_end_matches(':'), Some(c)),
        _ => (head, None),
    };
    let name = name.trim();
    if name.is_empty() || name.contains(|c: char| c.is_whitespace() || c == ':') {
        return None;
    }
    let value = t[eq + 1..].trim().to_string();
    if op == Some('!') {
        return Some((name.to_string(), String::new()));
    }
    Some((name.to_string(), value))
}

/// The colon of a rule line (`target: prereqs`), outside `$(…)`.
fn rule_colon(code: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in code.char_indices() {
        match c {
            '(' | '{' => depth += 1,
            ')' | '}' => depth = depth.saturating_sub(1),
            ':' if depth == 0 => return Some(i),
            _ => {}
        }
    }
    None
}

fn strip_prefixes(m: &Mapped) -> Mapped {
    let skip = m.text.len()
        - m.text
            .trim_start_matches(|c: char| matches!(c, '@' | '-' | '+') || c.is_whitespace())
            .len();
    m.slice(skip, m.text.len())
}

/// Make's expansion of one recipe line into the text the shell receives, with the
/// placeholders it put in for references it could not resolve.
fn to_shell(m: &Mapped, vars: &HashMap<String, String>) -> (Mapped, Vec<(String, String)>) {
    let mut out = Mapped::new();
    let mut ph = Vec::new();
    let mut x = Expander {
        vars,
        out: &mut out,
        placeholders: &mut ph,
    };
    x.expand(&m.text, &|i| m.origin(i), None, 0);
    (out, ph)
}

struct Expander<'a> {
    vars: &'a HashMap<String, String>,
    out: &'a mut Mapped,
    placeholders: &'a mut Vec<(String, String)>,
}

impl Expander<'_> {
    /// Expand `text`; each byte maps through `origin`, or to `fixed` inside an expansion.
    fn expand(
        &mut self,
        text: &str,
        origin: &dyn Fn(usize) -> usize,
        fixed: Option<usize>,
        depth: usize,
    ) {
        let at = |i: usize| fixed.unwrap_or_else(|| origin(i));
        let b = text.as_bytes();
        let mut i = 0;
        while let Some(c) = text[i..].chars().next() {
            if c != '$' {
                match fixed {
                    Some(f) => self.out.push_char_synth(f, c),
                    None => self.out.push_char_src(origin(i), c),
                }
                i += c.len_utf8();
                continue;
            }
            match b.get(i + 1) {
                Some(b'$') => {
                    self.out.push_synth(at(i), "$");
                    i += 2;
                }
                Some(&open @ (b'(' | b'{')) => {
                    let close = if open == b'(' { b')' } else { b'}' };
                    let Some(end) = matching(b, i + 1, open, close) else {
                        self.out.push_synth(at(i), "$");
                        i += 1;
                        continue;
                    };
                    let inner = &text[i + 2..end];
                    let here = at(i);
                    match self.vars.get(inner.trim()) {
                        Some(v) if depth < MAX_EXPANSION => {
                            self.expand(v, origin, Some(here), depth + 1)
                        }
                        _ => self.unresolved(here, inner, &text[i..=end]),
                    }
                    i = end + 1;
                }
                Some(&n) if n.is_ascii_graphic() => {
                    self.unresolved(at(i), "", &text[i..i + 2]);
                    i += 2;
                }
                _ => {
                    self.out.push_synth(at(i), "$");
                    i += 1;
                }
            }
        }
    }

    /// A reference the audit cannot resolve becomes a shell variable: `$(DESTDIR)` is
    /// `${DESTDIR}`; a function call or automatic variable gets a `_make_N` name.
    fn unresolved(&mut self, at: usize, inner: &str, original: &str) {
        let name = inner.trim();
        let var = if !name.is_empty()
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !name.starts_with(|c: char| c.is_ascii_digit())
        {
            format!("${{{name}}}")
        } else {
            format!("${{_make_{}}}", self.placeholders.len() + 1)
        };
        self.out.push_synth(at, &var);
        self.placeholders.push((var, original.to_string()));
    }
}

fn matching(b: &[u8], open_at: usize, open: u8, close: u8) -> Option<usize> {
    let mut depth = 0usize;
    for (k, &c) in b.iter().enumerate().skip(open_at) {
        if c == open {
            depth += 1;
        } else if c == close {
            depth -= 1;
            if depth == 0 {
                return Some(k);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(ex: &Extracted) -> Vec<&str> {
        ex.commands.iter().map(|c| c.text.text.as_str()).collect()
    }

    #[test]
    fn recipes() {
        let mk = "\
BUILD := out
# comment
all: build ; echo inline

build:
\t@mkdir -p $(BUILD)
\t-$(RM) -r $(BUILD)/tmp \\
\t  && echo $$HOME
ifdef X
\techo x
endif
\tcp $< $@

install:
\trm -rf $(DESTDIR)/usr/lib/app
define CANNED
\trm -rf /
endef
x = 1
";
        let ex = extract(mk);
        assert!(ex.problems.is_empty());
        assert_eq!(
            texts(&ex),
            vec![
                "echo inline",
                "mkdir -p out",
                "rm -f -r out/tmp \\\n  && echo $HOME",
                "echo x",
                "cp ${_make_1} ${_make_2}",
                "rm -rf ${DESTDIR}/usr/lib/app",
            ]
        );
        let c = &ex.commands[2].text;
        assert_eq!(c.origin(c.text.find("&&").unwrap()), mk.find("&&").unwrap());
        assert_eq!(
            c.origin(c.text.find("out/tmp").unwrap()),
            mk.find("$(BUILD)/tmp").unwrap()
        );
        assert_eq!(
            c.origin(c.text.find("/tmp").unwrap()),
            mk.find("/tmp").unwrap()
        );
    }

    #[test]
    fn oneshell() {
        let ex = extract(".ONESHELL:\nall:\n\tcd sub\n\trm -rf build\n");
        assert_eq!(texts(&ex), vec!["cd sub\nrm -rf build"]);
    }
}
