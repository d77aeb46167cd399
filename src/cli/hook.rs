//! `interlock hook`: placeholder until this front door is built.

use super::exit;
use clap::Args;

#[derive(Args)]
pub struct HookArgs {
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    rest: Vec<String>,
}

pub fn run(_args: HookArgs) -> i32 {
    eprintln!("interlock hook: not available in this build");
    exit::USAGE
}
