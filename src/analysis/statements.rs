//! Assignments, declarations, `for` loops and `&&`/`||` chains (flattened: walked in
//! a loop, never one Rust frame per operator).

use super::*;
use crate::syntax::word::Part;
use crate::syntax::BashKind;

impl Analyzer<'_> {
    pub(super) fn assign(
        &mut self,
        n: Node,
        fr: &Frame,
        scope: &mut Scope,
        nd: usize,
        named: &mut Vec<usize>,
    ) {
        let Some(name) = n.child_by_field_name("name") else {
            return;
        };
        let subscripted = name.bash_kind() == "subscript";
        let name = self.assigned_name(name, fr, scope, nd, named);
        if name.starts_with("INTERLOCK_") {
            self.event(
                "interlock.env",
                fr.span(n),
                Some(format!("{name} changes how Interlock itself decides")),
            );
        }
        let value = match n.child_by_field_name("value") {
            Some(v) if v.bash_kind() == "array" => {
                let mut items = Vec::new();
                for c in named_children(v) {
                    items.extend(self.expand(c, fr, scope, nd + 1, named));
                }
                if items.iter().all(|w| w.is_literal()) {
                    Value::Array(items.iter().map(|w| w.lit().unwrap_or_default()).collect())
                } else {
                    Value::Unknown { maybe_empty: true }
                }
            }
            Some(v) => {
                let w = self.expand_joined(v, fr, scope, nd + 1, named);
                match w.lit() {
                    Some(t) => Value::Known(t),
                    None => Value::Unknown {
                        maybe_empty: w.starts_with_maybe_empty() || w.parts.len() > 1,
                    },
                }
            }
            None => Value::Known(String::new()),
        };
        // `name+=value` appends.
        let appends = {
            let mut c = n.walk();
            let r = n
                .children(&mut c)
                .any(|c| !c.is_named() && fr.text(c) == "+=");
            r
        };
        let value = match (appends, scope.vars.get(&name), value) {
            (true, Some(Value::Known(old)), Value::Known(new)) => {
                Value::Known(format!("{old}{new}"))
            }
            (true, Some(Value::Array(old)), Value::Array(new)) => {
                Value::Array(old.iter().chain(new.iter()).cloned().collect())
            }
            (_, _, v) => v,
        };
        if subscripted {
            // One element of an array: the array is no longer what it was.
            scope.set_var(name, Value::Unknown { maybe_empty: true });
            return;
        }
        if name == "PATH" {
            scope.path_prepends = Rc::new(match &value {
                Value::Known(v) => super::programs::prepended(v, self.ctx.env.get("PATH")),
                // fish's `set -x PATH . $PATH`, read as an array.
                Value::Array(items) => {
                    super::programs::prepended(&items.join(":"), self.ctx.env.get("PATH"))
                }
                _ => Vec::new(),
            });
        }
        scope.set_var(name, value);
    }

    /// The variable an assignment names. `arr[$(cmd)]=1`: the subscript is expanded
    /// (and its substitutions run) before the assignment.
    pub(super) fn assigned_name(
        &mut self,
        name: Node,
        fr: &Frame,
        scope: &mut Scope,
        nd: usize,
        named: &mut Vec<usize>,
    ) -> String {
        if name.bash_kind() != "subscript" {
            return fr.text(name).to_string();
        }
        if let Some(index) = name.child_by_field_name("index") {
            self.expand(index, fr, scope, nd + 1, named);
        }
        name.child_by_field_name("name")
            .map(|b| fr.text(b).to_string())
            .unwrap_or_default()
    }

    pub(super) fn declare(
        &mut self,
        n: Node,
        fr: &Frame,
        scope: &mut Scope,
        nd: usize,
        named: &mut Vec<usize>,
    ) {
        for c in named_children(n) {
            match c.bash_kind() {
                "variable_assignment" => self.assign(c, fr, scope, nd + 1, named),
                "variable_name" => {}
                _ => {
                    self.expand(c, fr, scope, nd + 1, named);
                }
            }
        }
    }

    pub(super) fn walk_for(
        &mut self,
        n: Node,
        fr: &Frame,
        scope: &mut Scope,
        nd: usize,
        named: &mut Vec<usize>,
    ) {
        let var = n
            .child_by_field_name("variable")
            .map(|v| fr.text(v).to_string());
        let mut values: Vec<Word> = Vec::new();
        let mut has_list = false;
        for v in n.children_by_field_name("value", &mut n.walk()) {
            has_list = true;
            values.extend(self.expand(v, fr, scope, nd + 1, named));
        }
        let Some(body) = n.child_by_field_name("body") else {
            return;
        };
        let Some(var) = var else {
            self.walk(body, fr, scope, nd + 1, named);
            return;
        };
        let all_literal = has_list && values.iter().all(|w| w.is_literal() && !w.glob);
        if all_literal && !values.is_empty() && values.len() <= 16 {
            for w in values {
                scope.set_var(var.clone(), Value::Known(w.lit().unwrap_or_default()));
                self.walk(body, fr, scope, nd + 1, named);
            }
        } else {
            // A glob list keeps its pattern as the value so that paths stay judged.
            let value = match values.as_slice() {
                [w] if w.is_literal() && w.glob => Value::Pattern(w.lit().unwrap_or_default()),
                [w] => match w.parts.as_slice() {
                    [Part::Unknown { name, .. }]
                        if name.starts_with(crate::model::invocation::REDIS_KEYS) =>
                    {
                        Value::Item(name.clone())
                    }
                    _ => Value::Unknown { maybe_empty: false },
                },
                _ => Value::Unknown { maybe_empty: false },
            };
            scope.set_var(var, value);
            let was = scope.repeats;
            scope.repeats = true;
            self.walk(body, fr, scope, nd + 1, named);
            scope.repeats = was;
        }
    }

    /// `a && b || c …`: a chain of any length, flattened without recursion (the
    /// grammar nests `a && b && c` to the left, one level per operator). `b` runs only
    /// if `a` succeeded, so a `mkdir` in `a` has made its directory by the time `b`
    /// runs; after `||` nothing before it is known to have succeeded.
    pub(super) fn walk_list(
        &mut self,
        n: Node,
        fr: &Frame,
        scope: &mut Scope,
        nd: usize,
        named: &mut Vec<usize>,
    ) {
        let (ops, operands) = flatten_list(n);
        let saved = scope.made_dirs.clone();
        // Directories made by the operands whose success the next operand implies.
        let mut run: Vec<PathBuf> = Vec::new();
        // A `shift` or `set --` ran somewhere earlier in the chain: after the next `||`
        // it may or may not have run.
        let mut shifted = false;
        for (i, c) in operands.into_iter().enumerate() {
            let op = if i == 0 {
                None
            } else {
                ops.get(i - 1).copied()
            };
            let gates = op != Some("||");
            if !gates {
                run.clear();
                if shifted {
                    scope.positional = None;
                }
            }
            let generation = scope.positional_generation;
            if run.is_empty() {
                scope.made_dirs = saved.clone();
            } else {
                let mut made = (*saved).clone();
                made.extend(run.iter().cloned());
                scope.made_dirs = Rc::new(made);
            }
            let before = scope.mkdirs.len();
            let single = (c.len() == 1).then(|| c[0]);
            match single {
                Some(node) => self.walk(node, fr, scope, nd + 1, named),
                None => {
                    let stages = c.into_iter().map(Stage::plain).collect();
                    let stdin = scope.stdin.clone();
                    self.walk_pipeline(stages, fr, scope, nd + 1, named, stdin);
                }
            }
            if scope.positional_generation != generation {
                shifted = true;
                if !gates {
                    scope.positional = None;
                }
            }
            if gates {
                if let Some(at) = single.and_then(|node| gated_mkdir(node, fr)) {
                    let new = scope.mkdirs.get(before..).unwrap_or_default();
                    for (_, dirs) in new.iter().filter(|(p, _)| *p == at) {
                        run.extend(dirs.iter().cloned());
                    }
                }
            }
        }
        scope.made_dirs = saved;
    }
}

/// Where the `mkdir` command starts whose success `n` succeeding implies, if `n` is one
/// (lists are flattened by `walk_list`, so `n` is one operand of a chain).
pub(super) fn gated_mkdir(n: Node, fr: &Frame) -> Option<usize> {
    let mut n = n;
    while n.bash_kind() == "redirected_statement" {
        n = n.child_by_field_name("body")?;
    }
    (n.bash_kind() == "command"
        && n.child_by_field_name("name")
            .is_some_and(|c| fr.text(c) == "mkdir"))
    .then(|| fr.span(n).start)
}

/// The operators and operands of a chain `a | b && c || d …`, in order, without
/// recursion: each operand is a pipeline's stages (one stage for a plain command).
/// `|` binds tighter than `&&`/`||` in bash; tree-sitter may nest the two either way
/// (`a | b && c | d` as a pipeline ending in a list), so both are read as one token
/// stream and regrouped, and a long chain never nests the walk.
pub(super) fn flatten_list(n: Node) -> (Vec<&'static str>, Vec<Vec<Node>>) {
    let mut ops = Vec::new();
    let mut operands: Vec<Vec<Node>> = Vec::new();
    let mut current: Vec<Node> = Vec::new();
    let mut stack = vec![n];
    while let Some(x) = stack.pop() {
        if matches!(x.bash_kind(), "list" | "pipeline") {
            let mut kids: Vec<Node> = Vec::new();
            let mut c = x.walk();
            if c.goto_first_child() {
                loop {
                    kids.push(c.node());
                    if !c.goto_next_sibling() {
                        break;
                    }
                }
            }
            stack.extend(kids.into_iter().rev());
        } else if !x.is_named() {
            match x.bash_kind() {
                "&&" | "||" => {
                    operands.push(std::mem::take(&mut current));
                    ops.push(if x.bash_kind() == "&&" { "&&" } else { "||" });
                }
                _ => {}
            }
        } else if x.bash_kind() != "comment" {
            current.push(x);
        }
    }
    operands.push(current);
    // Keep one operator between each pair of operands, whatever the grammar did.
    let mut kept_ops = Vec::new();
    let mut kept = Vec::new();
    for (i, o) in operands.into_iter().enumerate() {
        if o.is_empty() {
            continue;
        }
        if !kept.is_empty() {
            kept_ops.push(ops.get(i.saturating_sub(1)).copied().unwrap_or("||"));
        }
        kept.push(o);
    }
    (kept_ops, kept)
}
