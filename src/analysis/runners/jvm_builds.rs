//! JVM builds: `gradle TASK…` / `./gradlew TASK…` run the tasks their build scripts
//! define, and `mvn` runs plugin goals.
//!
//! Gradle: the build scripts (`build.gradle`, `build.gradle.kts`, and those of the
//! subprojects `settings.gradle` includes) are read; each task asked for (by its name,
//! a unique prefix or a camel-case abbreviation, as Gradle accepts them) and the tasks
//! it `dependsOn` are judged through the Gradle reading of `interp::compiled`
//! (`commandLine`, `delete`, process builders), and so is the script's code outside any
//! task (it runs whenever the build is configured; read leniently). A task no script
//! defines comes from a plugin: passed by name, except the plugins' own data-destroying
//! tasks (Flyway's `flywayClean`, Liquibase's `dropAll`), judged as the CLI command
//! they are. Maven: `flyway:clean` and `liquibase:dropAll`-style goals likewise.

use super::project::{task_cmd, ProjectFile};
use super::*;

/// Plugin tasks and goals that destroy data, as the CLI command each amounts to.
const DATA_GOALS: &[(&str, &str)] = &[
    ("flywayClean", "flyway clean"),
    ("flyway:clean", "flyway clean"),
    ("dropAll", "liquibase dropAll"),
    ("liquibase:dropAll", "liquibase dropAll"),
    ("liquibase:rollback", "liquibase rollback"),
    ("rollback", "liquibase rollback"),
];

/// Gradle options that take a value as the next word.
const GRADLE_VALUE_OPTS: &[&str] = &[
    "-p",
    "--project-dir",
    "-b",
    "--build-file",
    "-c",
    "--settings-file",
    "-x",
    "--exclude-task",
    "-I",
    "--init-script",
    "-g",
    "--gradle-user-home",
    "--console",
    "--warning-mode",
    "--max-workers",
    "--priority",
    "-D",
    "-P",
];

/// Arguments after which Gradle runs no task of the project.
const GRADLE_NOTHING_RUNS: &[&str] = &[
    "-m",
    "--dry-run",
    "-h",
    "-?",
    "--help",
    "-v",
    "--version",
    "--stop",
    "--status",
];

/// At most this many build scripts are read for one command.
const MAX_SCRIPTS: usize = 32;

/// A task a build script defines: its name and body.
struct Task {
    name: String,
    body: String,
}

impl Analyzer<'_> {
    /// `gradle …`, `gradlew …`: returns whether the build's tasks were judged here.
    pub(super) fn gradle(
        &mut self,
        args: &[Word],
        cmd: &Cmd,
        fr: &Frame,
        scope: &mut Scope,
    ) -> bool {
        let mut names: Vec<&Word> = Vec::new();
        let mut project_dir = cmd.cwd.clone();
        let mut i = 0;
        while i < args.len() {
            let t = args[i].text();
            if GRADLE_NOTHING_RUNS.contains(&t.as_str()) {
                return false;
            }
            if GRADLE_VALUE_OPTS.contains(&t.as_str()) {
                if matches!(t.as_str(), "-p" | "--project-dir") {
                    let Some(dir) = args.get(i + 1).and_then(Word::lit) else {
                        self.unknown_task(
                            args[i].span.clone(),
                            "the Gradle project directory is only known when it runs".into(),
                        );
                        return true;
                    };
                    project_dir = Some(match &cmd.cwd {
                        Some(c) => c.join(dir),
                        None => PathBuf::from(dir),
                    });
                }
                i += 2;
                continue;
            }
            if !t.starts_with('-') {
                names.push(&args[i]);
            }
            i += 1;
        }
        let span = names.first().map_or(cmd.span.clone(), |w| w.span.clone());
        let dir = project_dir.as_deref();
        let (root_path, root_text) =
            match self.project_file(dir, &["build.gradle.kts", "build.gradle"], false) {
                ProjectFile::Text(p, t) => (p, t),
                ProjectFile::Absent => return false,
                ProjectFile::Unreadable(why) => {
                    self.unknown_task(span, why);
                    return true;
                }
            };
        let mut scripts = vec![(root_path.clone(), root_text)];
        let root_dir = root_path.parent().map(Path::to_path_buf);
        if let ProjectFile::Text(_, settings) = self.project_file(
            root_dir.as_deref(),
            &["settings.gradle.kts", "settings.gradle"],
            false,
        ) {
            for sub in included_projects(&settings) {
                if scripts.len() >= MAX_SCRIPTS {
                    break;
                }
                let sub_dir = root_dir.as_ref().map(|d| d.join(&sub));
                if let ProjectFile::Text(p, t) = self.project_file(
                    sub_dir.as_deref(),
                    &["build.gradle.kts", "build.gradle"],
                    false,
                ) {
                    scripts.push((p, t));
                }
            }
        }
        self.note_program("gradle");
        let mut tasks = Vec::new();
        for (path, text) in &scripts {
            let (defined, outside) = read_tasks(text);
            // The configuration phase runs the code outside the tasks.
            let c = task_cmd(&span, path.parent().map(Path::to_path_buf));
            self.judge_code("gradle", &outside, &[], span.clone(), &c, fr, scope, true);
            tasks.extend(
                defined
                    .into_iter()
                    .map(|t| (path.parent().map(Path::to_path_buf), t)),
            );
        }
        let mut queue: Vec<String> = Vec::new();
        for n in &names {
            match n.lit() {
                // `:app:nuke` names the task in one subproject; any is read.
                Some(t) => queue.push(t.rsplit(':').next().unwrap_or(&t).to_string()),
                None => {
                    self.unknown_task(
                        n.span.clone(),
                        format!("the Gradle task `{}` is only known when it runs", n.text()),
                    );
                    return true;
                }
            }
        }
        let defined: Vec<&str> = tasks.iter().map(|(_, t)| t.name.as_str()).collect();
        let mut seen = std::collections::HashSet::new();
        while let Some(asked) = queue.pop() {
            if seen.len() > 256 || !seen.insert(asked.clone()) {
                continue;
            }
            let Some(name) = resolve(&asked, &defined) else {
                // A plugin's task: by name.
                let plugin: Vec<&str> = DATA_GOALS.iter().map(|(g, _)| *g).collect();
                if let Some(g) = resolve(&asked, &plugin) {
                    if let Some((_, cli)) = DATA_GOALS.iter().find(|(n, _)| *n == g) {
                        self.task_shell(cli, span.clone(), cmd.cwd.clone(), fr, scope);
                    }
                }
                continue;
            };
            for (dir, t) in tasks.iter().filter(|(_, t)| t.name == name) {
                queue.extend(depends_on(&t.body));
                let c = task_cmd(&span, dir.clone());
                self.judge_code("gradle", &t.body, &[], span.clone(), &c, fr, scope, false);
            }
        }
        true
    }

    /// `mvn …`: plugin goals that destroy data (`flyway:clean`), as their CLI command.
    pub(super) fn maven(
        &mut self,
        args: &[Word],
        cmd: &Cmd,
        fr: &Frame,
        scope: &mut Scope,
    ) -> bool {
        let mut judged = false;
        for w in args {
            let Some(t) = w.lit() else { continue };
            // `org.flywaydb:flyway-maven-plugin:10.0:clean` names the plugin in full.
            let short = match t.rsplit_once(':') {
                Some((plugin, goal)) if plugin.contains("flyway") => format!("flyway:{goal}"),
                Some((plugin, goal)) if plugin.contains("liquibase") => {
                    format!("liquibase:{goal}")
                }
                _ => continue,
            };
            if let Some((_, cli)) = DATA_GOALS.iter().find(|(g, _)| *g == short) {
                self.note_program("mvn");
                self.task_shell(cli, w.span.clone(), cmd.cwd.clone(), fr, scope);
                judged = true;
            }
        }
        judged
    }
}

/// A task name as Gradle resolves what was typed: exactly, else the one name it is a
/// prefix of, else the one name whose camel-case words it abbreviates (`fC` for
/// `flywayClean`).
fn resolve<'a>(asked: &str, names: &[&'a str]) -> Option<&'a str> {
    if let Some(n) = names.iter().find(|n| **n == asked) {
        return Some(n);
    }
    let prefixed: Vec<&&str> = names.iter().filter(|n| n.starts_with(asked)).collect();
    if let [one] = prefixed[..] {
        return Some(one);
    }
    let camel: Vec<&&str> = names.iter().filter(|n| abbreviates(asked, n)).collect();
    match camel[..] {
        [one] => Some(one),
        _ => None,
    }
}

/// `fC` abbreviates `flywayClean`: each upper-case-started piece of `asked` is a prefix
/// of the matching camel-case word of `name`.
fn abbreviates(asked: &str, name: &str) -> bool {
    fn words(s: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for c in s.chars() {
            if c.is_uppercase() || out.is_empty() {
                out.push(String::new());
            }
            if let Some(last) = out.last_mut() {
                last.push(c);
            }
        }
        out
    }
    let a = words(asked);
    let n = words(name);
    a.len() > 1 && a.len() <= n.len() && a.iter().zip(&n).all(|(x, y)| y.starts_with(x.as_str()))
}

/// The subprojects `include 'a', ':b:c'` / `include(":a")` names, as directories.
fn included_projects(settings: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in settings.lines() {
        let l = line.trim();
        let Some(rest) = l.strip_prefix("include") else {
            continue;
        };
        if !rest.starts_with([' ', '(']) {
            continue;
        }
        for q in ['\'', '"'] {
            for (i, part) in rest.split(q).enumerate() {
                if i % 2 == 1 {
                    let dir = part.trim_start_matches(':').replace(':', "/");
                    if !dir.is_empty() && !dir.contains("..") {
                        out.push(dir);
                    }
                }
            }
        }
    }
    out
}

/// The names in a task's `dependsOn` / `finalizedBy` (quoted, or a bare task name).
fn depends_on(body: &str) -> Vec<String> {
    let mut out = Vec::new();
    for key in ["dependsOn", "finalizedBy"] {
        for (at, _) in body.match_indices(key) {
            let rest = &body[at + key.len()..];
            let line = rest.split(['\n', ';', '}']).next().unwrap_or("");
            for part in line.split([',', '(', ')', ' ', '=', '[', ']']) {
                let p = part.trim().trim_matches(['\'', '"']);
                if !p.is_empty()
                    && p.chars()
                        .all(|c| c.is_alphanumeric() || c == '_' || c == ':')
                {
                    out.push(p.rsplit(':').next().unwrap_or(p).to_string());
                }
            }
        }
    }
    out
}

/// The tasks a build script defines, and its text with their bodies left out.
/// Groovy: `task NAME {…}`, `task NAME(type: T) {…}`, `task('NAME') {…}`; both:
/// `tasks.register("NAME") {…}` (`register<T>`, `create`, `named`); Kotlin: `val NAME
/// by tasks.registering {…}` (`creating`).
fn read_tasks(text: &str) -> (Vec<Task>, String) {
    let mut tasks = Vec::new();
    let mut outside = String::with_capacity(text.len());
    let mut at = 0;
    while at < text.len() {
        let rest = &text[at..];
        match task_start(rest, at == 0 || !text[..at].ends_with(is_ident)) {
            Some((name, open)) => match matching_brace(&rest[open..]) {
                Some(len) => {
                    tasks.push(Task {
                        name,
                        body: rest[open + 1..open + len].to_string(),
                    });
                    at += open + len + 1;
                }
                None => {
                    // Unbalanced: the rest is the task's body.
                    tasks.push(Task {
                        name,
                        body: rest[open..].to_string(),
                    });
                    break;
                }
            },
            None => {
                let c = rest.chars().next().unwrap_or(' ');
                outside.push(c);
                at += c.len_utf8();
            }
        }
        if tasks.len() > 1024 {
            break;
        }
    }
    (tasks, outside)
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '.'
}

/// A task definition starting at the beginning of `s`: its name and the offset of its
/// body's `{` (on the same statement, within a short distance).
fn task_start(s: &str, at_word_start: bool) -> Option<(String, usize)> {
    if !at_word_start {
        return None;
    }
    let name_and_after = if let Some(r) = s.strip_prefix("tasks.") {
        let verb_end = r.find(|c: char| !c.is_alphanumeric())?;
        if !matches!(&r[..verb_end], "register" | "create" | "named") {
            return None;
        }
        let q = r.find(['"', '\''])?;
        if q > verb_end + 64 {
            return None;
        }
        let inner = &r[q + 1..];
        let end = inner.find(['"', '\''])?;
        Some((inner[..end].to_string(), "tasks.".len() + q + 1 + end + 1))
    } else if let Some(r) = s.strip_prefix("task") {
        if r.starts_with(is_ident) {
            return None;
        }
        let r = r.trim_start_matches([' ', '(']);
        let r = r.trim_start_matches(['\'', '"']);
        let end = r.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))?;
        Some((r[..end].to_string(), s.len() - r.len() + end))
    } else if let Some(r) = s.strip_prefix("val ") {
        let end = r.find(|c: char| !(c.is_alphanumeric() || c == '_'))?;
        let after = r[end..].trim_start();
        if !(after.starts_with("by tasks.registering") || after.starts_with("by tasks.creating")) {
            return None;
        }
        Some((r[..end].to_string(), "val ".len() + end))
    } else {
        None
    }?;
    let (name, after) = name_and_after;
    if name.is_empty() {
        return None;
    }
    // The body's brace, before the statement ends (a line that ends in `,` or `(`
    // goes on).
    let tail = &s[after..];
    let mut line_start = 0;
    for (i, c) in tail.char_indices().take_while(|(i, _)| *i < 200) {
        match c {
            '{' => return Some((name, after + i)),
            ';' => return None,
            '\n' => {
                if !tail[line_start..i].trim_end().ends_with([',', '(']) {
                    return None;
                }
                line_start = i + 1;
            }
            _ => {}
        }
    }
    None
}

/// The length up to the `}` matching the `{` that `s` starts with (strings and
/// comments skipped).
fn matching_brace(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'{' => depth += 1,
            b'}' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i);
                }
            }
            q @ (b'"' | b'\'') => {
                i += 1;
                while i < b.len() && b[i] != q {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                    i += 1;
                }
                i += 1;
            }
            _ => {}
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tasks_are_found_in_groovy_and_kotlin() {
        let groovy = "plugins { id 'java' }\ntask nukeProd(type: Exec) {\n  commandLine 'rm', '-rf', '/srv/data'\n}\ntask('hello') { doLast { println 'hi' } }\ntasks.register('seed') {\n  dependsOn 'nukeProd'\n}\n";
        let (tasks, outside) = read_tasks(groovy);
        let names: Vec<&str> = tasks.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["nukeProd", "hello", "seed"]);
        assert!(tasks[0].body.contains("commandLine 'rm'"));
        assert!(outside.contains("plugins"));
        assert!(!outside.contains("commandLine"));
        assert_eq!(depends_on(&tasks[2].body), ["nukeProd"]);

        let kotlin = "tasks.register<Exec>(\"wipe\") {\n    commandLine(\"rm\", \"-rf\", \"/srv\")\n}\nval reset by tasks.registering {\n    doLast { delete(\"/var/lib/app\") }\n}\n";
        let (tasks, _) = read_tasks(kotlin);
        let names: Vec<&str> = tasks.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["wipe", "reset"]);
    }

    #[test]
    fn names_resolve_as_gradle_resolves_them() {
        let names = ["flywayClean", "flywayMigrate", "build", "buildDocker"];
        assert_eq!(resolve("build", &names), Some("build"));
        assert_eq!(resolve("fC", &names), Some("flywayClean"));
        assert_eq!(resolve("flywayC", &names), Some("flywayClean"));
        assert_eq!(resolve("flyway", &names), None);
        assert_eq!(resolve("bD", &names), Some("buildDocker"));
        assert_eq!(resolve("test", &names), None);
    }

    #[test]
    fn included_projects_are_directories() {
        let s = "rootProject.name = 'x'\ninclude 'app', ':lib:core'\ninclude(\":db\")\n";
        assert_eq!(included_projects(s), ["app", "lib/core", "db"]);
    }
}
