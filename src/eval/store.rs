//! Values as the evaluator stores them: one `u32` each, symbols, strings and
//! large integers interned.
//!
//! A `Packed` value is a 3-bit tag and a 29-bit payload, so a row of a binary
//! relation is one `u64`, as narrow as a hand-written `(u32, u32)`, and sorts
//! and compares without touching the heap. Integers in ±2^28 and dates are
//! stored inline, offset by 2^28 so that their bits sort in numeric order
//! (a join can cut a sorted run at `X < Y` by binary search); symbols,
//! strings and other integers are indexes into the `Store`. The encoding is canonical (an integer has exactly one encoding),
//! so two packed values are equal exactly when the values are. The order of
//! `Packed` is an arbitrary total order used for storage; the order users see
//! is `Store::compare`.
//!
//! The store holds at most 2^29 texts and 2^29 large integers. Past that it
//! answers with a placeholder and remembers it overflowed; evaluation checks
//! `Store::overflowed` and stops with an error instead of computing with it.

use crate::analysis::ir::Function;
use crate::limits::{MAX_TEXT_BYTES, format_bytes};
use crate::syntax::ast::{ArithOp, CompareOp};
use crate::value::{Date, Datetime, Decimal, Value};
use regex::Regex;
use std::cmp::Ordering;
use std::collections::HashMap;

/// One interned value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Packed(u32);

impl Packed {
    /// The integer 0; also what unused cells of a tuple hold.
    pub const ZERO: Packed = Packed((TAG_INT << TAG_SHIFT) | (1 << (TAG_SHIFT - 1)));

    /// The raw 32 bits, for storage in narrow rows.
    pub const fn to_bits(self) -> u32 {
        self.0
    }

    /// A value from bits `to_bits` produced.
    pub const fn from_bits(bits: u32) -> Packed {
        Packed(bits)
    }

    /// True for an inline integer or a date: values whose bits, among
    /// values of the same kind, are in numeric order.
    pub fn sorts_numerically(self) -> bool {
        let tag = self.0 >> TAG_SHIFT;
        tag == TAG_INT || tag == TAG_DATE
    }

    /// True when both are inline integers, both large integers, both
    /// dates, both symbols or both strings.
    pub fn same_kind(self, other: Packed) -> bool {
        self.0 >> TAG_SHIFT == other.0 >> TAG_SHIFT
    }
}

const TAG_SHIFT: u32 = 29;
const PAYLOAD_MASK: u32 = (1 << TAG_SHIFT) - 1;
const TAG_INT: u32 = 0;
const TAG_BIG_INT: u32 = 1;
const TAG_DATE: u32 = 2;
const TAG_SYMBOL: u32 = 3;
const TAG_STRING: u32 = 4;
const TAG_DECIMAL: u32 = 5;
const TAG_DATETIME: u32 = 6;
const SMALL_INT_MIN: i64 = -(1 << 28);
const SMALL_INT_MAX: i64 = (1 << 28) - 1;
/// Interned texts (and, separately, large integers) the payload can address.
const MAX_INTERNED: usize = 1 << TAG_SHIFT;

/// The kind of a value, for type errors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueType {
    /// 64-bit integer.
    Integer,
    /// Exact decimal with six places.
    Decimal,
    /// Calendar date.
    Date,
    /// Date, time of day and UTC offset.
    Datetime,
    /// Symbol such as `qatar`.
    Symbol,
    /// Quoted string.
    String,
}

impl ValueType {
    /// The type's name as users write it.
    pub fn name(self) -> &'static str {
        match self {
            ValueType::Integer => "integer",
            ValueType::Decimal => "decimal",
            ValueType::Date => "date",
            ValueType::Datetime => "datetime",
            ValueType::Symbol => "symbol",
            ValueType::String => "string",
        }
    }
}

/// What can go wrong computing with values.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ValueError {
    /// Checked arithmetic overflowed 64 bits.
    #[error("integer overflow in `{lhs} {op} {rhs}`")]
    IntegerOverflow {
        /// Left operand as text.
        lhs: String,
        /// Operator.
        op: &'static str,
        /// Right operand as text.
        rhs: String,
    },
    /// `/` or `mod` by zero.
    #[error("division by zero in `{lhs} {op} 0`")]
    DivisionByZero {
        /// Left operand as text.
        lhs: String,
        /// Operator.
        op: &'static str,
    },
    /// Operands of types the operation does not accept.
    #[error("cannot apply `{op}` to {lhs} and {rhs}")]
    TypeMismatch {
        /// Operator or function name.
        op: String,
        /// Left operand type.
        lhs: &'static str,
        /// Right operand type (or `nothing`).
        rhs: &'static str,
    },
    /// A date moved outside years 1 to 9999.
    #[error("date out of range (years 1 to 9999)")]
    DateOutOfRange,
    /// A regular expression that does not compile.
    #[error("invalid regular expression `{pattern}`: {message}")]
    BadPattern {
        /// The pattern as given.
        pattern: String,
        /// What the regex crate said, on one line.
        message: String,
    },
    /// A function with no value for these arguments (`capture` without a
    /// match, `split` past the last part, `to_number` of other text): as a
    /// clingo undefined term, the literal holding it fails.
    #[error("`{function}` has no value here")]
    Undefined {
        /// The function.
        function: &'static str,
    },
    /// A built-in function would compute a text longer than
    /// [`MAX_TEXT_BYTES`](crate::limits::MAX_TEXT_BYTES).
    #[error(
        "`{function}` would make a text of {} (the longest a computed text may be is {})",
        format_bytes(*bytes),
        format_bytes(MAX_TEXT_BYTES)
    )]
    TextTooLong {
        /// The function.
        function: &'static str,
        /// The length it would have, in bytes.
        bytes: usize,
    },
    /// `min` or `max` over values of different kinds, which have no order
    /// between them.
    #[error(
        "`{function}` over values of different kinds: {lhs} and {rhs} have no order between them"
    )]
    AggregateMixedKinds {
        /// `min` or `max`.
        function: &'static str,
        /// The kind of one value.
        lhs: &'static str,
        /// The kind of the other.
        rhs: &'static str,
    },
}

impl ValueError {
    /// `min` or `max` (`function`) met a value of kind `a` and one of kind
    /// `b`: the kinds are named in a fixed order, so the message does not
    /// depend on the order an engine met the values in.
    pub fn mixed_kinds(function: &'static str, a: ValueType, b: ValueType) -> ValueError {
        let (lhs, rhs) = if a.name() <= b.name() {
            (a.name(), b.name())
        } else {
            (b.name(), a.name())
        };
        ValueError::AggregateMixedKinds { function, lhs, rhs }
    }
}

/// How far a [`Store`] was filled at some point (see [`Store::mark`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StoreMark {
    texts: usize,
    big_ints: usize,
}

impl Default for Packed {
    /// The integer 0.
    fn default() -> Packed {
        Packed::ZERO
    }
}

/// The interner behind packed symbols, strings and large integers.
#[derive(Clone, Debug, Default)]
pub struct Store {
    texts: Vec<Box<str>>,
    text_ids: HashMap<Box<str>, u32>,
    big_ints: Vec<i64>,
    big_int_ids: HashMap<i64, u32>,
    decimals: Vec<Decimal>,
    decimal_ids: HashMap<Decimal, u32>,
    datetimes: Vec<Datetime>,
    datetime_ids: HashMap<Datetime, u32>,
    /// Compiled regular expressions by pattern (or why one did not compile).
    patterns: HashMap<Box<str>, Result<Regex, String>>,
    overflowed: bool,
}

/// Interns `value` in `values`/`ids`, or flags `overflowed` past the limit.
fn intern_boxed<T: Copy + Eq + std::hash::Hash>(
    values: &mut Vec<T>,
    ids: &mut HashMap<T, u32>,
    overflowed: &mut bool,
    value: T,
) -> u32 {
    if let Some(&id) = ids.get(&value) {
        return id;
    }
    if values.len() >= MAX_INTERNED {
        *overflowed = true;
        return 0;
    }
    let id = values.len() as u32;
    values.push(value);
    ids.insert(value, id);
    id
}

impl Store {
    /// An empty store.
    pub fn new() -> Store {
        Store::default()
    }

    fn intern_text(&mut self, text: &str) -> u32 {
        if let Some(&id) = self.text_ids.get(text) {
            return id;
        }
        if self.texts.len() >= MAX_INTERNED {
            self.overflowed = true;
            return 0;
        }
        let id = self.texts.len() as u32;
        self.texts.push(text.into());
        self.text_ids.insert(text.into(), id);
        id
    }

    /// True once more values were interned than a `Packed` can address;
    /// values packed since then are placeholders and evaluation must stop.
    pub fn overflowed(&self) -> bool {
        self.overflowed
    }

    /// How far the store is filled, so that what is interned later can be
    /// forgotten with [`Store::truncate`].
    pub fn mark(&self) -> StoreMark {
        StoreMark {
            texts: self.texts.len(),
            big_ints: self.big_ints.len(),
        }
    }

    /// Forgets every value interned since `mark`: what a query computed
    /// for its answer (decoded by then) must not stay for the session.
    /// The caller keeps no packed value interned after `mark`.
    pub fn truncate(&mut self, mark: StoreMark) {
        if self.texts.len() > mark.texts {
            for text in self.texts.drain(mark.texts..) {
                self.text_ids.remove(&text);
            }
        }
        if self.big_ints.len() > mark.big_ints {
            for number in self.big_ints.drain(mark.big_ints..) {
                self.big_int_ids.remove(&number);
            }
        }
    }

    /// The number of values interned: texts and large integers.
    pub fn n_interned(&self) -> usize {
        self.texts.len() + self.big_ints.len()
    }

    /// Packs an integer.
    pub fn int(&mut self, value: i64) -> Packed {
        if (SMALL_INT_MIN..=SMALL_INT_MAX).contains(&value) {
            return Packed((TAG_INT << TAG_SHIFT) | Store::offset_payload(value));
        }
        let id = match self.big_int_ids.get(&value) {
            Some(&id) => id,
            None if self.big_ints.len() >= MAX_INTERNED => {
                self.overflowed = true;
                0
            }
            None => {
                let id = self.big_ints.len() as u32;
                self.big_ints.push(value);
                self.big_int_ids.insert(value, id);
                id
            }
        };
        Packed((TAG_BIG_INT << TAG_SHIFT) | id)
    }

    /// Packs a date given as days since 1970-01-01. Every date of years 1 to
    /// 9999 is within ±2^28 days, so dates never need the store.
    pub fn date_days(days: i64) -> Packed {
        Packed((TAG_DATE << TAG_SHIFT) | Store::offset_payload(days))
    }

    /// Packs a decimal (boxed: its 64 bits do not fit the payload).
    pub fn decimal(&mut self, value: Decimal) -> Packed {
        let id = intern_boxed(
            &mut self.decimals,
            &mut self.decimal_ids,
            &mut self.overflowed,
            value,
        );
        Packed((TAG_DECIMAL << TAG_SHIFT) | id)
    }

    /// Packs a datetime (boxed, like a decimal).
    pub fn datetime(&mut self, value: Datetime) -> Packed {
        let id = intern_boxed(
            &mut self.datetimes,
            &mut self.datetime_ids,
            &mut self.overflowed,
            value,
        );
        Packed((TAG_DATETIME << TAG_SHIFT) | id)
    }

    /// The decimal, if `value` is one.
    pub fn as_decimal(&self, value: Packed) -> Option<Decimal> {
        (value.0 >> TAG_SHIFT == TAG_DECIMAL)
            .then(|| {
                self.decimals
                    .get((value.0 & PAYLOAD_MASK) as usize)
                    .copied()
            })
            .flatten()
    }

    /// The datetime, if `value` is one.
    pub fn as_datetime(&self, value: Packed) -> Option<Datetime> {
        (value.0 >> TAG_SHIFT == TAG_DATETIME)
            .then(|| {
                self.datetimes
                    .get((value.0 & PAYLOAD_MASK) as usize)
                    .copied()
            })
            .flatten()
    }

    /// An integer or decimal as millionths, for mixed arithmetic and ordering.
    fn as_millionths(&self, value: Packed) -> Option<i128> {
        match self.as_decimal(value) {
            Some(decimal) => Some(i128::from(decimal.millionths())),
            None => self
                .as_int(value)
                .map(|integer| i128::from(integer) * 1_000_000),
        }
    }

    /// Packs a symbol.
    pub fn symbol(&mut self, name: &str) -> Packed {
        Packed((TAG_SYMBOL << TAG_SHIFT) | self.intern_text(name))
    }

    /// Packs a string.
    pub fn string(&mut self, text: &str) -> Packed {
        Packed((TAG_STRING << TAG_SHIFT) | self.intern_text(text))
    }

    /// Packs any value.
    pub fn pack(&mut self, value: &Value) -> Packed {
        match value {
            Value::Integer(number) => self.int(*number),
            Value::Decimal(decimal) => self.decimal(*decimal),
            Value::Date(date) => Store::date_days(date.to_days()),
            Value::Datetime(datetime) => self.datetime(*datetime),
            Value::Symbol(name) => self.symbol(name),
            Value::String(text) => self.string(text),
        }
    }

    /// The packed form of `value` if it was ever packed, without interning it.
    pub fn lookup(&self, value: &Value) -> Option<Packed> {
        match value {
            Value::Integer(number) if (SMALL_INT_MIN..=SMALL_INT_MAX).contains(number) => Some(
                Packed((TAG_INT << TAG_SHIFT) | Store::offset_payload(*number)),
            ),
            Value::Integer(number) => self
                .big_int_ids
                .get(number)
                .map(|&id| Packed((TAG_BIG_INT << TAG_SHIFT) | id)),
            Value::Decimal(decimal) => self
                .decimal_ids
                .get(decimal)
                .map(|&id| Packed((TAG_DECIMAL << TAG_SHIFT) | id)),
            Value::Datetime(datetime) => self
                .datetime_ids
                .get(datetime)
                .map(|&id| Packed((TAG_DATETIME << TAG_SHIFT) | id)),
            Value::Date(date) => Some(Store::date_days(date.to_days())),
            Value::Symbol(name) => self
                .text_ids
                .get(name.as_str())
                .map(|&id| Packed((TAG_SYMBOL << TAG_SHIFT) | id)),
            Value::String(text) => self
                .text_ids
                .get(text.as_str())
                .map(|&id| Packed((TAG_STRING << TAG_SHIFT) | id)),
        }
    }

    /// The type of a packed value.
    pub fn value_type(value: Packed) -> ValueType {
        match value.0 >> TAG_SHIFT {
            TAG_INT | TAG_BIG_INT => ValueType::Integer,
            TAG_DECIMAL => ValueType::Decimal,
            TAG_DATE => ValueType::Date,
            TAG_DATETIME => ValueType::Datetime,
            TAG_SYMBOL => ValueType::Symbol,
            _ => ValueType::String,
        }
    }

    /// The payload of an inline integer or date: the value plus 2^28, so
    /// that inline values of one tag sort by their bits in numeric order
    /// (a sorted run of them can be cut at a bound by binary search).
    fn offset_payload(value: i64) -> u32 {
        (value - SMALL_INT_MIN) as u32 & PAYLOAD_MASK
    }

    fn payload_signed(value: Packed) -> i64 {
        i64::from(value.0 & PAYLOAD_MASK) + SMALL_INT_MIN
    }

    /// The integer, if `value` is one.
    pub fn as_int(&self, value: Packed) -> Option<i64> {
        match value.0 >> TAG_SHIFT {
            TAG_INT => Some(Store::payload_signed(value)),
            TAG_BIG_INT => self
                .big_ints
                .get((value.0 & PAYLOAD_MASK) as usize)
                .copied(),
            _ => None,
        }
    }

    /// Days since 1970-01-01, if `value` is a date.
    pub fn as_days(value: Packed) -> Option<i64> {
        (value.0 >> TAG_SHIFT == TAG_DATE).then(|| Store::payload_signed(value))
    }

    /// The text of a symbol or string.
    pub fn as_text(&self, value: Packed) -> Option<&str> {
        match value.0 >> TAG_SHIFT {
            TAG_SYMBOL | TAG_STRING => self
                .texts
                .get((value.0 & PAYLOAD_MASK) as usize)
                .map(|text| &**text),
            _ => None,
        }
    }

    /// Decodes a packed value.
    pub fn unpack(&self, value: Packed) -> Value {
        match value.0 >> TAG_SHIFT {
            TAG_INT | TAG_BIG_INT => Value::Integer(self.as_int(value).unwrap_or_default()),
            TAG_DECIMAL => Value::Decimal(
                self.as_decimal(value)
                    .unwrap_or(Decimal::from_millionths(0)),
            ),
            TAG_DATETIME => Value::Datetime(self.as_datetime(value).unwrap_or(Datetime {
                seconds: 0,
                offset_minutes: 0,
            })),
            TAG_DATE => Value::Date(Store::as_days(value).and_then(Date::from_days).unwrap_or(
                Date {
                    year: 1970,
                    month: 1,
                    day: 1,
                },
            )),
            TAG_SYMBOL => Value::Symbol(self.as_text(value).unwrap_or_default().to_string()),
            _ => Value::String(self.as_text(value).unwrap_or_default().to_string()),
        }
    }

    /// The order users see: integers, decimals, dates, datetimes, symbols,
    /// strings; each by value.
    pub fn compare(&self, lhs: Packed, rhs: Packed) -> Ordering {
        let rank = |value: Packed| match Store::value_type(value) {
            ValueType::Integer => 0,
            ValueType::Decimal => 1,
            ValueType::Date => 2,
            ValueType::Datetime => 3,
            ValueType::Symbol => 4,
            ValueType::String => 5,
        };
        rank(lhs)
            .cmp(&rank(rhs))
            .then_with(|| match Store::value_type(lhs) {
                ValueType::Integer => self.as_int(lhs).cmp(&self.as_int(rhs)),
                ValueType::Decimal => self.as_decimal(lhs).cmp(&self.as_decimal(rhs)),
                ValueType::Date => Store::as_days(lhs).cmp(&Store::as_days(rhs)),
                ValueType::Datetime => self.as_datetime(lhs).cmp(&self.as_datetime(rhs)),
                ValueType::Symbol | ValueType::String => self.as_text(lhs).cmp(&self.as_text(rhs)),
            })
    }

    /// Evaluates a comparison; ordering values of different types is an error.
    #[inline]
    pub fn compare_op(&self, op: CompareOp, lhs: Packed, rhs: Packed) -> Result<bool, ValueError> {
        match Store::compare_inline(op, lhs, rhs) {
            Some(outcome) => Ok(outcome),
            None => self.compare_slow(op, lhs, rhs),
        }
    }

    /// A comparison decided from the packed bits alone: any equality, and
    /// an order between two inline integers or two dates (whose bits are in
    /// numeric order); `None` when the store or a type error is involved.
    #[inline]
    pub fn compare_inline(op: CompareOp, lhs: Packed, rhs: Packed) -> Option<bool> {
        match op {
            CompareOp::Eq => return Some(lhs == rhs),
            CompareOp::Ne => return Some(lhs != rhs),
            _ => {}
        }
        if !lhs.same_kind(rhs) || !lhs.sorts_numerically() {
            return None;
        }
        Some(match op {
            CompareOp::Lt => lhs < rhs,
            CompareOp::Le => lhs <= rhs,
            CompareOp::Gt => lhs > rhs,
            _ => lhs >= rhs,
        })
    }

    fn compare_slow(&self, op: CompareOp, lhs: Packed, rhs: Packed) -> Result<bool, ValueError> {
        let (lhs_type, rhs_type) = (Store::value_type(lhs), Store::value_type(rhs));
        let numbers = [ValueType::Integer, ValueType::Decimal];
        if lhs_type != rhs_type && numbers.contains(&lhs_type) && numbers.contains(&rhs_type) {
            // An integer and a decimal order by value (they are never `=`).
            let ordering = self.as_millionths(lhs).cmp(&self.as_millionths(rhs));
            return Ok(match op {
                CompareOp::Lt => ordering == Ordering::Less,
                CompareOp::Le => ordering != Ordering::Greater,
                CompareOp::Gt => ordering == Ordering::Greater,
                _ => ordering != Ordering::Less,
            });
        }
        if lhs_type != rhs_type {
            return Err(ValueError::TypeMismatch {
                op: op.symbol().to_string(),
                lhs: lhs_type.name(),
                rhs: rhs_type.name(),
            });
        }
        let ordering = self.compare(lhs, rhs);
        Ok(match op {
            CompareOp::Lt => ordering == Ordering::Less,
            CompareOp::Le => ordering != Ordering::Greater,
            CompareOp::Gt => ordering == Ordering::Greater,
            _ => ordering != Ordering::Less,
        })
    }

    /// Evaluates `lhs op rhs`: checked integer arithmetic and date shifting.
    pub fn arithmetic(
        &mut self,
        op: ArithOp,
        lhs: Packed,
        rhs: Packed,
    ) -> Result<Packed, ValueError> {
        let mismatch = || ValueError::TypeMismatch {
            op: op.symbol().to_string(),
            lhs: Store::value_type(lhs).name(),
            rhs: Store::value_type(rhs).name(),
        };
        let overflow = |a: i64, b: i64| ValueError::IntegerOverflow {
            lhs: a.to_string(),
            op: op.symbol(),
            rhs: b.to_string(),
        };
        if self.as_decimal(lhs).is_some() || self.as_decimal(rhs).is_some() {
            return self.decimal_arithmetic(op, lhs, rhs);
        }
        match (
            self.as_int(lhs),
            self.as_int(rhs),
            Store::as_days(lhs),
            Store::as_days(rhs),
        ) {
            (Some(a), Some(b), _, _) => {
                let result = match op {
                    ArithOp::Add => a.checked_add(b),
                    ArithOp::Sub => a.checked_sub(b),
                    ArithOp::Mul => a.checked_mul(b),
                    ArithOp::Div | ArithOp::Mod if b == 0 => {
                        return Err(ValueError::DivisionByZero {
                            lhs: a.to_string(),
                            op: op.symbol(),
                        });
                    }
                    // As in clingo and Soufflé: division truncates toward zero and
                    // `mod` is its remainder (the sign of the dividend), so that
                    // `a = (a / b) * b + a mod b` always holds.
                    ArithOp::Div => a.checked_div(b),
                    ArithOp::Mod => a.checked_rem(b),
                };
                result
                    .map(|value| self.int(value))
                    .ok_or_else(|| overflow(a, b))
            }
            (None, Some(shift), Some(days), _) => {
                let moved = match op {
                    ArithOp::Add => days.checked_add(shift),
                    ArithOp::Sub => days.checked_sub(shift),
                    _ => return Err(mismatch()),
                };
                Store::checked_date(moved)
            }
            (Some(shift), None, _, Some(days)) if op == ArithOp::Add => {
                Store::checked_date(days.checked_add(shift))
            }
            (None, None, Some(a), Some(b)) if op == ArithOp::Sub => Ok(self.int(a - b)),
            _ => Err(mismatch()),
        }
    }

    /// `lhs op rhs` where one side is a decimal and the other a decimal or
    /// an integer: exact, then rounded half away from zero to six places.
    fn decimal_arithmetic(
        &mut self,
        op: ArithOp,
        lhs: Packed,
        rhs: Packed,
    ) -> Result<Packed, ValueError> {
        let (Some(a), Some(b)) = (self.as_millionths(lhs), self.as_millionths(rhs)) else {
            return Err(ValueError::TypeMismatch {
                op: op.symbol().to_string(),
                lhs: Store::value_type(lhs).name(),
                rhs: Store::value_type(rhs).name(),
            });
        };
        let text = |units: i128| {
            Decimal::from_ratio(units, 1_000_000)
                .map_or_else(|| units.to_string(), |decimal| decimal.to_string())
        };
        let overflow = || ValueError::IntegerOverflow {
            lhs: text(a),
            op: op.symbol(),
            rhs: text(b),
        };
        let result = match op {
            ArithOp::Add => a
                .checked_add(b)
                .and_then(|sum| Decimal::from_ratio(sum, 1_000_000)),
            ArithOp::Sub => a
                .checked_sub(b)
                .and_then(|difference| Decimal::from_ratio(difference, 1_000_000)),
            ArithOp::Mul => a
                .checked_mul(b)
                .and_then(|product| Decimal::from_ratio(product, 1_000_000_000_000)),
            ArithOp::Div if b == 0 => {
                return Err(ValueError::DivisionByZero {
                    lhs: text(a),
                    op: op.symbol(),
                });
            }
            ArithOp::Div => Decimal::from_ratio(a, b),
            ArithOp::Mod => {
                return Err(ValueError::TypeMismatch {
                    op: op.symbol().to_string(),
                    lhs: Store::value_type(lhs).name(),
                    rhs: Store::value_type(rhs).name(),
                });
            }
        };
        result
            .map(|decimal| self.decimal(decimal))
            .ok_or_else(overflow)
    }

    fn checked_date(days: Option<i64>) -> Result<Packed, ValueError> {
        days.and_then(Date::from_days)
            .map(|date| Store::date_days(date.to_days()))
            .ok_or(ValueError::DateOutOfRange)
    }

    /// Text of a value for `concat`: symbols and strings as their text, numbers and dates as written.
    fn display_text(&self, value: Packed) -> String {
        match self.as_text(value) {
            Some(text) => text.to_string(),
            None => self.unpack(value).text(),
        }
    }

    /// Applies a built-in function. The tests (`contains`, `match`, ...)
    /// yield the integer 1 or 0 (callers treat it as a test); a partial
    /// function with no value yields `ValueError::Undefined`.
    pub fn call(&mut self, function: Function, args: &[Packed]) -> Result<Packed, ValueError> {
        let arg_type = |index: usize| {
            args.get(index)
                .map_or("nothing", |&value| Store::value_type(value).name())
        };
        let mismatch = || ValueError::TypeMismatch {
            op: function.name().to_string(),
            lhs: arg_type(0),
            rhs: arg_type(1),
        };
        let arg = |index: usize| args.get(index).copied().ok_or_else(mismatch);
        let first = arg(0)?;
        match function {
            Function::Len => {
                let text = self.as_text(first).ok_or_else(mismatch)?;
                let length = text.chars().count() as i64;
                Ok(self.int(length))
            }
            Function::Concat => {
                let second = *args.get(1).ok_or_else(mismatch)?;
                let (lhs, rhs) = (self.display_text(first), self.display_text(second));
                let bytes = lhs.len() + rhs.len();
                if bytes > MAX_TEXT_BYTES {
                    return Err(ValueError::TextTooLong {
                        function: "concat",
                        bytes,
                    });
                }
                Ok(self.string(&(lhs + &rhs)))
            }
            Function::ToString => {
                let text = self.display_text(first);
                Ok(self.string(&text))
            }
            Function::Lower | Function::Upper => {
                let text = self.as_text(first).ok_or_else(mismatch)?;
                let changed = if function == Function::Lower {
                    text.to_lowercase()
                } else {
                    text.to_uppercase()
                };
                // Case changes can lengthen a text (`ß` becomes `SS`).
                if changed.len() > MAX_TEXT_BYTES {
                    return Err(ValueError::TextTooLong {
                        function: function.name(),
                        bytes: changed.len(),
                    });
                }
                Ok(self.same_kind_text(first, &changed))
            }
            Function::Contains | Function::StartsWith | Function::EndsWith => {
                let found = match (self.as_text(first), self.as_text(arg(1)?)) {
                    (Some(text), Some(part)) => match function {
                        Function::Contains => text.contains(part),
                        Function::StartsWith => text.starts_with(part),
                        _ => text.ends_with(part),
                    },
                    _ => return Err(mismatch()),
                };
                Ok(self.int(i64::from(found)))
            }
            Function::Not => {
                let holds = self.as_int(first).ok_or_else(mismatch)?;
                Ok(self.int(i64::from(holds != 1)))
            }
            Function::Substr => {
                let text = self.as_text(first).ok_or_else(mismatch)?;
                let (Some(start), Some(length)) = (self.as_int(arg(1)?), self.as_int(arg(2)?))
                else {
                    return Err(mismatch());
                };
                // Clamped to the text, as SQL's substr: never an error.
                let part: String = text
                    .chars()
                    .skip(usize::try_from(start.max(0)).unwrap_or(usize::MAX))
                    .take(usize::try_from(length.max(0)).unwrap_or(usize::MAX))
                    .collect();
                Ok(self.same_kind_text(first, &part))
            }
            Function::Replace => {
                let (Some(text), Some(from), Some(to)) = (
                    self.as_text(first),
                    self.as_text(arg(1)?),
                    self.as_text(arg(2)?),
                ) else {
                    return Err(mismatch());
                };
                let replaced = if from.is_empty() {
                    text.to_string()
                } else {
                    text.replace(from, to)
                };
                Ok(self.same_kind_text(first, &replaced))
            }
            Function::Split => {
                let (Some(text), Some(separator), Some(index)) = (
                    self.as_text(first),
                    self.as_text(arg(1)?),
                    self.as_int(arg(2)?),
                ) else {
                    return Err(mismatch());
                };
                let undefined = ValueError::Undefined { function: "split" };
                if separator.is_empty() {
                    return Err(undefined);
                }
                let part = usize::try_from(index)
                    .ok()
                    .and_then(|index| text.split(separator).nth(index))
                    .map(str::to_string)
                    .ok_or(undefined)?;
                Ok(self.same_kind_text(first, &part))
            }
            Function::Match | Function::Capture => {
                let (Some(pattern), Some(text)) = (self.as_text(first), self.as_text(arg(1)?))
                else {
                    return Err(mismatch());
                };
                let (pattern, text) = (pattern.to_string(), text.to_string());
                let regex = self.regex(&pattern)?;
                if function == Function::Match {
                    let found = regex.is_match(&text);
                    return Ok(self.int(i64::from(found)));
                }
                let group = self.as_int(arg(2)?).ok_or_else(mismatch)?;
                let captured = usize::try_from(group)
                    .ok()
                    .and_then(|group| regex.captures(&text)?.get(group))
                    .map(|found| found.as_str().to_string())
                    .ok_or(ValueError::Undefined {
                        function: "capture",
                    })?;
                Ok(self.string(&captured))
            }
            Function::ToNumber => {
                let text = self.as_text(first).ok_or_else(mismatch)?.trim().to_string();
                let undefined = ValueError::Undefined {
                    function: "to_number",
                };
                if text.contains('.') {
                    let decimal = Decimal::parse(&text).map_err(|_| undefined)?;
                    Ok(self.decimal(decimal))
                } else {
                    let integer = text.parse::<i64>().map_err(|_| undefined)?;
                    Ok(self.int(integer))
                }
            }
            Function::Year | Function::Month | Function::Day | Function::Weekday => {
                let date = match self.as_datetime(first) {
                    Some(datetime) => datetime.local_date(),
                    None => Store::as_days(first)
                        .and_then(Date::from_days)
                        .ok_or_else(mismatch)?,
                };
                Ok(match function {
                    Function::Year => self.int(i64::from(date.year)),
                    Function::Month => self.int(i64::from(date.month)),
                    Function::Day => self.int(i64::from(date.day)),
                    _ => self.symbol(date.weekday()),
                })
            }
            Function::ToDate | Function::Hour | Function::Minute => {
                let datetime = self.as_datetime(first).ok_or_else(mismatch)?;
                Ok(match function {
                    Function::ToDate => Store::date_days(datetime.local_date().to_days()),
                    Function::Hour => self.int(datetime.hour()),
                    _ => self.int(datetime.minute()),
                })
            }
            Function::HoursBetween | Function::MinutesBetween => {
                let (Some(from), Some(to)) = (self.as_datetime(first), self.as_datetime(arg(1)?))
                else {
                    return Err(mismatch());
                };
                let unit = if function == Function::HoursBetween {
                    3600
                } else {
                    60
                };
                // Truncated toward zero, as integer division.
                Ok(self.int((to.seconds - from.seconds) / unit))
            }
            Function::Abs | Function::Round => {
                if let Some(integer) = self.as_int(first) {
                    return match function {
                        Function::Round => Ok(first),
                        _ => integer
                            .checked_abs()
                            .map(|value| self.int(value))
                            .ok_or_else(|| ValueError::IntegerOverflow {
                                lhs: integer.to_string(),
                                op: "abs",
                                rhs: String::new(),
                            }),
                    };
                }
                let decimal = self.as_decimal(first).ok_or_else(mismatch)?;
                Ok(match function {
                    Function::Round => self.int(decimal.round()),
                    _ => self.decimal(Decimal::from_millionths(decimal.millionths().abs())),
                })
            }
            Function::Pow => {
                let exponent = self.as_int(arg(1)?).ok_or_else(mismatch)?;
                let exponent = u32::try_from(exponent).map_err(|_| mismatch())?;
                let overflow = |base: String| ValueError::IntegerOverflow {
                    lhs: base,
                    op: "pow",
                    rhs: exponent.to_string(),
                };
                if let Some(base) = self.as_int(first) {
                    let power = base
                        .checked_pow(exponent)
                        .ok_or_else(|| overflow(base.to_string()))?;
                    return Ok(self.int(power));
                }
                let base = self.as_decimal(first).ok_or_else(mismatch)?;
                let mut power = self.int(1);
                let base_packed = self.decimal(base);
                for _ in 0..exponent {
                    power = self
                        .arithmetic(ArithOp::Mul, power, base_packed)
                        .map_err(|_| overflow(base.to_string()))?;
                }
                Ok(power)
            }
            Function::Min | Function::Max => {
                let second = arg(1)?;
                let keep_first = self.compare_op(
                    if function == Function::Min {
                        CompareOp::Le
                    } else {
                        CompareOp::Ge
                    },
                    first,
                    second,
                )?;
                Ok(if keep_first { first } else { second })
            }
        }
    }

    /// `text` as a symbol when `like` is one, otherwise as a string.
    fn same_kind_text(&mut self, like: Packed, text: &str) -> Packed {
        match Store::value_type(like) {
            ValueType::Symbol => self.symbol(text),
            _ => self.string(text),
        }
    }

    /// The compiled regular expression of `pattern`, compiled once per store.
    pub fn regex(&mut self, pattern: &str) -> Result<Regex, ValueError> {
        let compiled = self
            .patterns
            .entry(pattern.into())
            .or_insert_with(|| crate::text::compile_pattern(pattern));
        compiled.clone().map_err(|message| ValueError::BadPattern {
            pattern: pattern.to_string(),
            message,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_is_the_integer_zero_and_inline_values_sort_numerically() {
        let mut store = Store::new();
        assert_eq!(store.int(0), Packed::ZERO);
        assert_eq!(Packed::default(), Packed::ZERO);
        let values = [SMALL_INT_MIN, -5, -1, 0, 1, 7, SMALL_INT_MAX];
        let packed: Vec<Packed> = values.iter().map(|&value| store.int(value)).collect();
        assert!(packed.windows(2).all(|pair| pair[0] < pair[1]));
        let days: Vec<Packed> = [-3, 0, 20_000]
            .iter()
            .map(|&day| Store::date_days(day))
            .collect();
        assert!(days.windows(2).all(|pair| pair[0] < pair[1]));
    }

    #[test]
    fn integers_round_trip_across_the_whole_range() {
        let mut store = Store::new();
        for number in [
            0,
            1,
            -1,
            SMALL_INT_MAX,
            SMALL_INT_MIN,
            SMALL_INT_MAX + 1,
            SMALL_INT_MIN - 1,
            i64::MAX,
            i64::MIN,
        ] {
            let packed = store.int(number);
            assert_eq!(store.as_int(packed), Some(number), "{number}");
            assert_eq!(store.int(number), packed, "canonical encoding of {number}");
        }
    }

    #[test]
    fn arithmetic_is_checked() {
        let mut store = Store::new();
        let max = store.int(i64::MAX);
        let one = store.int(1);
        assert!(matches!(
            store.arithmetic(ArithOp::Add, max, one),
            Err(ValueError::IntegerOverflow { .. })
        ));
        let zero = store.int(0);
        assert!(matches!(
            store.arithmetic(ArithOp::Div, one, zero),
            Err(ValueError::DivisionByZero { .. })
        ));
        let minus_seven = store.int(-7);
        let two = store.int(2);
        let remainder = store.arithmetic(ArithOp::Mod, minus_seven, two).unwrap();
        assert_eq!(store.as_int(remainder), Some(-1));
        let quotient = store.arithmetic(ArithOp::Div, minus_seven, two).unwrap();
        assert_eq!(store.as_int(quotient), Some(-3));
    }

    #[test]
    fn dates_shift_and_subtract() {
        let mut store = Store::new();
        let day = |y, m, d| Store::date_days(Date::new(y, m, d).unwrap().to_days());
        let three = store.int(3);
        let shifted = store
            .arithmetic(ArithOp::Add, day(2025, 10, 29), three)
            .unwrap();
        assert_eq!(shifted, day(2025, 11, 1));
        let gap = store
            .arithmetic(ArithOp::Sub, day(2025, 11, 1), day(2025, 10, 19))
            .unwrap();
        assert_eq!(store.as_int(gap), Some(13));
        let symbol = store.symbol("qatar");
        assert!(store.arithmetic(ArithOp::Add, symbol, three).is_err());
        assert!(store.compare_op(CompareOp::Lt, symbol, three).is_err());
        let weekday = store.call(Function::Weekday, &[day(2025, 10, 29)]).unwrap();
        assert_eq!(store.as_text(weekday), Some("wednesday"));
    }

    #[test]
    fn decimals_compute_exactly_and_order_with_integers() {
        let mut store = Store::new();
        let decimal = |store: &mut Store, text: &str| store.decimal(Decimal::parse(text).unwrap());
        let (tenth, fifth) = (decimal(&mut store, "0.1"), decimal(&mut store, "0.2"));
        let sum = store.arithmetic(ArithOp::Add, tenth, fifth).unwrap();
        assert_eq!(sum, decimal(&mut store, "0.3"), "0.1 + 0.2 = 0.3 exactly");
        let three = store.int(3);
        let (one, three_decimal) = (store.int(1), decimal(&mut store, "3.0"));
        let third = store.arithmetic(ArithOp::Div, one, three_decimal).unwrap();
        assert_eq!(store.unpack(third).to_string(), "0.333333");
        let three_point_o = decimal(&mut store, "3.0");
        assert!(
            !store
                .compare_op(CompareOp::Eq, three, three_point_o)
                .unwrap()
        );
        assert!(
            store
                .compare_op(CompareOp::Le, three, three_point_o)
                .unwrap()
        );
        assert!(store.compare_op(CompareOp::Lt, sum, three).unwrap());
        assert!(
            store
                .arithmetic(ArithOp::Mod, three_point_o, three)
                .is_err()
        );
        let zero = decimal(&mut store, "0.0");
        assert!(matches!(
            store.arithmetic(ArithOp::Div, three_point_o, zero),
            Err(ValueError::DivisionByZero { .. })
        ));
        let huge = store.decimal(Decimal::from_millionths(i64::MAX));
        assert!(matches!(
            store.arithmetic(ArithOp::Add, huge, huge),
            Err(ValueError::IntegerOverflow { .. })
        ));
    }

    #[test]
    fn text_functions_and_their_missing_values() {
        let mut store = Store::new();
        let text = store.string("a,b,,c");
        let comma = store.string(",");
        let part = |store: &mut Store, index: i64| {
            let index = store.int(index);
            store.call(Function::Split, &[text, comma, index])
        };
        let (second, third) = (part(&mut store, 1).unwrap(), part(&mut store, 2).unwrap());
        assert_eq!(
            (store.as_text(second), store.as_text(third)),
            (Some("b"), Some(""))
        );
        assert!(matches!(
            part(&mut store, 4),
            Err(ValueError::Undefined { .. })
        ));
        assert!(matches!(
            part(&mut store, -1),
            Err(ValueError::Undefined { .. })
        ));
        let symbol = store.symbol("istanbul_talks");
        let (start, length) = (store.int(9), store.int(100));
        let tail = store
            .call(Function::Substr, &[symbol, start, length])
            .unwrap();
        assert_eq!(store.unpack(tail), Value::Symbol("talks".into()));
        let pattern = store.string("(\\d+) killed");
        let quote = store.string("says 58 killed");
        let group = store.int(1);
        let captured = store
            .call(Function::Capture, &[pattern, quote, group])
            .unwrap();
        assert_eq!(store.as_text(captured), Some("58"));
        let other = store.string("nobody");
        assert!(matches!(
            store.call(Function::Capture, &[pattern, other, group]),
            Err(ValueError::Undefined { .. })
        ));
        let bad = store.string("(");
        assert!(matches!(
            store.call(Function::Match, &[bad, quote]),
            Err(ValueError::BadPattern { .. })
        ));
        let found = store.call(Function::Match, &[pattern, quote]).unwrap();
        let negated = store.call(Function::Not, &[found]).unwrap();
        assert_eq!(
            (store.as_int(found), store.as_int(negated)),
            (Some(1), Some(0))
        );
        let spelled = store.string(" 2.50 ");
        let number = store.call(Function::ToNumber, &[spelled]).unwrap();
        assert_eq!(store.unpack(number).to_string(), "2.5");
    }

    #[test]
    fn numbers_and_times() {
        let mut store = Store::new();
        let minus = store.int(-4);
        let abs = store.call(Function::Abs, &[minus]).unwrap();
        assert_eq!(store.as_int(abs), Some(4));
        let min = store.int(i64::MIN);
        assert!(store.call(Function::Abs, &[min]).is_err());
        let (two, big) = (store.int(2), store.int(70));
        assert!(store.call(Function::Pow, &[two, big]).is_err());
        let negative = store.int(-1);
        assert!(store.call(Function::Pow, &[two, negative]).is_err());
        let earlier =
            store.datetime(crate::value::Datetime::parse("2025-10-29T14:30+03:00").unwrap());
        let later = store.datetime(crate::value::Datetime::parse("2025-10-29T12:00Z").unwrap());
        assert!(store.compare_op(CompareOp::Lt, earlier, later).unwrap());
        let minutes = store
            .call(Function::MinutesBetween, &[earlier, later])
            .unwrap();
        assert_eq!(store.as_int(minutes), Some(30));
        let back = store
            .call(Function::HoursBetween, &[later, earlier])
            .unwrap();
        assert_eq!(store.as_int(back), Some(0), "truncated toward zero");
        let date = store.call(Function::ToDate, &[earlier]).unwrap();
        assert_eq!(store.unpack(date).to_string(), "2025-10-29");
        assert!(store.compare_op(CompareOp::Lt, earlier, date).is_err());
    }
}
