//! Order journeys: the events of one customer that share an order reference
//! (a web order, its pickup in a store, a return in another store), read as
//! one story.
//!
//! # Status rules
//!
//! A journey's [`JourneyStatus`] is the furthest step any of its events
//! reached, whatever their order in time (sources disagree on clocks; a
//! return logged a minute "before" its pickup is still a return):
//!
//! 1. any [`Return`](EventKind::Return) → [`Returned`](JourneyStatus::Returned);
//! 2. else any [`Pickup`](EventKind::Pickup) → [`PickedUp`](JourneyStatus::PickedUp);
//! 3. else any [`Order`](EventKind::Order) → [`Ordered`](JourneyStatus::Ordered);
//! 4. else any [`Purchase`](EventKind::Purchase) → [`Purchased`](JourneyStatus::Purchased);
//! 5. else (only calls, invoices, … mention it) → [`Mentioned`](JourneyStatus::Mentioned).
//!
//! An order reference used by two customers is not merged into one journey:
//! each customer gets their own, and [`Timelines::shared_order_refs`] reports
//! the reference, since it hints that the two customers may be one person (or
//! a household sharing an account).

use jiff::Timestamp;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::event::EventKind;
use super::store::{EventView, NONE, Timelines};
use crate::cluster::ClusterIndex;
use crate::record::Channel;

/// How far an order journey went. See the [module docs](self) for the rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JourneyStatus {
    /// Only non-commercial events (calls, invoices, …) carry the reference.
    Mentioned,
    /// Bought and paid at once, nothing after.
    Purchased,
    /// Ordered, not yet collected.
    Ordered,
    /// Collected (click & collect).
    PickedUp,
    /// At least partly returned.
    Returned,
}

impl JourneyStatus {
    /// The status of a journey whose events have these kinds, by the rules
    /// of the [module docs](self): the furthest step any event reached.
    pub(crate) fn of_kinds<'k>(kinds: impl Iterator<Item = &'k EventKind>) -> JourneyStatus {
        // The steps ranked; `Mentioned` when no event is a step.
        let rank = |k: &EventKind| match k {
            EventKind::Return => 4,
            EventKind::Pickup => 3,
            EventKind::Order => 2,
            EventKind::Purchase => 1,
            _ => 0,
        };
        match kinds.map(rank).max().unwrap_or(0) {
            4 => JourneyStatus::Returned,
            3 => JourneyStatus::PickedUp,
            2 => JourneyStatus::Ordered,
            1 => JourneyStatus::Purchased,
            _ => JourneyStatus::Mentioned,
        }
    }
}

/// One customer's events sharing an order reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Journey<'a> {
    /// The order reference.
    pub order_ref: &'a str,
    /// The customer.
    pub customer: ClusterIndex,
    /// The events, in the timeline's total order (oldest first).
    pub events: Vec<EventView<'a>>,
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

/// An order reference found in the timelines of several customers.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SharedOrderRef {
    /// The reference.
    pub order_ref: String,
    /// The customers whose events carry it, ascending (at least two).
    pub customers: Vec<ClusterIndex>,
}

impl Timelines {
    /// The customer's order journeys, by first event then reference.
    ///
    /// Cost: one pass over the customer's events and a sort of those that
    /// carry a reference.
    pub fn journeys(&self, customer: ClusterIndex) -> Vec<Journey<'_>> {
        let range = self.range_of(customer);
        let mut refs: Vec<(u32, usize)> = range
            .filter_map(|p| match self.order_ref_id_at(p) {
                NONE => None,
                id => Some((id, p)),
            })
            .collect();
        // Positions ascend within a reference, so each group is in time order.
        refs.sort_unstable();
        let mut journeys: Vec<Journey<'_>> = refs
            .chunk_by(|a, b| a.0 == b.0)
            .filter_map(|group| {
                let (order_id, _) = *group.first()?;
                let events: Vec<EventView<'_>> = group.iter().map(|&(_, p)| self.view(p)).collect();
                Some(journey(self.order_ref_str(order_id), customer, events))
            })
            .collect();
        journeys.sort_by(|a, b| (a.first, a.order_ref).cmp(&(b.first, b.order_ref)));
        journeys
    }

    /// Order references carried by events of more than one customer, by
    /// reference. A signal for review, never merged.
    pub fn shared_order_refs(&self) -> Vec<SharedOrderRef> {
        let ranges: Vec<_> = self.customer_ranges().collect();
        let mut pairs: Vec<(u32, u32)> = ranges
            .par_iter()
            .flat_map_iter(|(c, range)| {
                range
                    .clone()
                    .filter_map(move |p| match self.order_ref_id_at(p) {
                        NONE => None,
                        id => Some((id, c.0)),
                    })
            })
            .collect();
        pairs.par_sort_unstable();
        pairs.dedup();
        let mut shared: Vec<SharedOrderRef> = pairs
            .chunk_by(|a, b| a.0 == b.0)
            .filter(|group| group.len() > 1)
            .map(|group| SharedOrderRef {
                order_ref: self.order_ref_str(group[0].0).to_owned(),
                customers: group.iter().map(|&(_, c)| ClusterIndex(c)).collect(),
            })
            .collect();
        shared.sort_by(|a, b| a.order_ref.cmp(&b.order_ref));
        shared
    }
}

fn journey<'a>(
    order_ref: &'a str,
    customer: ClusterIndex,
    events: Vec<EventView<'a>>,
) -> Journey<'a> {
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
    Journey {
        order_ref,
        customer,
        events,
        channels,
        stores,
        first,
        last,
        status,
    }
}
