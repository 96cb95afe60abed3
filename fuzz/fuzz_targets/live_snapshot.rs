//! A live resolver loaded from hostile bytes: never a panic, and whatever
//! loads is a consistent graph that keeps working.
//!
//! The first input byte chooses the mode:
//! - 0: the rest as a whole file;
//! - 1: the rest as the payload of a container with correct checksums, so
//!   the payload decoder and the consistency checks see it;
//! - 2: a real snapshot's payload with bytes changed where the input says
//!   (pairs of position, xor mask), in a container with correct checksums:
//!   well-formed enough to reach the consistency checks most of the time.
//!
//! Whatever loads must hold every record in exactly one customer, survive a
//! save/load round trip unchanged, and accept an upsert and an erasure.
#![no_main]
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use omnicanal::normalize::normalize;
use omnicanal::resolver::{LIVE_RESOLVER_PAYLOAD, LiveResolver, Settings};
use omnicanal::{Channel, Record, SourceKey};

#[path = "common/container.rs"]
mod container;
use container::container_around;

fn record(id: &str, name: &str, phone: &str) -> Option<omnicanal::normalize::NormalizedRecord> {
    let mut builder = Record::builder(SourceKey::new(Channel::Web, id).ok()?);
    builder.set("full_name", name).ok()?;
    builder.set("phone", phone).ok()?;
    Some(normalize(&builder.build()))
}

/// The payload of a small real snapshot (container header stripped).
fn seed_payload() -> &'static [u8] {
    static SEED: OnceLock<Vec<u8>> = OnceLock::new();
    SEED.get_or_init(|| {
        let records: Vec<_> = [
            ("1", "DUPONT Marie", "06 12 34 56 78"),
            ("2", "Marie Dupont", "+33612345678"),
            ("3", "Jean Martin", "07 11 22 33 44"),
            ("4", "MARTIN Jean", "0711223344"),
        ]
        .iter()
        .filter_map(|(id, name, phone)| record(id, name, phone))
        .collect();
        LiveResolver::from_batch(Settings::default(), records)
            .and_then(|live| live.to_snapshot_bytes())
            .map(|bytes| bytes[64..].to_vec())
            .unwrap_or_default()
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let bytes = match mode % 3 {
        0 => rest.to_vec(),
        1 => container_around(LIVE_RESOLVER_PAYLOAD, rest),
        _ => {
            let mut payload = seed_payload().to_vec();
            if payload.is_empty() {
                return;
            }
            for change in rest.chunks(3) {
                if let [hi, lo, mask] = change {
                    let at = usize::from(u16::from_le_bytes([*lo, *hi])) % payload.len();
                    payload[at] ^= mask;
                }
            }
            container_around(LIVE_RESOLVER_PAYLOAD, &payload)
        }
    };
    let Ok(mut live) = LiveResolver::from_snapshot_bytes(&bytes) else {
        return;
    };
    // Every record in exactly one customer.
    let held: usize = live.customers().map(|(_, keys)| keys.len()).sum();
    assert_eq!(held, live.len());
    for (id, keys) in live.customers() {
        assert!(!keys.is_empty());
        for key in keys {
            assert_eq!(live.customer_of(key), Some(id));
        }
    }
    // Round trip.
    let again = live.to_snapshot_bytes().expect("a loaded graph saves");
    let reloaded = LiveResolver::from_snapshot_bytes(&again).expect("and loads again");
    assert_eq!(reloaded.partition(), live.partition());
    // Keeps working.
    if let Some(r) = record("fuzz", "DUPONT Marie", "06 12 34 56 78") {
        live.upsert(r).expect("upsert on a loaded graph");
    }
    let first = live.partition().first().and_then(|p| p.first().cloned());
    if let Some(key) = first {
        live.erase(&key).expect("erase on a loaded graph");
    }
});
