//! Explanations: every derivation of every answer of every example is
//! re-checked against the rules and facts it names; golden text, JSON and
//! DOT forms for answers of the news knowledge base; `why_not` cases.

use std::collections::HashMap;
use std::path::PathBuf;
use wirelog::analysis::ir::{Arg, BodyLiteral, Expr, PredId, VarId};
use wirelog::eval::Value;
use wirelog::eval::fixpoint::{Origin, evaluate_conjunction};
use wirelog::eval::value::Tuple;
use wirelog::plan::plan_conjunction;
use wirelog::present::explain::{
    render_why_dot, render_why_json, render_why_not_text, render_why_text,
};
use wirelog::provenance::{
    self, Derivation, ExplainOptions, Step, Support, Verdict, WhyNotOutcome,
};
use wirelog::session::{Session, SessionOptions};

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

impl Checker<'_> {
    fn node(&mut self, node: &Derivation, ancestors: &mut Vec<String>) {
        assert!(
            !ancestors.contains(&node.fact),
            "cycle: {} is its own ancestor",
            node.fact
        );
        let program = self.session.program().expect("loaded");
        let predicate = program
            .predicate_id(&node.predicate)
            .unwrap_or_else(|| panic!("unknown predicate in {}", node.fact));
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
            assert_eq!(
                program.predicate(**predicate).name,
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
        let mut seed_vars = Vec::new();
        let mut seed_values = Vec::new();
        for (index, name) in names.iter().enumerate() {
            if let Some(value) = known.get(name) {
                seed_vars.push(VarId(index as u32));
                let database = self.session.database_mut().expect("evaluated");
                seed_values.push(database.store.pack(value));
            }
        }
        let output: Vec<Expr> = head.clone();
        let plan = plan_conjunction(&body, names.len(), &seed_vars, output)
            .unwrap_or_else(|error| panic!("{}: {error}", step.rule));
        let options = self.session.eval_options();
        let cancel = self.session.cancel_flag();
        let database = self.session.database_mut().expect("evaluated");
        let rows = evaluate_conjunction(
            &plan,
            Origin::Query(0),
            database,
            &seed_values,
            options,
            &cancel,
        )
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
        let explanations = provenance::explain_answers(&mut session, &answers, usize::MAX, &deep())
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
                let mut checker = Checker {
                    session: &mut session,
                    seen: Vec::new(),
                    require_citations: true,
                    n_steps: 0,
                };
                checker.step(step, None);
                for child in &step.children {
                    checker.node(child, &mut Vec::new());
                }
            }
        }
    }
    assert!(n_rows > 20, "only {n_rows} rows explained");
}
