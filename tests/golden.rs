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
