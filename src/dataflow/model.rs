//! The model as the caller sees it: every relation and every query's
//! answers, kept up to date from the changes the dataflow reports, and
//! turned into the datafrog engine's `Database` and `Answer`s so that
//! queries, explanations and rendering work on it unchanged.

use super::blueprint::Blueprint;
use super::datum::{Datum, Row};
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
    /// For tuples of recursive predicates, when rounds are recorded: the
    /// iteration of its stratum's scope in which each first appeared.
    rounds: BTreeMap<(PredId, Row), u64>,
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

    /// Brings `database`, the model as it was before these changes (made by
    /// `Model::to_database` and kept up to date this way), to the model
    /// after them, touching only the relations that changed: a handover
    /// that costs the change, not the model.
    pub fn apply_to(&self, database: &mut Database) {
        for (predicate, (added, removed)) in &self.relations {
            let mut pack = |rows: &[Row]| -> Vec<Tuple> {
                rows.iter()
                    .map(|row| {
                        row.iter()
                            .map(|datum| datum.pack_into(&mut database.store))
                            .collect()
                    })
                    .collect()
            };
            let (added, removed) = (pack(added), pack(removed));
            database.change_tuples(*predicate, &added, &removed);
        }
    }
}

impl Model {
    /// An empty model of `n_predicates` relations and `n_queries` answer sets.
    pub fn new(n_predicates: usize, n_queries: usize) -> Model {
        Model {
            relations: vec![BTreeSet::new(); n_predicates],
            answers: vec![BTreeSet::new(); n_queries],
            rounds: BTreeMap::new(),
        }
    }

    /// Applies captured updates; returns what changed.
    pub fn apply(&mut self, updates: &[((OutputId, Row), u64, isize)]) -> Changes {
        let mut totals: BTreeMap<&(OutputId, Row), isize> = BTreeMap::new();
        for (record, _, diff) in updates {
            *totals.entry(record).or_default() += diff;
        }
        let n_predicates = self.relations.len();
        let first_round_id = n_predicates + self.answers.len();
        let mut changes = Changes::default();
        for ((id, row), total) in totals {
            if total == 0 {
                continue;
            }
            let index = *id as usize;
            if index >= first_round_id {
                // A tuple with the round appended (see `program`).
                if let (true, Some((Datum::Int(round), tuple))) = (total > 0, row.split_last()) {
                    let key = (
                        PredId((index - first_round_id) as u32),
                        tuple.iter().cloned().collect(),
                    );
                    let first = self.rounds.entry(key).or_insert(*round as u64);
                    *first = (*first).min(*round as u64);
                }
                continue;
            }
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

    /// Puts a base fact into `predicate`'s relation (a fact given twice is
    /// there once), without recording it as a change: the model being
    /// built holds it from the start.
    pub fn insert_base(&mut self, predicate: PredId, row: Row) {
        if let Some(set) = self.relations.get_mut(predicate.0 as usize) {
            set.insert(row);
        }
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
                        .map(|datum| datum.pack_into(&mut database.store))
                        .collect()
                })
                .collect();
            database.set_tuples(PredId(index as u32), tuples);
        }
        database
    }

    /// The model as a `Database` that also records the round each derived
    /// tuple appeared in, for explanations: strata in order, each round of a
    /// recursion one rank, so a tuple's rank is above the ranks of every
    /// tuple of a lower stratum and of every tuple its rule instance read
    /// in an earlier round, as with the datafrog engine's rounds.
    pub fn to_database_with_rounds(&self, store: Store, blueprint: &Blueprint) -> Database {
        let mut database = self.to_database(store);
        let mut database_with_rounds = Database::new(
            std::mem::take(&mut database.store),
            self.relations.len(),
            true,
        );
        let mut next_rank: u64 = 1;
        for index in 0..self.relations.len() {
            let predicate = PredId(index as u32);
            database_with_rounds.set_tuples(predicate, database.relation(predicate).to_tuples());
        }
        for stratum in blueprint
            .strata
            .iter()
            .filter(|stratum| !stratum.rules.is_empty())
        {
            let mut by_rank: BTreeMap<(u64, PredId), Vec<Tuple>> = BTreeMap::new();
            let mut last_round = 0;
            for &predicate in &stratum.predicates {
                for row in self.relation(predicate) {
                    let round = if stratum.recursive {
                        self.rounds
                            .get(&(predicate, row.clone()))
                            .copied()
                            .unwrap_or(0)
                    } else {
                        0
                    };
                    last_round = last_round.max(round);
                    let tuple: Tuple = row
                        .iter()
                        .map(|datum| database_with_rounds.store.pack(&datum.to_value()))
                        .collect();
                    by_rank
                        .entry((next_rank + round, predicate))
                        .or_default()
                        .push(tuple);
                }
            }
            for ((rank, predicate), tuples) in by_rank {
                database_with_rounds.record_rank(predicate, rank, &tuples);
            }
            next_rank += last_round + 1;
        }
        database_with_rounds
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

#[cfg(test)]
mod tests {
    use crate::analysis::analyze;
    use crate::analysis::ir::{self, PredId};
    use crate::articles::Articles;
    use crate::dataflow::{DataflowOptions, evaluate};
    use crate::eval::{self, Database, EvalOptions, Store};
    use crate::plan::{ProgramPlan, plan_program};
    use crate::provenance::{self, ExplainOptions, Goal, ModelView};
    use crate::span::{SourceMap, Span};
    use crate::syntax::parse_program;
    use std::sync::Arc;
    use std::sync::atomic::AtomicBool;

    /// The checked and planned program of `text`.
    fn checked(text: &str, sources: &mut SourceMap) -> (ir::Program, ProgramPlan) {
        let source = sources.add("<test>", text);
        let (ast, errors) = parse_program(source, text);
        assert!(errors.is_empty(), "{text}");
        let analysis = analyze(&[&ast]);
        assert!(!analysis.has_errors(), "{text}");
        let plan = plan_program(&analysis.program).expect("plans");
        (analysis.program, plan)
    }

    /// Every derived tuple explained from the datafrog model and from the
    /// dataflow model (with its recorded rounds): the same derivation.
    fn check_same_explanations(text: &str) {
        let mut sources = SourceMap::new();
        let (program, plan) = checked(text, &mut sources);
        let eval_options = EvalOptions {
            record_rounds: true,
            ..EvalOptions::default()
        };
        let cancel = Arc::new(AtomicBool::new(false));
        let by_datafrog = eval::evaluate(&program, &plan, Store::new(), eval_options, &cancel)
            .expect("evaluates");
        let dataflow_options = DataflowOptions {
            eval: eval_options,
            workers: 2,
            cluster: None,
        };
        let by_dataflow = evaluate(
            &program,
            &plan,
            Store::new(),
            &dataflow_options,
            Arc::clone(&cancel),
        )
        .expect("evaluates")
        .expect("process 0")
        .database;
        assert!(by_dataflow.records_rounds());
        let articles = Articles::new();
        let datafrog_view = ModelView {
            program: &program,
            database: &by_datafrog,
            sources: &sources,
            articles: &articles,
            eval_options,
            cancel: &cancel,
        };
        let dataflow_view = ModelView {
            database: &by_dataflow,
            ..datafrog_view
        };
        let mut n_explained = 0;
        for (index, predicate) in program.predicates.iter().enumerate() {
            let id = PredId(index as u32);
            if !program.rules.iter().any(|rule| rule.head.predicate == id) {
                continue;
            }
            let rows: Vec<Vec<crate::value::Value>> = by_datafrog
                .relation(id)
                .iter()
                .map(|tuple| {
                    tuple
                        .iter()
                        .map(|&value| by_datafrog.store.unpack(value))
                        .collect()
                })
                .collect();
            // Rounds: the same order of first appearance as datafrog's.
            let ranks = |database: &Database| -> Vec<Option<u64>> {
                rows.iter()
                    .map(|values| {
                        let packed: Option<eval::Tuple> = values
                            .iter()
                            .map(|value| database.store.lookup(value))
                            .collect();
                        packed.and_then(|packed| database.rank_of(id, &packed))
                    })
                    .collect()
            };
            let (expected_ranks, actual_ranks) = (ranks(&by_datafrog), ranks(&by_dataflow));
            assert!(
                actual_ranks.iter().all(Option::is_some),
                "{}",
                predicate.name
            );
            for (a, b) in expected_ranks.iter().zip(&actual_ranks) {
                for (c, d) in expected_ranks.iter().zip(&actual_ranks) {
                    assert_eq!(
                        a.cmp(c),
                        b.cmp(d),
                        "{}: ranks {expected_ranks:?} {actual_ranks:?}",
                        predicate.name
                    );
                }
            }
            for values in rows {
                let goal = Goal {
                    predicate: id,
                    values,
                    span: Span::new(crate::span::SourceId(0), 0, 0),
                };
                let options = ExplainOptions::default();
                let expected = provenance::why(&datafrog_view, &goal, &options).expect("explained");
                let actual = provenance::why(&dataflow_view, &goal, &options).expect("explained");
                assert_eq!(
                    serde_json::to_string(&actual).expect("json"),
                    serde_json::to_string(&expected).expect("json"),
                    "{goal:?}"
                );
                n_explained += 1;
            }
        }
        assert!(n_explained > 5, "only {n_explained} explanations");
    }

    #[test]
    fn explanations_from_the_dataflow_model_are_the_datafrog_ones() {
        check_same_explanations(
            "edge(1, 2). edge(2, 3). edge(3, 4). edge(1, 3). edge(4, 1). node(5).
             path(X, Y) :- edge(X, Y).
             path(X, Z) :- path(X, Y), edge(Y, Z).
             far(X, Y) :- path(X, Y), not edge(X, Y).
             lonely(X) :- node(X), not path(X, _).
             degree(X, N) :- edge(X, _), N = count : { path(X, _) }.",
        );
        check_same_explanations(
            "parent(a, b). parent(a, c). parent(b, d). parent(c, e). parent(d, f).
             sg(X, Y) :- parent(P, X), parent(P, Y), X != Y.
             sg(X, Y) :- sg(A, B), parent(A, X), parent(B, Y).
             even(0). odd(N) :- even(M), N = M + 1, N < 6. even(N) :- odd(M), N = M + 1.",
        );
    }
}
