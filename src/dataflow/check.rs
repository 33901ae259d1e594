//! Tests and assignments between stages: comparisons, `X = expr`, boolean
//! built-ins, each a filter or map over the bindings whose failures
//! (overflow, division by zero, a type mismatch) become `Fault` records;
//! negations and aggregates are handed to their own operators.

use super::aggregate::aggregate;
use super::antijoin::negate;
use super::blueprint::CheckBlueprint;
use super::datum::Row;
use super::fault::{Fault, Site};
use super::render::{Render, Time};
use crate::eval::CompiledExpr;
use crate::syntax::ast::CompareOp;
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

/// An expression check compiled against the worker's store.
enum Compiled {
    Compare(CompareOp, CompiledExpr, CompiledExpr, usize),
    Assign(CompiledExpr, usize),
    Filter(CompiledExpr, usize),
}

fn expression_checks<'s, T: Time>(
    render: &mut Render<'s, T>,
    bindings: VecCollection<'s, T, Row>,
    checks: &[CheckBlueprint],
    site: Site,
) -> VecCollection<'s, T, Row> {
    let compiled: Vec<Compiled> = {
        let mut evaluator = render.evaluator.borrow_mut();
        checks
            .iter()
            .filter_map(|check| match check {
                CheckBlueprint::Compare {
                    op,
                    lhs,
                    rhs,
                    literal,
                } => Some(Compiled::Compare(
                    *op,
                    evaluator.compile(lhs),
                    evaluator.compile(rhs),
                    *literal,
                )),
                CheckBlueprint::Assign { expr, literal } => {
                    Some(Compiled::Assign(evaluator.compile(expr), *literal))
                }
                CheckBlueprint::Filter { expr, literal } => {
                    Some(Compiled::Filter(evaluator.compile(expr), *literal))
                }
                CheckBlueprint::Negation { .. } | CheckBlueprint::Aggregate(_) => None,
            })
            .collect()
    };
    let evaluator = render.evaluator.clone();
    let outcomes = bindings.flat_map(move |mut row: Row| {
        let mut evaluator = evaluator.borrow_mut();
        for check in &compiled {
            let (outcome, literal) = match check {
                Compiled::Compare(op, lhs, rhs, literal) => (
                    evaluator
                        .evaluate(lhs, &row)
                        .and_then(|lhs| Ok((lhs, evaluator.evaluate(rhs, &row)?)))
                        .and_then(|(lhs, rhs)| evaluator.compare(*op, &lhs, &rhs)),
                    *literal,
                ),
                Compiled::Assign(expr, literal) => (
                    evaluator.evaluate(expr, &row).map(|value| {
                        row.push(value);
                        true
                    }),
                    *literal,
                ),
                Compiled::Filter(expr, literal) => (evaluator.holds(expr, &row), *literal),
            };
            match outcome {
                Ok(true) => {}
                Ok(false) => return None,
                Err(error) => return Some(Err(Fault::new(site, Some(literal), error))),
            }
        }
        Some(Ok(row))
    });
    split_faults(render, outcomes)
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
