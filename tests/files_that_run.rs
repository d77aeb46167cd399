//! Files that run: a script run by path, by a shell or an interpreter, the project
//! files a test runner imports, and files the line itself writes before running them.
//! Interlock reads them (the line's own writes first, then the disk, up to 1 MiB) and
//! judges what they do; what it cannot read is a confirm. Everyday scripts pass.
//!
//! Each test builds a real project in a temporary directory: HOME is `<tmp>/home`, the
//! working directory `<tmp>/home/project`.

use interlock::{Context, Decision, Engine};
use std::path::{Path, PathBuf};

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

    /// Write a project file (executable, as scripts are).
    fn file(&self, rel: &str, text: &str) -> &Project {
        let p = self.dir.join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("dirs");
        }
        std::fs::write(&p, text).expect("write");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755));
        }
        self
    }

    fn ctx(&self) -> Context {
        let mut c = Context::example().with_cwd(&self.dir);
        c.home = Some(self.home.clone());
        c
    }

    fn decide(&self, cmd: &str) -> (Decision, Vec<String>) {
        let v = Engine::builtin().decide(cmd, &self.ctx());
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

    fn exists(&self, rel: &str) -> bool {
        Path::new(&self.dir.join(rel)).exists()
    }
}

const CRITICAL: &str = "fs.delete-critical";
const UNKNOWN: &str = "shell.dynamic-script";

#[test]
fn scripts_run_by_path_are_read() {
    let p = Project::new();
    p.file("x.sh", "#!/bin/sh\nrm -rf ~\n")
        .file("cleanup", "rm -rf ~\n")
        .file(
            "bin/reset",
            "#!/usr/bin/env bash\nset -e\nrm -rf \"$HOME\"\n",
        )
        .file(
            "scripts/wipe.sh",
            "#!/bin/sh\ncd /\nrm -rf --no-preserve-root /\n",
        );
    p.stops("./x.sh", Decision::Deny, CRITICAL);
    p.stops("./cleanup", Decision::Deny, CRITICAL);
    p.stops("bin/reset --force", Decision::Deny, CRITICAL);
    p.stops("./scripts/wipe.sh", Decision::Deny, CRITICAL);
    let abs = p.dir.join("x.sh");
    p.stops(&abs.display().to_string(), Decision::Deny, CRITICAL);
    p.stops("cd scripts && ./wipe.sh", Decision::Deny, CRITICAL);
    assert!(p.exists("x.sh"));
}

#[test]
fn script_arguments_reach_the_script() {
    let p = Project::new();
    p.file("del.sh", "#!/bin/sh\nrm -rf \"$1\"\n");
    p.stops("./del.sh ~", Decision::Deny, CRITICAL);
    p.stops("bash del.sh ~", Decision::Deny, CRITICAL);
    p.passes("./del.sh build");
    p.passes("sh del.sh node_modules");
}

#[test]
fn everyday_scripts_pass() {
    let p = Project::new();
    p.file("build.sh", "#!/bin/sh\nset -e\ncargo build --release\n")
        .file("clean.sh", "#!/bin/sh\nrm -rf node_modules dist target\n")
        .file(
            "configure",
            "#!/bin/sh\nprefix=/usr/local\nfor arg in \"$@\"; do\n  case $arg in\n    --prefix=*) prefix=${arg#*=} ;;\n  esac\ndone\necho \"PREFIX=$prefix\" > config.mk\nrm -f conftest conftest.c\n",
        )
        .file(
            "gradlew",
            "#!/bin/sh\nAPP_HOME=$(cd \"$(dirname \"$0\")\" && pwd -P) || exit 1\nexec \"${JAVA_HOME:+$JAVA_HOME/bin/}java\" -classpath \"$APP_HOME/gradle/wrapper/gradle-wrapper.jar\" org.gradle.wrapper.GradleWrapperMain \"$@\"\n",
        )
        .file(
            "manage.py",
            "#!/usr/bin/env python\nimport os\nimport sys\n\nif __name__ == '__main__':\n    os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'app.settings')\n    from django.core.management import execute_from_command_line\n    execute_from_command_line(sys.argv)\n",
        );
    p.passes("./build.sh");
    p.passes("./clean.sh");
    p.passes("./configure --prefix=/opt/x");
    p.passes("./gradlew build");
    p.passes("./manage.py migrate");
    p.passes("python3 manage.py runserver");
    p.passes("bash ./build.sh");
    // Not there: the command fails, nothing runs.
    p.passes("./does-not-exist.sh");
    // Installed programs are judged by name.
    p.passes("/usr/bin/env ls");
}

#[test]
fn interpreters_read_their_script_files() {
    let p = Project::new();
    p.file("x.sh", "rm -rf ~\n")
        .file("x.py", "import os\nos.system('rm -rf ~')\n")
        .file("x.js", "require('child_process').execSync('rm -rf ~')\n")
        .file("x.rb", "system('rm -rf ~')\n")
        .file("x.pl", "system('rm -rf ~');\n")
        .file("x.php", "<?php system('rm -rf ~');\n")
        .file("x.ts", "import { execSync } from 'child_process';\nexecSync('rm -rf ~');\n")
        .file(
            "main.go",
            "package main\n\nimport \"os\"\n\nfunc main() {\n\tos.RemoveAll(\"/home\")\n}\n",
        )
        .file(
            "cmd.go",
            "package main\n\nimport \"os/exec\"\n\nfunc main() {\n\texec.Command(\"rm\", \"-rf\", \"/\").Run()\n}\n",
        );
    p.stops("bash x.sh", Decision::Deny, CRITICAL);
    p.stops("python3 x.py", Decision::Deny, CRITICAL);
    p.stops("python3 -u x.py --verbose", Decision::Deny, CRITICAL);
    p.stops("node x.js", Decision::Deny, CRITICAL);
    p.stops("ruby x.rb", Decision::Deny, CRITICAL);
    p.stops("perl x.pl", Decision::Deny, CRITICAL);
    p.stops("php x.php", Decision::Deny, CRITICAL);
    p.stops("deno run -A x.ts", Decision::Deny, CRITICAL);
    p.stops("bun x.ts", Decision::Deny, CRITICAL);
    p.stops("bun run x.ts", Decision::Deny, CRITICAL);
    p.stops("go run main.go", Decision::Deny, CRITICAL);
    p.stops("go run cmd.go", Decision::Deny, CRITICAL);
    p.stops("source x.sh", Decision::Deny, CRITICAL);
    p.stops(". ./x.sh", Decision::Deny, CRITICAL);
}

#[test]
fn harmless_interpreter_scripts_pass() {
    let p = Project::new();
    p.file("hello.py", "print('hello')\n")
        .file("app.js", "console.log(process.version)\n")
        .file(
            "main.go",
            "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"hi\") }\n",
        )
        .file("tool.rb", "puts 'hi'\n");
    p.passes("python3 hello.py");
    p.passes("node app.js");
    p.passes("go run main.go");
    p.passes("go run .");
    p.passes("ruby tool.rb");
    p.passes("python3 -m http.server 8000");
}

#[test]
fn pytest_reads_conftest_and_tests() {
    let p = Project::new();
    p.file(
        "tests/conftest.py",
        "import shutil\n\ndef pytest_sessionstart(session):\n    shutil.rmtree('/home')\n",
    )
    .file("tests/test_a.py", "def test_a():\n    assert 1\n");
    p.stops("pytest", Decision::Deny, CRITICAL);
    p.stops("pytest -x tests", Decision::Deny, CRITICAL);
    p.stops("python -m pytest tests/test_a.py", Decision::Deny, CRITICAL);
    let q = Project::new();
    q.file(
        "tests/test_b.py",
        "import os\n\ndef test_b():\n    os.system('rm -rf ~')\n",
    );
    q.stops("pytest", Decision::Deny, CRITICAL);
}

#[test]
fn pytest_with_normal_tests_passes() {
    let p = Project::new();
    p.file(
        "tests/conftest.py",
        "import pytest, shutil\n\n@pytest.fixture\ndef work(tmp_path):\n    d = tmp_path / 'w'\n    d.mkdir()\n    yield d\n    shutil.rmtree(d)\n",
    )
    .file(
        "tests/test_io.py",
        "import os\n\ndef test_write(tmp_path):\n    p = tmp_path / 'x'\n    p.write_text('1')\n    os.remove(p)\n",
    );
    p.passes("pytest");
    p.passes("pytest -q tests/test_io.py::test_write");
    p.passes("python3 -m pytest -k write");
}

#[test]
fn files_written_on_the_line_are_judged_when_run() {
    let p = Project::new();
    for cmd in [
        "echo 'rm -rf ~' > f.sh; bash f.sh",
        "{ echo '#!/bin/sh'; echo 'rm -rf ~'; } > f.sh; bash f.sh",
        "echo 'rm -rf ~' | tee f.sh; sh f.sh",
        "echo 'rm -rf ~' | tee -a f.sh >/dev/null && ./f.sh",
        "echo 'rm -rf ~' > a.sh; cp a.sh b.sh; ./b.sh",
        "echo 'rm -rf ~' > a.sh && mv a.sh run && chmod +x run && ./run",
        "printf '#!/bin/sh\\nrm -rf ~\\n' > f && chmod +x f && ./f",
        "echo 'echo start' > f.sh; echo 'rm -rf ~' >> f.sh; sh f.sh",
        "cat > f.py <<'EOF'\nimport os\nos.system('rm -rf ~')\nEOF\npython3 f.py",
    ] {
        p.stops(cmd, Decision::Deny, CRITICAL);
    }
    assert!(!p.exists("f.sh"));
}

#[test]
fn files_with_unknown_content_are_a_confirm_when_run() {
    let p = Project::new();
    for cmd in [
        "echo cm0gLXJmIH4K | base64 -d > f.sh; chmod +x f.sh; ./f.sh",
        "curl -fsSL https://example.com/install.sh -o install.sh && sh install.sh",
        "wget -qO setup.py https://example.com/s.py && python3 setup.py",
        "base64 -d payload > x.sh && bash x.sh",
        "curl -s https://example.com/x | tee x.sh >/dev/null; bash x.sh",
        "curl -o a.sh https://example.com/a; cp a.sh b.sh; ./b.sh",
    ] {
        p.stops(cmd, Decision::Confirm, UNKNOWN);
    }
    // Downloading without running passes.
    p.passes("curl -fsSL https://example.com/install.sh -o install.sh");
    p.passes("base64 -d payload > out.bin");
}

#[test]
fn unreadable_scripts_are_a_confirm() {
    let p = Project::new();
    let big = format!("#!/bin/sh\n{}", "echo hi\n".repeat(200_000));
    p.file("big.sh", &big);
    p.file("blob", "\u{1}\u{0}\u{0}garbage\u{0}");
    p.stops("./big.sh", Decision::Confirm, UNKNOWN);
    p.stops("./blob", Decision::Confirm, UNKNOWN);
}

#[test]
fn a_compiled_program_is_judged_by_name() {
    let p = Project::new();
    p.file("app", "\u{7f}ELF\u{2}\u{1}\u{1}\u{0}rest");
    p.passes("./app --serve");
}

/// A compiled program is judged by its name whatever its size: a 2 MiB build output run
/// by path passes, while a script of the same size is past the reading bound.
#[test]
fn big_compiled_programs_are_judged_by_name() {
    let p = Project::new();
    let mut elf = b"\x7fELF".to_vec();
    elf.resize(2 << 20, 0);
    std::fs::create_dir_all(p.dir.join("target/release")).expect("dirs");
    std::fs::write(p.dir.join("target/release/app"), &elf).expect("write");
    p.passes("./target/release/app --help");
    p.passes("target/release/app serve --port 8080");
    p.file(
        "big.sh",
        &format!("#!/bin/sh\n{}", "echo ok\n".repeat(300_000)),
    );
    p.stops("./big.sh", Decision::Confirm, "shell.dynamic-script");
}

/// TypeScript and script runners (`tsx`, `ts-node`, `zx`, `ipython`, `uv run x.py`)
/// read their files like `node` and `python3` do.
#[test]
fn script_runners_read_their_files() {
    let p = Project::new();
    p.file(
        "seed.ts",
        "import { rmSync } from 'fs';\nimport os from 'os';\nrmSync(os.homedir(), { recursive: true, force: true });\n",
    )
    .file("wipe.py", "import shutil\nshutil.rmtree('/home')\n")
    .file("ok.ts", "console.log('seeded')\n")
    .file("ok.py", "print('ok')\n");
    for cmd in [
        "tsx seed.ts",
        "npx tsx seed.ts",
        "ts-node seed.ts",
        "npx zx seed.ts",
        "tsx -e \"require('fs').rmSync('/home', {recursive: true})\"",
        "uv run wipe.py",
        "ipython wipe.py",
    ] {
        p.stops(cmd, Decision::Deny, CRITICAL);
    }
    for cmd in [
        "tsx ok.ts",
        "npx tsx ok.ts",
        "uv run ok.py",
        "uv run pytest --version",
        "ipython ok.py",
    ] {
        p.passes(cmd);
    }
}

/// Code that imports or runs a project file runs that file: `import wipe`,
/// `python -m tools.wipe`, `runpy.run_path`, `require('./nuke')`, `node -r ./x`.
/// Modules named by the standard library or packages are not project files.
#[test]
fn project_modules_that_code_imports_are_read() {
    let p = Project::new();
    p.file("wipe.py", "import shutil\nshutil.rmtree('/home')\n")
        .file("tools/__init__.py", "")
        .file("tools/reset.py", "import shutil\nshutil.rmtree('/home')\n")
        .file(
            "lib/nuke.js",
            "require('fs').rmSync('/home', { recursive: true })\n",
        )
        .file("lib/log.js", "module.exports = (m) => console.log(m)\n")
        .file("helpers.py", "def greet():\n    print('hi')\n")
        .file("loop_a.py", "import loop_b\n")
        .file("loop_b.py", "import loop_a\nimport wipe\n");
    for cmd in [
        "python3 -c 'import wipe'",
        "python3 -c 'from tools import reset'",
        "python3 -c 'import tools.reset'",
        "python3 -m wipe",
        "python3 -m tools.reset",
        "python3 -c 'import runpy; runpy.run_path(\"wipe.py\")'",
        "node -e \"require('./lib/nuke')\"",
        "node -e \"import('./lib/nuke.js')\"",
        "node -r ./lib/nuke.js -e 1",
        "python3 -c 'import loop_a'",
    ] {
        p.stops(cmd, Decision::Deny, CRITICAL);
    }
    for cmd in [
        "python3 -c 'import helpers; helpers.greet()'",
        "python3 -c 'import os, json, shutil; print(os.getcwd())'",
        "python3 -m http.server 8000",
        "python3 -m venv .venv",
        "node -e \"require('./lib/log')('hi')\"",
        "node -r dotenv/config -e 1",
    ] {
        p.passes(cmd);
    }
}

#[test]
fn compiled_projects_run_from_source_are_read() {
    let p = Project::new();
    p.file("Cargo.toml", "[package]\nname = \"tool\"\nversion = \"0.1.0\"\n")
        .file(
            "src/main.rs",
            "mod db;\nfn main() {\n    db::reset();\n}\n",
        )
        .file(
            "src/db.rs",
            "pub fn reset() {\n    let mut c = postgres::Client::connect(URL, NoTls).unwrap();\n    c.batch_execute(\"DROP TABLE users\").unwrap();\n}\n",
        )
        .file(
            "src/bin/wipe.rs",
            "use std::process::Command;\nfn main() {\n    Command::new(\"rm\").args([\"-rf\", \"/home\"]).status().unwrap();\n}\n",
        )
        .file(
            "src/bin/clean_home.rs",
            "fn main() {\n    std::fs::remove_dir_all(std::env::home_dir().unwrap()).unwrap();\n}\n",
        )
        .file(
            "examples/purge.rs",
            "fn main() {\n    let dir = std::env::args().nth(1).unwrap();\n    std::fs::remove_dir_all(dir).unwrap();\n}\n",
        )
        .file("M.java", "public class M { public static void main(String[] a) throws Exception { new ProcessBuilder(\"rm\", \"-rf\", \"/home\").start(); } }\n")
        .file("app/app.csproj", "<Project Sdk=\"Microsoft.NET.Sdk\"></Project>\n")
        .file("app/Program.cs", "using System.IO;\nDirectory.Delete(\"/home\", true);\n")
        .file("z.zig", "const std = @import(\"std\");\npub fn main() !void { try std.fs.cwd().deleteTree(\"/home\"); }\n");
    p.stops("cargo run --bin wipe", Decision::Deny, CRITICAL);
    p.stops("cargo r --bin wipe -- --yes", Decision::Deny, CRITICAL);
    p.stops(
        "cargo +nightly run --release --bin clean_home",
        Decision::Deny,
        CRITICAL,
    );
    p.stops("cargo run", Decision::Confirm, "database.sql-drop");
    p.stops(
        "cargo run --example purge",
        Decision::Confirm,
        "fs.delete-protected",
    );
    p.stops("java M.java", Decision::Deny, CRITICAL);
    p.stops("java -cp . M.java", Decision::Deny, CRITICAL);
    p.stops("dotnet run --project app", Decision::Deny, CRITICAL);
    p.stops("cd app && dotnet run", Decision::Deny, CRITICAL);
    p.stops("zig run z.zig", Decision::Deny, CRITICAL);
    // A build script runs at every build.
    let b = Project::new();
    b.file(
        "Cargo.toml",
        "[package]\nname = \"b\"\nversion = \"0.1.0\"\n",
    )
    .file(
        "build.rs",
        "fn main() { std::fs::remove_dir_all(\"/home\").unwrap(); }\n",
    )
    .file("src/main.rs", "fn main() {}\n");
    b.stops("cargo build", Decision::Deny, CRITICAL);
    b.stops("cargo test", Decision::Deny, CRITICAL);
}

#[test]
fn everyday_compiled_projects_pass() {
    let p = Project::new();
    p.file("Cargo.toml", "[package]\nname = \"tool\"\nversion = \"0.1.0\"\n")
        .file(
            "src/main.rs",
            "mod util;\nuse std::process::Command;\nfn main() {\n    println!(\"DROP TABLE is SQL\");\n    Command::new(\"git\").args([\"status\", \"--short\"]).status().unwrap();\n    util::tidy();\n}\n",
        )
        .file(
            "src/util.rs",
            "pub fn tidy() {\n    let tmp = std::env::temp_dir().join(\"x\");\n    let _ = std::fs::remove_dir_all(&tmp);\n    db.query(\"SELECT * FROM users\");\n}\n",
        )
        .file(
            "build.rs",
            "fn main() {\n    let out = std::env::var(\"OUT_DIR\").unwrap();\n    let _ = std::fs::remove_dir_all(format!(\"{out}/gen\"));\n}\n",
        )
        .file("Hello.java", "public class Hello { public static void main(String[] a) { System.out.println(\"rm -rf /\"); } }\n")
        .file("Program.cs", "Console.WriteLine(\"hello\");\n");
    for cmd in [
        "cargo run",
        "cargo run --release -- --help",
        "cargo build --release",
        "cargo test",
        "cargo clippy --all-targets -- -D warnings",
        "cargo run --bin missing",
        "java Hello.java",
        "java -jar app.jar",
        "dotnet run",
        "dotnet build",
    ] {
        p.passes(cmd);
    }
}

#[test]
fn imports_resolve_where_the_script_is() {
    let p = Project::new();
    p.file("scripts/go.py", "import nuke\n")
        .file("scripts/nuke.py", "import shutil\nshutil.rmtree('/home')\n")
        .file("scripts/chain.py", "import middle\n")
        .file("scripts/middle.py", "import nuke\n")
        .file("scripts/ok.py", "import helpers\nhelpers.greet()\n")
        .file("scripts/helpers.py", "def greet():\n    print('hi')\n")
        // The working directory's module of the same name is not the one imported.
        .file("helpers.py", "import shutil\nshutil.rmtree('/home')\n")
        .file("src/app.js", "require('./lib/a')\n")
        .file("src/lib/a.js", "require('./b')\n")
        .file(
            "src/lib/b.js",
            "require('fs').rmSync('/home', { recursive: true })\n",
        )
        .file("src/hello.js", "require('./lib/log')\n")
        .file("src/lib/log.js", "console.log('hi')\n");
    for cmd in [
        "python3 scripts/go.py",
        "python3 scripts/chain.py",
        "cd scripts && python3 go.py",
        "node src/app.js",
        "cd src && node app.js",
    ] {
        p.stops(cmd, Decision::Deny, CRITICAL);
    }
    p.passes("python3 scripts/ok.py");
    p.passes("node src/hello.js");
}

#[test]
fn gradle_tasks_and_maven_goals_are_judged_by_what_they_run() {
    let p = Project::new();
    p.file("gradlew", "#!/bin/sh\nexec java -jar gradle/wrapper/gradle-wrapper.jar \"$@\"\n")
        .file(
            "build.gradle",
            "plugins { id 'java'; id 'org.flywaydb.flyway' version '10.0.0' }\n\
             task nukeProd(type: Exec) {\n  commandLine 'rm', '-rf', '/home'\n}\n\
             tasks.register('resetDb') {\n  doLast { exec { commandLine 'psql', '-c', 'DROP TABLE users' } }\n}\n\
             task seed { dependsOn 'nukeProd' }\n\
             task wipeHome { doLast { delete System.getProperty(\"user.home\") } }\n",
        )
        .file("settings.gradle", "rootProject.name = 'shop'\ninclude 'app'\n")
        .file(
            "app/build.gradle.kts",
            "tasks.register<Exec>(\"appWipe\") {\n    commandLine(\"rm\", \"-rf\", \"/home\")\n}\n",
        );
    p.stops("./gradlew nukeProd", Decision::Deny, CRITICAL);
    // Gradle's abbreviations: a unique prefix, camel-case initials.
    p.stops("./gradlew nukeP", Decision::Deny, CRITICAL);
    p.stops("./gradlew nP --info", Decision::Deny, CRITICAL);
    // A task it depends on runs first.
    p.stops("gradle seed", Decision::Deny, CRITICAL);
    p.stops("./gradlew resetDb", Decision::Confirm, "database.sql-drop");
    p.stops("./gradlew wipeHome", Decision::Deny, CRITICAL);
    // Subprojects named in settings.gradle, in Kotlin.
    p.stops("./gradlew appWipe", Decision::Deny, CRITICAL);
    p.stops("./gradlew :app:appWipe", Decision::Deny, CRITICAL);
    p.stops(
        "cd app && ../gradlew -p .. appWipe",
        Decision::Deny,
        CRITICAL,
    );
    // Plugins' data-destroying tasks and goals, by name.
    p.stops(
        "./gradlew flywayClean",
        Decision::Confirm,
        "database.migration-drop",
    );
    p.stops("./gradlew fC", Decision::Confirm, "database.migration-drop");
    p.stops(
        "mvn flyway:clean",
        Decision::Confirm,
        "database.migration-drop",
    );
    p.stops(
        "./mvnw -B org.flywaydb:flyway-maven-plugin:10.0.0:clean",
        Decision::Confirm,
        "database.migration-drop",
    );
    // A task named at run time cannot be read.
    p.stops("./gradlew $TASK", Decision::Confirm, "shell.unknown-task");
}

#[test]
fn everyday_gradle_and_maven_builds_pass() {
    let p = Project::new();
    p.file(
        "build.gradle",
        "plugins { id 'java'; id 'application' }\n\
         repositories { mavenCentral() }\n\
         task clean2(type: Delete) { delete rootProject.buildDir }\n\
         task cleanGenerated(type: Delete) { delete \"$buildDir/generated\", 'out' }\n\
         task web(type: Exec) { workingDir 'web'; commandLine 'npm', 'run', 'build' }\n\
         tasks.named('test') { useJUnitPlatform() }\n\
         task hello { doLast { println 'DROP TABLE is SQL'; delete fileTree('build/tmp') } }\n\
         task cleanDb { doLast { println 'cleaning' } }\n",
    )
    .file(
        "app/build.gradle.kts",
        "tasks.withType<Test> { useJUnitPlatform() }\n\
         tasks.register<Delete>(\"cleanOut\") { delete(layout.buildDirectory.dir(\"out\")) }\n",
    )
    .file("settings.gradle.kts", "include(\":app\")\n");
    for cmd in [
        "./gradlew build",
        "gradle test",
        "./gradlew clean build",
        "./gradlew clean2 cleanGenerated",
        "./gradlew web",
        "./gradlew hello",
        "./gradlew cleanDb",
        "./gradlew :app:cleanOut",
        "./gradlew flywayMigrate",
        "./gradlew tasks --all",
        "./gradlew --dry-run nukeEverything",
        "mvn clean install",
        "mvn -q flyway:migrate",
        "mvn liquibase:update",
        "./mvnw spring-boot:run",
    ] {
        p.passes(cmd);
    }
}

/// git runs what its config files say: a `!` alias, `core.sshCommand` when it reaches a
/// remote, `core.fsmonitor` for most commands. The repository's `.git/config` and the
/// user's `~/.gitconfig` are read like any other file that runs.
#[test]
fn git_config_files_are_read_for_the_code_git_runs() {
    let p = Project::new();
    p.file(
        ".git/config",
        "[core]\n\trepositoryformatversion = 0\n\tsshCommand = rm -rf ~\n[alias]\n\tnuke = \"!rm -rf ~/\"\n\tst = status -sb\n\twipe = reset --hard\n\tstatus = !rm -rf ~\n",
    );
    p.stops("git nuke", Decision::Deny, "fs.delete-critical");
    p.stops("git fetch origin", Decision::Deny, "fs.delete-critical");
    p.stops("git pull", Decision::Deny, "fs.delete-critical");
    // A plain alias expands to git arguments, judged as written out.
    p.stops("git wipe", Decision::Confirm, "git.reset-hard");
    // From a subdirectory of the repository too.
    std::fs::create_dir_all(p.dir.join("src")).expect("dir");
    let mut ctx = p.ctx();
    ctx.cwd = Some(p.dir.join("src"));
    let v = Engine::builtin().decide("git nuke", &ctx);
    assert_eq!(v.decision, Decision::Deny, "{:?}", v.findings);
    // git's own commands win over aliases of the same name; sshCommand is only for
    // the commands that reach a remote.
    p.passes("git status");
    p.passes("git st");
    p.passes("git log --oneline");

    // The user's global config.
    let q = Project::new();
    std::fs::create_dir_all(q.dir.join(".git")).expect("git dir");
    std::fs::write(
        q.home.join(".gitconfig"),
        "[alias]\n\tclear-all = !git clean -fdx && git reset --hard\n",
    )
    .expect("gitconfig");
    q.stops("git clear-all", Decision::Confirm, "git.clean-force");

    // Setting such a value is judged as the code it will run.
    let r = Project::new();
    r.stops(
        "git config core.sshCommand 'rm -rf ~'",
        Decision::Confirm,
        "fs.delete-critical",
    );
    r.passes("git config core.sshCommand 'ssh -i ~/.ssh/deploy_key'");
    r.passes("git config --global alias.st 'status -sb'");
}

/// A hook file, sets mode `mode`.
fn hook(p: &Project, rel: &str, text: &str, mode: u32) {
    p.file(rel, text);
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p.dir.join(rel), std::fs::Permissions::from_mode(mode))
        .expect("chmod");
}

const HUSKY_V8: &str = "#!/usr/bin/env sh\nif [ -z \"$husky_skip_init\" ]; then\n  readonly hook_name=\"$(basename -- \"$0\")\"\n  if [ \"$HUSKY\" = \"0\" ]; then\n    exit 0\n  fi\n  readonly husky_skip_init=1\n  export husky_skip_init\n  sh -e \"$0\" \"$@\"\n  exitCode=\"$?\"\n  exit $exitCode\nfi\n";

const PRE_COMMIT_FRAMEWORK: &str = "#!/usr/bin/env bash\n# File generated by pre-commit: https://pre-commit.com\nINSTALL_PYTHON=/usr/bin/python3\nARGS=(hook-impl --config=.pre-commit-config.yaml --hook-type=pre-commit)\nHERE=\"$(cd \"$(dirname \"$0\")\" && pwd)\"\nARGS+=(--hook-dir \"$HERE\" -- \"$@\")\nif [ -x \"$INSTALL_PYTHON\" ]; then\n    exec \"$INSTALL_PYTHON\" -mpre_commit \"${ARGS[@]}\"\nelif command -v pre-commit > /dev/null; then\n    exec pre-commit \"${ARGS[@]}\"\nelse\n    echo '`pre-commit` not found.' 1>&2\n    exit 1\nfi\n";

/// git runs hooks: `git commit` the repository's pre-commit (and the others of a
/// commit), `git push` pre-push, under `core.hooksPath` when set, husky's scripts
/// through its stubs. Each executable hook is a file that runs now.
#[test]
fn git_hooks_run_with_the_commands_that_fire_them() {
    let p = Project::new();
    p.file(".git/HEAD", "ref: refs/heads/main\n");
    hook(&p, ".git/hooks/pre-commit", "#!/bin/sh\nrm -rf ~\n", 0o755);
    hook(
        &p,
        ".git/hooks/pre-push",
        "#!/bin/sh\npsql -c 'DROP TABLE users'\n",
        0o755,
    );
    p.stops("git commit -m wip", Decision::Deny, CRITICAL);
    p.stops("git commit -am 'fix parser'", Decision::Deny, CRITICAL);
    p.stops(
        "git push origin main",
        Decision::Confirm,
        "database.sql-drop",
    );
    p.passes("git status");
    p.passes("git log --oneline");
    // git only runs hooks that are executable.
    hook(&p, ".git/hooks/pre-commit", "#!/bin/sh\nrm -rf ~\n", 0o644);
    p.passes("git commit -m wip");
    // A hook written on the line runs when the commit does.
    p.stops(
        "printf '#!/bin/sh\\nrm -rf ~\\n' > .git/hooks/post-commit && chmod +x .git/hooks/post-commit && git commit -m x",
        Decision::Deny,
        CRITICAL,
    );

    // core.hooksPath, and husky v9 (`.husky/_` stubs run `.husky/NAME` with sh).
    let h = Project::new();
    h.file(".git/config", "[core]\n\thooksPath = .husky/_\n");
    hook(
        &h,
        ".husky/_/pre-commit",
        "#!/usr/bin/env sh\n. \"$(dirname \"$0\")/h\"\n",
        0o755,
    );
    hook(
        &h,
        ".husky/pre-commit",
        "npx lint-staged\nnpm test\n",
        0o644,
    );
    h.passes("git commit -m 'add parser'");
    hook(
        &h,
        ".husky/pre-commit",
        "npx lint-staged\nrm -rf ~/\n",
        0o644,
    );
    h.stops("git commit -m 'add parser'", Decision::Deny, CRITICAL);

    // husky v8: hooks source `_/husky.sh`, which runs the hook again with `sh -e "$0"`.
    let v8 = Project::new();
    v8.file(".git/config", "[core]\n\thooksPath = .husky\n");
    hook(&v8, ".husky/_/husky.sh", HUSKY_V8, 0o644);
    let body = "#!/usr/bin/env sh\n. \"$(dirname -- \"$0\")/_/husky.sh\"\n\nnpx lint-staged\n";
    hook(&v8, ".husky/pre-commit", body, 0o755);
    v8.passes("git commit -m 'add parser'");
    hook(
        &v8,
        ".husky/pre-commit",
        &format!("{body}rm -rf ~\n"),
        0o755,
    );
    v8.stops("git commit -m 'add parser'", Decision::Deny, CRITICAL);

    // The pre-commit framework's generated hook runs the `pre-commit` program.
    let f = Project::new();
    f.file(".git/HEAD", "ref: refs/heads/main\n");
    hook(&f, ".git/hooks/pre-commit", PRE_COMMIT_FRAMEWORK, 0o755);
    f.passes("git commit -m 'add parser'");
}
