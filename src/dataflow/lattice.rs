//! Lattice predicates (`dist(X, Y, min D)`): the best tuple of each key, as
//! a differential `reduce`.
//!
//! Inside a recursion's iterative scope the reduce sits between the union
//! of what the rules derived and the variable fed back, so each round reads
//! only the best tuples (the shortest-path pattern of differential
//! dataflow); a retraction is handled as any other change, the reduce
//! finding the next best value. The order is the datafrog engine's
//! (`eval::lattice_better`), through the worker's shared `Store`, so the
//! engines agree on ties and on the error for values that do not compare.

use super::datum::{Datum, Row};
use super::fault::{Fault, Site};
use super::render::{Render, Time};
use crate::analysis::ir::Lattice;
use crate::eval::lattice_better;
use differential_dataflow::VecCollection;

/// `relation` with only the best tuple of each key (every column but the
/// lattice's); an error comparing two values is a fault at `site`. A
/// predicate without rules has no site: its facts' kinds are known before
/// evaluation (E234), so they compare, and the first value seen is kept
/// should they not.
pub fn keep_best<'s, T: Time>(
    render: &mut Render<'s, T>,
    relation: VecCollection<'s, T, Row>,
    lattice: Lattice,
    site: Option<Site>,
) -> VecCollection<'s, T, Row> {
    let column = lattice.column;
    let function = lattice.function;
    let evaluator = render.evaluator.clone();
    let keyed = relation.map(move |row: Row| {
        let value = row.get(column).cloned().unwrap_or(Datum::Int(0));
        let key: Row = row
            .iter()
            .enumerate()
            .filter(|(position, _)| *position != column)
            .map(|(_, datum)| datum.clone())
            .collect();
        (key, value)
    });
    let outcomes = keyed
        .reduce(
            move |_key: &Row,
                  values: &[(&Datum, isize)],
                  output: &mut Vec<(Result<Datum, Fault>, isize)>| {
                let mut evaluator = evaluator.borrow_mut();
                let mut best: Option<&Datum> = None;
                for (value, _) in values {
                    let Some(old) = best else {
                        best = Some(value);
                        continue;
                    };
                    let (new_packed, old_packed) = (evaluator.pack(value), evaluator.pack(old));
                    match lattice_better(&evaluator.store, function, new_packed, old_packed) {
                        Ok(true) => best = Some(value),
                        Ok(false) => {}
                        Err(error) => {
                            if let Some(site) = site {
                                output.push((Err(Fault::new(site, None, error)), 1));
                                return;
                            }
                        }
                    }
                }
                if let Some(best) = best {
                    output.push((Ok(best.clone()), 1));
                }
            },
        )
        .map(|(key, outcome)| outcome.map(|value| (key, value)));
    render
        .split_faults(outcomes)
        .map(move |(key, value): (Row, Datum)| {
            let mut row = key;
            let at = column.min(row.len());
            row.insert(at, value);
            row
        })
}
