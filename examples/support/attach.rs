//! Attaching events to their records when the export names only the
//! channel where the event happened (shared by `dedup` and `load`).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use omnicanal::normalize::NormalizedRecord;
use omnicanal::timeline::Event;
use omnicanal::{RecordId, SourceKey};

/// Where events are attached: every record by its source id, with the
/// channels that hold that id.
///
/// An events export names the record an event belongs to by its id and a
/// channel. Some exports (the bundled sample's among them) give only the
/// channel where the event *happened*: a click & collect pickup happens in a
/// store but belongs to the web account that ordered. Such an event is
/// attached by its id alone when exactly one record of the job has that id —
/// ids of different systems have different shapes (`WEB…`, `CC…`, 13 digits,
/// UUIDs), so this is the record the export meant. An id held by records of
/// two channels, neither being the event's, stays an orphan.
pub struct RecordIndex<'k> {
    records: &'k [NormalizedRecord],
    by_id: HashMap<&'k str, Holders, BuildHasherDefault<IdHasher>>,
}

/// A multiply-rotate hasher (the Fx hash of rustc) for source ids: two
/// lookups per event make SipHash a visible cost at millions of events, and
/// the ids come from the retailer's own systems, so hash flooding is not a
/// concern here.
#[derive(Default)]
pub struct IdHasher(u64);

impl Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0xf135_7aea_2e62_a9c5;
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.0 = (self.0.rotate_left(26) ^ u64::from_le_bytes(word)).wrapping_mul(K);
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.0 = (self.0.rotate_left(26) ^ u64::from_le_bytes(word)).wrapping_mul(K);
        }
    }

    fn write_u8(&mut self, byte: u8) {
        self.write(&[byte]);
    }

    fn finish(&self) -> u64 {
        // Mix the high bits down: hashbrown takes its control byte from the
        // top seven bits and its bucket from the low ones.
        self.0 ^ (self.0 >> 32)
    }
}

/// The records holding one id: nearly always one, so no allocation then.
enum Holders {
    One(u32),
    Many(Vec<u32>),
}

impl<'k> RecordIndex<'k> {
    /// Indexes the keys of `records` (`records[r]` is record `r`).
    pub fn new(records: &'k [NormalizedRecord]) -> RecordIndex<'k> {
        let mut by_id: HashMap<&str, Holders, BuildHasherDefault<IdHasher>> =
            HashMap::with_capacity_and_hasher(records.len(), BuildHasherDefault::default());
        for (record, normalized) in records.iter().enumerate() {
            let key = &normalized.key;
            let record = record as u32;
            by_id
                .entry(key.id.as_str())
                .and_modify(|holders| match holders {
                    Holders::One(first) => *holders = Holders::Many(vec![*first, record]),
                    Holders::Many(all) => all.push(record),
                })
                .or_insert(Holders::One(record));
        }
        RecordIndex { records, by_id }
    }

    /// The record with exactly this key.
    pub fn exact(&self, key: &SourceKey) -> Option<RecordId> {
        let holders = self.by_id.get(key.id.as_str())?;
        let matches =
            |r: &u32| self.records.get(*r as usize).map(|n| &n.key.channel) == Some(&key.channel);
        match holders {
            Holders::One(r) => matches(r).then_some(RecordId(*r)),
            Holders::Many(all) => all.iter().find(|r| matches(r)).map(|r| RecordId(*r)),
        }
    }

    /// Points every event at its record: exact key first, then id alone when
    /// one record holds it (the event's source key is set to that record's).
    /// Returns how many were attached by id alone; events naming no record
    /// are left as they are, for `Timelines::build` to return as orphans.
    pub fn attach(&self, events: &mut [Event]) -> u64 {
        use rayon::prelude::*;
        events
            .par_iter_mut()
            .map(|event| {
                if self.exact(&event.source).is_some() {
                    return 0;
                }
                let Some(Holders::One(r)) = self.by_id.get(event.source.id.as_str()) else {
                    return 0;
                };
                match self.records.get(*r as usize) {
                    Some(record) => {
                        event.source = record.key.clone();
                        1
                    }
                    None => 0,
                }
            })
            .sum()
    }
}
