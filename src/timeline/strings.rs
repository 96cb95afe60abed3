//! String tables for the timeline store: every string lives once in one byte
//! arena, addressed by a `u32` id.
//!
//! Why not `Vec<String>`: a `String` costs 24 bytes of header plus a heap
//! block (≥ 16 bytes of allocator overhead) per value. An arena costs 8 bytes
//! per value (its end offset) and nothing else, which is what keeps the store
//! under its 64-bytes-per-event budget.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hash, Hasher};

/// A multiply-rotate hasher in the style of rustc's `FxHasher`: a few cycles
/// per 8 bytes where the standard SipHash costs tens of cycles per key. The
/// build hashes every event's store code, order reference and source key, so
/// SipHash alone was a fifth of its time.
///
/// Not resistant to chosen collisions (HashDoS): the keys are the retailer's
/// own exports, read in a batch, and a flood of colliding keys could only
/// slow a build down, never change its result.
#[derive(Clone, Copy, Default)]
pub(crate) struct FastHasher {
    hash: u64,
}

impl FastHasher {
    // The 64-bit constant of rustc's FxHasher (from the golden ratio).
    const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(Self::SEED);
    }
}

impl Hasher for FastHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            // The length keeps "ab" and "ab\0" apart.
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word) ^ ((rest.len() as u64) << 59));
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        // The multiply mixes upwards only (bit k of a product depends on
        // bits ≤ k), but tables pick buckets with the low bits: one
        // xor-shift-multiply round spreads the high bits down.
        let h = (self.hash ^ (self.hash >> 32)).wrapping_mul(Self::SEED);
        h ^ (h >> 29)
    }
}

/// A `HashMap` hashed by [`FastHasher`].
pub(crate) type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;

/// Strings packed end to end: string `i` is `bytes[ends[i - 1]..ends[i]]`.
#[derive(Clone, Default, PartialEq, Eq)]
pub(crate) struct StrTable {
    bytes: String,
    // u64 so that an arena past 4 GiB (hundreds of millions of event ids)
    // stays addressable; it is 8 bytes per string either way.
    ends: Vec<u64>,
}

impl StrTable {
    pub(crate) fn with_capacity(strings: usize, bytes: usize) -> Self {
        StrTable {
            bytes: String::with_capacity(bytes),
            ends: Vec::with_capacity(strings),
        }
    }

    /// Room for `strings` more strings of `bytes` bytes in all.
    /// Room for more strings and bytes when the system grants it (an
    /// estimate's room: refused, the table grows as strings come).
    pub(crate) fn reserve(&mut self, strings: usize, bytes: usize) {
        let _ = self.bytes.try_reserve(bytes);
        let _ = self.ends.try_reserve(strings);
    }

    /// Appends a string and returns its index.
    pub(crate) fn push(&mut self, s: &str) -> usize {
        self.bytes.push_str(s);
        self.ends.push(self.bytes.len() as u64);
        self.ends.len() - 1
    }

    /// Appends every string of `other`, in order.
    pub(crate) fn extend(&mut self, other: &StrTable) {
        let base = self.bytes.len() as u64;
        self.bytes.push_str(&other.bytes);
        self.ends.extend(other.ends.iter().map(|e| e + base));
    }

    /// String `i`; empty for an index past the end (never happens for ids the
    /// store made itself, but a lookup must not panic).
    pub(crate) fn get(&self, i: usize) -> &str {
        let start = match i.checked_sub(1) {
            Some(prev) => self.ends.get(prev).copied().unwrap_or(0),
            None => 0,
        };
        let end = self.ends.get(i).copied().unwrap_or(start);
        self.bytes.get(start as usize..end as usize).unwrap_or("")
    }

    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }

    /// Loads what reading the strings `indexes` reads: their end offsets,
    /// then their first bytes. In a table larger than the caches each is a
    /// cache miss, and reading one string after the other waits for both
    /// in turn; loaded here for a group at once, the misses overlap.
    /// Changes nothing.
    pub(crate) fn touch(&self, indexes: impl Iterator<Item = usize> + Clone) {
        let mut seen = 0u64;
        for i in indexes.clone() {
            seen ^= self.ends.get(i).copied().unwrap_or(0);
        }
        for i in indexes {
            let start = i
                .checked_sub(1)
                .and_then(|prev| self.ends.get(prev))
                .copied();
            let byte = self.bytes.as_bytes().get(start.unwrap_or(0) as usize);
            seen ^= u64::from(byte.copied().unwrap_or(0));
        }
        // Keeps the loads, whose values nothing needs.
        std::hint::black_box(seen);
    }

    /// Bytes held, capacity included.
    pub(crate) fn memory_bytes(&self) -> usize {
        self.bytes.capacity() + self.ends.capacity() * size_of::<u64>()
    }

    /// Bytes of the strings themselves.
    pub(crate) fn string_bytes(&self) -> usize {
        self.bytes.len()
    }

    pub(crate) fn shrink_to_fit(&mut self) {
        self.bytes.shrink_to_fit();
        self.ends.shrink_to_fit();
    }
}

/// Gives each distinct string an id, in order of first appearance; a string
/// may carry a `u32` tag (the channel of a source key) and is then distinct
/// from the same text under another tag.
///
/// Why not a `HashMap<&str, u32>`: its keys point into the callers' strings,
/// scattered over the heap, so every hit compared against a cache-cold string
/// of some earlier event. Here the table holds only ids and 32-bit hash
/// tags, and a hit compares against the arena, which is compact and is the
/// final table anyway: the text is copied once, where the map copied it too.
pub(crate) struct StrInterner {
    table: StrTable,
    /// The tag of each string; empty while every tag so far is 0 (an
    /// untagged interner: order references, store codes), so that a hit
    /// there reads no tag from a column as long as the strings.
    tags: Vec<u32>,
    // Open addressing, linear probing, at most half full. A slot is empty
    // (0) or `hash << 32 | (id + 1)`; the stored hash both filters compares
    // and places entries again when the table grows.
    slots: Vec<u64>,
    len: usize,
}

impl StrInterner {
    pub(crate) fn new() -> Self {
        StrInterner {
            table: StrTable::default(),
            tags: Vec::new(),
            slots: vec![0; 64],
            len: 0,
        }
    }

    pub(crate) fn intern(&mut self, s: &str) -> u32 {
        self.intern_tagged(0, s)
    }

    pub(crate) fn intern_tagged(&mut self, tag: u32, s: &str) -> u32 {
        self.intern_hashed(hash_str(tag, s), tag, s)
    }

    /// The hash [`intern`](Self::intern) computes for `s`: computed ahead
    /// (in parallel for a batch) and passed to
    /// [`intern_with_hash`](Self::intern_with_hash).
    pub(crate) fn hash(s: &str) -> u32 {
        hash_str(0, s)
    }

    /// The hash [`intern_tagged`](Self::intern_tagged) computes for `s`
    /// under `tag`, for [`touch_each`](Self::touch_each).
    pub(crate) fn hash_tagged(tag: u32, s: &str) -> u32 {
        hash_str(tag, s)
    }

    /// [`intern`](Self::intern) with `s`'s [`hash`](Self::hash) given. A
    /// wrong hash gives a wrong id (never a panic).
    pub(crate) fn intern_with_hash(&mut self, hash: u32, s: &str) -> u32 {
        self.intern_hashed(hash, 0, s)
    }

    /// [`intern_tagged`](Self::intern_tagged) with `s`'s
    /// [`hash_tagged`](Self::hash_tagged) given (computed once for
    /// [`touch_each`](Self::touch_each) too). A wrong hash gives a wrong id
    /// (never a panic).
    #[cfg(any(test, feature = "io"))]
    pub(crate) fn intern_tagged_with_hash(&mut self, hash: u32, tag: u32, s: &str) -> u32 {
        self.intern_hashed(hash, tag, s)
    }

    /// Room for `more` strings beyond those interned, so that the slots are
    /// not placed again at each doubling on the way (for a caller that
    /// knows about how many are coming).
    #[cfg(any(test, feature = "io"))]
    #[allow(clippy::slow_vector_initialization)] // see the zeros below
    pub(crate) fn reserve(&mut self, more: usize) {
        // An estimate gone wild must not ask for terabytes.
        let more = more.min(MAX_RESERVED);
        let wanted = self.len.saturating_add(more).saturating_mul(2);
        if self.slots.len() < wanted {
            // Placed once in the final size: doubling step by step had the
            // kernel zero each intermediate table too. A size the system
            // cannot grant is not a failure: the table then doubles as it
            // fills.
            let len = wanted.next_power_of_two();
            let mut slots: Vec<u64> = Vec::new();
            // Not `vec![0; len]`, which aborts when refused; the zeros
            // written touch the pages the inserts would touch anyway.
            if slots.try_reserve_exact(len).is_ok() {
                slots.resize(len, 0);
                self.place_into(slots);
            }
        }
        self.table.reserve(more, 0);
    }

    /// Loads what interning the strings of `hashes` (as given by
    /// [`hash`](Self::hash) or [`hash_tagged`](Self::hash_tagged)) will read: the slot where each probe starts
    /// and, when its hash matches, the end offset and the first bytes of the
    /// string compared. For a table larger than the caches each of those is
    /// a cache miss, and interning one string after the other waits for
    /// every miss in turn (each load needs the one before); loaded here for
    /// a few strings at once, the misses overlap. Changes nothing.
    pub(crate) fn touch_each(&self, hashes: impl Iterator<Item = u32> + Clone) {
        let mask = self.slots.len() - 1;
        let mut seen = 0u64;
        for hash in hashes.clone() {
            seen ^= self.slots[hash as usize & mask];
        }
        for hash in hashes {
            let slot = self.slots[hash as usize & mask];
            if slot != 0 && (slot >> 32) as u32 == hash {
                let id = (slot as u32).wrapping_sub(1) as usize;
                let start = match id.checked_sub(1) {
                    Some(prev) => self.table.ends.get(prev).copied().unwrap_or(0),
                    None => 0,
                };
                let byte = self.table.bytes.as_bytes().get(start as usize).copied();
                seen ^= u64::from(byte.unwrap_or(0));
            }
        }
        // Keeps the loads, whose values nothing needs.
        std::hint::black_box(seen);
    }

    fn intern_hashed(&mut self, hash: u32, tag: u32, s: &str) -> u32 {
        let mask = self.slots.len() - 1;
        let mut i = hash as usize & mask;
        loop {
            let slot = self.slots[i];
            if slot == 0 {
                break;
            }
            if (slot >> 32) as u32 == hash {
                let id = (slot as u32).wrapping_sub(1);
                if self.tag(id) == tag && self.table.get(id as usize) == s {
                    return id;
                }
            }
            i = (i + 1) & mask;
        }
        // Ids are u32 and the caller has checked that there are fewer events
        // than u32::MAX, so there are fewer distinct strings too.
        let id = self.table.push(s) as u32;
        if tag != 0 || !self.tags.is_empty() {
            // The first tag other than 0 gives every string before it its 0;
            // after that the column is as long as the strings already.
            self.tags.resize(id as usize, 0);
            self.tags.push(tag);
        }
        self.slots[i] = (u64::from(hash) << 32) | u64::from(id + 1);
        self.len += 1;
        if self.len * 2 > self.slots.len() {
            self.grow();
        }
        id
    }

    /// The tag of string `id` (0 while no string has another).
    #[inline]
    fn tag(&self, id: u32) -> u32 {
        if self.tags.is_empty() {
            0
        } else {
            self.tags.get(id as usize).copied().unwrap_or(u32::MAX)
        }
    }

    fn grow(&mut self) {
        self.place_in(self.slots.len() * 2);
    }

    /// Places every entry again in a table of `len` slots, a power of two
    /// larger than twice the entries.
    fn place_in(&mut self, len: usize) {
        self.place_into(vec![0u64; len]);
    }

    /// [`place_in`](Self::place_in) a table given empty (all zeros).
    fn place_into(&mut self, mut slots: Vec<u64>) {
        let mask = slots.len() - 1;
        for &slot in self.slots.iter().filter(|&&s| s != 0) {
            let mut i = (slot >> 32) as usize & mask;
            while slots[i] != 0 {
                i = (i + 1) & mask;
            }
            slots[i] = slot;
        }
        self.slots = slots;
    }

    /// Distinct strings interned (the readers count distinct ids with it).
    #[cfg(any(test, feature = "io"))]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Bytes held, the hash slots included.
    pub(crate) fn memory_bytes(&self) -> usize {
        self.table.memory_bytes()
            + self.tags.capacity() * size_of::<u32>()
            + self.slots.capacity() * size_of::<u64>()
    }

    pub(crate) fn into_table(mut self) -> StrTable {
        self.table.shrink_to_fit();
        self.table
    }
}

/// The most strings [`StrInterner::reserve`] makes room for at once (the
/// slots of 2^28 strings are 4 GiB); more still fit, by doubling.
#[cfg(any(test, feature = "io"))]
const MAX_RESERVED: usize = 1 << 28;

/// A 32-bit hash of a tagged string for [`StrInterner`].
fn hash_str(tag: u32, s: &str) -> u32 {
    let mut h = FastHasher::default();
    h.write_u32(tag);
    h.write(s.as_bytes());
    (h.finish() >> 32) as u32
}

/// Gives each distinct value of an enum with a few well-known variants an id.
/// The known variants go through a fixed slot (no hashing), which matters when
/// 20 million events are interned and nearly all of them are `store` or `web`.
pub(crate) struct EnumInterner<'a, T> {
    known: Vec<Option<u32>>,
    custom: FastMap<&'a T, u32>,
    pub(crate) table: Vec<T>,
}

impl<'a, T: Eq + Hash + Clone> EnumInterner<'a, T> {
    pub(crate) fn new(known_slots: usize) -> Self {
        EnumInterner {
            known: vec![None; known_slots],
            custom: FastMap::default(),
            table: Vec::new(),
        }
    }

    /// The id of `value`; `slot` is its fixed slot when it is a well-known variant.
    pub(crate) fn intern(&mut self, value: &'a T, slot: Option<usize>) -> u32 {
        if let Some(Some(id)) = slot.and_then(|s| self.known.get(s)) {
            return *id;
        }
        if slot.is_none()
            && let Some(&id) = self.custom.get(value)
        {
            return id;
        }
        let id = self.table.len() as u32;
        self.table.push(value.clone());
        match slot.and_then(|s| self.known.get_mut(s)) {
            Some(known) => *known = Some(id),
            None => {
                self.custom.insert(value, id);
            }
        }
        id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_round_trips_and_is_total() {
        let mut t = StrTable::default();
        assert_eq!(t.push("CMD-1"), 0);
        assert_eq!(t.push(""), 1);
        assert_eq!(t.push("Évry"), 2);
        assert_eq!(t.get(0), "CMD-1");
        assert_eq!(t.get(1), "");
        assert_eq!(t.get(2), "Évry");
        assert_eq!(t.get(99), "");
        // Touching any index, past the end too, changes nothing.
        let before = t.clone();
        t.touch([2, 0, 99, usize::MAX].into_iter());
        assert!(t == before);
        let mut u = StrTable::default();
        u.push("x");
        u.extend(&t);
        assert_eq!(u.get(3), "Évry");
        assert_eq!(u.len(), 4);
    }

    #[test]
    fn interners_give_one_id_per_distinct_value() {
        let words = ["a", "b", "a", "c", "b"];
        let mut i = StrInterner::new();
        let ids: Vec<u32> = words.iter().map(|w| i.intern(w)).collect();
        assert_eq!(ids, [0, 1, 0, 2, 1]);
        let t = i.into_table();
        assert_eq!(t.get(2), "c");

        let values = [String::from("x"), String::from("y"), String::from("x")];
        let mut e = EnumInterner::new(2);
        assert_eq!(e.intern(&values[0], None), 0);
        assert_eq!(e.intern(&values[1], Some(1)), 1);
        assert_eq!(e.intern(&values[2], None), 0);
        assert_eq!(e.intern(&values[1], Some(1)), 1);
        assert_eq!(e.table.len(), 2);
    }

    #[test]
    fn touching_changes_nothing_and_precomputed_hashes_agree() {
        let mut i = StrInterner::new();
        let words: Vec<String> = (0..300).map(|n| format!("CMD-{}", n % 170)).collect();
        for (n, w) in words.iter().enumerate() {
            let hashes: Vec<u32> = words[n..]
                .iter()
                .take(16)
                .map(|w| StrInterner::hash(w))
                .collect();
            i.touch_each(hashes.iter().copied());
            assert_eq!(
                i.intern_with_hash(StrInterner::hash(w), w),
                (n % 170) as u32
            );
        }
        // A wrong hash gives a wrong id, never a panic.
        i.touch_each([u32::MAX, 0].into_iter());
        let _ = i.intern_with_hash(0, "CMD-1");
    }

    #[test]
    fn tags_keep_equal_texts_apart() {
        let mut i = StrInterner::new();
        assert_eq!(i.intern_tagged(0, "A-77"), 0);
        assert_eq!(i.intern_tagged(1, "A-77"), 1);
        assert_eq!(i.intern_tagged(0, "A-77"), 0);
        assert_eq!(i.intern_tagged(1, ""), 2);
        assert_eq!(i.intern_tagged(1, "A-77"), 1);
        let t = i.into_table();
        assert_eq!((t.get(0), t.get(1), t.len()), ("A-77", "A-77", 3));
    }

    proptest::proptest! {
        // The open-addressing table against a plain map, across many growths.
        #[test]
        fn interner_agrees_with_a_map(words in proptest::collection::vec(("[a-c]{0,3}", 0u32..3), 0..600)) {
            let mut model: HashMap<(u32, &str), u32> = HashMap::new();
            let mut i = StrInterner::new();
            for (w, tag) in &words {
                let next = model.len() as u32;
                let want = *model.entry((*tag, w.as_str())).or_insert(next);
                proptest::prop_assert_eq!(i.intern_tagged(*tag, w), want);
            }
            let t = i.into_table();
            for ((_, w), id) in &model {
                proptest::prop_assert_eq!(t.get(*id as usize), *w);
            }
        }
    }

    #[test]
    fn fast_hasher_separates_nearby_keys() {
        use std::hash::BuildHasher;
        let build = BuildHasherDefault::<FastHasher>::default();
        let hashes: std::collections::HashSet<u64> = (0..10_000)
            .map(|n| build.hash_one(format!("EV{n:010}")))
            .collect();
        assert_eq!(hashes.len(), 10_000);
        // Low bits pick buckets: they must vary too.
        let low: std::collections::HashSet<u64> = (0..10_000)
            .map(|n| build.hash_one(format!("CMD-{n}")) & 0xffff)
            .collect();
        assert!(low.len() > 8_000, "{} distinct low halves", low.len());
    }
}
