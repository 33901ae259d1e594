//! A small backtracking matcher for one rule body with some variables bound.
//!
//! Explanations ask "which instances of this rule produce this one tuple?"
//! many times. `eval::evaluate_conjunction` answers that too, but
//! it indexes every relation the body reads on each call, which costs the
//! size of the relations; this matcher walks the body in planned order and
//! looks each atom up by binary search on its leading bound columns, so its
//! cost follows the number of matches. It handles atoms, negations,
//! comparisons, assignments and filters, computing every expression with
//! `eval::CompiledExpr` (so it cannot disagree with evaluation); a body with
//! an aggregate returns `None` and the caller falls back to `evaluate_conjunction`.

use crate::analysis::ir::{Arg, BodyLiteral, Expr, VarId};
use crate::eval::{CompiledExpr, Packed, Scratch, Tuple, ValueError};
use crate::syntax::ast::CompareOp;

/// Every binding that satisfies `body`, starting from `seed` (by `VarId`),
/// at most `limit` of them; `None` when the body holds an aggregate.
pub(super) fn solve_body(
    body: &[BodyLiteral],
    order: &[usize],
    seed: Vec<Option<Packed>>,
    scratch: &mut Scratch<'_>,
    limit: usize,
) -> Option<Vec<Vec<Option<Packed>>>> {
    if body
        .iter()
        .any(|literal| matches!(literal, BodyLiteral::Aggregate(_)))
    {
        return None;
    }
    let mut solver = Solver {
        body,
        order,
        scratch,
        out: Vec::new(),
        limit,
    };
    let mut bindings = seed;
    solver.step(0, &mut bindings);
    Some(solver.out)
}

struct Solver<'a, 'd> {
    body: &'a [BodyLiteral],
    order: &'a [usize],
    scratch: &'a mut Scratch<'d>,
    out: Vec<Vec<Option<Packed>>>,
    limit: usize,
}

impl Solver<'_, '_> {
    fn step(&mut self, position: usize, bindings: &mut Vec<Option<Packed>>) {
        if self.out.len() >= self.limit {
            return;
        }
        let Some(&index) = self.order.get(position) else {
            self.out.push(bindings.clone());
            return;
        };
        let Some(literal) = self.body.get(index) else {
            return;
        };
        match literal {
            BodyLiteral::Atom {
                predicate,
                args,
                negated,
                ..
            } => {
                let Some(pattern) = self.pattern(args, bindings) else {
                    // A constant never seen cannot match anything.
                    if *negated {
                        self.step(position + 1, bindings);
                    }
                    return;
                };
                let candidates: Vec<Tuple> = self
                    .scratch
                    .database()
                    .relation(*predicate)
                    .matching(&pattern)
                    .into_iter()
                    .filter(|tuple| consistent(args, tuple, bindings))
                    .collect();
                if *negated {
                    if candidates.is_empty() {
                        self.step(position + 1, bindings);
                    }
                    return;
                }
                for tuple in candidates {
                    let mut newly_bound = Vec::new();
                    for (arg, &value) in args.iter().zip(tuple.iter()) {
                        if let Arg::Var(var) = arg
                            && let Some(slot) = bindings.get_mut(var.0 as usize)
                            && slot.is_none()
                        {
                            *slot = Some(value);
                            newly_bound.push(*var);
                        }
                    }
                    self.step(position + 1, bindings);
                    for var in newly_bound {
                        if let Some(slot) = bindings.get_mut(var.0 as usize) {
                            *slot = None;
                        }
                    }
                    if self.out.len() >= self.limit {
                        return;
                    }
                }
            }
            BodyLiteral::Compare { op, lhs, rhs, .. } => {
                let lhs_value = self.eval(lhs, bindings);
                let rhs_value = self.eval(rhs, bindings);
                match (lhs_value, rhs_value) {
                    (Some(Ok(lhs)), Some(Ok(rhs)))
                        if self.scratch.store().compare_op(*op, lhs, rhs) == Ok(true) =>
                    {
                        self.step(position + 1, bindings);
                    }
                    (None, Some(Ok(value))) if *op == CompareOp::Eq => {
                        self.assign(lhs, value, position, bindings);
                    }
                    (Some(Ok(value)), None) if *op == CompareOp::Eq => {
                        self.assign(rhs, value, position, bindings);
                    }
                    _ => {}
                }
            }
            BodyLiteral::Filter { call, .. } => {
                if let Some(Ok(value)) = self.eval(call, bindings)
                    && self.scratch.store().as_int(value) == Some(1)
                {
                    self.step(position + 1, bindings);
                }
            }
            BodyLiteral::Aggregate(_) => {}
        }
    }

    /// Binds an unbound variable side of `=` and continues.
    fn assign(
        &mut self,
        side: &Expr,
        value: Packed,
        position: usize,
        bindings: &mut Vec<Option<Packed>>,
    ) {
        let Expr::Var(var) = side else { return };
        let Some(slot) = bindings.get_mut(var.0 as usize) else {
            return;
        };
        *slot = Some(value);
        self.step(position + 1, bindings);
        if let Some(slot) = bindings.get_mut(var.0 as usize) {
            *slot = None;
        }
    }

    /// The atom's columns: a value where a variable is bound or a constant
    /// stands, else free; `None` when a constant was never interned.
    fn pattern(&self, args: &[Arg], bindings: &[Option<Packed>]) -> Option<Vec<Option<Packed>>> {
        args.iter()
            .map(|arg| match arg {
                Arg::Var(var) => Some(bindings.get(var.0 as usize).copied().flatten()),
                Arg::Const(value) => self.scratch.store().lookup(value).map(Some),
                Arg::Wildcard => Some(None),
            })
            .collect()
    }

    /// The value of `expr`, computed by the evaluator's own expressions;
    /// `None` when a variable in it is unbound.
    fn eval(
        &mut self,
        expr: &Expr,
        bindings: &[Option<Packed>],
    ) -> Option<Result<Packed, ValueError>> {
        let mut variables = Vec::new();
        expr.collect_variables(&mut variables);
        if variables
            .iter()
            .any(|var| bindings.get(var.0 as usize).copied().flatten().is_none())
        {
            return None;
        }
        let slots: Vec<Packed> = bindings
            .iter()
            .map(|value| value.unwrap_or_default())
            .collect();
        let store = self.scratch.store_mut();
        Some(CompiledExpr::compile(expr, store).evaluate(&slots, store))
    }
}

/// True when a variable repeated in the atom gets the same value in each column.
fn consistent(args: &[Arg], tuple: &Tuple, bindings: &[Option<Packed>]) -> bool {
    let mut seen: Vec<(VarId, Packed)> = Vec::new();
    for (arg, &value) in args.iter().zip(tuple.iter()) {
        if let Arg::Var(var) = arg {
            if bindings.get(var.0 as usize).copied().flatten().is_some() {
                continue;
            }
            match seen.iter().find(|(seen_var, _)| seen_var == var) {
                Some((_, earlier)) if *earlier != value => return false,
                Some(_) => {}
                None => seen.push((*var, value)),
            }
        }
    }
    true
}

/// The value of `expr` under `bindings`; `None` when a variable is unbound or the arithmetic fails.
pub(super) fn eval_expr(
    expr: &Expr,
    bindings: &[Option<Packed>],
    scratch: &mut Scratch<'_>,
) -> Option<Packed> {
    let mut solver = Solver {
        body: &[],
        order: &[],
        scratch,
        out: Vec::new(),
        limit: 0,
    };
    solver.eval(expr, bindings)?.ok()
}
