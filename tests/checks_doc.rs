//! `docs/checks.md` and `diagnostic::Code` list the same codes with the same
//! summaries, each under the heading of its stage.

use std::collections::BTreeMap;
use wirelog::diagnostic::Code;

/// The rows `| CODE | what | … |` of docs/checks.md, with the `##` heading above each.
fn documented() -> BTreeMap<String, (String, String)> {
    let text = std::fs::read_to_string("docs/checks.md").expect("docs/checks.md");
    let mut rows = BTreeMap::new();
    let mut heading = String::new();
    for line in text.lines() {
        if let Some(title) = line.strip_prefix("## ") {
            heading = title.to_string();
            continue;
        }
        let cells: Vec<&str> = line.split(" | ").map(str::trim).collect();
        let Some(code) = cells.first().and_then(|cell| cell.strip_prefix("| ")) else {
            continue;
        };
        let is_code = code.len() == 4
            && (code.starts_with('E') || code.starts_with('W'))
            && code[1..]
                .chars()
                .all(|character| character.is_ascii_digit());
        if !is_code {
            continue;
        }
        let what = cells.get(1).copied().unwrap_or_default().to_string();
        let previous = rows.insert(code.to_string(), (what, heading.clone()));
        assert!(previous.is_none(), "{code} is documented twice");
    }
    rows
}

#[test]
fn every_code_is_documented_with_its_summary_under_its_stage() {
    let documented = documented();
    let mut problems = Vec::new();
    for code in Code::ALL {
        match documented.get(code.as_str()) {
            None => problems.push(format!("{code} is not in docs/checks.md")),
            Some((what, heading)) => {
                if what != code.summary() {
                    problems.push(format!(
                        "{code}: docs say {what:?}, the code says {:?}",
                        code.summary()
                    ));
                }
                let stage = code.stage().title().to_lowercase();
                let expected = if code.as_str().starts_with('W') {
                    "warnings".to_string()
                } else {
                    stage
                };
                if !heading.to_lowercase().contains(&expected) {
                    problems.push(format!("{code} is under `## {heading}`, not its stage"));
                }
            }
        }
    }
    for code in documented.keys() {
        if !Code::ALL.iter().any(|known| known.as_str() == code) {
            problems.push(format!(
                "docs/checks.md lists {code}, which no diagnostic has"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
