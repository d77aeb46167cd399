//! `interlock confine -- PROGRAM ARGS…`: run a program in the confinement the agent
//! shell uses, without judging it. `interlock wrap -- AGENT` starts agents this way,
//! and the agent shell uses it to start a shell from a threaded process.

use crate::cli::exit;
use clap::Args;
use interlock::confine;
use interlock::render::visible;
use std::ffi::OsString;
use std::os::unix::process::CommandExt;

#[derive(Args)]
pub struct ConfineArgs {
    /// The name the program sees as its argv[0] (default: PROGRAM as given).
    #[arg(long, value_name = "NAME")]
    argv0: Option<OsString>,
    /// The program and its arguments, after `--`.
    #[arg(last = true, required = true, value_name = "PROGRAM")]
    program: Vec<OsString>,
}

pub fn run(a: ConfineArgs) -> i32 {
    let Some((program, args)) = a.program.split_first() else {
        eprintln!("interlock confine: name a program after `--`");
        return exit::USAGE;
    };
    let cwd = std::env::current_dir().ok();
    let plan = confine::plan(cwd.as_deref());
    match confine::enter(&plan) {
        Ok(entered) => {
            if let Some(e) = entered.no_landlock {
                eprintln!("interlock: warning: Landlock is not available ({e}); processes outside can be reached through /proc");
            }
        }
        Err(e) => {
            eprintln!(
                "interlock confine: nothing ran: {}. Run `interlock doctor` to see what this machine supports.",
                visible(&e.to_string(), false)
            );
            return exit::FAILED;
        }
    }
    let mut cmd = std::process::Command::new(program);
    cmd.args(args);
    if let Some(name) = &a.argv0 {
        cmd.arg0(name);
    }
    let e = cmd.exec();
    eprintln!(
        "interlock confine: cannot start {}: {e}",
        visible(&program.to_string_lossy(), false)
    );
    127
}
