//! Aggregates: the table of one aggregate's values by group, computed once
//! per stratum over complete relations, or per group on demand.

use super::database::Database;
use super::fixpoint::{Context, EvalError, Origin, run_conjunction};
use super::pipeline::{compile, run};
use super::value::{Packed, Store, Tuple, ValueError};
use crate::analysis::ir::Expr;
use crate::plan::AggregatePlan;
use crate::syntax::ast::{AggregateFunction, ArithOp, CompareOp};
use std::collections::HashMap;

/// The result table of one aggregate, or the means to compute groups on demand.
pub(super) struct AggregateTable {
    plan: AggregatePlan,
    values: HashMap<Tuple, Option<Packed>>,
}

impl AggregateTable {
    pub(super) fn build(
        plan: &AggregatePlan,
        origin: Origin,
        database: &mut Database,
        context: &mut Context<'_>,
    ) -> Result<AggregateTable, EvalError> {
        let mut table = AggregateTable {
            plan: plan.clone(),
            values: HashMap::new(),
        };
        if let Some(n_tuples) = counts_whole_relation(plan, database) {
            let count = database.store.int(n_tuples as i64);
            table.values.insert(Tuple::new(), Some(count));
        } else if plan.independent {
            let rows = run_conjunction(&plan.body, origin, database, &[], context)?;
            let n_groups = plan.group_by.len();
            let mut groups: HashMap<Tuple, Vec<Tuple>> = HashMap::new();
            for row in rows {
                let key: Tuple = row.iter().take(n_groups).copied().collect();
                groups.entry(key).or_default().push(row);
            }
            for (key, rows) in groups {
                let value =
                    table
                        .fold(&rows, &mut database.store)
                        .map_err(|error| EvalError::Value {
                            error,
                            origin,
                            literal: Some(plan.literal),
                        })?;
                table.values.insert(key, value);
            }
        }
        Ok(table)
    }

    /// Folds the rows of one group: (group values, local values) each.
    fn fold(&self, rows: &[Tuple], store: &mut Store) -> Result<Option<Packed>, ValueError> {
        let value = self.plan.value.as_ref().map(|expr| compile(expr, store));
        let output_vars: Vec<usize> = self
            .plan
            .body
            .output
            .iter()
            .map(|expr| match expr {
                Expr::Var(var) => var.0 as usize,
                _ => 0,
            })
            .collect();
        let mut slots = vec![Packed::default(); self.plan.body.n_slots];
        let mut accumulator: Option<Packed> = None;
        let mut count: i64 = 0;
        for row in rows {
            count += 1;
            let Some(value) = &value else { continue };
            for (&slot, &cell) in output_vars.iter().zip(row.iter()) {
                if let Some(target) = slots.get_mut(slot) {
                    *target = cell;
                }
            }
            let item = run(value, &slots, store)?;
            accumulator = Some(match (accumulator, self.plan.function) {
                (None, _) => item,
                (Some(sum), AggregateFunction::Sum) => store.arithmetic(ArithOp::Add, sum, item)?,
                (Some(best), AggregateFunction::Min) => {
                    if store.compare_op(CompareOp::Lt, item, best)? {
                        item
                    } else {
                        best
                    }
                }
                (Some(best), _) => {
                    if store.compare_op(CompareOp::Gt, item, best)? {
                        item
                    } else {
                        best
                    }
                }
            });
        }
        Ok(match self.plan.function {
            AggregateFunction::Count => Some(store.int(count)),
            AggregateFunction::Sum => match accumulator {
                Some(sum) if Store::value_type(sum) != super::value::ValueType::Integer => {
                    return Err(ValueError::TypeMismatch {
                        op: "sum".into(),
                        lhs: Store::value_type(sum).name(),
                        rhs: "nothing",
                    });
                }
                Some(sum) => Some(sum),
                None => Some(store.int(0)),
            },
            _ => accumulator,
        })
    }

    pub(super) fn lookup(
        &mut self,
        key: Tuple,
        origin: Origin,
        database: &mut Database,
        context: &mut Context<'_>,
    ) -> Result<Option<Packed>, EvalError> {
        if let Some(value) = self.values.get(&key) {
            return Ok(*value);
        }
        if self.plan.independent {
            // No match for this group: the empty aggregate.
            return Ok(match self.plan.function {
                AggregateFunction::Count | AggregateFunction::Sum => Some(database.store.int(0)),
                _ => None,
            });
        }
        let rows = run_conjunction(&self.plan.body, origin, database, &key, context)?;
        let value = self
            .fold(&rows, &mut database.store)
            .map_err(|error| EvalError::Value {
                error,
                origin,
                literal: Some(self.plan.literal),
            })?;
        self.values.insert(key, value);
        Ok(value)
    }
}

/// `N = count : { p(X, Y) }` with distinct variables and nothing else counts
/// the tuples of `p`: the relation's length, without scanning it.
fn counts_whole_relation(plan: &AggregatePlan, database: &Database) -> Option<usize> {
    let body = &plan.body;
    let [stage] = body.stages.as_slice() else {
        return None;
    };
    let plain = plan.function == AggregateFunction::Count
        && plan.group_by.is_empty()
        && body.seed_checks.is_empty()
        && stage.checks.is_empty()
        && stage.constant_columns.is_empty()
        && stage.equal_columns.is_empty()
        && stage.binds.len() == stage.args.len();
    plain.then(|| database.relation(stage.predicate).len())
}
