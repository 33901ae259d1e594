//! The REPL's commands and everything else of it that needs no terminal.
//!
//! Owns the `:command` language (parsing, the closest-command suggestion,
//! help), the [`Shell`] that runs commands and typed Datalog against a
//! [`Session`] and returns the text to show, and, in [`edit`], the
//! line-editing aids (input completeness, completion, hints, colouring).
//! The binary's `cli::repl` only reads lines and prints what comes back.
//!
//! It must not print, read the terminal, or install signal handlers: the
//! caller decides where text goes and how Ctrl-C reaches
//! [`Session::cancel_flag`]. A rejected input leaves the session unchanged
//! because every change goes through `Session`'s all-or-nothing methods.

pub mod edit;

use crate::analysis::ir::{PredId, Program};
use crate::analysis::suggest;
use crate::diagnostic::Diagnostic;
use crate::present::{self, Format, FormatUnknown, TableOptions, explain, schema};
use crate::provenance;
use crate::session::{Session, UnitOrigin};
use crate::syntax::ast::Item;
use crate::value::Answer;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// What a command takes after its name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Argument {
    /// Nothing.
    None,
    /// A file name.
    Path,
    /// A predicate name, optionally `name/arity`.
    Predicate,
    /// A fact such as `mediates(qatar, istanbul_talks)`.
    Fact,
    /// `table`, `csv` or `json`.
    Format,
    /// Another command's name.
    Command,
}

/// One command of the REPL, for parsing, help, completion and hints.
#[derive(Clone, Copy, Debug)]
pub struct CommandInfo {
    /// The name after the `:`.
    pub name: &'static str,
    /// The argument as shown in help, e.g. `FILE` or `[PREDICATE]`.
    pub usage: &'static str,
    /// What kind of argument.
    pub argument: Argument,
    /// True when the argument must be given.
    pub required: bool,
    /// One line for `:help`.
    pub summary: &'static str,
}

/// Every command, in the order `:help` lists them.
pub const COMMANDS: &[CommandInfo] = &[
    CommandInfo {
        name: "help",
        usage: "[COMMAND]",
        argument: Argument::Command,
        required: false,
        summary: "show this help, or one command's",
    },
    CommandInfo {
        name: "load",
        usage: "FILE",
        argument: Argument::Path,
        required: true,
        summary: "add a rule file to the session",
    },
    CommandInfo {
        name: "schema",
        usage: "[PREDICATE]",
        argument: Argument::Predicate,
        required: false,
        summary: "list the documented predicates, or describe one",
    },
    CommandInfo {
        name: "facts",
        usage: "PREDICATE",
        argument: Argument::Predicate,
        required: true,
        summary: "show every tuple of a predicate, given or derived",
    },
    CommandInfo {
        name: "rules",
        usage: "[PREDICATE]",
        argument: Argument::Predicate,
        required: false,
        summary: "show the rules (of one predicate) as written, with file and line",
    },
    CommandInfo {
        name: "why",
        usage: "[--dot FILE] FACT",
        argument: Argument::Fact,
        required: true,
        summary: "show how a fact was derived, down to the cited sentences (--dot: as a Graphviz file)",
    },
    CommandInfo {
        name: "whynot",
        usage: "FACT",
        argument: Argument::Fact,
        required: true,
        summary: "show why a fact does not hold",
    },
    CommandInfo {
        name: "undo",
        usage: "",
        argument: Argument::None,
        required: false,
        summary: "remove the last input's clauses (a typed line or a :load)",
    },
    CommandInfo {
        name: "save",
        usage: "FILE",
        argument: Argument::Path,
        required: true,
        summary: "write the clauses typed in this session to a file",
    },
    CommandInfo {
        name: "format",
        usage: "[table|csv|json]",
        argument: Argument::Format,
        required: false,
        summary: "choose how answers are shown (without argument: the current one)",
    },
    CommandInfo {
        name: "all",
        usage: "",
        argument: Argument::None,
        required: false,
        summary: "show every row of the last answer",
    },
    CommandInfo {
        name: "quit",
        usage: "",
        argument: Argument::None,
        required: false,
        summary: "leave (Ctrl-D does too)",
    },
];

/// Other names people type out of habit (ghci, SWI-Prolog, sqlite3).
const ALIASES: &[(&str, &str)] = &[
    ("q", "quit"),
    ("exit", "quit"),
    ("h", "help"),
    ("?", "help"),
    ("l", "load"),
];

/// A parsed `:command` line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// `:help [COMMAND]`
    Help(Option<String>),
    /// `:load FILE`
    Load(PathBuf),
    /// `:schema [PREDICATE]`
    Schema(Option<String>),
    /// `:facts PREDICATE`
    Facts(String),
    /// `:rules [PREDICATE]`
    Rules(Option<String>),
    /// `:why FACT`
    Why(String),
    /// `:whynot FACT`
    WhyNot(String),
    /// `:undo`
    Undo,
    /// `:save FILE`
    Save(PathBuf),
    /// `:format [table|csv|json]`
    Format(Option<Format>),
    /// `:all`
    All,
    /// `:quit`
    Quit,
}

/// A command line that cannot be run.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    /// `:shema`
    #[error("unknown command `:{name}`{}", suggestion_text(suggestion))]
    CommandUnknown {
        /// What was typed after the `:`.
        name: String,
        /// The closest command, if one is close.
        suggestion: Option<&'static str>,
    },
    /// `:s` (`:save` or `:schema`?)
    #[error("ambiguous command `:{name}`: {}", candidates_text(candidates))]
    CommandAmbiguous {
        /// What was typed after the `:`.
        name: String,
        /// The commands it starts.
        candidates: Vec<&'static str>,
    },
    /// `:load` without a file.
    #[error("`:{name}` needs an argument: `:{name} {usage}`")]
    ArgumentMissing {
        /// The command.
        name: &'static str,
        /// Its usage.
        usage: &'static str,
    },
    /// `:undo now`
    #[error("`:{name}` takes no argument")]
    ArgumentUnexpected {
        /// The command.
        name: &'static str,
    },
    /// `:format xml`
    #[error(transparent)]
    FormatUnknown(#[from] FormatUnknown),
}

fn suggestion_text(suggestion: &Option<&'static str>) -> String {
    match suggestion {
        Some(name) => format!("; did you mean `:{name}`?"),
        None => "; `:help` lists the commands".to_string(),
    }
}

fn candidates_text(candidates: &[&'static str]) -> String {
    let names: Vec<String> = candidates.iter().map(|name| format!("`:{name}`")).collect();
    format!("{}?", names.join(" or "))
}

/// True when a line is a `:command` rather than Datalog (`:-` starts no command).
pub fn is_command(line: &str) -> bool {
    let trimmed = line.trim_start();
    trimmed.starts_with(':') && !trimmed.starts_with(":-")
}

/// The command a name stands for: exact name, alias, or unique prefix.
pub fn resolve_command(name: &str) -> Result<&'static CommandInfo, CommandError> {
    let name = ALIASES
        .iter()
        .find(|(alias, _)| *alias == name)
        .map_or(name, |(_, full)| full);
    if let Some(info) = COMMANDS.iter().find(|info| info.name == name) {
        return Ok(info);
    }
    let starting: Vec<&'static CommandInfo> = if name.is_empty() {
        Vec::new()
    } else {
        COMMANDS
            .iter()
            .filter(|info| info.name.starts_with(name))
            .collect()
    };
    match starting.as_slice() {
        [info] => Ok(info),
        [] => Err(CommandError::CommandUnknown {
            name: name.to_string(),
            suggestion: suggest::closest(name, COMMANDS.iter().map(|info| info.name)),
        }),
        _ => Err(CommandError::CommandAmbiguous {
            name: name.to_string(),
            candidates: starting.iter().map(|info| info.name).collect(),
        }),
    }
}

/// Parses a `:command args` line.
///
/// ```
/// use wirelog::commands::{parse_command, Command};
/// assert_eq!(parse_command(":facts mediates"), Ok(Command::Facts("mediates".into())));
/// assert_eq!(
///     parse_command(":shema").unwrap_err().to_string(),
///     "unknown command `:shema`; did you mean `:schema`?",
/// );
/// ```
pub fn parse_command(line: &str) -> Result<Command, CommandError> {
    let text = line.trim().trim_start_matches(':');
    let (name, argument) = match text.find(char::is_whitespace) {
        Some(index) => (&text[..index], text[index..].trim()),
        None => (text, ""),
    };
    let info = resolve_command(name)?;
    if argument.is_empty() && info.required {
        return Err(CommandError::ArgumentMissing {
            name: info.name,
            usage: info.usage,
        });
    }
    if !argument.is_empty() && info.argument == Argument::None {
        return Err(CommandError::ArgumentUnexpected { name: info.name });
    }
    let optional = (!argument.is_empty()).then(|| argument.to_string());
    Ok(match info.name {
        "help" => Command::Help(optional.map(|name| name.trim_start_matches(':').to_string())),
        "load" => Command::Load(path_argument(argument)),
        "schema" => Command::Schema(optional),
        "facts" => Command::Facts(argument.to_string()),
        "rules" => Command::Rules(optional),
        "why" => Command::Why(argument.to_string()),
        "whynot" => Command::WhyNot(argument.to_string()),
        "undo" => Command::Undo,
        "save" => Command::Save(path_argument(argument)),
        "format" => Command::Format(optional.map(|name| name.parse()).transpose()?),
        "all" => Command::All,
        _ => Command::Quit,
    })
}

/// A path as typed: surrounding quotes removed, a leading `~/` expanded.
fn path_argument(argument: &str) -> PathBuf {
    let unquoted = argument
        .strip_prefix('"')
        .and_then(|rest| rest.strip_suffix('"'))
        .or_else(|| {
            argument
                .strip_prefix('\'')
                .and_then(|rest| rest.strip_suffix('\''))
        })
        .unwrap_or(argument);
    if let Some(rest) = unquoted.strip_prefix("~/")
        && let Some(home) = std::env::var_os("HOME")
    {
        return Path::new(&home).join(rest);
    }
    PathBuf::from(unquoted)
}

/// The text of `:help`, or of `:help COMMAND`.
pub fn help(topic: Option<&str>) -> Result<String, CommandError> {
    if let Some(topic) = topic {
        let info = resolve_command(topic)?;
        let mut text = format!(":{} {}\n    {}\n", info.name, info.usage, info.summary);
        if let Some(example) = command_example(info.name) {
            text.push_str(&format!("    example: {example}\n"));
        }
        return Ok(text);
    }
    let mut text = String::from(HELP_INTRO);
    text.push_str("\nCommands:\n");
    for info in COMMANDS {
        let head = format!(":{} {}", info.name, info.usage);
        text.push_str(&format!("  {head:<26}{}\n", info.summary));
    }
    text.push_str(HELP_KEYS);
    Ok(text)
}

const HELP_INTRO: &str = "\
Type a fact or a rule to add it to the session, or a question starting with
`?-` to ask it. A clause ends at its final `.`; until then the prompt shows
`...` and you can go on typing on the next line.

Examples on the news knowledge base:
  ?- mediates(M, T).                            who mediated which talks?
  ?- failed_mediated_talks(T).                  mediated talks without agreement
  ?- blames(A, B, E), side(A, afghanistan).     a join: blame from the Afghan side
  ?- closed(C, D), D >= 2025-10-12.             crossings closed from that date
  ?- N = count : { blames(_, _, E) }, blames(_, _, E).    an aggregate
  blamed(X) :- blames(_, X, _).                 add a rule...
  ?- blamed(pakistan).                          ...and ask a yes/no question
  :why failed_mediated_talks(istanbul_talks)    how an answer holds, with its sources
";

const HELP_KEYS: &str = "
Keys: Tab completes predicates, variables and commands (file names after
:load and :save); Up and Down recall earlier inputs, kept across sessions;
Ctrl-C abandons the input being typed or stops a running evaluation (the
session stays as it was); Ctrl-D leaves.
";

fn command_example(name: &str) -> Option<&'static str> {
    Some(match name {
        "help" => ":help facts",
        "load" => ":load examples/02_joins.dl",
        "schema" => ":schema mediates",
        "facts" => ":facts mediates",
        "rules" => ":rules failed_mediated_talks",
        "why" => ":why failed_mediated_talks(istanbul_talks)",
        "whynot" => ":whynot mediates(egypt, istanbul_talks)",
        "save" => ":save my_rules.dl",
        "format" => ":format csv",
        _ => return None,
    })
}

/// The size of the screen answers are fitted to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Screen {
    /// Columns, when known.
    pub width: Option<usize>,
    /// Rows, when known.
    pub height: Option<usize>,
}

/// Rows shown when the screen height is unknown (output to a pipe).
const ROWS_WITHOUT_SCREEN: usize = 1000;

/// The fewest rows shown however small the screen.
const MIN_ROWS: usize = 5;

/// What running one input produced: text for stdout, text for stderr, and
/// whether the REPL should end.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reply {
    /// Answers and reports.
    pub output: String,
    /// Diagnostics and errors.
    pub errors: String,
    /// True after `:quit`.
    pub quit: bool,
}

impl Reply {
    fn output(output: impl Into<String>) -> Reply {
        Reply {
            output: output.into(),
            ..Reply::default()
        }
    }

    fn error(errors: impl Into<String>) -> Reply {
        let mut errors = errors.into();
        if !errors.ends_with('\n') {
            errors.push('\n');
        }
        Reply {
            errors,
            ..Reply::default()
        }
    }
}

/// The REPL's state besides the session: the answer format, the screen, the
/// last answers (for `:all`).
#[derive(Clone, Debug, Default)]
pub struct Shell {
    /// How answers are shown.
    pub format: Format,
    /// The terminal's size, updated by the caller before each input.
    pub screen: Screen,
    /// Colour diagnostics (the caller checks the terminal and `NO_COLOR`).
    pub color: bool,
    last_answers: Vec<Answer>,
    last_elapsed: Option<Duration>,
}

impl Shell {
    /// A shell showing tables, without colour, for an unknown screen.
    pub fn new() -> Shell {
        Shell::default()
    }

    /// Runs one complete input: a `:command` line or Datalog text.
    pub fn run(&mut self, session: &mut Session, input: &str) -> Reply {
        if is_command(input) {
            match parse_command(input) {
                Ok(command) => self.execute(session, &command),
                Err(error) => Reply::error(format!("error: {error}")),
            }
        } else if edit::is_blank(input) {
            Reply::default()
        } else {
            self.submit(session, input)
        }
    }

    /// Adds typed clauses to the session and answers typed queries.
    pub fn submit(&mut self, session: &mut Session, text: &str) -> Reply {
        let started = Instant::now();
        let result = session.load_text(text);
        let elapsed = started.elapsed();
        match result {
            Ok(accepted) => {
                let mut reply = Reply {
                    errors: self.render_diagnostics(session, &accepted.warnings),
                    ..Reply::default()
                };
                if accepted.answers.is_empty() {
                    reply.output = match accepted.n_clauses {
                        0 => format!("ok ({})\n", present::table::format_elapsed(elapsed)),
                        n_clauses => format!(
                            "added {} ({})\n",
                            present::plural(n_clauses, "clause", "clauses"),
                            present::table::format_elapsed(elapsed)
                        ),
                    };
                } else {
                    if accepted.n_clauses > 0 {
                        reply.output = format!(
                            "added {}\n",
                            present::plural(accepted.n_clauses, "clause", "clauses")
                        );
                    }
                    self.last_answers = accepted.answers;
                    self.last_elapsed = Some(elapsed);
                    reply.output.push_str(&self.render_answers(
                        &self.last_answers,
                        Some(elapsed),
                        false,
                    ));
                }
                reply
            }
            Err(rejected) => {
                let mut errors = self.render_diagnostics(session, &rejected.diagnostics);
                let interrupted = rejected
                    .diagnostics
                    .iter()
                    .any(|diagnostic| diagnostic.code == "E304");
                if interrupted {
                    errors.push_str("the session is as it was before this input\n");
                } else if looks_like_question(text) {
                    errors.push_str(&format!(
                        "help: to ask a question, start it with `?-`: `?- {}`\n",
                        text.trim()
                    ));
                }
                Reply::error(errors)
            }
        }
    }

    /// Runs a parsed command.
    pub fn execute(&mut self, session: &mut Session, command: &Command) -> Reply {
        match command {
            Command::Help(topic) => match help(topic.as_deref()) {
                Ok(text) => Reply::output(text),
                Err(error) => Reply::error(format!("error: {error}")),
            },
            Command::Load(path) => self.load(session, path),
            Command::Schema(predicate) => show_schema(session, predicate.as_deref()),
            Command::Facts(predicate) => self.facts(session, predicate),
            Command::Rules(predicate) => show_rules(session, predicate.as_deref()),
            Command::Why(argument) if argument.trim_start().starts_with("--dot") => {
                why_to_dot(self, session, argument)
            }
            Command::Why(fact) => match provenance::why(session, fact) {
                Ok(derivation) => Reply::output(match self.format {
                    Format::Json => explain::render_why_json(&derivation),
                    Format::Table | Format::Csv => explain::render_why_text(&derivation),
                }),
                Err(rejected) => {
                    Reply::error(self.render_diagnostics(session, &rejected.diagnostics))
                }
            },
            Command::WhyNot(fact) => match provenance::why_not(session, fact) {
                Ok(why_not) => Reply::output(match self.format {
                    Format::Json => explain::render_why_not_json(&why_not),
                    Format::Table | Format::Csv => explain::render_why_not_text(&why_not),
                }),
                Err(rejected) => {
                    Reply::error(self.render_diagnostics(session, &rejected.diagnostics))
                }
            },
            Command::Undo => undo(session),
            Command::Save(path) => save(session, path),
            Command::Format(None) => Reply::output(format!(
                "answers are shown as {} (`:format table|csv|json` changes it)\n",
                self.format
            )),
            Command::Format(Some(format)) => {
                self.format = *format;
                Reply::output(format!("answers will be shown as {format}\n"))
            }
            Command::All => {
                if self.last_answers.is_empty() {
                    Reply::error("no answer to show yet: ask a question with `?-` first")
                } else {
                    Reply::output(self.render_answers(&self.last_answers, self.last_elapsed, true))
                }
            }
            Command::Quit => Reply {
                quit: true,
                ..Reply::default()
            },
        }
    }

    /// Answers in the current format; tables fit the screen unless `all`.
    pub fn render_answers(
        &self,
        answers: &[Answer],
        elapsed: Option<Duration>,
        all: bool,
    ) -> String {
        match self.format {
            Format::Json => present::render_json(answers),
            Format::Csv => present::render_csv_answers(answers),
            Format::Table => {
                let max_rows = if all {
                    None
                } else {
                    Some(self.screen.height.map_or(ROWS_WITHOUT_SCREEN, |height| {
                        // Leave room for the frame, the notes and the next prompt.
                        height.saturating_sub(8).max(MIN_ROWS)
                    }))
                };
                let mut text = String::new();
                for (index, answer) in answers.iter().enumerate() {
                    let last = index + 1 == answers.len();
                    let options = TableOptions {
                        max_rows,
                        max_width: self.screen.width,
                        elapsed: if last { elapsed } else { None },
                        more_rows_hint: Some("`:all` shows them".to_string()),
                        ..TableOptions::default()
                    };
                    if answers.len() > 1 {
                        text.push_str(&answer.query);
                        text.push('\n');
                    }
                    text.push_str(&present::render_table(answer, &options));
                }
                text
            }
        }
    }

    fn render_diagnostics(&self, session: &Session, diagnostics: &[Diagnostic]) -> String {
        if diagnostics.is_empty() {
            return String::new();
        }
        let mut text = present::render_diagnostics(diagnostics, session.sources(), self.color);
        if !text.ends_with('\n') {
            text.push('\n');
        }
        text
    }

    fn load(&mut self, session: &mut Session, path: &Path) -> Reply {
        if let Ok(canonical) = std::fs::canonicalize(path)
            && session
                .units()
                .iter()
                .any(|unit| unit.origin == UnitOrigin::File(canonical.clone()))
        {
            return Reply::error(format!(
                "`{}` is already loaded (each file is loaded once; `:undo` removes the last input)",
                path.display()
            ));
        }
        let started = Instant::now();
        let result = session.load_files(&[path.to_path_buf()]);
        let elapsed = started.elapsed();
        match result {
            Ok(accepted) => {
                let n_queries = last_input_queries(session);
                let mut output = format!(
                    "loaded `{}`: {} ({})\n",
                    path.display(),
                    present::plural(accepted.n_clauses, "clause", "clauses"),
                    present::table::format_elapsed(elapsed)
                );
                if n_queries > 0 {
                    output.push_str(&format!(
                        "its {} not answered here: type them at the prompt, or use `wirelog run`\n",
                        present::plural(n_queries, "query is", "queries are")
                    ));
                }
                Reply {
                    output,
                    errors: self.render_diagnostics(session, &accepted.warnings),
                    quit: false,
                }
            }
            Err(rejected) => {
                let mut errors = self.render_diagnostics(session, &rejected.diagnostics);
                errors.push_str(&format!(
                    "`{}` was not loaded; the session is unchanged\n",
                    path.display()
                ));
                Reply::error(errors)
            }
        }
    }

    fn facts(&mut self, session: &mut Session, spec: &str) -> Reply {
        let Some(program) = session.program() else {
            return Reply::error("nothing is loaded yet");
        };
        let predicate_id = match find_predicate(program, spec) {
            Ok(predicate_id) => predicate_id,
            Err(message) => return Reply::error(message),
        };
        let predicate = program.predicate(predicate_id);
        let name = predicate.name.clone();
        let columns = column_names(program, predicate_id);
        let query = if columns.is_empty() {
            format!("?- {name}.")
        } else {
            format!("?- {name}({}).", columns.join(", "))
        };
        // Asking the query reuses evaluation, sorting and every output format;
        // only queries are typed, so the session's clauses do not change.
        let started = Instant::now();
        let result = session.query(&query);
        let elapsed = started.elapsed();
        match result {
            Ok(accepted) => {
                self.last_answers = accepted.answers;
                self.last_elapsed = Some(elapsed);
                Reply::output(self.render_answers(&self.last_answers, Some(elapsed), false))
            }
            Err(rejected) => Reply::error(self.render_diagnostics(session, &rejected.diagnostics)),
        }
    }
}

/// True for a rejected input that a Prolog user probably meant as a question:
/// one bodiless clause with variables, e.g. `mediates(M, T).`
fn looks_like_question(text: &str) -> bool {
    let trimmed = text.trim();
    !trimmed.starts_with("?-")
        && !trimmed.contains(":-")
        && trimmed.matches('.').count() == 1
        && !edit::variables(trimmed).is_empty()
}

/// Number of queries in the most recent input.
fn last_input_queries(session: &Session) -> usize {
    let Some(last_input) = session.units().last().map(|unit| unit.input) else {
        return 0;
    };
    session
        .units()
        .iter()
        .filter(|unit| unit.input == last_input)
        .flat_map(|unit| &unit.program.items)
        .filter(|item| matches!(item, Item::Query(_)))
        .count()
}

/// Finds `name` or `name/arity`; the error suggests a close name.
fn find_predicate(program: &Program, spec: &str) -> Result<PredId, String> {
    let spec = spec.trim().trim_end_matches('.');
    let (name, arity) = match spec.split_once('/') {
        Some((name, arity)) => (name.trim(), arity.trim().parse::<usize>().ok()),
        None => (spec, None),
    };
    if let Some(predicate_id) = program.predicate_id(name) {
        let predicate = program.predicate(predicate_id);
        return match arity {
            Some(arity) if arity != predicate.arity => Err(format!(
                "error: `{name}` has {} not {arity}",
                present::plural(predicate.arity, "argument", "arguments")
            )),
            _ => Ok(predicate_id),
        };
    }
    let names = program
        .predicates
        .iter()
        .map(|predicate| predicate.name.as_str());
    Err(match suggest::closest(name, names) {
        Some(close) => format!("error: no predicate `{name}`; did you mean `{close}`?"),
        None => format!("error: no predicate `{name}`; `:schema` lists them"),
    })
}

/// Column names for `:facts`: the documented argument names when they are
/// distinct variable names, otherwise `A1`, `A2`, ...
fn column_names(program: &Program, predicate_id: PredId) -> Vec<String> {
    let predicate = program.predicate(predicate_id);
    let numbered = || (1..=predicate.arity).map(|n| format!("A{n}")).collect();
    let Some(doc) = &predicate.doc else {
        return numbered();
    };
    let names: Vec<String> = doc
        .arguments
        .iter()
        .map(|argument| argument.name.clone())
        .collect();
    let valid = names.len() == predicate.arity
        && names.iter().all(|name| {
            name.starts_with(|c: char| c.is_ascii_uppercase())
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
        && names
            .iter()
            .enumerate()
            .all(|(index, name)| !names[..index].contains(name));
    if valid { names } else { numbered() }
}

fn show_schema(session: &Session, spec: Option<&str>) -> Reply {
    let Some(program) = session.program() else {
        return Reply::error("nothing is loaded yet");
    };
    let Some(spec) = spec else {
        return Reply::output(schema::render_schema(program, None));
    };
    let predicate_id = match find_predicate(program, spec) {
        Ok(predicate_id) => predicate_id,
        Err(message) => return Reply::error(message),
    };
    let predicate = program.predicate(predicate_id);
    let text = schema::render_schema(program, Some(&predicate.name));
    if predicate.doc.is_some() {
        Reply::output(text)
    } else {
        Reply::output(format!(
            "{}/{} is not documented (a `%%` comment before its first clause documents it)\n",
            predicate.name, predicate.arity
        ))
    }
}

fn show_rules(session: &Session, spec: Option<&str>) -> Reply {
    let Some(program) = session.program() else {
        return Reply::error("nothing is loaded yet");
    };
    let only = match spec.map(|spec| find_predicate(program, spec)).transpose() {
        Ok(only) => only,
        Err(message) => return Reply::error(message),
    };
    let sources = session.sources();
    let mut text = String::new();
    for rule in &program.rules {
        if only.is_some_and(|predicate_id| rule.head.predicate != predicate_id) {
            continue;
        }
        let (line, _) = sources.line_column(rule.span.source, rule.span.start);
        text.push_str(&format!(
            "% {}:{line}\n{}\n",
            sources.name(rule.span.source),
            sources.snippet(rule.span)
        ));
    }
    if text.is_empty() {
        return Reply::output(match only {
            Some(predicate_id) => {
                let name = &program.predicate(predicate_id).name;
                let n_facts = program
                    .facts
                    .iter()
                    .filter(|fact| fact.predicate == predicate_id)
                    .count();
                format!(
                    "`{name}` has no rules, only {} (`:facts {name}` shows them)\n",
                    present::plural(n_facts, "fact", "facts")
                )
            }
            None => "no rules yet\n".to_string(),
        });
    }
    Reply::output(text)
}

fn undo(session: &mut Session) -> Reply {
    // What the undo will remove, described before it goes.
    let last_input = session.last_clause_input();
    let description = last_input.map(|last_input| {
        let units: Vec<_> = session
            .units()
            .iter()
            .filter(|unit| unit.input == last_input)
            .collect();
        let files: Vec<String> = units
            .iter()
            .filter(|unit| unit.origin != UnitOrigin::Input)
            .map(|unit| format!("`{}`", session.sources().name(unit.source)))
            .collect();
        if files.is_empty() {
            units
                .iter()
                .flat_map(|unit| &unit.program.items)
                .filter_map(|item| match item {
                    Item::Clause(clause) => Some(one_line(session.sources().snippet(clause.span))),
                    _ => None,
                })
                .collect::<Vec<_>>()
                .join(" ")
        } else {
            format!("the load of {}", files.join(", "))
        }
    });
    match session.undo() {
        None => Reply::error("nothing to undo"),
        Some(Ok(n_clauses)) => Reply::output(format!(
            "undone: {} ({} removed)\n",
            description.unwrap_or_default(),
            present::plural(n_clauses, "clause", "clauses")
        )),
        Some(Err(rejected)) => Reply::error(format!(
            "{}the undo failed; the session is unchanged\n",
            present::render_diagnostics(&rejected.diagnostics, session.sources(), false)
        )),
    }
}

/// A clause on one line: each run of spaces and newlines becomes one space.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The text `:save` writes: a header naming what else the session loaded,
/// then each typed clause as written.
pub fn saved_text(session: &Session) -> String {
    let mut text = String::from("% clauses typed in a wirelog session\n");
    let mut loaded: Vec<String> = Vec::new();
    for unit in session.units() {
        let name = match &unit.origin {
            UnitOrigin::Input => continue,
            UnitOrigin::Bundled(_) => "<news>".to_string(),
            UnitOrigin::File(path) => path.display().to_string(),
        };
        if !loaded.contains(&name) {
            loaded.push(name);
        }
    }
    if !loaded.is_empty() {
        text.push_str(&format!(
            "% the session had also loaded: {}\n",
            loaded.join(", ")
        ));
    }
    text.push('\n');
    for clause in session.own_clauses() {
        text.push_str(&clause);
        text.push('\n');
    }
    text
}

/// `:why --dot FILE FACT`: writes the derivation as a Graphviz graph.
fn why_to_dot(shell: &Shell, session: &mut Session, argument: &str) -> Reply {
    let rest = argument
        .trim_start()
        .trim_start_matches("--dot")
        .trim_start();
    let (path, fact) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    if path.is_empty() || fact.trim().is_empty() {
        return Reply::error(
            "error: `:why --dot` takes a file and a fact: `:why --dot why.dot failed_mediated_talks(istanbul_talks)`"
                .to_string(),
        );
    }
    match provenance::why(session, fact.trim()) {
        Ok(derivation) => {
            match write_atomically(Path::new(path), &explain::render_why_dot(&derivation)) {
                Ok(()) => Reply::output(format!(
                    "wrote the derivation of {} to {path} (view it with `dot -Tsvg {path} -o why.svg`)\n",
                    fact.trim().trim_end_matches('.')
                )),
                Err(error) => Reply::error(format!("error: cannot write `{path}`: {error}")),
            }
        }
        Err(rejected) => Reply::error(shell.render_diagnostics(session, &rejected.diagnostics)),
    }
}

fn save(session: &Session, path: &Path) -> Reply {
    let n_clauses = session.own_clauses().len();
    if n_clauses == 0 {
        return Reply::error("nothing to save: no clause was typed in this session");
    }
    match write_atomically(path, &saved_text(session)) {
        Ok(()) => Reply::output(format!(
            "saved {} to `{}`\n",
            present::plural(n_clauses, "clause", "clauses"),
            path.display()
        )),
        Err(error) => Reply::error(format!("error: cannot write `{}`: {error}", path.display())),
    }
}

/// Writes `contents` to `path` so that a crash leaves either the old file or
/// the new one, never half of it: write a temporary file in the same folder,
/// flush it to disk, then rename it over `path`.
pub fn write_atomically(path: &Path, contents: &str) -> std::io::Result<()> {
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let Some(file_name) = path.file_name() else {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "not a file name",
        ));
    };
    let temporary = folder.join(format!(
        ".{}.{}.tmp",
        file_name.to_string_lossy(),
        std::process::id()
    ));
    let written = (|| {
        let mut file = std::fs::File::create(&temporary)?;
        file.write_all(contents.as_bytes())?;
        file.sync_all()?;
        std::fs::rename(&temporary, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::SessionOptions;

    fn check_parse(line: &str, expected: Result<Command, &str>) {
        let actual = parse_command(line).map_err(|error| error.to_string());
        assert_eq!(actual, expected.map_err(str::to_string), "line {line:?}");
    }

    #[test]
    fn parses_commands_and_suggests_the_closest() {
        check_parse(":help", Ok(Command::Help(None)));
        check_parse(":help :load", Ok(Command::Help(Some("load".into()))));
        check_parse(":q", Ok(Command::Quit));
        check_parse("  :quit  ", Ok(Command::Quit));
        check_parse(
            ":sch mediates",
            Ok(Command::Schema(Some("mediates".into()))),
        );
        check_parse(
            ":load \"my rules.dl\"",
            Ok(Command::Load("my rules.dl".into())),
        );
        check_parse(":format CSV", Ok(Command::Format(Some(Format::Csv))));
        check_parse(":format", Ok(Command::Format(None)));
        check_parse(
            ":why mediates(qatar, istanbul_talks).",
            Ok(Command::Why("mediates(qatar, istanbul_talks).".into())),
        );
        check_parse(
            ":shema",
            Err("unknown command `:shema`; did you mean `:schema`?"),
        );
        check_parse(
            ":fcats",
            Err("unknown command `:fcats`; did you mean `:facts`?"),
        );
        check_parse(
            ":zzzzzz",
            Err("unknown command `:zzzzzz`; `:help` lists the commands"),
        );
        check_parse(":s x", Err("ambiguous command `:s`: `:schema` or `:save`?"));
        check_parse(":load", Err("`:load` needs an argument: `:load FILE`"));
        check_parse(":undo now", Err("`:undo` takes no argument"));
        check_parse(
            ":format xml",
            Err("unknown format `xml`: expected `table`, `csv` or `json`"),
        );
        check_parse(":", Err("unknown command `:`; `:help` lists the commands"));
    }

    #[test]
    fn help_lists_every_command() {
        let text = help(None).expect("general help");
        for info in COMMANDS {
            assert!(text.contains(&format!(":{}", info.name)), "{}", info.name);
        }
        assert!(
            help(Some("facts"))
                .expect("help facts")
                .contains(":facts mediates")
        );
        assert!(help(Some("nope")).is_err());
    }

    fn shell_session(text: &str) -> (Shell, Session) {
        let mut session = Session::new(SessionOptions::default());
        if !text.is_empty() {
            session.load_text(text).expect("test program loads");
        }
        (Shell::new(), session)
    }

    #[test]
    fn typed_clauses_join_and_queries_answer() {
        let (mut shell, mut session) = shell_session("");
        let reply = shell.run(&mut session, "edge(a, b). edge(b, c).");
        assert!(reply.output.starts_with("added 2 clauses"), "{reply:?}");
        let reply = shell.run(
            &mut session,
            "path(X, Y) :- edge(X, Y).\npath(X, Z) :- path(X, Y), edge(Y, Z).",
        );
        assert!(reply.output.starts_with("added 2 clauses"), "{reply:?}");
        let reply = shell.run(&mut session, "?- path(a, Z).");
        assert!(reply.output.contains("│ b │"), "{}", reply.output);
        assert!(reply.output.contains("2 rows ("), "{}", reply.output);
        let reply = shell.run(&mut session, "?- path(a, c).");
        assert!(reply.output.starts_with("yes ("), "{}", reply.output);
        let reply = shell.run(&mut session, "?- path(c, a).");
        assert!(reply.output.starts_with("no ("), "{}", reply.output);
    }

    #[test]
    fn a_rejected_input_changes_nothing() {
        let (mut shell, mut session) = shell_session("p(a).");
        let reply = shell.run(&mut session, "q(X) :- r(Y).");
        assert!(reply.errors.contains("error"), "{reply:?}");
        assert!(reply.errors.contains("<repl:"), "{}", reply.errors);
        let reply = shell.run(&mut session, "p(X).");
        assert!(
            reply.errors.contains("help: to ask a question"),
            "{}",
            reply.errors
        );
        assert_eq!(session.own_clauses(), vec!["p(a)."]);
        let reply = shell.run(&mut session, "?- p(X).");
        assert!(reply.output.contains("1 row"), "{reply:?}");
    }

    #[test]
    fn facts_rules_and_schema() {
        let program = "%% edge(From: symbol, To: symbol)\n%% A link.\nedge(a, b).\nedge(b, c).\n\
                       path(X, Y) :- edge(X, Y).\npath(X, Z) :-\n    path(X, Y), edge(Y, Z).";
        let (mut shell, mut session) = shell_session(program);
        let reply = shell.run(&mut session, ":facts edge");
        assert!(reply.output.contains("From"), "{}", reply.output);
        assert!(reply.output.contains("2 rows"), "{}", reply.output);
        let reply = shell.run(&mut session, ":facts path/2");
        assert!(reply.output.contains("A1"), "{}", reply.output);
        assert!(reply.output.contains("3 rows"), "{}", reply.output);
        let reply = shell.run(&mut session, ":facts pth");
        assert_eq!(
            reply.errors,
            "error: no predicate `pth`; did you mean `path`?\n"
        );
        let reply = shell.run(&mut session, ":rules path");
        assert!(
            reply
                .output
                .contains("% <repl:1>:5\npath(X, Y) :- edge(X, Y).\n"),
            "{}",
            reply.output
        );
        assert!(
            reply
                .output
                .contains("% <repl:1>:6\npath(X, Z) :-\n    path(X, Y), edge(Y, Z).\n"),
            "{}",
            reply.output
        );
        let reply = shell.run(&mut session, ":rules edge");
        assert!(
            reply.output.contains("no rules, only 2 facts"),
            "{}",
            reply.output
        );
        let reply = shell.run(&mut session, ":schema edge");
        assert_eq!(
            reply.output,
            "edge(From: symbol, To: symbol)\n    A link.\n"
        );
        let reply = shell.run(&mut session, ":schema path");
        assert!(
            reply.output.contains("path/2 is not documented"),
            "{}",
            reply.output
        );
        // `:facts` asks a query; nothing joins the session.
        assert_eq!(session.own_clauses().len(), 4);
    }

    #[test]
    fn undo_removes_the_last_input() {
        let (mut shell, mut session) = shell_session("p(a).");
        shell.run(&mut session, "p(b). p(c).");
        let reply = shell.run(&mut session, ":undo");
        assert_eq!(reply.output, "undone: p(b). p(c). (2 clauses removed)\n");
        let reply = shell.run(&mut session, "?- p(X).");
        assert!(reply.output.contains("1 row"), "{}", reply.output);
        shell.run(&mut session, ":undo");
        let reply = shell.run(&mut session, ":undo");
        assert_eq!(reply.errors, "nothing to undo\n");
    }

    #[test]
    fn formats_and_all() {
        let facts: String = (0..50).map(|n| format!("n({n}). ")).collect();
        let (mut shell, mut session) = shell_session(&facts);
        shell.screen = Screen {
            width: Some(40),
            height: Some(20),
        };
        let reply = shell.run(&mut session, "?- n(X).");
        assert!(
            reply
                .output
                .contains("… 38 more rows not shown (`:all` shows them)"),
            "{}",
            reply.output
        );
        let reply = shell.run(&mut session, ":all");
        assert!(!reply.output.contains("not shown"), "{}", reply.output);
        assert!(reply.output.contains("50 rows"), "{}", reply.output);
        shell.run(&mut session, ":format csv");
        let reply = shell.run(&mut session, "?- n(X), X < 2.");
        assert_eq!(reply.output, "X\n0\n1\n");
        shell.run(&mut session, ":format json");
        let reply = shell.run(&mut session, "?- n(0).");
        assert!(
            reply.output.contains("\"columns\": []") || reply.output.contains("\"columns\":[]"),
            "{}",
            reply.output
        );
        let reply = shell.run(&mut session, ":format");
        assert!(reply.output.contains("json"));
    }

    #[test]
    fn save_writes_the_typed_clauses_atomically() {
        let folder = std::env::temp_dir().join(format!("wirelog-save-{}", std::process::id()));
        std::fs::create_dir_all(&folder).expect("temp folder");
        let path = folder.join("saved.dl");
        let (mut shell, mut session) = shell_session("");
        let reply = shell.run(&mut session, &format!(":save {}", path.display()));
        assert!(reply.errors.starts_with("nothing to save"), "{reply:?}");
        shell.run(&mut session, "p(\"a. b\").\nq(X) :-\n  p(X).");
        let reply = shell.run(&mut session, &format!(":save {}", path.display()));
        assert!(reply.output.starts_with("saved 2 clauses"), "{reply:?}");
        let text = std::fs::read_to_string(&path).expect("saved file");
        assert!(text.ends_with("p(\"a. b\").\nq(X) :-\n  p(X).\n"), "{text}");
        let leftovers: Vec<_> = std::fs::read_dir(&folder)
            .expect("folder")
            .filter_map(Result::ok)
            .filter(|entry| entry.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty());
        // The saved file loads back into a new session.
        let (mut shell, mut session) = shell_session("");
        let reply = shell.run(&mut session, &format!(":load {}", path.display()));
        assert!(reply.output.contains("2 clauses"), "{reply:?}");
        let reply = shell.run(&mut session, &format!(":load {}", path.display()));
        assert!(reply.errors.contains("already loaded"), "{reply:?}");
        let reply = shell.run(&mut session, ":undo");
        assert!(reply.output.contains("the load of"), "{reply:?}");
        let reply = shell.run(&mut session, ":load /nonexistent/wirelog/file.dl");
        assert!(reply.errors.contains("was not loaded"), "{reply:?}");
        let reply = shell.run(&mut session, ":save /nonexistent/wirelog/file.dl");
        assert!(reply.errors.contains("nothing to save"), "{reply:?}");
        let _ = std::fs::remove_dir_all(&folder);
    }

    #[test]
    fn unknown_commands_and_blank_input() {
        let (mut shell, mut session) = shell_session("");
        let reply = shell.run(&mut session, ":shema");
        assert_eq!(
            reply.errors,
            "error: unknown command `:shema`; did you mean `:schema`?\n"
        );
        assert_eq!(shell.run(&mut session, "  % a comment"), Reply::default());
        assert!(shell.run(&mut session, ":quit").quit);
    }

    #[test]
    fn strange_inputs_get_an_answer_not_a_panic() {
        let (mut shell, mut session) = shell_session("p(a).");
        for input in [
            ":facts é/x",
            ":facts p/9",
            ":rules p/abc",
            ":schema ((",
            ":why ((",
            ":why p(X)",
            ":whynot é",
            ":save .",
            ":load \"\"",
            ":help :",
            "?- p(\"unterminated",
            "p(a) :- .",
            "?- .",
        ] {
            let reply = shell.run(&mut session, input);
            assert!(
                !reply.output.is_empty() || !reply.errors.is_empty(),
                "no reply to {input:?}"
            );
        }
        assert_eq!(session.own_clauses(), vec!["p(a)."]);
    }

    #[test]
    fn why_writes_a_dot_graph() {
        let (mut shell, mut session) = shell_session(
            "edge(a, b). edge(b, c).\n\
             path(X, Y) :- edge(X, Y).\npath(X, Z) :- path(X, Y), edge(Y, Z).",
        );
        let directory = std::env::temp_dir().join(format!("wirelog-dot-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&directory);
        let file = directory.join("why.dot");
        let reply = shell.run(
            &mut session,
            &format!(":why --dot {} path(a, c).", file.display()),
        );
        assert!(reply.errors.is_empty(), "{reply:?}");
        let dot = std::fs::read_to_string(&file).unwrap_or_default();
        assert!(dot.starts_with("digraph"), "{dot}");
        assert!(dot.contains("edge(b, c)"), "{dot}");
        let reply = shell.run(&mut session, ":why --dot");
        assert!(
            reply.errors.contains("takes a file and a fact"),
            "{reply:?}"
        );
    }

    #[test]
    fn why_and_whynot_explain() {
        let (mut shell, mut session) = shell_session(
            "edge(a, b). edge(b, c).\n\
             path(X, Y) :- edge(X, Y).\npath(X, Z) :- path(X, Y), edge(Y, Z).",
        );
        let reply = shell.run(&mut session, ":why path(a, c).");
        assert!(reply.errors.is_empty(), "{reply:?}");
        assert!(reply.output.starts_with("path(a, c)"), "{}", reply.output);
        assert!(reply.output.contains("edge(b, c)"), "{}", reply.output);
        let reply = shell.run(&mut session, ":why path(c, a)");
        assert!(reply.errors.contains(":whynot"), "{reply:?}");
        let reply = shell.run(&mut session, ":whynot path(c, a)");
        assert!(reply.errors.is_empty(), "{reply:?}");
        assert!(reply.output.contains("path(c, a)"), "{}", reply.output);
        shell.run(&mut session, ":format json");
        let reply = shell.run(&mut session, ":why edge(a, b)");
        assert!(
            reply.output.trim_start().starts_with('{'),
            "{}",
            reply.output
        );
    }
}
