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
use crate::syntax::ast::CompareOp;
use crate::syntax::span::Span;

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

/// Every variable of a lowered literal, including an aggregate's result and body.
pub(crate) fn literal_variables(literal: &BodyLiteral, out: &mut Vec<VarId>) {
    match literal {
        BodyLiteral::Atom { args, .. } => out.extend(args.iter().filter_map(|arg| match arg {
            Arg::Var(var) => Some(*var),
            Arg::Const(_) | Arg::Wildcard => None,
        })),
        BodyLiteral::Compare { lhs, rhs, .. } => {
            lhs.collect_variables(out);
            rhs.collect_variables(out);
        }
        BodyLiteral::Filter { call, .. } => call.collect_variables(out),
        BodyLiteral::Aggregate(aggregate) => {
            out.push(aggregate.result);
            if let Some(value) = &aggregate.value {
                value.collect_variables(out);
            }
            aggregate
                .body
                .iter()
                .for_each(|inner| literal_variables(inner, out));
        }
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

impl Checker<'_, '_> {
    fn check_clause(&mut self, head: Option<&[Expr]>, body: &[BodyLiteral]) {
        let mut bound = bound_variables(body, &self.fresh_variables(), None);
        self.check_aggregate_results(body, &bound);
        // An aggregate whose grouping is unsafe is reported at the grouping
        // variable; its result is then taken as bound, to avoid a second error.
        for literal in body {
            if let BodyLiteral::Aggregate(aggregate) = literal {
                bound.insert(aggregate.result);
            }
        }
        if let (Some(head), Some(head_span)) = (head, self.source.head) {
            let mut vars = Vec::new();
            head.iter()
                .for_each(|expr| expr.collect_variables(&mut vars));
            self.require(&vars, &bound, head_span, "used in the head but never bound");
        }
        self.check_literals(body, &bound);
    }

    /// Reports aggregates whose result variable the rest of the body already binds.
    fn check_aggregate_results(&mut self, body: &[BodyLiteral], bound: &HashSet<VarId>) {
        for (index, literal) in body.iter().enumerate() {
            let BodyLiteral::Aggregate(aggregate) = literal else {
                continue;
            };
            if !bound.contains(&aggregate.result) {
                continue;
            }
            let without = bound_variables(body, &self.fresh_variables(), Some(index));
            if without.contains(&aggregate.result) {
                self.errors.push(CheckError::AggregateResultBound {
                    name: self.name(aggregate.result),
                    span: self.source.occurrence_in(aggregate.result, aggregate.span),
                });
            }
        }
    }

    fn check_literals(&mut self, body: &[BodyLiteral], bound: &HashSet<VarId>) {
        for literal in body {
            match literal {
                BodyLiteral::Atom {
                    args,
                    negated: true,
                    span,
                    ..
                } => {
                    let vars: Vec<VarId> = args
                        .iter()
                        .filter_map(|arg| match arg {
                            Arg::Var(var) => Some(*var),
                            Arg::Const(_) | Arg::Wildcard => None,
                        })
                        .collect();
                    self.require(
                        &vars,
                        bound,
                        *span,
                        "used in a negated atom but never bound",
                    );
                }
                BodyLiteral::Atom { .. } => {}
                BodyLiteral::Compare { lhs, rhs, span, .. } => {
                    let mut vars = Vec::new();
                    lhs.collect_variables(&mut vars);
                    rhs.collect_variables(&mut vars);
                    self.require(&vars, bound, *span, "used in a comparison but never bound");
                }
                BodyLiteral::Filter { call, span } => {
                    let mut vars = Vec::new();
                    call.collect_variables(&mut vars);
                    self.require(&vars, bound, *span, "used in a condition but never bound");
                }
                BodyLiteral::Aggregate(aggregate) => {
                    self.require(
                        &aggregate.group_by,
                        bound,
                        aggregate.span,
                        "groups the aggregate but nothing outside the braces binds it",
                    );
                    let mut groups = self.fresh_variables();
                    groups.extend(aggregate.group_by.iter().copied());
                    let inner_bound = bound_variables(&aggregate.body, &groups, None);
                    if let Some(value) = &aggregate.value {
                        let mut vars = Vec::new();
                        value.collect_variables(&mut vars);
                        self.require(
                            &vars,
                            &inner_bound,
                            aggregate.span,
                            "aggregated but never bound inside the braces",
                        );
                    }
                    self.check_literals(&aggregate.body, &inner_bound);
                }
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

    /// Reports each of `vars` that is not in `bound`, at its occurrence inside `within`.
    fn require(&mut self, vars: &[VarId], bound: &HashSet<VarId>, within: Span, place: &str) {
        for var in vars {
            if bound.contains(var) || !self.reported.insert(*var) {
                continue;
            }
            self.errors.push(CheckError::VariableUnsafe {
                name: self.name(*var),
                place: place.to_string(),
                span: self.source.occurrence_in(*var, within),
            });
        }
    }

    fn name(&self, var: VarId) -> String {
        self.variables
            .get(var.0 as usize)
            .cloned()
            .unwrap_or_else(|| format!("_#{}", var.0))
    }
}
