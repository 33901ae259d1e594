//! Citations as data: the rows of the hidden relations behind `@`, and the
//! checks that `@` and `#export` name what they must.
//!
//! `p(X) @ A : Q` in a body is lowered by `resolve` to an ordinary atom over
//! a hidden relation `p@(X, A, Q)`; this module fills that relation with one
//! fact per citation of each base fact of `p` (its values, the article's id,
//! the quote as written), so both engines, the planner and the explanations
//! see nothing new. It also rejects `@` on a predicate that rules derive
//! (`E221`: derived facts are explained, not cited) and `#export` of a
//! predicate nothing mentions (`E222`).

use super::error::CheckError;
use super::ir::{Fact, PredId, Program};
use super::resolve::Resolved;
use crate::articles::Articles;
use crate::text;
use crate::value::Value;
use std::collections::HashMap;

/// Fills the hidden citation relations and runs the checks of `@` and `#export`.
pub(crate) fn complete(
    resolved: &mut Resolved,
    articles: Option<&Articles>,
    errors: &mut Vec<CheckError>,
) {
    add_citation_rows(&mut resolved.program, articles);
    check_citation_uses(&resolved.program, &resolved.citation_uses, errors);
    check_exports(resolved, errors);
}

/// One fact of `p@` per citation of each base fact of `p`.
fn add_citation_rows(program: &mut Program, articles: Option<&Articles>) {
    let hidden: HashMap<PredId, PredId> = program
        .predicates
        .iter()
        .enumerate()
        .filter_map(|(index, predicate)| {
            predicate.citations_of.map(|of| (of, PredId(index as u32)))
        })
        .collect();
    if hidden.is_empty() {
        return;
    }
    let mut rows = Vec::new();
    for fact in &program.facts {
        let Some(&relation) = hidden.get(&fact.predicate) else {
            continue;
        };
        for citation in &fact.citations {
            // The id the citation names; as written when it names none (that
            // citation is reported by the citation check).
            let article = articles
                .and_then(|articles| articles.resolve(&citation.article.value).ok())
                .map_or_else(
                    || citation.article.value.clone(),
                    |article| article.id.clone(),
                );
            let mut values = fact.values.clone();
            values.push(Value::String(article));
            values.push(Value::String(citation.quote.value.clone()));
            rows.push(Fact {
                predicate: relation,
                values,
                citations: vec![citation.clone()],
                span: fact.span,
            });
        }
    }
    program.facts.extend(rows);
}

/// E221 for each `@` on a predicate that some rule derives.
fn check_citation_uses(
    program: &Program,
    uses: &[(PredId, crate::span::Span)],
    errors: &mut Vec<CheckError>,
) {
    for &(predicate, span) in uses {
        if let Some(rule) = program
            .rules
            .iter()
            .find(|rule| rule.head.predicate == predicate)
        {
            errors.push(CheckError::CitationOfDerived {
                predicate: program.predicate(predicate).name.clone(),
                span,
                rule: rule.span,
            });
        }
    }
}

/// E222 for each `#export` of a name that no clause, table or import mentions.
fn check_exports(resolved: &Resolved, errors: &mut Vec<CheckError>) {
    let program = &resolved.program;
    for export in &resolved.exports {
        let name = &export.predicate.name;
        if program.predicate_id(name).is_some() {
            continue;
        }
        let names = program
            .visible_predicates()
            .map(|(_, predicate)| predicate.name.as_str());
        errors.push(CheckError::ExportUnknown {
            name: name.clone(),
            suggestion: text::closest(name, names).map(str::to_string),
            span: export.predicate.span,
        });
    }
}

#[cfg(test)]
mod tests {
    use crate::analysis::testing::{analyze_texts, check, render_rule};
    use crate::value::Value;

    #[test]
    fn at_lowers_to_an_atom_over_the_hidden_relation() {
        let analysis = analyze_texts(&[
            "p(a) @ \"002\": \"one\" @ \"003\": \"two\". p(b). q(X) :- r(X), p(X) @ A : Q, A != Q.\n\
             s(X) :- p(X) @ _, not p(X) @ \"9\". r(a).",
        ]);
        assert!(!analysis.has_errors(), "{:#?}", analysis.diagnostics);
        let program = &analysis.program;
        let rules: Vec<String> = program
            .rules
            .iter()
            .map(|rule| render_rule(program, rule))
            .collect();
        assert_eq!(
            rules,
            [
                "q(X) :- r(X), p@(X, A, Q), A != Q",
                "s(X) :- p@(X, _, _), not p@(X, \"9\", _)"
            ]
        );
        let hidden: Vec<Vec<Value>> = program
            .facts
            .iter()
            .filter(|fact| program.predicate(fact.predicate).citations_of.is_some())
            .map(|fact| fact.values.clone())
            .collect();
        let string = |text: &str| Value::String(text.into());
        let a = Value::Symbol("a".into());
        assert_eq!(
            hidden,
            [
                vec![a.clone(), string("002"), string("one")],
                vec![a, string("003"), string("two")]
            ]
        );
        assert_eq!(
            program.predicate_id("p@"),
            None,
            "the hidden relation cannot be named"
        );
    }

    #[test]
    fn at_on_a_derived_predicate_and_unknown_exports_are_errors() {
        check(
            "p(a). d(X) :- p(X). ?- d(X) @ A.",
            &["E221: `@` reads the citations of base facts, but `d` is derived by rules"],
        );
        check(
            "mediates(a, b). #export mediate \"out.csv\".",
            &["E222: `#export` names `mediate`, which no clause mentions"],
        );
        check("mediates(a, b). #export mediates \"out.csv\".", &[]);
    }
}
