//! Differential tests: random stratified programs evaluated by wirelog and by
//! the naive evaluator in `oracle/naive.rs` must give the same answers.
//!
//! Programs mix recursion, mutual recursion (predicates of one level read
//! each other), negation and counting over lower levels, comparisons,
//! constants, repeated variables and wildcards. A seed drives a small
//! deterministic generator, so a failing case prints a seed and a program
//! that reproduce it.

#[path = "oracle/generate.rs"]
mod generate;
#[path = "oracle/naive.rs"]
mod naive;

use generate::generate;
use naive::Literal;
use proptest::prelude::*;
use wirelog::session::Session;
use wirelog::value::Value;

/// Each answer's rows as integers (the generator only makes integers).
fn integer_rows(answers: &[wirelog::value::Answer]) -> Rows {
    answers
        .iter()
        .map(|answer| {
            answer
                .rows
                .iter()
                .map(|row| {
                    row.iter()
                        .map(|value| match value {
                            Value::Integer(number) => *number,
                            other => panic!("unexpected value {other:?}"),
                        })
                        .collect()
                })
                .collect()
        })
        .collect()
}

fn engine_answers(text: &str) -> Result<Rows, String> {
    let mut session = Session::default();
    let accepted = session
        .load_named_text("generated.dl", text)
        .map_err(|rejected| format!("{:#?}", rejected.diagnostics))?;
    Ok(integer_rows(&accepted.answers))
}

fn compare(seed: u64) -> Result<(), TestCaseError> {
    let program = generate(seed);
    let text = program.print();
    let expected = program.evaluate();
    let answers = engine_answers(&text)
        .map_err(|error| TestCaseError::fail(format!("rejected:\n{text}\n{error}")))?;
    prop_assert_eq!(
        answers.len(),
        expected.len(),
        "one answer per predicate\n{}",
        text
    );
    for (index, (answer, relation)) in answers.iter().zip(&expected).enumerate() {
        let mut expected_rows: Vec<Vec<i64>> = relation.iter().cloned().collect();
        expected_rows.sort();
        // Answers show each distinct variable once; the queries use distinct variables, so rows are tuples.
        prop_assert_eq!(
            answer,
            &expected_rows,
            "predicate {} of\n{}",
            program.predicates[index].0,
            text
        );
    }
    Ok(())
}

/// Loads the program in several inputs (as a REPL user would type it), so all
/// but the first are evaluated incrementally, then asks every query.
/// Each query's rows, as integers.
type Rows = Vec<Vec<Vec<i64>>>;

fn engine_answers_in_steps(text: &str, cut: usize) -> Result<(Rows, usize), String> {
    let lines: Vec<&str> = text.lines().collect();
    let clauses: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|line| !line.starts_with("?-"))
        .collect();
    let queries: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|line| line.starts_with("?-"))
        .collect();
    let mut session = Session::default();
    let mut n_incremental = 0;
    let cut = cut.min(clauses.len());
    let (first, rest) = clauses.split_at(cut);
    let mut inputs: Vec<String> = vec![first.join("\n")];
    inputs.extend(rest.iter().map(|clause| clause.to_string()));
    for input in inputs {
        session
            .load_text(&input)
            .map_err(|rejected| format!("{:#?}", rejected.diagnostics))?;
        if let Some(report) = session.last_strata_report() {
            n_incremental += report.incremental;
        }
    }
    let accepted = session
        .load_text(&queries.join("\n"))
        .map_err(|rejected| format!("{:#?}", rejected.diagnostics))?;
    let answers = integer_rows(&accepted.answers);
    Ok((answers, n_incremental))
}

fn compare_incremental(seed: u64, cut: usize) -> Result<usize, TestCaseError> {
    let program = generate(seed);
    let text = program.print();
    let expected = program.evaluate();
    let (answers, n_incremental) = engine_answers_in_steps(&text, cut)
        .map_err(|error| TestCaseError::fail(format!("rejected:\n{text}\n{error}")))?;
    for (index, (answer, relation)) in answers.iter().zip(&expected).enumerate() {
        let expected_rows: Vec<Vec<i64>> = relation.iter().cloned().collect();
        prop_assert_eq!(
            answer,
            &expected_rows,
            "predicate {} of\n{} (first input: {} clauses)",
            program.predicates[index].0,
            text,
            cut
        );
    }
    Ok(n_incremental)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn engine_agrees_with_the_naive_evaluator(seed in any::<u64>()) {
        compare(seed)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn incremental_evaluation_agrees_with_the_naive_evaluator(seed in any::<u64>(), cut in 0usize..20) {
        compare_incremental(seed, cut)?;
    }
}

#[test]
fn incremental_evaluation_is_actually_used() {
    // A test of the incremental path that cannot silently fall back to full evaluation.
    let n_incremental: usize = (0..50)
        .map(|seed| compare_incremental(seed, 3).unwrap_or(0))
        .sum();
    assert!(
        n_incremental > 100,
        "only {n_incremental} strata were updated incrementally"
    );
}

#[test]
fn the_generator_produces_varied_programs() {
    // Guard against a generator that stopped exercising features: over many seeds
    // every kind of literal and non-empty answers must appear.
    let (mut negations, mut counts, mut comparisons, mut non_empty) = (0, 0, 0, 0);
    for seed in 0..300 {
        let program = generate(seed);
        for rule in &program.rules {
            for literal in &rule.body {
                match literal {
                    Literal::Negative(..) => negations += 1,
                    Literal::Count(..) => counts += 1,
                    Literal::Compare(..) => comparisons += 1,
                    Literal::Positive(..) => {}
                }
            }
        }
        non_empty += program
            .evaluate()
            .iter()
            .skip(3)
            .filter(|relation| !relation.is_empty())
            .count();
    }
    assert!(negations > 100 && counts > 30 && comparisons > 100 && non_empty > 200);
}
