//! The text of `:help` and `:help COMMAND`.

use super::command::{COMMANDS, CommandError, resolve_command};

/// The text of `:help`, or of `:help COMMAND`.
pub fn help(topic: Option<&str>) -> Result<String, CommandError> {
    if let Some(topic) = topic {
        let info = resolve_command(topic)?;
        let head = format!(":{} {}", info.name, info.usage);
        let mut text = format!("{}\n    {}\n", head.trim_end(), info.summary);
        if let Some(forced) = forced_form(info.name) {
            text.push_str(&format!("    {forced}\n"));
        }
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
Keys: Tab completes predicates, constants, variables and commands (file
names after :load and :save); Up and Down recall earlier inputs, kept across
sessions; Ctrl-C abandons the input being typed or stops a running evaluation
(the session stays as it was); Ctrl-D leaves (first it warns, once, about an
unfinished clause or changes not saved).
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
        "reload" => ":reload",
        "retract" => ":retract mediates(turkey, istanbul_talks).",
        "undo" => ":undo",
        "format" => ":format csv",
        "trace" => ":trace (after `:load examples/03_recursion.dl`)",
        "exercise" => ":exercise 3.1",
        "check" => ":check 3.1 ?- within(P, pakistan).",
        _ => return None,
    })
}

/// What the `!` form of a command does, for `:help COMMAND`.
fn forced_form(name: &str) -> Option<&'static str> {
    Some(match name {
        "undo" => {
            "never takes back what was loaded at start-up; `:undo!` does (`:load <news>` or `#include <news>.` brings the news back)"
        }
        "save" => {
            "replaces only a file `:save` wrote; `:save! FILE` (or `:save FILE --force`) replaces another"
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
