//! The nickname and diminutive table (`data/nicknames.csv`).
//!
//! A hand-curated table of French, English, Spanish, Portuguese and Italian
//! diminutives (`fred` → `frederic`, `bob` → `robert`) and of the initials of
//! compound French given names (`jf` → `jean francois`). See `data/README.md`
//! for its sources and licence.
//!
//! The CSV is compiled into the crate (`include_str!`) and parsed once, on
//! first use, into a hash map whose keys and values borrow from the embedded
//! text: a lookup allocates nothing.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::LazyLock;

/// The embedded table, `nickname,canonical` per line.
const NICKNAMES_CSV: &str = include_str!("../../data/nicknames.csv");

/// A lookup table keyed by embedded, folded strings.
///
/// FNV-1a instead of the default SipHash: keys are a few ASCII bytes, so
/// SipHash's setup cost dominates a lookup, and the tables are fixed at
/// compile time, so an input cannot flood them with colliding keys (the
/// attack SipHash guards against).
pub(crate) type StaticTable<V> = HashMap<&'static str, V, BuildHasherDefault<FnvHasher>>;

/// 64-bit FNV-1a, for [`StaticTable`].
#[derive(Clone, Copy)]
pub(crate) struct FnvHasher(u64);

impl Default for FnvHasher {
    fn default() -> Self {
        FnvHasher(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for FnvHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// The nickname table and a filter of its keys' shapes.
struct Nicknames {
    /// Nickname → canonical given names, primary reading first.
    readings: StaticTable<Box<[&'static str]>>,
    /// One bit per [`shape`] of a key: most names looked up are no nickname
    /// (`marie`, `jean`), and a clear bit rejects them in a few instructions
    /// instead of hashing and probing (310 keys set under 2 % of the bits).
    shapes: [u64; SHAPE_WORDS],
}

const SHAPE_WORDS: usize = 256;

/// A 14-bit digest of a key: its length, first and last byte.
fn shape(key: &str) -> usize {
    let bytes = key.as_bytes();
    let (first, last) = match bytes {
        [first, .., last] => (*first, *last),
        [only] => (*only, *only),
        [] => (0, 0),
    };
    (bytes.len() & 15) << 10 | usize::from(first & 31) << 5 | usize::from(last & 31)
}

static NICKNAMES: LazyLock<Nicknames> = LazyLock::new(|| {
    let mut table: StaticTable<Vec<&'static str>> = StaticTable::default();
    for (nickname, canonical) in table_rows(NICKNAMES_CSV) {
        let readings = table.entry(nickname).or_default();
        if !readings.contains(&canonical) {
            readings.push(canonical);
        }
    }
    let mut shapes = [0u64; SHAPE_WORDS];
    for key in table.keys() {
        let bit = shape(key);
        shapes[bit / 64] |= 1 << (bit % 64);
    }
    let readings = table
        .into_iter()
        .map(|(k, v)| (k, v.into_boxed_slice()))
        .collect();
    Nicknames { readings, shapes }
});

/// The `key,value` rows of an embedded table, comments and blank lines
/// skipped. A line without a comma is a key with an empty value.
pub(crate) fn table_rows(text: &'static str) -> impl Iterator<Item = (&'static str, &'static str)> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| match line.split_once(',') {
            Some((key, value)) => (key.trim(), value.trim()),
            None => (line, ""),
        })
}

/// The longest key in the table is far shorter; longer inputs skip hashing.
const LONGEST_NICKNAME: usize = 16;

/// The canonical given names a folded nickname or diminutive stands for
/// (`fred` → `["frederic"]`, `jf` → `["jean francois"]`), or none.
///
/// Several readings come primary first (`alex` → `alexandre`, `alexis`,
/// `alexandra`). A name that is not a nickname gives an empty slice, so the
/// caller keeps the name as written.
///
/// ```
/// use omnicanal::normalize::nickname::canonical_given;
/// assert_eq!(canonical_given("fred"), ["frederic", "frederique"]);
/// assert_eq!(canonical_given("jf"), ["jean francois"]);
/// assert_eq!(canonical_given("bob"), ["robert"]);
/// assert!(canonical_given("marie").is_empty());
/// ```
pub fn canonical_given(folded: &str) -> &'static [&'static str] {
    if folded.is_empty() || folded.len() > LONGEST_NICKNAME {
        return &[];
    }
    let nicknames: &'static Nicknames = &NICKNAMES;
    let bit = shape(folded);
    if nicknames.shapes[bit / 64] >> (bit % 64) & 1 == 0 {
        return &[];
    }
    match nicknames.readings.get(folded) {
        Some(readings) => readings,
        None => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::text::{fold, is_folded};
    use proptest::prelude::*;

    #[test]
    fn shape_filter_lets_every_nickname_through() {
        for (nickname, canonical) in table_rows(NICKNAMES_CSV) {
            assert!(canonical_given(nickname).contains(&canonical), "{nickname}");
        }
    }

    #[test]
    fn french_and_english_diminutives() {
        assert_eq!(canonical_given("fred")[0], "frederic");
        assert_eq!(canonical_given("fredo"), ["frederic"]);
        assert_eq!(canonical_given("manu")[0], "emmanuel");
        assert_eq!(canonical_given("jp"), ["jean pierre"]);
        assert_eq!(canonical_given("jc"), ["jean claude"]);
        assert_eq!(canonical_given("bill"), ["william"]);
        assert_eq!(canonical_given("cathy")[0], "catherine");
        assert_eq!(canonical_given("steph"), ["stephane", "stephanie"]);
        assert_eq!(canonical_given("pepe"), ["jose", "giuseppe"]);
    }

    #[test]
    fn real_names_and_garbage_are_not_nicknames() {
        for name in [
            "marie", "jean", "leo", "theo", "margot", "", "fred ", "FRED", "x",
        ] {
            assert!(canonical_given(name).is_empty(), "{name}");
        }
    }

    #[test]
    fn table_is_folded_and_well_formed() {
        let mut rows = 0;
        for (nickname, canonical) in table_rows(NICKNAMES_CSV) {
            rows += 1;
            assert!(is_folded(nickname) && !nickname.contains(' '), "{nickname}");
            assert!(nickname.len() <= LONGEST_NICKNAME, "{nickname}");
            assert!(is_folded(canonical) && !canonical.is_empty(), "{canonical}");
            assert_eq!(fold(canonical), canonical);
            assert_ne!(nickname, canonical);
        }
        assert!(rows >= 250, "{rows} rows");
    }

    #[test]
    fn a_canonical_name_is_never_itself_a_nickname() {
        // Otherwise resolving twice would change the result.
        for (_, canonical) in table_rows(NICKNAMES_CSV) {
            for token in canonical.split(' ') {
                assert!(canonical_given(token).is_empty(), "{canonical}");
            }
        }
    }

    proptest! {
        #[test]
        fn total_on_any_string(s in any::<String>()) {
            let readings = canonical_given(&s);
            prop_assert!(readings.iter().all(|r| is_folded(r)));
        }
    }
}
