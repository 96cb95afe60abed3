//! `fold` is total, idempotent and emits only lower-case alphanumerics and single spaces.
#![no_main]
use libfuzzer_sys::fuzz_target;
use omnicanal::normalize::text::fold;

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    let once = fold(&s);
    assert_eq!(fold(&once), once, "fold is not idempotent");
    assert!(!once.starts_with(' ') && !once.ends_with(' ') && !once.contains("  "));
    assert!(once.chars().all(|c| c == ' ' || c.is_alphanumeric()));
});
