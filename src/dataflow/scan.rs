//! The first atom of a body: its matching tuples become the first bindings.

use super::blueprint::StageBlueprint;
use super::datum::Row;
use super::render::{Time, project};
use differential_dataflow::VecCollection;

/// `p(X, a, X)` scanned: tuples with `a` in the middle and equal ends, bound as `[X]`.
pub fn scan<'s, T: Time>(
    relation: VecCollection<'s, T, Row>,
    stage: &StageBlueprint,
) -> VecCollection<'s, T, Row> {
    let atom = stage.atom.clone();
    let binds = stage.right_binds.clone();
    relation.flat_map(move |tuple: Row| atom.matches(&tuple).then(|| project(&tuple, &binds)))
}
