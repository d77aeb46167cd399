//! The domain packs: SQL and data stores, HTTP and GraphQL, containers, Kubernetes,
//! IaC, cloud and hosting platforms.
//!
//! Verdicts are checked against the real programs where they are on the machine: a
//! PostgreSQL server started here and sqlite3 run every SQL case for real, so that
//! what Interlock stops is what destroys the table, and what it passes leaves it.

use interlock::{Context, Decision, Engine, Verdict};
use std::path::{Path, PathBuf};
use std::process::Command;

fn engine() -> &'static Engine {
    static E: std::sync::OnceLock<Engine> = std::sync::OnceLock::new();
    E.get_or_init(Engine::builtin)
}

fn verdict_in(cmd: &str, ctx: &Context) -> Verdict {
    engine().decide(cmd, ctx)
}

fn verdict(cmd: &str) -> Verdict {
    verdict_in(cmd, &Context::example())
}

fn rules(v: &Verdict) -> Vec<String> {
    v.findings.iter().map(|f| f.rule.clone()).collect()
}

/// The command is stopped by `rule`, and the finding's message names `names`.
#[track_caller]
fn stops_in(cmd: &str, rule: &str, names: &str, ctx: &Context) {
    let v = verdict_in(cmd, ctx);
    let mine: Vec<String> = v
        .findings
        .iter()
        .filter(|f| f.rule == rule)
        .map(|f| f.message())
        .collect();
    assert!(
        !mine.is_empty(),
        "{cmd:?} must be stopped by {rule}, got {:?}",
        v.findings
    );
    assert_ne!(v.decision, Decision::Allow);
    assert!(
        mine.iter().any(|m| m.contains(names)),
        "{cmd:?}: a message of {mine:?} must name {names:?}"
    );
}

#[track_caller]
fn stops(cmd: &str, rule: &str, names: &str) {
    stops_in(cmd, rule, names, &Context::example());
}

#[track_caller]
fn passes_in(cmd: &str, ctx: &Context) {
    let v = verdict_in(cmd, ctx);
    assert_eq!(
        v.decision,
        Decision::Allow,
        "{cmd:?} was stopped: {:?}",
        v.findings
    );
}

#[track_caller]
fn passes(cmd: &str) {
    passes_in(cmd, &Context::example());
}

fn ctx_in(dir: &Path) -> Context {
    Context::example().with_cwd(dir)
}

// ---------------------------------------------------------------------------------
// SQL clients
// ---------------------------------------------------------------------------------

const DROP: &str = "database.sql-drop";
const UNFILTERED: &str = "database.sql-unfiltered";
const UNPARSED: &str = "database.sql-unparsed";

#[test]
fn psql_client() {
    stops("psql -c 'DROP TABLE users'", DROP, "DROP TABLE users");
    stops(
        "psql postgres://app:secret@db.internal:5432/prod -c 'DROP TABLE users'",
        DROP,
        "in database prod on db.internal",
    );
    stops(
        "psql -d shop --command='TRUNCATE orders'",
        DROP,
        "TRUNCATE orders in database shop",
    );
    stops(
        "psql 'host=db1 dbname=crm' -c 'DELETE FROM leads'",
        UNFILTERED,
        "leads without WHERE in database crm on db1",
    );
    stops(
        "psql -Atc 'DROP SCHEMA public CASCADE'",
        DROP,
        "DROP SCHEMA public",
    );
    // The message never shows the password of a connection URI.
    let v = verdict("psql postgres://app:secret@db/prod -c 'DROP TABLE t'");
    assert!(v.findings.iter().all(|f| !f.message().contains("secret")));
    passes("psql -c 'SELECT * FROM users'");
    passes("psql -c '\\l'");
    passes("psql -l");
    passes("psql -d shop -c \"SELECT 'DROP TABLE users'\"");
}

#[test]
fn mysql_and_mariadb_clients() {
    stops(
        "mysql -u root -pSecret -e 'DROP DATABASE shop'",
        DROP,
        "DROP DATABASE shop",
    );
    stops(
        "mysql -uroot -psecret shop -e 'DELETE FROM orders'",
        UNFILTERED,
        "orders without WHERE in database shop",
    );
    stops(
        "mysql --execute='drop table `orders`' -D shop",
        DROP,
        "orders",
    );
    stops(
        "mariadb -h db1 -e 'TRUNCATE TABLE sessions'",
        DROP,
        "on db1",
    );
    stops(
        "mycli -e 'UPDATE users SET admin = 1' shop",
        UNFILTERED,
        "UPDATE users",
    );
    // `-pSECRET` is the password, not options: `-e` inside it is not the SQL.
    passes("mysql -pexecute -e 'SHOW TABLES'");
    passes("mysql -e 'DELETE t1 FROM t1 JOIN t2 ON t1.id = t2.id'");
    passes("mysql shop -e 'SELECT * FROM orders\\G'");
}

#[test]
fn sqlite3_and_duckdb_clients() {
    stops(
        "sqlite3 app.db 'DROP TABLE users'",
        DROP,
        "in database app.db",
    );
    stops(
        "sqlite3 app.db .tables 'delete from sessions'",
        UNFILTERED,
        "sessions",
    );
    stops("sqlite3 -cmd 'DROP TABLE t' app.db", DROP, "DROP TABLE t");
    stops(
        "duckdb warehouse.duckdb -c 'DROP TABLE events'",
        DROP,
        "warehouse.duckdb",
    );
    passes("sqlite3 -readonly app.db 'DROP TABLE users'");
    passes("sqlite3 app.db '.schema users'");
    passes("duckdb -c 'SELECT 42'");
}

#[test]
fn clickhouse_client() {
    stops(
        "clickhouse-client --query 'DROP TABLE events'",
        DROP,
        "DROP TABLE events",
    );
    stops(
        "clickhouse client -d logs -q 'TRUNCATE TABLE hits'",
        DROP,
        "in database logs",
    );
    stops(
        "clickhouse-client --query='DROP DATABASE logs'",
        DROP,
        "DROP DATABASE logs",
    );
    passes("clickhouse-client --query 'SELECT count() FROM events'");
    passes("clickhouse client --format PrettyCompact -q 'SHOW TABLES'");
}

#[test]
fn cqlsh_client() {
    stops("cqlsh -e 'DROP KEYSPACE shop'", DROP, "DROP KEYSPACE shop");
    stops(
        "cqlsh cassandra.internal -k shop -e 'TRUNCATE orders'",
        DROP,
        "on cassandra.internal",
    );
    passes("cqlsh -e 'DESCRIBE KEYSPACES'");
    passes("cqlsh -e \"SELECT * FROM shop.orders WHERE id = 1\"");
}

#[test]
fn sqlcmd_and_cockroach_clients() {
    stops(
        "sqlcmd -S db -d shop -Q 'DROP TABLE dbo.users'",
        DROP,
        "in database shop on db",
    );
    stops(
        "cockroach sql --execute 'DROP DATABASE bank CASCADE'",
        DROP,
        "DROP DATABASE bank",
    );
    passes("sqlcmd -S db -Q 'SELECT @@VERSION'");
    passes("cockroach sql -e 'SHOW DATABASES'");
}

#[test]
fn mongosh_client() {
    let r = "database.mongo-drop";
    stops(
        "mongosh shop --eval 'db.dropDatabase()'",
        r,
        "dropDatabase() drops the database on shop",
    );
    stops(
        "mongosh 'mongodb://a:pw@db.internal/shop' --eval 'db.orders.drop()'",
        r,
        "db.orders.drop()",
    );
    stops(
        "mongo shop --eval 'db.users.deleteMany({})'",
        r,
        "deletes every document",
    );
    stops(
        "mongosh shop <<'JS'\ndb.sessions.remove( {} )\nJS",
        r,
        "db.sessions.remove()",
    );
    let v = verdict("mongosh 'mongodb://a:pw@db.internal/shop' --eval 'db.orders.drop()'");
    assert!(v.findings.iter().all(|f| !f.message().contains("pw@")));
    passes("mongosh shop --eval 'db.users.deleteMany({ expired: true })'");
    passes("mongosh shop --eval 'db.users.find().limit(3)'");
}

#[test]
fn redis_cli_client() {
    let r = "database.redis-flush";
    stops("redis-cli FLUSHALL", r, "FLUSHALL");
    stops(
        "redis-cli -h cache.internal -n 2 flushdb async",
        r,
        "FLUSHDB of database 2 on cache.internal",
    );
    stops("redis-cli -a secret FlushAll", r, "FLUSHALL");
    stops("echo FLUSHALL | redis-cli -h cache", r, "FLUSHALL on cache");
    passes("redis-cli get flushall");
    passes("redis-cli --scan --pattern 'session:*'");
}

#[test]
fn other_database_tools() {
    stops(
        "dropdb -h db.internal app_production",
        "database.dropdb",
        "database app_production",
    );
    stops(
        "mysqladmin -u root -pX drop shop",
        "database.dropdb",
        "database shop",
    );
    stops(
        "pg_restore --clean -d prod dump.pgdump",
        "database.restore-clean",
        "database prod",
    );
    passes("pg_restore -l dump.pgdump");
    passes("createdb app_dev");
}

#[test]
fn framework_commands_through_runners() {
    for (cmd, rule) in [
        ("bundle exec rails db:drop", "database.rails-reset"),
        ("bundle exec rake db:schema:load", "database.rails-reset"),
        ("npx prisma migrate reset --force", "database.prisma-reset"),
        (
            "bunx prisma db push --accept-data-loss",
            "database.prisma-reset",
        ),
        (
            "pnpm dlx prisma db push --force-reset",
            "database.prisma-reset",
        ),
        ("yarn prisma migrate reset", "database.prisma-reset"),
        ("npx drizzle-kit push --force", "database.drizzle-force"),
        ("python manage.py flush --noinput", "database.django-flush"),
        ("php artisan migrate:fresh --seed", "database.laravel-wipe"),
        ("php artisan db:wipe", "database.laravel-wipe"),
        ("npx supabase db reset --linked", "database.supabase-reset"),
        ("npx sequelize-cli db:drop", "database.migration-drop"),
    ] {
        stops(cmd, rule, "");
    }
    for cmd in [
        "bundle exec rails db:migrate",
        "npx prisma migrate dev",
        "npx prisma db push",
        "npx drizzle-kit push",
        "python manage.py migrate",
        "php artisan migrate",
        "supabase db push",
        "npx sequelize-cli db:migrate",
    ] {
        passes(cmd);
    }
}

// ---------------------------------------------------------------------------------
// SQL delivery paths
// ---------------------------------------------------------------------------------

#[test]
fn sql_as_an_argument() {
    stops(
        "psql -c 'SELECT 1' -c 'DROP TABLE users'",
        DROP,
        "DROP TABLE users",
    );
    stops(
        "psql -c \"SELECT 1; DROP TABLE users;\"",
        DROP,
        "DROP TABLE users",
    );
    passes("psql -c \"SELECT 1; SELECT 'DROP TABLE users';\"");
}

#[test]
fn sql_in_a_heredoc() {
    stops(
        "psql <<'SQL'\n\\c prod\nDROP TABLE users;\nSQL",
        DROP,
        "DROP TABLE users",
    );
    stops(
        "psql prod <<EOF\nDELETE FROM sessions;\nEOF",
        UNFILTERED,
        "sessions without WHERE in database prod",
    );
    stops(
        "mysql shop <<-SQL\n\tDROP TABLE orders;\n\tSQL",
        DROP,
        "orders",
    );
    passes("psql <<'SQL'\n\\dt\nSELECT count(*) FROM users;\nSQL");
}

#[test]
fn sql_in_a_here_string() {
    stops("psql prod <<< 'DROP TABLE users'", DROP, "in database prod");
    stops(
        "sqlite3 app.db <<< 'DELETE FROM t'",
        UNFILTERED,
        "DELETE FROM t",
    );
    passes("psql <<< 'SELECT now()'");
}

#[test]
fn sql_through_a_pipe() {
    stops("echo 'DROP TABLE users;' | psql", DROP, "DROP TABLE users");
    stops(
        "printf 'SELECT 1;\\nTRUNCATE t;\\n' | mysql shop",
        DROP,
        "TRUNCATE t",
    );
    stops(
        "echo \"UPDATE users SET admin = true\" | sudo -u postgres psql",
        UNFILTERED,
        "UPDATE users",
    );
    passes("echo 'SELECT 1' | psql");
}

#[test]
fn sql_from_a_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("drop.sql"),
        "-- cleanup\nDROP TABLE users;\n",
    )
    .expect("write");
    std::fs::write(
        dir.path().join("report.sql"),
        "SELECT count(*) FROM users;\n",
    )
    .expect("write");
    let ctx = ctx_in(dir.path());
    stops_in("psql -f drop.sql", DROP, "DROP TABLE users", &ctx);
    stops_in("psql --file=drop.sql prod", DROP, "in database prod", &ctx);
    stops_in("psql < drop.sql", DROP, "DROP TABLE users", &ctx);
    stops_in("cat drop.sql | psql", DROP, "DROP TABLE users", &ctx);
    stops_in("mysql shop < drop.sql", DROP, "DROP TABLE users", &ctx);
    stops_in(
        "clickhouse-client --queries-file drop.sql",
        DROP,
        "users",
        &ctx,
    );
    stops_in("sqlite3 -init drop.sql app.db", DROP, "users", &ctx);
    let abs = dir.path().join("drop.sql");
    stops(
        &format!("psql -f {}", abs.display()),
        DROP,
        "DROP TABLE users",
    );
    std::fs::create_dir(dir.path().join("sub")).expect("mkdir");
    stops_in(
        "cd sub && psql -f ../drop.sql",
        DROP,
        "DROP TABLE users",
        &ctx,
    );
    passes_in("psql -f report.sql", &ctx);
    passes_in("psql < report.sql", &ctx);
    // A file that is not there says nothing (psql would fail).
    passes_in("psql -f missing.sql", &ctx);
}

#[test]
fn sql_inside_docker_exec() {
    stops(
        "docker exec db psql -U postgres -c 'DROP TABLE users'",
        DROP,
        "DROP TABLE users",
    );
    stops(
        "docker exec -i db psql -U postgres <<'SQL'\nDROP TABLE users;\nSQL",
        DROP,
        "users",
    );
    stops(
        "echo 'DROP DATABASE shop' | docker exec -i db mysql",
        DROP,
        "DROP DATABASE shop",
    );
    stops(
        "docker compose exec -T db psql <<< 'TRUNCATE orders'",
        DROP,
        "TRUNCATE orders",
    );
    stops(
        "docker exec -it db sh -c 'psql -c \"DROP TABLE users\"'",
        DROP,
        "users",
    );
    // Without -i, docker does not pass stdin on: psql reads nothing.
    passes("docker exec db psql <<< 'DROP TABLE users'");
    passes("docker exec db psql -c 'SELECT 1'");
}

#[test]
fn sql_inside_kubectl_exec() {
    stops(
        "kubectl exec -it pg-0 -- psql -c 'DROP SCHEMA public CASCADE'",
        DROP,
        "DROP SCHEMA public",
    );
    stops(
        "kubectl -n db exec -i pg-0 -- psql <<'SQL'\nDELETE FROM users;\nSQL",
        UNFILTERED,
        "users",
    );
    passes("kubectl exec pg-0 -- psql <<< 'DROP TABLE users'");
    passes("kubectl exec -it pg-0 -- psql -c 'SELECT 1'");
    // A one-off pod runs the command after `--`.
    stops(
        "kubectl run tmp --rm -it --image=postgres:16 -- psql -h db -c 'DROP DATABASE app'",
        "database.sql-drop",
        "DROP DATABASE app",
    );
    stops(
        "kubectl -n db run psql-once --rm -i --restart=Never --image=postgres --command -- psql -h db <<< 'DROP TABLE users'",
        "database.sql-drop",
        "DROP TABLE users",
    );
    passes("kubectl run tmp --rm -it --image=postgres:16 -- psql -h db -c 'SELECT 1'");
    passes("kubectl run web --image=nginx");
    passes("kubectl run tmp --rm -it --image=busybox -- sh");
}

#[test]
fn sql_over_ssh() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("drop.sql"), "DROP TABLE users;\n").expect("write");
    let ctx = ctx_in(dir.path());
    stops(
        "ssh db1 \"psql -c 'DROP TABLE users'\"",
        DROP,
        "DROP TABLE users",
    );
    stops(
        "ssh db1 psql prod <<'SQL'\nDROP TABLE users;\nSQL",
        DROP,
        "in database prod",
    );
    stops(
        "ssh -p 2222 db1 'sudo -u postgres psql' <<< 'TRUNCATE t'",
        DROP,
        "TRUNCATE t",
    );
    // A local file redirected into ssh is read here: that is what ssh sends.
    stops_in("ssh db1 psql < drop.sql", DROP, "DROP TABLE users", &ctx);
    // A file named on the remote side is not this machine's file.
    passes_in(
        &format!("ssh db1 psql -f {}", dir.path().join("drop.sql").display()),
        &ctx,
    );
    passes("ssh db1 \"psql -c 'SELECT 1'\"");
}

// ---------------------------------------------------------------------------------
// HTTP tools
// ---------------------------------------------------------------------------------

const DELETE: &str = "http.delete-remote";
const PATH: &str = "http.destructive-path";
const GRAPHQL: &str = "http.graphql-destructive";

#[test]
fn curl_requests() {
    stops(
        "curl -X DELETE https://api.example.com/v1/users/42",
        DELETE,
        "DELETE https://api.example.com/v1/users/42",
    );
    stops(
        "curl -XDELETE api.example.com/items/9",
        DELETE,
        "api.example.com",
    );
    stops(
        "curl -sSXDELETE https://api.example.com/items/9",
        DELETE,
        "items/9",
    );
    stops(
        "curl --request=DELETE https://api.example.com/items/9",
        DELETE,
        "items/9",
    );
    stops(
        "curl -X delete -H 'Authorization: Bearer t' https://x.io/a",
        DELETE,
        "x.io",
    );
    stops("curl -X DELETE \"$API/users/1\"", DELETE, "DELETE");
    stops(
        "curl -d '{}' https://api.example.com/projects/7/destroy",
        PATH,
        "POST https://api.example.com/projects/7/destroy",
    );
    stops(
        "curl -X PUT https://cdn.example.com/cache/purge",
        PATH,
        "PUT",
    );
    // Credentials in the URL are not repeated in the message.
    let v = verdict("curl -X DELETE https://u:hunter2@api.example.com/x");
    assert!(v.findings.iter().all(|f| !f.message().contains("hunter2")));
    passes("curl https://api.example.com/v1/users/42");
    // A local data store's API is data too (issue 16): Elasticsearch, Meilisearch.
    stops(
        "curl -X DELETE http://localhost:9200/test",
        DELETE,
        "localhost:9200/test",
    );
    stops(
        "http DELETE :7700/indexes/movies",
        DELETE,
        "localhost:7700/indexes/movies",
    );
    passes("curl -X DELETE http://localhost:3000/api/todos/1");
    passes("curl -X DELETE http://127.0.0.2/x");
    passes("curl -X DELETE 'http://[::1]:8080/x'");
    passes("curl -I https://example.com/delete");
    passes("curl https://example.com/items/delete");
}

#[test]
fn wget_requests() {
    stops(
        "wget --method=DELETE https://api.example.com/items/9",
        DELETE,
        "items/9",
    );
    stops(
        "wget -q --method DELETE -O- https://api.example.com/items/9",
        DELETE,
        "items/9",
    );
    stops(
        "wget --post-data='id=3' https://api.example.com/users/wipe",
        PATH,
        "POST",
    );
    passes("wget https://example.com/file.tar.gz");
    passes("wget -O- https://example.com/delete");
}

#[test]
fn httpie_requests() {
    stops(
        "http DELETE https://api.example.com/items/9",
        DELETE,
        "items/9",
    );
    stops(
        "https DELETE api.example.com/items/9 'Authorization:Bearer t'",
        DELETE,
        "https://api.example.com/items/9",
    );
    stops(
        "http POST api.example.com/accounts/3/wipe confirm:=true",
        PATH,
        "wipe",
    );
    stops(
        "http https://api.example.com/graphql query='mutation { projectDelete(id: \"p1\") }'",
        GRAPHQL,
        "projectDelete(id: \"p1\")",
    );
    passes("http :3000/items");
    passes("http DELETE :3000/items/1");
    passes("https api.example.com/items name=x");
}

#[test]
fn xh_requests() {
    stops("xh delete api.example.com/items/9", DELETE, "items/9");
    stops(
        "xhs DELETE api.example.com/items/9",
        DELETE,
        "https://api.example.com",
    );
    stops(
        "xh https://api.example.com/graphql query='mutation { serviceDelete(id: \"s\") }'",
        GRAPHQL,
        "serviceDelete",
    );
    passes("xh delete localhost:8000/items/1");
    passes("xh get api.example.com/items");
}

#[test]
fn gh_api_requests() {
    stops(
        "gh api -X DELETE repos/acme/site",
        DELETE,
        "https://api.github.com/repos/acme/site",
    );
    stops(
        "gh api --method DELETE /repos/acme/site/git/refs/heads/main",
        DELETE,
        "refs/heads/main",
    );
    stops(
        "gh api graphql -f query='mutation { deleteRepository(input: {repositoryId: \"R_1\"}) { clientMutationId } }'",
        GRAPHQL,
        "deleteRepository(input: {repositoryId: \"R_1\"}) at api.github.com",
    );
    stops(
        "gh api --hostname ghe.acme.io -X DELETE repos/a/b",
        DELETE,
        "ghe.acme.io",
    );
    passes("gh api repos/acme/site");
    passes("gh api graphql -f query='query { viewer { login } }'");
    passes("gh api -X POST repos/acme/site/issues -f title=x");
}

#[test]
fn request_bodies_from_files_and_stdin() {
    let dir = tempfile::tempdir().expect("tempdir");
    let body = r#"{"query":"mutation { volumeDelete(volumeId: \"vol-7\") }"}"#;
    std::fs::write(dir.path().join("body.json"), body).expect("write");
    std::fs::write(
        dir.path().join("q.graphql"),
        "mutation { deleteRepository(input: {}) { clientMutationId } }",
    )
    .expect("write");
    let ctx = ctx_in(dir.path());
    stops_in(
        "curl -X POST https://backboard.railway.app/graphql/v2 -d @body.json",
        GRAPHQL,
        "vol-7",
        &ctx,
    );
    stops_in(
        "curl https://backboard.railway.app/graphql/v2 --data-binary @body.json",
        GRAPHQL,
        "vol-7",
        &ctx,
    );
    stops_in(
        "cat body.json | curl https://backboard.railway.app/graphql/v2 -d @-",
        GRAPHQL,
        "vol-7",
        &ctx,
    );
    stops_in(
        "gh api graphql -F query=@q.graphql",
        GRAPHQL,
        "deleteRepository",
        &ctx,
    );
    stops_in(
        "railway api --file q.graphql",
        GRAPHQL,
        "deleteRepository",
        &ctx,
    );
    stops_in(
        "http POST https://api.example.com/graphql < body.json",
        GRAPHQL,
        "vol-7",
        &ctx,
    );
    // `@file` on the far side of ssh is not this machine's file.
    passes_in(
        "ssh box curl https://backboard.railway.app/graphql/v2 -d @body.json",
        &ctx,
    );
    passes_in(
        "curl https://backboard.railway.app/graphql/v2 -d @missing.json",
        &ctx,
    );
}

#[test]
fn local_hosts_come_from_the_configuration() {
    let mut ctx = Context::example();
    stops_in(
        "curl -X DELETE http://app.internal:8080/logs",
        DELETE,
        "app.internal",
        &ctx,
    );
    ctx.local_hosts = vec!["*.internal".into()];
    passes_in("curl -X DELETE http://app.internal:8080/logs", &ctx);
    // A data store's API stays data on a local host.
    stops_in(
        "curl -X DELETE http://search.internal:9200/logs",
        DELETE,
        "search.internal:9200",
        &ctx,
    );
    stops_in(
        "curl -X DELETE https://api.example.com/logs",
        DELETE,
        "api.example.com",
        &ctx,
    );
}

#[test]
fn interlock_never_sends_a_request() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.set_nonblocking(true).expect("nonblocking");
    let port = listener.local_addr().expect("addr").port();
    for cmd in [
        format!("curl -X DELETE http://127.0.0.1:{port}/x"),
        format!("curl -d @http://127.0.0.1:{port}/body https://api.example.com/graphql"),
        format!("wget --post-file=http://127.0.0.1:{port}/b https://api.example.com/graphql"),
        format!("curl -K http://127.0.0.1:{port}/cfg https://api.example.com"),
    ] {
        verdict(&cmd);
    }
    match listener.accept() {
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
        other => panic!("something connected to the listener: {other:?}"),
    }
}

// ---------------------------------------------------------------------------------
// GraphQL
// ---------------------------------------------------------------------------------

const POCKETOS: &str = r#"curl -X POST https://backboard.railway.app/graphql/v2 -H "Authorization: Bearer 9f1c2e7a-token" -d '{"query":"mutation { volumeDelete(volumeId: \"3d2c7e5e-0b1a-4c1e-9f55-1c2d3e4f5a6b\") }"}'"#;

#[test]
fn the_pocketos_request_is_stopped() {
    stops(
        POCKETOS,
        GRAPHQL,
        "volumeDelete(volumeId: \"3d2c7e5e-0b1a-4c1e-9f55-1c2d3e4f5a6b\") at backboard.railway.app",
    );
    // The token is not repeated in the message.
    let v = verdict(POCKETOS);
    assert!(v.findings.iter().all(|f| !f.message().contains("9f1c2e7a")));
}

#[test]
fn pocketos_variants_are_stopped() {
    for (cmd, names) in [
        // --json
        (
            r#"curl https://backboard.railway.app/graphql/v2 --json '{"query":"mutation { volumeDelete(volumeId: \"v1\") }"}'"#,
            "v1",
        ),
        // GraphQL variables
        (
            r#"curl -X POST https://backboard.railway.app/graphql/v2 -H 'Content-Type: application/json' -d '{"query":"mutation Del($id: String!) { volumeDelete(volumeId: $id) }","variables":{"id":"v2"}}'"#,
            "volumeDelete(volumeId: \"v2\")",
        ),
        // the .com host
        (
            r#"curl -X POST https://backboard.railway.com/graphql/v2 -d '{"query":"mutation { volumeDelete(volumeId: \"v3\") }"}'"#,
            "backboard.railway.com",
        ),
        // the CLI
        (
            r#"railway api 'mutation { volumeDelete(volumeId: "v4") }'"#,
            "v4",
        ),
        (
            r#"railway api 'mutation($v: String!) { volumeDelete(volumeId: $v) }' --variables '{"v":"v5"}'"#,
            "v5",
        ),
        (
            r#"echo 'mutation { volumeDelete(volumeId: "v6") }' | railway api"#,
            "v6",
        ),
        // a named operation, an alias, whitespace and a fragment
        (
            r#"curl https://backboard.railway.app/graphql/v2 -d '{"query":"mutation Cleanup {\n  gone: volumeDelete(volumeId: \"v7\")\n}"}'"#,
            "v7",
        ),
        (
            r#"curl https://backboard.railway.app/graphql/v2 -d '{"query":"mutation { ...D } fragment D on Mutation { volumeDelete(volumeId: \"v8\") }"}'"#,
            "v8",
        ),
        // batched
        (
            r#"curl https://backboard.railway.app/graphql/v2 -d '[{"query":"query { me { id } }"},{"query":"mutation { volumeDelete(volumeId: \"v9\") }"}]'"#,
            "v9",
        ),
        // the other spellings of the same request
        (
            r#"wget --post-data '{"query":"mutation { volumeDelete(volumeId: \"w1\") }"}' https://backboard.railway.app/graphql/v2"#,
            "w1",
        ),
        (
            r#"http POST https://backboard.railway.app/graphql/v2 query='mutation { volumeDelete(volumeId: "h1") }'"#,
            "h1",
        ),
        (
            r#"curl https://backboard.railway.app/graphql/v2 --data-urlencode 'query=mutation { volumeDelete(volumeId: "u1") }'"#,
            "u1",
        ),
        (
            r#"curl -H "Authorization: Bearer $RAILWAY_TOKEN" https://backboard.railway.app/graphql/v2 -d "{\"query\":\"mutation { volumeDelete(volumeId: \\\"$VOLUME\\\") }\"}""#,
            "volumeDelete",
        ),
        // inside other runners
        (
            &format!("bash -c {}", shell_words::quote(POCKETOS)),
            "3d2c7e5e",
        ),
        (
            &format!("ssh box {}", shell_words::quote(POCKETOS)),
            "3d2c7e5e",
        ),
    ] {
        stops(cmd, GRAPHQL, names);
    }
}

#[test]
fn graphql_naming_style_volume_delete() {
    stops(
        r#"curl https://api.example.com/graphql -d '{"query":"mutation { volumeDelete(volumeId: \"x\") }"}'"#,
        GRAPHQL,
        "volumeDelete",
    );
    stops(
        r#"curl https://api.example.com/graphql -d '{"query":"mutation { projectScheduleDeleteForce(id: \"p\") }"}'"#,
        GRAPHQL,
        "projectScheduleDeleteForce",
    );
}

#[test]
fn graphql_naming_style_delete_repository() {
    stops(
        r#"curl https://api.github.com/graphql -d '{"query":"mutation { deleteRepository(input: {repositoryId: \"R\"}) { clientMutationId } }"}'"#,
        GRAPHQL,
        "deleteRepository",
    );
    stops(
        r#"curl https://api.example.com/graphql -d '{"query":"mutation { removeMember(id: 1) { id } }"}'"#,
        GRAPHQL,
        "removeMember",
    );
}

#[test]
fn graphql_naming_style_delete_users_by_pk() {
    stops(
        r#"curl https://hasura.example.com/v1/graphql -d '{"query":"mutation { delete_users_by_pk(id: 1) { id } }"}'"#,
        GRAPHQL,
        "delete_users_by_pk(id: 1)",
    );
    stops(
        r#"curl https://hasura.example.com/v1/graphql -d '{"query":"mutation { delete_users(where: {}) { affected_rows } }"}'"#,
        GRAPHQL,
        "delete_users",
    );
}

#[test]
fn graphql_queries_and_create_or_update_mutations_pass() {
    for cmd in [
        r#"curl -X POST https://backboard.railway.app/graphql/v2 -d '{"query":"query { me { projects { edges { node { id name } } } } }"}'"#,
        r#"curl https://backboard.railway.app/graphql/v2 -d '{"query":"mutation { volumeCreate(input: {projectId: \"p\"}) { id } }"}'"#,
        r#"curl https://backboard.railway.app/graphql/v2 -d '{"query":"mutation { serviceUpdate(id: \"s\", input: {}) { id } }"}'"#,
        r#"curl https://api.github.com/graphql -d '{"query":"mutation { createIssue(input: {}) { issue { id } } }"}'"#,
        r#"curl https://hasura.example.com/v1/graphql -d '{"query":"mutation { insert_users_one(object: {}) { id } update_users_by_pk(pk_columns: {id: 1}) { id } }"}'"#,
        r#"curl https://api.example.com/graphql -d '{"query":"query { deletedItems { id } }"}'"#,
        r#"railway api 'query { me { id name } }'"#,
        r#"curl https://api.example.com/graphql -d '{"query":"{ volumes { deleteAt } }"}'"#,
        // Local development servers pass.
        r#"curl http://localhost:4000/graphql -d '{"query":"mutation { deleteTodo(id: 1) { id } }"}'"#,
    ] {
        passes(cmd);
    }
}

// ---------------------------------------------------------------------------------
// Garbage and huge bodies: bounded, no panic, and the decision is the right one.
// ---------------------------------------------------------------------------------

/// Deterministic bytes with no ASCII letters, so that no keyword can appear by chance.
fn garbage(n: usize, seed: u64) -> Vec<u8> {
    let mut x = seed;
    (0..n)
        .map(|_| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let b = (x >> 33) as u8;
            if b.is_ascii_alphabetic() {
                b'#'
            } else {
                b
            }
        })
        .collect()
}

#[test]
fn huge_and_garbage_sql() {
    // Three megabytes of statements in one argument, the DROP at the end.
    let mut sql = "INSERT INTO t VALUES (1, 'x');\n".repeat(100_000);
    sql.push_str("DROP TABLE users;");
    stops(&format!("psql -c '{sql}'"), DROP, "DROP TABLE users");
    let select = "SELECT 1;\n".repeat(300_000);
    passes(&format!("psql -c '{select}'"));

    let dir = tempfile::tempdir().expect("tempdir");
    let ctx = ctx_in(dir.path());
    // A 10 MB file is too large to parse: a keyword scan decides.
    let mut big = "SELECT 1;\n".repeat(1_000_000);
    big.push_str("DROP TABLE users;\n");
    std::fs::write(dir.path().join("big.sql"), &big).expect("write");
    stops_in("psql -f big.sql", UNPARSED, "too large to parse", &ctx);
    std::fs::write(
        dir.path().join("big-select.sql"),
        "SELECT 1;\n".repeat(1_000_000),
    )
    .expect("write");
    passes_in("psql -f big-select.sql", &ctx);
    // A file larger than Interlock reads is not restored silently.
    let huge = std::fs::File::create(dir.path().join("dump.sql")).expect("create");
    huge.set_len(65 * 1024 * 1024).expect("set_len");
    stops_in("psql -f dump.sql", UNPARSED, "too large to check", &ctx);

    // Garbage: binary, unbalanced quotes, deep nesting.
    std::fs::write(dir.path().join("garbage.sql"), garbage(2 * 1024 * 1024, 7)).expect("write");
    passes_in("psql -f garbage.sql", &ctx);
    let mut g = garbage(1024 * 1024, 9);
    g.extend_from_slice(b"\n;DROP TABLE users;");
    std::fs::write(dir.path().join("garbage-drop.sql"), g).expect("write");
    assert_ne!(
        verdict_in("psql -f garbage-drop.sql", &ctx).decision,
        Decision::Allow
    );
    // Deeper than sqlparser's recursion limit: judged by its keywords.
    let deep = format!("SELECT {}1{}", "(".repeat(120), ")".repeat(120));
    passes(&format!("psql -c '{deep}'"));
    let deep_drop = format!("SELECT {}1; DROP TABLE users", "(".repeat(120));
    assert_ne!(
        verdict(&format!("psql -c '{deep_drop}'")).decision,
        Decision::Allow
    );
    // Deeper than the engine analyses at all: too complex, never allowed.
    let deeper = format!("SELECT {}1{}", "(".repeat(50_000), ")".repeat(50_000));
    assert_eq!(
        rules(&verdict(&format!("psql -c '{deeper}'"))),
        ["shell.too-complex"]
    );
    stops(
        "psql -c \"SELECT 'never closed; DROP TABLE users\"",
        UNPARSED,
        "DROP",
    );
}

#[test]
fn huge_and_garbage_graphql() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ctx = ctx_in(dir.path());
    let url = "https://backboard.railway.app/graphql/v2";
    // 3 MB of mutation fields, one destructive, in a body file.
    let fields = "a: volumeCreate(input: {}) { id }\n".repeat(90_000);
    let body = serde_json::json!({ "query": format!("mutation {{ {fields} volumeDelete(volumeId: \"big\") }}") });
    std::fs::write(dir.path().join("big.json"), body.to_string()).expect("write");
    stops_in(
        &format!("curl {url} -d @big.json"),
        GRAPHQL,
        "volumeDelete",
        &ctx,
    );
    let body =
        serde_json::json!({ "query": format!("query {{ {} }}", "me { id }\n".repeat(300_000)) });
    std::fs::write(dir.path().join("big-query.json"), body.to_string()).expect("write");
    passes_in(&format!("curl {url} -d @big-query.json"), &ctx);
    // 2 MB in the command line itself.
    let inline = format!(
        "mutation {{ {} serviceDelete(id: 1) }}",
        "x: me { id } ".repeat(150_000)
    );
    stops(&format!("railway api '{inline}'"), GRAPHQL, "serviceDelete");
    // Deep nesting, which would overflow a recursive parser's stack.
    let deep = format!(
        "mutation {}volumeDelete{}",
        "{".repeat(120),
        "}".repeat(120)
    );
    stops(&format!("railway api '{deep}'"), GRAPHQL, "volumeDelete");
    passes(&format!("railway api '{}'", "{".repeat(120)));
    // Deeper than the engine analyses at all: too complex, never allowed.
    let deeper = format!(
        "mutation {}volumeDelete{}",
        "{".repeat(100_000),
        "}".repeat(100_000)
    );
    assert_eq!(
        rules(&verdict(&format!("railway api '{deeper}'"))),
        ["shell.too-complex"]
    );
    let deep_json = format!("{}{}", "[".repeat(500_000), "]".repeat(500_000));
    std::fs::write(dir.path().join("deep.json"), deep_json).expect("write");
    passes_in(&format!("curl {url} -d @deep.json"), &ctx);
    // Binary garbage.
    std::fs::write(dir.path().join("garbage.bin"), garbage(3 * 1024 * 1024, 3)).expect("write");
    passes_in(&format!("curl {url} --data-binary @garbage.bin"), &ctx);
    // Truncated documents that still name a destructive mutation are not allowed.
    stops(
        &format!(r#"curl {url} -d '{{"query":"mutation {{ volumeDelete(volumeId: '"#),
        GRAPHQL,
        "volumeDelete",
    );
}

// ---------------------------------------------------------------------------------
// Containers, Kubernetes, IaC, cloud and platforms: what is at stake is named.
// ---------------------------------------------------------------------------------

#[test]
fn containers_name_the_volume() {
    stops(
        "docker volume rm pgdata",
        "containers.volume-rm",
        "volume pgdata",
    );
    stops(
        "docker --context prod volume rm -f pgdata redis",
        "containers.volume-rm",
        "pgdata, redis",
    );
    stops(
        "docker compose -p shop down -v",
        "containers.compose-down-volumes",
        "project shop",
    );
    stops(
        "docker system prune -af --volumes",
        "containers.system-prune-volumes",
        "",
    );
    stops("docker rm -fv db", "containers.rm-volumes", "container db");
}

#[test]
fn kubernetes_names_the_namespace() {
    stops(
        "kubectl delete namespace prod",
        "kubernetes.delete-data",
        "namespace prod",
    );
    stops(
        "kubectl --context prod -n db delete pvc data-0",
        "kubernetes.delete-data",
        "pvc data-0 in namespace db",
    );
    stops(
        "kubectl delete all --all -n shop",
        "kubernetes.delete-data",
        "in namespace shop",
    );
    stops(
        "kubectl delete -f k8s/prod.yaml",
        "kubernetes.delete-data",
        "everything in k8s/prod.yaml",
    );
    stops(
        "kubectl delete deploy,sts -l app=pg",
        "kubernetes.delete-data",
        "everything matching app=pg",
    );
    stops(
        "helm uninstall shop -n prod",
        "kubernetes.helm-uninstall",
        "release shop; namespace prod",
    );
}

#[test]
fn iac_names_where_it_acts() {
    stops(
        "terraform -chdir=infra/prod destroy -auto-approve",
        "iac.terraform-destroy",
        "infra/prod",
    );
    stops(
        "terraform apply -destroy -target=aws_db_instance.main",
        "iac.terraform-destroy",
        "aws_db_instance.main",
    );
    stops(
        "terraform state rm aws_db_instance.main",
        "iac.terraform-state",
        "aws_db_instance.main",
    );
    stops(
        "pulumi destroy -s prod --yes",
        "iac.pulumi-destroy",
        "stack prod",
    );
    stops("pulumi stack rm prod --force", "iac.pulumi-destroy", "prod");
    stops(
        "npx cdk destroy ProdStack",
        "iac.stack-destroy",
        "ProdStack",
    );
}

#[test]
fn cloud_global_options_never_hide_the_operation() {
    stops(
        "aws --profile prod --region eu-west-1 rds delete-db-instance --db-instance-identifier main --skip-final-snapshot",
        "cloud.aws-data-delete",
        "database main; profile prod, region eu-west-1",
    );
    stops(
        "aws --output json --profile p s3 rm s3://backups --recursive",
        "cloud.aws-s3-delete",
        "s3://backups",
    );
    stops(
        "aws s3 rb s3://uploads --force",
        "cloud.aws-s3-delete",
        "bucket s3://uploads",
    );
    stops(
        "aws --region us-east-1 dynamodb delete-table --table-name orders",
        "cloud.aws-data-delete",
        "table orders",
    );
    stops(
        "aws ec2 terminate-instances --instance-ids i-1 i-2",
        "cloud.aws-infra-delete",
        "i-1, i-2",
    );
    stops(
        "aws cloudformation delete-stack --stack-name prod",
        "cloud.aws-infra-delete",
        "stack prod",
    );
    stops(
        "gcloud --project prod sql instances delete main-db",
        "cloud.gcloud-delete",
        "sql instances main-db; project prod",
    );
    stops(
        "gsutil -m rm -r gs://uploads",
        "cloud.gcloud-delete",
        "gs://uploads",
    );
    stops(
        "az group delete -n prod-rg --yes",
        "cloud.az-delete",
        "prod-rg",
    );
    stops(
        "doctl databases delete 9cc1 --force",
        "cloud.doctl-delete",
        "databases 9cc1",
    );
}

#[test]
fn platforms_name_the_target() {
    stops(
        "railway volume delete --volume pgdata",
        "platforms.railway-delete",
        "volume pgdata",
    );
    stops(
        "railway environment delete staging",
        "platforms.railway-delete",
        "environment staging",
    );
    stops(
        "railway delete -p shop -y",
        "platforms.railway-delete",
        "project shop",
    );
    stops(
        "fly volumes destroy vol_123 -y",
        "platforms.fly-destroy",
        "volume vol_123",
    );
    stops("fly apps destroy shop", "platforms.fly-destroy", "app shop");
    stops(
        "heroku pg:reset DATABASE_URL --confirm shop",
        "platforms.heroku-destroy",
        "shop",
    );
    stops(
        "vercel remove shop --yes",
        "platforms.project-delete",
        "project shop",
    );
    stops(
        "netlify sites:delete 1b2c",
        "platforms.project-delete",
        "site 1b2c",
    );
    stops(
        "supabase projects delete abcd",
        "platforms.project-delete",
        "abcd",
    );
    stops(
        "neonctl projects delete leaf-1",
        "platforms.project-delete",
        "leaf-1",
    );
    stops(
        "firebase firestore:delete users -r",
        "platforms.project-delete",
        "users",
    );
    stops(
        "gh repo delete acme/site --yes",
        "platforms.gh-repo-delete",
        "repository acme/site",
    );
}

/// The read-only commands of every covered tool pass silently.
#[test]
fn list_describe_get_plan_and_status_pass() {
    for cmd in [
        "psql -c 'SELECT 1'",
        "psql -l",
        "mysql -e 'SHOW DATABASES'",
        "sqlite3 app.db .tables",
        "clickhouse-client -q 'SHOW TABLES'",
        "cqlsh -e 'DESCRIBE TABLES'",
        "duckdb -c 'SHOW TABLES'",
        "mongosh --eval 'db.stats()'",
        "redis-cli info",
        "redis-cli keys '*'",
        "pg_dump app > app.sql",
        "mysqldump shop > shop.sql",
        "curl https://api.example.com/items",
        "wget -qO- https://example.com",
        "http api.example.com/items",
        "xh api.example.com/items",
        "gh api user",
        "railway api 'query { me { id } }'",
        "docker ps",
        "docker volume ls",
        "docker volume inspect pgdata",
        "docker compose ps",
        "docker system df",
        "podman volume ls",
        "docker compose config",
        "kubectl get pods -A",
        "kubectl get ns",
        "kubectl describe pvc data-0",
        "kubectl get all -n shop",
        "kubectl logs deploy/web",
        "helm list -A",
        "helm status shop",
        "helm get values shop",
        "terraform plan",
        "terraform plan -destroy",
        "terraform show",
        "terraform state list",
        "terraform output",
        "tofu plan",
        "terragrunt run-all plan",
        "pulumi preview",
        "pulumi stack ls",
        "cdk diff",
        "cdk synth",
        "serverless info",
        "sam list stack-outputs",
        "aws s3 ls",
        "aws --profile prod rds describe-db-instances",
        "aws ec2 describe-instances",
        "aws dynamodb describe-table --table-name orders",
        "aws cloudformation describe-stacks",
        "aws sts get-caller-identity",
        "aws backup list-backup-vaults",
        "aws efs describe-file-systems",
        "gcloud compute instances list",
        "gcloud sql instances describe main",
        "gcloud projects list",
        "gsutil ls gs://b",
        "az group list",
        "az vm show -g rg -n vm",
        "az account show",
        "doctl compute droplet list",
        "doctl databases get 9cc1",
        "railway status",
        "railway logs",
        "railway volume list",
        "fly status",
        "fly volumes list",
        "fly apps list",
        "heroku apps",
        "heroku pg:info",
        "vercel ls",
        "vercel inspect shop",
        "netlify status",
        "netlify sites:list",
        "supabase status",
        "supabase projects list",
        "neonctl projects list",
        "firebase projects:list",
        "render services list",
        "gh repo view acme/site",
        "pscale database list",
        "turso db list",
        "wrangler d1 list",
    ] {
        passes(cmd);
    }
}

// ---------------------------------------------------------------------------------
// Real programs: what is stopped destroys, what passes does not.
// ---------------------------------------------------------------------------------

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A PostgreSQL server of its own, on a Unix socket in a temporary directory.
struct Postgres {
    bin: PathBuf,
    data: PathBuf,
    sock: PathBuf,
    port: u16,
    as_user: Option<&'static str>,
}

impl Postgres {
    fn start(root: &Path) -> Postgres {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .expect("PostgreSQL is installed (.ci/run installs it)")
            .filter_map(|e| e.ok())
            .map(|e| e.path().join("bin"))
            .find(|p| p.join("pg_ctl").is_file())
            .expect("pg_ctl");
        let base = root.join("pg");
        std::fs::create_dir_all(&base).expect("mkdir");
        let as_user = nix::unistd::geteuid().is_root().then_some("postgres");
        if as_user.is_some() {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(root, std::fs::Permissions::from_mode(0o755)).expect("chmod");
            let ok = Command::new("chown")
                .args(["-R", "postgres"])
                .arg(&base)
                .status()
                .expect("chown")
                .success();
            assert!(ok);
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .expect("bind")
            .local_addr()
            .expect("addr")
            .port();
        let pg = Postgres {
            bin,
            data: base.join("data"),
            sock: base.clone(),
            port,
            as_user,
        };
        let data = pg.data.to_string_lossy().into_owned();
        pg.admin(&["initdb", "-A", "trust", "-U", "postgres", "-D", &data]);
        let opts = format!(
            "-p {} -k {} -c listen_addresses=''",
            pg.port,
            pg.sock.display()
        );
        let log = base.join("log").to_string_lossy().into_owned();
        pg.admin(&[
            "pg_ctl", "-D", &data, "-o", &opts, "-w", "-l", &log, "start",
        ]);
        pg
    }

    fn admin(&self, args: &[&str]) {
        let prog = self.bin.join(args[0]);
        let out = match self.as_user {
            Some(u) => Command::new("runuser")
                .args(["-u", u, "--"])
                .arg(&prog)
                .args(&args[1..])
                .output(),
            None => Command::new(&prog).args(&args[1..]).output(),
        }
        .expect("run a PostgreSQL tool");
        assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
    }

    /// Run a shell command line with the server as its default database.
    fn run(&self, line: &str, cwd: &Path) -> std::process::Output {
        Command::new("bash")
            .args(["-c", line])
            .current_dir(cwd)
            .env("PGHOST", &self.sock)
            .env("PGPORT", self.port.to_string())
            .env("PGUSER", "postgres")
            .env("PGDATABASE", "postgres")
            .env(
                "PATH",
                format!(
                    "{}:{}",
                    self.bin.display(),
                    std::env::var("PATH").unwrap_or_default()
                ),
            )
            .output()
            .expect("bash")
    }

    fn sql(&self, sql: &str, cwd: &Path) -> String {
        let out = self.run(&format!("psql -X -qAt -c {}", shell_words::quote(sql)), cwd);
        assert!(out.status.success(), "{sql}: {}", text(&out.stderr));
        text(&out.stdout).trim().to_string()
    }

    /// `gone`, or `ROWS rows, COLS columns, NAMED named x`.
    fn state(&self, cwd: &Path) -> String {
        if self.sql("SELECT to_regclass('users') IS NULL", cwd) == "t" {
            return "gone".into();
        }
        let columns = self.sql(
            "SELECT count(*) FROM information_schema.columns WHERE table_name = 'users'",
            cwd,
        );
        let named = if columns == "2" {
            self.sql("SELECT count(*) FROM users WHERE name = 'x'", cwd)
        } else {
            "0".into()
        };
        format!(
            "{} rows, {columns} columns, {named} named x",
            self.sql("SELECT count(*) FROM users", cwd),
        )
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let data = self.data.to_string_lossy().into_owned();
        let prog = self.bin.join("pg_ctl");
        let args = ["-D", &data, "-m", "immediate", "-w", "stop"];
        let _ = match self.as_user {
            Some(u) => Command::new("runuser")
                .args(["-u", u, "--"])
                .arg(&prog)
                .args(args)
                .output(),
            None => Command::new(&prog).args(args).output(),
        };
    }
}

#[test]
fn postgres_agrees_with_every_verdict() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let pg = Postgres::start(root);
    let work = root.join("work");
    std::fs::create_dir_all(&work).expect("mkdir");
    std::fs::write(work.join("drop.sql"), "-- clean up\nDROP TABLE users;\n").expect("write");
    std::fs::write(work.join("report.sql"), "SELECT count(*) FROM users;\n").expect("write");
    let ctx = ctx_in(&work);
    let intact = "3 rows, 2 columns, 0 named x";
    let cases: &[(&str, bool, &str)] = &[
        ("psql -c 'DROP TABLE users'", true, "gone"),
        ("psql -c \"SELECT 'DROP TABLE users'\"", false, intact),
        ("psql -c 'SELECT 1' -c 'DROP TABLE users'", true, "gone"),
        ("psql -c 'SELECT 1; DROP TABLE users;'", true, "gone"),
        ("psql <<'SQL'\n\\dt\nDROP TABLE users;\nSQL", true, "gone"),
        (
            "psql <<< 'TRUNCATE users'",
            true,
            "0 rows, 2 columns, 0 named x",
        ),
        (
            "echo 'DELETE FROM users;' | psql",
            true,
            "0 rows, 2 columns, 0 named x",
        ),
        (
            "psql -c \"UPDATE users SET name = 'x'\"",
            true,
            "3 rows, 2 columns, 3 named x",
        ),
        (
            "psql -c 'DELETE FROM users WHERE 1=1'",
            true,
            "0 rows, 2 columns, 0 named x",
        ),
        (
            "psql -c 'ALTER TABLE users DROP COLUMN name'",
            true,
            "3 rows, 1 columns, 0 named x",
        ),
        (
            "psql -c 'DELETE FROM users WHERE id = 1'",
            false,
            "2 rows, 2 columns, 0 named x",
        ),
        (
            "psql -c \"UPDATE users SET name = 'x' WHERE id = 2\"",
            false,
            "3 rows, 2 columns, 1 named x",
        ),
        (
            "psql -v id=3 <<'SQL'\nDELETE FROM users WHERE id = :id;\nSQL",
            false,
            "2 rows, 2 columns, 0 named x",
        ),
        (
            "psql -c \"INSERT INTO users VALUES (4, 'drop table users')\"",
            false,
            "4 rows, 2 columns, 0 named x",
        ),
        ("psql -f drop.sql", true, "gone"),
        ("psql < drop.sql", true, "gone"),
        ("cat drop.sql | psql -X", true, "gone"),
        ("psql -f report.sql", false, intact),
        // A file written earlier on the line is read as written, not as it is on disk.
        (
            "echo 'SELECT 1;' > made.sql && psql -f made.sql",
            false,
            intact,
        ),
        (
            "echo 'DROP TABLE users;' > made.sql && psql -f made.sql",
            true,
            "gone",
        ),
        ("psql -c 'CREATE TABLE other (id int)'", false, intact),
        (
            "psql -c 'DROP TABLE users' --set ON_ERROR_STOP=1",
            true,
            "gone",
        ),
    ];
    let mut failures = Vec::new();
    for (cmd, stop, after) in cases {
        pg.sql(
            "DROP TABLE IF EXISTS users; DROP TABLE IF EXISTS other",
            &work,
        );
        pg.sql("CREATE TABLE users (id int, name text); INSERT INTO users VALUES (1, 'a'), (2, 'b'), (3, 'c')", &work);
        let v = verdict_in(cmd, &ctx);
        if (v.decision != Decision::Allow) != *stop {
            failures.push(format!(
                "{cmd:?}: expected stop={stop}, got {:?}",
                rules(&v)
            ));
        }
        let out = pg.run(cmd, &work);
        if !out.status.success() {
            failures.push(format!("{cmd:?} failed in psql: {}", text(&out.stderr)));
        }
        let state = pg.state(&work);
        if state != *after {
            failures.push(format!(
                "{cmd:?}: the table is {state:?}, expected {after:?}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn sqlite3_agrees_with_every_verdict() {
    let dir = tempfile::tempdir().expect("tempdir");
    let work = dir.path();
    let ctx = ctx_in(work);
    let state = || -> String {
        let out = Command::new("sqlite3")
            .args(["app.db", "SELECT count(*) FROM users"])
            .current_dir(work)
            .output()
            .expect("sqlite3 is installed (.ci/run installs it)");
        if out.status.success() {
            format!("{} rows", text(&out.stdout).trim())
        } else {
            "gone".into()
        }
    };
    let cases: &[(&str, bool, &str)] = &[
        ("sqlite3 app.db 'DROP TABLE users'", true, "gone"),
        ("sqlite3 app.db .tables 'DROP TABLE users'", true, "gone"),
        ("sqlite3 app.db 'DELETE FROM users'", true, "0 rows"),
        (
            "sqlite3 app.db <<'SQL'\n.headers on\nDELETE FROM users;\nSQL",
            true,
            "0 rows",
        ),
        ("sqlite3 -cmd 'DROP TABLE users' app.db .quit", true, "gone"),
        (
            "sqlite3 app.db 'DELETE FROM users WHERE id = 1'",
            false,
            "2 rows",
        ),
        (
            "sqlite3 app.db \"SELECT 'DROP TABLE users'\"",
            false,
            "3 rows",
        ),
        (
            "sqlite3 -readonly app.db 'DROP TABLE users' || true",
            false,
            "3 rows",
        ),
    ];
    let mut failures = Vec::new();
    for (cmd, stop, after) in cases {
        let _ = std::fs::remove_file(work.join("app.db"));
        let ok = Command::new("sqlite3")
            .args(["app.db", "CREATE TABLE users (id int, name text); INSERT INTO users VALUES (1,'a'),(2,'b'),(3,'c');"])
            .current_dir(work)
            .status()
            .expect("sqlite3")
            .success();
        assert!(ok);
        let v = verdict_in(cmd, &ctx);
        if (v.decision != Decision::Allow) != *stop {
            failures.push(format!(
                "{cmd:?}: expected stop={stop}, got {:?}",
                rules(&v)
            ));
        }
        let out = Command::new("bash")
            .args(["-c", cmd])
            .current_dir(work)
            .output()
            .expect("bash");
        if !out.status.success() {
            failures.push(format!("{cmd:?} failed: {}", text(&out.stderr)));
        }
        if state() != *after {
            failures.push(format!(
                "{cmd:?}: the table is {:?}, expected {after:?}",
                state()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn sql_generators_piped_into_a_client() {
    // pg_dump --clean starts its output with a DROP of everything it dumps.
    stops("pg_dump -c prod | psql staging", DROP, "pg_dump --clean");
    stops(
        "pg_dump --clean -d prod | psql -d staging",
        DROP,
        "pg_dump --clean",
    );
    stops("pg_dump -Oxc prod | psql staging", DROP, "pg_dump --clean");
    stops("pg_dumpall --clean | psql", DROP, "pg_dumpall --clean");
    // Django's sqlflush prints what empties every table; dbshell runs it.
    stops(
        "python manage.py sqlflush | python manage.py dbshell",
        UNFILTERED,
        "sqlflush",
    );
    stops("./manage.py sqlflush | psql app", UNFILTERED, "sqlflush");
    stops(
        "django-admin dbshell <<< 'DROP TABLE auth_user'",
        DROP,
        "auth_user",
    );
    // mysqldump's default --opt drops each table before recreating it.
    stops("mysqldump prod | mysql staging", DROP, "mysqldump");
    stops(
        "mysqldump -h db.internal -u root shop orders | mysql -h 127.0.0.1 shop",
        DROP,
        "every table mysqldump dumps",
    );
    stops(
        "mariadb-dump --databases shop --add-drop-database | mariadb",
        DROP,
        "every database",
    );
    passes("mysqldump --skip-add-drop-table prod | mysql staging");
    passes("mysqldump --no-create-info prod | mysql staging");
    passes("mysqldump prod > prod.sql");
    passes("mysqldump -r prod.sql prod");
    passes("mysqldump prod | gzip > prod.sql.gz");
    passes("pg_dump prod | psql staging_copy");
    passes("pg_dump -Fc prod | pg_restore -d scratch --no-owner");
    passes("pg_dump -c -f dump.sql prod");
    passes("pg_dump -c prod > dump.sql");
    passes("python manage.py sqlflush");
    passes("python manage.py dbshell <<< 'SELECT count(*) FROM auth_user'");
    passes("python manage.py migrate");
}
