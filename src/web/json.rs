//! The JSON the page reads: replies, cited passages, articles, lessons,
//! the schema. docs/web.md documents each shape.
//!
//! Owns the shapes only. Answers, diagnostics and derivations are turned
//! into JSON and text by `present` (the terminal's own renderers); where a
//! quote stands in an article is `articles`' to say. Nothing here evaluates.

use super::assets::Lesson;
use crate::analysis::ir::{PredId, Program};
use crate::articles::{Article, Articles};
use crate::course::{Course, Expected};
use crate::present::{self, explain};
use crate::provenance::{Derivation, Step, Support};
use crate::repl::{Event, Reply};
use crate::session::Session;
use crate::span::SourceMap;
use crate::syntax::ast::Item;
use serde_json::{Value as Json, json};

/// A reply of the shell: `ok` (no error) and its events, each with a `kind`.
pub(super) fn reply_to_json(reply: &Reply, sources: &SourceMap, articles: &Articles) -> Json {
    let events: Vec<Json> = reply
        .events
        .iter()
        .map(|event| event_to_json(event, sources, articles))
        .collect();
    json!({ "ok": !reply.failed(), "events": events })
}

fn event_to_json(event: &Event, sources: &SourceMap, articles: &Articles) -> Json {
    match event {
        Event::Info(text) => json!({ "kind": "info", "text": text }),
        Event::Answers {
            answers, elapsed, ..
        } => json!({
            "kind": "answers",
            "answers": present::json::answers_to_json(answers),
            "elapsed_ms": elapsed.map(|elapsed| elapsed.as_secs_f64() * 1000.0),
        }),
        Event::Derivation(derivation) => json!({
            "kind": "derivation",
            "derivation": explain::derivation_to_json(derivation),
            "text": explain::render_why_text(derivation),
            "citations": citations_to_json(articles, &derivation_citations(derivation)),
        }),
        Event::WhyNot(why_not) => json!({
            "kind": "why_not",
            "why_not": serde_json::to_value(why_not).unwrap_or(Json::Null),
            "text": explain::render_why_not_text(why_not),
        }),
        Event::Diagnostics(diagnostics) => json!({
            "kind": "diagnostics",
            "diagnostics": present::diagnostics_to_json(diagnostics, sources),
            "text": present::render_diagnostics(diagnostics, sources, false),
        }),
        Event::Verdict(verdict) => json!({
            "kind": "verdict",
            "verdict": serde_json::to_value(verdict).unwrap_or(Json::Null),
            "text": crate::course::render::render_verdict(verdict),
        }),
        Event::AnswerRejected(rejected) => json!({
            "kind": "diagnostics",
            "exercise": rejected.exercise,
            "diagnostics": present::diagnostics_to_json(&rejected.diagnostics, &rejected.sources),
            "text": present::render_diagnostics(&rejected.diagnostics, &rejected.sources, false),
        }),
        Event::Error(text) => json!({ "kind": "error", "text": text }),
    }
}

/// Every `(article, quote)` cited in a derivation tree, in tree order, once each.
pub(super) fn derivation_citations(derivation: &Derivation) -> Vec<(String, String)> {
    let mut cited = Vec::new();
    collect_citations(derivation, &mut cited);
    cited
}

/// [`derivation_citations`] over the children of a query's rule step.
pub(super) fn step_citations(step: &Step) -> Vec<(String, String)> {
    let mut cited = Vec::new();
    for child in &step.children {
        collect_citations(child, &mut cited);
    }
    cited
}

fn collect_citations(derivation: &Derivation, cited: &mut Vec<(String, String)>) {
    match &derivation.support {
        Support::Fact { citations, .. } => {
            for citation in citations {
                let pair = (citation.article.clone(), citation.quote.clone());
                if !cited.contains(&pair) {
                    cited.push(pair);
                }
            }
        }
        Support::Rule(step) => {
            for child in &step.children {
                collect_citations(child, cited);
            }
        }
        Support::SeeAbove | Support::Cut { .. } | Support::Unexplained { .. } => {}
    }
}

/// Cited quotes with where each stands: `article` (the file name),
/// `quote`, and `ranges` in the article's text.
pub(super) fn citations_to_json(articles: &Articles, cited: &[(String, String)]) -> Json {
    Json::Array(
        cited
            .iter()
            .filter_map(|(reference, quote)| {
                let article = articles.resolve(reference).ok()?;
                Some(json!({
                    "article": article.file_name,
                    "quote": quote,
                    "ranges": ranges_to_json(article, quote),
                }))
            })
            .collect(),
    )
}

/// Where `quote` stands in `article`: byte offsets (`start`, `end`) and the
/// same in UTF-16 code units (`utf16_start`, `utf16_end`), which is how a
/// browser counts string positions.
fn ranges_to_json(article: &Article, quote: &str) -> Json {
    Json::Array(
        article
            .quote_ranges(quote)
            .into_iter()
            .map(|range| {
                let utf16_start = article.text[..range.start].encode_utf16().count();
                let utf16_end = utf16_start + article.text[range.clone()].encode_utf16().count();
                json!({
                    "start": range.start,
                    "end": range.end,
                    "utf16_start": utf16_start,
                    "utf16_end": utf16_end,
                })
            })
            .collect(),
    )
}

/// The id people write for each article (`002`), with its file name.
fn article_ids(articles: &Articles) -> Vec<(String, &Article)> {
    articles
        .short_names()
        .into_iter()
        .zip(articles.iter())
        .collect()
}

/// The date and title of an article: from its metadata (the header's
/// `date:` and `title:`, or the dateline) when it has them, else the
/// dateline (` date YYYY-MM-DD` opening the first line) and the first
/// sentence of the text, cut to about eighty characters.
fn article_heading(article: &Article) -> (Option<String>, String) {
    let (date, title) = text_heading(article);
    (
        article.metadata.date.map(|date| date.to_string()).or(date),
        article.metadata.title.clone().unwrap_or(title),
    )
}

/// [`article_heading`] read from the text alone.
fn text_heading(article: &Article) -> (Option<String>, String) {
    let text = article.text.trim_start();
    let (date, rest) = match text.strip_prefix("date ") {
        Some(rest) if rest.len() >= 10 && rest.is_char_boundary(10) => {
            (Some(rest[..10].to_string()), rest[10..].trim_start())
        }
        _ => (None, text),
    };
    let first_line = rest.lines().next().unwrap_or_default();
    let sentence_end = first_line
        .find(". ")
        .map_or(first_line.len(), |end| end + 1);
    let mut title: String = first_line[..sentence_end].chars().take(80).collect();
    if title.len() < sentence_end {
        title.push('…');
    }
    (date, title)
}

/// The list of articles: `id`, `file_name`, `collection`, `date`, `title`.
pub(super) fn articles_to_json(articles: &Articles) -> Json {
    Json::Array(
        article_ids(articles)
            .into_iter()
            .map(|(id, article)| {
                let (date, title) = article_heading(article);
                json!({
                    "id": id,
                    "file_name": article.file_name,
                    "collection": article.collection,
                    "date": date,
                    "title": title,
                    "outlet": article.metadata.outlet,
                    "url": article.metadata.url,
                })
            })
            .collect(),
    )
}

/// One article with its text and every passage a loaded fact cites, each
/// with the facts citing it: `cited` is a list of `{quote, facts, ranges}`.
/// `None` when `reference` names no single article.
pub(super) fn article_to_json(session: &Session, reference: &str) -> Option<Json> {
    let articles = session.articles();
    let article = articles.resolve(reference).ok()?;
    let id = article_ids(articles)
        .into_iter()
        .find(|(_, known)| known.file_name == article.file_name)
        .map_or_else(|| article.file_name.to_string(), |(id, _)| id);
    let mut cited: Vec<(String, Vec<String>)> = Vec::new();
    for unit in session.units() {
        for item in &unit.program.items {
            let Item::Clause(clause) = item else {
                continue;
            };
            for citation in &clause.citations {
                let names_this = articles
                    .resolve(&citation.article.value)
                    .is_ok_and(|cited| cited.file_name == article.file_name);
                if !names_this {
                    continue;
                }
                let fact = clause.head.to_string();
                match cited
                    .iter_mut()
                    .find(|(quote, _)| *quote == citation.quote.value)
                {
                    Some((_, facts)) if facts.contains(&fact) => {}
                    Some((_, facts)) => facts.push(fact),
                    None => cited.push((citation.quote.value.clone(), vec![fact])),
                }
            }
        }
    }
    let (date, title) = article_heading(article);
    let cited: Vec<Json> = cited
        .into_iter()
        .map(|(quote, facts)| {
            json!({
                "quote": quote,
                "facts": facts,
                "ranges": ranges_to_json(article, &quote),
            })
        })
        .collect();
    Some(json!({
        "id": id,
        "file_name": article.file_name,
        "collection": article.collection,
        "date": date,
        "title": title,
        "outlet": article.metadata.outlet,
        "url": article.metadata.url,
        "text": article.text,
        "cited": cited,
    }))
}

/// The lessons: `name` (file name), `title` (the first `% Lesson` line, or
/// the name) and `text`.
pub(super) fn lessons_to_json(lessons: &[Lesson]) -> Json {
    Json::Array(
        lessons
            .iter()
            .map(|lesson| {
                let title = lesson_title(&lesson.text, &lesson.file_name);
                json!({ "name": lesson.file_name, "title": title, "text": lesson.text })
            })
            .collect(),
    )
}

/// A lesson's title as the page shows it: `Lesson 3 – Recursion`.
fn lesson_title(text: &str, file_name: &str) -> String {
    text.lines()
        .find_map(|line| line.strip_prefix("% Lesson"))
        .map(|rest| format!("Lesson{}", rest.replace("--", "–")))
        .unwrap_or_else(|| file_name.to_string())
}

/// The course's exercises, by lesson: `lesson` (its number), `name` (its
/// file name, as in `/api/lessons`), `title`, and `exercises`, each with
/// `id`, `lesson`, `question`, `columns` (empty for a yes/no question),
/// `yes_no` and `has_hint`. Never the expected answer nor the reference
/// query, nor the hint itself (a wrong answer's verdict carries it).
pub(super) fn exercises_to_json(course: &Course) -> Json {
    Json::Array(
        course
            .lessons()
            .iter()
            .filter(|lesson| !lesson.exercises.is_empty())
            .map(|lesson| {
                let file_name = lesson
                    .name
                    .rsplit(['/', '\\'])
                    .next()
                    .unwrap_or(&lesson.name);
                let exercises: Vec<Json> = lesson
                    .exercises
                    .iter()
                    .map(|exercise| {
                        json!({
                            "id": exercise.id,
                            "lesson": lesson.number,
                            "question": exercise.question,
                            "columns": exercise.columns,
                            "yes_no": matches!(exercise.expected, Expected::YesNo(_)),
                            "has_hint": exercise.hint.is_some(),
                        })
                    })
                    .collect();
                json!({
                    "lesson": lesson.number,
                    "name": file_name,
                    "title": lesson_title(&lesson.text, file_name),
                    "exercises": exercises,
                })
            })
            .collect(),
    )
}

/// The session's predicates: `name`, `arity`, `signature`, `description`,
/// `kind` (`base` or `derived`), `tuples`; and `text`, the schema as
/// `:schema` prints it.
pub(super) fn schema_to_json(session: &Session) -> Json {
    let Some(program) = session.program() else {
        return json!({ "predicates": [], "text": "" });
    };
    let all: Vec<PredId> = (0..program.predicates.len() as u32).map(PredId).collect();
    let tuples: Option<Vec<usize>> = session.database().map(|database| {
        all.iter()
            .map(|&predicate| database.relation(predicate).len())
            .collect()
    });
    let text = present::schema::render_schema(
        program,
        &all,
        &present::schema::SchemaOptions {
            sources: Some(session.sources()),
            tuples: tuples.as_deref(),
            describe: false,
        },
    );
    let predicates: Vec<Json> = all
        .iter()
        .filter(|&&predicate| program.predicate(predicate).defined)
        .map(|&predicate| predicate_to_json(program, predicate, tuples.as_deref()))
        .collect();
    json!({ "predicates": predicates, "text": text })
}

fn predicate_to_json(program: &Program, predicate_id: PredId, tuples: Option<&[usize]>) -> Json {
    let predicate = program.predicate(predicate_id);
    let derived = program
        .rules
        .iter()
        .any(|rule| rule.head.predicate == predicate_id);
    json!({
        "name": predicate.name,
        "arity": predicate.arity,
        "signature": predicate.doc.as_ref().map(|doc| doc.signature.clone()),
        "description": predicate.doc.as_ref().map(|doc| doc.description.join("\n")),
        "kind": if derived { "derived" } else { "base" },
        "tuples": tuples.and_then(|tuples| tuples.get(predicate_id.0 as usize)).copied(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_take_the_dateline_and_the_first_sentence() {
        let article = Article::new(
            "t",
            "001.txt",
            " date 2025-10-29 Talks failed. Then more.\nSecond line.",
        );
        assert_eq!(
            article_heading(&article),
            (Some("2025-10-29".to_string()), "Talks failed.".to_string())
        );
        let header = "---\ntitle: Library opens\ndate: 2026-04-02\n---\nThe library opened.";
        let parsed = Article::parse("t", "003.txt", header).expect("a header");
        assert_eq!(
            article_heading(&parsed),
            (Some("2026-04-02".to_string()), "Library opens".to_string())
        );
        let plain = Article::new("t", "002.txt", "No dateline here");
        assert_eq!(
            article_heading(&plain),
            (None, "No dateline here".to_string())
        );
    }
}
