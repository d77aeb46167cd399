//! The incidents and evasion classes seen in the wild (agents deleting homes, forcing
//! pushes, routing around a stop) that apply to files, git and shells: each must be
//! stopped. And the everyday look-alikes the brief names must pass silently.
//!
//! All run in the example context: HOME=/home/user, working directory
//! /home/user/project.

use interlock::{Context, Decision, Engine};

fn decide(cmd: &str) -> (Decision, Vec<String>) {
    let v = Engine::builtin().decide(cmd, &Context::example());
    (v.decision, v.findings.into_iter().map(|f| f.rule).collect())
}

fn assert_stops(cmds: &[&str]) {
    let mut bad = Vec::new();
    for c in cmds {
        let (d, rules) = decide(c);
        if d == Decision::Allow {
            bad.push(format!("{c:?} was allowed"));
        }
        let _ = rules;
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

fn assert_denies(cmds: &[&str]) {
    for c in cmds {
        let (d, rules) = decide(c);
        assert_eq!(d, Decision::Deny, "{c:?} gave {rules:?}");
    }
}

fn assert_passes(cmds: &[&str]) {
    let mut bad = Vec::new();
    for c in cmds {
        let (d, rules) = decide(c);
        if d != Decision::Allow {
            bad.push(format!("{c:?} was stopped by {rules:?}"));
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn home_directory_incidents() {
    assert_denies(&[
        "rm -rf tests/ patches/ plan/ ~/",
        "rm -rf \"$HOME\"",
        "rm -rf ~",
        "rm -rf $HOME/",
        "cd ~ && rm -rf *",
        "rm -rf /",
    ]);
    // A directory literally named `~` is fine to delete only when quoted; `rm -rf *`
    // in its parent (the project) takes everything.
    assert_stops(&["mkdir '~' && rm -rf *"]);
    assert_passes(&["rm -rf './~'"]);
}

#[test]
fn git_incidents() {
    assert_stops(&[
        "git reset --hard origin/main",
        "git push --force",
        "git push --force-with-lease || git push --force",
        "git push origin +main",
        "git clean -fdx",
        "git checkout -- .",
        "git stash clear",
        "git branch -D wip",
        "git filter-branch --force --index-filter 'git rm --cached -r .' HEAD",
        "git reflog expire --expire=now --all && git gc --prune=now",
    ]);
}

#[test]
fn quote_and_escape_splitting() {
    assert_stops(&[
        "g''it push -f",
        "\"gi\"t push -f",
        "\\git push -f",
        "g\\it push -f",
        "$'\\x67it' push --force",
        "$'\\147it' push --force",
        "'r'm -rf ~",
        "r\"\"m -rf ~",
    ]);
}

#[test]
fn ifs_brace_and_variable_tricks() {
    assert_stops(&[
        "rm${IFS}-rf${IFS}~",
        "{rm,-rf,~}",
        "p=rm; $p -rf ~",
        "p=git; $p push -f",
        "t=/srv; rm -rf $t",
        "x=\"push -f\"; git $x",
        "export P=rm; $P -rf ~",
        "a=r; b=m; $a$b -rf ~",
    ]);
}

#[test]
fn globs_and_odd_paths_as_programs() {
    assert_stops(&[
        "/b?n/r? -rf ~",
        "/bin/rm -rf ~",
        "./rm -rf ~",
        "/usr/bin/env git push -f",
        "=rm -rf ~",
        "/usr/bin/git push --force",
    ]);
}

#[test]
fn encoded_payloads_into_a_shell() {
    assert_stops(&[
        "echo cm0gLXJmIH4= | base64 -d | bash",
        "echo 726d202d7266207e | xxd -r -p | sh",
        "base64 -d <<< cm0gLXJmIH4= | sh",
        "printf '%s' cm0gLXJmIH4= | base64 --decode | zsh",
        "bash -c \"$(echo cm0gLXJmIH4= | base64 -d)\"",
        "sh <(echo cm0gLXJmIH4= | base64 -d)",
    ]);
}

#[test]
fn eval_and_source() {
    assert_stops(&[
        "eval \"rm -rf ~\"",
        "eval 'git push -f'",
        "eval rm -rf '~'",
        "source <(echo 'rm -rf ~')",
        ". /dev/stdin <<< 'rm -rf ~'",
        "source /dev/stdin <<EOF\nrm -rf ~\nEOF",
        "echo 'rm -rf ~' > /tmp/x.sh; source /tmp/x.sh",
        "echo 'rm -rf ~' > x.sh && bash x.sh",
        "cat > run.sh <<'EOF'\ngit push --force\nEOF\nsh run.sh",
    ]);
}

#[test]
fn functions_and_aliases_on_the_same_line() {
    assert_stops(&[
        "f() { rm -rf ~; }; f",
        "function f { git push -f; }; f",
        "f() { rm -rf \"$1\"; }; f ~",
        "alias x='rm -rf ~'; x",
        "alias p='git push'; p -f",
        "trap 'rm -rf ~' EXIT",
    ]);
    assert_passes(&["f() { echo hi; }; f", "alias ll='ls -la'; ll"]);
}

#[test]
fn runners_and_prefixes() {
    assert_stops(&[
        "sudo rm -rf ~",
        "sudo -u root -E rm -rf ~",
        "doas rm -rf ~",
        "env rm -rf ~",
        "env -i PATH=/bin rm -rf ~",
        "env -S 'rm -rf ~'",
        "command rm -rf ~",
        "builtin eval 'rm -rf ~'",
        "exec rm -rf ~",
        "nohup rm -rf ~ &",
        "nice -n 19 rm -rf ~",
        "ionice -c3 rm -rf ~",
        "timeout 10 rm -rf ~",
        "timeout -s KILL 5s git push -f",
        "time rm -rf ~",
        "stdbuf -oL rm -rf ~",
        "setsid rm -rf ~",
        "flock /tmp/lock rm -rf ~",
        "flock /tmp/lock -c 'rm -rf ~'",
        "watch -n 1 rm -rf ~",
        "script -qc 'rm -rf ~' /dev/null",
        "busybox rm -rf ~",
        "sudo sh -c 'rm -rf ~'",
        "npx rimraf ~",
    ]);
}

#[test]
fn leading_assignments() {
    assert_stops(&[
        "FOO=1 rm -rf ~",
        "GIT_SSH_COMMAND='ssh -i k' git push -f",
        "GIT_SSH_COMMAND='rm -rf ~' git fetch",
        "BASH_ENV=/tmp/evil bash -c true",
    ]);
}

#[test]
fn argument_feeders() {
    assert_stops(&[
        "echo ~ | xargs rm -rf",
        "find ~ -maxdepth 0 | xargs rm -rf",
        "find ~ -exec rm -rf {} +",
        "find / -delete",
        "find ~ -mindepth 1 -delete",
        "ls | xargs -I{} rm -rf {}",
        "parallel rm -rf ::: ~",
        "find . -name x -exec sh -c 'rm -rf ~' \\;",
    ]);
    assert_passes(&[
        "find . -name '*.pyc' -delete",
        "find . -name '*.o' -exec rm {} +",
        "find . -type d -name node_modules -prune -exec rm -rf {} +",
        "ls | xargs wc -l",
    ]);
}

#[test]
fn shells_inside_shells() {
    assert_stops(&[
        "bash -c 'rm -rf ~'",
        "sh -c \"git push --force\"",
        "zsh -c 'rm -rf ~'",
        "dash -c 'rm -rf ~'",
        "ksh -c 'rm -rf ~'",
        "bash -lc 'rm -rf ~'",
        "bash -c 'bash -c \"rm -rf ~\"'",
        "bash <<< 'rm -rf ~'",
        "bash <<'EOF'\nrm -rf ~\nEOF",
        "echo 'rm -rf ~' | bash",
        "printf 'rm -rf ~\\n' | sh",
        "cat <<EOF | sh\ngit push -f\nEOF",
        "sh -c 'rm -rf \"$1\"' _ ~",
        // A script written earlier on the line, also from a subshell or a substitution
        // (the file stays written when they end).
        "echo 'rm -rf ~' > x.sh; bash x.sh",
        "(echo 'rm -rf ~' > x.sh); bash x.sh",
        "echo $(echo 'rm -rf ~' > x.sh); bash x.sh",
    ]);
    assert_passes(&[
        "bash -c 'echo hi'",
        "(echo 'echo hi' > x.sh); bash x.sh",
        "echo 'ls' | bash",
        "sh -c 'cargo build'",
    ]);
}

#[test]
fn remote_and_container_shells() {
    assert_stops(&[
        "ssh host 'rm -rf ~'",
        "ssh -p 22 -i key user@host rm -rf /",
        "ssh host 'git push --force'",
        "docker exec app rm -rf /",
        "docker exec -it app sh -c 'rm -rf /'",
        "podman exec app rm -rf /",
        "docker compose exec web rm -rf /",
        "docker-compose exec -T web bash -c 'rm -rf /'",
        "kubectl exec pod -- rm -rf /",
        "kubectl exec -n prod pod -c app -- sh -c 'rm -rf /'",
    ]);
    assert_passes(&[
        "ssh host uptime",
        "docker exec app ls /",
        "kubectl exec pod -- cat /etc/hostname",
    ]);
}

#[test]
fn interpreters() {
    assert_stops(&[
        "python3 -c 'import shutil; shutil.rmtree(\"/home/user\")'",
        "python -c \"import os; os.system('rm -rf ~')\"",
        "python3 -c 'import subprocess; subprocess.run([\"git\", \"push\", \"-f\"])'",
        "perl -e 'system(\"rm -rf ~\")'",
        "perl -e '`rm -rf ~`'",
        "ruby -e 'system(\"rm -rf ~\")'",
        "ruby -e 'require \"fileutils\"; FileUtils.rm_rf(\"/home/user\")'",
        "node -e \"require('fs').rmSync('/home/user', {recursive: true, force: true})\"",
        "node -e \"require('child_process').execSync('rm -rf ~')\"",
        "python3 <<'EOF'\nimport shutil\nshutil.rmtree('/home/user')\nEOF",
        "awk 'BEGIN { system(\"rm -rf ~\") }'",
        "php -r 'system(\"rm -rf ~\");'",
    ]);
    assert_passes(&[
        "python3 -c 'print(42)'",
        "node -e 'console.log(1)'",
        "perl -pe 's/a/b/' f",
        "awk '{print $1}' f",
    ]);
}

#[test]
fn allowed_programs_that_run_code() {
    assert_stops(&[
        "git -c alias.x='!rm -rf ~' x",
        "git -c core.fsmonitor='rm -rf ~' status",
        "git -c core.sshCommand='rm -rf ~' fetch",
        "sort --compress-program=./evil big.txt",
        "man --html=./evil ls",
        "rg --pre ./evil pattern",
        "sed 's/x/rm -rf ~/e' f",
    ]);
}

#[test]
fn chaining_and_hiding() {
    assert_stops(&[
        "echo ok; rm -rf ~",
        "true && rm -rf ~",
        "false || rm -rf ~",
        "ls | rm -rf ~",
        "rm -rf ~ &",
        "echo a\nrm -rf ~",
        "if true; then rm -rf ~; fi",
        "for i in 1; do rm -rf ~; done",
        "while true; do git push -f; break; done",
        "case x in x) rm -rf ~;; esac",
        "( rm -rf ~ )",
        "{ rm -rf ~; }",
        "! rm -rf ~",
        "[[ -d ~ ]] && rm -rf ~",
    ]);
    // Hundreds of harmless subcommands do not hide the dangerous one at the end.
    let mut long = "echo ok; ".repeat(500);
    long.push_str("rm -rf ~");
    assert_stops(&[&long]);
}

#[test]
fn substitutions_inside_harmless_commands() {
    assert_stops(&[
        "echo $(rm -rf ~)",
        "echo `rm -rf ~`",
        "cat <(rm -rf ~)",
        "ls \"$(git push -f)\"",
        "x=$(rm -rf ~)",
        "echo ${x:-$(rm -rf ~)}",
        "echo $(( $(rm -rf ~) ))",
        "[[ $(rm -rf ~) ]]",
    ]);
}

#[test]
fn cd_changes_what_paths_mean() {
    assert_stops(&[
        "cd / && rm -rf bin",
        "cd ~ && rm -rf .ssh",
        "cd .. && rm -rf project",
    ]);
    assert_passes(&[
        "cd /tmp && rm -rf build-cache",
        "cd sub && rm -rf target",
        "cd /home/user/project/web && rm -rf node_modules",
    ]);
}

#[test]
fn everyday_work_passes_silently() {
    assert_passes(&[
        "rm -rf target/",
        "rm -rf node_modules",
        "rm -rf build dist __pycache__ .venv",
        "rm -rf /tmp/x",
        "git push",
        "git push -u origin feature/x",
        "git status",
        "git commit -m \"drop table\"",
        "git commit -m 'rm -rf / and DROP DATABASE are bad'",
        "grep 'rm -rf' -rn .",
        "grep -rn 'DROP TABLE' src/",
        "echo DROP DATABASE",
        "cargo build --release",
        "npm install && npm test",
        "ls -la ~",
        "cat ~/.bashrc",
        "make clean && make",
        "docker ps",
        "kubectl get pods",
        "curl https://example.com",
        "find . -name '*.rs' | xargs grep -n unwrap",
        "tar -czf backup.tgz src",
        "interlock explain -- 'rm -rf /'",
    ]);
}

#[test]
fn parse_gaps_do_not_allow_danger() {
    // A heredoc followed by a pipe on its first line is an ERROR in tree-sitter-bash;
    // the parsed part is still judged, and harmless text is not stopped.
    assert_passes(&["cat <<'EOF' 2>&1 | tee log\nhello\nEOF"]);
    assert_stops(&["cat <<'EOF' 2>&1 | tee log\nhello\nEOF\nrm -rf ~"]);
    assert_stops(&["case x in (rm -rf ~", "if then rm -rf ~ fi fi"]);
}

#[test]
fn parser_differentials_and_shell_features() {
    assert_stops(&[
        "echo $[1+$(rm -rf ~)]",
        "echo x#; rm -rf ~",
        "cat <<EOF; rm -rf ~\nx\nEOF",
        "cat <<-EOF\n\tx\n\tEOF\nrm -rf ~",
        "a=(rm -rf ~); \"${a[@]}\"",
        "declare -a a=(git push -f); ${a[@]}",
        "a=(rm -rf); a+=(~); ${a[@]}",
        "coproc rm -rf ~",
        "IFS=,; cmd=rm,-rf,/home/user; $cmd",
        "exec 3<<<'rm -rf ~'; bash <&3",
        "read -r c <<< 'rm -rf ~'; $c",
        "cmd /c 'rmdir /s /q C:\\'",
    ]);
    assert_passes(&[
        "echo x #; rm -rf ~",
        "echo \\\nrm -rf ~",
        "a=(ls -la); \"${a[@]}\"",
    ]);
}

#[test]
fn gemini_cli_moves_onto_one_name() {
    // A failed `mkdir` left `dest` a plain name: every `mv` overwrote the previous file.
    assert_stops(&["mkdir dest; mv a.txt dest; mv b.txt dest; mv c.txt dest"]);
    assert_passes(&["mkdir -p dest && mv a.txt dest/ && mv b.txt dest/"]);
}

/// Positional parameters: `sh -c CODE NAME ARGS…` runs ARGS through `"$@"`, `shift`
/// and `set --`. A shift that may not have run leaves them unknown.
#[test]
fn positional_parameters() {
    assert_denies(&[
        "bash -c 'exec \"$@\"' sh rm -rf ~",
        "bash -c '. \"$1\" && shift && exec \"$@\"' sh ~/.codex/shell_snapshots/s.sh rm -rf ~",
        "bash -c 'shift; rm -rf \"$1\"' sh safe /",
        "bash -c 'set -- /; rm -rf \"$1\"' sh safe",
        "bash -c 'true && shift && exec \"$@\"' sh x rm -rf ~",
        "bash -c 'rm -rf $*' sh a '/ b'",
    ]);
    assert_stops(&[
        "bash -c 'false && shift; exec \"$@\"' sh rm -rf ~",
        "bash -c 'true && shift || exec \"$@\"' sh rm -rf ~",
        "bash -c 'for a; do shift; done; rm -rf \"$1\"' sh a /",
        "bash -c 'if false; then shift; fi; rm -rf \"$1\"' sh / b",
        "bash -c 'shift $n; rm -rf \"$1\"' sh a /",
    ]);
    assert_passes(&[
        "bash -c '. \"$1\" && shift && exec \"$@\"' sh ~/.codex/shell_snapshots/s.sh git status",
        "bash -c 'exec \"$@\"' sh",
        "bash -c 'rm -rf \"$@\"' sh build dist",
        "bash -c 'set -euo pipefail; ls \"$1\"' sh /",
        "bash -c 'cd \"$1\" && shift && exec \"$@\"' sh /tmp ls -la",
    ]);
}

/// Issues 14 and 15: what counts as inside the project is the directory the line starts
/// in, for the whole line. `cd`, `pushd`, `env --chdir`, `git -C` move where relative
/// paths resolve, never the project (`cd ~ && rm -rf keep` deletes `~/keep`, which
/// `rm -rf ~/keep` shows is outside it).
#[test]
fn the_project_does_not_move_with_cd() {
    assert_stops(&[
        "cd ~ && rm -rf keep",
        "cd ~; rm -rf keep",
        "cd $HOME && rm -rf keep/",
        "cd /home/user && rm -rf keep",
        "cd .. && rm -rf other-project",
        "cd ../.. && rm -rf user/keep",
        "pushd ~; rm -rf keep",
        "pushd ~ && rm -rf keep && popd",
        "pushd /home/user >/dev/null; rm -rf keep; popd",
        "git -C ~ clean -fdx",
        "git -C /home/user clean -fd",
        "env --chdir=$HOME rm -rf keep",
        "env --chdir=/home/user rm -rf keep",
        "env -C ~ rm -rf keep",
        "env -C/home/user rm -rf keep",
        "sudo env --chdir=$HOME rm -rf keep",
        "cd ~ && bash -c 'rm -rf keep'",
        "(cd ~ && rm -rf keep)",
        "cd sub && rm -rf ../*",
        "cd ~/other && rm -rf src",
    ]);
    // The look-alikes: the same shapes inside the project, or in temporary space.
    assert_passes(&[
        "cd build && rm -rf out",
        "cd build; rm -rf out",
        "cd build && rm -rf *",
        "mkdir -p build && cd build && rm -rf out",
        "pushd build; rm -rf out; popd",
        "env --chdir=build rm -rf out",
        "env -C build rm -rf out",
        "cd /home/user/project/web && rm -rf dist",
        "cd ~/project && rm -rf target",
        "cd /tmp/x && rm -rf y",
        "cd /tmp && rm -rf build-cache",
        "cd ~ && ls",
        "cd ~ && rm -rf project/target",
    ]);
}

/// What a search finds carries the names it searched for: `find -name .git`, `fd -H
/// .git` and `"$dir/.git"` reach git history, `-name '*.db'` database files, wherever
/// the unknown part points.
#[test]
fn found_names_and_unknown_prefixes_keep_their_meaning() {
    assert_stops(&[
        "find . -name .git -exec rm -rf {} +",
        "find . -iname .git -execdir rm -rf {} \\;",
        "find . -name .git | xargs rm -rf",
        "find . -type d -name '.gi[t]' -delete",
        "find . -path '*/.git/*' -delete",
        "find . -name '*.sqlite3' -delete",
        "find . -name pgdata -exec rm -rf {} +",
        "fd -H '^\\.git$' -x rm -rf",
        "fd --hidden git -t d -X rm -rf",
        "fd -e db -X rm",
        "rm -rf \"./$repo/.git\"",
        "rm -rf ./$x/.git/objects",
        "rm -f ./$dir/app.sqlite",
    ]);
    assert_passes(&[
        "find . -name '*.pyc' -delete",
        "find . -name __pycache__ -exec rm -rf {} +",
        "find . -name '.github-old' -prune -o -name '*.o' -delete",
        "find . -name '*.orig' | xargs rm",
        "fd -H -t d node_modules -X rm -rf",
        "fd git -X rm -rf",
        "fd -e o -x rm {}",
        "rm -rf ./$x/build",
        "rm -rf ./$x.git-old",
    ]);
}

/// `dir/*/*` is every entry of every entry of `dir`: as much as `dir/*`, even without
/// `-r` (`rm /home/*/*` empties every home directory).
#[test]
fn globs_of_everything_at_every_level_reach_the_whole_directory() {
    assert_stops(&["rm /home/*/*", "rm -f ~/*/*", "rm -rf */*", "rm -rf ./*/*/"]);
    assert_passes(&[
        "rm build/*/*",
        "rm -rf build/*/*",
        "rm -rf target/*/",
        "rm ~/*.txt",
        "rm -f */*.o",
    ]);
}
