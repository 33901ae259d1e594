//! The session: everything loaded so far, checked and evaluated.
//!
//! The only module that runs the pipeline: every change goes through
//! `Session::commit` → analyze → plan → evaluate → answer, and is kept only
//! when all of it succeeded. `load` turns files, includes and typed text into
//! parsed units; `explain` turns typed facts into goals for `provenance` and
//! records rounds when explanations first need them. The CLI and the REPL
//! (and later the web view) share it; it renders nothing.
//!
//! **Architecture Invariant:** a rejected input (syntax error, failed check,
//! evaluation error, Ctrl-C) leaves the session's clauses, model, input
//! counter and reports exactly as they were. Only the source map grows, so
//! that the rejection's diagnostics can be rendered; source names
//! (`<repl:N>`) are never reused.

mod edit;
mod explain;
mod load;

pub use edit::{Reloaded, ReloadedFile, Retracted, Undone};
pub use load::ProgramSource;

use crate::analysis::{self, ir};
use crate::articles::Articles;
use crate::diagnostic::{Code, Diagnostic, has_errors};
use crate::eval::{self, Database, EvalError, EvalOptions, Limits, Origin, Store, StrataReport};
use crate::plan::{self, ProgramPlan};
use crate::span::{SourceId, SourceMap, Span};
use crate::syntax::ast::{self, Item};
use crate::value::Answer;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Where a loaded text came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UnitOrigin {
    /// A file on disk (canonical path).
    File(PathBuf),
    /// A file of the bundled knowledge base.
    Bundled(String),
    /// Text typed at the REPL or given by a library user.
    Input,
    /// A program given as text on the command line (`wirelog run -`,
    /// `--query`): its queries are kept and answered like a file's, its
    /// includes are relative to the current folder.
    Text,
}

/// One parsed text in the session.
#[derive(Clone, Debug)]
pub struct Unit {
    /// Its source.
    pub source: SourceId,
    /// Its items (the queries of typed text are answered, not kept).
    pub program: ast::Program,
    /// Where it came from.
    pub origin: UnitOrigin,
    /// The input (REPL line, `:load`, command-line file) it arrived with; `:undo` removes one input.
    pub input: usize,
    /// True when the input named it (a file given to `:load` or on the
    /// command line, `<news>`, typed text); false for a file reached
    /// through an `#include`.
    pub root: bool,
    /// Clauses `:retract` removed from it, where they are in its text.
    pub retracted: Vec<Span>,
}

/// Settings of a session.
#[derive(Clone, Debug, Default)]
pub struct SessionOptions {
    /// Runaway limits.
    pub limits: Limits,
    /// Record rounds so explanations can be rebuilt.
    pub record_rounds: bool,
    /// Check only: analyze but never evaluate (for `wirelog check` and `schema`).
    pub check_only: bool,
    /// Evaluate only what the loaded queries need (`wirelog run`): see
    /// [`EvalOptions::demand`].
    pub demand: bool,
    /// Join atoms in the order written (`wirelog run --written-order`): see
    /// [`plan::PlanOptions::written_order`].
    pub written_order: bool,
    /// Typed text may not read files (the web view): an `#include` of a
    /// path in typed text is refused with `E440`; `<news>` is still allowed.
    /// Files given at start-up (`load_program`, `load_files`) are read as usual.
    pub sandboxed: bool,
}

/// A rejected input: the diagnostics that explain why.
#[derive(Clone, Debug)]
pub struct Rejected {
    /// Errors (and any warnings found on the way).
    pub diagnostics: Vec<Diagnostic>,
}

impl Rejected {
    /// A rejection with one diagnostic.
    fn one(diagnostic: Diagnostic) -> Rejected {
        Rejected {
            diagnostics: vec![diagnostic],
        }
    }
}

/// What an accepted input produced.
#[derive(Clone, Debug, Default)]
pub struct Accepted {
    /// Warnings about the input.
    pub warnings: Vec<Diagnostic>,
    /// Answers to the queries typed in it; empty for files.
    pub answers: Vec<Answer>,
    /// Number of clauses it added.
    pub n_clauses: usize,
    /// Number of queries it held: answered when typed, kept (for
    /// [`Session::answers`]) when in files.
    pub n_queries: usize,
}

/// The evaluated state.
struct Model {
    program: ir::Program,
    plan: ProgramPlan,
    database: Database,
}

/// A wirelog session.
pub struct Session {
    sources: SourceMap,
    units: Vec<Unit>,
    /// Inputs accepted so far; an input's number is this plus one.
    n_inputs: usize,
    options: SessionOptions,
    model: Option<Model>,
    cancel: Arc<AtomicBool>,
    /// Texts named `<repl:N>` so far, accepted or not.
    repl_counter: usize,
    /// How the last evaluation reused the previous model, when it could.
    last_strata_report: Option<StrataReport>,
    articles: Articles,
    /// Counts the accepted changes of the session's clauses; what a front
    /// end compares to know whether something changed (unsaved work, a
    /// completion list to rebuild).
    generation: u64,
    /// Inputs up to this number were loaded at start-up; `:undo` stops there.
    start_up_inputs: usize,
    /// What `:undo` takes back, the latest last.
    changes: Vec<edit::ChangeRecord>,
}

impl Default for Session {
    fn default() -> Session {
        Session::new(SessionOptions::default())
    }
}

/// How a change relates to what the session holds.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Change {
    /// New units for input number `input`: the model may be updated incrementally.
    Input(usize),
    /// The session's units replaced (by `:undo`, `:retract`, `:reload`).
    /// When the new units only add clauses to the old ones, `added` holds
    /// the spans of those clauses and the model is updated incrementally;
    /// otherwise it is evaluated from scratch.
    Replace {
        /// The added clauses, when nothing was removed.
        added: Option<Vec<Span>>,
        /// The texts read again (reloaded files), whose warnings are news.
        fresh_sources: Vec<SourceId>,
    },
}

impl Session {
    /// An empty session, with the bundled articles.
    pub fn new(options: SessionOptions) -> Session {
        Session {
            sources: SourceMap::new(),
            units: Vec::new(),
            n_inputs: 0,
            options,
            model: None,
            cancel: Arc::new(AtomicBool::new(false)),
            repl_counter: 0,
            last_strata_report: None,
            articles: Articles::bundled(),
            generation: 0,
            start_up_inputs: 0,
            changes: Vec::new(),
        }
    }

    /// Counts accepted changes of the session's clauses (inputs that added
    /// clauses, undos, retractions, reloads); unchanged by queries and by
    /// rejected inputs.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Marks everything loaded so far as the start-up knowledge base, which a
    /// plain `undo` never removes.
    pub fn mark_start_up(&mut self) {
        self.start_up_inputs = self.n_inputs;
    }

    /// The flag that interrupts a running evaluation when set (Ctrl-C).
    pub fn cancel_flag(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.cancel)
    }

    /// Every loaded text, for rendering diagnostics.
    pub fn sources(&self) -> &SourceMap {
        &self.sources
    }

    /// The loaded units in order.
    pub fn units(&self) -> &[Unit] {
        &self.units
    }

    /// The articles citations are checked against and explanations quote.
    pub fn articles(&self) -> &Articles {
        &self.articles
    }

    /// The checked program, once something was loaded.
    pub fn program(&self) -> Option<&ir::Program> {
        self.model.as_ref().map(|model| &model.program)
    }

    /// The plan of the checked program.
    pub fn plan(&self) -> Option<&ProgramPlan> {
        self.model.as_ref().map(|model| &model.plan)
    }

    /// The evaluated relations, read only.
    pub fn database(&self) -> Option<&Database> {
        self.model.as_ref().map(|model| &model.database)
    }

    /// How the last accepted input's evaluation went: `None` when the model
    /// was evaluated from scratch, otherwise how many strata were reused,
    /// updated incrementally or recomputed.
    pub fn last_strata_report(&self) -> Option<StrataReport> {
        self.last_strata_report
    }

    /// The number of inputs accepted so far (typed texts and loads, including
    /// those holding only queries); a rejected input does not count.
    pub fn n_inputs(&self) -> usize {
        self.n_inputs
    }

    /// The session's evaluation options.
    pub fn eval_options(&self) -> EvalOptions {
        EvalOptions {
            limits: self.options.limits,
            record_rounds: self.options.record_rounds,
            demand: self.options.demand,
            written_order: self.options.written_order,
        }
    }

    /// The number the next input will take if it is accepted.
    fn next_input(&self) -> usize {
        self.n_inputs + 1
    }

    /// The name of the next typed text: `<repl:1>`, `<repl:2>`, … (the one
    /// place such names are made; rejected texts use theirs up too).
    fn next_repl_name(&mut self) -> String {
        self.repl_counter += 1;
        format!("<repl:{}>", self.repl_counter)
    }

    /// Checks and evaluates the session plus the units of input `input`.
    fn commit_input(
        &mut self,
        input: usize,
        units: Vec<Unit>,
        diagnostics: Vec<Diagnostic>,
    ) -> Result<Accepted, Rejected> {
        let accepted = self.commit(units, diagnostics, Change::Input(input))?;
        if accepted.n_clauses > 0 {
            self.changes.push(edit::ChangeRecord::Added { input });
        }
        Ok(accepted)
    }

    /// Checks and evaluates the session plus `new_units`, then answers the
    /// queries typed in them; on any error nothing changes.
    fn commit(
        &mut self,
        mut new_units: Vec<Unit>,
        mut diagnostics: Vec<Diagnostic>,
        change: Change,
    ) -> Result<Accepted, Rejected> {
        let count = |units: &[Unit], is_query: bool| {
            units
                .iter()
                .flat_map(|unit| &unit.program.items)
                .filter(|item| {
                    if is_query {
                        matches!(item, Item::Query(_))
                    } else {
                        matches!(item, Item::Clause(_))
                    }
                })
                .count()
        };
        let n_clauses = count(&new_units, false);
        let n_queries = count(&new_units, true);
        // The sources whose warnings are news: the input's; for a
        // replacement, the texts read again (files reloaded).
        let new_sources: Vec<SourceId> = match &change {
            Change::Input(_) => new_units.iter().map(|unit| unit.source).collect(),
            Change::Replace { fresh_sources, .. } => fresh_sources.clone(),
        };
        let Ok(outcome) = self.check_and_evaluate(
            &new_units,
            &new_sources,
            &mut diagnostics,
            &change,
            n_clauses,
        ) else {
            return Err(Rejected { diagnostics });
        };
        // Typed queries were answered; they do not stay in the session.
        for unit in &mut new_units {
            if unit.origin == UnitOrigin::Input {
                unit.program
                    .items
                    .retain(|item| !matches!(item, Item::Query(_)));
            }
        }
        self.units.extend(new_units);
        if let Some(model) = outcome.model {
            self.model = Some(model);
        }
        if let Some(report) = outcome.strata_report {
            self.last_strata_report = report;
        }
        if let Change::Input(input) = change {
            self.n_inputs = input;
        }
        if n_clauses > 0 || matches!(change, Change::Replace { .. }) {
            self.generation += 1;
        }
        Ok(Accepted {
            warnings: diagnostics,
            answers: outcome.answers,
            n_clauses,
            n_queries,
        })
    }

    /// The pipeline: analyze, plan, evaluate (unless only queries were added),
    /// answer the typed queries. Changes nothing in the session: what it
    /// produced is returned, for `commit` to keep.
    fn check_and_evaluate(
        &mut self,
        new_units: &[Unit],
        new_sources: &[SourceId],
        diagnostics: &mut Vec<Diagnostic>,
        change: &Change,
        n_clauses: usize,
    ) -> Result<Outcome, ()> {
        // Analysis runs even after syntax errors, on the items that parsed, so one
        // pass reports every problem; nothing is evaluated then.
        let programs: Vec<&ast::Program> = self
            .units
            .iter()
            .chain(new_units)
            .map(|unit| &unit.program)
            .collect();
        let analysis = analysis::analyze(&programs);
        // Warnings about what was accepted earlier were shown then; report only the new ones.
        diagnostics.extend(analysis.diagnostics.into_iter().filter(|diagnostic| {
            diagnostic.is_error()
                || diagnostic
                    .primary_span()
                    .is_none_or(|span| new_sources.contains(&span.source))
        }));
        if has_errors(diagnostics) {
            return Err(());
        }
        let mut program = analysis.program;
        let plan_options = plan::PlanOptions {
            written_order: self.options.written_order,
        };
        let mut plan = plan::plan_program_with(&program, plan_options).map_err(|error| {
            diagnostics.push(Diagnostic::error_without_span(
                Code::E399,
                format!("internal error: {error}"),
            ));
        })?;
        self.cancel.store(false, Ordering::Relaxed);
        let options = self.eval_options();
        if self.options.check_only {
            return Ok(Outcome {
                model: Some(Model {
                    database: Database::new(Store::new(), program.predicates.len(), false),
                    program,
                    plan,
                }),
                answers: Vec::new(),
                strata_report: None,
            });
        }
        // The queries typed in this input, found by where they are written.
        let typed: Vec<SourceId> = new_units
            .iter()
            .filter(|unit| unit.origin == UnitOrigin::Input)
            .map(|unit| unit.source)
            .collect();
        let is_typed = |query: &ir::Query| typed.contains(&query.span.source);
        let only_queries = matches!(change, Change::Input(_))
            && n_clauses == 0
            && new_units.iter().all(|unit| {
                unit.program
                    .items
                    .iter()
                    .all(|item| !matches!(item, Item::Include(_)))
            });
        let mut fresh = None;
        let mut strata_report = None;
        let database = match &mut self.model {
            Some(model) if only_queries => &mut model.database,
            Some(model)
                if incremental_change(change).is_some()
                    && same_predicates(&model.program, &program) =>
            {
                // Only additions: bring the old model up to date instead of starting over.
                let is_new = |span: &Span| match incremental_change(change) {
                    Some(None) => new_sources.contains(&span.source),
                    Some(Some(added)) => added.contains(span),
                    None => false,
                };
                let new_facts: Vec<usize> = program
                    .facts
                    .iter()
                    .enumerate()
                    .filter(|(_, fact)| is_new(&fact.span))
                    .map(|(index, _)| index)
                    .collect();
                let new_rules: Vec<ir::RuleId> = program
                    .rules
                    .iter()
                    .enumerate()
                    .filter(|(_, rule)| is_new(&rule.span))
                    .map(|(index, _)| ir::RuleId(index as u32))
                    .collect();
                let addition = eval::Addition {
                    old: &model.database,
                    new_facts: &new_facts,
                    new_rules: &new_rules,
                };
                match eval::evaluate_incremental(&program, &plan, addition, options, &self.cancel) {
                    Ok((database, report)) => {
                        strata_report = Some(Some(report));
                        fresh.insert(database)
                    }
                    Err(error) => {
                        diagnostics.push(eval_diagnostic(&error, &program));
                        return Err(());
                    }
                }
            }
            _ => {
                let store = match (&self.model, change) {
                    (Some(model), Change::Input(_)) => model.database.store.clone(),
                    _ => Store::new(),
                };
                strata_report = Some(None);
                match eval::evaluate(&program, &plan, store, options, &self.cancel) {
                    Ok(database) => fresh.insert(database),
                    Err(error) => {
                        diagnostics.push(eval_diagnostic(&error, &program));
                        return Err(());
                    }
                }
            }
        };
        let mut answers = Vec::new();
        for (index, query) in program.queries.iter().enumerate() {
            if !is_typed(query) {
                continue;
            }
            let Some(query_plan) = plan.queries.get(index) else {
                continue;
            };
            match eval::answer_query(query, query_plan, index, database, options, &self.cancel) {
                Ok(answer) => answers.push(answer),
                Err(error) => {
                    diagnostics.push(eval_diagnostic(&error, &program));
                    return Err(());
                }
            }
        }
        let model = fresh.map(|database| {
            // The model keeps the queries of files only, like the units.
            (program.queries, plan.queries) = std::mem::take(&mut program.queries)
                .into_iter()
                .zip(std::mem::take(&mut plan.queries))
                .filter(|(query, _)| !is_typed(query))
                .unzip();
            Model {
                program,
                plan,
                database,
            }
        });
        Ok(Outcome {
            model,
            answers,
            strata_report,
        })
    }

    /// Answers every query of the loaded files, in file order.
    pub fn answers(&mut self) -> Result<Vec<Answer>, Rejected> {
        let options = self.eval_options();
        let Some(model) = self.model.as_mut() else {
            return Ok(Vec::new());
        };
        let mut answers = Vec::new();
        for (index, query) in model.program.queries.iter().enumerate() {
            let Some(query_plan) = model.plan.queries.get(index) else {
                continue;
            };
            match eval::answer_query(
                query,
                query_plan,
                index,
                &mut model.database,
                options,
                &self.cancel,
            ) {
                Ok(answer) => answers.push(answer),
                Err(error) => {
                    return Err(Rejected::one(eval_diagnostic(&error, &model.program)));
                }
            }
        }
        Ok(answers)
    }

    /// Every tuple of `predicate`, given or derived, as an answer whose
    /// columns are `columns` (one per argument) and whose query is
    /// `?- predicate(columns...).`; `None` before anything is loaded.
    pub fn relation(&self, predicate: ir::PredId, columns: Vec<String>) -> Option<Answer> {
        let model = self.model.as_ref()?;
        let name = &model.program.predicate(predicate).name;
        let query = if columns.is_empty() {
            format!("?- {name}.")
        } else {
            format!("?- {name}({}).", columns.join(", "))
        };
        Some(eval::relation_answer(
            &model.database,
            predicate,
            query,
            columns,
        ))
    }

    /// The most recent input that added clauses: what `undo` would remove.
    pub fn last_clause_input(&self) -> Option<usize> {
        self.units
            .iter()
            .rev()
            .find(|unit| {
                unit.program
                    .items
                    .iter()
                    .any(|item| matches!(item, Item::Clause(_)))
            })
            .map(|unit| unit.input)
    }

    /// The clauses typed in this session (not loaded from files), as source text.
    pub fn own_clauses(&self) -> Vec<String> {
        self.units
            .iter()
            .filter(|unit| unit.origin == UnitOrigin::Input)
            .flat_map(|unit| &unit.program.items)
            .filter_map(|item| match item {
                Item::Clause(clause) => Some(self.sources.snippet(clause.span).to_string()),
                _ => None,
            })
            .collect()
    }

    /// Verifies every citation of the loaded facts against the session's articles.
    pub fn check_citations(&self) -> Vec<Diagnostic> {
        match self.program() {
            Some(program) => analysis::citations::check_citations(program, &self.articles),
            None => Vec::new(),
        }
    }
}

/// What a successful check and evaluation produced, for `commit` to keep.
struct Outcome {
    /// The new model; `None` when only queries were answered against the old one.
    model: Option<Model>,
    /// The answers to the typed queries.
    answers: Vec<Answer>,
    /// The new value of `last_strata_report`, when evaluation ran.
    strata_report: Option<Option<StrataReport>>,
}

/// True when `new` keeps every predicate of `old` under the same id, so the
/// old model's relations can be reused by id.
fn same_predicates(old: &ir::Program, new: &ir::Program) -> bool {
    old.predicates.len() <= new.predicates.len()
        && old
            .predicates
            .iter()
            .zip(&new.predicates)
            .all(|(before, after)| before.name == after.name && before.arity == after.arity)
}

/// How a change can update the model incrementally: `Some(None)` when the
/// clauses of the new sources are the additions, `Some(Some(spans))` when
/// those spans are, `None` when the model must be evaluated again.
fn incremental_change(change: &Change) -> Option<Option<&[Span]>> {
    match change {
        Change::Input(_) => Some(None),
        Change::Replace {
            added: Some(added), ..
        } => Some(Some(added)),
        Change::Replace { added: None, .. } => None,
    }
}

/// Turns an evaluation error into a diagnostic pointing at the rule or query involved.
fn eval_diagnostic(error: &EvalError, program: &ir::Program) -> Diagnostic {
    // The literal being evaluated when it is known (the head otherwise: the whole clause).
    let span: Option<Span> = error.origin().and_then(|origin| {
        let (clause_span, body) = match origin {
            Origin::Rule(rule) => program
                .rules
                .get(rule.0 as usize)
                .map(|rule| (rule.span, &rule.body))?,
            Origin::Query(index) => program
                .queries
                .get(index)
                .map(|query| (query.span, &query.body))?,
        };
        Some(
            error
                .literal()
                .and_then(|literal| body.get(literal))
                .map_or(clause_span, |literal| literal.span()),
        )
    });
    let code = match error {
        EvalError::Value { .. } => Code::E301,
        EvalError::TupleLimitExceeded { .. } => Code::E302,
        EvalError::RoundLimitExceeded { .. } => Code::E303,
        EvalError::Interrupted => Code::E304,
        EvalError::ValuesExhausted => Code::E305,
        EvalError::Internal(_) => Code::E399,
    };
    let mut diagnostic = match span {
        Some(span) => Diagnostic::error(code, error.to_string(), span)
            .with_label_message("while evaluating this"),
        None => Diagnostic::error_without_span(code, error.to_string()),
    };
    if matches!(
        error,
        EvalError::TupleLimitExceeded { .. } | EvalError::RoundLimitExceeded { .. }
    ) {
        diagnostic = diagnostic.with_note(
            "the limits are --max-tuples and --max-rounds; a rule like `n(X) :- n(Y), X = Y + 1.` never reaches a fixpoint",
        );
    }
    diagnostic
}
