//! The views for teaching and reviewing, pinned through the binary:
//! `wirelog run --trace` (strata in order, round by round the new facts each
//! rule derived, bounded for large programs) and `wirelog check --report`
//! (per article, each fact beside its quote).

use std::io::Write;
use std::process::{Command, Stdio};

fn run(arguments: &[&str], program: &str) -> String {
    let mut child = Command::new(env!("CARGO_BIN_EXE_wirelog"))
        .args(arguments)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the wirelog binary runs");
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(program.as_bytes())
            .expect("program written");
    }
    let output = child.wait_with_output().expect("wirelog ends");
    format!(
        "{}{}[exit {}]\n",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
        output.status.code().unwrap_or(-1)
    )
}

const CHAIN: &str = "\
edge(a, b). edge(b, c). edge(c, d).
path(X, Y) :- edge(X, Y).
path(X, Z) :- path(X, Y), edge(Y, Z).
node(X) :- edge(X, _).
node(Y) :- edge(_, Y).
unreached(X) :- node(X), not path(a, X).
lonely(X) :- node(X), not node(X).
?- unreached(X).
";

#[test]
fn a_small_program_shows_every_round() {
    insta::assert_snapshot!(run(&["run", "--trace", "-"], CHAIN));
}

#[test]
fn a_long_recursion_is_bounded_per_round_and_in_all() {
    // A chain of 40 edges: path/2 has 820 facts over 40 rounds.
    let mut program = String::new();
    for index in 0..40 {
        program.push_str(&format!("edge({index}, {}).\n", index + 1));
    }
    program.push_str("path(X, Y) :- edge(X, Y).\npath(X, Z) :- path(X, Y), edge(Y, Z).\n");
    let bounded = run(&["run", "--trace", "-"], &program);
    assert!(bounded.contains("… and 30 more"), "{bounded}");
    assert!(
        bounded.contains("listed 200 of 820 derived facts: at most 10 a round and 200 in all"),
        "{bounded}"
    );
    assert!(
        bounded.contains("  round 40: 1 new fact\n    (not listed)"),
        "{bounded}"
    );
    let complete = run(&["run", "--trace", "--all", "-"], &program);
    assert!(!complete.contains("listed"), "{complete}");
    assert_eq!(complete.matches("\n      path(").count(), 820);
}

#[test]
fn a_lesson_traced_names_its_strata_in_order() {
    insta::assert_snapshot!(run(
        &[
            "run",
            "--trace",
            "examples/03_recursion.dl",
            "-q",
            "?- within(chaman, R)."
        ],
        ""
    ));
}

#[test]
fn trace_is_text_only() {
    assert_eq!(
        run(&["run", "--trace", "--format", "json", "-"], CHAIN),
        "error: `--trace` prints text: use it with `--format table`\n[exit 2]\n"
    );
}

/// `wirelog check --report`: per article, each fact citing it beside its quote.
#[test]
fn the_citation_report_puts_each_fact_beside_its_quote() {
    insta::assert_snapshot!(run(
        &[
            "check",
            "--report",
            "tests/golden/report/three_citations.dl"
        ],
        ""
    ));
    insta::assert_snapshot!(
        "citation_report_markdown",
        run(
            &[
                "check",
                "--report=markdown",
                "tests/golden/report/three_citations.dl"
            ],
            ""
        )
    );
    assert!(
        run(
            &[
                "check",
                "--report=xml",
                "tests/golden/report/three_citations.dl"
            ],
            ""
        )
        .ends_with("use `--report` or `--report=markdown`\n[exit 2]\n")
    );
    // The knowledge base: one line per citation, as many as `check` verifies.
    let report = run(&["check", "--report", "--news"], "");
    let verified: usize = report
        .lines()
        .find_map(|line| line.strip_prefix("ok: "))
        .and_then(|line| {
            line.split(", ")
                .find(|part| part.ends_with("citations verified"))
        })
        .and_then(|part| part.split(' ').next())
        .and_then(|count| count.parse().ok())
        .expect("the ok line counts citations");
    assert_eq!(report.matches("  │ \"").count(), verified);
    assert!(verified > 500);
}
