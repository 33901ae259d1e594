//! The nom parser: text to `ast::Program`, collecting every syntax error.
//!
//! Owns the concrete grammar of the language (see the doc comments in `ast`)
//! and the syntax errors, `E101` to `E111`; `E111` recognises the forms of
//! other systems (Prolog's `\+` and `;`, clingo's `#count{}`, Soufflé's
//! `.decl`) and names wirelog's. It never decides what a program
//! means: safety, arity, types and citations belong to `analysis`.
//!
//! Parsing never fails as a whole. When an item is broken, its error is
//! recorded and the parser resynchronises at the next clause-ending `.` (one
//! outside strings and comments), so a file with three broken clauses gives
//! three errors and every good item. Nesting is bounded by [`MAX_NESTING`], so
//! no input can overflow the stack.
//!
//! Offsets are byte offsets into the text, computed from the length of the
//! remaining input: every span is `Span::new(source, start, end)`.

use std::cell::Cell;

use nom::IResult;
use nom::bytes::complete::{tag, take_while_m_n, take_while1};
use nom::character::complete::{char, digit1, satisfy};
use nom::combinator::{opt, recognize};
use nom::error::{ErrorKind, ParseError};
use nom::sequence::{pair, terminated, tuple};

use super::ast;
use super::lexer::{BUILTIN_FUNCTIONS, KEYWORDS, TEST_FUNCTIONS, is_ident_char, string_extent};
use crate::diagnostic::{Code, Diagnostic};
use crate::span::{SourceId, Span};
use crate::table::{ColumnType, FactTable};
use crate::value::{Date, Datetime, Decimal, Value};
use std::collections::HashMap;
use std::sync::Arc;

/// The deepest nesting of parentheses, calls, aggregates and operator chains
/// the parser accepts; deeper input is an `E110` error, never a stack overflow.
pub const MAX_NESTING: usize = 200;

/// A syntax error: what was expected and what was found.
///
/// The message never holds the location; [`SyntaxError::span`] gives it.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum SyntaxError {
    /// `E101`: the grammar allowed something else here.
    #[error("expected {expected}, found {found}")]
    Unexpected {
        /// What the grammar allowed here, e.g. "`.` or `,` after a body literal".
        expected: String,
        /// What is actually there, e.g. "`)`", "variable `X`" or "end of input".
        found: String,
        /// The found token (empty at the end of input).
        span: Span,
    },
    /// `E102`: a string with no closing quote on its line.
    #[error("unterminated string: no closing `\"` on this line")]
    StringUnterminated {
        /// The opening quote.
        span: Span,
    },
    /// `E103`: a backslash escape other than `\"`, `\\`, `\n` and `\t`.
    #[error("unknown escape `{escape}` in a string")]
    StringEscapeUnknown {
        /// The escape as written, e.g. `\q`.
        escape: String,
        /// The escape.
        span: Span,
    },
    /// `E104`: an integer outside the 64-bit range.
    #[error("integer `{text}` does not fit in 64 bits")]
    IntegerOverflow {
        /// The digits as written.
        text: String,
        /// The integer.
        span: Span,
    },
    /// `E105`: `DDDD-DD-DD` that is not a calendar date.
    #[error("invalid date `{text}`: {reason}")]
    DateInvalid {
        /// The date as written.
        text: String,
        /// Why it does not exist, e.g. "there is no 30 February 2025".
        reason: String,
        /// The date.
        span: Span,
    },
    /// `E106`: a value-returning built-in such as `len(S)` standing alone as a literal.
    #[error(
        "`{name}(...)` cannot stand alone as a literal: it gives a value, use it in a comparison"
    )]
    BuiltinStandalone {
        /// The function name.
        name: String,
        /// The call.
        span: Span,
    },
    /// `E107`: `name(...)` inside a term where `name` is not a built-in function.
    #[error("unknown function `{name}`: an atom cannot be used as a term")]
    FunctionUnknown {
        /// The name as written.
        name: String,
        /// The name.
        span: Span,
    },
    /// `E108`: a clause head named by a built-in function or by `not`.
    #[error("`{name}` is a {kind} and cannot name a predicate")]
    NameReserved {
        /// The name as written.
        name: String,
        /// "built-in function" or "keyword".
        kind: &'static str,
        /// The name.
        span: Span,
    },
    /// `E109`: an aggregate whose result is not a variable bound with `=`.
    #[error(
        "the result of `{function}` must be a variable bound with `=`, as in `N = {function} ...`"
    )]
    AggregateResultInvalid {
        /// `count`, `sum`, `min` or `max`.
        function: &'static str,
        /// From the left operand to the aggregate keyword.
        span: Span,
    },
    /// `E110`: nesting deeper than [`MAX_NESTING`].
    #[error("nesting deeper than {limit} levels")]
    NestingTooDeep {
        /// The limit, [`MAX_NESTING`].
        limit: usize,
        /// Where the limit was crossed.
        span: Span,
    },
    /// `E112`: a decimal or datetime literal that is not valid.
    #[error("invalid {} `{text}`: {reason}", literal_kind(.text))]
    LiteralInvalid {
        /// The literal as written (a datetime has a `T`).
        text: String,
        /// Why it is not valid.
        reason: String,
        /// The literal.
        span: Span,
    },
    /// `E113`: `min D` or `max D` as an argument where it has no meaning:
    /// in a body atom or a query, or a second one in a head.
    #[error("{}", lattice_misplaced_message(*.second))]
    LatticeMisplaced {
        /// True for a second lattice argument in one head.
        second: bool,
        /// The argument with its keyword.
        span: Span,
    },
    /// `E111`: a form of another system (Prolog, clingo, Soufflé), boxed
    /// so that every error stays small on the recursive parser's stack.
    #[error("{} is {}'s, not wirelog's", .0.what, .0.system)]
    ForeignSyntax(Box<ForeignForm>),
}

fn lattice_misplaced_message(second: bool) -> &'static str {
    if second {
        "a head may have only one lattice argument (`min` or `max`)"
    } else {
        "a lattice argument (`min` or `max`) may only be an argument of a rule head"
    }
}

/// A form of another system met in the input, and how wirelog says it.
#[derive(Clone, Debug, PartialEq)]
pub struct ForeignForm {
    /// The form, e.g. "`\\+` (negation)".
    pub what: String,
    /// `Prolog`, `clingo`, `Soufflé`.
    pub system: &'static str,
    /// How wirelog says it.
    pub instead: String,
    /// The form.
    pub span: Span,
}

impl SyntaxError {
    /// Where the error is.
    pub fn span(&self) -> Span {
        match self {
            SyntaxError::Unexpected { span, .. }
            | SyntaxError::StringUnterminated { span }
            | SyntaxError::StringEscapeUnknown { span, .. }
            | SyntaxError::IntegerOverflow { span, .. }
            | SyntaxError::DateInvalid { span, .. }
            | SyntaxError::BuiltinStandalone { span, .. }
            | SyntaxError::FunctionUnknown { span, .. }
            | SyntaxError::NameReserved { span, .. }
            | SyntaxError::AggregateResultInvalid { span, .. }
            | SyntaxError::NestingTooDeep { span, .. }
            | SyntaxError::LiteralInvalid { span, .. }
            | SyntaxError::LatticeMisplaced { span, .. } => *span,
            SyntaxError::ForeignSyntax(form) => form.span,
        }
    }

    /// The stable code of this kind of error, `E101` to `E110`.
    pub fn code(&self) -> Code {
        match self {
            SyntaxError::Unexpected { .. } => Code::E101,
            SyntaxError::StringUnterminated { .. } => Code::E102,
            SyntaxError::StringEscapeUnknown { .. } => Code::E103,
            SyntaxError::IntegerOverflow { .. } => Code::E104,
            SyntaxError::DateInvalid { .. } => Code::E105,
            SyntaxError::BuiltinStandalone { .. } => Code::E106,
            SyntaxError::FunctionUnknown { .. } => Code::E107,
            SyntaxError::NameReserved { .. } => Code::E108,
            SyntaxError::AggregateResultInvalid { .. } => Code::E109,
            SyntaxError::NestingTooDeep { .. } => Code::E110,
            SyntaxError::ForeignSyntax(_) => Code::E111,
            SyntaxError::LiteralInvalid { .. } => Code::E112,
            SyntaxError::LatticeMisplaced { .. } => Code::E113,
        }
    }

    /// The error as a diagnostic, with a label and, where useful, a note.
    pub fn to_diagnostic(&self) -> Diagnostic {
        let diagnostic = Diagnostic::error(self.code(), self.to_string(), self.span());
        match self {
            SyntaxError::Unexpected { found, .. } if found == "end of input" => diagnostic
                .with_label_message("the input ends here")
                .with_note("every clause and query ends with `.`"),
            SyntaxError::Unexpected { .. } => diagnostic.with_label_message("unexpected here"),
            SyntaxError::StringUnterminated { .. } => diagnostic
                .with_label_message("this string is never closed")
                .with_note("a string cannot span lines; write `\\n` for a line break"),
            SyntaxError::StringEscapeUnknown { .. } => {
                diagnostic.with_note("the escapes are `\\\"`, `\\\\`, `\\n` and `\\t`")
            }
            SyntaxError::IntegerOverflow { .. } => diagnostic
                .with_note("integers range from -9223372036854775808 to 9223372036854775807"),
            SyntaxError::DateInvalid { .. } => diagnostic
                .with_note("dates are written `YYYY-MM-DD` and must exist in the calendar"),
            SyntaxError::LiteralInvalid { text, .. } if literal_kind(text) == "decimal" => diagnostic.with_note(
                "decimals are written `2.5` or `-0.125`: digits on both sides of the point, at most six after it",
            ),
            SyntaxError::LiteralInvalid { .. } => diagnostic.with_note(
                "datetimes are written `2025-10-29T14:30:00+03:00` (or `…Z` for UTC), seconds optional",
            ),
            SyntaxError::BuiltinStandalone { name, .. } => diagnostic.with_note(format!(
                "for example `V = {name}(...)`; only the tests {} can stand alone",
                TEST_FUNCTIONS
                    .iter()
                    .map(|name| format!("`{name}(...)`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            SyntaxError::FunctionUnknown { .. } => diagnostic.with_note(format!(
                "the built-in functions are {}",
                BUILTIN_FUNCTIONS
                    .iter()
                    .map(|name| format!("`{name}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            SyntaxError::NameReserved { .. } => {
                diagnostic.with_note("choose another name for the predicate")
            }
            SyntaxError::AggregateResultInvalid { .. } => diagnostic
                .with_note("aggregates are written `N = count : { ... }` or `S = sum K : { ... }`"),
            SyntaxError::NestingTooDeep { .. } => {
                diagnostic.with_note("split the expression with intermediate variables")
            }
            SyntaxError::LatticeMisplaced { second: false, .. } => diagnostic.with_note(
                "a lattice argument belongs in a rule head, `dist(X, Y, min D) :- ...`; a body reads the kept value as any other, `dist(X, Y, D)`",
            ),
            SyntaxError::LatticeMisplaced { second: true, .. } => diagnostic.with_note(
                "the other arguments are the key whose one value is kept; compute a second best in a predicate of its own",
            ),
            SyntaxError::ForeignSyntax(form) => diagnostic
                .with_label_message("not wirelog syntax")
                .with_note(format!("help: {}", form.instead)),
        }
    }
}

/// How to parse a text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ParseOptions {
    /// Keep plain facts (ground arguments, no citation) in fact tables, one
    /// per predicate, rather than a syntax tree per fact: what the session
    /// does with files, where facts may number in the hundreds of thousands.
    pub compact_facts: bool,
}

/// Parses one text; returns the items it could read and every error found.
///
/// ```
/// use wirelog::syntax::parse_program; use wirelog::span::SourceId;
/// let (program, errors) = parse_program(SourceId(0), "mediates(qatar, istanbul_talks).\n?- mediates(M, T).");
/// assert_eq!(program.items.len(), 2);
/// assert!(errors.is_empty());
/// ```
pub fn parse_program(source: SourceId, text: &str) -> (ast::Program, Vec<SyntaxError>) {
    parse_program_with(source, text, &ParseOptions::default())
}

/// [`parse_program`] with options: with `compact_facts`, each run of plain
/// facts of one predicate becomes an [`ast::Item::Facts`].
///
/// ```
/// use wirelog::syntax::{parse_program_with, ParseOptions, ast::Item}; use wirelog::span::SourceId;
/// let options = ParseOptions { compact_facts: true };
/// let (program, _) = parse_program_with(SourceId(0), "e(1, 2). e(2, 3). p(X) :- e(X, _). e(3, 4).", &options);
/// assert!(matches!(&program.items[0], Item::Facts(run) if run.rows == (0..2)));
/// assert!(matches!(&program.items[2], Item::Facts(run) if run.rows == (2..3)));
/// ```
pub fn parse_program_with(
    source: SourceId,
    text: &str,
    options: &ParseOptions,
) -> (ast::Program, Vec<SyntaxError>) {
    let parser = Parser {
        source,
        text,
        nesting: Cell::new(0),
    };
    let mut items = Vec::new();
    let mut errors = Vec::new();
    let mut tables = options.compact_facts.then(|| FactTables::new(source));
    let mut rest = text.strip_prefix('\u{feff}').unwrap_or(text);
    loop {
        rest = parser.skip_top_level_trivia(rest, &mut items);
        if rest.is_empty() {
            break;
        }
        match parser.item(rest) {
            Ok((after, item)) => {
                match (&mut tables, item) {
                    (Some(tables), ast::Item::Clause(clause)) => tables.add(clause, &mut items),
                    (_, item) => items.push(item),
                }
                rest = after;
            }
            Err(nom::Err::Error(Failure::Syntax(committed)))
            | Err(nom::Err::Failure(Failure::Syntax(committed))) => {
                errors.push(committed.error);
                rest = parser.resume(rest, committed.resume);
            }
            Err(_) => {
                // Every committed path reports a `SyntaxError`; a bare backtrack
                // reaching this point still gets a message rather than a panic.
                let (found, length) = describe_token(rest);
                let start = parser.offset(rest);
                errors.push(SyntaxError::Unexpected {
                    expected: EXPECTED_ITEM.to_string(),
                    found,
                    span: parser.span(start, start + length),
                });
                rest = parser.resume(rest, Resume::ScanFrom(start));
            }
        }
    }
    if let Some(tables) = tables {
        tables.finish(&mut items);
    }
    (ast::Program { items }, errors)
}

/// The fact tables of one text being parsed with `compact_facts`.
struct FactTables {
    source: SourceId,
    tables: Vec<FactTable>,
    by_predicate: HashMap<(String, usize), usize>,
    /// `(item index, table index)` of every run, to give it its table at the end.
    runs: Vec<(usize, usize)>,
}

impl FactTables {
    fn new(source: SourceId) -> FactTables {
        FactTables {
            source,
            tables: Vec::new(),
            by_predicate: HashMap::new(),
            runs: Vec::new(),
        }
    }

    /// Keeps a plain fact in its table (extending the run just before it,
    /// if it is of the same predicate); any other clause is an item of its own.
    fn add(&mut self, clause: ast::Clause, items: &mut Vec<ast::Item>) {
        let plain = clause.body.is_empty()
            && clause.citations.is_empty()
            && clause.lattice.is_none()
            && clause
                .head
                .args
                .iter()
                .all(|term| matches!(term, ast::Term::Constant(constant) if FactTable::holds(&constant.value)));
        if !plain {
            items.push(ast::Item::Clause(clause));
            return;
        }
        let head = clause.head;
        let key = (head.predicate.name, head.args.len());
        let values: Vec<Value> = head
            .args
            .into_iter()
            .filter_map(|term| match term {
                ast::Term::Constant(constant) => Some(constant.value),
                _ => None,
            })
            .collect();
        let table_index = match self.by_predicate.get(&key) {
            Some(&index) => index,
            None => {
                self.tables
                    .push(FactTable::in_source(key.0.clone(), key.1, self.source));
                self.by_predicate.insert(key, self.tables.len() - 1);
                self.tables.len() - 1
            }
        };
        let table = &mut self.tables[table_index];
        let row = table.n_rows();
        table.push_fact(&values, head.span);
        if let Some(&(item_index, last_table)) = self.runs.last()
            && item_index + 1 == items.len()
            && last_table == table_index
            && let Some(ast::Item::Facts(run)) = items.last_mut()
        {
            run.rows.end = row + 1;
            return;
        }
        self.runs.push((items.len(), table_index));
        items.push(ast::Item::Facts(ast::FactRun {
            table: Arc::new(FactTable::in_source("", 0, self.source)),
            rows: row..row + 1,
            span: head.span,
        }));
    }

    /// Gives every run its finished table.
    fn finish(self, items: &mut [ast::Item]) {
        let tables: Vec<Arc<FactTable>> = self
            .tables
            .into_iter()
            .map(|mut table| {
                table.shrink_to_fit();
                Arc::new(table)
            })
            .collect();
        for (item_index, table_index) in self.runs {
            if let (Some(ast::Item::Facts(run)), Some(table)) =
                (items.get_mut(item_index), tables.get(table_index))
            {
                run.table = Arc::clone(table);
            }
        }
    }
}

const EXPECTED_ITEM: &str = "a fact, a rule, a query `?-` or a `#` directive";

/// True when `line` starts a `%%` documentation line. Three or more `%`
/// (`%%%% Section %%%%`, a row of `%`) are a banner: a plain comment, as
/// in Prolog sources, never a documentation block.
fn is_doc_line(line: &str) -> bool {
    line.starts_with("%%") && !line.starts_with("%%%")
}

/// Why a parse function did not produce its node.
#[derive(Debug)]
enum Failure {
    /// A nom combinator did not match; the caller tries another branch or
    /// reports what it expected.
    Backtrack,
    /// A committed error, boxed so that results stay small: the parser
    /// recurses, and every level holds a few of them on the stack.
    Syntax(Box<Committed>),
}

/// A committed error and where parsing resumes after it.
#[derive(Debug)]
struct Committed {
    error: SyntaxError,
    resume: Resume,
}

/// A committed error that resumes as `resume` says.
fn commit(error: SyntaxError, resume: Resume) -> nom::Err<Failure> {
    nom::Err::Failure(Failure::Syntax(Box::new(Committed { error, resume })))
}

/// Where to continue after an error.
#[derive(Clone, Copy, Debug)]
enum Resume {
    /// Skip to just after the next clause-ending `.` at or after this offset.
    ScanFrom(usize),
    /// Start the next item directly at this offset (used when a clause lacks
    /// its `.` and the next line starts a new clause in column one).
    At(usize),
    /// Skip to just after the next `.` that ends a line, ignoring quotes:
    /// after an unterminated string, quotes on the following lines may close
    /// it rather than open new strings.
    LineEndingPeriodFrom(usize),
}

impl<'t> ParseError<&'t str> for Failure {
    fn from_error_kind(_input: &'t str, _kind: ErrorKind) -> Failure {
        Failure::Backtrack
    }

    fn append(_input: &'t str, _kind: ErrorKind, other: Failure) -> Failure {
        other
    }
}

type PResult<'t, T> = IResult<&'t str, T, Failure>;

/// A committed error that resumes by scanning for `.` from `at`.
fn fail<'t, T>(error: SyntaxError, at: usize) -> PResult<'t, T> {
    Err(commit(error, Resume::ScanFrom(at)))
}

fn is_builtin(name: &str) -> bool {
    BUILTIN_FUNCTIONS.contains(&name)
}

/// `[a-z][A-Za-z0-9_]*`: a symbol, predicate or function name.
fn lower_name(input: &str) -> PResult<'_, &str> {
    name_starting(input, |character| character.is_ascii_lowercase())
}

/// `[A-Z_][A-Za-z0-9_]*`: a variable, or `_`.
fn upper_name(input: &str) -> PResult<'_, &str> {
    name_starting(input, |character| {
        character.is_ascii_uppercase() || character == '_'
    })
}

/// An identifier whose first character passes `first`. Written out rather
/// than combined from nom's `satisfy` and `take_while`: names are the most
/// frequent token, and this keeps them cheap whatever the inliner decides.
fn name_starting(input: &str, first: impl Fn(char) -> bool) -> PResult<'_, &str> {
    match input.chars().next() {
        Some(character) if first(character) => {
            let end = input[1..]
                .find(|character: char| !is_ident_char(character))
                .map_or(input.len(), |offset| offset + 1);
            Ok((&input[end..], &input[..end]))
        }
        _ => Err(nom::Err::Error(Failure::Backtrack)),
    }
}

/// `word` not followed by an identifier character.
fn keyword<'t>(word: &'static str) -> impl FnMut(&'t str) -> PResult<'t, &'t str> {
    terminated(tag(word), nom::combinator::not(satisfy(is_ident_char)))
}

/// `DDDD-DD-DD` not followed by an identifier character.
fn date_shape(input: &str) -> PResult<'_, &str> {
    let digits = |count| take_while_m_n(count, count, |character: char| character.is_ascii_digit());
    terminated(
        recognize(tuple((
            digits(4),
            char('-'),
            digits(2),
            char('-'),
            digits(2),
        ))),
        nom::combinator::not(satisfy(is_ident_char)),
    )(input)
}

/// `datetime` for a datetime literal (it has a `T`), `decimal` otherwise.
fn literal_kind(text: &str) -> &'static str {
    if text.contains('T') {
        "datetime"
    } else {
        "decimal"
    }
}

/// True when the parenthesised group right after `after_name` holds a
/// comma outside nested parentheses and strings: `min(A, B)`.
#[inline(never)]
fn call_with_several_arguments(after_name: &str) -> bool {
    let Some(inner) = after_name.trim_start().strip_prefix('(') else {
        return false;
    };
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for character in inner.chars() {
        if in_string {
            match character {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                '\n' => return false,
                _ => {}
            }
            continue;
        }
        match character {
            '"' => in_string = true,
            '(' | '{' => depth += 1,
            ')' | '}' if depth == 0 => return false,
            ')' | '}' => depth -= 1,
            ',' if depth == 0 => return true,
            '.' | ':' if depth == 0 => return false,
            _ => {}
        }
    }
    false
}

/// The length of a datetime literal at `input`:
/// `DDDD-DD-DDTHH:MM[:SS]` then `Z` or `±HH:MM`, not followed by an
/// identifier character. Anything starting `DDDD-DD-DDT` is taken whole
/// (digits, `:`, `+`, `-`, `T`, `Z`), so a malformed one is reported as a
/// datetime rather than read as arithmetic.
#[inline(never)]
fn datetime_length(input: &str) -> Option<usize> {
    let bytes = input.as_bytes();
    let date_like = bytes.len() > 11
        && bytes[..4].iter().all(u8::is_ascii_digit)
        && bytes[4] == b'-'
        && bytes[5..7].iter().all(u8::is_ascii_digit)
        && bytes[7] == b'-'
        && bytes[8..10].iter().all(u8::is_ascii_digit)
        && bytes[10] == b'T'
        && bytes[11].is_ascii_digit();
    if !date_like {
        return None;
    }
    let mut end = 11;
    while end < bytes.len() && (bytes[end].is_ascii_digit() || bytes[end] == b':') {
        end += 1;
    }
    match bytes.get(end) {
        Some(b'Z') => end += 1,
        Some(b'+' | b'-') => {
            end += 1;
            while end < bytes.len() && (bytes[end].is_ascii_digit() || bytes[end] == b':') {
                end += 1;
            }
        }
        _ => {}
    }
    Some(end)
}

/// The length of a decimal literal `-?[0-9]+\.[0-9]+` at `input` (a `.`
/// followed by a digit; a `.` followed by anything else ends a clause).
#[inline(never)]
fn decimal_length(input: &str) -> Option<usize> {
    let bytes = input.as_bytes();
    let mut end = usize::from(bytes.first() == Some(&b'-'));
    let digits_start = end;
    while end < bytes.len() && bytes[end].is_ascii_digit() {
        end += 1;
    }
    if end == digits_start || bytes.get(end) != Some(&b'.') {
        return None;
    }
    let fraction_start = end + 1;
    end = fraction_start;
    while end < bytes.len() && bytes[end].is_ascii_digit() {
        end += 1;
    }
    (end > fraction_start).then_some(end)
}

/// `-?[0-9]+`
fn integer_shape(input: &str) -> PResult<'_, &str> {
    recognize(pair(opt(char('-')), digit1))(input)
}

/// A comparison operator at the start of `input` and its length.
fn comparison_operator(input: &str) -> Option<(ast::CompareOp, usize)> {
    const OPERATORS: [(&str, ast::CompareOp); 6] = [
        ("!=", ast::CompareOp::Ne),
        ("<=", ast::CompareOp::Le),
        (">=", ast::CompareOp::Ge),
        ("=", ast::CompareOp::Eq),
        ("<", ast::CompareOp::Lt),
        (">", ast::CompareOp::Gt),
    ];
    OPERATORS
        .iter()
        .find(|(text, _)| input.starts_with(text))
        .map(|(text, op)| (*op, text.len()))
}

/// True when `input` starts with an arithmetic operator.
fn starts_with_arithmetic(input: &str) -> bool {
    input.starts_with(['+', '-', '*', '/']) || keyword("mod")(input).is_ok()
}

/// True when `input` can start a term.
fn starts_term(input: &str) -> bool {
    let mut characters = input.chars();
    match characters.next() {
        Some(character) if character.is_ascii_alphanumeric() => true,
        Some('_' | '"' | '(') => true,
        Some('-') => characters.next().is_some_and(|next| next.is_ascii_digit()),
        _ => false,
    }
}

/// Describes the token at the start of `rest` for "found ..." and gives its length in bytes.
fn describe_token(rest: &str) -> (String, usize) {
    let Some(first) = rest.chars().next() else {
        return ("end of input".to_string(), 0);
    };
    let word_end = |from: usize| {
        rest.get(from..)
            .and_then(|tail| tail.find(|character: char| !is_ident_char(character)))
            .map_or(rest.len(), |index| from + index)
    };
    match first {
        'a'..='z' => {
            let length = word_end(1);
            let word = &rest[..length];
            let kind = if is_builtin(word) {
                "built-in function"
            } else if KEYWORDS.contains(&word) {
                "keyword"
            } else {
                "symbol"
            };
            (format!("{kind} `{}`", shorten(word)), length)
        }
        'A'..='Z' | '_' => {
            let length = word_end(1);
            let word = &rest[..length];
            if word == "_" {
                ("`_`".to_string(), 1)
            } else {
                (format!("variable `{}`", shorten(word)), length)
            }
        }
        '0'..='9' | '-' if starts_term(rest) => {
            if let Ok((_, text)) = date_shape(rest) {
                return (format!("date `{text}`"), text.len());
            }
            match integer_shape(rest) {
                Ok((_, text)) => (format!("number `{}`", shorten(text)), text.len()),
                Err(_) => ("`-`".to_string(), 1),
            }
        }
        '"' => {
            let (_, length) = string_extent(rest.as_bytes(), 0);
            let text = rest.get(..length).unwrap_or(rest);
            (format!("string `{}`", shorten(text)), length)
        }
        _ => {
            for token in [":-", "?-", "!=", "<=", ">="] {
                if rest.starts_with(token) {
                    return (format!("`{token}`"), token.len());
                }
            }
            if first == '#' && rest[1..].starts_with(|c: char| c.is_ascii_alphabetic()) {
                let length = word_end(1);
                return (format!("`{}`", shorten(&rest[..length])), length);
            }
            let description = if first == '`' {
                "a backtick".to_string()
            } else if first.is_control() || first.is_whitespace() {
                format!("character `{}`", first.escape_default())
            } else {
                format!("`{first}`")
            };
            (description, first.len_utf8())
        }
    }
}

/// `lhs op rhs`, spanning both operands.
fn binary(op: ast::ArithOp, lhs: ast::Term, rhs: ast::Term) -> ast::Term {
    let span = lhs.span().to(rhs.span());
    ast::Term::Binary {
        op,
        lhs: Box::new(lhs),
        rhs: Box::new(rhs),
        span,
    }
}

/// Cuts long token texts so that a message stays one readable line.
/// Control characters are escaped, so the message is always one line.
fn shorten(text: &str) -> String {
    const LIMIT: usize = 40;
    let visible: String = text
        .chars()
        .flat_map(|character| {
            let escaped: Vec<char> = if character.is_control() {
                character.escape_default().collect()
            } else {
                vec![character]
            };
            escaped
        })
        .collect();
    if visible.chars().count() <= LIMIT {
        return visible;
    }
    let head: String = visible.chars().take(LIMIT - 3).collect();
    format!("{head}…")
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Why `year-month-day` is not a date, or the date.
fn validate_date(text: &str) -> Result<Date, String> {
    let field = |range: std::ops::Range<usize>| {
        text.get(range)
            .and_then(|digits| digits.parse::<u32>().ok())
            .unwrap_or(0)
    };
    let (year, month, day) = (field(0..4), field(5..7), field(8..10));
    if year == 0 {
        return Err("there is no year 0".to_string());
    }
    if !(1..=12).contains(&month) {
        return Err(format!("there is no month {month}"));
    }
    if day == 0 {
        return Err("there is no day 0".to_string());
    }
    let year = i32::try_from(year).map_err(|_| format!("there is no year {year}"))?;
    Date::new(year, month, day).ok_or_else(|| {
        let month_name = MONTHS.get(month as usize - 1).copied().unwrap_or("?");
        format!("there is no {day} {month_name} {year}")
    })
}

/// Decrements the nesting depth when a nested construct is left.
struct NestingGuard<'p> {
    nesting: &'p Cell<usize>,
}

impl Drop for NestingGuard<'_> {
    fn drop(&mut self) {
        self.nesting.set(self.nesting.get().saturating_sub(1));
    }
}

/// The parse state: the whole text (to turn remaining input into offsets)
/// and the current nesting depth.
struct Parser<'t> {
    source: SourceId,
    text: &'t str,
    nesting: Cell<usize>,
}

impl<'t> Parser<'t> {
    /// Byte offset of the remaining input `rest` in the text.
    fn offset(&self, rest: &str) -> usize {
        self.text.len().saturating_sub(rest.len())
    }

    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.source, start, end)
    }

    /// The span from the start of `from` to the start of `to`.
    fn span_between(&self, from: &str, to: &str) -> Span {
        self.span(self.offset(from), self.offset(to))
    }

    /// The input at `offset`, or the end of the text if it is not a boundary.
    fn at(&self, offset: usize) -> &'t str {
        self.text.get(offset..).unwrap_or("")
    }

    /// Reports "expected `expected`, found <the token at `rest`>".
    fn unexpected<T>(&self, rest: &str, expected: impl Into<String>) -> PResult<'t, T> {
        let (found, length) = describe_token(rest);
        let start = self.offset(rest);
        fail(
            SyntaxError::Unexpected {
                expected: expected.into(),
                found,
                span: self.span(start, start + length),
            },
            start,
        )
    }

    /// Like `unexpected`, for a missing final `.`: when the token found opens
    /// a line that starts an item, parsing resumes at the end of
    /// `last_token_end` instead of skipping that item too.
    fn missing_end<T>(
        &self,
        last_token_end: &'t str,
        rest: &'t str,
        expected: &str,
    ) -> PResult<'t, T> {
        let result = self.unexpected(rest, expected);
        if self.line_starts_item(self.offset(rest))
            && let Err(nom::Err::Failure(Failure::Syntax(mut committed))) = result
        {
            committed.resume = Resume::At(self.offset(last_token_end));
            return Err(nom::Err::Failure(Failure::Syntax(committed)));
        }
        result
    }

    /// True when `offset` is in column one and what follows plainly starts
    /// an item: `?-`, `#include`, a `%` comment, or a name followed by `(`,
    /// `.` or `:-`. Used to resume after an unfinished item without losing
    /// the next one.
    fn line_starts_item(&self, offset: usize) -> bool {
        if offset == 0 || self.text.as_bytes().get(offset - 1) != Some(&b'\n') {
            return false;
        }
        let line = self.at(offset);
        if line.starts_with("?-") || line.starts_with('#') || line.starts_with('%') {
            return true;
        }
        match lower_name(line) {
            Ok((after_name, _)) => {
                let next = after_name.trim_start_matches([' ', '\t']);
                next.starts_with(['(', '.']) || next.starts_with(":-")
            }
            Err(_) => false,
        }
    }

    /// The `E110` error for crossing [`MAX_NESTING`] at `at`.
    fn too_deep(&self, at: &str) -> nom::Err<Failure> {
        let start = self.offset(at);
        let length = match at.find(|character: char| !is_ident_char(character)) {
            Some(0) => at.chars().next().map_or(0, char::len_utf8),
            Some(word_length) => word_length,
            None => at.len(),
        };
        let error = SyntaxError::NestingTooDeep {
            limit: MAX_NESTING,
            span: self.span(start, start + length),
        };
        commit(error, Resume::ScanFrom(start))
    }

    /// Enters a nested construct at `at`, failing past [`MAX_NESTING`].
    fn enter(&self, at: &str) -> Result<NestingGuard<'_>, nom::Err<Failure>> {
        let depth = self.nesting.get() + 1;
        if depth > MAX_NESTING {
            return Err(self.too_deep(at));
        }
        self.nesting.set(depth);
        Ok(NestingGuard {
            nesting: &self.nesting,
        })
    }

    /// Checks the depth of a term tree being built at `at`.
    fn check_depth(&self, depth: usize, at: &str) -> Result<(), nom::Err<Failure>> {
        if depth > MAX_NESTING {
            return Err(self.too_deep(at));
        }
        Ok(())
    }

    /// Where to continue after an error in the item starting at `item`.
    fn resume(&self, item: &'t str, resume: Resume) -> &'t str {
        let item_start = self.offset(item);
        match resume {
            Resume::At(offset) if offset > item_start => self.at(offset),
            Resume::At(offset) | Resume::ScanFrom(offset) => {
                self.after_next_period(offset.max(item_start))
            }
            Resume::LineEndingPeriodFrom(offset) => {
                self.after_line_ending_period(offset.max(item_start))
            }
        }
    }

    /// The input just after the next `.` at or after `offset` that is
    /// followed only by blanks or a comment on its line, or the end of the text.
    fn after_line_ending_period(&self, offset: usize) -> &'t str {
        let mut rest = self.at(offset);
        while let Some(index) = rest.find('.') {
            let after = &rest[index + 1..];
            let tail = after.trim_start_matches([' ', '\t', '\r']);
            if tail.is_empty() || tail.starts_with(['\n', '%']) {
                return after;
            }
            rest = after;
        }
        ""
    }

    /// The input just after the next `.` at or after `offset` that is outside
    /// strings and comments, or the end of the text.
    fn after_next_period(&self, offset: usize) -> &'t str {
        // Scanning bytes is safe: every byte looked for is ASCII, and UTF-8
        // continuation bytes are never ASCII, so each stop is a char boundary.
        let bytes = self.text.as_bytes();
        let mut index = offset;
        while index < bytes.len() {
            match bytes[index] {
                b'.' => return self.at(index + 1),
                b'"' => {
                    index += 1;
                    while index < bytes.len() && bytes[index] != b'"' && bytes[index] != b'\n' {
                        index += if bytes[index] == b'\\' { 2 } else { 1 };
                    }
                }
                b'%' => {
                    while index < bytes.len() && bytes[index] != b'\n' {
                        index += 1;
                    }
                }
                _ => {}
            }
            index += 1;
        }
        ""
    }

    /// Skips whitespace and `%` comments (including `%%` ones, inside a clause).
    fn skip_trivia(&self, mut input: &'t str) -> &'t str {
        // Whitespace runs and `%` comments (each up to, not including, its line end).
        loop {
            let trimmed = input.trim_start();
            match trimmed.strip_prefix('%') {
                Some(comment) => input = comment.find('\n').map_or("", |end| &comment[end..]),
                None => return trimmed,
            }
        }
    }

    /// Skips whitespace and comments between items, turning each run of
    /// `%%` lines into an `Item::Doc`.
    fn skip_top_level_trivia(&self, mut input: &'t str, items: &mut Vec<ast::Item>) -> &'t str {
        loop {
            input = input.trim_start();
            if is_doc_line(input) && self.starts_line(self.offset(input)) {
                input = self.doc_block(input, items);
            } else if input.starts_with('%') {
                input = input.find('\n').map_or("", |index| &input[index..]);
            } else {
                return input;
            }
        }
    }

    /// True when only blanks precede `offset` on its line.
    fn starts_line(&self, offset: usize) -> bool {
        self.text.as_bytes()[..offset.min(self.text.len())]
            .iter()
            .rev()
            .take_while(|byte| **byte != b'\n')
            .all(|byte| matches!(byte, b' ' | b'\t' | b'\r'))
    }

    /// Reads consecutive `%%` lines starting at `input`.
    fn doc_block(&self, mut input: &'t str, items: &mut Vec<ast::Item>) -> &'t str {
        let start = self.offset(input);
        let mut lines = Vec::new();
        let mut end;
        loop {
            let line_end = input.find('\n').unwrap_or(input.len());
            let line = input.get(2..line_end).unwrap_or("");
            let line = line.strip_prefix(' ').unwrap_or(line).trim_end();
            lines.push(line.to_string());
            end = self.offset(input) + input[..line_end].trim_end().len();
            input = &input[line_end..];
            let Some(next_line) = input.strip_prefix('\n') else {
                break;
            };
            let next_line = next_line.trim_start_matches([' ', '\t', '\r']);
            if !is_doc_line(next_line) {
                break;
            }
            input = next_line;
        }
        items.push(ast::Item::Doc(ast::DocBlock {
            lines,
            span: self.span(start, end),
        }));
        input
    }

    /// One item, at a token.
    fn item(&self, input: &'t str) -> PResult<'t, ast::Item> {
        if let Ok((rest, _)) = tag::<_, _, Failure>("?-")(input) {
            return self
                .query(input, rest)
                .map(|(rest, query)| (rest, ast::Item::Query(query)));
        }
        if let Ok((rest, _)) = keyword("#include")(input) {
            return self
                .include(input, rest)
                .map(|(rest, include)| (rest, ast::Item::Include(include)));
        }
        if let Ok((rest, _)) = keyword("#articles")(input) {
            return self
                .articles_directive(input, rest)
                .map(|(rest, directive)| (rest, ast::Item::Articles(directive)));
        }
        if let Ok((rest, _)) = keyword("#import")(input) {
            return self
                .import_directive(input, rest)
                .map(|(rest, directive)| (rest, ast::Item::Import(directive)));
        }
        if let Ok((rest, _)) = keyword("#export")(input) {
            return self
                .export_directive(input, rest)
                .map(|(rest, directive)| (rest, ast::Item::Export(directive)));
        }
        if lower_name(input).is_ok() {
            return self
                .clause(input)
                .map(|(rest, clause)| (rest, ast::Item::Clause(clause)));
        }
        if let Some(result) = self.constraint(input) {
            return result;
        }
        if let Some(result) = self.foreign_item(input) {
            return result;
        }
        self.unexpected(input, EXPECTED_ITEM)
    }

    /// `:- body.`, an integrity constraint; `None` when `input` is not one,
    /// or is a Prolog directive (`:- dynamic p/1.`) that `foreign_item` explains.
    #[inline(never)]
    fn constraint(&self, input: &'t str) -> Option<PResult<'t, ast::Item>> {
        let after_neck = input.strip_prefix(":-")?;
        let body_start = self.skip_trivia(after_neck);
        const PROLOG_DIRECTIVES: &[&str] = &[
            "dynamic",
            "discontiguous",
            "use_module",
            "module",
            "initialization",
            "table",
            "ensure_loaded",
            "set_prolog_flag",
            "include",
            "multifile",
        ];
        if let Ok((_, word)) = lower_name(body_start)
            && PROLOG_DIRECTIVES.contains(&word)
        {
            return None;
        }
        Some(
            self.query(input, after_neck)
                .map(|(rest, body)| (rest, ast::Item::Constraint(body))),
        )
    }

    /// An item in another system's syntax: Soufflé's `.decl` line, a Prolog
    /// `:-` directive, a clingo `#show`; `None` when `input` is none of them.
    #[inline(never)]
    fn foreign_item(&self, input: &'t str) -> Option<PResult<'t, ast::Item>> {
        let start = self.offset(input);
        if let Some(directive) = input
            .strip_prefix('.')
            .filter(|rest| rest.starts_with(|c: char| c.is_ascii_lowercase()))
        {
            // Soufflé's directives take their line; the next line is an item of its own.
            let word_length = directive
                .find(|c: char| !is_ident_char(c))
                .unwrap_or(directive.len());
            let word = &directive[..word_length];
            let line_end = input.find('\n').map_or(self.text.len(), |end| start + end);
            const SOUFFLE: &[&str] = &[
                "decl",
                "input",
                "output",
                "printsize",
                "type",
                "comp",
                "init",
                "functor",
                "pragma",
                "plan",
                "limitsize",
                "override",
                "number_type",
                "symbol_type",
            ];
            if !SOUFFLE.contains(&word) {
                return None;
            }
            let instead = match word {
                "decl" => "wirelog needs no declarations: a predicate exists once a fact or rule uses it; to document it and its argument types, write `%% p(X: symbol, D: date)` on the line before its first clause".to_string(),
                "input" => "facts are written as clauses, `p(a, 2025-10-12).`, or read from a file with `#import \"p.csv\" as p(symbol, date).`".to_string(),
                "output" | "printsize" => "ask for a relation with a query, `?- p(X, Y).`; `wirelog run --format csv` prints the answers as CSV, and `#export p \"p.csv\".` writes a relation to a file".to_string(),
                "type" => "values carry their type in how they are written: symbols `qatar`, strings `\"Doha\"`, integers `58`, dates `2025-10-12`".to_string(),
                _ => "wirelog's directives are `#include`, `#articles`, `#import` and `#export`".to_string(),
            };
            let error = SyntaxError::ForeignSyntax(Box::new(ForeignForm {
                what: format!("`.{word}`"),
                system: "Soufflé",
                instead,
                span: self.span(start, start + 1 + word_length),
            }));
            return Some(Err(commit(error, Resume::At(line_end))));
        }
        if input.starts_with(":-") {
            let error = SyntaxError::ForeignSyntax(Box::new(ForeignForm {
                what: "a `:-` directive".to_string(),
                system: "Prolog",
                instead: "wirelog needs no directives (`:- dynamic p/1.` and the like): facts and rules can be added at any time, `:retract CLAUSE` removes one, and `#include \"file.dl\".` loads a file".to_string(),
                span: self.span(start, start + 2),
            }));
            return Some(fail(error, start));
        }
        if let Some(directive) = input
            .strip_prefix('#')
            .filter(|rest| rest.starts_with(|c: char| c.is_ascii_lowercase()))
        {
            let word_length = directive
                .find(|c: char| !is_ident_char(c))
                .unwrap_or(directive.len());
            let word = &directive[..word_length];
            const CLINGO: &[&str] = &[
                "show",
                "const",
                "program",
                "minimize",
                "maximize",
                "minimise",
                "maximise",
                "external",
                "heuristic",
                "project",
                "defined",
                "script",
                "theory",
                "edge",
            ];
            if !CLINGO.contains(&word) {
                return None;
            }
            let instead = match word {
                "show" => "every predicate can be asked: `?- p(X).` shows its tuples".to_string(),
                "const" => "write the value itself, or a fact such as `limit(5).` and join with it"
                    .to_string(),
                _ => "wirelog's directives are `#include`, `#articles`, `#import` and `#export`"
                    .to_string(),
            };
            let error = SyntaxError::ForeignSyntax(Box::new(ForeignForm {
                what: format!("`#{word}`"),
                system: "clingo",
                instead,
                span: self.span(start, start + 1 + word_length),
            }));
            return Some(fail(error, start));
        }
        None
    }

    /// A literal in another system's syntax at `input`: Prolog's `\\+`,
    /// clingo's `#count { ... }`. Kept out of `literal` (and never inlined
    /// into it) so that the recursive parser's frames stay small.
    #[inline(never)]
    fn foreign_literal(&self, input: &'t str) -> Option<nom::Err<Failure>> {
        if input.starts_with("\\+") {
            let start = self.offset(input);
            let error = SyntaxError::ForeignSyntax(Box::new(ForeignForm {
                what: "`\\+` (negation)".to_string(),
                system: "Prolog",
                instead: "wirelog writes negation `not p(X)`".to_string(),
                span: self.span(start, start + 2),
            }));
            return Some(commit(error, Resume::ScanFrom(start)));
        }
        self.clingo_aggregate(input)
    }

    /// Prolog's operators after a term at `operator`, as an error: `is`
    /// (arithmetic), `\\=`, `=\\=` and `=:=` (comparison).
    #[inline(never)]
    fn foreign_operator(&self, operator: &'t str) -> Option<nom::Err<Failure>> {
        let start = self.offset(operator);
        let (what, length, instead) = if keyword("is")(operator).is_ok() {
            (
                "`is` (arithmetic)",
                2,
                "wirelog computes with `=`: `X = Y + 1`",
            )
        } else if operator.starts_with("=\\=") {
            ("`=\\=`", 3, "wirelog writes `!=`")
        } else if operator.starts_with("=:=") {
            ("`=:=`", 3, "wirelog writes `=`")
        } else if operator.starts_with("\\=") {
            ("`\\=`", 2, "wirelog writes `!=`")
        } else {
            return None;
        };
        let error = SyntaxError::ForeignSyntax(Box::new(ForeignForm {
            what: what.to_string(),
            system: "Prolog",
            instead: instead.to_string(),
            span: self.span(start, start + length),
        }));
        Some(commit(error, Resume::ScanFrom(start)))
    }

    /// Prolog's `;` (or `|`) between body literals, as an error.
    #[inline(never)]
    fn foreign_separator(&self, separator: &'t str) -> Option<nom::Err<Failure>> {
        let symbol = separator
            .get(..1)
            .filter(|symbol| matches!(*symbol, ";" | "|"))?;
        let start = self.offset(separator);
        let error = SyntaxError::ForeignSyntax(Box::new(ForeignForm {
            what: format!("`{symbol}` (or)"),
            system: "Prolog",
            instead: "write one rule per alternative, with the same head: `h(X) :- a(X).` and `h(X) :- b(X).`".to_string(),
            span: self.span(start, start + 1),
        }));
        Some(commit(error, Resume::ScanFrom(start)))
    }

    /// An aggregate written `#count { ... }` (clingo) at `input`, as an error.
    #[inline(never)]
    fn clingo_aggregate(&self, input: &'t str) -> Option<nom::Err<Failure>> {
        let rest = input.strip_prefix('#')?;
        let word_length = rest.find(|c: char| !is_ident_char(c)).unwrap_or(rest.len());
        let word = &rest[..word_length];
        if !matches!(word, "count" | "sum" | "min" | "max") {
            return None;
        }
        let start = self.offset(input);
        let error = SyntaxError::ForeignSyntax(Box::new(ForeignForm {
            what: format!("`#{word} {{ ... }}`"),
            system: "clingo",
            instead: format!(
                "wirelog writes aggregates `N = {word} : {{ p(X, _) }}`{}",
                if word == "count" {
                    " (counting the matches of the body), or `N = count X : { ... }` to count distinct `X`"
                } else {
                    ", with the value after the keyword: `S = sum K : { q(K) }`"
                }
            ),
            span: self.span(start, start + 1 + word_length),
        }));
        Some(commit(error, Resume::ScanFrom(start)))
    }

    /// `?- body.`, `after_mark` just after `?-`.
    fn query(&self, input: &'t str, after_mark: &'t str) -> PResult<'t, ast::Query> {
        let (rest, body) = self.body(self.skip_trivia(after_mark))?;
        let period = self.skip_trivia(rest);
        if !period.starts_with('.') {
            return self.missing_end(rest, period, "`.` or `,` after a body literal");
        }
        let rest = &period[1..];
        Ok((
            rest,
            ast::Query {
                body,
                span: self.span_between(input, rest),
            },
        ))
    }

    /// `#include "path".` or `#include <name>.`, `after_keyword` just after `#include`.
    fn include(&self, input: &'t str, after_keyword: &'t str) -> PResult<'t, ast::Include> {
        let target_start = self.skip_trivia(after_keyword);
        let (rest, target) = if target_start.starts_with('"') {
            let (rest, path) = self.string_literal(target_start)?;
            (rest, ast::IncludeTarget::Path(path.value))
        } else if let Some(after_bracket) = target_start.strip_prefix('<') {
            let name_start = self.skip_trivia(after_bracket);
            let Ok((after_name, name)) = take_while1::<_, _, Failure>(|character: char| {
                is_ident_char(character) || matches!(character, '-' | '.' | '/')
            })(name_start) else {
                return self.unexpected(name_start, "a library name after `<`");
            };
            let close = self.skip_trivia(after_name);
            if !close.starts_with('>') {
                return self.unexpected(close, format!("`>` after `<{name}`"));
            }
            (&close[1..], ast::IncludeTarget::Bundled(name.to_string()))
        } else {
            return self.unexpected(target_start, "a path string or `<news>` after `#include`");
        };
        let period = self.skip_trivia(rest);
        if !period.starts_with('.') {
            return self.missing_end(rest, period, "`.` after the included file");
        }
        let rest = &period[1..];
        Ok((
            rest,
            ast::Include {
                target,
                span: self.span_between(input, rest),
            },
        ))
    }

    /// `#articles "dir".`, `after_keyword` just after `#articles`.
    fn articles_directive(
        &self,
        input: &'t str,
        after_keyword: &'t str,
    ) -> PResult<'t, ast::ArticlesDirective> {
        let path_start = self.skip_trivia(after_keyword);
        if !path_start.starts_with('"') {
            return self.unexpected(path_start, "a folder as a string after `#articles`");
        }
        let (rest, path) = self.string_literal(path_start)?;
        let rest = self.directive_end(rest, "`.` after the folder")?;
        Ok((
            rest,
            ast::ArticlesDirective {
                path,
                span: self.span_between(input, rest),
            },
        ))
    }

    /// `#import "file" as name(type, ...) header.`, `after_keyword` just after `#import`.
    fn import_directive(
        &self,
        input: &'t str,
        after_keyword: &'t str,
    ) -> PResult<'t, ast::ImportDirective> {
        let path_start = self.skip_trivia(after_keyword);
        if !path_start.starts_with('"') {
            return self.unexpected(path_start, "a file as a string after `#import`");
        }
        let (rest, path) = self.string_literal(path_start)?;
        let as_start = self.skip_trivia(rest);
        let Ok((after_as, _)) = keyword("as")(as_start) else {
            return self.unexpected(as_start, "`as` and the predicate after the file");
        };
        let name_start = self.skip_trivia(after_as);
        let Ok((after_name, name)) = lower_name(name_start) else {
            return self.unexpected(name_start, "a predicate name after `as`");
        };
        let predicate = ast::Ident {
            name: name.to_string(),
            span: self.span_between(name_start, after_name),
        };
        let open = self.skip_trivia(after_name);
        if !open.starts_with('(') {
            return self.unexpected(open, format!("`(` and the column types of `{name}`"));
        }
        let mut columns = Vec::new();
        let mut rest = &open[1..];
        loop {
            let type_start = self.skip_trivia(rest);
            let column = lower_name(type_start)
                .ok()
                .and_then(|(after, word)| Some((after, ColumnType::from_name(word)?)));
            let Some((after_type, column)) = column else {
                return self.unexpected(
                    type_start,
                    "a column type: `symbol`, `string`, `int` or `date`",
                );
            };
            columns.push(column);
            let separator = self.skip_trivia(after_type);
            if let Some(after) = separator.strip_prefix(',') {
                rest = after;
            } else if let Some(after) = separator.strip_prefix(')') {
                rest = after;
                break;
            } else {
                return self.unexpected(separator, "`,` or `)` after a column type");
            }
        }
        let option_start = self.skip_trivia(rest);
        let (rest, header) = match keyword("header")(option_start) {
            Ok((after, _)) => (after, true),
            Err(_) => (rest, false),
        };
        let rest = self.directive_end(rest, "`.` (or the option `header`) after the columns")?;
        Ok((
            rest,
            ast::ImportDirective {
                path,
                predicate,
                columns,
                header,
                span: self.span_between(input, rest),
            },
        ))
    }

    /// `#export name "file".`, `after_keyword` just after `#export`.
    fn export_directive(
        &self,
        input: &'t str,
        after_keyword: &'t str,
    ) -> PResult<'t, ast::ExportDirective> {
        let name_start = self.skip_trivia(after_keyword);
        let Ok((after_name, name)) = lower_name(name_start) else {
            return self.unexpected(name_start, "the predicate to export after `#export`");
        };
        let predicate = ast::Ident {
            name: name.to_string(),
            span: self.span_between(name_start, after_name),
        };
        let path_start = self.skip_trivia(after_name);
        if !path_start.starts_with('"') {
            return self.unexpected(path_start, format!("a file as a string after `{name}`"));
        }
        let (rest, path) = self.string_literal(path_start)?;
        let rest = self.directive_end(rest, "`.` after the file")?;
        Ok((
            rest,
            ast::ExportDirective {
                predicate,
                path,
                span: self.span_between(input, rest),
            },
        ))
    }

    /// The `.` ending a directive, after trivia; the input after it.
    fn directive_end(&self, rest: &'t str, expected: &str) -> Result<&'t str, nom::Err<Failure>> {
        let period = self.skip_trivia(rest);
        match period.strip_prefix('.') {
            Some(after) => Ok(after),
            None => self
                .missing_end(rest, period, expected)
                .map(|(rest, ())| rest),
        }
    }

    /// `head.`, `head :- body.`, with citations after the head or the body.
    fn clause(&self, input: &'t str) -> PResult<'t, ast::Clause> {
        let (mut rest, (head, lattice)) = self.head(input)?;
        let mut citations = Vec::new();
        rest = self.citations(rest, &mut citations)?;
        let mut body = Vec::new();
        let after_head = self.skip_trivia(rest);
        if after_head.starts_with("<=") {
            let start = self.offset(after_head);
            let error = SyntaxError::ForeignSyntax(Box::new(ForeignForm {
                what: "`<=` (a subsumption rule)".to_string(),
                system: "Soufflé",
                instead: "to keep only the least or greatest value per key, mark that head argument: `dist(X, Y, min D) :- ...` (docs/language.md, Lattice arguments)".to_string(),
                span: self.span(start, start + 2),
            }));
            return fail(error, start);
        }
        if let Some(after_arrow) = after_head.strip_prefix(":-") {
            let (after_body, literals) = self.body(self.skip_trivia(after_arrow))?;
            body = literals;
            rest = self.citations(after_body, &mut citations)?;
        }
        let period = self.skip_trivia(rest);
        if !period.starts_with('.') {
            let expected = if !body.is_empty() {
                "`.` or `,` after a body literal"
            } else if !citations.is_empty() {
                "`.` or another citation `@` after a citation"
            } else {
                "`.`, `:-` or a citation `@` after the head"
            };
            return self.missing_end(rest, period, expected);
        }
        let rest = &period[1..];
        Ok((
            rest,
            ast::Clause {
                head,
                lattice,
                body,
                citations,
                span: self.span_between(input, rest),
            },
        ))
    }

    /// The head atom, with its lattice argument if it has one; its name may
    /// not be a built-in function or `not`.
    fn head(&self, input: &'t str) -> PResult<'t, (ast::Atom, Option<ast::LatticeArgument>)> {
        let (after_name, name) = lower_name(input)?;
        let kind = if is_builtin(name) {
            Some("built-in function")
        } else if name == "not" {
            Some("keyword")
        } else {
            None
        };
        if let Some(kind) = kind {
            return fail(
                SyntaxError::NameReserved {
                    name: name.to_string(),
                    kind,
                    span: self.span_between(input, after_name),
                },
                self.offset(input),
            );
        }
        let (rest, (atom, lattices)) = self.atom_with_lattices(input)?;
        if let Some(second) = lattices.get(1) {
            let error = SyntaxError::LatticeMisplaced {
                second: true,
                span: second.span,
            };
            return fail(error, second.span.start as usize);
        }
        Ok((rest, (atom, lattices.first().copied())))
    }

    /// Zero or more `@ "article": "quote"`, appended to `citations`.
    fn citations(
        &self,
        mut rest: &'t str,
        citations: &mut Vec<ast::Citation>,
    ) -> Result<&'t str, nom::Err<Failure>> {
        loop {
            let at_sign = self.skip_trivia(rest);
            let Some(after_at) = at_sign.strip_prefix('@') else {
                return Ok(rest);
            };
            let article_start = self.skip_trivia(after_at);
            if !article_start.starts_with('"') {
                return self
                    .unexpected(article_start, "the article as a string after `@`")
                    .map(|(rest, ())| rest);
            }
            let (after_article, article) = self.string_literal(article_start)?;
            let colon = self.skip_trivia(after_article);
            let Some(after_colon) = colon.strip_prefix(':') else {
                return self
                    .unexpected(colon, "`:` between the article and the quote")
                    .map(|(rest, ())| rest);
            };
            let quote_start = self.skip_trivia(after_colon);
            if !quote_start.starts_with('"') {
                return self
                    .unexpected(quote_start, "the quote as a string after `:`")
                    .map(|(rest, ())| rest);
            }
            let (after_quote, quote) = self.string_literal(quote_start)?;
            citations.push(ast::Citation {
                article,
                quote,
                span: self.span_between(at_sign, after_quote),
            });
            rest = after_quote;
        }
    }

    /// `p(...)` with its citation pattern. Kept out of `literal`, whose
    /// frame is on the stack once per level of nested aggregates.
    #[inline(never)]
    fn positive_literal(&self, input: &'t str) -> PResult<'t, ast::Literal> {
        let (rest, atom) = self.atom(input)?;
        let (rest, atom) = self.citation_pattern(rest, atom)?;
        Ok((rest, ast::Literal::Positive(atom)))
    }

    /// `not p(...)` with its citation pattern, `after_not` just after `not`.
    #[inline(never)]
    fn negative_literal(&self, input: &'t str, after_not: &'t str) -> PResult<'t, ast::Literal> {
        let atom_start = self.skip_trivia(after_not);
        match lower_name(atom_start) {
            Ok((_, name)) if TEST_FUNCTIONS.contains(&name) => self.negated_test(input, atom_start),
            Ok((_, name)) if !is_builtin(name) && name != "not" => {
                let (rest, atom) = self.atom(atom_start)?;
                let (rest, atom) = self.citation_pattern(rest, atom)?;
                Ok((
                    rest,
                    ast::Literal::Negative {
                        atom,
                        span: self.span_between(input, rest),
                    },
                ))
            }
            _ => self.unexpected(atom_start, "an atom or a test after `not`"),
        }
    }

    /// An optional `@ A` or `@ A : Q` after a body atom, attached to it.
    fn citation_pattern(&self, rest: &'t str, mut atom: ast::Atom) -> PResult<'t, ast::Atom> {
        let at_sign = self.skip_trivia(rest);
        let Some(after_at) = at_sign.strip_prefix('@') else {
            return Ok((rest, atom));
        };
        let (mut rest, article) =
            self.pattern_term(self.skip_trivia(after_at), "the article after `@`")?;
        let mut quote = None;
        let colon = self.skip_trivia(rest);
        if let Some(after_colon) = colon.strip_prefix(':')
            && !after_colon.starts_with('-')
        {
            let (after_quote, term) =
                self.pattern_term(self.skip_trivia(after_colon), "the quote after `:`")?;
            quote = Some(term);
            rest = after_quote;
        }
        atom.citation = Some(Box::new(ast::CitationPattern {
            article,
            quote,
            span: self.span_between(at_sign, rest),
        }));
        Ok((rest, atom))
    }

    /// A variable, `_` or a string: what a citation pattern binds or matches.
    fn pattern_term(&self, input: &'t str, what: &str) -> PResult<'t, ast::Term> {
        if input.starts_with('"') {
            let (rest, literal) = self.string_literal(input)?;
            return Ok((
                rest,
                ast::Term::Constant(ast::Constant {
                    value: Value::String(literal.value),
                    span: literal.span,
                }),
            ));
        }
        if let Ok((rest, name)) = upper_name(input) {
            let span = self.span_between(input, rest);
            let term = if name == "_" {
                ast::Term::Anonymous(span)
            } else {
                ast::Term::Variable(ast::Ident {
                    name: name.to_string(),
                    span,
                })
            };
            return Ok((rest, term));
        }
        self.unexpected(input, format!("{what}: a variable, `_` or a string"))
    }

    /// `name`, `name()` or `name(t1, ..., tn)`; the caller has checked the
    /// name. A lattice argument (`min D`) is an error here: only a head has one.
    fn atom(&self, input: &'t str) -> PResult<'t, ast::Atom> {
        let (rest, (atom, lattices)) = self.atom_with_lattices(input)?;
        if let Some(lattice) = lattices.first() {
            let error = SyntaxError::LatticeMisplaced {
                second: false,
                span: lattice.span,
            };
            return fail(error, lattice.span.start as usize);
        }
        Ok((rest, atom))
    }

    /// An atom whose arguments may be lattice arguments (`min D`), given
    /// back apart from it with the plain term left in the atom.
    fn atom_with_lattices(
        &self,
        input: &'t str,
    ) -> PResult<'t, (ast::Atom, Vec<ast::LatticeArgument>)> {
        let (after_name, name) = lower_name(input)?;
        let predicate = ast::Ident {
            name: name.to_string(),
            span: self.span_between(input, after_name),
        };
        let open = self.skip_trivia(after_name);
        if !open.starts_with('(') {
            return Ok((
                after_name,
                (
                    ast::Atom {
                        predicate,
                        args: Vec::new(),
                        span: self.span_between(input, after_name),
                        citation: None,
                    },
                    Vec::new(),
                ),
            ));
        }
        let _guard = self.enter(open)?;
        let mut lattices = Vec::new();
        let (rest, (args, _)) = self.arguments(open, name, Some(&mut lattices))?;
        Ok((
            rest,
            (
                ast::Atom {
                    predicate,
                    args,
                    span: self.span_between(input, rest),
                    citation: None,
                },
                lattices,
            ),
        ))
    }

    /// `min` or `max` at `input` followed by the start of a term (not by
    /// `(`, which makes it the function, nor by an operator): the keyword,
    /// and the input where its term starts.
    fn lattice_keyword(&self, input: &'t str) -> Option<(ast::LatticeFunction, &'t str)> {
        let (after_name, name) = lower_name(input).ok()?;
        let function = match name {
            "min" => ast::LatticeFunction::Min,
            "max" => ast::LatticeFunction::Max,
            _ => return None,
        };
        let term_start = self.skip_trivia(after_name);
        let separated = term_start.len() < after_name.len();
        let starts = term_start
            .chars()
            .next()
            .is_some_and(|next| next.is_ascii_alphanumeric() || next == '_' || next == '"');
        (separated && starts).then_some((function, term_start))
    }

    /// `(t1, ..., tn)` at `open`, the arguments of `owner`; returns them and
    /// their greatest depth. With `lattices`, an argument may be written
    /// `min T` or `max T` (an atom's): `T` is the argument, the marker goes
    /// to `lattices`.
    fn arguments(
        &self,
        open: &'t str,
        owner: &str,
        mut lattices: Option<&mut Vec<ast::LatticeArgument>>,
    ) -> PResult<'t, (Vec<ast::Term>, usize)> {
        let mut rest = self.skip_trivia(&open[1..]);
        let mut args = Vec::new();
        let mut depth = 0;
        if let Some(after) = rest.strip_prefix(')') {
            return Ok((after, (args, depth)));
        }
        loop {
            if !starts_term(rest) {
                return self.unexpected(rest, format!("an argument of `{owner}`"));
            }
            let marked = match lattices.as_deref_mut() {
                Some(found) => self
                    .lattice_keyword(rest)
                    .map(|(function, term_start)| (found, function, term_start)),
                None => None,
            };
            let (after_term, (term, term_depth)) = match marked {
                Some((found, function, term_start)) => {
                    let (after_term, parsed) = self.term(term_start)?;
                    found.push(ast::LatticeArgument {
                        position: args.len(),
                        function,
                        span: self.span_between(rest, after_term),
                    });
                    (after_term, parsed)
                }
                None => self.term(rest)?,
            };
            args.push(term);
            depth = depth.max(term_depth);
            let separator = self.skip_trivia(after_term);
            if let Some(after) = separator.strip_prefix(',') {
                rest = self.skip_trivia(after);
            } else if let Some(after) = separator.strip_prefix(')') {
                return Ok((after, (args, depth)));
            } else {
                return self.unexpected(
                    separator,
                    format!("`,` or `)` after an argument of `{owner}`"),
                );
            }
        }
    }

    /// Literals separated by `,`; returns the input after the last one.
    fn body(&self, mut input: &'t str) -> PResult<'t, Vec<ast::Literal>> {
        let mut literals = Vec::new();
        loop {
            let (rest, literal) = self.literal(input)?;
            literals.push(literal);
            let separator = self.skip_trivia(rest);
            if let Some(error) = self.foreign_separator(separator) {
                return Err(error);
            }
            match separator.strip_prefix(',') {
                Some(after) => input = self.skip_trivia(after),
                None => return Ok((rest, literals)),
            }
        }
    }

    /// One body literal.
    fn literal(&self, input: &'t str) -> PResult<'t, ast::Literal> {
        if let Some(error) = self.foreign_literal(input) {
            return Err(error);
        }
        if let Ok((after_not, _)) = keyword("not")(input) {
            return self.negative_literal(input, after_not);
        }
        if let Ok((after_name, name)) = lower_name(input) {
            let next = self.skip_trivia(after_name);
            let in_term = comparison_operator(next).is_some() || starts_with_arithmetic(next);
            if !is_builtin(name) && !in_term {
                return self.positive_literal(input);
            }
        }
        if !starts_term(input) {
            return self.unexpected(input, "a literal");
        }
        let (after_lhs, (lhs, _)) = self.term(input)?;
        let operator = self.skip_trivia(after_lhs);
        if let Some(error) = self.foreign_operator(operator) {
            return Err(error);
        }
        for (written, meant) in [("==", "="), ("=<", "<="), ("<>", "!=")] {
            if operator.starts_with(written) {
                let start = self.offset(operator);
                let error = SyntaxError::Unexpected {
                    expected: format!("a comparison operator (write `{meant}`)"),
                    found: format!("`{written}`"),
                    span: self.span(start, start + written.len()),
                };
                return fail(error, start);
            }
        }
        let Some((op, op_length)) = comparison_operator(operator) else {
            return match lhs {
                ast::Term::Call(call) if TEST_FUNCTIONS.contains(&call.function.name.as_str()) => {
                    Ok((after_lhs, ast::Literal::Builtin(call)))
                }
                ast::Term::Call(call) => fail(
                    SyntaxError::BuiltinStandalone {
                        name: call.function.name.clone(),
                        span: call.span,
                    },
                    self.offset(input),
                ),
                ast::Term::Variable(variable) if operator.starts_with('(') => fail(
                    SyntaxError::Unexpected {
                        expected: "a literal (predicate names start with a lowercase letter)"
                            .to_string(),
                        found: format!("variable `{}`", shorten(&variable.name)),
                        span: variable.span,
                    },
                    self.offset(input),
                ),
                _ => self.unexpected(
                    operator,
                    "a comparison operator (`=`, `!=`, `<`, `<=`, `>`, `>=`)",
                ),
            };
        };
        let rhs_start = self.skip_trivia(&operator[op_length..]);
        if let Some(error) = self.foreign_literal(rhs_start) {
            return Err(error);
        }
        if let Some((after_keyword, function)) = self.aggregate_keyword(rhs_start) {
            match (&lhs, op) {
                (ast::Term::Variable(result), ast::CompareOp::Eq) => {
                    return self.aggregate(input, result.clone(), function, rhs_start);
                }
                _ if self.looks_like_aggregate(function, after_keyword) => {
                    return fail(
                        SyntaxError::AggregateResultInvalid {
                            function: function.keyword(),
                            span: self.span_between(input, after_keyword),
                        },
                        self.offset(input),
                    );
                }
                _ => {}
            }
        }
        if !starts_term(rhs_start) {
            return self.unexpected(rhs_start, format!("a term after `{}`", op.symbol()));
        }
        let (rest, (rhs, _)) = self.term(rhs_start)?;
        let span = lhs.span().to(rhs.span());
        Ok((
            rest,
            ast::Literal::Comparison(ast::Comparison { lhs, op, rhs, span }),
        ))
    }

    /// `count`, `sum`, `min`, `max`, `avg` or `mean` at `input`.
    #[inline(never)]
    fn aggregate_keyword(&self, input: &'t str) -> Option<(&'t str, ast::AggregateFunction)> {
        let (after, word) = lower_name(input).ok()?;
        let function = match word {
            "count" => ast::AggregateFunction::Count,
            "sum" => ast::AggregateFunction::Sum,
            "min" => ast::AggregateFunction::Min,
            "max" => ast::AggregateFunction::Max,
            "avg" | "mean" => ast::AggregateFunction::Avg,
            _ => return None,
        };
        // `sum (K + 1) * 2 : { ... }` is an aggregate; `min(A, B)` and
        // `max(A, B)` are the two-argument functions: an aggregate's value
        // is one term, so a comma inside the parentheses means a call.
        if matches!(word, "min" | "max") && call_with_several_arguments(after) {
            return None;
        }
        Some((after, function))
    }

    /// `not contains(S, "x")` from `input` (at `not`), `call_start` at the test.
    #[inline(never)]
    fn negated_test(&self, input: &'t str, call_start: &'t str) -> PResult<'t, ast::Literal> {
        let (rest, (term, _)) = self.primary(call_start)?;
        let ast::Term::Call(test) = term else {
            return self.unexpected(call_start, "an atom or a test after `not`");
        };
        let span = self.span_between(input, rest);
        let not = ast::Ident {
            name: "not".to_string(),
            span: self.span_between(input, &input[3..]),
        };
        Ok((
            rest,
            ast::Literal::Builtin(ast::Call {
                function: not,
                args: vec![ast::Term::Call(test)],
                span,
            }),
        ))
    }

    /// Outside aggregate position, whether a keyword is still plainly meant as an aggregate.
    fn looks_like_aggregate(&self, function: ast::AggregateFunction, after_keyword: &str) -> bool {
        let next = self.skip_trivia(after_keyword);
        match function {
            ast::AggregateFunction::Count => next.starts_with(':'),
            _ => next.starts_with(|character: char| {
                character.is_ascii_uppercase() || character == '_' || character == '"'
            }),
        }
    }

    /// What follows an aggregate keyword up to and including the `:`: the
    /// value of `sum K :`, or the terms of `count X, Y :`. Out of
    /// `aggregate`, whose frame is on the nesting path, to keep it small.
    #[inline(never)]
    #[allow(clippy::type_complexity)]
    fn aggregate_head(
        &self,
        mut rest: &'t str,
        function: ast::AggregateFunction,
    ) -> PResult<'t, (Option<ast::Term>, Vec<ast::Term>)> {
        let mut value = None;
        let mut projection = Vec::new();
        if function == ast::AggregateFunction::Count && !rest.starts_with(':') {
            rest = self.count_projection(rest, &mut projection)?;
        }
        if function != ast::AggregateFunction::Count {
            if !starts_term(rest) {
                return self.unexpected(
                    rest,
                    format!("the term to aggregate after `{}`", function.keyword()),
                );
            }
            let (after_value, (term, _)) = self.term(rest)?;
            value = Some(term);
            rest = self.skip_trivia(after_value);
        }
        let Some(after_colon) = rest.strip_prefix(':') else {
            let expected = match function {
                ast::AggregateFunction::Count if !projection.is_empty() => {
                    "`:` after the terms of `count`".to_string()
                }
                ast::AggregateFunction::Count => "`:` after `count`".to_string(),
                _ => format!("`:` after the term of `{}`", function.keyword()),
            };
            return self.unexpected(rest, expected);
        };
        Ok((after_colon, (value, projection)))
    }

    /// `Result = function [value] : { body }` from `input` (at the result);
    /// `keyword` is at the aggregate keyword.
    fn aggregate(
        &self,
        input: &'t str,
        result: ast::Ident,
        function: ast::AggregateFunction,
        keyword: &'t str,
    ) -> PResult<'t, ast::Literal> {
        let _guard = self.enter(keyword)?;
        // `mean` is written for `avg`: the keyword's length is as written.
        let after_keyword = keyword.trim_start_matches(is_ident_char);
        let (after_colon, (value, projection)) =
            self.aggregate_head(self.skip_trivia(after_keyword), function)?;
        let open = self.skip_trivia(after_colon);
        let Some(after_open) = open.strip_prefix('{') else {
            return self.unexpected(open, "`{` to open the body of the aggregate");
        };
        let (after_body, body) = self.body(self.skip_trivia(after_open))?;
        let close = self.skip_trivia(after_body);
        let Some(rest) = close.strip_prefix('}') else {
            return self.unexpected(close, "`,` or `}` after a literal in an aggregate");
        };
        Ok((
            rest,
            ast::Literal::Aggregate(ast::Aggregate {
                result,
                function,
                value,
                projection,
                body,
                span: self.span_between(input, rest),
            }),
        ))
    }

    /// `X, Y` after `count`, up to (not including) the `:`.
    #[inline(never)]
    fn count_projection(
        &self,
        mut rest: &'t str,
        projection: &mut Vec<ast::Term>,
    ) -> Result<&'t str, nom::Err<Failure>> {
        loop {
            if !starts_term(rest) {
                return self
                    .unexpected(rest, "`:` or the terms to count after `count`")
                    .map(|(rest, ())| rest);
            }
            let (after_term, (term, _)) = self.term(rest)?;
            projection.push(term);
            rest = self.skip_trivia(after_term);
            match rest.strip_prefix(',') {
                Some(after_comma) => rest = self.skip_trivia(after_comma),
                None => return Ok(rest),
            }
        }
    }

    /// A term: `product (('+' | '-') product)*`, left associative; returns
    /// the term and the depth of its tree (0 for a variable or constant).
    ///
    /// The functions on the recursion path (`term`, `product`, `primary`,
    /// `parenthesised`, `call`, `arguments`) are kept small, and the leaves are
    /// parsed in separate functions, so that each nesting level costs little stack.
    fn term(&self, input: &'t str) -> PResult<'t, (ast::Term, usize)> {
        let (mut rest, (mut lhs, mut depth)) = self.product(input)?;
        loop {
            let operator = self.skip_trivia(rest);
            let op = match operator.as_bytes().first() {
                Some(b'+') => ast::ArithOp::Add,
                Some(b'-') => ast::ArithOp::Sub,
                _ => return Ok((rest, (lhs, depth))),
            };
            let rhs_start = self.operand_start(&operator[1..], op)?;
            let (after_rhs, (rhs, rhs_depth)) = self.product(rhs_start)?;
            depth = depth.max(rhs_depth) + 1;
            self.check_depth(depth, operator)?;
            lhs = binary(op, lhs, rhs);
            rest = after_rhs;
        }
    }

    /// `primary (('*' | '/' | 'mod') primary)*`, left associative.
    fn product(&self, input: &'t str) -> PResult<'t, (ast::Term, usize)> {
        let (mut rest, (mut lhs, mut depth)) = self.primary(input)?;
        loop {
            let operator = self.skip_trivia(rest);
            let (op, op_length) = match operator.as_bytes().first() {
                Some(b'*') => (ast::ArithOp::Mul, 1),
                Some(b'/') => (ast::ArithOp::Div, 1),
                _ if keyword("mod")(operator).is_ok() => (ast::ArithOp::Mod, 3),
                _ => return Ok((rest, (lhs, depth))),
            };
            let rhs_start = self.operand_start(&operator[op_length..], op)?;
            let (after_rhs, (rhs, rhs_depth)) = self.primary(rhs_start)?;
            depth = depth.max(rhs_depth) + 1;
            self.check_depth(depth, operator)?;
            lhs = binary(op, lhs, rhs);
            rest = after_rhs;
        }
    }

    /// The start of the right operand of `op`, which must begin a term.
    fn operand_start(
        &self,
        after_operator: &'t str,
        op: ast::ArithOp,
    ) -> Result<&'t str, nom::Err<Failure>> {
        let start = self.skip_trivia(after_operator);
        if starts_term(start) {
            Ok(start)
        } else {
            self.unexpected(start, format!("a term after `{}`", op.symbol()))
                .map(|(rest, ())| rest)
        }
    }

    /// A variable, constant, call or parenthesised term.
    fn primary(&self, input: &'t str) -> PResult<'t, (ast::Term, usize)> {
        match input.as_bytes().first() {
            Some(b'(') => self.parenthesised(input),
            Some(b'a'..=b'z') => self.name_term(input),
            Some(_) if starts_term(input) => self.leaf(input).map(|(rest, term)| (rest, (term, 0))),
            _ => self.unexpected(input, "a term"),
        }
    }

    /// `( term )`
    fn parenthesised(&self, input: &'t str) -> PResult<'t, (ast::Term, usize)> {
        let _guard = self.enter(input)?;
        let inner = self.skip_trivia(&input[1..]);
        if !starts_term(inner) {
            return self.unexpected(inner, "a term after `(`");
        }
        let (after_inner, term) = self.term(inner)?;
        let close = self.skip_trivia(after_inner);
        match close.strip_prefix(')') {
            Some(rest) => Ok((rest, term)),
            None => self.unexpected(close, "`)` to close the parenthesis"),
        }
    }

    /// A lowercase name in a term: a symbol, or a call when `(` follows.
    fn name_term(&self, input: &'t str) -> PResult<'t, (ast::Term, usize)> {
        let (after_name, name) = lower_name(input)?;
        let open = self.skip_trivia(after_name);
        if !open.starts_with('(') {
            let constant = ast::Constant {
                value: Value::Symbol(name.to_string()),
                span: self.span_between(input, after_name),
            };
            return Ok((after_name, (ast::Term::Constant(constant), 0)));
        }
        if !is_builtin(name) {
            let error = SyntaxError::FunctionUnknown {
                name: name.to_string(),
                span: self.span_between(input, after_name),
            };
            return fail(error, self.offset(input));
        }
        self.call(input, after_name, open)
    }

    /// `name(args)` for a built-in function.
    fn call(
        &self,
        input: &'t str,
        after_name: &'t str,
        open: &'t str,
    ) -> PResult<'t, (ast::Term, usize)> {
        let _guard = self.enter(open)?;
        let name = &input[..input.len() - after_name.len()];
        let (rest, (args, args_depth)) = self.arguments(open, name, None)?;
        let depth = args_depth + 1;
        self.check_depth(depth, input)?;
        let call = ast::Call {
            function: ast::Ident {
                name: name.to_string(),
                span: self.span_between(input, after_name),
            },
            args,
            span: self.span_between(input, rest),
        };
        Ok((rest, (ast::Term::Call(call), depth)))
    }

    /// A string, number, date, variable or `_`.
    #[inline(never)]
    fn leaf(&self, input: &'t str) -> PResult<'t, ast::Term> {
        match input.as_bytes().first() {
            Some(b'"') => {
                let (rest, string) = self.string_literal(input)?;
                let constant = ast::Constant {
                    value: Value::String(string.value),
                    span: string.span,
                };
                Ok((rest, ast::Term::Constant(constant)))
            }
            Some(b'0'..=b'9' | b'-') => self.number(input),
            _ => {
                let (rest, name) = upper_name(input)?;
                let span = self.span_between(input, rest);
                if name == "_" {
                    return Ok((rest, ast::Term::Anonymous(span)));
                }
                let ident = ast::Ident {
                    name: name.to_string(),
                    span,
                };
                Ok((rest, ast::Term::Variable(ident)))
            }
        }
    }

    /// A datetime, a date `DDDD-DD-DD`, a decimal `-?[0-9]+.[0-9]+` or an
    /// integer `-?[0-9]+`, tried in that order.
    fn number(&self, input: &'t str) -> PResult<'t, ast::Term> {
        if let Some(length) = datetime_length(input) {
            return self.timed_or_decimal(input, length, "datetime");
        }
        if let Some(length) = decimal_length(input) {
            return self.timed_or_decimal(input, length, "decimal");
        }
        if let Ok((rest, text)) = date_shape(input) {
            let span = self.span_between(input, rest);
            return match validate_date(text) {
                Ok(date) => Ok((
                    rest,
                    ast::Term::Constant(ast::Constant {
                        value: Value::Date(date),
                        span,
                    }),
                )),
                Err(reason) => fail(
                    SyntaxError::DateInvalid {
                        text: text.to_string(),
                        reason,
                        span,
                    },
                    self.offset(input),
                ),
            };
        }
        let Ok((rest, text)) = integer_shape(input) else {
            return self.unexpected(input, "a term");
        };
        let span = self.span_between(input, rest);
        match text.parse::<i64>() {
            Ok(value) => Ok((
                rest,
                ast::Term::Constant(ast::Constant {
                    value: Value::Integer(value),
                    span,
                }),
            )),
            Err(_) => fail(
                SyntaxError::IntegerOverflow {
                    text: shorten(text),
                    span,
                },
                self.offset(input),
            ),
        }
    }

    /// The datetime or decimal literal of `length` bytes at `input`.
    #[inline(never)]
    fn timed_or_decimal(
        &self,
        input: &'t str,
        length: usize,
        kind: &'static str,
    ) -> PResult<'t, ast::Term> {
        let text = &input[..length];
        let rest = &input[length..];
        let span = self.span_between(input, rest);
        let value = if kind == "datetime" {
            Datetime::parse(text).map(Value::Datetime)
        } else {
            Decimal::parse(text).map(Value::Decimal)
        };
        match value {
            Ok(value) => Ok((rest, ast::Term::Constant(ast::Constant { value, span }))),
            // Resume after the literal: its own `.` must not end the clause.
            Err(reason) => Err(commit(
                SyntaxError::LiteralInvalid {
                    text: text.to_string(),
                    reason,
                    span,
                },
                Resume::ScanFrom(self.offset(rest)),
            )),
        }
    }

    /// `"..."` at `input`, unescaped.
    fn string_literal(&self, input: &'t str) -> PResult<'t, ast::StringLiteral> {
        let start = self.offset(input);
        let mut value = String::new();
        let mut characters = input.char_indices().skip(1);
        while let Some((index, character)) = characters.next() {
            match character {
                '"' => {
                    let rest = &input[index + 1..];
                    return Ok((
                        rest,
                        ast::StringLiteral {
                            value,
                            span: self.span(start, start + index + 1),
                        },
                    ));
                }
                '\\' => match characters.next() {
                    Some((_, '"')) => value.push('"'),
                    Some((_, '\\')) => value.push('\\'),
                    Some((_, 'n')) => value.push('\n'),
                    Some((_, 't')) => value.push('\t'),
                    Some((escape_index, escape)) if escape != '\n' => {
                        let span =
                            self.span(start + index, start + escape_index + escape.len_utf8());
                        let escape = if escape.is_control() {
                            format!("\\{}", escape.escape_default())
                        } else {
                            format!("\\{escape}")
                        };
                        return Err(commit(
                            SyntaxError::StringEscapeUnknown { escape, span },
                            Resume::ScanFrom(self.string_end(input)),
                        ));
                    }
                    _ => break,
                },
                '\n' => break,
                other => value.push(other),
            }
        }
        let error = SyntaxError::StringUnterminated {
            span: self.span(start, start + 1),
        };
        let line_end = self.string_end(input);
        let resume = if self.line_starts_item(line_end + 1) {
            Resume::At(line_end)
        } else {
            Resume::LineEndingPeriodFrom(line_end)
        };
        Err(commit(error, resume))
    }

    /// The offset just after the string starting at `input`: after its
    /// closing quote, or at the end of its line when it is unterminated.
    fn string_end(&self, input: &str) -> usize {
        string_extent(self.text.as_bytes(), self.offset(input)).1
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::print::print_program;

    /// The printed program, then one line per error: code, byte range, the
    /// text under the span, and the message.
    fn render(input: &str) -> String {
        let (program, errors) = parse_program(SourceId(0), input);
        let mut output = print_program(&program);
        for error in &errors {
            let span = error.span();
            let snippet = input.get(span.range()).unwrap_or("<bad span>");
            output.push_str(&format!(
                "{} {}..{} `{}`: {}\n",
                error.code(),
                span.start,
                span.end,
                snippet,
                error
            ));
        }
        output.trim_end().to_string()
    }

    fn check(input: &str, expected: &str) {
        let actual = render(input);
        assert_eq!(
            actual,
            expected.trim(),
            "\ninput: {input:?}\nactual:\n{actual}\n"
        );
    }

    #[test]
    fn constructs() {
        let cases: &[(&str, &str)] = &[
            // Facts, constants and atoms of every arity.
            (
                "mediates(qatar, istanbul_talks).",
                "mediates(qatar, istanbul_talks).",
            ),
            ("done. done(). ok :- done.", "done.\ndone.\nok :- done."),
            (
                "p(2025-10-29, -3, 58, -9223372036854775808, \"\", \"Khawaja Asif\", _, _Who, d).",
                "p(2025-10-29, -3, 58, -9223372036854775808, \"\", \"Khawaja Asif\", _, _Who, d).",
            ),
            (
                "p(\"T\u{fc}rkiye \\\"said\\\"\\n\\t\\\\\").",
                "p(\"T\u{fc}rkiye \\\"said\\\"\\n\\t\\\\\").",
            ),
            ("p(\"tab\there\").", "p(\"tab\\there\")."),
            ("p( a , b ) :- q ( a ) .", "p(a, b) :- q(a)."),
            ("p(X):-q(X).q(Y).", "p(X) :- q(X).\nq(Y)."),
            // Rules: negation, comparisons, symbols on the left.
            (
                "h(X) :- b(X, Y), not c(Y), X != Y, qatar != X, 3 < Y, Y <= 4, Y > 1, Y >= 0, X = Y.",
                "h(X) :- b(X, Y), not c(Y), X != Y, qatar != X, 3 < Y, Y <= 4, Y > 1, Y >= 0, X = Y.",
            ),
            ("p :- not q.", "p :- not q."),
            // Lattice arguments in heads; `min` alone or called stays what it was.
            (
                "d(X, Y, min D) :- e(X, Y, D). d(X, max  D1 + D2) :- f(X, D1, D2).",
                "d(X, Y, min D) :- e(X, Y, D).\nd(X, max D1 + D2) :- f(X, D1, D2).",
            ),
            ("d(a, min 3).", "d(a, min 3)."),
            (
                "p(min, max) :- q(M), M = min(1, 2).",
                "p(min, max) :- q(M), M = min(1, 2).",
            ),
            // Arithmetic: precedence, associativity, parentheses.
            (
                "p(X) :- X = 1 + 2 * 3 - (4 - 5), Y = (1 - 2) - 3, Z = 2 * (3 + 4) mod 5.",
                "p(X) :- X = 1 + 2 * 3 - (4 - 5), Y = 1 - 2 - 3, Z = 2 * (3 + 4) mod 5.",
            ),
            (
                "p(X) :- X = 1 - -2, Y = -3 * X, Z = a - b, W = X/2.",
                "p(X) :- X = 1 - -2, Y = -3 * X, Z = a - b, W = X / 2.",
            ),
            ("p(X) :- X = ((((1)))).", "p(X) :- X = 1."),
            (
                "p(X) :- X = 8 / (4 / 2), Y = 8 / 4 / 2.",
                "p(X) :- X = 8 / (4 / 2), Y = 8 / 4 / 2.",
            ),
            (
                "p(D) :- q(D), D > 2025-01-01 + 3, N = D - 2025-01-01.",
                "p(D) :- q(D), D > 2025-01-01 + 3, N = D - 2025-01-01.",
            ),
            ("p(X) :- X = 2025-10-29-1.", "p(X) :- X = 2025-10-29 - 1."),
            // Built-in functions and the standalone `contains`.
            (
                "p(S) :- q(S), L = len(S), C = concat(lower(S), upper(S)), year(D) = 2025, weekday(D) = wednesday, month(D) < day(D).",
                "p(S) :- q(S), L = len(S), C = concat(lower(S), upper(S)), year(D) = 2025, weekday(D) = wednesday, month(D) < day(D).",
            ),
            (
                "p(S) :- q(S), contains(S, \"talks\").",
                "p(S) :- q(S), contains(S, \"talks\").",
            ),
            ("p(S) :- q(S), len (S) > 3.", "p(S) :- q(S), len(S) > 3."),
            ("p(len, not, mod, count).", "p(len, not, mod, count)."),
            // Aggregates.
            (
                "p(N) :- N = count : { q(X, _) }.",
                "p(N) :- N = count : { q(X, _) }.",
            ),
            (
                "p(S, M) :- S = sum K : {q(K), K > 2}, M = max D - 1 : { d(D) }, L = min X:{r(X)}.",
                "p(S, M) :- S = sum K : { q(K), K > 2 }, M = max D - 1 : { d(D) }, L = min X : { r(X) }.",
            ),
            (
                "p(N) :- N = count : { q(X), M = count : { r(M) } }.",
                "p(N) :- N = count : { q(X), M = count : { r(M) } }.",
            ),
            (
                "count(X) :- sum(X), avg(X), mean(X).",
                "count(X) :- sum(X), avg(X), mean(X).",
            ),
            // The language of issue 15: counts of distinct terms, averages,
            // two-argument min and max, negated tests, decimals, datetimes, constraints.
            (
                "p(N, A) :- N = count X, Y : { q(X, Y, _) }, A = mean V : {r(V)}, B = min(A, 2.5), C = max(N, 3).",
                "p(N, A) :- N = count X, Y : { q(X, Y, _) }, A = avg V : { r(V) }, B = min(A, 2.5), C = max(N, 3).",
            ),
            (
                "p(S) :- q(S), not contains(S, \"x\"), starts_with(S, \"a\"), not match(\"^b\", S).",
                "p(S) :- q(S), not contains(S, \"x\"), starts_with(S, \"a\"), not match(\"^b\", S).",
            ),
            (
                "t(-0.125, 2025-10-29T14:30+03:00, 2025-10-29T11:30:05Z).\np(1.5).",
                "t(-0.125, 2025-10-29T14:30:00+03:00, 2025-10-29T11:30:05Z).\np(1.5).",
            ),
            (":- p(X),   q(X).", ":- p(X), q(X)."),
            // Citations.
            (
                "mediates(qatar, istanbul_talks)\n    @ \"002\": \"mediated by Qatar\"\n    @ \"003\" : \"brokered by \\\"Qatar\\\"\".",
                "mediates(qatar, istanbul_talks)\n    @ \"002\": \"mediated by Qatar\"\n    @ \"003\": \"brokered by \\\"Qatar\\\"\".",
            ),
            (
                "p(a) @ \"001\": \"quote\" :- q(a).",
                "p(a)\n    @ \"001\": \"quote\" :- q(a).",
            ),
            // Citation patterns in bodies and queries.
            (
                "p(A) :- q(a) @ \"001\": \"quote\", r(X)@A, not s(X) @ _ :Q.",
                "p(A) :- q(a) @ \"001\" : \"quote\", r(X) @ A, not s(X) @ _ : Q.",
            ),
            (
                "?- n(N), N = count : { q(X) @ A }.",
                "?- n(N), N = count : { q(X) @ A }.",
            ),
            // Directives.
            (
                "#articles \"my news\".\n#import  \"d.csv\" as p( symbol,int , date,string ) header .\n#export p \"out/p.jsonl\".\n#import \"e.tsv\" as e(int).",
                "#articles \"my news\".\n#import \"d.csv\" as p(symbol, int, date, string) header.\n#export p \"out/p.jsonl\".\n#import \"e.tsv\" as e(int).",
            ),
            // Queries and includes.
            (
                "?- mediates(M, T), not agreed(T).",
                "?- mediates(M, T), not agreed(T).",
            ),
            ("?-done.", "?- done."),
            (
                "#include \"other.dl\". #include <news>.",
                "#include \"other.dl\".\n#include <news>.",
            ),
            ("#include \"a\\\\b.dl\".", "#include \"a\\\\b.dl\"."),
            // Comments and doc blocks.
            (
                "p(a) % a comment with a . in it\n  :- q(a). % another",
                "p(a) :- q(a).",
            ),
            (
                "%% mediates(Mediator, Talks)\n  %%   indented\n%%\np(a).   %% not a doc\n% plain\n%% second block\n\n%% third block\nq.",
                "%% mediates(Mediator, Talks)\n%%   indented\n%%\np(a).\n\n%% second block\n\n%% third block\nq.",
            ),
            ("p(X) :-\n%% inside a clause\n q(X).", "p(X) :- q(X)."),
            (
                "%%%%%%%%%%\n%%%% Talks %%%%\n%% p(X)\n%%%%\np(a).",
                "%% p(X)\np(a).",
            ),
            (
                "\u{feff}p(a).\r\n?- p(X).\r\n%% doc\r\n",
                "p(a).\n?- p(X).\n\n%% doc",
            ),
            ("", ""),
            ("  % only a comment", ""),
        ];
        for (input, expected) in cases {
            check(input, expected);
        }
    }

    #[test]
    fn other_systems_syntax_gets_wirelogs_form() {
        let cases: &[(&str, &str)] = &[
            (
                "h(X) :- p(X), \\+ q(X).",
                "E111 14..16 `\\+`: `\\+` (negation) is Prolog's, not wirelog's",
            ),
            (
                "path(X, Y, D1) <= path(X, Y, D2) :- D2 <= D1.",
                "E111 15..17 `<=`: `<=` (a subsumption rule) is Soufflé's, not wirelog's",
            ),
            (
                "h(X) :- p(X) ; q(X).",
                "E111 13..14 `;`: `;` (or) is Prolog's, not wirelog's",
            ),
            (
                "h(N) :- N = #count { X : p(X) }.",
                "E111 12..18 `#count`: `#count { ... }` is clingo's, not wirelog's",
            ),
            (
                "h(N) :- #count { X : p(X) } = N.",
                "E111 8..14 `#count`: `#count { ... }` is clingo's, not wirelog's",
            ),
            (
                "h(Y) :- p(X), Y is X + 1.",
                "E111 16..18 `is`: `is` (arithmetic) is Prolog's, not wirelog's",
            ),
            (
                "h(X) :- p(X), X \\= a.",
                "E111 16..18 `\\=`: `\\=` is Prolog's, not wirelog's",
            ),
            (
                "#show p/1.",
                "E111 0..5 `#show`: `#show` is clingo's, not wirelog's",
            ),
            // A Soufflé line takes its line only: the next line is read.
            (
                ".decl edge(x: number, y: number)\nedge(a, b).",
                "edge(a, b).\nE111 0..5 `.decl`: `.decl` is Soufflé's, not wirelog's",
            ),
            (
                ".input edge\n.output path\np(a).",
                "p(a).\nE111 0..6 `.input`: `.input` is Soufflé's, not wirelog's\nE111 12..19 `.output`: `.output` is Soufflé's, not wirelog's",
            ),
            (
                ":- dynamic p/1.\np(a).",
                "p(a).\nE111 0..2 `:-`: a `:-` directive is Prolog's, not wirelog's",
            ),
        ];
        for (input, expected) in cases {
            check(input, expected);
        }
    }

    #[test]
    fn errors() {
        let cases: &[(&str, &str)] = &[
            // Lattice arguments only in a head, one per head.
            (
                "h(X) :- d(X, min D).",
                "E113 13..18 `min D`: a lattice argument (`min` or `max`) may only be an argument of a rule head",
            ),
            (
                "?- d(X, max D).",
                "E113 8..13 `max D`: a lattice argument (`min` or `max`) may only be an argument of a rule head",
            ),
            (
                "d(X, min D, max E) :- e(X, D, E).",
                "E113 12..17 `max E`: a head may have only one lattice argument (`min` or `max`)",
            ),
            // Citation patterns and directives.
            (
                "?- p(X) @ a.",
                "E101 10..11 `a`: expected the article after `@`: a variable, `_` or a string, found symbol `a`",
            ),
            (
                "?- p(X) @ A : 3.",
                "E101 14..15 `3`: expected the quote after `:`: a variable, `_` or a string, found number `3`",
            ),
            (
                "#import \"a.csv\" as p(integer).",
                "E101 21..28 `integer`: expected a column type: `symbol`, `string`, `int` or `date`, found symbol `integer`",
            ),
            (
                "#import \"a.csv\" p(int).",
                "E101 16..17 `p`: expected `as` and the predicate after the file, found symbol `p`",
            ),
            (
                "#import \"a.csv\" as p(int) headers.",
                "E101 26..33 `headers`: expected `.` (or the option `header`) after the columns, found symbol `headers`",
            ),
            (
                "#articles news.",
                "E101 10..14 `news`: expected a folder as a string after `#articles`, found symbol `news`",
            ),
            (
                "#export \"p\" \"a.csv\".",
                "E101 8..11 `\"p\"`: expected the predicate to export after `#export`, found string `\"p\"`",
            ),
            (
                "#exports p \"a.csv\".",
                "E101 0..8 `#exports`: expected a fact, a rule, a query `?-` or a `#` directive, found `#exports`",
            ),
            // E101, in every position.
            (
                "p(X) :- q(X)).",
                "E101 12..13 `)`: expected `.` or `,` after a body literal, found `)`",
            ),
            (
                "p(a) :- q(a), r(b)",
                "E101 18..18 ``: expected `.` or `,` after a body literal, found end of input",
            ),
            (
                "p(a) :- q(a) r(b).",
                "E101 13..14 `r`: expected `.` or `,` after a body literal, found symbol `r`",
            ),
            (
                "p(a) X.",
                "E101 5..6 `X`: expected `.`, `:-` or a citation `@` after the head, found variable `X`",
            ),
            (
                "p(a.",
                "E101 3..4 `.`: expected `,` or `)` after an argument of `p`, found `.`",
            ),
            (
                "p(,).",
                "E101 2..3 `,`: expected an argument of `p`, found `,`",
            ),
            (
                "p(\u{e9}t\u{e9}).",
                "E101 2..4 `\u{e9}`: expected an argument of `p`, found `\u{e9}`",
            ),
            ("q(b) :- .", "E101 8..9 `.`: expected a literal, found `.`"),
            (
                "?- p(X)",
                "E101 7..7 ``: expected `.` or `,` after a body literal, found end of input",
            ),
            (
                "X :- p(X).",
                "E101 0..1 `X`: expected a fact, a rule, a query `?-` or a `#` directive, found variable `X`",
            ),
            (
                ":- use_module(library(lists)).",
                "E111 0..2 `:-`: a `:-` directive is Prolog's, not wirelog's",
            ),
            (
                "p(1.1234567). p(2025-10-29T25:00Z). p(2025-10-29T10:00).",
                "E112 2..11 `1.1234567`: invalid decimal `1.1234567`: `1.1234567` has more than 6 decimal places\nE112 16..33 `2025-10-29T25:00Z`: invalid datetime `2025-10-29T25:00Z`: `2025-10-29T25:00Z` is not a time of day in a valid zone\nE112 38..54 `2025-10-29T10:00`: invalid datetime `2025-10-29T10:00`: `2025-10-29T10:00` has no zone: add `Z` (UTC) or an offset such as `+03:00`",
            ),
            (
                "58.",
                "E101 0..2 `58`: expected a fact, a rule, a query `?-` or a `#` directive, found number `58`",
            ),
            (
                "\"s\".",
                "E101 0..3 `\"s\"`: expected a fact, a rule, a query `?-` or a `#` directive, found string `\"s\"`",
            ),
            (
                "#foo.",
                "E101 0..4 `#foo`: expected a fact, a rule, a query `?-` or a `#` directive, found `#foo`",
            ),
            (
                "\u{1}.",
                "E101 0..1 `\u{1}`: expected a fact, a rule, a query `?-` or a `#` directive, found character `\\u{1}`",
            ),
            (
                "`.",
                "E101 0..1 ```: expected a fact, a rule, a query `?-` or a `#` directive, found a backtick",
            ),
            (
                "#include foo.",
                "E101 9..12 `foo`: expected a path string or `<news>` after `#include`, found symbol `foo`",
            ),
            (
                "#include <news",
                "E101 14..14 ``: expected `>` after `<news`, found end of input",
            ),
            (
                "#include <>.",
                "E101 10..11 `>`: expected a library name after `<`, found `>`",
            ),
            (
                "#include \"a\" p.",
                "E101 13..14 `p`: expected `.` after the included file, found symbol `p`",
            ),
            (
                "p(X) :- X = 3 +.",
                "E101 15..16 `.`: expected a term after `+`, found `.`",
            ),
            (
                "p(X) :- X = .",
                "E101 12..13 `.`: expected a term after `=`, found `.`",
            ),
            (
                "p(X) :- X == 3.",
                "E101 10..12 `==`: expected a comparison operator (write `=`), found `==`",
            ),
            (
                "p(X) :- X =< 3.",
                "E101 10..12 `=<`: expected a comparison operator (write `<=`), found `=<`",
            ),
            (
                "p(X) :- X <> 3.",
                "E101 10..12 `<>`: expected a comparison operator (write `!=`), found `<>`",
            ),
            (
                "p(X) :- X.",
                "E101 9..10 `.`: expected a comparison operator (`=`, `!=`, `<`, `<=`, `>`, `>=`), found `.`",
            ),
            (
                "p(X) :- not X = 3.",
                "E101 12..13 `X`: expected an atom or a test after `not`, found variable `X`",
            ),
            (
                "p(X) :- not len(X).",
                "E101 12..15 `len`: expected an atom or a test after `not`, found built-in function `len`",
            ),
            (
                "p(a) :- Foo(X).",
                "E101 8..11 `Foo`: expected a literal (predicate names start with a lowercase letter), found variable `Foo`",
            ),
            (
                "p(X) :- X = (1, 2).",
                "E101 14..15 `,`: expected `)` to close the parenthesis, found `,`",
            ),
            (
                "p(X) :- X = ().",
                "E101 13..14 `)`: expected a term after `(`, found `)`",
            ),
            (
                "p(X) :- q(X) :- r(X).",
                "E101 13..15 `:-`: expected `.` or `,` after a body literal, found `:-`",
            ),
            (
                "p(X) :- N = count { q(X) }.",
                "E101 18..19 `{`: expected `:` or the terms to count after `count`, found `{`",
            ),
            (
                "p(X) :- N = count : q(X).",
                "E101 20..21 `q`: expected `{` to open the body of the aggregate, found symbol `q`",
            ),
            (
                "p(X) :- N = count : { q(X) .",
                "E101 27..28 `.`: expected `,` or `}` after a literal in an aggregate, found `.`",
            ),
            (
                "p(X) :- N = sum : { q(X) }.",
                "E101 16..17 `:`: expected the term to aggregate after `sum`, found `:`",
            ),
            (
                "p(X) :- N = sum X { q(X) }.",
                "E101 18..19 `{`: expected `:` after the term of `sum`, found `{`",
            ),
            (
                "p(X) :- N = count : { }.",
                "E101 22..23 `}`: expected a literal, found `}`",
            ),
            (
                "p(a) @ 002: \"x\".",
                "E101 7..10 `002`: expected the article as a string after `@`, found number `002`",
            ),
            (
                "p(a) @ \"002\" \"x\".",
                "E101 13..16 `\"x\"`: expected `:` between the article and the quote, found string `\"x\"`",
            ),
            (
                "p(a) @ \"002\": x.",
                "E101 14..15 `x`: expected the quote as a string after `:`, found symbol `x`",
            ),
            (
                "p(a) @ \"002\": \"x\" q.",
                "E101 18..19 `q`: expected `.` or another citation `@` after a citation, found symbol `q`",
            ),
            (
                "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa(X) bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.",
                "E101 50..99 `bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb`: expected `.`, `:-` or a citation `@` after the head, found symbol `bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb…`",
            ),
            (
                "p(X) :- N = count(X).",
                "E101 20..21 `.`: expected `:` after the terms of `count`, found `.`",
            ),
            // E102 and E103: strings.
            (
                "p(\"abc).",
                "E102 2..3 `\"`: unterminated string: no closing `\"` on this line",
            ),
            (
                "p(\"a\\\nb\").",
                "E102 2..3 `\"`: unterminated string: no closing `\"` on this line",
            ),
            (
                "p(\"a\\qb\").",
                "E103 4..6 `\\q`: unknown escape `\\q` in a string",
            ),
            (
                "p(\"a\\\u{e9}\").",
                "E103 4..7 `\\\u{e9}`: unknown escape `\\\u{e9}` in a string",
            ),
            (
                "p(\"a\\",
                "E102 2..3 `\"`: unterminated string: no closing `\"` on this line",
            ),
            // E104: integers.
            (
                "p(9223372036854775808).",
                "E104 2..21 `9223372036854775808`: integer `9223372036854775808` does not fit in 64 bits",
            ),
            (
                "p(-9223372036854775809).",
                "E104 2..22 `-9223372036854775809`: integer `-9223372036854775809` does not fit in 64 bits",
            ),
            // E105: dates.
            (
                "p(2025-02-30).",
                "E105 2..12 `2025-02-30`: invalid date `2025-02-30`: there is no 30 February 2025",
            ),
            (
                "p(2023-02-29).",
                "E105 2..12 `2023-02-29`: invalid date `2023-02-29`: there is no 29 February 2023",
            ),
            (
                "p(2025-04-31).",
                "E105 2..12 `2025-04-31`: invalid date `2025-04-31`: there is no 31 April 2025",
            ),
            (
                "p(2025-13-01).",
                "E105 2..12 `2025-13-01`: invalid date `2025-13-01`: there is no month 13",
            ),
            (
                "p(2025-00-10).",
                "E105 2..12 `2025-00-10`: invalid date `2025-00-10`: there is no month 0",
            ),
            (
                "p(2025-01-00).",
                "E105 2..12 `2025-01-00`: invalid date `2025-01-00`: there is no day 0",
            ),
            (
                "p(0000-01-01).",
                "E105 2..12 `0000-01-01`: invalid date `0000-01-01`: there is no year 0",
            ),
            ("p(2024-02-29).", "p(2024-02-29)."),
            // E106: a value-giving built-in alone.
            (
                "p(S) :- q(S), len(S).",
                "E106 14..20 `len(S)`: `len(...)` cannot stand alone as a literal: it gives a value, use it in a comparison",
            ),
            // E107: an atom used as a term.
            (
                "p(X) :- X = foo(1).",
                "E107 12..15 `foo`: unknown function `foo`: an atom cannot be used as a term",
            ),
            (
                "p(q(a)).",
                "E107 2..3 `q`: unknown function `q`: an atom cannot be used as a term",
            ),
            // E108: reserved predicate names.
            (
                "len(x).",
                "E108 0..3 `len`: `len` is a built-in function and cannot name a predicate",
            ),
            (
                "not(a).",
                "E108 0..3 `not`: `not` is a keyword and cannot name a predicate",
            ),
            // E109: aggregate results.
            (
                "p :- X < count : { q }.",
                "E109 5..14 `X < count`: the result of `count` must be a variable bound with `=`, as in `N = count ...`",
            ),
            (
                "p :- _ = sum X : { q(X) }.",
                "E109 5..12 `_ = sum`: the result of `sum` must be a variable bound with `=`, as in `N = sum ...`",
            ),
            // E110: nesting.
            (
                &format!("p(X) :- X = {}1{}.", "(".repeat(201), ")".repeat(201)),
                "E110 212..213 `(`: nesting deeper than 200 levels",
            ),
        ];
        for (input, expected) in cases {
            check(input, expected);
        }
    }

    #[test]
    fn nesting_up_to_the_limit_is_accepted() {
        let parens = format!("p(X) :- X = {}1{}.", "(".repeat(200), ")".repeat(200));
        check(&parens, "p(X) :- X = 1.");
        let calls = format!("p(X) :- X = {}S{}.", "len(".repeat(200), ")".repeat(200));
        let (program, errors) = parse_program(SourceId(0), &calls);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(print_program(&program).trim_end(), calls);
        let chain = format!("p(X) :- X = 1{}.", " + 1".repeat(200));
        check(&chain, &chain);
        let too_long = format!("p(X) :- X = 1{}.\nq(a).", " + 1".repeat(201));
        let (program, errors) = parse_program(SourceId(0), &too_long);
        assert_eq!(program.items.len(), 1);
        assert!(matches!(
            errors.as_slice(),
            [SyntaxError::NestingTooDeep { .. }]
        ));
        let aggregates = format!(
            "p(X) :- {}q(X){}.",
            "N = count : { ".repeat(201),
            " }".repeat(201)
        );
        let (_, errors) = parse_program(SourceId(0), &aggregates);
        let span = errors.first().map(SyntaxError::span).unwrap_or_default();
        assert_eq!(&aggregates[span.range()], "count");
    }

    #[test]
    fn every_broken_clause_is_reported_and_good_items_kept() {
        check(
            "p(X) :- q(X)).\np(a.\nq(b) :- .\nr(c).\n?- r(X).",
            "r(c).
?- r(X).
E101 12..13 `)`: expected `.` or `,` after a body literal, found `)`
E101 18..19 `.`: expected `,` or `)` after an argument of `p`, found `.`
E101 28..29 `.`: expected a literal, found `.`",
        );
        check(
            "p(2025-02-30). ok(1). p(99999999999999999999). p(\"a\\qb\"). p(\"abc\nq(d).",
            "ok(1).
q(d).
E105 2..12 `2025-02-30`: invalid date `2025-02-30`: there is no 30 February 2025
E104 24..44 `99999999999999999999`: integer `99999999999999999999` does not fit in 64 bits
E103 51..53 `\\q`: unknown escape `\\q` in a string
E102 60..61 `\"`: unterminated string: no closing `\"` on this line",
        );
        // A period inside a string or a comment does not end the broken clause.
        check(
            "p(\"a.b\" ) :- q(\"x. y\" ] % no. stop\n. r(z).",
            "r(z).\nE101 22..23 `]`: expected `,` or `)` after an argument of `q`, found `]`",
        );
        // A missing `.` before a clause that starts in column one loses nothing.
        check(
            "p(a)\nq(b).\n?- q(X)\n?- p(X).",
            "q(b).
?- p(X).
E101 5..6 `q`: expected `.`, `:-` or a citation `@` after the head, found symbol `q`
E101 19..21 `?-`: expected `.` or `,` after a body literal, found `?-`",
        );
        // An indented continuation line is not taken for a new clause.
        check(
            "p(X) :- q(X)\n  r(X).\ns(a).",
            "s(a).\nE101 15..16 `r`: expected `.` or `,` after a body literal, found symbol `r`",
        );
        // A multi-line string attempt is one error, not a cascade.
        check(
            "p(\"first line\nsecond line\").\nq(a).",
            "q(a).\nE102 2..3 `\"`: unterminated string: no closing `\"` on this line",
        );
    }

    #[test]
    fn spans_cover_what_the_ast_says() {
        let text = "%% doc\n%% more\np(X, \"s\") :- not q(X), N = count : { r(X) }, X < 3 + 4.\n?- p(A, B).\n#include <news>.";
        let (program, errors) = parse_program(SourceId(7), text);
        assert!(errors.is_empty());
        let snippets: Vec<&str> = program
            .items
            .iter()
            .map(|item| {
                let span = item.span();
                assert_eq!(span.source, SourceId(7));
                &text[span.range()]
            })
            .collect();
        assert_eq!(
            snippets,
            [
                "%% doc\n%% more",
                "p(X, \"s\") :- not q(X), N = count : { r(X) }, X < 3 + 4.",
                "?- p(A, B).",
                "#include <news>.",
            ]
        );
        let Some(ast::Item::Clause(clause)) = program.items.get(1) else {
            panic!("expected a clause");
        };
        let literals: Vec<&str> = clause
            .body
            .iter()
            .map(|literal| &text[literal.span().range()])
            .collect();
        assert_eq!(literals, ["not q(X)", "N = count : { r(X) }", "X < 3 + 4"]);
        assert_eq!(&text[clause.head.span.range()], "p(X, \"s\")");
        assert_eq!(&text[clause.head.args[1].span().range()], "\"s\"");
        let fact = "m(a)\n    @ \"002\": \"quote\".";
        let (program, _) = parse_program(SourceId(0), fact);
        let Some(ast::Item::Clause(clause)) = program.items.first() else {
            panic!("expected a clause");
        };
        let citation = &clause.citations[0];
        assert_eq!(&fact[citation.span.range()], "@ \"002\": \"quote\"");
        assert_eq!(&fact[citation.article.span.range()], "\"002\"");
        assert_eq!(citation.quote.value, "quote");
    }

    #[test]
    fn diagnostics_carry_code_message_and_span() {
        let (_, errors) = parse_program(SourceId(0), "p(a)");
        let diagnostic = errors[0].to_diagnostic();
        assert_eq!(diagnostic.code, Code::E101);
        assert_eq!(
            diagnostic.message,
            "expected `.`, `:-` or a citation `@` after the head, found end of input"
        );
        assert_eq!(
            diagnostic.primary_span(),
            Some(Span::new(SourceId(0), 4, 4))
        );
        assert!(diagnostic.is_error());
        assert!(!diagnostic.notes.is_empty());
    }

    #[test]
    fn nasty_inputs_do_not_panic() {
        let long_line = "p(a). ".repeat(200_000);
        let inputs = [
            "\"".to_string(),
            "\u{0}".to_string(),
            "(".repeat(100_000),
            ")".repeat(1000),
            format!("p(X) :- X = {}", "(".repeat(100_000)),
            format!("?- {}", "not ".repeat(10_000)),
            "a".repeat(1 << 20),
            "%%".repeat(1000),
            "p(\"\\".to_string(),
            "p(X) :- N = count : {".to_string(),
            "#include <".to_string(),
            "@ @ @".to_string(),
            "p(a) @".to_string(),
            "2025-99-99".to_string(),
            "-".to_string(),
            String::from_utf8_lossy(&(0..=255u8).collect::<Vec<u8>>()).into_owned(),
        ];
        for input in inputs.iter().chain(std::iter::once(&long_line)) {
            let (program, errors) = parse_program(SourceId(0), input);
            for error in &errors {
                let span = error.span();
                assert!(span.start <= span.end && span.end as usize <= input.len());
                assert!(
                    input.get(span.range()).is_some(),
                    "span not on a char boundary"
                );
            }
            let _ = print_program(&program);
        }
        let (program, errors) = parse_program(SourceId(0), &long_line);
        assert!(errors.is_empty());
        assert_eq!(program.items.len(), 200_000);
    }
}
