//! The REPL's incremental path in the session: answering an input of
//! queries against the model as it is, the plan of a program that typed
//! facts extended, and the `Summary` kept for checking the next input.
//!
//! Owns what `check_and_evaluate` does when `analysis::analyze_extension`
//! accepted an input; must not decide whether an input may take that path
//! (the analysis does) nor evaluate facts (the incremental evaluation does).

use super::{Outcome, Session, SummaryUpdate, Unit, UnitOrigin, eval_diagnostic};
use crate::analysis::{self, ir};
use crate::diagnostic::{Code, Diagnostic};
use crate::eval;
use crate::plan::{self, ProgramPlan};
use crate::span::Span;
use crate::syntax::ast::Item;

impl Session {
    /// Answers the queries of an input that held only queries, checked
    /// incrementally, against the model as it is (nothing in it changes:
    /// the values a query computes are forgotten after it).
    pub(super) fn answer_typed_queries(
        &mut self,
        queries: Vec<ir::Query>,
        diagnostics: &mut Vec<Diagnostic>,
        plan_options: plan::PlanOptions,
    ) -> Result<Outcome, ()> {
        let options = self.eval_options();
        let Some(model) = self.model.as_mut() else {
            return Err(());
        };
        // The typed queries alone, numbered from 0: what an evaluation
        // error's origin points into.
        let typed = ir::Program {
            queries,
            ..ir::Program::default()
        };
        let mut answers = Vec::new();
        for (index, query) in typed.queries.iter().enumerate() {
            let query_plan = plan::plan_query(query, plan_options).map_err(|error| {
                diagnostics.push(Diagnostic::error_without_span(
                    Code::E399,
                    format!("internal error: {error}"),
                ));
            })?;
            match eval::answer_query(
                query,
                &query_plan,
                index,
                &mut model.database,
                options,
                &self.cancel,
            ) {
                Ok(answer) => answers.push(answer),
                Err(error) => {
                    diagnostics.push(eval_diagnostic(&error, &typed));
                    return Err(());
                }
            }
        }
        Ok(Outcome {
            model: None,
            summary: SummaryUpdate::Fresh(None),
            answers,
            strata_report: None,
            live: None,
            answer_changes: Vec::new(),
            articles: None,
            exported: Vec::new(),
        })
    }

    /// The summary a whole analysis of the session plus `new_units` leaves for
    /// the next input, when the model it makes is the program an analysis of
    /// what the session keeps would make: queries typed in `new_units` are
    /// answered and dropped, so a predicate or citation relation one of them
    /// mentioned first would not be there (its id, and so the order of strata
    /// and suggestions, would differ), and their constants would not count.
    pub(super) fn kept_summary(
        mut summary: analysis::Summary,
        program: &ir::Program,
        new_units: &[Unit],
    ) -> Option<analysis::Summary> {
        let typed: Vec<Span> = new_units
            .iter()
            .filter(|unit| unit.origin == UnitOrigin::Input)
            .flat_map(|unit| &unit.program.items)
            .filter_map(|item| match item {
                Item::Query(query) => Some(query.span),
                _ => None,
            })
            .collect();
        if typed.is_empty() {
            return Some(summary);
        }
        let made_by_query = program.predicates.iter().any(|predicate| {
            let first = predicate.first_use;
            typed.iter().any(|span| {
                span.source == first.source && span.start <= first.start && first.end <= span.end
            })
        });
        if made_by_query {
            return None;
        }
        summary.forget_constants();
        Some(summary)
    }

    /// The plan of `program`, an extension of `base` (planned as `base_plan`)
    /// by facts, new predicates and queries: the base's rule plans are kept, a
    /// new predicate's stratum has no rules, the new queries are planned.
    pub(super) fn extend_plan(
        base: &ir::Program,
        base_plan: &ProgramPlan,
        program: &ir::Program,
        options: plan::PlanOptions,
    ) -> Result<ProgramPlan, plan::PlanError> {
        let mut plan = base_plan.clone();
        for stratum in program.strata.iter().skip(base.strata.len()) {
            plan.strata.push(plan::StratumPlan {
                predicates: stratum.predicates.clone(),
                rules: Vec::new(),
                // Facts alone never make a lattice: only a rule's head marks one.
                lattices: Vec::new(),
            });
        }
        for query in program.queries.iter().skip(base.queries.len()) {
            plan.queries.push(plan::plan_query(query, options)?);
        }
        Ok(plan)
    }
}
