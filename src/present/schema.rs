//! Renders the predicates of a program (`wirelog schema`, `:schema`):
//! grouped by the file that documents (or first defines) them, each marked
//! base (only stated facts) or derived (computed by rules), with counts.
//!
//! Owns the layout only. Which predicates to show (all, one, those a word
//! finds) and how many tuples each holds are decided by the caller.

use crate::analysis::ir::{PredId, Program};
use crate::span::SourceMap;
use std::fmt::Write as _;

/// How to show the predicates.
#[derive(Clone, Copy, Debug, Default)]
pub struct SchemaOptions<'a> {
    /// Names the file of each group; without it, one group.
    pub sources: Option<&'a SourceMap>,
    /// Tuples in the model, by `PredId`, when the program was evaluated.
    pub tuples: Option<&'a [usize]>,
    /// Each predicate's description under it; otherwise one line each.
    pub describe: bool,
}

/// A signature is padded to this width before its kind, when it fits.
const SIGNATURE_WIDTH: usize = 56;

/// Lists `predicates` (defined ones; others are skipped), grouped by file in
/// order of first appearance, in name order within a group.
///
/// ```
/// use wirelog::analysis::analyze;
/// use wirelog::present::schema::{SchemaOptions, render_schema};
/// use wirelog::span::SourceId;
/// use wirelog::syntax::parse_program;
/// let (ast, _) = parse_program(SourceId(0), "%% p(X: int)\n%% X is small.\np(1).\nq(X) :- p(X).");
/// let program = analyze(&[&ast]).program;
/// let all: Vec<_> = (0..program.predicates.len() as u32).map(wirelog::analysis::ir::PredId).collect();
/// let text = render_schema(&program, &all, &SchemaOptions::default());
/// assert_eq!(text, "  p(X: int)                                               base, 1 fact\n  q/1 (undocumented)                                      derived, 1 rule\n");
/// ```
pub fn render_schema(
    program: &Program,
    predicates: &[PredId],
    options: &SchemaOptions<'_>,
) -> String {
    let mut groups: Vec<(Option<String>, Vec<PredId>)> = Vec::new();
    for &predicate_id in predicates {
        let predicate = program.predicate(predicate_id);
        // An integrity constraint's hidden predicate is no part of the schema.
        if !predicate.defined || predicate.is_constraint() {
            continue;
        }
        let group = options.sources.map(|sources| {
            let span = predicate
                .doc
                .as_ref()
                .map(|doc| doc.span)
                .or_else(|| defining_span(program, predicate_id))
                .unwrap_or(predicate.first_use);
            let name = sources.name(span.source);
            if name.starts_with("<repl:") {
                "typed in this session".to_string()
            } else {
                name.to_string()
            }
        });
        match groups.iter_mut().find(|(name, _)| *name == group) {
            Some((_, members)) => members.push(predicate_id),
            None => groups.push((group, vec![predicate_id])),
        }
    }
    let mut out = String::new();
    for (name, mut members) in groups {
        members.sort_by(|a, b| program.predicate(*a).name.cmp(&program.predicate(*b).name));
        if let Some(name) = name {
            let _ = writeln!(out, "{name}");
        }
        for predicate_id in members {
            let predicate = program.predicate(predicate_id);
            let signature = match &predicate.doc {
                Some(doc) => doc.signature.clone(),
                None => format!("{}/{} (undocumented)", predicate.name, predicate.arity),
            };
            let kind = kind_text(program, predicate_id, options.tuples);
            let padding = SIGNATURE_WIDTH
                .saturating_sub(signature.chars().count())
                .max(2);
            let _ = writeln!(out, "  {signature}{}{kind}", " ".repeat(padding));
            if options.describe
                && let Some(doc) = &predicate.doc
            {
                for line in &doc.description {
                    let _ = writeln!(out, "      {line}");
                }
            }
        }
    }
    out
}

/// `base, 6 facts` or `derived, 2 tuples from 1 rule` (`derived, 1 rule`
/// when the program was not evaluated).
fn kind_text(program: &Program, predicate_id: PredId, tuples: Option<&[usize]>) -> String {
    let n_rules = program
        .rules
        .iter()
        .filter(|rule| rule.head.predicate == predicate_id)
        .count();
    let n_facts = program.n_facts(predicate_id);
    let n_tuples = tuples.and_then(|tuples| tuples.get(predicate_id.0 as usize).copied());
    if n_rules == 0 {
        let n = n_tuples.unwrap_or(n_facts);
        return format!("base, {}", super::plural(n, "fact", "facts"));
    }
    let rules = super::plural(n_rules, "rule", "rules");
    let stated = if n_facts > 0 {
        format!(" and {}", super::plural(n_facts, "fact", "facts"))
    } else {
        String::new()
    };
    match n_tuples {
        Some(n) => format!(
            "derived, {} from {rules}{stated}",
            super::plural(n, "tuple", "tuples")
        ),
        None => format!("derived, {rules}{stated}"),
    }
}

/// Where the predicate is first defined: its first fact or rule.
fn defining_span(program: &Program, predicate_id: PredId) -> Option<crate::span::Span> {
    let fact = program
        .facts
        .iter()
        .find(|fact| fact.predicate == predicate_id)
        .map(|fact| fact.span)
        .or_else(|| {
            program
                .fact_rows
                .iter()
                .find(|rows| rows.predicate == predicate_id)
                .map(|rows| rows.span)
        });
    let rule = program
        .rules
        .iter()
        .find(|rule| rule.head.predicate == predicate_id)
        .map(|rule| rule.span);
    match (fact, rule) {
        (Some(fact), Some(rule)) => {
            Some(if (fact.source, fact.start) <= (rule.source, rule.start) {
                fact
            } else {
                rule
            })
        }
        (fact, rule) => fact.or(rule),
    }
}
