//! The values the dataflow engine moves between workers and processes.
//!
//! The datafrog engine packs a value into one `u64` whose text ids are
//! private to one `Store`; a record exchanged between worker threads or
//! processes must mean the same thing everywhere, so here a symbol or string
//! travels as its text (shared, so copying a row copies no text). The order
//! of `Datum` is the order users see (integers, dates, symbols, strings, each
//! by value), so sorted answers need no store. Arithmetic, comparisons and
//! built-in functions are not defined here: `Evaluator` hands them to the
//! datafrog engine's `Store` and `CompiledExpr` (see `expr`), so both
//! engines compute with the same code.

use crate::eval::{Packed, Store, ValueType};
use crate::value::{Date, Datetime, Decimal, Value};
use rustc_hash::FxHashMap;
use std::sync::Arc;

/// One value in a dataflow record.
#[derive(
    Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum Datum {
    /// A 64-bit integer.
    Int(i64),
    /// A decimal.
    Decimal(Decimal),
    /// A date, as days since 1970-01-01.
    Date(i64),
    /// A datetime: seconds since the epoch (UTC) and the offset written, in
    /// minutes; two fields rather than a `Datetime`, so that the tag fits
    /// beside the offset and a `Datum` stays two words.
    Datetime(i64, i16),
    /// A symbol such as `qatar`.
    Symbol(Text),
    /// A string.
    Str(Text),
}

/// Shared text behind a thin pointer, so a `Datum` is two words.
pub type Text = Arc<String>;

/// A tuple of a relation, or the bindings of a rule body so far: up to
/// three values inline, so most rows, keys and values cost no allocation.
pub type Row = smallvec::SmallVec<[Datum; 3]>;

impl Datum {
    /// The dataflow form of a value.
    pub fn from_value(value: &Value) -> Datum {
        match value {
            Value::Integer(number) => Datum::Int(*number),
            Value::Decimal(decimal) => Datum::Decimal(*decimal),
            Value::Date(date) => Datum::Date(date.to_days()),
            Value::Datetime(datetime) => Datum::Datetime(datetime.seconds, datetime.offset_minutes),
            Value::Symbol(name) => Datum::Symbol(Arc::new(name.clone())),
            Value::String(text) => Datum::Str(Arc::new(text.clone())),
        }
    }

    /// Packs the datum into `store` as `store.pack(&self.to_value())`
    /// would, without making a `Value` (no text is copied).
    pub fn pack_into(&self, store: &mut Store) -> Packed {
        match self {
            Datum::Int(number) => store.int(*number),
            Datum::Decimal(decimal) => store.decimal(*decimal),
            Datum::Date(days) => Store::date_days(*days),
            Datum::Datetime(seconds, offset_minutes) => store.datetime(Datetime {
                seconds: *seconds,
                offset_minutes: *offset_minutes,
            }),
            Datum::Symbol(name) => store.symbol(name),
            Datum::Str(text) => store.string(text),
        }
    }

    /// The value as users see it.
    pub fn to_value(&self) -> Value {
        match self {
            Datum::Int(number) => Value::Integer(*number),
            Datum::Decimal(decimal) => Value::Decimal(*decimal),
            Datum::Datetime(seconds, offset_minutes) => Value::Datetime(Datetime {
                seconds: *seconds,
                offset_minutes: *offset_minutes,
            }),
            Datum::Date(days) => Value::Date(Date::from_days(*days).unwrap_or(Date {
                year: 1970,
                month: 1,
                day: 1,
            })),
            Datum::Symbol(name) => Value::Symbol(name.to_string()),
            Datum::Str(text) => Value::String(text.to_string()),
        }
    }
}

/// One shared `Text` per distinct text among the values made data through
/// it: ten million events naming a thousand actors hold a thousand texts.
#[derive(Default)]
pub struct TextPool(rustc_hash::FxHashSet<Text>);

impl TextPool {
    /// The dataflow form of `value`, its text shared with every equal text before it.
    pub fn datum(&mut self, value: &Value) -> Datum {
        match value {
            Value::Symbol(name) => Datum::Symbol(self.share(name)),
            Value::String(text) => Datum::Str(self.share(text)),
            other => Datum::from_value(other),
        }
    }

    fn share(&mut self, text: &String) -> Text {
        if let Some(shared) = self.0.get(text) {
            return Arc::clone(shared);
        }
        let shared = Arc::new(text.clone());
        self.0.insert(Arc::clone(&shared));
        shared
    }
}

/// A worker's bridge to the shared value semantics: packs data into its own
/// `Store`, lets the store compute, and unpacks the result.
#[derive(Default)]
pub struct Evaluator {
    /// The worker's interner; text is interned the first time it is computed with.
    pub store: Store,
    /// Texts already unpacked, so a result that is an existing text costs no allocation.
    texts: FxHashMap<Packed, Text>,
    /// A row packed for `CompiledExpr::evaluate`, reused.
    pub(super) slots: Vec<Packed>,
}

impl Evaluator {
    /// Packs a datum into this worker's store.
    pub fn pack(&mut self, datum: &Datum) -> Packed {
        let packed = datum.pack_into(&mut self.store);
        if let Datum::Symbol(text) | Datum::Str(text) = datum {
            self.texts.entry(packed).or_insert_with(|| Arc::clone(text));
        }
        packed
    }

    /// Unpacks a value computed by the store.
    pub fn unpack(&mut self, packed: Packed) -> Datum {
        match Store::value_type(packed) {
            ValueType::Integer => Datum::Int(self.store.as_int(packed).unwrap_or_default()),
            ValueType::Date => Datum::Date(Store::as_days(packed).unwrap_or_default()),
            ValueType::Decimal => Datum::Decimal(
                self.store
                    .as_decimal(packed)
                    .unwrap_or(Decimal::from_millionths(0)),
            ),
            ValueType::Datetime => {
                let datetime = self.store.as_datetime(packed).unwrap_or(Datetime {
                    seconds: 0,
                    offset_minutes: 0,
                });
                Datum::Datetime(datetime.seconds, datetime.offset_minutes)
            }
            kind => {
                let text = match self.texts.get(&packed) {
                    Some(text) => Arc::clone(text),
                    None => {
                        let text: Text =
                            Arc::new(self.store.as_text(packed).unwrap_or_default().to_string());
                        self.texts.insert(packed, Arc::clone(&text));
                        text
                    }
                };
                if kind == ValueType::Symbol {
                    Datum::Symbol(text)
                } else {
                    Datum::Str(text)
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_is_the_order_users_see() {
        let mut store = Store::new();
        let values = [
            Value::Integer(-5),
            Value::Integer(3),
            Value::Decimal(Decimal::from_millionths(-2_500_000)),
            Value::Decimal(Decimal::from_millionths(2_500_000)),
            Value::Date(Date::new(2025, 10, 29).unwrap()),
            Value::Datetime(Datetime::parse("2025-10-29T14:30:00+03:00").unwrap()),
            Value::Datetime(Datetime::parse("2025-10-29T14:30:00Z").unwrap()),
            Value::Symbol("qatar".into()),
            Value::Symbol("turkey".into()),
            Value::String("Asif".into()),
        ];
        for a in &values {
            for b in &values {
                let (packed_a, packed_b) = (store.pack(a), store.pack(b));
                assert_eq!(
                    Datum::from_value(a).cmp(&Datum::from_value(b)),
                    store.compare(packed_a, packed_b),
                    "{a:?} {b:?}"
                );
            }
        }
    }

    #[test]
    fn a_datum_is_two_words() {
        assert_eq!(std::mem::size_of::<Datum>(), 16);
    }

    #[test]
    fn values_round_trip_through_the_store() {
        let mut evaluator = Evaluator::default();
        for datum in [
            Datum::Int(i64::MIN),
            Datum::Int(7),
            Datum::Date(20_000),
            Datum::Symbol(Arc::new("kabul".into())),
            Datum::Str(Arc::new("Kabul".into())),
        ] {
            let packed = evaluator.pack(&datum);
            assert_eq!(evaluator.unpack(packed), datum);
            assert_eq!(Datum::from_value(&datum.to_value()), datum);
        }
    }
}
