//! Evaluation on demand: the strata a model left out, and the queries
//! answered from demand (magic sets, planned in `plan::demand`).
//!
//! A query answered from demand evaluates its transformed strata (the
//! adorned copies and magic predicates, seeded by the query's constants)
//! over the model, answers from the adorned copies, and keeps what they
//! hold under the original predicates, partial but holding every tuple
//! the answers were derived from, so explanations of those answers work.
//! Any other question that reads a partial predicate first completes the
//! model: the left-out strata are evaluated, in order, from what their
//! relations hold.

use super::context::{Context, EvalError, EvalOptions, Origin};
use super::database::Database;
use super::fixpoint::{Start, rules_reading_none_of, run_stratum};
use super::join::run_conjunction;
use super::storage::RelationBuilder;
use super::tuple::Tuple;
use crate::analysis::ir::PredId;
use crate::plan::{Check, ConjunctionPlan};
use std::sync::atomic::AtomicBool;

/// The rows of query `index` when it is answered from demand; `None` when
/// it is not (then the model must be complete for what it reads).
pub(super) fn answer_from_demand(
    index: usize,
    database: &mut Database,
    options: EvalOptions,
    cancel: &AtomicBool,
) -> Result<Option<Vec<Tuple>>, EvalError> {
    let Some(plan) = database
        .pending
        .as_ref()
        .and_then(|pending| pending.plans.get(index))
        .and_then(Option::clone)
    else {
        return Ok(None);
    };
    let mut context = Context::new(options, cancel);
    let added: Vec<(PredId, usize)> = plan
        .predicates
        .iter()
        .map(|predicate| (predicate.id, predicate.arity))
        .collect();
    database.relations.add_predicates(&added);
    for stratum in &plan.strata {
        let start = Start {
            once: rules_reading_none_of(stratum, &stratum.predicates),
            ..Start::default()
        };
        run_stratum(database, stratum, start, &mut context)?;
    }
    let rows = run_conjunction(
        &plan.query,
        Origin::Query(index),
        &database.relations,
        &mut database.store,
        &[],
        &mut context,
    )?;
    // What the adorned copies hold joins the original predicates; the
    // transformation's own relations are dropped.
    for predicate in &plan.predicates {
        let computed = database.take_relation(predicate.id);
        if !predicate.magic && !computed.is_empty() {
            let mut merged = RelationBuilder::new(computed.arity());
            merged.extend_from(&computed);
            merged.extend_from(database.relation(predicate.original));
            database.set_relation(predicate.original, merged.finish());
            database
                .relations
                .move_rounds(predicate.id, predicate.original);
        }
    }
    Ok(Some(rows))
}

/// Completes the model before `plan` is evaluated over it, when the plan
/// reads a predicate an evaluation on demand left partial.
pub(super) fn complete_for(
    plan: &ConjunctionPlan,
    database: &mut Database,
    options: EvalOptions,
    cancel: &AtomicBool,
) -> Result<(), EvalError> {
    let mut read = Vec::new();
    conjunction_reads(plan, &mut read);
    if read.iter().any(|&predicate| database.is_partial(predicate)) {
        complete(database, options, cancel)?;
    }
    Ok(())
}

/// Evaluates every stratum an evaluation on demand left out. On an error
/// the strata not yet done stay pending, their relations as they were.
pub(super) fn complete(
    database: &mut Database,
    options: EvalOptions,
    cancel: &AtomicBool,
) -> Result<(), EvalError> {
    let Some(mut pending) = database.pending.take() else {
        return Ok(());
    };
    let mut context = Context::new(options, cancel);
    while !pending.strata.is_empty() {
        let stratum = pending.strata.remove(0);
        let kept: Vec<_> = stratum
            .predicates
            .iter()
            .map(|&predicate| (predicate, database.relation(predicate).clone()))
            .collect();
        let mut start = Start::default();
        for &(predicate, ref relation) in &kept {
            start.added.push((predicate, relation.clone()));
            database.set_relation(predicate, super::storage::Relation::empty(relation.arity()));
        }
        start.once = rules_reading_none_of(&stratum, &stratum.predicates);
        if let Err(error) = run_stratum(database, &stratum, start, &mut context) {
            for (predicate, relation) in kept {
                database.set_relation(predicate, relation);
            }
            pending.strata.insert(0, stratum);
            database.pending = Some(pending);
            return Err(error);
        }
        for &predicate in &stratum.predicates {
            if let Some(flag) = pending.predicates.get_mut(predicate.0 as usize) {
                *flag = false;
            }
        }
    }
    Ok(())
}

/// Every predicate a conjunction reads: its atoms, negations and aggregate bodies.
fn conjunction_reads(plan: &ConjunctionPlan, out: &mut Vec<PredId>) {
    out.extend(plan.stages.iter().map(|stage| stage.predicate));
    let checks = plan
        .seed_checks
        .iter()
        .chain(plan.stages.iter().flat_map(|stage| stage.checks.iter()));
    for check in checks {
        if let Check::Negation { predicate, .. } = check {
            out.push(*predicate);
        }
    }
    for aggregate in &plan.aggregates {
        conjunction_reads(&aggregate.body, out);
    }
}
