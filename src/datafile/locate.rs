//! Where a problem is, as `line:column`, found again from the raw bytes.
//!
//! Reading keeps no positions beyond each row's line (that would cost memory
//! per row); only when a row is bad are its bytes read again to find the
//! column of the cell, or the file read up to the offset of a broken quote.
//! Columns count characters (1-based); lines count `\n`.

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

/// The line and column of byte `offset` of the file.
pub(super) fn line_column_at(path: &Path, offset: u64) -> Option<(u64, u64)> {
    let mut file = std::fs::File::open(path).ok()?;
    let mut buffer = vec![0u8; 64 * 1024];
    let mut remaining = offset;
    let mut line = 1u64;
    // The bytes of the current line so far, to count its characters.
    let mut current_line: Vec<u8> = Vec::new();
    while remaining > 0 {
        let wanted = buffer
            .len()
            .min(usize::try_from(remaining).unwrap_or(usize::MAX));
        let read = file.read(&mut buffer[..wanted]).ok()?;
        if read == 0 {
            break;
        }
        for &byte in &buffer[..read] {
            if byte == b'\n' {
                line += 1;
                current_line.clear();
            } else {
                current_line.push(byte);
            }
        }
        remaining -= read as u64;
    }
    Some((line, characters(&current_line) + 1))
}

/// The bytes `start..end` of the file.
pub(super) fn read_range(path: &Path, start: u64, end: u64) -> Option<Vec<u8>> {
    let mut file = std::fs::File::open(path).ok()?;
    file.seek(SeekFrom::Start(start)).ok()?;
    let length = usize::try_from(end.checked_sub(start)?).ok()?;
    let mut bytes = vec![0u8; length];
    file.read_exact(&mut bytes).ok()?;
    Some(bytes)
}

/// Characters in `bytes`, counting each byte that is not valid UTF-8 as one.
fn characters(bytes: &[u8]) -> u64 {
    String::from_utf8_lossy(bytes).chars().count() as u64
}

/// The line (relative: 0 for the record's first) and column of field
/// `index` of a raw CSV or TSV record. Leading blank lines (which readers
/// skip) are not part of the record.
pub(super) fn field_position(raw: &[u8], delimiter: u8, quoting: bool, index: usize) -> (u64, u64) {
    let start = raw
        .iter()
        .position(|&byte| byte != b'\n' && byte != b'\r')
        .unwrap_or(raw.len());
    let record = &raw[start..];
    let mut field = 0;
    let mut position = 0;
    let mut in_quotes = false;
    while field < index && position < record.len() {
        let byte = record[position];
        if quoting && byte == b'"' {
            in_quotes = !in_quotes;
        } else if !in_quotes && (byte == b'\n' || byte == b'\r') {
            // A missing cell: where the row ends.
            break;
        } else if !in_quotes && byte == delimiter {
            field += 1;
        }
        position += 1;
    }
    position_in(record, position)
}

/// The line (relative) and column of element `index` of a JSON array on one line.
pub(super) fn json_element_position(line: &[u8], index: usize) -> u64 {
    let mut position = line
        .iter()
        .position(|&byte| byte == b'[')
        .map_or(0, |open| open + 1);
    let mut element = 0;
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    while position < line.len() {
        let byte = line[position];
        if in_string {
            if escaped {
                escaped = false;
            } else if byte == b'\\' {
                escaped = true;
            } else if byte == b'"' {
                in_string = false;
            }
        } else {
            match byte {
                b'"' => in_string = true,
                b'[' | b'{' => depth += 1,
                b']' | b'}' if depth > 0 => depth -= 1,
                b',' if depth == 0 => {
                    element += 1;
                    if element > index {
                        break;
                    }
                }
                _ => {}
            }
        }
        if element == index && !byte.is_ascii_whitespace() && byte != b',' {
            return characters(&line[..position]) + 1;
        }
        position += 1;
    }
    characters(&line[..position.min(line.len())]) + 1
}

/// The relative line and the column of byte `position` of `record`.
fn position_in(record: &[u8], position: usize) -> (u64, u64) {
    let before = &record[..position.min(record.len())];
    let line = before.iter().filter(|&&byte| byte == b'\n').count() as u64;
    let line_start = before
        .iter()
        .rposition(|&byte| byte == b'\n')
        .map_or(0, |newline| newline + 1);
    (line, characters(&before[line_start..]) + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_found_in_raw_records() {
        assert_eq!(field_position(b"a,b,c\n", b',', true, 0), (0, 1));
        assert_eq!(field_position(b"a,b,c\n", b',', true, 2), (0, 5));
        assert_eq!(
            field_position(b"\n\n\"x,y\",\"p\nq\",z\n", b',', true, 2),
            (1, 4)
        );
        assert_eq!(field_position("é,ü,c".as_bytes(), b',', true, 2), (0, 5));
        assert_eq!(field_position(b"a\t\"b\tc", b'\t', false, 2), (0, 6));
        assert_eq!(field_position(b"a,b\n", b',', true, 2), (0, 4));
    }

    #[test]
    fn json_elements_are_found_on_their_line() {
        let line = br#"  ["a,]", [1, 2], {"k": "]"}, 4 ]"#;
        assert_eq!(json_element_position(line, 0), 4);
        assert_eq!(json_element_position(line, 1), 11);
        assert_eq!(json_element_position(line, 2), 19);
        assert_eq!(json_element_position(line, 3), 31);
    }
}
