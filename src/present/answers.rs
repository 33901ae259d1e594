//! A list of answers in the chosen format: what the REPL shows after an
//! input and what `wirelog run` prints, from the one function both call.
//!
//! Owns how several answers sit together. Tables: each under its query
//! unless the list is the answer to the one query the user just typed (it is
//! on the screen already), one blank line between tables, the time taken
//! after the last. CSV: blocks separated by a blank line. JSON: one array.
//! With explanations (`run --explain`), each table is followed by the
//! explanation of its rows and each JSON object gains `explanations`.

use std::time::Duration;

use super::{Format, TableOptions, explain, render_csv_answers, render_json, render_table};
use crate::provenance::QueryExplanation;
use crate::value::Answer;

/// When a table is headed by its query.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Headings {
    /// Always: the queries are not on the screen (`wirelog run` of a file).
    #[default]
    Always,
    /// Only when there are several: the user just typed the query (the REPL).
    WhenSeveral,
}

/// How to show a list of answers.
#[derive(Clone, Debug, Default)]
pub struct AnswersOptions<'a> {
    /// Table, CSV or JSON.
    pub format: Format,
    /// How each table is drawn and cut; its `elapsed` is ignored (see `elapsed`).
    pub table: TableOptions,
    /// When tables are headed by their query.
    pub headings: Headings,
    /// Time taken, shown after the last table's row count.
    pub elapsed: Option<Duration>,
    /// The explanation of each answer's rows, aligned with the answers.
    pub explanations: Option<&'a [QueryExplanation]>,
}

/// Renders `answers` as `options` say; the text ends with a newline unless empty.
///
/// ```
/// use wirelog::present::{AnswersOptions, Headings, render_answers};
/// use wirelog::value::{Answer, Value};
/// let answer = Answer {
///     query: "?- p(X).".into(),
///     columns: vec!["X".into()],
///     rows: vec![vec![Value::Integer(1)]],
/// };
/// let typed = AnswersOptions { headings: Headings::WhenSeveral, ..AnswersOptions::default() };
/// assert!(!render_answers(&[answer.clone()], &typed).contains("?- p(X)."));
/// assert!(render_answers(&[answer], &AnswersOptions::default()).starts_with("?- p(X).\n"));
/// ```
pub fn render_answers(answers: &[Answer], options: &AnswersOptions<'_>) -> String {
    match options.format {
        Format::Json => match options.explanations {
            Some(explanations) => explain::render_json_with_explanations(answers, explanations),
            None => render_json(answers),
        },
        Format::Csv => render_csv_answers(answers),
        Format::Table => {
            let headed = match options.headings {
                Headings::Always => true,
                Headings::WhenSeveral => answers.len() > 1,
            };
            let tables: Vec<String> = answers
                .iter()
                .enumerate()
                .map(|(index, answer)| {
                    let last = index + 1 == answers.len();
                    let table_options = TableOptions {
                        elapsed: if last { options.elapsed } else { None },
                        ..options.table.clone()
                    };
                    let mut text = String::new();
                    if headed {
                        text.push_str(&answer.query);
                        text.push('\n');
                    }
                    text.push_str(&render_table(answer, &table_options));
                    if let Some(explanation) = options
                        .explanations
                        .and_then(|explanations| explanations.get(index))
                    {
                        text.push_str(&explain::render_explanations_text(answer, explanation));
                    }
                    text
                })
                .collect();
            tables.join("\n")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Value;

    fn answer(query: &str, value: i64) -> Answer {
        Answer {
            query: query.to_string(),
            columns: vec!["X".to_string()],
            rows: vec![vec![Value::Integer(value)]],
        }
    }

    fn check(answers: &[Answer], headings: Headings, expected: &str) {
        let options = AnswersOptions {
            headings,
            table: TableOptions {
                style: super::super::TableStyle::Plain,
                ..TableOptions::default()
            },
            ..AnswersOptions::default()
        };
        assert_eq!(render_answers(answers, &options), expected);
    }

    #[test]
    fn tables_are_headed_unless_one_was_just_typed() {
        let one = [answer("?- p(X).", 1)];
        let two = [answer("?- p(X).", 1), answer("?- q(X).", 2)];
        let plain = |value: i64| format!(" X\n---\n {value}\n1 row\n");
        check(&one, Headings::WhenSeveral, &plain(1));
        check(&one, Headings::Always, &format!("?- p(X).\n{}", plain(1)));
        let both = format!("?- p(X).\n{}\n?- q(X).\n{}", plain(1), plain(2));
        check(&two, Headings::WhenSeveral, &both);
        check(&two, Headings::Always, &both);
        check(&[], Headings::Always, "");
    }
}
