//! The engine without the front end's syntax trees, measured (never
//! asserted): each workload of the peer benchmark with its facts read from
//! the tab-separated `<relation>.facts` files straight into the engine's
//! storage (`Database::for_program`, `RelationBuilder`,
//! `Database::extend_relation`, `eval::evaluate_loaded`), as the Rust peers
//! read them, instead of `facts.dl` parsed into one syntax tree per fact.
//! The rules and the `answers(N)` query still go through the front end.
//!
//! `cargo bench --bench ingest` runs every workload, each in a process of
//! its own so its peak memory is its own, and prints one line each: wall
//! seconds (median of 3), peak MiB (the largest), the answer. Inputs come
//! from `$BENCH_WORK/data` (default `target/bench-work/data`, made by
//! `benches/run.sh`).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::AtomicBool;
use std::time::Instant;
use wirelog::analysis;
use wirelog::eval::{self, Database, EvalOptions, RelationBuilder, Store};
use wirelog::plan;
use wirelog::span::SourceId;
use wirelog::syntax::parse_program;

const WORKLOADS: [&str; 6] = ["tc_rand", "tc_chain", "sg", "neg", "join3", "andersen"];

fn data_dir() -> PathBuf {
    let work = std::env::var_os("BENCH_WORK")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-work"));
    work.join("data")
}

fn programs_dir() -> PathBuf {
    std::env::var_os("WIRELOG_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/bench"))
        .join("programs")
}

/// The peak resident memory of this process, in KiB.
fn peak_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|line| line.starts_with("VmHWM:"))
                .and_then(|line| line.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// Runs one workload in this process; prints `seconds peak_kib answer`.
fn run_one(workload: &str) -> Result<(), String> {
    let start = Instant::now();
    let dir = data_dir().join(workload);
    let program_name = std::fs::read_to_string(dir.join("PROGRAM")).map_err(|e| e.to_string())?;
    let program_path = programs_dir().join(format!("{}.wirelog.dl", program_name.trim()));
    let text =
        std::fs::read_to_string(&program_path).map_err(|e| format!("{program_path:?}: {e}"))?;
    let (parsed, errors) = parse_program(SourceId(0), &text);
    if !errors.is_empty() {
        return Err(format!("{errors:?}"));
    }
    let analysis = analysis::analyze(&[&parsed]);
    if analysis
        .diagnostics
        .iter()
        .any(|diagnostic| diagnostic.is_error())
    {
        return Err(format!("{:?}", analysis.diagnostics));
    }
    let program = analysis.program;
    let plan = plan::plan_program(&program).map_err(|e| e.to_string())?;
    let mut database = Database::for_program(Store::new(), &program, false);
    for entry in std::fs::read_dir(&dir).map_err(|e| e.to_string())? {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path
            .extension()
            .is_none_or(|extension| extension != "facts")
        {
            continue;
        }
        let name = path
            .file_stem()
            .and_then(|stem| stem.to_str())
            .unwrap_or_default();
        let Some(predicate) = program.predicate_id(name) else {
            continue;
        };
        let arity = program.predicate(predicate).arity;
        let mut rows = RelationBuilder::new(arity);
        let facts = std::fs::read_to_string(&path).map_err(|e| e.to_string())?;
        let mut row = Vec::with_capacity(arity);
        for line in facts.lines() {
            row.clear();
            for field in line.split('\t') {
                let number: i64 = field
                    .trim()
                    .parse()
                    .map_err(|_| format!("{path:?}: {line:?}"))?;
                row.push(database.store.int(number));
            }
            rows.push(&row);
        }
        database.extend_relation(predicate, rows);
    }
    let cancel = AtomicBool::new(false);
    let options = EvalOptions::default();
    let mut database = eval::evaluate_loaded(&program, &plan, database, options, &cancel)
        .map_err(|e| e.to_string())?;
    let (Some(query), Some(query_plan)) = (program.queries.first(), plan.queries.first()) else {
        return Err("no query".into());
    };
    let answer = eval::answer_query(query, query_plan, 0, &mut database, options, &cancel)
        .map_err(|e| e.to_string())?;
    let count = answer
        .rows
        .first()
        .and_then(|row| row.first())
        .map(|value| value.to_string())
        .unwrap_or_default();
    println!("{} {} {count}", start.elapsed().as_secs_f64(), peak_kib());
    Ok(())
}

fn main() {
    let arguments: Vec<String> = std::env::args()
        .skip(1)
        .filter(|arg| !arg.starts_with("--"))
        .collect();
    if let [flag, workload] = arguments.as_slice()
        && flag == "one"
    {
        if let Err(error) = run_one(workload) {
            eprintln!("{workload}: {error}");
            std::process::exit(1);
        }
        return;
    }
    let workloads: Vec<&str> = if arguments.is_empty() {
        WORKLOADS.to_vec()
    } else {
        arguments.iter().map(String::as_str).collect()
    };
    let Ok(me) = std::env::current_exe() else {
        eprintln!("cannot find the benchmark's own executable");
        return;
    };
    println!(
        "{:<10} {:>9} {:>9}  answer",
        "workload", "median s", "peak MiB"
    );
    for workload in workloads {
        let mut seconds = Vec::new();
        let mut peak = 0;
        let mut answer = String::new();
        for _ in 0..3 {
            let output = Command::new(&me).args(["one", workload]).output();
            let Ok(output) = output else { break };
            let stdout = String::from_utf8_lossy(&output.stdout);
            let fields: Vec<&str> = stdout.split_whitespace().collect();
            if let [time, kib, count] = fields.as_slice() {
                seconds.push(time.parse::<f64>().unwrap_or(f64::NAN));
                peak = peak.max(kib.parse::<u64>().unwrap_or(0));
                answer = count.to_string();
            } else {
                eprint!("{}", String::from_utf8_lossy(&output.stderr));
                break;
            }
        }
        seconds.sort_by(|a, b| a.total_cmp(b));
        let median = seconds.get(seconds.len() / 2).copied().unwrap_or(f64::NAN);
        println!(
            "{workload:<10} {median:>9.3} {:>9.1}  {answer}",
            peak as f64 / 1024.0
        );
    }
}
