//! `Tuple`: a row of packed values, compared as fast as the evaluator needs.
//!
//! Deduplication and merging in datafrog compare tuples constantly, so a
//! tuple of up to three values lives inline, unused cells zero, and compares
//! as three machine words; longer tuples live on the heap. The representation
//! is canonical (inline exactly when there are at most three values), so
//! equal tuples are identical and the derived hash agrees with equality. The
//! order is a total order for storage only; users see `Store::compare`.

use super::store::Packed;
use std::cmp::Ordering;
use std::ops::Deref;

const INLINE: usize = 3;

/// A row of packed values.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Tuple(Cells);

#[derive(Clone, PartialEq, Eq, Hash)]
enum Cells {
    Inline { len: u8, cells: [Packed; INLINE] },
    Heap(Box<[Packed]>),
}

impl Tuple {
    /// The empty tuple.
    pub const fn new() -> Tuple {
        Tuple(Cells::Inline {
            len: 0,
            cells: [Packed::ZERO; INLINE],
        })
    }

    /// An empty tuple. The capacity is ignored: a tuple stays inline until a
    /// fourth value arrives, which keeps the representation canonical.
    pub fn with_capacity(_capacity: usize) -> Tuple {
        Tuple::new()
    }

    /// Appends a value.
    pub fn push(&mut self, value: Packed) {
        match &mut self.0 {
            Cells::Inline { len, cells } if (*len as usize) < INLINE => {
                cells[*len as usize] = value;
                *len += 1;
            }
            Cells::Inline { len, cells } => {
                let mut values = cells[..*len as usize].to_vec();
                values.push(value);
                self.0 = Cells::Heap(values.into_boxed_slice());
            }
            Cells::Heap(values) => {
                let mut grown = std::mem::take(values).into_vec();
                grown.push(value);
                *values = grown.into_boxed_slice();
            }
        }
    }
}

impl Default for Tuple {
    fn default() -> Tuple {
        Tuple::new()
    }
}

impl Deref for Tuple {
    type Target = [Packed];

    #[inline]
    fn deref(&self) -> &[Packed] {
        match &self.0 {
            Cells::Inline { len, cells } => &cells[..*len as usize],
            Cells::Heap(values) => values,
        }
    }
}

impl FromIterator<Packed> for Tuple {
    fn from_iter<I: IntoIterator<Item = Packed>>(iterator: I) -> Tuple {
        let mut iterator = iterator.into_iter();
        let mut cells = [Packed::ZERO; INLINE];
        for (index, cell) in cells.iter_mut().enumerate() {
            match iterator.next() {
                Some(value) => *cell = value,
                None => {
                    return Tuple(Cells::Inline {
                        len: index as u8,
                        cells,
                    });
                }
            }
        }
        match iterator.next() {
            None => Tuple(Cells::Inline {
                len: INLINE as u8,
                cells,
            }),
            Some(fourth) => {
                let mut values = cells.to_vec();
                values.push(fourth);
                values.extend(iterator);
                Tuple(Cells::Heap(values.into_boxed_slice()))
            }
        }
    }
}

impl Ord for Tuple {
    // Inline wherever a sort or a merge is instantiated, whichever codegen
    // unit that lands in: comparison is the hot loop of deduplication.
    #[inline]
    fn cmp(&self, other: &Tuple) -> Ordering {
        match (&self.0, &other.0) {
            // Three word comparisons, no loop: the hot case of every join and merge.
            (
                Cells::Inline {
                    len: a_len,
                    cells: a,
                },
                Cells::Inline {
                    len: b_len,
                    cells: b,
                },
            ) => a[0]
                .cmp(&b[0])
                .then(a[1].cmp(&b[1]))
                .then(a[2].cmp(&b[2]))
                .then(a_len.cmp(b_len)),
            (Cells::Heap(a), Cells::Heap(b)) => a.cmp(b),
            (Cells::Inline { .. }, Cells::Heap(_)) => Ordering::Less,
            (Cells::Heap(_), Cells::Inline { .. }) => Ordering::Greater,
        }
    }
}

impl PartialOrd for Tuple {
    #[inline]
    fn partial_cmp(&self, other: &Tuple) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl std::fmt::Debug for Tuple {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_list().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::Store;

    fn tuple(values: &[i64]) -> Tuple {
        let mut store = Store::new();
        values.iter().map(|&value| store.int(value)).collect()
    }

    #[test]
    fn representation_is_canonical_however_built() {
        for length in 0..7 {
            let values: Vec<i64> = (0..length).map(|value| value * 7 - 3).collect();
            let collected = tuple(&values);
            let mut pushed = Tuple::with_capacity(length as usize);
            let mut store = Store::new();
            for &value in &values {
                pushed.push(store.int(value));
            }
            assert_eq!(collected, pushed, "length {length}");
            assert_eq!(collected.len(), length as usize);
            assert_eq!(collected.cmp(&pushed), Ordering::Equal);
        }
    }

    #[test]
    fn order_is_total_and_agrees_with_equality() {
        let tuples: Vec<Tuple> = [
            vec![],
            vec![1],
            vec![0, 0],
            vec![1, 2],
            vec![1, 2, 3],
            vec![1, 2, 3, 4],
            vec![1, 2, 3, 5],
            vec![2],
            vec![-1, 5],
        ]
        .iter()
        .map(|values| tuple(values))
        .collect();
        for a in &tuples {
            for b in &tuples {
                assert_eq!(a.cmp(b) == Ordering::Equal, a == b, "{a:?} {b:?}");
                assert_eq!(a.cmp(b), b.cmp(a).reverse(), "{a:?} {b:?}");
                for c in &tuples {
                    if a < b && b < c {
                        assert!(a < c, "{a:?} {b:?} {c:?}");
                    }
                }
            }
        }
    }
}
