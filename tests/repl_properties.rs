//! Random REPL scripts — inputs that are accepted, inputs that are rejected
//! (syntax, checks, evaluation errors), `:undo`, and evaluations interrupted
//! as Ctrl-C would — run through the library's shell. Properties:
//!
//! 1. A rejected input (or a failed or interrupted `:undo`) leaves the
//!    session's clauses, model, input counter and strata report exactly as
//!    they were.
//! 2. A successful `:undo` brings the clauses and the model back to what they
//!    were before the input it removes.

use proptest::prelude::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;
use wirelog::eval::Limits;
use wirelog::repl::{Event, Reply, Shell};
use wirelog::session::{Session, SessionOptions};
use wirelog::value::Value;

/// One step of a script.
#[derive(Clone, Debug)]
enum Step {
    /// Typed text, accepted or not.
    Type(String),
    /// `:undo`.
    Undo,
    /// Typed text whose evaluation is interrupted if it runs long enough.
    Interrupt(String),
}

fn node() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec!["a", "b", "c", "d"])
}

fn step() -> impl Strategy<Value = Step> {
    let fact = (node(), node()).prop_map(|(from, to)| format!("e({from}, {to})."));
    let accepted = prop_oneof![
        4 => fact,
        1 => node().prop_map(|name| format!("stop({name}).")),
        1 => Just("path(X, Y) :- e(X, Y).".to_string()),
        1 => Just("path(X, Z) :- path(X, Y), e(Y, Z).".to_string()),
        1 => Just("open(X) :- e(X, _), not stop(X).".to_string()),
        1 => Just("n(N) :- N = count : { e(_, _) }.".to_string()),
        1 => Just("far(X) :- e(a, X), not path(X, a).".to_string()),
        2 => node().prop_map(|name| format!("?- path({name}, X).")),
        1 => Just("?- n(N).".to_string()),
        1 => Just("e(a, b). ?- e(X, Y).".to_string()),
    ];
    let rejected = prop_oneof![
        Just("e(a, .".to_string()),
        Just("bad(X) :- e(Y, Z).".to_string()),
        Just("e(a).".to_string()),
        Just("w(X) :- e(X, _), not w(X).".to_string()),
        Just("half(Y) :- e(X, _), Y = 1 / 0.".to_string()),
        Just("z(Y) :- e(X, _), Y = X + 1.".to_string()),
        // Runs until the round limit unless `stop(a)` holds.
        Just("r(0). r(X) :- r(Y), X = Y + 1, not stop(a).".to_string()),
        Just("?- nosuch(X), e(X, X), X > 1.".to_string()),
        // Evaluates (incrementally), then its query fails.
        Just("e(c, d). ?- e(X, Y), Z = 1 / 0.".to_string()),
    ];
    prop_oneof![
        6 => accepted.prop_map(Step::Type),
        3 => rejected.prop_map(Step::Type),
        2 => Just(Step::Undo),
        1 => Just(Step::Interrupt("k(0). k(X) :- k(Y), X = Y + 1.".to_string())),
        1 => Just(Step::Interrupt(":undo".to_string())),
    ]
}

/// Each predicate's name and sorted rows.
type Relations = Vec<(String, Vec<Vec<Value>>)>;

/// The clauses typed and the non-empty relations: what an undo restores.
type Contents = (Vec<String>, Relations);

/// Everything a rejected input must leave as it was.
#[derive(Clone, Debug, PartialEq)]
struct Snapshot {
    clauses: Vec<String>,
    units: Vec<(u32, usize)>,
    program: String,
    relations: Relations,
    n_inputs: usize,
    strata_report: String,
    last_clause_input: Option<usize>,
}

/// The metadata predicates of the articles (docs/language.md).
const GENERATED: [&str; 5] = [
    "article",
    "article_date",
    "article_title",
    "article_outlet",
    "article_url",
];

impl Snapshot {
    fn of(session: &Session) -> Snapshot {
        let relations = match (session.program(), session.database()) {
            (Some(program), Some(database)) => program
                .predicates
                .iter()
                .enumerate()
                // The facts about the loaded articles, generated for every
                // evaluated session, are the articles', not the inputs'.
                .filter(|(_, predicate)| !GENERATED.contains(&predicate.name.as_str()))
                .map(|(index, predicate)| {
                    let id = wirelog::analysis::ir::PredId(index as u32);
                    let mut rows: Vec<Vec<Value>> = database
                        .relation(id)
                        .iter()
                        .map(|tuple| {
                            tuple
                                .iter()
                                .map(|&value| database.store.unpack(value))
                                .collect()
                        })
                        .collect();
                    rows.sort();
                    (predicate.name.clone(), rows)
                })
                .collect(),
            _ => Vec::new(),
        };
        Snapshot {
            clauses: session.own_clauses(),
            units: session
                .units()
                .iter()
                .map(|unit| (unit.source.0, unit.input))
                .collect(),
            program: format!("{:?}", session.program()),
            relations,
            n_inputs: session.n_inputs(),
            strata_report: format!("{:?}", session.last_strata_report()),
            last_clause_input: session.last_clause_input(),
        }
    }

    /// What an undo must bring back: clauses and model (not counters).
    fn contents(&self) -> Contents {
        let relations = self
            .relations
            .iter()
            .filter(|(_, rows)| !rows.is_empty())
            .cloned()
            .collect();
        (self.clauses.clone(), relations)
    }
}

fn rejected(reply: &Reply) -> bool {
    reply.events.iter().any(|event| match event {
        Event::Error(_) => true,
        Event::Diagnostics(diagnostics) => {
            diagnostics.iter().any(|diagnostic| diagnostic.is_error())
        }
        _ => false,
    })
}

/// Runs `input`, raising the cancel flag (as Ctrl-C does) until it returns.
fn run_interrupted(shell: &mut Shell, session: &mut Session, input: &str) -> Reply {
    let cancel = session.cancel_flag();
    let done = Arc::new(AtomicBool::new(false));
    let pressing = {
        let done = Arc::clone(&done);
        thread::spawn(move || {
            while !done.load(Ordering::Relaxed) {
                cancel.store(true, Ordering::Relaxed);
                thread::sleep(Duration::from_micros(200));
            }
        })
    };
    let reply = shell.run(session, input);
    done.store(true, Ordering::Relaxed);
    let _ = pressing.join();
    reply
}

fn run_script(steps: &[Step]) -> Result<(), TestCaseError> {
    let mut session = Session::new(SessionOptions {
        limits: Limits {
            max_rounds: Some(200),
            max_tuples: 1_000_000,
            ..Limits::default()
        },
        ..SessionOptions::default()
    });
    let mut shell = Shell::new();
    // Snapshots before each input that added clauses, for checking undo.
    let mut before_inputs: Vec<Contents> = Vec::new();
    for step in steps {
        let before = Snapshot::of(&session);
        let reply = match step {
            Step::Type(input) => shell.run(&mut session, input),
            Step::Undo => shell.run(&mut session, ":undo"),
            Step::Interrupt(input) => run_interrupted(&mut shell, &mut session, input),
        };
        let after = Snapshot::of(&session);
        if rejected(&reply) {
            prop_assert_eq!(
                &after,
                &before,
                "{:?} was rejected but changed the session",
                step
            );
            continue;
        }
        let undo = match step {
            Step::Undo => true,
            Step::Interrupt(input) => input == ":undo",
            Step::Type(_) => false,
        };
        match step {
            _ if undo => {
                let restored = before_inputs.pop();
                prop_assert!(restored.is_some(), "an undo succeeded with nothing to undo");
                if let Some(restored) = restored {
                    prop_assert_eq!(
                        after.contents(),
                        restored,
                        "the undo did not restore the session"
                    );
                }
            }
            _ if after.last_clause_input != before.last_clause_input => {
                before_inputs.push(before.contents());
            }
            _ => {}
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn rejected_inputs_change_nothing_and_undo_restores(steps in prop::collection::vec(step(), 1..14)) {
        run_script(&steps)?;
    }
}

#[test]
fn a_failed_undo_changes_nothing_and_numbers_stay_unique() {
    // Edges added one at a time at the end of a chain are evaluated
    // incrementally in a couple of rounds; an undo evaluates the rest from
    // scratch, one round per edge, so with a small round limit it fails.
    let mut session = Session::new(SessionOptions {
        limits: Limits {
            max_rounds: Some(4),
            max_tuples: 1_000_000,
            ..Limits::default()
        },
        ..SessionOptions::default()
    });
    let mut shell = Shell::new();
    let rules = "path(X, Y) :- e(X, Y). path(X, Z) :- path(X, Y), e(Y, Z).";
    assert!(!rejected(&shell.run(&mut session, rules)));
    let mut failed = None;
    for (from, to) in [
        ("a", "b"),
        ("b", "c"),
        ("c", "d"),
        ("d", "e"),
        ("e", "f"),
        ("f", "g"),
    ] {
        let reply = shell.run(&mut session, &format!("e({from}, {to})."));
        if rejected(&reply) {
            break;
        }
        let before = Snapshot::of(&session);
        let reply = shell.run(&mut session, ":undo");
        if rejected(&reply) {
            failed = Some(before);
            break;
        }
        // Put it back and go on growing.
        assert!(!rejected(
            &shell.run(&mut session, &format!("e({from}, {to})."))
        ));
    }
    let before = failed.expect("an undo ran into the round limit");
    assert_eq!(
        Snapshot::of(&session),
        before,
        "a failed undo changed the session"
    );
    // The next input takes a number of its own, so undoing it would remove it alone.
    assert!(!rejected(&shell.run(&mut session, "x(1).")));
    let last = session.last_clause_input().expect("an input with clauses");
    let with_that_number = session
        .units()
        .iter()
        .filter(|unit| unit.input == last)
        .count();
    assert_eq!(
        with_that_number, 1,
        "the input after a failed undo shares its number"
    );
}
