//! Interpreter code (`python -c`, `node -e`, `ruby -e`, `php -r`, `perl -e`, `awk`,
//! `deno eval`, `bun -e`) is parsed and its effects judged as the command line that
//! does the same: deletes as `rm`, writes as `>`, commands as shell, SQL as the SQL
//! client, requests as `curl`. What reaches a destructive call but cannot be known
//! is a confirm.
//!
//! All run in the example context: HOME=/home/user, working directory
//! /home/user/project.

use interlock::{Context, Decision, Engine};

fn decide(cmd: &str) -> (Decision, Vec<String>) {
    let v = Engine::builtin().decide(cmd, &Context::example());
    (v.decision, v.findings.into_iter().map(|f| f.rule).collect())
}

/// Each command gets `decision`, with `rule` among the findings.
fn expect(decision: Decision, rule: &str, cmds: &[&str]) {
    let mut bad = Vec::new();
    for c in cmds {
        let (d, rules) = decide(c);
        if d != decision || !rules.iter().any(|r| r == rule) {
            bad.push(format!(
                "{c:?} gave {d:?} {rules:?}, expected {decision:?} {rule}"
            ));
        }
    }
    assert!(bad.is_empty(), "\n{}", bad.join("\n"));
}

fn passes(cmds: &[&str]) {
    let mut bad = Vec::new();
    for c in cmds {
        let (d, rules) = decide(c);
        if d != Decision::Allow {
            bad.push(format!("{c:?} was stopped by {rules:?}"));
        }
    }
    assert!(bad.is_empty(), "\n{}", bad.join("\n"));
}

const DENY: Decision = Decision::Deny;
const CONFIRM: Decision = Decision::Confirm;

#[test]
fn deleting_the_home_or_root_is_denied_like_rm_rf() {
    expect(
        DENY,
        "fs.delete-critical",
        &[
            "python3 -c 'import shutil,os; shutil.rmtree(os.path.expanduser(\"~\"))'",
            "python3 -c 'import shutil; getattr(shutil, \"rmt\"+\"ree\")(\"/home\")'",
            "python3 -c 'from shutil import rmtree as r; from pathlib import Path; r(Path.home())'",
            "python3 -c 'import shutil, os; shutil.rmtree(os.environ[\"HOME\"])'",
            "python3 -c 'import shutil, os; shutil.rmtree(os.getenv(\"HOME\"))'",
            "python3 -c 'import shutil; h = \"/home/\" + \"user\"; shutil.rmtree(h)'",
            "python3 -c 'import shutil; shutil.rmtree(\"\".join([\"/ho\", \"me\"]))'",
            "python3 -c 'import glob, shutil\nfor d in glob.glob(\"/home/*\"): shutil.rmtree(d)'",
            "node -e 'require(\"fs\").rmSync(require(\"os\").homedir(), {recursive: true, force: true})'",
            "node -e 'const fs = require(\"node:fs\"); fs.rmSync(\"/etc\", {recursive: true})'",
            "node -e 'import(\"fs\").then(m => m.promises.rm(\"/home\", {recursive: true}))'",
            "node -e 'const path = require(\"path\"); require(\"fs-extra\").removeSync(path.join(process.env.HOME, \"..\"))'",
            "deno eval 'await Deno.remove(Deno.env.get(\"HOME\"), {recursive: true})'",
            "ruby -e 'require \"fileutils\"; FileUtils.rm_rf(Dir.home)'",
            "ruby -e 'FileUtils.rm_r(File.expand_path(\"~\"))'",
            "perl -e 'use File::Path qw(remove_tree); remove_tree($ENV{HOME})'",
            "perl -e 'my $d = \"/home/user\"; use File::Path; rmtree($d)'",
        ],
    );
}

#[test]
fn deletes_outside_the_project_confirm_and_inside_pass() {
    expect(
        CONFIRM,
        "fs.delete-protected",
        &[
            "python3 -c 'import os; os.remove(\"/etc/hosts\")'",
            "python3 -c 'from pathlib import Path; Path(\"/etc/hosts\").unlink()'",
            "python3 -c 'import glob, os; [os.remove(f) for f in glob.glob(\"/etc/*.conf\")]'",
            "node -e 'require(\"fs\").unlinkSync(\"/etc/hosts\")'",
            "ruby -e 'File.delete(File.join(Dir.home, \".bashrc\"))'",
            "php -r 'unlink(getenv(\"HOME\") . \"/.bashrc\");'",
            "php -r 'array_map(\"unlink\", glob(\"/etc/*\"));'",
            "perl -e 'unlink glob \"/etc/*\"'",
        ],
    );
    passes(&[
        "python -c \"import shutil; shutil.rmtree('build')\"",
        "python3 -c 'import shutil; shutil.rmtree(\"build\", ignore_errors=True)'",
        "python3 -c 'import os; os.remove(\"out.txt\")'",
        "node -e 'require(\"fs\").rmSync(\"dist\", {recursive: true, force: true})'",
        "ruby -e 'FileUtils.rm_rf(\"tmp/cache\")'",
        "php -r 'unlink(\"cache.txt\");'",
    ]);
}

#[test]
fn writes_that_empty_protected_files_confirm() {
    expect(
        CONFIRM,
        "fs.overwrite-protected",
        &[
            "python3 -c 'open(\"/home/user/.bashrc\", \"w\").write(\"\")'",
            "python3 -c 'from pathlib import Path; Path(\"~/.ssh/authorized_keys\").expanduser().write_text(\"\")'",
            "node -e 'require(\"fs\").writeFileSync(require(\"path\").join(require(\"os\").homedir(), \".bashrc\"), \"\")'",
            "awk '{print > \"/etc/passwd\"}'",
            "perl -e 'open(F, \">\", \"/etc/hosts\")'",
        ],
    );
    passes(&[
        "python3 -c 'open(\"out.txt\", \"w\").write(\"x\")'",
        "python3 -c 'print(open(\"/etc/hosts\").read())'",
        "node -e 'require(\"fs\").writeFileSync(\"out.json\", \"{}\")'",
        "php -r 'file_put_contents(\"out.txt\", \"x\");'",
        "awk '{print > \"out.txt\"}'",
        "awk '{print $1 > \"/tmp/x\"}'",
    ]);
}

#[test]
fn commands_run_by_code_are_judged_as_shell() {
    expect(
        DENY,
        "fs.delete-critical",
        &[
            "python3 -c 'import subprocess; subprocess.run(\"rm -rf ~\", shell=True)'",
            "python3 -c 'import subprocess; subprocess.call([\"rm\", \"-rf\", \"/\"])'",
            "python3 -c 'import os; os.system(\"rm -rf \" + os.environ[\"HOME\"])'",
            "python3 -c 'import os; d = os.getenv(\"HOME\"); os.system(f\"rm -rf {d}\")'",
            "python3 -c 'import os; os.execvp(\"rm\", [\"rm\", \"-rf\", \"/\"])'",
            "python3 -c 'import pty; pty.spawn([\"rm\", \"-rf\", \"/\"])'",
            "python3 -c 'from os import *; system(\"rm -rf ~\")'",
            "node -e 'const {execSync} = require(\"child_process\"); execSync(\"rm -rf ~\")'",
            "node -e 'require(\"child_process\").spawnSync(\"rm\", [\"-rf\", process.env.HOME])'",
            "node -e 'import {exec} from \"node:child_process\"; exec(`rm -rf ${process.env.HOME}`)'",
            "bun -e 'Bun.spawn([\"rm\", \"-rf\", \"/\"])'",
            "deno eval 'new Deno.Command(\"rm\", {args: [\"-rf\", \"/\"]}).outputSync()'",
            "ruby -e 'system(\"rm\", \"-rf\", ENV[\"HOME\"])'",
            "ruby -e '`rm -rf /`'",
            "ruby -e '%x(rm -rf ~)'",
            "ruby -e 'Kernel.send(\"sys\" + \"tem\", \"rm -rf ~\")'",
            "php -r '$f = \"sys\" . \"tem\"; $f(\"rm -rf /\");'",
            "php -r 'call_user_func(\"system\", \"rm -rf ~\");'",
            "php -r 'echo `rm -rf ~`;'",
            "perl -e 'my $c = \"rm -rf ~\"; system($c)'",
            "awk 'BEGIN { system(\"rm -rf ~\") }'",
        ],
    );
    passes(&[
        "python3 -c 'import subprocess; subprocess.run([\"git\",\"status\"])'",
        "python3 -c 'import os; os.system(\"ls -la\")'",
        "node -e 'require(\"child_process\").execSync(\"git status\")'",
        "ruby -e 'puts `git status`'",
        "php -r 'echo `ls`;'",
        "awk '{print $1 | \"sort -u\"}'",
    ]);
}

#[test]
fn code_evaluated_from_strings_is_read_too() {
    expect(
        DENY,
        "fs.delete-critical",
        &[
            "python3 -c 'exec(\"import os; os.system(\\\"rm -rf ~\\\")\")'",
            "python3 -c 'import base64; exec(base64.b64decode(\"aW1wb3J0IG9zOyBvcy5zeXN0ZW0oInJtIC1yZiB+Iik=\"))'",
            "node -e 'eval(\"require(\\\"child_process\\\").execSync(\\\"rm -rf ~\\\")\")'",
            "php -r 'eval(\"system(\\\"rm -rf ~\\\");\");'",
        ],
    );
}

#[test]
fn what_cannot_be_known_at_a_destructive_call_confirms() {
    expect(
        CONFIRM,
        "shell.interpreter-exec",
        &[
            "python3 -c 'import os,sys; os.system(sys.argv[1])' x",
            "python3 -c 'import importlib,sys; importlib.import_module(sys.argv[1]).rmtree(\"/x\")' shutil",
            "python3 -c 'import shutil,sys; getattr(shutil, sys.argv[1])(\"/x\")' rmtree",
            "python3 -c '__import__(\"o\" + input())'",
            "python3 -c 'import sys; exec(sys.stdin.read())'",
            "python3 -c 'import os\nfor d in [\"build\", \"/\"]: os.system(\"rm -rf \" + d + \"/\" + os.sep)'",
            "node -e 'eval(process.argv[1])'",
            "node -e 'require(process.argv[1])'",
            "node -e 'require(\"child_process\").execSync(process.argv[1])'",
            "ruby -e 'system(ARGV[0])'",
            "php -r 'system($argv[1]);'",
            "awk '{print | \"sh\"}'",
            "awk '{print \"rm -f \" $1 | \"sh\"}'",
            "python3 -c 'import sqlite3,sys; sqlite3.connect(\"app.db\").execute(sys.argv[1])' x",
        ],
    );
    expect(
        CONFIRM,
        "fs.delete-protected",
        &["python3 -c 'import shutil,sys; shutil.rmtree(sys.argv[1])' x"],
    );
}

#[test]
fn sql_sent_by_libraries_is_judged_by_the_sql_analyser() {
    expect(
        CONFIRM,
        "database.sql-drop",
        &[
            "python3 -c 'import psycopg2; c=psycopg2.connect(\"dbname=prod\"); c.cursor().execute(\"DROP TABLE users\")'",
            "python3 -c 'import sqlite3; sqlite3.connect(\"app.db\").executescript(\"DROP TABLE users;\")'",
            "python3 -c 'from sqlalchemy import create_engine, text; create_engine(\"postgresql://db/prod\").connect().execute(text(\"TRUNCATE orders\"))'",
            "node -e 'const { Client } = require(\"pg\"); const c = new Client(); c.connect().then(() => c.query(\"DROP TABLE users\"))'",
            "node -e 'const {PrismaClient} = require(\"@prisma/client\"); new PrismaClient().$executeRawUnsafe(\"DROP TABLE users\")'",
            "node -e 'require(\"knex\")({client: \"pg\"}).raw(\"DROP SCHEMA public CASCADE\")'",
            "ruby -e 'ActiveRecord::Base.connection.execute(\"DROP TABLE users\")'",
            "php -r '$pdo = new PDO(\"mysql:host=db;dbname=shop\"); $pdo->exec(\"DROP DATABASE shop\");'",
            "perl -MDBI -e '$d = DBI->connect(\"dbi:Pg:dbname=prod\"); $d->do(\"DROP TABLE users\")'",
        ],
    );
    expect(
        CONFIRM,
        "database.sql-unfiltered",
        &["python3 -c 'import sqlite3; c=sqlite3.connect(\"app.db\"); c.execute(\"DELETE FROM users\")'"],
    );
    passes(&[
        "python3 -c 'cur.execute(\"SELECT * FROM users\")'",
        "python3 -c 'import sqlite3; print(sqlite3.connect(\"app.db\").execute(\"SELECT count(*) FROM t\").fetchone())'",
        "python3 -c 'import sqlite3; c=sqlite3.connect(\":memory:\"); c.execute(\"CREATE TABLE t(x)\"); c.execute(\"DROP TABLE t\")'",
        "node -e 'const { Client } = require(\"pg\"); new Client().query(\"SELECT 1\")'",
        "ruby -e 'ActiveRecord::Base.connection.execute(\"DELETE FROM sessions WHERE id = 3\")'",
    ]);
}

#[test]
fn orm_and_data_store_calls_that_destroy_confirm() {
    expect(
        CONFIRM,
        "database.library-destroy",
        &[
            "python3 -c 'from sqlalchemy import create_engine, MetaData; MetaData().drop_all(create_engine(\"postgresql://prod\"))'",
            "python3 -c 'from app import db; db.drop_all()'",
            "python3 -c 'import redis; redis.Redis().flushall()'",
            "python3 -c 'from pymongo import MongoClient; MongoClient().drop_database(\"shop\")'",
            "python3 -c 'from app.models import User; User.objects.all().delete()'",
            "node -e 'const {PrismaClient} = require(\"@prisma/client\"); new PrismaClient().user.deleteMany({})'",
            "node -e 'const {PrismaClient} = require(\"@prisma/client\"); new PrismaClient().user.deleteMany()'",
            "node -e 'db.collection(\"users\").drop()'",
            "node -e 'new (require(\"redis\").createClient)().flushAll()'",
            "node -e 'sequelize.sync({force: true})'",
            "node -e 'User.destroy({truncate: true})'",
            "ruby -e 'User.destroy_all'",
            "ruby -e 'User.delete_all'",
            "php -r 'DB::table(\"users\")->truncate();'",
            "php -r 'Schema::dropIfExists(\"users\");'",
        ],
    );
    passes(&[
        "node -e 'const {PrismaClient} = require(\"@prisma/client\"); new PrismaClient().user.deleteMany({where: {id: 1}})'",
        "node -e 'const m = new Map(); m.delete(\"x\")'",
        "python3 -c 'import pandas as pd; print(pd.DataFrame({\"a\": [1]}).drop(columns=[\"a\"]))'",
        "python3 -c 'import redis; print(redis.Redis().get(\"k\"))'",
        "ruby -e 'User.where(id: 1).destroy_by(id: 1)'",
    ]);
}

#[test]
fn http_deletes_and_graphql_mutations_are_judged_like_curl() {
    expect(
        CONFIRM,
        "http.delete-remote",
        &[
            "python3 -c 'import requests; requests.delete(\"https://api.example.com/v1/users/1\")'",
            "python3 -c 'import httpx; httpx.request(\"DELETE\", \"https://api.example.com/v1/users/1\")'",
            "python3 -c 'import requests; s = requests.Session(); s.delete(\"https://api.example.com/x\")'",
            "node -e 'fetch(\"https://api.example.com/users/1\", {method: \"DELETE\"})'",
            "node -e 'require(\"axios\").delete(\"https://api.example.com/users/1\")'",
            "ruby -e 'require \"httparty\"; HTTParty.delete(\"https://api.example.com/users/1\")'",
            "php -r '$c = curl_init(\"https://api.example.com/users/1\"); curl_setopt($c, CURLOPT_CUSTOMREQUEST, \"DELETE\"); curl_exec($c);'",
        ],
    );
    expect(
        CONFIRM,
        "http.graphql-destructive",
        &[
            "python3 -c 'import requests; requests.post(\"https://api.example.com/graphql\", json={\"query\": \"mutation { deleteUser(id: 1) { id } }\"})'",
            "node -e 'fetch(\"https://api.example.com/graphql\", {method: \"POST\", body: JSON.stringify({query: \"mutation { deleteProject(id: 2) { id } }\"})})'",
        ],
    );
    passes(&[
        "python3 -c 'import requests; print(requests.get(\"https://api.example.com/x\").json())'",
        "node -e 'fetch(\"https://api.example.com/x\").then(r=>r.json()).then(console.log)'",
        "python3 -c 'import requests; requests.delete(\"http://localhost:8000/items/1\")'",
        "python3 -c 'import requests; requests.post(\"https://api.example.com/graphql\", json={\"query\": \"{ users { id } }\"})'",
    ]);
}

#[test]
fn everyday_interpreter_code_passes() {
    passes(&[
        "python3 -c 'print(1)'",
        "python3 -c 'import json,sys; print(json.load(sys.stdin)[\"x\"])'",
        "python3 -c 'import sys; print(sys.version)'",
        "python3 -c 'import os; print(os.path.expanduser(\"~\"))'",
        "node -e 'console.log(require(\"fs\").readdirSync(\".\"))'",
        "node -p 'process.version'",
        "node -e 'const s = new Set([1]); s.delete(1); console.log(s.size)'",
        "ruby -e 'puts 1'",
        "ruby -e 'puts File.read(\"Gemfile\")'",
        "perl -ne 'print if /rm -rf/'",
        "perl -pe 's/foo/bar/' file",
        "php -r 'echo PHP_VERSION;'",
        "awk '{print $1}'",
        "awk '{print > \"out.txt\"}'",
        "awk '$3 > 100 {print $1}' data.txt",
        "awk '{print ($1 > 2)}' data.txt",
        "python3 -c 'print(\"rm -rf /\")'",
        "node -e 'console.log(\"DROP TABLE users\")'",
    ]);
}

#[test]
fn broken_huge_or_deep_code_is_never_a_silent_allow() {
    // The destructive call sits where the grammar could not parse.
    let (d, rules) = decide("python3 -c 'import shutil; shutil.rmtree(\"/home/user\" +)'");
    assert_ne!(d, Decision::Allow, "{rules:?}");
    // Expressions nested past the evaluator's depth.
    let deep = format!(
        "python3 -c 'import os; os.system({}\"ls\"{})'",
        "(".repeat(100),
        ")".repeat(100)
    );
    let (d, rules) = decide(&deep);
    assert_eq!(d, Decision::Confirm, "{rules:?}");
    // More code than is read.
    let huge = format!("python3 -c '{}print(1)'", "x = 1\n".repeat(60_000));
    let (d, rules) = decide(&huge);
    assert_eq!(d, Decision::Confirm, "{rules:?}");
    assert!(
        rules.iter().any(|r| r == "shell.interpreter-exec"),
        "{rules:?}"
    );
    // Harmless code that does not parse stays harmless.
    passes(&["python3 -c 'print(1'"]);
}

/// awk variables holding a constant command are read as that command wherever the
/// program runs it (`system(v)`, `v | getline`, `print … | v`); a variable built from
/// input or assigned again stays unknown (a confirm).
#[test]
fn awk_variables_holding_commands_are_that_command() {
    expect(
        DENY,
        "fs.delete-critical",
        &[
            "awk 'BEGIN{cmd=\"rm -rf ~\"; system(cmd)}'",
            "awk 'BEGIN{c = \"rm -rf \" \"/home\"; system(c)}'",
            "awk 'BEGIN{cmd=\"rm -rf ~\"; cmd | getline x}'",
            "gawk 'BEGIN{sh=\"sh\"; print \"rm -rf ~\" | sh}'",
        ],
    );
    expect(
        CONFIRM,
        "shell.interpreter-exec",
        &[
            "awk '{cmd=\"rm -rf \" $1; system(cmd)}' list",
            "awk '{cmd=\"rm -rf \" $1; cmd | getline}' list",
            "awk '{print \"rm -rf \" $1 | \"sh\"}' list",
            "awk '{cmd=\"ls\"; getline cmd < \"f\"; system(cmd)}'",
            "awk '{sh=\"sh\"; print $0 | sh}' list",
        ],
    );
    passes(&[
        "awk 'BEGIN{\"date\" | getline d; print d}'",
        "awk '{ \"date\" | getline d }'",
        "ping -c1 127.0.0.1 | awk -F\"[= ]\" '{if($10>50) {cmd=\"date\"; cmd | getline dt; close(cmd) ; print $10, dt}}'",
        "awk 'BEGIN{cmd=\"hostname\"; cmd | getline h; close(cmd); print h}'",
        "awk '{sort=\"sort -u\"; print $1 | sort}'",
        "awk 'BEGIN{msg=\"rm -rf ~\"; print msg}'",
    ]);
}

/// A loop over a directory's entries deletes what is in it: `Path.iterdir()`,
/// `rglob`, `os.listdir` joined back onto the directory, `os.walk`'s files. Judged
/// as `rm` of those entries (a whole tree when the walk goes down).
#[test]
fn loops_over_a_directory_delete_what_is_in_it() {
    expect(
        Decision::Confirm,
        "fs.delete-protected",
        &[
            "python3 -c \"from pathlib import Path\nfor p in Path.home().iterdir(): p.unlink()\"",
            "python3 -c \"from pathlib import Path; [p.unlink() for p in Path.home().rglob('*')]\"",
            "python3 -c \"from pathlib import Path\nfor p in Path('/srv/data').rglob('*.csv'):\n    p.unlink()\"",
            "python3 -c \"import os\nh = os.path.expanduser('~')\nfor f in os.listdir(h): os.remove(os.path.join(h, f))\"",
            "python3 -c \"import os\nfor root, dirs, files in os.walk(os.path.expanduser('~/work')):\n    for f in files: os.remove(os.path.join(root, f))\"",
        ],
    );
    passes(&[
        "python3 -c \"from pathlib import Path\nfor p in Path('build').iterdir(): p.unlink()\"",
        "python3 -c \"from pathlib import Path; [p.unlink() for p in Path('dist').rglob('*.js')]\"",
        "python3 -c \"import os\nfor f in os.listdir('out'): os.remove(os.path.join('out', f))\"",
        "python3 -c \"import os\nfor root, dirs, files in os.walk('build'):\n    for f in files: os.remove(os.path.join(root, f))\"",
        "python3 -c \"import os\nfor root, dirs, files in os.walk(os.path.expanduser('~')):\n    for f in files: print(os.path.join(root, f))\"",
        "python3 -c \"from pathlib import Path\nfor p in Path.home().iterdir(): print(p)\"",
    ]);
}

/// Languages without a grammar here (Tcl and `expect`, Julia, Elixir, Groovy, Scala,
/// Kotlin, Swift, Clojure, Erlang, jshell) are read for the commands they run and the
/// trees they delete; code that only prints or computes passes.
#[test]
fn other_languages_are_read_for_commands_and_tree_deletes() {
    expect(
        Decision::Deny,
        "fs.delete-critical",
        &[
            "expect -c 'spawn rm -rf ~; expect eof'",
            "echo 'exec rm -rf ~' | tclsh",
            "tclsh <<< 'file delete -force ~'",
            "julia -e 'rm(homedir(), recursive=true)'",
            "julia -e 'run(`rm -rf /home`)'",
            "elixir -e 'File.rm_rf!(System.user_home())'",
            "elixir -e 'System.cmd(\"rm\", [\"-rf\", \"/home\"])'",
            "groovy -e '\"rm -rf /home\".execute()'",
            "scala -e 'import sys.process._; \"rm -rf /home\".!'",
            "kotlin -e 'java.io.File(System.getProperty(\"user.home\")).deleteRecursively()'",
            "jshell <<< 'new ProcessBuilder(\"rm\", \"-rf\", \"/home\").start()'",
            "clojure -M -e '(clojure.java.shell/sh \"rm\" \"-rf\" \"/home\")'",
            "bb -e '(babashka.fs/delete-tree (System/getProperty \"user.home\"))'",
            "erl -noshell -eval 'os:cmd(\"rm -rf ~\"), halt().'",
        ],
    );
    // A process call whose command cannot be read.
    for c in [
        r#"jshell <<< 'Runtime.getRuntime().exec(System.getenv("CMD"))'"#,
        r#"erl -noshell -eval 'os:cmd(os:getenv("CMD")).'"#,
        "expect -c 'spawn $prog'",
    ] {
        assert_eq!(decide(c).0, Decision::Confirm, "{c}");
    }
    passes(&[
        "expect -c 'spawn ssh host; expect \"password:\"; send \"pw\\r\"; interact'",
        "julia -e 'println(\"rm -rf /\")'",
        "julia --project -e 'using Pkg; Pkg.instantiate()'",
        "julia -e 'rm(\"build\", recursive=true)'",
        "elixir -e 'IO.puts(1 + 1)'",
        "bb -e '(println (+ 1 2))'",
        "erl -noshell -eval 'io:format(\"hi~n\"), halt().'",
        "swift build",
        "swift test",
        "elixir --version",
    ]);
}
