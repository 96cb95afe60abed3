//! Reading one customer's timeline: filters, order, limit and cursors.
//!
//! A query narrows the customer's contiguous range by binary search (time
//! range and cursor), then walks it in the asked order, skipping events whose
//! channel or kind is filtered out. With no channel or kind filter, "the last
//! 50 events" touches exactly 50 positions and allocates only the output.
//!
//! # Cursors
//!
//! A [`Cursor`] is the `(timestamp, channel name, sequence)` of the last event
//! of a page: the next page holds the events strictly after it in the query's
//! order. It names a point of the total order, not a position, so it stays
//! meaningful on another store: when events are added between two pages (by
//! [`Timelines::append`](super::Timelines::append) or a rebuild that keeps
//! sequences), the next page is exactly the new store's events past the
//! cursor: nothing read is repeated, nothing past the cursor is skipped, and
//! a new event that sorts before the cursor is not shown (it belongs to pages
//! already read).

use std::cmp::Ordering;
use std::ops::Range;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::event::EventKind;
use super::store::{EventView, Timelines, split_timestamp};
use crate::record::Channel;

/// Which events a query keeps. Plain data; the default keeps everything.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Filter {
    /// Keep events at or after this instant.
    pub from: Option<Timestamp>,
    /// Keep events strictly before this instant (half-open, so consecutive
    /// ranges do not overlap).
    pub to: Option<Timestamp>,
    /// Keep events on these channels; empty keeps every channel.
    pub channels: Vec<Channel>,
    /// Keep events of these kinds; empty keeps every kind.
    pub kinds: Vec<EventKind>,
}

/// The order a query returns events in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Order {
    /// Ascending total order: oldest first.
    #[default]
    OldestFirst,
    /// Descending total order: newest first.
    NewestFirst,
}

/// A point of the timeline order, to resume after. Opaque: get one from
/// [`Page::next`] or [`EventView::cursor`]; serializable so that a client
/// can hand it back. See the [module docs](self) for what it guarantees.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Cursor {
    timestamp: Timestamp,
    channel: Channel,
    sequence: u32,
}

impl Cursor {
    pub(crate) fn new(timestamp: Timestamp, channel: Channel, sequence: u32) -> Self {
        Cursor {
            timestamp,
            channel,
            sequence,
        }
    }

    /// The point's instant, channel and sequence.
    pub(crate) fn parts(&self) -> (Timestamp, &Channel, u32) {
        (self.timestamp, &self.channel, self.sequence)
    }
}

/// One page of a query: its events, and a cursor for the next page when
/// there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<'a> {
    /// The events, in the query's order.
    pub events: Vec<EventView<'a>>,
    /// Where the next page starts; `None` when this page reached the end.
    pub next: Option<Cursor>,
}

/// A set of interned ids a filter keeps.
#[derive(Debug, Clone)]
pub(crate) enum IdSet {
    Any,
    // Tables are small (a handful of channels and kinds), so a bit mask
    // answers without allocating in nearly every case.
    Mask(u64),
    List(Vec<u32>),
}

impl IdSet {
    pub(crate) fn of(ids: impl Iterator<Item = Option<u32>>, restricted: bool) -> IdSet {
        if !restricted {
            return IdSet::Any;
        }
        let ids: Vec<u32> = ids.flatten().collect();
        if ids.iter().all(|&i| i < 64) {
            IdSet::Mask(ids.iter().fold(0, |m, &i| m | 1 << i))
        } else {
            IdSet::List(ids)
        }
    }

    pub(crate) fn contains(&self, id: u32) -> bool {
        match self {
            IdSet::Any => true,
            IdSet::Mask(m) => id < 64 && m & (1 << id) != 0,
            IdSet::List(l) => l.contains(&id),
        }
    }
}

/// A query over one customer's timeline, built from
/// [`Timelines::timeline`](super::Timelines::timeline).
///
/// ```
/// use omnicanal::timeline::{Event, EventKind, Timelines};
/// use omnicanal::{Channel, ClusterIndex, SourceKey};
///
/// let card = SourceKey::new(Channel::Store, "4001")?;
/// let at = |ts: &str, id: &str| -> Result<Event, Box<dyn std::error::Error>> {
///     Ok(Event {
///         id: id.into(), source: card.clone(), timestamp: ts.parse()?,
///         channel: Channel::Store, kind: EventKind::Purchase, amount: None,
///         order_ref: None, store: Some("PAR-11".into()), attributes: vec![],
///     })
/// };
/// let events = vec![at("2024-01-05T10:00:00Z", "T1")?, at("2024-02-05T10:00:00Z", "T2")?,
///                   at("2024-03-05T10:00:00Z", "T3")?];
/// let store = Timelines::build_with_keys(events, &[card.clone()], &[7])?.timelines;
///
/// let first = store.timeline(ClusterIndex(7)).newest_first().limit(2).page();
/// let ids: Vec<&str> = first.events.iter().map(|e| e.id()).collect();
/// assert_eq!(ids, ["T3", "T2"]);
/// let next = store.timeline(ClusterIndex(7)).newest_first().limit(2)
///     .after(first.next.as_ref().unwrap()).page();
/// assert_eq!(next.events[0].id(), "T1");
/// assert!(next.next.is_none());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct TimelineQuery<'a> {
    store: &'a Timelines,
    range: Range<usize>,
    filter: Filter,
    order: Order,
    limit: usize,
    after: Option<Cursor>,
}

impl<'a> TimelineQuery<'a> {
    pub(crate) fn new(store: &'a Timelines, range: Range<usize>) -> Self {
        TimelineQuery {
            store,
            range,
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

    /// The matching events in order, at most `limit` of them. Lazy: nothing
    /// is allocated unless a channel or kind filter has 64+ table entries.
    pub fn iter(&self) -> impl Iterator<Item = EventView<'a>> + use<'a> {
        let store = self.store;
        let range = self.bounds();
        let newest_first = self.order == Order::NewestFirst;
        let (channels, kinds) = self.id_sets();
        let len = range.len();
        (0..len)
            .map(move |i| {
                if newest_first {
                    range.end - 1 - i
                } else {
                    range.start + i
                }
            })
            .filter(move |&p| {
                channels.contains(store.channel_id_at(p)) && kinds.contains(store.kind_id_at(p))
            })
            .take(self.limit)
            .map(move |p| store.view(p))
    }

    /// The number of matching events, ignoring `limit`.
    pub fn count(&self) -> usize {
        TimelineQuery {
            limit: usize::MAX,
            ..self.clone()
        }
        .iter()
        .count()
    }

    /// One page: up to `limit` events, and the cursor after the last one when
    /// more events match.
    pub fn page(&self) -> Page<'a> {
        let capacity = self.limit.min(self.range.len());
        let mut events = Vec::with_capacity(capacity);
        let mut rest = TimelineQuery {
            limit: usize::MAX,
            ..self.clone()
        }
        .iter();
        events.extend(rest.by_ref().take(self.limit));
        // Look one event ahead so that the last page says it is the last.
        let next = match (events.last(), rest.next()) {
            (Some(last), Some(_)) => Some(last.cursor()),
            _ => None,
        };
        Page { events, next }
    }

    fn id_sets(&self) -> (IdSet, IdSet) {
        let table = self.store.channel_table();
        let channels = IdSet::of(
            self.filter.channels.iter().map(|c| {
                table
                    .binary_search_by(|t| t.name().cmp(c.name()))
                    .ok()
                    .map(|i| i as u32)
            }),
            !self.filter.channels.is_empty(),
        );
        let kinds_table = self.store.kind_table();
        let kinds = IdSet::of(
            self.filter
                .kinds
                .iter()
                .map(|k| kinds_table.iter().position(|t| t == k).map(|i| i as u32)),
            !self.filter.kinds.is_empty(),
        );
        (channels, kinds)
    }

    /// The customer's range narrowed to the time range and the cursor.
    fn bounds(&self) -> Range<usize> {
        let store = self.store;
        let Range { mut start, mut end } = self.range.clone();
        if let Some(from) = self.filter.from {
            let from = split_timestamp(from);
            start = partition(start, end, |p| store.instant_at(p) < from);
        }
        if let Some(to) = self.filter.to {
            let to = split_timestamp(to);
            end = partition(start, end, |p| store.instant_at(p) < to);
        }
        if let Some(cursor) = &self.after {
            let probe = CursorProbe::new(store, cursor);
            match self.order {
                Order::OldestFirst => {
                    start = partition(start, end, |p| {
                        probe.cmp_event(store, p) != Ordering::Greater
                    })
                }
                Order::NewestFirst => {
                    end = partition(start, end, |p| probe.cmp_event(store, p) == Ordering::Less)
                }
            }
        }
        start..end.max(start)
    }
}

/// A cursor translated into this store's ids: events' channels compare as
/// `2 × rank + 1`; the cursor's channel is the same when the store has it,
/// or `2 × insertion point` when not (just below the first greater name), so
/// that codes compare exactly as names would.
struct CursorProbe {
    instant: (i64, u32),
    channel: u64,
    sequence: u32,
}

impl CursorProbe {
    fn new(store: &Timelines, cursor: &Cursor) -> Self {
        let table = store.channel_table();
        let channel = match table.binary_search_by(|t| t.name().cmp(cursor.channel.name())) {
            Ok(rank) => 2 * rank as u64 + 1,
            Err(insert) => 2 * insert as u64,
        };
        CursorProbe {
            instant: split_timestamp(cursor.timestamp),
            channel,
            sequence: cursor.sequence,
        }
    }

    /// How the event at `pos` compares to the cursor.
    fn cmp_event(&self, store: &Timelines, pos: usize) -> Ordering {
        let (second, nanos, channel, seq) = store.key_at(pos);
        ((second, nanos), 2 * channel as u64 + 1, seq).cmp(&(
            self.instant,
            self.channel,
            self.sequence,
        ))
    }
}

/// The first position in `lo..hi` where `before` turns false (`before` must
/// be true then false over the range).
pub(crate) fn partition(mut lo: usize, mut hi: usize, before: impl Fn(usize) -> bool) -> usize {
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if before(mid) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}
