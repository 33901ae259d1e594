//! REPL latency on the news knowledge base, measured (never asserted):
//! start-up of the bare binary to its first prompt, loading the knowledge
//! base in the library, and adding one fact then re-running a query; then
//! a query and a fact typed after a long chain of rules. The typed inputs
//! are measured twice: as the REPL checks them (incrementally) and with
//! every input analysed together with the whole session
//! (`SessionOptions::full_analysis`, what the REPL did before).
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
    for full_analysis in [false, true] {
        let mut session = Session::new(SessionOptions {
            full_analysis,
            ..options()
        });
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
        let how = if full_analysis {
            " (whole analysis)"
        } else {
            ""
        };
        show(
            &format!("add one fact, then re-run `?- closed(C, D).`{how}"),
            samples,
        );
    }

    // 3. A chain `p0(X) :- p1(X). ... p19999(1).`: a query, and a fact of its
    //    top predicate, typed after loading it.
    let n_rules = 20_000;
    let mut chain = String::new();
    for index in 0..n_rules - 1 {
        chain.push_str(&format!("p{index}(X) :- p{}(X).\n", index + 1));
    }
    chain.push_str(&format!("p{}(1).\n", n_rules - 1));
    for full_analysis in [false, true] {
        let mut session = Session::new(SessionOptions {
            full_analysis,
            ..SessionOptions::default()
        });
        session.load_text(&chain).expect("the chain loads");
        let how = if full_analysis {
            " (whole analysis)"
        } else {
            ""
        };
        let samples = (0..5)
            .map(|_| {
                let start = Instant::now();
                session.load_text("?- p0(X).").expect("the query runs");
                start.elapsed()
            })
            .collect();
        show(
            &format!("`?- p0(X).` after a chain of 20,000 rules{how}"),
            samples,
        );
        let samples = (0..5)
            .map(|value| {
                let start = Instant::now();
                session
                    .load_text(&format!("p0({}).", value + 2))
                    .expect("the fact is accepted");
                start.elapsed()
            })
            .collect();
        show(
            &format!("`p0(N).` after a chain of 20,000 rules{how}"),
            samples,
        );
    }

    // 4. The bare binary to its first prompt and out again (stdin is a pipe).
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
