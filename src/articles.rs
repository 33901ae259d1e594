//! The articles that citations quote: their texts, how a citation names one,
//! and how a quote is found in one.
//!
//! Owns article resolution (an exact file name, or a prefix matching exactly
//! one article), the text normalisation used to match quotes, and the bundled
//! collection (`seeds/`, embedded at build time). An [`Articles`] value is a
//! set of articles from one or more collections; citation checks
//! (`analysis::citations`) and explanations (`provenance`) both look articles
//! up here, so they always agree on which article a citation means. Reading
//! a folder of the user's own articles belongs to the caller, which hands
//! each text to [`Articles::add`]. Imports only `text`.
//!
//! Normalisation, applied to quote and article alike before matching:
//! every run of whitespace (including non-breaking and other Unicode spaces)
//! becomes one space and the ends are trimmed; typographic single quotes and
//! apostrophes (`‘ ’ ‚ ‛ ′`) become `'`, double quotes (`“ ” „ ‟ ″`) become
//! `"`, and the dashes `‐ ‑ ‒ – — ―` become `-`. Matching is otherwise exact
//! and case-sensitive: a quote is verbatim.

use crate::text::collapse_whitespace;
use std::borrow::Cow;
use std::sync::OnceLock;

include!(concat!(env!("OUT_DIR"), "/bundled_articles.rs"));

/// The collection name of the bundled articles, as in `seeds/002_….txt`.
pub const BUNDLED_COLLECTION: &str = "seeds";

/// One article: its file name, the collection it belongs to, and its text.
#[derive(Debug)]
pub struct Article {
    /// The file name, e.g. `002_ce86d074e4b97803.txt`; citations name it or a prefix of it.
    pub file_name: Cow<'static, str>,
    /// The collection (folder) it comes from, e.g. `seeds`.
    pub collection: Cow<'static, str>,
    /// The text as written.
    pub text: Cow<'static, str>,
    /// The normalised text, computed on first use.
    normalised: OnceLock<String>,
    /// The normalised text with, for each of its bytes, the original range
    /// it stands for; computed when a quote is first located.
    located: OnceLock<(String, Vec<std::ops::Range<usize>>)>,
}

impl Article {
    /// An article of `collection` named `file_name`.
    pub fn new(
        collection: impl Into<Cow<'static, str>>,
        file_name: impl Into<Cow<'static, str>>,
        text: impl Into<Cow<'static, str>>,
    ) -> Article {
        Article {
            file_name: file_name.into(),
            collection: collection.into(),
            text: text.into(),
            normalised: OnceLock::new(),
            located: OnceLock::new(),
        }
    }

    /// Where the article is, for people: `seeds/002_ce86d074e4b97803.txt`.
    pub fn location(&self) -> String {
        format!("{}/{}", self.collection, self.file_name)
    }

    /// The text normalised for matching quotes (see the module documentation).
    pub fn normalised_text(&self) -> &str {
        self.normalised.get_or_init(|| normalise(&self.text))
    }

    /// True when the article contains `quote`, both normalised.
    pub fn contains_quote(&self, quote: &str) -> bool {
        self.normalised_text().contains(&normalise(quote))
    }

    /// Where `quote` stands in the article as written: the byte range of
    /// every occurrence, found with the same normalisation as
    /// [`Article::contains_quote`] (so a quote the checker accepts is always
    /// found), each range running from the first to the last character of
    /// the match in the original text. Empty when the quote is not there.
    ///
    /// ```
    /// use wirelog::articles::Article;
    /// let article = Article::new("test", "001.txt", "He said “no  deal”\nthen left.");
    /// let ranges = article.quote_ranges("said \"no deal\" then");
    /// assert_eq!(ranges.len(), 1);
    /// assert_eq!(&article.text[ranges[0].clone()], "said “no  deal”\nthen");
    /// ```
    pub fn quote_ranges(&self, quote: &str) -> Vec<std::ops::Range<usize>> {
        let needle = normalise(quote);
        if needle.is_empty() {
            return Vec::new();
        }
        let (normalised, origins) = self
            .located
            .get_or_init(|| normalise_with_origins(&self.text));
        let mut ranges = Vec::new();
        let mut from = 0;
        while let Some(found) = normalised[from..].find(&needle) {
            let start = from + found;
            let end = start + needle.len();
            // `origins` has one entry per byte of the normalised text: the
            // original range of the character (or whitespace run) it came from.
            if let (Some(first), Some(last)) = (origins.get(start), origins.get(end - 1)) {
                ranges.push(first.start..last.end);
            }
            from = start + normalised[start..].chars().next().map_or(1, char::len_utf8);
        }
        ranges
    }

    /// The passage of the (normalised) article closest to a quote it does not
    /// contain: the one sharing the longest beginning or end with it, when
    /// that shared part is at least a third of the quote.
    pub fn closest_passage(&self, quote: &str) -> Option<String> {
        closest_passage(self.normalised_text(), &normalise(quote))
    }
}

impl Clone for Article {
    fn clone(&self) -> Article {
        Article::new(
            self.collection.clone(),
            self.file_name.clone(),
            self.text.clone(),
        )
    }
}

/// Why a citation's article name does not name one article.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Resolution {
    /// No article has that name or starts with it.
    Unknown,
    /// Several articles start with it: their file names.
    Ambiguous(Vec<String>),
}

/// Two articles with the same file name in different collections.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("article `{file_name}` is in both `{first}` and `{second}`")]
pub struct ArticleConflict {
    /// The file name both have.
    pub file_name: String,
    /// The collection already holding it.
    pub first: String,
    /// The collection adding it again.
    pub second: String,
}

/// A set of articles, looked up by file name or unambiguous prefix.
#[derive(Clone, Debug, Default)]
pub struct Articles {
    articles: Vec<Article>,
}

impl Articles {
    /// No articles.
    pub fn new() -> Articles {
        Articles::default()
    }

    /// The bundled articles (`seeds/`), embedded in the binary.
    pub fn bundled() -> Articles {
        Articles {
            articles: BUNDLED_SEEDS
                .iter()
                .map(|(name, text)| Article::new(BUNDLED_COLLECTION, *name, *text))
                .collect(),
        }
    }

    /// Adds an article; one with the same file name from another collection
    /// is an error (never a silent pick), the same one again is ignored.
    pub fn add(&mut self, article: Article) -> Result<(), ArticleConflict> {
        match self
            .articles
            .iter()
            .find(|known| known.file_name == article.file_name)
        {
            Some(known) if known.collection == article.collection => Ok(()),
            Some(known) => Err(ArticleConflict {
                file_name: article.file_name.to_string(),
                first: known.collection.to_string(),
                second: article.collection.to_string(),
            }),
            None => {
                self.articles.push(article);
                Ok(())
            }
        }
    }

    /// Every article, in the order added.
    pub fn iter(&self) -> impl Iterator<Item = &Article> {
        self.articles.iter()
    }

    /// Number of articles.
    pub fn len(&self) -> usize {
        self.articles.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.articles.is_empty()
    }

    /// The article a citation names: an exact file name wins, else the one
    /// file name it is a prefix of.
    ///
    /// ```
    /// use wirelog::articles::Articles;
    /// let articles = Articles::bundled();
    /// let article = articles.resolve("002").expect("one article starts with 002");
    /// assert!(article.file_name.starts_with("002_"));
    /// ```
    pub fn resolve(&self, reference: &str) -> Result<&Article, Resolution> {
        if let Some(article) = self
            .articles
            .iter()
            .find(|article| article.file_name == reference)
        {
            return Ok(article);
        }
        let matches: Vec<&Article> = self
            .articles
            .iter()
            .filter(|article| article.file_name.starts_with(reference))
            .collect();
        match matches.as_slice() {
            [] => Err(Resolution::Unknown),
            [one] => Ok(one),
            _ => Err(Resolution::Ambiguous(
                matches
                    .iter()
                    .map(|article| article.file_name.to_string())
                    .collect(),
            )),
        }
    }

    /// What a user can write for each article: the part before the first `_`
    /// (`002` for `002_ce86d074e4b97803.txt`) when that is unambiguous, else
    /// the full name.
    pub fn short_names(&self) -> Vec<String> {
        self.articles
            .iter()
            .map(|article| {
                let name = &article.file_name;
                let short = name.split('_').next().unwrap_or(name);
                let n_matching = self
                    .articles
                    .iter()
                    .filter(|other| other.file_name.starts_with(short))
                    .count();
                if n_matching == 1 { short } else { name }.to_string()
            })
            .collect()
    }
}

/// Whitespace runs to one space, ends trimmed, typographic quotes and dashes to ASCII.
pub fn normalise(text: &str) -> String {
    collapse_whitespace(text)
        .chars()
        .map(|character| match character {
            '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' => '\'',
            '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' => '"',
            '\u{2010}'..='\u{2015}' => '-',
            other => other,
        })
        .collect()
}

/// [`normalise`], also giving for each byte of the result the byte range of
/// the original text it stands for (a whitespace run maps to the whole run).
fn normalise_with_origins(text: &str) -> (String, Vec<std::ops::Range<usize>>) {
    let mut normalised = String::with_capacity(text.len());
    let mut origins = Vec::with_capacity(text.len());
    let mut pending_space: Option<std::ops::Range<usize>> = None;
    for (index, character) in text.char_indices() {
        let range = index..index + character.len_utf8();
        if character.is_whitespace() {
            pending_space = Some(match pending_space {
                Some(run) => run.start..range.end,
                None => range,
            });
            continue;
        }
        if let Some(run) = pending_space.take()
            && !normalised.is_empty()
        {
            normalised.push(' ');
            origins.push(run);
        }
        let folded = normalise(character.encode_utf8(&mut [0; 4]));
        for _ in 0..folded.len() {
            origins.push(range.clone());
        }
        normalised.push_str(&folded);
    }
    (normalised, origins)
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

    fn articles() -> Articles {
        let mut articles = Articles::new();
        for (name, text) in [
            (
                "002_ce86d074e4b97803.txt",
                "The remarks came hours after negotiations mediated by Qatar and Türkiye\nended in   Istanbul.",
            ),
            (
                "003_99204a15a5779997.txt",
                "four days of negotiations brokered by Qatar and Turkey",
            ),
            ("003_ffff.txt", "another"),
        ] {
            articles
                .add(Article::new("test", name, text))
                .expect("distinct names");
        }
        articles
    }

    #[test]
    fn references_resolve_by_name_or_unique_prefix() {
        let articles = articles();
        let name = |reference: &str| {
            articles
                .resolve(reference)
                .map(|article| article.file_name.to_string())
        };
        assert_eq!(name("002").as_deref(), Ok("002_ce86d074e4b97803.txt"));
        assert_eq!(name("003_9").as_deref(), Ok("003_99204a15a5779997.txt"));
        assert_eq!(name("009"), Err(Resolution::Unknown));
        assert_eq!(
            name("003"),
            Err(Resolution::Ambiguous(vec![
                "003_99204a15a5779997.txt".into(),
                "003_ffff.txt".into()
            ]))
        );
        assert_eq!(
            articles.short_names(),
            vec!["002", "003_99204a15a5779997.txt", "003_ffff.txt"]
        );
    }

    #[test]
    fn a_name_in_two_collections_is_a_conflict() {
        let mut articles = articles();
        assert!(
            articles
                .add(Article::new("test", "003_ffff.txt", ""))
                .is_ok()
        );
        let conflict = articles.add(Article::new("mine", "003_ffff.txt", ""));
        assert_eq!(
            conflict.map_err(|error| error.to_string()),
            Err("article `003_ffff.txt` is in both `test` and `mine`".to_string())
        );
        assert_eq!(articles.len(), 3);
    }

    #[test]
    fn quotes_match_normalised() {
        let articles = articles();
        let article = articles.resolve("002").expect("resolves");
        assert!(article.contains_quote("negotiations\u{a0}mediated by Qatar and Türkiye ended"));
        assert!(!article.contains_quote("mediated by Turkey"));
        assert_eq!(
            article
                .closest_passage("negotiations mediated by Qatar and Turkey")
                .as_deref(),
            Some("negotiations mediated by Qatar and Türkiye")
        );
        assert_eq!(article.closest_passage("completely unrelated words"), None);
    }

    #[test]
    fn quote_ranges_point_into_the_text_as_written() {
        let articles = articles();
        let article = articles.resolve("002").expect("resolves");
        let check = |quote: &str, expected: &[&str]| {
            let found: Vec<&str> = article
                .quote_ranges(quote)
                .into_iter()
                .map(|range| &article.text[range])
                .collect();
            assert_eq!(found, expected, "{quote}");
        };
        check(
            "Türkiye ended in Istanbul",
            &["Türkiye\nended in   Istanbul"],
        );
        check("The remarks", &["The remarks"]);
        check("in Istanbul.", &["in   Istanbul."]);
        check("mediated by Turkey", &[]);
        check("  ", &[]);
        let repeated = Article::new("test", "r.txt", "a b, a  b");
        assert_eq!(repeated.quote_ranges("a b"), vec![0..3, 5..9]);
        // Every bundled citation the checker accepts is found.
        let bundled = Articles::bundled();
        for article in bundled.iter() {
            let first_words: String = article.text.chars().skip(40).take(30).collect();
            if article.contains_quote(&first_words) {
                assert!(!article.quote_ranges(&first_words).is_empty());
            }
        }
    }

    #[test]
    fn normalise_folds_space_quotes_and_dashes() {
        assert_eq!(normalise("  a \n\t b  "), "a b");
        assert_eq!(normalise("‘x’ “y” a–b"), "'x' \"y\" a-b");
    }

    #[test]
    fn the_bundled_collection_is_embedded() {
        let articles = Articles::bundled();
        assert!(!articles.is_empty());
        for article in articles.iter() {
            assert!(article.location().starts_with("seeds/"));
        }
    }
}
