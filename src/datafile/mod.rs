//! Data files: rows of CSV, TSV and JSON Lines read into fact tables.
//!
//! Owns the formats `#import` reads and `#export` writes (`write`): which extension means which format, RFC 4180 CSV
//! (fields may be quoted with `"`, a quote inside doubled), plain TSV (tabs
//! between cells, no quoting at all), JSON Lines (one JSON array per line);
//! how a cell is read as its declared column type; and where a bad row is
//! (`file:line:column`). Reading is fast and allocation-free per row: the
//! `csv` crate reads each record into one reused `ByteRecord`, cells go
//! straight into a [`FactTable`], and no syntax tree or `Value` is made.
//!
//! A bad row stops the import: the caller gets the first problem in file
//! order and keeps nothing of the file. Imports `table` and `value` only.

mod cells;
mod csv_rows;
mod json_rows;
mod locate;
mod write;

pub use write::{ExportError, write_rows};

use crate::table::{ColumnType, FactTable, Share};
use std::path::Path;

/// The three formats, chosen by the file's extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DataFormat {
    /// `.csv`: comma-separated, RFC 4180 quoting.
    Csv,
    /// `.tsv`: tab-separated, no quoting.
    Tsv,
    /// `.jsonl`: one JSON array per line.
    JsonLines,
}

impl DataFormat {
    /// The format of a file named `path`, by its extension (any case).
    pub fn of_path(path: &Path) -> Option<DataFormat> {
        let extension = path.extension()?.to_str()?.to_ascii_lowercase();
        match extension.as_str() {
            "csv" => Some(DataFormat::Csv),
            "tsv" => Some(DataFormat::Tsv),
            "jsonl" => Some(DataFormat::JsonLines),
            _ => None,
        }
    }

    /// The extension, for messages.
    pub fn extension(self) -> &'static str {
        match self {
            DataFormat::Csv => "csv",
            DataFormat::Tsv => "tsv",
            DataFormat::JsonLines => "jsonl",
        }
    }
}

/// The extensions a data file may have, for messages.
pub const EXTENSIONS: &str = "`.csv`, `.tsv` or `.jsonl`";

/// What is wrong with a data file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImportProblem {
    /// The file cannot be opened or read.
    Unreadable,
    /// Its extension names no format.
    FormatUnknown,
    /// A row with more or fewer cells than the directive has columns.
    CellCount,
    /// A cell that is not of its column's type.
    CellType,
    /// Broken CSV quoting, or a JSON Lines line that is not one JSON array.
    Malformed,
    /// Bytes that are not UTF-8.
    Utf8,
}

/// The first problem found in a data file, and where it is.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ImportError {
    /// What kind of problem.
    pub problem: ImportProblem,
    /// What is wrong, e.g. "expected 2 cells, found 3".
    pub message: String,
    /// The line (1-based), when the problem is in a row.
    pub line: Option<u64>,
    /// The column (1-based, in characters), when it is known.
    pub column: Option<u64>,
}

impl ImportError {
    fn whole_file(problem: ImportProblem, message: impl Into<String>) -> ImportError {
        ImportError {
            problem,
            message: message.into(),
            line: None,
            column: None,
        }
    }
}

/// How to read one file.
#[derive(Clone, Debug)]
pub struct ImportSpec<'a> {
    /// The file to read.
    pub path: &'a Path,
    /// The name rows will report as their file (as the directive names it).
    pub shown_name: &'a str,
    /// The predicate the rows become facts of.
    pub predicate: &'a str,
    /// The type of each column.
    pub columns: &'a [ColumnType],
    /// Skip the first row.
    pub header: bool,
    /// Keep only this share of the rows (one process's, in a cluster);
    /// every row is still read and checked, so a bad row is reported the
    /// same by every process. `None` keeps every row.
    pub share: Option<Share>,
}

/// Reads every row of a data file into a table (only the rows of
/// `spec.share`, when it is set), or reports the first bad row.
pub fn import_file(spec: &ImportSpec<'_>) -> Result<FactTable, ImportError> {
    let Some(format) = DataFormat::of_path(spec.path) else {
        return Err(ImportError::whole_file(
            ImportProblem::FormatUnknown,
            format!(
                "cannot tell the format of `{}`: data files end in {EXTENSIONS}",
                spec.shown_name
            ),
        ));
    };
    let mut table = match format {
        DataFormat::Csv | DataFormat::Tsv => csv_rows::read(spec, format)?,
        DataFormat::JsonLines => json_rows::read(spec)?,
    };
    table.shrink_to_fit();
    Ok(table)
}

/// The message for an unreadable file.
fn unreadable(spec: &ImportSpec<'_>, error: &std::io::Error) -> ImportError {
    let reason = match error.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => error.to_string(),
    };
    ImportError::whole_file(
        ImportProblem::Unreadable,
        format!("cannot read `{}`: {reason}", spec.shown_name),
    )
}

#[cfg(test)]
mod tests;
