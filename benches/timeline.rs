//! Timeline store: build time, "last 50 events of a customer", memory per event.
//!
//! Targets (issue 6): 20M events (1M customers × 20) built in ≤ 10 s on 2
//! cores; the last 50 events of a customer in a few µs; ≤ 64 bytes per event
//! beyond its strings and attributes.
//!
//! Sizes come from the environment so that a plain `cargo bench` stays short:
//!
//! - `OMNICANAL_BENCH_EVENTS` (default 1,000,000): events in the store;
//! - `OMNICANAL_BENCH_EVENTS_PER_CUSTOMER` (default 20).
//!
//! Full target: `OMNICANAL_BENCH_EVENTS=20000000 cargo bench --bench timeline`.

use std::collections::HashMap;
use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use jiff::Timestamp;
use omnicanal::timeline::{Currency, Event, EventKind, Money, RecordEvents, Timelines};
use omnicanal::{Channel, ClusterIndex, RecordId, SourceKey};

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(default)
}

/// `20M`, `1M`, `100k`, `500`: the size in bench names.
fn label(n: usize) -> String {
    match n {
        n if n >= 1_000_000 && n % 1_000_000 == 0 => format!("{}M", n / 1_000_000),
        n if n >= 1_000 && n % 1_000 == 0 => format!("{}k", n / 1_000),
        n => n.to_string(),
    }
}

/// A deterministic xorshift stream: no `rand` in the default dependencies.
struct Stream(u64);

impl Stream {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// Two records per customer (a loyalty card and a web account); events over
/// two years, a third of them carrying an order reference shared by an order,
/// its pickup and sometimes a return.
struct Data {
    events: Vec<Event>,
    keys: Vec<SourceKey>,
    customer_of_record: Vec<u32>,
    customers: u32,
}

fn data(n_events: usize, per_customer: usize) -> Data {
    let customers = n_events.div_ceil(per_customer.max(1)).max(1);
    let keys: Vec<SourceKey> = (0..2 * customers)
        .map(|r| {
            let (channel, id) = if r % 2 == 0 {
                (Channel::Store, format!("4{:09}", r / 2))
            } else {
                (Channel::Web, format!("A-{}", r / 2))
            };
            SourceKey {
                channel,
                id: id.into(),
            }
        })
        .collect();
    let customer_of_record: Vec<u32> = (0..2 * customers).map(|r| (r / 2) as u32).collect();
    let mut rng = Stream(0x9E37_79B9_7F4A_7C15);
    let start = 1_672_531_200; // 2023-01-01T00:00:00Z
    let events = (0..n_events)
        .map(|i| {
            let customer = i / per_customer.max(1);
            let r = rng.next();
            let web = r % 3 == 0;
            let record = 2 * customer + usize::from(web);
            let (channel, kind) = match r % 7 {
                0 => (Channel::Web, EventKind::Order),
                1 => (Channel::Store, EventKind::Pickup),
                2 => (Channel::Store, EventKind::Return),
                3 => (Channel::App, EventKind::AppSession),
                4 => (Channel::CallCentre, EventKind::Call),
                _ => (Channel::Store, EventKind::Purchase),
            };
            let has_order = matches!(
                kind,
                EventKind::Order | EventKind::Pickup | EventKind::Return
            );
            Event {
                id: format!("EV{i:010}"),
                source: keys[record].clone(),
                timestamp: Timestamp::from_second(start + (r >> 8) as i64 % 63_072_000)
                    .unwrap_or_default(),
                store: (channel == Channel::Store).then(|| format!("S{:03}", (r >> 40) % 400)),
                channel,
                kind,
                amount: Some(Money {
                    minor: ((r >> 20) % 20_000) as i64,
                    currency: Currency::EUR,
                }),
                order_ref: has_order.then(|| format!("CMD-{customer}-{}", (r >> 50) % 3)),
                attributes: if r % 50 == 0 {
                    vec![("paiement".into(), "cb".into())]
                } else {
                    vec![]
                },
            }
        })
        .collect();
    Data {
        events,
        keys,
        customer_of_record,
        customers: customers as u32,
    }
}

fn build(d: &Data, events: Vec<Event>) -> Timelines {
    let lookup: HashMap<&SourceKey, RecordId> = d
        .keys
        .iter()
        .enumerate()
        .map(|(i, k)| (k, RecordId(i as u32)))
        .collect();
    match Timelines::build(events, |k| lookup.get(k).copied(), &d.customer_of_record) {
        Ok(built) => {
            assert!(
                built.orphans.is_empty(),
                "every generated event has a record"
            );
            built.timelines
        }
        Err(e) => panic!("build failed: {e}"),
    }
}

fn timeline(c: &mut Criterion) {
    let n = env_usize("OMNICANAL_BENCH_EVENTS", 1_000_000);
    let per_customer = env_usize("OMNICANAL_BENCH_EVENTS_PER_CUSTOMER", 20);
    let size = label(n);
    let mut d = data(n, per_customer);
    let events = std::mem::take(&mut d.events);

    let mut group = c.benchmark_group("timeline");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(5));
    group.throughput(Throughput::Elements(n as u64));
    // Generation is not timed: each sample gets a fresh clone of the input.
    group.bench_function(BenchmarkId::new("build", &size), |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let input = events.clone();
                let t = Instant::now();
                let store = build(&d, input);
                total += t.elapsed();
                assert_eq!(store.len(), n);
                drop(black_box(store));
            }
            total
        })
    });

    let t = Instant::now();
    let store = build(&d, events);
    let once = t.elapsed();
    let m = store.memory();
    println!(
        "timeline/memory/{size}: {:.1} bytes/event beyond strings and attributes \
         ({:.1} total, {:.1} strings, {:.1} attributes); one build took {:.2?} on {} threads",
        m.overhead_per_event(),
        m.total as f64 / n as f64,
        m.string_bytes as f64 / n as f64,
        m.attribute_bytes as f64 / n as f64,
        once,
        rayon::current_num_threads(),
    );

    group.throughput(Throughput::Elements(1));
    let mut rng = Stream(42);
    group.bench_function(BenchmarkId::new("last50", &size), |b| {
        b.iter(|| {
            let customer = ClusterIndex((rng.next() % u64::from(d.customers)) as u32);
            let page = store
                .timeline(black_box(customer))
                .newest_first()
                .limit(50)
                .page();
            assert!(!page.events.is_empty());
            black_box(page.events.len())
        })
    });
    group.bench_function(BenchmarkId::new("last50_store_purchases", &size), |b| {
        b.iter(|| {
            let customer = ClusterIndex((rng.next() % u64::from(d.customers)) as u32);
            let page = store
                .timeline(black_box(customer))
                .channel(Channel::Store)
                .kind(EventKind::Purchase)
                .newest_first()
                .limit(50)
                .page();
            black_box(page.events.len())
        })
    });
    group.bench_function(BenchmarkId::new("journeys", &size), |b| {
        b.iter(|| {
            let customer = ClusterIndex((rng.next() % u64::from(d.customers)) as u32);
            black_box(store.journeys(black_box(customer)).len())
        })
    });
    group.finish();
}

/// The live store (`RecordEvents`): bulk load, push, and the phone-lookup
/// query "last 50 events of a customer with 3 records". Sized by
/// `OMNICANAL_BENCH_LIVE_EVENTS` (default 2,000,000) so that setup stays
/// short; 20 events per customer spread over 3 records.
fn live(c: &mut Criterion) {
    let n = env_usize("OMNICANAL_BENCH_LIVE_EVENTS", 2_000_000);
    let size = label(n);
    let mut d = data(n, 20);
    // Three records per customer: the card, the web account and an app
    // account (every seventh event), so that the query merges three lists.
    let records_of = |customer: u32| {
        [
            RecordId(3 * customer),
            RecordId(3 * customer + 1),
            RecordId(3 * customer + 2),
        ]
    };
    for (i, e) in d.events.iter_mut().enumerate() {
        if i % 7 == 0 {
            e.source = SourceKey {
                channel: Channel::App,
                id: format!("U-{}", i / 20).into(),
            };
        }
    }
    let events = std::mem::take(&mut d.events);
    let record_of = |k: &SourceKey| -> Option<RecordId> {
        let number = |s: &str| s.parse::<u32>().ok();
        match &k.channel {
            Channel::Store => number(k.id.get(1..)?).map(|c| RecordId(3 * c)),
            Channel::Web => number(k.id.get(2..)?).map(|c| RecordId(3 * c + 1)),
            Channel::App => number(k.id.get(2..)?).map(|c| RecordId(3 * c + 2)),
            _ => None,
        }
    };

    let mut group = c.benchmark_group("timeline/live");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(5));
    let t = Instant::now();
    let (mut store, orphans) = match RecordEvents::from_events(events.clone(), record_of) {
        Ok(built) => built,
        Err(e) => panic!("bulk load failed: {e}"),
    };
    let load = t.elapsed();
    assert!(orphans.is_empty(), "every generated event has a record");
    assert_eq!(store.len(), n);
    let m = store.memory();
    let t = Instant::now();
    let bytes = postcard::to_allocvec(&store).unwrap_or_default();
    let save = t.elapsed();
    let t = Instant::now();
    let back: Result<RecordEvents, _> = postcard::from_bytes(&bytes);
    let restore = t.elapsed();
    assert!(back.is_ok_and(|b| b.len() == n));
    println!(
        "timeline/live/memory/{size}: {:.1} bytes/event beyond strings and attributes \
         ({:.1} total, {:.1} strings, {:.1} attributes); from_events {:.2?}, \
         postcard save {:.2?} ({:.1} MB), load {:.2?}",
        m.overhead_per_event(),
        m.total as f64 / n as f64,
        m.string_bytes as f64 / n as f64,
        m.attribute_bytes as f64 / n as f64,
        load,
        save,
        bytes.len() as f64 / 1e6,
        restore,
    );
    drop(bytes);

    group.throughput(Throughput::Elements(n as u64));
    group.bench_function(BenchmarkId::new("from_events", &size), |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let input = events.clone();
                let t = Instant::now();
                let built = RecordEvents::from_events(input, record_of);
                total += t.elapsed();
                assert!(built.is_ok_and(|(s, _)| s.len() == n));
            }
            total
        })
    });
    drop(events);

    group.throughput(Throughput::Elements(1));
    let mut rng = Stream(7);
    let start = 1_672_531_200 + 63_072_000; // after every generated event
    let mut pushed = 0u64;
    group.bench_function(BenchmarkId::new("push", &size), |b| {
        b.iter_batched(
            || {
                pushed += 1;
                let customer = (rng.next() % u64::from(d.customers)) as u32;
                let event = Event {
                    id: format!("LIVE{pushed:010}"),
                    source: d.keys[2 * customer as usize].clone(),
                    timestamp: Timestamp::from_second(start + pushed as i64).unwrap_or_default(),
                    channel: Channel::Store,
                    kind: EventKind::Purchase,
                    amount: Some(Money {
                        minor: 1999,
                        currency: Currency::EUR,
                    }),
                    order_ref: None,
                    store: Some("S042".into()),
                    attributes: vec![],
                };
                (records_of(customer)[0], event)
            },
            |(record, event)| store.push(record, event),
            criterion::BatchSize::SmallInput,
        )
    });
    group.bench_function(BenchmarkId::new("last50_of_3_records", &size), |b| {
        b.iter(|| {
            let customer = (rng.next() % u64::from(d.customers)) as u32;
            let page = store
                .timeline(black_box(&records_of(customer)))
                .newest_first()
                .limit(50)
                .page();
            assert!(!page.events.is_empty());
            black_box(page.events.len())
        })
    });
    group.bench_function(BenchmarkId::new("last50_of_3_records_read", &size), |b| {
        b.iter(|| {
            let customer = (rng.next() % u64::from(d.customers)) as u32;
            let page = store
                .timeline(black_box(&records_of(customer)))
                .newest_first()
                .limit(50)
                .page();
            // What a screen shows: id, amount and store of each event.
            let shown: usize = page
                .events
                .iter()
                .map(|e| {
                    e.id().len() + usize::from(e.amount().is_some()) + e.store().map_or(0, str::len)
                })
                .sum();
            black_box(shown)
        })
    });
    group.finish();
}

criterion_group!(benches, timeline, live);
criterion_main!(benches);
