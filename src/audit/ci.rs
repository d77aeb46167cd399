//! The CI shell's analysis: judge a script a CI runner hands to its shell, place each
//! would-be stop (in the workflow file when the script is a GitHub `run:` step, in the
//! job script for GitLab), and format the annotation lines for the job log.

use super::extract::{github, Command};
use super::position::{LineIndex, Mapped};
use crate::engine::{Context, Decision, Engine};
use crate::render::visible;
use std::path::Path;

/// A would-be stop in a CI script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stop {
    /// The file the position refers to (a workflow path relative to the workspace), or
    /// `None` when it is a line of the script itself.
    pub file: Option<String>,
    pub line: usize,
    pub column: usize,
    pub end_column: usize,
    pub rule: String,
    pub decision: Decision,
    pub message: String,
    pub snippet: String,
}

/// Where GitHub's script came from, when it can be told.
pub struct GithubStep {
    /// The workflow path relative to the workspace.
    pub file: String,
    pub text: String,
}

impl GithubStep {
    /// The workflow this job runs, from `GITHUB_WORKFLOW_REF`
    /// (`owner/repo/.github/workflows/ci.yml@refs/heads/main`) under `GITHUB_WORKSPACE`.
    pub fn from_env(workspace: &Path, workflow_ref: &str) -> Option<GithubStep> {
        let path = workflow_ref.split('@').next()?;
        let rel = path.splitn(3, '/').nth(2)?;
        if rel.split('/').any(|p| p == "..") {
            return None;
        }
        let text = std::fs::read_to_string(workspace.join(rel)).ok()?;
        Some(GithubStep {
            file: rel.to_string(),
            text,
        })
    }
}

/// Judge a script run by the CI shell. `github` is the workflow it came from, if known:
/// stops in a `run:` step found there are placed in the workflow file.
pub fn analyse(
    engine: &Engine,
    ctx: &Context,
    script: &str,
    github: Option<&GithubStep>,
) -> Vec<Stop> {
    let mut stops = Vec::new();
    let units = gitlab_units(script);
    for unit in &units {
        let verdict = engine.decide(&unit.text, ctx);
        let placed = github.and_then(|g| locate_in_workflow(&unit.text, g).map(|m| (g, m)));
        let ix = LineIndex::new(&unit.text);
        let (file_ix, file_text) = match &placed {
            Some((g, _)) => (Some(LineIndex::new(&g.text)), g.text.as_str()),
            None => (None, ""),
        };
        for f in verdict.findings {
            let snippet = unit.text.get(f.start..f.end).unwrap_or("").to_string();
            let (file, line, column, end_column) = match (&placed, &file_ix) {
                (Some((g, map)), Some(fix)) => {
                    let (a, b) = map.file_range(file_text, f.start, f.end);
                    let (l, c) = fix.locate(file_text, a);
                    let (el, ec) = fix.locate(file_text, b);
                    let end = if el == l { ec } else { c + 1 };
                    (Some(g.file.clone()), l, c, end)
                }
                _ => {
                    let (l, c) = ix.locate(&unit.text, f.start);
                    let (el, ec) = ix.locate(&unit.text, f.end.max(f.start + 1));
                    let end = if el == l { ec } else { c + 1 };
                    (None, l, c, end)
                }
            };
            stops.push(Stop {
                file,
                line,
                column,
                end_column,
                rule: f.rule.clone(),
                decision: f.decision,
                message: f.message(),
                snippet,
            });
        }
    }
    stops
}

/// The strictest decision among the stops.
pub fn worst(stops: &[Stop]) -> Decision {
    stops
        .iter()
        .map(|s| s.decision)
        .max()
        .unwrap_or(Decision::Allow)
}

/// One line for the job log. On GitHub Actions it is a workflow command
/// (`::warning file=…,line=…,col=…::…`) that shows as an annotation; elsewhere a plain
/// line. `refused` marks stops that kept the step from running (`--enforce`).
pub fn annotation(stop: &Stop, github_actions: bool, refused: bool) -> String {
    let verb = if refused { "stopped" } else { "would stop" };
    let snippet = short(&stop.snippet);
    let text = format!(
        "Interlock {verb} this ({} {}): {} in `{}`",
        stop.decision, stop.rule, stop.message, snippet
    );
    if github_actions {
        let mut props = Vec::new();
        if let Some(f) = &stop.file {
            props.push(format!("file={}", escape_property(f)));
        }
        props.push(format!("line={}", stop.line));
        props.push(format!("col={}", stop.column));
        props.push(format!("endColumn={}", stop.end_column));
        props.push(format!(
            "title={}",
            escape_property(&format!("Interlock: {}", stop.rule))
        ));
        let kind = if refused { "error" } else { "warning" };
        format!(
            "::{kind} {}::{}",
            props.join(","),
            escape_data(&visible(&text, false))
        )
    } else {
        let place = match &stop.file {
            Some(f) => format!("{f}:{}:{}", stop.line, stop.column),
            None => format!("script line {}:{}", stop.line, stop.column),
        };
        visible(&format!("interlock: {place}: {text}"), false)
    }
}

fn short(s: &str) -> String {
    let one_line = s.split('\n').next().unwrap_or("");
    let mut out: String = one_line.chars().take(120).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}

/// GitHub workflow command data: `%`, CR and LF are escaped.
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// A piece of a CI script to judge on its own.
struct Unit {
    text: String,
}

/// GitLab's runner wraps the job's script in `: | eval $'…'` (an ANSI-C quoted string)
/// inside a script of its own. The quoted script is decoded and judged as it is, so a
/// stop points at its line there; the wrapper is judged with the string blanked out.
/// Any other script is one unit.
fn gitlab_units(script: &str) -> Vec<Unit> {
    let mut inner = Vec::new();
    let mut outer = script.to_string();
    let mut search = 0;
    while let Some(rel) = script[search..].find("eval $'") {
        let start = search + rel;
        let line_start = script[..start].rfind('\n').map_or(0, |n| n + 1);
        let head = script[line_start..start].trim();
        if head != ": |" && head != ": | (" {
            search = start + 7;
            continue;
        }
        let lit = start + 5;
        match decode_ansi_c(script, lit) {
            Some((text, end)) => {
                inner.push(Unit { text });
                outer.replace_range(lit..end, &" ".repeat(end - lit));
                search = end;
            }
            None => break,
        }
    }
    let mut units = vec![Unit { text: outer }];
    units.extend(inner);
    units
}

/// Decode the `$'…'` string at byte `at`; returns the text and the offset past it.
fn decode_ansi_c(s: &str, at: usize) -> Option<(String, usize)> {
    let b = s.as_bytes();
    if b.get(at..at + 2)? != b"$'" {
        return None;
    }
    let mut out: Vec<u8> = Vec::new();
    let mut i = at + 2;
    while i < b.len() {
        match b[i] {
            b'\'' => return Some((String::from_utf8_lossy(&out).into_owned(), i + 1)),
            b'\\' => {
                let e = *b.get(i + 1)?;
                i += 2;
                let simple = match e {
                    b'a' => Some(7),
                    b'b' => Some(8),
                    b'e' | b'E' => Some(0x1b),
                    b'f' => Some(12),
                    b'n' => Some(b'\n'),
                    b'r' => Some(b'\r'),
                    b't' => Some(b'\t'),
                    b'v' => Some(11),
                    b'\\' | b'\'' | b'"' | b'?' => Some(e),
                    _ => None,
                };
                if let Some(c) = simple {
                    out.push(c);
                    continue;
                }
                let (radix, max) = match e {
                    b'x' => (16, 2),
                    b'u' => (16, 4),
                    b'U' => (16, 8),
                    b'0'..=b'7' => {
                        i -= 1;
                        (8, 3)
                    }
                    _ => {
                        out.extend_from_slice(&[b'\\', e]);
                        continue;
                    }
                };
                let digits: String = s[i..]
                    .chars()
                    .take(max)
                    .take_while(|c| c.is_digit(radix))
                    .collect();
                i += digits.len();
                let v = u32::from_str_radix(&digits, radix).unwrap_or(0);
                if e == b'x' || radix == 8 {
                    out.push((v & 0xff) as u8);
                } else {
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(
                        char::from_u32(v)
                            .unwrap_or('\u{fffd}')
                            .encode_utf8(&mut buf)
                            .as_bytes(),
                    );
                }
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    None
}

/// Find the `run:` step whose text GitHub wrote to the script file. Template
/// expressions were evaluated before the file was written, so they match any text.
/// Returns the script mapped onto the workflow file.
fn locate_in_workflow(script: &str, step: &GithubStep) -> Option<Mapped> {
    let ex = github::extract(&step.text);
    ex.commands.iter().find_map(|c| match_step(script, c))
}

fn match_step(script: &str, cmd: &Command) -> Option<Mapped> {
    // Split the step text at its template placeholders.
    let text = &cmd.text.text;
    let mut cuts: Vec<(usize, usize)> = Vec::new();
    for (ph, _) in &cmd.placeholders {
        if let Some(p) = text.find(ph.as_str()) {
            cuts.push((p, p + ph.len()));
        }
    }
    cuts.sort();
    let mut segments: Vec<(usize, usize)> = Vec::new();
    let mut at = 0;
    for (a, b) in &cuts {
        segments.push((at, *a));
        at = *b;
    }
    segments.push((at, text.len()));
    let script_t = script.trim_end();
    let mut map = Mapped::new();
    let mut pos = 0;
    let last = segments.len() - 1;
    for (n, &(a, b)) in segments.iter().enumerate() {
        let seg = &text[a..b];
        let seg = if n == last { seg.trim_end() } else { seg };
        let found = if n == 0 {
            script_t.starts_with(seg).then_some(0)
        } else if n == last {
            script_t
                .len()
                .checked_sub(seg.len())
                .filter(|s| *s >= pos && script_t.ends_with(seg))
        } else {
            script_t[pos..].find(seg).map(|p| pos + p)
        }?;
        if found > pos {
            // The evaluated expression before this segment.
            let expr_at = cmd
                .text
                .origin(cuts.get(n.wrapping_sub(1)).map_or(a, |c| c.0));
            map.push_synth(expr_at, &script_t[pos..found]);
        }
        for (k, ch) in seg.char_indices() {
            map.push_char_src(cmd.text.origin(a + k), ch);
        }
        pos = found + seg.len();
    }
    if pos != script_t.len() {
        return None;
    }
    let tail = &script[script_t.len()..];
    map.push_synth(cmd.text.origin(text.len()), tail);
    Some(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ansi_c_strings() {
        let s = "x $'a\\nb\\x41\\'c\\303\\251' y";
        let (t, end) = decode_ansi_c(s, 2).unwrap();
        assert_eq!(t, "a\nbA'cé");
        assert_eq!(&s[end..], " y");
    }

    #[test]
    fn gitlab_wrapper_is_unwrapped() {
        let s = "#!/usr/bin/env bash\nset +o noclobber\n: | eval $'echo $\\'\\\\x1b[32;1m$ rm -rf /home\\\\x1b[0;m\\'\\nrm -rf /home\\n'\nexit 0\n";
        let units = gitlab_units(s);
        assert_eq!(units.len(), 2);
        assert!(!units[0].text.contains("rm -rf"));
        assert_eq!(units[0].text.len(), s.len());
        assert_eq!(
            units[1].text,
            "echo $'\\x1b[32;1m$ rm -rf /home\\x1b[0;m'\nrm -rf /home\n"
        );
    }

    #[test]
    fn steps_match_with_expressions() {
        let wf = "jobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo hi\n      - run: |\n          cd ${{ inputs.dir }}\n          rm -rf /srv/data\n";
        let step = GithubStep {
            file: ".github/workflows/x.yml".into(),
            text: wf.into(),
        };
        let script = "cd some/where\nrm -rf /srv/data\n";
        let map = locate_in_workflow(script, &step).unwrap();
        let at = script.find("rm").unwrap();
        assert_eq!(map.origin(at), wf.find("rm -rf").unwrap());
        assert!(locate_in_workflow("echo other\n", &step).is_none());
    }

    #[test]
    fn annotations_escape_and_place() {
        let stop = Stop {
            file: Some("a,b.yml".into()),
            line: 3,
            column: 5,
            end_column: 9,
            rule: "fs.delete-critical".into(),
            decision: Decision::Deny,
            message: "100% gone\nreally".into(),
            snippet: "rm -rf /".into(),
        };
        let gh = annotation(&stop, true, false);
        assert_eq!(
            gh,
            "::warning file=a%2Cb.yml,line=3,col=5,endColumn=9,title=Interlock%3A fs.delete-critical::Interlock would stop this (deny fs.delete-critical): 100%25 gone\\nreally in `rm -rf /`"
        );
        let plain = annotation(&stop, false, true);
        assert!(plain.starts_with("interlock: a,b.yml:3:5: Interlock stopped this"));
    }
}
