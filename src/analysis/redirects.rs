//! Redirections and what a command prints: heredocs, here-strings, `< file`, `> file`
//! (files written on the line are remembered), and the known output of `echo`,
//! `printf`, `cat`, `find` that a pipe passes on.

use super::*;
use crate::syntax::BashKind;

impl Analyzer<'_> {
    /// Process redirections: returns the stdin they set (heredoc, here-string, `<`),
    /// the other redirections, and whether any was seen.
    pub(super) fn redirections(
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
            match r.bash_kind() {
                "heredoc_redirect" => {
                    let quoted = named_children(*r)
                        .find(|c| c.bash_kind() == "heredoc_start")
                        .map(|s| {
                            let t = fr.text(s);
                            t.contains('\'') || t.contains('"') || t.contains('\\')
                        })
                        .unwrap_or(false);
                    let mut text = String::new();
                    let mut dynamic = false;
                    for c in named_children(*r) {
                        match c.bash_kind() {
                            "heredoc_body" => {
                                text = fr.text(c).to_string();
                                if !quoted {
                                    for part in named_children(c) {
                                        if part.bash_kind() != "heredoc_content" {
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
                            .filter(|c| c.bash_kind() != "file_descriptor")
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
    pub(super) fn record_written_files(
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
            self.record_output(path, words, stdin, r.op == ">>");
        }
    }

    /// Bash's `/dev/tcp/HOST/PORT`: what a command prints into it is sent to that host,
    /// judged as the same bytes piped to `nc HOST PORT` (a raw HTTP request is an HTTP
    /// request). `exec 3<>/dev/tcp/…` opens it as a descriptor that a later `>&3` writes.
    pub(super) fn socket_writes(
        &mut self,
        words: &[Word],
        redirects: &[Redirect],
        stdin: &Stdin,
        span: Range<usize>,
    ) {
        for r in redirects {
            let t = r.target.text();
            let to_stdout = r.fd.is_none_or(|f| f == 1);
            let dest = if let Some(hp) = socket_path(&t) {
                if let Some(fd) = r.fd.filter(|f| *f > 2) {
                    self.sockets.insert(fd, hp);
                    continue;
                }
                (to_stdout && r.op != "<").then_some(hp)
            } else if r.op == ">&" && to_stdout {
                t.parse::<u32>()
                    .ok()
                    .and_then(|n| self.sockets.get(&n).cloned())
            } else {
                None
            };
            let Some((host, port)) = dest else { continue };
            let out = output_of(words, stdin);
            let mut inv = Invocation::new(
                "nc".to_string(),
                vec![
                    Word::literal(host, r.target.span.clone()),
                    Word::literal(port, r.target.span.clone()),
                ],
                span.clone(),
            );
            inv.stdin = out;
            self.judge(&inv);
        }
    }

    /// What one command prints into `path`: known text, a copy of a file it prints, or
    /// output only known when it runs.
    fn record_output(&mut self, path: PathBuf, words: &[Word], stdin: &Stdin, append: bool) {
        match output_of(words, stdin) {
            Stdin::Text { text, .. } => self.write_known(path, &text, append),
            Stdin::File(src) => match self.runnable(&src) {
                runners::Runnable::Text(t) => self.write_known(path, &t, append),
                _ => self.write_unknown(path, "written by `cat` of a file that cannot be read"),
            },
            Stdin::Computed(p) if p.is_empty() => {
                if !append {
                    self.write_known(path, "", false);
                }
            }
            Stdin::Computed(p) => self.write_unknown(path, &format!("written by `{p}`")),
            _ => self.write_unknown(path, "written by a command"),
        }
    }

    /// `{ …; } > FILE`: the file the group prints into (emptied first by `>`).
    pub(super) fn group_output(
        &mut self,
        redirects: &[Redirect],
        scope: &Scope,
    ) -> Option<PathBuf> {
        let r = redirects
            .iter()
            .rfind(|r| (r.overwrites() || r.op == ">>") && r.fd.is_none_or(|f| f == 1))?;
        let t = r.target.lit()?;
        let path = scope::resolve(&t, scope.cwd.as_deref(), self.ctx.home.as_deref())?;
        if r.op != ">>" {
            self.write_known(path.clone(), "", false);
        }
        Some(path)
    }

    /// A command inside `{ …; } > FILE` without its own stdout redirection prints into
    /// the group's file.
    pub(super) fn capture_output(&mut self, words: &[Word], redirects: &[Redirect], stdin: &Stdin) {
        let Some(path) = self.capture.clone() else {
            return;
        };
        if words.is_empty()
            || redirects
                .iter()
                .any(|r| r.op.starts_with('>') && r.fd.is_none_or(|f| f == 1))
        {
            return;
        }
        self.record_output(path, words, stdin, true);
    }
}

/// What a command writes to stdout, as far as the analyser can tell: literal text
/// for `echo`/`printf`/`cat <<EOF`, paths for `find`, otherwise computed output.
pub(super) fn output_of(words: &[Word], stdin: &Stdin) -> Stdin {
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
            let names = runners::find_name_patterns(args);
            Stdin::Paths(runners::found_words(&roots, filtered, &names))
        }
        "jq" | "gojq" | "jaq" => {
            jq_null_input(args).unwrap_or_else(|| Stdin::Computed(prog.to_string()))
        }
        "pg_dump" | "pg_dumpall" | "mysqldump" | "mariadb-dump" | "python" | "python3"
        | "django-admin" | "manage.py" => {
            destructive_dump(&prog, args).unwrap_or_else(|| Stdin::Computed(prog.to_string()))
        }
        "redis-cli" | "valkey-cli" | "keydb-cli" => {
            let texts: Vec<String> = args.iter().map(|w| w.text()).collect();
            redis_key_listing(&texts)
                .map(|pattern| {
                    Stdin::Computed(format!("{}{pattern}", crate::model::invocation::REDIS_KEYS))
                })
                .unwrap_or_else(|| Stdin::Computed(prog.to_string()))
        }
        other => Stdin::Computed(other.to_string()),
    }
}

/// The pattern a redis-cli command lists the keys of: `KEYS PATTERN`, or `--scan`
/// with its `--pattern` (every key without one).
pub(super) fn redis_key_listing(texts: &[String]) -> Option<String> {
    if let Some(i) = texts.iter().position(|t| t == "--scan") {
        let pattern = texts
            .iter()
            .skip(i)
            .position(|t| t == "--pattern" || t == "--quoted-pattern")
            .and_then(|j| texts.get(i + j + 1))
            .cloned();
        return Some(pattern.unwrap_or_else(|| "*".into()));
    }
    let i = texts.iter().position(|t| t.eq_ignore_ascii_case("keys"))?;
    // An option's value named `keys` (`-a keys`) is not the command.
    let after_opt = i > 0 && texts[i - 1].starts_with('-') && texts[i - 1].len() == 2;
    (!after_opt).then(|| texts.get(i + 1).cloned().unwrap_or_else(|| "*".into()))
}

/// SQL generators whose output drops or empties what it is fed to: `pg_dump --clean`
/// (and `pg_dumpall --clean`) starts with a DROP of every object it dumps, Django's
/// `sqlflush` prints the statements that empty every table, and `mysqldump` drops each
/// table before it recreates it unless told not to. Their output, piped into a
/// client (`pg_dump -c prod | psql staging`), reads as a statement that says so.
fn destructive_dump(prog: &str, args: &[Word]) -> Option<Stdin> {
    let texts: Vec<String> = args.iter().map(|w| w.text()).collect();
    let has = |f: &str| texts.iter().any(|t| t == f);
    let text = match prog {
        "pg_dump" | "pg_dumpall" => {
            let to_file = texts.iter().any(|t| {
                t == "-f" || t.starts_with("--file") || t.starts_with("-f") && t.len() > 2
            });
            // `-c` alone or among other flags that take no value (`-cC`, `-Oxc`);
            // not `-Fc` (the custom format) or `-Ucarol`.
            let clean = has("--clean")
                || texts.iter().any(|t| {
                    t.strip_prefix('-').is_some_and(|f| {
                        !f.starts_with('-')
                            && f.contains('c')
                            && f.chars().all(|c| "abcCOsvwWxg".contains(c))
                    })
                });
            if to_file || !clean {
                return None;
            }
            format!("DROP SCHEMA IF EXISTS \"every object {prog} --clean dumps\" CASCADE;\n")
        }
        // `--opt`, on by default, adds `DROP TABLE IF EXISTS` before each table.
        "mysqldump" | "mariadb-dump" => {
            let to_file = texts.iter().any(|t| {
                t == "-r" || t.starts_with("--result-file") || t.starts_with("-r") && t.len() > 2
            });
            let no_drop = has("--skip-add-drop-table")
                || has("--skip-opt") && !has("--add-drop-table")
                || has("--no-create-info")
                || has("-t")
                || texts
                    .iter()
                    .any(|t| t.starts_with("--tab") || t == "-T" || t == "--xml" || t == "-X");
            if to_file || no_drop {
                return None;
            }
            let what = if has("--add-drop-database") {
                "DROP DATABASE IF EXISTS \"every database mysqldump dumps\";\n"
            } else {
                "DROP TABLE IF EXISTS \"every table mysqldump dumps\";\n"
            };
            what.to_string()
        }
        _ => {
            if !has("sqlflush") {
                return None;
            }
            "DELETE FROM \"every table manage.py sqlflush names\";\n".to_string()
        }
    };
    Some(Stdin::Text {
        text,
        dynamic: false,
    })
}

/// `jq -n '{query: $q}' --arg q 'mutation …'`: a filter that only builds a value
/// prints that value. Object keys written bare are quoted and `$name` takes the
/// `--arg`/`--argjson` value, so a request body built this way reads as JSON.
fn jq_null_input(args: &[Word]) -> Option<Stdin> {
    let mut null_input = false;
    let mut filter: Option<&Word> = None;
    let mut vars: Vec<(String, String)> = Vec::new();
    let mut dynamic = false;
    let mut i = 0;
    while i < args.len() {
        let t = args[i].text();
        match t.as_str() {
            "-n" | "--null-input" => null_input = true,
            "--arg" | "--argjson" => {
                let (name, value) = (args.get(i + 1)?, args.get(i + 2)?);
                dynamic |= value.is_dynamic();
                let v = if t == "--arg" {
                    serde_json::Value::String(value.text()).to_string()
                } else {
                    value.text()
                };
                vars.push((name.text(), v));
                i += 2;
            }
            f if f.starts_with('-') && f.len() > 1 => {
                if f.trim_start_matches('-').contains('n') && !f.starts_with("--") {
                    null_input = true;
                }
            }
            _ if filter.is_none() => filter = Some(&args[i]),
            _ => return None,
        }
        i += 1;
    }
    let filter = filter?;
    if !null_input {
        return None;
    }
    dynamic |= filter.is_dynamic();
    let src: Vec<char> = filter.text().chars().collect();
    let mut out = String::new();
    let mut k = 0;
    while k < src.len() {
        let c = src[k];
        if c == '"' {
            out.push(c);
            k += 1;
            while k < src.len() {
                out.push(src[k]);
                if src[k] == '\\' && k + 1 < src.len() {
                    out.push(src[k + 1]);
                    k += 2;
                    continue;
                }
                k += 1;
                if src[k - 1] == '"' {
                    break;
                }
            }
        } else if c == '$' || c.is_ascii_alphabetic() || c == '_' {
            let start = k;
            k += 1;
            while k < src.len() && (src[k].is_ascii_alphanumeric() || src[k] == '_') {
                k += 1;
            }
            let word: String = src[start..k].iter().collect();
            let mut j = k;
            while j < src.len() && src[j].is_whitespace() {
                j += 1;
            }
            if let Some(name) = word.strip_prefix('$') {
                match vars.iter().find(|(n, _)| n == name) {
                    Some((_, v)) => out.push_str(v),
                    None => {
                        dynamic = true;
                        out.push_str("\"__unknown__\"");
                    }
                }
            } else if src.get(j) == Some(&':') {
                out.push('"');
                out.push_str(&word);
                out.push('"');
            } else {
                out.push_str(&word);
            }
        } else {
            out.push(c);
            k += 1;
        }
    }
    out.push('\n');
    Some(Stdin::Text { text: out, dynamic })
}

/// A small `printf`: `%s` and `%b` take the arguments in turn, escapes are decoded.
pub(super) fn printf_format(fmt: &str, args: &[Word]) -> String {
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

/// `/dev/tcp/HOST/PORT` (or `/dev/udp/…`): the host and port.
fn socket_path(t: &str) -> Option<(String, String)> {
    let rest = t
        .strip_prefix("/dev/tcp/")
        .or_else(|| t.strip_prefix("/dev/udp/"))?;
    let (host, port) = rest.split_once('/')?;
    (!host.is_empty() && !port.is_empty()).then(|| (host.to_string(), port.to_string()))
}
