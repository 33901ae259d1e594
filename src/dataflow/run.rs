//! One evaluation from scratch: start the workers, load the facts (each
//! worker its share), run to the fixpoint, gather the model on worker 0.

use super::blueprint::{Blueprint, compile_program};
use super::fault::Monitor;
use super::model::Model;
use super::program::{WorkerDataflow, first_fault};
use crate::analysis::ir;
use crate::eval::Database;
use crate::eval::Store;
use crate::eval::{EvalError, EvalOptions};
use crate::plan::ProgramPlan;
use crate::value::Answer;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use timely::worker::Worker;

/// How to run the dataflow engine.
#[derive(Clone, Debug)]
pub struct DataflowOptions {
    /// Limits (the round limit applies to each recursion).
    pub eval: EvalOptions,
    /// Worker threads in this process (at least 1).
    pub workers: usize,
    /// Several processes, on one machine or many; `None` for this process alone.
    pub cluster: Option<Cluster>,
}

/// One process of a cluster, as timely's own cluster configuration has it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cluster {
    /// Every process's `host:port`, in process order (the lines of a hostfile).
    pub addresses: Vec<String>,
    /// This process's position in `addresses`; process 0 gathers the model.
    pub process: usize,
}

impl Default for DataflowOptions {
    fn default() -> DataflowOptions {
        DataflowOptions {
            eval: EvalOptions::default(),
            workers: 1,
            cluster: None,
        }
    }
}

impl DataflowOptions {
    /// Worker threads in this process.
    pub(super) fn n_workers(&self) -> usize {
        self.workers.max(1)
    }

    /// Every process's address and this process's position, in a cluster.
    pub(super) fn cluster_addresses(&self) -> Option<(&[String], usize)> {
        self.cluster
            .as_ref()
            .map(|cluster| (cluster.addresses.as_slice(), cluster.process))
    }
}

/// The result of an evaluation: the model and the answers to the program's queries.
pub struct Evaluation {
    /// Every relation, as the datafrog engine's answer store.
    pub database: Database,
    /// The answers to every query of the program, in file order.
    pub answers: Vec<Answer>,
}

/// Evaluates a checked, planned program on differential dataflow with
/// `options.workers` threads; gives the datafrog engine's model and answers,
/// or the same evaluation error. In a cluster, every process calls this
/// with the same program; process 0 gets the model, the others `None`.
pub fn evaluate(
    program: &ir::Program,
    plan: &ProgramPlan,
    store: Store,
    options: &DataflowOptions,
    cancel: Arc<AtomicBool>,
) -> Result<Option<Evaluation>, EvalError> {
    let blueprint = Arc::new(compile_program(program, plan)?);
    let model = evaluate_blueprint(&blueprint, options, cancel)?;
    Ok(model.map(|model| Evaluation {
        database: if options.eval.record_rounds {
            model.to_database_with_rounds(store, &blueprint)
        } else {
            model.to_database(store)
        },
        answers: model.answers(program),
    }))
}

/// Runs a compiled program to its model (on process 0).
fn evaluate_blueprint(
    blueprint: &Arc<Blueprint>,
    options: &DataflowOptions,
    cancel: Arc<AtomicBool>,
) -> Result<Option<Model>, EvalError> {
    let monitor = Arc::new(Monitor::new(options.eval.limits, cancel));
    let worker_blueprint = Arc::clone(blueprint);
    let worker_monitor = Arc::clone(&monitor);
    let across_processes = options.cluster.is_some();
    let record_rounds = options.eval.record_rounds;
    let guards = super::connect::execute(
        options.n_workers(),
        options.cluster_addresses(),
        move |worker| {
            let outcome = catch_unwind(AssertUnwindSafe(|| {
                run_worker(
                    worker,
                    &worker_blueprint,
                    &worker_monitor,
                    across_processes,
                    record_rounds,
                )
            }));
            outcome.unwrap_or_else(|_| {
                let error = EvalError::Internal("a dataflow worker panicked".into());
                worker_monitor.halt(error.clone());
                Err(error)
            })
        },
    )
    .map_err(|error| EvalError::Internal(format!("cannot start dataflow workers: {error}")))?;
    let mut model = None;
    let mut first_error = None;
    for outcome in guards.join() {
        match outcome {
            Ok(Ok(Some(found))) => model = Some(found),
            Ok(Ok(None)) => {}
            Ok(Err(error)) => {
                first_error.get_or_insert(error);
            }
            Err(panic) => {
                first_error.get_or_insert(EvalError::Internal(format!("dataflow worker: {panic}")));
            }
        }
    }
    // A limit or Ctrl-C seen by one worker is the reason the others stopped too.
    if let Some(reason) = monitor.stopped() {
        return Err(reason);
    }
    if let Some(error) = first_error {
        return Err(error);
    }
    let leader = options
        .cluster
        .as_ref()
        .is_none_or(|cluster| cluster.process == 0);
    if leader && model.is_none() {
        return Err(EvalError::Internal("worker 0 returned no model".into()));
    }
    Ok(model)
}

/// One worker: its share of the facts in, the fixpoint, and on worker 0 the model out.
fn run_worker(
    worker: &mut Worker,
    blueprint: &Blueprint,
    monitor: &Arc<Monitor>,
    across_processes: bool,
    record_rounds: bool,
) -> Result<Option<Model>, EvalError> {
    let (index, peers) = (worker.index(), worker.peers());
    let mut dataflow = WorkerDataflow::build(worker, blueprint, monitor, record_rounds);
    for (position, (predicate, row)) in blueprint.facts.iter().enumerate() {
        if position % peers == index
            && let Some(input) = dataflow.inputs.get_mut(predicate.0 as usize)
        {
            input.insert(row.clone());
        }
    }
    dataflow.settle(worker, 0, monitor, across_processes)?;
    // Everything is computed: drop the dataflow rather than let timely wind
    // every operator down after the inputs close.
    for installed in worker.installed_dataflows() {
        worker.drop_dataflow(installed);
    }
    if index != 0 {
        return Ok(None);
    }
    if let Some(error) = first_fault(&dataflow.faults.borrow()) {
        return Err(error);
    }
    let mut model = Model::new(blueprint.n_predicates, blueprint.queries.len());
    model.apply(&dataflow.outputs.borrow());
    add_base_facts(&mut model, blueprint);
    Ok(Some(model))
}

/// Puts the facts of every predicate no rule derives into `model` (the
/// dataflow computes and sends only derived relations).
pub(super) fn add_base_facts(model: &mut Model, blueprint: &Blueprint) {
    let mut by_predicate: std::collections::BTreeMap<
        crate::analysis::ir::PredId,
        Vec<super::datum::Row>,
    > = std::collections::BTreeMap::new();
    for (predicate, row) in &blueprint.facts {
        if !blueprint.is_derived(*predicate) {
            by_predicate
                .entry(*predicate)
                .or_default()
                .push(row.clone());
        }
    }
    let mut ignored = super::model::Changes::default();
    for (predicate, rows) in by_predicate {
        model.apply_base(&mut ignored, predicate, rows, Vec::new());
    }
}
