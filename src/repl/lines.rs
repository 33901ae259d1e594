//! Gathering typed lines into inputs: a `:command` is one line, a Datalog
//! input ends at the `.` that ends its last clause.
//!
//! Owns the rule that decides when an input is ready, so the terminal, the
//! transcript tests and any other front end read lines the same way (pasted
//! text included: feed it line by line). Knows nothing of the terminal.

use super::command::is_command;
use super::edit::{is_blank, is_complete};

/// What a front end says on a blank line inside an open clause.
pub const BLANK_IN_CLAUSE: &str = "(the clause ends at its final `.`; Ctrl-C abandons it)";

/// What a line did to the input being gathered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Line {
    /// A complete input to run: a command, or Datalog ending at its `.`.
    Input(String),
    /// Nothing to run: a blank line, or an input still open.
    Pending,
    /// A blank line inside an open clause: worth reminding how it ends
    /// ([`BLANK_IN_CLAUSE`]).
    BlankInClause,
}

/// The lines of an input typed so far.
#[derive(Clone, Debug, Default)]
pub struct Lines {
    pending: String,
}

impl Lines {
    /// Nothing typed yet.
    pub fn new() -> Lines {
        Lines::default()
    }

    /// The lines of the open input, joined by newlines (empty when none is open).
    pub fn pending(&self) -> &str {
        &self.pending
    }

    /// True when an input is open (its clause not yet ended).
    pub fn is_open(&self) -> bool {
        !self.pending.is_empty()
    }

    /// Drops the open input; true when there was one.
    pub fn abandon(&mut self) -> bool {
        let open = self.is_open();
        self.pending.clear();
        open
    }

    /// Adds one typed line.
    ///
    /// ```
    /// use wirelog::repl::{Line, Lines};
    /// let mut lines = Lines::new();
    /// assert_eq!(lines.push("h(X) :-"), Line::Pending);
    /// assert_eq!(lines.push("  p(X)."), Line::Input("h(X) :-\n  p(X).".into()));
    /// assert_eq!(lines.push(":help"), Line::Input(":help".into()));
    /// ```
    pub fn push(&mut self, line: &str) -> Line {
        let mut outcome = Line::Pending;
        if self.pending.is_empty() {
            if is_command(line) {
                return Line::Input(line.trim().to_string());
            }
            if is_blank(line) {
                return Line::Pending;
            }
            self.pending = line.to_string();
        } else {
            self.pending.push('\n');
            self.pending.push_str(line);
            if line.trim().is_empty() {
                outcome = Line::BlankInClause;
            }
        }
        if is_complete(&self.pending) {
            return Line::Input(std::mem::take(&mut self.pending));
        }
        outcome
    }
}

/// One line read from a stream that is not a terminal (piped input).
#[derive(Debug)]
pub enum ReadLine {
    /// A line, without its line ending.
    Line(String),
    /// A line that cannot be taken: it was skipped whole.
    Bad(BadLine),
    /// The end of the input.
    End,
    /// The stream failed.
    Failed(std::io::Error),
}

/// Why a line of input was skipped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BadLine {
    /// Bytes that are not UTF-8 text; `column` counts bytes from 1.
    #[error("line {line} of the input is not UTF-8 text (byte {column}); it was skipped")]
    NotUtf8 {
        /// The line's number in the input, from 1.
        line: usize,
        /// The first bad byte's position in the line, from 1.
        column: usize,
    },
    /// A line longer than the most a file may hold.
    #[error("line {line} of the input is longer than {max_bytes} bytes; it was skipped")]
    TooLong {
        /// The line's number in the input, from 1.
        line: usize,
        /// The limit.
        max_bytes: usize,
    },
}

/// Reads line number `number` of `reader`, keeping at most `max_bytes` of
/// it: a line that is not UTF-8 or is too long is consumed whole and
/// reported, so that the next read starts at the next line and a session
/// fed by a pipe goes on (one bad byte must not end it).
pub fn read_line(reader: &mut impl std::io::BufRead, number: usize, max_bytes: usize) -> ReadLine {
    let mut bytes = Vec::new();
    let mut too_long = false;
    loop {
        let chunk = match reader.fill_buf() {
            Ok(chunk) => chunk,
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(error) => return ReadLine::Failed(error),
        };
        if chunk.is_empty() {
            if bytes.is_empty() && !too_long {
                return ReadLine::End;
            }
            break;
        }
        let (taken, ends) = match chunk.iter().position(|&byte| byte == b'\n') {
            Some(newline) => (newline + 1, true),
            None => (chunk.len(), false),
        };
        if !too_long {
            if bytes.len() + taken > max_bytes.saturating_add(1) {
                too_long = true;
                bytes = Vec::new();
            } else {
                bytes.extend_from_slice(&chunk[..taken]);
            }
        }
        reader.consume(taken);
        if ends {
            break;
        }
    }
    if too_long {
        return ReadLine::Bad(BadLine::TooLong {
            line: number,
            max_bytes,
        });
    }
    if bytes.last() == Some(&b'\n') {
        bytes.pop();
        if bytes.last() == Some(&b'\r') {
            bytes.pop();
        }
    }
    match String::from_utf8(bytes) {
        Ok(line) => ReadLine::Line(line),
        Err(error) => ReadLine::Bad(BadLine::NotUtf8 {
            line: number,
            column: error.utf8_error().valid_up_to() + 1,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_line_is_skipped_whole_and_reading_goes_on() {
        let input: &[u8] = b"p(1).\nq(\"caf\xe9\").\r\n\nr(2).\nxxxxxxxxxxxxxxxxxxxx\nlast";
        let mut reader = std::io::BufReader::with_capacity(4, input);
        let mut read = Vec::new();
        for number in 1.. {
            match read_line(&mut reader, number, 16) {
                ReadLine::Line(line) => read.push(line),
                ReadLine::Bad(bad) => read.push(bad.to_string()),
                ReadLine::End => break,
                ReadLine::Failed(error) => panic!("{error}"),
            }
        }
        assert_eq!(
            read,
            [
                "p(1).",
                "line 2 of the input is not UTF-8 text (byte 7); it was skipped",
                "",
                "r(2).",
                "line 5 of the input is longer than 16 bytes; it was skipped",
                "last",
            ]
        );
    }

    #[test]
    fn lines_gather_into_inputs() {
        let mut lines = Lines::new();
        assert_eq!(lines.push("   "), Line::Pending);
        assert_eq!(lines.push("% a comment"), Line::Pending);
        assert!(!lines.is_open());
        assert_eq!(lines.push("p(a). q("), Line::Pending);
        assert_eq!(lines.push(""), Line::BlankInClause);
        assert_eq!(
            lines.push(":quit"),
            Line::Pending,
            "inside a clause, not a command"
        );
        assert_eq!(
            lines.push("b)."),
            Line::Input("p(a). q(\n\n:quit\nb).".into())
        );
        assert_eq!(lines.push("  :facts p  "), Line::Input(":facts p".into()));
        assert_eq!(lines.push("r(X) :-"), Line::Pending);
        assert!(lines.abandon());
        assert!(!lines.abandon());
    }
}
