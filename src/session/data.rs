//! Data in and out: `#import` rows read when their text is loaded,
//! `#export` and `:export` relations written after evaluation.
//!
//! Owns where paths lead (an import is relative to the file naming it; an
//! export to `--output-dir`, or to the current folder), the diagnostics of
//! bad data files (`E420` to `E424`, with `file:line:column`) and of exports
//! (`E430`, `E431`), and writing atomically: every export of an input goes
//! to a temporary file in its folder first, and only when all are written
//! are they renamed into place, so a failure leaves no half-written file.
//! The rows themselves are read by `datafile` and written by
//! `datafile`.

use super::Session;
use crate::analysis::ir;
use crate::datafile::{
    self, DataFormat, EXTENSIONS, ExportError, ImportError, ImportProblem, ImportSpec, write_rows,
};
use crate::diagnostic::{Code, Diagnostic};
use crate::eval::{self, Database};
use crate::span::Span;
use crate::syntax::ast;
use crate::table::{FactTable, Share};
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// A relation written to a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exported {
    /// The predicate.
    pub predicate: String,
    /// Where it was written.
    pub path: PathBuf,
    /// How many rows.
    pub n_rows: usize,
}

/// Reads the rows an `#import` names, from `folder` (the folder of the text
/// naming it), keeping those of `share` (this process's, in a cluster; see
/// [`Session::import_share`]); the diagnostic says which row of which file
/// is bad, the same in every process.
pub(super) fn import_rows(
    directive: &ast::ImportDirective,
    folder: &Path,
    share: Option<Share>,
) -> Result<FactTable, Diagnostic> {
    let path = folder.join(&directive.path.value);
    let shown = path.display().to_string();
    // As for rule files: look before opening, since opening a FIFO waits
    // for a writer and a device such as `/dev/zero` never ends.
    if let Ok(metadata) = std::fs::metadata(&path)
        && !metadata.is_file()
    {
        return Err(Diagnostic::error(
            Code::E413,
            format!("`{shown}` is {}, not a data file", file_kind(&metadata)),
            directive.span,
        )
        .with_note("only regular files are imported"));
    }
    let spec = ImportSpec {
        path: &path,
        shown_name: &shown,
        predicate: &directive.predicate.name,
        columns: &directive.columns,
        header: directive.header,
        share,
    };
    datafile::import_file(&spec).map_err(|error| import_diagnostic(&error, &shown, directive))
}

/// The diagnostic of a bad data file: located at the directive, the row's
/// `file:line:column` in the message.
fn import_diagnostic(
    error: &ImportError,
    shown: &str,
    directive: &ast::ImportDirective,
) -> Diagnostic {
    let code = match error.problem {
        ImportProblem::Unreadable => Code::E410,
        ImportProblem::CellCount => Code::E420,
        ImportProblem::CellType => Code::E421,
        ImportProblem::Malformed => Code::E422,
        ImportProblem::Utf8 => Code::E423,
        ImportProblem::FormatUnknown => Code::E424,
    };
    let message = match (error.line, error.column) {
        (Some(line), Some(column)) => format!("{shown}:{line}:{column}: {}", error.message),
        (Some(line), None) => format!("{shown}:{line}: {}", error.message),
        _ => error.message.clone(),
    };
    let mut diagnostic = Diagnostic::error(code, message, directive.span)
        .with_label_message("nothing of this file is loaded");
    if matches!(
        error.problem,
        ImportProblem::CellType | ImportProblem::CellCount
    ) {
        let types: Vec<&str> = directive
            .columns
            .iter()
            .map(|column| column.name())
            .collect();
        diagnostic = diagnostic.with_note(format!(
            "each row must have {} {}: {}",
            types.len(),
            if types.len() == 1 { "cell" } else { "cells" },
            types.join(", ")
        ));
    }
    diagnostic
}

/// The run of facts that follows an `#import`: every row of its file.
pub(super) fn imported_run(table: FactTable, directive: &ast::ImportDirective) -> ast::Item {
    let n_rows = table.n_rows();
    ast::Item::Facts(ast::FactRun {
        table: std::sync::Arc::new(table),
        rows: 0..n_rows,
        span: directive.predicate.span,
    })
}

/// Where an export goes: under `output_dir` when the path is relative and one is set.
fn export_path(output_dir: Option<&Path>, path: &str) -> PathBuf {
    match output_dir {
        Some(folder) if Path::new(path).is_relative() => folder.join(path),
        _ => PathBuf::from(path),
    }
}

/// One export to carry out: the relation, the file, where it was asked for.
struct Planned {
    predicate: ir::PredId,
    path: PathBuf,
    span: Option<Span>,
}

impl Session {
    /// The rows of an imported file this process keeps: with the dataflow
    /// engine evaluating once (`run`) on one process of a cluster of
    /// several, the rows whose number (from 0, in file order) is the
    /// process's index modulo the number of processes; every row otherwise
    /// (the datafrog engine, one process, a live model).
    pub fn import_share(&self) -> Option<Share> {
        match &self.options.engine {
            super::Engine::Dataflow(settings) if !settings.live && !self.options.check_only => {
                let cluster = settings.cluster.as_ref()?;
                (cluster.addresses.len() > 1).then_some(Share {
                    index: cluster.process,
                    count: cluster.addresses.len(),
                })
            }
            _ => None,
        }
    }

    /// Writes every tuple of `predicate` (given or derived) to `path`, as CSV,
    /// TSV or JSON Lines by its extension, atomically; `:export` in the REPL.
    pub fn export(&self, predicate: &str, path: &Path) -> Result<Exported, super::Rejected> {
        let model = self.model.as_ref().ok_or_else(|| {
            super::Rejected::one(Diagnostic::error_without_span(
                Code::E505,
                "nothing is loaded yet",
            ))
        })?;
        let Some(predicate_id) = model.program.predicate_id(predicate) else {
            let names = model
                .program
                .visible_predicates()
                .map(|(_, known)| known.name.as_str());
            let mut diagnostic = Diagnostic::error_without_span(
                Code::E222,
                format!("`:export` names `{predicate}`, which no clause mentions"),
            );
            if let Some(close) = crate::text::closest(predicate, names) {
                diagnostic = diagnostic.with_note(format!("help: did you mean `{close}`?"));
            }
            return Err(super::Rejected::one(diagnostic));
        };
        let planned = [Planned {
            predicate: predicate_id,
            path: path.to_path_buf(),
            span: None,
        }];
        write_all(&model.program, &model.database, &planned)
            .map(|mut written| written.remove(0))
            .map_err(|diagnostics| super::Rejected { diagnostics })
    }
}

/// Writes the `#export`s of `units` from a model, all or none, relative
/// paths under `output_dir` when it is set.
pub(super) fn write_exports(
    output_dir: Option<&Path>,
    program: &ir::Program,
    database: &Database,
    units: &[super::Unit],
) -> Result<Vec<Exported>, Vec<Diagnostic>> {
    let planned: Vec<Planned> = units
        .iter()
        .flat_map(|unit| &unit.program.items)
        .filter_map(|item| match item {
            ast::Item::Export(directive) => Some(directive),
            _ => None,
        })
        .filter_map(|directive| {
            Some(Planned {
                predicate: program.predicate_id(&directive.predicate.name)?,
                path: export_path(output_dir, &directive.path.value),
                span: Some(directive.span),
            })
        })
        .collect();
    if planned.is_empty() {
        return Ok(Vec::new());
    }
    write_all(program, database, &planned)
}

/// Writes each planned export to a temporary file beside its target, then,
/// when every one succeeded, renames them all into place.
fn write_all(
    program: &ir::Program,
    database: &Database,
    planned: &[Planned],
) -> Result<Vec<Exported>, Vec<Diagnostic>> {
    let mut written: Vec<(PathBuf, &Planned, usize)> = Vec::new();
    let mut problems = Vec::new();
    for export in planned {
        match write_temporary(program, database, export) {
            Ok((temporary, n_rows)) => written.push((temporary, export, n_rows)),
            Err(diagnostic) => problems.push(diagnostic),
        }
    }
    if problems.is_empty() {
        for (temporary, export, _) in &written {
            if let Err(error) = std::fs::rename(temporary, &export.path) {
                problems.push(export_failure(export, &error.to_string()));
            }
        }
    }
    if !problems.is_empty() {
        for (temporary, _, _) in &written {
            let _ = std::fs::remove_file(temporary);
        }
        return Err(problems);
    }
    Ok(written
        .into_iter()
        .map(|(_, export, n_rows)| Exported {
            predicate: program.predicate(export.predicate).name.clone(),
            path: export.path.clone(),
            n_rows,
        })
        .collect())
}

/// Writes one relation to a temporary file in its target's folder (created
/// if missing); gives the temporary file and the number of rows.
fn write_temporary(
    program: &ir::Program,
    database: &Database,
    export: &Planned,
) -> Result<(PathBuf, usize), Diagnostic> {
    let fail = |message: String| export_failure(export, &message);
    let Some(format) = DataFormat::of_path(&export.path) else {
        let message = format!(
            "cannot tell the format to write `{}` in: data files end in {EXTENSIONS}",
            export.path.display()
        );
        return Err(located(export, Code::E424, message));
    };
    let Some(file_name) = export.path.file_name() else {
        return Err(fail("not a file name".to_string()));
    };
    let folder = match export.path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&folder).map_err(|error| fail(error.to_string()))?;
    let temporary = folder.join(format!(
        ".{}.{}.tmp",
        file_name.to_string_lossy(),
        std::process::id()
    ));
    let predicate = program.predicate(export.predicate);
    let columns = (1..=predicate.arity).map(|n| format!("A{n}")).collect();
    let answer = eval::relation_answer(database, export.predicate, String::new(), columns);
    let result = (|| -> Result<(), ExportError> {
        let file = std::fs::File::create(&temporary)?;
        let mut out = std::io::BufWriter::new(file);
        write_rows(format, answer.rows.iter().map(Vec::as_slice), &mut out)?;
        out.flush()?;
        out.get_ref().sync_all()?;
        Ok(())
    })();
    match result {
        Ok(()) => Ok((temporary, answer.rows.len())),
        Err(error) => {
            let _ = std::fs::remove_file(&temporary);
            Err(match error {
                ExportError::TsvValue { .. } => located(
                    export,
                    Code::E431,
                    format!("cannot write `{}`: {error}", export.path.display()),
                ),
                ExportError::Io(error) => fail(error.to_string()),
            })
        }
    }
}

fn export_failure(export: &Planned, reason: &str) -> Diagnostic {
    located(
        export,
        Code::E430,
        format!("cannot write `{}`: {reason}", export.path.display()),
    )
}

fn located(export: &Planned, code: Code, message: String) -> Diagnostic {
    match export.span {
        Some(span) => Diagnostic::error(code, message, span),
        None => Diagnostic::error_without_span(code, message),
    }
}

/// What a path that is not a regular file is, for the message.
pub(super) fn file_kind(metadata: &std::fs::Metadata) -> &'static str {
    let file_type = metadata.file_type();
    if file_type.is_dir() {
        return "a folder";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if file_type.is_char_device() || file_type.is_block_device() {
            return "a device";
        }
        if file_type.is_socket() {
            return "a socket";
        }
    }
    "a special file"
}
