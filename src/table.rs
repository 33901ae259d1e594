//! Fact tables: many ground facts of one predicate, kept compactly.
//!
//! A file of plain facts (`edge(1, 2).` six hundred thousand times) or an
//! imported CSV file becomes one [`FactTable`] instead of a syntax tree per
//! fact: each value is one 8-byte [`Cell`] (integers and dates inline,
//! symbols and strings as ids into the table's own text pool), each row
//! remembers where it was written (a span in a source, or a line of a
//! file) for diagnostics and explanations. The parser fills tables, the
//! importer fills tables, analysis reads their column kinds, the engines
//! pack their rows, and the session prints them back. A table is built
//! once and then shared (`Arc`) by the syntax tree and the checked program.
//!
//! Owns the cell encoding and the text pool; knows nothing of predicates
//! beyond a name and an arity, and nothing of how an engine stores values.

use crate::span::{SourceId, Span};
use crate::value::{Date, Value};
use rustc_hash::FxHashMap;
use serde::{Serialize, Serializer};
use std::fmt;
use std::sync::OnceLock;

/// The declared type of a column of imported rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum ColumnType {
    /// `symbol`: a lowercase identifier, `qatar`.
    Symbol,
    /// `string`: any text.
    String,
    /// `int`: a 64-bit integer.
    Int,
    /// `date`: `YYYY-MM-DD`.
    Date,
}

impl ColumnType {
    /// Every type, in the order documentation lists them.
    pub const ALL: [ColumnType; 4] = [
        ColumnType::Symbol,
        ColumnType::String,
        ColumnType::Int,
        ColumnType::Date,
    ];

    /// The name as written in a directive or a `%%` signature.
    pub fn name(self) -> &'static str {
        match self {
            ColumnType::Symbol => "symbol",
            ColumnType::String => "string",
            ColumnType::Int => "int",
            ColumnType::Date => "date",
        }
    }

    /// The type a name stands for.
    pub fn from_name(name: &str) -> Option<ColumnType> {
        ColumnType::ALL.into_iter().find(|kind| kind.name() == name)
    }

    /// The kinds of value a column of this type holds.
    pub fn kinds(self) -> Kinds {
        match self {
            ColumnType::Symbol => Kinds::SYMBOL,
            ColumnType::String => Kinds::STRING,
            ColumnType::Int => Kinds::INTEGER,
            ColumnType::Date => Kinds::DATE,
        }
    }
}

/// The kinds of value a column holds, as a bit set.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Kinds(u8);

impl Kinds {
    /// No value yet.
    pub const NONE: Kinds = Kinds(0);
    /// Integers.
    pub const INTEGER: Kinds = Kinds(1);
    /// Dates.
    pub const DATE: Kinds = Kinds(2);
    /// Symbols.
    pub const SYMBOL: Kinds = Kinds(4);
    /// Strings.
    pub const STRING: Kinds = Kinds(8);

    /// Both sets.
    pub fn union(self, other: Kinds) -> Kinds {
        Kinds(self.0 | other.0)
    }

    /// True when every kind of `self` is in `other`.
    pub fn is_within(self, other: Kinds) -> bool {
        self.0 & !other.0 == 0
    }

    /// True when `kind` is in the set.
    pub fn contains(self, kind: Kinds) -> bool {
        self.0 & kind.0 == kind.0
    }

    /// The kind of one value; `NONE` for the kinds a table does not hold
    /// (see [`FactTable::holds`]).
    pub fn of(value: &Value) -> Kinds {
        match value {
            Value::Integer(_) => Kinds::INTEGER,
            Value::Date(_) => Kinds::DATE,
            Value::Symbol(_) => Kinds::SYMBOL,
            Value::String(_) => Kinds::STRING,
            Value::Decimal(_) | Value::Datetime(_) => Kinds::NONE,
        }
    }
}

/// One value of a table: integers that fit in 61 bits and dates inline,
/// everything else an index into the table (3-bit tag, 61-bit payload).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct Packed(u64);

const TAG_SHIFT: u32 = 61;
const PAYLOAD_MASK: u64 = (1 << TAG_SHIFT) - 1;
const TAG_INT: u64 = 0;
const TAG_BIG_INT: u64 = 1;
const TAG_DATE: u64 = 2;
const TAG_SYMBOL: u64 = 3;
const TAG_STRING: u64 = 4;
const SMALL_INT_MIN: i64 = -(1 << 60);
const SMALL_INT_MAX: i64 = (1 << 60) - 1;

impl Packed {
    fn payload_signed(self) -> i64 {
        ((self.0 << 3) as i64) >> 3
    }

    /// The same cell in 32 bits (3-bit tag, 29-bit payload), when it fits:
    /// integers and dates within ±2^28, text and big-integer ids below 2^29.
    fn narrow(self) -> Option<u32> {
        let tag = self.0 >> TAG_SHIFT;
        let payload = match tag {
            TAG_INT | TAG_DATE => {
                let value = self.payload_signed();
                if !(-(1 << 28)..(1 << 28)).contains(&value) {
                    return None;
                }
                value as u32 & NARROW_PAYLOAD_MASK
            }
            _ => u32::try_from(self.0 & PAYLOAD_MASK)
                .ok()
                .filter(|&id| id <= NARROW_PAYLOAD_MASK)?,
        };
        Some(((tag as u32) << NARROW_TAG_SHIFT) | payload)
    }

    /// The cell a [`Packed::narrow`] form stands for.
    fn widen(narrow: u32) -> Packed {
        let tag = u64::from(narrow >> NARROW_TAG_SHIFT);
        let payload = match tag {
            TAG_INT | TAG_DATE => (((narrow << 3) as i32 >> 3) as i64 as u64) & PAYLOAD_MASK,
            _ => u64::from(narrow & NARROW_PAYLOAD_MASK),
        };
        Packed((tag << TAG_SHIFT) | payload)
    }
}

const NARROW_TAG_SHIFT: u32 = 29;
const NARROW_PAYLOAD_MASK: u32 = (1 << NARROW_TAG_SHIFT) - 1;

/// The cells of a table, row after row: 4 bytes each while every cell has
/// a narrow form (ids, dates and integers within ±2^28: most bulk data),
/// 8 bytes from the first that does not, when those already stored are
/// widened once. Half the memory for the common table, where the memory of
/// a run over many facts goes first.
#[derive(Clone)]
enum Cells {
    Narrow(Vec<u32>),
    Wide(Vec<Packed>),
}

impl Cells {
    fn push(&mut self, packed: Packed) {
        match self {
            Cells::Narrow(cells) => match packed.narrow() {
                Some(narrow) => cells.push(narrow),
                None => {
                    let mut wide: Vec<Packed> = Vec::with_capacity(cells.len() * 2 + 1);
                    wide.extend(cells.iter().map(|&narrow| Packed::widen(narrow)));
                    wide.push(packed);
                    *self = Cells::Wide(wide);
                }
            },
            Cells::Wide(cells) => cells.push(packed),
        }
    }

    #[inline]
    fn get(&self, index: usize) -> Packed {
        match self {
            Cells::Narrow(cells) => Packed::widen(cells[index]),
            Cells::Wide(cells) => cells[index],
        }
    }

    fn len(&self) -> usize {
        match self {
            Cells::Narrow(cells) => cells.len(),
            Cells::Wide(cells) => cells.len(),
        }
    }

    fn truncate(&mut self, len: usize) {
        match self {
            Cells::Narrow(cells) => cells.truncate(len),
            Cells::Wide(cells) => cells.truncate(len),
        }
    }

    fn shrink_to_fit(&mut self) {
        match self {
            Cells::Narrow(cells) => cells.shrink_to_fit(),
            Cells::Wide(cells) => cells.shrink_to_fit(),
        }
    }

    fn heap_size(&self) -> usize {
        match self {
            Cells::Narrow(cells) => cells.capacity() * 4,
            Cells::Wide(cells) => cells.capacity() * 8,
        }
    }
}

/// A decoded cell: what an engine packs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cell {
    /// An integer.
    Integer(i64),
    /// A date, as days since 1970-01-01.
    Date(i64),
    /// A symbol: an id into [`FactTable::text`].
    Symbol(u32),
    /// A string: an id into [`FactTable::text`].
    String(u32),
}

/// Where the rows of a table were written.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Origins {
    /// Facts of a loaded text: each row's head span (`name(...)`), as byte offsets.
    Source {
        source: SourceId,
        spans: Vec<(u32, u32)>,
    },
    /// Rows of an imported file: each row's (first) line.
    File { file: String, lines: Vec<u32> },
}

/// Where one row was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowLocation<'t> {
    /// A fact in a loaded text: its head, `name(...)`.
    Span(Span),
    /// A row of an imported file, named as the directive names it.
    Line {
        /// The file.
        file: &'t str,
        /// Its line (1-based).
        line: u32,
    },
}

/// Which rows of an imported file one process of a cluster keeps: the
/// rows (numbered from 0 in file order, a header not counted) whose number
/// is `index` modulo `count`. Every process reads and checks every row;
/// only its own are stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Share {
    /// This process's position, from 0.
    pub index: usize,
    /// Number of processes (at least 1).
    pub count: usize,
}

impl Share {
    /// True when row `row` of the file (from 0) belongs to this share.
    pub fn holds(self, row: usize) -> bool {
        row % self.count.max(1) == self.index
    }
}

/// Ground facts of one predicate, stored compactly. See the module documentation.
#[derive(Clone)]
pub struct FactTable {
    name: String,
    arity: usize,
    cells: Cells,
    texts: Vec<Box<str>>,
    text_ids: FxHashMap<Box<str>, u32>,
    /// Per text: used as a symbol.
    symbol_texts: Vec<bool>,
    big_ints: Vec<i64>,
    kinds: Vec<Kinds>,
    origins: Origins,
    /// Cells of the row being added with the `push_*` methods.
    pending: usize,
    /// For a file partitioned across processes: the rows this table keeps.
    share: Option<Share>,
    /// Rows finished, kept or not (the file's rows read so far).
    n_file_rows: usize,
    /// Symbols by their folded spelling, built when first asked for.
    folded_symbols: OnceLock<FxHashMap<String, u32>>,
}

impl FactTable {
    /// An empty table of facts of `name`/`arity` written in `source`.
    pub fn in_source(name: impl Into<String>, arity: usize, source: SourceId) -> FactTable {
        FactTable::new(
            name.into(),
            arity,
            Origins::Source {
                source,
                spans: Vec::new(),
            },
        )
    }

    /// An empty table of rows of `file` (as the directive names it), facts of `name`/`arity`.
    pub fn in_file(name: impl Into<String>, arity: usize, file: impl Into<String>) -> FactTable {
        FactTable::new(
            name.into(),
            arity,
            Origins::File {
                file: file.into(),
                lines: Vec::new(),
            },
        )
    }

    fn new(name: String, arity: usize, origins: Origins) -> FactTable {
        FactTable {
            name,
            arity,
            cells: Cells::Narrow(Vec::new()),
            texts: Vec::new(),
            text_ids: FxHashMap::default(),
            symbol_texts: Vec::new(),
            big_ints: Vec::new(),
            kinds: vec![Kinds::NONE; arity],
            origins,
            pending: 0,
            share: None,
            n_file_rows: 0,
            folded_symbols: OnceLock::new(),
        }
    }

    /// The same empty table keeping only the rows of `share` (all when
    /// `None`): the others are still pushed cell by cell, so the reader
    /// checks them, but nothing of them is stored (their cells, texts and
    /// lines), except that they count in [`FactTable::column_kinds`], so a
    /// share has the kinds of the whole file.
    pub fn keeping(mut self, share: Option<Share>) -> FactTable {
        self.share = share.filter(|share| share.count > 1);
        self
    }

    /// The rows this table keeps, when it holds one process's share of a file.
    pub fn share(&self) -> Option<Share> {
        self.share
    }

    /// Rows of the file read into this table, kept or not (for a table
    /// without share, [`FactTable::n_rows`]).
    pub fn n_file_rows(&self) -> usize {
        if self.share.is_some() {
            self.n_file_rows
        } else {
            self.n_rows()
        }
    }

    /// True when the row being built is stored (it belongs to the share).
    fn keeps_row(&self) -> bool {
        self.share.is_none_or(|share| share.holds(self.n_file_rows))
    }

    /// The predicate the rows are facts of.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Values per row.
    pub fn arity(&self) -> usize {
        self.arity
    }

    /// Number of rows (repeated rows counted each time).
    pub fn n_rows(&self) -> usize {
        match &self.origins {
            Origins::Source { spans, .. } => spans.len(),
            Origins::File { lines, .. } => lines.len(),
        }
    }

    /// True when there are no rows.
    pub fn is_empty(&self) -> bool {
        self.n_rows() == 0
    }

    /// The kinds of value column `column` holds.
    pub fn column_kinds(&self, column: usize) -> Kinds {
        self.kinds.get(column).copied().unwrap_or_default()
    }

    /// The file the rows come from, for a table of an imported file.
    pub fn file(&self) -> Option<&str> {
        match &self.origins {
            Origins::File { file, .. } => Some(file),
            Origins::Source { .. } => None,
        }
    }

    /// Adds a row of a loaded text (`values` has `arity` values; `head` is `name(...)`).
    pub fn push_fact(&mut self, values: &[Value], head: Span) {
        for value in values {
            self.push_value(value);
        }
        if let Origins::Source { spans, .. } = &mut self.origins {
            spans.push((head.start, head.end));
        }
        self.pending = 0;
    }

    /// True when a table can hold `value`: integers, dates, symbols and
    /// strings. A fact with a decimal or a datetime stays a clause of its
    /// own (they are rare in bulk data, and a cell has no room for them).
    pub fn holds(value: &Value) -> bool {
        !matches!(value, Value::Decimal(_) | Value::Datetime(_))
    }

    /// Appends one value to the row being built. Callers keep values a
    /// table does not hold ([`FactTable::holds`]) out; such a value would
    /// be kept as its text.
    pub fn push_value(&mut self, value: &Value) {
        match value {
            Value::Integer(number) => self.push_int(*number),
            Value::Date(date) => self.push_date(*date),
            Value::Symbol(name) => self.push_symbol(name),
            Value::String(text) => self.push_string(text),
            Value::Decimal(_) | Value::Datetime(_) => self.push_string(&value.text()),
        }
    }

    /// Appends an integer to the row being built.
    pub fn push_int(&mut self, value: i64) {
        if !self.keeps_row() {
            return self.skip_cell(Kinds::INTEGER);
        }
        let packed = if (SMALL_INT_MIN..=SMALL_INT_MAX).contains(&value) {
            Packed((TAG_INT << TAG_SHIFT) | (value as u64 & PAYLOAD_MASK))
        } else {
            self.big_ints.push(value);
            Packed((TAG_BIG_INT << TAG_SHIFT) | (self.big_ints.len() as u64 - 1))
        };
        self.push_cell(packed, Kinds::INTEGER);
    }

    /// Appends a date to the row being built.
    pub fn push_date(&mut self, date: Date) {
        if !self.keeps_row() {
            return self.skip_cell(Kinds::DATE);
        }
        let packed = Packed((TAG_DATE << TAG_SHIFT) | (date.to_days() as u64 & PAYLOAD_MASK));
        self.push_cell(packed, Kinds::DATE);
    }

    /// Appends a symbol to the row being built.
    pub fn push_symbol(&mut self, name: &str) {
        if !self.keeps_row() {
            return self.skip_cell(Kinds::SYMBOL);
        }
        let id = self.intern(name);
        self.symbol_texts[id as usize] = true;
        self.push_cell(
            Packed((TAG_SYMBOL << TAG_SHIFT) | u64::from(id)),
            Kinds::SYMBOL,
        );
    }

    /// Appends a string to the row being built.
    pub fn push_string(&mut self, text: &str) {
        if !self.keeps_row() {
            return self.skip_cell(Kinds::STRING);
        }
        let id = self.intern(text);
        self.push_cell(
            Packed((TAG_STRING << TAG_SHIFT) | u64::from(id)),
            Kinds::STRING,
        );
    }

    /// Ends the row being built, a row of an imported file read at `line`.
    pub fn finish_row(&mut self, line: u32) {
        if self.keeps_row()
            && let Origins::File { lines, .. } = &mut self.origins
        {
            lines.push(line);
        }
        self.n_file_rows += 1;
        self.pending = 0;
    }

    /// Forgets the cells of the row being built (a row found bad half way).
    pub fn abandon_row(&mut self) {
        if self.keeps_row() {
            self.cells.truncate(self.cells.len() - self.pending);
        }
        self.pending = 0;
    }

    /// A cell of a row another process keeps: only its kind is noted.
    fn skip_cell(&mut self, kind: Kinds) {
        if let Some(kinds) = self.kinds.get_mut(self.pending) {
            *kinds = kinds.union(kind);
        }
        self.pending += 1;
    }

    fn push_cell(&mut self, packed: Packed, kind: Kinds) {
        if let Some(kinds) = self.kinds.get_mut(self.pending) {
            *kinds = kinds.union(kind);
        }
        self.cells.push(packed);
        self.pending += 1;
    }

    fn intern(&mut self, text: &str) -> u32 {
        if let Some(&id) = self.text_ids.get(text) {
            return id;
        }
        let id = u32::try_from(self.texts.len()).unwrap_or(u32::MAX);
        self.texts.push(text.into());
        self.symbol_texts.push(false);
        self.text_ids.insert(text.into(), id);
        id
    }

    /// A symbol of the table that `fold` turns into `folded`, if any (for
    /// "did you mean the constant ..."); the index is built on first use.
    pub fn symbol_folded_as(&self, folded: &str, fold: impl Fn(&str) -> String) -> Option<&str> {
        let index = self.folded_symbols.get_or_init(|| {
            let mut index = FxHashMap::default();
            for (id, text) in self.texts.iter().enumerate() {
                if self.symbol_texts[id] {
                    index.entry(fold(text)).or_insert(id as u32);
                }
            }
            index
        });
        index.get(folded).map(|&id| self.text(id))
    }

    /// True when column `column` of some row in `rows` is the symbol `name`.
    pub fn column_has_symbol(
        &self,
        rows: std::ops::Range<usize>,
        column: usize,
        name: &str,
    ) -> bool {
        let Some(&id) = self.text_ids.get(name) else {
            return false;
        };
        column < self.arity
            && self.symbol_texts[id as usize]
            && rows
                .into_iter()
                .any(|row| self.cell(row, column) == Cell::Symbol(id))
    }

    /// Gives back memory reserved for growth, once the table is complete.
    pub fn shrink_to_fit(&mut self) {
        self.cells.shrink_to_fit();
        match &mut self.origins {
            Origins::Source { spans, .. } => spans.shrink_to_fit(),
            Origins::File { lines, .. } => lines.shrink_to_fit(),
        }
    }

    /// The cell at `row`, `column`.
    #[inline]
    pub fn cell(&self, row: usize, column: usize) -> Cell {
        let packed = self.cells.get(row * self.arity + column);
        let payload = packed.0 & PAYLOAD_MASK;
        match packed.0 >> TAG_SHIFT {
            TAG_INT => Cell::Integer(packed.payload_signed()),
            TAG_BIG_INT => Cell::Integer(self.big_ints.get(payload as usize).copied().unwrap_or(0)),
            TAG_DATE => Cell::Date(packed.payload_signed()),
            TAG_SYMBOL => Cell::Symbol(payload as u32),
            _ => Cell::String(payload as u32),
        }
    }

    /// The text behind a symbol's or string's id.
    pub fn text(&self, id: u32) -> &str {
        self.texts.get(id as usize).map_or("", |text| text)
    }

    /// Number of distinct texts (symbols and strings) in the pool.
    pub fn n_texts(&self) -> usize {
        self.texts.len()
    }

    /// The value at `row`, `column`.
    pub fn value(&self, row: usize, column: usize) -> Value {
        match self.cell(row, column) {
            Cell::Integer(number) => Value::Integer(number),
            Cell::Date(days) => Value::Date(Date::from_days(days).unwrap_or(Date {
                year: 1970,
                month: 1,
                day: 1,
            })),
            Cell::Symbol(id) => Value::Symbol(self.text(id).to_string()),
            Cell::String(id) => Value::String(self.text(id).to_string()),
        }
    }

    /// The values of `row`.
    pub fn row(&self, row: usize) -> Vec<Value> {
        (0..self.arity)
            .map(|column| self.value(row, column))
            .collect()
    }

    /// True when `row` holds exactly `values`.
    pub fn row_equals(&self, row: usize, values: &[Value]) -> bool {
        values.len() == self.arity
            && values.iter().enumerate().all(|(column, value)| {
                match (self.cell(row, column), value) {
                    (Cell::Integer(a), Value::Integer(b)) => a == *b,
                    (Cell::Date(a), Value::Date(b)) => a == b.to_days(),
                    (Cell::Symbol(id), Value::Symbol(b)) | (Cell::String(id), Value::String(b)) => {
                        self.text(id) == b
                    }
                    _ => false,
                }
            })
    }

    /// Where `row` was written.
    pub fn location(&self, row: usize) -> Option<RowLocation<'_>> {
        match &self.origins {
            Origins::Source { source, spans } => spans.get(row).map(|&(start, end)| {
                RowLocation::Span(Span {
                    source: *source,
                    start,
                    end,
                })
            }),
            Origins::File { file, lines } => {
                lines.get(row).map(|&line| RowLocation::Line { file, line })
            }
        }
    }

    /// The head span of `row`, for a table of a loaded text.
    pub fn span(&self, row: usize) -> Option<Span> {
        match self.location(row)? {
            RowLocation::Span(span) => Some(span),
            RowLocation::Line { .. } => None,
        }
    }

    /// Row `row` as a fact in Datalog syntax, `name(v1, v2).`
    pub fn fact_text(&self, row: usize) -> String {
        format!("{}.", crate::value::fact_text(&self.name, &self.row(row)))
    }

    /// Bytes the table holds, roughly: cells, locations, texts.
    pub fn heap_size(&self) -> usize {
        let locations = match &self.origins {
            Origins::Source { spans, .. } => spans.capacity() * 8,
            Origins::File { lines, .. } => lines.capacity() * 4,
        };
        self.cells.heap_size()
            + locations
            + self
                .texts
                .iter()
                .map(|text| text.len() * 2 + 24)
                .sum::<usize>()
            + self.big_ints.capacity() * 8
    }
}

impl PartialEq for FactTable {
    fn eq(&self, other: &FactTable) -> bool {
        self.name == other.name
            && self.arity == other.arity
            && self.n_rows() == other.n_rows()
            && self.origins == other.origins
            && (0..self.n_rows()).all(|row| self.row_equals(row, &other.row(row)))
    }
}

impl fmt::Debug for FactTable {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("FactTable")
            .field("name", &self.name)
            .field("arity", &self.arity)
            .field("rows", &self.n_rows())
            .finish()
    }
}

impl Serialize for FactTable {
    /// A summary: the predicate, its arity and the number of rows (the rows
    /// themselves are data, not structure).
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut state = serializer.serialize_struct("FactTable", 3)?;
        state.serialize_field("name", &self.name)?;
        state.serialize_field("arity", &self.arity)?;
        state.serialize_field("rows", &self.n_rows())?;
        state.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> Date {
        let parts: Vec<&str> = text.split('-').collect();
        Date::new(
            parts[0].parse().unwrap_or(0),
            parts[1].parse().unwrap_or(0),
            parts[2].parse().unwrap_or(0),
        )
        .expect("valid date")
    }

    #[test]
    fn values_come_back_as_they_went_in() {
        let rows = [
            vec![
                Value::Integer(-3),
                Value::Symbol("qatar".into()),
                Value::Date(date("2025-10-29")),
            ],
            vec![
                Value::Integer(i64::MIN),
                Value::String("Khawaja \"Asif\"".into()),
                Value::Date(date("0001-01-01")),
            ],
            vec![
                Value::Integer(i64::MAX),
                Value::Symbol("qatar".into()),
                Value::Date(date("9999-12-31")),
            ],
        ];
        let mut table = FactTable::in_source("p", 3, SourceId(4));
        for (index, row) in rows.iter().enumerate() {
            table.push_fact(row, Span::new(SourceId(4), index * 10, index * 10 + 5));
        }
        assert_eq!(table.n_rows(), 3);
        for (index, row) in rows.iter().enumerate() {
            assert_eq!(&table.row(index), row);
            assert!(table.row_equals(index, row));
            assert_eq!(
                table.location(index),
                Some(RowLocation::Span(Span::new(
                    SourceId(4),
                    index * 10,
                    index * 10 + 5
                )))
            );
        }
        assert!(!table.row_equals(0, &rows[1]));
        assert_eq!(table.n_texts(), 2, "texts are interned");
        assert_eq!(table.column_kinds(0), Kinds::INTEGER);
        assert_eq!(table.column_kinds(1), Kinds::SYMBOL.union(Kinds::STRING));
        assert_eq!(
            table.fact_text(1),
            "p(-9223372036854775808, \"Khawaja \\\"Asif\\\"\", 0001-01-01)."
        );
    }

    #[test]
    fn an_abandoned_row_leaves_no_cells() {
        let mut table = FactTable::in_file("edge", 2, "edges.csv");
        table.push_int(1);
        table.push_int(2);
        table.finish_row(1);
        table.push_int(3);
        table.abandon_row();
        table.push_int(4);
        table.push_int(5);
        table.finish_row(3);
        assert_eq!(table.row(1), vec![Value::Integer(4), Value::Integer(5)]);
        assert_eq!(
            table.location(1),
            Some(RowLocation::Line {
                file: "edges.csv",
                line: 3
            })
        );
        assert_eq!(table.file(), Some("edges.csv"));
    }

    #[test]
    fn cells_stay_narrow_until_one_does_not_fit_then_every_value_survives_widening() {
        let edges = [
            0,
            1,
            -1,
            (1 << 28) - 1,
            -(1 << 28),
            i64::from(i32::MAX),
            1 << 28,
            -(1 << 28) - 1,
            SMALL_INT_MAX,
            SMALL_INT_MIN,
            i64::MAX,
            i64::MIN,
        ];
        let mut table = FactTable::in_file("n", 2, "n.csv");
        let mut expected = Vec::new();
        for (index, &number) in edges.iter().enumerate() {
            let day = Date::from_days(index as i64 * 1000 - 700_000).unwrap_or(date("2000-01-01"));
            table.push_int(number);
            table.push_date(day);
            table.finish_row(index as u32 + 1);
            expected.push(vec![Value::Integer(number), Value::Date(day)]);
            let narrow = matches!(table.cells, Cells::Narrow(_));
            // The first value outside ±2^28 is the sixth, `i32::MAX`.
            assert_eq!(narrow, index < 5, "after row {index}");
            for (row, values) in expected.iter().enumerate() {
                assert_eq!(&table.row(row), values, "row {row} after {index}");
            }
        }
        table.push_symbol("qatar");
        table.push_string("Doha");
        table.finish_row(99);
        assert_eq!(
            table.row(edges.len()),
            vec![Value::Symbol("qatar".into()), Value::String("Doha".into())]
        );
    }

    #[test]
    fn narrow_cells_hold_every_kind_and_take_half_the_room() {
        let mut table = FactTable::in_file("e", 4, "e.csv");
        for row in 0..100 {
            table.push_int(-row);
            table.push_date(date("1815-06-18"));
            table.push_symbol(&format!("s{row}"));
            table.push_string("a quote");
            table.finish_row(row as u32 + 1);
        }
        assert!(matches!(table.cells, Cells::Narrow(_)));
        assert_eq!(
            table.row(42),
            vec![
                Value::Integer(-42),
                Value::Date(date("1815-06-18")),
                Value::Symbol("s42".into()),
                Value::String("a quote".into()),
            ]
        );
        // Texts are numbered as first met: `s0`, `a quote`, `s1`, ...
        assert_eq!(table.cell(7, 2), Cell::Symbol(8));
    }

    #[test]
    fn kinds_are_sets() {
        let both = Kinds::INTEGER.union(Kinds::DATE);
        assert!(Kinds::INTEGER.is_within(both));
        assert!(!both.is_within(Kinds::INTEGER));
        assert!(both.contains(Kinds::DATE));
        assert!(Kinds::NONE.is_within(Kinds::NONE));
    }
}
