//! `interlock approve`: placeholder until this front door is built.

use super::exit;
use clap::Args;

#[derive(Args)]
pub struct ApproveArgs {
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    rest: Vec<String>,
}

pub fn run(_args: ApproveArgs) -> i32 {
    eprintln!("interlock approve: not available in this build");
    exit::USAGE
}
