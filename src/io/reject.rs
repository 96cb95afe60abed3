//! Rows that could not be read, and the `rejects.csv` report.
//!
//! Nothing is dropped silently: a row that does not give a record or an event
//! gives a [`Reject`] naming its file, its line and why — never its values,
//! because the report is shared with people not cleared for customer data.

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, ErrorKind, Result};

/// One unreadable row.
///
/// `line` is the 1-based physical line where the row starts, counting the
/// header line and every line of a multi-line quoted cell, so it is the
/// number an editor shows. A UTF-8 byte order mark does not shift it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Reject {
    /// The file, as opened (the job file's folder joined with the source path).
    pub file: PathBuf,
    /// The 1-based physical line where the row starts.
    pub line: u64,
    /// Which column or field, and why (`column telephone: value longer than
    /// 1024 bytes`, `missing id`, `duplicate source id`). Never a value.
    pub reason: String,
}

impl fmt::Display for Reject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: line {}: {}",
            self.file.display(),
            self.line,
            self.reason
        )
    }
}

/// Writes rejects as CSV with the header `file,line,reason`.
///
/// ```
/// use omnicanal::io::{Reject, RejectWriter};
/// let mut out = Vec::new();
/// let mut writer = RejectWriter::new(&mut out)?;
/// writer.write(&Reject { file: "store.csv".into(), line: 7, reason: "missing id".into() })?;
/// writer.finish()?;
/// assert_eq!(String::from_utf8(out)?, "file,line,reason\nstore.csv,7,missing id\n");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct RejectWriter<W: Write> {
    writer: csv::Writer<W>,
    written: u64,
}

impl<W: Write> fmt::Debug for RejectWriter<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RejectWriter")
            .field("written", &self.written)
            .finish_non_exhaustive()
    }
}

impl RejectWriter<std::fs::File> {
    /// Creates (or truncates) the file and writes the header.
    pub fn create(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let file = std::fs::File::create(path).map_err(|e| Error::from(e).in_file(path))?;
        RejectWriter::new(file).map_err(|e| e.in_file(path))
    }
}

impl<W: Write> RejectWriter<W> {
    /// Writes the header to `writer`.
    pub fn new(writer: W) -> Result<Self> {
        let mut writer = csv::WriterBuilder::new().from_writer(writer);
        writer
            .write_record(["file", "line", "reason"])
            .map_err(csv_error)?;
        Ok(RejectWriter { writer, written: 0 })
    }

    /// Writes one reject.
    pub fn write(&mut self, reject: &Reject) -> Result<()> {
        let file = reject.file.to_string_lossy();
        let line = reject.line.to_string();
        self.writer
            .write_record([file.as_ref(), line.as_str(), reject.reason.as_str()])
            .map_err(csv_error)?;
        self.written += 1;
        Ok(())
    }

    /// How many rejects were written.
    pub fn written(&self) -> u64 {
        self.written
    }

    /// Flushes and returns the inner writer.
    pub fn finish(self) -> Result<W> {
        self.writer.into_inner().map_err(|e| {
            Error::new(ErrorKind::Io {
                reason: e.error().to_string(),
            })
        })
    }
}

/// Writes every reject of `rejects` to `path` as `file,line,reason`; returns
/// how many were written.
pub fn write_rejects<'a>(
    path: impl AsRef<Path>,
    rejects: impl IntoIterator<Item = &'a Reject>,
) -> Result<u64> {
    let path = path.as_ref();
    let mut writer = RejectWriter::create(path)?;
    for reject in rejects {
        writer.write(reject).map_err(|e| e.in_file(path))?;
    }
    let written = writer.written();
    writer.finish().map_err(|e| e.in_file(path))?;
    Ok(written)
}

fn csv_error(err: csv::Error) -> Error {
    Error::new(ErrorKind::Io {
        reason: err.to_string(),
    })
}
