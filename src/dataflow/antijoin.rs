//! Negation: `not p(X, a, _)` keeps a binding when no tuple of `p` (a lower
//! stratum) matches it on the atom's non-wildcard columns.

use super::blueprint::ProbeTerm;
use super::datum::{Datum, Row};
use super::render::{Time, project};
use differential_dataflow::VecCollection;

/// The bindings for which no tuple of `negated` matches.
pub fn negate<'s, T: Time>(
    bindings: VecCollection<'s, T, Row>,
    negated: VecCollection<'s, T, Row>,
    arity: usize,
    columns: &[usize],
    probe: &[ProbeTerm],
) -> VecCollection<'s, T, Row> {
    let columns = columns.to_vec();
    // The projection is a set: a key present twice must still remove a binding once.
    let present = negated
        .flat_map(move |tuple: Row| (tuple.len() == arity).then(|| project(&tuple, &columns)))
        .distinct();
    let probe = probe.to_vec();
    bindings
        .map(move |row: Row| {
            let key: Row = probe
                .iter()
                .map(|term| match term {
                    ProbeTerm::Column(position) => {
                        row.get(*position).cloned().unwrap_or(Datum::Int(0))
                    }
                    ProbeTerm::Const(datum) => datum.clone(),
                })
                .collect();
            (key, row)
        })
        .antijoin(present)
        .map(|(_, row)| row)
}
