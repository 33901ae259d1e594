//! The `wirelog` binary: parses the command line and hands over to `cli`.

mod cli;

use clap::Parser;

/// Counts the bytes the process holds, so `--max-memory` can stop
/// evaluation with an error before the system kills the process.
#[global_allocator]
static ALLOCATOR: wirelog::limits::CountingAllocator = wirelog::limits::CountingAllocator;

fn main() {
    let arguments = cli::Arguments::parse();
    std::process::exit(cli::run(arguments));
}
