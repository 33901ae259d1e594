//! Golden tests: every `tests/golden/ok/*.dl` must answer with no diagnostics,
//! every `tests/golden/err/*.dl` must produce at least one error; the output is
//! pinned as an insta snapshot per file.
//!
//! A file runs as `wirelog run FILE` unless a line `% wirelog: ARGS` gives other
//! arguments (for example `check`). Snapshots are taken without colour.

use std::path::Path;
use std::process::Command;

fn wirelog(path: &Path) -> (String, String, i32) {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let arguments: Vec<String> = text
        .lines()
        .find_map(|line| line.strip_prefix("% wirelog:"))
        .map(|args| args.split_whitespace().map(str::to_string).collect())
        .unwrap_or_else(|| vec!["run".to_string()]);
    let directory = path.parent().unwrap_or(Path::new("."));
    let file_name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let output = Command::new(env!("CARGO_BIN_EXE_wirelog"))
        .args(&arguments)
        .arg(&file_name)
        .current_dir(directory)
        .env("NO_COLOR", "1")
        .output()
        .expect("the wirelog binary runs");
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
        output.status.code().unwrap_or(-1),
    )
}

#[test]
fn ok_files_answer_without_diagnostics() {
    insta::glob!("golden/ok/*.dl", |path| {
        let (stdout, stderr, code) = wirelog(path);
        assert_eq!(stderr, "", "no diagnostics expected for {}", path.display());
        assert_eq!(code, 0);
        insta::assert_snapshot!(stdout);
    });
}

#[test]
fn err_files_report_errors() {
    insta::glob!("golden/err/*.dl", |path| {
        let (stdout, stderr, code) = wirelog(path);
        assert!(
            stderr.contains("error["),
            "an error expected for {}:\n{stderr}",
            path.display()
        );
        assert_eq!(code, 1, "exit code 1 for {}", path.display());
        assert_eq!(
            stdout,
            "",
            "nothing on stdout when a file is rejected: {}",
            path.display()
        );
        insta::assert_snapshot!(stderr);
    });
}

/// The answers of a session as (columns, rows) per query: what must not change
/// however the program reaches the session (query texts may be laid out anew).
type Rows = Vec<(Vec<String>, Vec<Vec<wirelog::value::Value>>)>;

fn rows_of(answers: &[wirelog::value::Answer]) -> Rows {
    answers
        .iter()
        .map(|answer| (answer.columns.clone(), answer.rows.clone()))
        .collect()
}

/// The programs whose answers are compared three ways: the golden `ok` files
/// and the lessons.
fn corpus() -> Vec<std::path::PathBuf> {
    let mut paths = Vec::new();
    for folder in ["tests/golden/ok", "examples"] {
        for entry in std::fs::read_dir(folder)
            .expect("the corpus folder")
            .flatten()
        {
            let path = entry.path();
            if path.extension().is_some_and(|extension| extension == "dl") {
                paths.push(path);
            }
        }
    }
    paths.sort();
    assert!(
        paths.len() >= 10,
        "the corpus is only {} files",
        paths.len()
    );
    paths
}

/// The program of the corpus file `path`, parsed, with the relative paths of
/// its directives (`#articles`, `#import`, `#include "…"`) made relative to
/// the current folder: a file's are relative to its own folder, typed
/// text's to the current one, and the tests type the files' clauses.
fn parse_rooted(path: &Path) -> wirelog::syntax::ast::Program {
    use wirelog::span::SourceId;
    use wirelog::syntax::ast::{IncludeTarget, Item};
    let text = std::fs::read_to_string(path).expect("a corpus file");
    let (mut program, errors) = wirelog::syntax::parse_program(SourceId(0), &text);
    assert!(errors.is_empty(), "{}: {errors:?}", path.display());
    let folder = path.parent().unwrap_or(Path::new(""));
    let rooted = |relative: &str| folder.join(relative).to_string_lossy().into_owned();
    for item in &mut program.items {
        match item {
            Item::Articles(directive) => directive.path.value = rooted(&directive.path.value),
            Item::Import(directive) => directive.path.value = rooted(&directive.path.value),
            Item::Include(include) => {
                if let IncludeTarget::Path(relative) = &include.target {
                    include.target = IncludeTarget::Path(rooted(relative));
                }
            }
            _ => {}
        }
    }
    program
}

/// The answers of `path` loaded as a file, as `wirelog run` gets them.
fn answers_of_file(path: &Path) -> Rows {
    let mut session = wirelog::session::Session::default();
    session
        .load_files(&[path.to_path_buf()])
        .unwrap_or_else(|rejected| panic!("{} loads: {:?}", path.display(), rejected.diagnostics));
    rows_of(&session.answers().expect("answers"))
}

#[test]
fn the_corpus_answers_the_same_printed_and_parsed_again() {
    use wirelog::syntax::print::print_program;
    for path in corpus() {
        let program = parse_rooted(&path);
        let printed = print_program(&program);
        // Typed, the printed program's queries are answered at once, in order.
        let mut session = wirelog::session::Session::default();
        let accepted = session.load_text(&printed).unwrap_or_else(|rejected| {
            panic!("{} printed: {:?}", path.display(), rejected.diagnostics)
        });
        assert_eq!(
            rows_of(&accepted.answers),
            answers_of_file(&path),
            "{} printed and parsed again answers differently:\n{printed}",
            path.display()
        );
    }
}

#[test]
fn the_corpus_answers_the_same_typed_clause_by_clause() {
    use wirelog::syntax::ast::Item;
    for path in corpus() {
        let program = parse_rooted(&path);
        let mut session = wirelog::session::Session::default();
        let mut queries = Vec::new();
        // A `%%` block goes in with the clause it documents.
        let mut pending_doc = String::new();
        for item in &program.items {
            match item {
                Item::Doc(_) => pending_doc = format!("{item}\n"),
                Item::Query(query) => queries.push(query.to_string()),
                _ => {
                    let input = format!("{}{item}", std::mem::take(&mut pending_doc));
                    if let Err(rejected) = session.load_text(&input) {
                        panic!(
                            "{}: `{input}` rejected: {:?}",
                            path.display(),
                            rejected.diagnostics
                        );
                    }
                }
            }
        }
        let mut answers = Vec::new();
        for query in &queries {
            let accepted = session
                .query(query)
                .unwrap_or_else(|rejected| panic!("{query}: {:?}", rejected.diagnostics));
            answers.extend(accepted.answers);
        }
        assert_eq!(
            rows_of(&answers),
            answers_of_file(&path),
            "{} typed clause by clause answers differently",
            path.display()
        );
    }
}
