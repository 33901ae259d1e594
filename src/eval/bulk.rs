//! Base facts in bulk: fact-table rows packed into a relation builder without
//! a syntax tree or a `Value` per cell.
//!
//! A table's cells are integers, dates and ids into the table's own text
//! pool; each distinct text is interned in the store once per table, then
//! every row is a few word copies into the builder (the same storage path
//! as `Database::extend_relation`). This is the engine's one entry point for
//! facts kept compactly (runs of plain facts in a file, imported rows); it
//! never sees where the rows came from.

use super::storage::RelationBuilder;
use super::store::{Packed, Store};
use crate::analysis::ir;
use crate::table::Cell;

/// Appends the rows of `rows` to `out`, interning their texts in `store`.
pub(super) fn pack_rows(rows: &ir::FactRows, store: &mut Store, out: &mut RelationBuilder) {
    let table = &rows.table;
    // The packed form of each text id, as a symbol and as a string, once known.
    let mut symbols: Vec<Option<Packed>> = vec![None; table.n_texts()];
    let mut strings: Vec<Option<Packed>> = vec![None; table.n_texts()];
    let mut row: Vec<Packed> = Vec::with_capacity(table.arity());
    for index in rows.rows.clone() {
        row.clear();
        row.extend(
            (0..table.arity()).map(|column| match table.cell(index, column) {
                Cell::Integer(number) => store.int(number),
                Cell::Date(days) => Store::date_days(days),
                Cell::Symbol(id) => {
                    *symbols[id as usize].get_or_insert_with(|| store.symbol(table.text(id)))
                }
                Cell::String(id) => {
                    *strings[id as usize].get_or_insert_with(|| store.string(table.text(id)))
                }
            }),
        );
        out.push(&row);
    }
}
