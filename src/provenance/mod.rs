//! Provenance: why an answer holds, and why another does not.
//!
//! Owns the explanation data — a [`Derivation`] tree for `:why` and
//! `run --explain`, a [`WhyNot`] report for `:whynot` — and the algorithms
//! that rebuild them on demand from an evaluated database. It stores no
//! proofs during evaluation: it asks `eval` for the round in which each tuple
//! first appeared (`Database::rank_of`, recorded only when
//! `SessionOptions::record_rounds` is on) and re-runs one rule body at a
//! time with the head's values bound. It must not render anything:
//! `present::explain` turns these values into text, JSON and DOT.
//!
//! **Shortest derivations.** A tuple derived in round `r` has a rule
//! instance whose positive body atoms all appeared before `r` (that is how
//! semi-naive evaluation found it). The search picks, among the matches of a
//! rule body, one whose body facts all have a strictly lower rank than the
//! goal, preferring the smallest maximum rank. Ranks strictly decrease along
//! every path of the tree, so the tree is well founded (no cycles) and, for
//! a recursive predicate, follows the fewest rounds.

mod search;
mod solve;
mod why_not;

use crate::analysis::ir::PredId;
use crate::diagnostic::Diagnostic;
use crate::eval::{self, EvalOptions, Tuple};
use crate::session::{Rejected, Session, eval_diagnostic};
use crate::syntax::ast::{Item, Term};
use crate::syntax::parse_program;
use crate::syntax::span::Span;
use crate::value::{Answer, Value};
use serde::{Serialize, Serializer};
use std::sync::atomic::Ordering;

pub use why_not::{Blocked, BlockerKind, RuleAttempt, Verdict, WhyNot, WhyNotOutcome};

/// How much of an explanation to build.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExplainOptions {
    /// Rule steps shown below the root before a subtree is cut with a note.
    pub max_depth: usize,
    /// Facts listed per aggregate (the total is always given).
    pub max_contributing: usize,
    /// Candidate bindings shown per blocked rule in `why_not`.
    pub max_candidates: usize,
}

impl Default for ExplainOptions {
    fn default() -> ExplainOptions {
        ExplainOptions {
            max_depth: 8,
            max_contributing: 10,
            max_candidates: 3,
        }
    }
}

/// How one fact holds, with the sub-derivations of the facts it rests on.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Derivation {
    /// The fact in Datalog syntax, e.g. `mediates(qatar, istanbul_talks)`.
    pub fact: String,
    /// Its predicate.
    pub predicate: String,
    /// Its values; in JSON integers are numbers and everything else a string.
    #[serde(serialize_with = "serialize_values")]
    pub values: Vec<Value>,
    /// Why it holds.
    pub support: Support,
}

/// The reason a fact holds.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Support {
    /// A base fact, stated in one or more clauses.
    Fact {
        /// Every `@ "article": "quote"` of every clause stating it.
        citations: Vec<CitedQuote>,
        /// Every clause stating it.
        stated_at: Vec<Location>,
    },
    /// Derived by a rule whose body matched.
    Rule(Step),
    /// Already explained earlier in the same tree (a shared sub-proof).
    SeeAbove,
    /// Not expanded: the depth limit was reached.
    Cut {
        /// How many more levels of rule steps its derivation has.
        hidden_levels: usize,
        /// True when counting stopped: there are at least `hidden_levels`.
        at_least: bool,
    },
    /// No derivation could be rebuilt (not expected for a fact that holds).
    Unexplained {
        /// Why.
        reason: String,
    },
}

/// One rule step (or one answer row of a query): the rule as written and what it matched.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Step {
    /// The rule (or query) as written, whitespace collapsed to single spaces.
    pub rule: String,
    /// Index into `ir::Program::rules`; `None` for a query.
    pub rule_index: Option<u32>,
    /// The file it is written in.
    pub file: String,
    /// Its first line (1-based).
    pub line: usize,
    /// The values of the named variables in this instance.
    pub bindings: Vec<Binding>,
    /// One derivation per positive body atom, in written order.
    pub children: Vec<Derivation>,
    /// `no `denies(pakistan, harbouring_militants)` matched`, one per negation.
    pub negations: Vec<String>,
    /// Each comparison or filter as written, then with the values
    /// substituted, e.g. `DA < DB: 2025-10-09 < 2025-10-12`.
    pub comparisons: Vec<String>,
    /// Each aggregate with its value and the facts that contributed.
    pub aggregates: Vec<AggregateNote>,
}

/// A variable and its value in one rule instance.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Binding {
    /// As written in the rule.
    pub variable: String,
    /// Its value.
    #[serde(serialize_with = "serialize_value")]
    pub value: Value,
}

/// An aggregate of a rule instance.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AggregateNote {
    /// The aggregate as written, e.g. `N = count : { mediates(M, T) }`.
    pub text: String,
    /// Its result, e.g. `N = 2`.
    pub result: String,
    /// The facts matched by its body, at most `ExplainOptions::max_contributing`.
    pub contributing: Vec<String>,
    /// How many matches of its body there were.
    pub n_matches: usize,
}

/// One citation of a base fact.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CitedQuote {
    /// The article as written in the citation, e.g. `002`.
    pub article: String,
    /// The article's file, e.g. `seeds/002_ce86d074e4b97803.txt`, when it is a bundled article.
    pub article_file: Option<String>,
    /// The quoted sentence.
    pub quote: String,
    /// The rules file holding the cited clause.
    pub file: String,
    /// The clause's line (1-based).
    pub line: usize,
}

/// Where a clause is written.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Location {
    /// The file (`<news>/talks.dl`, a path, or `<repl:N>`).
    pub file: String,
    /// Its first line (1-based).
    pub line: usize,
    /// The clause's span, for diagnostics.
    #[serde(skip)]
    pub span: Span,
}

/// The explanations of the rows of one query's answer.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct QueryExplanation {
    /// The query as written.
    pub query: String,
    /// One per explained row, in the answer's order.
    pub rows: Vec<RowExplanation>,
    /// Rows of the answer left unexplained because of the row cap.
    pub n_rows_not_explained: usize,
}

/// Why one answer row holds: the query body instantiated.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RowExplanation {
    /// The row's values, in the answer's column order.
    #[serde(serialize_with = "serialize_values")]
    pub row: Vec<Value>,
    /// The instance of the query body (its `rule` is the query text); `None` if none was found.
    pub step: Option<Step>,
}

fn json_value(value: &Value) -> serde_json::Value {
    match value {
        Value::Integer(integer) => serde_json::Value::from(*integer),
        Value::Date(date) => serde_json::Value::String(date.to_string()),
        Value::Symbol(text) | Value::String(text) => serde_json::Value::String(text.clone()),
    }
}

fn serialize_value<S: Serializer>(value: &Value, serializer: S) -> Result<S::Ok, S::Error> {
    json_value(value).serialize(serializer)
}

fn serialize_values<S: Serializer>(values: &[Value], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_seq(values.iter().map(json_value))
}

/// Explains why `fact` (a ground atom as typed, e.g.
/// `failed_mediated_talks(istanbul_talks)`, with or without the final `.`) holds.
///
/// Rejected when the text is not a ground atom, names an unknown predicate,
/// or the fact does not hold (the diagnostic suggests `:whynot`). The first
/// call on a session evaluated without `record_rounds` evaluates it once more
/// with rounds recorded and keeps them on.
pub fn why(session: &mut Session, fact: &str) -> Result<Derivation, Rejected> {
    why_with(session, fact, &ExplainOptions::default())
}

/// [`why`] with explicit options.
pub fn why_with(
    session: &mut Session,
    fact: &str,
    options: &ExplainOptions,
) -> Result<Derivation, Rejected> {
    let goal = parse_fact(session, fact, ":why")?;
    ensure_ranks(session)?;
    let tuple = match lookup_tuple(session, &goal.values) {
        Some(tuple) if holds(session, goal.predicate, &tuple) => tuple,
        _ => {
            let text = fact_text(&goal.name, &goal.values);
            return Err(reject(
                Diagnostic::error("E504", format!("`{text}` does not hold"), goal.span).with_note(
                    format!("help: ask `:whynot {text}` to see which rule fails and why"),
                ),
            ));
        }
    };
    why_tuple(session, goal.predicate, &tuple, options)
}

/// Explains why the tuple `tuple` of `predicate` holds; used by `run --explain`.
pub fn why_tuple(
    session: &mut Session,
    predicate: PredId,
    tuple: &Tuple,
    options: &ExplainOptions,
) -> Result<Derivation, Rejected> {
    ensure_ranks(session)?;
    let mut explainer = explainer(session, options)?;
    explainer
        .derivation(predicate, tuple)
        .map_err(|error| explainer.reject(&error))
}

/// Explains the first `max_rows` rows of each answer, aligned with `answers`
/// (as returned by `Session::answers`, one per query of the loaded files).
pub fn explain_answers(
    session: &mut Session,
    answers: &[Answer],
    max_rows: usize,
    options: &ExplainOptions,
) -> Result<Vec<QueryExplanation>, Rejected> {
    ensure_ranks(session)?;
    let mut explainer = explainer(session, options)?;
    let mut explanations = Vec::with_capacity(answers.len());
    for (index, answer) in answers.iter().enumerate() {
        let query_index = explainer.query_index(index, &answer.query);
        let mut rows = Vec::new();
        for row in answer.rows.iter().take(max_rows) {
            let step = match query_index {
                Some(query_index) => explainer
                    .query_row(query_index, row)
                    .map_err(|error| explainer.reject(&error))?,
                None => None,
            };
            rows.push(RowExplanation {
                row: row.clone(),
                step,
            });
        }
        explanations.push(QueryExplanation {
            query: answer.query.clone(),
            rows,
            n_rows_not_explained: answer.rows.len().saturating_sub(max_rows),
        });
    }
    Ok(explanations)
}

/// Explains why `fact` does not hold: for each rule that could derive it,
/// the first body literal that fails for the closest candidate bindings.
pub fn why_not(session: &mut Session, fact: &str) -> Result<WhyNot, Rejected> {
    why_not_with(session, fact, &ExplainOptions::default())
}

/// [`why_not`] with explicit options.
pub fn why_not_with(
    session: &mut Session,
    fact: &str,
    options: &ExplainOptions,
) -> Result<WhyNot, Rejected> {
    let goal = parse_fact(session, fact, ":whynot")?;
    let mut explainer = explainer(session, options)?;
    explainer
        .why_not(goal.predicate, &goal.values)
        .map_err(|error| explainer.reject(&error))
}

/// A parsed ground atom.
struct Goal {
    name: String,
    predicate: PredId,
    values: Vec<Value>,
    span: Span,
}

fn reject(diagnostic: Diagnostic) -> Rejected {
    Rejected {
        diagnostics: vec![diagnostic],
    }
}

/// Parses `text` as one ground atom of a known predicate with the right arity.
fn parse_fact(session: &mut Session, text: &str, command: &str) -> Result<Goal, Rejected> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(reject(
            Diagnostic::error_without_span("E501", format!("`{command}` needs a fact")).with_note(
                format!("help: for example `{command} failed_mediated_talks(istanbul_talks)`"),
            ),
        ));
    }
    let mut source_text = trimmed.to_string();
    if !source_text.ends_with('.') {
        source_text.push('.');
    }
    session.repl_counter += 1;
    let name = format!("<repl:{}>", session.repl_counter);
    let source = session.sources.add(name, source_text.clone());
    let (program, errors) = parse_program(source, &source_text);
    if !errors.is_empty() {
        return Err(Rejected {
            diagnostics: errors.iter().map(|error| error.to_diagnostic()).collect(),
        });
    }
    let whole = Span::new(source, 0, source_text.len());
    let clause = match program.items.as_slice() {
        [Item::Clause(clause)] if clause.body.is_empty() && clause.citations.is_empty() => clause,
        _ => {
            return Err(reject(
                Diagnostic::error("E501", format!("`{command}` takes one fact"), whole)
                    .with_note(format!(
                        "help: write a ground atom such as `{command} failed_mediated_talks(istanbul_talks)`"
                    )),
            ));
        }
    };
    let mut values = Vec::with_capacity(clause.head.args.len());
    for term in &clause.head.args {
        match term {
            Term::Constant(constant) => values.push(constant.value.clone()),
            other => {
                return Err(reject(
                    Diagnostic::error(
                        "E501",
                        format!("`{command}` needs a ground fact: `{other}` is not a constant"),
                        other.span(),
                    )
                    .with_note(
                        "help: to see every answer of a pattern, ask a query (`?- p(X).`) and explain its rows with `run --explain`",
                    ),
                ));
            }
        }
    }
    let name = clause.head.predicate.name.clone();
    let Some(program_ir) = session.program() else {
        return Err(reject(Diagnostic::error_without_span(
            "E505",
            "nothing is loaded yet",
        )));
    };
    let Some(predicate) = program_ir.predicate_id(&name) else {
        let mut diagnostic = Diagnostic::error(
            "E502",
            format!("unknown predicate `{name}`"),
            clause.head.predicate.span,
        );
        if let Some(suggestion) =
            closest_name(&name, program_ir.predicates.iter().map(|p| p.name.as_str()))
        {
            diagnostic = diagnostic.with_note(format!("help: did you mean `{suggestion}`?"));
        }
        return Err(reject(diagnostic));
    };
    let arity = program_ir.predicate(predicate).arity;
    if arity != values.len() {
        return Err(reject(Diagnostic::error(
            "E503",
            format!(
                "`{name}` takes {arity} argument{}, not {}",
                if arity == 1 { "" } else { "s" },
                values.len()
            ),
            clause.head.span,
        )));
    }
    Ok(Goal {
        name,
        predicate,
        values,
        span: clause.head.span,
    })
}

/// The closest name within edit distance two, for "did you mean".
fn closest_name<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .map(|candidate| (edit_distance(name, candidate), candidate))
        .filter(|(distance, _)| *distance <= 2 && *distance < name.chars().count())
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

fn edit_distance(left: &str, right: &str) -> usize {
    let right: Vec<char> = right.chars().collect();
    let mut previous: Vec<usize> = (0..=right.len()).collect();
    for (row, left_char) in left.chars().enumerate() {
        let mut current = vec![row + 1; right.len() + 1];
        for (column, right_char) in right.iter().enumerate() {
            current[column + 1] = (previous[column] + usize::from(left_char != *right_char))
                .min(previous[column + 1] + 1)
                .min(current[column] + 1);
        }
        previous = current;
    }
    previous[right.len()]
}

/// `p(a, "b", 3)`, or `p` without arguments.
pub(crate) fn fact_text(predicate: &str, values: &[Value]) -> String {
    if values.is_empty() {
        return predicate.to_string();
    }
    let args: Vec<String> = values.iter().map(Value::to_string).collect();
    format!("{predicate}({})", args.join(", "))
}

/// The packed tuple of `values`, if every value is known to the store.
fn lookup_tuple(session: &Session, values: &[Value]) -> Option<Tuple> {
    let database = session.database()?;
    values
        .iter()
        .map(|value| database.store.lookup(value))
        .collect()
}

fn holds(session: &Session, predicate: PredId, tuple: &Tuple) -> bool {
    session
        .database()
        .is_some_and(|database| database.contains(predicate, tuple))
}

/// Makes sure the database knows each tuple's round: re-evaluates once with
/// rounds recorded, and keeps recording for the rest of the session.
fn ensure_ranks(session: &mut Session) -> Result<(), Rejected> {
    session.cancel.store(false, Ordering::Relaxed);
    if session.options.check_only {
        return Ok(());
    }
    let options = EvalOptions {
        record_rounds: true,
        ..session.eval_options()
    };
    let Some(model) = session.model.as_mut() else {
        return Err(reject(Diagnostic::error_without_span(
            "E505",
            "nothing is loaded yet",
        )));
    };
    if model.database.records_rounds() {
        return Ok(());
    }
    let store = model.database.store.clone();
    match eval::evaluate(&model.program, &model.plan, store, options, &session.cancel) {
        Ok(database) => {
            model.database = database;
            session.options.record_rounds = true;
            Ok(())
        }
        Err(error) => Err(reject(eval_diagnostic(&error, &model.program))),
    }
}

fn explainer<'s>(
    session: &'s mut Session,
    options: &ExplainOptions,
) -> Result<search::Explainer<'s>, Rejected> {
    let eval_options = session.eval_options();
    let Some(model) = session.model.as_mut() else {
        return Err(reject(Diagnostic::error_without_span(
            "E505",
            "nothing is loaded yet",
        )));
    };
    Ok(search::Explainer::new(
        &model.program,
        &mut model.database,
        &session.sources,
        *options,
        eval_options,
        &session.cancel,
    ))
}
