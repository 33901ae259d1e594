//! Issue 16: nothing a user types takes wirelog down. Each test is one
//! reproduction of the issue, with limits small enough for CI, run through
//! the binary; where the issue measured under `ulimit -v`, the binary runs
//! under the same kind of cap (`prlimit --as`), so an abort (exit 134, no
//! diagnostic) instead of a coded error fails the test.
#![cfg(unix)]

use std::io::Write;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The address-space cap the memory tests run under: 1 GiB, so the default
/// `--max-memory` is 512 MiB.
const ADDRESS_SPACE: &str = "--as=1073741824";

/// A folder removed when the test ends.
struct Folder(PathBuf);

impl Folder {
    fn new(name: &str) -> Folder {
        let path = std::env::temp_dir().join(format!(
            "wirelog-robust-{name}-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|elapsed| elapsed.as_nanos())
                .unwrap_or_default()
        ));
        std::fs::create_dir_all(&path).expect("create a temporary folder");
        Folder(path)
    }

    fn file(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, text).expect("write a temporary file");
        path
    }
}

impl Drop for Folder {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn binary() -> &'static str {
    env!("CARGO_BIN_EXE_wirelog")
}

/// Runs the binary with `arguments`, under the address-space cap when
/// `capped`, feeding `input` to its standard input.
fn wirelog_with(arguments: &[&str], capped: bool, input: &[u8]) -> Output {
    let mut command = if capped {
        let mut command = Command::new("prlimit");
        command.arg(ADDRESS_SPACE).arg(binary());
        command
    } else {
        Command::new(binary())
    };
    let mut child = command
        .args(arguments)
        .env("NO_COLOR", "1")
        .env("WIRELOG_HISTORY", "/dev/null")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the wirelog binary runs");
    if let Some(mut stdin) = child.stdin.take() {
        // A closed pipe (the binary refused early) is not the test's concern.
        let _ = stdin.write_all(input);
    }
    child.wait_with_output().expect("wirelog ends")
}

fn wirelog(arguments: &[&str]) -> Output {
    wirelog_with(arguments, false, b"")
}

fn capped(arguments: &[&str]) -> Output {
    wirelog_with(arguments, true, b"")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The run failed with a diagnostic of `code`: exit status 1, not a signal.
fn assert_stopped_with(output: &Output, code: &str) {
    let errors = stderr(output);
    assert_eq!(
        output.status.signal(),
        None,
        "killed by a signal; stderr: {errors}"
    );
    assert_eq!(output.status.code(), Some(1), "stderr: {errors}");
    assert!(errors.contains(&format!("[{code}]")), "no {code}: {errors}");
    assert!(!errors.contains("panicked"), "{errors}");
}

fn path_text(path: &Path) -> &str {
    path.to_str().unwrap_or_default()
}

/// A conjunctive query of `n` atoms over `q`, `?- q(A0), …, q(An-1).`
fn wide_query(n: usize) -> String {
    let atoms: Vec<String> = (0..n).map(|index| format!("q(A{index})")).collect();
    format!("?- {}.", atoms.join(", "))
}

// Item 1: limits bound memory.

#[test]
fn a_28_atom_query_stops_at_the_tuple_limit_as_rows_are_produced() {
    let folder = Folder::new("wide-query");
    let path = folder.file("wide.dl", &format!("q(1). q(2).\n{}\n", wide_query(28)));
    let output = capped(&["run", "--max-tuples", "1000", path_text(&path)]);
    assert_stopped_with(&output, "E302");
}

#[test]
fn a_cross_product_in_a_query_stops_at_the_memory_limit() {
    let folder = Folder::new("cross-query");
    let facts: String = (0..1000).map(|index| format!("p({index}).\n")).collect();
    let path = folder.file("cross.dl", &format!("{facts}?- p(A), p(B), p(C).\n"));
    let output = capped(&["run", "--max-memory", "64M", path_text(&path)]);
    assert_stopped_with(&output, "E308");
    assert!(
        stderr(&output).contains("--max-memory"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_cross_product_in_a_rule_stops_at_the_tuple_limit() {
    let folder = Folder::new("cross-rule");
    let facts: String = (0..10_000).map(|index| format!("p({index}).\n")).collect();
    let path = folder.file(
        "cross.dl",
        &format!("{facts}r(A, B) :- p(A), p(B).\nn(N) :- N = count : {{ r(_, _) }}.\n?- n(N).\n"),
    );
    let output = capped(&["run", "--max-tuples", "1000000", path_text(&path)]);
    assert_stopped_with(&output, "E302");
}

#[test]
fn a_string_doubled_each_round_stops_at_the_text_limit() {
    let folder = Folder::new("concat");
    let path = folder.file(
        "concat.dl",
        "s(\"ab\").\ns(X) :- s(Y), X = concat(Y, Y).\n?- s(X).\n",
    );
    let output = capped(&["run", path_text(&path)]);
    assert_stopped_with(&output, "E306");
    assert!(stderr(&output).contains("concat"), "{}", stderr(&output));
}

#[test]
fn memory_sizes_are_read_with_units_and_bad_ones_refused() {
    let output = wirelog(&["check", "--max-memory", "12X", "nothing.dl"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("unknown unit"),
        "{}",
        stderr(&output)
    );
}

// Item 2: a deep include chain.

#[test]
fn a_chain_of_nine_thousand_includes_loads_without_overflowing_the_stack() {
    let folder = Folder::new("includes");
    let depth = 9_000;
    for level in 0..depth {
        let text = if level + 1 < depth {
            format!("#include \"f{}.dl\".\nf{level}(1).\n", level + 1)
        } else {
            format!("f{level}(1).\n")
        };
        folder.file(&format!("f{level}.dl"), &text);
    }
    let top = folder.file(
        "top.dl",
        &format!("#include \"f0.dl\".\n?- f{}(X).\n", depth - 1),
    );
    let output = capped(&["run", "--format", "csv", path_text(&top)]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stdout(&output), "X\n1\n");
}

// Item 3: bytes that are not UTF-8 in piped REPL input.

#[test]
fn a_piped_line_that_is_not_utf8_is_reported_and_the_session_goes_on() {
    let input = b"kept(1).\nbad(\"caf\xe9\").\n?- kept(X).\n";
    let output = wirelog_with(&["repl"], false, input);
    let errors = stderr(&output);
    assert!(
        errors.contains("line 2 of the input is not UTF-8 text (byte 9)"),
        "{errors}"
    );
    assert!(stdout(&output).contains("1 row"), "{}", stdout(&output));
    // A script with a rejected line ends with status 1, after its last line.
    assert_eq!(output.status.code(), Some(1), "{errors}");
}

// Item 4: diagnostics do not grow with the square of the line.

#[test]
fn a_long_line_of_unsafe_facts_prints_a_bounded_report() {
    let folder = Folder::new("long-line");
    let path = folder.file("line.dl", &"p(X). ".repeat(4_000));
    let output = wirelog(&["check", path_text(&path)]);
    let errors = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{errors}");
    // Twenty reports of a cut line, then one line counting the rest: a few
    // kilobytes where every report once reprinted the 24 KB line.
    assert!(errors.len() < 20_000, "{} bytes of stderr", errors.len());
    assert!(
        errors.contains("3980 more errors like this not shown"),
        "{errors}"
    );
    assert!(errors.contains('…'), "{errors}");
    assert!(errors.contains("line.dl:1:"), "{errors}");
}

#[test]
fn repeated_undefined_predicate_warnings_are_merged_with_a_count() {
    let folder = Folder::new("warnings");
    let body: Vec<String> = (0..100).map(|index| format!("u{index}(X)")).collect();
    let path = folder.file(
        "warned.dl",
        &format!("d(1).\nh(X) :- d(X), {}.\n", body.join(", ")),
    );
    let output = wirelog(&["check", path_text(&path)]);
    let errors = stderr(&output);
    assert!(errors.contains("80 more warnings like this"), "{errors}");
}

// Item 5: stratification is linear.

#[test]
fn a_chain_of_thirty_thousand_rules_is_checked() {
    let folder = Folder::new("chain-rules");
    let n = 30_000;
    let mut text = String::from("r0(1).\n");
    // Written from the last link down, the order a naive fixpoint suffers most from.
    for level in (1..n).rev() {
        text.push_str(&format!("r{level}(X) :- r{}(X).\n", level - 1));
    }
    let path = folder.file("chain.dl", &text);
    let output = capped(&["check", path_text(&path)]);
    assert!(output.status.success(), "{}", stderr(&output));
}

// Item 6: only regular files, of a bounded size.

#[test]
fn a_device_a_fifo_and_a_folder_are_refused_with_a_located_error() {
    let folder = Folder::new("special");
    let fifo = folder.0.join("fifo.dl");
    let made = Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    for path in ["/dev/zero", path_text(&fifo), path_text(&folder.0)] {
        let output = wirelog(&["check", path]);
        assert_stopped_with(&output, "E413");
    }
    // Named by an include, the error points at the include.
    let includer = folder.file("includer.dl", "p(1).\n#include \"fifo.dl\".\n");
    let output = wirelog(&["check", path_text(&includer)]);
    assert_stopped_with(&output, "E413");
    assert!(
        stderr(&output).contains("includer.dl:2:"),
        "{}",
        stderr(&output)
    );
    // An `#import` of one is refused the same way, before it is opened.
    for (name, target) in [
        ("zero.dl", "/dev/zero"),
        ("fifo_import.dl", path_text(&fifo)),
    ] {
        let importer = folder.file(name, &format!("#import \"{target}\" as p(int).\n"));
        let output = wirelog(&["check", path_text(&importer)]);
        assert_stopped_with(&output, "E413");
    }
}

#[test]
fn a_file_larger_than_the_limit_is_refused_and_the_option_raises_it() {
    let folder = Folder::new("large");
    let facts: String = (0..200).map(|index| format!("p({index}).\n")).collect();
    let path = folder.file("large.dl", &facts);
    let output = wirelog(&["check", "--max-file-size", "1K", path_text(&path)]);
    assert_stopped_with(&output, "E414");
    assert!(
        stderr(&output).contains("--max-file-size"),
        "{}",
        stderr(&output)
    );
    let output = wirelog(&["check", "--max-file-size", "1M", path_text(&path)]);
    assert!(output.status.success(), "{}", stderr(&output));
}

// Item 8: banners, `min`/`max` over mixed kinds, the round limit.

#[test]
fn a_banner_of_percent_signs_is_a_comment() {
    let folder = Folder::new("banner");
    let path = folder.file(
        "banner.dl",
        "%%%%%%%%%%%%%%%%%%%%\n%%%% Talks %%%%\n%%%%%%%%%%%%%%%%%%%%\np(1).\n?- p(X).\n",
    );
    let output = wirelog(&["run", "--format", "csv", path_text(&path)]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stdout(&output), "X\n1\n");
}

#[test]
fn max_over_mixed_kinds_is_a_documented_error_without_a_comparison_sign() {
    let folder = Folder::new("mixed");
    let path = folder.file(
        "mixed.dl",
        "v(1). v(a).\nm(M) :- M = max X : { v(X) }.\n?- m(M).\n",
    );
    let output = wirelog(&["run", path_text(&path)]);
    assert_stopped_with(&output, "E307");
    let errors = stderr(&output);
    assert!(errors.contains("different kinds"), "{errors}");
    assert!(!errors.contains('<'), "{errors}");
    assert!(errors.contains("mixed.dl:2:"), "{errors}");
}

#[test]
fn the_round_limit_names_the_rule_that_keeps_deriving() {
    let folder = Folder::new("rounds");
    let path = folder.file(
        "rounds.dl",
        "a(0).\nn(X) :- a(X).\nn(X) :- n(Y), X = Y + 1.\n?- n(3).\n",
    );
    let output = wirelog(&["run", "--max-rounds", "50", path_text(&path)]);
    assert_stopped_with(&output, "E303");
    let errors = stderr(&output);
    assert!(errors.contains("rounds.dl:3:"), "{errors}");
}

// Item 7: what queries compute is not kept for the session.

#[test]
fn strings_computed_by_two_hundred_queries_do_not_stay_interned() {
    use wirelog::session::{Session, SessionOptions};
    let mut session = Session::new(SessionOptions::default());
    assert!(session.load_text("s(\"news\").").is_ok());
    let interned = |session: &Session| {
        session
            .database()
            .map(|database| database.store.n_interned())
            .unwrap_or_default()
    };
    let before = interned(&session);
    for index in 0..200 {
        let asked = session.query(&format!(
            "?- s(X), Y = concat(X, \"{}\"), Z = upper(Y).",
            "x".repeat(1000 + index)
        ));
        let answers = asked.map(|accepted| accepted.answers.len());
        assert_eq!(answers.ok(), Some(1));
    }
    assert_eq!(interned(&session), before);
}
