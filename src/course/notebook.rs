//! A lesson read as a notebook: its comments as prose, its clauses as code,
//! each query followed by its answer, then the exercises' questions.
//!
//! Owns cutting a lesson's text into cells ([`Notebook`], plain data) and
//! their terminal and Markdown text. The answers come from one evaluation
//! of the lesson in a fresh session (every query in file order, as
//! `wirelog run` gives them); the exercises' expected answers are never
//! shown.

use super::check::lesson_session;
use super::lesson::{Exercise, Lesson, comment_text, exercises_heading_line};
use super::render::columns_wanted;
use crate::present::{TableOptions, TableStyle, plural, render_table};
use crate::session::{Rejected, Session, SessionOptions};
use crate::syntax::ast::Item;
use crate::value::Answer;
use std::fmt::Write as _;

/// One cell of a notebook.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    /// Comment lines, without their `%`, lines kept as written.
    Prose(String),
    /// Clauses, includes or a query, as written.
    Code(String),
    /// The answer to the query of the cell before.
    Answer(Answer),
    /// The lesson's exercises (questions only).
    Exercises(Vec<Exercise>),
}

/// A lesson with its answers in place.
#[derive(Clone, Debug, PartialEq)]
pub struct Notebook {
    /// The lesson's title.
    pub title: String,
    /// The lesson's name (file).
    pub name: String,
    /// The cells in reading order.
    pub cells: Vec<Cell>,
}

/// Evaluates the lesson and cuts it into cells. `Err` holds the session
/// (for rendering) and why the lesson was rejected.
pub fn notebook(
    lesson: &Lesson,
    options: SessionOptions,
) -> Result<Notebook, Box<(Session, Rejected)>> {
    let mut session = lesson_session(lesson, options)?;
    let answers = match session.answers() {
        Ok(answers) => answers,
        Err(rejected) => return Err(Box::new((session, rejected))),
    };
    let Some(source) = session
        .units()
        .iter()
        .find(|unit| session.sources().name(unit.source) == lesson.name)
        .map(|unit| unit.source)
    else {
        return Ok(Notebook {
            title: lesson.title.clone(),
            name: lesson.name.clone(),
            cells: Vec::new(),
        });
    };
    // The model's queries and the answers are in the same order; keep the
    // lesson's own, by where they start in its text.
    let mut answer_at: Vec<(usize, Answer)> = session
        .program()
        .map(|program| {
            program
                .queries
                .iter()
                .zip(answers)
                .filter(|(query, _)| query.span.source == source)
                .map(|(query, answer)| (query.span.start as usize, answer))
                .collect()
        })
        .unwrap_or_default();
    answer_at.reverse();
    let items: Vec<(usize, usize, bool)> = session
        .units()
        .iter()
        .filter(|unit| unit.source == source)
        .flat_map(|unit| &unit.program.items)
        .filter_map(|item| match item {
            Item::Query(query) => Some((query.span, true)),
            Item::Doc(_) => None,
            other => Some((other.span(), false)),
        })
        .map(|(span, is_query)| (span.start as usize, span.end as usize, is_query))
        .collect();
    Ok(Notebook {
        title: lesson.title.clone(),
        name: lesson.name.clone(),
        cells: cut_cells(lesson, &items, &mut answer_at),
    })
}

/// Cells from the lesson text and its items' byte ranges.
fn cut_cells(
    lesson: &Lesson,
    items: &[(usize, usize, bool)],
    answer_at: &mut Vec<(usize, Answer)>,
) -> Vec<Cell> {
    let text = lesson.text.as_str();
    // The exercise block is shown as questions, not as comments.
    let end = exercises_heading_line(text)
        .map(|line| {
            text.split_inclusive('\n')
                .take(line - 1)
                .map(str::len)
                .sum()
        })
        .unwrap_or(text.len());
    let mut cells: Vec<Cell> = Vec::new();
    let mut cursor = 0;
    for &(start, stop, is_query) in items {
        // The spans come from parsing this very text; `get` keeps a span
        // that does not fit (it cannot happen) from ever panicking.
        let (Some(gap), Some(code)) = (text.get(cursor..start), text.get(start..stop)) else {
            continue;
        };
        if stop > end {
            continue;
        }
        push_prose(&mut cells, gap);
        let code = code.trim();
        match cells.last_mut() {
            Some(Cell::Code(previous)) if !gap_has_blank_line(gap) => {
                previous.push('\n');
                previous.push_str(code);
            }
            _ => cells.push(Cell::Code(code.to_string())),
        }
        cursor = stop;
        if is_query && let Some((_, answer)) = answer_at.pop_if(|(at, _)| *at == start) {
            cells.push(Cell::Answer(answer));
        }
    }
    push_prose(
        &mut cells,
        text.get(cursor.min(end)..end).unwrap_or_default(),
    );
    if !lesson.exercises.is_empty() {
        cells.push(Cell::Exercises(lesson.exercises.clone()));
    }
    cells
}

/// True when the text between two items separates them: a blank line or a comment.
fn gap_has_blank_line(gap: &str) -> bool {
    gap.matches('\n').count() >= 2 || gap.contains('%')
}

/// Adds the comment lines of `gap` as prose cells, one per paragraph group.
fn push_prose(cells: &mut Vec<Cell>, gap: &str) {
    let mut paragraph: Vec<&str> = Vec::new();
    for line in gap.lines() {
        match comment_text(line) {
            Some(content) => paragraph.push(content.trim_end()),
            None if line.trim().is_empty() => flush(cells, &mut paragraph),
            None => {}
        }
    }
    flush(cells, &mut paragraph);
}

fn flush(cells: &mut Vec<Cell>, paragraph: &mut Vec<&str>) {
    while paragraph.last().is_some_and(|line| line.is_empty()) {
        paragraph.pop();
    }
    let start = paragraph.iter().take_while(|line| line.is_empty()).count();
    if start < paragraph.len() {
        cells.push(Cell::Prose(paragraph[start..].join("\n")));
    }
    paragraph.clear();
}

/// The notebook for a terminal: prose as it is, code indented with `│`,
/// answers as tables (at most `max_rows` rows each).
pub fn render_notebook_text(notebook: &Notebook, max_rows: Option<usize>) -> String {
    let mut text = format!(
        "{}\n{}\n",
        notebook.title,
        "=".repeat(notebook.title.chars().count())
    );
    let mut title_seen = false;
    for cell in &notebook.cells {
        text.push('\n');
        match cell {
            Cell::Prose(prose) => {
                let body = without_title(prose, &notebook.title, &mut title_seen);
                if body.is_empty() {
                    text.pop();
                    continue;
                }
                text.push_str(body);
                text.push('\n');
            }
            Cell::Code(code) => {
                for line in code.lines() {
                    let _ = writeln!(text, "  │ {line}");
                }
            }
            Cell::Answer(answer) => {
                text.push_str(&render_table(
                    answer,
                    &TableOptions {
                        style: TableStyle::Box,
                        max_rows,
                        ..TableOptions::default()
                    },
                ));
            }
            Cell::Exercises(exercises) => {
                text.push_str("Exercises\n");
                for exercise in exercises {
                    let _ = writeln!(
                        text,
                        "  {:<5} {} {}",
                        exercise.id,
                        exercise.question,
                        columns_wanted(exercise)
                    );
                }
                let _ = writeln!(
                    text,
                    "Check an answer with `wirelog exercise ID 'QUERY'`, or `:check ID QUERY` in the REPL."
                );
            }
        }
    }
    text
}

/// The notebook as Markdown: a title, prose paragraphs, code in fenced
/// blocks, answers as tables, the exercises as a list.
pub fn render_notebook_markdown(notebook: &Notebook) -> String {
    let mut text = format!("# {}\n", notebook.title);
    let mut title_seen = false;
    for cell in &notebook.cells {
        text.push('\n');
        match cell {
            Cell::Prose(prose) => {
                let body = without_title(prose, &notebook.title, &mut title_seen);
                if body.is_empty() {
                    text.pop();
                    continue;
                }
                text.push_str(&markdown_prose(body));
            }
            Cell::Code(code) => {
                let _ = writeln!(text, "```prolog\n{code}\n```");
            }
            Cell::Answer(answer) => text.push_str(&markdown_table(answer)),
            Cell::Exercises(exercises) => {
                text.push_str("## Exercises\n\n");
                for exercise in exercises {
                    let _ = writeln!(
                        text,
                        "- **{}** {} *{}*",
                        exercise.id,
                        markdown_escape(&exercise.question),
                        columns_wanted(exercise)
                    );
                }
                text.push_str(
                    "\nCheck an answer with `wirelog exercise ID 'QUERY'`, or `:check ID QUERY` in the REPL.\n",
                );
            }
        }
    }
    text
}

/// The prose without the title line the first time the title is met (the
/// notebook's heading shows it already); empty when nothing else is left.
fn without_title<'p>(prose: &'p str, title: &str, title_seen: &mut bool) -> &'p str {
    if *title_seen || prose.lines().next() != Some(title) {
        return prose;
    }
    *title_seen = true;
    let rest = prose.split_once('\n').map_or("", |(_, rest)| rest);
    let rest = rest.trim_start_matches('\n');
    if rest.trim().is_empty() { "" } else { rest }
}

/// Prose lines as Markdown: indented lines (code inside a comment) become
/// a code block, the rest stays as written with special characters escaped.
fn markdown_prose(prose: &str) -> String {
    let mut text = String::new();
    let mut in_code = false;
    for line in prose.lines() {
        let is_code = line.starts_with("    ");
        if is_code && !in_code {
            if !text.is_empty() && !text.ends_with("\n\n") {
                text.push('\n');
            }
            // Indented lines in a comment may be rules or a shell command: no language.
            text.push_str("```\n");
            in_code = true;
        } else if !is_code && in_code && !line.is_empty() {
            while text.ends_with("\n\n") {
                text.pop();
            }
            text.push_str("```\n\n");
            in_code = false;
        }
        if in_code {
            let _ = writeln!(text, "{}", line.strip_prefix("    ").unwrap_or(line));
        } else {
            let _ = writeln!(text, "{}", markdown_escape(line));
        }
    }
    if in_code {
        while text.ends_with("\n\n") {
            text.pop();
        }
        text.push_str("```\n");
    }
    text
}

/// Escapes what Markdown would read as markup in the lessons' prose.
fn markdown_escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    let mut previous = ' ';
    let mut in_code = false;
    for character in text.chars() {
        // The lessons mark code with backticks, as Markdown does: kept as written.
        if character == '`' {
            in_code = !in_code;
        }
        // An underscore inside a word (`leads_to`) is not emphasis in CommonMark.
        let intraword_underscore = character == '_' && previous.is_alphanumeric();
        if !in_code
            && matches!(
                character,
                '*' | '_' | '|' | '<' | '>' | '[' | ']' | '\\' | '#'
            )
            && !intraword_underscore
        {
            escaped.push('\\');
        }
        escaped.push(character);
        previous = character;
    }
    escaped
}

/// An answer as a Markdown table with its row count.
fn markdown_table(answer: &Answer) -> String {
    if answer.columns.is_empty() {
        return if answer.rows.is_empty() {
            "**no**\n".to_string()
        } else {
            "**yes**\n".to_string()
        };
    }
    let mut text = format!("| {} |\n", answer.columns.join(" | "));
    let _ = writeln!(text, "|{}", "---|".repeat(answer.columns.len()));
    for row in &answer.rows {
        let cells: Vec<String> = row
            .iter()
            .map(|value| value.to_string().replace('|', "\\|"))
            .collect();
        let _ = writeln!(text, "| {} |", cells.join(" | "));
    }
    let _ = writeln!(text, "\n*{}*", plural(answer.rows.len(), "row", "rows"));
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_escapes_markup_but_not_code_or_words() {
        assert_eq!(
            markdown_escape("leads_to/2 and _Who"),
            "leads_to/2 and \\_Who"
        );
        assert_eq!(markdown_escape("`not p(_X)` *x*"), "`not p(_X)` \\*x\\*");
        assert_eq!(markdown_escape("a | b <c>"), "a \\| b \\<c\\>");
    }

    #[test]
    fn comments_become_prose_and_adjacent_clauses_one_cell() {
        let lesson = Lesson::parse(
            "01_x.dl",
            "% Lesson 1\n%\n% Some text\n% more.\np(a).\np(b).\n\n% Next.\n?- p(X).\n",
        )
        .unwrap();
        let text = &lesson.text;
        let span = |needle: &str| {
            let start = text.find(needle).unwrap();
            (start, start + needle.len())
        };
        let items = [
            (span("p(a).").0, span("p(a).").1, false),
            (span("p(b).").0, span("p(b).").1, false),
            (span("?- p(X).").0, span("?- p(X).").1, true),
        ];
        let answer = Answer {
            query: "?- p(X).".into(),
            columns: vec!["X".into()],
            rows: Vec::new(),
        };
        let mut answers = vec![(items[2].0, answer.clone())];
        assert_eq!(
            cut_cells(&lesson, &items, &mut answers),
            vec![
                // A `%` line alone separates paragraphs within one cell.
                Cell::Prose("Lesson 1\n\nSome text\nmore.".into()),
                Cell::Code("p(a).\np(b).".into()),
                Cell::Prose("Next.".into()),
                Cell::Code("?- p(X).".into()),
                Cell::Answer(answer),
            ]
        );
    }
}
