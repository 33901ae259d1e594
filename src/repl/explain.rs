//! `:why`, `:why --dot FILE` and `:whynot`: explanations asked at the prompt.

use super::files::write_atomically;
use super::reply::{Event, Reply};
use crate::diagnostic::{Code, Diagnostic};
use crate::present::explain;
use crate::session::Session;
use std::path::Path;

/// `:why FACT`.
pub(super) fn why(session: &mut Session, fact: &str) -> Reply {
    match session.why(fact) {
        Ok(derivation) => Reply::of(Event::Derivation(Box::new(derivation))),
        Err(rejected) => Reply::diagnostics(rejected.diagnostics),
    }
}

/// `:whynot FACT`.
pub(super) fn why_not(session: &mut Session, fact: &str) -> Reply {
    match session.why_not(fact) {
        Ok(why_not) => Reply::of(Event::WhyNot(Box::new(why_not))),
        Err(rejected) => Reply::diagnostics(rejected.diagnostics),
    }
}

/// `:why --dot FILE FACT`: writes the derivation as a Graphviz graph.
pub(super) fn why_to_dot(session: &mut Session, argument: &str) -> Reply {
    let rest = argument
        .trim_start()
        .trim_start_matches("--dot")
        .trim_start();
    let (path, fact) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    if path.is_empty() || fact.trim().is_empty() {
        return Reply::diagnostic(
            Diagnostic::error_without_span(Code::E603, "`:why --dot` takes a file and a fact")
                .with_note("help: `:why --dot why.dot failed_mediated_talks(istanbul_talks)`"),
        );
    }
    match session.why(fact.trim()) {
        Ok(derivation) => {
            match write_atomically(Path::new(path), &explain::render_why_dot(&derivation)) {
                Ok(_) => Reply::info(format!(
                    "wrote the derivation of {} to {path} (view it with `dot -Tsvg {path} -o why.svg`)",
                    fact.trim().trim_end_matches('.')
                )),
                Err(error) => Reply::diagnostic(Diagnostic::error_without_span(
                    Code::E607,
                    format!("cannot write `{path}`: {error}"),
                )),
            }
        }
        Err(rejected) => Reply::diagnostics(rejected.diagnostics),
    }
}
