//! A mutation fuzzer over the project's own programs, run through the
//! binary: every input must end with a result or a coded diagnostic (exit
//! status 0 or 1), never a panic, an abort or a signal, under an
//! address-space cap and small limits.
//!
//! `cargo test` runs a bounded, deterministic pass (a fixed seed, 120
//! inputs, each through `check` and `run`). A developer runs it for an hour
//! with (stable Rust, no extra tools):
//!
//! ```sh
//! WIRELOG_FUZZ_SECONDS=3600 cargo test --release --test fuzz -- --nocapture
//! ```
//!
//! (`WIRELOG_FUZZ_SEED=N` picks another seed.) Each input that fails is
//! written to `target/fuzz-failures/` with what happened, and the test fails
//! listing them. The corpus is every `.dl` file under `examples/`, `rules/`
//! and `tests/golden/`; mutations flip, delete, duplicate and splice bytes,
//! insert language tokens and bytes that are not UTF-8, repeat lines and
//! nest brackets, the shapes that broke parsers and limits before.
#![cfg(unix)]

use std::io::Write;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Inputs tried by `cargo test` when no time is given.
const BOUNDED_INPUTS: usize = 120;

/// Pieces of the language a mutation inserts.
const TOKENS: &[&str] = &[
    "p",
    "q(X)",
    "(",
    ")",
    ",",
    ".",
    ":-",
    "?-",
    "not ",
    "X",
    "_",
    "\"s\"",
    "\"",
    "\\",
    "@",
    ":",
    "{",
    "}",
    "count",
    "sum ",
    "min ",
    "max ",
    "=",
    "!=",
    "<",
    "+",
    "*",
    "/ 0",
    "%%",
    "%%%%",
    "%",
    "#include \"x.dl\".",
    "#include <news>.",
    "2025-02-30",
    "9999999999999999999",
    "concat(X, X)",
    "upper(X)",
    "len(X)",
    "\n",
    " ",
    "\u{0}",
    "é",
    "\u{feff}",
];

/// A small xorshift generator: reproducible without a dependency.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

fn corpus() -> Vec<Vec<u8>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for folder in ["examples", "rules", "tests/golden/ok", "tests/golden/err"] {
        let Ok(entries) = std::fs::read_dir(root.join(folder)) else {
            continue;
        };
        let mut paths: Vec<PathBuf> = entries
            .flatten()
            .map(|entry| entry.path())
            .filter(|path| path.extension().is_some_and(|extension| extension == "dl"))
            .collect();
        paths.sort();
        files.extend(paths.iter().filter_map(|path| std::fs::read(path).ok()));
    }
    files
}

/// One mutation of `input`, with `other` for splices.
fn mutate(input: &mut Vec<u8>, other: &[u8], random: &mut Random) {
    let at = random.below(input.len() + 1);
    match random.below(9) {
        0 if !input.is_empty() => {
            let index = random.below(input.len());
            input[index] ^= 1 << random.below(8);
        }
        1 if !input.is_empty() => {
            let end = (at + 1 + random.below(16)).min(input.len());
            input.drain(at.min(end)..end);
        }
        2 => {
            let token = TOKENS[random.below(TOKENS.len())].as_bytes();
            insert(input, at, token);
        }
        3 => insert(input, at, &[0xff, 0xe9, 0x80][random.below(3)..]),
        4 if !other.is_empty() => {
            let start = random.below(other.len());
            let end = (start + 1 + random.below(200)).min(other.len());
            insert(input, at, &other[start..end]);
        }
        5 => {
            // A line repeated many times: quadratic paths show up.
            let start = input[..at]
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |i| i + 1);
            let end = input[at..]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(input.len(), |i| at + i + 1);
            let line = input[start..end].to_vec();
            for _ in 0..random.below(200) {
                insert(input, end, &line);
            }
        }
        6 => {
            let depth = random.below(300);
            let nested = format!("p(X) :- X = {}1{}.\n", "(".repeat(depth), ")".repeat(depth));
            insert(input, at, nested.as_bytes());
        }
        7 => input.truncate(at),
        _ => {
            let token = TOKENS[random.below(TOKENS.len())].as_bytes();
            input.extend_from_slice(token);
        }
    }
}

/// Inserts `bytes` into `input` at `at`.
fn insert(input: &mut Vec<u8>, at: usize, bytes: &[u8]) {
    let tail = input.split_off(at.min(input.len()));
    input.extend_from_slice(bytes);
    input.extend_from_slice(&tail);
}

/// What went wrong with one input, or `None` when the binary ended well.
fn try_input(path: &Path, command: &str) -> Option<String> {
    let mut child = Command::new("prlimit")
        .arg("--as=2147483648")
        .arg(env!("CARGO_BIN_EXE_wirelog"))
        .args([
            command,
            "--max-tuples",
            "200000",
            "--max-rounds",
            "2000",
            "--max-memory",
            "512M",
        ])
        .arg(path)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .ok()?;
    // Read while it runs, so a long report cannot fill the pipe and stall it.
    let reader = child.stderr.take().map(|mut stream| {
        std::thread::spawn(move || {
            use std::io::Read;
            let mut bytes = Vec::new();
            let _ = stream.read_to_end(&mut bytes);
            String::from_utf8_lossy(&bytes).into_owned()
        })
    });
    // A guard against a hang, not a speed check: every input is small and
    // the limits are tight, so a healthy run ends in well under a second.
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() > Duration::from_secs(120) => {
                let _ = child.kill();
                let _ = child.wait();
                return Some(format!("`{command}` did not end in 120 s"));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(error) => return Some(format!("`{command}`: {error}")),
        }
    };
    let errors = reader
        .and_then(|reader| reader.join().ok())
        .unwrap_or_default();
    if let Some(signal) = status.signal() {
        return Some(format!("`{command}` killed by signal {signal}\n{errors}"));
    }
    if !matches!(status.code(), Some(0 | 1)) || errors.contains("panicked") {
        return Some(format!("`{command}` exit {:?}\n{errors}", status.code()));
    }
    None
}

#[test]
fn mutated_programs_end_with_a_result_or_a_coded_error() {
    let corpus = corpus();
    assert!(!corpus.is_empty(), "no corpus");
    let seconds: Option<u64> = std::env::var("WIRELOG_FUZZ_SECONDS")
        .ok()
        .and_then(|text| text.parse().ok());
    let seed: u64 = std::env::var("WIRELOG_FUZZ_SEED")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(16);
    let mut random = Random(seed.max(1));
    let work = std::env::temp_dir().join(format!("wirelog-fuzz-{}", std::process::id()));
    std::fs::create_dir_all(&work).expect("a work folder");
    let failures_folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/fuzz-failures");
    let started = Instant::now();
    let mut failures = Vec::new();
    let mut n_inputs = 0;
    loop {
        let done = match seconds {
            Some(seconds) => started.elapsed() >= Duration::from_secs(seconds),
            None => n_inputs >= BOUNDED_INPUTS,
        };
        if done {
            break;
        }
        n_inputs += 1;
        let mut input = corpus[random.below(corpus.len())].clone();
        let other = &corpus[random.below(corpus.len())];
        for _ in 0..1 + random.below(6) {
            mutate(&mut input, other, &mut random);
        }
        let path = work.join("input.dl");
        if std::fs::write(&path, &input).is_err() {
            continue;
        }
        for command in ["check", "run"] {
            if let Some(problem) = try_input(&path, command) {
                let _ = std::fs::create_dir_all(&failures_folder);
                let name = format!("seed{seed}-input{n_inputs}");
                let _ = std::fs::write(failures_folder.join(format!("{name}.dl")), &input);
                if let Ok(mut file) =
                    std::fs::File::create(failures_folder.join(format!("{name}.txt")))
                {
                    let _ = file.write_all(problem.as_bytes());
                }
                failures.push(format!("{name}: {problem}"));
                break;
            }
        }
    }
    let _ = std::fs::remove_dir_all(&work);
    println!(
        "fuzz: {n_inputs} inputs, {} failures, seed {seed}",
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
