//! Integration tests of the command line: formats, exit codes, streams.

use std::path::PathBuf;
use std::process::{Command, Output};

fn wirelog(arguments: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wirelog"))
        .args(arguments)
        .env("NO_COLOR", "1")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the wirelog binary runs")
}

fn temp_file(name: &str, text: &str) -> PathBuf {
    let directory = std::env::temp_dir().join(format!("wirelog-cli-{}", std::process::id()));
    std::fs::create_dir_all(&directory).expect("temp dir");
    let path = directory.join(name);
    std::fs::write(&path, text).expect("write temp file");
    path
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

const PROGRAM: &str = "talks(doha, 2025-10-19, \"ceasefire\").\ntalks(istanbul, 2025-11-07, \"no deal\").\nsize(doha, 3).\n?- talks(T, D, O).\n?- size(doha, 3).\n?- size(istanbul, 3).\n";

#[test]
fn json_output_has_the_shape_of_the_spec() {
    let path = temp_file("json.dl", PROGRAM);
    let output = wirelog(&["run", "--format", "json", path.to_str().unwrap_or_default()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let parsed: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("valid JSON");
    // The SPEC's keys, plus `types` (extra keys are allowed): a program can
    // tell the symbol `doha` from a string and a date from both.
    assert_eq!(
        parsed,
        serde_json::json!([
            {"query": "?- talks(T, D, O).", "columns": ["T", "D", "O"],
             "rows": [["doha", "2025-10-19", "ceasefire"], ["istanbul", "2025-11-07", "no deal"]],
             "types": ["symbol", "date", "string"]},
            {"query": "?- size(doha, 3).", "columns": [], "rows": [[]], "types": []},
            {"query": "?- size(istanbul, 3).", "columns": [], "rows": [], "types": []}
        ])
    );
}

#[test]
fn json_integers_are_numbers() {
    let path = temp_file("numbers.dl", "n(3). n(-4).\n?- n(X).\n");
    let output = wirelog(&["run", "--format", "json", path.to_str().unwrap_or_default()]);
    let parsed: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("valid JSON");
    assert_eq!(parsed[0]["rows"], serde_json::json!([[-4], [3]]));
}

#[test]
fn csv_output_has_a_header_per_query() {
    let path = temp_file("csv.dl", PROGRAM);
    let output = wirelog(&["run", "--format", "csv", path.to_str().unwrap_or_default()]);
    assert!(output.status.success());
    let text = stdout(&output);
    assert!(
        text.starts_with("T,D,O\ndoha,2025-10-19,ceasefire\nistanbul,2025-11-07,no deal\n"),
        "{text}"
    );
    assert!(text.contains("answer\nyes\n"), "{text}");
    assert!(text.contains("answer\nno\n"), "{text}");
}

#[test]
fn table_output_is_aligned_with_a_row_count() {
    let path = temp_file("table.dl", PROGRAM);
    let output = wirelog(&["run", path.to_str().unwrap_or_default()]);
    let text = stdout(&output);
    assert!(text.contains("2 rows"), "{text}");
    assert!(
        text.contains("│ istanbul │ 2025-11-07 │ \"no deal\"   │"),
        "{text}"
    );
    assert!(text.contains("yes") && text.contains("no"), "{text}");
}

#[test]
fn an_error_exits_1_with_diagnostics_on_stderr_and_nothing_on_stdout() {
    let path = temp_file("bad.dl", "p(a).\n?- p(X).\nq(X) :- p(Y).\n");
    let output = wirelog(&["run", "--format", "json", path.to_str().unwrap_or_default()]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stdout(&output), "");
    let errors = stderr(&output);
    assert!(errors.contains("error[E202]"), "{errors}");
    assert!(
        errors.contains("bad.dl:3:3"),
        "file:line:column expected: {errors}"
    );
}

#[test]
fn warnings_go_to_stderr_and_the_run_succeeds() {
    let path = temp_file("warn.dl", "mediates(qatar, talks).\n?- mediate(X, Y).\n");
    let output = wirelog(&["run", path.to_str().unwrap_or_default()]);
    assert_eq!(output.status.code(), Some(0));
    assert!(
        stderr(&output).contains("did you mean `mediates`"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_missing_file_is_an_error() {
    let output = wirelog(&["run", "no/such/file.dl"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("cannot read `no/such/file.dl`"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn binary_garbage_is_rejected_cleanly() {
    let directory = std::env::temp_dir().join(format!("wirelog-cli-{}", std::process::id()));
    std::fs::create_dir_all(&directory).expect("temp dir");
    let path = directory.join("garbage.dl");
    std::fs::write(&path, [0xff_u8, 0xfe, 0x00, 0x12, b'p', b'(']).expect("write");
    let output = wirelog(&["run", path.to_str().unwrap_or_default()]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("not valid UTF-8"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn check_verifies_the_knowledge_base() {
    let output = wirelog(&["check", "rules/news.dl"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).starts_with("ok: "), "{}", stdout(&output));
    assert_eq!(
        stderr(&output),
        "",
        "the knowledge base checks without warnings"
    );
}

#[test]
fn check_reports_a_mistyped_quote_with_its_span() {
    let path = temp_file(
        "quote.dl",
        "mediates(qatar, istanbul_talks)\n    @ \"002\": \"negotiations mediated by Qatar and Turkey\".\n",
    );
    let output = wirelog(&["check", path.to_str().unwrap_or_default()]);
    assert_eq!(output.status.code(), Some(1));
    let errors = stderr(&output);
    assert!(errors.contains("error[E403]"), "{errors}");
    assert!(
        errors.contains("quote.dl:2:14"),
        "span of the quote expected: {errors}"
    );
}

#[test]
fn check_does_not_answer_queries() {
    let path = temp_file("check.dl", "p(a).\n?- p(X).\n");
    let output = wirelog(&["check", path.to_str().unwrap_or_default()]);
    assert!(output.status.success());
    assert!(!stdout(&output).contains("│"), "{}", stdout(&output));
}

#[test]
fn schema_lists_the_design_card_predicates() {
    let output = wirelog(&["schema"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    for signature in ["mediates(Mediator", "blames(Accuser", "closed(Crossing"] {
        assert!(
            text.contains(signature),
            "{signature} missing from:\n{text}"
        );
    }
}

#[test]
fn the_news_is_bundled_and_includable_from_any_folder() {
    let path = temp_file(
        "news.dl",
        "#include <news>.\n?- mediates(M, istanbul_talks).\n",
    );
    let output = Command::new(env!("CARGO_BIN_EXE_wirelog"))
        .args(["run", "--format", "csv", path.to_str().unwrap_or_default()])
        .current_dir(std::env::temp_dir())
        .output()
        .expect("runs");
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).contains("qatar"), "{}", stdout(&output));
}

#[test]
fn an_unknown_format_is_a_usage_error() {
    let path = temp_file("format.dl", "p(a).\n");
    let output = wirelog(&["run", "--format", "xml", path.to_str().unwrap_or_default()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("unknown format `xml`"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn the_runaway_limit_is_configurable() {
    let path = temp_file("runaway.dl", "n(0).\nn(X) :- n(Y), X = Y + 1.\n?- n(5).\n");
    let output = wirelog(&[
        "run",
        "--max-tuples",
        "500",
        path.to_str().unwrap_or_default(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("error[E302]"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn files_are_loaded_together_and_queries_answered_in_file_order() {
    let first = temp_file("first.dl", "edge(a, b).\n?- path(a, X).\n");
    let second = temp_file("second.dl", "path(X, Y) :- edge(X, Y).\n?- edge(X, Y).\n");
    let output = wirelog(&[
        "run",
        "--format",
        "csv",
        first.to_str().unwrap_or_default(),
        second.to_str().unwrap_or_default(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stdout(&output), "X\nb\n\nX,Y\na,b\n");
}

#[test]
fn a_point_query_is_answered_from_demand_and_explained() {
    // Only path(8, _) is computed (magic sets); the answers and their
    // explanations are those of the full closure.
    let mut text = String::from(
        "path(X, Y) :- edge(X, Y).\npath(X, Z) :- path(X, Y), edge(Y, Z).\n?- path(8, X).\n?- path(9, 10).\n",
    );
    for node in 0..10 {
        text.push_str(&format!("edge({node}, {}).\n", node + 1));
    }
    let path = temp_file("point.dl", &text);
    let output = wirelog(&["run", "--format", "csv", path.to_str().unwrap_or_default()]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stdout(&output), "X\n9\n10\n\nanswer\nyes\n");
    let explained = wirelog(&["run", "--explain", path.to_str().unwrap_or_default()]);
    assert!(explained.status.success(), "{}", stderr(&explained));
    let text = stdout(&explained);
    assert!(text.contains("path(8, 10)"), "{text}");
    assert!(text.contains("edge(9, 10)"), "{text}");
}

#[test]
fn the_written_order_gives_the_same_answers() {
    let text = "a(1). a(2). b(2). b(3). c(1, 2). c(2, 3).\nh(X, Y) :- a(X), b(Y), c(X, Y).\nr(X, Z) :- c(X, Z).\nr(X, Z) :- c(X, Y), r(Y, Z).\n?- h(X, Y).\n?- r(X, Y).\n";
    let path = temp_file("order.dl", text);
    let planned = wirelog(&["run", "--format", "csv", path.to_str().unwrap_or_default()]);
    let written = wirelog(&[
        "run",
        "--written-order",
        "--format",
        "csv",
        path.to_str().unwrap_or_default(),
    ]);
    assert!(written.status.success(), "{}", stderr(&written));
    assert_eq!(stdout(&planned), stdout(&written));
    assert_eq!(stdout(&written), "X,Y\n1,2\n2,3\n\nX,Y\n1,2\n1,3\n2,3\n");
}

/// Runs `wirelog ARGS...` with `input` on standard input.
fn wirelog_with_stdin(arguments: &[&str], input: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_wirelog"))
        .args(arguments)
        .env("NO_COLOR", "1")
        .env("WIRELOG_HISTORY", "")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the wirelog binary runs");
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(input.as_bytes()).expect("write stdin");
    }
    child.wait_with_output().expect("wirelog ends")
}

#[test]
fn run_news_loads_the_bundled_knowledge_base_first() {
    let path = temp_file(
        "news_rule.dl",
        "host(M) :- mediates(M, istanbul_talks).\n?- host(M).\n",
    );
    let output = wirelog(&[
        "run",
        "--news",
        "--format",
        "csv",
        path.to_str().unwrap_or_default(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stdout(&output), "M\nqatar\nturkey\n");
    // Without it the predicate is not defined: a warning, empty answer.
    let output = wirelog(&["run", "--format", "csv", path.to_str().unwrap_or_default()]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(stdout(&output), "M\n");
    assert!(
        stderr(&output).contains("warning[W001]"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn run_dash_reads_the_program_from_stdin() {
    let output = wirelog_with_stdin(
        &["run", "--format", "csv", "-"],
        "edge(a, b). edge(b, c).\npath(X, Y) :- edge(X, Y).\npath(X, Z) :- path(X, Y), edge(Y, Z).\n?- path(a, X).\n",
    );
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stdout(&output), "X\nb\nc\n");
    // Errors point into `<stdin>` with line and column; nothing on stdout.
    let output = wirelog_with_stdin(&["run", "-"], "p(a).\nq(X) :- p(Y).\n?- q(X).\n");
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stdout(&output), "");
    assert!(
        stderr(&output).contains("<stdin>:2:3"),
        "{}",
        stderr(&output)
    );
    // With --news, the program's includes and rules see the knowledge base.
    let output = wirelog_with_stdin(
        &["run", "--news", "--format", "csv", "-"],
        "?- mediates(M, istanbul_talks).\n",
    );
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stdout(&output), "M\nqatar\nturkey\n");
}

#[test]
fn query_options_answer_instead_of_the_files_queries_in_the_order_given() {
    let path = temp_file("queries.dl", PROGRAM);
    let file = path.to_str().unwrap_or_default();
    let output = wirelog(&[
        "run",
        "--format",
        "json",
        file,
        "-q",
        "?- size(T, N).",
        "--query",
        "talks(T, _, _)",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let parsed: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("valid JSON");
    let queries: Vec<&str> = parsed
        .as_array()
        .expect("an array")
        .iter()
        .filter_map(|answer| answer["query"].as_str())
        .collect();
    // The file's own three queries are not answered; `?-` and `.` are added.
    assert_eq!(queries, ["?- size(T, N).", "?- talks(T, _, _)."]);
    assert_eq!(parsed[0]["rows"], serde_json::json!([["doha", 3]]));
    // A query alone needs no file: with --news it asks the knowledge base.
    let output = wirelog(&[
        "run",
        "--news",
        "--format",
        "csv",
        "-q",
        "failed_mediated_talks(T)",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stdout(&output), "T\nistanbul_talks\nistanbul_talks_nov\n");
    // A query that does not parse is an error with its column.
    let output = wirelog(&["run", file, "-q", "?- talks(T,"]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stdout(&output), "");
    assert!(stderr(&output).contains("error[E1"), "{}", stderr(&output));
}

#[test]
fn deny_warnings_fails_run_and_check_on_a_query_over_undefined_predicates() {
    let path = temp_file(
        "undefined.dl",
        "mediates(qatar, talks).\n?- mediate(X, Y).\n",
    );
    let file = path.to_str().unwrap_or_default();
    // As clingo and Soufflé: a warning, the (empty) answer, exit 0 ...
    let output = wirelog(&["run", "--format", "csv", file]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(stdout(&output), "X,Y\n");
    assert!(
        stderr(&output).contains("warning[W001]"),
        "{}",
        stderr(&output)
    );
    // ... and under --deny-warnings a failure, with nothing on stdout (for CI).
    let output = wirelog(&["run", "--deny-warnings", file]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stdout(&output), "");
    assert!(
        stderr(&output).contains("warnings are denied"),
        "{}",
        stderr(&output)
    );
    let output = wirelog(&["check", "--deny-warnings", file]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("warning[W001]"),
        "{}",
        stderr(&output)
    );
    let output = wirelog(&["check", file]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    // A clean file passes either way.
    let clean = temp_file("clean.dl", "p(a).\n?- p(X).\n");
    let output = wirelog(&["run", "--deny-warnings", clean.to_str().unwrap_or_default()]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    // A constant of the wrong type (W007) is a warning too.
    let typed = temp_file(
        "typed.dl",
        "closed(torkham, 2025-10-12).\n?- closed(C, \"2025-10-12\").\n",
    );
    let output = wirelog(&["run", typed.to_str().unwrap_or_default()]);
    assert_eq!(output.status.code(), Some(0));
    assert!(
        stderr(&output).contains("warning[W007]"),
        "{}",
        stderr(&output)
    );
    assert!(
        stderr(&output).contains("`2025-10-12`"),
        "{}",
        stderr(&output)
    );
    let output = wirelog(&["run", "--deny-warnings", typed.to_str().unwrap_or_default()]);
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn a_piped_repl_script_exits_1_when_an_input_failed() {
    let output = wirelog_with_stdin(&["repl"], "p(a).\n?- p(X).\n");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let output = wirelog_with_stdin(&["repl"], "p(a).\nq(X) :- p(Y).\n?- p(X).\n");
    assert_eq!(output.status.code(), Some(1));
    // Every line ran: the answer after the error is there.
    assert!(stdout(&output).contains("1 row"), "{}", stdout(&output));
    let output = wirelog_with_stdin(&["repl"], ":nosuch\n");
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("error[E601]"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn several_csv_answers_split_at_blank_lines_in_query_order() {
    // The shape docs/output-formats.md promises: per query a header row
    // then the rows, one blank line between queries, no other blank line
    // (an empty string is `""`).
    let path = temp_file(
        "split.dl",
        "s(\"\"). s(\"x\").\nn(1).\n?- s(X).\n?- n(9).\n?- n(X).\n?- s(\"nope\").\n",
    );
    let output = wirelog(&["run", "--format", "csv", path.to_str().unwrap_or_default()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    let blocks: Vec<&str> = text.trim_end_matches('\n').split("\n\n").collect();
    assert_eq!(
        blocks,
        ["X\n\"\"\nx", "answer\nno", "X\n1", "answer\nno"],
        "{text}"
    );
}

#[test]
fn check_counts_the_facts_kept_in_tables_but_not_the_article_metadata() {
    // Plain facts of a file go to compact fact tables; they are still facts.
    let path = temp_file(
        "counted.dl",
        "edge(1, 2).\nedge(2, 3).\nedge(3, 4).\npath(X, Y) :- edge(X, Y).\n",
    );
    let output = wirelog(&["check", path.to_str().expect("a UTF-8 path")]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        "ok: 3 facts, 1 rules, 0 queries, 0 citations verified\n"
    );
}

#[test]
fn a_run_lets_go_of_a_file_of_facts_and_answers_as_with_explanations() {
    // `run` lets go of a plain-facts file's text and table once the engine
    // holds its rows (unless `--explain` or `--trace` will show them): the
    // answers, errors located in it and constraint violations are the same.
    // Values wider than a narrow table cell (2^40, far dates) are kept too.
    let mut facts = String::new();
    for node in 0..300 {
        facts.push_str(&format!("edge({node}, {}).\n", node + 1));
    }
    facts.push_str(
        "edge(1099511627776, -5).\nborn(\"Ada\", 1815-12-10).\nborn(\"Far\", 9999-12-31).\n",
    );
    let facts_path = temp_file("release-facts.dl", &facts);
    let program = temp_file(
        "release-program.dl",
        "path(X, Y) :- edge(X, Y).\npath(X, Z) :- path(X, Y), edge(Y, Z).\n\
         n(N) :- N = count : { path(_, _) }.\n?- n(N).\n?- path(1099511627776, Y).\n?- born(W, D).\n",
    );
    let (facts_arg, program_arg) = (
        facts_path.to_str().unwrap_or_default(),
        program.to_str().unwrap_or_default(),
    );
    let lean = wirelog(&["run", "--format", "csv", program_arg, facts_arg]);
    assert!(lean.status.success(), "{}", stderr(&lean));
    let expected = format!(
        "N\n{}\n\nY\n-5\n\nW,D\nAda,1815-12-10\nFar,9999-12-31\n",
        300 * 301 / 2 + 1
    );
    assert_eq!(stdout(&lean), expected);
    let explained = wirelog(&[
        "run",
        "--explain",
        "--format",
        "json",
        program_arg,
        facts_arg,
    ]);
    assert!(explained.status.success(), "{}", stderr(&explained));
    assert!(
        stdout(&explained).contains("release-facts.dl\",\"line\":302"),
        "explanations still place a fact on its line: {}",
        stdout(&explained)
    );

    // A bad fact is located in the facts file, as before.
    let bad = temp_file("release-bad.dl", "edge(1, 2).\nedge(1 2).\n");
    let output = wirelog(&["run", program_arg, bad.to_str().unwrap_or_default()]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("release-bad.dl:2:"),
        "{}",
        stderr(&output)
    );

    // A violated constraint over the released facts is reported with its bindings.
    let constrained = temp_file("release-constraint.dl", ":- edge(X, X).\n?- edge(0, Y).\n");
    let looped = temp_file("release-loop.dl", &format!("{facts}edge(7, 7).\n"));
    let output = wirelog(&[
        "run",
        constrained.to_str().unwrap_or_default(),
        looped.to_str().unwrap_or_default(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("X = 7"), "{}", stderr(&output));
}

#[test]
fn lattice_answers_are_the_same_on_both_engines_in_json_with_explanations() {
    let path = temp_file(
        "lattice_roads.dl",
        "road(a, b, 4). road(a, c, 1). road(c, b, 2). road(b, d, 5). road(a, d, 20).\n\
         dist(X, Y, min D) :- road(X, Y, D).\n\
         dist(X, Z, min D) :- dist(X, Y, D1), road(Y, Z, W), D = D1 + W.\n\
         ?- dist(a, d, D).\n",
    );
    for engine in ["datafrog", "dataflow"] {
        let output = wirelog(&[
            "run",
            "--engine",
            engine,
            "--format",
            "json",
            "--explain",
            path.to_str().unwrap_or_default(),
        ]);
        assert!(output.status.success(), "{engine}: {}", stderr(&output));
        let answers: serde_json::Value =
            serde_json::from_str(&stdout(&output)).expect("one JSON document");
        assert_eq!(answers[0]["columns"], serde_json::json!(["D"]), "{engine}");
        assert_eq!(answers[0]["rows"], serde_json::json!([[8]]), "{engine}");
        // The explanation is the shortest path's: its roads, not the direct one.
        let explained = answers[0].to_string();
        for road in ["road(a, c, 1)", "road(c, b, 2)", "road(b, d, 5)"] {
            assert!(explained.contains(road), "{engine}: {road} in {explained}");
        }
        assert!(
            !explained.contains("road(a, d, 20)"),
            "{engine}: {explained}"
        );
    }
}
