//! A later atom of a body: the bindings so far joined with its tuples on
//! the variables they share, each new binding handed, still in parts, to
//! what the pipeline runs next on it (the checks that follow the atom), so
//! a binding those reject is never a row or a record.

use super::blueprint::StageBlueprint;
use super::datum::Row;
use super::expr::JoinedParts;
use super::render::{Time, project};
use differential_dataflow::VecCollection;

/// `..., q(Y, Z)` after bindings that hold `Y`: each binding keyed by `Y`
/// meets each `q` tuple keyed by its first column; the new binding is the
/// key, the carried values, then what `q` binds (`Z`). `then` maps each new
/// binding, given as those parts, to the record it becomes, or to none.
pub fn join<'s, T: Time, D: differential_dataflow::Data>(
    bindings: VecCollection<'s, T, Row>,
    relation: VecCollection<'s, T, Row>,
    stage: &StageBlueprint,
    mut then: impl FnMut(JoinedParts<'_>) -> Option<D> + 'static,
) -> VecCollection<'s, T, D> {
    let (left_key, left_carried) = (stage.left_key.clone(), stage.left_carried.clone());
    let bindings_by_key =
        bindings.map(move |row: Row| (project(&row, &left_key), project(&row, &left_carried)));
    let atom = stage.atom.clone();
    let (right_key, right_binds) = (stage.right_key.clone(), stage.right_binds.clone());
    let tuples_by_key = relation.flat_map(move |tuple: Row| {
        atom.matches(&tuple)
            .then(|| (project(&tuple, &right_key), project(&tuple, &right_binds)))
    });
    bindings_by_key.join_core(
        tuples_by_key.arrange_by_key(),
        move |key: &Row, carried: &Row, bound: &Row| then(JoinedParts([key, carried, bound])),
    )
}
