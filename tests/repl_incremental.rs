//! The REPL's incremental analysis gives exactly what the whole analysis
//! gives: random scripts of typed inputs (facts, new predicates, queries,
//! rules, citations, inputs with errors and warnings, undos) run through
//! two sessions, one free to check inputs incrementally and one made to
//! analyse everything every time (`SessionOptions::full_analysis`). After
//! every step both must have accepted or rejected alike, with the same
//! diagnostics, answers, checked program and model.
//!
//! The last tests pin the point of it with a counter, never a clock: on a
//! long chain of rules, queries and facts typed after loading it are not
//! analysed together with the chain.

use proptest::prelude::*;
use wirelog::session::{Session, SessionOptions};
use wirelog::value::Value;

/// The program both sessions start from: documented and undocumented
/// predicates, recursion, negation, an aggregate, a constraint, cited facts
/// and a rule reading citations, a predicate used but never defined.
const BASE: &str = r#"
%% closed(Crossing: symbol, Date: date)
%% A border crossing closed on a date.
closed(torkham, 2025-10-12).
closed(chaman, 2025-10-13).
route(torkham, kabul).
route(chaman, kandahar).
route(kabul, bagram).
score(qatar, 3).
named("Khawaja Asif").
reach(X, Y) :- route(X, Y).
reach(X, Z) :- reach(X, Y), route(Y, Z).
quiet(C) :- route(C, _), not closed(C, _).
n_closed(N) :- N = count : { closed(_, _) }.
watched(C) :- route(C, _), alert(C).
late(C) :- deadline(C, D), D > 2025-01-01.
:- closed(C, D), D < 2000-01-01.
accuses(pakistan, afghanistan)
    @ "001": "both countries accuse each other of harbouring militants".
accused_in(A, X) :- accuses(X, _) @ A.
"#;

/// A quote the bundled article 001 holds, and one it does not.
const QUOTE: &str = "both countries accuse each other of harbouring militants";
const NOT_A_QUOTE: &str = "nothing of the kind was ever said";

fn symbol() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "torkham",
        "chaman",
        "kabul",
        "qatar",
        "spin_boldak",
        "x1",
    ])
}

fn input() -> impl Strategy<Value = String> {
    let fact = prop_oneof![
        symbol().prop_map(|s| format!("closed({s}, 2025-11-21).")),
        symbol().prop_map(|s| format!("route({s}, kabul).")),
        symbol().prop_map(|s| format!("route(kabul, {s}).")),
        (symbol(), 0..5i64).prop_map(|(s, n)| format!("score({s}, {n}).")),
        symbol().prop_map(|s| format!("alert({s}).")),
        symbol().prop_map(|s| format!("fresh({s}).")),
        (symbol(), 0..3i64)
            .prop_map(|(s, n)| format!("fresh_pair({s}, {n}). fresh_pair({s}, \"t\").")),
        Just("named(\"Asif\").".to_string()),
        // The first fact of a column an old rule compares: a type error
        // in that rule when it is not a date.
        Just("deadline(kabul, 5).".to_string()),
        symbol().prop_map(|s| format!("deadline({s}, 2025-12-01).")),
        // A type a column never held: checked by the whole analysis.
        Just("route(kabul, 7).".to_string()),
        Just("score(qatar, \"three\").".to_string()),
        // Errors: declared type, arity, not ground, an expression.
        Just("closed(torkham, 12).".to_string()),
        Just("route(kabul).".to_string()),
        Just("route(X, kabul).".to_string()),
        Just("score(qatar, 1 + 2).".to_string()),
        // Citations: good and bad, of a predicate `@` reads and of another.
        Just(format!(
            "accuses(afghanistan, pakistan) @ \"001\": \"{QUOTE}\"."
        )),
        Just(format!("said(asif) @ \"001\": \"{QUOTE}\".")),
        Just(format!("said(asif) @ \"001\": \"{NOT_A_QUOTE}\".")),
        Just(format!("said(asif) @ \"999\": \"{QUOTE}\".")),
    ];
    let query = prop_oneof![
        symbol().prop_map(|s| format!("?- reach({s}, X).")),
        Just("?- closed(C, D).".to_string()),
        Just("?- quiet(C).".to_string()),
        Just("?- n_closed(N).".to_string()),
        Just("?- watched(C).".to_string()),
        Just("?- fresh(X), route(X, Y).".to_string()),
        Just("?- score(S, N), N > 1.".to_string()),
        Just("?- route(X, Y), not closed(X, _).".to_string()),
        Just("?- reach(torkham, bagram).".to_string()),
        Just("?- N = count : { route(_, _) }.".to_string()),
        // Warnings: undefined (with and without a suggestion), a variable
        // spelled like a constant, a constant of the wrong type.
        Just("?- nosuch(X).".to_string()),
        Just("?- clsoed(C, D).".to_string()),
        Just("?- route(Torkham, X).".to_string()),
        Just("?- route(Spin_boldak, X).".to_string()),
        Just("?- closed(C, \"2025-10-12\").".to_string()),
        Just("?- score(S, N), N = qatar.".to_string()),
        // Errors: types, safety, evaluation, arity.
        Just("?- closed(C, D), D > 3.".to_string()),
        Just("?- route(X, Y), Z > 1.".to_string()),
        Just("?- score(S, N), M = N / 0.".to_string()),
        Just("?- route(X).".to_string()),
        // Citations as data.
        Just("?- accuses(X, Y) @ A.".to_string()),
        Just("?- accused_in(A, X).".to_string()),
    ];
    let other = prop_oneof![
        Just("reach2(X, Y) :- reach(X, Y).".to_string()),
        Just("alert(C) :- closed(C, _).".to_string()),
        Just("bad(X) :- route(Y, Z).".to_string()),
        Just("%% fresh(Thing: symbol)\nfresh(documented).".to_string()),
        Just(":- score(_, N), N > 3.".to_string()),
        Just("route(a, .".to_string()),
        Just("?- later(X). later(a).".to_string()),
        Just("made(a). ?- made(X), unknown_yet(X).".to_string()),
    ];
    prop_oneof![
        5 => fact,
        5 => query,
        2 => (fact_or_query(), fact_or_query()).prop_map(|(a, b)| format!("{a} {b}")),
        2 => other,
        1 => Just(":undo".to_string()),
    ]
}

fn fact_or_query() -> impl Strategy<Value = String> {
    prop_oneof![
        symbol().prop_map(|s| format!("route({s}, kandahar).")),
        symbol().prop_map(|s| format!("fresh({s}).")),
        symbol().prop_map(|s| format!("?- reach({s}, X).")),
        Just("?- quiet(C).".to_string()),
        Just("?- Kabul = kabul.".to_string()),
    ]
}

/// Everything a session shows: the outcome of the last input, the checked
/// program and the model, as text.
fn state(session: &Session) -> String {
    let Some(program) = session.program() else {
        return "nothing loaded".to_string();
    };
    let mut text = format!("{program:#?}\n");
    for (predicate, declared) in program.visible_predicates() {
        let columns = (0..declared.arity)
            .map(|index| format!("C{index}"))
            .collect();
        if let Some(answer) = session.relation(predicate, columns) {
            let rows: Vec<Vec<Value>> = answer.rows;
            text.push_str(&format!("{}: {rows:?}\n", declared.name));
        }
    }
    text.push_str(&format!(
        "inputs {} generation {} strata {:?}\n",
        session.n_inputs(),
        session.generation(),
        session.last_strata_report()
    ));
    text
}

fn step(session: &mut Session, input: &str) -> String {
    if input == ":undo" {
        return format!("{:?}", session.undo(false));
    }
    format!("{:?}", session.load_text(input))
}

fn new_session(full_analysis: bool) -> Session {
    let mut session = Session::new(SessionOptions {
        record_rounds: true,
        full_analysis,
        ..SessionOptions::default()
    });
    session
        .load_text(BASE)
        .expect("the base program is accepted");
    session.mark_start_up();
    session
}

/// Runs `inputs` through both sessions, comparing after each; returns how
/// many inputs the free one checked incrementally.
fn run_script(inputs: &[String]) -> Result<usize, TestCaseError> {
    let mut incremental = new_session(false);
    let mut full = new_session(true);
    for input in inputs {
        let by_parts = step(&mut incremental, input);
        let whole = step(&mut full, input);
        prop_assert_eq!(&by_parts, &whole, "the outcomes of {:?} differ", input);
        prop_assert_eq!(
            state(&incremental),
            state(&full),
            "the sessions differ after {:?}",
            input
        );
    }
    Ok(full.n_full_analyses() - incremental.n_full_analyses())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn incremental_analysis_gives_what_the_whole_analysis_gives(
        inputs in prop::collection::vec(input(), 1..16)
    ) {
        run_script(&inputs)?;
    }
}

/// Each input of the generator once, in order, then each again: every
/// case is met even when the random scripts miss one.
#[test]
fn every_kind_of_input_agrees() {
    let inputs = [
        "closed(spin_boldak, 2025-11-21).",
        "?- closed(C, D).",
        "route(kabul, 7).",
        "closed(torkham, 12).",
        "route(kabul).",
        "route(X, kabul).",
        "fresh(a). ?- fresh(X).",
        "?- clsoed(C, D).",
        "?- route(Torkham, X).",
        "?- closed(C, \"2025-10-12\").",
        "?- closed(C, D), D > 3.",
        "?- score(S, N), M = N / 0.",
        "alert(kabul).",
        "?- watched(C).",
        "deadline(kabul, 5).",
        "deadline(kabul, 2025-12-01).",
        "deadline(chaman, 2025-12-02).",
        "deadline(chaman, 6).",
        "?- late(C).",
        "named(\"Asif\").",
        &format!("said(asif) @ \"001\": \"{QUOTE}\"."),
        &format!("said(asif) @ \"001\": \"{NOT_A_QUOTE}\"."),
        &format!("accuses(afghanistan, pakistan) @ \"001\": \"{QUOTE}\"."),
        "?- accused_in(A, X).",
        "?- later(X). later(a).",
        "?- later(X).",
        ":undo",
        "made(a). ?- made(X), unknown_yet(X).",
        "?- nosuch(X).",
        "fresh_pair(a, 1). fresh_pair(a, \"t\").",
        ":- score(_, N), N > 3.",
        "score(qatar, 4).",
        "route(a, .",
    ];
    let script: Vec<String> = inputs.iter().map(|input| input.to_string()).collect();
    let twice: Vec<String> = script.iter().chain(&script).cloned().collect();
    match run_script(&twice) {
        // Queries, facts of known and of new predicates, warnings: at
        // least these of the script's inputs take the incremental way.
        Ok(n_incremental) => assert!(n_incremental >= 14, "only {n_incremental} inputs"),
        Err(failure) => panic!("{failure}"),
    }
}

/// A chain `p0(X) :- p1(X). ... p{n-1}(1).` loaded as one file.
fn chain_session(n: usize) -> Session {
    let mut text = String::new();
    for index in 0..n - 1 {
        text.push_str(&format!("p{index}(X) :- p{}(X).\n", index + 1));
    }
    text.push_str(&format!("p{}(1).\n", n - 1));
    let mut session = Session::new(SessionOptions::default());
    session.load_text(&text).expect("the chain is accepted");
    session
}

#[test]
fn queries_and_facts_after_a_long_chain_are_not_analysed_with_it() {
    let mut session = chain_session(2_000);
    let loaded = session.n_full_analyses();
    for _ in 0..3 {
        let accepted = session.load_text("?- p0(X).").expect("the query runs");
        assert_eq!(accepted.answers[0].rows, vec![vec![Value::Integer(1)]]);
    }
    // A fact of a predicate of the chain, and of a new one.
    session.load_text("p0(2).").expect("the fact is accepted");
    session.load_text("q(7).").expect("the fact is accepted");
    let accepted = session
        .load_text("?- p0(X), q(Y).")
        .expect("the query runs");
    assert_eq!(accepted.answers[0].rows.len(), 2);
    // A warning is found without the chain being analysed again.
    let accepted = session.load_text("?- p00(X).").expect("the query runs");
    assert_eq!(accepted.warnings.len(), 1, "{:?}", accepted.warnings);
    assert_eq!(
        session.n_full_analyses(),
        loaded,
        "a query or a fact typed after the chain was analysed with it"
    );
    // A rule is analysed with everything, and afterwards queries are
    // incremental again.
    session
        .load_text("r(X) :- p5(X).")
        .expect("the rule is accepted");
    assert_eq!(session.n_full_analyses(), loaded + 1);
    let accepted = session.load_text("?- r(X).").expect("the query runs");
    assert_eq!(accepted.answers[0].rows.len(), 1);
    assert_eq!(session.n_full_analyses(), loaded + 1);
}

#[test]
fn a_forced_full_analysis_is_counted() {
    let mut session = Session::new(SessionOptions {
        full_analysis: true,
        ..SessionOptions::default()
    });
    session.load_text("p(1).").expect("accepted");
    session.load_text("?- p(X).").expect("accepted");
    assert_eq!(session.n_full_analyses(), 2);
}
