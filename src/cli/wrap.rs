//! `interlock wrap`: placeholder until this front door is built.

use super::exit;
use clap::Args;

#[derive(Args)]
pub struct WrapArgs {
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    rest: Vec<String>,
}

pub fn run(_args: WrapArgs) -> i32 {
    eprintln!("interlock wrap: not available in this build");
    exit::USAGE
}
