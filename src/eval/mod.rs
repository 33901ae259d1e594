//! Evaluation: a planned program to its minimal model, semi-naively over
//! narrow indexed relations, and questions asked of that model.
//!
//! This file is the whole public face of the engine; every submodule is
//! private. An engine reads the checked program (`analysis::ir`) and its
//! plan (`plan::ProgramPlan`) and produces a [`Database`]: the relations of
//! the minimal model as sorted [`Relation`]s of [`Packed`] values, their
//! [`Store`], and (when asked for) the round each tuple appeared in.
//! Answers, explanations and every layer above read the model through the
//! `Database` API only (it names no datafrog type), so a second engine that
//! produces the same `Database` from the same plan can sit beside this one
//! (see ARCHITECTURE.md, "Engines"; `dataflow` hands its model over with
//! [`Database::set_tuples`] and [`Database::record_rank`]).
//!
//! **Facts in bulk, without syntax trees** (an import, a fact file read
//! straight into the engine): make the model's database with
//! [`Database::for_program`], pack each value with its `store`
//! ([`Store::int`], [`Store::symbol`], [`Store::pack`]…), append rows of
//! packed values to a [`RelationBuilder`] per predicate (sorted and
//! deduplicated once, in [`RelationBuilder::finish`]), hand each to
//! [`Database::extend_relation`], then [`evaluate_loaded`] (which adds the
//! program's own facts and evaluates). `benches/ingest.rs` does exactly
//! this for the peer benchmark's TSV files.
//!
//! **On demand** ([`EvalOptions::demand`], used by `wirelog run`): queries
//! with constants are answered by the magic-sets transformation
//! (`plan::Demand`), and strata only they need are left out of the model;
//! [`Database::is_partial`] says which relations hold only what they asked.
//!
//! Inside, with no cycle: `store`, `tuple` (values and rows) → `storage`
//! (narrow rows, indexes, growing relations on datafrog) → `bulk` (fact
//! tables packed into relation builders), `database`,
//! `context` (limits, options, errors), `expr` (compiled expressions) →
//! `aggregate`, `lattice` (the best tuple per key of `min D` heads) →
//! `join` (a planned conjunction as nested loops over sorted runs and
//! indexes) → `fixpoint` → `demand`, `incremental` → `query`.
//!
//! **Architecture Invariant:** eval never sees a `Span`. Errors carry an
//! [`Origin`] (rule or query) and a body literal index; the session maps
//! them back to source.

mod aggregate;
mod bulk;
mod context;
mod database;
mod demand;
mod expr;
mod fixpoint;
mod incremental;
mod join;
mod lattice;
mod query;
mod storage;
mod store;
mod tuple;

pub use crate::limits::Limits;
pub use aggregate::Fold;
pub use context::{EvalError, EvalOptions, Origin};
pub use database::Database;
pub use expr::CompiledExpr;
pub use fixpoint::{evaluate, evaluate_loaded, load_fact_rows};
pub use incremental::{Addition, StrataReport, evaluate_incremental};
pub use lattice::lattice_better;
pub use query::{Scratch, answer_query, evaluate_conjunction, relation_answer};
pub use storage::{Relation, RelationBuilder};
pub use store::{Packed, Store, StoreMark, ValueError, ValueType};
pub use tuple::Tuple;
