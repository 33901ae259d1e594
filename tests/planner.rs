//! Planner cases as data: each `tests/planner/*.plan` file holds cases of a
//! rule and the plan of its body, as stages.
//!
//! A case is `%` comment lines, the rule (one or more lines), a `---` line,
//! then the plan: one line per stage (`scan`, then `join` for each later
//! atom, with its key and the variables it carries), each check indented
//! under the stage after which it runs, aggregates with their own body
//! plan, the output, and the literal order explanations walk. Cases are
//! separated by blank lines. `UPDATE_PLANS=1 cargo test --test planner`
//! rewrites the expected plans (review the diff as you would code).

use std::fmt::Write as _;
use wirelog::analysis::analyze;
use wirelog::analysis::ir::{Arg, Expr, Program, Rule, RuleId, VarId};
use wirelog::plan::{Check, ConjunctionPlan, plan_rule};
use wirelog::span::SourceId;
use wirelog::syntax::parse_program;

struct Case {
    comments: Vec<String>,
    rule: String,
    expected: String,
}

fn parse_cases(text: &str) -> Vec<Case> {
    let mut cases = Vec::new();
    for block in text.split("\n\n") {
        if block.trim().is_empty() {
            continue;
        }
        let lines: Vec<&str> = block.lines().collect();
        let separator = lines
            .iter()
            .position(|line| *line == "---")
            .unwrap_or(lines.len());
        let input = &lines[..separator];
        let expected = lines.get(separator + 1..).unwrap_or_default();
        cases.push(Case {
            comments: input
                .iter()
                .filter(|line| line.starts_with('%'))
                .map(|line| line.to_string())
                .collect(),
            rule: input
                .iter()
                .filter(|line| !line.starts_with('%'))
                .copied()
                .collect::<Vec<_>>()
                .join("\n"),
            expected: expected.join("\n").trim_end().to_string(),
        });
    }
    cases
}

fn print_cases(cases: &[Case]) -> String {
    let blocks: Vec<String> = cases
        .iter()
        .map(|case| {
            let mut text = String::new();
            for comment in &case.comments {
                text.push_str(comment);
                text.push('\n');
            }
            text.push_str(&case.rule);
            text.push_str("\n---\n");
            text.push_str(&case.expected);
            text
        })
        .collect();
    blocks.join("\n\n") + "\n"
}

/// The plan of the first rule of `text`, rendered.
fn plan_text(text: &str) -> String {
    let (program, errors) = parse_program(SourceId(0), text);
    if !errors.is_empty() {
        return format!("syntax errors: {errors:?}");
    }
    let analysis = analyze(&[&program]);
    if analysis.has_errors() {
        let codes: Vec<String> = analysis
            .diagnostics
            .iter()
            .filter(|diagnostic| diagnostic.is_error())
            .map(|diagnostic| format!("{}: {}", diagnostic.code, diagnostic.message))
            .collect();
        return format!("rejected: {}", codes.join("; "));
    }
    let program = &analysis.program;
    let Some(rule) = program.rules.first() else {
        return "no rule".to_string();
    };
    match plan_rule(rule, RuleId(0)) {
        Ok(plan) => {
            let mut out = String::new();
            write_conjunction(&mut out, program, rule, &plan.body, "");
            let order: Vec<String> = plan
                .body
                .literal_order()
                .iter()
                .map(|index| index.to_string())
                .collect();
            let _ = write!(out, "order {}", order.join(" "));
            out
        }
        Err(error) => format!("plan error: {error}"),
    }
}

fn write_conjunction(
    out: &mut String,
    program: &Program,
    rule: &Rule,
    plan: &ConjunctionPlan,
    indent: &str,
) {
    let name = |var: &VarId| rule.variables[var.0 as usize].clone();
    let names = |vars: &[VarId]| vars.iter().map(name).collect::<Vec<_>>().join(", ");
    if !plan.seed.is_empty() {
        let _ = writeln!(out, "{indent}seed {}", names(&plan.seed));
    }
    // Checks that need nothing an atom binds run first, at the outer level.
    for check in &plan.seed_checks {
        write_check(out, program, rule, plan, check, indent);
    }
    for (index, stage) in plan.stages.iter().enumerate() {
        let args: Vec<String> = stage
            .args
            .iter()
            .map(|arg| match arg {
                Arg::Var(var) => name(var),
                Arg::Const(value) => value.to_string(),
                Arg::Wildcard => "_".to_string(),
            })
            .collect();
        let atom = format!(
            "{}({})",
            program.predicate(stage.predicate).name,
            args.join(", ")
        );
        let starts = index == 0 && plan.seed.is_empty() && plan.seed_checks.is_empty();
        let mut line = format!("{indent}{} {atom}", if starts { "scan" } else { "join" });
        if !stage.key.is_empty() {
            let _ = write!(line, " on {}", names(&stage.key));
        }
        if !stage.carried.is_empty() {
            let _ = write!(line, " carry {}", names(&stage.carried));
        }
        let _ = writeln!(out, "{line}");
        for check in &stage.checks {
            write_check(out, program, rule, plan, check, &format!("{indent}  "));
        }
    }
    let output: Vec<String> = plan
        .output
        .iter()
        .map(|expr| expr_text(rule, expr))
        .collect();
    let _ = writeln!(out, "{indent}output {}", output.join(", "));
}

fn write_check(
    out: &mut String,
    program: &Program,
    rule: &Rule,
    plan: &ConjunctionPlan,
    check: &Check,
    indent: &str,
) {
    let name = |var: &VarId| rule.variables[var.0 as usize].clone();
    match check {
        Check::Compare { op, lhs, rhs } => {
            let _ = writeln!(
                out,
                "{indent}check {} {} {}",
                expr_text(rule, lhs),
                op.symbol(),
                expr_text(rule, rhs)
            );
        }
        Check::Assign { var, expr } => {
            let _ = writeln!(out, "{indent}let {} = {}", name(var), expr_text(rule, expr));
        }
        Check::Filter(expr) => {
            let _ = writeln!(out, "{indent}filter {}", expr_text(rule, expr));
        }
        Check::Negation { predicate, args } => {
            let args: Vec<String> = args
                .iter()
                .map(|arg| match arg {
                    Arg::Var(var) => name(var),
                    Arg::Const(value) => value.to_string(),
                    Arg::Wildcard => "_".to_string(),
                })
                .collect();
            let _ = writeln!(
                out,
                "{indent}not {}({})",
                program.predicate(*predicate).name,
                args.join(", ")
            );
        }
        Check::Aggregate { index, result } => {
            let Some(aggregate) = plan.aggregates.get(*index) else {
                return;
            };
            let groups: Vec<String> = aggregate.group_by.iter().map(name).collect();
            let value = aggregate
                .value
                .as_ref()
                .map(|expr| format!(" {}", expr_text(rule, expr)))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "{indent}let {} = {}{value} by [{}] ({})",
                name(result),
                aggregate.function.keyword(),
                groups.join(", "),
                if aggregate.independent {
                    "all groups at once"
                } else {
                    "one group at a time"
                }
            );
            write_conjunction(out, program, rule, &aggregate.body, &format!("{indent}  "));
        }
    }
}

fn expr_text(rule: &Rule, expr: &Expr) -> String {
    match expr {
        Expr::Var(var) => rule.variables[var.0 as usize].clone(),
        Expr::Const(value) => value.to_string(),
        Expr::Binary { op, lhs, rhs } => format!(
            "({} {} {})",
            expr_text(rule, lhs),
            op.symbol(),
            expr_text(rule, rhs)
        ),
        Expr::Call { function, args } => {
            let args: Vec<String> = args.iter().map(|arg| expr_text(rule, arg)).collect();
            format!("{}({})", function.name(), args.join(", "))
        }
    }
}

#[test]
fn planner_cases() {
    let update = std::env::var_os("UPDATE_PLANS").is_some();
    let mut paths: Vec<_> = std::fs::read_dir("tests/planner")
        .expect("tests/planner/")
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| {
            path.extension()
                .is_some_and(|extension| extension == "plan")
        })
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no planner cases");
    let mut failures = Vec::new();
    let mut n_cases = 0;
    for path in paths {
        let text = std::fs::read_to_string(&path).expect("a planner case file");
        let mut cases = parse_cases(&text);
        for case in &mut cases {
            n_cases += 1;
            let actual = plan_text(&case.rule);
            if actual != case.expected {
                failures.push(format!(
                    "{}: {}\nexpected:\n{}\nfound:\n{}",
                    path.display(),
                    case.rule,
                    case.expected,
                    actual
                ));
                case.expected = actual;
            }
        }
        if update {
            std::fs::write(&path, print_cases(&cases)).expect("rewrite the cases");
        }
    }
    assert!(n_cases >= 10, "only {n_cases} planner cases");
    assert!(
        update || failures.is_empty(),
        "{} planner case(s) differ (UPDATE_PLANS=1 rewrites them):\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
