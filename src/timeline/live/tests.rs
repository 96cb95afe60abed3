//! Hand cases on French retail stories, and laws checked against a naive
//! model: every pushed event, sorted by (instant, channel name, sequence)
//! and filtered by hand.

use jiff::Timestamp;
use proptest::prelude::*;

use super::*;
use crate::timeline::{Cursor, Filter, JourneyStatus, Money, Order};

fn key(channel: Channel, id: &str) -> SourceKey {
    SourceKey::new(channel, id).unwrap()
}

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn event(id: &str, source: &SourceKey, at: &str, channel: Channel, kind: EventKind) -> Event {
    Event {
        id: id.into(),
        source: source.clone(),
        timestamp: ts(at),
        channel,
        kind,
        amount: None,
        order_ref: None,
        store: None,
        attributes: vec![],
    }
}

fn ids<'a>(events: impl IntoIterator<Item = LiveEventView<'a>>) -> Vec<String> {
    events.into_iter().map(|e| e.id().to_owned()).collect()
}

fn bytes_contain(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn merge_of_records_breaks_ties_on_channel_name_then_sequence() {
    let card = key(Channel::Store, "4001");
    let web = key(Channel::Web, "A-77");
    let at = "2024-06-01T09:00:00Z";
    let borne = Channel::Custom("borne".into());
    let mut store = RecordEvents::new();
    store
        .push(
            RecordId(3),
            event("web-1", &web, at, Channel::Web, EventKind::WebVisit),
        )
        .unwrap();
    store
        .push(
            RecordId(0),
            event("store-1", &card, at, Channel::Store, EventKind::Purchase),
        )
        .unwrap();
    // A custom channel arriving late still sorts by its name.
    store
        .push(
            RecordId(3),
            event("borne-1", &web, at, borne, EventKind::Order),
        )
        .unwrap();
    store
        .push(
            RecordId(3),
            event("store-2", &web, at, Channel::Store, EventKind::Pickup),
        )
        .unwrap();
    store
        .push(
            RecordId(0),
            event("app-1", &card, at, Channel::App, EventKind::AppSession),
        )
        .unwrap();
    store
        .push(
            RecordId(0),
            event(
                "early",
                &card,
                "2024-06-01T08:59:59.999999999Z",
                Channel::Web,
                EventKind::WebVisit,
            ),
        )
        .unwrap();
    let both = [RecordId(3), RecordId(0), RecordId(3)];
    let got = ids(store.timeline(&both).iter());
    assert_eq!(
        got,
        ["early", "app-1", "borne-1", "store-1", "store-2", "web-1"]
    );
    let mut reversed = got.clone();
    reversed.reverse();
    assert_eq!(ids(store.timeline(&both).newest_first().iter()), reversed);
    assert_eq!(
        ids(store.timeline(&[RecordId(0)]).iter()),
        ["early", "app-1", "store-1"]
    );
    assert_eq!(store.timeline(&[RecordId(9)]).count(), 0);
    assert_eq!(store.events_of(RecordId(3)), 3);
    assert_eq!(store.source_of(RecordId(3)), Some(web));
    assert_eq!(
        store.records().collect::<Vec<_>>(),
        [RecordId(0), RecordId(3)]
    );
}

#[test]
fn views_give_back_the_pushed_event() {
    let web = key(Channel::Web, "A-77");
    let card = key(Channel::Store, "4001");
    let full = Event {
        id: "RET-5".into(),
        source: card.clone(),
        timestamp: ts("2024-03-09T16:20:00+01:00"),
        channel: Channel::Store,
        kind: EventKind::Return,
        amount: Some(Money::parse_decimal("-45,99", Currency::EUR).unwrap()),
        order_ref: Some("CMD-2024-1183".into()),
        store: Some("LYO-02".into()),
        attributes: vec![("motif".into(), "taille trop petite".into())],
    };
    let mut store = RecordEvents::new();
    store
        .push(
            RecordId(1),
            event(
                "CMD-1",
                &web,
                "2024-03-01T10:00:00Z",
                Channel::Web,
                EventKind::Order,
            ),
        )
        .unwrap();
    // Pushed to the web account's record, though its source is the card.
    store.push(RecordId(1), full.clone()).unwrap();
    let page = store
        .timeline(&[RecordId(1)])
        .newest_first()
        .limit(1)
        .page();
    let view = page.events[0];
    assert_eq!(view.to_event(), full);
    assert_eq!(view.source(), card);
    assert_eq!(view.record(), RecordId(1));
    assert_eq!(view.sequence(), 1);
    assert_eq!(
        view.attributes().collect::<Vec<_>>(),
        [("motif", "taille trop petite")]
    );
    let debug = format!("{view:?}");
    assert!(
        !debug.contains("taille") && !debug.contains("4599"),
        "{debug}"
    );
    let first = store.timeline(&[RecordId(1)]).limit(1).page().events[0];
    assert_eq!(first.source(), web);
    assert_eq!(first.amount(), None);
}

#[test]
fn journeys_follow_an_order_across_the_web_account_and_the_card() {
    let web = key(Channel::Web, "A-77");
    let card = key(Channel::Store, "4001");
    let with_ref = |mut e: Event, r: &str, shop: Option<&str>| {
        e.order_ref = Some(r.into());
        e.store = shop.map(Into::into);
        e
    };
    let mut store = RecordEvents::new();
    let pushes = [
        (
            RecordId(0),
            with_ref(
                event(
                    "o1",
                    &web,
                    "2024-03-01T10:00:00Z",
                    Channel::Web,
                    EventKind::Order,
                ),
                "CMD-1",
                None,
            ),
        ),
        (
            RecordId(0),
            with_ref(
                event(
                    "p1",
                    &web,
                    "2024-03-04T17:00:00Z",
                    Channel::Store,
                    EventKind::Pickup,
                ),
                "CMD-1",
                Some("PAR-11"),
            ),
        ),
        (
            RecordId(1),
            with_ref(
                event(
                    "r1",
                    &card,
                    "2024-03-09T11:00:00Z",
                    Channel::Store,
                    EventKind::Return,
                ),
                "CMD-1",
                Some("LYO-02"),
            ),
        ),
        (
            RecordId(1),
            with_ref(
                event(
                    "o2",
                    &card,
                    "2024-02-01T10:00:00Z",
                    Channel::Web,
                    EventKind::Order,
                ),
                "CMD-2",
                None,
            ),
        ),
        (
            RecordId(1),
            event(
                "t1",
                &card,
                "2024-02-02T10:00:00Z",
                Channel::Store,
                EventKind::Purchase,
            ),
        ),
    ];
    for (r, e) in pushes {
        store.push(r, e).unwrap();
    }
    let journeys = store.timeline(&[RecordId(0), RecordId(1)]).journeys();
    let summary: Vec<(&str, JourneyStatus, Vec<String>)> = journeys
        .iter()
        .map(|j| (j.order_ref, j.status, ids(j.events.iter().copied())))
        .collect();
    assert_eq!(
        summary,
        [
            ("CMD-2", JourneyStatus::Ordered, vec!["o2".to_owned()]),
            (
                "CMD-1",
                JourneyStatus::Returned,
                vec!["o1".into(), "p1".into(), "r1".into()]
            ),
        ]
    );
    assert_eq!(journeys[1].stores, ["PAR-11", "LYO-02"]);
    assert_eq!(journeys[1].channels, [&Channel::Store, &Channel::Web]);
    // The card alone sees only the return of CMD-1.
    let card_only = store.timeline(&[RecordId(1)]).journeys();
    assert_eq!(card_only[1].status, JourneyStatus::Returned);
    assert_eq!(card_only[1].events.len(), 1);
}

#[test]
fn erasure_leaves_no_byte_of_the_record_and_keeps_the_others() {
    let dupont = key(Channel::Store, "4000123456");
    let martin = key(Channel::Web, "martin.l@example.fr");
    let mut store = RecordEvents::new();
    let secret_amount = 0x0DEA_DBEE_i64;
    for i in 0..5 {
        let mut e = event(
            &format!("TCK-DUPONT-{i}"),
            &dupont,
            "2024-05-01T10:00:00Z",
            Channel::Store,
            EventKind::Purchase,
        );
        e.order_ref = Some(format!("CMD-DUPONT-{i}"));
        e.store = Some("MAGASIN-SECRET-42".into());
        e.amount = Some(Money {
            minor: secret_amount,
            currency: Currency::EUR,
        });
        e.attributes = vec![("carte-cadeau".into(), "KDO-ZZ-991".into())];
        store.push(RecordId(0), e).unwrap();
        let mut other = event(
            &format!("W-{i}"),
            &martin,
            "2024-05-01T10:00:00Z",
            Channel::Web,
            EventKind::Order,
        );
        other.store = Some("PAR-11".into());
        store.push(RecordId(1), other).unwrap();
    }
    let before: Vec<Event> = store
        .timeline(&[RecordId(1)])
        .iter()
        .map(|v| v.to_event())
        .collect();
    let bytes = postcard::to_allocvec(&store).unwrap();
    assert!(
        bytes_contain(&bytes, b"TCK-DUPONT-3"),
        "the search can find what is there"
    );

    assert_eq!(store.erase_record(RecordId(0)), 5);
    assert_eq!(store.erase_record(RecordId(0)), 0);
    assert_eq!(store.erase_record(RecordId(77)), 0);
    assert_eq!(store.len(), 5);
    assert_eq!(store.events_of(RecordId(0)), 0);
    assert_eq!(store.source_of(RecordId(0)), None);
    let after: Vec<Event> = store
        .timeline(&[RecordId(0), RecordId(1)])
        .iter()
        .map(|v| v.to_event())
        .collect();
    assert_eq!(after, before);

    let bytes = postcard::to_allocvec(&store).unwrap();
    let mut amount = Vec::new();
    blob::tests_support::varint(&mut amount, secret_amount);
    for needle in [
        &b"DUPONT"[..],
        b"4000123456",
        b"MAGASIN-SECRET",
        b"carte-cadeau",
        b"KDO-ZZ-991",
        &amount,
    ] {
        assert!(
            !bytes_contain(&bytes, needle),
            "{:?} survived",
            String::from_utf8_lossy(needle)
        );
    }
    assert_only_live_bytes_remain(&store);
    // The slot takes events again.
    store
        .push(
            RecordId(0),
            event(
                "NEW-1",
                &martin,
                "2024-06-01T10:00:00Z",
                Channel::Web,
                EventKind::Call,
            ),
        )
        .unwrap();
    assert_eq!(store.source_of(RecordId(0)), Some(martin));
}

/// White-box: every arena byte outside the live blobs is zero.
fn assert_only_live_bytes_remain(store: &RecordEvents) {
    let mut live: Vec<Vec<bool>> = store
        .arena
        .chunks
        .iter()
        .map(|c| vec![false; c.len()])
        .collect();
    let mut mark = |r: u64, len: usize| {
        let (chunk, offset) = blob::split_ref(r);
        for b in &mut live[chunk][offset..offset + len] {
            *b = true;
        }
    };
    for slot in &store.records {
        if slot.key != NO_REF {
            mark(
                slot.key,
                blob::parse_key(store.arena.tail(slot.key)).unwrap().2,
            );
        }
        for e in &slot.entries {
            mark(
                e.blob(),
                blob::parse_event(store.arena.tail(e.blob())).unwrap().len,
            );
        }
    }
    for (chunk, live) in store.arena.chunks.iter().zip(&live) {
        for (byte, live) in chunk.iter().zip(live) {
            assert!(*live || *byte == 0, "a dead byte is not zero");
        }
    }
}

#[test]
fn compaction_drops_garbage_and_keeps_every_event() {
    let mut store = RecordEvents::new();
    for r in 0..200u32 {
        let k = key(Channel::Store, &format!("4{r:09}"));
        for i in 0..50 {
            let mut e = event(
                &format!("EV-{r}-{i}"),
                &k,
                "2024-01-01T00:00:00Z",
                Channel::Store,
                EventKind::Purchase,
            );
            e.timestamp = Timestamp::from_second(1_700_000_000 + i64::from(i * 7 % 13)).unwrap();
            e.attributes = vec![("note".into(), "x".repeat(200))];
            store.push(RecordId(r), e).unwrap();
        }
    }
    let kept: Vec<Event> = (120..200)
        .flat_map(|r| {
            store
                .timeline(&[RecordId(r)])
                .iter()
                .map(|v| v.to_event())
                .collect::<Vec<_>>()
        })
        .collect();
    let used_before = store.arena.used();
    for r in 0..120 {
        store.erase_record(RecordId(r));
    }
    // Half the arena was garbage past the threshold: compaction ran.
    assert!(store.arena.garbage < COMPACT_MIN_GARBAGE);
    assert!(store.arena.used() < used_before * 6 / 10);
    let after: Vec<Event> = (120..200)
        .flat_map(|r| {
            store
                .timeline(&[RecordId(r)])
                .iter()
                .map(|v| v.to_event())
                .collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(after, kept);
    assert_only_live_bytes_remain(&store);
    // Garbage erased after the automatic compaction counts as overhead
    // until the next one.
    store.compact();
    assert_eq!(store.arena.garbage, 0);
    let m = store.memory();
    assert_eq!(m.events, 4_000);
    assert!(m.overhead_per_event() < 64.0, "{m:?}");
}

#[test]
fn absurd_record_ids_and_full_tables_are_refused_without_change() {
    let card = key(Channel::Store, "4001");
    let mut store = RecordEvents::new();
    let e = event(
        "T1",
        &card,
        "2024-01-01T00:00:00Z",
        Channel::Store,
        EventKind::Purchase,
    );
    assert!(store.push(RecordId(u32::MAX), e.clone()).is_err());
    assert!(
        store
            .push(RecordId(RECORD_HEADROOM as u32 + 1), e.clone())
            .is_err()
    );
    assert!(store.is_empty());
    assert_eq!(store.next_sequence(), 0);
    for k in 0..MAX_TABLE_ENTRIES {
        let mut e = e.clone();
        e.kind = EventKind::Custom(format!("k{k}"));
        store.push(RecordId(0), e).unwrap();
    }
    let mut extra = e.clone();
    extra.kind = EventKind::Custom("one_too_many".into());
    assert!(store.push(RecordId(0), extra).is_err());
    assert_eq!(store.len(), MAX_TABLE_ENTRIES);
}

#[test]
fn memory_per_event_stays_under_budget_at_a_realistic_shape() {
    // 2 records per customer, 10 events each, pushed interleaved.
    let mut store = RecordEvents::new();
    for i in 0..40_000u32 {
        let r = i % 4_000;
        let k = key(
            if r % 2 == 0 {
                Channel::Store
            } else {
                Channel::Web
            },
            &format!("K{r:08}"),
        );
        let mut e = event(
            &format!("EV{i:010}"),
            &k,
            "2024-01-01T00:00:00Z",
            Channel::Store,
            EventKind::Purchase,
        );
        e.timestamp = Timestamp::from_second(1_700_000_000 + i64::from(i)).unwrap();
        e.amount = Some(Money {
            minor: i64::from(i % 20_000),
            currency: Currency::EUR,
        });
        e.store = Some(format!("S{:03}", i % 400));
        store.push(RecordId(r), e).unwrap();
    }
    let m = store.memory();
    assert!(
        m.overhead_per_event() <= 64.0,
        "{:.1} bytes/event",
        m.overhead_per_event()
    );
    let (bulk, _) = RecordEvents::from_events(
        store
            .timeline(&(0..4_000).map(RecordId).collect::<Vec<_>>())
            .iter()
            .map(|v| v.to_event())
            .collect(),
        |k| k.id.get(1..).and_then(|n| n.parse().ok()).map(RecordId),
    )
    .unwrap();
    assert!(
        bulk.memory().overhead_per_event() <= 48.0,
        "{:?}",
        bulk.memory()
    );
}

// ---- Laws against the model ----

const RECORDS: u32 = 6;

fn channel_of(i: u8) -> Channel {
    match i % 6 {
        0 => Channel::Store,
        1 => Channel::Web,
        2 => Channel::App,
        3 => Channel::CallCentre,
        4 => Channel::Custom("borne".into()),
        _ => Channel::Custom("marketplace".into()),
    }
}

fn kind_of(i: u8) -> EventKind {
    match i % 5 {
        0 => EventKind::Purchase,
        1 => EventKind::Order,
        2 => EventKind::Pickup,
        3 => EventKind::Return,
        _ => EventKind::Custom("sav".into()),
    }
}

fn record_key(r: u32) -> SourceKey {
    key(
        if r % 2 == 0 {
            Channel::Store
        } else {
            Channel::Web
        },
        &format!("K-{r}"),
    )
}

prop_compose! {
    fn arb_event()(
        record in 0..RECORDS,
        own_source in prop::bool::weighted(0.15),
        second in -3i64..4,
        nanos in prop::sample::select(vec![0i32, 1, 999_999_999]),
        channel in 0u8..6,
        kind in 0u8..5,
        amount in prop::option::of(-5_000i64..5_000),
        order_ref in prop::option::of(0u8..3),
        shop in prop::option::of("[A-Z]{3}-[0-9]{2}"),
        attributes in prop::collection::vec(("[a-z]{0,4}", "\\PC{0,6}"), 0..2),
        id in "[A-Z0-9-]{1,12}",
    ) -> (RecordId, Event) {
        let source = if own_source { key(Channel::App, &format!("alt-{record}")) } else { record_key(record) };
        (RecordId(record), Event {
            id,
            source,
            timestamp: Timestamp::new(1_700_000_000 * (second.signum()) + second, nanos).unwrap(),
            channel: channel_of(channel),
            kind: kind_of(kind),
            amount: amount.map(|minor| Money { minor, currency: if minor % 7 == 0 { "CHF".parse().unwrap() } else { Currency::EUR } }),
            order_ref: order_ref.map(|r| format!("CMD-{r}")),
            store: shop,
            attributes,
        })
    }
}

prop_compose! {
    fn arb_filter()(
        from in prop::option::of(-3i64..4),
        to in prop::option::of(-3i64..4),
        channels in prop::collection::vec(0u8..7, 0..3),
        kinds in prop::collection::vec(0u8..6, 0..2),
    ) -> Filter {
        let at = |s: i64| Timestamp::from_second(1_700_000_000 * s.signum() + s).unwrap();
        Filter {
            from: from.map(at),
            to: to.map(at),
            // 6 is a channel the store never saw.
            channels: channels.into_iter().map(|c| if c == 6 { Channel::Custom("kiosque".into()) } else { channel_of(c) }).collect(),
            kinds: kinds.into_iter().map(|k| if k == 5 { EventKind::Invoice } else { kind_of(k) }).collect(),
        }
    }
}

/// Every pushed event with its record and sequence, in push order.
#[derive(Default, Clone)]
struct Model {
    events: Vec<(RecordId, u32, Event)>,
}

impl Model {
    fn push(&mut self, store: &mut RecordEvents, record: RecordId, e: Event) {
        let seq = store.next_sequence();
        store.push(record, e.clone()).unwrap();
        self.events.push((record, seq, e));
    }

    /// The records' events, filtered, sorted by (instant, channel name,
    /// sequence), as (sequence, event).
    fn timeline(&self, records: &[RecordId], filter: &Filter, order: Order) -> Vec<(u32, Event)> {
        let mut out: Vec<(u32, Event)> = self
            .events
            .iter()
            .filter(|(r, _, e)| {
                records.contains(r)
                    && filter.from.is_none_or(|f| e.timestamp >= f)
                    && filter.to.is_none_or(|t| e.timestamp < t)
                    && (filter.channels.is_empty()
                        || filter.channels.iter().any(|c| c.name() == e.channel.name()))
                    && (filter.kinds.is_empty() || filter.kinds.contains(&e.kind))
            })
            .map(|(_, s, e)| (*s, e.clone()))
            .collect();
        out.sort_by(|a, b| {
            (a.1.timestamp, a.1.channel.name(), a.0).cmp(&(b.1.timestamp, b.1.channel.name(), b.0))
        });
        if order == Order::NewestFirst {
            out.reverse();
        }
        out
    }
}

fn got(q: &LiveTimelineQuery<'_>) -> Vec<(u32, Event)> {
    q.iter().map(|v| (v.sequence(), v.to_event())).collect()
}

fn records_of(mask: u8) -> Vec<RecordId> {
    (0..RECORDS)
        .filter(|r| mask & (1 << r) != 0)
        .map(RecordId)
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    // The merged timeline equals the model under any filter, both orders.
    #[test]
    fn merged_timeline_equals_the_model(
        pushes in prop::collection::vec(arb_event(), 0..80),
        queries in prop::collection::vec((0u8..64, arb_filter(), any::<bool>()), 1..6),
    ) {
        let mut store = RecordEvents::new();
        let mut model = Model::default();
        for (r, e) in pushes {
            model.push(&mut store, r, e);
        }
        for (mask, filter, newest) in queries {
            let records = records_of(mask);
            let order = if newest { Order::NewestFirst } else { Order::OldestFirst };
            let q = store.timeline(&records).filter(filter.clone()).order(order);
            let want = model.timeline(&records, &filter, order);
            prop_assert_eq!(q.count(), want.len());
            prop_assert_eq!(got(&q), want);
        }
    }

    // Concatenated pages are the full iteration; with events pushed between
    // pages, each page is exactly the current store's first events past the
    // cursor, so nothing read repeats and nothing past the cursor is lost.
    #[test]
    fn pages_concatenate_even_when_events_arrive_between_them(
        pushes in prop::collection::vec(arb_event(), 0..60),
        arrivals in prop::collection::vec(prop::collection::vec(arb_event(), 0..4), 0..20),
        mask in 1u8..64,
        filter in arb_filter(),
        newest in any::<bool>(),
        limit in 1usize..7,
    ) {
        let mut store = RecordEvents::new();
        let mut model = Model::default();
        for (r, e) in pushes {
            model.push(&mut store, r, e);
        }
        let records = records_of(mask);
        let order = if newest { Order::NewestFirst } else { Order::OldestFirst };
        fn q<'s>(store: &'s RecordEvents, after: Option<&Cursor>, records: &[RecordId], filter: &Filter, order: Order, limit: usize) -> LiveTimelineQuery<'s> {
            let q = store.timeline(records).filter(filter.clone()).order(order).limit(limit);
            match after { Some(c) => q.after(c), None => q }
        }
        // Quiet store: pages concatenate to the full iteration.
        let full = got(&q(&store, None, &records, &filter, order, usize::MAX));
        let mut pages = Vec::new();
        let mut cursor: Option<Cursor> = None;
        loop {
            let page = q(&store, cursor.as_ref(), &records, &filter, order, limit).page();
            prop_assert!(page.events.len() <= limit);
            pages.extend(page.events.iter().map(|v| (v.sequence(), v.to_event())));
            match page.next { Some(c) => cursor = Some(c), None => break }
        }
        prop_assert_eq!(pages, full);

        // Busy store.
        let mut arrivals = arrivals.into_iter();
        let mut seen: Vec<u32> = Vec::new();
        let mut cursor: Option<Cursor> = None;
        for _ in 0..200 {
            let page = q(&store, cursor.as_ref(), &records, &filter, order, limit).page();
            let all_past = {
                let everything = model.timeline(&records, &filter, order);
                let skip = match &cursor {
                    None => 0,
                    Some(_) => {
                        let last = seen.last().copied();
                        everything.iter().position(|(s, _)| Some(*s) == last).map_or(0, |p| p + 1)
                    }
                };
                everything[skip..].iter().take(limit).map(|(s, _)| *s).collect::<Vec<_>>()
            };
            let this: Vec<u32> = page.events.iter().map(|v| v.sequence()).collect();
            prop_assert_eq!(&this, &all_past);
            for s in &this {
                prop_assert!(!seen.contains(s), "an event was read twice");
            }
            seen.extend(this);
            let Some(next) = page.next else { break };
            cursor = Some(next);
            for (r, e) in arrivals.next().unwrap_or_default() {
                model.push(&mut store, r, e);
            }
        }
    }

    // Nothing lost: every event is in exactly its record's timeline; erasing
    // a record removes exactly its events; bulk load equals pushing; serde
    // round trips to an equal store.
    #[test]
    fn erase_bulk_and_serde_keep_every_other_event(
        pushes in prop::collection::vec(arb_event(), 0..80),
        erase in prop::collection::vec(0..RECORDS + 1, 0..3),
        orphan_record in 0..RECORDS + 1,
    ) {
        let mut store = RecordEvents::new();
        let mut model = Model::default();
        for (r, e) in pushes.iter().cloned() {
            model.push(&mut store, r, e);
        }
        let everything = Filter::default();
        for r in 0..RECORDS + 1 {
            let r = RecordId(r);
            let mine = model.timeline(&[r], &everything, Order::OldestFirst);
            prop_assert_eq!(store.events_of(r), mine.len());
            prop_assert_eq!(got(&store.timeline(&[r])), mine);
        }
        prop_assert_eq!(store.len(), pushes.len());

        // Bulk: keys of `orphan_record` are unknown.
        let (bulk, orphans) = RecordEvents::from_events(
            pushes.iter().map(|(_, e)| e.clone()).collect(),
            |k| model.events.iter().find(|(_, _, e)| &e.source == k).map(|(r, _, _)| *r).filter(|r| r.0 != orphan_record),
        ).unwrap();
        let mut pushed = RecordEvents::new();
        let mut orphaned = Vec::new();
        for (r, e) in pushes.iter().cloned() {
            // Keys resolve to the record of their first event, as `record_of` does.
            let r = model.events.iter().find(|(_, _, x)| x.source == e.source).map_or(r, |(r, _, _)| *r);
            if r.0 == orphan_record {
                orphaned.push(e);
                // Orphans use up their sequence in bulk; match it.
                pushed.next_seq += 1;
            } else {
                pushed.push(r, e).unwrap();
            }
        }
        prop_assert!(bulk == pushed);
        prop_assert_eq!(orphans.into_iter().map(|o| o.event).collect::<Vec<_>>(), orphaned);

        let bytes = postcard::to_allocvec(&store).unwrap();
        let back: RecordEvents = postcard::from_bytes(&bytes).unwrap();
        prop_assert!(back == store);
        prop_assert_eq!(back.memory().string_bytes, store.memory().string_bytes);
        prop_assert_eq!(back.memory().attribute_bytes, store.memory().attribute_bytes);

        for r in erase {
            let r = RecordId(r);
            let n = model.events.iter().filter(|(x, _, _)| *x == r).count();
            prop_assert_eq!(store.erase_record(r), n);
            model.events.retain(|(x, _, _)| *x != r);
        }
        let all = records_of(u8::MAX);
        prop_assert_eq!(got(&store.timeline(&all)), model.timeline(&all, &everything, Order::OldestFirst));
        prop_assert_eq!(store.len(), model.events.len());
        assert_only_live_bytes_remain(&store);
        let before = store.clone();
        store.compact();
        prop_assert!(store == before);
        prop_assert_eq!(store.arena.garbage, 0);
        let back: RecordEvents = postcard::from_bytes(&postcard::to_allocvec(&store).unwrap()).unwrap();
        prop_assert!(back == store);
        let m = store.memory();
        prop_assert_eq!(m.string_bytes, model.events.iter().map(|(_, _, e)| e.id.len()
            + e.order_ref.as_ref().map_or(0, String::len) + e.store.as_ref().map_or(0, String::len)).sum::<usize>()
            + source_bytes(&store));
    }

    // Malformed snapshots are refused with an error or load into a store
    // whose readers are total; never a panic.
    #[test]
    fn mutated_snapshots_never_panic(
        pushes in prop::collection::vec(arb_event(), 1..30),
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
        cut in any::<prop::sample::Index>(),
    ) {
        let mut store = RecordEvents::new();
        for (r, e) in pushes {
            store.push(r, e).unwrap();
        }
        let mut bytes = postcard::to_allocvec(&store).unwrap();
        for (at, value) in flips {
            let i = at.index(bytes.len());
            bytes[i] = value;
        }
        for input in [&bytes[..], &bytes[..cut.index(bytes.len())]] {
            if let Ok(back) = postcard::from_bytes::<RecordEvents>(input) {
                let all = records_of(u8::MAX);
                for v in back.timeline(&all).iter() {
                    let _ = (v.to_event(), v.cursor());
                }
                let _ = back.timeline(&all).journeys();
                let mut back = back;
                back.erase_record(RecordId(0));
                back.compact();
            }
        }
    }
}

/// Bytes of the record keys' ids and events' own source ids.
fn source_bytes(store: &RecordEvents) -> usize {
    let keys: usize = (0..store.records.len() as u32)
        .filter_map(|r| store.source_of(RecordId(r)))
        .map(|k| k.id.len())
        .sum();
    let own: usize = store
        .records
        .iter()
        .flat_map(|s| &s.entries)
        .filter_map(|e| blob::parse_event(store.arena.tail(e.blob()))?.own_source)
        .map(|(_, id)| id.len())
        .sum();
    keys + own
}

#[test]
fn garbage_snapshots_are_refused() {
    assert!(postcard::from_bytes::<RecordEvents>(&[]).is_err());
    assert!(postcard::from_bytes::<RecordEvents>(&[7, 0, 0, 0, 0]).is_err());
    let empty = postcard::to_allocvec(&RecordEvents::new()).unwrap();
    assert_eq!(
        postcard::from_bytes::<RecordEvents>(&empty).unwrap(),
        RecordEvents::new()
    );
}
