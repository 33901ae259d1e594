//! The `:command` language: the commands, their arguments and aliases,
//! parsing a command line, and the closest-command suggestion.
//!
//! Owns the table every other part reads ([`COMMANDS`]): `:help` lists it,
//! completion and hints offer it, the shell dispatches on what
//! [`parse_command`] returns. Runs nothing.

use crate::diagnostic::{Code, Diagnostic};
use crate::present::{Format, FormatUnknown};
use crate::text;
use std::path::{Path, PathBuf};

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
    /// A clause such as `mediates(qatar, istanbul_talks).`
    Clause,
    /// An article id or a prefix of one, such as `002`.
    Article,
    /// An exercise such as `3.1`, then (for `:check`) an answer.
    Exercise,
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
    /// True when `:name!` (or `--force`) is accepted: do it even where the
    /// command would refuse.
    pub forcible: bool,
}

/// Every command, in the order `:help` lists them.
pub const COMMANDS: &[CommandInfo] = &[
    CommandInfo {
        name: "help",
        usage: "[COMMAND]",
        argument: Argument::Command,
        required: false,
        summary: "show this help, or one command's",
        forcible: false,
    },
    CommandInfo {
        name: "load",
        usage: "FILE",
        argument: Argument::Path,
        required: true,
        summary: "add a rule file to the session",
        forcible: false,
    },
    CommandInfo {
        name: "reload",
        usage: "",
        argument: Argument::None,
        required: false,
        summary: "re-read the loaded files that changed on disk",
        forcible: false,
    },
    CommandInfo {
        name: "schema",
        usage: "[PREDICATE|WORD]",
        argument: Argument::Predicate,
        required: false,
        summary: "list the predicates by file, describe one, or find those whose name or documentation has WORD",
        forcible: false,
    },
    CommandInfo {
        name: "facts",
        usage: "PREDICATE",
        argument: Argument::Predicate,
        required: true,
        summary: "show every tuple of a predicate, given or derived",
        forcible: false,
    },
    CommandInfo {
        name: "rules",
        usage: "[PREDICATE]",
        argument: Argument::Predicate,
        required: false,
        summary: "show the rules (of one predicate) as written, with file and line",
        forcible: false,
    },
    CommandInfo {
        name: "articles",
        usage: "",
        argument: Argument::None,
        required: false,
        summary: "list the articles citations may quote, with how many facts cite each",
        forcible: false,
    },
    CommandInfo {
        name: "article",
        usage: "ID",
        argument: Argument::Article,
        required: true,
        summary: "show an article with every cited passage marked, and the facts citing it",
        forcible: false,
    },
    CommandInfo {
        name: "export",
        usage: "PREDICATE FILE",
        argument: Argument::Predicate,
        required: true,
        summary: "write a relation to FILE as CSV, TSV or JSON Lines (by its extension)",
        forcible: false,
    },
    CommandInfo {
        name: "why",
        usage: "[--dot FILE] FACT",
        argument: Argument::Fact,
        required: true,
        summary: "show how a fact was derived, down to the cited sentences (--dot: as a Graphviz file)",
        forcible: false,
    },
    CommandInfo {
        name: "whynot",
        usage: "FACT|PATTERN",
        argument: Argument::Fact,
        required: true,
        summary: "show why a fact (or any fact of a pattern such as `closed(torkham, D)`) does not hold",
        forcible: false,
    },
    CommandInfo {
        name: "retract",
        usage: "CLAUSE",
        argument: Argument::Clause,
        required: true,
        summary: "remove one fact or rule, wherever it came from",
        forcible: false,
    },
    CommandInfo {
        name: "undo",
        usage: "",
        argument: Argument::None,
        required: false,
        summary: "take back the last change: a typed input, a :load, a :retract or a :reload",
        forcible: true,
    },
    CommandInfo {
        name: "save",
        usage: "FILE",
        argument: Argument::Path,
        required: true,
        summary: "write the session to a file `wirelog run` can run: #include lines, then the typed clauses",
        forcible: true,
    },
    CommandInfo {
        name: "format",
        usage: "[table|csv|json]",
        argument: Argument::Format,
        required: false,
        summary: "choose how answers are shown (without argument: the current one)",
        forcible: false,
    },
    CommandInfo {
        name: "all",
        usage: "",
        argument: Argument::None,
        required: false,
        summary: "show every row of the last answer",
        forcible: false,
    },
    CommandInfo {
        name: "trace",
        usage: "",
        argument: Argument::None,
        required: false,
        summary: "show the evaluation: strata in order, and round by round the new facts each rule derived",
        forcible: false,
    },
    CommandInfo {
        name: "exercise",
        usage: "[ID|LESSON]",
        argument: Argument::Exercise,
        required: false,
        summary: "list the course's exercises (of one lesson), or show one such as `3.1`",
        forcible: false,
    },
    CommandInfo {
        name: "check",
        usage: "ID ANSWER",
        argument: Argument::Exercise,
        required: true,
        summary: "check an answer to an exercise, e.g. `:check 3.1 ?- within(P, pakistan).`",
        forcible: false,
    },
    CommandInfo {
        name: "quit",
        usage: "",
        argument: Argument::None,
        required: false,
        summary: "leave (Ctrl-D does too)",
        forcible: false,
    },
];

/// Other names people type out of habit (ghci, SWI-Prolog, sqlite3).
const ALIASES: &[(&str, &str)] = &[
    ("q", "quit"),
    ("exit", "quit"),
    ("h", "help"),
    ("?", "help"),
    ("l", "load"),
    ("make", "reload"),
];

/// A parsed `:command` line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// `:help [COMMAND]`
    Help(Option<String>),
    /// `:load FILE`
    Load(PathBuf),
    /// `:reload`
    Reload,
    /// `:schema [PREDICATE]`
    Schema(Option<String>),
    /// `:facts PREDICATE`
    Facts(String),
    /// `:rules [PREDICATE]`
    Rules(Option<String>),
    /// `:articles`
    Articles,
    /// `:article ID`
    Article(String),
    /// `:export PREDICATE FILE`
    Export {
        /// The relation.
        predicate: String,
        /// Where to write it.
        path: PathBuf,
    },
    /// `:why FACT`
    Why(String),
    /// `:whynot FACT`
    WhyNot(String),
    /// `:retract CLAUSE`
    Retract(String),
    /// `:undo`, or `:undo!` to go past what was loaded at start-up.
    Undo {
        /// `:undo!`
        force: bool,
    },
    /// `:save FILE`, or `:save! FILE` / `:save FILE --force` to overwrite a
    /// file `:save` did not write.
    Save {
        /// Where to write.
        path: PathBuf,
        /// Overwrite a file `:save` did not write.
        force: bool,
    },
    /// `:format [table|csv|json]`
    Format(Option<Format>),
    /// `:all`
    All,
    /// `:trace`
    Trace,
    /// `:exercise [ID|LESSON]`
    Exercise(Option<String>),
    /// `:check ID ANSWER`
    Check(String),
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
    /// `:load!`: only some commands can be forced.
    #[error("`:{name}` has no forced form `:{name}!`")]
    ForceUnexpected {
        /// The command.
        name: &'static str,
    },
    /// `:format xml`
    #[error(transparent)]
    FormatUnknown(#[from] FormatUnknown),
}

impl CommandError {
    /// The stable code of this kind of error.
    pub fn code(&self) -> Code {
        match self {
            CommandError::CommandUnknown { .. } => Code::E601,
            CommandError::CommandAmbiguous { .. } => Code::E602,
            CommandError::ArgumentMissing { .. }
            | CommandError::ArgumentUnexpected { .. }
            | CommandError::ForceUnexpected { .. }
            | CommandError::FormatUnknown(_) => Code::E603,
        }
    }

    /// The error as a diagnostic (a command line is not a source: no span).
    pub fn to_diagnostic(&self) -> Diagnostic {
        Diagnostic::error_without_span(self.code(), self.to_string())
    }
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
            suggestion: text::closest(name, COMMANDS.iter().map(|info| info.name)),
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
/// use wirelog::repl::{parse_command, Command};
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
    let (name, mut force) = match name.strip_suffix('!') {
        Some(name) if !name.is_empty() => (name, true),
        _ => (name, false),
    };
    let info = resolve_command(name)?;
    // `--force` after the argument means the same as `!` after the name.
    let argument = match argument.strip_suffix("--force") {
        Some(rest) if info.forcible && (rest.is_empty() || rest.ends_with(char::is_whitespace)) => {
            force = true;
            rest.trim_end()
        }
        _ => argument,
    };
    if force && !info.forcible {
        return Err(CommandError::ForceUnexpected { name: info.name });
    }
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
        "reload" => Command::Reload,
        "schema" => Command::Schema(optional),
        "facts" => Command::Facts(argument.to_string()),
        "rules" => Command::Rules(optional),
        "articles" => Command::Articles,
        "article" => Command::Article(argument.to_string()),
        "export" => match argument.split_once(char::is_whitespace) {
            Some((predicate, path)) => Command::Export {
                predicate: predicate.to_string(),
                path: path_argument(path.trim()),
            },
            None => {
                return Err(CommandError::ArgumentMissing {
                    name: info.name,
                    usage: info.usage,
                });
            }
        },
        "why" => Command::Why(argument.to_string()),
        "whynot" => Command::WhyNot(argument.to_string()),
        "retract" => Command::Retract(argument.to_string()),
        "undo" => Command::Undo { force },
        "save" => Command::Save {
            path: path_argument(argument),
            force,
        },
        "format" => Command::Format(optional.map(|name| name.parse()).transpose()?),
        "all" => Command::All,
        "trace" => Command::Trace,
        "exercise" => Command::Exercise(optional),
        "check" => Command::Check(argument.to_string()),
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

#[cfg(test)]
mod tests {
    use super::*;

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
        check_parse(":make", Ok(Command::Reload));
        check_parse(":retract p(a).", Ok(Command::Retract("p(a).".into())));
        check_parse(":undo", Ok(Command::Undo { force: false }));
        check_parse(":undo!", Ok(Command::Undo { force: true }));
        check_parse(
            ":save out.dl",
            Ok(Command::Save {
                path: "out.dl".into(),
                force: false,
            }),
        );
        check_parse(
            ":save! out.dl",
            Ok(Command::Save {
                path: "out.dl".into(),
                force: true,
            }),
        );
        check_parse(
            ":save out.dl --force",
            Ok(Command::Save {
                path: "out.dl".into(),
                force: true,
            }),
        );
        check_parse(
            ":save \"my --force\"",
            Ok(Command::Save {
                path: "my --force".into(),
                force: false,
            }),
        );
        check_parse(":load! x.dl", Err("`:load` has no forced form `:load!`"));
        check_parse(":load", Err("`:load` needs an argument: `:load FILE`"));
        check_parse(":undo now", Err("`:undo` takes no argument"));
        check_parse(
            ":format xml",
            Err("unknown format `xml`: expected `table`, `csv` or `json`"),
        );
        check_parse(":", Err("unknown command `:`; `:help` lists the commands"));
    }
}
