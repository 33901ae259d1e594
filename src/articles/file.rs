//! An article file as written: an optional header, an optional dateline,
//! and the text that citations quote.
//!
//! Owns the article file format:
//!
//! ```text
//! ---
//! title: Footbridge over the Wend closes for repairs
//! outlet: The Millbrook Courier
//! url: https://example.org/millbrook/footbridge
//! date: 2026-03-14
//! ---
//! The footbridge that links Millbrook's market square ...
//! ```
//!
//! The header is optional. When the file starts with a line `---`, every
//! line up to the next `---` line is `key: value` with a key among `title`,
//! `outlet`, `url` and `date` (each at most once; the date `YYYY-MM-DD`), and
//! the text starts after it. Without a header, a first line that starts with
//! ` date YYYY-MM-DD` (the seeds' form) gives the dateline, and the rest of
//! that line is article text, as is the whole file. Citations quote the
//! title and the text.

use crate::value::Date;

/// What the header and the dateline say about an article.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Metadata {
    /// The dateline: `date:` in the header, or ` date YYYY-MM-DD` at the start of the first line.
    pub date: Option<Date>,
    /// `title:`
    pub title: Option<String>,
    /// `outlet:`
    pub outlet: Option<String>,
    /// `url:`
    pub url: Option<String>,
}

/// An article file split into what it says about itself and what citations quote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedArticle {
    /// Header and dateline.
    pub metadata: Metadata,
    /// What citations quote: the title (when the header gives one) on a line
    /// of its own, then the text after the header; the whole file when there
    /// is no header.
    pub text: String,
}

/// Why an article file's header is not one.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct HeaderError {
    /// The line of the file (1-based).
    pub line: usize,
    /// What is wrong, e.g. "unknown header key `titel`".
    pub message: String,
}

/// The keys a header may use.
pub const HEADER_KEYS: &[&str] = &["title", "outlet", "url", "date"];

/// Splits an article file into metadata and quotable text.
pub fn parse_article(raw: &str) -> Result<ParsedArticle, HeaderError> {
    let raw = raw.strip_prefix('\u{feff}').unwrap_or(raw);
    let mut lines = raw.split_inclusive('\n');
    let first = lines.next().unwrap_or("");
    if first.trim_end() == "---" {
        return parse_with_header(raw, first.len());
    }
    Ok(ParsedArticle {
        metadata: Metadata {
            date: dateline(first),
            ..Metadata::default()
        },
        text: raw.to_string(),
    })
}

/// The date of a seed-style dateline: ` date YYYY-MM-DD` at the start of the line.
fn dateline(first_line: &str) -> Option<Date> {
    let rest = first_line.trim_start().strip_prefix("date ")?;
    let candidate = rest.get(..10)?;
    let after = rest[10..].chars().next();
    if after.is_some_and(|character| !character.is_whitespace()) {
        return None;
    }
    parse_date(candidate)
}

/// `YYYY-MM-DD`, a day of the calendar.
fn parse_date(text: &str) -> Option<Date> {
    Date::parse_iso(text)
}

fn parse_with_header(raw: &str, header_start: usize) -> Result<ParsedArticle, HeaderError> {
    let mut metadata = Metadata::default();
    let mut seen: Vec<&str> = Vec::new();
    let mut offset = header_start;
    // The first header line is line 2 (line 1 is the opening `---`).
    for (line_number, line) in (2..).zip(raw[header_start..].split_inclusive('\n')) {
        offset += line.len();
        let content = line.trim_end();
        if content == "---" {
            let body = &raw[offset..];
            let text = match &metadata.title {
                Some(title) => format!("{title}\n\n{body}"),
                None => body.to_string(),
            };
            return Ok(ParsedArticle { metadata, text });
        }
        let error = |message: String| HeaderError {
            line: line_number,
            message,
        };
        let Some((key, value)) = content.split_once(':') else {
            return Err(error(format!(
                "expected `key: value` in the article header, found `{}`",
                shorten(content)
            )));
        };
        let key = key.trim();
        let value = value.trim();
        if !HEADER_KEYS.contains(&key) {
            let suggestion = crate::text::closest(key, HEADER_KEYS.iter().copied())
                .map(|close| format!("; did you mean `{close}`?"))
                .unwrap_or_else(|| "; the keys are `title`, `outlet`, `url` and `date`".into());
            return Err(error(format!(
                "unknown header key `{}`{suggestion}",
                shorten(key)
            )));
        }
        if seen.contains(&key) {
            return Err(error(format!("the header gives `{key}` twice")));
        }
        seen.push(key);
        if value.is_empty() {
            return Err(error(format!("the header's `{key}` is empty")));
        }
        match key {
            "title" => metadata.title = Some(value.to_string()),
            "outlet" => metadata.outlet = Some(value.to_string()),
            "url" => metadata.url = Some(value.to_string()),
            _ => {
                metadata.date = Some(parse_date(value).ok_or_else(|| {
                    error(format!(
                        "the header's date `{}` is not a day written YYYY-MM-DD",
                        shorten(value)
                    ))
                })?);
            }
        }
    }
    Err(HeaderError {
        line: 1,
        message: "the article header opened by `---` is never closed by another `---` line"
            .to_string(),
    })
}

fn shorten(text: &str) -> String {
    let mut characters = text.chars();
    let short: String = characters.by_ref().take(40).collect();
    if characters.next().is_some() {
        format!("{short}…")
    } else {
        short
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(year: i32, month: u32, day: u32) -> Option<Date> {
        Date::new(year, month, day)
    }

    #[test]
    fn a_seed_dateline_is_the_start_of_the_first_line() {
        let parsed = parse_article(" date 2025-10-29 Pakistan said on Wednesday.\nMore.")
            .expect("no header");
        assert_eq!(parsed.metadata.date, date(2025, 10, 29));
        assert!(parsed.text.starts_with(" date 2025-10-29 Pakistan"));
        for text in [
            "Pakistan said on date 2025-10-29.",
            "\n date 2025-10-29 second line",
            " date 2025-10-299 x",
            " date 2025-02-30 x",
            "date: 2025-10-29",
        ] {
            assert_eq!(
                parse_article(text).expect("no header").metadata.date,
                None,
                "{text:?}"
            );
        }
        assert_eq!(
            parse_article("date 2025-10-29")
                .expect("no header")
                .metadata
                .date,
            date(2025, 10, 29)
        );
    }

    #[test]
    fn a_header_gives_metadata_and_the_text_follows_it() {
        let parsed = parse_article(
            "---\ntitle: Footbridge closes\noutlet: The Courier\nurl: https://example.org/a:b\ndate: 2026-03-14\n---\nThe footbridge closed.\n",
        )
        .expect("valid header");
        assert_eq!(
            parsed.metadata,
            Metadata {
                date: date(2026, 3, 14),
                title: Some("Footbridge closes".into()),
                outlet: Some("The Courier".into()),
                url: Some("https://example.org/a:b".into()),
            }
        );
        assert_eq!(parsed.text, "Footbridge closes\n\nThe footbridge closed.\n");
        let untitled = parse_article("---\r\noutlet: X\r\n---\r\nBody").expect("valid");
        assert_eq!(untitled.text, "Body");
    }

    #[test]
    fn a_bad_header_is_located() {
        let check = |text: &str, line: usize, message: &str| {
            let error = parse_article(text).expect_err("bad header");
            assert_eq!(error.line, line, "{text:?}");
            assert!(error.message.starts_with(message), "{}", error.message);
        };
        check(
            "---\ntitel: x\n---\n",
            2,
            "unknown header key `titel`; did you mean `title`?",
        );
        check(
            "---\ntitle: x\ntitle: y\n---\n",
            3,
            "the header gives `title` twice",
        );
        check(
            "---\ndate: 2026-02-30\n---\n",
            2,
            "the header's date `2026-02-30`",
        );
        check("---\njust text\n---\n", 2, "expected `key: value`");
        check(
            "---\ntitle: x\n",
            1,
            "the article header opened by `---` is never closed",
        );
        check("---\ntitle:\n---\n", 2, "the header's `title` is empty");
    }
}
