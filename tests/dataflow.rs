//! The dataflow engine against the datafrog engine (and, for random
//! programs, the naive evaluator): the same model, the same answers, the
//! same errors, with one and with two workers.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use wirelog::analysis::ir;
use wirelog::dataflow::{self, DataflowOptions};
use wirelog::eval::Value;
use wirelog::eval::fixpoint::{self, EvalError, EvalOptions, Limits, Origin};
use wirelog::eval::value::Store;
use wirelog::plan::ProgramPlan;
use wirelog::session::{Session, SessionOptions};

/// Every relation, then every query's answers, decoded and sorted.
#[derive(Debug, PartialEq)]
struct Snapshot {
    relations: Vec<Vec<Vec<Value>>>,
    answers: Vec<Vec<Vec<Value>>>,
}

fn checked(text: &str) -> (ir::Program, ProgramPlan) {
    let mut session = Session::new(SessionOptions {
        check_only: true,
        ..SessionOptions::default()
    });
    if let Err(rejected) = session.load_named_text("test.dl", text) {
        panic!("rejected: {:#?}\n{text}", rejected.diagnostics);
    }
    (
        session.program().expect("checked").clone(),
        session.plan().expect("planned").clone(),
    )
}

fn sorted_rows(store: &Store, mut rows: Vec<wirelog::eval::value::Tuple>) -> Vec<Vec<Value>> {
    rows.sort_by(|a, b| {
        a.iter()
            .zip(b.iter())
            .map(|(x, y)| store.compare(*x, *y))
            .find(|ordering| ordering.is_ne())
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(a.len().cmp(&b.len()))
    });
    rows.iter()
        .map(|row| row.iter().map(|&value| store.unpack(value)).collect())
        .collect()
}

fn datafrog(
    program: &ir::Program,
    plan: &ProgramPlan,
    limits: Limits,
) -> Result<Snapshot, EvalError> {
    let cancel = AtomicBool::new(false);
    let options = EvalOptions {
        limits,
        record_rounds: false,
    };
    let mut database = fixpoint::evaluate(program, plan, Store::new(), options, &cancel)?;
    let mut answers = Vec::new();
    for (index, query) in plan.queries.iter().enumerate() {
        let rows = fixpoint::evaluate_conjunction(
            query,
            Origin::Query(index),
            &mut database,
            &[],
            options,
            &cancel,
        )?;
        answers.push(sorted_rows(&database.store, rows));
    }
    let relations = (0..program.predicates.len())
        .map(|index| {
            let rows = database.relation(ir::PredId(index as u32)).to_vec();
            sorted_rows(&database.store, rows)
        })
        .collect();
    Ok(Snapshot { relations, answers })
}

fn on_dataflow(
    program: &ir::Program,
    plan: &ProgramPlan,
    limits: Limits,
    workers: usize,
) -> Result<Snapshot, EvalError> {
    let options = DataflowOptions {
        eval: EvalOptions {
            limits,
            record_rounds: false,
        },
        workers,
    };
    let evaluation = dataflow::evaluate(
        program,
        plan,
        Store::new(),
        options,
        Arc::new(AtomicBool::new(false)),
    )?;
    let database = evaluation.database;
    let relations = (0..program.predicates.len())
        .map(|index| {
            let rows = database.relation(ir::PredId(index as u32)).to_vec();
            sorted_rows(&database.store, rows)
        })
        .collect();
    let answers = evaluation
        .answers
        .into_iter()
        .map(|answer| answer.rows)
        .collect();
    Ok(Snapshot { relations, answers })
}

/// Both engines, one and two workers: the same snapshot or the same error.
fn check_agrees(text: &str) {
    check_agrees_with_limits(text, Limits::default());
}

fn check_agrees_with_limits(text: &str, limits: Limits) {
    let (program, plan) = checked(text);
    let expected = datafrog(&program, &plan, limits);
    for workers in [1, 2] {
        let actual = on_dataflow(&program, &plan, limits, workers);
        match (&expected, &actual) {
            (Ok(expected), Ok(actual)) => assert_eq!(actual, expected, "{workers} workers\n{text}"),
            (Err(expected), Err(actual)) => {
                assert_eq!(
                    actual.to_string(),
                    expected.to_string(),
                    "{workers} workers\n{text}"
                );
                assert_eq!(
                    actual.origin(),
                    expected.origin(),
                    "{workers} workers\n{text}"
                );
                assert_eq!(
                    actual.literal(),
                    expected.literal(),
                    "{workers} workers\n{text}"
                );
            }
            _ => panic!("{workers} workers: datafrog {expected:?}, dataflow {actual:?}\n{text}"),
        }
    }
}

#[test]
fn recursion_and_mutual_recursion() {
    check_agrees(
        "edge(1, 2). edge(2, 3). edge(3, 1). edge(4, 5).
         path(X, Y) :- edge(X, Y).
         path(X, Z) :- path(X, Y), edge(Y, Z).
         even(0). odd(N) :- even(M), N = M + 1, N < 10. even(N) :- odd(M), N = M + 1.
         ?- path(1, X).
         ?- path(X, X).
         ?- odd(7).
         ?- even(7).",
    );
}
