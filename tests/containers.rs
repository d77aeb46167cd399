//! Containers reach the host and named volumes through their mounts: a command run
//! by `docker|podman run` is judged with its container paths mapped through `-v`,
//! `--mount` and `--volumes-from` (a host directory is judged as that directory, a
//! named volume's contents are data); paths under no mount are the container's own
//! and pass. Database and other clients run from images are judged like the same
//! client on the host.
//!
//! All run in the example context: HOME=/home/user, working directory
//! /home/user/project.

use interlock::{Context, Decision, Engine};

fn decide(cmd: &str) -> (Decision, Vec<String>) {
    let v = Engine::builtin().decide(cmd, &Context::example());
    (v.decision, v.findings.into_iter().map(|f| f.rule).collect())
}

fn assert_verdict(cmds: &[&str], want: Decision, rule: &str) {
    let mut bad = Vec::new();
    for c in cmds {
        let (d, rules) = decide(c);
        if d != want || !rules.iter().any(|r| r == rule) {
            bad.push(format!(
                "{c:?} gave {d:?} {rules:?}, want {want:?} by {rule}"
            ));
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
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
fn host_directories_mounted_in_are_judged_as_the_host_paths() {
    assert_verdict(
        &[
            "docker run -v /:/host alpine rm -rf /host/home",
            "docker run --rm -v /:/host alpine rm -rf /host",
            "docker run -v $HOME:/h alpine rm -rf /h",
            "docker run -v ~:/h alpine sh -c 'rm -rf /h'",
            "docker run -v /home/user:/data -w /data alpine rm -rf .",
            "podman run --rm -v /etc:/mnt/etc alpine rm -rf /mnt/etc",
            "docker run --mount type=bind,source=/,target=/host alpine rm -rf /host/usr",
            "docker run --mount=type=bind,src=/home/user,dst=/x alpine sh -c 'cd /x && rm -rf *'",
            "docker container run -v /:/host --entrypoint sh alpine -c 'rm -rf /host/etc'",
            "nerdctl run -v /:/host alpine rm -rf /host/",
        ],
        Decision::Deny,
        "fs.delete-critical",
    );
    // Outside the project on the host: a confirm, as on the host.
    assert_verdict(
        &["docker run -v /home/user/other:/o alpine rm -rf /o"],
        Decision::Confirm,
        "fs.delete-protected",
    );
}

#[test]
fn named_volumes_hold_data() {
    assert_verdict(
        &[
            "docker run -v pgdata:/var/lib/postgresql/data alpine rm -rf /var/lib/postgresql/data",
            "docker run --rm -v pgdata:/data alpine sh -c 'rm -rf /data/*'",
            "docker run --mount type=volume,source=mysql,target=/var/lib/mysql alpine rm -rf /var/lib/mysql/app",
            "podman run -v redis-data:/data alpine find /data -delete",
            "docker run --volumes-from db alpine rm -rf /var/lib/postgresql",
            "docker run -v pgdata:/data alpine rm -rf /",
        ],
        Decision::Confirm,
        "fs.delete-protected",
    );
}

#[test]
fn the_containers_own_files_and_read_only_mounts_pass() {
    assert_passes(&[
        "docker run --rm alpine rm -rf /tmp/x",
        "docker run --rm alpine rm -rf /",
        "docker run --rm alpine sh -c 'rm -rf /var/cache/apk/*'",
        "docker run -v /:/host:ro alpine rm -rf /host/home",
        "docker run --mount type=bind,source=/,target=/host,readonly alpine rm -rf /host/home",
        "docker run -v $PWD:/src rust cargo build",
        "docker run --rm -v $PWD:/w alpine rm -rf /w/target",
        "docker run --rm -v $PWD:/w -w /w node:20 rm -rf node_modules",
        "docker run -v pgdata:/data alpine ls /data",
        "docker run -v pgdata:/data alpine rm -rf /tmp/scratch",
        "docker run --rm -v pgdata:/v -v $PWD:/b alpine tar czf /b/vol.tgz -C /v .",
        "docker run -d --name db -v pgdata:/var/lib/postgresql/data postgres:16",
        "docker run --rm -it ubuntu bash",
        "docker run --rm postgres psql -h db -c 'SELECT 1'",
    ]);
}

#[test]
fn clients_run_from_images_are_judged_like_on_the_host() {
    assert_verdict(
        &[
            "docker run --rm postgres psql -h prod-db -c 'DROP DATABASE prod'",
            "docker run --rm -e PGPASSWORD=x postgres:16 psql -h prod-db -U app -c 'DROP TABLE users'",
            "docker exec db psql -c 'DROP TABLE x'",
            "docker run --rm --network host mysql mysql -h 10.0.0.5 -e 'DROP DATABASE shop'",
            "podman run --rm postgres sh -c \"psql -h prod -c 'DROP SCHEMA public CASCADE'\"",
        ],
        Decision::Confirm,
        "database.sql-drop",
    );
    let (d, _) = decide("docker run --rm mongo mongosh mongodb://prod --eval 'db.dropDatabase()'");
    assert_ne!(d, Decision::Allow);
    let (d, _) = decide("docker run --rm redis redis-cli -h prod FLUSHALL");
    assert_ne!(d, Decision::Allow);
}

/// `docker compose run` is judged with the mounts of `-v` and of the service in the
/// compose file (compose.yaml / docker-compose.yml, found from the working directory
/// up, or `-f`, or `--project-directory`): host paths relative to the file's
/// directory, named volumes as data.
#[test]
fn compose_run_is_judged_with_the_services_mounts() {
    let home = tempfile::tempdir().expect("tempdir");
    let project = home.path().join("project");
    let other = home.path().join("other");
    std::fs::create_dir_all(project.join("sub")).expect("project");
    std::fs::create_dir_all(&other).expect("other");
    std::fs::write(
        project.join("compose.yaml"),
        "services:\n  app:\n    image: alpine\n    volumes:\n      - ..:/h\n      - ./src:/app/src\n      - ./cfg:/cfg:ro\n  db:\n    image: postgres\n    volumes:\n      - type: volume\n        source: pgdata\n        target: /var/lib/postgresql/data\n  plain:\n    image: alpine\nvolumes:\n  pgdata: {}\n",
    )
    .expect("compose");
    std::fs::write(
        other.join("docker-compose.yml"),
        "services:\n  web:\n    image: nginx\n    volumes:\n      - /:/host\n",
    )
    .expect("compose");
    let mut ctx = Context::example();
    ctx.home = Some(home.path().to_path_buf());
    ctx.cwd = Some(project.clone());
    ctx.env
        .insert("HOME".into(), home.path().display().to_string());
    let engine = Engine::builtin();
    let decide = |c: &str| {
        let v = engine.decide(c, &ctx);
        (
            v.decision,
            v.findings.into_iter().map(|f| f.rule).collect::<Vec<_>>(),
        )
    };
    let mut bad = Vec::new();
    for (c, want) in [
        // The service mounts the home directory (the project's parent) at /h.
        ("docker compose run app rm -rf /h", Decision::Deny),
        (
            "docker-compose run --rm app sh -c 'rm -rf /h'",
            Decision::Deny,
        ),
        ("cd sub && docker compose run app rm -rf /h", Decision::Deny),
        (
            "docker compose -f compose.yaml run app rm -rf /h/other",
            Decision::Confirm,
        ),
        // A named volume holds data.
        (
            "docker compose run db rm -rf /var/lib/postgresql/data",
            Decision::Confirm,
        ),
        (
            "docker compose run --rm db sh -c 'rm -rf /var/lib/postgresql/data/*'",
            Decision::Confirm,
        ),
        // `-v` on the command line.
        (
            "docker compose run -v /:/host plain rm -rf /host/etc",
            Decision::Deny,
        ),
        (
            "docker compose run --volume ~/:/u plain rm -rf /u",
            Decision::Deny,
        ),
        // Another project's compose file.
        (
            "docker compose --project-directory ../other run web rm -rf /host",
            Decision::Deny,
        ),
        // The container's own files, read-only mounts and the project's own source pass.
        ("docker compose run app rm -rf /tmp/cache", Decision::Allow),
        (
            "docker compose run plain rm -rf /var/lib/postgresql/data",
            Decision::Allow,
        ),
        ("docker compose run app rm -rf /cfg", Decision::Allow),
        (
            "docker compose run app rm -rf /app/src/build",
            Decision::Allow,
        ),
        ("docker compose run app ls /h", Decision::Allow),
        ("docker compose run db psql -c 'SELECT 1'", Decision::Allow),
    ] {
        let (d, rules) = decide(c);
        if d != want {
            bad.push(format!("{c:?} gave {d:?} {rules:?}, want {want:?}"));
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

/// A read-only mount (`-v SRC:DST:ro`, `--mount …,readonly`) cannot be deleted
/// through: the command inside fails to write there, so `compose run` with one is
/// judged by its other mounts only; and `compose rm -v` is compose's own `rm`
/// subcommand (after compose's global options), never a command run inside a
/// container that happens to be `rm` with a `-v` flag.
#[test]
fn read_only_mounts_and_compose_rm() {
    assert_passes(&[
        "docker compose run -v /:/host:ro svc rm -rf /host/etc",
        "docker compose run --rm -v /:/host:ro svc rm -rf /host/etc",
        "docker compose run --volume=/:/host:ro svc sh -c 'rm -rf /host/etc'",
        "docker compose run -v /:/host:ro,z svc rm -rf /host/home",
        "docker compose -f compose.yaml run -v ~:/h:ro svc rm -rf /h",
        "docker compose run -v /home/user:/data:ro svc rm -v /data/notes.txt",
        "docker run --rm -v /:/host:ro alpine rm -v /host/etc/passwd",
        "docker run --rm --mount type=bind,src=/,dst=/host,ro alpine rm -rf /host/etc",
        "docker run --rm --mount type=bind,src=/,dst=/host,readonly=true alpine rm -rf /host/etc",
        "docker compose exec app rm -v /tmp/x",
        "docker compose -p shop run svc rm -rf /tmp/build",
    ]);
    // A writable mount next to a read-only one is still the host's.
    assert_verdict(
        &[
            "docker compose run -v /:/host svc rm -rf /host/etc",
            "docker compose run -v /:/host:rw svc rm -rf /host/etc",
            "docker compose run -v /:/ro:ro -v /:/host svc rm -rf /host/etc",
            "docker run --rm --mount type=bind,src=/,dst=/host,readonly=false alpine rm -rf /host/etc",
        ],
        Decision::Deny,
        "fs.delete-critical",
    );
    // compose's own `rm -v` and `down -v`, wherever compose's global options put them.
    assert_verdict(
        &[
            "docker compose rm -v",
            "docker compose rm -fsv",
            "docker compose -f docker-compose.prod.yml -p shop rm -f -v db",
            "docker compose --project-name shop rm --volumes",
            "podman compose --env-file .env rm -v",
        ],
        Decision::Confirm,
        "containers.rm-volumes",
    );
    assert_verdict(
        &[
            "docker compose down -v",
            "docker compose -f prod.yml -p shop down --volumes",
            "docker --context prod compose down -v",
        ],
        Decision::Confirm,
        "containers.compose-down-volumes",
    );
    for c in [
        "docker compose run -v /:/host:ro svc rm -rf /host/etc",
        "docker compose run -v data:/d svc rm -v /tmp/x",
        "docker compose -f rm.yml up -v",
        "docker compose exec app ls -v down",
    ] {
        let (_, rules) = decide(c);
        assert!(
            !rules
                .iter()
                .any(|r| r == "containers.rm-volumes" || r == "containers.compose-down-volumes"),
            "{c}: {rules:?}"
        );
    }
}

/// A data directory deleted inside a running container (`docker exec`) is the
/// database's data; `chroot /host` in a container whose /host is the host's root is
/// the host.
#[test]
fn data_in_running_containers_and_chroot_to_the_host() {
    assert_verdict(
        &[
            "docker exec db rm -rf /var/lib/postgresql/data",
            "docker exec -it pg sh -c 'rm -rf /var/lib/postgresql/data/*'",
            "podman exec mysql rm -rf /var/lib/mysql",
            "docker compose exec db rm -rf /var/lib/postgresql/data",
        ],
        Decision::Confirm,
        "fs.delete-protected",
    );
    assert_verdict(
        &[
            "docker run -v /:/host alpine chroot /host rm -rf /home",
            "docker run --privileged -v /:/host alpine chroot /host sh -c 'rm -rf /etc'",
        ],
        Decision::Deny,
        "fs.delete-critical",
    );
    assert_passes(&[
        "docker exec db ls /var/lib/postgresql/data",
        "docker exec app rm -rf /tmp/cache",
        "docker run -v /:/host alpine chroot /host ls /",
        "docker run alpine chroot / rm -rf /tmp/x",
    ]);
}
