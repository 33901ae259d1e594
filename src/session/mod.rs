//! The session: everything loaded so far, checked and evaluated.
//!
//! The only module that runs the pipeline: every change goes through
//! `Session::commit` → articles → analyze (citations verified) → plan →
//! evaluate → answer → export, and is kept only when all of it succeeded.
//! `load` turns files, includes and typed text into parsed units, reading
//! their `#articles` folders and `#import` files on the way; `collections`
//! owns the articles and their metadata facts; `data` owns imports and
//! exports; `explain` turns typed facts into goals for `provenance` and
//! records rounds when explanations first need them. The CLI and the REPL
//! (and later the web view) share it; it renders nothing.
//!
//! **Architecture Invariant:** a rejected input (syntax error, failed check,
//! evaluation error, Ctrl-C) leaves the session's clauses, model, input
//! counter and reports exactly as they were. Only the source map grows, so
//! that the rejection's diagnostics can be rendered; source names
//! (`<repl:N>`) are never reused.

mod collections;
mod data;
mod edit;
mod engine;
mod explain;
mod extend;
mod load;

pub use collections::{Collection, METADATA_SOURCE};
pub use data::Exported;
pub use edit::{Reloaded, ReloadedFile, Retracted, Undone};
pub use engine::{DataflowSettings, Engine};
pub use load::ProgramSource;

use crate::analysis::{self, ir};
use crate::articles::Articles;
use crate::dataflow;
use crate::diagnostic::{Code, Diagnostic, has_errors};
use crate::eval::{
    self, Database, EvalError, EvalOptions, Limits, Origin, Store, StrataReport, ValueError,
};
use crate::limits::Watch;
use crate::plan::{self, ProgramPlan};
use crate::span::{SourceId, SourceMap, Span};
use crate::syntax::ast::{self, Item};
use crate::value::{Answer, AnswerChange};
use std::path::{Path, PathBuf};
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
    /// The article folders its `#articles` directives name, read when it was loaded.
    pub collections: Vec<Arc<Collection>>,
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
    /// Keep runs of plain facts of loaded files in compact fact tables
    /// rather than a syntax tree per fact (for sessions that never retract
    /// or reload a clause: `run`, `check`, `schema`).
    pub compact_facts: bool,
    /// Let go of what a loaded file of nothing but plain facts takes once
    /// it is checked and no diagnostic points into it: its text and syntax
    /// then, and its fact tables once the engine holds their rows (for
    /// `run` without `--explain` or `--trace`, which never shows a fact's
    /// place again, nor edits the session). A large file's text and table
    /// would otherwise be held while the engine runs, beside its rows. Such
    /// a session keeps no summary for checking later inputs incrementally:
    /// a later input is analysed with the whole session.
    pub release_fact_files: bool,
    /// The folder relative `#export` paths are written under (`run --output-dir`);
    /// the current folder when `None`.
    pub output_dir: Option<PathBuf>,
    /// Evaluate only what the loaded queries need (`wirelog run`): see
    /// [`EvalOptions::demand`].
    pub demand: bool,
    /// Join atoms in the order written (`wirelog run --written-order`): see
    /// [`plan::PlanOptions::written_order`].
    pub written_order: bool,
    /// The engine full evaluations go to (`--engine`, `--workers`, `--hostfile`).
    pub engine: Engine,
    /// Typed text may not read or write files (the web view): an `#include`
    /// of a path, `#import`, `#export` and `#articles` of a folder not
    /// bundled with the lessons in typed text are refused with `E440`;
    /// `<news>` and the bundled folders (read from the binary) are allowed. Files given at
    /// start-up (`load_program`, `load_files`, `add_articles_folder`) are
    /// read as usual.
    pub sandboxed: bool,
    /// The flag that interrupts this session's evaluations, shared with
    /// another's: a session made for a moment on behalf of another (the
    /// course's check of an answer) obeys the same Ctrl-C or time limit.
    /// A flag of its own when `None`.
    pub cancel: Option<Arc<AtomicBool>>,
    /// Analyse every input together with everything loaded before, never
    /// incrementally (see `analysis::analyze_extension`): for the tests
    /// that compare the two ways, and for measuring.
    pub full_analysis: bool,
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
    /// Number of rows its `#import`s read (repeated rows counted); on one
    /// process of a cluster, the rows of its share (see
    /// [`Session::import_share`]).
    pub n_imported_rows: usize,
    /// The relations its `#export`s wrote.
    pub exported: Vec<Exported>,
}

/// The evaluated state.
struct Model {
    program: ir::Program,
    plan: ProgramPlan,
    database: Database,
    /// What the incremental analysis of the next input needs; `None`
    /// when it may not run against this model.
    summary: Option<analysis::Summary>,
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
    /// The bundled articles and those of the `--articles` folders.
    base_articles: Articles,
    /// The `--articles` folders.
    base_collections: Vec<Collection>,
    /// Every article citations may name: the base ones and those of the
    /// `#articles` folders of the loaded inputs.
    articles: Articles,
    /// The folders `articles` was made of, to notice when it changes.
    article_key: Vec<PathBuf>,
    /// The generated source `<articles>`: the articles' metadata facts.
    metadata: Option<ast::Program>,
    /// Counts the accepted changes of the session's clauses; what a front
    /// end compares to know whether something changed (unsaved work, a
    /// completion list to rebuild).
    generation: u64,
    /// Inputs up to this number were loaded at start-up; `:undo` stops there.
    start_up_inputs: usize,
    /// What `:undo` takes back, the latest last.
    changes: Vec<edit::ChangeRecord>,
    /// The dataflow engine's live model of `model`, when the engine keeps one.
    live: Option<engine::Live>,
    /// What the last accepted input changed in the loaded queries' answers
    /// (a live model's updates only).
    answer_changes: Vec<AnswerChange>,
    /// Inputs analysed whole (with everything loaded before), accepted or
    /// not; the others were checked incrementally.
    n_full_analyses: usize,
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
        let cancel = options.cancel.clone().unwrap_or_default();
        Session {
            sources: SourceMap::new(),
            units: Vec::new(),
            n_inputs: 0,
            options,
            model: None,
            cancel,
            repl_counter: 0,
            last_strata_report: None,
            base_articles: Articles::bundled(),
            base_collections: Vec::new(),
            articles: Articles::bundled(),
            article_key: Vec::new(),
            metadata: None,
            generation: 0,
            start_up_inputs: 0,
            changes: Vec::new(),
            live: None,
            answer_changes: Vec::new(),
            n_full_analyses: 0,
        }
    }

    /// How many inputs so far were analysed together with everything loaded
    /// before them, rather than incrementally against the checked program:
    /// what a test observes to know which way an input went.
    pub fn n_full_analyses(&self) -> usize {
        self.n_full_analyses
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

    /// Number of facts the loaded texts and imports state: fact clauses and
    /// fact-table rows, not the metadata facts generated for the articles.
    pub fn n_stated_facts(&self) -> usize {
        let Some(program) = self.program() else {
            return 0;
        };
        let rows: usize = program
            .fact_rows
            .iter()
            .filter(|rows| self.sources.name(rows.span.source) != METADATA_SOURCE)
            .map(|rows| rows.rows.len())
            .sum();
        program.facts.len() + rows
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

    /// True when typed text may not read or write files
    /// ([`SessionOptions::sandboxed`], the web view).
    pub fn is_sandboxed(&self) -> bool {
        self.options.sandboxed
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

    /// Starts an input: a Ctrl-C pressed before it (between inputs) is forgotten.
    fn begin_input(&mut self) {
        self.cancel.store(false, Ordering::Relaxed);
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
        let items = || new_units.iter().flat_map(|unit| &unit.program.items);
        let n_clauses: usize = items()
            .map(|item| match item {
                Item::Clause(_) | Item::Constraint(_) => 1,
                Item::Facts(run) if run.table.file().is_none() => run.rows.len(),
                _ => 0,
            })
            .sum();
        let n_imported_rows: usize = items()
            .map(|item| match item {
                Item::Facts(run) if run.table.file().is_some() => run.rows.len(),
                _ => 0,
            })
            .sum();
        let n_queries = items()
            .filter(|item| matches!(item, Item::Query(_)))
            .count();
        // The sources whose warnings are news: the input's; for a
        // replacement, the texts read again (files reloaded).
        let new_sources: Vec<SourceId> = match &change {
            Change::Input(_) => new_units.iter().map(|unit| unit.source).collect(),
            Change::Replace { fresh_sources, .. } => fresh_sources.clone(),
        };
        let Ok(outcome) = self.check_and_evaluate(
            &mut new_units,
            &new_sources,
            &mut diagnostics,
            &change,
            n_clauses + n_imported_rows,
        ) else {
            self.roll_back_live();
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
        if let Some(mut model) = outcome.model {
            model.summary = match outcome.summary {
                SummaryUpdate::Fresh(summary) => summary,
                SummaryUpdate::Extend(delta) => {
                    let kept: Vec<&ast::Program> =
                        new_units.iter().map(|unit| &unit.program).collect();
                    let mut summary = self.model.take().and_then(|old| old.summary);
                    if let Some(summary) = &mut summary {
                        summary.extend(delta, &kept);
                    }
                    summary
                }
            };
            self.model = Some(model);
        }
        self.units.extend(new_units);
        if let Some(started) = outcome.live {
            self.live = Some(engine::Live {
                model: started,
                undo: None,
            });
        } else if let Some(live) = &mut self.live {
            live.undo = None;
        }
        self.answer_changes = outcome.answer_changes;
        if let Some(state) = outcome.articles {
            self.articles = state.articles;
            self.metadata = Some(state.metadata);
            self.article_key = state.key;
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
            n_imported_rows,
            exported: outcome.exported,
        })
    }

    /// The pipeline: analyze, plan, evaluate (unless only queries were added),
    /// answer the typed queries. Changes nothing in the session: what it
    /// produced is returned, for `commit` to keep.
    fn check_and_evaluate(
        &mut self,
        new_units: &mut [Unit],
        new_sources: &[SourceId],
        diagnostics: &mut Vec<Diagnostic>,
        change: &Change,
        n_clauses: usize,
    ) -> Result<Outcome, ()> {
        // The articles citations may name: the bundled and `--articles` ones,
        // and those of the `#articles` folders of every input kept.
        let key = collections::collection_key(
            &self.base_collections,
            self.units.iter().chain(new_units.iter()),
        );
        let articles_changed = self.metadata.is_none() || key != self.article_key;
        let fresh_articles = if articles_changed {
            let (articles, conflicts) = collections::collect_articles(
                &self.base_articles,
                self.units.iter().chain(new_units.iter()),
            );
            if !conflicts.is_empty() {
                diagnostics.extend(conflicts);
                return Err(());
            }
            let text = collections::metadata_text(&articles);
            let source = self.sources.add(METADATA_SOURCE, text.as_str());
            let metadata = collections::metadata_program(source, &text);
            Some(ArticleState {
                articles,
                metadata,
                key,
            })
        } else {
            None
        };
        let (articles, metadata) = match (&fresh_articles, &self.metadata) {
            (Some(state), _) => (&state.articles, &state.metadata),
            (None, Some(metadata)) => (&self.articles, metadata),
            (None, None) => return Err(()),
        };
        let plan_options = plan::PlanOptions {
            written_order: self.options.written_order,
        };
        // Analysis runs even after syntax errors, on the items that parsed, so one
        // pass reports every problem; nothing is evaluated then.
        let mut new_sources: Vec<SourceId> = new_sources.to_vec();
        // Citations are verified when their text arrives, and all of them
        // again when the articles change.
        let context = analysis::Context {
            articles: Some(articles),
            verify_sources: (!articles_changed).then_some(new_sources.as_slice()),
        };
        // 1. An input of facts and queries typed after an accepted program
        //    is checked against that program alone, when that gives what
        //    the whole analysis would (`analysis::incremental`).
        let may_extend = !articles_changed
            && !self.options.full_analysis
            && !self.options.check_only
            && !self.options.demand
            && matches!(change, Change::Input(_))
            && new_units
                .iter()
                .all(|unit| unit.origin == UnitOrigin::Input);
        let extension = match &mut self.model {
            Some(Model {
                program: base,
                summary: Some(summary),
                ..
            }) if may_extend => {
                let kept: Vec<&ast::Program> = std::iter::once(metadata)
                    .chain(self.units.iter().map(|unit| &unit.program))
                    .collect();
                summary.ensure_constants(&kept);
                let input: Vec<&ast::Program> =
                    new_units.iter().map(|unit| &unit.program).collect();
                analysis::analyze_extension(base, summary, &input, &context)
            }
            _ => None,
        };
        let (mut program, mut plan, mut summary) = match extension {
            Some(analysis::Extension::Queries {
                queries,
                diagnostics: warnings,
            }) => {
                diagnostics.extend(warnings);
                if has_errors(diagnostics) {
                    return Err(());
                }
                return self.answer_typed_queries(queries, diagnostics, plan_options);
            }
            Some(analysis::Extension::Program {
                program,
                diagnostics: warnings,
                delta,
            }) => {
                diagnostics.extend(warnings);
                if has_errors(diagnostics) {
                    return Err(());
                }
                let Some(model) = &self.model else {
                    return Err(());
                };
                let plan =
                    Session::extend_plan(&model.program, &model.plan, &program, plan_options)
                        .map_err(|error| {
                            diagnostics.push(Diagnostic::error_without_span(
                                Code::E399,
                                format!("internal error: {error}"),
                            ));
                        })?;
                (program, plan, SummaryUpdate::Extend(delta))
            }
            None => {
                // 2. Otherwise everything is analysed together.
                self.n_full_analyses += 1;
                let programs: Vec<&ast::Program> = std::iter::once(metadata)
                    .chain(
                        self.units
                            .iter()
                            .chain(new_units.iter())
                            .map(|unit| &unit.program),
                    )
                    .collect();
                let mut watch = Watch::new(&self.cancel, self.options.limits.max_memory);
                let analysis = match analysis::analyze_watched(&programs, &context, &mut watch) {
                    Ok(analysis) => analysis,
                    Err(halt) => {
                        diagnostics.push(load::halt_diagnostic(halt, "checking"));
                        return Err(());
                    }
                };
                if let Some(state) = &fresh_articles
                    && let Some(Item::Doc(block)) = state.metadata.items.first()
                {
                    new_sources.push(block.span.source);
                }
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
                let summary = Session::kept_summary(analysis.summary, &analysis.program, new_units);
                let plan =
                    plan::plan_program_with(&analysis.program, plan_options).map_err(|error| {
                        diagnostics.push(Diagnostic::error_without_span(
                            Code::E399,
                            format!("internal error: {error}"),
                        ));
                    })?;
                (analysis.program, plan, SummaryUpdate::Fresh(summary))
            }
        };
        if self.options.release_fact_files {
            self.release_fact_files(new_units, diagnostics);
            // A run takes no later input to check against the summary, and
            // its constants would hold the fact tables the engine is to
            // have alone.
            summary = SummaryUpdate::Fresh(None);
        }
        let mut options = self.eval_options();
        // A relation written by `#export` is written whole: no stratum is
        // left for demand to compute in part.
        let has_exports = self
            .units
            .iter()
            .chain(new_units.iter())
            .flat_map(|unit| &unit.program.items)
            .any(|item| matches!(item, Item::Export(_)));
        options.demand &= !has_exports;
        if self.options.check_only {
            // `check` evaluates only to test the integrity constraints.
            if !program.constraints.is_empty() {
                match eval::evaluate(&program, &plan, Store::new(), options, &self.cancel) {
                    Ok(database) => {
                        diagnostics.extend(constraint_violations(&program, &database));
                    }
                    Err(error) => diagnostics.push(eval_diagnostic(&error, &program)),
                }
                if has_errors(diagnostics) {
                    return Err(());
                }
            }
            return Ok(Outcome {
                model: Some(Model {
                    database: Database::new(Store::new(), program.predicates.len(), false),
                    program,
                    plan,
                    summary: None,
                }),
                summary,
                answers: Vec::new(),
                strata_report: None,
                live: None,
                answer_changes: Vec::new(),
                articles: fresh_articles,
                exported: Vec::new(),
            });
        }
        // The queries typed in this input, found by where they are written.
        let typed: Vec<SourceId> = new_units
            .iter()
            .filter(|unit| unit.origin == UnitOrigin::Input)
            .map(|unit| unit.source)
            .collect();
        let is_typed = |query: &ir::Query| typed.contains(&query.span.source);
        // A query reading a citation relation no earlier input read makes a
        // relation the model lacks: the model must be brought up to date.
        let new_citation_relations = |old: &ir::Program| {
            program.predicates[old.predicates.len().min(program.predicates.len())..]
                .iter()
                .any(|predicate| predicate.citations_of.is_some())
        };
        let only_queries = matches!(change, Change::Input(_))
            && n_clauses == 0
            && !articles_changed
            && new_units.iter().all(|unit| {
                unit.program.items.iter().all(|item| {
                    !matches!(
                        item,
                        Item::Include(_) | Item::Facts(_) | Item::Articles(_) | Item::Import(_)
                    )
                })
            });
        let mut fresh = None;
        let mut strata_report = None;
        let mut started_live = None;
        let mut answer_changes = Vec::new();
        let on_dataflow = matches!(self.options.engine, Engine::Dataflow(_))
            && !(only_queries && self.model.is_some());
        let database = match &mut self.model {
            _ if on_dataflow => {
                let store = match (&self.model, change) {
                    (Some(model), Change::Input(_)) => model.database.store.clone(),
                    _ => Store::new(),
                };
                strata_report = Some(None);
                match self.evaluate_on_dataflow(&program, &plan, &is_typed, store) {
                    Ok(outcome) => {
                        started_live = outcome.started;
                        answer_changes = outcome.changes;
                        fresh.insert(outcome.database)
                    }
                    Err(error) => {
                        diagnostics.push(eval_diagnostic(&error, &program));
                        return Err(());
                    }
                }
            }
            // The model answers the queries as it is when it holds every
            // relation they read: the same predicates at the same places
            // (a citation relation an earlier query made may hold the place
            // another takes now that that query is gone), and no new
            // citation relation.
            Some(model)
                if only_queries
                    && same_predicates(&model.program, &program)
                    && !new_citation_relations(&model.program) =>
            {
                &mut model.database
            }
            Some(model)
                if incremental_change(change).is_some()
                    && !articles_changed
                    && same_predicates(&model.program, &program) =>
            {
                // Only additions: bring the old model up to date instead of
                // starting over. Facts of a predicate the old model did not
                // have (a citation relation just read) are new too.
                let n_old = model.program.predicates.len() as u32;
                let is_new = |span: &Span, predicate: ir::PredId| {
                    predicate.0 >= n_old
                        || match incremental_change(change) {
                            Some(None) => new_sources.contains(&span.source),
                            Some(Some(added)) => added.contains(span),
                            None => false,
                        }
                };
                let new_facts: Vec<usize> = program
                    .facts
                    .iter()
                    .enumerate()
                    .filter(|(_, fact)| is_new(&fact.span, fact.predicate))
                    .map(|(index, _)| index)
                    .collect();
                let new_fact_rows: Vec<usize> = program
                    .fact_rows
                    .iter()
                    .enumerate()
                    .filter(|(_, rows)| is_new(&rows.span, rows.predicate))
                    .map(|(index, _)| index)
                    .collect();
                let new_rules: Vec<ir::RuleId> = program
                    .rules
                    .iter()
                    .enumerate()
                    .filter(|(_, rule)| is_new(&rule.span, rule.head.predicate))
                    .map(|(index, _)| ir::RuleId(index as u32))
                    .collect();
                let addition = eval::Addition {
                    old: &model.database,
                    new_facts: &new_facts,
                    new_fact_rows: &new_fact_rows,
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
                let evaluated = if self.options.release_fact_files {
                    let mut database =
                        Database::for_program(store, &program, options.record_rounds);
                    let fact_rows = std::mem::take(&mut program.fact_rows);
                    eval::load_fact_rows(&fact_rows, &mut database);
                    drop(fact_rows);
                    eval::evaluate_loaded(&program, &plan, database, options, &self.cancel)
                } else {
                    eval::evaluate(&program, &plan, store, options, &self.cancel)
                };
                match evaluated {
                    Ok(database) => fresh.insert(database),
                    Err(error) => {
                        diagnostics.push(eval_diagnostic(&error, &program));
                        return Err(());
                    }
                }
            }
        };
        let violations = constraint_violations(&program, database);
        if !violations.is_empty() {
            diagnostics.extend(violations);
            return Err(());
        }
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
        // Exports are written once everything else succeeded, all or none;
        // in a cluster by process 0 alone, which holds the model (another
        // process's empty one would overwrite them).
        let written = if self.options.engine.prints_answers() {
            data::write_exports(
                self.options.output_dir.as_deref(),
                &program,
                database,
                new_units,
            )
        } else {
            Ok(Vec::new())
        };
        let exported = match written {
            Ok(exported) => exported,
            Err(problems) => {
                diagnostics.extend(problems);
                return Err(());
            }
        };
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
                summary: None,
            }
        });
        Ok(Outcome {
            model,
            summary,
            answers,
            strata_report,
            live: started_live,
            answer_changes,
            articles: fresh_articles,
            exported,
        })
    }

    /// Lets go of the texts and syntax of the new files that hold nothing
    /// but plain facts (every row in a fact table) and that no diagnostic
    /// points into; see [`SessionOptions::release_fact_files`].
    fn release_fact_files(&mut self, new_units: &mut [Unit], diagnostics: &[Diagnostic]) {
        for unit in new_units {
            let only_facts = matches!(unit.origin, UnitOrigin::File(_))
                && !unit.program.items.is_empty()
                && unit
                    .program
                    .items
                    .iter()
                    .all(|item| matches!(item, Item::Facts(run) if run.table.file().is_none()));
            let shown = diagnostics
                .iter()
                .flat_map(|diagnostic| &diagnostic.labels)
                .any(|label| label.span.source == unit.source);
            if only_facts && !shown {
                self.sources.release(unit.source);
                // The checked program holds the tables now; the evaluation
                // hands them to the engine and drops them.
                unit.program.items.clear();
            }
        }
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
                unit.program.items.iter().any(|item| {
                    matches!(
                        item,
                        Item::Clause(_)
                            | Item::Constraint(_)
                            | Item::Facts(_)
                            | Item::Articles(_)
                            | Item::Export(_)
                    )
                })
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

    /// Verifies every citation of the loaded facts against the session's
    /// articles (every load verifies those it adds; this checks all again).
    pub fn check_citations(&self) -> Vec<Diagnostic> {
        match self.program() {
            Some(program) => analysis::citations::check_citations(program, &self.articles),
            None => Vec::new(),
        }
    }

    /// The folder `#export` paths are written under, if one was set.
    pub fn output_dir(&self) -> Option<&Path> {
        self.options.output_dir.as_deref()
    }
}

/// What a successful check and evaluation produced, for `commit` to keep.
struct Outcome {
    /// The new model; `None` when only queries were answered against the old one.
    model: Option<Model>,
    /// The summary the new model's incremental analyses start from.
    summary: SummaryUpdate,
    /// The answers to the typed queries.
    answers: Vec<Answer>,
    /// The new value of `last_strata_report`, when evaluation ran.
    strata_report: Option<Option<StrataReport>>,
    /// A live dataflow model started for the new model.
    live: Option<dataflow::LiveModel>,
    /// What the input changed in the loaded queries' answers, when a live
    /// model was updated.
    answer_changes: Vec<AnswerChange>,
    /// The new articles, when they changed.
    articles: Option<ArticleState>,
    /// What the input's `#export`s wrote.
    exported: Vec<Exported>,
}

/// Where a new model's `Summary` comes from.
enum SummaryUpdate {
    /// A whole analysis made it (`None`: none may be used).
    Fresh(Option<analysis::Summary>),
    /// The old model's, with what an incremental analysis added.
    Extend(analysis::SummaryDelta),
}

/// The articles of a session state and their metadata source.
struct ArticleState {
    articles: Articles,
    metadata: ast::Program,
    key: Vec<PathBuf>,
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

/// The most violations of one constraint reported one by one.
const VIOLATIONS_SHOWN: usize = 20;

/// E310 for each violation of each integrity constraint in `database`,
/// with the bindings of the constraint's named variables.
fn constraint_violations(program: &ir::Program, database: &Database) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    for constraint in &program.constraints {
        let answer = eval::relation_answer(
            database,
            constraint.predicate,
            constraint.text.clone(),
            constraint.columns.clone(),
        );
        let n_rows = answer.rows.len();
        for (index, row) in answer.rows.iter().take(VIOLATIONS_SHOWN).enumerate() {
            let bindings: Vec<String> = constraint
                .columns
                .iter()
                .zip(row)
                .map(|(column, value)| format!("{column} = {value}"))
                .collect();
            let label = if bindings.is_empty() {
                "its body holds".to_string()
            } else {
                format!("violated with {}", bindings.join(", "))
            };
            let mut diagnostic = Diagnostic::error(
                Code::E310,
                format!("integrity constraint violated: {}", constraint.text),
                constraint.span,
            )
            .with_label_message(label);
            if n_rows > VIOLATIONS_SHOWN && index == VIOLATIONS_SHOWN - 1 {
                diagnostic = diagnostic.with_note(format!(
                    "{} more violations of this constraint are not shown",
                    n_rows - VIOLATIONS_SHOWN
                ));
            }
            diagnostics.push(diagnostic);
        }
    }
    diagnostics
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
        EvalError::Value {
            error: crate::eval::ValueError::BadPattern { .. },
            ..
        } => Code::E311,
        EvalError::Value {
            error: ValueError::TextTooLong { .. },
            ..
        } => Code::E306,
        EvalError::Value {
            error: ValueError::AggregateMixedKinds { .. },
            ..
        } => Code::E307,
        EvalError::Value { .. } => Code::E301,
        EvalError::TupleLimitExceeded { .. } => Code::E302,
        EvalError::RoundLimitExceeded { .. } => Code::E303,
        EvalError::Interrupted => Code::E304,
        EvalError::ValuesExhausted => Code::E305,
        EvalError::MemoryExceeded { .. } => Code::E308,
        EvalError::Internal(_) => Code::E399,
    };
    let mut diagnostic = match span {
        Some(span) => Diagnostic::error(code, error.to_string(), span)
            .with_label_message("while evaluating this"),
        None => Diagnostic::error_without_span(code, error.to_string()),
    };
    let in_lattice_recursion = match error.origin() {
        Some(Origin::Rule(rule)) => program
            .rules
            .get(rule.0 as usize)
            .is_some_and(|rule| program.predicate(rule.head.predicate).lattice.is_some()),
        _ => false,
    };
    match error {
        EvalError::RoundLimitExceeded { .. } if in_lattice_recursion => {
            diagnostic = diagnostic.with_note(
                "a recursion through `min`/`max` heads that still improves a value after this many rounds (by default 1,000, or twice the tuples if more) is going round a cycle that improves it every time, such as a negative cycle under `min`: it has no fixpoint; `--max-rounds` raises the limit",
            );
        }
        EvalError::TupleLimitExceeded { .. } | EvalError::RoundLimitExceeded { .. } => {
            diagnostic = diagnostic.with_note(
                "the limits are --max-tuples and --max-rounds; a rule like `n(X) :- n(Y), X = Y + 1.` never reaches a fixpoint",
            );
        }
        EvalError::MemoryExceeded { .. } => {
            diagnostic = diagnostic.with_note(
                "a query or rule probably builds a very large cross product; `--max-memory` raises the limit",
            );
        }
        EvalError::Value {
            error: ValueError::AggregateMixedKinds { .. },
            ..
        } => {
            diagnostic = diagnostic.with_note(
                "help: keep one kind of value in what `min` or `max` ranges over, e.g. with a typed `%%` signature or a filter",
            );
        }
        _ => {}
    }
    diagnostic
}
