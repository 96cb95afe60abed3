use std::collections::BTreeMap;
use std::path::Path;

use proptest::prelude::*;
use serde::{Deserialize, Serialize, Serializer};

use super::*;
use crate::normalize::normalize;
use crate::record::{Address, Channel, Record, SourceKey};
use crate::timeline::{Currency, Event, EventKind, Money};

const KIND: PayloadKind = PayloadKind::new("test-customers", 1);

/// Shaped like what the live resolver will keep: records, events, an index,
/// optional settings, numeric weights.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Customers {
    records: Vec<Record>,
    events: Vec<Event>,
    customer_of: BTreeMap<SourceKey, u64>,
    threshold: Option<f64>,
    weights: Vec<(String, f64)>,
    sequence: u64,
}

fn key(channel: Channel, id: &str) -> SourceKey {
    SourceKey::new(channel, id).unwrap()
}

fn french_records() -> Vec<Record> {
    let mut marie = Record::builder(key(Channel::Store, "4001"));
    marie
        .full_name("Mme DUPONT Marie-Hélène")
        .unwrap()
        .birth_date("05/03/1980")
        .unwrap()
        .phone("06.12.34.56.78")
        .unwrap()
        .email("Marie.Dupont+promo@gmail.com")
        .unwrap()
        .loyalty_card("2900012345678")
        .unwrap();
    marie.address(Address {
        street: Some("12 bis r. de la Paix".into()),
        postcode: Some("75011".into()),
        city: Some("Paris 11e".into()),
        country: None,
    });
    let mut web = Record::builder(key(Channel::Web, "A-77"));
    web.given_name("Marie Hélène")
        .unwrap()
        .family_name("Dupont")
        .unwrap()
        .phone("+33 6 12 34 56 78")
        .unwrap()
        .created_at("2023-11-02T09:30:00+01:00")
        .unwrap();
    let mut jean = Record::builder(key(Channel::CallCentre, "C-9"));
    jean.full_name("M. Martin Jean-François")
        .unwrap()
        .phone("01 43 55 66 77")
        .unwrap()
        .street("3, avenue Jean Jaurès")
        .unwrap()
        .postcode("97400")
        .unwrap()
        .city("Saint-Denis")
        .unwrap();
    let mut oeuvre = Record::builder(key(Channel::App, "u-Œ-1"));
    oeuvre
        .full_name("Œuvre D'Almeida Zoë")
        .unwrap()
        .birth_year("1975")
        .unwrap();
    vec![marie.build(), web.build(), jean.build(), oeuvre.build()]
}

fn events() -> Vec<Event> {
    vec![
        Event {
            id: "T-2024-000187".into(),
            source: key(Channel::Store, "4001"),
            timestamp: "2024-03-05T10:15:00Z".parse().unwrap(),
            channel: Channel::Store,
            kind: EventKind::Purchase,
            amount: Some(Money::parse_decimal("49,90", Currency::EUR).unwrap()),
            order_ref: None,
            store: Some("PARIS-BASTILLE".into()),
            attributes: vec![("rayon".into(), "épicerie fine".into())],
        },
        Event {
            id: "CMD-88".into(),
            source: key(Channel::Web, "A-77"),
            timestamp: "2024-03-07T18:02:31Z".parse().unwrap(),
            channel: Channel::Web,
            kind: EventKind::Custom("retrait_drive".into()),
            amount: Some(Money::parse_decimal("-5", Currency::EUR).unwrap()),
            order_ref: Some("CMD-88".into()),
            store: None,
            attributes: vec![],
        },
    ]
}

fn customers() -> Customers {
    let records = french_records();
    let customer_of = records
        .iter()
        .enumerate()
        .map(|(i, r)| (r.key.clone(), (i as u64).min(1)))
        .collect();
    Customers {
        records,
        events: events(),
        customer_of,
        threshold: Some(8.5),
        weights: vec![("phone".into(), 9.25), ("nom".into(), -3.5)],
        sequence: 1_234_567_890_123,
    }
}

fn reason(err: &Error) -> &str {
    match err.kind() {
        ErrorKind::Snapshot { reason } => reason,
        other => panic!("expected a snapshot error, got {other:?}"),
    }
}

/// A container around arbitrary payload bytes with correct checksums, to
/// reach postcard past the container's checks.
fn container_around(kind: PayloadKind, payload: &[u8]) -> Vec<u8> {
    let mut bytes = header::encode(kind, payload.len() as u64, crc32fast::hash(payload)).to_vec();
    bytes.extend_from_slice(payload);
    bytes
}

/// Files in `dir`, sorted, to check that no temporary file is left behind.
fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn realistic_payload_round_trips_in_memory_and_on_disk() {
    let value = customers();
    let bytes = encode(KIND, &value).unwrap();
    assert_eq!(&bytes[..8], b"OMNISNAP");
    assert_eq!(decode::<Customers>(&bytes, KIND).unwrap(), value);

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("customers.snap");
    let info = save(&path, KIND, &value).unwrap();
    assert_eq!(load::<Customers>(&path, KIND).unwrap(), value);
    // The file is exactly the in-memory encoding, and the header says so.
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
    assert_eq!(info.format_version, 1);
    assert_eq!(info.payload_name, "test-customers");
    assert_eq!(info.payload_version, 1);
    assert_eq!(info.payload_bytes, bytes.len() as u64 - 64);
    assert_eq!(info.checksum, crc32fast::hash(&bytes[64..]));
    assert_eq!(inspect(&path).unwrap(), info);
    assert_eq!(verify(&path).unwrap(), info);
    assert_eq!(files_in(dir.path()), ["customers.snap"]);
}

#[test]
fn header_fields_sit_where_the_module_docs_say() {
    let bytes = encode(PayloadKind::new("live-resolver", 7), &(1_u8, 2_u8)).unwrap();
    assert_eq!(bytes.len(), 66);
    assert_eq!(&bytes[0..8], b"OMNISNAP");
    assert_eq!(bytes[8..12], 1_u32.to_le_bytes());
    assert_eq!(&bytes[12..25], b"live-resolver");
    assert!(bytes[25..44].iter().all(|&b| b == 0));
    assert_eq!(bytes[44..48], 7_u32.to_le_bytes());
    assert_eq!(bytes[48..56], 2_u64.to_le_bytes());
    assert_eq!(bytes[56..60], crc32fast::hash(&[1, 2]).to_le_bytes());
    assert_eq!(bytes[60..64], crc32fast::hash(&bytes[..60]).to_le_bytes());
    assert_eq!(&bytes[64..], [1, 2]);
}

#[test]
fn normalized_records_are_saved_and_verified() {
    // `NormalizedRecord` is `Serialize` only today: it can be saved and
    // verified; loading it back needs `Deserialize` on the normalize types.
    let normalized: Vec<_> = french_records().iter().map(normalize).collect();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("normalized.snap");
    let kind = PayloadKind::new("normalized-records", 1);
    let info = save(&path, kind, &normalized[..]).unwrap();
    assert_eq!(verify(&path).unwrap(), info);
    assert_eq!(
        std::fs::read(&path).unwrap(),
        encode(kind, &normalized).unwrap()
    );
    assert!(info.payload_bytes > 100);
}

#[test]
fn every_truncation_is_an_error_never_a_value() {
    let value = customers();
    let bytes = encode(KIND, &value).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cut.snap");
    for len in 0..bytes.len() {
        let err = decode::<Customers>(&bytes[..len], KIND).unwrap_err();
        let why = reason(&err);
        let expected = match len {
            0 => "empty",
            1..64 => "truncated",
            _ => "truncated: the header announces",
        };
        assert!(why.contains(expected), "length {len}: {why}");
        std::fs::write(&path, &bytes[..len]).unwrap();
        let err = load::<Customers>(&path, KIND).unwrap_err();
        assert!(reason(&err).contains(expected), "length {len}: {err}");
        assert_eq!(err.file(), Some(path.as_path()));
    }
    // And one byte too many.
    let mut longer = bytes.clone();
    longer.push(0);
    let err = decode::<Customers>(&longer, KIND).unwrap_err();
    assert_eq!(reason(&err), "1 unexpected bytes after the payload");
}

#[test]
fn every_single_byte_change_is_an_error_caught_by_the_right_check() {
    let value = customers();
    let bytes = encode(KIND, &value).unwrap();
    for at in 0..bytes.len() {
        for mask in [0x01_u8, 0x80, 0xff, 0x5a] {
            let mut bad = bytes.clone();
            bad[at] ^= mask;
            let err = decode::<Customers>(&bad, KIND).unwrap_err();
            let why = reason(&err);
            let expected = match at {
                0..8 => "not an omnicanal snapshot",
                8..12 => "container format version",
                12..64 => "header checksum mismatch",
                _ => "payload checksum mismatch",
            };
            assert!(why.contains(expected), "byte {at} ^ {mask:#x}: {why}");
        }
    }
}

#[test]
fn foreign_files_are_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, Vec<u8>, &str); 5] = [
        (
            "export.csv",
            "id;nom;prenom;telephone\n4001;DUPONT;Marie;0612345678\n".into(),
            "not an omnicanal snapshot",
        ),
        ("empty.snap", Vec::new(), "the file is empty"),
        (
            "random.bin",
            // A fixed xorshift stream: random-looking, reproducible.
            std::iter::successors(Some(0x9e37_79b9_u32), |x| {
                let x = x ^ (x << 13);
                let x = x ^ (x >> 17);
                Some(x ^ (x << 5))
            })
            .take(4096)
            .map(|x| x as u8)
            .collect(),
            "not an omnicanal snapshot",
        ),
        ("short.snap", b"OMNIS".to_vec(), "truncated: 5 bytes"),
        (
            "gzip.gz",
            vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3],
            "not an omnicanal snapshot",
        ),
    ];
    for (name, content, expected) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, &content).unwrap();
        for err in [
            load::<Customers>(&path, KIND).unwrap_err(),
            inspect(&path).unwrap_err(),
            verify(&path).unwrap_err(),
        ] {
            assert!(reason(&err).contains(expected), "{name}: {err}");
            assert!(err.to_string().starts_with(&path.display().to_string()));
            // The CSV's personal data never reaches the message.
            assert!(!err.to_string().contains("DUPONT"));
        }
    }
    let missing = dir.path().join("missing.snap");
    let err = load::<Customers>(&missing, KIND).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Io { .. }));
    assert_eq!(err.file(), Some(missing.as_path()));
}

#[test]
fn a_later_container_format_is_refused_by_version() {
    let mut bytes = encode(KIND, &customers()).unwrap();
    bytes[8..12].copy_from_slice(&2_u32.to_le_bytes());
    let crc = crc32fast::hash(&bytes[..60]);
    bytes[60..64].copy_from_slice(&crc.to_le_bytes());
    let err = decode::<Customers>(&bytes, KIND).unwrap_err();
    assert_eq!(
        reason(&err),
        "container format version 2, this build reads version 1"
    );
}

#[test]
fn another_kind_or_version_is_refused_before_the_payload_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("resolver.snap");
    save(&path, PayloadKind::new("live-resolver", 2), &customers()).unwrap();
    let err = load::<Customers>(&path, PayloadKind::new("live-resolver", 1)).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{}: unusable snapshot: snapshot holds live-resolver v2, expected live-resolver v1",
            path.display()
        )
    );
    let err = load::<Customers>(&path, PayloadKind::new("customer-graph", 2)).unwrap_err();
    assert_eq!(
        reason(&err),
        "snapshot holds live-resolver v2, expected customer-graph v2"
    );
    // The kind is checked before the payload checksum: a corrupted payload
    // of another kind reports the kind.
    let mut bytes = std::fs::read(&path).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    let err = decode::<Customers>(&bytes, KIND).unwrap_err();
    assert!(reason(&err).starts_with("snapshot holds live-resolver v2"));
}

#[test]
fn invalid_kind_names_are_refused_when_writing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.snap");
    for name in ["", "a-kind-name-longer-than-32-bytes!", "nul\0inside"] {
        let kind = PayloadKind::new(name, 1);
        let err = encode(kind, &1_u8).unwrap_err();
        assert!(reason(&err).contains("payload kind name must be 1 to 32 bytes"));
        let err = save(&path, kind, &1_u8).unwrap_err();
        assert!(reason(&err).contains("payload kind name"));
    }
    assert!(files_in(dir.path()).is_empty());
    // Exactly 32 bytes, and multi-byte UTF-8, are fine.
    let longest = PayloadKind::new("résolveur-en-direct-v1-abcdefgh", 1);
    assert_eq!(longest.name.len(), 32);
    let bytes = encode(longest, &"x").unwrap();
    assert_eq!(decode::<String>(&bytes, longest).unwrap(), "x");
}

#[test]
fn forged_lengths_are_refused_without_allocating() {
    let kind = PayloadKind::new("huge", 1);
    for announced in [u64::MAX, u64::MAX / 2, 1 << 40, 3] {
        let mut bytes = header::encode(kind, announced, 0).to_vec();
        bytes.extend_from_slice(&[1, 2]);
        let err = decode::<Vec<u8>>(&bytes, kind).unwrap_err();
        assert_eq!(
            reason(&err),
            format!("truncated: the header announces {announced} payload bytes, the file holds 2")
        );
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("huge.snap");
        std::fs::write(&path, &bytes).unwrap();
        assert!(reason(&load::<Vec<u8>>(&path, kind).unwrap_err()).starts_with("truncated"));
        assert!(reason(&inspect(&path).unwrap_err()).starts_with("truncated"));
    }
    // Inside an intact container, a sequence claiming 2^63 elements is a
    // postcard error, not an allocation.
    let payload = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f];
    let bytes = container_around(kind, &payload);
    let err = decode::<Vec<u64>>(&bytes, kind).unwrap_err();
    assert!(reason(&err).contains("does not decode as huge v1"), "{err}");
}

#[test]
fn a_payload_of_the_wrong_shape_is_an_error_without_its_contents() {
    let kind = PayloadKind::new("names", 1);
    let names = vec!["dupont".to_string(), "martin".to_string()];
    let bytes = encode(kind, &names).unwrap();
    // Intact bytes read as another type: left-over bytes.
    let err = decode::<Vec<(u8, u8)>>(&bytes, kind).unwrap_err();
    assert!(reason(&err).contains("bytes left over"), "{err}");
    assert!(!err.to_string().contains("dupont"));
    // ... or too few.
    let err = decode::<(String, String, String)>(&bytes, kind).unwrap_err();
    assert!(
        reason(&err).contains("does not decode as names v1"),
        "{err}"
    );
    assert!(!err.to_string().contains("martin"));
    // Invalid UTF-8 in a string, checksums intact.
    let bytes = container_around(kind, &[1, 2, 0xc3, 0x28]);
    let err = decode::<Vec<String>>(&bytes, kind).unwrap_err();
    assert!(reason(&err).contains("does not decode"), "{err}");
}

/// Serializes `items` strings, then fails: a `Serialize` that breaks midway,
/// after more than the write buffer has reached the temporary file.
struct FailsMidway {
    items: usize,
}

impl Serialize for FailsMidway {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error as _, SerializeSeq};
        let mut seq = serializer.serialize_seq(Some(self.items + 1))?;
        for i in 0..self.items {
            seq.serialize_element(&format!("client-{i:08}-rue-de-la-paix-75011-paris"))?;
        }
        Err(S::Error::custom(
            "the resolver's state changed while saving",
        ))
    }
}

#[test]
fn a_save_that_fails_midway_leaves_the_old_snapshot_and_no_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("resolver.snap");
    let old = customers();
    save(&path, KIND, &old).unwrap();
    let old_bytes = std::fs::read(&path).unwrap();

    // ~3 MB before failing: several 1 MiB buffer flushes hit the disk first.
    let err = save(&path, KIND, &FailsMidway { items: 70_000 }).unwrap_err();
    assert!(reason(&err).contains("could not be serialized"), "{err}");
    assert_eq!(err.file(), Some(path.as_path()));

    assert_eq!(std::fs::read(&path).unwrap(), old_bytes);
    assert_eq!(load::<Customers>(&path, KIND).unwrap(), old);
    assert_eq!(files_in(dir.path()), ["resolver.snap"]);
}

#[test]
fn a_save_into_a_missing_folder_is_an_io_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no-such-folder").join("r.snap");
    let err = save(&path, KIND, &customers()).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Io { .. }), "{err}");
    assert_eq!(err.file(), Some(path.as_path()));
    let err = save(Path::new("/"), KIND, &1_u8).unwrap_err();
    assert!(reason(&err).contains("does not name a file"));
}

#[test]
fn a_bare_file_name_is_saved_in_the_current_folder() {
    // `Path::parent` of a bare name is empty, which must mean ".", not a
    // failure (tested on the folder choice, to leave the process's working
    // directory alone).
    assert_eq!(write::target_folder(Path::new("r.snap")), Path::new("."));
    assert_eq!(
        write::target_folder(Path::new("data/r.snap")),
        Path::new("data")
    );
    assert_eq!(
        write::target_folder(Path::new("/var/lib/r.snap")),
        Path::new("/var/lib")
    );
}

#[test]
fn concurrent_saves_leave_one_whole_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shared.snap");
    let kind = PayloadKind::new("counter", 1);
    std::thread::scope(|scope| {
        for t in 0..4_u64 {
            let path = &path;
            scope.spawn(move || {
                for i in 0..10_u64 {
                    let value = vec![t * 100 + i; 2000];
                    save(path, kind, &value).unwrap();
                }
            });
        }
    });
    let value = load::<Vec<u64>>(&path, kind).unwrap();
    assert_eq!(value.len(), 2000);
    assert!(value.iter().all(|&v| v == value[0]));
    assert_eq!(value[0] % 100, 9, "each thread's last save is its 10th");
    assert_eq!(files_in(dir.path()), ["shared.snap"]);
}

#[test]
fn inspect_reads_only_the_header_and_verify_the_payload_too() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.snap");
    let info = save(&path, KIND, &customers()).unwrap();
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[100] ^= 0x10;
    std::fs::write(&path, &bytes).unwrap();
    assert_eq!(inspect(&path).unwrap(), info);
    assert!(reason(&verify(&path).unwrap_err()).contains("payload checksum mismatch"));
    assert!(reason(&load::<Customers>(&path, KIND).unwrap_err()).contains("payload checksum"));
    assert!(info.holds(KIND));
    assert!(!info.holds(PayloadKind::new("test-customers", 2)));
    assert_eq!(info.file_bytes(), bytes.len() as u64);
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Small {
    names: Vec<String>,
    postcode: Option<u32>,
    index: BTreeMap<String, Vec<i64>>,
    flags: (bool, u8),
}

fn small() -> impl Strategy<Value = Small> {
    (
        proptest::collection::vec(any::<String>(), 0..5),
        any::<Option<u32>>(),
        proptest::collection::btree_map(
            "[a-zé]{0,6}",
            proptest::collection::vec(any::<i64>(), 0..4),
            0..4,
        ),
        any::<(bool, u8)>(),
    )
        .prop_map(|(names, postcode, index, flags)| Small {
            names,
            postcode,
            index,
            flags,
        })
}

const SMALL: PayloadKind = PayloadKind::new("small", 3);

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn decode_inverts_encode(value in small()) {
        let bytes = encode(SMALL, &value).unwrap();
        prop_assert_eq!(decode::<Small>(&bytes, SMALL).unwrap(), value);
    }

    #[test]
    fn any_single_byte_change_is_refused(value in small(), at in any::<prop::sample::Index>(), mask in 1_u8..) {
        let mut bytes = encode(SMALL, &value).unwrap();
        let at = at.index(bytes.len());
        bytes[at] ^= mask;
        prop_assert!(decode::<Small>(&bytes, SMALL).is_err());
    }

    #[test]
    fn arbitrary_bytes_are_an_error(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let err = decode::<Small>(&bytes, SMALL).unwrap_err();
        let is_snapshot_error = matches!(err.kind(), ErrorKind::Snapshot { .. });
        prop_assert!(is_snapshot_error);
    }

    /// Past the container's checks, postcard sees arbitrary bytes: an error,
    /// or a value that encodes and decodes back to itself.
    #[test]
    fn arbitrary_payloads_in_an_intact_container_are_an_error_or_a_value(
        payload in proptest::collection::vec(any::<u8>(), 0..200)
    ) {
        let bytes = container_around(SMALL, &payload);
        if let Ok(value) = decode::<Small>(&bytes, SMALL) {
            let again = encode(SMALL, &value).unwrap();
            prop_assert_eq!(decode::<Small>(&again, SMALL).unwrap(), value);
        }
    }
}
