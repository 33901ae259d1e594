//! Checking a student's answer to an exercise.
//!
//! Owns the comparison of answer *sets*: by value, never by variable name,
//! columns in the order the question asks for them, and the teacher's
//! diagnosis when they differ (rows missing or extra, the right rows with
//! the columns in another order or with columns too many, a yes/no question
//! asked with variables). The answer is evaluated in a fresh session of the
//! lesson, so what a student typed before never changes the verdict.
//! Returns data ([`Verdict`]); `render` turns it into text.

use super::lesson::{Exercise, Expected, Lesson};
use crate::diagnostic::{Code, Diagnostic};
use crate::session::{ProgramSource, Rejected, Session, SessionOptions};
use crate::value::{Answer, Value};
use serde::Serialize;
use std::path::Path;

/// Rows listed as missing or extra at most; the verdict counts the rest.
pub const MAX_LISTED_ROWS: usize = 5;

/// Widest answer whose column orders are all tried (6! = 720 orders).
const MAX_PERMUTED_COLUMNS: usize = 6;

/// Longest answer whose column orders are tried: each order projects every
/// row, so a huge answer is only compared as it is.
const MAX_PERMUTED_ROWS: usize = 20_000;

/// How an answer compares with the expected one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Diagnosis {
    /// The same set of rows (or the same yes/no).
    Right,
    /// Yes where no is expected, or no where yes is.
    WrongYesNo {
        /// What the query answered.
        answered: bool,
    },
    /// The question asks yes or no, and the query has columns.
    YesNoWithColumns {
        /// The query's columns.
        columns: Vec<String>,
        /// True when the query has rows (it would mean yes).
        has_rows: bool,
    },
    /// The question asks for columns and the query has none.
    ColumnsMissing,
    /// The right rows, with the columns in another order.
    ColumnOrder {
        /// The query's columns, in the order that gives the expected rows.
        reordered: Vec<String>,
    },
    /// The right rows within more columns than asked for.
    ColumnsExtra {
        /// The query's columns that give the expected rows, in order.
        keep: Vec<String>,
    },
    /// A different number of columns than asked for.
    ColumnCount {
        /// Columns of the query.
        given: usize,
    },
    /// Same columns, different rows.
    Rows,
}

/// The verdict on one answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Verdict {
    /// The exercise, e.g. `3.1`.
    pub exercise: String,
    /// True when the answer is right.
    pub correct: bool,
    /// What differs, if anything.
    pub diagnosis: Diagnosis,
    /// The columns the question asks for.
    pub expected_columns: Vec<String>,
    /// The columns of the student's query.
    pub given_columns: Vec<String>,
    /// Number of rows expected and given.
    pub n_expected: usize,
    /// Number of rows the query gave.
    pub n_given: usize,
    /// Expected rows the answer lacks (at most [`MAX_LISTED_ROWS`]).
    pub missing: Vec<Vec<Value>>,
    /// All expected rows the answer lacks.
    pub n_missing: usize,
    /// Rows the answer has that are not expected (at most [`MAX_LISTED_ROWS`]).
    pub extra: Vec<Vec<Value>>,
    /// All rows the answer has that are not expected.
    pub n_extra: usize,
    /// The exercise's hint, after a wrong answer.
    pub hint: Option<String>,
}

/// A fresh session holding the lesson (and, through its includes, the
/// knowledge base); `Err` holds the session, for rendering, and why.
pub fn lesson_session(
    lesson: &Lesson,
    options: SessionOptions,
) -> Result<Session, Box<(Session, Rejected)>> {
    let mut session = Session::new(options);
    // A lesson read from a file is loaded as that file, so its `#include`s
    // and `#articles` resolve next to it. A bundled lesson not found as a
    // file is loaded from the binary, with the article folders bundled
    // beside it (its `#include <news>.` needs no file); another text (a
    // file that changed since) as typed text, relative to the current folder.
    let path = Path::new(&lesson.name);
    let source = match std::fs::read_to_string(path) {
        Ok(text) if text == lesson.text => ProgramSource::File(path.to_path_buf()),
        _ if super::is_bundled(lesson) => ProgramSource::BundledText {
            name: lesson.name.clone(),
            text: lesson.text.clone(),
        },
        _ => ProgramSource::Text {
            name: lesson.name.clone(),
            text: lesson.text.clone(),
        },
    };
    match session.load_program(&[source]) {
        Ok(_) => Ok(session),
        Err(rejected) => Err(Box::new((session, rejected))),
    }
}

/// The text a student typed as an input: clauses and one query; a bare
/// conjunction such as `within(P, pakistan)` is taken as the query.
pub fn answer_text(text: &str) -> String {
    let trimmed = text.trim();
    if trimmed.contains("?-") || trimmed.contains(":-") {
        // A command line often loses the final `.`: the last query needs it.
        return match trimmed.ends_with('.') {
            true => trimmed.to_string(),
            false => format!("{trimmed}."),
        };
    }
    let body = trimmed.strip_suffix('.').unwrap_or(trimmed);
    format!("?- {body}.")
}

/// Answers `text` (clauses, then one query) in `session`, which should be
/// fresh from [`lesson_session`]: the clauses join it.
pub fn answer(session: &mut Session, text: &str) -> Result<Answer, Rejected> {
    let accepted = session.load_named_text("<answer>", &answer_text(text))?;
    let n_answers = accepted.answers.len();
    match <[Answer; 1]>::try_from(accepted.answers) {
        Ok([answer]) => Ok(answer),
        Err(_) => Err(Rejected {
            diagnostics: vec![Diagnostic::error_without_span(
                Code::E412,
                if n_answers == 0 {
                    "an answer needs one query such as `?- p(X).`".to_string()
                } else {
                    format!("an answer has one query; this text has {n_answers}")
                },
            )],
        }),
    }
}

/// Checks a student's `text` against `exercise`, in a fresh session of
/// `lesson`. `Err` holds the session (whose sources the diagnostics point
/// into) and why the text was rejected.
pub fn check_answer(
    lesson: &Lesson,
    exercise: &Exercise,
    text: &str,
    options: SessionOptions,
) -> Result<Verdict, Box<(Session, Rejected)>> {
    let mut session = lesson_session(lesson, options)?;
    match answer(&mut session, text) {
        Ok(given) => Ok(compare(exercise, &given)),
        Err(rejected) => Err(Box::new((session, rejected))),
    }
}

/// Compares an answer with what the exercise expects.
pub fn compare(exercise: &Exercise, given: &Answer) -> Verdict {
    let mut rows: Vec<Vec<Value>> = given.rows.clone();
    rows.sort();
    rows.dedup();
    let mut verdict = Verdict {
        exercise: exercise.id.clone(),
        correct: false,
        diagnosis: Diagnosis::Rows,
        expected_columns: exercise.columns.clone(),
        given_columns: given.columns.clone(),
        n_expected: 0,
        n_given: rows.len(),
        missing: Vec::new(),
        n_missing: 0,
        extra: Vec::new(),
        n_extra: 0,
        hint: None,
    };
    let expected_rows = match &exercise.expected {
        Expected::YesNo(expected) => {
            verdict.n_expected = usize::from(*expected);
            let answered = !rows.is_empty();
            verdict.diagnosis = if !given.columns.is_empty() {
                Diagnosis::YesNoWithColumns {
                    columns: given.columns.clone(),
                    has_rows: answered,
                }
            } else if answered == *expected {
                Diagnosis::Right
            } else {
                Diagnosis::WrongYesNo { answered }
            };
            return finish(verdict, exercise);
        }
        Expected::Rows(expected_rows) => expected_rows,
    };
    verdict.n_expected = expected_rows.len();
    let width = exercise.columns.len();
    if given.columns.is_empty() {
        verdict.diagnosis = Diagnosis::ColumnsMissing;
        return finish(verdict, exercise);
    }
    if given.columns.len() == width {
        list_differences(&mut verdict, expected_rows, &rows);
        verdict.diagnosis = if verdict.n_missing == 0 && verdict.n_extra == 0 {
            Diagnosis::Right
        } else if let Some(order) = matching_selection(expected_rows, &rows, width) {
            Diagnosis::ColumnOrder {
                reordered: order.iter().map(|&i| given.columns[i].clone()).collect(),
            }
        } else {
            Diagnosis::Rows
        };
        return finish(verdict, exercise);
    }
    verdict.diagnosis = match (given.columns.len() > width)
        .then(|| matching_selection(expected_rows, &rows, width))
        .flatten()
    {
        Some(keep) => Diagnosis::ColumnsExtra {
            keep: keep.iter().map(|&i| given.columns[i].clone()).collect(),
        },
        None => Diagnosis::ColumnCount {
            given: given.columns.len(),
        },
    };
    finish(verdict, exercise)
}

fn finish(mut verdict: Verdict, exercise: &Exercise) -> Verdict {
    verdict.correct = verdict.diagnosis == Diagnosis::Right;
    if !verdict.correct {
        verdict.hint = exercise.hint.clone();
    }
    verdict
}

/// Fills the missing and extra rows of two sorted, distinct row lists.
fn list_differences(verdict: &mut Verdict, expected: &[Vec<Value>], given: &[Vec<Value>]) {
    let missing: Vec<&Vec<Value>> = expected
        .iter()
        .filter(|row| given.binary_search(row).is_err())
        .collect();
    let extra: Vec<&Vec<Value>> = given
        .iter()
        .filter(|row| expected.binary_search(row).is_err())
        .collect();
    verdict.n_missing = missing.len();
    verdict.n_extra = extra.len();
    verdict.missing = missing.into_iter().take(MAX_LISTED_ROWS).cloned().collect();
    verdict.extra = extra.into_iter().take(MAX_LISTED_ROWS).cloned().collect();
}

/// A choice of `width` distinct columns of `given` (in an order) whose
/// projection is exactly the expected set, other than the identity; `None`
/// when there is none or the answer is too wide to try every choice.
fn matching_selection(
    expected: &[Vec<Value>],
    given: &[Vec<Value>],
    width: usize,
) -> Option<Vec<usize>> {
    let n_columns = given.first().map_or(0, Vec::len);
    if n_columns > MAX_PERMUTED_COLUMNS
        || n_columns < width
        || given.is_empty()
        || given.len() > MAX_PERMUTED_ROWS
    {
        return None;
    }
    let identity: Vec<usize> = (0..width).collect();
    let mut choice = Vec::with_capacity(width);
    let mut found = None;
    try_selections(n_columns, width, &mut choice, &mut |selection| {
        if n_columns == width && selection == identity.as_slice() {
            return false;
        }
        let mut projected: Vec<Vec<Value>> = given
            .iter()
            .map(|row| selection.iter().map(|&i| row[i].clone()).collect())
            .collect();
        projected.sort();
        projected.dedup();
        if projected == expected {
            found = Some(selection.to_vec());
            return true;
        }
        false
    });
    found
}

/// Calls `visit` with every ordered choice of `width` distinct columns out
/// of `n_columns`, until it returns true.
fn try_selections(
    n_columns: usize,
    width: usize,
    choice: &mut Vec<usize>,
    visit: &mut dyn FnMut(&[usize]) -> bool,
) -> bool {
    if choice.len() == width {
        return visit(choice);
    }
    for column in 0..n_columns {
        if choice.contains(&column) {
            continue;
        }
        choice.push(column);
        if try_selections(n_columns, width, choice, visit) {
            return true;
        }
        choice.pop();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn symbol(text: &str) -> Value {
        Value::Symbol(text.into())
    }

    fn exercise(columns: &[&str], expected: Expected) -> Exercise {
        Exercise {
            id: "1.1".into(),
            question: "Q?".into(),
            columns: columns.iter().map(|c| c.to_string()).collect(),
            reference: "?- p(X).".into(),
            expected,
            hint: Some("look again".into()),
            line: 1,
        }
    }

    fn answer(columns: &[&str], rows: &[&[&str]]) -> Answer {
        Answer {
            query: "?- q.".into(),
            columns: columns.iter().map(|c| c.to_string()).collect(),
            rows: rows
                .iter()
                .map(|row| row.iter().map(|value| symbol(value)).collect())
                .collect(),
        }
    }

    fn pairs() -> Expected {
        Expected::Rows(vec![
            vec![symbol("a"), symbol("x")],
            vec![symbol("b"), symbol("y")],
        ])
    }

    #[test]
    fn the_same_set_is_right_whatever_the_variable_names() {
        let verdict = compare(
            &exercise(&["P", "Q"], pairs()),
            &answer(&["Left", "Right"], &[&["b", "y"], &["a", "x"]]),
        );
        assert!(verdict.correct);
        assert_eq!(verdict.hint, None);
    }

    #[test]
    fn missing_and_extra_rows_are_listed() {
        let verdict = compare(
            &exercise(&["P", "Q"], pairs()),
            &answer(&["P", "Q"], &[&["a", "x"], &["c", "z"]]),
        );
        assert!(!verdict.correct);
        assert_eq!(verdict.diagnosis, Diagnosis::Rows);
        assert_eq!(verdict.missing, vec![vec![symbol("b"), symbol("y")]]);
        assert_eq!(verdict.extra, vec![vec![symbol("c"), symbol("z")]]);
        assert_eq!(verdict.hint.as_deref(), Some("look again"));
    }

    #[test]
    fn columns_in_another_order_are_recognised() {
        let verdict = compare(
            &exercise(&["P", "Q"], pairs()),
            &answer(&["Q", "P"], &[&["x", "a"], &["y", "b"]]),
        );
        assert_eq!(
            verdict.diagnosis,
            Diagnosis::ColumnOrder {
                reordered: vec!["P".into(), "Q".into()]
            }
        );
    }

    #[test]
    fn extra_columns_are_recognised() {
        let verdict = compare(
            &exercise(&["P", "Q"], pairs()),
            &answer(&["Q", "Z", "P"], &[&["x", "1", "a"], &["y", "2", "b"]]),
        );
        assert_eq!(
            verdict.diagnosis,
            Diagnosis::ColumnsExtra {
                keep: vec!["P".into(), "Q".into()]
            }
        );
        let verdict = compare(
            &exercise(&["P", "Q"], pairs()),
            &answer(&["P"], &[&["a"], &["b"]]),
        );
        assert_eq!(verdict.diagnosis, Diagnosis::ColumnCount { given: 1 });
    }

    #[test]
    fn yes_no_questions() {
        let yes = exercise(&[], Expected::YesNo(true));
        assert!(compare(&yes, &answer(&[], &[&[]])).correct);
        assert_eq!(
            compare(&yes, &answer(&[], &[])).diagnosis,
            Diagnosis::WrongYesNo { answered: false }
        );
        assert_eq!(
            compare(&yes, &answer(&["X"], &[&["a"]])).diagnosis,
            Diagnosis::YesNoWithColumns {
                columns: vec!["X".into()],
                has_rows: true
            }
        );
        let rows = exercise(&["P"], Expected::Rows(Vec::new()));
        assert!(compare(&rows, &answer(&["X"], &[])).correct);
        assert_eq!(
            compare(&rows, &answer(&[], &[&[]])).diagnosis,
            Diagnosis::ColumnsMissing
        );
    }

    #[test]
    fn bare_conjunctions_become_queries() {
        assert_eq!(answer_text("p(X), q(X)"), "?- p(X), q(X).");
        assert_eq!(answer_text(" p(X). "), "?- p(X).");
        assert_eq!(answer_text("?- p(X)."), "?- p(X).");
        assert_eq!(answer_text("?- p(X)"), "?- p(X).");
        assert_eq!(
            answer_text("r(X) :- p(X). ?- r(X)."),
            "r(X) :- p(X). ?- r(X)."
        );
    }
}
