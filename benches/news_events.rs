//! A synthetic news-event workload of the GDELT kind, measured (never
//! asserted): both engines from scratch at 1 and 2 workers, and the live
//! dataflow model's update batches (latency and throughput).
//!
//! The generator makes `WIRELOG_NEWS_EVENTS` event rows (default 1,000,000;
//! the target is 10,000,000) `event(Id, Day, Actor, Target, Kind)`:
//! days over ten years from 2015-01-01, 1,000 actors drawn with a skew (a few
//! actors are in most of the news, as in real event data), kinds `accuse`
//! (15%), `attack` (10%), `meet`, `praise`, `sanction`. The rules find
//! mutual accusations within 30 days, pairs of actors who accused each other
//! so more than once, retaliation (an attack answered within 7 days) and
//! chains of retaliation (recursive). Everything is seeded: the same size
//! gives the same rows.
//!
//! `cargo bench --bench news_events` prints one line per measurement: the
//! median of `WIRELOG_NEWS_RUNS` runs (default 3) and the answer counts,
//! checked equal across engines. The events are held as an imported file's
//! rows are (a fact table), as they would be read from a CSV file.
//! `WIRELOG_NEWS_SINGLE=N` measures only N
//! one-event updates of a 1-worker live model (for a profiler).

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};
use wirelog::analysis::ir;
use wirelog::dataflow::{self, DataflowOptions, FactChange, LiveModel};
use wirelog::eval::{self, EvalOptions, Store};
use wirelog::plan::ProgramPlan;
use wirelog::session::{ProgramSource, Session, SessionOptions};
use wirelog::table::FactTable;
use wirelog::value::{Date, Value};

const RULES: &str = "
event(0, 2015-01-01, a0, a1, meet).
accuses(A, B, D) :- event(_, D, A, B, accuse).
mutual(A, B, D1) :- accuses(A, B, D1), accuses(B, A, D2), D2 >= D1, D2 - D1 <= 30.
repeated_mutual(A, B, N) :- mutual(A, B, _), N = count : { mutual(A, B, _) }, N >= 2.
attacks(A, B, D) :- event(_, D, A, B, attack).
retaliates(B, A, D2) :- attacks(A, B, D1), attacks(B, A, D2), D2 > D1, D2 - D1 <= 7.
chain(A, B) :- retaliates(A, B, _).
chain(A, C) :- chain(A, B), retaliates(B, C, _).
?- repeated_mutual(A, B, N).
?- chain(A, B).
";

const ACTORS: u64 = 1000;
const DAYS: u64 = 3650;

/// A small seeded generator (splitmix64).
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// An actor: index `ACTORS * u³`, so low indices are in most events.
    fn actor(&mut self) -> u64 {
        let u = self.unit();
        ((ACTORS as f64) * u * u * u) as u64
    }
}

/// Event `id` as values.
fn event(random: &mut Random, id: u64, start: Date) -> Vec<Value> {
    let actor = random.actor();
    let mut target = random.actor();
    if target == actor {
        target = (actor + 1 + random.next() % (ACTORS - 1)) % ACTORS;
    }
    let day = Date::from_days(start.to_days() + (random.next() % DAYS) as i64).unwrap_or(start);
    let kind = match random.next() % 100 {
        0..15 => "accuse",
        15..25 => "attack",
        25..55 => "meet",
        55..80 => "praise",
        _ => "sanction",
    };
    vec![
        Value::Integer(id as i64),
        Value::Date(day),
        Value::Symbol(format!("a{actor}")),
        Value::Symbol(format!("a{target}")),
        Value::Symbol(kind.to_string()),
    ]
}

fn checked(n_events: u64) -> (ir::Program, ProgramPlan, Random) {
    let mut session = Session::new(SessionOptions {
        check_only: true,
        ..SessionOptions::default()
    });
    session
        .load_program(&[ProgramSource::Text {
            name: "news_events.dl".into(),
            text: RULES.into(),
        }])
        .unwrap_or_else(|rejected| panic!("{:#?}", rejected.diagnostics));
    let mut program = session.program().expect("checked").clone();
    let plan = session.plan().expect("planned").clone();
    // The one written fact stands for the generated ones, which are held
    // as the rows of an imported file are (`#import`): a fact table.
    let sample = program.facts.remove(0);
    let start = Date::new(2015, 1, 1).expect("a date");
    let mut random = Random(42);
    let mut table = FactTable::in_file("event", 5, "events.csv");
    for id in 0..n_events {
        for value in event(&mut random, id, start) {
            table.push_value(&value);
        }
        table.finish_row(id as u32 + 2);
    }
    table.shrink_to_fit();
    program.fact_rows = vec![ir::FactRows {
        predicate: sample.predicate,
        table: Arc::new(table),
        rows: 0..n_events as usize,
        span: sample.span,
    }];
    (program, plan, random)
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn seconds(duration: Duration) -> f64 {
    duration.as_secs_f64()
}

fn counts_of_datafrog(program: &ir::Program, plan: &ProgramPlan) -> Vec<usize> {
    let cancel = AtomicBool::new(false);
    let options = EvalOptions::default();
    let mut database =
        eval::evaluate(program, plan, Store::new(), options, &cancel).expect("evaluates");
    (0..program.queries.len())
        .map(|index| {
            eval::answer_query(
                &program.queries[index],
                &plan.queries[index],
                index,
                &mut database,
                options,
                &cancel,
            )
            .expect("answers")
            .rows
            .len()
        })
        .collect()
}

fn options(workers: usize) -> DataflowOptions {
    DataflowOptions {
        eval: EvalOptions::default(),
        workers,
        cluster: None,
    }
}

fn counts_of_dataflow(program: &ir::Program, plan: &ProgramPlan, workers: usize) -> Vec<usize> {
    dataflow::evaluate(
        program,
        plan,
        Store::new(),
        &options(workers),
        Arc::new(AtomicBool::new(false)),
    )
    .expect("evaluates")
    .expect("one process is process 0")
    .answers
    .iter()
    .map(|answer| answer.rows.len())
    .collect()
}

fn main() {
    let n_events: u64 = std::env::var("WIRELOG_NEWS_EVENTS")
        .ok()
        .and_then(|text| text.replace('_', "").parse().ok())
        .unwrap_or(1_000_000);
    let runs: usize = std::env::var("WIRELOG_NEWS_RUNS")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(3)
        .max(1);
    let started = Instant::now();
    let (program, plan, mut random) = checked(n_events);
    if let Some(n_single) = std::env::var("WIRELOG_NEWS_SINGLE")
        .ok()
        .and_then(|text| text.parse::<u64>().ok())
    {
        single_updates(&program, &plan, &mut random, n_events, n_single);
        return;
    }
    println!(
        "news events: {n_events} rows generated in {:.2} s; median of {runs} runs",
        seconds(started.elapsed())
    );
    let time = |run: &dyn Fn() -> Vec<usize>, expected: &Option<Vec<usize>>| {
        let mut counts = Vec::new();
        let samples: Vec<Duration> = (0..runs)
            .map(|_| {
                let start = Instant::now();
                counts = run();
                start.elapsed()
            })
            .collect();
        if let Some(expected) = expected {
            assert_eq!(&counts, expected, "the engines disagree");
        }
        (median(samples), counts)
    };
    let (datafrog, expected) = time(&|| counts_of_datafrog(&program, &plan), &None);
    let expected = Some(expected);
    println!(
        "{:<34} {:>9.2} s   answers {:?}",
        "datafrog, from scratch",
        seconds(datafrog),
        expected.as_deref().unwrap_or_default()
    );
    for workers in [1, 2] {
        let (elapsed, _) = time(&|| counts_of_dataflow(&program, &plan, workers), &expected);
        println!(
            "{:<34} {:>9.2} s   {:.1}× datafrog",
            format!("dataflow {workers}w, from scratch"),
            seconds(elapsed),
            seconds(elapsed) / seconds(datafrog)
        );
    }
    // The live model: batches of new events, then the same batches retracted.
    let start = Date::new(2015, 1, 1).expect("a date");
    let predicate = program.fact_rows[0].predicate;
    for workers in [1, 2] {
        let begun = Instant::now();
        let mut live = LiveModel::start(
            &program,
            &plan,
            &options(workers),
            Arc::new(AtomicBool::new(false)),
        )
        .expect("starts");
        let start_up = begun.elapsed();
        println!(
            "{:<34} {:>9.2} s",
            format!("live {workers}w: start (evaluate once)"),
            seconds(start_up)
        );
        // The model handed over whole as the datafrog engine's `Database`
        // (as a session does when a live model starts), then kept up to
        // date by each update's changes (as `run --follow` does).
        let begun = Instant::now();
        let mut handed_over = live.database(Store::new());
        println!(
            "{:<34} {:>9.2} ms",
            format!("live {workers}w: model as a Database"),
            seconds(begun.elapsed()) * 1e3
        );
        for batch in [1usize, 1_000, 10_000] {
            let mut next_id = n_events + 1_000_000 * workers as u64;
            let batches: Vec<Vec<FactChange>> = (0..runs.max(3))
                .map(|_| {
                    (0..batch)
                        .map(|_| {
                            next_id += 1;
                            FactChange {
                                predicate,
                                values: event(&mut random, next_id, start),
                                diff: 1,
                            }
                        })
                        .collect()
                })
                .collect();
            let mut additions = Vec::new();
            let mut handovers = Vec::new();
            for changes in &batches {
                let begun = Instant::now();
                let changed = live.update(changes).expect("adds");
                additions.push(begun.elapsed());
                let begun = Instant::now();
                changed.apply_to(&mut handed_over);
                handovers.push(begun.elapsed());
            }
            let mut retractions = Vec::new();
            for changes in &batches {
                let undo: Vec<FactChange> = changes
                    .iter()
                    .map(|change| FactChange {
                        diff: -1,
                        ..change.clone()
                    })
                    .collect();
                let begun = Instant::now();
                let changed = live.update(&undo).expect("retracts");
                retractions.push(begun.elapsed());
                changed.apply_to(&mut handed_over);
            }
            println!(
                "{:<34} {:>9.2} ms",
                format!("live {workers}w: hand over {batch} added"),
                seconds(median(handovers)) * 1e3
            );
            for (what, samples) in [("add", additions), ("retract", retractions)] {
                let latency = median(samples);
                println!(
                    "{:<34} {:>9.2} ms  {:>12.0} rows/s",
                    format!("live {workers}w: {what} a batch of {batch}"),
                    seconds(latency) * 1e3,
                    batch as f64 / seconds(latency)
                );
            }
        }
        let counts: Vec<usize> = live
            .answers(&program)
            .iter()
            .map(|answer| answer.rows.len())
            .collect();
        assert_eq!(Some(counts), expected, "the live model drifted");
        let whole = live.database(Store::new());
        for index in 0..program.predicates.len() {
            let predicate = ir::PredId(index as u32);
            assert_eq!(
                handed_over.relation(predicate).len(),
                whole.relation(predicate).len(),
                "the handed-over model drifted"
            );
        }
    }
}

/// `n` one-event updates (each added, then retracted) of a 1-worker live model.
fn single_updates(
    program: &ir::Program,
    plan: &ProgramPlan,
    random: &mut Random,
    n_events: u64,
    n: u64,
) {
    let start = Date::new(2015, 1, 1).expect("a date");
    let predicate = program.fact_rows[0].predicate;
    let mut live = LiveModel::start(program, plan, &options(1), Arc::new(AtomicBool::new(false)))
        .expect("starts");
    let mut samples = Vec::new();
    for id in 0..n {
        let change = FactChange {
            predicate,
            values: event(random, n_events + id, start),
            diff: 1,
        };
        let begun = Instant::now();
        live.update(std::slice::from_ref(&change)).expect("adds");
        live.update(&[FactChange { diff: -1, ..change }])
            .expect("retracts");
        samples.push(begun.elapsed());
    }
    println!(
        "live 1w: add and retract one event, median of {n}: {:.2} ms",
        seconds(median(samples)) * 1e3
    );
}
