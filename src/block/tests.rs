//! Hand cases on French records and laws checked against a naive oracle.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use proptest::prelude::*;

use super::*;
use crate::normalize::phonetic::phonetic_key;
use crate::normalize::{Email, NormalizedAddress, PartialDate, PersonName, Phone, PhoneKind};
use crate::record::{Channel, IdentifierKind, SourceKey};

// ---------------------------------------------------------------- builders

fn record(id: usize) -> NormalizedRecord {
    NormalizedRecord {
        key: SourceKey::new(Channel::Web, format!("C{id}")).unwrap(),
        civility: None,
        names: smallvec::smallvec![],
        birth: None,
        emails: smallvec::smallvec![],
        phones: smallvec::smallvec![],
        addresses: vec![],
        identifiers: vec![],
        created_at: None,
        updated_at: None,
        issues: vec![],
    }
}

fn name(given: &str, family: &str) -> PersonName {
    PersonName {
        given: given.into(),
        given_canonical: given.into(),
        initials: given.split(' ').filter_map(|t| t.chars().next()).collect(),
        family: family.into(),
        particles: Default::default(),
    }
}

fn email(s: &str) -> Email {
    Email {
        raw: s.into(),
        normalized: s.into(),
        identifying: !s.starts_with("pasdemail"),
    }
}

fn phone(s: &str) -> Phone {
    Phone {
        e164: s.into(),
        kind: if s.starts_with("+336") || s.starts_with("+337") {
            PhoneKind::Mobile
        } else {
            PhoneKind::Landline
        },
    }
}

fn address(number: u32, street: &str, postcode: &str, city: &str) -> NormalizedAddress {
    NormalizedAddress {
        number: Some(number),
        number_suffix: None,
        street: Some(street.into()),
        postcode: Some(postcode.into()),
        city: Some(city.into()),
        country: None,
    }
}

fn date(year: u16, month: u8, day: u8) -> PartialDate {
    PartialDate {
        year,
        month: Some(month),
        day: Some(day),
    }
}

/// The default rules without the two that need the phonetic key, for tests
/// that must not depend on it.
fn rules_without_phonetic() -> Vec<BlockingRule> {
    BlockingRule::default_rules()
        .into_iter()
        .filter(|r| {
            !r.key.iter().any(|p| {
                matches!(
                    p,
                    KeyPart::FamilyPhonetic | KeyPart::GivenPhonetic | KeyPart::NamePhonetics
                )
            })
        })
        .collect()
}

/// The default rules but the names-only ones, for tests about the others.
fn rules_without_names_only() -> Vec<BlockingRule> {
    BlockingRule::default_rules()
        .into_iter()
        .filter(|r| {
            r.key != [KeyPart::NamePhonetics] && r.key != [KeyPart::GivenName, KeyPart::FamilyName]
        })
        .collect()
}

fn blocker(rules: Vec<BlockingRule>) -> Blocker {
    Blocker::new(BlockingSettings {
        rules,
        ..BlockingSettings::default()
    })
    .unwrap()
}

fn pair_ids(blocking: &Blocking) -> Vec<(u32, u32)> {
    blocking.pairs.iter().map(|p| (p.lo.0, p.hi.0)).collect()
}

fn rule_named(blocker: &Blocker, name: &str) -> RuleId {
    let i = blocker
        .settings()
        .rules
        .iter()
        .position(|r| r.name == name)
        .unwrap();
    RuleId(i as u8)
}

// ---------------------------------------------------------------- hand cases

#[test]
fn sharing_a_phone_and_an_email_gives_one_pair_attributed_to_email() {
    let mut a = record(0);
    a.names = smallvec::smallvec![name("marie", "dupont")];
    a.emails = smallvec::smallvec![email("marie.dupont@orange.fr")];
    a.phones = smallvec::smallvec![phone("+33612345678")];
    let mut b = record(1);
    b.names = smallvec::smallvec![name("marie", "dupond")];
    b.emails = smallvec::smallvec![email("marie.dupont@orange.fr")];
    b.phones = smallvec::smallvec![phone("+33612345678")];
    let blocker = blocker(rules_without_phonetic());
    let blocking = blocker.block(&[a, b]).unwrap();
    assert_eq!(pair_ids(&blocking), [(0, 1)]);
    assert_eq!(blocking.pairs[0].rule, rule_named(&blocker, "email"));
    let email_rule = &blocking.report.rules[rule_named(&blocker, "email").index()];
    let phone_rule = &blocking.report.rules[rule_named(&blocker, "phone").index()];
    assert_eq!((email_rule.pairs, email_rule.block_pairs), (1, 1));
    // The phone block holds the pair too, but the email rule already gave it.
    assert_eq!(
        (phone_rule.pairs, phone_rule.block_pairs, phone_rule.blocks),
        (0, 1, 1)
    );
    assert_eq!(blocking.report.pairs, 1);
}

#[test]
fn two_shared_emails_of_one_rule_give_one_pair() {
    let mut a = record(0);
    a.emails = smallvec::smallvec![email("jdupont@free.fr"), email("jean.dupont@gmail.com")];
    let mut b = record(1);
    b.emails = smallvec::smallvec![email("jean.dupont@gmail.com"), email("jdupont@free.fr")];
    let blocking = blocker(rules_without_phonetic()).block(&[a, b]).unwrap();
    assert_eq!(pair_ids(&blocking), [(0, 1)]);
    let email = &blocking.report.rules[3];
    assert_eq!((email.blocks, email.pairs, email.block_pairs), (2, 1, 2));
}

#[test]
fn pairs_are_canonical_and_sorted() {
    // Records 4, 1 and 3 share a loyalty card; 0 and 2 a phone.
    let mut records: Vec<_> = (0..5).map(record).collect();
    for i in [4, 1, 3] {
        records[i].identifiers = vec![(IdentifierKind::LoyaltyCard, "2900012345678".into())];
    }
    for i in [2, 0] {
        records[i].phones = smallvec::smallvec![phone("+33145678901")];
    }
    let blocking = blocker(rules_without_phonetic()).block(&records).unwrap();
    assert_eq!(pair_ids(&blocking), [(0, 2), (1, 3), (1, 4), (3, 4)]);
}

#[test]
fn generic_phone_shared_by_fifty_names_gives_no_pair() {
    const FAMILIES: [&str; 10] = [
        "martin", "bernard", "thomas", "petit", "robert", "richard", "durand", "dubois", "moreau",
        "laurent",
    ];
    // The store's landline typed for 50 customers of 50 different names.
    let mut records: Vec<_> = (0..50)
        .map(|i| {
            let mut r = record(i);
            r.names = smallvec::smallvec![name("camille", &format!("{} {i}", FAMILIES[i % 10]))];
            r.phones = smallvec::smallvec![phone("+33140000000")];
            r
        })
        .collect();
    // A household landline: four records, two family names; stays a key.
    for (i, family) in ["garcia", "garcia", "roux", "roux"].iter().enumerate() {
        let mut r = record(50 + i);
        r.names = smallvec::smallvec![name("alex", family)];
        r.phones = smallvec::smallvec![phone("+33478000000")];
        records.push(r);
    }
    let blocking = blocker(rules_without_phonetic()).block(&records).unwrap();
    assert_eq!(
        pair_ids(&blocking),
        [(50, 51), (50, 52), (50, 53), (51, 52), (51, 53), (52, 53)]
    );
    assert!(blocking.generic.is_generic_phone(&phone("+33140000000")));
    assert!(!blocking.generic.is_generic_phone(&phone("+33478000000")));
    assert_eq!(blocking.generic.len(), 1);
    assert_eq!(blocking.generic.values()[0].distinct_family_names, 50);
    assert_eq!(blocking.generic.values()[0].field, GenericField::Phone);
    assert_eq!(blocking.report.generic_values.phones, 1);
    assert_eq!(blocking.report.generic_values.total(), 1);
    assert_eq!(
        format!("{:?}", blocking.generic),
        "GenericValues { emails: 0, phones: 1, addresses: 0, identifiers: 0 }"
    );
    assert!(blocking.report.skipped_blocks.is_empty());
}

#[test]
fn generic_email_and_company_address_are_detected() {
    let mut records = Vec::new();
    for i in 0..12 {
        let mut r = record(i);
        r.names = smallvec::smallvec![name("paul", &format!("nom{i}"))];
        r.emails = smallvec::smallvec![email("contact@enseigne.fr")];
        r.addresses = vec![address(1, "place de la defense", "92400", "courbevoie")];
        records.push(r);
    }
    let generic = GenericValues::detect(&records, &GenericSettings::default());
    assert!(generic.is_generic_email(&email("contact@enseigne.fr")));
    assert!(generic.is_generic_address(&address(1, "place de la defense", "92400", "courbevoie")));
    assert!(generic.contains(GenericField::Email, "contact@enseigne.fr"));
    // Same street, another number: not the company's address.
    assert!(!generic.is_generic_address(&address(3, "place de la defense", "92400", "courbevoie")));
    assert_eq!(generic.count(GenericField::Address), 1);
    // At exactly the threshold (10 names) the value is still a key.
    let generic = GenericValues::detect(&records[..10], &GenericSettings::default());
    assert!(generic.is_empty());
}

#[test]
fn oversized_block_is_skipped_and_reported_not_dropped() {
    // Four Dupont in Saint-Denis, cap 3: the family+commune block is skipped.
    let records: Vec<_> = (0..4)
        .map(|i| {
            let mut r = record(i);
            r.names = smallvec::smallvec![name(["luc", "anne", "marc", "pierre"][i], "dupont")];
            r.addresses = vec![address(
                i as u32 + 1,
                "rue de paris",
                "93200",
                "saint denis",
            )];
            r
        })
        .collect();
    let family_city = || BlockingRule::new("family_city", [KeyPart::FamilyName, KeyPart::City]);
    let blocker = Blocker::new(BlockingSettings {
        rules: vec![family_city()],
        max_block_size: 3,
        ..BlockingSettings::default()
    })
    .unwrap();
    let blocking = blocker.block(&records).unwrap();
    assert!(blocking.pairs.is_empty());
    // The same block under the settings' default cap, with the rule's own cap
    // of 3: skipped too — a rule's cap wins over the settings'.
    let with_own_cap = Blocker::new(BlockingSettings {
        rules: vec![family_city().with_max_block_size(3)],
        ..BlockingSettings::default()
    })
    .unwrap()
    .block(&records)
    .unwrap();
    assert!(with_own_cap.pairs.is_empty());
    assert_eq!(with_own_cap.report.skipped_blocks.len(), 1);
    // And under the default cap alone, expanded: all six pairs.
    let expanded = Blocker::new(BlockingSettings {
        rules: vec![family_city()],
        ..BlockingSettings::default()
    })
    .unwrap()
    .block(&records)
    .unwrap();
    assert_eq!(expanded.pairs.len(), 6);
    let skipped = &blocking.report.skipped_blocks;
    assert_eq!(skipped.len(), 1);
    assert_eq!(skipped[0].size, 4);
    assert_eq!(skipped[0].rule_name, "family_city");
    assert_eq!(blocking.report.largest_blocks[0], skipped[0]);
    let family_city = &blocking.report.rules[rule_named(&blocker, "family_city").index()];
    assert_eq!(
        (family_city.skipped_blocks, family_city.largest_block),
        (1, 4)
    );
    assert_eq!(blocker.dry_run(&records).unwrap(), blocking.report);
}

#[test]
fn a_skipped_earlier_block_does_not_hide_a_later_rule() {
    // Everybody shares a phone (block of 4 over the cap of 3); records 0 and 1
    // also share family name and commune: the later rule must still pair them.
    let mut records: Vec<_> = (0..4)
        .map(|i| {
            let mut r = record(i);
            r.phones = smallvec::smallvec![phone("+33320000000")];
            r
        })
        .collect();
    records[0].names = smallvec::smallvec![name("yves", "lefebvre")];
    records[0].addresses = vec![address(2, "rue nationale", "59000", "lille")];
    records[1].names = smallvec::smallvec![name("yves", "lefebvre")];
    records[1].addresses = vec![address(4, "rue solferino", "59000", "lille")];
    let blocker = Blocker::new(BlockingSettings {
        rules: rules_without_phonetic(),
        max_block_size: 3,
        ..BlockingSettings::default()
    })
    .unwrap();
    let blocking = blocker.block(&records).unwrap();
    assert_eq!(pair_ids(&blocking), [(0, 1)]);
    assert_eq!(
        blocking.pairs[0].rule,
        rule_named(&blocker, "initial_family_postcode")
    );
}

#[test]
fn name_parts_come_from_the_same_name() {
    // Record 0 is Marie Dupont (birth name) and Jean Martin on another name;
    // record 1 is Jean Dupont: `j dupont 75011` must not be formed for 0.
    let mut a = record(0);
    a.names = smallvec::smallvec![name("marie", "dupont"), name("jean", "martin")];
    a.addresses = vec![address(5, "rue oberkampf", "75011", "")];
    let mut b = record(1);
    b.names = smallvec::smallvec![name("jean", "dupont")];
    b.addresses = vec![address(9, "rue oberkampf", "75011", "")];
    let blocker = blocker(rules_without_phonetic());
    assert!(
        blocker
            .block(&[a.clone(), b.clone()])
            .unwrap()
            .pairs
            .is_empty()
    );
    b.names.push(name("marie", "dupont"));
    let blocking = blocker.block(&[a, b]).unwrap();
    assert_eq!(pair_ids(&blocking), [(0, 1)]);
    assert_eq!(
        blocking.pairs[0].rule,
        rule_named(&blocker, "initial_family_postcode")
    );
}

#[test]
fn device_ids_and_placeholder_emails_are_not_keys() {
    let mut a = record(0);
    a.identifiers = vec![(IdentifierKind::DeviceId, "IPAD-FAMILLE".into())];
    a.emails = smallvec::smallvec![email("pasdemail@enseigne.fr")];
    let b = a.clone();
    let blocking = blocker(BlockingRule::default_rules())
        .block(&[a, b])
        .unwrap();
    assert!(blocking.pairs.is_empty());
    assert_eq!(
        blocking
            .report
            .rules
            .iter()
            .map(|r| r.records_with_key)
            .sum::<usize>(),
        0
    );
}

#[test]
fn empty_batch_and_single_record() {
    let blocker = blocker(BlockingRule::default_rules());
    let blocking = blocker.block(&[]).unwrap();
    assert!(blocking.pairs.is_empty());
    assert_eq!(blocking.report.records, 0);
    let mut r = record(0);
    r.phones = smallvec::smallvec![phone("+33612345678")];
    let blocking = blocker.block(&[r]).unwrap();
    assert!(blocking.pairs.is_empty());
    assert_eq!(blocking.report.rules[4].records_with_key, 1);
    assert_eq!(blocking.report.rules[4].blocks, 0);
}

#[test]
fn invalid_settings_are_refused() {
    let with = |rules: Vec<BlockingRule>, cap: usize| {
        Blocker::new(BlockingSettings {
            rules,
            max_block_size: cap,
            ..BlockingSettings::default()
        })
    };
    assert!(with(vec![BlockingRule::new("vide", [])], 500).is_err());
    assert!(
        with(
            vec![BlockingRule::new("p", [KeyPart::FamilyPrefix(0)])],
            500
        )
        .is_err()
    );
    assert!(with(BlockingRule::default_rules(), 1).is_err());
    let many = (0..65)
        .map(|i| BlockingRule::new(format!("r{i}"), [KeyPart::Email]))
        .collect();
    assert!(with(many, 500).is_err());
    let max = (0..64)
        .map(|i| BlockingRule::new(format!("r{i}"), [KeyPart::Email]))
        .collect();
    assert!(with(max, 500).is_ok());
}

#[test]
fn settings_are_plain_serde_data() {
    let json = r#"{
        "rules": [
            {"name": "carte", "key": [{"identifier": "loyalty_card"}]},
            {"name": "siret", "key": [{"identifier": {"named": "siret"}}]},
            {"name": "prefix", "key": [{"family_prefix": 3}, "given_name", "birth_year"]}
        ],
        "max_block_size": 200
    }"#;
    let settings: BlockingSettings = serde_json::from_str(json).unwrap();
    assert_eq!(settings.max_block_size, 200);
    assert_eq!(settings.generic.max_distinct_family_names, 10);
    assert_eq!(
        settings.rules[2].key,
        [
            KeyPart::FamilyPrefix(3),
            KeyPart::GivenName,
            KeyPart::BirthYear
        ]
    );
    assert_eq!(
        settings.rules[1].key,
        [KeyPart::Identifier(IdentifierKind::Named("siret".into()))]
    );
    let back: BlockingSettings =
        serde_json::from_str(&serde_json::to_string(&BlockingSettings::default()).unwrap())
            .unwrap();
    assert_eq!(back, BlockingSettings::default());
}

#[test]
fn family_prefix_rule_survives_a_typo_after_the_third_letter() {
    let rule = BlockingRule::new(
        "prefix",
        [
            KeyPart::FamilyPrefix(3),
            KeyPart::GivenName,
            KeyPart::BirthYear,
        ],
    );
    let mut a = record(0);
    a.names = smallvec::smallvec![name("francois", "dupont")];
    a.birth = Some(PartialDate {
        year: 1975,
        month: None,
        day: None,
    });
    let mut b = record(1);
    b.names = smallvec::smallvec![name("francois", "dupotn")];
    b.birth = Some(date(1975, 6, 2));
    let blocking = blocker(vec![rule]).block(&[a, b]).unwrap();
    assert_eq!(pair_ids(&blocking), [(0, 1)]);
}

#[test]
fn keys_do_not_print_values_and_serialize_as_numbers() {
    let mut a = record(0);
    a.emails = smallvec::smallvec![email("secret.person@laposte.net")];
    let blocker = blocker(rules_without_phonetic());
    let keys = blocker.keys(&a, &GenericValues::default());
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0].rule(), rule_named(&blocker, "email"));
    let dbg = format!("{keys:?}");
    assert!(!dbg.contains("secret"), "{dbg}");
    assert_eq!(
        serde_json::to_string(&keys[0]).unwrap(),
        keys[0].0.to_string()
    );
}

/// Names as the names normalizer reads them from raw source fields.
fn names(given: &str, family: &str) -> crate::normalize::Names {
    crate::normalize::name::normalize_names(None, &[given.into()], &[family.into()], &[]).1
}

#[test]
fn dupond_and_dupont_born_the_same_day_are_paired_phonetically() {
    let mut a = record(0);
    a.names = names("Marie", "DUPOND");
    a.birth = Some(date(1980, 3, 5));
    a.addresses = vec![address(3, "rue des lilas", "33000", "bordeaux")];
    let mut b = record(1);
    b.names = names("Marie", "Dupont");
    b.birth = Some(date(1980, 3, 5));
    b.addresses = vec![address(8, "cours victor hugo", "69002", "lyon")];
    let mut c = b.clone();
    c.birth = Some(date(1980, 3, 6));
    c.addresses = vec![address(1, "rue de la republique", "13001", "marseille")];
    let blocker = blocker(rules_without_names_only());
    let blocking = blocker.block(&[a, b, c]).unwrap();
    assert_eq!(pair_ids(&blocking), [(0, 1)]);
    assert_eq!(
        blocking.pairs[0].rule,
        rule_named(&blocker, "phonetic_family_birth_date")
    );
}

#[test]
fn the_typo_rule_survives_a_garbled_or_married_family_name() {
    // `Fupont` (a typo on the first letter: even the phonetic family key
    // differs) and `Lefebvre` (married name) against `Dupont`, all born
    // 12/07/1964, in one département at three postcodes. (`Dpuont` would
    // not do: Soundex2 keys it as `Dupont`.) The same in another département
    // is not paired: the rule's key is the country's without it.
    let mut birth_name = record(0);
    birth_name.names = names("Françoise", "Dupont");
    birth_name.birth = Some(date(1964, 7, 12));
    birth_name.addresses = vec![address(3, "rue de brest", "35000", "rennes")];
    let mut typo = record(1);
    typo.names = names("FRANCOISE", "Fupont");
    typo.birth = Some(date(1964, 7, 12));
    typo.addresses = vec![address(8, "rue de nantes", "35200", "rennes")];
    let mut married = record(2);
    married.names = names("Francoise", "Lefebvre");
    married.birth = Some(date(1964, 7, 12));
    married.addresses = vec![address(1, "quai duguay trouin", "35400", "saint malo")];
    let mut other_day = married.clone();
    other_day.birth = Some(date(1964, 7, 13));
    other_day.addresses = vec![address(5, "rue de paris", "35700", "rennes")];
    let mut elsewhere = typo.clone();
    elsewhere.names = names("Françoise", "Lupont");
    elsewhere.addresses = vec![address(1, "rue de rennes", "44000", "nantes")];
    let blocker = blocker(rules_without_names_only());
    assert_ne!(phonetic_key("fupont"), phonetic_key("dupont"));
    assert_eq!(phonetic_key("dpuont"), phonetic_key("dupont"));
    let blocking = blocker
        .block(&[birth_name, typo, married, other_day, elsewhere])
        .unwrap();
    assert_eq!(pair_ids(&blocking), [(0, 1), (0, 2), (1, 2)]);
    let typo_rule = rule_named(&blocker, "phonetic_given_birth_date");
    assert!(blocking.pairs.iter().all(|p| p.rule == typo_rule));
}

#[test]
fn nicknames_meet_their_canonical_name_in_the_typo_rule() {
    // `Fred` is read as `frederic` by the names normalizer.
    let mut a = record(0);
    a.names = names("Fred", "Moreau");
    a.birth = Some(date(1990, 1, 30));
    let mut b = record(1);
    b.names = names("Frédéric", "Morau");
    b.birth = Some(date(1990, 1, 30));
    let blocking = blocker(BlockingRule::default_rules())
        .block(&[a, b])
        .unwrap();
    assert_eq!(pair_ids(&blocking), [(0, 1)]);
}

// ---------------------------------------------------------------- laws

const FAMILIES: [&str; 5] = ["dupont", "dupond", "martin", "petit", "le gall"];
const GIVENS: [&str; 4] = ["marie", "jean francois", "lea", "jean"];
const EMAILS: [&str; 4] = [
    "marie@orange.fr",
    "jf.dupont@free.fr",
    "pasdemail@enseigne.fr",
    "lea@gmail.com",
];
const PHONES: [&str; 3] = ["+33612345678", "+33145678901", "+33700000000"];
const STREETS: [&str; 2] = ["rue de la paix", "avenue jean jaures"];
const POSTCODES: [&str; 3] = ["75011", "69003", ""];
const CITIES: [&str; 3] = ["paris", "lyon", ""];
const IDS: [&str; 3] = ["4001", "4002", "A-77"];

fn arb_record() -> impl Strategy<Value = NormalizedRecord> {
    let names = prop::collection::vec((0..GIVENS.len(), 0..FAMILIES.len()), 0..3);
    let birth = prop::option::of((
        1970u16..1973,
        prop::option::of((1u8..3, prop::option::of(1u8..3))),
    ));
    let emails = prop::collection::vec(0..EMAILS.len(), 0..3);
    let phones = prop::collection::vec(0..PHONES.len(), 0..3);
    let addresses = prop::collection::vec(
        (
            1u32..3,
            0..STREETS.len(),
            0..POSTCODES.len(),
            0..CITIES.len(),
        ),
        0..3,
    );
    let identifiers = prop::collection::vec((0usize..4, 0..IDS.len()), 0..3);
    (names, birth, emails, phones, addresses, identifiers).prop_map(
        |(names, birth, emails, phones, addresses, identifiers)| {
            let mut r = record(0);
            r.names = names
                .into_iter()
                .map(|(g, f)| name(GIVENS[g], FAMILIES[f]))
                .collect();
            r.birth = birth.map(|(year, md)| PartialDate {
                year,
                month: md.map(|(m, _)| m),
                day: md.and_then(|(_, d)| d),
            });
            r.emails = emails.into_iter().map(|e| email(EMAILS[e])).collect();
            r.phones = phones.into_iter().map(|p| phone(PHONES[p])).collect();
            r.addresses = addresses
                .into_iter()
                .map(|(n, s, p, c)| {
                    let mut a = address(n, STREETS[s], POSTCODES[p], CITIES[c]);
                    a.postcode = a.postcode.filter(|p| !p.is_empty());
                    a.city = a.city.filter(|c| !c.is_empty());
                    a
                })
                .collect();
            let kinds = [
                IdentifierKind::LoyaltyCard,
                IdentifierKind::AccountId,
                IdentifierKind::AppUserId,
                IdentifierKind::DeviceId,
            ];
            r.identifiers = identifiers
                .into_iter()
                .map(|(k, v)| (kinds[k].clone(), IDS[v].into()))
                .collect();
            r
        },
    )
}

fn arb_records() -> impl Strategy<Value = Vec<NormalizedRecord>> {
    prop::collection::vec(arb_record(), 0..20).prop_map(|mut records| {
        for (i, r) in records.iter_mut().enumerate() {
            r.key = SourceKey::new(Channel::Web, format!("C{i}")).unwrap();
        }
        records
    })
}

/// The default rules and rules exercising every other part kind.
fn law_rules() -> Vec<BlockingRule> {
    let mut rules = BlockingRule::default_rules();
    rules.push(BlockingRule::new(
        "device",
        [KeyPart::Identifier(IdentifierKind::DeviceId)],
    ));
    rules.push(BlockingRule::new(
        "prefix_given_year",
        [
            KeyPart::FamilyPrefix(3),
            KeyPart::GivenName,
            KeyPart::BirthYear,
        ],
    ));
    rules.push(BlockingRule::new("address", [KeyPart::Address]));
    rules.push(BlockingRule::new(
        "email_phone",
        [KeyPart::Email, KeyPart::Phone],
    ));
    rules
}

fn arb_settings() -> impl Strategy<Value = BlockingSettings> {
    (2usize..7, 1usize..4).prop_map(|(cap, max_names)| BlockingSettings {
        rules: law_rules(),
        max_block_size: cap,
        generic: GenericSettings {
            max_distinct_family_names: max_names,
        },
        largest_blocks_reported: 3,
    })
}

// ---- the oracle: keys as plain strings, sets and maps, no hashing.

/// Naive generic detection: value text → distinct family names.
fn oracle_generic(records: &[NormalizedRecord], max_names: usize) -> HashSet<String> {
    let mut names: HashMap<String, HashSet<&str>> = HashMap::new();
    for r in records {
        let mut values = vec![];
        values.extend(r.emails.iter().map(|e| format!("email:{}", e.normalized)));
        values.extend(r.phones.iter().map(|p| format!("phone:{}", p.e164)));
        values.extend(
            r.addresses
                .iter()
                .filter_map(oracle_address)
                .map(|a| format!("address:{a}")),
        );
        values.extend(r.identifiers.iter().map(|(k, v)| format!("id:{k:?}:{v}")));
        for v in values {
            for n in r.names.iter().filter(|n| !n.family.is_empty()) {
                names.entry(v.clone()).or_default().insert(&n.family);
            }
        }
    }
    names
        .into_iter()
        .filter(|(_, n)| n.len() > max_names)
        .map(|(v, _)| v)
        .collect()
}

fn oracle_address(a: &NormalizedAddress) -> Option<String> {
    let street = a.street.as_deref().filter(|s| !s.is_empty())?;
    let place = a
        .postcode
        .as_deref()
        .filter(|s| !s.is_empty())
        .or(a.city.as_deref().filter(|s| !s.is_empty()))?;
    Some(format!(
        "{:?} {:?} {street} {place}",
        a.number, a.number_suffix
    ))
}

fn oracle_part(
    part: &KeyPart,
    r: &NormalizedRecord,
    element: usize,
    generic: &HashSet<String>,
) -> Option<String> {
    let nonempty = |s: String| Some(s).filter(|s| !s.is_empty());
    let first_given = |n: &PersonName| n.given_canonical.split(' ').next().unwrap_or("").to_owned();
    match part {
        KeyPart::Email => {
            let e = &r.emails[element];
            (e.identifying && !generic.contains(&format!("email:{}", e.normalized)))
                .then(|| e.normalized.to_string())
        }
        KeyPart::Phone => {
            let p = &r.phones[element];
            (!generic.contains(&format!("phone:{}", p.e164))).then(|| p.e164.to_string())
        }
        KeyPart::Identifier(_) => {
            let (k, v) = &r.identifiers[element];
            (!generic.contains(&format!("id:{k:?}:{v}"))).then(|| v.to_string())
        }
        KeyPart::FamilyName => nonempty(r.names[element].family.to_string()),
        KeyPart::FamilyPhonetic => nonempty(phonetic_key(&r.names[element].family)),
        KeyPart::FamilyPrefix(n) => nonempty(
            r.names[element]
                .family
                .replace(' ', "")
                .chars()
                .take(*n as usize)
                .collect(),
        ),
        KeyPart::GivenName => nonempty(first_given(&r.names[element])),
        KeyPart::GivenPhonetic => nonempty(phonetic_key(&first_given(&r.names[element]))),
        KeyPart::GivenInitial => nonempty(first_given(&r.names[element]).chars().take(1).collect()),
        KeyPart::NamePhonetics => {
            let family = nonempty(phonetic_key(&r.names[element].family))?;
            let given = nonempty(phonetic_key(&first_given(&r.names[element])))?;
            let mut both = [family, given];
            both.sort();
            Some(both.join("\u{1f}"))
        }
        KeyPart::BirthDate => {
            let b = r.birth?;
            Some(format!("{}-{}-{}", b.year, b.month?, b.day?))
        }
        KeyPart::BirthYear => Some(r.birth?.year.to_string()),
        KeyPart::Postcode => r.addresses[element]
            .postcode
            .as_deref()
            .map(str::to_owned)
            .and_then(nonempty),
        KeyPart::Department => {
            let postcode = r.addresses[element].postcode.as_deref()?;
            let overseas = postcode.starts_with("97") || postcode.starts_with("98");
            let department: String = postcode
                .chars()
                .take(if overseas { 3 } else { 2 })
                .collect();
            (department.len() == if overseas { 3 } else { 2 }).then_some(department)
        }
        KeyPart::City => r.addresses[element]
            .city
            .as_deref()
            .map(str::to_owned)
            .and_then(nonempty),
        KeyPart::Address => {
            let a = oracle_address(&r.addresses[element])?;
            (!generic.contains(&format!("address:{a}"))).then_some(a)
        }
    }
}

/// The element indices a part can read in a record.
fn oracle_elements(part: &KeyPart, r: &NormalizedRecord) -> Vec<usize> {
    let n = match part {
        KeyPart::Email => r.emails.len(),
        KeyPart::Phone => r.phones.len(),
        KeyPart::Identifier(kind) => {
            return r
                .identifiers
                .iter()
                .enumerate()
                .filter(|(_, (k, _))| k == kind)
                .map(|(i, _)| i)
                .collect();
        }
        KeyPart::BirthDate | KeyPart::BirthYear => usize::from(r.birth.is_some()),
        KeyPart::Postcode | KeyPart::Department | KeyPart::City | KeyPart::Address => {
            r.addresses.len()
        }
        _ => r.names.len(),
    };
    (0..n).collect()
}

/// A record's keys as strings: `(rule, parts joined)`. Parts of one source
/// read one element; sources combine in every way.
fn oracle_keys(
    rules: &[BlockingRule],
    r: &NormalizedRecord,
    generic: &HashSet<String>,
) -> BTreeSet<(usize, String)> {
    let mut keys = BTreeSet::new();
    for (rule_index, rule) in rules.iter().enumerate() {
        // Group by source, in order of first appearance.
        let mut groups: Vec<Vec<&KeyPart>> = vec![];
        for part in &rule.key {
            match groups.iter_mut().find(|g| g[0].source() == part.source()) {
                Some(g) => g.push(part),
                None => groups.push(vec![part]),
            }
        }
        let mut partial: Vec<String> = vec![String::new()];
        for group in groups {
            let mut next = vec![];
            for prefix in &partial {
                for element in oracle_elements(group[0], r) {
                    let values: Option<Vec<String>> = group
                        .iter()
                        .map(|p| oracle_part(p, r, element, generic))
                        .collect();
                    if let Some(values) = values {
                        next.push(format!("{prefix}|{}", values.join("|")));
                    }
                }
            }
            partial = next;
        }
        keys.extend(partial.into_iter().map(|k| (rule_index, k)));
    }
    keys
}

/// All pairs sharing a key under any rule, minus keys of oversized blocks;
/// each with the first rule that gives it.
fn oracle_pairs(
    records: &[NormalizedRecord],
    settings: &BlockingSettings,
) -> BTreeMap<(u32, u32), u8> {
    let generic = oracle_generic(records, settings.generic.max_distinct_family_names);
    let keys: Vec<_> = records
        .iter()
        .map(|r| oracle_keys(&settings.rules, r, &generic))
        .collect();
    let mut sizes: HashMap<&(usize, String), usize> = HashMap::new();
    for k in keys.iter().flatten() {
        *sizes.entry(k).or_default() += 1;
    }
    let mut pairs = BTreeMap::new();
    for a in 0..records.len() {
        for b in a + 1..records.len() {
            let first_rule = keys[a]
                .intersection(&keys[b])
                .filter(|k| {
                    let cap = settings.rules[k.0]
                        .max_block_size
                        .unwrap_or(settings.max_block_size);
                    sizes[k] <= cap
                })
                .map(|(rule, _)| *rule)
                .min();
            if let Some(rule) = first_rule {
                pairs.insert((a as u32, b as u32), rule as u8);
            }
        }
    }
    pairs
}

/// Realistic records (the synthetic generator's typos, nicknames, swapped
/// boxes, shared household values) with the default rules: the engine's
/// pairs and rules are the oracle's.
#[cfg(feature = "synth")]
#[test]
fn pairs_equal_the_naive_oracle_on_a_synthetic_batch() {
    let records = crate::synth::normalized_batch(650, 11);
    let settings = BlockingSettings {
        // Small enough that some name blocks are skipped at this size.
        max_block_size: 4,
        ..BlockingSettings::default()
    };
    let blocking = Blocker::new(settings.clone())
        .unwrap()
        .block(&records)
        .unwrap();
    let got: BTreeMap<(u32, u32), u8> = blocking
        .pairs
        .iter()
        .map(|p| ((p.lo.0, p.hi.0), p.rule.0))
        .collect();
    assert!(got.len() > 500, "{} pairs", got.len());
    assert!(!blocking.report.skipped_blocks.is_empty());
    assert_eq!(got, oracle_pairs(&records, &settings));
}

fn reversed_values(records: &[NormalizedRecord]) -> Vec<NormalizedRecord> {
    records
        .iter()
        .map(|r| {
            let mut r = r.clone();
            r.names.reverse();
            r.emails.reverse();
            r.phones.reverse();
            r.addresses.reverse();
            r.identifiers.reverse();
            r
        })
        .collect()
}

fn in_pool<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(f)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn pairs_equal_the_naive_oracle(records in arb_records(), settings in arb_settings()) {
        let blocking = Blocker::new(settings.clone()).unwrap().block(&records).unwrap();
        let got: BTreeMap<(u32, u32), u8> =
            blocking.pairs.iter().map(|p| ((p.lo.0, p.hi.0), p.rule.0)).collect();
        prop_assert_eq!(got.len(), blocking.pairs.len(), "a pair appears twice");
        prop_assert_eq!(got, oracle_pairs(&records, &settings));
    }

    #[test]
    fn pairs_are_canonical_strictly_sorted_and_counted(
        records in arb_records(),
        settings in arb_settings(),
    ) {
        let blocking = Blocker::new(settings).unwrap().block(&records).unwrap();
        for p in &blocking.pairs {
            prop_assert!(p.lo < p.hi);
            prop_assert!((p.hi.index()) < records.len());
        }
        for w in blocking.pairs.windows(2) {
            prop_assert!((w[0].lo, w[0].hi) < (w[1].lo, w[1].hi));
        }
        prop_assert_eq!(blocking.report.pairs, blocking.pairs.len() as u64);
        for rule in &blocking.report.rules {
            prop_assert!(rule.pairs <= rule.block_pairs);
            prop_assert!(rule.skipped_blocks <= rule.blocks);
        }
    }

    #[test]
    fn generic_detection_equals_the_naive_oracle(records in arb_records(), max_names in 1usize..4) {
        let generic = GenericValues::detect(&records, &GenericSettings { max_distinct_family_names: max_names });
        let oracle = oracle_generic(&records, max_names);
        for r in &records {
            for e in &r.emails {
                prop_assert_eq!(generic.is_generic_email(e), oracle.contains(&format!("email:{}", e.normalized)));
            }
            for p in &r.phones {
                prop_assert_eq!(generic.is_generic_phone(p), oracle.contains(&format!("phone:{}", p.e164)));
            }
            for a in &r.addresses {
                let expected = oracle_address(a).is_some_and(|a| oracle.contains(&format!("address:{a}")));
                prop_assert_eq!(generic.is_generic_address(a), expected);
            }
            for (k, v) in &r.identifiers {
                prop_assert_eq!(generic.is_generic_identifier(k, v), oracle.contains(&format!("id:{k:?}:{v}")));
            }
        }
        prop_assert_eq!(generic.len(), oracle.len());
    }

    #[test]
    fn output_does_not_depend_on_value_order_or_thread_count(
        records in arb_records(),
        settings in arb_settings(),
    ) {
        let blocker = Blocker::new(settings).unwrap();
        let one = in_pool(1, || blocker.block(&records).unwrap());
        let two = in_pool(2, || blocker.block(&records).unwrap());
        let reversed = in_pool(2, || blocker.block(&reversed_values(&records)).unwrap());
        prop_assert_eq!(&one, &two);
        prop_assert_eq!(&one.pairs, &reversed.pairs);
        prop_assert_eq!(&one.report, &reversed.report);
    }

    #[test]
    fn permuting_records_permutes_the_pairs(
        records in arb_records(),
        settings in arb_settings(),
        seed in any::<u64>(),
    ) {
        // A deterministic shuffle: sort positions by a hash of (seed, position).
        let mut order: Vec<usize> = (0..records.len()).collect();
        order.sort_by_key(|&i| (i as u64 ^ seed).wrapping_mul(0x9e37_79b9_7f4a_7c15));
        let shuffled: Vec<_> = order.iter().map(|&i| records[i].clone()).collect();
        let blocker = Blocker::new(settings).unwrap();
        let original: BTreeSet<(u32, u32, u8)> = blocker
            .block(&records).unwrap().pairs.iter().map(|p| (p.lo.0, p.hi.0, p.rule.0)).collect();
        let mapped: BTreeSet<(u32, u32, u8)> = blocker
            .block(&shuffled).unwrap().pairs.iter()
            .map(|p| {
                let (a, b) = (order[p.lo.index()] as u32, order[p.hi.index()] as u32);
                (a.min(b), a.max(b), p.rule.0)
            })
            .collect();
        prop_assert_eq!(original, mapped);
    }

    #[test]
    fn dry_run_counts_equal_the_real_counts(records in arb_records(), settings in arb_settings()) {
        let blocker = Blocker::new(settings).unwrap();
        let real = blocker.block(&records).unwrap();
        let dry = in_pool(2, || blocker.dry_run(&records).unwrap());
        prop_assert_eq!(&dry, &real.report);
        let skipped: usize = dry.rules.iter().map(|r| r.skipped_blocks).sum();
        prop_assert_eq!(skipped, dry.skipped_blocks.len());
        for s in &dry.skipped_blocks {
            prop_assert!(s.size > dry.max_block_size);
        }
    }
}

proptest! {
    #[test]
    fn radix_sort_equals_a_stable_sort(
        keys in prop::collection::vec(prop_oneof![any::<u64>(), 0u64..4, (0u64..4).prop_map(|k| k << 60)], 0..300)
    ) {
        // (key, position): stability shows in the positions of equal keys.
        let mut items: Vec<(u64, usize)> = keys.iter().copied().zip(0..).collect();
        let mut expected = items.clone();
        expected.sort_by_key(|&(k, _)| k);
        super::pairs::radix_sort_by_key(&mut items, |&(k, _)| k);
        prop_assert_eq!(items, expected);
    }
}

#[test]
fn department_is_the_postcodes_first_two_digits_three_overseas() {
    use super::key::department;
    assert_eq!(department("75011"), Some("75"));
    assert_eq!(department("01000"), Some("01"));
    assert_eq!(department("97411"), Some("974"));
    assert_eq!(department("98800"), Some("988"));
    assert_eq!(department("97"), None);
    assert_eq!(department("7"), None);
    assert_eq!(department(""), None);
}
