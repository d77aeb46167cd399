//! Dockerfiles: every `RUN` (and `ONBUILD RUN`) in shell form, exec form (`["sh",
//! "-c", "…"]` or a plain argv) and heredoc form, with line continuations (and the
//! `# escape=` directive) resolved. Each runs inside the image being built, in the
//! stage's `WORKDIR`. A `SHELL` that is not a POSIX shell turns the shell form off.

use super::shell::is_posix_shell;
use super::{json_string, Command, Cwd, Extracted, Mapped, Problem};
pub use crate::specs::tasks::split_lines;

const INSTRUCTIONS: &[&str] = &[
    "ADD",
    "ARG",
    "CMD",
    "COPY",
    "ENTRYPOINT",
    "ENV",
    "EXPOSE",
    "FROM",
    "HEALTHCHECK",
    "LABEL",
    "MAINTAINER",
    "ONBUILD",
    "RUN",
    "SHELL",
    "STOPSIGNAL",
    "USER",
    "VOLUME",
    "WORKDIR",
];

struct Stage {
    workdir: Cwd,
    posix_shell: bool,
}

impl Stage {
    fn new() -> Stage {
        Stage {
            workdir: Cwd::Absolute("/".into()),
            posix_shell: true,
        }
    }
}

pub fn extract(text: &str) -> Extracted {
    let mut out = Extracted::default();
    let lines: Vec<(usize, &str)> = split_lines(text);
    let escape = escape_directive(&lines);
    let mut stage = Stage::new();
    let mut i = 0;
    while i < lines.len() {
        let (off, line) = lines[i];
        let t = line.trim_start();
        if t.is_empty() || t.starts_with('#') {
            i += 1;
            continue;
        }
        let start = off + (line.len() - t.len());
        let (logical, next) = logical_line(&lines, i, start, escape);
        i = next;
        let (keyword, args) = split_word(&logical);
        let upper = keyword.text.to_ascii_uppercase();
        if !INSTRUCTIONS.contains(&upper.as_str()) {
            out.problems.push(Problem::at(
                keyword.origin(0),
                format!(
                    "unknown Dockerfile instruction `{}`; this line is skipped",
                    keyword.text.chars().take(40).collect::<String>()
                ),
            ));
            continue;
        }
        // Heredoc bodies follow the instruction (RUN, COPY, ADD, ONBUILD …).
        let markers = heredoc_markers(&args.text);
        let mut bodies = Vec::new();
        for (word, strip_tabs) in &markers {
            match read_heredoc(&lines, i, word, *strip_tabs) {
                Some((body, terminator, next)) => {
                    bodies.push((body, terminator));
                    i = next;
                }
                None => {
                    out.problems.push(Problem::at(
                        keyword.origin(0),
                        format!(
                            "heredoc `<<{word}` is not terminated; the rest of the file is skipped"
                        ),
                    ));
                    return out;
                }
            }
        }
        match upper.as_str() {
            "FROM" => stage = Stage::new(),
            "WORKDIR" => stage.workdir = workdir(&stage.workdir, args.text.trim()),
            "SHELL" => match exec_form(&args) {
                Some(argv) => {
                    stage.posix_shell = argv.first().is_some_and(|a| is_posix_shell(&a.text))
                }
                None => out.problems.push(Problem::at(
                    keyword.origin(0),
                    "SHELL needs a JSON array such as [\"/bin/bash\", \"-c\"]",
                )),
            },
            "RUN" => run(&args, &bodies, &stage, &mut out),
            "ONBUILD" => {
                let (inner, inner_args) = split_word(&args);
                if inner.text.eq_ignore_ascii_case("RUN") {
                    run(&inner_args, &bodies, &stage, &mut out);
                }
            }
            _ => {}
        }
    }
    out
}

fn run(args: &Mapped, bodies: &[(Mapped, Mapped)], stage: &Stage, out: &mut Extracted) {
    let args = strip_flags(args);
    let trimmed = args.text.trim_start();
    let mut cmd = if trimmed.starts_with('[') {
        match exec_form(&args) {
            Some(argv) => match exec_script(argv) {
                Some(m) => m,
                None => return,
            },
            // Not valid JSON: Docker runs it in shell form.
            None => shell_form(&args, bodies),
        }
    } else {
        if !stage.posix_shell {
            return;
        }
        shell_form(&args, bodies)
    };
    if cmd.text.trim().is_empty() {
        return;
    }
    cmd = trim_mapped(&cmd);
    let mut c = Command::new(cmd, stage.workdir.clone());
    c.container_build = true;
    out.commands.push(c);
}

/// `RUN <<EOF` alone runs the heredoc as the script; otherwise the heredocs feed the
/// command as they would in a shell.
fn shell_form(args: &Mapped, bodies: &[(Mapped, Mapped)]) -> Mapped {
    let only_heredoc =
        !bodies.is_empty() && args.text.split_whitespace().all(|w| w.starts_with("<<"));
    if only_heredoc {
        let body = &bodies[0].0;
        if body.text.starts_with("#!") && !super::shell::is_shell_shebang(body.text.as_bytes()) {
            return Mapped::new();
        }
        return body.clone();
    }
    let mut m = args.clone();
    for (body, terminator) in bodies {
        m.push_synth(args.origin(args.len()), "\n");
        m.append(body);
        m.append(terminator);
    }
    m
}

/// From an exec-form argv to the shell text to judge: the script of `sh -c SCRIPT`,
/// or the argv quoted as one command.
fn exec_script(argv: Vec<Mapped>) -> Option<Mapped> {
    let first = argv.first()?;
    if is_posix_shell(&first.text) {
        let c = argv.iter().skip(1).position(|a| {
            a.text.starts_with('-') && !a.text.starts_with("--") && a.text.contains('c')
        });
        if let Some(c) = c {
            return argv.get(c + 2).cloned();
        }
    }
    let mut m = Mapped::new();
    for (n, a) in argv.iter().enumerate() {
        if n > 0 {
            m.push_synth(a.origin(0), " ");
        }
        m.push_synth(a.origin(0), &shell_words::quote(&a.text));
    }
    Some(m)
}

/// A JSON array of strings, each mapped to where it is written.
fn exec_form(args: &Mapped) -> Option<Vec<Mapped>> {
    let t = &args.text;
    let mut i = t.find('[')? + 1;
    let mut out = Vec::new();
    let skip_ws = |i: &mut usize| {
        while t[*i..].starts_with(|c: char| c.is_whitespace()) {
            *i += t[*i..].chars().next().map_or(1, char::len_utf8);
        }
    };
    loop {
        skip_ws(&mut i);
        if t[i..].starts_with(']') && out.is_empty() {
            i += 1;
            break;
        }
        let (s, next) = json_string(t, i, &|k| args.origin(k))?;
        out.push(s);
        i = next;
        skip_ws(&mut i);
        if t[i..].starts_with(',') {
            i += 1;
            continue;
        }
        if t[i..].starts_with(']') {
            i += 1;
            break;
        }
        return None;
    }
    t[i..].trim().is_empty().then_some(out)
}

/// Drop `--mount=…`, `--network=…`, `--security=…` and the like.
fn strip_flags(args: &Mapped) -> Mapped {
    let mut rest = args.clone();
    loop {
        let lead = rest.text.len() - rest.text.trim_start().len();
        if !rest.text[lead..].starts_with("--") {
            return rest;
        }
        let end = rest.text[lead..]
            .find(char::is_whitespace)
            .map_or(rest.text.len(), |e| lead + e);
        rest = rest.slice(end, rest.text.len());
    }
}

fn trim_mapped(m: &Mapped) -> Mapped {
    let start = m.text.len() - m.text.trim_start().len();
    let end = m.text.trim_end().len();
    m.slice(start, end.max(start))
}

/// The first word of an instruction and the rest after the whitespace that follows.
fn split_word(m: &Mapped) -> (Mapped, Mapped) {
    let t = &m.text;
    let lead = t.len() - t.trim_start().len();
    let end = t[lead..]
        .find(char::is_whitespace)
        .map_or(t.len(), |e| lead + e);
    let rest_start = end + (t[end..].len() - t[end..].trim_start().len());
    (m.slice(lead, end), m.slice(rest_start, t.len()))
}

fn workdir(current: &Cwd, dir: &str) -> Cwd {
    if dir.contains('$') {
        return Cwd::Unknown;
    }
    if dir.starts_with('/') {
        return Cwd::Absolute(dir.to_string());
    }
    match current {
        Cwd::Absolute(b) => Cwd::Absolute(format!("{}/{}", b.trim_end_matches('/'), dir)),
        _ => Cwd::Unknown,
    }
}

/// `# escape=\`` among the parser directives at the top of the file.
fn escape_directive(lines: &[(usize, &str)]) -> char {
    for (_, l) in lines {
        let Some(d) = l.trim().strip_prefix('#') else {
            break;
        };
        let Some((k, v)) = d.split_once('=') else {
            break;
        };
        if k.trim().eq_ignore_ascii_case("escape") {
            return match v.trim() {
                "`" => '`',
                _ => '\\',
            };
        }
    }
    '\\'
}

/// Join an instruction's continuation lines; comment lines inside are dropped, as
/// Docker does. Returns the joined text and the index of the next line.
fn logical_line(
    lines: &[(usize, &str)],
    mut i: usize,
    start: usize,
    escape: char,
) -> (Mapped, usize) {
    let mut m = Mapped::new();
    let (off, line) = lines[i];
    let mut cur = &line[start - off..];
    let mut cur_off = start;
    loop {
        i += 1;
        let body = cur.trim_end();
        match body.strip_suffix(escape) {
            Some(head) => {
                m.push_src(cur_off, head);
                while i < lines.len() && {
                    let t = lines[i].1.trim_start();
                    t.starts_with('#') || t.is_empty()
                } {
                    i += 1;
                }
                let Some(&(o, l)) = lines.get(i) else {
                    return (m, i);
                };
                cur = l;
                cur_off = o;
            }
            None => {
                m.push_src(cur_off, cur);
                return (m, i);
            }
        }
    }
}

/// Heredoc words in an instruction: `<<EOF`, `<<-EOF`, `<<"EOF"`, `<<'EOF'`.
fn heredoc_markers(args: &str) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let mut rest = args;
    while let Some(p) = rest.find("<<") {
        let mut after = &rest[p + 2..];
        if after.starts_with('<') {
            // A here-string `<<<`.
            rest = after.trim_start_matches('<');
            continue;
        }
        let strip_tabs = after.starts_with('-');
        if strip_tabs {
            after = &after[1..];
        }
        let unquoted = after.trim_start_matches(['"', '\'']);
        let word: String = unquoted
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !word.is_empty() {
            out.push((word, strip_tabs));
        }
        rest = unquoted;
    }
    out
}

/// The body of a heredoc starting at line `i`, its terminator line, and the next line.
fn read_heredoc(
    lines: &[(usize, &str)],
    i: usize,
    word: &str,
    strip_tabs: bool,
) -> Option<(Mapped, Mapped, usize)> {
    let mut body = Mapped::new();
    for (k, &(off, l)) in lines.iter().enumerate().skip(i) {
        let cmp = if strip_tabs {
            l.trim_start_matches('\t')
        } else {
            l
        };
        if cmp == word {
            let mut term = Mapped::new();
            term.push_src(off, l);
            return Some((body, term, k + 1));
        }
        body.push_src(off, l);
        body.push_src(off + l.len(), "\n");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(ex: &Extracted) -> Vec<&str> {
        ex.commands.iter().map(|c| c.text.text.as_str()).collect()
    }

    #[test]
    fn run_forms() {
        let df = "\
# syntax=docker/dockerfile:1
FROM debian
WORKDIR /app
RUN apt-get update && \\
    # a comment inside
    apt-get install -y curl \\
 && rm -rf /var/lib/apt/lists/*
RUN [\"/bin/sh\", \"-c\", \"rm -rf /tmp/x\"]
RUN [\"rm\", \"-rf\", \"/opt/y z\"]
RUN --mount=type=cache,target=/root/.cache pip install x
RUN <<EOF
set -e
rm -rf /srv
EOF
COPY <<EOT /etc/x
RUN not a command
EOT
run echo lower
";
        let ex = extract(df);
        assert!(ex.problems.is_empty(), "{:?}", ex.problems);
        assert_eq!(
            texts(&ex),
            vec![
                "apt-get update &&     apt-get install -y curl  && rm -rf /var/lib/apt/lists/*",
                "rm -rf /tmp/x",
                "rm -rf '/opt/y z'",
                "pip install x",
                "set -e\nrm -rf /srv",
                "echo lower",
            ]
        );
        let c = &ex.commands[0];
        assert!(c.container_build);
        assert_eq!(c.cwd, Cwd::Absolute("/app".into()));
        let rm = c.text.text.find("rm -rf").unwrap();
        assert_eq!(c.text.origin(rm), df.find("rm -rf /var").unwrap());
        let e = &ex.commands[1].text;
        assert_eq!(e.origin(0), df.find("rm -rf /tmp").unwrap());
        let h = &ex.commands[4].text;
        assert_eq!(
            h.origin(h.text.find("rm").unwrap()),
            df.find("rm -rf /srv").unwrap()
        );
    }

    #[test]
    fn malformed_files_are_reported() {
        let ex = extract("FROM x\nRUNN echo\nRUN echo ok\n");
        assert_eq!(texts(&ex), vec!["echo ok"]);
        assert_eq!(ex.problems.len(), 1);
        assert!(ex.problems[0]
            .message
            .contains("unknown Dockerfile instruction `RUNN`"));
        let ex = extract("FROM x\nRUN <<EOF\necho\n");
        assert_eq!(ex.problems.len(), 1);
        assert!(ex.problems[0].message.contains("not terminated"));
    }

    #[test]
    fn escape_directive_and_shell() {
        let ex = extract(
            "# escape=`\nFROM x\nRUN a `\n  b\nSHELL [\"pwsh\", \"-c\"]\nRUN Remove-Item x\n",
        );
        assert_eq!(texts(&ex), vec!["a   b"]);
    }
}
