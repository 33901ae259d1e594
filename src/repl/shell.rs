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
    use super::*;
    use crate::repl::Screen;
    use crate::session::SessionOptions;

    fn shell_session(text: &str) -> (Shell, Session) {
        let mut session = Session::new(SessionOptions::default());
        if !text.is_empty() {
            session.load_text(text).expect("test program loads");
        }
        (Shell::new(), session)
    }

    #[test]
    fn typed_clauses_join_and_queries_answer() {
        let (mut shell, mut session) = shell_session("");
        let reply = shell.run_text(&mut session, "edge(a, b). edge(b, c).");
        assert!(reply.output.starts_with("added 2 clauses"), "{reply:?}");
        let reply = shell.run_text(
            &mut session,
            "path(X, Y) :- edge(X, Y).\npath(X, Z) :- path(X, Y), edge(Y, Z).",
        );
        assert!(reply.output.starts_with("added 2 clauses"), "{reply:?}");
        let reply = shell.run_text(&mut session, "?- path(a, Z).");
        assert!(reply.output.contains("│ b │"), "{}", reply.output);
        assert!(reply.output.contains("2 rows ("), "{}", reply.output);
        let reply = shell.run_text(&mut session, "?- path(a, c).");
        assert!(reply.output.starts_with("yes ("), "{}", reply.output);
        let reply = shell.run_text(&mut session, "?- path(c, a).");
        assert!(reply.output.starts_with("no ("), "{}", reply.output);
    }

    #[test]
    fn a_rejected_input_changes_nothing() {
        let (mut shell, mut session) = shell_session("p(a).");
        let reply = shell.run_text(&mut session, "q(X) :- r(Y).");
        assert!(reply.errors.contains("error"), "{reply:?}");
        assert!(reply.errors.contains("<repl:"), "{}", reply.errors);
        let reply = shell.run_text(&mut session, "p(X).");
        assert!(
            reply.errors.contains("help: to ask a question"),
            "{}",
            reply.errors
        );
        assert_eq!(session.own_clauses(), vec!["p(a)."]);
        let reply = shell.run_text(&mut session, "?- p(X).");
        assert!(reply.output.contains("1 row"), "{reply:?}");
    }

    #[test]
    fn facts_rules_and_schema() {
        let program = "%% edge(From: symbol, To: symbol)\n%% A link.\nedge(a, b).\nedge(b, c).\n\
                       path(X, Y) :- edge(X, Y).\npath(X, Z) :-\n    path(X, Y), edge(Y, Z).";
        let (mut shell, mut session) = shell_session(program);
        let reply = shell.run_text(&mut session, ":facts edge");
        assert!(reply.output.contains("From"), "{}", reply.output);
        assert!(reply.output.contains("2 rows"), "{}", reply.output);
        let reply = shell.run_text(&mut session, ":facts path/2");
        assert!(reply.output.contains("A1"), "{}", reply.output);
        assert!(reply.output.contains("3 rows"), "{}", reply.output);
        let reply = shell.run_text(&mut session, ":facts pth");
        assert_eq!(
            reply.errors,
            "error: no predicate `pth`; did you mean `path`?\n"
        );
        let reply = shell.run_text(&mut session, ":rules path");
        assert!(
            reply
                .output
                .contains("% <repl:1>:5\npath(X, Y) :- edge(X, Y).\n"),
            "{}",
            reply.output
        );
        assert!(
            reply
                .output
                .contains("% <repl:1>:6\npath(X, Z) :-\n    path(X, Y), edge(Y, Z).\n"),
            "{}",
            reply.output
        );
        let reply = shell.run_text(&mut session, ":rules edge");
        assert!(
            reply.output.contains("no rules, only 2 facts"),
            "{}",
            reply.output
        );
        let reply = shell.run_text(&mut session, ":schema edge");
        assert_eq!(
            reply.output,
            "edge(From: symbol, To: symbol)\n    A link.\n"
        );
        let reply = shell.run_text(&mut session, ":schema path");
        assert!(
            reply.output.contains("path/2 is not documented"),
            "{}",
            reply.output
        );
        // `:facts` asks a query; nothing joins the session.
        assert_eq!(session.own_clauses().len(), 4);
    }

    #[test]
    fn undo_removes_the_last_input() {
        let (mut shell, mut session) = shell_session("p(a).");
        shell.run_text(&mut session, "p(b). p(c).");
        let reply = shell.run_text(&mut session, ":undo");
        assert_eq!(reply.output, "undone: p(b). p(c). (2 clauses removed)\n");
        let reply = shell.run_text(&mut session, "?- p(X).");
        assert!(reply.output.contains("1 row"), "{}", reply.output);
        shell.run_text(&mut session, ":undo");
        let reply = shell.run_text(&mut session, ":undo");
        assert_eq!(reply.errors, "nothing to undo\n");
    }

    #[test]
    fn formats_and_all() {
        let facts: String = (0..50).map(|n| format!("n({n}). ")).collect();
        let (mut shell, mut session) = shell_session(&facts);
        shell.view.screen = Screen {
            width: Some(40),
            height: Some(20),
        };
        let reply = shell.run_text(&mut session, "?- n(X).");
        assert!(
            reply
                .output
                .contains("… 38 more rows not shown (`:all` shows them)"),
            "{}",
            reply.output
        );
        let reply = shell.run_text(&mut session, ":all");
        assert!(!reply.output.contains("not shown"), "{}", reply.output);
        assert!(reply.output.contains("50 rows"), "{}", reply.output);
        shell.run_text(&mut session, ":format csv");
        let reply = shell.run_text(&mut session, "?- n(X), X < 2.");
        assert_eq!(reply.output, "X\n0\n1\n");
        shell.run_text(&mut session, ":format json");
        let reply = shell.run_text(&mut session, "?- n(0).");
        assert!(
            reply.output.contains("\"columns\": []") || reply.output.contains("\"columns\":[]"),
            "{}",
            reply.output
        );
        let reply = shell.run_text(&mut session, ":format");
        assert!(reply.output.contains("json"));
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
    fn unknown_commands_and_blank_input() {
        let (mut shell, mut session) = shell_session("");
        let reply = shell.run_text(&mut session, ":shema");
        assert_eq!(
            reply.errors,
            "error: unknown command `:shema`; did you mean `:schema`?\n"
        );
        assert_eq!(shell.run(&mut session, "  % a comment"), Reply::default());
        assert!(shell.run(&mut session, ":quit").quit);
    }

    #[test]
    fn strange_inputs_get_an_answer_not_a_panic() {
        let (mut shell, mut session) = shell_session("p(a).");
        for input in [
            ":facts é/x",
            ":facts p/9",
            ":rules p/abc",
            ":schema ((",
            ":why ((",
            ":why p(X)",
            ":whynot é",
            ":save .",
            ":load \"\"",
            ":help :",
            "?- p(\"unterminated",
            "p(a) :- .",
            "?- .",
        ] {
            let reply = shell.run_text(&mut session, input);
            assert!(
                !reply.output.is_empty() || !reply.errors.is_empty(),
                "no reply to {input:?}"
            );
        }
        assert_eq!(session.own_clauses(), vec!["p(a)."]);
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
    fn why_and_whynot_explain() {
        let (mut shell, mut session) = shell_session(
            "edge(a, b). edge(b, c).\n\
             path(X, Y) :- edge(X, Y).\npath(X, Z) :- path(X, Y), edge(Y, Z).",
        );
        let reply = shell.run_text(&mut session, ":why path(a, c).");
        assert!(reply.errors.is_empty(), "{reply:?}");
        assert!(reply.output.starts_with("path(a, c)"), "{}", reply.output);
        assert!(reply.output.contains("edge(b, c)"), "{}", reply.output);
        let reply = shell.run_text(&mut session, ":why path(c, a)");
        assert!(reply.errors.contains(":whynot"), "{reply:?}");
        let reply = shell.run_text(&mut session, ":whynot path(c, a)");
        assert!(reply.errors.is_empty(), "{reply:?}");
        assert!(reply.output.contains("path(c, a)"), "{}", reply.output);
        shell.run_text(&mut session, ":format json");
        let reply = shell.run_text(&mut session, ":why edge(a, b)");
        assert!(
            reply.output.trim_start().starts_with('{'),
            "{}",
            reply.output
        );
    }
}
