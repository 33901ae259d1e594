//! Prints the surface tree back as source text, for `:rules`, `:save` and round-trip tests.
//!
//! Owns the canonical layout of each construct: one space after commas and
//! around operators, the fewest parentheses that keep the tree, citations on
//! their own indented lines. What it prints parses back to the same tree
//! (spans aside); it never checks that the tree makes sense.

use std::fmt::{self, Display, Formatter, Write};

use super::ast;
use crate::value::write_quoted;

/// Prints a whole program, one item per line, doc blocks preceded by a blank line.
///
/// ```
/// use wirelog::syntax::{parse_program, print::print_program}; use wirelog::span::SourceId;
/// let (program, _) = parse_program(SourceId(0), "p(X):-q(X,Y),not r(Y).");
/// assert_eq!(print_program(&program), "p(X) :- q(X, Y), not r(Y).\n");
/// ```
pub fn print_program(program: &ast::Program) -> String {
    let mut text = String::new();
    for (index, item) in program.items.iter().enumerate() {
        // Two doc blocks in a row would merge into one without a blank line.
        if index > 0 && matches!(item, ast::Item::Doc(_)) {
            text.push('\n');
        }
        // Writing to a String cannot fail.
        let _ = writeln!(text, "{item}");
    }
    text
}

/// Writes `items` separated by `, `.
fn write_separated<T: Display>(formatter: &mut Formatter<'_>, items: &[T]) -> fmt::Result {
    for (index, item) in items.iter().enumerate() {
        if index > 0 {
            formatter.write_str(", ")?;
        }
        write!(formatter, "{item}")?;
    }
    Ok(())
}

impl Display for ast::Constant {
    fn fmt(&self, formatter: &mut Formatter<'_>) -> fmt::Result {
        self.value.fmt(formatter)
    }
}

impl Display for ast::StringLiteral {
    fn fmt(&self, formatter: &mut Formatter<'_>) -> fmt::Result {
        write_quoted(formatter, &self.value)
    }
}

impl Display for ast::Ident {
    fn fmt(&self, formatter: &mut Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.name)
    }
}

/// How tightly a term binds: `+ -` is 1, `* / mod` is 2, anything else 3.
fn precedence(term: &ast::Term) -> u8 {
    match term {
        ast::Term::Binary {
            op: ast::ArithOp::Add | ast::ArithOp::Sub,
            ..
        } => 1,
        ast::Term::Binary { .. } => 2,
        _ => 3,
    }
}

impl Display for ast::Term {
    /// Parenthesises an operand only where the tree needs it: a looser left
    /// operand, or a right operand that is not tighter (operators are left associative).
    fn fmt(&self, formatter: &mut Formatter<'_>) -> fmt::Result {
        match self {
            ast::Term::Variable(ident) => formatter.write_str(&ident.name),
            ast::Term::Anonymous(_) => formatter.write_char('_'),
            ast::Term::Constant(constant) => constant.value.fmt(formatter),
            ast::Term::Call(call) => call.fmt(formatter),
            ast::Term::Binary { op, lhs, rhs, .. } => {
                let own = precedence(self);
                if precedence(lhs) < own {
                    write!(formatter, "({lhs})")?;
                } else {
                    write!(formatter, "{lhs}")?;
                }
                write!(formatter, " {} ", op.symbol())?;
                if precedence(rhs) <= own {
                    write!(formatter, "({rhs})")
                } else {
                    write!(formatter, "{rhs}")
                }
            }
        }
    }
}

impl Display for ast::Call {
    /// `len(S)`; a negated test `not contains(S, "x")`.
    fn fmt(&self, formatter: &mut Formatter<'_>) -> fmt::Result {
        if let ("not", [test]) = (self.function.name.as_str(), self.args.as_slice()) {
            return write!(formatter, "not {test}");
        }
        write!(formatter, "{}(", self.function.name)?;
        write_separated(formatter, &self.args)?;
        formatter.write_char(')')
    }
}

impl Display for ast::Atom {
    /// `p(a, B)`, or `p` for a predicate without arguments; then its
    /// citation pattern, `@ A` or `@ A : Q`, if it has one.
    fn fmt(&self, formatter: &mut Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.predicate.name)?;
        if !self.args.is_empty() {
            formatter.write_char('(')?;
            write_separated(formatter, &self.args)?;
            formatter.write_char(')')?;
        }
        if let Some(pattern) = &self.citation {
            write!(formatter, " {pattern}")?;
        }
        Ok(())
    }
}

impl Display for ast::CitationPattern {
    /// `@ A` or `@ A : Q`
    fn fmt(&self, formatter: &mut Formatter<'_>) -> fmt::Result {
        write!(formatter, "@ {}", self.article)?;
        if let Some(quote) = &self.quote {
            write!(formatter, " : {quote}")?;
        }
        Ok(())
    }
}

impl Display for ast::Comparison {
    fn fmt(&self, formatter: &mut Formatter<'_>) -> fmt::Result {
        write!(formatter, "{} {} {}", self.lhs, self.op.symbol(), self.rhs)
    }
}

impl Display for ast::Aggregate {
    /// `N = count : { p(X) }` or `S = sum K : { q(K) }`.
    fn fmt(&self, formatter: &mut Formatter<'_>) -> fmt::Result {
        write!(
            formatter,
            "{} = {}",
            self.result.name,
            self.function.keyword()
        )?;
        if let Some(value) = &self.value {
            write!(formatter, " {value}")?;
        }
        if !self.projection.is_empty() {
            formatter.write_char(' ')?;
            write_separated(formatter, &self.projection)?;
        }
        formatter.write_str(" : { ")?;
        write_separated(formatter, &self.body)?;
        formatter.write_str(" }")
    }
}

impl Display for ast::Literal {
    fn fmt(&self, formatter: &mut Formatter<'_>) -> fmt::Result {
        match self {
            ast::Literal::Positive(atom) => atom.fmt(formatter),
            ast::Literal::Negative { atom, .. } => write!(formatter, "not {atom}"),
            ast::Literal::Comparison(comparison) => comparison.fmt(formatter),
            ast::Literal::Builtin(call) => call.fmt(formatter),
            ast::Literal::Aggregate(aggregate) => aggregate.fmt(formatter),
        }
    }
}

impl Display for ast::Citation {
    /// `@ "002": "quote"`
    fn fmt(&self, formatter: &mut Formatter<'_>) -> fmt::Result {
        write!(formatter, "@ {}: {}", self.article, self.quote)
    }
}

impl Display for ast::Clause {
    /// `head.`, `head :- body.`, or a fact with one citation per indented line:
    /// `head\n    @ "002": "quote".`
    fn fmt(&self, formatter: &mut Formatter<'_>) -> fmt::Result {
        match self.lattice {
            Some(lattice) if !self.head.args.is_empty() => {
                formatter.write_str(&self.head.predicate.name)?;
                formatter.write_char('(')?;
                for (position, arg) in self.head.args.iter().enumerate() {
                    if position > 0 {
                        formatter.write_str(", ")?;
                    }
                    if position == lattice.position {
                        write!(formatter, "{} ", lattice.function.keyword())?;
                    }
                    write!(formatter, "{arg}")?;
                }
                formatter.write_char(')')?;
            }
            _ => write!(formatter, "{}", self.head)?,
        }
        for citation in &self.citations {
            write!(formatter, "\n    {citation}")?;
        }
        if !self.body.is_empty() {
            formatter.write_str(" :- ")?;
            write_separated(formatter, &self.body)?;
        }
        formatter.write_char('.')
    }
}

impl Display for ast::Query {
    /// `?- body.`
    fn fmt(&self, formatter: &mut Formatter<'_>) -> fmt::Result {
        formatter.write_str("?- ")?;
        write_separated(formatter, &self.body)?;
        formatter.write_char('.')
    }
}

/// `:- body.`
pub fn write_constraint(formatter: &mut impl fmt::Write, constraint: &ast::Query) -> fmt::Result {
    formatter.write_str(":- ")?;
    for (index, literal) in constraint.body.iter().enumerate() {
        if index > 0 {
            formatter.write_str(", ")?;
        }
        write!(formatter, "{literal}")?;
    }
    formatter.write_char('.')
}

impl Display for ast::Include {
    /// `#include "path".` or `#include <news>.`
    fn fmt(&self, formatter: &mut Formatter<'_>) -> fmt::Result {
        formatter.write_str("#include ")?;
        match &self.target {
            ast::IncludeTarget::Path(path) => write_quoted(formatter, path)?,
            ast::IncludeTarget::Bundled(name) => write!(formatter, "<{name}>")?,
        }
        formatter.write_char('.')
    }
}

impl Display for ast::DocBlock {
    /// One `%% line` per line.
    fn fmt(&self, formatter: &mut Formatter<'_>) -> fmt::Result {
        for (index, line) in self.lines.iter().enumerate() {
            if index > 0 {
                formatter.write_char('\n')?;
            }
            if line.is_empty() {
                formatter.write_str("%%")?;
            } else {
                write!(formatter, "%% {line}")?;
            }
        }
        Ok(())
    }
}

impl Display for ast::FactRun {
    /// One fact per line, `name(v1, v2).`, printed from the table.
    fn fmt(&self, formatter: &mut Formatter<'_>) -> fmt::Result {
        for (index, row) in self.rows.clone().enumerate() {
            if index > 0 {
                formatter.write_char('\n')?;
            }
            formatter.write_str(&self.table.fact_text(row))?;
        }
        Ok(())
    }
}

impl Display for ast::ArticlesDirective {
    /// `#articles "dir".`
    fn fmt(&self, formatter: &mut Formatter<'_>) -> fmt::Result {
        write!(formatter, "#articles {}.", self.path)
    }
}

impl Display for ast::ImportDirective {
    /// `#import "file.csv" as name(type, ...).`, with ` header` before the `.` when set.
    fn fmt(&self, formatter: &mut Formatter<'_>) -> fmt::Result {
        write!(formatter, "#import {} as {}(", self.path, self.predicate)?;
        let types: Vec<&str> = self.columns.iter().map(|column| column.name()).collect();
        formatter.write_str(&types.join(", "))?;
        formatter.write_char(')')?;
        if self.header {
            formatter.write_str(" header")?;
        }
        formatter.write_char('.')
    }
}

impl Display for ast::ExportDirective {
    /// `#export name "file.csv".`
    fn fmt(&self, formatter: &mut Formatter<'_>) -> fmt::Result {
        write!(formatter, "#export {} {}.", self.predicate, self.path)
    }
}

impl Display for ast::Item {
    fn fmt(&self, formatter: &mut Formatter<'_>) -> fmt::Result {
        match self {
            ast::Item::Clause(clause) => clause.fmt(formatter),
            ast::Item::Query(query) => query.fmt(formatter),
            ast::Item::Constraint(constraint) => write_constraint(formatter, constraint),
            ast::Item::Include(include) => include.fmt(formatter),
            ast::Item::Doc(doc) => doc.fmt(formatter),
            ast::Item::Facts(run) => run.fmt(formatter),
            ast::Item::Articles(directive) => directive.fmt(formatter),
            ast::Item::Import(directive) => directive.fmt(formatter),
            ast::Item::Export(directive) => directive.fmt(formatter),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::{SourceId, Span};
    use crate::syntax::parse_program;
    use crate::value::{Date, Value};
    use proptest::prelude::*;

    /// Words the parser reads as keywords or built-in functions in some
    /// position; generated names avoid them so that every tree prints unambiguously.
    const RESERVED: &[&str] = &[
        "not",
        "mod",
        "count",
        "sum",
        "min",
        "max",
        "avg",
        "mean",
        "len",
        "concat",
        "lower",
        "upper",
        "contains",
        "year",
        "month",
        "day",
        "weekday",
        "starts_with",
        "ends_with",
        "substr",
        "replace",
        "split",
        "match",
        "capture",
        "to_number",
        "to_string",
        "to_date",
        "hour",
        "minute",
        "hours_between",
        "minutes_between",
        "abs",
        "pow",
        "round",
    ];

    fn ident(name: String) -> ast::Ident {
        ast::Ident {
            name,
            span: Span::default(),
        }
    }

    fn lower_name() -> impl Strategy<Value = String> {
        "[a-z][a-zA-Z0-9_]{0,6}".prop_filter("reserved", |name| !RESERVED.contains(&name.as_str()))
    }

    fn variable_name() -> impl Strategy<Value = String> {
        prop_oneof!["[A-Z][a-zA-Z0-9_]{0,5}", "_[a-zA-Z0-9_]{1,5}"]
    }

    /// Any string, or one made of the characters printing must escape or keep apart.
    fn string_value() -> impl Strategy<Value = String> {
        prop_oneof![any::<String>(), "[a\"\\\\\n\t\r é%.@:]{0,12}"]
    }

    fn constant_value() -> impl Strategy<Value = Value> {
        prop_oneof![
            any::<i64>().prop_map(Value::Integer),
            (1i32..=9999, 1u32..=12, 1u32..=31)
                .prop_filter_map("not a date", |(year, month, day)| {
                    Date::new(year, month, day).map(Value::Date)
                }),
            lower_name().prop_map(Value::Symbol),
            string_value().prop_map(Value::String),
        ]
    }

    fn term() -> impl Strategy<Value = ast::Term> {
        let leaf = prop_oneof![
            variable_name().prop_map(|name| ast::Term::Variable(ident(name))),
            Just(ast::Term::Anonymous(Span::default())),
            constant_value().prop_map(|value| ast::Term::Constant(ast::Constant {
                value,
                span: Span::default()
            })),
        ];
        leaf.prop_recursive(4, 24, 3, |inner| {
            let op = prop_oneof![
                Just(ast::ArithOp::Add),
                Just(ast::ArithOp::Sub),
                Just(ast::ArithOp::Mul),
                Just(ast::ArithOp::Div),
                Just(ast::ArithOp::Mod),
            ];
            prop_oneof![
                (op, inner.clone(), inner.clone()).prop_map(|(op, lhs, rhs)| ast::Term::Binary {
                    op,
                    lhs: Box::new(lhs),
                    rhs: Box::new(rhs),
                    span: Span::default(),
                }),
                (
                    proptest::sample::select(crate::syntax::lexer::BUILTIN_FUNCTIONS),
                    proptest::collection::vec(inner, 0..3)
                )
                    .prop_map(|(name, args)| ast::Term::Call(call(name, args))),
            ]
        })
    }

    fn call(name: &str, args: Vec<ast::Term>) -> ast::Call {
        ast::Call {
            function: ident(name.to_string()),
            args,
            span: Span::default(),
        }
    }

    fn atom() -> impl Strategy<Value = ast::Atom> {
        (lower_name(), proptest::collection::vec(term(), 0..4)).prop_map(|(name, args)| ast::Atom {
            predicate: ident(name),
            args,
            span: Span::default(),
            citation: None,
        })
    }

    /// A variable, `_` or a string: what a citation pattern holds.
    fn pattern_term() -> impl Strategy<Value = ast::Term> {
        prop_oneof![
            variable_name().prop_map(|name| ast::Term::Variable(ident(name))),
            Just(ast::Term::Anonymous(Span::default())),
            string_value().prop_map(|value| ast::Term::Constant(ast::Constant {
                value: Value::String(value),
                span: Span::default()
            })),
        ]
    }

    /// A body atom, with a citation pattern one time in three.
    fn body_atom() -> impl Strategy<Value = ast::Atom> {
        let pattern =
            (pattern_term(), proptest::option::of(pattern_term())).prop_map(|(article, quote)| {
                Box::new(ast::CitationPattern {
                    article,
                    quote,
                    span: Span::default(),
                })
            });
        (atom(), proptest::option::weighted(0.3, pattern)).prop_map(|(mut atom, citation)| {
            atom.citation = citation;
            atom
        })
    }

    fn literal() -> impl Strategy<Value = ast::Literal> {
        let compare_op = prop_oneof![
            Just(ast::CompareOp::Eq),
            Just(ast::CompareOp::Ne),
            Just(ast::CompareOp::Lt),
            Just(ast::CompareOp::Le),
            Just(ast::CompareOp::Gt),
            Just(ast::CompareOp::Ge),
        ];
        let flat = prop_oneof![
            body_atom().prop_map(ast::Literal::Positive),
            body_atom().prop_map(|atom| ast::Literal::Negative {
                atom,
                span: Span::default()
            }),
            (term(), compare_op, term()).prop_map(|(lhs, op, rhs)| {
                ast::Literal::Comparison(ast::Comparison {
                    lhs,
                    op,
                    rhs,
                    span: Span::default(),
                })
            }),
            (term(), term())
                .prop_map(|(text, part)| ast::Literal::Builtin(call("contains", vec![text, part]))),
        ];
        flat.prop_recursive(2, 8, 3, |inner| {
            let function = prop_oneof![
                Just(ast::AggregateFunction::Count),
                Just(ast::AggregateFunction::Sum),
                Just(ast::AggregateFunction::Min),
                Just(ast::AggregateFunction::Max),
                Just(ast::AggregateFunction::Avg),
            ];
            (
                variable_name(),
                function,
                term(),
                proptest::collection::vec(inner, 1..3),
                any::<bool>(),
            )
                .prop_map(|(result, function, value, body, projected)| {
                    let counts = function == ast::AggregateFunction::Count;
                    ast::Literal::Aggregate(ast::Aggregate {
                        result: ident(result),
                        function,
                        projection: if counts && projected {
                            vec![value.clone()]
                        } else {
                            Vec::new()
                        },
                        value: (!counts).then_some(value),
                        body,
                        span: Span::default(),
                    })
                })
        })
    }

    fn string_literal() -> impl Strategy<Value = ast::StringLiteral> {
        string_value().prop_map(|value| ast::StringLiteral {
            value,
            span: Span::default(),
        })
    }

    fn item() -> impl Strategy<Value = ast::Item> {
        let citation =
            (string_literal(), string_literal()).prop_map(|(article, quote)| ast::Citation {
                article,
                quote,
                span: Span::default(),
            });
        let clause = (
            atom(),
            proptest::collection::vec(literal(), 0..4),
            proptest::collection::vec(citation, 0..3),
        )
            .prop_map(|(head, body, citations)| {
                ast::Item::Clause(ast::Clause {
                    head,
                    lattice: None,
                    body,
                    citations,
                    span: Span::default(),
                })
            });
        let query = proptest::collection::vec(literal(), 1..4).prop_map(|body| {
            ast::Item::Query(ast::Query {
                body,
                span: Span::default(),
            })
        });
        let include = prop_oneof![
            string_value().prop_map(ast::IncludeTarget::Path),
            "[a-z][a-z0-9_]{0,8}".prop_map(ast::IncludeTarget::Bundled),
        ]
        .prop_map(|target| {
            ast::Item::Include(ast::Include {
                target,
                span: Span::default(),
            })
        });
        // The parser trims a doc line's trailing whitespace and cannot see line breaks in it.
        let doc_line =
            "[^\n\r]{0,20}".prop_filter("trailing whitespace", |line| line.trim_end() == line);
        let doc = proptest::collection::vec(doc_line, 1..4).prop_map(|lines| {
            ast::Item::Doc(ast::DocBlock {
                lines,
                span: Span::default(),
            })
        });
        let articles = string_literal().prop_map(|path| {
            ast::Item::Articles(ast::ArticlesDirective {
                path,
                span: Span::default(),
            })
        });
        let column = prop_oneof![
            Just(crate::table::ColumnType::Symbol),
            Just(crate::table::ColumnType::String),
            Just(crate::table::ColumnType::Int),
            Just(crate::table::ColumnType::Date),
        ];
        let import = (
            string_literal(),
            lower_name(),
            proptest::collection::vec(column, 1..4),
            any::<bool>(),
        )
            .prop_map(|(path, name, columns, header)| {
                ast::Item::Import(ast::ImportDirective {
                    path,
                    predicate: ident(name),
                    columns,
                    header,
                    span: Span::default(),
                })
            });
        let export = (lower_name(), string_literal()).prop_map(|(name, path)| {
            ast::Item::Export(ast::ExportDirective {
                predicate: ident(name),
                path,
                span: Span::default(),
            })
        });
        prop_oneof![
            4 => clause,
            2 => query,
            1 => include,
            1 => doc,
            1 => articles,
            1 => import,
            1 => export
        ]
    }

    /// The tree's debug form with every span left out, so that trees parsed
    /// from different texts compare by structure and values only (value kinds
    /// included: a symbol and a string of the same text differ).
    fn without_spans(program: &ast::Program) -> String {
        let text = format!("{program:?}");
        let mut out = String::with_capacity(text.len());
        let mut rest = text.as_str();
        while let Some(start) = rest.find("Span { source: ") {
            out.push_str(&rest[..start]);
            out.push_str("Span");
            rest = rest[start..]
                .find(" }")
                .map_or("", |end| &rest[start + end + 2..]);
        }
        out.push_str(rest);
        out
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn printed_programs_parse_back_to_the_same_tree(items in proptest::collection::vec(item(), 0..6)) {
            let program = ast::Program { items };
            let text = print_program(&program);
            let (parsed, errors) = parse_program(SourceId(0), &text);
            prop_assert!(errors.is_empty(), "errors {:?} in\n{}", errors, text);
            prop_assert_eq!(without_spans(&parsed), without_spans(&program), "text:\n{}", text);
        }
    }

    fn check(input: &str, expected: &str) {
        let (program, errors) = parse_program(SourceId(0), input);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(print_program(&program), expected, "input: {input:?}");
    }

    #[test]
    fn layout() {
        let cases = [
            (
                "p(X):-q(X,Y),not r(Y),X!=Y.",
                "p(X) :- q(X, Y), not r(Y), X != Y.\n",
            ),
            (
                "p(\"a\\\"b\\\\c\\nd\\te\").",
                "p(\"a\\\"b\\\\c\\nd\\te\").\n",
            ),
            (
                "p(X) :- X = (1+2)*(3-4) mod 5, Y = 1-(2+3).",
                "p(X) :- X = (1 + 2) * (3 - 4) mod 5, Y = 1 - (2 + 3).\n",
            ),
            (
                "p(S) :- S = sum (K + 1) * 2 : { q(K) }.",
                "p(S) :- S = sum (K + 1) * 2 : { q(K) }.\n",
            ),
            (
                "m(a) @\"002\":\"q\" @ \"003\" : \"r\" .",
                "m(a)\n    @ \"002\": \"q\"\n    @ \"003\": \"r\".\n",
            ),
            (
                "#include\"x.dl\".#include < news >.",
                "#include \"x.dl\".\n#include <news>.\n",
            ),
            ("%% a\n%% b\n\n%% c\np.", "%% a\n%% b\n\n%% c\np.\n"),
            ("p(2025-01-05, -7, d, _).", "p(2025-01-05, -7, d, _).\n"),
        ];
        for (input, expected) in cases {
            check(input, expected);
        }
    }

    #[test]
    fn constants_display_as_written() {
        let date = Date::new(2025, 10, 29).map_or(Value::Integer(0), Value::Date);
        assert_eq!(date.to_string(), "2025-10-29");
        assert_eq!(Value::Integer(-3).to_string(), "-3");
        assert_eq!(Value::Symbol("qatar".into()).to_string(), "qatar");
        assert_eq!(
            Value::String("Khawaja \"Asif\"\n".into()).to_string(),
            "\"Khawaja \\\"Asif\\\"\\n\""
        );
    }
}
