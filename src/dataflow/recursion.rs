//! A stratum: its predicates as the distinct union of their facts and their
//! rules' outputs. A recursive stratum is an iterative scope with one
//! `Variable` per predicate, each round feeding what the rules derived back
//! in until nothing changes; lower strata enter it complete. A lattice
//! predicate's union goes through `lattice::keep_best` first.

use super::blueprint::StratumBlueprint;
use super::datum::Row;
use super::lattice::keep_best;
use super::pipeline::render_conjunction;
use super::render::Render;
use crate::analysis::ir::PredId;
use differential_dataflow::operators::iterate::VecVariable;
use differential_dataflow::{AsCollection, VecCollection};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use timely::dataflow::operators::vec::Map;
use timely::order::Product;

/// Each tuple of a recursive predicate with the round (iteration) in which
/// it first appeared, for explanations.
pub type Rounds<'s> = Vec<(PredId, VecCollection<'s, u64, (Row, u64)>)>;

/// Renders `stratum` at the top level; its relations replace the facts-only
/// ones in `render.relations`. `facts` holds each predicate's base facts.
/// With `record_rounds`, returns each recursive predicate's tuples with the
/// round they appeared in.
pub fn render_stratum<'s>(
    render: &mut Render<'s, u64>,
    stratum: &StratumBlueprint,
    facts: &BTreeMap<PredId, VecCollection<'s, u64, Row>>,
    record_rounds: bool,
) -> Rounds<'s> {
    let lattice_of = |predicate: PredId| {
        stratum
            .lattices
            .iter()
            .find(|(id, _)| *id == predicate)
            .map(|(_, lattice)| *lattice)
    };
    if stratum.rules.is_empty() && stratum.lattices.is_empty() {
        return Vec::new();
    }
    if !stratum.recursive {
        let mut derived: HashMap<PredId, Vec<VecCollection<'s, u64, Row>>> = HashMap::new();
        for rule in &stratum.rules {
            let output = render_conjunction(render, &rule.body, None);
            derived.entry(rule.head).or_default().push(output);
        }
        for &predicate in &stratum.predicates {
            let mut parts = derived.remove(&predicate).unwrap_or_default();
            parts.extend(facts.get(&predicate).cloned());
            let mut relation =
                differential_dataflow::collection::concatenate(render.scope, parts).distinct();
            if let Some(lattice) = lattice_of(predicate) {
                relation = keep_best(render, relation, lattice, stratum.lattice_site);
            }
            render.relations.insert(predicate, relation);
        }
        return Vec::new();
    }
    let outer = render.scope;
    let (relations, faults, rounds) = outer.iterative::<u64, _, _>(|inner| {
        let mut inner_render = Render {
            scope: inner,
            relations: HashMap::new(),
            unit: render.unit.clone().enter(inner),
            empty: render.empty.clone().enter(inner),
            faults: Vec::new(),
            evaluator: render.evaluator.clone(),
            monitor: Arc::clone(&render.monitor),
        };
        for &predicate in &stratum.reads {
            inner_render
                .relations
                .insert(predicate, render.relation(predicate).enter(inner));
        }
        let mut variables = Vec::new();
        for &predicate in &stratum.predicates {
            let (variable, collection): (VecVariable<'_, _, Row, isize>, _) =
                VecVariable::new(inner, Product::new(Default::default(), 1));
            inner_render.relations.insert(predicate, collection);
            variables.push((predicate, variable));
        }
        let mut derived: HashMap<PredId, Vec<VecCollection<'_, _, Row>>> = HashMap::new();
        for rule in &stratum.rules {
            let output = render_conjunction(&mut inner_render, &rule.body, None);
            derived.entry(rule.head).or_default().push(output);
        }
        let mut relations = Vec::new();
        let mut rounds: Rounds<'s> = Vec::new();
        for (predicate, variable) in variables {
            let mut parts = derived.remove(&predicate).unwrap_or_default();
            if let Some(base) = facts.get(&predicate) {
                parts.push(base.clone().enter(inner));
            }
            let monitor = Arc::clone(&render.monitor);
            let origin = stratum.first_origin;
            let mut union = differential_dataflow::collection::concatenate(inner, parts).distinct();
            // A lattice predicate feeds back only the best tuple of each key.
            if let Some(lattice) = lattice_of(predicate) {
                union = keep_best(&mut inner_render, union, lattice, stratum.lattice_site);
            }
            // A lattice recursion's limit scales with the facts, not with
            // the records a cycle improving a value forever keeps adding.
            let lattice_limit = !stratum.lattices.is_empty();
            let lattice_origin = stratum.recursive_origin.or(origin);
            let next = union.inspect_batch(move |_, updates| {
                if let Some(round) = updates.iter().map(|(_, time, _)| time.inner).max() {
                    if lattice_limit {
                        monitor.lattice_round(round, lattice_origin);
                    } else {
                        monitor.round(round, origin);
                    }
                }
            });
            variable.set(next.clone());
            if record_rounds {
                // The iteration is part of the timestamp; make it part of the
                // record before leaving the scope, which forgets it.
                let with_round = next
                    .clone()
                    .inner
                    .map(|(row, time, diff)| ((row, time.inner), time, diff))
                    .as_collection()
                    .leave(outer);
                rounds.push((predicate, with_round));
            }
            relations.push((predicate, next.leave(outer)));
        }
        let faults: Vec<_> = inner_render
            .faults
            .into_iter()
            .map(|fault| fault.leave(outer))
            .collect();
        (relations, faults, rounds)
    });
    render.relations.extend(relations);
    render.faults.extend(faults);
    rounds
}
