//! Email normalization is total and idempotent.
#![no_main]
use libfuzzer_sys::fuzz_target;
use omnicanal::normalize::email::normalize_email;

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    if let Ok(email) = normalize_email(&s) {
        assert_eq!(email.normalized.matches('@').count(), 1);
        assert_eq!(email.normalized, email.normalized.to_lowercase());
        let again = normalize_email(&email.normalized).expect("normalized email re-parses");
        assert_eq!(again.normalized, email.normalized);
    }
});
