//! The fixpoint: every stratum evaluated semi-naively over narrow rows.
//!
//! Owns the evaluation of a whole program from its facts (`evaluate`) and
//! the round loop every stratum runs (`run_stratum`, also used by
//! `incremental`). A predicate of the running stratum is a `Growing`
//! relation kept in the column orders its joins read it by; each rule runs
//! once per atom over a changing predicate, as the variant that starts from
//! that atom's new rows (atoms written before it read the old rows, those
//! after it all rows), so every combination involving a new row is found
//! and nothing between atoms is stored. Never sees a `Span`.

use super::context::{Context, EvalError, EvalOptions, Origin};
use super::database::{Database, Pending, Relations};
use super::join::{
    AtomNeed, Output, Pipeline, Reading, RowBuffer, Sink, Source, atom_needs, complete_reading,
};
use super::lattice::Keeper;
use super::storage::{AnyBatches, AnyGrowing, Part, Permutation, Relation, RelationBuilder, Runs};
use super::store::{Packed, Store};
use crate::analysis::ir::{self, PredId};
use crate::plan::{ConjunctionPlan, ProgramPlan, RulePlan, StratumPlan};
use datafrog::Iteration;
use std::sync::atomic::AtomicBool;

/// Evaluates a checked, planned program from its facts: every stratum in order.
pub fn evaluate(
    program: &ir::Program,
    plan: &ProgramPlan,
    store: Store,
    options: EvalOptions,
    cancel: &AtomicBool,
) -> Result<Database, EvalError> {
    let database = Database::for_program(store, program, options.record_rounds);
    evaluate_loaded(program, plan, database, options, cancel)
}

/// Evaluates a checked, planned program over `database`, whose relations
/// already hold facts loaded in bulk (rows of packed values, see
/// [`Database::extend_relation`]), with the program's own facts added:
/// the path for facts that never become syntax trees (a fact file read
/// straight into the engine, an import).
///
/// `database` must come from [`Database::for_program`] for this program,
/// its values packed with its own store.
pub fn evaluate_loaded(
    program: &ir::Program,
    plan: &ProgramPlan,
    mut database: Database,
    options: EvalOptions,
    cancel: &AtomicBool,
) -> Result<Database, EvalError> {
    load_facts(program, &mut database);
    store_fits(&database.store)?;
    let mut context = Context::new(options, cancel);
    context.n_known = database.n_tuples();
    let deferred = |stratum: &StratumPlan| {
        options.demand
            && !stratum.predicates.is_empty()
            && stratum.predicates.iter().all(|predicate| {
                plan.demand
                    .deferred
                    .get(predicate.0 as usize)
                    .copied()
                    .unwrap_or(false)
            })
    };
    let mut pending = Pending {
        predicates: vec![false; program.predicates.len()],
        strata: Vec::new(),
        plans: plan.demand.plans.clone(),
    };
    for stratum in &plan.strata {
        if deferred(stratum) {
            // Only queries answered from demand read it: left out, for them
            // to compute the part they ask for.
            for predicate in &stratum.predicates {
                if let Some(flag) = pending.predicates.get_mut(predicate.0 as usize) {
                    *flag = true;
                }
            }
            pending.strata.push(stratum.clone());
            continue;
        }
        let mut start = Start::default();
        for &predicate in &stratum.predicates {
            let facts = database.take_relation(predicate);
            start.added.push((predicate, facts));
        }
        start.once = rules_reading_none_of(stratum, &stratum.predicates);
        run_stratum(&mut database, stratum, start, &mut context)?;
    }
    if !pending.strata.is_empty() {
        database.pending = Some(Box::new(pending));
    }
    Ok(database)
}

/// The positions in `stratum` of the rules whose bodies read none of `predicates`.
pub(super) fn rules_reading_none_of(stratum: &StratumPlan, predicates: &[PredId]) -> Vec<usize> {
    stratum
        .rules
        .iter()
        .enumerate()
        .filter(|(_, rule)| {
            rule.body
                .stages
                .iter()
                .all(|stage| !predicates.contains(&stage.predicate))
        })
        .map(|(position, _)| position)
        .collect()
}

/// Packs every base fact into its relation, in bulk: clause facts, then
/// fact-table rows.
pub(super) fn load_facts(program: &ir::Program, database: &mut Database) {
    let mut builders: Vec<Option<RelationBuilder>> =
        (0..program.predicates.len()).map(|_| None).collect();
    let mut row: Vec<Packed> = Vec::new();
    for fact in &program.facts {
        let Some(slot) = builders.get_mut(fact.predicate.0 as usize) else {
            continue;
        };
        row.clear();
        row.extend(fact.values.iter().map(|value| database.store.pack(value)));
        slot.get_or_insert_with(|| RelationBuilder::new(fact.values.len()))
            .push(&row);
    }
    pack_fact_rows(&program.fact_rows, &mut builders, &mut database.store);
    extend_relations(database, builders);
}

/// Packs the rows of fact tables into `database`, a database made by
/// [`Database::for_program`] for the program they were checked with, ahead
/// of [`evaluate_loaded`] with a program that no longer lists them: for a
/// caller that lets go of large tables before the evaluation's peak (the
/// engine then holds the only copy of the rows).
pub fn load_fact_rows(fact_rows: &[ir::FactRows], database: &mut Database) {
    let mut builders: Vec<Option<RelationBuilder>> =
        (0..database.n_predicates()).map(|_| None).collect();
    pack_fact_rows(fact_rows, &mut builders, &mut database.store);
    extend_relations(database, builders);
}

fn pack_fact_rows(
    fact_rows: &[ir::FactRows],
    builders: &mut [Option<RelationBuilder>],
    store: &mut Store,
) {
    for rows in fact_rows {
        if let Some(slot) = builders.get_mut(rows.predicate.0 as usize) {
            let builder = slot.get_or_insert_with(|| RelationBuilder::new(rows.table.arity()));
            super::bulk::pack_rows(rows, store, builder);
        }
    }
}

fn extend_relations(database: &mut Database, builders: Vec<Option<RelationBuilder>>) {
    for (index, builder) in builders.into_iter().enumerate() {
        if let Some(builder) = builder {
            database.extend_relation(PredId(index as u32), builder);
        }
    }
}

/// An error once the store ran out of ids for new values.
pub(super) fn store_fits(store: &Store) -> Result<(), EvalError> {
    match store.overflowed() {
        true => Err(EvalError::ValuesExhausted),
        false => Ok(()),
    }
}

/// Where a stratum starts from.
#[derive(Default)]
pub(super) struct Start<'a> {
    /// Rows of the stratum's predicates known already (an update's old model).
    pub(super) known: Vec<(PredId, &'a Relation)>,
    /// Rows of the stratum's predicates to add in the first round (facts).
    pub(super) added: Vec<(PredId, Relation)>,
    /// Lower predicates that grew since `known` was computed, with their old
    /// rows; the database holds their new ones. Their atoms are joined
    /// semi-naively like the stratum's own in the first round.
    pub(super) grown: Vec<(PredId, &'a Relation)>,
    /// Rules (by position in the stratum) run once over all rows in the
    /// first round: those that read no changing predicate, or (in an
    /// update) the new rules.
    pub(super) once: Vec<usize>,
}

/// A plan one group may run as, before it is built.
struct Planned<'p> {
    plan: &'p ConjunctionPlan,
    needs: Vec<AtomNeed>,
}

/// A rule run once, or one semi-naive variant of a rule, with the plans it
/// may run as (the variant starting from its new rows, and the body in
/// written order with the new rows read in place).
struct Group<'p> {
    rule: &'p RulePlan,
    /// The changing predicate and body literal whose recent rows this variant
    /// reads; `None`: the rule runs once, in the first round, over all rows.
    delta: Option<(PredId, usize)>,
    planned: Vec<Planned<'p>>,
}

/// A plan built: its pipeline and what each stage reads.
struct Candidate<'p> {
    pipeline: Pipeline<'p>,
    readings: Vec<Reading>,
    /// For each stage, how many leading positions of the rows it reads its key covers.
    key_lens: Vec<usize>,
}

/// Runs the rules of one stratum to their fixpoint and stores the results.
pub(super) fn run_stratum(
    database: &mut Database,
    stratum: &StratumPlan,
    start: Start<'_>,
    context: &mut Context<'_>,
) -> Result<(), EvalError> {
    // 0. A stratum of facts only: its relations are its facts, no round to
    //    record; a lattice predicate keeps the best fact of each key.
    if stratum.rules.is_empty() {
        for &predicate in &stratum.predicates {
            if let Some((_, lattice)) = stratum.lattices.iter().find(|(id, _)| *id == predicate) {
                let arity = database.relation(predicate).arity();
                let mut keeper = Keeper::new(predicate, *lattice, arity);
                let mut rows = RelationBuilder::new(arity);
                for (known, relation) in start
                    .known
                    .iter()
                    .map(|(id, rows)| (id, *rows))
                    .chain(start.added.iter().map(|(id, rows)| (id, rows)))
                {
                    if *known == predicate {
                        keeper
                            .improve_relation(relation, &database.store)
                            .map_err(|error| lattice_error(error, stratum, predicate))?;
                        rows.extend_from(relation);
                    }
                }
                database.set_relation(predicate, keeper.keep_best(rows.finish()));
                continue;
            }
            let arity = database.relation(predicate).arity();
            let mut rows = RelationBuilder::new(arity);
            for (known, relation) in &start.known {
                if *known == predicate {
                    rows.extend_from(relation);
                }
            }
            for (added, relation) in &start.added {
                if *added == predicate {
                    rows = RelationBuilder::new(relation.arity());
                    rows.extend_from(relation);
                    for (known, old) in &start.known {
                        if *known == predicate {
                            rows.extend_from(old);
                        }
                    }
                }
            }
            database.set_relation(predicate, rows.finish());
        }
        return Ok(());
    }
    // 1. The changing predicates: the stratum's own and the lower ones that grew.
    let mut changing: Vec<PredId> = stratum.predicates.clone();
    changing.extend(start.grown.iter().map(|(predicate, _)| *predicate));
    let is_changing = |predicate: PredId| changing.contains(&predicate);

    // 2. The groups: rules run once, and a variant per atom over a changing predicate.
    let mut groups: Vec<Group<'_>> = Vec::new();
    for (position, rule) in stratum.rules.iter().enumerate() {
        let planned = |plan| Planned {
            plan,
            needs: atom_needs(plan),
        };
        if start.once.contains(&position) {
            groups.push(Group {
                rule,
                delta: None,
                planned: vec![planned(&rule.body)],
            });
        }
        for variant in &rule.variants {
            let Some(first) = variant.stages.first() else {
                continue;
            };
            if !is_changing(first.predicate) {
                continue;
            }
            let mut plans = vec![planned(variant)];
            if rule.body.stages.first().map(|stage| stage.literal) != Some(first.literal) {
                plans.push(planned(&rule.body));
            }
            groups.push(Group {
                rule,
                delta: Some((first.predicate, first.literal)),
                planned: plans,
            });
        }
    }

    // 3. Each changing relation, kept in the column orders its joins look it up by.
    let arity_of = |predicate: PredId| {
        groups
            .iter()
            .flat_map(|group| &group.rule.body.stages)
            .find(|stage| stage.predicate == predicate)
            .map(|stage| stage.args.len())
            .or_else(|| {
                stratum
                    .rules
                    .iter()
                    .find(|rule| rule.head == predicate)
                    .map(|rule| rule.body.output.len())
            })
            .unwrap_or_else(|| database.relation(predicate).arity())
    };
    let mut iteration = Iteration::new();
    let mut relations: Vec<(PredId, AnyGrowing)> = Vec::with_capacity(changing.len());
    for &predicate in &changing {
        let arity = arity_of(predicate);
        // The orders the written-order plans read in are made now; those only
        // another plan needs wait until that plan is first chosen.
        let mut wanted: Vec<(Permutation, usize)> = Vec::new();
        for group in &groups {
            for planned in group.planned.iter().rev().take(1) {
                for need in &planned.needs {
                    if need.predicate != predicate || need.bound_columns.is_empty() {
                        continue;
                    }
                    let mut key = need.bound_columns.clone();
                    key.sort_unstable();
                    let permutation = Permutation::keyed(arity, &key);
                    match wanted.iter_mut().find(|(known, _)| *known == permutation) {
                        Some((_, count)) => *count += 1,
                        None => wanted.push((permutation, 1)),
                    }
                }
            }
        }
        // The most used order is the primary one, so the common case is stored once.
        wanted.sort_by_key(|(_, count)| std::cmp::Reverse(*count));
        let permutations = wanted
            .into_iter()
            .map(|(permutation, _)| permutation)
            .collect();
        let name = format!("p{}", predicate.0);
        relations.push((
            predicate,
            AnyGrowing::new(&mut iteration, &name, arity, permutations),
        ));
    }
    let growing = |relations: &[(PredId, AnyGrowing)], predicate: PredId| {
        relations.iter().position(|(known, _)| *known == predicate)
    };
    // Lattice predicates take only improvements on the best of each key.
    let mut keepers: Vec<Keeper> = stratum
        .lattices
        .iter()
        .map(|&(predicate, lattice)| Keeper::new(predicate, lattice, arity_of(predicate)))
        .collect();
    let keeper_of = |keepers: &mut Vec<Keeper>, predicate: PredId| {
        keepers
            .iter()
            .position(|keeper| keeper.predicate == predicate)
    };
    for &(predicate, rows) in &start.known {
        if let Some(slot) = growing(&relations, predicate) {
            if let Some(keeper) = keeper_of(&mut keepers, predicate) {
                keepers[keeper]
                    .improve_relation(rows, &database.store)
                    .map_err(|error| lattice_error(error, stratum, predicate))?;
            }
            relations[slot].1.insert_stable(rows);
        }
    }
    for (predicate, rows) in &start.added {
        if let Some(slot) = growing(&relations, *predicate) {
            match keeper_of(&mut keepers, *predicate) {
                Some(keeper) => {
                    let improved = keepers[keeper]
                        .improve_relation(rows, &database.store)
                        .map_err(|error| lattice_error(error, stratum, *predicate))?;
                    relations[slot].1.insert_relation(&improved);
                }
                None => relations[slot].1.insert_relation(rows),
            }
        }
    }
    for &(predicate, old) in &start.grown {
        if let Some(slot) = growing(&relations, predicate) {
            relations[slot].1.insert_stable(old);
            // Deduplication against the old rows leaves exactly the new ones recent.
            relations[slot]
                .1
                .insert_relation(database.relation(predicate));
        }
    }

    // 4. The pipelines, each stage bound to a copy of a growing relation or an index.
    let mut built: Vec<(usize, Vec<Candidate<'_>>)> = Vec::with_capacity(groups.len());
    for group in &groups {
        let head = growing(&relations, group.rule.head)
            .ok_or_else(|| EvalError::Internal("rule head outside its stratum".into()))?;
        let delta_literal = group.delta.map(|(_, literal)| literal);
        let mut candidates = Vec::with_capacity(group.planned.len());
        for planned in &group.planned {
            let mut readings = Vec::with_capacity(planned.needs.len());
            let mut permutations = Vec::with_capacity(planned.needs.len());
            let mut key_lens = Vec::with_capacity(planned.needs.len());
            for need in &planned.needs {
                let (reading, permutation) = match growing(&relations, need.predicate) {
                    Some(slot) => {
                        let relation = &relations[slot].1;
                        let part = match delta_literal {
                            Some(literal) if need.literal == literal => Part::Recent,
                            Some(literal) if need.literal < literal => Part::Old,
                            _ => Part::Full,
                        };
                        let existing = if need.bound_columns.is_empty() {
                            Some(0)
                        } else {
                            relation.order_for(&need.bound_columns)
                        };
                        let permutation = match existing {
                            Some(order) => relation
                                .permutations()
                                .get(order)
                                .map(|permutation| (*permutation).clone())
                                .unwrap_or_else(|| Permutation::identity(relation.arity())),
                            None => {
                                let mut key = need.bound_columns.clone();
                                key.sort_unstable();
                                Permutation::keyed(relation.arity(), &key)
                            }
                        };
                        (
                            Reading::Growing {
                                predicate: need.predicate,
                                permutation: permutation.clone(),
                                part,
                            },
                            permutation,
                        )
                    }
                    None => complete_reading(&database.relations, need),
                };
                key_lens.push(
                    permutation
                        .columns()
                        .iter()
                        .take_while(|column| need.bound_columns.contains(column))
                        .count(),
                );
                readings.push(reading);
                permutations.push(permutation);
            }
            let pipeline = Pipeline::new(
                planned.plan,
                Origin::Rule(group.rule.rule),
                &readings,
                &permutations,
                &database.relations,
                &mut database.store,
                context,
            )?;
            candidates.push(Candidate {
                pipeline,
                readings,
                key_lens,
            });
        }
        built.push((head, candidates));
    }

    // 5. Rounds until nothing is new. The round limit scales with the data
    //    (`Limits::round_limit` of the tuples held as the stratum starts: a
    //    chain over N facts legitimately takes N rounds), and a round past
    //    it is blamed on a rule that still produced rows in that round.
    let round_limit = if stratum.lattices.is_empty() {
        context.round_limit()
    } else {
        context.lattice_round_limit()
    };
    let mut still_deriving = stratum.rules.first().map(|rule| Origin::Rule(rule.rule));
    // One buffer of new rows per head, shared by its rules, kept across
    // rounds so its cache of rows already produced stays warm.
    let mut outputs: Vec<Option<Output>> = (0..relations.len()).map(|_| None).collect();
    let mut rounds = 0;
    // The first round runs even when nothing is new: it runs the rules run once.
    while iteration.changed() || rounds == 0 {
        rounds += 1;
        let rank = database.relations.next_rank();
        let mut n_new = 0;
        for &predicate in &stratum.predicates {
            if let Some(slot) = growing(&relations, predicate) {
                n_new += relations[slot].1.n_recent();
                if database.relations.records_rounds() {
                    let recent = relations[slot].1.recent_relation();
                    database.relations.record_round(predicate, rank, recent);
                }
            }
        }
        for (group, (head, candidates)) in groups.iter().zip(built.iter_mut()) {
            let runs_now = match group.delta {
                None => rounds == 1,
                Some((predicate, _)) => growing(&relations, predicate)
                    .is_some_and(|slot| relations[slot].1.n_recent() > 0),
            };
            if !runs_now {
                continue;
            }
            let chosen = if context.options.written_order {
                candidates.len().saturating_sub(1)
            } else {
                cheapest(candidates, &relations, &database.relations)
            };
            let Some(candidate) = candidates.get_mut(chosen) else {
                continue;
            };
            // A plan chosen for the first time may read a relation in a new order.
            for reading in &candidate.readings {
                if let Reading::Growing {
                    predicate,
                    permutation,
                    ..
                } = reading
                    && let Some(slot) = growing(&relations, *predicate)
                {
                    let name = format!("p{}", predicate.0);
                    relations[slot]
                        .1
                        .ensure_order(&mut iteration, &name, permutation);
                }
            }
            let Some(output) = outputs.get_mut(*head) else {
                continue;
            };
            let head_relation = &relations[*head].1;
            let output = output.get_or_insert_with(|| Output::Rows {
                arity: head_relation.arity(),
                permutation: head_relation
                    .permutations()
                    .first()
                    .map(|permutation| (*permutation).clone())
                    .unwrap_or_else(|| Permutation::identity(head_relation.arity())),
                rows: RowBuffer::new(head_relation.arity()),
            });
            let batches: Vec<AnyBatches<'_>> = relations
                .iter()
                .map(|(_, relation)| relation.batches())
                .collect();
            let sources = sources(
                &candidate.readings,
                &relations,
                &batches,
                &database.relations,
            );
            let n_before = output.len();
            let mut sink = Sink {
                store: &mut database.store,
                relations: &database.relations,
                context: &mut *context,
                output,
            };
            candidate.pipeline.run(&sources, &[], &mut sink);
            if let Some(error) = context.error.take() {
                return Err(error);
            }
            let origin = candidate.pipeline.origin;
            if output.len() > n_before {
                still_deriving = Some(origin);
            }
            if context.over_tuple_limit(output.len(), origin) {
                return Err(context
                    .error
                    .take()
                    .unwrap_or(EvalError::TupleLimitExceeded {
                        limit: context.options.limits.max_tuples,
                        origin: Some(origin),
                    }));
            }
        }
        for (head, output) in outputs.iter_mut().enumerate() {
            if let Some(Output::Rows {
                rows, permutation, ..
            }) = output
            {
                let predicate = relations[head].0;
                let mut new_rows = rows.take_rows();
                if let Some(keeper) = keeper_of(&mut keepers, predicate) {
                    new_rows = keepers[keeper]
                        .improve(new_rows, permutation, &database.store)
                        .map_err(|error| lattice_error(error, stratum, predicate))?;
                }
                relations[head].1.insert_rows(new_rows);
            }
        }
        context.after_round(n_new, rounds, round_limit, still_deriving)?;
        store_fits(&database.store)?;
    }

    // 6. The stratum's relations are complete; the lower ones that grew are the database's already.
    drop(built);
    for (predicate, relation) in relations {
        if stratum.predicates.contains(&predicate) {
            let mut complete = relation.into_relation();
            if let Some(keeper) = keeper_of(&mut keepers, predicate) {
                complete = keepers[keeper].keep_best(complete);
            }
            database.set_relation(predicate, complete);
        }
    }
    Ok(())
}

/// A lattice value that does not compare with the best of its key, blamed
/// on the first rule of its predicate.
fn lattice_error(
    error: super::store::ValueError,
    stratum: &StratumPlan,
    predicate: PredId,
) -> EvalError {
    match stratum.rules.iter().find(|rule| rule.head == predicate) {
        Some(rule) => EvalError::Value {
            error,
            origin: Origin::Rule(rule.rule),
            literal: None,
        },
        None => EvalError::Internal(format!("lattice facts that do not compare: {error}")),
    }
}

/// The candidate whose estimated work is least: the sum over its stages of
/// the bindings reaching them, each stage multiplying them by the rows per
/// key of what it reads (sizes and distinct keys as they are this round).
/// The written order (the last candidate) wins unless another is at least
/// twice cheaper.
fn cheapest(
    candidates: &[Candidate<'_>],
    growing: &[(PredId, AnyGrowing)],
    relations: &Relations,
) -> usize {
    if candidates.len() < 2 {
        return 0;
    }
    let cost = |candidate: &Candidate<'_>| {
        let mut bindings = 1.0;
        let mut work = 0.0;
        for (reading, &key_len) in candidate.readings.iter().zip(&candidate.key_lens) {
            let fanout = match reading {
                Reading::Complete { predicate, index } => {
                    let n_rows = relations.relation(*predicate).len() as f64;
                    match index {
                        None => n_rows,
                        Some(index) if index.covers_all() => n_rows.min(1.0),
                        Some(index) => n_rows / index.n_keys().max(1) as f64,
                    }
                }
                Reading::Growing {
                    predicate,
                    permutation,
                    part,
                } => match growing.iter().find(|(known, _)| known == predicate) {
                    Some((_, relation)) => match relation.order_of(permutation) {
                        Some(order) => relation.fanout(order, *part, key_len),
                        None => {
                            // An order not made yet: its keys are unknown, and
                            // making it costs a pass over the relation.
                            work += relation.n_rows(Part::Full) as f64;
                            let n_rows = relation.n_rows(*part) as f64;
                            if key_len == 0 { n_rows } else { n_rows.sqrt() }
                        }
                    },
                    None => 0.0,
                },
            };
            bindings *= fanout;
            work += bindings;
        }
        work
    };
    let written = candidates.len() - 1;
    let written_cost = cost(&candidates[written]);
    let (best, best_cost) = candidates
        .iter()
        .enumerate()
        .map(|(index, candidate)| (index, cost(candidate)))
        .fold((written, written_cost), |best, next| {
            if next.1 < best.1 { next } else { best }
        });
    if best_cost * 2.0 <= written_cost {
        best
    } else {
        written
    }
}

/// The sources of one run: each stage's rows as its reading says
/// (`batches` holds the borrowed runs of each growing relation).
fn sources<'a>(
    readings: &'a [Reading],
    growing: &[(PredId, AnyGrowing)],
    batches: &'a [AnyBatches<'_>],
    relations: &'a Relations,
) -> Vec<Source<'a>> {
    readings
        .iter()
        .map(|reading| match reading {
            Reading::Complete {
                predicate,
                index: Some(index),
            } => Source::Index {
                rows: relations.relation(*predicate).rows(),
                index,
            },
            Reading::Complete {
                predicate,
                index: None,
            } => Source::Runs(Runs::whole(relations.relation(*predicate).rows())),
            Reading::Growing {
                predicate,
                permutation,
                part,
            } => {
                let slot = growing.iter().position(|(known, _)| known == predicate);
                let order = slot.and_then(|slot| growing[slot].1.order_of(permutation));
                match (slot.and_then(|slot| batches.get(slot)), order) {
                    (Some(batches), Some(order)) => Source::Runs(batches.runs(order, *part)),
                    _ => Source::Runs(Runs::Pair(Vec::new())),
                }
            }
        })
        .collect()
}
