//! Renders diagnostics: as ariadne reports for people, as JSON for programs.
//!
//! Owns the only place where a [`Span`]'s byte range becomes a line and a
//! column. Detection happens elsewhere; this module never decides what is
//! wrong, only how it looks. A span that does not fit its source (unknown
//! source, past the end, inside a UTF-8 character) is dropped from the
//! picture rather than trusted, so rendering cannot panic.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::fmt;
use std::ops::Range;

use ariadne::{Color, Config, IndexType, Label as AriadneLabel, Report, ReportKind};
use serde_json::{Value as Json, json};

use crate::diagnostic::{Code, Diagnostic, Label, Severity};
use crate::span::{SourceId, SourceMap, Span};

/// The prefix that turns a diagnostic note into a `Help:` line instead of a `Note:` line.
const HELP_PREFIX: &str = "help: ";

/// Renders each diagnostic as a report, separated by blank lines.
///
/// Each report starts with `error[E202]: message` (or `warning[W001]: …`),
/// then, when the diagnostic has a usable span, the location as
/// `╭─[ file:line:column ]`, the source lines with the labelled spans
/// underlined, and the notes. With `color` false the text has no ANSI codes.
///
/// At most [`MAX_SHOWN_PER_CODE`] diagnostics of one code are drawn; the
/// others of that code are counted in one line at the end, as compilers cap
/// repeated errors: four thousand copies of one mistake teach nothing the
/// first twenty did not, and printing them all is what made a one-line file
/// of clauses write hundreds of megabytes. [`diagnostics_to_json`] keeps
/// every one.
pub fn render_diagnostics(diagnostics: &[Diagnostic], sources: &SourceMap, color: bool) -> String {
    let mut cache = SourceCache::new(sources);
    let mut shown_per_code: HashMap<Code, usize> = HashMap::new();
    let mut hidden: Vec<(Code, Severity, usize)> = Vec::new();
    let mut reports: Vec<String> = Vec::new();
    for diagnostic in diagnostics {
        let shown = shown_per_code.entry(diagnostic.code).or_default();
        if *shown < MAX_SHOWN_PER_CODE {
            *shown += 1;
            reports.push(render_with_cache(diagnostic, &mut cache, color));
            continue;
        }
        match hidden
            .iter_mut()
            .find(|(code, _, _)| *code == diagnostic.code)
        {
            Some((_, _, count)) => *count += 1,
            None => hidden.push((diagnostic.code, diagnostic.severity, 1)),
        }
    }
    for (code, severity, count) in hidden {
        let kind = severity_name(severity);
        let kinds = if count == 1 {
            kind.to_string()
        } else {
            format!("{kind}s")
        };
        let line = format!(
            "{count} more {kinds} like this not shown ({})",
            code.summary()
        );
        reports.push(if color {
            let kind_color = match severity {
                Severity::Error => "31",
                Severity::Warning => "33",
            };
            format!("\x1b[1;{kind_color}m{kind}[{code}]\x1b[0m\x1b[1m: {line}\x1b[0m\n")
        } else {
            format!("{kind}[{code}]: {line}\n")
        });
    }
    reports.join("\n")
}

/// Most diagnostics of one code drawn by [`render_diagnostics`].
pub const MAX_SHOWN_PER_CODE: usize = 20;

/// Renders one diagnostic; see [`render_diagnostics`].
pub fn render_diagnostic(diagnostic: &Diagnostic, sources: &SourceMap, color: bool) -> String {
    render_with_cache(diagnostic, &mut SourceCache::new(sources), color)
}

/// A one-line count such as `2 errors, 1 warning`, or `None` when there is nothing to count.
pub fn summary(diagnostics: &[Diagnostic]) -> Option<String> {
    let n_errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let n_warnings = diagnostics.len() - n_errors;
    let parts: Vec<String> = [
        (n_errors, super::plural(n_errors, "error", "errors")),
        (n_warnings, super::plural(n_warnings, "warning", "warnings")),
    ]
    .into_iter()
    .filter(|(count, _)| *count > 0)
    .map(|(_, text)| text)
    .collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// The diagnostics as a JSON array, one object per diagnostic.
///
/// Each object has `severity` (`"error"`/`"warning"`), `code`, `message`, the
/// primary location as `file`, `line`, `column`, `end_line`, `end_column`
/// (1-based, columns in characters, the end exclusive; `null` when there is
/// no usable span), `labels` (each with the same location fields, `message`
/// and `primary`) and `notes`.
pub fn diagnostics_to_json(diagnostics: &[Diagnostic], sources: &SourceMap) -> Json {
    Json::Array(
        diagnostics
            .iter()
            .map(|diagnostic| diagnostic_to_json(diagnostic, sources))
            .collect(),
    )
}

fn diagnostic_to_json(diagnostic: &Diagnostic, sources: &SourceMap) -> Json {
    let primary = diagnostic
        .labels
        .first()
        .map(|label| location_to_json(label.span, sources))
        .unwrap_or_else(|| location_to_json_missing(None));
    let labels: Vec<Json> = diagnostic
        .labels
        .iter()
        .enumerate()
        .map(|(label_idx, label)| {
            let mut object = location_to_json(label.span, sources);
            object["message"] = json!(label.message);
            object["primary"] = json!(label_idx == 0);
            object
        })
        .collect();
    let mut object = json!({
        "severity": severity_name(diagnostic.severity),
        "code": diagnostic.code,
        "message": diagnostic.message,
    });
    for field in ["file", "line", "column", "end_line", "end_column"] {
        object[field] = primary[field].clone();
    }
    object["labels"] = Json::Array(labels);
    object["notes"] = json!(diagnostic.notes);
    object
}

fn location_to_json(span: Span, sources: &SourceMap) -> Json {
    let file = sources.get(span.source).map(|source| source.name.as_str());
    if checked_range(span, sources).is_none() {
        return location_to_json_missing(file);
    }
    let (line, column) = sources.line_column(span.source, span.start);
    let (end_line, end_column) = sources.line_column(span.source, span.end);
    json!({
        "file": file,
        "line": line,
        "column": column,
        "end_line": end_line,
        "end_column": end_column,
    })
}

fn location_to_json_missing(file: Option<&str>) -> Json {
    json!({
        "file": file,
        "line": null,
        "column": null,
        "end_line": null,
        "end_column": null,
    })
}

fn severity_name(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// The byte range of `span` if it can be shown: its source exists, it lies
/// inside the text, and both ends fall on character boundaries.
fn checked_range(span: Span, sources: &SourceMap) -> Option<Range<usize>> {
    let text = &sources.get(span.source)?.text;
    let range = span.range();
    let fits = range.start <= range.end
        && text.is_char_boundary(range.start)
        && text.is_char_boundary(range.end);
    fits.then_some(range)
}

/// The character range of `span`, for ariadne; `None` when it cannot be shown.
///
/// ariadne 0.6 has `IndexType::Byte`, but with it the location line of a
/// label in a second source takes a character offset for a byte offset
/// (wrong column, or a panic inside a UTF-8 character). Converting once here
/// and running ariadne in character mode is correct for every source.
fn char_range(span: Span, sources: &SourceMap) -> Option<Range<usize>> {
    let range = checked_range(span, sources)?;
    let text = &sources.get(span.source)?.text;
    let start = text.get(..range.start)?.chars().count();
    let length = text.get(range)?.chars().count();
    Some(start..start + length)
}

/// Renders one diagnostic with ariadne, sharing parsed sources across reports.
///
/// 1. Keep the labels whose spans can be shown, as character ranges (see [`char_range`]).
/// 2. Let ariadne draw the source snippets and notes under a placeholder header
///    (through [`render_cut`] when a labelled line is too long to print whole).
/// 3. Replace that header with our own `error[E202]: message`, because
///    ariadne's `[E202] Error:` puts the code first and capitalises the kind.
fn render_with_cache(diagnostic: &Diagnostic, cache: &mut SourceCache<'_>, color: bool) -> String {
    let header = render_header(diagnostic, color);
    if let Some(cut) = render_cut(diagnostic, cache.sources, &header, color) {
        return cut;
    }
    let labels: Vec<(&Label, Range<usize>, bool)> = diagnostic
        .labels
        .iter()
        .enumerate()
        .filter_map(|(label_idx, label)| {
            let range = char_range(label.span, cache.sources)?;
            Some((label, range, label_idx == 0))
        })
        .collect();
    draw(diagnostic, &header, labels, &mut *cache, color)
        .unwrap_or_else(|| render_without_labels(&header, &diagnostic.notes))
}

/// Draws `labels` (each with its character range in the text `cache` gives
/// for its source, and whether it is the primary one) and the notes under
/// `header`; `None` when nothing can be drawn.
fn draw<C: ariadne::Cache<SourceId>>(
    diagnostic: &Diagnostic,
    header: &str,
    mut labels: Vec<(&Label, Range<usize>, bool)>,
    cache: C,
    color: bool,
) -> Option<String> {
    let report_span = labels
        .first()
        .map(|(label, range, _)| (label.span.source, range.clone()))?;
    // Labels in one source are drawn in one section only when they are in
    // source order, so sort by position with the report's own source first.
    labels.sort_by_key(|(label, range, _)| {
        (
            label.span.source != report_span.0,
            label.span.source,
            range.start,
        )
    });

    let kind = match diagnostic.severity {
        Severity::Error => ReportKind::Error,
        Severity::Warning => ReportKind::Warning,
    };
    let primary_color = match diagnostic.severity {
        Severity::Error => Color::Red,
        Severity::Warning => Color::Yellow,
    };
    let config = Config::default()
        .with_index_type(IndexType::Char)
        .with_color(color);
    let mut builder = Report::build(kind, report_span).with_config(config);
    for (label, range, is_primary) in labels {
        // ariadne underlines only labels that have a message, so an empty
        // primary label repeats the diagnostic's message under the caret.
        let message = match (label.message.is_empty(), is_primary) {
            (true, true) => diagnostic.message.as_str(),
            _ => label.message.as_str(),
        };
        let mut ariadne_label = AriadneLabel::new((label.span.source, range)).with_message(message);
        if color {
            let label_color = if is_primary {
                primary_color
            } else {
                Color::Blue
            };
            ariadne_label = ariadne_label.with_color(label_color);
        }
        builder.add_label(ariadne_label);
    }
    for note in &diagnostic.notes {
        match note.strip_prefix(HELP_PREFIX) {
            Some(help) => builder.add_help(help),
            None => builder.add_note(note),
        }
    }

    let mut bytes = Vec::new();
    builder.finish().write(cache, &mut bytes).ok()?;
    let body = String::from_utf8_lossy(&bytes);
    // Drop ariadne's own header line (the report has no message, so it is one line).
    let body = body.split_once('\n').map_or("", |(_, rest)| rest);
    // ariadne pads some lines with spaces; trailing blanks only get in the way of diffs.
    let mut text = format!("{header}\n");
    for line in body.lines() {
        text.push_str(line.trim_end_matches(' '));
        text.push('\n');
    }
    Some(text)
}

/// Lines longer than this many characters are cut around their labels.
const LONG_LINE: usize = 160;
/// How many characters of a cut line are shown.
const SHOWN_WIDTH: usize = 100;

/// Where a label sits: its line and its columns on that line.
struct Place {
    source: SourceId,
    /// 0-based line number.
    line: usize,
    /// Byte range of the line, without its newline.
    line_bytes: Range<usize>,
    /// Character columns of the label on its line (clipped to the line).
    columns: Range<usize>,
    /// Length of the line in characters.
    line_chars: usize,
}

fn place(span: Span, sources: &SourceMap) -> Option<Place> {
    let range = checked_range(span, sources)?;
    let text = &sources.get(span.source)?.text;
    let line_start = text
        .get(..range.start)?
        .rfind('\n')
        .map_or(0, |index| index + 1);
    let line_end = text
        .get(range.start..)?
        .find('\n')
        .map_or(text.len(), |index| range.start + index);
    let line_text = text.get(line_start..line_end)?;
    let start = text.get(line_start..range.start)?.chars().count();
    let end = start
        + text
            .get(range.start..range.end.min(line_end))?
            .chars()
            .count();
    Some(Place {
        source: span.source,
        line: text.get(..line_start)?.matches('\n').count(),
        line_bytes: line_start..line_end,
        columns: start..end,
        line_chars: line_text.chars().count(),
    })
}

/// Renders a diagnostic one of whose labels lies on a line longer than
/// [`LONG_LINE`] characters, or `None` when none does.
///
/// Printing such a line whole for every diagnostic on it makes the output
/// grow with the square of the line (a one-line file of 4,000 clauses).
/// Instead ariadne draws a stand-in text for each source: the labelled
/// lines, each cut to [`SHOWN_WIDTH`] characters around its labels with `…`
/// where text was left out, at their own line numbers (the other lines are
/// empty: ariadne never prints an unlabelled line). Then the columns in the
/// `[ file:line:column ]` headers are put back to those of the real text.
fn render_cut(
    diagnostic: &Diagnostic,
    sources: &SourceMap,
    header: &str,
    color: bool,
) -> Option<String> {
    let places: Vec<Option<Place>> = diagnostic
        .labels
        .iter()
        .map(|label| place(label.span, sources))
        .collect();
    if !places
        .iter()
        .flatten()
        .any(|place| place.line_chars > LONG_LINE)
    {
        return None;
    }
    // The shown window of each labelled line: (source, line) → first column.
    let mut windows: HashMap<(SourceId, usize), (usize, &Place)> = HashMap::new();
    for place in places.iter().flatten() {
        windows
            .entry((place.source, place.line))
            .and_modify(|(start, _)| *start = (*start).min(place.columns.start))
            .or_insert((place.columns.start, place));
    }
    let mut texts: HashMap<SourceId, Vec<(usize, String, usize)>> = HashMap::new();
    let mut first_shown: HashMap<(SourceId, usize), usize> = HashMap::new();
    for (&(source, line), &(first_label, place)) in &windows {
        let text = &sources.get(source)?.text;
        let line_text = text.get(place.line_bytes.clone())?;
        let (shown, first_column) = if place.line_chars <= LONG_LINE {
            (line_text.to_string(), 0)
        } else {
            let first_column = first_label.saturating_sub(SHOWN_WIDTH / 5);
            let last_column = (first_column + SHOWN_WIDTH).min(place.line_chars);
            let mut shown: String = if first_column > 0 {
                "…".into()
            } else {
                String::new()
            };
            shown.extend(
                line_text
                    .chars()
                    .skip(first_column)
                    .take(last_column - first_column),
            );
            if last_column < place.line_chars {
                shown.push('…');
            }
            (shown, first_column)
        };
        // A leading `…` takes one column.
        let offset = usize::from(first_column > 0);
        first_shown.insert((source, line), first_column);
        texts.entry(source).or_default().push((line, shown, offset));
    }
    // Each source's stand-in: empty lines, then the shown lines in place;
    // `line_offsets` maps (source, line) to the stand-in's character offset
    // of the line's first shown character.
    let mut stand_ins: HashMap<SourceId, ariadne::Source<String>> = HashMap::new();
    let mut line_offsets: HashMap<(SourceId, usize), usize> = HashMap::new();
    for (source, mut lines) in texts {
        lines.sort_by_key(|(line, _, _)| *line);
        let mut text = String::new();
        let mut n_lines = 0;
        let mut n_chars = 0;
        for (line, shown, offset) in lines {
            while n_lines < line {
                text.push('\n');
                n_lines += 1;
                n_chars += 1;
            }
            line_offsets.insert((source, line), n_chars + offset);
            n_chars += shown.chars().count();
            text.push_str(&shown);
        }
        stand_ins.insert(source, ariadne::Source::from(text));
    }
    // Labels on the stand-ins, clipped to what is shown; the true columns
    // of each label start, to put back in the headers.
    let mut labels = Vec::new();
    let mut true_columns: HashMap<(String, usize, usize), usize> = HashMap::new();
    for (label_idx, (label, place)) in diagnostic.labels.iter().zip(&places).enumerate() {
        let Some(place) = place else { continue };
        let key = (place.source, place.line);
        let (Some(&first_column), Some(&line_offset)) =
            (first_shown.get(&key), line_offsets.get(&key))
        else {
            continue;
        };
        let last_column = first_column + SHOWN_WIDTH;
        if place.columns.start >= last_column {
            // Far along a line cut for an earlier label: not shown.
            continue;
        }
        let start = place.columns.start.saturating_sub(first_column);
        let end = place
            .columns
            .end
            .min(last_column)
            .saturating_sub(first_column)
            .max(start);
        let range = line_offset + start..line_offset + end;
        true_columns.insert(
            (
                sources.name(place.source).to_string(),
                place.line + 1,
                range.start - line_offset + 1 + usize::from(first_column > 0),
            ),
            place.columns.start + 1,
        );
        labels.push((label, range, label_idx == 0));
    }
    let cache = StandInCache { sources, stand_ins };
    let drawn = draw(diagnostic, header, labels, cache, color)?;
    Some(restore_header_columns(&drawn, &true_columns))
}

/// Replaces the column of each `[ file:line:column ]` location that ariadne
/// computed on a stand-in by the column in the real text.
fn restore_header_columns(
    text: &str,
    true_columns: &HashMap<(String, usize, usize), usize>,
) -> String {
    let mut restored = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let fixed = (|| {
            let open = line.find("[ ")?;
            let close = line.rfind(" ]")?;
            let location = line.get(open + 2..close)?;
            let (rest, column) = location.rsplit_once(':')?;
            let (file, line_number) = rest.rsplit_once(':')?;
            let key = (
                file.to_string(),
                line_number.parse().ok()?,
                column.parse().ok()?,
            );
            let true_column = true_columns.get(&key)?;
            Some(format!(
                "{}[ {file}:{line_number}:{true_column}{}",
                line.get(..open)?,
                line.get(close..)?
            ))
        })();
        restored.push_str(fixed.as_deref().unwrap_or(line));
    }
    restored
}

/// Feeds ariadne the stand-in texts of [`render_cut`].
struct StandInCache<'a> {
    sources: &'a SourceMap,
    stand_ins: HashMap<SourceId, ariadne::Source<String>>,
}

impl ariadne::Cache<SourceId> for StandInCache<'_> {
    type Storage = String;

    fn fetch(&mut self, id: &SourceId) -> Result<&ariadne::Source<String>, impl fmt::Debug> {
        self.stand_ins
            .get(id)
            .ok_or_else(|| format!("no source {}", id.0))
    }

    fn display<'b>(&self, id: &'b SourceId) -> Option<impl fmt::Display + 'b> {
        Some(self.sources.name(*id).to_string())
    }
}

/// `error[E202]: message`, in bold red (yellow for warnings) when `color` is on.
fn render_header(diagnostic: &Diagnostic, color: bool) -> String {
    let kind = severity_name(diagnostic.severity);
    if !color {
        return format!("{kind}[{}]: {}", diagnostic.code, diagnostic.message);
    }
    let kind_color = match diagnostic.severity {
        Severity::Error => "31",
        Severity::Warning => "33",
    };
    format!(
        "\x1b[1;{kind_color}m{kind}[{}]\x1b[0m\x1b[1m: {}\x1b[0m",
        diagnostic.code, diagnostic.message
    )
}

/// The header and the notes, for a diagnostic that points nowhere we can show.
fn render_without_labels(header: &str, notes: &[String]) -> String {
    let mut text = format!("{header}\n");
    for note in notes {
        match note.strip_prefix(HELP_PREFIX) {
            Some(help) => text.push_str(&format!("  = help: {help}\n")),
            None => text.push_str(&format!("  = note: {note}\n")),
        }
    }
    text
}

/// Feeds ariadne the texts of a [`SourceMap`], each split into lines once.
struct SourceCache<'a> {
    sources: &'a SourceMap,
    loaded: HashMap<SourceId, ariadne::Source<&'a str>>,
}

impl<'a> SourceCache<'a> {
    fn new(sources: &'a SourceMap) -> SourceCache<'a> {
        SourceCache {
            sources,
            loaded: HashMap::new(),
        }
    }
}

impl<'a> ariadne::Cache<SourceId> for SourceCache<'a> {
    type Storage = &'a str;

    fn fetch(&mut self, id: &SourceId) -> Result<&ariadne::Source<&'a str>, impl fmt::Debug> {
        match self.loaded.entry(*id) {
            Entry::Occupied(entry) => Ok(entry.into_mut()),
            Entry::Vacant(entry) => match self.sources.get(*id) {
                Some(source) => Ok(entry.insert(ariadne::Source::from(source.text.as_str()))),
                None => Err(format!("no source {}", id.0)),
            },
        }
    }

    fn display<'b>(&self, id: &'b SourceId) -> Option<impl fmt::Display + 'b> {
        Some(self.sources.name(*id).to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Code;

    /// Two sources: a rule file and a one-line REPL input.
    fn sources() -> SourceMap {
        let mut sources = SourceMap::new();
        sources.add(
            "rules/talks.dl",
            "% talks\nmediates(qatar, istanbul_talks).\nended(T) :- mediates(M, T), not agreed(X).\nhost(\"Türkiye\", istanbul_talks, Y).\n",
        );
        sources.add("<repl:1>", "?- mediates(Qatar, T).");
        sources
    }

    /// A span covering the first occurrence of `needle` in source `source`.
    fn span_of(sources: &SourceMap, source: u32, needle: &str) -> Span {
        let id = SourceId(source);
        let text = sources.get(id).map_or("", |source| source.text.as_str());
        let start = text.find(needle).unwrap_or(0);
        Span::new(id, start, start + needle.len())
    }

    fn check(diagnostics: &[Diagnostic], sources: &SourceMap) -> String {
        let text = render_diagnostics(diagnostics, sources, false);
        assert!(!text.contains('\x1b'), "colour codes in {text}");
        text
    }

    #[test]
    fn error_with_one_label_shows_location_and_caret() {
        let sources = sources();
        let diagnostic = Diagnostic::error(
            Code::E202,
            "variable `X` is unsafe",
            span_of(&sources, 0, "X"),
        )
        .with_label_message("`X` appears only in a negated atom")
        .with_note("help: bind `X` in a positive body atom, or replace it with `_`");
        insta::assert_snapshot!(check(&[diagnostic], &sources), @r#"
            error[E202]: variable `X` is unsafe
               ╭─[ rules/talks.dl:3:40 ]
               │
             3 │ ended(T) :- mediates(M, T), not agreed(X).
               │                                        ┬
               │                                        ╰── `X` appears only in a negated atom
               │
               │ Help: bind `X` in a positive body atom, or replace it with `_`
            ───╯
            "#);
    }

    #[test]
    fn utf8_before_the_span_keeps_the_caret_in_place() {
        let sources = sources();
        let diagnostic = Diagnostic::error(
            Code::E202,
            "variable `Y` is unsafe",
            span_of(&sources, 0, "Y"),
        );
        let text = check(&[diagnostic], &sources);
        assert!(text.contains("rules/talks.dl:4:33"), "{text}");
        insta::assert_snapshot!(text, @r#"
            error[E202]: variable `Y` is unsafe
               ╭─[ rules/talks.dl:4:33 ]
               │
             4 │ host("Türkiye", istanbul_talks, Y).
               │                                 ┬
               │                                 ╰── variable `Y` is unsafe
            ───╯
            "#);
        let on_utf8 =
            Diagnostic::warning(Code::W001, "a string", span_of(&sources, 0, "\"Türkiye\""))
                .with_label_message("here");
        insta::assert_snapshot!(check(&[on_utf8], &sources), @r#"
            warning[W001]: a string
               ╭─[ rules/talks.dl:4:6 ]
               │
             4 │ host("Türkiye", istanbul_talks, Y).
               │      ────┬────
               │          ╰────── here
            ───╯
            "#);
    }

    #[test]
    fn several_labels_and_sources() {
        let sources = sources();
        let diagnostic = Diagnostic::error(
            Code::E203,
            "predicate `mediates` is used with 2 and 3 arguments",
            span_of(&sources, 0, "mediates(M, T)"),
        )
        .with_label_message("2 arguments here")
        .with_secondary(
            span_of(&sources, 0, "mediates(qatar, istanbul_talks)"),
            "first used here",
        )
        .with_secondary(span_of(&sources, 1, "mediates(Qatar, T)"), "and here")
        .with_note("a predicate has one arity everywhere");
        insta::assert_snapshot!(check(&[diagnostic], &sources), @r#"
            error[E203]: predicate `mediates` is used with 2 and 3 arguments
               ╭─[ rules/talks.dl:3:13 ]
               │
             2 │ mediates(qatar, istanbul_talks).
               │ ───────────────┬───────────────
               │                ╰───────────────── first used here
             3 │ ended(T) :- mediates(M, T), not agreed(X).
               │             ───────┬──────
               │                    ╰──────── 2 arguments here
               │
               ├─[ <repl:1>:1:4 ]
               │
             1 │ ?- mediates(Qatar, T).
               │    ─────────┬────────
               │             ╰────────── and here
               │
               │ Note: a predicate has one arity everywhere
            ───╯
            "#);
    }

    #[test]
    fn utf8_in_a_second_source_keeps_its_column() {
        let sources = sources();
        let diagnostic = Diagnostic::error(Code::E203, "m", span_of(&sources, 1, "Qatar"))
            .with_secondary(span_of(&sources, 0, "Y"), "here");
        let text = check(&[diagnostic], &sources);
        assert!(text.contains("├─[ rules/talks.dl:4:33 ]"), "{text}");
    }

    #[test]
    fn warnings_and_diagnostics_without_spans() {
        let sources = sources();
        let diagnostics = [
            Diagnostic::warning(
                Code::W002,
                "variable `Qatar` matches anything",
                span_of(&sources, 1, "Qatar"),
            )
            .with_note("help: did you mean the constant `qatar`?"),
            Diagnostic::error_without_span(Code::E401, "cannot read `missing.dl`: no such file")
                .with_note("paths are relative to the current folder")
                .with_note("help: check the spelling"),
        ];
        insta::assert_snapshot!(check(&diagnostics, &sources), @r#"
            warning[W002]: variable `Qatar` matches anything
               ╭─[ <repl:1>:1:13 ]
               │
             1 │ ?- mediates(Qatar, T).
               │             ──┬──
               │               ╰──── variable `Qatar` matches anything
               │
               │ Help: did you mean the constant `qatar`?
            ───╯

            error[E401]: cannot read `missing.dl`: no such file
              = note: paths are relative to the current folder
              = help: check the spelling
            "#);
    }

    #[test]
    fn spans_that_do_not_fit_fall_back_to_no_label() {
        let sources = sources();
        let text_len = sources
            .get(SourceId(0))
            .map_or(0, |source| source.text.len());
        let inside_utf8 = span_of(&sources, 0, "ü").start as usize + 1;
        let bad_spans = [
            Span::new(SourceId(7), 0, 1),
            Span::new(SourceId(0), text_len + 1, text_len + 5),
            Span::new(SourceId(0), 5, 2),
            Span::new(SourceId(0), inside_utf8, inside_utf8 + 2),
            Span::new(SourceId(0), usize::MAX, usize::MAX),
        ];
        for span in bad_spans {
            let diagnostic = Diagnostic::error(Code::E101, "bad span", span);
            assert_eq!(
                check(std::slice::from_ref(&diagnostic), &sources),
                "error[E101]: bad span\n"
            );
            let json = diagnostics_to_json(&[diagnostic], &sources);
            assert_eq!(json[0]["line"], Json::Null);
        }
        // Empty spans, at the end of the text and at the start, still render.
        for span in [Span::new(SourceId(1), 22, 22), Span::new(SourceId(0), 0, 0)] {
            let text = check(
                &[Diagnostic::error(Code::E101, "expected `.`", span)],
                &sources,
            );
            assert!(text.contains("╭─["), "{text}");
        }
    }

    #[test]
    fn arbitrary_spans_never_panic() {
        let sources = sources();
        let text_len = sources
            .get(SourceId(0))
            .map_or(0, |source| source.text.len());
        for start in 0..=text_len + 1 {
            for end in start..=(start + 12).min(text_len + 2) {
                let span = Span::new(SourceId(0), start, end);
                let diagnostic = Diagnostic::error(Code::E101, "m", span)
                    .with_secondary(Span::new(SourceId(0), end, start), "x");
                render_diagnostics(std::slice::from_ref(&diagnostic), &sources, true);
                diagnostics_to_json(std::slice::from_ref(&diagnostic), &sources);
                // The same span as a secondary label in another source.
                let elsewhere = Diagnostic::error(Code::E101, "m", span_of(&sources, 1, "Qatar"))
                    .with_secondary(span, "x");
                render_diagnostics(&[elsewhere], &sources, false);
            }
        }
    }

    #[test]
    fn colour_is_only_on_when_asked() {
        let sources = sources();
        let diagnostic = Diagnostic::error(Code::E202, "m", span_of(&sources, 0, "X"));
        assert!(render_diagnostic(&diagnostic, &sources, true).contains('\x1b'));
        assert!(!render_diagnostic(&diagnostic, &sources, false).contains('\x1b'));
    }

    #[test]
    fn json_has_positions_in_characters() {
        let sources = sources();
        let diagnostics = [
            Diagnostic::error(
                Code::E202,
                "variable `Y` is unsafe",
                span_of(&sources, 0, "Y"),
            )
            .with_secondary(span_of(&sources, 1, "Qatar"), "also")
            .with_note("help: bind it"),
            Diagnostic::error_without_span(Code::E401, "no file"),
        ];
        let json = serde_json::to_string_pretty(&diagnostics_to_json(&diagnostics, &sources))
            .unwrap_or_default();
        insta::assert_snapshot!(json, @r#"
            [
              {
                "code": "E202",
                "column": 33,
                "end_column": 34,
                "end_line": 4,
                "file": "rules/talks.dl",
                "labels": [
                  {
                    "column": 33,
                    "end_column": 34,
                    "end_line": 4,
                    "file": "rules/talks.dl",
                    "line": 4,
                    "message": "",
                    "primary": true
                  },
                  {
                    "column": 13,
                    "end_column": 18,
                    "end_line": 1,
                    "file": "<repl:1>",
                    "line": 1,
                    "message": "also",
                    "primary": false
                  }
                ],
                "line": 4,
                "message": "variable `Y` is unsafe",
                "notes": [
                  "help: bind it"
                ],
                "severity": "error"
              },
              {
                "code": "E401",
                "column": null,
                "end_column": null,
                "end_line": null,
                "file": null,
                "labels": [],
                "line": null,
                "message": "no file",
                "notes": [],
                "severity": "error"
              }
            ]
            "#);
    }

    #[test]
    fn summary_counts_by_severity() {
        let span = Span::default();
        let error = Diagnostic::error(Code::E101, "e", span);
        let warning = Diagnostic::warning(Code::W001, "w", span);
        let cases: Vec<(Vec<Diagnostic>, Option<&str>)> = vec![
            (vec![], None),
            (vec![error.clone()], Some("1 error")),
            (vec![warning.clone()], Some("1 warning")),
            (vec![warning.clone(), warning.clone()], Some("2 warnings")),
            (
                vec![error.clone(), warning, error],
                Some("2 errors, 1 warning"),
            ),
        ];
        for (diagnostics, expected) in cases {
            assert_eq!(summary(&diagnostics).as_deref(), expected);
        }
    }
}
