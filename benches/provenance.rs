//! The cost of provenance support, measured (never asserted): the same
//! programs evaluated with round recording off (what `run` does) and on (what
//! explanations need), median of several runs each.
//!
//! `cargo bench --bench provenance` uses the shared benchmark's generated
//! inputs when `BENCH_WORK` points at them (see `benches/run.sh`), otherwise a
//! random graph generated here.

use std::time::{Duration, Instant};
use wirelog::session::{Session, SessionOptions};

/// splitmix64, so the generated graph is the same on every run.
fn random_edges(n_nodes: u64, n_edges: usize) -> String {
    let mut state: u64 = 42;
    let mut next = move || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    (0..n_edges)
        .map(|_| format!("edge({}, {}).\n", next() % n_nodes, next() % n_nodes))
        .collect()
}

fn workloads() -> Vec<(String, String)> {
    let programs = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/bench/programs");
    let mut found = Vec::new();
    if let Ok(work) = std::env::var("BENCH_WORK") {
        for (workload, program) in [("tc_rand", "tc"), ("sg", "sg"), ("andersen", "andersen")] {
            let facts = std::fs::read_to_string(format!("{work}/data/{workload}/facts.dl"));
            let rules = std::fs::read_to_string(format!("{programs}/{program}.wirelog.dl"));
            if let (Ok(facts), Ok(rules)) = (facts, rules) {
                found.push((workload.to_string(), format!("{facts}\n{rules}")));
            }
        }
    }
    if found.is_empty() {
        let rules = "path(X, Y) :- edge(X, Y).\npath(X, Z) :- path(X, Y), edge(Y, Z).\n?- N = count : { path(_, _) }.\n";
        found.push((
            "tc on a random graph (800 nodes, 2400 edges)".into(),
            format!("{}{rules}", random_edges(800, 2400)),
        ));
    }
    found
}

fn time(text: &str, record_rounds: bool) -> Duration {
    let start = Instant::now();
    let mut session = Session::new(SessionOptions {
        record_rounds,
        ..SessionOptions::default()
    });
    session
        .load_named_text("bench.dl", text)
        .expect("the workload evaluates");
    start.elapsed()
}

fn median(mut samples: Vec<Duration>) -> f64 {
    samples.sort();
    samples[samples.len() / 2].as_secs_f64()
}

fn main() {
    for (name, text) in workloads() {
        let runs = 5;
        let mut off = Vec::new();
        let mut on = Vec::new();
        // Interleaved, so drift on a noisy machine hits both alike.
        for _ in 0..runs {
            off.push(time(&text, false));
            on.push(time(&text, true));
        }
        let (off, on) = (median(off), median(on));
        println!(
            "{name:<48} rounds not recorded {off:>8.3} s   recorded {on:>8.3} s   ratio {:.2}",
            on / off
        );
    }
}
