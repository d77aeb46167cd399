//! Python code read with tree-sitter-python: imports bind names to modules
//! (`import shutil as s`, `from os import remove`), assignments made once keep their
//! value, calls are resolved to qualified names and judged by `effects`.

use super::effects::{self, Call, Out};
use super::eval::{self, Val, Vars};
use super::tree::{self, field, named_children, text, MAX_DEPTH};
use super::{Extracted, Lang};
use tree_sitter::Node;

/// Names that, in a region the grammar could not parse, may be a destructive call.
const RISKY: &[&str] = &[
    "rmtree",
    "remove",
    "unlink",
    "rmdir",
    "system",
    "popen",
    "subprocess",
    "exec",
    "spawn",
    "eval",
    "execute",
    "drop",
    "delete",
    "truncate",
    "flush",
];

pub(super) fn scan(code: &str, out: &mut Out) {
    let Some(tree) = tree::parse(Lang::Python, code, out) else {
        return;
    };
    let root = tree.root_node();
    let mut r = Reader {
        src: code,
        vars: Vars::default(),
        stars: Vec::new(),
        deep: false,
    };
    tree::walk(root, out, |n, _| {
        r.count(n);
        true
    });
    tree::walk(root, out, |n, out| {
        r.visit(n, out);
        true
    });
    tree::check_errors(root, code, RISKY, out);
    if r.deep {
        out.dynamic("the program nests expressions too deeply to check".into());
    }
}

struct Reader<'s> {
    src: &'s str,
    vars: Vars,
    /// Modules imported with `from m import *`.
    stars: Vec<String>,
    deep: bool,
}

/// Parents under which an identifier is bound by something other than a plain
/// `x = …` (a loop, a parameter, unpacking): its value depends on the run.
const RUN_BOUND: &[&str] = &[
    "pattern_list",
    "tuple_pattern",
    "list_pattern",
    "parameters",
    "lambda_parameters",
    "default_parameter",
    "typed_parameter",
    "typed_default_parameter",
    "list_splat_pattern",
    "dictionary_splat_pattern",
    "as_pattern_target",
    "named_expression",
    "function_definition",
    "class_definition",
    "global_statement",
    "nonlocal_statement",
];

impl Reader<'_> {
    fn t(&self, n: Node) -> &str {
        text(n, self.src)
    }

    /// First pass: how many times each name is bound.
    fn count(&mut self, n: Node) {
        if n.kind() != "identifier" {
            return;
        }
        let Some(p) = n.parent() else { return };
        let name = self.t(n).to_string();
        let is = |f: &str| field(p, f) == Some(n);
        match p.kind() {
            "assignment" if is("left") => self.vars.count(&name),
            "augmented_assignment" if is("left") => {
                self.vars.count(&name);
                self.vars.count(&name)
            }
            "for_statement" | "for_in_clause" if is("left") => {
                self.vars.count(&name);
                self.vars.count(&name)
            }
            // `for root, dirs, files in os.walk(…)`.
            "pattern_list" | "tuple_pattern"
                if p.parent().is_some_and(|g| {
                    matches!(g.kind(), "for_statement" | "for_in_clause")
                        && field(g, "left") == Some(p)
                }) =>
            {
                self.vars.count(&name);
                self.vars.count(&name)
            }
            "aliased_import" if is("alias") => self.vars.count(&name),
            k if RUN_BOUND.contains(&k)
                && (k != "function_definition" && k != "class_definition" || is("name")) =>
            {
                self.vars.count(&name);
                self.vars.count(&name)
            }
            _ => {}
        }
    }

    fn visit(&mut self, n: Node, out: &mut Out) {
        match n.kind() {
            "import_statement" => {
                for c in named_children(n) {
                    self.import(c, None, out);
                }
            }
            "import_from_statement" => {
                let Some(m) = field(n, "module_name") else {
                    return;
                };
                let module = self.t(m).to_string();
                out.note_module(&module);
                for c in named_children(n) {
                    if c == m {
                        continue;
                    }
                    if c.kind() == "wildcard_import" {
                        self.stars.push(module.clone());
                    } else {
                        self.import(c, Some(&module), out);
                    }
                }
            }
            "assignment" => {
                if let (Some(l), Some(r)) = (field(n, "left"), field(n, "right")) {
                    if l.kind() == "identifier" {
                        let v = self.eval(r, 0);
                        let name = self.t(l).to_string();
                        self.vars.set(&name, v);
                    }
                }
            }
            // The loop of a comprehension comes after the call it feeds.
            "list_comprehension"
            | "set_comprehension"
            | "generator_expression"
            | "dictionary_comprehension" => {
                for c in named_children(n) {
                    if c.kind() == "for_in_clause" {
                        self.visit(c, out);
                    }
                }
            }
            "for_statement" | "for_in_clause" => {
                if let (Some(l), Some(r)) = (field(n, "left"), field(n, "right")) {
                    if l.kind() == "identifier" {
                        let v = self.eval(r, 0);
                        let name = self.t(l).to_string();
                        self.vars.set_loop(&name, v);
                    } else if matches!(l.kind(), "pattern_list" | "tuple_pattern") {
                        // `os.walk(d)` yields each directory under `d` (`d/**`) with
                        // the names in it.
                        let walked = match self.eval(r, 0) {
                            Val::Name(w) => w.strip_prefix("os.walk:").map(str::to_string),
                            _ => None,
                        };
                        for (i, c) in named_children(l).into_iter().enumerate() {
                            if c.kind() != "identifier" {
                                continue;
                            }
                            let v = match (&walked, i) {
                                (Some(d), 0) => {
                                    Val::Glob(format!("{}/**", d.trim_end_matches('/')))
                                }
                                (Some(_), _) => Val::Glob("*".into()),
                                (None, _) => Val::Unknown,
                            };
                            let name = self.t(c).to_string();
                            self.vars.set_loop(&name, v);
                        }
                    }
                }
            }
            "call" => {
                let call = self.call(n, 0);
                self.side_effects(&call, out);
                effects::judge(Lang::Python, &call, out);
            }
            _ => {}
        }
    }

    /// `import a.b`, `import a.b as c`, `from m import x as y`.
    fn import(&mut self, c: Node, from: Option<&str>, out: &mut Out) {
        let (path, alias) = match c.kind() {
            "dotted_name" => (self.t(c).to_string(), None),
            "aliased_import" => match (field(c, "name"), field(c, "alias")) {
                (Some(a), Some(b)) => (self.t(a).to_string(), Some(self.t(b).to_string())),
                _ => return,
            },
            _ => return,
        };
        let full = match from {
            Some(m) => format!("{m}.{path}"),
            None => path.clone(),
        };
        if from.is_none() {
            out.note_module(&full);
        }
        out.runs_module(&full);
        match (alias, from) {
            (Some(a), _) => self.vars.set(&a, Val::Name(full)),
            (None, Some(_)) => self.vars.set(&path, Val::Name(full)),
            // `import os.path` binds `os`.
            (None, None) => {
                let first = path.split('.').next().unwrap_or(&path).to_string();
                self.vars.set(&first, Val::Name(first.clone()));
            }
        }
    }

    /// What a call does besides its effect: the database it connects to, the
    /// module a dynamic import names, a `getattr` of a computed name.
    fn side_effects(&mut self, call: &Call, out: &mut Out) {
        let short = call
            .method
            .as_deref()
            .or(call.name.as_deref())
            .unwrap_or("");
        if short.ends_with("connect") || short == "create_engine" {
            if let Some(db) = call.arg(0).and_then(Val::str) {
                out.database = Some(db.to_string());
            }
        }
        match call.name.as_deref() {
            Some("__import__" | "importlib.import_module") => {
                if let Some(m) = call.arg(0).and_then(Val::str) {
                    out.note_module(m);
                }
            }
            Some("runpy.run_path") => {
                if let Some(f) = call.arg(0).and_then(Val::str) {
                    out.push(Extracted::Runs {
                        candidates: vec![f.to_string()],
                        lang: Lang::Python,
                    });
                }
            }
            Some("runpy.run_module") => {
                if let Some(m) = call.arg(0).and_then(Val::str) {
                    out.runs_module(m);
                }
            }
            Some("getattr")
                if matches!(call.arg(0), Some(Val::Name(_)))
                    && !matches!(call.arg(1), Some(Val::Str(_))) =>
            {
                out.dynamic("`getattr` takes a name computed at run time".into());
            }
            _ => {}
        }
    }

    fn call(&mut self, n: Node, depth: usize) -> Call {
        let mut call = Call {
            name: None,
            method: None,
            receiver: Val::Unknown,
            args: Vec::new(),
            kwargs: Vec::new(),
        };
        if let Some(f) = field(n, "function") {
            if f.kind() == "attribute" {
                let recv = field(f, "object").map_or(Val::Unknown, |o| self.eval(o, depth + 1));
                let method = field(f, "attribute").map(|a| self.t(a).to_string());
                if let (Some(q), Some(m)) = (recv.name(), &method) {
                    call.name = Some(format!("{q}.{m}"));
                }
                call.receiver = recv;
                call.method = method;
            } else if let Val::Name(q) = self.eval(f, depth + 1) {
                call.name = Some(q);
            }
        }
        if let Some(args) = field(n, "arguments") {
            if args.kind() != "argument_list" {
                call.args.push(Val::Unknown);
                return call;
            }
            for a in named_children(args) {
                match a.kind() {
                    "keyword_argument" => {
                        if let (Some(k), Some(v)) = (field(a, "name"), field(a, "value")) {
                            let v = self.eval(v, depth + 1);
                            call.kwargs.push((self.t(k).to_string(), v));
                        }
                    }
                    "comment" => {}
                    // `f(*r.keys())`: a name stays known (what it is a list of).
                    "list_splat" => {
                        match named_children(a).first().map(|c| self.eval(*c, depth + 1)) {
                            Some(v @ Val::Name(_)) => call.args.push(v),
                            _ => call.args.push(Val::Unknown),
                        }
                    }
                    "dictionary_splat" => call.args.push(Val::Unknown),
                    _ => call.args.push(self.eval(a, depth + 1)),
                }
            }
        }
        call
    }

    fn eval(&mut self, n: Node, depth: usize) -> Val {
        if depth > MAX_DEPTH {
            self.deep = true;
            return Val::Unknown;
        }
        let d = depth + 1;
        match n.kind() {
            "identifier" => {
                let name = self.t(n);
                if let Some(v) = self.vars.get(name) {
                    return v.clone();
                }
                if self.vars.assigned(name) {
                    return Val::Unknown;
                }
                // `from os import *` makes `system` mean `os.system`.
                for m in &self.stars {
                    let q = format!("{m}.{name}");
                    if super::tables::is_known(&q) {
                        return Val::Name(q);
                    }
                }
                Val::Name(name.to_string())
            }
            "string" => self.string(n, d),
            "concatenated_string" => {
                named_children(n)
                    .into_iter()
                    .fold(Val::Str(String::new()), |acc, c| {
                        let v = self.eval(c, d);
                        Val::concat(acc, v)
                    })
            }
            "integer" => self.t(n).parse().map_or(Val::Unknown, Val::Num),
            "true" => Val::Bool(true),
            "false" => Val::Bool(false),
            "none" => Val::Nil,
            "parenthesized_expression" | "await" | "expression_statement" => {
                match named_children(n).first() {
                    Some(c) => self.eval(*c, d),
                    None => Val::Unknown,
                }
            }
            "binary_operator" => {
                let (Some(l), Some(r), Some(op)) =
                    (field(n, "left"), field(n, "right"), field(n, "operator"))
                else {
                    return Val::Unknown;
                };
                let (a, b) = (self.eval(l, d), self.eval(r, d));
                match self.t(op) {
                    "+" => Val::concat(a, b),
                    "%" => match a {
                        Val::Str(t) => eval::format_percent(&t, &b),
                        _ => Val::Unknown,
                    },
                    "/" => eval::join_paths(&[a, b]),
                    _ => Val::Unknown,
                }
            }
            "list" | "tuple" | "set" => Val::List(
                named_children(n)
                    .into_iter()
                    .filter(|c| c.kind() != "comment")
                    .map(|c| self.eval(c, d))
                    .collect(),
            ),
            "dictionary" => {
                let mut items = Vec::new();
                for p in named_children(n) {
                    if let (Some(k), Some(v)) = (field(p, "key"), field(p, "value")) {
                        match self.eval(k, d) {
                            Val::Str(k) => {
                                let v = self.eval(v, d);
                                items.push((k, v));
                            }
                            _ => return Val::Unknown,
                        }
                    }
                }
                Val::Dict(items)
            }
            "attribute" => {
                let obj = field(n, "object").map_or(Val::Unknown, |o| self.eval(o, d));
                let attr = field(n, "attribute").map(|a| self.t(a)).unwrap_or("");
                match obj {
                    Val::Name(q) => Val::Name(format!("{q}.{attr}")),
                    _ => Val::Unknown,
                }
            }
            "subscript" => {
                let v = field(n, "value").map_or(Val::Unknown, |o| self.eval(o, d));
                let k = field(n, "subscript").map_or(Val::Unknown, |o| self.eval(o, d));
                index(&v, &k)
            }
            "conditional_expression" => {
                let c = named_children(n);
                match (c.first(), c.get(2)) {
                    (Some(a), Some(b)) => {
                        let (a, b) = (self.eval(*a, d), self.eval(*b, d));
                        if a == b {
                            a
                        } else {
                            Val::Unknown
                        }
                    }
                    _ => Val::Unknown,
                }
            }
            "call" => {
                let call = self.call(n, d);
                returns(&call)
            }
            _ => Val::Unknown,
        }
    }

    /// A string literal: prefixes (`r`, `b`, `f`), escapes, f-string fields.
    fn string(&mut self, n: Node, d: usize) -> Val {
        let mut raw = false;
        let mut out = String::new();
        for c in named_children(n) {
            match c.kind() {
                "string_start" => {
                    let p = self.t(c).to_ascii_lowercase();
                    raw = p.contains('r');
                }
                "string_content" => {
                    let t = self.t(c);
                    if raw {
                        out.push_str(t)
                    } else {
                        out.push_str(&tree::unescape(t))
                    }
                }
                "interpolation" => {
                    let v = field(c, "expression").map_or(Val::Unknown, |e| self.eval(e, d));
                    match v.text() {
                        Some(t) => out.push_str(&t),
                        None => return Val::Unknown,
                    }
                }
                _ => {}
            }
        }
        Val::Str(out)
    }
}

/// `v[k]`: environment variables, list and dict entries.
fn index(v: &Val, k: &Val) -> Val {
    match (v, k) {
        (Val::Name(q), _) if q == "os.environ" || q == "os.environb" => eval::env_var(k),
        (Val::List(l), Val::Num(i)) => {
            let i = if *i < 0 { l.len() as i64 + i } else { *i };
            usize::try_from(i)
                .ok()
                .and_then(|i| l.get(i))
                .cloned()
                .unwrap_or(Val::Unknown)
        }
        (Val::Dict(_), Val::Str(key)) => v.get(key).cloned().unwrap_or(Val::Unknown),
        _ => Val::Unknown,
    }
}

/// What a call returns, when it can be known: paths, the home directory, joins;
/// an object by the name of what made it (`psycopg2.connect()`).
fn returns(call: &Call) -> Val {
    let a0 = || call.arg(0).cloned().unwrap_or(Val::Unknown);
    if let Some(name) = call.name.as_deref() {
        match name {
            "os.path.expanduser" => return eval::expand_user(&a0()),
            "os.path.join" | "posixpath.join" => return eval::join_paths(&call.args),
            "os.path.abspath"
            | "os.path.realpath"
            | "os.path.normpath"
            | "str"
            | "os.fspath"
            | "os.fsdecode"
            | "sqlalchemy.text"
            | "sqlalchemy.sql.text"
            | "psycopg2.sql.SQL"
            | "psycopg.sql.SQL"
            | "textwrap.dedent" => {
                return match a0() {
                    v @ Val::Str(_) => v,
                    _ => Val::Unknown,
                }
            }
            "pathlib.Path" | "pathlib.PurePath" | "pathlib.PosixPath" | "pathlib.PurePosixPath" => {
                return if call.args.is_empty() {
                    Val::Str(".".into())
                } else {
                    eval::join_paths(&call.args)
                }
            }
            "pathlib.Path.home" | "pathlib.PosixPath.home" => return Val::Str(eval::HOME.into()),
            "pathlib.Path.cwd" | "os.getcwd" => return Val::Str(".".into()),
            "os.getenv" | "os.environ.get" | "os.getenvb" => return eval::env_var(&a0()),
            "os.path.expandvars" => {
                return match a0() {
                    Val::Str(s) => {
                        let s = s
                            .replace("${HOME}", eval::HOME)
                            .replace("$HOME", eval::HOME);
                        if s.contains('$') {
                            Val::Unknown
                        } else {
                            Val::Str(s)
                        }
                    }
                    _ => Val::Unknown,
                }
            }
            "base64.b64decode" | "base64.standard_b64decode" | "base64.urlsafe_b64decode" => {
                return match a0() {
                    Val::Str(s) => eval::base64_decode(&s),
                    _ => Val::Unknown,
                }
            }
            "json.dumps" => return Val::Str(a0().to_json().to_string()),
            // The names in a directory (relative to it) and, for `os.walk`, a
            // marker the loop over it reads.
            "os.listdir" => {
                return match a0() {
                    Val::Str(_) => Val::Glob("*".into()),
                    _ => Val::Unknown,
                }
            }
            "os.walk" => {
                return match a0() {
                    Val::Str(d) => Val::Name(format!("os.walk:{d}")),
                    _ => Val::Unknown,
                }
            }
            "glob.glob" | "glob.iglob" => {
                return match a0() {
                    Val::Str(p) => Val::Glob(p),
                    _ => Val::Unknown,
                }
            }
            "getattr" => {
                return match (call.arg(0), call.arg(1)) {
                    (Some(Val::Name(m)), Some(Val::Str(a))) => Val::Name(format!("{m}.{a}")),
                    _ => Val::Unknown,
                }
            }
            "__import__" | "importlib.import_module" => {
                return match a0() {
                    Val::Str(m) => Val::Name(m),
                    _ => Val::Unknown,
                }
            }
            _ => {}
        }
    }
    match (&call.receiver, call.method.as_deref()) {
        (Val::Str(s), Some(m)) => str_method(s, m, call),
        (Val::Name(q), Some(m)) => Val::Name(format!("{q}.{m}()")),
        (_, None) => match &call.name {
            Some(q) => Val::Name(format!("{q}()")),
            None => Val::Unknown,
        },
        _ => Val::Unknown,
    }
}

/// Methods of strings and paths that keep them known.
fn str_method(s: &str, m: &str, call: &Call) -> Val {
    match m {
        "join" => eval::join_with(s, &call.arg(0).cloned().unwrap_or(Val::Unknown)),
        "format" => eval::format_braces(s, &call.args, &call.kwargs),
        "strip" => Val::Str(s.trim().to_string()),
        "encode" | "decode" | "expanduser" | "resolve" | "absolute" | "as_posix" => {
            Val::Str(s.to_string())
        }
        "replace" => match (
            call.arg(0).and_then(Val::str),
            call.arg(1).and_then(Val::str),
        ) {
            (Some(a), Some(b)) if !a.is_empty() => Val::Str(s.replace(a, b)),
            _ => Val::Unknown,
        },
        "iterdir" => match eval::join_paths(&[Val::Str(s.to_string()), Val::Str("*".into())]) {
            Val::Str(g) => Val::Glob(g),
            _ => Val::Unknown,
        },
        "glob" | "rglob" => match call.arg(0).and_then(Val::str) {
            Some(p) if m == "glob" => {
                match eval::join_paths(&[Val::Str(s.to_string()), Val::Str(p.to_string())]) {
                    Val::Str(g) => Val::Glob(g),
                    _ => Val::Unknown,
                }
            }
            Some(p) => {
                match eval::join_paths(&[Val::Str(s.to_string()), Val::Str(format!("**/{p}"))]) {
                    Val::Str(g) => Val::Glob(g),
                    _ => Val::Unknown,
                }
            }
            None => Val::Unknown,
        },
        "joinpath" => {
            let mut parts = vec![Val::Str(s.to_string())];
            parts.extend(call.args.iter().cloned());
            eval::join_paths(&parts)
        }
        _ => Val::Unknown,
    }
}
