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
mod functions;
mod later;
mod nodes;
mod programs;
mod redirects;
mod runners;
pub mod scope;
mod statements;
mod unparsed;
mod words;

use crate::model::judge::Judge;
use crate::model::{Context, Finding};
use crate::syntax;
use crate::syntax::word::Word;
use crate::syntax::BashKind;
use invocation::{Invocation, Redirect, Stdin};
use nodes::*;
pub(crate) use nodes::{named_children, word_value};
use redirects::output_of;
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
const TIME_BUDGET: Duration = Duration::from_millis(2_000);

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
    /// The tree `src` was parsed into.
    pub tree: &'s tree_sitter::Tree,
    /// `src` as a shared string, made when a function defined here first needs it.
    pub shared: std::cell::OnceCell<Rc<str>>,
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

/// Stands for output only known at run time in the text a group pipes on: as shell
/// code it is a command whose name is unknown; as SQL or a crontab, no statement.
pub(crate) const UNKNOWN_OUTPUT: &str = "\n$__interlock_unknown_output\n";
/// A group's piped output is collected up to this size.
const MAX_PIPE_TEXT: usize = 256 * 1024;

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
    /// Files written earlier on the line by a command whose output is not known
    /// (`base64 -d > f`, `curl -o f`), with how: running one is a confirm.
    unknown_files: HashMap<PathBuf, String>,
    /// Inside `{ …; } > FILE`: the file the group's commands print into.
    capture: Option<PathBuf>,
    /// Inside `{ …; } | CMD` or `( … ) | CMD`: what the group prints so far, with
    /// [`UNKNOWN_OUTPUT`] where a command's output is not known.
    pipe_out: Option<String>,
    /// The path of the script file about to be walked: its `$0`.
    script_zero: Option<String>,
    /// Script files being judged, outermost first: one that runs itself again is not
    /// walked a second time.
    files_open: Vec<PathBuf>,
    /// Links and copies of programs made on the line (`ln -s /bin/rm ./x`): path →
    /// the program it is. Like `written`, kept for the whole line.
    copies: Rc<HashMap<PathBuf, String>>,
    /// git aliases set with `git config alias.NAME VALUE` on the line.
    git_aliases: HashMap<String, String>,
    /// Bumped whenever `written` changes (part of a function call's memo key).
    written_generation: u64,
    /// Function calls already judged, by the state they were judged in.
    calls_judged: HashSet<u64, foldhash::fast::RandomState>,
    started: Instant,
    /// Judging an unknown program's arguments as a command (`runners/wrappers.rs`):
    /// what is found there is capped, and not tried again inside.
    in_unknown: bool,
    /// The mounts of the container the commands being judged run in (`docker run
    /// -v …`): paths inside map through them to the host or a named volume.
    container: Option<Rc<invocation::Mounts>>,
    /// `trap CODE EXIT` on the line: judged again with the variables at its end.
    exit_traps: Vec<(String, Origin, bool, Option<PathBuf>)>,
    /// Descriptors opened on `/dev/tcp/HOST/PORT` (`exec 3<>/dev/tcp/…`).
    sockets: HashMap<u32, (String, String)>,
    /// Project modules read because code imports them (each once: imports can cycle).
    modules_read: HashSet<PathBuf>,
    /// The directory a script file's own imports resolve against (Python: the script
    /// run; JavaScript: the file doing the import). `None` for code given on the line.
    module_base: Option<PathBuf>,
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
            unknown_files: HashMap::new(),
            capture: None,
            pipe_out: None,
            script_zero: None,
            files_open: Vec::new(),
            copies: Rc::default(),
            git_aliases: HashMap::new(),
            written_generation: 0,
            calls_judged: HashSet::default(),
            started: Instant::now(),
            in_unknown: false,
            container: None,
            exit_traps: Vec::new(),
            sockets: HashMap::new(),
            modules_read: HashSet::new(),
            module_base: None,
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
        for (code, origin, remote, cwd) in std::mem::take(&mut self.exit_traps) {
            // The variables as the line leaves them; the directory as the trap was set
            // (deleting the directory the shell ends in is the idiom, not a hazard).
            let mut at_end = scope.clone();
            at_end.stdin = Stdin::Inherit;
            at_end.cwd = cwd;
            self.analyse_source(&code, origin, &mut at_end, 1, remote);
        }
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
            tree: &tree,
            shared: Default::default(),
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
                n.bash_kind(),
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
        if n.bash_kind().ends_with("_statement")
            && n.bash_kind() != "if_statement"
            && n.bash_kind() != "case_statement"
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
        match n.bash_kind() {
            "comment" | "heredoc_body" | "heredoc_start" | "heredoc_end" => {}
            // `ls !(x)`: an extglob pattern that the grammar splits into a command and
            // a subshell. Bash never runs it (a pattern, or a syntax error).
            "subshell" if is_extglob_tail(n, fr) => {}
            "subshell" => {
                let mut inner = scope.clone();
                self.walk_children(n, fr, &mut inner, nd, named);
            }
            // A pipeline holding `&&`/`||` (tree-sitter's nesting of `a | b && c`) is
            // walked as the chain it is.
            "pipeline" if named_children(n).any(|c| c.bash_kind() == "list") => {
                self.walk_list(n, fr, scope, nd, named)
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
                    scope.remove_var(&name);
                    scope.remove_function(&name);
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
                    if c.bash_kind() == "case_item" {
                        for s in named_children(c) {
                            if is_word_like(s.bash_kind()) {
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
            .chain(named_children(n).filter(|c| c.bash_kind() == "herestring_redirect"))
            .collect();
        // tree-sitter-bash puts `cat <<EOF | sh` as a pipeline inside the heredoc
        // redirect: rebuild the pipeline the shell sees.
        let mut tail: Vec<Node> = Vec::new();
        for r in &redirects {
            for c in named_children(*r) {
                if c.bash_kind() == "pipeline" {
                    tail.extend(named_children(c));
                } else if matches!(c.bash_kind(), "command" | "redirected_statement") {
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
        match st.node.bash_kind() {
            "command" => self.walk_command(st.node, &st.redirects, fr, scope, nd, named, stdin),
            "redirected_statement" if st.redirects.is_empty() => {
                self.walk_redirected(st.node, fr, scope, nd, named, stdin)
            }
            _ => {
                // A compound statement with redirections: its redirections still act
                // (`{ …; } > /etc/passwd`), and its body is walked as usual.
                let (_, redirects, _) = self.redirections(&st.redirects, fr, scope, nd, named);
                let into = self.group_output(&redirects, scope);
                if !redirects.is_empty() {
                    let mut inv = Invocation::new(String::new(), Vec::new(), fr.span(st.node));
                    inv.redirects = redirects;
                    inv.cwd = scope.cwd.clone();
                    inv.remote = fr.remote;
                    self.judge
                        .match_invocation(&inv, self.ctx, &mut self.findings);
                }
                // A group piped on prints what its commands print, in order.
                let collect = into.is_none()
                    && matches!(st.node.bash_kind(), "compound_statement" | "subshell");
                let outer = std::mem::replace(&mut self.capture, into);
                let outer_pipe = std::mem::replace(&mut self.pipe_out, collect.then(String::new));
                self.walk(st.node, fr, scope, nd + 1, named);
                self.capture = outer;
                let printed = std::mem::replace(&mut self.pipe_out, outer_pipe);
                match printed {
                    Some(text) if !text.is_empty() => {
                        self.print_to_pipe(&Stdin::Text {
                            text: text.clone(),
                            dynamic: text.contains(UNKNOWN_OUTPUT),
                        });
                        Stdin::Text {
                            dynamic: text.contains(UNKNOWN_OUTPUT),
                            text,
                        }
                    }
                    _ => Stdin::Computed(st.node.bash_kind().to_string()),
                }
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
            match c.bash_kind() {
                // extglob `!(x)` parses as ERROR `!` + subshell: it is a pattern word.
                "subshell" if after_error => {
                    let mut w = Word::literal(fr.text(c), fr.span(c));
                    w.glob = true;
                    words.push(w);
                }
                "ERROR" if fr.text(c).len() == 1 => {}
                "variable_assignment" => {
                    let name = match c.child_by_field_name("name") {
                        Some(x) => self.assigned_name(x, fr, scope, nd, named),
                        None => String::new(),
                    };
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
        // `rm -rf 2>/dev/null /`: the grammar reads every word after a redirection's
        // target as more targets; the shell reads them as arguments.
        for r in &redirect_nodes {
            if matches!(r.bash_kind(), "file_redirect" | "herestring_redirect") {
                let targets = named_children(*r).filter(|c| c.bash_kind() != "file_descriptor");
                for extra in targets.skip(1).collect::<Vec<_>>() {
                    words.extend(self.expand(extra, fr, scope, nd + 1, named));
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
        self.socket_writes(&words, &redirects, &stdin, span.clone());
        self.capture_output(&words, &redirects, &stdin);
        if !redirects
            .iter()
            .any(|r| r.op.starts_with('>') && r.fd.is_none_or(|f| f == 1))
        {
            self.print_to_pipe(&out);
        }
        self.judge_startup_appends(&words, &redirects, &stdin, fr, scope);
        self.invoke(words, env, redirects, stdin, span, fr, scope, nd + 1);
        out
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
        // What the substitution's commands print is its value, not the group's output.
        let capture = self.capture.take();
        let pipe_out = self.pipe_out.take();
        for c in named_children(n) {
            self.walk(c, fr, &mut inner, nd + 1, named);
        }
        self.capture = capture;
        self.pipe_out = pipe_out;
    }

    /// Add what a command prints to the output of the group being piped on.
    fn print_to_pipe(&mut self, out: &Stdin) {
        let Some(text) = self.pipe_out.as_mut() else {
            return;
        };
        if text.len() > MAX_PIPE_TEXT {
            return;
        }
        match out {
            Stdin::Text {
                text: t,
                dynamic: false,
            } => text.push_str(t),
            Stdin::Computed(p) if p.is_empty() => {}
            Stdin::File(p) => match self.runnable(p) {
                runners::Runnable::Text(t) if t.len() <= MAX_PIPE_TEXT => {
                    let text = self.pipe_out.get_or_insert_with(String::new);
                    text.push_str(&t);
                }
                _ => {
                    let text = self.pipe_out.get_or_insert_with(String::new);
                    text.push_str(UNKNOWN_OUTPUT);
                }
            },
            _ => text.push_str(UNKNOWN_OUTPUT),
        }
    }

    pub(crate) fn note_program(&mut self, name: &str) {
        if self.programs.len() < 256 {
            self.programs.push(name.to_string());
        }
    }

    /// Match a final invocation against the policy.
    pub(crate) fn judge(&mut self, inv: &Invocation) {
        self.note_program(&inv.program);
        if let Some(c) = &self.container {
            // Files written inside a container are not the host's files.
            let mut inv = inv.clone();
            inv.container = Some(Rc::clone(c));
            self.judge
                .match_invocation(&inv, self.ctx, &mut self.findings);
            return;
        }
        self.note_file_writes(inv);
        self.judge
            .match_invocation(inv, self.ctx, &mut self.findings);
    }
}
