//! The general model of destructive operations (`verbs.destructive`,
//! src/analysers/verbs.rs, policies/verbs.toml): a destructive verb acting on a
//! data-bearing noun, in any naming style, for CLIs no rule names; read-only forms and
//! look-alikes pass; precise rules keep their own findings.

use interlock::{Context, Decision, Engine, Verdict};

fn engine() -> &'static Engine {
    static E: std::sync::OnceLock<Engine> = std::sync::OnceLock::new();
    E.get_or_init(Engine::builtin)
}

fn verdict(cmd: &str) -> Verdict {
    engine().decide(cmd, &Context::example())
}

/// Stopped by the model, with a message naming the verb and the target.
#[track_caller]
fn model_stops(cmd: &str, verb: &str, target: &str) {
    let v = verdict(cmd);
    assert_eq!(v.decision, Decision::Confirm, "{cmd}: {v:?}");
    let msgs: Vec<String> = v
        .findings
        .iter()
        .filter(|f| f.rule == "verbs.destructive")
        .map(|f| f.message())
        .collect();
    assert!(
        msgs.iter()
            .any(|m| m.contains(&format!("`{verb}`")) && m.contains(target)),
        "{cmd}: expected verb {verb:?} and target {target:?} in {msgs:?}"
    );
}

#[track_caller]
fn passes(cmd: &str) {
    let v = verdict(cmd);
    assert_eq!(v.decision, Decision::Allow, "{cmd}: {:?}", v.findings);
}

#[test]
fn every_naming_style() {
    model_stops("some-cli delete-database prod", "delete", "prod");
    model_stops(
        "some-cli deleteBucket --bucket uploads",
        "delete",
        "uploads",
    );
    model_stops("some-cli db:drop", "drop", "db");
    model_stops("some-cli bucket delete uploads", "delete", "uploads");
    model_stops("some-cli delete bucket uploads", "delete", "uploads");
    model_stops("some-cli purge_queue jobs", "purge", "jobs");
    model_stops("some-cli volumes destroy data-1", "destroy", "data-1");
    model_stops(
        "some-cli --region eu-west-1 snapshots rm snap-1",
        "rm",
        "snap-1",
    );
}

#[test]
fn families_of_tools() {
    // cloud services no rule names
    model_stops(
        "aws logs delete-log-group --log-group-name /aws/lambda/api",
        "delete",
        "/aws/lambda/api",
    );
    model_stops(
        "aws sqs purge-queue --queue-url https://q/jobs",
        "purge",
        "https://q/jobs",
    );
    model_stops(
        "aws ssm delete-parameter --name /app/config",
        "delete",
        "/app/config",
    );
    // retention set to zero
    model_stops(
        "aws rds modify-db-instance --db-instance-identifier prod --backup-retention-period 0",
        "--backup-retention-period 0",
        "prod",
    );
    // forges, registries
    model_stops("gh release delete v1.2.0 --yes", "delete", "v1.2.0");
    model_stops("glab repo delete group/project", "delete", "group/project");
    model_stops(
        "npm unpublish my-package@1.0.0",
        "unpublish",
        "my-package@1.0.0",
    );
    // backup and sync
    model_stops(
        "restic forget --keep-last 1 --prune",
        "forget",
        "backup repository",
    );
    model_stops(
        "borg delete /srv/borg::archive-1",
        "delete",
        "/srv/borg::archive-1",
    );
    model_stops("rclone purge remote:backups", "purge", "remote:backups");
    model_stops(
        "mc rb --force local/uploads",
        "remove bucket",
        "local/uploads",
    );
    // secrets, messaging, key-value stores
    model_stops(
        "vault kv destroy -versions=1 secret/app",
        "destroy",
        "secret/app",
    );
    model_stops("op item delete 'Prod DB'", "delete", "Prod DB");
    model_stops(
        "kafka-topics --bootstrap-server b:9092 --delete --topic orders",
        "--delete",
        "orders",
    );
    model_stops("rabbitmqctl delete_queue orders", "delete", "orders");
    model_stops("nats stream rm ORDERS", "rm", "ORDERS");
    model_stops("etcdctl del --prefix /registry", "delete", "/registry");
    model_stops(
        "influx bucket delete --name telemetry",
        "delete",
        "telemetry",
    );
}

#[test]
fn read_only_forms_and_look_alikes_pass() {
    for cmd in [
        "kubectl delete pod web-1",
        "docker rm web",
        "docker rm -f db",
        "git branch -d merged",
        "aws s3 ls",
        "gh release list",
        "doctl d list",
        "doctl d connection prod",
        "aws rds describe-db-instances",
        "gh release view v1.2.0",
        "restic snapshots",
        "restic forget --keep-last 1 --prune --dry-run",
        "vault kv get secret/app",
        "kafka-topics --describe --topic orders",
        "some-cli delete-database prod --dry-run",
        "some-cli delete-database --help",
        "some-cli delete session",
        "some-cli list-buckets",
        "npm rm lodash",
        "apt remove postgresql",
        "aws rds modify-db-instance --db-instance-identifier prod --backup-retention-period 7",
        "knex migrate:rollback",
    ] {
        passes(cmd);
    }
}

#[test]
fn precise_rules_keep_their_findings() {
    // A command a precise rule judges is reported once, by that rule.
    for (cmd, rule) in [
        (
            "aws rds delete-db-instance --db-instance-identifier prod",
            "cloud.aws-data-delete",
        ),
        ("gh repo delete acme/api --yes", "platforms.gh-repo-delete"),
        ("kubectl delete namespace prod", "kubernetes.delete-data"),
        ("docker volume rm pgdata", "containers.volume-rm"),
    ] {
        let v = verdict(cmd);
        let rules: Vec<&str> = v.findings.iter().map(|f| f.rule.as_str()).collect();
        assert!(rules.contains(&rule), "{cmd}: {rules:?}");
        assert!(
            !rules.contains(&"verbs.destructive"),
            "{cmd}: reported twice: {rules:?}"
        );
    }
}
