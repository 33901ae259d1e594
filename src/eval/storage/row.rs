//! Rows: a tuple of packed values in the narrowest fixed width that holds it.
//!
//! A relation of arity 0 to 2 stores each row as one `u64`, arity 3 or 4 as
//! one `u128`, wider ones as a boxed `Tuple`. Cells sit big-endian inside the
//! integer (the first column in the highest used bits), so integer order is
//! the lexicographic order of the cells, and every row sharing a key prefix
//! lies in one contiguous run of a sorted slice: a join is two binary
//! searches, a sort or a merge compares single machine integers. This is the
//! layout a hand-written datafrog program gets from `(u32, u32)`.
//!
//! A row does not know its arity; the relation holding it does, and passes
//! it in. Nothing here allocates except the `Tuple` fallback.

use crate::eval::{Packed, Tuple};
use std::fmt::Debug;
use std::hash::Hash;

/// A fixed-width row of packed values.
pub trait Row: Clone + Ord + Hash + Default + Debug + Send + Sync + 'static {
    /// What rows sharing a key prefix have in common, as a hash key.
    type Key: Clone + Eq + Hash + Debug + Send + Sync;

    /// A row of `arity` cells, cell `position` being `cell(position)`.
    fn build(arity: usize, cell: impl FnMut(usize) -> Packed) -> Self;

    /// The cell at `position` of a row of `arity` cells.
    fn cell(&self, arity: usize, position: usize) -> Packed;

    /// Replaces the cell at `position` of a row of `arity` cells.
    fn set_cell(&mut self, arity: usize, position: usize, value: Packed) {
        let row = self.clone();
        *self = Self::build(arity, |at| {
            if at == position {
                value
            } else {
                row.cell(arity, at)
            }
        });
    }

    /// The first `key_len` cells, as a hash key.
    fn key_of(&self, arity: usize, key_len: usize) -> Self::Key;

    /// The hash key of the prefix `cells`.
    fn key_from(arity: usize, cells: &[Packed]) -> Self::Key;

    /// The run of `rows` (sorted) whose first cells are `key`.
    fn prefix_run<'a>(rows: &'a [Self], arity: usize, key: &[Packed]) -> &'a [Self];

    /// The least and greatest rows whose first cells are `key` (not
    /// empty); `None` when the type cannot say (then `prefix_run` searches).
    fn prefix_bounds(arity: usize, key: &[Packed]) -> Option<(Self, Self)>;

    /// A value no row of this type ever has (an invalid tag in its first
    /// cell), to mark empty slots; `None` when the type has none.
    fn vacant() -> Option<Self>;

    /// The row mixed into a word, for hashing into a small table.
    fn spread(&self) -> u64;

    /// Sorts rows and removes repeats: a radix sort for the integer rows
    /// (whose constant bytes, a tag or the high bits of small numbers, cost
    /// nothing), the standard sort otherwise.
    fn sort_distinct(rows: &mut Vec<Self>) {
        rows.sort_unstable();
        rows.dedup();
    }

    /// The rows of `rows` when they are of this type.
    fn of(rows: &Rows) -> Option<&Vec<Self>>;

    /// The rows of `rows` when they are of this type, to change.
    fn of_mut(rows: &mut Rows) -> Option<&mut Vec<Self>>;

    /// Rows of this type, type-erased.
    fn wrap(rows: Vec<Self>) -> Rows;
}

/// Rows of one of the three widths, type-erased; `RowKind` says which.
#[derive(Clone, Debug)]
pub enum Rows {
    /// Arity 0 to 2.
    Pair(Vec<u64>),
    /// Arity 3 or 4.
    Quad(Vec<u128>),
    /// Arity 5 and more.
    Boxed(Vec<Tuple>),
}

impl Rows {
    /// No rows, of the width `kind` says.
    pub fn empty(kind: RowKind) -> Rows {
        match kind {
            RowKind::Pair => Rows::Pair(Vec::new()),
            RowKind::Quad => Rows::Quad(Vec::new()),
            RowKind::Boxed => Rows::Boxed(Vec::new()),
        }
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        match self {
            Rows::Pair(rows) => rows.len(),
            Rows::Quad(rows) => rows.len(),
            Rows::Boxed(rows) => rows.len(),
        }
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Runs `$body` with `$name` bound to the typed vector inside a `Rows`
/// (`&Rows`, `&mut Rows` or `Rows`), once per row type.
macro_rules! with_rows {
    ($rows:expr, $name:ident => $body:expr) => {
        match $rows {
            $crate::eval::storage::Rows::Pair($name) => $body,
            $crate::eval::storage::Rows::Quad($name) => $body,
            $crate::eval::storage::Rows::Boxed($name) => $body,
        }
    };
}
pub(crate) use with_rows;

/// Rows of up to two cells.
impl Row for u64 {
    type Key = u64;

    #[inline]
    fn build(arity: usize, mut cell: impl FnMut(usize) -> Packed) -> u64 {
        let mut row = 0u64;
        for position in 0..arity {
            row = (row << 32) | u64::from(cell(position).to_bits());
        }
        row
    }

    #[inline]
    fn cell(&self, arity: usize, position: usize) -> Packed {
        let shift = 32 * (arity - 1 - position) as u32;
        Packed::from_bits((*self >> shift) as u32)
    }

    #[inline]
    fn set_cell(&mut self, arity: usize, position: usize, value: Packed) {
        let shift = 32 * (arity - 1 - position) as u32;
        *self = (*self & !(0xFFFF_FFFF << shift)) | (u64::from(value.to_bits()) << shift);
    }

    #[inline]
    fn key_of(&self, arity: usize, key_len: usize) -> u64 {
        let shift = 32 * (arity - key_len) as u32;
        self.checked_shr(shift).unwrap_or(0)
    }

    #[inline]
    fn key_from(_arity: usize, cells: &[Packed]) -> u64 {
        cells
            .iter()
            .fold(0, |key, cell| (key << 32) | u64::from(cell.to_bits()))
    }

    #[inline]
    fn prefix_run<'a>(rows: &'a [u64], arity: usize, key: &[Packed]) -> &'a [u64] {
        if key.is_empty() {
            return rows;
        }
        if key.len() >= arity {
            // A whole row: one exact search.
            let row = u64::key_from(arity, key);
            return match rows.binary_search(&row) {
                Ok(found) => &rows[found..found + 1],
                Err(_) => &[],
            };
        }
        let free_bits = 32 * (arity - key.len()) as u32;
        let low = u64::key_from(arity, key)
            .checked_shl(free_bits)
            .unwrap_or(0);
        let high = low | 1u64.checked_shl(free_bits).map_or(u64::MAX, |bit| bit - 1);
        run_between(rows, &low, &high)
    }

    fn prefix_bounds(arity: usize, key: &[Packed]) -> Option<(u64, u64)> {
        let free_bits = 32 * arity.checked_sub(key.len())? as u32;
        let low = u64::key_from(arity, key)
            .checked_shl(free_bits)
            .unwrap_or(0);
        let high = low | 1u64.checked_shl(free_bits).map_or(u64::MAX, |bit| bit - 1);
        Some((low, high))
    }

    fn vacant() -> Option<u64> {
        Some(u64::MAX)
    }

    fn sort_distinct(rows: &mut Vec<u64>) {
        radix_sort::<u64, 8>(rows, |row, byte| (*row >> (8 * byte)) as u8);
        rows.dedup();
    }

    #[inline]
    fn spread(&self) -> u64 {
        self.wrapping_mul(0x9E37_79B9_7F4A_7C15)
    }

    fn of(rows: &Rows) -> Option<&Vec<u64>> {
        match rows {
            Rows::Pair(rows) => Some(rows),
            _ => None,
        }
    }

    fn of_mut(rows: &mut Rows) -> Option<&mut Vec<u64>> {
        match rows {
            Rows::Pair(rows) => Some(rows),
            _ => None,
        }
    }

    fn wrap(rows: Vec<u64>) -> Rows {
        Rows::Pair(rows)
    }
}

/// Rows of three or four cells.
impl Row for u128 {
    type Key = u128;

    #[inline]
    fn build(arity: usize, mut cell: impl FnMut(usize) -> Packed) -> u128 {
        let mut row = 0u128;
        for position in 0..arity {
            row = (row << 32) | u128::from(cell(position).to_bits());
        }
        row
    }

    #[inline]
    fn cell(&self, arity: usize, position: usize) -> Packed {
        let shift = 32 * (arity - 1 - position) as u32;
        Packed::from_bits((*self >> shift) as u32)
    }

    #[inline]
    fn set_cell(&mut self, arity: usize, position: usize, value: Packed) {
        let shift = 32 * (arity - 1 - position) as u32;
        *self = (*self & !(0xFFFF_FFFF << shift)) | (u128::from(value.to_bits()) << shift);
    }

    #[inline]
    fn key_of(&self, arity: usize, key_len: usize) -> u128 {
        let shift = 32 * (arity - key_len) as u32;
        self.checked_shr(shift).unwrap_or(0)
    }

    #[inline]
    fn key_from(_arity: usize, cells: &[Packed]) -> u128 {
        cells
            .iter()
            .fold(0, |key, cell| (key << 32) | u128::from(cell.to_bits()))
    }

    #[inline]
    fn prefix_run<'a>(rows: &'a [u128], arity: usize, key: &[Packed]) -> &'a [u128] {
        if key.is_empty() {
            return rows;
        }
        if key.len() >= arity {
            // A whole row: one exact search.
            let row = u128::key_from(arity, key);
            return match rows.binary_search(&row) {
                Ok(found) => &rows[found..found + 1],
                Err(_) => &[],
            };
        }
        let free_bits = 32 * (arity - key.len()) as u32;
        let low = u128::key_from(arity, key)
            .checked_shl(free_bits)
            .unwrap_or(0);
        let high = low
            | 1u128
                .checked_shl(free_bits)
                .map_or(u128::MAX, |bit| bit - 1);
        run_between(rows, &low, &high)
    }

    fn prefix_bounds(arity: usize, key: &[Packed]) -> Option<(u128, u128)> {
        let free_bits = 32 * arity.checked_sub(key.len())? as u32;
        let low = u128::key_from(arity, key)
            .checked_shl(free_bits)
            .unwrap_or(0);
        let high = low
            | 1u128
                .checked_shl(free_bits)
                .map_or(u128::MAX, |bit| bit - 1);
        Some((low, high))
    }

    fn vacant() -> Option<u128> {
        Some(u128::MAX)
    }

    fn sort_distinct(rows: &mut Vec<u128>) {
        radix_sort::<u128, 16>(rows, |row, byte| (*row >> (8 * byte)) as u8);
        rows.dedup();
    }

    #[inline]
    fn spread(&self) -> u64 {
        ((*self as u64) ^ ((*self >> 64) as u64).rotate_left(29))
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
    }

    fn of(rows: &Rows) -> Option<&Vec<u128>> {
        match rows {
            Rows::Quad(rows) => Some(rows),
            _ => None,
        }
    }

    fn of_mut(rows: &mut Rows) -> Option<&mut Vec<u128>> {
        match rows {
            Rows::Quad(rows) => Some(rows),
            _ => None,
        }
    }

    fn wrap(rows: Vec<u128>) -> Rows {
        Rows::Quad(rows)
    }
}

/// Rows of five cells or more.
impl Row for Tuple {
    type Key = Tuple;

    fn build(arity: usize, cell: impl FnMut(usize) -> Packed) -> Tuple {
        (0..arity).map(cell).collect()
    }

    #[inline]
    fn cell(&self, _arity: usize, position: usize) -> Packed {
        self.get(position).copied().unwrap_or_default()
    }

    fn key_of(&self, _arity: usize, key_len: usize) -> Tuple {
        self.iter().take(key_len).copied().collect()
    }

    fn key_from(_arity: usize, cells: &[Packed]) -> Tuple {
        cells.iter().copied().collect()
    }

    fn prefix_run<'a>(rows: &'a [Tuple], _arity: usize, key: &[Packed]) -> &'a [Tuple] {
        if key.is_empty() {
            return rows;
        }
        fn prefix(row: &Tuple, length: usize) -> &[Packed] {
            row.get(..length).unwrap_or(row)
        }
        let start = rows.partition_point(|row| prefix(row, key.len()) < key);
        let length = rows[start..].partition_point(|row| prefix(row, key.len()) == key);
        &rows[start..start + length]
    }

    fn prefix_bounds(_arity: usize, _key: &[Packed]) -> Option<(Tuple, Tuple)> {
        None
    }

    fn vacant() -> Option<Tuple> {
        None
    }

    #[inline]
    fn spread(&self) -> u64 {
        0
    }

    fn of(rows: &Rows) -> Option<&Vec<Tuple>> {
        match rows {
            Rows::Boxed(rows) => Some(rows),
            _ => None,
        }
    }

    fn of_mut(rows: &mut Rows) -> Option<&mut Vec<Tuple>> {
        match rows {
            Rows::Boxed(rows) => Some(rows),
            _ => None,
        }
    }

    fn wrap(rows: Vec<Tuple>) -> Rows {
        Rows::Boxed(rows)
    }
}

/// Sorts integer rows by their `N_BYTES` bytes (least significant first),
/// skipping the bytes every row has alike; short or already sorted inputs
/// take the standard sort's path. Uses a scratch copy of the rows.
fn radix_sort<R: Copy + Ord + Default, const N_BYTES: usize>(
    rows: &mut Vec<R>,
    byte_of: impl Fn(&R, usize) -> u8,
) {
    const SHORT: usize = 1 << 12;
    if rows.is_sorted() {
        return;
    }
    if rows.len() < SHORT {
        rows.sort_unstable();
        return;
    }
    let n_rows = rows.len();
    let mut counts = [[0u32; 256]; N_BYTES];
    for row in rows.iter() {
        for (byte, count) in counts.iter_mut().enumerate() {
            count[usize::from(byte_of(row, byte))] += 1;
        }
    }
    let mut from = std::mem::take(rows);
    let mut to = vec![R::default(); n_rows];
    for (byte, count) in counts.iter().enumerate() {
        if count.iter().any(|&n| n as usize == n_rows) {
            continue;
        }
        let mut offsets = [0usize; 256];
        let mut sum = 0;
        for (offset, &n) in offsets.iter_mut().zip(count.iter()) {
            *offset = sum;
            sum += n as usize;
        }
        for row in &from {
            let digit = usize::from(byte_of(row, byte));
            if let Some(target) = to.get_mut(offsets[digit]) {
                *target = *row;
            }
            offsets[digit] += 1;
        }
        std::mem::swap(&mut from, &mut to);
    }
    *rows = from;
}

/// [`Row::prefix_run`] for a caller walking one sorted run with rising
/// keys: the search starts where the last one (`from`) found its run, and
/// gallops, so a walk costs O(log gap) a key instead of O(log n); a key
/// below the last one searches from the start.
pub fn prefix_run_from<'a, R: Row>(
    rows: &'a [R],
    arity: usize,
    key: &[Packed],
    from: &mut usize,
) -> &'a [R] {
    if key.is_empty() {
        return rows;
    }
    let Some((low, high)) = R::prefix_bounds(arity, key) else {
        return R::prefix_run(rows, arity, key);
    };
    let at = (*from).min(rows.len());
    let start = if at == 0 || rows[at - 1] < low {
        rows.len() - gallop(&rows[at..], |row| *row < low).len()
    } else {
        rows[..at].partition_point(|row| *row < low)
    };
    let end = rows.len() - gallop(&rows[start..], |row| *row <= high).len();
    *from = start;
    &rows[start..end]
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

/// The rows `low <= row <= high` of a sorted slice.
#[inline]
fn run_between<'a, R: Ord>(rows: &'a [R], low: &R, high: &R) -> &'a [R] {
    let start = rows.partition_point(|row| row < low);
    let length = rows[start..].partition_point(|row| row <= high);
    &rows[start..start + length]
}

/// Which row type holds a relation of a given arity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowKind {
    /// Up to two cells in a `u64`.
    Pair,
    /// Three or four cells in a `u128`.
    Quad,
    /// Five or more cells in a `Tuple`.
    Boxed,
}

impl RowKind {
    /// The narrowest row type for `arity` cells.
    pub fn for_arity(arity: usize) -> RowKind {
        match arity {
            0..=2 => RowKind::Pair,
            3..=4 => RowKind::Quad,
            _ => RowKind::Boxed,
        }
    }
}

/// A column order: position `p` of a stored row holds column `columns[p]`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Permutation {
    columns: Vec<usize>,
}

impl Permutation {
    /// The identity on `arity` columns.
    pub fn identity(arity: usize) -> Permutation {
        Permutation {
            columns: (0..arity).collect(),
        }
    }

    /// The key columns first (in the order given), then the others (ascending).
    pub fn keyed(arity: usize, key_columns: &[usize]) -> Permutation {
        let mut key: Vec<usize> = Vec::with_capacity(key_columns.len());
        for &column in key_columns {
            if column < arity && !key.contains(&column) {
                key.push(column);
            }
        }
        let rest = (0..arity).filter(|column| !key.contains(column));
        let columns = key.iter().copied().chain(rest).collect();
        Permutation { columns }
    }

    /// True for the identity.
    pub fn is_identity(&self) -> bool {
        self.columns
            .iter()
            .enumerate()
            .all(|(position, &column)| position == column)
    }

    /// The column stored at each position.
    pub fn columns(&self) -> &[usize] {
        &self.columns
    }

    /// The position where `column` is stored.
    pub fn position_of(&self, column: usize) -> Option<usize> {
        self.columns.iter().position(|&stored| stored == column)
    }

    /// True when the first `key_columns.len()` positions hold exactly `key_columns`.
    pub fn starts_with_set(&self, key_columns: &[usize]) -> bool {
        key_columns.len() <= self.columns.len()
            && key_columns
                .iter()
                .all(|column| self.columns[..key_columns.len()].contains(column))
    }

    /// `row` (in natural column order) rearranged into this order.
    #[inline]
    pub fn apply<R: Row>(&self, arity: usize, row: &R) -> R {
        R::build(arity, |position| row.cell(arity, self.columns[position]))
    }

    /// `row` (in this order) rearranged back into natural column order.
    #[inline]
    pub fn undo<R: Row>(&self, arity: usize, row: &R) -> R {
        R::build(arity, |column| {
            let position = self.position_of(column).unwrap_or(column);
            row.cell(arity, position)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(values: &[u32]) -> Vec<Packed> {
        values.iter().map(|&bits| Packed::from_bits(bits)).collect()
    }

    fn check_layout<R: Row>(arity: usize) {
        let values: Vec<u32> = (0..arity as u32).map(|index| index * 7 + 1).collect();
        let row = R::build(arity, |position| Packed::from_bits(values[position]));
        for (position, &value) in values.iter().enumerate() {
            assert_eq!(row.cell(arity, position).to_bits(), value);
            let mut changed = row.clone();
            changed.set_cell(arity, position, Packed::from_bits(99));
            for (other, &old) in values.iter().enumerate() {
                let expected = if other == position { 99 } else { old };
                assert_eq!(changed.cell(arity, other).to_bits(), expected);
            }
        }
        // Order is lexicographic on cells, and prefix runs are contiguous.
        let mut rows: Vec<R> = Vec::new();
        for first in 0..3u32 {
            for second in [0u32, 5, u32::MAX] {
                rows.push(R::build(arity, |position| match position {
                    0 => Packed::from_bits(first),
                    1 => Packed::from_bits(second),
                    _ => Packed::from_bits(9),
                }));
            }
        }
        let sorted = rows.clone();
        rows.sort();
        assert_eq!(rows, sorted, "arity {arity}");
        if arity >= 2 {
            // Walking keys up and down with a cursor finds what a search finds.
            let mut from = 0;
            for key in [[0u32, 0], [1, 5], [1, 6], [2, u32::MAX], [0, 5], [2, 0]] {
                for length in 1..=2 {
                    let key = cells(&key[..length]);
                    assert_eq!(
                        prefix_run_from(&rows, arity, &key, &mut from),
                        R::prefix_run(&rows, arity, &key),
                        "arity {arity} key {key:?}"
                    );
                }
            }
            assert_eq!(R::prefix_run(&rows, arity, &cells(&[1])).len(), 3);
            assert_eq!(R::prefix_run(&rows, arity, &cells(&[1, 5])).len(), 1);
            assert_eq!(R::prefix_run(&rows, arity, &cells(&[1, 6])).len(), 0);
            assert_eq!(R::prefix_run(&rows, arity, &cells(&[2, u32::MAX])).len(), 1);
            assert_eq!(
                rows[0].key_of(arity, 1),
                R::key_from(arity, &cells(&[0])),
                "arity {arity}"
            );
        }
        assert_eq!(R::prefix_run(&rows, arity, &[]).len(), rows.len());
    }

    #[test]
    fn every_row_type_orders_lexicographically_and_finds_prefixes() {
        for arity in 1..=2 {
            check_layout::<u64>(arity);
        }
        for arity in 2..=4 {
            check_layout::<u128>(arity);
        }
        for arity in 2..=6 {
            check_layout::<Tuple>(arity);
        }
    }

    #[test]
    fn radix_sorting_agrees_with_sorting() {
        let mut state = 7u64;
        let mut next = || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            state >> 20
        };
        for n_rows in [0usize, 5, 5000, 20_000] {
            let pairs: Vec<u64> = (0..n_rows)
                .map(|_| (next() % 300) << 32 | (next() % 7))
                .collect();
            let mut expected = pairs.clone();
            expected.sort();
            expected.dedup();
            let mut sorted = pairs;
            u64::sort_distinct(&mut sorted);
            assert_eq!(sorted, expected);
            let quads: Vec<u128> = (0..n_rows)
                .map(|_| u128::from(next()) << 64 | u128::from(next() % 50))
                .collect();
            let mut expected = quads.clone();
            expected.sort();
            expected.dedup();
            let mut sorted = quads;
            u128::sort_distinct(&mut sorted);
            assert_eq!(sorted, expected);
        }
    }

    #[test]
    fn permutations_round_trip() {
        let keyed = Permutation::keyed(3, &[2]);
        assert_eq!(keyed.columns(), &[2, 0, 1]);
        assert_eq!(Permutation::keyed(3, &[2, 0]).columns(), &[2, 0, 1]);
        assert!(keyed.starts_with_set(&[2]));
        assert!(!keyed.starts_with_set(&[0]));
        let row = u128::build(3, |position| Packed::from_bits(position as u32 + 10));
        let moved = keyed.apply(3, &row);
        assert_eq!(moved.cell(3, 0).to_bits(), 12);
        assert_eq!(keyed.undo(3, &moved), row);
        assert!(Permutation::identity(2).is_identity());
    }
}
