//! Project tasks: `npm|pnpm|yarn|bun run X`, npm's lifecycle scripts, `make [TARGET]`,
//! `just`, `task`, `rake`, `composer`. The recipe is read from the project's file (the
//! same readers `interlock audit` uses) and judged as the shell it is. A task file that
//! exists but cannot be read or told is a confirm; no file at all means the tool fails
//! and nothing runs. Everyday tasks pass.
//!
//! Each test builds a real project in a temporary directory: HOME is `<tmp>/home`, the
//! working directory `<tmp>/home/project`.

use interlock::{Context, Decision, Engine};
use std::path::PathBuf;

struct Project {
    _tmp: tempfile::TempDir,
    home: PathBuf,
    dir: PathBuf,
}

impl Project {
    fn new() -> Project {
        let tmp = tempfile::tempdir().expect("tempdir");
        let home = tmp.path().join("home");
        let dir = home.join("project");
        std::fs::create_dir_all(&dir).expect("project dir");
        Project {
            _tmp: tmp,
            home,
            dir,
        }
    }

    fn file(&self, rel: &str, text: &str) -> &Project {
        let p = self.dir.join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("dirs");
        }
        std::fs::write(&p, text).expect("write");
        self
    }

    fn decide(&self, cmd: &str) -> (Decision, Vec<String>) {
        let mut ctx = Context::example().with_cwd(&self.dir);
        ctx.home = Some(self.home.clone());
        let v = Engine::builtin().decide(cmd, &ctx);
        (v.decision, v.findings.into_iter().map(|f| f.rule).collect())
    }

    #[track_caller]
    fn stops(&self, cmd: &str, level: Decision, rule: &str) {
        let (d, rules) = self.decide(cmd);
        assert_eq!(d, level, "{cmd:?} gave {rules:?}");
        assert!(rules.iter().any(|r| r == rule), "{cmd:?} gave {rules:?}");
    }

    #[track_caller]
    fn passes(&self, cmd: &str) {
        let (d, rules) = self.decide(cmd);
        assert_eq!(d, Decision::Allow, "{cmd:?} was stopped by {rules:?}");
    }
}

const CRITICAL: &str = "fs.delete-critical";
const UNKNOWN_TASK: &str = "shell.unknown-task";

const PACKAGE: &str = r#"{
  "name": "app",
  "scripts": {
    "build": "tsc -p .",
    "test": "jest",
    "dev": "vite",
    "clean": "rm -rf dist node_modules/.cache",
    "wipe": "rm -rf ~",
    "prereset": "echo resetting",
    "reset": "psql -c 'DROP DATABASE prod'",
    "all": "npm run build && npm run wipe"
  }
}"#;

#[test]
fn package_scripts_are_read() {
    let p = Project::new();
    p.file("package.json", PACKAGE);
    for cmd in [
        "npm run wipe",
        "npm run-script wipe",
        "npm run all",
        "yarn wipe",
        "yarn run wipe",
        "pnpm wipe",
        "pnpm run wipe",
        "bun run wipe",
        "cd src && npm run wipe",
    ] {
        p.stops(cmd, Decision::Deny, CRITICAL);
    }
    p.stops("npm run reset", Decision::Confirm, "database.sql-drop");
}

#[test]
fn everyday_package_scripts_pass() {
    let p = Project::new();
    p.file("package.json", PACKAGE);
    for cmd in [
        "npm run build",
        "npm test",
        "npm t",
        "yarn build",
        "yarn dev",
        "pnpm run dev",
        "npm run clean",
        "npm run nope",
        "npm install lodash",
        "npm ci",
        "yarn",
        "npm exec tsc",
    ] {
        p.passes(cmd);
    }
}

#[test]
fn lifecycle_scripts_run_on_install() {
    let p = Project::new();
    p.file(
        "package.json",
        r#"{"scripts":{"preinstall":"rm -rf ~","build":"tsc"}}"#,
    );
    for cmd in [
        "npm install",
        "npm i",
        "npm ci",
        "yarn",
        "yarn install",
        "pnpm install",
        "bun install",
    ] {
        p.stops(cmd, Decision::Deny, CRITICAL);
    }
    // Installing a named package runs that package's scripts, not the project's; and
    // `--ignore-scripts` runs none.
    p.passes("npm install left-pad");
    p.passes("npm ci --ignore-scripts");
    let q = Project::new();
    q.file(
        "package.json",
        r#"{"scripts":{"postinstall":"husky install","prepare":"npm run build","build":"tsc"}}"#,
    );
    q.passes("npm install");
}

#[test]
fn scripts_set_on_the_line_are_read() {
    let p = Project::new();
    p.file("package.json", PACKAGE);
    p.stops(
        "npm pkg set scripts.x='rm -rf ~' && npm run x",
        Decision::Deny,
        CRITICAL,
    );
    p.stops(
        "echo '{\"scripts\":{\"go\":\"rm -rf ~\"}}' > package.json && npm run go",
        Decision::Deny,
        CRITICAL,
    );
    p.passes("npm pkg set scripts.lint='eslint .' && npm run lint");
}

#[test]
fn broken_package_files_are_a_confirm() {
    let p = Project::new();
    p.file("package.json", "{ \"scripts\": { \"build\": ");
    p.stops("npm run build", Decision::Confirm, UNKNOWN_TASK);
    let q = Project::new();
    q.file("package.json", PACKAGE);
    q.stops("npm run \"$TASK\"", Decision::Confirm, UNKNOWN_TASK);
    // No package.json at all: npm fails, nothing runs.
    Project::new().passes("npm run build");
}

const MAKEFILE: &str = "\
BUILD := build
.PHONY: all clean nuke deploy

all: $(BUILD)/app

$(BUILD)/app: gen
\tcc -o $@ main.c

gen:
\t@echo generating

clean:
\trm -rf target build

nuke: clean
\trm -rf ~

deploy: nuke
\techo deploying

wipe:
\trm -rf $(DIR)
";

#[test]
fn make_targets_are_read() {
    let p = Project::new();
    p.file("Makefile", MAKEFILE);
    p.stops("make nuke", Decision::Deny, CRITICAL);
    p.stops("make deploy", Decision::Deny, CRITICAL);
    p.stops("make -j4 clean nuke", Decision::Deny, CRITICAL);
    p.stops("make wipe DIR=~", Decision::Deny, CRITICAL);
    p.stops("make wipe DIR=/", Decision::Deny, CRITICAL);
    p.stops(
        "printf 'clean:\\n\\trm -rf ~\\n' > Mk; make -f Mk clean",
        Decision::Deny,
        CRITICAL,
    );
    p.stops(
        "printf 'all:\\n\\trm -rf ~\\n' > Makefile && make",
        Decision::Deny,
        CRITICAL,
    );
    p.stops(
        "make -f - <<'EOF'\nall:\n\trm -rf ~\nEOF",
        Decision::Deny,
        CRITICAL,
    );
    p.stops(
        "make -f - nuke <<'EOF'\nnuke:\n\trm -rf ~\nEOF",
        Decision::Deny,
        CRITICAL,
    );
}

#[test]
fn everyday_make_passes() {
    let p = Project::new();
    p.file("Makefile", MAKEFILE);
    p.passes("make");
    p.passes("make all");
    p.passes("make clean");
    p.passes("make -n nuke");
    p.passes("make no-such-target");
    p.passes("make -C sub");
    Project::new().passes("make clean");
}

#[test]
fn make_directory_moves_relative_paths_not_the_project() {
    let p = Project::new();
    p.file("Makefile", "all:\n\ttrue\n")
        .file("sub/Makefile", "clean:\n\trm -rf ../../keep\n");
    // `make -C sub` runs the recipe in sub: `../../keep` is the home's `keep`.
    p.stops(
        "make -C sub clean",
        Decision::Confirm,
        "fs.delete-protected",
    );
    p.file("sub2/Makefile", "clean:\n\trm -rf build\n");
    p.passes("make -C sub2 clean");
    p.passes("make --directory=sub2 clean");
}

#[test]
fn make_that_cannot_be_told_is_a_confirm() {
    let p = Project::new();
    p.file("Makefile", "include rules.mk\nall:\n\ttrue\n");
    p.stops("make clean", Decision::Confirm, UNKNOWN_TASK);
    p.passes("make all");
    let q = Project::new();
    q.file("Makefile", MAKEFILE);
    q.stops("make \"$TARGET\"", Decision::Confirm, UNKNOWN_TASK);
    q.stops(
        "make --eval='x: ; rm -rf ~' x",
        Decision::Confirm,
        UNKNOWN_TASK,
    );
}

#[test]
fn just_recipes_are_read() {
    let p = Project::new();
    p.file(
        "justfile",
        "dir := \"build\"\n\ndefault: test\n\ntest:\n    cargo test\n\nclean:\n    rm -rf {{dir}}\n\nnuke: clean\n    rm -rf ~/\n\nrm target:\n    rm -rf {{target}}\n\npy:\n    #!/usr/bin/env python3\n    import os\n    os.system('rm -rf ~')\n",
    );
    p.stops("just nuke", Decision::Deny, CRITICAL);
    p.stops("just rm ~", Decision::Deny, CRITICAL);
    p.stops("just py", Decision::Deny, CRITICAL);
    p.passes("just");
    p.passes("just clean");
    p.passes("just rm build");
    p.passes("just --list");
}

#[test]
fn taskfile_rake_and_composer_tasks_are_read() {
    let p = Project::new();
    p.file(
        "Taskfile.yml",
        "version: '3'\ntasks:\n  default:\n    cmds:\n      - go build ./...\n  clean:\n    cmds:\n      - rm -rf ~\n  all:\n    deps: [clean]\n    cmds:\n      - echo done\n",
    )
    .file(
        "Rakefile",
        "task default: [:test]\n\ntask :test do\n  sh \"bundle exec rspec\"\nend\n\nnamespace :db do\n  task :nuke do\n    sh \"rm -rf ~\"\n  end\nend\n",
    )
    .file(
        "composer.json",
        r#"{"scripts":{"test":"phpunit","clean":"rm -rf ~","all":["@test","@clean"],"setup":"App\\Setup::run"}}"#,
    );
    p.stops("task clean", Decision::Deny, CRITICAL);
    p.stops("task all", Decision::Deny, CRITICAL);
    p.passes("task");
    p.stops("rake db:nuke", Decision::Deny, CRITICAL);
    p.passes("rake");
    p.passes("rake test");
    p.stops("composer run-script clean", Decision::Deny, CRITICAL);
    p.stops("composer all", Decision::Deny, CRITICAL);
    p.stops("composer run setup", Decision::Confirm, UNKNOWN_TASK);
    p.passes("composer test");
    p.passes("composer install");
}

const PYPROJECT: &str = r#"[project]
name = "app"

[tool.poe.tasks]
test = "pytest"
lint = { cmd = "ruff check ." }
clean = { shell = "rm -rf build dist .pytest_cache" }
ci = ["lint", "test"]
reset = { shell = "dropdb app && createdb app" }
nuke = { sequence = ["lint", { shell = "rm -rf ~/" }] }
serve = { script = "app.server:main" }
drop = { script = "app.admin:drop" }

[tool.pdm.scripts]
start = "flask run -p 54321"
wipe = { cmd = ["rm", "-rf", "/srv/data"] }
both = { composite = ["start", "wipe"] }

[tool.hatch.envs.default.scripts]
cov = "pytest --cov"
reset-db = ["cov", "psql -c 'DROP SCHEMA public CASCADE'"]

[tool.hatch.envs.prod.scripts]
purge = "redis-cli FLUSHALL"

[tool.rye.scripts]
fresh = { chain = ["lint-all", "dropdb app"] }
lint-all = "ruff check ."

[tool.taskipy.tasks]
check = "pytest"
pre_deploy = "git push --force origin main"
deploy = "echo deploying"
"#;

#[test]
fn python_project_tables_are_read() {
    let p = Project::new();
    p.file("pyproject.toml", PYPROJECT)
        .file("app/__init__.py", "")
        .file("app/server.py", "def main():\n    print('serving')\n")
        .file(
            "app/admin.py",
            "import shutil, os\n\ndef drop():\n    shutil.rmtree(os.path.expanduser('~'))\n",
        );
    p.stops("poe reset", Decision::Confirm, "database.dropdb");
    p.stops("poe nuke", Decision::Deny, CRITICAL);
    p.stops("uv run poe reset", Decision::Confirm, "database.dropdb");
    p.stops("poe drop", Decision::Deny, CRITICAL);
    p.stops("pdm run wipe", Decision::Confirm, "fs.delete-protected");
    p.stops("pdm run both", Decision::Confirm, "fs.delete-protected");
    p.stops("hatch run reset-db", Decision::Confirm, "database.sql-drop");
    p.stops(
        "hatch run prod:purge",
        Decision::Confirm,
        "database.redis-flush",
    );
    p.stops("rye run fresh", Decision::Confirm, "database.dropdb");
    // taskipy runs pre_deploy before deploy.
    p.stops("task deploy", Decision::Confirm, "git.push-force");
    for ok in [
        "poe test",
        "poe lint",
        "poe clean",
        "poe ci",
        "poe serve",
        "poe",
        "pdm run start",
        "pdm run pytest -x",
        "pdm run nothere",
        "hatch run cov",
        "hatch run python -V",
        "rye run lint-all",
        "task check",
    ] {
        p.passes(ok);
    }
}

const TASKS_PY: &str = r#"import shutil
from invoke import task

@task
def clean(c):
    c.run("rm -rf build dist")
    shutil.rmtree("build", ignore_errors=True)

@task(pre=[clean])
def test(c, k=""):
    c.run(f"pytest -x {k}", pty=True)

@task
def db_reset(c):
    c.run("dropdb app")
    c.run("createdb app")

@task
def purge_home(c, target):
    c.run(f"rm -rf {target}")

@task
def wipe(c):
    import os
    shutil.rmtree(os.path.expanduser("~/"))
"#;

const NOXFILE: &str = r#"import nox

@nox.session(python=["3.11", "3.12"])
def tests(session):
    session.install("-e", ".[test]")
    session.run("pytest", *session.posargs)

@nox.session(name="reset-db")
def reset(session):
    session.run("psql", "-c", "DROP TABLE users", external=True)
"#;

#[test]
fn python_function_tasks_are_read() {
    let p = Project::new();
    p.file("tasks.py", TASKS_PY)
        .file("fabfile.py", TASKS_PY)
        .file("noxfile.py", NOXFILE)
        .file(
            "dodo.py",
            "def task_build():\n    return {'actions': ['python -m build']}\n\ndef task_reset():\n    return {'actions': ['dropdb app', 'createdb app']}\n",
        )
        .file(
            "tox.ini",
            "[tox]\nenvlist = py311\n[testenv]\ncommands = pytest {posargs}\n[testenv:wipe]\ncommands =\n    rm -rf /srv/data\n",
        );
    p.stops("invoke db-reset", Decision::Confirm, "database.dropdb");
    p.stops("inv db_reset", Decision::Confirm, "database.dropdb");
    p.stops("inv wipe", Decision::Deny, CRITICAL);
    // A path the task is given at run time: not known, so not allowed.
    p.stops(
        "inv purge-home --target /",
        Decision::Confirm,
        "fs.delete-protected",
    );
    p.stops("fab -H db1 db-reset", Decision::Confirm, "database.dropdb");
    p.stops("nox -s reset-db", Decision::Confirm, "database.sql-drop");
    // nox with no session runs them all.
    p.stops("nox", Decision::Confirm, "database.sql-drop");
    p.stops("doit reset", Decision::Confirm, "database.dropdb");
    p.stops("tox -e wipe", Decision::Confirm, "fs.delete-protected");
    for ok in [
        "inv clean",
        "inv test",
        "invoke clean test",
        "inv --list",
        "fab -H web1 test",
        "nox -s tests",
        "nox -l",
        "doit build",
        "doit list",
        "tox",
        "tox -e py311",
    ] {
        p.passes(ok);
    }
}

/// A function task that calls the file's own helper functions runs them: their
/// `c.run(…)` shell and their Python are judged with the task (followed in turn, up to
/// 16). Helpers only other tasks call stay out.
#[test]
fn python_task_helpers_are_followed() {
    let p = Project::new();
    p.file(
        "tasks.py",
        "from invoke import task\nimport shutil\n\n\
         def _wipe(c):\n    c.run('rm -rf ~')\n\n\
         def _drop_db():\n    shutil.rmtree('/var/lib/postgresql')\n\n\
         def _reset(c):\n    _drop_db()\n    c.run('createdb app')\n\n\
         def _fmt(c):\n    c.run('black .')\n\n\
         @task\ndef nuke(c):\n    _wipe(c)\n\n\
         @task\ndef reset(c):\n    _reset(c)\n\n\
         @task\ndef lint(c):\n    _fmt(c)\n    c.run('ruff check .')\n\n\
         @task\ndef notes(c):\n    print('my_wipe(c) is not called')\n",
    );
    p.stops("invoke nuke", Decision::Deny, CRITICAL);
    // Through a helper that calls another.
    p.stops("inv reset", Decision::Confirm, "fs.delete-protected");
    p.passes("inv lint");
    p.passes("inv notes");
}
