//! JSON Lines rows: one JSON array per line, its elements the cells.
//!
//! A line is parsed by `serde_json` straight into the table: a visitor
//! takes each element and pushes it as its column's type, with no
//! `serde_json::Value` in between. An `int` cell is a JSON integer; `date`,
//! `symbol` and `string` cells are JSON strings. Blank lines are skipped.

use super::cells::{CellError, push_text_cell};
use super::locate::json_element_position;
use super::{ImportError, ImportProblem, ImportSpec, unreadable};
use crate::table::{ColumnType, FactTable};
use serde::de::{DeserializeSeed, IgnoredAny, SeqAccess, Visitor};
use std::borrow::Cow;
use std::fmt;
use std::io::BufRead;

/// Reads a JSON Lines file.
pub(super) fn read(spec: &ImportSpec<'_>) -> Result<FactTable, ImportError> {
    let file = std::fs::File::open(spec.path).map_err(|error| unreadable(spec, &error))?;
    let mut reader = std::io::BufReader::with_capacity(1 << 16, file);
    let mut table =
        FactTable::in_file(spec.predicate, spec.columns.len(), spec.shown_name).keeping(spec.share);
    let mut line = Vec::new();
    let mut line_number = 0u64;
    let mut skip_header = spec.header;
    loop {
        line.clear();
        let read = reader
            .read_until(b'\n', &mut line)
            .map_err(|error| unreadable(spec, &error))?;
        if read == 0 {
            break;
        }
        line_number += 1;
        let mut content = line.as_slice();
        if line_number == 1 {
            content = content.strip_prefix(b"\xef\xbb\xbf").unwrap_or(content);
        }
        if content.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        if skip_header {
            skip_header = false;
            continue;
        }
        read_line(&mut table, spec.columns, content).map_err(|(problem, message, column)| {
            table.abandon_row();
            ImportError {
                problem,
                message,
                line: Some(line_number),
                column,
            }
        })?;
        table.finish_row(u32::try_from(line_number).unwrap_or(u32::MAX));
    }
    Ok(table)
}

type LineError = (ImportProblem, String, Option<u64>);

/// Parses one line into the row being built.
fn read_line(
    table: &mut FactTable,
    columns: &[ColumnType],
    content: &[u8],
) -> Result<(), LineError> {
    let mut problem: Option<(usize, CellError)> = None;
    let mut deserializer = serde_json::Deserializer::from_slice(content);
    let seed = RowSeed {
        table,
        columns,
        problem: &mut problem,
    };
    let result = seed
        .deserialize(&mut deserializer)
        .and_then(|n_cells| deserializer.end().map(|()| n_cells));
    if let Some((cell, error)) = problem {
        return Err((
            error.problem,
            format!("cell {}: {}", cell + 1, error.message),
            Some(json_element_position(content, cell)),
        ));
    }
    match result {
        Ok(n_cells) if n_cells == columns.len() => Ok(()),
        Ok(n_cells) => Err((
            ImportProblem::CellCount,
            format!(
                "expected {} {}, found {n_cells}",
                columns.len(),
                if columns.len() == 1 { "cell" } else { "cells" }
            ),
            Some(json_element_position(content, n_cells.min(columns.len()))),
        )),
        Err(error) => {
            let column = u64::try_from(error.column())
                .ok()
                .filter(|column| *column > 0);
            let not_an_array = error.is_data() || content.trim_ascii_start().first() != Some(&b'[');
            let (message, column) = if not_an_array {
                // Where the line's value starts.
                let start = content.len() - content.trim_ascii_start().len();
                (
                    "expected one JSON array per line, such as `[\"qatar\", 3]`".to_string(),
                    Some(start as u64 + 1),
                )
            } else {
                (
                    format!("not valid JSON: {}", strip_position(&error.to_string())),
                    column,
                )
            };
            Err((ImportProblem::Malformed, message, column))
        }
    }
}

/// serde_json's message without its " at line 1 column 7" (the caller says where).
fn strip_position(message: &str) -> &str {
    message
        .rfind(" at line ")
        .map_or(message, |index| &message[..index])
}

/// Deserializes one line's array into the table; gives the number of cells.
struct RowSeed<'r> {
    table: &'r mut FactTable,
    columns: &'r [ColumnType],
    problem: &'r mut Option<(usize, CellError)>,
}

impl<'de> DeserializeSeed<'de> for RowSeed<'_> {
    type Value = usize;

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<usize, D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for RowSeed<'_> {
    type Value = usize;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a JSON array of cells")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut sequence: A) -> Result<usize, A::Error> {
        let mut n_cells = 0;
        loop {
            let column = self.columns.get(n_cells).copied();
            let cell = match column {
                Some(_) if self.problem.is_none() => sequence.next_element::<JsonCell<'de>>()?,
                _ => sequence
                    .next_element::<IgnoredAny>()?
                    .map(|_| JsonCell::Other("")),
            };
            let Some(cell) = cell else {
                return Ok(n_cells);
            };
            if let (Some(column), None) = (column, &self.problem) {
                let pushed = match cell {
                    JsonCell::Integer(value) if column == ColumnType::Int => {
                        self.table.push_int(value);
                        Ok(())
                    }
                    JsonCell::Text(text) => push_text_cell(self.table, column, &text),
                    JsonCell::Integer(value) => {
                        Err(type_error(column, &format!("the number {value}")))
                    }
                    JsonCell::Other(kind) => Err(type_error(column, kind)),
                };
                if let Err(error) = pushed {
                    *self.problem = Some((n_cells, error));
                }
            }
            n_cells += 1;
        }
    }
}

/// "expected an int, found a JSON true".
fn type_error(column: ColumnType, found: &str) -> CellError {
    let expected = match column {
        ColumnType::Int => "an int (a JSON integer)",
        ColumnType::Date => "a date (a JSON string \"YYYY-MM-DD\")",
        ColumnType::Symbol => "a symbol (a JSON string such as \"qatar\")",
        ColumnType::String => "a string (a JSON string)",
    };
    CellError {
        problem: ImportProblem::CellType,
        message: format!("expected {expected}, found {found}"),
    }
}

/// One element of a line's array, as far as cells care.
enum JsonCell<'de> {
    Integer(i64),
    Text(Cow<'de, str>),
    /// Anything else, described for the message.
    Other(&'static str),
}

impl<'de> serde::Deserialize<'de> for JsonCell<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(CellVisitor)
    }
}

struct CellVisitor;

impl<'de> Visitor<'de> for CellVisitor {
    type Value = JsonCell<'de>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a cell")
    }

    fn visit_i64<E>(self, value: i64) -> Result<JsonCell<'de>, E> {
        Ok(JsonCell::Integer(value))
    }

    fn visit_u64<E>(self, value: u64) -> Result<JsonCell<'de>, E> {
        Ok(i64::try_from(value).map_or(
            JsonCell::Other("a number beyond 64 bits"),
            JsonCell::Integer,
        ))
    }

    fn visit_f64<E>(self, _: f64) -> Result<JsonCell<'de>, E> {
        Ok(JsonCell::Other("a number with a fraction or an exponent"))
    }

    fn visit_bool<E>(self, _: bool) -> Result<JsonCell<'de>, E> {
        Ok(JsonCell::Other("a JSON boolean"))
    }

    fn visit_unit<E>(self) -> Result<JsonCell<'de>, E> {
        Ok(JsonCell::Other("`null`"))
    }

    fn visit_borrowed_str<E>(self, value: &'de str) -> Result<JsonCell<'de>, E> {
        Ok(JsonCell::Text(Cow::Borrowed(value)))
    }

    fn visit_str<E>(self, value: &str) -> Result<JsonCell<'de>, E> {
        Ok(JsonCell::Text(Cow::Owned(value.to_string())))
    }

    fn visit_string<E>(self, value: String) -> Result<JsonCell<'de>, E> {
        Ok(JsonCell::Text(Cow::Owned(value)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut sequence: A) -> Result<JsonCell<'de>, A::Error> {
        while sequence.next_element::<IgnoredAny>()?.is_some() {}
        Ok(JsonCell::Other("a JSON array"))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(
        self,
        mut map: A,
    ) -> Result<JsonCell<'de>, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(JsonCell::Other("a JSON object"))
    }
}
