//! Reading data files: each case is a file's bytes, the columns, and either
//! the facts it gives (with each row's line) or the error, `line:column: message`.

use super::*;
use crate::table::{ColumnType, RowLocation, Share};

use ColumnType::{Date as D, Int as I, String as S, Symbol as Y};

/// Reads `bytes` as a file named `name` with `columns`; the facts with their
/// lines, or the error as `line:column: message`.
fn read(
    name: &str,
    bytes: &[u8],
    columns: &[ColumnType],
    header: bool,
) -> Result<Vec<String>, String> {
    read_share(name, bytes, columns, header, None)
}

/// [`read`], keeping only the rows of `share`.
fn read_share(
    name: &str,
    bytes: &[u8],
    columns: &[ColumnType],
    header: bool,
    share: Option<Share>,
) -> Result<Vec<String>, String> {
    let folder = tempfile::tempdir().expect("temp folder");
    let path = folder.path().join(name);
    std::fs::write(&path, bytes).expect("write data file");
    let spec = ImportSpec {
        path: &path,
        shown_name: name,
        predicate: "p",
        columns,
        header,
        share,
    };
    match import_file(&spec) {
        Ok(table) => Ok((0..table.n_rows())
            .map(|row| {
                let line = match table.location(row) {
                    Some(RowLocation::Line { line, .. }) => line,
                    _ => 0,
                };
                format!("{line}: {}", table.fact_text(row))
            })
            .collect()),
        Err(error) => Err(format!(
            "{}:{}: {}",
            error.line.map_or("-".into(), |line| line.to_string()),
            error.column.map_or("-".into(), |column| column.to_string()),
            error.message
        )),
    }
}

fn ok(name: &str, bytes: &str, columns: &[ColumnType], expected: &[&str]) {
    assert_eq!(
        read(name, bytes.as_bytes(), columns, false),
        Ok(expected.iter().map(|row| row.to_string()).collect()),
        "{name}: {bytes:?}"
    );
}

fn err(name: &str, bytes: &[u8], columns: &[ColumnType], expected: &str) {
    let found = read(name, bytes, columns, false);
    assert!(
        matches!(&found, Err(message) if message.starts_with(expected)),
        "{name}: {:?}\nexpected {expected:?}\nfound {found:?}",
        String::from_utf8_lossy(bytes)
    );
}

#[test]
fn csv_cells_follow_rfc_4180() {
    ok(
        "a.csv",
        "qatar,\"Doha, Qatar\",3,2025-10-19\n\"turkey\",\"say \"\"hi\"\"\",-4,2025-10-25\r\n",
        &[Y, S, I, D],
        &[
            "1: p(qatar, \"Doha, Qatar\", 3, 2025-10-19).",
            "2: p(turkey, \"say \\\"hi\\\"\", -4, 2025-10-25).",
        ],
    );
}

/// A quoted cell may hold line breaks; blank lines are skipped; the last
/// row needs no final newline; UTF-8 is kept; a byte-order mark is not a cell.
#[test]
fn csv_rows_know_their_lines() {
    let found = read(
        "b.csv",
        "\u{feff}\"two\nlines\",1\n\n\nTürkiye,2\nend,9".as_bytes(),
        &[S, I],
        false,
    );
    assert_eq!(
        found,
        Ok(vec![
            "1: p(\"two\\nlines\", 1).".to_string(),
            "5: p(\"Türkiye\", 2).".to_string(),
            "6: p(\"end\", 9).".to_string(),
        ])
    );
    assert_eq!(
        read("h.csv", b"who,n\nqatar,1\n", &[Y, I], true),
        Ok(vec!["2: p(qatar, 1).".to_string()])
    );
}

#[test]
fn bad_csv_rows_are_located() {
    err(
        "c.csv",
        b"a,1\nb,2,3\n",
        &[Y, I],
        "2:5: expected 2 cells, found 3; a cell holding a comma must be quoted",
    );
    err(
        "c.csv",
        b"a,1\nb\n",
        &[Y, I],
        "2:2: expected 2 cells, found 1",
    );
    err(
        "c.csv",
        b"a\t1\n",
        &[Y, I],
        "1:4: expected 2 cells, found 1; CSV cells are separated by commas",
    );
    err(
        "c.csv",
        b"a,1\nb,x\n",
        &[Y, I],
        "2:3: cell 2: expected an int, found `x`",
    );
    err(
        "c.csv",
        b"a,1\n\"multi\nline\",oops\n",
        &[S, I],
        "3:7: cell 2: expected an int, found `oops`",
    );
    err(
        "c.csv",
        b"Qatar,1\n",
        &[Y, I],
        "1:1: cell 1: expected a symbol",
    );
    err(
        "c.csv",
        b"a,2025-13-01\n",
        &[Y, D],
        "1:3: cell 2: expected a date written YYYY-MM-DD",
    );
    err(
        "c.csv",
        b"a,\"b\"c\n",
        &[Y, S],
        "1:6: broken quoting: text after the quote that closes a cell",
    );
    err(
        "c.csv",
        b"a,b\"c\n",
        &[Y, S],
        "1:4: broken quoting: a `\"` inside a cell",
    );
    err(
        "c.csv",
        b"a,b\n\"c,d\n",
        &[Y, S],
        "2:1: broken quoting: this quote is never closed",
    );
    err(
        "c.csv",
        b"a,caf\xe9\n",
        &[Y, S],
        "1:3: cell 2: the cell is not UTF-8 text",
    );
    // The first problem in file order wins, whatever its kind.
    err(
        "c.csv",
        b"a,1\nb,\"x\"y\nc,z\n",
        &[Y, S],
        "2:6: broken quoting",
    );
    err(
        "c.csv",
        b"a,z\nb,\"x\"y\n",
        &[Y, I],
        "1:3: cell 2: expected an int",
    );
}

#[test]
fn tsv_is_plain_tab_separated() {
    ok(
        "t.tsv",
        "qatar\t\"quoted\" stays\t3\nturkey\ta, b\t-1\n",
        &[Y, S, I],
        &[
            "1: p(qatar, \"\\\"quoted\\\" stays\", 3).",
            "2: p(turkey, \"a, b\", -1).",
        ],
    );
    err(
        "t.tsv",
        b"qatar,3\n",
        &[Y, I],
        "1:8: expected 2 cells, found 1; TSV cells are separated by tabs",
    );
}

#[test]
fn json_lines_are_arrays_of_cells() {
    ok(
        "j.jsonl",
        "[\"qatar\", \"Doha, \\\"Qatar\\\"\\n\", -3, \"2025-10-19\"]\n\n  [\"turkey\",\"é\",4,\"2025-10-25\"]  \r\n",
        &[Y, S, I, D],
        &[
            "1: p(qatar, \"Doha, \\\"Qatar\\\"\\n\", -3, 2025-10-19).",
            "3: p(turkey, \"é\", 4, 2025-10-25).",
        ],
    );
    err(
        "j.jsonl",
        b"[\"a\", 1]\n[\"b\", \"2\"]\n",
        &[Y, I],
        "2:7: cell 2: expected an int, found the string `2`",
    );
    err(
        "j.jsonl",
        b"[\"a\", 1.5]\n",
        &[Y, I],
        "1:7: cell 2: expected an int (a JSON integer), found a number with a fraction",
    );
    err(
        "j.jsonl",
        b"[\"a\", 1, 2]\n",
        &[Y, I],
        "1:10: expected 2 cells, found 3",
    );
    err(
        "j.jsonl",
        b"{\"a\": 1}\n",
        &[Y, I],
        "1:1: expected one JSON array per line",
    );
    err("j.jsonl", b"[\"a\", 1\n", &[Y, I], "1:");
    err("j.jsonl", b"[\"a\", 1] x\n", &[Y, I], "1:");
    err("j.jsonl", b"[\"a\xff\", 1]\n", &[S, I], "1:");
    err(
        "j.jsonl",
        b"[3, 1]\n",
        &[S, I],
        "1:2: cell 1: expected a string (a JSON string), found the number 3",
    );
}

#[test]
fn the_file_itself_may_be_wrong() {
    err(
        "data.txt",
        b"a,1\n",
        &[Y, I],
        "-:-: cannot tell the format of `data.txt`",
    );
    let spec = ImportSpec {
        path: std::path::Path::new("/nonexistent/wirelog/x.csv"),
        shown_name: "x.csv",
        predicate: "p",
        columns: &[I],
        header: false,
        share: None,
    };
    let error = import_file(&spec).expect_err("missing file");
    assert_eq!(error.problem, ImportProblem::Unreadable);
    assert_eq!(error.message, "cannot read `x.csv`: no such file");
}

/// Every share of a file, for `count` processes: rows `index` modulo `count`.
fn shares(count: usize) -> impl Iterator<Item = Share> {
    (0..count).map(move |index| Share { index, count })
}

#[test]
fn shares_are_disjoint_and_together_the_file() {
    let cases: [(&str, &str, &[ColumnType], bool); 3] = [
        (
            "p.csv",
            "name,n\r\nqatar,1\r\n\r\n\"Doha\nWest\",2\nqatar,1\negypt,3\n\"a,b\",4\n",
            &[S, I],
            true,
        ),
        (
            "p.tsv",
            "x\t2024-01-01\ny\t2024-01-02\n\nz\t2024-01-03\n",
            &[Y, D],
            false,
        ),
        (
            "p.jsonl",
            "[\"qatar\", 1]\n\n[\"egypt\", 2]\n[\"qatar\", 1]\n[\"oman\", 3]\n[\"iran\", 4]\n",
            &[Y, I],
            false,
        ),
    ];
    for (name, text, columns, header) in cases {
        let whole = read(name, text.as_bytes(), columns, header).expect("reads");
        for count in 1..=4 {
            let mut union = Vec::new();
            for share in shares(count) {
                let part = read_share(name, text.as_bytes(), columns, header, Some(share))
                    .expect("a share reads");
                // Row `r` of the file is in share `r % count`, with its own line.
                let expected: Vec<String> = whole
                    .iter()
                    .enumerate()
                    .filter(|(row, _)| share.holds(*row))
                    .map(|(_, row)| row.clone())
                    .collect();
                assert_eq!(part, expected, "{name}, {share:?}");
                union.extend(part);
            }
            union.sort();
            let mut all = whole.clone();
            all.sort();
            // Disjoint (no row twice) and covering (every row): the same multiset.
            assert_eq!(union, all, "{name}, {count} shares");
        }
    }
}

#[test]
fn every_share_rejects_a_bad_row_alike() {
    // The bad row (line 3) is row 2 from 0: share 0 of 2 keeps it, share 1 does not.
    let bytes = b"a,1\nb,2\nc,x\nd,4\n";
    let whole = read("p.csv", bytes, &[Y, I], false).expect_err("a bad cell");
    assert!(whole.starts_with("3:3: cell 2: expected an int"), "{whole}");
    for share in shares(2).chain(shares(3)) {
        let found = read_share("p.csv", bytes, &[Y, I], false, Some(share));
        assert_eq!(found, Err(whole.clone()), "{share:?}");
    }
    let bytes = b"[\"a\", 1]\n[\"b\", 2, 3]\n";
    let whole = read("p.jsonl", bytes, &[Y, I], false).expect_err("a long row");
    for share in shares(2) {
        let found = read_share("p.jsonl", bytes, &[Y, I], false, Some(share));
        assert_eq!(found, Err(whole.clone()), "{share:?}");
    }
}

#[test]
fn a_share_holds_its_part_of_the_rows_and_of_the_memory() {
    let folder = tempfile::tempdir().expect("temp folder");
    let path = folder.path().join("events.csv");
    let mut text = String::new();
    for row in 0..10_000 {
        text.push_str(&format!("actor_{row},\"said {row}\",{row},2024-01-01\n"));
    }
    std::fs::write(&path, text).expect("write data file");
    let import = |share| {
        import_file(&ImportSpec {
            path: &path,
            shown_name: "events.csv",
            predicate: "event",
            columns: &[Y, S, I, D],
            header: false,
            share,
        })
        .expect("reads")
    };
    let whole = import(None);
    assert_eq!(whole.n_rows(), 10_000);
    for share in shares(2) {
        let part = import(Some(share));
        assert_eq!(part.n_rows(), 5_000, "{share:?}");
        assert_eq!(part.n_file_rows(), 10_000);
        assert_eq!(part.share(), Some(share));
        assert_eq!(part.n_texts(), 10_000, "only its own rows' texts");
        // Cells, lines and texts: about half of the whole table's.
        let ratio = part.heap_size() as f64 / whole.heap_size() as f64;
        assert!((0.4..0.6).contains(&ratio), "{share:?}: {ratio}");
        for column in 0..4 {
            assert_eq!(part.column_kinds(column), whole.column_kinds(column));
        }
    }
}
