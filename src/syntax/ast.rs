//! The surface syntax tree, exactly as written.
//!
//! Every node keeps its `Span`. This module holds no types, ids or semantic
//! checks: `analysis` turns it into the checked `ir`. The doc comment of each
//! node shows the syntax it stands for.

use crate::span::Span;
use crate::table::{ColumnType, FactTable};
use crate::value::Value;
use serde::Serialize;
use std::ops::Range;
use std::sync::Arc;

/// One parsed text: its items in source order.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Program {
    /// Clauses, queries, directives and doc blocks, in order.
    pub items: Vec<Item>,
}

/// A top-level item.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum Item {
    /// `head.` or `head :- body.`, facts possibly with citations.
    Clause(Clause),
    /// `?- body.`
    Query(Query),
    /// `:- body.`: an integrity constraint, violated by every match of its body.
    Constraint(Query),
    /// `#include "file.dl".` or `#include <news>.`
    Include(Include),
    /// A block of consecutive `%%` lines documenting the next predicate.
    Doc(DocBlock),
    /// Consecutive plain facts of one predicate (`edge(1, 2). edge(2, 3).`),
    /// kept in a fact table rather than a tree per fact; also the rows an
    /// `#import` read, placed right after it by whoever read the file.
    Facts(FactRun),
    /// `#articles "dir".`
    Articles(ArticlesDirective),
    /// `#import "file.csv" as name(type, ...).`
    Import(ImportDirective),
    /// `#export name "file.csv".`
    Export(ExportDirective),
}

impl Item {
    /// Where the item is written (for a run of facts, its first fact).
    pub fn span(&self) -> Span {
        match self {
            Item::Clause(clause) => clause.span,
            Item::Query(query) | Item::Constraint(query) => query.span,
            Item::Include(include) => include.span,
            Item::Doc(doc) => doc.span,
            Item::Facts(run) => run.span,
            Item::Articles(directive) => directive.span,
            Item::Import(directive) => directive.span,
            Item::Export(directive) => directive.span,
        }
    }
}

/// Rows `rows` of a fact table: plain facts written one after another, or
/// the rows of an imported file.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FactRun {
    /// The table (shared by every run of its predicate in one text).
    pub table: Arc<FactTable>,
    /// Which of its rows, in order.
    pub rows: Range<usize>,
    /// The head of the first fact (`edge(1, 2)`), or the imported
    /// predicate's name in its directive: where the run is reported.
    pub span: Span,
}

/// `#articles "dir".`: a folder of articles citations may quote.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ArticlesDirective {
    /// The folder, relative to the file naming it.
    pub path: StringLiteral,
    /// The whole directive.
    pub span: Span,
}

/// `#import "people.csv" as person(symbol, string, int) header.`
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ImportDirective {
    /// The file (`.csv`, `.tsv` or `.jsonl`), relative to the file naming it.
    pub path: StringLiteral,
    /// The predicate its rows become facts of.
    pub predicate: Ident,
    /// The type of each column.
    pub columns: Vec<ColumnType>,
    /// True when the file's first row is a header, skipped.
    pub header: bool,
    /// The whole directive.
    pub span: Span,
}

/// `#export mediates "mediates.csv".`
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ExportDirective {
    /// The relation written.
    pub predicate: Ident,
    /// The file (`.csv`, `.tsv` or `.jsonl`), relative to `--output-dir` or
    /// the current folder.
    pub path: StringLiteral,
    /// The whole directive.
    pub span: Span,
}

/// `head :- literal, literal.` or the fact `head @ "002": "quote".`; a head
/// may mark one argument as a lattice argument: `dist(X, Y, min D) :- ...`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Clause {
    /// The derived atom (a lattice argument is kept as its plain term).
    pub head: Atom,
    /// `min D` or `max D` in the head: which argument, and how values of
    /// one key are combined.
    pub lattice: Option<LatticeArgument>,
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

/// `min D` or `max D` as a head argument: the predicate keeps, for each
/// value of its other arguments, only the least (`min`) or greatest (`max`)
/// value derived for this one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct LatticeArgument {
    /// Which argument of the head, from 0.
    pub position: usize,
    /// `min` or `max`.
    pub function: LatticeFunction,
    /// From the keyword to the end of the argument.
    pub span: Span,
}

/// How a lattice argument combines the values derived for one key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum LatticeFunction {
    /// Keep the least value.
    Min,
    /// Keep the greatest value.
    Max,
}

impl LatticeFunction {
    /// The keyword as written.
    pub fn keyword(self) -> &'static str {
        match self {
            LatticeFunction::Min => "min",
            LatticeFunction::Max => "max",
        }
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

/// `mediates(qatar, T)`; a predicate with no arguments is written `done` or
/// `done()`. In a body or a query it may be followed by a citation pattern:
/// `mediates(M, T) @ A : Q`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Atom {
    /// Predicate name.
    pub predicate: Ident,
    /// Arguments.
    pub args: Vec<Term>,
    /// Name through closing parenthesis (the citation pattern not included).
    pub span: Span,
    /// `@ A` or `@ A : Q` after a body atom.
    pub citation: Option<Box<CitationPattern>>,
}

impl Atom {
    /// The atom with its citation pattern, if it has one.
    pub fn full_span(&self) -> Span {
        match &self.citation {
            Some(pattern) => self.span.to(pattern.span),
            None => self.span,
        }
    }
}

/// `@ A` or `@ A : Q` after a body atom: for each citation of a matching
/// base fact, `A` is the article's id and `Q` the quote. Each is a
/// variable, `_` or a string (an article id, or a prefix of one).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CitationPattern {
    /// The article.
    pub article: Term,
    /// The quote, when written.
    pub quote: Option<Term>,
    /// From `@` to the end of the pattern.
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
    /// `contains(S, "talks")` standing alone as a test; `not contains(S, "x")`
    /// is a call of `not` whose one argument is the test.
    Builtin(Call),
    /// `N = count : { p(X, _) }`, `S = sum K : { q(K) }`
    Aggregate(Aggregate),
}

impl Literal {
    /// The span of the whole literal.
    pub fn span(&self) -> Span {
        match self {
            Literal::Positive(atom) => atom.full_span(),
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
    /// `X, Y` in `count X, Y : { ... }`: count the distinct values of these.
    pub projection: Vec<Term>,
    /// The literals inside the braces.
    pub body: Vec<Literal>,
    /// From the result variable to the closing brace.
    pub span: Span,
}

/// The aggregate functions.
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
    /// Mean of the value over distinct matches (`avg` or `mean`): a decimal.
    Avg,
}

impl AggregateFunction {
    /// The keyword as written.
    pub fn keyword(self) -> &'static str {
        match self {
            AggregateFunction::Count => "count",
            AggregateFunction::Sum => "sum",
            AggregateFunction::Min => "min",
            AggregateFunction::Max => "max",
            AggregateFunction::Avg => "avg",
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

/// A constant and where it is written.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Constant {
    /// The value.
    pub value: Value,
    /// As written (for strings, including the quotes).
    pub span: Span,
}
