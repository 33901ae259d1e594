//! The course, checked: every lesson ends with at least three exercises,
//! every exercise's expected answers are what its reference query answers
//! on today's knowledge base, the notebooks in docs/course/ are what
//! `wirelog lesson --format markdown` prints, and `wirelog exercise` says
//! what a teacher would. `UPDATE_TRANSCRIPTS=1 cargo test --test course`
//! rewrites the `expect:` lines and the notebooks (review the diff as you
//! would code: a changed answer may be a knowledge-base regression).

use std::path::Path;
use std::process::Command;
use wirelog::course::render::row_text;
use wirelog::course::{Course, Expected, Lesson, check};
use wirelog::session::SessionOptions;

fn update() -> bool {
    std::env::var_os("UPDATE_TRANSCRIPTS").is_some()
}

/// The lessons as files on disk (the bundled ones are the same at build time).
fn lessons() -> Vec<Lesson> {
    let mut paths: Vec<_> = std::fs::read_dir("examples")
        .expect("examples/")
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|extension| extension == "dl"))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|path| {
            let name = format!("examples/{}", path.file_name().unwrap().to_string_lossy());
            let text = std::fs::read_to_string(path).unwrap();
            Lesson::parse(&name, &text).unwrap_or_else(|error| panic!("{error}"))
        })
        .collect()
}

#[test]
fn every_lesson_ends_with_at_least_three_exercises() {
    let lessons = lessons();
    assert!(lessons.len() >= 8);
    for lesson in &lessons {
        assert!(
            lesson.exercises.len() >= 3,
            "{} has {} exercises",
            lesson.name,
            lesson.exercises.len()
        );
        let heading = lesson.exercises_line().unwrap();
        let last_clause_line = lesson
            .text
            .lines()
            .enumerate()
            .filter(|(_, line)| !line.trim().is_empty() && !line.trim_start().starts_with('%'))
            .map(|(index, _)| index + 1)
            .last()
            .unwrap();
        assert!(
            last_clause_line < heading,
            "{}: exercises come last",
            lesson.name
        );
    }
    let bundled = Course::bundled().unwrap();
    assert_eq!(bundled.lessons().len(), lessons.len());
}

/// The `expect:` lines of an answer, as the lesson writes them.
fn expect_lines(expected: &Expected) -> Vec<String> {
    match expected {
        Expected::YesNo(true) => vec!["yes".into()],
        Expected::YesNo(false) => vec!["no".into()],
        Expected::Rows(rows) if rows.is_empty() => vec!["no rows".into()],
        Expected::Rows(rows) => rows
            .iter()
            .map(|row| {
                let text = row_text(row);
                if row.len() > 1 {
                    text[1..text.len() - 1].to_string()
                } else {
                    text
                }
            })
            .collect(),
    }
}

#[test]
fn every_exercise_expects_what_its_reference_answers() {
    let mut wrong = Vec::new();
    for lesson in lessons() {
        let mut text = lesson.text.clone();
        // From the last exercise up, so earlier line numbers stay valid.
        for exercise in lesson.exercises.iter().rev() {
            let verdict = check::check_answer(
                &lesson,
                exercise,
                &exercise.reference,
                SessionOptions::default(),
            )
            .unwrap_or_else(|rejected| {
                panic!(
                    "{} {}: the reference is rejected: {:?}",
                    lesson.name, exercise.id, rejected.1.diagnostics
                )
            });
            if verdict.correct {
                continue;
            }
            wrong.push(format!(
                "{} {}:\n{}",
                lesson.name,
                exercise.id,
                wirelog::course::render::render_verdict(&verdict)
            ));
            if update() {
                let mut session = check::lesson_session(&lesson, SessionOptions::default())
                    .unwrap_or_else(|_| panic!("{} loads", lesson.name));
                let answer = check::answer(&mut session, &exercise.reference).unwrap();
                assert_eq!(
                    answer.columns.len(),
                    exercise.columns.len(),
                    "{} {}: the reference shows columns {:?}; hide the others with `_Name`",
                    lesson.name,
                    exercise.id,
                    answer.columns
                );
                let expected = if exercise.columns.is_empty() {
                    Expected::YesNo(!answer.rows.is_empty())
                } else {
                    Expected::Rows(answer.rows)
                };
                text = rewrite_expect(&text, exercise.line, &expect_lines(&expected));
            }
        }
        if update() && text != lesson.text {
            std::fs::write(&lesson.name, &text).unwrap();
        }
    }
    assert!(
        wrong.is_empty() || update(),
        "exercises whose reference answers differently now (UPDATE_TRANSCRIPTS=1 rewrites them):\n\n{}",
        wrong.join("\n")
    );
}

/// Replaces the `expect:` lines of the exercise starting at `line` (1-based).
fn rewrite_expect(text: &str, line: usize, rows: &[String]) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let start = line - 1;
    let end = lines[line..]
        .iter()
        .position(|candidate| candidate.trim() == "%")
        .map_or(lines.len(), |offset| line + offset);
    let mut out: Vec<String> = lines[..start].iter().map(|s| s.to_string()).collect();
    let mut written = false;
    for candidate in &lines[start..end] {
        if candidate
            .trim_start_matches(['%', ' '])
            .starts_with("expect:")
        {
            if !written {
                out.extend(rows.iter().map(|row| format!("%     expect: {row}")));
                written = true;
            }
            continue;
        }
        out.push(candidate.to_string());
    }
    out.extend(lines[end..].iter().map(|s| s.to_string()));
    out.join("\n") + "\n"
}

fn wirelog(arguments: &[&str]) -> (bool, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_wirelog"))
        .args(arguments)
        .env("NO_COLOR", "1")
        .output()
        .expect("the wirelog binary runs");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn the_notebooks_in_docs_are_what_wirelog_lesson_prints() {
    let mut differing = Vec::new();
    for lesson in lessons() {
        let (ok, markdown, stderr) = wirelog(&["lesson", "--format", "markdown", &lesson.name]);
        assert!(ok, "{}: {stderr}", lesson.name);
        let stem = Path::new(&lesson.name)
            .file_stem()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let path = format!("docs/course/{stem}.md");
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        if current != markdown {
            if update() {
                std::fs::create_dir_all("docs/course").unwrap();
                std::fs::write(&path, &markdown).unwrap();
            } else {
                differing.push(path);
            }
        }
        // The terminal view of the same lesson shows the same answers.
        let (ok, terminal, _) = wirelog(&["lesson", &lesson.name]);
        assert!(ok);
        for exercise in &lesson.exercises {
            assert!(
                terminal.contains(&exercise.id),
                "{}: {}",
                lesson.name,
                exercise.id
            );
        }
    }
    assert!(
        differing.is_empty(),
        "notebooks that differ from `wirelog lesson --format markdown` (UPDATE_TRANSCRIPTS=1 rewrites them): {differing:?}"
    );
}

/// `wirelog exercise` on right and wrong answers, as a student sees it.
#[test]
fn wirelog_exercise_says_what_is_right_missing_or_extra() {
    let cases: &[(&str, &str)] = &[
        ("3.1", "?- within(P, pakistan)."),
        ("3.1", "within(Place, pakistan)"),
        ("3.1", "?- located_in(P, pakistan)."),
        ("2.5", "?- brokered(B, C), event_date(C, D)."),
        ("2.5", "?- event_date(C, D), brokered(B, C)."),
        (
            "2.5",
            "?- brokered(B, C), event_date(C, D), mediates(B, T).",
        ),
        ("2.1", "?- mediates(M, T)."),
        ("2.1", "?- mediates(M, T), mediates(M, istanbul_talks_nov)."),
        ("3.6", "?- precedes(doha_ceasefire, istanbul_talks_nov)."),
        ("3.6", "?- precedes(istanbul_talks_nov, doha_ceasefire)."),
        ("3.6", "?- precedes(X, istanbul_talks_nov)."),
        ("3.4", "?- precedes(X, kabul_explosions)."),
        ("3.4", "?- precedes(kabul_explosions, X)."),
        ("3.1", "?- mediates(qatar, T)"),
        ("3.1", "?- precedes(a, b)."),
        ("5.1", "m(M) :- mediates(M, _). ?- N = count : { m(M) }."),
        ("3.1", "?- within(P, pakistan"),
        ("13.1", "?- p."),
        ("3.1", "?- within(P, pakistan). ?- within(P, R)."),
    ];
    let mut transcript = String::new();
    for (id, answer) in cases {
        let (ok, stdout, stderr) = wirelog(&["exercise", id, answer]);
        transcript.push_str(&format!(
            "$ wirelog exercise {id} '{answer}'  [exit {}]\n{stdout}{}\n",
            if ok { 0 } else { 1 },
            stderr
                .lines()
                .map(|line| format!("! {line}\n"))
                .collect::<String>()
        ));
    }
    let (ok, listing, _) = wirelog(&["exercise"]);
    assert!(ok);
    transcript.push_str(&format!("$ wirelog exercise\n{listing}\n"));
    let (ok, shown, _) = wirelog(&["exercise", "6.2"]);
    assert!(ok);
    transcript.push_str(&format!("$ wirelog exercise 6.2\n{shown}"));
    insta::assert_snapshot!(transcript);
}

/// `:check` through the real binary, its standard input a pipe (a script):
/// verdicts on stdout, a rejected answer's diagnostics on stderr and exit 1.
#[test]
fn check_at_a_piped_repl() {
    use std::io::Write;
    use std::process::Stdio;
    let script = ":exercise 3.6\n\
                  :check 3.6 ?- precedes(doha_ceasefire, istanbul_talks_nov).\n\
                  :check 3.1 ?- located_in(P, pakistan).\n\
                  :check 3.1 ?- within(P, pakistan\n";
    let mut child = Command::new(env!("CARGO_BIN_EXE_wirelog"))
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the wirelog binary runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(script.as_bytes())
        .expect("script written");
    let output = child.wait_with_output().expect("wirelog ends");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        stdout,
        "Exercise 3.6 (Lesson 3 -- Recursion)\n\
         Did the Doha ceasefire come before the November round?\n\
         A yes/no question: ask it with constants only, no variables.\n\
         check an answer with `:check 3.6 ?- ...`\n\
         right (3.6): yes\n\
         not yet (3.1): your query gives 1 row; 2 rows are expected\n  \
         missing (1): chaman\n  \
         hint: within/2 is the recursive closure of located_in/2\n"
    );
    assert!(stderr.contains("error[E101]"), "{stderr}");
    assert!(stderr.contains("<answer>:1:22"), "{stderr}");
    assert_eq!(output.status.code(), Some(1));
}

/// A teacher's own lesson, elsewhere, including a file of its own: read as a
/// notebook and checked from another folder, its include found next to it.
#[test]
fn a_teachers_lesson_with_its_own_include() {
    let folder = std::env::temp_dir().join(format!("wirelog-course-{}", std::process::id()));
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join("facts.dl"), "edge(a, b). edge(b, c).\n").unwrap();
    let lesson = folder.join("01_paths.dl");
    std::fs::write(
        &lesson,
        "% Lesson 1 -- Paths\n#include \"facts.dl\".\n\
         path(X, Y) :- edge(X, Y).\npath(X, Z) :- path(X, Y), edge(Y, Z).\n\
         % Where can one go from a?\n?- path(a, X).\n\n\
         % Exercises\n%\n% 1.1 Where can one go from b?\n%   columns: To\n\
         %   check: ?- path(b, X).\n%   expect: c\n",
    )
    .unwrap();
    let lesson = lesson.to_string_lossy().into_owned();
    let run_in_root = |arguments: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_wirelog"))
            .args(arguments)
            .current_dir("/")
            .env("NO_COLOR", "1")
            .output()
            .expect("the wirelog binary runs")
    };
    let notebook = run_in_root(&["lesson", "--format", "markdown", &lesson]);
    let markdown = String::from_utf8_lossy(&notebook.stdout);
    assert!(
        notebook.status.success(),
        "{}",
        String::from_utf8_lossy(&notebook.stderr)
    );
    assert!(markdown.starts_with("# Lesson 1 -- Paths\n"), "{markdown}");
    assert!(
        markdown.contains("| X |\n|---|\n| b |\n| c |\n"),
        "{markdown}"
    );
    assert!(
        markdown.contains("- **1.1** Where can one go from b? *(To)*"),
        "{markdown}"
    );
    let right = run_in_root(&["exercise", "--lesson", &lesson, "1.1", "path(b, Y)"]);
    assert_eq!(
        String::from_utf8_lossy(&right.stdout),
        "right (1.1): 1 row, as expected\n"
    );
    let wrong = run_in_root(&["exercise", "--lesson", &lesson, "1.1", "edge(Y, c)"]);
    assert_eq!(
        String::from_utf8_lossy(&wrong.stdout),
        "not yet (1.1): your query gives 1 row; 1 row is expected\n  missing (1): c\n  extra (1): b\n"
    );
    assert_eq!(wrong.status.code(), Some(1));
    let _ = std::fs::remove_dir_all(&folder);
}

/// Lesson 11 reads its own article folder (`#articles "riverside/articles".`):
/// from the binary, with the folder bundled beside it, when `examples/` is
/// not at hand. Its notebook and its exercises work from any folder, and
/// show the same article locations as from the repository.
#[test]
fn the_own_article_lesson_works_from_any_folder() {
    let folder = tempfile::tempdir().unwrap();
    let run_elsewhere = |arguments: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_wirelog"))
            .args(arguments)
            .current_dir(folder.path())
            .env("NO_COLOR", "1")
            .output()
            .expect("the wirelog binary runs")
    };
    let notebook = run_elsewhere(&["lesson", "11", "--format", "markdown"]);
    assert!(
        notebook.status.success(),
        "{}",
        String::from_utf8_lossy(&notebook.stderr)
    );
    let from_repository = std::fs::read_to_string("docs/course/11_own_article.md").unwrap();
    assert_eq!(String::from_utf8_lossy(&notebook.stdout), from_repository);
    let right = run_elsewhere(&["exercise", "11.3", "did_not_open(youth_club, _) @ A : Q"]);
    assert_eq!(
        String::from_utf8_lossy(&right.stdout),
        "right (11.3): 1 row, as expected\n",
        "{}",
        String::from_utf8_lossy(&right.stderr)
    );
    assert_eq!(right.status.code(), Some(0));
    let wrong = run_elsewhere(&[
        "exercise",
        "11.1",
        "opens_on(P, sunday, _) @ A, P != library",
    ]);
    assert_eq!(
        String::from_utf8_lossy(&wrong.stdout),
        "not yet (11.1): your query gives 1 row; 2 rows are expected\n  \
         missing (1): (library, \"2026-04-library\")\n  \
         hint: `@ A` after an atom binds A to the id of each article its facts cite\n"
    );
    assert_eq!(wrong.status.code(), Some(1));
}
