//! The dataflow engine against the datafrog engine on the peer workloads,
//! measured (never asserted): evaluation from scratch at 1 and 2 worker
//! threads, and the latency of one live update (adding then retracting a
//! base fact) against re-evaluating from scratch.
//!
//! `cargo bench --bench dataflow` generates the small inputs with
//! `../shared/bench/gen.py` into a temporary folder; set
//! `WIRELOG_BENCH_SIZE=default` for the full-size ones. Each line prints the
//! median over several runs and checks that both engines agree on the
//! answer.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};
use wirelog::analysis::ir;
use wirelog::dataflow::{self, DataflowOptions, FactChange, LiveModel};
use wirelog::eval::{self, EvalOptions, Store};
use wirelog::plan::ProgramPlan;
use wirelog::session::{Session, SessionOptions};
use wirelog::value::Value;

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}

fn checked(text: &str) -> (ir::Program, ProgramPlan) {
    let mut session = Session::new(SessionOptions {
        check_only: true,
        ..SessionOptions::default()
    });
    session
        .load_named_text("workload.dl", text)
        .unwrap_or_else(|rejected| panic!("{:#?}", rejected.diagnostics));
    (
        session.program().expect("checked").clone(),
        session.plan().expect("planned").clone(),
    )
}

fn answer_of_datafrog(program: &ir::Program, plan: &ProgramPlan) -> Vec<Vec<Value>> {
    let cancel = AtomicBool::new(false);
    let options = EvalOptions::default();
    let mut database =
        eval::evaluate(program, plan, Store::new(), options, &cancel).expect("evaluates");
    let query = &program.queries[0];
    eval::answer_query(query, &plan.queries[0], 0, &mut database, options, &cancel)
        .expect("answers")
        .rows
}

fn answer_of_dataflow(
    program: &ir::Program,
    plan: &ProgramPlan,
    workers: usize,
) -> Vec<Vec<Value>> {
    let options = DataflowOptions {
        eval: EvalOptions::default(),
        workers,
        cluster: None,
    };
    let mut evaluation = dataflow::evaluate(
        program,
        plan,
        Store::new(),
        &options,
        Arc::new(AtomicBool::new(false)),
    )
    .expect("evaluates")
    .expect("one process is process 0");
    evaluation.answers.remove(0).rows
}

fn workload_inputs() -> PathBuf {
    let size = std::env::var("WIRELOG_BENCH_SIZE").unwrap_or_else(|_| "small".into());
    let folder = std::env::temp_dir().join(format!("wirelog-dataflow-bench-{size}"));
    if !folder.join("tc_rand").exists() {
        let status = std::process::Command::new("python3")
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/bench/gen.py"))
            .args(["--size", &size, "--out"])
            .arg(&folder)
            .status()
            .expect("python3 runs gen.py");
        assert!(status.success(), "gen.py failed");
    }
    folder
}

fn main() {
    let inputs = workload_inputs();
    let programs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/bench/programs");
    let runs = 5;
    println!(
        "{:<10} {:>14} {:>16} {:>16} {:>14} {:>14}",
        "workload", "datafrog ms", "dataflow 1w ms", "dataflow 2w ms", "live +1 ms", "live -1 ms"
    );
    for workload in ["tc_rand", "tc_chain", "sg", "neg", "join3", "andersen"] {
        let folder = inputs.join(workload);
        let name = std::fs::read_to_string(folder.join("PROGRAM"))
            .expect("PROGRAM")
            .trim()
            .to_string();
        let rules =
            std::fs::read_to_string(programs.join(format!("{name}.wirelog.dl"))).expect("program");
        let facts = std::fs::read_to_string(folder.join("facts.dl")).expect("facts");
        let (program, plan) = checked(&format!("{facts}\n{rules}"));
        let expected = answer_of_datafrog(&program, &plan);
        let time = |run: &dyn Fn() -> Vec<Vec<Value>>| {
            let samples: Vec<Duration> = (0..runs)
                .map(|_| {
                    let start = Instant::now();
                    let answer = run();
                    let elapsed = start.elapsed();
                    assert_eq!(answer, expected, "{workload}: the engines disagree");
                    elapsed
                })
                .collect();
            median(samples)
        };
        let datafrog = time(&|| answer_of_datafrog(&program, &plan));
        let one = time(&|| answer_of_dataflow(&program, &plan, 1));
        let two = time(&|| answer_of_dataflow(&program, &plan, 2));
        // One live update: the first base fact retracted, then given back.
        let first = &program.facts[0];
        let fact = |diff| FactChange {
            predicate: first.predicate,
            values: first.values.clone(),
            diff,
        };
        let mut live = LiveModel::start(
            &program,
            &plan,
            &DataflowOptions {
                eval: EvalOptions::default(),
                workers: 1,
                cluster: None,
            },
            Arc::new(AtomicBool::new(false)),
        )
        .expect("starts");
        let (mut removals, mut additions) = (Vec::new(), Vec::new());
        for _ in 0..runs {
            let start = Instant::now();
            live.update(&[fact(-1)]).expect("retracts");
            removals.push(start.elapsed());
            let start = Instant::now();
            live.update(&[fact(1)]).expect("adds");
            additions.push(start.elapsed());
        }
        assert_eq!(
            live.answers(&program)[0].rows,
            expected,
            "{workload}: live model drifted"
        );
        println!(
            "{workload:<10} {:>14.2} {:>16.2} {:>16.2} {:>14.2} {:>14.2}",
            millis(datafrog),
            millis(one),
            millis(two),
            millis(median(additions)),
            millis(median(removals))
        );
    }
}
