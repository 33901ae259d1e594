//! A later atom of a body: the bindings so far joined with its tuples on
//! the variables they share.

use super::blueprint::StageBlueprint;
use super::datum::Row;
use super::render::{Time, project};
use differential_dataflow::VecCollection;

/// `..., q(Y, Z)` after bindings that hold `Y`: each binding keyed by `Y`
/// meets each `q` tuple keyed by its first column; the new binding is the
/// key, the carried values, then what `q` binds (`Z`).
pub fn join<'s, T: Time>(
    bindings: VecCollection<'s, T, Row>,
    relation: VecCollection<'s, T, Row>,
    stage: &StageBlueprint,
) -> VecCollection<'s, T, Row> {
    let (left_key, left_carried) = (stage.left_key.clone(), stage.left_carried.clone());
    let bindings_by_key =
        bindings.map(move |row: Row| (project(&row, &left_key), project(&row, &left_carried)));
    let atom = stage.atom.clone();
    let (right_key, right_binds) = (stage.right_key.clone(), stage.right_binds.clone());
    let tuples_by_key = relation.flat_map(move |tuple: Row| {
        atom.matches(&tuple)
            .then(|| (project(&tuple, &right_key), project(&tuple, &right_binds)))
    });
    bindings_by_key.join_map(tuples_by_key, |key: &Row, carried: &Row, bound: &Row| {
        let mut row = Row::with_capacity(key.len() + carried.len() + bound.len());
        row.extend(key.iter().cloned());
        row.extend(carried.iter().cloned());
        row.extend(bound.iter().cloned());
        row
    })
}
