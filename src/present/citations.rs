//! The citation report of `wirelog check --report`: per article, each fact
//! citing it beside its quote, for a person checking that every quote
//! supports what its fact says.
//!
//! Reads the checked program, the articles and the sources; renders only.
//! Whether a quote is in its article is `analysis::citations`' check, run
//! before; a citation naming no article is listed apart.

use crate::analysis::ir::Program;
use crate::articles::Articles;
use crate::span::SourceMap;
use crate::value::fact_text;
use std::fmt::Write as _;

/// Widest fact column; longer facts push their quote along.
const MAX_FACT_WIDTH: usize = 56;

/// One fact's citation of one article.
struct Entry {
    fact: String,
    quote: String,
    location: String,
}

/// How the report is written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ReportFormat {
    /// Aligned plain text.
    #[default]
    Text,
    /// A Markdown section and table per article.
    Markdown,
}

/// The report as plain text: a heading per article (its file, dateline and
/// how many facts cite it), then one line per citing fact, the fact and its
/// quote side by side, with where the fact is written.
pub fn render_citation_report(
    program: &Program,
    articles: &Articles,
    sources: &SourceMap,
) -> String {
    render_citation_report_as(program, articles, sources, ReportFormat::Text)
}

/// The report in `format`: as [`render_citation_report`], or in Markdown
/// (a `##` heading per article and a table of fact, quote and place).
pub fn render_citation_report_as(
    program: &Program,
    articles: &Articles,
    sources: &SourceMap,
    format: ReportFormat,
) -> String {
    let articles_in_order: Vec<_> = articles.iter().collect();
    let mut by_article: Vec<Vec<Entry>> = articles_in_order.iter().map(|_| Vec::new()).collect();
    let mut unresolved: Vec<Entry> = Vec::new();
    for fact in &program.facts {
        let text = fact_text(&program.predicate(fact.predicate).name, &fact.values);
        let (line, _) = sources.line_column(fact.span.source, fact.span.start);
        let location = format!("{}:{line}", sources.name(fact.span.source));
        for citation in &fact.citations {
            let entry = Entry {
                fact: text.clone(),
                quote: citation.quote.value.clone(),
                location: location.clone(),
            };
            let position = articles
                .resolve(&citation.article.value)
                .ok()
                .and_then(|article| {
                    articles_in_order
                        .iter()
                        .position(|candidate| std::ptr::eq(*candidate, article))
                });
            match position {
                Some(index) => by_article[index].push(entry),
                None => unresolved.push(entry),
            }
        }
    }
    let mut text = String::new();
    for (article, entries) in articles_in_order.iter().zip(&by_article) {
        if !text.is_empty() {
            text.push('\n');
        }
        let dateline = article
            .text
            .lines()
            .next()
            .and_then(|line| line.trim().strip_prefix("date "))
            .map(|date| format!(", dated {}", date.split_whitespace().next().unwrap_or(date)))
            .unwrap_or_default();
        let count = match entries.len() {
            0 => "no fact cites it".to_string(),
            1 => "1 citation".to_string(),
            n => format!("{n} citations"),
        };
        match format {
            ReportFormat::Text => {
                let _ = writeln!(text, "{}{dateline}: {count}", article.location());
            }
            ReportFormat::Markdown => {
                let _ = writeln!(text, "## {}{dateline}: {count}", article.location());
            }
        }
        write_entries(&mut text, entries, format);
    }
    if !unresolved.is_empty() {
        let _ = writeln!(
            text,
            "\n{}citing no known article: {}",
            if format == ReportFormat::Markdown {
                "## "
            } else {
                ""
            },
            unresolved.len()
        );
        write_entries(&mut text, &unresolved, format);
    }
    text
}

fn write_entries(text: &mut String, entries: &[Entry], format: ReportFormat) {
    if format == ReportFormat::Markdown {
        if !entries.is_empty() {
            text.push_str("\n| fact | quote | where |\n|---|---|---|\n");
        }
        let cell = |value: &str| value.replace('|', "\\|");
        for entry in entries {
            let _ = writeln!(
                text,
                "| `{}` | \"{}\" | {} |",
                cell(&entry.fact),
                cell(&entry.quote),
                cell(&entry.location)
            );
        }
        return;
    }
    let width = entries
        .iter()
        .map(|entry| entry.fact.chars().count())
        .filter(|&width| width <= MAX_FACT_WIDTH)
        .max()
        .unwrap_or(0);
    for entry in entries {
        let _ = writeln!(
            text,
            "  {:<width$}  │ \"{}\"  ({})",
            entry.fact, entry.quote, entry.location
        );
    }
}
