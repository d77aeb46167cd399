//! Taskfile.yml (go-task): `tasks: NAME: {cmds: […], deps: […]}`, where a command is a
//! string, `{cmd: …}` or `{task: OTHER}`, and a task may be just a string or a list.
//! Each command runs in its own `sh` (go-task's interpreter reads POSIX shell).

use super::yaml::{self, Node, NodeKind};
use super::Problem;
use std::collections::HashMap;

/// One step of a task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Shell(String),
    Task(String),
}

#[derive(Debug, Clone, Default)]
pub struct Task {
    pub deps: Vec<String>,
    pub steps: Vec<Step>,
    /// `dir:` of the task, relative to the Taskfile's directory.
    pub dir: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Taskfile {
    pub tasks: HashMap<String, Task>,
    /// `vars:` with a literal string value (`{{.NAME}}` in commands).
    pub vars: HashMap<String, String>,
    /// `includes:`: tasks may come from other files.
    pub includes: bool,
}

pub fn parse(text: &str) -> Result<Taskfile, Problem> {
    let docs = yaml::parse(text)?;
    let mut out = Taskfile::default();
    let Some(root) = docs.first() else {
        return Ok(out);
    };
    out.includes = root.get("includes").is_some();
    if let Some(vars) = root.get("vars") {
        for (k, v) in entries(vars) {
            if let (Some(k), Some(v)) = (k.as_str(), v.as_str()) {
                out.vars.insert(k.to_string(), v.to_string());
            }
        }
    }
    let Some(tasks) = root.get("tasks") else {
        return Ok(out);
    };
    for (k, v) in entries(tasks) {
        let Some(name) = k.as_str() else { continue };
        let mut task = Task::default();
        match &v.kind {
            NodeKind::Scalar { .. } => task.steps.extend(v.as_str().map(|s| Step::Shell(s.into()))),
            NodeKind::Seq(items) => task.steps.extend(items.iter().filter_map(|i| step(i))),
            NodeKind::Map { .. } => {
                if let Some(NodeKind::Seq(items)) = v.get("cmds").map(|c| &c.kind) {
                    task.steps.extend(items.iter().filter_map(|i| step(i)));
                }
                if let Some(c) = v.get_str("cmd") {
                    task.steps.push(Step::Shell(c.to_string()));
                }
                if let Some(NodeKind::Seq(items)) = v.get("deps").map(|c| &c.kind) {
                    task.deps.extend(items.iter().filter_map(|i| {
                        i.as_str().or_else(|| i.get_str("task")).map(String::from)
                    }));
                }
                task.dir = v.get_str("dir").map(String::from);
            }
        }
        out.tasks.insert(name.to_string(), task);
    }
    Ok(out)
}

fn entries(n: &Node) -> Vec<(&Node, &Node)> {
    match &n.kind {
        NodeKind::Map { entries, .. } => entries.iter().map(|(k, v)| (&**k, &**v)).collect(),
        _ => Vec::new(),
    }
}

fn step(n: &Node) -> Option<Step> {
    if let Some(s) = n.as_str() {
        return Some(Step::Shell(s.to_string()));
    }
    if let Some(c) = n.get_str("cmd") {
        return Some(Step::Shell(c.to_string()));
    }
    n.get_str("task").map(|t| Step::Task(t.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tasks_with_steps_and_deps() {
        let t = parse(
            "version: '3'\nvars:\n  OUT: build\ntasks:\n  clean:\n    deps: [fmt]\n    cmds:\n      - rm -rf {{.OUT}}\n      - task: fmt\n      - cmd: echo done\n  fmt: go fmt ./...\n",
        )
        .unwrap();
        let clean = &t.tasks["clean"];
        assert_eq!(clean.deps, vec!["fmt"]);
        assert_eq!(
            clean.steps,
            vec![
                Step::Shell("rm -rf {{.OUT}}".into()),
                Step::Task("fmt".into()),
                Step::Shell("echo done".into())
            ]
        );
        assert_eq!(
            t.tasks["fmt"].steps,
            vec![Step::Shell("go fmt ./...".into())]
        );
        assert_eq!(t.vars["OUT"], "build");
    }
}
