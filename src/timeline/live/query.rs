//! Reading the merged timeline of a set of records: the same builder, filters,
//! orders, limits and cursors as [`TimelineQuery`](crate::timeline::TimelineQuery).
//!
//! Each record's list is narrowed by binary search (time range, cursor),
//! then the lists are merged lazily, newest or oldest first: "the last 50
//! events of a customer with 3 records" reads about 50 entries of 3
//! contiguous lists and allocates the output only.

use std::cmp::Ordering;
use std::fmt;

use jiff::Timestamp;

use super::blob::{self, EventBlob};
use super::{Entry, RecordEvents, SortKey, sort_key};
use crate::record::{Channel, RecordId, SourceKey};
use crate::timeline::event::{Event, EventKind, Money};
use crate::timeline::journey::JourneyStatus;
use crate::timeline::query::{Cursor, Filter, IdSet, Order, partition};
use crate::timeline::store::{join_timestamp, split_timestamp};

/// Stand-ins for table lookups that cannot fail on a validated store; they
/// keep readers total all the same.
static NO_CHANNEL: Channel = Channel::Store;
static NO_KIND: EventKind = EventKind::Purchase;

/// A query over the merged timeline of some records, built from
/// [`RecordEvents::timeline`]. Same builder as
/// [`TimelineQuery`](crate::timeline::TimelineQuery).
///
/// ```
/// use omnicanal::timeline::{Event, EventKind, RecordEvents};
/// use omnicanal::{Channel, RecordId, SourceKey};
///
/// let card = SourceKey::new(Channel::Store, "4001")?;
/// let mut store = RecordEvents::new();
/// for (id, at) in [("T1", "2024-01-05T10:00:00Z"), ("T2", "2024-02-05T10:00:00Z"),
///                  ("T3", "2024-03-05T10:00:00Z")] {
///     store.push(RecordId(4), Event {
///         id: id.into(), source: card.clone(), timestamp: at.parse()?,
///         channel: Channel::Store, kind: EventKind::Purchase, amount: None,
///         order_ref: None, store: Some("PAR-11".into()), attributes: vec![],
///     })?;
/// }
/// let first = store.timeline(&[RecordId(4)]).newest_first().limit(2).page();
/// let ids: Vec<&str> = first.events.iter().map(|e| e.id()).collect();
/// assert_eq!(ids, ["T3", "T2"]);
/// let next = store.timeline(&[RecordId(4)]).newest_first().limit(2)
///     .after(first.next.as_ref().unwrap()).page();
/// assert_eq!(next.events[0].id(), "T1");
/// assert!(next.next.is_none());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct LiveTimelineQuery<'a> {
    store: &'a RecordEvents,
    records: Vec<RecordId>,
    filter: Filter,
    order: Order,
    limit: usize,
    after: Option<Cursor>,
}

/// One page of a [`LiveTimelineQuery`]: its events, and a cursor for the
/// next page when there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LivePage<'a> {
    /// The events, in the query's order.
    pub events: Vec<LiveEventView<'a>>,
    /// Where the next page starts; `None` when this page reached the end.
    pub next: Option<Cursor>,
}

impl<'a> LiveTimelineQuery<'a> {
    pub(super) fn new(store: &'a RecordEvents, records: &[RecordId]) -> Self {
        let mut records = records.to_vec();
        records.sort_unstable();
        records.dedup();
        LiveTimelineQuery {
            store,
            records,
            filter: Filter::default(),
            order: Order::OldestFirst,
            limit: usize::MAX,
            after: None,
        }
    }

    /// Replaces the filter.
    pub fn filter(mut self, filter: Filter) -> Self {
        self.filter = filter;
        self
    }

    /// Keeps events at or after `from`.
    pub fn from(mut self, from: Timestamp) -> Self {
        self.filter.from = Some(from);
        self
    }

    /// Keeps events strictly before `to`.
    pub fn to(mut self, to: Timestamp) -> Self {
        self.filter.to = Some(to);
        self
    }

    /// Keeps events on this channel too (the first call restricts to it).
    pub fn channel(mut self, channel: Channel) -> Self {
        self.filter.channels.push(channel);
        self
    }

    /// Keeps events of this kind too (the first call restricts to it).
    pub fn kind(mut self, kind: EventKind) -> Self {
        self.filter.kinds.push(kind);
        self
    }

    /// Sets the order.
    pub fn order(mut self, order: Order) -> Self {
        self.order = order;
        self
    }

    /// Newest first.
    pub fn newest_first(self) -> Self {
        self.order(Order::NewestFirst)
    }

    /// Oldest first (the default).
    pub fn oldest_first(self) -> Self {
        self.order(Order::OldestFirst)
    }

    /// At most `limit` events per page (no limit by default).
    pub fn limit(mut self, limit: usize) -> Self {
        self.limit = limit;
        self
    }

    /// Starts strictly after `cursor`, in the query's order.
    pub fn after(mut self, cursor: &Cursor) -> Self {
        self.after = Some(cursor.clone());
        self
    }

    /// The matching events in order, at most `limit` of them. Lazy.
    pub fn iter(&self) -> impl Iterator<Item = LiveEventView<'a>> + use<'a> {
        let store = self.store;
        let (channels, kinds) = self.id_sets();
        self.merged()
            .filter(move |(_, e)| channels.contains(e.channel()) && kinds.contains(e.kind()))
            .take(self.limit)
            .map(move |(record, e)| store.view(record, e))
    }

    /// The number of matching events, ignoring `limit`.
    pub fn count(&self) -> usize {
        self.unlimited().iter().count()
    }

    /// One page: up to `limit` events, and the cursor after the last one when
    /// more events match.
    pub fn page(&self) -> LivePage<'a> {
        let mut rest = self.unlimited().iter();
        let mut events = Vec::with_capacity(self.limit.min(64));
        events.extend(rest.by_ref().take(self.limit));
        // Look one event ahead so that the last page says it is the last.
        let next = match (events.last(), rest.next()) {
            (Some(last), Some(_)) => Some(last.cursor()),
            _ => None,
        };
        LivePage { events, next }
    }

    /// The order journeys of the matching events (the filter applies; the
    /// order, limit and cursor do not), by first event then reference. See
    /// [`journey`](crate::timeline::journey) for the status rules.
    pub fn journeys(&self) -> Vec<LiveJourney<'a>> {
        let all = LiveTimelineQuery {
            order: Order::OldestFirst,
            after: None,
            ..self.unlimited()
        };
        let mut refs: Vec<(&'a str, usize, LiveEventView<'a>)> = all
            .iter()
            .enumerate()
            .filter_map(|(i, e)| Some((e.order_ref()?, i, e)))
            .collect();
        // Positions ascend within a reference, so each group is in order.
        refs.sort_unstable_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
        let mut journeys: Vec<LiveJourney<'a>> = refs
            .chunk_by(|a, b| a.0 == b.0)
            .filter_map(|group| {
                let order_ref = group.first()?.0;
                Some(LiveJourney::new(
                    order_ref,
                    group.iter().map(|g| g.2).collect(),
                ))
            })
            .collect();
        journeys.sort_by(|a, b| (a.first, a.order_ref).cmp(&(b.first, b.order_ref)));
        journeys
    }

    fn unlimited(&self) -> Self {
        LiveTimelineQuery {
            limit: usize::MAX,
            ..self.clone()
        }
    }

    /// Channel ids kept (by name, as cursors and the order compare them) and
    /// kind ids kept.
    fn id_sets(&self) -> (IdSet, IdSet) {
        let table = &self.store.channels;
        let channels = IdSet::of(
            table.iter().enumerate().map(|(i, t)| {
                self.filter
                    .channels
                    .iter()
                    .any(|c| c.name() == t.name())
                    .then_some(i as u32)
            }),
            !self.filter.channels.is_empty(),
        );
        let kinds_table = &self.store.kinds;
        let kinds = IdSet::of(
            self.filter
                .kinds
                .iter()
                .map(|k| kinds_table.iter().position(|t| t == k).map(|i| i as u32)),
            !self.filter.kinds.is_empty(),
        );
        (channels, kinds)
    }

    /// Every record's list narrowed to the time range and the cursor,
    /// merged in the query's order.
    fn merged(&self) -> Merge<'a> {
        let store = self.store;
        let ranks = store.ranks.as_slice();
        let from = self.filter.from.map(split_timestamp);
        let to = self.filter.to.map(split_timestamp);
        let probe = self.after.as_ref().map(|c| CursorProbe::new(store, c));
        let mut runs = Vec::with_capacity(self.records.len());
        for &record in &self.records {
            let entries = store.entries_of(record);
            let (mut start, mut end) = (0, entries.len());
            let instant = |p: usize| (entries[p].seconds, entries[p].nanos);
            if let Some(from) = from {
                start = partition(start, end, |p| instant(p) < from);
            }
            if let Some(to) = to {
                end = partition(start, end, |p| instant(p) < to);
            }
            if let Some(probe) = &probe {
                let cmp = |p: usize| probe.cmp_entry(ranks, entries[p]);
                match self.order {
                    Order::OldestFirst => {
                        start = partition(start, end, |p| cmp(p) != Ordering::Greater)
                    }
                    Order::NewestFirst => end = partition(start, end, |p| cmp(p) == Ordering::Less),
                }
            }
            if let Some(run) = entries.get(start..end.max(start))
                && !run.is_empty()
            {
                runs.push((record, run));
            }
        }
        Merge::new(ranks, runs, self.order == Order::NewestFirst)
    }
}

/// A lazy k-way merge of sorted lists. A customer has a handful of records,
/// so the next head is found by a linear scan of cached keys (a heap pays
/// off only past a dozen lists).
struct Merge<'a> {
    ranks: &'a [u16],
    runs: Vec<(RecordId, &'a [Entry])>,
    heads: Vec<SortKey>,
    newest_first: bool,
}

impl<'a> Merge<'a> {
    fn new(ranks: &'a [u16], runs: Vec<(RecordId, &'a [Entry])>, newest_first: bool) -> Self {
        let mut merge = Merge {
            ranks,
            heads: Vec::with_capacity(runs.len()),
            runs,
            newest_first,
        };
        for i in 0..merge.runs.len() {
            let head = merge.head_of(i);
            merge.heads.push(head);
        }
        merge
    }

    fn head_of(&self, i: usize) -> SortKey {
        let run = self.runs[i].1;
        let e = if self.newest_first {
            run.last()
        } else {
            run.first()
        };
        e.map_or((0, 0, 0, 0), |&e| sort_key(self.ranks, e))
    }
}

impl Iterator for Merge<'_> {
    type Item = (RecordId, Entry);

    fn next(&mut self) -> Option<Self::Item> {
        let mut best = 0;
        for i in 1..self.heads.len() {
            let better = if self.newest_first {
                self.heads[i] > self.heads[best]
            } else {
                self.heads[i] < self.heads[best]
            };
            if better {
                best = i;
            }
        }
        let (record, run) = *self.runs.get(best)?;
        let (entry, rest) = if self.newest_first {
            let (last, rest) = run.split_last()?;
            (*last, rest)
        } else {
            let (first, rest) = run.split_first()?;
            (*first, rest)
        };
        if rest.is_empty() {
            self.runs.swap_remove(best);
            self.heads.swap_remove(best);
        } else {
            self.runs[best].1 = rest;
            self.heads[best] = self.head_of(best);
        }
        Some((record, entry))
    }
}

/// A cursor translated into this store's ranks: entries' channels compare
/// as `2 × rank + 1`; the cursor's channel as the same when the store has
/// its name, else as `2 × (names below it)`, just below the next name, so
/// that codes compare exactly as names would.
struct CursorProbe {
    instant: (i64, u32),
    channel: u64,
    sequence: u32,
}

impl CursorProbe {
    fn new(store: &RecordEvents, cursor: &Cursor) -> Self {
        let (timestamp, channel, sequence) = cursor.parts();
        let mut names: Vec<&str> = store.channels.iter().map(Channel::name).collect();
        names.sort_unstable();
        names.dedup();
        let code = match names.binary_search(&channel.name()) {
            Ok(rank) => 2 * rank as u64 + 1,
            Err(insert) => 2 * insert as u64,
        };
        CursorProbe {
            instant: split_timestamp(timestamp),
            channel: code,
            sequence,
        }
    }

    fn cmp_entry(&self, ranks: &[u16], e: Entry) -> Ordering {
        let (seconds, nanos, rank, seq) = sort_key(ranks, e);
        ((seconds, nanos), 2 * u64::from(rank) + 1, seq).cmp(&(
            self.instant,
            self.channel,
            self.sequence,
        ))
    }
}

/// One event of a [`RecordEvents`], read in place: accessors borrow from the
/// store, [`to_event`](Self::to_event) makes an owned [`Event`].
///
/// `Debug` prints what `Event`'s does: ids, time, channel and kind, never
/// amounts, references or attributes.
#[derive(Clone, Copy)]
pub struct LiveEventView<'a> {
    store: &'a RecordEvents,
    record: RecordId,
    entry: Entry,
}

impl PartialEq for LiveEventView<'_> {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self.store, other.store)
            && self.record == other.record
            && self.entry == other.entry
    }
}

impl Eq for LiveEventView<'_> {}

impl fmt::Debug for LiveEventView<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (channel, id) = self.source_parts();
        f.debug_struct("LiveEventView")
            .field("id", &self.id())
            .field("source", &format_args!("{channel}:{id}"))
            .field("timestamp", &self.timestamp())
            .field("channel", self.channel())
            .field("kind", self.kind())
            .field("sequence", &self.sequence())
            .finish_non_exhaustive()
    }
}

impl<'a> LiveEventView<'a> {
    pub(super) fn new(store: &'a RecordEvents, record: RecordId, entry: Entry) -> Self {
        LiveEventView {
            store,
            record,
            entry,
        }
    }

    fn blob(&self) -> EventBlob<'a> {
        blob::parse_event(self.store.arena.tail(self.entry.blob())).unwrap_or_default()
    }

    /// The event's id in its source system.
    pub fn id(&self) -> &'a str {
        self.blob().id
    }

    /// When it happened.
    pub fn timestamp(&self) -> Timestamp {
        join_timestamp(self.entry.seconds, self.entry.nanos)
    }

    /// Where it happened.
    pub fn channel(&self) -> &'a Channel {
        self.store
            .channels
            .get(self.entry.channel() as usize)
            .unwrap_or(&NO_CHANNEL)
    }

    /// What happened.
    pub fn kind(&self) -> &'a EventKind {
        self.store
            .kinds
            .get(self.entry.kind() as usize)
            .unwrap_or(&NO_KIND)
    }

    /// The amount, when there is one.
    pub fn amount(&self) -> Option<Money> {
        let (minor, currency) = self.blob().amount?;
        Some(Money {
            minor,
            currency: *self.store.currencies.get(currency as usize)?,
        })
    }

    /// The order reference, when there is one.
    pub fn order_ref(&self) -> Option<&'a str> {
        self.blob().order_ref
    }

    /// The store code, when there is one.
    pub fn store(&self) -> Option<&'a str> {
        self.blob().store
    }

    /// Free attributes, in the source's order (none for most events).
    pub fn attributes(&self) -> impl Iterator<Item = (&'a str, &'a str)> + use<'a> {
        self.blob().attributes.iter()
    }

    fn source_parts(&self) -> (&'a Channel, &'a str) {
        let store = self.store;
        let (channel, id) = match self.blob().own_source {
            Some(own) => own,
            None => {
                let key = store
                    .records
                    .get(self.record.index())
                    .map_or(blob::NO_REF, |s| s.key);
                blob::parse_key(store.arena.tail(key)).map_or((u32::MAX, ""), |(c, id, _)| (c, id))
            }
        };
        (
            store.channels.get(channel as usize).unwrap_or(&NO_CHANNEL),
            id,
        )
    }

    /// The channel of the event's source key.
    pub fn source_channel(&self) -> &'a Channel {
        self.source_parts().0
    }

    /// The id of the event's source key, in its source system.
    pub fn source_id(&self) -> &'a str {
        self.source_parts().1
    }

    /// The event's source key (allocates).
    pub fn source(&self) -> SourceKey {
        let (channel, id) = self.source_parts();
        SourceKey {
            channel: channel.clone(),
            id: id.into(),
        }
    }

    /// The record holding the event.
    pub fn record(&self) -> RecordId {
        self.record
    }

    /// The event's sequence: the last tiebreak of the timeline order.
    pub fn sequence(&self) -> u32 {
        self.entry.seq
    }

    /// A cursor just at this event: a query `after` it starts with the next one.
    pub fn cursor(&self) -> Cursor {
        Cursor::new(self.timestamp(), self.channel().clone(), self.sequence())
    }

    /// The owned event, equal to the one pushed.
    pub fn to_event(&self) -> Event {
        let blob = self.blob();
        Event {
            id: blob.id.to_owned(),
            source: self.source(),
            timestamp: self.timestamp(),
            channel: self.channel().clone(),
            kind: self.kind().clone(),
            amount: self.amount(),
            order_ref: blob.order_ref.map(str::to_owned),
            store: blob.store.map(str::to_owned),
            attributes: blob
                .attributes
                .iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
        }
    }
}

/// The events of a [`LiveTimelineQuery`] sharing an order reference: an
/// order, its pickup in a store, a return.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveJourney<'a> {
    /// The order reference.
    pub order_ref: &'a str,
    /// The events, in the timeline's total order (oldest first).
    pub events: Vec<LiveEventView<'a>>,
    /// The channels the journey crossed, distinct, by name.
    pub channels: Vec<&'a Channel>,
    /// The store codes it went through, distinct, in order of first visit.
    pub stores: Vec<&'a str>,
    /// The first event's instant.
    pub first: Timestamp,
    /// The last event's instant.
    pub last: Timestamp,
    /// How far it went.
    pub status: JourneyStatus,
}

impl<'a> LiveJourney<'a> {
    fn new(order_ref: &'a str, events: Vec<LiveEventView<'a>>) -> Self {
        let mut channels: Vec<&Channel> = events.iter().map(|e| e.channel()).collect();
        channels.sort_by(|a, b| a.name().cmp(b.name()));
        channels.dedup();
        let mut stores: Vec<&str> = Vec::new();
        for s in events.iter().filter_map(|e| e.store()) {
            if !stores.contains(&s) {
                stores.push(s);
            }
        }
        let status = JourneyStatus::of_kinds(events.iter().map(|e| e.kind()));
        let first = events.first().map(|e| e.timestamp()).unwrap_or_default();
        let last = events.last().map(|e| e.timestamp()).unwrap_or_default();
        LiveJourney {
            order_ref,
            events,
            channels,
            stores,
            first,
            last,
            status,
        }
    }
}
