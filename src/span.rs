//! Source texts and byte spans into them.
//!
//! Owns `SourceId`, `Span` and `SourceMap`. Spans are byte ranges; line and
//! column are computed only when a diagnostic is rendered, never stored.

use serde::Serialize;

/// Identifies one loaded text (a file, the bundled knowledge base, or one REPL input).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Default)]
pub struct SourceId(pub u32);

/// A byte range `start..end` in one source.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Default)]
pub struct Span {
    /// The source the range points into.
    pub source: SourceId,
    /// First byte.
    pub start: u32,
    /// One past the last byte.
    pub end: u32,
}

impl Span {
    /// A span of `start..end` in `source`.
    pub fn new(source: SourceId, start: usize, end: usize) -> Span {
        Span {
            source,
            start: u32::try_from(start).unwrap_or(u32::MAX),
            end: u32::try_from(end).unwrap_or(u32::MAX),
        }
    }

    /// The smallest span covering both `self` and `other` (same source assumed).
    pub fn to(self, other: Span) -> Span {
        Span {
            source: self.source,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    /// The byte range as `usize`s.
    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// One loaded text and the name it is reported under.
#[derive(Clone, Debug)]
pub struct Source {
    /// File path as given, `<news>/file.dl`, or `<repl:N>`.
    pub name: String,
    /// The full text.
    pub text: String,
}

/// All texts loaded in a session; a `SourceId` is an index into it.
#[derive(Clone, Debug, Default)]
pub struct SourceMap {
    sources: Vec<Source>,
}

impl SourceMap {
    /// An empty map.
    pub fn new() -> SourceMap {
        SourceMap::default()
    }

    /// Adds a text and returns its id.
    pub fn add(&mut self, name: impl Into<String>, text: impl Into<String>) -> SourceId {
        let id = SourceId(u32::try_from(self.sources.len()).unwrap_or(u32::MAX));
        self.sources.push(Source {
            name: name.into(),
            text: text.into(),
        });
        id
    }

    /// The source behind `id`, if it exists.
    pub fn get(&self, id: SourceId) -> Option<&Source> {
        self.sources.get(id.0 as usize)
    }

    /// The name of `id`, or `<unknown>`.
    pub fn name(&self, id: SourceId) -> &str {
        self.get(id)
            .map_or("<unknown>", |source| source.name.as_str())
    }

    /// The text under `span`, or "" when the span does not fit its source.
    pub fn snippet(&self, span: Span) -> &str {
        self.get(span.source)
            .and_then(|source| source.text.get(span.range()))
            .unwrap_or("")
    }

    /// 1-based line and column (in characters) of byte `offset` in `id`.
    pub fn line_column(&self, id: SourceId, offset: u32) -> (usize, usize) {
        let Some(source) = self.get(id) else {
            return (1, 1);
        };
        let offset = (offset as usize).min(source.text.len());
        let before = source.text.get(..offset).unwrap_or(&source.text);
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |index| index + 1);
        let column = before
            .get(line_start..)
            .map_or(0, |text| text.chars().count())
            + 1;
        (line, column)
    }

    /// Lets go of the text of `id`, keeping its name: for a file of plain
    /// facts whose rows a run no longer needs to show (tens of megabytes
    /// for a large file). Snippets of it are empty from then on and its
    /// positions are reported at its first line: only diagnostics and
    /// explanations read them, and a session releases a text only when
    /// neither will.
    pub fn release(&mut self, id: SourceId) {
        if let Some(source) = self.sources.get_mut(id.0 as usize) {
            source.text = String::new();
        }
    }

    /// Drops every source added after the first `len`, so a rejected REPL input leaves no trace.
    pub fn truncate(&mut self, len: usize) {
        self.sources.truncate(len);
    }

    /// Number of sources.
    pub fn len(&self) -> usize {
        self.sources.len()
    }

    /// True when nothing is loaded.
    pub fn is_empty(&self) -> bool {
        self.sources.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_column_counts_characters_not_bytes() {
        let mut map = SourceMap::new();
        let id = map.add("t.dl", "a.\nTürkiye(x).");
        let offset = "a.\nTürkiye".len() as u32;
        assert_eq!(map.line_column(id, offset), (2, 8));
        assert_eq!(map.line_column(id, 0), (1, 1));
    }
}
