//! String tables for the timeline store: every string lives once in one byte
//! arena, addressed by a `u32` id.
//!
//! Why not `Vec<String>`: a `String` costs 24 bytes of header plus a heap
//! block (≥ 16 bytes of allocator overhead) per value. An arena costs 8 bytes
//! per value (its end offset) and nothing else, which is what keeps the store
//! under its 64-bytes-per-event budget.

use std::collections::HashMap;
use std::hash::Hash;

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

/// Gives each distinct string an id, in order of first appearance.
pub(crate) struct StrInterner<'a> {
    ids: HashMap<&'a str, u32>,
    table: StrTable,
}

impl<'a> StrInterner<'a> {
    pub(crate) fn new() -> Self {
        StrInterner {
            ids: HashMap::new(),
            table: StrTable::default(),
        }
    }

    pub(crate) fn intern(&mut self, s: &'a str) -> u32 {
        if let Some(&id) = self.ids.get(s) {
            return id;
        }
        // Ids are u32 and the caller has checked that there are fewer events
        // than u32::MAX, so there are fewer distinct strings too.
        let id = self.table.push(s) as u32;
        self.ids.insert(s, id);
        id
    }

    pub(crate) fn into_table(mut self) -> StrTable {
        self.table.shrink_to_fit();
        self.table
    }
}

/// Gives each distinct value of an enum with a few well-known variants an id.
/// The known variants go through a fixed slot (no hashing), which matters when
/// 20 million events are interned and nearly all of them are `store` or `web`.
pub(crate) struct EnumInterner<'a, T> {
    known: Vec<Option<u32>>,
    custom: HashMap<&'a T, u32>,
    pub(crate) table: Vec<T>,
}

impl<'a, T: Eq + Hash + Clone> EnumInterner<'a, T> {
    pub(crate) fn new(known_slots: usize) -> Self {
        EnumInterner {
            known: vec![None; known_slots],
            custom: HashMap::new(),
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
}
