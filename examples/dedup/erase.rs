//! `--erase FILE`: records to forget (right to be forgotten) after
//! resolving, listed as `channel,source_id`.
//!
//! The file is read, and its header checked, before the job starts, so a
//! missing file or column stops the job before any output. A row that does
//! not name a valid source key, a key listed twice and a key no record has
//! are not fatal: each goes to `rejects.csv` with the file and line, and the
//! summary counts them.

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use omnicanal::io::{Reject, RejectWriter};
use omnicanal::resolver::LiveResolver;
use omnicanal::{Channel, Error, ErrorKind, SourceKey};

/// The erase file, read.
#[derive(Debug)]
pub struct EraseList {
    /// The file, for rejects.
    pub file: PathBuf,
    /// Each valid key with the line it is on, in file order, without repeats.
    pub keys: Vec<(u64, SourceKey)>,
    /// Rows that name no valid key, or a key already listed.
    pub bad_rows: Vec<Reject>,
}

/// What the erasures did.
#[derive(Debug, Default)]
pub struct Erasure {
    /// The records erased.
    pub erased: HashSet<SourceKey>,
    /// Valid keys that named no record.
    pub unknown: u64,
    /// Rows rejected (bad or repeated).
    pub bad_rows: u64,
    /// `Change`s the erasures reported (detachments, splits, customers gone).
    pub changes: u64,
    /// Wall time of the erasures.
    pub took: Duration,
}

/// Reads `path`: a CSV file whose header has `channel` and `source_id`
/// (any case, any order, other columns ignored).
pub fn read_list(path: &Path) -> Result<EraseList, Error> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(path)
        .map_err(|e| csv_error(path, e))?;
    let header = reader.headers().map_err(|e| csv_error(path, e))?.clone();
    let column = |name: &str| {
        header
            .iter()
            .position(|h| {
                h.trim()
                    .trim_start_matches('\u{feff}')
                    .eq_ignore_ascii_case(name)
            })
            .ok_or_else(|| {
                Error::new(ErrorKind::Config {
                    reason: "the erase file's header needs channel and source_id".into(),
                })
                .in_file(path)
                .at_line(1)
                .in_column(name)
            })
    };
    let (channel_at, id_at) = (column("channel")?, column("source_id")?);
    let mut keys = Vec::new();
    let mut bad_rows = Vec::new();
    let mut first_line: HashMap<SourceKey, u64> = HashMap::new();
    let reject = |line: u64, reason: String| Reject {
        file: path.to_path_buf(),
        line,
        reason,
    };
    for row in reader.records() {
        let row = match row {
            Ok(row) => row,
            // Invalid UTF-8 in a row: that row only. Anything else (a read
            // failure) is the file's, and fatal.
            Err(err) => match (err.kind(), err.position()) {
                (csv::ErrorKind::Utf8 { .. }, Some(position)) => {
                    bad_rows.push(reject(position.line(), "not valid UTF-8".into()));
                    continue;
                }
                _ => return Err(csv_error(path, err)),
            },
        };
        let line = row.position().map_or(0, csv::Position::line);
        let (Some(channel), Some(id)) = (row.get(channel_at), row.get(id_at)) else {
            bad_rows.push(reject(line, "missing column channel or source_id".into()));
            continue;
        };
        let Ok(channel) = channel.parse::<Channel>() else {
            bad_rows.push(reject(line, "column channel: not a channel name".into()));
            continue;
        };
        let Ok(key) = SourceKey::new(channel, id) else {
            bad_rows.push(reject(line, "column source_id: empty or invalid id".into()));
            continue;
        };
        if let Some(first) = first_line.get(&key) {
            bad_rows.push(reject(
                line,
                format!("source key already listed on line {first}"),
            ));
            continue;
        }
        first_line.insert(key.clone(), line);
        keys.push((line, key));
    }
    Ok(EraseList {
        file: path.to_path_buf(),
        keys,
        bad_rows,
    })
}

/// Erases every listed record from `live`; bad rows and unknown keys go to
/// `rejects`.
pub fn apply<W: Write>(
    live: &mut LiveResolver,
    list: EraseList,
    rejects: &mut RejectWriter<W>,
) -> Result<Erasure, Error> {
    let started = Instant::now();
    let mut erasure = Erasure {
        bad_rows: list.bad_rows.len() as u64,
        ..Erasure::default()
    };
    for reject in &list.bad_rows {
        rejects.write(reject)?;
    }
    for (line, key) in list.keys {
        if live.record(&key).is_none() {
            erasure.unknown += 1;
            rejects.write(&Reject {
                file: list.file.clone(),
                line,
                reason: "no record with this source key to erase".into(),
            })?;
            continue;
        }
        erasure.changes += live.erase(&key)?.len() as u64;
        erasure.erased.insert(key);
    }
    erasure.took = started.elapsed();
    Ok(erasure)
}

/// A csv failure on the erase file, naming it (and the line when known).
fn csv_error(path: &Path, err: csv::Error) -> Error {
    let line = err.position().map(csv::Position::line);
    let mut error = match err.into_kind() {
        csv::ErrorKind::Io(io) => Error::from(io),
        // The other kinds can carry cell contents: not repeated.
        _ => Error::new(ErrorKind::Io {
            reason: "not readable as CSV".into(),
        }),
    }
    .in_file(path);
    if let Some(line) = line {
        error = error.at_line(line);
    }
    error
}
