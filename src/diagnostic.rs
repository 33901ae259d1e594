//! Diagnostics as plain data: what is wrong, where, and how bad; and the
//! registry of their stable codes.
//!
//! Every stage detects problems and builds `Diagnostic` values; only
//! `present::diagnostics` renders them. Every code is a variant of [`Code`]
//! with its stage and a one-line summary: `E1xx` syntax, `E2xx` analysis,
//! `E3xx` evaluation, `E4xx` loading (files, includes, citations), `E5xx`
//! explanation requests, `E6xx` REPL commands, `Wxxx` warnings. `docs/checks.md` lists the same
//! codes with the same summaries (a test keeps them in step), and no module
//! spells a code as a string.

use crate::span::Span;
use serde::{Serialize, Serializer};
use std::fmt;

/// The stage of the pipeline that finds the problems of a code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Stage {
    /// The parser (`E1xx`).
    Syntax,
    /// The static checks, errors (`E2xx`) and warnings (`Wxxx`).
    Analysis,
    /// Evaluation (`E3xx`).
    Evaluation,
    /// Reading files and includes, verifying citations (`E4xx`).
    Loading,
    /// Explanation requests, `:why` and `:whynot` (`E5xx`).
    Explanation,
    /// The REPL's `:commands` (`E6xx`).
    Command,
}

impl Stage {
    /// How `docs/checks.md` titles the stage's section.
    pub fn title(self) -> &'static str {
        match self {
            Stage::Syntax => "Syntax",
            Stage::Analysis => "Analysis",
            Stage::Evaluation => "Evaluation",
            Stage::Loading => "Loading",
            Stage::Explanation => "Explanation",
            Stage::Command => "Command",
        }
    }
}

/// Declares [`Code`]: each code with its stage and its one-line summary (the
/// "what" column of `docs/checks.md`).
macro_rules! codes {
    ($($code:ident $stage:ident $summary:literal,)*) => {
        /// A stable diagnostic code. Variants are named by the code itself,
        /// as users read and search it; [`Code::summary`] says what it means.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code {
            $(
                #[doc = $summary]
                $code,
            )*
        }

        impl Code {
            /// Every code, in order.
            pub const ALL: &'static [Code] = &[$(Code::$code),*];

            /// The code as written, e.g. `E202`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$code => stringify!($code),)*
                }
            }

            /// The stage that reports it.
            pub fn stage(self) -> Stage {
                match self {
                    $(Code::$code => Stage::$stage,)*
                }
            }

            /// What it means, in one line.
            pub fn summary(self) -> &'static str {
                match self {
                    $(Code::$code => $summary,)*
                }
            }
        }
    };
}

codes! {
    E101 Syntax "something other than what the grammar allows here (the message says what was expected and what was found)",
    E102 Syntax "a string with no closing `\"` on its line",
    E103 Syntax "an escape other than `\\\"`, `\\\\`, `\\n` and `\\t` in a string",
    E104 Syntax "an integer outside the 64-bit range",
    E105 Syntax "a date that is not in the calendar",
    E106 Syntax "a value-giving built-in standing alone as a literal",
    E107 Syntax "a call of something that is not a built-in function inside a term",
    E108 Syntax "a clause head named by a built-in function or a keyword",
    E109 Syntax "an aggregate whose result is not a variable bound with `=`",
    E110 Syntax "nesting deeper than 200 levels",
    E111 Syntax "syntax of another Datalog or Prolog system (the note gives wirelog's form)",
    E112 Syntax "a decimal or datetime literal that is not valid",
    E113 Syntax "a lattice argument (`min D`, `max D`) outside a rule head, or two in one head",
    E201 Analysis "a predicate used with two arities (both uses are labelled)",
    E202 Analysis "unsafe variable: nothing binds it",
    E203 Analysis "a cycle through negation (every edge of the cycle is labelled)",
    E204 Analysis "a type mismatch that is certain before evaluation",
    E205 Analysis "a fact contradicting its `%%` declared type",
    E206 Analysis "a fact with a variable in it",
    E207 Analysis "a cycle through an aggregate",
    E208 Analysis "an expression in a fact",
    E209 Analysis "a citation on a rule",
    E210 Analysis "`_` where a value is needed: in a head, a comparison, an expression",
    E211 Analysis "an unknown function",
    E212 Analysis "a function with the wrong number of arguments",
    E213 Analysis "a value function standing alone as a condition",
    E214 Analysis "`contains(...)` used as a value",
    E215 Analysis "`sum`, `min` or `max` without a value",
    E216 Analysis "`count` with a value",
    E217 Analysis "an aggregate inside an aggregate",
    E218 Analysis "an aggregate's result variable already bound by the rest of the body",
    E219 Analysis "a `%%` block whose first line is not a signature",
    E220 Analysis "a `%%` signature naming another predicate or arity than the clause after it",
    E221 Analysis "`@` on a derived predicate: derived facts are explained, not cited",
    E222 Analysis "`#export` or `:export` naming a predicate that no clause mentions",
    E230 Analysis "a regular expression written as a constant that does not compile",
    E231 Analysis "a function that can have no value (`split`, `capture`, `to_number`) in a head or an aggregate's value",
    E232 Analysis "a rule that can put a value of another type into a column its `%%` signature declares",
    E233 Analysis "clauses of one predicate that disagree on its lattice argument (`min D`, `max D`)",
    E234 Analysis "a lattice argument holding values with no order (symbols, mixed kinds)",
    E235 Analysis "a recursion mixing a lattice predicate with a predicate without one, or `min` with `max`",
    E236 Analysis "a lattice value used inside its own recursion in a way that is not monotone",
    E301 Evaluation "arithmetic overflow, division by zero, or a type mismatch found only while evaluating",
    E302 Evaluation "more tuples derived than `--max-tuples` allows",
    E303 Evaluation "more rounds of one recursion than `--max-rounds` allows",
    E304 Evaluation "work interrupted with Ctrl-C: loading, checking or evaluating",
    E305 Evaluation "more distinct texts, or integers beyond ±2^28, than a value can name (2^29 of each)",
    E306 Evaluation "a built-in function computing a text longer than 1 MiB",
    E307 Evaluation "`min` or `max` over values of different kinds (integers, dates, symbols, strings)",
    E308 Evaluation "more memory held than `--max-memory` allows, while loading, checking or evaluating",
    E309 Evaluation "an evaluation stopped at the web view's time limit (`serve --max-seconds`)",
    E310 Evaluation "an integrity constraint `:- body.` violated: its body has a match (each one reported with its bindings)",
    E311 Evaluation "a regular expression computed while evaluating that does not compile",
    E399 Evaluation "an internal error: a plan that does not fit its program (please report it)",
    E401 Loading "a citation naming no known article (the note lists them)",
    E402 Loading "an article prefix matching several articles",
    E403 Loading "a quote not found in the article (the note shows the closest passage)",
    E404 Loading "an empty quote",
    E405 Loading "two different articles with the same id in the loaded collections",
    E406 Loading "an article whose header is not `---`, `key: value` lines (`title`, `outlet`, `url`, `date`) and `---`",
    E407 Loading "an article folder that cannot be read, or an article that is not UTF-8 text",
    E410 Loading "a file that cannot be read, or is not UTF-8 text",
    E411 Loading "an unknown bundled library, or a file the bundled knowledge base does not have",
    E412 Loading "text given as a query that holds something else",
    E413 Loading "a path that is not a regular file: a folder, a FIFO, a device",
    E414 Loading "a file larger than `--max-file-size` allows",
    E420 Loading "an imported row with more or fewer cells than the directive has columns",
    E421 Loading "an imported cell that is not of its column's type",
    E422 Loading "broken CSV quoting, or a JSON Lines line that is not one JSON array",
    E423 Loading "an imported file that is not UTF-8 text",
    E424 Loading "an imported or exported file whose extension is not `.csv`, `.tsv` or `.jsonl`",
    E430 Loading "an export that cannot be written",
    E431 Loading "a value that TSV cannot hold (a tab or a line break) in a `.tsv` export",
    E440 Loading "a directive of typed text that reads or writes a file (`#include` of a path, `#articles`, `#import`, `#export`) in a session that may not (the web view)",
    E450 Loading "a line of a `--follow` file that is not a fact of the program (`p(1, 2).`, or `-p(1, 2).` to retract it)",
    E501 Explanation "`:why` or `:whynot` without one ground fact",
    E502 Explanation "`:why` or `:whynot` naming an unknown predicate",
    E503 Explanation "`:why` or `:whynot` with the wrong number of arguments",
    E504 Explanation "`:why` of a fact that does not hold (the note suggests `:whynot`)",
    E505 Explanation "`:why` or `:whynot` before anything is loaded",
    E601 Command "an unknown command (the message names the closest)",
    E602 Command "an ambiguous command prefix (the message lists the commands it starts)",
    E603 Command "a command with a missing, unexpected or malformed argument",
    E604 Command "a command naming an unknown predicate, or one with another arity",
    E605 Command "a command with nothing to act on: nothing loaded, nothing to undo, no answer yet",
    E606 Command "`:save` onto a file it did not write, without `:save!` or `--force`",
    E607 Command "a file a command cannot write: a folder, a read-only file, a missing folder, no permission",
    E608 Command "`:retract` of a clause the session does not hold (the note shows the closest)",
    E609 Command "`:undo` reaching what was loaded at start-up, without `:undo!`",
    E610 Command "a command the web view does not offer (it reads and writes no files)",
    E630 Command "`:exercise` or `:check` naming an exercise or lesson the course does not have, or a lesson whose exercises cannot be read",
    W001 Analysis "an atom (in a rule body, a negation, an aggregate or a query) naming a predicate that no fact or rule defines",
    W002 Analysis "a variable spelled like a known constant but for case",
    W003 Analysis "a named variable used only once in a rule",
    W004 Analysis "`=` or `!=` between values whose types never meet: always false (or true)",
    W005 Analysis "a `%%` block with no clause after it",
    W006 Analysis "a predicate documented twice (the second block is ignored)",
    W007 Analysis "a constant whose type never occurs in its column: the atom never matches (the note shows the value written in the column's type)",
}

impl Code {
    /// Errors reject the input; warnings (`Wxxx`) do not.
    pub fn severity(self) -> Severity {
        if self.as_str().starts_with('W') {
            Severity::Warning
        } else {
            Severity::Error
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// How serious a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The input is rejected.
    Error,
    /// The input is accepted but probably not what was meant.
    Warning,
}

/// A span with a short message under it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Label {
    /// Where.
    pub span: Span,
    /// What about it (may be empty).
    pub message: String,
}

/// One problem found in the input.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// Stable code such as `E201`.
    pub code: Code,
    /// Lowercase, no trailing period, code in backticks.
    pub message: String,
    /// The primary label first, then secondary ones; may be empty for errors with no location.
    pub labels: Vec<Label>,
    /// Extra lines: help, suggestions, context.
    pub notes: Vec<String>,
}

impl Diagnostic {
    /// An error with a primary label.
    pub fn error(code: Code, message: impl Into<String>, span: Span) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            labels: vec![Label {
                span,
                message: String::new(),
            }],
            notes: Vec::new(),
        }
    }

    /// A warning with a primary label.
    pub fn warning(code: Code, message: impl Into<String>, span: Span) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, message, span)
        }
    }

    /// An error that points nowhere (a missing file given on the command line, say).
    pub fn error_without_span(code: Code, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            labels: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// Sets the message under the primary label.
    pub fn with_label_message(mut self, message: impl Into<String>) -> Diagnostic {
        if let Some(label) = self.labels.first_mut() {
            label.message = message.into();
        }
        self
    }

    /// Adds a secondary label.
    pub fn with_secondary(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.labels.push(Label {
            span,
            message: message.into(),
        });
        self
    }

    /// Adds a note line.
    pub fn with_note(mut self, note: impl Into<String>) -> Diagnostic {
        self.notes.push(note.into());
        self
    }

    /// The primary span, if any.
    pub fn primary_span(&self) -> Option<Span> {
        self.labels.first().map(|label| label.span)
    }

    /// True for errors.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// True when any diagnostic in the list is an error.
pub fn has_errors(diagnostics: &[Diagnostic]) -> bool {
    diagnostics.iter().any(Diagnostic::is_error)
}
