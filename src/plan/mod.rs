//! Planning: each rule body, query and aggregate body becomes a left-deep
//! pipeline of join stages with the checks placed as early as their
//! variables allow.
//!
//! Imports only `analysis::ir`. Atoms are joined in the order written (so a
//! user controls the plan, as in Soufflé and in the benchmark programs),
//! except that an atom sharing no variable with what is already bound waits
//! for the first one that does (a cross product is never built while a join
//! is possible), and each semi-naive variant of a rule starts from the atom
//! whose new tuples it reads. Comparisons, assignments, negations and
//! aggregate look-ups run right after the stage that binds their last
//! variable. Each stage carries only the variables still needed later.

mod demand;

pub use demand::{Demand, DemandPlan, DemandPredicate};

use crate::analysis::ir::{self, Arg, BodyLiteral, Expr, PredId, RuleId, VarId};
use crate::syntax::ast::{AggregateFunction, CompareOp};
use crate::value::Value;

/// The plan of a whole program.
#[derive(Clone, Debug)]
pub struct ProgramPlan {
    /// One per `ir::Program::strata`, same order.
    pub strata: Vec<StratumPlan>,
    /// One per query, same order.
    pub queries: Vec<ConjunctionPlan>,
    /// Which queries can be answered from demand (magic sets), and the
    /// predicates only they need.
    pub demand: Demand,
}

/// The rules of one stratum.
#[derive(Clone, Debug)]
pub struct StratumPlan {
    /// The predicates the stratum defines.
    pub predicates: Vec<PredId>,
    /// Its rules.
    pub rules: Vec<RulePlan>,
    /// Its lattice predicates (`min D` / `max D` heads) with their kept
    /// column: an engine keeps only the best tuple of each key of these.
    pub lattices: Vec<(PredId, ir::Lattice)>,
}

/// One rule: a body pipeline whose output is the head tuple.
#[derive(Clone, Debug)]
pub struct RulePlan {
    /// The rule.
    pub rule: RuleId,
    /// The derived predicate.
    pub head: PredId,
    /// The body; its `output` is the head's argument expressions.
    pub body: ConjunctionPlan,
    /// The body once per positive atom, in written order, each starting
    /// from that atom: the semi-naive variant reading that atom's new tuples.
    pub variants: Vec<ConjunctionPlan>,
}

/// A conjunction as a pipeline of stages.
#[derive(Clone, Debug)]
pub struct ConjunctionPlan {
    /// Number of variable slots (the rule's variable count).
    pub n_slots: usize,
    /// Variables bound before the first stage (an aggregate's groups, when correlated).
    pub seed: Vec<VarId>,
    /// Checks that need only seed variables and constants.
    pub seed_checks: Vec<Check>,
    /// For each seed check, the index of the body literal it comes from.
    pub seed_check_literals: Vec<usize>,
    /// The atoms in join order, each with the checks that follow it.
    pub stages: Vec<Stage>,
    /// What each match produces: head arguments, shown variables, or aggregate rows.
    pub output: Vec<Expr>,
    /// Aggregates referenced by `Check::Aggregate`.
    pub aggregates: Vec<AggregatePlan>,
}

/// One positive atom joined with the bindings so far.
#[derive(Clone, Debug)]
pub struct Stage {
    /// The index of the atom in the body.
    pub literal: usize,
    /// The atom's predicate.
    pub predicate: PredId,
    /// Its arguments as written.
    pub args: Vec<Arg>,
    /// Bound variables the atom shares with earlier stages: the join key.
    pub key: Vec<VarId>,
    /// For each key variable, the atom column holding it.
    pub key_columns: Vec<usize>,
    /// Variables the atom binds: (column, variable), first occurrence only.
    pub binds: Vec<(usize, VarId)>,
    /// Conditions local to the atom: (column, constant) equalities.
    pub constant_columns: Vec<(usize, Value)>,
    /// Repeated variables inside the atom: (column, earlier column) equalities.
    pub equal_columns: Vec<(usize, usize)>,
    /// Bound non-key variables carried from the left side through this stage.
    pub carried: Vec<VarId>,
    /// Checks run once the stage's variables are bound.
    pub checks: Vec<Check>,
    /// For each check, the index of the body literal it comes from, so an
    /// error found while evaluating it can point at that literal.
    pub check_literals: Vec<usize>,
}

/// A test or assignment on bound variables.
#[derive(Clone, Debug)]
pub enum Check {
    /// `lhs op rhs` on bound values.
    Compare {
        /// Operator.
        op: CompareOp,
        /// Left.
        lhs: Expr,
        /// Right.
        rhs: Expr,
    },
    /// `var = expr` binding `var`.
    Assign {
        /// The newly bound variable.
        var: VarId,
        /// Its value.
        expr: Expr,
    },
    /// A boolean built-in such as `contains(S, P)`.
    Filter(Expr),
    /// `not p(args)`: no tuple of a lower stratum matches.
    Negation {
        /// The negated predicate.
        predicate: PredId,
        /// Its arguments: bound variables, constants or wildcards.
        args: Vec<Arg>,
    },
    /// Looks up aggregate `index` for the current groups and binds `result`.
    Aggregate {
        /// Index into `ConjunctionPlan::aggregates`.
        index: usize,
        /// The variable receiving the value.
        result: VarId,
    },
}

/// An aggregate: its body is planned separately.
#[derive(Clone, Debug)]
pub struct AggregatePlan {
    /// `count`, `sum`, `min`, `max`.
    pub function: AggregateFunction,
    /// The aggregated expression (over the body's variables).
    pub value: Option<Expr>,
    /// The terms whose distinct values `count X, Y : { ... }` counts.
    pub projection: Vec<Expr>,
    /// Group variables, bound outside.
    pub group_by: Vec<VarId>,
    /// True when the body binds every group variable itself, so all groups can
    /// be computed in one pass; otherwise it is evaluated per group with the
    /// group variables seeded.
    pub independent: bool,
    /// The body; its output is every variable of the body (group variables first).
    pub body: ConjunctionPlan,
    /// The index of the aggregate literal in the enclosing body, for errors.
    pub literal: usize,
}

/// Planning fails only on programs analysis should have rejected.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum PlanError {
    /// A literal whose variables never become bound.
    #[error("literal cannot be scheduled: its variables are never bound")]
    LiteralUnschedulable,
}

impl ConjunctionPlan {
    /// The body literals in the order this plan evaluates them: the checks
    /// ready before the first atom, then each atom followed by the checks it
    /// makes ready. Explanations walk a body in this order, so they block on
    /// the literal evaluation would have stopped at.
    pub fn literal_order(&self) -> Vec<usize> {
        let mut order = self.seed_check_literals.clone();
        for stage in &self.stages {
            order.push(stage.literal);
            order.extend(stage.check_literals.iter().copied());
        }
        order
    }
}

/// The order in which `body` is evaluated with the `seed` variables bound
/// on entry (see [`ConjunctionPlan::literal_order`]).
pub fn literal_order(
    body: &[BodyLiteral],
    n_slots: usize,
    seed: &[VarId],
) -> Result<Vec<usize>, PlanError> {
    plan_conjunction(body, n_slots, seed, Vec::new()).map(|plan| plan.literal_order())
}

/// How to plan.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PlanOptions {
    /// Join atoms in the order written, even where a later atom is
    /// connected to what is bound and an earlier one is not (a cross
    /// product); the evaluator's `EvalOptions::written_order` then also
    /// keeps each recursive rule in this order.
    pub written_order: bool,
}

/// The lattice predicates among `predicates`, with their kept column.
pub fn stratum_lattices(
    program: &ir::Program,
    predicates: &[PredId],
) -> Vec<(PredId, ir::Lattice)> {
    predicates
        .iter()
        .filter_map(|&id| program.predicate(id).lattice.map(|lattice| (id, lattice)))
        .collect()
}

/// Plans every stratum and query of a checked program.
pub fn plan_program(program: &ir::Program) -> Result<ProgramPlan, PlanError> {
    plan_program_with(program, PlanOptions::default())
}

/// Plans every stratum and query of a checked program, as `options` say.
pub fn plan_program_with(
    program: &ir::Program,
    options: PlanOptions,
) -> Result<ProgramPlan, PlanError> {
    let mut strata = Vec::with_capacity(program.strata.len());
    for stratum in &program.strata {
        let mut rules = Vec::with_capacity(stratum.rules.len());
        for &rule_id in &stratum.rules {
            rules.push(plan_rule_with(program.rule(rule_id), rule_id, options)?);
        }
        strata.push(StratumPlan {
            predicates: stratum.predicates.clone(),
            rules,
            lattices: stratum_lattices(program, &stratum.predicates),
        });
    }
    let mut queries = Vec::with_capacity(program.queries.len());
    for query in &program.queries {
        queries.push(plan_query(query, options)?);
    }
    Ok(ProgramPlan {
        strata,
        queries,
        demand: demand::plan_demand(program),
    })
}

/// Plans one query, as `options` say: its answer columns are its shown
/// variables.
pub fn plan_query(query: &ir::Query, options: PlanOptions) -> Result<ConjunctionPlan, PlanError> {
    let output = query.shown.iter().map(|&var| Expr::Var(var)).collect();
    plan_conjunction_with(
        &query.body,
        query.variables.len(),
        &[],
        output,
        None,
        options,
    )
}

/// Plans one rule.
pub fn plan_rule(rule: &ir::Rule, rule_id: RuleId) -> Result<RulePlan, PlanError> {
    plan_rule_with(rule, rule_id, PlanOptions::default())
}

/// Plans one rule, as `options` say.
pub fn plan_rule_with(
    rule: &ir::Rule,
    rule_id: RuleId,
    options: PlanOptions,
) -> Result<RulePlan, PlanError> {
    let n_slots = rule.variables.len();
    let output = || rule.head.args.clone();
    let mut variants = Vec::new();
    for (literal, body_literal) in rule.body.iter().enumerate() {
        if is_positive_atom(body_literal) {
            variants.push(plan_conjunction_with(
                &rule.body,
                n_slots,
                &[],
                output(),
                Some(literal),
                options,
            )?);
        }
    }
    Ok(RulePlan {
        rule: rule_id,
        head: rule.head.predicate,
        body: plan_conjunction_with(&rule.body, n_slots, &[], output(), None, options)?,
        variants,
    })
}

/// Plans a conjunction whose `seed` variables are bound on entry.
pub fn plan_conjunction(
    body: &[BodyLiteral],
    n_slots: usize,
    seed: &[VarId],
    output: Vec<Expr>,
) -> Result<ConjunctionPlan, PlanError> {
    plan_conjunction_from(body, n_slots, seed, output, None)
}

/// Plans a conjunction whose `seed` variables are bound on entry, starting
/// from the positive atom at body index `first` when given.
pub fn plan_conjunction_from(
    body: &[BodyLiteral],
    n_slots: usize,
    seed: &[VarId],
    output: Vec<Expr>,
    first: Option<usize>,
) -> Result<ConjunctionPlan, PlanError> {
    plan_conjunction_with(body, n_slots, seed, output, first, PlanOptions::default())
}

/// [`plan_conjunction_from`], as `options` say.
pub fn plan_conjunction_with(
    body: &[BodyLiteral],
    n_slots: usize,
    seed: &[VarId],
    output: Vec<Expr>,
    first: Option<usize>,
    options: PlanOptions,
) -> Result<ConjunctionPlan, PlanError> {
    let mut bound = vec![false; n_slots];
    for var in seed {
        mark(&mut bound, *var);
    }
    let mut plan = ConjunctionPlan {
        n_slots,
        seed: seed.to_vec(),
        seed_checks: Vec::new(),
        seed_check_literals: Vec::new(),
        stages: Vec::new(),
        output,
        aggregates: Vec::new(),
    };
    let mut pending: Vec<(usize, &BodyLiteral)> = body.iter().enumerate().collect();

    // 1. Schedule what the seed already allows, then alternate: the next
    //    positive atom (`first`, then the first in written order that is
    //    connected to what is bound), then every check it makes ready.
    let (checks, literals) =
        take_ready_checks(&mut pending, &mut bound, &mut plan.aggregates, n_slots)?;
    plan.seed_checks = checks;
    plan.seed_check_literals = literals;
    let mut first = first;
    while let Some(position) = next_atom(&pending, &bound, first.take(), options.written_order) {
        let (
            literal,
            BodyLiteral::Atom {
                predicate, args, ..
            },
        ) = pending.remove(position)
        else {
            continue;
        };
        let mut stage = plan_stage(literal, *predicate, args, &mut bound);
        (stage.checks, stage.check_literals) =
            take_ready_checks(&mut pending, &mut bound, &mut plan.aggregates, n_slots)?;
        plan.stages.push(stage);
    }
    if !pending.is_empty() {
        return Err(PlanError::LiteralUnschedulable);
    }

    // 2. Liveness, backwards: a stage carries the non-key variables that a
    //    later stage, check or the output still reads.
    let mut live: Vec<VarId> = Vec::new();
    for expr in &plan.output {
        expr.collect_variables(&mut live);
    }
    for index in (0..plan.stages.len()).rev() {
        let stage = &plan.stages[index];
        let mut used = live.clone();
        for check in &stage.checks {
            check_variables(check, &mut used);
            if let Check::Aggregate { index, .. } = check
                && let Some(aggregate) = plan.aggregates.get(*index)
            {
                used.extend(aggregate.group_by.iter().copied());
            }
        }
        // Variables bound before this stage that are still used from here on.
        let bound_here: Vec<VarId> = stage
            .binds
            .iter()
            .map(|&(_, var)| var)
            .chain(stage.checks.iter().filter_map(assigned_variable))
            .collect();
        let mut carried: Vec<VarId> = used
            .iter()
            .copied()
            .filter(|var| !bound_here.contains(var) && !stage.key.contains(var))
            .collect();
        carried.sort();
        carried.dedup();
        let mut needed_before = carried.clone();
        needed_before.extend(stage.key.iter().copied());
        plan.stages[index].carried = carried;
        live = needed_before;
    }
    Ok(plan)
}

fn mark(bound: &mut [bool], var: VarId) {
    if let Some(slot) = bound.get_mut(var.0 as usize) {
        *slot = true;
    }
}

fn is_bound(bound: &[bool], var: VarId) -> bool {
    bound.get(var.0 as usize).copied().unwrap_or(false)
}

fn is_positive_atom(literal: &BodyLiteral) -> bool {
    matches!(literal, BodyLiteral::Atom { negated: false, .. })
}

/// The position in `pending` of the atom to join next: the literal `first`
/// when given and pending; otherwise (unless the written order is kept)
/// the first positive atom in written order that shares a bound variable
/// (or binds nothing new); otherwise the first positive atom.
fn next_atom(
    pending: &[(usize, &BodyLiteral)],
    bound: &[bool],
    first: Option<usize>,
    written_order: bool,
) -> Option<usize> {
    if let Some(first) = first
        && let Some(position) = pending
            .iter()
            .position(|&(literal, body)| literal == first && is_positive_atom(body))
    {
        return Some(position);
    }
    if written_order {
        return pending.iter().position(|&(_, body)| is_positive_atom(body));
    }
    let connected = |body: &BodyLiteral| match body {
        BodyLiteral::Atom { args, .. } => {
            let vars = || {
                args.iter().filter_map(|arg| match arg {
                    Arg::Var(var) => Some(*var),
                    _ => None,
                })
            };
            vars().any(|var| is_bound(bound, var)) || vars().all(|var| is_bound(bound, var))
        }
        _ => false,
    };
    pending
        .iter()
        .position(|&(_, body)| is_positive_atom(body) && connected(body))
        .or_else(|| pending.iter().position(|&(_, body)| is_positive_atom(body)))
}

fn plan_stage(literal: usize, predicate: PredId, args: &[Arg], bound: &mut [bool]) -> Stage {
    let mut stage = Stage {
        literal,
        predicate,
        args: args.to_vec(),
        key: Vec::new(),
        key_columns: Vec::new(),
        binds: Vec::new(),
        constant_columns: Vec::new(),
        equal_columns: Vec::new(),
        carried: Vec::new(),
        checks: Vec::new(),
        check_literals: Vec::new(),
    };
    for (column, arg) in args.iter().enumerate() {
        match arg {
            Arg::Wildcard => {}
            Arg::Const(value) => stage.constant_columns.push((column, value.clone())),
            Arg::Var(var) => {
                if let Some(index) = stage.key.iter().position(|key| key == var) {
                    stage.equal_columns.push((column, stage.key_columns[index]));
                } else if let Some(&(earlier, _)) =
                    stage.binds.iter().find(|(_, bound_var)| bound_var == var)
                {
                    stage.equal_columns.push((column, earlier));
                } else if is_bound(bound, *var) {
                    stage.key.push(*var);
                    stage.key_columns.push(column);
                } else {
                    stage.binds.push((column, *var));
                }
            }
        }
    }
    for &(_, var) in &stage.binds {
        mark(bound, var);
    }
    stage
}

fn expr_bound(expr: &Expr, bound: &[bool]) -> bool {
    let mut vars = Vec::new();
    expr.collect_variables(&mut vars);
    vars.iter().all(|&var| is_bound(bound, var))
}

fn args_bound(args: &[Arg], bound: &[bool]) -> bool {
    args.iter().all(|arg| match arg {
        Arg::Var(var) => is_bound(bound, *var),
        _ => true,
    })
}

/// Removes from `pending` every check that can run with the current bindings, in written order,
/// repeating because an assignment can make another check ready.
/// Returns the checks with, for each, the index of its body literal.
fn take_ready_checks(
    pending: &mut Vec<(usize, &BodyLiteral)>,
    bound: &mut [bool],
    aggregates: &mut Vec<AggregatePlan>,
    n_slots: usize,
) -> Result<(Vec<Check>, Vec<usize>), PlanError> {
    let mut checks = Vec::new();
    let mut literals = Vec::new();
    loop {
        let mut progressed = false;
        let mut index = 0;
        while index < pending.len() {
            let (literal_index, literal) = pending[index];
            let check = match literal {
                BodyLiteral::Atom { negated: false, .. } => None,
                BodyLiteral::Atom {
                    predicate, args, ..
                } => args_bound(args, bound).then(|| Check::Negation {
                    predicate: *predicate,
                    args: args.clone(),
                }),
                BodyLiteral::Filter { call, .. } => {
                    expr_bound(call, bound).then(|| Check::Filter(call.clone()))
                }
                BodyLiteral::Compare { op, lhs, rhs, .. } => compare_check(*op, lhs, rhs, bound),
                BodyLiteral::Aggregate(aggregate) => {
                    if aggregate.group_by.iter().all(|&var| is_bound(bound, var)) {
                        let mut plan = plan_aggregate(aggregate, n_slots)?;
                        // An error inside the braces points at the whole aggregate.
                        attribute_checks_to(&mut plan.body, literal_index);
                        plan.literal = literal_index;
                        aggregates.push(plan);
                        Some(Check::Aggregate {
                            index: aggregates.len() - 1,
                            result: aggregate.result,
                        })
                    } else {
                        None
                    }
                }
            };
            match check {
                Some(check) => {
                    if let Some(var) = assigned_variable(&check) {
                        mark(bound, var);
                    }
                    checks.push(check);
                    literals.push(literal_index);
                    pending.remove(index);
                    progressed = true;
                }
                None => index += 1,
            }
        }
        if !progressed {
            return Ok((checks, literals));
        }
    }
}

/// Makes every check of `plan` report `literal` as where it comes from.
fn attribute_checks_to(plan: &mut ConjunctionPlan, literal: usize) {
    plan.seed_check_literals
        .iter_mut()
        .for_each(|index| *index = literal);
    for stage in &mut plan.stages {
        stage
            .check_literals
            .iter_mut()
            .for_each(|index| *index = literal);
    }
}

fn compare_check(op: CompareOp, lhs: &Expr, rhs: &Expr, bound: &[bool]) -> Option<Check> {
    let (lhs_bound, rhs_bound) = (expr_bound(lhs, bound), expr_bound(rhs, bound));
    if lhs_bound && rhs_bound {
        return Some(Check::Compare {
            op,
            lhs: lhs.clone(),
            rhs: rhs.clone(),
        });
    }
    if op != CompareOp::Eq {
        return None;
    }
    match (lhs, rhs) {
        (Expr::Var(var), expr) if rhs_bound => Some(Check::Assign {
            var: *var,
            expr: expr.clone(),
        }),
        (expr, Expr::Var(var)) if lhs_bound => Some(Check::Assign {
            var: *var,
            expr: expr.clone(),
        }),
        _ => None,
    }
}

fn plan_aggregate(aggregate: &ir::Aggregate, n_slots: usize) -> Result<AggregatePlan, PlanError> {
    let mut body_vars = Vec::new();
    for literal in &aggregate.body {
        literal.visible_variables(&mut body_vars);
    }
    if let Some(value) = &aggregate.value {
        value.collect_variables(&mut body_vars);
    }
    for term in &aggregate.projection {
        term.collect_variables(&mut body_vars);
    }
    let mut local: Vec<VarId> = body_vars
        .iter()
        .copied()
        .filter(|var| !aggregate.group_by.contains(var))
        .collect();
    local.sort();
    local.dedup();
    let output: Vec<Expr> = aggregate
        .group_by
        .iter()
        .chain(local.iter())
        .map(|&var| Expr::Var(var))
        .collect();
    // Try the body on its own first: then one pass computes every group.
    match plan_conjunction(&aggregate.body, n_slots, &[], output.clone()) {
        Ok(body) => Ok(AggregatePlan {
            function: aggregate.function,
            value: aggregate.value.clone(),
            projection: aggregate.projection.clone(),
            group_by: aggregate.group_by.clone(),
            independent: true,
            body,
            literal: 0,
        }),
        Err(_) => Ok(AggregatePlan {
            function: aggregate.function,
            value: aggregate.value.clone(),
            projection: aggregate.projection.clone(),
            group_by: aggregate.group_by.clone(),
            independent: false,
            body: plan_conjunction(&aggregate.body, n_slots, &aggregate.group_by, output)?,
            literal: 0,
        }),
    }
}

fn assigned_variable(check: &Check) -> Option<VarId> {
    match check {
        Check::Assign { var, .. } => Some(*var),
        Check::Aggregate { result, .. } => Some(*result),
        _ => None,
    }
}

fn check_variables(check: &Check, out: &mut Vec<VarId>) {
    match check {
        Check::Compare { lhs, rhs, .. } => {
            lhs.collect_variables(out);
            rhs.collect_variables(out);
        }
        Check::Assign { expr, .. } => expr.collect_variables(out),
        Check::Filter(expr) => expr.collect_variables(out),
        Check::Negation { args, .. } => out.extend(args.iter().filter_map(|arg| match arg {
            Arg::Var(var) => Some(*var),
            _ => None,
        })),
        Check::Aggregate { .. } => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::SourceId;
    use crate::syntax::parse_program;

    /// The predicates of the first rule's stages, in join order.
    fn join_order(text: &str, options: PlanOptions) -> Vec<String> {
        let (parsed, errors) = parse_program(SourceId(0), text);
        assert!(errors.is_empty(), "{errors:?}");
        let program = crate::analysis::analyze(&[&parsed]).program;
        let plan = plan_program_with(&program, options).expect("plans");
        let rule = plan
            .strata
            .iter()
            .flat_map(|stratum| &stratum.rules)
            .next()
            .expect("a rule");
        rule.body
            .stages
            .iter()
            .map(|stage| program.predicate(stage.predicate).name.clone())
            .collect()
    }

    #[test]
    fn a_cross_product_waits_unless_the_written_order_is_kept() {
        let text = "a(1). b(2). c(1, 2).\nh(X, Y) :- a(X), b(Y), c(X, Y).\n";
        assert_eq!(join_order(text, PlanOptions::default()), ["a", "c", "b"]);
        let written = PlanOptions {
            written_order: true,
        };
        assert_eq!(join_order(text, written), ["a", "b", "c"]);
    }
}
