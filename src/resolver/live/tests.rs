//! The live resolver against its specification: any sequence of upserts,
//! updates and erasures leaves the partition the batch would make of the
//! records that remain, the change reports replay into the same customers,
//! and ids follow the stable-id rules.

use std::collections::{BTreeSet, HashMap};

use proptest::prelude::*;

use super::*;
use crate::block::BlockingSettings;
use crate::normalize::normalize;
use crate::record::{Channel, Record};
use crate::resolver::EventPlacement;
use crate::timeline::Event;

/// People of a small town: a couple sharing an address and a landline, a
/// namesake of the wife in another city, a compound given name, a nickname.
const PEOPLE: [[&str; 7]; 5] = [
    // full name, birth date, mobile, email, street, postcode, city
    [
        "DUPONT Marie",
        "12/03/1980",
        "06 12 34 56 78",
        "marie.dupont@gmail.com",
        "12 rue de la Paix",
        "75002",
        "Paris",
    ],
    [
        "DUPONT Jean",
        "01/07/1978",
        "06 98 76 54 32",
        "jean.dupont@orange.fr",
        "12 rue de la Paix",
        "75002",
        "Paris",
    ],
    [
        "DUPONT Marie",
        "05/11/1992",
        "06 11 11 11 11",
        "mdupont92@free.fr",
        "5 avenue Victor Hugo",
        "69006",
        "Lyon",
    ],
    [
        "LEFEVRE Jean-François",
        "20/01/1965",
        "06 77 77 77 77",
        "jf.lefevre@gmail.com",
        "3 boulevard Voltaire",
        "75011",
        "Paris",
    ],
    [
        "MARTIN Frédéric",
        "05/05/1970",
        "06 55 55 55 55",
        "fred.martin@laposte.net",
        "8 rue Nationale",
        "59000",
        "Lille",
    ],
];

/// Other spellings of each person's name, as the channels type them.
const NAME_VARIANTS: [[&str; 3]; 5] = [
    ["Marie Dupont", "Mme Dupont Marie", "DUPOND Marie"],
    ["Jean Dupont", "M. Dupont Jean", "DUPONT J"],
    ["Marie Dupont", "Mme DUPONT Marie", "Dupont Marie"],
    ["J-F Lefevre", "M. Jean-Francois Lefevre", "LEFEVRE JF"],
    ["Fred Martin", "Frederic Martin", "M. MARTIN Fred"],
];

const LANDLINE: &str = "01 42 00 00 00";
const CHANNELS: [Channel; 4] = [
    Channel::Store,
    Channel::Web,
    Channel::CallCentre,
    Channel::App,
];

/// The record with key number `i` in its version `v`: a person, a name
/// spelling and a set of fields, all derived from `(i, v)`.
fn variant(i: usize, v: usize) -> NormalizedRecord {
    let mix = (i * 31 + v * 17 + 7) % 97;
    let person = (i + v * 2) % PEOPLE.len();
    let p = PEOPLE[person];
    let channel = CHANNELS[i % CHANNELS.len()].clone();
    let key = SourceKey::new(channel, format!("k{i}")).expect("key");
    let mut builder = Record::builder(key);
    let name = match mix % 4 {
        0 => p[0],
        n => NAME_VARIANTS[person][n - 1],
    };
    let mut set = |field: &str, value: &str| {
        builder.set(field, value).expect("field");
    };
    set("full_name", name);
    if mix % 3 != 0 {
        set("phone", p[2]);
    }
    if mix % 5 < 3 {
        set("email", p[3]);
    }
    if mix % 2 == 0 {
        set("birth_date", p[1]);
    }
    if mix % 7 < 4 {
        set("street", p[4]);
        set("postcode", p[5]);
        set("city", p[6]);
    }
    if person < 2 && mix % 3 == 1 {
        set("phone", LANDLINE);
    }
    normalize(&builder.build())
}

#[derive(Debug, Clone)]
enum Op {
    Upsert(usize, usize),
    Erase(usize),
    EraseCustomerOf(usize),
}

fn op(keys: usize) -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (0..keys, 0..3usize).prop_map(|(i, v)| Op::Upsert(i, v)),
        2 => (0..keys).prop_map(Op::Erase),
        1 => (0..keys).prop_map(Op::EraseCustomerOf),
    ]
}

fn key(i: usize) -> SourceKey {
    variant(i, 0).key
}

/// Settings whose block caps are tiny, so that blocks cross their cap back
/// and forth during a test.
fn tiny_caps() -> Settings {
    let mut blocking = BlockingSettings {
        max_block_size: 3,
        ..BlockingSettings::default()
    };
    for rule in &mut blocking.rules {
        rule.max_block_size = Some(3);
    }
    Settings {
        blocking,
        ..Settings::default()
    }
}

/// The batch partition of the records the live graph holds, with its model
/// and population.
fn batch_partition(live: &LiveResolver) -> Vec<Vec<SourceKey>> {
    let records: Vec<NormalizedRecord> = live.records().cloned().collect();
    let resolver = Resolver::new(live.settings().clone()).expect("settings");
    let resolution = resolver
        .resolve_with(&records, live.population())
        .expect("batch");
    let mut parts: Vec<Vec<SourceKey>> = resolution
        .clustering
        .clusters()
        .map(|(_, members)| {
            let mut keys: Vec<SourceKey> = members
                .iter()
                .map(|r| records[r.index()].key.clone())
                .collect();
            keys.sort();
            keys
        })
        .collect();
    parts.sort();
    parts
}

/// A CRM's copy of the customers, kept only from the change reports (and,
/// for a split, the new customer's record list, which a mirror would fetch).
#[derive(Default)]
struct Mirror {
    customers: HashMap<CustomerId, BTreeSet<SourceKey>>,
}

impl Mirror {
    fn apply(&mut self, live: &LiveResolver, changes: &[Change]) {
        for change in changes {
            match change {
                Change::Created { customer, records } => {
                    let fresh = self
                        .customers
                        .insert(*customer, records.iter().cloned().collect());
                    assert!(fresh.is_none(), "created twice: {change:?}");
                }
                Change::Attached { customer, record } => {
                    let set = self.customers.get_mut(customer).expect("attach to known");
                    assert!(set.insert(record.clone()), "attached twice: {change:?}");
                }
                Change::Detached { customer, record } => {
                    let set = self.customers.get_mut(customer).expect("detach from known");
                    assert!(set.remove(record), "not there: {change:?}");
                }
                Change::Updated { customer, record } => {
                    assert!(self.customers[customer].contains(record), "{change:?}");
                }
                Change::Merged { into, retired } => {
                    let moved = self.customers.remove(retired).expect("retired known");
                    self.customers
                        .get_mut(into)
                        .expect("into known")
                        .extend(moved);
                }
                Change::Split { from, into } => {
                    // The records of `into` that were `from`'s moved; new
                    // records come as attachments.
                    let records = live.records_of(*into).expect("split part exists");
                    let from_set = self.customers.get_mut(from).expect("from known");
                    let moved: Vec<SourceKey> = records
                        .into_iter()
                        .filter(|r| from_set.remove(*r))
                        .cloned()
                        .collect();
                    assert!(!moved.is_empty(), "a split moves records: {change:?}");
                    self.customers.entry(*into).or_default().extend(moved);
                }
                Change::Removed { customer } => {
                    // Its records were erased with it.
                    assert!(self.customers.remove(customer).is_some(), "{change:?}");
                }
            }
        }
    }

    fn assert_equals(&self, live: &LiveResolver) {
        let theirs: HashMap<CustomerId, BTreeSet<SourceKey>> = live
            .customers()
            .map(|(id, keys)| (id, keys.into_iter().cloned().collect()))
            .collect();
        assert_eq!(self.customers, theirs);
    }
}

fn run(live: &mut LiveResolver, ops: &[Op], mirror: &mut Mirror) {
    for op in ops {
        let changes = match *op {
            Op::Upsert(i, v) => live.upsert(variant(i, v)).expect("upsert"),
            Op::Erase(i) => live.erase(&key(i)).expect("erase"),
            Op::EraseCustomerOf(i) => match live.customer_of(&key(i)) {
                Some(id) => live.erase_customer(id).expect("erase customer"),
                None => Vec::new(),
            },
        };
        mirror.apply(live, &changes);
        mirror.assert_equals(live);
    }
}

fn assert_consistent(live: &LiveResolver) {
    let mut seen = BTreeSet::new();
    for (id, keys) in live.customers() {
        assert!(!keys.is_empty(), "customer {id} without records");
        for k in keys {
            assert!(seen.insert(k.clone()), "record in two customers");
            assert_eq!(live.customer_of(k), Some(id));
        }
    }
    assert_eq!(
        seen.len(),
        live.len(),
        "every record in exactly one customer"
    );
}

#[test]
fn the_same_person_across_channels_is_one_customer_and_the_couple_stays_apart() {
    let mut live = LiveResolver::new(Settings::default(), None, Population::default()).unwrap();
    let marie = |id: &str, name: &str| {
        let mut b = Record::builder(SourceKey::new(Channel::Web, id).unwrap());
        b.set("full_name", name).unwrap();
        b.set("phone", "06 12 34 56 78").unwrap();
        b.set("email", "marie.dupont@gmail.com").unwrap();
        normalize(&b.build())
    };
    let first = live.upsert(marie("w1", "Marie Dupont")).unwrap();
    let [Change::Created { customer, records }] = first.as_slice() else {
        panic!("{first:?}")
    };
    assert_eq!(records, &[SourceKey::new(Channel::Web, "w1").unwrap()]);
    let second = live.upsert(marie("w2", "DUPONT Marie")).unwrap();
    assert_eq!(
        second,
        vec![Change::Attached {
            customer: *customer,
            record: SourceKey::new(Channel::Web, "w2").unwrap()
        }]
    );
    // Her husband shares the landline and the address, not the person.
    let mut b = Record::builder(SourceKey::new(Channel::Store, "s1").unwrap());
    b.set("full_name", "DUPONT Jean").unwrap();
    b.set("phone", LANDLINE).unwrap();
    b.set("street", "12 rue de la Paix").unwrap();
    b.set("postcode", "75002").unwrap();
    let husband = live.upsert(normalize(&b.build())).unwrap();
    assert!(
        matches!(husband.as_slice(), [Change::Created { .. }]),
        "{husband:?}"
    );
    assert_eq!(live.customer_count(), 2);
    assert_eq!(
        live.by_email("Marie.Dupont+promo@googlemail.com"),
        vec![*customer]
    );
    assert_consistent(&live);
}

#[test]
fn a_bridge_merges_keeps_the_older_id_and_its_erasure_splits_back() {
    // Under the untrained default model a shared name alone weighs 33.6
    // bits, a name and a phone 39.4: a threshold between the two.
    let settings = Settings {
        match_weight_threshold: 36.0,
        ..Settings::default()
    };
    let mut live = LiveResolver::new(settings, None, Population::default()).unwrap();
    let rec = |id: &str, phone: Option<&str>, email: Option<&str>| {
        let mut b = Record::builder(SourceKey::new(Channel::Web, id).unwrap());
        b.set("full_name", "Marie Dupont").unwrap();
        if let Some(p) = phone {
            b.set("phone", p).unwrap();
        }
        if let Some(e) = email {
            b.set("email", e).unwrap();
        }
        normalize(&b.build())
    };
    live.upsert(rec("a", Some("06 12 34 56 78"), None)).unwrap();
    live.upsert(rec("b", None, Some("marie.dupont@gmail.com")))
        .unwrap();
    let a = live
        .customer_of(&SourceKey::new(Channel::Web, "a").unwrap())
        .unwrap();
    let b = live
        .customer_of(&SourceKey::new(Channel::Web, "b").unwrap())
        .unwrap();
    assert_ne!(a, b, "a common name alone does not link");
    let bridge = live
        .upsert(rec(
            "c",
            Some("06 12 34 56 78"),
            Some("marie.dupont@gmail.com"),
        ))
        .unwrap();
    assert!(
        bridge.contains(&Change::Merged {
            into: a,
            retired: b
        }),
        "{bridge:?}"
    );
    assert_eq!(live.current_id(b), Some(a));
    assert_eq!(live.customer_count(), 1);
    let erased = live
        .erase(&SourceKey::new(Channel::Web, "c").unwrap())
        .unwrap();
    assert!(
        erased
            .iter()
            .any(|c| matches!(c, Change::Split { from, .. } if *from == a)),
        "{erased:?}"
    );
    // The part holding the oldest record ("a") kept the id.
    assert_eq!(
        live.customer_of(&SourceKey::new(Channel::Web, "a").unwrap()),
        Some(a)
    );
    let new_b = live
        .customer_of(&SourceKey::new(Channel::Web, "b").unwrap())
        .unwrap();
    assert_ne!(new_b, a);
    assert_ne!(new_b, b, "a retired id is never issued again");
}

#[test]
fn erasing_the_last_record_removes_the_customer_and_every_index_entry() {
    let mut live = LiveResolver::new(Settings::default(), None, Population::default()).unwrap();
    let changes = live.upsert(variant(0, 0)).unwrap();
    let Change::Created { customer, .. } = changes[0].clone() else {
        panic!("{changes:?}")
    };
    let record = variant(0, 0);
    let erased = live.erase(&record.key).unwrap();
    assert_eq!(erased, vec![Change::Removed { customer }]);
    assert!(live.is_empty());
    assert_eq!(live.customer_count(), 0);
    for phone in &record.phones {
        assert!(live.by_phone(&phone.e164).is_empty());
    }
    for email in &record.emails {
        assert!(live.by_email(&email.raw).is_empty());
    }
    assert!(live.blocks.is_empty(), "no block keeps the erased record");
    assert!(
        live.records
            .iter()
            .all(|r| r.names.is_empty() && r.phones.is_empty())
    );
    assert!(
        live.erase_customer(customer).is_err(),
        "erased ids are unknown"
    );
    assert!(
        live.erase(&record.key).unwrap().is_empty(),
        "erasing twice is a no-op"
    );
}

#[test]
fn upserting_an_unchanged_record_changes_nothing() {
    let mut live = LiveResolver::new(Settings::default(), None, Population::default()).unwrap();
    live.upsert(variant(3, 0)).unwrap();
    assert!(live.upsert(variant(3, 0)).unwrap().is_empty());
}

#[test]
fn from_batch_equals_the_batch_and_goes_on_incrementally() {
    let records: Vec<NormalizedRecord> = (0..14).map(|i| variant(i, 0)).collect();
    let mut live = LiveResolver::from_batch(Settings::default(), records.clone()).unwrap();
    assert_eq!(live.partition(), batch_partition(&live));
    let resolution = Resolver::new(Settings::default())
        .unwrap()
        .resolve(&records)
        .unwrap();
    for (r, record) in records.iter().enumerate() {
        assert_eq!(
            live.customer_of(&record.key),
            resolution.customer_of(RecordId(r as u32)),
            "batch ids are kept"
        );
    }
    let mut mirror = Mirror {
        customers: live
            .customers()
            .map(|(id, keys)| (id, keys.into_iter().cloned().collect()))
            .collect(),
    };
    run(
        &mut live,
        &[
            Op::Upsert(3, 1),
            Op::Erase(0),
            Op::Upsert(20, 0),
            Op::EraseCustomerOf(5),
        ],
        &mut mirror,
    );
    assert_eq!(live.partition(), batch_partition(&live));
    assert_consistent(&live);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Sequence neutrality: after any operations, the batch of what remains.
    #[test]
    fn any_sequence_of_operations_equals_the_batch(ops in prop::collection::vec(op(16), 1..40)) {
        let mut live = LiveResolver::new(Settings::default(), None, Population::default()).unwrap();
        let mut mirror = Mirror::default();
        run(&mut live, &ops, &mut mirror);
        assert_consistent(&live);
        prop_assert_eq!(live.partition(), batch_partition(&live));
    }

    /// The same, with block caps so small that blocks cross them back and
    /// forth.
    #[test]
    fn block_caps_are_kept_exactly(ops in prop::collection::vec(op(16), 1..40)) {
        let mut live = LiveResolver::new(tiny_caps(), None, Population::default()).unwrap();
        let mut mirror = Mirror::default();
        run(&mut live, &ops, &mut mirror);
        assert_consistent(&live);
        prop_assert_eq!(live.partition(), batch_partition(&live));
    }

    /// The same, with a threshold that a shared name alone does not reach:
    /// customers hold together through phones and emails, and erasing a
    /// bridge splits them.
    #[test]
    fn bridges_and_splits_equal_the_batch(ops in prop::collection::vec(op(16), 1..40)) {
        let settings = Settings { match_weight_threshold: 36.0, ..Settings::default() };
        let mut live = LiveResolver::new(settings, None, Population::default()).unwrap();
        let mut mirror = Mirror::default();
        run(&mut live, &ops, &mut mirror);
        assert_consistent(&live);
        prop_assert_eq!(live.partition(), batch_partition(&live));
    }

    /// Order independence: the same records upserted in two orders.
    #[test]
    fn upsert_order_does_not_matter(
        picks in prop::collection::btree_set(0..24usize, 1..20),
        seed in any::<u64>(),
    ) {
        let forward: Vec<usize> = picks.iter().copied().collect();
        let mut shuffled = forward.clone();
        // Fisher–Yates with a tiny LCG: the order only has to differ.
        let mut state = seed | 1;
        for i in (1..shuffled.len()).rev() {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            shuffled.swap(i, (state >> 33) as usize % (i + 1));
        }
        let mut a = LiveResolver::new(Settings::default(), None, Population::default()).unwrap();
        let mut b = LiveResolver::new(Settings::default(), None, Population::default()).unwrap();
        for &i in &forward {
            a.upsert(variant(i, i % 3)).unwrap();
        }
        for &i in &shuffled {
            b.upsert(variant(i, i % 3)).unwrap();
        }
        prop_assert_eq!(a.partition(), b.partition());
    }
}

/// Applies the operations to a graph, returning every change report.
fn reports(live: &mut LiveResolver, ops: &[Op]) -> Vec<Vec<Change>> {
    ops.iter()
        .map(|op| match *op {
            Op::Upsert(i, v) => live.upsert(variant(i, v)).expect("upsert"),
            Op::Erase(i) => live.erase(&key(i)).expect("erase"),
            Op::EraseCustomerOf(i) => match live.customer_of(&key(i)) {
                Some(id) => live.erase_customer(id).expect("erase customer"),
                None => Vec::new(),
            },
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// The fast path of an upsert changes nothing but the time taken: the
    /// same change reports, customers, ids and member order as the general
    /// path, after any operations (with and without tiny caps).
    #[test]
    fn the_fast_path_equals_the_general_path(
        ops in prop::collection::vec(op(16), 1..40),
        tiny in any::<bool>(),
    ) {
        let settings = if tiny { tiny_caps() } else { Settings::default() };
        let mut fast = LiveResolver::new(settings.clone(), None, Population::default()).unwrap();
        let mut general = LiveResolver::new(settings, None, Population::default()).unwrap();
        general.fast_paths = false;
        prop_assert_eq!(reports(&mut fast, &ops), reports(&mut general, &ops));
        prop_assert_eq!(customers_by_id(&fast), customers_by_id(&general));
        let members = |live: &LiveResolver| -> Vec<Option<Vec<u32>>> {
            live.customers.iter().map(|c| c.as_ref().map(|c| c.members.clone())).collect()
        };
        prop_assert_eq!(members(&fast), members(&general));
        prop_assert_eq!(fast.next_stamp, general.next_stamp);
    }
}

#[test]
fn the_fast_path_is_taken_for_a_new_record_alone_or_joining_one_customer() {
    let mut live = LiveResolver::new(Settings::default(), None, Population::default()).unwrap();
    live.upsert(variant(0, 0)).unwrap();
    // A second spelling of the same person joins her customer.
    let work = |live: &mut LiveResolver, record: NormalizedRecord| {
        let slot = live.slots.len() as u32;
        live.records.push(record);
        live.slots.push(Slot {
            alive: true,
            customer: NO_CUSTOMER,
            stamp: live.next_stamp,
            ..Slot::default()
        });
        live.next_stamp += 1;
        live.index_key(slot);
        let mut work = Work::default();
        live.attach(slot, &mut work);
        live.index_lookups(slot);
        (slot, work)
    };
    let (slot, w) = work(&mut live, variant(5, 0));
    assert_eq!(live.slots[slot as usize].edges.len(), 1, "a duplicate");
    let changes = live.recluster_one_new_record(&w).expect("fast path taken");
    assert!(
        matches!(changes[..], [Change::Attached { .. }]),
        "{changes:?}"
    );
    // Someone else entirely: a customer of their own.
    let stranger = normalize(
        &Record::builder(SourceKey::new(Channel::Web, "zz").unwrap())
            .full_name("Zoé Xylander")
            .unwrap()
            .build(),
    );
    let (_, w) = work(&mut live, stranger);
    let changes = live.recluster_one_new_record(&w).expect("fast path taken");
    assert!(
        matches!(changes[..], [Change::Created { .. }]),
        "{changes:?}"
    );
    assert_consistent(&live);
}

#[test]
fn the_resolver_can_be_shared_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<LiveResolver>();
}

#[test]
fn the_test_population_links_and_separates() {
    // The laws above are only as strong as the data: it must make
    // multi-record customers, keep namesakes apart, and fill blocks past
    // the tiny caps.
    for settings in [Settings::default(), tiny_caps()] {
        let mut live = LiveResolver::new(settings, None, Population::default()).unwrap();
        for i in 0..16 {
            live.upsert(variant(i, 0)).unwrap();
        }
        let sizes: Vec<usize> = live.customers().map(|(_, k)| k.len()).collect();
        assert!(sizes.iter().any(|&n| n >= 3), "{sizes:?}");
        assert!(live.customer_count() >= 4, "{sizes:?}");
    }
    let live = {
        let mut live = LiveResolver::new(tiny_caps(), None, Population::default()).unwrap();
        for i in 0..16 {
            live.upsert(variant(i, 0)).unwrap();
        }
        live
    };
    let oversized = live
        .blocks
        .iter()
        .filter(|(k, b)| b.len() > live.resolver.blocker.cap_of(k.rule()))
        .count();
    assert!(oversized > 0, "some block is over the tiny cap");
}

// ---- snapshots -------------------------------------------------------------

fn graph_after(ops: &[Op]) -> LiveResolver {
    let records: Vec<NormalizedRecord> = (0..10).map(|i| variant(i, 0)).collect();
    let mut live = LiveResolver::from_batch(Settings::default(), records).unwrap();
    let mut mirror = Mirror {
        customers: live
            .customers()
            .map(|(id, keys)| (id, keys.into_iter().cloned().collect()))
            .collect(),
    };
    run(&mut live, ops, &mut mirror);
    live
}

fn customers_by_id(live: &LiveResolver) -> BTreeSet<(CustomerId, Vec<SourceKey>)> {
    live.customers()
        .map(|(id, keys)| (id, keys.into_iter().cloned().collect()))
        .collect()
}

#[test]
fn a_snapshot_round_trip_keeps_customers_ids_lookups_and_future_behaviour() {
    let ops = [
        Op::Upsert(12, 1),
        Op::Erase(2),
        Op::Upsert(3, 2),
        Op::Upsert(14, 0),
    ];
    let mut original = graph_after(&ops);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("graph.snap");
    let info = original.save(&path).unwrap();
    assert!(info.payload_bytes > 0);
    let mut loaded = LiveResolver::load(&path).unwrap();
    assert_eq!(customers_by_id(&loaded), customers_by_id(&original));
    assert_eq!(
        loaded.by_phone("06 12 34 56 78"),
        original.by_phone("06 12 34 56 78")
    );
    assert_eq!(loaded.model(), original.model());
    // The same operations afterwards report the same changes.
    for op in [
        Op::Upsert(15, 0),
        Op::Erase(0),
        Op::Upsert(2, 1),
        Op::EraseCustomerOf(4),
    ] {
        let (a, b) = match op {
            Op::Upsert(i, v) => (
                original.upsert(variant(i, v)).unwrap(),
                loaded.upsert(variant(i, v)).unwrap(),
            ),
            Op::Erase(i) => (
                original.erase(&key(i)).unwrap(),
                loaded.erase(&key(i)).unwrap(),
            ),
            Op::EraseCustomerOf(i) => {
                let id = original.customer_of(&key(i)).unwrap();
                (
                    original.erase_customer(id).unwrap(),
                    loaded.erase_customer(id).unwrap(),
                )
            }
        };
        assert_eq!(a, b, "{op:?}");
    }
    assert_eq!(customers_by_id(&loaded), customers_by_id(&original));
}

#[test]
fn after_an_erasure_the_snapshot_holds_none_of_the_erased_values() {
    let kerherve = |id: &str| {
        let mut b = Record::builder(SourceKey::new(Channel::Store, id).unwrap());
        b.set("full_name", "KERHERVE Yannick").unwrap();
        b.set("phone", "06 48 27 19 53").unwrap();
        b.set("email", "yannick.kerherve@wanadoo.fr").unwrap();
        b.set("street", "17 rue des Goélands").unwrap();
        b.set("postcode", "29200").unwrap();
        b.set("city", "Brest").unwrap();
        b.set("birth_date", "14/02/1971").unwrap();
        b.set("loyalty_card", "4000917733").unwrap();
        normalize(&b.build())
    };
    // Trained with him in the population, so the frozen name frequencies
    // counted his names too.
    let mut records: Vec<NormalizedRecord> = (0..10).map(|i| variant(i, 0)).collect();
    records.push(kerherve("yk-1"));
    let mut live = LiveResolver::from_batch(Settings::default(), records).unwrap();
    live.upsert(kerherve("yk-2")).unwrap();
    let needles: Vec<&[u8]> = vec![
        b"kerherve",
        b"KERHERVE",
        b"yannick",
        b"+33648271953",
        b"0648271953",
        b"wanadoo",
        b"goelands",
        b"29200",
        b"brest",
        b"4000917733",
        b"1971",
    ];
    let bytes = live.to_snapshot_bytes().unwrap();
    assert!(
        needles
            .iter()
            .any(|n| bytes.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n))),
        "the test must see the values before the erasure"
    );
    let id = live
        .customer_of(&SourceKey::new(Channel::Store, "yk-1").unwrap())
        .unwrap();
    live.erase_customer(id).unwrap();
    let bytes = live.to_snapshot_bytes().unwrap();
    for needle in needles {
        assert!(
            !bytes
                .windows(needle.len())
                .any(|w| w.eq_ignore_ascii_case(needle)),
            "{:?} is still in the snapshot",
            String::from_utf8_lossy(needle)
        );
    }
    // And what remains still loads.
    let loaded = LiveResolver::from_snapshot_bytes(&bytes).unwrap();
    assert_eq!(loaded.partition(), live.partition());
}

#[test]
fn a_damaged_snapshot_is_a_clear_error() {
    let live = graph_after(&[Op::Upsert(11, 0)]);
    let bytes = live.to_snapshot_bytes().unwrap();
    for cut in [0, 10, bytes.len() / 2, bytes.len() - 1] {
        let err = LiveResolver::from_snapshot_bytes(&bytes[..cut]).unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::Snapshot { .. }), "{err}");
    }
    let mut flipped = bytes.clone();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 0x40;
    assert!(LiveResolver::from_snapshot_bytes(&flipped).is_err());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cut.snap");
    std::fs::write(&path, &bytes[..bytes.len() - 3]).unwrap();
    let err = LiveResolver::load(&path).unwrap_err();
    assert!(err.to_string().contains("cut.snap"), "{err}");
}

#[test]
fn a_well_formed_container_with_inconsistent_contents_is_refused() {
    let live = graph_after(&[]);
    let mut state = live.state();
    // A record pointing at a customer that does not exist.
    state.customer_of[0] = 999;
    let bytes = crate::snapshot::encode(LIVE_RESOLVER_PAYLOAD, &state).unwrap();
    let err = LiveResolver::from_snapshot_bytes(&bytes).unwrap_err();
    assert!(err.to_string().contains("inconsistent"), "{err}");
    let mut state = live.state();
    state.edges.push((0, 0, 50.0));
    let bytes = crate::snapshot::encode(LIVE_RESOLVER_PAYLOAD, &state).unwrap();
    assert!(LiveResolver::from_snapshot_bytes(&bytes).is_err());
}

#[test]
fn the_graph_view_has_the_same_customers_and_ids() {
    let live = graph_after(&[Op::Upsert(12, 1), Op::Erase(2), Op::Upsert(3, 2)]);
    let graph = live.to_graph(None).unwrap();
    let mut from_graph: BTreeSet<(CustomerId, Vec<SourceKey>)> = BTreeSet::new();
    for cluster in graph.clustering().clusters().map(|(c, _)| c) {
        let customer = graph.customer(cluster).unwrap();
        let mut keys: Vec<SourceKey> = customer.records().map(|(_, k)| k.clone()).collect();
        keys.sort();
        from_graph.insert((customer.customer_id(), keys));
    }
    assert_eq!(from_graph, customers_by_id(&live));
    let phone = live.by_phone("06 12 34 56 78");
    assert!(!phone.is_empty());
    let found: Vec<CustomerId> = graph
        .by_phone("06 12 34 56 78")
        .matches()
        .iter()
        .map(|m| m.customer_id)
        .collect();
    assert_eq!(found, phone);
}

#[test]
fn explanations_weigh_pairs_as_the_graph_did() {
    let live = graph_after(&[Op::Upsert(12, 1)]);
    let graph = live.to_graph(None).unwrap();
    let mut checked = 0;
    for edge in graph.clustering().accepted() {
        let explained = graph.explain_pair(edge.a, edge.b).unwrap();
        assert_eq!(explained.weights.match_weight, edge.weight, "{edge:?}");
        assert!(explained.above_threshold);
        checked += 1;
    }
    assert!(checked > 0);
}

// ---- events ------------------------------------------------------------------

fn event(n: usize, record: &SourceKey, order: Option<&str>) -> Event {
    Event {
        id: format!("EV-{n:05}"),
        source: record.clone(),
        timestamp: jiff::Timestamp::from_second(1_700_000_000 + n as i64 * 3600).unwrap(),
        channel: record.channel.clone(),
        kind: crate::timeline::EventKind::Purchase,
        amount: None,
        order_ref: order.map(str::to_owned),
        store: Some("S042".into()),
        attributes: vec![("note".into(), format!("attr-{n}"))],
    }
}

#[test]
fn events_follow_their_records_through_merges_and_erasures() {
    let mut live = LiveResolver::new(Settings::default(), None, Population::default()).unwrap();
    let (a, b) = (key(0), key(5)); // the same person, two channels
    // An event before its record: pending.
    assert_eq!(
        live.upsert_event(event(1, &a, Some("CMD-1"))).unwrap(),
        EventPlacement::Pending
    );
    assert_eq!(live.pending_event_count(), 1);
    live.upsert(variant(0, 0)).unwrap();
    assert_eq!(live.pending_event_count(), 0);
    let customer = live.customer_of(&a).unwrap();
    assert_eq!(
        live.upsert_event(event(2, &a, None)).unwrap(),
        EventPlacement::Placed { customer }
    );
    live.upsert(variant(5, 0)).unwrap();
    live.upsert_event(event(3, &b, Some("CMD-1"))).unwrap();
    let merged = live.customer_of(&b).unwrap();
    assert_eq!(
        merged, customer,
        "test data: records 0 and 5 are one person"
    );
    let ids: Vec<String> = live
        .timeline(customer)
        .unwrap()
        .newest_first()
        .iter()
        .map(|e| e.id().to_owned())
        .collect();
    assert_eq!(ids, ["EV-00003", "EV-00002", "EV-00001"]);
    let journeys = live.timeline(customer).unwrap().journeys();
    assert_eq!(journeys.len(), 1, "CMD-1 crosses two records");
    // Erasing one record takes exactly its events.
    live.erase(&a).unwrap();
    let left: Vec<String> = live
        .timeline(live.customer_of(&b).unwrap())
        .unwrap()
        .iter()
        .map(|e| e.id().to_owned())
        .collect();
    assert_eq!(left, ["EV-00003"]);
    assert_eq!(live.event_count(), 1);
    // Pending events of an erased key go too.
    live.upsert_event(event(4, &key(9), None)).unwrap();
    live.erase(&key(9)).unwrap();
    assert_eq!(live.pending_event_count(), 0);
}

#[test]
fn an_erased_customer_leaves_no_event_bytes_in_the_snapshot() {
    let mut live = graph_after(&[]);
    let target = key(3);
    for n in 0..5 {
        live.upsert_event(event(n, &target, Some("CMD-SECRET-77")))
            .unwrap();
    }
    live.upsert_event(event(9, &key(4), Some("CMD-KEEP")))
        .unwrap();
    let bytes = live.to_snapshot_bytes().unwrap();
    let holds =
        |bytes: &[u8], needle: &str| bytes.windows(needle.len()).any(|w| w == needle.as_bytes());
    assert!(holds(&bytes, "CMD-SECRET-77") && holds(&bytes, "EV-00001"));
    let id = live.customer_of(&target).unwrap();
    let records_of_target: Vec<SourceKey> =
        live.records_of(id).unwrap().into_iter().cloned().collect();
    live.erase_customer(id).unwrap();
    let bytes = live.to_snapshot_bytes().unwrap();
    for needle in ["CMD-SECRET-77", "EV-00001", "attr-1"] {
        assert!(!holds(&bytes, needle), "{needle} survived the erasure");
    }
    let loaded = LiveResolver::from_snapshot_bytes(&bytes).unwrap();
    assert_eq!(loaded.event_count(), live.event_count());
    for k in records_of_target {
        assert_eq!(loaded.customer_of(&k), None);
    }
    let kept = loaded
        .customer_of(&key(4))
        .and_then(|c| loaded.timeline(c))
        .unwrap();
    assert!(kept.iter().any(|e| e.order_ref() == Some("CMD-KEEP")));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Nothing lost: every event sent is in exactly the timeline of its
    /// record's customer, or pending when its record is not held; events
    /// of erased records are gone.
    #[test]
    fn every_event_is_in_exactly_one_place(
        ops in prop::collection::vec((op(12), 0..12usize), 1..40),
    ) {
        let mut live = LiveResolver::new(Settings::default(), None, Population::default()).unwrap();
        // Expected events per key, as a model.
        let mut expected: HashMap<SourceKey, Vec<String>> = HashMap::new();
        for (n, (operation, target)) in ops.iter().enumerate() {
            match *operation {
                Op::Upsert(i, v) => { live.upsert(variant(i, v)).unwrap(); }
                Op::Erase(i) => {
                    live.erase(&key(i)).unwrap();
                    expected.remove(&key(i));
                }
                Op::EraseCustomerOf(i) => {
                    if let Some(id) = live.customer_of(&key(i)) {
                        for k in live.records_of(id).unwrap() {
                            expected.remove(k);
                        }
                        live.erase_customer(id).unwrap();
                    }
                }
            }
            let e = event(n, &key(*target), None);
            expected.entry(e.source.clone()).or_default().push(e.id.clone());
            live.upsert_event(e).unwrap();
        }
        let mut placed = 0;
        for (id, keys) in live.customers() {
            let mut got: Vec<String> =
                live.timeline(id).unwrap().iter().map(|e| e.id().to_owned()).collect();
            let mut want: Vec<String> =
                keys.iter().flat_map(|k| expected.get(*k).cloned().unwrap_or_default()).collect();
            got.sort();
            want.sort();
            placed += want.len();
            prop_assert_eq!(got, want);
        }
        let waiting: usize = expected
            .iter()
            .filter(|(k, _)| live.customer_of(k).is_none())
            .map(|(_, v)| v.len())
            .sum();
        prop_assert_eq!(live.pending_event_count(), waiting);
        prop_assert_eq!(live.event_count(), placed);
    }
}

#[test]
fn slots_filed_under_one_hash_come_and_go() {
    let mut map: FastMap<u64, Slots> = FastMap::default();
    let file = |map: &mut FastMap<u64, Slots>, slot| {
        map.entry(7)
            .and_modify(|s| s.insert(slot))
            .or_insert(Slots::One(slot));
    };
    file(&mut map, 1);
    file(&mut map, 2);
    file(&mut map, 2);
    assert_eq!(map[&7].iter().collect::<Vec<_>>(), [1, 2]);
    assert!(!remove_slot_from(&mut map, 7, 9));
    assert!(remove_slot_from(&mut map, 7, 1));
    assert!(matches!(map[&7], Slots::One(2)));
    assert!(remove_slot_from(&mut map, 7, 2));
    assert!(map.is_empty());
    assert!(!remove_slot_from(&mut map, 7, 2));
}

#[test]
fn a_lookup_checks_the_value_behind_the_hash() {
    let mut live = LiveResolver::new(Settings::default(), None, Population::default()).unwrap();
    live.upsert(variant(0, 0)).unwrap();
    let phone = live.record(&key(0)).unwrap().phones[0].e164.clone();
    let customer = live.customer_of(&key(0)).unwrap();
    assert_eq!(live.by_phone(&phone), vec![customer]);
    // File another phone's hash as if it collided with this one: the
    // record does not hold it, so the lookup must not answer with it.
    let other = value_hash(b"p", &[b"+33700000000".as_slice()]);
    live.phones
        .insert(other, Slots::One(live.slot_of(&key(0)).unwrap()));
    assert!(live.by_phone("07 00 00 00 00").is_empty());
}
