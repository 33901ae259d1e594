//! Provenance: why an answer holds, and why another does not.
//!
//! Owns the explanation data — a [`Derivation`] tree for `:why` and
//! `run --explain`, a [`WhyNot`] report for `:whynot` — and the algorithms
//! that rebuild them on demand from an evaluated model. It stores no proofs
//! during evaluation: it asks `eval` for the round in which each tuple
//! first appeared (`Database::rank_of`) and re-runs one rule body at a time
//! with the head's values bound.
//!
//! It works on a read-only [`ModelView`] (the checked program, the evaluated
//! database, the sources for naming where a rule is written, the articles
//! for naming where a quote comes from) and a typed [`Goal`]. It never sees
//! a `Session`, never parses text, never re-evaluates the program and never
//! changes the model: values an explanation computes go to a scratch copy of
//! the store (`eval::Scratch`). The session turns typed text into goals and
//! makes sure rounds were recorded; `present::explain` renders the results.
//!
//! **Shortest derivations.** A tuple derived in round `r` has a rule
//! instance whose positive body atoms all appeared before `r` (that is how
//! semi-naive evaluation found it). The search picks, among the matches of a
//! rule body, one whose body facts all have a strictly lower rank than the
//! goal, preferring the smallest maximum rank. Ranks strictly decrease along
//! every path of the tree, so the tree is well founded (no cycles) and, for
//! a recursive predicate, follows the fewest rounds. Without recorded rounds
//! every fact ranks 0 and no derived fact is explained.

mod facts;
mod search;
mod solve;
mod trace;
mod why_not;

use crate::analysis::ir::{self, PredId};
use crate::articles::Articles;
use crate::eval::{Database, EvalError, EvalOptions, Tuple};
use crate::span::{SourceMap, Span};
use crate::value::{Answer, Value, fact_text};
use serde::Serialize;
use std::sync::atomic::AtomicBool;

pub use trace::{RoundTrace, RuleFacts, StratumTrace, Trace, TraceOptions, trace};
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
    /// Its first line (1-based); 0 for a row of an imported file that
    /// another process of a cluster read (its share is not held here).
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
    pub row: Vec<Value>,
    /// The instance of the query body (its `rule` is the query text); `None` if none was found.
    pub step: Option<Step>,
}

/// What an explanation reads: an evaluated model, never changed.
#[derive(Clone, Copy)]
pub struct ModelView<'m> {
    /// The checked program the database is the model of.
    pub program: &'m ir::Program,
    /// The evaluated relations; explanations rebuild shortest derivations
    /// only when it records rounds.
    pub database: &'m Database,
    /// The loaded texts, to name the file and line of a rule or fact and
    /// show a rule as written.
    pub sources: &'m SourceMap,
    /// The articles citations name, to show which file a quote comes from.
    pub articles: &'m Articles,
    /// Limits for the conjunctions an explanation evaluates.
    pub eval_options: EvalOptions,
    /// Set (by Ctrl-C) to stop an explanation.
    pub cancel: &'m AtomicBool,
}

/// A ground fact to explain: a known predicate and as many values as it has arguments.
#[derive(Clone, Debug, PartialEq)]
pub struct Goal {
    /// The predicate.
    pub predicate: PredId,
    /// Its values.
    pub values: Vec<Value>,
    /// Where the fact was written, for a diagnostic about it.
    pub span: Span,
}

/// A pattern to explain with `why_not`: a known predicate, a value or a
/// variable (`None`) in each column.
#[derive(Clone, Debug, PartialEq)]
pub struct Pattern {
    /// The predicate.
    pub predicate: PredId,
    /// Each column's value, `None` for a variable.
    pub values: Vec<Option<Value>>,
    /// The pattern as written, e.g. `closed(torkham, D)`.
    pub text: String,
}

/// Why an explanation could not be built.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ExplainError {
    /// Evaluating a rule body stopped (Ctrl-C, a limit, an arithmetic error).
    #[error(transparent)]
    Eval(#[from] EvalError),
    /// `why` of a fact that does not hold.
    #[error("`{fact}` does not hold")]
    FactNotHolding {
        /// The fact in Datalog syntax.
        fact: String,
        /// Where the goal was written.
        span: Span,
    },
}

/// Explains why `goal` holds.
pub fn why(
    view: &ModelView<'_>,
    goal: &Goal,
    options: &ExplainOptions,
) -> Result<Derivation, ExplainError> {
    let database = view.database;
    let name = &view.program.predicate(goal.predicate).name;
    let tuple: Option<Tuple> = goal
        .values
        .iter()
        .map(|value| database.store.lookup(value))
        .collect();
    let Some(tuple) = tuple.filter(|tuple| database.contains(goal.predicate, tuple)) else {
        return Err(ExplainError::FactNotHolding {
            fact: fact_text(name, &goal.values),
            span: goal.span,
        });
    };
    let mut explainer = search::Explainer::new(view, *options);
    Ok(explainer.derivation(goal.predicate, &tuple)?)
}

/// Explains the first `max_rows` rows of each answer, aligned with `answers`
/// (one per query of `view.program`, in order, as `Session::answers` gives them).
pub fn explain_answers(
    view: &ModelView<'_>,
    answers: &[Answer],
    max_rows: usize,
    options: &ExplainOptions,
) -> Result<Vec<QueryExplanation>, EvalError> {
    let mut explainer = search::Explainer::new(view, *options);
    let mut explanations = Vec::with_capacity(answers.len());
    for (index, answer) in answers.iter().enumerate() {
        let query_index = explainer.query_index(index, &answer.query);
        let mut rows = Vec::new();
        for row in answer.rows.iter().take(max_rows) {
            let step = match query_index {
                Some(query_index) => explainer.query_row(query_index, row)?,
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

/// Explains why `goal` does not hold: for each rule that could derive it,
/// the first body literal that fails for the closest candidate bindings.
pub fn why_not(
    view: &ModelView<'_>,
    goal: &Goal,
    options: &ExplainOptions,
) -> Result<WhyNot, EvalError> {
    let mut explainer = search::Explainer::new(view, *options);
    explainer.why_not(goal.predicate, &goal.values)
}

/// Explains why no fact matches `pattern`: when some do, lists them
/// ([`WhyNotOutcome::Matches`]); otherwise, as [`why_not`], the literal that
/// blocks each rule for the closest candidates, and the stated facts
/// closest to the pattern.
pub fn why_not_pattern(
    view: &ModelView<'_>,
    pattern: &Pattern,
    options: &ExplainOptions,
) -> Result<WhyNot, EvalError> {
    let mut explainer = search::Explainer::new(view, *options);
    explainer.why_not_pattern(pattern.predicate, &pattern.values, pattern.text.clone())
}
