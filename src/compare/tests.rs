//! Realistic French pairs for every level, and the comparator's laws.

use proptest::prelude::*;

use super::*;
use crate::normalize::{Email, NormalizedAddress, PartialDate, PersonName, Phone, PhoneKind};
use crate::record::{Channel, IdentifierKind, SourceKey};

// Positions of the default comparisons in a vector.
const GIVEN: usize = 0;
const FAMILY: usize = 1;
const BIRTH: usize = 2;
const EMAIL: usize = 3;
const PHONE: usize = 4;
const ADDRESS: usize = 5;
const IDENTIFIER: usize = 6;

fn empty(id: &str) -> NormalizedRecord {
    NormalizedRecord {
        key: SourceKey::new(Channel::Web, id).unwrap_or_else(|_| unreachable!()),
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

/// A name as the normalizer would give it; `canonical` empty means "as written".
fn name(given: &str, canonical: &str, family: &str) -> PersonName {
    let canonical = if canonical.is_empty() {
        given
    } else {
        canonical
    };
    PersonName {
        given: given.into(),
        given_canonical: canonical.into(),
        initials: canonical
            .split(' ')
            .filter_map(|t| t.chars().next())
            .collect(),
        family: family.into(),
        particles: Default::default(),
    }
}

fn named(names: Vec<PersonName>) -> NormalizedRecord {
    NormalizedRecord {
        names: names.into(),
        ..empty("n")
    }
}

fn date(year: u16, month: Option<u8>, day: Option<u8>) -> PartialDate {
    PartialDate { year, month, day }
}

fn born(d: PartialDate) -> NormalizedRecord {
    NormalizedRecord {
        birth: Some(d),
        ..empty("b")
    }
}

fn email(raw: &str, normalized: &str) -> Email {
    Email {
        raw: raw.into(),
        normalized: normalized.into(),
        identifying: true,
    }
}

fn mailed(emails: Vec<Email>) -> NormalizedRecord {
    NormalizedRecord {
        emails: emails.into(),
        ..empty("e")
    }
}

fn phone(e164: &str) -> Phone {
    let kind = if e164.starts_with("+336") || e164.starts_with("+337") {
        PhoneKind::Mobile
    } else if e164.starts_with("+33") {
        PhoneKind::Landline
    } else {
        PhoneKind::Other
    };
    Phone {
        e164: e164.into(),
        kind,
    }
}

fn phoned(numbers: &[&str]) -> NormalizedRecord {
    NormalizedRecord {
        phones: numbers.iter().map(|n| phone(n)).collect(),
        ..empty("p")
    }
}

fn address(
    number: Option<u32>,
    suffix: Option<&str>,
    street: Option<&str>,
    postcode: Option<&str>,
    city: Option<&str>,
) -> NormalizedAddress {
    NormalizedAddress {
        number,
        number_suffix: suffix.map(Into::into),
        street: street.map(Into::into),
        postcode: postcode.map(Into::into),
        city: city.map(Into::into),
        country: Some(crate::normalize::Region::FR),
    }
}

fn housed(addresses: Vec<NormalizedAddress>) -> NormalizedRecord {
    NormalizedRecord {
        addresses,
        ..empty("a")
    }
}

fn identified(ids: &[(IdentifierKind, &str)]) -> NormalizedRecord {
    NormalizedRecord {
        identifiers: ids.iter().map(|(k, v)| (k.clone(), (*v).into())).collect(),
        ..empty("i")
    }
}

/// The level name of comparison `index` for the pair, with the default settings.
fn level_name(a: &NormalizedRecord, b: &NormalizedRecord, index: usize) -> String {
    let comparator = Comparator::default();
    let levels = comparator.compare_to_vec(a, b);
    let reverse = comparator.compare_to_vec(b, a);
    assert_eq!(levels, reverse, "comparison is not symmetric");
    comparator.level_names()[index][usize::from(levels[index])].clone()
}

fn given_level(x: PersonName, y: PersonName) -> String {
    level_name(&named(vec![x]), &named(vec![y]), GIVEN)
}

fn family_level(x: PersonName, y: PersonName) -> String {
    level_name(&named(vec![x]), &named(vec![y]), FAMILY)
}

#[test]
fn given_name_levels() {
    assert_eq!(
        given_level(name("marie", "", "dupont"), name("marie", "", "durand")),
        "exact"
    );
    assert_eq!(
        given_level(name("fred", "frederic", "x"), name("frederic", "", "x")),
        "nickname"
    );
    assert_eq!(
        given_level(
            name("jf", "jean francois", "x"),
            name("jean francois", "", "x")
        ),
        "nickname"
    );
    // An ambiguous nickname: the normalizer kept the primary reading.
    assert_eq!(
        given_level(name("fred", "frederic", "x"), name("frederique", "", "x")),
        "nickname"
    );
    assert_eq!(
        given_level(name("manu", "emmanuel", "x"), name("emmanuelle", "", "x")),
        "nickname"
    );
    // `j` (from `J.`) against `jean`, and initials the nickname table does not know.
    assert_eq!(
        given_level(name("j", "", "x"), name("jean", "", "x")),
        "initials"
    );
    assert_eq!(
        given_level(name("j f", "", "x"), name("jean francois", "", "x")),
        "initials"
    );
    // The table knows `jf` even when the normalizer did not resolve it.
    assert_eq!(
        given_level(name("jf", "", "x"), name("jean francois", "", "x")),
        "nickname"
    );
    assert_eq!(
        given_level(name("pm", "", "x"), name("pierre marie", "", "x")),
        "initials"
    );
    assert_eq!(
        given_level(name("pm", "", "x"), name("paul", "", "x")),
        "initials"
    );
    assert_eq!(
        given_level(name("pm", "", "x"), name("marie", "", "x")),
        "else"
    );
    assert_eq!(
        given_level(name("j", "", "x"), name("pierre", "", "x")),
        "else"
    );
    assert_eq!(
        given_level(name("mathieu", "", "x"), name("matthieu", "", "x")),
        "jaro_winkler_0.92"
    );
    assert_eq!(
        given_level(name("marie", "", "x"), name("marie claire", "", "x")),
        "jaro_winkler_0.85"
    );
    assert_eq!(
        given_level(name("marie", "", "x"), name("sophie", "", "x")),
        "else"
    );
    assert_eq!(
        given_level(name("", "", "x"), name("sophie", "", "x")),
        "null"
    );
}

#[test]
fn family_name_levels() {
    assert_eq!(
        family_level(name("a", "", "dupont"), name("b", "", "dupont")),
        "exact"
    );
    assert_eq!(
        family_level(name("a", "", "dupont"), name("b", "", "dupond")),
        "close"
    );
    // A transposition is one edit too.
    assert_eq!(
        family_level(name("a", "", "lefebvre"), name("b", "", "lefbevre")),
        "close"
    );
    assert_eq!(
        family_level(name("a", "", "lefebvre"), name("b", "", "lefevre")),
        "close"
    );
    assert_eq!(
        family_level(name("a", "", "martinez"), name("b", "", "martines")),
        "close"
    );
    assert_eq!(
        family_level(name("a", "", "dubois"), name("b", "", "duboisson")),
        "jaro_winkler_0.88"
    );
    assert_eq!(
        family_level(name("a", "", "dupont"), name("b", "", "durand")),
        "else"
    );
    // One edit in a short name is another name.
    assert_eq!(
        family_level(name("a", "", "roy"), name("b", "", "ray")),
        "else"
    );
    assert_eq!(
        family_level(name("a", "", ""), name("b", "", "durand")),
        "null"
    );
}

#[test]
fn a_particle_written_joined_is_a_close_family_name() {
    let split = |particles: &str, family: &str| {
        let mut n = name("marie", "", family);
        n.particles = particles.into();
        n
    };
    for (particles, family, joined) in [
        ("le", "crooere", "lecrooere"),
        ("d", "almeida", "dalmeida"),
        ("de la", "fontaine", "delafontaine"),
    ] {
        assert_eq!(
            family_level(split(particles, family), name("marie", "", joined)),
            "close",
            "{particles} {family} / {joined}"
        );
        assert_eq!(
            family_level(name("marie", "", joined), split(particles, family)),
            "close"
        );
    }
    // Another particle, or a name that merely ends alike, is no variant
    // (whatever Jaro-Winkler then says of it).
    assert_ne!(
        family_level(split("le", "gall"), name("marie", "", "dugall")),
        "close"
    );
    assert_ne!(
        family_level(name("marie", "", "mortier"), name("marie", "", "tier")),
        "close"
    );
}

#[test]
fn swapped_names_take_the_swapped_level_on_both() {
    let a = named(vec![name("martin", "", "pierre")]);
    let b = named(vec![name("pierre", "", "martin")]);
    assert_eq!(level_name(&a, &b, GIVEN), "swapped");
    assert_eq!(level_name(&a, &b, FAMILY), "swapped");
    // A name that is its own swap is simply exact.
    let c = named(vec![name("martin", "", "martin")]);
    assert_eq!(level_name(&c, &c, GIVEN), "exact");
    assert_eq!(level_name(&c, &c, FAMILY), "exact");
}

#[test]
fn a_swap_with_one_slip_is_still_a_swap() {
    let straight = |given, family| named(vec![name(given, "", family)]);
    for (a, b) in [
        (
            straight("hanane", "mansouri"),
            straight("mansourii", "hanane"),
        ),
        (straight("didier", "thibault"), straight("thibault", "d")),
        (straight("maelle", "bras"), straight("le bras", "maelle")),
    ] {
        for (x, y) in [(&a, &b), (&b, &a)] {
            assert_eq!(level_name(x, y, GIVEN), "swapped");
            assert_eq!(level_name(x, y, FAMILY), "swapped");
        }
    }
    // Both halves misspelt, or one half only similar, is no swap.
    for (a, b) in [
        (
            straight("hanane", "mansouri"),
            straight("mansourii", "hanan"),
        ),
        (straight("pierre", "martin"), straight("martin", "paul")),
        (straight("lea", "roy"), straight("ray", "lea")),
    ] {
        assert_ne!(level_name(&a, &b, GIVEN), "swapped");
        assert_ne!(level_name(&a, &b, FAMILY), "swapped");
    }
}

#[test]
fn names_are_best_over_pairs() {
    // Birth name and married name: the married name matches the other record.
    let a = named(vec![
        name("sophie", "", "martin"),
        name("sophie", "", "durand"),
    ]);
    let b = named(vec![name("sophie", "", "durant")]);
    let c = named(vec![name("sophie", "", "durand")]);
    assert_eq!(level_name(&a, &b, FAMILY), "close");
    assert_eq!(level_name(&a, &c, FAMILY), "exact");
    assert_eq!(level_name(&a, &c, GIVEN), "exact");
}

#[test]
fn birth_date_levels() {
    let full = |y, m, d| born(date(y, Some(m), Some(d)));
    assert_eq!(
        level_name(&full(1980, 3, 5), &full(1980, 3, 5), BIRTH),
        "exact"
    );
    // 05/03/1980 read as 03/05/1980 by an mm/dd export.
    assert_eq!(
        level_name(&full(1980, 3, 5), &full(1980, 5, 3), BIRTH),
        "day_month_swapped"
    );
    assert_eq!(
        level_name(&full(1980, 3, 5), &full(1980, 3, 6), BIRTH),
        "one_digit_off"
    );
    assert_eq!(
        level_name(&full(1980, 3, 5), &full(1981, 3, 5), BIRTH),
        "one_digit_off"
    );
    assert_eq!(
        level_name(&full(1980, 3, 15), &full(1980, 3, 51 % 32), BIRTH),
        "one_digit_off"
    );
    assert_eq!(
        level_name(&full(1989, 3, 5), &full(1998, 3, 5), BIRTH),
        "one_digit_off"
    );
    assert_eq!(
        level_name(&full(1980, 3, 5), &full(1980, 3, 27), BIRTH),
        "same_year_month"
    );
    assert_eq!(
        level_name(&full(1980, 3, 5), &full(1980, 11, 27), BIRTH),
        "else"
    );
    assert_eq!(
        level_name(&full(1980, 3, 5), &full(1975, 3, 5), BIRTH),
        "else"
    );
    // A year-only record (a birth year field) against a full date of that year.
    let year_only = born(date(1980, None, None));
    assert_eq!(
        level_name(&year_only, &full(1980, 11, 27), BIRTH),
        "same_year"
    );
    assert_eq!(level_name(&year_only, &full(1981, 11, 27), BIRTH), "else");
    let month_only = born(date(1980, Some(3), None));
    assert_eq!(
        level_name(&month_only, &full(1980, 3, 27), BIRTH),
        "same_year_month"
    );
    assert_eq!(level_name(&month_only, &full(1980, 4, 27), BIRTH), "else");
    assert_eq!(level_name(&year_only, &empty("x"), BIRTH), "null");
}

#[test]
fn email_levels() {
    // gmail variants arrive already normalized (dots and +tags removed).
    let a = mailed(vec![email(
        "jean.dupont+promo@gmail.com",
        "jeandupont@gmail.com",
    )]);
    let b = mailed(vec![email("jeandupont@gmail.com", "jeandupont@gmail.com")]);
    assert_eq!(level_name(&a, &b, EMAIL), "exact");
    let c = mailed(vec![email(
        "jean.dupont@orange.fr",
        "jean.dupont@orange.fr",
    )]);
    assert_eq!(level_name(&a, &c, EMAIL), "same_local_part");
    let d = mailed(vec![email(
        "jeandupont@hotmail.fr",
        "jeandupont@hotmail.fr",
    )]);
    assert_eq!(level_name(&b, &d, EMAIL), "same_local_part");
    let e = mailed(vec![email("jeandupond@gmail.com", "jeandupond@gmail.com")]);
    assert_eq!(level_name(&b, &e, EMAIL), "one_edit");
    // Short local parts are shared by many people.
    let f = mailed(vec![email("marie@free.fr", "marie@free.fr")]);
    let g = mailed(vec![email("marie@orange.fr", "marie@orange.fr")]);
    assert_eq!(level_name(&f, &g, EMAIL), "else");
    assert_eq!(level_name(&b, &f, EMAIL), "else");
    // Placeholders are no evidence.
    let placeholder = Email {
        identifying: false,
        ..email("pasdemail@magasin.fr", "pasdemail@magasin.fr")
    };
    let p = mailed(vec![placeholder.clone()]);
    assert_eq!(level_name(&p, &p, EMAIL), "null");
    let bp = mailed(vec![
        placeholder,
        email("jeandupont@gmail.com", "jeandupont@gmail.com"),
    ]);
    assert_eq!(level_name(&bp, &b, EMAIL), "exact");
}

#[test]
fn phone_levels() {
    let mobile = phoned(&["+33612345678"]);
    assert_eq!(
        level_name(&mobile, &phoned(&["+33612345678"]), PHONE),
        "same_mobile"
    );
    // A household's landline says less than a personal mobile.
    let home = phoned(&["+33145678901"]);
    assert_eq!(
        level_name(&home, &phoned(&["+33145678901"]), PHONE),
        "same_landline"
    );
    let both = phoned(&["+33145678901", "+33612345678"]);
    assert_eq!(
        level_name(&both, &phoned(&["+33612345678", "+33145678901"]), PHONE),
        "same_mobile"
    );
    assert_eq!(level_name(&both, &home, PHONE), "same_landline");
    // 06 typed for 07, a single digit slip, two digits swapped.
    assert_eq!(
        level_name(&mobile, &phoned(&["+33712345678"]), PHONE),
        "mobile_close"
    );
    assert_eq!(
        level_name(&mobile, &phoned(&["+33612345679"]), PHONE),
        "mobile_close"
    );
    assert_eq!(
        level_name(&mobile, &phoned(&["+33612345687"]), PHONE),
        "mobile_close"
    );
    // Same last 8 digits behind another prefix (a Réunion mobile typed with +33).
    let reunion = Phone {
        e164: "+262692345678".into(),
        kind: PhoneKind::Mobile,
    };
    let r = NormalizedRecord {
        phones: smallvec::smallvec![reunion],
        ..empty("r")
    };
    assert_eq!(
        level_name(&phoned(&["+33692345678"]), &r, PHONE),
        "mobile_close"
    );
    // Landlines one digit apart are neighbours, not typos worth a level.
    assert_eq!(level_name(&home, &phoned(&["+33145678902"]), PHONE), "else");
    assert_eq!(
        level_name(&mobile, &phoned(&["+33698765432"]), PHONE),
        "else"
    );
    assert_eq!(level_name(&mobile, &empty("x"), PHONE), "null");
}

#[test]
fn address_levels() {
    let here = |n, street: &str, pc: &str, city: &str| {
        housed(vec![address(n, None, Some(street), Some(pc), Some(city))])
    };
    let a = here(Some(12), "rue de la paix", "75002", "paris");
    assert_eq!(
        level_name(
            &a,
            &here(Some(12), "rue de la paix", "75002", "paris"),
            ADDRESS
        ),
        "same_street_number"
    );
    assert_eq!(
        level_name(
            &a,
            &here(Some(12), "rue de la pais", "75002", "paris"),
            ADDRESS
        ),
        "same_street_number"
    );
    assert_eq!(
        level_name(
            &a,
            &here(Some(14), "rue de la paix", "75002", "paris"),
            ADDRESS
        ),
        "same_street"
    );
    assert_eq!(
        level_name(&a, &here(None, "rue de la paix", "75002", "paris"), ADDRESS),
        "same_street"
    );
    assert_eq!(
        level_name(
            &a,
            &here(Some(12), "rue du sentier", "75002", "paris"),
            ADDRESS
        ),
        "same_postcode"
    );
    assert_eq!(
        level_name(
            &a,
            &here(Some(12), "rue de la paix", "75011", "paris"),
            ADDRESS
        ),
        "same_city"
    );
    assert_eq!(
        level_name(
            &a,
            &here(Some(12), "rue de la paix", "69002", "lyon"),
            ADDRESS
        ),
        "else"
    );
    // 12 and 12 bis are different doors; a missing suffix is an omission.
    let bis = housed(vec![address(
        Some(12),
        Some("bis"),
        Some("rue de la paix"),
        Some("75002"),
        Some("paris"),
    )]);
    let ter = housed(vec![address(
        Some(12),
        Some("ter"),
        Some("rue de la paix"),
        Some("75002"),
        Some("paris"),
    )]);
    assert_eq!(level_name(&a, &bis, ADDRESS), "same_street_number");
    assert_eq!(level_name(&bis, &ter, ADDRESS), "same_street");
    // A street alone against a city alone is no evidence.
    let street_only = housed(vec![address(
        Some(3),
        None,
        Some("rue de la paix"),
        None,
        None,
    )]);
    let city_only = housed(vec![address(None, None, None, None, Some("paris"))]);
    assert_eq!(level_name(&street_only, &city_only, ADDRESS), "null");
    assert_eq!(level_name(&a, &empty("x"), ADDRESS), "null");
}

#[test]
fn identifier_levels() {
    use IdentifierKind::*;
    let card = identified(&[(LoyaltyCard, "2901234567890")]);
    assert_eq!(
        level_name(
            &card,
            &identified(&[(LoyaltyCard, "2901234567890")]),
            IDENTIFIER
        ),
        "same_identifier"
    );
    assert_eq!(
        level_name(
            &card,
            &identified(&[(LoyaltyCard, "2909999999999")]),
            IDENTIFIER
        ),
        "else"
    );
    // Different kinds are not comparable.
    assert_eq!(
        level_name(
            &card,
            &identified(&[(AccountId, "2901234567890")]),
            IDENTIFIER
        ),
        "null"
    );
    let device = identified(&[(AccountId, "W1"), (DeviceId, "D-42")]);
    assert_eq!(
        level_name(
            &device,
            &identified(&[(AccountId, "W2"), (DeviceId, "D-42")]),
            IDENTIFIER
        ),
        "same_weak_identifier"
    );
    assert_eq!(
        level_name(
            &device,
            &identified(&[(AccountId, "W1"), (DeviceId, "D-7")]),
            IDENTIFIER
        ),
        "same_identifier"
    );
    assert_eq!(
        level_name(
            &device,
            &identified(&[(Named("crm".into()), "W1")]),
            IDENTIFIER
        ),
        "null"
    );
}

#[test]
fn generic_values_count_as_null() {
    let mut generic = GenericValueSet::default();
    generic.phones.insert("+33140000000".into());
    generic.emails.insert("commandes@boutique.fr".into());
    let store_address = address(
        Some(1),
        None,
        Some("place du marche"),
        Some("35000"),
        Some("rennes"),
    );
    generic.addresses.insert(store_address.clone());
    let comparator = Comparator::with_generic_values(ComparisonSettings::default(), &generic)
        .unwrap_or_else(|_| unreachable!());
    let walk_in = NormalizedRecord {
        phones: smallvec::smallvec![phone("+33140000000")],
        emails: smallvec::smallvec![email("commandes@boutique.fr", "commandes@boutique.fr")],
        addresses: vec![store_address],
        ..empty("w")
    };
    let levels = comparator.compare_to_vec(&walk_in, &walk_in);
    assert_eq!(levels, [0; 7]);
    // Without the list the same pair is a perfect agreement.
    let plain = Comparator::default().compare_to_vec(&walk_in, &walk_in);
    assert_eq!(&plain[EMAIL..=ADDRESS], [1, 2, 1]);
    // A real value next to the generic one still counts.
    let mut own = walk_in.clone();
    own.phones.push(phone("+33612345678"));
    assert_eq!(comparator.compare_to_vec(&own, &own)[PHONE], 1);
}

#[test]
fn explain_names_every_comparison() {
    let a = NormalizedRecord {
        names: smallvec::smallvec![name("fred", "frederic", "dupont")],
        birth: Some(date(1980, Some(3), Some(5))),
        ..empty("1")
    };
    let b = NormalizedRecord {
        names: smallvec::smallvec![name("frederic", "", "dupond")],
        birth: Some(date(1980, Some(5), Some(3))),
        ..empty("2")
    };
    let comparator = Comparator::default();
    let explained: Vec<(&str, &str)> = comparator
        .explain(&a, &b)
        .iter()
        .map(|e| (e.comparison, e.level_name))
        .collect();
    assert_eq!(
        explained,
        [
            ("given_name", "nickname"),
            ("family_name", "close"),
            ("birth_date", "day_month_swapped"),
            ("email", "null"),
            ("phone", "null"),
            ("address", "null"),
            ("identifier", "null"),
        ]
    );
}

#[test]
fn custom_thresholds_change_the_shape() {
    let mut settings = ComparisonSettings::default();
    settings.comparisons[GIVEN].kind = ComparisonKind::GivenName {
        jaro_winkler: vec![],
    };
    let comparator = Comparator::new(settings).unwrap_or_else(|_| unreachable!());
    assert_eq!(comparator.shape()[GIVEN], 6);
    let a = named(vec![name("mathieu", "", "x")]);
    let b = named(vec![name("matthieu", "", "x")]);
    assert_eq!(comparator.compare_to_vec(&a, &b)[GIVEN], 5); // else
}

// ---- laws on random records -------------------------------------------------

/// Small alphabets so that random values often agree or nearly agree.
fn word() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        "[a-e]{1,3}( [a-e]{1,4})?",
        prop::sample::select(vec![
            "marie",
            "marie claire",
            "jean",
            "j",
            "jf",
            "fred",
            "frederic",
            "dupont",
            "dupond"
        ])
        .prop_map(String::from),
        "\\PC{0,8}",
    ]
}

fn person_name() -> impl Strategy<Value = PersonName> {
    (word(), word(), word()).prop_map(|(given, canonical, family)| PersonName {
        initials: Default::default(),
        given_canonical: canonical.into(),
        given: given.into(),
        family: family.into(),
        particles: Default::default(),
    })
}

fn partial_date() -> impl Strategy<Value = PartialDate> {
    (
        1978u16..1982,
        prop::option::of(1u8..4),
        prop::option::of(1u8..4),
    )
        .prop_map(|(year, month, day)| PartialDate {
            year,
            month,
            day: month.and(day),
        })
}

fn any_email() -> impl Strategy<Value = Email> {
    (
        "[ab.]{0,7}",
        prop::sample::select(vec!["gmail.com", "free.fr", "orange.fr"]),
        any::<bool>(),
    )
        .prop_map(|(local, domain, identifying)| Email {
            raw: format!("{local}@{domain}").into(),
            normalized: format!("{}@{domain}", local.replace('.', "")).into(),
            identifying,
        })
}

fn any_phone() -> impl Strategy<Value = Phone> {
    ("\\+33[167][12]{2}", "[12]{0,2}").prop_map(|(head, tail)| phone(&format!("{head}{tail}")))
}

fn any_address() -> impl Strategy<Value = NormalizedAddress> {
    (
        prop::option::of(1u32..3),
        prop::option::of(prop::sample::select(vec!["bis", "ter"])),
        prop::option::of(prop::sample::select(vec![
            "rue de la paix",
            "rue de la pais",
            "avenue foch",
        ])),
        prop::option::of(prop::sample::select(vec!["75002", "75011"])),
        prop::option::of(prop::sample::select(vec!["paris", "lyon"])),
    )
        .prop_map(|(n, s, street, pc, city)| address(n, s, street, pc, city))
}

fn any_identifier() -> impl Strategy<Value = (IdentifierKind, String)> {
    (
        prop::sample::select(vec![
            IdentifierKind::LoyaltyCard,
            IdentifierKind::AccountId,
            IdentifierKind::DeviceId,
            IdentifierKind::Named("crm".into()),
        ]),
        "[12]{0,2}",
    )
}

fn record() -> impl Strategy<Value = NormalizedRecord> {
    (
        prop::collection::vec(person_name(), 0..3),
        prop::option::of(partial_date()),
        prop::collection::vec(any_email(), 0..3),
        prop::collection::vec(any_phone(), 0..3),
        prop::collection::vec(any_address(), 0..3),
        prop::collection::vec(any_identifier(), 0..3),
    )
        .prop_map(
            |(names, birth, emails, phones, addresses, identifiers)| NormalizedRecord {
                names: names.into(),
                birth,
                emails: emails.into(),
                phones: phones.into(),
                addresses,
                identifiers: identifiers
                    .into_iter()
                    .map(|(k, v)| (k, v.into()))
                    .collect(),
                ..empty("r")
            },
        )
}

fn reversed(r: &NormalizedRecord) -> NormalizedRecord {
    let mut r = r.clone();
    r.names.reverse();
    r.emails.reverse();
    r.phones.reverse();
    r.addresses.reverse();
    r.identifiers.reverse();
    r
}

proptest! {
    #[test]
    fn symmetric(a in record(), b in record()) {
        let c = Comparator::default();
        prop_assert_eq!(c.compare_to_vec(&a, &b), c.compare_to_vec(&b, &a));
    }

    #[test]
    fn levels_stay_inside_the_shape(a in record(), b in record()) {
        let c = Comparator::default();
        for (level, size) in c.compare_to_vec(&a, &b).iter().zip(c.shape()) {
            prop_assert!(usize::from(*level) < size);
        }
    }

    #[test]
    fn best_of_pairs_ignores_value_order(a in record(), b in record()) {
        let c = Comparator::default();
        prop_assert_eq!(c.compare_to_vec(&a, &b), c.compare_to_vec(&reversed(&a), &b));
        prop_assert_eq!(c.compare_to_vec(&a, &b), c.compare_to_vec(&a, &reversed(&b)));
    }

    #[test]
    fn a_record_against_itself_is_exact_or_null(a in record()) {
        let c = Comparator::default();
        let levels = c.compare_to_vec(&a, &a);
        let has_given = a.names.iter().any(|n| !n.given.is_empty());
        let has_family = a.names.iter().any(|n| !n.family.is_empty());
        let has_full_birth = a.birth.is_some_and(|d| d.day.is_some());
        let has_email = a.emails.iter().any(|e| e.identifying);
        let has_mobile = a.phones.iter().any(|p| p.kind == PhoneKind::Mobile);
        let has_phone = !a.phones.is_empty();
        let has_address = a.addresses.iter().any(|x| x.postcode.is_some() || x.city.is_some());
        let has_id = a.identifiers.iter().any(|(k, v)| !v.is_empty() && !matches!(k, IdentifierKind::Named(_)));
        prop_assert_eq!(levels[GIVEN], u8::from(has_given));
        prop_assert_eq!(levels[FAMILY], u8::from(has_family));
        // Partial dates agree only as far as they go: `same_year_month` / `same_year`.
        let birth = match a.birth {
            None => 0,
            Some(_) if has_full_birth => 1,
            Some(d) if d.month.is_some() => 4,
            Some(_) => 5,
        };
        prop_assert_eq!(levels[BIRTH], birth);
        prop_assert_eq!(levels[EMAIL], u8::from(has_email));
        // Landlines agree at their own level, below mobiles.
        let phone = if has_mobile { 1 } else if has_phone { 2 } else { 0 };
        prop_assert_eq!(levels[PHONE], phone);
        // An address agrees with itself at least on what it has (postcode or city).
        let addr = levels[ADDRESS];
        let expected_range = if has_address { 1..=4 } else { 0..=0 };
        prop_assert!(expected_range.contains(&addr));
        // Strong ids equal to themselves; a device id alone gives the weak level.
        let strong = a.identifiers.iter().any(|(k, v)| !v.is_empty() && matches!(k, IdentifierKind::LoyaltyCard | IdentifierKind::AccountId));
        let id = if strong { 1 } else if has_id { 2 } else { 0 };
        prop_assert_eq!(levels[IDENTIFIER], id);
    }

    #[test]
    fn explain_agrees_with_compare(a in record(), b in record()) {
        let c = Comparator::default();
        let levels = c.compare_to_vec(&a, &b);
        let explained: Vec<u8> = c.explain(&a, &b).iter().map(|e| e.level).collect();
        prop_assert_eq!(levels, explained);
    }
}

// ---- the prepared path equals the plain one ---------------------------------

/// Every ordered pair of `records`, prepared and plain, must give the same
/// levels (and the prepared path must accept every id in range); so must
/// records prepared one by one ([`Comparator::prepare_record`]).
fn assert_prepared_equals_plain<G: GenericValues + Sync>(
    comparator: &Comparator<G>,
    records: &[NormalizedRecord],
    pairs: impl IntoIterator<Item = (usize, usize)>,
) -> usize {
    let prepared = comparator.prepare(records);
    assert_eq!(prepared.len(), records.len());
    let one_by_one: Vec<_> = records
        .iter()
        .map(|r| comparator.prepare_record(r))
        .collect();
    let mut fast = vec![0u8; comparator.len()];
    let mut single = vec![0u8; comparator.len()];
    let mut plain = vec![0u8; comparator.len()];
    let mut checked = 0;
    for (i, j) in pairs {
        let ids = (
            crate::record::RecordId(i as u32),
            crate::record::RecordId(j as u32),
        );
        assert!(prepared.compare(ids.0, ids.1, &mut fast));
        comparator.compare(&records[i], &records[j], &mut plain);
        assert_eq!(fast, plain, "pair ({i}, {j})");
        comparator.compare_prepared(
            (&records[i], &one_by_one[i]),
            (&records[j], &one_by_one[j]),
            &mut single,
        );
        assert_eq!(single, plain, "pair ({i}, {j}) prepared one by one");
        for (k, x) in records[i].names.iter().enumerate() {
            for family in [false, true] {
                let field = |p: &crate::normalize::PersonName| {
                    if family {
                        p.family.clone()
                    } else {
                        p.given.clone()
                    }
                };
                let plain_shares = records[j].names.iter().any(|y| field(y) == field(x));
                let shares = one_by_one[i].shares_name(
                    &records[i],
                    k,
                    (&records[j], &one_by_one[j]),
                    family,
                );
                assert_eq!(
                    shares, plain_shares,
                    "pair ({i}, {j}) name {k} family {family}"
                );
            }
        }
        checked += 1;
    }
    checked
}

#[test]
fn an_unprepared_record_is_compared_on_the_plain_path() {
    let comparator = Comparator::default();
    let records = [
        named(vec![name("fred", "frederic", "dupont")]),
        named(vec![name("frederique", "", "dupond")]),
    ];
    let prepared = comparator.prepare_record(&records[0]);
    let blank = crate::compare::PreparedRecord::default();
    let mut out = vec![0u8; comparator.len()];
    comparator.compare_prepared((&records[0], &prepared), (&records[1], &blank), &mut out);
    assert_eq!(out, comparator.compare_to_vec(&records[0], &records[1]));
}

fn all_pairs(n: usize) -> impl Iterator<Item = (usize, usize)> {
    (0..n).flat_map(move |i| (0..n).map(move |j| (i, j)))
}

/// Settings that exercise the corners: no fuzzy given-name level, a family
/// comparison whose threshold is above `close`, a short mobile suffix.
fn corner_settings() -> ComparisonSettings {
    let mut s = ComparisonSettings::default();
    s.comparisons[GIVEN].kind = ComparisonKind::GivenName {
        jaro_winkler: vec![],
    };
    s.comparisons[FAMILY].kind = ComparisonKind::FamilyName {
        close_jaro_winkler: 0.8,
        jaro_winkler: vec![0.9, 0.7],
    };
    s.comparisons[EMAIL].kind = ComparisonKind::Email {
        same_local_part_min_len: 0,
    };
    s.comparisons[PHONE].kind = ComparisonKind::Phone {
        mobile_suffix_digits: 3,
    };
    s.comparisons[ADDRESS].kind = ComparisonKind::Address {
        street_jaro_winkler: 0.5,
    };
    s
}

#[test]
fn prepared_out_of_range_is_refused() {
    let comparator = Comparator::default();
    let records = [named(vec![name("marie", "", "dupont")])];
    let prepared = comparator.prepare(&records);
    let mut out = vec![9u8; comparator.len()];
    let (zero, one) = (crate::record::RecordId(0), crate::record::RecordId(1));
    assert!(!prepared.compare(zero, one, &mut out));
    assert_eq!(out, [9; 7]);
    assert!(prepared.compare(zero, zero, &mut out));
    assert_eq!(out, [1, 1, 0, 0, 0, 0, 0]);
}

#[test]
fn prepared_equals_plain_on_the_hand_cases() {
    // Nicknames both ways, initials, swapped boxes, name-spelling emails,
    // one-edit phones, streets just above and below the threshold.
    let records = vec![
        named(vec![name("fred", "frederic", "dupont")]),
        named(vec![name("frederique", "", "dupond")]),
        named(vec![name("j f", "", "martin"), name("jean", "", "martin")]),
        named(vec![name("jean francois", "", "martin")]),
        named(vec![name("martin", "", "pierre")]),
        named(vec![name("pierre", "", "martin")]),
        named(vec![name("marie josephine", "", "de la rochefoucauld")]),
        named(vec![name("marie josephine", "", "de la rochefoucault")]),
        NormalizedRecord {
            emails: smallvec::smallvec![
                email("marie.lefebvre@orange.fr", "marie.lefebvre@orange.fr"),
                email("x", "mlefebvre@free.fr"),
            ],
            ..named(vec![name("marie", "", "lefebvre")])
        },
        NormalizedRecord {
            emails: smallvec::smallvec![email("x", "marielefebvre@gmail.com")],
            phones: smallvec::smallvec![phone("+33612345678")],
            ..named(vec![name("marie", "", "lefebvre")])
        },
        NormalizedRecord {
            emails: smallvec::smallvec![email("x", "jean.dupont1@gmail.com")],
            phones: smallvec::smallvec![phone("+33612345687"), phone("+33140000000")],
            addresses: vec![address(
                Some(12),
                None,
                Some("rue de la paix"),
                Some("75002"),
                Some("paris"),
            )],
            ..empty("e")
        },
        NormalizedRecord {
            emails: smallvec::smallvec![email("x", "jean.dupont1@free.fr")],
            phones: smallvec::smallvec![phone("+33712345678"), phone("+33140000000")],
            addresses: vec![address(
                Some(12),
                Some("bis"),
                Some("rue de la pais"),
                Some("75002"),
                Some("paris"),
            )],
            ..empty("f")
        },
    ];
    let n = records.len();
    assert_prepared_equals_plain(&Comparator::default(), &records, all_pairs(n));
    let corner = Comparator::new(corner_settings()).unwrap_or_else(|_| unreachable!());
    assert_prepared_equals_plain(&corner, &records, all_pairs(n));
    let mut generic = GenericValueSet::default();
    generic.phones.insert("+33140000000".into());
    generic.emails.insert("mlefebvre@free.fr".into());
    let with_generic = Comparator::with_generic_values(ComparisonSettings::default(), &generic)
        .unwrap_or_else(|_| unreachable!());
    assert_prepared_equals_plain(&with_generic, &records, all_pairs(n));
}

/// The levels of the batch the scale benchmark resolves, candidate pairs and
/// random pairs alike, are the same on both paths.
#[cfg(feature = "synth")]
#[test]
fn prepared_equals_plain_on_a_synthetic_batch() {
    use crate::block::{Blocker, BlockingSettings};

    let records = crate::synth::normalized_batch(1500, 7);
    let blocking = Blocker::new(BlockingSettings::default())
        .and_then(|b| b.block(&records))
        .unwrap_or_else(|_| unreachable!());
    assert!(blocking.pairs.len() > 1000);
    let candidates = blocking.pairs.iter().map(|p| (p.lo.index(), p.hi.index()));
    let n = records.len();
    // A fixed multiplicative walk over pairs stands in for random pairs.
    let strangers = (0..20_000u64).map(|k| {
        let x = k.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        ((x % n as u64) as usize, ((x >> 32) % n as u64) as usize)
    });
    let comparator = Comparator::default();
    assert!(assert_prepared_equals_plain(&comparator, &records, candidates.clone()) > 1000);
    assert_prepared_equals_plain(&comparator, &records, strangers.clone());
    let corner = Comparator::new(corner_settings()).unwrap_or_else(|_| unreachable!());
    assert_prepared_equals_plain(&corner, &records, candidates.chain(strangers));
}

proptest! {
    #[test]
    fn prepared_equals_plain(records in prop::collection::vec(record(), 1..6)) {
        let n = records.len();
        assert_prepared_equals_plain(&Comparator::default(), &records, all_pairs(n));
        let corner = Comparator::new(corner_settings()).unwrap_or_else(|_| unreachable!());
        assert_prepared_equals_plain(&corner, &records, all_pairs(n));
    }
}
