//! Presentation: turns answers and diagnostics into text for people and programs.
//!
//! Owns every output format: lists of answers ([`answers`], the one renderer
//! the REPL and `run` share), aligned tables ([`table`]), CSV ([`csv`]), JSON
//! ([`json`]), explanations ([`explain`]), the schema ([`schema`]) and rendered
//! diagnostics ([`diagnostics`], via ariadne). It only
//! reads finished values — an [`Answer`](crate::value::Answer), a
//! [`Diagnostic`](crate::diagnostic::Diagnostic) and the
//! [`SourceMap`](crate::span::SourceMap) its spans point into — and
//! must never evaluate, check or change anything.
//!
//! **Architecture Invariant:** present never evaluates. Nothing here may fail
//! on a strange input: a span that does not fit its source, a ragged row or an
//! empty answer still renders, never panics.

pub mod answers;
pub mod article;
pub mod changes;
pub mod citations;
pub mod csv;
pub mod diagnostics;
pub mod explain;
pub mod json;
pub mod schema;
pub mod table;
pub mod trace;

pub use self::answers::{AnswersOptions, Headings, render_answers};
pub use self::changes::render_answer_changes;
pub use self::csv::{render_csv, render_csv_answers};
pub use self::diagnostics::{diagnostics_to_json, render_diagnostic, render_diagnostics, summary};
pub use self::json::{answer_to_json, answers_to_json, render_json};
pub use self::table::{TableOptions, TableStyle, render_table};

/// An output format for query answers, chosen with `--format` or `:format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Format {
    /// An aligned table with a row count, for people ([`render_table`]).
    #[default]
    Table,
    /// CSV with a header row, for spreadsheets ([`render_csv`]).
    Csv,
    /// One JSON array, an object per query, for programs ([`answers_to_json`]).
    Json,
}

impl Format {
    /// Every format, in the order they are listed to users.
    pub const ALL: [Format; 3] = [Format::Table, Format::Csv, Format::Json];

    /// The name users type: `table`, `csv` or `json`.
    pub fn name(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Csv => "csv",
            Format::Json => "json",
        }
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(self.name())
    }
}

/// A format name that is not `table`, `csv` or `json`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown format `{0}`: expected `table`, `csv` or `json`")]
pub struct FormatUnknown(pub String);

impl std::str::FromStr for Format {
    type Err = FormatUnknown;

    /// Parses a format name, ignoring ASCII case and surrounding spaces.
    ///
    /// ```
    /// use wirelog::present::Format;
    /// assert_eq!("csv".parse::<Format>(), Ok(Format::Csv));
    /// assert_eq!(
    ///     "xml".parse::<Format>().unwrap_err().to_string(),
    ///     "unknown format `xml`: expected `table`, `csv` or `json`",
    /// );
    /// ```
    fn from_str(text: &str) -> Result<Format, FormatUnknown> {
        let trimmed = text.trim();
        Format::ALL
            .into_iter()
            .find(|format| format.name().eq_ignore_ascii_case(trimmed))
            .ok_or_else(|| FormatUnknown(trimmed.to_string()))
    }
}

/// `1 row`, `3 rows`: a count with its noun in the right number.
pub fn plural(count: usize, singular: &str, plural: &str) -> String {
    if count == 1 {
        format!("{count} {singular}")
    } else {
        format!("{count} {plural}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_parses_names_and_lists_choices() {
        let cases: &[(&str, Result<Format, &str>)] = &[
            ("table", Ok(Format::Table)),
            ("csv", Ok(Format::Csv)),
            (" JSON ", Ok(Format::Json)),
            (
                "yaml",
                Err("unknown format `yaml`: expected `table`, `csv` or `json`"),
            ),
            (
                "",
                Err("unknown format ``: expected `table`, `csv` or `json`"),
            ),
        ];
        for (input, expected) in cases {
            let actual = input.parse::<Format>().map_err(|error| error.to_string());
            assert_eq!(actual, expected.map_err(str::to_string), "input {input:?}");
        }
        for format in Format::ALL {
            assert_eq!(format.to_string().parse::<Format>(), Ok(format));
        }
    }
}
