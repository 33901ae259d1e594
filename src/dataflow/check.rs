//! Tests and assignments between stages: comparisons, `X = expr`, boolean
//! built-ins, each a filter or map over the bindings whose failures
//! (overflow, division by zero, a type mismatch) become `Fault` records;
//! negations and aggregates are handed to their own operators.

use super::aggregate::aggregate;
use super::antijoin::negate;
use super::blueprint::CheckBlueprint;
use super::datum::Row;
use super::expr::compare;
use super::fault::{Fault, Site};
use super::render::{Render, Time};
use differential_dataflow::VecCollection;

/// Runs `checks` in order over `bindings`.
pub fn apply_checks<'s, T: Time>(
    render: &mut Render<'s, T>,
    mut bindings: VecCollection<'s, T, Row>,
    checks: &[CheckBlueprint],
    site: Site,
) -> VecCollection<'s, T, Row> {
    let mut index = 0;
    while index < checks.len() {
        match &checks[index] {
            CheckBlueprint::Negation {
                predicate,
                arity,
                columns,
                probe,
            } => {
                let negated = render.relation(*predicate);
                bindings = negate(bindings, negated, *arity, columns, probe);
                index += 1;
            }
            CheckBlueprint::Aggregate(blueprint) => {
                bindings = aggregate(render, bindings, blueprint, site);
                index += 1;
            }
            _ => {
                // A run of expression checks becomes one operator.
                let run_end = checks[index..]
                    .iter()
                    .position(|check| {
                        matches!(
                            check,
                            CheckBlueprint::Negation { .. } | CheckBlueprint::Aggregate(_)
                        )
                    })
                    .map_or(checks.len(), |offset| index + offset);
                bindings = expression_checks(render, bindings, &checks[index..run_end], site);
                index = run_end;
            }
        }
    }
    bindings
}

fn expression_checks<'s, T: Time>(
    render: &mut Render<'s, T>,
    bindings: VecCollection<'s, T, Row>,
    checks: &[CheckBlueprint],
    site: Site,
) -> VecCollection<'s, T, Row> {
    let checks = checks.to_vec();
    let evaluator = render.evaluator.clone();
    let outcomes = bindings.flat_map(move |mut row: Row| {
        let mut evaluator = evaluator.borrow_mut();
        for check in &checks {
            let outcome = match check {
                CheckBlueprint::Compare { op, lhs, rhs, .. } => lhs
                    .evaluate(&row, &mut evaluator)
                    .and_then(|lhs| Ok((lhs, rhs.evaluate(&row, &mut evaluator)?)))
                    .and_then(|(lhs, rhs)| compare(*op, &lhs, &rhs, &mut evaluator)),
                CheckBlueprint::Assign { expr, .. } => {
                    expr.evaluate(&row, &mut evaluator).map(|value| {
                        row.push(value);
                        true
                    })
                }
                CheckBlueprint::Filter { expr, .. } => expr.holds(&row, &mut evaluator),
                CheckBlueprint::Negation { .. } | CheckBlueprint::Aggregate(_) => Ok(true),
            };
            match outcome {
                Ok(true) => {}
                Ok(false) => return None,
                Err(error) => return Some(Err(Fault::new(site, literal_of(check), error))),
            }
        }
        Some(Ok(row))
    });
    split_faults(render, outcomes)
}

fn literal_of(check: &CheckBlueprint) -> Option<usize> {
    match check {
        CheckBlueprint::Compare { literal, .. }
        | CheckBlueprint::Assign { literal, .. }
        | CheckBlueprint::Filter { literal, .. } => Some(*literal),
        CheckBlueprint::Aggregate(blueprint) => Some(blueprint.literal),
        CheckBlueprint::Negation { .. } => None,
    }
}

/// Sends the errors among `outcomes` to the render's faults; returns the rest.
pub fn split_faults<'s, T: Time, D: differential_dataflow::Data>(
    render: &mut Render<'s, T>,
    outcomes: VecCollection<'s, T, Result<D, Fault>>,
) -> VecCollection<'s, T, D> {
    render.faults.push(
        outcomes
            .clone()
            .flat_map(|outcome: Result<D, Fault>| outcome.err()),
    );
    outcomes.flat_map(|outcome: Result<D, Fault>| outcome.ok())
}
