//! Lattice predicates (`dist(X, Y, min D)`): the best tuple per key.
//!
//! Owns the order a lattice column is kept by (`lattice_better`, which the
//! dataflow engine uses too, so the engines cannot disagree on ties) and
//! `Keeper`, the per-key best value of one lattice predicate while its
//! stratum runs. datafrog's `Variable`s only grow, so a stratum with
//! lattice predicates feeds them only improvements: each round's new rows
//! pass through the keeper, which lets a row through only when its value
//! beats the best known for its key, and once the stratum is done the rows
//! a better one replaced are dropped. A replaced row may still be joined in
//! later rounds; with the monotone bodies analysis allows (`E236`), what it
//! derives is never better than what its replacement derives, so the
//! result is the least fixpoint all the same. Never sees a `Span`.

use super::storage::{Permutation, Relation, Row, Rows};
use super::store::{Packed, Store, ValueError, ValueType};
use crate::analysis::ir::{Lattice, PredId};
use crate::syntax::ast::{CompareOp, LatticeFunction};
use std::cmp::Ordering;
use std::collections::HashMap;
use std::collections::hash_map::Entry;

/// True when `new` is better than `old` for a lattice kept by `function`:
/// less (`min`) or greater (`max`) by value; between an integer and a
/// decimal of equal value (never `=`), the integer for `min` and the decimal
/// for `max`, as the order answers are printed in says. Values of two kinds
/// that do not compare are an error, as for the `min` and `max` aggregates.
pub fn lattice_better(
    store: &Store,
    function: LatticeFunction,
    new: Packed,
    old: Packed,
) -> Result<bool, ValueError> {
    let (new_type, old_type) = (Store::value_type(new), Store::value_type(old));
    let number = |kind| matches!(kind, ValueType::Integer | ValueType::Decimal);
    if new_type != old_type && !(number(new_type) && number(old_type)) {
        return Err(ValueError::mixed_kinds(
            function.keyword(),
            new_type,
            old_type,
        ));
    }
    let ordering = if store.compare_op(CompareOp::Lt, new, old)? {
        Ordering::Less
    } else if store.compare_op(CompareOp::Gt, new, old)? {
        Ordering::Greater
    } else {
        store.compare(new, old)
    };
    Ok(match function {
        LatticeFunction::Min => ordering == Ordering::Less,
        LatticeFunction::Max => ordering == Ordering::Greater,
    })
}

/// The best value of each key of one lattice predicate, as its stratum runs.
pub(super) struct Keeper {
    /// The predicate.
    pub(super) predicate: PredId,
    lattice: Lattice,
    arity: usize,
    best: HashMap<Vec<Packed>, Packed>,
}

impl Keeper {
    /// An empty keeper for `predicate`, whose rows have `arity` columns.
    pub(super) fn new(predicate: PredId, lattice: Lattice, arity: usize) -> Keeper {
        Keeper {
            predicate,
            lattice,
            arity,
            best: HashMap::new(),
        }
    }

    /// The rows of `rows` (stored in `permutation`'s column order) that
    /// improve on the best value of their key, at most one per key (the
    /// best of them); the keeper remembers them as the new best.
    pub(super) fn improve(
        &mut self,
        rows: Rows,
        permutation: &Permutation,
        store: &Store,
    ) -> Result<Rows, ValueError> {
        Ok(match rows {
            Rows::Pair(rows) => Rows::Pair(self.improve_typed(rows, permutation, store)?),
            Rows::Quad(rows) => Rows::Quad(self.improve_typed(rows, permutation, store)?),
            Rows::Boxed(rows) => Rows::Boxed(self.improve_typed(rows, permutation, store)?),
        })
    }

    /// [`Keeper::improve`] of the rows of a relation (natural column order).
    pub(super) fn improve_relation(
        &mut self,
        relation: &Relation,
        store: &Store,
    ) -> Result<Relation, ValueError> {
        let identity = Permutation::identity(self.arity);
        let rows = match relation.rows() {
            Rows::Pair(rows) => Rows::Pair(self.improve_typed(rows.clone(), &identity, store)?),
            Rows::Quad(rows) => Rows::Quad(self.improve_typed(rows.clone(), &identity, store)?),
            Rows::Boxed(rows) => Rows::Boxed(self.improve_typed(rows.clone(), &identity, store)?),
        };
        Ok(sorted_relation(self.arity, rows))
    }

    fn improve_typed<R: Row>(
        &mut self,
        rows: Vec<R>,
        permutation: &Permutation,
        store: &Store,
    ) -> Result<Vec<R>, ValueError> {
        let (arity, column) = (self.arity, self.lattice.column);
        let value_position = permutation.position_of(column).unwrap_or(column);
        let key_positions: Vec<usize> = (0..arity)
            .filter(|&natural| natural != column)
            .map(|natural| permutation.position_of(natural).unwrap_or(natural))
            .collect();
        // 1. The best row of each key among the new ones.
        let mut round: HashMap<Vec<Packed>, R> = HashMap::new();
        for row in rows {
            let key: Vec<Packed> = key_positions
                .iter()
                .map(|&position| row.cell(arity, position))
                .collect();
            match round.entry(key) {
                Entry::Vacant(slot) => {
                    slot.insert(row);
                }
                Entry::Occupied(mut slot) => {
                    let old = slot.get().cell(arity, value_position);
                    let new = row.cell(arity, value_position);
                    if lattice_better(store, self.lattice.function, new, old)? {
                        slot.insert(row);
                    }
                }
            }
        }
        // 2. Those that beat the best known, which they replace.
        let mut improved = Vec::with_capacity(round.len());
        for (key, row) in round {
            let new = row.cell(arity, value_position);
            match self.best.entry(key) {
                Entry::Vacant(slot) => {
                    slot.insert(new);
                    improved.push(row);
                }
                Entry::Occupied(mut slot) => {
                    if lattice_better(store, self.lattice.function, new, *slot.get())? {
                        slot.insert(new);
                        improved.push(row);
                    }
                }
            }
        }
        Ok(improved)
    }

    /// The relation (natural column order, sorted) without the rows a
    /// better one of their key replaced.
    pub(super) fn keep_best(&self, relation: Relation) -> Relation {
        let rows = match relation.rows() {
            Rows::Pair(rows) => Rows::Pair(self.best_typed(rows)),
            Rows::Quad(rows) => Rows::Quad(self.best_typed(rows)),
            Rows::Boxed(rows) => Rows::Boxed(self.best_typed(rows)),
        };
        sorted_relation(self.arity, rows)
    }

    fn best_typed<R: Row>(&self, rows: &[R]) -> Vec<R> {
        let (arity, column) = (self.arity, self.lattice.column);
        rows.iter()
            .filter(|row| {
                let key: Vec<Packed> = (0..arity)
                    .filter(|&natural| natural != column)
                    .map(|natural| row.cell(arity, natural))
                    .collect();
                self.best
                    .get(&key)
                    .is_none_or(|best| *best == row.cell(arity, column))
            })
            .cloned()
            .collect()
    }
}

/// Rows of any width sorted into a relation.
fn sorted_relation(arity: usize, rows: Rows) -> Relation {
    match rows {
        Rows::Pair(mut rows) => {
            rows.sort_unstable();
            rows.dedup();
            Relation::from_sorted(arity, rows)
        }
        Rows::Quad(mut rows) => {
            rows.sort_unstable();
            rows.dedup();
            Relation::from_sorted(arity, rows)
        }
        Rows::Boxed(mut rows) => {
            rows.sort_unstable();
            rows.dedup();
            Relation::from_sorted(arity, rows)
        }
    }
}
