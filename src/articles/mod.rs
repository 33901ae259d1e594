//! The articles that citations quote: collections of them, how a citation
//! names one, and how a quote is found in one.
//!
//! Owns article ids (a file name without `.txt`) and their resolution (an
//! exact id or file name, or a prefix matching exactly one article), the
//! article file format (`file`: an optional header, the dateline), quote
//! matching (`quote`), and the bundled collection (`seeds/`, embedded at
//! build time). An [`Articles`] value is the set of articles of every
//! collection a session loaded; citation checks (`analysis::citations`),
//! explanations (`provenance`) and the article view all look articles up
//! here, so they always agree on which article a citation means. Reading a
//! folder is the caller's (the session's): it hands each file's text to
//! [`Article::parse`]. Imports only `text` and `value`.

mod file;
mod quote;

pub use file::{HEADER_KEYS, HeaderError, Metadata, ParsedArticle, parse_article};
pub use quote::normalise;

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::OnceLock;

include!(concat!(env!("OUT_DIR"), "/bundled_articles.rs"));

/// The collection name of the bundled articles, as in `seeds/002_….txt`.
pub const BUNDLED_COLLECTION: &str = "seeds";

/// The extension of article files; an id is the file name without it.
pub const ARTICLE_EXTENSION: &str = "txt";

/// One article: its id, file, collection, metadata and quotable text.
#[derive(Debug)]
pub struct Article {
    /// The id: the file name without `.txt`, e.g. `002_ce86d074e4b97803`.
    /// Citations name it or a prefix of it; `@ A` binds it.
    pub id: String,
    /// The file name, e.g. `002_ce86d074e4b97803.txt`.
    pub file_name: Cow<'static, str>,
    /// The collection (folder, as named) it comes from, e.g. `seeds`.
    pub collection: Cow<'static, str>,
    /// The dateline and the header's title, outlet and URL.
    pub metadata: Metadata,
    /// What citations quote: the whole file, or the title and the text after a header.
    pub text: Cow<'static, str>,
    /// The normalised text, computed on first use.
    normalised: OnceLock<String>,
    /// The normalised text with, for each of its bytes, the byte of `text`
    /// it comes from; computed when a quote is first located, so an article
    /// shown with its cited passages is normalised once, not once a quote.
    located: OnceLock<(String, Vec<usize>)>,
}

impl Article {
    /// An article of `collection` named `file_name` whose quotable text is
    /// `text` as it is, without metadata (for tests and programs that build
    /// their own articles).
    pub fn new(
        collection: impl Into<Cow<'static, str>>,
        file_name: impl Into<Cow<'static, str>>,
        text: impl Into<Cow<'static, str>>,
    ) -> Article {
        let file_name = file_name.into();
        Article {
            id: id_of(&file_name).to_string(),
            file_name,
            collection: collection.into(),
            metadata: Metadata::default(),
            text: text.into(),
            normalised: OnceLock::new(),
            located: OnceLock::new(),
        }
    }

    /// An article from a file's contents: its header and dateline become
    /// metadata (see `file` for the format).
    pub fn parse(
        collection: impl Into<Cow<'static, str>>,
        file_name: impl Into<Cow<'static, str>>,
        raw: &str,
    ) -> Result<Article, HeaderError> {
        let parsed = parse_article(raw)?;
        let mut article = Article::new(collection, file_name, parsed.text);
        article.metadata = parsed.metadata;
        Ok(article)
    }

    /// An embedded article: no copy of its text unless it has a header.
    fn bundled(file_name: &'static str, raw: &'static str) -> Article {
        match parse_article(raw) {
            Ok(parsed) if parsed.text == raw => {
                let mut article = Article::new(BUNDLED_COLLECTION, file_name, raw);
                article.metadata = parsed.metadata;
                article
            }
            Ok(parsed) => {
                let mut article = Article::new(BUNDLED_COLLECTION, file_name, parsed.text);
                article.metadata = parsed.metadata;
                article
            }
            Err(_) => Article::new(BUNDLED_COLLECTION, file_name, raw),
        }
    }

    /// Where the article is, for people: `seeds/002_ce86d074e4b97803.txt`.
    pub fn location(&self) -> String {
        format!("{}/{}", self.collection, self.file_name)
    }

    /// The text normalised for matching quotes (see `quote`).
    pub fn normalised_text(&self) -> &str {
        self.normalised.get_or_init(|| normalise(&self.text))
    }

    /// True when the article contains `quote`, both normalised.
    pub fn contains_quote(&self, quote: &str) -> bool {
        self.normalised_text().contains(&normalise(quote))
    }

    /// Every place `quote` is written in [`Article::text`], as byte ranges:
    /// [`Article::quote_ranges`].
    pub fn find_quote(&self, quote: &str) -> Vec<Range<usize>> {
        self.quote_ranges(quote)
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
    pub fn quote_ranges(&self, quote: &str) -> Vec<Range<usize>> {
        let (normalised, offsets) = self
            .located
            .get_or_init(|| quote::normalise_with_offsets(&self.text));
        quote::find_located(&self.text, normalised, offsets, quote)
    }

    /// The passage of the (normalised) article closest to a quote it does not
    /// contain: the one sharing the longest beginning or end with it, when
    /// that shared part is at least a third of the quote.
    pub fn closest_passage(&self, quote: &str) -> Option<String> {
        quote::closest_passage(self.normalised_text(), &normalise(quote))
    }
}

impl Clone for Article {
    fn clone(&self) -> Article {
        Article {
            id: self.id.clone(),
            file_name: self.file_name.clone(),
            collection: self.collection.clone(),
            metadata: self.metadata.clone(),
            text: self.text.clone(),
            normalised: OnceLock::new(),
            located: OnceLock::new(),
        }
    }
}

/// The id of an article file: its name without `.txt`.
pub fn id_of(file_name: &str) -> &str {
    file_name
        .strip_suffix(ARTICLE_EXTENSION)
        .and_then(|stem| stem.strip_suffix('.'))
        .unwrap_or(file_name)
}

/// Why a citation's article name does not name one article.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Resolution {
    /// No article has that id or starts with it.
    Unknown,
    /// Several articles start with it: their ids.
    Ambiguous(Vec<String>),
}

/// Two different articles with the same id in different collections.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("article `{id}` is in both `{first}` and `{second}`")]
pub struct ArticleConflict {
    /// The id both have.
    pub id: String,
    /// Where the article already known is (`collection/file`).
    pub first: String,
    /// Where the one added is.
    pub second: String,
}

/// A set of articles, looked up by id, file name or unambiguous prefix.
#[derive(Clone, Debug, Default)]
pub struct Articles {
    articles: Vec<Article>,
    /// Id to index, for exact and prefix look-ups.
    by_id: BTreeMap<String, usize>,
}

impl Articles {
    /// No articles.
    pub fn new() -> Articles {
        Articles::default()
    }

    /// The bundled articles (`seeds/`), embedded in the binary.
    pub fn bundled() -> Articles {
        let mut articles = Articles::new();
        for (name, text) in BUNDLED_SEEDS {
            // Embedded names are distinct files of one folder: no conflict.
            let _ = articles.add(Article::bundled(name, text));
        }
        articles
    }

    /// Adds an article. One with the same id from another collection is an
    /// error (never a silent pick) unless its text is the same; the same
    /// article again is ignored.
    pub fn add(&mut self, article: Article) -> Result<(), ArticleConflict> {
        if let Some(&index) = self.by_id.get(&article.id) {
            let known = &self.articles[index];
            if known.collection == article.collection || known.text == article.text {
                return Ok(());
            }
            return Err(ArticleConflict {
                second: article.location(),
                first: known.location(),
                id: article.id,
            });
        }
        self.by_id.insert(article.id.clone(), self.articles.len());
        self.articles.push(article);
        Ok(())
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

    /// The article a citation names: an exact id or file name wins, else the
    /// one id it is a prefix of.
    ///
    /// ```
    /// use wirelog::articles::Articles;
    /// let articles = Articles::bundled();
    /// let article = articles.resolve("002").expect("one article starts with 002");
    /// assert_eq!(article.id, "002_ce86d074e4b97803");
    /// assert_eq!(articles.resolve("002_ce86d074e4b97803.txt").map(|a| &a.id), Ok(&article.id));
    /// ```
    pub fn resolve(&self, reference: &str) -> Result<&Article, Resolution> {
        let exact = self
            .by_id
            .get(reference)
            .or_else(|| self.by_id.get(id_of(reference)));
        if let Some(&index) = exact {
            return Ok(&self.articles[index]);
        }
        let mut matches = self
            .by_id
            .range::<str, _>((
                std::ops::Bound::Included(reference),
                std::ops::Bound::Unbounded,
            ))
            .take_while(|(id, _)| id.starts_with(reference));
        match (matches.next(), matches.next()) {
            (None, _) => Err(Resolution::Unknown),
            (Some((_, &index)), None) => Ok(&self.articles[index]),
            (Some((first, _)), Some((second, _))) => {
                let mut ids = vec![first.clone(), second.clone()];
                ids.extend(matches.map(|(id, _)| id.clone()));
                Err(Resolution::Ambiguous(ids))
            }
        }
    }

    /// What a user can write for each article: the part of its id before
    /// the first `_` (`002` for `002_ce86d074e4b97803`) when that is
    /// unambiguous, else the whole id.
    pub fn short_names(&self) -> Vec<String> {
        self.articles
            .iter()
            .map(|article| {
                let id = &article.id;
                let short = id.split('_').next().unwrap_or(id);
                match self.resolve(short) {
                    Ok(found) if found.id == *id => short.to_string(),
                    _ => id.clone(),
                }
            })
            .collect()
    }
}

/// A fact whose citation quotes an article.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CitedFact {
    /// The fact, as written in Datalog (`mediates(qatar, istanbul_talks)`).
    pub fact: String,
    /// The quote its citation gives.
    pub quote: String,
    /// Where the fact is written, `file:line`.
    pub location: String,
}

/// A passage of an article's text marked as cited, with the citations that quote it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mark {
    /// Byte range in [`Article::text`].
    pub range: Range<usize>,
    /// Indexes into the list of citations given to [`mark_quotes`].
    pub citations: Vec<usize>,
}

/// Where each of `quotes` is written in `article`, merged into
/// non-overlapping marks in text order; a quote written twice is marked twice.
pub fn mark_quotes(article: &Article, quotes: &[&str]) -> Vec<Mark> {
    let mut found: Vec<(Range<usize>, usize)> = quotes
        .iter()
        .enumerate()
        .flat_map(|(index, quote)| {
            article
                .find_quote(quote)
                .into_iter()
                .map(move |range| (range, index))
        })
        .collect();
    found.sort_by_key(|(range, index)| (range.start, range.end, *index));
    let mut marks: Vec<Mark> = Vec::new();
    for (range, index) in found {
        match marks.last_mut() {
            Some(last) if range.start < last.range.end => {
                last.range.end = last.range.end.max(range.end);
                if !last.citations.contains(&index) {
                    last.citations.push(index);
                }
            }
            _ => marks.push(Mark {
                range,
                citations: vec![index],
            }),
        }
    }
    marks
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
    fn references_resolve_by_id_file_name_or_unique_prefix() {
        let articles = articles();
        let name = |reference: &str| {
            articles
                .resolve(reference)
                .map(|article| article.id.to_string())
        };
        assert_eq!(name("002").as_deref(), Ok("002_ce86d074e4b97803"));
        assert_eq!(name("003_9").as_deref(), Ok("003_99204a15a5779997"));
        assert_eq!(name("003_ffff").as_deref(), Ok("003_ffff"));
        assert_eq!(name("003_ffff.txt").as_deref(), Ok("003_ffff"));
        assert_eq!(name("009"), Err(Resolution::Unknown));
        assert_eq!(name("1"), Err(Resolution::Unknown));
        assert_eq!(
            name("003"),
            Err(Resolution::Ambiguous(vec![
                "003_99204a15a5779997".into(),
                "003_ffff".into()
            ]))
        );
        assert_eq!(
            articles.short_names(),
            vec!["002", "003_99204a15a5779997", "003_ffff"]
        );
    }

    #[test]
    fn a_different_article_with_the_same_id_is_a_conflict() {
        let mut articles = articles();
        assert!(
            articles
                .add(Article::new("test", "003_ffff.txt", ""))
                .is_ok()
        );
        assert!(
            articles
                .add(Article::new("mine", "003_ffff.txt", "another"))
                .is_ok(),
            "the same text in another collection is the same article"
        );
        let conflict = articles.add(Article::new("mine", "003_ffff.txt", "different"));
        assert_eq!(
            conflict.map_err(|error| error.to_string()),
            Err(
                "article `003_ffff` is in both `test/003_ffff.txt` and `mine/003_ffff.txt`"
                    .to_string()
            )
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
        assert_eq!(repeated.find_quote("a b"), repeated.quote_ranges("a b"));
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
    fn marks_merge_overlapping_quotes() {
        let article = Article::new("t", "a.txt", "one two three four. one two.");
        let marks = mark_quotes(&article, &["two three", "three four", "one two", "absent"]);
        let shown: Vec<(&str, Vec<usize>)> = marks
            .iter()
            .map(|mark| (&article.text[mark.range.clone()], mark.citations.clone()))
            .collect();
        assert_eq!(
            shown,
            vec![("one two three four", vec![2, 0, 1]), ("one two", vec![2])]
        );
    }

    #[test]
    fn the_bundled_collection_is_embedded_with_its_datelines() {
        let articles = Articles::bundled();
        assert_eq!(articles.len(), 5);
        for article in articles.iter() {
            assert!(article.location().starts_with("seeds/"));
            assert!(!article.id.ends_with(".txt"));
        }
        let dated: Vec<(&str, String)> = articles
            .iter()
            .filter_map(|article| Some((&article.id[..3], article.metadata.date?.to_string())))
            .collect();
        assert_eq!(
            dated,
            vec![
                ("000", "2025-10-29".to_string()),
                ("004", "2025-11-09".to_string())
            ]
        );
    }
}
