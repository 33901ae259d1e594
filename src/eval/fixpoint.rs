//! The fixpoint: one datafrog `Iteration` per stratum, semi-naive.
//!
//! Owns the evaluation of a whole program (`evaluate`) and of a conjunction
//! over complete relations (`evaluate_conjunction`), the runaway limits and
//! evaluation errors. Each rule runs as a `pipeline::Pipeline`; incremental
//! updates are in `incremental`, aggregates in `aggregate`. Never sees a `Span`.

use super::database::Database;
use super::pipeline::Pipeline;
use super::value::{Packed, Store, Tuple, ValueError};
use crate::analysis::ir::{self, PredId, RuleId};
use crate::plan::{ConjunctionPlan, ProgramPlan};
use datafrog::{Iteration, Relation, Variable};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};

pub use super::incremental::{Addition, StrataReport, evaluate_incremental};

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
        /// The index of the body literal being evaluated; `None` for the head.
        literal: Option<usize>,
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
    /// The body literal involved (an index into the rule's or query's body), if known.
    pub fn literal(&self) -> Option<usize> {
        match self {
            EvalError::Value { literal, .. } => *literal,
            _ => None,
        }
    }

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
pub(super) struct Context<'a> {
    pub(super) options: EvalOptions,
    pub(super) cancel: &'a AtomicBool,
    pub(super) n_derived: usize,
    /// Matches seen, to poll for Ctrl-C within a round.
    pub(super) n_matches: u64,
    pub(super) error: Option<EvalError>,
}

impl<'a> Context<'a> {
    /// A fresh evaluation: nothing derived, no error.
    pub(super) fn new(options: EvalOptions, cancel: &'a AtomicBool) -> Context<'a> {
        Context {
            options,
            cancel,
            n_derived: 0,
            n_matches: 0,
            error: None,
        }
    }

    /// Counts one match and, every 65,536 of them, checks for Ctrl-C; true
    /// (with the error recorded) once interrupted.
    pub(super) fn interrupted_now(&mut self) -> bool {
        self.n_matches = self.n_matches.wrapping_add(1);
        if self.n_matches.is_multiple_of(65_536) && self.cancel.load(Ordering::Relaxed) {
            self.error = Some(EvalError::Interrupted);
            return true;
        }
        false
    }

    pub(super) fn fail(&mut self, error: ValueError, origin: Origin, literal: Option<usize>) {
        if self.error.is_none() {
            self.error = Some(EvalError::Value {
                error,
                origin,
                literal,
            });
        }
    }

    /// Counts new tuples and checks the limits and Ctrl-C; called once per round.
    pub(super) fn after_round(
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

/// Packs every base fact into its relation.
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
    let mut context = Context::new(options, cancel);
    run_conjunction(plan, origin, database, seed, &mut context)
}

pub(super) fn run_conjunction(
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
    let (_, output) = run_alone(plan, origin, database, seed, &|_| false, context)?;
    Ok(output.elements)
}

/// Runs one conjunction in an iteration of its own until nothing changes;
/// returns its pipeline (whose keyed variables then hold everything they
/// joined) and its distinct outputs. `changing` names the predicates whose
/// atoms are joined rather than probed.
pub(super) fn run_alone<'p>(
    plan: &'p ConjunctionPlan,
    origin: Origin,
    database: &mut Database,
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
        database,
        output.clone(),
        Some(seed),
        changing,
        context,
    )?;
    let mut rounds = 0;
    while iteration.changed() {
        rounds += 1;
        let n_new = pipeline.step(database, context);
        context.after_round(n_new, rounds, Some(origin))?;
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
    // Checks were compiled above and independent aggregates computed, so nothing
    // reads this relation while it is out of the database.
    let relation = database.take_relation(stage.predicate);
    let outputs = pipeline.scan_complete(&relation, database, context);
    database.set_relation(stage.predicate, relation);
    context.after_round(outputs.len(), 1, Some(origin))?;
    Ok(outputs)
}
