//! Syntax: source texts, spans, the surface tree and the parser.
//!
//! This layer imports nothing else from the crate except `diagnostic` (for
//! turning its errors into diagnostics): it knows what is written, never what it means.

pub mod ast;
pub mod parser;
pub mod print;
pub mod span;

pub use parser::{SyntaxError, parse_program};
