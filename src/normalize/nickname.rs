//! The nickname and diminutive table (`data/nicknames.csv`).

/// The canonical given names a folded nickname or diminutive stands for
/// (`fred` → `["frederic"]`, `jf` → `["jean francois"]`), or none.
pub fn canonical_given(folded: &str) -> &'static [&'static str] {
    todo!("names helper {folded}")
}
