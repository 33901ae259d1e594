//! The REPL without a terminal: the `:command` language, the shell that runs
//! inputs against a session, replies as data, and the editing aids.
//!
//! Everything a person at the prompt can do is here and testable without a
//! terminal; the binary's `cli::repl` only reads lines with rustyline, feeds
//! them to [`Lines`] and [`Shell`], and prints [`Reply::to_text`]. A web
//! front end is meant to do the same with its own rendering of [`Reply`].
//!
//! Inside, with no cycle: `command` (the language) → `help`, `edit` (editing
//! aids) → `lines` (gathering lines into inputs); `reply` (data and its
//! text), `files` → `inputs` (`:load`, `:reload`, `:retract`, `:undo`),
//! `save` (`:save`), `course` (`:exercise`, `:check`), `inspect` (`:schema`, `:facts`, `:rules`), `explain`
//! (`:why`, `:whynot`) → `shell` (the dispatcher). It never prints and never
//! evaluates by itself: every change goes through `Session`.

mod command;
mod course;
mod edit;
mod explain;
mod files;
mod help;
mod inputs;
mod inspect;
mod lines;
mod reply;
mod save;
mod shell;

pub use command::{
    Argument, COMMANDS, Command, CommandError, CommandInfo, is_command, parse_command,
    resolve_command,
};
pub use course::check_exercise;
pub use edit::{Completion, Signature, Vocabulary, highlight, is_blank, is_complete, variables};
pub use files::write_atomically;
pub use help::help;
pub use lines::{BLANK_IN_CLAUSE, BadLine, Line, Lines, ReadLine, read_line};
pub use reply::{Event, RejectedAnswer, Reply, Screen, Text, TextView};
pub use save::{SAVED_MARK, SavedText, saved_text};
pub use shell::Shell;
