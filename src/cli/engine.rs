//! The engine options of the command line (`--engine`, `--workers`,
//! `--hostfile`, `--process`), shared by every command that evaluates, and
//! `run --follow`: reading fact changes appended to a file and printing what
//! they change in the answers.
//!
//! Owns turning options into the library's `Engine` and the reading loop
//! (polling a file, or reading a pipe to its end); the changes themselves go
//! through `Session::follow_batch`, their text through `present`.

use clap::{Args, ValueEnum};
use std::io::{Read, Seek, SeekFrom, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use wirelog::dataflow::Cluster;
use wirelog::present;
use wirelog::session::{DataflowSettings, Engine, Session};

/// The engines `--engine` names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum EngineName {
    /// The embedded datafrog fixpoint (the default): one thread, no set-up.
    Datafrog,
    /// Differential dataflow (timely): worker threads, clusters of
    /// processes, answers kept live as facts change.
    Dataflow,
}

/// Which engine evaluates, with how many threads, on which processes.
#[derive(Args, Debug, Clone, Default)]
pub(crate) struct EngineArguments {
    /// The engine: `datafrog` (default) or `dataflow` (differential
    /// dataflow: `--workers`, `--hostfile`, live answers in the REPL).
    #[arg(long, value_enum, value_name = "ENGINE")]
    engine: Option<EngineName>,
    /// Worker threads per process of the dataflow engine (default 1).
    #[arg(long, value_name = "N")]
    workers: Option<usize>,
    /// Run as one process of a cluster: FILE lists one `host:port` per
    /// process, in order (implies `--engine dataflow`); every process gets
    /// the same arguments, process 0 prints the answers.
    #[arg(long, value_name = "FILE", requires = "process")]
    hostfile: Option<PathBuf>,
    /// This process's position in the hostfile, from 0.
    #[arg(long, value_name = "I", requires = "hostfile")]
    process: Option<usize>,
}

impl EngineArguments {
    /// The engine these options choose; `live` keeps the dataflow workers
    /// running between inputs. `Err` is a message for a wrong command line.
    pub(crate) fn engine(&self, live: bool) -> Result<Engine, String> {
        let dataflow = match self.engine {
            Some(EngineName::Dataflow) => true,
            Some(EngineName::Datafrog) => {
                if self.hostfile.is_some() {
                    return Err("`--hostfile` runs the dataflow engine, not the default one".into());
                }
                if self.workers.is_some() {
                    return Err(
                        "`--workers` is for `--engine dataflow`: the default engine runs one thread"
                            .into(),
                    );
                }
                false
            }
            None => self.hostfile.is_some() || self.workers.is_some(),
        };
        if !dataflow {
            return Ok(Engine::Datafrog);
        }
        let workers = self.workers.unwrap_or(1);
        if workers == 0 {
            return Err("`--workers` takes at least 1".into());
        }
        let cluster = match (&self.hostfile, self.process) {
            (Some(hostfile), Some(process)) => Some(read_hostfile(hostfile, process)?),
            _ => None,
        };
        Ok(Engine::Dataflow(DataflowSettings {
            workers,
            cluster,
            live,
        }))
    }

    /// True when a hostfile was given.
    pub(crate) fn in_cluster(&self) -> bool {
        self.hostfile.is_some()
    }
}

/// A hostfile: one `host:port` per line; blank lines and `#` comments skipped.
fn read_hostfile(path: &Path, process: usize) -> Result<Cluster, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|error| format!("cannot read the hostfile `{}`: {error}", path.display()))?;
    let mut addresses = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fits = line
            .rsplit_once(':')
            .is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok());
        if !fits {
            return Err(format!(
                "{}:{}: `{line}` is not `host:port`",
                path.display(),
                number + 1
            ));
        }
        addresses.push(line.to_string());
    }
    if process >= addresses.len() {
        return Err(format!(
            "`--process {process}`: the hostfile `{}` lists {} process{} (numbered from 0)",
            path.display(),
            addresses.len(),
            if addresses.len() == 1 { "" } else { "es" }
        ));
    }
    Ok(Cluster { addresses, process })
}

/// `run --follow`: a stream of fact changes.
#[derive(Args, Debug, Clone, Default)]
pub(crate) struct FollowArguments {
    /// After printing the answers, read fact changes appended to FILE (one
    /// a line: `edge(1, 2).` adds, `-edge(1, 2).` retracts) and print what
    /// each batch changes in them (`+ row`, `- row`); `-` reads standard
    /// input to its end. Needs `--engine dataflow`; ends with Ctrl-C.
    #[arg(long, value_name = "FILE")]
    follow: Option<PathBuf>,
    /// End `--follow` once FILE has not grown for MS milliseconds.
    #[arg(long, value_name = "MS", requires = "follow")]
    follow_until_idle: Option<u64>,
}

/// How often a followed file is looked at.
const POLL: Duration = Duration::from_millis(50);

impl FollowArguments {
    /// True when `--follow` was given.
    pub(crate) fn is_on(&self) -> bool {
        self.follow.is_some()
    }

    /// True when `--follow -` reads standard input.
    pub(crate) fn reads_stdin(&self) -> bool {
        self.follow
            .as_ref()
            .is_some_and(|path| path.as_os_str() == "-")
    }

    /// Follows the file, printing the changed answers of the queries
    /// `shown` (the positions of those whose answers were printed); returns the
    /// exit code: 0, or 1 when a line or a batch was rejected or the file
    /// could not be read.
    pub(crate) fn run(&self, session: &mut Session, shown: Range<usize>, color: bool) -> i32 {
        let Some(path) = &self.follow else { return 0 };
        let mut follower = Follower {
            name: path.display().to_string(),
            session,
            shown,
            color,
            line: 1,
            failed: false,
            stopped: false,
        };
        if path.as_os_str() == "-" {
            follower.name = "<stdin>".into();
            follower.read_to_end(std::io::stdin().lock());
        } else {
            follower.poll_file(path, self.follow_until_idle.map(Duration::from_millis));
        }
        i32::from(follower.failed)
    }
}

/// The state of one `--follow`.
struct Follower<'a> {
    name: String,
    session: &'a mut Session,
    /// The queries whose changes are printed.
    shown: Range<usize>,
    color: bool,
    /// The line number of the first line not yet applied.
    line: usize,
    failed: bool,
    /// The live model stopped (a limit, Ctrl-C): nothing more can be followed.
    stopped: bool,
}

impl Follower<'_> {
    /// A pipe: every read's complete lines are a batch.
    fn read_to_end(&mut self, mut input: impl Read) {
        let mut buffer = vec![0u8; 1 << 16];
        let mut bytes = Vec::new();
        loop {
            match input.read(&mut buffer) {
                Ok(0) => break,
                Ok(n) => {
                    bytes.extend_from_slice(buffer.get(..n).unwrap_or_default());
                    self.take_lines(&mut bytes);
                    if self.stopped {
                        return;
                    }
                }
                Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(error) => {
                    eprintln!("error: cannot read {}: {error}", self.name);
                    self.failed = true;
                    return;
                }
            }
        }
        // A last line without its newline is still a line.
        bytes.push(b'\n');
        self.take_lines(&mut bytes);
    }

    /// A file: read what was appended since the last look, every `POLL`.
    fn poll_file(&mut self, path: &Path, until_idle: Option<Duration>) {
        let mut file = match std::fs::File::open(path) {
            Ok(file) => file,
            Err(error) => {
                eprintln!("error: cannot read {}: {error}", self.name);
                self.failed = true;
                return;
            }
        };
        let mut offset = 0u64;
        let mut bytes = Vec::new();
        let mut last_growth = Instant::now();
        loop {
            let length = file.metadata().map(|metadata| metadata.len()).unwrap_or(0);
            if length < offset {
                eprintln!(
                    "note: {} was truncated: reading it from its start",
                    self.name
                );
                offset = 0;
                self.line = 1;
                bytes.clear();
            }
            if length > offset {
                let mut chunk = Vec::new();
                let read = file
                    .seek(SeekFrom::Start(offset))
                    .and_then(|_| (&mut file).take(length - offset).read_to_end(&mut chunk));
                match read {
                    Ok(n) => {
                        offset += n as u64;
                        bytes.extend_from_slice(&chunk);
                        self.take_lines(&mut bytes);
                        if self.stopped {
                            return;
                        }
                        last_growth = Instant::now();
                    }
                    Err(error) => {
                        eprintln!("error: cannot read {}: {error}", self.name);
                        self.failed = true;
                        return;
                    }
                }
            } else if until_idle.is_some_and(|idle| last_growth.elapsed() >= idle) {
                return;
            }
            std::thread::sleep(POLL);
        }
    }

    /// Applies the complete lines at the front of `bytes` as one batch.
    fn take_lines(&mut self, bytes: &mut Vec<u8>) {
        let Some(end) = bytes.iter().rposition(|&byte| byte == b'\n') else {
            return;
        };
        let complete: Vec<u8> = bytes.drain(..=end).collect();
        if self.stopped {
            return;
        }
        let batch = String::from_utf8_lossy(&complete).into_owned();
        let first_line = self.line;
        self.line += batch.matches('\n').count();
        match self.session.follow_batch(&self.name, first_line, &batch) {
            Ok((mut changes, problems)) => {
                changes.retain(|change| self.shown.contains(&change.index));
                if !problems.is_empty() {
                    self.failed = true;
                    eprint!(
                        "{}",
                        present::render_diagnostics(&problems, self.session.sources(), self.color)
                    );
                }
                let text = present::render_answer_changes(&changes);
                let mut stdout = std::io::stdout().lock();
                let _ = stdout.write_all(text.as_bytes());
                let _ = stdout.flush();
            }
            Err(rejected) => {
                self.failed = true;
                eprint!(
                    "{}",
                    present::render_diagnostics(
                        &rejected.diagnostics,
                        self.session.sources(),
                        self.color
                    )
                );
                eprintln!(
                    "{}: lines {}–{} rejected; the answers are as they were",
                    self.name,
                    first_line,
                    self.line.saturating_sub(1)
                );
                if !self.session.is_live() {
                    eprintln!("error: the dataflow stopped: no more changes can be followed");
                    self.stopped = true;
                }
            }
        }
    }
}
