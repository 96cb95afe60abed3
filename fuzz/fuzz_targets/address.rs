//! Address normalization is total; postcodes and cities are stable under renormalization.
#![no_main]
use libfuzzer_sys::fuzz_target;
use omnicanal::Address;
use omnicanal::normalize::Region;
use omnicanal::normalize::address::{normalize_address, normalize_city, normalize_postcode};

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    let mut parts = s.splitn(3, '|').map(|p| Some(p.to_owned()));
    let address = Address {
        street: parts.next().flatten(),
        postcode: parts.next().flatten(),
        city: parts.next().flatten(),
        country: None,
    };
    let n = normalize_address(&address, Region::FR);
    if let Some(pc) = &n.postcode {
        assert_eq!(normalize_postcode(pc, Region::FR).as_deref(), Some(pc.as_str()));
    }
    if let Some(city) = &n.city {
        assert_eq!(normalize_city(city).as_deref(), Some(city.as_str()));
    }
});
