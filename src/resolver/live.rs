//! The living customer graph: records arrive, change and leave one at a time.
//!
//! A [`LiveResolver`] holds records, their blocking keys, every scored edge
//! at or above the threshold, and the customers. [`upsert`](LiveResolver::upsert)
//! and [`erase`](LiveResolver::erase) touch only the *region* a change can
//! reach — the connected component, in the graph of edges at or above the
//! threshold, of the records whose edges changed — and re-run the guarded
//! union-find there, in the batch's total order. Because the batch clusters
//! each such component independently of the others (a guard only ever sees
//! the two clusters an edge joins), the partition after any sequence of
//! upserts, updates and erasures equals [`Resolver::resolve_with`] over the
//! records that remain, with the same model and [`Population`].
//!
//! What keeps that law true, and what it costs:
//!
//! - The model, the generic values and the name frequencies are frozen: a
//!   pair's weight never depends on which other records are loaded. Retrain
//!   (a batch run) when the population has drifted.
//! - Block caps are kept exactly: when a block grows past its rule's cap,
//!   the pairs it alone supported lose their edges; when an erasure brings it
//!   back under, its pairs are compared again (at most cap²/2 comparisons,
//!   rare).
//!
//! # Customer ids
//!
//! Ids are stable, not recomputed: a record attaching to a customer keeps the
//! customer's id; when customers merge the oldest (first created) keeps its
//! id and the others are *retired*, reported, and followed by
//! [`current_id`](LiveResolver::current_id); when a customer splits, the part
//! holding its oldest record (first upserted) keeps the id and the other
//! parts get new ones. A new customer's id is derived from its oldest
//! record's source key ([`CustomerId::of_key`], the batch's id of a
//! one-record customer), and an id once issued is never issued again, even
//! after an erasure.
//!
//! ```
//! use omnicanal::normalize::normalize;
//! use omnicanal::resolver::{Change, LiveResolver, Population, Settings};
//! use omnicanal::score::Model;
//! use omnicanal::{Channel, Record, SourceKey};
//!
//! let record = |channel, id: &str, name: &str, phone: &str| -> Result<_, omnicanal::Error> {
//!     let key = SourceKey::new(channel, id)?;
//!     Ok(normalize(&Record::builder(key).full_name(name)?.phone(phone)?.build()))
//! };
//! let mut live = LiveResolver::new(Settings::default(), None, Population::default())?;
//! let changes = live.upsert(record(Channel::Store, "4001", "DUPONT Marie", "06 12 34 56 78")?)?;
//! let Change::Created { customer, .. } = changes[0].clone() else { panic!("a new customer") };
//! let changes = live.upsert(record(Channel::Web, "A-77", "Marie Dupont", "+33612345678")?)?;
//! assert!(matches!(&changes[0], Change::Attached { customer: c, .. } if *c == customer));
//! assert_eq!(live.by_phone("06.12.34.56.78"), vec![customer]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::{HashMap, HashSet};
use std::hash::BuildHasherDefault;

use rayon::prelude::*;
use serde::Serialize;

use super::{MAX_COMPARISONS, OptionalGuard, Population, Resolver, Settings, config};
use crate::block::BlockKey;
use crate::cluster::{
    CustomerId, Edge, HouseholdGuard, MAX_PROFILES, MergeGuard, NamesGuard, RefusalReason,
    StrongFactsGuard, cluster_ranked,
};
use crate::compare::{Comparator, PreparedRecord};
use crate::error::{Error, ErrorKind, Result};
use crate::normalize::email::normalize_email;
use crate::normalize::nickname::FnvHasher;
use crate::normalize::phone::normalize_phone;
use crate::normalize::{NormalizedRecord, Region, normalize, normalize_identifier};
use crate::record::{IdentifierKind, Record, RecordId, SourceKey};
use crate::score::Model;
use crate::timeline::{Event, LiveTimelineQuery, RecordEvents};

use super::term_frequency::TfPositions;

/// What one call changed in the customer graph, for the systems that mirror
/// it. Several may come from one call (a record that bridges two customers
/// gives an attach and a merge).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum Change {
    /// A new customer, with its records.
    Created {
        /// Its id.
        customer: CustomerId,
        /// Its records.
        records: Vec<SourceKey>,
    },
    /// A record (new, or moved from another customer) joined a customer that
    /// already existed.
    Attached {
        /// The customer it joined.
        customer: CustomerId,
        /// The record.
        record: SourceKey,
    },
    /// A record's values changed and it stays in its customer.
    Updated {
        /// Its customer.
        customer: CustomerId,
        /// The record.
        record: SourceKey,
    },
    /// A record left a customer that still exists (erased, or now belonging
    /// to another customer).
    Detached {
        /// The customer it left.
        customer: CustomerId,
        /// The record.
        record: SourceKey,
    },
    /// Customers merged: `retired` is now part of `into` and its id is
    /// retired (see [`LiveResolver::current_id`]).
    Merged {
        /// The surviving, older customer.
        into: CustomerId,
        /// The id that no longer names a customer.
        retired: CustomerId,
    },
    /// A customer split: `into` is a new customer and the records of `into`
    /// that were `from`'s moved there (records new to the graph come as
    /// [`Attached`](Change::Attached) after it); `from` keeps the part
    /// holding its oldest record.
    Split {
        /// The customer that kept its id.
        from: CustomerId,
        /// The new customer.
        into: CustomerId,
    },
    /// A customer lost its last record (erasure).
    Removed {
        /// The id, never issued again.
        customer: CustomerId,
    },
}

/// Where [`LiveResolver::upsert_event`] put an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "placement", rename_all = "snake_case")]
pub enum EventPlacement {
    /// In the timeline of this customer.
    Placed {
        /// The customer of the event's record.
        customer: CustomerId,
    },
    /// Its record is not held yet: the event waits, and joins the record's
    /// timeline when the record is upserted (or goes when its key is
    /// erased).
    Pending,
}

/// One record slot. Slots are reused after an erasure; a slot's
/// [`RecordId`] is its index.
#[derive(Debug, Clone, Default)]
struct Slot {
    alive: bool,
    /// Upsert order: the record's age, for "the part holding the oldest
    /// record keeps the id".
    stamp: u64,
    /// Index into `customers`.
    customer: u32,
    /// Sorted, distinct.
    keys: Vec<BlockKey>,
    /// Every edge at or above the threshold: (other slot, weight).
    edges: Vec<(u32, f64)>,
    /// The record prepared for comparisons: the per-record work of a
    /// comparison done once per upsert instead of once per candidate pair
    /// (about 3× cheaper comparisons for some 60 bytes per value held).
    prepared: PreparedRecord,
    /// Scratch: position in the region being re-clustered.
    local: u32,
    /// Scratch: the region pass that last visited this slot.
    visited: u64,
}

#[derive(Debug, Clone)]
struct CustomerEntry {
    id: CustomerId,
    /// Creation order: the older customer keeps its id in a merge.
    created: u64,
    members: Vec<u32>,
}

const NO_CUSTOMER: u32 = u32::MAX;

/// Maps keyed by block keys (already hashes), ids and short strings: FNV is
/// several times cheaper than SipHash on them. The price is no defence
/// against crafted collisions, whose worst case here is a slower map, never
/// a wrong answer.
type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FnvHasher>>;
type FastSet<K> = HashSet<K, BuildHasherDefault<FnvHasher>>;

/// A resolved customer graph that takes records one at a time.
///
/// `Send + Sync`: share it behind a `RwLock` — lookups through `&self`,
/// changes through `&mut self` (see `examples/live_server.rs`).
#[derive(Clone)]
pub struct LiveResolver {
    resolver: Resolver,
    model: Model,
    population: Population,
    comparator: Comparator<super::OwnedGenericEvidence>,
    threshold: f64,
    tf_positions: TfPositions,
    region: Region,

    /// By slot. An erased slot holds a blank record (no personal data).
    records: Vec<NormalizedRecord>,
    slots: Vec<Slot>,
    free_slots: Vec<u32>,
    /// Source key (by hash) → slots; a lookup checks the record's key, so a
    /// collision costs a comparison, never a wrong answer. Hashes, not
    /// strings: no copy of a key or a value lives in the indexes.
    by_key: FastMap<u64, Slots>,
    /// Records held (`by_key` counts hashes).
    held: usize,
    /// Every record holding each key, over the cap or not.
    blocks: FastMap<BlockKey, Vec<u32>>,

    customers: Vec<Option<CustomerEntry>>,
    free_customers: Vec<u32>,
    by_id: FastMap<CustomerId, u32>,
    /// Retired id → the id that absorbed it.
    retired: FastMap<CustomerId, CustomerId>,
    /// Every id ever issued, so none is issued twice.
    issued: FastSet<CustomerId>,

    /// Phone, email and identifier (by hash of the kind and value) → slots,
    /// checked against the records on lookup like `by_key`.
    phones: FastMap<u64, Slots>,
    emails: FastMap<u64, Slots>,
    identifiers: FastMap<u64, Slots>,

    /// Events by record slot, merged per customer at query time (merges
    /// and splits move no event).
    events: RecordEvents,
    /// Events whose record is not held (yet): placed when it arrives,
    /// dropped when its key is erased.
    pending: FastMap<SourceKey, Vec<Event>>,

    next_stamp: u64,
    region_pass: u64,
    /// Whether [`recluster`](Self::recluster) may take its fast path (off
    /// only in the tests that compare the two paths).
    fast_paths: bool,
    /// Scratch buffers of [`attach`](Self::attach), kept between upserts.
    scratch_candidates: Vec<u32>,
    scratch_weights: Vec<f64>,
}

impl std::fmt::Debug for LiveResolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Counts only: records are personal data.
        f.debug_struct("LiveResolver")
            .field("records", &self.len())
            .field("customers", &self.by_id.len())
            .field("threshold", &self.threshold)
            .finish_non_exhaustive()
    }
}

impl LiveResolver {
    /// An empty graph scoring with `model` (the settings' model, or the
    /// documented defaults when both are `None`) and a frozen population.
    /// Typically the model and population of a batch run on a sample of the
    /// data ([`Resolution::model`](super::Resolution::model) and
    /// [`Resolution::population`](super::Resolution::population)).
    pub fn new(settings: Settings, model: Option<Model>, population: Population) -> Result<Self> {
        let model = match model.or_else(|| settings.model.clone()) {
            Some(model) => model,
            None => super::default_model(&settings),
        };
        model.validate()?;
        if model.shape() != settings.comparisons.shape() {
            return Err(config("the model does not fit the comparisons"));
        }
        let settings = Settings {
            model: Some(model.clone()),
            ..settings
        };
        let resolver = Resolver::new(settings)?;
        let comparator = Comparator::with_generic_values(
            resolver.settings.comparisons.clone(),
            super::OwnedGenericEvidence(std::sync::Arc::new(population.generic.clone())),
        )?;
        let threshold = resolver.settings.match_weight_threshold;
        let tf_positions = TfPositions::of(&resolver.settings.comparisons);
        Ok(LiveResolver {
            resolver,
            model,
            population,
            comparator,
            threshold,
            tf_positions,
            region: Region::default(),
            records: Vec::new(),
            slots: Vec::new(),
            free_slots: Vec::new(),
            by_key: FastMap::default(),
            held: 0,
            blocks: FastMap::default(),
            customers: Vec::new(),
            free_customers: Vec::new(),
            by_id: FastMap::default(),
            retired: FastMap::default(),
            issued: FastSet::default(),
            phones: FastMap::default(),
            emails: FastMap::default(),
            identifiers: FastMap::default(),
            events: RecordEvents::new(),
            pending: FastMap::default(),
            next_stamp: 0,
            region_pass: 0,
            fast_paths: true,
            scratch_candidates: Vec::new(),
            scratch_weights: Vec::new(),
        })
    }

    /// Resolves a batch (training the model unless the settings give one)
    /// and goes live with its records, model and population. Records are
    /// stamped in source-key order and customers get the batch's ids
    /// ([`CustomerId::from_members`]).
    pub fn from_batch(settings: Settings, records: Vec<NormalizedRecord>) -> Result<Self> {
        let resolver = Resolver::new(settings.clone())?;
        let (resolution, edges) = resolver.resolve_inner(&records, None)?;
        let mut live = LiveResolver::new(
            settings,
            Some(resolution.model.clone()),
            resolution.population.clone(),
        )?;
        live.load_resolved(records, &edges, &resolution.clustering)?;
        Ok(live)
    }

    /// Fills an empty graph with a batch's records, edges and clusters.
    fn load_resolved(
        &mut self,
        records: Vec<NormalizedRecord>,
        edges: &[Edge],
        clustering: &crate::cluster::Clustering,
    ) -> Result<()> {
        let n = records.len();
        let mut order: Vec<u32> = (0..n as u32).collect();
        order.sort_by(|&a, &b| records[a as usize].key.cmp(&records[b as usize].key));
        self.slots = vec![Slot::default(); n];
        for (stamp, &slot) in order.iter().enumerate() {
            self.slots[slot as usize].stamp = stamp as u64;
        }
        self.next_stamp = n as u64;
        self.records = records;
        let prepared: Vec<PreparedRecord> = self
            .records
            .par_iter()
            .map(|r| self.comparator.prepare_record(r))
            .collect();
        for (slot, prepared) in self.slots.iter_mut().zip(prepared) {
            slot.prepared = prepared;
        }
        for slot in 0..n as u32 {
            if !self.index_key(slot) {
                return Err(Error::new(ErrorKind::InvalidValue {
                    reason: "a source key appears twice in the batch".into(),
                })
                .for_record(self.records[slot as usize].key.clone()));
            }
            self.slots[slot as usize].alive = true;
            let keys = self.keys_of(slot);
            for &k in &keys {
                self.blocks.entry(k).or_default().push(slot);
            }
            self.slots[slot as usize].keys = keys;
            self.index_lookups(slot);
        }
        for edge in edges {
            let (a, b) = (edge.a.0, edge.b.0);
            self.slots[a as usize].edges.push((b, edge.weight));
            self.slots[b as usize].edges.push((a, edge.weight));
        }
        for (_, members) in clustering.clusters() {
            let members: Vec<u32> = members.iter().map(|r| r.0).collect();
            let id = CustomerId::from_member_refs(
                members.iter().map(|&s| &self.records[s as usize].key),
            );
            let created = members
                .iter()
                .map(|&s| self.slots[s as usize].stamp)
                .min()
                .unwrap_or(0);
            self.add_customer(id, created, members);
        }
        self.reserve_headroom();
        Ok(())
    }

    /// Makes room for an eighth more records (and their blocks, index
    /// entries and customers) than are held, so that the first upserts
    /// after going live do not pay for growing the big vectors and maps: at
    /// a million records one doubling copies or rehashes hundreds of
    /// megabytes, a single upsert of 100 ms or more. Costs that much memory
    /// at start-up instead (maps round up to a power of two anyway).
    ///
    /// A load reserves the same sizes before filling (see
    /// [`with_headroom`]), so that this then has nothing left to grow:
    /// growing a full vector of a million records here would copy it whole.
    fn reserve_headroom(&mut self) {
        let held = self.records.len().max(1);
        let extra = headroom(held);
        let per_record = |len: usize| with_headroom(len, held) - len;
        self.records.reserve(extra);
        self.slots.reserve(extra);
        self.by_key.reserve(extra);
        self.blocks.reserve(per_record(self.blocks.len()));
        self.phones.reserve(per_record(self.phones.len()));
        self.emails.reserve(per_record(self.emails.len()));
        self.identifiers.reserve(per_record(self.identifiers.len()));
        self.customers.reserve(per_record(self.customers.len()));
        self.by_id.reserve(per_record(self.by_id.len()));
        self.issued.reserve(per_record(self.issued.len()));
    }

    /// The model pairs are scored with.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// The frozen generic values and name frequencies.
    pub fn population(&self) -> &Population {
        &self.population
    }

    /// The settings (with the model in them).
    pub fn settings(&self) -> &Settings {
        &self.resolver.settings
    }

    /// The region national phone numbers are read in by
    /// [`upsert_record`](Self::upsert_record) and the lookups (FR unless
    /// told otherwise).
    pub fn set_region(&mut self, region: Region) {
        self.region = region;
    }

    /// Records held.
    pub fn len(&self) -> usize {
        self.held
    }

    /// True when no record is held.
    pub fn is_empty(&self) -> bool {
        self.held == 0
    }

    /// Customers held.
    pub fn customer_count(&self) -> usize {
        self.by_id.len()
    }

    /// Adds a record, or re-evaluates it when its source key is already
    /// held (a merge its new values no longer support is undone). Returns
    /// what changed; nothing when the record is unchanged.
    pub fn upsert(&mut self, record: NormalizedRecord) -> Result<Vec<Change>> {
        let mut work = Work::default();
        let hash = key_hash(&record.key);
        let slot = match self.slot_of_hashed(&record.key, hash) {
            Some(slot) => {
                if self.records[slot as usize] == record {
                    return Ok(Vec::new());
                }
                self.detach(slot, &mut work);
                self.records[slot as usize] = record;
                work.updated = Some(slot);
                slot
            }
            None => {
                let slot = match self.free_slots.pop() {
                    Some(slot) => {
                        self.records[slot as usize] = record;
                        slot
                    }
                    None => {
                        if self.records.len() >= u32::MAX as usize - 1 {
                            return Err(config("at most 2^32 - 2 records in a live graph"));
                        }
                        self.records.push(record);
                        self.slots.push(Slot::default());
                        (self.records.len() - 1) as u32
                    }
                };
                let s = &mut self.slots[slot as usize];
                s.alive = true;
                s.customer = NO_CUSTOMER;
                s.stamp = self.next_stamp;
                self.next_stamp += 1;
                // Not held: looked up above.
                self.file_key(slot, hash);
                slot
            }
        };
        self.attach(slot, &mut work);
        self.index_lookups(slot);
        let changes = self.recluster(work);
        self.place_pending(slot);
        Ok(changes)
    }

    /// Moves the events that waited for this record into its timeline. One
    /// the store refuses (it is full) stays pending: never lost.
    fn place_pending(&mut self, slot: u32) {
        let key = &self.records[slot as usize].key;
        let Some(waiting) = self.pending.remove(key) else {
            return;
        };
        let mut refused = Vec::new();
        for event in waiting {
            if self.events.push(RecordId(slot), event.clone()).is_err() {
                refused.push(event);
            }
        }
        if !refused.is_empty() {
            let key = self.records[slot as usize].key.clone();
            self.pending.insert(key, refused);
        }
    }

    /// [`upsert`](Self::upsert) of a raw record, normalized with the
    /// default options in this graph's region.
    pub fn upsert_record(&mut self, record: &Record) -> Result<Vec<Change>> {
        let normalized = if self.region == Region::default() {
            normalize(record)
        } else {
            let options = crate::normalize::NormalizeOptions {
                region: self.region,
                ..Default::default()
            };
            crate::normalize::Normalizer::new(options)?.normalize(record)
        };
        self.upsert(normalized)
    }

    /// Forgets a record (right to be forgotten): its values, keys, edges and
    /// index entries go; its customer's other records are re-clustered and
    /// may split. Nothing when the key is not held.
    pub fn erase(&mut self, key: &SourceKey) -> Result<Vec<Change>> {
        // Events waiting for this record go too: it is to be forgotten.
        self.pending.remove(key);
        let Some(slot) = self.slot_of(key) else {
            return Ok(Vec::new());
        };
        let mut work = Work::default();
        self.remove_slot(slot, &mut work);
        Ok(self.recluster(work))
    }

    /// Forgets every record of a customer (by its current id; a retired id
    /// is followed). Fails when no customer has this id.
    pub fn erase_customer(&mut self, id: CustomerId) -> Result<Vec<Change>> {
        let current = self.current_id(id);
        let Some(&index) = current.and_then(|c| self.by_id.get(&c)) else {
            return Err(Error::new(ErrorKind::InvalidValue {
                reason: format!("no customer has id {id}"),
            }));
        };
        let members = self.customers[index as usize]
            .as_ref()
            .map(|c| c.members.clone())
            .unwrap_or_default();
        let mut work = Work::default();
        for slot in members {
            self.remove_slot(slot, &mut work);
        }
        Ok(self.recluster(work))
    }

    // ---- events ------------------------------------------------------------

    /// Adds an event to the timeline of its record's customer (its
    /// [`source`](Event::source) names the record), or keeps it pending
    /// until the record arrives. Events are appended: one sent twice is
    /// held twice (give each event one id and send it once).
    pub fn upsert_event(&mut self, event: Event) -> Result<EventPlacement> {
        match self.slot_of(&event.source) {
            Some(slot) => {
                self.events.push(RecordId(slot), event)?;
                Ok(self
                    .customer_id_of_slot(slot)
                    .map_or(EventPlacement::Pending, |customer| EventPlacement::Placed {
                        customer,
                    }))
            }
            None => {
                self.pending
                    .entry(event.source.clone())
                    .or_default()
                    .push(event);
                Ok(EventPlacement::Pending)
            }
        }
    }

    /// Adds many events at once (a start-up load): in parallel when no
    /// event is held yet, else one by one. Returns how many wait for their
    /// record.
    pub fn load_events(&mut self, events: Vec<Event>) -> Result<usize> {
        if !self.events.is_empty() {
            let mut waiting = 0;
            for event in events {
                if self.upsert_event(event)? == EventPlacement::Pending {
                    waiting += 1;
                }
            }
            return Ok(waiting);
        }
        let this = &*self;
        let (store, orphans) =
            RecordEvents::from_events(events, |key| this.slot_of(key).map(RecordId))?;
        self.events = store;
        let waiting = orphans.len();
        for orphan in orphans {
            self.pending
                .entry(orphan.event.source.clone())
                .or_default()
                .push(orphan.event);
        }
        Ok(waiting)
    }

    /// A customer's merged timeline across its records (filters, order,
    /// cursors and journeys on the query), or `None` for an unknown id.
    pub fn timeline(&self, id: CustomerId) -> Option<LiveTimelineQuery<'_>> {
        let entry = self.customer_entry(id)?;
        let records: Vec<RecordId> = entry.members.iter().map(|&s| RecordId(s)).collect();
        Some(self.events.timeline(&records))
    }

    /// Events held in timelines.
    pub fn event_count(&self) -> usize {
        self.events.len()
    }

    /// Events waiting for their record.
    pub fn pending_event_count(&self) -> usize {
        self.pending.values().map(Vec::len).sum()
    }

    /// The event store (by record slot).
    pub fn events(&self) -> &RecordEvents {
        &self.events
    }

    // ---- lookups ---------------------------------------------------------

    /// The customer of a record.
    pub fn customer_of(&self, key: &SourceKey) -> Option<CustomerId> {
        self.slot_of(key)
            .and_then(|slot| self.customer_id_of_slot(slot))
    }

    /// The id a customer goes by now: itself while it exists, the customer
    /// that absorbed it when it was retired by a merge, `None` when it was
    /// erased or never existed.
    pub fn current_id(&self, id: CustomerId) -> Option<CustomerId> {
        let mut id = id;
        // Retirements form chains that end at a live or erased id; the
        // bound guards against a corrupt map ever looping.
        for _ in 0..=self.retired.len() {
            if self.by_id.contains_key(&id) {
                return Some(id);
            }
            id = *self.retired.get(&id)?;
        }
        None
    }

    /// The source keys of a customer's records, in key order.
    pub fn records_of(&self, id: CustomerId) -> Option<Vec<&SourceKey>> {
        let entry = self.customer_entry(id)?;
        let mut keys: Vec<&SourceKey> = entry
            .members
            .iter()
            .map(|&s| &self.records[s as usize].key)
            .collect();
        keys.sort();
        Some(keys)
    }

    /// Every record held, in no particular order.
    pub fn records(&self) -> impl Iterator<Item = &NormalizedRecord> + '_ {
        self.records
            .iter()
            .zip(&self.slots)
            .filter(|(_, s)| s.alive)
            .map(|(r, _)| r)
    }

    /// The normalized record of a source key.
    pub fn record(&self, key: &SourceKey) -> Option<&NormalizedRecord> {
        self.slot_of(key).map(|s| &self.records[s as usize])
    }

    /// Every customer with its records' keys (in key order), customers in
    /// no particular order.
    pub fn customers(&self) -> impl Iterator<Item = (CustomerId, Vec<&SourceKey>)> + '_ {
        self.customers.iter().flatten().map(|c| {
            let mut keys: Vec<&SourceKey> = c
                .members
                .iter()
                .map(|&s| &self.records[s as usize].key)
                .collect();
            keys.sort();
            (c.id, keys)
        })
    }

    /// The partition as sorted lists of sorted keys: equal for two graphs
    /// holding the same records in the same customers, whatever the ids.
    pub fn partition(&self) -> Vec<Vec<SourceKey>> {
        let mut parts: Vec<Vec<SourceKey>> = self
            .customers()
            .map(|(_, keys)| keys.into_iter().cloned().collect())
            .collect();
        parts.sort();
        parts
    }

    /// The customers holding this phone, in any format (national numbers
    /// in the graph's region), by id.
    pub fn by_phone(&self, raw: &str) -> Vec<CustomerId> {
        match normalize_phone(raw, self.region) {
            Ok(phone) => self.customers_holding(
                self.phones.get(&value_hash(b"p", &[phone.e164.as_bytes()])),
                |r| r.phones.iter().any(|p| p.e164 == phone.e164),
            ),
            Err(_) => Vec::new(),
        }
    }

    /// The customers holding this email, in any spelling its provider
    /// delivers to the same mailbox.
    pub fn by_email(&self, raw: &str) -> Vec<CustomerId> {
        match normalize_email(raw) {
            Ok(email) => self.customers_holding(
                self.emails
                    .get(&value_hash(b"e", &[email.normalized.as_bytes()])),
                |r| r.emails.iter().any(|e| e.normalized == email.normalized),
            ),
            Err(_) => Vec::new(),
        }
    }

    /// The customers holding this identifier (card number, account id, …).
    pub fn by_identifier(&self, kind: &IdentifierKind, raw: &str) -> Vec<CustomerId> {
        let value = normalize_identifier(raw);
        self.customers_holding(self.identifiers.get(&identifier_hash(kind, &value)), |r| {
            r.identifiers.iter().any(|(k, v)| k == kind && *v == value)
        })
    }

    /// The customers of the slots filed under a hash whose record really
    /// holds the value.
    fn customers_holding(
        &self,
        slots: Option<&Slots>,
        holds: impl Fn(&NormalizedRecord) -> bool,
    ) -> Vec<CustomerId> {
        let mut out: Vec<CustomerId> = slots
            .into_iter()
            .flat_map(Slots::iter)
            .filter(|&s| holds(&self.records[s as usize]))
            .filter_map(|s| self.customer_id_of_slot(s))
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    fn customer_entry(&self, id: CustomerId) -> Option<&CustomerEntry> {
        let index = *self.by_id.get(&id)?;
        self.customers.get(index as usize)?.as_ref()
    }

    fn customer_id_of_slot(&self, slot: u32) -> Option<CustomerId> {
        let index = self.slots.get(slot as usize)?.customer;
        Some(self.customers.get(index as usize)?.as_ref()?.id)
    }

    /// The graph as a [`CustomerGraph`](crate::graph::CustomerGraph): the
    /// batch-shaped view the call-centre tooling reads (profiles, fuzzy name
    /// search, explanations), with this graph's customer ids. Record ids
    /// follow the order of [`records`](Self::records). Cost: the guarded
    /// union-find over every edge, once, and the profiles — seconds at a
    /// million records; build it at start-up, not per query.
    pub fn to_graph(
        &self,
        timelines: Option<&crate::timeline::Timelines>,
    ) -> Result<crate::graph::CustomerGraph> {
        let alive: Vec<u32> = (0..self.slots.len() as u32)
            .filter(|&s| self.slots[s as usize].alive)
            .collect();
        let mut position = vec![u32::MAX; self.slots.len()];
        for (i, &s) in alive.iter().enumerate() {
            position[s as usize] = i as u32;
        }
        let records: Vec<NormalizedRecord> = alive
            .iter()
            .map(|&s| self.records[s as usize].clone())
            .collect();
        let mut edges = Vec::new();
        for &s in &alive {
            for &(other, weight) in &self.slots[s as usize].edges {
                let (a, b) = (position[s as usize], position[other as usize]);
                if a < b {
                    edges.push(Edge::new(RecordId(a), RecordId(b), weight));
                }
            }
        }
        // The batch's clustering of these records: the same partition (the
        // live graph's law), with the edges that explain each customer.
        let clustering = self.resolver.cluster_with_guards(
            &records,
            &edges,
            self.threshold,
            &super::KeyOrder::of(&records),
        );
        let customer_ids: Vec<CustomerId> = clustering
            .clusters()
            .map(|(_, members)| {
                members
                    .first()
                    .and_then(|r| alive.get(r.index()))
                    .and_then(|&s| self.customer_id_of_slot(s))
                    .unwrap_or(CustomerId::from_u64(0))
            })
            .collect();
        let mut builder = crate::graph::CustomerGraph::builder(records, clustering, customer_ids)
            .generic_values(self.population.generic.clone())
            .explainer(self.resolver.clone(), self.model.clone())
            .population(self.population.clone());
        if let Some(timelines) = timelines {
            builder = builder.timelines(timelines);
        }
        builder.build()
    }

    /// [`to_graph`](Self::to_graph) with the events: a batch-shaped
    /// [`Timelines`](crate::timeline::Timelines) store over the graph's
    /// customers (profiles then carry activity), built from every held
    /// event. Pending events, whose record is not held, are not in it.
    pub fn to_graph_with_timelines(
        &self,
    ) -> Result<(crate::graph::CustomerGraph, crate::timeline::Timelines)> {
        let graph_without = self.to_graph(None)?;
        // The graph's record ids follow the held slots in slot order.
        let mut position: FastMap<&SourceKey, RecordId> = FastMap::default();
        let mut events = Vec::with_capacity(self.events.len());
        let held = (0..self.slots.len() as u32).filter(|&s| self.slots[s as usize].alive);
        for (i, slot) in held.enumerate() {
            position.insert(&self.records[slot as usize].key, RecordId(i as u32));
            events.extend(
                self.events
                    .timeline(&[RecordId(slot)])
                    .oldest_first()
                    .iter()
                    .map(|e| e.to_event()),
            );
        }
        let customer_of_record: Vec<u32> = graph_without
            .clustering()
            .assignment()
            .iter()
            .map(|c| c.0)
            .collect();
        let built = crate::timeline::Timelines::build(
            events,
            |k| position.get(k).copied(),
            &customer_of_record,
        )?;
        let graph = self.to_graph(Some(&built.timelines))?;
        Ok((graph, built.timelines))
    }

    // ---- keys, edges, indexes ----------------------------------------------

    fn keys_of(&self, slot: u32) -> Vec<BlockKey> {
        let mut keys = self
            .resolver
            .blocker
            .keys(&self.records[slot as usize], &self.population.generic);
        keys.sort_unstable();
        keys.dedup();
        keys
    }

    fn within_cap(&self, key: BlockKey) -> bool {
        let size = self.blocks.get(&key).map_or(0, Vec::len);
        size <= self.resolver.blocker.cap_of(key.rule())
    }

    /// True when the batch would compare `x` and `y`: they share a key whose
    /// block is within its cap.
    fn is_candidate(&self, x: u32, y: u32) -> bool {
        let (kx, ky) = (&self.slots[x as usize].keys, &self.slots[y as usize].keys);
        let (mut i, mut j) = (0, 0);
        while i < kx.len() && j < ky.len() {
            match kx[i].cmp(&ky[j]) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    if self.within_cap(kx[i]) {
                        return true;
                    }
                    i += 1;
                    j += 1;
                }
            }
        }
        false
    }

    fn has_edge(&self, x: u32, y: u32) -> bool {
        self.slots[x as usize].edges.iter().any(|e| e.0 == y)
    }

    fn add_edge(&mut self, x: u32, y: u32, weight: f64) {
        self.slots[x as usize].edges.push((y, weight));
        self.slots[y as usize].edges.push((x, weight));
    }

    fn remove_edge(&mut self, x: u32, y: u32) {
        self.slots[x as usize].edges.retain(|e| e.0 != y);
        self.slots[y as usize].edges.retain(|e| e.0 != x);
    }

    /// The weights of `slot` against each of `others`, as the batch scores
    /// them (same comparator, frozen generic values and name frequencies).
    fn weights(&self, slot: u32, others: &[u32]) -> Vec<f64> {
        let mut out = Vec::with_capacity(others.len());
        self.weights_into(slot, others, &mut out);
        out
    }

    /// [`weights`](Self::weights) into `out` (cleared first), so that an
    /// upsert reuses one buffer.
    fn weights_into(&self, slot: u32, others: &[u32], out: &mut Vec<f64>) {
        out.clear();
        let a = &self.records[slot as usize];
        let prepared_a = &self.slots[slot as usize].prepared;
        let use_tf = self.resolver.settings.training.term_frequency;
        let n = self.comparator.len();
        if n > MAX_COMPARISONS {
            // As the batch does: beyond the stack buffer, no adjustment.
            out.extend(others.iter().map(|&o| {
                let levels = self.comparator.compare_to_vec(a, &self.records[o as usize]);
                self.model.match_weight(&levels)
            }));
            return;
        }
        // The candidates sit at random slots of a big graph: fetch all their
        // preparations at once (independent loads overlap) before the
        // comparisons, which would otherwise each wait for their own.
        let touched = others.iter().fold(0u64, |acc, &o| {
            acc ^ self.slots[o as usize].prepared.touch()
        });
        std::hint::black_box(touched);
        // `a`'s name frequencies, looked up once rather than per candidate.
        let relatives = use_tf.then(|| self.population.names.relatives_of(a));
        let mut levels = [0u8; MAX_COMPARISONS];
        let mut values = [None; MAX_COMPARISONS];
        let (levels, values) = (&mut levels[..n], &mut values[..n]);
        out.extend(others.iter().map(|&other| {
            let b = &self.records[other as usize];
            let prepared_b = &self.slots[other as usize].prepared;
            self.comparator
                .compare_prepared((a, prepared_a), (b, prepared_b), levels);
            match &relatives {
                Some(relatives) => {
                    self.population.names.fill_pair_relatives(
                        &self.model,
                        self.tf_positions,
                        relatives,
                        levels,
                        values,
                        |k, family| prepared_a.shares_name(a, k, (b, prepared_b), family),
                    );
                    self.model.match_weight_tf(levels, values)
                }
                None => self.model.match_weight(levels),
            }
        }));
    }

    /// Indexes a record's keys and scores it against its candidates. Blocks
    /// that grow past their cap take back the edges they alone supported.
    fn attach(&mut self, slot: u32, work: &mut Work) {
        self.slots[slot as usize].prepared =
            self.comparator.prepare_record(&self.records[slot as usize]);
        let keys = self.keys_of(slot);
        let mut candidates = std::mem::take(&mut self.scratch_candidates);
        candidates.clear();
        for &key in &keys {
            let cap = self.resolver.blocker.cap_of(key.rule());
            let block = self.blocks.entry(key).or_default();
            block.push(slot);
            // The record's keys are distinct, so this block has its final
            // size: its members are candidates when it is within its cap.
            if block.len() <= cap {
                candidates.extend(block.iter().copied().filter(|&m| m != slot));
            } else if block.len() == cap + 1 {
                let members: Vec<u32> = block.iter().copied().filter(|&m| m != slot).collect();
                self.drop_unsupported_edges(&members, &mut work.seeds);
            }
        }
        self.slots[slot as usize].keys = keys;
        candidates.sort_unstable();
        candidates.dedup();
        let mut weights = std::mem::take(&mut self.scratch_weights);
        self.weights_into(slot, &candidates, &mut weights);
        for (&other, &weight) in candidates.iter().zip(&weights) {
            if weight >= self.threshold {
                self.add_edge(slot, other, weight);
            }
        }
        self.scratch_candidates = candidates;
        self.scratch_weights = weights;
        work.seeds.push(slot);
    }

    /// After a block went over its cap: the edges between its members that
    /// no other shared key supports go.
    fn drop_unsupported_edges(&mut self, members: &[u32], seeds: &mut Vec<u32>) {
        let member_set: HashSet<u32> = members.iter().copied().collect();
        let mut dropped = Vec::new();
        for &x in members {
            for &(y, _) in &self.slots[x as usize].edges {
                if x < y && member_set.contains(&y) && !self.is_candidate(x, y) {
                    dropped.push((x, y));
                }
            }
        }
        for (x, y) in dropped {
            self.remove_edge(x, y);
            seeds.extend([x, y]);
        }
    }

    /// Takes a record out of the blocks and the edge graph (its values stay
    /// in place for the caller to replace or blank). Blocks that come back
    /// under their cap get their pairs compared again.
    fn detach(&mut self, slot: u32, work: &mut Work) {
        let customer = self.slots[slot as usize].customer;
        if customer != NO_CUSTOMER {
            work.touched.push(customer);
        }
        self.unindex_lookups(slot);
        let keys = std::mem::take(&mut self.slots[slot as usize].keys);
        for &key in &keys {
            let Some(block) = self.blocks.get_mut(&key) else {
                continue;
            };
            if let Some(at) = block.iter().position(|&m| m == slot) {
                block.swap_remove(at);
            }
            let size = block.len();
            if size == 0 {
                self.blocks.remove(&key);
            } else if size == self.resolver.blocker.cap_of(key.rule()) {
                let members = block.clone();
                self.restore_block_pairs(&members, &mut work.seeds);
            }
        }
        let edges = std::mem::take(&mut self.slots[slot as usize].edges);
        for (other, _) in edges {
            self.slots[other as usize].edges.retain(|e| e.0 != slot);
            work.seeds.push(other);
        }
    }

    /// After a block came back within its cap: its pairs are candidates
    /// again, and those without an edge are scored.
    fn restore_block_pairs(&mut self, members: &[u32], seeds: &mut Vec<u32>) {
        for (i, &x) in members.iter().enumerate() {
            let others: Vec<u32> = members[i + 1..]
                .iter()
                .copied()
                .filter(|&y| !self.has_edge(x, y))
                .collect();
            let weights = self.weights(x, &others);
            for (&y, weight) in others.iter().zip(weights) {
                if weight >= self.threshold {
                    self.add_edge(x, y, weight);
                    seeds.extend([x, y]);
                }
            }
        }
    }

    /// Detaches a record and blanks its slot for reuse.
    fn remove_slot(&mut self, slot: u32, work: &mut Work) {
        self.detach(slot, work);
        self.events.erase_record(RecordId(slot));
        let key = self.records[slot as usize].key.clone();
        self.unindex_key(slot);
        let customer = self.slots[slot as usize].customer;
        if let Some(Some(entry)) = self.customers.get_mut(customer as usize) {
            entry.members.retain(|&m| m != slot);
        }
        // Every value goes; the key is kept only in the change report
        // (source keys are system ids, not personal data).
        self.records[slot as usize] = blank(SourceKey {
            channel: key.channel.clone(),
            id: Default::default(),
        });
        work.departed.push((key, customer));
        let s = &mut self.slots[slot as usize];
        s.alive = false;
        s.customer = NO_CUSTOMER;
        s.prepared = PreparedRecord::default();
        self.free_slots.push(slot);
    }

    // ---- re-clustering a region ----------------------------------------------

    /// Re-clusters the region the work reached and reports what changed.
    fn recluster(&mut self, work: Work) -> Vec<Change> {
        if self.fast_paths
            && let Some(changes) = self.recluster_one_new_record(&work)
        {
            return changes;
        }
        let (parts, old) = self.region_parts(&work);
        self.assign(parts, &old, work)
    }

    /// The common case of an upsert, "one new record, alone or joining one
    /// customer", without the region machinery (key sort, guard summaries
    /// merged along a union-find, id bookkeeping maps): about a quarter of
    /// an upsert's time. `None` when the work is anything else; the caller
    /// then takes the general path. The result is exactly the general
    /// path's (in debug builds each use is checked against it, and a
    /// property test compares whole operation sequences with and without).
    ///
    /// Why it is the same: the new record `s` has edges only into customer
    /// `C`; say first that no record of `C` has an edge leaving `C ∪ {s}`,
    /// so the region is `C ∪ {s}`. The batch's guards refuse a union exactly when
    /// a pair of per-record profiles, one on each side, conflicts (see
    /// `cluster::profile`); with at most [`MAX_PROFILES`] records no
    /// summary is ever truncated, so `C`, a cluster, holds no conflicting
    /// pair, and if `s` conflicts with no record of `C` every union in the
    /// region is allowed: the region is one customer, `C`'s, whatever the
    /// order of its edges. When `C` has edges to other customers (edges the
    /// guards refused), those customers are in the region and stay as they
    /// are (see the comment in the code); only the clustering is skipped.
    fn recluster_one_new_record(&mut self, work: &Work) -> Option<Vec<Change>> {
        let [s] = work.seeds[..] else {
            return None;
        };
        if !work.touched.is_empty() || !work.departed.is_empty() || work.updated.is_some() {
            return None;
        }
        let slot = self.slots.get(s as usize)?;
        if !slot.alive || slot.customer != NO_CUSTOMER {
            return None;
        }
        let Some(&(first, _)) = slot.edges.first() else {
            return Some(self.create_alone(s, work));
        };
        let c = self.slots[first as usize].customer;
        let members = &self.customers.get(c as usize)?.as_ref()?.members;
        if members.len() >= MAX_PROFILES {
            return None;
        }
        if !slot
            .edges
            .iter()
            .all(|&(x, _)| self.slots[x as usize].customer == c)
        {
            return None;
        }
        // Does any record of `C` have an edge leaving `C ∪ {s}` (an edge the
        // guards refused, to another customer)?
        let inside = |x: u32| x == s || self.slots[x as usize].customer == c;
        let closed = members
            .iter()
            .all(|&m| self.slots[m as usize].edges.iter().all(|&(x, _)| inside(x)));
        if !self.joins_without_conflict(s, members) {
            return None;
        }
        let changes = if closed {
            #[cfg(debug_assertions)]
            let expected = self.region_parts(work);
            let changes = self.attach_alone(s, c);
            #[cfg(debug_assertions)]
            {
                let members = self.customers[c as usize]
                    .as_ref()
                    .map(|e| e.members.clone());
                assert_eq!(
                    (expected.0, expected.1),
                    (members.into_iter().collect::<Vec<_>>(), vec![c]),
                    "the fast path gives the general path's customers"
                );
            }
            changes
        } else {
            // The region holds other customers, refused `C` before. They
            // still are: `s` only makes `C`'s side of each refused edge
            // larger at its turn in the union order, so the same pair of
            // profiles still conflicts, and nothing else in the region
            // changes. The customers stay as they are, `s` joins `C`; the
            // general bookkeeping (`assign`) does the rest.
            let (region, old) = self.region(work);
            let mut parts: Vec<Vec<u32>> = Vec::new();
            let mut part_of: FastMap<u32, usize> = FastMap::default();
            for &r in &region {
                let customer = if r == s {
                    c
                } else {
                    self.slots[r as usize].customer
                };
                let at = *part_of.entry(customer).or_insert_with(|| {
                    parts.push(Vec::new());
                    parts.len() - 1
                });
                parts[at].push(r);
            }
            #[cfg(debug_assertions)]
            assert_eq!(
                self.cluster_region(&region),
                parts,
                "the fast path gives the general path's customers"
            );
            self.assign(parts, &old, Work::default())
        };
        Some(changes)
    }

    /// True when the new record `s` conflicts, under the batch's guards,
    /// with no record of `members`. Only the guards that can refuse `s` are
    /// asked (a guard never refuses a record it has no profile of), so the
    /// members are summarized for those alone.
    fn joins_without_conflict(&self, s: u32, members: &[u32]) -> bool {
        let settings = &self.resolver.settings;
        let names = settings.names_guard.then(|| NamesGuard::new(&self.records));
        let facts = settings
            .strong_facts_guard
            .then(|| StrongFactsGuard::new(&self.records));
        let household = settings
            .household_guard
            .then(|| HouseholdGuard::new(&self.records));
        let record = RecordId(s);
        let new = (
            names.map(|g| g.summarize(record)),
            facts.map(|g| g.summarize(record)),
            household.map(|g| g.summarize(record)),
        );
        let guards = (
            OptionalGuard(names.filter(|_| new.0.as_ref().is_some_and(|x| !x.is_empty()))),
            OptionalGuard(facts.filter(|_| new.1.as_ref().is_some_and(|x| !x.is_empty()))),
            OptionalGuard(household.filter(|_| new.2.as_ref().is_some_and(|x| !x.is_empty()))),
        );
        if guards.0.0.is_none() && guards.1.0.is_none() && guards.2.0.is_none() {
            return true;
        }
        members
            .iter()
            .all(|&m| guards.check(&guards.summarize(RecordId(m)), &new).is_ok())
    }

    /// A new record with no edge: a new customer of its own (what `assign`
    /// does for a region of one record).
    fn create_alone(&mut self, s: u32, work: &Work) -> Vec<Change> {
        #[cfg(debug_assertions)]
        {
            let expected = self.region_parts(work);
            assert_eq!(expected, (vec![vec![s]], Vec::new()), "a record alone");
        }
        #[cfg(not(debug_assertions))]
        let _ = work;
        let key = self.records[s as usize].key.clone();
        let created = self.next_stamp;
        self.next_stamp += 1;
        let id = self.fresh_id(&key);
        self.issued.insert(id);
        self.add_customer(id, created, vec![s]);
        vec![Change::Created {
            customer: id,
            records: vec![key],
        }]
    }

    /// A new record joins customer `c`, which keeps its index, id and
    /// creation stamp; its members stay in source-key order (the order the
    /// general path leaves them in).
    fn attach_alone(&mut self, s: u32, c: u32) -> Vec<Change> {
        let Some(entry) = self.customers.get_mut(c as usize).and_then(Option::as_mut) else {
            return Vec::new();
        };
        let records = &self.records;
        let key = |m: u32| &records[m as usize].key;
        let mut members = std::mem::take(&mut entry.members);
        if members.is_sorted_by(|&x, &y| key(x) <= key(y)) {
            let at = members.partition_point(|&m| key(m) < key(s));
            members.insert(at, s);
        } else {
            members.push(s);
            members.sort_by(|&x, &y| key(x).cmp(key(y)));
        }
        entry.members = members;
        let id = entry.id;
        self.slots[s as usize].customer = c;
        vec![Change::Attached {
            customer: id,
            record: self.records[s as usize].key.clone(),
        }]
    }

    /// The connected component the work reached, clustered as the batch
    /// would (`parts`, each in source-key order), and the customers it
    /// held before (`old`, sorted).
    fn region_parts(&mut self, work: &Work) -> (Vec<Vec<u32>>, Vec<u32>) {
        let (region, old) = self.region(work);
        (self.cluster_region(&region), old)
    }

    /// The records the work reached (the connected components, in the
    /// current edge graph, of the seeds and of every record of the
    /// customers they were in), in source-key order, and the customers
    /// they held before (sorted). Numbers each record's `local` position.
    fn region(&mut self, work: &Work) -> (Vec<u32>, Vec<u32>) {
        self.region_pass += 1;
        let pass = self.region_pass;
        let mut old: Vec<u32> = work.touched.clone();
        old.extend(
            work.seeds
                .iter()
                .filter(|&&s| self.slots[s as usize].alive)
                .map(|&s| self.slots[s as usize].customer)
                .filter(|&c| c != NO_CUSTOMER),
        );
        old.sort_unstable();
        old.dedup();

        // The connected components, in the current edge graph, of the seeds
        // and of every record of the customers they were in.
        let mut stack: Vec<u32> = Vec::new();
        let starts = work.seeds.iter().copied().chain(
            old.iter()
                .filter_map(|&c| self.customers.get(c as usize)?.as_ref())
                .flat_map(|c| c.members.iter().copied()),
        );
        for s in starts {
            let slot = &mut self.slots[s as usize];
            if slot.alive && slot.visited != pass {
                slot.visited = pass;
                stack.push(s);
            }
        }
        let mut region = Vec::new();
        while let Some(s) = stack.pop() {
            region.push(s);
            for i in 0..self.slots[s as usize].edges.len() {
                let n = self.slots[s as usize].edges[i].0;
                let other = &mut self.slots[n as usize];
                if other.visited != pass {
                    other.visited = pass;
                    stack.push(n);
                }
            }
        }
        old.extend(
            region
                .iter()
                .map(|&s| self.slots[s as usize].customer)
                .filter(|&c| c != NO_CUSTOMER),
        );
        old.sort_unstable();
        old.dedup();

        // Local ids in source-key order: the batch's tie order.
        region.sort_by(|&a, &b| {
            self.records[a as usize]
                .key
                .cmp(&self.records[b as usize].key)
        });
        for (i, &s) in region.iter().enumerate() {
            self.slots[s as usize].local = i as u32;
        }
        (region, old)
    }

    /// The batch's clustering of a region from [`region`](Self::region):
    /// parts in order of their first record, each in source-key order.
    fn cluster_region(&self, region: &[u32]) -> Vec<Vec<u32>> {
        let mut edges = Vec::new();
        for (i, &s) in region.iter().enumerate() {
            for &(n, weight) in &self.slots[s as usize].edges {
                let j = self.slots[n as usize].local;
                if (i as u32) < j {
                    edges.push(Edge::new(RecordId(i as u32), RecordId(j), weight));
                }
            }
        }
        let parts: Vec<Vec<u32>> = if edges.is_empty() {
            region.iter().map(|&s| vec![s]).collect()
        } else {
            let settings = &self.resolver.settings;
            let guards = (
                OptionalGuard(settings.names_guard.then(|| NamesGuard::new(&self.records))),
                OptionalGuard(
                    settings
                        .strong_facts_guard
                        .then(|| StrongFactsGuard::new(&self.records)),
                ),
                OptionalGuard(
                    settings
                        .household_guard
                        .then(|| HouseholdGuard::new(&self.records)),
                ),
            );
            let guard = RegionGuard {
                inner: &guards,
                slots: region,
            };
            let rank: Vec<u32> = (0..region.len() as u32).collect();
            let clustering = cluster_ranked(region.len(), &edges, self.threshold, &guard, &rank);
            clustering
                .clusters()
                .map(|(_, members)| members.iter().map(|r| region[r.index()]).collect())
                .collect()
        };
        parts
    }

    /// Gives the new parts their ids (stable-id rules in the module docs),
    /// replaces the old customers with them, and reports the changes.
    fn assign(&mut self, parts: Vec<Vec<u32>>, old: &[u32], work: Work) -> Vec<Change> {
        for (p, part) in parts.iter().enumerate() {
            for &s in part {
                self.slots[s as usize].local = p as u32;
            }
        }
        // Each old customer's heir: the part holding its oldest record.
        let mut claimants: Vec<Vec<u32>> = vec![Vec::new(); parts.len()];
        let mut removed = Vec::new();
        for &c in old {
            let Some(entry) = self.customers.get(c as usize).and_then(Option::as_ref) else {
                continue;
            };
            let oldest = entry
                .members
                .iter()
                .filter(|&&s| self.slots[s as usize].alive)
                .min_by_key(|&&s| self.slots[s as usize].stamp);
            match oldest {
                Some(&s) => claimants[self.slots[s as usize].local as usize].push(c),
                None => removed.push(c),
            }
        }
        let entry = |this: &Self, c: u32| -> (CustomerId, u64) {
            this.customers
                .get(c as usize)
                .and_then(Option::as_ref)
                .map_or((CustomerId::from_u64(0), 0), |e| (e.id, e.created))
        };
        // Pass 1: each part's id, and where each old customer's records now
        // are (by id: itself, or the customer that absorbed it).
        let mut continued: HashMap<u32, CustomerId> = HashMap::new();
        let mut identities: Vec<(CustomerId, u64, Vec<u32>)> = Vec::with_capacity(parts.len());
        for (p, part) in parts.iter().enumerate() {
            let mut heirs = std::mem::take(&mut claimants[p]);
            heirs.sort_by_key(|&c| {
                let (id, created) = entry(self, c);
                (created, id)
            });
            let (id, created) = match heirs.first() {
                Some(&first) => entry(self, first),
                None => {
                    let oldest = part
                        .iter()
                        .copied()
                        .min_by_key(|&s| self.slots[s as usize].stamp)
                        .unwrap_or(0);
                    let key = self.records[oldest as usize].key.clone();
                    let created = self.next_stamp;
                    self.next_stamp += 1;
                    let id = self.fresh_id(&key);
                    // Reserved now, so that two new parts never share one.
                    self.issued.insert(id);
                    (id, created)
                }
            };
            for &c in &heirs {
                continued.insert(c, id);
            }
            identities.push((id, created, heirs));
        }

        // Pass 2: the changes, merges first so that a mirror applying them
        // in order always knows every id they name.
        let mut changes = Vec::new();
        for (id, _, heirs) in &identities {
            for &c in heirs.iter().skip(1) {
                let (retired, _) = entry(self, c);
                self.retired.insert(retired, *id);
                changes.push(Change::Merged { into: *id, retired });
            }
        }
        let mut new_entries: Vec<(CustomerId, u64, Vec<u32>)> = Vec::with_capacity(parts.len());
        for (part, (id, created, heirs)) in parts.into_iter().zip(identities) {
            let mut created_with: Vec<SourceKey> = Vec::new();
            if heirs.is_empty() {
                let mut from: Vec<CustomerId> = part
                    .iter()
                    .map(|&s| self.slots[s as usize].customer)
                    .filter(|&c| c != NO_CUSTOMER)
                    .filter_map(|c| continued.get(&c).copied())
                    .collect();
                from.sort_unstable();
                from.dedup();
                if from.is_empty() {
                    created_with = part
                        .iter()
                        .map(|&s| self.records[s as usize].key.clone())
                        .collect();
                    created_with.sort();
                    changes.push(Change::Created {
                        customer: id,
                        records: created_with.clone(),
                    });
                } else {
                    for from in from {
                        changes.push(Change::Split { from, into: id });
                    }
                }
            }
            for &s in &part {
                let before = self.slots[s as usize].customer;
                let key = &self.records[s as usize].key;
                if work.updated == Some(s) && before != NO_CUSTOMER && heirs.contains(&before) {
                    // An updated record that stays with its customer (a
                    // record that moved is reported as moving).
                    changes.push(Change::Updated {
                        customer: id,
                        record: key.clone(),
                    });
                }
                if created_with.contains(key) || heirs.contains(&before) {
                    continue;
                }
                if before == NO_CUSTOMER {
                    changes.push(Change::Attached {
                        customer: id,
                        record: key.clone(),
                    });
                } else if !heirs.is_empty() {
                    // Moved from a customer that lives on elsewhere.
                    if let Some(&from) = continued.get(&before) {
                        changes.push(Change::Detached {
                            customer: from,
                            record: key.clone(),
                        });
                    }
                    changes.push(Change::Attached {
                        customer: id,
                        record: key.clone(),
                    });
                }
            }
            new_entries.push((id, created, part));
        }
        for (key, c) in work.departed {
            if let Some(&id) = continued.get(&c) {
                changes.push(Change::Detached {
                    customer: id,
                    record: key,
                });
            }
        }
        for &c in &removed {
            changes.push(Change::Removed {
                customer: entry(self, c).0,
            });
        }
        for &c in old {
            if let Some(Some(e)) = self.customers.get_mut(c as usize).map(Option::take) {
                self.by_id.remove(&e.id);
                self.free_customers.push(c);
            }
        }
        for (id, created, members) in new_entries {
            self.add_customer(id, created, members);
        }
        changes
    }

    fn add_customer(&mut self, id: CustomerId, created: u64, members: Vec<u32>) {
        let index = match self.free_customers.pop() {
            Some(i) => i,
            None => {
                self.customers.push(None);
                (self.customers.len() - 1) as u32
            }
        };
        for &s in &members {
            self.slots[s as usize].customer = index;
        }
        self.customers[index as usize] = Some(CustomerEntry {
            id,
            created,
            members,
        });
        self.by_id.insert(id, index);
        self.issued.insert(id);
    }

    /// A new customer's id: its oldest record's, unless that was issued
    /// before (then rehashed until unused).
    fn fresh_id(&self, oldest: &SourceKey) -> CustomerId {
        let mut id = CustomerId::of_key(oldest);
        while self.issued.contains(&id) {
            id = CustomerId::from_u64(splitmix64(id.as_u64()));
        }
        id
    }

    /// The slot holding this key.
    fn slot_of(&self, key: &SourceKey) -> Option<u32> {
        self.slot_of_hashed(key, key_hash(key))
    }

    /// [`slot_of`](Self::slot_of) with the key's hash already computed.
    fn slot_of_hashed(&self, key: &SourceKey, hash: u64) -> Option<u32> {
        self.by_key
            .get(&hash)?
            .iter()
            .find(|&s| self.slots[s as usize].alive && self.records[s as usize].key == *key)
    }

    /// Files a slot under its record's key; false when the key is held.
    fn index_key(&mut self, slot: u32) -> bool {
        let key = &self.records[slot as usize].key;
        if self.slot_of(key).is_some_and(|s| s != slot) {
            return false;
        }
        self.file_key(slot, key_hash(key));
        true
    }

    /// Files a slot under its record's key hash, the key known not held.
    fn file_key(&mut self, slot: u32, hash: u64) {
        self.by_key
            .entry(hash)
            .and_modify(|slots| slots.insert(slot))
            .or_insert(Slots::One(slot));
        self.held += 1;
    }

    fn unindex_key(&mut self, slot: u32) {
        let hash = key_hash(&self.records[slot as usize].key);
        if remove_slot_from(&mut self.by_key, hash, slot) {
            self.held -= 1;
        }
    }

    fn index_lookups(&mut self, slot: u32) {
        file_lookups(
            &self.records[slot as usize],
            slot,
            [&mut self.phones, &mut self.emails, &mut self.identifiers],
        );
    }

    fn unindex_lookups(&mut self, slot: u32) {
        let record = &self.records[slot as usize];
        for phone in &record.phones {
            remove_slot_from(
                &mut self.phones,
                value_hash(b"p", &[phone.e164.as_bytes()]),
                slot,
            );
        }
        for email in &record.emails {
            let hash = value_hash(b"e", &[email.normalized.as_bytes()]);
            remove_slot_from(&mut self.emails, hash, slot);
        }
        for (kind, value) in &record.identifiers {
            remove_slot_from(&mut self.identifiers, identifier_hash(kind, value), slot);
        }
    }
}

/// The slots filed under one hash: almost always one, so kept inline.
#[derive(Debug, Clone)]
enum Slots {
    One(u32),
    Many(Vec<u32>),
}

impl Slots {
    fn insert(&mut self, slot: u32) {
        match self {
            Slots::One(s) if *s == slot => {}
            Slots::One(s) => *self = Slots::Many(vec![*s, slot]),
            Slots::Many(list) => {
                if !list.contains(&slot) {
                    list.push(slot);
                }
            }
        }
    }

    /// Removes a slot from a list of several; true when it was there. (A
    /// lone slot is removed with its map entry, by `remove_slot_from`.)
    fn remove_from_many(&mut self, slot: u32) -> bool {
        let Slots::Many(list) = self else {
            return false;
        };
        let had = list.contains(&slot);
        list.retain(|&s| s != slot);
        if let [only] = list.as_slice() {
            *self = Slots::One(*only);
        }
        had
    }

    fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        let (one, many) = match self {
            Slots::One(s) => (Some(*s), &[][..]),
            Slots::Many(list) => (None, list.as_slice()),
        };
        one.into_iter().chain(many.iter().copied())
    }
}

/// Files `slot` under the hash of each phone, email and identifier of its
/// record, in `[phones, emails, identifiers]`.
fn file_lookups(record: &NormalizedRecord, slot: u32, maps: [&mut FastMap<u64, Slots>; 3]) {
    let [phones, emails, identifiers] = maps;
    let file = |map: &mut FastMap<u64, Slots>, hash: u64| {
        map.entry(hash)
            .and_modify(|slots| slots.insert(slot))
            .or_insert(Slots::One(slot));
    };
    for phone in &record.phones {
        file(phones, value_hash(b"p", &[phone.e164.as_bytes()]));
    }
    for email in &record.emails {
        file(emails, value_hash(b"e", &[email.normalized.as_bytes()]));
    }
    for (kind, value) in &record.identifiers {
        file(identifiers, identifier_hash(kind, value));
    }
}

/// Removes `slot` from the entry of `hash`, dropping the entry when it
/// empties; true when the slot was there.
fn remove_slot_from(map: &mut FastMap<u64, Slots>, hash: u64, slot: u32) -> bool {
    let Some(slots) = map.get_mut(&hash) else {
        return false;
    };
    match slots {
        Slots::One(s) if *s == slot => {
            map.remove(&hash);
            true
        }
        Slots::One(_) => false,
        Slots::Many(_) => slots.remove_from_many(slot),
    }
}

/// FNV-1a over a tag and the parts (each followed by a 0xff separator, a
/// byte no UTF-8 text holds), then MurmurHash3's `fmix64`.
fn value_hash(tag: &[u8], parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for &b in bytes {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        h ^= 0xff;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    };
    eat(tag);
    for part in parts {
        eat(part);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

fn key_hash(key: &SourceKey) -> u64 {
    value_hash(b"k", &[key.channel.name().as_bytes(), key.id.as_bytes()])
}

fn identifier_hash(kind: &IdentifierKind, value: &str) -> u64 {
    let kind: &[u8] = match kind {
        IdentifierKind::LoyaltyCard => b"loyalty_card",
        IdentifierKind::AccountId => b"account_id",
        IdentifierKind::AppUserId => b"app_user_id",
        IdentifierKind::DeviceId => b"device_id",
        IdentifierKind::Named(name) => name.as_bytes(),
    };
    value_hash(b"i", &[kind, value.as_bytes()])
}

/// The records of headroom [`LiveResolver::reserve_headroom`] makes for
/// `held` records: an eighth more, and some.
fn headroom(held: usize) -> usize {
    held / 8 + 1024
}

/// `len` entries of a structure that grows with the records, and the same
/// share of headroom as the records get (`held` records).
fn with_headroom(len: usize, held: usize) -> usize {
    let held = held.max(1);
    len + headroom(held).saturating_mul(len) / held + 16
}

/// A record with nothing but its key: what an erased slot holds.
fn blank(key: SourceKey) -> NormalizedRecord {
    NormalizedRecord {
        key,
        civility: None,
        names: Default::default(),
        birth: None,
        emails: Default::default(),
        phones: Default::default(),
        addresses: Vec::new(),
        identifiers: Vec::new(),
        created_at: None,
        updated_at: None,
        issues: Vec::new(),
    }
}

/// SplitMix64's finalizer: a bijection on u64, so rehashing an id walks
/// through distinct values.
fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// What a change set up for [`LiveResolver::recluster`].
#[derive(Default)]
struct Work {
    /// Records whose edges changed.
    seeds: Vec<u32>,
    /// Customers that lost a record.
    touched: Vec<u32>,
    /// Erased records: key and former customer.
    departed: Vec<(SourceKey, u32)>,
    /// The record an update replaced.
    updated: Option<u32>,
}

/// A guard over a region: local ids (positions in the region) mapped to
/// the records' slots.
struct RegionGuard<'g, G> {
    inner: &'g G,
    slots: &'g [u32],
}

impl<G: MergeGuard> MergeGuard for RegionGuard<'_, G> {
    type Summary = G::Summary;

    fn summarize(&self, record: RecordId) -> Self::Summary {
        let slot = self.slots.get(record.index()).copied().unwrap_or(u32::MAX);
        self.inner.summarize(RecordId(slot))
    }

    fn check(
        &self,
        a: &Self::Summary,
        b: &Self::Summary,
    ) -> std::result::Result<(), RefusalReason> {
        self.inner.check(a, b)
    }

    fn merge(&self, a: Self::Summary, b: Self::Summary) -> Self::Summary {
        self.inner.merge(a, b)
    }
}

mod persist;
#[cfg(test)]
mod tests;

pub use persist::LIVE_RESOLVER_PAYLOAD;
