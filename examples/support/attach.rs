//! Attaching events to their records when the export names only the
//! channel where the event happened (shared by `dedup` and `load`).

use std::hash::Hasher;

use omnicanal::normalize::NormalizedRecord;
use omnicanal::timeline::Event;
use omnicanal::{RecordId, SourceKey};

/// Where events are attached: every record by its source id.
///
/// An events export names the record an event belongs to by its id and a
/// channel. Some exports (the bundled sample's among them) give only the
/// channel where the event *happened*: a click & collect pickup happens in a
/// store but belongs to the web account that ordered. Such an event is
/// attached by its id alone when exactly one record of the job has that id —
/// ids of different systems have different shapes (`WEB…`, `CC…`, 13 digits,
/// UUIDs), so this is the record the export meant. An id held by records of
/// two channels, neither being the event's, stays an orphan.
///
/// The index is one flat open-addressing table keyed by the id alone (not
/// the channel), so that one probe finds both the record with the exact key
/// and every holder of the id: a slot is empty (0) or `hash << 32 |
/// (record + 1)`, linear probing, at most half full (1M records: 16 MB).
/// The id is hashed once per event, and a record's key is read only when
/// the 32-bit hashes agree. A `HashMap<&str, _>` did two lookups per
/// event, each comparing against a key scattered over the heap.
pub struct RecordIndex<'k> {
    records: &'k [NormalizedRecord],
    slots: Vec<u64>,
}

/// Where an event goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attachment {
    /// The record with exactly the event's key.
    Exact(RecordId),
    /// The one record holding the event's id, under another channel.
    ById(RecordId),
    /// No record: an orphan.
    None,
}

impl Attachment {
    /// The record, however it was found.
    pub fn record(self) -> Option<RecordId> {
        match self {
            Attachment::Exact(r) | Attachment::ById(r) => Some(r),
            Attachment::None => None,
        }
    }
}

/// A multiply-rotate hash (the Fx hash of rustc) of a source id: the ids
/// come from the retailer's own systems, so hash flooding is not a concern,
/// and SipHash would be a visible cost at millions of events.
fn hash_id(id: &str) -> u32 {
    let mut hasher = IdHasher::default();
    hasher.write(id.as_bytes());
    (hasher.finish() >> 32) as u32
}

#[derive(Default)]
struct IdHasher(u64);

/// The multiplier of the Fx hash.
const K: u64 = 0xf135_7aea_2e62_a9c5;

impl Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.0 = (self.0.rotate_left(26) ^ u64::from_le_bytes(word)).wrapping_mul(K);
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            // The length keeps "ab" and "ab\0" apart.
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.0 = (self.0.rotate_left(26) ^ u64::from_le_bytes(word) ^ (rest.len() as u64))
                .wrapping_mul(K);
        }
    }

    fn finish(&self) -> u64 {
        // One more multiply so that the high half (the stored hash and,
        // through the mask, nothing else) depends on every byte.
        let h = (self.0 ^ (self.0 >> 29)).wrapping_mul(K);
        h ^ (h >> 32)
    }
}

impl<'k> RecordIndex<'k> {
    /// Indexes the keys of `records` (`records[r]` is record `r`).
    pub fn new(records: &'k [NormalizedRecord]) -> RecordIndex<'k> {
        use rayon::prelude::*;
        let hashes: Vec<u32> = records
            .par_iter()
            .map(|record| hash_id(&record.key.id))
            .collect();
        let size = (records.len() * 2).next_power_of_two().max(16);
        let mask = size - 1;
        let mut slots = vec![0u64; size];
        // In record order: holders of one id then come in record order
        // along the probe, so the first exact match is the lowest record.
        for (record, &hash) in hashes.iter().enumerate() {
            let mut i = hash as usize & mask;
            while slots[i] != 0 {
                i = (i + 1) & mask;
            }
            slots[i] = (u64::from(hash) << 32) | (record as u64 + 1);
        }
        RecordIndex { records, slots }
    }

    /// The record with exactly `key` (exact first), else the one record
    /// holding its id under another channel.
    pub fn find(&self, key: &SourceKey) -> Attachment {
        let hash = hash_id(&key.id);
        let mask = self.slots.len() - 1;
        let mut i = hash as usize & mask;
        let mut holder = None;
        let mut holders = 0u32;
        loop {
            let slot = self.slots[i];
            if slot == 0 {
                break;
            }
            if (slot >> 32) as u32 == hash {
                let r = (slot as u32).wrapping_sub(1);
                if let Some(record) = self.records.get(r as usize)
                    && record.key.id == key.id
                {
                    if record.key.channel == key.channel {
                        return Attachment::Exact(RecordId(r));
                    }
                    holders += 1;
                    holder = Some(RecordId(r));
                }
            }
            i = (i + 1) & mask;
        }
        match holder {
            Some(r) if holders == 1 => Attachment::ById(r),
            _ => Attachment::None,
        }
    }

    /// The record with exactly this key.
    pub fn exact(&self, key: &SourceKey) -> Option<RecordId> {
        match self.find(key) {
            Attachment::Exact(r) => Some(r),
            _ => None,
        }
    }

    /// Finds every event's record (in parallel) and, for an event attached
    /// by its id alone, sets its source key to that record's, so that every
    /// event attached to a record carries the record's own key. Returns one
    /// attachment per event, in order.
    pub fn attach_each(&self, events: &mut [Event]) -> Vec<Attachment> {
        use rayon::prelude::*;
        events
            .par_iter_mut()
            .map(|event| {
                let found = self.find(&event.source);
                if let Attachment::ById(r) = found
                    && let Some(record) = self.records.get(r.index())
                {
                    event.source = record.key.clone();
                }
                found
            })
            .collect()
    }

    /// [`attach_each`](Self::attach_each), counting only: returns how many
    /// were attached by id alone; events naming no record are left as they
    /// are, for `Timelines::build` to return as orphans.
    pub fn attach(&self, events: &mut [Event]) -> u64 {
        self.attach_each(events)
            .iter()
            .filter(|a| matches!(a, Attachment::ById(_)))
            .count() as u64
    }
}
