//! Explanations asked of the session: typed facts become `provenance`
//! goals, rounds are recorded when explanations first need them, and what
//! goes wrong becomes diagnostics.
//!
//! Owns the fact language of `:why` and `:whynot` (one ground atom of a known
//! predicate, `E501` to `E505`) and the decision to re-evaluate the model
//! with rounds recorded. The explanations themselves are `provenance`'s; they
//! read the model through a `ModelView` and never change it.

use super::{Rejected, Session, eval_diagnostic};
use crate::analysis::{self, ir::PredId};
use crate::diagnostic::{Code, Diagnostic, has_errors};
use crate::eval::{self, EvalOptions};
use crate::limits::Watch;
use crate::plan;
use crate::provenance::{
    self, Derivation, ExplainError, ExplainOptions, Goal, ModelView, Pattern, QueryExplanation,
    Trace, TraceOptions, WhyNot,
};
use crate::span::Span;
use crate::syntax::ast::{self, Item, Term};
use crate::syntax::parse_program;
use crate::text;
use crate::value::{Answer, Value};
use std::sync::atomic::Ordering;

impl Session {
    /// Explains why `fact` (a ground atom as typed, e.g.
    /// `failed_mediated_talks(istanbul_talks)`, with or without the final `.`) holds.
    ///
    /// Rejected when the text is not a ground atom, names an unknown
    /// predicate, or the fact does not hold (the diagnostic suggests
    /// `:whynot`). The first explanation in a session evaluated without
    /// `record_rounds` evaluates it once more with rounds recorded, and
    /// keeps recording them from then on.
    pub fn why(&mut self, fact: &str) -> Result<Derivation, Rejected> {
        self.why_with(fact, &ExplainOptions::default())
    }

    /// [`Session::why`] with explicit options.
    pub fn why_with(
        &mut self,
        fact: &str,
        options: &ExplainOptions,
    ) -> Result<Derivation, Rejected> {
        let goal = self.goal(fact, ":why")?;
        self.record_rounds()?;
        let view = self.view()?;
        provenance::why(&view, &goal, options).map_err(|error| match error {
            ExplainError::Eval(error) => Rejected::one(eval_diagnostic(&error, view.program)),
            ExplainError::FactNotHolding { fact, span } => Rejected::one(
                Diagnostic::error(Code::E504, format!("`{fact}` does not hold"), span).with_note(
                    format!("help: ask `:whynot {fact}` to see which rule fails and why"),
                ),
            ),
        })
    }

    /// Explains why `fact` does not hold: for each rule that could derive it,
    /// the first body literal that fails for the closest candidate bindings.
    /// `fact` may be a pattern with variables (`closed(torkham, D)`): then
    /// either the facts that match it, or why none does.
    pub fn why_not(&mut self, fact: &str) -> Result<WhyNot, Rejected> {
        self.why_not_with(fact, &ExplainOptions::default())
    }

    /// [`Session::why_not`] with explicit options.
    pub fn why_not_with(
        &mut self,
        fact: &str,
        options: &ExplainOptions,
    ) -> Result<WhyNot, Rejected> {
        let atom = self.atom(fact, ":whynot")?;
        self.cancel.store(false, Ordering::Relaxed);
        if atom.values.iter().all(Option::is_some) {
            let goal = atom.into_goal()?;
            let view = self.view()?;
            return provenance::why_not(&view, &goal, options)
                .map_err(|error| Rejected::one(eval_diagnostic(&error, view.program)));
        }
        let pattern = Pattern {
            predicate: atom.predicate,
            values: atom.values,
            text: atom.text,
        };
        let view = self.view()?;
        provenance::why_not_pattern(&view, &pattern, options)
            .map_err(|error| Rejected::one(eval_diagnostic(&error, view.program)))
    }

    /// Explains the first `max_rows` rows of each answer, aligned with
    /// `answers` as [`Session::answers`] returned them (`run --explain`).
    pub fn explain_answers(
        &mut self,
        answers: &[Answer],
        max_rows: usize,
        options: &ExplainOptions,
    ) -> Result<Vec<QueryExplanation>, Rejected> {
        self.record_rounds()?;
        let view = self.view()?;
        provenance::explain_answers(&view, answers, max_rows, options)
            .map_err(|error| Rejected::one(eval_diagnostic(&error, view.program)))
    }

    /// Answers the queries of `text` (like [`Session::query`]: text holding
    /// anything but queries is refused) and explains the rows of each answer
    /// that `explain_row` picks (each [`RowExplanation`](provenance::RowExplanation)
    /// names its row), as `run --explain` does for a file's queries.
    /// The queries are checked as `commit` checks them (with the session's
    /// articles, so `@` patterns resolve). They are not kept and the
    /// session's clauses do not change; the model only learns each tuple's
    /// round, as for `:why`. A query the model cannot answer as it stands
    /// (one reading a citation relation `p@` no earlier input read) is
    /// answered and explained over a model evaluated once more, aside.
    pub fn explain_query(
        &mut self,
        text: &str,
        explain_row: impl Fn(&[Value]) -> bool,
        options: &ExplainOptions,
    ) -> Result<(Vec<Answer>, Vec<QueryExplanation>), Rejected> {
        self.record_rounds()?;
        let name = self.next_repl_name();
        let source = self.sources.add(name, text);
        let (typed, errors) = parse_program(source, text);
        if !errors.is_empty() {
            return Err(Rejected {
                diagnostics: errors.iter().map(|error| error.to_diagnostic()).collect(),
            });
        }
        if typed
            .items
            .iter()
            .any(|item| !matches!(item, Item::Query(_)))
        {
            return Err(Rejected::one(Diagnostic::error_without_span(
                Code::E412,
                "expected a query such as `?- p(X).`",
            )));
        }
        // The session's program as `commit` checks it (the articles'
        // metadata first), with the queries kept, so that explanations find them.
        let metadata = self.metadata.as_ref().ok_or_else(nothing_loaded)?;
        let programs: Vec<&ast::Program> = std::iter::once(metadata)
            .chain(self.units.iter().map(|unit| &unit.program))
            .chain(std::iter::once(&typed))
            .collect();
        let verify = [source];
        let context = analysis::Context {
            articles: Some(&self.articles),
            verify_sources: Some(&verify),
        };
        let mut watch = Watch::new(&self.cancel, self.options.limits.max_memory);
        let analysis = analysis::analyze_watched(&programs, &context, &mut watch)
            .map_err(|halt| Rejected::one(super::load::halt_diagnostic(halt, "checking")))?;
        if has_errors(&analysis.diagnostics) {
            return Err(Rejected {
                diagnostics: analysis.diagnostics,
            });
        }
        let program = analysis.program;
        let plan = plan::plan_program_with(
            &program,
            plan::PlanOptions {
                written_order: self.options.written_order,
            },
        )
        .map_err(|error| {
            Rejected::one(Diagnostic::error_without_span(
                Code::E399,
                format!("internal error: {error}"),
            ))
        })?;
        let eval_options = self.eval_options();
        let model = self.model.as_mut().ok_or_else(nothing_loaded)?;
        let mut aside = None;
        let database = if model.program.predicates.len() == program.predicates.len()
            && super::same_predicates(&model.program, &program)
        {
            &mut model.database
        } else {
            // The query reads a relation the model lacks: a citation
            // relation (`p(X) @ A : Q`) or a predicate nothing defines.
            let options = EvalOptions {
                record_rounds: true,
                demand: false,
                ..eval_options
            };
            let store = model.database.store.clone();
            let database = eval::evaluate(&program, &plan, store, options, &self.cancel)
                .map_err(|error| Rejected::one(eval_diagnostic(&error, &program)))?;
            aside.insert(database)
        };
        let mut answers = Vec::new();
        for (index, query) in program.queries.iter().enumerate() {
            if query.span.source != source {
                continue;
            }
            let Some(query_plan) = plan.queries.get(index) else {
                continue;
            };
            let answer = eval::answer_query(
                query,
                query_plan,
                index,
                database,
                eval_options,
                &self.cancel,
            )
            .map_err(|error| Rejected::one(eval_diagnostic(&error, &program)))?;
            answers.push(answer);
        }
        let view = ModelView {
            program: &program,
            database,
            sources: &self.sources,
            articles: &self.articles,
            eval_options,
            cancel: &self.cancel,
        };
        let picked: Vec<Answer> = answers
            .iter()
            .map(|answer| Answer {
                query: answer.query.clone(),
                columns: answer.columns.clone(),
                rows: answer
                    .rows
                    .iter()
                    .filter(|row| explain_row(row))
                    .cloned()
                    .collect(),
            })
            .collect();
        let explanations = provenance::explain_answers(&view, &picked, usize::MAX, options)
            .map_err(|error| Rejected::one(eval_diagnostic(&error, &program)))?;
        Ok((answers, explanations))
    }

    /// The evaluation of the session's program as a teacher shows it:
    /// strata in order, the new facts of each round by rule (see
    /// [`provenance::trace`]). Evaluates the program once more from scratch
    /// with rounds recorded, in full (no demand), and keeps nothing of it.
    pub fn trace(&mut self, options: TraceOptions) -> Result<Trace, Rejected> {
        self.cancel.store(false, Ordering::Relaxed);
        let model = self.model.as_ref().ok_or_else(nothing_loaded)?;
        let eval_options = EvalOptions {
            record_rounds: true,
            demand: false,
            ..self.eval_options()
        };
        let database = eval::evaluate(
            &model.program,
            &model.plan,
            model.database.store.clone(),
            eval_options,
            &self.cancel,
        )
        .map_err(|error| Rejected::one(eval_diagnostic(&error, &model.program)))?;
        let view = ModelView {
            program: &model.program,
            database: &database,
            sources: &self.sources,
            articles: &self.articles,
            eval_options,
            cancel: &self.cancel,
        };
        provenance::trace(&view, options)
            .map_err(|error| Rejected::one(eval_diagnostic(&error, &model.program)))
    }

    /// The read-only view explanations work on.
    fn view(&self) -> Result<ModelView<'_>, Rejected> {
        let model = self.model.as_ref().ok_or_else(nothing_loaded)?;
        Ok(ModelView {
            program: &model.program,
            database: &model.database,
            sources: &self.sources,
            articles: &self.articles,
            eval_options: self.eval_options(),
            cancel: &self.cancel,
        })
    }

    /// Makes sure the model knows each tuple's round: evaluates it once more
    /// with rounds recorded, and keeps recording for the rest of the session.
    fn record_rounds(&mut self) -> Result<(), Rejected> {
        self.cancel.store(false, Ordering::Relaxed);
        if self.options.check_only {
            return Ok(());
        }
        let options = EvalOptions {
            record_rounds: true,
            ..self.eval_options()
        };
        let model = self.model.as_mut().ok_or_else(nothing_loaded)?;
        if model.database.records_rounds() {
            return Ok(());
        }
        let store = model.database.store.clone();
        match eval::evaluate(&model.program, &model.plan, store, options, &self.cancel) {
            Ok(database) => {
                model.database = database;
                self.options.record_rounds = true;
                Ok(())
            }
            Err(error) => Err(Rejected::one(eval_diagnostic(&error, &model.program))),
        }
    }

    /// Parses `text` as one ground atom of a known predicate with the right
    /// arity, as a source of its own (`<repl:N>`), for `command`.
    fn goal(&mut self, text: &str, command: &str) -> Result<Goal, Rejected> {
        self.atom(text, command)?.into_goal()
    }

    /// Parses `text` as one atom of a known predicate with the right arity,
    /// its arguments constants or variables, as a source of its own
    /// (`<repl:N>`), for `command`.
    fn atom(&mut self, text: &str, command: &str) -> Result<TypedAtom, Rejected> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(Rejected::one(
                Diagnostic::error_without_span(Code::E501, format!("`{command}` needs a fact"))
                    .with_note(format!(
                        "help: for example `{command} failed_mediated_talks(istanbul_talks)`"
                    )),
            ));
        }
        let mut source_text = trimmed.to_string();
        if !source_text.ends_with('.') {
            source_text.push('.');
        }
        let name = self.next_repl_name();
        let source = self.sources.add(name, source_text.clone());
        let (program, errors) = parse_program(source, &source_text);
        if !errors.is_empty() {
            return Err(Rejected {
                diagnostics: errors.iter().map(|error| error.to_diagnostic()).collect(),
            });
        }
        let whole = Span::new(source, 0, source_text.len());
        let clause = match program.items.as_slice() {
            [Item::Clause(clause)] if clause.body.is_empty() && clause.citations.is_empty() => {
                clause
            }
            _ => {
                return Err(Rejected::one(
                    Diagnostic::error(Code::E501, format!("`{command}` takes one fact"), whole)
                        .with_note(format!(
                            "help: write a ground atom such as `{command} failed_mediated_talks(istanbul_talks)`"
                        )),
                ));
            }
        };
        let mut values = Vec::with_capacity(clause.head.args.len());
        let mut variable = None;
        for term in &clause.head.args {
            match term {
                Term::Constant(constant) => values.push(Some(constant.value.clone())),
                Term::Variable(_) | Term::Anonymous(_) => {
                    variable.get_or_insert((term.to_string(), term.span()));
                    values.push(None);
                }
                other => {
                    return Err(Rejected::one(
                        Diagnostic::error(
                            Code::E501,
                            format!("`{command}` takes constants and variables: `{other}` is neither"),
                            other.span(),
                        )
                        .with_note(format!(
                            "help: write a fact such as `{command} failed_mediated_talks(istanbul_talks)`"
                        )),
                    ));
                }
            }
        }
        let name = &clause.head.predicate.name;
        let program_ir = self.program().ok_or_else(nothing_loaded)?;
        let Some(predicate) = program_ir.predicate_id(name) else {
            let mut diagnostic = Diagnostic::error(
                Code::E502,
                format!("unknown predicate `{name}`"),
                clause.head.predicate.span,
            );
            let names = program_ir
                .predicates
                .iter()
                .filter(|p| !p.is_constraint())
                .map(|p| p.name.as_str());
            if let Some(suggestion) = text::closest(name, names) {
                diagnostic = diagnostic.with_note(format!("help: did you mean `{suggestion}`?"));
            }
            return Err(Rejected::one(diagnostic));
        };
        let arity = program_ir.predicate(predicate).arity;
        if arity != values.len() {
            return Err(Rejected::one(Diagnostic::error(
                Code::E503,
                format!(
                    "`{name}` takes {arity} argument{}, not {}",
                    if arity == 1 { "" } else { "s" },
                    values.len()
                ),
                clause.head.span,
            )));
        }
        Ok(TypedAtom {
            predicate,
            values,
            span: clause.head.span,
            text: clause.head.to_string(),
            command: command.to_string(),
            variable,
        })
    }
}

/// An atom typed after `:why` or `:whynot`, checked against the program.
struct TypedAtom {
    predicate: PredId,
    values: Vec<Option<Value>>,
    span: Span,
    text: String,
    command: String,
    /// The first variable, as written, and where.
    variable: Option<(String, Span)>,
}

impl TypedAtom {
    /// The atom as a ground fact; E501 at its first variable otherwise.
    fn into_goal(self) -> Result<Goal, Rejected> {
        if let Some((name, span)) = self.variable {
            let command = self.command;
            return Err(Rejected::one(
                Diagnostic::error(
                    Code::E501,
                    format!("`{command}` needs a ground fact: `{name}` is not a constant"),
                    span,
                )
                .with_note(
                    "help: to see every answer of a pattern, ask a query (`?- p(X).`) and explain its rows with `run --explain`; `:whynot` takes patterns",
                ),
            ));
        }
        Ok(Goal {
            predicate: self.predicate,
            values: self.values.into_iter().flatten().collect(),
            span: self.span,
        })
    }
}

fn nothing_loaded() -> Rejected {
    Rejected::one(Diagnostic::error_without_span(
        Code::E505,
        "nothing is loaded yet",
    ))
}
