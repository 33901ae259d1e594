//! Evaluation: the datafrog fixpoint over a planned program, and query answers.
//!
//! Never sees a `Span`: errors carry `RuleId`s and are mapped back to source
//! by the caller.

/// A decoded value as users see it: integer, date, symbol or string.
pub use crate::syntax::ast::ConstantValue as Value;

pub mod value;

/// The answers to one query, rows sorted and distinct.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Answer {
    /// The query as written, e.g. `?- mediates(M, T).`
    pub query: String,
    /// The shown variables, in order of first appearance; empty for a yes/no query.
    pub columns: Vec<String>,
    /// One row per distinct binding; for a yes/no query one empty row means yes, none means no.
    pub rows: Vec<Vec<Value>>,
}

mod aggregate;
pub mod database;
pub mod fixpoint;
mod incremental;
pub mod operators;
mod pipeline;
pub mod tuple;
