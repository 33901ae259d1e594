//! Changing what the session holds after it was loaded: `undo`, `retract`
//! and `reload`, and the history `undo` walks back.
//!
//! Owns the rules of those changes: a retraction removes one clause
//! wherever it came from; a reload reads again the inputs whose files
//! changed on disk; an undo takes back the latest change of any kind, and
//! never what was loaded at start-up unless forced. Each change builds the
//! new list of units aside and goes through `Session::commit`, so a change
//! that fails (an error in a reloaded file, an evaluation stopped by a
//! limit or Ctrl-C) leaves the session exactly as it was.

use super::{Accepted, Change, Rejected, Session, Unit, UnitOrigin};
use crate::diagnostic::{Code, Diagnostic};
use crate::span::{SourceId, Span};
use crate::syntax::ast::{self, Item, Term};
use crate::syntax::parse_program;
use crate::text::{self, collapse_whitespace};
use std::collections::HashMap;
use std::path::Path;

/// One change `undo` can take back.
#[derive(Clone, Debug)]
pub(super) enum ChangeRecord {
    /// Input number `input` added units (and clauses).
    Added {
        /// The input.
        input: usize,
    },
    /// The units were replaced; `units` are the ones before.
    Replaced {
        /// The units before the change.
        units: Vec<Unit>,
        /// What undoing it does, for the reply.
        undone: Undone,
    },
}

/// What `undo` took back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Undone {
    /// An input's clauses, removed.
    Input {
        /// Number of clauses removed.
        n_clauses: usize,
        /// The files of the input, as named when loaded (empty for typed text).
        files: Vec<String>,
        /// The typed clauses of the input, each on one line.
        clauses: Vec<String>,
        /// True when the input was loaded at start-up (only a forced undo removes it).
        start_up: bool,
    },
    /// A retracted clause, put back.
    Retraction {
        /// The clause, on one line.
        clause: String,
    },
    /// A reload, taken back: the files' clauses as they were before it.
    Reload {
        /// The files read again by the reload.
        files: Vec<String>,
    },
}

/// What `retract` removed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Retracted {
    /// The clause as written where it was, on one line.
    pub clause: String,
    /// Where it was, `file:line`.
    pub location: String,
    /// Other clauses written the same way, still in the session.
    pub n_copies_left: usize,
    /// For a fact: true when it still holds (another clause derives it).
    pub still_holds: bool,
}

/// What `reload` read again.
#[derive(Clone, Debug, Default)]
pub struct Reloaded {
    /// Each file whose clauses changed, in load order.
    pub files: Vec<ReloadedFile>,
    /// True when only clauses were added, so the model was updated
    /// incrementally rather than evaluated again.
    pub incremental: bool,
    /// Warnings about the texts read again.
    pub warnings: Vec<Diagnostic>,
}

/// One file a reload read again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReloadedFile {
    /// The file, as named when loaded.
    pub name: String,
    /// Clauses it has now that it did not have.
    pub n_added: usize,
    /// Clauses it had that it has no more.
    pub n_removed: usize,
}

impl Session {
    /// The number of changes `undo` can take back (start-up loads included).
    pub fn n_changes(&self) -> usize {
        self.changes.len()
    }

    /// Takes back the latest change: an input that added clauses, a
    /// retraction or a reload. What was loaded at start-up stays unless
    /// `force` (E609); with nothing to take back, E605. A failed or
    /// interrupted undo changes nothing.
    pub fn undo(&mut self, force: bool) -> Result<Undone, Rejected> {
        self.begin_input();
        let Some(change) = self.changes.last().cloned() else {
            return Err(Rejected::one(Diagnostic::error_without_span(
                Code::E605,
                "nothing to undo",
            )));
        };
        match change {
            ChangeRecord::Added { input } => {
                let start_up = input <= self.start_up_inputs;
                if start_up && !force {
                    let names = self.root_names(input);
                    return Err(Rejected::one(
                        Diagnostic::error_without_span(
                            Code::E609,
                            format!(
                                "nothing to undo since start-up: {} stays loaded",
                                names.join(", ")
                            ),
                        )
                        .with_note("`:undo` never removes what was loaded at start-up")
                        .with_note("help: `:undo!` removes it anyway; `:retract CLAUSE` removes one clause"),
                    ));
                }
                let (removed, kept): (Vec<Unit>, Vec<Unit>) = self
                    .units
                    .iter()
                    .cloned()
                    .partition(|unit| unit.input == input);
                let undone = Undone::Input {
                    n_clauses: count_clauses(&removed),
                    files: removed
                        .iter()
                        .filter(|unit| unit.root && !is_typed(unit))
                        .map(|unit| self.root_name(unit))
                        .collect(),
                    clauses: removed
                        .iter()
                        .filter(|unit| is_typed(unit))
                        .flat_map(|unit| &unit.program.items)
                        .filter_map(|item| match item {
                            Item::Clause(clause) => {
                                Some(collapse_whitespace(self.sources.snippet(clause.span)))
                            }
                            _ => None,
                        })
                        .collect(),
                    start_up,
                };
                self.replace_units(kept, None, Vec::new())?;
                if start_up {
                    self.start_up_inputs = input - 1;
                }
                self.changes.pop();
                Ok(undone)
            }
            ChangeRecord::Replaced { units, undone } => {
                self.replace_units(units, None, Vec::new())?;
                self.changes.pop();
                Ok(undone)
            }
        }
    }

    /// Removes one clause, wherever it came from (typed, a file, the
    /// bundled knowledge base): the first one written like `text`, which
    /// holds one fact or rule (the final `.` may be left out). A fact typed
    /// without citations matches the fact with any citations. Not found:
    /// E608, with the clauses of the same predicate as candidates.
    pub fn retract(&mut self, text: &str) -> Result<Retracted, Rejected> {
        self.begin_input();
        let wanted = self.parse_one_clause(text, ":retract")?;
        let key = clause_key(&wanted, !wanted.citations.is_empty());
        let found = self.units.iter().enumerate().find_map(|(unit_index, unit)| {
            unit.program
                .items
                .iter()
                .position(|item| {
                    matches!(item, Item::Clause(clause) if clause_key(clause, !wanted.citations.is_empty()) == key)
                })
                .map(|item_index| (unit_index, item_index))
        });
        let Some((unit_index, item_index)) = found else {
            return Err(Rejected::one(self.retract_not_found(&wanted, &key)));
        };
        let mut units = self.units.clone();
        let unit = &mut units[unit_index];
        let Item::Clause(removed) = unit.program.items.remove(item_index) else {
            return Err(Rejected::one(Diagnostic::error_without_span(
                Code::E399,
                "internal error: a retracted item is not a clause",
            )));
        };
        unit.retracted.push(removed.span);
        let clause = collapse_whitespace(self.sources.snippet(removed.span));
        let (line, _) = self
            .sources
            .line_column(removed.span.source, removed.span.start);
        let location = format!("{}:{line}", self.sources.name(removed.span.source));
        let n_copies_left = units
            .iter()
            .flat_map(|unit| &unit.program.items)
            .filter(|item| {
                matches!(item, Item::Clause(clause) if clause_key(clause, false) == clause_key(&removed, false))
            })
            .count();
        let previous = self.replace_units(units, None, Vec::new())?;
        self.changes.push(ChangeRecord::Replaced {
            units: previous,
            undone: Undone::Retraction {
                clause: clause.clone(),
            },
        });
        let still_holds = removed.is_fact() && self.fact_holds(&removed.head);
        Ok(Retracted {
            clause,
            location,
            n_copies_left,
            still_holds,
        })
    }

    /// Reads again the loaded files that changed on disk, with everything
    /// loaded in the same input (its other files, their includes), and
    /// replaces their clauses. When `only` names a loaded file, only the
    /// input that loaded it is considered. Nothing changed: an empty
    /// [`Reloaded`]. When every old clause is still there, the model is
    /// updated incrementally with the new ones; otherwise evaluated again.
    pub fn reload(&mut self, only: Option<&Path>) -> Result<Reloaded, Rejected> {
        self.begin_input();
        let only_input = match only {
            Some(path) => {
                let canonical = std::fs::canonicalize(path).ok();
                let input = self.units.iter().find_map(|unit| match &unit.origin {
                    UnitOrigin::File(file) if Some(file) == canonical.as_ref() => Some(unit.input),
                    _ => None,
                });
                if input.is_none() {
                    return Ok(Reloaded::default());
                }
                input
            }
            None => None,
        };
        let mut inputs: Vec<usize> = Vec::new();
        for unit in &self.units {
            if only_input.is_some_and(|only| only != unit.input) || inputs.contains(&unit.input) {
                continue;
            }
            if let UnitOrigin::File(path) = &unit.origin {
                let current = std::fs::read(path).ok();
                let loaded = self
                    .sources
                    .get(unit.source)
                    .map(|source| source.text.as_bytes());
                if current.as_deref() != loaded {
                    inputs.push(unit.input);
                }
            }
        }
        if inputs.is_empty() {
            return Ok(Reloaded::default());
        }
        let mut units: Vec<Unit> = Vec::with_capacity(self.units.len());
        let mut diagnostics = Vec::new();
        let mut fresh_sources: Vec<SourceId> = Vec::new();
        let mut files: Vec<ReloadedFile> = Vec::new();
        let mut old_clauses: Vec<Span> = Vec::new();
        let mut new_clauses: Vec<Span> = Vec::new();
        let old_units = self.units.clone();
        let mut index = 0;
        while index < old_units.len() {
            let input = old_units[index].input;
            let end = old_units[index..]
                .iter()
                .position(|unit| unit.input != input)
                .map_or(old_units.len(), |offset| index + offset);
            if !inputs.contains(&input) {
                units.extend(old_units[index..end].iter().cloned());
                index = end;
                continue;
            }
            let (read, problems) = self.read_input_again(input);
            diagnostics.extend(problems);
            files.extend(self.file_changes(&old_units[index..end], &read));
            old_clauses.extend(clause_spans(&old_units[index..end]));
            new_clauses.extend(clause_spans(&read));
            fresh_sources.extend(
                read.iter()
                    .filter(|unit| !is_typed(unit))
                    .map(|unit| unit.source),
            );
            units.extend(read);
            index = end;
        }
        let added = self.added_only(&old_clauses, &new_clauses);
        let incremental = added.is_some();
        let previous = self.replace_units_with(units, diagnostics, added, fresh_sources)?;
        let (previous, accepted) = previous;
        let names: Vec<String> = files.iter().map(|file| file.name.clone()).collect();
        self.changes.push(ChangeRecord::Replaced {
            units: previous,
            undone: Undone::Reload { files: names },
        });
        Ok(Reloaded {
            files,
            incremental,
            warnings: accepted.warnings,
        })
    }

    /// Replaces the units and re-evaluates; returns the units before. On
    /// failure nothing changes.
    fn replace_units(
        &mut self,
        units: Vec<Unit>,
        added: Option<Vec<Span>>,
        fresh_sources: Vec<SourceId>,
    ) -> Result<Vec<Unit>, Rejected> {
        self.replace_units_with(units, Vec::new(), added, fresh_sources)
            .map(|(previous, _)| previous)
    }

    fn replace_units_with(
        &mut self,
        units: Vec<Unit>,
        diagnostics: Vec<Diagnostic>,
        added: Option<Vec<Span>>,
        fresh_sources: Vec<SourceId>,
    ) -> Result<(Vec<Unit>, Accepted), Rejected> {
        let previous = std::mem::take(&mut self.units);
        match self.commit(
            units,
            diagnostics,
            Change::Replace {
                added,
                fresh_sources,
            },
        ) {
            Ok(accepted) => Ok((previous, accepted)),
            Err(rejected) => {
                self.units = previous;
                Err(rejected)
            }
        }
    }

    /// When every old clause has a new one written the same way, the new
    /// clauses that have none: the additions. `None` when something went.
    fn added_only(&self, old: &[Span], new: &[Span]) -> Option<Vec<Span>> {
        let mut remaining: HashMap<String, usize> = HashMap::new();
        for span in old {
            *remaining.entry(self.clause_text(*span)).or_default() += 1;
        }
        let mut added = Vec::new();
        for span in new {
            match remaining.get_mut(&self.clause_text(*span)) {
                Some(count) if *count > 0 => *count -= 1,
                _ => added.push(*span),
            }
        }
        remaining.values().all(|count| *count == 0).then_some(added)
    }

    /// How the clauses of each file differ between `before` and `after`
    /// (files whose clauses are the same are left out).
    fn file_changes(&self, before: &[Unit], after: &[Unit]) -> Vec<ReloadedFile> {
        let texts = |units: &[Unit], name: &str| -> Vec<String> {
            units
                .iter()
                .filter(|unit| !is_typed(unit) && self.sources.name(unit.source) == name)
                .flat_map(clause_spans_of)
                .map(|span| self.clause_text(span))
                .collect()
        };
        let mut names: Vec<String> = Vec::new();
        for unit in after.iter().chain(before) {
            let name = self.sources.name(unit.source).to_string();
            if !is_typed(unit) && !names.contains(&name) {
                names.push(name);
            }
        }
        names
            .into_iter()
            .filter_map(|name| {
                let old = texts(before, &name);
                let new = texts(after, &name);
                let n_added = multiset_minus(&new, &old);
                let n_removed = multiset_minus(&old, &new);
                (n_added + n_removed > 0).then_some(ReloadedFile {
                    name,
                    n_added,
                    n_removed,
                })
            })
            .collect()
    }

    /// A clause's text with its whitespace collapsed: how clauses are
    /// compared across a reload.
    fn clause_text(&self, span: Span) -> String {
        collapse_whitespace(self.sources.snippet(span))
    }

    /// The names of the root units of input `input`, as a user would load them.
    fn root_names(&self, input: usize) -> Vec<String> {
        self.units
            .iter()
            .filter(|unit| unit.input == input && unit.root)
            .map(|unit| format!("`{}`", self.root_name(unit)))
            .collect()
    }

    /// `<news>` for the bundled knowledge base, a file's name otherwise.
    fn root_name(&self, unit: &Unit) -> String {
        match &unit.origin {
            UnitOrigin::Bundled(_) => "<news>".to_string(),
            _ => self.sources.name(unit.source).to_string(),
        }
    }

    /// Parses `text` as one clause, as a source of its own (`<repl:N>`).
    fn parse_one_clause(&mut self, text: &str, command: &str) -> Result<ast::Clause, Rejected> {
        let trimmed = text.trim();
        let mut source_text = trimmed.to_string();
        if !source_text.ends_with('.') {
            source_text.push('.');
        }
        let name = self.next_repl_name();
        let source = self.sources.add(name, source_text.clone());
        let (program, errors) = parse_program(source, &source_text);
        if !errors.is_empty() {
            return Err(Rejected {
                diagnostics: errors.iter().map(|error| error.to_diagnostic()).collect(),
            });
        }
        match program.items.into_iter().collect::<Vec<_>>().as_slice() {
            [Item::Clause(clause)] => Ok(clause.clone()),
            _ => Err(Rejected::one(
                Diagnostic::error(
                    Code::E603,
                    format!("`{command}` takes one fact or rule"),
                    Span::new(source, 0, source_text.len()),
                )
                .with_note(format!(
                    "help: for example `{command} mediates(qatar, istanbul_talks).`"
                )),
            )),
        }
    }

    /// E608 for a clause not found, with the clauses of its predicate.
    fn retract_not_found(&self, wanted: &ast::Clause, key: &str) -> Diagnostic {
        let name = &wanted.head.predicate.name;
        let arity = wanted.head.args.len();
        let diagnostic = Diagnostic::error(
            Code::E608,
            format!("no clause `{}` to retract", collapse_whitespace(key)),
            wanted.span,
        );
        let same_predicate: Vec<(String, String)> = self
            .units
            .iter()
            .flat_map(|unit| &unit.program.items)
            .filter_map(|item| match item {
                Item::Clause(clause)
                    if clause.head.predicate.name == *name && clause.head.args.len() == arity =>
                {
                    let (line, _) = self
                        .sources
                        .line_column(clause.span.source, clause.span.start);
                    Some((
                        clause_key(clause, false),
                        format!("{}:{line}", self.sources.name(clause.span.source)),
                    ))
                }
                _ => None,
            })
            .collect();
        if same_predicate.is_empty() {
            let names = self
                .units
                .iter()
                .flat_map(|unit| &unit.program.items)
                .filter_map(|item| match item {
                    Item::Clause(clause) => Some(clause.head.predicate.name.as_str()),
                    _ => None,
                });
            return match text::closest(name, names) {
                Some(close) => diagnostic.with_note(format!(
                    "no clause of `{name}/{arity}` is loaded; did you mean `{close}`?"
                )),
                None => diagnostic.with_note(format!("no clause of `{name}/{arity}` is loaded")),
            };
        }
        // The closest by spelling first, then in load order.
        let mut ranked: Vec<&(String, String)> = same_predicate.iter().collect();
        ranked.sort_by_key(|(text, _)| text::edit_distance(text, key));
        let shown: Vec<String> = ranked
            .iter()
            .take(5)
            .map(|(text, location)| format!("{text}  ({location})"))
            .collect();
        diagnostic.with_note(format!(
            "help: the session has {} clause{} of `{name}/{arity}`; the closest:\n{}",
            same_predicate.len(),
            if same_predicate.len() == 1 { "" } else { "s" },
            shown.join("\n")
        ))
    }

    /// True when the model holds the ground atom `head`.
    fn fact_holds(&self, head: &ast::Atom) -> bool {
        let (Some(program), Some(database)) = (self.program(), self.database()) else {
            return false;
        };
        let Some(predicate) = program.predicate_id(&head.predicate.name) else {
            return false;
        };
        let tuple: Option<crate::eval::Tuple> = head
            .args
            .iter()
            .map(|term| match term {
                Term::Constant(constant) => database.store.lookup(&constant.value),
                _ => None,
            })
            .collect();
        tuple.is_some_and(|tuple| database.contains(predicate, &tuple))
    }
}

/// True for text typed at the REPL or given by a library user.
fn is_typed(unit: &Unit) -> bool {
    unit.origin == UnitOrigin::Input
}

/// The clause as compared by `retract`: printed without its layout, and
/// without its citations unless `with_citations`.
fn clause_key(clause: &ast::Clause, with_citations: bool) -> String {
    if with_citations {
        return clause.to_string();
    }
    let mut bare = clause.clone();
    bare.citations.clear();
    bare.to_string()
}

fn count_clauses(units: &[Unit]) -> usize {
    units.iter().flat_map(clause_spans_of).count()
}

fn clause_spans(units: &[Unit]) -> Vec<Span> {
    units.iter().flat_map(clause_spans_of).collect()
}

fn clause_spans_of(unit: &Unit) -> impl Iterator<Item = Span> + '_ {
    unit.program.items.iter().filter_map(|item| match item {
        Item::Clause(clause) => Some(clause.span),
        _ => None,
    })
}

/// How many of `left` are left once each of `right` has taken one equal to it.
fn multiset_minus(left: &[String], right: &[String]) -> usize {
    let mut counts: HashMap<&str, isize> = HashMap::new();
    for text in left {
        *counts.entry(text).or_default() += 1;
    }
    for text in right {
        *counts.entry(text).or_default() -= 1;
    }
    counts
        .values()
        .filter(|count| **count > 0)
        .map(|count| *count as usize)
        .sum()
}
