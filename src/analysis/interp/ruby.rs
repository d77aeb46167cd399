//! Ruby read with tree-sitter-ruby: calls with and without parentheses, backticks
//! and `%x()`, `send(:system, …)`, constants and scopes (`Net::HTTP::Delete`),
//! `ENV["HOME"]`, `Dir.home`, `File.join`.

use super::effects::{self, Call, Out};
use super::eval::{self, Val, Vars};
use super::tree::{self, field, named_children, text, MAX_DEPTH};
use super::{Extracted, Lang};
use tree_sitter::Node;

const RISKY: &[&str] = &[
    "rm", "system", "exec", "spawn", "popen", "Open3", "delete", "unlink", "rmdir", "`", "%x",
    "eval", "send", "execute", "drop", "destroy", "truncate", "flush",
];

pub(super) fn scan(code: &str, out: &mut Out) {
    let Some(tree) = tree::parse(Lang::Ruby, code, out) else {
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

struct Reader<'s> {
    src: &'s str,
    vars: Vars,
    deep: bool,
}

const RUN_BOUND: &[&str] = &[
    "method_parameters",
    "block_parameters",
    "lambda_parameters",
    "optional_parameter",
    "keyword_parameter",
    "splat_parameter",
    "left_assignment_list",
    "for",
    "operator_assignment",
    "exception_variable",
    "destructured_parameter",
];

impl Reader<'_> {
    fn t(&self, n: Node) -> &str {
        text(n, self.src)
    }

    fn count(&mut self, n: Node) {
        if !matches!(n.kind(), "identifier" | "constant") {
            return;
        }
        let Some(p) = n.parent() else { return };
        let name = self.t(n).to_string();
        match p.kind() {
            "assignment" if field(p, "left") == Some(n) => self.vars.count(&name),
            k if RUN_BOUND.contains(&k) => {
                self.vars.count(&name);
                self.vars.count(&name)
            }
            "method" | "class" | "module" if field(p, "name") == Some(n) => {
                self.vars.count(&name);
                self.vars.count(&name)
            }
            _ => {}
        }
    }

    fn visit(&mut self, n: Node, out: &mut Out) {
        match n.kind() {
            "assignment" => {
                if let (Some(l), Some(r)) = (field(n, "left"), field(n, "right")) {
                    if matches!(l.kind(), "identifier" | "constant") {
                        let v = self.eval(r, 0);
                        let name = self.t(l).to_string();
                        self.vars.set(&name, v);
                    }
                }
            }
            "subshell" => match self.interpolated(n, 0) {
                Val::Str(s) => out.push(Extracted::Shell(s)),
                _ => out.dynamic("a backtick command built at run time".into()),
            },
            "call" => {
                let call = self.call(n, 0);
                if let Some(m) = call.arg(0).and_then(Val::str) {
                    if call.name.as_deref() == Some("require") {
                        out.note_module(m);
                    }
                }
                if let Some(Val::Dict(_) | Val::Str(_)) = call.arg(0) {
                    if call.method.as_deref().is_some_and(|m| {
                        m.ends_with("connect") || m == "establish_connection" || m == "new"
                    }) {
                        if let Some(db) = call.arg(0).and_then(|a| {
                            a.str().map(str::to_string).or_else(|| {
                                a.get("database").and_then(Val::str).map(str::to_string)
                            })
                        }) {
                            out.database = Some(db);
                        }
                    }
                }
                effects::judge(Lang::Ruby, &call, out);
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
        let method = field(n, "method").map(|m| self.t(m).to_string());
        match field(n, "receiver") {
            Some(r) => {
                let recv = self.eval(r, depth + 1);
                if let (Some(q), Some(m)) = (recv.name(), &method) {
                    call.name = Some(format!("{q}.{m}"));
                }
                call.receiver = recv;
                call.method = method;
            }
            None => call.name = method,
        }
        if let Some(args) = field(n, "arguments") {
            for a in named_children(args) {
                match a.kind() {
                    "pair" => {
                        if let (Some(k), Some(v)) = (field(a, "key"), field(a, "value")) {
                            let key = self.key(k);
                            let v = self.eval(v, depth + 1);
                            match key {
                                Some(k) => call.kwargs.push((k, v)),
                                None => call.args.push(Val::Unknown),
                            }
                        }
                    }
                    "comment" | "block_argument" => {}
                    "splat_argument" | "hash_splat_argument" => call.args.push(Val::Unknown),
                    _ => call.args.push(self.eval(a, depth + 1)),
                }
            }
            // Keyword arguments also form a trailing hash (`destroy_all(where: …)`).
            if !call.kwargs.is_empty() && call.method.is_some() {
                call.args.push(Val::Dict(call.kwargs.clone()));
            }
        }
        // `send(:system, "…")`, `Kernel.public_send("sys" + "tem", …)`.
        let short = call
            .method
            .as_deref()
            .or(call.name.as_deref())
            .unwrap_or("");
        if matches!(short, "send" | "public_send" | "__send__") {
            match call.args.first().cloned() {
                Some(Val::Str(m)) => {
                    call.args.remove(0);
                    call.name = match call.receiver.name() {
                        Some(q) => Some(format!("{q}.{m}")),
                        None if call.method.is_none() || call.receiver == Val::Unknown => {
                            Some(m.clone())
                        }
                        None => None,
                    };
                    call.method = Some(m);
                }
                Some(_) => {
                    call.name = Some("eval".into());
                    call.args = vec![Val::Unknown];
                }
                None => {}
            }
        }
        call
    }

    fn key(&mut self, k: Node) -> Option<String> {
        match k.kind() {
            "hash_key_symbol" | "identifier" | "constant" => Some(self.t(k).to_string()),
            _ => self.eval(k, 0).str().map(str::to_string),
        }
    }

    /// A string, backticks or heredoc body with `#{…}` parts.
    fn interpolated(&mut self, n: Node, d: usize) -> Val {
        let mut s = String::new();
        for c in named_children(n) {
            match c.kind() {
                "string_content" | "heredoc_content" => s.push_str(self.t(c)),
                "escape_sequence" => s.push_str(&tree::unescape(self.t(c))),
                "interpolation" => {
                    let v = match named_children(c).as_slice() {
                        [one] => self.eval(*one, d + 1),
                        _ => Val::Unknown,
                    };
                    match v.text() {
                        Some(t) => s.push_str(&t),
                        None => return Val::Unknown,
                    }
                }
                "heredoc_end" => {}
                _ => return Val::Unknown,
            }
        }
        Val::Str(s)
    }

    fn eval(&mut self, n: Node, depth: usize) -> Val {
        if depth > MAX_DEPTH {
            self.deep = true;
            return Val::Unknown;
        }
        let d = depth + 1;
        match n.kind() {
            "identifier" | "constant" => {
                let name = self.t(n);
                match self.vars.get(name) {
                    Some(v) => v.clone(),
                    None if self.vars.assigned(name) => Val::Unknown,
                    None => Val::Name(name.to_string()),
                }
            }
            "scope_resolution" => {
                let scope = field(n, "scope").map(|s| self.eval(s, d));
                let name = field(n, "name").map(|s| self.t(s)).unwrap_or("");
                match scope {
                    None => Val::Name(name.to_string()),
                    Some(Val::Name(q)) => Val::Name(format!("{q}::{name}")),
                    Some(_) => Val::Unknown,
                }
            }
            "string" | "heredoc_body" => self.interpolated(n, d),
            "simple_symbol" => Val::Str(self.t(n).trim_start_matches(':').to_string()),
            "delimited_symbol" => match self.interpolated(n, d) {
                Val::Str(s) => Val::Str(s),
                _ => Val::Unknown,
            },
            "integer" => self.t(n).parse().map_or(Val::Unknown, Val::Num),
            "true" => Val::Bool(true),
            "false" => Val::Bool(false),
            "nil" => Val::Nil,
            "parenthesized_statements" => match named_children(n).as_slice() {
                [one] => self.eval(*one, d),
                _ => Val::Unknown,
            },
            "binary" => {
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
            "string_array" => Val::List(
                named_children(n)
                    .into_iter()
                    .map(|c| Val::Str(self.t(c).to_string()))
                    .collect(),
            ),
            "hash" => {
                let mut items = Vec::new();
                for p in named_children(n) {
                    if let (Some(k), Some(v)) = (field(p, "key"), field(p, "value")) {
                        let Some(k) = self.key(k) else {
                            return Val::Unknown;
                        };
                        let v = self.eval(v, d);
                        items.push((k, v));
                    }
                }
                Val::Dict(items)
            }
            "element_reference" => {
                let obj = field(n, "object").map_or(Val::Unknown, |o| self.eval(o, d));
                let object = field(n, "object");
                let key = named_children(n)
                    .into_iter()
                    .find(|c| Some(*c) != object)
                    .map_or(Val::Unknown, |c| self.eval(c, d));
                match (&obj, &key) {
                    (Val::Name(q), _) if q == "ENV" => eval::env_var(&key),
                    (Val::Name(q), Val::Str(p)) if q == "Dir" => Val::Glob(p.clone()),
                    (Val::Dict(_), Val::Str(k)) => obj.get(k).cloned().unwrap_or(Val::Unknown),
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
}

fn returns(call: &Call) -> Val {
    let a0 = || call.arg(0).cloned().unwrap_or(Val::Unknown);
    if let Some(name) = call.name.as_deref() {
        match name {
            "File.join" => return eval::join_paths(&call.args),
            "File.expand_path" => {
                return match call.arg(1) {
                    Some(base) => eval::join_paths(&[eval::expand_user(base), a0()]),
                    None => eval::expand_user(&a0()),
                }
            }
            "Dir.home" | "Etc.getpwuid.dir" => return Val::Str(eval::HOME.into()),
            "Dir.pwd" | "Dir.getwd" => return Val::Str(".".into()),
            "ENV.fetch" => return eval::env_var(&a0()),
            "Dir.glob" => {
                return match a0() {
                    Val::Str(p) => Val::Glob(p),
                    _ => Val::Unknown,
                }
            }
            "Base64.decode64" | "Base64.strict_decode64" | "Base64.urlsafe_decode64" => {
                return match a0() {
                    Val::Str(s) => eval::base64_decode(&s),
                    _ => Val::Unknown,
                }
            }
            "Pathname.new" | "Pathname" | "String" | "URI" | "URI.parse" => {
                return match a0() {
                    v @ Val::Str(_) => v,
                    _ => Val::Unknown,
                }
            }
            "JSON.generate" | "JSON.dump" => return Val::Str(a0().to_json().to_string()),
            _ => {}
        }
    }
    match (&call.receiver, call.method.as_deref()) {
        (Val::Str(s), Some(m)) => match m {
            "to_s" | "strip" | "freeze" | "dup" | "to_str" | "expand_path" | "to_path" => {
                Val::Str(s.clone())
            }
            "join" => {
                let mut parts = vec![Val::Str(s.clone())];
                parts.extend(call.args.iter().cloned());
                eval::join_paths(&parts)
            }
            _ => Val::Unknown,
        },
        (list @ Val::List(_), Some("join")) => {
            let sep = call.arg(0).and_then(Val::str).unwrap_or("");
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
