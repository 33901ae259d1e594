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
use crate::value::Decimal;
use std::collections::{HashMap, HashSet};

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
            AggregateFunction::Min | AggregateFunction::Max | AggregateFunction::Avg => None,
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
        let projection: Vec<CompiledExpr> = self
            .plan
            .projection
            .iter()
            .map(|expr| CompiledExpr::compile(expr, store))
            .collect();
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
        let mut fold = Fold::new(self.plan.function);
        for row in rows {
            if value.is_none() && projection.is_empty() {
                fold.add(None, Vec::new(), store)?;
                continue;
            }
            for (&slot, &cell) in output_vars.iter().zip(row.iter()) {
                if let Some(target) = slots.get_mut(slot) {
                    *target = cell;
                }
            }
            let item = match &value {
                Some(value) => Some(value.evaluate(&slots, store)?),
                None => None,
            };
            let mut projected = Vec::with_capacity(projection.len());
            for term in &projection {
                projected.push(term.evaluate(&slots, store)?);
            }
            fold.add(item, projected, store)?;
        }
        fold.finish(store)
    }
}

/// One group's aggregate, folded value by value over the distinct matches
/// of its body; both engines fold with it, so they cannot disagree.
pub struct Fold {
    function: AggregateFunction,
    /// Matches seen (for `count` and `avg`).
    count: i64,
    /// Distinct projections of `count X, Y : { ... }`.
    distinct: HashSet<Vec<Packed>>,
    /// The sum, smallest or largest value so far.
    accumulator: Option<Packed>,
}

impl Fold {
    /// An empty fold of `function`.
    pub fn new(function: AggregateFunction) -> Fold {
        Fold {
            function,
            count: 0,
            distinct: HashSet::new(),
            accumulator: None,
        }
    }

    /// Adds one match: its value (for `sum`, `min`, `max`, `avg`) and, for
    /// `count X, Y`, its projection.
    pub fn add(
        &mut self,
        item: Option<Packed>,
        projection: Vec<Packed>,
        store: &mut Store,
    ) -> Result<(), ValueError> {
        self.count += 1;
        if !projection.is_empty() {
            self.distinct.insert(projection);
        }
        let Some(item) = item else {
            return Ok(());
        };
        self.accumulator = Some(match (self.accumulator, self.function) {
            (None, _) => item,
            (Some(best), AggregateFunction::Min | AggregateFunction::Max)
                if !comparable(Store::value_type(item), Store::value_type(best)) =>
            {
                return Err(ValueError::mixed_kinds(
                    self.function.keyword(),
                    Store::value_type(best),
                    Store::value_type(item),
                ));
            }
            (Some(sum), AggregateFunction::Sum | AggregateFunction::Avg) => {
                store.arithmetic(ArithOp::Add, sum, item)?
            }
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
        Ok(())
    }

    /// The aggregate's value: `None` for `min`, `max` and `avg` of nothing.
    pub fn finish(self, store: &mut Store) -> Result<Option<Packed>, ValueError> {
        let not_a_number = |value: Packed, name: &str| ValueError::TypeMismatch {
            op: name.into(),
            lhs: Store::value_type(value).name(),
            rhs: "nothing",
        };
        Ok(match self.function {
            AggregateFunction::Count if !self.distinct.is_empty() => {
                Some(store.int(self.distinct.len() as i64))
            }
            AggregateFunction::Count => Some(store.int(self.count)),
            AggregateFunction::Sum => match self.accumulator {
                Some(sum)
                    if !matches!(
                        Store::value_type(sum),
                        ValueType::Integer | ValueType::Decimal
                    ) =>
                {
                    return Err(not_a_number(sum, "sum"));
                }
                Some(sum) => Some(sum),
                None => Some(store.int(0)),
            },
            AggregateFunction::Avg => match self.accumulator {
                Some(sum) => {
                    let (units, scale) = match (store.as_int(sum), store.as_decimal(sum)) {
                        (Some(integer), _) => (i128::from(integer), 1),
                        (None, Some(decimal)) => (i128::from(decimal.millionths()), 1_000_000),
                        (None, None) => return Err(not_a_number(sum, "avg")),
                    };
                    let mean = Decimal::from_ratio(units, i128::from(self.count) * scale)
                        .ok_or_else(|| ValueError::IntegerOverflow {
                            lhs: store.unpack(sum).text(),
                            op: "/",
                            rhs: self.count.to_string(),
                        })?;
                    Some(store.decimal(mean))
                }
                None => None,
            },
            _ => self.accumulator,
        })
    }
}

/// True when `min` and `max` can order values of kinds `a` and `b`: the
/// same kind, or two kinds of number.
fn comparable(a: ValueType, b: ValueType) -> bool {
    let number = |kind| matches!(kind, ValueType::Integer | ValueType::Decimal);
    a == b || (number(a) && number(b))
}

/// `N = count : { p(X, Y) }` with distinct variables and nothing else counts
/// the tuples of `p`: the relation's length, without scanning it.
fn counts_whole_relation(plan: &AggregatePlan, relations: &Relations) -> Option<usize> {
    let body = &plan.body;
    let [stage] = body.stages.as_slice() else {
        return None;
    };
    let plain = plan.function == AggregateFunction::Count
        && plan.projection.is_empty()
        && plan.group_by.is_empty()
        && body.seed_checks.is_empty()
        && stage.checks.is_empty()
        && stage.constant_columns.is_empty()
        && stage.equal_columns.is_empty()
        && stage.binds.len() == stage.args.len();
    plain.then(|| relations.relation(stage.predicate).len())
}
