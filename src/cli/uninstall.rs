//! `interlock uninstall`: placeholder until this front door is built.

use super::exit;
use clap::Args;

#[derive(Args)]
pub struct UninstallArgs {
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    rest: Vec<String>,
}

pub fn run(_args: UninstallArgs) -> i32 {
    eprintln!("interlock uninstall: not available in this build");
    exit::USAGE
}
