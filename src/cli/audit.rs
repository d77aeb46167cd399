//! `interlock audit`: placeholder until this front door is built.

use super::exit;
use clap::Args;

#[derive(Args)]
pub struct AuditArgs {
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    rest: Vec<String>,
}

pub fn run(_args: AuditArgs) -> i32 {
    eprintln!("interlock audit: not available in this build");
    exit::USAGE
}
