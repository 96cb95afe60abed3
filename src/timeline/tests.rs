//! Hand cases on French retail stories, and laws checked against a naive
//! model (sort everything, filter by hand).

use std::collections::HashMap;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use proptest::prelude::*;

use super::*;
use crate::cluster::ClusterIndex;
use crate::record::{Channel, RecordId, SourceKey};

fn key(channel: Channel, id: &str) -> SourceKey {
    SourceKey::new(channel, id).unwrap()
}

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn event(id: &str, source: &SourceKey, at: Timestamp, channel: Channel, kind: EventKind) -> Event {
    Event {
        id: id.into(),
        source: source.clone(),
        timestamp: at,
        channel,
        kind,
        amount: None,
        order_ref: None,
        store: None,
        attributes: vec![],
    }
}

fn ids<'a>(events: impl IntoIterator<Item = EventView<'a>>) -> Vec<String> {
    events.into_iter().map(|e| e.id().to_owned()).collect()
}

fn euros(s: &str) -> Option<Money> {
    Some(Money::parse_decimal(s, Currency::EUR).unwrap())
}

#[test]
fn ties_break_on_channel_name_then_input_order() {
    let card = key(Channel::Store, "4001");
    let at = ts("2024-06-01T09:00:00Z");
    let market = Channel::Custom("marketplace".into());
    let events = vec![
        event("web-1", &card, at, Channel::Web, EventKind::WebVisit),
        event("store-1", &card, at, Channel::Store, EventKind::Purchase),
        event("mk-1", &card, at, market.clone(), EventKind::Order),
        event("store-2", &card, at, Channel::Store, EventKind::Purchase),
        event("call-1", &card, at, Channel::CallCentre, EventKind::Call),
        event("app-1", &card, at, Channel::App, EventKind::AppSession),
        event(
            "early",
            &card,
            ts("2024-06-01T08:59:59.999999999Z"),
            Channel::Web,
            EventKind::WebVisit,
        ),
    ];
    let store = Timelines::build_with_keys(events, &[card], &[0])
        .unwrap()
        .timelines;
    let got = ids(store.timeline(ClusterIndex(0)).iter());
    assert_eq!(
        got,
        [
            "early", "app-1", "call-1", "mk-1", "store-1", "store-2", "web-1"
        ]
    );
    let newest = ids(store.timeline(ClusterIndex(0)).newest_first().iter());
    let mut reversed = got.clone();
    reversed.reverse();
    assert_eq!(newest, reversed);
}

#[test]
fn dst_fold_orders_by_instant_not_by_civil_time() {
    // On 2024-10-27 Paris clocks go from 03:00 CEST back to 02:00 CET: 02:30
    // happens at 00:30Z and again at 01:30Z.
    let paris = TimeZone::get("Europe/Paris").unwrap();
    let first_0230 = ts("2024-10-27T02:30:00+02:00");
    let second_0230 = ts("2024-10-27T02:30:00+01:00");
    let between = ts("2024-10-27T02:45:00+02:00");
    for t in [first_0230, second_0230] {
        assert_eq!(
            t.to_zoned(paris.clone()).datetime().to_string(),
            "2024-10-27T02:30:00"
        );
    }
    let card = key(Channel::Store, "4001");
    let events = vec![
        event(
            "second-0230",
            &card,
            second_0230,
            Channel::Store,
            EventKind::Purchase,
        ),
        event(
            "0245-cest",
            &card,
            between,
            Channel::Store,
            EventKind::Purchase,
        ),
        event(
            "first-0230",
            &card,
            first_0230,
            Channel::Store,
            EventKind::Return,
        ),
    ];
    let store = Timelines::build_with_keys(events, &[card], &[3])
        .unwrap()
        .timelines;
    assert_eq!(
        ids(store.timeline(ClusterIndex(3)).iter()),
        ["first-0230", "0245-cest", "second-0230"]
    );
    // A time filter is on instants too: the hour after the first 02:30.
    let hour = store
        .timeline(ClusterIndex(3))
        .from(first_0230)
        .to(ts("2024-10-27T01:30:00Z"))
        .iter();
    assert_eq!(ids(hour), ["first-0230", "0245-cest"]);
}

/// A web account and a loyalty card resolved into one customer; a second
/// customer who (a household member?) quotes the same order reference.
fn click_and_collect() -> (Timelines, Vec<Orphan>) {
    let web = key(Channel::Web, "A-77");
    let card = key(Channel::Store, "4001234");
    let other = key(Channel::CallCentre, "C-9");
    let mut order = event(
        "W-1001",
        &web,
        ts("2024-03-01T19:12:00+01:00"),
        Channel::Web,
        EventKind::Order,
    );
    order.amount = euros("59,90");
    order.order_ref = Some("CMD-2024-1001".into());
    order.attributes = vec![("paiement".into(), "cb".into())];
    let mut pickup = event(
        "P-77",
        &web,
        ts("2024-03-03T11:05:00+01:00"),
        Channel::Store,
        EventKind::Pickup,
    );
    pickup.order_ref = Some("CMD-2024-1001".into());
    pickup.store = Some("PAR-11".into());
    let mut ret = event(
        "R-5",
        &card,
        ts("2024-03-10T16:40:00+01:00"),
        Channel::Store,
        EventKind::Return,
    );
    ret.amount = euros("-19,90");
    ret.order_ref = Some("CMD-2024-1001".into());
    ret.store = Some("LYO-02".into());
    let mut purchase = event(
        "T-9",
        &card,
        ts("2024-03-02T10:00:00+01:00"),
        Channel::Store,
        EventKind::Purchase,
    );
    purchase.amount = euros("12,50");
    purchase.store = Some("PAR-11".into());
    let mut pending = event(
        "W-1002",
        &web,
        ts("2024-03-12T08:00:00+01:00"),
        Channel::Web,
        EventKind::Order,
    );
    pending.order_ref = Some("CMD-2024-1002".into());
    let mut call = event(
        "CALL-1",
        &other,
        ts("2024-03-04T09:00:00+01:00"),
        Channel::CallCentre,
        EventKind::Call,
    );
    call.order_ref = Some("CMD-2024-1001".into());
    let stray = event(
        "X-1",
        &key(Channel::App, "unknown"),
        ts("2024-03-04T09:00:00Z"),
        Channel::App,
        EventKind::AppSession,
    );
    let built = Timelines::build_with_keys(
        vec![ret, call, pending, order, stray, purchase, pickup],
        &[web, card, other],
        &[0, 0, 1],
    )
    .unwrap();
    (built.timelines, built.orphans)
}

#[test]
fn click_and_collect_then_return_in_another_store_is_one_journey() {
    let (store, orphans) = click_and_collect();
    assert_eq!(orphans.len(), 1);
    assert_eq!(orphans[0].event.id, "X-1");
    assert_eq!(orphans[0].reason, OrphanReason::UnknownSource);

    let journeys = store.journeys(ClusterIndex(0));
    assert_eq!(journeys.len(), 2);
    let j = &journeys[0];
    assert_eq!(j.order_ref, "CMD-2024-1001");
    assert_eq!(ids(j.events.iter().copied()), ["W-1001", "P-77", "R-5"]);
    let channels: Vec<&str> = j.channels.iter().map(|c| c.name()).collect();
    assert_eq!(channels, ["store", "web"]);
    assert_eq!(j.stores, ["PAR-11", "LYO-02"]);
    assert_eq!(j.first, ts("2024-03-01T18:12:00Z"));
    assert_eq!(j.last, ts("2024-03-10T15:40:00Z"));
    assert_eq!(j.status, JourneyStatus::Returned);
    assert_eq!(j.events[0].amount().map(|m| m.minor), Some(5990));
    assert_eq!(j.events[2].amount().map(|m| m.minor), Some(-1990));
    // The return came through the loyalty card, the order through the web account.
    assert_eq!(j.events[0].source(), key(Channel::Web, "A-77"));
    assert_eq!(j.events[2].record(), RecordId(1));

    assert_eq!(journeys[1].order_ref, "CMD-2024-1002");
    assert_eq!(journeys[1].status, JourneyStatus::Ordered);

    // Customer 1's call quoting the same order is theirs alone, and reported.
    let theirs = store.journeys(ClusterIndex(1));
    assert_eq!(theirs.len(), 1);
    assert_eq!(theirs[0].status, JourneyStatus::Mentioned);
    assert_eq!(
        store.shared_order_refs(),
        [SharedOrderRef {
            order_ref: "CMD-2024-1001".into(),
            customers: vec![ClusterIndex(0), ClusterIndex(1)],
        }]
    );
    assert!(store.journeys(ClusterIndex(42)).is_empty());
}

#[test]
fn journey_status_rules() {
    let card = key(Channel::Store, "1");
    let with_ref = |id: &str, minute: u32, kind: EventKind, r: &str| {
        let mut e = event(
            id,
            &card,
            ts(&format!("2024-05-01T10:{minute:02}:00Z")),
            Channel::Store,
            kind,
        );
        e.order_ref = Some(r.into());
        e
    };
    let events = vec![
        // A return logged before its pickup (clock skew) is still a return.
        with_ref("a1", 5, EventKind::Return, "A"),
        with_ref("a2", 6, EventKind::Pickup, "A"),
        with_ref("b1", 1, EventKind::Order, "B"),
        with_ref("b2", 2, EventKind::Pickup, "B"),
        with_ref("c1", 3, EventKind::Purchase, "C"),
        with_ref("c2", 4, EventKind::Invoice, "C"),
        with_ref("d1", 0, EventKind::Call, "D"),
    ];
    let store = Timelines::build_with_keys(events, &[card], &[0])
        .unwrap()
        .timelines;
    let got: Vec<(&str, JourneyStatus)> = store
        .journeys(ClusterIndex(0))
        .iter()
        .map(|j| (j.order_ref, j.status))
        .collect();
    assert_eq!(
        got,
        [
            ("D", JourneyStatus::Mentioned),
            ("B", JourneyStatus::PickedUp),
            ("C", JourneyStatus::Purchased),
            ("A", JourneyStatus::Returned),
        ]
    );
}

#[test]
fn filters_by_time_channel_and_kind() {
    let (store, _) = click_and_collect();
    let c = ClusterIndex(0);
    let all = ids(store.timeline(c).iter());
    assert_eq!(all, ["W-1001", "T-9", "P-77", "R-5", "W-1002"]);
    let in_store = ids(store.timeline(c).channel(Channel::Store).iter());
    assert_eq!(in_store, ["T-9", "P-77", "R-5"]);
    let web_or_returns = ids(store
        .timeline(c)
        .filter(Filter {
            kinds: vec![EventKind::Return, EventKind::Order],
            ..Filter::default()
        })
        .newest_first()
        .iter());
    assert_eq!(web_or_returns, ["W-1002", "R-5", "W-1001"]);
    // `to` is exclusive, `from` inclusive.
    let march_2_to_10 = ids(store
        .timeline(c)
        .from(ts("2024-03-02T09:00:00Z"))
        .to(ts("2024-03-10T15:40:00Z"))
        .iter());
    assert_eq!(march_2_to_10, ["T-9", "P-77"]);
    // A channel the store has never seen keeps nothing, not everything.
    assert_eq!(store.timeline(c).channel(Channel::App).count(), 0);
    assert_eq!(
        store
            .timeline(c)
            .kind(EventKind::Custom("newsletter".into()))
            .count(),
        0
    );
    // Combined, with a limit.
    let page = store
        .timeline(c)
        .channel(Channel::Store)
        .kind(EventKind::Purchase)
        .kind(EventKind::Pickup)
        .newest_first()
        .limit(1)
        .page();
    assert_eq!(ids(page.events), ["P-77"]);
    assert!(page.next.is_some());
}

#[test]
fn views_materialize_the_input_event() {
    let (store, _) = click_and_collect();
    let order = store
        .timeline(ClusterIndex(0))
        .iter()
        .find(|e| e.id() == "W-1001")
        .unwrap();
    let e = order.to_event();
    assert_eq!(e.attributes, [("paiement".to_string(), "cb".to_string())]);
    assert_eq!(e.amount, euros("59.90"));
    assert_eq!(e.order_ref.as_deref(), Some("CMD-2024-1001"));
    assert_eq!(order.customer(), ClusterIndex(0));
    assert_eq!(order.sequence(), 3);
    // Debug prints ids, not attributes.
    let dbg = format!("{order:?}");
    assert!(dbg.contains("W-1001") && !dbg.contains("cb"), "{dbg}");
}

#[test]
fn orphans_name_their_reason() {
    let known = key(Channel::Web, "A-1");
    let no_customer = key(Channel::Web, "A-2");
    let events = vec![
        event(
            "1",
            &known,
            ts("2024-01-01T00:00:00Z"),
            Channel::Web,
            EventKind::WebVisit,
        ),
        event(
            "2",
            &no_customer,
            ts("2024-01-01T00:00:00Z"),
            Channel::Web,
            EventKind::WebVisit,
        ),
        event(
            "3",
            &key(Channel::App, "Z"),
            ts("2024-01-01T00:00:00Z"),
            Channel::App,
            EventKind::AppSession,
        ),
    ];
    let built = Timelines::build_with_keys(events, &[known, no_customer], &[0]).unwrap();
    assert_eq!(built.timelines.len(), 1);
    let reasons: Vec<(&str, OrphanReason)> = built
        .orphans
        .iter()
        .map(|o| (o.event.id.as_str(), o.reason))
        .collect();
    assert_eq!(
        reasons,
        [
            ("2", OrphanReason::NoCustomer),
            ("3", OrphanReason::UnknownSource)
        ]
    );
}

#[test]
fn cursor_stays_correct_when_events_arrive_between_pages() {
    let card = key(Channel::Store, "4001");
    let at = |h: u32| ts(&format!("2024-01-01T{h:02}:00:00Z"));
    let events: Vec<Event> = (0..10)
        .map(|h| {
            event(
                &format!("e{h}"),
                &card,
                at(h * 2),
                Channel::Store,
                EventKind::Purchase,
            )
        })
        .collect();
    let keys = [card.clone()];
    let store = Timelines::build_with_keys(events.clone(), &keys, &[0])
        .unwrap()
        .timelines;
    let first = store.timeline(ClusterIndex(0)).limit(4).page();
    assert_eq!(ids(first.events.clone()), ["e0", "e1", "e2", "e3"]);
    let cursor = first.next.clone().unwrap();
    // The cursor survives serialization.
    let cursor: Cursor = serde_json::from_str(&serde_json::to_string(&cursor).unwrap()).unwrap();

    // New events: one before the cursor (already read past), one tying with
    // the cursor's instant and channel (sorts after it: higher sequence), one
    // between later events, one on another channel at the cursor's instant.
    let extra = vec![
        event(
            "late-early",
            &card,
            at(1),
            Channel::Store,
            EventKind::Purchase,
        ),
        event("tie", &card, at(6), Channel::Store, EventKind::Pickup),
        event("mid", &card, at(9), Channel::Store, EventKind::Purchase),
        event(
            "app-at-6",
            &card,
            at(6),
            Channel::App,
            EventKind::AppSession,
        ),
        event("web-at-6", &card, at(6), Channel::Web, EventKind::WebVisit),
    ];
    let lookup: HashMap<SourceKey, RecordId> = [(card.clone(), RecordId(0))].into();
    let appended = store
        .append(extra.clone(), |k| lookup.get(k).copied(), &[0])
        .unwrap()
        .timelines;
    // Same as building from scratch with the extra events at the end of the input.
    let rebuilt = Timelines::build_with_keys([events, extra].concat(), &keys, &[0])
        .unwrap()
        .timelines;
    for s in [&appended, &rebuilt] {
        let mut rest = Vec::new();
        let mut next = Some(cursor.clone());
        while let Some(c) = next {
            let page = s.timeline(ClusterIndex(0)).limit(3).after(&c).page();
            rest.extend(ids(page.events));
            next = page.next;
        }
        assert_eq!(
            rest,
            ["tie", "web-at-6", "e4", "mid", "e5", "e6", "e7", "e8", "e9"]
        );
    }
    // Newest-first paging with a cursor goes the other way.
    let older = ids(appended
        .timeline(ClusterIndex(0))
        .newest_first()
        .after(&cursor)
        .iter());
    assert_eq!(older, ["app-at-6", "e2", "e1", "late-early", "e0"]);
}

#[test]
fn cursor_with_a_channel_the_store_lacks_still_orders_by_name() {
    let card = key(Channel::Store, "4001");
    let at = ts("2024-01-01T00:00:00Z");
    let events = vec![
        event("app", &card, at, Channel::App, EventKind::AppSession),
        event(
            "mk",
            &card,
            at,
            Channel::Custom("marketplace".into()),
            EventKind::Order,
        ),
        event("web", &card, at, Channel::Web, EventKind::WebVisit),
    ];
    let full = Timelines::build_with_keys(events.clone(), std::slice::from_ref(&card), &[0])
        .unwrap()
        .timelines;
    let cursor = full.timeline(ClusterIndex(0)).limit(2).page().next.unwrap();
    // A store without the `marketplace` channel: the cursor falls between app and web.
    let partial =
        Timelines::build_with_keys(vec![events[0].clone(), events[2].clone()], &[card], &[0])
            .unwrap()
            .timelines;
    assert_eq!(
        ids(partial.timeline(ClusterIndex(0)).after(&cursor).iter()),
        ["web"]
    );
    assert_eq!(
        ids(partial
            .timeline(ClusterIndex(0))
            .newest_first()
            .after(&cursor)
            .iter()),
        ["app"]
    );
}

#[test]
fn erasure_removes_every_trace_of_a_record() {
    let (store, _) = click_and_collect();
    let before = store.memory();
    let card = key(Channel::Store, "4001234");
    let (erased, removed) = store.erase_sources(std::slice::from_ref(&card));
    assert_eq!(removed, 2);
    assert_eq!(erased.len(), store.len() - 2);
    assert!(
        erased
            .timeline(ClusterIndex(0))
            .iter()
            .all(|e| e.source() != card)
    );
    assert_eq!(
        ids(erased.timeline(ClusterIndex(0)).iter()),
        ["W-1001", "P-77", "W-1002"]
    );
    // The store code LYO-02 and the card id are gone from the tables.
    assert_eq!(
        before.string_bytes - erased.memory().string_bytes,
        "LYO-02".len() + "4001234".len() + "R-5".len() + "T-9".len()
    );
    // Sequences are kept: the same cursor works on both.
    assert_eq!(erased.next_sequence(), store.next_sequence());
    let (by_record, removed) = store.erase_record(RecordId(1));
    assert_eq!(removed, 2);
    assert_eq!(
        ids(by_record.timeline(ClusterIndex(0)).iter()),
        ids(erased.timeline(ClusterIndex(0)).iter())
    );
}

#[test]
fn memory_stays_within_budget_and_store_is_shareable() {
    fn shareable<T: Send + Sync>() {}
    shareable::<Timelines>();
    shareable::<EventView<'static>>();

    let keys: Vec<SourceKey> = (0..2_000)
        .map(|r| {
            key(
                if r % 2 == 0 {
                    Channel::Store
                } else {
                    Channel::Web
                },
                &format!("R{r}"),
            )
        })
        .collect();
    let customers: Vec<u32> = (0..2_000).map(|r| r / 2).collect();
    let events: Vec<Event> = (0..20_000u32)
        .map(|i| {
            let mut e = event(
                &format!("EV-{i:08}"),
                &keys[(i % 2_000) as usize],
                Timestamp::from_second(1_700_000_000 + i64::from(i) * 37).unwrap(),
                if i % 3 == 0 {
                    Channel::Store
                } else {
                    Channel::Web
                },
                EventKind::Purchase,
            );
            e.amount = euros("10");
            e.order_ref = (i % 2 == 0).then(|| format!("CMD-{}", i / 4));
            e.store = Some(format!("S{}", i % 50));
            e
        })
        .collect();
    let store = Timelines::build_with_keys(events, &keys, &customers)
        .unwrap()
        .timelines;
    let m = store.memory();
    assert_eq!(m.events, 20_000);
    assert_eq!(store.next_sequence(), 20_000);
    assert!(m.overhead_per_event() <= 64.0, "{m:?}");
    assert_eq!(store.memory_bytes(), m.total);
    assert_eq!(store.customers().len(), 1_000);
    assert_eq!(store.timeline(ClusterIndex(7)).count(), 20);
}

#[test]
fn timestamps_round_trip_at_the_edges() {
    for t in [
        Timestamp::MIN,
        Timestamp::MAX,
        Timestamp::UNIX_EPOCH,
        ts("1969-12-31T23:59:59.5Z"),
        ts("1900-01-01T00:00:00.000000001Z"),
    ] {
        let (s, n) = store::split_timestamp(t);
        assert!(n < 1_000_000_000);
        assert_eq!(store::join_timestamp(s, n), t);
    }
    assert!(
        store::split_timestamp(ts("1969-12-31T23:59:59.5Z"))
            < store::split_timestamp(Timestamp::UNIX_EPOCH)
    );
}

// ---------------------------------------------------------------- laws

const CHANNELS: [&str; 5] = ["store", "web", "callcentre", "app", "marketplace"];

/// Records 0..6 (record 5 has no customer); source index 6 is unknown.
fn law_keys() -> Vec<SourceKey> {
    (0..6)
        .map(|r| key(CHANNELS[r % 4].parse().unwrap(), &format!("R{r}")))
        .collect()
}

/// The laws' `record_of`: record `r` is the `r`th of [`law_keys`].
fn law_record_of(k: &SourceKey) -> Option<RecordId> {
    law_keys()
        .iter()
        .position(|x| x == k)
        .map(|r| RecordId(r as u32))
}

type Raw = (usize, i64, u32, usize, usize, Option<u8>, Option<i64>);

fn raw_event() -> impl Strategy<Value = Raw> {
    (
        0usize..7,
        -3i64..12,
        prop_oneof![Just(0u32), 0u32..1_000_000_000],
        0usize..5,
        0usize..4,
        prop::option::of(0u8..4),
        prop::option::of(-5_000i64..5_000),
    )
}

fn make_events(raw: &[Raw], id_base: usize) -> Vec<Event> {
    let keys = law_keys();
    let unknown = key(Channel::App, "UNKNOWN");
    let kinds = [
        EventKind::Order,
        EventKind::Pickup,
        EventKind::Return,
        EventKind::Custom("newsletter".into()),
    ];
    raw.iter()
        .enumerate()
        .map(
            |(i, &(src, second, nanos, channel, kind, order, amount))| Event {
                id: format!("e{}", id_base + i),
                source: keys.get(src).cloned().unwrap_or_else(|| unknown.clone()),
                timestamp: Timestamp::from_nanosecond(
                    i128::from(second) * 1_000_000_000 + i128::from(nanos),
                )
                .unwrap(),
                channel: CHANNELS[channel].parse().unwrap(),
                kind: kinds[kind].clone(),
                amount: amount.map(|minor| Money {
                    minor,
                    currency: Currency::EUR,
                }),
                order_ref: order.map(|o| format!("CMD-{o}")),
                store: (channel == 0).then(|| format!("PAR-{}", src)),
                attributes: if order == Some(0) {
                    vec![("paiement".into(), "cb".into())]
                } else {
                    vec![]
                },
            },
        )
        .collect()
}

/// The model: per customer, event ids sorted by (instant, channel name, input position).
fn model(events: &[Event], customers: &[u32]) -> (HashMap<u32, Vec<String>>, Vec<String>) {
    let keys = law_keys();
    let mut placed: Vec<(u32, Timestamp, String, usize, String)> = Vec::new();
    let mut orphans = Vec::new();
    for (i, e) in events.iter().enumerate() {
        match keys
            .iter()
            .position(|k| *k == e.source)
            .and_then(|r| customers.get(r))
        {
            Some(&c) => placed.push((c, e.timestamp, e.channel.name().to_owned(), i, e.id.clone())),
            None => orphans.push(e.id.clone()),
        }
    }
    placed.sort();
    let mut by_customer: HashMap<u32, Vec<String>> = HashMap::new();
    for (c, _, _, _, id) in placed {
        by_customer.entry(c).or_default().push(id);
    }
    (by_customer, orphans)
}

fn all_timelines(store: &Timelines) -> HashMap<u32, Vec<String>> {
    store
        .customers()
        .map(|c| (c.0, ids(store.timeline(c).iter())))
        .collect()
}

fn build(events: Vec<Event>, customers: &[u32]) -> TimelineBuild {
    Timelines::build_with_keys(events, &law_keys(), customers).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn every_event_is_in_one_timeline_or_orphaned_in_the_model_order(
        raw in prop::collection::vec(raw_event(), 0..60),
        customers in prop::collection::vec(0u32..4, 5),
    ) {
        let events = make_events(&raw, 0);
        let (expected, expected_orphans) = model(&events, &customers);
        let built = build(events.clone(), &customers);
        prop_assert_eq!(built.timelines.len() + built.orphans.len(), events.len());
        prop_assert_eq!(all_timelines(&built.timelines), expected);
        let orphan_ids: Vec<String> = built.orphans.iter().map(|o| o.event.id.clone()).collect();
        prop_assert_eq!(orphan_ids, expected_orphans);
        // Identity: every placed event materializes back to its input.
        let by_id: HashMap<&str, &Event> = events.iter().map(|e| (e.id.as_str(), e)).collect();
        for c in built.timelines.customers() {
            for v in built.timelines.timeline(c).iter() {
                prop_assert_eq!(&v.to_event(), by_id[v.id()]);
                prop_assert_eq!(v.customer(), c);
            }
        }
        for o in &built.orphans {
            prop_assert_eq!(&o.event, by_id[o.event.id.as_str()]);
        }
    }

    #[test]
    fn paging_yields_the_whole_timeline_once_in_both_orders(
        raw in prop::collection::vec(raw_event(), 0..60),
        customers in prop::collection::vec(0u32..3, 5),
        page_size in 1usize..8,
    ) {
        let store = build(make_events(&raw, 0), &customers).timelines;
        for c in store.customers() {
            let full = ids(store.timeline(c).iter());
            let mut newest = ids(store.timeline(c).newest_first().iter());
            newest.reverse();
            prop_assert_eq!(&newest, &full);
            for order in [Order::OldestFirst, Order::NewestFirst] {
                let mut paged = Vec::new();
                let mut page = store.timeline(c).order(order).limit(page_size).page();
                loop {
                    prop_assert!(page.events.len() <= page_size);
                    paged.extend(ids(page.events.clone()));
                    match &page.next {
                        Some(cursor) => {
                            prop_assert_eq!(page.events.len(), page_size);
                            page = store.timeline(c).order(order).limit(page_size).after(cursor).page();
                        }
                        None => break,
                    }
                }
                if order == Order::NewestFirst {
                    paged.reverse();
                }
                prop_assert_eq!(&paged, &full);
            }
        }
    }

    #[test]
    fn filters_equal_naive_filtering(
        raw in prop::collection::vec(raw_event(), 0..60),
        customers in prop::collection::vec(0u32..3, 5),
        from in prop::option::of(-4i64..13),
        to in prop::option::of(-4i64..13),
        channels in prop::collection::vec(0usize..5, 0..3),
        kinds in prop::collection::vec(0usize..4, 0..3),
        newest in any::<bool>(),
        limit in 1usize..10,
    ) {
        let events = make_events(&raw, 0);
        let store = build(events, &customers).timelines;
        let kind_of = |k: usize| make_events(&[(0, 0, 0, 0, k, None, None)], 0)[0].kind.clone();
        let filter = Filter {
            from: from.map(|s| Timestamp::from_second(s).unwrap()),
            to: to.map(|s| Timestamp::from_second(s).unwrap()),
            channels: channels.iter().map(|&c| CHANNELS[c].parse().unwrap()).collect(),
            kinds: kinds.iter().map(|&k| kind_of(k)).collect(),
        };
        let order = if newest { Order::NewestFirst } else { Order::OldestFirst };
        for c in store.customers() {
            let mut expected: Vec<String> = store.timeline(c).iter().filter(|e| {
                filter.from.is_none_or(|f| e.timestamp() >= f)
                    && filter.to.is_none_or(|t| e.timestamp() < t)
                    && (filter.channels.is_empty() || filter.channels.contains(e.channel()))
                    && (filter.kinds.is_empty() || filter.kinds.contains(e.kind()))
            }).map(|e| e.id().to_owned()).collect();
            if newest {
                expected.reverse();
            }
            let q = store.timeline(c).filter(filter.clone()).order(order);
            prop_assert_eq!(q.count(), expected.len());
            expected.truncate(limit);
            prop_assert_eq!(ids(q.limit(limit).page().events), expected);
        }
    }

    #[test]
    fn input_order_only_matters_through_the_sequence_tiebreak(
        raw in prop::collection::vec(raw_event(), 0..60),
        customers in prop::collection::vec(0u32..3, 5),
        seed in any::<u64>(),
    ) {
        let events = make_events(&raw, 0);
        let original = all_timelines(&build(events.clone(), &customers).timelines);
        // Shuffle with a seeded Fisher–Yates (no rand dependency in tests).
        let mut shuffled = events.clone();
        let mut state = seed | 1;
        for i in (1..shuffled.len()).rev() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            shuffled.swap(i, (state % (i as u64 + 1)) as usize);
        }
        let store = build(shuffled, &customers).timelines;
        let original_seq: HashMap<&str, usize> =
            events.iter().enumerate().map(|(i, e)| (e.id.as_str(), i)).collect();
        for c in store.customers() {
            // Carry the original sequence: re-sort by (instant, channel, original position).
            let mut carried: Vec<(Timestamp, String, usize, String)> = store.timeline(c).iter()
                .map(|e| (e.timestamp(), e.channel().name().to_owned(), original_seq[e.id()], e.id().to_owned()))
                .collect();
            // The shuffled store is sorted by everything but the last tiebreak.
            prop_assert!(carried.windows(2).all(|w| (w[0].0, &w[0].1) <= (w[1].0, &w[1].1)));
            carried.sort();
            let carried: Vec<String> = carried.into_iter().map(|t| t.3).collect();
            prop_assert_eq!(Some(&carried), original.get(&c.0));
        }
        prop_assert_eq!(store.customers().len(), original.len());
    }

    #[test]
    fn append_equals_batch_and_erase_equals_never_added(
        first in prop::collection::vec(raw_event(), 0..40),
        second in prop::collection::vec(raw_event(), 0..20),
        customers in prop::collection::vec(0u32..3, 5),
        erased_record in 0usize..6,
        page_size in 1usize..6,
    ) {
        let a = make_events(&first, 0);
        let b = make_events(&second, first.len());
        let keys = law_keys();
        let lookup: HashMap<&SourceKey, RecordId> =
            keys.iter().enumerate().map(|(i, k)| (k, RecordId(i as u32))).collect();
        let built_a = build(a.clone(), &customers);
        let appended = built_a.timelines.append(b.clone(), |k| lookup.get(k).copied(), &customers).unwrap();
        let batch = build([a.clone(), b.clone()].concat(), &customers);
        prop_assert_eq!(all_timelines(&appended.timelines), all_timelines(&batch.timelines));
        prop_assert_eq!(appended.timelines.next_sequence(), batch.timelines.next_sequence());
        let orphans = |o: &[Orphan]| o.iter().map(|o| o.event.id.clone()).collect::<Vec<_>>();
        let mut all_orphans = orphans(&built_a.orphans);
        all_orphans.extend(orphans(&appended.orphans));
        prop_assert_eq!(all_orphans, orphans(&batch.orphans));

        // Paging across the append: first page on the old store, the rest on the new one.
        for c in batch.timelines.customers() {
            let old_page = built_a.timelines.timeline(c).limit(page_size).page();
            let Some(cursor) = old_page.next else { continue };
            let rest = ids(appended.timelines.timeline(c).after(&cursor).iter());
            let last_read = old_page.events.last().map(|e| e.id().to_owned());
            let full = ids(batch.timelines.timeline(c).iter());
            let start = full.iter().position(|id| Some(id) == last_read.as_ref()).map_or(0, |p| p + 1);
            prop_assert_eq!(&rest[..], &full[start..]);
        }

        // Erasing a record equals never having its events.
        let erased_key = &keys[erased_record];
        let (erased, removed) = batch.timelines.erase_sources(std::slice::from_ref(erased_key));
        let without: Vec<Event> = [a, b].concat().into_iter().filter(|e| &e.source != erased_key).collect();
        let kept_model = build(without, &customers);
        prop_assert_eq!(erased.len(), kept_model.timelines.len());
        prop_assert_eq!(removed, batch.timelines.len() - erased.len());
        prop_assert_eq!(all_timelines(&erased), all_timelines(&kept_model.timelines));
        let (by_record, _) = batch.timelines.erase_record(RecordId(erased_record as u32));
        prop_assert_eq!(all_timelines(&by_record), all_timelines(&erased));
    }
}

#[test]
fn two_keys_sent_to_one_record_keep_their_own_source() {
    let a = key(Channel::Web, "A-1");
    let b = key(Channel::Store, "4001");
    let at = ts("2024-01-01T00:00:00Z");
    let events = vec![
        event("1", &a, at, Channel::Web, EventKind::WebVisit),
        event("2", &b, at, Channel::Store, EventKind::Purchase),
        event("3", &a, at, Channel::Web, EventKind::WebVisit),
    ];
    let built = Timelines::build(events, |_| Some(RecordId(0)), &[5]).unwrap();
    let sources: Vec<SourceKey> = built
        .timelines
        .timeline(ClusterIndex(5))
        .iter()
        .map(|e| e.source())
        .collect();
    assert_eq!(sources, [b, a.clone(), a]);
}

fn packed(events: Vec<Event>, customers: &[u32]) -> TimelineBuild {
    let mut builder = TimelinesBuilder::new();
    for event in events {
        builder.push(event).unwrap();
    }
    builder.build(law_record_of, customers).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// The builder is `Timelines::build` by other means: the same events in
    /// the same order give the same store, column for column and table for
    /// table (so nothing of an orphan stays in a table), and the same
    /// orphans in the same order.
    #[test]
    fn builder_equals_build(
        raw in prop::collection::vec(raw_event(), 0..80),
        customers in prop::collection::vec(0u32..4, 0..6),
    ) {
        let events = make_events(&raw, 0);
        let expected = build(events.clone(), &customers);
        let got = packed(events, &customers);
        prop_assert!(got.timelines == expected.timelines);
        prop_assert_eq!(got.orphans, expected.orphans);
        prop_assert_eq!(got.timelines.memory().events, expected.timelines.len());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Events pushed attached to the record `record_of` would give them (or
    /// to none), some pushed plainly instead, build into the store
    /// `Timelines::build` makes of the same events, and `record_of` is
    /// asked only about keys pushed plainly.
    #[test]
    fn attached_builder_equals_build(
        raw in prop::collection::vec(raw_event(), 0..80),
        plain in prop::collection::vec(prop::bool::weighted(0.2), 80),
        customers in prop::collection::vec(0u32..4, 0..6),
    ) {
        let events = make_events(&raw, 0);
        let expected = build(events.clone(), &customers);
        let record_of = law_record_of;
        let mut builder = TimelinesBuilder::new();
        let mut plain_keys = Vec::new();
        for (event, &plain) in events.into_iter().zip(&plain) {
            if plain {
                plain_keys.push(event.source.clone());
                builder.push(event).unwrap();
            } else {
                let record = record_of(&event.source);
                builder.push_attached(event, record).unwrap();
            }
        }
        let asked = std::sync::Mutex::new(Vec::new());
        let got = builder
            .build(
                |k| {
                    asked.lock().unwrap().push(k.clone());
                    record_of(k)
                },
                &customers,
            )
            .unwrap();
        prop_assert!(got.timelines == expected.timelines);
        prop_assert_eq!(got.orphans, expected.orphans);
        for k in asked.into_inner().unwrap() {
            prop_assert!(plain_keys.contains(&k));
        }
    }
}

/// Pushes `items` in batches of the sizes of `cuts` (cycled), each through
/// `push`, which must drain its batch; false if one was left unemptied.
fn push_in_batches<T>(
    items: Vec<T>,
    cuts: &[usize],
    mut push: impl FnMut(&mut Vec<T>) -> crate::Result<()>,
) -> crate::Result<bool> {
    let mut rest = items.into_iter().peekable();
    let mut batch = Vec::new();
    for size in cuts.iter().cycle() {
        if rest.peek().is_none() {
            break;
        }
        batch.extend(rest.by_ref().take(*size));
        push(&mut batch)?;
        if !batch.is_empty() {
            return Ok(false);
        }
    }
    Ok(true)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Events pushed attached in batches (of any sizes, across the
    /// interning groups of 16) build into the store that pushing them one
    /// at a time builds.
    #[test]
    fn batched_attached_builder_equals_one_at_a_time(
        raw in prop::collection::vec(raw_event(), 0..120),
        cuts in prop::collection::vec(1usize..40, 1..10),
        customers in prop::collection::vec(0u32..4, 0..6),
    ) {
        let events = make_events(&raw, 0);
        let record_of = law_record_of;
        let mut one = TimelinesBuilder::new();
        for event in events.clone() {
            let record = record_of(&event.source);
            one.push_attached(event, record).unwrap();
        }
        let attached: Vec<_> = events
            .into_iter()
            .map(|e| {
                let record = record_of(&e.source);
                (e, record)
            })
            .collect();
        let mut batched = TimelinesBuilder::new();
        let drained =
            push_in_batches(attached, &cuts, |batch| batched.push_attached_batch(batch)).unwrap();
        prop_assert!(drained);
        let expected = one.build(|_| None, &customers).unwrap();
        let got = batched.build(|_| None, &customers).unwrap();
        prop_assert!(got.timelines == expected.timelines);
        prop_assert_eq!(got.orphans, expected.orphans);
    }

    /// Events pushed in batches to be attached at the build (of any sizes,
    /// across the interning groups) build into the store that
    /// `Timelines::build` makes from them with the same `record_of`.
    #[test]
    fn batched_builder_equals_timelines_build(
        raw in prop::collection::vec(raw_event(), 0..120),
        cuts in prop::collection::vec(1usize..40, 1..10),
        customers in prop::collection::vec(0u32..4, 0..6),
    ) {
        let events = make_events(&raw, 0);
        let record_of = law_record_of;
        let expected = Timelines::build(events.clone(), record_of, &customers).unwrap();
        let mut batched = TimelinesBuilder::new();
        let drained = push_in_batches(events, &cuts, |batch| batched.push_batch(batch)).unwrap();
        prop_assert!(drained);
        let got = batched.build(record_of, &customers).unwrap();
        prop_assert!(got.timelines == expected.timelines);
        prop_assert_eq!(got.orphans, expected.orphans);
    }
}

#[test]
fn batched_builder_refuses_a_record_id_out_of_range() {
    let a = key(Channel::Web, "A-1");
    let at = ts("2024-01-01T00:00:00Z");
    let e = event("1", &a, at, Channel::Web, EventKind::WebVisit);
    let mut builder = TimelinesBuilder::new();
    let mut batch = vec![
        (e.clone(), Some(RecordId(3))),
        (e.clone(), Some(RecordId(u32::MAX))),
        (e, Some(RecordId(3))),
    ];
    assert!(builder.push_attached_batch(&mut batch).is_err());
    // The events before the failing one are pushed, the rest dropped.
    assert_eq!(builder.len(), 1);
    assert!(batch.is_empty());
}

#[test]
fn attached_builder_refuses_a_record_id_out_of_range() {
    let a = key(Channel::Web, "A-1");
    let at = ts("2024-01-01T00:00:00Z");
    let mut builder = TimelinesBuilder::new();
    let e = event("1", &a, at, Channel::Web, EventKind::WebVisit);
    assert!(
        builder
            .push_attached(e.clone(), Some(RecordId(u32::MAX)))
            .is_err()
    );
    assert!(builder.is_empty());
    builder.push_attached(e, Some(RecordId(3))).unwrap();
    let built = builder.build(|_| None, &[0, 0, 0, 7]).unwrap();
    assert_eq!(built.timelines.timeline(ClusterIndex(7)).count(), 1);
}

#[test]
fn builder_keeps_two_keys_sent_to_one_record_apart() {
    let a = key(Channel::Web, "A-1");
    let b = key(Channel::Store, "4001");
    let at = ts("2024-01-01T00:00:00Z");
    let events = vec![
        event("1", &a, at, Channel::Web, EventKind::WebVisit),
        event("2", &b, at, Channel::Store, EventKind::Purchase),
        event("3", &a, at, Channel::Web, EventKind::WebVisit),
    ];
    let expected = Timelines::build(events.clone(), |_| Some(RecordId(0)), &[5]).unwrap();
    let mut builder = TimelinesBuilder::new();
    builder.extend(events);
    assert!(builder.memory_bytes() > 0);
    let got = builder.build(|_| Some(RecordId(0)), &[5]).unwrap();
    assert!(got.timelines == expected.timelines);
    assert!(got.orphans.is_empty());
}

proptest! {
    /// Interning sources in parts on several threads gives the ids one
    /// sequential pass gives: the same distinct keys in the same order of
    /// first appearance, and the same key for every event, whatever the
    /// parts' length. Few ids and two channels, so that keys repeat across
    /// parts and the same id text comes under two channels.
    #[test]
    fn sources_interned_in_parts_equal_one_pass(
        sources in prop::collection::vec((0u8..6, prop::bool::ANY), 0..60),
        part_len in 1usize..20,
    ) {
        let events: Vec<Event> = sources
            .iter()
            .enumerate()
            .map(|(i, &(id, web))| {
                let channel = if web { Channel::Web } else { Channel::Custom("kiosk".into()) };
                let source = SourceKey::new(channel.clone(), format!("S{id}")).unwrap();
                event(&format!("E{i}"), &source, ts("2024-01-01T00:00:00Z"), channel, EventKind::Purchase)
            })
            .collect();
        let (whole_keys, whole_distinct) =
            super::store::distinct_sources_in_parts(&events, events.len().max(1));
        let (keys, distinct) = super::store::distinct_sources_in_parts(&events, part_len);
        prop_assert_eq!(&keys, &whole_keys);
        prop_assert_eq!(distinct, whole_distinct.clone());
        // And the one pass is right: each event's key is its source.
        for (e, &k) in events.iter().zip(&whole_keys) {
            prop_assert_eq!(whole_distinct[k as usize], &e.source);
        }
    }
}
