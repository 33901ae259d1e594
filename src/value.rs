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

/// A value: integer, decimal, date, datetime, symbol or string.
///
/// The derived order (integers, then decimals, dates, datetimes, symbols,
/// strings; each by value) is the order answers are sorted in.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Value {
    /// `58`, `-3`
    Integer(i64),
    /// `2.5`, `-0.125`: exact, six decimal places at most.
    Decimal(Decimal),
    /// `2025-10-29`, validated by the parser.
    Date(Date),
    /// `2025-10-29T14:30:00+03:00`, validated by the parser.
    Datetime(Datetime),
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
            Value::Decimal(decimal) => decimal.to_string(),
            Value::Date(date) => date.to_string(),
            Value::Datetime(datetime) => datetime.to_string(),
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
            Value::Decimal(decimal) => write!(formatter, "{decimal}"),
            Value::Date(date) => write!(formatter, "{date}"),
            Value::Datetime(datetime) => write!(formatter, "{datetime}"),
            Value::Symbol(name) => formatter.write_str(name),
            Value::String(value) => write_quoted(formatter, value),
        }
    }
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Integer(integer) => serializer.serialize_i64(*integer),
            // A JSON number keeps a decimal a number; its text is exact.
            Value::Decimal(decimal) => match decimal.to_string().parse::<serde_json::Number>() {
                Ok(number) => number.serialize(serializer),
                Err(_) => serializer.collect_str(decimal),
            },
            Value::Date(date) => serializer.collect_str(date),
            Value::Datetime(datetime) => serializer.collect_str(datetime),
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

/// Decimal places a [`Decimal`] keeps.
pub const DECIMAL_PLACES: u32 = 6;
const DECIMAL_SCALE: i64 = 1_000_000;

/// An exact decimal number with at most six decimal places, held as an
/// integer count of millionths (so `0.1 + 0.2 = 0.3` exactly). Results with
/// more places (a division, an average, a product) are rounded half away
/// from zero to six places.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize,
)]
pub struct Decimal(i64);

impl Decimal {
    /// The decimal of `millionths / 10^6`.
    pub const fn from_millionths(millionths: i64) -> Decimal {
        Decimal(millionths)
    }

    /// Its value in millionths.
    pub const fn millionths(self) -> i64 {
        self.0
    }

    /// An integer as a decimal, if it fits.
    pub fn from_integer(integer: i64) -> Option<Decimal> {
        integer.checked_mul(DECIMAL_SCALE).map(Decimal)
    }

    /// `numerator / denominator` rounded half away from zero to six places;
    /// `None` on overflow or a zero denominator.
    pub fn from_ratio(numerator: i128, denominator: i128) -> Option<Decimal> {
        if denominator == 0 {
            return None;
        }
        let scaled = numerator.checked_mul(i128::from(DECIMAL_SCALE))?;
        let quotient = divide_rounding(scaled, denominator);
        i64::try_from(quotient).ok().map(Decimal)
    }

    /// Parses `-12.345`: digits, a point, one to six digits.
    pub fn parse(text: &str) -> Result<Decimal, String> {
        let (negative, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (whole, fraction) = digits
            .split_once('.')
            .ok_or_else(|| format!("`{text}` has no decimal point"))?;
        let all_digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
        if !all_digits(whole) || !all_digits(fraction) {
            return Err(format!("`{text}` is not a decimal number"));
        }
        if fraction.len() > DECIMAL_PLACES as usize {
            return Err(format!(
                "`{text}` has more than {DECIMAL_PLACES} decimal places"
            ));
        }
        let out_of_range = || format!("`{text}` is outside the decimal range (about ±9.2 × 10^12)");
        let whole: i64 = whole.parse().map_err(|_| out_of_range())?;
        let padded = format!("{fraction:0<6}");
        let fraction: i64 = padded.parse().map_err(|_| out_of_range())?;
        let magnitude = whole
            .checked_mul(DECIMAL_SCALE)
            .and_then(|units| units.checked_add(fraction))
            .ok_or_else(out_of_range)?;
        Ok(Decimal(if negative { -magnitude } else { magnitude }))
    }

    /// Rounded half away from zero to an integer.
    pub fn round(self) -> i64 {
        divide_rounding(i128::from(self.0), i128::from(DECIMAL_SCALE)) as i64
    }

    /// The exact ordering against an integer.
    pub fn cmp_integer(self, integer: i64) -> std::cmp::Ordering {
        i128::from(self.0).cmp(&(i128::from(integer) * i128::from(DECIMAL_SCALE)))
    }
}

/// `numerator / denominator` rounded half away from zero.
fn divide_rounding(numerator: i128, denominator: i128) -> i128 {
    let quotient = numerator / denominator;
    let remainder = numerator % denominator;
    if remainder.abs() * 2 >= denominator.abs() {
        if (numerator < 0) == (denominator < 0) {
            quotient + 1
        } else {
            quotient - 1
        }
    } else {
        quotient
    }
}

impl Display for Decimal {
    /// `2.5`, `-0.125`, `3.0`: the shortest exact form, with at least one
    /// decimal place so that it reads back as a decimal.
    fn fmt(&self, formatter: &mut Formatter<'_>) -> fmt::Result {
        let magnitude = self.0.unsigned_abs();
        let scale = DECIMAL_SCALE as u64;
        let fraction = format!("{:06}", magnitude % scale);
        let fraction = fraction.trim_end_matches('0');
        let sign = if self.0 < 0 { "-" } else { "" };
        write!(
            formatter,
            "{sign}{}.{}",
            magnitude / scale,
            if fraction.is_empty() { "0" } else { fraction }
        )
    }
}

/// A point in time to the second with the UTC offset it was written with:
/// `2025-10-29T14:30:00+03:00`, `2025-10-29T11:30:00Z`.
///
/// Ordered by instant first, so two datetimes are ordered by when they
/// happen; the same instant written in two zones is two values (`=` is
/// false) that neither precedes the other.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize,
)]
pub struct Datetime {
    /// Seconds since 1970-01-01T00:00:00Z.
    pub seconds: i64,
    /// The offset from UTC it was written with, in minutes (-23:59 to +23:59).
    pub offset_minutes: i16,
}

impl Datetime {
    /// The datetime at `date` `hour:minute:second` local time in `offset_minutes`.
    pub fn new(
        date: Date,
        hour: u32,
        minute: u32,
        second: u32,
        offset_minutes: i16,
    ) -> Option<Datetime> {
        if hour > 23 || minute > 59 || second > 59 || offset_minutes.unsigned_abs() >= 24 * 60 {
            return None;
        }
        let local = date.to_days() * 86_400
            + i64::from(hour) * 3600
            + i64::from(minute) * 60
            + i64::from(second);
        Some(Datetime {
            seconds: local - i64::from(offset_minutes) * 60,
            offset_minutes,
        })
    }

    /// Parses `YYYY-MM-DDTHH:MM[:SS](Z|±HH:MM)`.
    pub fn parse(text: &str) -> Result<Datetime, String> {
        let invalid =
            || format!("`{text}` is not a datetime (write `2025-10-29T14:30:00+03:00` or `…Z`)");
        let (date_part, rest) = text.split_once('T').ok_or_else(invalid)?;
        let date = parse_iso_date(date_part).ok_or_else(invalid)?;
        let zone_start = rest.find(['Z', '+', '-']).ok_or_else(|| {
            format!("`{text}` has no zone: add `Z` (UTC) or an offset such as `+03:00`")
        })?;
        let (time, zone) = rest.split_at(zone_start);
        let fields: Vec<&str> = time.split(':').collect();
        let number = |field: &str| -> Option<u32> {
            (field.len() == 2 && field.bytes().all(|b| b.is_ascii_digit()))
                .then(|| field.parse().ok())
                .flatten()
        };
        let (hour, minute, second) = match fields.as_slice() {
            [hour, minute] => (number(hour), number(minute), Some(0)),
            [hour, minute, second] => (number(hour), number(minute), number(second)),
            _ => (None, None, None),
        };
        let (Some(hour), Some(minute), Some(second)) = (hour, minute, second) else {
            return Err(invalid());
        };
        let offset = if zone == "Z" {
            0
        } else {
            let sign: i16 = if zone.starts_with('-') { -1 } else { 1 };
            let digits = &zone[1..];
            let (hours, minutes) = digits.split_once(':').ok_or_else(invalid)?;
            let (Some(hours), Some(minutes)) = (number(hours), number(minutes)) else {
                return Err(invalid());
            };
            if minutes > 59 {
                return Err(invalid());
            }
            sign * (hours as i16 * 60 + minutes as i16)
        };
        Datetime::new(date, hour, minute, second, offset)
            .ok_or_else(|| format!("`{text}` is not a time of day in a valid zone"))
    }

    /// The calendar date in the zone it was written with.
    pub fn local_date(self) -> Date {
        let local = self.seconds + i64::from(self.offset_minutes) * 60;
        Date::from_days(local.div_euclid(86_400)).unwrap_or(Date {
            year: 1970,
            month: 1,
            day: 1,
        })
    }

    /// Seconds since the local midnight.
    fn local_second_of_day(self) -> i64 {
        (self.seconds + i64::from(self.offset_minutes) * 60).rem_euclid(86_400)
    }

    /// The local hour, 0 to 23.
    pub fn hour(self) -> i64 {
        self.local_second_of_day() / 3600
    }

    /// The local minute, 0 to 59.
    pub fn minute(self) -> i64 {
        self.local_second_of_day() / 60 % 60
    }
}

impl Display for Datetime {
    /// ISO 8601 in the zone it was written with: `2025-10-29T14:30:00+03:00`,
    /// `Z` for UTC.
    fn fmt(&self, formatter: &mut Formatter<'_>) -> fmt::Result {
        let second_of_day = self.local_second_of_day();
        write!(
            formatter,
            "{}T{:02}:{:02}:{:02}",
            self.local_date(),
            second_of_day / 3600,
            second_of_day / 60 % 60,
            second_of_day % 60
        )?;
        if self.offset_minutes == 0 {
            return formatter.write_char('Z');
        }
        let sign = if self.offset_minutes < 0 { '-' } else { '+' };
        let offset = self.offset_minutes.unsigned_abs();
        write!(formatter, "{sign}{:02}:{:02}", offset / 60, offset % 60)
    }
}

/// `YYYY-MM-DD` as a calendar date, four, two and two digits.
pub fn parse_iso_date(text: &str) -> Option<Date> {
    let bytes = text.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let field = |range: std::ops::Range<usize>| -> Option<u32> {
        let part = text.get(range)?;
        part.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| part.parse().ok())
            .flatten()
    };
    Date::new(
        i32::try_from(field(0..4)?).ok()?,
        field(5..7)?,
        field(8..10)?,
    )
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
    fn decimals_are_exact_and_print_back() {
        let parse = |text| Decimal::parse(text).unwrap();
        assert_eq!(parse("2.5").to_string(), "2.5");
        assert_eq!(parse("-0.125").to_string(), "-0.125");
        assert_eq!(parse("3.000").to_string(), "3.0");
        assert_eq!(
            parse("0.1").millionths() + parse("0.2").millionths(),
            parse("0.3").millionths()
        );
        assert!(Decimal::parse("1.1234567").is_err());
        assert_eq!(Decimal::from_ratio(10, 3).unwrap().to_string(), "3.333333");
        assert_eq!(Decimal::from_ratio(2, 3).unwrap().to_string(), "0.666667");
        assert_eq!(Decimal::from_ratio(-2, 3).unwrap().to_string(), "-0.666667");
        assert_eq!(parse("2.5").round(), 3);
        assert_eq!(parse("-2.5").round(), -3);
        assert_eq!(parse("2.4999").round(), 2);
        assert_eq!(
            Value::Decimal(parse("2.5")).to_json(),
            serde_json::json!(2.5)
        );
    }

    #[test]
    fn datetimes_keep_their_zone_and_order_by_instant() {
        let istanbul = Datetime::parse("2025-10-29T14:30:00+03:00").unwrap();
        let utc = Datetime::parse("2025-10-29T11:30Z").unwrap();
        assert_eq!(istanbul.seconds, utc.seconds);
        assert_ne!(istanbul, utc);
        assert_eq!(istanbul.to_string(), "2025-10-29T14:30:00+03:00");
        assert_eq!(utc.to_string(), "2025-10-29T11:30:00Z");
        assert_eq!(istanbul.local_date().to_string(), "2025-10-29");
        assert_eq!(istanbul.hour(), 14);
        let late = Datetime::parse("2025-10-29T23:30:00-05:00").unwrap();
        assert_eq!(late.local_date().to_string(), "2025-10-29");
        assert!(Datetime::parse("2025-10-29T24:00:00Z").is_err());
        assert!(Datetime::parse("2025-10-29T10:00:00").is_err());
        assert!(Datetime::parse("2025-02-30T10:00:00Z").is_err());
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
