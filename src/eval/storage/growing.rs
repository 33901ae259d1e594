//! A relation growing during one stratum's fixpoint: the semi-naive
//! bookkeeping (stable, recent, to add) over narrow sorted rows, kept in
//! every column order the stratum's joins look it up by.
//!
//! The first order is the primary one: new rows arrive in it, are
//! deduplicated against it, and the other orders receive the already
//! distinct recent rows, permuted. A relation looked up by one key only is
//! stored once, keyed by that column, as a hand-written datafrog program
//! keys `path` by its join column. Owns no evaluation logic.

use super::Relation;
use super::row::{Permutation, Row, RowKind, Rows};
use crate::eval::Tuple;

/// The rows of one relation in one column order.
#[derive(Debug)]
pub struct Order<R> {
    permutation: Permutation,
    /// For each position of this order, the position of the same column in the primary order.
    from_primary: Vec<usize>,
    /// Disjoint sorted batches whose union is everything known before this round.
    stable: Vec<Vec<R>>,
    /// For each stable batch, its number of distinct prefixes of 1, 2, ... arity - 1 positions.
    stable_keys: Vec<Vec<usize>>,
    /// The rows that became known in the last round, sorted.
    recent: Vec<R>,
    /// The recent rows' number of distinct prefixes, as for a stable batch.
    recent_keys: Vec<usize>,
}

impl<R: Row> Order<R> {
    /// The column order of this copy.
    pub fn permutation(&self) -> &Permutation {
        &self.permutation
    }

    /// Everything known before this round: sorted, disjoint batches.
    pub fn stable(&self) -> &[Vec<R>] {
        &self.stable
    }

    /// What the last round added, sorted.
    pub fn recent(&self) -> &[R] {
        &self.recent
    }

    /// The expected number of rows of `part` sharing a key of `key_len`
    /// leading positions (every row when `key_len` is 0; at most one when it
    /// covers every column): the rows over the distinct keys. Stable keys
    /// are counted per batch; the largest count stands for all of them.
    pub fn fanout(&self, arity: usize, part: Part, key_len: usize) -> f64 {
        let n_stable: usize = self.stable.iter().map(Vec::len).sum();
        let n_rows = match part {
            Part::Old => n_stable,
            Part::Recent => self.recent.len(),
            Part::Full => n_stable + self.recent.len(),
        } as f64;
        if key_len == 0 {
            return n_rows;
        }
        if key_len >= arity {
            return n_rows.min(1.0);
        }
        let keys = |counts: &Vec<usize>| counts.get(key_len - 1).copied().unwrap_or(1);
        let stable_keys = self.stable_keys.iter().map(keys).max().unwrap_or(0);
        let n_keys = match part {
            Part::Old => stable_keys,
            Part::Recent => keys(&self.recent_keys),
            Part::Full => stable_keys.max(keys(&self.recent_keys)),
        };
        n_rows / n_keys.max(1) as f64
    }

    /// Moves the recent rows into the stable batches.
    fn settle_recent(&mut self, arity: usize) {
        let mut batch = std::mem::take(&mut self.recent);
        let mut keys = std::mem::take(&mut self.recent_keys);
        if batch.is_empty() {
            return;
        }
        while let Some(last) = self.stable.last() {
            if last.len() > 2 * batch.len() {
                break;
            }
            let (Some(last), Some(_)) = (self.stable.pop(), self.stable_keys.pop()) else {
                break;
            };
            batch = merge_disjoint(last, batch);
            keys = distinct_prefixes(&batch, arity);
        }
        self.stable.push(batch);
        self.stable_keys.push(keys);
    }

    /// Makes `rows` (sorted, new) the recent rows.
    fn set_recent(&mut self, arity: usize, rows: Vec<R>) {
        self.recent_keys = distinct_prefixes(&rows, arity);
        self.recent = rows;
    }
}

/// Which rows of a growing relation a join reads in one round.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// Those known before the last round (stable).
    Old,
    /// Those the last round added (recent): the semi-naive delta.
    Recent,
    /// Both.
    Full,
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

/// A relation that grows round by round until a fixpoint.
#[derive(Debug)]
pub struct Growing<R> {
    arity: usize,
    orders: Vec<Order<R>>,
    /// New rows in the primary order, unsorted, possibly repeated or already known.
    to_add: Vec<R>,
}

impl<R: Row> Growing<R> {
    /// An empty relation kept in each of `permutations` (the first is primary;
    /// with none given, the natural column order is).
    pub fn new(arity: usize, mut permutations: Vec<Permutation>) -> Growing<R> {
        if permutations.is_empty() {
            permutations.push(Permutation::identity(arity));
        }
        let primary = permutations[0].clone();
        let orders = permutations
            .into_iter()
            .map(|permutation| Order {
                from_primary: permutation
                    .columns()
                    .iter()
                    .map(|&column| primary.position_of(column).unwrap_or(column))
                    .collect(),
                permutation,
                stable: Vec::new(),
                stable_keys: Vec::new(),
                recent: Vec::new(),
                recent_keys: Vec::new(),
            })
            .collect();
        Growing {
            arity,
            orders,
            to_add: Vec::new(),
        }
    }

    /// Number of columns.
    pub fn arity(&self) -> usize {
        self.arity
    }

    /// The copies, the primary first.
    pub fn orders(&self) -> &[Order<R>] {
        &self.orders
    }

    /// The index of the copy whose leading columns are exactly `key_columns`.
    pub fn order_for(&self, key_columns: &[usize]) -> Option<usize> {
        self.orders
            .iter()
            .position(|order| order.permutation.starts_with_set(key_columns))
    }

    /// Rows known from the start (sorted, distinct, natural column order),
    /// as already-processed content: an incremental update starts from the old model.
    pub fn insert_stable(&mut self, rows: &[R]) {
        if rows.is_empty() {
            return;
        }
        let arity = self.arity;
        for order in &mut self.orders {
            let mut copy: Vec<R> = if order.permutation.is_identity() {
                rows.to_vec()
            } else {
                let mut permuted: Vec<R> = rows
                    .iter()
                    .map(|row| order.permutation.apply(arity, row))
                    .collect();
                permuted.sort_unstable();
                permuted
            };
            copy.shrink_to_fit();
            order.set_recent(arity, copy);
            order.settle_recent(arity);
        }
    }

    /// Queues rows given in the primary order.
    pub fn extend(&mut self, rows: impl IntoIterator<Item = R>) {
        self.to_add.extend(rows);
    }

    /// Queues a row given in natural column order.
    pub fn push_natural(&mut self, row: &R) {
        let row = self.orders[0].permutation.apply(self.arity, row);
        self.to_add.push(row);
    }

    /// Number of distinct rows known (stable and recent).
    #[cfg(test)]
    fn len(&self) -> usize {
        let primary = &self.orders[0];
        primary.stable.iter().map(Vec::len).sum::<usize>() + primary.recent.len()
    }

    /// Ends a round: the recent rows become stable, the queued ones that are
    /// really new become recent. Returns true when some are.
    ///
    /// 1. Each copy folds its recent rows into its stable batches, merging
    ///    batches of similar size, so there are O(log n) of them.
    /// 2. The queue is sorted and deduplicated, then filtered against the
    ///    primary's stable batches by galloping (a sparse queue) or a linear
    ///    merge (a dense one).
    /// 3. The other copies receive the new rows permuted and sorted.
    pub fn changed(&mut self) -> bool {
        let arity = self.arity;
        for order in &mut self.orders {
            order.settle_recent(arity);
        }
        if self.to_add.is_empty() {
            return false;
        }
        let mut new = std::mem::take(&mut self.to_add);
        new.sort_unstable();
        new.dedup();
        for batch in &self.orders[0].stable {
            remove_present(&mut new, batch);
        }
        new.shrink_to_fit();
        let (primary, others) = self.orders.split_at_mut(1);
        for order in others {
            let mut permuted: Vec<R> = new
                .iter()
                .map(|row| R::build(arity, |position| row.cell(arity, order.from_primary[position])))
                .collect();
            permuted.sort_unstable();
            order.set_recent(arity, permuted);
        }
        primary[0].set_recent(arity, new);
        !primary[0].recent.is_empty()
    }

    /// The recent rows in natural column order, sorted.
    pub fn recent_natural(&self) -> Vec<R> {
        let primary = &self.orders[0];
        let mut rows: Vec<R> = primary
            .recent
            .iter()
            .map(|row| primary.permutation.undo(self.arity, row))
            .collect();
        if !primary.permutation.is_identity() {
            rows.sort_unstable();
        }
        rows
    }

    /// Everything, in natural column order, sorted: the completed relation.
    /// Works in place on the primary copy; the others are dropped first.
    pub fn into_natural(mut self) -> Vec<R> {
        self.orders.truncate(1);
        let Some(mut primary) = self.orders.pop() else {
            return Vec::new();
        };
        primary.settle_recent(self.arity);
        let mut rows = primary
            .stable
            .into_iter()
            .reduce(merge_disjoint)
            .unwrap_or_default();
        if !primary.permutation.is_identity() {
            for row in rows.iter_mut() {
                *row = primary.permutation.undo(self.arity, row);
            }
            rows.sort_unstable();
        }
        rows
    }
}

/// A growing relation of any row width.
#[derive(Debug)]
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

impl AnyGrowing {
    /// An empty relation of `arity` columns kept in each of `permutations`.
    pub fn new(arity: usize, permutations: Vec<Permutation>) -> AnyGrowing {
        match RowKind::for_arity(arity) {
            RowKind::Pair => AnyGrowing::Pair(Growing::new(arity, permutations)),
            RowKind::Quad => AnyGrowing::Quad(Growing::new(arity, permutations)),
            RowKind::Boxed => AnyGrowing::Boxed(Growing::new(arity, permutations)),
        }
    }

    /// Number of columns.
    pub fn arity(&self) -> usize {
        with_growing!(self, growing => growing.arity())
    }

    /// The column order of each copy, the primary first.
    pub fn permutations(&self) -> Vec<&Permutation> {
        with_growing!(self, growing => growing.orders().iter().map(Order::permutation).collect())
    }

    /// See [`Growing::order_for`].
    pub fn order_for(&self, key_columns: &[usize]) -> Option<usize> {
        with_growing!(self, growing => growing.order_for(key_columns))
    }

    /// Number of rows the last round added.
    pub fn n_recent(&self) -> usize {
        with_growing!(self, growing => growing.orders()[0].recent().len())
    }

    /// Rows known from the start (see [`Growing::insert_stable`]).
    pub fn insert_stable(&mut self, relation: &Relation) {
        match (self, relation.rows()) {
            (AnyGrowing::Pair(growing), Rows::Pair(rows)) => growing.insert_stable(rows),
            (AnyGrowing::Quad(growing), Rows::Quad(rows)) => growing.insert_stable(rows),
            (AnyGrowing::Boxed(growing), Rows::Boxed(rows)) => growing.insert_stable(rows),
            _ => {}
        }
    }

    /// Queues every row of `relation` (natural column order).
    pub fn push_relation(&mut self, relation: &Relation) {
        match (self, relation.rows()) {
            (AnyGrowing::Pair(growing), Rows::Pair(rows)) => rows.iter().for_each(|row| growing.push_natural(row)),
            (AnyGrowing::Quad(growing), Rows::Quad(rows)) => rows.iter().for_each(|row| growing.push_natural(row)),
            (AnyGrowing::Boxed(growing), Rows::Boxed(rows)) => rows.iter().for_each(|row| growing.push_natural(row)),
            _ => {}
        }
    }

    /// Queues rows built in the primary order; rows of another width are ignored.
    pub fn push_rows(&mut self, rows: Rows) {
        match (self, rows) {
            (AnyGrowing::Pair(growing), Rows::Pair(rows)) => growing.extend(rows),
            (AnyGrowing::Quad(growing), Rows::Quad(rows)) => growing.extend(rows),
            (AnyGrowing::Boxed(growing), Rows::Boxed(rows)) => growing.extend(rows),
            _ => {}
        }
    }

    /// See [`Order::fanout`] (order `order`; 0 rows when there is no such copy).
    pub fn fanout(&self, order: usize, part: Part, key_len: usize) -> f64 {
        with_growing!(self, growing => growing
            .orders()
            .get(order)
            .map_or(0.0, |copy| copy.fanout(growing.arity(), part, key_len)))
    }

    /// See [`Growing::changed`].
    pub fn changed(&mut self) -> bool {
        with_growing!(self, growing => growing.changed())
    }

    /// The rows the last round added, as a relation (natural order).
    pub fn recent_relation(&self) -> Relation {
        with_growing!(self, growing => Relation::from_sorted(growing.arity(), growing.recent_natural()))
    }

    /// The completed relation.
    pub fn into_relation(self) -> Relation {
        with_growing!(self, growing => {
            let arity = growing.arity();
            Relation::from_sorted(arity, growing.into_natural())
        })
    }
}

/// Merges two sorted vectors with no row in common, in place in the larger
/// one (grown by `reserve_exact`, which the allocator can often do without
/// copying), so a merge never holds both inputs and a full copy at once.
pub fn merge_disjoint<R: Row>(mut large: Vec<R>, mut small: Vec<R>) -> Vec<R> {
    if large.len() < small.len() {
        std::mem::swap(&mut large, &mut small);
    }
    let (Some(large_last), Some(small_first)) = (large.last(), small.first()) else {
        large.append(&mut small);
        return large;
    };
    if large_last < small_first {
        large.append(&mut small);
        return large;
    }
    let (n_large, n_small) = (large.len(), small.len());
    large.reserve_exact(n_small);
    large.resize(n_large + n_small, R::default());
    // Fill from the back: the free slots always lie past the unread large rows.
    let (mut i, mut j) = (n_large, n_small);
    let mut k = n_large + n_small;
    while j > 0 {
        k -= 1;
        if i > 0 && large[i - 1] > small[j - 1] {
            i -= 1;
            large.swap(k, i);
        } else {
            j -= 1;
            large[k] = std::mem::take(&mut small[j]);
        }
    }
    large
}

/// Removes from sorted `new` every row present in sorted `batch`.
fn remove_present<R: Ord>(new: &mut Vec<R>, batch: &[R]) {
    let mut slice = batch;
    if batch.len() > 4 * new.len() {
        new.retain(|row| {
            slice = gallop(slice, |other| other < row);
            slice.first() != Some(row)
        });
    } else {
        new.retain(|row| {
            while slice.first().is_some_and(|other| other < row) {
                slice = &slice[1..];
            }
            slice.first() != Some(row)
        });
    }
}

/// Skips the prefix of `slice` for which `before` holds (it must be a
/// prefix property), in O(log distance) steps.
pub fn gallop<T>(mut slice: &[T], mut before: impl FnMut(&T) -> bool) -> &[T] {
    if slice.first().is_some_and(&mut before) {
        let mut step = 1;
        while step < slice.len() && before(&slice[step]) {
            slice = &slice[step..];
            step <<= 1;
        }
        step >>= 1;
        while step > 0 {
            if step < slice.len() && before(&slice[step]) {
                slice = &slice[step..];
            }
            step >>= 1;
        }
        slice = &slice[1..];
    }
    slice
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::Packed;

    fn pair(a: u32, b: u32) -> u64 {
        u64::build(2, |position| Packed::from_bits(if position == 0 { a } else { b }))
    }

    #[test]
    fn gallop_skips_exactly_the_prefix() {
        let values: Vec<u32> = (0..100).collect();
        for cut in 0..=100 {
            assert_eq!(
                gallop(&values, |&value| value < cut).len(),
                100 - cut as usize
            );
        }
    }

    #[test]
    fn merging_keeps_order_whichever_side_is_larger() {
        for (left, right) in [
            (vec![1u64, 4, 9], vec![2u64, 3, 10, 11, 12]),
            (vec![5, 6], vec![1, 2, 3]),
            (vec![], vec![7]),
            (vec![1, 3, 5, 7], vec![2]),
        ] {
            let mut expected: Vec<u64> = left.iter().chain(&right).copied().collect();
            expected.sort();
            assert_eq!(merge_disjoint(left, right), expected);
        }
    }

    #[test]
    fn rounds_report_only_new_rows_in_every_order() {
        let swapped = Permutation::keyed(2, &[1]);
        let mut relation: Growing<u64> =
            Growing::new(2, vec![Permutation::identity(2), swapped]);
        relation.extend([pair(1, 2), pair(1, 2), pair(2, 3)]);
        assert!(relation.changed());
        assert_eq!(relation.orders()[0].recent(), &[pair(1, 2), pair(2, 3)]);
        assert_eq!(relation.orders()[1].recent(), &[pair(2, 1), pair(3, 2)]);
        relation.extend([pair(2, 3), pair(0, 9)]);
        assert!(relation.changed());
        assert_eq!(relation.orders()[0].recent(), &[pair(0, 9)]);
        assert!(!relation.changed());
        assert_eq!(relation.len(), 3);
        assert_eq!(relation.order_for(&[1]), Some(1));
        assert_eq!(
            relation.into_natural(),
            vec![pair(0, 9), pair(1, 2), pair(2, 3)]
        );
    }

    #[test]
    fn a_keyed_primary_order_comes_back_in_natural_order() {
        let mut relation: Growing<u64> = Growing::new(2, vec![Permutation::keyed(2, &[1])]);
        relation.insert_stable(&[pair(1, 5), pair(2, 4)]);
        relation.push_natural(&pair(3, 3));
        relation.push_natural(&pair(1, 5));
        assert!(relation.changed());
        assert_eq!(relation.recent_natural(), vec![pair(3, 3)]);
        assert_eq!(
            relation.into_natural(),
            vec![pair(1, 5), pair(2, 4), pair(3, 3)]
        );
    }
}
