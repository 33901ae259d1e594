//! Lattice recursion: the checks that make `min D` / `max D` heads well defined.
//!
//! Owns the rules a recursion through a lattice predicate must follow so
//! that keeping only the best value per key gives the least fixpoint
//! whatever order values arrive in: every predicate of the recursion keeps
//! its best value the same way (E235), and inside the recursion a lattice
//! value read from a body atom flows only through monotone operations into
//! the head's lattice argument (E236). It reads the lowered rules and the
//! strata; it changes nothing, and it does not check types (`types` does,
//! E234) or agreement between clauses (`resolve` does, E233).

use super::error::CheckError;
use super::ir::{Arg, BodyLiteral, Expr, Function, PredId, Program, Rule, VarId};
use crate::syntax::ast::{ArithOp, CompareOp, LatticeFunction};

/// Reports every recursion through a lattice predicate that mixes kinds of
/// predicates, and every non-monotone use of a lattice value inside one.
pub(crate) fn check_lattices(program: &Program, errors: &mut Vec<CheckError>) {
    for stratum in &program.strata {
        let lattices: Vec<(PredId, LatticeFunction)> = stratum
            .predicates
            .iter()
            .filter_map(|&id| program.predicate(id).lattice.map(|l| (id, l.function)))
            .collect();
        let Some(&(first_lattice, function)) = lattices.first() else {
            continue;
        };
        if !stratum.recursive {
            continue;
        }
        let mut mixed = false;
        for &rule_id in &stratum.rules {
            let rule = program.rule(rule_id);
            for literal in &rule.body {
                let BodyLiteral::Atom {
                    predicate, span, ..
                } = literal
                else {
                    continue;
                };
                if !stratum.predicates.contains(predicate) {
                    continue;
                }
                let head = program.predicate(rule.head.predicate);
                let read = program.predicate(*predicate);
                let message = match (head.lattice, read.lattice) {
                    (Some(head_lattice), Some(read_lattice))
                        if head_lattice.function != read_lattice.function =>
                    {
                        Some(format!(
                            "`{}` keeps the {} value and `{}` the {} in one recursion",
                            head.name,
                            describe(head_lattice.function),
                            read.name,
                            describe(read_lattice.function),
                        ))
                    }
                    (Some(_), Some(_)) => None,
                    (None, _) | (_, None) => {
                        let plain = if head.lattice.is_none() { head } else { read };
                        Some(format!(
                            "`{}` is recursive with the lattice predicate `{}` but has no lattice argument",
                            plain.name,
                            program.predicate(first_lattice).name,
                        ))
                    }
                };
                if let Some(message) = message
                    && !mixed
                {
                    mixed = true;
                    errors.push(CheckError::LatticeRecursionMixed {
                        message,
                        span: *span,
                    });
                }
            }
        }
        if mixed {
            continue;
        }
        for &rule_id in &stratum.rules {
            check_rule(
                program,
                program.rule(rule_id),
                &stratum.predicates,
                function,
                errors,
            );
        }
    }
}

fn describe(function: LatticeFunction) -> &'static str {
    match function {
        LatticeFunction::Min => "least",
        LatticeFunction::Max => "greatest",
    }
}

/// The lattice values a rule reads from atoms of its own recursion, and
/// the variables computed from them: each use must be monotone.
fn check_rule(
    program: &Program,
    rule: &Rule,
    recursion: &[PredId],
    function: LatticeFunction,
    errors: &mut Vec<CheckError>,
) {
    // 1. The variables in the lattice column of a recursive atom, with the
    //    predicate they come from.
    let mut from: Vec<Option<PredId>> = vec![None; rule.variables.len()];
    let mut report = |var: VarId, from: &[Option<PredId>], usage: String, span| {
        let predicate = from
            .get(var.0 as usize)
            .copied()
            .flatten()
            .map(|id| program.predicate(id).name.clone())
            .unwrap_or_default();
        errors.push(CheckError::LatticeNotMonotone {
            variable: rule
                .variables
                .get(var.0 as usize)
                .cloned()
                .unwrap_or_default(),
            predicate,
            usage,
            span,
        });
    };
    for literal in &rule.body {
        if let BodyLiteral::Atom {
            predicate,
            args,
            negated: false,
            span,
        } = literal
            && recursion.contains(predicate)
            && let Some(lattice) = program.predicate(*predicate).lattice
        {
            match args.get(lattice.column) {
                Some(Arg::Var(var)) => {
                    if let Some(slot) = from.get_mut(var.0 as usize) {
                        *slot = Some(*predicate);
                    }
                }
                Some(Arg::Const(value)) => {
                    errors.push(CheckError::LatticeNotMonotone {
                        variable: value.to_string(),
                        predicate: program.predicate(*predicate).name.clone(),
                        usage: "matched against a constant".to_string(),
                        span: *span,
                    });
                    return;
                }
                Some(Arg::Wildcard) | None => {}
            }
        }
    }
    let tainted =
        |var: VarId, from: &[Option<PredId>]| from.get(var.0 as usize).copied().flatten().is_some();
    let first_tainted = |expr: &Expr, from: &[Option<PredId>]| {
        let mut variables = Vec::new();
        expr.collect_variables(&mut variables);
        variables.into_iter().find(|&var| tainted(var, from))
    };

    // 2. A lattice variable may stand in one atom position only (the one
    //    it is read from): as a join key, a better value would lose the match.
    let mut atom_uses = vec![0usize; rule.variables.len()];
    for literal in &rule.body {
        if let BodyLiteral::Atom { args, .. } = literal {
            for arg in args {
                if let Arg::Var(var) = arg
                    && let Some(count) = atom_uses.get_mut(var.0 as usize)
                {
                    *count += 1;
                }
            }
        }
    }
    for literal in &rule.body {
        let span = literal.span();
        match literal {
            BodyLiteral::Atom { args, negated, .. } => {
                for arg in args {
                    if let Arg::Var(var) = arg
                        && tainted(*var, &from)
                    {
                        if *negated {
                            report(*var, &from, "negated".to_string(), span);
                            return;
                        }
                        if atom_uses.get(var.0 as usize).copied().unwrap_or(0) > 1 {
                            report(*var, &from, "joined on".to_string(), span);
                            return;
                        }
                    }
                }
            }
            BodyLiteral::Compare { op, lhs, rhs, .. } => {
                // 3. `D = D1 + W` computes a new lattice variable from a
                //    monotone expression; a comparison may only bound it
                //    on the side a better value keeps true.
                let binds = |side: &Expr, other: &Expr, from: &[Option<PredId>]| match side {
                    Expr::Var(var)
                        if !tainted(*var, from)
                            && atom_uses.get(var.0 as usize).copied().unwrap_or(0) == 0
                            && first_tainted(other, from).is_some() =>
                    {
                        Some(*var)
                    }
                    _ => None,
                };
                if *op == CompareOp::Eq {
                    let bound = binds(lhs, rhs, &from)
                        .map(|var| (var, rhs))
                        .or_else(|| binds(rhs, lhs, &from).map(|var| (var, lhs)));
                    if let Some((var, expr)) = bound {
                        if let Some(bad) = non_monotone(expr, &from) {
                            report(bad.0, &from, bad.1, span);
                            return;
                        }
                        let source = first_tainted(expr, &from).and_then(|v| from[v.0 as usize]);
                        if let Some(slot) = from.get_mut(var.0 as usize) {
                            *slot = source;
                        }
                        continue;
                    }
                }
                let (lhs_var, rhs_var) = (first_tainted(lhs, &from), first_tainted(rhs, &from));
                let bounded = match (lhs_var, rhs_var) {
                    (None, None) => continue,
                    (Some(_), None) => upper_side(*op, function, true).then_some(lhs),
                    (None, Some(_)) => upper_side(*op, function, false).then_some(rhs),
                    (Some(_), Some(_)) => None,
                };
                let Some(bounded) = bounded else {
                    let var = lhs_var.or(rhs_var).unwrap_or(VarId(0));
                    report(var, &from, format!("compared with `{}`", op.symbol()), span);
                    return;
                };
                if let Some(bad) = non_monotone(bounded, &from) {
                    report(bad.0, &from, bad.1, span);
                    return;
                }
            }
            BodyLiteral::Filter { call, .. } => {
                if let Some(var) = first_tainted(call, &from) {
                    report(var, &from, "tested".to_string(), span);
                    return;
                }
            }
            BodyLiteral::Aggregate(aggregate) => {
                let mut variables = Vec::new();
                literal.all_variables(&mut variables);
                if let Some(var) = variables.into_iter().find(|&var| tainted(var, &from)) {
                    let _ = aggregate;
                    report(var, &from, "aggregated".to_string(), span);
                    return;
                }
            }
        }
    }

    // 4. The head: lattice values only in its lattice argument, monotonely.
    let head_lattice = program.predicate(rule.head.predicate).lattice;
    for (position, arg) in rule.head.args.iter().enumerate() {
        let Some(var) = first_tainted(arg, &from) else {
            continue;
        };
        if head_lattice.map(|lattice| lattice.column) != Some(position) {
            report(
                var,
                &from,
                format!(
                    "put into argument {} of the head, not its lattice argument",
                    position + 1
                ),
                rule.span,
            );
            return;
        }
        if let Some(bad) = non_monotone(arg, &from) {
            report(bad.0, &from, bad.1, rule.span);
            return;
        }
    }
}

/// True when `op`, with the lattice value on the left (`lattice_left`) or
/// right, only bounds it on the side that a better value keeps true:
/// `D < B` for `min` (a smaller `D` stays below), `D > B` for `max`.
fn upper_side(op: CompareOp, function: LatticeFunction, lattice_left: bool) -> bool {
    let below = match (op, lattice_left) {
        (CompareOp::Lt | CompareOp::Le, true) | (CompareOp::Gt | CompareOp::Ge, false) => true,
        (CompareOp::Gt | CompareOp::Ge, true) | (CompareOp::Lt | CompareOp::Le, false) => false,
        _ => return false,
    };
    below == (function == LatticeFunction::Min)
}

/// The first lattice variable of `expr` whose value it does not follow
/// upwards (a better value could give a worse result), with how it is
/// used; `None` when `expr` is monotone in every lattice variable.
fn non_monotone(expr: &Expr, from: &[Option<PredId>]) -> Option<(VarId, String)> {
    let first = |expr: &Expr| {
        let mut variables = Vec::new();
        expr.collect_variables(&mut variables);
        variables
            .into_iter()
            .find(|var| from.get(var.0 as usize).copied().flatten().is_some())
    };
    match expr {
        Expr::Var(_) | Expr::Const(_) => None,
        Expr::Binary {
            op: ArithOp::Add,
            lhs,
            rhs,
        } => non_monotone(lhs, from).or_else(|| non_monotone(rhs, from)),
        Expr::Binary {
            op: ArithOp::Sub,
            lhs,
            rhs,
        } => match first(rhs) {
            Some(var) => Some((var, "subtracted".to_string())),
            None => non_monotone(lhs, from),
        },
        Expr::Binary { op, .. } => {
            first(expr).map(|var| (var, format!("used with `{}`", op.symbol())))
        }
        Expr::Call {
            function: Function::Min | Function::Max,
            args,
        } => args.iter().find_map(|arg| non_monotone(arg, from)),
        Expr::Call { function, .. } => {
            first(expr).map(|var| (var, format!("passed to `{}`", function.name())))
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::analysis::testing::diagnostics;

    fn check(text: &str, expected: &[&str]) {
        let found = diagnostics(&[text]);
        let errors: Vec<&str> = found
            .iter()
            .map(String::as_str)
            .filter(|line| line.starts_with('E'))
            .collect();
        assert_eq!(errors, expected, "\n{text}");
    }

    #[test]
    fn monotone_recursions_pass() {
        let ok = [
            "e(a, b, 1). d(X, Y, min D) :- e(X, Y, D). d(X, Z, min D) :- d(X, Y, D1), e(Y, Z, W), D = D1 + W.",
            "e(a, b, 1). d(X, Y, min D) :- e(X, Y, D). d(X, Z, min D1 + W) :- d(X, Y, D1), e(Y, Z, W), D1 < 100.",
            "e(a, b, 1). d(X, Y, min D) :- e(X, Y, D). d(X, Z, min D) :- d(X, Y, D1), d(Y, Z, D2), D = min(D1 + D2, 50).",
            "s(a, 2025-01-01). r(a, b). h(X, min D) :- s(X, D). h(Y, min D + 1) :- h(X, D), r(X, Y).",
            "w(a, b, 3). b(X, Y, max W) :- w(X, Y, W). b(X, Z, max W) :- b(X, Y, W1), w(Y, Z, W2), W = min(W1, W2), 0 < W1.",
            "d(a, min 3). d(a, 2). e(X, min D) :- d(X, D), D > 2.",
        ];
        for text in ok {
            check(text, &[]);
        }
    }

    #[test]
    fn non_monotone_uses_are_errors() {
        let cases: &[(&str, &str)] = &[
            (
                "e(a, b, 1). d(X, Y, min D) :- e(X, Y, D). d(X, Z, min D) :- d(X, Y, D1), e(Y, Z, W), D = 100 - D1.",
                "E236: the lattice value `D1` of `d` is subtracted inside its own recursion",
            ),
            (
                "e(a, b, 1). d(X, Y, min D) :- e(X, Y, D). d(X, Z, min D) :- d(X, Y, D), e(Y, Z, _), D > 3.",
                "E236: the lattice value `D` of `d` is compared with `>` inside its own recursion",
            ),
            (
                "e(a, b, 1). d(X, Y, min D) :- e(X, Y, D). d(X, Z, min D) :- d(X, Y, D), e(Y, Z, D).",
                "E236: the lattice value `D` of `d` is joined on inside its own recursion",
            ),
            (
                "e(a, b, 1). d(X, Y, min D) :- e(X, Y, D). d(X, D, min 0) :- d(X, _, D).",
                "E236: the lattice value `D` of `d` is put into argument 2 of the head, not its lattice argument inside its own recursion",
            ),
            (
                "e(a, b, 1). d(X, Y, min D) :- e(X, Y, D). d(X, Z, min D) :- d(X, Y, 1), e(Y, Z, D).",
                "E236: the lattice value `1` of `d` is matched against a constant inside its own recursion",
            ),
            (
                "e(a, b, 1). d(X, Y, min D) :- e(X, Y, D). d(X, Z, min D) :- d(X, Y, D1), e(Y, Z, W), D = D1 * W.",
                "E236: the lattice value `D1` of `d` is used with `*` inside its own recursion",
            ),
        ];
        for (text, expected) in cases {
            check(text, &[expected]);
        }
    }

    #[test]
    fn mixed_recursions_are_errors() {
        check(
            "e(a, b, 1). d(X, Y, min D) :- e(X, Y, D). d(X, Z, min D) :- r(X, Y), e(Y, Z, D). r(X, Y) :- d(X, Y, _).",
            &["E235: `r` is recursive with the lattice predicate `d` but has no lattice argument"],
        );
        check(
            "e(a, b, 1). d(X, Y, min D) :- e(X, Y, D). d(X, Y, min D) :- g(X, Y, D). g(X, Y, max D) :- d(X, Y, D).",
            &["E235: `d` keeps the least value and `g` the greatest in one recursion"],
        );
    }

    #[test]
    fn clauses_must_agree_and_values_be_ordered() {
        check(
            "e(a, b, 1). d(X, Y, min D) :- e(X, Y, D). d(X, Y, max D) :- e(Y, X, D).",
            &[
                "E233: clauses of `d` disagree on its lattice argument: `max` on argument 3 here, `min` on argument 3 before",
            ],
        );
        check(
            "e(a, b, 1). d(X, Y, min D) :- e(X, Y, D). d(X, Y, D) :- e(Y, X, D).",
            &[
                "E233: clauses of `d` disagree on its lattice argument: none here, `min` on argument 3 before",
            ],
        );
        check(
            "e(a, b, c). d(X, min D) :- e(X, _, D).",
            &["E234: the lattice argument of `d` holds a symbol, which has no order for `min`"],
        );
        check(
            "e(a, 1). e(b, \"x\"). d(X, max D) :- e(X, D).",
            &[
                "E234: the lattice argument of `d` holds an int or a string, which has no order for `max`",
            ],
        );
    }

    #[test]
    fn other_recursive_aggregates_stay_errors() {
        let found = diagnostics(&[
            "e(a, b, 1). d(X, Y, min D) :- e(X, Y, D). d(X, Z, min D) :- d(X, Y, _), D = min K : { d(Y, Z, K) }.",
        ]);
        assert!(
            found.iter().any(|line| line.starts_with("E207")),
            "{found:?}"
        );
    }
}
