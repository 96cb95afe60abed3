//! [`RecordEvents`]: a mutable event store keyed by *record*, for the live
//! resolver, where customers merge and split all day.
//!
//! [`Timelines`](super::Timelines) sorts events by customer once and is
//! rebuilt to change; here every record ([`RecordId`], a slot that stays the
//! record's for its life) keeps its own sorted list of events, and a
//! customer's timeline is the merge of its records' lists at query time
//! ([`RecordEvents::timeline`]). A merge or a split of customers therefore
//! touches no event at all.
//!
//! # Layout
//!
//! - Per record: a `Vec` of 24-byte entries sorted by the timeline order,
//!   each holding what sorting and filtering need (instant, sequence, channel
//!   and kind ids) and a 40-bit reference to the event's *blob*; and a
//!   reference to the blob of the record's source key.
//! - One chunked byte arena holds the blobs: id, amount, order reference,
//!   store code, attributes, in a compact varint encoding (see `blob.rs`).
//!   Nothing personal is shared between events, so nothing needs
//!   reference counting: erasing an event zeroes its blob.
//! - Small shared tables of channels, kinds and currencies (not personal).
//!
//! Per event that is 24 bytes of entry (plus the growth slack of its
//! record's `Vec`), about 8 bytes of blob framing, and the record's 32-byte
//! slot shared by its events: about 35 to 45 bytes beyond the strings.
//!
//! # Order
//!
//! As in [`Timelines`](super::Timelines): instant, then channel *name*, then
//! sequence. [`RecordEvents::push`] gives each event the next sequence of the
//! store (never reused, even after an erasure), [`RecordEvents::from_events`]
//! gives each its input position. Sequences are distinct, so the merge of
//! any set of records is a total order, and [`Cursor`](super::Cursor)s mean
//! the same as in [`query`](super::query): a point of that order, which stays
//! right when events arrive (or records join the customer) between pages.
//!
//! # Erasure
//!
//! [`RecordEvents::erase_record`] zeroes every byte of the record's blobs
//! and entries and frees its list; zeroed bytes are garbage that
//! [`RecordEvents::compact`] drops (it runs by itself once garbage is half
//! the arena). A serialized store therefore holds nothing of an erased event.

mod blob;
mod query;
mod wire;

#[cfg(test)]
mod tests;

use std::fmt;
use std::hash::Hash;

use rayon::prelude::*;

use self::blob::{Arena, BlobIds, MAX_CHUNKS, NO_REF, REF_BITS, REF_MASK};
use super::event::{Currency, Event, EventKind};
use super::store::{
    MAX_EVENTS, MemoryUsage, Orphan, OrphanReason, distinct_sources, drop_in_background,
    empty_event, split_timestamp,
};
use super::strings::FastMap;
use crate::error::{Error, ErrorKind, Result};
use crate::record::{Channel, RecordId, SourceKey};

pub use query::{LiveEventView, LiveJourney, LivePage, LiveTimelineQuery};
pub(crate) use wire::RecordEventsWire;

/// Most distinct channels, and most distinct kinds, one store holds: their
/// ids are 12 bits of an entry.
pub const MAX_TABLE_ENTRIES: usize = 1 << 12;

/// How far past its current records a store grows for one new record id:
/// a record slot costs 32 bytes even without events, so an absurd id must
/// not allocate gigabytes. The resolver's record ids are dense, so this
/// never refuses one of them.
pub const RECORD_HEADROOM: usize = 1 << 22;

/// Garbage below which erasure never compacts: compacting a small arena
/// frees little and costs a full copy.
const COMPACT_MIN_GARBAGE: usize = 1 << 20;

/// Events of the bulk constructor encoded per parallel task; a multiple of
/// nothing in particular, big enough to fill a few chunks.
const BATCH: usize = 1 << 15;

/// One event in its record's list: what sorting and filtering read, and
/// where the rest is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Entry {
    seconds: i64,
    nanos: u32,
    seq: u32,
    /// Blob reference (bits 0..40), channel id (40..52), kind id (52..64).
    packed: u64,
}

impl Entry {
    fn new(seconds: i64, nanos: u32, seq: u32, blob: u64, channel: u32, kind: u32) -> Entry {
        Entry {
            seconds,
            nanos,
            seq,
            packed: (blob & REF_MASK)
                | (u64::from(channel & 0xfff) << REF_BITS)
                | (u64::from(kind & 0xfff) << (REF_BITS + 12)),
        }
    }

    fn blob(self) -> u64 {
        self.packed & REF_MASK
    }

    fn channel(self) -> u32 {
        ((self.packed >> REF_BITS) & 0xfff) as u32
    }

    fn kind(self) -> u32 {
        (self.packed >> (REF_BITS + 12)) as u32
    }

    fn with_blob(self, blob: u64) -> Entry {
        Entry {
            packed: (self.packed & !REF_MASK) | (blob & REF_MASK),
            ..self
        }
    }
}

/// The timeline order of an entry: instant, channel rank (by name), sequence.
type SortKey = (i64, u32, u16, u32);

fn sort_key(ranks: &[u16], e: Entry) -> SortKey {
    let rank = ranks.get(e.channel() as usize).copied().unwrap_or(u16::MAX);
    (e.seconds, e.nanos, rank, e.seq)
}

/// One record's events and the reference of its source key's blob.
#[derive(Debug, Clone)]
struct RecordSlot {
    entries: Vec<Entry>,
    key: u64,
}

impl Default for RecordSlot {
    fn default() -> Self {
        RecordSlot {
            entries: Vec::new(),
            key: NO_REF,
        }
    }
}

/// Events stored per record, merged per customer at query time. See the
/// [module docs](self) for the layout, the order and erasure.
///
/// ```
/// use omnicanal::timeline::{Event, EventKind, RecordEvents};
/// use omnicanal::{Channel, RecordId, SourceKey};
///
/// let event = |id: &str, source: &SourceKey, at: &str| -> Result<Event, Box<dyn std::error::Error>> {
///     Ok(Event {
///         id: id.into(), source: source.clone(), timestamp: at.parse()?,
///         channel: source.channel.clone(), kind: EventKind::Purchase, amount: None,
///         order_ref: None, store: None, attributes: vec![],
///     })
/// };
/// let card = SourceKey::new(Channel::Store, "4001")?;
/// let web = SourceKey::new(Channel::Web, "A-77")?;
/// let mut store = RecordEvents::new();
/// store.push(RecordId(0), event("T1", &card, "2024-01-05T10:00:00Z")?)?;
/// store.push(RecordId(1), event("W1", &web, "2024-02-05T10:00:00Z")?)?;
/// store.push(RecordId(0), event("T2", &card, "2024-03-05T10:00:00Z")?)?;
///
/// // The customer made of records 0 and 1, newest first.
/// let page = store.timeline(&[RecordId(0), RecordId(1)]).newest_first().limit(2).page();
/// let ids: Vec<&str> = page.events.iter().map(|e| e.id()).collect();
/// assert_eq!(ids, ["T2", "W1"]);
///
/// assert_eq!(store.erase_record(RecordId(0)), 2);
/// assert_eq!(store.timeline(&[RecordId(0), RecordId(1)]).count(), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Default)]
pub struct RecordEvents {
    records: Vec<RecordSlot>,
    arena: Arena,
    channels: Vec<Channel>,
    /// Per channel id, its rank among the distinct channel names, so that
    /// comparing ranks compares names.
    ranks: Vec<u16>,
    kinds: Vec<EventKind>,
    currencies: Vec<Currency>,
    next_seq: u32,
    len: usize,
    text_bytes: usize,
    attribute_bytes: usize,
}

impl fmt::Debug for RecordEvents {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Counts only: ids and attributes may be personal data.
        f.debug_struct("RecordEvents")
            .field("events", &self.len)
            .field("record_slots", &self.records.len())
            .field("channels", &self.channels)
            .field("next_sequence", &self.next_seq)
            .finish_non_exhaustive()
    }
}

/// Equal when the same records hold the same events with the same
/// sequences, under the same source keys, whatever the memory layout (a
/// store built in bulk equals the one built by pushing the same events).
impl PartialEq for RecordEvents {
    fn eq(&self, other: &Self) -> bool {
        if self.len != other.len || self.next_seq != other.next_seq {
            return false;
        }
        let slots = self.records.len().max(other.records.len());
        (0..slots).all(|r| {
            let id = RecordId(r as u32);
            let (a, b) = (self.entries_of(id), other.entries_of(id));
            self.source_of(id) == other.source_of(id)
                && a.len() == b.len()
                && a.iter().zip(b).all(|(x, y)| {
                    let (x, y) = (self.view(id, *x), other.view(id, *y));
                    x.sequence() == y.sequence() && x.to_event() == y.to_event()
                })
        })
    }
}

impl Eq for RecordEvents {}

fn error(reason: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidValue {
        reason: reason.into(),
    })
}

impl RecordEvents {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an event to a record, with the store's next sequence.
    ///
    /// The record's first event also gives the record its source key; an
    /// event whose `source` differs from it keeps its own (the view's
    /// [`source`](LiveEventView::source) is always the event's). Cost: the
    /// blob's encoding plus a binary search in the record's list (an append
    /// when events arrive in time order).
    ///
    /// Fails, changing nothing, when the store has used every sequence
    /// ([`MAX_EVENTS`]) or every chunk of its arena (1 TiB), when the event
    /// brings channel or kind number [`MAX_TABLE_ENTRIES`] + 1, or when
    /// `record` is more than [`RECORD_HEADROOM`] past the store's records.
    pub fn push(&mut self, record: RecordId, event: Event) -> Result<()> {
        let r = record.index();
        if r >= self.records.len().saturating_add(RECORD_HEADROOM) || record.0 == u32::MAX {
            return Err(error("record id far past the store's records"));
        }
        if self.next_seq as usize >= MAX_EVENTS {
            return Err(error(format!(
                "a record event store gives at most {MAX_EVENTS} sequences"
            )));
        }
        // A key blob and an event blob open at most two chunks; checking
        // here keeps the writes below infallible.
        if self.arena.chunks.len() + 2 > MAX_CHUNKS {
            return Err(error("the event arena is full"));
        }
        let channel = self.intern_channel(&event.channel)?;
        let source_channel = self.intern_channel(&event.source.channel)?;
        let kind = self.intern_kind(&event.kind)?;
        let currency = match &event.amount {
            Some(m) => self.intern_currency(m.currency),
            None => 0,
        };
        if r >= self.records.len() {
            self.records.resize_with(r + 1, RecordSlot::default);
        }

        let key = self.records[r].key;
        let own_source = if key == NO_REF {
            let len = blob::key_blob_len(source_channel, &event.source.id);
            let at = self.write(len, |out| {
                blob::encode_key(out, source_channel, &event.source.id)
            });
            self.records[r].key = at;
            self.text_bytes += event.source.id.len();
            None
        } else if self.key_is(key, &event.source) {
            None
        } else {
            Some(source_channel)
        };

        let ids = BlobIds {
            currency,
            own_source,
        };
        let len = blob::event_blob_len(&event, ids);
        let at = self.write(len, |out| blob::encode_event(out, &event, ids));
        self.text_bytes += blob::event_text_len(&event, ids);
        self.attribute_bytes += blob::attributes_len(&event);

        let (seconds, nanos) = split_timestamp(event.timestamp);
        let entry = Entry::new(seconds, nanos, self.next_seq, at, channel, kind);
        self.next_seq += 1;
        self.len += 1;
        let ranks = &self.ranks;
        let new_key = sort_key(ranks, entry);
        let entries = &mut self.records[r].entries;
        match entries.last() {
            Some(&last) if sort_key(ranks, last) > new_key => {
                let at = entries.partition_point(|&e| sort_key(ranks, e) < new_key);
                entries.insert(at, entry);
            }
            _ => entries.push(entry),
        }
        Ok(())
    }

    /// Writes `len` bytes with `encode` at the end of the arena; the caller
    /// has checked that a chunk is available.
    fn write(&mut self, len: usize, encode: impl FnOnce(&mut Vec<u8>)) -> u64 {
        match self.arena.reserve(len) {
            Some(at) => {
                if let Some(chunk) = self.arena.last_chunk() {
                    encode(chunk);
                }
                at
            }
            None => NO_REF,
        }
    }

    /// Removes a record's events (GDPR erasure) and returns how many there
    /// were. Every byte of them (blobs, entries, the record's source key) is
    /// zeroed before it is freed, so neither the store nor its serialized
    /// form keeps any of it; other records are untouched. The record's slot
    /// stays, empty, and may receive events again.
    pub fn erase_record(&mut self, record: RecordId) -> usize {
        let Some(slot) = self.records.get_mut(record.index()) else {
            return 0;
        };
        let mut entries = std::mem::take(&mut slot.entries);
        let key = std::mem::replace(&mut slot.key, NO_REF);
        for e in &entries {
            let Some(parsed) = blob::parse_event(self.arena.tail(e.blob())) else {
                continue;
            };
            let (len, text, attrs) = (
                parsed.len,
                parsed.text_len(),
                parsed.attributes.encoded_len(),
            );
            self.text_bytes = self.text_bytes.saturating_sub(text);
            self.attribute_bytes = self.attribute_bytes.saturating_sub(attrs);
            self.arena.scrub(e.blob(), len);
        }
        if let Some((_, id, len)) = blob::parse_key(self.arena.tail(key)) {
            self.text_bytes = self.text_bytes.saturating_sub(id.len());
            self.arena.scrub(key, len);
        }
        let removed = entries.len();
        // Instants and sequences are the erased events' too.
        entries.fill(Entry::default());
        std::hint::black_box(&mut entries);
        drop(entries);
        self.len -= removed;
        if self.arena.garbage >= COMPACT_MIN_GARBAGE && self.arena.garbage * 2 > self.arena.used() {
            self.compact();
        }
        removed
    }

    /// Rewrites the arena without the garbage erasures left (zeroed bytes)
    /// and without slack. O(bytes held); [`erase_record`](Self::erase_record)
    /// calls it once garbage is half the arena, so its cost is amortized over
    /// the erasures.
    pub fn compact(&mut self) {
        let mut fresh = Arena::default();
        let mut moved: Vec<u64> = Vec::with_capacity(self.len + self.records.len());
        for slot in &self.records {
            let blobs = std::iter::once(slot.key)
                .filter(|&k| k != NO_REF)
                .chain(slot.entries.iter().map(|e| e.blob()));
            for (i, at) in blobs.enumerate() {
                let tail = self.arena.tail(at);
                let len = if i == 0 && slot.key != NO_REF {
                    blob::parse_key(tail).map_or(0, |(_, _, len)| len)
                } else {
                    blob::parse_event(tail).map_or(0, |b| b.len)
                };
                // Out of chunks cannot happen (the blobs fitted before, and
                // packing them leaves fewer chunks); if it did, keep the old
                // arena rather than lose events.
                match fresh.write(tail.get(..len).unwrap_or(&[])) {
                    Some(r) => moved.push(r),
                    None => return,
                }
            }
        }
        let mut moved = moved.into_iter();
        for slot in &mut self.records {
            if slot.key != NO_REF {
                slot.key = moved.next().unwrap_or(NO_REF);
            }
            for e in &mut slot.entries {
                *e = e.with_blob(moved.next().unwrap_or(NO_REF));
            }
        }
        for chunk in &mut fresh.chunks {
            chunk.shrink_to_fit();
        }
        self.arena = fresh;
    }

    /// Number of events of a record (0 for an unknown record).
    pub fn events_of(&self, record: RecordId) -> usize {
        self.entries_of(record).len()
    }

    /// The source key of a record that has events (its first event's).
    pub fn source_of(&self, record: RecordId) -> Option<SourceKey> {
        let key = self.records.get(record.index())?.key;
        let (channel, id, _) = blob::parse_key(self.arena.tail(key))?;
        Some(SourceKey {
            channel: self.channels.get(channel as usize)?.clone(),
            id: id.into(),
        })
    }

    /// The records that have events, ascending.
    pub fn records(&self) -> impl Iterator<Item = RecordId> + '_ {
        self.records
            .iter()
            .enumerate()
            .filter(|(_, s)| !s.entries.is_empty())
            .map(|(r, _)| RecordId(r as u32))
    }

    /// A query over the merged timeline of these records (a customer's),
    /// duplicates ignored; see [`LiveTimelineQuery`].
    pub fn timeline<'a>(&'a self, records: &[RecordId]) -> LiveTimelineQuery<'a> {
        LiveTimelineQuery::new(self, records)
    }

    /// Number of events held.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when no event is held.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The sequence the next pushed event will get.
    pub fn next_sequence(&self) -> u32 {
        self.next_seq
    }

    /// Heap bytes held, split into strings (ids, order references, store
    /// codes, source ids), attributes (their encoded pairs) and the rest.
    pub fn memory(&self) -> MemoryUsage {
        let names: usize = self
            .channels
            .iter()
            .map(|c| match c {
                Channel::Custom(s) => s.capacity(),
                _ => 0,
            })
            .chain(self.kinds.iter().map(|k| match k {
                EventKind::Custom(s) => s.capacity(),
                _ => 0,
            }))
            .sum();
        let total = self.records.capacity() * size_of::<RecordSlot>()
            + self
                .records
                .iter()
                .map(|s| s.entries.capacity() * size_of::<Entry>())
                .sum::<usize>()
            + self.arena.memory_bytes()
            + self.channels.capacity() * size_of::<Channel>()
            + self.ranks.capacity() * size_of::<u16>()
            + self.kinds.capacity() * size_of::<EventKind>()
            + self.currencies.capacity() * size_of::<Currency>()
            + names;
        MemoryUsage {
            total,
            string_bytes: self.text_bytes,
            attribute_bytes: self.attribute_bytes,
            events: self.len,
        }
    }

    pub(super) fn entries_of(&self, record: RecordId) -> &[Entry] {
        self.records
            .get(record.index())
            .map_or(&[], |s| s.entries.as_slice())
    }

    pub(super) fn view(&self, record: RecordId, entry: Entry) -> LiveEventView<'_> {
        LiveEventView::new(self, record, entry)
    }

    fn key_is(&self, key: u64, source: &SourceKey) -> bool {
        match blob::parse_key(self.arena.tail(key)) {
            Some((channel, id, _)) => {
                id == source.id && self.channels.get(channel as usize) == Some(&source.channel)
            }
            None => false,
        }
    }

    fn intern_channel(&mut self, channel: &Channel) -> Result<u32> {
        if let Some(i) = self.channels.iter().position(|c| c == channel) {
            return Ok(i as u32);
        }
        if self.channels.len() >= MAX_TABLE_ENTRIES {
            return Err(error("too many distinct channels in one event store"));
        }
        self.channels.push(channel.clone());
        self.ranks = ranks_by_name(&self.channels);
        Ok((self.channels.len() - 1) as u32)
    }

    fn intern_kind(&mut self, kind: &EventKind) -> Result<u32> {
        if let Some(i) = self.kinds.iter().position(|k| k == kind) {
            return Ok(i as u32);
        }
        if self.kinds.len() >= MAX_TABLE_ENTRIES {
            return Err(error("too many distinct event kinds in one event store"));
        }
        self.kinds.push(kind.clone());
        Ok((self.kinds.len() - 1) as u32)
    }

    fn intern_currency(&mut self, currency: Currency) -> u32 {
        match self.currencies.iter().position(|c| *c == currency) {
            Some(i) => i as u32,
            None => {
                // At most 26³ currencies exist, so the id fits.
                self.currencies.push(currency);
                (self.currencies.len() - 1) as u32
            }
        }
    }

    /// Builds a store from many events at once (start-up), in parallel.
    ///
    /// `record_of` maps a source key to its record; it is called once per
    /// distinct key. An event's sequence is its position in `events`, a
    /// record's source key is that of its first event in `events`: the
    /// result [equals](PartialEq) pushing the placed events one by one in
    /// input order, and does not depend on the thread count. Events whose
    /// key has no record come back as [`Orphan`]s, in input order.
    ///
    /// Fails when there are more than [`MAX_EVENTS`] events or more than
    /// [`MAX_TABLE_ENTRIES`] channels or kinds, or when a record id is
    /// absurdly large (past 8 × the number of events + [`RECORD_HEADROOM`]).
    pub fn from_events<F>(mut events: Vec<Event>, record_of: F) -> Result<(Self, Vec<Orphan>)>
    where
        F: Fn(&SourceKey) -> Option<RecordId> + Sync,
    {
        if events.len() > MAX_EVENTS {
            return Err(error(format!(
                "a record event store holds at most {MAX_EVENTS} events"
            )));
        }
        let (key_of_event, distinct) = distinct_sources(&events);
        let resolved: Vec<Option<RecordId>> = distinct.par_iter().map(|k| record_of(k)).collect();
        let limit = events
            .len()
            .saturating_mul(8)
            .saturating_add(RECORD_HEADROOM);
        let n_records = resolved
            .iter()
            .flatten()
            .map(|r| r.index() + 1)
            .max()
            .unwrap_or(0);
        if n_records > limit || resolved.iter().flatten().any(|r| r.0 == u32::MAX) {
            return Err(error("record id far past the number of events"));
        }
        // A record's key is the first distinct key (in order of first
        // appearance) that maps to it.
        let mut key_of_record = vec![u32::MAX; n_records];
        for (d, r) in resolved.iter().enumerate() {
            if let Some(r) = r
                && key_of_record[r.index()] == u32::MAX
            {
                key_of_record[r.index()] = d as u32;
            }
        }
        let record_at = |i: usize| -> Option<RecordId> { resolved[key_of_event[i] as usize] };

        // Tables, in order of first appearance, as pushes would make them.
        let placed_keys = distinct
            .iter()
            .zip(&resolved)
            .filter(|(_, r)| r.is_some())
            .map(|(k, _)| &k.channel);
        let channels = first_seen(&events, |i, e| record_at(i).map(|_| &e.channel))
            .into_iter()
            .chain(placed_keys)
            .fold(Vec::new(), |mut t: Vec<&Channel>, c| {
                if !t.contains(&c) {
                    t.push(c);
                }
                t
            });
        let kinds = first_seen(&events, |i, e| record_at(i).map(|_| &e.kind));
        let currencies = first_seen(&events, |i, e| {
            record_at(i).and(e.amount.as_ref().map(|m| &m.currency))
        });
        if channels.len() > MAX_TABLE_ENTRIES || kinds.len() > MAX_TABLE_ENTRIES {
            return Err(error(
                "too many distinct channels or kinds in one event store",
            ));
        }
        let channel_id = IdOf::new(&channels);
        let kind_id = IdOf::new(&kinds);
        let currency_id = IdOf::new(&currencies);

        // Blobs, per batch in parallel, each batch into chunks of its own.
        let batches: Vec<EncodedBatch> = events
            .par_chunks(BATCH)
            .enumerate()
            .map(|(b, batch)| {
                let first = b * BATCH;
                encode_batch(batch, |i| {
                    let i = first + i;
                    let record = record_at(i)?;
                    let e = &events[i];
                    let own = key_of_record[record.index()] != key_of_event[i];
                    Some(Placed {
                        record,
                        seq: i as u32,
                        channel: channel_id.get(&e.channel),
                        kind: kind_id.get(&e.kind),
                        ids: BlobIds {
                            currency: e
                                .amount
                                .as_ref()
                                .map_or(0, |m| currency_id.get(&m.currency)),
                            own_source: own.then(|| channel_id.get(&e.source.channel)),
                        },
                    })
                })
            })
            .collect();

        let mut store = RecordEvents {
            channels: channels.iter().map(|c| (*c).clone()).collect(),
            kinds: kinds.iter().map(|k| (*k).clone()).collect(),
            currencies: currencies.iter().map(|c| **c).collect(),
            // Every position is a sequence, orphans' included, as in
            // `Timelines::build`; MAX_EVENTS < u32::MAX.
            next_seq: events.len() as u32,
            ..RecordEvents::default()
        };
        store.ranks = ranks_by_name(&store.channels);
        let chunk_count: usize = batches.iter().map(|b| b.chunks.len()).sum();
        if chunk_count + n_records.div_ceil(1 << 12) + 1 > MAX_CHUNKS {
            return Err(error("the event arena is full"));
        }

        // Each record's list, filled in input order then sorted.
        let mut counts = vec![0u32; n_records];
        for batch in &batches {
            for (record, _) in &batch.entries {
                counts[*record as usize] += 1;
            }
        }
        store.records = counts
            .iter()
            .map(|&n| RecordSlot {
                entries: Vec::with_capacity(n as usize),
                key: NO_REF,
            })
            .collect();
        drop(counts);
        let mut chunk_base = 0usize;
        for batch in batches {
            for (record, entry) in batch.entries {
                let (chunk, offset) = blob::split_ref(entry.blob());
                let at = blob::make_ref(chunk + chunk_base, offset);
                store.records[record as usize]
                    .entries
                    .push(entry.with_blob(at));
            }
            chunk_base += batch.chunks.len();
            store.arena.chunks.extend(batch.chunks);
            store.len += batch.placed;
            store.text_bytes += batch.text_bytes;
            store.attribute_bytes += batch.attribute_bytes;
        }
        let ranks = &store.ranks;
        store
            .records
            .par_iter_mut()
            .for_each(|s| s.entries.sort_unstable_by_key(|&e| sort_key(ranks, e)));

        // Record keys, after the events' chunks.
        for (r, &d) in key_of_record.iter().enumerate() {
            if d == u32::MAX {
                continue;
            }
            let key = distinct[d as usize];
            let channel = channel_id.get(&key.channel);
            let len = blob::key_blob_len(channel, &key.id);
            let at = store.write(len, |out| blob::encode_key(out, channel, &key.id));
            store.records[r].key = at;
            store.text_bytes += key.id.len();
        }

        let orphans: Vec<Orphan> = events
            .iter_mut()
            .enumerate()
            .filter(|(i, _)| record_at(*i).is_none())
            .map(|(_, e)| Orphan {
                event: std::mem::replace(e, empty_event()),
                reason: OrphanReason::UnknownSource,
            })
            .collect();
        drop_in_background(events);
        Ok((store, orphans))
    }
}

/// Per channel id, the rank of its name among the distinct names.
fn ranks_by_name(channels: &[Channel]) -> Vec<u16> {
    let mut names: Vec<&str> = channels.iter().map(Channel::name).collect();
    names.sort_unstable();
    names.dedup();
    channels
        .iter()
        .map(|c| names.partition_point(|n| *n < c.name()) as u16)
        .collect()
}

/// The distinct values in order of first appearance; parallel per block,
/// merged in block order, so the result is the sequential one. Stops
/// collecting a block past [`MAX_TABLE_ENTRIES`] + 1 values (the caller
/// refuses such a table anyway).
fn first_seen<'a, T: PartialEq + Sync + 'a>(
    events: &'a [Event],
    value: impl Fn(usize, &'a Event) -> Option<&'a T> + Sync,
) -> Vec<&'a T> {
    let blocks: Vec<Vec<&T>> = events
        .par_chunks(BATCH)
        .enumerate()
        .map(|(b, block)| {
            let mut seen: Vec<&T> = Vec::new();
            for (j, e) in block.iter().enumerate() {
                if let Some(v) = value(b * BATCH + j, e)
                    && seen.len() <= MAX_TABLE_ENTRIES
                    && !seen.contains(&v)
                {
                    seen.push(v);
                }
            }
            seen
        })
        .collect();
    let mut out: Vec<&T> = Vec::new();
    for v in blocks.into_iter().flatten() {
        if out.len() <= MAX_TABLE_ENTRIES && !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

/// A value → id lookup over a small table: a linear scan for the few
/// channels and kinds of real data, a map past that.
struct IdOf<'t, T: Eq + Hash> {
    table: &'t [&'t T],
    map: FastMap<&'t T, u32>,
}

impl<'t, T: Eq + Hash> IdOf<'t, T> {
    fn new(table: &'t [&'t T]) -> Self {
        let map = if table.len() > 16 {
            table
                .iter()
                .enumerate()
                .map(|(i, v)| (*v, i as u32))
                .collect()
        } else {
            FastMap::default()
        };
        IdOf { table, map }
    }

    /// The value's id; every value looked up is in the table by
    /// construction (0 otherwise, never reached).
    fn get(&self, v: &T) -> u32 {
        if self.map.is_empty() {
            self.table.iter().position(|t| *t == v).unwrap_or(0) as u32
        } else {
            self.map.get(v).copied().unwrap_or(0)
        }
    }
}

/// Where one input event goes.
#[derive(Clone, Copy)]
struct Placed {
    record: RecordId,
    seq: u32,
    channel: u32,
    kind: u32,
    ids: BlobIds,
}

/// One batch of the bulk constructor: its chunks, and its placed events'
/// entries (blob references relative to these chunks), in input order.
struct EncodedBatch {
    chunks: Vec<Vec<u8>>,
    entries: Vec<(u32, Entry)>,
    placed: usize,
    text_bytes: usize,
    attribute_bytes: usize,
}

fn encode_batch(batch: &[Event], place: impl Fn(usize) -> Option<Placed>) -> EncodedBatch {
    let placed: Vec<Option<(Placed, usize)>> = batch
        .iter()
        .enumerate()
        .map(|(i, e)| place(i).map(|p| (p, blob::event_blob_len(e, p.ids))))
        .collect();
    // Lay out chunks first, so that each is allocated at its exact size.
    let mut sizes: Vec<usize> = Vec::new();
    for (_, len) in placed.iter().flatten() {
        match sizes.last_mut() {
            Some(last) if *last + len <= blob::CHUNK || *last == 0 => *last += len,
            _ => sizes.push(*len),
        }
    }
    let mut out = EncodedBatch {
        chunks: sizes.iter().map(|&n| Vec::with_capacity(n)).collect(),
        entries: Vec::with_capacity(placed.iter().flatten().count()),
        placed: 0,
        text_bytes: 0,
        attribute_bytes: 0,
    };
    let mut chunk = 0;
    for (e, p) in batch.iter().zip(placed) {
        let Some((p, len)) = p else { continue };
        if out.chunks[chunk].len() + len > sizes[chunk] {
            chunk += 1;
        }
        let Some(bytes) = out.chunks.get_mut(chunk) else {
            break;
        };
        let at = blob::make_ref(chunk, bytes.len());
        blob::encode_event(bytes, e, p.ids);
        let (seconds, nanos) = split_timestamp(e.timestamp);
        out.entries.push((
            p.record.0,
            Entry::new(seconds, nanos, p.seq, at, p.channel, p.kind),
        ));
        out.placed += 1;
        out.text_bytes += blob::event_text_len(e, p.ids);
        out.attribute_bytes += blob::attributes_len(e);
    }
    out
}
