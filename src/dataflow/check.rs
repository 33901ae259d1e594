//! Tests and assignments between stages: comparisons, `X = expr`, boolean
//! built-ins, each a filter or map over the bindings whose failures
//! (overflow, division by zero, a type mismatch) become `Fault` records.
//! Negations and aggregates are not here: the pipeline hands them to their
//! own operators.

use super::blueprint::CheckBlueprint;
use super::datum::Row;
use super::fault::{Fault, Site};
use super::render::{Render, Time};
use crate::eval::CompiledExpr;
use crate::syntax::ast::CompareOp;
use differential_dataflow::VecCollection;

/// An expression check compiled against the worker's store.
enum Compiled {
    Compare(CompareOp, CompiledExpr, CompiledExpr, usize),
    Assign(CompiledExpr, usize),
    Filter(CompiledExpr, usize),
}

/// Runs a run of expression checks (comparisons, assignments, filters) as
/// one operator over `bindings`; negations and aggregates are not among them.
pub fn expression_checks<'s, T: Time>(
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
                // A partial function without a value fails its literal.
                Ok(false) | Err(crate::eval::ValueError::Undefined { .. }) => return None,
                Err(error) => return Some(Err(Fault::new(site, Some(literal), error))),
            }
        }
        Some(Ok(row))
    });
    render.split_faults(outcomes)
}
