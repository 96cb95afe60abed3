//! The law of the readers: every data row ends as exactly one record or one
//! reject, in file order, rejects at the row's first physical line — on any
//! content, including quotes, delimiters, line breaks inside quoted cells and
//! bytes that are not UTF-8.
#![cfg(feature = "io")]

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use omnicanal::io::{Format, MAX_ROW_LINES, SourceReader, SourceSpec};
use omnicanal::{Channel, SourceKey};
use proptest::prelude::*;

static CASE: AtomicUsize = AtomicUsize::new(0);

/// A fresh folder per generated case, so shrinking never reads a stale file.
fn case_dir() -> PathBuf {
    let n = CASE.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("omnicanal-io-law-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Pieces that stress a CSV reader: the delimiter, the quote, both line
/// ends, accents, bytes that are not UTF-8 (a lone continuation, a
/// truncated sequence), spaces and control characters.
fn piece() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(b"Dupont".to_vec()),
        Just("Hélène".as_bytes().to_vec()),
        Just(b"X1".to_vec()),
        Just(b",".to_vec()),
        Just(b"\"".to_vec()),
        Just(b"\n".to_vec()),
        Just(b"\r\n".to_vec()),
        Just(b" ".to_vec()),
        Just(b"\xff".to_vec()),
        Just(b"\xc3".to_vec()),
        Just(b"\t\x01".to_vec()),
        Just(b";".to_vec()),
    ]
}

fn cell() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(piece(), 0..5).prop_map(|pieces| pieces.concat())
}

/// Ids drawn from a small set so that duplicates and blanks are common.
fn id_cell() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => prop_oneof![Just(b"C1".to_vec()), Just(b"C2".to_vec()), Just(b"C3".to_vec()), Just(b" C1 ".to_vec())],
        1 => Just(Vec::new()),
        2 => cell(),
    ]
}

#[derive(Debug, Clone)]
struct GenRow {
    cells: Vec<Vec<u8>>,
    crlf: bool,
}

fn row() -> impl Strategy<Value = GenRow> {
    (
        id_cell(),
        prop::collection::vec(cell(), 1..4),
        any::<bool>(),
        0u8..10,
    )
        .prop_map(|(id, rest, crlf, shape)| {
            let mut cells = vec![id];
            // Mostly the right width (3); sometimes short or long.
            let width = match shape {
                0 => 2,
                1 => 4,
                _ => 3,
            };
            cells.extend(rest.into_iter().cycle().take(width - 1));
            GenRow { cells, crlf }
        })
}

/// Every cell quoted, quotes doubled: a well-formed CSV of arbitrary content.
fn write_csv(rows: &[GenRow]) -> (Vec<u8>, Vec<u64>) {
    let mut out = b"id,a,b\n".to_vec();
    let mut starts = Vec::new();
    for row in rows {
        starts.push(out.iter().filter(|b| **b == b'\n').count() as u64 + 1);
        let quoted: Vec<Vec<u8>> = row
            .cells
            .iter()
            .map(|cell| {
                let mut q = vec![b'"'];
                for b in cell {
                    if *b == b'"' {
                        q.push(b'"');
                    }
                    q.push(*b);
                }
                q.push(b'"');
                q
            })
            .collect();
        out.extend(quoted.join(&b','));
        out.extend_from_slice(if row.crlf { b"\r\n" } else { b"\n" });
    }
    (out, starts)
}

/// What the reader must make of each row, computed from the generated cells
/// rather than from the file.
fn oracle(rows: &[GenRow]) -> Vec<Option<String>> {
    let mut seen = HashSet::new();
    rows.iter()
        .map(|row| {
            // A line break ending the last cell is not counted (see MAX_ROW_LINES).
            let joined = row.cells.concat();
            let joined = joined.strip_suffix(b"\n").unwrap_or(&joined);
            let lines = 1 + joined.iter().filter(|b| **b == b'\n').count() as u64;
            if lines > MAX_ROW_LINES || row.cells.len() != 3 {
                return None;
            }
            let text: Vec<&str> = row
                .cells
                .iter()
                .map(|c| std::str::from_utf8(c).ok())
                .collect::<Option<_>>()?;
            let key = SourceKey::new(Channel::Web, text[0]).ok()?;
            seen.insert(key.id.clone()).then(|| key.id.into())
        })
        .collect()
}

fn spec() -> SourceSpec {
    let mut spec = SourceSpec::new("law.csv", Channel::Web, "id");
    spec.map.insert("given_name".parse().unwrap(), "a".into());
    spec.map.insert("family_name".parse().unwrap(), "b".into());
    spec
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn every_csv_row_is_one_record_or_one_reject(rows in prop::collection::vec(row(), 0..25)) {
        let dir = case_dir();
        let (bytes, starts) = write_csv(&rows);
        std::fs::write(dir.join("law.csv"), &bytes).unwrap();
        let outcomes: Vec<_> = SourceReader::open(&spec(), &dir).unwrap().collect();
        let expected = oracle(&rows);
        prop_assert_eq!(outcomes.len(), rows.len());
        for (i, (outcome, expected)) in outcomes.iter().zip(&expected).enumerate() {
            match (outcome, expected) {
                (Ok(record), Some(id)) => {
                    prop_assert_eq!(&record.key.id, id);
                    let given = std::str::from_utf8(&rows[i].cells[1]).unwrap().trim();
                    prop_assert_eq!(record.given_names.first().map(String::as_str), (!given.is_empty()).then_some(given));
                }
                (Err(reject), None) => {
                    prop_assert_eq!(reject.line, starts[i], "row {}: {}", i, reject);
                    prop_assert!(!reject.reason.is_empty());
                }
                (outcome, expected) => {
                    prop_assert!(false, "row {}: got {:?}, expected {:?}", i, outcome, expected);
                }
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn every_non_blank_jsonl_line_is_one_record_or_one_reject(
        lines in prop::collection::vec(
            prop_oneof![
                // A well-formed object with a random id and name.
                (id_cell(), cell()).prop_map(|(id, name)| {
                    let id = String::from_utf8_lossy(&id).into_owned();
                    let name = String::from_utf8_lossy(&name).into_owned();
                    serde_json::json!({"id": id, "name": {"given": name}}).to_string().into_bytes()
                }),
                // Anything without a line break: garbage, arrays, blanks.
                cell().prop_map(|c| c.into_iter().filter(|b| *b != b'\n').collect::<Vec<u8>>()),
                Just(b"   ".to_vec()),
            ],
            0..25,
        )
    ) {
        let dir = case_dir();
        let mut bytes = Vec::new();
        for line in &lines {
            bytes.extend_from_slice(line);
            bytes.push(b'\n');
        }
        std::fs::write(dir.join("law.jsonl"), &bytes).unwrap();
        let mut spec = SourceSpec::new("law.jsonl", Channel::App, "id");
        spec.format = Format::Jsonl;
        spec.map.insert("given_name".parse().unwrap(), "name.given".into());
        let outcomes: Vec<_> = SourceReader::open(&spec, &dir).unwrap().collect();
        // A line holding only whitespace (after a lone `\r` is dropped) is not a row.
        let rows: Vec<u64> = lines
            .iter()
            .enumerate()
            .filter(|(_, l)| {
                let l = l.strip_suffix(b"\r").unwrap_or(l);
                !std::str::from_utf8(l).is_ok_and(|s| s.trim().is_empty())
            })
            .map(|(i, _)| i as u64 + 1)
            .collect();
        prop_assert_eq!(outcomes.len(), rows.len());
        for (outcome, line) in outcomes.iter().zip(&rows) {
            if let Err(reject) = outcome {
                prop_assert_eq!(reject.line, *line);
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
