//! Loading: files, the bundled knowledge base and typed text become parsed
//! units, with their includes, before the session checks them as one input.
//!
//! Owns the file rules: paths are canonicalised and each file is loaded at
//! most once per session (like `#pragma once`, which also ends include
//! cycles); an include, an `#articles` folder and an `#import` file are
//! relative to the file that names them (to the current folder for typed
//! text; a bundled text's `#articles` folders are bundled with it);
//! `<news>` is the bundled knowledge base. Files are parsed with
//! their plain facts kept in fact tables; the rows an `#import` reads follow
//! it as a run of facts, and the articles an `#articles` folder holds go
//! with the unit. It reads and parses; it checks and evaluates nothing
//! (`Session::commit` does, all or nothing).
//!
//! Only regular files are read (a folder, a FIFO or `/dev/zero` is refused
//! before it is opened), each at most `--max-file-size` bytes, and includes
//! are followed with an explicit stack, so any depth of nesting costs heap,
//! not call stack. Ctrl-C and the memory limit are checked before each file.

use super::{Accepted, Rejected, Session, Unit, UnitOrigin, collections, data};
use crate::diagnostic::{Code, Diagnostic};
use crate::limits::{self, Halt};
use crate::span::Span;
use crate::syntax::ast::{self, IncludeTarget, Item};
use crate::syntax::{ParseOptions, parse_program, parse_program_with};
use std::collections::HashSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

include!(concat!(env!("OUT_DIR"), "/bundled_rules.rs"));

/// The folder the bundled lessons come from: in a sandboxed session, typed
/// `#articles` folders are looked up among the bundled ones relative to it.
const LESSONS_FOLDER: &str = "examples";

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
    /// A program bundled in the binary, such as a lesson of the course
    /// (named `examples/11_own_article.dl`): like `Text`, but the folders
    /// its `#articles` directives name, relative to the folder of its name,
    /// are read from the article folders bundled with it, so it loads the
    /// same from any current folder.
    BundledText {
        /// The name diagnostics use for it, with the folder it was bundled from.
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
        self.begin_input();
        let input = self.next_input();
        let mut pending = Pending::new(self, None);
        for source in sources {
            match source {
                ProgramSource::News => pending.load_bundled("news.dl", None, input, true),
                ProgramSource::File(path) => pending.load_path(path, None, input, true),
                ProgramSource::Text { name, text } => {
                    pending.load_text(name, text, UnitOrigin::Text, input, true)
                }
                ProgramSource::BundledText { name, text } => {
                    pending.load_bundled_text(name, text, input)
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
                    let opened = Opened::new(name, root);
                    pending.load_includes(opened, input);
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
        self.begin_input();
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
        self.begin_input();
        let name = self.next_repl_name();
        let source = self.sources.add(name, text);
        let (program, errors) = parse_program(source, text);
        // Anything but queries (and `%%` docs) would change the session or
        // reach a file: clauses, constraints, includes, `#articles`,
        // `#import`, `#export`.
        let adds_something = program
            .items
            .iter()
            .any(|item| !matches!(item, Item::Query(_) | Item::Doc(_)));
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
            collections: Vec::new(),
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
    /// Files loaded, canonical: a set, so a chain of thousands of includes stays linear.
    seen_files: HashSet<PathBuf>,
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

    /// Reads a file (once per session) and parses it with everything it
    /// includes; see [`Pending::load_includes`].
    fn load_path(&mut self, path: &Path, included_at: Option<Span>, input: usize, root: bool) {
        if let Some((name, text, origin)) = self.read_path(path, included_at) {
            self.load_text(&name, text, origin, input, root);
        }
    }

    /// The name, text and origin of a file to load, or `None` (with a
    /// diagnostic when it cannot be read, silently when it was loaded before).
    fn read_path(
        &mut self,
        path: &Path,
        included_at: Option<Span>,
    ) -> Option<(String, String, UnitOrigin)> {
        let fail = |code: Code, message: String| match included_at {
            Some(span) => Diagnostic::error(code, message, span),
            None => Diagnostic::error_without_span(code, message),
        };
        let cannot_read = |error: &std::io::Error| {
            fail(
                Code::E410,
                format!("cannot read `{}`: {}", path.display(), error_text(error)),
            )
        };
        let canonical = match std::fs::canonicalize(path) {
            Ok(canonical) => canonical,
            Err(error) => {
                self.diagnostics.push(cannot_read(&error));
                return None;
            }
        };
        // Each file is loaded once per session, like `#pragma once`; this also ends include cycles.
        if !self.seen_files.insert(canonical.clone()) {
            return None;
        }
        // Look before opening: opening a FIFO waits for a writer, and a
        // device such as `/dev/zero` never ends.
        let metadata = match std::fs::metadata(&canonical) {
            Ok(metadata) => metadata,
            Err(error) => {
                self.diagnostics.push(cannot_read(&error));
                return None;
            }
        };
        if !metadata.is_file() {
            self.diagnostics.push(
                fail(
                    Code::E413,
                    format!(
                        "`{}` is {}, not a file of rules",
                        path.display(),
                        data::file_kind(&metadata)
                    ),
                )
                .with_note("only regular files are loaded"),
            );
            return None;
        }
        let max_bytes = self.session.options.limits.max_file_bytes;
        let too_large = |size: u64| {
            fail(
                Code::E414,
                format!(
                    "`{}` is larger than {}, the most a file may hold",
                    path.display(),
                    limits::format_bytes(max_bytes)
                ),
            )
            .with_note(format!(
                "it holds {}; `--max-file-size` raises the limit",
                limits::format_bytes(usize::try_from(size).unwrap_or(usize::MAX))
            ))
        };
        if metadata.len() > max_bytes as u64 {
            self.diagnostics.push(too_large(metadata.len()));
            return None;
        }
        // The size may change between the look and the read: read one byte
        // past the limit at most. Room for the size seen is taken at once
        // (the file's size is within the limit here), not grown by doubling.
        let mut bytes = Vec::with_capacity(usize::try_from(metadata.len()).unwrap_or(0) + 1);
        let read = std::fs::File::open(&canonical)
            .and_then(|file| file.take(max_bytes as u64 + 1).read_to_end(&mut bytes));
        if let Err(error) = read {
            self.diagnostics.push(cannot_read(&error));
            return None;
        }
        if bytes.len() > max_bytes {
            self.diagnostics.push(too_large(bytes.len() as u64));
            return None;
        }
        let text = match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(error) => {
                let offset = error.utf8_error().valid_up_to();
                self.diagnostics.push(fail(
                    Code::E410,
                    format!(
                        "`{}` is not valid UTF-8 text (first bad byte at offset {offset})",
                        path.display()
                    ),
                ));
                return None;
            }
        };
        Some((
            path.display().to_string(),
            text,
            UnitOrigin::File(canonical),
        ))
    }

    fn load_bundled(&mut self, name: &str, included_at: Option<Span>, input: usize, root: bool) {
        if let Some((name, text, origin)) = self.read_bundled(name, included_at) {
            self.load_text(&name, text, origin, input, root);
        }
    }

    /// The name, text and origin of a bundled file to load, or `None`.
    fn read_bundled(
        &mut self,
        name: &str,
        included_at: Option<Span>,
    ) -> Option<(String, String, UnitOrigin)> {
        if self.seen_bundled.iter().any(|seen| seen == name) {
            return None;
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
            return None;
        };
        self.seen_bundled.push(name.to_string());
        Some((
            format!("{NEWS_PREFIX}{name}"),
            text.to_string(),
            UnitOrigin::Bundled(name.to_string()),
        ))
    }

    fn load_text(
        &mut self,
        name: &str,
        text: impl Into<String>,
        origin: UnitOrigin,
        input: usize,
        root: bool,
    ) {
        let unit = self.parse_unit(name, text, origin, input, root);
        self.load_includes(Opened::new(name.to_string(), unit), input);
    }

    /// Loads a text bundled in the binary: its `#articles` folders come
    /// from the binary too (see [`ProgramSource::BundledText`]); it is
    /// otherwise typed text, its includes relative to the current folder.
    fn load_bundled_text(&mut self, name: &str, text: &str, input: usize) {
        let folder = Path::new(name)
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let unit = self.parse_unit_with(name, text, UnitOrigin::Text, input, true, Some(&folder));
        self.load_includes(Opened::new(name.to_string(), unit), input);
    }

    /// Loads, depth first, what `opened` includes, then adds it. Included
    /// texts become units before their includer, so their predicates and
    /// docs precede their users. The includes wait on an explicit stack of
    /// open texts: a chain of ten thousand nested `#include`s is ten
    /// thousand entries of a vector, not of the call stack.
    fn load_includes(&mut self, opened: Opened, input: usize) {
        let mut open = vec![opened];
        while let Some(parent) = open.last_mut() {
            let Some((target, span)) = parent.includes.get(parent.next_include).cloned() else {
                if let Some(done) = open.pop() {
                    self.units.push(done.unit);
                }
                continue;
            };
            parent.next_include += 1;
            let (includer, includer_origin) = (parent.name.clone(), parent.unit.origin.clone());
            if let Err(halt) = self.check_limits() {
                self.diagnostics.push(halt_diagnostic(halt, "loading"));
                return;
            }
            if let Some((name, text, origin)) =
                self.read_include(&target, span, &includer, &includer_origin)
            {
                let unit = self.parse_unit(&name, text, origin, input, false);
                open.push(Opened::new(name, unit));
            }
        }
    }

    /// Reads the target of `#include` in the text `includer`.
    fn read_include(
        &mut self,
        target: &IncludeTarget,
        span: Span,
        includer: &str,
        includer_origin: &UnitOrigin,
    ) -> Option<(String, String, UnitOrigin)> {
        match (target, includer_origin) {
            (IncludeTarget::Bundled(library), _) if library == "news" => {
                self.read_bundled("news.dl", Some(span))
            }
            (IncludeTarget::Bundled(library), _) => {
                self.diagnostics.push(
                    Diagnostic::error(
                        Code::E411,
                        format!("unknown bundled library `<{library}>`"),
                        span,
                    )
                    .with_note("the only bundled library is `<news>`"),
                );
                None
            }
            (IncludeTarget::Path(path), UnitOrigin::Bundled(_)) => {
                self.read_bundled(path, Some(span))
            }
            (IncludeTarget::Path(path), UnitOrigin::File(_)) => {
                // Relative to the including file, reported as the user would write it.
                let base = Path::new(includer)
                    .parent()
                    .map(Path::to_path_buf)
                    .unwrap_or_default();
                self.read_path(&base.join(path), Some(span))
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
                );
                None
            }
            (IncludeTarget::Path(path), UnitOrigin::Input | UnitOrigin::Text) => {
                self.read_path(Path::new(path), Some(span))
            }
        }
    }

    /// Parses one text into a unit, with the articles and imported rows its
    /// directives name; its includes are not followed here.
    fn parse_unit(
        &mut self,
        name: &str,
        text: impl Into<String>,
        origin: UnitOrigin,
        input: usize,
        root: bool,
    ) -> Unit {
        self.parse_unit_with(name, text, origin, input, root, None)
    }

    /// `parse_unit`; with `bundled_folder`, the text is bundled in the
    /// binary and its `#articles` folders, relative to `bundled_folder`,
    /// are the bundled ones.
    fn parse_unit_with(
        &mut self,
        name: &str,
        text: impl Into<String>,
        origin: UnitOrigin,
        input: usize,
        root: bool,
        bundled_folder: Option<&Path>,
    ) -> Unit {
        // The source map takes the text itself: a file of facts may be
        // tens of megabytes, and a copy would be held while it is parsed.
        let source = self.session.sources.add(name, text);
        // Files may hold hundreds of thousands of plain facts: for a session
        // that never edits clauses one by one (`run`, `check`, `schema`) they
        // go to fact tables. Typed text, and every text of a REPL (whose
        // `:retract`, `:reload` and `:save` work clause by clause), keeps a
        // tree per clause.
        let options = ParseOptions {
            compact_facts: self.session.options.compact_facts && origin != UnitOrigin::Input,
        };
        let text = self
            .session
            .sources
            .get(source)
            .map_or("", |source| &source.text);
        let (mut program, errors) = parse_program_with(source, text, &options);
        self.diagnostics
            .extend(errors.iter().map(|error| error.to_diagnostic()));
        // Typed text in a sandboxed session touches no file: its
        // `#articles` may name only the article folders bundled with the
        // lessons (as a lesson names them, so a lesson runs in the web
        // view as typed), read from the binary.
        let sandboxed = self.session.options.sandboxed && origin == UnitOrigin::Input;
        let lessons_folder = Path::new(LESSONS_FOLDER);
        let bundled_folder = match sandboxed {
            true => {
                self.refuse_file_directives(&mut program.items);
                Some(lessons_folder)
            }
            false => bundled_folder,
        };
        // `#articles` and `#import` paths are relative to this text's folder.
        let folder = match &origin {
            UnitOrigin::File(_) => Path::new(name)
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_default(),
            _ => PathBuf::new(),
        };
        let collections = self.read_data(&folder, bundled_folder, &mut program.items);
        Unit {
            source,
            program,
            origin,
            input,
            root,
            retracted: Vec::new(),
            collections,
        }
    }

    /// In a session that may not touch files (the web view), the directives
    /// of typed text that would read or write one (`#articles` of a folder
    /// not bundled with the lessons, `#import`, `#export`) are refused with
    /// `E440` and dropped, so nothing is read and the input is rejected.
    fn refuse_file_directives(&mut self, items: &mut Vec<Item>) {
        items.retain(|item| {
            let (directive, span) = match item {
                Item::Articles(directive)
                    if collections::is_bundled_folder(
                        &Path::new(LESSONS_FOLDER).join(&directive.path.value),
                    ) =>
                {
                    return true;
                }
                Item::Articles(directive) => (
                    format!("#articles \"{}\"", directive.path.value),
                    directive.span,
                ),
                Item::Import(directive) => (
                    format!("#import \"{}\"", directive.path.value),
                    directive.span,
                ),
                Item::Export(directive) => (
                    format!(
                        "#export {} \"{}\"",
                        directive.predicate.name, directive.path.value
                    ),
                    directive.span,
                ),
                _ => return true,
            };
            self.diagnostics.push(
                Diagnostic::error(
                    Code::E440,
                    format!("this session cannot read or write files: `{directive}`"),
                    span,
                )
                .with_note(
                    "help: only `#include <news>.`, the article folders of the lessons (`#articles \"riverside/articles\".`) and what the server was started with are available here",
                ),
            );
            false
        });
    }

    /// Reads the folders `#articles` names and the files `#import` names,
    /// placing each import's rows right after its directive. With
    /// `bundled_folder`, `#articles` folders are read from the binary,
    /// relative to it.
    fn read_data(
        &mut self,
        folder: &Path,
        bundled_folder: Option<&Path>,
        items: &mut Vec<Item>,
    ) -> Vec<Arc<super::Collection>> {
        let has_data = items
            .iter()
            .any(|item| matches!(item, Item::Articles(_) | Item::Import(_)));
        if !has_data {
            return Vec::new();
        }
        let mut collections = Vec::new();
        let mut with_rows = Vec::with_capacity(items.len());
        // In a cluster, each process keeps its share of an imported file.
        let share = self.session.import_share();
        for item in items.drain(..) {
            let rows = match &item {
                Item::Articles(directive) => {
                    let read = match bundled_folder {
                        Some(bundled) => collections::read_bundled_collection(
                            &bundled.join(&directive.path.value),
                            Some(directive.span),
                        ),
                        None => {
                            let path = folder.join(&directive.path.value);
                            let shown = path.display().to_string();
                            collections::read_collection(&path, &shown, Some(directive.span))
                        }
                    };
                    match read {
                        Ok(collection) => collections.push(Arc::new(collection)),
                        Err(problems) => self.diagnostics.extend(problems),
                    }
                    None
                }
                Item::Import(directive) => match data::import_rows(directive, folder, share) {
                    Ok(table) => Some(data::imported_run(table, directive)),
                    Err(problem) => {
                        self.diagnostics.push(problem);
                        None
                    }
                },
                _ => None,
            };
            with_rows.push(item);
            with_rows.extend(rows);
        }
        *items = with_rows;
        collections
    }

    /// Ctrl-C and the memory limit, between two files.
    fn check_limits(&self) -> Result<(), Halt> {
        limits::check_now(&self.session.cancel, self.session.options.limits.max_memory)
    }
}

/// A parsed text whose includes are being loaded.
struct Opened {
    /// The name it is reported under (for a file, relative includes start from it).
    name: String,
    unit: Unit,
    includes: Vec<(IncludeTarget, Span)>,
    /// The first include not loaded yet.
    next_include: usize,
}

impl Opened {
    fn new(name: String, unit: Unit) -> Opened {
        let includes = includes_of(&unit.program);
        Opened {
            name,
            unit,
            includes,
            next_include: 0,
        }
    }
}

/// The `#include`s of a program, in order.
fn includes_of(program: &ast::Program) -> Vec<(IncludeTarget, Span)> {
    program
        .items
        .iter()
        .filter_map(|item| match item {
            Item::Include(include) => Some((include.target.clone(), include.span)),
            _ => None,
        })
        .collect()
}

/// The diagnostic of work stopped by Ctrl-C or the memory limit.
pub(super) fn halt_diagnostic(halt: Halt, what: &str) -> Diagnostic {
    match halt {
        Halt::Interrupted => {
            Diagnostic::error_without_span(Code::E304, format!("{what} interrupted"))
        }
        Halt::MemoryExceeded { limit } => Diagnostic::error_without_span(
            Code::E308,
            format!(
                "{what} stopped at the memory limit of {} (`--max-memory`)",
                limits::format_bytes(limit)
            ),
        )
        .with_note("`--max-memory` raises the limit"),
    }
}

fn error_text(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => error.to_string(),
    }
}
