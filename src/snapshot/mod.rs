//! Snapshots: any serde value saved to disk and loaded back, in a versioned,
//! checksummed container written atomically.
//!
//! The container knows nothing of what it holds: the live resolver, a model,
//! a graph. It adds a fixed 64-byte header that says what the payload is
//! ([`PayloadKind`]: a name and that payload's own version), how long it is,
//! and its CRC-32; the payload itself is [postcard], a compact binary serde
//! format whose wire format is frozen since postcard 1.0.
//!
//! | function | what |
//! | --- | --- |
//! | [`save`] | serialize into a temporary file, then rename it over the target |
//! | [`load`] | check everything, then deserialize |
//! | [`encode`] / [`decode`] | the same container in memory |
//! | [`inspect`] | the header only, for tooling (no payload read) |
//! | [`verify`] | the header and the payload checksum, without deserializing |
//!
//! ```
//! use omnicanal::snapshot::{self, PayloadKind};
//! use std::collections::BTreeMap;
//!
//! const CARD_INDEX: PayloadKind = PayloadKind::new("card-index", 1);
//!
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("cards.snap");
//! let cards = BTreeMap::from([("2900012345678".to_string(), 17_u64)]);
//!
//! let info = snapshot::save(&path, CARD_INDEX, &cards)?;
//! assert_eq!(info.payload_name, "card-index");
//! let back: BTreeMap<String, u64> = snapshot::load(&path, CARD_INDEX)?;
//! assert_eq!(back, cards);
//!
//! // Another kind, or another version of the same kind, is refused.
//! let err = snapshot::load::<BTreeMap<String, u64>>(&path, PayloadKind::new("card-index", 2))
//!     .unwrap_err();
//! assert!(err.to_string().contains("holds card-index v1, expected card-index v2"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## The file layout
//!
//! All integers little-endian. The payload follows the header directly.
//!
//! | offset | bytes | field |
//! | ---: | ---: | --- |
//! | 0 | 8 | magic `OMNISNAP` (ASCII) |
//! | 8 | 4 | container format version, `u32`, currently 1 |
//! | 12 | 32 | payload kind name, UTF-8, zero-padded, 1 to 32 bytes, no NUL |
//! | 44 | 4 | payload version, `u32` |
//! | 48 | 8 | payload length in bytes, `u64` |
//! | 56 | 4 | CRC-32 (IEEE, as zlib and gzip) of the payload, `u32` |
//! | 60 | 4 | CRC-32 of header bytes 0 to 59, `u32` |
//! | 64 | *length* | the payload, postcard-encoded |
//!
//! The container format version changes only with this layout; a change in
//! a payload's structure bumps that payload's version, which [`load`]
//! compares with the version it expects.
//!
//! ## What loading guarantees
//!
//! A file that is not a snapshot, of another kind or version, truncated,
//! extended, or with any byte changed gives an [`ErrorKind::Snapshot`] error
//! naming the file: never a panic, never a wrong value. Every byte is covered
//! by a check — the magic, the header CRC, the length against the file size,
//! the payload CRC — and all of them run *before* deserialization. A CRC-32
//! catches every error burst up to 32 bits long, so every single-byte change
//! is caught, not just most. The length is compared with the file's size
//! before any payload buffer is allocated, so a forged length cannot make
//! [`load`] allocate more than the file holds. Messages name the file and
//! the container fields, never payload contents.
//!
//! ## What saving guarantees
//!
//! [`save`] writes a temporary file `.<name>.<pid>-<n>-<nanos>.tmp` in the
//! target's folder, streams the payload into it through a checksumming
//! buffer (no in-memory copy of the payload), writes the real header last,
//! syncs the file, renames it over the target and syncs the folder (Unix).
//! A crash or an error at any point leaves the previous snapshot whole; on
//! error the temporary file is removed (after a crash it may remain, under
//! that recognisable name).
//!
//! ## What a payload type may use
//!
//! postcard is not self-describing, so a payload type must not rely on
//! serde features that need to look at the data to know its shape:
//! `#[serde(flatten)]`, `#[serde(untagged)]`, `skip_serializing_if`, or
//! `deserialize_any` types such as `serde_json::Value`. Prefer `BTreeMap`
//! (or sorted vectors) to `HashMap` when identical state should give
//! identical snapshot bytes. A fixed-size array `[T; N]` is a tuple to serde
//! (no length written), not a sequence: save a slice (`&v[..]`) or a `Vec`
//! to load a `Vec` back.
//!
//! [`ErrorKind::Snapshot`]: crate::ErrorKind::Snapshot

mod header;
mod write;

#[cfg(test)]
mod tests;

use std::fmt;
use std::fs::File;
use std::io::Read;
use std::path::Path;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{Error, ErrorKind, Result};

use header::{HEADER_BYTES, Header};
use write::ChecksumWriter;

/// What a snapshot holds: a name for the payload type and that type's own
/// version. The reader states the kind it expects and refuses anything else.
///
/// The name is 1 to 32 bytes of UTF-8 without NUL; bump the version whenever
/// the payload's serialized structure changes (a field added, removed,
/// reordered or retyped), because postcard reads fields by position.
///
/// ```
/// use omnicanal::snapshot::PayloadKind;
/// const LIVE_RESOLVER: PayloadKind = PayloadKind::new("live-resolver", 1);
/// assert_eq!(LIVE_RESOLVER.to_string(), "live-resolver v1");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PayloadKind {
    /// The payload type's name (`live-resolver`).
    pub name: &'static str,
    /// The payload's serialized-structure version.
    pub version: u32,
}

impl PayloadKind {
    /// A kind, usable in a `const`. The name is checked when saving or
    /// encoding, where an error can be returned.
    pub const fn new(name: &'static str, version: u32) -> Self {
        PayloadKind { name, version }
    }
}

impl fmt::Display for PayloadKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} v{}", self.name, self.version)
    }
}

/// A snapshot's header, as written by [`save`] and read by [`inspect`].
///
/// ```
/// use omnicanal::snapshot::{self, PayloadKind};
/// let bytes = snapshot::encode(PayloadKind::new("counts", 3), &vec![1_u32, 2, 3])?;
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("counts.snap");
/// std::fs::write(&path, &bytes)?;
///
/// let info = snapshot::inspect(&path)?;
/// assert_eq!((info.payload_name.as_str(), info.payload_version), ("counts", 3));
/// assert_eq!(info.payload_bytes, 4); // postcard: a length byte, then one byte per small u32
/// assert_eq!(info.file_bytes(), bytes.len() as u64);
/// assert!(info.holds(PayloadKind::new("counts", 3)));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct SnapshotInfo {
    /// The container format version (the header layout).
    pub format_version: u32,
    /// The payload kind's name.
    pub payload_name: String,
    /// The payload kind's version.
    pub payload_version: u32,
    /// The payload's length in bytes, header excluded.
    pub payload_bytes: u64,
    /// The payload's CRC-32 (IEEE).
    pub checksum: u32,
}

impl SnapshotInfo {
    fn new(kind: PayloadKind, payload_bytes: u64, checksum: u32) -> Self {
        SnapshotInfo {
            format_version: header::FORMAT_VERSION,
            payload_name: kind.name.to_owned(),
            payload_version: kind.version,
            payload_bytes,
            checksum,
        }
    }

    fn from_header(h: Header) -> Self {
        SnapshotInfo {
            format_version: header::FORMAT_VERSION,
            payload_name: h.kind_name,
            payload_version: h.kind_version,
            payload_bytes: h.payload_bytes,
            checksum: h.payload_crc,
        }
    }

    /// True when the snapshot holds this kind at this version.
    pub fn holds(&self, kind: PayloadKind) -> bool {
        self.payload_name == kind.name && self.payload_version == kind.version
    }

    /// The whole file's size: header plus payload.
    pub fn file_bytes(&self) -> u64 {
        self.payload_bytes.saturating_add(HEADER_BYTES as u64)
    }
}

/// Saves `payload` as a snapshot of `kind` at `path`, atomically: the file at
/// `path` is either the old one or the complete new one, even after a crash
/// (see the [module docs](self)).
///
/// Errors: [`ErrorKind::Snapshot`] for an invalid kind name or a payload whose
/// `Serialize` fails; [`ErrorKind::Io`] when the file system does. Both name
/// the file.
///
/// ```
/// use omnicanal::snapshot::{self, PayloadKind};
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("names.snap");
/// let kind = PayloadKind::new("names", 1);
/// // A slice is saved as a sequence, loaded back as a `Vec`.
/// snapshot::save(&path, kind, &["dupont", "martin"][..])?;
/// snapshot::save(&path, kind, &["durand"][..])?; // replaces the old one
/// assert_eq!(snapshot::load::<Vec<String>>(&path, kind)?, ["durand"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn save<T: Serialize + ?Sized>(
    path: &Path,
    kind: PayloadKind,
    payload: &T,
) -> Result<SnapshotInfo> {
    write::save_atomically(path, kind, payload).map_err(|e| e.in_file(path))
}

/// Loads a snapshot of `kind` from `path`. The header, the length and the
/// payload checksum are all checked before deserializing; any mismatch is an
/// [`ErrorKind::Snapshot`] error naming the file (an unreadable file is
/// [`ErrorKind::Io`]).
///
/// ```
/// use omnicanal::snapshot::{self, PayloadKind};
/// use omnicanal::ErrorKind;
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("export.csv");
/// std::fs::write(&path, "id;nom;telephone\n4001;DUPONT;0612345678\n")?;
///
/// let err = snapshot::load::<Vec<String>>(&path, PayloadKind::new("names", 1)).unwrap_err();
/// assert!(matches!(err.kind(), ErrorKind::Snapshot { .. }));
/// assert_eq!(err.file(), Some(path.as_path()));
/// assert!(err.to_string().contains("not an omnicanal snapshot"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn load<T: DeserializeOwned>(path: &Path, kind: PayloadKind) -> Result<T> {
    load_checked_payload(path, kind)
        .and_then(|payload| deserialize(&payload, kind))
        .map_err(|e| e.in_file(path))
}

/// The payload of a snapshot of `kind` at `path`, every check of [`load`]
/// passed, for a payload type that borrows from it (see
/// [`deserialize_borrowed`]): its byte strings are then read in place
/// rather than copied. Errors name the file.
pub(crate) fn load_payload(path: &Path, kind: PayloadKind) -> Result<Vec<u8>> {
    load_checked_payload(path, kind).map_err(|e| e.in_file(path))
}

/// The payload of a snapshot of `kind` in memory, every check of
/// [`decode`] passed: [`load_payload`] for bytes already read.
pub(crate) fn checked_payload(bytes: &[u8], kind: PayloadKind) -> Result<&[u8]> {
    let header = header::decode(bytes)?;
    check_length(&header, bytes.len() as u64)?;
    check_kind(&header, kind)?;
    let payload = bytes.get(HEADER_BYTES..).unwrap_or_default();
    check_payload_crc(&header, payload)?;
    Ok(payload)
}

/// Deserializes a checked payload (from [`load_payload`] or
/// [`checked_payload`]) into a type that may borrow from it.
pub(crate) fn deserialize_borrowed<'a, T: serde::Deserialize<'a>>(
    payload: &'a [u8],
    kind: PayloadKind,
) -> Result<T> {
    deserialize(payload, kind)
}

/// Encodes `payload` as a snapshot of `kind` in memory: the exact bytes
/// [`save`] writes.
///
/// ```
/// use omnicanal::snapshot::{self, PayloadKind};
/// let kind = PayloadKind::new("postcodes", 1);
/// let bytes = snapshot::encode(kind, &vec![75011_u32, 97400])?;
/// assert!(bytes.starts_with(b"OMNISNAP"));
/// assert_eq!(snapshot::decode::<Vec<u32>>(&bytes, kind)?, [75011, 97400]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn encode<T: Serialize + ?Sized>(kind: PayloadKind, payload: &T) -> Result<Vec<u8>> {
    header::check_kind(kind)?;
    // A `Vec` never fails to write, so any error is the payload's own.
    let mut bytes = postcard::to_io(payload, vec![0u8; HEADER_BYTES])
        .map_err(|err| snapshot_error(format!("the payload could not be serialized: {err}")))?;
    let payload = bytes.get(HEADER_BYTES..).unwrap_or_default();
    let header = header::encode(kind, payload.len() as u64, crc32fast::hash(payload));
    bytes[..HEADER_BYTES].copy_from_slice(&header);
    Ok(bytes)
}

/// Decodes a snapshot of `kind` from memory, with every check [`load`] makes.
///
/// ```
/// use omnicanal::snapshot::{self, PayloadKind};
/// let kind = PayloadKind::new("postcodes", 1);
/// let mut bytes = snapshot::encode(kind, &vec![75011_u32, 97400])?;
/// let last = bytes.len() - 1;
/// bytes[last] ^= 0x01; // one bit flipped in the payload
/// let err = snapshot::decode::<Vec<u32>>(&bytes, kind).unwrap_err();
/// assert!(err.to_string().contains("checksum mismatch"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn decode<T: DeserializeOwned>(bytes: &[u8], kind: PayloadKind) -> Result<T> {
    // The same order as `load`: header, length, kind, checksum, payload.
    deserialize(checked_payload(bytes, kind)?, kind)
}

/// Reads and checks a snapshot's header, and that the file's size matches
/// it, without reading the payload: cheap on a file of any size, for tooling
/// that lists or triages snapshots. The payload is not verified; use
/// [`verify`] or [`load`] for that.
///
/// ```
/// use omnicanal::snapshot::{self, PayloadKind};
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("r.snap");
/// let saved = snapshot::save(&path, PayloadKind::new("live-resolver", 1), &(1_u8, "x"))?;
/// assert_eq!(snapshot::inspect(&path)?, saved);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn inspect(path: &Path) -> Result<SnapshotInfo> {
    inspect_file(path).map_err(|e| e.in_file(path))
}

/// Checks a snapshot completely (header, length, payload checksum) without
/// deserializing it, whatever its kind: for tooling that has no payload type
/// at hand (a backup check, a copy verification).
///
/// ```
/// use omnicanal::snapshot::{self, PayloadKind};
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("r.snap");
/// snapshot::save(&path, PayloadKind::new("live-resolver", 1), &vec![7_u64; 1000])?;
/// let mut bytes = std::fs::read(&path)?;
/// bytes[500] ^= 0x40;
/// std::fs::write(&path, &bytes)?;
/// assert!(snapshot::verify(&path).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn verify(path: &Path) -> Result<SnapshotInfo> {
    verify_file(path).map_err(|e| e.in_file(path))
}

/// The error every container check gives.
pub(crate) fn snapshot_error(reason: impl Into<String>) -> Error {
    Error::new(ErrorKind::Snapshot {
        reason: reason.into(),
    })
}

fn verify_file(path: &Path) -> Result<SnapshotInfo> {
    let (header, mut file) = open_checked(path)?;
    // Streamed through the checksum in blocks: verifying a multi-gigabyte
    // file needs no buffer of its size.
    let mut sink = ChecksumWriter::new(std::io::sink());
    std::io::copy(&mut file, &mut sink)?;
    let (read, crc) = sink.finish();
    if read != header.payload_bytes {
        // The file changed size between the check and the read.
        return Err(snapshot_error(format!(
            "the header announces {} payload bytes, {read} could be read",
            header.payload_bytes
        )));
    }
    if crc != header.payload_crc {
        return Err(crc_mismatch(&header, crc));
    }
    Ok(SnapshotInfo::from_header(header))
}

fn inspect_file(path: &Path) -> Result<SnapshotInfo> {
    let (header, _) = open_checked(path)?;
    Ok(SnapshotInfo::from_header(header))
}

/// Opens `path`, reads and checks its header and size; the file is left
/// positioned at the payload's start.
fn open_checked(path: &Path) -> Result<(Header, File)> {
    let mut file = File::open(path)?;
    let file_bytes = file.metadata()?.len();
    let mut start = Vec::with_capacity(HEADER_BYTES);
    (&mut file)
        .take(HEADER_BYTES as u64)
        .read_to_end(&mut start)?;
    let header = header::decode(&start)?;
    check_length(&header, file_bytes)?;
    Ok((header, file))
}

/// Reads a file's payload after checking the header, the kind, the length
/// and, once read, the checksum.
fn load_checked_payload(path: &Path, kind: PayloadKind) -> Result<Vec<u8>> {
    let (header, file) = open_checked(path)?;
    check_kind(&header, kind)?;
    // The length is now known to match the file's size, so this allocation
    // is bounded by what is really on disk.
    let len = usize::try_from(header.payload_bytes)
        .map_err(|_| snapshot_error("payload larger than this platform's address space"))?;
    let mut payload = Vec::new();
    payload
        .try_reserve_exact(len)
        .map_err(|_| snapshot_error(format!("cannot allocate {len} bytes for the payload")))?;
    file.take(header.payload_bytes).read_to_end(&mut payload)?;
    if payload.len() != len {
        // The file shrank between the size check and the read.
        return Err(snapshot_error(format!(
            "truncated: the header announces {len} payload bytes, only {} could be read",
            payload.len()
        )));
    }
    check_payload_crc(&header, &payload)?;
    Ok(payload)
}

fn check_kind(header: &Header, kind: PayloadKind) -> Result<()> {
    if header.kind_name == kind.name && header.kind_version == kind.version {
        return Ok(());
    }
    Err(snapshot_error(format!(
        "snapshot holds {} v{}, expected {kind}",
        header.kind_name, header.kind_version
    )))
}

/// Compares the announced payload length with what the file (or buffer)
/// holds, in `u64` so that no announced value can overflow.
fn check_length(header: &Header, total_bytes: u64) -> Result<()> {
    let available = total_bytes.saturating_sub(HEADER_BYTES as u64);
    let announced = header.payload_bytes;
    if announced > available {
        return Err(snapshot_error(format!(
            "truncated: the header announces {announced} payload bytes, the file holds {available}"
        )));
    }
    if announced < available {
        return Err(snapshot_error(format!(
            "{} unexpected bytes after the payload",
            available - announced
        )));
    }
    Ok(())
}

fn check_payload_crc(header: &Header, payload: &[u8]) -> Result<()> {
    let crc = crc32fast::hash(payload);
    if crc != header.payload_crc {
        return Err(crc_mismatch(header, crc));
    }
    Ok(())
}

fn crc_mismatch(header: &Header, crc: u32) -> Error {
    snapshot_error(format!(
        "payload checksum mismatch (stored {:08x}, computed {crc:08x}): the payload is corrupted",
        header.payload_crc
    ))
}

/// Deserializes a payload whose checksum has passed. An error here means the
/// bytes are intact but are not a `T`: a payload type changed without its
/// kind's version being bumped, or a writer bug. postcard's messages name the
/// problem, never the data.
fn deserialize<'a, T: serde::Deserialize<'a>>(payload: &'a [u8], kind: PayloadKind) -> Result<T> {
    let (value, rest) = postcard::take_from_bytes::<T>(payload).map_err(|err| {
        snapshot_error(format!(
            "payload does not decode as {kind} ({err}); was its structure changed without a version bump?"
        ))
    })?;
    if !rest.is_empty() {
        return Err(snapshot_error(format!(
            "{} bytes left over after decoding the payload as {kind}; was its structure changed without a version bump?",
            rest.len()
        )));
    }
    Ok(value)
}
