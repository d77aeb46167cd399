//! PHP read with tree-sitter-php (the grammar without HTML, for `php -r`): function
//! names and variable functions (`$f = "sys"."tem"; $f(…)`), `call_user_func`,
//! backticks, PDO and mysqli, curl's `CURLOPT_CUSTOMREQUEST`.

use super::effects::{self, Call, Out};
use super::eval::{self, Val, Vars};
use super::tree::{self, field, named_children, text, MAX_DEPTH};
use super::{Extracted, Lang};
use tree_sitter::Node;

const RISKY: &[&str] = &[
    "system",
    "exec",
    "passthru",
    "popen",
    "proc_open",
    "unlink",
    "rmdir",
    "`",
    "eval",
    "assert",
    "query",
    "DROP",
    "drop",
    "delete",
    "truncate",
    "flush",
    "call_user_func",
    "file_put_contents",
];

pub(super) fn scan(code: &str, out: &mut Out) {
    let Some(tree) = tree::parse(Lang::Php, code, out) else {
        return;
    };
    let root = tree.root_node();
    let mut r = Reader {
        src: code,
        vars: Vars::default(),
        deep: false,
        curl_url: Val::Unknown,
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
    /// The URL given to `curl_init`, for a later `CURLOPT_CUSTOMREQUEST`.
    curl_url: Val,
}

impl Reader<'_> {
    fn t(&self, n: Node) -> &str {
        text(n, self.src)
    }

    fn count(&mut self, n: Node) {
        if n.kind() != "variable_name" {
            return;
        }
        let Some(p) = n.parent() else { return };
        let name = self.t(n).to_string();
        match p.kind() {
            "assignment_expression" if field(p, "left") == Some(n) => self.vars.count(&name),
            "simple_parameter"
            | "variadic_parameter"
            | "foreach_statement"
            | "pair"
            | "augmented_assignment_expression"
            | "list_literal"
            | "catch_clause"
            | "update_expression"
            | "by_ref" => {
                self.vars.count(&name);
                self.vars.count(&name)
            }
            _ => {}
        }
    }

    fn visit(&mut self, n: Node, out: &mut Out) {
        match n.kind() {
            "assignment_expression" => {
                if let (Some(l), Some(r)) = (field(n, "left"), field(n, "right")) {
                    if l.kind() == "variable_name" {
                        let v = self.eval(r, 0);
                        let name = self.t(l).to_string();
                        self.vars.set(&name, v);
                    }
                }
            }
            "shell_command_expression" => match self.interpolated(n, 0) {
                Val::Str(s) => out.push(Extracted::Shell(s)),
                _ => out.dynamic("a backtick command built at run time".into()),
            },
            "function_call_expression"
            | "member_call_expression"
            | "nullsafe_member_call_expression"
            | "scoped_call_expression"
            | "object_creation_expression" => {
                let call = self.call(n, 0);
                self.curl(&call, out);
                if n.kind() == "object_creation_expression" {
                    if let Some(dsn) = call.arg(0).and_then(Val::str) {
                        out.database = dsn
                            .split(';')
                            .find_map(|p| p.trim().strip_prefix("dbname="))
                            .map(str::to_string)
                            .or(out.database.take());
                        if let Some(scheme) = dsn.split(':').next() {
                            out.note_module(scheme);
                        }
                    }
                }
                if let Some(name) = call.name.as_deref() {
                    if name.starts_with("mysqli") || name.starts_with("pg_") {
                        out.note_module(name);
                    }
                }
                effects::judge(Lang::Php, &call, out);
            }
            _ => {}
        }
    }

    /// curl's extension: a DELETE (`CURLOPT_CUSTOMREQUEST`) or a body.
    fn curl(&mut self, call: &Call, out: &mut Out) {
        match call.name.as_deref() {
            Some("curl_init") => self.curl_url = call.arg(0).cloned().unwrap_or(Val::Unknown),
            Some("curl_setopt") => {
                let opt = call.arg(1).and_then(Val::name).unwrap_or("");
                let value = call.arg(2).cloned().unwrap_or(Val::Unknown);
                match opt {
                    "CURLOPT_URL" => self.curl_url = value,
                    "CURLOPT_CUSTOMREQUEST" => {
                        if let Some(m) = value.str().map(str::to_ascii_uppercase) {
                            if m == "DELETE" {
                                out.push(Extracted::Http {
                                    method: m,
                                    url: self.curl_url.str().map(str::to_string),
                                    body: None,
                                });
                            }
                        }
                    }
                    "CURLOPT_POSTFIELDS" => {
                        if let Some(b) = value.str() {
                            out.push(Extracted::Http {
                                method: "POST".into(),
                                url: self.curl_url.str().map(str::to_string),
                                body: Some(b.to_string()),
                            });
                        }
                    }
                    _ => {}
                }
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
        match n.kind() {
            "function_call_expression" => {
                if let Some(f) = field(n, "function") {
                    call.name = match f.kind() {
                        "name" | "qualified_name" => {
                            Some(self.t(f).trim_start_matches('\\').to_string())
                        }
                        _ => match self.eval(f, depth + 1) {
                            // A string names the function it calls.
                            Val::Str(s) | Val::Name(s) => Some(s),
                            _ => None,
                        },
                    };
                }
            }
            "scoped_call_expression" => {
                let scope =
                    field(n, "scope").map(|s| self.t(s).trim_start_matches('\\').to_string());
                let name = field(n, "name").map(|s| self.t(s).to_string());
                if let (Some(s), Some(m)) = (&scope, &name) {
                    call.name = Some(format!("{s}::{m}"));
                }
                call.receiver = scope.map_or(Val::Unknown, Val::Name);
                call.method = name;
            }
            "object_creation_expression" => {
                let class = named_children(n)
                    .into_iter()
                    .find(|c| matches!(c.kind(), "name" | "qualified_name"));
                call.name = class.map(|c| self.t(c).trim_start_matches('\\').to_string());
            }
            _ => {
                let recv = field(n, "object").map_or(Val::Unknown, |o| self.eval(o, depth + 1));
                let method = field(n, "name").map(|m| self.t(m).to_string());
                if let (Some(q), Some(m)) = (recv.name(), &method) {
                    call.name = Some(format!("{q}.{m}"));
                }
                call.receiver = recv;
                call.method = method;
            }
        }
        let args = field(n, "arguments").or_else(|| {
            named_children(n)
                .into_iter()
                .find(|c| c.kind() == "arguments")
        });
        if let Some(args) = args {
            for a in named_children(args) {
                if a.kind() != "argument" {
                    continue;
                }
                let value = named_children(a)
                    .into_iter()
                    .rev()
                    .find(|c| Some(*c) != field(a, "name"));
                let v = value.map_or(Val::Unknown, |v| self.eval(v, depth + 1));
                match field(a, "name") {
                    Some(k) => call.kwargs.push((self.t(k).to_string(), v)),
                    None => call.args.push(v),
                }
            }
        }
        // `call_user_func("system", …)`, `array_map("unlink", glob(…))`.
        if let Some(name) = call.name.clone() {
            match name.as_str() {
                "call_user_func" | "call_user_func_array" | "forward_static_call" => {
                    let target = call.args.first().cloned();
                    match target {
                        Some(Val::Str(f)) => {
                            let rest = call.args.split_off(1);
                            call.name = Some(f);
                            call.args = match (name.as_str(), rest.first()) {
                                ("call_user_func_array", Some(Val::List(l))) => l.clone(),
                                _ => rest,
                            };
                        }
                        _ => {
                            call.name = Some("eval".into());
                            call.args = vec![Val::Unknown];
                        }
                    }
                }
                "array_map" | "array_walk" => {
                    let (f, list) = if name == "array_map" { (0, 1) } else { (1, 0) };
                    if let Some(Val::Str(func)) = call.args.get(f).cloned() {
                        let items = call.args.get(list).cloned().unwrap_or(Val::Unknown);
                        call.name = Some(func);
                        call.args = vec![match items {
                            Val::List(l) => Val::Each(l),
                            other => other,
                        }];
                    }
                }
                _ => {}
            }
        }
        call
    }

    fn interpolated(&mut self, n: Node, d: usize) -> Val {
        let mut s = String::new();
        for c in named_children(n) {
            match c.kind() {
                "string_content" | "string_value" => s.push_str(self.t(c)),
                "escape_sequence" => s.push_str(&tree::unescape(self.t(c))),
                _ => match self.eval(c, d + 1).text() {
                    Some(t) => s.push_str(&t),
                    None => return Val::Unknown,
                },
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
            "variable_name" => {
                let name = self.t(n);
                match self.vars.get(name) {
                    Some(v) => v.clone(),
                    None if self.vars.assigned(name) => Val::Unknown,
                    None if matches!(name, "$_SERVER" | "$_ENV") => Val::Name(name.to_string()),
                    None => Val::Unknown,
                }
            }
            "name" | "qualified_name" => Val::Name(self.t(n).trim_start_matches('\\').to_string()),
            "string" => {
                // Single quotes: only `\\` and `\'` are escapes.
                let t = self.t(n);
                let inner = t.get(1..t.len().saturating_sub(1)).unwrap_or("");
                Val::Str(inner.replace("\\'", "'").replace("\\\\", "\\"))
            }
            "encapsed_string" | "heredoc" | "nowdoc" => self.interpolated(n, d),
            "integer" => self.t(n).parse().map_or(Val::Unknown, Val::Num),
            "boolean" => Val::Bool(self.t(n).eq_ignore_ascii_case("true")),
            "null" => Val::Nil,
            "parenthesized_expression" => match named_children(n).first() {
                Some(c) => self.eval(*c, d),
                None => Val::Unknown,
            },
            "binary_expression" => {
                let (Some(l), Some(r), Some(op)) =
                    (field(n, "left"), field(n, "right"), field(n, "operator"))
                else {
                    return Val::Unknown;
                };
                let (a, b) = (self.eval(l, d), self.eval(r, d));
                match self.t(op) {
                    "." => Val::concat(a, b),
                    _ => Val::Unknown,
                }
            }
            "array_creation_expression" => {
                let mut list = Vec::new();
                let mut dict = Vec::new();
                for e in named_children(n) {
                    match named_children(e).as_slice() {
                        [v] => list.push(self.eval(*v, d)),
                        [k, v] => match self.eval(*k, d) {
                            Val::Str(k) => {
                                let v = self.eval(*v, d);
                                dict.push((k, v));
                            }
                            _ => return Val::Unknown,
                        },
                        _ => return Val::Unknown,
                    }
                }
                if dict.is_empty() {
                    Val::List(list)
                } else {
                    Val::Dict(dict)
                }
            }
            "subscript_expression" => {
                let parts = named_children(n);
                let obj = parts.first().map_or(Val::Unknown, |o| self.eval(*o, d));
                let key = parts.get(1).map_or(Val::Unknown, |k| self.eval(*k, d));
                match (&obj, &key) {
                    (Val::Name(q), _) if q == "$_SERVER" || q == "$_ENV" => eval::env_var(&key),
                    (Val::Dict(_), Val::Str(k)) => obj.get(k).cloned().unwrap_or(Val::Unknown),
                    _ => Val::Unknown,
                }
            }
            "function_call_expression"
            | "member_call_expression"
            | "scoped_call_expression"
            | "object_creation_expression" => {
                let call = self.call(n, d);
                returns(&call)
            }
            _ => Val::Unknown,
        }
    }
}

fn returns(call: &Call) -> Val {
    let a0 = || call.arg(0).cloned().unwrap_or(Val::Unknown);
    let lower = call.name.as_deref().map(str::to_ascii_lowercase);
    match lower.as_deref() {
        Some("getenv") => eval::env_var(&a0()),
        Some("implode" | "join") => match (call.arg(0), call.arg(1)) {
            (Some(Val::Str(sep)), Some(list)) => eval::join_with(sep, list),
            (Some(list), None) => eval::join_with("", list),
            _ => Val::Unknown,
        },
        Some("base64_decode") => match a0() {
            Val::Str(s) => eval::base64_decode(&s),
            _ => Val::Unknown,
        },
        Some("json_encode") => Val::Str(a0().to_json().to_string()),
        Some("sprintf") => match a0() {
            Val::Str(t) => eval::format_percent(
                &t,
                &Val::List(call.args.get(1..).unwrap_or_default().to_vec()),
            ),
            _ => Val::Unknown,
        },
        Some("getcwd") => Val::Str(".".into()),
        Some("glob") => match a0() {
            Val::Str(p) => Val::Glob(p),
            _ => Val::Unknown,
        },
        Some("strval" | "trim" | "realpath") => match a0() {
            v @ Val::Str(_) => v,
            _ => Val::Unknown,
        },
        _ => match (&call.receiver, call.method.as_deref(), &call.name) {
            (Val::Name(q), Some(m), _) => Val::Name(format!("{q}.{m}()")),
            (_, None, Some(q)) => Val::Name(format!("{q}()")),
            _ => Val::Unknown,
        },
    }
}
