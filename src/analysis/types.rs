//! Value types: what can be known before evaluation, and the certain mismatches.
//!
//! Owns the inference of the set of possible types of every (predicate,
//! column): from the facts, then to a fixpoint through the rules, where a
//! variable takes the types its positive atoms allow (or, when no atom binds
//! it, those of the expression it is bound to by `=`). It reports an error
//! only where a mismatch is certain: an ordering comparison, arithmetic or a
//! function whose operand types are all known and incompatible; `=` and `!=`
//! between types that never meet are a warning. Unknown or mixed types are
//! never reported: the evaluator checks every operation at run time too.
//!
//! It walks the surface tree rather than the `ir` because its messages point
//! at sub-expressions, which the `ir` keeps no spans for; variable scoping
//! follows `resolve` exactly (see `resolve::outside_names`).

use std::collections::{HashMap, HashSet};

use rustc_hash::FxHashMap;

use super::error::{CheckError, with_article};
use super::ir::{FactRows, Function, PredId, Predicate, PredicateDoc, Program};
use super::resolve::{outside_names, term_variables};
use crate::syntax::ast::{self, AggregateFunction, ArithOp, CompareOp, Literal, Term};
use crate::table::Kinds;
use crate::value::Value;

/// A set of value types, as six bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub(crate) struct Types(u8);

impl Types {
    const NONE: Types = Types(0);
    const INT: Types = Types(1);
    const DATE: Types = Types(2);
    const SYMBOL: Types = Types(4);
    const STRING: Types = Types(8);
    const DECIMAL: Types = Types(16);
    const DATETIME: Types = Types(32);
    const ALL: Types = Types(63);
    const TEXT: Types = Types(4 | 8);
    const NUMBER: Types = Types(1 | 16);
    /// What `year`, `month`, `day` and `weekday` read.
    const DAY: Types = Types(2 | 32);

    fn of(value: &Value) -> Types {
        match value {
            Value::Integer(_) => Types::INT,
            Value::Decimal(_) => Types::DECIMAL,
            Value::Date(_) => Types::DATE,
            Value::Datetime(_) => Types::DATETIME,
            Value::Symbol(_) => Types::SYMBOL,
            Value::String(_) => Types::STRING,
        }
    }

    /// The types a `%%` signature names: `int`, `decimal`, `number` (either),
    /// `date`, `datetime`, `symbol`, `string`; `any` and unknown names are all.
    pub(crate) fn declared(name: &str) -> Types {
        match name {
            "int" => Types::INT,
            "decimal" => Types::DECIMAL,
            "number" => Types::NUMBER,
            "date" => Types::DATE,
            "datetime" => Types::DATETIME,
            "symbol" => Types::SYMBOL,
            "string" => Types::STRING,
            _ => Types::ALL,
        }
    }

    /// The types of the values of a table column.
    fn of_kinds(kinds: Kinds) -> Types {
        [
            (Kinds::INTEGER, Types::INT),
            (Kinds::DATE, Types::DATE),
            (Kinds::SYMBOL, Types::SYMBOL),
            (Kinds::STRING, Types::STRING),
        ]
        .iter()
        .filter(|(kind, _)| kinds.contains(*kind))
        .fold(Types::NONE, |types, (_, bit)| types.union(*bit))
    }

    fn union(self, other: Types) -> Types {
        Types(self.0 | other.0)
    }

    fn intersect(self, other: Types) -> Types {
        Types(self.0 & other.0)
    }

    fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// True when both are known and no value can be of both.
    fn disjoint(self, other: Types) -> bool {
        !self.is_empty() && !other.is_empty() && self.intersect(other).is_empty()
    }

    /// `an int`, `a symbol or a string`.
    fn describe(self) -> String {
        let names: Vec<String> = [
            (Types::INT, "int"),
            (Types::DECIMAL, "decimal"),
            (Types::DATE, "date"),
            (Types::DATETIME, "datetime"),
            (Types::SYMBOL, "symbol"),
            (Types::STRING, "string"),
        ]
        .iter()
        .filter(|(bit, _)| !self.intersect(*bit).is_empty())
        .map(|(_, name)| with_article(name))
        .collect();
        if names.is_empty() {
            "nothing".to_string()
        } else {
            names.join(" or ")
        }
    }
}

/// Where the checks find a predicate by name and its column types: the
/// names and columns of a program, or of an accepted program (`base`)
/// plus the predicates an input adds (`added`, ids after the base's).
#[derive(Clone, Copy)]
pub(crate) struct Lookup<'a> {
    /// Predicates by name.
    pub names: &'a FxHashMap<String, PredId>,
    /// Predicates an input adds, by name.
    pub added_names: Option<&'a FxHashMap<String, PredId>>,
    /// Column types by `PredId`.
    pub columns: &'a [Vec<Types>],
    /// Column types of the added predicates, from id `columns.len()` on.
    pub added_columns: &'a [Vec<Types>],
}

impl<'a> Lookup<'a> {
    /// The predicate written `name`.
    fn id(&self, name: &str) -> Option<PredId> {
        self.names
            .get(name)
            .or_else(|| self.added_names.and_then(|names| names.get(name)))
            .copied()
    }

    /// The column types of predicate `id`.
    fn row_of(&self, id: PredId) -> Option<&'a Vec<Types>> {
        let index = id.0 as usize;
        match index.checked_sub(self.columns.len()) {
            None => self.columns.get(index),
            Some(added) => self.added_columns.get(added),
        }
    }

    /// The column types of the predicate written `name`.
    fn row(&self, name: &str) -> Option<&'a Vec<Types>> {
        self.id(name).and_then(|id| self.row_of(id))
    }
}

/// A predicate table: a program's, or an accepted program's (`base`) and
/// the predicates an input adds after it (`added`).
#[derive(Clone, Copy)]
pub(crate) struct Predicates<'a> {
    /// The predicates from id 0.
    pub base: &'a [Predicate],
    /// The predicates from id `base.len()`.
    pub added: &'a [Predicate],
}

impl<'a> Predicates<'a> {
    /// The predicate behind `id`.
    pub fn get(&self, id: PredId) -> Option<&'a Predicate> {
        let index = id.0 as usize;
        match index.checked_sub(self.base.len()) {
            None => self.base.get(index),
            Some(added) => self.added.get(added),
        }
    }

    /// Every predicate, in id order.
    pub fn iter(&self) -> impl Iterator<Item = &'a Predicate> {
        self.base.iter().chain(self.added)
    }
}

/// True when every value of a fact is of a type its column already holds:
/// adding the fact then changes no inferred type.
pub(crate) fn fact_types_known(columns: &[Types], values: &[Value]) -> bool {
    columns.len() == values.len()
        && columns
            .iter()
            .zip(values)
            .all(|(column, value)| column.intersect(Types::of(value)) == Types::of(value))
}

/// The column types of a predicate of `arity` before any fact.
pub(crate) fn no_types(arity: usize) -> Vec<Types> {
    vec![Types::NONE; arity]
}

/// Adds the types of a fact's values to its predicate's column types.
pub(crate) fn add_fact_types(columns: &mut [Types], values: &[Value]) {
    for (column, value) in columns.iter_mut().zip(values) {
        *column = column.union(Types::of(value));
    }
}

impl<'a> Lookup<'a> {
    /// The lookup of a whole program: its names and column types.
    fn of_program(names: &'a FxHashMap<String, PredId>, columns: &'a [Vec<Types>]) -> Lookup<'a> {
        Lookup {
            names,
            added_names: None,
            columns,
            added_columns: &[],
        }
    }
}

/// The name of a constant's type, as declared in `%%` signatures.
fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Integer(_) => "int",
        Value::Decimal(_) => "decimal",
        Value::Date(_) => "date",
        Value::Datetime(_) => "datetime",
        Value::Symbol(_) => "symbol",
        Value::String(_) => "string",
    }
}

/// The types `lhs op rhs` can have: `int op int` is an int, a date plus or
/// minus an int is a date (`int + date` too), a date minus a date is an int.
fn arithmetic(op: ArithOp, lhs: Types, rhs: Types) -> Types {
    let has = |types: Types, bit: Types| !types.intersect(bit).is_empty();
    let mut result = Types::NONE;
    if has(lhs, Types::INT) && has(rhs, Types::INT) {
        result = result.union(Types::INT);
    }
    // A decimal with a decimal or an integer is a decimal (no `mod`).
    if op != ArithOp::Mod
        && has(lhs, Types::NUMBER)
        && has(rhs, Types::NUMBER)
        && (has(lhs, Types::DECIMAL) || has(rhs, Types::DECIMAL))
    {
        result = result.union(Types::DECIMAL);
    }
    match op {
        ArithOp::Add => {
            if (has(lhs, Types::DATE) && has(rhs, Types::INT))
                || (has(lhs, Types::INT) && has(rhs, Types::DATE))
            {
                result = result.union(Types::DATE);
            }
        }
        ArithOp::Sub => {
            if has(lhs, Types::DATE) && has(rhs, Types::INT) {
                result = result.union(Types::DATE);
            }
            if has(lhs, Types::DATE) && has(rhs, Types::DATE) {
                result = result.union(Types::INT);
            }
        }
        ArithOp::Mul | ArithOp::Div | ArithOp::Mod => {}
    }
    result
}

/// `value` written as a constant of the one type in `column`, when its text
/// reads as one: the string `"2025-10-12"` as the date `2025-10-12`, the
/// symbol `qatar` as the string `"qatar"`.
fn written_as(value: &Value, column: Types) -> Option<String> {
    let text = value.text();
    let converted = if column == Types::DATE {
        parse_date(&text).map(Value::Date)
    } else if column == Types::INT {
        text.trim().parse::<i64>().ok().map(Value::Integer)
    } else if column == Types::STRING {
        Some(Value::String(text))
    } else if column == Types::SYMBOL {
        let is_symbol = text.starts_with(|c: char| c.is_ascii_lowercase())
            && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        is_symbol.then_some(Value::Symbol(text))
    } else {
        None
    }?;
    Some(converted.to_string())
}

/// `YYYY-MM-DD` as a calendar date.
fn parse_date(text: &str) -> Option<crate::value::Date> {
    let mut parts = text.trim().splitn(3, '-');
    let year = parts.next()?;
    let month = parts.next()?;
    let day = parts.next()?;
    if year.len() != 4 || month.len() != 2 || day.len() != 2 {
        return None;
    }
    crate::value::Date::new(year.parse().ok()?, month.parse().ok()?, day.parse().ok()?)
}

/// What a function accepts for each argument, and what it returns.
fn signature(function: Function) -> (Types, Types) {
    match function {
        Function::Len => (Types::TEXT, Types::INT),
        Function::Concat => (Types::ALL, Types::STRING),
        Function::ToString => (Types::ALL, Types::STRING),
        Function::Lower | Function::Upper => (Types::TEXT, Types::TEXT),
        Function::Contains
        | Function::StartsWith
        | Function::EndsWith
        | Function::Match
        | Function::Not => (Types::TEXT, Types::NONE),
        Function::Replace => (Types::TEXT, Types::TEXT),
        Function::Capture => (Types::TEXT, Types::STRING),
        Function::ToNumber => (Types::TEXT, Types::NUMBER),
        Function::Year | Function::Month | Function::Day => (Types::DAY, Types::INT),
        Function::Weekday => (Types::DAY, Types::SYMBOL),
        Function::ToDate => (Types::DATETIME, Types::DATE),
        Function::Hour | Function::Minute => (Types::DATETIME, Types::INT),
        Function::HoursBetween | Function::MinutesBetween => (Types::DATETIME, Types::INT),
        Function::Abs => (Types::NUMBER, Types::NUMBER),
        Function::Round => (Types::NUMBER, Types::INT),
        Function::Pow | Function::Min | Function::Max => (Types::ALL, Types::ALL),
        // Their text and integer arguments are checked per position below.
        Function::Substr | Function::Split => (Types::ALL, Types::TEXT),
    }
}

/// What argument `position` of `function` accepts, where it differs from
/// the function's one accepted set.
fn argument_types(function: Function, position: usize) -> Types {
    match (function, position) {
        (Function::Substr | Function::Split, 0) => Types::TEXT,
        (Function::Substr, _) => Types::INT,
        (Function::Split, 1) => Types::TEXT,
        (Function::Split, _) | (Function::Capture, 2) | (Function::Pow, 1) => Types::INT,
        (Function::Pow, 0) => Types::NUMBER,
        _ => signature(function).0,
    }
}

/// Infers column types and reports certain mismatches in `programs`;
/// returns the column types of every predicate, by `PredId`.
pub(crate) fn check_types(
    programs: &[&ast::Program],
    program: &Program,
    names: &FxHashMap<String, PredId>,
    errors: &mut Vec<CheckError>,
) -> Vec<Vec<Types>> {
    let mut columns: Vec<Vec<Types>> = program
        .predicates
        .iter()
        .map(|predicate| vec![Types::NONE; predicate.arity])
        .collect();
    for fact in &program.facts {
        if let Some(row) = columns.get_mut(fact.predicate.0 as usize) {
            for (column, value) in row.iter_mut().zip(&fact.values) {
                *column = column.union(Types::of(value));
            }
        }
    }
    for rows in &program.fact_rows {
        if let Some(row) = columns.get_mut(rows.predicate.0 as usize) {
            for (index, column) in row.iter_mut().enumerate() {
                *column = column.union(Types::of_kinds(rows.table.column_kinds(index)));
            }
        }
    }
    let predicates = Predicates {
        base: &program.predicates,
        added: &[],
    };
    for clause in programs
        .iter()
        .flat_map(|program| &program.items)
        .filter_map(|item| match item {
            ast::Item::Clause(clause) if clause.is_fact() => Some(clause),
            _ => None,
        })
    {
        check_fact_types(
            clause,
            predicates,
            Lookup::of_program(names, &columns),
            errors,
        );
    }
    for rows in &program.fact_rows {
        check_declared_table_types(program, rows, errors);
    }

    let mut rules_by_head: Vec<Vec<&ast::Clause>> = vec![Vec::new(); program.predicates.len()];
    for item in programs.iter().flat_map(|program| &program.items) {
        if let ast::Item::Clause(clause) = item
            && !clause.is_fact()
            && let Some(&head) = names.get(clause.head.predicate.name.as_str())
            && let Some(rules) = rules_by_head.get_mut(head.0 as usize)
        {
            rules.push(clause);
        }
    }

    // 1. Fixpoint, one stratum at a time in dependency order: heads gain the
    //    types their bodies can produce. A body reads only its own stratum
    //    and lower ones, so a stratum is done when its own rules stop
    //    changing; a chain of rules written in any order takes one pass per
    //    stratum, not one pass of the whole program per link. Column sets
    //    only grow and have four bits each, so this terminates.
    for stratum in &program.strata {
        let rules: Vec<&ast::Clause> = stratum
            .predicates
            .iter()
            .filter_map(|predicate| rules_by_head.get(predicate.0 as usize))
            .flatten()
            .copied()
            .collect();
        infer_heads(&rules, names, &mut columns, stratum.recursive);
    }

    // 2. Reports, once, with the final column types.
    for item in programs.iter().flat_map(|program| &program.items) {
        check_clause_types(
            item,
            predicates,
            Lookup::of_program(names, &columns),
            errors,
        );
    }
    check_lattice_types(programs, program, &columns, names, errors);
    columns
}

/// E234: a lattice argument must hold values of one ordered kind
/// (integers and decimals together count as one), as `min` and `max`
/// aggregates need; reported once per predicate, at its first marked
/// clause, only when its types are known (from facts, rules or its `%%`
/// signature).
fn check_lattice_types(
    programs: &[&ast::Program],
    program: &Program,
    columns: &[Vec<Types>],
    names: &FxHashMap<String, PredId>,
    errors: &mut Vec<CheckError>,
) {
    let mut reported = HashSet::new();
    for item in programs.iter().flat_map(|program| &program.items) {
        let ast::Item::Clause(clause) = item else {
            continue;
        };
        let Some(mark) = clause.lattice else {
            continue;
        };
        let Some(&id) = names.get(clause.head.predicate.name.as_str()) else {
            continue;
        };
        let predicate = program.predicate(id);
        if predicate.lattice.is_none() || !reported.insert(id) {
            continue;
        }
        let mut types = columns
            .get(id.0 as usize)
            .and_then(|row| row.get(mark.position))
            .copied()
            .unwrap_or(Types::NONE);
        if let Some(declared) = predicate
            .doc
            .as_ref()
            .and_then(|doc| doc.arguments.get(mark.position))
            .and_then(|argument| argument.declared_type.as_deref())
        {
            let declared = Types::declared(declared);
            if declared != Types::ALL {
                types = types.union(declared);
            }
        }
        if types.is_empty() || types == Types::ALL {
            continue;
        }
        let kinds = [Types::NUMBER, Types::DATE, Types::DATETIME, Types::STRING]
            .iter()
            .filter(|kind| !types.intersect(**kind).is_empty())
            .count();
        if types.intersect(Types::SYMBOL).is_empty() && kinds <= 1 {
            continue;
        }
        errors.push(CheckError::LatticeTypeUnordered {
            predicate: predicate.name.clone(),
            function: mark.function.keyword(),
            found: types.describe(),
            span: mark.span,
        });
    }
}

/// Grows the column types of the heads of `rules` (one stratum) until they
/// stop changing; once only when the stratum is not recursive.
fn infer_heads(
    rules: &[&ast::Clause],
    names: &FxHashMap<String, PredId>,
    columns: &mut [Vec<Types>],
    recursive: bool,
) {
    loop {
        let mut changed = false;
        for clause in rules {
            let Some(&head) = names.get(clause.head.predicate.name.as_str()) else {
                continue;
            };
            let lookup = Lookup::of_program(names, columns);
            let mut checker = Checker::new(lookup, Some(&clause.head), &clause.body, None);
            let head_types: Vec<Types> = clause
                .head
                .args
                .iter()
                .map(|term| checker.term(term, None))
                .collect();
            if let Some(row) = columns.get_mut(head.0 as usize) {
                for (column, types) in row.iter_mut().zip(head_types) {
                    let grown = column.union(types);
                    changed |= grown != *column;
                    *column = grown;
                }
            }
        }
        if !changed || !recursive {
            break;
        }
    }
}

/// The certain mismatches of one rule, query or constraint (nothing for
/// other items), with the column types `lookup` gives; `predicates` are
/// the program's, for the `%%` declared types.
pub(crate) fn check_clause_types(
    item: &ast::Item,
    predicates: Predicates<'_>,
    lookup: Lookup<'_>,
    errors: &mut Vec<CheckError>,
) {
    match item {
        ast::Item::Clause(clause) if !clause.is_fact() => {
            let mut checker =
                Checker::new(lookup, Some(&clause.head), &clause.body, Some(&mut *errors));
            let head_types: Vec<Types> = clause
                .head
                .args
                .iter()
                .map(|term| checker.term(term, None))
                .collect();
            checker.literals(&clause.body, None);
            check_head_types(predicates, lookup, clause, &head_types, errors);
        }
        ast::Item::Query(query) | ast::Item::Constraint(query) => {
            let mut checker = Checker::new(lookup, None, &query.body, Some(&mut *errors));
            checker.literals(&query.body, None);
        }
        _ => {}
    }
}

/// E232: what a rule's head can hold against the `%%` declared types of
/// its predicate, as Soufflé checks every rule against its `.decl`. Only a
/// type known to be possible is reported: an argument of unknown type (a
/// column no fact or rule gives a type) is left to the evaluator.
fn check_head_types(
    predicates: Predicates<'_>,
    lookup: Lookup<'_>,
    clause: &ast::Clause,
    head_types: &[Types],
    errors: &mut Vec<CheckError>,
) {
    let Some((predicate, doc)) = documented_head(clause, predicates, lookup) else {
        return;
    };
    for (position, ((term, types), argument)) in clause
        .head
        .args
        .iter()
        .zip(head_types)
        .zip(&doc.arguments)
        .enumerate()
    {
        let Some(declared) = &argument.declared_type else {
            continue;
        };
        let allowed = Types::declared(declared);
        let outside = Types(types.0 & !allowed.0);
        if types.is_empty() || *types == Types::ALL || outside.is_empty() {
            continue;
        }
        errors.push(CheckError::RuleTypeMismatch {
            predicate: predicate.name.clone(),
            position: position + 1,
            argument: argument.name.clone(),
            declared: declared.clone(),
            found: outside.describe(),
            span: term.span(),
            doc: doc.span,
        });
    }
}

/// The predicate of `clause`'s head and its `%%` block, when it has one.
fn documented_head<'p>(
    clause: &ast::Clause,
    predicates: Predicates<'p>,
    lookup: Lookup<'_>,
) -> Option<(&'p Predicate, &'p PredicateDoc)> {
    let predicate = lookup
        .id(clause.head.predicate.name.as_str())
        .and_then(|id| predicates.get(id))?;
    Some((predicate, predicate.doc.as_ref()?))
}

/// E205: a fact's arguments against the `%%` declared types of their columns.
pub(crate) fn check_fact_types(
    clause: &ast::Clause,
    predicates: Predicates<'_>,
    lookup: Lookup<'_>,
    errors: &mut Vec<CheckError>,
) {
    let Some((predicate, doc)) = documented_head(clause, predicates, lookup) else {
        return;
    };
    for (position, (term, argument)) in clause.head.args.iter().zip(&doc.arguments).enumerate() {
        let (Term::Constant(constant), Some(declared)) = (term, &argument.declared_type) else {
            continue;
        };
        let found = type_name(&constant.value);
        if Types::declared(declared).disjoint(Types::of(&constant.value)) {
            errors.push(CheckError::FactTypeMismatch {
                predicate: predicate.name.clone(),
                position: position + 1,
                argument: argument.name.clone(),
                declared: declared.clone(),
                found: with_article(found),
                span: constant.span,
                doc: doc.span,
            });
        }
    }
}

/// E205 for the rows of a fact table against the `%%` declared types of
/// their columns. The column's kinds are known without reading the rows;
/// only a column that holds another kind is scanned, for the rows to report.
fn check_declared_table_types(program: &Program, rows: &FactRows, errors: &mut Vec<CheckError>) {
    let predicate = program.predicate(rows.predicate);
    let Some(doc) = &predicate.doc else {
        return;
    };
    let table = &rows.table;
    for (position, argument) in doc.arguments.iter().enumerate() {
        let Some(declared) = argument.declared_type.as_deref() else {
            continue;
        };
        let Some(declared_types) = declared_types(declared) else {
            continue;
        };
        if Types::of_kinds(table.column_kinds(position))
            .intersect(Types(!declared_types.0 & 15))
            .is_empty()
        {
            continue;
        }
        for row in rows.rows.clone() {
            let value = table.value(row, position);
            let found = type_name(&value);
            if found == declared {
                continue;
            }
            // Rows of a text point at their fact; rows of an imported file at
            // the directive that typed them.
            let span = table.span(row).unwrap_or(rows.span);
            errors.push(CheckError::FactTypeMismatch {
                predicate: predicate.name.clone(),
                position: position + 1,
                argument: argument.name.clone(),
                declared: declared.to_string(),
                found: with_article(found),
                span,
                doc: doc.span,
            });
            if table.span(row).is_none() {
                break;
            }
        }
    }
}

/// The types a `%%` declared type allows; `None` for `any`.
fn declared_types(declared: &str) -> Option<Types> {
    match declared {
        "int" => Some(Types::INT),
        "date" => Some(Types::DATE),
        "symbol" => Some(Types::SYMBOL),
        "string" => Some(Types::STRING),
        _ => None,
    }
}

/// The types of one clause's variables, and the checks of its expressions.
struct Checker<'a, 'e> {
    lookup: Lookup<'a>,
    outside: HashSet<&'a str>,
    /// `(aggregate index for locals, name)` to types, as in `resolve`.
    variables: HashMap<(Option<usize>, &'a str), Types>,
    /// Where to report; `None` during the fixpoint.
    errors: Option<&'e mut Vec<CheckError>>,
}

impl<'a, 'e> Checker<'a, 'e> {
    fn new(
        lookup: Lookup<'a>,
        head: Option<&'a ast::Atom>,
        body: &'a [Literal],
        errors: Option<&'e mut Vec<CheckError>>,
    ) -> Checker<'a, 'e> {
        let mut checker = Checker {
            lookup,
            outside: outside_names(head, body),
            variables: HashMap::new(),
            errors: None,
        };
        checker.infer_variables(body);
        checker.errors = errors;
        checker
    }

    fn key(&self, name: &'a str, aggregate: Option<usize>) -> (Option<usize>, &'a str) {
        (aggregate.filter(|_| !self.outside.contains(name)), name)
    }

    /// Gives every variable its types: the intersection of the columns of
    /// its positive atoms; failing those, the type of what `=` binds it to.
    fn infer_variables(&mut self, body: &'a [Literal]) {
        let mut atom_bound = HashSet::new();
        self.constrain_by_atoms(body, None, &mut atom_bound);
        // Each pass can bind one more link of an `=` chain.
        for _ in 0..=body.len() {
            let before = self.variables.clone();
            self.bind_by_equations(body, None, &atom_bound);
            if before == self.variables {
                break;
            }
        }
    }

    fn constrain_by_atoms(
        &mut self,
        body: &'a [Literal],
        aggregate: Option<usize>,
        atom_bound: &mut HashSet<(Option<usize>, &'a str)>,
    ) {
        for (index, literal) in body.iter().enumerate() {
            match literal {
                Literal::Positive(atom) => {
                    // `@ A : Q` binds the article id and the quote: strings.
                    if let Some(pattern) = &atom.citation {
                        for term in std::iter::once(&pattern.article).chain(&pattern.quote) {
                            if let Term::Variable(ident) = term {
                                let key = self.key(&ident.name, aggregate);
                                atom_bound.insert(key);
                                let entry = self.variables.entry(key).or_insert(Types::ALL);
                                *entry = entry.intersect(Types::STRING);
                            }
                        }
                    }
                    let row = self.lookup.row(atom.predicate.name.as_str());
                    for (position, term) in atom.args.iter().enumerate() {
                        let Term::Variable(ident) = term else {
                            continue;
                        };
                        let column = row
                            .and_then(|row| row.get(position))
                            .copied()
                            .unwrap_or(Types::ALL);
                        let key = self.key(&ident.name, aggregate);
                        atom_bound.insert(key);
                        let entry = self.variables.entry(key).or_insert(Types::ALL);
                        *entry = entry.intersect(column);
                    }
                }
                Literal::Aggregate(inner) if aggregate.is_none() => {
                    self.constrain_by_atoms(&inner.body, Some(index), atom_bound);
                }
                _ => {}
            }
        }
    }

    /// Binds the variables that no atom binds, the way `safety` does: by an
    /// `=` whose other side is already known, or as an aggregate's result.
    fn bind_by_equations(
        &mut self,
        body: &'a [Literal],
        aggregate: Option<usize>,
        atom_bound: &HashSet<(Option<usize>, &'a str)>,
    ) {
        for (index, literal) in body.iter().enumerate() {
            match literal {
                Literal::Comparison(comparison) if comparison.op == CompareOp::Eq => {
                    for (side, other) in [
                        (&comparison.lhs, &comparison.rhs),
                        (&comparison.rhs, &comparison.lhs),
                    ] {
                        let Term::Variable(ident) = side else {
                            continue;
                        };
                        let key = self.key(&ident.name, aggregate);
                        if atom_bound.contains(&key)
                            || self.variables.contains_key(&key)
                            || !self.all_known(other, aggregate)
                        {
                            continue;
                        }
                        let types = self.term(other, aggregate);
                        self.variables.insert(key, types);
                    }
                }
                Literal::Aggregate(inner) if aggregate.is_none() => {
                    self.bind_by_equations(&inner.body, Some(index), atom_bound);
                    let key = self.key(&inner.result.name, None);
                    if atom_bound.contains(&key) || self.variables.contains_key(&key) {
                        continue;
                    }
                    let types = match (inner.function, &inner.value) {
                        (AggregateFunction::Count, _) => Types::INT,
                        (AggregateFunction::Avg, _) => Types::DECIMAL,
                        (AggregateFunction::Sum, Some(value))
                            if self.all_known(value, Some(index)) =>
                        {
                            // The sum of nothing is the integer 0.
                            self.term(value, Some(index))
                                .intersect(Types::NUMBER)
                                .union(Types::INT)
                        }
                        (AggregateFunction::Sum, _) => Types::NUMBER,
                        (_, Some(value)) if self.all_known(value, Some(index)) => {
                            self.term(value, Some(index))
                        }
                        (_, _) => continue,
                    };
                    self.variables.insert(key, types);
                }
                _ => {}
            }
        }
    }

    /// True when every variable of `term` already has its types.
    fn all_known(&self, term: &'a Term, aggregate: Option<usize>) -> bool {
        let mut idents = Vec::new();
        term_variables(term, &mut idents);
        idents.iter().all(|ident| {
            self.variables
                .contains_key(&self.key(&ident.name, aggregate))
        })
    }

    fn variable(&self, name: &'a str, aggregate: Option<usize>) -> Types {
        self.variables
            .get(&self.key(name, aggregate))
            .copied()
            .unwrap_or(Types::ALL)
    }

    fn report(&mut self, error: CheckError) {
        if let Some(errors) = self.errors.as_deref_mut() {
            errors.push(error);
        }
    }

    /// The types `term` can have; reports certain mismatches inside it.
    /// An empty set means "no value" and silences every check above it.
    fn term(&mut self, term: &'a Term, aggregate: Option<usize>) -> Types {
        match term {
            Term::Variable(ident) => self.variable(&ident.name, aggregate),
            Term::Anonymous(_) => Types::ALL,
            Term::Constant(constant) => Types::of(&constant.value),
            Term::Binary { op, lhs, rhs, span } => {
                let lhs_types = self.term(lhs, aggregate);
                let rhs_types = self.term(rhs, aggregate);
                if lhs_types.is_empty() || rhs_types.is_empty() {
                    return Types::NONE;
                }
                let result = arithmetic(*op, lhs_types, rhs_types);
                if result.is_empty() {
                    self.report(CheckError::TypeMismatch {
                        message: format!(
                            "cannot apply `{}` to {} and {}",
                            op.symbol(),
                            lhs_types.describe(),
                            rhs_types.describe()
                        ),
                        span: *span,
                        operands: vec![
                            (lhs.span(), format!("this is {}", lhs_types.describe())),
                            (rhs.span(), format!("this is {}", rhs_types.describe())),
                        ],
                    });
                }
                result
            }
            Term::Call(call) => self.call(call, aggregate),
        }
    }

    fn call(&mut self, call: &'a ast::Call, aggregate: Option<usize>) -> Types {
        let arg_types: Vec<Types> = call
            .args
            .iter()
            .map(|arg| self.term(arg, aggregate))
            .collect();
        let Some(function) = Function::from_name(&call.function.name) else {
            return Types::NONE;
        };
        let returns = signature(function).1;
        let mut valid = true;
        for (position, (arg, types)) in call.args.iter().zip(&arg_types).enumerate() {
            let accepts = argument_types(function, position);
            if types.disjoint(accepts) {
                valid = false;
                self.report(CheckError::TypeMismatch {
                    message: format!(
                        "`{}` expects {}, not {}",
                        function.name(),
                        accepts.describe(),
                        types.describe()
                    ),
                    span: arg.span(),
                    operands: vec![(arg.span(), format!("this is {}", types.describe()))],
                });
            }
        }
        if valid && arg_types.iter().all(|types| !types.is_empty()) {
            match function {
                // `lower` and `upper` keep the kind of text: a symbol stays a symbol.
                Function::Lower
                | Function::Upper
                | Function::Substr
                | Function::Replace
                | Function::Split => arg_types
                    .first()
                    .map_or(returns, |types| types.intersect(Types::TEXT)),
                // The kind of their arguments, integers becoming decimals with a decimal.
                Function::Abs | Function::Min | Function::Max => arg_types
                    .iter()
                    .fold(Types::NONE, |all, types| all.union(*types)),
                Function::Pow => arg_types
                    .first()
                    .map_or(returns, |types| types.intersect(Types::NUMBER)),
                _ => returns,
            }
        } else {
            Types::NONE
        }
    }

    fn literals(&mut self, body: &'a [Literal], aggregate: Option<usize>) {
        for (index, literal) in body.iter().enumerate() {
            match literal {
                Literal::Positive(atom) | Literal::Negative { atom, .. } => {
                    for term in &atom.args {
                        self.term(term, aggregate);
                    }
                    self.constants_in_their_columns(atom);
                }
                Literal::Comparison(comparison) => self.comparison(comparison, aggregate),
                Literal::Builtin(call) => {
                    self.call(call, aggregate);
                }
                Literal::Aggregate(inner) => {
                    if aggregate.is_some() {
                        continue;
                    }
                    if let Some(value) = &inner.value {
                        let types = self.term(value, Some(index));
                        let adds = matches!(
                            inner.function,
                            AggregateFunction::Sum | AggregateFunction::Avg
                        );
                        if adds && types.disjoint(Types::NUMBER) {
                            self.report(CheckError::TypeMismatch {
                                message: format!(
                                    "`{}` adds numbers (integers or decimals), not {}",
                                    inner.function.keyword(),
                                    types.describe()
                                ),
                                span: value.span(),
                                operands: vec![(
                                    value.span(),
                                    format!("this is {}", types.describe()),
                                )],
                            });
                        }
                    }
                    self.literals(&inner.body, Some(index));
                }
            }
        }
    }

    /// W007: a constant of a type its column never holds (`"2025-10-12"`
    /// where dates are stored) makes the atom match nothing.
    fn constants_in_their_columns(&mut self, atom: &'a ast::Atom) {
        let Some(row) = self.lookup.row(atom.predicate.name.as_str()) else {
            return;
        };
        for (position, term) in atom.args.iter().enumerate() {
            let (Term::Constant(constant), Some(&column)) = (term, row.get(position)) else {
                continue;
            };
            let found = Types::of(&constant.value);
            if !column.disjoint(found) {
                continue;
            }
            self.report(CheckError::ConstantTypeNeverMatches {
                predicate: atom.predicate.name.clone(),
                position: position + 1,
                found: found.describe(),
                column: column.describe(),
                suggestion: written_as(&constant.value, column),
                span: constant.span,
            });
        }
    }

    fn comparison(&mut self, comparison: &'a ast::Comparison, aggregate: Option<usize>) {
        let lhs = self.term(&comparison.lhs, aggregate);
        let rhs = self.term(&comparison.rhs, aggregate);
        if !lhs.disjoint(rhs) {
            return;
        }
        // An integer and a decimal are ordered by value (never `=`).
        let ordering = !matches!(comparison.op, CompareOp::Eq | CompareOp::Ne);
        if ordering
            && !lhs.intersect(Types::NUMBER).is_empty()
            && !rhs.intersect(Types::NUMBER).is_empty()
        {
            return;
        }
        let operands = vec![
            (comparison.lhs.span(), format!("this is {}", lhs.describe())),
            (comparison.rhs.span(), format!("this is {}", rhs.describe())),
        ];
        let error = match comparison.op {
            CompareOp::Eq | CompareOp::Ne => CheckError::ComparisonConstant {
                always: comparison.op == CompareOp::Ne,
                lhs: lhs.describe(),
                rhs: rhs.describe(),
                span: comparison.span,
                operands,
            },
            op => CheckError::TypeMismatch {
                message: format!(
                    "cannot compare {} with {} using `{}`",
                    lhs.describe(),
                    rhs.describe(),
                    op.symbol()
                ),
                span: comparison.span,
                operands,
            },
        };
        self.report(error);
    }
}

#[cfg(test)]
mod tests {
    use crate::analysis::testing::check;

    /// Facts every case may read: `country/1` symbols, `day/1` dates,
    /// `toll/2` symbol and int, `name/1` strings, `mixed/1` int or symbol.
    const FACTS: &str = "country(qatar). on(2025-10-19). toll(qatar, 58). name(\"Doha\").\n\
                         mixed(1). mixed(a).\n";

    fn check_types(rules: &str, expected: &[&str]) {
        check(&format!("{FACTS}{rules}"), expected);
    }

    #[test]
    fn rule_heads_must_match_declared_types() {
        check_types(
            "%% when(C: symbol, D: date)\nwhen(C, D) :- toll(C, N), D = N + 1.\n\
             %% ok(C: symbol, D: date)\nok(C, D) :- country(C), on(D).\n\
             %% num(C: symbol, N: number)\nnum(C, N) :- toll(C, N).\nnum(C, 2.5) :- country(C).",
            &["E232: rule for `when` can put an int into argument 2 (`D`), declared `date`"],
        );
    }

    #[test]
    fn well_typed_programs_pass() {
        let cases = [
            "h(Y) :- toll(_, X), Y = X + 1, Y > 10.",
            "h(E) :- on(D), E = D + 7, E > 2025-10-20.",
            "h(N) :- on(D), N = D - 2025-01-01, N >= 0.",
            "h(N) :- on(D), N = 3 + D, N != D.",
            "h(Y, M, W) :- on(D), Y = year(D), M = month(D), W = weekday(D), W = sunday, M < 12.",
            "h(S) :- name(N), S = concat(N, 1), len(S) > 2.",
            "h(S) :- country(C), S = upper(C), S != qatar.",
            "h(S) :- name(N), S = lower(N), contains(S, \"doha\").",
            "h(C) :- country(C), C < zambia.",
            "h(X) :- mixed(X), X > 0.",
            "h(X) :- mixed(X), X < b.",
            "h(X) :- undefined_pred(X), X > 0, X < a.",
            "h(T) :- T = sum K : { toll(_, K) }, T > 0.",
            "h(M) :- M = max D : { on(D) }, M > 2025-01-01.",
            "?- toll(C, N), N > 50, C != turkey.",
        ];
        for rules in cases {
            let expected: &[&str] = if rules.contains("undefined_pred") {
                &["W001"]
            } else {
                &[]
            };
            check_types(rules, expected);
        }
    }

    #[test]
    fn certain_mismatches_are_errors() {
        let cases: &[(&str, &[&str])] = &[
            (
                "h(C) :- country(C), C > 3.",
                &["E204: cannot compare a symbol with an int using `>`"],
            ),
            (
                "h(X) :- X = \"a\" + 1.",
                &["E204: cannot apply `+` to a string and an int"],
            ),
            (
                "h(E) :- on(D), E = D * 2.",
                &["E204: cannot apply `*` to a date and an int"],
            ),
            (
                "h(E) :- on(D), E = 3 - D.",
                &["E204: cannot apply `-` to an int and a date"],
            ),
            (
                "h(Y) :- country(C), Y = year(C).",
                &["E204: `year` expects a date or a datetime, not a symbol"],
            ),
            (
                "h(L) :- toll(_, N), L = len(N).",
                &["E204: `len` expects a symbol or a string, not an int"],
            ),
            (
                "h(D) :- on(D), contains(D, \"10\").",
                &["E204: `contains` expects a symbol or a string, not a date"],
            ),
            (
                "h(X + 1) :- country(X).",
                &["E204: cannot apply `+` to a symbol and an int"],
            ),
            (
                "h(T) :- T = sum C : { country(C) }.",
                &["E204: `sum` adds numbers (integers or decimals), not a symbol"],
            ),
            (
                // Types flow through rules: `g` holds dates.
                "g(D) :- on(D). h(D) :- g(D), D > 5.",
                &["E204: cannot compare a date with an int using `>`"],
            ),
            (
                "h(N) :- on(D), N = D - 1, M = N + 1, M < 3.",
                &["E204: cannot compare a date with an int using `<`"],
            ),
            (
                "?- toll(C, N), N > zero.",
                &["E204: cannot compare an int with a symbol using `>`"],
            ),
        ];
        for (rules, expected) in cases {
            check_types(rules, expected);
        }
    }

    #[test]
    fn equality_between_different_types_is_a_warning() {
        let cases: &[(&str, &[&str])] = &[
            (
                "h(C) :- country(C), C = \"qatar\".",
                &["W004: this comparison is always false: a symbol and a string are never equal"],
            ),
            (
                "h(C) :- toll(C, N), N != \"58\".",
                &["W004: this comparison is always true: an int and a string are never equal"],
            ),
            (
                "h(X) :- X = 1, X = a.",
                &["W004: this comparison is always false: an int and a symbol are never equal"],
            ),
        ];
        for (rules, expected) in cases {
            check_types(rules, expected);
        }
    }

    #[test]
    fn a_constant_of_a_type_its_column_never_holds_is_a_warning() {
        let cases: &[(&str, &[&str])] = &[
            (
                "?- on(\"2025-10-12\").",
                &["W007: argument 1 of `on` is never a string: this atom never matches"],
            ),
            (
                "?- country(\"qatar\").",
                &["W007: argument 1 of `country` is never a string: this atom never matches"],
            ),
            (
                "h(C) :- toll(C, \"58\").",
                &["W007: argument 2 of `toll` is never a string: this atom never matches"],
            ),
            ("?- on(2025-10-12). ?- toll(qatar, 58).", &[]),
            // A column of several types: a constant of yet another type.
            (
                "?- mixed(\"a\").",
                &["W007: argument 1 of `mixed` is never a string: this atom never matches"],
            ),
            ("?- mixed(a), mixed(1).", &[]),
            // Nothing is known of a column nothing fills.
            ("?- undefined_yet(\"x\").", &["W001"]),
        ];
        for (rules, expected) in cases {
            check_types(rules, expected);
        }
        use super::{Types, written_as};
        use crate::value::Value;
        let written = |value: Value, column: Types| written_as(&value, column);
        assert_eq!(
            written(Value::String("2025-10-12".into()), Types::DATE).as_deref(),
            Some("2025-10-12")
        );
        assert_eq!(written(Value::String("12 Oct".into()), Types::DATE), None);
        assert_eq!(
            written(Value::Symbol("qatar".into()), Types::STRING).as_deref(),
            Some("\"qatar\"")
        );
        assert_eq!(
            written(Value::String("qatar".into()), Types::SYMBOL).as_deref(),
            Some("qatar")
        );
        assert_eq!(
            written(Value::String("58".into()), Types::INT).as_deref(),
            Some("58")
        );
    }

    #[test]
    fn facts_must_match_declared_types() {
        let cases: &[(&str, &[&str])] = &[
            (
                "%% closed(Crossing: symbol, Date: date)\nclosed(torkham, 2025-10-12).",
                &[],
            ),
            (
                "%% closed(Crossing: symbol, Date: date)\nclosed(torkham, \"12 October\").",
                &["E205: argument 2 (`Date`) of `closed` is declared `date` but this is a string"],
            ),
            (
                "%% closed(Crossing, Date: any)\nclosed(\"Torkham\", 12).",
                &[],
            ),
            (
                "%% closed(Crossing: symbol, Date: date)\nclosed(torkham, 2025-10-12).\n\
                 closed(chaman, 12).",
                &["E205: argument 2 (`Date`) of `closed` is declared `date` but this is an int"],
            ),
        ];
        for (text, expected) in cases {
            check(text, expected);
        }
    }
}
