//! An article as text for a terminal (`:article`), its cited passages
//! marked, and the list of loaded articles (`:articles`).
//!
//! Owns how marking looks. With colour, a cited passage is shown in bold
//! yellow and followed by its reference number, e.g. `…by Qatar[1]`; without
//! colour (a pipe, `NO_COLOR`), the passage is put between `[[` and `]]`,
//! then the same number: `[[mediated by Qatar]][1]`. Below the text, each
//! number lists the facts whose citation quotes that passage, with where
//! they are written. Renders finished values only; never evaluates.

use crate::articles::{Article, CitedFact, mark_quotes};
use std::fmt::Write as _;

const BOLD_YELLOW: &str = "\u{1b}[1;33m";
const RESET: &str = "\u{1b}[0m";

/// `article`'s text with every passage `cited` quotes marked, then the
/// numbered list of the facts citing each passage.
pub fn render_article(article: &Article, cited: &[CitedFact], color: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{} ({})", article.id, article.location());
    let metadata = &article.metadata;
    for (key, value) in [
        ("title", metadata.title.clone()),
        ("outlet", metadata.outlet.clone()),
        ("url", metadata.url.clone()),
        ("date", metadata.date.map(|date| date.to_string())),
    ] {
        if let Some(value) = value {
            let _ = writeln!(out, "{key}: {value}");
        }
    }
    out.push('\n');
    let quotes: Vec<&str> = cited.iter().map(|fact| fact.quote.as_str()).collect();
    let marks = mark_quotes(article, &quotes);
    let text = article.text.as_ref();
    let mut position = 0;
    for (number, mark) in marks.iter().enumerate() {
        let (Some(before), Some(passage)) = (
            text.get(position..mark.range.start),
            text.get(mark.range.clone()),
        ) else {
            continue;
        };
        out.push_str(before);
        if color {
            let _ = write!(out, "{BOLD_YELLOW}{passage}{RESET}[{}]", number + 1);
        } else {
            let _ = write!(out, "[[{passage}]][{}]", number + 1);
        }
        position = mark.range.end;
    }
    out.push_str(text.get(position..).unwrap_or(""));
    if !out.ends_with('\n') {
        out.push('\n');
    }
    if marks.is_empty() {
        out.push_str("\nno loaded fact cites this article\n");
        return out;
    }
    out.push('\n');
    for (number, mark) in marks.iter().enumerate() {
        for &index in &mark.citations {
            if let Some(fact) = cited.get(index) {
                let _ = writeln!(out, "[{}] {}  ({})", number + 1, fact.fact, fact.location);
            }
        }
    }
    out
}

/// One line per article: id, where it is, date and title when known, and
/// how many loaded facts cite it.
pub fn render_article_list<'a>(articles: impl Iterator<Item = (&'a Article, usize)>) -> String {
    let rows: Vec<(String, String, String)> = articles
        .map(|(article, n_cited)| {
            let mut about = String::new();
            if let Some(date) = article.metadata.date {
                let _ = write!(about, "{date} ");
            }
            if let Some(title) = &article.metadata.title {
                let _ = write!(about, "\"{title}\" ");
            }
            let _ = write!(
                about,
                "({})",
                match n_cited {
                    1 => "cited by 1 fact".to_string(),
                    n => format!("cited by {n} facts"),
                }
            );
            (article.id.clone(), article.location(), about)
        })
        .collect();
    let id_width = rows
        .iter()
        .map(|row| row.0.chars().count())
        .max()
        .unwrap_or(0);
    let location_width = rows
        .iter()
        .map(|row| row.1.chars().count())
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    for (id, location, about) in &rows {
        let _ = writeln!(out, "{id:id_width$}  {location:location_width$}  {about}");
    }
    let _ = writeln!(
        out,
        "{} {} (`:article ID` shows one with its cited passages marked)",
        rows.len(),
        if rows.len() == 1 {
            "article"
        } else {
            "articles"
        }
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn article() -> Article {
        Article::new(
            "local",
            "bridge.txt",
            "The council closed the bridge. The mayor said repairs take months.",
        )
    }

    fn cited(quote: &str) -> CitedFact {
        CitedFact {
            fact: "closed(bridge)".to_string(),
            quote: quote.to_string(),
            location: "town.dl:3".to_string(),
        }
    }

    #[test]
    fn cited_passages_are_marked_with_and_without_colour() {
        let plain = render_article(&article(), &[cited("closed the bridge")], false);
        assert!(
            plain.contains("The council [[closed the bridge]][1]. The mayor"),
            "{plain}"
        );
        assert!(plain.contains("[1] closed(bridge)  (town.dl:3)"), "{plain}");
        let coloured = render_article(&article(), &[cited("closed the bridge")], true);
        assert!(
            coloured.contains("\u{1b}[1;33mclosed the bridge\u{1b}[0m[1]"),
            "{coloured}"
        );
    }

    #[test]
    fn an_uncited_article_says_so() {
        let plain = render_article(&article(), &[], false);
        assert!(
            plain.ends_with("no loaded fact cites this article\n"),
            "{plain}"
        );
        let list = render_article_list([(&article(), 2)].into_iter());
        assert!(
            list.starts_with("bridge  local/bridge.txt  (cited by 2 facts)\n"),
            "{list}"
        );
    }
}
