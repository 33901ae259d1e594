//! The session: everything loaded so far, checked and evaluated.
//!
//! The one place where the pipeline runs end to end:
//! `Session::commit` → parse → analyze → plan → evaluate. The CLI and the
//! REPL share it. Architecture invariant: a rejected input (syntax error,
//! failed check, evaluation error, Ctrl-C) leaves the session exactly as it
//! was before that input.

use crate::analysis::{self, ir};
use crate::diagnostic::{Diagnostic, has_errors};
use crate::eval::{self, Database, EvalError, EvalOptions, Limits, Origin, Store};
use crate::plan::{self, ProgramPlan};
use crate::syntax::ast::{self, IncludeTarget, Item};
use crate::syntax::parse_program;
use crate::syntax::span::{SourceId, SourceMap, Span};
use crate::value::Answer;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

include!(concat!(env!("OUT_DIR"), "/bundled.rs"));

/// The name under which bundled knowledge-base files are reported, e.g. `<news>/talks.dl`.
const NEWS_PREFIX: &str = "<news>/";

/// Where a loaded text came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UnitOrigin {
    /// A file on disk (canonical path).
    File(PathBuf),
    /// A file of the bundled knowledge base.
    Bundled(String),
    /// Text typed at the REPL or given by a library user.
    Input,
}

/// One parsed text in the session.
#[derive(Clone, Debug)]
pub struct Unit {
    /// Its source.
    pub source: SourceId,
    /// Its items.
    pub program: ast::Program,
    /// Where it came from.
    pub origin: UnitOrigin,
    /// The input (REPL line, `:load`, command-line file) it arrived with; `:undo` removes one input.
    pub input: usize,
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
}

/// A rejected input: the diagnostics that explain why.
#[derive(Clone, Debug)]
pub struct Rejected {
    /// Errors (and any warnings found on the way).
    pub diagnostics: Vec<Diagnostic>,
}

/// What an accepted input produced.
#[derive(Clone, Debug, Default)]
pub struct Accepted {
    /// Warnings about the input.
    pub warnings: Vec<Diagnostic>,
    /// Answers to the queries it contained (REPL input); empty for files.
    pub answers: Vec<Answer>,
    /// Number of clauses it added.
    pub n_clauses: usize,
}

/// The evaluated state.
pub(crate) struct Model {
    pub(crate) program: ir::Program,
    pub(crate) plan: ProgramPlan,
    pub(crate) database: Database,
}

/// A wirelog session.
pub struct Session {
    pub(crate) sources: SourceMap,
    pub(crate) units: Vec<Unit>,
    pub(crate) n_inputs: usize,
    pub(crate) options: SessionOptions,
    pub(crate) model: Option<Model>,
    pub(crate) cancel: Arc<AtomicBool>,
    pub(crate) repl_counter: usize,
    /// How the last evaluation reused the previous model, when it could.
    pub(crate) last_strata_report: Option<eval::StrataReport>,
}

impl Default for Session {
    fn default() -> Session {
        Session::new(SessionOptions::default())
    }
}

impl Session {
    /// An empty session.
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
        }
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

    /// The checked program, once something was loaded.
    pub fn program(&self) -> Option<&ir::Program> {
        self.model.as_ref().map(|model| &model.program)
    }

    /// The plan of the checked program.
    pub fn plan(&self) -> Option<&ProgramPlan> {
        self.model.as_ref().map(|model| &model.plan)
    }

    /// The evaluated relations.
    pub fn database(&self) -> Option<&Database> {
        self.model.as_ref().map(|model| &model.database)
    }

    /// Mutable access to the relations (explanations evaluate conjunctions against them).
    pub fn database_mut(&mut self) -> Option<&mut Database> {
        self.model.as_mut().map(|model| &mut model.database)
    }

    /// How the last input's evaluation went: `None` when the model was
    /// evaluated from scratch, otherwise how many strata were reused, updated
    /// incrementally or recomputed.
    pub fn last_strata_report(&self) -> Option<eval::StrataReport> {
        self.last_strata_report
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

    /// Loads files as one input, evaluating once at the end; all or nothing.
    pub fn load_files(&mut self, paths: &[PathBuf]) -> Result<Accepted, Rejected> {
        let input = self.next_input();
        let mut pending = Pending::new(self);
        for path in paths {
            pending.load_path(path, None, input);
        }
        let (units, diagnostics) = pending.finish();
        self.commit(units, diagnostics, Vec::new())
    }

    /// Loads the bundled news knowledge base as one input.
    pub fn load_news(&mut self) -> Result<Accepted, Rejected> {
        let input = self.next_input();
        let mut pending = Pending::new(self);
        pending.load_bundled("news.dl", None, input);
        let (units, diagnostics) = pending.finish();
        self.commit(units, diagnostics, Vec::new())
    }

    /// Adds a text (a REPL line, or a library user's program) as one input.
    /// Its clauses join the session; its queries are answered at once and not kept.
    pub fn load_text(&mut self, text: &str) -> Result<Accepted, Rejected> {
        self.repl_counter += 1;
        let name = format!("<repl:{}>", self.repl_counter);
        self.load_named_text(&name, text)
    }

    /// Like `load_text`, with the name diagnostics use for the text.
    pub fn load_named_text(&mut self, name: &str, text: &str) -> Result<Accepted, Rejected> {
        let input = self.next_input();
        let mut pending = Pending::new(self);
        pending.load_text(name, text, UnitOrigin::Input, None, input);
        let (mut units, diagnostics) = pending.finish();
        // Queries typed now are answered now: split them off the clauses.
        let mut queries = Vec::new();
        for unit in &mut units {
            if unit.origin == UnitOrigin::Input {
                let (asked, kept): (Vec<Item>, Vec<Item>) = std::mem::take(&mut unit.program.items)
                    .into_iter()
                    .partition(|item| matches!(item, Item::Query(_)));
                unit.program.items = kept;
                queries.extend(asked.into_iter().filter_map(|item| match item {
                    Item::Query(query) => Some(query),
                    _ => None,
                }));
            }
        }
        self.commit(units, diagnostics, queries)
    }

    fn next_input(&mut self) -> usize {
        self.n_inputs += 1;
        self.n_inputs
    }

    /// Checks and evaluates the session plus `new_units`, then answers
    /// `queries`; on any error nothing changes.
    fn commit(
        &mut self,
        new_units: Vec<Unit>,
        mut diagnostics: Vec<Diagnostic>,
        queries: Vec<ast::Query>,
    ) -> Result<Accepted, Rejected> {
        let n_clauses = new_units
            .iter()
            .flat_map(|unit| &unit.program.items)
            .filter(|item| matches!(item, Item::Clause(_)))
            .count();
        let result = self.check_and_evaluate(&new_units, &mut diagnostics, &queries, n_clauses);
        match result {
            Ok(answers) => {
                self.units.extend(new_units);
                Ok(Accepted {
                    warnings: diagnostics,
                    answers,
                    n_clauses,
                })
            }
            Err(()) => {
                self.n_inputs -= 1;
                Err(Rejected { diagnostics })
            }
        }
    }

    /// The pipeline: analyze, plan, evaluate (unless only queries were added), answer.
    /// Replaces the model only when everything succeeded.
    fn check_and_evaluate(
        &mut self,
        new_units: &[Unit],
        diagnostics: &mut Vec<Diagnostic>,
        queries: &[ast::Query],
        n_clauses: usize,
    ) -> Result<Vec<Answer>, ()> {
        // Analysis runs even after syntax errors, on the items that parsed, so one
        // pass reports every problem; nothing is evaluated then.
        let mut programs: Vec<&ast::Program> =
            self.units.iter().map(|unit| &unit.program).collect();
        programs.extend(new_units.iter().map(|unit| &unit.program));
        let query_program = ast::Program {
            items: queries.iter().cloned().map(Item::Query).collect(),
        };
        programs.push(&query_program);
        let analysis = analysis::analyze(&programs);
        // Warnings about what was accepted earlier were shown then; report only the new ones.
        let new_sources: Vec<SourceId> = new_units.iter().map(|unit| unit.source).collect();
        let first_new_query = queries.first().map(|query| query.span.source);
        diagnostics.extend(analysis.diagnostics.into_iter().filter(|diagnostic| {
            diagnostic.is_error()
                || diagnostic.primary_span().is_none_or(|span| {
                    new_sources.contains(&span.source) || Some(span.source) == first_new_query
                })
        }));
        if has_errors(diagnostics) {
            return Err(());
        }
        let program = analysis.program;
        let plan_options = plan::PlanOptions {
            written_order: self.options.written_order,
        };
        let plan = plan::plan_program_with(&program, plan_options).map_err(|error| {
            diagnostics.push(Diagnostic::error_without_span(
                "E399",
                format!("internal error: {error}"),
            ));
        })?;
        self.cancel.store(false, Ordering::Relaxed);
        let options = self.eval_options();
        if self.options.check_only {
            self.model = Some(Model {
                database: Database::new(Store::new(), program.predicates.len(), false),
                program,
                plan,
            });
            return Ok(Vec::new());
        }
        let only_queries = n_clauses == 0
            && new_units.iter().all(|unit| {
                unit.program
                    .items
                    .iter()
                    .all(|item| !matches!(item, Item::Include(_)))
            });
        let mut fresh = None;
        let database = match (&mut self.model, only_queries) {
            (Some(model), true) => &mut model.database,
            (Some(model), false) if same_predicates(&model.program, &program) => {
                // Only additions: bring the old model up to date instead of starting over.
                let new_facts: Vec<usize> = program
                    .facts
                    .iter()
                    .enumerate()
                    .filter(|(_, fact)| new_sources.contains(&fact.span.source))
                    .map(|(index, _)| index)
                    .collect();
                let new_rules: Vec<ir::RuleId> = program
                    .rules
                    .iter()
                    .enumerate()
                    .filter(|(_, rule)| new_sources.contains(&rule.span.source))
                    .map(|(index, _)| ir::RuleId(index as u32))
                    .collect();
                let addition = eval::Addition {
                    old: &model.database,
                    new_facts: &new_facts,
                    new_rules: &new_rules,
                };
                match eval::evaluate_incremental(&program, &plan, addition, options, &self.cancel) {
                    Ok((database, report)) => {
                        self.last_strata_report = Some(report);
                        fresh.insert(database)
                    }
                    Err(error) => {
                        diagnostics.push(eval_diagnostic(&error, &program));
                        return Err(());
                    }
                }
            }
            _ => {
                let store = self
                    .model
                    .as_ref()
                    .map(|model| model.database.store.clone())
                    .unwrap_or_default();
                self.last_strata_report = None;
                match eval::evaluate(&program, &plan, store, options, &self.cancel) {
                    Ok(database) => fresh.insert(database),
                    Err(error) => {
                        diagnostics.push(eval_diagnostic(&error, &program));
                        return Err(());
                    }
                }
            }
        };
        // The typed queries are the last ones of the program.
        let first_typed = program.queries.len().saturating_sub(queries.len());
        let mut answers = Vec::new();
        for (index, query) in program.queries.iter().enumerate().skip(first_typed) {
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
        if let Some(database) = fresh {
            self.model = Some(Model {
                program,
                plan,
                database,
            });
        }
        Ok(answers)
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
                    return Err(Rejected {
                        diagnostics: vec![eval_diagnostic(&error, &model.program)],
                    });
                }
            }
        }
        Ok(answers)
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

    /// Removes the most recent input (a REPL line with clauses, or a loaded file) and
    /// re-evaluates; returns how many clauses went, or `None` when there is nothing to undo.
    pub fn undo(&mut self) -> Option<Result<usize, Rejected>> {
        let last_input = self.last_clause_input()?;
        let removed: Vec<Unit> = self
            .units
            .iter()
            .filter(|unit| unit.input == last_input)
            .cloned()
            .collect();
        let n_clauses = removed
            .iter()
            .flat_map(|unit| &unit.program.items)
            .filter(|item| matches!(item, Item::Clause(_)))
            .count();
        let kept: Vec<Unit> = self
            .units
            .iter()
            .filter(|unit| unit.input != last_input)
            .cloned()
            .collect();
        let saved_units = std::mem::take(&mut self.units);
        let saved_model = self.model.take();
        match self.commit(kept, Vec::new(), Vec::new()) {
            Ok(_) => Some(Ok(n_clauses)),
            Err(rejected) => {
                self.units = saved_units;
                self.model = saved_model;
                Some(Err(rejected))
            }
        }
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

    /// Answers a query such as `?- mediates(M, T).` against the current model.
    /// Text that is not a single query is refused, so this never changes the session.
    pub fn query(&mut self, text: &str) -> Result<Accepted, Rejected> {
        let (program, _) = parse_program(SourceId(u32::MAX), text);
        let adds_something = program
            .items
            .iter()
            .any(|item| matches!(item, Item::Clause(_) | Item::Include(_)));
        if adds_something {
            return Err(Rejected {
                diagnostics: vec![Diagnostic::error_without_span(
                    "E412",
                    "expected a query such as `?- p(X).`",
                )],
            });
        }
        self.load_text(text)
    }

    /// Verifies every citation of the loaded facts against the bundled articles.
    pub fn check_citations(&self) -> Vec<Diagnostic> {
        match self.program() {
            Some(program) => analysis::citations::check_citations(program, BUNDLED_SEEDS),
            None => Vec::new(),
        }
    }
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

/// Turns an evaluation error into a diagnostic pointing at the rule or query involved.
pub fn eval_diagnostic(error: &EvalError, program: &ir::Program) -> Diagnostic {
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
        EvalError::Value { .. } => "E301",
        EvalError::TupleLimitExceeded { .. } => "E302",
        EvalError::RoundLimitExceeded { .. } => "E303",
        EvalError::Interrupted => "E304",
        EvalError::ValuesExhausted => "E305",
        EvalError::Internal(_) => "E399",
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

/// Texts being loaded for one input, with their includes, before they are checked.
struct Pending<'s> {
    session: &'s mut Session,
    units: Vec<Unit>,
    diagnostics: Vec<Diagnostic>,
    seen_files: Vec<PathBuf>,
    seen_bundled: Vec<String>,
}

impl<'s> Pending<'s> {
    fn new(session: &'s mut Session) -> Pending<'s> {
        let seen_files = session
            .units
            .iter()
            .filter_map(|unit| match &unit.origin {
                UnitOrigin::File(path) => Some(path.clone()),
                _ => None,
            })
            .collect();
        let seen_bundled = session
            .units
            .iter()
            .filter_map(|unit| match &unit.origin {
                UnitOrigin::Bundled(name) => Some(name.clone()),
                _ => None,
            })
            .collect();
        Pending {
            session,
            units: Vec::new(),
            diagnostics: Vec::new(),
            seen_files,
            seen_bundled,
        }
    }

    fn finish(self) -> (Vec<Unit>, Vec<Diagnostic>) {
        (self.units, self.diagnostics)
    }

    fn load_path(&mut self, path: &Path, included_at: Option<Span>, input: usize) {
        let fail = |message: String| match included_at {
            Some(span) => Diagnostic::error("E410", message, span),
            None => Diagnostic::error_without_span("E410", message),
        };
        let canonical = match std::fs::canonicalize(path) {
            Ok(canonical) => canonical,
            Err(error) => {
                self.diagnostics.push(fail(format!(
                    "cannot read `{}`: {}",
                    path.display(),
                    error_text(&error)
                )));
                return;
            }
        };
        // Each file is loaded once per session, like `#pragma once`; this also ends include cycles.
        if self.seen_files.contains(&canonical) {
            return;
        }
        self.seen_files.push(canonical.clone());
        let bytes = match std::fs::read(&canonical) {
            Ok(bytes) => bytes,
            Err(error) => {
                self.diagnostics.push(fail(format!(
                    "cannot read `{}`: {}",
                    path.display(),
                    error_text(&error)
                )));
                return;
            }
        };
        let text = match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(error) => {
                let offset = error.utf8_error().valid_up_to();
                self.diagnostics.push(fail(format!(
                    "`{}` is not valid UTF-8 text (first bad byte at offset {offset})",
                    path.display()
                )));
                return;
            }
        };
        let name = path.display().to_string();
        self.load_text(
            &name,
            &text,
            UnitOrigin::File(canonical),
            included_at,
            input,
        );
    }

    fn load_bundled(&mut self, name: &str, included_at: Option<Span>, input: usize) {
        if self.seen_bundled.iter().any(|seen| seen == name) {
            return;
        }
        let Some((_, text)) = BUNDLED_RULES.iter().find(|(file, _)| *file == name) else {
            let message = if BUNDLED_RULES.is_empty() {
                "the news knowledge base is not bundled in this build".to_string()
            } else {
                format!("no file `{name}` in the bundled knowledge base")
            };
            self.diagnostics.push(match included_at {
                Some(span) => Diagnostic::error("E411", message, span),
                None => Diagnostic::error_without_span("E411", message),
            });
            return;
        };
        self.seen_bundled.push(name.to_string());
        self.load_text(
            &format!("{NEWS_PREFIX}{name}"),
            text,
            UnitOrigin::Bundled(name.to_string()),
            included_at,
            input,
        );
    }

    fn load_text(
        &mut self,
        name: &str,
        text: &str,
        origin: UnitOrigin,
        _included_at: Option<Span>,
        input: usize,
    ) {
        let source = self.session.sources.add(name, text);
        let (program, errors) = parse_program(source, text);
        self.diagnostics
            .extend(errors.iter().map(|error| error.to_diagnostic()));
        let includes: Vec<(IncludeTarget, Span)> = program
            .items
            .iter()
            .filter_map(|item| match item {
                Item::Include(include) => Some((include.target.clone(), include.span)),
                _ => None,
            })
            .collect();
        // Included texts come first, so their predicates and docs precede their users.
        for (target, span) in includes {
            match (&target, &origin) {
                (IncludeTarget::Bundled(library), _) if library == "news" => {
                    self.load_bundled("news.dl", Some(span), input)
                }
                (IncludeTarget::Bundled(library), _) => self.diagnostics.push(
                    Diagnostic::error(
                        "E411",
                        format!("unknown bundled library `<{library}>`"),
                        span,
                    )
                    .with_note("the only bundled library is `<news>`"),
                ),
                (IncludeTarget::Path(path), UnitOrigin::Bundled(_)) => {
                    self.load_bundled(path, Some(span), input)
                }
                (IncludeTarget::Path(path), UnitOrigin::File(_)) => {
                    // Relative to the including file, reported as the user would write it.
                    let base = Path::new(name)
                        .parent()
                        .map(Path::to_path_buf)
                        .unwrap_or_default();
                    self.load_path(&base.join(path), Some(span), input);
                }
                (IncludeTarget::Path(path), UnitOrigin::Input) => {
                    self.load_path(Path::new(path), Some(span), input)
                }
            }
        }
        self.units.push(Unit {
            source,
            program,
            origin,
            input,
        });
    }
}

fn error_text(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => error.to_string(),
    }
}
