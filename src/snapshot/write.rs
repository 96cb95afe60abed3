//! Writing a snapshot file atomically: a temporary file in the target's
//! folder, the payload streamed through a checksumming writer, the real
//! header written last, `sync_all`, then a rename over the target.
//!
//! Why each step:
//! - *Same folder*: a rename is atomic only within one file system, and the
//!   target's folder is the one place sure to be on the target's.
//! - *Placeholder header first, real header last*: a temporary file cut short
//!   by a crash has no magic bytes, so even if someone renamed it by hand it
//!   would be refused, never half-read.
//! - *`sync_all` before the rename*: otherwise the rename can reach the disk
//!   before the data, and a power cut leaves an empty or partial file under
//!   the target's name, with the old snapshot already gone.
//! - *Sync the folder after the rename* (Unix): makes the rename itself
//!   durable. Best effort: some file systems refuse to sync a folder, and by
//!   then the new snapshot is complete and in place.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;

use super::header::{self, HEADER_BYTES};
use super::{PayloadKind, SnapshotInfo, snapshot_error};
use crate::error::{Error, Result};

/// Buffer between postcard (which writes a few bytes at a time) and the
/// checksum and the file (which want large blocks: crc32fast's SIMD path and
/// the system call cost both reward them). 1 MiB is past the point of
/// diminishing returns and small next to any payload worth a snapshot.
const WRITE_BUFFER_BYTES: usize = 1 << 20;

/// How many temporary names are tried before giving up; a clash needs the
/// same process id, counter and clock reading, so more than one is rare.
const TEMP_NAME_ATTEMPTS: u32 = 16;

/// Serializes `payload` into a complete snapshot at `path`, replacing any
/// file there only once the new one is complete and on disk.
pub(super) fn save_atomically<T: Serialize + ?Sized>(
    path: &Path,
    kind: PayloadKind,
    payload: &T,
) -> Result<SnapshotInfo> {
    header::check_kind(kind)?;
    let file_name = path
        .file_name()
        .ok_or_else(|| snapshot_error("the snapshot path does not name a file"))?;
    let folder = target_folder(path);
    let mut temp = TempFile::create(folder, file_name)?;
    let (payload_bytes, payload_crc) = write_body(temp.file()?, payload)?;
    let file = temp.file()?;
    file.seek(SeekFrom::Start(0))?;
    file.write_all(&header::encode(kind, payload_bytes, payload_crc))?;
    file.sync_all()?;
    temp.rename_to(path)?;
    sync_folder(folder);
    Ok(SnapshotInfo::new(kind, payload_bytes, payload_crc))
}

/// The folder the temporary file goes in: the target's own.
pub(super) fn target_folder(path: &Path) -> &Path {
    match path.parent() {
        // A bare file name has an empty parent: the current folder.
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Writes the placeholder header and the payload; returns the payload's
/// length and CRC-32, computed on the way to the disk (no second pass and no
/// in-memory copy of the payload).
fn write_body<T: Serialize + ?Sized>(file: &mut File, payload: &T) -> Result<(u64, u32)> {
    file.write_all(&[0u8; HEADER_BYTES])?;
    let mut out = BufWriter::with_capacity(WRITE_BUFFER_BYTES, ChecksumWriter::new(&*file));
    if let Err(err) = postcard::to_io(payload, &mut out) {
        // postcard reports every write failure as "buffer full"; the real
        // cause (disk full, quota) was kept by the checksum writer.
        return Err(match out.get_mut().error.take() {
            Some(io_err) => Error::from(io_err),
            None => snapshot_error(format!("the payload could not be serialized: {err}")),
        });
    }
    out.flush()?;
    let sink = out.into_inner().map_err(|e| Error::from(e.into_error()))?;
    Ok(sink.finish())
}

/// A writer that counts and checksums what its inner writer accepted.
pub(super) struct ChecksumWriter<W> {
    inner: W,
    hasher: crc32fast::Hasher,
    bytes: u64,
    /// The first write error, kept because postcard replaces it with its own.
    error: Option<io::Error>,
}

impl<W: Write> ChecksumWriter<W> {
    pub(super) fn new(inner: W) -> Self {
        ChecksumWriter {
            inner,
            hasher: crc32fast::Hasher::new(),
            bytes: 0,
            error: None,
        }
    }

    /// How many bytes went through, and their CRC-32.
    pub(super) fn finish(self) -> (u64, u32) {
        (self.bytes, self.hasher.finalize())
    }
}

impl<W: Write> Write for ChecksumWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self.inner.write(buf) {
            Ok(n) => {
                // Only what was accepted: a short write is retried by the caller.
                let accepted = buf.get(..n).unwrap_or(buf);
                self.hasher.update(accepted);
                self.bytes += accepted.len() as u64;
                Ok(n)
            }
            Err(err) => {
                if err.kind() != io::ErrorKind::Interrupted && self.error.is_none() {
                    self.error = Some(io::Error::new(err.kind(), err.to_string()));
                }
                Err(err)
            }
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// A temporary file next to the target, removed on drop unless renamed.
struct TempFile {
    path: PathBuf,
    // `None` once closed for the rename; closed before removal too, since
    // Windows cannot remove an open file.
    file: Option<File>,
}

impl TempFile {
    /// Creates `.<target name>.<pid>-<counter>-<nanos>.tmp` in `folder`,
    /// never opening an existing file (`create_new`).
    fn create(folder: &Path, target_name: &std::ffi::OsStr) -> Result<TempFile> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let mut last_err = None;
        for _ in 0..TEMP_NAME_ATTEMPTS {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.subsec_nanos())
                .unwrap_or(0);
            let mut name = std::ffi::OsString::from(".");
            name.push(target_name);
            name.push(format!(
                ".{}-{}-{nanos}.tmp",
                std::process::id(),
                COUNTER.fetch_add(1, Ordering::Relaxed)
            ));
            let path = folder.join(name);
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(file) => {
                    return Ok(TempFile {
                        path,
                        file: Some(file),
                    });
                }
                Err(err) if err.kind() == io::ErrorKind::AlreadyExists => last_err = Some(err),
                Err(err) => return Err(err.into()),
            }
        }
        Err(last_err
            .map(Error::from)
            .unwrap_or_else(|| snapshot_error("could not create a temporary file")))
    }

    fn file(&mut self) -> Result<&mut File> {
        self.file
            .as_mut()
            .ok_or_else(|| snapshot_error("temporary file already closed"))
    }

    /// Closes the file and renames it over `target`; after success there
    /// is nothing left to clean up.
    fn rename_to(mut self, target: &Path) -> Result<()> {
        drop(self.file.take());
        fs::rename(&self.path, target)?;
        // Renamed: the temporary name no longer exists, so skip the removal.
        self.path = PathBuf::new();
        Ok(())
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        drop(self.file.take());
        if !self.path.as_os_str().is_empty() {
            // Best effort: the error being reported is the one that got us here.
            let _ = fs::remove_file(&self.path);
        }
    }
}

#[cfg(unix)]
fn sync_folder(folder: &Path) {
    // Best effort, see the module docs.
    if let Ok(dir) = File::open(folder) {
        let _ = dir.sync_all();
    }
}

#[cfg(not(unix))]
fn sync_folder(_folder: &Path) {
    // Windows has no portable way to sync a folder; NTFS journals the rename.
}
