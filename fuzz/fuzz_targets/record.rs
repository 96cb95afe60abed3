//! The record builder and the whole-record normalizer are total on any field
//! names and values, and never let an over-long value through.
#![no_main]
use libfuzzer_sys::fuzz_target;
use omnicanal::normalize::normalize;
use omnicanal::record::MAX_FIELD_BYTES;
use omnicanal::{Channel, Record, SourceKey};

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    let Ok(key) = SourceKey::new(Channel::Store, "fuzz") else {
        return;
    };
    let mut builder = Record::builder(key);
    for pair in s.split('\n') {
        let (field, value) = pair.split_once('=').unwrap_or((pair, ""));
        let _ = builder.set(field, value);
    }
    let record = builder.into_record();
    let all_values = record
        .given_names
        .iter()
        .chain(&record.family_names)
        .chain(&record.emails)
        .chain(&record.phones);
    for v in all_values {
        assert!(!v.is_empty() && v.len() <= MAX_FIELD_BYTES && v.trim() == v);
    }
    let normalized = normalize(&record);
    assert_eq!(normalized.key, record.key);
    assert!(normalized.phones.len() <= record.phones.len());
    assert!(normalized.emails.len() <= record.emails.len());
});
