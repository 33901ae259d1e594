//! REPL transcripts as data: reading them and running them through the
//! library's REPL layer (`tests/transcripts.rs`); `tests/repl.rs` plays the
//! ones marked `% pty` through a pseudo-terminal too.
//!
//! A transcript starts with `%` lines: what it tests, and settings —
//! `% session: news` (start on the bundled knowledge base), `% screen: WxH`
//! (the terminal size), `% pty` (also run in a pseudo-terminal). Then each
//! line typed at the prompt is written `> line`, followed by what it
//! printed: stdout lines as they are, stderr lines after `! `. Times taken
//! are written `(TIME)`.

#![allow(dead_code)]

use wirelog::repl::{BLANK_IN_CLAUSE, Line, Lines, Screen, Shell};
use wirelog::session::{Session, SessionOptions};

/// A transcript file, parsed.
pub struct Transcript {
    /// The `%` lines at the top.
    pub header: Vec<String>,
    /// The lines typed at the prompt, in order.
    pub typed: Vec<String>,
    /// Start on the bundled knowledge base.
    pub news: bool,
    /// The terminal size.
    pub screen: Screen,
    /// Also play it in a pseudo-terminal.
    pub pty: bool,
}

impl Transcript {
    pub fn parse(text: &str) -> Transcript {
        let header: Vec<String> = text
            .lines()
            .take_while(|line| line.starts_with('%'))
            .map(str::to_string)
            .collect();
        let typed = text
            .lines()
            .filter_map(|line| {
                line.strip_prefix("> ")
                    .or_else(|| (line == ">").then_some(""))
            })
            .map(str::to_string)
            .collect();
        let setting = |name: &str| {
            header
                .iter()
                .find_map(|line| line.strip_prefix(&format!("% {name}:")).map(str::trim))
        };
        let screen = setting("screen")
            .and_then(|size| size.split_once('x'))
            .and_then(|(width, height)| Some((width.parse().ok()?, height.parse().ok()?)))
            .map_or(Screen::default(), |(width, height)| Screen {
                width: Some(width),
                height: Some(height),
            });
        Transcript {
            news: setting("session") == Some("news"),
            pty: header.iter().any(|line| line == "% pty"),
            header,
            typed,
            screen,
        }
    }

    /// Runs the typed lines through the library's REPL and writes the
    /// transcript as it came out.
    pub fn run(&self) -> String {
        let mut session = Session::new(SessionOptions {
            record_rounds: true,
            ..SessionOptions::default()
        });
        if self.news {
            session.load_news().expect("the knowledge base loads");
        }
        let mut shell = Shell::new();
        shell.view.screen = self.screen;
        let mut lines = Lines::new();
        let mut out: Vec<String> = self.header.clone();
        for typed in &self.typed {
            out.push(if typed.is_empty() {
                ">".to_string()
            } else {
                format!("> {typed}")
            });
            match lines.push(typed) {
                Line::Input(input) => {
                    let text = shell.run_text(&mut session, &input);
                    out.extend(text.output.lines().map(normalise_times));
                    out.extend(text.errors.lines().map(|line| {
                        let line = normalise_times(line);
                        if line.is_empty() {
                            "!".to_string()
                        } else {
                            format!("! {line}")
                        }
                    }));
                }
                Line::Pending => {}
                Line::BlankInClause => out.push(BLANK_IN_CLAUSE.to_string()),
            }
        }
        out.join("\n") + "\n"
    }

    /// The expected output after each typed line, as (typed line, expected lines).
    pub fn exchanges(text: &str) -> Vec<(String, Vec<String>)> {
        let mut exchanges: Vec<(String, Vec<String>)> = Vec::new();
        for line in text.lines().skip_while(|line| line.starts_with('%')) {
            if let Some(typed) = line
                .strip_prefix("> ")
                .or_else(|| (line == ">").then_some(""))
            {
                exchanges.push((typed.to_string(), Vec::new()));
            } else if let Some((_, expected)) = exchanges.last_mut() {
                let line = if line == "!" {
                    ""
                } else {
                    line.strip_prefix("! ").unwrap_or(line)
                };
                expected.push(line.to_string());
            }
        }
        exchanges
    }
}

/// `(0.3 ms)`, `(<0.1 ms)`, `(1.25 s)` become `(TIME)`: the only text of a
/// reply that changes from run to run.
pub fn normalise_times(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(open) = rest.find('(') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let close = after.find(')');
        let inner = close.map(|close| &after[..close]);
        match inner {
            Some(inner) if is_time(inner) => {
                out.push_str("(TIME)");
                rest = &after[inner.len() + 1..];
            }
            _ => {
                out.push('(');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn is_time(text: &str) -> bool {
    let number = text
        .strip_suffix(" ms")
        .or_else(|| text.strip_suffix(" s"))
        .map(|number| number.trim_start_matches('<'));
    number.is_some_and(|number| {
        !number.is_empty()
            && number
                .chars()
                .all(|character| character.is_ascii_digit() || character == '.')
    })
}
