//! The engine options end to end: the golden files and lessons under both
//! engines, a cluster of two processes, live answers in a piped REPL,
//! `run --follow` on a file the test appends to, and the session's live
//! model against evaluation from scratch on random insertions and
//! retractions.

#[path = "oracle/generate.rs"]
mod generate;
#[path = "oracle/naive.rs"]
mod naive;

use generate::{DOMAIN, Random, generate};
use proptest::prelude::*;
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use wirelog::session::{DataflowSettings, Engine, ProgramSource, Session, SessionOptions};
use wirelog::value::{Answer, Value};

/// Longest a child may run before the test kills it and fails: a guard
/// against a hang, not a measurement.
const GUARD: Duration = Duration::from_secs(300);

struct Output {
    stdout: String,
    stderr: String,
    code: i32,
}

/// Waits for `child` (its output read meanwhile), killing it past `GUARD`.
fn finish(mut child: Child) -> Output {
    let pipe = |reader: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            if let Some(mut reader) = reader {
                let _ = reader.read_to_string(&mut text);
            }
            text
        })
    };
    let stdout = pipe(
        child
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
    );
    let stderr = pipe(
        child
            .stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
    );
    let started = Instant::now();
    let status = loop {
        if let Ok(Some(status)) = child.try_wait() {
            break Some(status);
        }
        if started.elapsed() > GUARD {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let output = Output {
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
        code: status.and_then(|status| status.code()).unwrap_or(-1),
    };
    assert!(
        status.is_some(),
        "killed after {GUARD:?}: {}",
        output.stderr
    );
    output
}

fn wirelog(directory: &Path, arguments: &[String]) -> Output {
    let child = Command::new(env!("CARGO_BIN_EXE_wirelog"))
        .args(arguments)
        .current_dir(directory)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the wirelog binary runs");
    finish(child)
}

fn manifest() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn files(folder: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(manifest().join(folder))
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|entry| entry.path())
                .filter(|path| path.extension().is_some_and(|extension| extension == "dl"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

#[test]
fn golden_files_and_lessons_answer_alike_on_both_engines() {
    let mut compared = 0;
    for path in ["tests/golden/ok", "tests/golden/err", "examples"]
        .iter()
        .flat_map(|folder| files(folder))
    {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let mut arguments: Vec<String> = text
            .lines()
            .find_map(|line| line.strip_prefix("% wirelog:"))
            .map(|args| args.split_whitespace().map(str::to_string).collect())
            .unwrap_or_else(|| vec!["run".to_string()]);
        if arguments.first().map(String::as_str) != Some("run") {
            continue;
        }
        let directory = path.parent().unwrap_or(Path::new("."));
        let name = path
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        arguments.push(name);
        let datafrog = wirelog(directory, &arguments);
        for workers in ["1", "2"] {
            let mut on_dataflow = arguments.clone();
            on_dataflow.splice(
                1..1,
                ["--engine", "dataflow", "--workers", workers].map(String::from),
            );
            let dataflow = wirelog(directory, &on_dataflow);
            assert_eq!(
                dataflow.stdout,
                datafrog.stdout,
                "{} ({workers} workers)",
                path.display()
            );
            assert_eq!(
                dataflow.stderr,
                datafrog.stderr,
                "{} ({workers} workers)",
                path.display()
            );
            assert_eq!(dataflow.code, datafrog.code, "{}", path.display());
        }
        compared += 1;
    }
    assert!(compared >= 10, "only {compared} files compared");
}

/// A fresh folder for one test's files.
fn scratch(name: &str) -> PathBuf {
    let directory =
        std::env::temp_dir().join(format!("wirelog-engines-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&directory);
    std::fs::create_dir_all(&directory).expect("a scratch folder");
    directory
}

const PATHS: &str = "edge(1, 2). edge(2, 3). edge(3, 4). edge(4, 2).
path(X, Y) :- edge(X, Y).
path(X, Z) :- path(X, Y), edge(Y, Z).
unreached(X) :- edge(X, _), not path(1, X).
n(C) :- C = count : { path(_, _) }.
?- path(1, X).
?- unreached(X).
?- n(C).
";

#[test]
fn two_processes_answer_as_the_default_engine() {
    let directory = scratch("cluster");
    std::fs::write(directory.join("paths.dl"), PATHS).expect("program written");
    // Two free ports: bound, read, and let go before the processes bind them.
    let addresses: Vec<String> = (0..2)
        .map(|_| {
            TcpListener::bind("127.0.0.1:0")
                .and_then(|listener| listener.local_addr())
                .map(|address| address.to_string())
                .expect("a free port")
        })
        .collect();
    std::fs::write(directory.join("hosts"), addresses.join("\n") + "\n").expect("hostfile");
    let expected = wirelog(&directory, &["run".into(), "paths.dl".into()]);
    assert_eq!(expected.code, 0, "{}", expected.stderr);
    let spawn = |process: &str| {
        Command::new(env!("CARGO_BIN_EXE_wirelog"))
            .args([
                "run",
                "--engine",
                "dataflow",
                "--workers",
                "2",
                "--hostfile",
                "hosts",
                "--process",
                process,
                "paths.dl",
            ])
            .current_dir(&directory)
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the wirelog binary runs")
    };
    // Started in reverse order: processes may start in any order.
    let second = spawn("1");
    let first = spawn("0");
    let (first, second) = (finish(first), finish(second));
    assert_eq!(first.code, 0, "process 0: {}", first.stderr);
    assert_eq!(second.code, 0, "process 1: {}", second.stderr);
    assert_eq!(first.stdout, expected.stdout);
    assert!(first.stdout.contains("3 rows"), "{}", first.stdout);
    assert_eq!(second.stdout, "", "process 1 prints nothing");
    let _ = std::fs::remove_dir_all(&directory);
}

/// A program over an imported file: a query of the imported relation itself
/// (gathered on process 0), recursion, negation, an aggregate by group,
/// facts of the same predicate given in the program (held by every
/// process), and exports.
const EVENTS: &str = "#import \"events.csv\" as event(date, symbol, symbol, string) header.
event(2024-02-01, zeta, omega, \"given in the program\").
accuses(A, B) :- event(_, A, B, \"accuses\").
chain(A, C) :- accuses(A, C).
chain(A, C) :- chain(A, B), accuses(B, C).
quiet(A) :- event(_, A, _, _), not accuses(A, _).
n(K, N) :- event(_, _, _, K), N = count : { event(_, _, _, K) }.
#export event \"events_out.csv\".
#export chain \"chain_out.csv\".
?- event(D, A, B, K).
?- chain(A, C).
?- quiet(A).
?- n(K, N).
";

/// Rows of events: a header, then `n_rows` rows (some repeated, as in real
/// data: a repeated row is one fact), drawn from a fixed generator.
fn events_csv(n_rows: usize) -> String {
    const ACTORS: [&str; 9] = [
        "iran", "israel", "qatar", "egypt", "turkey", "oman", "jordan", "syria", "iraq",
    ];
    const KINDS: [&str; 3] = ["accuses", "meets", "praises"];
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = |bound: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % bound as u64) as usize
    };
    let mut text = String::from("date,actor,target,kind\n");
    let mut rows: Vec<String> = Vec::new();
    for row in 0..n_rows {
        let line = if row % 17 == 5 && !rows.is_empty() {
            rows[next(rows.len())].clone()
        } else {
            let kind = KINDS[next(KINDS.len())];
            let actor = match kind {
                "accuses" => next(ACTORS.len() - 1),
                _ => next(ACTORS.len()),
            };
            // Accusations go down the list only, so that their chains
            // are not every pair and the last actor never accuses.
            let target = match kind {
                "accuses" if next(4) == 0 => actor + 1 + next(ACTORS.len() - 1 - actor),
                "accuses" => actor + 1,
                _ => next(ACTORS.len()),
            };
            format!(
                "2024-01-{:02},{},{},{kind}",
                next(28) + 1,
                ACTORS[actor],
                ACTORS[target],
            )
        };
        text.push_str(&line);
        text.push('\n');
        rows.push(line);
    }
    text
}

/// Two free ports on 127.0.0.1, written as a hostfile in `directory`.
fn two_addresses(directory: &Path) -> Vec<String> {
    let listeners: Vec<TcpListener> = (0..2)
        .map(|_| TcpListener::bind("127.0.0.1:0").expect("a free port"))
        .collect();
    let addresses: Vec<String> = listeners
        .iter()
        .map(|listener| listener.local_addr().expect("bound").to_string())
        .collect();
    std::fs::write(directory.join("hosts"), addresses.join("\n") + "\n").expect("hostfile");
    addresses
}

/// `wirelog run` of `arguments` as process `process` of the cluster in `directory`.
fn cluster_process(directory: &Path, process: &str, arguments: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_wirelog"))
        .args([
            "run",
            "--workers",
            "2",
            "--hostfile",
            "hosts",
            "--process",
            process,
        ])
        .args(arguments)
        .current_dir(directory)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the wirelog binary runs")
}

#[test]
fn two_processes_share_an_imported_file_and_answer_as_the_default_engine() {
    let directory = scratch("import-cluster");
    std::fs::write(directory.join("events.dl"), EVENTS).expect("program written");
    std::fs::write(directory.join("events.csv"), events_csv(301)).expect("data written");
    two_addresses(&directory);
    let expected = wirelog(
        &directory,
        &[
            "run".into(),
            "--all".into(),
            "--output-dir".into(),
            "by_datafrog".into(),
            "events.dl".into(),
        ],
    );
    assert_eq!(expected.code, 0, "{}", expected.stderr);
    let arguments = ["--all", "--output-dir", "by_cluster", "events.dl"];
    // Started in reverse order: processes may start in any order.
    let second = cluster_process(&directory, "1", &arguments);
    let first = cluster_process(&directory, "0", &arguments);
    let (first, second) = (finish(first), finish(second));
    assert_eq!(first.code, 0, "process 0: {}", first.stderr);
    assert_eq!(second.code, 0, "process 1: {}", second.stderr);
    assert_eq!(first.stdout, expected.stdout);
    assert!(first.stdout.contains("?- chain(A, C)."), "{}", first.stdout);
    assert_eq!(second.stdout, "", "process 1 prints nothing");
    for export in ["events_out.csv", "chain_out.csv"] {
        let read = |folder: &str| {
            std::fs::read_to_string(directory.join(folder).join(export))
                .unwrap_or_else(|error| panic!("{folder}/{export}: {error}"))
        };
        assert_eq!(read("by_cluster"), read("by_datafrog"), "{export}");
    }
    let _ = std::fs::remove_dir_all(&directory);
}

#[test]
fn a_bad_row_is_rejected_by_every_process_of_a_cluster() {
    let directory = scratch("import-bad");
    std::fs::write(directory.join("events.dl"), EVENTS).expect("program written");
    // Line 42 (row 40 from 0, after the header): process 0's share; line 43
    // would be process 1's. Each process checks every row.
    let mut lines: Vec<String> = events_csv(60).lines().map(String::from).collect();
    lines[41] = "2024-13-01,iran,iraq,accuses".into();
    std::fs::write(directory.join("events.csv"), lines.join("\n") + "\n").expect("data written");
    two_addresses(&directory);
    let expected = wirelog(&directory, &["run".into(), "events.dl".into()]);
    assert_eq!(expected.code, 1, "{}", expected.stderr);
    assert!(
        expected
            .stderr
            .contains("events.csv:42:1: cell 1: expected a date written YYYY-MM-DD"),
        "{}",
        expected.stderr
    );
    let arguments = ["events.dl"];
    let processes = [
        cluster_process(&directory, "0", &arguments),
        cluster_process(&directory, "1", &arguments),
    ];
    for (process, child) in processes.into_iter().enumerate() {
        let output = finish(child);
        assert_eq!(output.code, 1, "process {process}: {}", output.stderr);
        assert_eq!(output.stderr, expected.stderr, "process {process}");
        assert_eq!(output.stdout, "", "process {process}");
    }
    let _ = std::fs::remove_dir_all(&directory);
}

#[test]
fn an_explanation_names_the_file_of_a_row_another_process_read() {
    let directory = scratch("import-explain");
    std::fs::write(
        directory.join("e.dl"),
        "#import \"e.csv\" as event(symbol, symbol).\naccuses(A, B) :- event(A, B).\n?- accuses(A, B).\n",
    )
    .expect("program written");
    std::fs::write(directory.join("e.csv"), "a,b\nb,c\nc,d\n").expect("data written");
    two_addresses(&directory);
    let expected = wirelog(
        &directory,
        &["run".into(), "--explain".into(), "e.dl".into()],
    );
    assert_eq!(expected.code, 0, "{}", expected.stderr);
    let arguments = ["--explain", "e.dl"];
    let second = cluster_process(&directory, "1", &arguments);
    let first = cluster_process(&directory, "0", &arguments);
    let (first, second) = (finish(first), finish(second));
    assert_eq!(first.code, 0, "process 0: {}", first.stderr);
    assert_eq!(second.code, 0, "process 1: {}", second.stderr);
    // Rows 0 and 2 (lines 1 and 3) are process 0's; line 2 is process 1's,
    // named by its file alone.
    assert_eq!(
        first.stdout,
        expected.stdout.replace("fact (e.csv:2)", "fact (e.csv)")
    );
    assert!(
        expected.stdout.contains("fact (e.csv:2)"),
        "{}",
        expected.stdout
    );
    let _ = std::fs::remove_dir_all(&directory);
}

/// Each process of a cluster keeps about half of an imported file's rows
/// (counted by the session), and process 0's answers are the default
/// engine's. Two sessions in two threads of the test, talking TCP on
/// 127.0.0.1 as two processes do.
#[test]
fn each_process_keeps_its_share_of_an_imported_file() {
    let directory = scratch("import-share");
    let program = directory.join("events.dl");
    std::fs::write(&program, EVENTS.replace("#export", "% #export")).expect("program written");
    let n_rows = 1001;
    std::fs::write(directory.join("events.csv"), events_csv(n_rows)).expect("data written");
    let mut by_datafrog = Session::new(SessionOptions::default());
    let whole = by_datafrog
        .load_files(std::slice::from_ref(&program))
        .expect("loads");
    assert_eq!(whole.n_imported_rows, n_rows);
    let expected = answers(&mut by_datafrog);
    let addresses = two_addresses(&directory);
    let handles: Vec<_> = (0..2)
        .map(|process| {
            let (addresses, program) = (addresses.clone(), program.clone());
            std::thread::spawn(move || {
                let mut session = Session::new(SessionOptions {
                    engine: Engine::Dataflow(DataflowSettings {
                        workers: 2,
                        cluster: Some(wirelog::dataflow::Cluster { addresses, process }),
                        live: false,
                    }),
                    ..SessionOptions::default()
                });
                let accepted = session
                    .load_files(std::slice::from_ref(&program))
                    .expect("loads");
                let answers = session.prints_answers().then(|| answers(&mut session));
                (accepted.n_imported_rows, answers)
            })
        })
        .collect();
    let outcomes: Vec<(usize, Option<Vec<Answer>>)> = handles
        .into_iter()
        .map(|handle| handle.join().expect("a process thread"))
        .collect();
    // Rows 0, 2, 4, ... for process 0; 1, 3, 5, ... for process 1.
    assert_eq!(outcomes[0].0, n_rows.div_ceil(2));
    assert_eq!(outcomes[1].0, n_rows / 2);
    assert_eq!(outcomes[0].1.as_ref(), Some(&expected));
    assert_eq!(outcomes[1].1, None);
    let _ = std::fs::remove_dir_all(&directory);
}

#[test]
fn engine_options_that_do_not_fit_are_refused() {
    let directory = scratch("options");
    std::fs::write(directory.join("paths.dl"), PATHS).expect("program written");
    std::fs::write(directory.join("hosts"), "127.0.0.1:1\nnot an address\n").expect("hostfile");
    for (arguments, message) in [
        (
            vec!["run", "--engine", "datafrog", "--workers", "2", "paths.dl"],
            "`--workers` is for `--engine dataflow`",
        ),
        (
            vec!["run", "--engine", "dataflow", "--workers", "0", "paths.dl"],
            "at least 1",
        ),
        (
            vec!["run", "--follow", "-", "paths.dl"],
            "`--follow` keeps answers live on `--engine dataflow`",
        ),
        (
            vec!["run", "--hostfile", "hosts", "--process", "0", "paths.dl"],
            "hosts:2: `not an address` is not `host:port`",
        ),
        (
            vec!["repl", "--hostfile", "hosts", "--process", "0"],
            "the REPL runs in one process",
        ),
        (
            vec!["run", "--engine", "dataflow", "--follow", "-", "-"],
            "cannot both be read from standard input",
        ),
    ] {
        let arguments: Vec<String> = arguments.into_iter().map(String::from).collect();
        let output = wirelog(&directory, &arguments);
        assert_eq!(output.code, 2, "{arguments:?}: {}", output.stderr);
        assert!(
            output.stderr.contains(message),
            "{arguments:?}: {}",
            output.stderr
        );
        assert_eq!(output.stdout, "");
    }
    let _ = std::fs::remove_dir_all(&directory);
}

#[test]
fn a_piped_repl_on_the_dataflow_engine_shows_changed_answers() {
    let directory = scratch("repl");
    std::fs::write(directory.join("paths.dl"), PATHS).expect("program written");
    let mut child = Command::new(env!("CARGO_BIN_EXE_wirelog"))
        .args(["repl", "--engine", "dataflow", "--workers", "2", "paths.dl"])
        .current_dir(&directory)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the wirelog binary runs");
    if let Some(mut stdin) = child.stdin.take() {
        let script = "edge(4, 5).\n:retract edge(1, 2).\n:undo\nx(1) :- edge(1, 1).\nedge(1, 1).\n";
        stdin.write_all(script.as_bytes()).expect("script written");
    }
    let output = finish(child);
    assert_eq!(output.code, 0, "{}", output.stderr);
    let lines: Vec<String> = output
        .stdout
        .lines()
        .map(|line| {
            // Times vary: `added 1 clause (3.1 ms)` → `added 1 clause`.
            line.split(" (").next().unwrap_or(line).to_string()
        })
        .collect();
    let expected = [
        // edge(4, 5): one more path from 1 (and 4 more paths in all, 16).
        "added 1 clause",
        "?- path(1, X).",
        "+ 5",
        "?- n(C).",
        "- 12",
        "+ 16",
        // Without edge(1, 2) nothing is reached from 1; 2, 3, 4 are unreached.
        "retracted edge(1, 2).",
        "?- path(1, X).",
        "- 2",
        "- 3",
        "- 4",
        "- 5",
        "?- unreached(X).",
        "- 1",
        "+ 2",
        "+ 3",
        "+ 4",
        "?- n(C).",
        "- 16",
        "+ 12",
        // The undo brings it back.
        "undone: the retraction of edge(1, 2).",
        "?- path(1, X).",
        "+ 2",
        "+ 3",
        "+ 4",
        "+ 5",
        "?- unreached(X).",
        "- 2",
        "- 3",
        "- 4",
        "+ 1",
        "?- n(C).",
        "- 12",
        "+ 16",
        // A rule starts a new live model (its query answers are unchanged); a fact after it
        // updates it: 1 reaches itself, so it is not unreached any more.
        "added 1 clause",
        "added 1 clause",
        "?- path(1, X).",
        "+ 1",
        // 1 reaches itself: it is not unreached any more.
        "?- unreached(X).",
        "- 1",
        "?- n(C).",
        "- 16",
        "+ 17",
    ];
    assert_eq!(lines, expected, "{}", output.stdout);
    let _ = std::fs::remove_dir_all(&directory);
}

#[test]
fn follow_prints_the_changes_appended_to_a_file() {
    let directory = scratch("follow");
    std::fs::write(directory.join("paths.dl"), PATHS).expect("program written");
    let changes = directory.join("changes.txt");
    std::fs::write(&changes, "").expect("changes file");
    let mut child = Command::new(env!("CARGO_BIN_EXE_wirelog"))
        .args([
            "run",
            "--engine",
            "dataflow",
            "--follow",
            "changes.txt",
            // Long enough that it never ends while the test is writing.
            "--follow-until-idle",
            "4000",
            "-q",
            "path(1, X)",
            "paths.dl",
        ])
        .current_dir(&directory)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the wirelog binary runs");
    let stdout = child.stdout.take().expect("stdout piped");
    let (lines_sender, lines) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines_sender.send(line).is_err() {
                break;
            }
        }
    });
    let mut seen = Vec::new();
    // Reads lines until `last` (or the guard), keeping them all.
    let read_until = |last: &str, seen: &mut Vec<String>| loop {
        match lines.recv_timeout(GUARD) {
            Ok(line) => {
                let done = line == last;
                seen.push(line);
                if done {
                    return;
                }
            }
            Err(_) => panic!("no `{last}` after {seen:?}"),
        }
    };
    let append = |text: &str| {
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(&changes)
            .expect("changes file opens");
        file.write_all(text.as_bytes()).expect("appended");
    };
    read_until("3 rows", &mut seen);
    append("edge(4, 5).\n");
    read_until("+ 5", &mut seen);
    append("-edge(1, 2).\n");
    read_until("- 5", &mut seen);
    append("edge(1, 2).\n");
    read_until("+ 5", &mut seen);
    // A line that is not a fact is reported and left out; the next batch goes on.
    append("edeg(1, 7).\nedge(1, 7).\n");
    read_until("+ 7", &mut seen);
    drop(lines);
    let stderr = {
        let mut text = String::new();
        if let Some(mut stderr) = child.stderr.take() {
            let _ = stderr.read_to_string(&mut text);
        }
        text
    };
    let status = child.wait().expect("wirelog ends once the file is idle");
    let _ = reader.join();
    let after_table: Vec<&str> = seen
        .iter()
        .map(String::as_str)
        .skip_while(|line| *line != "3 rows")
        .skip(1)
        .collect();
    assert_eq!(
        after_table,
        [
            "?- path(1, X).",
            "+ 5",
            "?- path(1, X).",
            "- 2",
            "- 3",
            "- 4",
            "- 5",
            "?- path(1, X).",
            "+ 2",
            "+ 3",
            "+ 4",
            "+ 5",
            "?- path(1, X).",
            "+ 7",
        ]
    );
    assert!(
        stderr.contains("error[E450]: the program has no predicate `edeg`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("changes.txt:4:1"),
        "the line of the file: {stderr}"
    );
    assert_eq!(
        status.code(),
        Some(1),
        "a rejected line makes the exit status 1"
    );
    let _ = std::fs::remove_dir_all(&directory);
}

#[test]
fn follow_reads_standard_input_to_its_end() {
    let directory = scratch("follow-stdin");
    std::fs::write(directory.join("paths.dl"), PATHS).expect("program written");
    let mut child = Command::new(env!("CARGO_BIN_EXE_wirelog"))
        .args([
            "run",
            "--engine",
            "dataflow",
            "--workers",
            "2",
            "--follow",
            "-",
            "-q",
            "n(C)",
            "paths.dl",
        ])
        .current_dir(&directory)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the wirelog binary runs");
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(b"% a comment\n\n-edge(4, 2).\n+edge(4, 2).\n-edge(4, 2).\n-edge(4, 2).")
            .expect("changes written");
    }
    let output = finish(child);
    assert_eq!(output.code, 0, "{}", output.stderr);
    // The cycle's edge goes (12 paths become 6); the last line, a batch of
    // its own at the end of the input, retracts what is not there: no change.
    assert!(
        output.stdout.ends_with("1 row\n?- n(C).\n- 12\n+ 6\n"),
        "{}",
        output.stdout
    );
    let _ = std::fs::remove_dir_all(&directory);
}

/// Every loaded query's answers.
fn answers(session: &mut Session) -> Vec<Answer> {
    session.answers().expect("answers")
}

/// A query's text, the rows it gained, the rows it lost.
type Difference = (String, Vec<Vec<Value>>, Vec<Vec<Value>>);

/// The rows an answer gained and lost between `before` and `after`, per query text.
fn differences(before: &[Answer], after: &[Answer]) -> Vec<Difference> {
    before
        .iter()
        .zip(after)
        .filter_map(|(old, new)| {
            let old_rows: BTreeSet<&Vec<Value>> = old.rows.iter().collect();
            let new_rows: BTreeSet<&Vec<Value>> = new.rows.iter().collect();
            let added: Vec<Vec<Value>> = new_rows
                .difference(&old_rows)
                .map(|row| (*row).clone())
                .collect();
            let removed: Vec<Vec<Value>> = old_rows
                .difference(&new_rows)
                .map(|row| (*row).clone())
                .collect();
            (!added.is_empty() || !removed.is_empty()).then(|| (new.query.clone(), added, removed))
        })
        .collect()
}

/// A random program in a live dataflow session: random facts typed and
/// retracted (and some undone); after each step the answers must equal
/// the naive evaluation from scratch, and the changes the session reports
/// must be exactly the difference from the step before.
fn compare_session(seed: u64, workers: usize, n_steps: usize) -> Result<usize, TestCaseError> {
    let mut program = generate(seed);
    // Integrity constraints reject an input as a whole; the steps below
    // test maintenance, so the generated constraints are left out.
    program.constraints.clear();
    let text = program.print();
    let mut session = Session::new(SessionOptions {
        engine: Engine::Dataflow(DataflowSettings {
            workers,
            cluster: None,
            live: true,
        }),
        ..SessionOptions::default()
    });
    session
        .load_program(&[ProgramSource::Text {
            name: "random.dl".into(),
            text: text.clone(),
        }])
        .map_err(|rejected| TestCaseError::fail(format!("{:?}\n{text}", rejected.diagnostics)))?;
    prop_assert!(session.is_live());
    let mut random = Random(seed ^ 0xface);
    let mut before = answers(&mut session);
    let mut n_changed = 0;
    // The facts typed so far that an undo would take back, the latest last.
    let mut undoable: Vec<(usize, Vec<i64>, bool)> = Vec::new();
    for step in 0..n_steps {
        let predicate = random.below(program.predicates.len().min(3));
        let (name, arity, _) = program.predicates[predicate].clone();
        let existing: Vec<usize> = (0..program.facts.len())
            .filter(|&index| program.facts[index].0 == predicate)
            .collect();
        let print = |values: &[i64]| {
            let args: Vec<String> = values.iter().map(i64::to_string).collect();
            format!("{name}({}).", args.join(", "))
        };
        let undo = if random.chance(15) {
            undoable.pop()
        } else {
            None
        };
        let what = if let Some((predicate, values, added)) = undo {
            if added {
                let index = program
                    .facts
                    .iter()
                    .position(|fact| *fact == (predicate, values.clone()));
                if let Some(index) = index {
                    program.facts.remove(index);
                }
            } else {
                program.facts.push((predicate, values));
            }
            session
                .undo(false)
                .map(|_| ())
                .map_err(|r| format!("{:?}", r.diagnostics))
                .map(|()| "undo".to_string())
        } else if !existing.is_empty() && random.chance(45) {
            let index = existing[random.below(existing.len())];
            let (_, values) = program.facts.remove(index);
            let fact = print(&values);
            undoable.push((predicate, values, false));
            session
                .retract(&fact)
                .map(|_| ())
                .map_err(|r| format!("{:?}", r.diagnostics))
                .map(|()| format!(":retract {fact}"))
        } else {
            let values: Vec<i64> = (0..arity)
                .map(|_| random.below(DOMAIN as usize) as i64)
                .collect();
            let fact = print(&values);
            program.facts.push((predicate, values.clone()));
            undoable.push((predicate, values, true));
            session
                .load_text(&fact)
                .map(|_| ())
                .map_err(|r| format!("{:?}", r.diagnostics))
                .map(|()| fact)
        };
        let what =
            what.map_err(|error| TestCaseError::fail(format!("step {step}: {error}\n{text}")))?;
        prop_assert!(session.is_live(), "step {}: {}", step, what);
        let after = answers(&mut session);
        let expected = program.evaluate();
        for (index, relation) in expected.iter().enumerate() {
            let rows: Vec<Vec<Value>> = relation
                .iter()
                .map(|row| row.iter().map(|value| Value::Integer(*value)).collect())
                .collect();
            prop_assert_eq!(
                &after[index].rows,
                &rows,
                "step {} ({}), {} workers\n{}",
                step,
                what,
                workers,
                text
            );
        }
        let reported: Vec<Difference> = session
            .answer_changes()
            .iter()
            .map(|change| {
                (
                    change.query.clone(),
                    change.added.clone(),
                    change.removed.clone(),
                )
            })
            .collect();
        prop_assert_eq!(
            &reported,
            &differences(&before, &after),
            "step {} ({})\n{}",
            step,
            what,
            text
        );
        if !reported.is_empty() {
            n_changed += 1;
        }
        before = after;
    }
    Ok(n_changed)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn a_live_session_agrees_with_evaluation_from_scratch(seed in any::<u64>(), workers in 1usize..3) {
        compare_session(seed, workers, 10)?;
    }
}

#[test]
fn live_session_steps_actually_change_answers() {
    // Cannot pass by reporting nothing: most steps change some answer.
    let n_changed: usize = (0..6)
        .map(|seed| compare_session(seed, 1, 10).unwrap_or(0))
        .sum();
    assert!(n_changed > 20, "only {n_changed} steps changed answers");
}

#[test]
fn reloading_a_file_whose_facts_changed_updates_the_live_model() {
    let directory = scratch("reload");
    let file = directory.join("paths.dl");
    std::fs::write(&file, PATHS).expect("program written");
    let mut session = Session::new(SessionOptions {
        engine: Engine::Dataflow(DataflowSettings {
            workers: 2,
            cluster: None,
            live: true,
        }),
        ..SessionOptions::default()
    });
    session
        .load_files(std::slice::from_ref(&file))
        .expect("loads");
    // The cycle's edge 4 → 2 becomes 4 → 1: 1 is reached from itself.
    std::fs::write(&file, PATHS.replace("edge(4, 2).", "edge(4, 1).")).expect("rewritten");
    session.reload(None).expect("reloads");
    assert!(session.is_live());
    let changes: Vec<Difference> = session
        .answer_changes()
        .iter()
        .map(|change| {
            (
                change.query.clone(),
                change.added.clone(),
                change.removed.clone(),
            )
        })
        .collect();
    let one = || vec![vec![Value::Integer(1)]];
    assert_eq!(
        changes,
        [
            ("?- path(1, X).".to_string(), one(), Vec::new()),
            ("?- unreached(X).".to_string(), Vec::new(), one()),
            (
                "?- n(C).".to_string(),
                vec![vec![Value::Integer(16)]],
                vec![vec![Value::Integer(12)]]
            ),
        ]
    );
    let _ = std::fs::remove_dir_all(&directory);
}
