//! A French phonetic key for names.

/// The phonetic key of a folded name (see [`fold`](super::text::fold)).
pub fn phonetic_key(folded: &str) -> String {
    todo!("names helper {folded}")
}
