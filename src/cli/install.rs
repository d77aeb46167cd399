//! `interlock install`: placeholder until this front door is built.

use super::exit;
use clap::Args;

#[derive(Args)]
pub struct InstallArgs {
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    rest: Vec<String>,
}

pub fn run(_args: InstallArgs) -> i32 {
    eprintln!("interlock install: not available in this build");
    exit::USAGE
}
