//! The REPL (placeholder until the rustyline front end lands).

use std::path::PathBuf;
use wirelog::eval::fixpoint::Limits;

/// Opens the REPL; returns the exit code.
pub fn start(limits: Limits, news: bool, files: &[PathBuf]) -> i32 {
    let _ = (limits, news, files);
    eprintln!("the REPL is not available yet");
    1
}
