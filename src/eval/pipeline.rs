//! A planned conjunction wired to datafrog: the `Pipeline` of scan, join and
//! probe stages and the checks between them, and the ways a conjunction is
//! run on its own (over complete relations, or primed for an incremental
//! update).
//!
//! Owns the recursion between conjunctions and aggregates: a pipeline's
//! aggregate look-up runs the aggregate's body as a conjunction of its own,
//! through `run_conjunction` here, and hands the rows to `aggregate` to fold.
//! Relations are only read; values a stage computes go to the `Store` it is given.

use super::aggregate::AggregateTable;
use super::context::{Context, EvalError, Origin};
use super::database::Relations;
use super::expr::CompiledExpr;
use super::operators::{join_into, map_into};
use super::store::{Packed, Store};
use super::tuple::Tuple;
use crate::analysis::ir::{self, Arg, PredId};
use crate::plan::{AggregatePlan, Check, ConjunctionPlan, Stage};
use crate::syntax::ast::CompareOp;
use datafrog::{Iteration, Relation, Variable};
use rustc_hash::{FxHashMap, FxHashSet};
use std::collections::HashMap;

/// What an earlier evaluation already joined for one stage: its keyed
/// bindings and its keyed atom tuples.
pub(super) type PrimedStage = (
    Option<Relation<(Tuple, Tuple)>>,
    Option<Relation<(Tuple, Tuple)>>,
);

/// A check with constants packed and its look-up structures built.
enum CompiledCheck {
    Compare(CompareOp, CompiledExpr, CompiledExpr),
    Assign(usize, CompiledExpr),
    Filter(CompiledExpr),
    /// The projection of the negated relation on its non-wildcard columns, sorted;
    /// and how to build the probe from the slots.
    Negation(FxHashSet<Tuple>, Vec<CompiledExpr>),
    Aggregate(usize, usize),
}

/// A relation's tuples as (join key, bound values), grouped by key: a
/// hash map from each key to its run in the sorted entries.
struct ProbeIndex {
    entries: Vec<(Tuple, Tuple)>,
    runs: FxHashMap<Tuple, (usize, usize)>,
}

impl ProbeIndex {
    fn build(mut entries: Vec<(Tuple, Tuple)>) -> ProbeIndex {
        entries.sort_unstable();
        entries.dedup();
        let mut runs: FxHashMap<Tuple, (usize, usize)> = FxHashMap::default();
        let mut start = 0;
        while let Some((key, _)) = entries.get(start) {
            let length = entries[start..]
                .iter()
                .take_while(|(other, _)| other == key)
                .count();
            runs.insert(key.clone(), (start, start + length));
            start += length;
        }
        ProbeIndex { entries, runs }
    }

    /// The bound values of every entry with this key.
    fn matches(&self, key: &Tuple) -> impl Iterator<Item = &Tuple> {
        let (start, end) = self.runs.get(key).copied().unwrap_or((0, 0));
        self.entries
            .get(start..end)
            .unwrap_or(&[])
            .iter()
            .map(|(_, bound)| bound)
    }
}

/// One stage at run time.
struct RuntimeStage {
    /// The predicate's variable in this iteration; `None` for a probe.
    input: Option<Variable<Tuple>>,
    /// Bindings so far keyed for this stage; `None` for a scan or a probe.
    left: Option<Variable<(Tuple, Tuple)>>,
    /// The atom's tuples keyed for this stage; `None` for a scan or a probe.
    index: Option<Variable<(Tuple, Tuple)>>,
    /// For an atom whose relation cannot change during this evaluation: its
    /// tuples grouped by join key, probed by each new binding.
    probe: Option<ProbeIndex>,
    constants: Vec<(usize, Packed)>,
    checks: Vec<CompiledCheck>,
}

/// A planned conjunction wired to datafrog variables.
pub(super) struct Pipeline<'p> {
    plan: &'p ConjunctionPlan,
    pub(super) origin: Origin,
    stages: Vec<RuntimeStage>,
    output: Variable<Tuple>,
    output_exprs: Vec<CompiledExpr>,
    /// The output's slots when every output expression is a plain variable.
    output_slots: Option<Vec<usize>>,
    aggregates: Vec<AggregateTable>,
    slots: Vec<Packed>,
}

impl<'p> Pipeline<'p> {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn new(
        plan: &'p ConjunctionPlan,
        origin: Origin,
        iteration: &mut Iteration,
        variables: &mut HashMap<PredId, Variable<Tuple>>,
        relations: &Relations,
        store: &mut Store,
        output: Variable<Tuple>,
        seed: Option<&[Packed]>,
        changing: &dyn Fn(PredId) -> bool,
        context: &mut Context<'_>,
    ) -> Result<Pipeline<'p>, EvalError> {
        let mut aggregates = Vec::with_capacity(plan.aggregates.len());
        for aggregate in &plan.aggregates {
            aggregates.push(build_aggregate(
                aggregate, origin, relations, store, context,
            )?);
        }
        let mut stages = Vec::with_capacity(plan.stages.len());
        let starts_from_seed = !plan.seed.is_empty() || !plan.seed_checks.is_empty();
        let mut bound_before: Vec<ir::VarId> = plan.seed.clone();
        bound_before.extend(assigned_variables(&plan.seed_checks));
        for (index, stage) in plan.stages.iter().enumerate() {
            let scans = index == 0 && !starts_from_seed;
            let constants: Vec<(usize, Packed)> = stage
                .constant_columns
                .iter()
                .map(|(column, value)| (*column, store.pack(value)))
                .collect();
            // A later atom over a relation that stays the same during this
            // evaluation (a lower stratum) is probed in place: no keyed
            // variables, no stored intermediate bindings.
            if !scans && !changing(stage.predicate) {
                let entries = ProbeIndex::build(
                    relations
                        .relation(stage.predicate)
                        .iter()
                        .filter(|tuple| atom_matches(stage, &constants, tuple))
                        .map(|tuple| keyed_entry(stage, tuple))
                        .collect(),
                );
                bound_before.extend(stage.binds.iter().map(|&(_, var)| var));
                bound_before.extend(assigned_variables(&stage.checks));
                let checks = compile_checks(&stage.checks, relations, store);
                stages.push(RuntimeStage {
                    input: None,
                    left: None,
                    index: None,
                    probe: Some(entries),
                    constants,
                    checks,
                });
                continue;
            }
            let input = variables
                .entry(stage.predicate)
                .or_insert_with(|| {
                    let variable = iteration.variable::<Tuple>(&format!("p{}", stage.predicate.0));
                    variable.insert(Relation::from_vec(
                        relations.relation(stage.predicate).to_vec(),
                    ));
                    variable
                })
                .clone();
            let scans = index == 0 && !starts_from_seed;
            // Deduplicating a variable against everything it holds is the main
            // cost of a round. A keyed variable only ever receives tuples
            // derived from new tuples of a deduplicated predicate, so it needs
            // it only where it projects columns away (and two different inputs
            // could then meet in one output); every cycle still passes through
            // a deduplicated predicate variable, so the fixpoint terminates.
            let keeps_all_bindings = bound_before
                .iter()
                .all(|var| stage.key.contains(var) || stage.carried.contains(var));
            let keeps_all_columns = !stage.args.iter().any(|arg| matches!(arg, Arg::Wildcard));
            let (left, stage_index) = if scans {
                (None, None)
            } else {
                let left_name = format!("stage{index}");
                let index_name = format!("index{index}");
                (
                    Some(if keeps_all_bindings {
                        iteration.variable_indistinct::<(Tuple, Tuple)>(&left_name)
                    } else {
                        iteration.variable::<(Tuple, Tuple)>(&left_name)
                    }),
                    Some(if keeps_all_columns {
                        iteration.variable_indistinct::<(Tuple, Tuple)>(&index_name)
                    } else {
                        iteration.variable::<(Tuple, Tuple)>(&index_name)
                    }),
                )
            };
            bound_before.extend(stage.binds.iter().map(|&(_, var)| var));
            bound_before.extend(assigned_variables(&stage.checks));
            let checks = compile_checks(&stage.checks, relations, store);
            stages.push(RuntimeStage {
                input: Some(input),
                left,
                index: stage_index,
                probe: None,
                constants,
                checks,
            });
        }
        let output_exprs: Vec<CompiledExpr> = plan
            .output
            .iter()
            .map(|expr| CompiledExpr::compile(expr, store))
            .collect();
        let output_slots = output_exprs
            .iter()
            .map(|expr| match expr {
                CompiledExpr::Slot(slot) => Some(*slot),
                _ => None,
            })
            .collect();
        let mut pipeline = Pipeline {
            plan,
            origin,
            stages,
            output,
            output_exprs,
            output_slots,
            aggregates,
            slots: vec![Packed::default(); plan.n_slots],
        };
        // Without a seed the pipeline is being primed with what an earlier
        // evaluation already joined (see `evaluate_incremental`).
        if let Some(seed) = seed
            && (starts_from_seed || plan.stages.is_empty())
        {
            pipeline.start_from_seed(seed, relations, store, context)?;
        }
        Ok(pipeline)
    }

    /// Gives each keyed variable the tuples an earlier run over the old
    /// relations produced, as already-joined (stable) content.
    pub(super) fn prime(&self, primed: Vec<PrimedStage>) {
        for (stage, (left, index)) in self.stages.iter().zip(primed) {
            if let (Some(variable), Some(relation)) = (&stage.left, left) {
                variable.stable.borrow_mut().push(relation);
            }
            if let (Some(variable), Some(relation)) = (&stage.index, index) {
                variable.stable.borrow_mut().push(relation);
            }
        }
    }

    /// Takes the keyed variables' contents out of a finished run.
    pub(super) fn into_primed(self) -> Vec<PrimedStage> {
        self.stages
            .into_iter()
            .map(|stage| {
                (
                    stage.left.map(Variable::complete),
                    stage.index.map(Variable::complete),
                )
            })
            .collect()
    }

    /// Binds the seed, runs the seed checks, and feeds the first stage (or the output).
    fn start_from_seed(
        &mut self,
        seed: &[Packed],
        relations: &Relations,
        store: &mut Store,
        context: &mut Context<'_>,
    ) -> Result<(), EvalError> {
        for (var, &value) in self.plan.seed.iter().zip(seed) {
            if let Some(slot) = self.slots.get_mut(var.0 as usize) {
                *slot = value;
            }
        }
        let seed_checks = compile_checks(&self.plan.seed_checks, relations, store);
        let mut slots = std::mem::take(&mut self.slots);
        let literals = self.plan.seed_check_literals.clone();
        let passed = self.run_checks(
            &seed_checks,
            &literals,
            &mut slots,
            relations,
            store,
            context,
        );
        let mut pending = vec![Vec::new(); self.stages.len()];
        let mut outputs = Vec::new();
        if passed {
            self.emit(
                0,
                &mut slots,
                &mut pending,
                &mut outputs,
                relations,
                store,
                context,
            );
        }
        self.slots = slots;
        if let Some(error) = context.error.take() {
            return Err(error);
        }
        self.flush(pending, outputs);
        Ok(())
    }

    /// Hands what a round produced to the variables that take it: keyed
    /// bindings to their join stage, results to the output. Returns how
    /// many results (head tuples) there were.
    fn flush(&self, pending: Vec<Vec<(Tuple, Tuple)>>, mut outputs: Vec<Tuple>) -> usize {
        let n_produced = outputs.len();
        for (stage, mut keyed) in self.stages.iter().zip(pending) {
            if let Some(left) = &stage.left {
                left.insert(sorted_relation(&mut keyed));
            }
        }
        self.output.insert(sorted_relation(&mut outputs));
        n_produced
    }

    /// One round: every scan and join stage processes what is new (probe
    /// stages run inside them); returns how many head tuples it produced.
    pub(super) fn step(
        &mut self,
        relations: &Relations,
        store: &mut Store,
        context: &mut Context<'_>,
    ) -> usize {
        let mut slots = std::mem::take(&mut self.slots);
        let mut pending: Vec<Vec<(Tuple, Tuple)>> = vec![Vec::new(); self.stages.len()];
        let mut outputs: Vec<Tuple> = Vec::new();
        for index in 0..self.stages.len() {
            let Some(plan_stage) = self.plan.stages.get(index) else {
                continue;
            };
            let stage = &self.stages[index];
            let Some(input) = stage.input.clone() else {
                continue;
            };
            match (&stage.left, &stage.index) {
                (Some(left), Some(stage_index)) => {
                    // Keep the index in step with the atom's relation.
                    let constants = stage.constants.clone();
                    map_into(&input, stage_index, |tuple, out| {
                        if atom_matches(plan_stage, &constants, tuple) {
                            out.push(keyed_entry(plan_stage, tuple));
                        }
                    });
                    let left = left.clone();
                    let stage_index = stage_index.clone();
                    // What this stage itself emits goes to later stages only.
                    let mut own = std::mem::take(&mut pending[index]);
                    join_into(&left, &stage_index, |key, carried, bound| {
                        for (var, &value) in plan_stage.key.iter().zip(key.iter()) {
                            slots[var.0 as usize] = value;
                        }
                        for (var, &value) in plan_stage.carried.iter().zip(carried.iter()) {
                            slots[var.0 as usize] = value;
                        }
                        for (&(_, var), &value) in plan_stage.binds.iter().zip(bound.iter()) {
                            slots[var.0 as usize] = value;
                        }
                        self.after_match(
                            index,
                            &mut slots,
                            &mut pending,
                            &mut outputs,
                            relations,
                            store,
                            context,
                        );
                    });
                    own.append(&mut pending[index]);
                    pending[index] = own;
                }
                _ => {
                    let constants = stage.constants.clone();
                    let recent = input.recent.borrow();
                    for tuple in recent.iter() {
                        if !atom_matches(plan_stage, &constants, tuple) {
                            continue;
                        }
                        for &(column, var) in &plan_stage.binds {
                            slots[var.0 as usize] = tuple[column];
                        }
                        self.after_match(
                            index,
                            &mut slots,
                            &mut pending,
                            &mut outputs,
                            relations,
                            store,
                            context,
                        );
                    }
                }
            }
        }
        self.slots = slots;
        self.flush(pending, outputs)
    }

    /// Runs a pipeline over complete relations: the first atom's `relation` is
    /// scanned, every later atom probed; returns the distinct outputs.
    pub(super) fn scan_complete(
        &mut self,
        relation: &[Tuple],
        relations: &Relations,
        store: &mut Store,
        context: &mut Context<'_>,
    ) -> Vec<Tuple> {
        let (Some(stage), Some(runtime)) = (self.plan.stages.first(), self.stages.first()) else {
            return Vec::new();
        };
        let constants = runtime.constants.clone();
        let mut slots = vec![Packed::default(); self.plan.n_slots];
        let mut pending = vec![Vec::new(); self.stages.len()];
        let mut outputs = Vec::new();
        for tuple in relation {
            if !atom_matches(stage, &constants, tuple) {
                continue;
            }
            for &(column, var) in &stage.binds {
                slots[var.0 as usize] = tuple[column];
            }
            self.after_match(
                0,
                &mut slots,
                &mut pending,
                &mut outputs,
                relations,
                store,
                context,
            );
            if context.error.is_some() {
                break;
            }
        }
        outputs.sort_unstable();
        outputs.dedup();
        outputs
    }

    /// Runs the stage's checks and, if they pass, emits to the next stage or the output.
    #[allow(clippy::too_many_arguments)]
    fn after_match(
        &mut self,
        index: usize,
        slots: &mut [Packed],
        pending: &mut [Vec<(Tuple, Tuple)>],
        outputs: &mut Vec<Tuple>,
        relations: &Relations,
        store: &mut Store,
        context: &mut Context<'_>,
    ) {
        // Stop early after an error, and notice Ctrl-C inside one long round.
        if context.error.is_some() || context.interrupted_now() {
            return;
        }
        let checks = std::mem::take(&mut self.stages[index].checks);
        let plan = self.plan;
        let literals = plan
            .stages
            .get(index)
            .map_or(&[][..], |stage| &stage.check_literals);
        let passed = self.run_checks(&checks, literals, slots, relations, store, context);
        self.stages[index].checks = checks;
        if passed {
            self.emit(
                index + 1,
                slots,
                pending,
                outputs,
                relations,
                store,
                context,
            );
        }
    }

    /// Emits the current bindings to stage `next`: probed at once when it is a
    /// probe, queued keyed for its join otherwise; past the last stage, to the output.
    #[allow(clippy::too_many_arguments)]
    fn emit(
        &mut self,
        next: usize,
        slots: &mut [Packed],
        pending: &mut [Vec<(Tuple, Tuple)>],
        outputs: &mut Vec<Tuple>,
        relations: &Relations,
        store: &mut Store,
        context: &mut Context<'_>,
    ) {
        let plan = self.plan;
        if let Some(stage) = plan.stages.get(next) {
            let key: Tuple = stage.key.iter().map(|var| slots[var.0 as usize]).collect();
            // Emission only moves forward, so this stage's probe is not in use further down.
            let Some(entries) = self
                .stages
                .get_mut(next)
                .and_then(|runtime| runtime.probe.take())
            else {
                if let Some(queue) = pending.get_mut(next) {
                    if context.produced(self.origin) {
                        return;
                    }
                    queue.push((
                        key,
                        stage
                            .carried
                            .iter()
                            .map(|var| slots[var.0 as usize])
                            .collect(),
                    ));
                }
                return;
            };
            for bound in entries.matches(&key) {
                if context.error.is_some() {
                    break;
                }
                for (&(_, var), &value) in stage.binds.iter().zip(bound.iter()) {
                    slots[var.0 as usize] = value;
                }
                self.after_match(next, slots, pending, outputs, relations, store, context);
            }
            if let Some(runtime) = self.stages.get_mut(next) {
                runtime.probe = Some(entries);
            }
            return;
        }
        if context.produced(self.origin) {
            return;
        }
        if let Some(output_slots) = &self.output_slots {
            outputs.push(output_slots.iter().map(|&slot| slots[slot]).collect());
            return;
        }
        let mut tuple = Tuple::with_capacity(self.output_exprs.len());
        for expr in &self.output_exprs {
            match expr.evaluate(slots, store) {
                Ok(value) => tuple.push(value),
                Err(error) => return context.fail(error, self.origin, None),
            }
        }
        outputs.push(tuple);
    }

    fn run_checks(
        &mut self,
        checks: &[CompiledCheck],
        literals: &[usize],
        slots: &mut [Packed],
        relations: &Relations,
        store: &mut Store,
        context: &mut Context<'_>,
    ) -> bool {
        for (position, check) in checks.iter().enumerate() {
            let outcome = match check {
                CompiledCheck::Compare(op, lhs, rhs) => lhs
                    .evaluate(slots, store)
                    .and_then(|lhs| Ok((lhs, rhs.evaluate(slots, store)?)))
                    .and_then(|(lhs, rhs)| store.compare_op(*op, lhs, rhs)),
                CompiledCheck::Assign(slot, expr) => expr.evaluate(slots, store).map(|value| {
                    slots[*slot] = value;
                    true
                }),
                CompiledCheck::Filter(expr) => expr
                    .evaluate(slots, store)
                    .map(|value| store.as_int(value) == Some(1)),
                CompiledCheck::Negation(projection, probe) => {
                    let mut key = Tuple::with_capacity(probe.len());
                    let mut result = Ok(true);
                    for expr in probe {
                        match expr.evaluate(slots, store) {
                            Ok(value) => key.push(value),
                            Err(error) => result = Err(error),
                        }
                    }
                    result.map(|_| !projection.contains(&key))
                }
                CompiledCheck::Aggregate(index, result_slot) => {
                    let Some(plan) = self.plan.aggregates.get(*index) else {
                        return false;
                    };
                    let key: Tuple = plan
                        .group_by
                        .iter()
                        .map(|var| slots[var.0 as usize])
                        .collect();
                    let Some(table) = self.aggregates.get_mut(*index) else {
                        return false;
                    };
                    match lookup_aggregate(table, key, self.origin, relations, store, context) {
                        Ok(Some(value)) => {
                            slots[*result_slot] = value;
                            Ok(true)
                        }
                        Ok(None) => Ok(false),
                        Err(error) => {
                            if context.error.is_none() {
                                context.error = Some(error);
                            }
                            return false;
                        }
                    }
                }
            };
            match outcome {
                Ok(true) => {}
                Ok(false) => return false,
                Err(error) => {
                    context.fail(error, self.origin, literals.get(position).copied());
                    return false;
                }
            }
        }
        true
    }
}

/// A relation from unsorted tuples. datafrog's `Relation::from_vec` sorts
/// with a stable sort, which moves our wide tuples far more than an unstable
/// one; sorted and deduplicated first, its own pass is linear.
fn sorted_relation<T: Ord>(tuples: &mut Vec<T>) -> Relation<T> {
    tuples.sort_unstable();
    tuples.dedup();
    Relation::from_vec(std::mem::take(tuples))
}

/// An atom's tuple as (its join-key columns, the columns it binds).
fn keyed_entry(stage: &Stage, tuple: &Tuple) -> (Tuple, Tuple) {
    (
        stage
            .key_columns
            .iter()
            .map(|&column| tuple[column])
            .collect(),
        stage
            .binds
            .iter()
            .map(|&(column, _)| tuple[column])
            .collect(),
    )
}

/// The variables that checks bind.
fn assigned_variables(checks: &[Check]) -> impl Iterator<Item = ir::VarId> + '_ {
    checks.iter().filter_map(|check| match check {
        Check::Assign { var, .. } => Some(*var),
        Check::Aggregate { result, .. } => Some(*result),
        _ => None,
    })
}

pub(super) fn atom_matches(stage: &Stage, constants: &[(usize, Packed)], tuple: &Tuple) -> bool {
    tuple.len() == stage.args.len()
        && constants
            .iter()
            .all(|&(column, value)| tuple[column] == value)
        && stage
            .equal_columns
            .iter()
            .all(|&(a, b)| tuple[a] == tuple[b])
}

fn compile_checks(
    checks: &[Check],
    relations: &Relations,
    store: &mut Store,
) -> Vec<CompiledCheck> {
    checks
        .iter()
        .map(|check| match check {
            Check::Compare { op, lhs, rhs } => CompiledCheck::Compare(
                *op,
                CompiledExpr::compile(lhs, store),
                CompiledExpr::compile(rhs, store),
            ),
            Check::Assign { var, expr } => {
                CompiledCheck::Assign(var.0 as usize, CompiledExpr::compile(expr, store))
            }
            Check::Filter(expr) => CompiledCheck::Filter(CompiledExpr::compile(expr, store)),
            Check::Negation { predicate, args } => {
                let columns: Vec<usize> = args
                    .iter()
                    .enumerate()
                    .filter(|(_, arg)| !matches!(arg, Arg::Wildcard))
                    .map(|(column, _)| column)
                    .collect();
                let projection: FxHashSet<Tuple> = relations
                    .relation(*predicate)
                    .iter()
                    .map(|tuple| columns.iter().map(|&column| tuple[column]).collect())
                    .collect();
                let probe = args
                    .iter()
                    .filter_map(|arg| match arg {
                        Arg::Var(var) => Some(CompiledExpr::Slot(var.0 as usize)),
                        Arg::Const(value) => Some(CompiledExpr::Const(store.pack(value))),
                        Arg::Wildcard => None,
                    })
                    .collect();
                CompiledCheck::Negation(projection, probe)
            }
            Check::Aggregate { index, result } => {
                CompiledCheck::Aggregate(*index, result.0 as usize)
            }
        })
        .collect()
}

/// Runs a conjunction over complete relations, optionally with seed values
/// for `plan.seed`; returns the distinct outputs.
pub(super) fn run_conjunction(
    plan: &ConjunctionPlan,
    origin: Origin,
    relations: &Relations,
    store: &mut Store,
    seed: &[Packed],
    context: &mut Context<'_>,
) -> Result<Vec<Tuple>, EvalError> {
    // Over complete relations every atom after the first is probed.
    let scannable = plan.seed.is_empty()
        && plan.seed_checks.is_empty()
        && !plan.stages.is_empty()
        && plan
            .aggregates
            .iter()
            .all(|aggregate| aggregate.independent);
    if scannable {
        return scan_conjunction(plan, origin, relations, store, context);
    }
    let (_, output) = run_alone(plan, origin, relations, store, seed, &|_| false, context)?;
    Ok(output.elements)
}

/// Runs one conjunction in an iteration of its own until nothing changes;
/// returns its pipeline (whose keyed variables then hold everything they
/// joined) and its distinct outputs. `changing` names the predicates whose
/// atoms are joined rather than probed.
pub(super) fn run_alone<'p>(
    plan: &'p ConjunctionPlan,
    origin: Origin,
    relations: &Relations,
    store: &mut Store,
    seed: &[Packed],
    changing: &dyn Fn(PredId) -> bool,
    context: &mut Context<'_>,
) -> Result<(Pipeline<'p>, Relation<Tuple>), EvalError> {
    let mut iteration = Iteration::new();
    let mut variables = HashMap::new();
    let output = iteration.variable::<Tuple>("answer");
    let mut pipeline = Pipeline::new(
        plan,
        origin,
        &mut iteration,
        &mut variables,
        relations,
        store,
        output.clone(),
        Some(seed),
        changing,
        context,
    )?;
    let round_limit = context.options.limits.round_limit(0);
    let mut rounds = 0;
    while iteration.changed() {
        rounds += 1;
        pipeline.step(relations, store, context);
        context.after_round(rounds, round_limit, Some(origin))?;
    }
    drop(variables);
    Ok((pipeline, output.complete()))
}

/// A conjunction over complete relations (queries, aggregate bodies): the
/// first atom's relation is scanned in place and every later atom probed, with
/// no datafrog variable and no copy.
fn scan_conjunction(
    plan: &ConjunctionPlan,
    origin: Origin,
    relations: &Relations,
    store: &mut Store,
    context: &mut Context<'_>,
) -> Result<Vec<Tuple>, EvalError> {
    let Some(stage) = plan.stages.first() else {
        return Ok(Vec::new());
    };
    let mut iteration = Iteration::new();
    let mut variables = HashMap::new();
    // An empty stand-in, so the pipeline does not copy the relation it will read in place.
    variables.insert(stage.predicate, iteration.variable::<Tuple>("scan"));
    let output = iteration.variable::<Tuple>("answer");
    let mut pipeline = Pipeline::new(
        plan,
        origin,
        &mut iteration,
        &mut variables,
        relations,
        store,
        output,
        Some(&[]),
        &|_| false,
        context,
    )?;
    let relation = relations.relation(stage.predicate);
    let outputs = pipeline.scan_complete(relation, relations, store, context);
    context.after_round(1, usize::MAX, Some(origin))?;
    Ok(outputs)
}

/// The table of one aggregate: counted from its relation, filled from one
/// run of an independent body, or left to fill group by group.
fn build_aggregate(
    plan: &AggregatePlan,
    origin: Origin,
    relations: &Relations,
    store: &mut Store,
    context: &mut Context<'_>,
) -> Result<AggregateTable, EvalError> {
    let mut table = AggregateTable::new(plan);
    if !table.count_whole_relation(relations, store) && plan.independent {
        let rows = run_conjunction(&plan.body, origin, relations, store, &[], context)?;
        table
            .insert_groups(rows, store)
            .map_err(|error| EvalError::Value {
                error,
                origin,
                literal: Some(plan.literal),
            })?;
    }
    Ok(table)
}

/// The aggregate's value for the group `key`, running its body for that
/// group when the table does not know it yet; `None` when the group has no value.
fn lookup_aggregate(
    table: &mut AggregateTable,
    key: Tuple,
    origin: Origin,
    relations: &Relations,
    store: &mut Store,
    context: &mut Context<'_>,
) -> Result<Option<Packed>, EvalError> {
    if let Some(value) = table.known(&key, store) {
        return Ok(value);
    }
    let rows = run_conjunction(&table.plan().body, origin, relations, store, &key, context)?;
    let literal = table.plan().literal;
    table
        .insert_group(key, &rows, store)
        .map_err(|error| EvalError::Value {
            error,
            origin,
            literal: Some(literal),
        })
}
