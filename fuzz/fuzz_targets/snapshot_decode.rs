//! The snapshot loader on hostile input: it never panics, never returns a
//! value that does not round-trip, and refuses every single-byte change.
//!
//! The first input byte chooses the mode:
//! - 0: the rest as a whole file: an error, or a value that round-trips;
//! - 1: the rest as a payload inside a container with correct checksums
//!   (built here from the documented layout, with an independent CRC-32), so
//!   that postcard itself is fuzzed past the checksum;
//! - 2: a payload built from the rest is encoded, its header is compared with
//!   one built from the documented layout, then one byte chosen by the input
//!   is changed and the decode must fail.
#![no_main]
use std::collections::BTreeMap;

use libfuzzer_sys::fuzz_target;

#[path = "common/container.rs"]
mod container;
use container::{container_around, header};
use omnicanal::snapshot::{self, PayloadKind};
use omnicanal::{Channel, Record, SourceKey};

const KIND: PayloadKind = PayloadKind::new("fuzz-payload", 1);

/// Strings, options, maps, integers of every width and validated types
/// (`Record` with its `Channel`): a little of everything a resolver saves.
type Payload = (
    Vec<Record>,
    Vec<String>,
    Option<u32>,
    Vec<(u64, i64)>,
    bool,
    BTreeMap<String, u16>,
);

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    match mode % 3 {
        0 => decodes_or_refuses(rest),
        1 => decodes_or_refuses(&container_around(KIND, rest)),
        _ => every_change_is_refused(rest),
    }
});

/// An error, or a value that encodes and decodes back to itself.
fn decodes_or_refuses(bytes: &[u8]) {
    if let Ok(value) = snapshot::decode::<Payload>(bytes, KIND) {
        let again = snapshot::encode(KIND, &value).expect("a decoded value encodes");
        let back = snapshot::decode::<Payload>(&again, KIND).expect("its encoding decodes");
        assert!(back == value, "round trip changed the value");
    }
}

fn every_change_is_refused(input: &[u8]) {
    let (choice, text) = input.split_at(input.len().min(3));
    let payload = payload_from(text);
    let bytes = snapshot::encode(KIND, &payload).expect("a payload encodes");
    let payload_bytes = bytes.get(64..).expect("a header is 64 bytes");
    assert!(
        bytes[..64] == header(KIND, payload_bytes),
        "header differs from the documented layout"
    );
    let back = snapshot::decode::<Payload>(&bytes, KIND).expect("an intact encoding decodes");
    assert!(back == payload, "round trip changed the value");

    let position = usize::from(u16::from_le_bytes([
        choice.first().copied().unwrap_or(0),
        choice.get(1).copied().unwrap_or(0),
    ])) % bytes.len();
    let mask = choice.get(2).copied().filter(|&m| m != 0).unwrap_or(1);
    let mut changed = bytes;
    changed[position] ^= mask;
    assert!(
        snapshot::decode::<Payload>(&changed, KIND).is_err(),
        "byte {position} ^ {mask:#x} was not detected"
    );
}

/// A payload derived from the input's text: lines become strings, records
/// (`field=value` lines) and map entries; lengths become numbers.
fn payload_from(text: &[u8]) -> Payload {
    let text = String::from_utf8_lossy(text);
    let lines: Vec<&str> = text.split('\n').collect();
    let mut records = Vec::new();
    if let Ok(key) = SourceKey::new(Channel::Web, "fuzz-1") {
        let mut builder = Record::builder(key);
        for line in &lines {
            let (field, value) = line.split_once('=').unwrap_or((line, ""));
            let _ = builder.set(field, value);
        }
        records.push(builder.into_record());
    }
    let numbers = lines
        .iter()
        .map(|l| (l.len() as u64 * 0x9e37_79b9, -(l.len() as i64) << 40))
        .collect();
    let map = lines
        .iter()
        .map(|l| (l.to_string(), l.len() as u16))
        .collect();
    (
        records,
        lines.iter().map(|l| l.to_string()).collect(),
        lines.first().map(|l| l.len() as u32),
        numbers,
        lines.len() % 2 == 0,
        map,
    )
}

