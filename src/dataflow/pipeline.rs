//! A conjunction rendered as operators: the seed bindings or a scan of the
//! first atom, a join per later atom with the checks that follow it (the
//! comparisons and assignments right after a join inside the join itself),
//! and the output row (head tuple, query answer or aggregate match).

use super::aggregate::{aggregate, key_by_group};
use super::antijoin::negate;
use super::blueprint::CheckBlueprint;
use super::blueprint::{ConjunctionBlueprint, StageBlueprint};
use super::check::{ExpressionChecks, expression_checks, leading_expression_checks};
use super::datum::Row;
use super::fault::Fault;
use super::fault::Site;
use super::join::join;
use super::render::{Render, Time, project};
use super::scan::scan;
use crate::analysis::ir::Expr;
use differential_dataflow::VecCollection;
use std::sync::Arc;

/// The output rows of `plan`, one per match (not deduplicated). `seeds` are
/// the starting bindings of a seeded plan; without them it starts from one
/// empty binding.
pub fn render_conjunction<'s, T: Time>(
    render: &mut Render<'s, T>,
    plan: &ConjunctionBlueprint,
    seeds: Option<VecCollection<'s, T, Row>>,
) -> VecCollection<'s, T, Row> {
    let site = plan.site;
    let origin = plan.limit_origin;
    let mut bindings = plan.seed.as_ref().map(|seed| {
        let start = seeds.unwrap_or_else(|| render.unit.clone());
        apply_checks(render, start, &seed.checks, site)
    });
    for stage in &plan.stages {
        let relation = render.relation(stage.atom.predicate);
        let (matched, later_checks) = match bindings.take() {
            Some(left) if !stage.scan => {
                let n_pushed = leading_expression_checks(&stage.checks);
                (
                    join_and_check(render, left, relation, stage, n_pushed, site),
                    &stage.checks[n_pushed..],
                )
            }
            _ => (scan(relation, stage), &stage.checks[..]),
        };
        let matched = match origin {
            Some(origin) => {
                let monitor = Arc::clone(&render.monitor);
                matched.inspect_batch(move |_, updates| monitor.count(updates.len(), Some(origin)))
            }
            None => matched,
        };
        bindings = Some(apply_checks(render, matched, later_checks, site));
    }
    let bindings = bindings.unwrap_or_else(|| render.empty.clone());
    let plain: Option<Vec<usize>> = plan
        .output
        .iter()
        .map(|expr| match expr {
            Expr::Var(position) => Some(position.0 as usize),
            _ => None,
        })
        .collect();
    if let Some(positions) = plain {
        return bindings.map(move |row: Row| project(&row, &positions));
    }
    let output: Vec<_> = {
        let mut evaluator = render.evaluator.borrow_mut();
        plan.output
            .iter()
            .map(|expr| evaluator.compile(expr))
            .collect()
    };
    let evaluator = render.evaluator.clone();
    let outcomes = bindings.map(move |row: Row| {
        let mut evaluator = evaluator.borrow_mut();
        output
            .iter()
            .map(|expr| evaluator.evaluate(expr, row.as_slice()))
            .collect::<Result<Row, _>>()
            .map_err(|error| Fault::new(site, None, error))
    });
    render.split_faults(outcomes)
}

/// `stage`'s join, running its first `n_pushed` checks (all expression
/// checks) inside the join on each new binding.
fn join_and_check<'s, T: Time>(
    render: &mut Render<'s, T>,
    bindings: VecCollection<'s, T, Row>,
    relation: VecCollection<'s, T, Row>,
    stage: &StageBlueprint,
    n_pushed: usize,
    site: Site,
) -> VecCollection<'s, T, Row> {
    if n_pushed == 0 {
        return join(bindings, relation, stage, |parts| Some(parts.to_row()));
    }
    let checks = ExpressionChecks::compile(
        &mut render.evaluator.borrow_mut(),
        &stage.checks[..n_pushed],
        site,
    );
    let evaluator = render.evaluator.clone();
    let outcomes = join(bindings, relation, stage, move |parts| {
        let mut evaluator = evaluator.borrow_mut();
        if checks.only_tests() {
            // Tests read the parts in place: a rejected pair costs no row.
            return match checks.test(&mut evaluator, &parts) {
                Ok(true) => Some(Ok(parts.to_row())),
                Ok(false) => None,
                Err(fault) => Some(Err(fault)),
            };
        }
        let mut row = parts.to_row();
        match checks.run(&mut evaluator, &mut row) {
            Ok(true) => Some(Ok(row)),
            Ok(false) => None,
            Err(fault) => Some(Err(fault)),
        }
    });
    render.split_faults(outcomes)
}

/// Runs `checks` in order over `bindings`: runs of expression checks as one
/// operator each, negations as antijoins, aggregates over their own body.
fn apply_checks<'s, T: Time>(
    render: &mut Render<'s, T>,
    mut bindings: VecCollection<'s, T, Row>,
    checks: &[CheckBlueprint],
    site: Site,
) -> VecCollection<'s, T, Row> {
    let mut index = 0;
    while index < checks.len() {
        match &checks[index] {
            CheckBlueprint::Negation {
                predicate,
                arity,
                columns,
                probe,
            } => {
                let negated = render.relation(*predicate);
                bindings = negate(bindings, negated, *arity, columns, probe);
                index += 1;
            }
            CheckBlueprint::Aggregate(blueprint) => {
                let (keyed, seeds) = key_by_group(bindings, blueprint);
                let body = render_conjunction(render, &blueprint.body, seeds);
                bindings = aggregate(render, keyed, body, blueprint, site);
                index += 1;
            }
            _ => {
                // A run of expression checks becomes one operator.
                let run_end = index + leading_expression_checks(&checks[index..]);
                bindings = expression_checks(render, bindings, &checks[index..run_end], site);
                index = run_end;
            }
        }
    }
    bindings
}
