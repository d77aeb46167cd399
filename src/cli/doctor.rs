//! `interlock doctor`: placeholder until this front door is built.

use super::exit;
use clap::Args;

#[derive(Args)]
pub struct DoctorArgs {
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    rest: Vec<String>,
}

pub fn run(_args: DoctorArgs) -> i32 {
    eprintln!("interlock doctor: not available in this build");
    exit::USAGE
}
