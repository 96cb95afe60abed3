use jiff::Timestamp;

use super::*;
use crate::block::{GenericSettings, GenericValues};
use crate::normalize::normalize;
use crate::record::Record;
use crate::timeline::{Event, EventKind};

fn key(channel: Channel, id: &str) -> SourceKey {
    SourceKey::new(channel, id).unwrap()
}

struct Fixture {
    raw: Vec<Record>,
    normalized: Vec<NormalizedRecord>,
}

impl Fixture {
    fn new(raw: Vec<Record>) -> Self {
        let normalized = raw.iter().map(normalize).collect();
        Fixture { raw, normalized }
    }

    fn profile(&self, rules: &SurvivorshipRules, events: &[Event]) -> Profile {
        let members: Vec<_> = self.raw.iter().zip(&self.normalized).collect();
        let keys: Vec<_> = self.raw.iter().map(|r| r.key.clone()).collect();
        build_profile(
            rules,
            CustomerId::from_members(&keys),
            &members,
            events,
            None,
        )
    }
}

fn record(channel: Channel, id: &str, fill: impl FnOnce(&mut crate::RecordBuilder)) -> Record {
    let mut b = Record::builder(key(channel, id));
    fill(&mut b);
    b.build()
}

fn event(source: &SourceKey, id: &str, at: &str, channel: Channel, cents: Option<i64>) -> Event {
    Event {
        id: id.into(),
        source: source.clone(),
        timestamp: at.parse().unwrap(),
        channel,
        kind: EventKind::Purchase,
        amount: cents.map(|minor| Money {
            minor,
            currency: Currency::EUR,
        }),
        order_ref: None,
        store: None,
        attributes: vec![],
    }
}

/// A store card updated in 2024 and a web account updated in 2020, each
/// with its own mobile.
fn two_phones() -> Fixture {
    Fixture::new(vec![
        record(Channel::Web, "WEB1", |b| {
            b.full_name("Marie Dupont").unwrap();
            b.phone("06 11 11 11 11").unwrap();
            b.updated_at("2020-02-01").unwrap();
        }),
        record(Channel::Store, "4001", |b| {
            b.full_name("DUPONT Marie").unwrap();
            b.phone("06.22.22.22.22").unwrap();
            b.updated_at("2024-06-01").unwrap();
        }),
    ])
}

#[test]
fn most_recent_wins() {
    let rules = SurvivorshipRules::default();
    let p = two_phones().profile(&rules, &[]);
    assert_eq!(p.phone().unwrap().e164, "+33622222222");
    assert_eq!(p.phones[1].value.e164, "+33611111111");
    assert_eq!(
        p.phones[0].last_seen,
        Some("2024-05-31T22:00:00Z".parse::<Timestamp>().unwrap())
    );
}

#[test]
fn channel_priority_wins_over_recency() {
    let rules = SurvivorshipRules {
        phone: Strategy::ChannelPriority(vec![Channel::Web, Channel::Store]),
        ..SurvivorshipRules::default()
    };
    let p = two_phones().profile(&rules, &[]);
    assert_eq!(p.phone().unwrap().e164, "+33611111111");
}

#[test]
fn an_event_makes_a_record_recent() {
    // The web account was updated in 2020 but ordered in 2025: its phone is
    // the most recently seen.
    let f = two_phones();
    let order = event(
        &f.raw[0].key,
        "CMD-1",
        "2025-01-05T10:00:00Z",
        Channel::Web,
        Some(4_990),
    );
    let p = f.profile(&SurvivorshipRules::default(), &[order]);
    assert_eq!(p.phone().unwrap().e164, "+33611111111");
    let web = p
        .sources(&p.phones[0])
        .find(|s| s.source.channel == Channel::Web);
    assert_eq!(
        web.unwrap().last_seen,
        Some("2025-01-05T10:00:00Z".parse().unwrap())
    );
}

#[test]
fn most_frequent_wins_over_recency() {
    let f = Fixture::new(vec![
        record(Channel::Web, "W", |b| {
            b.email("marie.dupont@orange.fr").unwrap();
            b.updated_at("2019-01-01").unwrap();
        }),
        record(Channel::App, "A", |b| {
            b.email("Marie.Dupont@orange.fr").unwrap();
            b.updated_at("2019-01-02").unwrap();
        }),
        record(Channel::Store, "S", |b| {
            b.email("mdupont@free.fr").unwrap();
            b.updated_at("2024-01-01").unwrap();
        }),
    ]);
    let rules = SurvivorshipRules {
        email: Strategy::MostFrequent,
        ..SurvivorshipRules::default()
    };
    let p = f.profile(&rules, &[]);
    assert_eq!(p.email().unwrap().normalized, "marie.dupont@orange.fr");
    assert_eq!(p.emails[0].sources.len(), 2);
    let recent = f.profile(&SurvivorshipRules::default(), &[]);
    assert_eq!(recent.email().unwrap().normalized, "mdupont@free.fr");
}

#[test]
fn ties_break_on_the_smallest_value_whatever_the_order() {
    // Same date, one record each, no channel preference: the smallest E.164.
    let a = record(Channel::Store, "1", |b| {
        b.phone("07 99 99 99 99").unwrap();
        b.updated_at("2023-03-03").unwrap();
    });
    let b = record(Channel::Store, "2", |b| {
        b.phone("06 55 55 55 55").unwrap();
        b.updated_at("2023-03-03").unwrap();
    });
    for strategy in [
        Strategy::MostRecent,
        Strategy::MostFrequent,
        Strategy::ChannelPriority(vec![Channel::Store]),
    ] {
        let rules = SurvivorshipRules {
            phone: strategy.clone(),
            ..SurvivorshipRules::default()
        };
        let one = Fixture::new(vec![a.clone(), b.clone()]).profile(&rules, &[]);
        let other = Fixture::new(vec![b.clone(), a.clone()]).profile(&rules, &[]);
        assert_eq!(one.phone().unwrap().e164, "+33655555555", "{strategy:?}");
        assert_eq!(one, other, "{strategy:?}");
    }
}

#[test]
fn undated_values_come_after_dated_ones_under_most_recent() {
    let f = Fixture::new(vec![
        record(Channel::Store, "1", |b| {
            b.phone("06 11 11 11 11").unwrap();
        }),
        record(Channel::Store, "2", |b| {
            b.phone("06 99 99 99 99").unwrap();
            b.created_at("01/01/2010").unwrap();
        }),
    ]);
    let p = f.profile(&SurvivorshipRules::default(), &[]);
    assert_eq!(p.phone().unwrap().e164, "+33699999999");
}

#[test]
fn names_complete_first_then_channel_then_spelled_with_accents() {
    let f = Fixture::new(vec![
        // A recent call-centre contact with initials only.
        record(Channel::CallCentre, "CC1", |b| {
            b.full_name("M. LEFEVRE H.").unwrap();
            b.updated_at("2025-01-01").unwrap();
        }),
        record(Channel::Store, "4001", |b| {
            b.civility("Mme").unwrap();
            b.full_name("LEFEVRE Helene").unwrap();
        }),
        record(Channel::Web, "WEB1", |b| {
            b.given_name("Hélène").unwrap();
            b.family_name("Lefèvre").unwrap();
        }),
    ]);
    let p = f.profile(&SurvivorshipRules::default(), &[]);
    let name = p.name().unwrap();
    // One value for the store and web spellings, shown with accents.
    assert_eq!(name.full(), "Hélène Lefèvre");
    assert_eq!(name.given_folded, "helene");
    assert_eq!(p.names[0].sources.len(), 2);
    assert_eq!(p.names.len(), 2);
    assert_eq!(p.names[1].value.given, "H");
    // Civility from the preferred name's records (the store card).
    assert_eq!(p.civility.as_deref(), Some("madame"));
}

#[test]
fn particles_are_spelled_from_a_full_name() {
    let f = Fixture::new(vec![record(Channel::CallCentre, "CC1", |b| {
        b.full_name("Jean-François de La Fontaine,").unwrap();
    })]);
    let p = f.profile(&SurvivorshipRules::default(), &[]);
    let name = p.name().unwrap();
    assert_eq!(name.given, "Jean-François");
    assert_eq!(name.family, "de La Fontaine");
    assert_eq!(name.family_folded, "de la fontaine");
}

#[test]
fn placeholders_and_generic_values_are_listed_never_preferred() {
    // Twelve different people gave the store's number at the till.
    let mut raw: Vec<Record> = (0..12)
        .map(|i| {
            record(Channel::Store, &format!("S{i}"), |b| {
                b.full_name(format!(
                    "NOM{} Jean",
                    ["A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L"][i]
                ))
                .unwrap();
                b.phone("01 40 00 00 00").unwrap();
            })
        })
        .collect();
    raw.push(record(Channel::Store, "me", |b| {
        b.full_name("DUPONT Marie").unwrap();
        b.phone("01 40 00 00 00").unwrap();
        b.email("pasdemail@magasin.fr").unwrap();
        b.updated_at("2024-01-01").unwrap();
    }));
    let normalized: Vec<_> = raw.iter().map(normalize).collect();
    let generic = GenericValues::detect(&normalized, &GenericSettings::default());
    let last = raw.len() - 1;
    let members = [(&raw[last], &normalized[last])];
    let p = build_profile(
        &SurvivorshipRules::default(),
        CustomerId::of_key(&raw[last].key),
        &members,
        &[],
        Some(&generic),
    );
    assert_eq!(p.phones.len(), 1);
    assert!(p.phones[0].generic);
    assert_eq!(p.phone(), None);
    assert_eq!(p.emails.len(), 1);
    assert!(p.emails[0].generic);
    assert_eq!(p.email(), None);
}

#[test]
fn birth_dates_complete_first() {
    let f = Fixture::new(vec![
        record(Channel::App, "A", |b| {
            b.birth_year("1980").unwrap();
        }),
        record(Channel::CallCentre, "C", |b| {
            b.birth_date("05/03/1980").unwrap();
        }),
    ]);
    let p = f.profile(&SurvivorshipRules::default(), &[]);
    let d = p.birth_date().unwrap();
    assert_eq!((d.year, d.month, d.day), (1980, Some(3), Some(5)));
    assert_eq!(p.birth_dates.len(), 2);
}

#[test]
fn activity_adds_up_per_channel_and_currency() {
    let f = two_phones();
    let web = f.raw[0].key.clone();
    let store = f.raw[1].key.clone();
    let stranger = key(Channel::Web, "someone-else");
    let mut refund = event(
        &web,
        "R1",
        "2024-03-01T10:00:00Z",
        Channel::Store,
        Some(-1_000),
    );
    refund.kind = EventKind::Return;
    let mut chf = event(
        &store,
        "P3",
        "2024-04-01T10:00:00Z",
        Channel::Store,
        Some(2_000),
    );
    chf.amount = Some(Money {
        minor: 2_000,
        currency: "CHF".parse().unwrap(),
    });
    let events = vec![
        event(
            &web,
            "O1",
            "2024-01-01T10:00:00Z",
            Channel::Web,
            Some(5_990),
        ),
        event(
            &store,
            "P1",
            "2024-02-01T10:00:00Z",
            Channel::Store,
            Some(1_250),
        ),
        event(&store, "V1", "2023-12-01T10:00:00Z", Channel::App, None),
        refund,
        chf,
        event(
            &stranger,
            "X",
            "2024-05-01T10:00:00Z",
            Channel::Web,
            Some(99_999),
        ),
    ];
    let p = f.profile(&SurvivorshipRules::default(), &events);
    assert_eq!(p.activity.events, 5);
    assert_eq!(
        p.activity.first_interaction,
        Some("2023-12-01T10:00:00Z".parse().unwrap())
    );
    assert_eq!(
        p.activity.last_interaction,
        Some("2024-04-01T10:00:00Z".parse().unwrap())
    );
    let names: Vec<_> = p
        .activity
        .channels
        .iter()
        .map(|c| c.channel.name())
        .collect();
    assert_eq!(names, ["app", "store", "web"]);
    let store_channel = &p.activity.channels[1];
    assert_eq!(store_channel.events, 3);
    assert_eq!(p.spend_in(Currency::EUR), 5_990 + 1_250 - 1_000);
    assert_eq!(p.spend_in("CHF".parse().unwrap()), 2_000);
    assert_eq!(p.activity.channels[0].spend, vec![]);
}

#[test]
fn debug_prints_no_value_and_serde_round_trips() {
    let p = two_phones().profile(&SurvivorshipRules::default(), &[]);
    let dbg = format!("{p:?} {:?}", p.phones[0]);
    assert!(
        !dbg.contains("DUPONT") && !dbg.contains("upont") && !dbg.contains("+336"),
        "{dbg}"
    );
    let json = serde_json::to_string(&p).unwrap();
    assert!(json.contains("+33622222222"));
    let back: Profile = serde_json::from_str(&json).unwrap();
    assert_eq!(back, p);
    let rules: SurvivorshipRules = serde_json::from_str(
        r#"{"phone": {"channel_priority": ["web", "store"]}, "email": "most_frequent"}"#,
    )
    .unwrap();
    assert_eq!(
        rules.phone,
        Strategy::ChannelPriority(vec![Channel::Web, Channel::Store])
    );
    assert_eq!(rules.email, Strategy::MostFrequent);
    assert_eq!(rules.address, Strategy::MostRecent);
}

#[cfg(feature = "synth")]
mod synth {
    use proptest::prelude::*;

    use super::*;
    use crate::cluster::{Clustering, NoGuard, cluster};
    use crate::record::RecordId;
    use crate::synth::{Dataset, SynthConfig, generate};
    use crate::timeline::Timelines;

    /// A small dataset with its true clustering (one customer per person).
    pub(crate) fn truth_clustering(data: &Dataset) -> (Clustering, Vec<CustomerId>) {
        let mut by_person: Vec<(u64, u32)> = data
            .truth
            .records
            .iter()
            .enumerate()
            .map(|(r, t)| (t.person.0, r as u32))
            .collect();
        by_person.sort_unstable();
        let edges: Vec<_> = by_person
            .windows(2)
            .filter(|w| w[0].0 == w[1].0)
            .map(|w| crate::Edge::new(RecordId(w[0].1), RecordId(w[1].1), 10.0))
            .collect();
        let clustering = cluster(data.records.len(), &edges, 0.0, &NoGuard);
        let keys: Vec<_> = data.records.iter().map(|r| r.key.clone()).collect();
        let ids = clustering
            .clusters()
            .map(|(c, _)| clustering.customer_id(c, &keys).unwrap())
            .collect();
        (clustering, ids)
    }

    fn dataset() -> &'static (Dataset, Vec<NormalizedRecord>) {
        static DATA: std::sync::OnceLock<(Dataset, Vec<NormalizedRecord>)> =
            std::sync::OnceLock::new();
        DATA.get_or_init(|| {
            let data = generate(&SynthConfig {
                persons: 300,
                seed: 11,
                ..SynthConfig::default()
            });
            let normalized = data.records.iter().map(normalize).collect();
            (data, normalized)
        })
    }

    #[test]
    fn every_value_has_provenance_and_every_record_value_is_in_the_profile() {
        let (data, normalized) = dataset();
        let (clustering, ids) = truth_clustering(data);
        let rules = SurvivorshipRules::default();
        let profiles = ProfileBuilder::new(&rules, normalized)
            .raw_records(&data.records)
            .build_all(&clustering, &ids);
        assert_eq!(profiles.len(), clustering.len());
        for (c, members) in clustering.clusters() {
            let p = &profiles[c.index()];
            assert_eq!(p.records.len(), members.len());
            // Sources are positions of the profile's records, ascending.
            let known = |positions: &[u32]| {
                !positions.is_empty()
                    && positions.is_sorted_by(|a, b| a < b)
                    && positions.iter().all(|&i| (i as usize) < p.records.len())
            };
            assert!(p.names.iter().all(|v| known(&v.sources)));
            assert!(p.phones.iter().all(|v| known(&v.sources)));
            assert!(p.emails.iter().all(|v| known(&v.sources)));
            assert!(p.addresses.iter().all(|v| known(&v.sources)));
            assert!(p.birth_dates.iter().all(|v| known(&v.sources)));
            assert!(p.identifiers.iter().all(|v| known(&v.sources)));
            for &r in members {
                let n = &normalized[r.index()];
                let from = |positions: &[u32]| {
                    positions
                        .iter()
                        .any(|&i| p.records.get(i as usize).map(|r| &r.source) == Some(&n.key))
                };
                for phone in &n.phones {
                    let v = p
                        .phones
                        .iter()
                        .find(|v| v.value.e164 == phone.e164)
                        .unwrap();
                    assert!(from(&v.sources));
                }
                for email in &n.emails {
                    let v = p
                        .emails
                        .iter()
                        .find(|v| v.value.normalized == email.normalized);
                    assert!(from(&v.unwrap().sources));
                }
                for (kind, value) in &n.identifiers {
                    let v = p
                        .identifiers
                        .iter()
                        .find(|v| v.value.kind == *kind && v.value.value == *value);
                    assert!(from(&v.unwrap().sources));
                }
                for a in &n.addresses {
                    let v = p.addresses.iter().find(|v| {
                        let v = &v.value;
                        (
                            &v.postcode,
                            &v.city,
                            &v.street,
                            v.number,
                            &v.number_suffix,
                            v.country,
                        ) == (
                            &a.postcode.as_deref().map(str::to_owned),
                            &a.city.as_deref().map(str::to_owned),
                            &a.street.as_deref().map(str::to_owned),
                            a.number,
                            &a.number_suffix.as_deref().map(str::to_owned),
                            a.country,
                        )
                    });
                    assert!(from(&v.unwrap().sources));
                }
            }
        }
    }

    #[test]
    fn counts_and_spend_add_up_to_the_events() {
        let (data, normalized) = dataset();
        let (clustering, ids) = truth_clustering(data);
        let keys: Vec<_> = data.records.iter().map(|r| r.key.clone()).collect();
        let labels: Vec<u32> = clustering.assignment().iter().map(|c| c.0).collect();
        let built = Timelines::build_with_keys(data.events.clone(), &keys, &labels).unwrap();
        assert!(built.orphans.is_empty());
        let rules = SurvivorshipRules::default();
        let profiles = ProfileBuilder::new(&rules, normalized)
            .timelines(&built.timelines)
            .build_all(&clustering, &ids);
        let events: u64 = profiles.iter().map(|p| p.activity.events).sum();
        assert_eq!(events, data.events.len() as u64);
        let spend: i64 = profiles.iter().map(|p| p.spend_in(Currency::EUR)).sum();
        let expected: i64 = data
            .events
            .iter()
            .filter_map(|e| e.amount)
            .map(|m| m.minor)
            .sum();
        assert_eq!(spend, expected);
        assert!(spend > 0);
        for p in &profiles {
            let per_channel: u64 = p.activity.channels.iter().map(|c| c.events).sum();
            assert_eq!(per_channel, p.activity.events);
            if p.activity.events > 0 {
                assert!(p.activity.first_interaction <= p.activity.last_interaction);
                // A record's last seen is at least its latest event.
                assert!(p.last_seen >= p.activity.last_interaction);
            }
        }
        // The builder over timelines agrees with the one over events in hand.
        for (c, members) in clustering.clusters().take(60) {
            let pairs: Vec<_> = members
                .iter()
                .map(|r| (&data.records[r.index()], &normalized[r.index()]))
                .collect();
            let by_hand = build_profile(&rules, ids[c.index()], &pairs, &data.events, None);
            assert_eq!(by_hand.activity, profiles[c.index()].activity);
        }
    }

    /// Names packed in `TypedNames` give the profiles the raw records give,
    /// and keeping some records keeps exactly their names.
    #[test]
    fn typed_names_give_the_profiles_of_the_raw_records() {
        let (data, normalized) = dataset();
        let (clustering, ids) = truth_clustering(data);
        let rules = SurvivorshipRules::default();
        let mut typed = TypedNames::new();
        for record in &data.records {
            typed.push(record);
        }
        assert_eq!(typed.len(), data.records.len());
        let from_raw = ProfileBuilder::new(&rules, normalized)
            .raw_records(&data.records)
            .build_all(&clustering, &ids);
        let from_typed = ProfileBuilder::new(&rules, normalized)
            .typed_names(&typed)
            .build_all(&clustering, &ids);
        assert_eq!(from_raw, from_typed);
        // Spellings do come from the names: without them some differ.
        let bare = ProfileBuilder::new(&rules, normalized).build_all(&clustering, &ids);
        assert_ne!(bare, from_typed);

        let keep: Vec<bool> = (0..data.records.len()).map(|r| r % 3 != 1).collect();
        let mut kept = typed.clone();
        kept.retain_by(&keep);
        let mut expected = TypedNames::new();
        for (record, _) in data.records.iter().zip(&keep).filter(|(_, k)| **k) {
            expected.push(record);
        }
        assert_eq!(kept, expected);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]
        #[test]
        fn shuffled_records_and_events_give_the_same_profile(
            seed in any::<u64>(),
            cluster_pick in 0usize..1000,
        ) {
            let (data, normalized) = dataset();
            let (clustering, ids) = truth_clustering(data);
            // A customer with several records, and its events.
            let multi: Vec<_> = clustering.clusters().filter(|(_, m)| m.len() > 1).collect();
            let (c, members) = multi[cluster_pick % multi.len()];
            let mut pairs: Vec<_> = members
                .iter()
                .map(|r| (&data.records[r.index()], &normalized[r.index()]))
                .collect();
            let mut events: Vec<Event> = data
                .events
                .iter()
                .filter(|e| pairs.iter().any(|(r, _)| r.key == e.source))
                .cloned()
                .collect();
            let rules = SurvivorshipRules::default();
            let before = build_profile(&rules, ids[c.index()], &pairs, &events, None);
            // Fisher–Yates with a xorshift stream.
            let mut s = seed | 1;
            let mut next = |n: usize| {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                (s % n as u64) as usize
            };
            for i in (1..pairs.len()).rev() {
                pairs.swap(i, next(i + 1));
            }
            for i in (1..events.len()).rev() {
                events.swap(i, next(i + 1));
            }
            let after = build_profile(&rules, ids[c.index()], &pairs, &events, None);
            prop_assert_eq!(&before, &after);
            // Member ids in any order give the same as well.
            let mut shuffled: Vec<RecordId> = members.to_vec();
            shuffled.reverse();
            let builder = ProfileBuilder::new(&rules, normalized).raw_records(&data.records);
            prop_assert_eq!(builder.build(ids[c.index()], c, members), builder.build(ids[c.index()], c, &shuffled));
            let no_events = build_profile(&rules, ids[c.index()], &pairs, &[], None);
            prop_assert_eq!(&builder.build(ids[c.index()], c, members), &no_events);
        }
    }
}

#[cfg(feature = "synth")]
pub(crate) use synth::truth_clustering;
