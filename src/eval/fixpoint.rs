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
use super::database::{Database, Relations};
use super::incremental::rules_reading_none_of;
use super::join::{
    AtomNeed, Output, Part, Pipeline, Reading, Runs, Sink, Source, atom_needs, complete_reading,
};
use super::storage::{AnyGrowing, Permutation, Relation, RelationBuilder, RowKind, Rows};
use super::store::{Packed, Store};
use crate::analysis::ir::{self, PredId, RuleId};
use crate::plan::{ConjunctionPlan, ProgramPlan, RulePlan, StratumPlan};
use std::sync::atomic::AtomicBool;

/// Evaluates a checked, planned program from its facts: every stratum in order.
pub fn evaluate(
    program: &ir::Program,
    plan: &ProgramPlan,
    store: Store,
    options: EvalOptions,
    cancel: &AtomicBool,
) -> Result<Database, EvalError> {
    let mut database = Database::for_program(store, program, options.record_rounds);
    load_facts(program, &mut database);
    store_fits(&database.store)?;
    let mut context = Context::new(options, cancel);
    for stratum in &plan.strata {
        let mut start = Start::default();
        for &predicate in &stratum.predicates {
            let facts = database.take_relation(predicate);
            start.added.push((predicate, facts));
        }
        start.once = rules_reading_none_of(stratum, &stratum.predicates);
        run_stratum(&mut database, stratum, start, &mut context)?;
    }
    Ok(database)
}

/// Packs every base fact into its relation, in bulk.
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
    /// Rules run once over all rows in the first round: those that read no
    /// changing predicate, or (in an update) the new rules.
    pub(super) once: Vec<RuleId>,
}

/// One pipeline of a stratum: a rule's body (run once) or one of its variants.
struct Planned<'p> {
    rule: &'p RulePlan,
    plan: &'p ConjunctionPlan,
    /// The changing predicate whose recent rows the variant starts from; `None`: run once.
    delta: Option<PredId>,
}

/// Runs the rules of one stratum to their fixpoint and stores the results.
pub(super) fn run_stratum(
    database: &mut Database,
    stratum: &StratumPlan,
    start: Start<'_>,
    context: &mut Context<'_>,
) -> Result<(), EvalError> {
    // 0. A stratum of facts only: its relations are its facts, no round to record.
    if stratum.rules.is_empty() {
        for &predicate in &stratum.predicates {
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

    // 2. The pipelines: rules run once, and a variant per atom over a changing predicate.
    let mut planned: Vec<Planned<'_>> = Vec::new();
    for rule in &stratum.rules {
        if start.once.contains(&rule.rule) {
            planned.push(Planned {
                rule,
                plan: &rule.body,
                delta: None,
            });
        }
        for variant in &rule.variants {
            if let Some(first) = variant.stages.first()
                && is_changing(first.predicate)
            {
                planned.push(Planned {
                    rule,
                    plan: variant,
                    delta: Some(first.predicate),
                });
            }
        }
    }
    let needs: Vec<Vec<AtomNeed>> = planned.iter().map(|p| atom_needs(p.plan)).collect();

    // 3. Each changing relation, kept in the column orders its joins look it up by.
    let arity_of = |predicate: PredId| {
        let arity = database.relation(predicate).arity();
        planned
            .iter()
            .flat_map(|p| &p.plan.stages)
            .find(|stage| stage.predicate == predicate)
            .map(|stage| stage.args.len())
            .or_else(|| {
                stratum
                    .rules
                    .iter()
                    .find(|rule| rule.head == predicate)
                    .map(|rule| rule.body.output.len())
            })
            .unwrap_or(arity)
    };
    let mut relations: Vec<(PredId, AnyGrowing)> = Vec::with_capacity(changing.len());
    for &predicate in &changing {
        let arity = arity_of(predicate);
        let mut wanted: Vec<(Permutation, usize)> = Vec::new();
        for (p, atoms) in planned.iter().zip(&needs) {
            for (index, need) in atoms.iter().enumerate() {
                let starts = index == 0 && p.delta.is_some();
                if need.predicate != predicate || starts || need.bound_columns.is_empty() {
                    continue;
                }
                let permutation = Permutation::keyed(arity, &need.bound_columns);
                match wanted.iter_mut().find(|(known, _)| *known == permutation) {
                    Some((_, count)) => *count += 1,
                    None => wanted.push((permutation, 1)),
                }
            }
        }
        // The most used order is the primary one, so the common case is stored once.
        wanted.sort_by_key(|(_, count)| std::cmp::Reverse(*count));
        let permutations = wanted.into_iter().map(|(permutation, _)| permutation).collect();
        relations.push((predicate, AnyGrowing::new(arity, permutations)));
    }
    let growing = |relations: &[(PredId, AnyGrowing)], predicate: PredId| {
        relations
            .iter()
            .position(|(known, _)| *known == predicate)
    };
    for &(predicate, rows) in &start.known {
        if let Some(slot) = growing(&relations, predicate) {
            relations[slot].1.insert_stable(rows);
        }
    }
    for (predicate, rows) in &start.added {
        if let Some(slot) = growing(&relations, *predicate) {
            relations[slot].1.push_relation(rows);
        }
    }
    for &(predicate, old) in &start.grown {
        if let Some(slot) = growing(&relations, predicate) {
            relations[slot].1.insert_stable(old);
            // Deduplication against the old rows leaves exactly the new ones recent.
            relations[slot].1.push_relation(database.relation(predicate));
        }
    }

    // 4. The pipelines, each stage bound to a copy of a growing relation or an index.
    let mut pipelines = Vec::with_capacity(planned.len());
    let mut all_readings = Vec::with_capacity(planned.len());
    let mut heads = Vec::with_capacity(planned.len());
    for (p, atoms) in planned.iter().zip(&needs) {
        let delta_literal = p.delta.and(p.plan.stages.first()).map(|stage| stage.literal);
        let mut readings = Vec::with_capacity(atoms.len());
        let mut permutations = Vec::with_capacity(atoms.len());
        for (index, need) in atoms.iter().enumerate() {
            let (reading, permutation) = match growing(&relations, need.predicate) {
                Some(slot) => {
                    let relation = &relations[slot].1;
                    let part = match delta_literal {
                        Some(_) if index == 0 => Part::Recent,
                        Some(literal) if need.literal < literal => Part::Old,
                        _ => Part::Full,
                    };
                    let order = if need.bound_columns.is_empty() {
                        0
                    } else {
                        relation.order_for(&need.bound_columns).unwrap_or(0)
                    };
                    let permutation = relation
                        .permutations()
                        .get(order)
                        .map(|permutation| (*permutation).clone())
                        .unwrap_or_else(|| Permutation::identity(relation.arity()));
                    (
                        Reading::Growing {
                            predicate: need.predicate,
                            order,
                            part,
                        },
                        permutation,
                    )
                }
                None => complete_reading(&database.relations, need),
            };
            readings.push(reading);
            permutations.push(permutation);
        }
        let origin = Origin::Rule(p.rule.rule);
        let pipeline = Pipeline::new(
            p.plan,
            origin,
            &readings,
            &permutations,
            &database.relations,
            &mut database.store,
            context,
        )?;
        let head = growing(&relations, p.rule.head)
            .ok_or_else(|| EvalError::Internal("rule head outside its stratum".into()))?;
        pipelines.push(pipeline);
        all_readings.push(readings);
        heads.push(head);
    }

    // 5. Rounds until nothing is new.
    let first_origin = stratum.rules.first().map(|rule| Origin::Rule(rule.rule));
    let max_tuples = context.options.limits.max_tuples;
    for (_, relation) in relations.iter_mut() {
        relation.changed();
    }
    let mut rounds = 0;
    loop {
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
        let mut produced: Vec<(usize, Rows)> = Vec::new();
        let mut n_emitted = 0;
        for ((pipeline, p), (readings, &head)) in pipelines
            .iter_mut()
            .zip(&planned)
            .zip(all_readings.iter().zip(&heads))
        {
            let runs_now = match p.delta {
                None => rounds == 1,
                Some(predicate) => growing(&relations, predicate)
                    .is_some_and(|slot| relations[slot].1.n_recent() > 0),
            };
            if !runs_now {
                continue;
            }
            let head_relation = &relations[head].1;
            let mut output = Output::Rows {
                arity: head_relation.arity(),
                permutation: head_relation
                    .permutations()
                    .first()
                    .map(|permutation| (*permutation).clone())
                    .unwrap_or_else(|| Permutation::identity(head_relation.arity())),
                rows: Rows::empty(RowKind::for_arity(head_relation.arity())),
            };
            let sources = sources(readings, &relations, &database.relations);
            let mut sink = Sink {
                store: &mut database.store,
                relations: &database.relations,
                context: &mut *context,
                output: &mut output,
            };
            pipeline.run(&sources, &[], &mut sink);
            if let Some(error) = context.error.take() {
                return Err(error);
            }
            n_emitted += output.len();
            if n_emitted > max_tuples {
                return Err(EvalError::TupleLimitExceeded {
                    limit: max_tuples,
                    origin: Some(pipeline.origin),
                });
            }
            if let Output::Rows { rows, .. } = output {
                produced.push((head, rows));
            }
        }
        for (head, rows) in produced {
            relations[head].1.push_rows(rows);
        }
        context.after_round(n_new, rounds, first_origin)?;
        store_fits(&database.store)?;
        let mut any = false;
        for (_, relation) in relations.iter_mut() {
            any |= relation.changed();
        }
        if !any {
            break;
        }
    }

    // 6. The stratum's relations are complete; the lower ones that grew are the database's already.
    drop(pipelines);
    for (predicate, relation) in relations {
        if stratum.predicates.contains(&predicate) {
            database.set_relation(predicate, relation.into_relation());
        }
    }
    Ok(())
}

/// The sources of one run: each stage's rows as its reading says.
fn sources<'a>(
    readings: &'a [Reading],
    growing: &'a [(PredId, AnyGrowing)],
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
                order,
                part,
            } => match growing.iter().find(|(known, _)| known == predicate) {
                Some((_, relation)) => Source::Runs(growing_runs(relation, *order, *part)),
                None => Source::Runs(Runs::Pair(Vec::new())),
            },
        })
        .collect()
}

/// The batches of one copy of a growing relation that make up `part`.
fn growing_runs(relation: &AnyGrowing, order: usize, part: Part) -> Runs<'_> {
    macro_rules! runs {
        ($growing:expr, $variant:ident) => {{
            let Some(copy) = $growing.orders().get(order) else {
                return Runs::$variant(Vec::new());
            };
            let mut runs: Vec<&[_]> = Vec::new();
            if part != Part::Recent {
                runs.extend(copy.stable().iter().map(Vec::as_slice));
            }
            if part != Part::Old {
                runs.push(copy.recent());
            }
            Runs::$variant(runs)
        }};
    }
    match relation {
        AnyGrowing::Pair(growing) => runs!(growing, Pair),
        AnyGrowing::Quad(growing) => runs!(growing, Quad),
        AnyGrowing::Boxed(growing) => runs!(growing, Boxed),
    }
}
