//! Tests and assignments between stages: comparisons, `X = expr`, boolean
//! built-ins, each a filter or map over the bindings whose failures
//! (overflow, division by zero, a type mismatch) become `Fault` records.
//! Negations and aggregates are not here: the pipeline hands them to their
//! own operators.
//!
//! The checks right after a join run inside the join itself
//! ([`ExpressionChecks::test`] from the join's closure, on the binding's
//! parts before they are put together), so a pair of tuples
//! they reject is never a record: `accuses(A, B, D1), accuses(B, A, D2),
//! D2 >= D1, D2 - D1 <= 30` keeps only the pairs within 30 days instead of
//! materialising every pair of accusations first.

use super::blueprint::CheckBlueprint;
use super::datum::{Datum, Evaluator, Row};
use super::expr::{Bindings, RowExpr};
use super::fault::{Fault, Site};
use super::render::{Render, Time};
use crate::syntax::ast::CompareOp;
use differential_dataflow::VecCollection;

/// An expression check compiled against the worker's store.
enum Compiled {
    Compare(CompareOp, RowExpr, RowExpr, usize),
    Assign(RowExpr, usize),
    Filter(RowExpr, usize),
}

/// A run of expression checks (comparisons, assignments, filters) compiled
/// for one worker, to run over one binding at a time.
pub struct ExpressionChecks {
    compiled: Vec<Compiled>,
    site: Site,
}

impl ExpressionChecks {
    /// Compiles the expression checks among `checks`; negations and
    /// aggregates are skipped (the caller passes runs without them).
    pub fn compile(evaluator: &mut Evaluator, checks: &[CheckBlueprint], site: Site) -> Self {
        let compiled = checks
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
            .collect();
        ExpressionChecks { compiled, site }
    }

    /// True when every check is a test (no assignment): they can then run
    /// on a join's new binding before it is built ([`ExpressionChecks::test`]).
    pub fn only_tests(&self) -> bool {
        !self
            .compiled
            .iter()
            .any(|check| matches!(check, Compiled::Assign(..)))
    }

    /// Runs the checks in order over `row`, appending what assignments
    /// bind: `Ok(true)` when the binding passes, `Ok(false)` when a check
    /// fails (a partial function without a value fails its literal too),
    /// and the fault of the first evaluation error.
    pub fn run(&self, evaluator: &mut Evaluator, row: &mut Row) -> Result<bool, Fault> {
        for check in &self.compiled {
            match self.outcome(check, evaluator, row.as_slice())? {
                Verdict::Pass => {}
                Verdict::Fail => return Ok(false),
                Verdict::Bind(value) => row.push(value),
            }
        }
        Ok(true)
    }

    /// As [`ExpressionChecks::run`], for checks that are all tests, over a
    /// binding read in place.
    pub fn test<B: Bindings + ?Sized>(
        &self,
        evaluator: &mut Evaluator,
        row: &B,
    ) -> Result<bool, Fault> {
        for check in &self.compiled {
            if let Verdict::Fail = self.outcome(check, evaluator, row)? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// What one check says about `row`.
    fn outcome<B: Bindings + ?Sized>(
        &self,
        check: &Compiled,
        evaluator: &mut Evaluator,
        row: &B,
    ) -> Result<Verdict, Fault> {
        let (outcome, literal) = match check {
            Compiled::Compare(op, lhs, rhs, literal) => (
                evaluator
                    .evaluate(lhs, row)
                    .and_then(|lhs| Ok((lhs, evaluator.evaluate(rhs, row)?)))
                    .and_then(|(lhs, rhs)| evaluator.compare(*op, &lhs, &rhs))
                    .map(Verdict::from),
                *literal,
            ),
            Compiled::Assign(expr, literal) => {
                (evaluator.evaluate(expr, row).map(Verdict::Bind), *literal)
            }
            Compiled::Filter(expr, literal) => {
                (evaluator.holds(expr, row).map(Verdict::from), *literal)
            }
        };
        match outcome {
            Ok(verdict) => Ok(verdict),
            // A partial function without a value fails its literal.
            Err(crate::eval::ValueError::Undefined { .. }) => Ok(Verdict::Fail),
            Err(error) => Err(Fault::new(self.site, Some(literal), error)),
        }
    }
}

/// What a check says about a binding.
enum Verdict {
    Pass,
    Fail,
    /// An assignment's value, to append.
    Bind(Datum),
}

impl From<bool> for Verdict {
    fn from(holds: bool) -> Verdict {
        if holds { Verdict::Pass } else { Verdict::Fail }
    }
}

/// The length of the run of expression checks at the start of `checks`.
pub fn leading_expression_checks(checks: &[CheckBlueprint]) -> usize {
    checks
        .iter()
        .position(|check| {
            matches!(
                check,
                CheckBlueprint::Negation { .. } | CheckBlueprint::Aggregate(_)
            )
        })
        .unwrap_or(checks.len())
}

/// Runs a run of expression checks (comparisons, assignments, filters) as
/// one operator over `bindings`; negations and aggregates are not among them.
pub fn expression_checks<'s, T: Time>(
    render: &mut Render<'s, T>,
    bindings: VecCollection<'s, T, Row>,
    checks: &[CheckBlueprint],
    site: Site,
) -> VecCollection<'s, T, Row> {
    let checks = ExpressionChecks::compile(&mut render.evaluator.borrow_mut(), checks, site);
    let evaluator = render.evaluator.clone();
    let outcomes = bindings.flat_map(move |mut row: Row| {
        match checks.run(&mut evaluator.borrow_mut(), &mut row) {
            Ok(true) => Some(Ok(row)),
            Ok(false) => None,
            Err(fault) => Some(Err(fault)),
        }
    });
    render.split_faults(outcomes)
}
