//! `#import` measured (never asserted): ten million two-column rows of a
//! CSV file read into a session, against a peer measured in the same run.
//!
//! wirelog: `#import "rows.csv" as edge(int, int).` then a count of the
//! relation, through `Session` as `wirelog run` does (rows straight into
//! fact tables, then packed into the engine's storage; no syntax tree per
//! row). Peer: the `csv` crate's `ByteRecord` reader parsing the same file
//! into a `Vec<(i64, i64)>`, then sorting and deduplicating it: what a
//! program does by hand, with no engine at all (a floor, not a rival).
//!
//! `cargo bench --bench import [ROWS]` writes the file once, into
//! `$BENCH_WORK/import/` (default `target/bench-work/import/`), then runs
//! each reader three times, each in a process of its own so its peak memory
//! is its own, and prints the median seconds, rows per second, peak MiB,
//! and bytes per row above the process's size before reading.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;
use wirelog::session::{Session, SessionOptions};

const DEFAULT_ROWS: usize = 10_000_000;

fn work_dir() -> PathBuf {
    std::env::var_os("BENCH_WORK")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-work"))
        .join("import")
}

/// The resident memory of this process now and at its peak, in KiB.
fn memory_kib() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|line| line.starts_with(name))
            .and_then(|line| line.split_whitespace().nth(1)?.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// `rows` distinct rows of two integers.
fn write_rows(path: &Path, rows: usize) -> std::io::Result<()> {
    if std::fs::metadata(path).is_ok() {
        return Ok(());
    }
    std::fs::create_dir_all(path.parent().unwrap_or(Path::new(".")))?;
    let partial = path.with_extension("partial");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&partial)?);
    for row in 0..rows {
        writeln!(out, "{},{}", row % 100_000, row / 100_000 * 7 + row % 13)?;
    }
    out.flush()?;
    drop(out);
    std::fs::rename(partial, path)
}

/// Reads the file once in this process; prints `seconds base_kib peak_kib rows`.
fn run_one(reader: &str, path: &Path) -> Result<(), String> {
    let (base, _) = memory_kib();
    let start = Instant::now();
    let rows = match reader {
        "wirelog" => {
            let mut session = Session::new(SessionOptions {
                compact_facts: true,
                ..SessionOptions::default()
            });
            let text = format!(
                "#import \"{}\" as edge(int, int).\n?- N = count : {{ edge(_, _) }}.\n",
                path.display()
            );
            let mut answers = session
                .load_named_text("import.dl", &text)
                .map_err(|rejected| format!("{:?}", rejected.diagnostics))?
                .answers;
            if answers.is_empty() {
                answers = session
                    .answers()
                    .map_err(|rejected| format!("{:?}", rejected.diagnostics))?;
            }
            answers
                .first()
                .and_then(|answer| answer.rows.first())
                .and_then(|row| row.first())
                .map(ToString::to_string)
                .unwrap_or_default()
        }
        _ => {
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(false)
                .from_path(path)
                .map_err(|error| error.to_string())?;
            let mut record = csv::ByteRecord::new();
            let mut rows: Vec<(i64, i64)> = Vec::new();
            let number = |bytes: &[u8]| -> Result<i64, String> {
                std::str::from_utf8(bytes)
                    .map_err(|error| error.to_string())?
                    .parse()
                    .map_err(|error: std::num::ParseIntError| error.to_string())
            };
            while reader
                .read_byte_record(&mut record)
                .map_err(|error| error.to_string())?
            {
                rows.push((number(&record[0])?, number(&record[1])?));
            }
            rows.sort_unstable();
            rows.dedup();
            rows.len().to_string()
        }
    };
    let seconds = start.elapsed().as_secs_f64();
    let (_, peak) = memory_kib();
    println!("{seconds} {base} {peak} {rows}");
    Ok(())
}

fn main() {
    let arguments: Vec<String> = std::env::args()
        .skip(1)
        .filter(|arg| !arg.starts_with("--"))
        .collect();
    let n_rows = match arguments.as_slice() {
        [flag, ..] if flag == "one" => 0,
        [rows, ..] => rows.parse().unwrap_or(DEFAULT_ROWS),
        [] => DEFAULT_ROWS,
    };
    if let [flag, reader, path] = arguments.as_slice()
        && flag == "one"
    {
        if let Err(error) = run_one(reader, Path::new(path)) {
            eprintln!("{reader}: {error}");
            std::process::exit(1);
        }
        return;
    }
    let path = work_dir().join(format!("rows-{n_rows}.csv"));
    if let Err(error) = write_rows(&path, n_rows) {
        eprintln!("cannot write {}: {error}", path.display());
        return;
    }
    let Ok(me) = std::env::current_exe() else {
        eprintln!("cannot find the benchmark's own executable");
        return;
    };
    println!("{n_rows} rows of two integers, {}", path.display());
    println!(
        "{:<22} {:>9} {:>12} {:>9} {:>10}  rows kept",
        "reader", "median s", "rows/s", "peak MiB", "bytes/row"
    );
    let mut medians = Vec::new();
    for reader in ["wirelog", "csv-crate-vec"] {
        let mut seconds = Vec::new();
        let (mut peak, mut grown, mut kept) = (0u64, 0u64, String::new());
        for _ in 0..3 {
            let Ok(output) = Command::new(&me)
                .args(["one", reader, &path.display().to_string()])
                .output()
            else {
                break;
            };
            let stdout = String::from_utf8_lossy(&output.stdout);
            let fields: Vec<&str> = stdout.split_whitespace().collect();
            if let [time, base, high, rows] = fields.as_slice() {
                seconds.push(time.parse::<f64>().unwrap_or(f64::NAN));
                let (base, high) = (base.parse().unwrap_or(0u64), high.parse().unwrap_or(0u64));
                peak = peak.max(high);
                grown = grown.max(high.saturating_sub(base));
                kept = rows.to_string();
            } else {
                eprint!("{reader}: {}", String::from_utf8_lossy(&output.stderr));
            }
        }
        if seconds.is_empty() {
            continue;
        }
        seconds.sort_by(f64::total_cmp);
        let median = seconds[seconds.len() / 2];
        medians.push(median);
        println!(
            "{reader:<22} {median:>9.3} {:>12.0} {:>9.0} {:>10.1}  {kept}",
            n_rows as f64 / median,
            peak as f64 / 1024.0,
            grown as f64 * 1024.0 / n_rows as f64
        );
    }
    if let [wirelog, peer] = medians.as_slice() {
        println!("wirelog / csv-crate-vec time: {:.2}x", wirelog / peer);
    }
}
