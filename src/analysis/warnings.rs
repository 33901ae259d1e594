//! Warnings about programs that are valid but probably not what was meant.
//!
//! Owns `W001` (an atom naming a predicate nothing defines, with a "did you
//! mean"), `W002` (a variable spelled like a known constant but for case:
//! newcomers write proper nouns capitalised) and `W003` (a named variable used
//! only once in a rule, as SWI-Prolog's singleton warning). It never rejects
//! anything and runs after `safety`, so that a variable already reported as
//! unsafe is not also reported as a singleton.

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::sync::Arc;

use rustc_hash::{FxHashMap, FxHashSet};

use super::error::CheckError;
use super::ir::Program;
use super::resolve::{literal_variables, outside_names, term_variables};
use crate::span::Span;
use crate::syntax::ast::{self, Literal, Term};
use crate::table::FactTable;
use crate::text;
use crate::value::Value;

/// Runs the three checks over every rule and query; returns the constants
/// of `programs`, which the incremental analysis keeps.
pub(crate) fn check_warnings(
    programs: &[&ast::Program],
    program: &Program,
    errors: &mut Vec<CheckError>,
) -> Constants {
    let defined: Vec<&str> = program
        .predicates
        .iter()
        .filter(|predicate| predicate.defined)
        .map(|predicate| predicate.name.as_str())
        .collect();
    let defined_set: HashSet<&str> = defined.iter().copied().collect();
    let is_defined = |name: &str| defined_set.contains(name);
    let candidates = || defined.clone();
    let defined = Defined {
        is_defined: &is_defined,
        candidates: &candidates,
    };
    let constants = Constants::collect(programs);
    let unsafe_spans = unsafe_spans(errors);
    let mut warnings = Vec::new();
    let view = ConstantsView {
        base: &constants,
        added: None,
    };
    for item in programs.iter().flat_map(|program| &program.items) {
        check_item_warnings(item, &defined, view, &unsafe_spans, &mut warnings);
    }
    errors.extend(warnings);
    constants
}

/// Which predicates something defines, for `W001`.
pub(crate) struct Defined<'d> {
    /// True when some fact or rule defines the predicate of that name.
    pub is_defined: &'d dyn Fn(&str) -> bool,
    /// The names of the defined predicates, in `PredId` order: asked only
    /// when a warning needs a suggestion.
    pub candidates: &'d dyn Fn() -> Vec<&'d str>,
}

/// The three checks on one item (rules, queries and constraints; nothing
/// for the other items).
pub(crate) fn check_item_warnings(
    item: &ast::Item,
    defined: &Defined<'_>,
    constants: ConstantsView<'_>,
    unsafe_spans: &HashSet<Span>,
    warnings: &mut Vec<CheckError>,
) {
    let (head, body) = match item {
        ast::Item::Clause(clause) if !clause.is_fact() => (Some(&clause.head), &clause.body),
        ast::Item::Query(query) | ast::Item::Constraint(query) => (None, &query.body),
        _ => return,
    };
    check_undefined(body, defined, warnings);
    let like_constants = check_like_constants(head, body, constants, warnings);
    if head.is_some() {
        check_singletons(head, body, &like_constants, unsafe_spans, warnings);
    }
}

/// W001 for every atom, negated or inside an aggregate, whose predicate nothing defines.
fn check_undefined(body: &[Literal], defined: &Defined<'_>, warnings: &mut Vec<CheckError>) {
    for literal in body {
        match literal {
            Literal::Positive(atom) | Literal::Negative { atom, .. } => {
                let name = atom.predicate.name.as_str();
                if !(defined.is_defined)(name) {
                    let candidates = (defined.candidates)();
                    warnings.push(CheckError::PredicateUndefined {
                        name: name.to_string(),
                        suggestion: text::closest(name, candidates.iter().copied())
                            .map(str::to_string),
                        span: atom.predicate.span,
                    });
                }
            }
            Literal::Aggregate(aggregate) => {
                check_undefined(&aggregate.body, defined, warnings);
            }
            Literal::Comparison(_) | Literal::Builtin(_) => {}
        }
    }
}

/// The spans of the variables found unsafe: W003 is not repeated for them.
pub(crate) fn unsafe_spans(errors: &[CheckError]) -> HashSet<Span> {
    errors
        .iter()
        .filter_map(|error| match error {
            CheckError::VariableUnsafe { span, .. } => Some(*span),
            _ => None,
        })
        .collect()
}

/// The symbol constants of programs, for `W002`: owned, so that the
/// incremental analysis can keep those of an accepted program.
#[derive(Clone, Debug, Default)]
pub(crate) struct Constants {
    /// Folded spelling (lowercase, no underscores) to the constant as written.
    by_folded: FxHashMap<String, String>,
    /// `(predicate, column, symbol)` for every symbol argument of a fact.
    in_columns: FxHashSet<(String, usize, String)>,
    /// Fact tables and their rows, asked only about the variables that need
    /// it: their symbols may number in the millions.
    tables: Vec<(Arc<FactTable>, Range<usize>)>,
}

/// The constants of an accepted program (`base`), then those of an input
/// (`added`), looked up as if collected in that order.
#[derive(Clone, Copy)]
pub(crate) struct ConstantsView<'c> {
    /// The constants collected first.
    pub base: &'c Constants,
    /// The constants collected after them.
    pub added: Option<&'c Constants>,
}

impl ConstantsView<'_> {
    fn parts(&self) -> impl Iterator<Item = &Constants> {
        std::iter::once(self.base).chain(self.added)
    }

    /// The constant `folded` is the folded spelling of, if any: the first
    /// written wins, then the fact tables in order.
    fn spelt_as(&self, folded: &str) -> Option<String> {
        self.parts()
            .find_map(|constants| constants.by_folded.get(folded).cloned())
            .or_else(|| {
                self.parts()
                    .flat_map(|constants| &constants.tables)
                    .find_map(|(table, _)| {
                        table
                            .symbol_folded_as(folded, text::fold)
                            .map(str::to_string)
                    })
            })
    }

    /// True when some fact of `predicate` has the symbol `constant` in `column`.
    fn in_column(&self, predicate: &str, column: usize, constant: &str) -> bool {
        let key = (predicate.to_string(), column, constant.to_string());
        self.parts().any(|constants| {
            constants.in_columns.contains(&key)
                || constants.tables.iter().any(|(table, rows)| {
                    table.name() == predicate
                        && table.column_has_symbol(rows.clone(), column, constant)
                })
        })
    }
}

impl Constants {
    /// The constants of `programs`, in order.
    pub(crate) fn collect(programs: &[&ast::Program]) -> Constants {
        let mut constants = Constants::default();
        for item in programs.iter().flat_map(|program| &program.items) {
            constants.add_item(item);
        }
        constants
    }

    /// Adds the constants of one item, after those already collected.
    pub(crate) fn add_item(&mut self, item: &ast::Item) {
        match item {
            ast::Item::Facts(run) => self.tables.push((Arc::clone(&run.table), run.rows.clone())),
            ast::Item::Clause(clause) => {
                for (column, term) in clause.head.args.iter().enumerate() {
                    if clause.is_fact()
                        && let Term::Constant(constant) = term
                        && let Value::Symbol(symbol) = &constant.value
                    {
                        self.in_columns.insert((
                            clause.head.predicate.name.clone(),
                            column,
                            symbol.clone(),
                        ));
                    }
                    self.add_term(term);
                }
                clause
                    .body
                    .iter()
                    .for_each(|literal| self.add_literal(literal));
            }
            ast::Item::Query(query) | ast::Item::Constraint(query) => {
                query
                    .body
                    .iter()
                    .for_each(|literal| self.add_literal(literal));
            }
            ast::Item::Include(_)
            | ast::Item::Doc(_)
            | ast::Item::Articles(_)
            | ast::Item::Import(_)
            | ast::Item::Export(_) => {}
        }
    }

    fn add_term(&mut self, term: &Term) {
        match term {
            Term::Constant(constant) => {
                if let Value::Symbol(symbol) = &constant.value {
                    self.by_folded
                        .entry(text::fold(symbol))
                        .or_insert_with(|| symbol.clone());
                }
            }
            Term::Binary { lhs, rhs, .. } => {
                self.add_term(lhs);
                self.add_term(rhs);
            }
            Term::Call(call) => call.args.iter().for_each(|arg| self.add_term(arg)),
            Term::Variable(_) | Term::Anonymous(_) => {}
        }
    }

    fn add_literal(&mut self, literal: &Literal) {
        match literal {
            Literal::Positive(atom) | Literal::Negative { atom, .. } => {
                atom.args.iter().for_each(|term| self.add_term(term));
            }
            Literal::Comparison(comparison) => {
                self.add_term(&comparison.lhs);
                self.add_term(&comparison.rhs);
            }
            Literal::Builtin(call) => call.args.iter().for_each(|arg| self.add_term(arg)),
            Literal::Aggregate(aggregate) => {
                if let Some(value) = &aggregate.value {
                    self.add_term(value);
                }
                aggregate
                    .body
                    .iter()
                    .for_each(|inner| self.add_literal(inner));
            }
        }
    }
}

/// W002: returns the names warned about, so `W003` does not repeat them.
///
/// A variable of two letters or more is reported when it folds to a known symbol and either occurs
/// only once in its clause, or stands in an atom column where that symbol is
/// a fact's value. A variable used several times elsewhere is a deliberate
/// join (`Country` in `person(P, Country), borders(Country, C)`), even when
/// some fact happens to use the symbol `country`.
fn check_like_constants<'a>(
    head: Option<&'a ast::Atom>,
    body: &'a [Literal],
    constants: ConstantsView<'_>,
    warnings: &mut Vec<CheckError>,
) -> HashSet<&'a str> {
    let mut idents = Vec::new();
    if let Some(head) = head {
        head.args
            .iter()
            .for_each(|term| term_variables(term, &mut idents));
    }
    body.iter()
        .for_each(|literal| literal_variables(literal, &mut idents));
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for ident in &idents {
        *counts.entry(ident.name.as_str()).or_default() += 1;
    }
    let mut columns: Vec<(&str, String, usize)> = Vec::new();
    collect_variable_columns(body, &mut columns);
    let mut warned = HashSet::new();
    for ident in &idents {
        let name = ident.name.as_str();
        // One letter is the textbook variable (`edge(A, B)` beside the
        // constants `a` and `b`), never a capitalised proper noun.
        if name.starts_with('_') || name.chars().count() < 2 || warned.contains(name) {
            continue;
        }
        let Some(constant) = constants.spelt_as(&text::fold(name)) else {
            continue;
        };
        let single = counts.get(name).copied().unwrap_or(0) == 1;
        let in_column = columns.iter().any(|(variable, predicate, column)| {
            *variable == name && constants.in_column(predicate, *column, &constant)
        });
        if single || in_column {
            warned.insert(name);
            warnings.push(CheckError::VariableLikeConstant {
                name: name.to_string(),
                constant: constant.clone(),
                span: ident.span,
            });
        }
    }
    warned
}

/// `(variable, predicate, column)` for every variable argument of a body atom.
fn collect_variable_columns<'a>(body: &'a [Literal], out: &mut Vec<(&'a str, String, usize)>) {
    for literal in body {
        match literal {
            Literal::Positive(atom) | Literal::Negative { atom, .. } => {
                for (column, term) in atom.args.iter().enumerate() {
                    if let Term::Variable(ident) = term {
                        out.push((ident.name.as_str(), atom.predicate.name.clone(), column));
                    }
                }
            }
            Literal::Aggregate(aggregate) => collect_variable_columns(&aggregate.body, out),
            Literal::Comparison(_) | Literal::Builtin(_) => {}
        }
    }
}

/// W003: named variables (not starting with `_`) that occur once in a rule.
/// Variables local to an aggregate are never reported: the aggregate ranges
/// over every variable of its body, so naming a column there (`count : { p(X, Y) }`)
/// documents what is counted rather than hiding a typo.
fn check_singletons<'a>(
    head: Option<&'a ast::Atom>,
    body: &'a [Literal],
    already_warned: &HashSet<&str>,
    unsafe_spans: &HashSet<Span>,
    warnings: &mut Vec<CheckError>,
) {
    let outside = outside_names(head, body);
    let mut occurrences: Vec<((Option<usize>, &str), Span)> = Vec::new();
    let mut add = |idents: Vec<&'a ast::Ident>, scope: Option<usize>| {
        for ident in idents {
            let name = ident.name.as_str();
            let scope = scope.filter(|_| !outside.contains(name));
            occurrences.push(((scope, name), ident.span));
        }
    };
    if let Some(head) = head {
        let mut idents = Vec::new();
        head.args
            .iter()
            .for_each(|term| term_variables(term, &mut idents));
        add(idents, None);
    }
    for (index, literal) in body.iter().enumerate() {
        let mut idents = Vec::new();
        literal_variables(literal, &mut idents);
        add(
            idents,
            matches!(literal, Literal::Aggregate(_)).then_some(index),
        );
    }
    let mut counts: HashMap<(Option<usize>, &str), usize> = HashMap::new();
    for (key, _) in &occurrences {
        *counts.entry(*key).or_default() += 1;
    }
    for (key, span) in &occurrences {
        let name = key.1;
        if counts.get(key) == Some(&1)
            && key.0.is_none()
            && !name.starts_with('_')
            && !already_warned.contains(name)
            && !unsafe_spans.contains(span)
        {
            warnings.push(CheckError::VariableSingleton {
                name: name.to_string(),
                span: *span,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::analysis::testing::{analyze_texts, check};

    #[test]
    fn undefined_predicates_are_reported_with_suggestions() {
        let cases: &[(&str, &[&str])] = &[
            ("mediates(qatar, t).\n?- mediates(M, T).", &[]),
            (
                "mediates(qatar, t).\n?- mediate(M, T).",
                &["W001: predicate `mediate` is not defined by any fact or rule"],
            ),
            (
                "p(a).\nh(X) :- p(X), not blocked(X).",
                &["W001: predicate `blocked` is not defined"],
            ),
            (
                "p(a).\nh(N) :- N = count : { p(X), q(X) }.",
                &["W001: predicate `q` is not defined"],
            ),
        ];
        for (text, expected) in cases {
            check(text, expected);
        }
        let analysis = analyze_texts(&["closed_on(torkham, 2025-10-12).\n?- closedOn(C, D)."]);
        assert_eq!(
            analysis.diagnostics[0].labels[0].message,
            "did you mean `closed_on`?"
        );
        let analysis = analyze_texts(&["mediates(a, b).\n?- blames(A, B)."]);
        assert_eq!(analysis.diagnostics[0].notes, ["this atom never matches"]);
    }

    #[test]
    fn variables_spelled_like_constants_are_reported() {
        let cases: &[(&str, &[&str])] = &[
            (
                "mediates(qatar, istanbul_talks).\n?- mediates(Qatar, T).",
                &["W002: variable `Qatar` matches anything; did you mean the constant `qatar`?"],
            ),
            (
                "mediates(qatar, istanbul_talks).\n?- mediates(M, IstanbulTalks).",
                &[
                    "W002: variable `IstanbulTalks` matches anything; did you mean the constant `istanbul_talks`?",
                ],
            ),
            (
                "mediates(qatar, t).\nby_qatar(T) :- mediates(Qatar, T).",
                &["W002: variable `Qatar` matches anything"],
            ),
            (
                // Used twice but in a column where `qatar` is a value.
                "mediates(qatar, t).\nh(Qatar) :- mediates(Qatar, _).",
                &["W002: variable `Qatar` matches anything"],
            ),
            (
                // A join variable that merely shares its name with a symbol.
                "kind(pakistan, country).\nborders(pakistan, afghanistan).\n\
                 h(Country) :- borders(Country, _), kind(Country, _).",
                &[],
            ),
            ("mediates(qatar, t).\n?- mediates(_Qatar, T).", &[]),
            ("edge(a, b).\n?- edge(A, B).", &[]),
        ];
        for (text, expected) in cases {
            check(text, expected);
        }
    }

    #[test]
    fn singleton_variables_are_reported() {
        let cases: &[(&str, &[&str])] = &[
            (
                "p(a, b).\nh(X) :- p(X, Y).",
                &["W003: variable `Y` is used only once; write `_Y` or `_` if that is intended"],
            ),
            ("p(a, b).\nh(X) :- p(X, _Y).", &[]),
            ("p(a, b).\nh(X) :- p(X, _).", &[]),
            // Inside an aggregate a named column documents what is counted.
            (
                "p(a, b).\nh(X, N) :- p(X, _), N = count : { p(X, Y) }.",
                &[],
            ),
            (
                "p(a, 1).\nh(X, S) :- p(X, _), S = sum K : { p(X, K) }.",
                &[],
            ),
            // Queries show their variables: a single use is normal there.
            ("p(a, b).\n?- p(X, Y).", &[]),
        ];
        for (text, expected) in cases {
            check(text, expected);
        }
    }
}
