//! Laws of the contact normalizers (phones, emails, addresses, dates), stated
//! with proptest: totality on any string, format independence, idempotence
//! and round trips.

use omnicanal::Address;
use omnicanal::normalize::Region;
use omnicanal::normalize::address::{
    NormalizedAddress, normalize_address, normalize_city, normalize_country, normalize_postcode,
};
use omnicanal::normalize::date::{
    DateOrder, PartialDate, days_in_month, parse_date, parse_timestamp,
};
use omnicanal::normalize::email::normalize_email;
use omnicanal::normalize::phone::normalize_phone;
use proptest::prelude::*;

fn paris() -> jiff::tz::TimeZone {
    jiff::tz::TimeZone::get("Europe/Paris").unwrap_or(jiff::tz::TimeZone::UTC)
}

fn region(code: &str) -> Region {
    code.parse().unwrap_or_default()
}

/// `^\+[1-9][0-9]{6,14}$`, by hand.
fn is_e164(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 8
        && b.len() <= 16
        && b[0] == b'+'
        && (b'1'..=b'9').contains(&b[1])
        && b[2..].iter().all(u8::is_ascii_digit)
}

/// Calls every contact normalizer on `s` and checks the invariants that hold
/// for any input.
fn exercise(s: &str) {
    for code in ["FR", "BE", "US", "IT", "JP"] {
        if let Ok(p) = normalize_phone(s, region(code)) {
            assert!(is_e164(&p.e164), "not E.164");
        }
    }
    if let Ok(e) = normalize_email(s) {
        let again = normalize_email(&e.normalized).map(|x| x.normalized);
        assert_eq!(again.as_ref(), Ok(&e.normalized), "email not idempotent");
    }
    for order in [DateOrder::Dmy, DateOrder::Mdy, DateOrder::Ymd] {
        let _ = parse_date(s, order, 30);
        let _ = parse_timestamp(s, order, &paris());
    }
    let _ = normalize_postcode(s, Region::FR);
    let _ = normalize_postcode(s, region("GB"));
    let _ = normalize_city(s);
    let _ = normalize_country(s);
    let address = Address {
        street: Some(s.to_owned()),
        postcode: Some(s.to_owned()),
        city: Some(s.to_owned()),
        country: Some(s.to_owned()),
    };
    assert_address_idempotent(&address);
    let street_only = Address {
        street: Some(s.to_owned()),
        ..Address::default()
    };
    assert_address_idempotent(&street_only);
}

/// The address a [`NormalizedAddress`] reads back as; an unrecognised country
/// is given back as typed, since it has no code.
fn rebuild(n: &NormalizedAddress, raw: &Address) -> Address {
    let number = n.number.map(|x| x.to_string()).unwrap_or_default();
    let suffix = n.number_suffix.clone().unwrap_or_default();
    let street = n.street.clone().unwrap_or_default();
    Address {
        street: Some(format!("{number}{suffix} {street}")),
        postcode: n.postcode.as_deref().map(str::to_owned),
        city: n.city.as_deref().map(str::to_owned),
        country: match n.country {
            Some(c) => Some(c.to_string()),
            None => raw.country.clone(),
        },
    }
}

/// Every field of a normalized address, comparable with `assert_eq!`.
type AddressParts = (
    Option<u32>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<Region>,
);

fn parts(n: &NormalizedAddress) -> AddressParts {
    (
        n.number,
        n.number_suffix.as_deref().map(str::to_owned),
        n.street.as_deref().map(str::to_owned),
        n.postcode.as_deref().map(str::to_owned),
        n.city.as_deref().map(str::to_owned),
        n.country,
    )
}

fn assert_address_idempotent(raw: &Address) {
    let once = normalize_address(raw, Region::FR);
    let twice = normalize_address(&rebuild(&once, raw), Region::FR);
    assert_eq!(parts(&twice), parts(&once), "address not idempotent");
}

/// Text with what exports really carry: control characters, bidi marks,
/// zero-width characters, emoji, accents, separators.
fn hostile_text() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "\u{0}",
        "\t",
        "\n",
        "\r",
        "\u{7f}",
        "\u{200e}",
        "\u{200f}",
        "\u{202e}",
        "\u{200b}",
        "\u{feff}",
        "\u{a0}",
        "😀",
        "👨‍👩‍👧",
        "é",
        "Œ",
        "ß",
        "İ",
        "Σ",
        "ﬁ",
        "０",
        "+",
        "@",
        ".",
        "-",
        "/",
        "(",
        ")",
        "<",
        ">",
        ":",
        "0",
        "6",
        "33",
        "12",
        "bis",
        "rue",
        "St",
        "CEDEX",
        "11e",
        "2A",
        " ",
        "T",
        "Z",
        "mailto:",
        "gmail.com",
        "x",
        "+tag",
        "1980",
        "05/03",
        "2024-03-31",
        "02:30",
    ]);
    prop::collection::vec(pieces, 0..24).prop_map(|v| v.concat())
}

#[test]
fn total_on_megabyte_strings() {
    let mega = 1 << 20;
    let inputs = [
        "0".repeat(mega),
        " ".repeat(mega),
        "é\u{202e}😀\u{0}".repeat(mega / 10),
        format!("{}@{}", "a".repeat(mega / 2), "b".repeat(mega / 2)),
        "12 bis r. bat b, ".repeat(mega / 17),
        "06 12 34 56 78".repeat(mega / 14),
    ];
    for s in &inputs {
        exercise(s);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn total_on_any_string(s in any::<String>()) {
        exercise(&s);
    }

    #[test]
    fn total_on_hostile_text(s in hostile_text()) {
        exercise(&s);
    }

    #[test]
    fn phone_outputs_are_e164(s in "[+]?[0-9 ().-]{0,24}") {
        for code in ["FR", "BE", "CH", "LU", "MC", "DE", "ES", "IT", "PT", "GB", "NL", "US"] {
            if let Ok(p) = normalize_phone(&s, region(code)) {
                prop_assert!(is_e164(&p.e164), "{} in {}", p.e164, code);
            }
        }
    }
}

/// The E.164 a French national significant number must give, computed apart
/// from the normalizer: overseas departments by the ARCEP prefixes.
fn expected_french_e164(nsn: &str) -> String {
    let cc = match &nsn[..3] {
        "590" | "690" | "691" => "590",
        "594" | "694" => "594",
        "596" | "696" | "697" => "596",
        "262" | "692" | "693" | "269" | "639" => "262",
        _ => "33",
    };
    format!("+{cc}{nsn}")
}

fn french_nsn() -> impl Strategy<Value = String> {
    let overseas = prop::sample::select(vec![
        "590", "690", "691", "594", "694", "596", "696", "697", "262", "692", "693", "269", "639",
    ]);
    prop_oneof![
        "[1-9][0-9]{8}",
        (overseas, "[0-9]{6}").prop_map(|(p, rest)| format!("{p}{rest}")),
    ]
}

/// A French number with the formatting noise of real files.
fn noisy_french_number(nsn: &str, prefix: &str, separators: &[&str]) -> String {
    let mut out = String::from(prefix);
    for (i, digit) in nsn.chars().enumerate() {
        out.push(digit);
        if let Some(sep) = separators.get(i) {
            if i + 1 < nsn.len() {
                out.push_str(sep);
            }
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn french_number_in_any_format_gives_one_e164(
        nsn in french_nsn(),
        prefix in prop::sample::select(vec![
            "0", "0 ", "+33", "+33 ", "+33 (0)", "+33(0) ", "+33 0", "0033", "0033 ", "00 33 (0)",
            "33", "330", "", " ", "tel:+33", "(0)",
        ]),
        separators in prop::collection::vec(
            prop::sample::select(vec!["", "", " ", ".", "-", "  ", " - ", "\u{a0}", "/"]),
            9,
        ),
        padding in prop::sample::select(vec!["", " ", "\t", "\u{200e}"]),
    ) {
        let raw = format!("{padding}{}{padding}", noisy_french_number(&nsn, prefix, &separators));
        let phone = normalize_phone(&raw, Region::FR);
        prop_assert_eq!(phone.as_ref().map(|p| p.e164.to_string()), Ok(expected_french_e164(&nsn)), "{:?}", raw);
        let plain = normalize_phone(&format!("0{nsn}"), Region::FR);
        prop_assert_eq!(phone.map(|p| p.kind), plain.map(|p| p.kind));
    }

    #[test]
    fn international_form_is_a_fixed_point(nsn in french_nsn()) {
        let once = normalize_phone(&format!("0{nsn}"), Region::FR);
        prop_assert!(once.is_ok());
        if let Ok(once) = once {
            for code in ["FR", "BE", "US", "JP"] {
                let again = normalize_phone(&once.e164, region(code));
                prop_assert_eq!(again, Ok(once.clone()));
            }
        }
    }
}

fn local_part() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9]{1,8}(\\.[a-z0-9]{1,8}){0,2}"
}

fn flip_case(s: &str, mask: &[bool]) -> String {
    s.chars()
        .zip(mask.iter().cycle())
        .map(|(c, &up)| if up { c.to_ascii_uppercase() } else { c })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn email_case_and_whitespace_noise(
        local in local_part(),
        domain in prop::sample::select(vec![
            "orange.fr", "wanadoo.fr", "free.fr", "gmail.com", "hotmail.fr", "laposte.net", "example.org",
        ]),
        mask in prop::collection::vec(any::<bool>(), 1..16),
        before in prop::sample::select(vec!["", " ", "\t", "  ", "\u{feff}", "mailto:", "<", " <mailto:"]),
        after in prop::sample::select(vec!["", " ", "\n", ">"]),
    ) {
        let clean = format!("{local}@{domain}");
        let (open, close) = if before.contains('<') || after == ">" { ("<", ">") } else { ("", "") };
        let prefix = before.trim_end_matches('<');
        let noisy = format!("{prefix}{open}{}{close}{}", flip_case(&clean, &mask), after.trim_end_matches('>'));
        let a = normalize_email(&clean);
        let b = normalize_email(&noisy);
        prop_assert!(a.is_ok());
        prop_assert_eq!(a, b, "{:?}", noisy);
    }

    #[test]
    fn gmail_dot_and_tag_noise(
        mailbox in "[a-z][a-z0-9]{5,12}",
        dots in prop::collection::vec(any::<bool>(), 12),
        tag in prop::option::of("[a-z0-9]{1,8}"),
        domain in prop::sample::select(vec!["gmail.com", "googlemail.com", "GMail.com"]),
    ) {
        let mut local = String::new();
        for (i, c) in mailbox.chars().enumerate() {
            if i > 0 && dots[i % dots.len()] {
                local.push('.');
            }
            local.push(c);
        }
        if let Some(tag) = tag {
            local.push('+');
            local.push_str(&tag);
        }
        let e = normalize_email(&format!("{local}@{domain}"));
        prop_assert_eq!(e.map(|e| e.normalized.to_string()), Ok(format!("{mailbox}@gmail.com")));
    }

    #[test]
    fn email_normalization_is_idempotent(
        local in "[a-zA-Z0-9.+_-]{1,20}",
        domain in "[a-zA-Z0-9-]{1,10}\\.(fr|com|co\\.uk)",
    ) {
        if let Ok(e) = normalize_email(&format!("{local}@{domain}")) {
            let again = normalize_email(&e.normalized);
            prop_assert_eq!(again.as_ref().map(|x| &x.normalized), Ok(&e.normalized));
            prop_assert_eq!(again.map(|x| x.identifying), Ok(e.identifying));
        }
    }
}

fn realistic_address() -> impl Strategy<Value = Address> {
    let number = prop::option::of((
        1u32..400,
        prop::sample::select(vec!["", "bis", " bis", "B", " b", " ter", "-14"]),
    ));
    let kind = prop::sample::select(vec![
        "rue", "R.", "av", "Avenue", "bd", "chemin", "imp.", "pl", "allée", "rte", "Fbg", "sq",
        "crs", "quai", "pass", "rés", "lot", "ZA", "ZI", "hameau", "lieu-dit", "Grande",
    ]);
    let name = prop::sample::select(vec![
        "de la Paix",
        "Jean Jaurès",
        "du 8 Mai 1945",
        "des Lilas",
        "Victor-Hugo",
        "du Général de Gaulle",
        "St Martin",
        "de l'Église",
        "Rue",
    ]);
    let complement = prop::sample::select(vec![
        "",
        ", Bât B",
        " Apt 12",
        ", 3e étage",
        " esc 2",
        ", BP 123",
        "Résidence les Pins, ",
        " CS 30012",
    ]);
    let postcode = prop::sample::select(vec![
        "75011", "1000", "2A004", "69003", "97110", "", "B-1000", "SW1A 1AA",
    ]);
    let city = prop::sample::select(vec![
        "Paris 11e",
        "Lyon 3ème",
        "Marseille 01",
        "St-Denis CEDEX",
        "Bourg-en-Bresse",
        "Ste Foy",
        "75011 Paris",
        "",
        "Bruxelles",
    ]);
    let country = prop::option::of(prop::sample::select(vec![
        "France",
        "FR",
        "Belgique",
        "BE",
        "Suisse",
        "Deutschland",
        "Royaume-Uni",
        "Narnia",
        "",
    ]));
    (number, kind, name, complement, postcode, city, country).prop_map(
        |(number, kind, name, complement, postcode, city, country)| {
            let number = number.map(|(n, s)| format!("{n}{s} ")).unwrap_or_default();
            let street = if complement.ends_with(", ") {
                format!("{complement}{number}{kind} {name}")
            } else {
                format!("{number}{kind} {name}{complement}")
            };
            Address {
                street: Some(street),
                postcode: Some(postcode.to_owned()),
                city: Some(city.to_owned()),
                country: country.map(str::to_owned),
            }
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn address_normalization_is_idempotent(address in realistic_address()) {
        assert_address_idempotent(&address);
    }

    #[test]
    fn abbreviated_and_long_street_types_agree(
        number in 1u32..400,
        (short, long) in prop::sample::select(vec![
            ("r", "rue"), ("av", "avenue"), ("bd", "boulevard"), ("ch", "chemin"), ("imp", "impasse"),
            ("pl", "place"), ("all", "allée"), ("rte", "route"), ("fbg", "faubourg"), ("sq", "square"),
            ("crs", "cours"), ("qu", "quai"), ("pass", "passage"), ("res", "résidence"),
            ("lot", "lotissement"),
        ]),
        name in "[A-Z][a-z]{2,10}( [A-Z][a-z]{2,10})?",
    ) {
        let at = |street: String| normalize_address(&Address { street: Some(street), ..Address::default() }, Region::FR);
        let a = at(format!("{number} {short}. {name}"));
        let b = at(format!("{number}, {}", long.to_uppercase()) + " " + &name);
        prop_assert_eq!(parts(&a), parts(&b));
        prop_assert_eq!(a.number, Some(number));
    }
}

fn valid_date() -> impl Strategy<Value = PartialDate> {
    (1870u16..=2100, 1u8..=12, 1u8..=31).prop_map(|(year, month, day)| PartialDate {
        year,
        month: Some(month),
        day: Some(day.min(days_in_month(year, month))),
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn formatted_dates_parse_back(d in valid_date(), pivot in 0u8..100) {
        let (y, m, dd) = (d.year, d.month.unwrap_or(1), d.day.unwrap_or(1));
        let formats = [
            (format!("{dd:02}/{m:02}/{y}"), DateOrder::Dmy),
            (format!("{dd}/{m}/{y}"), DateOrder::Dmy),
            (format!("{dd:02}-{m:02}-{y}"), DateOrder::Dmy),
            (format!("{dd:02}.{m:02}.{y}"), DateOrder::Dmy),
            (format!("{y}-{m:02}-{dd:02}"), DateOrder::Dmy),
            (format!("{y}-{m:02}-{dd:02}"), DateOrder::Mdy),
            (format!("{y}-{m:02}-{dd:02}T00:00:00Z"), DateOrder::Dmy),
            (format!("{y}{m:02}{dd:02}"), DateOrder::Dmy),
            (format!("{y}{m:02}{dd:02}"), DateOrder::Ymd),
            (format!("{dd:02}{m:02}{y}"), DateOrder::Dmy),
            (format!("{m:02}{dd:02}{y}"), DateOrder::Mdy),
            (format!("{m:02}/{dd:02}/{y}"), DateOrder::Mdy),
            (format!("{y}/{m:02}/{dd:02}"), DateOrder::Ymd),
            (format!("{dd:02}/{m:02}/{y} 00:00:00"), DateOrder::Dmy),
        ];
        for (raw, order) in formats {
            prop_assert_eq!(parse_date(&raw, order, 30), Ok(d), "{} {:?}", raw, order);
        }
        // Two-digit years, inside the pivot's century window.
        let window = if y % 100 < u16::from(pivot) { 2000 } else { 1900 };
        if y - y % 100 == window {
            let raw = format!("{dd:02}/{m:02}/{:02}", y % 100);
            prop_assert_eq!(parse_date(&raw, DateOrder::Dmy, pivot), Ok(d), "{}", raw);
        }
        let month_only = PartialDate { day: None, ..d };
        prop_assert_eq!(parse_date(&format!("{m:02}/{y}"), DateOrder::Dmy, 30), Ok(month_only));
        let year_only = PartialDate { month: None, day: None, ..d };
        prop_assert_eq!(parse_date(&y.to_string(), DateOrder::Dmy, 30), Ok(year_only));
    }

    #[test]
    fn civil_times_never_fail_and_round_trip_outside_gaps(
        d in valid_date(),
        hour in 0u8..24,
        minute in 0u8..60,
        second in 0u8..60,
    ) {
        let (y, m, dd) = (d.year, d.month.unwrap_or(1), d.day.unwrap_or(1));
        let tz = paris();
        for (raw, order) in [
            (format!("{y}-{m:02}-{dd:02} {hour:02}:{minute:02}:{second:02}"), DateOrder::Dmy),
            (format!("{dd:02}/{m:02}/{y} {hour:02}:{minute:02}:{second:02}"), DateOrder::Dmy),
            (format!("{m:02}/{dd:02}/{y} {hour:02}:{minute:02}:{second:02}"), DateOrder::Mdy),
        ] {
            let ts = parse_timestamp(&raw, order, &tz);
            prop_assert!(ts.is_ok(), "{}", raw);
            if let Ok(ts) = ts {
                let back = ts.to_zoned(tz.clone()).datetime();
                let civil = jiff::civil::DateTime::new(
                    y as i16, m as i8, dd as i8, hour as i8, minute as i8, second as i8, 0,
                );
                prop_assert!(civil.is_ok());
                if let Ok(civil) = civil {
                    // Equal, or moved forward by a DST gap (never more than 2 hours).
                    let moved = back.duration_since(civil);
                    prop_assert!(
                        back == civil || (moved.as_secs() > 0 && moved.as_secs() <= 7200),
                        "{} gave {}", raw, back
                    );
                }
            }
        }
    }
}
