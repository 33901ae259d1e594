//! REPL latency on the news knowledge base, measured (never asserted):
//! start-up of the bare binary to its first prompt, loading the knowledge
//! base in the library, and adding one fact then re-running a query.
//!
//! `cargo bench --bench session` prints the median of each over many runs.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use wirelog::session::{Session, SessionOptions};

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn show(label: &str, samples: Vec<Duration>) {
    let n = samples.len();
    let min = samples.iter().min().copied().unwrap_or_default();
    println!(
        "{label:<58} median {:>8.2} ms   min {:>8.2} ms   ({n} runs)",
        median(samples).as_secs_f64() * 1e3,
        min.as_secs_f64() * 1e3
    );
}

fn main() {
    let options = || SessionOptions {
        record_rounds: true,
        ..SessionOptions::default()
    };

    // 1. The library loading the bundled knowledge base (parse, check, plan, evaluate).
    let samples = (0..50)
        .map(|_| {
            let start = Instant::now();
            let mut session = Session::new(options());
            session.load_news().expect("the knowledge base loads");
            start.elapsed()
        })
        .collect();
    show("load the news knowledge base (library)", samples);

    // 2. Adding one fact, then re-running a query that reads it.
    let mut session = Session::new(options());
    session.load_news().expect("the knowledge base loads");
    let samples = (0..200)
        .map(|day| {
            let fact = format!("closed(bench_crossing_{day}, 2025-11-21).");
            let start = Instant::now();
            session.load_text(&fact).expect("the fact is accepted");
            let accepted = session
                .load_text("?- closed(C, D).")
                .expect("the query runs");
            assert!(!accepted.answers.is_empty());
            start.elapsed()
        })
        .collect();
    show("add one fact, then re-run `?- closed(C, D).`", samples);

    // 3. The bare binary to its first prompt and out again (stdin is a pipe).
    let binary = env!("CARGO_BIN_EXE_wirelog");
    let samples = (0..30)
        .map(|_| {
            let start = Instant::now();
            let mut child = Command::new(binary)
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .env(
                    "WIRELOG_HISTORY",
                    std::env::temp_dir().join("wirelog-bench-history"),
                )
                .spawn()
                .expect("wirelog starts");
            if let Some(mut stdin) = child.stdin.take() {
                let _ = stdin.write_all(b":quit\n");
            }
            let _ = child.wait();
            start.elapsed()
        })
        .collect();
    show(
        "`wirelog` start-up to first prompt, then :quit (process)",
        samples,
    );
}
