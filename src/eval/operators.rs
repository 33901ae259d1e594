//! Filtered join and map over datafrog variables.
//!
//! datafrog 2.0.1's `Variable::from_join` and `from_map` produce exactly one
//! output per input, so a rule with a comparison or negation after a join
//! could not drop anything. These two operators read the same `recent` and
//! `stable` batches datafrog's own ones read, in the same semi-naive
//! pattern, and let the logic push zero or more outputs; the caller inserts
//! what they collect, so deduplication stays datafrog's.

use datafrog::Variable;

/// Joins the new tuples of each side with everything of the other side, by key:
/// recent × stable, stable × recent, recent × recent.
pub fn join_into<Key: Ord, Left: Ord, Right: Ord>(
    left: &Variable<(Key, Left)>,
    right: &Variable<(Key, Right)>,
    mut logic: impl FnMut(&Key, &Left, &Right),
) {
    let left_recent = left.recent.borrow();
    let right_recent = right.recent.borrow();
    for batch in right.stable.borrow().iter() {
        join_sorted(&left_recent, batch, &mut logic);
    }
    for batch in left.stable.borrow().iter() {
        join_sorted(batch, &right_recent, &mut logic);
    }
    join_sorted(&left_recent, &right_recent, &mut logic);
}

/// Maps the new tuples of `input` into `output`, through `logic` that may push zero or more results.
pub fn map_into<Input: Ord, Output: Ord>(
    input: &Variable<Input>,
    output: &Variable<Output>,
    mut logic: impl FnMut(&Input, &mut Vec<Output>),
) {
    let mut results = Vec::new();
    for tuple in input.recent.borrow().iter() {
        logic(tuple, &mut results);
    }
    // Sorted unstably first: datafrog's stable sort is then a linear pass.
    results.sort_unstable();
    results.dedup();
    output.insert(datafrog::Relation::from_vec(results));
}

/// Merge join of two slices sorted by key, galloping over runs that do not match.
fn join_sorted<Key: Ord, Left, Right>(
    mut left: &[(Key, Left)],
    mut right: &[(Key, Right)],
    logic: &mut impl FnMut(&Key, &Left, &Right),
) {
    while let (Some(left_first), Some(right_first)) = (left.first(), right.first()) {
        match left_first.0.cmp(&right_first.0) {
            std::cmp::Ordering::Less => left = gallop(left, |entry| entry.0 < right_first.0),
            std::cmp::Ordering::Greater => right = gallop(right, |entry| entry.0 < left_first.0),
            std::cmp::Ordering::Equal => {
                let n_left = left
                    .iter()
                    .take_while(|entry| entry.0 == left_first.0)
                    .count();
                let n_right = right
                    .iter()
                    .take_while(|entry| entry.0 == right_first.0)
                    .count();
                for left_entry in &left[..n_left] {
                    for right_entry in &right[..n_right] {
                        logic(&left_entry.0, &left_entry.1, &right_entry.1);
                    }
                }
                left = &left[n_left..];
                right = &right[n_right..];
            }
        }
    }
}

/// Skips the prefix of `slice` for which `before` holds (it must be a prefix property).
fn gallop<T>(mut slice: &[T], mut before: impl FnMut(&T) -> bool) -> &[T] {
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
    fn join_pairs_every_match_once() {
        let left = [(1, 'a'), (1, 'b'), (2, 'c'), (4, 'd')];
        let right = [(1, 'x'), (3, 'y'), (4, 'z'), (4, 'w')];
        let mut pairs = Vec::new();
        join_sorted(&left, &right, &mut |key, l, r| pairs.push((*key, *l, *r)));
        assert_eq!(
            pairs,
            vec![(1, 'a', 'x'), (1, 'b', 'x'), (4, 'd', 'z'), (4, 'd', 'w')]
        );
    }
}
