//! The snapshot container built from its documented layout (the module docs
//! of `omnicanal::snapshot`), independently of the library's code: shared by
//! the fuzz targets that need valid containers around hostile payloads.

use omnicanal::snapshot::PayloadKind;

/// `payload` inside a container with correct checksums.
pub fn container_around(kind: PayloadKind, payload: &[u8]) -> Vec<u8> {
    let mut bytes = header(kind, payload).to_vec();
    bytes.extend_from_slice(payload);
    bytes
}

/// The header for `payload`, from the layout table in the module docs of
/// `omnicanal::snapshot`, not from its code.
pub fn header(kind: PayloadKind, payload: &[u8]) -> [u8; 64] {
    let mut h = [0u8; 64];
    h[0..8].copy_from_slice(b"OMNISNAP");
    h[8..12].copy_from_slice(&1u32.to_le_bytes());
    h[12..12 + kind.name.len()].copy_from_slice(kind.name.as_bytes());
    h[44..48].copy_from_slice(&kind.version.to_le_bytes());
    h[48..56].copy_from_slice(&(payload.len() as u64).to_le_bytes());
    h[56..60].copy_from_slice(&crc32(payload).to_le_bytes());
    let header_crc = crc32(&h[..60]);
    h[60..64].copy_from_slice(&header_crc.to_le_bytes());
    h
}

/// CRC-32 (IEEE 802.3, reflected, as zlib), bit by bit: slow and obviously
/// right, an oracle for the library's SIMD one.
pub fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}
