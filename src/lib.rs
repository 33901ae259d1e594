//! wirelog: a Datalog reasoning engine for the news.
#![warn(missing_docs)]

pub mod analysis;
pub mod diagnostic;
pub mod eval;
pub mod plan;
pub mod present;
pub mod session;
pub mod syntax;
