//! The second engine: the same checked plan evaluated on differential
//! dataflow (timely), with many worker threads, and kept up to date as
//! facts are added and retracted.
//!
//! Sits beside `eval/`, below `plan/`: reads `plan::ProgramPlan` and
//! `analysis::ir` exactly as the datafrog engine does, never sees syntax or
//! a `Span`, and computes with the datafrog engine's value semantics
//! (`eval::value::Store`), so both engines give the same answers and the
//! same errors. The pipeline: `blueprint` compiles the plan once;
//! `program` renders it in each worker (an operator a file: `scan`, `join`,
//! `antijoin`, `aggregate`, `check`, `lattice`, `recursion`); `run` evaluates once,
//! `live` keeps a model up to date; `model` hands the result back as the
//! datafrog engine's `Database` and `Answer`s.

mod aggregate;
mod antijoin;
pub mod blueprint;
mod check;
mod connect;
pub mod datum;
pub mod expr;
pub mod fault;
mod join;
mod lattice;
pub mod live;
pub mod model;
mod pipeline;
mod program;
mod recursion;
mod render;
mod run;
mod scan;

pub use live::{FactChange, LiveModel, fact_changes};
pub use model::{Changes, Model};
pub use run::{Cluster, DataflowOptions, Evaluation, evaluate};
