//! What rendering a blueprint into one worker's dataflow needs at hand: the
//! scope, the collection of every predicate readable here, and where
//! evaluation errors and counts go.
//!
//! Owns no operator (each is in a file of its own); it only keeps the
//! relations by predicate, so a rule body finds the right collection whether
//! it runs at the top level or inside a recursion's iterative scope.

use super::datum::{Evaluator, Row};
use super::fault::{Fault, Monitor};
use crate::analysis::ir::PredId;
use differential_dataflow::VecCollection;
use differential_dataflow::lattice::Lattice;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;
use timely::dataflow::Scope;
use timely::progress::Timestamp;

/// The timestamps the engine renders at: versions of the input at the top
/// level, (version, round) inside a recursion.
pub trait Time: Timestamp + Lattice {}
impl<T: Timestamp + Lattice> Time for T {}

/// One worker's rendering state in one scope.
///
/// Every worker must build the same operators in the same order (timely
/// matches channels by the order of construction), so nothing here is built
/// while iterating a hash map.
pub struct Render<'s, T: Time> {
    /// The scope operators are built in.
    pub scope: Scope<'s, T>,
    /// Every predicate readable here, as a set of tuples.
    pub relations: HashMap<PredId, VecCollection<'s, T, Row>>,
    /// One empty row (on one worker only): the bindings of a body before any atom.
    pub unit: VecCollection<'s, T, Row>,
    /// An empty collection, for predicates nothing defines.
    pub empty: VecCollection<'s, T, Row>,
    /// The evaluation errors of every operator rendered so far.
    pub faults: Vec<VecCollection<'s, T, Fault>>,
    /// The worker's bridge to the shared value semantics.
    pub evaluator: Rc<RefCell<Evaluator>>,
    /// Limits and Ctrl-C.
    pub monitor: Arc<Monitor>,
}

impl<'s, T: Time> Render<'s, T> {
    /// The collection of `predicate` (empty when nothing defines it).
    pub fn relation(&self, predicate: PredId) -> VecCollection<'s, T, Row> {
        self.relations
            .get(&predicate)
            .cloned()
            .unwrap_or_else(|| self.empty.clone())
    }

    /// Sends the errors among `outcomes` to the faults; returns the rest.
    pub fn split_faults<D: differential_dataflow::Data>(
        &mut self,
        outcomes: VecCollection<'s, T, Result<D, Fault>>,
    ) -> VecCollection<'s, T, D> {
        self.faults.push(
            outcomes
                .clone()
                .flat_map(|outcome: Result<D, Fault>| outcome.err()),
        );
        outcomes.flat_map(|outcome: Result<D, Fault>| outcome.ok())
    }
}

/// The values at `positions` of `row`, as a row.
pub fn project(row: &[super::datum::Datum], positions: &[usize]) -> Row {
    positions
        .iter()
        .filter_map(|&position| row.get(position).cloned())
        .collect()
}
