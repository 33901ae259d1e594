//! `:schema`, `:facts`, `:rules`, `:articles`, `:article` and `:export`:
//! looking at what the session holds.
//!
//! Owns how a predicate is named in a command (`name` or `name/arity`, with
//! a suggestion when it is misspelt), the search of `:schema WORD` (names,
//! argument names and descriptions), and the column names `:facts` shows.

use super::inputs::nothing_loaded;
use super::reply::{Event, Reply};
use crate::analysis::ir::{PredId, Program};
use crate::diagnostic::{Code, Diagnostic};
use crate::present::{article as article_text, plural, schema};
use crate::session::Session;
use crate::text;
use std::time::Instant;

/// `:facts PREDICATE`: every tuple, given or derived, as an answer.
pub(super) fn facts(session: &Session, spec: &str) -> Reply {
    let Some(program) = session.program() else {
        return nothing_loaded();
    };
    let predicate_id = match find_predicate(program, spec) {
        Ok(predicate_id) => predicate_id,
        Err(diagnostic) => return Reply::diagnostic(*diagnostic),
    };
    let started = Instant::now();
    let columns = column_names(program, predicate_id);
    match session.relation(predicate_id, columns) {
        Some(answer) => Reply::of(Event::Answers {
            answers: vec![answer],
            elapsed: Some(started.elapsed()),
            all_rows: false,
        }),
        None => nothing_loaded(),
    }
}

/// `:articles`: every article citations may quote.
pub(super) fn articles(session: &Session) -> Reply {
    Reply::info(article_text::render_article_list(
        session.articles_cited().into_iter(),
    ))
}

/// `:article ID`: the text with every cited passage marked.
pub(super) fn article(session: &Session, reference: &str, color: bool) -> Reply {
    let reference = reference.trim().trim_matches('"');
    match session.article_citations(reference) {
        Ok((article, cited)) => Reply::info(article_text::render_article(article, &cited, color)),
        Err(rejected) => Reply::diagnostics(rejected.diagnostics),
    }
}

/// `:export PREDICATE FILE`: the relation written atomically.
pub(super) fn export(session: &Session, predicate: &str, path: &std::path::Path) -> Reply {
    let predicate = predicate.split('/').next().unwrap_or(predicate);
    match session.export(predicate, path) {
        Ok(exported) => Reply::info(format!(
            "wrote {} to {}",
            plural(exported.n_rows, "row", "rows"),
            exported.path.display()
        )),
        Err(rejected) => Reply::diagnostics(rejected.diagnostics),
    }
}

/// `:schema`, `:schema PREDICATE` and `:schema WORD`.
pub(super) fn show_schema(session: &Session, spec: Option<&str>) -> Reply {
    let Some(program) = session.program() else {
        return nothing_loaded();
    };
    let tuples: Option<Vec<usize>> = session.database().map(|database| {
        (0..program.predicates.len())
            .map(|index| database.relation(PredId(index as u32)).len())
            .collect()
    });
    let options = schema::SchemaOptions {
        sources: Some(session.sources()),
        tuples: tuples.as_deref(),
        describe: false,
    };
    let Some(spec) = spec else {
        let all: Vec<PredId> = (0..program.predicates.len() as u32).map(PredId).collect();
        let mut text = schema::render_schema(program, &all, &options);
        text.push_str(SCHEMA_FOOTER);
        return Reply::info(text);
    };
    let spec = spec.trim().trim_end_matches('.');
    let describe = schema::SchemaOptions {
        describe: true,
        ..options
    };
    // An exact name (or name/arity) describes that predicate.
    if spec.contains('/') || program.predicate_id(spec).is_some() {
        let predicate_id = match find_predicate(program, spec) {
            Ok(predicate_id) => predicate_id,
            Err(diagnostic) => return Reply::diagnostic(*diagnostic),
        };
        let predicate = program.predicate(predicate_id);
        let mut text = schema::render_schema(program, &[predicate_id], &describe);
        if predicate.doc.is_none() {
            text.push_str(&format!(
                "{}/{} is not documented (a `%%` comment before its first clause documents it)\n",
                predicate.name, predicate.arity
            ));
        }
        return Reply::info(text);
    }
    let found = search(program, spec);
    if found.is_empty() {
        let names = program
            .predicates
            .iter()
            .filter(|predicate| predicate.defined)
            .map(|predicate| predicate.name.as_str());
        let mut diagnostic = Diagnostic::error_without_span(
            Code::E604,
            format!("no predicate, argument or description mentions `{spec}`"),
        );
        diagnostic = match text::closest(spec, names) {
            Some(close) => diagnostic.with_note(format!("help: did you mean `{close}`?")),
            None => diagnostic.with_note("help: `:schema` lists every predicate"),
        };
        return Reply::diagnostic(diagnostic);
    }
    let mut text = format!(
        "{} mentioning `{spec}`:\n",
        plural(found.len(), "predicate", "predicates")
    );
    text.push_str(&schema::render_schema(program, &found, &describe));
    Reply::info(text)
}

const SCHEMA_FOOTER: &str = "`:schema NAME` describes one; `:schema WORD` finds predicates by name, argument or description\n";

/// The defined predicates whose name, argument names or description
/// contain `word` (ignoring case): those found by name first.
fn search(program: &Program, word: &str) -> Vec<PredId> {
    let word = word.to_lowercase();
    let mut by_name = Vec::new();
    let mut by_doc = Vec::new();
    for (index, predicate) in program.predicates.iter().enumerate() {
        if !predicate.defined {
            continue;
        }
        let predicate_id = PredId(index as u32);
        if predicate.name.to_lowercase().contains(&word) {
            by_name.push(predicate_id);
        } else if let Some(doc) = &predicate.doc {
            let documented = std::iter::once(&doc.signature)
                .chain(&doc.description)
                .any(|line| line.to_lowercase().contains(&word));
            if documented {
                by_doc.push(predicate_id);
            }
        }
    }
    by_name.extend(by_doc);
    by_name
}

pub(super) fn show_rules(session: &Session, spec: Option<&str>) -> Reply {
    let Some(program) = session.program() else {
        return nothing_loaded();
    };
    let only = match spec.map(|spec| find_predicate(program, spec)).transpose() {
        Ok(only) => only,
        Err(diagnostic) => return Reply::diagnostic(*diagnostic),
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

/// Finds `name` or `name/arity`; the error (E604) suggests a close name.
fn find_predicate(program: &Program, spec: &str) -> Result<PredId, Box<Diagnostic>> {
    let spec = spec.trim().trim_end_matches('.');
    let (name, arity) = match spec.split_once('/') {
        Some((name, arity)) => (name.trim(), arity.trim().parse::<usize>().ok()),
        None => (spec, None),
    };
    if let Some(predicate_id) = program.predicate_id(name) {
        let predicate = program.predicate(predicate_id);
        return match arity {
            Some(arity) if arity != predicate.arity => {
                Err(Box::new(Diagnostic::error_without_span(
                    Code::E604,
                    format!(
                        "`{name}` has {} not {arity}",
                        plural(predicate.arity, "argument", "arguments")
                    ),
                )))
            }
            _ => Ok(predicate_id),
        };
    }
    let names = program
        .predicates
        .iter()
        .map(|predicate| predicate.name.as_str());
    Err(Box::new(Diagnostic::error_without_span(
        Code::E604,
        match text::closest(name, names) {
            Some(close) => format!("no predicate `{name}`; did you mean `{close}`?"),
            None => format!("no predicate `{name}`; `:schema` lists them"),
        },
    )))
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
