//! Quotes in article texts: normalisation, matching, the closest passage to a
//! quote that is not there, and where a quote sits in the text as written.
//!
//! Normalisation, applied to quote and article alike before matching:
//! every run of whitespace (including non-breaking and other Unicode spaces)
//! becomes one space and the ends are trimmed; typographic single quotes and
//! apostrophes (`‘ ’ ‚ ‛ ′`) become `'`, double quotes (`“ ” „ ‟ ″`) become
//! `"`, and the dashes `‐ ‑ ‒ – — ―` become `-`. Matching is otherwise exact
//! and case-sensitive: a quote is verbatim.

use std::ops::Range;

/// One character as matching sees it.
fn fold_character(character: char) -> char {
    match character {
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' => '\'',
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' => '"',
        '\u{2010}'..='\u{2015}' => '-',
        other => other,
    }
}

/// Whitespace runs to one space, ends trimmed, typographic quotes and dashes to ASCII.
pub fn normalise(text: &str) -> String {
    normalise_with_offsets(text).0
}

/// The normalised text, and for each of its bytes (plus one past the end)
/// the byte of `text` it comes from, so a match can be found in the text as
/// written.
pub(super) fn normalise_with_offsets(text: &str) -> (String, Vec<usize>) {
    let mut normalised = String::with_capacity(text.len());
    let mut offsets = Vec::with_capacity(text.len() + 1);
    let mut pending_space: Option<usize> = None;
    for (index, character) in text.char_indices() {
        if character.is_whitespace() {
            if !normalised.is_empty() && pending_space.is_none() {
                pending_space = Some(index);
            }
            continue;
        }
        if let Some(space) = pending_space.take() {
            normalised.push(' ');
            offsets.push(space);
        }
        let folded = fold_character(character);
        for _ in 0..folded.len_utf8() {
            offsets.push(index);
        }
        normalised.push(folded);
    }
    // One past the end: just after the last character kept.
    let end = text
        .char_indices()
        .rfind(|(_, character)| !character.is_whitespace())
        .map_or(0, |(index, character)| index + character.len_utf8());
    offsets.push(end);
    (normalised, offsets)
}

/// Every range of `text` (as written) that `quote` matches, normalised.
#[cfg(test)]
pub(super) fn find_all(text: &str, quote: &str) -> Vec<Range<usize>> {
    let (haystack, offsets) = normalise_with_offsets(text);
    find_located(text, &haystack, &offsets, quote)
}

/// [`find_all`] over a text already normalised with its offsets
/// ([`normalise_with_offsets`]), which an article keeps once computed.
/// Each range runs from the first to the last character of a match in the
/// text as written.
pub(super) fn find_located(
    text: &str,
    haystack: &str,
    offsets: &[usize],
    quote: &str,
) -> Vec<Range<usize>> {
    let needle = normalise(quote);
    if needle.is_empty() {
        return Vec::new();
    }
    let mut ranges = Vec::new();
    let mut from = 0;
    while let Some(found) = haystack[from..].find(&needle) {
        let start = from + found;
        let end = start + needle.len();
        // The last matched byte's character ends the range.
        if let (Some(&first), Some(&last)) = (offsets.get(start), offsets.get(end - 1)) {
            let last_len = text[last..].chars().next().map_or(1, char::len_utf8);
            ranges.push(first..last + last_len);
        }
        from = start + haystack[start..].chars().next().map_or(1, char::len_utf8);
    }
    ranges
}

/// The passage of `text` that shares the longest beginning or end with
/// `quote`, as long as the shared part is at least a third of the quote.
/// Found by binary search on the shared length, since every shorter prefix
/// (or suffix) of one found in the text is found too.
pub(super) fn closest_passage(text: &str, quote: &str) -> Option<String> {
    let boundaries: Vec<usize> = quote
        .char_indices()
        .map(|(index, _)| index)
        .chain(std::iter::once(quote.len()))
        .collect();
    let n_chars = boundaries.len() - 1;
    let prefix_len = longest_found(text, n_chars, |k| &quote[..boundaries[k]]);
    let suffix_len = longest_found(text, n_chars, |k| &quote[boundaries[n_chars - k]..]);
    if prefix_len.max(suffix_len) * 3 < n_chars || prefix_len.max(suffix_len) == 0 {
        return None;
    }
    // Take as many characters of the text as the quote has, starting (or
    // ending) at the match, then on to the word boundary.
    let passage: String = if prefix_len >= suffix_len {
        let start = text.find(&quote[..boundaries[prefix_len]])?;
        let mut characters = text[start..].chars();
        let mut passage: String = characters.by_ref().take(n_chars).collect();
        passage.extend(characters.take_while(|character| !character.is_whitespace()));
        passage
    } else {
        let part = &quote[boundaries[n_chars - suffix_len]..];
        let end = text.find(part)? + part.len();
        let mut characters = text[..end].chars().rev();
        let mut reversed: Vec<char> = characters.by_ref().take(n_chars).collect();
        reversed.extend(characters.take_while(|character| !character.is_whitespace()));
        reversed.into_iter().rev().collect()
    };
    Some(passage)
}

/// The largest `k <= n` such that `part(k)` occurs in `text`, assuming
/// that `part(k)` occurs whenever `part(k + 1)` does.
fn longest_found<'q>(text: &str, n: usize, part: impl Fn(usize) -> &'q str) -> usize {
    let (mut low, mut high) = (0, n);
    while low < high {
        let middle = (low + high).div_ceil(2);
        if text.contains(part(middle)) {
            low = middle;
        } else {
            high = middle - 1;
        }
    }
    low
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalise_folds_space_quotes_and_dashes() {
        assert_eq!(normalise("  a \n\t b  "), "a b");
        assert_eq!(normalise("‘x’ “y” a–b"), "'x' \"y\" a-b");
        assert_eq!(normalise(""), "");
    }

    #[test]
    fn offsets_point_back_into_the_text_as_written() {
        let text = "  Pakistan’s   minister\n said “no”. ";
        let (normalised, offsets) = normalise_with_offsets(text);
        assert_eq!(normalised, "Pakistan's minister said \"no\".");
        assert_eq!(offsets.len(), normalised.len() + 1);
        for (index, character) in normalised.char_indices() {
            let original = text[offsets[index]..].chars().next();
            assert_eq!(
                original
                    .map(fold_character)
                    .map(|c| if c.is_whitespace() { ' ' } else { c }),
                Some(character)
            );
        }
    }

    #[test]
    fn quotes_are_found_where_they_are_written() {
        let text = "He said “we will   talk”.\nThey said “we will talk” again.";
        let ranges = find_all(text, "said \"we will talk\"");
        let found: Vec<&str> = ranges.iter().map(|range| &text[range.clone()]).collect();
        assert_eq!(found, vec!["said “we will   talk”", "said “we will talk”"]);
        assert!(find_all(text, "   ").is_empty());
        assert!(find_all(text, "nothing like it").is_empty());
    }
}
