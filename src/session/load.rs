//! Loading: files, the bundled knowledge base and typed text become parsed
//! units, with their includes, before the session checks them as one input.
//!
//! Owns the file rules: paths are canonicalised and each file is loaded at
//! most once per session (like `#pragma once`, which also ends include
//! cycles); an include is relative to the file that names it; `<news>` is
//! the bundled knowledge base. It reads files and parses; it checks and
//! evaluates nothing (`Session::commit` does, all or nothing).

use super::{Accepted, Rejected, Session, Unit, UnitOrigin};
use crate::diagnostic::{Code, Diagnostic};
use crate::span::Span;
use crate::syntax::ast::{self, IncludeTarget, Item};
use crate::syntax::parse_program;
use std::path::{Path, PathBuf};

include!(concat!(env!("OUT_DIR"), "/bundled_rules.rs"));

/// The name under which bundled knowledge-base files are reported, e.g. `<news>/talks.dl`.
const NEWS_PREFIX: &str = "<news>/";

/// One part of a program given on the command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProgramSource {
    /// The bundled news knowledge base (`--news`, `#include <news>.`).
    News,
    /// A rule file.
    File(PathBuf),
    /// A program given as text, e.g. read from standard input (`-`,
    /// reported as `<stdin>`) or a `--query`.
    Text {
        /// The name diagnostics use for it.
        name: String,
        /// The program.
        text: String,
    },
}

impl Session {
    /// Loads files as one input, evaluating once at the end; all or nothing.
    pub fn load_files(&mut self, paths: &[PathBuf]) -> Result<Accepted, Rejected> {
        let sources: Vec<ProgramSource> = paths.iter().cloned().map(ProgramSource::File).collect();
        self.load_program(&sources)
    }

    /// Loads the bundled news knowledge base as one input.
    pub fn load_news(&mut self) -> Result<Accepted, Rejected> {
        self.load_program(&[ProgramSource::News])
    }

    /// Loads the parts of a program, in order, as one input: all or nothing.
    /// The queries of files and of standard input are kept, to be answered
    /// by [`Session::answers`].
    pub fn load_program(&mut self, sources: &[ProgramSource]) -> Result<Accepted, Rejected> {
        let input = self.next_input();
        let mut pending = Pending::new(self, None);
        for source in sources {
            match source {
                ProgramSource::News => pending.load_bundled("news.dl", None, input, true),
                ProgramSource::File(path) => pending.load_path(path, None, input, true),
                ProgramSource::Text { name, text } => {
                    pending.load_text(name, text, UnitOrigin::Text, input, true)
                }
            }
        }
        let (units, diagnostics) = pending.finish();
        self.commit_input(input, units, diagnostics)
    }

    /// Reads the units of input `input` again from their roots: files from
    /// disk, `<news>` from the binary, typed text as it is (only its
    /// includes are read again). Returns the new units and the problems met.
    pub(super) fn read_input_again(&mut self, input: usize) -> (Vec<Unit>, Vec<Diagnostic>) {
        let roots: Vec<Unit> = self
            .units
            .iter()
            .filter(|unit| unit.input == input && unit.root)
            .cloned()
            .collect();
        let mut pending = Pending::new(self, Some(input));
        for root in roots {
            match &root.origin {
                UnitOrigin::File(_) => {
                    let name = PathBuf::from(pending.session.sources.name(root.source));
                    pending.load_path(&name, None, input, true);
                }
                UnitOrigin::Bundled(name) => {
                    let name = name.clone();
                    pending.load_bundled(&name, None, input, true);
                }
                UnitOrigin::Input | UnitOrigin::Text => {
                    let name = pending.session.sources.name(root.source).to_string();
                    pending.resolve_includes(&root.program, &name, &root.origin, input);
                    pending.units.push(root);
                }
            }
        }
        pending.finish()
    }

    /// Adds a text (a REPL line, or a library user's program) as one input,
    /// named `<repl:N>`. Its clauses join the session; its queries are
    /// answered at once and not kept.
    pub fn load_text(&mut self, text: &str) -> Result<Accepted, Rejected> {
        let name = self.next_repl_name();
        self.load_named_text(&name, text)
    }

    /// Like `load_text`, with the name diagnostics use for the text.
    pub fn load_named_text(&mut self, name: &str, text: &str) -> Result<Accepted, Rejected> {
        let input = self.next_input();
        let mut pending = Pending::new(self, None);
        pending.load_text(name, text, UnitOrigin::Input, input, true);
        let (units, diagnostics) = pending.finish();
        self.commit_input(input, units, diagnostics)
    }

    /// Answers a query such as `?- mediates(M, T).` against the current model.
    /// Text that holds anything but queries is refused, so this never changes
    /// the session's clauses.
    pub fn query(&mut self, text: &str) -> Result<Accepted, Rejected> {
        let name = self.next_repl_name();
        let source = self.sources.add(name, text);
        let (program, errors) = parse_program(source, text);
        let adds_something = program
            .items
            .iter()
            .any(|item| matches!(item, Item::Clause(_) | Item::Include(_)));
        if adds_something {
            return Err(Rejected {
                diagnostics: vec![Diagnostic::error_without_span(
                    Code::E412,
                    "expected a query such as `?- p(X).`",
                )],
            });
        }
        let input = self.next_input();
        let unit = Unit {
            source,
            program,
            origin: UnitOrigin::Input,
            input,
            root: true,
            retracted: Vec::new(),
        };
        let diagnostics = errors.iter().map(|error| error.to_diagnostic()).collect();
        self.commit_input(input, vec![unit], diagnostics)
    }

    /// True when the file at `path` was loaded (each file is loaded once).
    pub fn is_loaded(&self, path: &Path) -> bool {
        std::fs::canonicalize(path).is_ok_and(|canonical| {
            self.units
                .iter()
                .any(|unit| unit.origin == UnitOrigin::File(canonical.clone()))
        })
    }
}

/// Texts being loaded for one input, with their includes, before they are checked.
struct Pending<'s> {
    session: &'s mut Session,
    units: Vec<Unit>,
    diagnostics: Vec<Diagnostic>,
    seen_files: Vec<PathBuf>,
    seen_bundled: Vec<String>,
}

impl<'s> Pending<'s> {
    /// Loading against what the session holds, less the units of input
    /// `excluded` (being read again).
    fn new(session: &'s mut Session, excluded: Option<usize>) -> Pending<'s> {
        let kept = |unit: &&Unit| Some(unit.input) != excluded;
        let seen_files = session
            .units
            .iter()
            .filter(kept)
            .filter_map(|unit| match &unit.origin {
                UnitOrigin::File(path) => Some(path.clone()),
                _ => None,
            })
            .collect();
        let seen_bundled = session
            .units
            .iter()
            .filter(kept)
            .filter_map(|unit| match &unit.origin {
                UnitOrigin::Bundled(name) => Some(name.clone()),
                _ => None,
            })
            .collect();
        Pending {
            session,
            units: Vec::new(),
            diagnostics: Vec::new(),
            seen_files,
            seen_bundled,
        }
    }

    fn finish(self) -> (Vec<Unit>, Vec<Diagnostic>) {
        (self.units, self.diagnostics)
    }

    fn load_path(&mut self, path: &Path, included_at: Option<Span>, input: usize, root: bool) {
        let fail = |message: String| match included_at {
            Some(span) => Diagnostic::error(Code::E410, message, span),
            None => Diagnostic::error_without_span(Code::E410, message),
        };
        let canonical = match std::fs::canonicalize(path) {
            Ok(canonical) => canonical,
            Err(error) => {
                self.diagnostics.push(fail(format!(
                    "cannot read `{}`: {}",
                    path.display(),
                    error_text(&error)
                )));
                return;
            }
        };
        // Each file is loaded once per session, like `#pragma once`; this also ends include cycles.
        if self.seen_files.contains(&canonical) {
            return;
        }
        self.seen_files.push(canonical.clone());
        let bytes = match std::fs::read(&canonical) {
            Ok(bytes) => bytes,
            Err(error) => {
                self.diagnostics.push(fail(format!(
                    "cannot read `{}`: {}",
                    path.display(),
                    error_text(&error)
                )));
                return;
            }
        };
        let text = match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(error) => {
                let offset = error.utf8_error().valid_up_to();
                self.diagnostics.push(fail(format!(
                    "`{}` is not valid UTF-8 text (first bad byte at offset {offset})",
                    path.display()
                )));
                return;
            }
        };
        let name = path.display().to_string();
        self.load_text(&name, &text, UnitOrigin::File(canonical), input, root);
    }

    fn load_bundled(&mut self, name: &str, included_at: Option<Span>, input: usize, root: bool) {
        if self.seen_bundled.iter().any(|seen| seen == name) {
            return;
        }
        let Some((_, text)) = BUNDLED_RULES.iter().find(|(file, _)| *file == name) else {
            let message = if BUNDLED_RULES.is_empty() {
                "the news knowledge base is not bundled in this build".to_string()
            } else {
                format!("no file `{name}` in the bundled knowledge base")
            };
            self.diagnostics.push(match included_at {
                Some(span) => Diagnostic::error(Code::E411, message, span),
                None => Diagnostic::error_without_span(Code::E411, message),
            });
            return;
        };
        self.seen_bundled.push(name.to_string());
        self.load_text(
            &format!("{NEWS_PREFIX}{name}"),
            text,
            UnitOrigin::Bundled(name.to_string()),
            input,
            root,
        );
    }

    fn load_text(&mut self, name: &str, text: &str, origin: UnitOrigin, input: usize, root: bool) {
        let source = self.session.sources.add(name, text);
        let (program, errors) = parse_program(source, text);
        self.diagnostics
            .extend(errors.iter().map(|error| error.to_diagnostic()));
        self.resolve_includes(&program, name, &origin, input);
        self.units.push(Unit {
            source,
            program,
            origin,
            input,
            root,
            retracted: Vec::new(),
        });
    }

    /// Loads what the `#include`s of `program` (the text `name`) name.
    /// Included texts come first, so their predicates and docs precede their users.
    fn resolve_includes(
        &mut self,
        program: &ast::Program,
        name: &str,
        origin: &UnitOrigin,
        input: usize,
    ) {
        let includes: Vec<(IncludeTarget, Span)> = program
            .items
            .iter()
            .filter_map(|item| match item {
                Item::Include(include) => Some((include.target.clone(), include.span)),
                _ => None,
            })
            .collect();
        for (target, span) in includes {
            match (&target, origin) {
                (IncludeTarget::Bundled(library), _) if library == "news" => {
                    self.load_bundled("news.dl", Some(span), input, false)
                }
                (IncludeTarget::Bundled(library), _) => self.diagnostics.push(
                    Diagnostic::error(
                        Code::E411,
                        format!("unknown bundled library `<{library}>`"),
                        span,
                    )
                    .with_note("the only bundled library is `<news>`"),
                ),
                (IncludeTarget::Path(path), UnitOrigin::Bundled(_)) => {
                    self.load_bundled(path, Some(span), input, false)
                }
                (IncludeTarget::Path(path), UnitOrigin::File(_)) => {
                    // Relative to the including file, reported as the user would write it.
                    let base = Path::new(name)
                        .parent()
                        .map(Path::to_path_buf)
                        .unwrap_or_default();
                    self.load_path(&base.join(path), Some(span), input, false);
                }
                (IncludeTarget::Path(path), UnitOrigin::Input) if self.session.options.sandboxed => {
                    self.diagnostics.push(
                        Diagnostic::error(
                            Code::E440,
                            format!("this session cannot read files: `#include \"{path}\"`"),
                            span,
                        )
                        .with_note(
                            "help: only `#include <news>.` and the files the server was started with are available here",
                        ),
                    )
                }
                (IncludeTarget::Path(path), UnitOrigin::Input | UnitOrigin::Text) => {
                    self.load_path(Path::new(path), Some(span), input, false)
                }
            }
        }
    }
}

fn error_text(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => error.to_string(),
    }
}
