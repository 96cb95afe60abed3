//! Name normalization is total, keeps civility out of names, and is idempotent
//! on its own output; the phonetic key is total and stable.
#![no_main]
use libfuzzer_sys::fuzz_target;
use omnicanal::normalize::name::normalize_names;
use omnicanal::normalize::phonetic::phonetic_key;

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    let mut parts = s.splitn(3, '|').map(str::to_owned);
    let given: Vec<String> = parts.next().into_iter().collect();
    let family: Vec<String> = parts.next().into_iter().collect();
    let full: Vec<String> = parts.next().into_iter().collect();
    let (_, names) = normalize_names(None, &given, &family, &full);
    for name in &names {
        let family = if name.particles.is_empty() {
            name.family.to_string()
        } else {
            format!("{} {}", name.particles, name.family)
        };
        let (_, again) = normalize_names(None, &[name.given.to_string()], &[family], &[]);
        if let Some(first) = again.first() {
            assert_eq!(first.given, name.given);
            assert_eq!(first.family, name.family);
        }
        let key = phonetic_key(&name.family);
        assert_eq!(key, phonetic_key(&name.family));
    }
    let _ = phonetic_key(&s);
});
