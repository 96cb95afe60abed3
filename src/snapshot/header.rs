//! The fixed 64-byte header: its layout, how it is written and how it is
//! checked. The table in the [module docs](super) is the specification; the
//! constants here follow it field by field.

use std::fmt;

use super::{PayloadKind, snapshot_error};
use crate::error::Result;

/// The first eight bytes of every snapshot file.
pub(super) const MAGIC: [u8; 8] = *b"OMNISNAP";

/// The container layout this build writes and reads. Bumped only when the
/// header layout itself changes; a change in what the payload holds bumps the
/// payload's own version instead.
pub(super) const FORMAT_VERSION: u32 = 1;

/// Total header size in bytes; the payload starts right after it.
pub(super) const HEADER_BYTES: usize = 64;

/// The longest payload kind name, in bytes (its zero-padded field).
pub(super) const MAX_KIND_NAME_BYTES: usize = 32;

// Field offsets, as in the module docs' table.
const FORMAT_VERSION_AT: usize = 8;
const KIND_NAME_AT: usize = 12;
const KIND_VERSION_AT: usize = KIND_NAME_AT + MAX_KIND_NAME_BYTES; // 44
const PAYLOAD_BYTES_AT: usize = 48;
const PAYLOAD_CRC_AT: usize = 56;
const HEADER_CRC_AT: usize = 60;

/// A header as read from a file: every field, already checked for
/// consistency with itself (magic, format version, header checksum).
#[derive(Clone, PartialEq, Eq)]
pub(super) struct Header {
    pub(super) kind_name: String,
    pub(super) kind_version: u32,
    pub(super) payload_bytes: u64,
    pub(super) payload_crc: u32,
}

impl fmt::Debug for Header {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Only container metadata: nothing here is personal data.
        f.debug_struct("Header")
            .field(
                "kind",
                &format_args!("{} v{}", self.kind_name, self.kind_version),
            )
            .field("payload_bytes", &self.payload_bytes)
            .field("payload_crc", &format_args!("{:08x}", self.payload_crc))
            .finish()
    }
}

/// Refuses a kind whose name cannot be stored in the header, or could not be
/// read back identically (a NUL would be taken for padding).
pub(super) fn check_kind(kind: PayloadKind) -> Result<()> {
    let len = kind.name.len();
    if len == 0 || len > MAX_KIND_NAME_BYTES || kind.name.contains('\0') {
        return Err(snapshot_error(format!(
            "payload kind name must be 1 to {MAX_KIND_NAME_BYTES} bytes without NUL, got {len} bytes"
        )));
    }
    Ok(())
}

/// The header bytes for a payload of this kind, length and checksum. The
/// kind must have passed [`check_kind`].
pub(super) fn encode(
    kind: PayloadKind,
    payload_bytes: u64,
    payload_crc: u32,
) -> [u8; HEADER_BYTES] {
    let mut h = [0u8; HEADER_BYTES];
    h[..8].copy_from_slice(&MAGIC);
    h[FORMAT_VERSION_AT..FORMAT_VERSION_AT + 4].copy_from_slice(&FORMAT_VERSION.to_le_bytes());
    // `check_kind` bounds the name, so the slice fits; `min` keeps this total anyway.
    let name = kind.name.as_bytes();
    let name_len = name.len().min(MAX_KIND_NAME_BYTES);
    h[KIND_NAME_AT..KIND_NAME_AT + name_len].copy_from_slice(&name[..name_len]);
    h[KIND_VERSION_AT..KIND_VERSION_AT + 4].copy_from_slice(&kind.version.to_le_bytes());
    h[PAYLOAD_BYTES_AT..PAYLOAD_BYTES_AT + 8].copy_from_slice(&payload_bytes.to_le_bytes());
    h[PAYLOAD_CRC_AT..PAYLOAD_CRC_AT + 4].copy_from_slice(&payload_crc.to_le_bytes());
    let header_crc = crc32fast::hash(&h[..HEADER_CRC_AT]);
    h[HEADER_CRC_AT..].copy_from_slice(&header_crc.to_le_bytes());
    h
}

/// Reads and checks a header from the first bytes of a file (`file_start`
/// may be shorter than a header: the file is then empty or truncated).
///
/// Checks, in this order, so that each message names the first thing wrong:
/// magic, format version (read before the checksum because a later format
/// may place its checksum elsewhere), header checksum, then the name's
/// encoding. The kind and the payload are the caller's to check.
pub(super) fn decode(file_start: &[u8]) -> Result<Header> {
    let Some(h) = file_start.first_chunk::<HEADER_BYTES>() else {
        return Err(short_file(file_start));
    };
    if h[..8] != MAGIC {
        return Err(not_a_snapshot());
    }
    let format_version = read_u32(h, FORMAT_VERSION_AT);
    if format_version != FORMAT_VERSION {
        return Err(snapshot_error(format!(
            "container format version {format_version}, this build reads version {FORMAT_VERSION}"
        )));
    }
    let stored_crc = read_u32(h, HEADER_CRC_AT);
    let actual_crc = crc32fast::hash(&h[..HEADER_CRC_AT]);
    if stored_crc != actual_crc {
        return Err(snapshot_error(format!(
            "header checksum mismatch (stored {stored_crc:08x}, computed {actual_crc:08x}): the header is corrupted"
        )));
    }
    let name_field = &h[KIND_NAME_AT..KIND_VERSION_AT];
    let name_len = name_field
        .iter()
        .position(|&b| b == 0)
        .unwrap_or(MAX_KIND_NAME_BYTES);
    // Padding must be all zeros, so that each kind has exactly one encoding.
    if name_len == 0 || name_field[name_len..].iter().any(|&b| b != 0) {
        return Err(snapshot_error("malformed payload kind name in the header"));
    }
    let kind_name = std::str::from_utf8(&name_field[..name_len])
        .map_err(|_| snapshot_error("payload kind name in the header is not UTF-8"))?
        .to_owned();
    Ok(Header {
        kind_name,
        kind_version: read_u32(h, KIND_VERSION_AT),
        payload_bytes: read_u64(h, PAYLOAD_BYTES_AT),
        payload_crc: read_u32(h, PAYLOAD_CRC_AT),
    })
}

/// The error for input shorter than a header: empty, a cut snapshot (it
/// starts like one), or something else entirely.
fn short_file(bytes: &[u8]) -> crate::error::Error {
    if bytes.is_empty() {
        return snapshot_error("the file is empty, not an omnicanal snapshot");
    }
    let common = bytes.len().min(MAGIC.len());
    if bytes[..common] == MAGIC[..common] {
        snapshot_error(format!(
            "truncated: {} bytes, shorter than the {HEADER_BYTES}-byte header",
            bytes.len()
        ))
    } else {
        not_a_snapshot()
    }
}

fn not_a_snapshot() -> crate::error::Error {
    snapshot_error(
        "not an omnicanal snapshot (the file does not start with the snapshot magic bytes)",
    )
}

fn read_u32(h: &[u8; HEADER_BYTES], at: usize) -> u32 {
    let mut b = [0u8; 4];
    b.copy_from_slice(&h[at..at + 4]);
    u32::from_le_bytes(b)
}

fn read_u64(h: &[u8; HEADER_BYTES], at: usize) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&h[at..at + 8]);
    u64::from_le_bytes(b)
}
