//! Embeds the news knowledge base (`rules/`), the articles (`seeds/`), the
//! lessons (`examples/`) and the article folders of the lessons
//! (`examples/*/…/*.txt`, e.g. `examples/riverside/articles/`) in the binary,
//! so `#include <news>.`, `wirelog check` and the course's exercises work from
//! any folder.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let out_dir = std::env::var("OUT_DIR").unwrap_or_else(|_| ".".into());
    // One file per constant, so each module includes only what it owns:
    // `session::load` the rules, `articles` the seeds, `course` the lessons.
    for (folder, constant, file) in [
        ("rules", "BUNDLED_RULES", "bundled_rules.rs"),
        ("seeds", "BUNDLED_SEEDS", "bundled_articles.rs"),
        ("examples", "BUNDLED_LESSONS", "bundled_lessons.rs"),
    ] {
        let mut code = String::new();
        println!("cargo:rerun-if-changed={folder}");
        let mut names: Vec<String> = std::fs::read_dir(folder)
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .filter(|entry| entry.path().is_file())
                    .map(|entry| entry.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        let _ = writeln!(
            code,
            "/// Files of `{folder}/`, embedded at build time: (file name, text)."
        );
        let _ = writeln!(code, "pub const {constant}: &[(&str, &str)] = &[");
        for name in names {
            let path = Path::new(&std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default())
                .join(folder)
                .join(&name);
            println!("cargo:rerun-if-changed={}", path.display());
            let _ = writeln!(
                code,
                "    ({name:?}, include_str!({:?})),",
                path.display().to_string()
            );
        }
        let _ = writeln!(code, "];");
        let _ = std::fs::write(Path::new(&out_dir).join(file), code);
    }
    bundle_lesson_articles(&out_dir);
}

/// The articles (`.txt` files) in the sub-folders of `examples/`, by path
/// from the crate's root (`examples/riverside/articles/2026-04-library.txt`):
/// what the `#articles` directives of a bundled lesson read.
fn bundle_lesson_articles(out_dir: &str) {
    let root = std::path::PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let mut files = Vec::new();
    let mut folders = vec![std::path::PathBuf::from("examples")];
    while let Some(folder) = folders.pop() {
        println!("cargo:rerun-if-changed={}", folder.display());
        let Ok(entries) = std::fs::read_dir(root.join(&folder)) else {
            continue;
        };
        for entry in entries.filter_map(Result::ok) {
            let relative = folder.join(entry.file_name());
            if entry.path().is_dir() {
                folders.push(relative);
            } else if folder != Path::new("examples")
                && relative
                    .extension()
                    .is_some_and(|extension| extension == "txt")
            {
                files.push(relative);
            }
        }
    }
    files.sort();
    let mut code = String::new();
    let _ = writeln!(
        code,
        "/// Articles in the sub-folders of `examples/`, embedded at build time: (path, text)."
    );
    let _ = writeln!(
        code,
        "pub const BUNDLED_LESSON_ARTICLES: &[(&str, &str)] = &["
    );
    for file in files {
        let path = root.join(&file);
        println!("cargo:rerun-if-changed={}", path.display());
        // Paths with `/` whatever the platform: they are names, not files.
        let name = file
            .components()
            .map(|part| part.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        let _ = writeln!(
            code,
            "    ({name:?}, include_str!({:?})),",
            path.display().to_string()
        );
    }
    let _ = writeln!(code, "];");
    let _ = std::fs::write(Path::new(out_dir).join("bundled_lesson_articles.rs"), code);
}
