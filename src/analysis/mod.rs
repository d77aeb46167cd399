//! The walker: from a bash syntax tree to the invocations that would run.
//!
//! It follows everything that executes (lists, pipelines, compound statements,
//! substitutions, function calls, nested shells) and keeps the little state a line can
//! build up (variables, `cd`, functions, files written on the same line). Runners such as
//! `sudo` or `xargs` are unwrapped in `runners.rs`. Each final invocation is handed to
//! the policy; structural problems (a computed program name, code from a pipe, text that
//! did not parse) raise events that rules turn into findings.

pub mod interp;
pub use crate::model::invocation;
mod runners;
pub mod scope;
mod unparsed;
mod words;

use crate::model::judge::Judge;
use crate::model::{Context, Finding};
use crate::syntax;
use crate::syntax::word::Word;
use invocation::{Invocation, Redirect, Stdin};
use scope::{Scope, Value};
use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::ops::Range;
use std::path::PathBuf;
use std::rc::Rc;
use std::time::{Duration, Instant};
use tree_sitter::Node;

/// Nested code (shell strings, eval, functions, interpreters) deeper than this is not
/// analysed; the command gets a confirm.
const MAX_CODE_DEPTH: usize = 48;
/// Syntax tree nesting deeper than this is not walked (bounded stack).
const MAX_NODE_DEPTH: usize = 200;
/// Total bytes parsed for one line, nested code included.
const PARSE_BUDGET: usize = 24 * 1024 * 1024;
/// Node visits for one line.
const STEP_BUDGET: usize = 4_000_000;
/// Wall-clock time for parsing and walking one line (release build; debug builds are
/// twenty to fifty times slower, the more so on a loaded machine, and get fifty times
/// as long). Past it the answer is a confirm naming it.
const TIME_BUDGET: Duration = Duration::from_millis(700);

fn time_budget() -> Duration {
    if cfg!(debug_assertions) {
        TIME_BUDGET * 50
    } else {
        TIME_BUDGET
    }
}

/// Where the text being analysed sits in the original line.
#[derive(Debug, Clone)]
pub(crate) enum Origin {
    /// A verbatim slice starting at this offset: spans map one to one.
    Offset(usize),
    /// Derived text (a decoded string, a file): every span maps to this range.
    Fixed(Range<usize>),
}

impl Origin {
    fn map(&self, r: Range<usize>) -> Range<usize> {
        match self {
            Origin::Offset(o) => (o + r.start)..(o + r.end),
            Origin::Fixed(f) => f.clone(),
        }
    }
}

/// One piece of source being walked.
pub(crate) struct Frame<'s> {
    pub src: &'s str,
    pub origin: Origin,
    pub depth: usize,
    /// Runs on another machine or in a container.
    pub remote: bool,
}

impl Frame<'_> {
    /// A node's byte range, within the source (the parser reads a newline after the
    /// source, which only the root can include).
    fn range(&self, n: Node) -> Range<usize> {
        let end = n.end_byte().min(self.src.len());
        n.start_byte().min(end)..end
    }

    fn text(&self, n: Node) -> &str {
        self.src.get(self.range(n)).unwrap_or("")
    }

    fn span(&self, n: Node) -> Range<usize> {
        self.origin.map(self.range(n))
    }

    fn origin_map(&self, r: Range<usize>) -> Range<usize> {
        self.origin.map(r)
    }
}

pub struct Analyzer<'a> {
    /// Where invocations and events go: the policy, given by the engine.
    pub(crate) judge: &'a dyn Judge,
    pub(crate) ctx: &'a Context,
    line: &'a str,
    findings: Vec<Finding>,
    programs: Vec<String>,
    parse_budget: usize,
    steps: usize,
    gave_up: bool,
    /// Files written with known content so far on the line (`echo … > x.sh`). Not part
    /// of a scope: a file a subshell or a substitution writes stays written.
    written: Rc<HashMap<PathBuf, String>>,
    /// Bumped whenever `written` changes (part of a function call's memo key).
    written_generation: u64,
    /// Function calls already judged, by the state they were judged in.
    calls_judged: HashSet<u64>,
    started: Instant,
}

impl<'a> Analyzer<'a> {
    pub fn new(judge: &'a dyn Judge, ctx: &'a Context, line: &'a str) -> Analyzer<'a> {
        Analyzer {
            judge,
            ctx,
            line,
            findings: Vec::new(),
            programs: Vec::new(),
            parse_budget: PARSE_BUDGET,
            steps: STEP_BUDGET,
            gave_up: false,
            written: Rc::default(),
            written_generation: 0,
            calls_judged: HashSet::new(),
            started: Instant::now(),
        }
    }

    /// Walk the line; `args` are its positional parameters when they are known.
    pub fn run(&mut self, args: Option<&[String]>) {
        let mut scope = Scope {
            cwd: self.ctx.cwd.clone(),
            positional: args.map(|a| a.iter().map(|v| Value::Known(v.clone())).collect()),
            ..Scope::default()
        };
        let line = self.line;
        self.analyse_source(line, Origin::Offset(0), &mut scope, 0, false);
    }

    pub(crate) fn line_text(&self) -> &str {
        self.line
    }

    pub fn finish(self) -> (Vec<Finding>, Vec<String>) {
        (self.findings, self.programs)
    }

    pub(crate) fn event(&mut self, event: &str, span: Range<usize>, detail: Option<String>) {
        let found = self
            .judge
            .event_findings(event, span.clone(), detail.clone());
        if found.is_empty() {
            let f = self.judge.event_finding(event, span, detail);
            if f.decision != crate::model::Decision::Allow {
                self.findings.push(f);
            }
        } else {
            self.findings.extend(found);
        }
    }

    fn too_complex(&mut self, span: Range<usize>, why: &str) {
        if !self.gave_up {
            self.gave_up = true;
            self.event("shell.too-complex", span, Some(why.to_string()));
        }
    }

    /// Parse and walk one piece of shell source.
    #[inline(always)]
    pub(crate) fn analyse_source(
        &mut self,
        src: &str,
        origin: Origin,
        scope: &mut Scope,
        depth: usize,
        remote: bool,
    ) {
        self.analyse_code(src, None, origin, scope, depth, remote);
    }

    /// Parse (unless `parsed` is given) and walk one piece of shell source. One frame
    /// per level of nested code: the walker's stack depth is bounded by it.
    fn analyse_code(
        &mut self,
        src: &str,
        parsed: Option<tree_sitter::Tree>,
        origin: Origin,
        scope: &mut Scope,
        depth: usize,
        remote: bool,
    ) {
        let whole = origin.map(0..src.len());
        if depth > MAX_CODE_DEPTH {
            self.too_complex(whole, "code nested too deeply to analyse");
            return;
        }
        let tree = match parsed {
            Some(t) => t,
            None => {
                if src.len() > self.parse_budget {
                    self.too_complex(whole, "too much code to analyse");
                    return;
                }
                self.parse_budget -= src.len();
                // The line itself is read as ending with a newline (a long pipeline is
                // quadratic for the parser otherwise); nested code as it is.
                match syntax::parse_until(src, Some(self.deadline()), depth == 0) {
                    Ok(t) => t,
                    Err(e) => {
                        self.parse_failed(whole, e);
                        return;
                    }
                }
            }
        };
        let root = tree.root_node();
        let frame = Frame {
            src,
            origin,
            depth,
            remote,
        };
        let mut named = Vec::new();
        self.walk(root, &frame, scope, 0, &mut named);
        if root.has_error() {
            unparsed::scan(self, &frame, root, &named);
        }
    }

    fn deadline(&self) -> Instant {
        self.started + time_budget()
    }

    fn parse_failed(&mut self, span: Range<usize>, e: syntax::ParseError) {
        match e {
            syntax::ParseError::OutOfTime => self.too_complex(
                span,
                &format!(
                    "parsing took longer than the budget of {} ms",
                    time_budget().as_millis()
                ),
            ),
            syntax::ParseError::Failed => self.too_complex(span, "the shell parser failed"),
        }
    }

    fn step(&mut self, fr: &Frame, n: Node, nd: usize) -> bool {
        if self.gave_up {
            return false;
        }
        if nd > MAX_NODE_DEPTH {
            self.too_complex(fr.span(n), "syntax nested too deeply to analyse");
            return false;
        }
        if self.steps == 0 {
            self.too_complex(
                fr.span(n),
                &format!("more than the budget of {STEP_BUDGET} syntax nodes to analyse"),
            );
            return false;
        }
        self.steps -= 1;
        if self.steps.is_multiple_of(1024) && self.started.elapsed() > time_budget() {
            self.too_complex(
                fr.span(n),
                &format!(
                    "analysis took longer than the budget of {} ms",
                    time_budget().as_millis()
                ),
            );
            return false;
        }
        true
    }

    /// Walk a statement-level node. `named` collects the byte offsets (local to the
    /// frame) of command names that were analysed, for the unparsed-text scan.
    fn walk(&mut self, n: Node, fr: &Frame, scope: &mut Scope, nd: usize, named: &mut Vec<usize>) {
        // `shift` or `set --` inside a list, a branch or a loop may or may not have run
        // when the statement ends: from there on the positional parameters are unknown.
        let conditional = scope.positional.is_some()
            && matches!(
                n.kind(),
                "list"
                    | "pipeline"
                    | "if_statement"
                    | "case_statement"
                    | "while_statement"
                    | "until_statement"
                    | "for_statement"
                    | "c_style_for_statement"
            );
        // Inside `a && shift && b`, `b` runs only if `shift` did: a chain is flattened
        // and judged as a whole (see `walk_list`), so no list is walked inside another.
        if !conditional {
            return self.walk_node(n, fr, scope, nd, named);
        }
        if n.kind().ends_with("_statement")
            && n.kind() != "if_statement"
            && n.kind() != "case_statement"
            && changes_positional(fr.text(n))
        {
            // A loop body runs any number of times.
            scope.positional = None;
            return self.walk_node(n, fr, scope, nd, named);
        }
        let generation = scope.positional_generation;
        self.walk_node(n, fr, scope, nd, named);
        if scope.positional_generation != generation {
            scope.positional = None;
        }
    }

    fn walk_node(
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
        match n.kind() {
            "comment" | "heredoc_body" | "heredoc_start" | "heredoc_end" => {}
            // `ls !(x)`: an extglob pattern that the grammar splits into a command and
            // a subshell. Bash never runs it (a pattern, or a syntax error).
            "subshell" if is_extglob_tail(n, fr) => {}
            "subshell" => {
                let mut inner = scope.clone();
                self.walk_children(n, fr, &mut inner, nd, named);
            }
            "pipeline" => {
                let stages: Vec<Stage> = named_children(n).map(Stage::plain).collect();
                let stdin = scope.stdin.clone();
                self.walk_pipeline(stages, fr, scope, nd, named, stdin);
            }
            "redirected_statement" => {
                let stdin = scope.stdin.clone();
                self.walk_redirected(n, fr, scope, nd, named, stdin);
            }
            "command" => {
                let stdin = scope.stdin.clone();
                self.walk_command(n, &[], fr, scope, nd, named, stdin);
            }
            "variable_assignment" => self.assign(n, fr, scope, nd, named),
            "declaration_command" => self.declare(n, fr, scope, nd, named),
            "unset_command" => {
                for c in named_children(n) {
                    let name = fr.text(c).to_string();
                    Rc::make_mut(&mut scope.vars).remove(&name);
                    Rc::make_mut(&mut scope.functions).remove(&name);
                }
            }
            "function_definition" => self.define_function(n, fr, scope),
            "for_statement" => self.walk_for(n, fr, scope, nd, named),
            "while_statement" | "until_statement" | "c_style_for_statement" => {
                let was = scope.repeats;
                scope.repeats = true;
                self.walk_children(n, fr, scope, nd, named);
                scope.repeats = was;
            }
            "list" => self.walk_list(n, fr, scope, nd, named),
            "case_statement" => {
                for c in named_children(n) {
                    if c.kind() == "case_item" {
                        for s in named_children(c) {
                            if is_word_like(s.kind()) {
                                self.expand(s, fr, scope, nd + 1, named);
                            } else {
                                self.walk(s, fr, scope, nd + 1, named);
                            }
                        }
                    } else {
                        self.expand(c, fr, scope, nd + 1, named);
                    }
                }
            }
            k if is_word_like(k) => {
                self.expand(n, fr, scope, nd + 1, named);
            }
            _ => self.walk_children(n, fr, scope, nd, named),
        }
    }

    fn walk_children(
        &mut self,
        n: Node,
        fr: &Frame,
        scope: &mut Scope,
        nd: usize,
        named: &mut Vec<usize>,
    ) {
        for c in named_children(n) {
            self.walk(c, fr, scope, nd + 1, named);
        }
    }

    fn walk_redirected(
        &mut self,
        n: Node,
        fr: &Frame,
        scope: &mut Scope,
        nd: usize,
        named: &mut Vec<usize>,
        stdin: Stdin,
    ) -> Stdin {
        let body = n.child_by_field_name("body");
        let redirects: Vec<Node> = n
            .children_by_field_name("redirect", &mut n.walk())
            .chain(named_children(n).filter(|c| c.kind() == "herestring_redirect"))
            .collect();
        // tree-sitter-bash puts `cat <<EOF | sh` as a pipeline inside the heredoc
        // redirect: rebuild the pipeline the shell sees.
        let mut tail: Vec<Node> = Vec::new();
        for r in &redirects {
            for c in named_children(*r) {
                if c.kind() == "pipeline" {
                    tail.extend(named_children(c));
                } else if matches!(c.kind(), "command" | "redirected_statement") {
                    tail.push(c);
                }
            }
        }
        let Some(body) = body else {
            // Only redirections (`> file`): they still truncate or create files.
            let (_, redirects, _) = self.redirections(&redirects, fr, scope, nd, named);
            let span = fr.span(n);
            self.invoke(
                Vec::new(),
                Vec::new(),
                redirects,
                stdin,
                span,
                fr,
                scope,
                nd + 1,
            );
            return Stdin::Computed(String::new());
        };
        if !tail.is_empty() {
            let mut stages = vec![Stage {
                node: body,
                redirects: redirects.clone(),
            }];
            stages.extend(tail.into_iter().map(Stage::plain));
            return self.walk_pipeline(stages, fr, scope, nd, named, stdin);
        }
        self.walk_stage(
            Stage {
                node: body,
                redirects,
            },
            fr,
            scope,
            nd,
            named,
            stdin,
        )
    }

    /// Walk one pipeline stage (or a lone statement) with extra redirections.
    fn walk_stage(
        &mut self,
        st: Stage,
        fr: &Frame,
        scope: &mut Scope,
        nd: usize,
        named: &mut Vec<usize>,
        stdin: Stdin,
    ) -> Stdin {
        match st.node.kind() {
            "command" => self.walk_command(st.node, &st.redirects, fr, scope, nd, named, stdin),
            "redirected_statement" if st.redirects.is_empty() => {
                self.walk_redirected(st.node, fr, scope, nd, named, stdin)
            }
            _ => {
                // A compound statement with redirections: its redirections still act
                // (`{ …; } > /etc/passwd`), and its body is walked as usual.
                let (_, redirects, _) = self.redirections(&st.redirects, fr, scope, nd, named);
                if !redirects.is_empty() {
                    let mut inv = Invocation::new(String::new(), Vec::new(), fr.span(st.node));
                    inv.redirects = redirects;
                    inv.cwd = scope.cwd.clone();
                    inv.remote = fr.remote;
                    self.judge
                        .match_invocation(&inv, self.ctx, &mut self.findings);
                }
                self.walk(st.node, fr, scope, nd + 1, named);
                Stdin::Computed(st.node.kind().to_string())
            }
        }
    }

    fn walk_pipeline(
        &mut self,
        stages: Vec<Stage>,
        fr: &Frame,
        scope: &mut Scope,
        nd: usize,
        named: &mut Vec<usize>,
        first_stdin: Stdin,
    ) -> Stdin {
        let mut stdin = first_stdin;
        let last = stages.len().saturating_sub(1);
        for (i, st) in stages.into_iter().enumerate() {
            // Every stage but the last runs in a subshell.
            if i == last {
                stdin = self.walk_stage(st, fr, scope, nd + 1, named, stdin);
            } else {
                let mut inner = scope.clone();
                stdin = self.walk_stage(st, fr, &mut inner, nd + 1, named, stdin);
            }
        }
        stdin
    }

    /// Expand the words of a simple command, apply its redirections and hand it to the
    /// runner unwrapping. Returns what the command writes to stdout, as far as known.
    #[allow(clippy::too_many_arguments)]
    fn walk_command(
        &mut self,
        n: Node,
        extra_redirects: &[Node],
        fr: &Frame,
        scope: &mut Scope,
        nd: usize,
        named: &mut Vec<usize>,
        stdin: Stdin,
    ) -> Stdin {
        let mut env = Vec::new();
        let mut words = Vec::new();
        let mut redirect_nodes: Vec<Node> = extra_redirects.to_vec();
        let mut cursor = n.walk();
        let mut prev: Option<Node> = None;
        for c in n.children(&mut cursor) {
            if !c.is_named() {
                continue;
            }
            let after_error = prev.is_some_and(|p| p.is_error() && p.end_byte() == c.start_byte());
            prev = Some(c);
            match c.kind() {
                // extglob `!(x)` parses as ERROR `!` + subshell: it is a pattern word.
                "subshell" if after_error => {
                    let mut w = Word::literal(fr.text(c), fr.span(c));
                    w.glob = true;
                    words.push(w);
                }
                "ERROR" if fr.text(c).len() == 1 => {}
                "variable_assignment" => {
                    let name = c
                        .child_by_field_name("name")
                        .map(|x| fr.text(x).to_string())
                        .unwrap_or_default();
                    let value = match c.child_by_field_name("value") {
                        Some(v) => self.expand_joined(v, fr, scope, nd, named),
                        None => Word::literal("", fr.span(c)),
                    };
                    env.push((name, value));
                }
                "command_name" => {
                    if let Some(inner) = c.named_child(0) {
                        named.push(inner.start_byte());
                        words.extend(self.expand(inner, fr, scope, nd + 1, named));
                    }
                }
                "file_redirect" | "heredoc_redirect" | "herestring_redirect" => {
                    redirect_nodes.push(c)
                }
                "subshell" => {
                    let mut inner = scope.clone();
                    self.walk(c, fr, &mut inner, nd + 1, named);
                }
                _ => {
                    let mut more = self.expand(c, fr, scope, nd + 1, named);
                    // The grammar sometimes splits one shell word in two (`A=`x`:0`):
                    // pieces with nothing between them are one word.
                    let joined = words
                        .last()
                        .is_some_and(|w: &Word| w.span.end == fr.span(c).start)
                        && !more.is_empty()
                        && matches!(fr.origin, Origin::Offset(_));
                    if joined {
                        let first = more.remove(0);
                        if let Some(last) = words.last_mut() {
                            for p in first.parts {
                                match p {
                                    crate::syntax::word::Part::Lit(t) => last.push_lit(&t),
                                    u => last.parts.push(u),
                                }
                            }
                            last.glob |= first.glob;
                            last.span.end = first.span.end;
                        }
                    }
                    words.extend(more);
                }
            }
        }
        let (heredoc_stdin, redirects, _) =
            self.redirections(&redirect_nodes, fr, scope, nd, named);
        let stdin = heredoc_stdin.unwrap_or(stdin);
        let span = fr.span(n);
        let out = match output_of(&words, &stdin) {
            // `cat FILE |`: the file is relative to where the command runs.
            Stdin::File(p) if p.is_relative() => match scope.cwd.as_deref() {
                Some(cwd) => Stdin::File(scope::normalize(&cwd.join(p))),
                None => Stdin::File(p),
            },
            other => other,
        };
        self.record_written_files(&words, &redirects, &stdin, scope);
        self.invoke(words, env, redirects, stdin, span, fr, scope, nd + 1);
        out
    }

    /// Process redirections: returns the stdin they set (heredoc, here-string, `<`),
    /// the other redirections, and whether any was seen.
    fn redirections(
        &mut self,
        nodes: &[Node],
        fr: &Frame,
        scope: &mut Scope,
        nd: usize,
        named: &mut Vec<usize>,
    ) -> (Option<Stdin>, Vec<Redirect>, bool) {
        let mut stdin = None;
        let mut out = Vec::new();
        for r in nodes {
            match r.kind() {
                "heredoc_redirect" => {
                    let quoted = named_children(*r)
                        .find(|c| c.kind() == "heredoc_start")
                        .map(|s| {
                            let t = fr.text(s);
                            t.contains('\'') || t.contains('"') || t.contains('\\')
                        })
                        .unwrap_or(false);
                    let mut text = String::new();
                    let mut dynamic = false;
                    for c in named_children(*r) {
                        match c.kind() {
                            "heredoc_body" => {
                                text = fr.text(c).to_string();
                                if !quoted {
                                    for part in named_children(c) {
                                        if part.kind() != "heredoc_content" {
                                            dynamic = true;
                                            self.expand(part, fr, scope, nd + 1, named);
                                        }
                                    }
                                }
                            }
                            "file_redirect" | "herestring_redirect" => {
                                let (_, mut more, _) =
                                    self.redirections(&[c], fr, scope, nd + 1, named);
                                out.append(&mut more);
                            }
                            _ => {}
                        }
                    }
                    stdin = Some(Stdin::Text { text, dynamic });
                }
                "herestring_redirect" => {
                    if let Some(w) = r.named_child(0) {
                        let word = self.expand_joined(w, fr, scope, nd + 1, named);
                        let dynamic = word.is_dynamic();
                        let mut text = word.text();
                        text.push('\n');
                        stdin = Some(Stdin::Text { text, dynamic });
                    }
                }
                "file_redirect" => {
                    let op = unnamed_operator(*r, fr);
                    let fd = r
                        .child_by_field_name("descriptor")
                        .and_then(|d| fr.text(d).parse().ok());
                    let Some(dest) = r.child_by_field_name("destination").or_else(|| {
                        named_children(*r)
                            .filter(|c| c.kind() != "file_descriptor")
                            .last()
                    }) else {
                        continue;
                    };
                    let target = self.expand_joined(dest, fr, scope, nd + 1, named);
                    let from_fd = op == "<&" && fd.is_none_or(|f| f == 0);
                    if from_fd && !matches!(target.text().as_str(), "0" | "-") {
                        stdin = Some(Stdin::Computed(format!("descriptor {}", target.text())));
                    }
                    if op == "<" {
                        if let Some(t) = target.lit() {
                            if let Some(p) =
                                scope::resolve(&t, scope.cwd.as_deref(), self.ctx.home.as_deref())
                            {
                                stdin = Some(Stdin::File(p));
                            }
                        } else {
                            stdin = Some(Stdin::Computed("<file".into()));
                        }
                    }
                    out.push(Redirect { op, fd, target });
                }
                _ => {}
            }
        }
        let any = !nodes.is_empty();
        (stdin, out, any)
    }

    /// `echo TEXT > f`, `cat > f <<EOF`: remember what the line wrote, so that a later
    /// `bash f` on the same line is analysed with that content.
    fn record_written_files(
        &mut self,
        words: &[Word],
        redirects: &[Redirect],
        stdin: &Stdin,
        scope: &mut Scope,
    ) {
        for r in redirects {
            if !(r.overwrites() || r.op == ">>") || r.fd.is_some_and(|f| f != 1) {
                continue;
            }
            let Some(t) = r.target.lit() else { continue };
            let Some(path) = scope::resolve(&t, scope.cwd.as_deref(), self.ctx.home.as_deref())
            else {
                continue;
            };
            let content = match output_of(words, stdin) {
                Stdin::Text { text, .. } => text,
                _ => continue,
            };
            self.written_generation += 1;
            let file = Rc::make_mut(&mut self.written).entry(path).or_default();
            if r.op != ">>" {
                file.clear();
            }
            file.push_str(&content);
        }
    }

    fn assign(
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
        let name = fr.text(name).to_string();
        if name.starts_with("INTERLOCK_") {
            self.event(
                "interlock.env",
                fr.span(n),
                Some(format!("{name} changes how Interlock itself decides")),
            );
        }
        let value = match n.child_by_field_name("value") {
            Some(v) if v.kind() == "array" => {
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
        Rc::make_mut(&mut scope.vars).insert(name, value);
    }

    fn declare(
        &mut self,
        n: Node,
        fr: &Frame,
        scope: &mut Scope,
        nd: usize,
        named: &mut Vec<usize>,
    ) {
        for c in named_children(n) {
            match c.kind() {
                "variable_assignment" => self.assign(c, fr, scope, nd + 1, named),
                "variable_name" => {}
                _ => {
                    self.expand(c, fr, scope, nd + 1, named);
                }
            }
        }
    }

    fn define_function(&mut self, n: Node, fr: &Frame, scope: &mut Scope) {
        let (Some(name), Some(body)) =
            (n.child_by_field_name("name"), n.child_by_field_name("body"))
        else {
            return;
        };
        let offset = match fr.origin {
            Origin::Offset(o) => Some(o + body.start_byte()),
            Origin::Fixed(_) => None,
        };
        Rc::make_mut(&mut scope.functions).insert(
            fr.text(name).to_string(),
            Rc::new(scope::FuncDef {
                body: fr.text(body).to_string(),
                offset,
                span: fr.span(body),
                tree: Default::default(),
            }),
        );
    }

    fn walk_for(
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
                Rc::make_mut(&mut scope.vars)
                    .insert(var.clone(), Value::Known(w.lit().unwrap_or_default()));
                self.walk(body, fr, scope, nd + 1, named);
            }
        } else {
            // A glob list keeps its pattern as the value so that paths stay judged.
            let value = match values.as_slice() {
                [w] if w.is_literal() && w.glob => Value::Pattern(w.lit().unwrap_or_default()),
                _ => Value::Unknown { maybe_empty: false },
            };
            Rc::make_mut(&mut scope.vars).insert(var, value);
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
    fn walk_list(
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
            self.walk(c, fr, scope, nd + 1, named);
            if scope.positional_generation != generation {
                shifted = true;
                if !gates {
                    scope.positional = None;
                }
            }
            if gates {
                if let Some(at) = gated_mkdir(c, fr) {
                    let new = scope.mkdirs.get(before..).unwrap_or_default();
                    for (_, dirs) in new.iter().filter(|(p, _)| *p == at) {
                        run.extend(dirs.iter().cloned());
                    }
                }
            }
        }
        scope.made_dirs = saved;
    }

    /// Analyse a command substitution or process substitution: it runs, in a subshell.
    fn walk_substitution(
        &mut self,
        n: Node,
        fr: &Frame,
        scope: &Scope,
        nd: usize,
        named: &mut Vec<usize>,
    ) {
        let mut inner = scope.clone();
        for c in named_children(n) {
            self.walk(c, fr, &mut inner, nd + 1, named);
        }
    }

    /// Analyse a function's body where it is called, with `$1…` bound.
    fn call_function(
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
            } else if let Some(tree) = self.function_tree(&def, &origin) {
                self.analyse_code(&def.body, Some(tree), origin, scope, depth, fr.remote);
            }
            Rc::make_mut(&mut scope.call_stack).pop();
        }
        scope.positional = saved;
    }

    /// A function body's syntax tree: parsed (and charged to the parse budget) once.
    fn function_tree(
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

    pub(crate) fn note_program(&mut self, name: &str) {
        if self.programs.len() < 256 {
            self.programs.push(name.to_string());
        }
    }

    /// Match a final invocation against the policy.
    pub(crate) fn judge(&mut self, inv: &Invocation) {
        self.note_program(&inv.program);
        self.judge
            .match_invocation(inv, self.ctx, &mut self.findings);
    }
}

/// A pipeline stage: a statement plus redirections that belong to it.
struct Stage<'t> {
    node: Node<'t>,
    redirects: Vec<Node<'t>>,
}

impl<'t> Stage<'t> {
    fn plain(node: Node<'t>) -> Stage<'t> {
        Stage {
            node,
            redirects: Vec::new(),
        }
    }
}

/// The named children of `n`, through one cursor: linear in their number
/// (`Node::named_child(i)` walks from the first child each time).
pub(crate) fn named_children(n: Node) -> impl Iterator<Item = Node> {
    let mut cursor = n.walk();
    let mut started = false;
    let mut done = false;
    std::iter::from_fn(move || loop {
        if done {
            return None;
        }
        let moved = if started {
            cursor.goto_next_sibling()
        } else {
            started = true;
            cursor.goto_first_child()
        };
        if !moved {
            done = true;
            return None;
        }
        let c = cursor.node();
        if c.is_named() {
            return Some(c);
        }
    })
}

fn is_extglob_tail(n: Node, fr: &Frame) -> bool {
    let Some(prev) = n.prev_named_sibling() else {
        return false;
    };
    prev.end_byte() == n.start_byte()
        && fr.text(prev).ends_with(['!', '@', '*', '+', '?'])
        && prev.kind() == "command"
}

fn unnamed_operator(n: Node, fr: &Frame) -> String {
    let mut c = n.walk();
    let op = n
        .children(&mut c)
        .find(|c| !c.is_named())
        .map(|c| fr.text(c).to_string())
        .unwrap_or_else(|| ">".to_string());
    op
}

fn is_word_like(kind: &str) -> bool {
    matches!(
        kind,
        "word"
            | "string"
            | "raw_string"
            | "ansi_c_string"
            | "translated_string"
            | "concatenation"
            | "simple_expansion"
            | "expansion"
            | "command_substitution"
            | "process_substitution"
            | "arithmetic_expansion"
            | "number"
    )
}

pub(crate) fn word_value(w: &Word) -> Value {
    match w.lit() {
        Some(t) => Value::Known(t),
        None => Value::Unknown {
            maybe_empty: w.starts_with_maybe_empty(),
        },
    }
}

/// What a command writes to stdout, as far as the analyser can tell: literal text
/// for `echo`/`printf`/`cat <<EOF`, paths for `find`, otherwise computed output.
fn output_of(words: &[Word], stdin: &Stdin) -> Stdin {
    let Some(first) = words.first() else {
        return Stdin::Computed(String::new());
    };
    let Some(name) = first.lit() else {
        return Stdin::Computed("?".into());
    };
    let prog = runners::program_name(&name);
    let args = &words[1..];
    match prog.as_str() {
        "echo" => {
            let mut interpret = false;
            let mut newline = true;
            let mut rest = args;
            while let Some(w) = rest.first() {
                match w.text().as_str() {
                    "-e" => interpret = true,
                    "-n" => newline = false,
                    "-E" => interpret = false,
                    "-ne" | "-en" => {
                        interpret = true;
                        newline = false
                    }
                    _ => break,
                }
                rest = &rest[1..];
            }
            let dynamic = rest.iter().any(|w| w.is_dynamic());
            let mut text = rest.iter().map(|w| w.text()).collect::<Vec<_>>().join(" ");
            if interpret {
                text = crate::syntax::word::decode_ansi_c(&text);
            }
            if newline {
                text.push('\n');
            }
            Stdin::Text { text, dynamic }
        }
        "printf" => {
            let mut rest = args;
            if rest.first().is_some_and(|w| w.text() == "--") {
                rest = &rest[1..];
            }
            let Some(fmt) = rest.first() else {
                return Stdin::Text {
                    text: String::new(),
                    dynamic: false,
                };
            };
            let dynamic = rest.iter().any(|w| w.is_dynamic());
            let text = printf_format(&fmt.text(), &rest[1..]);
            Stdin::Text { text, dynamic }
        }
        "cat" if args.is_empty() => stdin.clone(),
        "cat" if args.len() == 1 => match args[0].lit() {
            Some(t) if t == "-" => stdin.clone(),
            Some(t) => Stdin::File(std::path::PathBuf::from(t)),
            None => Stdin::Computed("cat".into()),
        },
        "find" => {
            let roots: Vec<Word> = args
                .iter()
                .take_while(|w| {
                    let t = w.text();
                    !t.starts_with('-') && t != "(" && t != "!"
                })
                .cloned()
                .collect();
            let roots = if roots.is_empty() {
                vec![Word::literal(".", first.span.clone())]
            } else {
                roots
            };
            let filtered = args.iter().any(|w| runners::is_find_test(&w.text()));
            Stdin::Paths(runners::found_words(&roots, filtered))
        }
        other => Stdin::Computed(other.to_string()),
    }
}

/// A small `printf`: `%s` and `%b` take the arguments in turn, escapes are decoded.
fn printf_format(fmt: &str, args: &[Word]) -> String {
    let mut out = String::new();
    let mut args = args.iter();
    let mut chars = fmt.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '%' {
            match chars.next() {
                Some('%') => out.push('%'),
                Some(_) => {
                    if let Some(a) = args.next() {
                        out.push_str(&a.text());
                    }
                }
                None => out.push('%'),
            }
        } else {
            out.push(c);
        }
    }
    let out = crate::syntax::word::decode_ansi_c(&out);
    // Leftover arguments reuse the format in printf; appending them keeps them visible.
    let rest: Vec<String> = args.map(|a| a.text()).collect();
    if rest.is_empty() {
        out
    } else {
        format!("{out}\n{}", rest.join("\n"))
    }
}

/// Could this code change the positional parameters (`shift`, `set -- …`)?
fn changes_positional(text: &str) -> bool {
    text.contains("shift") || text.contains("set")
}

/// Where the `mkdir` command starts whose success `n` succeeding implies, if `n` is one
/// (lists are flattened by `walk_list`, so `n` is one operand of a chain).
fn gated_mkdir(n: Node, fr: &Frame) -> Option<usize> {
    let mut n = n;
    while n.kind() == "redirected_statement" {
        n = n.child_by_field_name("body")?;
    }
    (n.kind() == "command"
        && n.child_by_field_name("name")
            .is_some_and(|c| fr.text(c) == "mkdir"))
    .then(|| fr.span(n).start)
}

/// The operators and operands of a chain `a && b || c …`, in order, without recursion.
fn flatten_list(n: Node) -> (Vec<&'static str>, Vec<Node>) {
    let mut ops = Vec::new();
    let mut operands = Vec::new();
    let mut stack = vec![n];
    while let Some(x) = stack.pop() {
        if x.kind() == "list" {
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
            match x.kind() {
                "&&" => ops.push("&&"),
                "||" => ops.push("||"),
                _ => {}
            }
        } else if x.kind() != "comment" {
            operands.push(x);
        }
    }
    // Keep one operator between each pair of operands, whatever the grammar did.
    ops.resize(operands.len().saturating_sub(1), "||");
    (ops, operands)
}

/// The memo key of a function call: the function (its definition, not just its name),
/// the arguments, and every part of the scope its body can observe.
fn call_key(
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
    unordered_hash(
        &mut h,
        scope.vars.iter().map(|(k, v)| (k, format!("{v:?}"))),
    );
    unordered_hash(
        &mut h,
        scope
            .functions
            .iter()
            .map(|(k, v)| (k, Rc::as_ptr(v) as usize)),
    );
    unordered_hash(&mut h, scope.aliases.iter());
    unordered_hash(&mut h, scope.moved_onto.iter());
    unordered_hash(&mut h, scope.made_dirs.iter());
    h.finish()
}

fn debug_hash(h: &mut impl Hasher, v: &impl std::fmt::Debug) {
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
fn unordered_hash<T: Hash>(h: &mut impl Hasher, items: impl Iterator<Item = T>) {
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
