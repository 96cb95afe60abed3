//! Phone normalization is total; every accepted number is E.164 and normalizes to itself.
#![no_main]
use libfuzzer_sys::fuzz_target;
use omnicanal::normalize::Region;
use omnicanal::normalize::phone::normalize_phone;

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    if let Ok(phone) = normalize_phone(&s, Region::FR) {
        let digits = &phone.e164[1..];
        assert!(phone.e164.starts_with('+'));
        assert!((7..=15).contains(&digits.len()), "E.164 has 7 to 15 digits");
        assert!(digits.bytes().all(|b| b.is_ascii_digit()) && !digits.starts_with('0'));
        let again = normalize_phone(&phone.e164, Region::FR).expect("E.164 output re-parses");
        assert_eq!(again.e164, phone.e164);
    }
});
