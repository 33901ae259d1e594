//! The checked plan, compiled once for every worker: each conjunction's
//! bindings laid out as rows, each variable resolved to a row position,
//! each constant in dataflow form.
//!
//! Reads `plan::ProgramPlan` and `analysis::ir` exactly as the datafrog
//! engine does and never sees syntax. Builds no dataflow: a `Blueprint` is
//! plain shared data (`Send + Sync`), and every worker renders the same one.
//! A plan that does not fit the program is an `EvalError::Internal` here,
//! before any worker starts.

use super::datum::{Datum, Row, TextPool};
use super::expr::{position, renumber};
use super::fault::Site;
use crate::analysis::ir::{self, Arg, Expr, PredId, VarId};
use crate::eval::{EvalError, Origin};
use crate::plan::{Check, ConjunctionPlan, ProgramPlan, Stage};
use crate::syntax::ast::{AggregateFunction, CompareOp};

/// A whole program, ready to render.
#[derive(Clone, Debug, PartialEq)]
pub struct Blueprint {
    /// Number of predicates (`PredId`s run from 0 to this).
    pub n_predicates: usize,
    /// Arity of each predicate.
    pub arities: Vec<usize>,
    /// The base facts every process holds (the same list in each): worker
    /// `w` of all `N` inserts those at positions `w` modulo `N`.
    pub facts: Vec<(PredId, Row)>,
    /// The facts of `facts` given more than once, with how many times each
    /// is given, sorted: `facts` lists each once (a relation is a set, and
    /// so are the dataflow's inputs), but a live model counts the copies, so
    /// that retracting one of two leaves the fact.
    pub repeated_facts: Vec<((PredId, Row), isize)>,
    /// This process's share of the rows of files partitioned across the
    /// processes of a cluster (each process holds a different list): its
    /// own workers insert them, local worker `l` of `L` those at positions
    /// `l` modulo `L`.
    pub local_facts: Vec<(PredId, Row)>,
    /// Predicates with rows in a partitioned file, sorted: the same in
    /// every process (decided by the program, not by the share), so that
    /// every worker builds the same dataflow.
    pub partitioned: Vec<PredId>,
    /// The strata in evaluation order.
    pub strata: Vec<StratumBlueprint>,
    /// The queries, in file order; each outputs its shown variables.
    pub queries: Vec<ConjunctionBlueprint>,
}

impl Blueprint {
    /// How many times each base fact every process holds is given.
    pub fn given_facts(&self) -> std::collections::BTreeMap<(PredId, Row), isize> {
        let mut counts: std::collections::BTreeMap<(PredId, Row), isize> =
            self.facts.iter().map(|fact| (fact.clone(), 1)).collect();
        for (fact, count) in &self.repeated_facts {
            counts.insert(fact.clone(), *count);
        }
        counts
    }

    /// True when some rule derives `predicate` or it is a lattice predicate
    /// (its relation is computed, not just its facts).
    pub fn is_derived(&self, predicate: PredId) -> bool {
        self.strata.iter().any(|stratum| {
            (!stratum.rules.is_empty() || !stratum.lattices.is_empty())
                && stratum.predicates.contains(&predicate)
        })
    }

    /// True when the dataflow sends every tuple of `predicate` to worker 0:
    /// what rules derive, and the relations no process holds whole (rows of
    /// a partitioned file). Other base relations are known to every process.
    pub fn is_gathered(&self, predicate: PredId) -> bool {
        self.is_derived(predicate) || self.partitioned.binary_search(&predicate).is_ok()
    }
}

/// One stratum.
#[derive(Clone, Debug, PartialEq)]
pub struct StratumBlueprint {
    /// The predicates it defines.
    pub predicates: Vec<PredId>,
    /// True when a rule reads a predicate of the stratum: rendered as an iterative scope.
    pub recursive: bool,
    /// Its rules.
    pub rules: Vec<RuleBlueprint>,
    /// The lower predicates its rules read, positively, negated or in aggregates.
    pub reads: Vec<PredId>,
    /// The origin the datafrog engine names when a limit stops this stratum.
    pub first_origin: Option<Origin>,
    /// Its lattice predicates, each kept to the best tuple per key.
    pub lattices: Vec<(PredId, crate::analysis::ir::Lattice)>,
    /// Where an error keeping a lattice's best tuple is reported: the
    /// stratum's first rule (none for a stratum of facts only).
    pub lattice_site: Option<Site>,
    /// The first rule reading a predicate of the stratum: what a lattice
    /// recursion past its round limit is blamed on, as the datafrog engine
    /// blames the rule still deriving (in a cycle improving a value
    /// forever, only the recursive rules are).
    pub recursive_origin: Option<Origin>,
}

/// One rule.
#[derive(Clone, Debug, PartialEq)]
pub struct RuleBlueprint {
    /// The derived predicate.
    pub head: PredId,
    /// The body; its output is the head tuple.
    pub body: ConjunctionBlueprint,
}

/// A conjunction: optional seed bindings, then stages, then the output.
#[derive(Clone, Debug, PartialEq)]
pub struct ConjunctionBlueprint {
    /// The rule or query, for errors.
    pub site: Site,
    /// What a runaway here is reported as: the first rule of the stratum, as
    /// the datafrog engine reports it; `None` for a query, whose answers
    /// alone are counted.
    pub limit_origin: Option<Origin>,
    /// Present when the pipeline starts from bindings instead of scanning its first atom.
    pub seed: Option<SeedBlueprint>,
    /// The atoms in join order.
    pub stages: Vec<StageBlueprint>,
    /// The output row, over the final layout.
    pub output: Vec<Expr>,
}

/// The bindings a pipeline starts from: the seed variables (an aggregate's
/// groups, or nothing), and the checks on them.
#[derive(Clone, Debug, PartialEq)]
pub struct SeedBlueprint {
    /// Number of seed variables (the first positions of the layout).
    pub width: usize,
    /// Checks that need only the seed.
    pub checks: Vec<CheckBlueprint>,
}

/// The conditions an atom puts on its relation's tuples on its own.
#[derive(Clone, Debug, PartialEq)]
pub struct AtomFilter {
    /// The predicate.
    pub predicate: PredId,
    /// Its arity.
    pub arity: usize,
    /// Columns that must hold a constant.
    pub constants: Vec<(usize, Datum)>,
    /// Columns that must be equal (a variable repeated in the atom).
    pub equal_columns: Vec<(usize, usize)>,
}

impl AtomFilter {
    /// True when `tuple` matches the atom's constants and repeated variables.
    pub fn matches(&self, tuple: &[Datum]) -> bool {
        tuple.len() == self.arity
            && self
                .constants
                .iter()
                .all(|(column, datum)| tuple.get(*column) == Some(datum))
            && self
                .equal_columns
                .iter()
                .all(|&(a, b)| tuple.get(a) == tuple.get(b))
    }
}

/// One atom of a pipeline: scanned when first, joined otherwise.
#[derive(Clone, Debug, PartialEq)]
pub struct StageBlueprint {
    /// The atom's own conditions.
    pub atom: AtomFilter,
    /// True for the first atom of a pipeline without seed: its tuples are the first bindings.
    pub scan: bool,
    /// Positions of the join key in the incoming bindings.
    pub left_key: Vec<usize>,
    /// Positions of the other bindings still needed later.
    pub left_carried: Vec<usize>,
    /// Atom columns holding the join key, in key order.
    pub right_key: Vec<usize>,
    /// Atom columns the atom binds.
    pub right_binds: Vec<usize>,
    /// Checks run on each new binding; the layout after the stage is
    /// key, carried, bound, then what the checks assign.
    pub checks: Vec<CheckBlueprint>,
}

/// A test, assignment, negation or aggregate on a binding.
#[derive(Clone, Debug, PartialEq)]
pub enum CheckBlueprint {
    /// `lhs op rhs`
    Compare {
        /// The operator.
        op: CompareOp,
        /// Left side.
        lhs: Expr,
        /// Right side.
        rhs: Expr,
        /// The body literal, for errors.
        literal: usize,
    },
    /// Appends the value of `expr` to the binding.
    Assign {
        /// The value.
        expr: Expr,
        /// The body literal, for errors.
        literal: usize,
    },
    /// A standalone boolean built-in.
    Filter {
        /// The call.
        expr: Expr,
        /// The body literal, for errors.
        literal: usize,
    },
    /// `not p(...)`: the binding survives when no tuple matches.
    Negation {
        /// The negated predicate.
        predicate: PredId,
        /// Its arity.
        arity: usize,
        /// The atom's columns that are not wildcards.
        columns: Vec<usize>,
        /// For each of those columns, the binding position or constant it must equal.
        probe: Vec<ProbeTerm>,
    },
    /// Appends the aggregate's value for the binding's groups.
    Aggregate(Box<AggregateBlueprint>),
}

/// What a negation compares one column with.
#[derive(Clone, Debug, PartialEq)]
pub enum ProbeTerm {
    /// The binding at this position.
    Column(usize),
    /// A constant.
    Const(Datum),
}

/// An aggregate: its body is a pipeline of its own.
#[derive(Clone, Debug, PartialEq)]
pub struct AggregateBlueprint {
    /// `count`, `sum`, `min`, `max`.
    pub function: AggregateFunction,
    /// Positions of the group variables in the enclosing binding.
    pub group: Vec<usize>,
    /// The body; it outputs the group variables, then the others.
    pub body: ConjunctionBlueprint,
    /// True when the body needs the groups bound (it is seeded with them).
    pub correlated: bool,
    /// The aggregated expression over the body's output row.
    pub value: Option<Expr>,
    /// The terms `count X, Y` counts the distinct values of, over that row.
    pub projection: Vec<Expr>,
    /// The aggregate literal, for errors.
    pub literal: usize,
}

/// Keeps the first of each fact given more than once, in order; gives
/// those facts with how many times each was given, sorted.
fn remove_repeated_facts(facts: &mut Vec<(PredId, Row)>) -> Vec<((PredId, Row), isize)> {
    let mut repeated: rustc_hash::FxHashMap<&(PredId, Row), isize> =
        rustc_hash::FxHashMap::default();
    let first: Vec<bool> = {
        let mut seen = rustc_hash::FxHashSet::default();
        seen.reserve(facts.len());
        facts
            .iter()
            .map(|fact| {
                let first = seen.insert(fact);
                if !first {
                    *repeated.entry(fact).or_insert(1) += 1;
                }
                first
            })
            .collect()
    };
    let mut repeated: Vec<((PredId, Row), isize)> = repeated
        .into_iter()
        .map(|(fact, count)| (fact.clone(), count))
        .collect();
    repeated.sort();
    let mut first = first.into_iter();
    facts.retain(|_| first.next().unwrap_or(true));
    repeated
}

/// Compiles a checked, planned program.
pub fn compile_program(program: &ir::Program, plan: &ProgramPlan) -> Result<Blueprint, EvalError> {
    let mut texts = TextPool::default();
    let mut facts: Vec<(PredId, Row)> = program
        .facts
        .iter()
        .map(|fact| {
            (
                fact.predicate,
                fact.values.iter().map(|value| texts.datum(value)).collect(),
            )
        })
        .collect();
    // Rows of fact tables (plain facts of files, imports), value by value;
    // a table holding one process's share of a file goes to its workers.
    let mut local_facts: Vec<(PredId, Row)> = Vec::new();
    let mut partitioned = Vec::new();
    for rows in &program.fact_rows {
        let target = if rows.table.share().is_some() {
            partitioned.push(rows.predicate);
            &mut local_facts
        } else {
            &mut facts
        };
        for row in rows.rows.clone() {
            let values = rows.table.row(row);
            target.push((
                rows.predicate,
                values.iter().map(|value| texts.datum(value)).collect(),
            ));
        }
    }
    partitioned.sort();
    partitioned.dedup();
    // A relation is a set, and the dataflow's inputs take it as one (no
    // `distinct` over ten million events): a fact given twice is one fact.
    let repeated_facts = remove_repeated_facts(&mut facts);
    remove_repeated_facts(&mut local_facts);
    let mut strata = Vec::with_capacity(plan.strata.len());
    for (rank, stratum) in plan.strata.iter().enumerate() {
        let recursive = program.strata.get(rank).is_some_and(|s| s.recursive);
        let mut rules = Vec::with_capacity(stratum.rules.len());
        let mut reads = Vec::new();
        let mut recursive_origin = None;
        for rule in &stratum.rules {
            let n_read = reads.len();
            conjunction_reads(&rule.body, &mut reads);
            if recursive_origin.is_none()
                && reads[n_read..]
                    .iter()
                    .any(|predicate| stratum.predicates.contains(predicate))
            {
                recursive_origin = Some(Origin::Rule(rule.rule));
            }
            let first_origin = stratum.rules.first().map(|rule| Origin::Rule(rule.rule));
            rules.push(RuleBlueprint {
                head: rule.head,
                body: compile_conjunction(&rule.body, Site::rule(rank, rule.rule), first_origin)?,
            });
        }
        reads.sort();
        reads.dedup();
        reads.retain(|predicate| !stratum.predicates.contains(predicate));
        strata.push(StratumBlueprint {
            predicates: stratum.predicates.clone(),
            recursive,
            rules,
            reads,
            first_origin: stratum.rules.first().map(|rule| Origin::Rule(rule.rule)),
            lattices: stratum.lattices.clone(),
            lattice_site: stratum
                .rules
                .first()
                .map(|rule| Site::rule(rank, rule.rule)),
            recursive_origin,
        });
    }
    let mut queries = Vec::with_capacity(plan.queries.len());
    for (index, query) in plan.queries.iter().enumerate() {
        queries.push(compile_conjunction(query, Site::query(index), None)?);
    }
    Ok(Blueprint {
        n_predicates: program.predicates.len(),
        arities: program.predicates.iter().map(|p| p.arity).collect(),
        facts,
        repeated_facts,
        local_facts,
        partitioned,
        strata,
        queries,
    })
}

/// Every predicate a conjunction reads, in any way.
fn conjunction_reads(plan: &ConjunctionPlan, out: &mut Vec<PredId>) {
    out.extend(plan.stages.iter().map(|stage| stage.predicate));
    let checks = plan
        .seed_checks
        .iter()
        .chain(plan.stages.iter().flat_map(|stage| stage.checks.iter()));
    for check in checks {
        if let Check::Negation { predicate, .. } = check {
            out.push(*predicate);
        }
    }
    for aggregate in &plan.aggregates {
        conjunction_reads(&aggregate.body, out);
    }
}

fn internal(what: &str) -> EvalError {
    EvalError::Internal(format!("dataflow plan: {what}"))
}

/// Compiles a conjunction plan; its seed variables, if any, come first in the layout.
pub fn compile_conjunction(
    plan: &ConjunctionPlan,
    site: Site,
    limit_origin: Option<Origin>,
) -> Result<ConjunctionBlueprint, EvalError> {
    let mut layout: Vec<VarId> = plan.seed.clone();
    let seeded = !plan.seed.is_empty() || !plan.seed_checks.is_empty() || plan.stages.is_empty();
    let seed = if seeded {
        let checks = compile_checks(
            plan,
            &plan.seed_checks,
            &plan.seed_check_literals,
            &mut layout,
            site,
            limit_origin,
        )?;
        Some(SeedBlueprint {
            width: plan.seed.len(),
            checks,
        })
    } else {
        None
    };
    let mut stages = Vec::with_capacity(plan.stages.len());
    for (index, stage) in plan.stages.iter().enumerate() {
        let scan = index == 0 && seed.is_none();
        let atom = atom_filter(stage);
        let (left_key, left_carried) = if scan {
            (Vec::new(), Vec::new())
        } else {
            (
                stage
                    .key
                    .iter()
                    .map(|&var| position(&layout, var))
                    .collect::<Result<_, _>>()?,
                stage
                    .carried
                    .iter()
                    .map(|&var| position(&layout, var))
                    .collect::<Result<_, _>>()?,
            )
        };
        layout = if scan {
            Vec::new()
        } else {
            stage.key.iter().chain(&stage.carried).copied().collect()
        };
        layout.extend(stage.binds.iter().map(|&(_, var)| var));
        let checks = compile_checks(
            plan,
            &stage.checks,
            &stage.check_literals,
            &mut layout,
            site,
            limit_origin,
        )?;
        stages.push(StageBlueprint {
            atom,
            scan,
            left_key,
            left_carried,
            right_key: stage.key_columns.clone(),
            right_binds: stage.binds.iter().map(|&(column, _)| column).collect(),
            checks,
        });
    }
    let output = plan
        .output
        .iter()
        .map(|expr| renumber(expr, &layout))
        .collect::<Result<_, _>>()?;
    Ok(ConjunctionBlueprint {
        site,
        limit_origin,
        seed,
        stages,
        output,
    })
}

fn atom_filter(stage: &Stage) -> AtomFilter {
    AtomFilter {
        predicate: stage.predicate,
        arity: stage.args.len(),
        constants: stage
            .constant_columns
            .iter()
            .map(|(column, value)| (*column, Datum::from_value(value)))
            .collect(),
        equal_columns: stage.equal_columns.clone(),
    }
}

/// Compiles checks in order, extending `layout` with what they assign.
fn compile_checks(
    plan: &ConjunctionPlan,
    checks: &[Check],
    literals: &[usize],
    layout: &mut Vec<VarId>,
    site: Site,
    limit_origin: Option<Origin>,
) -> Result<Vec<CheckBlueprint>, EvalError> {
    let mut compiled = Vec::with_capacity(checks.len());
    for (position_in_list, check) in checks.iter().enumerate() {
        let literal = literals.get(position_in_list).copied().unwrap_or(0);
        compiled.push(match check {
            Check::Compare { op, lhs, rhs } => CheckBlueprint::Compare {
                op: *op,
                lhs: renumber(lhs, layout)?,
                rhs: renumber(rhs, layout)?,
                literal,
            },
            Check::Assign { var, expr } => {
                let expr = renumber(expr, layout)?;
                layout.push(*var);
                CheckBlueprint::Assign { expr, literal }
            }
            Check::Filter(expr) => CheckBlueprint::Filter {
                expr: renumber(expr, layout)?,
                literal,
            },
            Check::Negation { predicate, args } => {
                let mut columns = Vec::new();
                let mut probe = Vec::new();
                for (column, arg) in args.iter().enumerate() {
                    match arg {
                        Arg::Wildcard => continue,
                        Arg::Var(var) => probe.push(ProbeTerm::Column(position(layout, *var)?)),
                        Arg::Const(value) => probe.push(ProbeTerm::Const(Datum::from_value(value))),
                    }
                    columns.push(column);
                }
                CheckBlueprint::Negation {
                    predicate: *predicate,
                    arity: args.len(),
                    columns,
                    probe,
                }
            }
            Check::Aggregate { index, result } => {
                let aggregate = plan
                    .aggregates
                    .get(*index)
                    .ok_or_else(|| internal("an aggregate the plan does not hold"))?;
                let group = aggregate
                    .group_by
                    .iter()
                    .map(|&var| position(layout, var))
                    .collect::<Result<_, _>>()?;
                let body = compile_conjunction(&aggregate.body, site, limit_origin)?;
                let body_layout: Vec<VarId> = aggregate
                    .body
                    .output
                    .iter()
                    .map(|expr| match expr {
                        Expr::Var(var) => Ok(*var),
                        _ => Err(internal("an aggregate body outputs an expression")),
                    })
                    .collect::<Result<_, _>>()?;
                let value = aggregate
                    .value
                    .as_ref()
                    .map(|expr| renumber(expr, &body_layout))
                    .transpose()?;
                let projection = aggregate
                    .projection
                    .iter()
                    .map(|expr| renumber(expr, &body_layout))
                    .collect::<Result<_, _>>()?;
                layout.push(*result);
                CheckBlueprint::Aggregate(Box::new(AggregateBlueprint {
                    function: aggregate.function,
                    group,
                    body,
                    correlated: !aggregate.independent,
                    value,
                    projection,
                    literal: aggregate.literal,
                }))
            }
        });
    }
    Ok(compiled)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::{Session, SessionOptions};

    fn blueprint_of(text: &str) -> Blueprint {
        let mut session = Session::new(SessionOptions {
            check_only: true,
            ..SessionOptions::default()
        });
        assert!(session.load_text(text).is_ok(), "{text}");
        let (program, plan) = (session.program().unwrap(), session.plan().unwrap());
        compile_program(program, plan).unwrap()
    }

    #[test]
    fn a_fact_given_twice_is_listed_once_and_counted_twice() {
        let blueprint = blueprint_of("e(1). e(2). e(1). e(1). f(1). f(1).");
        let one: Row = [Datum::Int(1)].into_iter().collect();
        let two: Row = [Datum::Int(2)].into_iter().collect();
        let (e, f) = (blueprint.facts[0].0, blueprint.facts[2].0);
        let ours = |predicate: &PredId| [e, f].contains(predicate);
        let facts: Vec<_> = blueprint
            .facts
            .iter()
            .filter(|(predicate, _)| ours(predicate))
            .cloned()
            .collect();
        assert_eq!(
            facts,
            vec![(e, one.clone()), (e, two.clone()), (f, one.clone())]
        );
        assert_eq!(
            blueprint.repeated_facts,
            vec![((e, one.clone()), 3), ((f, one.clone()), 2)]
        );
        let counts: Vec<isize> = blueprint
            .given_facts()
            .into_iter()
            .filter(|((predicate, _), _)| ours(predicate))
            .map(|(_, count)| count)
            .collect();
        assert_eq!(counts, vec![3, 1, 2]);
    }

    #[test]
    fn a_join_keys_the_bindings_by_the_shared_variable() {
        let blueprint = blueprint_of("a(1, 2). b(2, 3). h(X, Z) :- a(X, Y), b(Y, Z), X != Z.");
        let body = &blueprint.strata.last().unwrap().rules[0].body;
        let [first, second] = body.stages.as_slice() else {
            panic!("two stages expected: {body:?}")
        };
        // a(X, Y) scanned: bindings [X, Y].
        assert!(first.scan);
        assert_eq!(first.right_binds, vec![0, 1]);
        // b(Y, Z) joined on Y (position 1), X carried; bindings then [Y, X, Z].
        assert!(!second.scan);
        assert_eq!(
            (second.left_key.clone(), second.left_carried.clone()),
            (vec![1], vec![0])
        );
        assert_eq!(
            (second.right_key.clone(), second.right_binds.clone()),
            (vec![0], vec![1])
        );
        let [CheckBlueprint::Compare { lhs, rhs, .. }] = second.checks.as_slice() else {
            panic!("one comparison expected: {:?}", second.checks)
        };
        assert_eq!((lhs, rhs), (&Expr::Var(VarId(1)), &Expr::Var(VarId(2))));
        assert_eq!(body.output, vec![Expr::Var(VarId(1)), Expr::Var(VarId(2))]);
    }

    #[test]
    fn bodies_without_atoms_start_from_a_seed() {
        let blueprint = blueprint_of("p(X) :- X = 2 * 3.");
        let body = &blueprint.strata.last().unwrap().rules[0].body;
        assert!(body.stages.is_empty());
        let seed = body.seed.as_ref().expect("a seed");
        assert_eq!(seed.width, 0);
        assert!(matches!(
            seed.checks.as_slice(),
            [CheckBlueprint::Assign { .. }]
        ));
    }

    #[test]
    fn a_correlated_aggregate_is_seeded_with_its_groups() {
        let blueprint = blueprint_of("n(1). n(2). m(X, C) :- n(X), C = count : { n(Y), Y > X }.");
        let body = &blueprint.strata.last().unwrap().rules[0].body;
        let [CheckBlueprint::Aggregate(aggregate)] = body.stages[0].checks.as_slice() else {
            panic!("an aggregate expected: {:?}", body.stages[0].checks)
        };
        assert!(aggregate.correlated);
        assert_eq!(aggregate.group, vec![0]);
        assert_eq!(aggregate.body.seed.as_ref().map(|seed| seed.width), Some(1));
    }
}
