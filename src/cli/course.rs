//! `wirelog exercise` and `wirelog lesson`: the course on the command line.
//! Calls `wirelog::course` and prints what it returns.

use super::{print_diagnostics, write_stdout};
use std::path::PathBuf;
use wirelog::course::{self, Course, Lesson, notebook, render};
use wirelog::eval::Limits;
use wirelog::session::SessionOptions;

/// The lessons: the files given with `--lesson`, or the bundled ones.
fn load_course(files: &[PathBuf]) -> Result<Course, i32> {
    let course = if files.is_empty() {
        Course::bundled()
    } else {
        let mut texts = Vec::new();
        for file in files {
            match std::fs::read_to_string(file) {
                Ok(text) => texts.push((file.display().to_string(), text)),
                Err(error) => {
                    eprintln!("error: cannot read `{}`: {error}", file.display());
                    return Err(1);
                }
            }
        }
        Course::from_texts(texts)
    };
    course.map_err(|error| {
        eprintln!("error: {error}");
        1
    })
}

/// `wirelog exercise [ID] [ANSWER]`: list the exercises, show one, or check
/// an answer. Exit 0 when listed, shown or right; 1 when the answer is not
/// right or was rejected; 2 for an unknown exercise.
pub fn exercise(
    limits: Limits,
    lesson_files: &[PathBuf],
    id: Option<&str>,
    answer: Option<&str>,
    show_expected: bool,
) -> i32 {
    let course = match load_course(lesson_files) {
        Ok(course) => course,
        Err(code) => return code,
    };
    let Some(id) = id else {
        let lessons: Vec<&Lesson> = course.lessons().iter().collect();
        write_stdout(&render::render_exercise_list(&lessons));
        return 0;
    };
    if !id.contains('.') {
        // A lesson number: that lesson's exercises.
        return match course.lesson(id) {
            Ok(lesson) => {
                write_stdout(&render::render_exercise_list(&[lesson]));
                0
            }
            Err(error) => {
                eprintln!("error: {error}");
                2
            }
        };
    }
    let (lesson, exercise) = match course.exercise(id) {
        Ok(found) => found,
        Err(error) => {
            eprintln!("error: {error}");
            return 2;
        }
    };
    let Some(answer) = answer else {
        write_stdout(&render::render_exercise(lesson, exercise));
        if show_expected {
            write_stdout(&format!("Expected:\n{}", render::render_expected(exercise)));
        } else {
            write_stdout(&format!(
                "Check an answer with `wirelog exercise {id} 'QUERY'`.\n"
            ));
        }
        return 0;
    };
    let options = SessionOptions {
        limits,
        ..SessionOptions::default()
    };
    match course::check_answer(lesson, exercise, answer, options) {
        Ok(verdict) => {
            write_stdout(&render::render_verdict(&verdict));
            if verdict.correct { 0 } else { 1 }
        }
        Err(failure) => {
            let (session, rejected) = *failure;
            print_diagnostics(&session, &rejected.diagnostics);
            1
        }
    }
}

/// `wirelog lesson LESSON`: a lesson with its answers in place. LESSON is a
/// file or the number of a bundled lesson.
pub fn lesson(limits: Limits, which: &str, format: &str, all: bool) -> i32 {
    let markdown = match format.trim().to_ascii_lowercase().as_str() {
        "text" | "table" => false,
        "markdown" | "md" => true,
        other => {
            eprintln!("error: unknown format `{other}` for `lesson`: use `text` or `markdown`");
            return 2;
        }
    };
    let path = PathBuf::from(which);
    let lesson = if path.is_file() {
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(error) => {
                eprintln!("error: cannot read `{which}`: {error}");
                return 1;
            }
        };
        match Lesson::parse(which, &text) {
            Ok(lesson) => lesson,
            Err(error) => {
                eprintln!("error: {error}");
                return 1;
            }
        }
    } else {
        let course = match load_course(&[]) {
            Ok(course) => course,
            Err(code) => return code,
        };
        match course.lesson(which) {
            Ok(lesson) => lesson.clone(),
            Err(error) => {
                eprintln!("error: `{which}` is not a file; {error}");
                return 2;
            }
        }
    };
    let options = SessionOptions {
        limits,
        ..SessionOptions::default()
    };
    match notebook::notebook(&lesson, options) {
        Ok(notebook) => {
            if markdown {
                write_stdout(&notebook::render_notebook_markdown(&notebook));
            } else {
                let max_rows = if all { None } else { Some(MAX_NOTEBOOK_ROWS) };
                write_stdout(&notebook::render_notebook_text(&notebook, max_rows));
            }
            0
        }
        Err(failure) => {
            let (session, rejected) = *failure;
            print_diagnostics(&session, &rejected.diagnostics);
            1
        }
    }
}

/// Rows shown per answer in the terminal notebook, unless `--all`.
const MAX_NOTEBOOK_ROWS: usize = 20;
