//! The user's own news, through the binary: an article collection the test
//! writes (`--articles`, `#articles`), its metadata facts, citations
//! verified at every load (`run`, the REPL), `@` in bodies against answers
//! computed by hand, and data in and out (`#import`, `#export`,
//! `run --output-dir`, `:export`) with a round trip of awkward values.

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// Runs `wirelog ARGS` in `folder`, with `input` on standard input.
fn wirelog_in(folder: &Path, arguments: &[&str], input: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_wirelog"))
        .args(arguments)
        .env("NO_COLOR", "1")
        .env("WIRELOG_HISTORY", folder.join("history"))
        .current_dir(folder)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the wirelog binary runs");
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(input.as_bytes());
    }
    child.wait_with_output().expect("wirelog finishes")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn write(folder: &Path, name: &str, text: &str) {
    let path = folder.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("folder");
    }
    std::fs::write(path, text).expect("write a test file");
}

/// A collection of two articles of an invented town, one with a header.
fn town(folder: &Path) {
    write(
        folder,
        "town/2026_bridge.txt",
        "---\ntitle: Old bridge closes for repairs\noutlet: Riverside Gazette\nurl: https://example.org/bridge\ndate: 2026-03-02\n---\nThe town council closed the old stone bridge on Monday after inspectors found cracks in two arches.\nThe mayor said repairs would take three months.\n",
    );
    write(
        folder,
        "town/2026_market.txt",
        " date 2026-03-04 The weekly market moved to the school yard while the bridge is closed.\nTraders said fewer people came.\n",
    );
}

const TOWN_FACTS: &str = r#"
closed(bridge) @ "2026_b": "closed the old stone bridge"
    @ "2026_m": "while the bridge is closed".
moved(market, school_yard) @ "2026_m": "The weekly market moved to the school yard".
says(mayor, repairs) @ "2026_b": "The mayor said   repairs would take three months".
complains(traders, fewer_visitors) @ "2026_m": "Traders said fewer people came".
"#;

#[test]
fn a_second_collection_is_cited_and_queried() {
    let folder = tempfile::tempdir().expect("temp folder");
    town(folder.path());
    let program = format!(
        "{TOWN_FACTS}
reported_once(P) :- closed(P) @ A, not reported_twice(P).
reported_twice(P) :- closed(P) @ A, closed(P) @ B, A != B.
?- closed(X) @ A : Q.
?- reported_twice(P).
?- moved(W, Where) @ \"2026_m\".
?- article(I, F), article_date(I, D), D >= 2026-01-01.
?- article_title(I, T).
?- article_outlet(I, O), article_url(I, U).
"
    );
    write(folder.path(), "town.dl", &program);
    let output = wirelog_in(
        folder.path(),
        &["run", "--format", "csv", "--articles", "town", "town.dl"],
        "",
    );
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        "X,A,Q\nbridge,2026_bridge,closed the old stone bridge\nbridge,2026_market,while the bridge is closed\n\
         \nP\nbridge\n\
         \nW,Where\nmarket,school_yard\n\
         \nI,F,D\n2026_bridge,town/2026_bridge.txt,2026-03-02\n2026_market,town/2026_market.txt,2026-03-04\n\
         \nI,T\n2026_bridge,Old bridge closes for repairs\n\
         \nI,O,U\n2026_bridge,Riverside Gazette,https://example.org/bridge\n"
    );
}

#[test]
fn articles_directive_is_relative_to_its_file_and_schema_documents_metadata() {
    let folder = tempfile::tempdir().expect("temp folder");
    town(&folder.path().join("data"));
    write(
        folder.path(),
        "data/town.dl",
        &format!("#articles \"town\".\n{TOWN_FACTS}\n?- says(Who, What) @ A.\n"),
    );
    let output = wirelog_in(folder.path(), &["run", "data/town.dl"], "");
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("│ mayor │ repairs │ \"2026_bridge\" │"),
        "{}",
        stdout(&output)
    );
    let schema = wirelog_in(folder.path(), &["schema", "--articles", "data/town"], "");
    assert!(schema.status.success(), "{}", stderr(&schema));
    for name in [
        "article(",
        "article_date(",
        "article_title(",
        "article_outlet(",
        "article_url(",
    ] {
        assert!(
            stdout(&schema).contains(name),
            "{name} in\n{}",
            stdout(&schema)
        );
    }
}

#[test]
fn invented_quotes_and_unknown_articles_are_rejected_by_run() {
    let folder = tempfile::tempdir().expect("temp folder");
    town(folder.path());
    let cases = [
        (
            "mediates(egypt, istanbul_talks) @ \"002\": \"Egypt also mediated the talks\".\n?- mediates(M, T).\n",
            "error[E403]: quote not found in `002_ce86d074e4b97803`",
        ),
        (
            "p(1) @ \"005\": \"anything\".\n?- p(X).\n",
            "error[E401]: unknown article `005`",
        ),
        (
            "p(1) @ \"2026_bridge\": \"the bridge was demolished\".\n?- p(X).\n",
            "error[E403]: quote not found in `2026_bridge`",
        ),
        ("p(1) @ \"2026\": \"closed\".\n?- p(X).\n", "error[E402]"),
    ];
    for (program, expected) in cases {
        write(folder.path(), "bad.dl", program);
        let output = wirelog_in(folder.path(), &["run", "--articles", "town", "bad.dl"], "");
        assert_eq!(output.status.code(), Some(1), "{program}");
        assert_eq!(stdout(&output), "", "nothing is answered: {program}");
        assert!(
            stderr(&output).contains(expected),
            "{program}\n{}",
            stderr(&output)
        );
    }
}

#[test]
fn an_id_in_two_collections_is_a_located_error() {
    let folder = tempfile::tempdir().expect("temp folder");
    town(&folder.path().join("one"));
    // Another article under the same file name.
    write(
        folder.path(),
        "two/town/2026_bridge.txt",
        "The new bridge opened.\n",
    );
    write(folder.path(), "two.dl", "#articles \"two/town\".\np(1).\n");
    let output = wirelog_in(
        folder.path(),
        &["check", "--articles", "one/town", "two.dl"],
        "",
    );
    assert_eq!(output.status.code(), Some(1));
    let errors = stderr(&output);
    assert!(
        errors.contains("error[E405]: two articles have the id `2026_bridge`"),
        "{errors}"
    );
    assert!(errors.contains("two.dl:1:1"), "{errors}");
}

#[test]
fn at_on_a_derived_predicate_is_an_error() {
    let folder = tempfile::tempdir().expect("temp folder");
    write(
        folder.path(),
        "d.dl",
        "e(1).\nd(X) :- e(X).\n?- d(X) @ A.\n",
    );
    let output = wirelog_in(folder.path(), &["run", "d.dl"], "");
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("error[E221]"),
        "{}",
        stderr(&output)
    );
}

/// The news: which accusations one article only reports, by hand from
/// rules/accusations.dl's citations.
#[test]
fn at_queries_over_the_news_match_hand_computed_answers() {
    let folder = tempfile::tempdir().expect("temp folder");
    let output = wirelog_in(
        folder.path(),
        &[
            "run",
            "--news",
            "--format",
            "csv",
            "-q",
            "denies(taliban_government, W) @ A : Q",
            "-q",
            "accuses(pakistan, taliban_government, W) @ \"004\"",
        ],
        "",
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(
        text.contains("allowing_ttp_base,003_99204a15a5779997,The Taliban government has denied the allegations."),
        "{text}"
    );
    assert!(
        text.contains("harbouring_militants,003_99204a15a5779997,The Taliban government has denied the allegations."),
        "{text}"
    );
}

/// Queries typed one after another, each reading the citations of another
/// predicate of the same arity: each answers from its own predicate's
/// citations (a query's citation relation is gone with it, and the next
/// one's may take its place in the model).
#[test]
fn successive_at_queries_read_each_its_own_predicate() {
    use wirelog::value::Value;
    let mut session = wirelog::session::Session::default();
    session
        .load_text(
            "mediator(qatar) @ \"002\": \"mediated by Qatar and Türkiye\".\n\
             venue(istanbul) @ \"002\": \"ended in Istanbul\".",
        )
        .expect("facts citing 002");
    for (query, expected) in [
        ("?- mediator(X) @ A.", "qatar"),
        ("?- venue(X) @ A.", "istanbul"),
        ("?- mediator(X) @ A.", "qatar"),
        ("?- venue(X) @ A : Q.", "istanbul"),
    ] {
        let accepted = session.query(query).expect(query);
        let rows = &accepted.answers[0].rows;
        assert_eq!(rows.len(), 1, "{query}: {rows:?}");
        assert_eq!(rows[0][0], Value::Symbol(expected.into()), "{query}");
    }
}

const AWKWARD: &str = "a,\"Doha, Qatar\",3,2025-10-19\nb,\"say \"\"hi\"\"\nnext line\",-4,2024-02-29\nc,Türkiye — ünïcode,0,1999-12-31\nd,\"\",-2147483,2000-01-01\n";

#[test]
fn import_export_import_gives_the_same_relation() {
    let folder = tempfile::tempdir().expect("temp folder");
    write(folder.path(), "in/rows.csv", AWKWARD);
    write(
        folder.path(),
        "in/first.dl",
        "#import \"rows.csv\" as row(symbol, string, int, date).\n#export row \"rows.csv\".\n#export row \"rows.jsonl\".\n",
    );
    let output = wirelog_in(
        folder.path(),
        &["run", "--output-dir", "out", "in/first.dl"],
        "",
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let csv = std::fs::read_to_string(folder.path().join("out/rows.csv")).expect("exported CSV");
    // An empty string needs no quotes: the export writes `d,,…`, read back as "".
    assert_eq!(
        csv,
        AWKWARD.replace("d,\"\",", "d,,"),
        "the CSV export writes what the import read"
    );
    let jsonl = std::fs::read_to_string(folder.path().join("out/rows.jsonl")).expect("JSON Lines");
    assert!(
        jsonl.contains("[\"b\",\"say \\\"hi\\\"\\nnext line\",-4,\"2024-02-29\"]"),
        "{jsonl}"
    );
    write(
        folder.path(),
        "again.dl",
        "#import \"in/rows.csv\" as row(symbol, string, int, date).\n\
         #import \"out/rows.csv\" as csv_row(symbol, string, int, date).\n\
         #import \"out/rows.jsonl\" as json_row(symbol, string, int, date).\n\
         lost(A) :- row(A, B, C, D), not csv_row(A, B, C, D).\n\
         lost(A) :- row(A, B, C, D), not json_row(A, B, C, D).\n\
         extra(A) :- csv_row(A, B, C, D), not row(A, B, C, D).\n\
         extra(A) :- json_row(A, B, C, D), not row(A, B, C, D).\n\
         ?- lost(A).\n?- extra(A).\n?- N = count : { json_row(_, _, _, _) }.\n",
    );
    let output = wirelog_in(folder.path(), &["run", "--format", "csv", "again.dl"], "");
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stdout(&output), "A\n\nA\n\nN\n4\n");
}

#[test]
fn a_bad_row_rejects_the_whole_file_with_its_location() {
    let folder = tempfile::tempdir().expect("temp folder");
    let cases: [(&str, &[u8], &str); 5] = [
        (
            "t.csv",
            b"a,1\nb,x\n",
            "E421]: t.csv:2:3: cell 2: expected an int",
        ),
        (
            "t.csv",
            b"a,1\nb,2,3\n",
            "E420]: t.csv:2:5: expected 2 cells, found 3",
        ),
        ("t.csv", b"a,1\nb,\"2\n", "E422]: t.csv:2:3: broken quoting"),
        ("t.csv", b"a,1\n\xff,2\n", "E423]"),
        (
            "t.jsonl",
            b"[\"a\", 1]\n{\"b\": 2}\n",
            "E422]: t.jsonl:2:1: expected one JSON array per line",
        ),
    ];
    for (name, bytes, expected) in cases {
        std::fs::write(folder.path().join(name), bytes).expect("data file");
        write(
            folder.path(),
            "bad.dl",
            &format!("#import \"{name}\" as t(symbol, int).\n?- t(A, B).\n"),
        );
        let output = wirelog_in(folder.path(), &["run", "bad.dl"], "");
        assert_eq!(output.status.code(), Some(1), "{expected}");
        assert_eq!(
            stdout(&output),
            "",
            "nothing of the file is used: {expected}"
        );
        assert!(
            stderr(&output).contains(expected),
            "{expected}\n{}",
            stderr(&output)
        );
    }
}

#[test]
fn an_imported_fact_is_explained_by_its_file_and_line() {
    let folder = tempfile::tempdir().expect("temp folder");
    write(folder.path(), "p.tsv", "qatar\t3\nturkey\t4\n");
    write(
        folder.path(),
        "p.dl",
        "#import \"p.tsv\" as p(symbol, int).\nq(X) :- p(X, N), N > 3.\n?- q(X).\n",
    );
    let output = wirelog_in(folder.path(), &["run", "--explain", "p.dl"], "");
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("p(turkey, 4)\n"),
        "{}",
        stdout(&output)
    );
    assert!(
        stdout(&output).contains("fact (p.tsv:2)"),
        "{}",
        stdout(&output)
    );
}

/// The REPL rejects an invented quote, an unknown article and a bad
/// import, and the session stays as it was; `:articles`, `:article` and
/// `:export` show and write what is loaded.
#[test]
fn the_repl_verifies_citations_and_exports() {
    let folder = tempfile::tempdir().expect("temp folder");
    town(folder.path());
    write(folder.path(), "town.dl", TOWN_FACTS);
    write(folder.path(), "bad.csv", "x,1\ny\n");
    let script = "\
closed(tunnel) @ \"2026_bridge\": \"closed the tunnel\".
closed(tunnel) @ \"2027\": \"closed\".
#import \"bad.csv\" as n(symbol, int).
?- closed(X).
:articles
:article 2026_market
:export moved out/moved.tsv
";
    let output = wirelog_in(
        folder.path(),
        &["repl", "--articles", "town", "town.dl"],
        script,
    );
    let (out, errors) = (stdout(&output), stderr(&output));
    assert!(
        errors.contains("error[E403]: quote not found in `2026_bridge`"),
        "{errors}"
    );
    assert!(
        errors.contains("error[E401]: unknown article `2027`"),
        "{errors}"
    );
    assert!(
        errors.contains("error[E420]: bad.csv:2:2: expected 2 cells, found 1"),
        "{errors}"
    );
    assert!(
        out.contains("│ bridge │\n└────────┘\n1 row"),
        "the session is unchanged:\n{out}"
    );
    assert!(
        out.contains("town/2026_market.txt            2026-03-04 (cited by 3 facts)"),
        "{out}"
    );
    assert!(
        out.contains(
            "[[The weekly market moved to the school yard]][1] [[while the bridge is closed]][2]."
        ),
        "{out}"
    );
    assert!(
        out.contains("[1] moved(market, school_yard)  (town.dl:4)"),
        "{out}"
    );
    assert!(out.contains("wrote 1 row to out/moved.tsv"), "{out}");
    let moved = std::fs::read_to_string(folder.path().join("out/moved.tsv")).expect("export");
    assert_eq!(moved, "market\tschool_yard\n");
}

/// The worked example of docs/knowledge-base.md runs as the docs say.
#[test]
fn the_worked_example_collection_runs() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let output = wirelog_in(
        root,
        &[
            "run",
            "--format",
            "csv",
            "--articles",
            "examples/riverside/articles",
            "examples/riverside/riverside.dl",
        ],
        "",
    );
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stderr(&output), "", "the example runs without warnings");
    let text = stdout(&output);
    assert!(text.contains("P\nlibrary\n"), "{text}");
    assert!(
        text.contains("youth_club,2026-04-library,2026-05-library-sundays,The youth club did not open on Sunday after all\n"),
        "{text}"
    );
}
