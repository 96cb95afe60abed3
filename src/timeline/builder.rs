//! [`TimelinesBuilder`]: events packed into columns as they are read, built
//! into a [`Timelines`] store once the records' customers are known.
//!
//! [`Timelines::build`] takes every event as an owned [`Event`] (some 230
//! bytes plus four heap strings each): a batch of millions of events held
//! that way costs gigabytes before the store packs them. The builder packs
//! each event as it is pushed — its strings interned or appended to one
//! arena, about 60 bytes per event beyond the strings' own bytes — and the
//! caller drops the `Event` right away. [`build`](TimelinesBuilder::build)
//! then places, sorts and lays the columns out exactly as `Timelines::build`
//! does: the same events give the same store, table for table, and the same
//! orphans (the law the tests check).

use std::collections::HashMap;
use std::hash::BuildHasherDefault;

use rayon::prelude::*;

use super::event::{Currency, Event, EventKind, Money};
use super::store::{
    NO_AMOUNT, NONE, Orphan, OrphanReason, TimelineBuild, Timelines, check_capacity,
    join_timestamp, split_timestamp,
};
use super::strings::{FastHasher, StrInterner, StrTable};
use crate::error::{Error, ErrorKind, Result};
use crate::record::{Channel, RecordId, SourceKey};

/// Events whose table reads `TimelinesBuilder::push_attached_batch` loads
/// together: enough cache misses in flight to cover a miss's latency, few
/// enough that the lines loaded stay in L1 until their events are pushed.
const TOUCH_GROUP: usize = 64;

/// Values of a small owned table (channels, kinds) by id, in order of first
/// appearance.
struct SmallTable<T> {
    ids: HashMap<T, u32, BuildHasherDefault<FastHasher>>,
    table: Vec<T>,
    /// The last value interned: most events repeat their neighbour's.
    last: Option<u32>,
}

impl<T> Default for SmallTable<T> {
    fn default() -> Self {
        SmallTable {
            ids: HashMap::default(),
            table: Vec::new(),
            last: None,
        }
    }
}

impl<T: Eq + std::hash::Hash + Clone> SmallTable<T> {
    fn intern(&mut self, value: &T) -> u32 {
        if let Some(last) = self.last
            && self.table.get(last as usize) == Some(value)
        {
            return last;
        }
        let id = match self.ids.get(value) {
            Some(&id) => id,
            None => {
                let id = self.table.len() as u32;
                self.table.push(value.clone());
                self.ids.insert(value.clone(), id);
                id
            }
        };
        self.last = Some(id);
        id
    }
}

/// Events packed as they arrive, in input order; see the [module
/// docs](self).
///
/// ```
/// use omnicanal::timeline::{Event, EventKind, TimelinesBuilder};
/// use omnicanal::{Channel, ClusterIndex, RecordId, SourceKey};
///
/// let web = SourceKey::new(Channel::Web, "A-77")?;
/// let mut builder = TimelinesBuilder::new();
/// builder.push(Event {
///     id: "CMD-1".into(),
///     source: web.clone(),
///     timestamp: "2024-03-01T10:00:00Z".parse()?,
///     channel: Channel::Web,
///     kind: EventKind::Order,
///     amount: None,
///     order_ref: Some("CMD-1".into()),
///     store: None,
///     attributes: vec![],
/// })?;
/// // One record (`web:A-77`, record 0) resolved into customer 0.
/// let built = builder.build(|key| (*key == web).then_some(RecordId(0)), &[0])?;
/// assert!(built.orphans.is_empty());
/// let page = built.timelines.timeline(ClusterIndex(0)).oldest_first().page();
/// assert_eq!(page.events[0].id(), "CMD-1");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Default)]
pub struct TimelinesBuilder {
    // Per event, in input order.
    seconds: Vec<i64>,
    nanos: Vec<u32>,
    channel: Vec<u32>,
    kind: Vec<u32>,
    amount_minor: Vec<i64>,
    currency: Vec<u16>,
    order_ref: Vec<u32>,
    store: Vec<u32>,
    /// Index into the distinct source keys.
    source: Vec<u32>,
    ids: StrTable,
    /// `(input index, attributes)` of the events having some, ascending.
    attributes: Vec<(u32, Vec<(String, String)>)>,

    channels: SmallTable<Channel>,
    kinds: SmallTable<EventKind>,
    currencies: Vec<Currency>,
    order_refs: Option<StrInterner>,
    stores: Option<StrInterner>,
    /// Distinct source keys: ids tagged with their channel's id in
    /// `source_channels`, in order of first appearance.
    source_channels: SmallTable<Channel>,
    source_ids: Option<StrInterner>,
    source_channel: Vec<u32>,
    /// Per distinct source key: its record when pushed attached
    /// ([`push_attached`](TimelinesBuilder::push_attached)), [`UNATTACHED`]
    /// when pushed attached to none, [`ASK`] when pushed by `push` (the
    /// build's `record_of` decides).
    source_record: Vec<u32>,
    /// Per record (by its id): the index of its key among the distinct
    /// source keys, or `NONE`. An attached event finds its key here, without
    /// hashing or comparing its text.
    key_of_record: Vec<u32>,
    /// The previous event's source key and its index: exports list a
    /// record's events together, so most keys are found without hashing.
    previous_source: Option<(SourceKey, u32)>,
    /// Empty between calls: the order references' hashes of the batch
    /// [`push_attached_batch`](TimelinesBuilder::push_attached_batch) is
    /// pushing, kept for the next batch's.
    order_ref_hashes: Vec<Option<u32>>,
}

impl std::fmt::Debug for TimelinesBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Counts only: ids and attributes may be personal data.
        f.debug_struct("TimelinesBuilder")
            .field("events", &self.len())
            .field("sources", &self.source_channel.len())
            .finish_non_exhaustive()
    }
}

impl TimelinesBuilder {
    /// An empty builder.
    pub fn new() -> TimelinesBuilder {
        TimelinesBuilder::default()
    }

    /// Number of events pushed.
    pub fn len(&self) -> usize {
        self.seconds.len()
    }

    /// True when no event was pushed.
    pub fn is_empty(&self) -> bool {
        self.seconds.is_empty()
    }

    /// Room for `additional` more events in the per-event columns (and
    /// for their ids, at the mean length of those pushed so far), capped
    /// at [`MAX_EVENTS`](super::MAX_EVENTS) events. A caller that knows
    /// about how many events come saves the columns' doubling: each
    /// doubling has the kernel zero the new pages and copies the old.
    ///
    /// Room the system cannot grant is not a failure (the estimate may be
    /// far off on odd input): those columns then grow as events come.
    pub fn reserve(&mut self, additional: usize) {
        let additional = additional.min(super::MAX_EVENTS.saturating_sub(self.len()));
        let _ = self.seconds.try_reserve(additional);
        let _ = self.nanos.try_reserve(additional);
        let _ = self.channel.try_reserve(additional);
        let _ = self.kind.try_reserve(additional);
        let _ = self.amount_minor.try_reserve(additional);
        let _ = self.currency.try_reserve(additional);
        let _ = self.order_ref.try_reserve(additional);
        let _ = self.store.try_reserve(additional);
        let _ = self.source.try_reserve(additional);
        let id_bytes = self.ids.string_bytes().div_ceil(self.len().max(1));
        self.ids
            .reserve(additional, additional.saturating_mul(id_bytes));
    }

    /// Heap bytes held, capacities included.
    pub fn memory_bytes(&self) -> usize {
        fn vec<T>(v: &Vec<T>) -> usize {
            v.capacity() * size_of::<T>()
        }
        let interned = |t: &Option<StrInterner>| t.as_ref().map_or(0, StrInterner::memory_bytes);
        vec(&self.seconds)
            + vec(&self.nanos)
            + vec(&self.channel)
            + vec(&self.kind)
            + vec(&self.amount_minor)
            + vec(&self.currency)
            + vec(&self.order_ref)
            + vec(&self.store)
            + vec(&self.source)
            + vec(&self.source_channel)
            + vec(&self.source_record)
            + vec(&self.key_of_record)
            + self.ids.memory_bytes()
            + vec(&self.attributes)
            + interned(&self.order_refs)
            + interned(&self.stores)
            + interned(&self.source_ids)
    }

    /// Packs one event; its sequence is its position among the events
    /// pushed. Fails only past [`MAX_EVENTS`](super::MAX_EVENTS) events.
    /// The build asks its `record_of` for the event's record.
    pub fn push(&mut self, event: Event) -> Result<()> {
        self.push_with(event, Attach::Ask)
    }

    /// Packs one event already attached to its record (`None`: to no record,
    /// an orphan): the build places it there without asking its `record_of`.
    ///
    /// Every event attached to one record must carry that record's own
    /// source key, as a caller that attaches by key gives (and sets the key
    /// of an event it attaches otherwise to the record's): the key of the
    /// first event attached to a record is then found by the record's id,
    /// without hashing or comparing the key's text, and a later event of
    /// that record with another key would be counted under the first. With
    /// that, pushing events attached as `record_of` would attach them gives
    /// the store `Timelines::build` gives (a law the tests check). Fails
    /// past [`MAX_EVENTS`](super::MAX_EVENTS) events and for a record id of
    /// `u32::MAX - 1` or more (no store holds that many records).
    ///
    /// ```
    /// use omnicanal::timeline::{Event, EventKind, TimelinesBuilder};
    /// use omnicanal::{Channel, ClusterIndex, RecordId, SourceKey};
    ///
    /// let web = SourceKey::new(Channel::Web, "A-77")?;
    /// let mut builder = TimelinesBuilder::new();
    /// builder.push_attached(Event {
    ///     id: "CMD-1".into(),
    ///     source: web,
    ///     timestamp: "2024-03-01T10:00:00Z".parse()?,
    ///     channel: Channel::Web,
    ///     kind: EventKind::Order,
    ///     amount: None,
    ///     order_ref: Some("CMD-1".into()),
    ///     store: None,
    ///     attributes: vec![],
    /// }, Some(RecordId(0)))?;
    /// // Record 0 resolved into customer 0; no key is asked for.
    /// let built = builder.build(|_| None, &[0])?;
    /// assert!(built.orphans.is_empty());
    /// assert_eq!(built.timelines.timeline(ClusterIndex(0)).count(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn push_attached(&mut self, event: Event, record: Option<RecordId>) -> Result<()> {
        match record {
            Some(RecordId(r)) if r >= UNATTACHED => Err(Error::new(ErrorKind::InvalidValue {
                reason: "record id out of range".into(),
            })),
            Some(RecordId(r)) => self.push_with(event, Attach::To(r)),
            None => self.push_with(event, Attach::ToNone),
        }
    }

    /// [`push_attached`](Self::push_attached) for each `(event, record)` of
    /// `events`, in order, which it drains (keeping its capacity for the
    /// next batch): the same store as one call per event, faster (see
    /// `push_batch_of`). On an error, the events before the failing one are
    /// pushed and the rest dropped.
    ///
    /// ```
    /// use omnicanal::timeline::{Event, EventKind, TimelinesBuilder};
    /// use omnicanal::{Channel, ClusterIndex, RecordId, SourceKey};
    ///
    /// let web = SourceKey::new(Channel::Web, "A-77")?;
    /// let order = |id: &str| Event {
    ///     id: id.into(),
    ///     source: web.clone(),
    ///     timestamp: "2024-03-01T10:00:00Z".parse().unwrap(),
    ///     channel: Channel::Web,
    ///     kind: EventKind::Order,
    ///     amount: None,
    ///     order_ref: Some("CMD-1".into()),
    ///     store: None,
    ///     attributes: vec![],
    /// };
    /// let mut batch = vec![(order("E1"), Some(RecordId(0))), (order("E2"), Some(RecordId(0)))];
    /// let mut builder = TimelinesBuilder::new();
    /// builder.push_attached_batch(&mut batch)?;
    /// assert!(batch.is_empty());
    /// let built = builder.build(|_| None, &[0])?;
    /// assert_eq!(built.timelines.timeline(ClusterIndex(0)).count(), 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn push_attached_batch(
        &mut self,
        events: &mut Vec<(Event, Option<RecordId>)>,
    ) -> Result<()> {
        self.push_batch_of(
            events,
            |(event, record)| (event, *record),
            |(event, record)| match record {
                Some(RecordId(r)) if r >= UNATTACHED => Err(Error::new(ErrorKind::InvalidValue {
                    reason: "record id out of range".into(),
                })),
                Some(RecordId(r)) => Ok((event, Attach::To(r))),
                None => Ok((event, Attach::ToNone)),
            },
        )
    }

    /// [`push`](Self::push) for each event of `events`, in order, which it
    /// drains (keeping its capacity): the build's `record_of` attaches them,
    /// so they can be packed before the records are known (while they are
    /// read). The same store as one call per event, faster, as
    /// [`push_attached_batch`](Self::push_attached_batch) is.
    ///
    /// ```
    /// use omnicanal::timeline::{Event, EventKind, TimelinesBuilder};
    /// use omnicanal::{Channel, ClusterIndex, RecordId, SourceKey};
    ///
    /// let web = SourceKey::new(Channel::Web, "A-77")?;
    /// let order = |id: &str| Event {
    ///     id: id.into(),
    ///     source: web.clone(),
    ///     timestamp: "2024-03-01T10:00:00Z".parse().unwrap(),
    ///     channel: Channel::Web,
    ///     kind: EventKind::Order,
    ///     amount: None,
    ///     order_ref: Some("CMD-1".into()),
    ///     store: None,
    ///     attributes: vec![],
    /// };
    /// let mut batch = vec![order("E1"), order("E2")];
    /// let mut builder = TimelinesBuilder::new();
    /// builder.push_batch(&mut batch)?;
    /// assert!(batch.is_empty());
    /// // Asked once for the one key.
    /// let built = builder.build(|key| (key.id == "A-77").then_some(RecordId(0)), &[0])?;
    /// assert_eq!(built.timelines.timeline(ClusterIndex(0)).count(), 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn push_batch(&mut self, events: &mut Vec<Event>) -> Result<()> {
        self.push_batch_of(
            events,
            |event| (event, None),
            |event| Ok((event, Attach::Ask)),
        )
    }

    /// The batch pushes: `peek` gives an item's event and the record it is
    /// attached to (if any), `attach` the event and how to attach it. The
    /// order references' hashes are computed in parallel (rayon) first, and
    /// the table's slots for a group of events are loaded before the group
    /// is interned, so that their cache misses overlap (see
    /// `StrInterner::touch`): with millions of distinct references, one miss
    /// per event was most of the interning's time. On an error, the events
    /// before the failing one are pushed and the rest dropped.
    fn push_batch_of<T: Sync>(
        &mut self,
        items: &mut Vec<T>,
        peek: impl Fn(&T) -> (&Event, Option<RecordId>) + Sync,
        attach: impl Fn(T) -> Result<(Event, Attach)>,
    ) -> Result<()> {
        let mut hashes = std::mem::take(&mut self.order_ref_hashes);
        hashes.clear();
        hashes.par_extend(
            items
                .par_iter()
                .map(|item| peek(item).0.order_ref.as_deref().map(StrInterner::hash)),
        );
        let mut outcome = Ok(());
        let mut pending = items.drain(..);
        for (i, hash) in hashes.iter().enumerate() {
            if i % TOUCH_GROUP == 0 {
                let ahead = pending.as_slice();
                let ahead = &ahead[..ahead.len().min(TOUCH_GROUP)];
                self.touch(&hashes[i..i + ahead.len()], ahead.iter().map(&peek));
            }
            let Some(item) = pending.next() else {
                break;
            };
            let pushed =
                attach(item).and_then(|(event, attach)| self.push_hashed(event, attach, *hash));
            if let Err(e) = pushed {
                outcome = Err(e);
                break;
            }
        }
        drop(pending);
        self.order_ref_hashes = hashes;
        outcome
    }

    /// Loads, for the events `ahead` about to be pushed (with the records
    /// they are attached to, and the hashes of their order references),
    /// what pushing them reads from tables larger than the caches: the
    /// order references' slots, each record's key index, and the source
    /// keys' slots of the records met for the first time (of every event
    /// not attached yet). Loaded together, their cache misses overlap (see
    /// `StrInterner::touch_each`). Changes nothing.
    fn touch<'e>(
        &self,
        order_ref_hashes: &[Option<u32>],
        ahead: impl Iterator<Item = (&'e Event, Option<RecordId>)> + Clone,
    ) {
        if let Some(order_refs) = &self.order_refs {
            order_refs.touch_each(order_ref_hashes.iter().flatten().copied());
        }
        let Some(source_ids) = &self.source_ids else {
            return;
        };
        let key_of = |record: Option<RecordId>| {
            record.and_then(|RecordId(r)| self.key_of_record.get(r as usize).copied())
        };
        let mut seen = 0u32;
        for (_, record) in ahead.clone() {
            seen ^= key_of(record).unwrap_or(NONE);
        }
        std::hint::black_box(seen);
        let mut source_hashes = [0u32; TOUCH_GROUP];
        let mut new_sources = 0;
        for (event, record) in ahead {
            if key_of(record).is_some_and(|k| k != NONE) {
                continue;
            }
            // Read only: a channel not seen yet is interned by the push
            // itself, in the order of the events.
            if let Some(&tag) = self.source_channels.ids.get(&event.source.channel)
                && let Some(slot) = source_hashes.get_mut(new_sources)
            {
                *slot = StrInterner::hash_tagged(tag, &event.source.id);
                new_sources += 1;
            }
        }
        source_ids.touch_each(source_hashes[..new_sources].iter().copied());
    }

    fn push_with(&mut self, event: Event, attach: Attach) -> Result<()> {
        let hash = event.order_ref.as_deref().map(StrInterner::hash);
        self.push_hashed(event, attach, hash)
    }

    /// Packs `event`; `order_ref_hash` is the hash of its order reference.
    fn push_hashed(
        &mut self,
        event: Event,
        attach: Attach,
        order_ref_hash: Option<u32>,
    ) -> Result<()> {
        check_capacity(0, self.len() + 1)?;
        let index = self.len() as u32;
        let Event {
            id,
            source,
            timestamp,
            channel,
            kind,
            amount,
            order_ref,
            store,
            attributes,
        } = event;
        let (second, nanos) = split_timestamp(timestamp);
        self.seconds.push(second);
        self.nanos.push(nanos);
        self.channel.push(self.channels.intern(&channel));
        self.kind.push(self.kinds.intern(&kind));
        match amount {
            Some(money) => {
                let c = match self.currencies.iter().position(|c| *c == money.currency) {
                    Some(c) => c,
                    None => {
                        self.currencies.push(money.currency);
                        self.currencies.len() - 1
                    }
                };
                self.amount_minor.push(money.minor);
                self.currency.push(c as u16);
            }
            None => {
                self.amount_minor.push(0);
                self.currency.push(NO_AMOUNT);
            }
        }
        let order_ref = match (order_ref, order_ref_hash) {
            (Some(r), Some(hash)) => self
                .order_refs
                .get_or_insert_with(StrInterner::new)
                .intern_with_hash(hash, &r),
            // Not given by the callers here; hashed now rather than trusted.
            (Some(r), None) => self
                .order_refs
                .get_or_insert_with(StrInterner::new)
                .intern(&r),
            (None, _) => NONE,
        };
        self.order_ref.push(order_ref);
        let store = store.map_or(NONE, |s| {
            self.stores.get_or_insert_with(StrInterner::new).intern(&s)
        });
        self.store.push(store);
        let source = self.attached_source_index(source, attach);
        self.source.push(source);
        self.ids.push(&id);
        if !attributes.is_empty() {
            self.attributes.push((index, attributes));
        }
        Ok(())
    }

    /// The index of the event's key among the distinct keys, and what is
    /// known of its record.
    fn attached_source_index(&mut self, key: SourceKey, attach: Attach) -> u32 {
        let Attach::To(record) = attach else {
            let index = self.source_index(key);
            let known = &mut self.source_record[index as usize];
            if *known == ASK && attach == Attach::ToNone {
                *known = UNATTACHED;
            }
            return index;
        };
        let r = record as usize;
        if let Some(&index) = self.key_of_record.get(r)
            && index != NONE
        {
            return index;
        }
        let index = self.source_index(key);
        if self.key_of_record.len() <= r {
            self.key_of_record.resize(r + 1, NONE);
        }
        self.key_of_record[r] = index;
        self.source_record[index as usize] = record;
        index
    }

    fn source_index(&mut self, key: SourceKey) -> u32 {
        if let Some((previous, index)) = &self.previous_source
            && *previous == key
        {
            return *index;
        }
        let tag = self.source_channels.intern(&key.channel);
        let ids = self.source_ids.get_or_insert_with(StrInterner::new);
        let index = ids.intern_tagged(tag, &key.id);
        if index as usize == self.source_channel.len() {
            self.source_channel.push(tag);
            self.source_record.push(ASK);
        }
        self.previous_source = Some((key, index));
        index
    }

    /// Places, sorts and packs the events into a store, as
    /// [`Timelines::build`] would from the same events in the same order:
    /// `record_of` maps a source key to its record (asked once per distinct
    /// key, and only for keys pushed by [`push`](Self::push): those pushed
    /// attached have theirs), `customer_of_record[r]` is record `r`'s
    /// customer. Events whose
    /// key is unknown or whose record has no customer come back whole as
    /// [`Orphan`]s, and nothing of them stays in the store's tables.
    ///
    /// Parallel (rayon); the result does not depend on the thread count.
    pub fn build<F>(mut self, record_of: F, customer_of_record: &[u32]) -> Result<TimelineBuild>
    where
        F: Fn(&SourceKey) -> Option<RecordId> + Sync,
    {
        let n = self.len();
        check_capacity(0, n)?;
        let source_ids = self
            .source_ids
            .take()
            .map(StrInterner::into_table)
            .unwrap_or_default();
        let key_of = |k: usize| SourceKey {
            channel: self.source_channels.table[self.source_channel[k] as usize].clone(),
            id: source_ids.get(k).into(),
        };
        let resolved: Vec<std::result::Result<(u32, u32), OrphanReason>> = (0..source_ids.len())
            .into_par_iter()
            .map(|k| {
                let record = match self.source_record[k] {
                    ASK => record_of(&key_of(k)),
                    UNATTACHED => None,
                    record => Some(RecordId(record)),
                }
                .ok_or(OrphanReason::UnknownSource)?;
                let customer = *customer_of_record
                    .get(record.index())
                    .ok_or(OrphanReason::NoCustomer)?;
                Ok((record.0, customer))
            })
            .collect();

        let order_refs = self
            .order_refs
            .take()
            .map(StrInterner::into_table)
            .unwrap_or_default();
        let stores = self
            .stores
            .take()
            .map(StrInterner::into_table)
            .unwrap_or_default();

        // Orphans leave whole, in input order, before their ids are remapped.
        let mut attributes = std::mem::take(&mut self.attributes);
        let mut orphans = Vec::new();
        let mut next_attributes = 0usize;
        for i in 0..n {
            let Err(reason) = resolved[self.source[i] as usize] else {
                continue;
            };
            while attributes
                .get(next_attributes)
                .is_some_and(|(a, _)| (*a as usize) < i)
            {
                next_attributes += 1;
            }
            let attrs = match attributes.get_mut(next_attributes) {
                Some((a, values)) if *a as usize == i => std::mem::take(values),
                _ => Vec::new(),
            };
            let text =
                |table: &StrTable, id: u32| (id != NONE).then(|| table.get(id as usize).to_owned());
            let currency = self.currency[i];
            orphans.push(Orphan {
                event: Event {
                    id: self.ids.get(i).to_owned(),
                    source: key_of(self.source[i] as usize),
                    timestamp: join_timestamp(self.seconds[i], self.nanos[i]),
                    channel: self.channels.table[self.channel[i] as usize].clone(),
                    kind: self.kinds.table[self.kind[i] as usize].clone(),
                    amount: self
                        .currencies
                        .get(usize::from(currency))
                        .map(|&currency| Money {
                            minor: self.amount_minor[i],
                            currency,
                        }),
                    order_ref: text(&order_refs, self.order_ref[i]),
                    store: text(&stores, self.store[i]),
                    attributes: attrs,
                },
                reason,
            });
        }

        // Tables over the placed events only, in order of first appearance
        // among them (what `Timelines::build` interns); every id column is
        // rewritten to the new ids.
        //
        // When every event is placed, the order of first appearance among
        // the placed events is the order the ids were given in: every map
        // is the identity and every table stays as interned, so the pass
        // over the events (a random access per column into maps as long as
        // the tables) and the copies of the tables are skipped.
        let all_placed = resolved.iter().all(Result::is_ok);
        let mut channel_map = Remap::new(self.channels.table.len(), all_placed);
        let mut kind_map = Remap::new(self.kinds.table.len(), all_placed);
        let mut currency_map = Remap::new(self.currencies.len(), all_placed);
        let mut order_map = Remap::new(order_refs.len(), all_placed);
        let mut store_map = Remap::new(stores.len(), all_placed);
        let mut source_map = Remap::new(source_ids.len(), all_placed);
        for i in (0..n).filter(|_| !all_placed) {
            let s = self.source[i];
            if resolved[s as usize].is_err() {
                self.source[i] = NONE;
                continue;
            }
            self.source[i] = source_map.map(s);
            self.channel[i] = channel_map.map(self.channel[i]);
            self.kind[i] = kind_map.map(self.kind[i]);
            if self.currency[i] != NO_AMOUNT {
                self.currency[i] = currency_map.map(u32::from(self.currency[i])) as u16;
            }
            if self.order_ref[i] != NONE {
                self.order_ref[i] = order_map.map(self.order_ref[i]);
            }
            if self.store[i] != NONE {
                self.store[i] = store_map.map(self.store[i]);
            }
        }
        let new_channels: Vec<Channel> = channel_map
            .order
            .iter()
            .map(|&c| self.channels.table[c as usize].clone())
            .collect();
        let kinds: Vec<EventKind> = kind_map
            .order
            .iter()
            .map(|&k| self.kinds.table[k as usize].clone())
            .collect();
        let currencies: Vec<Currency> = currency_map
            .order
            .iter()
            .map(|&c| self.currencies[c as usize])
            .collect();
        let order_refs = order_map.table(order_refs);
        let stores = store_map.table(stores);
        // The source table: placed keys, their channels interned in key order.
        let mut source_channels = SmallTable::<Channel>::default();
        let mut source_channel = Vec::with_capacity(source_map.order.len());
        let mut source_record = Vec::with_capacity(source_map.order.len());
        for &k in &source_map.order {
            source_channel.push(
                source_channels
                    .intern(&self.source_channels.table[self.source_channel[k as usize] as usize]),
            );
            if let Ok((record, _)) = resolved[k as usize] {
                source_record.push(record);
            }
        }
        let mut source_ids = source_map.table(source_ids);
        source_ids.shrink_to_fit();

        // Channel ids in name order, so that comparing ids compares names.
        let mut by_name: Vec<usize> = (0..new_channels.len()).collect();
        by_name.sort_by(|&a, &b| new_channels[a].name().cmp(new_channels[b].name()));
        let mut rank = vec![0u32; by_name.len()];
        for (r, &old) in by_name.iter().enumerate() {
            rank[old] = r as u32;
        }
        let channels: Vec<Channel> = by_name.iter().map(|&i| new_channels[i].clone()).collect();

        // Sort: (customer, instant, channel name, sequence); the sequence is
        // the input position, so the order is total.
        let mut keys: Vec<(u32, i64, u32, u32, u32)> = (0..n)
            .into_par_iter()
            .filter_map(|i| {
                let source = self.source[i];
                if source == NONE {
                    return None;
                }
                // Remapped keys are placed; the lookup cannot miss.
                let original = source_map.order[source as usize];
                let (_, customer) = resolved[original as usize].ok()?;
                Some((
                    customer,
                    self.seconds[i],
                    self.nanos[i],
                    rank[self.channel[i] as usize],
                    i as u32,
                ))
            })
            .collect();
        drop(resolved);
        keys.par_sort_unstable();

        let gather32 = |column: Vec<u32>| -> Vec<u32> {
            keys.par_iter().map(|k| column[k.4 as usize]).collect()
        };
        let seconds: Vec<i64> = keys.par_iter().map(|k| k.1).collect();
        drop(std::mem::take(&mut self.seconds));
        let nanos: Vec<u32> = keys.par_iter().map(|k| k.2).collect();
        drop(std::mem::take(&mut self.nanos));
        let channel: Vec<u32> = keys.par_iter().map(|k| k.3).collect();
        drop(std::mem::take(&mut self.channel));
        let seq: Vec<u32> = keys.par_iter().map(|k| k.4).collect();
        let kind = gather32(std::mem::take(&mut self.kind));
        let store = gather32(std::mem::take(&mut self.store));
        let order_ref = gather32(std::mem::take(&mut self.order_ref));
        let source = gather32(std::mem::take(&mut self.source));
        let currency: Vec<u16> = {
            let column = std::mem::take(&mut self.currency);
            keys.par_iter().map(|k| column[k.4 as usize]).collect()
        };
        let amount_minor: Vec<i64> = {
            let column = std::mem::take(&mut self.amount_minor);
            keys.par_iter().map(|k| column[k.4 as usize]).collect()
        };

        // Event ids: per chunk in parallel, then one copy into the final arena.
        let input_ids = std::mem::take(&mut self.ids);
        let chunks: Vec<StrTable> = keys
            .par_chunks(1 << 16)
            .map(|chunk| {
                let mut t = StrTable::with_capacity(chunk.len(), chunk.len() * 16);
                // The ids are read in the sorted order, at random in the
                // input's: a group's are loaded ahead (see `StrTable::touch`).
                for group in chunk.chunks(TOUCH_GROUP) {
                    input_ids.touch(group.iter().map(|k| k.4 as usize));
                    for k in group {
                        t.push(input_ids.get(k.4 as usize));
                    }
                }
                t
            })
            .collect();
        drop(input_ids);
        let mut ids =
            StrTable::with_capacity(keys.len(), chunks.iter().map(StrTable::string_bytes).sum());
        for chunk in &chunks {
            ids.extend(chunk);
        }
        drop(chunks);

        let mut customers = Vec::new();
        let mut starts = Vec::new();
        for (pos, k) in keys.iter().enumerate() {
            if customers.last() != Some(&k.0) {
                customers.push(k.0);
                starts.push(pos as u32);
            }
        }
        starts.push(keys.len() as u32);

        // Attributes of placed events move into the side table, by position.
        let mut placed_attributes: Vec<(u32, Vec<(String, String)>)> = Vec::new();
        if attributes.iter().any(|(_, values)| !values.is_empty()) {
            let mut position_of = vec![NONE; n];
            for (pos, k) in keys.iter().enumerate() {
                position_of[k.4 as usize] = pos as u32;
            }
            for (i, values) in attributes.drain(..) {
                let pos = position_of[i as usize];
                if pos != NONE && !values.is_empty() {
                    placed_attributes.push((pos, values));
                }
            }
            placed_attributes.sort_unstable_by_key(|(pos, _)| *pos);
        }
        let (attribute_positions, attribute_values) = placed_attributes.into_iter().unzip();
        drop(keys);

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
            kinds,
            currencies,
            order_refs,
            stores,
            source_channels: source_channels.table,
            source_channel,
            source_ids,
            source_record,
            // check_capacity guarantees this fits.
            next_seq: n as u32,
        };
        Ok(TimelineBuild { timelines, orphans })
    }
}

impl Extend<Event> for TimelinesBuilder {
    /// Pushes every event; events past [`MAX_EVENTS`](super::MAX_EVENTS) are not taken (use
    /// [`push`](TimelinesBuilder::push) to be told).
    fn extend<I: IntoIterator<Item = Event>>(&mut self, events: I) {
        for event in events {
            if self.push(event).is_err() {
                return;
            }
        }
    }
}

/// What a pushed event says of its record.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Attach {
    /// Nothing: the build asks its `record_of`.
    Ask,
    /// This record.
    To(u32),
    /// No record.
    ToNone,
}

/// `source_record` for a key whose record the build's `record_of` gives.
const ASK: u32 = NONE;
/// `source_record` for a key pushed attached to no record.
const UNATTACHED: u32 = NONE - 1;

/// Old ids to new ones, in order of first use.
struct Remap {
    new_of: Vec<u32>,
    /// `order[new]` is the old id.
    order: Vec<u32>,
}

impl Remap {
    /// An empty map over `len` old ids, or the identity over them.
    fn new(len: usize, identity: bool) -> Remap {
        if identity {
            let order: Vec<u32> = (0..len as u32).collect();
            return Remap {
                new_of: order.clone(),
                order,
            };
        }
        Remap {
            new_of: vec![NONE; len],
            order: Vec::new(),
        }
    }

    fn map(&mut self, old: u32) -> u32 {
        let slot = &mut self.new_of[old as usize];
        if *slot == NONE {
            *slot = self.order.len() as u32;
            self.order.push(old);
        }
        *slot
    }

    /// The strings of `old` in new-id order (`old` itself when that is its
    /// order).
    fn table(&self, old: StrTable) -> StrTable {
        let identity = self.order.len() == old.len()
            && self.order.iter().enumerate().all(|(i, &o)| o as usize == i);
        if identity {
            return old;
        }
        let bytes = self.order.iter().map(|&o| old.get(o as usize).len()).sum();
        let mut table = StrTable::with_capacity(self.order.len(), bytes);
        for &o in &self.order {
            table.push(old.get(o as usize));
        }
        table
    }
}
