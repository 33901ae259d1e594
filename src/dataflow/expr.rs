//! Expressions over a row of bindings, computed by the datafrog engine's
//! own `CompiledExpr`, so both engines give the same values and errors.
//!
//! The blueprint renumbers each expression's variables to positions in the
//! binding row it reads (`renumber`); a worker compiles it against its own
//! `Store` and evaluates it over the row packed into slots, packing only the
//! positions the expression reads (a check inside a join runs once per
//! matching pair, so packing a whole row each time would dominate). Owns no
//! arithmetic, comparison or built-in function.

use super::datum::{Datum, Evaluator, Row};
use crate::analysis::ir::{Expr, VarId};
use crate::eval::{CompiledExpr, EvalError, Packed, ValueError};
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

/// A binding read by position: a built row, or the parts of a join's new
/// binding before they are put together.
pub trait Bindings {
    /// How many values the binding holds.
    fn width(&self) -> usize;
    /// The value at `position`.
    fn at(&self, position: usize) -> Option<&Datum>;
}

impl Bindings for [Datum] {
    fn width(&self) -> usize {
        self.len()
    }

    fn at(&self, position: usize) -> Option<&Datum> {
        self.get(position)
    }
}

/// A join's new binding before it is built: the key, the carried values,
/// then what the atom binds. Checks read it in place, so a pair they reject
/// costs no row.
pub struct JoinedParts<'a>(pub [&'a [Datum]; 3]);

impl JoinedParts<'_> {
    /// The binding as a row, of exactly its width.
    pub fn to_row(&self) -> Row {
        let mut row = Row::with_capacity(self.width());
        for part in self.0 {
            row.extend(part.iter().cloned());
        }
        row
    }
}

impl Bindings for JoinedParts<'_> {
    fn width(&self) -> usize {
        self.0.iter().map(|part| part.len()).sum()
    }

    fn at(&self, mut position: usize) -> Option<&Datum> {
        for part in self.0 {
            if let Some(datum) = part.get(position) {
                return Some(datum);
            }
            position -= part.len();
        }
        None
    }
}

/// An expression compiled against one worker's store, with the row
/// positions it reads.
pub struct RowExpr {
    compiled: CompiledExpr,
    reads: Vec<usize>,
}

/// Adds the slots `expr` reads to `reads`.
fn collect_reads(expr: &CompiledExpr, reads: &mut Vec<usize>) {
    match expr {
        CompiledExpr::Slot(slot) => reads.push(*slot),
        CompiledExpr::Const(_) => {}
        CompiledExpr::Binary(_, lhs, rhs) => {
            collect_reads(lhs, reads);
            collect_reads(rhs, reads);
        }
        CompiledExpr::Call(_, args) => args.iter().for_each(|arg| collect_reads(arg, reads)),
    }
}

impl Evaluator {
    /// Compiles a renumbered expression against this worker's store.
    pub fn compile(&mut self, expr: &Expr) -> RowExpr {
        let compiled = CompiledExpr::compile(expr, &mut self.store);
        let mut reads = Vec::new();
        collect_reads(&compiled, &mut reads);
        reads.sort_unstable();
        reads.dedup();
        RowExpr { compiled, reads }
    }

    /// The value of `expr` over `row`.
    pub fn evaluate<B: Bindings + ?Sized>(
        &mut self,
        expr: &RowExpr,
        row: &B,
    ) -> Result<Datum, ValueError> {
        match expr.compiled {
            CompiledExpr::Slot(position) => {
                return Ok(row.at(position).cloned().unwrap_or(Datum::Int(0)));
            }
            CompiledExpr::Const(value) => return Ok(self.unpack(value)),
            _ => {}
        }
        let mut slots = std::mem::take(&mut self.slots);
        slots.clear();
        slots.resize(row.width(), Packed::default());
        for &position in &expr.reads {
            if let Some(datum) = row.at(position) {
                slots[position] = self.pack(datum);
            }
        }
        let result = expr.compiled.evaluate(&slots, &mut self.store);
        self.slots = slots;
        Ok(self.unpack(result?))
    }

    /// True when a standalone boolean built-in holds (it yields the integer 1).
    pub fn holds<B: Bindings + ?Sized>(
        &mut self,
        expr: &RowExpr,
        row: &B,
    ) -> Result<bool, ValueError> {
        Ok(self.evaluate(expr, row)? == Datum::Int(1))
    }

    /// `lhs op rhs`; ordering values of different types is an error.
    pub fn compare(&mut self, op: CompareOp, lhs: &Datum, rhs: &Datum) -> Result<bool, ValueError> {
        match op {
            // Packed values are canonical, so equality of data is equality of values.
            CompareOp::Eq => Ok(lhs == rhs),
            CompareOp::Ne => Ok(lhs != rhs),
            // Within one of these kinds, the order of data is the order of
            // values (see `datum`), so no packing is needed.
            _ if same_ordered_kind(lhs, rhs) => Ok(match op {
                CompareOp::Lt => lhs < rhs,
                CompareOp::Le => lhs <= rhs,
                CompareOp::Gt => lhs > rhs,
                CompareOp::Ge => lhs >= rhs,
                CompareOp::Eq => lhs == rhs,
                CompareOp::Ne => lhs != rhs,
            }),
            _ => {
                let (lhs, rhs) = (self.pack(lhs), self.pack(rhs));
                self.store.compare_op(op, lhs, rhs)
            }
        }
    }
}

/// True when both data are integers, dates, symbols or strings alike.
fn same_ordered_kind(lhs: &Datum, rhs: &Datum) -> bool {
    matches!(
        (lhs, rhs),
        (Datum::Int(_), Datum::Int(_))
            | (Datum::Date(_), Datum::Date(_))
            | (Datum::Symbol(_), Datum::Symbol(_))
            | (Datum::Str(_), Datum::Str(_))
    )
}
