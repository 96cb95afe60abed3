//! Events exports to events: time zones, amounts without floats, the channel
//! where an event happened, and rejected rows.
#![cfg(feature = "io")]

use std::path::{Path, PathBuf};

use omnicanal::io::{EventsReader, EventsSpec, JobFile};
use omnicanal::timeline::{Currency, Event, EventKind, Money};
use omnicanal::{Channel, ErrorKind, SourceKey};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn spec() -> EventsSpec {
    JobFile::load(fixtures().join("job.toml")).unwrap().events[0].clone()
}

#[test]
fn events_fixture_gives_events_and_rejects_in_file_order() {
    let rows: Vec<_> = EventsReader::open(&spec(), fixtures()).unwrap().collect();
    assert_eq!(rows.len(), 8, "one outcome per data row");
    let events: Vec<&Event> = rows.iter().filter_map(|r| r.as_ref().ok()).collect();
    assert_eq!(events.len(), 3);

    let order = events[0];
    assert_eq!(order.id, "E-1");
    assert_eq!(
        order.source,
        SourceKey::new(Channel::Web, "W-1001").unwrap()
    );
    assert_eq!(order.kind, EventKind::Order);
    assert_eq!(order.timestamp.to_string(), "2024-03-05T09:30:00Z");
    assert_eq!(
        order.amount,
        Some(Money {
            minor: 4990,
            currency: Currency::EUR
        })
    );
    assert_eq!(order.order_ref.as_deref(), Some("CMD-881"));
    assert_eq!(
        order.channel,
        Channel::Web,
        "no event channel: the record's"
    );
    assert_eq!(order.store, None);

    // A web order collected in a store: attached to the web account,
    // happened in the store. 18:05 in Paris in March is 17:05 UTC.
    let pickup = events[1];
    assert_eq!(pickup.kind, EventKind::Pickup);
    assert_eq!(pickup.source.channel, Channel::Web);
    assert_eq!(pickup.channel, Channel::Store);
    assert_eq!(pickup.timestamp.to_string(), "2024-03-06T17:05:00Z");
    assert_eq!(pickup.store.as_deref(), Some("PAR11"));
    assert_eq!(pickup.amount, None);

    // 02:30 on 31 March 2024 does not exist in Paris (clocks jump from 02:00
    // to 03:00); read the way jiff's `compatible` does, it is 03:30 CEST.
    let purchase = events[2];
    assert_eq!(purchase.kind, EventKind::Purchase);
    assert_eq!(purchase.timestamp.to_string(), "2024-03-31T01:30:00Z");
    assert_eq!(purchase.amount.map(|m| m.minor), Some(1250));

    let rejects: Vec<(u64, &str)> = rows
        .iter()
        .filter_map(|r| r.as_ref().err())
        .map(|r| (r.line, r.reason.as_str()))
        .collect();
    assert_eq!(
        rejects,
        [
            (5, "column timestamp: impossible date"),
            (
                6,
                "column amount_eur: invalid value: not a decimal amount with at most two decimals"
            ),
            (7, "column event_id: duplicate event id"),
            (8, "column channel: missing value"),
            (9, "column kind: missing value"),
        ]
    );
}

#[test]
fn timestamps_without_offset_follow_the_spec_time_zone() {
    let dir = std::env::temp_dir().join(format!("omnicanal-io-{}-tz", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("ev.csv"),
        "id;canal;client;quand;type\nR1;store;974001;05/03/2024 10:30;achat\n",
    )
    .unwrap();
    let job = JobFile::from_toml_str(
        r#"
        [[events]]
        path = "ev.csv"
        delimiter = ";"
        id = "id"
        channel = "canal"
        source_id = "client"
        timestamp = "quand"
        kind = "type"
        time_zone = "Indian/Reunion"
        "#,
    )
    .unwrap();
    let events: Vec<_> = job.read_events(&dir).unwrap().collect();
    let event = events[0].as_ref().unwrap();
    // La Réunion is UTC+4 all year.
    assert_eq!(event.timestamp.to_string(), "2024-03-05T06:30:00Z");
}

#[test]
fn jsonl_events_read_paths() {
    let dir =
        std::env::temp_dir().join(format!("omnicanal-io-{}-jsonl-events", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("ev.jsonl"),
        concat!(
            r#"{"id": "S-1", "user": {"channel": "app", "id": "A-1"}, "at": "2024-06-01T12:00:00Z", "type": "app_session", "device": "ios"}"#,
            "\n",
            r#"{"id": "S-2", "user": {"channel": "app", "id": "A-1"}, "at": "yesterday", "type": "app_session"}"#,
            "\n",
        ),
    )
    .unwrap();
    let job = JobFile::from_toml_str(
        r#"
        [[events]]
        path = "ev.jsonl"
        format = "jsonl"
        id = "id"
        channel = "user.channel"
        source_id = "user.id"
        timestamp = "at"
        kind = "type"
        attributes = ["device"]
        "#,
    )
    .unwrap();
    let rows: Vec<_> = job.read_events(&dir).unwrap().collect();
    let session = rows[0].as_ref().unwrap();
    assert_eq!(session.source.to_string(), "app:A-1");
    assert_eq!(session.kind, EventKind::AppSession);
    assert_eq!(
        session.attributes,
        [("device".to_owned(), "ios".to_owned())]
    );
    let reject = rows[1].as_ref().unwrap_err();
    assert_eq!(reject.line, 2);
    assert_eq!(reject.reason, "column at: unrecognized date format");
}

#[test]
fn an_events_column_missing_from_the_header_is_refused_at_open() {
    let mut spec = spec();
    spec.order_ref = Some("numero_commande".into());
    let err = EventsReader::open(&spec, fixtures()).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Config { .. }));
    assert_eq!(err.field(), Some("numero_commande"));
    assert!(err.file().unwrap().ends_with("events.csv"));
}
