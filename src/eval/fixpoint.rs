//! The fixpoint: one datafrog `Iteration` per stratum, semi-naive.
//!
//! Owns the evaluation of a whole program from its facts (`evaluate`) and
//! the round loop every stratum runs (`run_to_fixpoint`, also used by
//! `incremental`). Each rule runs as a `pipeline::Pipeline`. Never sees a `Span`.

use super::context::{Context, EvalError, EvalOptions, Origin};
use super::database::Database;
use super::pipeline::Pipeline;
use super::store::Store;
use super::tuple::Tuple;
use crate::analysis::ir::{self, PredId};
use crate::plan::ProgramPlan;
use datafrog::{Iteration, Relation, Variable};
use std::collections::HashMap;
use std::sync::atomic::AtomicBool;

/// Evaluates a checked, planned program from its facts: every stratum in order.
pub fn evaluate(
    program: &ir::Program,
    plan: &ProgramPlan,
    store: Store,
    options: EvalOptions,
    cancel: &AtomicBool,
) -> Result<Database, EvalError> {
    let mut database = Database::new(store, program.predicates.len(), options.record_rounds);
    load_facts(program, &mut database);
    let mut context = Context::new(options, cancel);
    for stratum in &plan.strata {
        evaluate_stratum(
            &mut database,
            &stratum.predicates,
            &stratum.rules,
            &mut context,
        )?;
    }
    Ok(database)
}

/// Packs every base fact into its relation: clause facts, then fact-table rows.
pub(super) fn load_facts(program: &ir::Program, database: &mut Database) {
    let mut by_predicate: Vec<Vec<Tuple>> = vec![Vec::new(); program.predicates.len()];
    for fact in &program.facts {
        let tuple: Tuple = fact
            .values
            .iter()
            .map(|value| database.store.pack(value))
            .collect();
        if let Some(tuples) = by_predicate.get_mut(fact.predicate.0 as usize) {
            tuples.push(tuple);
        }
    }
    for rows in &program.fact_rows {
        if let Some(tuples) = by_predicate.get_mut(rows.predicate.0 as usize) {
            super::bulk::pack_rows(rows, &mut database.store, tuples);
        }
    }
    for (index, tuples) in by_predicate.into_iter().enumerate() {
        if !tuples.is_empty() {
            database.set_relation(PredId(index as u32), Relation::from_vec(tuples));
        }
    }
}

/// Runs the rules of one stratum to their fixpoint and stores the results.
pub(super) fn evaluate_stratum(
    database: &mut Database,
    predicates: &[PredId],
    rules: &[crate::plan::RulePlan],
    context: &mut Context<'_>,
) -> Result<(), EvalError> {
    if rules.is_empty() {
        return Ok(());
    }
    let mut iteration = Iteration::new();
    let mut variables: HashMap<PredId, Variable<Tuple>> = HashMap::new();
    for &predicate in predicates {
        let variable = iteration.variable::<Tuple>(&format!("p{}", predicate.0));
        variable.insert(Relation::from_vec(database.relation(predicate).to_vec()));
        variables.insert(predicate, variable);
    }
    let mut pipelines = Vec::with_capacity(rules.len());
    for rule in rules {
        let output = variables
            .get(&rule.head)
            .cloned()
            .ok_or_else(|| EvalError::Internal("rule head outside its stratum".into()))?;
        let origin = Origin::Rule(rule.rule);
        pipelines.push(Pipeline::new(
            &rule.body,
            origin,
            &mut iteration,
            &mut variables,
            &database.relations,
            &mut database.store,
            output,
            Some(&[]),
            &|predicate| predicates.contains(&predicate),
            context,
        )?);
    }
    run_to_fixpoint(
        &mut iteration,
        &variables,
        predicates,
        &mut pipelines,
        database,
        context,
    )?;
    drop(pipelines);
    for &predicate in predicates {
        if let Some(variable) = variables.remove(&predicate) {
            database.set_relation(predicate, variable.complete());
        }
    }
    Ok(())
}

/// Runs the rounds of one stratum until nothing changes, recording each
/// round's new tuples (for explanations) and enforcing the limits.
pub(super) fn run_to_fixpoint(
    iteration: &mut Iteration,
    variables: &HashMap<PredId, Variable<Tuple>>,
    predicates: &[PredId],
    pipelines: &mut [Pipeline<'_>],
    database: &mut Database,
    context: &mut Context<'_>,
) -> Result<(), EvalError> {
    let first_origin = pipelines.first().map(|pipeline| pipeline.origin);
    let mut rounds = 0;
    while iteration.changed() {
        rounds += 1;
        let rank = database.relations.next_rank();
        let mut n_new = 0;
        for &predicate in predicates {
            if let Some(variable) = variables.get(&predicate) {
                let recent = variable.recent.borrow();
                n_new += recent.len();
                database.relations.record_round(predicate, rank, &recent);
            }
        }
        for pipeline in pipelines.iter_mut() {
            n_new += pipeline.step(&database.relations, &mut database.store, context);
        }
        context.after_round(n_new, rounds, first_origin)?;
    }
    Ok(())
}
