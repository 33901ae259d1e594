//! Presentation: turns answers and diagnostics into text for people and programs.
//!
//! Owns every output format: aligned tables ([`table`]), CSV ([`csv`]), JSON
//! ([`json`]) and rendered diagnostics ([`diagnostics`], via ariadne). It only
//! reads finished values — an [`Answer`](crate::value::Answer), a
//! [`Diagnostic`](crate::diagnostic::Diagnostic) and the
//! [`SourceMap`](crate::syntax::span::SourceMap) its spans point into — and
//! must never evaluate, check or change anything.
//!
//! **Architecture Invariant:** present never evaluates. Nothing here may fail
//! on a strange input: a span that does not fit its source, a ragged row or an
//! empty answer still renders, never panics.

pub mod csv;
pub mod diagnostics;
pub mod explain;
pub mod json;
pub mod schema;
pub mod table;

use crate::value::Value;

pub use self::csv::{render_csv, render_csv_answers};
pub use self::diagnostics::{diagnostics_to_json, render_diagnostic, render_diagnostics, summary};
pub use self::json::{answer_to_json, answers_to_json, render_json, value_to_json};
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

/// A value in Datalog syntax, as it would be written in a rule file.
///
/// Symbols are bare, strings are quoted with `\"`, `\\`, `\n` and `\t`
/// escaped, dates are ISO `YYYY-MM-DD` and integers are decimal, so the text
/// parses back to the same value. This is the printer's `Display` for
/// constants (`syntax::print`), named here for callers that render answers.
///
/// ```
/// use wirelog::value::Value;
/// use wirelog::present::format_value;
/// assert_eq!(format_value(&Value::Symbol("qatar".into())), "qatar");
/// assert_eq!(format_value(&Value::String("say \"hi\"".into())), r#""say \"hi\"""#);
/// ```
pub fn format_value(value: &Value) -> String {
    value.to_string()
}

/// A value as plain text, without Datalog quoting: what CSV and JSON carry.
pub fn format_value_raw(value: &Value) -> String {
    match value {
        Value::Integer(integer) => integer.to_string(),
        Value::Date(date) => date.to_string(),
        Value::Symbol(text) | Value::String(text) => text.clone(),
    }
}

/// `1 row`, `3 rows`: a count with its noun in the right number.
pub(crate) fn plural(count: usize, singular: &str, plural: &str) -> String {
    if count == 1 {
        format!("{count} {singular}")
    } else {
        format!("{count} {plural}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Date;

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

    #[test]
    fn values_print_in_datalog_syntax() {
        let date = Date::new(2025, 10, 29).map(Value::Date);
        let cases: Vec<(Option<Value>, &str, &str)> = vec![
            (Some(Value::Integer(-3)), "-3", "-3"),
            (date, "2025-10-29", "2025-10-29"),
            (Some(Value::Symbol("qatar".into())), "qatar", "qatar"),
            (
                Some(Value::String("Khawaja Asif".into())),
                "\"Khawaja Asif\"",
                "Khawaja Asif",
            ),
            (
                Some(Value::String("a \"b\" \\ c\nd".into())),
                r#""a \"b\" \\ c\nd""#,
                "a \"b\" \\ c\nd",
            ),
            (
                Some(Value::String("Türkiye".into())),
                "\"Türkiye\"",
                "Türkiye",
            ),
            (Some(Value::String("a\tb".into())), r#""a\tb""#, "a\tb"),
        ];
        for (value, datalog, raw) in cases {
            let value = value.expect("a valid test value");
            assert_eq!(format_value(&value), datalog);
            assert_eq!(format_value_raw(&value), raw);
        }
    }
}
