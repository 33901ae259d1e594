//! The `wirelog` binary: parses the command line and hands over to `cli`.

mod cli;

use clap::Parser;

fn main() {
    let arguments = cli::Arguments::parse();
    std::process::exit(cli::run(arguments));
}
