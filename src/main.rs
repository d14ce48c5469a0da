//! The `rk6` command line: parses flags and hands over to the library.

mod cli;

fn main() {
    std::process::exit(cli::main());
}
