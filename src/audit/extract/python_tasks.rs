//! pyproject.toml task tables (poe, pdm, hatch, rye, taskipy) and tox.ini `commands`:
//! each command a task runs, read by the shared reader
//! ([`crate::specs::tasks::python`], which the walker also uses for `poe X`, `tox -e X`).
//! The TOML and INI readers keep no offsets, so each command is placed where its text
//! first occurs in the file.

use super::{Command, Cwd, Extracted};
use crate::specs::tasks::python::{self as py, Step, Table};
use crate::specs::tasks::Mapped;

/// The command, mapped to where its text is in the file: exactly when the file holds
/// it verbatim (most commands), else at the place its first line is.
fn command(text: &str, code: &str) -> Command {
    let m = match text.find(code) {
        Some(at) => Mapped::verbatim(text, at, at + code.len()),
        None => {
            let at = code
                .lines()
                .next()
                .and_then(|l| text.find(l.trim()))
                .unwrap_or(0);
            let mut m = Mapped::new();
            m.push_synth(at, code);
            m
        }
    };
    Command::new(m, Cwd::FileDir)
}

pub fn extract_pyproject(text: &str) -> Extracted {
    let mut out = Extracted::default();
    let mut codes: Vec<String> = Vec::new();
    for table in [
        Table::Poe,
        Table::Pdm,
        Table::Hatch,
        Table::Rye,
        Table::Taskipy,
    ] {
        match py::pyproject_tasks(text, table) {
            Ok(Some(tasks)) => {
                let mut names: Vec<&String> = tasks.keys().collect();
                names.sort();
                for n in names {
                    for s in &tasks[n] {
                        if let Step::Shell(code) = s {
                            if !codes.contains(code) {
                                codes.push(code.clone());
                            }
                        }
                    }
                }
            }
            Ok(None) => {}
            Err(p) => {
                out.problems.push(p);
                break;
            }
        }
    }
    for code in codes {
        out.commands.push(command(text, &code));
    }
    out
}

pub fn extract_tox(text: &str) -> Extracted {
    let mut out = Extracted::default();
    let mut envs: Vec<String> = vec![String::new()];
    for line in text.lines() {
        let t = line.trim();
        if let Some(name) = t
            .strip_prefix("[testenv:")
            .and_then(|r| r.strip_suffix(']'))
        {
            envs.push(name.trim().to_string());
        }
    }
    let mut seen = std::collections::HashSet::new();
    for e in envs {
        for step in py::tox_commands(text, &e).into_iter().flatten() {
            if let Step::Shell(code) = step {
                if seen.insert(code.clone()) {
                    out.commands.push(command(text, code.trim()));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_and_environments() {
        let text = "[tool.poe.tasks]\nclean = \"rm -rf build\"\nwipe = { shell = \"rm -rf ~\" }\n[tool.pdm.scripts]\nstart = \"flask run\"\n";
        let ex = extract_pyproject(text);
        let texts: Vec<&str> = ex.commands.iter().map(|c| c.text.text.as_str()).collect();
        assert_eq!(texts, vec!["rm -rf build", "rm -rf ~", "flask run"]);
        let twice =
            extract_pyproject("[tool.poe.tasks]\na = \"x\"\n[tool.pdm.scripts]\na = \"x\"\n");
        assert_eq!(twice.commands.len(), 1);
        assert_eq!(
            ex.commands[1].text.origin(0),
            text.find("rm -rf ~").unwrap()
        );
        assert_eq!(extract_pyproject("[tool.poe").problems.len(), 1);
        let ini = "[tox]\n[testenv]\ncommands = pytest\n[testenv:wipe]\ncommands = rm -rf /srv\n";
        let ex = extract_tox(ini);
        let texts: Vec<&str> = ex.commands.iter().map(|c| c.text.text.as_str()).collect();
        assert_eq!(texts, vec!["pytest", "rm -rf /srv"]);
    }
}
