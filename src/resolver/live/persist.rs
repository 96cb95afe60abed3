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

use std::path::Path;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::{LiveResolver, NO_CUSTOMER, Slot, blank, headroom, with_headroom};
use crate::cluster::CustomerId;
use crate::compare::PreparedRecord;
use crate::error::{Error, ErrorKind, Result};
use crate::normalize::{NormalizedRecord, Region};
use crate::record::{Channel, SourceKey};
use crate::resolver::{Population, Settings};
use crate::snapshot::{self, PayloadKind, SnapshotInfo};
use crate::timeline::{Event, RecordEvents};

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

/// The written form, owned for loading: the same fields in the same order.
#[derive(Deserialize)]
struct State {
    settings: String,
    population: Population,
    region: Region,
    records: Vec<Blob>,
    record_count: u64,
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

/// Records per blob: large enough that the per-blob overhead vanishes,
/// small enough to spread over every core.
const RECORDS_PER_BLOB: usize = 8192;

/// Bytes serialized as one byte string (serde's `Vec<u8>` is a sequence of
/// numbers, decoded one element at a time).
pub(super) struct Blob(Vec<u8>);

impl Serialize for Blob {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_bytes(&self.0)
    }
}

impl<'de> Deserialize<'de> for Blob {
    fn deserialize<D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> std::result::Result<Self, D::Error> {
        struct BlobVisitor;
        impl serde::de::Visitor<'_> for BlobVisitor {
            type Value = Blob;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a byte string")
            }
            fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> std::result::Result<Blob, E> {
                Ok(Blob(v.to_vec()))
            }
            fn visit_byte_buf<E: serde::de::Error>(
                self,
                v: Vec<u8>,
            ) -> std::result::Result<Blob, E> {
                Ok(Blob(v))
            }
        }
        deserializer.deserialize_bytes(BlobVisitor)
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
        let state: State = snapshot::load(path, LIVE_RESOLVER_PAYLOAD)?;
        LiveResolver::from_state(state).map_err(|e| e.in_file(path))
    }

    /// [`save`](Self::save) into memory.
    pub fn to_snapshot_bytes(&self) -> Result<Vec<u8>> {
        snapshot::encode(LIVE_RESOLVER_PAYLOAD, &self.state())
    }

    /// [`load`](Self::load) from memory.
    pub fn from_snapshot_bytes(bytes: &[u8]) -> Result<LiveResolver> {
        LiveResolver::from_state(snapshot::decode(bytes, LIVE_RESOLVER_PAYLOAD)?)
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

    fn from_state(state: State) -> Result<LiveResolver> {
        let broken = |reason: &str| {
            Error::new(ErrorKind::Snapshot {
                reason: format!("inconsistent contents: {reason}"),
            })
        };
        let n = usize::try_from(state.record_count).unwrap_or(usize::MAX);
        if state.stamps.len() != n || state.customer_of.len() != n {
            return Err(broken("per-record columns differ in length"));
        }
        if n >= u32::MAX as usize - 1 || state.customers.len() > n {
            return Err(broken("too many records or customers"));
        }
        if state.stamps.iter().any(|&s| s >= state.next_stamp) {
            return Err(broken("a record is younger than the clock"));
        }
        let settings: Settings = serde_json::from_str(&state.settings)
            .map_err(|_| broken("the settings do not parse"))?;
        let mut live = LiveResolver::new(settings, None, state.population)?;
        live.region = state.region;
        live.next_stamp = state.next_stamp;

        // Decoding records allocates their every string: in parallel, into
        // a vector of known size (serde grows it by doubling otherwise).
        let decoded: Vec<Vec<Option<NormalizedRecord>>> = state
            .records
            .par_iter()
            .map(|blob| postcard::from_bytes(&blob.0))
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

        // Keys and comparison preparations are the costly part of the
        // rebuild: in parallel.
        let keys: Vec<_> = records
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
            .collect();
        live.records = records;
        live.slots = Vec::with_capacity(n + headroom(n));
        let mut members: Vec<Vec<u32>> = vec![Vec::new(); state.customers.len()];
        for (slot, ((keys, prepared), (&stamp, &customer))) in keys
            .into_iter()
            .zip(state.stamps.iter().zip(&state.customer_of))
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
        live.by_key.reserve(n + headroom(n));
        // The lookup indexes, at most one entry per value held.
        let held = || live.records.iter().zip(&alive).filter(|(_, a)| **a);
        let phones = held().map(|(r, _)| r.phones.len()).sum();
        let emails = held().map(|(r, _)| r.emails.len()).sum();
        let identifiers = held().map(|(r, _)| r.identifiers.len()).sum();
        live.phones.reserve(with_headroom(phones, n));
        live.emails.reserve(with_headroom(emails, n));
        live.identifiers.reserve(with_headroom(identifiers, n));
        for slot in (0..n as u32).filter(|&s| alive[s as usize]) {
            if !live.index_key(slot) {
                return Err(broken("a source key appears twice"));
            }
            live.index_lookups(slot);
        }
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
        for &(a, b, weight) in &state.edges {
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
        let customers = state.customers.len();
        live.customers.reserve(with_headroom(customers, n));
        live.by_id.reserve(with_headroom(customers, n));
        live.issued.reserve(with_headroom(state.issued.len(), n));
        for ((id, created), members) in state.customers.into_iter().zip(members) {
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
            state
                .retired
                .into_iter()
                .map(|(a, b)| (CustomerId::from_u64(a), CustomerId::from_u64(b))),
        );
        live.issued
            .extend(state.issued.into_iter().map(CustomerId::from_u64));
        // Events sit in slots of held records only.
        if state
            .events
            .records()
            .any(|r| !alive.get(r.index()).copied().unwrap_or(false))
        {
            return Err(broken("events belong to a record that is not held"));
        }
        live.events = state.events;
        for (key, events) in state.pending {
            if live.slot_of(&key).is_some() {
                return Err(broken("pending events of a held record"));
            }
            live.pending.entry(key).or_default().extend(events);
        }
        live.reserve_headroom();
        Ok(live)
    }
}
