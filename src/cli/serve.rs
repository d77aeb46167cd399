//! `interlock serve`: the approval service (src/serve/, docs/fleet.md).

use super::exit;
use clap::Args;
use interlock::serve;
use std::path::PathBuf;

#[derive(Args)]
pub struct ServeArgs {
    /// Address to listen on (default 127.0.0.1:8790, or `listen` in the config).
    #[arg(long)]
    listen: Option<String>,
    /// The service's state directory: its key, SQLite database and serve.toml
    /// (default: `serve/` in Interlock's state directory, or INTERLOCK_SERVE_DIR).
    #[arg(long)]
    state_dir: Option<PathBuf>,
    /// The service's config file (default: serve.toml in the state directory).
    #[arg(long)]
    config: Option<PathBuf>,
    /// A PostgreSQL connection URL (default: SQLite in the state directory).
    #[arg(long)]
    database: Option<String>,
    /// Print the public key for the guards' `[settings.approvals] public_key`, and exit
    /// (the key pair is made on first start).
    #[arg(long)]
    print_public_key: bool,
    /// Add an approver (or give one a new token): the token is printed once.
    #[arg(long, value_name = "NAME")]
    add_approver: Option<String>,
    /// Remove an approver and end their sessions.
    #[arg(long, value_name = "NAME")]
    remove_approver: Option<String>,
}

pub fn run(a: ServeArgs) -> i32 {
    if interlock::confine::is_confined() {
        eprintln!("interlock serve: refused: this runs inside an agent's confinement. The approval service runs outside the agents' reach (its key is hidden from them).");
        return exit::DENY;
    }
    let Some(dir) = a.state_dir.clone().or_else(serve::default_dir) else {
        eprintln!(
            "interlock serve: no state directory: set HOME, INTERLOCK_STATE_DIR or --state-dir"
        );
        return exit::USAGE;
    };
    let (path, explicit) = match &a.config {
        Some(p) => (p.clone(), true),
        None => (dir.join("serve.toml"), false),
    };
    let mut config = match serve::load_config(&path, explicit) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("interlock serve: {e}");
            return exit::USAGE;
        }
    };
    if a.listen.is_some() {
        config.listen = a.listen.clone();
    }
    if a.database.is_some() {
        config.database = a.database.clone();
    }
    let opts = serve::Options { dir, config };
    if a.print_public_key || a.add_approver.is_some() || a.remove_approver.is_some() {
        let (key, mut db) = match serve::open(&opts) {
            Ok(k) => k,
            Err(e) => {
                eprintln!("interlock serve: {e}");
                return exit::FAILED;
            }
        };
        if a.print_public_key {
            println!("{}", serve::public_key_text(&key));
        }
        if let Some(name) = &a.remove_approver {
            match db.remove_approver(name) {
                Ok(true) => eprintln!("interlock serve: removed approver {name}"),
                Ok(false) => {
                    eprintln!("interlock serve: there is no approver {name}");
                    return exit::FAILED;
                }
                Err(e) => {
                    eprintln!("interlock serve: {e}");
                    return exit::FAILED;
                }
            }
        }
        if let Some(name) = &a.add_approver {
            match serve::add_approver(&mut db, name) {
                Ok(token) => {
                    eprintln!("interlock serve: approver {name} added; their token (shown once, stored only as a hash):");
                    println!("{token}");
                }
                Err(e) => {
                    eprintln!("interlock serve: {e}");
                    return exit::FAILED;
                }
            }
        }
        return exit::ALLOW;
    }
    match serve::run(opts) {
        Ok(()) => exit::ALLOW,
        Err(e) => {
            eprintln!("interlock serve: {e}");
            exit::FAILED
        }
    }
}
