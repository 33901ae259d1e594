//! Embeds the news knowledge base (`rules/`), the articles (`seeds/`) and the
//! lessons (`examples/`) in the binary, so `#include <news>.`, `wirelog check`
//! and the course's exercises work from any folder.

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
}
