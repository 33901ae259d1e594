//! Indexes over a complete relation: for one set of key columns, every
//! key's run of rows, found with one hash look-up.
//!
//! The rows are kept sorted with the key columns first, in the order given
//! (a copy, unless that is the natural order), with a directory from each
//! key to its run. A key covering every column is a membership test: the
//! directory then stops one column short and the last one is binary
//! searched within the run, so probes that keep the leading columns and
//! vary the last (the inner loop of a join) stay within one run in cache;
//! only a one-column relation is tested with a hash set. Built once per
//! relation and key, read by any number of joins; the relation must not
//! change while an index of it is in use.

use super::row::{Permutation, Row, Rows, gallop};
use crate::eval::Packed;
use rustc_hash::{FxHashMap, FxHashSet};

/// Rows of one relation found by a key.
#[derive(Debug)]
pub struct Index<R: Row> {
    arity: usize,
    permutation: Permutation,
    lookup: Lookup<R>,
}

#[derive(Debug)]
enum Lookup<R: Row> {
    /// Every column is in the key: the rows themselves, in natural order.
    Members(FxHashSet<R>),
    /// The rows in key order (`None`: the relation's own rows, already in
    /// that order) and the run of each prefix of `directory_len` key cells.
    Runs {
        rows: Option<Vec<R>>,
        runs: FxHashMap<R::Key, (usize, usize)>,
        directory_len: usize,
        /// True when the key covers every column.
        whole_rows: bool,
    },
}

impl<R: Row> Index<R> {
    /// Indexes `rows` (sorted, natural order) of a relation of `arity`
    /// columns by `key_columns` (in the order their values become known).
    pub fn build(rows: &[R], arity: usize, key_columns: &[usize]) -> Index<R> {
        let permutation = Permutation::keyed(arity, key_columns);
        let key_len = key_columns.len().min(arity);
        if key_len == arity && arity <= 1 {
            return Index {
                arity,
                permutation: Permutation::identity(arity),
                lookup: Lookup::Members(rows.iter().cloned().collect()),
            };
        }
        let copy = (!permutation.is_identity()).then(|| {
            let mut copy: Vec<R> = rows
                .iter()
                .map(|row| permutation.apply(arity, row))
                .collect();
            R::sort_distinct(&mut copy);
            copy
        });
        let ordered = copy.as_deref().unwrap_or(rows);
        let directory_len = if key_len == arity { arity - 1 } else { key_len };
        let mut runs: FxHashMap<R::Key, (usize, usize)> = FxHashMap::default();
        let mut start = 0;
        while let Some(first) = ordered.get(start) {
            let key = first.key_of(arity, directory_len);
            let length =
                ordered[start..].partition_point(|row| row.key_of(arity, directory_len) == key);
            runs.insert(key, (start, start + length));
            start += length.max(1);
        }
        runs.shrink_to_fit();
        Index {
            arity,
            permutation,
            lookup: Lookup::Runs {
                rows: copy,
                runs,
                directory_len,
                whole_rows: key_len == arity,
            },
        }
    }

    /// The column order of the rows `run` returns.
    pub fn permutation(&self) -> &Permutation {
        &self.permutation
    }

    /// Number of distinct keys (rows, for a membership index).
    pub fn n_keys(&self) -> usize {
        match &self.lookup {
            Lookup::Members(members) => members.len(),
            Lookup::Runs { runs, .. } => runs.len(),
        }
    }

    /// True when the key covers every column: a look-up finds at most one row.
    pub fn covers_all(&self) -> bool {
        match &self.lookup {
            Lookup::Members(_) => true,
            Lookup::Runs { whole_rows, .. } => *whole_rows,
        }
    }

    /// True when the key covers every column (`contains` answers, `run` does not).
    pub fn is_membership(&self) -> bool {
        matches!(self.lookup, Lookup::Members(_))
    }

    /// The rows whose key columns hold `key` (given in key order), in this
    /// index's column order. `base` is the relation's own rows.
    #[cfg(test)]
    pub fn run<'a>(&'a self, base: &'a [R], key: &[Packed]) -> &'a [R] {
        match &self.lookup {
            Lookup::Runs {
                rows,
                runs,
                directory_len,
                ..
            } => {
                let ordered = rows.as_deref().unwrap_or(base);
                let prefix = key.get(..*directory_len).unwrap_or(key);
                let run = match runs.get(&R::key_from(self.arity, prefix)) {
                    Some(&(start, end)) => ordered.get(start..end).unwrap_or(&[]),
                    None => &[],
                };
                if key.len() > prefix.len() {
                    R::prefix_run(run, self.arity, key)
                } else {
                    run
                }
            }
            Lookup::Members(_) => &[],
        }
    }

    /// [`Index::run`] for a caller that looks keys up one after another: the
    /// `cursor` remembers the last run, so a key with the same leading
    /// cells skips the directory, and a whole-row key greater than the
    /// last one (the inner loop of a join walking a sorted run) gallops on
    /// from where the last search stopped.
    #[inline]
    pub fn run_from<'a>(&'a self, base: &'a [R], key: &[Packed], cursor: &mut Cursor) -> &'a [R] {
        let Lookup::Runs {
            rows,
            runs,
            directory_len,
            ..
        } = &self.lookup
        else {
            return &[];
        };
        let ordered = rows.as_deref().unwrap_or(base);
        let prefix = key.get(..*directory_len).unwrap_or(key);
        if !cursor.holds(prefix) {
            let (start, end) = runs
                .get(&R::key_from(self.arity, prefix))
                .copied()
                .unwrap_or((0, 0));
            cursor.remember(prefix, start, end);
        }
        let run = ordered.get(cursor.start..cursor.end).unwrap_or(&[]);
        if key.len() <= prefix.len() {
            return run;
        }
        let target = R::build(self.arity, |position| {
            key.get(position).copied().unwrap_or_default()
        });
        let at = cursor.at.min(run.len());
        let position = if at == 0 || run[at - 1] < target {
            at + (run.len() - at - gallop(&run[at..], |row| *row < target).len())
        } else {
            run[..at].partition_point(|row| *row < target)
        };
        cursor.at = position;
        match run.get(position) {
            Some(row) if *row == target => &run[position..position + 1],
            _ => &[],
        }
    }

    /// For an index whose key covers every column: the run of rows whose
    /// leading cells are `prefix` (all but the last key cell), sorted by the
    /// last; `None` for another index or a prefix of another length.
    #[inline]
    pub fn last_column_run<'a>(
        &'a self,
        base: &'a [R],
        prefix: &[Packed],
        cursor: &mut Cursor,
    ) -> Option<&'a [R]> {
        match &self.lookup {
            Lookup::Runs {
                directory_len,
                whole_rows: true,
                ..
            } if prefix.len() == *directory_len => Some(self.run_from(base, prefix, cursor)),
            _ => None,
        }
    }

    /// True when a row holds `key` (given in natural column order, every column).
    #[inline]
    pub fn contains(&self, key: &[Packed]) -> bool {
        match &self.lookup {
            Lookup::Members(members) => {
                members.contains(&R::build(self.arity, |column| key[column]))
            }
            Lookup::Runs { .. } => false,
        }
    }
}

/// Where the last look-up of one join step ended (see [`Index::run_from`]).
#[derive(Clone, Debug, Default)]
pub struct Cursor {
    prefix: [Packed; CURSOR_PREFIX],
    prefix_len: usize,
    valid: bool,
    start: usize,
    end: usize,
    at: usize,
}

/// Leading key cells a cursor remembers; longer prefixes are looked up afresh.
const CURSOR_PREFIX: usize = 8;

impl Cursor {
    fn holds(&self, prefix: &[Packed]) -> bool {
        self.valid && self.prefix_len == prefix.len() && self.prefix[..self.prefix_len] == *prefix
    }

    fn remember(&mut self, prefix: &[Packed], start: usize, end: usize) {
        self.valid = prefix.len() <= CURSOR_PREFIX;
        if self.valid {
            self.prefix[..prefix.len()].copy_from_slice(prefix);
            self.prefix_len = prefix.len();
        }
        self.start = start;
        self.end = end;
        self.at = 0;
    }
}

/// An index of any row width.
#[derive(Debug)]
pub enum AnyIndex {
    /// Over rows of up to two columns.
    Pair(Index<u64>),
    /// Over rows of three or four columns.
    Quad(Index<u128>),
    /// Over wider rows.
    Boxed(Index<crate::eval::Tuple>),
}

impl AnyIndex {
    /// The column order of the rows a look-up returns.
    pub fn permutation(&self) -> &Permutation {
        match self {
            AnyIndex::Pair(index) => index.permutation(),
            AnyIndex::Quad(index) => index.permutation(),
            AnyIndex::Boxed(index) => index.permutation(),
        }
    }

    /// See [`Index::n_keys`].
    pub fn n_keys(&self) -> usize {
        match self {
            AnyIndex::Pair(index) => index.n_keys(),
            AnyIndex::Quad(index) => index.n_keys(),
            AnyIndex::Boxed(index) => index.n_keys(),
        }
    }

    /// See [`Index::last_column_run`]: the last column's values, appended to `values`.
    pub fn last_column_values(
        &self,
        base: &Rows,
        prefix: &[Packed],
        cursor: &mut Cursor,
        values: &mut Vec<Packed>,
    ) -> bool {
        fn collect<R: Row>(
            index: &Index<R>,
            base: &[R],
            prefix: &[Packed],
            cursor: &mut Cursor,
            values: &mut Vec<Packed>,
        ) -> bool {
            let Some(run) = index.last_column_run(base, prefix, cursor) else {
                return false;
            };
            let position = prefix.len();
            values.extend(run.iter().map(|row| row.cell(index.arity, position)));
            true
        }
        match (self, base) {
            (AnyIndex::Pair(index), Rows::Pair(rows)) => {
                collect(index, rows, prefix, cursor, values)
            }
            (AnyIndex::Quad(index), Rows::Quad(rows)) => {
                collect(index, rows, prefix, cursor, values)
            }
            (AnyIndex::Boxed(index), Rows::Boxed(rows)) => {
                collect(index, rows, prefix, cursor, values)
            }
            _ => false,
        }
    }

    /// True when [`Index::last_column_run`] answers for this index.
    pub fn has_last_column_runs(&self) -> bool {
        fn check<R: Row>(index: &Index<R>) -> bool {
            matches!(
                index.lookup,
                Lookup::Runs {
                    whole_rows: true,
                    ..
                }
            )
        }
        match self {
            AnyIndex::Pair(index) => check(index),
            AnyIndex::Quad(index) => check(index),
            AnyIndex::Boxed(index) => check(index),
        }
    }

    /// See [`Index::covers_all`].
    pub fn covers_all(&self) -> bool {
        match self {
            AnyIndex::Pair(index) => index.covers_all(),
            AnyIndex::Quad(index) => index.covers_all(),
            AnyIndex::Boxed(index) => index.covers_all(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(values: &[u32]) -> u128 {
        u128::build(values.len(), |position| Packed::from_bits(values[position]))
    }

    fn cells(values: &[u32]) -> Vec<Packed> {
        values.iter().map(|&bits| Packed::from_bits(bits)).collect()
    }

    #[test]
    fn runs_and_membership_find_exactly_the_matching_rows() {
        let mut rows = vec![
            row(&[1, 2, 3]),
            row(&[1, 5, 3]),
            row(&[2, 2, 4]),
            row(&[3, 9, 3]),
        ];
        rows.sort();
        let by_last = Index::build(&rows, 3, &[2]);
        let found: Vec<u128> = by_last
            .run(&rows, &cells(&[3]))
            .iter()
            .map(|found| by_last.permutation().undo(3, found))
            .collect();
        assert_eq!(
            found,
            vec![row(&[1, 2, 3]), row(&[1, 5, 3]), row(&[3, 9, 3])]
        );
        assert!(by_last.run(&rows, &cells(&[7])).is_empty());
        assert!(!by_last.covers_all());
        assert!(!Index::build(&rows, 3, &[0, 1]).covers_all());
        let by_first = Index::build(&rows, 3, &[0]);
        assert!(by_first.permutation().is_identity());
        assert_eq!(by_first.run(&rows, &cells(&[1])).len(), 2);
        let whole = Index::build(&rows, 3, &[2, 0, 1]);
        assert!(whole.covers_all());
        assert_eq!(whole.run(&rows, &cells(&[4, 2, 2])).len(), 1);
        assert!(whole.run(&rows, &cells(&[4, 2, 5])).is_empty());
        // A cursor finds the same rows whatever order the keys come in.
        let mut cursor = Cursor::default();
        for key in [
            [3, 1, 2],
            [3, 1, 5],
            [3, 3, 9],
            [3, 1, 2],
            [3, 0, 0],
            [4, 2, 2],
            [3, 1, 5],
        ] {
            assert_eq!(
                whole.run_from(&rows, &cells(&key), &mut cursor),
                whole.run(&rows, &cells(&key)),
                "{key:?}"
            );
        }
        let units: Vec<u64> = vec![3, 5];
        let members = Index::build(&units, 1, &[0]);
        assert!(members.is_membership());
        assert!(members.contains(&[Packed::from_bits(5)]));
        assert!(!members.contains(&[Packed::from_bits(4)]));
    }
}
