//! `:save FILE`: the session as a file that `wirelog run` answers from as
//! the session did.
//!
//! Owns the saved file's shape and the rules for overwriting. What was
//! loaded is written as `#include` lines (paths relative to the saved
//! file, `<news>` for the bundled knowledge base), what was typed as it was
//! typed, in the order it all arrived. A loaded file is copied in instead
//! of included when the session no longer holds it as it is on disk (a
//! clause of it was retracted) or when it is the file being written
//! (including itself would lose it). A file `:save` did not write (it has
//! no [`SAVED_MARK`] first line) is overwritten only when forced.
//!
//! Directives that name files (`#include` today) are rewritten relative to
//! the saved file in one place, [`Writer::directive`]; others that name
//! files belong there too.

use super::files::{relative_path, resolve_link, unwritable, write_atomically};
use super::reply::Reply;
use crate::diagnostic::{Code, Diagnostic};
use crate::present::plural;
use crate::session::{Session, Unit, UnitOrigin};
use crate::syntax::ast::{IncludeTarget, Item};
use std::path::{Path, PathBuf};

/// The first line of every file `:save` writes; a file starting otherwise
/// is not overwritten without `:save!`.
pub const SAVED_MARK: &str = "% written by wirelog :save";

/// `:save FILE` (`force`: `:save! FILE`).
pub(super) fn save(session: &Session, path: &Path, force: bool) -> Reply {
    let holds_something = session.units().iter().any(|unit| {
        unit.origin != UnitOrigin::Input
            || unit
                .program
                .items
                .iter()
                .any(|item| matches!(item, Item::Clause(_) | Item::Include(_)))
    });
    if !holds_something {
        return Reply::diagnostic(
            Diagnostic::error_without_span(Code::E605, "nothing to save: the session is empty")
                .with_note("help: type facts and rules, or `:load FILE`, then `:save FILE`"),
        );
    }
    let shown = path.display().to_string();
    let cannot_write = |reason: String| {
        Reply::diagnostic(Diagnostic::error_without_span(
            Code::E607,
            format!("cannot write `{shown}`: {reason}"),
        ))
    };
    let target = match resolve_link(path) {
        Ok(target) => target,
        Err(error) => return cannot_write(error.to_string()),
    };
    if let Some(reason) = unwritable(&target) {
        return cannot_write(reason);
    }
    if target.exists() && !force && !written_by_save(&target) {
        let mut diagnostic = Diagnostic::error_without_span(
            Code::E606,
            format!("`{shown}` exists and was not written by `:save`; it is left as it is"),
        );
        if session.is_loaded(&target) {
            diagnostic = diagnostic.with_note(format!(
                "`{shown}` is loaded in this session: `:save! {shown}` writes its clauses into it, with the rest of the session"
            ));
        }
        return Reply::diagnostic(
            diagnostic.with_note(format!(
                "help: `:save! {shown}` (or `:save {shown} --force`) replaces it; or save to another file"
            )),
        );
    }
    let folder = target
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let folder = match std::fs::canonicalize(&folder) {
        Ok(folder) => folder,
        Err(_) => {
            return cannot_write(format!("the folder `{}` does not exist", folder.display()));
        }
    };
    let canonical_target = target
        .file_name()
        .map(|name| folder.join(name))
        .unwrap_or_else(|| target.clone());
    let saved = saved_text(session, &folder, &canonical_target);
    match write_atomically(&target, &saved.text) {
        Ok(written) => {
            let mut parts = Vec::new();
            if saved.n_includes > 0 {
                parts.push(plural(saved.n_includes, "#include line", "#include lines"));
            }
            if saved.n_copied > 0 {
                parts.push(format!(
                    "{} copied from loaded files",
                    plural(saved.n_copied, "clause", "clauses")
                ));
            }
            parts.push(plural(saved.n_typed, "typed clause", "typed clauses"));
            let through = if written != path {
                format!(" (through the link, to `{}`)", written.display())
            } else {
                String::new()
            };
            Reply::info(format!(
                "saved {} to `{shown}`{through}; `wirelog run {shown}` runs it",
                parts.join(", ")
            ))
        }
        Err(error) => cannot_write(error.to_string()),
    }
}

/// True when the file's first line is [`SAVED_MARK`].
fn written_by_save(path: &Path) -> bool {
    std::fs::read(path).is_ok_and(|bytes| bytes.starts_with(SAVED_MARK.as_bytes()))
}

/// What `:save` writes, and what it holds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SavedText {
    /// The file's text.
    pub text: String,
    /// `#include` lines.
    pub n_includes: usize,
    /// Clauses copied from loaded files.
    pub n_copied: usize,
    /// Clauses typed in the session.
    pub n_typed: usize,
}

/// The text `:save` writes for a file `target` (absolute) in `folder`
/// (absolute): a header, then each input in the order it arrived.
pub fn saved_text(session: &Session, folder: &Path, target: &Path) -> SavedText {
    let mut writer = Writer {
        session,
        folder,
        saved: SavedText {
            text: format!("{SAVED_MARK} (it may replace this file; `wirelog run` runs it)\n\n"),
            ..SavedText::default()
        },
    };
    let units = session.units();
    let mut index = 0;
    while index < units.len() {
        let input = units[index].input;
        let end = units[index..]
            .iter()
            .position(|unit| unit.input != input)
            .map_or(units.len(), |offset| index + offset);
        let group = &units[index..end];
        let copy = group.iter().any(|unit| {
            (!unit.retracted.is_empty() && unit.origin != UnitOrigin::Input)
                || matches!(&unit.origin, UnitOrigin::File(path) if path == target)
        });
        if copy {
            for unit in group {
                writer.copy(unit);
            }
        } else {
            for unit in group.iter().filter(|unit| unit.root) {
                writer.root(unit);
            }
        }
        index = end;
    }
    writer.saved
}

/// Writes the saved text, unit by unit.
struct Writer<'a> {
    session: &'a Session,
    folder: &'a Path,
    saved: SavedText,
}

impl Writer<'_> {
    /// A unit the input named: a loaded file or `<news>` as an `#include`
    /// line, typed text as it was typed.
    fn root(&mut self, unit: &Unit) {
        match &unit.origin {
            UnitOrigin::File(path) => {
                let line = format!("#include \"{}\".\n", self.relative(path));
                self.saved.text.push_str(&line);
                self.saved.n_includes += 1;
            }
            UnitOrigin::Bundled(_) => {
                self.saved.text.push_str("#include <news>.\n");
                self.saved.n_includes += 1;
            }
            UnitOrigin::Input | UnitOrigin::Text => {
                let sources = self.session.sources();
                for item in &unit.program.items {
                    match item {
                        Item::Clause(clause) => {
                            self.saved.text.push_str(sources.snippet(clause.span));
                            self.saved.text.push('\n');
                            self.saved.n_typed += 1;
                        }
                        Item::Doc(doc) => {
                            self.saved.text.push_str(sources.snippet(doc.span));
                            self.saved.text.push('\n');
                        }
                        Item::Include(include) => {
                            let line = self.directive(&include.target);
                            self.saved.text.push_str(&line);
                            self.saved.text.push('\n');
                            self.saved.n_includes += 1;
                        }
                        Item::Constraint(constraint) => {
                            self.saved.text.push_str(sources.snippet(constraint.span));
                            self.saved.text.push('\n');
                            self.saved.n_typed += 1;
                        }
                        Item::Articles(_) | Item::Import(_) | Item::Export(_) => {
                            self.saved.text.push_str(sources.snippet(item.span()));
                            self.saved.text.push('\n');
                        }
                        Item::Facts(run) => {
                            self.saved.text.push_str(&item.to_string());
                            self.saved.n_typed += run.rows.len();
                        }
                        Item::Query(_) => {}
                    }
                }
            }
        }
    }

    /// A loaded text copied in: its text as loaded, less its retracted
    /// clauses, with its `#include`s commented out (what they name is
    /// copied in before it).
    fn copy(&mut self, unit: &Unit) {
        let sources = self.session.sources();
        let Some(source) = sources.get(unit.source) else {
            return;
        };
        if unit.origin == UnitOrigin::Input {
            self.root(unit);
            return;
        }
        let mut edits: Vec<(std::ops::Range<usize>, String)> = unit
            .retracted
            .iter()
            .map(|span| {
                let clause = crate::text::collapse_whitespace(sources.snippet(*span));
                (span.range(), format!("% retracted: {clause}"))
            })
            .collect();
        for item in &unit.program.items {
            match item {
                Item::Include(include) => edits.push((
                    include.span.range(),
                    format!("% {} (copied above)", sources.snippet(include.span)),
                )),
                Item::Clause(_) => self.saved.n_copied += 1,
                _ => {}
            }
        }
        edits.sort_by_key(|(range, _)| std::cmp::Reverse(range.start));
        let mut text = source.text.clone();
        for (range, replacement) in edits {
            if text.get(range.clone()).is_some() {
                text.replace_range(range, &replacement);
            }
        }
        self.saved
            .text
            .push_str(&format!("% copied from {}\n", source.name));
        self.saved.text.push_str(&text);
        if !text.ends_with('\n') {
            self.saved.text.push('\n');
        }
        self.saved
            .text
            .push_str(&format!("% end of {}\n", source.name));
    }

    /// A directive typed at the prompt, its file named relative to the saved
    /// file (typed paths are relative to the current folder).
    fn directive(&self, target: &IncludeTarget) -> String {
        match target {
            IncludeTarget::Bundled(name) => format!("#include <{name}>."),
            IncludeTarget::Path(path) => {
                let absolute = std::path::absolute(path).unwrap_or_else(|_| PathBuf::from(path));
                let absolute = std::fs::canonicalize(&absolute).unwrap_or(absolute);
                format!("#include \"{}\".", self.relative(&absolute))
            }
        }
    }

    /// `path` (absolute) relative to the saved file's folder, quoted for a string.
    fn relative(&self, path: &Path) -> String {
        relative_path(self.folder, path)
            .replace('\\', "\\\\")
            .replace('"', "\\\"")
    }
}

#[cfg(test)]
mod tests {
    //! `:save` on disk: what it writes, and what it refuses to replace.
    //! `tests/cli.rs` checks that `wirelog run` of a saved file answers as
    //! the session did.
    use super::*;
    use crate::repl::Shell;
    use crate::session::SessionOptions;

    /// A fresh folder under the system's temporary folder.
    fn folder(name: &str) -> PathBuf {
        let folder = std::env::temp_dir().join(format!(
            "wirelog-save-{name}-{}-{:?}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|elapsed| elapsed.as_nanos())
                .unwrap_or_default()
        ));
        std::fs::create_dir_all(&folder).expect("a temporary folder");
        folder
    }

    fn run(shell: &mut Shell, session: &mut Session, input: &str) -> crate::repl::Text {
        shell.run_text(session, input)
    }

    #[test]
    fn typed_clauses_are_saved_as_typed_and_load_back() {
        let folder = folder("typed");
        let path = folder.join("saved.dl");
        let (mut shell, mut session) = (Shell::new(), Session::new(SessionOptions::default()));
        let reply = run(
            &mut shell,
            &mut session,
            &format!(":save {}", path.display()),
        );
        assert!(
            reply.errors.starts_with("error[E605]: nothing to save"),
            "{reply:?}"
        );
        run(&mut shell, &mut session, "p(\"a. b\").\nq(X) :-\n  p(X).");
        let reply = run(
            &mut shell,
            &mut session,
            &format!(":save {}", path.display()),
        );
        assert!(
            reply.output.starts_with("saved 2 typed clauses"),
            "{reply:?}"
        );
        let text = std::fs::read_to_string(&path).expect("saved file");
        assert!(text.starts_with(SAVED_MARK), "{text}");
        assert!(text.ends_with("p(\"a. b\").\nq(X) :-\n  p(X).\n"), "{text}");
        let leftovers = std::fs::read_dir(&folder)
            .expect("folder")
            .filter_map(Result::ok)
            .filter(|entry| entry.file_name().to_string_lossy().ends_with(".tmp"))
            .count();
        assert_eq!(leftovers, 0);
        // Saved again, over its own file: no question asked.
        run(&mut shell, &mut session, "r(1).");
        let reply = run(
            &mut shell,
            &mut session,
            &format!(":save {}", path.display()),
        );
        assert!(reply.errors.is_empty(), "{reply:?}");
        // The saved file loads into a new session; loading it again reads it
        // again only when it changed.
        let (mut shell, mut session) = (Shell::new(), Session::new(SessionOptions::default()));
        let reply = run(
            &mut shell,
            &mut session,
            &format!(":load {}", path.display()),
        );
        assert!(reply.output.contains("3 clauses"), "{reply:?}");
        let reply = run(
            &mut shell,
            &mut session,
            &format!(":load {}", path.display()),
        );
        assert!(reply.output.contains("has not changed"), "{reply:?}");
        let _ = std::fs::remove_dir_all(&folder);
    }

    #[test]
    fn loaded_files_are_included_relative_to_the_saved_file() {
        let folder = folder("include");
        std::fs::create_dir_all(folder.join("rules")).expect("rules folder");
        std::fs::create_dir_all(folder.join("out")).expect("out folder");
        let rules = folder.join("rules").join("base.dl");
        std::fs::write(&rules, "base(1).\n").expect("rules file");
        let (mut shell, mut session) = (Shell::new(), Session::new(SessionOptions::default()));
        run(
            &mut shell,
            &mut session,
            &format!(":load {}", rules.display()),
        );
        run(
            &mut shell,
            &mut session,
            "#include <news>.\nmine(X) :- base(X).",
        );
        let saved = folder.join("out").join("all.dl");
        let reply = run(
            &mut shell,
            &mut session,
            &format!(":save {}", saved.display()),
        );
        assert!(reply.errors.is_empty(), "{reply:?}");
        let text = std::fs::read_to_string(&saved).expect("saved file");
        assert!(
            text.contains(
                "#include \"../rules/base.dl\".\n#include <news>.\nmine(X) :- base(X).\n"
            ),
            "{text}"
        );
        // A retracted clause of a loaded file: the file is copied in, less it.
        let reply = run(&mut shell, &mut session, ":retract base(1).");
        assert!(reply.errors.is_empty(), "{reply:?}");
        run(
            &mut shell,
            &mut session,
            &format!(":save {}", saved.display()),
        );
        let text = std::fs::read_to_string(&saved).expect("saved file");
        assert!(text.contains("% retracted: base(1)."), "{text}");
        assert!(!text.contains("#include \"../rules/base.dl\""), "{text}");
        let _ = std::fs::remove_dir_all(&folder);
    }

    #[test]
    fn a_file_save_did_not_write_is_replaced_only_when_forced() {
        let folder = folder("refuse");
        let path = folder.join("mine.dl");
        let own = "?- p(X).\n?- q(X).\n";
        std::fs::write(&path, own).expect("a file of the user's");
        let (mut shell, mut session) = (Shell::new(), Session::new(SessionOptions::default()));
        run(&mut shell, &mut session, "p(a).");
        let reply = run(
            &mut shell,
            &mut session,
            &format!(":save {}", path.display()),
        );
        assert!(reply.errors.starts_with("error[E606]"), "{reply:?}");
        assert_eq!(std::fs::read_to_string(&path).ok().as_deref(), Some(own));
        let reply = run(
            &mut shell,
            &mut session,
            &format!(":save {} --force", path.display()),
        );
        assert!(reply.errors.is_empty(), "{reply:?}");
        assert!(std::fs::read_to_string(&path).is_ok_and(|text| text.starts_with(SAVED_MARK)));
        let _ = std::fs::remove_dir_all(&folder);
    }

    #[cfg(unix)]
    #[test]
    fn permissions_links_and_read_only_files_are_respected() {
        use std::os::unix::fs::PermissionsExt;
        let folder = folder("unix");
        let (mut shell, mut session) = (Shell::new(), Session::new(SessionOptions::default()));
        run(&mut shell, &mut session, "p(a).");
        // Permissions are kept.
        let path = folder.join("shared.dl");
        run(
            &mut shell,
            &mut session,
            &format!(":save {}", path.display()),
        );
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).expect("chmod");
        run(&mut shell, &mut session, "p(b).");
        let reply = run(
            &mut shell,
            &mut session,
            &format!(":save {}", path.display()),
        );
        assert!(reply.errors.is_empty(), "{reply:?}");
        let mode = std::fs::metadata(&path)
            .map(|m| m.permissions().mode() & 0o777)
            .ok();
        assert_eq!(mode, Some(0o640));
        // A link is written through and stays a link.
        let link = folder.join("link.dl");
        std::os::unix::fs::symlink(&path, &link).expect("symlink");
        run(&mut shell, &mut session, "p(c).");
        let reply = run(
            &mut shell,
            &mut session,
            &format!(":save {}", link.display()),
        );
        assert!(reply.output.contains("through the link"), "{reply:?}");
        assert!(std::fs::symlink_metadata(&link).is_ok_and(|m| m.file_type().is_symlink()));
        assert!(std::fs::read_to_string(&path).is_ok_and(|text| text.contains("p(c).")));
        // A read-only file is refused, forced or not.
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o444)).expect("chmod");
        let reply = run(
            &mut shell,
            &mut session,
            &format!(":save! {}", path.display()),
        );
        assert!(
            reply.errors.contains("E607") && reply.errors.contains("read-only"),
            "{reply:?}"
        );
        assert!(std::fs::read_to_string(&path).is_ok_and(|text| !text.contains("p(d).")));
        let _ = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644));
        let _ = std::fs::remove_dir_all(&folder);
    }
}
