//! Compiled languages run from source (Go, Rust, Java, C#, Zig): read call by call.
//!
//! A project's source is full of string literals, so nothing here guesses from
//! literals alone (as the reading of small scripts in `foreign.rs` may): only the
//! arguments of known calls count.
//!
//! - A command: a process builder's program and arguments (`exec.Command("rm", "-rf",
//!   "/home")`, `Command::new("rm").args(["-rf", "/home"]).arg(x)`, `new
//!   ProcessBuilder("rm", …)`, `Process.Start("rm", "-rf /home")`). All literal: the
//!   command line is judged; anything computed: a command only known at run time.
//! - A delete: `os.RemoveAll`, `remove_dir_all`, `Directory.Delete`, `deleteTree`, …
//!   with a literal path or the home directory; a computed path is a delete only known
//!   at run time.
//! - SQL: a literal given to an SQL call (`execute`, `batch_execute`, `Exec`,
//!   `executeUpdate`, `new SqlCommand`, …) that starts as destructive SQL.
//!
//! Each call's arguments are read within a bounded window, so cost is linear in size.

use super::text::boundary_before;
use super::Extracted;

/// What a call does.
#[derive(Clone, Copy)]
enum Kind {
    /// Its arguments are the program and its arguments; `.arg(…)`/`.args(…)` calls
    /// chained after it add more. `skip`: leading arguments that are not argv (Go's
    /// context).
    Argv { skip: usize },
    /// A program, then one string of arguments split on blanks (C#'s `Process.Start`).
    ProgramAndLine,
    /// One string split on blanks (Java's `exec("rm -rf x")`), or argv as a list.
    Exec,
    /// Deletes the path it is given (recursively or not).
    Delete { recursive: bool },
    /// Sends its first argument as SQL.
    Sql,
}

type Api = (&'static str, Kind);

const GO: &[Api] = &[
    ("exec.Command(", Kind::Argv { skip: 0 }),
    ("exec.CommandContext(", Kind::Argv { skip: 1 }),
    ("os.RemoveAll(", Kind::Delete { recursive: true }),
    ("os.Remove(", Kind::Delete { recursive: false }),
    (".Exec(", Kind::Sql),
    (".ExecContext(", Kind::Sql),
];

const RUST: &[Api] = &[
    ("Command::new(", Kind::Argv { skip: 0 }),
    ("remove_dir_all(", Kind::Delete { recursive: true }),
    ("remove_file(", Kind::Delete { recursive: false }),
    (".batch_execute(", Kind::Sql),
    (".execute(", Kind::Sql),
    ("sqlx::query(", Kind::Sql),
    ("sql_query(", Kind::Sql),
];

const JAVA: &[Api] = &[
    ("new ProcessBuilder(", Kind::Argv { skip: 0 }),
    (".exec(", Kind::Exec),
    ("Files.delete(", Kind::Delete { recursive: false }),
    ("Files.deleteIfExists(", Kind::Delete { recursive: false }),
    ("deleteDirectory(", Kind::Delete { recursive: true }),
    ("deleteRecursively(", Kind::Delete { recursive: true }),
    (".executeUpdate(", Kind::Sql),
    (".execute(", Kind::Sql),
];

const CSHARP: &[Api] = &[
    ("Process.Start(", Kind::ProgramAndLine),
    ("new ProcessStartInfo(", Kind::ProgramAndLine),
    ("Directory.Delete(", Kind::Delete { recursive: false }),
    ("File.Delete(", Kind::Delete { recursive: false }),
    ("new SqlCommand(", Kind::Sql),
    ("new NpgsqlCommand(", Kind::Sql),
    ("new SqliteCommand(", Kind::Sql),
    ("ExecuteSqlRaw(", Kind::Sql),
];

const ZIG: &[Api] = &[
    ("deleteTree(", Kind::Delete { recursive: true }),
    ("deleteTreeAbsolute(", Kind::Delete { recursive: true }),
    ("deleteFile(", Kind::Delete { recursive: false }),
];

/// Gradle build scripts (Groovy or Kotlin): `exec`/`Exec` tasks' command lines, the
/// `delete` of `Delete` tasks and `project.delete`, and the JVM's own process builders.
/// Groovy calls without parentheses (`commandLine 'rm', '-rf', '/srv'`) are read to the
/// end of their line.
const GRADLE: &[Api] = &[
    ("commandLine(", Kind::Argv { skip: 0 }),
    ("commandLine ", Kind::Argv { skip: 0 }),
    ("commandLine = listOf(", Kind::Argv { skip: 0 }),
    ("delete(", Kind::Delete { recursive: true }),
    ("delete ", Kind::Delete { recursive: true }),
    ("ProcessBuilder(", Kind::Argv { skip: 0 }),
    (".exec(", Kind::Exec),
    ("deleteRecursively(", Kind::Delete { recursive: true }),
    (".executeUpdate(", Kind::Sql),
];

/// What a Gradle `delete` of the build directory names (rebuildable output).
const GRADLE_BUILD_DIRS: &[&str] = &["buildDir", "buildDirectory", "layout.buildDirectory"];

/// How each language spells the home directory.
const HOME_WORDS: &[&str] = &[
    "home_dir()",
    "var(\"HOME\")",
    "Getenv(\"HOME\")",
    "UserHomeDir()",
    "SpecialFolder.UserProfile",
    "getenv(\"HOME\")",
    "getProperty(\"user.home\")",
    "GetEnvironmentVariable(\"HOME\")",
];

/// How far a call's arguments (and its chained `.arg` calls) are read.
const WINDOW: usize = 600;

/// The languages read here, by the name callers give them.
pub const LANGUAGES: &[&str] = &["go", "rust", "java", "csharp", "zig", "gradle"];

/// What code in `lang` (one of [`LANGUAGES`]) does that the rules judge.
pub fn extract(lang: &str, code: &str) -> Vec<Extracted> {
    let apis = match lang {
        "go" => GO,
        "rust" => RUST,
        "java" => JAVA,
        "csharp" => CSHARP,
        "zig" => ZIG,
        "gradle" => GRADLE,
        _ => return Vec::new(),
    };
    let groovy = lang == "gradle";
    let mut out = Vec::new();
    for (call, kind) in apis {
        let name = call
            .trim_start_matches(['.', ' '])
            .trim_start_matches("new ");
        for (at, _) in code.match_indices(call) {
            // `Command::new(` but not `MyCommand::new(`; a method (`.exec(`) needs none.
            if !call.starts_with('.') && !boundary_before(code, at, name) {
                continue;
            }
            let rest = window(&code[at + call.len()..]);
            let (args, used) = if call.ends_with(' ') {
                // Groovy's call without parentheses: its arguments are the rest of the
                // line (`delete 'x'`), never a word that starts a block (`delete {`).
                let line = rest.split(['\n', ';', '}']).next().unwrap_or("");
                if line.trim_start().starts_with(['{', '=', '(']) || line.trim().is_empty() {
                    continue;
                }
                let (args, _) = arguments_in(&format!("{})", line.trim_end()), true);
                (args, line.len())
            } else {
                arguments_in(rest, groovy)
            };
            let args = if groovy { gradle_args(args) } else { args };
            read_call(*kind, args, &rest[used.min(rest.len())..], lang, &mut out);
            if out.len() >= 256 {
                return out;
            }
        }
    }
    out
}

fn read_call(kind: Kind, args: Vec<Arg>, after: &str, lang: &str, out: &mut Vec<Extracted>) {
    match kind {
        Kind::Argv { skip } => {
            let mut argv: Vec<Arg> = args.into_iter().skip(skip).flat_map(Arg::flatten).collect();
            if lang == "rust" {
                argv.extend(chained_args(after));
            }
            match literal_words(&argv) {
                Some(words) if !words.is_empty() => out.push(Extracted::Shell(join(&words))),
                Some(_) => {}
                None => out.push(Extracted::Dynamic(format!(
                    "{} code runs a command built at run time",
                    display(lang)
                ))),
            }
        }
        Kind::Exec => match &args[..] {
            [Arg::Lit(line)] => {
                let words: Vec<String> = line.split_whitespace().map(str::to_string).collect();
                if !words.is_empty() {
                    out.push(Extracted::Shell(join(&words)));
                }
            }
            _ => read_call(Kind::Argv { skip: 0 }, args, after, lang, out),
        },
        Kind::ProgramAndLine => {
            let mut words = Vec::new();
            for (i, a) in args.iter().take(2).enumerate() {
                match a {
                    Arg::Lit(s) if i == 0 => words.push(s.clone()),
                    Arg::Lit(s) => words.extend(s.split_whitespace().map(str::to_string)),
                    _ => {
                        return out.push(Extracted::Dynamic(format!(
                            "{} code runs a command built at run time",
                            display(lang)
                        )))
                    }
                }
            }
            if !words.is_empty() {
                out.push(Extracted::Shell(join(&words)));
            }
        }
        Kind::Delete { .. } if lang == "gradle" => {
            // Gradle's `delete` takes any number of paths, in lists and file wrappers.
            for a in args.into_iter().flat_map(Arg::flatten) {
                read_call(kind, vec![a], after, "gradle-path", out);
            }
        }
        Kind::Delete { recursive } => {
            let recursive = recursive
                || args
                    .iter()
                    .skip(1)
                    .any(|a| matches!(a, Arg::Other(t) if t == "true"));
            let path = match args.first() {
                Some(Arg::Lit(p)) => Some(p.clone()),
                Some(Arg::Other(t)) if HOME_WORDS.iter().any(|h| t.contains(h)) => {
                    Some("~".to_string())
                }
                _ => None,
            };
            out.push(Extracted::Delete { path, recursive });
        }
        Kind::Sql => {
            if let Some(Arg::Lit(sql)) = args.first() {
                if destructive_sql(sql) {
                    out.push(Extracted::Sql {
                        client: "psql",
                        database: None,
                        sql: Some(sql.clone()),
                    });
                }
            }
        }
    }
}

fn display(lang: &str) -> &str {
    match lang {
        "go" => "Go",
        "rust" => "Rust",
        "java" => "Java",
        "csharp" => "C#",
        "zig" => "Zig",
        "gradle" => "Gradle build",
        other => other,
    }
}

/// SQL that destroys or rewrites stored data, by its first word.
fn destructive_sql(sql: &str) -> bool {
    let t = sql.trim_start();
    let first: String = t
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect::<String>()
        .to_ascii_lowercase();
    matches!(
        first.as_str(),
        "drop" | "truncate" | "delete" | "alter" | "update"
    ) && t[first.len()..].starts_with(char::is_whitespace)
}

/// One argument of a call.
#[derive(Debug, Clone, PartialEq)]
enum Arg {
    /// A string literal.
    Lit(String),
    /// A list of arguments (`["-rf", x]`, `&[…]`, `vec![…]`, `new String[]{…}`).
    List(Vec<Arg>),
    /// Anything else, as written.
    Other(String),
}

impl Arg {
    fn flatten(self) -> Vec<Arg> {
        match self {
            Arg::List(items) => items.into_iter().flat_map(Arg::flatten).collect(),
            a => vec![a],
        }
    }
}

/// The literal text of every word, or `None` if one is computed.
fn literal_words(args: &[Arg]) -> Option<Vec<String>> {
    args.iter()
        .map(|a| match a {
            Arg::Lit(s) => Some(s.clone()),
            _ => None,
        })
        .collect()
}

fn join(words: &[String]) -> String {
    words
        .iter()
        .map(|w| shell_words::quote(w).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The arguments of `.arg(…)` and `.args(…)` calls chained right after a call.
fn chained_args(mut rest: &str) -> Vec<Arg> {
    let mut out = Vec::new();
    loop {
        let r = rest.trim_start();
        let Some(inner) = r.strip_prefix(".args(").or_else(|| r.strip_prefix(".arg(")) else {
            return out;
        };
        let (args, used) = arguments(inner);
        if used == 0 {
            return out;
        }
        out.extend(args.into_iter().flat_map(Arg::flatten));
        rest = &inner[used..];
    }
}

/// Gradle's arguments as the rules should see them: a string with `${…}` or `$name`
/// in it is computed (a GString), and the build directory, however it is named, is
/// `build`.
fn gradle_args(args: Vec<Arg>) -> Vec<Arg> {
    let build_dir = |t: &str| GRADLE_BUILD_DIRS.iter().any(|b| t.contains(b));
    args.into_iter()
        .map(|a| match a {
            Arg::Lit(s) | Arg::Other(s) if build_dir(&s) => Arg::Lit("build".into()),
            Arg::Lit(s) if s.contains('$') => Arg::Other(s),
            Arg::List(items) => Arg::List(gradle_args(items)),
            other => other,
        })
        .collect()
}

/// The first `WINDOW` bytes of `s` (to a character boundary).
fn window(s: &str) -> &str {
    let mut end = s.len().min(WINDOW);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Parse call arguments up to the closing `)`: the arguments and the bytes used
/// (0 when the window ends first).
fn arguments(s: &str) -> (Vec<Arg>, usize) {
    arguments_in(s, false)
}

/// As [`arguments`]; `single`: `'…'` is a string too (Groovy).
fn arguments_in(s: &str, single: bool) -> (Vec<Arg>, usize) {
    let mut p = Parser { s, at: 0, single };
    let args = p.list(')');
    if p.s[p.at..].starts_with(')') {
        (args, p.at + 1)
    } else {
        (args, 0)
    }
}

struct Parser<'a> {
    s: &'a str,
    at: usize,
    single: bool,
}

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.s[self.at..].chars().next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.at += c.len_utf8();
        Some(c)
    }

    fn skip_blank(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.bump();
        }
    }

    /// Comma-separated items up to (not including) `close`.
    fn list(&mut self, close: char) -> Vec<Arg> {
        let mut items = Vec::new();
        loop {
            self.skip_blank();
            match self.peek() {
                None => return items,
                Some(c) if c == close => return items,
                Some(',') => {
                    self.bump();
                }
                Some(_) => {
                    let before = self.at;
                    items.push(self.item(close));
                    if self.at == before {
                        self.bump();
                    }
                }
            }
        }
    }

    /// One item: a literal, a list, or other text to the next `,` or `close` at this
    /// depth.
    fn item(&mut self, close: char) -> Arg {
        let start = self.at;
        let rest = &self.s[self.at..];
        // List openers of each language.
        // Gradle's (Groovy's, Kotlin's) lists and file wrappers.
        for open in ["listOf(", "arrayOf(", "files(", "file(", "fileTree("] {
            if !self.single {
                break;
            }
            if let Some(r) = rest.strip_prefix(open) {
                self.at += rest.len() - r.len();
                let items = self.list(')');
                self.bump();
                return self.finish_item(Arg::List(items), close, start);
            }
        }
        for open in ["&vec![", "vec![", "&[", "["] {
            if let Some(r) = rest.strip_prefix(open) {
                self.at += rest.len() - r.len();
                let items = self.list(']');
                self.bump();
                return self.finish_item(Arg::List(items), close, start);
            }
        }
        if rest.starts_with("new String[]")
            || rest.starts_with("new[]")
            || rest.starts_with("new string[]")
        {
            if let Some(brace) = rest.find('{') {
                self.at += brace + 1;
                let items = self.list('}');
                self.bump();
                return self.finish_item(Arg::List(items), close, start);
            }
        }
        if let Some(q) = self
            .peek()
            .filter(|c| matches!(c, '"' | '`') || (self.single && *c == '\''))
        {
            self.bump();
            let mut lit = String::new();
            while let Some(c) = self.bump() {
                match c {
                    '\\' if q == '"' => match self.bump() {
                        Some('n') => lit.push('\n'),
                        Some('t') => lit.push('\t'),
                        Some(o) => lit.push(o),
                        None => break,
                    },
                    c if c == q => return self.finish_item(Arg::Lit(lit), close, start),
                    c => lit.push(c),
                }
            }
            return Arg::Other(lit);
        }
        Arg::Other(self.other(close))
    }

    /// After a literal or list: anything more before the separator makes it computed
    /// (`"a" + x`, `"rm".to_string()` stays a literal).
    fn finish_item(&mut self, item: Arg, close: char, start: usize) -> Arg {
        let more = self.other(close);
        if more.is_empty() || matches!(more.as_str(), ".to_string()" | ".to_owned()" | ".into()") {
            item
        } else {
            Arg::Other(self.s[start..self.at].trim().to_string())
        }
    }

    /// Text to the next `,` or `close` at depth zero (strings and brackets skipped).
    fn other(&mut self, close: char) -> String {
        let start = self.at;
        let mut depth = 0usize;
        while let Some(c) = self.peek() {
            match c {
                '(' | '[' | '{' => depth += 1,
                ')' | ']' | '}' if depth > 0 => depth -= 1,
                c if depth == 0 && (c == ',' || c == close) => break,
                ')' | ']' | '}' => break,
                '"' => {
                    self.bump();
                    while let Some(d) = self.bump() {
                        if d == '\\' {
                            self.bump();
                        } else if d == '"' {
                            break;
                        }
                    }
                    continue;
                }
                _ => {}
            }
            self.bump();
        }
        self.s[start..self.at].trim().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shell(lang: &str, code: &str) -> Vec<String> {
        extract(lang, code)
            .into_iter()
            .filter_map(|e| match e {
                Extracted::Shell(s) => Some(s),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn process_builders_give_their_command_line() {
        assert_eq!(
            shell(
                "rust",
                "Command::new(\"rm\").args([\"-rf\", \"/home\"]).status()?;"
            ),
            ["rm -rf /home"]
        );
        assert_eq!(
            shell(
                "rust",
                "Command::new(\"rm\")\n    .arg(\"-rf\")\n    .arg(\"/srv\")\n    .spawn();"
            ),
            ["rm -rf /srv"]
        );
        assert_eq!(
            shell(
                "go",
                "exec.CommandContext(ctx, \"git\", \"push\", \"--force\").Run()"
            ),
            ["git push --force"]
        );
        assert_eq!(
            shell(
                "java",
                "new ProcessBuilder(\"rm\", \"-rf\", \"/home\").start();"
            ),
            ["rm -rf /home"]
        );
        assert_eq!(
            shell(
                "java",
                "Runtime.getRuntime().exec(new String[]{\"rm\", \"-rf\", \"/x\"});"
            ),
            ["rm -rf /x"]
        );
        assert_eq!(
            shell("java", "Runtime.getRuntime().exec(\"rm -rf /home\");"),
            ["rm -rf /home"]
        );
        assert_eq!(
            shell("csharp", "Process.Start(\"rm\", \"-rf /home\");"),
            ["rm -rf /home"]
        );
        // Computed parts make a command only known at run time.
        assert!(matches!(
            &extract("rust", "Command::new(prog).arg(\"-rf\").status();")[..],
            [Extracted::Dynamic(_)]
        ));
        assert!(matches!(
            &extract("rust", "Command::new(\"rm\").arg(path).status();")[..],
            [Extracted::Dynamic(_)]
        ));
        // Not a process builder.
        assert!(extract("rust", "let c = MyCommand::new(\"rm\");").is_empty());
    }

    #[test]
    fn deletes_and_sql() {
        assert_eq!(
            extract(
                "rust",
                "std::fs::remove_dir_all(dirs::home_dir().unwrap())?;"
            ),
            [Extracted::Delete {
                path: Some("~".into()),
                recursive: true
            }]
        );
        assert_eq!(
            extract("csharp", "Directory.Delete(\"/home\", true);"),
            [Extracted::Delete {
                path: Some("/home".into()),
                recursive: true
            }]
        );
        assert_eq!(
            extract("go", "os.RemoveAll(dir)"),
            [Extracted::Delete {
                path: None,
                recursive: true
            }]
        );
        assert!(matches!(
            &extract("rust", "client.batch_execute(\"DROP TABLE users\")?;")[..],
            [Extracted::Sql { sql: Some(q), .. }] if q == "DROP TABLE users"
        ));
        assert!(extract("rust", "client.execute(\"SELECT 1\", &[])?;").is_empty());
        assert!(extract("rust", "client.execute(\"update\", &[])?;").is_empty());
        assert!(extract("rust", "println!(\"DROP TABLE users\");").is_empty());
    }

    #[test]
    fn string_literals_alone_are_not_calls() {
        let code = "fn main() { let help = \"rm -rf / deletes everything\"; println!(\"{help}\"); let exec = 1; }";
        for lang in LANGUAGES {
            assert!(extract(lang, code).is_empty(), "{lang}");
        }
    }

    #[test]
    fn unclosed_calls_and_long_code_cost_linear_time() {
        let code = "Command::new(\"rm\"".repeat(20_000) + &"remove_dir_all(".repeat(20_000);
        let items = extract("rust", &code);
        assert!(items.len() <= 256);
    }
}
