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

/// Events whose lookups `RecordIndex::attach_each` loads together (see
/// `RecordIndex::touch`): enough cache misses in flight to cover a miss's
/// latency, few enough that what they load stays in L1 until it is read.
const TOUCH_GROUP: usize = 32;

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
        self.find_hashed(key, hash_id(&key.id))
    }

    /// [`find`](Self::find) with `hash_id(&key.id)` given.
    fn find_hashed(&self, key: &SourceKey, hash: u32) -> Attachment {
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

    /// Loads what finding the keys of `hashes` (their `hash_id`s) reads
    /// first: the slot where each probe starts and, when its hash matches,
    /// that record's id (the record, then the id's heap bytes when it is
    /// too long to be inline, as a UUID is). Each of those is a cache miss
    /// (the slots and the records are far larger than the caches), and one
    /// `find` after the other waits for each in turn, three deep; loaded
    /// here for a group of events at once, pass by pass, the misses
    /// overlap. Changes nothing.
    fn touch(&self, hashes: &[u32]) {
        let mask = self.slots.len() - 1;
        let mut seen = 0u64;
        for &hash in hashes {
            seen ^= self.slots[hash as usize & mask];
        }
        let mut ids: [&str; TOUCH_GROUP] = [""; TOUCH_GROUP];
        for (&hash, id) in hashes.iter().zip(&mut ids) {
            let slot = self.slots[hash as usize & mask];
            if slot != 0 && (slot >> 32) as u32 == hash {
                let r = (slot as u32).wrapping_sub(1) as usize;
                if let Some(record) = self.records.get(r) {
                    *id = record.key.id.as_str();
                }
            }
        }
        for id in &ids[..hashes.len().min(TOUCH_GROUP)] {
            seen ^= u64::from(id.as_bytes().first().copied().unwrap_or(0));
        }
        // Keeps the loads, whose values nothing needs.
        std::hint::black_box(seen);
    }

    /// The record with exactly this key.
    pub fn exact(&self, key: &SourceKey) -> Option<RecordId> {
        match self.find(key) {
            Attachment::Exact(r) => Some(r),
            _ => None,
        }
    }

    /// Finds every event's record (in parallel, a group of events at a
    /// time: see [`touch`](Self::touch)) and, for an event attached by its
    /// id alone, sets its source key to that record's, so that every event
    /// attached to a record carries the record's own key. `event` gives an
    /// item's event (the item itself, or its event alongside what the
    /// caller keeps with it). Returns one attachment per item, in order.
    pub fn attach_each<T: Send>(
        &self,
        items: &mut [T],
        event: impl Fn(&mut T) -> &mut Event + Sync,
    ) -> Vec<Attachment> {
        use rayon::prelude::*;
        items
            .par_chunks_mut(TOUCH_GROUP)
            .flat_map_iter(|group| {
                let mut hashes = [0u32; TOUCH_GROUP];
                for (hash, item) in hashes.iter_mut().zip(group.iter_mut()) {
                    *hash = hash_id(&event(item).source.id);
                }
                self.touch(&hashes[..group.len()]);
                group.iter_mut().zip(hashes).map(|(item, hash)| {
                    let event = event(item);
                    let found = self.find_hashed(&event.source, hash);
                    if let Attachment::ById(r) = found
                        && let Some(record) = self.records.get(r.index())
                    {
                        event.source = record.key.clone();
                    }
                    found
                })
            })
            .collect()
    }

    /// [`attach_each`](Self::attach_each), counting only: returns how many
    /// were attached by id alone; events naming no record are left as they
    /// are, for `Timelines::build` to return as orphans.
    pub fn attach(&self, events: &mut [Event]) -> u64 {
        self.attach_each(events, |event| event)
            .iter()
            .filter(|a| matches!(a, Attachment::ById(_)))
            .count() as u64
    }
}

#[cfg(test)]
mod tests {
    use omnicanal::normalize::{NormalizeOptions, Normalizer};
    use omnicanal::timeline::EventKind;
    use omnicanal::{Channel, Record};
    use proptest::prelude::*;

    use super::*;

    const CHANNELS: [Channel; 3] = [Channel::Web, Channel::Store, Channel::App];

    fn key((channel, id): (usize, u8)) -> SourceKey {
        // Ids of 2 and 40 bytes: inline and heap-allocated compact strings.
        let id = if id % 2 == 0 {
            format!("{id:02}")
        } else {
            format!("{id:040}")
        };
        SourceKey::new(CHANNELS[channel % 3].clone(), id).unwrap()
    }

    fn event(source: SourceKey) -> Event {
        Event {
            id: "E".into(),
            source,
            timestamp: jiff::Timestamp::UNIX_EPOCH,
            channel: Channel::Store,
            kind: EventKind::Call,
            amount: None,
            order_ref: None,
            store: None,
            attributes: vec![],
        }
    }

    proptest! {
        /// Attaching a batch (a group at a time, its lookups loaded ahead)
        /// gives every event what `find` gives it alone, and the key of the
        /// record it is attached to by id.
        #[test]
        fn attach_each_equals_find_one_at_a_time(
            records in prop::collection::vec((0usize..3, 0u8..12), 0..40),
            events in prop::collection::vec((0usize..3, 0u8..14), 0..150),
        ) {
            let normalizer = Normalizer::new(NormalizeOptions::default()).unwrap();
            let records: Vec<NormalizedRecord> = records
                .into_iter()
                .map(|k| normalizer.normalize(&Record::new(key(k))))
                .collect();
            let index = RecordIndex::new(&records);
            let mut batch: Vec<Event> = events.into_iter().map(|k| event(key(k))).collect();
            let alone: Vec<(Attachment, SourceKey)> = batch
                .iter()
                .map(|e| {
                    let found = index.find(&e.source);
                    let source = match found {
                        Attachment::ById(r) => records[r.index()].key.clone(),
                        _ => e.source.clone(),
                    };
                    (found, source)
                })
                .collect();
            let found = index.attach_each(&mut batch, |e| e);
            let attached: Vec<(Attachment, SourceKey)> =
                found.into_iter().zip(batch.into_iter().map(|e| e.source)).collect();
            prop_assert_eq!(attached, alone);
        }
    }
}
