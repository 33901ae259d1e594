//! The interactive REPL: rustyline in front of `wirelog::repl`.
//!
//! Owns the terminal side only: reading lines (history, completion, hints,
//! colours through a rustyline `Helper`), routing Ctrl-C, and printing the
//! text of what [`Shell`](wirelog::repl::Shell) replies. Everything that can
//! be decided without a terminal (commands, when an input is complete,
//! completion, replies) lives in the library's `repl` module.
//!
//! Multi-line input is gathered by [`Lines`](wirelog::repl::Lines) rather than
//! by a rustyline `Validator`: rustyline shows no prompt on continuation lines
//! (its continuation-prompt support was reverted upstream), and a visible
//! `...` prompt tells people the clause is still open, as SWI-Prolog's `|`
//! and psql's `-#` do.

use rustyline::completion::{Completer, FilenameCompleter, Pair};
use rustyline::error::ReadlineError;
use rustyline::highlight::{CmdKind, Highlighter};
use rustyline::hint::{Hint, Hinter};
use rustyline::history::{FileHistory, History};
use rustyline::validate::Validator;
use rustyline::{CompletionType, Config, Context, Editor, Helper};
use std::borrow::Cow;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::Instant;
use wirelog::limits::Limits;
use wirelog::present;
use wirelog::repl::{self, Completion, Line, Lines, ReadLine, Screen, Shell, Text, Vocabulary};
use wirelog::session::{Session, SessionOptions};

/// The prompt for a new input.
const PROMPT: &str = "wirelog> ";
/// The prompt while a clause is still open (as wide as `PROMPT`).
const CONTINUATION: &str = "     ... ";
/// Entries kept in the history file.
const HISTORY_SIZE: usize = 5000;

/// Opens the REPL; returns the exit code.
pub fn start(
    limits: Limits,
    folders: &[PathBuf],
    news: bool,
    files: &[PathBuf],
    engine_arguments: &super::engine::EngineArguments,
) -> i32 {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|value| !value.is_empty());
    let interactive = std::io::stdin().is_terminal();
    if engine_arguments.in_cluster() {
        eprintln!(
            "error: the REPL runs in one process (`--workers N` threads): `--hostfile` is for `wirelog run`"
        );
        return 2;
    }
    // The REPL keeps a dataflow model live: facts typed, retracted or
    // reloaded update it, and the changed answers are shown.
    let engine = match engine_arguments.engine(true) {
        Ok(engine) => engine,
        Err(message) => {
            eprintln!("error: {message}");
            return 2;
        }
    };
    let mut session = Session::new(SessionOptions {
        limits,
        record_rounds: true,
        engine,
        ..SessionOptions::default()
    });
    let mut shell = Shell::new();
    shell.view.color = std::io::stderr().is_terminal() && !no_color;
    install_interrupt_handler(&session);

    let started = Instant::now();
    let mut loaded: Vec<String> = Vec::new();
    let mut start_up_failed = false;
    for folder in folders {
        // An `--articles` folder that cannot be read is reported; the REPL
        // opens without it, like a file that does not load.
        if let Err(rejected) = session.add_articles_folder(folder) {
            print_errors(&present::render_diagnostics(
                &rejected.diagnostics,
                session.sources(),
                shell.view.color,
            ));
            start_up_failed = true;
        }
    }
    if news {
        match session.load_news() {
            Ok(_) => loaded.push("the news knowledge base".to_string()),
            Err(rejected) => {
                print_errors(&present::render_diagnostics(
                    &rejected.diagnostics,
                    session.sources(),
                    shell.view.color,
                ));
                print_errors("the news knowledge base was not loaded\n");
                start_up_failed = true;
            }
        }
    }
    if !files.is_empty() {
        let names: Vec<String> = files
            .iter()
            .map(|file| format!("`{}`", file.display()))
            .collect();
        match session.load_files(files) {
            Ok(accepted) => {
                print_errors(&present::render_diagnostics(
                    &accepted.warnings,
                    session.sources(),
                    shell.view.color,
                ));
                loaded.push(names.join(", "));
            }
            Err(rejected) => {
                // Like SWI-Prolog: report, then open the REPL without the bad files.
                let mut errors = present::render_diagnostics(
                    &rejected.diagnostics,
                    session.sources(),
                    shell.view.color,
                );
                if let Some(summary) = present::summary(&rejected.diagnostics) {
                    errors.push_str(&format!("{summary}\n"));
                }
                errors.push_str(&format!(
                    "{} not loaded; fix the errors and `:load` again\n",
                    names.join(", ")
                ));
                print_errors(&errors);
                start_up_failed = true;
            }
        }
    }
    // What is loaded now is the start-up knowledge base: `:undo` keeps it,
    // and it is on disk already, so nothing is unsaved yet.
    session.mark_start_up();
    shell.mark_saved(&session);
    if interactive {
        print_banner(&session, &loaded, started);
    }

    let mut editor = match build_editor(no_color) {
        Ok(editor) => editor,
        Err(error) => {
            eprintln!("error: cannot open the terminal: {error}");
            return 1;
        }
    };
    let history = history_path();
    if let Some(path) = &history {
        load_history(&mut editor, path);
    }

    let mut repl = Repl {
        session,
        shell,
        editor,
        history,
        lines: Lines::new(),
        interactive,
        any_failed: start_up_failed,
        vocabulary_generation: None,
    };
    if interactive {
        repl.run()
    } else {
        repl.run_piped()
    }
}

/// The REPL's running state.
struct Repl {
    session: Session,
    shell: Shell,
    editor: Editor<ReplHelper, FileHistory>,
    history: Option<PathBuf>,
    /// The lines of a clause typed so far, waiting for its final `.`.
    lines: Lines,
    /// Standard input is a terminal (not a script).
    interactive: bool,
    /// Some input was rejected: a script then exits with status 1.
    any_failed: bool,
    /// The session's generation the completion vocabulary was built for.
    vocabulary_generation: Option<u64>,
}

/// What to do after a line.
enum Flow {
    Continue,
    Quit,
}

impl Repl {
    fn run(&mut self) -> i32 {
        loop {
            let generation = self.session.generation();
            let rebuild = self.vocabulary_generation != Some(generation);
            let vocabulary = rebuild.then(|| Vocabulary::of(&self.session));
            self.vocabulary_generation = Some(generation);
            if let Some(helper) = self.editor.helper_mut() {
                helper.pending = self.lines.pending().to_string();
                if let Some(vocabulary) = vocabulary {
                    helper.vocabulary = vocabulary;
                }
            }
            let prompt = if !self.lines.is_open() {
                PROMPT
            } else {
                CONTINUATION
            };
            match self.editor.readline(prompt) {
                Ok(buffer) => {
                    self.shell.typed();
                    // A bracketed paste arrives as one buffer of several lines:
                    // take them one by one, as if typed. (Lines pasted without
                    // bracketed paste arrive one `readline` each: rustyline's
                    // `buffer-redux` feature keeps what it read past the first.)
                    for line in buffer.split('\n') {
                        if let Flow::Quit = self.line(line) {
                            return self.exit_code();
                        }
                    }
                }
                Err(ReadlineError::Interrupted) => {
                    self.shell.typed();
                    if self.lines.abandon() {
                        println!("(input abandoned)");
                    } else {
                        println!("(Ctrl-D or :quit leaves)");
                    }
                }
                Err(ReadlineError::Eof) => {
                    if !self.interactive {
                        if self.lines.abandon() {
                            eprintln!("error: the input ends inside a clause (no final `.`)");
                            self.any_failed = true;
                        }
                        return self.exit_code();
                    }
                    let open = self
                        .lines
                        .is_open()
                        .then(|| self.lines.pending().to_string());
                    let reply = self.shell.end_of_input(&self.session, open.as_deref());
                    print_text(&reply.to_text(&self.shell.view, self.session.sources()));
                    if reply.quit {
                        return self.exit_code();
                    }
                }
                // A byte that is not UTF-8 ends rustyline's line, not the session.
                Err(ReadlineError::Io(error))
                    if error.kind() == std::io::ErrorKind::InvalidData =>
                {
                    let abandoned = if self.lines.abandon() {
                        ", with the clause it continued"
                    } else {
                        ""
                    };
                    print_errors(&format!(
                        "error: the line being typed held a byte that is not UTF-8 text; it was dropped{abandoned}"
                    ));
                }
                Err(error) => {
                    eprintln!("error: cannot read input: {error}");
                    return 1;
                }
            }
        }
    }

    /// Reads piped input line by line, without rustyline: a line that is
    /// not UTF-8 (or longer than a file may be) is reported with its number
    /// and skipped, and the session goes on.
    fn run_piped(&mut self) -> i32 {
        let max_bytes = self.session.eval_options().limits.max_file_bytes;
        let stdin = std::io::stdin();
        let mut reader = stdin.lock();
        for number in 1.. {
            match repl::read_line(&mut reader, number, max_bytes) {
                ReadLine::Line(line) => {
                    if let Flow::Quit = self.line(&line) {
                        return self.exit_code();
                    }
                }
                ReadLine::Bad(bad) => {
                    let abandoned = if self.lines.abandon() {
                        " (with the clause it continued)"
                    } else {
                        ""
                    };
                    print_errors(&format!("error: {bad}{abandoned}"));
                    self.any_failed = true;
                }
                ReadLine::End => break,
                ReadLine::Failed(error) => {
                    eprintln!("error: cannot read input: {error}");
                    return 1;
                }
            }
        }
        if self.lines.abandon() {
            eprintln!("error: the input ends inside a clause (no final `.`)");
            self.any_failed = true;
        }
        self.exit_code()
    }

    /// 0, or 1 for a script (standard input not a terminal) with an input
    /// that was rejected.
    fn exit_code(&self) -> i32 {
        if !self.interactive && self.any_failed {
            1
        } else {
            0
        }
    }

    /// Handles one line: a command, or part of a Datalog input.
    fn line(&mut self, line: &str) -> Flow {
        match self.lines.push(line) {
            Line::Input(input) => self.submit(input),
            Line::Pending => Flow::Continue,
            Line::BlankInClause => {
                println!("{}", repl::BLANK_IN_CLAUSE);
                Flow::Continue
            }
        }
    }

    /// Records a complete input in the history and runs it.
    fn submit(&mut self, input: String) -> Flow {
        self.remember(&input);
        if let Some((width, height)) = self.editor.dimensions() {
            self.shell.view.screen = Screen {
                width: Some(usize::from(width)),
                height: Some(usize::from(height)),
            };
        }
        let reply = self.shell.run(&mut self.session, &input);
        self.any_failed |= reply.failed();
        print_text(&reply.to_text(&self.shell.view, self.session.sources()));
        if reply.quit {
            Flow::Quit
        } else {
            Flow::Continue
        }
    }

    /// Adds an input to the history and writes it out at once, so a crash loses nothing.
    fn remember(&mut self, input: &str) {
        if !matches!(self.editor.add_history_entry(input), Ok(true)) {
            return;
        }
        let Some(path) = &self.history else {
            return;
        };
        let written = if path.exists() {
            self.editor.append_history(path)
        } else {
            self.editor.save_history(path)
        };
        if let Err(error) = written {
            eprintln!(
                "warning: cannot write the history to `{}`: {error}",
                path.display()
            );
            self.history = None;
        }
    }
}

fn print_text(text: &Text) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.output.as_bytes());
    let _ = stdout.flush();
    drop(stdout);
    print_errors(&text.errors);
}

fn print_errors(text: &str) {
    if text.is_empty() {
        return;
    }
    let mut stderr = std::io::stderr().lock();
    let _ = stderr.write_all(text.as_bytes());
    if !text.ends_with('\n') {
        let _ = stderr.write_all(b"\n");
    }
    let _ = stderr.flush();
}

fn print_banner(session: &Session, loaded: &[String], started: Instant) {
    println!(
        "wirelog {}: Datalog over the news",
        env!("CARGO_PKG_VERSION")
    );
    match session.program() {
        Some(program) if !loaded.is_empty() => {
            let n_predicates = program
                .predicates
                .iter()
                .filter(|predicate| predicate.defined && !predicate.is_constraint())
                .count();
            println!(
                "loaded {}: {} predicates, {} facts, {} rules ({})",
                loaded.join(" and "),
                n_predicates,
                session.n_stated_facts(),
                program.rules.len() - program.constraints.len(),
                present::table::format_elapsed(started.elapsed())
            );
        }
        _ => println!("an empty session: type facts and rules, or `:load FILE`"),
    }
    println!("ask with `?- mediates(M, T).`, add facts and rules ending in `.`");
    println!("`:help` shows the commands and examples; Ctrl-D leaves");
}

/// Sends Ctrl-C during an evaluation to the session's cancel flag.
///
/// While rustyline reads a line the terminal is in raw mode and Ctrl-C
/// arrives as a key (abandon the input); only while an input is evaluated
/// does it arrive as SIGINT, and then it stops the evaluation, which leaves
/// the session as it was. The session resets the flag when the next
/// evaluation starts, so a stray Ctrl-C between inputs does no harm.
fn install_interrupt_handler(session: &Session) {
    let cancel = session.cancel_flag();
    if let Err(error) = ctrlc::set_handler(move || cancel.store(true, Ordering::Relaxed)) {
        eprintln!("warning: Ctrl-C cannot interrupt evaluations: {error}");
    }
}

fn build_editor(no_color: bool) -> rustyline::Result<Editor<ReplHelper, FileHistory>> {
    let config = Config::builder()
        .auto_add_history(false)
        .history_ignore_dups(true)?
        .max_history_size(HISTORY_SIZE)?
        .completion_type(CompletionType::List)
        .build();
    let mut editor = Editor::with_config(config)?;
    editor.set_helper(Some(ReplHelper {
        vocabulary: Vocabulary::default(),
        pending: String::new(),
        color: !no_color,
        files: FilenameCompleter::new(),
    }));
    Ok(editor)
}

/// Where the history lives: `$WIRELOG_HISTORY` (empty: no history file),
/// else `$XDG_DATA_HOME/wirelog/history`, else `~/.local/share/wirelog/history`.
fn history_path() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("WIRELOG_HISTORY") {
        return (!path.is_empty()).then(|| PathBuf::from(path));
    }
    let data = std::env::var_os("XDG_DATA_HOME")
        .filter(|value| !value.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|value| !value.is_empty())
                .map(|home| Path::new(&home).join(".local").join("share"))
        })?;
    Some(data.join("wirelog").join("history"))
}

fn load_history(editor: &mut Editor<ReplHelper, FileHistory>, path: &Path) {
    if let Some(folder) = path.parent()
        && !folder.as_os_str().is_empty()
        && let Err(error) = std::fs::create_dir_all(folder)
    {
        eprintln!(
            "warning: no history: cannot create `{}`: {error}",
            folder.display()
        );
        return;
    }
    if path.exists()
        && let Err(error) = editor.load_history(path)
    {
        eprintln!(
            "warning: cannot read the history `{}`: {error}",
            path.display()
        );
    }
    let _ = editor.history_mut().set_max_len(HISTORY_SIZE);
}

/// The rustyline helper: completion, hints and colours from `wirelog::repl`.
struct ReplHelper {
    vocabulary: Vocabulary,
    /// Earlier lines of the clause being typed, for completing its variables.
    pending: String,
    color: bool,
    files: FilenameCompleter,
}

impl Helper for ReplHelper {}

/// Rustyline checks nothing: lines are gathered into clauses by `Repl::line`.
impl Validator for ReplHelper {}

impl Completer for ReplHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _context: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        Ok(match self.vocabulary.complete(&self.pending, line, pos) {
            Completion::Words { start, words } => (
                start,
                words
                    .into_iter()
                    .map(|word| Pair {
                        display: word.clone(),
                        replacement: word,
                    })
                    .collect(),
            ),
            Completion::Path { start } => {
                let (path_start, candidates) = self.files.complete_path(line, pos)?;
                (path_start.max(start), candidates)
            }
            Completion::None => (pos, Vec::new()),
        })
    }
}

/// A hint shown in grey and never inserted: it describes, it is not text to type.
struct DisplayHint(String);

impl Hint for DisplayHint {
    fn display(&self) -> &str {
        &self.0
    }

    fn completion(&self) -> Option<&str> {
        None
    }
}

impl Hinter for ReplHelper {
    type Hint = DisplayHint;

    fn hint(&self, line: &str, pos: usize, _context: &Context<'_>) -> Option<DisplayHint> {
        // Arguments of a clause continued from earlier lines are not tracked; hint the current line only.
        self.vocabulary.hint(line, pos).map(DisplayHint)
    }
}

impl Highlighter for ReplHelper {
    fn highlight<'l>(&self, line: &'l str, _pos: usize) -> Cow<'l, str> {
        if self.color {
            Cow::Owned(repl::highlight(line))
        } else {
            Cow::Borrowed(line)
        }
    }

    fn highlight_hint<'h>(&self, hint: &'h str) -> Cow<'h, str> {
        if self.color {
            Cow::Owned(format!("\x1b[90m{hint}\x1b[0m"))
        } else {
            Cow::Borrowed(hint)
        }
    }

    fn highlight_char(&self, line: &str, _pos: usize, kind: CmdKind) -> bool {
        // An edit can recolour the whole line (a `"` opens a string), so repaint it;
        // moving the cursor changes no colour.
        self.color && kind == CmdKind::Other && !line.is_empty()
    }
}
