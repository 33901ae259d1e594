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
