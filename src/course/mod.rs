//! The course: the lessons, their exercises, checking a student's answer,
//! and reading a lesson as a notebook.
//!
//! Owns the lesson collection ([`Course`]: the lessons bundled from
//! `examples/`, or files a teacher names), the exercise format
//! ([`lesson`]), the comparison of answer sets ([`check`]), the notebook
//! view ([`notebook`]) and their text ([`render`]). Everything runs through
//! [`Session`](crate::session::Session)s it makes for the purpose, one per
//! answer, so a REPL's, a web page's or the command line's own session is
//! never changed by a check. It reads no terminal and prints nothing: the
//! REPL, the command line and the web view call it and show its results.

pub mod check;
pub mod lesson;
pub mod notebook;
pub mod render;

pub use check::{Diagnosis, Verdict, check_answer, lesson_session};
pub use lesson::{Exercise, Expected, Lesson, LessonError};

use crate::text;

include!(concat!(env!("OUT_DIR"), "/bundled_lessons.rs"));

/// The name a bundled lesson has: its path in the repository.
fn bundled_name(file_name: &str) -> String {
    format!("examples/{file_name}")
}

/// True when `lesson` is one of the lessons bundled in the binary, as it
/// was bundled (name and text).
fn is_bundled(lesson: &Lesson) -> bool {
    BUNDLED_LESSONS
        .iter()
        .any(|(name, text)| bundled_name(name) == lesson.name && *text == lesson.text)
}

/// A collection of lessons, in order of their numbers.
#[derive(Clone, Debug, Default)]
pub struct Course {
    lessons: Vec<Lesson>,
}

/// An exercise or lesson that cannot be found.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CourseError {
    /// `wirelog exercise 12.1` with no lesson 12.
    #[error("no exercise `{id}`{}", match suggestion {
        Some(close) => format!("; did you mean `{close}`?"),
        None => String::new(),
    })]
    ExerciseUnknown {
        /// What was asked for.
        id: String,
        /// The closest exercise id, if one is close.
        suggestion: Option<String>,
    },
    /// `wirelog exercise 12` with no lesson 12.
    #[error("no lesson {number}; the lessons are {}", known.join(", "))]
    LessonUnknown {
        /// The number asked for.
        number: String,
        /// The lesson numbers there are.
        known: Vec<String>,
    },
    /// A lesson's exercise block cannot be read.
    #[error(transparent)]
    Lesson(#[from] LessonError),
    /// Two lessons with one number.
    #[error("lessons `{first}` and `{second}` have the same number")]
    LessonNumberTwice {
        /// The first lesson's name.
        first: String,
        /// The second lesson's name.
        second: String,
    },
}

impl Course {
    /// The lessons of `examples/`, embedded in the binary.
    pub fn bundled() -> Result<Course, CourseError> {
        Course::from_texts(
            BUNDLED_LESSONS
                .iter()
                .filter(|(name, _)| name.ends_with(".dl"))
                .map(|(name, text)| (bundled_name(name), text.to_string())),
        )
    }

    /// Lessons from (name, text) pairs, e.g. files a teacher wrote.
    pub fn from_texts(
        texts: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Course, CourseError> {
        let mut lessons = Vec::new();
        for (name, text) in texts {
            lessons.push(Lesson::parse(&name, &text)?);
        }
        lessons.sort_by_key(|lesson| lesson.number);
        if let Some(pair) = lessons
            .windows(2)
            .find(|pair| pair[0].number == pair[1].number)
        {
            return Err(CourseError::LessonNumberTwice {
                first: pair[0].name.clone(),
                second: pair[1].name.clone(),
            });
        }
        Ok(Course { lessons })
    }

    /// The lessons in order.
    pub fn lessons(&self) -> &[Lesson] {
        &self.lessons
    }

    /// A lesson by number (`3` or `03`).
    pub fn lesson(&self, number: &str) -> Result<&Lesson, CourseError> {
        number
            .trim()
            .parse::<u32>()
            .ok()
            .and_then(|wanted| self.lessons.iter().find(|lesson| lesson.number == wanted))
            .ok_or_else(|| CourseError::LessonUnknown {
                number: number.trim().to_string(),
                known: self
                    .lessons
                    .iter()
                    .map(|lesson| lesson.number.to_string())
                    .collect(),
            })
    }

    /// An exercise by id (`3.1`), with its lesson.
    pub fn exercise(&self, id: &str) -> Result<(&Lesson, &Exercise), CourseError> {
        let id = id.trim();
        let found = id
            .split_once('.')
            .and_then(|(number, _)| number.parse::<u32>().ok())
            .and_then(|number| self.lessons.iter().find(|lesson| lesson.number == number))
            .and_then(|lesson| lesson.exercise(id).map(|exercise| (lesson, exercise)));
        found.ok_or_else(|| {
            let ids: Vec<&str> = self
                .lessons
                .iter()
                .flat_map(|lesson| &lesson.exercises)
                .map(|exercise| exercise.id.as_str())
                .collect();
            CourseError::ExerciseUnknown {
                id: id.to_string(),
                suggestion: text::closest(id, ids.iter().copied()).map(str::to_string),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_lessons_and_exercises_by_number() {
        let course = Course::from_texts([
            (
                "02_joins.dl".to_string(),
                "% Lesson 2\n% Exercises\n% 2.1 Q?\n%   check: ?- p.\n%   expect: yes\n"
                    .to_string(),
            ),
            ("01_facts.dl".to_string(), "% Lesson 1\n".to_string()),
        ])
        .unwrap();
        assert_eq!(course.lessons()[0].number, 1);
        assert_eq!(course.lesson("02").unwrap().title, "Lesson 2");
        assert_eq!(course.exercise("2.1").unwrap().1.question, "Q?");
        assert!(matches!(
            course.exercise("2.2"),
            Err(CourseError::ExerciseUnknown { .. })
        ));
        assert_eq!(
            course.lesson("7").unwrap_err().to_string(),
            "no lesson 7; the lessons are 1, 2"
        );
    }
}
