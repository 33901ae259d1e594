//! Values as users see them, the calendar dates among them, and answers
//! (rows of values).
//!
//! Owns the one text form of a value in Datalog syntax ([`Value`]'s
//! `Display`: symbols bare, strings quoted and escaped, dates in ISO form),
//! its plain text without quoting ([`Value::text`], what CSV cells and JSON
//! strings carry), and its one JSON encoding (`Serialize`: integers as
//! numbers, everything else as a string). Every output of the crate goes
//! through these three, so a value reads the same in a table, a derivation,
//! a diagnostic and a JSON document.
//!
//! Imports nothing of the crate: the parser, the engines and the renderers
//! all build on it. It knows nothing of how an engine stores values.

use serde::{Serialize, Serializer};
use std::fmt::{self, Display, Formatter, Write as _};

/// A value: integer, date, symbol or string.
///
/// The derived order (integers, then dates, symbols, strings; each by value)
/// is the order answers are sorted in.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Value {
    /// `58`, `-3`
    Integer(i64),
    /// `2025-10-29`, validated by the parser.
    Date(Date),
    /// `qatar`
    Symbol(String),
    /// `"Khawaja Asif"`, unescaped.
    String(String),
}

impl Value {
    /// The value as plain text, without Datalog quoting: a symbol or string
    /// as its text, a date in ISO form, an integer in decimal.
    ///
    /// ```
    /// use wirelog::value::Value;
    /// assert_eq!(Value::String("say \"hi\"".into()).text(), "say \"hi\"");
    /// assert_eq!(Value::String("say \"hi\"".into()).to_string(), r#""say \"hi\"""#);
    /// ```
    pub fn text(&self) -> String {
        match self {
            Value::Integer(integer) => integer.to_string(),
            Value::Date(date) => date.to_string(),
            Value::Symbol(text) | Value::String(text) => text.clone(),
        }
    }

    /// The value as JSON: integers as numbers, everything else as a string
    /// (its [`text`](Value::text)). The same encoding `Serialize` gives.
    ///
    /// ```
    /// use wirelog::value::Value;
    /// assert_eq!(Value::Integer(3).to_json(), serde_json::json!(3));
    /// assert_eq!(Value::Symbol("qatar".into()).to_json(), serde_json::json!("qatar"));
    /// ```
    pub fn to_json(&self) -> serde_json::Value {
        // The `Serialize` impl is the one encoding; a scalar cannot fail to serialise.
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }
}

impl Display for Value {
    /// Datalog syntax: symbols bare, strings quoted with `\"`, `\\`, `\n` and
    /// `\t` escaped, integers in decimal, dates in ISO form; the text parses
    /// back to the same value.
    fn fmt(&self, formatter: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Value::Integer(value) => write!(formatter, "{value}"),
            Value::Date(date) => write!(formatter, "{date}"),
            Value::Symbol(name) => formatter.write_str(name),
            Value::String(value) => write_quoted(formatter, value),
        }
    }
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Integer(integer) => serializer.serialize_i64(*integer),
            Value::Date(date) => serializer.collect_str(date),
            Value::Symbol(text) | Value::String(text) => serializer.serialize_str(text),
        }
    }
}

/// True when `text` can be a symbol: `[a-z][A-Za-z0-9_]*`, as the parser reads one.
///
/// ```
/// use wirelog::value::is_symbol_name;
/// assert!(is_symbol_name("istanbul_talks2"));
/// assert!(!is_symbol_name("Qatar") && !is_symbol_name("") && !is_symbol_name("a-b"));
/// ```
pub fn is_symbol_name(text: &str) -> bool {
    let mut characters = text.chars();
    characters
        .next()
        .is_some_and(|first| first.is_ascii_lowercase())
        && characters.all(|character| character.is_ascii_alphanumeric() || character == '_')
}

/// Writes `value` as a Datalog string literal, re-applying the escapes.
pub fn write_quoted(formatter: &mut impl fmt::Write, value: &str) -> fmt::Result {
    formatter.write_char('"')?;
    for character in value.chars() {
        match character {
            '"' => formatter.write_str("\\\"")?,
            '\\' => formatter.write_str("\\\\")?,
            '\n' => formatter.write_str("\\n")?,
            '\t' => formatter.write_str("\\t")?,
            other => formatter.write_char(other)?,
        }
    }
    formatter.write_char('"')
}

/// A valid proleptic Gregorian calendar date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Date {
    /// Year, 1..=9999 as written with four digits.
    pub year: i32,
    /// Month 1..=12.
    pub month: u32,
    /// Day 1..=31, valid for the month.
    pub day: u32,
}

impl Date {
    /// A date if `year-month-day` exists in the calendar.
    pub fn new(year: i32, month: u32, day: u32) -> Option<Date> {
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        Some(Date { year, month, day })
    }

    /// `YYYY-MM-DD` (four, two and two digits) if it is a day of the calendar.
    ///
    /// ```
    /// use wirelog::value::Date;
    /// assert_eq!(Date::parse_iso("2025-10-29"), Date::new(2025, 10, 29));
    /// assert_eq!(Date::parse_iso("2025-02-30"), None);
    /// assert_eq!(Date::parse_iso("2025-1-29"), None);
    /// ```
    pub fn parse_iso(text: &str) -> Option<Date> {
        let bytes = text.as_bytes();
        if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
            return None;
        }
        let number = |range: std::ops::Range<usize>| -> Option<u32> {
            bytes[range].iter().try_fold(0u32, |value, byte| {
                byte.is_ascii_digit()
                    .then(|| value * 10 + u32::from(byte - b'0'))
            })
        };
        let year = i32::try_from(number(0..4)?).ok()?;
        if year == 0 {
            return None;
        }
        Date::new(year, number(5..7)?, number(8..10)?)
    }

    /// Days since 1970-01-01 (negative before).
    pub fn to_days(self) -> i64 {
        // Howard Hinnant's days_from_civil: exact for the proleptic Gregorian calendar.
        let year = i64::from(self.year) - i64::from(self.month <= 2);
        let era = year.div_euclid(400);
        let year_of_era = year - era * 400;
        let month = i64::from(self.month);
        let day_of_year =
            (153 * (month + if month > 2 { -3 } else { 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
        era * 146_097 + day_of_era - 719_468
    }

    /// The date `days` after 1970-01-01, if its year is within 1..=9999.
    pub fn from_days(days: i64) -> Option<Date> {
        let days = days.checked_add(719_468)?;
        let era = days.div_euclid(146_097);
        let day_of_era = days - era * 146_097;
        let year_of_era =
            (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
        let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
        let month_index = (5 * day_of_year + 2) / 153;
        let day = day_of_year - (153 * month_index + 2) / 5 + 1;
        let month = if month_index < 10 {
            month_index + 3
        } else {
            month_index - 9
        };
        let year = year_of_era + era * 400 + i64::from(month <= 2);
        if !(1..=9999).contains(&year) {
            return None;
        }
        Date::new(
            i32::try_from(year).ok()?,
            u32::try_from(month).ok()?,
            u32::try_from(day).ok()?,
        )
    }

    /// English weekday name in lowercase, e.g. `wednesday`.
    pub fn weekday(self) -> &'static str {
        const NAMES: [&str; 7] = [
            "thursday",
            "friday",
            "saturday",
            "sunday",
            "monday",
            "tuesday",
            "wednesday",
        ];
        NAMES[self.to_days().rem_euclid(7) as usize]
    }
}

impl Display for Date {
    fn fmt(&self, formatter: &mut Formatter<'_>) -> fmt::Result {
        write!(
            formatter,
            "{:04}-{:02}-{:02}",
            self.year, self.month, self.day
        )
    }
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// The answers to one query, rows sorted and distinct.
///
/// Serialised as `{"query": …, "columns": […], "rows": [[…], …]}`, values in
/// their JSON encoding; `present::json` prints the documented form.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Answer {
    /// The query as written, e.g. `?- mediates(M, T).`
    pub query: String,
    /// The shown variables, in order of first appearance; empty for a yes/no query.
    pub columns: Vec<String>,
    /// One row per distinct binding; for a yes/no query one empty row means yes, none means no.
    pub rows: Vec<Vec<Value>>,
}

/// What a change of facts did to the answers of one query: a live
/// model's update (the dataflow engine's REPL and `run --follow`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AnswerChange {
    /// The query's position among the loaded queries (file order).
    pub index: usize,
    /// The query as written, e.g. `?- path(X, Y).`
    pub query: String,
    /// Its shown variables; empty for a yes/no query.
    pub columns: Vec<String>,
    /// Rows that are answers now and were not before, sorted.
    pub added: Vec<Vec<Value>>,
    /// Rows that were answers and are not any more, sorted.
    pub removed: Vec<Vec<Value>>,
}

/// `p(a, "b", 3)`, or `p` for a predicate without arguments: a ground atom in Datalog syntax.
pub fn fact_text(predicate: &str, values: &[Value]) -> String {
    let mut text = predicate.to_string();
    if values.is_empty() {
        return text;
    }
    text.push('(');
    for (index, value) in values.iter().enumerate() {
        if index > 0 {
            text.push_str(", ");
        }
        // Writing to a String cannot fail.
        let _ = write!(text, "{value}");
    }
    text.push(')');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_validate_and_round_trip() {
        assert!(Date::new(2025, 2, 30).is_none());
        assert!(Date::new(2024, 2, 29).is_some());
        assert!(Date::new(2025, 2, 29).is_none());
        assert!(Date::new(2000, 2, 29).is_some());
        assert!(Date::new(1900, 2, 29).is_none());
        let date = Date::new(2025, 10, 29).unwrap();
        assert_eq!(Date::from_days(date.to_days()), Some(date));
        assert_eq!(Date::new(1970, 1, 1).unwrap().to_days(), 0);
        assert_eq!(date.weekday(), "wednesday");
        for days in -719_000..2_900_000i64 {
            if days % 997 == 0 {
                let date = Date::from_days(days).unwrap();
                assert_eq!(date.to_days(), days);
            }
        }
    }

    #[test]
    fn one_text_form_one_plain_form_one_json_form() {
        let date = Date::new(2025, 10, 29).map(Value::Date);
        let cases: Vec<(Option<Value>, &str, &str, serde_json::Value)> = vec![
            (Some(Value::Integer(-3)), "-3", "-3", serde_json::json!(-3)),
            (
                date,
                "2025-10-29",
                "2025-10-29",
                serde_json::json!("2025-10-29"),
            ),
            (
                Some(Value::Symbol("qatar".into())),
                "qatar",
                "qatar",
                serde_json::json!("qatar"),
            ),
            (
                Some(Value::String("a \"b\" \\ c\nd".into())),
                r#""a \"b\" \\ c\nd""#,
                "a \"b\" \\ c\nd",
                serde_json::json!("a \"b\" \\ c\nd"),
            ),
            (
                Some(Value::String("Türkiye".into())),
                "\"Türkiye\"",
                "Türkiye",
                serde_json::json!("Türkiye"),
            ),
            (
                Some(Value::String("a\tb".into())),
                r#""a\tb""#,
                "a\tb",
                serde_json::json!("a\tb"),
            ),
        ];
        for (value, datalog, plain, json) in cases {
            let value = value.expect("a valid test value");
            assert_eq!(value.to_string(), datalog);
            assert_eq!(value.text(), plain);
            assert_eq!(value.to_json(), json);
            assert_eq!(serde_json::to_value(&value).ok(), Some(json));
        }
    }

    #[test]
    fn answers_serialise_values_as_scalars() {
        let answer = Answer {
            query: "?- p(X, Y).".into(),
            columns: vec!["X".into(), "Y".into()],
            rows: vec![vec![Value::Symbol("qatar".into()), Value::Integer(3)]],
        };
        assert_eq!(
            serde_json::to_string(&answer).ok().as_deref(),
            Some(r#"{"query":"?- p(X, Y).","columns":["X","Y"],"rows":[["qatar",3]]}"#)
        );
    }

    #[test]
    fn facts_print_in_datalog_syntax() {
        assert_eq!(fact_text("done", &[]), "done");
        assert_eq!(
            fact_text(
                "said",
                &[Value::Symbol("asif".into()), Value::String("no".into())]
            ),
            "said(asif, \"no\")"
        );
    }
}
