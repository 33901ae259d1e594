//! What an input produced, as data ([`Reply`]), and its text for a terminal.
//!
//! Owns the split between what happened and how it looks. The shell returns
//! replies holding answers, derivations, diagnostics and messages; a
//! terminal turns them into two streams of text here (answers and messages
//! to stdout, diagnostics and errors to stderr), a web page can render the
//! same data its own way. Rendering goes through `present`; nothing here
//! evaluates or prints.

use std::time::Duration;

use crate::course::{self, Verdict};
use crate::diagnostic::Diagnostic;
use crate::present::{
    self, AnswersOptions, Format, Headings, TableOptions, explain, render_answers,
};
use crate::provenance::{Derivation, WhyNot};
use crate::span::SourceMap;
use crate::value::Answer;

/// One thing an input produced, in the order it happened.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// A message for the user, e.g. `added 2 clauses (0.3 ms)` or help text.
    Info(String),
    /// Answers to show in the shell's format.
    Answers {
        /// The answers, one per query.
        answers: Vec<Answer>,
        /// Time taken, when measured.
        elapsed: Option<Duration>,
        /// Show every row, not only what fits the screen (`:all`).
        all_rows: bool,
    },
    /// How a fact holds (`:why`).
    Derivation(Box<Derivation>),
    /// Why a fact does not hold (`:whynot`).
    WhyNot(Box<WhyNot>),
    /// Errors and warnings about an input, pointing into the session's sources.
    Diagnostics(Vec<Diagnostic>),
    /// The verdict on an answer to an exercise (`:check`).
    Verdict(Box<Verdict>),
    /// An answer to an exercise that was rejected (a syntax error, a
    /// limit): its diagnostics point into the check's own session.
    AnswerRejected(Box<RejectedAnswer>),
    /// A line after an error's diagnostics saying what became of the input,
    /// e.g. `the session is as it was before this input`.
    Error(String),
}

/// An answer to an exercise that was rejected, with the sources of the
/// session it was checked in (which its diagnostics point into).
#[derive(Clone, Debug)]
pub struct RejectedAnswer {
    /// The exercise, e.g. `3.1`.
    pub exercise: String,
    /// Why the answer was rejected.
    pub diagnostics: Vec<Diagnostic>,
    /// The texts of the check's session: the lesson and the answer.
    pub sources: SourceMap,
}

impl PartialEq for RejectedAnswer {
    /// Two rejections are the same when they say the same; the sources are
    /// only what their spans point into.
    fn eq(&self, other: &RejectedAnswer) -> bool {
        self.exercise == other.exercise
            && self.diagnostics == other.diagnostics
            && present::render_diagnostics(&self.diagnostics, &self.sources, false)
                == present::render_diagnostics(&other.diagnostics, &other.sources, false)
    }
}

/// What running one input produced.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Reply {
    /// What happened, in order.
    pub events: Vec<Event>,
    /// True after `:quit`.
    pub quit: bool,
}

impl Reply {
    /// A reply of one event.
    pub fn of(event: Event) -> Reply {
        Reply {
            events: vec![event],
            quit: false,
        }
    }

    /// A reply with one message.
    pub fn info(message: impl Into<String>) -> Reply {
        Reply::of(Event::Info(message.into()))
    }

    /// A reply with one diagnostic (a command's error is a coded
    /// diagnostic like any other).
    pub fn diagnostic(diagnostic: Diagnostic) -> Reply {
        Reply::of(Event::Diagnostics(vec![diagnostic]))
    }

    /// True when the input failed: an error was reported (warnings do not count).
    pub fn failed(&self) -> bool {
        self.events.iter().any(|event| match event {
            Event::Error(_) => true,
            Event::AnswerRejected(rejected) => rejected
                .diagnostics
                .iter()
                .any(|diagnostic| diagnostic.is_error()),
            Event::Diagnostics(diagnostics) => {
                diagnostics.iter().any(|diagnostic| diagnostic.is_error())
            }
            _ => false,
        })
    }

    /// A reply with diagnostics, or nothing when there are none.
    pub fn diagnostics(diagnostics: Vec<Diagnostic>) -> Reply {
        let mut reply = Reply::default();
        reply.push_diagnostics(diagnostics);
        reply
    }

    /// Adds an event.
    pub fn push(&mut self, event: Event) {
        self.events.push(event);
    }

    /// Adds diagnostics, unless there are none.
    pub fn push_diagnostics(&mut self, diagnostics: Vec<Diagnostic>) {
        if !diagnostics.is_empty() {
            self.events.push(Event::Diagnostics(diagnostics));
        }
    }

    /// The answers of the last `Answers` event, if any.
    pub fn answers(&self) -> Option<(&[Answer], Option<Duration>)> {
        self.events.iter().rev().find_map(|event| match event {
            Event::Answers {
                answers, elapsed, ..
            } => Some((answers.as_slice(), *elapsed)),
            _ => None,
        })
    }
}

/// The size of the screen answers are fitted to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Screen {
    /// Columns, when known.
    pub width: Option<usize>,
    /// Rows, when known.
    pub height: Option<usize>,
}

/// How a terminal shows replies.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TextView {
    /// The answer format (`:format`).
    pub format: Format,
    /// The terminal's size.
    pub screen: Screen,
    /// Colour diagnostics (the caller checks the terminal and `NO_COLOR`).
    pub color: bool,
}

/// A reply as text for a terminal.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Text {
    /// Answers and messages, for stdout.
    pub output: String,
    /// Diagnostics and errors, for stderr.
    pub errors: String,
}

/// Rows shown when the screen height is unknown (output to a pipe).
const ROWS_WITHOUT_SCREEN: usize = 1000;

/// The fewest rows shown however small the screen.
const MIN_ROWS: usize = 5;

impl Reply {
    /// The reply as text for a terminal; diagnostics point into `sources`.
    pub fn to_text(&self, view: &TextView, sources: &SourceMap) -> Text {
        let mut text = Text::default();
        for event in &self.events {
            match event {
                Event::Info(message) => push_line(&mut text.output, message),
                Event::Answers {
                    answers,
                    elapsed,
                    all_rows,
                } => text
                    .output
                    .push_str(&answers_text(answers, *elapsed, *all_rows, view)),
                Event::Derivation(derivation) => text.output.push_str(&match view.format {
                    Format::Json => explain::render_why_json(derivation),
                    Format::Table | Format::Csv => explain::render_why_text(derivation),
                }),
                Event::WhyNot(why_not) => text.output.push_str(&match view.format {
                    Format::Json => explain::render_why_not_json(why_not),
                    Format::Table | Format::Csv => explain::render_why_not_text(why_not),
                }),
                Event::Diagnostics(diagnostics) => push_line(
                    &mut text.errors,
                    &present::render_diagnostics(diagnostics, sources, view.color),
                ),
                Event::Error(message) => push_line(&mut text.errors, message),
                Event::AnswerRejected(rejected) => push_line(
                    &mut text.errors,
                    &present::render_diagnostics(
                        &rejected.diagnostics,
                        &rejected.sources,
                        view.color,
                    ),
                ),
                Event::Verdict(verdict) => push_line(
                    &mut text.output,
                    &match view.format {
                        Format::Json => serde_json::to_string(verdict).unwrap_or_default(),
                        Format::Table | Format::Csv => course::render::render_verdict(verdict),
                    },
                ),
            }
        }
        text
    }
}

/// Appends `message`, ending it with a newline if it has none.
fn push_line(out: &mut String, message: &str) {
    if message.is_empty() {
        return;
    }
    out.push_str(message);
    if !message.ends_with('\n') {
        out.push('\n');
    }
}

/// Answers in the view's format; tables fit the screen unless `all_rows`.
fn answers_text(
    answers: &[Answer],
    elapsed: Option<Duration>,
    all_rows: bool,
    view: &TextView,
) -> String {
    let max_rows = if all_rows {
        None
    } else {
        Some(view.screen.height.map_or(ROWS_WITHOUT_SCREEN, |height| {
            // Leave room for the frame, the notes and the next prompt.
            height.saturating_sub(8).max(MIN_ROWS)
        }))
    };
    render_answers(
        answers,
        &AnswersOptions {
            format: view.format,
            table: TableOptions {
                max_rows,
                max_width: view.screen.width,
                more_rows_hint: Some("`:all` shows them".to_string()),
                ..TableOptions::default()
            },
            headings: Headings::WhenSeveral,
            elapsed,
            explanations: None,
        },
    )
}
