//! Makefiles: rules (targets, prerequisites) and their recipe lines (tab-prefixed
//! lines after a rule, or after `;` on the rule line), each run by its own `sh -c` in
//! the Makefile's directory (one shell per recipe under `.ONESHELL:`). Make's own
//! syntax is resolved before the shell sees it: `@`/`-`/`+` prefixes go, `$$` becomes
//! `$`, variables set in the file or on make's command line (and make's built-in
//! `$(RM)`, `$(MAKE)`, …) are expanded, `$@`/`$<`/`$^` when the target is known, and
//! anything else (`$(shell …)`, an unknown `$(DIR)`) becomes a shell variable, known
//! only when it runs.

use super::{is_posix_shell, split_lines, Mapped, Shell};
use std::collections::{HashMap, HashSet};

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
/// Prerequisites are followed this deep at most (a longer chain is reported).
const MAX_PREREQ_DEPTH: usize = 64;

/// One rule: `targets: prerequisites` and its recipe lines (make syntax, unexpanded).
#[derive(Debug, Clone)]
pub struct Rule {
    /// Targets with the file's variables expanded; a target still holding `$` is
    /// computed when make runs.
    pub targets: Vec<String>,
    pub prereqs: Vec<String>,
    lines: Vec<Mapped>,
}

/// A Makefile as make reads it: its variables and its rules, in order.
#[derive(Debug, Clone)]
pub struct Makefile {
    vars: HashMap<String, String>,
    pub rules: Vec<Rule>,
    oneshell: bool,
    /// `include`/`-include` lines: rules may live in other files.
    pub includes: bool,
}

/// What `make TARGET` runs, as far as the Makefile tells.
#[derive(Debug)]
pub enum Plan {
    /// The recipes that run, prerequisites first.
    Runs(Vec<Shell>),
    /// No rule makes the target: make fails, or the file exists and nothing runs.
    NoRule,
    /// Cannot tell (the recipe's shell is not one the parser reads, a computed target,
    /// rules from an included file, a prerequisite chain too deep): the reason.
    Unknown(String),
}

impl Makefile {
    pub fn parse(text: &str) -> Makefile {
        let lines = split_lines(text);
        let mut vars: HashMap<String, String> = BUILTINS
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let mut prefix = '\t';
        let oneshell = lines.iter().any(|(_, l)| l.starts_with(".ONESHELL:"));
        let mut includes = false;
        let mut rules: Vec<Rule> = Vec::new();
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
                if let Some(r) = rules.last_mut() {
                    r.lines.push(m);
                }
                continue;
            }
            i += 1;
            if trimmed.is_empty() || trimmed.starts_with('#') || CONDITIONALS.contains(&first_word)
            {
                continue;
            }
            if matches!(first_word, "include" | "-include" | "sinclude") {
                includes = true;
                in_rule = false;
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
                    let rest = &code[colon..];
                    let deps_end = rest.find(';').unwrap_or(rest.len());
                    let deps = rest[..deps_end].trim_start_matches(':');
                    // `target: VAR = value` is a target-specific variable, not a rule
                    // with prerequisites.
                    let deps = if deps.contains('=') { "" } else { deps };
                    let mut rule = Rule {
                        targets: code[..colon].split_whitespace().map(String::from).collect(),
                        prereqs: deps
                            .trim_start_matches('|')
                            .split_whitespace()
                            .filter(|d| *d != "|")
                            .map(String::from)
                            .collect(),
                        lines: Vec::new(),
                    };
                    if deps_end < rest.len() {
                        rule.lines
                            .push(logical.slice(colon + deps_end + 1, code.len()));
                    }
                    rules.push(rule);
                }
                None => in_rule = false,
            }
        }
        let mut mk = Makefile {
            vars,
            rules,
            oneshell,
            includes,
        };
        for r in &mut mk.rules {
            r.targets = r
                .targets
                .iter()
                .map(|t| expand_plain(t, &mk.vars))
                .collect();
            r.prereqs = r
                .prereqs
                .iter()
                .flat_map(|t| {
                    expand_plain(t, &mk.vars)
                        .split_whitespace()
                        .map(String::from)
                        .collect::<Vec<_>>()
                })
                .collect();
        }
        mk
    }

    /// Whether the recipes are shell the bash parser reads (`SHELL` is a POSIX shell).
    pub fn posix(&self) -> bool {
        self.vars.get("SHELL").is_some_and(|s| is_posix_shell(s))
    }

    /// Set variables as make's command line does (`make clean DIR=out`): they win over
    /// the file's own assignments.
    pub fn override_var(&mut self, name: &str, value: &str) {
        self.vars.insert(name.to_string(), value.to_string());
    }

    /// Every recipe of the file, each expanded without a target (the audit's view).
    pub fn all_shells(&self) -> Vec<Shell> {
        if !self.posix() {
            return Vec::new();
        }
        let mut out = Vec::new();
        for r in &self.rules {
            out.extend(self.shells(r, None, None));
        }
        out
    }

    /// The goal `make` builds without one named: `.DEFAULT_GOAL`, else the first
    /// target that is not special (`.PHONY`) or a pattern.
    pub fn default_goal(&self) -> Option<String> {
        if let Some(g) = self
            .vars
            .get(".DEFAULT_GOAL")
            .filter(|g| !g.trim().is_empty())
        {
            return Some(g.trim().to_string());
        }
        self.rules
            .iter()
            .flat_map(|r| r.targets.iter())
            .find(|t| !t.starts_with('.') && !t.contains('%'))
            .cloned()
    }

    /// What `make TARGET…` runs: each target's prerequisites' recipes, then its own
    /// (each rule once, as make does).
    pub fn plan(&self, targets: &[String]) -> Plan {
        if !self.posix() {
            return Plan::Unknown("its recipes run in a shell Interlock does not read".into());
        }
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        let mut any = false;
        for t in targets {
            match self.make(t, 0, &mut seen, &mut out) {
                Ok(found) => any |= found,
                Err(why) => return Plan::Unknown(why),
            }
        }
        if any {
            Plan::Runs(out)
        } else {
            Plan::NoRule
        }
    }

    fn make(
        &self,
        target: &str,
        depth: usize,
        seen: &mut HashSet<String>,
        out: &mut Vec<Shell>,
    ) -> Result<bool, String> {
        if depth > MAX_PREREQ_DEPTH {
            return Err(format!(
                "its prerequisites nest deeper than {MAX_PREREQ_DEPTH}"
            ));
        }
        if !seen.insert(target.to_string()) {
            return Ok(true);
        }
        let rules: Vec<&Rule> = self
            .rules
            .iter()
            .filter(|r| r.targets.iter().any(|t| t == target))
            .collect();
        let (rules, stem) = if rules.is_empty() {
            match self.pattern_rule(target) {
                Some((r, stem)) => (vec![r], Some(stem)),
                None => {
                    if self.includes {
                        return Err("its rules may come from an included file".into());
                    }
                    if self
                        .rules
                        .iter()
                        .flat_map(|r| &r.targets)
                        .any(|t| t.contains('$'))
                    {
                        return Err("some of its targets are computed when make runs".into());
                    }
                    return Ok(false);
                }
            }
        } else {
            (rules, None)
        };
        for r in &rules {
            for p in &r.prereqs {
                let p = match &stem {
                    Some(s) => p.replace('%', s),
                    None => p.clone(),
                };
                self.make(&p, depth + 1, seen, out)?;
            }
        }
        for r in rules {
            out.extend(self.shells(r, Some(target), stem.as_deref()));
        }
        Ok(true)
    }

    /// A pattern rule (`%.o: %.c`) that makes `target`, with the stem it matched.
    fn pattern_rule(&self, target: &str) -> Option<(&Rule, String)> {
        for r in &self.rules {
            for t in &r.targets {
                let Some((pre, post)) = t.split_once('%') else {
                    continue;
                };
                if target.len() >= pre.len() + post.len()
                    && target.starts_with(pre)
                    && target.ends_with(post)
                    && !r.lines.is_empty()
                {
                    let stem = &target[pre.len()..target.len() - post.len()];
                    return Some((r, stem.to_string()));
                }
            }
        }
        None
    }

    /// The shell one rule's recipe runs, with `$@`, `$<`, `$^` known when the target is.
    fn shells(&self, rule: &Rule, target: Option<&str>, stem: Option<&str>) -> Vec<Shell> {
        let mut vars;
        let vars = match target {
            Some(t) => {
                vars = self.vars.clone();
                vars.insert("@".into(), t.to_string());
                let prereqs: Vec<String> = rule
                    .prereqs
                    .iter()
                    .map(|p| stem.map_or_else(|| p.clone(), |s| p.replace('%', s)))
                    .collect();
                if let Some(first) = prereqs.first() {
                    vars.insert("<".into(), first.clone());
                }
                vars.insert("^".into(), prereqs.join(" "));
                &vars
            }
            None => &self.vars,
        };
        let mut shells: Vec<Shell> = Vec::new();
        for line in &rule.lines {
            let (text, ph) = to_shell(&strip_prefixes(line), vars);
            if text.text.trim().is_empty() {
                continue;
            }
            match shells.last_mut() {
                Some(s) if self.oneshell => {
                    s.text.push_synth(text.origin(0), "\n");
                    s.text.append(&text);
                    s.placeholders.extend(ph);
                }
                _ => shells.push(Shell {
                    text,
                    placeholders: ph,
                }),
            }
        }
        shells
    }
}

/// A target or prerequisite with the file's variables expanded (what cannot be
/// expanded keeps its `$`).
fn expand_plain(t: &str, vars: &HashMap<String, String>) -> String {
    if !t.contains('$') {
        return t.to_string();
    }
    let m = Mapped::verbatim(t, 0, t.len());
    let (out, ph) = to_shell(&m, vars);
    if ph.is_empty() {
        out.text
    } else {
        t.to_string()
    }
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
                    // `$@`, `$<`, `$^`: known only for the target being made.
                    let name = &text[i + 1..i + 2];
                    match self.vars.get(name) {
                        Some(v) if depth < MAX_EXPANSION => {
                            let here = at(i);
                            self.expand(v, origin, Some(here), depth + 1)
                        }
                        _ => self.unresolved(at(i), "", &text[i..i + 2]),
                    }
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

    fn plan(mk: &str, targets: &[&str]) -> Vec<String> {
        let t: Vec<String> = targets.iter().map(|s| s.to_string()).collect();
        match Makefile::parse(mk).plan(&t) {
            Plan::Runs(s) => s.into_iter().map(|s| s.text.text).collect(),
            other => vec![format!("{other:?}")],
        }
    }

    #[test]
    fn a_target_runs_its_prerequisites_first() {
        let mk = "OUT = build\nall: gen\n\tcc -o $(OUT)/app\ngen:\n\techo gen > $@\nclean:\n\trm -rf $(OUT)\n";
        assert_eq!(
            plan(mk, &["all"]),
            vec!["echo gen > gen", "cc -o build/app"]
        );
        assert_eq!(plan(mk, &["clean"]), vec!["rm -rf build"]);
        assert_eq!(Makefile::parse(mk).default_goal().as_deref(), Some("all"));
        assert_eq!(plan(mk, &["nope"]), vec!["NoRule"]);
    }

    #[test]
    fn command_line_variables_win() {
        let mut mk = Makefile::parse("D = out\nclean:\n\trm -rf $(D)\n");
        mk.override_var("D", "~");
        let Plan::Runs(s) = mk.plan(&["clean".into()]) else {
            panic!("no plan")
        };
        assert_eq!(s[0].text.text, "rm -rf ~");
    }

    #[test]
    fn computed_targets_and_includes_are_unknown() {
        let mk = "$(NAME):\n\trm -rf x\n";
        assert!(matches!(
            Makefile::parse(mk).plan(&["x".into()]),
            Plan::Unknown(_)
        ));
        let mk = "include rules.mk\nall:\n\ttrue\n";
        assert!(matches!(
            Makefile::parse(mk).plan(&["clean".into()]),
            Plan::Unknown(_)
        ));
    }

    #[test]
    fn pattern_rules_and_cycles() {
        let mk = "%.o: %.c\n\tcc -c $< -o $@\na: b\n\techo a\nb: a\n\techo b\n";
        assert_eq!(plan(mk, &["x.o"]), vec!["cc -c x.c -o x.o"]);
        assert_eq!(plan(mk, &["a"]), vec!["echo b", "echo a"]);
    }
}
