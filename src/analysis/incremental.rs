//! Incremental analysis: an input of ground facts and queries checked
//! against an accepted program, without analysing that program again.
//!
//! Owns the decision of when that gives exactly what the whole pipeline
//! (`analyze_watched`) would, and the `Summary` of an accepted program it
//! needs: predicates by name, inferred column types and the constants the
//! `W002` check compares variables with. The rule it follows: an input is
//! checked here only when it cannot change any check's result about the
//! accepted program. That holds for
//! - queries, which define nothing (the model answers them as it is);
//! - ground facts whose values are each of a type their column already
//!   holds (no inferred type changes, so no old rule's type check does),
//!   of predicates with no `@` reader (no hidden citation rows to add) or
//!   of predicates the input creates (new, so no old clause reads them);
//!
//! and only without `%%` blocks, rules, constraints, `@` patterns or
//! directives. Everything else (and any input in which a check finds an
//! error, so that errors always come from one place) is declined: the
//! caller runs the whole pipeline. The passes then run on the input alone,
//! in the pipeline's order, through the same per-clause functions, so the
//! diagnostics are the same values in the same order.
//!
//! It never evaluates and never reads a file; the program it is given is
//! left as it was.

use rustc_hash::FxHashMap;

use super::error::CheckError;
use super::ir::{self, PredId, Stratum};
use super::resolve::{self, BaseNames};
use super::types::{self, Lookup, Predicates, Types};
use super::warnings::{self, Constants, ConstantsView, Defined};
use super::{Context, citations, safety, sort_errors};
use crate::diagnostic::{Diagnostic, has_errors};
use crate::syntax::ast::{self, Literal};

/// What the analysis of an accepted program leaves for the incremental
/// analysis of the next input: kept beside the program, updated with each
/// extension it accepts ([`Summary::extend`]).
#[derive(Clone, Debug, Default)]
pub struct Summary {
    /// The predicates by name (the hidden citation relations excepted).
    names: FxHashMap<String, PredId>,
    /// The hidden citation relation of each predicate read with `@`.
    citation_relations: FxHashMap<PredId, PredId>,
    /// The inferred types of every column, by `PredId`.
    columns: Vec<Vec<Types>>,
    /// The symbol constants of the kept clauses; `None` when they must be
    /// collected again (see [`Summary::forget_constants`]).
    constants: Option<Constants>,
}

impl Summary {
    pub(crate) fn new(
        names: FxHashMap<String, PredId>,
        citation_relations: FxHashMap<PredId, PredId>,
        columns: Vec<Vec<Types>>,
        constants: Constants,
    ) -> Summary {
        Summary {
            names,
            citation_relations,
            columns,
            constants: Some(constants),
        }
    }

    /// Forgets the constants: the analysed programs held clauses that are
    /// not kept (queries typed at the REPL are answered and dropped), whose
    /// constants a later analysis of what is kept would not see.
    pub fn forget_constants(&mut self) {
        self.constants = None;
    }

    /// Collects the constants again, from the kept programs in load order,
    /// when they were forgotten.
    pub fn ensure_constants(&mut self, programs: &[&ast::Program]) {
        if self.constants.is_none() {
            self.constants = Some(Constants::collect(programs));
        }
    }

    /// Takes in an accepted extension's facts (`kept`: the input's items
    /// that stay in the session, in order).
    pub fn extend(&mut self, delta: SummaryDelta, kept: &[&ast::Program]) {
        self.names.extend(delta.names);
        self.columns.extend(delta.columns);
        if let Some(constants) = &mut self.constants {
            for item in kept.iter().flat_map(|program| &program.items) {
                constants.add_item(item);
            }
        }
    }
}

/// What an accepted extension adds to the [`Summary`].
#[derive(Clone, Debug, Default)]
pub struct SummaryDelta {
    /// The predicates it creates, by name.
    names: FxHashMap<String, PredId>,
    /// Their column types, in id order after the base's.
    columns: Vec<Vec<Types>>,
}

/// An input checked against an accepted program.
#[derive(Debug)]
pub enum Extension {
    /// The input held only queries: the program stays as it is.
    Queries {
        /// The queries, lowered against the program's predicates (a
        /// predicate nothing mentioned before gets an id after them, and
        /// no relation).
        queries: Vec<ir::Query>,
        /// Warnings (an extension never holds errors), sorted by position.
        diagnostics: Vec<Diagnostic>,
    },
    /// The input added facts (and maybe queries).
    Program {
        /// The accepted program with the input's facts, predicates and
        /// strata added and its queries after the program's own.
        program: ir::Program,
        /// Warnings (an extension never holds errors), sorted by position.
        diagnostics: Vec<Diagnostic>,
        /// What the summary takes in once the input is accepted.
        delta: SummaryDelta,
    },
}

/// Checks `programs` (an input's parsed texts) as additions to `base`, an
/// accepted program analysed with the same articles, of which `summary`
/// is the summary; `None` when the input is not one this module decides
/// (see the module documentation): then the whole pipeline must run.
///
/// `base` is borrowed mutably only to lend its predicate table to name
/// resolution; it is as it was on return.
pub fn analyze_extension(
    base: &mut ir::Program,
    summary: &Summary,
    programs: &[&ast::Program],
    context: &Context<'_>,
) -> Option<Extension> {
    let constants = summary.constants.as_ref()?;
    let items = || programs.iter().flat_map(|program| &program.items);
    // 1. Only ground facts and queries without `@` patterns.
    for item in items() {
        match item {
            ast::Item::Clause(clause) if clause.is_fact() => {}
            ast::Item::Query(query) if !reads_citations(&query.body) => {}
            _ => return None,
        }
    }
    if summary.columns.len() != base.predicates.len() {
        return None;
    }
    // 2. Names: the predicates of the base keep their ids. Resolution
    //    borrows the base's table (it may mark a predicate defined and
    //    append new ones); the table is put back as it was below.
    let n_base = base.predicates.len();
    let was_undefined: Vec<PredId> = items()
        .filter_map(|item| match item {
            ast::Item::Clause(clause) => summary.names.get(&clause.head.predicate.name).copied(),
            _ => None,
        })
        .filter(|id| {
            base.predicates
                .get(id.0 as usize)
                .is_some_and(|predicate| !predicate.defined)
        })
        .collect();
    let mut errors = Vec::new();
    let base_names = BaseNames {
        names: &summary.names,
        citation_relations: &summary.citation_relations,
    };
    let resolved = resolve::resolve_extension(
        std::mem::take(&mut base.predicates),
        base_names,
        programs,
        context.articles,
        &mut errors,
    );
    let mut resolved = resolved;
    let mut predicates = std::mem::take(&mut resolved.program.predicates);
    let added: Vec<ir::Predicate> = predicates.split_off(n_base.min(predicates.len()));
    base.predicates = predicates;
    let input = Input {
        programs,
        constants,
        added: &added,
        errors,
    };
    let extension = check_input(base, summary, resolved, input, context);
    // The flags resolution set on the base's predicates go back.
    for id in was_undefined {
        if let Some(predicate) = base.predicates.get_mut(id.0 as usize) {
            predicate.defined = false;
        }
    }
    extension
}

/// An input being checked.
struct Input<'i> {
    /// Its parsed texts.
    programs: &'i [&'i ast::Program],
    /// The constants of the base.
    constants: &'i Constants,
    /// The predicates it creates (ids after the base's).
    added: &'i [ir::Predicate],
    /// What name resolution found.
    errors: Vec<CheckError>,
}

/// Steps 3 to 7 on a resolved input; `base.predicates` holds the flags the
/// input sets.
fn check_input(
    base: &ir::Program,
    summary: &Summary,
    mut resolved: resolve::Resolved,
    input: Input<'_>,
    context: &Context<'_>,
) -> Option<Extension> {
    let Input {
        programs,
        constants,
        added,
        mut errors,
    } = input;
    let items = || programs.iter().flat_map(|program| &program.items);
    let n_base = base.predicates.len();
    let table = Predicates {
        base: &base.predicates,
        added,
    };
    let facts = std::mem::take(&mut resolved.program.facts);
    // A predicate first mentioned by a query of an input that also keeps
    // facts would stay in the model under the query's span: the whole
    // pipeline decides that case.
    let made_by_query = |predicate: &ir::Predicate| {
        items().any(|item| match item {
            ast::Item::Query(query) => {
                query.span.source == predicate.first_use.source
                    && query.span.start <= predicate.first_use.start
                    && predicate.first_use.end <= query.span.end
            }
            _ => false,
        })
    };
    if !facts.is_empty() && added.iter().any(made_by_query) {
        return None;
    }
    // 3. Citations: a fact of a predicate read with `@` adds rows to its
    //    hidden relation (declined); those of the input's facts are verified.
    if facts
        .iter()
        .any(|fact| summary.citation_relations.contains_key(&fact.predicate))
    {
        return None;
    }
    if let Some(articles) = context.articles
        && !facts.is_empty()
    {
        let facts_only = ir::Program {
            predicates: table.iter().cloned().collect(),
            facts: facts.clone(),
            ..ir::Program::default()
        };
        citations::verify_citations(&facts_only, articles, context.verify_sources, &mut errors);
    }
    // 4. Safety, per query.
    safety::check_safety(&resolved, &mut errors);
    // 5. Strata do not change: facts add no dependency, and each new
    //    predicate (defined by facts only) is a stratum of its own after
    //    the others, as Tarjan's algorithm, visiting ids in order, emits it.
    // 6. Types: every fact of a base predicate must keep its column types.
    let mut added_columns: Vec<Vec<Types>> = added
        .iter()
        .map(|predicate| types::no_types(predicate.arity))
        .collect();
    for fact in &facts {
        let index = fact.predicate.0 as usize;
        match index.checked_sub(n_base) {
            None => {
                let known = summary
                    .columns
                    .get(index)
                    .is_some_and(|row| types::fact_types_known(row, &fact.values));
                if !known {
                    return None;
                }
            }
            Some(offset) => {
                if let Some(row) = added_columns.get_mut(offset) {
                    types::add_fact_types(row, &fact.values);
                }
            }
        }
    }
    let added_names: FxHashMap<String, PredId> = added
        .iter()
        .enumerate()
        .filter(|(_, predicate)| predicate.citations_of.is_none())
        .map(|(offset, predicate)| {
            let id = u32::try_from(n_base + offset).unwrap_or(u32::MAX);
            (predicate.name.clone(), PredId(id))
        })
        .collect();
    let lookup = Lookup {
        names: &summary.names,
        added_names: Some(&added_names),
        columns: &summary.columns,
        added_columns: &added_columns,
    };
    for item in items() {
        if let ast::Item::Clause(clause) = item {
            types::check_fact_types(clause, table, lookup, &mut errors);
        }
    }
    for item in items() {
        types::check_clause_types(item, table, lookup, &mut errors);
    }
    // 7. Warnings, with the constants of the base then of the input.
    let input_constants = Constants::collect(programs);
    let view = ConstantsView {
        base: constants,
        added: Some(&input_constants),
    };
    let is_defined = |name: &str| {
        summary
            .names
            .get(name)
            .or_else(|| added_names.get(name))
            .and_then(|id| table.get(*id))
            .is_some_and(|predicate| predicate.defined)
    };
    let candidates = || {
        table
            .iter()
            .filter(|predicate| predicate.defined)
            .map(|predicate| predicate.name.as_str())
            .collect()
    };
    let defined = Defined {
        is_defined: &is_defined,
        candidates: &candidates,
    };
    let unsafe_spans = warnings::unsafe_spans(&errors);
    let mut found = Vec::new();
    for item in items() {
        warnings::check_item_warnings(item, &defined, view, &unsafe_spans, &mut found);
    }
    errors.extend(found);
    sort_errors(&mut errors);
    let diagnostics: Vec<Diagnostic> = errors.iter().map(CheckError::to_diagnostic).collect();
    if has_errors(&diagnostics) {
        return None;
    }
    if facts.is_empty() {
        return Some(Extension::Queries {
            queries: resolved.program.queries,
            diagnostics,
        });
    }
    // The new program: the base's, with the facts before the rows of the
    // hidden citation relations (where the pipeline puts them), each new
    // predicate a stratum of its own, the queries after the base's.
    let n_citation_rows = base
        .facts
        .iter()
        .rev()
        .take_while(|fact| {
            table
                .get(fact.predicate)
                .is_some_and(|predicate| predicate.citations_of.is_some())
        })
        .count();
    let at = base.facts.len() - n_citation_rows;
    let mut all_facts = Vec::with_capacity(base.facts.len() + facts.len());
    all_facts.extend_from_slice(&base.facts[..at]);
    all_facts.extend(facts);
    all_facts.extend_from_slice(&base.facts[at..]);
    let mut strata = base.strata.clone();
    strata.extend((n_base..n_base + added.len()).map(|index| Stratum {
        predicates: vec![PredId(u32::try_from(index).unwrap_or(u32::MAX))],
        rules: Vec::new(),
        recursive: false,
    }));
    let mut queries = base.queries.clone();
    queries.append(&mut resolved.program.queries);
    let program = ir::Program {
        predicates: table.iter().cloned().collect(),
        facts: all_facts,
        fact_rows: base.fact_rows.clone(),
        rules: base.rules.clone(),
        strata,
        queries,
        constraints: base.constraints.clone(),
    };
    Some(Extension::Program {
        program,
        diagnostics,
        delta: SummaryDelta {
            names: added_names,
            columns: added_columns,
        },
    })
}

/// True when some atom of `body` (inside aggregates too) has an `@` pattern.
fn reads_citations(body: &[Literal]) -> bool {
    body.iter().any(|literal| match literal {
        Literal::Positive(atom) | Literal::Negative { atom, .. } => atom.citation.is_some(),
        Literal::Aggregate(aggregate) => reads_citations(&aggregate.body),
        Literal::Comparison(_) | Literal::Builtin(_) => false,
    })
}
