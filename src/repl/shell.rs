//! The shell: runs one complete input — a `:command` or Datalog text —
//! against a session and returns a [`Reply`].
//!
//! Owns the dispatcher and the REPL's own state: the answer format, the last
//! answers (for `:all`). Typed Datalog is submitted here; each command is
//! carried out by its module (`inputs`, `inspect`, `explain`, `help`).
//!
//! It must not print, read the terminal, or install signal handlers: the
//! caller decides where replies go and how Ctrl-C reaches
//! [`Session::cancel_flag`]. A rejected input leaves the session unchanged
//! because every change goes through `Session`'s all-or-nothing methods.

use super::command::{Command, is_command, parse_command};
use super::edit::{is_blank, variables};
use super::help::help;
use super::reply::{Event, Reply, Text, TextView};
use super::{course, explain, inputs, inspect, save};
use crate::diagnostic::{Code, Diagnostic};
use crate::present::{Format, plural, render_answer_changes, table::format_elapsed};
use crate::provenance::TraceOptions;
use crate::session::{Session, UnitOrigin};
use crate::span::{SourceId, Span};
use crate::syntax::ast::{Item, Literal};
use crate::value::Answer;
use std::time::{Duration, Instant};

/// The REPL's state besides the session.
#[derive(Clone, Debug, Default)]
pub struct Shell {
    /// How replies are shown as text: the answer format (`:format`), the
    /// screen, colours. The terminal updates the screen before each input.
    pub view: TextView,
    last_answers: Vec<Answer>,
    last_elapsed: Option<Duration>,
    /// The session's own work (see [`own_work`]) when it was last saved
    /// (or started).
    saved_work: Vec<(SourceId, Vec<Span>)>,
    /// True once the end of input was met with unsaved work and warned about.
    end_warned: bool,
}

impl Shell {
    /// A shell showing tables, without colour, for an unknown screen.
    pub fn new() -> Shell {
        Shell::default()
    }

    /// Marks the session as it is now as having nothing unsaved: what was
    /// loaded at start-up is on disk already. Call once the start-up files
    /// are loaded.
    pub fn mark_saved(&mut self, session: &Session) {
        self.saved_work = own_work(session);
    }

    /// True when the session holds work of its own (typed clauses or
    /// includes, retracted clauses) that differs from when it was started
    /// or last saved. Loading or reloading files is not such work: the
    /// files are on disk already, and leaving loses nothing of them.
    pub fn has_unsaved_work(&self, session: &Session) -> bool {
        self.saved_work != own_work(session)
    }

    /// The end of the input (Ctrl-D at the prompt): leave, unless that would
    /// drop something without a word. An unfinished clause (`open_input`)
    /// and changes not saved are reported once, and the input goes on; the
    /// next end of input leaves.
    pub fn end_of_input(&mut self, session: &Session, open_input: Option<&str>) -> Reply {
        let quit = Reply {
            quit: true,
            ..Reply::default()
        };
        if self.end_warned {
            return quit;
        }
        let mut problems = Vec::new();
        if let Some(open) = open_input {
            problems.push(format!(
                "the clause `{}` is not finished: end it with `.`, or Ctrl-C abandons it",
                crate::text::collapse_whitespace(open)
            ));
        }
        if self.has_unsaved_work(session) {
            problems.push("the session has changes not saved: `:save FILE` keeps them".to_string());
        }
        if problems.is_empty() {
            return quit;
        }
        self.end_warned = true;
        Reply::info(format!("({}; Ctrl-D again leaves)", problems.join("; ")))
    }

    /// A line was typed: a later end of input warns again if need be.
    pub fn typed(&mut self) {
        self.end_warned = false;
    }

    /// Runs one complete input: a `:command` line or Datalog text.
    pub fn run(&mut self, session: &mut Session, input: &str) -> Reply {
        self.typed();
        let generation = session.generation();
        let mut reply = if is_command(input) {
            match parse_command(input) {
                Ok(command) => self.execute(session, &command),
                Err(error) => Reply::diagnostic(error.to_diagnostic()),
            }
        } else if is_blank(input) {
            Reply::default()
        } else {
            self.submit(session, input)
        };
        // A live model followed the change: show what it did to the loaded queries.
        if session.generation() != generation && !session.answer_changes().is_empty() {
            reply.push(Event::Info(render_answer_changes(session.answer_changes())));
        }
        if let Some((answers, elapsed)) = reply.answers() {
            self.last_answers = answers.to_vec();
            self.last_elapsed = elapsed;
        }
        reply
    }

    /// [`Shell::run`], then the reply as text in the shell's view.
    pub fn run_text(&mut self, session: &mut Session, input: &str) -> Text {
        let reply = self.run(session, input);
        reply.to_text(&self.view, session.sources())
    }

    /// Adds typed clauses to the session and answers typed queries.
    fn submit(&mut self, session: &mut Session, text: &str) -> Reply {
        let started = Instant::now();
        let result = session.load_text(text);
        let elapsed = started.elapsed();
        match result {
            Ok(accepted) => {
                let mut reply = Reply::diagnostics(accepted.warnings);
                if accepted.answers.is_empty() {
                    reply.push(Event::Info(match accepted.n_clauses {
                        0 => format!("ok ({})", format_elapsed(elapsed)),
                        n_clauses => format!(
                            "added {} ({})",
                            plural(n_clauses, "clause", "clauses"),
                            format_elapsed(elapsed)
                        ),
                    }));
                } else {
                    if accepted.n_clauses > 0 {
                        reply.push(Event::Info(format!(
                            "added {}",
                            plural(accepted.n_clauses, "clause", "clauses")
                        )));
                    }
                    // An undefined predicate (W001) or a constant of the wrong
                    // type (W007) already says why nothing matches.
                    let explained = reply_warns_never_matches(&reply);
                    let hint = (!explained)
                        .then(|| self.why_not_hint(&accepted.answers))
                        .flatten();
                    reply.push(Event::Answers {
                        answers: accepted.answers,
                        elapsed: Some(elapsed),
                        all_rows: false,
                    });
                    if let Some(hint) = hint {
                        reply.push(Event::Info(hint));
                    }
                }
                reply
            }
            Err(rejected) => {
                let interrupted = rejected
                    .diagnostics
                    .iter()
                    .any(|diagnostic| diagnostic.code == Code::E304);
                let mut reply = Reply::diagnostics(rejected.diagnostics);
                if interrupted {
                    reply.push(Event::Error(
                        "the session is as it was before this input".to_string(),
                    ));
                } else if looks_like_question(text) {
                    reply.push(Event::Error(format!(
                        "help: to ask a question, start it with `?-`: `?- {}`",
                        text.trim()
                    )));
                }
                reply
            }
        }
    }

    /// After an empty answer to one typed query, in a table: how to ask
    /// why (SWI-Prolog users expect a bare `false.`; a student needs to know
    /// that `:whynot` exists).
    fn why_not_hint(&self, answers: &[Answer]) -> Option<String> {
        let [answer] = answers else {
            return None;
        };
        if !answer.rows.is_empty() || self.view.format != Format::Table {
            return None;
        }
        let source = crate::span::SourceId(0);
        let (program, errors) = crate::syntax::parse_program(source, &answer.query);
        let one_atom = match program.items.as_slice() {
            [Item::Query(query)] if errors.is_empty() => match query.body.as_slice() {
                [Literal::Positive(atom)] => Some(atom.to_string()),
                _ => None,
            },
            _ => None,
        };
        Some(if let Some(atom) = one_atom {
            format!("(`:whynot {atom}` shows why nothing matches)")
        } else {
            "(`:whynot ATOM` shows why a fact or pattern of the query does not hold)".to_string()
        })
    }

    /// Runs a parsed command.
    pub fn execute(&mut self, session: &mut Session, command: &Command) -> Reply {
        match command {
            Command::Help(topic) => match help(topic.as_deref()) {
                Ok(text) => Reply::info(text),
                Err(error) => Reply::diagnostic(error.to_diagnostic()),
            },
            Command::Load(path) => inputs::load(session, path),
            Command::Reload => inputs::reload(session, None),
            Command::Retract(clause) => inputs::retract(session, clause),
            Command::Schema(predicate) => inspect::show_schema(session, predicate.as_deref()),
            Command::Facts(predicate) => inspect::facts(session, predicate),
            Command::Rules(predicate) => inspect::show_rules(session, predicate.as_deref()),
            Command::Articles => inspect::articles(session),
            Command::Article(reference) => inspect::article(session, reference, self.view.color),
            Command::Export { predicate, path } => inspect::export(session, predicate, path),
            Command::Why(argument) if argument.trim_start().starts_with("--dot") => {
                explain::why_to_dot(session, argument)
            }
            Command::Why(fact) => explain::why(session, fact),
            Command::WhyNot(fact) => explain::why_not(session, fact),
            Command::Undo { force } => inputs::undo(session, *force),
            Command::Save { path, force } => {
                let reply = save::save(session, path, *force);
                if !reply.failed() {
                    self.mark_saved(session);
                }
                reply
            }
            Command::Format(None) => Reply::info(format!(
                "answers are shown as {} (`:format table|csv|json` changes it)",
                self.view.format
            )),
            Command::Format(Some(format)) => {
                self.view.format = *format;
                Reply::info(format!("answers will be shown as {format}"))
            }
            Command::All => {
                if self.last_answers.is_empty() {
                    Reply::diagnostic(
                        Diagnostic::error_without_span(Code::E605, "no answer to show yet")
                            .with_note("help: ask a question with `?-` first"),
                    )
                } else {
                    Reply::of(Event::Answers {
                        answers: self.last_answers.clone(),
                        elapsed: self.last_elapsed,
                        all_rows: true,
                    })
                }
            }
            Command::Trace => match session.trace(TraceOptions::default()) {
                Ok(trace) => Reply::info(crate::present::trace::render_trace_text(&trace)),
                Err(rejected) => Reply::diagnostics(rejected.diagnostics),
            },
            Command::Exercise(argument) => course::exercise(argument.as_deref()),
            Command::Check(argument) => course::check(session, argument),
            Command::Quit => Reply {
                quit: true,
                ..Reply::default()
            },
        }
    }
}

/// True for a rejected input that a Prolog user probably meant as a question:
/// one bodiless clause with variables, e.g. `mediates(M, T).`
fn looks_like_question(text: &str) -> bool {
    let trimmed = text.trim();
    !trimmed.starts_with("?-")
        && !trimmed.contains(":-")
        && trimmed.matches('.').count() == 1
        && !variables(trimmed).is_empty()
}

/// True when the reply warns that an atom never matches: a predicate not
/// defined (W001) or a constant of the wrong type (W007).
fn reply_warns_never_matches(reply: &Reply) -> bool {
    reply.events.iter().any(|event| match event {
        Event::Diagnostics(diagnostics) => diagnostics
            .iter()
            .any(|diagnostic| matches!(diagnostic.code, Code::W001 | Code::W007)),
        _ => false,
    })
}

/// What leaving would lose: each typed input that added clauses or
/// includes, and every unit with clauses retracted (which ones).
fn own_work(session: &Session) -> Vec<(SourceId, Vec<Span>)> {
    session
        .units()
        .iter()
        .filter(|unit| {
            !unit.retracted.is_empty()
                || (unit.origin == UnitOrigin::Input
                    && unit
                        .program
                        .items
                        .iter()
                        .any(|item| matches!(item, Item::Clause(_) | Item::Include(_))))
        })
        .map(|unit| (unit.source, unit.retracted.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    //! Most of the shell is tested through the transcripts in
    //! `tests/transcripts/`; these cases need files or look at the reply's data.
    use super::*;
    use crate::session::SessionOptions;

    fn shell_session(text: &str) -> (Shell, Session) {
        let mut session = Session::new(SessionOptions::default());
        if !text.is_empty() {
            session.load_text(text).expect("test program loads");
        }
        (Shell::new(), session)
    }

    #[test]
    fn blank_input_replies_nothing_and_quit_quits() {
        let (mut shell, mut session) = shell_session("");
        assert_eq!(shell.run(&mut session, "  % a comment"), Reply::default());
        assert!(shell.run(&mut session, ":quit").quit);
    }

    #[test]
    fn why_writes_a_dot_graph() {
        let (mut shell, mut session) = shell_session(
            "edge(a, b). edge(b, c).\n\
             path(X, Y) :- edge(X, Y).\npath(X, Z) :- path(X, Y), edge(Y, Z).",
        );
        let directory = std::env::temp_dir().join(format!("wirelog-dot-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&directory);
        let file = directory.join("why.dot");
        let reply = shell.run_text(
            &mut session,
            &format!(":why --dot {} path(a, c).", file.display()),
        );
        assert!(reply.errors.is_empty(), "{reply:?}");
        let dot = std::fs::read_to_string(&file).unwrap_or_default();
        assert!(dot.starts_with("digraph"), "{dot}");
        assert!(dot.contains("edge(b, c)"), "{dot}");
        let reply = shell.run_text(&mut session, ":why --dot");
        assert!(
            reply.errors.contains("takes a file and a fact"),
            "{reply:?}"
        );
    }

    #[test]
    fn replies_are_data_a_front_end_can_render_its_own_way() {
        let (mut shell, mut session) = shell_session("e(a, b). p(X, Y) :- e(X, Y).");
        let reply = shell.run(&mut session, "?- p(a, Y).");
        let Some((answers, elapsed)) = reply.answers() else {
            panic!("answers expected: {reply:?}");
        };
        assert_eq!(answers[0].columns, vec!["Y"]);
        assert!(elapsed.is_some());
        let reply = shell.run(&mut session, ":why p(a, b)");
        assert!(
            matches!(reply.events.as_slice(), [Event::Derivation(derivation)] if derivation.fact == "p(a, b)"),
            "{reply:?}"
        );
        let reply = shell.run(&mut session, "q(X) :- r(Y).");
        assert!(
            reply.events.iter().any(|event| matches!(
                event,
                Event::Diagnostics(diagnostics) if diagnostics.iter().any(|d| d.code == Code::E202)
            )),
            "{reply:?}"
        );
        // `:all` shows the last answers again, every row.
        let reply = shell.run(&mut session, ":all");
        assert!(
            matches!(
                reply.events.as_slice(),
                [Event::Answers { all_rows: true, .. }]
            ),
            "{reply:?}"
        );
    }
}
