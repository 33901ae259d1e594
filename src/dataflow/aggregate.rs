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
use super::fault::{Fault, Site};
use super::render::{Render, Time, project};
use crate::eval::{Store, ValueError, ValueType};
use crate::syntax::ast::{AggregateFunction, ArithOp, CompareOp};
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
    let literal = blueprint.literal;
    let evaluator = render.evaluator.clone();
    let outcomes = matches
        .reduce(
            move |_group: &Row,
                  rows: &[(&Row, isize)],
                  output: &mut Vec<(Result<Datum, Fault>, isize)>| {
                let mut evaluator = evaluator.borrow_mut();
                let folded = fold(
                    function,
                    value.as_ref(),
                    rows.iter().map(|(row, _)| *row),
                    &mut evaluator,
                )
                .map_err(|error| Fault::new(site, Some(literal), error));
                output.push((folded, 1));
            },
        )
        .map(|(group, outcome)| match outcome {
            Ok(datum) => Ok((group, datum)),
            Err(fault) => Err(fault),
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
        AggregateFunction::Min | AggregateFunction::Max => found,
    }
}

/// The datafrog engine's fold over one group's distinct matches.
fn fold<'r>(
    function: AggregateFunction,
    value: Option<&crate::eval::CompiledExpr>,
    rows: impl Iterator<Item = &'r Row>,
    evaluator: &mut super::datum::Evaluator,
) -> Result<Datum, ValueError> {
    let mut accumulator = None;
    let mut count: i64 = 0;
    for row in rows {
        count += 1;
        let Some(value) = value else { continue };
        let item = evaluator.evaluate(value, row)?;
        let item = evaluator.pack(&item);
        let store = &mut evaluator.store;
        accumulator = Some(match (accumulator, function) {
            (None, _) => item,
            (Some(best), AggregateFunction::Min | AggregateFunction::Max)
                if Store::value_type(item) != Store::value_type(best) =>
            {
                return Err(ValueError::mixed_kinds(
                    function.keyword(),
                    Store::value_type(best),
                    Store::value_type(item),
                ));
            }
            (Some(sum), AggregateFunction::Sum) => store.arithmetic(ArithOp::Add, sum, item)?,
            (Some(best), AggregateFunction::Min) => {
                if store.compare_op(CompareOp::Lt, item, best)? {
                    item
                } else {
                    best
                }
            }
            (Some(best), _) => {
                if store.compare_op(CompareOp::Gt, item, best)? {
                    item
                } else {
                    best
                }
            }
        });
    }
    let result = match function {
        AggregateFunction::Count => return Ok(Datum::Int(count)),
        AggregateFunction::Sum => match accumulator {
            Some(sum) if Store::value_type(sum) != ValueType::Integer => {
                return Err(ValueError::TypeMismatch {
                    op: "sum".into(),
                    lhs: Store::value_type(sum).name(),
                    rhs: "nothing",
                });
            }
            Some(sum) => sum,
            None => return Ok(Datum::Int(0)),
        },
        _ => match accumulator {
            Some(best) => best,
            // `reduce` never calls with an empty group; min/max need a value.
            None => return Ok(Datum::Int(0)),
        },
    };
    Ok(evaluator.unpack(result))
}
