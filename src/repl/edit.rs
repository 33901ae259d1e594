//! Line-editing aids for the REPL: when an input is complete, what Tab
//! offers, the hint after the cursor, and the colours of the input line.
//!
//! Everything here works on plain strings and a [`Vocabulary`] snapshot of
//! the session, so it can be tested without a terminal; the binary's
//! rustyline helper only forwards to it. It must never evaluate or change
//! the session. Text is read with the syntax layer's forgiving lexer
//! (`syntax::lexer`), so the editor and the parser agree on keywords,
//! strings and comments.

use super::command::{Argument, COMMANDS, is_command, resolve_command};
use crate::session::Session;
use crate::syntax::lexer::{BUILTIN_FUNCTIONS, KEYWORDS, Token, TokenKind, tokenize};
use crate::value::Value;

/// The tokens that carry meaning: no spaces, no comments.
fn significant(text: &str) -> impl Iterator<Item = Token> {
    tokenize(text)
        .into_iter()
        .filter(|token| !matches!(token.kind, TokenKind::Space | TokenKind::Comment))
}

/// True when the text holds nothing but spaces and comments.
pub fn is_blank(text: &str) -> bool {
    significant(text).next().is_none()
}

/// True when a Datalog input is ready to be submitted: its last token
/// (ignoring spaces and comments) is the `.` that ends a clause.
///
/// A line that ends inside an unterminated string also counts as complete,
/// so the parser can point at the missing quote instead of the REPL waiting
/// for a `.` that the user believes they typed.
///
/// ```
/// use wirelog::repl::is_complete;
/// assert!(is_complete("p(a)."));
/// assert!(!is_complete("h(X) :- p(X),"));
/// assert!(!is_complete(r#"said(x, "ends here.")"#));
/// assert!(!is_complete("p(a) % done."));
/// ```
pub fn is_complete(text: &str) -> bool {
    let mut tokens = significant(text);
    // Soufflé's `.decl p(x: symbol)` takes one line and has no final `.`:
    // it is complete at once (and rejected with a hint), so it never
    // swallows the next line typed.
    if let (Some(first), Some(second)) = (tokens.next(), tokens.next())
        && first.kind == TokenKind::Dot
        && second.kind == TokenKind::Name
        && second.range.start == first.range.end
    {
        return true;
    }
    match significant(text).last() {
        None => true,
        Some(token) => matches!(token.kind, TokenKind::Dot | TokenKind::StringUnterminated),
    }
}

/// The distinct named variables of a text, in order of first appearance.
pub fn variables(text: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for token in significant(text) {
        let name = &text[token.range];
        if token.kind == TokenKind::Variable
            && name != "_"
            && !names.iter().any(|seen| seen == name)
        {
            names.push(name.to_string());
        }
    }
    names
}

/// The input line with ANSI colours: variables, strings, numbers and dates,
/// comments, `:-` and `?-`, keywords, and a command's name.
///
/// Only escape codes are added, so the display width is unchanged (rustyline
/// needs that to place the cursor).
pub fn highlight(line: &str) -> String {
    const RESET: &str = "\x1b[0m";
    let command = is_command(line);
    let mut out = String::with_capacity(line.len() * 2);
    for (index, token) in tokenize(line).into_iter().enumerate() {
        let text = &line[token.range.clone()];
        let colour = match token.kind {
            _ if command => {
                // The command's name in bold; its argument (a path, a fact) plain.
                if index <= 2 && token.kind != TokenKind::Space {
                    Some("\x1b[1m")
                } else {
                    None
                }
            }
            TokenKind::Variable => Some("\x1b[33m"),
            TokenKind::String | TokenKind::StringUnterminated => Some("\x1b[32m"),
            TokenKind::Number => Some("\x1b[36m"),
            TokenKind::Comment => Some("\x1b[90m"),
            TokenKind::Neck | TokenKind::QueryMark => Some("\x1b[1;35m"),
            TokenKind::Keyword | TokenKind::Directive => Some("\x1b[34m"),
            TokenKind::Dot => Some("\x1b[1m"),
            TokenKind::Name | TokenKind::Punct | TokenKind::Space => None,
        };
        match colour {
            Some(colour) => {
                out.push_str(colour);
                out.push_str(text);
                out.push_str(RESET);
            }
            None => out.push_str(text),
        }
    }
    out
}

/// What the session knows that completion and hints need: predicate names
/// and their argument lists, and the symbols of the facts. A snapshot,
/// rebuilt when the session changes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Vocabulary {
    /// Every predicate of the session's program, sorted by name.
    pub predicates: Vec<Signature>,
    /// Every symbol of a stated fact (`istanbul_talks_nov`), sorted, once each.
    pub constants: Vec<String>,
}

/// A predicate's name and a short description of each argument.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signature {
    /// `mediates`
    pub name: String,
    /// `Mediator: symbol`, `Talks: symbol`; numbered `#1`, `#2` when undocumented.
    pub arguments: Vec<String>,
}

impl Vocabulary {
    /// The predicates of the session's program (empty before anything loaded).
    pub fn of(session: &Session) -> Vocabulary {
        let Some(program) = session.program() else {
            return Vocabulary::default();
        };
        let mut predicates: Vec<Signature> = program
            .predicates
            .iter()
            .filter(|predicate| !predicate.is_constraint())
            .map(|predicate| {
                let documented = predicate
                    .doc
                    .as_ref()
                    .filter(|doc| doc.arguments.len() == predicate.arity);
                let arguments = match documented {
                    Some(doc) => doc
                        .arguments
                        .iter()
                        .map(|argument| match argument.declared_type.as_deref() {
                            Some(declared) if declared != "any" => {
                                format!("{}: {declared}", argument.name)
                            }
                            _ => argument.name.clone(),
                        })
                        .collect(),
                    None => (1..=predicate.arity).map(|n| format!("#{n}")).collect(),
                };
                Signature {
                    name: predicate.name.clone(),
                    arguments,
                }
            })
            .collect();
        predicates.sort_by(|a, b| a.name.cmp(&b.name));
        let mut constants: Vec<String> = program
            .facts
            .iter()
            .flat_map(|fact| &fact.values)
            .filter_map(|value| match value {
                Value::Symbol(symbol) => Some(symbol.clone()),
                _ => None,
            })
            .collect();
        constants.sort();
        constants.dedup();
        Vocabulary {
            predicates,
            constants,
        }
    }

    /// The predicate names, built-in functions, keywords and constants
    /// starting with `word`, sorted, once each.
    fn names_starting(&self, word: &str) -> Vec<String> {
        let names = self
            .predicates
            .iter()
            .map(|signature| signature.name.as_str())
            .chain(BUILTIN_FUNCTIONS.iter().copied())
            .chain(KEYWORDS.iter().copied())
            .chain(self.constants.iter().map(String::as_str));
        let mut words: Vec<String> = names
            .filter(|name| name.starts_with(word))
            .map(str::to_string)
            .collect();
        words.sort();
        words.dedup();
        words
    }

    /// The signature of `name`, if the session knows it.
    pub fn signature(&self, name: &str) -> Option<&Signature> {
        self.predicates
            .iter()
            .find(|signature| signature.name == name)
    }

    /// What Tab offers at byte `pos` of `line`, given the earlier lines
    /// `pending` of an unfinished clause.
    pub fn complete(&self, pending: &str, line: &str, pos: usize) -> Completion {
        let pos = floor_char_boundary(line, pos);
        let before = &line[..pos];
        if pending.is_empty() && is_command(before) {
            return self.complete_command(before);
        }
        // No completion inside a string or a comment.
        let context = format!("{pending}{before}");
        if tokenize(&context).last().is_some_and(|token| {
            matches!(
                token.kind,
                TokenKind::Comment | TokenKind::StringUnterminated
            )
        }) {
            return Completion::None;
        }
        let start = word_start(before);
        let word = &before[start..];
        let words: Vec<String> = if word.starts_with(|c: char| c.is_ascii_uppercase() || c == '_') {
            // Variables typed anywhere in this input, except the one being typed.
            let rest = &line[pos..];
            let word_end = pos + word_start_end(rest);
            let whole = format!("{pending}{}{}", &line[..start], &line[word_end..]);
            variables(&whole)
                .into_iter()
                .filter(|name| name.starts_with(word) && name != word)
                .collect()
        } else {
            self.names_starting(word)
        };
        if words.is_empty() {
            Completion::None
        } else {
            Completion::Words { start, words }
        }
    }

    /// Completion within a command line: the command's name, then its argument.
    fn complete_command(&self, before: &str) -> Completion {
        let colon = before.find(':').unwrap_or(0);
        let after_colon = &before[colon + 1..];
        let name_end = after_colon
            .find(char::is_whitespace)
            .map(|offset| colon + 1 + offset);
        let Some(name_end) = name_end else {
            let words: Vec<String> = COMMANDS
                .iter()
                .filter(|info| info.name.starts_with(after_colon))
                .map(|info| format!(":{}", info.name))
                .collect();
            return if words.is_empty() {
                Completion::None
            } else {
                Completion::Words {
                    start: colon,
                    words,
                }
            };
        };
        let command = &before[colon + 1..name_end];
        let Some(info) = resolve_command(command).ok() else {
            return Completion::None;
        };
        let argument_start = before[name_end..]
            .find(|c: char| !c.is_whitespace())
            .map_or(before.len(), |offset| name_end + offset);
        let argument = &before[argument_start..];
        // After `:check ID `, the answer is Datalog: completed as a clause.
        let (kind, argument_start, argument) =
            match (info.argument, argument.find(char::is_whitespace)) {
                (Argument::Exercise, Some(space)) => {
                    let offset = argument[space..]
                        .find(|c: char| !c.is_whitespace())
                        .map_or(argument.len(), |gap| space + gap);
                    (
                        Argument::Clause,
                        argument_start + offset,
                        &argument[offset..],
                    )
                }
                (kind, _) => (kind, argument_start, argument),
            };
        match kind {
            Argument::Path => Completion::Path {
                start: argument_start,
            },
            Argument::Predicate | Argument::Fact | Argument::Clause => {
                let word_offset = word_start(argument);
                let word = &argument[word_offset..];
                if word_offset == 0 {
                    let words: Vec<String> = self
                        .predicates
                        .iter()
                        .filter(|signature| signature.name.starts_with(argument))
                        .map(|signature| signature.name.clone())
                        .collect();
                    return Completion::words(argument_start, words);
                }
                if kind == Argument::Predicate
                    || word.starts_with(|c: char| c.is_ascii_uppercase() || c == '_')
                    || tokenize(argument).last().is_some_and(|token| {
                        matches!(
                            token.kind,
                            TokenKind::Comment | TokenKind::StringUnterminated
                        )
                    })
                {
                    return Completion::None;
                }
                Completion::words(argument_start + word_offset, self.names_starting(word))
            }
            Argument::Format => Completion::words(
                argument_start,
                ["table", "csv", "json"]
                    .into_iter()
                    .filter(|name| name.starts_with(argument))
                    .map(str::to_string)
                    .collect(),
            ),
            Argument::Command => {
                let argument = argument.trim_start_matches(':');
                Completion::words(
                    argument_start,
                    COMMANDS
                        .iter()
                        .filter(|info| info.name.starts_with(argument))
                        .map(|info| info.name.to_string())
                        .collect(),
                )
            }
            Argument::Exercise => {
                // Exercise ids of the bundled course; the answer after one is free text.
                let ids = crate::course::Course::bundled()
                    .map(|course| {
                        course
                            .lessons()
                            .iter()
                            .flat_map(|lesson| &lesson.exercises)
                            .map(|exercise| exercise.id.clone())
                            .filter(|id| id.starts_with(argument))
                            .collect()
                    })
                    .unwrap_or_default();
                Completion::words(argument_start, ids)
            }
            Argument::None | Argument::Article => Completion::None,
        }
    }

    /// The grey text shown after the cursor: the remaining arguments of the
    /// atom being typed (`mediates(qatar, ` hints `Talks: symbol)`), or the
    /// rest of a command's name and its usage. Only at the end of the line.
    pub fn hint(&self, line: &str, pos: usize) -> Option<String> {
        if pos != line.len() || line.is_empty() {
            return None;
        }
        if is_command(line) {
            let name = line.trim_start().trim_start_matches(':');
            if name.is_empty() || name.contains(char::is_whitespace) {
                return None;
            }
            let mut matching = COMMANDS.iter().filter(|info| info.name.starts_with(name));
            let info = matching.next()?;
            if matching.next().is_some() && info.name != name {
                return None;
            }
            let rest = &info.name[name.len()..];
            let hint = if info.usage.is_empty() {
                rest.to_string()
            } else {
                format!("{rest} {}", info.usage)
            };
            return (!hint.is_empty()).then_some(hint);
        }
        // Find the innermost open parenthesis and the name before it.
        let mut open: Vec<(Option<String>, usize)> = Vec::new();
        let mut last_name: Option<String> = None;
        for token in tokenize(line) {
            let text = &line[token.range.clone()];
            match (token.kind, text) {
                (TokenKind::Space, _) => continue,
                (TokenKind::Comment | TokenKind::StringUnterminated, _) => return None,
                (TokenKind::Punct, "(") => open.push((last_name.take(), 0)),
                (TokenKind::Punct, ")") => {
                    open.pop();
                }
                (TokenKind::Punct, ",") => {
                    if let Some((_, n_commas)) = open.last_mut() {
                        *n_commas += 1;
                    }
                }
                (TokenKind::Dot, _) => open.clear(),
                _ => {}
            }
            last_name = (token.kind == TokenKind::Name).then(|| text.to_string());
        }
        let (Some(name), n_commas) = open.pop()? else {
            return None;
        };
        let signature = self.signature(&name)?;
        let remaining = signature.arguments.get(n_commas..)?;
        if remaining.is_empty() {
            return None;
        }
        // After a comma the user is about to type; after a partial argument, add the separator.
        let typed_argument = line.trim_end().ends_with(['(', ',']);
        let (first, rest) = if typed_argument {
            (remaining.to_vec(), Vec::new())
        } else {
            (Vec::new(), remaining.get(1..).unwrap_or_default().to_vec())
        };
        let mut hint = String::new();
        if typed_argument {
            if line.ends_with(',') {
                hint.push(' ');
            }
            hint.push_str(&first.join(", "));
        } else if !rest.is_empty() {
            hint.push_str(", ");
            hint.push_str(&rest.join(", "));
        }
        hint.push(')');
        Some(hint)
    }
}

/// What Tab can offer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Completion {
    /// Replace the text from byte `start` to the cursor with one of `words`.
    Words {
        /// Where the word being completed starts.
        start: usize,
        /// The candidates, each a whole word.
        words: Vec<String>,
    },
    /// A file name starting at byte `start` (after `:load` and `:save`).
    Path {
        /// Where the path starts.
        start: usize,
    },
    /// Nothing to offer.
    None,
}

impl Completion {
    fn words(start: usize, words: Vec<String>) -> Completion {
        if words.is_empty() {
            Completion::None
        } else {
            Completion::Words { start, words }
        }
    }
}

/// Where the identifier ending at the end of `text` starts.
fn word_start(text: &str) -> usize {
    text.char_indices()
        .rev()
        .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '_'))
        .map_or(0, |(index, c)| index + c.len_utf8())
}

/// Length of the identifier characters at the start of `text`.
fn word_start_end(text: &str) -> usize {
    text.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(text.len())
}

/// The largest char boundary not after `pos`.
fn floor_char_boundary(text: &str, pos: usize) -> usize {
    let mut pos = pos.min(text.len());
    while !text.is_char_boundary(pos) {
        pos -= 1;
    }
    pos
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sorted by name, as `Vocabulary::of` makes it.
    fn vocabulary() -> Vocabulary {
        Vocabulary {
            predicates: vec![
                Signature {
                    name: "blames".into(),
                    arguments: vec!["A".into(), "B".into(), "E".into()],
                },
                Signature {
                    name: "mediated".into(),
                    arguments: vec!["#1".into()],
                },
                Signature {
                    name: "mediates".into(),
                    arguments: vec!["Mediator: symbol".into(), "Talks: symbol".into()],
                },
            ],
            constants: vec![
                "istanbul_talks".into(),
                "istanbul_talks_nov".into(),
                "qatar".into(),
            ],
        }
    }

    #[test]
    fn completeness_follows_the_final_dot() {
        let cases: &[(&str, bool)] = &[
            ("", true),
            ("   ", true),
            ("% only a comment", true),
            ("p(a).", true),
            ("p(a).  % with a comment", true),
            ("p(a)", false),
            ("h(X) :-\n  p(X),", false),
            ("h(X) :-\n  p(X).", true),
            ("?- p(X)", false),
            (r#"said(x, "a. b")"#, false),
            (r#"said(x, "a. b")."#, true),
            (r#"said(x, "quote \" and . inside")."#, true),
            ("p(a) % the end.", false),
            ("p(a). q(", false),
            ("p(a). q(b).", true),
            (r#"said(x, "unterminated"#, true),
            ("#include \"x.dl\".", true),
            ("p(2025-10-29).", true),
            (".decl edge(x: number, y: number)", true),
            (".input edge", true),
            ("p(X) :- q(X) .", true),
        ];
        for (text, expected) in cases {
            assert_eq!(is_complete(text), *expected, "input {text:?}");
        }
    }

    #[test]
    fn no_panic_at_any_cursor_position() {
        let lines = [
            "",
            ":",
            ": ",
            ":load ",
            ":facts é",
            "?- mediates(\"Tür\\é",
            "h(X) :- p(X, \"a\\",
            "p(é, ü) :- q(Ä). % ç",
            "((((,,,))))",
            "?- mediates(qatar, T), blames(",
            "#",
            "#include <news>.",
            "\"\\\n\"",
            "X_1 = 2025-1-",
        ];
        let vocabulary = vocabulary();
        for line in lines {
            let _ = (is_complete(line), is_blank(line), variables(line));
            assert_eq!(
                tokenize(line).last().map_or(0, |token| token.range.end),
                line.len()
            );
            let _ = highlight(line);
            for pos in 0..=line.len() + 1 {
                let _ = vocabulary.complete(line, line, pos);
                let _ = vocabulary.hint(line, pos);
            }
        }
    }

    #[test]
    fn variables_in_order_without_anonymous() {
        assert_eq!(
            variables("h(X, Y) :- p(X, _), q(Y, _Z, \"Quoted W\"). % V"),
            vec!["X", "Y", "_Z"]
        );
    }

    #[test]
    fn highlighting_keeps_the_text() {
        for line in [
            "h(X) :- p(X, \"a\"), not q(X). % c",
            ":load rules/x.dl",
            "?- closed(C, 2025-10-12).",
            "\"unterminated",
        ] {
            let highlighted = highlight(line);
            let mut plain = String::new();
            let mut in_escape = false;
            for character in highlighted.chars() {
                match character {
                    '\x1b' => in_escape = true,
                    'm' if in_escape => in_escape = false,
                    _ if in_escape => {}
                    _ => plain.push(character),
                }
            }
            assert_eq!(plain, line);
        }
        assert!(highlight("p(X).").contains("\x1b[33mX\x1b[0m"));
    }

    fn check_completion(pending: &str, line: &str, expected: Completion) {
        assert_eq!(
            vocabulary().complete(pending, line, line.len()),
            expected,
            "line {line:?}"
        );
    }

    #[test]
    fn completes_predicates_variables_and_commands() {
        let words = |start: usize, words: &[&str]| Completion::Words {
            start,
            words: words.iter().map(|word| word.to_string()).collect(),
        };
        check_completion("", "?- med", words(3, &["mediated", "mediates"]));
        check_completion("", "?- mediates(M, T), bl", words(19, &["blames"]));
        check_completion("", "h(Talks) :- mediates(M, T", words(24, &["Talks"]));
        check_completion("h(Mediator) :-\n", "  p(Me", words(4, &["Mediator"]));
        check_completion("", "?- no", words(3, &["not"]));
        check_completion("", ":sc", words(0, &[":schema"]));
        check_completion("", ":w", words(0, &[":why", ":whynot"]));
        check_completion("", ":facts med", words(7, &["mediated", "mediates"]));
        check_completion("", ":load ru", Completion::Path { start: 6 });
        check_completion(
            "",
            "?- mediates(M, ist",
            words(15, &["istanbul_talks", "istanbul_talks_nov"]),
        );
        check_completion("", "?- mediates(qa", words(12, &["qatar"]));
        check_completion(
            "",
            ":whynot mediates(qatar, istanbul_talks_n",
            words(24, &["istanbul_talks_nov"]),
        );
        check_completion("", ":retract mediates(q", words(18, &["qatar"]));
        check_completion("", ":whynot mediates(Q", Completion::None);
        check_completion("", ":facts mediates(q", Completion::None);
        check_completion("", ":format j", words(8, &["json"]));
        check_completion("", "said(x, \"med", Completion::None);
        check_completion("", "p(a). % med", Completion::None);
        check_completion("", ":nosuch x", Completion::None);
        check_completion(
            "",
            ":check 3.",
            words(7, &["3.1", "3.2", "3.3", "3.4", "3.5", "3.6"]),
        );
        check_completion(
            "",
            ":exercise 8.",
            words(10, &["8.1", "8.2", "8.3", "8.4", "8.5", "8.6"]),
        );
        check_completion(
            "",
            ":check 3.1 ?- medi",
            words(14, &["mediated", "mediates"]),
        );
        check_completion("", ":check 3.1 ?- mediates(qa", words(23, &["qatar"]));
    }

    #[test]
    fn the_vocabulary_of_a_session_holds_its_symbols_for_completion() {
        let mut session = Session::default();
        session
            .load_text("held(istanbul_talks_nov, 2025-11-07). held(doha_talks, \"Doha\"). n(3).")
            .expect("loads");
        let vocabulary = Vocabulary::of(&session);
        // Symbols, once each and sorted; strings, dates and numbers are not
        // words to complete.
        assert_eq!(vocabulary.constants, ["doha_talks", "istanbul_talks_nov"]);
        assert_eq!(
            vocabulary.complete("", "?- held(ist", 11),
            Completion::Words {
                start: 8,
                words: vec!["istanbul_talks_nov".to_string()],
            }
        );
    }

    #[test]
    fn hints_show_remaining_arguments_and_command_usage() {
        let cases: &[(&str, Option<&str>)] = &[
            ("?- mediates(", Some("Mediator: symbol, Talks: symbol)")),
            ("?- mediates(qatar,", Some(" Talks: symbol)")),
            ("?- mediates(qatar, ", Some("Talks: symbol)")),
            ("?- mediates(qat", Some(", Talks: symbol)")),
            ("?- mediates(qatar, T", Some(")")),
            ("?- mediates(qatar, T)", None),
            ("?- unknown(", None),
            ("?- blames(A, len(", None),
            (":sch", Some("ema [PREDICATE|WORD]")),
            (":undo", None),
            (":und", Some("o")),
            (":s", None),
            ("p(a). % mediates(", None),
        ];
        for (line, expected) in cases {
            assert_eq!(
                vocabulary().hint(line, line.len()).as_deref(),
                *expected,
                "line {line:?}"
            );
        }
        assert_eq!(vocabulary().hint("?- mediates(", 2), None);
    }
}
