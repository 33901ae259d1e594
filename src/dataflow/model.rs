//! The model as the caller sees it: every relation and every query's
//! answers, kept up to date from the changes the dataflow reports, and
//! turned into the datafrog engine's `Database` and `Answer`s so that
//! queries, explanations and rendering work on it unchanged.

use super::datum::Row;
use super::program::OutputId;
use crate::analysis::ir::{self, PredId};
use crate::eval::Database;
use crate::eval::{Store, Tuple};
use crate::value::Answer;
use std::collections::{BTreeMap, BTreeSet};

/// Every relation and answer set, in users' order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Model {
    relations: Vec<BTreeSet<Row>>,
    answers: Vec<BTreeSet<Row>>,
}

/// What one version changed: rows that appeared and rows that went.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Changes {
    /// Per predicate with a change: (added, removed), each sorted.
    pub relations: BTreeMap<PredId, (Vec<Row>, Vec<Row>)>,
    /// Per query index with a change: (added, removed), each sorted.
    pub answers: BTreeMap<usize, (Vec<Row>, Vec<Row>)>,
}

impl Changes {
    /// True when nothing changed.
    pub fn is_empty(&self) -> bool {
        self.relations.is_empty() && self.answers.is_empty()
    }
}

impl Model {
    /// An empty model of `n_predicates` relations and `n_queries` answer sets.
    pub fn new(n_predicates: usize, n_queries: usize) -> Model {
        Model {
            relations: vec![BTreeSet::new(); n_predicates],
            answers: vec![BTreeSet::new(); n_queries],
        }
    }

    /// Applies captured updates; returns what changed.
    pub fn apply(&mut self, updates: &[((OutputId, Row), u64, isize)]) -> Changes {
        let mut totals: BTreeMap<&(OutputId, Row), isize> = BTreeMap::new();
        for (record, _, diff) in updates {
            *totals.entry(record).or_default() += diff;
        }
        let n_predicates = self.relations.len();
        let mut changes = Changes::default();
        for ((id, row), total) in totals {
            if total == 0 {
                continue;
            }
            let index = *id as usize;
            let (set, change) = if index < n_predicates {
                (
                    self.relations.get_mut(index),
                    changes.relations.entry(PredId(*id)).or_default(),
                )
            } else {
                (
                    self.answers.get_mut(index - n_predicates),
                    changes.answers.entry(index - n_predicates).or_default(),
                )
            };
            let Some(set) = set else { continue };
            if total > 0 {
                if set.insert(row.clone()) {
                    change.0.push(row.clone());
                }
            } else if set.remove(row) {
                change.1.push(row.clone());
            }
        }
        changes
            .relations
            .retain(|_, (added, removed)| !added.is_empty() || !removed.is_empty());
        changes
            .answers
            .retain(|_, (added, removed)| !added.is_empty() || !removed.is_empty());
        changes
    }

    /// Applies changes of base relations made outside the dataflow: rows
    /// that became present (`added`) or absent (`removed`) in `predicate`.
    pub fn apply_base(
        &mut self,
        changes: &mut Changes,
        predicate: PredId,
        added: Vec<Row>,
        removed: Vec<Row>,
    ) {
        let Some(set) = self.relations.get_mut(predicate.0 as usize) else {
            return;
        };
        let mut change: (Vec<Row>, Vec<Row>) = (Vec::new(), Vec::new());
        for row in added {
            if set.insert(row.clone()) {
                change.0.push(row);
            }
        }
        for row in removed {
            if set.remove(&row) {
                change.1.push(row);
            }
        }
        if !change.0.is_empty() || !change.1.is_empty() {
            change.0.sort();
            change.1.sort();
            changes.relations.insert(predicate, change);
        }
    }

    /// The tuples of `predicate`, sorted.
    pub fn relation(&self, predicate: PredId) -> impl Iterator<Item = &Row> {
        self.relations
            .get(predicate.0 as usize)
            .into_iter()
            .flat_map(|set| set.iter())
    }

    /// The answer rows of query `index`, sorted.
    pub fn answer_rows(&self, index: usize) -> impl Iterator<Item = &Row> {
        self.answers
            .get(index)
            .into_iter()
            .flat_map(|set| set.iter())
    }

    /// The model as the datafrog engine's `Database`, packed into `store`.
    pub fn to_database(&self, store: Store) -> Database {
        let mut database = Database::new(store, self.relations.len(), false);
        for (index, rows) in self.relations.iter().enumerate() {
            if rows.is_empty() {
                continue;
            }
            let tuples: Vec<Tuple> = rows
                .iter()
                .map(|row| {
                    row.iter()
                        .map(|datum| database.store.pack(&datum.to_value()))
                        .collect()
                })
                .collect();
            database.set_tuples(PredId(index as u32), tuples);
        }
        database
    }

    /// The answers to every query of `program`, as the datafrog engine gives them.
    pub fn answers(&self, program: &ir::Program) -> Vec<Answer> {
        program
            .queries
            .iter()
            .enumerate()
            .map(|(index, query)| Answer {
                query: query.text.clone(),
                columns: query
                    .shown
                    .iter()
                    .map(|var| {
                        query
                            .variables
                            .get(var.0 as usize)
                            .cloned()
                            .unwrap_or_default()
                    })
                    .collect(),
                rows: self
                    .answer_rows(index)
                    .map(|row| row.iter().map(|datum| datum.to_value()).collect())
                    .collect(),
            })
            .collect()
    }
}
