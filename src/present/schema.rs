//! Renders the documented predicates (`wirelog schema`, `:schema`).

use crate::analysis::ir::{Predicate, Program};
use std::fmt::Write as _;

/// Lists documented predicates, or only `only` when given, with their description lines indented;
/// undocumented predicates that are defined are listed after them by name and arity.
pub fn render_schema(program: &Program, only: Option<&str>) -> String {
    let mut out = String::new();
    let mut undocumented = Vec::new();
    let mut predicates: Vec<&Predicate> = program.predicates.iter().collect();
    predicates.sort_by(|a, b| a.name.cmp(&b.name));
    for predicate in predicates {
        if only.is_some_and(|name| name != predicate.name) {
            continue;
        }
        match &predicate.doc {
            Some(doc) => {
                let _ = writeln!(out, "{}", doc.signature);
                for line in &doc.description {
                    let _ = writeln!(out, "    {line}");
                }
            }
            None if predicate.defined => {
                undocumented.push(format!("{}/{}", predicate.name, predicate.arity))
            }
            None => {}
        }
    }
    if !undocumented.is_empty() {
        let _ = writeln!(out, "undocumented: {}", undocumented.join(", "));
    }
    out
}
