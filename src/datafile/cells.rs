//! One cell read as its column's type, straight into the table.
//!
//! Owns what each type accepts: `int` a decimal 64-bit integer (`-3`),
//! `date` a calendar day `YYYY-MM-DD`, `symbol` a lowercase identifier
//! (`qatar`), `string` any UTF-8 text. Cells are taken as written: no
//! trimming, so `" 3"` is not an int (the message says so).

use super::ImportProblem;
use crate::table::{ColumnType, FactTable};
use crate::value::{Date, is_symbol_name};

/// Why a cell was not read: the kind of problem and what to say.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct CellError {
    pub problem: ImportProblem,
    pub message: String,
}

/// Reads `bytes` as a `column` cell and appends it to the row being built.
pub(super) fn push_cell(
    table: &mut FactTable,
    column: ColumnType,
    bytes: &[u8],
) -> Result<(), CellError> {
    match column {
        ColumnType::Int => {
            let value = parse_int(bytes).ok_or_else(|| not_of_type(column, bytes))?;
            table.push_int(value);
        }
        ColumnType::Date => {
            let text = utf8(bytes)?;
            let date = Date::parse_iso(text).ok_or_else(|| not_of_type(column, bytes))?;
            table.push_date(date);
        }
        ColumnType::Symbol => {
            let text = utf8(bytes)?;
            if !is_symbol_name(text) {
                return Err(not_of_type(column, bytes));
            }
            table.push_symbol(text);
        }
        ColumnType::String => table.push_string(utf8(bytes)?),
    }
    Ok(())
}

/// Reads an already-decoded text cell (JSON strings are decoded by the JSON parser).
pub(super) fn push_text_cell(
    table: &mut FactTable,
    column: ColumnType,
    text: &str,
) -> Result<(), CellError> {
    match column {
        ColumnType::String => {
            table.push_string(text);
            Ok(())
        }
        ColumnType::Int => Err(CellError {
            problem: ImportProblem::CellType,
            message: format!(
                "expected an int, found the string {}: write numbers without quotes",
                quoted(text)
            ),
        }),
        _ => push_cell(table, column, text.as_bytes()),
    }
}

/// A decimal integer: an optional `-`, then digits, within 64 bits.
pub(super) fn parse_int(bytes: &[u8]) -> Option<i64> {
    let (negative, digits) = match bytes.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, bytes),
    };
    if digits.is_empty() || digits.len() > 20 {
        return None;
    }
    // Accumulated negatively, so that i64::MIN fits.
    let mut value: i64 = 0;
    for &byte in digits {
        if !byte.is_ascii_digit() {
            return None;
        }
        value = value.checked_mul(10)?.checked_sub(i64::from(byte - b'0'))?;
    }
    if negative {
        Some(value)
    } else {
        value.checked_neg()
    }
}

fn utf8(bytes: &[u8]) -> Result<&str, CellError> {
    std::str::from_utf8(bytes).map_err(|error| CellError {
        problem: ImportProblem::Utf8,
        message: format!(
            "the cell is not UTF-8 text (bad byte at its byte {})",
            error.valid_up_to() + 1
        ),
    })
}

/// "expected an int, found `x`", with a hint when the cell is close to right.
fn not_of_type(column: ColumnType, bytes: &[u8]) -> CellError {
    let text = String::from_utf8_lossy(bytes);
    let expected = match column {
        ColumnType::Int => "an int",
        ColumnType::Date => "a date written YYYY-MM-DD",
        ColumnType::Symbol => "a symbol (a lowercase letter, then letters, digits or `_`)",
        ColumnType::String => "a string",
    };
    let found = if text.is_empty() {
        "an empty cell".to_string()
    } else {
        quoted(&text)
    };
    let trimmed = text.trim();
    let hint = if trimmed != text && !trimmed.is_empty() {
        "; the cell has spaces around it"
    } else if column == ColumnType::Symbol && is_symbol_name(&trimmed.to_lowercase()) {
        "; symbols are lowercase (import the column as `string` to keep the case)"
    } else if column == ColumnType::Symbol && !trimmed.is_empty() {
        "; import the column as `string` to keep any text"
    } else if column == ColumnType::Int && trimmed.contains('.') {
        "; ints have no fraction"
    } else {
        ""
    };
    CellError {
        problem: ImportProblem::CellType,
        message: format!("expected {expected}, found {found}{hint}"),
    }
}

/// A cell's text for a message: quoted, escaped, at most 40 characters.
pub(super) fn quoted(text: &str) -> String {
    let mut characters = text.chars();
    let short: String = characters.by_ref().take(40).collect();
    let ellipsis = if characters.next().is_some() {
        "…"
    } else {
        ""
    };
    format!("`{}{ellipsis}`", short.escape_debug())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_are_decimal_and_64_bit() {
        for (text, expected) in [
            ("0", Some(0)),
            ("-3", Some(-3)),
            ("007", Some(7)),
            ("9223372036854775807", Some(i64::MAX)),
            ("-9223372036854775808", Some(i64::MIN)),
            ("9223372036854775808", None),
            ("+3", None),
            ("", None),
            ("-", None),
            (" 3", None),
            ("3.0", None),
            ("1e3", None),
        ] {
            assert_eq!(parse_int(text.as_bytes()), expected, "{text:?}");
        }
    }

    #[test]
    fn cells_are_read_as_their_type() {
        let mut table = FactTable::in_file("p", 4, "p.csv");
        push_cell(&mut table, ColumnType::Int, b"-12").expect("int");
        push_cell(&mut table, ColumnType::Date, b"2024-02-29").expect("date");
        push_cell(&mut table, ColumnType::Symbol, b"qatar_2").expect("symbol");
        push_cell(&mut table, ColumnType::String, "Türkiye, \"x\"".as_bytes()).expect("string");
        table.finish_row(1);
        assert_eq!(
            table.fact_text(0),
            "p(-12, 2024-02-29, qatar_2, \"Türkiye, \\\"x\\\"\")."
        );
        let message = |column, text: &[u8]| {
            push_cell(&mut FactTable::in_file("p", 1, "p.csv"), column, text)
                .expect_err("bad cell")
                .message
        };
        assert_eq!(
            message(ColumnType::Int, b" 3"),
            "expected an int, found `\u{20}3`; the cell has spaces around it"
        );
        assert_eq!(
            message(ColumnType::Int, b"2.5"),
            "expected an int, found `2.5`; ints have no fraction"
        );
        assert_eq!(
            message(ColumnType::Date, b"2025-02-30"),
            "expected a date written YYYY-MM-DD, found `2025-02-30`"
        );
        assert!(
            message(ColumnType::Symbol, b"Qatar").ends_with(
                "symbols are lowercase (import the column as `string` to keep the case)"
            )
        );
        assert_eq!(
            message(ColumnType::Int, b""),
            "expected an int, found an empty cell"
        );
        let bad = push_cell(
            &mut FactTable::in_file("p", 1, "p.csv"),
            ColumnType::String,
            b"ab\xff",
        )
        .expect_err("not UTF-8");
        assert_eq!(bad.problem, ImportProblem::Utf8);
    }
}
