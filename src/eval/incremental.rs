//! Incremental evaluation: bringing an evaluated model up to date after an
//! input that only added facts and rules, propagating only what is new.

use super::context::{Context, EvalError, EvalOptions};
use super::database::Database;
use super::fixpoint::rules_reading_none_of;
use super::fixpoint::{Start, run_stratum, store_fits};
use super::storage::{Relation, RelationBuilder};
use super::store::{Packed, Store};
use crate::analysis::ir::{self, PredId, RuleId};
use crate::plan::{Check, ConjunctionPlan, ProgramPlan};
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
///    updated semi-naively: its relations start with the old rows as
///    already known (stable) and the new facts as new (recent) ones, and
///    lower predicates that grew join in with their new rows as recent, so
///    each rule's variants compute only combinations involving a new row.
///    A new rule runs once over everything in the first round.
/// 3. A stratum that negates or aggregates a changed predicate, or reads one
///    that was recomputed (which may have lost tuples), is evaluated again
///    from its facts; so is a stratum of lattice predicates that changes,
///    since a better value replaces a tuple rather than adding one.
pub fn evaluate_incremental(
    program: &ir::Program,
    plan: &ProgramPlan,
    addition: Addition<'_>,
    options: EvalOptions,
    cancel: &AtomicBool,
) -> Result<(Database, StrataReport), EvalError> {
    let old = addition.old;
    if old.pending.is_some() {
        // A model evaluated on demand is not complete enough to update.
        let database =
            super::fixpoint::evaluate(program, plan, old.store.clone(), options, cancel)?;
        let report = StrataReport {
            recomputed: plan.strata.len(),
            ..StrataReport::default()
        };
        return Ok((database, report));
    }
    let mut database = Database::for_program(old.store.clone(), program, options.record_rounds);
    database.continue_ranks_after(old);
    let mut context = Context::new(options, cancel);
    context.n_known = old.n_tuples();
    let n_predicates = program.predicates.len();
    // Only the new facts are packed up front; a recomputed stratum packs
    // all the base facts of its predicates when it needs them (a large
    // import is not repacked for a fact typed beside it).
    let mut new_facts: Vec<Option<RelationBuilder>> = (0..n_predicates).map(|_| None).collect();
    let mut row: Vec<Packed> = Vec::new();
    for &index in addition.new_facts {
        if let Some(fact) = program.facts.get(index)
            && let Some(builder) = new_facts.get_mut(fact.predicate.0 as usize)
        {
            row.clear();
            row.extend(fact.values.iter().map(|value| database.store.pack(value)));
            builder
                .get_or_insert_with(|| RelationBuilder::new(fact.values.len()))
                .push(&row);
        }
    }
    for &index in addition.new_fact_rows {
        if let Some(rows) = program.fact_rows.get(index)
            && let Some(builder) = new_facts.get_mut(rows.predicate.0 as usize)
        {
            let builder = builder.get_or_insert_with(|| RelationBuilder::new(rows.table.arity()));
            super::bulk::pack_rows(rows, &mut database.store, builder);
        }
    }
    store_fits(&database.store)?;
    let finish = |builders: Vec<Option<RelationBuilder>>| -> Vec<Option<Relation>> {
        builders
            .into_iter()
            .map(|builder| builder.map(RelationBuilder::finish))
            .collect()
    };
    let mut new_facts = finish(new_facts);
    let mut grown: Vec<bool> = vec![false; n_predicates];
    let mut replaced: Vec<bool> = vec![false; n_predicates];
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
        let has_new_facts = |predicate: &PredId| {
            new_facts
                .get(predicate.0 as usize)
                .is_some_and(|facts| facts.as_ref().is_some_and(|facts| !facts.is_empty()))
        };
        let adds = stratum.predicates.iter().any(has_new_facts)
            || stratum
                .rules
                .iter()
                .any(|rule| addition.new_rules.contains(&rule.rule));
        let changed = |predicate: &PredId| flag(&grown, *predicate) || flag(&replaced, *predicate);
        let take = |facts: &mut Vec<Option<Relation>>, predicate: PredId| {
            facts.get_mut(predicate.0 as usize).and_then(Option::take)
        };
        // A lattice stratum that changes at all is evaluated again: a better
        // value replaces a tuple, so its old rows are not all still known,
        // and what reads them must be evaluated again too (`replaced`).
        let lattice_changes = !stratum.lattices.is_empty()
            && (adds || positive.iter().any(|predicate| flag(&grown, *predicate)));
        if lattice_changes
            || other.iter().any(changed)
            || positive.iter().any(|predicate| flag(&replaced, *predicate))
        {
            let mut start = Start::default();
            for &predicate in &stratum.predicates {
                let facts = base_facts(program, predicate, &mut database.store);
                start.added.push((predicate, facts));
                if let Some(slot) = replaced.get_mut(predicate.0 as usize) {
                    *slot = true;
                }
            }
            store_fits(&database.store)?;
            start.once = rules_reading_none_of(stratum, &stratum.predicates);
            run_stratum(&mut database, stratum, start, &mut context)?;
            report.recomputed += 1;
        } else if adds || positive.iter().any(|predicate| flag(&grown, *predicate)) {
            let mut start = Start::default();
            for &predicate in &stratum.predicates {
                start.known.push((predicate, old.relation(predicate)));
                if let Some(facts) = take(&mut new_facts, predicate) {
                    start.added.push((predicate, facts));
                }
                database.copy_rounds_from(old, predicate);
            }
            let mut lower: Vec<PredId> = positive
                .iter()
                .copied()
                .filter(|predicate| {
                    flag(&grown, *predicate) && !stratum.predicates.contains(predicate)
                })
                .collect();
            lower.sort();
            lower.dedup();
            start.grown = lower
                .into_iter()
                .map(|predicate| (predicate, old.relation(predicate)))
                .collect();
            start.once = (0..stratum.rules.len())
                .filter(|&position| addition.new_rules.contains(&stratum.rules[position].rule))
                .collect();
            run_stratum(&mut database, stratum, start, &mut context)?;
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
                database.set_relation(predicate, old.relation(predicate).clone());
                database.copy_rounds_from(old, predicate);
            }
            report.reused += 1;
        }
    }
    Ok((database, report))
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

/// Every base fact of `predicate`, its clause facts and its table rows, as
/// a relation.
fn base_facts(program: &ir::Program, predicate: PredId, store: &mut Store) -> Relation {
    let arity = program
        .predicates
        .get(predicate.0 as usize)
        .map_or(0, |declared| declared.arity);
    let mut builder = RelationBuilder::new(arity);
    let mut row: Vec<Packed> = Vec::new();
    for fact in program
        .facts
        .iter()
        .filter(|fact| fact.predicate == predicate)
    {
        row.clear();
        row.extend(fact.values.iter().map(|value| store.pack(value)));
        builder.push(&row);
    }
    for rows in program
        .fact_rows
        .iter()
        .filter(|rows| rows.predicate == predicate)
    {
        super::bulk::pack_rows(rows, store, &mut builder);
    }
    builder.finish()
}
