//! `:schema`, `:facts` and `:rules`: looking at what the session holds.
//!
//! Owns how a predicate is named in a command (`name` or `name/arity`, with
//! a suggestion when it is misspelt) and the column names `:facts` shows.

use super::reply::{Event, Reply};
use crate::analysis::ir::{PredId, Program};
use crate::present::{plural, schema};
use crate::session::Session;
use crate::text;
use std::time::Instant;

/// `:facts PREDICATE`: every tuple, given or derived, as an answer.
pub(super) fn facts(session: &Session, spec: &str) -> Reply {
    let Some(program) = session.program() else {
        return Reply::error("nothing is loaded yet");
    };
    let predicate_id = match find_predicate(program, spec) {
        Ok(predicate_id) => predicate_id,
        Err(message) => return Reply::error(message),
    };
    let started = Instant::now();
    let columns = column_names(program, predicate_id);
    match session.relation(predicate_id, columns) {
        Some(answer) => Reply::of(Event::Answers {
            answers: vec![answer],
            elapsed: Some(started.elapsed()),
            all_rows: false,
        }),
        None => Reply::error("nothing is loaded yet"),
    }
}

pub(super) fn show_schema(session: &Session, spec: Option<&str>) -> Reply {
    let Some(program) = session.program() else {
        return Reply::error("nothing is loaded yet");
    };
    let Some(spec) = spec else {
        return Reply::info(schema::render_schema(program, None));
    };
    let predicate_id = match find_predicate(program, spec) {
        Ok(predicate_id) => predicate_id,
        Err(message) => return Reply::error(message),
    };
    let predicate = program.predicate(predicate_id);
    let text = schema::render_schema(program, Some(&predicate.name));
    if predicate.doc.is_some() {
        Reply::info(text)
    } else {
        Reply::info(format!(
            "{}/{} is not documented (a `%%` comment before its first clause documents it)\n",
            predicate.name, predicate.arity
        ))
    }
}

pub(super) fn show_rules(session: &Session, spec: Option<&str>) -> Reply {
    let Some(program) = session.program() else {
        return Reply::error("nothing is loaded yet");
    };
    let only = match spec.map(|spec| find_predicate(program, spec)).transpose() {
        Ok(only) => only,
        Err(message) => return Reply::error(message),
    };
    let sources = session.sources();
    let mut text = String::new();
    for rule in &program.rules {
        if only.is_some_and(|predicate_id| rule.head.predicate != predicate_id) {
            continue;
        }
        let (line, _) = sources.line_column(rule.span.source, rule.span.start);
        text.push_str(&format!(
            "% {}:{line}\n{}\n",
            sources.name(rule.span.source),
            sources.snippet(rule.span)
        ));
    }
    if text.is_empty() {
        return Reply::info(match only {
            Some(predicate_id) => {
                let name = &program.predicate(predicate_id).name;
                let n_facts = program
                    .facts
                    .iter()
                    .filter(|fact| fact.predicate == predicate_id)
                    .count();
                format!(
                    "`{name}` has no rules, only {} (`:facts {name}` shows them)\n",
                    plural(n_facts, "fact", "facts")
                )
            }
            None => "no rules yet\n".to_string(),
        });
    }
    Reply::info(text)
}

/// Finds `name` or `name/arity`; the error suggests a close name.
fn find_predicate(program: &Program, spec: &str) -> Result<PredId, String> {
    let spec = spec.trim().trim_end_matches('.');
    let (name, arity) = match spec.split_once('/') {
        Some((name, arity)) => (name.trim(), arity.trim().parse::<usize>().ok()),
        None => (spec, None),
    };
    if let Some(predicate_id) = program.predicate_id(name) {
        let predicate = program.predicate(predicate_id);
        return match arity {
            Some(arity) if arity != predicate.arity => Err(format!(
                "error: `{name}` has {} not {arity}",
                plural(predicate.arity, "argument", "arguments")
            )),
            _ => Ok(predicate_id),
        };
    }
    let names = program
        .predicates
        .iter()
        .map(|predicate| predicate.name.as_str());
    Err(match text::closest(name, names) {
        Some(close) => format!("error: no predicate `{name}`; did you mean `{close}`?"),
        None => format!("error: no predicate `{name}`; `:schema` lists them"),
    })
}

/// Column names for `:facts`: the documented argument names when they are
/// distinct variable names, otherwise `A1`, `A2`, ...
fn column_names(program: &Program, predicate_id: PredId) -> Vec<String> {
    let predicate = program.predicate(predicate_id);
    let numbered = || (1..=predicate.arity).map(|n| format!("A{n}")).collect();
    let Some(doc) = &predicate.doc else {
        return numbered();
    };
    let names: Vec<String> = doc
        .arguments
        .iter()
        .map(|argument| argument.name.clone())
        .collect();
    let valid = names.len() == predicate.arity
        && names.iter().all(|name| {
            name.starts_with(|c: char| c.is_ascii_uppercase())
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
        && names
            .iter()
            .enumerate()
            .all(|(index, name)| !names[..index].contains(name));
    if valid { names } else { numbered() }
}
