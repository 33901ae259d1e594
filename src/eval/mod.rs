//! Evaluation on datafrog: a planned program to its minimal model, and
//! questions asked of that model.
//!
//! This file is the whole public face of the engine; every submodule is
//! private. An engine reads the checked program (`analysis::ir`) and its
//! plan (`plan::ProgramPlan`) and produces a [`Database`]: the relations of
//! the minimal model as sorted tuples of [`Packed`] values, their
//! [`Store`], and (when asked for) the round each tuple appeared in.
//! Answers, explanations and every layer above read the model through the
//! `Database` API only, which names no datafrog type, so a second engine
//! that produces the same `Database` from the same plan can sit beside this
//! one (see ARCHITECTURE.md, "Engines").
//!
//! Inside, with no cycle: `store`, `tuple` (values and rows) → `bulk` (fact
//! tables packed into tuples), `database`,
//! `context` (limits, options, errors), `expr` (compiled expressions),
//! `operators` (filtered datafrog join and map) → `aggregate` → `pipeline`
//! (a planned conjunction wired to datafrog) → `fixpoint`, `query` →
//! `incremental`.
//!
//! **Architecture Invariant:** eval never sees a `Span`. Errors carry an
//! [`Origin`] (rule or query) and a body literal index; the session maps
//! them back to source.

mod aggregate;
mod bulk;
mod context;
mod database;
mod expr;
mod fixpoint;
mod incremental;
mod operators;
mod pipeline;
mod query;
mod store;
mod tuple;

pub use context::{EvalError, EvalOptions, Limits, Origin};
pub use database::Database;
pub use expr::CompiledExpr;
pub use fixpoint::evaluate;
pub use incremental::{Addition, StrataReport, evaluate_incremental};
pub use query::{Scratch, answer_query, evaluate_conjunction, relation_answer};
pub use store::{Packed, Store, ValueError, ValueType};
pub use tuple::Tuple;
