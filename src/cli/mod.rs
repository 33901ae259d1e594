//! The command line: `run`, `check`, `schema` and `repl`. Uses only the library's public API.

mod repl;

use clap::{Args, Parser, Subcommand};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use wirelog::diagnostic::Diagnostic;
use wirelog::limits::{self, Limits};
use wirelog::present::{self, AnswersOptions, Format, Headings, TableOptions};
use wirelog::provenance::ExplainOptions;
use wirelog::session::{Session, SessionOptions};

/// wirelog: a Datalog reasoning engine for the news.
///
/// With no command, opens a REPL on the bundled news knowledge base.
#[derive(Parser, Debug)]
#[command(name = "wirelog", version, about, long_about = None)]
pub struct Arguments {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    limits: LimitArguments,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Evaluate files and print the answers to every query, in file order.
    Run {
        /// Output format.
        #[arg(long, short, default_value = "table")]
        format: String,
        /// Show how each answer was derived, down to the cited sentences.
        #[arg(long)]
        explain: bool,
        /// Print every row of long answers (tables only; CSV and JSON are always complete).
        #[arg(long)]
        all: bool,
        /// The rule files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Parse and run every check, including citations, without answering queries.
    Check {
        /// The rule files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// List the documented predicates (of the bundled knowledge base when no file is given).
    Schema {
        /// The rule files.
        files: Vec<PathBuf>,
    },
    /// Open a REPL on the given files.
    Repl {
        /// Also load the bundled news knowledge base.
        #[arg(long)]
        news: bool,
        /// The rule files.
        files: Vec<PathBuf>,
    },
}

#[derive(Args, Debug, Clone, Copy)]
struct LimitArguments {
    /// Stop evaluation after producing this many tuples, counted as they are
    /// produced (runaway recursion and cross-product guard).
    #[arg(long, global = true, default_value_t = limits::DEFAULT_MAX_TUPLES)]
    max_tuples: usize,
    /// Stop a recursion after this many rounds [default: 1000000, or as many
    /// as the model holds tuples when the recursion starts if that is more].
    #[arg(long, global = true)]
    max_rounds: Option<usize>,
    /// Stop loading, checking or evaluating when the process holds this much
    /// memory, e.g. `512M`, `4G` [default: half the physical memory, or half
    /// the `ulimit -v` limit when lower].
    #[arg(long, global = true, value_parser = limits::parse_bytes)]
    max_memory: Option<usize>,
    /// Refuse files larger than this, e.g. `64M`, `1G` [default: 64M].
    #[arg(long, global = true, value_parser = limits::parse_bytes)]
    max_file_size: Option<usize>,
}

impl LimitArguments {
    fn limits(&self) -> Limits {
        let defaults = Limits::default();
        Limits {
            max_tuples: self.max_tuples,
            max_rounds: self.max_rounds,
            max_memory: self.max_memory.unwrap_or(defaults.max_memory),
            max_file_bytes: self.max_file_size.unwrap_or(defaults.max_file_bytes),
        }
    }
}

/// Runs the command; returns the process exit code.
pub fn run(arguments: Arguments) -> i32 {
    let limits = arguments.limits.limits();
    match arguments.command {
        None => repl::start(limits, true, &[]),
        Some(Command::Repl { news, files }) => repl::start(limits, news, &files),
        Some(Command::Run {
            format,
            explain,
            all,
            files,
        }) => run_files(limits, &format, explain, all, &files),
        Some(Command::Check { files }) => check_files(limits, &files),
        Some(Command::Schema { files }) => schema(limits, &files),
    }
}

/// True when diagnostics on stderr may be coloured.
fn stderr_color() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

fn print_diagnostics(session: &Session, diagnostics: &[Diagnostic]) {
    if diagnostics.is_empty() {
        return;
    }
    let rendered = present::render_diagnostics(diagnostics, session.sources(), stderr_color());
    let mut stderr = std::io::stderr().lock();
    let _ = stderr.write_all(rendered.as_bytes());
    if let Some(summary) = present::summary(diagnostics) {
        let _ = writeln!(stderr, "{summary}");
    }
}

fn run_files(limits: Limits, format: &str, explain: bool, all: bool, files: &[PathBuf]) -> i32 {
    // `dot` exists only for explanations.
    let dot = format.trim().eq_ignore_ascii_case("dot");
    if dot && !explain {
        eprintln!("error: `--format dot` draws explanations: add `--explain`");
        return 2;
    }
    let format: Format = match format.parse() {
        Ok(format) => format,
        Err(_) if dot => Format::Table,
        Err(error) => {
            eprintln!("error: {error}");
            return 2;
        }
    };
    let mut session = Session::new(SessionOptions {
        limits,
        record_rounds: explain,
        ..SessionOptions::default()
    });
    let accepted = match session.load_files(files) {
        Ok(accepted) => accepted,
        Err(rejected) => {
            print_diagnostics(&session, &rejected.diagnostics);
            return 1;
        }
    };
    print_diagnostics(&session, &accepted.warnings);
    let answers = match session.answers() {
        Ok(answers) => answers,
        Err(rejected) => {
            print_diagnostics(&session, &rejected.diagnostics);
            return 1;
        }
    };
    let explanations = if explain {
        match session.explain_answers(&answers, MAX_EXPLAINED_ROWS, &ExplainOptions::default()) {
            Ok(explanations) => Some(explanations),
            Err(rejected) => {
                print_diagnostics(&session, &rejected.diagnostics);
                return 1;
            }
        }
    } else {
        None
    };
    let output = match &explanations {
        Some(explanations) if dot => {
            present::explain::render_explanations_dot(&answers, explanations)
        }
        _ => present::render_answers(
            &answers,
            &AnswersOptions {
                format,
                table: TableOptions {
                    max_rows: if all { None } else { Some(1000) },
                    more_rows_hint: Some("use --all to show them".into()),
                    ..TableOptions::default()
                },
                headings: Headings::Always,
                elapsed: None,
                explanations: explanations.as_deref(),
            },
        ),
    };
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(output.as_bytes());
    0
}

/// Most answer rows explained per query by `run --explain`.
const MAX_EXPLAINED_ROWS: usize = 20;

fn check_files(limits: Limits, files: &[PathBuf]) -> i32 {
    let mut session = Session::new(SessionOptions {
        limits,
        check_only: true,
        ..SessionOptions::default()
    });
    match session.load_files(files) {
        Ok(accepted) => {
            let mut diagnostics = accepted.warnings;
            let citation_problems = session.check_citations();
            let failed = !citation_problems.is_empty();
            diagnostics.extend(citation_problems);
            print_diagnostics(&session, &diagnostics);
            if failed {
                return 1;
            }
            if let Some(program) = session.program() {
                let n_citations: usize =
                    program.facts.iter().map(|fact| fact.citations.len()).sum();
                println!(
                    "ok: {} facts, {} rules, {} queries, {} citations verified",
                    program.facts.len(),
                    program.rules.len(),
                    program.queries.len(),
                    n_citations
                );
            }
            0
        }
        Err(rejected) => {
            print_diagnostics(&session, &rejected.diagnostics);
            1
        }
    }
}

fn schema(limits: Limits, files: &[PathBuf]) -> i32 {
    let mut session = Session::new(SessionOptions {
        limits,
        check_only: true,
        ..SessionOptions::default()
    });
    let loaded = if files.is_empty() {
        session.load_news()
    } else {
        session.load_files(files)
    };
    if let Err(rejected) = loaded {
        print_diagnostics(&session, &rejected.diagnostics);
        return 1;
    }
    if let Some(program) = session.program() {
        print!("{}", present::schema::render_schema(program, None));
    }
    0
}
