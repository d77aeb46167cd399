//! Word expansion as bash does it, with unknown values kept as unknown parts.
//! Substitutions met on the way are analysed: they run.

use super::scope::{Scope, Value};
use super::{named_children, Analyzer, Frame};
use crate::syntax::word::{
    brace_expand, decode_ansi_c, unescape_double, unescape_unquoted, Part, Word,
};
use crate::syntax::BashKind;
use std::ops::Range;
use tree_sitter::Node;

/// Builds the fields one word node expands to.
struct Fields {
    done: Vec<Word>,
    cur: Word,
    /// The current field holds something, even if empty (`""`).
    started: bool,
    span: Range<usize>,
}

impl Fields {
    fn new(span: Range<usize>) -> Fields {
        Fields {
            done: Vec::new(),
            cur: Word {
                parts: Vec::new(),
                glob: false,
                span: span.clone(),
            },
            started: false,
            span,
        }
    }

    fn lit(&mut self, t: &str) {
        self.cur.push_lit(t);
        self.started = true;
    }

    fn unknown(&mut self, name: &str, maybe_empty: bool) {
        self.cur.parts.push(Part::Unknown {
            name: name.to_string(),
            maybe_empty,
        });
        self.started = true;
    }

    /// An unquoted known value: split on IFS whitespace.
    fn split_value(&mut self, v: &str, ifs: &str) {
        let is_ifs = |c: char| ifs.contains(c);
        let mut pieces = v.split(is_ifs).peekable();
        let mut first = true;
        while let Some(p) = pieces.next() {
            if !first {
                self.end_field();
            }
            first = false;
            if !p.is_empty() {
                self.lit(p);
            }
            if pieces.peek().is_none() {
                break;
            }
        }
    }

    fn end_field(&mut self) {
        if self.started {
            let w = std::mem::replace(
                &mut self.cur,
                Word {
                    parts: Vec::new(),
                    glob: false,
                    span: self.span.clone(),
                },
            );
            self.done.push(w);
        }
        self.started = false;
    }

    fn finish(mut self) -> Vec<Word> {
        self.end_field();
        for w in &mut self.done {
            if w.parts.is_empty() {
                w.parts.push(Part::Lit(String::new()));
            }
        }
        self.done
    }
}

impl Analyzer<'_> {
    /// Expand a word node into the fields bash would pass.
    pub(crate) fn expand(
        &mut self,
        n: Node,
        fr: &Frame,
        scope: &mut Scope,
        nd: usize,
        named: &mut Vec<usize>,
    ) -> Vec<Word> {
        let span = fr.span(n);
        if matches!(n.bash_kind(), "word" | "concatenation") && only_plain_words(n) {
            if let Some(list) = brace_expand(fr.text(n)) {
                return list
                    .into_iter()
                    .map(|t| {
                        let (text, glob) = unescape_unquoted(&t);
                        let mut w = Word::literal(text, span.clone());
                        w.glob = glob;
                        w
                    })
                    .collect();
            }
        }
        let mut f = Fields::new(span);
        self.build(n, fr, scope, nd, named, &mut f, false, true);
        let mut words = f.finish();
        // The grammar splits `r[m]` into several words; the pattern is the whole.
        if n.bash_kind() == "concatenation"
            && only_plain_words(n)
            && unescape_unquoted(fr.text(n)).1
        {
            for w in &mut words {
                w.glob = true;
            }
        }
        words
    }

    /// Expand without field splitting (assignment values, redirect targets).
    pub(crate) fn expand_joined(
        &mut self,
        n: Node,
        fr: &Frame,
        scope: &mut Scope,
        nd: usize,
        named: &mut Vec<usize>,
    ) -> Word {
        let mut f = Fields::new(fr.span(n));
        self.build(n, fr, scope, nd, named, &mut f, true, true);
        f.started = true;
        let mut words = f.finish();
        words.pop().unwrap_or_else(|| Word::literal("", fr.span(n)))
    }

    #[allow(clippy::too_many_arguments)]
    fn build(
        &mut self,
        n: Node,
        fr: &Frame,
        scope: &mut Scope,
        nd: usize,
        named: &mut Vec<usize>,
        f: &mut Fields,
        quoted: bool,
        word_start: bool,
    ) {
        if !self.step(fr, n, nd) {
            return;
        }
        match n.bash_kind() {
            "word" => {
                let raw = fr.text(n);
                if quoted {
                    f.lit(raw);
                    return;
                }
                let (mut text, glob) = unescape_unquoted(raw);
                if word_start && !raw.starts_with('\\') {
                    // `~+` is $PWD and `~-` is $OLDPWD (unknown here).
                    let dir_tilde = |t: &str, c: char| {
                        t.strip_prefix('~')
                            .and_then(|r| r.strip_prefix(c))
                            .filter(|r| r.is_empty() || r.starts_with('/'))
                            .map(str::to_string)
                    };
                    if let Some(rest) = dir_tilde(&text, '+') {
                        match scope.cwd.as_ref().and_then(|c| c.to_str()) {
                            Some(cwd) => text = format!("{cwd}{rest}"),
                            None => {
                                f.unknown("PWD", false);
                                text = rest;
                            }
                        }
                    } else if let Some(rest) = dir_tilde(&text, '-') {
                        f.unknown("OLDPWD", false);
                        text = rest;
                    }
                    if let Some(home) = self.ctx.home.as_ref().and_then(|h| h.to_str()) {
                        if text == "~" || text.starts_with("~/") {
                            text = format!("{home}{}", &text[1..]);
                        }
                    }
                    if let Some(user) = text.strip_prefix('~') {
                        if !user.is_empty() && !user.starts_with('/') {
                            let (name, rest) = user.split_once('/').unwrap_or((user, ""));
                            if name
                                .chars()
                                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
                            {
                                text = if rest.is_empty() {
                                    format!("/home/{name}")
                                } else {
                                    format!("/home/{name}/{rest}")
                                };
                            }
                        }
                    }
                }
                f.cur.glob |= glob;
                f.lit(&text);
            }
            "raw_string" => {
                let raw = fr.text(n);
                f.lit(raw.get(1..raw.len().saturating_sub(1)).unwrap_or(""));
            }
            "ansi_c_string" => {
                let raw = fr.text(n);
                f.lit(&decode_ansi_c(
                    raw.get(2..raw.len().saturating_sub(1)).unwrap_or(""),
                ));
            }
            "string" => {
                f.started = true;
                // The text between expansions, newlines included: tree-sitter leaves
                // a newline inside double quotes out of every child node, so the
                // source between the children is read, not only their text.
                let r = fr.range(n);
                let inner_end = r.end.saturating_sub(1).max(r.start);
                let mut at = (r.start + 1).min(inner_end);
                let mut raw = String::new();
                for c in named_children(n) {
                    let cr = fr.range(c);
                    if c.bash_kind() == "string_content" {
                        raw.push_str(fr.src.get(at..cr.end).unwrap_or(""));
                    } else {
                        raw.push_str(fr.src.get(at..cr.start).unwrap_or(""));
                        if !raw.is_empty() {
                            f.lit(&unescape_double(&std::mem::take(&mut raw)));
                        }
                        self.build(c, fr, scope, nd + 1, named, f, true, false);
                    }
                    at = cr.end.max(at);
                }
                raw.push_str(fr.src.get(at..inner_end).unwrap_or(""));
                if !raw.is_empty() {
                    f.lit(&unescape_double(&raw));
                }
            }
            "translated_string" => {
                for c in named_children(n) {
                    self.build(c, fr, scope, nd + 1, named, f, quoted, word_start);
                }
            }
            "concatenation" => {
                let mut first = true;
                for c in named_children(n) {
                    self.build(c, fr, scope, nd + 1, named, f, quoted, word_start && first);
                    first = false;
                }
            }
            "simple_expansion" if fr.text(n).contains(char::is_whitespace) => {
                // tree-sitter reads `$ ls` as `$ls`; bash sees a literal `$` and `ls`.
                let t = fr.text(n);
                f.lit("$");
                f.end_field();
                f.lit(t[1..].trim_start());
            }
            "simple_expansion" | "expansion" => {
                self.expand_variable(n, fr, scope, nd, named, f, quoted)
            }
            "command_substitution" => {
                self.walk_substitution(n, fr, scope, nd, named);
                if let Some(dir) = self.path_substitution(n, fr, scope, nd, named) {
                    f.lit(&dir);
                    return;
                }
                if let Some(text) = self.file_substitution(fr.text(n), scope) {
                    if quoted {
                        f.lit(&text);
                    } else {
                        f.split_value(&text, " \t\n");
                    }
                    return;
                }
                match substitution_value(n, fr, scope) {
                    Some(Subst::Text(v)) => f.lit(&v),
                    Some(Subst::Under(root)) => {
                        f.lit(&root);
                        f.unknown("found", false);
                    }
                    None if substitution_body(fr.text(n))
                        .is_some_and(crate::specs::shell_init::prints_setup_code) =>
                    {
                        f.unknown(SETUP_CODE, true)
                    }
                    None => match redis_listing(fr.text(n)) {
                        Some(name) => f.unknown(&name, true),
                        None => f.unknown("$(…)", true),
                    },
                }
            }
            "process_substitution" => {
                self.walk_substitution(n, fr, scope, nd, named);
                let body = fr
                    .text(n)
                    .strip_prefix("<(")
                    .and_then(|s| s.strip_suffix(')'));
                if body.is_some_and(crate::specs::shell_init::prints_setup_code) {
                    f.unknown(SETUP_CODE_FILE, false);
                } else {
                    f.unknown("<(…)", false);
                }
            }
            "arithmetic_expansion" => {
                for c in named_children(n) {
                    self.walk_expr(c, fr, scope, nd + 1, named);
                }
                f.unknown("$((…))", false);
            }
            "number" => {
                if n.named_child_count() > 0 {
                    for c in named_children(n) {
                        self.walk_expr(c, fr, scope, nd + 1, named);
                    }
                    f.unknown(fr.text(n), false);
                } else {
                    f.lit(fr.text(n));
                }
            }
            "extglob_pattern" => {
                f.cur.glob = true;
                f.lit(fr.text(n));
            }
            _ => {
                for c in named_children(n) {
                    self.walk_expr(c, fr, scope, nd + 1, named);
                }
                f.lit(fr.text(n));
            }
        }
    }

    /// Visit an expression-ish node only for the substitutions inside it.
    fn walk_expr(
        &mut self,
        n: Node,
        fr: &Frame,
        scope: &mut Scope,
        nd: usize,
        named: &mut Vec<usize>,
    ) {
        if !self.step(fr, n, nd) {
            return;
        }
        match n.bash_kind() {
            "command_substitution" | "process_substitution" => {
                self.walk_substitution(n, fr, scope, nd, named)
            }
            _ => {
                for c in named_children(n) {
                    self.walk_expr(c, fr, scope, nd + 1, named);
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn expand_variable(
        &mut self,
        n: Node,
        fr: &Frame,
        scope: &mut Scope,
        nd: usize,
        named: &mut Vec<usize>,
        f: &mut Fields,
        quoted: bool,
    ) {
        let mut name = None;
        let mut operator: Option<String> = None;
        let mut default: Vec<Node> = Vec::new();
        let mut length = false;
        let mut index: Option<String> = None;
        let mut indirect = false;
        let mut cursor = n.walk();
        for c in n.children(&mut cursor) {
            if operator.is_some() {
                if c.is_named() {
                    default.push(c);
                }
                continue;
            }
            match c.bash_kind() {
                "variable_name" | "special_variable_name" if name.is_none() => {
                    name = Some(fr.text(c).to_string())
                }
                "subscript" if name.is_none() => {
                    name = c
                        .child_by_field_name("name")
                        .map(|x| fr.text(x).to_string());
                    index = c
                        .child_by_field_name("index")
                        .map(|x| fr.text(x).to_string());
                    self.walk_expr(c, fr, scope, nd + 1, named);
                }
                "#" if name.is_none() => length = true,
                "!" if name.is_none() => indirect = true,
                "$" | "${" | "}" => {}
                k if !c.is_named() && name.is_some() => operator = Some(k.to_string()),
                _ => self.walk_expr(c, fr, scope, nd + 1, named),
            }
        }
        let Some(name) = name else {
            // A lone `$` is literal text.
            let t = fr.text(n);
            if t == "$" {
                f.lit(t);
            } else {
                f.unknown(t, true);
            }
            return;
        };
        if length {
            f.unknown(&format!("#{name}"), false);
            return;
        }
        if indirect {
            f.unknown(&format!("!{name}"), true);
            return;
        }
        if operator.is_none() && matches!(name.as_str(), "@" | "*") {
            if let Some(pos) = scope.positional.clone() {
                return all_positional(&pos, &name, quoted, f);
            }
        }
        let value = self.lookup(&name, scope);
        let op = operator.as_deref().unwrap_or("");
        let value = match op {
            "" => value,
            ":-" | "-" | ":=" | "=" => match value {
                Value::Known(v) if !v.is_empty() => Value::Known(v),
                Value::Pattern(p) => Value::Pattern(p),
                _ => {
                    if default.is_empty() {
                        Value::Known(String::new())
                    } else {
                        // The fallback is what runs when the variable is unset: judge it.
                        for d in default {
                            self.build(d, fr, scope, nd + 1, named, f, quoted, false);
                        }
                        return;
                    }
                }
            },
            ":?" | "?" => match value {
                Value::Unknown { .. } => Value::Unknown { maybe_empty: false },
                v => v,
            },
            _ => {
                for d in default {
                    self.walk_expr(d, fr, scope, nd + 1, named);
                }
                Value::Unknown { maybe_empty: true }
            }
        };
        let ifs = match self.lookup("IFS", scope) {
            Value::Known(s) => s,
            _ => " \t\n".to_string(),
        };
        let value = match (value, index.as_deref()) {
            (Value::Array(items), Some("@") | Some("*")) => {
                // Each element is its own word.
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.end_field();
                    }
                    if quoted {
                        f.lit(item);
                    } else {
                        f.split_value(item, &ifs);
                    }
                }
                return;
            }
            (Value::Array(items), i) => {
                // `${a[-1]}` counts from the end.
                let n = i.map_or(Some(0), |i| {
                    let k = i.trim().parse::<i64>().ok()?;
                    let k = if k < 0 { items.len() as i64 + k } else { k };
                    usize::try_from(k).ok()
                });
                match n.and_then(|n| items.get(n)) {
                    Some(v) => Value::Known(v.clone()),
                    None => Value::Unknown { maybe_empty: true },
                }
            }
            (v, _) => v,
        };
        match value {
            Value::Known(v) if quoted => f.lit(&v),
            Value::Known(v) => f.split_value(&v, &ifs),
            Value::Array(_) => f.unknown(&name, true),
            Value::Pattern(p) => {
                f.cur.glob = true;
                f.lit(&p);
            }
            Value::Unknown { maybe_empty } => f.unknown(&name, maybe_empty),
            Value::Item(what) => f.unknown(&what, false),
        }
    }

    pub(crate) fn lookup(&self, name: &str, scope: &Scope) -> Value {
        if let Some(v) = scope.vars.get(name) {
            return v.clone();
        }
        if let Ok(i) = name.parse::<usize>() {
            if i > 0 {
                if let Some(pos) = &scope.positional {
                    return pos
                        .get(i - 1)
                        .cloned()
                        .unwrap_or(Value::Known(String::new()));
                }
            }
            return Value::Unknown { maybe_empty: true };
        }
        match name {
            "HOME" => {
                if let Some(h) = self.ctx.home.as_ref().and_then(|h| h.to_str()) {
                    return Value::Known(h.to_string());
                }
            }
            "PWD" => {
                if let Some(c) = scope.cwd.as_ref().and_then(|c| c.to_str()) {
                    return Value::Known(c.to_string());
                }
            }
            "IFS" => return Value::Known(" \t\n".to_string()),
            "#" | "?" | "$" | "!" | "RANDOM" | "LINENO" | "SECONDS" | "PPID" | "UID" | "EUID" => {
                return Value::Unknown { maybe_empty: false }
            }
            _ => {}
        }
        match self.ctx.env.get(name) {
            Some(v) => Value::Known(v.clone()),
            None => Value::Unknown { maybe_empty: true },
        }
    }
}

/// `"$@"` is one field per parameter, `"$*"` one field joined with spaces; unquoted,
/// each parameter is split on IFS.
fn all_positional(pos: &[Value], name: &str, quoted: bool, f: &mut Fields) {
    if quoted && name == "*" {
        let known: Option<Vec<&str>> = pos
            .iter()
            .map(|v| match v {
                Value::Known(s) => Some(s.as_str()),
                _ => None,
            })
            .collect();
        match known {
            Some(k) => f.lit(&k.join(" ")),
            None => f.unknown("*", true),
        }
        return;
    }
    if pos.is_empty() && f.cur.parts.is_empty() {
        // `"$@"` with no parameters is no field at all, not an empty one.
        f.started = false;
    }
    for (i, v) in pos.iter().enumerate() {
        if i > 0 {
            f.end_field();
            f.started = quoted;
        }
        match v {
            Value::Known(s) if quoted => f.lit(s),
            Value::Known(s) => f.split_value(s, " \t\n"),
            Value::Pattern(p) => {
                f.cur.glob = true;
                f.lit(p);
            }
            Value::Unknown { maybe_empty } => f.unknown(name, *maybe_empty),
            Value::Item(what) => f.unknown(what, false),
            Value::Array(_) => f.unknown(name, true),
        }
    }
}

impl Analyzer<'_> {
    /// `$(dirname [--] WORD)` and `$(basename [--] WORD)` of a word whose value is
    /// known (`$(dirname -- "$0")` in a script): the part of the path it prints.
    fn path_substitution(
        &mut self,
        n: Node,
        fr: &Frame,
        scope: &mut Scope,
        nd: usize,
        named: &mut Vec<usize>,
    ) -> Option<String> {
        let text = fr.text(n);
        let body = substitution_body(text)?;
        let prog = body.split_whitespace().next()?;
        if !matches!(prog, "dirname" | "basename") {
            return None;
        }
        let [cmd] = named_children(n).collect::<Vec<_>>()[..] else {
            return None;
        };
        if cmd.bash_kind() != "command" {
            return None;
        }
        let args: Vec<Node> = cmd
            .children_by_field_name("argument", &mut cmd.walk())
            .filter(|a| fr.text(*a) != "--")
            .collect();
        let [arg] = args[..] else { return None };
        if fr.text(arg).contains("$(") || fr.text(arg).contains('`') {
            return None;
        }
        let words = self.expand(arg, fr, scope, nd + 1, named);
        let [w] = &words[..] else { return None };
        let path = w.lit()?;
        let trimmed = path.trim_end_matches('/');
        let p = std::path::Path::new(trimmed);
        match prog {
            "dirname" => Some(match p.parent() {
                Some(d) if d.as_os_str().is_empty() => ".".to_string(),
                Some(d) => d.to_str()?.to_string(),
                None => {
                    if path.starts_with('/') {
                        "/".into()
                    } else {
                        ".".into()
                    }
                }
            }),
            _ => p.file_name()?.to_str().map(str::to_string),
        }
    }
}

/// Files read by `$(cat FILE)` / `$(< FILE)` are taken as their text up to this size.
const MAX_SUBST_FILE: usize = 64 * 1024;

impl Analyzer<'_> {
    /// `$(cat FILE)` and `$(< FILE)` print a file: one written earlier on the line or
    /// on disk (`psql -c "$(cat reset.sql)"`, `rm -rf $(cat list)`). Its text, without
    /// the trailing newlines bash removes, when it can be read and is small.
    fn file_substitution(&self, inner: &str, scope: &Scope) -> Option<String> {
        if self.container.is_some() {
            return None;
        }
        let body = substitution_body(inner)?;
        let name = match body.strip_prefix('<') {
            Some(rest) => rest.trim(),
            None => {
                let mut words = body.split_whitespace();
                (words.next() == Some("cat")).then_some(())?;
                let name = words.next()?;
                words.next().is_none().then_some(name)?
            }
        };
        let plain = !name.is_empty()
            && !name.starts_with('-')
            && name.chars().all(|c| {
                c.is_ascii_alphanumeric()
                    || matches!(c, '-' | '_' | '.' | '/' | '~' | '+' | ',' | '@')
            });
        if !plain || (name.starts_with('~') && name != "~" && !name.starts_with("~/")) {
            return None;
        }
        let p = crate::model::paths::resolve(name, scope.cwd.as_deref(), self.ctx.home.as_deref())?;
        match self.runnable(&p) {
            super::runners::files::Runnable::Text(t) if t.len() <= MAX_SUBST_FILE => {
                Some(t.trim_end_matches('\n').to_string())
            }
            _ => None,
        }
    }
}

enum Subst {
    Text(String),
    /// Paths under this directory (`$(find DIR …)`).
    Under(String),
}

/// Substitutions whose output is known without running them: `$(pwd)`,
/// `$(mktemp …)` (a fresh path under the temporary directory), and `$(find DIR …)`
/// (paths under DIR).
/// The value of `$(TOOL init …)`-style substitutions: setup code the tool prints for
/// the current shell (`src/specs/shell_init.rs`). `eval` and `source` of it pass.
pub(crate) const SETUP_CODE: &str = "$(setup code)";
/// `<(kubectl completion bash)`: the same, read as a file by `source`.
pub(crate) const SETUP_CODE_FILE: &str = "<(setup code)";

fn substitution_body(inner: &str) -> Option<&str> {
    inner
        .strip_prefix("$(")
        .and_then(|s| s.strip_suffix(')'))
        .or_else(|| inner.strip_prefix('`').and_then(|s| s.strip_suffix('`')))
        .map(str::trim)
}

fn substitution_value(n: Node, fr: &Frame, scope: &Scope) -> Option<Subst> {
    let body = substitution_body(fr.text(n))?;
    let first = body.split_whitespace().next()?;
    match first {
        // `$(echo hello)`: one plain word printed is that word.
        "echo" => {
            let mut words = body.split_whitespace().skip(1);
            let word = words.next()?;
            let plain = word.chars().all(|c| {
                c.is_ascii_alphanumeric()
                    || matches!(c, '-' | '_' | '.' | '/' | ',' | ':' | '+' | '@' | '%' | '=')
            });
            (plain && words.next().is_none() && !word.starts_with('-'))
                .then(|| Subst::Text(word.to_string()))
        }
        "pwd" if matches!(body, "pwd" | "pwd -P" | "pwd -L") => scope
            .cwd
            .as_ref()?
            .to_str()
            .map(|s| Subst::Text(s.to_string())),
        "mktemp" => {
            if body.contains(" -p ") || body.contains("--tmpdir=") || body.contains(" /") {
                None
            } else {
                Some(Subst::Text("/tmp/tmp.XXXXXXXXXX".to_string()))
            }
        }
        "find" => {
            let root = body
                .split_whitespace()
                .nth(1)
                .filter(|r| !r.starts_with('-') && !r.contains(['$', '`', '"', '\'', '*', '?']));
            let root = root.unwrap_or(".");
            let root = if root.ends_with('/') {
                root.to_string()
            } else {
                format!("{root}/")
            };
            Some(Subst::Under(root))
        }
        _ => None,
    }
}

/// `$(redis-cli KEYS 'user:*')`: the keys a pattern matches, named so the redis
/// analyser knows what a `DEL` of them deletes.
fn redis_listing(inner: &str) -> Option<String> {
    let body = substitution_body(inner)?;
    let mut words = body.split_whitespace();
    let prog = words.next()?;
    if !matches!(prog, "redis-cli" | "valkey-cli" | "keydb-cli") {
        return None;
    }
    let texts: Vec<String> = words
        .map(|w| w.trim_matches(['\'', '"']).to_string())
        .collect();
    let pattern = super::redirects::redis_key_listing(&texts)?;
    Some(format!("{}{pattern}", crate::model::invocation::REDIS_KEYS))
}

/// A word or concatenation made only of unquoted plain words (a brace candidate).
fn only_plain_words(n: Node) -> bool {
    match n.bash_kind() {
        "word" => true,
        "concatenation" => named_children(n).all(|c| c.bash_kind() == "word"),
        _ => false,
    }
}
