//! A long-lived dataflow: the workers keep running between updates, so
//! adding or retracting facts changes the model by differential updates,
//! through recursion, negation and aggregates, without evaluating from
//! scratch.
//!
//! The caller's thread owns a `LiveModel`; the workers wait for commands on
//! channels. Each update is one version of the inputs: worker 0 reports what
//! changed once every output has caught up. An update whose model would hold
//! an evaluation error is undone (its inverse is the next version), so a
//! rejected change leaves the model as it was. A runaway limit or Ctrl-C
//! stops the workers; the model then refuses further updates and the caller
//! starts a new one.

use super::blueprint::{Blueprint, compile_program};
use super::datum::{Datum, Row};
use super::fault::{Fault, Monitor};
use super::model::{Changes, Model};
use super::program::{OutputId, WorkerDataflow};
use super::run::DataflowOptions;
use crate::analysis::ir::{self, PredId};
use crate::eval::Database;
use crate::eval::EvalError;
use crate::eval::Store;
use crate::plan::ProgramPlan;
use crate::value::Answer;
use crate::value::Value;
use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::AtomicBool;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use timely::worker::Worker;

/// A change to the base facts: `diff` copies of the fact more (or fewer).
#[derive(Clone, Debug, PartialEq)]
pub struct FactChange {
    /// The fact's predicate.
    pub predicate: PredId,
    /// Its values.
    pub values: Vec<Value>,
    /// +1 to add the fact once, -1 to retract it once.
    pub diff: isize,
}

enum Command {
    Update {
        version: u64,
        changes: Arc<Vec<(PredId, Row, isize)>>,
    },
    Stop,
}

enum Reply {
    Settled {
        outputs: Vec<((OutputId, Row), u64, isize)>,
        faults: Vec<(Fault, u64, isize)>,
    },
    Failed(EvalError),
}

/// The fact changes that turn `old` into `new` when nothing else differs
/// (the same predicates, rules and queries): what a live model of `old`
/// needs to follow an input such as typed facts, `:retract`, `:undo` or
/// `:reload`. `None` when the program changed otherwise; start a new live
/// model then.
pub fn fact_changes(
    old: (&ir::Program, &ProgramPlan),
    new: (&ir::Program, &ProgramPlan),
) -> Result<Option<Vec<FactChange>>, EvalError> {
    let (before, after) = (
        compile_program(old.0, old.1)?,
        compile_program(new.0, new.1)?,
    );
    let same_program = before.n_predicates == after.n_predicates
        && before.arities == after.arities
        && before.strata == after.strata
        && before.queries == after.queries;
    if !same_program {
        return Ok(None);
    }
    let mut counts = after.given_facts();
    for (fact, count) in before.given_facts() {
        *counts.entry(fact).or_insert(0) -= count;
    }
    Ok(Some(
        counts
            .into_iter()
            .filter(|(_, diff)| *diff != 0)
            .map(|((predicate, row), diff)| FactChange {
                predicate,
                values: row.iter().map(Datum::to_value).collect(),
                diff,
            })
            .collect(),
    ))
}

/// A program's model, kept up to date by a running dataflow.
pub struct LiveModel {
    commands: Vec<Sender<Command>>,
    replies: Receiver<Reply>,
    /// Waits for the worker threads to finish.
    join_workers: Option<Box<dyn FnOnce() + Send>>,
    blueprint: Arc<Blueprint>,
    monitor: Arc<Monitor>,
    model: Model,
    faults: BTreeMap<Fault, isize>,
    /// How many times each base fact is given.
    facts: BTreeMap<(PredId, Row), isize>,
    version: u64,
    stopped: Option<EvalError>,
}

impl LiveModel {
    /// Starts the workers and evaluates the program's facts.
    pub fn start(
        program: &ir::Program,
        plan: &ProgramPlan,
        options: &DataflowOptions,
        cancel: Arc<AtomicBool>,
    ) -> Result<LiveModel, EvalError> {
        let blueprint = Arc::new(compile_program(program, plan)?);
        // A live model keeps every base fact itself, to tell what an update
        // changes: it reads imported files whole (the session partitions
        // them only for an evaluation once, `run` on a cluster).
        if !blueprint.partitioned.is_empty() {
            return Err(EvalError::Internal(
                "a live model reads imported files whole, not one process's share".into(),
            ));
        }
        let monitor = Arc::new(Monitor::new(options.eval.limits, cancel));
        monitor.set_facts(blueprint.facts.len());
        let n_workers = options.n_workers();
        let across_processes = options.cluster.is_some();
        let mut commands = Vec::with_capacity(n_workers);
        let mut receivers = Vec::with_capacity(n_workers);
        for _ in 0..n_workers {
            let (sender, receiver) = channel();
            commands.push(sender);
            receivers.push(Mutex::new(Some(receiver)));
        }
        let receivers = Arc::new(receivers);
        let (reply_sender, replies) = channel();
        let reply_sender = Arc::new(Mutex::new(reply_sender));
        let (worker_blueprint, worker_monitor) = (Arc::clone(&blueprint), Arc::clone(&monitor));
        let guards = super::connect::execute(
            options.n_workers(),
            options.cluster_addresses(),
            move |worker| {
                let receiver = receivers
                    .get(worker.index() % n_workers)
                    .and_then(|slot| slot.lock().ok().and_then(|mut slot| slot.take()));
                let Some(receiver) = receiver else { return };
                let outcome = catch_unwind(AssertUnwindSafe(|| {
                    serve(
                        worker,
                        &worker_blueprint,
                        &worker_monitor,
                        &receiver,
                        &reply_sender,
                        across_processes,
                        n_workers,
                    )
                }));
                if outcome.is_err() {
                    let error = EvalError::Internal("a dataflow worker panicked".into());
                    worker_monitor.halt(error.clone());
                    if let Ok(sender) = reply_sender.lock() {
                        let _ = sender.send(Reply::Failed(error));
                    }
                }
            },
        )
        .map_err(|error| EvalError::Internal(format!("cannot start dataflow workers: {error}")))?;
        let facts = blueprint.given_facts();
        let mut live = LiveModel {
            commands,
            replies,
            join_workers: Some(Box::new(move || {
                let _ = guards.join();
            })),
            model: Model::new(blueprint.n_predicates, blueprint.queries.len()),
            blueprint,
            monitor,
            faults: BTreeMap::new(),
            facts,
            version: 0,
            stopped: None,
        };
        live.receive()?;
        if let Some(error) = live.first_fault() {
            return Err(error);
        }
        super::run::add_base_facts(&mut live.model, &live.blueprint);
        Ok(live)
    }

    /// True once a limit, Ctrl-C or a failure stopped the workers: every
    /// later update is refused, start a new live model.
    pub fn is_stopped(&self) -> bool {
        self.stopped.is_some()
    }

    /// The current model.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// The answers to the program's queries now.
    pub fn answers(&self, program: &ir::Program) -> Vec<Answer> {
        self.model.answers(program)
    }

    /// The current model as the datafrog engine's `Database`.
    pub fn database(&self, store: Store) -> Database {
        self.model.to_database(store)
    }

    /// Adds and retracts base facts and returns what changed in every
    /// relation and answer. A retraction of a fact that is not there changes
    /// nothing. When the new model would hold an evaluation error, the
    /// change is undone and the error returned.
    pub fn update(&mut self, changes: &[FactChange]) -> Result<Changes, EvalError> {
        if let Some(error) = &self.stopped {
            return Err(error.clone());
        }
        let mut batch = Vec::with_capacity(changes.len());
        // Base relations are not sent back by the dataflow: their changes are known here.
        let mut base_added: BTreeMap<PredId, Vec<Row>> = BTreeMap::new();
        let mut base_removed: BTreeMap<PredId, Vec<Row>> = BTreeMap::new();
        // Each fact touched, with how many times it was given before this update.
        let mut touched: BTreeMap<(PredId, Row), isize> = BTreeMap::new();
        // Checked first, so a bad change leaves everything as it was.
        let fits = changes.iter().all(|change| {
            self.blueprint
                .arities
                .get(change.predicate.0 as usize)
                .copied()
                == Some(change.values.len())
        });
        if !fits {
            return Err(EvalError::Internal(
                "a fact change does not fit its predicate".into(),
            ));
        }
        for change in changes {
            let row: Row = change.values.iter().map(Datum::from_value).collect();
            let count = self
                .facts
                .entry((change.predicate, row.clone()))
                .or_insert(0);
            // Never below zero: a fact cannot be retracted more often than it was given.
            let diff = change.diff.max(-*count);
            touched.entry((change.predicate, row)).or_insert(*count);
            *count += diff;
        }
        // The inputs are sets (see `program`): the dataflow hears of a fact
        // only when it appears or disappears, never of a second copy.
        for ((predicate, row), before) in &touched {
            let (predicate, before) = (*predicate, *before);
            let now = self
                .facts
                .get(&(predicate, row.clone()))
                .copied()
                .unwrap_or(0);
            let diff = isize::from(now > 0) - isize::from(before > 0);
            if diff == 0 {
                continue;
            }
            batch.push((predicate, row.clone(), diff));
            if self.blueprint.is_derived(predicate) {
                continue;
            }
            if diff > 0 {
                base_added.entry(predicate).or_default().push(row.clone());
            } else {
                base_removed.entry(predicate).or_default().push(row.clone());
            }
        }
        // Only the facts this update touched can have dropped to zero: a
        // `retain` over every fact would cost the whole input per update.
        self.forget_absent(touched.keys());
        let mut changes = self.send(batch.clone())?;
        if let Some(error) = self.first_fault() {
            for (fact, before) in &touched {
                self.facts.insert(fact.clone(), *before);
            }
            self.forget_absent(touched.keys());
            let undo = batch
                .into_iter()
                .map(|(predicate, row, diff)| (predicate, row, -diff))
                .collect();
            self.send(undo)?;
            return Err(error);
        }
        let predicates: std::collections::BTreeSet<PredId> = base_added
            .keys()
            .chain(base_removed.keys())
            .copied()
            .collect();
        for predicate in predicates {
            let added = base_added.remove(&predicate).unwrap_or_default();
            let removed = base_removed.remove(&predicate).unwrap_or_default();
            self.model
                .apply_base(&mut changes, predicate, added, removed);
        }
        Ok(changes)
    }

    /// Removes the facts among `keys` that are no longer given.
    fn forget_absent<'a>(&mut self, keys: impl Iterator<Item = &'a (PredId, Row)>) {
        for key in keys {
            if self.facts.get(key).is_some_and(|count| *count <= 0) {
                self.facts.remove(key);
            }
        }
    }

    /// Runs one version through the workers and applies its changes.
    fn send(&mut self, batch: Vec<(PredId, Row, isize)>) -> Result<Changes, EvalError> {
        self.version += 1;
        self.monitor.reset_count();
        let changes = Arc::new(batch);
        for sender in &self.commands {
            let command = Command::Update {
                version: self.version,
                changes: Arc::clone(&changes),
            };
            if sender.send(command).is_err() {
                return Err(self.stop(EvalError::Internal(
                    "the dataflow workers have stopped".into(),
                )));
            }
        }
        self.receive()
    }

    fn receive(&mut self) -> Result<Changes, EvalError> {
        match self.replies.recv() {
            Ok(Reply::Settled { outputs, faults }) => {
                for (fault, _, diff) in faults {
                    *self.faults.entry(fault).or_insert(0) += diff;
                }
                self.faults.retain(|_, total| *total != 0);
                Ok(self.model.apply(&outputs))
            }
            Ok(Reply::Failed(error)) => Err(self.stop(error)),
            Err(_) => Err(self.stop(EvalError::Internal(
                "the dataflow workers have stopped".into(),
            ))),
        }
    }

    fn first_fault(&self) -> Option<EvalError> {
        self.faults
            .iter()
            .find(|(_, total)| **total > 0)
            .map(|(fault, _)| fault.to_eval_error())
    }

    /// Remembers why the workers stopped, and lets them go.
    fn stop(&mut self, error: EvalError) -> EvalError {
        self.stopped = Some(error.clone());
        self.monitor.halt(error.clone());
        self.shut_down();
        error
    }

    fn shut_down(&mut self) {
        for sender in &self.commands {
            let _ = sender.send(Command::Stop);
        }
        if let Some(join_workers) = self.join_workers.take() {
            join_workers();
        }
    }
}

impl Drop for LiveModel {
    fn drop(&mut self) {
        self.shut_down();
    }
}

/// A worker's life: build, load its share of the facts, then apply updates until told to stop.
fn serve(
    worker: &mut Worker,
    blueprint: &Blueprint,
    monitor: &Arc<Monitor>,
    commands: &Receiver<Command>,
    replies: &Mutex<Sender<Reply>>,
    across_processes: bool,
    n_local: usize,
) {
    let (index, peers) = (worker.index(), worker.peers());
    // The first worker of each process answers its caller; in a cluster
    // only process 0's has the model's changes, the others report none.
    let local_leader = index % n_local == 0;
    let reply = |message: Reply| {
        if local_leader && let Ok(sender) = replies.lock() {
            let _ = sender.send(message);
        }
    };
    // Rounds are for explanations of a finished model; a live model does not keep them.
    let mut dataflow = WorkerDataflow::build(worker, blueprint, monitor, false);
    super::run::insert_share(&mut dataflow, blueprint, worker, n_local);
    let mut version = 0;
    loop {
        match dataflow.settle(worker, version, monitor, across_processes) {
            Ok(()) => reply(Reply::Settled {
                outputs: std::mem::take(&mut *dataflow.outputs.borrow_mut()),
                faults: std::mem::take(&mut *dataflow.faults.borrow_mut()),
            }),
            Err(error) => {
                reply(Reply::Failed(error));
                return;
            }
        }
        match commands.recv() {
            Ok(Command::Update {
                version: next,
                changes,
            }) => {
                for (position, (predicate, row, diff)) in changes.iter().enumerate() {
                    if position % peers == index
                        && let Some(input) = dataflow.inputs.get_mut(predicate.0 as usize)
                    {
                        input.update(row.clone(), *diff);
                    }
                }
                version = next;
            }
            Ok(Command::Stop) | Err(_) => {
                for dataflow in worker.installed_dataflows() {
                    worker.drop_dataflow(dataflow);
                }
                return;
            }
        }
    }
}
