//! The nom parser: text to `ast::Program`, collecting every syntax error.

use super::ast;
use super::span::SourceId;
use super::span::Span;
use crate::diagnostic::Diagnostic;

/// A syntax error: what was expected and what was found.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum SyntaxError {
    /// Placeholder until the parser lands.
    #[error("expected {expected}, found {found}")]
    Unexpected {
        /// What the grammar allowed here.
        expected: String,
        /// What is actually there.
        found: String,
        /// Where.
        span: Span,
    },
}

impl SyntaxError {
    /// Where the error is.
    pub fn span(&self) -> Span {
        match self {
            SyntaxError::Unexpected { span, .. } => *span,
        }
    }

    /// The error as a diagnostic.
    pub fn to_diagnostic(&self) -> Diagnostic {
        Diagnostic::error("E101", self.to_string(), self.span())
    }
}

/// Parses one text; returns the items it could read and every error found.
pub fn parse_program(source: SourceId, text: &str) -> (ast::Program, Vec<SyntaxError>) {
    let _ = (source, text);
    (ast::Program { items: Vec::new() }, Vec::new())
}
