//! A naive bottom-up Datalog evaluator, small enough to be obviously correct.
//!
//! It knows nothing of wirelog: programs are built from its own types, and
//! `print` writes them in wirelog's syntax. Evaluation applies every rule of
//! a level to the whole database until nothing changes, level by level;
//! bodies are matched by nested loops over all tuples. A lattice predicate
//! (`p(X, min D)`) keeps after every rule only the best tuple of each key.

use std::collections::BTreeSet;
use std::fmt::Write as _;

/// A term of an atom or comparison.
#[derive(Clone, Debug)]
pub enum Term {
    /// Variable number `n`, printed `Vn`.
    Var(usize),
    /// An integer constant.
    Const(i64),
    /// `_`
    Anonymous,
}

/// A comparison operator.
#[derive(Clone, Copy, Debug)]
pub enum CompareOp {
    /// `=`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
}

/// A body literal.
#[derive(Clone, Debug)]
pub enum Literal {
    /// `p(terms)`
    Positive(usize, Vec<Term>),
    /// `not p(terms)`
    Negative(usize, Vec<Term>),
    /// `lhs op rhs`
    Compare(CompareOp, Term, Term),
    /// `V = count : { p(terms) }`, binding variable `result`.
    Count(usize, usize, Vec<Term>),
    /// `p(terms) @ A : Q` over a base predicate: one match per citation of
    /// a matching fact. `A` and `Q` are article and quote numbers (see
    /// [`ARTICLES`] and [`QUOTES`]); a constant article is printed as a
    /// prefix of the article's id, and a quote `_` is left out (`@ A`).
    Cited(usize, Vec<Term>, Term, Term),
    /// `V = count Va, Vb : { p(terms) }`: distinct values of the projected
    /// variables among the matches.
    CountDistinct(usize, Vec<usize>, usize, Vec<Term>),
    /// `Vh = avg Vk : { p(terms) }, V = round(Vh)`: the mean of `Vk` over the
    /// distinct matches, rounded half away from zero (`result`, `helper`,
    /// the value variable, the atom); no value over no match.
    RoundedAverage(usize, usize, usize, usize, Vec<Term>),
    /// `V = f(a, b)` for a two-place number function.
    Function(usize, Function, Term, Term),
    /// `V = a + b`.
    Sum(usize, Term, Term),
}

/// A lattice argument of a predicate's rule heads: `p(X, min D)` keeps,
/// for each value of the other columns, the least (or greatest) `D`.
#[derive(Clone, Copy, Debug)]
pub struct Lattice {
    /// The predicate.
    pub predicate: usize,
    /// The kept column.
    pub column: usize,
    /// True for `min`, false for `max`.
    pub least: bool,
}

/// The number functions the generator uses.
#[derive(Clone, Copy, Debug)]
pub enum Function {
    /// `min(a, b)`
    Min,
    /// `max(a, b)`
    Max,
    /// `abs(a - b)`
    AbsDifference,
    /// `pow(a, 2) mod 5` (`b` unused): bounded, so recursion through it ends.
    SquareMod,
}

/// The ids of the articles citations name, by number (in a collection the
/// test writes; their shared text holds every quote).
pub const ARTICLES: [&str; 3] = ["art0_news", "art1_news", "art2_news"];
/// The quotes, by number.
pub const QUOTES: [&str; 3] = ["alpha", "beta gamma", "delta"];
/// The text of every article.
pub const ARTICLE_TEXT: &str = "alpha beta gamma delta.";

/// `head :- body.`
#[derive(Clone, Debug)]
pub struct Rule {
    /// Head predicate and its terms (variables bound by the body, or constants).
    pub head: (usize, Vec<Term>),
    /// Body literals; positive atoms first, so a left-to-right reading is safe.
    pub body: Vec<Literal>,
}

/// A whole program.
#[derive(Clone, Debug, Default)]
pub struct Program {
    /// Predicates: (name, arity, level). A rule of level `l` reads levels `<= l`
    /// positively and levels `< l` under negation or counting.
    pub predicates: Vec<(String, usize, usize)>,
    /// Base facts.
    pub facts: Vec<(usize, Vec<i64>)>,
    /// The citations of each base fact, as (article, quote) numbers, when
    /// the program has any (`facts[i]` has `citations[i]`).
    pub citations: Vec<Vec<(i64, i64)>>,
    /// Base predicates whose facts are read from a CSV file rather than
    /// written as facts: `#import "{folder}/{name}.csv"`.
    pub imported: Vec<usize>,
    /// Rules.
    pub rules: Vec<Rule>,
    /// Integrity constraints `:- body.`: the program is rejected when one has a match.
    pub constraints: Vec<Vec<Literal>>,
    /// The lattice predicates: every rule of one marks its column.
    pub lattices: Vec<Lattice>,
}

/// A tuple of integers.
pub type Tuple = Vec<i64>;

impl Program {
    /// The program in wirelog's syntax, with one query `?- p(V0, ..).` per predicate.
    pub fn print(&self) -> String {
        self.print_with(None)
    }

    /// The program in wirelog's syntax; with `folder`, the articles there
    /// (`#articles`) and the imported predicates read from CSV files in it
    /// (which [`Program::write_data`] writes).
    pub fn print_with(&self, folder: Option<&str>) -> String {
        let mut out = String::new();
        if let Some(folder) = folder {
            let _ = writeln!(out, "#articles \"{folder}/articles\".");
            for &predicate in &self.imported {
                let (name, arity, _) = &self.predicates[predicate];
                let types = vec!["int"; *arity].join(", ");
                let _ = writeln!(out, "#import \"{folder}/{name}.csv\" as {name}({types}).");
            }
        }
        for (index, (predicate, values)) in self.facts.iter().enumerate() {
            if folder.is_some() && self.imported.contains(predicate) {
                continue;
            }
            let args: Vec<String> = values.iter().map(i64::to_string).collect();
            let citations: String = self
                .citations
                .get(index)
                .into_iter()
                .flatten()
                .map(|&(article, quote)| {
                    format!(
                        " @ \"{}\": \"{}\"",
                        ARTICLES[article as usize], QUOTES[quote as usize]
                    )
                })
                .collect();
            let _ = writeln!(
                out,
                "{}({}){citations}.",
                self.predicates[*predicate].0,
                args.join(", ")
            );
        }
        for rule in &self.rules {
            let body: Vec<String> = rule
                .body
                .iter()
                .map(|literal| self.print_literal(literal))
                .collect();
            let _ = writeln!(
                out,
                "{} :- {}.",
                self.print_head(rule.head.0, &rule.head.1),
                body.join(", ")
            );
        }
        for constraint in &self.constraints {
            let body: Vec<String> = constraint
                .iter()
                .map(|literal| self.print_literal(literal))
                .collect();
            let _ = writeln!(out, ":- {}.", body.join(", "));
        }
        for (index, (_, arity, _)) in self.predicates.iter().enumerate() {
            let args: Vec<Term> = (0..*arity).map(Term::Var).collect();
            let _ = writeln!(out, "?- {}.", self.print_atom(index, &args));
        }
        out
    }

    #[allow(dead_code)] // used by tests/differential.rs, not by tests/dataflow.rs
    /// Writes the articles and the CSV files of the imported predicates in `folder`.
    pub fn write_data(&self, folder: &std::path::Path) -> std::io::Result<()> {
        let articles = folder.join("articles");
        std::fs::create_dir_all(&articles)?;
        for id in ARTICLES {
            std::fs::write(articles.join(format!("{id}.txt")), ARTICLE_TEXT)?;
        }
        for &predicate in &self.imported {
            let mut text = String::new();
            for (_, values) in self.facts.iter().filter(|(p, _)| *p == predicate) {
                let cells: Vec<String> = values.iter().map(i64::to_string).collect();
                let _ = writeln!(text, "{}", cells.join(","));
            }
            let name = &self.predicates[predicate].0;
            std::fs::write(folder.join(format!("{name}.csv")), text)?;
        }
        Ok(())
    }

    /// A rule head: an atom, with `min`/`max` before a lattice column.
    fn print_head(&self, predicate: usize, terms: &[Term]) -> String {
        let lattice = self.lattice_of(predicate);
        let args: Vec<String> = terms
            .iter()
            .enumerate()
            .map(|(column, term)| match lattice {
                Some(lattice) if lattice.column == column => {
                    let keyword = if lattice.least { "min" } else { "max" };
                    format!("{keyword} {}", print_term(term))
                }
                _ => print_term(term),
            })
            .collect();
        format!("{}({})", self.predicates[predicate].0, args.join(", "))
    }

    fn lattice_of(&self, predicate: usize) -> Option<Lattice> {
        self.lattices
            .iter()
            .copied()
            .find(|lattice| lattice.predicate == predicate)
    }

    /// Keeps, in a lattice predicate's relation, only the tuple with the
    /// best value of each key (the other columns).
    fn keep_best(&self, predicate: usize, relation: &mut BTreeSet<Tuple>) {
        let Some(lattice) = self.lattice_of(predicate) else {
            return;
        };
        let mut best: std::collections::BTreeMap<Tuple, i64> = std::collections::BTreeMap::new();
        for tuple in relation.iter() {
            let mut key = tuple.clone();
            let value = key.remove(lattice.column);
            let slot = best.entry(key).or_insert(value);
            if (lattice.least && value < *slot) || (!lattice.least && value > *slot) {
                *slot = value;
            }
        }
        relation.retain(|tuple| {
            let mut key = tuple.clone();
            let value = key.remove(lattice.column);
            best.get(&key) == Some(&value)
        });
    }

    fn print_atom(&self, predicate: usize, terms: &[Term]) -> String {
        let args: Vec<String> = terms.iter().map(print_term).collect();
        format!("{}({})", self.predicates[predicate].0, args.join(", "))
    }

    fn print_literal(&self, literal: &Literal) -> String {
        match literal {
            Literal::Positive(predicate, terms) => self.print_atom(*predicate, terms),
            Literal::Negative(predicate, terms) => {
                format!("not {}", self.print_atom(*predicate, terms))
            }
            Literal::Compare(op, lhs, rhs) => {
                let op = match op {
                    CompareOp::Eq => "=",
                    CompareOp::Ne => "!=",
                    CompareOp::Lt => "<",
                    CompareOp::Le => "<=",
                };
                format!("{} {op} {}", print_term(lhs), print_term(rhs))
            }
            Literal::Count(result, predicate, terms) => {
                format!(
                    "V{result} = count : {{ {} }}",
                    self.print_atom(*predicate, terms)
                )
            }
            Literal::Cited(predicate, terms, article, quote) => {
                let article = match article {
                    Term::Const(number) => format!("\"art{number}\""),
                    other => print_term(other),
                };
                let atom = self.print_atom(*predicate, terms);
                match quote {
                    Term::Anonymous => format!("{atom} @ {article}"),
                    Term::Const(number) => {
                        format!("{atom} @ {article} : \"{}\"", QUOTES[*number as usize])
                    }
                    other => format!("{atom} @ {article} : {}", print_term(other)),
                }
            }
            Literal::CountDistinct(result, projection, predicate, terms) => {
                let projected: Vec<String> =
                    projection.iter().map(|var| format!("V{var}")).collect();
                format!(
                    "V{result} = count {} : {{ {} }}",
                    projected.join(", "),
                    self.print_atom(*predicate, terms)
                )
            }
            Literal::RoundedAverage(result, helper, value, predicate, terms) => format!(
                "V{helper} = avg V{value} : {{ {} }}, V{result} = round(V{helper})",
                self.print_atom(*predicate, terms)
            ),
            Literal::Function(result, function, lhs, rhs) => {
                let (lhs, rhs) = (print_term(lhs), print_term(rhs));
                match function {
                    Function::Min => format!("V{result} = min({lhs}, {rhs})"),
                    Function::Max => format!("V{result} = max({lhs}, {rhs})"),
                    Function::AbsDifference => format!("V{result} = abs({lhs} - {rhs})"),
                    Function::SquareMod => format!("V{result} = pow({lhs}, 2) mod 5"),
                }
            }
            Literal::Sum(result, lhs, rhs) => {
                format!("V{result} = {} + {}", print_term(lhs), print_term(rhs))
            }
        }
    }

    #[allow(dead_code)] // used by tests/differential.rs and tests/dataflow.rs, not tests/engines.rs
    /// True when some integrity constraint has a match in `database`.
    pub fn violates_constraints(&self, database: &[BTreeSet<Tuple>]) -> bool {
        self.constraints
            .iter()
            .any(|body| !self.matches(body, database).is_empty())
    }

    /// Evaluates the program; returns every predicate's relation.
    pub fn evaluate(&self) -> Vec<BTreeSet<Tuple>> {
        let mut database: Vec<BTreeSet<Tuple>> = vec![BTreeSet::new(); self.predicates.len()];
        for (predicate, values) in &self.facts {
            database[*predicate].insert(values.clone());
        }
        for (predicate, relation) in database.iter_mut().enumerate() {
            self.keep_best(predicate, relation);
        }
        let max_level = self.predicates.iter().map(|p| p.2).max().unwrap_or(0);
        for level in 0..=max_level {
            loop {
                let mut changed = false;
                for rule in self
                    .rules
                    .iter()
                    .filter(|rule| self.predicates[rule.head.0].2 == level)
                {
                    // A lattice relation changes when a key gets a better
                    // value, not when a worse one is derived and dropped.
                    let before = self
                        .lattice_of(rule.head.0)
                        .map(|_| database[rule.head.0].clone());
                    for binding in self.matches(&rule.body, &database) {
                        let tuple: Tuple = rule
                            .head
                            .1
                            .iter()
                            .map(|term| value(term, &binding))
                            .collect();
                        changed |= database[rule.head.0].insert(tuple) && before.is_none();
                    }
                    if let Some(before) = before {
                        self.keep_best(rule.head.0, &mut database[rule.head.0]);
                        changed |= database[rule.head.0] != before;
                    }
                }
                if !changed {
                    break;
                }
            }
        }
        database
    }

    /// Every binding (variable number → value) satisfying the body.
    fn matches(&self, body: &[Literal], database: &[BTreeSet<Tuple>]) -> Vec<Vec<Option<i64>>> {
        let mut bindings = vec![vec![None; 32]];
        for literal in body {
            let mut next = Vec::new();
            for binding in bindings {
                match literal {
                    Literal::Positive(predicate, terms) => {
                        for tuple in &database[*predicate] {
                            if let Some(extended) = unify(terms, tuple, &binding) {
                                next.push(extended);
                            }
                        }
                    }
                    Literal::Negative(predicate, terms) => {
                        if !database[*predicate]
                            .iter()
                            .any(|tuple| unify(terms, tuple, &binding).is_some())
                        {
                            next.push(binding);
                        }
                    }
                    Literal::Compare(op, lhs, rhs) => {
                        let (a, b) = (value(lhs, &binding), value(rhs, &binding));
                        let holds = match op {
                            CompareOp::Eq => a == b,
                            CompareOp::Ne => a != b,
                            CompareOp::Lt => a < b,
                            CompareOp::Le => a <= b,
                        };
                        if holds {
                            next.push(binding);
                        }
                    }
                    Literal::Count(result, predicate, terms) => {
                        // Distinct matches of the atom, with the variables bound outside fixed.
                        let mut distinct = BTreeSet::new();
                        for tuple in &database[*predicate] {
                            if unify(terms, tuple, &binding).is_some() {
                                distinct.insert(tuple.clone());
                            }
                        }
                        let mut extended = binding;
                        extended[*result] = Some(distinct.len() as i64);
                        next.push(extended);
                    }
                    Literal::Cited(predicate, terms, article, quote) => {
                        for (index, (fact_predicate, tuple)) in self.facts.iter().enumerate() {
                            if fact_predicate != predicate {
                                continue;
                            }
                            let Some(extended) = unify(terms, tuple, &binding) else {
                                continue;
                            };
                            for &(cited_article, cited_quote) in
                                self.citations.get(index).into_iter().flatten()
                            {
                                if let Some(cited) = unify(
                                    &[article.clone(), quote.clone()],
                                    &[cited_article, cited_quote],
                                    &extended,
                                ) {
                                    next.push(cited);
                                }
                            }
                        }
                    }
                    Literal::CountDistinct(result, projection, predicate, terms) => {
                        let mut distinct = BTreeSet::new();
                        for tuple in &database[*predicate] {
                            if let Some(matched) = unify(terms, tuple, &binding) {
                                let projected: Vec<Option<i64>> =
                                    projection.iter().map(|var| matched[*var]).collect();
                                distinct.insert(projected);
                            }
                        }
                        let mut extended = binding;
                        extended[*result] = Some(distinct.len() as i64);
                        next.push(extended);
                    }
                    Literal::RoundedAverage(result, _, value, predicate, terms) => {
                        let mut distinct = BTreeSet::new();
                        for tuple in &database[*predicate] {
                            if let Some(matched) = unify(terms, tuple, &binding) {
                                distinct.insert((tuple.clone(), matched[*value]));
                            }
                        }
                        if distinct.is_empty() {
                            continue;
                        }
                        let sum: i64 = distinct.iter().filter_map(|(_, value)| *value).sum();
                        let count = distinct.len() as i64;
                        // Half away from zero, exactly.
                        let rounded = sum.signum() * ((2 * sum.abs() + count) / (2 * count));
                        let mut extended = binding;
                        extended[*result] = Some(rounded);
                        next.push(extended);
                    }
                    Literal::Sum(result, lhs, rhs) => {
                        let mut extended = binding.clone();
                        extended[*result] = Some(value(lhs, &binding) + value(rhs, &binding));
                        next.push(extended);
                    }
                    Literal::Function(result, function, lhs, rhs) => {
                        let (a, b) = (value(lhs, &binding), value(rhs, &binding));
                        let computed = match function {
                            Function::Min => a.min(b),
                            Function::Max => a.max(b),
                            Function::AbsDifference => (a - b).abs(),
                            Function::SquareMod => (a * a) % 5,
                        };
                        let mut extended = binding;
                        extended[*result] = Some(computed);
                        next.push(extended);
                    }
                }
            }
            bindings = next;
        }
        bindings
    }
}

fn print_term(term: &Term) -> String {
    match term {
        Term::Var(n) => format!("V{n}"),
        Term::Const(value) => value.to_string(),
        Term::Anonymous => "_".to_string(),
    }
}

fn value(term: &Term, binding: &[Option<i64>]) -> i64 {
    match term {
        Term::Var(n) => binding[*n].expect("generator binds every variable it reads"),
        Term::Const(value) => *value,
        Term::Anonymous => unreachable!("no anonymous variable in a head or comparison"),
    }
}

/// Extends `binding` so that `terms` match `tuple`, if possible.
fn unify(terms: &[Term], tuple: &[i64], binding: &[Option<i64>]) -> Option<Vec<Option<i64>>> {
    if terms.len() != tuple.len() {
        return None;
    }
    let mut extended = binding.to_vec();
    for (term, &cell) in terms.iter().zip(tuple) {
        match term {
            Term::Anonymous => {}
            Term::Const(value) if *value == cell => {}
            Term::Const(_) => return None,
            Term::Var(n) => match extended[*n] {
                Some(bound) if bound != cell => return None,
                Some(_) => {}
                None => extended[*n] = Some(cell),
            },
        }
    }
    Some(extended)
}
