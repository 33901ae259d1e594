//! The engine a session evaluates with, and the live model the dataflow
//! engine keeps between inputs.
//!
//! Owns the choice between the datafrog engine (the default, in `eval`) and
//! differential dataflow (`dataflow`): a full evaluation goes to the chosen
//! one; with a live dataflow model, an input that changes only facts (typed
//! facts, `:retract`, `:undo`, `:reload`, a `--follow` batch) becomes fact
//! changes for `LiveModel::update` instead of an evaluation, and what changed
//! in the answers of the loaded queries is kept for the front end to show.
//! It renders nothing and decides nothing about printing: the front end asks
//! [`Session::prints_answers`] and [`Session::answer_changes`].

use super::{Rejected, Session, eval_diagnostic};
use crate::analysis::ir;
use crate::dataflow::{self, Changes, Cluster, DataflowOptions, FactChange, LiveModel};
use crate::diagnostic::{Code, Diagnostic};
use crate::eval::{Database, EvalError, Store};
use crate::plan::ProgramPlan;
use crate::span::Span;
use crate::syntax::ast::{Item, Term};
use crate::syntax::parse_program;
use crate::text;
use crate::value::{Answer, AnswerChange, Value};
use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::Ordering;

/// Which engine evaluates the program.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Engine {
    /// The embedded datafrog fixpoint: one thread, evaluated again (or
    /// incrementally, for additions) after each input.
    #[default]
    Datafrog,
    /// Differential dataflow on timely.
    Dataflow(DataflowSettings),
}

/// How the dataflow engine runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataflowSettings {
    /// Worker threads in this process (at least 1).
    pub workers: usize,
    /// One process of a cluster; `None` for this process alone.
    pub cluster: Option<Cluster>,
    /// Keep the workers running between inputs, so that inputs changing
    /// only facts update the model by differential updates (the REPL,
    /// `run --follow`); false evaluates each input once and lets the
    /// workers go (`run`).
    pub live: bool,
}

impl Default for DataflowSettings {
    fn default() -> DataflowSettings {
        DataflowSettings {
            workers: 1,
            cluster: None,
            live: false,
        }
    }
}

impl Engine {
    /// False on a process other than 0 of a cluster: it computes its share
    /// but holds no model, and prints nothing.
    pub fn prints_answers(&self) -> bool {
        match self {
            Engine::Datafrog => true,
            Engine::Dataflow(settings) => settings
                .cluster
                .as_ref()
                .is_none_or(|cluster| cluster.process == 0),
        }
    }
}

/// The live model and what its last update may need undone.
pub(super) struct Live {
    pub(super) model: LiveModel,
    /// The inverse of the update made by the input being checked, until
    /// that input is kept: a later failure (a typed query's error, Ctrl-C)
    /// applies it so the session is as it was.
    pub(super) undo: Option<Vec<FactChange>>,
}

/// What the dataflow engine produced for one input.
pub(super) struct DataflowOutcome {
    pub(super) database: Database,
    /// A live model started for this input's program, to keep with it.
    pub(super) started: Option<LiveModel>,
    /// The changed answers of the loaded queries, when the input was
    /// applied to the running live model.
    pub(super) changes: Vec<AnswerChange>,
}

impl Session {
    /// False on a process other than 0 of a cluster (see [`Engine::prints_answers`]).
    pub fn prints_answers(&self) -> bool {
        self.options.engine.prints_answers()
    }

    /// What the last accepted input changed in the answers of the loaded
    /// queries, when a live dataflow model followed it (empty with the
    /// datafrog engine). After a change of rules, which starts a new live
    /// model, they are the difference between the old and new answers.
    pub fn answer_changes(&self) -> &[AnswerChange] {
        &self.answer_changes
    }

    /// True while a live dataflow model follows the session.
    pub fn is_live(&self) -> bool {
        self.live.is_some()
    }

    /// The dataflow engine's options for this session's settings.
    fn dataflow_options(&self, settings: &DataflowSettings) -> DataflowOptions {
        DataflowOptions {
            eval: self.eval_options(),
            workers: settings.workers.max(1),
            cluster: settings.cluster.clone(),
        }
    }

    /// Evaluates `program` (whose typed queries `is_typed` tells apart) on
    /// the dataflow engine: by an update of the live model when only facts
    /// changed since the model, otherwise from scratch (starting a live
    /// model when the settings ask for one).
    pub(super) fn evaluate_on_dataflow(
        &mut self,
        program: &ir::Program,
        plan: &ProgramPlan,
        is_typed: &dyn Fn(&ir::Query) -> bool,
        store: Store,
    ) -> Result<DataflowOutcome, EvalError> {
        let Engine::Dataflow(settings) = self.options.engine.clone() else {
            return Err(EvalError::Internal(
                "the dataflow engine was asked for but not chosen".into(),
            ));
        };
        let options = self.dataflow_options(&settings);
        if !settings.live {
            let evaluation =
                dataflow::evaluate(program, plan, store, &options, Arc::clone(&self.cancel))?;
            let database = match evaluation {
                Some(evaluation) => evaluation.database,
                // Another process of a cluster: its share is done, process 0 holds the model.
                None => Database::new(Store::new(), program.predicates.len(), false),
            };
            return Ok(DataflowOutcome {
                database,
                started: None,
                changes: Vec::new(),
            });
        }
        // The live model answers the loaded queries only: typed ones are
        // answered once, over the model, like the datafrog engine's.
        let (kept_program, kept_plan) = without_typed_queries(program, plan, is_typed);
        if let (Some(model), Some(live)) = (&self.model, &mut self.live)
            && let Some(changes) =
                dataflow::fact_changes((&model.program, &model.plan), (&kept_program, &kept_plan))?
        {
            let result = live.model.update(&changes);
            if live.model.is_stopped() {
                // A limit or Ctrl-C stopped the workers: the next input starts anew.
                self.live = None;
            }
            let changed = result?;
            let undo = changes
                .into_iter()
                .map(|change| FactChange {
                    diff: -change.diff,
                    ..change
                })
                .collect();
            let changes = answer_changes(&kept_program, &changed);
            let Some(live) = &mut self.live else {
                return Err(EvalError::Internal("the live model went away".into()));
            };
            live.undo = Some(undo);
            return Ok(DataflowOutcome {
                database: live.model.database(store),
                started: None,
                changes,
            });
        }
        let started = LiveModel::start(
            &kept_program,
            &kept_plan,
            &options,
            Arc::clone(&self.cancel),
        )?;
        // A new live model (the rules changed, or facts in a way that
        // renumbers predicates): what changed is the difference of the answers.
        let changes = match (&self.model, &self.live) {
            (Some(model), Some(live)) => answer_differences(
                &live.model.answers(&model.program),
                &started.answers(&kept_program),
            ),
            _ => Vec::new(),
        };
        Ok(DataflowOutcome {
            database: started.database(store),
            started: Some(started),
            changes,
        })
    }

    /// Undoes the live model's update for an input that was then rejected.
    pub(super) fn roll_back_live(&mut self) {
        let Some(live) = &mut self.live else { return };
        let Some(undo) = live.undo.take() else { return };
        // The undo must run even after Ctrl-C stopped the input.
        self.cancel.store(false, Ordering::Relaxed);
        if live.model.update(&undo).is_err() {
            // The workers stopped: a new live model starts on the next input.
            self.live = None;
        }
    }

    /// Applies a batch of fact changes from a `--follow` file to the live
    /// model: each line `p(c1, ..., cn).` adds a fact, `-p(c1, ..., cn).`
    /// retracts one; blank lines and `%` comments are skipped. `first_line`
    /// is the 1-based line number of the batch's first line in `name`.
    ///
    /// A line that is not such a fact, or names a predicate the program
    /// does not have, is reported (E450) and left out; the others are
    /// applied. An evaluation error rejects the whole batch (the model is as
    /// it was). Returns the changed answers of the loaded queries and the
    /// diagnostics of the lines left out. The streamed facts change the
    /// model, not the session's clauses.
    pub fn follow_batch(
        &mut self,
        name: &str,
        first_line: usize,
        batch: &str,
    ) -> Result<(Vec<AnswerChange>, Vec<Diagnostic>), Rejected> {
        self.cancel.store(false, Ordering::Relaxed);
        let mut diagnostics = Vec::new();
        let mut changes = Vec::new();
        {
            let Some(model) = &self.model else {
                return Err(Rejected::one(Diagnostic::error_without_span(
                    Code::E505,
                    "nothing is loaded yet",
                )));
            };
            for (offset, line) in batch.lines().enumerate() {
                let trimmed = line.trim();
                if trimmed.is_empty() || trimmed.starts_with('%') {
                    continue;
                }
                match fact_change(&model.program, trimmed) {
                    Ok(change) => changes.push(change),
                    Err(problem) => {
                        diagnostics.push((first_line + offset, line.to_string(), problem))
                    }
                }
            }
        }
        let diagnostics: Vec<Diagnostic> = diagnostics
            .into_iter()
            .map(|(line_number, line, problem)| {
                self.follow_diagnostic(name, line_number, &line, problem)
            })
            .collect();
        let (Some(model), Some(live)) = (&mut self.model, &mut self.live) else {
            return Err(Rejected::one(Diagnostic::error_without_span(
                Code::E399,
                "internal error: `--follow` needs the dataflow engine's live model",
            )));
        };
        let result = live.model.update(&changes);
        if live.model.is_stopped() {
            self.live = None;
        }
        match result {
            Ok(changed) => {
                // Only the changed relations are handed over: a batch of
                // events costs the relations it touches, not the model.
                if self.live.is_some() {
                    changed.apply_to(&mut model.database);
                }
                let changes = answer_changes(&model.program, &changed);
                self.answer_changes = changes.clone();
                Ok((changes, diagnostics))
            }
            Err(error) => {
                let mut rejected = Rejected::one(eval_diagnostic(&error, &model.program));
                rejected.diagnostics.extend(diagnostics);
                Err(rejected)
            }
        }
    }

    /// E450 for a line of a followed file, at its line and column: the
    /// line is added as a source padded to its line number so that
    /// diagnostics point into the file as it is.
    fn follow_diagnostic(
        &mut self,
        name: &str,
        line_number: usize,
        line: &str,
        problem: LineProblem,
    ) -> Diagnostic {
        let padding = line_number.saturating_sub(1);
        let mut text = "\n".repeat(padding);
        text.push_str(line);
        let source = self.sources.add(name, text);
        let (start, end) = problem
            .within
            .map_or((0, line.len()), |(start, end)| (start, end));
        let span = Span::new(source, padding + start, padding + end);
        let mut diagnostic = Diagnostic::error(Code::E450, problem.message, span);
        if let Some(note) = problem.note {
            diagnostic = diagnostic.with_note(note);
        }
        diagnostic
    }
}

/// Why a followed line is not a fact change, and where in the line.
struct LineProblem {
    message: String,
    note: Option<String>,
    /// Byte range within the line.
    within: Option<(usize, usize)>,
}

impl LineProblem {
    fn new(message: impl Into<String>) -> LineProblem {
        LineProblem {
            message: message.into(),
            note: Some(
                "help: each line is a fact such as `edge(1, 2).`, or `-edge(1, 2).` to retract it"
                    .into(),
            ),
            within: None,
        }
    }
}

/// A followed line (trimmed) as a fact change of `program`.
fn fact_change(program: &ir::Program, line: &str) -> Result<FactChange, LineProblem> {
    let (diff, fact) = match line.strip_prefix('-') {
        Some(rest) => (-1, rest.trim_start()),
        None => (1, line.strip_prefix('+').map_or(line, str::trim_start)),
    };
    let prefix = line.len() - fact.len();
    let mut fact_text = fact.to_string();
    if !fact_text.ends_with('.') {
        fact_text.push('.');
    }
    let (parsed, errors) = parse_program(crate::span::SourceId(0), &fact_text);
    if let Some(error) = errors.first() {
        let diagnostic = error.to_diagnostic();
        let mut problem = LineProblem::new(diagnostic.message.clone());
        problem.within = diagnostic
            .primary_span()
            .map(|span| clamp(prefix, span.range(), fact.len()));
        return Err(problem);
    }
    let clause = match parsed.items.as_slice() {
        [Item::Clause(clause)] if clause.body.is_empty() => clause,
        _ => return Err(LineProblem::new("not one fact")),
    };
    let mut values = Vec::with_capacity(clause.head.args.len());
    for term in &clause.head.args {
        match term {
            Term::Constant(constant) => values.push(constant.value.clone()),
            other => {
                let mut problem = LineProblem::new(format!("`{other}` is not a constant"));
                problem.within = Some(clamp(prefix, other.span().range(), fact.len()));
                return Err(problem);
            }
        }
    }
    let name = &clause.head.predicate.name;
    let name_range = clamp(prefix, clause.head.predicate.span.range(), fact.len());
    let Some(predicate) = program.predicate_id(name) else {
        let mut problem = LineProblem::new(format!("the program has no predicate `{name}`"));
        problem.within = Some(name_range);
        problem.note = text::closest(name, program.predicates.iter().map(|p| p.name.as_str()))
            .map(|suggestion| format!("help: did you mean `{suggestion}`?"));
        return Err(problem);
    };
    let arity = program.predicate(predicate).arity;
    if arity != values.len() {
        let mut problem = LineProblem::new(format!(
            "`{name}` takes {arity} argument{}, not {}",
            if arity == 1 { "" } else { "s" },
            values.len()
        ));
        problem.within = Some(name_range);
        return Err(problem);
    }
    Ok(FactChange {
        predicate,
        values,
        diff,
    })
}

/// A byte range of the parsed fact text as a range of the line (the fact
/// starts `prefix` bytes in; the `.` the parser may have been given is not
/// in the line).
fn clamp(prefix: usize, range: std::ops::Range<usize>, fact_len: usize) -> (usize, usize) {
    let start = range.start.min(fact_len);
    let end = range.end.min(fact_len).max(start);
    (prefix + start, prefix + end)
}

/// `program` and `plan` without the queries `is_typed` picks.
fn without_typed_queries(
    program: &ir::Program,
    plan: &ProgramPlan,
    is_typed: &dyn Fn(&ir::Query) -> bool,
) -> (ir::Program, ProgramPlan) {
    let mut program = program.clone();
    let mut plan = plan.clone();
    (program.queries, plan.queries) = std::mem::take(&mut program.queries)
        .into_iter()
        .zip(std::mem::take(&mut plan.queries))
        .filter(|(query, _)| !is_typed(query))
        .unzip();
    (program, plan)
}

/// What changed between two lists of answers, query by query: a query at
/// the same position with the same text in both.
fn answer_differences(before: &[Answer], after: &[Answer]) -> Vec<AnswerChange> {
    before
        .iter()
        .zip(after)
        .enumerate()
        .filter(|(_, (old, new))| old.query == new.query)
        .filter_map(|(index, (old, new))| {
            let old_rows: BTreeSet<&Vec<Value>> = old.rows.iter().collect();
            let new_rows: BTreeSet<&Vec<Value>> = new.rows.iter().collect();
            let added: Vec<Vec<Value>> = new_rows
                .difference(&old_rows)
                .map(|row| (*row).clone())
                .collect();
            let removed: Vec<Vec<Value>> = old_rows
                .difference(&new_rows)
                .map(|row| (*row).clone())
                .collect();
            (!added.is_empty() || !removed.is_empty()).then(|| AnswerChange {
                index,
                query: new.query.clone(),
                columns: new.columns.clone(),
                added,
                removed,
            })
        })
        .collect()
}

/// The changed answers of `program`'s queries, in query order.
fn answer_changes(program: &ir::Program, changes: &Changes) -> Vec<AnswerChange> {
    let values = |rows: &[dataflow::datum::Row]| -> Vec<Vec<Value>> {
        rows.iter()
            .map(|row| row.iter().map(dataflow::datum::Datum::to_value).collect())
            .collect()
    };
    changes
        .answers
        .iter()
        .filter_map(|(index, (added, removed))| {
            let query = program.queries.get(*index)?;
            Some(AnswerChange {
                index: *index,
                query: query.text.clone(),
                columns: query
                    .shown
                    .iter()
                    .map(|var| {
                        query
                            .variables
                            .get(var.0 as usize)
                            .cloned()
                            .unwrap_or_default()
                    })
                    .collect(),
                added: values(added),
                removed: values(removed),
            })
        })
        .filter(|change| !change.added.is_empty() || !change.removed.is_empty())
        .collect()
}
