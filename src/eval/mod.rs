//! Evaluation: a planned program to its minimal model, semi-naively over
//! narrow indexed relations, and questions asked of that model.
//!
//! This file is the whole public face of the engine; every submodule is
//! private. An engine reads the checked program (`analysis::ir`) and its
//! plan (`plan::ProgramPlan`) and produces a [`Database`]: the relations of
//! the minimal model as sorted [`Relation`]s of [`Packed`] values, their
//! [`Store`], and (when asked for) the round each tuple appeared in.
//! Answers, explanations and every layer above read the model through the
//! `Database` API only, so a second engine that produces the same
//! `Database` from the same plan can sit beside this one (see
//! ARCHITECTURE.md, "Engines"). Facts can be loaded into a `Database` in
//! bulk as rows ([`RelationBuilder`], [`Database::extend_relation`]).
//!
//! Inside, with no cycle: `store`, `tuple` (values and rows) → `storage`
//! (narrow rows, growing relations, indexes) → `database`, `context`
//! (limits, options, errors), `expr` (compiled expressions) → `aggregate` →
//! `join` (a planned conjunction as nested loops over indexes) →
//! `fixpoint`, `query` → `incremental`.
//!
//! **Architecture Invariant:** eval never sees a `Span`. Errors carry an
//! [`Origin`] (rule or query) and a body literal index; the session maps
//! them back to source.

mod aggregate;
mod context;
mod database;
mod demand;
mod expr;
mod fixpoint;
mod incremental;
mod join;
mod query;
mod storage;
mod store;
mod tuple;

pub use context::{EvalError, EvalOptions, Limits, Origin};
pub use database::Database;
pub use expr::CompiledExpr;
pub use fixpoint::{evaluate, evaluate_loaded};
pub use incremental::{Addition, StrataReport, evaluate_incremental};
pub use query::{Scratch, answer_query, evaluate_conjunction, relation_answer};
pub use storage::{Relation, RelationBuilder};
pub use store::{Packed, Store, ValueError, ValueType};
pub use tuple::Tuple;
