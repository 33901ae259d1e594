//! The answer store: one sorted relation per predicate, the value store, and
//! (when asked for) the round in which each tuple first appeared.

use super::value::{Store, Tuple};
use crate::analysis::ir::PredId;
use datafrog::Relation;

/// Per predicate, the batches of tuples new in each recorded round: (rank, batch).
type RoundLog = Vec<Vec<(u64, Relation<Tuple>)>>;

/// Every relation of an evaluated program.
#[derive(Default)]
pub struct Database {
    /// Interned symbols, strings and large integers.
    pub store: Store,
    relations: Vec<Relation<Tuple>>,
    /// Per predicate, the tuples new in each recorded round, as (rank, batch).
    rounds: Option<RoundLog>,
    next_rank: u64,
}

impl Database {
    /// An empty database for `n_predicates` predicates; `record_rounds` keeps
    /// the round in which each tuple first appeared, for explanations.
    pub fn new(store: Store, n_predicates: usize, record_rounds: bool) -> Database {
        Database {
            store,
            relations: (0..n_predicates)
                .map(|_| Relation::from_vec(Vec::new()))
                .collect(),
            rounds: record_rounds.then(|| vec![Vec::new(); n_predicates]),
            next_rank: 1,
        }
    }

    /// The tuples of `predicate`, sorted.
    pub fn relation(&self, predicate: PredId) -> &[Tuple] {
        self.relations
            .get(predicate.0 as usize)
            .map_or(&[], |relation| &relation.elements)
    }

    /// True when `tuple` holds.
    pub fn contains(&self, predicate: PredId, tuple: &Tuple) -> bool {
        self.relation(predicate).binary_search(tuple).is_ok()
    }

    /// Replaces a relation (used when a stratum completes).
    pub fn set_relation(&mut self, predicate: PredId, relation: Relation<Tuple>) {
        if let Some(slot) = self.relations.get_mut(predicate.0 as usize) {
            *slot = relation;
        }
    }

    /// Moves a relation out (an empty one stays), to read it while the database is borrowed mutably.
    pub(crate) fn take_relation(&mut self, predicate: PredId) -> Relation<Tuple> {
        self.relations
            .get_mut(predicate.0 as usize)
            .map(|slot| std::mem::replace(slot, Relation::from_vec(Vec::new())))
            .unwrap_or_else(|| Relation::from_vec(Vec::new()))
    }

    /// Number of predicates.
    pub fn n_predicates(&self) -> usize {
        self.relations.len()
    }

    /// Total number of tuples.
    pub fn n_tuples(&self) -> usize {
        self.relations.iter().map(|relation| relation.len()).sum()
    }

    /// True when rounds are being recorded.
    pub fn records_rounds(&self) -> bool {
        self.rounds.is_some()
    }

    /// Starts a new round and returns its rank; ranks grow across strata.
    pub(crate) fn next_rank(&mut self) -> u64 {
        let rank = self.next_rank;
        self.next_rank += 1;
        rank
    }

    /// Continues the ranks after those of `old`, so what is derived now ranks after what was known.
    pub(crate) fn continue_ranks_after(&mut self, old: &Database) {
        self.next_rank = self.next_rank.max(old.next_rank);
    }

    /// Takes over `old`'s recorded rounds of `predicate`.
    pub(crate) fn copy_rounds_from(&mut self, old: &Database, predicate: PredId) {
        let index = predicate.0 as usize;
        let batches = old
            .rounds
            .as_ref()
            .and_then(|rounds| rounds.get(index))
            .cloned();
        if let (Some(rounds), Some(batches)) = (self.rounds.as_mut(), batches)
            && let Some(slot) = rounds.get_mut(index)
        {
            *slot = batches;
        }
    }

    /// Records the tuples that became new for `predicate` in the round `rank`.
    pub(crate) fn record_round(&mut self, predicate: PredId, rank: u64, batch: &[Tuple]) {
        if batch.is_empty() {
            return;
        }
        if let Some(per_predicate) = self
            .rounds
            .as_mut()
            .and_then(|rounds| rounds.get_mut(predicate.0 as usize))
        {
            per_predicate.push((rank, Relation::from_vec(batch.to_vec())));
        }
    }

    /// The rank of the round in which `tuple` first appeared: 0 for a base
    /// fact, higher for later derivations; `None` when not recorded or absent.
    pub fn rank_of(&self, predicate: PredId, tuple: &Tuple) -> Option<u64> {
        let batches = self.rounds.as_ref()?.get(predicate.0 as usize)?;
        batches
            .iter()
            .find(|(_, batch)| batch.binary_search(tuple).is_ok())
            .map(|(rank, _)| *rank)
    }
}
