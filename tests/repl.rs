//! The REPL driven through a pseudo-terminal, as a person types.
//!
//! Each test spawns the real binary in a pty with `TERM=xterm` (so rustyline
//! edits in raw mode, as in a terminal), `NO_COLOR=1` and a history file in a
//! fresh folder, then types and waits for text. Matches are on text that only
//! the REPL's output contains, never on the echo of what was typed, and every
//! wait has a timeout so a broken REPL fails the test instead of hanging CI.
#![cfg(unix)]

#[path = "support/transcript.rs"]
mod transcript;

use expectrl::process::unix::WaitStatus;
use expectrl::session::OsSession;
use expectrl::{Eof, Expect, Regex};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// How long any one expected text may take to appear.
const TIMEOUT: Duration = Duration::from_secs(30);
const PROMPT: &str = "wirelog> ";
const CONTINUATION: &str = "     ... ";
const ENTER: &str = "\r";
const CTRL_C: &str = "\x03";
const CTRL_D: &str = "\x04";
const UP: &str = "\x1b[A";

/// A folder removed when the test ends, for the history file and saved files.
struct Folder(PathBuf);

impl Folder {
    fn new(name: &str) -> Folder {
        let path = std::env::temp_dir().join(format!(
            "wirelog-repl-{name}-{}-{:?}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|elapsed| elapsed.as_nanos())
                .unwrap_or_default()
        ));
        std::fs::create_dir_all(&path).expect("create a temporary folder");
        Folder(path)
    }

    fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Folder {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A running REPL.
struct Repl {
    session: OsSession,
}

impl Repl {
    /// Starts `wirelog ARGS...` with its history in `folder` and waits for the first prompt.
    fn start(folder: &Folder, args: &[&str]) -> Repl {
        let mut command = Command::new(env!("CARGO_BIN_EXE_wirelog"));
        command
            .args(args)
            .env("WIRELOG_HISTORY", folder.join("history"))
            .env("NO_COLOR", "1")
            .env("TERM", "xterm")
            .current_dir(&folder.0);
        let mut session = OsSession::spawn(command).expect("spawn wirelog in a pty");
        session.set_expect_timeout(Some(TIMEOUT));
        let _ = session.get_process_mut().set_window_size(100, 40);
        let mut repl = Repl { session };
        repl.expect(PROMPT);
        repl
    }

    /// Types text without pressing Enter.
    fn type_text(&mut self, text: &str) {
        self.session.send(text).expect("type into the pty");
    }

    /// Types a line and presses Enter.
    fn line(&mut self, text: &str) {
        self.type_text(text);
        self.type_text(ENTER);
    }

    /// Waits for `text` in the output; panics with what came instead.
    fn expect(&mut self, text: &str) -> String {
        match self.session.expect(text) {
            Ok(found) => String::from_utf8_lossy(found.before()).into_owned(),
            Err(error) => panic!("waiting for {text:?}: {error}"),
        }
    }

    /// Waits for a regular expression in the output.
    fn expect_regex(&mut self, pattern: &str) {
        if let Err(error) = self.session.expect(Regex(pattern)) {
            panic!("waiting for /{pattern}/: {error}");
        }
    }

    /// Types a line, waits for `text`, then for the next prompt.
    fn ask(&mut self, input: &str, text: &str) -> String {
        self.line(input);
        let before = self.expect(text);
        self.expect(PROMPT);
        before
    }

    /// Presses Ctrl-D and checks that the REPL leaves with status 0.
    fn leave(mut self) {
        self.type_text(CTRL_D);
        if let Err(error) = self.session.expect(Eof) {
            panic!("waiting for the REPL to end: {error}");
        }
        let status = self.session.get_process().wait().expect("exit status");
        assert!(
            matches!(status, WaitStatus::Exited(_, 0)),
            "exit status {status:?}"
        );
    }
}

#[test]
fn bare_wirelog_opens_on_the_news_with_a_banner() {
    let folder = Folder::new("banner");
    let mut command = Command::new(env!("CARGO_BIN_EXE_wirelog"));
    command
        .env("WIRELOG_HISTORY", folder.join("history"))
        .env("NO_COLOR", "1")
        .env("TERM", "xterm")
        .current_dir(&folder.0);
    let mut session = OsSession::spawn(command).expect("spawn wirelog in a pty");
    session.set_expect_timeout(Some(TIMEOUT));
    let mut repl = Repl { session };
    repl.expect_regex(r"loaded the news knowledge base: \d+ predicates, \d+ facts, \d+ rules");
    repl.expect(":help");
    repl.expect(PROMPT);
    repl.ask("?- mediates(qatar, istanbul_talks).", "yes (");
    repl.leave();
}

#[test]
fn a_multi_line_rule_then_a_query_and_its_table() {
    let folder = Folder::new("multiline");
    let mut repl = Repl::start(&folder, &[]);
    repl.line("ended_badly(T) :-");
    repl.expect("... ");
    repl.line("    failed_mediated_talks(T).");
    repl.expect("added 1 clause");
    repl.expect(PROMPT);
    repl.line("?- ended_badly(Talks).");
    let table = repl.expect("istanbul_talks");
    assert!(table.contains("│ Talks"), "{table}");
    // The row count and the time taken.
    repl.expect_regex(r"\d+ rows? \(<?[\d.]+ m?s\)");
    repl.expect(PROMPT);
    repl.leave();
}

#[test]
fn tab_completes_a_predicate_name() {
    let folder = Folder::new("complete");
    let mut repl = Repl::start(&folder, &[]);
    repl.type_text("?- failed_med");
    repl.type_text("\t");
    std::thread::sleep(Duration::from_millis(200));
    let table = repl.ask("(T).", " row");
    assert!(table.contains("istanbul_talks"), "{table}");
    repl.leave();
}

#[test]
fn an_error_leaves_the_session_as_it_was() {
    let folder = Folder::new("error");
    let mut repl = Repl::start(&folder, &["repl"]);
    repl.ask("kept(1).", "added 1 clause");
    repl.line("bad(X) :- kept(Y).");
    repl.expect("error[");
    repl.expect("<repl:");
    repl.expect(PROMPT);
    repl.ask("?- bad(X).", "not defined");
    repl.ask("?- kept(X).", "1 row");
    repl.leave();
}

#[test]
fn undo_removes_the_last_clause() {
    let folder = Folder::new("undo");
    let mut repl = Repl::start(&folder, &["repl"]);
    repl.ask("u(1).", "added 1 clause");
    repl.ask("u(2).", "added 1 clause");
    repl.ask(":undo", "1 clause removed");
    repl.ask("?- u(X).", "1 row");
    repl.leave();
}

#[test]
fn save_then_load_in_a_new_session() {
    let folder = Folder::new("save");
    let saved = folder.join("mine.dl");
    let mut repl = Repl::start(&folder, &["repl"]);
    repl.ask("saved_fact(\"a. b\").", "added 1 clause");
    repl.ask("saved_rule(X) :- saved_fact(X).", "added 1 clause");
    repl.ask(&format!(":save {}", saved.display()), "saved 2 clauses");
    repl.leave();
    let text = std::fs::read_to_string(&saved).expect("the saved file");
    assert!(text.contains("saved_rule(X) :- saved_fact(X)."), "{text}");

    let mut repl = Repl::start(&folder, &["repl"]);
    repl.ask(&format!(":load {}", saved.display()), "2 clauses");
    let table = repl.ask("?- saved_rule(X).", "1 row");
    assert!(table.contains("\"a. b\""), "{table}");
    repl.leave();
}

#[test]
fn ctrl_c_abandons_the_input_being_typed() {
    let folder = Folder::new("ctrl-c-input");
    let mut repl = Repl::start(&folder, &["repl"]);
    repl.line("abandoned(1) :-");
    repl.expect("... ");
    repl.type_text(CTRL_C);
    repl.expect("(input abandoned)");
    repl.expect(PROMPT);
    repl.ask("?- abandoned(1).", "not defined");
    repl.ask("after(1).", "added 1 clause");
    repl.leave();
}

#[test]
fn ctrl_c_interrupts_a_runaway_evaluation() {
    let folder = Folder::new("ctrl-c-eval");
    let mut repl = Repl::start(
        &folder,
        &[
            "repl",
            "--max-rounds",
            "1000000000",
            "--max-tuples",
            "1000000000",
        ],
    );
    repl.ask("m(1).", "added 1 clause");
    repl.line("n(0). n(X) :- n(Y), X = Y + 1.");
    std::thread::sleep(Duration::from_millis(500));
    repl.type_text(CTRL_C);
    repl.expect("evaluation interrupted");
    repl.expect("the session is as it was");
    repl.expect(PROMPT);
    repl.ask("?- m(X).", "1 row");
    repl.ask("?- n(0).", "not defined");
    repl.leave();
}

#[test]
fn history_survives_a_restart() {
    let folder = Folder::new("history");
    let mut repl = Repl::start(&folder, &["repl"]);
    repl.ask("remembered(42).", "added 1 clause");
    repl.leave();
    let history = std::fs::read_to_string(folder.join("history")).expect("the history file");
    assert!(history.contains("remembered(42)."), "{history}");

    let mut repl = Repl::start(&folder, &["repl"]);
    repl.type_text(UP);
    std::thread::sleep(Duration::from_millis(200));
    repl.type_text(ENTER);
    repl.expect("added 1 clause");
    repl.expect(PROMPT);
    repl.ask("?- remembered(X).", "1 row");
    repl.leave();
}

#[test]
fn why_shows_the_derivation_down_to_the_citations() {
    let folder = Folder::new("why");
    let mut repl = Repl::start(&folder, &[]);
    repl.line(":why failed_mediated_talks(istanbul_talks)");
    repl.expect("rule failed_mediated_talks(T) :-");
    repl.expect("ended without agreement");
    repl.expect(PROMPT);
    repl.ask(":whynot mediates(egypt, istanbul_talks)", "does not hold");
    repl.leave();
}

#[test]
fn an_unknown_command_suggests_the_closest() {
    let folder = Folder::new("unknown");
    let mut repl = Repl::start(&folder, &["repl"]);
    repl.ask(":shema", "did you mean `:schema`?");
    repl.ask(":help", ":whynot");
    repl.leave();
}

#[test]
fn quit_leaves() {
    let folder = Folder::new("quit");
    let mut repl = Repl::start(&folder, &["repl"]);
    repl.line(":quit");
    if let Err(error) = repl.session.expect(Eof) {
        panic!("waiting for the REPL to end: {error}");
    }
}

#[test]
fn piped_input_runs_line_by_line() {
    let folder = Folder::new("piped");
    let mut child = Command::new(env!("CARGO_BIN_EXE_wirelog"))
        .args(["repl"])
        .env("WIRELOG_HISTORY", "")
        .current_dir(&folder.0)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn wirelog");
    if let Some(mut stdin) = child.stdin.take() {
        use std::io::Write;
        stdin
            .write_all(b"p(a).\nq(X) :-\n  p(X).\n?- q(X).\n:shema\n")
            .expect("write to wirelog");
    }
    let output = child.wait_with_output().expect("wirelog ends");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stdout.contains("│ a │"), "{stdout}");
    assert!(stdout.contains("1 row"), "{stdout}");
    assert!(stderr.contains("did you mean `:schema`?"), "{stderr}");
    assert!(!Path::new(&folder.join("history")).exists());
}

#[test]
fn transcripts_marked_pty_read_the_same_in_a_terminal() {
    let mut paths: Vec<_> = std::fs::read_dir("tests/transcripts")
        .expect("tests/transcripts/")
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .collect();
    paths.sort();
    let mut n_played = 0;
    for path in paths {
        let text = std::fs::read_to_string(&path).expect("a transcript");
        let parsed = transcript::Transcript::parse(&text);
        if !parsed.pty {
            continue;
        }
        n_played += 1;
        let folder = Folder::new("transcript");
        let args: &[&str] = if parsed.news {
            &["repl", "--news"]
        } else {
            &["repl"]
        };
        let mut repl = Repl::start(&folder, args);
        let mut lines = wirelog::repl::Lines::new();
        for (typed, expected) in transcript::Transcript::exchanges(&text) {
            repl.line(&typed);
            // The end of the echo: rustyline redraws the line (prompt included)
            // while it is typed, so what follows is the reply and the next prompt.
            repl.expect("\r\n");
            // Each line in order, up to its time taken (which varies).
            for line in &expected {
                let fixed = line.split("(TIME)").next().unwrap_or_default();
                if !fixed.trim().is_empty() {
                    repl.expect(fixed);
                }
            }
            let _ = lines.push(&typed);
            repl.expect(if lines.is_open() {
                CONTINUATION
            } else {
                PROMPT
            });
        }
        repl.leave();
    }
    assert!(n_played > 0, "no transcript is marked `% pty`");
}

#[test]
fn a_runaway_query_stops_at_the_tuple_limit_and_the_session_stays() {
    // Issue 16, item 1: typed into the REPL, a 28-atom query over two facts
    // once grew to gigabytes and killed the session.
    let folder = Folder::new("wide-query");
    let mut repl = Repl::start(&folder, &["repl", "--max-tuples", "1000"]);
    repl.ask("q(1). q(2).", "added 2 clauses");
    let atoms: Vec<String> = (0..28).map(|index| format!("q(A{index})")).collect();
    repl.line(&format!("?- {}.", atoms.join(", ")));
    repl.expect("error[E302]");
    repl.expect(PROMPT);
    repl.ask("?- q(X).", "2 rows");
    repl.leave();
}

#[test]
fn a_typed_byte_that_is_not_utf8_is_reported_and_the_session_goes_on() {
    // Issue 16, item 3: one such byte ended the REPL with everything typed.
    let folder = Folder::new("bad-byte");
    let mut repl = Repl::start(&folder, &["repl"]);
    repl.ask("kept(1).", "added 1 clause");
    repl.session
        .send(b"bad(\"caf\xe9\").\r")
        .expect("type into the pty");
    repl.expect("not UTF-8");
    repl.expect(PROMPT);
    repl.ask("?- kept(X).", "1 row");
    repl.leave();
}
