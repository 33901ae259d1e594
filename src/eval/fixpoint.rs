//! The fixpoint: one datafrog `Iteration` per stratum, semi-naive.
//!
//! Each planned conjunction becomes a `Pipeline` of datafrog `Variable`s: the
//! predicates it reads, one keyed variable per join stage ("bindings so far,
//! keyed by the next join's variables") and one index per stage ("the atom's
//! tuples, keyed the same way"). Every round joins only what is new against
//! what is known, datafrog's recent/stable discipline. datafrog 2.0.1's own
//! operators cannot drop a tuple (its `from_join` and `from_map` emit
//! exactly one output per input), and rules need filters, so the two
//! operators in `operators` are filtered versions of them over the same
//! `Variable`s; deduplication, the recent/stable bookkeeping and `changed()`
//! are datafrog's.

use super::database::Database;
use super::operators::{join_into, map_into};
use super::value::{Packed, Store, Tuple, ValueError};
use crate::analysis::ir::{self, Arg, Expr, Function, PredId, RuleId};
use crate::plan::{AggregatePlan, Check, ConjunctionPlan, ProgramPlan, Stage};
use crate::syntax::ast::{AggregateFunction, ArithOp, CompareOp};
use datafrog::{Iteration, Relation, Variable};
use rustc_hash::{FxHashMap, FxHashSet};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};

/// Bounds that stop a runaway program with an error instead of exhausting memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Most tuples derived (including intermediate join results) in one evaluation.
    pub max_tuples: usize,
    /// Most rounds of one stratum's fixpoint.
    pub max_rounds: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_tuples: 50_000_000,
            max_rounds: 1_000_000,
        }
    }
}

/// How to evaluate.
#[derive(Clone, Copy, Debug, Default)]
pub struct EvalOptions {
    /// The runaway limits.
    pub limits: Limits,
    /// Record each tuple's round, so explanations can rebuild shortest derivations.
    pub record_rounds: bool,
}

/// Where an evaluation error happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// In a rule.
    Rule(RuleId),
    /// In the query with this index.
    Query(usize),
}

/// Why evaluation stopped.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum EvalError {
    /// Arithmetic overflow, division by zero, or a type mismatch seen only at run time.
    #[error("{error}")]
    Value {
        /// What went wrong.
        error: ValueError,
        /// The rule or query computing it.
        origin: Origin,
    },
    /// Too many tuples: probably a runaway recursion.
    #[error(
        "evaluation stopped after deriving {limit} tuples (the limit); a rule probably creates new values without end"
    )]
    TupleLimitExceeded {
        /// The limit in force.
        limit: usize,
        /// A rule of the stratum that was running.
        origin: Option<Origin>,
    },
    /// Too many rounds in one stratum.
    #[error(
        "evaluation stopped after {limit} rounds of one recursion (the limit); a rule probably creates new values without end"
    )]
    RoundLimitExceeded {
        /// The limit in force.
        limit: usize,
        /// A rule of the stratum that was running.
        origin: Option<Origin>,
    },
    /// Ctrl-C.
    #[error("evaluation interrupted")]
    Interrupted,
    /// The plan did not fit the program (an internal error, reported rather than panicking).
    #[error("internal error: {0}")]
    Internal(String),
}

impl EvalError {
    /// The rule or query involved, if known.
    pub fn origin(&self) -> Option<Origin> {
        match self {
            EvalError::Value { origin, .. } => Some(*origin),
            EvalError::TupleLimitExceeded { origin, .. }
            | EvalError::RoundLimitExceeded { origin, .. } => *origin,
            EvalError::Interrupted | EvalError::Internal(_) => None,
        }
    }
}

/// Shared state of one evaluation.
struct Context<'a> {
    options: EvalOptions,
    cancel: &'a AtomicBool,
    n_derived: usize,
    error: Option<EvalError>,
}

impl Context<'_> {
    fn fail(&mut self, error: ValueError, origin: Origin) {
        if self.error.is_none() {
            self.error = Some(EvalError::Value { error, origin });
        }
    }

    /// Counts new tuples and checks the limits and Ctrl-C; called once per round.
    fn after_round(
        &mut self,
        n_new: usize,
        rounds: usize,
        origin: Option<Origin>,
    ) -> Result<(), EvalError> {
        if let Some(error) = self.error.take() {
            return Err(error);
        }
        if self.cancel.load(Ordering::Relaxed) {
            return Err(EvalError::Interrupted);
        }
        self.n_derived += n_new;
        if self.n_derived > self.options.limits.max_tuples {
            return Err(EvalError::TupleLimitExceeded {
                limit: self.options.limits.max_tuples,
                origin,
            });
        }
        if rounds > self.options.limits.max_rounds {
            return Err(EvalError::RoundLimitExceeded {
                limit: self.options.limits.max_rounds,
                origin,
            });
        }
        Ok(())
    }
}

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
    let mut context = Context {
        options,
        cancel,
        n_derived: 0,
        error: None,
    };
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

/// What an earlier evaluation already joined for one stage: its keyed
/// bindings and its keyed atom tuples.
type PrimedStage = (
    Option<Relation<(Tuple, Tuple)>>,
    Option<Relation<(Tuple, Tuple)>>,
);

/// What one input added to an evaluated program. Predicates keep their ids
/// across the two programs (new ones come after the old ones).
pub struct Addition<'a> {
    /// The model of the program before the input.
    pub old: &'a Database,
    /// Indexes into `program.facts` of the facts the input added.
    pub new_facts: &'a [usize],
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
    let mut context = Context {
        options,
        cancel,
        n_derived: 0,
        error: None,
    };
    let mut all_facts: HashMap<PredId, Vec<Tuple>> = HashMap::new();
    let mut new_facts: HashMap<PredId, Vec<Tuple>> = HashMap::new();
    for (index, fact) in program.facts.iter().enumerate() {
        let tuple: Tuple = fact
            .values
            .iter()
            .map(|value| database.store.pack(value))
            .collect();
        if addition.new_facts.contains(&index) {
            new_facts
                .entry(fact.predicate)
                .or_default()
                .push(tuple.clone());
        }
        all_facts.entry(fact.predicate).or_default().push(tuple);
    }
    // The old relations, sharing the new store, for priming; filled on demand.
    let mut old_view = Database::new(Store::new(), program.predicates.len(), false);
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
                let facts = all_facts.get(&predicate).cloned().unwrap_or_default();
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
                &mut old_view,
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
    old_view: &mut Database,
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
        std::mem::swap(&mut old_view.store, &mut database.store);
        let primed = prime(&rule.body, origin, old_view, &changing, context);
        std::mem::swap(&mut old_view.store, &mut database.store);
        let (stages, output) = primed?;
        let head = variables
            .get(&rule.head)
            .cloned()
            .ok_or_else(|| EvalError::Internal("rule head outside its stratum".into()))?;
        let pipeline = Pipeline::new(
            &rule.body,
            origin,
            &mut iteration,
            &mut variables,
            database,
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
/// returns what its keyed variables hold, and its output.
fn prime(
    plan: &ConjunctionPlan,
    origin: Origin,
    view: &mut Database,
    changing: &dyn Fn(PredId) -> bool,
    context: &mut Context<'_>,
) -> Result<(Vec<PrimedStage>, Relation<Tuple>), EvalError> {
    let mut iteration = Iteration::new();
    let mut variables = HashMap::new();
    let output = iteration.variable::<Tuple>("primed");
    let mut pipeline = Pipeline::new(
        plan,
        origin,
        &mut iteration,
        &mut variables,
        view,
        output.clone(),
        Some(&[]),
        changing,
        context,
    )?;
    let mut rounds = 0;
    while iteration.changed() {
        rounds += 1;
        let n_new = pipeline.step(view, context);
        context.after_round(n_new, rounds, Some(origin))?;
    }
    let stages = pipeline.into_primed();
    drop(variables);
    Ok((stages, output.complete()))
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

/// Packs every base fact into its relation.
fn load_facts(program: &ir::Program, database: &mut Database) {
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
    for (index, tuples) in by_predicate.into_iter().enumerate() {
        if !tuples.is_empty() {
            database.set_relation(PredId(index as u32), Relation::from_vec(tuples));
        }
    }
}

/// Runs the rules of one stratum to their fixpoint and stores the results.
fn evaluate_stratum(
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
            database,
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
fn run_to_fixpoint(
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
        let rank = database.next_rank();
        let mut n_new = 0;
        for &predicate in predicates {
            if let Some(variable) = variables.get(&predicate) {
                let recent = variable.recent.borrow();
                n_new += recent.len();
                database.record_round(predicate, rank, &recent);
            }
        }
        for pipeline in pipelines.iter_mut() {
            n_new += pipeline.step(database, context);
        }
        context.after_round(n_new, rounds, first_origin)?;
    }
    Ok(())
}

/// Evaluates a conjunction over a complete database, optionally with seed
/// values for `plan.seed`; returns the distinct outputs.
pub fn evaluate_conjunction(
    plan: &ConjunctionPlan,
    origin: Origin,
    database: &mut Database,
    seed: &[Packed],
    options: EvalOptions,
    cancel: &AtomicBool,
) -> Result<Vec<Tuple>, EvalError> {
    let mut context = Context {
        options,
        cancel,
        n_derived: 0,
        error: None,
    };
    run_conjunction(plan, origin, database, seed, &mut context)
}

fn run_conjunction(
    plan: &ConjunctionPlan,
    origin: Origin,
    database: &mut Database,
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
        return scan_conjunction(plan, origin, database, context);
    }
    let mut iteration = Iteration::new();
    let mut variables = HashMap::new();
    let output = iteration.variable::<Tuple>("answer");
    let mut pipeline = Pipeline::new(
        plan,
        origin,
        &mut iteration,
        &mut variables,
        database,
        output.clone(),
        Some(seed),
        &|_| false,
        context,
    )?;
    let mut rounds = 0;
    while iteration.changed() {
        rounds += 1;
        let n_new = pipeline.step(database, context);
        context.after_round(n_new, rounds, Some(origin))?;
    }
    drop(pipeline);
    drop(variables);
    Ok(output.complete().elements)
}

/// A conjunction over complete relations (queries, aggregate bodies): the
/// first atom's relation is scanned in place and every later atom probed, with
/// no datafrog variable and no copy.
fn scan_conjunction(
    plan: &ConjunctionPlan,
    origin: Origin,
    database: &mut Database,
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
        database,
        output,
        Some(&[]),
        &|_| false,
        context,
    )?;
    let constants = pipeline
        .stages
        .first()
        .map(|runtime| runtime.constants.clone())
        .unwrap_or_default();
    // Checks were compiled above and independent aggregates computed, so nothing
    // reads this relation while it is out of the database.
    let relation = database.take_relation(stage.predicate);
    let mut slots = vec![Packed::default(); plan.n_slots];
    let mut pending = vec![Vec::new(); plan.stages.len()];
    let mut outputs = Vec::new();
    for tuple in relation.iter() {
        if !atom_matches(stage, &constants, tuple) {
            continue;
        }
        for &(column, var) in &stage.binds {
            slots[var.0 as usize] = tuple[column];
        }
        pipeline.after_match(0, &mut slots, &mut pending, &mut outputs, database, context);
        if context.error.is_some() {
            break;
        }
    }
    database.set_relation(stage.predicate, relation);
    context.after_round(outputs.len(), 1, Some(origin))?;
    outputs.sort_unstable();
    outputs.dedup();
    Ok(outputs)
}

/// An expression with its constants already packed.
#[derive(Clone, Debug)]
enum Compiled {
    Slot(usize),
    Const(Packed),
    Binary(ArithOp, Box<Compiled>, Box<Compiled>),
    Call(Function, Vec<Compiled>),
}

fn compile(expr: &Expr, store: &mut Store) -> Compiled {
    match expr {
        Expr::Var(var) => Compiled::Slot(var.0 as usize),
        Expr::Const(value) => Compiled::Const(store.pack(value)),
        Expr::Binary { op, lhs, rhs } => Compiled::Binary(
            *op,
            Box::new(compile(lhs, store)),
            Box::new(compile(rhs, store)),
        ),
        Expr::Call { function, args } => Compiled::Call(
            *function,
            args.iter().map(|arg| compile(arg, store)).collect(),
        ),
    }
}

fn run(expr: &Compiled, slots: &[Packed], store: &mut Store) -> Result<Packed, ValueError> {
    match expr {
        Compiled::Slot(slot) => Ok(slots.get(*slot).copied().unwrap_or_default()),
        Compiled::Const(value) => Ok(*value),
        Compiled::Binary(op, lhs, rhs) => {
            let lhs = run(lhs, slots, store)?;
            let rhs = run(rhs, slots, store)?;
            store.arithmetic(*op, lhs, rhs)
        }
        Compiled::Call(function, args) => {
            let mut values: Vec<Packed> = Vec::with_capacity(args.len());
            for arg in args {
                values.push(run(arg, slots, store)?);
            }
            store.call(*function, &values)
        }
    }
}

/// A check with constants packed and its look-up structures built.
enum CompiledCheck {
    Compare(CompareOp, Compiled, Compiled),
    Assign(usize, Compiled),
    Filter(Compiled),
    /// The projection of the negated relation on its non-wildcard columns, sorted;
    /// and how to build the probe from the slots.
    Negation(FxHashSet<Tuple>, Vec<Compiled>),
    Aggregate(usize, usize),
}

/// The result table of one aggregate, or the means to compute groups on demand.
struct AggregateTable {
    plan: AggregatePlan,
    values: HashMap<Tuple, Option<Packed>>,
}

impl AggregateTable {
    fn build(
        plan: &AggregatePlan,
        origin: Origin,
        database: &mut Database,
        context: &mut Context<'_>,
    ) -> Result<AggregateTable, EvalError> {
        let mut table = AggregateTable {
            plan: plan.clone(),
            values: HashMap::new(),
        };
        if let Some(n_tuples) = counts_whole_relation(plan, database) {
            let count = database.store.int(n_tuples as i64);
            table.values.insert(Tuple::new(), Some(count));
        } else if plan.independent {
            let rows = run_conjunction(&plan.body, origin, database, &[], context)?;
            let n_groups = plan.group_by.len();
            let mut groups: HashMap<Tuple, Vec<Tuple>> = HashMap::new();
            for row in rows {
                let key: Tuple = row.iter().take(n_groups).copied().collect();
                groups.entry(key).or_default().push(row);
            }
            for (key, rows) in groups {
                let value = table
                    .fold(&rows, &mut database.store)
                    .map_err(|error| EvalError::Value { error, origin })?;
                table.values.insert(key, value);
            }
        }
        Ok(table)
    }

    /// Folds the rows of one group: (group values, local values) each.
    fn fold(&self, rows: &[Tuple], store: &mut Store) -> Result<Option<Packed>, ValueError> {
        let value = self.plan.value.as_ref().map(|expr| compile(expr, store));
        let output_vars: Vec<usize> = self
            .plan
            .body
            .output
            .iter()
            .map(|expr| match expr {
                Expr::Var(var) => var.0 as usize,
                _ => 0,
            })
            .collect();
        let mut slots = vec![Packed::default(); self.plan.body.n_slots];
        let mut accumulator: Option<Packed> = None;
        let mut count: i64 = 0;
        for row in rows {
            count += 1;
            let Some(value) = &value else { continue };
            for (&slot, &cell) in output_vars.iter().zip(row.iter()) {
                if let Some(target) = slots.get_mut(slot) {
                    *target = cell;
                }
            }
            let item = run(value, &slots, store)?;
            accumulator = Some(match (accumulator, self.plan.function) {
                (None, _) => item,
                (Some(sum), AggregateFunction::Sum) => store.arithmetic(ArithOp::Add, sum, item)?,
                (Some(best), AggregateFunction::Min) => {
                    if store.compare_op(CompareOp::Lt, item, best)? {
                        item
                    } else {
                        best
                    }
                }
                (Some(best), _) => {
                    if store.compare_op(CompareOp::Gt, item, best)? {
                        item
                    } else {
                        best
                    }
                }
            });
        }
        Ok(match self.plan.function {
            AggregateFunction::Count => Some(store.int(count)),
            AggregateFunction::Sum => match accumulator {
                Some(sum) if Store::value_type(sum) != super::value::ValueType::Integer => {
                    return Err(ValueError::TypeMismatch {
                        op: "sum".into(),
                        lhs: Store::value_type(sum).name(),
                        rhs: "nothing",
                    });
                }
                Some(sum) => Some(sum),
                None => Some(store.int(0)),
            },
            _ => accumulator,
        })
    }

    fn lookup(
        &mut self,
        key: Tuple,
        origin: Origin,
        database: &mut Database,
        context: &mut Context<'_>,
    ) -> Result<Option<Packed>, EvalError> {
        if let Some(value) = self.values.get(&key) {
            return Ok(*value);
        }
        if self.plan.independent {
            // No match for this group: the empty aggregate.
            return Ok(match self.plan.function {
                AggregateFunction::Count | AggregateFunction::Sum => Some(database.store.int(0)),
                _ => None,
            });
        }
        let rows = run_conjunction(&self.plan.body, origin, database, &key, context)?;
        let value = self
            .fold(&rows, &mut database.store)
            .map_err(|error| EvalError::Value { error, origin })?;
        self.values.insert(key, value);
        Ok(value)
    }
}

/// `N = count : { p(X, Y) }` with distinct variables and nothing else counts
/// the tuples of `p`: the relation's length, without scanning it.
fn counts_whole_relation(plan: &AggregatePlan, database: &Database) -> Option<usize> {
    let body = &plan.body;
    let [stage] = body.stages.as_slice() else {
        return None;
    };
    let plain = plan.function == AggregateFunction::Count
        && plan.group_by.is_empty()
        && body.seed_checks.is_empty()
        && stage.checks.is_empty()
        && stage.constant_columns.is_empty()
        && stage.equal_columns.is_empty()
        && stage.binds.len() == stage.args.len();
    plain.then(|| database.relation(stage.predicate).len())
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
struct Pipeline<'p> {
    plan: &'p ConjunctionPlan,
    origin: Origin,
    stages: Vec<RuntimeStage>,
    output: Variable<Tuple>,
    output_exprs: Vec<Compiled>,
    /// The output's slots when every output expression is a plain variable.
    output_slots: Option<Vec<usize>>,
    aggregates: Vec<AggregateTable>,
    slots: Vec<Packed>,
}

impl<'p> Pipeline<'p> {
    #[allow(clippy::too_many_arguments)]
    fn new(
        plan: &'p ConjunctionPlan,
        origin: Origin,
        iteration: &mut Iteration,
        variables: &mut HashMap<PredId, Variable<Tuple>>,
        database: &mut Database,
        output: Variable<Tuple>,
        seed: Option<&[Packed]>,
        changing: &dyn Fn(PredId) -> bool,
        context: &mut Context<'_>,
    ) -> Result<Pipeline<'p>, EvalError> {
        let mut aggregates = Vec::with_capacity(plan.aggregates.len());
        for aggregate in &plan.aggregates {
            aggregates.push(AggregateTable::build(aggregate, origin, database, context)?);
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
                .map(|(column, value)| (*column, database.store.pack(value)))
                .collect();
            // A later atom over a relation that stays the same during this
            // evaluation (a lower stratum) is probed in place: no keyed
            // variables, no stored intermediate bindings.
            if !scans && !changing(stage.predicate) {
                let entries = ProbeIndex::build(
                    database
                        .relation(stage.predicate)
                        .iter()
                        .filter(|tuple| atom_matches(stage, &constants, tuple))
                        .map(|tuple| keyed_entry(stage, tuple))
                        .collect(),
                );
                bound_before.extend(stage.binds.iter().map(|&(_, var)| var));
                bound_before.extend(assigned_variables(&stage.checks));
                let checks = compile_checks(&stage.checks, database);
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
                        database.relation(stage.predicate).to_vec(),
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
            let checks = compile_checks(&stage.checks, database);
            stages.push(RuntimeStage {
                input: Some(input),
                left,
                index: stage_index,
                probe: None,
                constants,
                checks,
            });
        }
        let output_exprs: Vec<Compiled> = plan
            .output
            .iter()
            .map(|expr| compile(expr, &mut database.store))
            .collect();
        let output_slots = output_exprs
            .iter()
            .map(|expr| match expr {
                Compiled::Slot(slot) => Some(*slot),
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
            pipeline.start_from_seed(seed, database, context)?;
        }
        Ok(pipeline)
    }

    /// Gives each keyed variable the tuples an earlier run over the old
    /// relations produced, as already-joined (stable) content.
    fn prime(&self, primed: Vec<PrimedStage>) {
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
    fn into_primed(self) -> Vec<PrimedStage> {
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
        database: &mut Database,
        context: &mut Context<'_>,
    ) -> Result<(), EvalError> {
        for (var, &value) in self.plan.seed.iter().zip(seed) {
            if let Some(slot) = self.slots.get_mut(var.0 as usize) {
                *slot = value;
            }
        }
        let seed_checks = compile_checks(&self.plan.seed_checks, database);
        let mut slots = std::mem::take(&mut self.slots);
        let passed = self.run_checks(&seed_checks, &mut slots, database, context);
        let mut pending = vec![Vec::new(); self.stages.len()];
        let mut outputs = Vec::new();
        if passed {
            self.emit(0, &mut slots, &mut pending, &mut outputs, database, context);
        }
        self.slots = slots;
        if let Some(error) = context.error.take() {
            return Err(error);
        }
        self.flush(pending, outputs);
        Ok(())
    }

    /// Hands what a round produced to the variables that take it: keyed
    /// bindings to their join stage, results to the output. Returns how many.
    fn flush(&self, pending: Vec<Vec<(Tuple, Tuple)>>, mut outputs: Vec<Tuple>) -> usize {
        let mut n_produced = outputs.len();
        for (stage, mut keyed) in self.stages.iter().zip(pending) {
            n_produced += keyed.len();
            if let Some(left) = &stage.left {
                left.insert(sorted_relation(&mut keyed));
            }
        }
        self.output.insert(sorted_relation(&mut outputs));
        n_produced
    }

    /// One round: every scan and join stage processes what is new (probe
    /// stages run inside them); returns how many tuples it produced.
    fn step(&mut self, database: &mut Database, context: &mut Context<'_>) -> usize {
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
                            database,
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
                            database,
                            context,
                        );
                    }
                }
            }
        }
        self.slots = slots;
        self.flush(pending, outputs)
    }

    /// Runs the stage's checks and, if they pass, emits to the next stage or the output.
    fn after_match(
        &mut self,
        index: usize,
        slots: &mut [Packed],
        pending: &mut [Vec<(Tuple, Tuple)>],
        outputs: &mut Vec<Tuple>,
        database: &mut Database,
        context: &mut Context<'_>,
    ) {
        let checks = std::mem::take(&mut self.stages[index].checks);
        let passed = self.run_checks(&checks, slots, database, context);
        self.stages[index].checks = checks;
        if passed {
            self.emit(index + 1, slots, pending, outputs, database, context);
        }
    }

    /// Emits the current bindings to stage `next`: probed at once when it is a
    /// probe, queued keyed for its join otherwise; past the last stage, to the output.
    fn emit(
        &mut self,
        next: usize,
        slots: &mut [Packed],
        pending: &mut [Vec<(Tuple, Tuple)>],
        outputs: &mut Vec<Tuple>,
        database: &mut Database,
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
                self.after_match(next, slots, pending, outputs, database, context);
            }
            if let Some(runtime) = self.stages.get_mut(next) {
                runtime.probe = Some(entries);
            }
            return;
        }
        if let Some(output_slots) = &self.output_slots {
            outputs.push(output_slots.iter().map(|&slot| slots[slot]).collect());
            return;
        }
        let mut tuple = Tuple::with_capacity(self.output_exprs.len());
        for expr in &self.output_exprs {
            match run(expr, slots, &mut database.store) {
                Ok(value) => tuple.push(value),
                Err(error) => return context.fail(error, self.origin),
            }
        }
        outputs.push(tuple);
    }

    fn run_checks(
        &mut self,
        checks: &[CompiledCheck],
        slots: &mut [Packed],
        database: &mut Database,
        context: &mut Context<'_>,
    ) -> bool {
        for check in checks {
            let outcome = match check {
                CompiledCheck::Compare(op, lhs, rhs) => run(lhs, slots, &mut database.store)
                    .and_then(|lhs| Ok((lhs, run(rhs, slots, &mut database.store)?)))
                    .and_then(|(lhs, rhs)| database.store.compare_op(*op, lhs, rhs)),
                CompiledCheck::Assign(slot, expr) => {
                    run(expr, slots, &mut database.store).map(|value| {
                        slots[*slot] = value;
                        true
                    })
                }
                CompiledCheck::Filter(expr) => run(expr, slots, &mut database.store)
                    .map(|value| database.store.as_int(value) == Some(1)),
                CompiledCheck::Negation(projection, probe) => {
                    let mut key = Tuple::with_capacity(probe.len());
                    let mut result = Ok(true);
                    for expr in probe {
                        match run(expr, slots, &mut database.store) {
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
                    match table.lookup(key, self.origin, database, context) {
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
                    context.fail(error, self.origin);
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

fn atom_matches(stage: &Stage, constants: &[(usize, Packed)], tuple: &Tuple) -> bool {
    tuple.len() == stage.args.len()
        && constants
            .iter()
            .all(|&(column, value)| tuple[column] == value)
        && stage
            .equal_columns
            .iter()
            .all(|&(a, b)| tuple[a] == tuple[b])
}

fn compile_checks(checks: &[Check], database: &mut Database) -> Vec<CompiledCheck> {
    checks
        .iter()
        .map(|check| match check {
            Check::Compare { op, lhs, rhs } => CompiledCheck::Compare(
                *op,
                compile(lhs, &mut database.store),
                compile(rhs, &mut database.store),
            ),
            Check::Assign { var, expr } => {
                CompiledCheck::Assign(var.0 as usize, compile(expr, &mut database.store))
            }
            Check::Filter(expr) => CompiledCheck::Filter(compile(expr, &mut database.store)),
            Check::Negation { predicate, args } => {
                let columns: Vec<usize> = args
                    .iter()
                    .enumerate()
                    .filter(|(_, arg)| !matches!(arg, Arg::Wildcard))
                    .map(|(column, _)| column)
                    .collect();
                let projection: FxHashSet<Tuple> = database
                    .relation(*predicate)
                    .iter()
                    .map(|tuple| columns.iter().map(|&column| tuple[column]).collect())
                    .collect();
                let probe = args
                    .iter()
                    .filter_map(|arg| match arg {
                        Arg::Var(var) => Some(Compiled::Slot(var.0 as usize)),
                        Arg::Const(value) => Some(Compiled::Const(database.store.pack(value))),
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
