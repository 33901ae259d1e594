//! Aggregates: the table of one aggregate's values by group, folded from
//! the matches of its body.
//!
//! Owns the folding (`count`, `sum`, `min`, `max`) and the table. It does not
//! evaluate the body: the pipeline runs it (all groups at once when the body
//! binds the groups itself, one group at a time otherwise) and hands the rows
//! over, so this module sits below the pipeline with no cycle.

use super::database::Relations;
use super::expr::CompiledExpr;
use super::store::{Packed, Store, ValueError, ValueType};
use super::tuple::Tuple;
use crate::analysis::ir::Expr;
use crate::plan::AggregatePlan;
use crate::syntax::ast::{AggregateFunction, ArithOp, CompareOp};
use std::collections::HashMap;

/// The result table of one aggregate: a value (or none, for `min`/`max` of
/// nothing) per group computed so far.
pub(super) struct AggregateTable {
    plan: AggregatePlan,
    values: HashMap<Tuple, Option<Packed>>,
}

impl AggregateTable {
    /// An empty table for `plan`.
    pub(super) fn new(plan: &AggregatePlan) -> AggregateTable {
        AggregateTable {
            plan: plan.clone(),
            values: HashMap::new(),
        }
    }

    /// The aggregate's plan.
    pub(super) fn plan(&self) -> &AggregatePlan {
        &self.plan
    }

    /// Fills the table without evaluating the body when it counts a whole
    /// relation; true when it did.
    pub(super) fn count_whole_relation(
        &mut self,
        relations: &Relations,
        store: &mut Store,
    ) -> bool {
        match counts_whole_relation(&self.plan, relations) {
            Some(n_tuples) => {
                let count = store.int(n_tuples as i64);
                self.values.insert(Tuple::new(), Some(count));
                true
            }
            None => false,
        }
    }

    /// Fills the table from every match of an independent body: rows of
    /// (group values, local values), grouped here.
    pub(super) fn insert_groups(
        &mut self,
        rows: Vec<Tuple>,
        store: &mut Store,
    ) -> Result<(), ValueError> {
        let n_groups = self.plan.group_by.len();
        let mut groups: HashMap<Tuple, Vec<Tuple>> = HashMap::new();
        for row in rows {
            let key: Tuple = row.iter().take(n_groups).copied().collect();
            groups.entry(key).or_default().push(row);
        }
        for (key, rows) in groups {
            let value = self.fold(&rows, store)?;
            self.values.insert(key, value);
        }
        Ok(())
    }

    /// The value of a group already in the table, or of a group an
    /// independent body never matched (the empty aggregate); `None` when the
    /// group's body must still be run.
    pub(super) fn known(&self, key: &Tuple, store: &mut Store) -> Option<Option<Packed>> {
        if let Some(value) = self.values.get(key) {
            return Some(*value);
        }
        // An independent table holds every group that has a match.
        self.plan.independent.then(|| match self.plan.function {
            AggregateFunction::Count | AggregateFunction::Sum => Some(store.int(0)),
            _ => None,
        })
    }

    /// Folds and keeps the rows of one group whose body was run on its own.
    pub(super) fn insert_group(
        &mut self,
        key: Tuple,
        rows: &[Tuple],
        store: &mut Store,
    ) -> Result<Option<Packed>, ValueError> {
        let value = self.fold(rows, store)?;
        self.values.insert(key, value);
        Ok(value)
    }

    /// Folds the rows of one group: (group values, local values) each.
    fn fold(&self, rows: &[Tuple], store: &mut Store) -> Result<Option<Packed>, ValueError> {
        let value = self
            .plan
            .value
            .as_ref()
            .map(|expr| CompiledExpr::compile(expr, store));
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
            let item = value.evaluate(&slots, store)?;
            accumulator = Some(match (accumulator, self.plan.function) {
                (None, _) => item,
                (Some(best), AggregateFunction::Min | AggregateFunction::Max)
                    if Store::value_type(item) != Store::value_type(best) =>
                {
                    return Err(ValueError::mixed_kinds(
                        self.plan.function.keyword(),
                        Store::value_type(best),
                        Store::value_type(item),
                    ));
                }
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
                Some(sum) if Store::value_type(sum) != ValueType::Integer => {
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
}

/// `N = count : { p(X, Y) }` with distinct variables and nothing else counts
/// the tuples of `p`: the relation's length, without scanning it.
fn counts_whole_relation(plan: &AggregatePlan, relations: &Relations) -> Option<usize> {
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
    plain.then(|| relations.relation(stage.predicate).len())
}
