//! The architecture, checked: the layer table in ARCHITECTURE.md is the one
//! source of truth, and this test fails when the code drifts from it.
//!
//! 1. Every module of `src/` is in the table, and every module in the table exists.
//! 2. A module uses only itself and modules of lower layers (`crate::…` in the
//!    library, `wirelog::…` in the binary); two modules of one layer never use
//!    each other.
//! 3. No two files use each other, directly or through others: the files of
//!    a folder form no cycle (a façade `mod.rs` that re-exports a child does
//!    not count as using it).
//! 4. Diagnostic codes are spelt only in `diagnostic.rs`: nowhere else is a
//!    string like `"E304"` compared or built.
//! 5. Every file opens with a `//!` comment saying what it owns.
//! 6. Some modules never name some things: `eval` never a `Span`; nothing
//!    outside `eval` a datafrog type; `present` never the engine or the
//!    session (it renders, it does not evaluate); `provenance` never the
//!    session or the parser (it reads a model view and a typed goal).
//!
//! Test code (`#[cfg(test)]` items) and comments are left out: they may
//! reach anywhere.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The layer of each module, read from ARCHITECTURE.md.
fn layer_table() -> BTreeMap<String, usize> {
    let text = std::fs::read_to_string("ARCHITECTURE.md").expect("ARCHITECTURE.md");
    let start = text
        .find("<!-- layers:begin -->")
        .expect("ARCHITECTURE.md marks its layer table with <!-- layers:begin -->");
    let end = text
        .find("<!-- layers:end -->")
        .expect("ARCHITECTURE.md ends its layer table with <!-- layers:end -->");
    let mut layers = BTreeMap::new();
    for line in text[start..end].lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        // | layer | modules | … |
        let (Some(layer), Some(modules)) = (cells.get(1), cells.get(2)) else {
            continue;
        };
        let Ok(layer) = layer.parse::<usize>() else {
            continue;
        };
        for module in modules.split(',') {
            let module = module.trim().trim_matches('`').trim_end_matches('/');
            assert!(
                layers.insert(module.to_string(), layer).is_none(),
                "`{module}` is listed twice in the layer table"
            );
        }
    }
    assert!(!layers.is_empty(), "the layer table has no rows");
    layers
}

/// One source file: its path under `src/`, its top module, its code.
struct File {
    path: PathBuf,
    module: String,
    code: String,
    first_line: String,
}

fn source_files() -> Vec<File> {
    let mut paths = Vec::new();
    collect(Path::new("src"), &mut paths);
    paths.sort();
    paths
        .into_iter()
        .filter_map(|path| {
            let relative = path.strip_prefix("src").ok()?.to_path_buf();
            let first = relative.components().next()?.as_os_str().to_string_lossy();
            let module = match first.trim_end_matches(".rs") {
                "lib" => return None,
                "main" => "cli".to_string(),
                other => other.to_string(),
            };
            let text = std::fs::read_to_string(&path).ok()?;
            Some(File {
                first_line: text.lines().next().unwrap_or_default().to_string(),
                code: without_tests_and_comments(&text),
                path: relative,
                module,
            })
        })
        .collect()
}

fn collect(folder: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(folder)
        .expect("src/ is readable")
        .flatten()
    {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|extension| extension == "rs") {
            out.push(path);
        }
    }
}

/// The code without comments and `#[cfg(test)]` items (rustfmt lays a test
/// module out from its `mod … {` line to a `}` at the same indentation).
fn without_tests_and_comments(text: &str) -> String {
    let mut out = String::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("//") {
            continue;
        }
        if trimmed.starts_with("#[cfg(test)]") {
            let indent = line.len() - trimmed.len();
            let Some(item) = lines.next() else { break };
            if item.trim_end().ends_with('{') {
                let closing = format!("{}}}", " ".repeat(indent));
                for inner in lines.by_ref() {
                    if inner == closing {
                        break;
                    }
                }
            }
            continue;
        }
        // A trailing comment is not code either.
        let code = match line.find(" // ") {
            Some(index) if !line[..index].contains('"') => &line[..index],
            _ => line,
        };
        out.push_str(code);
        out.push('\n');
    }
    out
}

/// Every `use` statement of the code: whether it is `pub`, and its tree with
/// whitespace normalised (`super::{a, b as c}` becomes `super::{a,b as c}`).
fn use_statements(code: &str) -> Vec<(bool, String)> {
    let mut statements = Vec::new();
    let mut rest = code;
    while let Some(start) = find_use(rest) {
        let after = &rest[start..];
        let Some(end) = after.find(';') else { break };
        let before = rest[..start].trim_end_matches([' ', '\t']);
        let public = before.ends_with("pub") || before.ends_with(')');
        let words: Vec<&str> = after["use ".len()..end].split_whitespace().collect();
        let mut tree = words.join(" ");
        for separator in ["::", "{", "}", ","] {
            tree = tree
                .replace(&format!(" {separator}"), separator)
                .replace(&format!("{separator} "), separator);
        }
        statements.push((public, tree));
        rest = &after[end..];
    }
    statements
}

/// Every path a file names through `use` trees and inline `crate::`,
/// `super::`, `self::` or `wirelog::` paths, expanded to full paths.
fn paths_of(code: &str) -> Vec<String> {
    let mut paths = Vec::new();
    for (_, tree) in use_statements(code) {
        expand_tree("", &tree, &mut paths);
    }
    let code = without_use_statements(code);
    let code = code.as_str();
    for prefix in ["crate::", "super::", "self::", "wirelog::"] {
        let mut from = 0;
        while let Some(found) = code[from..].find(prefix) {
            let start = from + found;
            from = start + prefix.len();
            let before = code[..start].chars().next_back();
            if before.is_some_and(|character| {
                character.is_alphanumeric() || character == '_' || character == ':'
            }) {
                continue;
            }
            let path: String = code[start..]
                .chars()
                .take_while(|character| {
                    character.is_alphanumeric() || *character == '_' || *character == ':'
                })
                .collect();
            paths.push(path.trim_end_matches(':').to_string());
        }
    }
    paths
}

/// The code with its `use` statements left out, for finding inline paths.
fn without_use_statements(code: &str) -> String {
    let mut out = String::new();
    let mut rest = code;
    while let Some(start) = find_use(rest) {
        out.push_str(&rest[..start]);
        let after = &rest[start..];
        let Some(end) = after.find(';') else {
            return out;
        };
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

/// The next `use ` at the start of a statement.
fn find_use(code: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(found) = code[from..].find("use ") {
        let start = from + found;
        let before = code[..start].trim_end_matches([' ', '\t']);
        if before.is_empty()
            || before.ends_with(['\n', ';', '{', '}', ')'])
            || before.ends_with("pub")
        {
            return Some(start);
        }
        from = start + 4;
    }
    None
}

/// Expands a `use` tree such as `super::{a, b::{C, D}}` into full paths.
fn expand_tree(prefix: &str, tree: &str, out: &mut Vec<String>) {
    let join = |head: &str| {
        if prefix.is_empty() {
            head.to_string()
        } else {
            format!("{prefix}::{head}")
        }
    };
    match tree.find('{') {
        None => {
            let path = tree.split(" as ").next().unwrap_or(tree);
            let path = path.trim_end_matches("::*").trim_end_matches("::self");
            if path == "self" {
                out.push(prefix.to_string());
            } else {
                out.push(join(path));
            }
        }
        Some(open) => {
            let head = tree[..open].trim_end_matches("::");
            let inner = tree[open + 1..]
                .strip_suffix('}')
                .unwrap_or(&tree[open + 1..]);
            let base = if head.is_empty() {
                prefix.to_string()
            } else {
                join(head)
            };
            let mut depth = 0;
            let mut item = String::new();
            for character in inner.chars() {
                match character {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    _ => {}
                }
                if character == ',' && depth == 0 {
                    expand_tree(&base, &item, out);
                    item.clear();
                } else {
                    item.push(character);
                }
            }
            if !item.is_empty() {
                expand_tree(&base, &item, out);
            }
        }
    }
}

/// The top module a path names, seen from a file of `module`.
fn target_module(path: &str, module: &str) -> Option<String> {
    let mut segments = path.split("::");
    match segments.next()? {
        "crate" | "wirelog" => segments.next().map(str::to_string),
        "super" | "self" => Some(module.to_string()),
        _ => None,
    }
}

#[test]
fn every_module_is_in_the_layer_table_and_back() {
    let layers = layer_table();
    let modules: BTreeSet<String> = source_files().into_iter().map(|file| file.module).collect();
    let listed: BTreeSet<String> = layers.keys().cloned().collect();
    assert_eq!(
        modules, listed,
        "the modules of src/ and the layer table of ARCHITECTURE.md differ"
    );
}

#[test]
fn modules_use_only_lower_layers() {
    let layers = layer_table();
    let mut violations = Vec::new();
    for file in source_files() {
        let Some(&own) = layers.get(&file.module) else {
            continue;
        };
        for path in paths_of(&file.code) {
            let Some(target) = target_module(&path, &file.module) else {
                continue;
            };
            if target == file.module {
                continue;
            }
            match layers.get(&target) {
                Some(&layer) if layer < own => {}
                Some(&layer) => violations.push(format!(
                    "{} (layer {own}) uses `{path}` (layer {layer})",
                    file.path.display()
                )),
                None => violations.push(format!(
                    "{} uses `{path}`, whose module is not in the layer table",
                    file.path.display()
                )),
            }
        }
    }
    assert!(
        violations.is_empty(),
        "imports against the layers:\n{}",
        violations.join("\n")
    );
}

/// Files of the crate by module path (`eval::pipeline`), with what each
/// `mod.rs` re-exports (`pub use`), to follow a name to the file defining it.
struct Graph {
    files: BTreeMap<String, File>,
    exports: BTreeMap<String, BTreeMap<String, String>>,
}

impl Graph {
    fn new() -> Graph {
        let mut files = BTreeMap::new();
        for file in source_files() {
            let name = module_path(&file.path);
            files.insert(name, file);
        }
        let mut exports: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
        for (name, file) in &files {
            for (public, tree) in use_statements(&file.code) {
                if !public {
                    continue;
                }
                let mut paths = Vec::new();
                expand_tree("", &tree, &mut paths);
                for path in paths {
                    let full = absolute(&path, name, &files);
                    let exported = path.rsplit("::").next().unwrap_or_default().to_string();
                    exports
                        .entry(name.clone())
                        .or_default()
                        .insert(exported, full);
                }
            }
        }
        Graph { files, exports }
    }

    /// The file a full path (`eval::store::Packed`) leads to.
    fn resolve(&self, full: &str, depth: usize) -> Option<String> {
        let segments: Vec<&str> = full.split("::").collect();
        for length in (1..=segments.len()).rev() {
            let candidate = segments[..length].join("::");
            if !self.files.contains_key(&candidate) {
                continue;
            }
            // A name re-exported by a façade leads to the file that defines it.
            if let Some(next) = segments.get(length)
                && let Some(target) = self
                    .exports
                    .get(&candidate)
                    .and_then(|names| names.get(*next))
                && depth < 8
            {
                return self.resolve(target, depth + 1).or(Some(candidate));
            }
            return Some(candidate);
        }
        None
    }
}

/// `eval::pipeline` for `eval/pipeline.rs`, `eval` for `eval/mod.rs`.
fn module_path(path: &Path) -> String {
    let text = path
        .to_string_lossy()
        .trim_end_matches(".rs")
        .replace('/', "::");
    text.trim_end_matches("::mod").to_string()
}

/// A path seen from `file` (a module path) made absolute, without `crate::`.
/// A path starting with a child module of `file` is relative to it, as in
/// `pub use context::EvalError;` in `eval/mod.rs`.
fn absolute(path: &str, file: &str, files: &BTreeMap<String, File>) -> String {
    let mut segments: Vec<&str> = path.split("::").collect();
    let mut base: Vec<&str> = file.split("::").collect();
    match segments.first().copied() {
        Some("crate") | Some("wirelog") => {
            segments.remove(0);
            return segments.join("::");
        }
        Some("self") => {
            segments.remove(0);
        }
        Some("super") => {
            segments.remove(0);
            base.pop();
        }
        Some(first) if files.contains_key(&format!("{file}::{first}")) => {}
        _ => return segments.join("::"),
    }
    base.extend(segments);
    base.join("::")
}

#[test]
fn files_form_no_cycle() {
    let graph = Graph::new();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (name, file) in &graph.files {
        let reexports: BTreeSet<&String> = graph
            .exports
            .get(name)
            .map(|names| names.values().collect())
            .unwrap_or_default();
        for path in paths_of(&file.code) {
            let full = absolute(&path, name, &graph.files);
            if reexports.contains(&full) {
                continue;
            }
            let Some(target) = graph.resolve(&full, 0) else {
                continue;
            };
            if &target != name {
                edges.entry(name.clone()).or_default().insert(target);
            }
        }
    }
    // Depth-first search for a back edge, reporting the cycle it closes.
    fn visit(
        node: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(node.to_string(), 1);
        stack.push(node.to_string());
        for next in edges.get(node).into_iter().flatten() {
            match state.get(next).copied().unwrap_or(0) {
                1 => {
                    let start = stack.iter().position(|entry| entry == next).unwrap_or(0);
                    let mut cycle = stack[start..].to_vec();
                    cycle.push(next.clone());
                    return Some(cycle);
                }
                0 => {
                    if let Some(cycle) = visit(next, edges, state, stack) {
                        return Some(cycle);
                    }
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(node.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for name in graph.files.keys() {
        if state.get(name).copied().unwrap_or(0) == 0 {
            let cycle = visit(name, &edges, &mut state, &mut Vec::new());
            assert!(
                cycle.is_none(),
                "files use each other in a cycle: {}",
                cycle.unwrap_or_default().join(" → ")
            );
        }
    }
}

#[test]
fn diagnostic_codes_are_spelt_only_in_diagnostic_rs() {
    let mut found = Vec::new();
    for file in source_files() {
        if file.path == Path::new("diagnostic.rs") {
            continue;
        }
        let bytes = file.code.as_bytes();
        for (index, window) in bytes.windows(6).enumerate() {
            let is_code = window[0] == b'"'
                && matches!(window[1], b'E' | b'W')
                && window[2..5].iter().all(u8::is_ascii_digit)
                && window[5] == b'"';
            if is_code {
                found.push(format!(
                    "{}: {}",
                    file.path.display(),
                    String::from_utf8_lossy(&bytes[index..index + 6])
                ));
            }
        }
    }
    assert!(
        found.is_empty(),
        "diagnostic codes as strings (use `diagnostic::Code`):\n{}",
        found.join("\n")
    );
}

/// Modules (by path prefix under `src/`) and words their code must not contain.
const NEVER_NAMED: &[(&str, &[&str], &str)] = &[
    ("eval/", &["Span", "crate::span"], "eval never sees a Span"),
    (
        "present/",
        &["crate::eval", "crate::session"],
        "present never evaluates",
    ),
    (
        "provenance/",
        &[
            "crate::session",
            "Session",
            "parse_program",
            "crate::syntax::parser",
        ],
        "provenance reads a model view and a typed goal",
    ),
];

#[test]
fn modules_never_name_what_they_must_not() {
    let mut found = Vec::new();
    for file in source_files() {
        let path = file.path.to_string_lossy().to_string();
        // Nothing above the engine names datafrog.
        if !path.starts_with("eval/") && file.code.contains("datafrog") {
            found.push(format!(
                "{path} names datafrog (nothing datafrog-specific above eval/)"
            ));
        }
        for (prefix, words, invariant) in NEVER_NAMED {
            if !path.starts_with(prefix) {
                continue;
            }
            for word in *words {
                if contains_word(&file.code, word) {
                    found.push(format!("{path} names `{word}` ({invariant})"));
                }
            }
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
}

/// True when `word` occurs in `code` not as part of a longer identifier.
fn contains_word(code: &str, word: &str) -> bool {
    let is_ident = |character: char| character.is_alphanumeric() || character == '_';
    code.match_indices(word).any(|(start, _)| {
        let before = code[..start].chars().next_back();
        let after = code[start + word.len()..].chars().next();
        !before.is_some_and(is_ident) && !after.is_some_and(is_ident)
    })
}

#[test]
fn every_file_says_what_it_owns() {
    let missing: Vec<String> = source_files()
        .into_iter()
        .filter(|file| !file.first_line.starts_with("//!"))
        .map(|file| file.path.display().to_string())
        .collect();
    assert!(
        missing.is_empty(),
        "files without an opening `//!` comment: {missing:?}"
    );
}

#[test]
fn the_checks_themselves_catch_what_they_should() {
    // A test that cannot fail is a defect: each helper on a known case.
    let code = without_tests_and_comments(
        "use super::{a, b::{C, D}};\n// crate::x::y\nfn f() { crate::eval::evaluate(); }\n#[cfg(test)]\nmod tests {\n    use crate::repl::Shell;\n}\n",
    );
    let paths = paths_of(&code);
    assert!(paths.contains(&"super::a".to_string()), "{paths:?}");
    assert!(paths.contains(&"super::b::C".to_string()), "{paths:?}");
    assert!(paths.contains(&"super::b::D".to_string()), "{paths:?}");
    assert!(
        paths.contains(&"crate::eval::evaluate".to_string()),
        "{paths:?}"
    );
    assert!(
        !paths
            .iter()
            .any(|path| path.contains("repl") || path.contains("x::y")),
        "{paths:?}"
    );
    assert_eq!(
        target_module("crate::eval::Database", "session").as_deref(),
        Some("eval")
    );
    assert!(contains_word("let s: Span = x;", "Span"));
    assert!(!contains_word("let s: SpanSet = x;", "Span"));
    assert!(!contains_word("let s = my_Span;", "Span"));
    let graph = Graph::new();
    let absolute = |path: &str, file: &str| absolute(path, file, &graph.files);
    assert_eq!(
        absolute("super::store::Packed", "eval::pipeline"),
        "eval::store::Packed"
    );
    assert_eq!(
        absolute("super::Session", "session::load"),
        "session::Session"
    );
    assert_eq!(
        absolute("self::csv::render_csv", "present"),
        "present::csv::render_csv"
    );
    assert_eq!(
        absolute("context::EvalError", "eval"),
        "eval::context::EvalError"
    );
    assert_eq!(absolute("std::fmt", "eval"), "std::fmt");
    assert_eq!(
        graph.resolve("eval::Database", 0).as_deref(),
        Some("eval::database")
    );
    assert_eq!(
        graph.resolve("session::Session", 0).as_deref(),
        Some("session")
    );
}
