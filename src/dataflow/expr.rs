//! Expressions over a row of bindings: variables resolved to row positions,
//! constants already in dataflow form.
//!
//! Owns only the walk over the expression tree; every operation (checked
//! arithmetic, date shifting, comparisons, built-in functions) is the
//! datafrog engine's own `Store` method, reached through `Evaluator`, so
//! both engines give the same values and the same errors.

use super::datum::{Datum, Evaluator};
use crate::analysis::ir::Function;
use crate::eval::value::ValueError;
use crate::syntax::ast::{ArithOp, CompareOp};

/// An expression compiled against a binding layout.
#[derive(Clone, Debug)]
pub enum ExprCode {
    /// The value at this position of the row.
    Column(usize),
    /// A constant.
    Const(Datum),
    /// `lhs op rhs`
    Binary(ArithOp, Box<ExprCode>, Box<ExprCode>),
    /// A built-in function.
    Call(Function, Vec<ExprCode>),
}

impl ExprCode {
    /// Computes the expression over `row`.
    pub fn evaluate(&self, row: &[Datum], evaluator: &mut Evaluator) -> Result<Datum, ValueError> {
        match self {
            ExprCode::Column(position) => Ok(row.get(*position).cloned().unwrap_or(Datum::Int(0))),
            ExprCode::Const(datum) => Ok(datum.clone()),
            ExprCode::Binary(op, lhs, rhs) => {
                let lhs = lhs.evaluate(row, evaluator)?;
                let rhs = rhs.evaluate(row, evaluator)?;
                let (lhs, rhs) = (evaluator.pack(&lhs), evaluator.pack(&rhs));
                let result = evaluator.store.arithmetic(*op, lhs, rhs)?;
                Ok(evaluator.unpack(result))
            }
            ExprCode::Call(function, args) => {
                let mut packed = Vec::with_capacity(args.len());
                for arg in args {
                    let value = arg.evaluate(row, evaluator)?;
                    packed.push(evaluator.pack(&value));
                }
                let result = evaluator.store.call(*function, &packed)?;
                Ok(evaluator.unpack(result))
            }
        }
    }

    /// True when a standalone boolean built-in holds (it yields the integer 1).
    pub fn holds(&self, row: &[Datum], evaluator: &mut Evaluator) -> Result<bool, ValueError> {
        Ok(self.evaluate(row, evaluator)? == Datum::Int(1))
    }
}

/// Evaluates `lhs op rhs`; ordering values of different types is an error.
pub fn compare(
    op: CompareOp,
    lhs: &Datum,
    rhs: &Datum,
    evaluator: &mut Evaluator,
) -> Result<bool, ValueError> {
    match op {
        // Packed values are canonical, so equality of data is equality of values.
        CompareOp::Eq => Ok(lhs == rhs),
        CompareOp::Ne => Ok(lhs != rhs),
        _ => {
            let (lhs, rhs) = (evaluator.pack(lhs), evaluator.pack(rhs));
            evaluator.store.compare_op(op, lhs, rhs)
        }
    }
}
