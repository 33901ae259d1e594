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

#[cfg(test)]
mod tests {
    use super::*;

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
