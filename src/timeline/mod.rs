//! Events and, per customer, the merged cross-channel timeline.
//!
//! - [`Event`]: one thing a customer did, attached to the record it came from.
//! - [`Timelines`]: every customer's events in one compact immutable store,
//!   built in parallel from the events, a source-key → record lookup and the
//!   record → customer labels. Events it cannot place come back as
//!   [`Orphan`]s: every event ends in exactly one timeline or in the orphans.
//! - [`TimelinesBuilder`]: the same store from events packed into columns
//!   as they are read, for batches too large to hold as owned [`Event`]s.
//! - [`TimelineQuery`]: one customer's events filtered by time, channel and
//!   kind ([`Filter`]), oldest or newest first, paged with [`Cursor`]s, read
//!   as [`EventView`]s without copying.
//! - [`Journey`]: the events sharing an order reference (order → pickup →
//!   return), with the channels crossed and a [`JourneyStatus`];
//!   [`SharedOrderRef`] reports a reference seen on two customers.
//! - [`RecordEvents`]: the live resolver's mutable store, events kept per
//!   record and merged per customer at query time ([`LiveTimelineQuery`],
//!   same filters, orders and cursors); `push` in about a microsecond,
//!   `erase_record` that leaves no byte behind.
//!
//! Order within a timeline: instant, then channel name, then sequence (input
//! position); see [`store`] for the layout and the total order, and [`query`]
//! for what cursors guarantee.

pub mod builder;
pub mod event;
pub mod journey;
pub mod live;
pub mod query;
pub mod store;
pub(crate) mod strings;

#[cfg(test)]
mod tests;

pub use builder::TimelinesBuilder;
pub use event::{Currency, Event, EventKind, Money};
pub use journey::{Journey, JourneyStatus, SharedOrderRef};
pub(crate) use live::RecordEventsWire;
pub use live::{LiveEventView, LiveJourney, LivePage, LiveTimelineQuery, RecordEvents};
pub use query::{Cursor, Filter, Order, Page, TimelineQuery};
pub use store::{
    EventView, MAX_EVENTS, MemoryUsage, Orphan, OrphanReason, TimelineBuild, Timelines,
};
