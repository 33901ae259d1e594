//! Aggregates: `N = count : { ... }`, `sum`, `min`, `max`, grouped by the
//! variables bound outside the braces, as a differential `reduce`, so a
//! change to the body's relations updates only the groups it touches.
//!
//! The body is a pipeline of its own: run once over its relations when it
//! binds its groups itself, or seeded with the groups the enclosing bindings
//! ask for. The fold is the datafrog engine's, value by value through the
//! shared `Store`.

use super::blueprint::AggregateBlueprint;
use super::datum::{Datum, Row};
use super::expr::RowExpr;
use super::fault::{Fault, Site};
use super::render::{Render, Time, project};
use crate::eval::{Fold, ValueError};
use crate::syntax::ast::AggregateFunction;
use differential_dataflow::VecCollection;

/// Bindings keyed by their aggregate group.
type Keyed<'s, T> = VecCollection<'s, T, (Row, Row)>;

/// The enclosing bindings keyed by the aggregate's groups, and the groups
/// a correlated body must be seeded with (the pipeline renders the body
/// between this and [`aggregate`], since a body is a conjunction of its own).
pub fn key_by_group<'s, T: Time>(
    bindings: VecCollection<'s, T, Row>,
    blueprint: &AggregateBlueprint,
) -> (Keyed<'s, T>, Option<VecCollection<'s, T, Row>>) {
    let group = blueprint.group.clone();
    let keyed = bindings.map(move |row: Row| (project(&row, &group), row));
    let seeds = blueprint
        .correlated
        .then(|| keyed.clone().map(|(key, _)| key).distinct());
    (keyed, seeds)
}

/// Appends to each keyed binding the aggregate's value for its group,
/// folded over `body` (the body's output rows); a binding whose group has
/// no match gets 0 from `count` and `sum` and is dropped by `min` and `max`.
pub fn aggregate<'s, T: Time>(
    render: &mut Render<'s, T>,
    keyed: Keyed<'s, T>,
    body: VecCollection<'s, T, Row>,
    blueprint: &AggregateBlueprint,
    site: Site,
) -> VecCollection<'s, T, Row> {
    let n_group = blueprint.group.len();
    // The body's distinct matches, by group (`reduce` sees each once).
    let matches =
        body.map(move |row: Row| (row.iter().take(n_group).cloned().collect::<Row>(), row));
    let function = blueprint.function;
    let value = blueprint
        .value
        .as_ref()
        .map(|expr| render.evaluator.borrow_mut().compile(expr));
    let projection: Vec<RowExpr> = blueprint
        .projection
        .iter()
        .map(|expr| render.evaluator.borrow_mut().compile(expr))
        .collect();
    let literal = blueprint.literal;
    let evaluator = render.evaluator.clone();
    let outcomes = matches
        .reduce(
            move |_group: &Row,
                  rows: &[(&Row, isize)],
                  output: &mut Vec<(Result<Option<Datum>, Fault>, isize)>| {
                let mut evaluator = evaluator.borrow_mut();
                let folded = fold(
                    function,
                    value.as_ref(),
                    &projection,
                    rows.iter().map(|(row, _)| *row),
                    &mut evaluator,
                )
                .map_err(|error| Fault::new(site, Some(literal), error));
                output.push((folded, 1));
            },
        )
        .flat_map(|(group, outcome)| match outcome {
            Ok(Some(datum)) => Some(Ok((group, datum))),
            // `min`, `max` and `avg` of nothing have no value.
            Ok(None) => None,
            Err(fault) => Some(Err(fault)),
        });
    let table = render.split_faults(outcomes);
    let found = keyed
        .clone()
        .join_map(table.clone(), |_group: &Row, row: &Row, value: &Datum| {
            let mut row = row.clone();
            row.push(value.clone());
            row
        });
    match function {
        AggregateFunction::Count | AggregateFunction::Sum => {
            let missing = keyed
                .antijoin(table.map(|(group, _)| group))
                .map(|(_, mut row)| {
                    row.push(Datum::Int(0));
                    row
                });
            found.concat(missing)
        }
        AggregateFunction::Min | AggregateFunction::Max | AggregateFunction::Avg => found,
    }
}

/// The datafrog engine's fold (`eval::Fold`) over one group's distinct matches.
fn fold<'r>(
    function: AggregateFunction,
    value: Option<&RowExpr>,
    projection: &[RowExpr],
    rows: impl Iterator<Item = &'r Row>,
    evaluator: &mut super::datum::Evaluator,
) -> Result<Option<Datum>, ValueError> {
    let mut fold = Fold::new(function);
    for row in rows {
        let item = match value {
            Some(value) => {
                let item = evaluator.evaluate(value, row.as_slice())?;
                Some(evaluator.pack(&item))
            }
            None => None,
        };
        let mut projected = Vec::with_capacity(projection.len());
        for term in projection {
            let datum = evaluator.evaluate(term, row.as_slice())?;
            projected.push(evaluator.pack(&datum));
        }
        fold.add(item, projected, &mut evaluator.store)?;
    }
    let result = fold.finish(&mut evaluator.store)?;
    Ok(result.map(|packed| evaluator.unpack(packed)))
}
