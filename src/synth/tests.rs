//! Tests of the generator as a whole: determinism, ground truth consistency,
//! and the rates the configuration promises.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use super::population::{self, mailbox};
use super::*;
use crate::record::Channel;
use crate::timeline::EventKind;

fn config(persons: u64, seed: u64) -> SynthConfig {
    SynthConfig {
        persons,
        seed,
        ..SynthConfig::default()
    }
}

fn person_of(data: &Dataset) -> HashMap<&SourceKey, u64> {
    data.truth
        .records
        .iter()
        .map(|t| (&t.key, t.person.0))
        .collect()
}

/// Digits only, national form: `+33 6 12…` and `06.12…` give `612…`.
fn phone_digits(p: &str) -> String {
    let digits: String = p.chars().filter(char::is_ascii_digit).collect();
    if p.trim_start().starts_with('+') {
        ["33", "590", "596", "594", "262"]
            .iter()
            .find_map(|cc| digits.strip_prefix(cc))
            .unwrap_or(&digits)
            .to_owned()
    } else {
        digits.trim_start_matches('0').to_owned()
    }
}

#[test]
fn same_seed_same_dataset_and_different_seed_different_dataset() {
    let a = generate(&config(1500, 7));
    let b = generate(&config(1500, 7));
    assert_eq!(a, b);
    let c = generate(&config(1500, 8));
    assert_ne!(a.records, c.records);
    assert_ne!(a.events, c.events);
    let keys_a: BTreeSet<_> = a.records.iter().map(|r| &r.key).collect();
    let keys_c: BTreeSet<_> = c.records.iter().map(|r| &r.key).collect();
    assert!(keys_a.intersection(&keys_c).count() < a.records.len() / 100);
}

#[test]
fn a_chunk_does_not_depend_on_the_population_size() {
    // Persons of the first chunk are drawn from the same stream whatever
    // comes after them: adding persons does not reshuffle earlier ones.
    let small = generate(&config(CHUNK_PERSONS, 3));
    let large = generate(&config(CHUNK_PERSONS + 500, 3));
    let first_chunk: Vec<_> = large
        .records
        .iter()
        .zip(&large.truth.records)
        .filter(|(_, t)| t.person.0 < CHUNK_PERSONS)
        .map(|(r, _)| r)
        .collect();
    assert_eq!(first_chunk.len(), small.records.len());
    assert!(first_chunk.iter().zip(&small.records).all(|(a, b)| *a == b));
}

#[test]
fn parts_put_end_to_end_are_the_whole_dataset() {
    // Several chunks, so that parts cut the population in several places,
    // and enough persons that emails and phones drawn in different chunks
    // collide and must be renamed across parts as in one pass.
    for (persons, seed, events) in [
        (3 * CHUNK_PERSONS + 333, 5, EventRates::none()),
        (2 * CHUNK_PERSONS + 17, 41, EventRates::default()),
    ] {
        let config = SynthConfig {
            events,
            ..config(persons, seed)
        };
        let whole = generate(&config);
        assert!(
            whole.records.windows(2).all(|w| w[0].key < w[1].key),
            "generate sorts records by source key, the order from_parts restores"
        );
        // One chunk, a size rounded up to two chunks, the whole population.
        for per_part in [1, CHUNK_PERSONS + 1, persons] {
            let chunks_per_part = per_part.div_ceil(CHUNK_PERSONS);
            let parts: Vec<Dataset> = generate_parts(&config, per_part).collect();
            assert_eq!(
                parts.len() as u64,
                persons.div_ceil(chunks_per_part * CHUNK_PERSONS)
            );
            for (i, part) in parts.iter().enumerate() {
                let first = i as u64 * chunks_per_part * CHUNK_PERSONS;
                let persons_of_part = first..(first + chunks_per_part * CHUNK_PERSONS);
                assert!(
                    part.truth
                        .records
                        .iter()
                        .all(|t| persons_of_part.contains(&t.person.0)
                            && persons_of_part.contains(&t.household.0))
                );
                assert!(part.records.windows(2).all(|w| w[0].key < w[1].key));
            }
            // Parts in reverse: the order of the parts does not matter.
            let together = Dataset::from_parts(parts.into_iter().rev());
            assert_eq!(together.records.len(), whole.records.len());
            assert!(together.truth == whole.truth, "{per_part} persons per part");
            assert!(together == whole, "{per_part} persons per part");
        }
    }
}

#[test]
fn every_record_has_its_truth_and_every_event_a_record_of_its_person() {
    let data = generate(&config(2000, 11));
    assert_eq!(data.truth.records.len(), data.records.len());
    assert_eq!(data.truth.events.len(), data.events.len());
    for (r, t) in data.records.iter().zip(&data.truth.records) {
        assert_eq!(r.key, t.key);
        assert!(t.person.0 < 2000);
        assert!(t.household.0 <= t.person.0);
    }
    let owners = person_of(&data);
    assert_eq!(owners.len(), data.records.len(), "source keys are unique");
    let persons: BTreeSet<u64> = owners.values().copied().collect();
    assert_eq!(persons.len(), 2000, "every person has at least one record");

    let mut event_ids = HashSet::new();
    for (e, t) in data.events.iter().zip(&data.truth.events) {
        assert_eq!(e.id, t.event_id);
        assert!(event_ids.insert(e.id.as_str()), "event ids are unique");
        assert_eq!(owners.get(&e.source), Some(&t.person.0), "{e:?}");
    }
    assert!(
        data.events
            .windows(2)
            .all(|w| w[0].timestamp <= w[1].timestamp)
    );
}

#[test]
fn orders_pickups_returns_and_calls_hang_together() {
    let data = generate(&config(2000, 5));
    let rates = EventRates::default();
    let start = rates
        .window_start
        .to_zoned(jiff::tz::TimeZone::UTC)
        .map(|z| z.timestamp())
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    let mut orders: HashMap<&str, (&SourceKey, jiff::Timestamp, i64)> = HashMap::new();
    for e in &data.events {
        assert!(
            e.timestamp
                >= start
                    .checked_sub(jiff::SignedDuration::from_hours(2))
                    .unwrap_or(start)
        );
        if matches!(e.kind, EventKind::Order | EventKind::Purchase) {
            let reference = e.order_ref.as_deref().unwrap_or_default();
            let amount = e.amount.map_or(0, |m| m.minor);
            assert!(amount > 0);
            orders.insert(reference, (&e.source, e.timestamp, amount));
            if e.kind == EventKind::Purchase {
                assert_eq!(e.channel, Channel::Store);
                assert!(e.store.is_some());
            }
        }
    }
    let owners = person_of(&data);
    let (mut pickups, mut returns, mut store_returns_elsewhere, mut calls_about) = (0, 0, 0, 0);
    for e in &data.events {
        let Some(reference) = e.order_ref.as_deref() else {
            continue;
        };
        let order = orders.get(reference);
        match e.kind {
            EventKind::Pickup => {
                let (source, at, _) = order
                    .copied()
                    .unwrap_or_else(|| panic!("pickup without order"));
                assert_eq!(
                    source, &e.source,
                    "a pickup is attached to the ordering account"
                );
                assert!(at < e.timestamp);
                assert_eq!(e.channel, Channel::Store);
                assert!(matches!(e.source.channel, Channel::Web | Channel::App));
                pickups += 1;
            }
            EventKind::Return => {
                let (source, at, amount) = order
                    .copied()
                    .unwrap_or_else(|| panic!("return without order"));
                assert_eq!(source, &e.source);
                assert!(at < e.timestamp);
                let refund = e.amount.map_or(0, |m| m.minor);
                assert!(refund < 0 && -refund <= amount, "{refund} vs {amount}");
                if e.channel == Channel::Store && e.source.channel != Channel::Store {
                    store_returns_elsewhere += 1;
                }
                returns += 1;
            }
            EventKind::Call => {
                let (source, _, _) = order
                    .copied()
                    .unwrap_or_else(|| panic!("call about an unknown order"));
                assert_eq!(
                    owners.get(source),
                    owners.get(&e.source),
                    "a call is about the caller's order"
                );
                calls_about += 1;
            }
            _ => {}
        }
    }
    assert!(pickups > 50, "{pickups}");
    assert!(returns > 50, "{returns}");
    assert!(store_returns_elsewhere > 5, "{store_returns_elsewhere}");
    assert!(calls_about > 20, "{calls_about}");
    let sessions = data
        .events
        .iter()
        .filter(|e| e.kind == EventKind::AppSession)
        .count();
    assert!(sessions > 500, "{sessions}");
}

#[test]
fn household_members_are_different_persons_sharing_an_address() {
    let config = config(3000, 13);
    let people = population::draw(&config);
    let mut households: BTreeMap<u64, Vec<&population::Person>> = BTreeMap::new();
    for p in &people.persons {
        households.entry(p.household).or_default().push(p);
    }
    let shared: Vec<_> = households.values().filter(|m| m.len() >= 2).collect();
    // Couples and families are about 60% of households.
    assert!(shared.len() > 600, "{}", shared.len());
    let (mut same_family, mut pairs) = (0, 0);
    for members in &shared {
        let head = members[0];
        assert_eq!(head.id, head.household);
        for m in &members[1..] {
            assert_ne!(m.id, head.id);
            assert_eq!(m.home, head.home);
            assert_eq!(m.previous, head.previous);
            assert_eq!(m.landline, head.landline);
            if let (Some(a), Some(b)) = (m.mobile, head.mobile) {
                assert_ne!(a, b, "each member has their own mobile");
            }
            pairs += 1;
            same_family += usize::from(m.family == head.family);
            assert!(
                (m.given, m.birth) != (head.given, head.birth),
                "two members of one household are told apart"
            );
        }
    }
    assert!(
        same_family * 2 > pairs,
        "children and married partners share the name: {same_family}/{pairs}"
    );
    let shared_emails = shared
        .iter()
        .filter(|m| m.len() >= 2 && m[0].email.is_some() && m[0].email == m[1].email)
        .count();
    assert!(shared_emails > 20, "{shared_emails}");

    // In the records: one address, several persons.
    let data = generate(&config);
    let mut by_address: HashMap<(String, String), BTreeSet<u64>> = HashMap::new();
    for (r, t) in data.records.iter().zip(&data.truth.records) {
        if r.key.channel != Channel::Web {
            continue;
        }
        if let Some(a) = r.addresses.first() {
            let street =
                crate::synth::noise::strip_accents(a.street.as_deref().unwrap_or_default())
                    .to_lowercase();
            by_address
                .entry((street, a.postcode.clone().unwrap_or_default()))
                .or_default()
                .insert(t.person.0);
        }
    }
    assert!(by_address.values().filter(|p| p.len() >= 2).count() > 30);
}

#[test]
fn contacts_are_unique_to_a_household() {
    let people = population::draw(&config(4000, 17));
    let mut email_owner: HashMap<String, u64> = HashMap::new();
    let mut phone_owner: HashMap<(u16, u32), u64> = HashMap::new();
    for p in &people.persons {
        for e in p.email.iter().chain(&p.email2) {
            let owner = *email_owner.entry(mailbox(e)).or_insert(p.household);
            assert_eq!(owner, p.household, "a mailbox shared by two households");
        }
        for ph in p.mobile.iter().chain(&p.landline) {
            let owner = *phone_owner
                .entry((ph.territory.calling_code(), ph.national))
                .or_insert(p.household);
            assert_eq!(owner, p.household, "a phone shared by two households");
        }
    }
}

#[test]
fn the_store_phone_is_typed_for_many_persons() {
    let data = generate(&config(8000, 19));
    let mut persons_by_phone: HashMap<String, BTreeSet<u64>> = HashMap::new();
    let mut households_by_phone: HashMap<String, BTreeSet<u64>> = HashMap::new();
    for (r, t) in data.records.iter().zip(&data.truth.records) {
        for p in &r.phones {
            persons_by_phone
                .entry(phone_digits(p))
                .or_default()
                .insert(t.person.0);
            households_by_phone
                .entry(phone_digits(p))
                .or_default()
                .insert(t.household.0);
        }
    }
    let most = households_by_phone
        .values()
        .map(BTreeSet::len)
        .max()
        .unwrap_or(0);
    assert!(most >= 5, "the most shared phone spans {most} households");
    // Apart from store phones, a phone is one household's.
    let generic = households_by_phone.values().filter(|h| h.len() > 1).count();
    assert!(
        generic <= usize::from(PopulationRates::default().stores),
        "{generic}"
    );
    let placeholder = data
        .records
        .iter()
        .filter(|r| {
            r.emails.iter().any(|e| {
                e.contains("magasin.fr") || e.starts_with("aucun@") || e.starts_with("no@")
            })
        })
        .count();
    assert!(placeholder > 20, "{placeholder}");
}

#[test]
fn channel_mix_and_duplicates_follow_the_configuration() {
    let config = config(6000, 23);
    let data = generate(&config);
    let mut channels: HashMap<u64, BTreeMap<&Channel, usize>> = HashMap::new();
    for t in &data.truth.records {
        *channels
            .entry(t.person.0)
            .or_default()
            .entry(&t.key.channel)
            .or_default() += 1;
    }
    let mix = &config.channels;
    let total: f64 = mix.count_weights.iter().sum();
    let n = channels.len() as f64;
    for k in 1..=4 {
        let share = channels.values().filter(|c| c.len() == k).count() as f64 / n;
        let expected = mix.count_weights[k - 1] / total;
        // Persons without email cannot have web or app accounts, which moves
        // a little mass from 3-4 systems down.
        assert!(
            (share - expected).abs() < 0.04,
            "{k} systems: {share:.3} vs {expected:.3}"
        );
    }
    let accounts: usize = channels.values().map(BTreeMap::len).sum();
    let duplicated = channels
        .values()
        .flat_map(BTreeMap::values)
        .filter(|&&c| c == 2)
        .count();
    assert!(
        channels
            .values()
            .flat_map(BTreeMap::values)
            .all(|&c| c <= 2)
    );
    let rate = duplicated as f64 / accounts as f64;
    assert!((0.03..=0.065).contains(&rate), "duplicate rate {rate:.3}");
    let per_channel = |ch: Channel| data.records.iter().filter(|r| r.key.channel == ch).count();
    let (store, web, cc, app) = (
        per_channel(Channel::Store),
        per_channel(Channel::Web),
        per_channel(Channel::CallCentre),
        per_channel(Channel::App),
    );
    assert!(
        store > web && web > app && web > cc,
        "{store} {web} {cc} {app}"
    );
}

#[test]
fn names_have_accents_particles_and_compounds_at_realistic_rates() {
    let people = population::draw(&config(5000, 29));
    let n = people.persons.len() as f64;
    let rate = |f: &dyn Fn(&population::Person) -> bool| {
        people.persons.iter().filter(|p| f(p)).count() as f64 / n
    };
    let accented_given = rate(&|p| !p.given.is_ascii());
    let compound = rate(&|p| p.given.contains('-'));
    let particle = rate(&|p| {
        let f = p.family.first;
        [
            "de ", "du ", "d'", "Le ", "La ", "De ", "Dos ", "Da ", "D'", "El ",
        ]
        .iter()
        .any(|x| f.starts_with(x))
    });
    let accented_family = rate(&|p| !p.family.full().is_ascii());
    let double = rate(&|p| p.family.second.is_some());
    let married = rate(&|p| p.birth_family.is_some());
    assert!(
        (0.15..0.45).contains(&accented_given),
        "accented given {accented_given:.3}"
    );
    assert!((0.04..0.12).contains(&compound), "compound {compound:.3}");
    assert!((0.03..0.12).contains(&particle), "particle {particle:.3}");
    assert!(
        (0.05..0.30).contains(&accented_family),
        "accented family {accented_family:.3}"
    );
    assert!((0.015..0.08).contains(&double), "double {double:.3}");
    assert!((0.08..0.30).contains(&married), "married name {married:.3}");
    let tail: std::collections::HashSet<&str> = super::tables::tables()
        .fr_family_tail
        .names()
        .iter()
        .map(String::as_str)
        .collect();
    let foreign = rate(&|p| {
        !tail.contains(p.family.first)
            && super::tables::FR_FAMILY
                .iter()
                .chain(super::tables::PARTICLE_FAMILY)
                .all(|f| *f != p.family.first)
    });
    // Most French names come from the long tail; `Martin` stays the most
    // common, at a fraction of a percent as in France.
    let from_tail = rate(&|p| tail.contains(p.family.first));
    let martin = rate(&|p| p.family.first == "Martin");
    assert!((0.55..0.80).contains(&from_tail), "tail {from_tail:.3}");
    assert!((0.001..0.01).contains(&martin), "Martin {martin:.4}");
    assert!(
        (0.08..0.25).contains(&foreign),
        "non-French family names {foreign:.3}"
    );

    // The systems mistype them: accents lost in store cards.
    let data = generate(&config(3000, 29));
    let store: Vec<_> = data
        .records
        .iter()
        .filter(|r| r.key.channel == Channel::Store)
        .collect();
    let upper = store
        .iter()
        .filter(|r| {
            r.family_names
                .iter()
                .all(|f| f.chars().all(|c| !c.is_lowercase()))
        })
        .count();
    assert!(
        upper * 10 > store.len() * 7,
        "cashiers type in capitals: {upper}/{}",
        store.len()
    );
    let full_names = data
        .records
        .iter()
        .filter(|r| r.key.channel == Channel::CallCentre)
        .all(|r| r.full_names.len() == 1 && r.given_names.is_empty());
    assert!(full_names);
}

#[test]
fn overseas_and_leading_zero_postcodes_appear() {
    let data = generate(&config(4000, 31));
    let postcodes: Vec<&str> = data
        .records
        .iter()
        .flat_map(|r| &r.addresses)
        .filter_map(|a| a.postcode.as_deref())
        .collect();
    assert!(postcodes.iter().any(|p| p.starts_with("97")));
    assert!(postcodes.iter().any(|p| p.starts_with('0') && p.len() == 5));
    assert!(
        postcodes.iter().any(|p| p.len() == 4),
        "a store postcode lost its zero"
    );
    assert!(postcodes.iter().any(|p| p.starts_with("750")));
    let phones: Vec<&String> = data.records.iter().flat_map(|r| &r.phones).collect();
    assert!(
        phones
            .iter()
            .any(|p| p.starts_with("+262") || p.starts_with("0692") || p.starts_with("06 9"))
    );
    assert!(phones.iter().any(|p| p.starts_with("+33") && p.len() == 12));
    assert!(phones.iter().any(|p| p.contains('.')));
}

#[test]
fn debug_output_holds_no_personal_data() {
    let data = generate(&config(30, 1));
    let dbg = format!("{data:?}");
    for r in &data.records {
        for value in r.family_names.iter().chain(&r.emails).chain(&r.phones) {
            assert!(!dbg.contains(value.as_str()), "Debug shows a value");
        }
    }
}

#[test]
fn no_events_when_rates_are_zero() {
    let data = generate(&SynthConfig {
        events: EventRates::none(),
        ..config(500, 2)
    });
    assert!(data.events.is_empty() && data.truth.events.is_empty());
    assert!(data.records.len() > 500);
}
