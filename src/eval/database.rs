//! The answer store: one sorted relation per predicate, the value store, and
//! (when asked for) the round in which each tuple first appeared.
//!
//! A `Database` is two parts that evaluation borrows separately: the
//! `Relations`, read by every stage, and the `Store`, which interns the
//! values a stage computes. Keeping them apart lets a conjunction be
//! evaluated over relations that are only read (a finished model, or the old
//! relations an incremental update primes from) while new values go to
//! another store. Nothing outside `eval` sees a datafrog type.

use super::store::Store;
use super::tuple::Tuple;
use crate::analysis::ir::PredId;
use datafrog::Relation;

/// Per predicate, the batches of tuples new in each recorded round: (rank, batch).
type RoundLog = Vec<Vec<(u64, Relation<Tuple>)>>;

/// Every relation of an evaluated program and the store their values are interned in.
#[derive(Default)]
pub struct Database {
    /// Interned symbols, strings and large integers.
    pub store: Store,
    pub(super) relations: Relations,
}

/// The relations of a database, by predicate, with their recorded rounds.
#[derive(Default)]
pub(super) struct Relations {
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
            relations: Relations::new(n_predicates, record_rounds),
        }
    }

    /// The tuples of `predicate`, sorted.
    pub fn relation(&self, predicate: PredId) -> &[Tuple] {
        self.relations.relation(predicate)
    }

    /// True when `tuple` holds.
    pub fn contains(&self, predicate: PredId, tuple: &Tuple) -> bool {
        self.relations.contains(predicate, tuple)
    }

    /// Number of predicates.
    pub fn n_predicates(&self) -> usize {
        self.relations.relations.len()
    }

    /// Total number of tuples.
    pub fn n_tuples(&self) -> usize {
        self.relations
            .relations
            .iter()
            .map(|relation| relation.len())
            .sum()
    }

    /// True when rounds are being recorded.
    pub fn records_rounds(&self) -> bool {
        self.relations.rounds.is_some()
    }

    /// The rank of the round in which `tuple` first appeared: 0 for a base
    /// fact, higher for later derivations; `None` when not recorded or absent.
    pub fn rank_of(&self, predicate: PredId, tuple: &Tuple) -> Option<u64> {
        self.relations.rank_of(predicate, tuple)
    }

    /// Replaces the tuples of `predicate` with `tuples` (sorted and
    /// deduplicated here): how another engine (`dataflow`) hands over the
    /// model it computed, without naming a datafrog type.
    pub fn set_tuples(&mut self, predicate: PredId, tuples: Vec<Tuple>) {
        self.relations
            .set_relation(predicate, Relation::from_vec(tuples));
    }

    /// Records that `tuples` of `predicate` first appeared in the round
    /// ranked `rank` (1 and up; 0 is a base fact), when rounds are recorded:
    /// how another engine (`dataflow`) hands over the rounds it observed.
    pub fn record_rank(&mut self, predicate: PredId, rank: u64, tuples: &[Tuple]) {
        self.relations.record_round(predicate, rank, tuples);
        self.relations.next_rank = self.relations.next_rank.max(rank + 1);
    }

    /// Replaces a relation (used when a stratum completes).
    pub(super) fn set_relation(&mut self, predicate: PredId, relation: Relation<Tuple>) {
        self.relations.set_relation(predicate, relation);
    }

    /// Continues the ranks after those of `old`, so what is derived now ranks after what was known.
    pub(super) fn continue_ranks_after(&mut self, old: &Database) {
        self.relations.next_rank = self.relations.next_rank.max(old.relations.next_rank);
    }

    /// Takes over `old`'s recorded rounds of `predicate`.
    pub(super) fn copy_rounds_from(&mut self, old: &Database, predicate: PredId) {
        let index = predicate.0 as usize;
        let batches = old
            .relations
            .rounds
            .as_ref()
            .and_then(|rounds| rounds.get(index))
            .cloned();
        if let (Some(rounds), Some(batches)) = (self.relations.rounds.as_mut(), batches)
            && let Some(slot) = rounds.get_mut(index)
        {
            *slot = batches;
        }
    }
}

impl Relations {
    /// Empty relations for `n_predicates` predicates.
    pub(super) fn new(n_predicates: usize, record_rounds: bool) -> Relations {
        Relations {
            relations: (0..n_predicates)
                .map(|_| Relation::from_vec(Vec::new()))
                .collect(),
            rounds: record_rounds.then(|| vec![Vec::new(); n_predicates]),
            next_rank: 1,
        }
    }

    /// The tuples of `predicate`, sorted.
    pub(super) fn relation(&self, predicate: PredId) -> &[Tuple] {
        self.relations
            .get(predicate.0 as usize)
            .map_or(&[], |relation| &relation.elements)
    }

    /// True when `tuple` holds.
    pub(super) fn contains(&self, predicate: PredId, tuple: &Tuple) -> bool {
        self.relation(predicate).binary_search(tuple).is_ok()
    }

    /// Replaces a relation.
    pub(super) fn set_relation(&mut self, predicate: PredId, relation: Relation<Tuple>) {
        if let Some(slot) = self.relations.get_mut(predicate.0 as usize) {
            *slot = relation;
        }
    }

    /// Starts a new round and returns its rank; ranks grow across strata.
    pub(super) fn next_rank(&mut self) -> u64 {
        let rank = self.next_rank;
        self.next_rank += 1;
        rank
    }

    /// Records the tuples that became new for `predicate` in the round `rank`.
    pub(super) fn record_round(&mut self, predicate: PredId, rank: u64, batch: &[Tuple]) {
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

    /// See [`Database::rank_of`].
    fn rank_of(&self, predicate: PredId, tuple: &Tuple) -> Option<u64> {
        let batches = self.rounds.as_ref()?.get(predicate.0 as usize)?;
        batches
            .iter()
            .find(|(_, batch)| batch.binary_search(tuple).is_ok())
            .map(|(rank, _)| *rank)
    }
}
