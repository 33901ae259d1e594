//! Stratification: the predicate dependency graph, its strongly connected
//! components, and the evaluation order.
//!
//! Owns the rule that a predicate may not depend on itself through `not` or
//! through an aggregate, and the construction of `ir::Program::strata`: one
//! stratum per component, every predicate in exactly one, dependencies first.
//! It reads the lowered rules and reports cycles; it changes no rule.

use std::collections::{HashMap, HashSet, VecDeque};

use super::error::CheckError;
use super::ir::{BodyLiteral, PredId, Program, RuleId, Stratum};
use crate::span::Span;

/// How a rule's head depends on a predicate of its body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum EdgeKind {
    /// `h :- p.`
    Positive,
    /// `h :- not p.`
    Negative,
    /// `h :- N = count : { p }.` (also a negated atom inside an aggregate)
    Aggregate,
}

/// `from` (a head) depends on `to` (a body predicate) through the literal at `span`.
#[derive(Clone, Copy, Debug)]
struct Edge {
    from: usize,
    to: usize,
    kind: EdgeKind,
    span: Span,
}

/// Computes the strata of `program` and reports every component that has a
/// negative or aggregate edge inside it.
pub(crate) fn stratify(program: &Program, errors: &mut Vec<CheckError>) -> Vec<Stratum> {
    let n_predicates = program.predicates.len();
    let edges = dependency_edges(program);
    let mut edges_by_from: Vec<Vec<usize>> = vec![Vec::new(); n_predicates];
    for (edge_index, edge) in edges.iter().enumerate() {
        if edge.from < n_predicates && edge.to < n_predicates {
            edges_by_from[edge.from].push(edge_index);
        }
    }
    let components = strongly_connected_components(n_predicates, &edges, &edges_by_from);
    let mut component_of = vec![0; n_predicates];
    for (component_index, component) in components.iter().enumerate() {
        for &node in component {
            component_of[node] = component_index;
        }
    }

    // 1. Every edge inside a component makes it recursive; its negations
    //    and aggregates are errors, one report per component (one pass
    //    over the edges, so that the whole analysis stays linear).
    let mut recursive = vec![false; components.len()];
    let mut bad_edges: Vec<Vec<usize>> = vec![Vec::new(); components.len()];
    for (edge_index, edge) in edges.iter().enumerate() {
        let (Some(&component), Some(&to_component)) =
            (component_of.get(edge.from), component_of.get(edge.to))
        else {
            continue;
        };
        if component != to_component {
            continue;
        }
        recursive[component] = true;
        if edge.kind != EdgeKind::Positive {
            bad_edges[component].push(edge_index);
        }
    }
    for component_edges in &bad_edges {
        let Some(&first) = component_edges.first() else {
            continue;
        };
        errors.push(cycle_error(
            program,
            &edges[first],
            component_edges,
            &edges,
            &edges_by_from,
            &component_of,
        ));
    }

    // 2. One stratum per component; Tarjan emits dependencies first.
    let mut rules_by_head: Vec<Vec<RuleId>> = vec![Vec::new(); n_predicates];
    for (rule_index, rule) in program.rules.iter().enumerate() {
        if let Some(rules) = rules_by_head.get_mut(rule.head.predicate.0 as usize) {
            rules.push(RuleId(rule_index as u32));
        }
    }
    components
        .iter()
        .enumerate()
        .map(|(component_index, component)| {
            let mut predicates: Vec<PredId> =
                component.iter().map(|&node| PredId(node as u32)).collect();
            predicates.sort_unstable();
            let mut rules: Vec<RuleId> = component
                .iter()
                .flat_map(|&node| rules_by_head[node].iter().copied())
                .collect();
            rules.sort_unstable();
            Stratum {
                predicates,
                rules,
                recursive: recursive[component_index],
            }
        })
        .collect()
}

/// Every head → body dependency, in rule and literal order.
fn dependency_edges(program: &Program) -> Vec<Edge> {
    let mut edges = Vec::new();
    for rule in &program.rules {
        let from = rule.head.predicate.0 as usize;
        for literal in &rule.body {
            match literal {
                BodyLiteral::Atom {
                    predicate,
                    negated,
                    span,
                    ..
                } => edges.push(Edge {
                    from,
                    to: predicate.0 as usize,
                    kind: if *negated {
                        EdgeKind::Negative
                    } else {
                        EdgeKind::Positive
                    },
                    span: *span,
                }),
                BodyLiteral::Aggregate(aggregate) => {
                    for inner in &aggregate.body {
                        if let BodyLiteral::Atom {
                            predicate, span, ..
                        } = inner
                        {
                            edges.push(Edge {
                                from,
                                to: predicate.0 as usize,
                                kind: EdgeKind::Aggregate,
                                span: *span,
                            });
                        }
                    }
                }
                BodyLiteral::Compare { .. } | BodyLiteral::Filter { .. } => {}
            }
        }
    }
    edges
}

/// Tarjan's algorithm, iterative so that long dependency chains cannot
/// overflow the stack. Components come out in reverse topological order of
/// the head → body edges, that is, each after everything it depends on.
fn strongly_connected_components(
    n_nodes: usize,
    edges: &[Edge],
    edges_by_from: &[Vec<usize>],
) -> Vec<Vec<usize>> {
    const UNVISITED: usize = usize::MAX;
    let mut index_of = vec![UNVISITED; n_nodes];
    let mut lowlink = vec![0; n_nodes];
    let mut on_stack = vec![false; n_nodes];
    let mut stack = Vec::new();
    let mut components = Vec::new();
    let mut next_index = 0;
    for root in 0..n_nodes {
        if index_of[root] != UNVISITED {
            continue;
        }
        // Each frame is a node and how many of its edges have been followed.
        let mut frames: Vec<(usize, usize)> = vec![(root, 0)];
        index_of[root] = next_index;
        lowlink[root] = next_index;
        next_index += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some(&mut (node, ref mut edge_position)) = frames.last_mut() {
            if let Some(&edge_index) = edges_by_from[node].get(*edge_position) {
                *edge_position += 1;
                let next = edges[edge_index].to;
                if index_of[next] == UNVISITED {
                    index_of[next] = next_index;
                    lowlink[next] = next_index;
                    next_index += 1;
                    stack.push(next);
                    on_stack[next] = true;
                    frames.push((next, 0));
                } else if on_stack[next] {
                    lowlink[node] = lowlink[node].min(index_of[next]);
                }
                continue;
            }
            frames.pop();
            if let Some(&(parent, _)) = frames.last() {
                lowlink[parent] = lowlink[parent].min(lowlink[node]);
            }
            if lowlink[node] == index_of[node] {
                let mut component = Vec::new();
                while let Some(member) = stack.pop() {
                    on_stack[member] = false;
                    component.push(member);
                    if member == node {
                        break;
                    }
                }
                components.push(component);
            }
        }
    }
    components
}

/// The error for a non-positive `edge` inside a component: the cycle through
/// it (shortest path back, found breadth-first), with a label on every edge
/// and on the component's other negations and aggregates (`bad_edges`).
fn cycle_error(
    program: &Program,
    bad_edge: &Edge,
    bad_edges: &[usize],
    edges: &[Edge],
    edges_by_from: &[Vec<usize>],
    component_of: &[usize],
) -> CheckError {
    let component = component_of[bad_edge.from];
    let mut path = vec![*bad_edge];
    if bad_edge.to != bad_edge.from {
        // Breadth-first search from `to` back to `from` inside the component;
        // its bookkeeping is sized by the component, not the program, so
        // that many small cycles cost what they hold.
        let mut came_by: HashMap<usize, usize> = HashMap::new();
        let mut queue = VecDeque::from([bad_edge.to]);
        let mut seen = HashSet::from([bad_edge.to]);
        while let Some(node) = queue.pop_front() {
            if node == bad_edge.from {
                break;
            }
            for &edge_index in &edges_by_from[node] {
                let next = edges[edge_index].to;
                if component_of[next] == component && seen.insert(next) {
                    came_by.insert(next, edge_index);
                    queue.push_back(next);
                }
            }
        }
        let mut back = Vec::new();
        let mut node = bad_edge.from;
        while node != bad_edge.to {
            let Some(&edge_index) = came_by.get(&node) else {
                break;
            };
            back.push(edges[edge_index]);
            node = edges[edge_index].from;
        }
        back.reverse();
        path.extend(back);
    }
    let name = |node: usize| {
        program
            .predicates
            .get(node)
            .map_or_else(|| format!("#{node}"), |predicate| predicate.name.clone())
    };
    let predicates: Vec<String> = path.iter().map(|edge| name(edge.from)).collect();
    let mut labels: Vec<(Span, String)> = path
        .iter()
        .map(|edge| {
            let (from, to) = (name(edge.from), name(edge.to));
            let message = match edge.kind {
                EdgeKind::Positive => format!("`{from}` uses `{to}` here"),
                EdgeKind::Negative => format!("`{from}` negates `{to}` here"),
                EdgeKind::Aggregate => format!("`{from}` aggregates over `{to}` here"),
            };
            (edge.span, message)
        })
        .collect();
    // Other negations and aggregates inside the same component are involved too.
    let mut labelled: HashSet<Span> = labels.iter().map(|(span, _)| *span).collect();
    for edge in bad_edges.iter().filter_map(|&index| edges.get(index)) {
        if labelled.insert(edge.span) {
            let (from, to) = (name(edge.from), name(edge.to));
            let message = match edge.kind {
                EdgeKind::Aggregate => format!("`{from}` aggregates over `{to}` here"),
                _ => format!("`{from}` negates `{to}` here"),
            };
            labels.push((edge.span, message));
        }
    }
    match bad_edge.kind {
        EdgeKind::Aggregate => CheckError::AggregateCycle {
            predicates,
            edges: labels,
            span: bad_edge.span,
        },
        _ => CheckError::NegationCycle {
            predicates,
            edges: labels,
            span: bad_edge.span,
        },
    }
}

#[cfg(test)]
mod tests {
    use crate::analysis::testing::{analyze_texts, check};

    /// The strata of `text` as predicate names, `*` marking recursive ones.
    fn strata(text: &str) -> Vec<String> {
        let analysis = analyze_texts(&[text]);
        let program = &analysis.program;
        program
            .strata
            .iter()
            .map(|stratum| {
                let names: Vec<&str> = stratum
                    .predicates
                    .iter()
                    .map(|id| program.predicate(*id).name.as_str())
                    .collect();
                format!(
                    "{}{}",
                    names.join(" "),
                    if stratum.recursive { " *" } else { "" }
                )
            })
            .collect()
    }

    #[test]
    fn strata_come_in_dependency_order() {
        let cases: &[(&str, &[&str])] = &[
            ("edge(a, b).", &["edge"]),
            (
                "path(X, Y) :- edge(X, Y).\n\
                 path(X, Z) :- path(X, Y), edge(Y, Z).\n\
                 edge(a, b).",
                &["edge", "path *"],
            ),
            (
                // Mutual recursion is one stratum.
                "even(0).\n\
                 odd(Y) :- even(X), Y = X + 1, Y < 10.\n\
                 even(Y) :- odd(X), Y = X + 1, Y < 10.",
                &["even odd *"],
            ),
            (
                // A negation chain: each stratum after the one it negates.
                "c(X) :- base(X), not b(X).\n\
                 b(X) :- base(X), not a(X).\n\
                 a(X) :- base(X), X > 1.\n\
                 base(1). base(2).",
                &["base", "a", "b", "c"],
            ),
            (
                "n(N) :- N = count : { p(_) }.\n\
                 p(a).\n\
                 q(X) :- p(X), not r(X).",
                &["p", "n", "r", "q"],
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(strata(text), *expected, "strata of\n{text}");
        }
    }

    #[test]
    fn every_predicate_is_in_exactly_one_stratum() {
        let analysis =
            analyze_texts(&["a(X) :- b(X), not c(X). b(1). d(X) :- a(X), d(X). e(2). ?- f(X)."]);
        let program = &analysis.program;
        let mut seen: Vec<u32> = program
            .strata
            .iter()
            .flat_map(|stratum| stratum.predicates.iter().map(|id| id.0))
            .collect();
        seen.sort_unstable();
        let all: Vec<u32> = (0..program.predicates.len() as u32).collect();
        assert_eq!(seen, all);
        let rules: usize = program
            .strata
            .iter()
            .map(|stratum| stratum.rules.len())
            .sum();
        assert_eq!(rules, program.rules.len());
    }

    #[test]
    fn cycles_through_negation_or_aggregates_are_errors() {
        let cases: &[(&str, &[&str])] = &[
            (
                "p(X) :- q(X), not p(X). q(1).",
                &["E203: predicate `p` depends on itself through negation"],
            ),
            (
                "win(X) :- move(X, Y), not win(Y). move(a, b).",
                &["E203: predicate `win` depends on itself through negation"],
            ),
            (
                "a(X) :- base(X), not b(X).\n\
                 b(X) :- c(X).\n\
                 c(X) :- a(X).\n\
                 base(1).",
                &["E203: predicates `a`, `b`, `c` depend on each other through negation"],
            ),
            (
                "total(N) :- N = count : { total(_) }.",
                &["E207: predicate `total` depends on itself through an aggregate"],
            ),
            (
                "a(X, N) :- b(X), N = sum K : { c(X, K) }.\n\
                 c(X, K) :- a(X, K).\n\
                 b(1).",
                &["E207: predicates `a`, `c` depend on each other through an aggregate"],
            ),
        ];
        for (text, expected) in cases {
            check(text, expected);
        }
    }

    #[test]
    fn a_cycle_labels_each_edge_and_notes_the_path() {
        let text = "a(X) :- base(X), not b(X).\nb(X) :- c(X).\nc(X) :- a(X).\nbase(1).";
        let analysis = analyze_texts(&[text]);
        let diagnostic = &analysis.diagnostics[0];
        let labels: Vec<(&str, &str)> = diagnostic
            .labels
            .iter()
            .map(|label| (&text[label.span.range()], label.message.as_str()))
            .collect();
        assert_eq!(
            labels,
            [
                ("not b(X)", "`a` negates `b` here"),
                ("c(X)", "`b` uses `c` here"),
                ("a(X)", "`c` uses `a` here"),
            ]
        );
        assert_eq!(diagnostic.notes[0], "cycle: `a` → `b` → `c` → `a`");
    }
}
