//! A generator of random stratified programs for the differential tests:
//! recursion, mutual recursion (predicates of one level read each other),
//! negation and counting over lower levels, comparisons, constants,
//! repeated variables and wildcards. A seed fixes the whole program.
//!
//! Shared by `tests/differential.rs` and `tests/dataflow.rs`; builds the
//! naive evaluator's `Program`, which prints itself as wirelog text.

use crate::naive::{ARTICLES, CompareOp, Function, Lattice, Literal, Program, QUOTES, Rule, Term};

/// splitmix64: a tiny, good-enough generator so a seed fixes the whole program.
pub struct Random(pub u64);

impl Random {
    /// The next 64 random bits.
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number below `n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// True `percent` times in a hundred.
    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

/// Values range over 0..DOMAIN.
pub const DOMAIN: i64 = 5;
/// The variable a count binds.
pub const COUNT_VAR: usize = 9;
/// The variable a number function binds.
pub const FUNCTION_VAR: usize = 13;
/// The variable a rounded average binds, and the one holding the average.
pub const AVERAGE_VARS: (usize, usize) = (14, 8);

/// The program of `seed`: base predicates `e0..e2`, derived `p0..p3`.
pub fn generate(seed: u64) -> Program {
    let mut random = Random(seed);
    let mut program = Program::default();
    // Level 0: base predicates; levels 1..: derived ones, two sharing level 1 for mutual recursion.
    for (name, level) in [
        ("e0", 0),
        ("e1", 0),
        ("e2", 0),
        ("p0", 1),
        ("p1", 1),
        ("p2", 2),
        ("p3", 3),
    ] {
        let arity = 1 + random.below(if level == 0 { 3 } else { 2 });
        program.predicates.push((name.to_string(), arity, level));
    }
    for predicate in 0..3 {
        let arity = program.predicates[predicate].1;
        for _ in 0..random.below(9) {
            let values = (0..arity)
                .map(|_| random.below(DOMAIN as usize) as i64)
                .collect();
            program.facts.push((predicate, values));
        }
    }
    for head in 3..program.predicates.len() {
        for _ in 0..1 + random.below(3) {
            let rule = generate_rule(&mut random, &program, head);
            program.rules.push(rule);
        }
    }
    if random.chance(15) {
        // An integrity constraint: a selective test on one relation.
        let predicate = random.below(program.predicates.len());
        let arity = program.predicates[predicate].1;
        let terms = (0..arity).map(Term::Var).collect();
        let op = [CompareOp::Eq, CompareOp::Lt, CompareOp::Le][random.below(3)];
        let bound = Term::Const(random.below(DOMAIN as usize) as i64);
        program.constraints.push(vec![
            Literal::Positive(predicate, terms),
            Literal::Compare(op, bound, Term::Var(random.below(arity))),
        ]);
    }
    program
}

/// An aggregate's atom over a lower predicate: outside variables group it,
/// locals `10 + column` range inside; returns the atom's terms and its locals.
fn aggregate_atom(
    random: &mut Random,
    program: &Program,
    lower: &[usize],
    bound: &[usize],
) -> (usize, Vec<Term>, Vec<usize>) {
    let predicate = lower[random.below(lower.len())];
    let mut locals = Vec::new();
    let terms = (0..program.predicates[predicate].1)
        .map(|column| match random.below(3) {
            0 => Term::Var(bound[random.below(bound.len())]),
            1 if column > 0 => Term::Anonymous,
            _ => {
                locals.push(10 + column);
                Term::Var(10 + column)
            }
        })
        .collect();
    (predicate, terms, locals)
}

fn generate_rule(random: &mut Random, program: &Program, head: usize) -> Rule {
    let level = program.predicates[head].2;
    let readable: Vec<usize> = (0..program.predicates.len())
        .filter(|&p| program.predicates[p].2 <= level)
        .collect();
    let lower: Vec<usize> = (0..program.predicates.len())
        .filter(|&p| program.predicates[p].2 < level)
        .collect();
    let mut body = Vec::new();
    let mut bound: Vec<usize> = Vec::new();
    for _ in 0..1 + random.below(3) {
        let predicate = readable[random.below(readable.len())];
        let terms = (0..program.predicates[predicate].1)
            .map(|_| match random.below(10) {
                0 => Term::Const(random.below(DOMAIN as usize) as i64),
                1 => Term::Anonymous,
                _ => {
                    let var = random.below(5);
                    if !bound.contains(&var) {
                        bound.push(var);
                    }
                    Term::Var(var)
                }
            })
            .collect();
        body.push(Literal::Positive(predicate, terms));
    }
    if bound.is_empty() {
        // Give the head something to read.
        let predicate = readable[random.below(readable.len())];
        let terms = (0..program.predicates[predicate].1)
            .map(|column| Term::Var(5 + column))
            .collect();
        bound.extend((0..program.predicates[predicate].1).map(|column| 5 + column));
        body.push(Literal::Positive(predicate, terms));
    }
    let pick_bound =
        |random: &mut Random, bound: &[usize]| Term::Var(bound[random.below(bound.len())]);
    if random.chance(40) {
        let predicate = lower[random.below(lower.len())];
        let terms = (0..program.predicates[predicate].1)
            .map(|_| match random.below(4) {
                0 => Term::Const(random.below(DOMAIN as usize) as i64),
                1 => Term::Anonymous,
                _ => pick_bound(random, &bound),
            })
            .collect();
        body.push(Literal::Negative(predicate, terms));
    }
    if random.chance(40) {
        let op = [CompareOp::Eq, CompareOp::Ne, CompareOp::Lt, CompareOp::Le][random.below(4)];
        let lhs = pick_bound(random, &bound);
        let rhs = if random.chance(50) {
            pick_bound(random, &bound)
        } else {
            Term::Const(random.below(DOMAIN as usize) as i64)
        };
        body.push(Literal::Compare(op, lhs, rhs));
    }
    if random.chance(15) {
        let predicate = lower[random.below(lower.len())];
        let terms = (0..program.predicates[predicate].1)
            .map(|column| match random.below(3) {
                0 => pick_bound(random, &bound),
                1 => Term::Anonymous,
                _ => Term::Var(10 + column),
            })
            .collect();
        body.push(Literal::Count(COUNT_VAR, predicate, terms));
        bound.push(COUNT_VAR);
    }
    if random.chance(15) {
        let function = [
            Function::Min,
            Function::Max,
            Function::AbsDifference,
            Function::SquareMod,
        ][random.below(4)];
        let lhs = pick_bound(random, &bound);
        let rhs = if random.chance(50) {
            pick_bound(random, &bound)
        } else {
            Term::Const(random.below(DOMAIN as usize) as i64)
        };
        body.push(Literal::Function(FUNCTION_VAR, function, lhs, rhs));
        bound.push(FUNCTION_VAR);
    }
    if random.chance(12) && !bound.contains(&COUNT_VAR) {
        let (predicate, terms, locals) = aggregate_atom(random, program, &lower, &bound);
        if !locals.is_empty() {
            let n_projected = 1 + random.below(locals.len());
            let projection = locals[..n_projected].to_vec();
            body.push(Literal::CountDistinct(
                COUNT_VAR, projection, predicate, terms,
            ));
            bound.push(COUNT_VAR);
        }
    }
    if random.chance(12) {
        let (predicate, terms, locals) = aggregate_atom(random, program, &lower, &bound);
        if let Some(&value) = locals.first() {
            let (result, helper) = AVERAGE_VARS;
            body.push(Literal::RoundedAverage(
                result, helper, value, predicate, terms,
            ));
            bound.push(result);
        }
    }
    let head_terms = (0..program.predicates[head].1)
        .map(|_| {
            if random.chance(10) {
                Term::Const(random.below(DOMAIN as usize) as i64)
            } else {
                pick_bound(random, &bound)
            }
        })
        .collect();
    Rule {
        head: (head, head_terms),
        body,
    }
}

#[allow(dead_code)] // used by tests/differential.rs, not by tests/dataflow.rs
/// The program of `seed` with citations: each base fact of `e0` and `e1`
/// cites up to two of the test's articles, `e2` is imported from a CSV file
/// half the time, and rules read citations with `@` (a variable article
/// shared by two `@` literals joins on the article; a constant article is
/// a prefix of its id; the quote is bound, fixed or left out).
pub fn generate_cited(seed: u64) -> Program {
    let mut program = generate(seed);
    let mut random = Random(seed ^ 0x5eed_c17e);
    program.citations = program
        .facts
        .iter()
        .map(|(predicate, _)| {
            if *predicate == 2 {
                return Vec::new();
            }
            (0..random.below(3))
                .map(|_| {
                    (
                        random.below(ARTICLES.len()) as i64,
                        random.below(QUOTES.len()) as i64,
                    )
                })
                .collect()
        })
        .collect();
    if random.chance(50) {
        program.imported.push(2);
    }
    for rule in &mut program.rules {
        if !random.chance(50) {
            continue;
        }
        for _ in 0..1 + random.below(2) {
            let predicate = random.below(3);
            let terms = (0..program.predicates[predicate].1)
                .map(|_| match random.below(4) {
                    0 => Term::Anonymous,
                    1 => Term::Const(random.below(DOMAIN as usize) as i64),
                    // Variables of the rule: a join with the rest of the body.
                    _ => Term::Var(random.below(5)),
                })
                .collect::<Vec<_>>();
            // A cited atom's own variables must be bound by something: it binds them itself.
            let article = match random.below(3) {
                0 => Term::Const(random.below(ARTICLES.len()) as i64),
                1 => Term::Anonymous,
                _ => Term::Var(20 + random.below(2)),
            };
            let quote = match random.below(3) {
                0 => Term::Const(random.below(QUOTES.len()) as i64),
                1 => Term::Anonymous,
                _ => Term::Var(24 + random.below(2)),
            };
            // Before the other literals, so a left-to-right reading stays safe.
            rule.body
                .insert(0, Literal::Cited(predicate, terms, article, quote));
        }
    }
    program
}

#[allow(dead_code)] // used by tests/differential.rs and tests/dataflow.rs, not by every test
/// A program of `seed` with lattice predicates: base `e(X, Y, W)` (a
/// weighted graph, weights `0..DOMAIN`), `s(X, T)` (start times) and
/// `c(X, Y)`; `d(X, Y, min D)` shortest distances (linear or non-linear
/// recursion, perhaps bounded by `D1 < K`, perhaps with facts of its own)
/// or `d(X, Y, max B)` widest paths (`B = min(B1, W)`); `h(X, min T)`
/// earliest arrival from the starts; `q` and `m` read them from a later
/// level (a bound, a negation, a count, a grouped `max` as a lattice head).
/// Weights are never negative, so every fixpoint exists.
pub fn generate_lattice(seed: u64) -> Program {
    let mut random = Random(seed);
    let mut program = Program::default();
    for (name, arity, level) in [
        ("e", 3, 0),
        ("s", 2, 0),
        ("c", 2, 0),
        ("d", 3, 1),
        ("h", 2, 1),
        ("q", 2, 2),
        ("m", 2, 2),
    ] {
        program.predicates.push((name.to_string(), arity, level));
    }
    let value = |random: &mut Random| random.below(DOMAIN as usize) as i64;
    for predicate in 0..3 {
        let arity = program.predicates[predicate].1;
        for _ in 0..random.below(12) {
            let values = (0..arity).map(|_| value(&mut random)).collect();
            program.facts.push((predicate, values));
        }
    }
    let least = random.chance(70);
    let (e, s, c, d, h, q, m) = (0, 1, 2, 3, 4, 5, 6);
    program.lattices.push(Lattice {
        predicate: d,
        column: 2,
        least,
    });
    program.lattices.push(Lattice {
        predicate: h,
        column: 1,
        least: true,
    });
    program.lattices.push(Lattice {
        predicate: m,
        column: 1,
        least: false,
    });
    let var = Term::Var;
    // d(V0, V1, min V2) :- e(V0, V1, V2).
    program.rules.push(Rule {
        head: (d, vec![var(0), var(1), var(2)]),
        body: vec![Literal::Positive(e, vec![var(0), var(1), var(2)])],
    });
    if random.chance(30) {
        for _ in 0..1 + random.below(3) {
            let values = (0..3).map(|_| value(&mut random)).collect();
            program.facts.push((d, values));
        }
    }
    // d(V0, V2, min V5) :- d(V0, V1, V3), e(V1, V2, V4) or d(V1, V2, V4), V5 = ...
    let second = if random.chance(30) { d } else { e };
    let mut body = vec![
        Literal::Positive(d, vec![var(0), var(1), var(3)]),
        Literal::Positive(second, vec![var(1), var(2), var(4)]),
    ];
    if random.chance(30) {
        let bound = Term::Const(1 + value(&mut random));
        body.push(if least {
            Literal::Compare(CompareOp::Lt, var(3), bound)
        } else {
            Literal::Compare(CompareOp::Lt, bound, var(3))
        });
    }
    body.push(if least {
        Literal::Sum(5, var(3), var(4))
    } else {
        Literal::Function(5, Function::Min, var(3), var(4))
    });
    program.rules.push(Rule {
        head: (d, vec![var(0), var(2), var(5)]),
        body,
    });
    // h(V0, min V1) :- s(V0, V1).  h(V2, min V5) :- h(V0, V1), e(V0, V2, V4), V5 = V1 + V4.
    if random.chance(70) {
        program.rules.push(Rule {
            head: (h, vec![var(0), var(1)]),
            body: vec![Literal::Positive(s, vec![var(0), var(1)])],
        });
        program.rules.push(Rule {
            head: (h, vec![var(2), var(5)]),
            body: vec![
                Literal::Positive(h, vec![var(0), var(1)]),
                Literal::Positive(e, vec![var(0), var(2), var(4)]),
                Literal::Sum(5, var(1), var(4)),
            ],
        });
    }
    // Later: q reads the kept values freely; m is a lattice without recursion.
    let mut body = vec![Literal::Positive(d, vec![var(0), var(1), var(2)])];
    match random.below(3) {
        0 => body.push(Literal::Compare(
            CompareOp::Le,
            var(2),
            Term::Const(value(&mut random)),
        )),
        1 => body.push(Literal::Negative(c, vec![var(0), var(2)])),
        _ => body.push(Literal::Negative(h, vec![var(1), var(2)])),
    }
    program.rules.push(Rule {
        head: (q, vec![var(0), var(1)]),
        body,
    });
    if random.chance(50) {
        program.rules.push(Rule {
            head: (q, vec![var(0), var(COUNT_VAR)]),
            body: vec![
                Literal::Positive(h, vec![var(0), Term::Anonymous]),
                Literal::Count(COUNT_VAR, d, vec![var(0), var(10), var(11)]),
            ],
        });
    }
    program.rules.push(Rule {
        head: (m, vec![var(0), var(2)]),
        body: vec![Literal::Positive(d, vec![var(0), var(1), var(2)])],
    });
    program
}
