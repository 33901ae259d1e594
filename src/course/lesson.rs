//! A lesson file and the exercises written at its end.
//!
//! Owns the exercise format: after a comment line `% Exercises`, each
//! exercise is a block of `%` comment lines (see docs/course.md):
//!
//! ```text
//! % 3.1 Which places lie inside Pakistan, at any level?
//! %     columns: Place
//! %     check: ?- within(P, pakistan).
//! %     expect: balochistan
//! %     expect: chaman
//! ```
//!
//! The question runs until the first keyed line; `check:` lines make the
//! reference text (rules, then one query), `expect:` lines the expected
//! answer set, one row each in Datalog syntax (`expect: yes` or `expect: no`
//! for a question without columns, `expect: no rows` for an empty set).
//! Parsing never evaluates: the golden test and [`super::check`] run the
//! reference against the knowledge base.

use crate::span::SourceId;
use crate::syntax::{ast, parser};
use crate::value::Value;

/// What an exercise expects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expected {
    /// A yes/no question: `expect: yes` or `expect: no`.
    YesNo(bool),
    /// A set of rows, each with one value per column, sorted; empty for
    /// `expect: no rows`.
    Rows(Vec<Vec<Value>>),
}

/// One exercise: a question in words, the reference, the expected answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exercise {
    /// `3.1`: lesson number, dot, exercise number.
    pub id: String,
    /// The question as the student reads it.
    pub question: String,
    /// The columns asked for, in order; empty for a yes/no question.
    pub columns: Vec<String>,
    /// The reference text: rules (if any) and one query.
    pub reference: String,
    /// The expected answer set.
    pub expected: Expected,
    /// Said after a wrong answer, when given (`hint:` lines).
    pub hint: Option<String>,
    /// The 1-based line of the lesson file where the exercise starts.
    pub line: usize,
}

/// A lesson: its file name, title, text and exercises.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lesson {
    /// The lesson's number, from its file name (`03_recursion.dl` is 3).
    pub number: u32,
    /// The file name or path it was read from, e.g. `examples/03_recursion.dl`.
    pub name: String,
    /// The first comment line, e.g. `Lesson 3 -- Recursion`.
    pub title: String,
    /// The whole text.
    pub text: String,
    /// The exercises at its end, in order.
    pub exercises: Vec<Exercise>,
}

/// A lesson whose exercise block cannot be read (a teacher's mistake).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{name}:{line}: {message}")]
pub struct LessonError {
    /// The lesson file.
    pub name: String,
    /// The 1-based line.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// The line that opens the exercise block.
const EXERCISES_HEADING: &str = "Exercises";

/// Keys of an exercise's lines.
const KEYS: &[&str] = &["columns:", "check:", "expect:", "hint:"];

impl Lesson {
    /// Reads a lesson from its text; `name` is its file name or path, whose
    /// leading digits give its number.
    pub fn parse(name: &str, text: &str) -> Result<Lesson, LessonError> {
        let error = |line: usize, message: String| LessonError {
            name: name.to_string(),
            line,
            message,
        };
        let file_name = name.rsplit(['/', '\\']).next().unwrap_or(name);
        let digits: String = file_name.chars().take_while(char::is_ascii_digit).collect();
        let number: u32 = digits.parse().map_err(|_| {
            error(
                1,
                "a lesson's file name starts with its number, e.g. `03_recursion.dl`".into(),
            )
        })?;
        let title = text
            .lines()
            .filter_map(comment_text)
            .map(str::trim)
            .find(|line| !line.is_empty())
            .unwrap_or(file_name)
            .to_string();
        let exercises =
            parse_exercises(text, number).map_err(|(line, message)| error(line, message))?;
        Ok(Lesson {
            number,
            name: name.to_string(),
            title,
            text: text.to_string(),
            exercises,
        })
    }

    /// The exercise with this id (`3.1`), if the lesson has it.
    pub fn exercise(&self, id: &str) -> Option<&Exercise> {
        self.exercises.iter().find(|exercise| exercise.id == id)
    }

    /// The 1-based line where the exercise block starts, if there is one.
    pub fn exercises_line(&self) -> Option<usize> {
        exercises_heading_line(&self.text)
    }
}

/// The text of a comment line without its `%`, or `None` for other lines
/// (`%%` documentation lines are not lesson prose either).
pub(super) fn comment_text(line: &str) -> Option<&str> {
    let trimmed = line.trim_start();
    let rest = trimmed.strip_prefix('%')?;
    if rest.starts_with('%') {
        return None;
    }
    Some(rest.strip_prefix(' ').unwrap_or(rest))
}

/// The 1-based line of `% Exercises`.
pub(super) fn exercises_heading_line(text: &str) -> Option<usize> {
    text.lines()
        .position(|line| comment_text(line).is_some_and(|rest| rest.trim() == EXERCISES_HEADING))
        .map(|index| index + 1)
}

/// An exercise being read.
struct Draft {
    id: String,
    line: usize,
    question: Vec<String>,
    columns: Option<Vec<String>>,
    check: Vec<String>,
    expect: Vec<(usize, String)>,
    hint: Vec<String>,
}

/// Reads the exercise block; errors carry a 1-based line.
fn parse_exercises(text: &str, lesson: u32) -> Result<Vec<Exercise>, (usize, String)> {
    let Some(start) = exercises_heading_line(text) else {
        return Ok(Vec::new());
    };
    let mut drafts: Vec<Draft> = Vec::new();
    for (index, line) in text.lines().enumerate().skip(start) {
        let line_number = index + 1;
        let Some(content) = comment_text(line) else {
            if line.trim().is_empty() {
                continue;
            }
            return Err((
                line_number,
                "the exercise block holds only `%` comment lines: put clauses before `% Exercises`"
                    .into(),
            ));
        };
        let content = content.trim();
        if content.is_empty() {
            continue;
        }
        if let Some((id, question)) = exercise_start(content) {
            let prefix = format!("{lesson}.");
            if !id.starts_with(&prefix) {
                return Err((
                    line_number,
                    format!("exercise `{id}` is in lesson {lesson}: number it `{lesson}.N`"),
                ));
            }
            if drafts.iter().any(|draft| draft.id == id) {
                return Err((line_number, format!("exercise `{id}` is given twice")));
            }
            drafts.push(Draft {
                id: id.to_string(),
                line: line_number,
                question: vec![question.to_string()],
                columns: None,
                check: Vec::new(),
                expect: Vec::new(),
                hint: Vec::new(),
            });
            continue;
        }
        let Some(draft) = drafts.last_mut() else {
            // Prose between the heading and the first exercise.
            continue;
        };
        match KEYS.iter().find(|key| content.starts_with(*key)) {
            Some(&key) => {
                let value = content[key.len()..].trim().to_string();
                match key {
                    "columns:" => {
                        draft.columns = Some(
                            value
                                .split(',')
                                .map(|column| column.trim().to_string())
                                .filter(|column| !column.is_empty())
                                .collect(),
                        );
                    }
                    "check:" => draft.check.push(value),
                    "expect:" => draft.expect.push((line_number, value)),
                    _ => draft.hint.push(value),
                }
            }
            None if draft.columns.is_none()
                && draft.check.is_empty()
                && draft.expect.is_empty() =>
            {
                draft.question.push(content.to_string());
            }
            None if !draft.hint.is_empty() => draft.hint.push(content.to_string()),
            None => {
                return Err((
                    line_number,
                    format!(
                        "in exercise `{}`, expected `columns:`, `check:`, `expect:` or `hint:`",
                        draft.id
                    ),
                ));
            }
        }
    }
    drafts.into_iter().map(finish_exercise).collect()
}

/// `3.1 Which ...` → (`3.1`, `Which ...`).
fn exercise_start(content: &str) -> Option<(&str, &str)> {
    let (id, rest) = content.split_once(' ')?;
    let (lesson, number) = id.split_once('.')?;
    let all_digits = |part: &str| !part.is_empty() && part.chars().all(|c| c.is_ascii_digit());
    (all_digits(lesson) && all_digits(number)).then_some((id, rest.trim()))
}

fn finish_exercise(draft: Draft) -> Result<Exercise, (usize, String)> {
    let columns = draft.columns.unwrap_or_default();
    if draft.check.is_empty() {
        return Err((
            draft.line,
            format!(
                "exercise `{}` has no `check:` (the reference query)",
                draft.id
            ),
        ));
    }
    let expected = parse_expected(&draft.id, &columns, &draft.expect, draft.line)?;
    Ok(Exercise {
        id: draft.id,
        question: draft.question.join(" "),
        columns,
        reference: draft.check.join("\n"),
        expected,
        hint: (!draft.hint.is_empty()).then(|| draft.hint.join(" ")),
        line: draft.line,
    })
}

fn parse_expected(
    id: &str,
    columns: &[String],
    expect: &[(usize, String)],
    line: usize,
) -> Result<Expected, (usize, String)> {
    if columns.is_empty() {
        return match expect {
            [(_, answer)] if answer == "yes" => Ok(Expected::YesNo(true)),
            [(_, answer)] if answer == "no" => Ok(Expected::YesNo(false)),
            _ => Err((
                line,
                format!(
                    "exercise `{id}` has no `columns:`, so it is a yes/no question: give one `expect: yes` or `expect: no`"
                ),
            )),
        };
    }
    if expect.is_empty() {
        return Err((
            line,
            format!(
                "exercise `{id}` has no `expect:` line (write `expect: no rows` for an empty answer)"
            ),
        ));
    }
    if let [(_, answer)] = expect
        && answer == "no rows"
    {
        return Ok(Expected::Rows(Vec::new()));
    }
    let mut rows = Vec::new();
    for (row_line, text) in expect {
        let row = parse_row(text).ok_or_else(|| {
            (
                *row_line,
                format!("`{text}` is not a row of values such as `qatar, 2025-10-19, \"Kabul\"`"),
            )
        })?;
        if row.len() != columns.len() {
            return Err((
                *row_line,
                format!(
                    "this row has {} values, but the exercise has {} columns ({})",
                    row.len(),
                    columns.len(),
                    columns.join(", ")
                ),
            ));
        }
        rows.push(row);
    }
    rows.sort();
    rows.dedup();
    Ok(Expected::Rows(rows))
}

/// A row of constants in Datalog syntax, read by the language's own parser.
pub(super) fn parse_row(text: &str) -> Option<Vec<Value>> {
    let fact = format!("row({text}).");
    let (program, errors) = parser::parse_program(SourceId::default(), &fact);
    if !errors.is_empty() {
        return None;
    }
    let [ast::Item::Clause(clause)] = program.items.as_slice() else {
        return None;
    };
    if !clause.body.is_empty() {
        return None;
    }
    clause
        .head
        .args
        .iter()
        .map(|term| match term {
            ast::Term::Constant(constant) => Some(constant.value.clone()),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const LESSON: &str = "\
% Lesson 3 -- Recursion
?- within(chaman, R).

% Exercises
%
% Try these.
%
% 3.1 Which places lie inside
% Pakistan?
%     columns: Place
%     check: ?- within(P, pakistan).
%     expect: chaman
%     expect: balochistan
%
% 3.2 Did it happen?
%     check: ?- precedes(a, b).
%     expect: no
%     hint: look at precedes/2
%     again.
%
% 3.3 Nothing?
%     columns: X, Name
%     check: p(X) :- q(X).
%     check: ?- p(X), r(X, Name).
%     expect: no rows
";

    #[test]
    fn reads_questions_columns_references_and_answers() {
        let lesson = Lesson::parse("examples/03_recursion.dl", LESSON).unwrap();
        assert_eq!(lesson.number, 3);
        assert_eq!(lesson.title, "Lesson 3 -- Recursion");
        assert_eq!(lesson.exercises.len(), 3);
        let first = &lesson.exercises[0];
        assert_eq!(first.question, "Which places lie inside Pakistan?");
        assert_eq!(first.columns, vec!["Place"]);
        assert_eq!(
            first.expected,
            Expected::Rows(vec![
                vec![Value::Symbol("balochistan".into())],
                vec![Value::Symbol("chaman".into())]
            ])
        );
        assert_eq!(first.line, 8);
        assert_eq!(lesson.exercises[1].expected, Expected::YesNo(false));
        assert_eq!(
            lesson.exercises[1].hint.as_deref(),
            Some("look at precedes/2 again.")
        );
        assert_eq!(
            lesson.exercises[2].reference,
            "p(X) :- q(X).\n?- p(X), r(X, Name)."
        );
        assert_eq!(lesson.exercises[2].expected, Expected::Rows(Vec::new()));
    }

    #[test]
    fn rows_are_read_as_datalog_values() {
        assert_eq!(
            parse_row("qatar, 2025-10-19, \"Kabul, too\", 4"),
            Some(vec![
                Value::Symbol("qatar".into()),
                Value::Date(crate::value::Date::new(2025, 10, 19).unwrap()),
                Value::String("Kabul, too".into()),
                Value::Integer(4)
            ])
        );
        assert_eq!(parse_row("X, qatar"), None);
        assert_eq!(parse_row("two words"), None);
    }

    fn error_of(text: &str) -> String {
        Lesson::parse("01_facts.dl", text).unwrap_err().to_string()
    }

    #[test]
    fn teachers_mistakes_are_located() {
        assert_eq!(
            error_of("% Exercises\n% 2.1 Q?\n%  check: ?- p.\n%  expect: yes\n"),
            "01_facts.dl:2: exercise `2.1` is in lesson 1: number it `1.N`"
        );
        assert_eq!(
            error_of("% Exercises\n% 1.1 Q?\n%  columns: A\n%  check: ?- p(A).\n%  expect: a, b\n"),
            "01_facts.dl:5: this row has 2 values, but the exercise has 1 columns (A)"
        );
        assert_eq!(
            error_of("% Exercises\n% 1.1 Q?\n%  expect: yes\n"),
            "01_facts.dl:2: exercise `1.1` has no `check:` (the reference query)"
        );
        assert_eq!(
            error_of("% Exercises\n% 1.1 Q?\n%  check: ?- p.\n%  expect: yes\np.\n"),
            "01_facts.dl:5: the exercise block holds only `%` comment lines: put clauses before `% Exercises`"
        );
        assert!(Lesson::parse("facts.dl", "").is_err());
        assert_eq!(
            Lesson::parse("01_facts.dl", "p.\n").unwrap().exercises,
            Vec::new()
        );
    }
}
