//! `:exercise` and `:check`: the course at the prompt.
//!
//! Finds exercises in the bundled lessons and checks an answer through
//! [`crate::course`], in a fresh session of the exercise's lesson: what was
//! typed at the prompt never changes a verdict, and a check never changes
//! the prompt's session.

use super::reply::{Event, RejectedAnswer, Reply};
use crate::course::{self, Course, Lesson, render};
use crate::diagnostic::{Code, Diagnostic};
use crate::session::{Session, SessionOptions};

/// The bundled course, or why it cannot be read.
fn bundled() -> Result<Course, Reply> {
    Course::bundled().map_err(|error| {
        Reply::diagnostic(Diagnostic::error_without_span(
            Code::E630,
            error.to_string(),
        ))
    })
}

/// `:exercise` lists every exercise, `:exercise 3` those of lesson 3,
/// `:exercise 3.1` shows one.
pub fn exercise(argument: Option<&str>) -> Reply {
    let course = match bundled() {
        Ok(course) => course,
        Err(reply) => return reply,
    };
    let Some(id) = argument.map(str::trim).filter(|id| !id.is_empty()) else {
        let lessons: Vec<&Lesson> = course.lessons().iter().collect();
        return Reply::info(render::render_exercise_list(&lessons));
    };
    if !id.contains('.') {
        return match course.lesson(id) {
            Ok(lesson) => Reply::info(render::render_exercise_list(&[lesson])),
            Err(error) => not_found(error),
        };
    }
    match course.exercise(id) {
        Ok((lesson, exercise)) => Reply::info(format!(
            "{}check an answer with `:check {} ?- ...`",
            render::render_exercise(lesson, exercise),
            exercise.id
        )),
        Err(error) => not_found(error),
    }
}

fn not_found(error: course::CourseError) -> Reply {
    Reply::diagnostic(Diagnostic::error_without_span(
        Code::E630,
        error.to_string(),
    ))
}

/// `:check ID ANSWER`: the verdict on an answer, or why it was rejected.
pub fn check(session: &Session, argument: &str) -> Reply {
    let (id, answer) = argument
        .trim()
        .split_once(char::is_whitespace)
        .unwrap_or((argument.trim(), ""));
    check_exercise(session, id, answer)
}

/// The verdict on `answer` to exercise `id` (`3.1`), checked in a fresh
/// session of its lesson with `session`'s limits, sandbox and cancel flag
/// (so Ctrl-C, or the web view's time limit, stops a runaway answer too);
/// or why it was rejected (`E630` for an unknown exercise).
pub fn check_exercise(session: &Session, id: &str, answer: &str) -> Reply {
    let course = match bundled() {
        Ok(course) => course,
        Err(reply) => return reply,
    };
    let (lesson, exercise) = match course.exercise(id) {
        Ok(found) => found,
        Err(error) => return not_found(error),
    };
    let id = exercise.id.as_str();
    if answer.trim().is_empty() {
        return Reply::diagnostic(
            Diagnostic::error_without_span(
                Code::E603,
                format!("`:check {id}` needs an answer: `:check {id} ?- ...`"),
            )
            .with_note(format!("the question: {}", exercise.question)),
        );
    }
    // The answer is typed text: in a sandboxed session (the web view) it
    // may not reach files from the check's session either.
    let options = SessionOptions {
        limits: session.eval_options().limits,
        sandboxed: session.is_sandboxed(),
        cancel: Some(session.cancel_flag()),
        ..SessionOptions::default()
    };
    match course::check_answer(lesson, exercise, answer, options) {
        Ok(verdict) => Reply::of(Event::Verdict(Box::new(verdict))),
        Err(failure) => {
            let (check_session, rejected) = *failure;
            Reply::of(Event::AnswerRejected(Box::new(RejectedAnswer {
                exercise: exercise.id.clone(),
                diagnostics: rejected.diagnostics,
                sources: check_session.sources().clone(),
            })))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::Limits;
    use std::sync::atomic::Ordering;
    use std::time::Duration;

    #[test]
    fn the_asking_sessions_cancel_flag_stops_a_runaway_answer() {
        let session = Session::new(SessionOptions {
            limits: Limits {
                max_tuples: usize::MAX,
                max_rounds: Some(usize::MAX),
                ..Limits::default()
            },
            ..SessionOptions::default()
        });
        let cancel = session.cancel_flag();
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        // Ctrl-C (or the web view's time limit), pressed while the check runs.
        let presser = {
            let stop = std::sync::Arc::clone(&stop);
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(300));
                while !stop.load(Ordering::Relaxed) {
                    cancel.store(true, Ordering::Relaxed);
                    std::thread::sleep(Duration::from_millis(10));
                }
            })
        };
        let reply = check(
            &session,
            "3.1 n(0). n(Y) :- n(X), Y = X + 1, Y < 1000000000. ?- within(P, pakistan), n(_).",
        );
        stop.store(true, Ordering::Relaxed);
        presser.join().expect("the presser ends");
        let [Event::AnswerRejected(rejected)] = reply.events.as_slice() else {
            panic!("{reply:?}");
        };
        assert_eq!(rejected.exercise, "3.1");
        assert!(
            rejected
                .diagnostics
                .iter()
                .any(|diagnostic| diagnostic.code == Code::E304),
            "{:?}",
            rejected.diagnostics
        );
        assert!(reply.failed());
    }
}
