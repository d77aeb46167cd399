//! JavaScript (node, deno, bun) read with tree-sitter-javascript: `require`/`import`
//! bind names to modules (`node:fs`, `fs/promises`, `fs-extra` are `fs`), destructuring
//! binds functions (`const {execSync} = require("child_process")`), tagged templates
//! of `$` (zx, Bun shell) are shell commands.

use super::effects::{self, shell_join, Call, Out};
use super::eval::{self, Val, Vars};
use super::tree::{self, field, named_children, text, MAX_DEPTH};
use super::Lang;
use tree_sitter::Node;

const RISKY: &[&str] = &[
    "rm", "unlink", "exec", "spawn", "eval", "Function", "query", "drop", "delete", "truncate",
    "flush", "Command", "remove", "rimraf", "emptyDir", "$`",
];

pub(super) fn scan(code: &str, out: &mut Out) {
    let Some(tree) = tree::parse(Lang::Node, code, out) else {
        return;
    };
    let root = tree.root_node();
    let mut r = Reader {
        src: code,
        vars: Vars::default(),
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

/// `node:fs`, `fs/promises`, `fs-extra` → `fs`, `fs.promises`.
fn module_name(m: &str) -> String {
    let m = m.trim_start_matches("node:");
    match m {
        "fs-extra" | "graceful-fs" | "fs-extra/esm" => "fs".into(),
        "fs/promises" | "fs-extra/promises" => "fs.promises".into(),
        "child_process" | "node:child_process" => "child_process".into(),
        "zx" | "bun" => m.into(),
        _ => m.replace('/', "."),
    }
}

struct Reader<'s> {
    src: &'s str,
    vars: Vars,
    deep: bool,
}

const RUN_BOUND: &[&str] = &[
    "formal_parameters",
    "arrow_function",
    "function_declaration",
    "function_expression",
    "class_declaration",
    "catch_clause",
    "for_in_statement",
    "augmented_assignment_expression",
    "update_expression",
    "array_pattern",
    "rest_pattern",
    "assignment_pattern",
];

impl Reader<'_> {
    fn t(&self, n: Node) -> &str {
        text(n, self.src)
    }

    fn count(&mut self, n: Node) {
        if !matches!(
            n.kind(),
            "identifier" | "shorthand_property_identifier_pattern"
        ) {
            return;
        }
        let Some(p) = n.parent() else { return };
        let name = self.t(n).to_string();
        let is = |f: &str| field(p, f) == Some(n);
        match p.kind() {
            "variable_declarator" if is("name") => self.vars.count(&name),
            "assignment_expression" if is("left") => self.vars.count(&name),
            "object_pattern" | "pair_pattern" | "import_clause" | "namespace_import" => {
                self.vars.count(&name)
            }
            "import_specifier" if is("alias") || field(p, "alias").is_none() => {
                self.vars.count(&name)
            }
            k if RUN_BOUND.contains(&k)
                && (!k.ends_with("declaration") && k != "function_expression" || is("name")) =>
            {
                self.vars.count(&name);
                self.vars.count(&name)
            }
            _ => {}
        }
    }

    fn visit(&mut self, n: Node, out: &mut Out) {
        match n.kind() {
            "import_statement" => self.import(n, out),
            "variable_declarator" => {
                let (Some(l), Some(r)) = (field(n, "name"), field(n, "value")) else {
                    return;
                };
                let v = self.eval(r, 0);
                self.bind(l, v);
            }
            "assignment_expression" => {
                if let (Some(l), Some(r)) = (field(n, "left"), field(n, "right")) {
                    if l.kind() == "identifier" {
                        let v = self.eval(r, 0);
                        let name = self.t(l).to_string();
                        self.vars.set(&name, v);
                    }
                }
            }
            "call_expression" | "new_expression" => {
                if let Some(args) = field(n, "arguments") {
                    if args.kind() == "template_string" {
                        return self.tagged(n, args, out);
                    }
                }
                let call = self.call(n, 0);
                if let Some(m) = call.arg(0).and_then(Val::str) {
                    if matches!(call.name.as_deref(), Some("require" | "import")) {
                        out.note_module(m);
                        out.runs_script(m);
                    }
                }
                let short = call
                    .method
                    .as_deref()
                    .or(call.name.as_deref())
                    .unwrap_or("");
                if short.ends_with("connect") || short.ends_with("Database") {
                    if let Some(db) = call.arg(0).and_then(Val::str) {
                        out.database = Some(db.to_string());
                    }
                }
                effects::judge(Lang::Node, &call, out);
            }
            _ => {}
        }
    }

    /// `const x = v`, `const {a, b: c} = v`.
    fn bind(&mut self, pattern: Node, v: Val) {
        match pattern.kind() {
            "identifier" => {
                let name = self.t(pattern).to_string();
                self.vars.set(&name, v);
            }
            "object_pattern" => {
                for c in named_children(pattern) {
                    match c.kind() {
                        "shorthand_property_identifier_pattern" => {
                            let name = self.t(c).to_string();
                            let member = member(&v, &name);
                            self.vars.set(&name, member);
                        }
                        "pair_pattern" => {
                            if let (Some(k), Some(val)) = (field(c, "key"), field(c, "value")) {
                                let key = self.t(k).trim_matches(['"', '\'']).to_string();
                                let member = member(&v, &key);
                                self.bind(val, member);
                            }
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }

    fn import(&mut self, n: Node, out: &mut Out) {
        let Some(src) = field(n, "source") else {
            return;
        };
        let raw = self.string(src);
        let Some(m) = raw.str() else { return };
        out.note_module(m);
        out.runs_script(m);
        let module = module_name(m);
        for c in named_children(n) {
            if c.kind() != "import_clause" {
                continue;
            }
            for part in named_children(c) {
                match part.kind() {
                    "identifier" => {
                        let name = self.t(part).to_string();
                        self.vars.set(&name, Val::Name(module.clone()));
                    }
                    "namespace_import" => {
                        if let Some(id) = named_children(part).first() {
                            let name = self.t(*id).to_string();
                            self.vars.set(&name, Val::Name(module.clone()));
                        }
                    }
                    "named_imports" => {
                        for spec in named_children(part) {
                            let Some(name) = field(spec, "name") else {
                                continue;
                            };
                            let orig = self.t(name).to_string();
                            let local = field(spec, "alias")
                                .map_or(orig.clone(), |a| self.t(a).to_string());
                            let v = if orig == "default" {
                                Val::Name(module.clone())
                            } else {
                                Val::Name(format!("{module}.{orig}"))
                            };
                            self.vars.set(&local, v);
                        }
                    }
                    _ => {}
                }
            }
        }
    }

    /// ``$`rm -rf ${dir}` `` (zx, Bun shell): a shell command.
    fn tagged(&mut self, n: Node, tpl: Node, out: &mut Out) {
        let tag = field(n, "function").map_or(Val::Unknown, |f| self.eval(f, 0));
        let Some(name) = tag.name() else { return };
        let shellish =
            name == "$" || name.ends_with(".$") || name == "execa" || name.ends_with(".sh");
        let sql =
            name.ends_with("sql") || name.ends_with("$executeRaw") || name.ends_with("$queryRaw");
        if !shellish && !sql {
            return;
        }
        let mut cmd = String::new();
        for c in named_children(tpl) {
            match c.kind() {
                "string_fragment" => cmd.push_str(self.t(c)),
                "escape_sequence" => cmd.push_str(&tree::unescape(self.t(c))),
                "template_substitution" => {
                    let v = named_children(c)
                        .first()
                        .map_or(Val::Unknown, |e| self.eval(*e, 0));
                    match (v, shellish) {
                        (Val::Str(s), true) => cmd.push_str(&shell_join(&[s])),
                        (Val::Str(s), false) => cmd.push_str(&s),
                        // Placeholders are bound parameters, not SQL text.
                        (_, false) => cmd.push('1'),
                        (_, true) => {
                            return out
                                .dynamic(format!("`{name}` runs a command built at run time"))
                        }
                    }
                }
                _ => {}
            }
        }
        if shellish {
            out.push(super::Extracted::Shell(cmd));
        } else {
            let call = Call {
                name: None,
                method: Some("unsafe".into()),
                receiver: Val::Unknown,
                args: vec![Val::Str(cmd)],
                kwargs: Vec::new(),
            };
            effects::judge(Lang::Node, &call, out);
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
        let callee = field(n, "function").or_else(|| field(n, "constructor"));
        if let Some(f) = callee {
            if f.kind() == "member_expression" {
                let recv = field(f, "object").map_or(Val::Unknown, |o| self.eval(o, depth + 1));
                let method = field(f, "property").map(|a| self.t(a).to_string());
                if let (Some(q), Some(m)) = (recv.name(), &method) {
                    call.name = Some(format!("{q}.{m}"));
                }
                call.receiver = recv;
                call.method = method;
            } else if f.kind() == "import" {
                call.name = Some("import".into());
            } else if let Val::Name(q) = self.eval(f, depth + 1) {
                call.name = Some(q);
            }
        }
        if let Some(args) = field(n, "arguments") {
            for a in named_children(args) {
                match a.kind() {
                    "comment" => {}
                    // `f(...await r.keys())`: a name stays known (what it is a list of).
                    "spread_element" => {
                        match named_children(a).first().map(|c| self.eval(*c, depth + 1)) {
                            Some(v @ Val::Name(_)) => call.args.push(v),
                            _ => call.args.push(Val::Unknown),
                        }
                    }
                    _ => call.args.push(self.eval(a, depth + 1)),
                }
            }
        }
        call
    }

    fn string(&self, n: Node) -> Val {
        let t = self.t(n);
        let inner = t.get(1..t.len().saturating_sub(1)).unwrap_or("");
        Val::Str(tree::unescape(inner))
    }

    fn eval(&mut self, n: Node, depth: usize) -> Val {
        if depth > MAX_DEPTH {
            self.deep = true;
            return Val::Unknown;
        }
        let d = depth + 1;
        match n.kind() {
            "identifier" | "shorthand_property_identifier" => {
                let name = self.t(n);
                match self.vars.get(name) {
                    Some(v) => v.clone(),
                    None if self.vars.assigned(name) => Val::Unknown,
                    None => Val::Name(name.to_string()),
                }
            }
            "string" => self.string(n),
            "template_string" => {
                let mut s = String::new();
                for c in named_children(n) {
                    match c.kind() {
                        "string_fragment" => s.push_str(self.t(c)),
                        "escape_sequence" => s.push_str(&tree::unescape(self.t(c))),
                        "template_substitution" => {
                            let v = named_children(c)
                                .first()
                                .map_or(Val::Unknown, |e| self.eval(*e, d));
                            match v.text() {
                                Some(t) => s.push_str(&t),
                                None => return Val::Unknown,
                            }
                        }
                        _ => {}
                    }
                }
                Val::Str(s)
            }
            "number" => self.t(n).parse().map_or(Val::Unknown, Val::Num),
            "true" => Val::Bool(true),
            "false" => Val::Bool(false),
            "null" | "undefined" => Val::Nil,
            "parenthesized_expression" | "await_expression" | "non_null_expression" => {
                match named_children(n).first() {
                    Some(c) => self.eval(*c, d),
                    None => Val::Unknown,
                }
            }
            "binary_expression" => {
                let (Some(l), Some(r), Some(op)) =
                    (field(n, "left"), field(n, "right"), field(n, "operator"))
                else {
                    return Val::Unknown;
                };
                let (a, b) = (self.eval(l, d), self.eval(r, d));
                match self.t(op) {
                    "+" => Val::concat(a, b),
                    "||" | "??" if a.truthy() => a,
                    _ => Val::Unknown,
                }
            }
            "array" => Val::List(
                named_children(n)
                    .into_iter()
                    .filter(|c| c.kind() != "comment")
                    .map(|c| self.eval(c, d))
                    .collect(),
            ),
            "object" => {
                let mut items = Vec::new();
                for p in named_children(n) {
                    match p.kind() {
                        "pair" => {
                            let (Some(k), Some(v)) = (field(p, "key"), field(p, "value")) else {
                                continue;
                            };
                            let key = match k.kind() {
                                "property_identifier" | "number" => self.t(k).to_string(),
                                "string" => match self.string(k) {
                                    Val::Str(s) => s,
                                    _ => continue,
                                },
                                _ => return Val::Unknown,
                            };
                            let v = self.eval(v, d);
                            items.push((key, v));
                        }
                        "shorthand_property_identifier" => {
                            let key = self.t(p).to_string();
                            let v = self.eval(p, d);
                            items.push((key, v));
                        }
                        _ => {}
                    }
                }
                Val::Dict(items)
            }
            "member_expression" => {
                let obj = field(n, "object").map_or(Val::Unknown, |o| self.eval(o, d));
                let prop = field(n, "property").map(|a| self.t(a)).unwrap_or("");
                member(&obj, prop)
            }
            "subscript_expression" => {
                let obj = field(n, "object").map_or(Val::Unknown, |o| self.eval(o, d));
                let k = field(n, "index").map_or(Val::Unknown, |o| self.eval(o, d));
                match (&obj, &k) {
                    (Val::Name(_), Val::Str(key)) => member(&obj, key),
                    (Val::List(l), Val::Num(i)) => usize::try_from(*i)
                        .ok()
                        .and_then(|i| l.get(i))
                        .cloned()
                        .unwrap_or(Val::Unknown),
                    (Val::Dict(_), Val::Str(key)) => obj.get(key).cloned().unwrap_or(Val::Unknown),
                    _ => Val::Unknown,
                }
            }
            "ternary_expression" => {
                let (Some(a), Some(b)) = (field(n, "consequence"), field(n, "alternative")) else {
                    return Val::Unknown;
                };
                let (a, b) = (self.eval(a, d), self.eval(b, d));
                if a == b {
                    a
                } else {
                    Val::Unknown
                }
            }
            "call_expression" | "new_expression" => {
                let call = self.call(n, d);
                returns(&call)
            }
            _ => Val::Unknown,
        }
    }
}

/// `obj.prop`: environment variables, module members, object entries.
fn member(obj: &Val, prop: &str) -> Val {
    match obj {
        Val::Name(q) if q == "process.env" || q == "Bun.env" || q == "import.meta.env" => {
            eval::env_var(&Val::Str(prop.to_string()))
        }
        Val::Name(q) => Val::Name(format!("{q}.{prop}")),
        Val::Dict(_) => obj.get(prop).cloned().unwrap_or(Val::Unknown),
        _ => Val::Unknown,
    }
}

fn returns(call: &Call) -> Val {
    let a0 = || call.arg(0).cloned().unwrap_or(Val::Unknown);
    if let Some(name) = call.name.as_deref() {
        match name {
            "require" | "import" => {
                return match a0() {
                    Val::Str(m) => Val::Name(module_name(&m)),
                    _ => Val::Unknown,
                }
            }
            "path.join" | "path.resolve" | "path.posix.join" | "path.normalize" => {
                return eval::join_paths(&call.args)
            }
            "os.homedir" => return Val::Str(eval::HOME.into()),
            "os.tmpdir" => return Val::Str("/tmp".into()),
            "process.cwd" | "Deno.cwd" => return Val::Str(".".into()),
            "Deno.env.get" => return eval::env_var(&a0()),
            "JSON.stringify" => return Val::Str(a0().to_json().to_string()),
            "atob" => {
                return match a0() {
                    Val::Str(s) => eval::base64_decode(&s),
                    _ => Val::Unknown,
                }
            }
            "Buffer.from" => {
                return match (a0(), call.arg(1).and_then(Val::str)) {
                    (Val::Str(s), Some("base64")) => eval::base64_decode(&s),
                    (v @ Val::Str(_), None) => v,
                    _ => Val::Unknown,
                }
            }
            "String" => {
                return match a0() {
                    v @ Val::Str(_) => v,
                    _ => Val::Unknown,
                }
            }
            _ => {}
        }
    }
    match (&call.receiver, call.method.as_deref()) {
        (Val::Str(s), Some(m)) => match m {
            "toString" | "trim" | "valueOf" => Val::Str(s.clone()),
            "concat" => call
                .args
                .iter()
                .fold(Val::Str(s.clone()), |a, b| Val::concat(a, b.clone())),
            "replace" | "replaceAll" => {
                match (
                    call.arg(0).and_then(Val::str),
                    call.arg(1).and_then(Val::str),
                ) {
                    (Some(a), Some(b)) if !a.is_empty() => Val::Str(if m == "replace" {
                        s.replacen(a, b, 1)
                    } else {
                        s.replace(a, b)
                    }),
                    _ => Val::Unknown,
                }
            }
            _ => Val::Unknown,
        },
        (list @ Val::List(_), Some("join")) => {
            let sep = call.arg(0).and_then(Val::str).unwrap_or(",");
            eval::join_with(sep, list)
        }
        (Val::Name(q), Some(m)) => Val::Name(format!("{q}.{m}()")),
        (_, None) => match &call.name {
            Some(q) => Val::Name(format!("{q}()")),
            None => Val::Unknown,
        },
        _ => Val::Unknown,
    }
}
