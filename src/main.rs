//! The `interlock` binary. Called through a link whose name holds `bash` or `zsh`
//! (`interlock-bash`), or as `interlock shell …`, it is an agent's shell; otherwise the
//! command line interface.
//!
//! `no_main`: Rust's own start-up would ignore SIGPIPE and reopen closed standard
//! descriptors, and the agent shell must hand the real shell exactly what it was given.
#![cfg_attr(not(test), no_main)]
// Under `cargo test` the harness supplies `main`; the CLI is then only compiled.
#![cfg_attr(test, allow(dead_code))]

mod cli;

#[cfg(not(test))]
use std::ffi::OsString;
#[cfg(not(test))]
use std::os::raw::{c_char, c_int};

#[cfg(not(test))]
#[no_mangle]
pub extern "C" fn main(_argc: c_int, _argv: *const *const c_char) -> c_int {
    let code = std::panic::catch_unwind(|| {
        let args: Vec<OsString> = std::env::args_os().collect();
        let argv0 = args.first().cloned().unwrap_or_default();
        if interlock::shell::args::shell_for_name(&argv0).is_some() {
            return interlock::shell::run(&argv0, args.get(1..).unwrap_or(&[]), false);
        }
        if args.get(1).is_some_and(|a| a == "shell") {
            return interlock::shell::run(&argv0, args.get(2..).unwrap_or(&[]), true);
        }
        cli::main(args)
    })
    .unwrap_or(cli::exit::INTERNAL);
    // Flushes stdout, which returning from a C `main` would not.
    std::process::exit(code)
}
