//! Small text helpers every layer shares: "did you mean" suggestions,
//! whitespace collapsing, and compiling regular expressions (so that the
//! analysis and the evaluator accept exactly the same patterns).
//!
//! Owns the notion of "close": an edit distance of at most two, or the same
//! name once case and underscores are ignored. Every suggestion the crate
//! makes (predicates, functions, types, commands, REPL arguments) comes from
//! [`closest`], so they all agree. Imports nothing of the crate and knows
//! nothing of Datalog; callers pass the candidate names.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

/// Every run of whitespace (Unicode's, so non-breaking spaces too) becomes one
/// space, and the ends are trimmed: a clause or a quote on one line.
///
/// ```
/// use wirelog::text::collapse_whitespace;
/// assert_eq!(collapse_whitespace("  p(X) :-\n\t q(X).  "), "p(X) :- q(X).");
/// ```
pub fn collapse_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Levenshtein distance between two strings, counted in characters.
pub fn edit_distance(left: &str, right: &str) -> usize {
    let right_chars: Vec<char> = right.chars().collect();
    let mut previous: Vec<usize> = (0..=right_chars.len()).collect();
    let mut current = vec![0; right_chars.len() + 1];
    for (left_index, left_char) in left.chars().enumerate() {
        current[0] = left_index + 1;
        for (right_index, right_char) in right_chars.iter().enumerate() {
            let substitution = previous[right_index] + usize::from(left_char != *right_char);
            let deletion = previous[right_index + 1] + 1;
            let insertion = current[right_index] + 1;
            current[right_index + 1] = substitution.min(deletion).min(insertion);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[right_chars.len()]
}

/// The name folded for loose comparison: lowercase, without underscores.
pub fn fold(name: &str) -> String {
    name.chars()
        .filter(|character| *character != '_')
        .flat_map(char::to_lowercase)
        .collect()
}

/// The candidate closest to `name`, if one is close enough to suggest.
///
/// Close means equal once folded, or within edit distance two, as long as the
/// distance is smaller than the name itself (so `p` never suggests `q`). Ties
/// go to the earlier candidate, so the answer is deterministic.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let folded = fold(name);
    let length = name.chars().count();
    let mut best: Option<(usize, &'a str)> = None;
    for candidate in candidates {
        if candidate == name {
            continue;
        }
        let distance = if fold(candidate) == folded {
            0
        } else {
            let distance = edit_distance(name, candidate);
            if distance > 2 || distance >= length {
                continue;
            }
            distance
        };
        if best.is_none_or(|(best_distance, _)| distance < best_distance) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, candidate)| candidate)
}

/// Compiles a regular expression (the `regex` crate's syntax, at most a
/// megabyte compiled), or says on one line why it does not compile. The
/// analysis checks constant patterns with it; the evaluator compiles the rest.
///
/// Compiled patterns are kept for the whole process (a `Regex` clones
/// cheaply): the knowledge base's constraints use a case-insensitive
/// Unicode pattern whose compilation costs about a millisecond, and the
/// REPL checks and evaluates the session again after every input. At most
/// [`PATTERN_CACHE_SIZE`] patterns of at most [`PATTERN_CACHE_LENGTH`] bytes
/// are kept (a compiled pattern may take up to a megabyte, and the web
/// view's sessions share the process); a full cache starts again empty.
pub fn compile_pattern(pattern: &str) -> Result<regex::Regex, String> {
    type Cache = HashMap<String, Result<regex::Regex, String>>;
    static CACHE: OnceLock<Mutex<Cache>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    // A poisoned lock only means another thread panicked while holding it;
    // the map itself is still whole.
    let lock = |cache: &'static Mutex<Cache>| {
        cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    };
    if let Some(known) = lock(cache).get(pattern) {
        return known.clone();
    }
    let compiled = compile_uncached(pattern);
    if pattern.len() > PATTERN_CACHE_LENGTH {
        return compiled;
    }
    let mut cached = lock(cache);
    if cached.len() >= PATTERN_CACHE_SIZE {
        cached.clear();
    }
    cached.insert(pattern.to_string(), compiled.clone());
    compiled
}

/// How many compiled patterns [`compile_pattern`] keeps.
pub const PATTERN_CACHE_SIZE: usize = 32;

/// The longest pattern, in bytes, [`compile_pattern`] keeps.
pub const PATTERN_CACHE_LENGTH: usize = 256;

fn compile_uncached(pattern: &str) -> Result<regex::Regex, String> {
    regex::RegexBuilder::new(pattern)
        .size_limit(1 << 20)
        .build()
        .map_err(|error| match error {
            regex::Error::Syntax(text) => text
                .lines()
                .rev()
                .find(|line| line.starts_with("error:"))
                .map_or_else(
                    || text.clone(),
                    |line| line.trim_start_matches("error: ").to_string(),
                ),
            other => other.to_string(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_compile_once_and_say_the_same_the_second_time() {
        let first = compile_pattern("(?i)\\bwar\\b").expect("compiles");
        let again = compile_pattern("(?i)\\bwar\\b").expect("compiles from the cache");
        assert!(first.is_match("A WAR of words") && again.is_match("A WAR of words"));
        let broken = compile_pattern("(unclosed").err();
        assert!(broken.is_some());
        assert_eq!(compile_pattern("(unclosed").err(), broken);
        // Long patterns are compiled, not kept.
        let long = format!("^{}$", "a".repeat(PATTERN_CACHE_LENGTH));
        assert!(
            compile_pattern(&long).is_ok_and(|pattern| pattern.is_match(&long[1..long.len() - 1]))
        );
    }

    fn check(name: &str, candidates: &[&str], expected: Option<&str>) {
        assert_eq!(
            closest(name, candidates.iter().copied()),
            expected,
            "closest to {name} among {candidates:?}"
        );
    }

    #[test]
    fn suggests_close_names_only() {
        check("mediate", &["mediates", "blames"], Some("mediates"));
        check("medaites", &["mediates"], Some("mediates"));
        check("Mediates", &["mediates"], Some("mediates"));
        check("closedon", &["closed_on", "closed"], Some("closed_on"));
        check("p", &["q"], None);
        check("blames", &["mediates"], None);
        check("ab", &["ac", "ab"], Some("ac"));
        check("talks", &[], None);
    }

    #[test]
    fn distance_counts_characters() {
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("Türkiye", "Turkiye"), 1);
    }
}
