//! Expressions over a row of bindings, computed by the datafrog engine's
//! own `CompiledExpr`, so both engines give the same values and errors.
//!
//! The blueprint renumbers each expression's variables to positions in the
//! binding row it reads (`renumber`); a worker compiles it against its own
//! `Store` and evaluates it over the row packed into slots. Owns no
//! arithmetic, comparison or built-in function.

use super::datum::{Datum, Evaluator};
use crate::analysis::ir::{Expr, VarId};
use crate::eval::{CompiledExpr, EvalError, ValueError};
use crate::syntax::ast::CompareOp;

/// `expr` with each variable replaced by its position in `layout`.
pub fn renumber(expr: &Expr, layout: &[VarId]) -> Result<Expr, EvalError> {
    Ok(match expr {
        Expr::Var(var) => Expr::Var(VarId(position(layout, *var)? as u32)),
        Expr::Const(value) => Expr::Const(value.clone()),
        Expr::Binary { op, lhs, rhs } => Expr::Binary {
            op: *op,
            lhs: Box::new(renumber(lhs, layout)?),
            rhs: Box::new(renumber(rhs, layout)?),
        },
        Expr::Call { function, args } => Expr::Call {
            function: *function,
            args: args
                .iter()
                .map(|arg| renumber(arg, layout))
                .collect::<Result<_, _>>()?,
        },
    })
}

/// The position of `var` in `layout`.
pub fn position(layout: &[VarId], var: VarId) -> Result<usize, EvalError> {
    layout
        .iter()
        .position(|bound| *bound == var)
        .ok_or_else(|| {
            EvalError::Internal("dataflow plan: a variable is read before it is bound".into())
        })
}

impl Evaluator {
    /// Compiles a renumbered expression against this worker's store.
    pub fn compile(&mut self, expr: &Expr) -> CompiledExpr {
        CompiledExpr::compile(expr, &mut self.store)
    }

    /// The value of `expr` over `row`.
    pub fn evaluate(&mut self, expr: &CompiledExpr, row: &[Datum]) -> Result<Datum, ValueError> {
        if let CompiledExpr::Slot(position) = expr {
            return Ok(row.get(*position).cloned().unwrap_or(Datum::Int(0)));
        }
        let mut slots = std::mem::take(&mut self.slots);
        slots.clear();
        for datum in row {
            let packed = self.pack(datum);
            slots.push(packed);
        }
        let result = expr.evaluate(&slots, &mut self.store);
        self.slots = slots;
        Ok(self.unpack(result?))
    }

    /// True when a standalone boolean built-in holds (it yields the integer 1).
    pub fn holds(&mut self, expr: &CompiledExpr, row: &[Datum]) -> Result<bool, ValueError> {
        Ok(self.evaluate(expr, row)? == Datum::Int(1))
    }

    /// `lhs op rhs`; ordering values of different types is an error.
    pub fn compare(&mut self, op: CompareOp, lhs: &Datum, rhs: &Datum) -> Result<bool, ValueError> {
        match op {
            // Packed values are canonical, so equality of data is equality of values.
            CompareOp::Eq => Ok(lhs == rhs),
            CompareOp::Ne => Ok(lhs != rhs),
            _ => {
                let (lhs, rhs) = (self.pack(lhs), self.pack(rhs));
                self.store.compare_op(op, lhs, rhs)
            }
        }
    }
}
