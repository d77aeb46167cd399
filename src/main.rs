mod cli;

fn main() {
    let code = cli::main(std::env::args_os().collect());
    std::process::exit(code);
}
