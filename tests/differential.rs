//! Differential tests: random stratified programs evaluated by wirelog and by
//! the naive evaluator in `oracle/naive.rs` must give the same answers.
//!
//! Programs mix recursion, mutual recursion (predicates of one level read
//! each other), negation and counting over lower levels, comparisons,
//! constants, repeated variables and wildcards. A seed drives a small
//! deterministic generator, so a failing case prints a seed and a program
//! that reproduce it. The same programs are also asked queries with
//! constants, evaluated on demand (magic sets) as `wirelog run` does.

#[path = "oracle/generate.rs"]
mod generate;
#[path = "oracle/naive.rs"]
mod naive;

use generate::{DOMAIN, Random, generate, generate_cited, generate_lattice};
use naive::{Literal, Program};
use proptest::prelude::*;
use wirelog::session::{Session, SessionOptions};
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
    agrees_with_the_naive_evaluator(&program, &program.print())
}

/// The engine's answers to `text` (the printed `program`) are the naive
/// evaluator's, or, when the model violates an integrity constraint, the
/// engine rejects the program naming it.
fn agrees_with_the_naive_evaluator(program: &Program, text: &str) -> Result<(), TestCaseError> {
    let expected = program.evaluate();
    if program.violates_constraints(&expected) {
        // The engine must reject the program, naming the violated constraint.
        let outcome = engine_answers(text);
        prop_assert!(
            matches!(&outcome, Err(diagnostics) if diagnostics.contains("E310")),
            "a violated constraint accepted:\n{}\n{:?}",
            text,
            outcome
        );
        return Ok(());
    }
    let answers = engine_answers(text)
        .map_err(|error| TestCaseError::fail(format!("rejected:\n{text}\n{error}")))?;
    prop_assert_eq!(
        answers.len(),
        expected.len(),
        "one answer per predicate\n{}",
        text
    );
    for (index, (answer, relation)) in answers.iter().zip(&expected).enumerate() {
        // A set iterates in order: the rows come sorted, as answers are.
        let expected_rows: Vec<Vec<i64>> = relation.iter().cloned().collect();
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
    compare_incremental_of(generate(seed), cut)
}

fn compare_incremental_of(mut program: Program, cut: usize) -> Result<usize, TestCaseError> {
    // A constraint may be violated half-way through the clauses; `compare` tests them.
    program.constraints.clear();
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

/// Queries with constants, as a run evaluated on demand answers them: the
/// program's clauses, then for each derived predicate a query binding one
/// or two of its columns. Returns the text, each query's expected rows (the
/// naive relation filtered on the constants, the other columns kept), and
/// the derived predicates' names.
fn point_queries(seed: u64, program: &Program) -> (String, Vec<Vec<Vec<i64>>>) {
    let mut random = Random(seed ^ 0x5EED);
    let relations = program.evaluate();
    let mut text: String = program
        .print()
        .lines()
        .filter(|line| !line.starts_with("?-"))
        .map(|line| format!("{line}\n"))
        .collect();
    let mut expected = Vec::new();
    for (predicate, relation) in relations.iter().enumerate().skip(3) {
        let (name, arity, _) = &program.predicates[predicate];
        let constants: Vec<Option<i64>> = (0..*arity)
            .map(|_| {
                random
                    .chance(50)
                    .then(|| random.below(DOMAIN as usize) as i64)
            })
            .collect();
        let mut constants = constants;
        if constants.iter().all(Option::is_none) {
            constants[random.below(*arity)] = Some(random.below(DOMAIN as usize) as i64);
        }
        let args: Vec<String> = constants
            .iter()
            .enumerate()
            .map(|(column, constant)| match constant {
                Some(value) => value.to_string(),
                None => format!("V{column}"),
            })
            .collect();
        text.push_str(&format!("?- {name}({}).\n", args.join(", ")));
        let mut rows: Vec<Vec<i64>> = relation
            .iter()
            .filter(|tuple| {
                constants
                    .iter()
                    .zip(tuple.iter())
                    .all(|(constant, value)| constant.is_none_or(|constant| constant == *value))
            })
            .map(|tuple| {
                tuple
                    .iter()
                    .zip(&constants)
                    .filter(|(_, constant)| constant.is_none())
                    .map(|(value, _)| *value)
                    .collect()
            })
            .collect();
        rows.sort();
        rows.dedup();
        expected.push(rows);
    }
    (text, expected)
}

/// Compares the answers to point queries under evaluation on demand; returns
/// how many derived predicates the evaluation left partial (answered from demand).
fn compare_on_demand(seed: u64) -> Result<usize, TestCaseError> {
    compare_on_demand_of(seed, generate(seed))
}

fn compare_on_demand_of(seed: u64, mut program: Program) -> Result<usize, TestCaseError> {
    program.constraints.clear();
    let (text, expected) = point_queries(seed, &program);
    // As `wirelog run` does: on demand, the file's facts in fact tables.
    let mut session = Session::new(SessionOptions {
        demand: true,
        compact_facts: true,
        ..SessionOptions::default()
    });
    let accepted = session
        .load_named_text("generated.dl", &text)
        .map_err(|rejected| {
            TestCaseError::fail(format!("rejected:\n{text}\n{:#?}", rejected.diagnostics))
        })?;
    let answers = integer_rows(&accepted.answers);
    prop_assert_eq!(
        answers.len(),
        expected.len(),
        "one answer per query\n{}",
        text
    );
    for (answer, rows) in answers.iter().zip(&expected) {
        prop_assert_eq!(answer, rows, "in\n{}", text);
    }
    let partial = match (session.program(), session.database()) {
        (Some(checked), Some(database)) => (3..program.predicates.len())
            .filter_map(|predicate| checked.predicate_id(&program.predicates[predicate].0))
            .filter(|&predicate| database.is_partial(predicate))
            .count(),
        _ => 0,
    };
    Ok(partial)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn queries_with_constants_on_demand_agree_with_the_naive_evaluator(seed in any::<u64>()) {
        compare_on_demand(seed)?;
    }
}

#[test]
fn demand_is_actually_used() {
    // A test of the demand path that cannot silently fall back to full evaluation.
    let n_partial: usize = (0..200)
        .map(|seed| compare_on_demand(seed).unwrap_or(0))
        .sum();
    assert!(
        n_partial > 50,
        "only {n_partial} predicates were evaluated on demand"
    );
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
    let (mut distinct_counts, mut averages, mut functions) = (0, 0, 0);
    let (mut violated, mut kept) = (0, 0);
    for seed in 0..300 {
        let program = generate(seed);
        for rule in &program.rules {
            for literal in &rule.body {
                match literal {
                    Literal::Negative(..) => negations += 1,
                    Literal::Count(..) => counts += 1,
                    Literal::Compare(..) => comparisons += 1,
                    Literal::CountDistinct(..) => distinct_counts += 1,
                    Literal::RoundedAverage(..) => averages += 1,
                    Literal::Function(..) => functions += 1,
                    Literal::Positive(..) | Literal::Cited(..) | Literal::Sum(..) => {}
                }
            }
        }
        if !program.constraints.is_empty() {
            if program.violates_constraints(&program.evaluate()) {
                violated += 1;
            } else {
                kept += 1;
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
    assert!(
        distinct_counts > 20 && averages > 20 && functions > 50,
        "{distinct_counts} distinct counts, {averages} averages, {functions} functions"
    );
    assert!(
        violated > 5 && kept > 5,
        "{violated} programs violate a constraint, {kept} keep theirs"
    );
}

#[test]
fn joins_merged_with_sorted_runs_agree_with_nested_loops() {
    // Triangles (a semi-join absorbs the closing edge), a negation of the
    // variable a step binds (an anti-join merge), and order comparisons
    // that cut sorted runs: checked against plain loops on random graphs.
    for seed in 0..20u64 {
        let mut random = Random(seed);
        let n_nodes = 12 + random.below(20);
        let mut edges: Vec<(usize, usize)> = (0..4 * n_nodes)
            .map(|_| (random.below(n_nodes), random.below(n_nodes)))
            .collect();
        edges.sort();
        edges.dedup();
        let mut text: String = edges
            .iter()
            .map(|(a, b)| format!("edge({a}, {b}).\n"))
            .collect();
        text.push_str("node(X) :- edge(X, _).\nnode(Y) :- edge(_, Y).\n");
        text.push_str("tri(X, Y, Z) :- edge(X, Y), X < Y, edge(Y, Z), Y < Z, edge(Z, X).\n");
        text.push_str("open(X, Y) :- node(X), node(Y), X <= Y, not edge(X, Y).\n");
        text.push_str("?- tri(X, Y, Z).\n?- open(X, Y).\n");
        let has = |a: usize, b: usize| edges.binary_search(&(a, b)).is_ok();
        let mut nodes: Vec<usize> = edges.iter().flat_map(|&(a, b)| [a, b]).collect();
        nodes.sort();
        nodes.dedup();
        let mut triangles = Vec::new();
        for &(x, y) in &edges {
            for z in 0..n_nodes {
                if x < y && y < z && has(y, z) && has(z, x) {
                    triangles.push(vec![x as i64, y as i64, z as i64]);
                }
            }
        }
        let mut open = Vec::new();
        for &x in &nodes {
            for &y in &nodes {
                if x <= y && !has(x, y) {
                    open.push(vec![x as i64, y as i64]);
                }
            }
        }
        let answers = engine_answers(&text).expect("accepted");
        assert_eq!(answers, vec![triangles, open], "seed {seed}");
    }
}

/// Programs with cited facts, `@` literals and an imported relation: the
/// articles and the CSV file are written to a temporary folder first.
fn compare_cited(seed: u64) -> Result<(), TestCaseError> {
    let program = generate_cited(seed);
    let folder = tempfile::tempdir().map_err(|error| TestCaseError::fail(error.to_string()))?;
    program
        .write_data(folder.path())
        .map_err(|error| TestCaseError::fail(error.to_string()))?;
    let text = program.print_with(Some(&folder.path().display().to_string()));
    agrees_with_the_naive_evaluator(&program, &text)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn citations_as_data_and_imports_agree_with_the_naive_evaluator(seed in any::<u64>()) {
        compare_cited(seed)?;
    }
}

#[test]
fn cited_programs_use_citations_and_imports() {
    let programs: Vec<_> = (0..40).map(generate_cited).collect();
    let texts: Vec<String> = programs
        .iter()
        .map(|program| program.print_with(Some("/data")))
        .collect();
    assert!(
        texts.iter().any(|text| text.contains(" @ V2")),
        "an article variable"
    );
    assert!(
        texts.iter().any(|text| text.contains(" @ \"art")),
        "a constant article"
    );
    assert!(
        texts.iter().any(|text| text.contains("#import")),
        "an imported relation"
    );
    assert!(programs.iter().any(|program| {
        program
            .evaluate()
            .iter()
            .skip(3)
            .any(|relation| !relation.is_empty())
            && program
                .rules
                .iter()
                .any(|rule| matches!(rule.body.first(), Some(naive::Literal::Cited(..))))
    }));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(600))]

    #[test]
    fn lattice_programs_agree_with_the_naive_evaluator(seed in any::<u64>(), cut in 0usize..20) {
        let program = generate_lattice(seed);
        agrees_with_the_naive_evaluator(&program, &program.print())?;
        compare_incremental_of(program.clone(), cut)?;
        compare_on_demand_of(seed, program)?;
    }
}

#[test]
fn lattice_programs_keep_values_their_recursion_improved() {
    // A test of the generator that cannot pass with lattices that keep
    // nothing: in many programs recursion finds a better value for some key
    // than the best direct edge (a shorter path, a wider one), and the
    // engine keeps exactly one tuple per key.
    let mut n_improved = 0;
    for seed in 0..200 {
        let program = generate_lattice(seed);
        let relations = program.evaluate();
        let (d, e) = (3, 0);
        let least = program.lattices[0].least;
        let improved = relations[d].iter().any(|tuple| {
            let direct = relations[e]
                .iter()
                .filter(|edge| edge[..2] == tuple[..2])
                .map(|edge| edge[2]);
            let best = if least { direct.min() } else { direct.max() };
            best.is_some_and(|best| {
                if least {
                    tuple[2] < best
                } else {
                    tuple[2] > best
                }
            })
        });
        n_improved += usize::from(improved);
        let keys: std::collections::BTreeSet<&[i64]> =
            relations[d].iter().map(|tuple| &tuple[..2]).collect();
        assert_eq!(keys.len(), relations[d].len(), "one tuple per key");
    }
    assert!(
        n_improved > 40,
        "only {n_improved} programs improved on an edge"
    );
}
