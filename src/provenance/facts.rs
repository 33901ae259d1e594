//! Base facts as explanations show them: where fact-table rows were stated
//! (the line of a file, or of an imported data file), and how a tuple of a
//! hidden citation relation reads (`p(a, b) @ "002_…": "quote"`).
//!
//! Owns nothing of the search; `search` and `why_not` call it to name what
//! they found. Reads the checked program and the sources, never the model.

use super::Location;
use crate::analysis::ir::{PredId, Program};
use crate::span::SourceMap;
use crate::table::RowLocation;
use crate::value::{Value, fact_text, write_quoted};

/// Most places listed for one fact found in fact tables.
const MAX_ROW_LOCATIONS: usize = 10;

/// A fact in Datalog syntax; a tuple of a citation relation as the cited
/// fact followed by its citation: `mediates(qatar, t) @ "002_…": "…"`.
pub(super) fn fact_label(program: &Program, predicate: PredId, values: &[Value]) -> String {
    let relation = program.predicate(predicate);
    match relation.citations_of {
        Some(of) if values.len() >= 2 => {
            let (fact, citation) = values.split_at(values.len() - 2);
            let mut text = fact_text(&program.predicate(of).name, fact);
            text.push_str(" @ ");
            push_value(&mut text, &citation[0]);
            text.push_str(": ");
            push_value(&mut text, &citation[1]);
            text
        }
        _ => fact_text(&relation.name, values),
    }
}

/// The predicate a fact is of, as people name it: `p` for `p@`.
pub(super) fn predicate_label(program: &Program, predicate: PredId) -> String {
    let relation = program.predicate(predicate);
    match relation.citations_of {
        Some(of) => program.predicate(of).name.clone(),
        None => relation.name.clone(),
    }
}

fn push_value(text: &mut String, value: &Value) {
    match value {
        Value::String(string) => {
            let _ = write_quoted(text, string);
        }
        other => text.push_str(&other.to_string()),
    }
}

/// Every fact-table row stating `values` as a fact of `predicate` (at most
/// [`MAX_ROW_LOCATIONS`]): the file and line of each.
pub(super) fn row_locations(
    program: &Program,
    sources: &SourceMap,
    predicate: PredId,
    values: &[Value],
) -> Vec<Location> {
    let mut locations = Vec::new();
    for rows in program
        .fact_rows
        .iter()
        .filter(|rows| rows.predicate == predicate)
    {
        for row in rows.rows.clone() {
            if locations.len() == MAX_ROW_LOCATIONS {
                return locations;
            }
            if !rows.table.row_equals(row, values) {
                continue;
            }
            let location = match rows.table.location(row) {
                Some(RowLocation::Span(span)) => {
                    let (line, _) = sources.line_column(span.source, span.start);
                    Location {
                        file: sources.name(span.source).to_string(),
                        line,
                        span,
                    }
                }
                Some(RowLocation::Line { file, line }) => Location {
                    file: file.to_string(),
                    line: line as usize,
                    span: rows.span,
                },
                None => continue,
            };
            locations.push(location);
        }
    }
    // On one process of a cluster, a table may hold only its share of a
    // file: a row another process read is named by its file alone (line 0).
    if locations.is_empty()
        && let Some(rows) = program
            .fact_rows
            .iter()
            .find(|rows| rows.predicate == predicate && rows.table.share().is_some())
        && let Some(file) = rows.table.file()
    {
        locations.push(Location {
            file: file.to_string(),
            line: 0,
            span: rows.span,
        });
    }
    locations
}

/// True when `predicate` has rows in fact tables.
pub(super) fn has_rows(program: &Program, predicate: PredId) -> bool {
    program.fact_rows.iter().any(|rows| {
        rows.predicate == predicate && (!rows.rows.is_empty() || rows.table.share().is_some())
    })
}
