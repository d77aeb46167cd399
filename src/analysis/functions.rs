//! Functions: defined where the line defines them, judged where they are called,
//! once per distinct state the body can see (`call_key`), their bodies parsed once.

use super::*;

impl Analyzer<'_> {
    pub(super) fn define_function(&mut self, n: Node, fr: &Frame, scope: &mut Scope) {
        let (Some(name), Some(body)) =
            (n.child_by_field_name("name"), n.child_by_field_name("body"))
        else {
            return;
        };
        let offset = match fr.origin {
            Origin::Offset(o) => Some(o + body.start_byte()),
            Origin::Fixed(_) => None,
        };
        // A body that parsed cleanly is walked in place at each call; one with errors
        // is parsed again on its own, so the scan of unparsed text sees only the body.
        let within = (!body.has_error()).then(|| scope::DefinedIn {
            tree: fr.tree.clone(),
            src: fr.shared.get_or_init(|| Rc::from(fr.src)).clone(),
            offset: match fr.origin {
                Origin::Offset(o) => Some(o),
                Origin::Fixed(_) => None,
            },
            range: fr.range(body),
        });
        scope.set_function(
            fr.text(name).to_string(),
            Rc::new(scope::FuncDef {
                body: fr.text(body).to_string(),
                offset,
                span: fr.span(body),
                tree: Default::default(),
                within,
            }),
        );
    }

    /// Analyse a function's body where it is called, with `$1…` bound.
    pub(super) fn call_function(
        &mut self,
        name: &str,
        def: Rc<scope::FuncDef>,
        args: &[Word],
        fr: &Frame,
        scope: &mut Scope,
    ) {
        if scope.call_stack.iter().any(|n| n == name) {
            return;
        }
        let origin = match def.offset {
            Some(o) if matches!(fr.origin, Origin::Offset(_)) => Origin::Offset(o),
            _ => Origin::Fixed(def.span.clone()),
        };
        let saved = scope.positional.take();
        scope.positional = Some(args.iter().map(word_value).collect());
        // A body is judged once per distinct state it can see: the same call again
        // (`f1(){ f0; f0; }` …) would find the same things, at the same spans, and
        // leave the scope as the first call left it.
        let key = call_key(
            name,
            &def,
            &origin,
            scope,
            fr.remote,
            self.written_generation,
        );
        if self.calls_judged.insert(key) {
            Rc::make_mut(&mut scope.call_stack).push(name.to_string());
            let depth = fr.depth + 1;
            if depth > MAX_CODE_DEPTH {
                self.too_complex(
                    origin.map(0..def.body.len()),
                    "code nested too deeply to analyse",
                );
            } else if let Some(within) = &def.within {
                self.walk_body(within, &def, origin, scope, depth, fr.remote);
            } else if let Some(tree) = self.function_tree(&def, &origin) {
                self.analyse_code(&def.body, Some(tree), origin, scope, depth, fr.remote);
            }
            Rc::make_mut(&mut scope.call_stack).pop();
        }
        scope.positional = saved;
    }

    /// Walk a body in the tree that defined it.
    fn walk_body(
        &mut self,
        within: &scope::DefinedIn,
        def: &scope::FuncDef,
        origin: Origin,
        scope: &mut Scope,
        depth: usize,
        remote: bool,
    ) {
        let root = within.tree.root_node();
        let Some(body) = root
            .descendant_for_byte_range(within.range.start, within.range.end)
            .filter(|n| n.byte_range() == within.range)
        else {
            // Cannot happen for a range taken from this tree; judged as unreadable.
            self.too_complex(def.span.clone(), "a function body could not be found again");
            return;
        };
        // Spans of the body map through the defining code's origin (or, called from
        // derived text, onto the body's span as a whole).
        let origin = match (origin, within.offset) {
            (Origin::Offset(_), Some(o)) => Origin::Offset(o),
            _ => Origin::Fixed(def.span.clone()),
        };
        let frame = Frame {
            src: &within.src,
            origin,
            depth,
            remote,
            tree: &within.tree,
            shared: within.src.clone().into(),
        };
        self.walk(body, &frame, scope, 0, &mut Vec::new());
    }

    /// A function body's syntax tree: parsed (and charged to the parse budget) once.
    pub(super) fn function_tree(
        &mut self,
        def: &scope::FuncDef,
        origin: &Origin,
    ) -> Option<tree_sitter::Tree> {
        if let Some(t) = def.tree.get() {
            return t.clone();
        }
        let whole = origin.map(0..def.body.len());
        if def.body.len() > self.parse_budget {
            self.too_complex(whole, "too much code to analyse");
            return None;
        }
        self.parse_budget -= def.body.len();
        let tree = match syntax::parse_until(&def.body, Some(self.deadline()), false) {
            Ok(t) => Some(t),
            Err(e) => {
                self.parse_failed(whole, e);
                None
            }
        };
        let _ = def.tree.set(tree.clone());
        tree
    }
}

/// The memo key of a function call: the function (its definition, not just its name),
/// the arguments, and every part of the scope its body can observe.
pub(super) fn call_key(
    name: &str,
    def: &Rc<scope::FuncDef>,
    origin: &Origin,
    scope: &Scope,
    remote: bool,
    written_generation: u64,
) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    name.hash(&mut h);
    (Rc::as_ptr(def) as usize).hash(&mut h);
    debug_hash(&mut h, origin);
    debug_hash(&mut h, &scope.positional);
    scope.cwd.hash(&mut h);
    debug_hash(&mut h, &scope.stdin);
    scope.repeats.hash(&mut h);
    remote.hash(&mut h);
    written_generation.hash(&mut h);
    scope.call_stack.hash(&mut h);
    // Kept up to date as the tables change: hashing them here would cost each call
    // the size of the scope (a script defining hundreds of functions).
    scope.vars_print.hash(&mut h);
    scope.functions_print.hash(&mut h);
    unordered_hash(&mut h, scope.aliases.iter());
    unordered_hash(&mut h, scope.moved_onto.iter());
    unordered_hash(&mut h, scope.made_dirs.iter());
    h.finish()
}

pub(super) fn debug_hash(h: &mut impl Hasher, v: &impl std::fmt::Debug) {
    struct W<'a, H: Hasher>(&'a mut H);
    impl<H: Hasher> std::fmt::Write for W<'_, H> {
        fn write_str(&mut self, s: &str) -> std::fmt::Result {
            self.0.write(s.as_bytes());
            Ok(())
        }
    }
    let _ = std::fmt::write(&mut W(h), format_args!("{v:?}"));
}

/// A hash of a set's entries that does not depend on their order.
pub(super) fn unordered_hash<T: Hash>(h: &mut impl Hasher, items: impl Iterator<Item = T>) {
    let mut sum = 0u64;
    let mut n = 0u64;
    for it in items {
        let mut e = std::collections::hash_map::DefaultHasher::new();
        it.hash(&mut e);
        sum = sum.wrapping_add(e.finish());
        n += 1;
    }
    h.write_u64(sum);
    h.write_u64(n);
}
