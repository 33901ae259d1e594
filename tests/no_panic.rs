//! Inputs that must never make the parser panic or overflow the stack.
//!
//! Each input that once panicked, and each shape of input known to break
//! hand-written parsers, goes here. The parser must return (every error with
//! a span inside the text, on character boundaries) and printing what it
//! kept must not panic either.

use proptest::prelude::*;
use wirelog::span::SourceId;
use wirelog::syntax::parse_program;
use wirelog::syntax::print::print_program;

fn parse_without_panic(input: &str) -> usize {
    let (program, errors) = parse_program(SourceId(0), input);
    for error in &errors {
        let span = error.span();
        assert!(span.start <= span.end, "inverted span for {error}");
        assert!(
            input.get(span.range()).is_some(),
            "span {span:?} outside the text or off a char boundary for {error}"
        );
        let diagnostic = error.to_diagnostic();
        assert_eq!(diagnostic.code.stage(), wirelog::diagnostic::Stage::Syntax);
        assert!(
            !diagnostic.message.contains('\n'),
            "multi-line message: {diagnostic:?}"
        );
    }
    let _ = print_program(&program);
    errors.len()
}

fn garbage(seed: u64, length: usize) -> Vec<u8> {
    // A small xorshift generator: deterministic garbage without a dependency.
    let mut state = seed.max(1);
    (0..length)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

#[test]
fn garbage_bytes() {
    for seed in 1..200 {
        let bytes = garbage(seed, 2000);
        parse_without_panic(&String::from_utf8_lossy(&bytes));
    }
    let all_bytes: Vec<u8> = (0..=255).collect();
    parse_without_panic(&String::from_utf8_lossy(&all_bytes));
}

#[test]
fn garbage_made_of_language_tokens() {
    const TOKENS: &[&str] = &[
        "p",
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
        "=",
        "!=",
        "<",
        "+",
        "-",
        "*",
        "mod ",
        "2025-02-30",
        "9",
        "len(",
        "%",
        "%%",
        "\n",
        " ",
        "#include",
        "<",
        ">",
        "\u{e9}",
        "\u{0}",
    ];
    for seed in 1..500 {
        let picks = garbage(seed, 300);
        let text: String = picks
            .iter()
            .map(|pick| TOKENS[*pick as usize % TOKENS.len()])
            .collect();
        parse_without_panic(&text);
    }
}

#[test]
fn truncated_inputs() {
    let program = "%% mediates(Mediator, Talks)\nmediates(qatar, istanbul_talks)\n    @ \"002\": \"mediated by Qatar and T\u{fc}rkiye\".\n\
        ended(T) :- talks(T, D), D < 2025-11-07 + 3, N = count : { p(T, _) }, contains(lower(T), \"x\\n\").\n\
        ?- mediates(M, T), not agreed(T), M != qatar.\n#include <news>.\n";
    for (index, _) in program.char_indices() {
        parse_without_panic(&program[..index]);
    }
}

#[test]
fn one_megabyte_lines() {
    parse_without_panic(&"a".repeat(1 << 20));
    parse_without_panic(&"p(a). ".repeat(1 << 17));
    parse_without_panic(&format!("p(\"{}", "x".repeat(1 << 20)));
    parse_without_panic(&format!("p(X) :- X = 1{}.", " + 1".repeat(1 << 18)));
    parse_without_panic(&format!("p({}).", "a, ".repeat(1 << 18)));
    parse_without_panic(&"%".repeat(1 << 20));
    parse_without_panic(&"9".repeat(1 << 20));
    parse_without_panic(&"(".repeat(1 << 20));
}

#[test]
fn deep_nesting() {
    assert_eq!(parse_without_panic(&"(".repeat(100_000)), 1);
    assert_eq!(
        parse_without_panic(&format!("p(X) :- X = {}1.", "(".repeat(100_000))),
        1
    );
    assert_eq!(
        parse_without_panic(&format!(
            "p(X) :- X = {}1{}.",
            "(".repeat(100_000),
            ")".repeat(100_000)
        )),
        1
    );
    assert_eq!(
        parse_without_panic(&format!("p(X) :- X = {}S.", "len(".repeat(100_000))),
        1
    );
    assert_eq!(
        parse_without_panic(&format!(
            "p(X) :- {}q(X).",
            "N = count : { ".repeat(100_000)
        )),
        1
    );
    parse_without_panic(&")".repeat(100_000));
    parse_without_panic(&"{".repeat(100_000));
    parse_without_panic(&"not ".repeat(100_000));
}

#[test]
fn small_nasty_inputs() {
    for input in [
        "",
        "\"",
        "\u{0}",
        ".",
        "..",
        "p",
        "p(",
        "p(\"",
        "p(\"\\",
        "p(a) :-",
        "?-",
        "?- .",
        "#include",
        "#include \"",
        "#include <",
        "@",
        "p @",
        "p @ \"a\"",
        "p @ \"a\":",
        "%%",
        "%",
        "-",
        "-.",
        "_",
        "2025-",
        "2025-02-30",
        "99999999999999999999",
        "X = count : {",
        "\u{feff}",
        "\r\n\r",
        "\t",
        "p(a)\u{0}.",
        "p(\u{7f}).",
        "\u{202e}p(a).",
        "p(a) :- q(a), \u{fffd}.",
    ] {
        parse_without_panic(input);
    }
}

proptest! {
    #[test]
    fn arbitrary_text(text in any::<String>()) {
        parse_without_panic(&text);
    }

    #[test]
    fn arbitrary_text_after_a_valid_prefix(text in "[ -~\n]{0,200}") {
        parse_without_panic(&format!("p(X) :- q(X, \"a\"), {text}"));
    }
}

#[test]
fn a_string_token_ending_in_an_escaped_newline_is_described_on_one_line() {
    // Found by the proptest above: `"\` then a line break made a two-line message.
    parse_without_panic(".\"\\\n");
}
