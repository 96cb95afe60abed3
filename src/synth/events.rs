//! Events: what each person did, attached to the record of the system that
//! saw it.

use jiff::Timestamp;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::EventRates;
use super::calendar::{day_number, paris_timestamp};
use super::ids::Scrambler;
use super::population::{Person, Store};
use crate::record::{Channel, SourceKey};
use crate::timeline::{Currency, Event, EventKind, Money};

/// Events per person are numbered below this; more are not drawn.
const MAX_EVENTS_PER_PERSON: u64 = 4096;

/// A record the person has, for attaching events to it.
#[derive(Debug, Clone)]
pub(crate) struct RecordRef {
    pub channel: Channel,
    pub key: SourceKey,
    /// The day number the account was created: no event before.
    pub created_day: i64,
}

/// The id makers for events, orders and store tickets.
pub(crate) struct EventIds {
    events: Scrambler,
    orders: Scrambler,
    tickets: Scrambler,
}

impl EventIds {
    pub fn new(seed: u64) -> Self {
        EventIds {
            events: Scrambler::new(seed, 21, 12),
            orders: Scrambler::new(seed, 22, 11),
            tickets: Scrambler::new(seed, 23, 12),
        }
    }
}

/// An order or purchase the person made, that a call may be about.
struct PastOrder {
    reference: String,
    day: i64,
    returned: bool,
}

/// Draws a count with the given mean (Knuth's method: means here are small).
fn poisson(rng: &mut ChaCha8Rng, mean: f64) -> u64 {
    if mean <= 0.0 || !mean.is_finite() {
        return 0;
    }
    let mean = mean.min(500.0);
    if mean > 30.0 {
        // Normal approximation keeps the loop short for large means.
        let z = normal(rng);
        return (mean + z * mean.sqrt()).round().max(0.0) as u64;
    }
    let limit = (-mean).exp();
    let mut product: f64 = rng.random();
    let mut count = 0;
    while product > limit {
        count += 1;
        product *= rng.random::<f64>();
    }
    count
}

/// A standard normal draw (Box–Muller).
fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1: f64 = rng.random::<f64>().max(f64::MIN_POSITIVE);
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// A basket amount in cents: log-normal around `median_euros`, with the
/// price endings shops use.
fn amount(rng: &mut ChaCha8Rng, median_euros: f64) -> i64 {
    let euros = (median_euros * (0.75 * normal(rng)).exp()).clamp(1.0, 2500.0);
    let whole = euros.floor() as i64;
    let cents = match rng.random_range(0..10) {
        0..=3 => 99,
        4..=5 => 90,
        6 => 0,
        _ => rng.random_range(0..100),
    };
    whole * 100 + cents
}

fn eur(minor: i64) -> Option<Money> {
    Some(Money {
        minor,
        currency: Currency::EUR,
    })
}

struct Drawer<'a> {
    ids: &'a EventIds,
    rates: &'a EventRates,
    window_start: i64,
    stores: &'a [Store],
    person: &'a Person,
    window_days: i64,
    counter: u64,
    orders: u64,
}

impl Drawer<'_> {
    fn timestamp(&self, rng: &mut ChaCha8Rng, day: i64, hours: (i64, i64)) -> Timestamp {
        let second = rng.random_range(hours.0 * 3600..(hours.1 + 1) * 3600);
        paris_timestamp(self.window_start + day, second)
    }

    fn store_code(&self, rng: &mut ChaCha8Rng, elsewhere: bool) -> Option<String> {
        let home = usize::from(self.person.home_store);
        let index = if elsewhere && self.stores.len() > 1 {
            let other = rng.random_range(0..self.stores.len() - 1);
            if other >= home { other + 1 } else { other }
        } else {
            home
        };
        self.stores.get(index).map(|s| s.code.clone())
    }

    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        out: &mut Vec<(Event, u64)>,
        record: &RecordRef,
        channel: Channel,
        kind: EventKind,
        timestamp: Timestamp,
        amount: Option<Money>,
        order_ref: Option<String>,
        store: Option<String>,
        attributes: Vec<(String, String)>,
    ) {
        if self.counter >= MAX_EVENTS_PER_PERSON {
            return;
        }
        let id = format!(
            "EV{}",
            self.ids
                .events
                .padded(self.person.id * MAX_EVENTS_PER_PERSON + self.counter)
        );
        self.counter += 1;
        out.push((
            Event {
                id,
                source: record.key.clone(),
                timestamp,
                channel,
                kind,
                amount,
                order_ref,
                store,
                attributes,
            },
            self.person.id,
        ));
    }

    fn next_order_ref(&mut self, prefix: &str, ticket: bool) -> String {
        let n = self.orders;
        self.orders += 1;
        if ticket {
            format!(
                "{prefix}{}",
                self.ids.tickets.padded(self.person.id * 1024 + n)
            )
        } else {
            format!(
                "{prefix}{}",
                self.ids.orders.padded(self.person.id * 1024 + n)
            )
        }
    }

    /// The first day (offset in the window) the record can have events, and
    /// the share of the window it is active.
    fn active(&self, record: &RecordRef) -> (i64, f64) {
        let first = (record.created_day - self.window_start).clamp(0, self.window_days);
        let share = (self.window_days - first) as f64 / self.window_days.max(1) as f64;
        (first, share)
    }

    fn day_in(&self, rng: &mut ChaCha8Rng, first: i64) -> Option<i64> {
        (first < self.window_days).then(|| rng.random_range(first..self.window_days))
    }

    /// A purchase or order and what follows it: pickup, return.
    fn order(
        &mut self,
        rng: &mut ChaCha8Rng,
        out: &mut Vec<(Event, u64)>,
        record: &RecordRef,
        day: i64,
        past: &mut Vec<PastOrder>,
    ) {
        let in_store = record.channel == Channel::Store;
        let (kind, hours, median) = if in_store {
            (EventKind::Purchase, (9, 19), 35.0)
        } else {
            (EventKind::Order, (7, 23), 55.0)
        };
        let reference = if in_store {
            self.next_order_ref("T", true)
        } else {
            self.next_order_ref("CMD", false)
        };
        let total = amount(rng, median);
        let elsewhere = in_store && rng.random_bool(0.2);
        let store = if in_store {
            self.store_code(rng, elsewhere)
        } else {
            None
        };
        let ts = self.timestamp(rng, day, hours);
        self.push(
            out,
            record,
            record.channel.clone(),
            kind,
            ts,
            eur(total),
            Some(reference.clone()),
            store.clone(),
            Vec::new(),
        );

        let mut last_day = day;
        if !in_store && rng.random_bool(self.rates.click_and_collect.clamp(0.0, 1.0)) {
            let pickup_day = day + rng.random_range(1..=6);
            if pickup_day < self.window_days {
                let elsewhere = rng.random_bool(0.2);
                let pickup_store = self.store_code(rng, elsewhere);
                let ts = self.timestamp(rng, pickup_day, (9, 19));
                self.push(
                    out,
                    record,
                    Channel::Store,
                    EventKind::Pickup,
                    ts,
                    None,
                    Some(reference.clone()),
                    pickup_store,
                    Vec::new(),
                );
                last_day = pickup_day;
            }
        }
        let mut returned = false;
        if rng.random_bool(self.rates.return_rate.clamp(0.0, 1.0)) {
            let return_day = last_day + rng.random_range(2..=30);
            if return_day < self.window_days {
                let refund = if rng.random_bool(0.7) {
                    total
                } else {
                    (total * rng.random_range(20..80) / 100).max(100)
                };
                let elsewhere = rng.random_bool(self.rates.return_elsewhere.clamp(0.0, 1.0));
                let (channel, store) = if in_store {
                    (Channel::Store, self.store_code(rng, elsewhere))
                } else if elsewhere {
                    let other = rng.random_bool(0.3);
                    (Channel::Store, self.store_code(rng, other))
                } else {
                    (record.channel.clone(), None)
                };
                let hours = if channel == Channel::Store {
                    (9, 19)
                } else {
                    (7, 23)
                };
                let ts = self.timestamp(rng, return_day, hours);
                self.push(
                    out,
                    record,
                    channel,
                    EventKind::Return,
                    ts,
                    eur(-refund),
                    Some(reference.clone()),
                    store,
                    Vec::new(),
                );
                returned = true;
            }
        }
        past.push(PastOrder {
            reference,
            day,
            returned,
        });
    }
}

/// Draws the events of one person over the window, attached to their records.
#[allow(clippy::too_many_arguments)]
pub(crate) fn draw(
    ids: &EventIds,
    rates: &EventRates,
    stores: &[Store],
    rng: &mut ChaCha8Rng,
    person: &Person,
    records: &[RecordRef],
    out: &mut Vec<(Event, u64)>,
) {
    let mut d = Drawer {
        ids,
        rates,
        window_start: day_number(rates.window_start),
        stores,
        person,
        window_days: i64::from(rates.window_days),
        counter: 0,
        orders: 0,
    };
    let mut past: Vec<PastOrder> = Vec::new();
    for record in records {
        let (first, share) = d.active(record);
        match record.channel {
            Channel::Store => {
                for _ in 0..poisson(rng, rates.store_purchases * share) {
                    if let Some(day) = d.day_in(rng, first) {
                        d.order(rng, out, record, day, &mut past);
                    }
                }
            }
            Channel::Web | Channel::App => {
                if record.channel == Channel::App {
                    for _ in 0..poisson(rng, rates.app_sessions * share) {
                        if let Some(day) = d.day_in(rng, first) {
                            let ts = d.timestamp(rng, day, (7, 23));
                            d.push(
                                out,
                                record,
                                Channel::App,
                                EventKind::AppSession,
                                ts,
                                None,
                                None,
                                None,
                                Vec::new(),
                            );
                        }
                    }
                }
                let mean = if record.channel == Channel::App {
                    rates.app_orders
                } else {
                    rates.web_orders
                };
                for _ in 0..poisson(rng, mean * share) {
                    if let Some(day) = d.day_in(rng, first) {
                        d.order(rng, out, record, day, &mut past);
                    }
                }
            }
            _ => {}
        }
    }
    // Calls last: a call may be about any earlier order, whatever its channel.
    for record in records.iter().filter(|r| r.channel == Channel::CallCentre) {
        let (first, share) = d.active(record);
        for _ in 0..poisson(rng, rates.calls * share) {
            let about =
                if !past.is_empty() && rng.random_bool(rates.call_about_order.clamp(0.0, 1.0)) {
                    let order = &past[rng.random_range(0..past.len())];
                    let day = order.day + rng.random_range(1..=20);
                    (day >= first && day < d.window_days).then(|| {
                        let reason = if order.returned || rng.random_bool(0.5) {
                            "refund"
                        } else {
                            "delivery"
                        };
                        (day, order.reference.clone(), reason)
                    })
                } else {
                    None
                };
            match about {
                Some((day, reference, reason)) => {
                    let ts = d.timestamp(rng, day, (9, 18));
                    let attributes = vec![("reason".to_owned(), reason.to_owned())];
                    d.push(
                        out,
                        record,
                        Channel::CallCentre,
                        EventKind::Call,
                        ts,
                        None,
                        Some(reference),
                        None,
                        attributes,
                    );
                }
                None => {
                    if let Some(day) = d.day_in(rng, first) {
                        let ts = d.timestamp(rng, day, (9, 18));
                        d.push(
                            out,
                            record,
                            Channel::CallCentre,
                            EventKind::Call,
                            ts,
                            None,
                            None,
                            None,
                            Vec::new(),
                        );
                    }
                }
            }
        }
    }
}
