//! Questions asked of a finished database: the matches of a conjunction, a
//! query's [`Answer`], a relation as an answer, and the read-only
//! [`Scratch`] that lets explanations ask without changing the model.
//!
//! Owns the order answers are shown in (`Store::compare`, values decoded).
//! Evaluates no program: it runs one conjunction at a time over relations
//! that are complete.

use super::context::{Context, EvalError, EvalOptions, Origin};
use super::database::Database;
use super::demand::{answer_from_demand, complete_for};
use super::join::run_conjunction;
use super::store::{Packed, Store};
use super::tuple::Tuple;
use crate::analysis::ir::{self, PredId};
use crate::plan::ConjunctionPlan;
use crate::value::Answer;
use std::sync::atomic::AtomicBool;

/// Evaluates a conjunction over a complete database, optionally with seed
/// values for `plan.seed`; returns the distinct outputs. Values the
/// conjunction computes are interned in the database's store.
pub fn evaluate_conjunction(
    plan: &ConjunctionPlan,
    origin: Origin,
    database: &mut Database,
    seed: &[Packed],
    options: EvalOptions,
    cancel: &AtomicBool,
) -> Result<Vec<Tuple>, EvalError> {
    let mut context = Context::new(options, cancel);
    let Database {
        store, relations, ..
    } = database;
    run_conjunction(plan, origin, relations, store, seed, &mut context)
}

/// A database that is only read, with a private copy of its store for the
/// values a question computes (a constant it never saw, a concatenation).
///
/// Packed values of the database and of the scratch store agree: the copy
/// extends the original, so tuples of either compare with each other.
pub struct Scratch<'d> {
    database: &'d Database,
    store: Store,
}

impl Database {
    /// A read-only view of this database with its own copy of the store.
    pub fn scratch(&self) -> Scratch<'_> {
        Scratch {
            database: self,
            store: self.store.clone(),
        }
    }
}

impl<'d> Scratch<'d> {
    /// The database read.
    pub fn database(&self) -> &'d Database {
        self.database
    }

    /// The scratch store: the database's values and those interned since.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The scratch store, to pack values or compute with them.
    pub fn store_mut(&mut self) -> &mut Store {
        &mut self.store
    }

    /// [`evaluate_conjunction`] over the read-only database.
    pub fn evaluate_conjunction(
        &mut self,
        plan: &ConjunctionPlan,
        origin: Origin,
        seed: &[Packed],
        options: EvalOptions,
        cancel: &AtomicBool,
    ) -> Result<Vec<Tuple>, EvalError> {
        let mut context = Context::new(options, cancel);
        run_conjunction(
            plan,
            origin,
            &self.database.relations,
            &mut self.store,
            seed,
            &mut context,
        )
    }
}

/// Answers query number `index` of `program` (planned as `plan`) against an
/// evaluated database: rows distinct, sorted in the order users see.
///
/// The values the query computes (a concatenation, a constant the model
/// never held) are interned only while it runs: the answer holds them
/// decoded, and the store forgets them, so a session asking many questions
/// does not grow.
pub fn answer_query(
    query: &ir::Query,
    plan: &ConjunctionPlan,
    index: usize,
    database: &mut Database,
    options: EvalOptions,
    cancel: &AtomicBool,
) -> Result<Answer, EvalError> {
    // A query answered from demand, or one that completes a model left
    // partial, keeps what it derived, and so the values in it.
    let forget = database.pending.is_none();
    let mark = database.store.mark();
    let answer = answer_and_decode(query, plan, index, database, options, cancel);
    if forget {
        database.store.truncate(mark);
    }
    answer
}

fn answer_and_decode(
    query: &ir::Query,
    plan: &ConjunctionPlan,
    index: usize,
    database: &mut Database,
    options: EvalOptions,
    cancel: &AtomicBool,
) -> Result<Answer, EvalError> {
    let rows = match answer_from_demand(index, database, options, cancel)? {
        Some(rows) => rows,
        None => {
            complete_for(plan, database, options, cancel)?;
            evaluate_conjunction(plan, Origin::Query(index), database, &[], options, cancel)?
        }
    };
    let columns = query
        .shown
        .iter()
        .map(|var| {
            query
                .variables
                .get(var.0 as usize)
                .cloned()
                .unwrap_or_default()
        })
        .collect();
    Ok(sorted_answer(
        query.text.clone(),
        columns,
        rows,
        &database.store,
    ))
}

/// Every tuple of `predicate` as an answer with the given query text and
/// columns (one per argument), sorted like any answer.
pub fn relation_answer(
    database: &Database,
    predicate: PredId,
    query: String,
    columns: Vec<String>,
) -> Answer {
    let rows = database.relation(predicate).to_tuples();
    sorted_answer(query, columns, rows, &database.store)
}

/// Decodes `rows` and sorts them by `Store::compare`, column by column.
fn sorted_answer(
    query: String,
    columns: Vec<String>,
    mut rows: Vec<Tuple>,
    store: &Store,
) -> Answer {
    rows.sort_by(|a, b| {
        a.iter()
            .zip(b.iter())
            .map(|(x, y)| store.compare(*x, *y))
            .find(|ordering| ordering.is_ne())
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    Answer {
        query,
        columns,
        rows: rows
            .iter()
            .map(|row| row.iter().map(|&value| store.unpack(value)).collect())
            .collect(),
    }
}
