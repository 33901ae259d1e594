//! CSV and TSV rows, parsed by `csv-core`, the `csv` crate's own parser.
//!
//! Each record is parsed into one reused buffer (its cells' bytes and their
//! ends, as a `csv::ByteRecord` holds them) and its cells go straight into
//! the table. The parser is driven directly rather than through
//! `csv::Reader` because two things need the raw bytes it consumes: the
//! exact line a record starts on (blank lines and `\r\n` make the reader's
//! own count lag), and RFC 4180's quoting rules, which the parser forgives (a
//! quote inside an unquoted cell, text after a closing quote, a quote never
//! closed) and a user should hear about: [`QuoteCheck`] watches the same
//! bytes and remembers the first broken quote, reported in file order with
//! the other problems.

use super::cells::{CellError, push_cell};
use super::locate::{field_position, line_column_at, read_range};
use super::{DataFormat, ImportError, ImportProblem, ImportSpec, unreadable};
use crate::table::FactTable;
use csv_core::ReadRecordResult;
use std::io::BufRead;

/// One record's cells: their bytes one after another, and where each ends.
struct Record {
    bytes: Vec<u8>,
    ends: Vec<usize>,
    len: usize,
}

impl Record {
    fn cell(&self, index: usize) -> &[u8] {
        let start = if index == 0 { 0 } else { self.ends[index - 1] };
        &self.bytes[start..self.ends[index]]
    }

    fn joined(&self) -> &[u8] {
        &self.bytes[..self
            .ends
            .get(self.len.wrapping_sub(1))
            .copied()
            .unwrap_or(0)]
    }
}

/// Reads a CSV (quoting) or TSV (no quoting) file.
pub(super) fn read(spec: &ImportSpec<'_>, format: DataFormat) -> Result<FactTable, ImportError> {
    let (delimiter, quoting) = match format {
        DataFormat::Tsv => (b'\t', false),
        _ => (b',', true),
    };
    let file = std::fs::File::open(spec.path).map_err(|error| unreadable(spec, &error))?;
    let mut input = std::io::BufReader::with_capacity(1 << 16, file);
    let mut parser = csv_core::ReaderBuilder::new()
        .delimiter(delimiter)
        .quoting(quoting)
        .double_quote(true)
        .build();
    let mut quotes = QuoteCheck::new(delimiter, quoting);
    let arity = spec.columns.len();
    let mut table = FactTable::in_file(spec.predicate, arity, spec.shown_name).keeping(spec.share);
    let mut record = Record {
        bytes: vec![0; 4096],
        ends: vec![0; arity.max(1) * 2],
        len: 0,
    };
    // Bytes consumed so far, and the line of the next byte.
    let mut offset: u64 = 0;
    let mut line: u64 = 1;
    let mut skip_header = spec.header;
    loop {
        let (mut n_bytes, mut n_ends) = (0, 0);
        // Where the record's first byte is, once the parser has passed the
        // blank lines before it.
        let mut start: Option<(u64, u64)> = None;
        let done = loop {
            let buffer = input.fill_buf().map_err(|error| unreadable(spec, &error))?;
            let (result, n_in, n_out, n_end) = parser.read_record(
                buffer,
                &mut record.bytes[n_bytes..],
                &mut record.ends[n_ends..],
            );
            let consumed = &buffer[..n_in];
            if start.is_none() {
                let blanks = consumed
                    .iter()
                    .take_while(|byte| matches!(byte, b'\r' | b'\n'))
                    .count();
                if blanks < consumed.len() || result == ReadRecordResult::Record {
                    let newlines = memchr::memchr_iter(b'\n', &consumed[..blanks]).count();
                    start = Some((offset + blanks as u64, line + newlines as u64));
                }
            }
            quotes.scan(consumed, offset);
            line += memchr::memchr_iter(b'\n', consumed).count() as u64;
            offset += n_in as u64;
            input.consume(n_in);
            n_bytes += n_out;
            n_ends += n_end;
            match result {
                ReadRecordResult::InputEmpty => {}
                ReadRecordResult::OutputFull => {
                    let grown = record.bytes.len() * 2;
                    record.bytes.resize(grown, 0);
                }
                ReadRecordResult::OutputEndsFull => {
                    let grown = record.ends.len() * 2;
                    record.ends.resize(grown, 0);
                }
                ReadRecordResult::Record => break false,
                ReadRecordResult::End => break true,
            }
        };
        if let Some(error) = quote_error(spec, &quotes, if done { None } else { Some(offset) }) {
            return Err(error);
        }
        if done {
            break;
        }
        record.len = n_ends;
        let (start_offset, start_line) = start.unwrap_or((offset, line));
        if skip_header {
            skip_header = false;
            continue;
        }
        let end_offset = offset;
        let located = |cell: usize, problem: ImportProblem, message: String| {
            let (relative_line, column) = read_range(spec.path, start_offset, end_offset)
                .map(|raw| field_position(&raw, delimiter, quoting, cell))
                .unwrap_or((0, 1));
            ImportError {
                problem,
                message,
                line: Some(start_line + relative_line),
                column: Some(column),
            }
        };
        if record.len != arity {
            return Err(located(
                record.len.min(arity),
                ImportProblem::CellCount,
                format!(
                    "expected {arity} {}, found {}{}",
                    if arity == 1 { "cell" } else { "cells" },
                    record.len,
                    count_hint(format, &record, arity)
                ),
            ));
        }
        for (cell, column) in spec.columns.iter().enumerate() {
            if let Err(CellError { problem, message }) =
                push_cell(&mut table, *column, record.cell(cell))
            {
                table.abandon_row();
                return Err(located(
                    cell,
                    problem,
                    format!("cell {}: {message}", cell + 1),
                ));
            }
        }
        table.finish_row(u32::try_from(start_line).unwrap_or(u32::MAX));
    }
    Ok(table)
}

/// Why a row may have the wrong number of cells, when it can be guessed.
fn count_hint(format: DataFormat, record: &Record, arity: usize) -> &'static str {
    let joined = record.joined();
    match format {
        DataFormat::Tsv if record.len < arity && joined.contains(&b',') => {
            "; TSV cells are separated by tabs, not commas"
        }
        DataFormat::Csv if record.len < arity && joined.contains(&b'\t') => {
            "; CSV cells are separated by commas (a `.tsv` file is read as tab-separated)"
        }
        DataFormat::Csv if record.len > arity => {
            "; a cell holding a comma must be quoted: `\"a, b\"`"
        }
        _ => "",
    }
}

/// The first broken quote, if the checker saw one before `before` (or at
/// all, once the whole file is read), located in the file.
fn quote_error(
    spec: &ImportSpec<'_>,
    check: &QuoteCheck,
    before: Option<u64>,
) -> Option<ImportError> {
    let (offset, problem) = check.problem(before)?;
    let (line, column) = line_column_at(spec.path, offset).unwrap_or((1, 1));
    let message = match problem {
        QuoteProblem::InUnquotedCell => {
            "broken quoting: a `\"` inside a cell that does not start with one; quote the whole cell and double the inner quote: `\"a \"\"b\"\" c\"`"
        }
        QuoteProblem::TextAfterClosingQuote => {
            "broken quoting: text after the quote that closes a cell; a `\"` inside a quoted cell is written `\"\"`"
        }
        QuoteProblem::NeverClosed => "broken quoting: this quote is never closed",
    };
    Some(ImportError {
        problem: ImportProblem::Malformed,
        message: message.to_string(),
        line: Some(line),
        column: Some(column),
    })
}

/// What RFC 4180 does not allow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum QuoteProblem {
    /// `ab"c`
    InUnquotedCell,
    /// `"ab"c`
    TextAfterClosingQuote,
    /// `"abc` to the end of the file.
    NeverClosed,
}

/// Where the quote checker stands between two bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Outside quotes; a `"` is allowed only at the start of a cell.
    Outside,
    /// Inside a quoted cell.
    Quoted,
    /// Just after a `"` inside a quoted cell: another `"` (an escaped
    /// quote), a separator or a line end must follow.
    AfterQuote,
}

/// Checks the quoting of the bytes the parser consumed, as RFC 4180 states
/// it. It finds quotes with `memchr`, so data without quotes costs next to
/// nothing.
struct QuoteCheck {
    delimiter: u8,
    enabled: bool,
    state: State,
    /// Offset of the next byte to be read.
    offset: u64,
    /// The byte before the next one (a line end at the start of the file).
    previous: u8,
    /// Where the quote of the current quoted cell opened.
    opened_at: u64,
    /// Where the data starts: after a byte-order mark, if the file has one.
    data_start: u64,
    problem: Option<(u64, QuoteProblem)>,
}

impl QuoteCheck {
    fn new(delimiter: u8, enabled: bool) -> QuoteCheck {
        QuoteCheck {
            delimiter,
            enabled,
            state: State::Outside,
            offset: 0,
            previous: b'\n',
            opened_at: 0,
            data_start: 0,
            problem: None,
        }
    }

    /// The first problem at an offset before `before` (any, when `None`:
    /// the file is read, and a quote still open is never closed).
    fn problem(&self, before: Option<u64>) -> Option<(u64, QuoteProblem)> {
        match (self.problem, before) {
            (Some((offset, problem)), Some(limit)) if offset < limit => Some((offset, problem)),
            (Some(found), None) => Some(found),
            // The parser ends a record inside quotes only at the end of the file.
            (None, Some(_)) if self.state == State::Quoted => {
                Some((self.opened_at, QuoteProblem::NeverClosed))
            }
            (None, None) if self.state == State::Quoted => {
                Some((self.opened_at, QuoteProblem::NeverClosed))
            }
            _ => None,
        }
    }

    /// Checks `chunk`, the bytes of the file from `offset` on.
    fn scan(&mut self, chunk: &[u8], offset: u64) {
        debug_assert_eq!(offset, self.offset);
        if !self.enabled {
            self.offset += chunk.len() as u64;
            return;
        }
        let mut index = 0;
        // A byte-order mark at the start of the file is not part of a cell.
        if self.offset == 0 && chunk.starts_with(b"\xef\xbb\xbf") {
            index = 3;
            self.data_start = 3;
        }
        while index < chunk.len() && self.problem.is_none() {
            match self.state {
                State::Outside | State::Quoted => {
                    let Some(found) = memchr::memchr(b'"', &chunk[index..]) else {
                        break;
                    };
                    let quote = index + found;
                    if self.state == State::Quoted {
                        self.state = State::AfterQuote;
                    } else {
                        let before = if quote > 0 {
                            chunk[quote - 1]
                        } else {
                            self.previous
                        };
                        let at_cell_start = self.offset + quote as u64 == self.data_start
                            || before == self.delimiter
                            || before == b'\n'
                            || before == b'\r';
                        if at_cell_start {
                            self.state = State::Quoted;
                            self.opened_at = self.offset + quote as u64;
                        } else {
                            self.problem =
                                Some((self.offset + quote as u64, QuoteProblem::InUnquotedCell));
                        }
                    }
                    index = quote + 1;
                }
                State::AfterQuote => {
                    let byte = chunk[index];
                    if byte == b'"' {
                        self.state = State::Quoted;
                    } else if byte == self.delimiter || byte == b'\n' || byte == b'\r' {
                        self.state = State::Outside;
                    } else {
                        self.problem = Some((
                            self.offset + index as u64,
                            QuoteProblem::TextAfterClosingQuote,
                        ));
                    }
                    index += 1;
                }
            }
        }
        if let Some(&last) = chunk.last() {
            self.previous = last;
        }
        self.offset += chunk.len() as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str) -> Option<(u64, QuoteProblem)> {
        let mut checker = QuoteCheck::new(b',', true);
        // Fed in small pieces, as a reader may hand them over.
        let mut offset = 0;
        for piece in text.as_bytes().chunks(3) {
            checker.scan(piece, offset);
            offset += piece.len() as u64;
        }
        checker.problem(None)
    }

    #[test]
    fn quoting_follows_rfc_4180() {
        assert_eq!(check("a,b\n\"c,d\",\"e\"\"f\"\n"), None);
        assert_eq!(check("\u{feff}\"a\",b\r\n\"multi\nline\",c"), None);
        assert_eq!(check("a,\"\"\n"), None);
        assert_eq!(check("a,b\"c\n"), Some((3, QuoteProblem::InUnquotedCell)));
        assert_eq!(
            check("a,\"bc\"d\n"),
            Some((6, QuoteProblem::TextAfterClosingQuote))
        );
        assert_eq!(check("a\n\"bc,d\n"), Some((2, QuoteProblem::NeverClosed)));
    }
}
