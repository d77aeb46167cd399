//! GitHub Actions workflows and composite actions: every `run:` step whose shell is
//! bash or sh (from the step's `shell:`, the job's or the workflow's
//! `defaults.run.shell`, or the runner's default), run in its `working-directory`.

use super::shell::is_posix_shell;
use super::yaml::{self, Node};
use super::{join_cwd, mask_templates, Command, Cwd, Extracted, Problem};

#[derive(Clone, Copy, Default)]
struct Defaults<'a> {
    shell: Option<&'a str>,
    dir: Option<&'a str>,
}

impl<'a> Defaults<'a> {
    /// `defaults.run` of a workflow or job, over the outer defaults.
    fn inner(self, node: &'a Node) -> Defaults<'a> {
        let run = node.get("defaults").and_then(|d| d.get("run"));
        Defaults {
            shell: run.and_then(|r| r.get_str("shell")).or(self.shell),
            dir: run
                .and_then(|r| r.get_str("working-directory"))
                .or(self.dir),
        }
    }
}

pub fn extract(text: &str) -> Extracted {
    let mut out = Extracted::default();
    let docs = match yaml::parse(text) {
        Ok(d) => d,
        Err(p) => {
            out.problems.push(p);
            return out;
        }
    };
    for doc in &docs {
        let top = Defaults::default().inner(doc);
        for (_, job) in doc.get("jobs").map_or(&[][..], |j| j.entries()) {
            let defaults = top.inner(job);
            let windows = job.get("runs-on").is_some_and(|r| names_windows(r));
            for step in job.get("steps").map_or(&[][..], |s| s.items()) {
                step_command(text, step, defaults, windows, &mut out);
            }
        }
        // A composite action: `runs: {using: composite, steps: [...]}`.
        if let Some(runs) = doc.get("runs") {
            if runs.get_str("using") == Some("composite") {
                for step in runs.get("steps").map_or(&[][..], |s| s.items()) {
                    step_command(text, step, Defaults::default(), false, &mut out);
                }
            }
        }
    }
    out
}

fn step_command(file: &str, step: &Node, defaults: Defaults, windows: bool, out: &mut Extracted) {
    let Some(run) = step.get("run") else {
        return;
    };
    if !run.is_scalar() {
        out.problems.push(Problem::at(
            run.start,
            "`run:` is not a string; step skipped",
        ));
        return;
    }
    let shell = step.get_str("shell").or(defaults.shell);
    match shell {
        // An expression picks the shell at run time: read it as bash.
        Some(s) if s.contains("${{") => {}
        Some(s) if !is_posix_shell(s) => return,
        // Windows runners default to PowerShell.
        None if windows => return,
        _ => {}
    }
    let Some(text) = yaml::scalar_text(file, run) else {
        return;
    };
    let cwd = match step.get_str("working-directory").or(defaults.dir) {
        Some(d) => join_cwd(&Cwd::Repo(String::new()), d),
        None => Cwd::Repo(String::new()),
    };
    let mut cmd = Command::new(text, cwd);
    mask_templates(&mut cmd, "${{", "}}");
    out.commands.push(cmd);
}

fn names_windows(runs_on: &Node) -> bool {
    let is_win = |n: &Node| {
        n.as_str()
            .is_some_and(|s| s.to_ascii_lowercase().contains("windows"))
    };
    is_win(runs_on)
        || runs_on.items().iter().any(|n| is_win(n))
        || runs_on
            .get("labels")
            .is_some_and(|l| is_win(l) || l.items().iter().any(|n| is_win(n)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_steps_with_shells_and_directories() {
        let wf = "\
on: push
defaults:
  run:
    working-directory: app
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: make
      - name: py
        shell: python
        run: print(1)
      - run: |
          rm -rf build
        working-directory: web
  win:
    runs-on: windows-latest
    steps:
      - run: Remove-Item x
      - run: ls
        shell: bash
";
        let ex = extract(wf);
        assert!(ex.problems.is_empty());
        let got: Vec<(&str, &Cwd)> = ex
            .commands
            .iter()
            .map(|c| (c.text.text.as_str(), &c.cwd))
            .collect();
        assert_eq!(
            got,
            vec![
                ("make", &Cwd::Repo("app".into())),
                ("rm -rf build\n", &Cwd::Repo("web".into())),
                ("ls", &Cwd::Repo("app".into())),
            ]
        );
        let rm = &ex.commands[1];
        assert_eq!(rm.text.origin(0), wf.find("rm -rf").unwrap());
    }
}
