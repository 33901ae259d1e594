//! Base facts in bulk: fact-table rows packed into tuples without a syntax
//! tree or a `Value` per cell.
//!
//! A table's cells are integers, dates and ids into the table's own text
//! pool; each distinct text is interned in the store once per table, then
//! every row is a few word copies. This is the engine's one entry point for
//! facts kept compactly (runs of plain facts in a file, imported rows); it
//! never sees where the rows came from.

use super::store::{Packed, Store};
use super::tuple::Tuple;
use crate::analysis::ir::{self, PredId};
use crate::table::Cell;

/// Appends the tuples of `rows` to `out`, interning their texts in `store`.
pub(super) fn pack_rows(rows: &ir::FactRows, store: &mut Store, out: &mut Vec<Tuple>) {
    let table = &rows.table;
    // The packed form of each text id, as a symbol and as a string, once known.
    let mut symbols: Vec<Option<Packed>> = vec![None; table.n_texts()];
    let mut strings: Vec<Option<Packed>> = vec![None; table.n_texts()];
    out.reserve(rows.rows.len());
    for row in rows.rows.clone() {
        let tuple: Tuple = (0..table.arity())
            .map(|column| match table.cell(row, column) {
                Cell::Integer(number) => store.int(number),
                Cell::Date(days) => Store::date_days(days),
                Cell::Symbol(id) => *symbols[id as usize]
                    .get_or_insert_with(|| store.symbol(table.text(id))),
                Cell::String(id) => *strings[id as usize]
                    .get_or_insert_with(|| store.string(table.text(id))),
            })
            .collect();
        out.push(tuple);
    }
}

/// Every base tuple of `predicate`: its clause facts and its table rows
/// (unsorted, repeats kept; a `Relation` sorts and deduplicates them).
pub(super) fn base_tuples(program: &ir::Program, predicate: PredId, store: &mut Store) -> Vec<Tuple> {
    let mut tuples: Vec<Tuple> = program
        .facts
        .iter()
        .filter(|fact| fact.predicate == predicate)
        .map(|fact| fact.values.iter().map(|value| store.pack(value)).collect())
        .collect();
    for rows in program
        .fact_rows
        .iter()
        .filter(|rows| rows.predicate == predicate)
    {
        pack_rows(rows, store, &mut tuples);
    }
    tuples
}
