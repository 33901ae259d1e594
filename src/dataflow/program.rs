//! A whole program in one worker's dataflow: an input per predicate for its
//! base facts, every stratum in order, every query, and the capture that
//! brings every change of every relation, answer and error to worker 0.
//!
//! Shared by the one-shot evaluation (`run`) and the live model (`live`);
//! both drive the worker through `WorkerDataflow::settle`.

use super::blueprint::Blueprint;
use super::datum::{Evaluator, Row};
use super::fault::{Fault, Halt, Monitor};
use super::pipeline::render_conjunction;
use super::recursion::render_stratum;
use super::render::Render;
use crate::analysis::ir::PredId;
use crate::eval::EvalError;
use differential_dataflow::input::{Input, InputSession};
use differential_dataflow::{AsCollection, VecCollection};
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;
use timely::dataflow::ProbeHandle;
use timely::dataflow::operators::{Exchange, ToStream};
use timely::worker::Worker;

/// Which output a captured record belongs to: a relation (`PredId`) or,
/// from `n_predicates` on, a query.
pub type OutputId = u32;

/// Captured updates: (record, version, change in multiplicity).
pub type Updates<D> = Rc<RefCell<Vec<(D, u64, isize)>>>;

/// One worker's instance of a program's dataflow.
pub struct WorkerDataflow {
    /// One input per predicate; base facts enter here.
    pub inputs: Vec<InputSession<u64, Row, isize>>,
    /// Passes a version once every output has caught up with it.
    pub probe: ProbeHandle<u64>,
    /// On worker 0: every change to a relation or an answer.
    pub outputs: Updates<(OutputId, Row)>,
    /// On worker 0: every change to the set of evaluation errors.
    pub faults: Updates<Fault>,
    /// Where a worker tells every other (of every process) that it stops.
    halt: InputSession<u64, (usize, Halt), isize>,
    /// Set when this worker's own halt record has gone out to every worker.
    halt_echoed: Rc<std::cell::Cell<bool>>,
}

impl WorkerDataflow {
    /// Builds the dataflow of `blueprint` in `worker`; with `record_rounds`,
    /// worker 0 also receives the round each recursive tuple appeared in.
    pub fn build(
        worker: &mut Worker,
        blueprint: &Blueprint,
        monitor: &Arc<Monitor>,
        record_rounds: bool,
    ) -> WorkerDataflow {
        let leader = worker.index() == 0;
        let outputs: Updates<(OutputId, Row)> = Rc::new(RefCell::new(Vec::new()));
        let faults: Updates<Fault> = Rc::new(RefCell::new(Vec::new()));
        let (output_sink, fault_sink) = (Rc::clone(&outputs), Rc::clone(&faults));
        let index = worker.index();
        let peers = worker.peers();
        let halt_echoed = Rc::new(std::cell::Cell::new(false));
        let echoed = Rc::clone(&halt_echoed);
        let halt_monitor = Arc::clone(monitor);
        let (inputs, probe, halt) = worker.dataflow::<u64, _, _>(|scope| {
            // Every halt record goes to every worker; the monitor of its process
            // learns why, and the sender learns that its record has gone out.
            let (halt, halts) = scope.new_collection::<(usize, Halt), isize>();
            halts
                .flat_map(move |record: (usize, Halt)| {
                    (0..peers).map(move |target| (target, record.clone()))
                })
                .inner
                .exchange(|((target, _), _, _)| *target as u64)
                .as_collection()
                .inspect(move |((_, (from, reason)), _, _)| {
                    if *from == index {
                        echoed.set(true);
                    } else {
                        halt_monitor.halt_from_remote(reason.to_error());
                    }
                });
            let mut inputs = Vec::with_capacity(blueprint.n_predicates);
            let mut facts: BTreeMap<PredId, VecCollection<'_, u64, Row>> = BTreeMap::new();
            for index in 0..blueprint.n_predicates {
                let (input, collection) = scope.new_collection::<Row, isize>();
                inputs.push(input);
                facts.insert(PredId(index as u32), collection);
            }
            let unit_rows: Vec<(Row, u64, isize)> = if leader {
                vec![(Row::new(), 0, 1)]
            } else {
                Vec::new()
            };
            let mut render = Render {
                scope,
                relations: HashMap::new(),
                unit: unit_rows.to_stream(scope).as_collection(),
                empty: Vec::<(Row, u64, isize)>::new()
                    .to_stream(scope)
                    .as_collection(),
                faults: Vec::new(),
                evaluator: Rc::new(RefCell::new(Evaluator::default())),
                monitor: Arc::clone(monitor),
            };
            // The inputs are sets already (`compile_program` drops repeated
            // facts, and a live model sends only a fact's appearance and
            // disappearance), except a file partitioned across processes:
            // two processes' shares may hold the same row.
            for (&predicate, collection) in &facts {
                let relation = if blueprint.partitioned.binary_search(&predicate).is_ok() {
                    collection.clone().distinct()
                } else {
                    collection.clone()
                };
                render.relations.insert(predicate, relation);
            }
            let mut rounds = Vec::new();
            for stratum in &blueprint.strata {
                rounds.extend(render_stratum(&mut render, stratum, &facts, record_rounds));
            }
            // Base relations stay where they were loaded: the caller knows
            // its facts. Only what rules derive, the relations of files
            // partitioned across processes (no process holds them whole)
            // and the answers travel.
            let mut captured = Vec::new();
            for index in (0..blueprint.n_predicates)
                .filter(|&index| blueprint.is_gathered(PredId(index as u32)))
            {
                let id = index as OutputId;
                captured.push(render.relation(PredId(id)).map(move |row: Row| (id, row)));
            }
            for (index, query) in blueprint.queries.iter().enumerate() {
                let id = (blueprint.n_predicates + index) as OutputId;
                let monitor = Arc::clone(monitor);
                let origin = Some(query.site.origin());
                let answers = render_conjunction(&mut render, query, None)
                    .distinct()
                    .inspect_batch(move |_, updates| monitor.count(updates.len(), origin));
                captured.push(answers.map(move |row: Row| (id, row)));
            }
            // The round of each recursive tuple, as a row with the round appended.
            let first_round_id = blueprint.n_predicates + blueprint.queries.len();
            for (predicate, with_round) in rounds {
                let id = (first_round_id + predicate.0 as usize) as OutputId;
                captured.push(with_round.map(move |(mut row, round): (Row, u64)| {
                    row.push(super::datum::Datum::Int(round as i64));
                    (id, row)
                }));
            }
            let probe = ProbeHandle::new();
            differential_dataflow::collection::concatenate(scope, captured)
                .inner
                .exchange(|_| 0)
                .as_collection()
                .inspect_batch(move |_, updates| {
                    output_sink.borrow_mut().extend_from_slice(updates)
                })
                .probe_with(&probe);
            differential_dataflow::collection::concatenate(scope, render.faults)
                .inner
                .exchange(|_| 0)
                .as_collection()
                .inspect_batch(move |_, updates| fault_sink.borrow_mut().extend_from_slice(updates))
                .probe_with(&probe);
            (inputs, probe, halt)
        });
        WorkerDataflow {
            inputs,
            probe,
            outputs,
            faults,
            halt,
            halt_echoed,
        }
    }

    /// Closes version `version` of every input and steps the worker until
    /// every output has caught up, or until the monitor says stop (then
    /// every dataflow of the worker is dropped). In a cluster
    /// (`across_processes`), a worker that stops first tells every other
    /// worker why, since their monitors are in other processes.
    pub fn settle(
        &mut self,
        worker: &mut Worker,
        version: u64,
        monitor: &Monitor,
        across_processes: bool,
    ) -> Result<(), EvalError> {
        let next = version + 1;
        for input in &mut self.inputs {
            input.advance_to(next);
            input.flush();
        }
        self.halt.advance_to(next);
        self.halt.flush();
        while self.probe.less_than(&next) {
            if let Some(reason) = monitor.stopped() {
                if across_processes && !monitor.halted_remotely() {
                    self.tell_everyone(worker, &reason);
                }
                for dataflow in worker.installed_dataflows() {
                    worker.drop_dataflow(dataflow);
                }
                return Err(reason);
            }
            worker.step_or_park(Some(Duration::from_millis(1)));
        }
        Ok(())
    }

    /// Sends why this worker stops to every worker, and steps until the
    /// record has gone out (or a second has passed).
    fn tell_everyone(&mut self, worker: &mut Worker, reason: &EvalError) {
        self.halt.insert((worker.index(), Halt::from_error(reason)));
        self.halt.flush();
        let deadline = std::time::Instant::now() + Duration::from_secs(1);
        while !self.halt_echoed.get() && std::time::Instant::now() < deadline {
            worker.step_or_park(Some(Duration::from_millis(1)));
        }
    }
}

/// The first error among accumulated fault updates, in evaluation order.
pub fn first_fault(faults: &[(Fault, u64, isize)]) -> Option<EvalError> {
    let mut totals: std::collections::BTreeMap<&Fault, isize> = std::collections::BTreeMap::new();
    for (fault, _, diff) in faults {
        *totals.entry(fault).or_default() += diff;
    }
    totals
        .into_iter()
        .find(|(_, total)| *total > 0)
        .map(|(fault, _)| fault.to_eval_error())
}
