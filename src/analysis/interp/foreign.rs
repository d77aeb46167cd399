//! Code in languages Interlock has no grammar for (Tcl and `expect`, Julia, Elixir,
//! Groovy, Scala, Kotlin, Swift, Clojure and babashka, Erlang, Racket, Guile, …): read
//! by hand for the two things that destroy data from any language, running a command
//! and deleting a tree.
//!
//! - A command: the string literals (and Julia's `` `cmd` `` literals) of code that
//!   calls a process API, each run of literals separated only by commas or spaces read
//!   as one command line (`ProcessBuilder("rm", "-rf", "/home")` is `rm -rf /home`),
//!   and Tcl's `exec`/`spawn` words. A process API with no literal to read is a
//!   confirm.
//! - A delete: a tree-deleting API followed by a literal path or the home directory; a
//!   computed path is a confirm.
//!
//! A builder's chained argument calls (`.arg("-rf").arg("/x")`) join the run of
//! literals. Compiled projects are read call by call instead (`compiled.rs`).
//!
//! Text that merely mentions these (`println("rm -rf /")` with no process API) passes.

use super::effects::Out;
use super::text::{boundary_after, boundary_before};
use super::Extracted;

/// Names that surely run a process: with no command to read, a confirm.
const PROCESS_APIS: &[&str] = &[
    "exec",
    "spawn",
    "system",
    "shell",
    "popen",
    "ProcessBuilder",
    "Runtime",
    "open_port",
    "os:cmd",
    "process-exec",
    "subprocess",
    "sys.process",
];

/// Names that may run a process (`run`, `sh`, `Command`): their literals are read.
const MAYBE_PROCESS_APIS: &[&str] = &["run", "sh", "cmd", "Command", "execute", "Process"];

/// Calls that delete a directory tree (or a file, for the ones that say so).
const TREE_DELETES: &[(&str, bool)] = &[
    ("rm", false),
    ("rm_rf", true),
    ("rm_rf!", true),
    ("rm_r", true),
    ("delete-tree", true),
    ("deleteRecursively", true),
    ("deleteDirectory", true),
    ("removeItem", true),
    ("Directory.Delete", true),
    ("remove_dir_all", true),
    ("remove_file", false),
    ("deleteTree", true),
    ("RemoveAll", true),
    ("rmtree", true),
    ("delete-directory", true),
    ("del_dir_r", true),
    ("file delete", false),
    ("File.Delete", false),
    ("delete-file", false),
    ("Files.delete", false),
    ("unlink", false),
];

/// What the code evaluates to for the home directory.
const HOME_WORDS: &[&str] = &[
    "homedir()",
    "user_home",
    "user.home",
    "NSHomeDirectory",
    "getenv(\"HOME\")",
    "ENV[\"HOME\"]",
    "$env(HOME)",
    "$::env(HOME)",
    "System.get_env(\"HOME\")",
    "(getenv \"HOME\")",
    "HOME_DIR",
    "home-directory",
    "homeDirectory",
    "home-dir",
    "home_dir()",
    "var(\"HOME\")",
    "Getenv(\"HOME\")",
    "UserHomeDir()",
    "SpecialFolder.UserProfile",
    "getenv(\"HOME\")",
];

/// Read foreign code; `lang` names it in reasons.
pub(super) fn scan(lang: &str, code: &str, out: &mut Out) {
    let surely = PROCESS_APIS.iter().any(|api| mentions(code, api));
    let maybe = MAYBE_PROCESS_APIS.iter().any(|api| mentions(code, api));
    let literals = literals(code);
    if surely || maybe {
        let mut found = false;
        for cmd in command_lines(&literals) {
            if cmd.contains(' ') || cmd.starts_with('/') {
                out.push(Extracted::Shell(cmd));
                found = true;
            }
        }
        for cmd in tcl_commands(code) {
            out.push(Extracted::Shell(cmd));
            found = true;
        }
        if !found && surely {
            out.dynamic(format!(
                "{lang} code runs a process whose command Interlock cannot read"
            ));
        }
    }
    for (api, recursive) in TREE_DELETES {
        for (at, _) in code.match_indices(api) {
            if !boundary_before(code, at, api) || !boundary_after(code, at + api.len()) {
                continue;
            }
            let rest = &code[at + api.len()..];
            // A call: `(`, a space then an argument (`File.rm_rf! path`, Tcl's words).
            let Some(first) = rest.chars().next() else {
                continue;
            };
            // Lisp forms, Tcl words and Elixir calls without parentheses take a
            // space; a bare `rm`/`unlink` must be a call.
            let spaced = api.contains([' ', '.', '-', '!']);
            if !(first == '(' || (spaced && matches!(first, ' ' | '!' | '"'))) {
                continue;
            }
            let args = call_args(rest);
            // A receiver holds the path in `File(home).deleteRecursively()`.
            let before = statement_before(code, at);
            let recursive = *recursive
                || args.contains("recursive")
                || args.contains("-force")
                || args.contains("true");
            let path = if HOME_WORDS.iter().any(|h| args.contains(h)) {
                Some("~".to_string())
            } else if let Some(p) = literals_in(args).into_iter().next().or_else(|| {
                args.split_whitespace()
                    .find(|w| w.starts_with('/') || w.starts_with('~'))
                    .map(str::to_string)
            }) {
                Some(p)
            } else if HOME_WORDS.iter().any(|h| before.contains(h)) {
                Some("~".to_string())
            } else {
                literals_in(before).into_iter().last()
            };
            match path {
                Some(p) => out.push(Extracted::Delete {
                    path: Some(p),
                    recursive,
                }),
                None if recursive => out.push(Extracted::Delete {
                    path: None,
                    recursive,
                }),
                None => {}
            }
        }
    }
}

/// The arguments of a call: to the matching `)` when it starts with `(`, else to the
/// end of the statement (at most a few hundred characters either way).
fn call_args(rest: &str) -> &str {
    let rest = head(rest);
    let mut depth = 0usize;
    for (i, c) in rest.char_indices() {
        match c {
            '(' => depth += 1,
            ')' if depth <= 1 => return &rest[..i],
            ')' => depth -= 1,
            ';' | '\n' if depth == 0 => return &rest[..i],
            _ => {}
        }
    }
    rest
}

/// How far around a call its arguments and receiver are looked for: bounded, so that
/// code made of many calls costs time linear in its size.
const WINDOW: usize = 400;

/// The first `WINDOW` bytes of `s` (to a character boundary).
fn head(s: &str) -> &str {
    let mut end = s.len().min(WINDOW);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// The statement's text before `at` (from the last `;`, newline or `{`, within
/// `WINDOW` bytes).
fn statement_before(code: &str, at: usize) -> &str {
    let mut from = at.saturating_sub(WINDOW);
    while !code.is_char_boundary(from) {
        from += 1;
    }
    let head = &code[from..at];
    let start = head.rfind([';', '\n', '{']).map_or(0, |i| i + 1);
    &head[start..]
}

/// `name` as a whole word in the code.
fn mentions(code: &str, name: &str) -> bool {
    code.match_indices(name)
        .any(|(at, _)| boundary_before(code, at, name) && boundary_after(code, at + name.len()))
}

/// String literals (`"…"`, `'…'` when it holds more than one character, Julia's
/// `` `…` ``) with what separates each from the one before.
fn literals(code: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut between = String::new();
    let mut chars = code.chars().peekable();
    while let Some(c) = chars.next() {
        if !matches!(c, '"' | '\'' | '`') {
            between.push(c);
            continue;
        }
        let mut lit = String::new();
        let mut closed = false;
        while let Some(d) = chars.next() {
            match d {
                '\\' => lit.extend(chars.next()),
                d if d == c => {
                    closed = true;
                    break;
                }
                d => lit.push(d),
            }
        }
        // `'a'` is a character in most of these languages, `'` an Erlang atom quote
        // or a Lisp quote: only longer single-quoted text counts.
        if !closed || (c == '\'' && lit.chars().count() < 2) {
            between.push(c);
            between.push_str(&lit);
            continue;
        }
        out.push((std::mem::take(&mut between), lit));
        if out.len() >= 256 {
            break;
        }
    }
    out
}

fn literals_in(text: &str) -> Vec<String> {
    literals(text).into_iter().map(|(_, l)| l).collect()
}

/// Text between two literals that continues one argument list: commas, spaces and
/// list brackets, or a builder's next argument call (`").arg("`, `").args(["`).
fn joins_arguments(between: &str) -> bool {
    let squeezed: String = between.chars().filter(|c| !c.is_whitespace()).collect();
    let rest = squeezed.trim_start_matches([',', ']']);
    rest.chars().all(|c| matches!(c, ',' | '[' | ']'))
        || [
            ").arg(",
            ").args([",
            ").args(&[",
            ").args(vec![",
            ").args(&vec![",
        ]
        .contains(&rest)
}

/// Runs of literals separated only by commas, spaces or list brackets, joined as one
/// command line (each argument quoted).
fn command_lines(literals: &[(String, String)]) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur: Vec<&str> = Vec::new();
    for (between, lit) in literals {
        let joined = joins_arguments(between);
        if !joined && !cur.is_empty() {
            out.push(join(&cur));
            cur.clear();
        }
        cur.push(lit);
    }
    if !cur.is_empty() {
        out.push(join(&cur));
    }
    out
}

fn join(args: &[&str]) -> String {
    if args.len() == 1 {
        return args[0].to_string();
    }
    args.iter()
        .map(|a| shell_words::quote(a).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Tcl's `exec CMD …` and expect's `spawn CMD …`: the words to the end of the
/// command (`;`, `]`, a newline).
fn tcl_commands(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    for kw in ["exec", "spawn"] {
        for (at, _) in code.match_indices(kw) {
            if !boundary_before(code, at, kw) || !code[at + kw.len()..].starts_with(' ') {
                continue;
            }
            let rest = head(&code[at + kw.len()..]);
            let end = rest.find([';', ']', '\n', '}']).unwrap_or(rest.len());
            let words: Vec<&str> = rest[..end]
                .split_whitespace()
                .skip_while(|w| w.starts_with('-'))
                .collect();
            // A call in another language (`exec("…")`) is read from its literals.
            if words.is_empty() || words[0].starts_with(['(', '"', '\'', '[', '{']) {
                continue;
            }
            out.push(words.join(" "));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(code: &str) -> Vec<Extracted> {
        let mut out = Out::default();
        scan("test", code, &mut out);
        out.finish()
    }

    #[test]
    fn commands_from_literals_and_tcl_words() {
        assert!(
            read("new ProcessBuilder(\"rm\", \"-rf\", \"/home\").start()")
                .contains(&Extracted::Shell("rm -rf /home".into()))
        );
        assert!(read("run(`rm -rf /home`)").contains(&Extracted::Shell("rm -rf /home".into())));
        assert!(read("spawn rm -rf ~; expect eof").contains(&Extracted::Shell("rm -rf ~".into())));
        assert!(read("exec -- rm -rf /srv").contains(&Extracted::Shell("rm -rf /srv".into())));
        assert!(matches!(read("exec(cmd)")[..], [Extracted::Dynamic(_)]));
        assert!(read("run(cmd)").is_empty());
    }

    #[test]
    fn deletes_with_literal_or_home_paths() {
        assert!(
            read("rm(homedir(), recursive=true)").contains(&Extracted::Delete {
                path: Some("~".into()),
                recursive: true
            })
        );
        assert!(
            read("File.rm_rf!(\"/srv/data\")").contains(&Extracted::Delete {
                path: Some("/srv/data".into()),
                recursive: true
            })
        );
        assert!(
            read("file delete -force /home/u").contains(&Extracted::Delete {
                path: Some("/home/u".into()),
                recursive: true
            })
        );
    }

    #[test]
    fn many_calls_cost_linear_time() {
        // Each call looks at most `WINDOW` bytes around it: no statement end in
        // 430 KB would otherwise make this quadratic (minutes instead of milliseconds).
        let code = "rm(x, true) ".repeat(30_000) + &"exec ".repeat(20_000);
        let items = read(&code);
        assert!(!items.is_empty() && items.len() <= 64, "{}", items.len());
    }

    #[test]
    fn builder_chains_and_home() {
        let shell = |code: &str, want: &str| {
            let got = read(code);
            assert!(
                got.contains(&Extracted::Shell(want.into())),
                "{code}: {got:?}"
            );
        };
        shell(
            "Command::new(\"rm\").args([\"-rf\", \"/home\"]).status()",
            "rm -rf /home",
        );
        shell(
            "Command::new(\"rm\").arg(\"-rf\").arg(\"/srv\").spawn()",
            "rm -rf /srv",
        );
        shell(
            "Command::new(\"git\").args(&[\"push\", \"--force\"]).output()",
            "git push --force",
        );
        assert!(
            read("std::fs::remove_dir_all(std::env::home_dir().unwrap())").contains(
                &Extracted::Delete {
                    path: Some("~".into()),
                    recursive: true
                }
            )
        );
        // Two separate calls are two command lines.
        assert!(
            !read("Command::new(\"ls\").status(); let _ = Command::new(\"rm\");")
                .contains(&Extracted::Shell("ls rm".into()))
        );
    }

    #[test]
    fn mentions_are_not_calls() {
        assert!(read("println(\"rm -rf /\")").is_empty());
        assert!(read("IO.puts \"hello\"").is_empty());
        assert!(read("using Pkg; Pkg.add(\"Example\")").is_empty());
        assert!(read("x = 'a'; y = \"b\"").is_empty());
    }
}
