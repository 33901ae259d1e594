//! The surface syntax tree, exactly as written.
//!
//! Every node keeps its `Span`. This module holds no types, ids or semantic
//! checks: `analysis` turns it into the checked `ir`. The doc comment of each
//! node shows the syntax it stands for.

use super::span::Span;
use serde::Serialize;

/// One parsed text: its items in source order.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Program {
    /// Clauses, queries, includes and doc blocks, in order.
    pub items: Vec<Item>,
}

/// A top-level item.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum Item {
    /// `head.` or `head :- body.`, facts possibly with citations.
    Clause(Clause),
    /// `?- body.`
    Query(Query),
    /// `#include "file.dl".` or `#include <news>.`
    Include(Include),
    /// A block of consecutive `%%` lines documenting the next predicate.
    Doc(DocBlock),
}

/// `head :- literal, literal.` or the fact `head @ "002": "quote".`
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Clause {
    /// The derived atom.
    pub head: Atom,
    /// Empty for a fact.
    pub body: Vec<Literal>,
    /// `@ "article": "quote"` annotations (facts only).
    pub citations: Vec<Citation>,
    /// From the head to the final `.` inclusive.
    pub span: Span,
}

impl Clause {
    /// True when the clause has no body.
    pub fn is_fact(&self) -> bool {
        self.body.is_empty()
    }
}

/// `@ "002": "negotiations mediated by Qatar and Türkiye"`
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Citation {
    /// Seed file name or an unambiguous prefix of it.
    pub article: StringLiteral,
    /// A verbatim quote from the article.
    pub quote: StringLiteral,
    /// From `@` to the end of the quote.
    pub span: Span,
}

/// A string as written, already unescaped.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StringLiteral {
    /// The unescaped text.
    pub value: String,
    /// Including the quotation marks.
    pub span: Span,
}

/// `?- mediates(M, T), not agreed(T).`
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Query {
    /// The conjunction asked.
    pub body: Vec<Literal>,
    /// From `?-` to the final `.` inclusive.
    pub span: Span,
}

/// `#include "other.dl".` or `#include <news>.`
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Include {
    /// What is included.
    pub target: IncludeTarget,
    /// The whole directive.
    pub span: Span,
}

/// The two kinds of include.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum IncludeTarget {
    /// `"path"`, relative to the including file.
    Path(String),
    /// `<name>`, a bundled library (only `news` exists).
    Bundled(String),
}

/// Consecutive `%%` lines, text after the `%%` with one leading space trimmed.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DocBlock {
    /// One entry per line.
    pub lines: Vec<String>,
    /// All the lines.
    pub span: Span,
}

/// A name as written: predicate, function or variable.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Ident {
    /// The text.
    pub name: String,
    /// Where it is.
    pub span: Span,
}

/// `mediates(qatar, T)`; a predicate with no arguments is written `done` or `done()`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Atom {
    /// Predicate name.
    pub predicate: Ident,
    /// Arguments.
    pub args: Vec<Term>,
    /// Name through closing parenthesis.
    pub span: Span,
}

/// One conjunct of a body.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum Literal {
    /// `p(X, Y)`
    Positive(Atom),
    /// `not p(X, _)`; the span covers `not` too.
    Negative {
        /// The negated atom.
        atom: Atom,
        /// From `not` to the end of the atom.
        span: Span,
    },
    /// `X < Y`, `Z = X + 1`, `L = len(S)`
    Comparison(Comparison),
    /// `contains(S, "talks")` standing alone as a filter.
    Builtin(Call),
    /// `N = count : { p(X, _) }`, `S = sum K : { q(K) }`
    Aggregate(Aggregate),
}

impl Literal {
    /// The span of the whole literal.
    pub fn span(&self) -> Span {
        match self {
            Literal::Positive(atom) => atom.span,
            Literal::Negative { span, .. } => *span,
            Literal::Comparison(comparison) => comparison.span,
            Literal::Builtin(call) => call.span,
            Literal::Aggregate(aggregate) => aggregate.span,
        }
    }
}

/// `lhs op rhs`
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Comparison {
    /// Left operand.
    pub lhs: Term,
    /// The operator.
    pub op: CompareOp,
    /// Right operand.
    pub rhs: Term,
    /// Both operands.
    pub span: Span,
}

/// `= != < <= > >=`
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum CompareOp {
    /// `=`: equality, or binding when one side is an unbound variable.
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

impl CompareOp {
    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            CompareOp::Eq => "=",
            CompareOp::Ne => "!=",
            CompareOp::Lt => "<",
            CompareOp::Le => "<=",
            CompareOp::Gt => ">",
            CompareOp::Ge => ">=",
        }
    }
}

/// `N = count : { p(X), q(X, Y) }` or `S = sum K : { q(K) }`
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Aggregate {
    /// The variable receiving the result (`N`).
    pub result: Ident,
    /// `count`, `sum`, `min` or `max`.
    pub function: AggregateFunction,
    /// The aggregated term (`K` in `sum K`); `None` for `count`.
    pub value: Option<Term>,
    /// The literals inside the braces.
    pub body: Vec<Literal>,
    /// From the result variable to the closing brace.
    pub span: Span,
}

/// The four aggregate functions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum AggregateFunction {
    /// Number of distinct matches of the body.
    Count,
    /// Sum of the value over distinct matches of the body.
    Sum,
    /// Smallest value.
    Min,
    /// Largest value.
    Max,
}

impl AggregateFunction {
    /// The keyword as written.
    pub fn keyword(self) -> &'static str {
        match self {
            AggregateFunction::Count => "count",
            AggregateFunction::Sum => "sum",
            AggregateFunction::Min => "min",
            AggregateFunction::Max => "max",
        }
    }
}

/// A term: variable, constant, arithmetic or function call.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum Term {
    /// `X`, `Talks`, `_Who` (a named variable; `_Who` is simply not shown in answers).
    Variable(Ident),
    /// `_`: each occurrence is a fresh variable.
    Anonymous(Span),
    /// `qatar`, `"Khawaja Asif"`, `58`, `2025-10-29`
    Constant(Constant),
    /// `X + 1`, `D - 7`, `X mod 2`
    Binary {
        /// The operator.
        op: ArithOp,
        /// Left operand.
        lhs: Box<Term>,
        /// Right operand.
        rhs: Box<Term>,
        /// Both operands.
        span: Span,
    },
    /// `len(S)`, `concat(A, B)`, `weekday(D)`
    Call(Call),
}

impl Term {
    /// The span of the whole term.
    pub fn span(&self) -> Span {
        match self {
            Term::Variable(ident) => ident.span,
            Term::Anonymous(span) => *span,
            Term::Constant(constant) => constant.span,
            Term::Binary { span, .. } => *span,
            Term::Call(call) => call.span,
        }
    }
}

/// `+ - * / mod`
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum ArithOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/` (integer division, truncating)
    Div,
    /// `mod`
    Mod,
}

impl ArithOp {
    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            ArithOp::Add => "+",
            ArithOp::Sub => "-",
            ArithOp::Mul => "*",
            ArithOp::Div => "/",
            ArithOp::Mod => "mod",
        }
    }
}

/// `name(arg, ...)` for a built-in function.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Call {
    /// `len`, `concat`, `lower`, `upper`, `contains`, `year`, `month`, `day`, `weekday`.
    pub function: Ident,
    /// Arguments.
    pub args: Vec<Term>,
    /// Name through closing parenthesis.
    pub span: Span,
}

/// The names parsed as built-in function calls rather than atoms.
pub const BUILTIN_FUNCTIONS: &[&str] = &[
    "len", "concat", "lower", "upper", "contains", "year", "month", "day", "weekday",
];

/// A constant and where it is written.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Constant {
    /// The value.
    pub value: ConstantValue,
    /// As written (for strings, including the quotes).
    pub span: Span,
}

/// The four kinds of constant.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum ConstantValue {
    /// `58`, `-3`
    Integer(i64),
    /// `2025-10-29`, validated by the parser.
    Date(Date),
    /// `qatar`
    Symbol(String),
    /// `"Khawaja Asif"`, unescaped.
    String(String),
}

/// A valid proleptic Gregorian calendar date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Date {
    /// Year, 1..=9999 as written with four digits.
    pub year: i32,
    /// Month 1..=12.
    pub month: u32,
    /// Day 1..=31, valid for the month.
    pub day: u32,
}

impl Date {
    /// A date if `year-month-day` exists in the calendar.
    pub fn new(year: i32, month: u32, day: u32) -> Option<Date> {
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        Some(Date { year, month, day })
    }

    /// Days since 1970-01-01 (negative before).
    pub fn to_days(self) -> i64 {
        // Howard Hinnant's days_from_civil: exact for the proleptic Gregorian calendar.
        let year = i64::from(self.year) - i64::from(self.month <= 2);
        let era = year.div_euclid(400);
        let year_of_era = year - era * 400;
        let month = i64::from(self.month);
        let day_of_year =
            (153 * (month + if month > 2 { -3 } else { 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
        era * 146_097 + day_of_era - 719_468
    }

    /// The date `days` after 1970-01-01, if its year is within 1..=9999.
    pub fn from_days(days: i64) -> Option<Date> {
        let days = days.checked_add(719_468)?;
        let era = days.div_euclid(146_097);
        let day_of_era = days - era * 146_097;
        let year_of_era =
            (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
        let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
        let month_index = (5 * day_of_year + 2) / 153;
        let day = day_of_year - (153 * month_index + 2) / 5 + 1;
        let month = if month_index < 10 {
            month_index + 3
        } else {
            month_index - 9
        };
        let year = year_of_era + era * 400 + i64::from(month <= 2);
        if !(1..=9999).contains(&year) {
            return None;
        }
        Date::new(
            i32::try_from(year).ok()?,
            u32::try_from(month).ok()?,
            u32::try_from(day).ok()?,
        )
    }

    /// English weekday name in lowercase, e.g. `wednesday`.
    pub fn weekday(self) -> &'static str {
        const NAMES: [&str; 7] = [
            "thursday",
            "friday",
            "saturday",
            "sunday",
            "monday",
            "tuesday",
            "wednesday",
        ];
        NAMES[self.to_days().rem_euclid(7) as usize]
    }
}

impl std::fmt::Display for Date {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            formatter,
            "{:04}-{:02}-{:02}",
            self.year, self.month, self.day
        )
    }
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_validate_and_round_trip() {
        assert!(Date::new(2025, 2, 30).is_none());
        assert!(Date::new(2024, 2, 29).is_some());
        assert!(Date::new(2025, 2, 29).is_none());
        assert!(Date::new(2000, 2, 29).is_some());
        assert!(Date::new(1900, 2, 29).is_none());
        let date = Date::new(2025, 10, 29).unwrap();
        assert_eq!(Date::from_days(date.to_days()), Some(date));
        assert_eq!(Date::new(1970, 1, 1).unwrap().to_days(), 0);
        assert_eq!(date.weekday(), "wednesday");
        for days in -719_000..2_900_000i64 {
            if days % 997 == 0 {
                let date = Date::from_days(days).unwrap();
                assert_eq!(date.to_days(), days);
            }
        }
    }
}
