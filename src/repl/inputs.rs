//! `:load`, `:reload`, `:retract` and `:undo`: whole inputs into and out of
//! the session.
//!
//! The session keeps its own rules (each file loaded once, what an undo
//! takes back, what a reload reads again); this module only asks and words
//! the reply. `:save` has a module of its own, `save`.

use super::reply::{Event, Reply};
use crate::diagnostic::{Code, Diagnostic};
use crate::present::{plural, table::format_elapsed};
use crate::session::{Accepted, Rejected, Session, Undone, UnitOrigin};
use std::path::Path;
use std::time::Instant;

/// What `:load` calls the bundled knowledge base, as `#include` does.
const NEWS: &str = "<news>";

/// `:load FILE`; `:load <news>` loads the bundled knowledge base. A file
/// already loaded is read again if it changed on disk (as SWI-Prolog's
/// `consult/1` does), with the rest of the input that loaded it.
pub(super) fn load(session: &mut Session, path: &Path) -> Reply {
    if path == Path::new(NEWS) {
        return load_news(session);
    }
    if session.is_loaded(path) {
        return reload(session, Some(path));
    }
    let started = Instant::now();
    let result = session.load_files(&[path.to_path_buf()]);
    loaded(result, &format!("`{}`", path.display()), started)
}

fn load_news(session: &mut Session) -> Reply {
    let loaded_already = session
        .units()
        .iter()
        .any(|unit| matches!(unit.origin, UnitOrigin::Bundled(_)));
    if loaded_already {
        return Reply::info("the news knowledge base is already loaded");
    }
    let started = Instant::now();
    let result = session.load_news();
    loaded(result, "the news knowledge base", started)
}

/// The reply to a load of `what`.
fn loaded(result: Result<Accepted, Rejected>, what: &str, started: Instant) -> Reply {
    let elapsed = started.elapsed();
    match result {
        Ok(accepted) => {
            let mut output = format!(
                "loaded {what}: {} ({})\n",
                plural(accepted.n_clauses, "clause", "clauses"),
                format_elapsed(elapsed)
            );
            if accepted.n_queries > 0 {
                output.push_str(&format!(
                    "its {} not answered here: type them at the prompt, or use `wirelog run`\n",
                    plural(accepted.n_queries, "query is", "queries are")
                ));
            }
            let mut reply = Reply::info(output);
            reply.push_diagnostics(accepted.warnings);
            reply
        }
        Err(rejected) => {
            let mut reply = Reply::diagnostics(rejected.diagnostics);
            reply.push(Event::Error(format!(
                "{what} was not loaded; the session is unchanged"
            )));
            reply
        }
    }
}

/// `:reload`, or `:load` of a file already loaded (`only`).
pub(super) fn reload(session: &mut Session, only: Option<&Path>) -> Reply {
    let started = Instant::now();
    match session.reload(only) {
        Ok(reloaded) if reloaded.files.is_empty() => Reply::info(match only {
            Some(path) => format!(
                "`{}` is already loaded and has not changed since",
                path.display()
            ),
            None => "nothing to reload: no loaded file changed".to_string(),
        }),
        Ok(reloaded) => {
            let files: Vec<String> = reloaded
                .files
                .iter()
                .map(|file| {
                    let mut changes = Vec::new();
                    if file.n_added > 0 {
                        changes.push(format!("{} added", file.n_added));
                    }
                    if file.n_removed > 0 {
                        changes.push(format!("{} removed", file.n_removed));
                    }
                    format!("`{}` ({})", file.name, changes.join(", "))
                })
                .collect();
            let how = if reloaded.incremental {
                "updated"
            } else {
                "evaluated again"
            };
            let mut reply = Reply::info(format!(
                "reloaded {}: the model {how} ({})",
                files.join(", "),
                format_elapsed(started.elapsed())
            ));
            reply.push_diagnostics(reloaded.warnings);
            reply
        }
        Err(rejected) => {
            let mut reply = Reply::diagnostics(rejected.diagnostics);
            reply.push(Event::Error(
                "nothing was reloaded; the session is unchanged (fix the file and `:reload` again)"
                    .to_string(),
            ));
            reply
        }
    }
}

/// `:retract CLAUSE`.
pub(super) fn retract(session: &mut Session, clause: &str) -> Reply {
    match session.retract(clause) {
        Ok(retracted) => {
            let mut text = format!("retracted {} ({})", retracted.clause, retracted.location);
            if retracted.n_copies_left > 0 {
                text.push_str(&format!(
                    "\n{} written the same way remain (`:retract` again removes the next)",
                    plural(retracted.n_copies_left, "clause", "clauses")
                ));
            }
            if retracted.still_holds {
                let fact = retracted.clause.trim_end_matches('.');
                text.push_str(&format!(
                    "\n`{fact}` still holds: another clause derives it (`:why {fact}` shows how)"
                ));
            }
            Reply::info(text)
        }
        Err(rejected) => failed(rejected, "nothing was retracted"),
    }
}

/// `:undo` (`force`: `:undo!`).
pub(super) fn undo(session: &mut Session, force: bool) -> Reply {
    match session.undo(force) {
        Ok(Undone::Input {
            n_clauses,
            files,
            clauses,
            start_up,
        }) => {
            let description = if files.is_empty() {
                clauses.join(" ")
            } else {
                let names: Vec<String> = files.iter().map(|file| format!("`{file}`")).collect();
                format!("the load of {}", names.join(", "))
            };
            let mut text = format!(
                "undone: {description} ({} removed)",
                plural(n_clauses, "clause", "clauses")
            );
            if start_up {
                let again: Vec<String> = files
                    .iter()
                    .map(|file| {
                        if file == NEWS {
                            "`:load <news>` (or `#include <news>.`)".to_string()
                        } else {
                            format!("`:load {file}`")
                        }
                    })
                    .collect();
                text.push_str(&format!(
                    "\nit was loaded at start-up; {} brings it back",
                    again.join(" and ")
                ));
            }
            Reply::info(text)
        }
        Ok(Undone::Retraction { clause }) => {
            Reply::info(format!("undone: the retraction of {clause} (it is back)"))
        }
        Ok(Undone::Reload { files }) => {
            let names: Vec<String> = files.iter().map(|file| format!("`{file}`")).collect();
            Reply::info(format!(
                "undone: the reload of {} (the clauses are as they were before it; the files on disk are not changed)",
                names.join(", ")
            ))
        }
        Err(rejected) => failed(rejected, "the undo failed; the session is unchanged"),
    }
}

/// The reply to a rejected change: its diagnostics, and `message` when the
/// rejection came from checking or evaluating (not from the request itself).
fn failed(rejected: Rejected, message: &str) -> Reply {
    let about_the_request = rejected.diagnostics.iter().all(|diagnostic| {
        matches!(
            diagnostic.code.stage(),
            crate::diagnostic::Stage::Command | crate::diagnostic::Stage::Syntax
        )
    });
    let mut reply = Reply::diagnostics(rejected.diagnostics);
    if !about_the_request {
        reply.push(Event::Error(message.to_string()));
    }
    reply
}

/// E605 for a command that needs something loaded.
pub(super) fn nothing_loaded() -> Reply {
    Reply::diagnostic(
        Diagnostic::error_without_span(Code::E605, "nothing is loaded yet")
            .with_note("help: type facts and rules, `:load FILE`, or `:load <news>`"),
    )
}
