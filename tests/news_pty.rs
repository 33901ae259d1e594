//! Citations verified in the REPL as a person types them, through a
//! pseudo-terminal: an invented quote and an unknown article are rejected
//! with their span, and the session is unchanged (the same answers, and
//! `:undo` has nothing of them to take back).
#![cfg(unix)]

use expectrl::session::OsSession;
use expectrl::{Eof, Expect};
use std::process::Command;
use std::time::Duration;

const PROMPT: &str = "wirelog> ";

fn expect(session: &mut OsSession, text: &str) -> String {
    match session.expect(text) {
        Ok(found) => String::from_utf8_lossy(found.before()).into_owned(),
        Err(error) => panic!("waiting for {text:?}: {error}"),
    }
}

fn ask(session: &mut OsSession, input: &str, text: &str) -> String {
    session.send(input).expect("type into the pty");
    session.send("\r").expect("press Enter");
    let before = expect(session, text);
    expect(session, PROMPT);
    before
}

#[test]
fn invented_citations_are_rejected_and_the_session_is_unchanged() {
    let folder = tempfile::tempdir().expect("temp folder");
    std::fs::create_dir_all(folder.path().join("town")).expect("collection");
    std::fs::write(
        folder.path().join("town/bridge.txt"),
        "The council closed the old bridge on Monday.\n",
    )
    .expect("article");
    let mut command = Command::new(env!("CARGO_BIN_EXE_wirelog"));
    command
        .args(["repl", "--articles", "town"])
        .env("WIRELOG_HISTORY", folder.path().join("history"))
        .env("NO_COLOR", "1")
        .env("TERM", "xterm")
        .current_dir(folder.path());
    let mut session = OsSession::spawn(command).expect("spawn wirelog in a pty");
    session.set_expect_timeout(Some(Duration::from_secs(30)));
    let _ = session.get_process_mut().set_window_size(100, 40);
    expect(&mut session, PROMPT);
    ask(
        &mut session,
        "closed(bridge) @ \"bridge\": \"closed the old bridge\".",
        "added 1 clause",
    );
    ask(
        &mut session,
        "closed(tunnel) @ \"bridge\": \"closed the tunnel\".",
        "error[E403]: quote not found in `bridge`",
    );
    ask(
        &mut session,
        "closed(ferry) @ \"ferry\": \"closed\".",
        "error[E401]: unknown article `ferry`",
    );
    let answers = ask(&mut session, "?- closed(X) @ A : Q.", "1 row");
    assert!(
        answers.contains("│ bridge │ \"bridge\" │ \"closed the old bridge\" │"),
        "{answers}"
    );
    assert!(
        !answers.contains("tunnel") && !answers.contains("ferry"),
        "{answers}"
    );
    ask(&mut session, ":undo", "(1 clause removed)");
    ask(&mut session, ":undo", "error[E605]: nothing to undo");
    session.send(":quit\r").expect("type :quit");
    if let Err(error) = session.expect(Eof) {
        panic!("waiting for the REPL to end: {error}");
    }
}
