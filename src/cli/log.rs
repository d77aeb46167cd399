//! `interlock log`: placeholder until this front door is built.

use super::exit;
use clap::Args;

#[derive(Args)]
pub struct LogArgs {
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    rest: Vec<String>,
}

pub fn run(_args: LogArgs) -> i32 {
    eprintln!("interlock log: not available in this build");
    exit::USAGE
}
