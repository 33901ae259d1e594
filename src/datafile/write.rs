//! Rows written as data files: CSV, TSV or JSON Lines, as `#import` reads them.
//!
//! Owns the writing side of the formats: CSV quotes a cell only
//! when it must (a comma, a quote, a line break; an empty row's one cell),
//! doubling inner quotes, as RFC 4180 says; TSV has no quoting, so a value
//! holding a tab or a line break cannot be written and is an error rather
//! than a silently different file; JSON Lines writes one array per row,
//! integers as numbers and every other value as a string. No header row.
//! Values are written as their plain text ([`Value::text`]), so an import of
//! the file with the relation's column types gives the same relation back.
//! Writes to whatever it is given; opening, renaming and choosing the file
//! are the caller's.

use super::DataFormat;
use crate::value::Value;
use std::io::Write;

/// Why rows could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The writer failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// A value TSV cannot hold.
    #[error(
        "row {row}: the value {value} holds a tab or a line break, which TSV cannot write; export to `.csv` or `.jsonl` instead"
    )]
    TsvValue {
        /// The row (1-based).
        row: usize,
        /// The value, in Datalog syntax.
        value: String,
    },
}

/// Writes `rows` to `out` in `format`.
pub fn write_rows<'r>(
    format: DataFormat,
    rows: impl IntoIterator<Item = &'r [Value]>,
    out: impl Write,
) -> Result<(), ExportError> {
    match format {
        DataFormat::Csv => write_csv(rows, out),
        DataFormat::Tsv => write_tsv(rows, out),
        DataFormat::JsonLines => write_json_lines(rows, out),
    }
}

fn write_csv<'r>(
    rows: impl IntoIterator<Item = &'r [Value]>,
    out: impl Write,
) -> Result<(), ExportError> {
    let mut writer = csv::WriterBuilder::new()
        .has_headers(false)
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(out);
    for row in rows {
        for value in row {
            writer.write_field(value.text()).map_err(csv_error)?;
        }
        writer.write_record(None::<&[u8]>).map_err(csv_error)?;
    }
    writer.flush()?;
    Ok(())
}

fn csv_error(error: csv::Error) -> ExportError {
    match error.into_kind() {
        csv::ErrorKind::Io(error) => ExportError::Io(error),
        other => ExportError::Io(std::io::Error::other(format!("{other:?}"))),
    }
}

fn write_tsv<'r>(
    rows: impl IntoIterator<Item = &'r [Value]>,
    mut out: impl Write,
) -> Result<(), ExportError> {
    for (index, row) in rows.into_iter().enumerate() {
        for (column, value) in row.iter().enumerate() {
            let text = value.text();
            if text.contains(['\t', '\n', '\r']) {
                return Err(ExportError::TsvValue {
                    row: index + 1,
                    value: value.to_string(),
                });
            }
            if column > 0 {
                out.write_all(b"\t")?;
            }
            out.write_all(text.as_bytes())?;
        }
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(())
}

fn write_json_lines<'r>(
    rows: impl IntoIterator<Item = &'r [Value]>,
    mut out: impl Write,
) -> Result<(), ExportError> {
    for row in rows {
        serde_json::to_writer(&mut out, row).map_err(std::io::Error::from)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Date;

    fn rows() -> Vec<Vec<Value>> {
        vec![
            vec![
                Value::Symbol("qatar".into()),
                Value::String("Doha, \"Qatar\"\nnext".into()),
                Value::Integer(-3),
                Value::Date(Date::new(2025, 10, 19).expect("date")),
            ],
            vec![
                Value::Symbol("t".into()),
                Value::String(String::new()),
                Value::Integer(0),
                Value::Date(Date::new(2025, 1, 1).expect("date")),
            ],
        ]
    }

    fn written(format: DataFormat, rows: &[Vec<Value>]) -> Result<String, String> {
        let mut out = Vec::new();
        write_rows(format, rows.iter().map(Vec::as_slice), &mut out).map_err(|e| e.to_string())?;
        Ok(String::from_utf8_lossy(&out).into_owned())
    }

    #[test]
    fn each_format_writes_what_import_reads() {
        assert_eq!(
            written(DataFormat::Csv, &rows()).as_deref(),
            Ok("qatar,\"Doha, \"\"Qatar\"\"\nnext\",-3,2025-10-19\nt,,0,2025-01-01\n")
        );
        assert_eq!(
            written(DataFormat::JsonLines, &rows()).as_deref(),
            Ok(
                "[\"qatar\",\"Doha, \\\"Qatar\\\"\\nnext\",-3,\"2025-10-19\"]\n[\"t\",\"\",0,\"2025-01-01\"]\n"
            )
        );
        assert_eq!(
            written(DataFormat::Tsv, &rows()[1..]).as_deref(),
            Ok("t\t\t0\t2025-01-01\n")
        );
        assert_eq!(
            written(DataFormat::Tsv, &rows()),
            Err("row 1: the value \"Doha, \\\"Qatar\\\"\\nnext\" holds a tab or a line break, which TSV cannot write; export to `.csv` or `.jsonl` instead".to_string())
        );
        assert_eq!(
            written(DataFormat::Csv, &[vec![Value::String(String::new())]]).as_deref(),
            Ok("\"\"\n"),
            "a row of one empty cell is not an empty line"
        );
    }
}
