//! Prints the surface tree back as source text, for `:rules`, `:save` and round-trip tests.
//!
//! Owns the canonical layout of each construct: one space after commas and
//! around operators, the fewest parentheses that keep the tree, citations on
//! their own indented lines. What it prints parses back to the same tree
//! (spans aside); it never checks that the tree makes sense.

use std::fmt::{self, Display, Formatter, Write};

use super::ast;

/// Prints a whole program, one item per line, doc blocks preceded by a blank line.
///
/// ```
/// use wirelog::syntax::{parse_program, print::print_program, span::SourceId};
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

/// Writes `value` as a string literal, re-applying the escapes.
fn write_quoted(formatter: &mut Formatter<'_>, value: &str) -> fmt::Result {
    formatter.write_char('"')?;
    for character in value.chars() {
        match character {
            '"' => formatter.write_str("\\\"")?,
            '\\' => formatter.write_str("\\\\")?,
            '\n' => formatter.write_str("\\n")?,
            '\t' => formatter.write_str("\\t")?,
            other => formatter.write_char(other)?,
        }
    }
    formatter.write_char('"')
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

impl Display for ast::ConstantValue {
    /// Symbols bare, strings quoted and escaped, integers in decimal, dates in ISO form.
    fn fmt(&self, formatter: &mut Formatter<'_>) -> fmt::Result {
        match self {
            ast::ConstantValue::Integer(value) => write!(formatter, "{value}"),
            ast::ConstantValue::Date(date) => write!(formatter, "{date}"),
            ast::ConstantValue::Symbol(name) => formatter.write_str(name),
            ast::ConstantValue::String(value) => write_quoted(formatter, value),
        }
    }
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
    fn fmt(&self, formatter: &mut Formatter<'_>) -> fmt::Result {
        write!(formatter, "{}(", self.function.name)?;
        write_separated(formatter, &self.args)?;
        formatter.write_char(')')
    }
}

impl Display for ast::Atom {
    /// `p(a, B)`, or `p` for a predicate without arguments.
    fn fmt(&self, formatter: &mut Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.predicate.name)?;
        if !self.args.is_empty() {
            formatter.write_char('(')?;
            write_separated(formatter, &self.args)?;
            formatter.write_char(')')?;
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
        write!(formatter, "{}", self.head)?;
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

impl Display for ast::Item {
    fn fmt(&self, formatter: &mut Formatter<'_>) -> fmt::Result {
        match self {
            ast::Item::Clause(clause) => clause.fmt(formatter),
            ast::Item::Query(query) => query.fmt(formatter),
            ast::Item::Include(include) => include.fmt(formatter),
            ast::Item::Doc(doc) => doc.fmt(formatter),
        }
    }
}
