//! Explanations: every derivation of every answer of every example is
//! re-checked against the rules and facts it names; golden text, JSON and
//! DOT forms for answers of the news knowledge base; `why_not` cases.

use std::collections::HashMap;
use std::path::PathBuf;
use wirelog::analysis::ir::{Arg, BodyLiteral, Expr, PredId, VarId};
use wirelog::eval::{Origin, Tuple};
use wirelog::plan::plan_conjunction;
use wirelog::present::explain::{
    render_why_dot, render_why_json, render_why_not_text, render_why_text,
};
use wirelog::provenance::{
    self, Derivation, ExplainOptions, Step, Support, Verdict, WhyNotOutcome,
};
use wirelog::session::{Session, SessionOptions};
use wirelog::value::Value;

fn news_session() -> Session {
    let mut session = Session::new(SessionOptions::default());
    session.load_news().expect("the knowledge base loads");
    session
}

fn tuple_of(session: &Session, values: &[Value]) -> Tuple {
    let database = session.database().expect("evaluated");
    values
        .iter()
        .map(|value| database.store.lookup(value).expect("a known value"))
        .collect()
}

/// Walks a derivation and checks that each step is a real rule instance.
struct Checker<'a> {
    session: &'a mut Session,
    /// Facts explained so far, in tree order (a `see above` must refer to one).
    seen: Vec<String>,
    /// True when base facts of the knowledge base must carry citations.
    require_citations: bool,
    n_steps: usize,
}

impl<'a> Checker<'a> {
    /// A checker that has seen nothing yet; `require_citations` as the field says.
    fn new(session: &'a mut Session, require_citations: bool) -> Checker<'a> {
        Checker {
            session,
            seen: Vec::new(),
            require_citations,
            n_steps: 0,
        }
    }

    fn node(&mut self, node: &Derivation, ancestors: &mut Vec<String>) {
        assert!(
            !ancestors.contains(&node.fact),
            "cycle: {} is its own ancestor",
            node.fact
        );
        let program = self.session.program().expect("loaded");
        let named = program
            .predicate_id(&node.predicate)
            .unwrap_or_else(|| panic!("unknown predicate in {}", node.fact));
        // A cited fact read by `@` (`p(args) @ A : Q`) is a tuple of p's
        // citation relation: p's columns, then the article and the quote.
        let predicate = if program.predicate(named).arity == node.values.len() {
            named
        } else {
            (0..program.predicates.len() as u32)
                .map(PredId)
                .find(|id| program.predicate(*id).citations_of == Some(named))
                .unwrap_or_else(|| panic!("no citation relation for {}", node.fact))
        };
        let tuple = tuple_of(self.session, &node.values);
        assert!(
            self.session
                .database()
                .expect("evaluated")
                .contains(predicate, &tuple),
            "{} does not hold",
            node.fact
        );
        match &node.support {
            Support::Fact {
                citations,
                stated_at,
            } => {
                let stated = program
                    .facts
                    .iter()
                    .filter(|fact| fact.predicate == predicate && fact.values == node.values)
                    .count()
                    // Facts kept in fact tables (the generated article
                    // metadata, imports), one stated row each.
                    + program
                        .fact_rows
                        .iter()
                        .filter(|rows| rows.predicate == predicate)
                        .flat_map(|rows| rows.rows.clone().map(|row| rows.table.row(row)))
                        .filter(|values| *values == node.values)
                        .count();
                assert!(stated > 0, "{} is not a base fact", node.fact);
                assert_eq!(stated, stated_at.len(), "every clause of {}", node.fact);
                let in_news = stated_at
                    .iter()
                    .all(|location| location.file.starts_with("<news>/"));
                if self.require_citations && in_news {
                    assert!(!citations.is_empty(), "{} has no citation", node.fact);
                }
                self.seen.push(node.fact.clone());
            }
            Support::Rule(step) => {
                self.seen.push(node.fact.clone());
                ancestors.push(node.fact.clone());
                self.step(step, Some((predicate, tuple)));
                for child in &step.children {
                    self.node(child, ancestors);
                }
                ancestors.pop();
            }
            Support::SeeAbove => assert!(
                self.seen.contains(&node.fact),
                "{} refers to an earlier explanation that does not exist",
                node.fact
            ),
            Support::Cut { .. } => panic!("{} cut despite the large depth limit", node.fact),
            Support::Unexplained { reason } => panic!("{} unexplained: {reason}", node.fact),
        }
    }

    /// Re-checks one step: its children are the instantiated positive atoms,
    /// and the body with every binding seeded holds and yields the parent.
    fn step(&mut self, step: &Step, parent: Option<(PredId, Tuple)>) {
        self.n_steps += 1;
        let program = self.session.program().expect("loaded").clone();
        let (body, names, head) = match step.rule_index {
            Some(index) => {
                let rule = &program.rules[index as usize];
                (
                    rule.body.clone(),
                    rule.variables.clone(),
                    rule.head.args.clone(),
                )
            }
            None => {
                let query = program
                    .queries
                    .iter()
                    .find(|query| query.text == step.rule)
                    .expect("the query of a row");
                (query.body.clone(), query.variables.clone(), Vec::new())
            }
        };
        let mut known: HashMap<String, Value> = step
            .bindings
            .iter()
            .map(|binding| (binding.variable.clone(), binding.value.clone()))
            .collect();
        let positive: Vec<(&PredId, &Vec<Arg>)> = body
            .iter()
            .filter_map(|literal| match literal {
                BodyLiteral::Atom {
                    predicate,
                    args,
                    negated: false,
                    ..
                } => Some((predicate, args)),
                _ => None,
            })
            .collect();
        assert_eq!(
            positive.len(),
            step.children.len(),
            "one child per atom: {}",
            step.rule
        );
        for ((predicate, args), child) in positive.iter().zip(&step.children) {
            // An `@` atom reads the citations of a base predicate: its
            // child is the cited base fact, shown with its citations.
            let shown = program
                .predicate(**predicate)
                .citations_of
                .map_or(**predicate, |base| base);
            assert_eq!(
                program.predicate(shown).name,
                child.predicate,
                "{}",
                step.rule
            );
            for (arg, value) in args.iter().zip(&child.values) {
                match arg {
                    Arg::Var(var) => {
                        let name = &names[var.0 as usize];
                        let bound = known.entry(name.clone()).or_insert_with(|| value.clone());
                        assert_eq!(bound, value, "{name} in {}", step.rule);
                    }
                    Arg::Const(constant) => assert_eq!(constant, value, "{}", step.rule),
                    Arg::Wildcard => {}
                }
            }
        }
        // Seed every variable whose value is known and run the body: it must
        // hold, and for a rule produce the parent tuple.
        let options = self.session.eval_options();
        let cancel = self.session.cancel_flag();
        let mut scratch = self.session.database().expect("evaluated").scratch();
        let mut seed_vars = Vec::new();
        let mut seed_values = Vec::new();
        for (index, name) in names.iter().enumerate() {
            if let Some(value) = known.get(name) {
                seed_vars.push(VarId(index as u32));
                seed_values.push(scratch.store_mut().pack(value));
            }
        }
        let output: Vec<Expr> = head.clone();
        let plan = plan_conjunction(&body, names.len(), &seed_vars, output)
            .unwrap_or_else(|error| panic!("{}: {error}", step.rule));
        let rows = scratch
            .evaluate_conjunction(&plan, Origin::Query(0), &seed_values, options, &cancel)
            .unwrap_or_else(|error| panic!("{}: {error}", step.rule));
        match parent {
            Some((_, tuple)) => assert!(
                rows.contains(&tuple),
                "the instance of {} does not yield its parent",
                step.rule
            ),
            None => assert!(
                !rows.is_empty(),
                "the row's instance of {} fails",
                step.rule
            ),
        }
    }
}

fn deep() -> ExplainOptions {
    ExplainOptions {
        max_depth: 1000,
        ..ExplainOptions::default()
    }
}

#[test]
fn every_answer_of_every_example_has_a_checked_derivation() {
    let mut examples: Vec<PathBuf> = std::fs::read_dir("examples")
        .expect("examples/")
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|extension| extension == "dl"))
        .collect();
    examples.sort();
    assert!(!examples.is_empty());
    let mut n_rows = 0;
    for path in examples {
        let mut session = Session::new(SessionOptions::default());
        session
            .load_files(std::slice::from_ref(&path))
            .unwrap_or_else(|_| panic!("{} loads", path.display()));
        let answers = session.answers().expect("answers");
        let explanations = session
            .explain_answers(&answers, usize::MAX, &deep())
            .expect("explanations");
        assert_eq!(answers.len(), explanations.len());
        for (answer, explanation) in answers.iter().zip(&explanations) {
            assert_eq!(
                answer.rows.len(),
                explanation.rows.len(),
                "{}",
                answer.query
            );
            for row in &explanation.rows {
                n_rows += 1;
                let step = row
                    .step
                    .as_ref()
                    .unwrap_or_else(|| panic!("no explanation of a row of {}", answer.query));
                let mut checker = Checker::new(&mut session, true);
                checker.step(step, None);
                for child in &step.children {
                    checker.node(child, &mut Vec::new());
                }
            }
        }
    }
    assert!(n_rows > 20, "only {n_rows} rows explained");
}

#[test]
fn the_checker_rejects_a_forged_step() {
    let mut session = news_session();
    let derivation = session
        .why("failed_mediated_talks(istanbul_talks)")
        .expect("holds");
    let Support::Rule(mut step) = derivation.support.clone() else {
        panic!("a derived fact");
    };
    // Claim the rule matched a different outcome: the re-check must notice.
    step.children[1].values[1] = Value::Symbol("ceasefire_agreed".into());
    let forged = Derivation {
        support: Support::Rule(step),
        ..derivation
    };
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut checker = Checker::new(&mut session, true);
        checker.node(&forged, &mut Vec::new());
    }));
    assert!(outcome.is_err(), "a forged derivation passed the re-check");
}

fn why_text(fact: &str) -> String {
    let mut session = news_session();
    match session.why(fact) {
        Ok(derivation) => render_why_text(&derivation),
        Err(rejected) => {
            wirelog::present::render_diagnostics(&rejected.diagnostics, session.sources(), false)
        }
    }
}

fn why_not_text(fact: &str) -> String {
    let mut session = news_session();
    match session.why_not(fact) {
        Ok(why_not) => render_why_not_text(&why_not),
        Err(rejected) => {
            wirelog::present::render_diagnostics(&rejected.diagnostics, session.sources(), false)
        }
    }
}

// Golden forms of a few answers of the knowledge base.

#[test]
fn why_text_of_the_design_card_question() {
    insta::assert_snapshot!(why_text("failed_mediated_talks(istanbul_talks)"));
}

#[test]
fn why_text_of_a_recursive_chain_is_the_shortest() {
    insta::assert_snapshot!(why_text("precedes(istanbul_talks, istanbul_talks_nov)."));
}

#[test]
fn why_text_shows_negations_and_comparisons() {
    insta::assert_snapshot!(
        "negation",
        why_text("undenied_accusation(taliban_government, pakistan, harbouring_militants)")
    );
    insta::assert_snapshot!(
        "comparison",
        why_text("days_between(kabul_explosions, doha_ceasefire, 10)")
    );
}

#[test]
fn why_json_and_dot_of_the_design_card_question() {
    let mut session = news_session();
    let derivation = session
        .why("failed_mediated_talks(istanbul_talks)")
        .expect("holds");
    let json = render_why_json(&derivation);
    let parsed: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
    assert_eq!(parsed["support"]["kind"], "rule");
    insta::assert_snapshot!("json", json);
    let dot = render_why_dot(&derivation);
    assert!(dot.starts_with("digraph explanation {") && dot.ends_with("}\n"));
    insta::assert_snapshot!("dot", dot);
}

#[test]
fn why_rejects_what_it_cannot_explain() {
    insta::assert_snapshot!(
        "rejections",
        [
            "failed_mediated_talks(doha_talks)",
            "failed_mediatd_talks(doha_talks)",
            "days_between(kabul_explosions, istanbul_talks, N)",
            "failed_mediated_talks(a, b)",
            "?- failed_mediated_talks(T).",
            "",
        ]
        .iter()
        .map(|fact| format!("== :why {fact}\n{}", why_text(fact)))
        .collect::<Vec<_>>()
        .join("\n")
    );
}

#[test]
fn why_not_finds_the_blocking_literal() {
    let cases = [
        // A missing fact at the second literal: Asif threatened the Taliban
        // government, not Pakistan.
        "threatened(khawaja_asif, pakistan)",
        // A negation: Pakistan denies this charge.
        "undenied_accusation(taliban_government, pakistan, violating_airspace)",
        // A recursive predicate: no chain starts at the strikes.
        "leads_to(pakistani_strikes, afghan_attacks_on_posts)",
        // A predicate with only facts.
        "mediates(china, istanbul_talks)",
        // It holds.
        "mediates(qatar, istanbul_talks_nov)",
        // A head that cannot fit: side(C, C) needs equal arguments.
        "side(qatar, pakistan)",
    ];
    insta::assert_snapshot!(
        cases
            .iter()
            .map(|fact| format!("== :whynot {fact}\n{}", why_not_text(fact)))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn why_not_verdicts_name_the_blocker() {
    let mut session = text_session(
        "mediates(qatar, doha_talks). outcome(doha_talks, ceasefire_agreed).\n\
         failed_mediated_talks(T) :- mediates(_, T), outcome(T, no_agreement).",
    );
    let why_not = session
        .why_not("failed_mediated_talks(doha_talks)")
        .expect("a fact");
    let WhyNotOutcome::NotDerived { attempts, .. } = &why_not.outcome else {
        panic!("not derived: {why_not:?}");
    };
    let Verdict::Blocked(blocked) = &attempts[0].verdict else {
        panic!("blocked: {attempts:?}");
    };
    assert_eq!(blocked.instantiated, "outcome(doha_talks, no_agreement)");
    assert_eq!(blocked.held, vec!["mediates(_, T)".to_string()]);
    assert_eq!(
        blocked.evidence.first().map(String::as_str),
        Some("outcome(doha_talks, ceasefire_agreed)")
    );
    let mut session = news_session();
    let why_not = session
        .why_not("undenied_accusation(taliban_government, pakistan, allowing_us_drones)")
        .expect("a fact");
    let WhyNotOutcome::NotDerived { attempts, .. } = &why_not.outcome else {
        panic!("not derived: {why_not:?}");
    };
    let Verdict::Blocked(blocked) = &attempts[0].verdict else {
        panic!("blocked: {attempts:?}");
    };
    assert_eq!(blocked.kind, provenance::BlockerKind::Negation);
    assert_eq!(
        blocked.evidence,
        vec!["denies(pakistan, allowing_us_drones)".to_string()]
    );
}

/// A session on a small program typed as text.
fn text_session(text: &str) -> Session {
    let mut session = Session::new(SessionOptions::default());
    session.load_text(text).expect("the program loads");
    session
}

#[test]
fn shared_sub_proofs_are_shown_once() {
    let mut session = text_session("e(a). t(X) :- e(X). both(X) :- t(X), t(X).");
    let derivation = session.why("both(a)").expect("holds");
    let Support::Rule(step) = &derivation.support else {
        panic!("derived");
    };
    assert!(matches!(step.children[0].support, Support::Rule(_)));
    assert_eq!(step.children[1].support, Support::SeeAbove);
    assert!(render_why_text(&derivation).contains("t(a)  (see above)"));
}

#[test]
fn deep_trees_are_cut_with_a_note() {
    let program = "edge(1, 2). edge(2, 3). edge(3, 4). edge(4, 5). edge(5, 6).
        path(X, Y) :- edge(X, Y).
        path(X, Z) :- edge(X, Y), path(Y, Z).";
    let mut session = text_session(program);
    let options = ExplainOptions {
        max_depth: 2,
        ..ExplainOptions::default()
    };
    let derivation = session.why_with("path(1, 6)", &options).expect("holds");
    let text = render_why_text(&derivation);
    assert!(
        text.contains("… 3 more levels not shown; ask `:why path(3, 6)`"),
        "{text}"
    );
    // Unlimited, the chain has five rule steps and is re-checked.
    let derivation = session.why_with("path(1, 6)", &deep()).expect("holds");
    let mut checker = Checker::new(&mut session, false);
    checker.node(&derivation, &mut Vec::new());
    assert_eq!(checker.n_steps, 5);
}

#[test]
fn recursion_takes_the_shortest_derivation() {
    // path(1, 3) holds through the direct edge and through 2; the direct edge is shorter.
    let mut session = text_session(
        "edge(1, 2). edge(2, 3). edge(1, 3).
         path(X, Y) :- edge(X, Y).
         path(X, Z) :- path(X, Y), edge(Y, Z).",
    );
    let derivation = session.why("path(1, 3)").expect("holds");
    let Support::Rule(step) = &derivation.support else {
        panic!("derived");
    };
    assert_eq!(step.rule, "path(X, Y) :- edge(X, Y).");
}

#[test]
fn explanations_work_without_rounds_recorded_up_front() {
    // The session was evaluated without rounds: the first `why` records them.
    let mut session = text_session("p(1). q(X) :- p(X).");
    assert!(!session.database().expect("evaluated").records_rounds());
    session.why("q(1)").expect("holds");
    assert!(session.database().expect("evaluated").records_rounds());
}

#[test]
fn odd_inputs_are_rejected_without_panicking() {
    let mut session = news_session();
    let inputs = [
        "",
        ".",
        "p(",
        "(",
        "\"",
        "1",
        "?-",
        "a :- b.",
        "x(1) @ \"000\": \"q\".",
        "failed_mediated_talks(istanbul_talks). extra(1).",
        "failed_mediated_talks()",
        "failed_mediated_talks(1 + 2)",
        "failed_mediated_talks(_)",
        "leads_to(\"a\", 2025-01-01)",
        "weekday_check(a, b, c, d)",
        "not failed_mediated_talks(x)",
        "   ",
        "p(a,,b)",
    ];
    for input in inputs {
        // Any outcome is fine; none may panic.
        let _ = session.why(input);
        let _ = session.why_not(input);
    }
    let mut empty = Session::new(SessionOptions::default());
    assert!(empty.why("p(a)").is_err());
    assert!(empty.why_not("p(a)").is_err());
}

fn wirelog(arguments: &[&str]) -> (String, String, i32) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_wirelog"))
        .args(arguments)
        .env("NO_COLOR", "1")
        .output()
        .expect("the wirelog binary runs");
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
        output.status.code().unwrap_or(-1),
    )
}

#[test]
fn run_explain_prints_each_row_with_its_tree() {
    let (stdout, stderr, code) = wirelog(&["run", "--explain", "examples/08_explanations.dl"]);
    assert_eq!((code, stderr.as_str()), (0, ""));
    assert!(
        stdout.contains("why Talks = istanbul_talks:\nfailed_mediated_talks(istanbul_talks)\n")
    );
    assert!(stdout.contains("why yes:\nprecedes(istanbul_talks, istanbul_talks_nov)\n"));
    assert!(stdout.contains("✓ no `denies(pakistan, harbouring_militants)` matched"));
}

#[test]
fn run_explain_json_aligns_explanations_with_rows() {
    let (stdout, _, code) = wirelog(&[
        "run",
        "--explain",
        "--format",
        "json",
        "examples/08_explanations.dl",
    ]);
    assert_eq!(code, 0);
    let answers: serde_json::Value = serde_json::from_str(&stdout).expect("valid JSON");
    let answers = answers.as_array().expect("an array");
    assert_eq!(answers.len(), 3);
    for answer in answers {
        let rows = answer["rows"].as_array().expect("rows");
        let explanations = answer["explanations"].as_array().expect("explanations");
        assert_eq!(rows.len(), explanations.len());
        for (row, explanation) in rows.iter().zip(explanations) {
            assert_eq!(row, &explanation["row"]);
            assert!(
                explanation["step"]["children"]
                    .as_array()
                    .is_some_and(|c| !c.is_empty())
            );
        }
    }
}

#[test]
fn run_explain_dot_is_one_digraph() {
    let (stdout, _, code) = wirelog(&[
        "run",
        "--explain",
        "--format",
        "dot",
        "examples/08_explanations.dl",
    ]);
    assert_eq!(code, 0);
    assert!(stdout.starts_with("digraph explanation {\n") && stdout.ends_with("}\n"));
    assert_eq!(stdout.matches("digraph").count(), 1);
    // Every label is a closed string: unescaped quotes come in pairs on each line.
    for line in stdout.lines() {
        let unescaped = line.replace("\\\\", "").replace("\\\"", "");
        assert_eq!(unescaped.matches('"').count() % 2, 0, "{line}");
    }
    // Where Graphviz is installed, it must accept the graph.
    if let Ok(mut child) = std::process::Command::new("dot")
        .arg("-Tsvg")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
    {
        use std::io::Write;
        if let Some(mut stdin) = child.stdin.take() {
            stdin
                .write_all(stdout.as_bytes())
                .expect("dot reads the graph");
        }
        assert!(
            child.wait().expect("dot runs").success(),
            "dot rejected:\n{stdout}"
        );
    }
    let (_, stderr, code) = wirelog(&["run", "--format", "dot", "examples/08_explanations.dl"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("--explain"), "{stderr}");
}

/// The base facts at the leaves of a derivation, in tree order.
fn leaf_facts(node: &Derivation, out: &mut Vec<String>) {
    match &node.support {
        Support::Fact { .. } => out.push(node.fact.clone()),
        Support::Rule(step) => step
            .children
            .iter()
            .for_each(|child| leaf_facts(child, out)),
        Support::SeeAbove | Support::Cut { .. } | Support::Unexplained { .. } => {}
    }
}

#[test]
fn a_lattice_value_is_explained_by_the_derivation_that_gives_exactly_it() {
    // dist(a, d) is 8, through c and b (1 + 2 + 5); the direct road (20) and
    // the road through b alone (4 + 5) derive worse values for the same
    // key, which the model does not keep and the explanation must not use.
    let mut session = text_session(
        "road(a, b, 4). road(a, c, 1). road(c, b, 2). road(b, d, 5). road(a, d, 20).
         dist(X, Y, min D) :- road(X, Y, D).
         dist(X, Z, min D) :- dist(X, Y, D1), road(Y, Z, W), D = D1 + W.",
    );
    let derivation = session.why_with("dist(a, d, 8)", &deep()).expect("holds");
    let mut leaves = Vec::new();
    leaf_facts(&derivation, &mut leaves);
    assert_eq!(
        leaves,
        ["road(a, c, 1)", "road(c, b, 2)", "road(b, d, 5)"],
        "{}",
        render_why_text(&derivation)
    );
    let mut checker = Checker::new(&mut session, false);
    checker.node(&derivation, &mut Vec::new());
    assert_eq!(checker.n_steps, 3);
    // A value the lattice replaced is not an answer, so it has no
    // explanation; why-not names the value kept for its key instead.
    for replaced in ["dist(a, d, 20)", "dist(a, d, 9)", "dist(a, b, 4)"] {
        assert!(session.why(replaced).is_err(), "{replaced} explained");
        let why_not = session.why_not(replaced).expect("a fact");
        assert!(
            matches!(&why_not.outcome, WhyNotOutcome::Replaced { kept, function, position: 3 }
                if function == "min" && kept.starts_with("dist(a, ")),
            "{replaced}: {why_not:?}"
        );
    }
    let text = render_why_not_text(&session.why_not("dist(a, d, 20)").expect("a fact"));
    assert!(
        text.contains("keeps only the least value of argument 3 (`min`) for each value of the others, and `dist(a, d, 8)` holds"),
        "{text}"
    );
}
