//! [`Timelines`]: every customer's events in one compact, immutable,
//! column-per-field store.
//!
//! # Layout
//!
//! Events are sorted by `(customer, timestamp, channel name, sequence)` and
//! each field is one column (struct of arrays), so a customer's timeline is a
//! contiguous slice of every column and a time range inside it is found by
//! binary search. Repeated strings (channels, kinds, store codes, order
//! references, source keys) are interned as `u32` ids into string tables;
//! event ids are ranges of one shared byte arena; free attributes live in a
//! side table that only events having some pay for. Per event the columns
//! cost 54 bytes (timestamp 8 + 4, channel 4, kind 4, sequence 4, source 4,
//! amount 8 + 2, order reference 4, store 4, id end offset 8).
//!
//! # Total order
//!
//! Within a customer, events are ordered by instant (a `jiff::Timestamp`,
//! nanosecond precision; civil times and DST never enter the order), then by
//! channel *name* (`app` < `callcentre` < `store` < `web` < custom names in
//! byte order), then by *sequence*: the event's position in the input of
//! [`Timelines::build`] (events added later by [`Timelines::append`] continue
//! the count). Sequences are distinct, so the order is total and the store is
//! the same for any thread count.
//!
//! # Changes
//!
//! The store is immutable (`Send + Sync`, shared by `&`). [`Timelines::append`]
//! and [`Timelines::erase_sources`] return a *new* store built from the kept
//! events plus the new ones: O(n) per call, and simple to trust. Erasure
//! rebuilds every table from the remaining events, so no id, order reference
//! or attribute of an erased event survives anywhere in the new store.

use std::fmt;
use std::ops::Range;

use jiff::Timestamp;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::event::{Currency, Event, EventKind, Money};
use super::query::{Cursor, TimelineQuery};
use super::strings::{EnumInterner, FastMap, StrInterner, StrTable};
use crate::cluster::ClusterIndex;
use crate::error::{Error, ErrorKind, Result};
use crate::record::{Channel, RecordId, SourceKey};

/// Id meaning "no value" in the order-reference and store columns.
pub(crate) const NONE: u32 = u32::MAX;
/// Currency id meaning "no amount".
pub(super) const NO_AMOUNT: u16 = u16::MAX;

/// Most events one store holds: sequences and positions are `u32` (4 bytes
/// per event instead of 8, and 4 billion events do not fit a machine anyway).
pub const MAX_EVENTS: usize = (u32::MAX - 1) as usize;

/// Why an event is in no timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum OrphanReason {
    /// The lookup knows no record for the event's source key.
    UnknownSource,
    /// The record has no entry in `customer_of_record`.
    NoCustomer,
}

/// An event that could not be placed in a timeline, returned whole so that
/// nothing is silently dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Orphan {
    /// The event, as given.
    pub event: Event,
    /// Why it has no timeline.
    pub reason: OrphanReason,
}

/// What [`Timelines::build`] and its incremental siblings return: the store
/// and the events it could not place. `timelines.len() + orphans.len()` is
/// always the number of events given.
#[derive(Debug)]
pub struct TimelineBuild {
    /// The store.
    pub timelines: Timelines,
    /// Events whose record or customer is unknown, in input order.
    pub orphans: Vec<Orphan>,
}

/// Where one event goes: its record, its customer and its sequence.
#[derive(Debug, Clone, Copy)]
struct Placement {
    record: u32,
    customer: u32,
    seq: u32,
}

/// The sort key; `index` is the event's position in the build's input vector
/// (equal to `seq - first_seq` for a fresh build, not after an append).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct SortKey {
    customer: u32,
    second: i64,
    nanos: u32,
    channel: u32,
    seq: u32,
    index: u32,
}

/// How much memory a store holds, for capacity planning and the benchmark.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemoryUsage {
    /// Every byte the store holds on the heap, capacities included.
    pub total: usize,
    /// Bytes of the strings themselves: event ids, source ids, order
    /// references, store codes.
    pub string_bytes: usize,
    /// Bytes of the free attributes' side table.
    pub attribute_bytes: usize,
    /// Events held.
    pub events: usize,
}

impl MemoryUsage {
    /// Bytes per event beyond its strings' bytes and its attributes: the
    /// store's own overhead (target ≤ 64).
    pub fn overhead_per_event(&self) -> f64 {
        let overhead = self
            .total
            .saturating_sub(self.string_bytes + self.attribute_bytes);
        overhead as f64 / self.events.max(1) as f64
    }
}

/// Every customer's events, sorted, in compact columns. See the
/// [module docs](self) for the layout and the total order.
///
/// ```
/// use std::collections::HashMap;
/// use omnicanal::timeline::{Event, EventKind, Timelines};
/// use omnicanal::{Channel, ClusterIndex, RecordId, SourceKey};
///
/// let web = SourceKey::new(Channel::Web, "A-77")?;
/// let event = Event {
///     id: "CMD-1".into(),
///     source: web.clone(),
///     timestamp: "2024-03-01T10:00:00Z".parse()?,
///     channel: Channel::Web,
///     kind: EventKind::Order,
///     amount: None,
///     order_ref: Some("CMD-1".into()),
///     store: None,
///     attributes: vec![],
/// };
/// // One record (`web:A-77`, record 0) resolved into customer 0.
/// let built = Timelines::build_with_keys(vec![event], &[web], &[0])?;
/// assert!(built.orphans.is_empty());
/// let page = built.timelines.timeline(ClusterIndex(0)).newest_first().limit(50).page();
/// assert_eq!(page.events[0].id(), "CMD-1");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Timelines {
    // Per customer having events: its index, ascending, and where its events
    // start; `starts` has one more entry, the number of events.
    pub(super) customers: Vec<u32>,
    pub(super) starts: Vec<u32>,

    // Per event, in the total order.
    pub(super) seconds: Vec<i64>,
    pub(super) nanos: Vec<u32>,
    pub(super) channel: Vec<u32>,
    pub(super) kind: Vec<u32>,
    pub(super) seq: Vec<u32>,
    pub(super) source: Vec<u32>,
    pub(super) amount_minor: Vec<i64>,
    pub(super) currency: Vec<u16>,
    pub(super) order_ref: Vec<u32>,
    pub(super) store: Vec<u32>,
    pub(super) ids: StrTable,

    // Attributes of the events that have some: positions ascending.
    pub(super) attribute_positions: Vec<u32>,
    pub(super) attribute_values: Vec<Vec<(String, String)>>,

    // Tables. `channels` is sorted by name so that ids compare like names.
    pub(super) channels: Vec<Channel>,
    pub(super) kinds: Vec<EventKind>,
    pub(super) currencies: Vec<Currency>,
    pub(super) order_refs: StrTable,
    pub(super) stores: StrTable,
    pub(super) source_channels: Vec<Channel>,
    pub(super) source_channel: Vec<u32>,
    pub(super) source_ids: StrTable,
    pub(super) source_record: Vec<u32>,

    pub(super) next_seq: u32,
}

impl fmt::Debug for Timelines {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Counts only: ids and attributes may be personal data.
        f.debug_struct("Timelines")
            .field("events", &self.len())
            .field("customers", &self.customers.len())
            .field("channels", &self.channels)
            .field("next_sequence", &self.next_seq)
            .finish_non_exhaustive()
    }
}

impl Timelines {
    /// Builds the store.
    ///
    /// `record_of` maps an event's source key to its record (the index into
    /// the slice the resolver clustered); `customer_of_record[r]` is record
    /// `r`'s customer, the `u32` of its [`ClusterIndex`]. An event's sequence
    /// is its position in `events`. Events whose key is unknown or whose
    /// record has no customer come back as [`Orphan`]s.
    ///
    /// Parallel (rayon); the result does not depend on the thread count.
    /// Fails only when there are more than [`MAX_EVENTS`] events.
    pub fn build<F>(
        events: Vec<Event>,
        record_of: F,
        customer_of_record: &[u32],
    ) -> Result<TimelineBuild>
    where
        F: Fn(&SourceKey) -> Option<RecordId> + Sync,
    {
        check_capacity(0, events.len())?;
        let (placements, sources) = place(&events, &record_of, customer_of_record, 0);
        // check_capacity guarantees this fits.
        let next_seq = events.len() as u32;
        Ok(assemble(events, placements, Some(sources), next_seq))
    }

    /// [`build`](Self::build) with records given as their source keys:
    /// `keys[r]` is record `r`'s key. When a key repeats, its first record wins.
    pub fn build_with_keys(
        events: Vec<Event>,
        keys: &[SourceKey],
        customer_of_record: &[u32],
    ) -> Result<TimelineBuild> {
        let lookup = record_lookup(keys);
        Self::build(events, |k| lookup.get(k).copied(), customer_of_record)
    }

    /// A new store with this one's events plus `events`, which are placed
    /// like [`build`](Self::build) does and get sequences after every
    /// sequence this store has used, so they sort after existing events
    /// that share their instant and channel. Existing events keep their
    /// customer, record and sequence: cursors taken on `self` stay valid.
    ///
    /// Cost: a full rebuild, O(n log n). The simplest design that keeps one
    /// sorted, compact layout; batch appends when you can.
    pub fn append<F>(
        &self,
        events: Vec<Event>,
        record_of: F,
        customer_of_record: &[u32],
    ) -> Result<TimelineBuild>
    where
        F: Fn(&SourceKey) -> Option<RecordId> + Sync,
    {
        check_capacity(self.next_seq, events.len())?;
        // The source table made by `place` covers the new events only: the
        // rebuild interns the sources of all events again.
        let (placements, _) = place(&events, &record_of, customer_of_record, self.next_seq);
        Ok(self.rebuild(|_| true, events, placements))
    }

    /// A new store without the events of the records with these source keys
    /// (GDPR erasure), and how many events were removed. Every table is
    /// rebuilt from the remaining events, so nothing of the erased events
    /// (ids, order references, store codes, attributes, the source key
    /// itself) remains in the new store. Other events keep their sequences.
    pub fn erase_sources(&self, keys: &[SourceKey]) -> (Timelines, usize) {
        // By name pairs, so that a large erasure batch costs one hash per source.
        let wanted: std::collections::HashSet<(&str, &str)> = keys
            .iter()
            .map(|k| (k.channel.name(), k.id.as_str()))
            .collect();
        let mut erased_sources: Vec<u32> = (0..self.source_ids.len())
            .filter(|&s| {
                let channel = &self.source_channels[self.source_channel[s] as usize];
                wanted.contains(&(channel.name(), self.source_ids.get(s)))
            })
            .map(|s| s as u32)
            .collect();
        erased_sources.sort_unstable();
        self.erase_where(|pos| erased_sources.binary_search(&self.source[pos]).is_ok())
    }

    /// A new store without the events of this record, as
    /// [`erase_sources`](Self::erase_sources) does.
    pub fn erase_record(&self, record: RecordId) -> (Timelines, usize) {
        self.erase_where(|pos| self.source_record[self.source[pos] as usize] == record.0)
    }

    fn erase_where(&self, erased: impl Fn(usize) -> bool + Sync) -> (Timelines, usize) {
        let before = self.len();
        let built = self.rebuild(|pos| !erased(pos), Vec::new(), Vec::new());
        let removed = before - built.timelines.len();
        (built.timelines, removed)
    }

    /// Materializes the kept events with their placements, adds `extra`, and
    /// assembles a new store.
    fn rebuild(
        &self,
        keep: impl Fn(usize) -> bool + Sync,
        extra: Vec<Event>,
        extra_placements: Vec<Result<Placement, OrphanReason>>,
    ) -> TimelineBuild {
        let customer_at = self.customer_per_position();
        let kept: Vec<usize> = (0..self.len())
            .into_par_iter()
            .filter(|&p| keep(p))
            .collect();
        let mut events: Vec<Event> = kept.par_iter().map(|&p| self.view(p).to_event()).collect();
        let mut placements: Vec<Result<Placement, OrphanReason>> = kept
            .par_iter()
            .map(|&p| {
                Ok(Placement {
                    record: self.source_record[self.source[p] as usize],
                    customer: customer_at[p],
                    seq: self.seq[p],
                })
            })
            .collect();
        let next_seq = self
            .next_seq
            .saturating_add(u32::try_from(extra.len()).unwrap_or(u32::MAX));
        events.extend(extra);
        placements.extend(extra_placements);
        assemble(events, placements, None, next_seq)
    }

    fn customer_per_position(&self) -> Vec<u32> {
        let mut out = Vec::with_capacity(self.len());
        for (i, &c) in self.customers.iter().enumerate() {
            let n = self.starts[i + 1] - self.starts[i];
            out.extend(std::iter::repeat_n(c, n as usize));
        }
        out
    }

    /// Number of events held.
    pub fn len(&self) -> usize {
        self.seconds.len()
    }

    /// True when no event is held.
    pub fn is_empty(&self) -> bool {
        self.seconds.is_empty()
    }

    /// The customers that have at least one event, ascending.
    pub fn customers(&self) -> impl ExactSizeIterator<Item = ClusterIndex> + '_ {
        self.customers.iter().map(|&c| ClusterIndex(c))
    }

    /// The sequence the next appended event will get.
    pub fn next_sequence(&self) -> u32 {
        self.next_seq
    }

    /// A query over one customer's timeline (empty for a customer without
    /// events). See [`TimelineQuery`].
    pub fn timeline(&self, customer: ClusterIndex) -> TimelineQuery<'_> {
        TimelineQuery::new(self, self.range_of(customer))
    }

    /// Positions of one customer's events: O(log customers).
    pub(crate) fn range_of(&self, customer: ClusterIndex) -> Range<usize> {
        match self.customers.binary_search(&customer.0) {
            Ok(i) => self.starts[i] as usize..self.starts[i + 1] as usize,
            Err(_) => 0..0,
        }
    }

    pub(crate) fn view(&self, pos: usize) -> EventView<'_> {
        EventView { store: self, pos }
    }

    /// The sort key of the event at `pos`, with the channel as its rank.
    pub(crate) fn key_at(&self, pos: usize) -> (i64, u32, u32, u32) {
        (
            self.seconds[pos],
            self.nanos[pos],
            self.channel[pos],
            self.seq[pos],
        )
    }

    pub(crate) fn instant_at(&self, pos: usize) -> (i64, u32) {
        (self.seconds[pos], self.nanos[pos])
    }

    pub(crate) fn channel_id_at(&self, pos: usize) -> u32 {
        self.channel[pos]
    }

    pub(crate) fn kind_id_at(&self, pos: usize) -> u32 {
        self.kind[pos]
    }

    pub(crate) fn order_ref_id_at(&self, pos: usize) -> u32 {
        self.order_ref[pos]
    }

    pub(crate) fn order_ref_str(&self, id: u32) -> &str {
        self.order_refs.get(id as usize)
    }

    /// The channel table, sorted by name.
    pub(crate) fn channel_table(&self) -> &[Channel] {
        &self.channels
    }

    pub(crate) fn kind_table(&self) -> &[EventKind] {
        &self.kinds
    }

    /// `(customer, positions)` for every customer having events.
    pub(crate) fn customer_ranges(
        &self,
    ) -> impl Iterator<Item = (ClusterIndex, Range<usize>)> + '_ {
        self.customers.iter().enumerate().map(|(i, &c)| {
            (
                ClusterIndex(c),
                self.starts[i] as usize..self.starts[i + 1] as usize,
            )
        })
    }

    /// Heap bytes held, capacities included.
    pub fn memory_bytes(&self) -> usize {
        self.memory().total
    }

    /// Heap bytes held, split into strings, attributes and the rest.
    pub fn memory(&self) -> MemoryUsage {
        fn vec<T>(v: &Vec<T>) -> usize {
            v.capacity() * size_of::<T>()
        }
        let channel_names: usize = self
            .channels
            .iter()
            .chain(&self.source_channels)
            .map(|c| match c {
                Channel::Custom(s) => s.capacity(),
                _ => 0,
            })
            .sum();
        let kind_names: usize = self
            .kinds
            .iter()
            .map(|k| match k {
                EventKind::Custom(s) => s.capacity(),
                _ => 0,
            })
            .sum();
        let attribute_bytes = vec(&self.attribute_positions)
            + vec(&self.attribute_values)
            + self
                .attribute_values
                .iter()
                .map(|v| {
                    vec(v)
                        + v.iter()
                            .map(|(k, x)| k.capacity() + x.capacity())
                            .sum::<usize>()
                })
                .sum::<usize>();
        let columns = vec(&self.customers)
            + vec(&self.starts)
            + vec(&self.seconds)
            + vec(&self.nanos)
            + vec(&self.channel)
            + vec(&self.kind)
            + vec(&self.seq)
            + vec(&self.source)
            + vec(&self.amount_minor)
            + vec(&self.currency)
            + vec(&self.order_ref)
            + vec(&self.store)
            + vec(&self.channels)
            + vec(&self.kinds)
            + vec(&self.currencies)
            + vec(&self.source_channels)
            + vec(&self.source_channel)
            + vec(&self.source_record)
            + channel_names
            + kind_names;
        let tables = [&self.ids, &self.order_refs, &self.stores, &self.source_ids];
        MemoryUsage {
            total: columns
                + attribute_bytes
                + tables.iter().map(|t| t.memory_bytes()).sum::<usize>(),
            string_bytes: tables.iter().map(|t| t.string_bytes()).sum(),
            attribute_bytes,
            events: self.len(),
        }
    }
}

fn record_lookup(keys: &[SourceKey]) -> FastMap<&SourceKey, RecordId> {
    let mut lookup = FastMap::with_capacity_and_hasher(keys.len(), Default::default());
    // Record ids are u32: keys past u32::MAX stay unknown (their events
    // become orphans) rather than wrapping onto other records.
    for (i, key) in keys.iter().enumerate().take(u32::MAX as usize) {
        lookup.entry(key).or_insert(RecordId(i as u32));
    }
    lookup
}

pub(super) fn check_capacity(next_seq: u32, adding: usize) -> Result<()> {
    if (next_seq as usize).saturating_add(adding) > MAX_EVENTS {
        return Err(Error::new(ErrorKind::InvalidValue {
            reason: format!("a timeline store holds at most {MAX_EVENTS} events"),
        }));
    }
    Ok(())
}

/// Where each event goes, and the source table of the placed events (what
/// [`intern_sources`] would make from them, made here from the distinct keys
/// at no extra pass). `record_of` is called once per distinct source key,
/// not once per event: a customer has a few records and tens of events, and
/// the caller's lookup (typically a SipHash map whose keys live elsewhere on
/// the heap) was a third of the build's time when asked per event.
fn place<F>(
    events: &[Event],
    record_of: &F,
    customer_of_record: &[u32],
    first_seq: u32,
) -> (Vec<Result<Placement, OrphanReason>>, SourceTable)
where
    F: Fn(&SourceKey) -> Option<RecordId> + Sync,
{
    let (key_of_event, distinct) = distinct_sources(events);
    let resolved: Vec<Result<(u32, u32), OrphanReason>> = distinct
        .par_iter()
        .map(|key| {
            let record = record_of(key).ok_or(OrphanReason::UnknownSource)?;
            let customer = *customer_of_record
                .get(record.index())
                .ok_or(OrphanReason::NoCustomer)?;
            Ok((record.0, customer))
        })
        .collect();

    // A key's events are all placed or all orphans, so the placed keys in
    // order of first appearance are the distinct keys without the orphans'.
    // Orphans' keys stay out of the store.
    let mut channels = EnumInterner::new(4);
    let mut table = SourceTable {
        source: Vec::new(),
        channels: Vec::new(),
        channel: Vec::new(),
        ids: StrTable::with_capacity(distinct.len(), distinct.iter().map(|k| k.id.len()).sum()),
        record: Vec::new(),
    };
    let mut final_id = vec![NONE; distinct.len()];
    for ((key, resolved), final_id) in distinct.iter().zip(&resolved).zip(&mut final_id) {
        if let Ok((record, _)) = resolved {
            *final_id = table.ids.push(&key.id) as u32;
            table
                .channel
                .push(channels.intern(&key.channel, channel_slot(&key.channel)));
            table.record.push(*record);
        }
    }
    table.channels = channels.table;
    table.ids.shrink_to_fit();
    table.source = key_of_event
        .par_iter()
        .map(|&k| final_id[k as usize])
        .collect();

    let placements = key_of_event
        .par_iter()
        .enumerate()
        .map(|(i, &k)| {
            let (record, customer) = resolved[k as usize]?;
            Ok(Placement {
                record,
                customer,
                // check_capacity guarantees this fits.
                seq: first_seq + i as u32,
            })
        })
        .collect();
    (placements, table)
}

/// Each event's source key as an index into the distinct keys, in order of
/// first appearance. A key equal to the previous event's is taken without
/// hashing (exports often list a record's events together).
pub(crate) fn distinct_sources(events: &[Event]) -> (Vec<u32>, Vec<&SourceKey>) {
    // One part per thread; a small batch is not worth the merge.
    let threads = rayon::current_num_threads().max(1);
    let part = if events.len() < MIN_PARALLEL_SOURCES {
        events.len()
    } else {
        events.len().div_ceil(threads)
    };
    distinct_sources_in_parts(events, part)
}

/// Fewest events [`distinct_sources`] splits between threads.
const MIN_PARALLEL_SOURCES: usize = 1 << 16;

/// [`distinct_sources`] with the events cut into parts of `part_len`, each
/// interned on its own thread, then merged in order: the first part's ids
/// stand, and each later part's distinct keys, in their order of first
/// appearance, are interned into the first part's table. A key first seen
/// in a later part gets the next id there, as the one sequential pass would
/// give it, so the result is the same for any `part_len`.
///
/// Interning 20 million events' sources misses the cache on nearly every
/// event (the table of 2 million keys is larger than it); on one thread it
/// was half of building every timeline, the rest of which runs on all
/// threads. The merge costs one lookup per distinct key of a later part.
pub(super) fn distinct_sources_in_parts(
    events: &[Event],
    part_len: usize,
) -> (Vec<u32>, Vec<&SourceKey>) {
    let mut parts: Vec<SourcesSeen<'_>> = events
        .par_chunks(part_len.max(1))
        .map(SourcesSeen::of)
        .collect();
    if parts.is_empty() {
        return (Vec::new(), Vec::new());
    }
    let mut merged = parts.remove(0);
    merged
        .key_of_event
        .reserve(events.len() - merged.key_of_event.len());
    for part in parts {
        let global: Vec<u32> = part.distinct.iter().map(|key| merged.intern(key)).collect();
        merged.key_of_event.extend(
            part.key_of_event
                .iter()
                .map(|&local| global[local as usize]),
        );
    }
    (merged.key_of_event, merged.distinct)
}

/// The distinct source keys of a run of events, in order of first
/// appearance, and each event's key id.
struct SourcesSeen<'e> {
    channels: EnumInterner<'e, Channel>,
    ids: StrInterner,
    distinct: Vec<&'e SourceKey>,
    key_of_event: Vec<u32>,
}

impl<'e> SourcesSeen<'e> {
    fn of(events: &'e [Event]) -> Self {
        let mut seen = SourcesSeen {
            channels: EnumInterner::new(4),
            ids: StrInterner::new(),
            distinct: Vec::new(),
            key_of_event: Vec::with_capacity(events.len()),
        };
        let mut previous: Option<(&SourceKey, u32)> = None;
        for e in events {
            let id = match previous {
                Some((key, id)) if *key == e.source => id,
                _ => seen.intern(&e.source),
            };
            previous = Some((&e.source, id));
            seen.key_of_event.push(id);
        }
        seen
    }

    /// The key's id, a new one (and the key added to `distinct`) when it
    /// was not seen yet.
    fn intern(&mut self, key: &'e SourceKey) -> u32 {
        let channel = self
            .channels
            .intern(&key.channel, channel_slot(&key.channel));
        let id = self.ids.intern_tagged(channel, &key.id);
        if id as usize == self.distinct.len() {
            self.distinct.push(key);
        }
        id
    }
}

/// The seconds (floored) and nanoseconds (0..1e9) of an instant, so that the
/// pair orders like the instant, before the epoch too.
pub(crate) fn split_timestamp(ts: Timestamp) -> (i64, u32) {
    let (s, n) = (ts.as_second(), ts.subsec_nanosecond());
    if n < 0 {
        (s - 1, (n + 1_000_000_000) as u32)
    } else {
        (s, n as u32)
    }
}

pub(crate) fn join_timestamp(second: i64, nanos: u32) -> Timestamp {
    // Always valid for a pair made by `split_timestamp`.
    Timestamp::new(second, nanos as i32).unwrap_or_default()
}

fn channel_slot(c: &Channel) -> Option<usize> {
    match c {
        Channel::Store => Some(0),
        Channel::Web => Some(1),
        Channel::CallCentre => Some(2),
        Channel::App => Some(3),
        Channel::Custom(_) => None,
    }
}

fn kind_slot(k: &EventKind) -> Option<usize> {
    Some(match k {
        EventKind::Purchase => 0,
        EventKind::Order => 1,
        EventKind::Pickup => 2,
        EventKind::Return => 3,
        EventKind::Call => 4,
        EventKind::AppSession => 5,
        EventKind::WebVisit => 6,
        EventKind::Invoice => 7,
        EventKind::LoyaltyPoints => 8,
        EventKind::Custom(_) => return None,
    })
}

/// Per-event interned ids, in input order; orphans get `NONE`.
struct SmallIds {
    channel: Vec<u32>,
    kind: Vec<u32>,
    currency: Vec<u16>,
    store: Vec<u32>,
    channels: Vec<Channel>,
    kinds: Vec<EventKind>,
    currencies: Vec<Currency>,
    stores: StrTable,
}

struct SourceTable {
    source: Vec<u32>,
    channels: Vec<Channel>,
    channel: Vec<u32>,
    ids: StrTable,
    record: Vec<u32>,
}

fn intern_small(events: &[Event], placed: &[Result<Placement, OrphanReason>]) -> SmallIds {
    let n = events.len();
    let mut channels = EnumInterner::new(4);
    let mut kinds = EnumInterner::new(9);
    let mut currencies: Vec<Currency> = Vec::new();
    let mut stores = StrInterner::new();
    let mut out_channel = Vec::with_capacity(n);
    let mut out_kind = Vec::with_capacity(n);
    let mut out_currency = Vec::with_capacity(n);
    let mut out_store = Vec::with_capacity(n);
    for (e, p) in events.iter().zip(placed) {
        if p.is_err() {
            out_channel.push(NONE);
            out_kind.push(NONE);
            out_currency.push(NO_AMOUNT);
            out_store.push(NONE);
            continue;
        }
        out_channel.push(channels.intern(&e.channel, channel_slot(&e.channel)));
        out_kind.push(kinds.intern(&e.kind, kind_slot(&e.kind)));
        out_currency.push(match &e.amount {
            // Few currencies (26³ < u16::MAX possible at most): a linear scan
            // beats hashing.
            Some(m) => match currencies.iter().position(|c| *c == m.currency) {
                Some(i) => i as u16,
                None => {
                    currencies.push(m.currency);
                    (currencies.len() - 1) as u16
                }
            },
            None => NO_AMOUNT,
        });
        out_store.push(match &e.store {
            Some(s) => stores.intern(s),
            None => NONE,
        });
    }
    SmallIds {
        channel: out_channel,
        kind: out_kind,
        currency: out_currency,
        store: out_store,
        channels: channels.table,
        kinds: kinds.table,
        currencies,
        stores: stores.into_table(),
    }
}

fn intern_order_refs(
    events: &[Event],
    placed: &[Result<Placement, OrphanReason>],
) -> (Vec<u32>, StrTable) {
    let mut refs = StrInterner::new();
    let ids = events
        .iter()
        .zip(placed)
        .map(|(e, p)| match (&e.order_ref, p) {
            (Some(r), Ok(_)) => refs.intern(r),
            _ => NONE,
        })
        .collect();
    (ids, refs.into_table())
}

fn intern_sources(events: &[Event], placed: &[Result<Placement, OrphanReason>]) -> SourceTable {
    let mut ids: FastMap<&SourceKey, u32> = FastMap::default();
    let mut channels = EnumInterner::new(4);
    let mut table = SourceTable {
        source: Vec::with_capacity(events.len()),
        channels: Vec::new(),
        channel: Vec::new(),
        ids: StrTable::default(),
        record: Vec::new(),
    };
    // Keys and records are one to one in practice, so a dense record → source
    // slot answers nearly every event without hashing its key; the map is the
    // exact fallback (first sight of a record, or a lookup that sends two keys
    // to one record). Records are bounded by `customer_of_record`'s length,
    // so the slots cost no more than the caller's own labels.
    let n_records = placed
        .iter()
        .filter_map(|p| p.as_ref().ok())
        .map(|p| p.record as usize + 1)
        .max()
        .unwrap_or(0);
    let mut by_record = vec![NONE; n_records];
    for (e, p) in events.iter().zip(placed) {
        let Ok(p) = p else {
            table.source.push(NONE);
            continue;
        };
        let slot = by_record[p.record as usize];
        let known = slot != NONE
            && table.ids.get(slot as usize) == e.source.id
            && channels.table[table.channel[slot as usize] as usize] == e.source.channel;
        let id = if known {
            slot
        } else {
            let id = *ids.entry(&e.source).or_insert_with(|| {
                table
                    .channel
                    .push(channels.intern(&e.source.channel, channel_slot(&e.source.channel)));
                table.record.push(p.record);
                table.ids.push(&e.source.id) as u32
            });
            if slot == NONE {
                by_record[p.record as usize] = id;
            }
            id
        };
        table.source.push(id);
    }
    table.channels = channels.table;
    table.ids.shrink_to_fit();
    table
}

/// Sorts, packs columns, and hands back the orphans. `placements[i]` is
/// `events[i]`'s placement; `sources`, when given, is the source table that
/// [`place`] made for these events, else it is made here.
fn assemble(
    mut events: Vec<Event>,
    placements: Vec<Result<Placement, OrphanReason>>,
    sources: Option<SourceTable>,
    next_seq: u32,
) -> TimelineBuild {
    // Interning is sequential per table; the three independent table groups
    // run side by side.
    let (small, (orders, sources)) = rayon::join(
        || intern_small(&events, &placements),
        || {
            rayon::join(
                || intern_order_refs(&events, &placements),
                || sources.unwrap_or_else(|| intern_sources(&events, &placements)),
            )
        },
    );
    let (order_ids, order_refs) = orders;

    // Channel ids in name order, so that comparing ids compares names.
    let mut by_name: Vec<usize> = (0..small.channels.len()).collect();
    by_name.sort_by(|&a, &b| small.channels[a].name().cmp(small.channels[b].name()));
    let mut rank = vec![0u32; by_name.len()];
    for (r, &old) in by_name.iter().enumerate() {
        rank[old] = r as u32;
    }
    let channels: Vec<Channel> = by_name.iter().map(|&i| small.channels[i].clone()).collect();

    let mut keys: Vec<SortKey> = placements
        .par_iter()
        .enumerate()
        .filter_map(|(i, p)| {
            let p = p.as_ref().ok()?;
            let (second, nanos) = split_timestamp(events[i].timestamp);
            Some(SortKey {
                customer: p.customer,
                second,
                nanos,
                channel: rank[small.channel[i] as usize],
                seq: p.seq,
                index: i as u32,
            })
        })
        .collect();
    // Sequences are distinct, so an unstable sort is deterministic.
    keys.par_sort_unstable();

    let col =
        |f: &(dyn Fn(&SortKey) -> u32 + Sync)| -> Vec<u32> { keys.par_iter().map(f).collect() };
    let seconds: Vec<i64> = keys.par_iter().map(|k| k.second).collect();
    let nanos = col(&|k| k.nanos);
    let channel = col(&|k| k.channel);
    let seq = col(&|k| k.seq);
    let kind = col(&|k| small.kind[k.index as usize]);
    let store = col(&|k| small.store[k.index as usize]);
    let order_ref = col(&|k| order_ids[k.index as usize]);
    let source = col(&|k| sources.source[k.index as usize]);
    let currency: Vec<u16> = keys
        .par_iter()
        .map(|k| small.currency[k.index as usize])
        .collect();
    let amount_minor: Vec<i64> = keys
        .par_iter()
        .map(|k| events[k.index as usize].amount.map_or(0, |m| m.minor))
        .collect();

    // Event ids: per chunk in parallel, then one copy into the final arena.
    let chunks: Vec<StrTable> = keys
        .par_chunks(1 << 16)
        .map(|chunk| {
            let mut t = StrTable::with_capacity(chunk.len(), chunk.len() * 16);
            for k in chunk {
                t.push(&events[k.index as usize].id);
            }
            t
        })
        .collect();
    let mut ids =
        StrTable::with_capacity(keys.len(), chunks.iter().map(StrTable::string_bytes).sum());
    for chunk in &chunks {
        ids.extend(chunk);
    }
    drop(chunks);

    let mut customers = Vec::new();
    let mut starts = Vec::new();
    for (pos, k) in keys.iter().enumerate() {
        if customers.last() != Some(&k.customer) {
            customers.push(k.customer);
            starts.push(pos as u32);
        }
    }
    starts.push(keys.len() as u32);

    // Attributes move (no copy) into the side table.
    let mut attributes: Vec<(u32, Vec<(String, String)>)> = Vec::new();
    let any_attributes = events
        .par_iter()
        .zip(placements.par_iter())
        .any(|(e, p)| p.is_ok() && !e.attributes.is_empty());
    if any_attributes {
        let mut position_of = vec![NONE; events.len()];
        for (pos, k) in keys.iter().enumerate() {
            position_of[k.index as usize] = pos as u32;
        }
        for (i, e) in events.iter_mut().enumerate() {
            if position_of[i] != NONE && !e.attributes.is_empty() {
                attributes.push((position_of[i], std::mem::take(&mut e.attributes)));
            }
        }
        attributes.sort_unstable_by_key(|(pos, _)| *pos);
    }
    let (attribute_positions, attribute_values) = attributes.into_iter().unzip();
    drop(keys);

    // Orphans leave whole (swapped for an empty event, which allocates
    // nothing); the rest is freed off the caller's path.
    let orphans: Vec<Orphan> = events
        .iter_mut()
        .zip(&placements)
        .filter_map(|(event, p)| {
            p.err().map(|reason| Orphan {
                event: std::mem::replace(event, empty_event()),
                reason,
            })
        })
        .collect();
    drop_in_background(events);

    let timelines = Timelines {
        customers,
        starts,
        seconds,
        nanos,
        channel,
        kind,
        seq,
        source,
        amount_minor,
        currency,
        order_ref,
        store,
        ids,
        attribute_positions,
        attribute_values,
        channels,
        kinds: small.kinds,
        currencies: small.currencies,
        order_refs,
        stores: small.stores,
        source_channels: sources.channels,
        source_channel: sources.channel,
        source_ids: sources.ids,
        source_record: sources.record,
        next_seq,
    };
    TimelineBuild { timelines, orphans }
}

/// An event holding no heap memory, left where an orphan was taken out.
pub(crate) fn empty_event() -> Event {
    Event {
        id: String::new(),
        source: SourceKey {
            channel: Channel::Store,
            id: Default::default(),
        },
        timestamp: Timestamp::UNIX_EPOCH,
        channel: Channel::Store,
        kind: EventKind::Purchase,
        amount: None,
        order_ref: None,
        store: None,
        attributes: Vec::new(),
    }
}

/// Frees the input events on a thread of their own: four heap strings per
/// event made freeing them a third of the build's time (glibc's `free` is
/// per block), and the caller need not wait for it. If no thread can be
/// started, the closure and the events in it are dropped here instead.
pub(crate) fn drop_in_background(events: Vec<Event>) {
    if events.is_empty() {
        return;
    }
    let _detached = std::thread::Builder::new()
        .name("omnicanal-timeline-free".into())
        .spawn(move || drop(events));
}

/// One event of a store, read in place: accessors borrow from the store, and
/// [`to_event`](Self::to_event) makes an owned [`Event`].
///
/// `Debug` prints what `Event`'s does: ids, time, channel and kind, never
/// attributes.
#[derive(Clone, Copy)]
pub struct EventView<'a> {
    store: &'a Timelines,
    pos: usize,
}

impl PartialEq for EventView<'_> {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self.store, other.store) && self.pos == other.pos
    }
}

impl Eq for EventView<'_> {}

impl fmt::Debug for EventView<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventView")
            .field("id", &self.id())
            .field(
                "source",
                &format_args!("{}:{}", self.source_channel(), self.source_id()),
            )
            .field("timestamp", &self.timestamp())
            .field("channel", self.channel())
            .field("kind", self.kind())
            .field("sequence", &self.sequence())
            .finish_non_exhaustive()
    }
}

impl<'a> EventView<'a> {
    /// The event's id in its source system.
    pub fn id(&self) -> &'a str {
        self.store.ids.get(self.pos)
    }

    /// When it happened.
    pub fn timestamp(&self) -> Timestamp {
        let (s, n) = self.store.instant_at(self.pos);
        join_timestamp(s, n)
    }

    /// Where it happened.
    pub fn channel(&self) -> &'a Channel {
        &self.store.channels[self.store.channel[self.pos] as usize]
    }

    /// What happened.
    pub fn kind(&self) -> &'a EventKind {
        &self.store.kinds[self.store.kind[self.pos] as usize]
    }

    /// The amount, when there is one.
    pub fn amount(&self) -> Option<Money> {
        let c = self.store.currency[self.pos];
        let currency = *self.store.currencies.get(usize::from(c))?;
        Some(Money {
            minor: self.store.amount_minor[self.pos],
            currency,
        })
    }

    /// The order reference, when there is one.
    pub fn order_ref(&self) -> Option<&'a str> {
        match self.store.order_ref[self.pos] {
            NONE => None,
            id => Some(self.store.order_refs.get(id as usize)),
        }
    }

    /// The store code, when there is one.
    pub fn store(&self) -> Option<&'a str> {
        match self.store.store[self.pos] {
            NONE => None,
            id => Some(self.store.stores.get(id as usize)),
        }
    }

    /// Free attributes, in the source's order (empty for most events).
    pub fn attributes(&self) -> &'a [(String, String)] {
        let positions = &self.store.attribute_positions;
        match positions.binary_search(&(self.pos as u32)) {
            Ok(i) => &self.store.attribute_values[i],
            Err(_) => &[],
        }
    }

    /// The channel of the record the event belongs to.
    pub fn source_channel(&self) -> &'a Channel {
        let s = self.store.source[self.pos] as usize;
        &self.store.source_channels[self.store.source_channel[s] as usize]
    }

    /// The id of the record the event belongs to, in its source system.
    pub fn source_id(&self) -> &'a str {
        self.store
            .source_ids
            .get(self.store.source[self.pos] as usize)
    }

    /// The source key of the record the event belongs to (allocates).
    pub fn source(&self) -> SourceKey {
        SourceKey {
            channel: self.source_channel().clone(),
            id: self.source_id().into(),
        }
    }

    /// The record the event was placed through.
    pub fn record(&self) -> RecordId {
        RecordId(self.store.source_record[self.store.source[self.pos] as usize])
    }

    /// The customer whose timeline holds the event (O(log customers)).
    pub fn customer(&self) -> ClusterIndex {
        let i = self
            .store
            .starts
            .partition_point(|&s| s as usize <= self.pos)
            .saturating_sub(1);
        ClusterIndex(self.store.customers.get(i).copied().unwrap_or(NONE))
    }

    /// The event's sequence: its position in the input of the build (or the
    /// append) that added it; the last tiebreak of the timeline order.
    pub fn sequence(&self) -> u32 {
        self.store.seq[self.pos]
    }

    /// A cursor just at this event: a query `after` it starts with the next one.
    pub fn cursor(&self) -> Cursor {
        Cursor::new(self.timestamp(), self.channel().clone(), self.sequence())
    }

    /// The owned event, equal to the one given to the build.
    pub fn to_event(&self) -> Event {
        Event {
            id: self.id().to_owned(),
            source: self.source(),
            timestamp: self.timestamp(),
            channel: self.channel().clone(),
            kind: self.kind().clone(),
            amount: self.amount(),
            order_ref: self.order_ref().map(str::to_owned),
            store: self.store().map(str::to_owned),
            attributes: self.attributes().to_vec(),
        }
    }
}
