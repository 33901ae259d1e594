//! A relation growing during one stratum's fixpoint, on datafrog: one
//! `datafrog::Variable` of narrow rows per column order the stratum's joins
//! look it up by.
//!
//! datafrog owns the semi-naive bookkeeping of each copy: rows inserted in a
//! round wait in `to_add`; `Iteration::changed()` sorts and deduplicates
//! them against everything known (`stable`, sorted batches merged
//! geometrically) and makes the new ones `recent`; `complete()` flattens the
//! batches. This module decides the column orders, reads `stable` and
//! `recent` as sorted runs for the joins, and keeps the statistics the
//! planner's cost estimate needs. The first order is the primary one; a
//! relation looked up by one key only is stored once, keyed by that column,
//! as a hand-written datafrog program keys `path` by its join column.

use super::Relation;
use super::Runs;
use super::row::{Permutation, Row, RowKind, Rows};
use crate::eval::Tuple;
use datafrog::{Iteration, Variable};
use rustc_hash::FxHashMap;
use std::cell::{Ref, RefCell};

/// Which rows of a growing relation a join reads in one round.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// Those known before the last round (datafrog's `stable`).
    Old,
    /// Those the last round added (`recent`): the semi-naive delta.
    Recent,
    /// Both.
    Full,
}

/// One copy of a growing relation: a datafrog variable in one column order.
struct Order<R: Row> {
    permutation: Permutation,
    /// For each position of this order, the position of the same column in the primary order.
    from_primary: Vec<usize>,
    variable: Variable<R>,
    /// Distinct key counts of stable batches, by (address, length) of the
    /// batch: datafrog replaces a batch when it merges it, so an entry stays
    /// valid as long as its batch does.
    batch_keys: RefCell<FxHashMap<(usize, usize), Vec<usize>>>,
}

/// A relation that grows round by round until a fixpoint.
pub struct Growing<R: Row> {
    arity: usize,
    copies: Vec<Order<R>>,
}

/// The sorted runs of one copy, borrowed from datafrog for one round.
pub struct Batches<'a, R: Ord> {
    stable: Ref<'a, Vec<datafrog::Relation<R>>>,
    recent: Ref<'a, datafrog::Relation<R>>,
}

impl<R: Ord> Batches<'_, R> {
    /// The runs making up `part`.
    pub fn runs(&self, part: Part) -> Vec<&[R]> {
        let mut runs: Vec<&[R]> = Vec::new();
        if part != Part::Recent {
            runs.extend(self.stable.iter().map(|batch| batch.elements.as_slice()));
        }
        if part != Part::Old {
            runs.push(&self.recent.elements);
        }
        runs
    }
}

impl<R: Row> Growing<R> {
    /// An empty relation of `arity` columns in `iteration`, kept in each of
    /// `permutations` (the first is primary; with none, the natural order is).
    pub fn new(
        iteration: &mut Iteration,
        name: &str,
        arity: usize,
        mut permutations: Vec<Permutation>,
    ) -> Growing<R> {
        if permutations.is_empty() {
            permutations.push(Permutation::identity(arity));
        }
        let primary = permutations[0].clone();
        let copies = permutations
            .into_iter()
            .map(|permutation| Order {
                from_primary: permutation
                    .columns()
                    .iter()
                    .map(|&column| primary.position_of(column).unwrap_or(column))
                    .collect(),
                permutation,
                variable: iteration.variable::<R>(name),
                batch_keys: RefCell::default(),
            })
            .collect();
        Growing { arity, copies }
    }

    /// The index of the copy kept in `permutation`, made now from the
    /// primary copy if there is none yet (a join plan that reads the
    /// relation in a new order was chosen): stable and recent rows alike.
    pub fn ensure_order(
        &mut self,
        iteration: &mut Iteration,
        name: &str,
        permutation: &Permutation,
    ) -> usize {
        if let Some(order) = self
            .copies
            .iter()
            .position(|copy| copy.permutation == *permutation)
        {
            return order;
        }
        let arity = self.arity;
        let Some(primary) = self.copies.first() else {
            return 0;
        };
        let from_primary: Vec<usize> = permutation
            .columns()
            .iter()
            .map(|&column| primary.permutation.position_of(column).unwrap_or(column))
            .collect();
        let permute = |rows: &[R]| {
            let mut rows: Vec<R> = rows
                .iter()
                .map(|row| R::build(arity, |position| row.cell(arity, from_primary[position])))
                .collect();
            R::sort_distinct(&mut rows);
            rows
        };
        let stable: Vec<R> = primary
            .variable
            .stable
            .borrow()
            .iter()
            .flat_map(|batch| permute(&batch.elements))
            .collect();
        let mut stable = stable;
        R::sort_distinct(&mut stable);
        let recent = permute(&primary.variable.recent.borrow().elements);
        let variable = iteration.variable::<R>(name);
        if !stable.is_empty() {
            variable
                .stable
                .borrow_mut()
                .push(datafrog::Relation { elements: stable });
        }
        *variable.recent.borrow_mut() = datafrog::Relation { elements: recent };
        self.copies.push(Order {
            permutation: permutation.clone(),
            from_primary,
            variable,
            batch_keys: RefCell::default(),
        });
        self.copies.len() - 1
    }

    /// The index of the copy kept in `permutation`, if there is one.
    pub fn order_of(&self, permutation: &Permutation) -> Option<usize> {
        self.copies
            .iter()
            .position(|copy| copy.permutation == *permutation)
    }

    /// The index of the copy whose leading columns are exactly `key_columns`.
    pub fn order_for(&self, key_columns: &[usize]) -> Option<usize> {
        self.copies
            .iter()
            .position(|copy| copy.permutation.starts_with_set(key_columns))
    }

    /// Rows known from the start (sorted, distinct, natural column order),
    /// as already-processed content: an incremental update starts from the old model.
    pub fn insert_stable(&self, rows: &[R]) {
        if rows.is_empty() {
            return;
        }
        let arity = self.arity;
        for copy in &self.copies {
            let mut rows: Vec<R> = rows
                .iter()
                .map(|row| copy.permutation.apply(arity, row))
                .collect();
            if !copy.permutation.is_identity() {
                rows.sort_unstable();
            }
            copy.variable
                .stable
                .borrow_mut()
                .push(datafrog::Relation { elements: rows });
        }
    }

    /// Queues rows given in natural column order.
    pub fn insert_natural(&self, rows: &[R]) {
        let arity = self.arity;
        for copy in &self.copies {
            let permuted = rows
                .iter()
                .map(|row| copy.permutation.apply(arity, row))
                .collect();
            copy.variable.insert(sorted_relation(permuted));
        }
    }

    /// Queues rows built in the primary order (unsorted, maybe repeated).
    pub fn insert_primary(&self, rows: Vec<R>) {
        let arity = self.arity;
        for copy in self.copies.iter().skip(1) {
            let permuted = rows
                .iter()
                .map(|row| {
                    R::build(arity, |position| {
                        row.cell(arity, copy.from_primary[position])
                    })
                })
                .collect();
            copy.variable.insert(sorted_relation(permuted));
        }
        if let Some(primary) = self.copies.first() {
            primary.variable.insert(sorted_relation(rows));
        }
    }

    /// Number of rows the last round added.
    pub fn n_recent(&self) -> usize {
        self.copies
            .first()
            .map_or(0, |copy| copy.variable.recent.borrow().len())
    }

    /// The runs of copy `order`, borrowed for a round.
    pub fn batches(&self, order: usize) -> Option<Batches<'_, R>> {
        self.copies.get(order).map(|copy| Batches {
            stable: copy.variable.stable.borrow(),
            recent: copy.variable.recent.borrow(),
        })
    }

    /// The expected number of rows of `part` of copy `order` sharing a key
    /// of `key_len` leading positions (every row when `key_len` is 0; at
    /// most one when it covers every column): the rows over the distinct
    /// keys. Stable keys are counted per batch; the largest count stands
    /// for all of them.
    pub fn fanout(&self, order: usize, part: Part, key_len: usize) -> f64 {
        let Some(copy) = self.copies.get(order) else {
            return 0.0;
        };
        let stable = copy.variable.stable.borrow();
        let recent = copy.variable.recent.borrow();
        let n_stable: usize = stable.iter().map(|batch| batch.len()).sum();
        let n_rows = match part {
            Part::Old => n_stable,
            Part::Recent => recent.len(),
            Part::Full => n_stable + recent.len(),
        } as f64;
        if key_len == 0 {
            return n_rows;
        }
        if key_len >= self.arity {
            return n_rows.min(1.0);
        }
        let mut cache = copy.batch_keys.borrow_mut();
        let mut keys_of = |rows: &[R], remember: bool| {
            let id = (rows.as_ptr() as usize, rows.len());
            let counts = match cache.get(&id) {
                Some(counts) => counts.clone(),
                None => {
                    let counts = distinct_prefixes(rows, self.arity);
                    if remember {
                        cache.insert(id, counts.clone());
                    }
                    counts
                }
            };
            counts.get(key_len - 1).copied().unwrap_or(1)
        };
        let stable_keys = stable
            .iter()
            .map(|batch| keys_of(&batch.elements, true))
            .max()
            .unwrap_or(0);
        let n_keys = match part {
            Part::Old => stable_keys,
            Part::Recent => keys_of(&recent.elements, true),
            Part::Full => stable_keys.max(keys_of(&recent.elements, true)),
        };
        n_rows / n_keys.max(1) as f64
    }

    /// The rows the last round added, in natural column order, sorted.
    pub fn recent_natural(&self) -> Vec<R> {
        let Some(primary) = self.copies.first() else {
            return Vec::new();
        };
        let mut rows: Vec<R> = primary
            .variable
            .recent
            .borrow()
            .iter()
            .map(|row| primary.permutation.undo(self.arity, row))
            .collect();
        if !primary.permutation.is_identity() {
            rows.sort_unstable();
        }
        rows
    }

    /// Everything, in natural column order, sorted: the completed relation.
    /// Call it only once the iteration has reached its fixpoint.
    pub fn into_natural(mut self) -> Vec<R> {
        self.copies.truncate(1);
        let Some(primary) = self.copies.pop() else {
            return Vec::new();
        };
        let mut rows = primary.variable.complete().elements;
        if !primary.permutation.is_identity() {
            for row in rows.iter_mut() {
                *row = primary.permutation.undo(self.arity, row);
            }
            rows.sort_unstable();
        }
        rows
    }
}

/// A datafrog relation from unsorted rows, sorted and deduplicated here
/// (integer rows by radix), which is the invariant `Relation` keeps.
fn sorted_relation<R: Row>(mut rows: Vec<R>) -> datafrog::Relation<R> {
    R::sort_distinct(&mut rows);
    datafrog::Relation { elements: rows }
}

/// For sorted `rows`, the number of distinct prefixes of 1, 2, ... arity - 1 positions.
fn distinct_prefixes<R: Row>(rows: &[R], arity: usize) -> Vec<usize> {
    (1..arity)
        .map(|key_len| {
            let mut count = 0;
            let mut previous = None;
            for row in rows {
                let key = row.key_of(arity, key_len);
                if previous.as_ref() != Some(&key) {
                    count += 1;
                    previous = Some(key);
                }
            }
            count
        })
        .collect()
}

/// A growing relation of any row width.
pub enum AnyGrowing {
    /// Rows of up to two columns.
    Pair(Growing<u64>),
    /// Rows of three or four columns.
    Quad(Growing<u128>),
    /// Wider rows.
    Boxed(Growing<Tuple>),
}

/// Runs `$body` with `$name` bound to the typed `Growing` inside an `AnyGrowing`.
macro_rules! with_growing {
    ($growing:expr, $name:ident => $body:expr) => {
        match $growing {
            AnyGrowing::Pair($name) => $body,
            AnyGrowing::Quad($name) => $body,
            AnyGrowing::Boxed($name) => $body,
        }
    };
}

/// The runs of every copy of a growing relation, borrowed for a round.
pub enum AnyBatches<'a> {
    /// Rows of up to two columns.
    Pair(Vec<Batches<'a, u64>>),
    /// Rows of three or four columns.
    Quad(Vec<Batches<'a, u128>>),
    /// Wider rows.
    Boxed(Vec<Batches<'a, Tuple>>),
}

impl AnyBatches<'_> {
    /// The runs of `part` of copy `order`.
    pub fn runs(&self, order: usize, part: Part) -> Runs<'_> {
        match self {
            AnyBatches::Pair(copies) => Runs::Pair(
                copies
                    .get(order)
                    .map_or_else(Vec::new, |copy| copy.runs(part)),
            ),
            AnyBatches::Quad(copies) => Runs::Quad(
                copies
                    .get(order)
                    .map_or_else(Vec::new, |copy| copy.runs(part)),
            ),
            AnyBatches::Boxed(copies) => Runs::Boxed(
                copies
                    .get(order)
                    .map_or_else(Vec::new, |copy| copy.runs(part)),
            ),
        }
    }
}

impl AnyGrowing {
    /// The runs of every copy, borrowed until the result is dropped.
    pub fn batches(&self) -> AnyBatches<'_> {
        fn all<R: Row>(growing: &Growing<R>) -> Vec<Batches<'_, R>> {
            (0..growing.copies.len())
                .filter_map(|order| growing.batches(order))
                .collect()
        }
        match self {
            AnyGrowing::Pair(growing) => AnyBatches::Pair(all(growing)),
            AnyGrowing::Quad(growing) => AnyBatches::Quad(all(growing)),
            AnyGrowing::Boxed(growing) => AnyBatches::Boxed(all(growing)),
        }
    }

    /// An empty relation of `arity` columns in `iteration`, kept in each of `permutations`.
    pub fn new(
        iteration: &mut Iteration,
        name: &str,
        arity: usize,
        permutations: Vec<Permutation>,
    ) -> AnyGrowing {
        match RowKind::for_arity(arity) {
            RowKind::Pair => AnyGrowing::Pair(Growing::new(iteration, name, arity, permutations)),
            RowKind::Quad => AnyGrowing::Quad(Growing::new(iteration, name, arity, permutations)),
            RowKind::Boxed => AnyGrowing::Boxed(Growing::new(iteration, name, arity, permutations)),
        }
    }

    /// Number of columns.
    pub fn arity(&self) -> usize {
        with_growing!(self, growing => growing.arity)
    }

    /// The column order of each copy, the primary first.
    pub fn permutations(&self) -> Vec<&Permutation> {
        with_growing!(self, growing => growing.copies.iter().map(|copy| &copy.permutation).collect())
    }

    /// See [`Growing::order_for`].
    pub fn order_for(&self, key_columns: &[usize]) -> Option<usize> {
        with_growing!(self, growing => growing.order_for(key_columns))
    }

    /// See [`Growing::order_of`].
    pub fn order_of(&self, permutation: &Permutation) -> Option<usize> {
        with_growing!(self, growing => growing.order_of(permutation))
    }

    /// See [`Growing::ensure_order`].
    pub fn ensure_order(
        &mut self,
        iteration: &mut Iteration,
        name: &str,
        permutation: &Permutation,
    ) -> usize {
        with_growing!(self, growing => growing.ensure_order(iteration, name, permutation))
    }

    /// See [`Growing::n_recent`].
    pub fn n_recent(&self) -> usize {
        with_growing!(self, growing => growing.n_recent())
    }

    /// See [`Growing::fanout`].
    pub fn fanout(&self, order: usize, part: Part, key_len: usize) -> f64 {
        with_growing!(self, growing => growing.fanout(order, part, key_len))
    }

    /// Number of rows of `part` (in the primary copy).
    pub fn n_rows(&self, part: Part) -> usize {
        with_growing!(self, growing => growing.fanout(0, part, 0) as usize)
    }

    /// Rows known from the start (see [`Growing::insert_stable`]).
    pub fn insert_stable(&self, relation: &Relation) {
        match (self, relation.rows()) {
            (AnyGrowing::Pair(growing), Rows::Pair(rows)) => growing.insert_stable(rows),
            (AnyGrowing::Quad(growing), Rows::Quad(rows)) => growing.insert_stable(rows),
            (AnyGrowing::Boxed(growing), Rows::Boxed(rows)) => growing.insert_stable(rows),
            _ => {}
        }
    }

    /// Queues every row of `relation` (natural column order).
    pub fn insert_relation(&self, relation: &Relation) {
        match (self, relation.rows()) {
            (AnyGrowing::Pair(growing), Rows::Pair(rows)) => growing.insert_natural(rows),
            (AnyGrowing::Quad(growing), Rows::Quad(rows)) => growing.insert_natural(rows),
            (AnyGrowing::Boxed(growing), Rows::Boxed(rows)) => growing.insert_natural(rows),
            _ => {}
        }
    }

    /// Queues rows built in the primary order; rows of another width are ignored.
    pub fn insert_rows(&self, rows: Rows) {
        match (self, rows) {
            (AnyGrowing::Pair(growing), Rows::Pair(rows)) => growing.insert_primary(rows),
            (AnyGrowing::Quad(growing), Rows::Quad(rows)) => growing.insert_primary(rows),
            (AnyGrowing::Boxed(growing), Rows::Boxed(rows)) => growing.insert_primary(rows),
            _ => {}
        }
    }

    /// The rows the last round added, as a relation (natural order).
    pub fn recent_relation(&self) -> Relation {
        with_growing!(self, growing => Relation::from_sorted(growing.arity, growing.recent_natural()))
    }

    /// The completed relation (see [`Growing::into_natural`]).
    pub fn into_relation(self) -> Relation {
        with_growing!(self, growing => {
            let arity = growing.arity;
            Relation::from_sorted(arity, growing.into_natural())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::Packed;

    fn pair(a: u32, b: u32) -> u64 {
        u64::build(2, |position| {
            Packed::from_bits(if position == 0 { a } else { b })
        })
    }

    fn recent(growing: &Growing<u64>, order: usize) -> Vec<u64> {
        growing
            .batches(order)
            .map(|batches| batches.runs(Part::Recent).concat())
            .unwrap_or_default()
    }

    #[test]
    fn rounds_report_only_new_rows_in_every_order() {
        let mut iteration = Iteration::new();
        let swapped = Permutation::keyed(2, &[1]);
        let relation: Growing<u64> = Growing::new(
            &mut iteration,
            "r",
            2,
            vec![Permutation::identity(2), swapped],
        );
        relation.insert_primary(vec![pair(1, 2), pair(1, 2), pair(2, 3)]);
        assert!(iteration.changed());
        assert_eq!(recent(&relation, 0), vec![pair(1, 2), pair(2, 3)]);
        assert_eq!(recent(&relation, 1), vec![pair(2, 1), pair(3, 2)]);
        assert_eq!(relation.fanout(1, Part::Recent, 1), 1.0);
        relation.insert_primary(vec![pair(2, 3), pair(0, 9)]);
        assert!(iteration.changed());
        assert_eq!(recent(&relation, 0), vec![pair(0, 9)]);
        assert_eq!(relation.fanout(0, Part::Full, 0), 3.0);
        assert!(!iteration.changed());
        assert_eq!(relation.order_for(&[1]), Some(1));
        assert_eq!(
            relation.into_natural(),
            vec![pair(0, 9), pair(1, 2), pair(2, 3)]
        );
    }

    #[test]
    fn a_keyed_primary_order_comes_back_in_natural_order() {
        let mut iteration = Iteration::new();
        let relation: Growing<u64> =
            Growing::new(&mut iteration, "r", 2, vec![Permutation::keyed(2, &[1])]);
        relation.insert_stable(&[pair(1, 5), pair(2, 4)]);
        relation.insert_natural(&[pair(3, 3), pair(1, 5)]);
        assert!(iteration.changed());
        assert_eq!(relation.recent_natural(), vec![pair(3, 3)]);
        assert!(!iteration.changed());
        assert_eq!(
            relation.into_natural(),
            vec![pair(1, 5), pair(2, 4), pair(3, 3)]
        );
    }
}
