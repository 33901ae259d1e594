//! Relation storage: narrow fixed-width rows, the complete relations of a
//! model, the relations growing during a fixpoint, and indexes.
//!
//! Every value is a 32-bit `Packed`, so a row of up to two columns is one
//! `u64`, of three or four one `u128`, and only wider rows are boxed
//! (`row.rs`); the width follows from the arity alone. A complete
//! `Relation` keeps its distinct rows sorted in natural column order; a
//! `Growing` relation (`growing.rs`) is a predicate of the running stratum
//! as datafrog variables, one per column order its joins need; an `Index`
//! (`index.rs`) finds the rows of a complete relation by any key.
//!
//! Facts enter in bulk through a `RelationBuilder`: rows of packed values are
//! appended, then sorted and deduplicated once. No syntax tree is needed;
//! a loader that packs its values with the model's `Store` (a CSV import,
//! a fact file read straight into the engine) builds relations this way.
//!
//! Owns no evaluation logic and never sees a rule.

mod growing;
mod index;
mod row;

pub use growing::{AnyBatches, AnyGrowing, Part};
pub use index::{AnyIndex, Cursor, Index};
pub(crate) use row::with_rows;
pub use row::{Permutation, Row, RowKind, Rows, prefix_run_from};

use super::{Packed, Tuple};

/// Sorted runs of rows of one width, in one column order: the batches of a
/// growing relation, or a complete relation's rows.
pub enum Runs<'a> {
    /// Rows of up to two columns.
    Pair(Vec<&'a [u64]>),
    /// Rows of three or four columns.
    Quad(Vec<&'a [u128]>),
    /// Wider rows.
    Boxed(Vec<&'a [Tuple]>),
}

impl<'a> Runs<'a> {
    /// The single run `rows`.
    pub fn whole(rows: &'a Rows) -> Runs<'a> {
        match rows {
            Rows::Pair(rows) => Runs::Pair(vec![rows.as_slice()]),
            Rows::Quad(rows) => Runs::Quad(vec![rows.as_slice()]),
            Rows::Boxed(rows) => Runs::Boxed(vec![rows.as_slice()]),
        }
    }
}

/// `old` (sorted, distinct) merged with `added` (sorted, distinct), without
/// the rows of `removed` (sorted) that `old` holds.
fn merge_changed<R: Ord>(old: Vec<R>, added: Vec<R>, removed: &[R]) -> Vec<R> {
    let mut merged = Vec::with_capacity(old.len() + added.len());
    let mut added = added.into_iter().peekable();
    let mut removed = removed.iter().peekable();
    for row in old {
        while let Some(new) = added.next_if(|new| *new < row) {
            merged.push(new);
        }
        // Already there: kept once.
        added.next_if(|new| *new == row);
        while removed.next_if(|gone| **gone < row).is_some() {}
        if removed.next_if(|gone| **gone == row).is_some() {
            continue;
        }
        merged.push(row);
    }
    merged.extend(added);
    merged
}

/// A complete relation: its distinct rows, sorted in natural column order.
#[derive(Clone, Debug)]
pub struct Relation {
    arity: usize,
    rows: Rows,
}

impl Relation {
    /// The relation of no rows and no columns.
    pub const EMPTY: Relation = Relation {
        arity: 0,
        rows: Rows::Pair(Vec::new()),
    };

    /// No rows, of `arity` columns.
    pub fn empty(arity: usize) -> Relation {
        Relation {
            arity,
            rows: Rows::empty(RowKind::for_arity(arity)),
        }
    }

    /// A relation of typed rows that are already sorted and distinct.
    pub fn from_sorted<R: Row>(arity: usize, rows: Vec<R>) -> Relation {
        debug_assert!(rows.windows(2).all(|pair| pair[0] < pair[1]));
        Relation {
            arity,
            rows: R::wrap(rows),
        }
    }

    /// Number of columns.
    pub fn arity(&self) -> usize {
        self.arity
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// True when there are no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The rows, typed by width.
    pub fn rows(&self) -> &Rows {
        &self.rows
    }

    /// The rows as typed `R`, when they are of that width.
    pub fn typed<R: Row>(&self) -> &[R] {
        R::of(&self.rows).map_or(&[], |rows| rows.as_slice())
    }

    /// Every row as a `Tuple`, in order.
    pub fn iter(&self) -> RelationIter<'_> {
        RelationIter {
            relation: self,
            next: 0,
        }
    }

    /// This relation with the rows of `removed` taken out and those of
    /// `added` put in (relations of its arity): one merge of sorted rows,
    /// so the rows that stay are moved, never sorted again. A relation of
    /// another width is left as it was.
    pub fn into_changed(self, added: Relation, removed: &Relation) -> Relation {
        if self.is_empty() {
            return added;
        }
        if added.arity != self.arity && !added.is_empty() {
            return self;
        }
        let rows = match (self.rows, added.rows) {
            (Rows::Pair(old), Rows::Pair(new)) => {
                Rows::Pair(merge_changed(old, new, removed.typed()))
            }
            (Rows::Quad(old), Rows::Quad(new)) => {
                Rows::Quad(merge_changed(old, new, removed.typed()))
            }
            (Rows::Boxed(old), Rows::Boxed(new)) => {
                Rows::Boxed(merge_changed(old, new, removed.typed()))
            }
            (old, _) => old,
        };
        Relation {
            arity: self.arity,
            rows,
        }
    }

    /// Every row as a `Tuple`, collected.
    pub fn to_tuples(&self) -> Vec<Tuple> {
        self.iter().collect()
    }

    /// The rows matching `pattern` (one entry per column, `None` for any
    /// value), in order: the bound leading columns are found by binary
    /// search, the other bound columns filtered.
    pub fn matching(&self, pattern: &[Option<Packed>]) -> Vec<Tuple> {
        if pattern.len() != self.arity {
            return Vec::new();
        }
        let arity = self.arity;
        let prefix: Vec<Packed> = pattern.iter().map_while(|value| *value).collect();
        with_rows!(&self.rows, rows => matching_rows(rows, arity, &prefix, pattern))
    }

    /// Row `index` as a `Tuple`.
    pub fn tuple(&self, index: usize) -> Option<Tuple> {
        let arity = self.arity;
        with_rows!(&self.rows, rows => rows
            .get(index)
            .map(|row| (0..arity).map(|position| row.cell(arity, position)).collect()))
    }

    /// True when the row `cells` (natural column order) is present.
    pub fn contains(&self, cells: &[Packed]) -> bool {
        if cells.len() != self.arity {
            return false;
        }
        let arity = self.arity;
        with_rows!(&self.rows, rows => rows
            .binary_search(&Row::build(arity, |position| cells[position]))
            .is_ok())
    }
}

/// See [`Relation::matching`].
fn matching_rows<R: Row>(
    rows: &[R],
    arity: usize,
    prefix: &[Packed],
    pattern: &[Option<Packed>],
) -> Vec<Tuple> {
    R::prefix_run(rows, arity, prefix)
        .iter()
        .filter(|row| {
            pattern.iter().enumerate().all(|(position, wanted)| {
                wanted.is_none_or(|wanted| row.cell(arity, position) == wanted)
            })
        })
        .map(|row| {
            (0..arity)
                .map(|position| row.cell(arity, position))
                .collect()
        })
        .collect()
}

/// The rows of a relation as `Tuple`s.
pub struct RelationIter<'a> {
    relation: &'a Relation,
    next: usize,
}

impl Iterator for RelationIter<'_> {
    type Item = Tuple;

    fn next(&mut self) -> Option<Tuple> {
        let tuple = self.relation.tuple(self.next)?;
        self.next += 1;
        Some(tuple)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.relation.len().saturating_sub(self.next);
        (left, Some(left))
    }
}

/// Collects rows in bulk, then sorts and deduplicates them once.
///
/// ```
/// use wirelog::eval::RelationBuilder;
/// use wirelog::eval::Store;
///
/// let mut store = Store::new();
/// let mut edges = RelationBuilder::new(2);
/// for (from, to) in [(1, 2), (2, 3), (1, 2)] {
///     let row = [store.int(from), store.int(to)];
///     edges.push(&row);
/// }
/// let edge = edges.finish();
/// assert_eq!(edge.len(), 2);
/// assert!(edge.contains(&[store.int(2), store.int(3)]));
/// ```
#[derive(Debug)]
pub struct RelationBuilder {
    arity: usize,
    rows: Rows,
}

impl RelationBuilder {
    /// An empty builder for rows of `arity` columns.
    pub fn new(arity: usize) -> RelationBuilder {
        RelationBuilder {
            arity,
            rows: Rows::empty(RowKind::for_arity(arity)),
        }
    }

    /// Appends a row given in natural column order; returns false (and
    /// appends nothing) when it does not have the builder's arity.
    pub fn push(&mut self, cells: &[Packed]) -> bool {
        if cells.len() != self.arity {
            return false;
        }
        let arity = self.arity;
        with_rows!(&mut self.rows, rows => rows.push(Row::build(arity, |position| cells[position])));
        true
    }

    /// Appends every row of `relation` (of the same arity).
    pub fn extend_from(&mut self, relation: &Relation) {
        if relation.arity != self.arity {
            return;
        }
        match (&mut self.rows, &relation.rows) {
            (Rows::Pair(rows), Rows::Pair(more)) => rows.extend_from_slice(more),
            (Rows::Quad(rows), Rows::Quad(more)) => rows.extend_from_slice(more),
            (Rows::Boxed(rows), Rows::Boxed(more)) => rows.extend_from_slice(more),
            _ => {}
        }
    }

    /// Number of rows appended so far (repeats included).
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// True when nothing was appended.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The relation: the rows sorted, repeats removed.
    pub fn finish(self) -> Relation {
        let mut rows = self.rows;
        with_rows!(&mut rows, typed => {
            Row::sort_distinct(typed);
            typed.shrink_to_fit();
        });
        Relation {
            arity: self.arity,
            rows,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::Store;

    #[test]
    fn a_changed_relation_is_the_one_built_from_scratch() {
        let mut store = Store::new();
        for arity in 1..7 {
            let build = |store: &mut Store, seeds: &[i64]| {
                let mut builder = RelationBuilder::new(arity);
                for seed in seeds {
                    let row: Vec<Packed> = (0..arity)
                        .map(|column| store.int(seed * 10 + column as i64))
                        .collect();
                    builder.push(&row);
                }
                builder.finish()
            };
            let old = build(&mut store, &[1, 3, 5, 7, 9]);
            let added = build(&mut store, &[0, 4, 5, 10]);
            let removed = build(&mut store, &[2, 3, 9]);
            let changed = old.into_changed(added, &removed);
            let expected = build(&mut store, &[0, 1, 4, 5, 7, 10]);
            assert_eq!(changed.to_tuples(), expected.to_tuples(), "arity {arity}");
            let from_nothing =
                Relation::empty(arity).into_changed(build(&mut store, &[2, 1]), &Relation::EMPTY);
            assert_eq!(
                from_nothing.to_tuples(),
                build(&mut store, &[1, 2]).to_tuples()
            );
            // A relation never set (no columns) takes what is added, whatever is removed.
            let removed = build(&mut store, &[3]);
            let never_set = Relation::EMPTY.into_changed(build(&mut store, &[4]), &removed);
            assert_eq!(never_set.to_tuples(), build(&mut store, &[4]).to_tuples());
        }
    }

    #[test]
    fn builders_sort_deduplicate_and_read_back_every_width() {
        let mut store = Store::new();
        for arity in 0..7 {
            let mut builder = RelationBuilder::new(arity);
            for seed in [3i64, 1, 2, 1] {
                let row: Vec<Packed> = (0..arity)
                    .map(|column| store.int(seed * 10 - column as i64))
                    .collect();
                assert!(builder.push(&row));
            }
            assert!(!builder.push(&vec![Packed::ZERO; arity + 1]));
            let relation = builder.finish();
            let expected = if arity == 0 { 1 } else { 3 };
            assert_eq!(relation.len(), expected, "arity {arity}");
            let tuples: Vec<Tuple> = relation.iter().collect();
            for tuple in &tuples {
                assert!(relation.contains(tuple), "arity {arity}");
                assert_eq!(tuple.len(), arity);
            }
        }
    }
}
