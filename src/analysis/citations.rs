//! Citation verification: every `@ "article": "quote"` names one article,
//! and the article contains the quote.
//!
//! Owns the checks and their errors (`E401` to `E404`); which article a
//! citation names and whether a quote is in it are `articles`' rules, so
//! explanations resolve citations the same way. Runs inside every analysis
//! the session makes (every load, not only `wirelog check`). Reads the
//! articles it is given and never touches the file system.

use super::error::CheckError;
use super::ir::Program;
use crate::articles::{Articles, Resolution};
use crate::diagnostic::Diagnostic;
use crate::span::SourceId;
use crate::syntax::ast::Citation;

/// Checks every citation of every fact of `program` against `articles`;
/// returns one diagnostic per bad citation.
pub fn check_citations(program: &Program, articles: &Articles) -> Vec<Diagnostic> {
    let mut errors = Vec::new();
    verify_citations(program, articles, None, &mut errors);
    errors.iter().map(CheckError::to_diagnostic).collect()
}

/// Adds an error for each bad citation of the facts written in `sources`
/// (of every fact when `None`). The rows of the hidden citation relations
/// repeat their facts' citations and are not checked twice.
pub(crate) fn verify_citations(
    program: &Program,
    articles: &Articles,
    sources: Option<&[SourceId]>,
    errors: &mut Vec<CheckError>,
) {
    for fact in &program.facts {
        let is_citation_row = program
            .predicates
            .get(fact.predicate.0 as usize)
            .is_some_and(|predicate| predicate.citations_of.is_some());
        if is_citation_row || sources.is_some_and(|sources| !sources.contains(&fact.span.source)) {
            continue;
        }
        errors.extend(
            fact.citations
                .iter()
                .filter_map(|citation| check_citation(citation, articles)),
        );
    }
}

fn check_citation(citation: &Citation, articles: &Articles) -> Option<CheckError> {
    let article = match articles.resolve(&citation.article.value) {
        Ok(article) => article,
        Err(Resolution::Unknown) => {
            return Some(CheckError::ArticleUnknown {
                article: citation.article.value.clone(),
                known: articles.short_names(),
                span: citation.article.span,
            });
        }
        Err(Resolution::Ambiguous(matches)) => {
            return Some(CheckError::ArticleAmbiguous {
                article: citation.article.value.clone(),
                matches,
                span: citation.article.span,
            });
        }
    };
    if crate::articles::normalise(&citation.quote.value).is_empty() {
        return Some(CheckError::QuoteEmpty {
            span: citation.quote.span,
        });
    }
    if article.contains_quote(&citation.quote.value) {
        return None;
    }
    Some(CheckError::QuoteNotFound {
        article: article.id.clone(),
        closest: article.closest_passage(&citation.quote.value),
        span: citation.quote.span,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::ir::{Fact, PredId};
    use crate::span::{SourceId, Span};
    use crate::syntax::ast::StringLiteral;

    const TEXTS: &[(&str, &str)] = &[
        (
            "002_ce86d074e4b97803.txt",
            "The remarks came hours after negotiations mediated by Qatar and Türkiye\nended in   Istanbul. Pakistan’s minister said “no”.",
        ),
        (
            "003_99204a15a5779997.txt",
            "four days of negotiations brokered by Qatar and Turkey",
        ),
        ("003_ffff.txt", "another"),
    ];

    fn literal(value: &str, start: usize) -> StringLiteral {
        StringLiteral {
            value: value.to_string(),
            span: Span::new(SourceId(0), start, start + value.len() + 2),
        }
    }

    /// Checks one citation and returns the codes of its diagnostics and their notes.
    fn check(article: &str, quote: &str) -> Vec<(String, Vec<String>)> {
        let program = Program {
            facts: vec![Fact {
                predicate: PredId(0),
                values: Vec::new(),
                citations: vec![Citation {
                    article: literal(article, 0),
                    quote: literal(quote, 100),
                    span: Span::new(SourceId(0), 0, 200),
                }],
                span: Span::new(SourceId(0), 0, 200),
            }],
            ..Program::default()
        };
        let mut articles = Articles::new();
        for (name, text) in TEXTS {
            articles
                .add(crate::articles::Article::new("seeds", *name, *text))
                .expect("distinct names");
        }
        check_citations(&program, &articles)
            .into_iter()
            .map(|diagnostic| (diagnostic.code.to_string(), diagnostic.notes))
            .collect()
    }

    #[test]
    fn citations_resolve_and_match() {
        let cases: &[(&str, &str, &[&str])] = &[
            (
                "002",
                "negotiations mediated by Qatar and Türkiye ended in Istanbul",
                &[],
            ),
            ("002_ce86d074e4b97803.txt", "ended in Istanbul", &[]),
            ("002", "Pakistan's minister said \"no\"", &[]),
            ("002", "  negotiations\u{a0}mediated ", &[]),
            ("003_9", "brokered by Qatar", &[]),
            ("003", "brokered by Qatar", &["E402"]),
            ("009", "anything", &["E401"]),
            ("002", "mediated by Turkey", &["E403"]),
            ("002", "negotiations Mediated by Qatar", &["E403"]),
            ("002", "   ", &["E404"]),
        ];
        for (article, quote, expected) in cases {
            let codes: Vec<String> = check(article, quote)
                .into_iter()
                .map(|(code, _)| code)
                .collect();
            assert_eq!(&codes, expected, "citation {article:?}: {quote:?}");
        }
    }

    #[test]
    fn notes_list_articles_and_closest_passage() {
        let unknown = check("009", "x");
        assert_eq!(
            unknown[0].1,
            vec!["known articles: `002`, `003_99204a15a5779997`, `003_ffff`"]
        );
        let missing = check("002", "negotiations mediated by Qatar and Turkey");
        assert_eq!(
            missing[0].1,
            vec!["closest passage: \"negotiations mediated by Qatar and Türkiye\""]
        );
        let far = check("002", "completely unrelated words");
        assert!(far[0].1.is_empty(), "{far:?}");
    }
}
