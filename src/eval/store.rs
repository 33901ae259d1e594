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
use crate::value::{Date, Value};
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
const SMALL_INT_MIN: i64 = -(1 << 28);
const SMALL_INT_MAX: i64 = (1 << 28) - 1;
/// Interned texts (and, separately, large integers) the payload can address.
const MAX_INTERNED: usize = 1 << TAG_SHIFT;

/// The kind of a value, for type errors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueType {
    /// 64-bit integer.
    Integer,
    /// Calendar date.
    Date,
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
            ValueType::Date => "date",
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
    overflowed: bool,
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
            Value::Date(date) => Store::date_days(date.to_days()),
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
            TAG_DATE => ValueType::Date,
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

    /// The order users see: integers, dates, symbols, strings; each by value.
    pub fn compare(&self, lhs: Packed, rhs: Packed) -> Ordering {
        let rank = |value: Packed| match Store::value_type(value) {
            ValueType::Integer => 0,
            ValueType::Date => 1,
            ValueType::Symbol => 2,
            ValueType::String => 3,
        };
        rank(lhs)
            .cmp(&rank(rhs))
            .then_with(|| match Store::value_type(lhs) {
                ValueType::Integer => self.as_int(lhs).cmp(&self.as_int(rhs)),
                ValueType::Date => Store::as_days(lhs).cmp(&Store::as_days(rhs)),
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

    /// Applies a built-in function. `contains` yields the integer 1 or 0 (callers treat it as a test).
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
        let first = *args.first().ok_or_else(mismatch)?;
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
                Ok(match Store::value_type(first) {
                    ValueType::Symbol => self.symbol(&changed),
                    _ => self.string(&changed),
                })
            }
            Function::Contains => {
                let second = *args.get(1).ok_or_else(mismatch)?;
                let found = match (self.as_text(first), self.as_text(second)) {
                    (Some(haystack), Some(needle)) => haystack.contains(needle),
                    _ => return Err(mismatch()),
                };
                Ok(self.int(i64::from(found)))
            }
            Function::Year | Function::Month | Function::Day | Function::Weekday => {
                let date = Store::as_days(first)
                    .and_then(Date::from_days)
                    .ok_or_else(mismatch)?;
                Ok(match function {
                    Function::Year => self.int(i64::from(date.year)),
                    Function::Month => self.int(i64::from(date.month)),
                    Function::Day => self.int(i64::from(date.day)),
                    _ => self.symbol(date.weekday()),
                })
            }
        }
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
}
