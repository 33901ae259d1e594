//! Citation verification for `wirelog check`: every `@ "article": "quote"`
//! names one article, and the article contains the quote.
//!
//! Owns article resolution (an exact file name, or a prefix matching exactly
//! one file) and the text normalisation used for matching. It reads the
//! article texts it is given and never touches the file system; the caller
//! loads `seeds/`.
//!
//! Normalisation, applied to quote and article alike before matching:
//! every run of whitespace (including non-breaking and other Unicode spaces)
//! becomes one space and the ends are trimmed; typographic single quotes and
//! apostrophes (`‘ ’ ‚ ‛ ′`) become `'`, double quotes (`“ ” „ ‟ ″`) become
//! `"`, and the dashes `‐ ‑ ‒ – — ―` become `-`. Matching is otherwise exact
//! and case-sensitive: a quote is verbatim.

use super::error::CheckError;
use super::ir::Program;
use crate::diagnostic::Diagnostic;
use crate::syntax::ast::Citation;

/// Checks every citation of every fact of `program` against `articles`,
/// given as `(file name, text)` pairs; returns one diagnostic per bad citation.
pub fn check_citations(program: &Program, articles: &[(&str, &str)]) -> Vec<Diagnostic> {
    let normalised: Vec<String> = articles.iter().map(|(_, text)| normalise(text)).collect();
    program
        .facts
        .iter()
        .flat_map(|fact| &fact.citations)
        .filter_map(|citation| check_citation(citation, articles, &normalised))
        .map(|error| error.to_diagnostic())
        .collect()
}

fn check_citation(
    citation: &Citation,
    articles: &[(&str, &str)],
    normalised: &[String],
) -> Option<CheckError> {
    let index = match resolve_article(&citation.article.value, articles) {
        Ok(index) => index,
        Err(error) => {
            return Some(match error {
                Resolution::Unknown => CheckError::ArticleUnknown {
                    article: citation.article.value.clone(),
                    known: short_names(articles),
                    span: citation.article.span,
                },
                Resolution::Ambiguous(matches) => CheckError::ArticleAmbiguous {
                    article: citation.article.value.clone(),
                    matches,
                    span: citation.article.span,
                },
            });
        }
    };
    let quote = normalise(&citation.quote.value);
    if quote.is_empty() {
        return Some(CheckError::QuoteEmpty {
            span: citation.quote.span,
        });
    }
    let text = normalised.get(index)?;
    if text.contains(&quote) {
        return None;
    }
    Some(CheckError::QuoteNotFound {
        article: articles
            .get(index)
            .map_or_else(String::new, |(name, _)| (*name).to_string()),
        closest: closest_passage(text, &quote),
        span: citation.quote.span,
    })
}

enum Resolution {
    Unknown,
    Ambiguous(Vec<String>),
}

/// The index of the article named `article`: an exact name wins, else the
/// one name it is a prefix of.
fn resolve_article(article: &str, articles: &[(&str, &str)]) -> Result<usize, Resolution> {
    if let Some(index) = articles.iter().position(|(name, _)| *name == article) {
        return Ok(index);
    }
    let matches: Vec<usize> = articles
        .iter()
        .enumerate()
        .filter(|(_, (name, _))| name.starts_with(article))
        .map(|(index, _)| index)
        .collect();
    match matches.as_slice() {
        [] => Err(Resolution::Unknown),
        [one] => Ok(*one),
        _ => Err(Resolution::Ambiguous(
            matches
                .iter()
                .map(|&index| articles[index].0.to_string())
                .collect(),
        )),
    }
}

/// What a user can write for each article: the part before the first `_`
/// (`002` for `002_ce86d074e4b97803.txt`) when that is unambiguous, else the full name.
fn short_names(articles: &[(&str, &str)]) -> Vec<String> {
    articles
        .iter()
        .map(|(name, _)| {
            let short = name.split('_').next().unwrap_or(name);
            let n_matching = articles
                .iter()
                .filter(|(other, _)| other.starts_with(short))
                .count();
            if n_matching == 1 { short } else { name }.to_string()
        })
        .collect()
}

/// Whitespace runs to one space, ends trimmed, typographic quotes and dashes to ASCII.
pub(crate) fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for character in text.chars() {
        if character.is_whitespace() {
            pending_space = true;
            continue;
        }
        if pending_space && !out.is_empty() {
            out.push(' ');
        }
        pending_space = false;
        out.push(match character {
            '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' => '\'',
            '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' => '"',
            '\u{2010}'..='\u{2015}' => '-',
            other => other,
        });
    }
    out
}

/// The passage of `text` that shares the longest beginning or end with
/// `quote`, as long as the shared part is at least a third of the quote.
/// Found by binary search on the shared length, since every shorter prefix
/// (or suffix) of one found in the text is found too.
fn closest_passage(text: &str, quote: &str) -> Option<String> {
    let boundaries: Vec<usize> = quote
        .char_indices()
        .map(|(index, _)| index)
        .chain(std::iter::once(quote.len()))
        .collect();
    let n_chars = boundaries.len() - 1;
    let prefix_len = longest_found(text, n_chars, |k| &quote[..boundaries[k]]);
    let suffix_len = longest_found(text, n_chars, |k| &quote[boundaries[n_chars - k]..]);
    if prefix_len.max(suffix_len) * 3 < n_chars || prefix_len.max(suffix_len) == 0 {
        return None;
    }
    // Take as many characters of the text as the quote has, starting (or
    // ending) at the match, then on to the word boundary.
    let passage: String = if prefix_len >= suffix_len {
        let start = text.find(&quote[..boundaries[prefix_len]])?;
        let mut characters = text[start..].chars();
        let mut passage: String = characters.by_ref().take(n_chars).collect();
        passage.extend(characters.take_while(|character| !character.is_whitespace()));
        passage
    } else {
        let part = &quote[boundaries[n_chars - suffix_len]..];
        let end = text.find(part)? + part.len();
        let mut characters = text[..end].chars().rev();
        let mut reversed: Vec<char> = characters.by_ref().take(n_chars).collect();
        reversed.extend(characters.take_while(|character| !character.is_whitespace()));
        reversed.into_iter().rev().collect()
    };
    Some(passage)
}

/// The largest `k <= n` such that `part(k)` occurs in `text`, assuming
/// that `part(k)` occurs whenever `part(k + 1)` does.
fn longest_found<'q>(text: &str, n: usize, part: impl Fn(usize) -> &'q str) -> usize {
    let (mut low, mut high) = (0, n);
    while low < high {
        let middle = (low + high).div_ceil(2);
        if text.contains(part(middle)) {
            low = middle;
        } else {
            high = middle - 1;
        }
    }
    low
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::ir::{Fact, PredId};
    use crate::syntax::ast::StringLiteral;
    use crate::syntax::span::{SourceId, Span};

    const ARTICLES: &[(&str, &str)] = &[
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
        check_citations(&program, ARTICLES)
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
            vec!["known articles: `002`, `003_99204a15a5779997.txt`, `003_ffff.txt`"]
        );
        let missing = check("002", "negotiations mediated by Qatar and Turkey");
        assert_eq!(
            missing[0].1,
            vec!["closest passage: \"negotiations mediated by Qatar and Türkiye\""]
        );
        let far = check("002", "completely unrelated words");
        assert!(far[0].1.is_empty(), "{far:?}");
    }

    #[test]
    fn normalise_folds_space_quotes_and_dashes() {
        assert_eq!(normalise("  a \n\t b  "), "a b");
        assert_eq!(normalise("‘x’ “y” a–b"), "'x' \"y\" a-b");
    }
}
