//! Saving and loading a live resolver, in the [`crate::snapshot`] container.
//!
//! What is written: the settings (with the model), the frozen population,
//! every record slot (an erased slot is written as nothing, so none of its
//! values are; slots keep their numbers, which per-record data such as
//! events is keyed by), each record's age and customer, the customers' ids and ages,
//! every edge at or above the threshold, and the id bookkeeping (retired
//! ids and every id issued). What is rebuilt on load, because it is derived
//! and cheaper to recompute than to read: blocking keys and blocks, lookup
//! indexes, source-key index. Edges are written rather than recomputed: they
//! are the costly part (every candidate pair compared).

use std::collections::hash_map::Entry;
use std::path::Path;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::{
    FastMap, LiveResolver, NO_CUSTOMER, Slot, Slots, blank, file_lookups, headroom, key_hash,
    with_headroom,
};
use crate::cluster::CustomerId;
use crate::compare::PreparedRecord;
use crate::error::{Error, ErrorKind, Result};
use crate::normalize::{NormalizedRecord, Region};
use crate::record::{Channel, SourceKey};
use crate::resolver::{Population, Settings};
use crate::snapshot::{self, PayloadKind, SnapshotInfo};
use crate::timeline::{Event, RecordEvents, RecordEventsWire};

/// The payload kind of a live resolver's snapshot. The version changes
/// whenever the layout of the saved state does; older files are then refused with
/// a clear message rather than misread.
pub const LIVE_RESOLVER_PAYLOAD: PayloadKind = PayloadKind::new("live-resolver", 1);

/// The written form, borrowed for saving.
#[derive(Serialize)]
pub(super) struct StateRef<'a> {
    /// JSON: the settings' serde shape is made for configuration files
    /// (flattened, internally tagged), which postcard cannot carry.
    pub(super) settings: String,
    pub(super) population: &'a Population,
    pub(super) region: Region,
    /// Postcard blobs of [`RECORDS_PER_BLOB`] records each: encoded and
    /// decoded in parallel, and loaded into one vector of known size.
    pub(super) records: Vec<Blob>,
    pub(super) record_count: u64,
    pub(super) stamps: Vec<u64>,
    pub(super) customer_of: Vec<u32>,
    /// Ids as integers (their serde form is the display string).
    pub(super) customers: Vec<(u64, u64)>,
    pub(super) edges: Vec<(u32, u32, f64)>,
    pub(super) retired: Vec<(u64, u64)>,
    pub(super) issued: Vec<u64>,
    pub(super) next_stamp: u64,
    pub(super) events: &'a RecordEvents,
    pub(super) pending: Vec<(&'a SourceKey, &'a Vec<Event>)>,
}

/// The written form, read back: the same fields in the same order, the
/// byte strings (record blobs, the event store's columns and arena) read in
/// place in the payload rather than copied out of it.
#[derive(Deserialize)]
struct State<'a> {
    settings: String,
    population: Population,
    region: Region,
    #[serde(borrow)]
    records: Vec<&'a [u8]>,
    record_count: u64,
    stamps: Vec<u64>,
    customer_of: Vec<u32>,
    customers: Vec<(u64, u64)>,
    edges: Vec<(u32, u32, f64)>,
    retired: Vec<(u64, u64)>,
    issued: Vec<u64>,
    next_stamp: u64,
    #[serde(borrow)]
    events: RecordEventsWire<'a>,
    pending: Vec<(SourceKey, Vec<Event>)>,
}

/// Records per blob: large enough that the per-blob overhead vanishes,
/// small enough to spread over every core.
const RECORDS_PER_BLOB: usize = 8192;

/// Bytes serialized as one byte string (serde's `Vec<u8>` is a sequence of
/// numbers, decoded one element at a time); read back as a `&[u8]`.
pub(super) struct Blob(Vec<u8>);

impl Serialize for Blob {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_bytes(&self.0)
    }
}

impl LiveResolver {
    /// Writes the whole graph to `path`, atomically (a temporary file
    /// renamed over it): a crash mid-save leaves the previous snapshot.
    pub fn save(&self, path: &Path) -> Result<SnapshotInfo> {
        snapshot::save(path, LIVE_RESOLVER_PAYLOAD, &self.state())
    }

    /// Reads a graph written by [`save`](Self::save). A truncated, corrupt
    /// or foreign file, or one whose contents do not hold together, is an
    /// error naming the file.
    pub fn load(path: &Path) -> Result<LiveResolver> {
        let payload = snapshot::load_payload(path, LIVE_RESOLVER_PAYLOAD)?;
        let decoded = snapshot::deserialize_borrowed(&payload, LIVE_RESOLVER_PAYLOAD)
            .and_then(Decoded::of)
            .map_err(|e| e.in_file(path))?;
        // Freed before the indexes are built, which then reuse its memory.
        drop(payload);
        LiveResolver::from_decoded(decoded).map_err(|e| e.in_file(path))
    }

    /// [`save`](Self::save) into memory.
    pub fn to_snapshot_bytes(&self) -> Result<Vec<u8>> {
        snapshot::encode(LIVE_RESOLVER_PAYLOAD, &self.state())
    }

    /// [`load`](Self::load) from memory.
    pub fn from_snapshot_bytes(bytes: &[u8]) -> Result<LiveResolver> {
        let payload = snapshot::checked_payload(bytes, LIVE_RESOLVER_PAYLOAD)?;
        let state = snapshot::deserialize_borrowed(payload, LIVE_RESOLVER_PAYLOAD)?;
        LiveResolver::from_decoded(Decoded::of(state)?)
    }

    pub(super) fn state(&self) -> StateRef<'_> {
        // Slots keep their numbers (events and other per-record data are
        // keyed by them); erased slots are written as `None`.
        let mut customer_position = vec![u32::MAX; self.customers.len()];
        let mut customers = Vec::with_capacity(self.by_id.len());
        for (index, entry) in self.customers.iter().enumerate() {
            if let Some(entry) = entry {
                customer_position[index] = customers.len() as u32;
                customers.push((entry.id.as_u64(), entry.created));
            }
        }
        let mut edges = Vec::new();
        for (a, slot) in self.slots.iter().enumerate() {
            for &(b, weight) in &slot.edges {
                if (a as u32) < b {
                    edges.push((a as u32, b, weight));
                }
            }
        }
        let mut retired: Vec<(u64, u64)> = self
            .retired
            .iter()
            .map(|(a, b)| (a.as_u64(), b.as_u64()))
            .collect();
        retired.sort_unstable();
        let mut issued: Vec<u64> = self.issued.iter().map(|id| id.as_u64()).collect();
        issued.sort_unstable();
        StateRef {
            settings: serde_json::to_string(&self.resolver.settings).unwrap_or_default(),
            population: &self.population,
            region: self.region,
            records: self
                .records
                .par_chunks(RECORDS_PER_BLOB)
                .zip(self.slots.par_chunks(RECORDS_PER_BLOB))
                .map(|(records, slots)| {
                    let records: Vec<Option<&NormalizedRecord>> = records
                        .iter()
                        .zip(slots)
                        .map(|(r, s)| s.alive.then_some(r))
                        .collect();
                    // Serializing plain data into memory cannot fail.
                    Blob(postcard::to_allocvec(&records).unwrap_or_default())
                })
                .collect(),
            record_count: self.records.len() as u64,
            stamps: self.slots.iter().map(|s| s.stamp).collect(),
            customer_of: self
                .slots
                .iter()
                .map(|s| {
                    customer_position
                        .get(s.customer as usize)
                        .copied()
                        .unwrap_or(u32::MAX)
                })
                .collect(),
            customers,
            edges,
            retired,
            issued,
            next_stamp: self.next_stamp,
            events: &self.events,
            pending: {
                let mut pending: Vec<(&SourceKey, &Vec<Event>)> = self.pending.iter().collect();
                pending.sort_unstable_by(|a, b| a.0.cmp(b.0));
                pending
            },
        }
    }

    /// Builds the graph from a decoded snapshot: checks that its parts hold
    /// together and rebuilds what is derived.
    fn from_decoded(d: Decoded) -> Result<LiveResolver> {
        let n = d.records.len();
        if d.stamps.len() != n || d.customer_of.len() != n {
            return Err(broken("per-record columns differ in length"));
        }
        if n >= u32::MAX as usize - 1 || d.customers.len() > n {
            return Err(broken("too many records or customers"));
        }
        if d.stamps.iter().any(|&s| s >= d.next_stamp) {
            return Err(broken("a record is younger than the clock"));
        }
        // Events sit in slots of held records only.
        if d.events
            .records()
            .any(|r| !d.alive.get(r.index()).copied().unwrap_or(false))
        {
            return Err(broken("events belong to a record that is not held"));
        }
        let settings: Settings =
            serde_json::from_str(&d.settings).map_err(|_| broken("the settings do not parse"))?;
        let mut live = LiveResolver::new(settings, None, d.population)?;
        live.region = d.region;
        live.next_stamp = d.next_stamp;
        live.events = d.events;
        let alive = d.alive;

        // Keys and comparison preparations are the costly part of the
        // rebuild: in parallel, while the source-key and lookup indexes
        // (one map insertion after another) are filled beside them.
        let (keys, indexes) = rayon::join(
            || {
                d.records
                    .par_iter()
                    .zip(&alive)
                    .map_init(
                        || live.resolver.blocker.keys_reusing(),
                        |keys_of, (r, &alive)| {
                            if !alive {
                                return (Vec::new(), PreparedRecord::default());
                            }
                            let mut keys = keys_of(r, &live.population.generic);
                            keys.sort_unstable();
                            keys.dedup();
                            (keys, live.comparator.prepare_record(r))
                        },
                    )
                    .collect::<Vec<_>>()
            },
            || Indexes::of(&d.records, &alive),
        );
        let indexes = indexes?;
        live.by_key = indexes.by_key;
        live.held = indexes.held;
        [live.phones, live.emails, live.identifiers] = indexes.lookups;
        live.records = d.records;
        live.slots = Vec::with_capacity(n + headroom(n));
        let mut members: Vec<Vec<u32>> = vec![Vec::new(); d.customers.len()];
        for (slot, ((keys, prepared), (&stamp, &customer))) in keys
            .into_iter()
            .zip(d.stamps.iter().zip(&d.customer_of))
            .enumerate()
        {
            let is_alive = alive[slot];
            if is_alive {
                let Some(list) = members.get_mut(customer as usize) else {
                    return Err(broken("a record's customer is out of range"));
                };
                list.push(slot as u32);
            } else {
                if customer != u32::MAX {
                    return Err(broken("an erased record has a customer"));
                }
                live.free_slots.push(slot as u32);
            }
            live.slots.push(Slot {
                alive: is_alive,
                stamp,
                customer: NO_CUSTOMER,
                keys,
                prepared,
                ..Slot::default()
            });
        }
        live.free_slots.reverse();
        // Blocks from (key, record) pairs sorted in parallel: one map
        // insertion per block instead of one per key of every record.
        let mut incidences: Vec<(crate::block::BlockKey, u32)> = live
            .slots
            .par_iter()
            .enumerate()
            .flat_map_iter(|(slot, s)| s.keys.iter().map(move |&k| (k, slot as u32)))
            .collect();
        incidences.par_sort_unstable();
        let runs = incidences.chunk_by(|a, b| a.0 == b.0);
        live.blocks.reserve(with_headroom(runs.clone().count(), n));
        for run in runs {
            live.blocks
                .insert(run[0].0, run.iter().map(|&(_, slot)| slot).collect());
        }
        drop(incidences);
        for &(a, b, weight) in &d.edges {
            if a >= b
                || b as usize >= n
                || !alive[a as usize]
                || !alive[b as usize]
                || !weight.is_finite()
                || weight < live.threshold
            {
                return Err(broken("an edge is malformed"));
            }
            if live.has_edge(a, b) {
                return Err(broken("an edge appears twice"));
            }
            live.add_edge(a, b, weight);
        }
        let customers = d.customers.len();
        live.customers.reserve(with_headroom(customers, n));
        live.by_id.reserve(with_headroom(customers, n));
        // Every id issued, the live customers' among them (`add_customer`).
        live.issued.reserve(with_headroom(d.issued.len(), n));
        for ((id, created), members) in d.customers.into_iter().zip(members) {
            let id = CustomerId::from_u64(id);
            if members.is_empty() {
                return Err(broken("a customer has no record"));
            }
            if live.by_id.contains_key(&id) {
                return Err(broken("a customer id appears twice"));
            }
            live.add_customer(id, created, members);
        }
        live.retired.extend(
            d.retired
                .into_iter()
                .map(|(a, b)| (CustomerId::from_u64(a), CustomerId::from_u64(b))),
        );
        live.issued
            .extend(d.issued.into_iter().map(CustomerId::from_u64));
        for (key, events) in d.pending {
            if live.slot_of(&key).is_some() {
                return Err(broken("pending events of a held record"));
            }
            live.pending.entry(key).or_default().extend(events);
        }
        live.reserve_headroom();
        Ok(live)
    }
}

/// A snapshot's contents decoded, owning everything: the payload it was
/// read from can go.
struct Decoded {
    settings: String,
    population: Population,
    region: Region,
    /// By slot; an erased slot holds a blank record.
    records: Vec<NormalizedRecord>,
    alive: Vec<bool>,
    stamps: Vec<u64>,
    customer_of: Vec<u32>,
    customers: Vec<(u64, u64)>,
    edges: Vec<(u32, u32, f64)>,
    retired: Vec<(u64, u64)>,
    issued: Vec<u64>,
    next_stamp: u64,
    events: RecordEvents,
    pending: Vec<(SourceKey, Vec<Event>)>,
}

impl Decoded {
    /// Decodes the record blobs and validates and builds the event store,
    /// the two side by side: each one's sequential stretches then run while
    /// the other keeps the second core busy.
    fn of(state: State<'_>) -> Result<Decoded> {
        let n = usize::try_from(state.record_count).unwrap_or(usize::MAX);
        if n >= u32::MAX as usize - 1 {
            return Err(broken("too many records or customers"));
        }
        let blobs = &state.records;
        let (events, records) =
            rayon::join(|| state.events.into_store(), || decode_records(blobs, n));
        let (events, (records, alive)) = (events?, records?);
        Ok(Decoded {
            settings: state.settings,
            population: state.population,
            region: state.region,
            records,
            alive,
            stamps: state.stamps,
            customer_of: state.customer_of,
            customers: state.customers,
            edges: state.edges,
            retired: state.retired,
            issued: state.issued,
            next_stamp: state.next_stamp,
            events,
            pending: state.pending,
        })
    }
}

/// The records of the blobs, `n` in all, by slot (a blank record in an
/// erased slot), and which slots hold one.
fn decode_records(blobs: &[&[u8]], n: usize) -> Result<(Vec<NormalizedRecord>, Vec<bool>)> {
    // Decoding records allocates their every string: in parallel, into a
    // vector of known size (serde grows it by doubling otherwise).
    let decoded: Vec<Vec<Option<NormalizedRecord>>> = blobs
        .par_iter()
        .map(|blob| postcard::from_bytes(blob))
        .collect::<std::result::Result<_, _>>()
        .map_err(|_| broken("a record does not decode"))?;
    if decoded.iter().map(Vec::len).sum::<usize>() != n {
        return Err(broken("the record count is wrong"));
    }
    // With the headroom `reserve_headroom` makes at the end, so that it
    // does not copy every record into a bigger vector then.
    let mut records = Vec::with_capacity(n + headroom(n));
    let mut alive = Vec::with_capacity(n);
    for chunk in decoded {
        for record in chunk {
            alive.push(record.is_some());
            records.push(record.unwrap_or_else(|| {
                blank(SourceKey {
                    channel: Channel::Store,
                    id: Default::default(),
                })
            }));
        }
    }
    Ok((records, alive))
}

/// The source-key and lookup indexes of a loaded graph, built apart from it.
struct Indexes {
    by_key: FastMap<u64, Slots>,
    held: usize,
    /// Phones, emails, identifiers.
    lookups: [FastMap<u64, Slots>; 3],
}

impl Indexes {
    /// The indexes of the records held, sized with the headroom the graph
    /// keeps. A source key held twice is an error.
    fn of(records: &[NormalizedRecord], alive: &[bool]) -> Result<Indexes> {
        let n = records.len();
        let held = || {
            records
                .iter()
                .zip(alive)
                .filter(|(_, a)| **a)
                .map(|(r, _)| r)
        };
        // At most one entry per value held.
        let sized = |len: usize| {
            let mut map = FastMap::default();
            map.reserve(with_headroom(len, n));
            map
        };
        let mut by_key: FastMap<u64, Slots> = FastMap::default();
        by_key.reserve(n + headroom(n));
        let mut lookups = [
            sized(held().map(|r| r.phones.len()).sum()),
            sized(held().map(|r| r.emails.len()).sum()),
            sized(held().map(|r| r.identifiers.len()).sum()),
        ];
        let mut count = 0;
        for (slot, record) in records.iter().enumerate() {
            if !alive.get(slot).copied().unwrap_or(false) {
                continue;
            }
            let slot = slot as u32;
            let key = &record.key;
            match by_key.entry(key_hash(key)) {
                Entry::Vacant(e) => {
                    e.insert(Slots::One(slot));
                }
                Entry::Occupied(mut e) => {
                    // Every slot filed so far is held.
                    if e.get().iter().any(|s| records[s as usize].key == *key) {
                        return Err(broken("a source key appears twice"));
                    }
                    e.get_mut().insert(slot);
                }
            }
            count += 1;
            let [phones, emails, identifiers] = &mut lookups;
            file_lookups(record, slot, [phones, emails, identifiers]);
        }
        Ok(Indexes {
            by_key,
            held: count,
            lookups,
        })
    }
}

/// A snapshot whose container is sound but whose contents do not hold
/// together.
fn broken(reason: &str) -> Error {
    Error::new(ErrorKind::Snapshot {
        reason: format!("inconsistent contents: {reason}"),
    })
}
