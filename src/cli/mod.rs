//! The command line: `run`, `check`, `schema`, `repl`, `serve`, `exercise` and `lesson`. Uses only the library's public API.

mod course;
mod engine;
mod repl;
mod serve;

use clap::{Args, Parser, Subcommand};
use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;
use wirelog::analysis::ir::PredId;
use wirelog::diagnostic::{Code, Diagnostic};
use wirelog::limits::{self, Limits};
use wirelog::present::{self, AnswersOptions, Format, Headings, TableOptions};
use wirelog::provenance::{ExplainOptions, TraceOptions};
use wirelog::session::{Engine, ProgramSource, Session, SessionOptions, UnitOrigin};
use wirelog::syntax::ast::Item;

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
    #[command(flatten)]
    articles: ArticleArguments,
}

/// The article collections citations may quote besides the bundled one.
#[derive(Args, Debug, Clone)]
struct ArticleArguments {
    /// A folder of articles (`*.txt`) citations may quote, besides the
    /// bundled five (repeatable); each file's name without `.txt` is its id.
    #[arg(long = "articles", global = true, value_name = "DIR")]
    folders: Vec<PathBuf>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Evaluate files and print the answers to every query, in file order.
    ///
    /// Exit status: 0 when the answers were printed; 1 when the program or a
    /// query was rejected (diagnostics on stderr, nothing on stdout), or had
    /// warnings under --deny-warnings; 2 for a wrong command line.
    Run {
        #[command(flatten)]
        program: ProgramArguments,
        /// Answer this query instead of the files' own (repeatable), e.g.
        /// `-q '?- mediates(M, T).'`; `?-` and the final `.` may be left out.
        #[arg(long = "query", short = 'q', value_name = "QUERY")]
        queries: Vec<String>,
        /// Output format.
        #[arg(long, short, default_value = "table")]
        format: String,
        /// Show how each answer was derived, down to the cited sentences.
        #[arg(long)]
        explain: bool,
        /// Print every row of long answers (tables only; CSV and JSON are always complete).
        #[arg(long)]
        all: bool,
        /// Join the atoms of every rule and query in the order written: no
        /// atom moved to avoid a cross product, no plan chosen by relation
        /// sizes (each recursive rule still starts from its new tuples when
        /// they come first in its body, and otherwise reads them in place).
        #[arg(long)]
        written_order: bool,
        /// Show the evaluation before the answers: strata in order, and round
        /// by round the new facts each rule derived (at most 10 a round and
        /// 200 in all; with --all, every one).
        #[arg(long)]
        trace: bool,
        /// The folder relative `#export` paths are written under (created
        /// if missing); the current folder otherwise.
        #[arg(long, value_name = "DIR")]
        output_dir: Option<PathBuf>,
        #[command(flatten)]
        warnings: WarningArguments,
        #[command(flatten)]
        engine: engine::EngineArguments,
        #[command(flatten)]
        follow: engine::FollowArguments,
    },
    /// Parse and run every check, including citations, without answering queries.
    ///
    /// Exit status: 0 when every check passed; 1 on an error, or a warning
    /// under --deny-warnings; 2 for a wrong command line.
    Check {
        #[command(flatten)]
        program: ProgramArguments,
        /// After the checks, list per article each fact citing it beside its
        /// quote, for a person to read (every file given, or the bundled
        /// knowledge base with --news); `--report=markdown` writes Markdown.
        #[arg(long, value_name = "FORMAT", num_args = 0..=1, require_equals = true,
              default_missing_value = "text")]
        report: Option<String>,
        #[command(flatten)]
        warnings: WarningArguments,
    },
    /// List the documented predicates (of the bundled knowledge base when no file is given).
    Schema {
        /// The rule files.
        files: Vec<PathBuf>,
    },
    /// Open a REPL on the given files.
    ///
    /// Exit status: 0; with standard input not a terminal (a script), 1 when
    /// any of its inputs was rejected.
    Repl {
        /// Also load the bundled news knowledge base.
        #[arg(long)]
        news: bool,
        /// The rule files.
        files: Vec<PathBuf>,
        #[command(flatten)]
        engine: engine::EngineArguments,
    },
    /// List the course's exercises, show one, or check an answer to one.
    ///
    /// `wirelog exercise` lists them all, `wirelog exercise 3` those of
    /// lesson 3, `wirelog exercise 3.1` shows one, and `wirelog exercise 3.1
    /// 'QUERY'` checks an answer: rules of your own and one query (`?-` may
    /// be left out of a lone query). The answer set is compared by value,
    /// columns in the order the question asks for.
    ///
    /// Exit status: 0 when listed, shown, or the answer is right; 1 when the
    /// answer is not right or was rejected; 2 for an unknown exercise.
    Exercise {
        /// An exercise (`3.1`) or a lesson number (`3`).
        id: Option<String>,
        /// The answer to check.
        answer: Option<String>,
        /// Show the expected answer (for teachers, or after giving up).
        #[arg(long)]
        expected: bool,
        /// Use these lesson files instead of the bundled lessons (repeatable).
        #[arg(long = "lesson", value_name = "FILE")]
        lessons: Vec<PathBuf>,
    },
    /// Read a lesson as a notebook: its comments as prose, each query
    /// followed by its answer, then the exercises' questions.
    Lesson {
        /// A lesson file, or the number of a bundled lesson (`3`).
        lesson: String,
        /// `text` for the terminal, or `markdown`.
        #[arg(long, short, default_value = "text")]
        format: String,
        /// Print every row of long answers.
        #[arg(long)]
        all: bool,
    },
    /// Serve the web view: articles, an editor, answers and their reasons, in a browser.
    ///
    /// Every page session loads the knowledge base (`--news`) and the files
    /// at its start, then runs what is typed in isolation, under the limits
    /// (`--max-tuples` and `--max-rounds` default to 5,000,000 and 100,000
    /// here). Ctrl-C stops the server after the requests in flight.
    Serve(serve::ServeArguments),
}

/// What makes up the program of `run` and `check`.
#[derive(Args, Debug)]
struct ProgramArguments {
    /// Also load the bundled news knowledge base (first, before the files).
    #[arg(long)]
    news: bool,
    /// The rule files; `-` reads a program from standard input.
    files: Vec<PathBuf>,
}

/// How warnings count.
#[derive(Args, Debug, Clone, Copy)]
struct WarningArguments {
    /// Fail (exit 1) when there is any warning, as for an error: for CI.
    #[arg(long)]
    deny_warnings: bool,
}

#[derive(Args, Debug, Clone, Copy)]
struct LimitArguments {
    /// Stop evaluation after producing this many tuples, counted as they are
    /// produced (runaway recursion and cross-product guard) [default:
    /// 50000000; serve: 5000000].
    #[arg(long, global = true)]
    max_tuples: Option<usize>,
    /// Stop a recursion after this many rounds [default: 1000000, or twice
    /// the tuples the model holds when the recursion starts if that is more;
    /// serve: 100000].
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
    /// The limits given, the rest from `defaults` (`Limits::default()`, or
    /// `serve`'s lower ones).
    fn or(&self, defaults: Limits) -> Limits {
        Limits {
            max_tuples: self.max_tuples.unwrap_or(defaults.max_tuples),
            max_rounds: self.max_rounds.or(defaults.max_rounds),
            max_memory: self.max_memory.unwrap_or(defaults.max_memory),
            max_file_bytes: self.max_file_size.unwrap_or(defaults.max_file_bytes),
        }
    }
}

/// Runs the command; returns the process exit code.
pub fn run(arguments: Arguments) -> i32 {
    let folders = &arguments.articles.folders;
    if let Some(Command::Serve(serve_arguments)) = arguments.command {
        return serve::serve(
            serve_arguments,
            arguments.limits.or(serve::default_limits()),
            folders,
        );
    }
    let limits = arguments.limits.or(Limits::default());
    match arguments.command {
        None => repl::start(
            limits,
            folders,
            true,
            &[],
            &engine::EngineArguments::default(),
        ),
        Some(Command::Repl {
            news,
            files,
            engine,
        }) => repl::start(limits, folders, news, &files, &engine),
        Some(Command::Run {
            program,
            queries,
            format,
            explain,
            all,
            written_order,
            trace,
            output_dir,
            warnings,
            engine,
            follow,
        }) => run_files(
            limits,
            folders,
            &program,
            &queries,
            &RunOutput {
                format,
                explain,
                all,
                written_order,
                trace,
                engine,
                follow,
                output_dir,
            },
            warnings,
        ),
        Some(Command::Check {
            program,
            report,
            warnings,
        }) => check_files(limits, folders, &program, report, warnings),
        Some(Command::Schema { files }) => schema(limits, folders, &files),
        Some(Command::Exercise {
            id,
            answer,
            expected,
            lessons,
        }) => course::exercise(limits, &lessons, id.as_deref(), answer.as_deref(), expected),
        Some(Command::Lesson {
            lesson,
            format,
            all,
        }) => course::lesson(limits, &lesson, &format, all),
        Some(Command::Serve(_)) => 2,
    }
}

/// How `run` prints.
struct RunOutput {
    format: String,
    explain: bool,
    all: bool,
    written_order: bool,
    trace: bool,
    engine: engine::EngineArguments,
    follow: engine::FollowArguments,
    output_dir: Option<PathBuf>,
}

/// Adds the `--articles` folders to `session`; false (after the
/// diagnostics) when one cannot be read or clashes with another.
fn add_article_folders(session: &mut Session, folders: &[PathBuf]) -> bool {
    for folder in folders {
        if let Err(rejected) = session.add_articles_folder(folder) {
            print_diagnostics(session, &rejected.diagnostics);
            return false;
        }
    }
    true
}

/// The parts of the program in order: `<news>`, then the files (`-` is
/// standard input, read once), then the `--query` texts. `Err` holds the
/// exit code after a message.
fn program_sources(
    program: &ProgramArguments,
    queries: &[String],
) -> Result<Vec<ProgramSource>, i32> {
    let mut sources = Vec::new();
    if program.news {
        sources.push(ProgramSource::News);
    }
    let mut stdin_read = false;
    for file in &program.files {
        if file.as_os_str() != "-" {
            sources.push(ProgramSource::File(file.clone()));
            continue;
        }
        if stdin_read {
            eprintln!("error: `-` (standard input) can be given once");
            return Err(2);
        }
        stdin_read = true;
        let mut text = String::new();
        if let Err(error) = std::io::stdin().read_to_string(&mut text) {
            eprintln!("error: cannot read the program from standard input: {error}");
            return Err(1);
        }
        sources.push(ProgramSource::Text {
            name: "<stdin>".to_string(),
            text,
        });
    }
    for (index, query) in queries.iter().enumerate() {
        sources.push(ProgramSource::Text {
            name: format!("<query:{}>", index + 1),
            text: query_text(query),
        });
    }
    if sources.is_empty() {
        eprintln!(
            "error: nothing to run: give rule files, `-` for standard input, `--news`, or `--query`"
        );
        return Err(2);
    }
    Ok(sources)
}

/// A `--query` as a query: `?-` and the final `.` added when left out.
fn query_text(query: &str) -> String {
    let trimmed = query.trim();
    let mut text = if trimmed.starts_with("?-") {
        trimmed.to_string()
    } else {
        format!("?- {trimmed}")
    };
    if !text.ends_with('.') {
        text.push('.');
    }
    text
}

/// Under `--deny-warnings`, the warnings as a failure: printed with a
/// closing line, and true.
fn warnings_denied(session: &Session, warnings: &[Diagnostic], deny: WarningArguments) -> bool {
    if !deny.deny_warnings || warnings.is_empty() {
        return false;
    }
    print_diagnostics(session, warnings);
    eprintln!("error: warnings are denied (`--deny-warnings`)");
    true
}

/// True when diagnostics on stderr may be coloured.
fn stderr_color() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

pub(crate) fn print_diagnostics(session: &Session, diagnostics: &[Diagnostic]) {
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

fn run_files(
    limits: Limits,
    folders: &[PathBuf],
    program: &ProgramArguments,
    queries: &[String],
    output: &RunOutput,
    deny: WarningArguments,
) -> i32 {
    let (format, explain, all) = (output.format.as_str(), output.explain, output.all);
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
    if output.trace && format != Format::Table {
        eprintln!("error: `--trace` prints text: use it with `--format table`");
        return 2;
    }
    let engine = match run_engine(output) {
        Ok(engine) => engine,
        Err(message) => {
            eprintln!("error: {message}");
            return 2;
        }
    };
    if output.follow.reads_stdin() && program.files.iter().any(|file| file.as_os_str() == "-") {
        eprintln!("error: `--follow -` and the program cannot both be read from standard input");
        return 2;
    }
    let sources = match program_sources(program, queries) {
        Ok(sources) => sources,
        Err(code) => return code,
    };
    // A run answers the files' queries and ends: a query with constants
    // computes only what it needs.
    let mut session = Session::new(SessionOptions {
        limits,
        record_rounds: explain,
        // A trace shows every stratum evaluated in full.
        demand: !output.trace,
        written_order: output.written_order,
        engine,
        compact_facts: true,
        // Nothing shows a fact's place once it is checked, unless asked to.
        release_fact_files: !explain && !output.trace,
        output_dir: output.output_dir.clone(),
        ..SessionOptions::default()
    });
    if !add_article_folders(&mut session, folders) {
        return 1;
    }
    let accepted = match session.load_program(&sources) {
        Ok(accepted) => accepted,
        Err(rejected) => {
            print_diagnostics(&session, &rejected.diagnostics);
            return 1;
        }
    };
    if let Some(problem) = queries_only(&session, queries.len()) {
        print_diagnostics(&session, &[problem]);
        return 1;
    }
    if warnings_denied(&session, &accepted.warnings, deny) {
        return 1;
    }
    print_diagnostics(&session, &accepted.warnings);
    if !session.prints_answers() {
        // Another process of a cluster: its share is computed, process 0 prints.
        return 0;
    }
    if output.trace
        && let Err(code) = print_trace(&mut session, all)
    {
        return code;
    }
    let mut answers = match session.answers() {
        Ok(answers) => answers,
        Err(rejected) => {
            print_diagnostics(&session, &rejected.diagnostics);
            return 1;
        }
    };
    if !queries.is_empty() {
        // `--query` answers replace the files' own: they are the last ones.
        let n_asked = n_queries_asked(&session);
        answers.drain(..answers.len().saturating_sub(n_asked));
    }
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
    let rendered = match &explanations {
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
    let _ = stdout.write_all(rendered.as_bytes());
    let _ = stdout.flush();
    drop(stdout);
    // The answers printed are the last ones of the loaded queries.
    let n_loaded = session.program().map_or(0, |program| program.queries.len());
    let shown = n_loaded.saturating_sub(answers.len())..n_loaded;
    output.follow.run(&mut session, shown, stderr_color())
}

/// The engine of `run`: live when it follows a file of changes.
fn run_engine(output: &RunOutput) -> Result<Engine, String> {
    let engine = output.engine.engine(output.follow.is_on())?;
    if output.follow.is_on() {
        if !matches!(engine, Engine::Dataflow(_)) {
            return Err("`--follow` keeps answers live on `--engine dataflow`: add it".into());
        }
        if output.engine.in_cluster() {
            return Err("`--follow` runs in one process: leave out `--hostfile`".into());
        }
        if output.explain {
            return Err(
                "`--follow` prints changed answers, not explanations: leave out `--explain`".into(),
            );
        }
    }
    Ok(engine)
}

/// Writes to standard output; a closed pipe (`| head`) ends the output quietly.
fn write_stdout(text: &str) {
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

/// Prints the evaluation trace of `run --trace`; `Err` holds the exit code.
fn print_trace(session: &mut Session, all: bool) -> Result<(), i32> {
    let options = if all {
        TraceOptions {
            max_per_round: usize::MAX,
            max_facts: usize::MAX,
        }
    } else {
        TraceOptions::default()
    };
    match session.trace(options) {
        Ok(trace) => {
            write_stdout(&format!("{}\n", present::trace::render_trace_text(&trace)));
            Ok(())
        }
        Err(rejected) => {
            print_diagnostics(session, &rejected.diagnostics);
            Err(1)
        }
    }
}

/// Most answer rows explained per query by `run --explain`.
const MAX_EXPLAINED_ROWS: usize = 20;

/// The units `--query` texts were loaded as.
fn query_units(session: &Session) -> impl Iterator<Item = &wirelog::session::Unit> {
    session.units().iter().filter(|unit| {
        unit.origin == UnitOrigin::Text
            && session.sources().name(unit.source).starts_with("<query:")
    })
}

/// The number of queries given with `--query`.
fn n_queries_asked(session: &Session) -> usize {
    query_units(session)
        .flat_map(|unit| &unit.program.items)
        .filter(|item| matches!(item, Item::Query(_)))
        .count()
}

/// E412 when a `--query` text holds something other than queries (it would
/// change the program instead of asking it).
fn queries_only(session: &Session, n_given: usize) -> Option<Diagnostic> {
    if n_given == 0 {
        return None;
    }
    query_units(session)
        .flat_map(|unit| &unit.program.items)
        .find(|item| !matches!(item, Item::Query(_) | Item::Doc(_)))
        .map(|item| {
            let span = item.span();
            Diagnostic::error(
                Code::E412,
                "`--query` takes queries such as `?- p(X).`",
                span,
            )
            .with_note("facts and rules go in a file, or in standard input with `-`")
        })
}

fn check_files(
    limits: Limits,
    folders: &[PathBuf],
    program: &ProgramArguments,
    report: Option<String>,
    deny: WarningArguments,
) -> i32 {
    let report = match report.as_deref().map(str::trim) {
        None => None,
        Some("text") => Some(present::citations::ReportFormat::Text),
        Some("markdown" | "md") => Some(present::citations::ReportFormat::Markdown),
        Some(other) => {
            eprintln!(
                "error: unknown report format `{other}`: use `--report` or `--report=markdown`"
            );
            return 2;
        }
    };
    let sources = match program_sources(program, &[]) {
        Ok(sources) => sources,
        Err(code) => return code,
    };
    let mut session = Session::new(SessionOptions {
        limits,
        check_only: true,
        compact_facts: true,
        ..SessionOptions::default()
    });
    if !add_article_folders(&mut session, folders) {
        return 1;
    }
    match session.load_program(&sources) {
        Ok(accepted) => {
            let mut diagnostics = accepted.warnings;
            let citation_problems = session.check_citations();
            let failed = !citation_problems.is_empty();
            let n_warnings = diagnostics.len();
            diagnostics.extend(citation_problems);
            print_diagnostics(&session, &diagnostics);
            if failed {
                return 1;
            }
            if deny.deny_warnings && n_warnings > 0 {
                eprintln!("error: warnings are denied (`--deny-warnings`)");
                return 1;
            }
            if let Some(program) = session.program()
                && let Some(format) = report
            {
                write_stdout(&format!(
                    "{}\n",
                    present::citations::render_citation_report_as(
                        program,
                        session.articles(),
                        session.sources(),
                        format
                    )
                ));
            }
            if let Some(program) = session.program() {
                let n_citations: usize =
                    program.facts.iter().map(|fact| fact.citations.len()).sum();
                let n_constraints = program.constraints.len();
                let constraints = match n_constraints {
                    0 => String::new(),
                    1 => ", 1 constraint holds".to_string(),
                    n => format!(", {n} constraints hold"),
                };
                write_stdout(&format!(
                    "ok: {} facts, {} rules{constraints}, {} queries, {} citations verified\n",
                    session.n_stated_facts(),
                    program.rules.len() - n_constraints,
                    program.queries.len(),
                    n_citations
                ));
            }
            0
        }
        Err(rejected) => {
            print_diagnostics(&session, &rejected.diagnostics);
            1
        }
    }
}

fn schema(limits: Limits, folders: &[PathBuf], files: &[PathBuf]) -> i32 {
    let mut session = Session::new(SessionOptions {
        limits,
        check_only: true,
        compact_facts: true,
        ..SessionOptions::default()
    });
    if !add_article_folders(&mut session, folders) {
        return 1;
    }
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
        let all: Vec<PredId> = (0..program.predicates.len() as u32).map(PredId).collect();
        let options = present::schema::SchemaOptions {
            sources: Some(session.sources()),
            tuples: None,
            describe: true,
        };
        print!(
            "{}",
            present::schema::render_schema(program, &all, &options)
        );
    }
    0
}
