//! Every lesson in `examples/` runs through the real binary; its answers are pinned per query.

use std::process::Command;

#[test]
fn every_example_answers_as_pinned() {
    insta::glob!("..", "examples/*.dl", |path| {
        let output = Command::new(env!("CARGO_BIN_EXE_wirelog"))
            .args(["run", "--format", "json"])
            .arg(path)
            .env("NO_COLOR", "1")
            .output()
            .expect("the wirelog binary runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{}: {stderr}", path.display());
        assert_eq!(
            stderr,
            "",
            "{}: lessons run without warnings",
            path.display()
        );
        let answers: Vec<serde_json::Value> =
            serde_json::from_slice(&output.stdout).expect("JSON output");
        for (index, answer) in answers.iter().enumerate() {
            let query = answer["query"].as_str().unwrap_or_default().to_string();
            let rows: Vec<String> = answer["rows"]
                .as_array()
                .map(|rows| rows.iter().map(|row| row.to_string()).collect())
                .unwrap_or_default();
            let columns = answer["columns"].to_string();
            // One snapshot per query, named by its position in the lesson.
            insta::assert_snapshot!(
                format!("query{:02}", index + 1),
                format!("{query}\ncolumns: {columns}\n{}", rows.join("\n")),
                &query
            );
        }
    });
}
