//! Syntax: the surface tree, the parser, the printer and the lexicon.
//!
//! This layer imports nothing else from the crate but the layers below it
//! (`span`, `value`, `diagnostic`, to turn its errors into diagnostics): it
//! knows what is written, never what it means.

pub mod ast;
pub mod lexer;
pub mod parser;
pub mod print;

pub use parser::{ForeignForm, ParseOptions, SyntaxError, parse_program, parse_program_with};
