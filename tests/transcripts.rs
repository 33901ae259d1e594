//! The REPL's transcripts (`tests/transcripts/*.txt`), run through the
//! library's REPL layer and compared line for line. A transcript that
//! differs is shown whole; `UPDATE_TRANSCRIPTS=1 cargo test --test
//! transcripts` rewrites them (review the diff as you would code).

#[path = "support/transcript.rs"]
mod transcript;

use transcript::{Transcript, normalise_times};

#[test]
fn transcripts_read_as_written() {
    let update = std::env::var_os("UPDATE_TRANSCRIPTS").is_some();
    let mut paths: Vec<_> = std::fs::read_dir("tests/transcripts")
        .expect("tests/transcripts/")
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|extension| extension == "txt"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 5, "only {} transcripts", paths.len());
    let mut differing = Vec::new();
    for path in paths {
        let expected = std::fs::read_to_string(&path).expect("a transcript");
        let actual = Transcript::parse(&expected).run();
        if actual != expected {
            if update {
                std::fs::write(&path, &actual).expect("rewrite the transcript");
            } else {
                differing.push(format!("{}:\n{actual}", path.display()));
            }
        }
    }
    assert!(
        differing.is_empty(),
        "transcripts that read differently now (UPDATE_TRANSCRIPTS=1 rewrites them):\n\n{}",
        differing.join("\n")
    );
}

#[test]
fn times_are_normalised() {
    assert_eq!(
        normalise_times("added 2 clauses (0.3 ms)"),
        "added 2 clauses (TIME)"
    );
    assert_eq!(normalise_times("3 rows (<0.1 ms)"), "3 rows (TIME)");
    assert_eq!(normalise_times("ok (1.25 s)"), "ok (TIME)");
    assert_eq!(normalise_times("p(a) (see above)"), "p(a) (see above)");
    assert_eq!(normalise_times("f(x) (2 ms"), "f(x) (2 ms");
}
