//! The answer store: one complete relation per predicate (narrow rows,
//! sorted), the value store, the indexes built over the relations, and
//! (when asked for) the round in which each tuple first appeared.
//!
//! A `Database` is two parts that evaluation borrows separately: the
//! `Relations`, read by every stage, and the `Store`, which interns the
//! values a stage computes. Keeping them apart lets a conjunction be
//! evaluated over relations that are only read (a finished model) while new
//! values go to another store. Indexes are built on first use and kept
//! until their relation is replaced, so a query asked again, an explanation
//! or a later stratum finds them ready; building one needs only shared
//! access. Nothing outside `eval` sees a storage type but `Relation`.

use super::storage::{AnyIndex, Index, Relation, RelationBuilder, Rows};
use super::store::{Packed, Store};
use super::tuple::Tuple;
use crate::analysis::ir::{self, PredId};
use crate::plan::{DemandPlan, StratumPlan};
use rustc_hash::FxHashMap;
use std::sync::{Arc, Mutex, PoisonError};

/// Per predicate, the rows new in each recorded round: (rank, rows).
type RoundLog = Vec<Vec<(u64, Relation)>>;

/// Indexes by predicate and key columns (ascending).
type IndexCache = FxHashMap<(PredId, Vec<usize>), Arc<AnyIndex>>;

/// Every relation of an evaluated program and the store their values are interned in.
#[derive(Default)]
pub struct Database {
    /// Interned symbols, strings and large integers.
    pub store: Store,
    pub(super) relations: Relations,
    /// What an evaluation on demand left out (see `EvalOptions::demand`).
    pub(super) pending: Option<Box<Pending>>,
}

/// The part of a model an evaluation on demand left out: strata only
/// queries answered from demand read, and those queries' plans.
pub(super) struct Pending {
    /// Per predicate: true when its relation holds only its facts and the
    /// tuples demand computed for queries so far.
    pub(super) predicates: Vec<bool>,
    /// The strata left out, in evaluation order.
    pub(super) strata: Vec<StratumPlan>,
    /// Per query: its demand plan.
    pub(super) plans: Vec<Option<DemandPlan>>,
}

/// The relations of a database, by predicate, with their indexes and recorded rounds.
#[derive(Default)]
pub(super) struct Relations {
    relations: Vec<Relation>,
    indexes: Mutex<IndexCache>,
    /// Per predicate, the tuples new in each recorded round, as (rank, rows).
    rounds: Option<RoundLog>,
    next_rank: u64,
}

/// The empty relation, for predicates a database does not know.
static EMPTY: Relation = Relation::EMPTY;

impl Database {
    /// An empty database for `n_predicates` predicates; `record_rounds` keeps
    /// the round in which each tuple first appeared, for explanations.
    pub fn new(store: Store, n_predicates: usize, record_rounds: bool) -> Database {
        Database {
            store,
            relations: Relations::new(n_predicates, record_rounds),
            pending: None,
        }
    }

    /// The rows of `predicate`: distinct, sorted.
    pub fn relation(&self, predicate: PredId) -> &Relation {
        self.relations.relation(predicate)
    }

    /// True when `tuple` holds.
    pub fn contains(&self, predicate: PredId, tuple: &[Packed]) -> bool {
        self.relation(predicate).contains(tuple)
    }

    /// True when `predicate`'s relation is only partly computed: the model
    /// was evaluated on demand (`EvalOptions::demand`) and only queries
    /// answered from demand needed it. It then holds the predicate's facts
    /// and every tuple those queries' answers were derived from.
    pub fn is_partial(&self, predicate: PredId) -> bool {
        self.pending.as_ref().is_some_and(|pending| {
            pending
                .predicates
                .get(predicate.0 as usize)
                .copied()
                .unwrap_or(false)
        })
    }

    /// Number of predicates.
    pub fn n_predicates(&self) -> usize {
        self.relations.relations.len()
    }

    /// Total number of tuples.
    pub fn n_tuples(&self) -> usize {
        self.relations.relations.iter().map(Relation::len).sum()
    }

    /// True when rounds are being recorded.
    pub fn records_rounds(&self) -> bool {
        self.relations.rounds.is_some()
    }

    /// The rank of the round in which `tuple` first appeared: 0 for a base
    /// fact, higher for later derivations; `None` when not recorded or absent.
    pub fn rank_of(&self, predicate: PredId, tuple: &[Packed]) -> Option<u64> {
        self.relations.rank_of(predicate, tuple)
    }

    /// Adds rows to the relation of `predicate` (facts loaded in bulk, before
    /// evaluation): the builder's rows join those already there.
    pub fn extend_relation(&mut self, predicate: PredId, mut rows: RelationBuilder) {
        let current = self.relations.relation(predicate);
        if current.is_empty() {
            self.set_relation(predicate, rows.finish());
            return;
        }
        rows.extend_from(current);
        self.set_relation(predicate, rows.finish());
    }

    /// Replaces the tuples of `predicate` with `tuples` (sorted and
    /// deduplicated here): how another engine (`dataflow`) hands over the
    /// model it computed, without naming a storage type.
    pub fn set_tuples(&mut self, predicate: PredId, tuples: Vec<Tuple>) {
        let arity = tuples
            .first()
            .map_or_else(|| self.relation(predicate).arity(), |tuple| tuple.len());
        let mut rows = RelationBuilder::new(arity);
        for tuple in &tuples {
            rows.push(tuple);
        }
        self.set_relation(predicate, rows.finish());
    }

    /// Records that `tuples` of `predicate` first appeared in the round
    /// ranked `rank` (1 and up; 0 is a base fact), when rounds are recorded:
    /// how another engine (`dataflow`) hands over the rounds it observed.
    pub fn record_rank(&mut self, predicate: PredId, rank: u64, tuples: &[Tuple]) {
        let arity = self.relation(predicate).arity();
        let mut rows = RelationBuilder::new(arity);
        for tuple in tuples {
            rows.push(tuple);
        }
        self.relations.record_round(predicate, rank, rows.finish());
        self.relations.next_rank = self.relations.next_rank.max(rank + 1);
    }

    /// Replaces a relation (used when a stratum completes).
    pub(super) fn set_relation(&mut self, predicate: PredId, relation: Relation) {
        self.relations.set_relation(predicate, relation);
    }

    /// An empty database for the predicates of `program`, each relation of
    /// its arity: the start of a model whose facts are loaded in bulk
    /// ([`Database::extend_relation`]) before [`evaluate_loaded`](super::evaluate_loaded).
    pub fn for_program(store: Store, program: &ir::Program, record_rounds: bool) -> Database {
        let mut database = Database::new(store, program.predicates.len(), record_rounds);
        for (slot, predicate) in database
            .relations
            .relations
            .iter_mut()
            .zip(&program.predicates)
        {
            *slot = Relation::empty(predicate.arity);
        }
        database
    }

    /// Takes the tuples `removed` out of `predicate`'s relation and puts
    /// `added` in, merging them into the sorted rows rather than building
    /// the relation again: how a model kept up to date elsewhere (the
    /// dataflow engine's live model) hands over a change. For a database
    /// that records no rounds (a tuple put in here has no round).
    pub fn change_tuples(&mut self, predicate: PredId, added: &[Tuple], removed: &[Tuple]) {
        let old = self.take_relation(predicate);
        let arity = added
            .first()
            .or(removed.first())
            .map_or(old.arity(), |tuple| tuple.len());
        let relation_of = |tuples: &[Tuple]| {
            let mut rows = RelationBuilder::new(arity);
            for tuple in tuples {
                rows.push(tuple);
            }
            rows.finish()
        };
        let changed = old.into_changed(relation_of(added), &relation_of(removed));
        self.set_relation(predicate, changed);
    }

    /// Moves a relation out, leaving it empty (its indexes are dropped).
    pub(super) fn take_relation(&mut self, predicate: PredId) -> Relation {
        let arity = self.relation(predicate).arity();
        let taken = match self.relations.relations.get_mut(predicate.0 as usize) {
            Some(slot) => std::mem::replace(slot, Relation::empty(arity)),
            None => Relation::empty(arity),
        };
        self.relations.forget_indexes(predicate);
        taken
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
    /// Makes room for predicates added after the program's (demand's
    /// adorned copies and magic predicates): each `(id, arity)` gets an
    /// empty relation.
    pub(super) fn add_predicates(&mut self, added: &[(PredId, usize)]) {
        for &(predicate, arity) in added {
            let index = predicate.0 as usize;
            if self.relations.len() <= index {
                self.relations.resize(index + 1, Relation::EMPTY);
            }
            if let Some(rounds) = self.rounds.as_mut()
                && rounds.len() <= index
            {
                rounds.resize(index + 1, Vec::new());
            }
            self.set_relation(predicate, Relation::empty(arity));
            if let Some(batches) = self
                .rounds
                .as_mut()
                .and_then(|rounds| rounds.get_mut(index))
            {
                batches.clear();
            }
        }
    }

    /// Moves the recorded rounds of `from` to `to` (after `to`'s own).
    pub(super) fn move_rounds(&mut self, from: PredId, to: PredId) {
        let Some(rounds) = self.rounds.as_mut() else {
            return;
        };
        let moved = rounds
            .get_mut(from.0 as usize)
            .map(std::mem::take)
            .unwrap_or_default();
        if let Some(target) = rounds.get_mut(to.0 as usize) {
            target.extend(moved);
        }
    }

    /// Empty relations for `n_predicates` predicates.
    pub(super) fn new(n_predicates: usize, record_rounds: bool) -> Relations {
        Relations {
            relations: vec![Relation::EMPTY; n_predicates],
            indexes: Mutex::default(),
            rounds: record_rounds.then(|| vec![Vec::new(); n_predicates]),
            next_rank: 1,
        }
    }

    /// The relation of `predicate` (empty for an unknown one).
    pub(super) fn relation(&self, predicate: PredId) -> &Relation {
        self.relations.get(predicate.0 as usize).unwrap_or(&EMPTY)
    }

    /// Replaces a relation and drops its indexes.
    pub(super) fn set_relation(&mut self, predicate: PredId, relation: Relation) {
        if let Some(slot) = self.relations.get_mut(predicate.0 as usize) {
            *slot = relation;
        }
        self.forget_indexes(predicate);
    }

    fn forget_indexes(&mut self, predicate: PredId) {
        self.indexes
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
            .retain(|(indexed, _), _| *indexed != predicate);
    }

    /// The index of `predicate` on `key_columns` (ascending, not empty),
    /// built now if it was never asked for.
    pub(super) fn index(&self, predicate: PredId, key_columns: &[usize]) -> Arc<AnyIndex> {
        let key = (predicate, key_columns.to_vec());
        let mut indexes = self.indexes.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(index) = indexes.get(&key) {
            return Arc::clone(index);
        }
        let relation = self.relation(predicate);
        let arity = relation.arity();
        let index = Arc::new(match relation.rows() {
            Rows::Pair(rows) => AnyIndex::Pair(Index::build(rows, arity, key_columns)),
            Rows::Quad(rows) => AnyIndex::Quad(Index::build(rows, arity, key_columns)),
            Rows::Boxed(rows) => AnyIndex::Boxed(Index::build(rows, arity, key_columns)),
        });
        indexes.insert(key, Arc::clone(&index));
        index
    }

    /// Starts a new round and returns its rank; ranks grow across strata.
    pub(super) fn next_rank(&mut self) -> u64 {
        let rank = self.next_rank;
        self.next_rank += 1;
        rank
    }

    /// True when rounds are being recorded.
    pub(super) fn records_rounds(&self) -> bool {
        self.rounds.is_some()
    }

    /// Records the rows that became new for `predicate` in the round `rank`.
    pub(super) fn record_round(&mut self, predicate: PredId, rank: u64, batch: Relation) {
        if batch.is_empty() {
            return;
        }
        if let Some(per_predicate) = self
            .rounds
            .as_mut()
            .and_then(|rounds| rounds.get_mut(predicate.0 as usize))
        {
            per_predicate.push((rank, batch));
        }
    }

    /// See [`Database::rank_of`].
    fn rank_of(&self, predicate: PredId, tuple: &[Packed]) -> Option<u64> {
        let batches = self.rounds.as_ref()?.get(predicate.0 as usize)?;
        batches
            .iter()
            .find(|(_, batch)| batch.contains(tuple))
            .map(|(rank, _)| *rank)
    }
}
