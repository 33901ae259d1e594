//! The course as text: lists of exercises, one exercise, and a verdict as a
//! teacher would say it.
//!
//! Renders only what [`super::check`] and [`super::lesson`] computed; it
//! evaluates nothing. The web view renders the same data its own way.

use super::check::{Diagnosis, Verdict};
use super::lesson::{Exercise, Expected, Lesson};
use crate::present::plural;
use crate::value::Value;
use std::fmt::Write as _;

/// One line per exercise of each lesson, under the lesson's title.
pub fn render_exercise_list(lessons: &[&Lesson]) -> String {
    let mut text = String::new();
    for (index, lesson) in lessons.iter().enumerate() {
        if index > 0 {
            text.push('\n');
        }
        let _ = writeln!(text, "{} ({})", lesson.title, lesson.name);
        if lesson.exercises.is_empty() {
            text.push_str("  (no exercises)\n");
        }
        for exercise in &lesson.exercises {
            let _ = writeln!(
                text,
                "  {:<5} {} {}",
                exercise.id,
                exercise.question,
                columns_wanted(exercise)
            );
        }
    }
    text
}

/// `(Place, Date)`, or `(yes/no)`.
pub fn columns_wanted(exercise: &Exercise) -> String {
    if exercise.columns.is_empty() {
        "(yes/no)".to_string()
    } else {
        format!("({})", exercise.columns.join(", "))
    }
}

/// One exercise: its question and the form of the answer asked for.
pub fn render_exercise(lesson: &Lesson, exercise: &Exercise) -> String {
    let mut text = format!(
        "Exercise {} ({})\n{}\n",
        exercise.id, lesson.title, exercise.question
    );
    if exercise.columns.is_empty() {
        text.push_str("A yes/no question: ask it with constants only, no variables.\n");
    } else {
        let _ = writeln!(
            text,
            "Answer with {}: {}, in this order.",
            plural(exercise.columns.len(), "column", "columns"),
            exercise.columns.join(", ")
        );
    }
    text
}

/// The expected answer of an exercise (for a teacher, or after giving up).
pub fn render_expected(exercise: &Exercise) -> String {
    match &exercise.expected {
        Expected::YesNo(true) => "yes\n".to_string(),
        Expected::YesNo(false) => "no\n".to_string(),
        Expected::Rows(rows) if rows.is_empty() => "no rows\n".to_string(),
        Expected::Rows(rows) => rows.iter().map(|row| row_text(row) + "\n").collect(),
    }
}

/// A row as the checker lists it: one value bare, several in parentheses.
pub fn row_text(row: &[Value]) -> String {
    let values: Vec<String> = row.iter().map(Value::to_string).collect();
    if values.len() == 1 {
        values.join("")
    } else {
        format!("({})", values.join(", "))
    }
}

/// What the teacher says about an answer.
pub fn render_verdict(verdict: &Verdict) -> String {
    let asked = verdict.expected_columns.join(", ");
    let given = verdict.given_columns.join(", ");
    let mut text = match &verdict.diagnosis {
        Diagnosis::Right => match verdict.expected_columns.is_empty() {
            true if verdict.n_expected > 0 => format!("right ({}): yes\n", verdict.exercise),
            true => format!("right ({}): no\n", verdict.exercise),
            false if verdict.n_expected == 0 => format!(
                "right ({}): no rows, as expected; an empty answer is an answer too\n",
                verdict.exercise
            ),
            false => format!(
                "right ({}): {}, as expected\n",
                verdict.exercise,
                plural(verdict.n_expected, "row", "rows")
            ),
        },
        Diagnosis::WrongYesNo { answered } => format!(
            "not yet ({}): your query answers {}, and that is not the answer\n",
            verdict.exercise,
            if *answered { "yes" } else { "no" }
        ),
        Diagnosis::YesNoWithColumns { columns, has_rows } => format!(
            "not yet ({}): this is a yes/no question, but your query has {} ({}); \
             ask it with constants only (as written it has {})\n",
            verdict.exercise,
            plural(columns.len(), "column", "columns"),
            columns.join(", "),
            if *has_rows { "rows" } else { "no rows" }
        ),
        Diagnosis::ColumnsMissing => format!(
            "not yet ({}): the question asks for {} ({asked}), but your query has none: \
             put a variable where each value asked for goes\n",
            verdict.exercise,
            plural(verdict.expected_columns.len(), "column", "columns"),
        ),
        Diagnosis::ColumnOrder { reordered } => format!(
            "almost ({}): the right rows, with the columns in another order: \
             the question asks for ({asked}), that is your ({}), and your query shows ({given}); \
             columns are the variables in the order they first appear\n",
            verdict.exercise,
            reordered.join(", ")
        ),
        Diagnosis::ColumnsExtra { keep } => format!(
            "almost ({}): the right rows are there, but your query shows more columns ({given}) \
             than the question asks for ({asked}); keep only ({}) and write the others as `_` \
             or with a leading underscore (`_Name`), which hides them\n",
            verdict.exercise,
            keep.join(", ")
        ),
        Diagnosis::ColumnCount { given: n_given } => format!(
            "not yet ({}): the question asks for {} ({asked}); your query has {} ({given})\n",
            verdict.exercise,
            plural(verdict.expected_columns.len(), "column", "columns"),
            plural(*n_given, "column", "columns"),
        ),
        Diagnosis::Rows => format!(
            "not yet ({}): your query gives {}; {} expected\n",
            verdict.exercise,
            plural(verdict.n_given, "row", "rows"),
            match verdict.n_expected {
                0 => "no rows are".to_string(),
                1 => "1 row is".to_string(),
                n => format!("{n} rows are"),
            }
        ),
    };
    if verdict.diagnosis == Diagnosis::Rows {
        list_rows(&mut text, "missing", &verdict.missing, verdict.n_missing);
        list_rows(&mut text, "extra", &verdict.extra, verdict.n_extra);
    }
    if let Some(hint) = &verdict.hint {
        let _ = writeln!(text, "  hint: {hint}");
    }
    text
}

fn list_rows(text: &mut String, label: &str, rows: &[Vec<Value>], total: usize) {
    if total == 0 {
        return;
    }
    let listed: Vec<String> = rows.iter().map(|row| row_text(row)).collect();
    let _ = write!(text, "  {label} ({total}): {}", listed.join("; "));
    if total > rows.len() {
        let _ = write!(text, "; … and {} more", total - rows.len());
    }
    text.push('\n');
}
