//! Compiled expressions: an `ir::Expr` with its constants packed, evaluated
//! over variable slots.
//!
//! The one evaluator of arithmetic and built-in functions over packed
//! values: the pipelines' checks and heads, the aggregates' values, and
//! `provenance` when it re-checks a rule instance all run expressions
//! through here, so they cannot disagree. Knows nothing of joins.

use super::store::{Packed, Store, ValueError};
use crate::analysis::ir::{Expr, Function};
use crate::syntax::ast::ArithOp;

/// An expression with its constants already packed; variables are slots
/// (the `VarId`s of the rule or query).
#[derive(Clone, Debug)]
pub enum CompiledExpr {
    /// The value in this slot.
    Slot(usize),
    /// A constant.
    Const(Packed),
    /// `lhs op rhs`, checked.
    Binary(ArithOp, Box<CompiledExpr>, Box<CompiledExpr>),
    /// A built-in function applied to its arguments.
    Call(Function, Vec<CompiledExpr>),
}

impl CompiledExpr {
    /// Compiles `expr`, packing (and so interning) its constants in `store`.
    pub fn compile(expr: &Expr, store: &mut Store) -> CompiledExpr {
        match expr {
            Expr::Var(var) => CompiledExpr::Slot(var.0 as usize),
            Expr::Const(value) => CompiledExpr::Const(store.pack(value)),
            Expr::Binary { op, lhs, rhs } => CompiledExpr::Binary(
                *op,
                Box::new(CompiledExpr::compile(lhs, store)),
                Box::new(CompiledExpr::compile(rhs, store)),
            ),
            Expr::Call { function, args } => CompiledExpr::Call(
                *function,
                args.iter()
                    .map(|arg| CompiledExpr::compile(arg, store))
                    .collect(),
            ),
        }
    }

    /// The value under `slots` (a slot past the end reads as the integer 0);
    /// results new to `store` are interned there.
    pub fn evaluate(&self, slots: &[Packed], store: &mut Store) -> Result<Packed, ValueError> {
        match self {
            CompiledExpr::Slot(slot) => Ok(slots.get(*slot).copied().unwrap_or_default()),
            CompiledExpr::Const(value) => Ok(*value),
            CompiledExpr::Binary(op, lhs, rhs) => {
                let lhs = lhs.evaluate(slots, store)?;
                let rhs = rhs.evaluate(slots, store)?;
                store.arithmetic(*op, lhs, rhs)
            }
            CompiledExpr::Call(function, args) => {
                let mut values: Vec<Packed> = Vec::with_capacity(args.len());
                for arg in args {
                    values.push(arg.evaluate(slots, store)?);
                }
                store.call(*function, &values)
            }
        }
    }
}
