//! `:load`, `:undo` and `:save`: whole inputs into and out of the session.
//!
//! The session keeps its own rules (each file loaded once, what an undo
//! removes); this module only asks and words the reply.

use super::files::write_atomically;
use super::reply::{Event, Reply};
use crate::present::{plural, table::format_elapsed};
use crate::session::{Session, UnitOrigin};
use std::path::Path;
use std::time::Instant;

/// `:load FILE`.
pub(super) fn load(session: &mut Session, path: &Path) -> Reply {
    if session.is_loaded(path) {
        return Reply::error(format!(
            "`{}` is already loaded (each file is loaded once; `:undo` removes the last input)",
            path.display()
        ));
    }
    let started = Instant::now();
    let result = session.load_files(&[path.to_path_buf()]);
    let elapsed = started.elapsed();
    match result {
        Ok(accepted) => {
            let mut output = format!(
                "loaded `{}`: {} ({})\n",
                path.display(),
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
                "`{}` was not loaded; the session is unchanged",
                path.display()
            )));
            reply
        }
    }
}

/// `:undo`.
pub(super) fn undo(session: &mut Session) -> Reply {
    match session.undo() {
        None => Reply::error("nothing to undo"),
        Some(Ok(undone)) => {
            let description = if undone.files.is_empty() {
                undone.clauses.join(" ")
            } else {
                let files: Vec<String> = undone
                    .files
                    .iter()
                    .map(|file| format!("`{file}`"))
                    .collect();
                format!("the load of {}", files.join(", "))
            };
            Reply::info(format!(
                "undone: {description} ({} removed)",
                plural(undone.n_clauses, "clause", "clauses")
            ))
        }
        Some(Err(rejected)) => {
            let mut reply = Reply::diagnostics(rejected.diagnostics);
            reply.push(Event::Error(
                "the undo failed; the session is unchanged".to_string(),
            ));
            reply
        }
    }
}

/// `:save FILE`.
pub(super) fn save(session: &Session, path: &Path) -> Reply {
    let n_clauses = session.own_clauses().len();
    if n_clauses == 0 {
        return Reply::error("nothing to save: no clause was typed in this session");
    }
    match write_atomically(path, &saved_text(session)) {
        Ok(()) => Reply::info(format!(
            "saved {} to `{}`",
            plural(n_clauses, "clause", "clauses"),
            path.display()
        )),
        Err(error) => Reply::error(format!("error: cannot write `{}`: {error}", path.display())),
    }
}

/// The text `:save` writes: a header naming what else the session loaded,
/// then each typed clause as written.
pub fn saved_text(session: &Session) -> String {
    let mut text = String::from("% clauses typed in a wirelog session\n");
    let mut loaded: Vec<String> = Vec::new();
    for unit in session.units() {
        let name = match &unit.origin {
            UnitOrigin::Input => continue,
            UnitOrigin::Bundled(_) => "<news>".to_string(),
            UnitOrigin::File(path) => path.display().to_string(),
        };
        if !loaded.contains(&name) {
            loaded.push(name);
        }
    }
    if !loaded.is_empty() {
        text.push_str(&format!(
            "% the session had also loaded: {}\n",
            loaded.join(", ")
        ));
    }
    text.push('\n');
    for clause in session.own_clauses() {
        text.push_str(&clause);
        text.push('\n');
    }
    text
}
