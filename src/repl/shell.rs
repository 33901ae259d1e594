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
use super::{explain, inputs, inspect};
use crate::diagnostic::Code;
use crate::present::{plural, table::format_elapsed};
use crate::session::Session;
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
}

impl Shell {
    /// A shell showing tables, without colour, for an unknown screen.
    pub fn new() -> Shell {
        Shell::default()
    }

    /// Runs one complete input: a `:command` line or Datalog text.
    pub fn run(&mut self, session: &mut Session, input: &str) -> Reply {
        let reply = if is_command(input) {
            match parse_command(input) {
                Ok(command) => self.execute(session, &command),
                Err(error) => Reply::error(format!("error: {error}")),
            }
        } else if is_blank(input) {
            Reply::default()
        } else {
            self.submit(session, input)
        };
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
                    reply.push(Event::Answers {
                        answers: accepted.answers,
                        elapsed: Some(elapsed),
                        all_rows: false,
                    });
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

    /// Runs a parsed command.
    pub fn execute(&mut self, session: &mut Session, command: &Command) -> Reply {
        match command {
            Command::Help(topic) => match help(topic.as_deref()) {
                Ok(text) => Reply::info(text),
                Err(error) => Reply::error(format!("error: {error}")),
            },
            Command::Load(path) => inputs::load(session, path),
            Command::Schema(predicate) => inspect::show_schema(session, predicate.as_deref()),
            Command::Facts(predicate) => inspect::facts(session, predicate),
            Command::Rules(predicate) => inspect::show_rules(session, predicate.as_deref()),
            Command::Why(argument) if argument.trim_start().starts_with("--dot") => {
                explain::why_to_dot(session, argument)
            }
            Command::Why(fact) => explain::why(session, fact),
            Command::WhyNot(fact) => explain::why_not(session, fact),
            Command::Undo => inputs::undo(session),
            Command::Save(path) => inputs::save(session, path),
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
                    Reply::error("no answer to show yet: ask a question with `?-` first")
                } else {
                    Reply::of(Event::Answers {
                        answers: self.last_answers.clone(),
                        elapsed: self.last_elapsed,
                        all_rows: true,
                    })
                }
            }
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
    fn save_writes_the_typed_clauses_atomically() {
        let folder = std::env::temp_dir().join(format!("wirelog-save-{}", std::process::id()));
        std::fs::create_dir_all(&folder).expect("temp folder");
        let path = folder.join("saved.dl");
        let (mut shell, mut session) = shell_session("");
        let reply = shell.run_text(&mut session, &format!(":save {}", path.display()));
        assert!(reply.errors.starts_with("nothing to save"), "{reply:?}");
        shell.run_text(&mut session, "p(\"a. b\").\nq(X) :-\n  p(X).");
        let reply = shell.run_text(&mut session, &format!(":save {}", path.display()));
        assert!(reply.output.starts_with("saved 2 clauses"), "{reply:?}");
        let text = std::fs::read_to_string(&path).expect("saved file");
        assert!(text.ends_with("p(\"a. b\").\nq(X) :-\n  p(X).\n"), "{text}");
        let leftovers: Vec<_> = std::fs::read_dir(&folder)
            .expect("folder")
            .filter_map(Result::ok)
            .filter(|entry| entry.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty());
        // The saved file loads back into a new session.
        let (mut shell, mut session) = shell_session("");
        let reply = shell.run_text(&mut session, &format!(":load {}", path.display()));
        assert!(reply.output.contains("2 clauses"), "{reply:?}");
        let reply = shell.run_text(&mut session, &format!(":load {}", path.display()));
        assert!(reply.errors.contains("already loaded"), "{reply:?}");
        let reply = shell.run_text(&mut session, ":undo");
        assert!(reply.output.contains("the load of"), "{reply:?}");
        let reply = shell.run_text(&mut session, ":load /nonexistent/wirelog/file.dl");
        assert!(reply.errors.contains("was not loaded"), "{reply:?}");
        let reply = shell.run_text(&mut session, ":save /nonexistent/wirelog/file.dl");
        assert!(reply.errors.contains("nothing to save"), "{reply:?}");
        let _ = std::fs::remove_dir_all(&folder);
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
