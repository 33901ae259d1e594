//! Incremental evaluation: bringing an evaluated model up to date after an
//! input that only added facts and rules, propagating only what is new.

use super::context::{Context, EvalError, EvalOptions, Origin};
use super::database::{Database, Relations};
use super::fixpoint::{evaluate_stratum, run_to_fixpoint};
use super::pipeline::{Pipeline, PrimedStage, run_alone};
use super::store::Store;
use super::tuple::Tuple;
use crate::analysis::ir::{self, PredId, RuleId};
use crate::plan::{Check, ConjunctionPlan, ProgramPlan};
use datafrog::{Iteration, Relation, Variable};
use std::collections::HashMap;
use std::sync::atomic::AtomicBool;

/// What one input added to an evaluated program. Predicates keep their ids
/// across the two programs (new ones come after the old ones).
pub struct Addition<'a> {
    /// The model of the program before the input.
    pub old: &'a Database,
    /// Indexes into `program.facts` of the facts the input added.
    pub new_facts: &'a [usize],
    /// Indexes into `program.fact_rows` of the fact-table rows the input added.
    pub new_fact_rows: &'a [usize],
    /// The rules the input added.
    pub new_rules: &'a [RuleId],
}

/// How an incremental evaluation brought each stratum up to date.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StrataReport {
    /// Strata taken over unchanged.
    pub reused: usize,
    /// Strata where only the new tuples were propagated.
    pub incremental: usize,
    /// Strata evaluated again from their facts (negation or aggregation over a change).
    pub recomputed: usize,
}

/// Brings an evaluated model up to date after an input that only added facts
/// and rules.
///
/// 1. A stratum that reads nothing changed is taken over as it was.
/// 2. A stratum whose rules read changed predicates only positively is
///    updated semi-naively: its variables start with the old relations as
///    already-known (stable) tuples and the new tuples as new (recent) ones,
///    and each rule's keyed join variables are primed with what a run over the
///    old relations joined, so only combinations involving a new tuple are
///    computed. A new rule's output over the old relations is added once.
/// 3. A stratum that negates or aggregates a changed predicate, or reads one
///    that was recomputed (which may have lost tuples), is evaluated again
///    from its facts.
pub fn evaluate_incremental(
    program: &ir::Program,
    plan: &ProgramPlan,
    addition: Addition<'_>,
    options: EvalOptions,
    cancel: &AtomicBool,
) -> Result<(Database, StrataReport), EvalError> {
    let old = addition.old;
    let mut database = Database::new(
        old.store.clone(),
        program.predicates.len(),
        options.record_rounds,
    );
    database.continue_ranks_after(old);
    let mut context = Context::new(options, cancel);
    // Only the new facts are packed up front; a recomputed stratum packs
    // all the facts of its predicates when it needs them.
    let mut new_facts: HashMap<PredId, Vec<Tuple>> = HashMap::new();
    for &index in addition.new_facts {
        if let Some(fact) = program.facts.get(index) {
            let tuple: Tuple = fact
                .values
                .iter()
                .map(|value| database.store.pack(value))
                .collect();
            new_facts.entry(fact.predicate).or_default().push(tuple);
        }
    }
    for &index in addition.new_fact_rows {
        if let Some(rows) = program.fact_rows.get(index) {
            let tuples = new_facts.entry(rows.predicate).or_default();
            super::bulk::pack_rows(rows, &mut database.store, tuples);
        }
    }
    // The old relations, for priming (their values are interned in the new
    // store, which extends the old one); filled on demand.
    let mut old_view = Relations::new(program.predicates.len(), false);
    let mut in_view: Vec<bool> = vec![false; program.predicates.len()];
    let mut grown: Vec<bool> = vec![false; program.predicates.len()];
    let mut replaced: Vec<bool> = vec![false; program.predicates.len()];
    let flag = |flags: &[bool], predicate: PredId| {
        flags.get(predicate.0 as usize).copied().unwrap_or(false)
    };
    let mut report = StrataReport::default();
    for stratum in &plan.strata {
        let mut positive = Vec::new();
        let mut other = Vec::new();
        for rule in &stratum.rules {
            conjunction_reads(&rule.body, &mut positive, &mut other);
        }
        let adds = stratum
            .predicates
            .iter()
            .any(|predicate| new_facts.contains_key(predicate))
            || stratum
                .rules
                .iter()
                .any(|rule| addition.new_rules.contains(&rule.rule));
        let changed = |predicate: &PredId| flag(&grown, *predicate) || flag(&replaced, *predicate);
        if other.iter().any(changed) || positive.iter().any(|predicate| flag(&replaced, *predicate))
        {
            for &predicate in &stratum.predicates {
                let facts = super::bulk::base_tuples(program, predicate, &mut database.store);
                database.set_relation(predicate, Relation::from_vec(facts));
                if let Some(slot) = replaced.get_mut(predicate.0 as usize) {
                    *slot = true;
                }
            }
            evaluate_stratum(
                &mut database,
                &stratum.predicates,
                &stratum.rules,
                &mut context,
            )?;
            report.recomputed += 1;
        } else if adds || positive.iter().any(|predicate| flag(&grown, *predicate)) {
            for rule in &stratum.rules {
                let mut reads = Vec::new();
                conjunction_reads(&rule.body, &mut reads, &mut Vec::new());
                let mut nonmonotone = Vec::new();
                conjunction_reads(&rule.body, &mut Vec::new(), &mut nonmonotone);
                for predicate in reads.into_iter().chain(nonmonotone) {
                    if let Some(seen) = in_view.get_mut(predicate.0 as usize)
                        && !*seen
                    {
                        *seen = true;
                        old_view.set_relation(
                            predicate,
                            Relation::from_vec(old.relation(predicate).to_vec()),
                        );
                    }
                }
            }
            update_stratum(
                &mut database,
                old,
                &old_view,
                stratum,
                &new_facts,
                addition.new_rules,
                &grown,
                &mut context,
            )?;
            for &predicate in &stratum.predicates {
                if database.relation(predicate).len() > old.relation(predicate).len()
                    && let Some(slot) = grown.get_mut(predicate.0 as usize)
                {
                    *slot = true;
                }
            }
            report.incremental += 1;
        } else {
            for &predicate in &stratum.predicates {
                database.set_relation(
                    predicate,
                    Relation::from_vec(old.relation(predicate).to_vec()),
                );
                database.copy_rounds_from(old, predicate);
            }
            report.reused += 1;
        }
    }
    Ok((database, report))
}

/// Step 2 of `evaluate_incremental` for one stratum.
#[allow(clippy::too_many_arguments)]
fn update_stratum(
    database: &mut Database,
    old: &Database,
    old_view: &Relations,
    stratum: &crate::plan::StratumPlan,
    new_facts: &HashMap<PredId, Vec<Tuple>>,
    new_rules: &[RuleId],
    grown: &[bool],
    context: &mut Context<'_>,
) -> Result<(), EvalError> {
    let mut iteration = Iteration::new();
    let mut variables: HashMap<PredId, Variable<Tuple>> = HashMap::new();
    for &predicate in &stratum.predicates {
        let variable = iteration.variable::<Tuple>(&format!("p{}", predicate.0));
        variable
            .stable
            .borrow_mut()
            .push(Relation::from_vec(old.relation(predicate).to_vec()));
        if let Some(facts) = new_facts.get(&predicate) {
            variable.insert(Relation::from_vec(facts.clone()));
        }
        database.copy_rounds_from(old, predicate);
        variables.insert(predicate, variable);
    }
    for rule in &stratum.rules {
        for stage in &rule.body.stages {
            let predicate = stage.predicate;
            if variables.contains_key(&predicate) {
                continue;
            }
            let variable = iteration.variable::<Tuple>(&format!("p{}", predicate.0));
            variable
                .stable
                .borrow_mut()
                .push(Relation::from_vec(old.relation(predicate).to_vec()));
            if grown.get(predicate.0 as usize).copied().unwrap_or(false) {
                // Deduplication against the old tuples leaves exactly the new ones recent.
                variable.insert(Relation::from_vec(database.relation(predicate).to_vec()));
            }
            variables.insert(predicate, variable);
        }
    }
    // Lower predicates that grew have new tuples to join, like the stratum's own.
    let changing = |predicate: PredId| {
        stratum.predicates.contains(&predicate)
            || grown.get(predicate.0 as usize).copied().unwrap_or(false)
    };
    let mut pipelines = Vec::with_capacity(stratum.rules.len());
    for rule in &stratum.rules {
        let origin = Origin::Rule(rule.rule);
        let (stages, output) = prime(
            &rule.body,
            origin,
            old_view,
            &mut database.store,
            &changing,
            context,
        )?;
        let head = variables
            .get(&rule.head)
            .cloned()
            .ok_or_else(|| EvalError::Internal("rule head outside its stratum".into()))?;
        let pipeline = Pipeline::new(
            &rule.body,
            origin,
            &mut iteration,
            &mut variables,
            &database.relations,
            &mut database.store,
            head.clone(),
            None,
            &changing,
            context,
        )?;
        pipeline.prime(stages);
        if new_rules.contains(&rule.rule) {
            head.insert(output);
        }
        pipelines.push(pipeline);
    }
    run_to_fixpoint(
        &mut iteration,
        &variables,
        &stratum.predicates,
        &mut pipelines,
        database,
        context,
    )?;
    drop(pipelines);
    for &predicate in &stratum.predicates {
        if let Some(variable) = variables.remove(&predicate) {
            database.set_relation(predicate, variable.complete());
        }
    }
    Ok(())
}

/// Runs one rule body over `view` (the old relations) to completion and
/// returns what its keyed variables hold, and its output; values it computes
/// are interned in `store`.
fn prime(
    plan: &ConjunctionPlan,
    origin: Origin,
    view: &Relations,
    store: &mut Store,
    changing: &dyn Fn(PredId) -> bool,
    context: &mut Context<'_>,
) -> Result<(Vec<PrimedStage>, Relation<Tuple>), EvalError> {
    let (pipeline, output) = run_alone(plan, origin, view, store, &[], changing, context)?;
    Ok((pipeline.into_primed(), output))
}

/// The predicates a conjunction reads: positively through its stages, and
/// otherwise (negation, and everything an aggregate body reads).
fn conjunction_reads(plan: &ConjunctionPlan, positive: &mut Vec<PredId>, other: &mut Vec<PredId>) {
    let all_checks = plan
        .seed_checks
        .iter()
        .chain(plan.stages.iter().flat_map(|stage| stage.checks.iter()));
    for check in all_checks {
        if let Check::Negation { predicate, .. } = check {
            other.push(*predicate);
        }
    }
    positive.extend(plan.stages.iter().map(|stage| stage.predicate));
    for aggregate in &plan.aggregates {
        let mut inner = Vec::new();
        conjunction_reads(&aggregate.body, &mut inner, other);
        other.extend(inner);
    }
}
