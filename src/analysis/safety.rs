//! Safety (range restriction): every variable that needs a value gets one.
//!
//! Owns the binding rules. A variable is bound by a positive body atom, by an
//! `=` whose one side is that lone variable and whose other side is bound, or
//! as the result of an aggregate whose grouping variables are bound. Binding
//! is computed to a fixpoint, so the order of the literals does not matter
//! (`Y = X + 1, p(X)` is safe). Variables of the head, of negated atoms, of
//! comparisons and filters, and the grouping variables of aggregates must be
//! bound. Each aggregate body must be safe on its own, given its grouping
//! variables. This module reads the lowered `ir`; it changes nothing.

use std::collections::HashSet;

use super::error::CheckError;
use super::ir::{Arg, BodyLiteral, Expr, VarId};
use super::resolve::{ClauseSource, Resolved};
use crate::span::Span;
use crate::syntax::ast::CompareOp;

/// Checks every rule and query of `resolved`.
pub(crate) fn check_safety(resolved: &Resolved, errors: &mut Vec<CheckError>) {
    let program = &resolved.program;
    for (rule, source) in program.rules.iter().zip(&resolved.rule_sources) {
        let mut checker = Checker {
            variables: &rule.variables,
            source,
            reported: HashSet::new(),
            errors,
        };
        checker.check_clause(Some(&rule.head.args), &rule.body);
    }
    for (query, source) in program.queries.iter().zip(&resolved.query_sources) {
        let mut checker = Checker {
            variables: &query.variables,
            source,
            reported: HashSet::new(),
            errors,
        };
        checker.check_clause(None, &query.body);
    }
}

/// The variables that `body` binds, starting from `initially`, skipping literal `skip`.
pub(crate) fn bound_variables(
    body: &[BodyLiteral],
    initially: &HashSet<VarId>,
    skip: Option<usize>,
) -> HashSet<VarId> {
    let mut bound = initially.clone();
    let all_bound = |expr: &Expr, bound: &HashSet<VarId>| {
        let mut vars = Vec::new();
        expr.collect_variables(&mut vars);
        vars.iter().all(|var| bound.contains(var))
    };
    loop {
        let before = bound.len();
        for (index, literal) in body.iter().enumerate() {
            if Some(index) == skip {
                continue;
            }
            match literal {
                BodyLiteral::Atom {
                    args,
                    negated: false,
                    ..
                } => {
                    for arg in args {
                        if let Arg::Var(var) = arg {
                            bound.insert(*var);
                        }
                    }
                }
                BodyLiteral::Compare {
                    op: CompareOp::Eq,
                    lhs,
                    rhs,
                    ..
                } => {
                    for (side, other) in [(lhs, rhs), (rhs, lhs)] {
                        if let Expr::Var(var) = side
                            && !bound.contains(var)
                            && all_bound(other, &bound)
                        {
                            bound.insert(*var);
                        }
                    }
                }
                BodyLiteral::Aggregate(aggregate) => {
                    if aggregate.group_by.iter().all(|var| bound.contains(var)) {
                        bound.insert(aggregate.result);
                    }
                }
                BodyLiteral::Atom { .. }
                | BodyLiteral::Compare { .. }
                | BodyLiteral::Filter { .. } => {}
            }
        }
        if bound.len() == before {
            return bound;
        }
    }
}

struct Checker<'a, 'e> {
    variables: &'a [String],
    source: &'a ClauseSource,
    /// Each unsafe variable is reported once per clause.
    reported: HashSet<VarId>,
    errors: &'e mut Vec<CheckError>,
}

/// A variable that must be bound, where, and what the label says.
struct Requirement {
    var: VarId,
    within: Span,
    place: &'static str,
}

impl Checker<'_, '_> {
    fn check_clause(&mut self, head: Option<&[Expr]>, body: &[BodyLiteral]) {
        let fresh = self.fresh_variables();
        self.check_aggregate_results(body, &fresh);
        let mut requirements = Vec::new();
        if let (Some(head), Some(head_span)) = (head, self.source.head) {
            let mut vars = Vec::new();
            head.iter()
                .for_each(|expr| expr.collect_variables(&mut vars));
            requirements.extend(vars.into_iter().map(|var| Requirement {
                var,
                within: head_span,
                place: "used in the head but never bound",
            }));
        }
        self.check_scope(body, requirements, fresh);
    }

    /// Checks one scope: the clause body, or an aggregate body given its
    /// grouping variables in `initially`.
    ///
    /// 1. Collect every variable that must be bound, in source order.
    /// 2. Pick the unbound ones to report, preferring root causes: a variable
    ///    that an `=` or an aggregate would bind once its inputs are bound is
    ///    reported only if nothing else explains it (`h(Y) :- Y = X + 1.`
    ///    reports `X`, not `Y`).
    /// 3. Check each aggregate body as a scope of its own.
    fn check_scope(
        &mut self,
        body: &[BodyLiteral],
        mut requirements: Vec<Requirement>,
        initially: HashSet<VarId>,
    ) {
        collect_requirements(body, &mut requirements);
        let derivable = derivable_variables(body);
        let mut roots = initially;
        loop {
            let bound = bound_variables(body, &roots, None);
            let unbound: Vec<&Requirement> = requirements
                .iter()
                .filter(|requirement| !bound.contains(&requirement.var))
                .collect();
            let Some(root) = unbound
                .iter()
                .find(|requirement| !derivable.contains(&requirement.var))
                .or_else(|| unbound.first())
            else {
                break;
            };
            roots.insert(root.var);
            self.report(root.var, root.within, root.place);
        }
        for literal in body {
            if let BodyLiteral::Aggregate(aggregate) = literal {
                let mut inner_initially = self.fresh_variables();
                inner_initially.extend(aggregate.group_by.iter().copied());
                let mut value_vars = Vec::new();
                if let Some(value) = &aggregate.value {
                    value.collect_variables(&mut value_vars);
                }
                let value_requirements = value_vars
                    .into_iter()
                    .map(|var| Requirement {
                        var,
                        within: aggregate.span,
                        place: "aggregated but never bound inside the braces",
                    })
                    .collect();
                self.check_scope(&aggregate.body, value_requirements, inner_initially);
            }
        }
    }

    /// Reports aggregates whose result variable the rest of the body already binds.
    fn check_aggregate_results(&mut self, body: &[BodyLiteral], fresh: &HashSet<VarId>) {
        for (index, literal) in body.iter().enumerate() {
            let BodyLiteral::Aggregate(aggregate) = literal else {
                continue;
            };
            let without = bound_variables(body, fresh, Some(index));
            if without.contains(&aggregate.result) {
                self.errors.push(CheckError::AggregateResultBound {
                    name: self.name(aggregate.result),
                    span: self.source.occurrence_in(aggregate.result, aggregate.span),
                });
            }
        }
    }

    /// The fresh `_#n` variables, taken as bound: they stand for an
    /// expression (whose own variables are checked where it is computed), for
    /// `_` inside an aggregate (bound by its atom), or for a misplaced `_`
    /// (already an error). Taking them as bound avoids a second, confusing error.
    fn fresh_variables(&self) -> HashSet<VarId> {
        (0..self.variables.len())
            .filter(|&index| self.variables[index].starts_with("_#"))
            .map(|index| VarId(index as u32))
            .collect()
    }

    fn report(&mut self, var: VarId, within: Span, place: &str) {
        if !self.reported.insert(var) {
            return;
        }
        self.errors.push(CheckError::VariableUnsafe {
            name: self.name(var),
            place: place.to_string(),
            span: self.source.occurrence_in(var, within),
        });
    }

    fn name(&self, var: VarId) -> String {
        self.variables
            .get(var.0 as usize)
            .cloned()
            .unwrap_or_else(|| format!("_#{}", var.0))
    }
}

/// The variables of one scope that must be bound, in source order: those of
/// negated atoms, comparisons and filters, and aggregates' grouping variables.
fn collect_requirements(body: &[BodyLiteral], out: &mut Vec<Requirement>) {
    for literal in body {
        let mut vars = Vec::new();
        let (within, place) = match literal {
            BodyLiteral::Atom {
                args,
                negated: true,
                span,
                ..
            } => {
                vars.extend(args.iter().filter_map(|arg| match arg {
                    Arg::Var(var) => Some(*var),
                    Arg::Const(_) | Arg::Wildcard => None,
                }));
                (*span, "used in a negated atom but never bound")
            }
            BodyLiteral::Atom { .. } => continue,
            BodyLiteral::Compare { lhs, rhs, span, .. } => {
                lhs.collect_variables(&mut vars);
                rhs.collect_variables(&mut vars);
                (*span, "used in a comparison but never bound")
            }
            BodyLiteral::Filter { call, span } => {
                call.collect_variables(&mut vars);
                (*span, "used in a condition but never bound")
            }
            BodyLiteral::Aggregate(aggregate) => {
                vars.extend(aggregate.group_by.iter().copied());
                (
                    aggregate.span,
                    "groups the aggregate but nothing outside the braces binds it",
                )
            }
        };
        out.extend(
            vars.into_iter()
                .map(|var| Requirement { var, within, place }),
        );
    }
}

/// Variables that an `=` (as its lone side, the other side having variables)
/// or an aggregate (as its result) would bind once their inputs are bound.
fn derivable_variables(body: &[BodyLiteral]) -> HashSet<VarId> {
    let mut derivable = HashSet::new();
    for literal in body {
        match literal {
            BodyLiteral::Compare {
                op: CompareOp::Eq,
                lhs,
                rhs,
                ..
            } => {
                for (side, other) in [(lhs, rhs), (rhs, lhs)] {
                    let mut other_vars = Vec::new();
                    other.collect_variables(&mut other_vars);
                    if let Expr::Var(var) = side
                        && !other_vars.is_empty()
                    {
                        derivable.insert(*var);
                    }
                }
            }
            BodyLiteral::Aggregate(aggregate) => {
                derivable.insert(aggregate.result);
            }
            _ => {}
        }
    }
    derivable
}

#[cfg(test)]
mod tests {
    use crate::analysis::testing::{analyze_texts, check};

    /// The predicates every case may read: `p/1`, `q/2`, `r/1` with integers.
    const FACTS: &str = "p(1). q(1, 2). r(2).\n";

    fn check_safety(rule: &str, expected: &[&str]) {
        check(&format!("{FACTS}{rule}"), expected);
    }

    #[test]
    fn safe_rules_and_queries_pass() {
        let cases = [
            "h(X) :- p(X).",
            "h(X, Y) :- q(X, Y), not r(Y), X != Y.",
            "h(Y) :- Y = X + 1, p(X).",
            "h(Z) :- Z = Y * 2, Y = X + 1, p(X).",
            "h(X) :- X = 3.",
            "h(X) :- p(X), not q(X, _).",
            "h(X, N) :- p(X), N = count : { q(X, _) }.",
            "h(N) :- N = count : { q(_X, Y), not r(Y) }.",
            "h(X, S) :- p(X), S = sum Y : { q(X, Y) }.",
            "h(X, M) :- p(X), M = max Y + X : { q(X, Y) }.",
            "h(X) :- p(X), not q(X + 1, _).",
            "h(X) :- p(X), Y = X, Y < 3.",
            "?- p(X), X > 0.",
            "?- N = count : { p(_) }.",
        ];
        for rule in cases {
            check_safety(rule, &[]);
        }
    }

    #[test]
    fn unsafe_variables_are_named() {
        let cases: &[(&str, &[&str])] = &[
            (
                "h(X, Y) :- p(X), Y > 1.",
                &["E202: variable `Y` is unsafe: nothing binds it"],
            ),
            ("h(X) :- not p(X).", &["E202: variable `X` is unsafe"]),
            (
                "h(X) :- p(X), not q(X, Y).",
                &["E202: variable `Y` is unsafe"],
            ),
            ("h(X) :- p(X), Y < X.", &["E202: variable `Y` is unsafe"]),
            ("h(Y) :- Y = X + 1.", &["E202: variable `X` is unsafe"]),
            (
                "h(Y) :- p(X), Y + 1 = X.",
                &["E202: variable `Y` is unsafe"],
            ),
            ("h(X, Y) :- X = Y.", &["E202: variable `X` is unsafe"]),
            (
                "h(Y) :- p(X + Y).",
                &[
                    "E202: variable `Y` is unsafe",
                    "E202: variable `X` is unsafe",
                ],
            ),
            (
                "h(Y) :- p(X), Y = Z + X.",
                &["E202: variable `Z` is unsafe"],
            ),
            (
                "h(S) :- contains(S, \"a\").",
                &["E202: variable `S` is unsafe"],
            ),
            (
                "h(X, N) :- N = count : { q(X, _) }.",
                &["E202: variable `X` is unsafe"],
            ),
            (
                "h(X, N) :- p(X), N = count : { not q(X, Y) }.",
                &["E202: variable `Y` is unsafe"],
            ),
            (
                "h(X, S) :- p(X), S = sum Y : { q(X, _) }.",
                &["E202: variable `Y` is unsafe"],
            ),
            (
                "h(N) :- p(N), N = count : { r(_) }.",
                &["E218: aggregate result `N` is already bound elsewhere in the body"],
            ),
            ("?- not p(X).", &["E202: variable `X` is unsafe"]),
            ("?- X > 1.", &["E202: variable `X` is unsafe"]),
        ];
        for (rule, expected) in cases {
            check_safety(rule, expected);
        }
    }

    #[test]
    fn each_unsafe_variable_is_reported_once_at_its_use() {
        let text = format!("{FACTS}h(X, X) :- not p(X), X > 1.");
        let analysis = analyze_texts(&[&text]);
        assert_eq!(analysis.diagnostics.len(), 1, "{:#?}", analysis.diagnostics);
        let label = &analysis.diagnostics[0].labels[0];
        assert_eq!(label.message, "used in the head but never bound");
        assert_eq!(&text[label.span.range()], "X");
        assert_eq!(label.span.start as usize, FACTS.len() + 2);

        let text = format!("{FACTS}h(1) :- p(Y), not q(Y, Z).");
        let analysis = analyze_texts(&[&text]);
        let label = &analysis.diagnostics[0].labels[0];
        assert_eq!(label.message, "used in a negated atom but never bound");
        assert_eq!(label.span.start as usize, text.len() - 3);
    }
}
