//! One evaluation from scratch: start the workers, load the facts (each
//! worker its share), run to the fixpoint, gather the model on worker 0.

use super::blueprint::{Blueprint, compile_program};
use super::datum::Row;
use super::fault::Monitor;
use super::model::Model;
use super::program::{WorkerDataflow, first_fault};
use crate::analysis::ir::{self, PredId};
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
    Ok(model.map(|model| {
        let mut database = if options.eval.record_rounds {
            model.to_database_with_rounds(store, &blueprint)
        } else {
            model.to_database(store)
        };
        add_base_tuples(&mut database, &blueprint);
        Evaluation {
            database,
            answers: model.answers(program),
        }
    }))
}

/// Runs a compiled program to its model (on process 0).
fn evaluate_blueprint(
    blueprint: &Arc<Blueprint>,
    options: &DataflowOptions,
    cancel: Arc<AtomicBool>,
) -> Result<Option<Model>, EvalError> {
    let monitor = Arc::new(Monitor::new(options.eval.limits, cancel));
    monitor.set_facts(blueprint.facts.len() + blueprint.local_facts.len());
    let worker_blueprint = Arc::clone(blueprint);
    let worker_monitor = Arc::clone(&monitor);
    let across_processes = options.cluster.is_some();
    let record_rounds = options.eval.record_rounds;
    let n_local = options.n_workers();
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
                    n_local,
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
    n_local: usize,
) -> Result<Option<Model>, EvalError> {
    let index = worker.index();
    let mut dataflow = WorkerDataflow::build(worker, blueprint, monitor, record_rounds);
    insert_share(&mut dataflow, blueprint, worker, n_local);
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
    // Base relations the dataflow does not gather go straight from the
    // blueprint into the `Database` (`add_base_tuples`), never through the
    // model's sorted sets of rows.
    let mut model = Model::new(blueprint.n_predicates, blueprint.queries.len());
    model.apply(&dataflow.outputs.borrow());
    Ok(Some(model))
}

/// Inserts this worker's share of the base facts into its inputs, so that
/// every fact is inserted by exactly one worker of the whole cluster:
///
/// - a fact every process holds (`blueprint.facts`, the same list in each)
///   by worker `w` of all `N` when its position is `w` modulo `N`;
/// - a row of this process's share of a partitioned file
///   (`blueprint.local_facts`, held by this process alone) by local worker
///   `l` of the process's `n_local` when its position is `l` modulo
///   `n_local` (timely numbers process `p`'s workers `p * n_local` to
///   `p * n_local + n_local - 1`, so `l` is the index modulo `n_local`).
pub(super) fn insert_share(
    dataflow: &mut WorkerDataflow,
    blueprint: &Blueprint,
    worker: &Worker,
    n_local: usize,
) {
    for (predicate, row) in worker_share(blueprint, worker.index(), worker.peers(), n_local) {
        if let Some(input) = dataflow.inputs.get_mut(predicate.0 as usize) {
            input.insert(row.clone());
        }
    }
}

/// The facts worker `index` of all `peers` (`n_local` of them in each
/// process) inserts; see [`insert_share`].
fn worker_share(
    blueprint: &Blueprint,
    index: usize,
    peers: usize,
    n_local: usize,
) -> impl Iterator<Item = &(PredId, Row)> {
    let (peers, n_local) = (peers.max(1), n_local.max(1));
    let facts = blueprint
        .facts
        .iter()
        .enumerate()
        .filter(move |(position, _)| position % peers == index);
    let local = blueprint
        .local_facts
        .iter()
        .enumerate()
        .filter(move |(position, _)| position % n_local == index % n_local);
    facts.chain(local).map(|(_, fact)| fact)
}

/// Puts the facts of every base relation the dataflow does not gather into
/// `database`, packed into its store (see [`add_base_facts`]).
fn add_base_tuples(database: &mut Database, blueprint: &Blueprint) {
    let mut by_predicate: Vec<Vec<crate::eval::Tuple>> = vec![Vec::new(); blueprint.n_predicates];
    for (predicate, row) in &blueprint.facts {
        if blueprint.is_gathered(*predicate) {
            continue;
        }
        let tuple = row
            .iter()
            .map(|datum| datum.pack_into(&mut database.store))
            .collect();
        if let Some(tuples) = by_predicate.get_mut(predicate.0 as usize) {
            tuples.push(tuple);
        }
    }
    for (index, tuples) in by_predicate.into_iter().enumerate() {
        if !tuples.is_empty() {
            database.set_tuples(PredId(index as u32), tuples);
        }
    }
}

/// Puts the facts of every base relation the dataflow does not gather into
/// `model` (the dataflow sends only derived relations and the relations of
/// partitioned files; the other facts every process holds).
pub(super) fn add_base_facts(model: &mut Model, blueprint: &Blueprint) {
    for (predicate, row) in &blueprint.facts {
        if !blueprint.is_gathered(*predicate) {
            model.insert_base(*predicate, row.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataflow::datum::Datum;
    use std::collections::BTreeMap;

    fn fact(predicate: u32, value: i64) -> (PredId, Row) {
        (
            PredId(predicate),
            vec![Datum::Int(value)].into_iter().collect(),
        )
    }

    /// Every fact is inserted by exactly one worker of the cluster: one
    /// held by every process once in all, a row of a process's share once
    /// by that process's workers (and by no other process's).
    #[test]
    fn each_fact_is_inserted_once_in_the_whole_cluster() {
        for n_processes in 1..=3 {
            for n_local in 1..=3 {
                let peers = n_processes * n_local;
                let shared: Vec<(PredId, Row)> = (0..7).map(|value| fact(0, value)).collect();
                let mut inserted: BTreeMap<(PredId, Row), usize> = BTreeMap::new();
                let mut expected: BTreeMap<(PredId, Row), usize> = BTreeMap::new();
                for process in 0..n_processes {
                    // Process `p` holds rows `p`, `p + P`, ... of a file of 11 rows.
                    let local: Vec<(PredId, Row)> = (0..11)
                        .filter(|row| row % n_processes == process)
                        .map(|row| fact(1, row as i64))
                        .collect();
                    for row in &local {
                        *expected.entry(row.clone()).or_default() += 1;
                    }
                    let blueprint = Blueprint {
                        n_predicates: 2,
                        arities: vec![1, 1],
                        facts: shared.clone(),
                        repeated_facts: Vec::new(),
                        local_facts: local,
                        partitioned: vec![PredId(1)],
                        strata: Vec::new(),
                        queries: Vec::new(),
                    };
                    for local_index in 0..n_local {
                        let index = process * n_local + local_index;
                        for fact in worker_share(&blueprint, index, peers, n_local) {
                            *inserted.entry(fact.clone()).or_default() += 1;
                        }
                    }
                }
                for row in &shared {
                    *expected.entry(row.clone()).or_default() += 1;
                }
                assert_eq!(expected.len(), 7 + 11);
                assert!(expected.values().all(|count| *count == 1));
                assert_eq!(
                    inserted, expected,
                    "{n_processes} processes of {n_local} workers"
                );
            }
        }
    }
}
