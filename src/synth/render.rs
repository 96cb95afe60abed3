//! Records: each person as each of their systems typed them.

use jiff::civil::Date;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use super::calendar::{civil_from_days, day_number, days_from_civil, paris_as_utc_rfc3339};
use super::events::{self, EventIds, RecordRef};
use super::ids::{Purpose, Scrambler, mix, stream, uuid};
use super::noise::{misheard, strip_accents, title_case, typo};
use super::population::{Addr, Family, People, Person, PhoneNumber};
use super::tables::{PLACEHOLDER_EMAILS, STREET_NAMES, STREET_TYPES, Weighted, nickname, tables};
use super::{CHUNK_PERSONS, NoiseRates, SynthConfig};
use crate::record::{Address, Channel, Identifier, IdentifierKind, Record, SourceKey};
use crate::timeline::Event;

/// A record with its sort key (the numeric id, 0 for UUIDs) and its person.
pub(crate) type RecordOut = (Record, u64, u64);
/// An event with its person.
pub(crate) type EventOut = (Event, u64);

const CHANNELS: [Channel; 4] = [
    Channel::Store,
    Channel::Web,
    Channel::CallCentre,
    Channel::App,
];

/// The id makers, one bijection per system.
struct RecordIds {
    seed: u64,
    store: Scrambler,
    web: Scrambler,
    callcentre: Scrambler,
}

/// Everything a chunk needs, shared read-only.
struct Context<'a> {
    config: &'a SynthConfig,
    people: &'a People,
    ids: RecordIds,
    event_ids: EventIds,
    counts: Weighted,
    /// Day number of the end of the event window: accounts are created before.
    window_end: i64,
}

/// The records and events of `people` (the whole population or a part of
/// it: each chunk draws from its own streams, numbered from person 0).
pub(crate) fn draw(config: &SynthConfig, people: &People) -> (Vec<RecordOut>, Vec<EventOut>) {
    let seed = config.seed;
    let window_end = day_number(config.events.window_start) + i64::from(config.events.window_days);
    let context = Context {
        config,
        people,
        ids: RecordIds {
            seed,
            store: Scrambler::new(seed, 11, 11),
            web: Scrambler::new(seed, 12, 9),
            callcentre: Scrambler::new(seed, 13, 9),
        },
        event_ids: EventIds::new(seed),
        counts: Weighted::new(config.channels.count_weights.iter().copied()),
        window_end,
    };
    let chunks = people.persons.len().div_ceil(CHUNK_PERSONS as usize);
    let first_chunk = people.first / CHUNK_PERSONS;
    let parts: Vec<(Vec<RecordOut>, Vec<EventOut>)> = (0..chunks)
        .into_par_iter()
        .map(|chunk| {
            let start = chunk * CHUNK_PERSONS as usize;
            let end = (start + CHUNK_PERSONS as usize).min(people.persons.len());
            let mut rng = stream(seed, Purpose::Records, first_chunk + chunk as u64);
            let mut event_rng = stream(seed, Purpose::Events, first_chunk + chunk as u64);
            let mut records = Vec::with_capacity((end - start) * 2);
            let mut events = Vec::new();
            let mut refs = Vec::with_capacity(8);
            for person in &people.persons[start..end] {
                refs.clear();
                draw_person(&context, &mut rng, person, &mut records, &mut refs);
                events::draw(
                    &context.event_ids,
                    &context.config.events,
                    &people.stores,
                    &mut event_rng,
                    person,
                    &refs,
                    &mut events,
                );
            }
            (records, events)
        })
        .collect();
    let total_records = parts.iter().map(|p| p.0.len()).sum();
    let total_events = parts.iter().map(|p| p.1.len()).sum();
    let mut records = Vec::with_capacity(total_records);
    let mut events = Vec::with_capacity(total_events);
    for (r, e) in parts {
        records.extend(r);
        events.extend(e);
    }
    (records, events)
}

/// Chooses the person's systems and renders one record per account.
fn draw_person(
    cx: &Context<'_>,
    rng: &mut ChaCha8Rng,
    person: &Person,
    out: &mut Vec<RecordOut>,
    refs: &mut Vec<RecordRef>,
) {
    let mix_config = &cx.config.channels;
    let count = cx.counts.sample(rng) + 1;
    let mut weights = mix_config.channel_weights;
    // Web and app log in with an email: without one, no account there.
    if person.email.is_none() && person.email2.is_none() {
        weights[1] = 0.0;
        weights[3] = 0.0;
    }
    let mut chosen = [false; 4];
    for _ in 0..count {
        let total: f64 = weights.iter().sum();
        if total <= 0.0 {
            break;
        }
        let mut x = rng.random::<f64>() * total;
        let mut pick = 3;
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                pick = i;
                break;
            }
            x -= w;
        }
        chosen[pick] = true;
        weights[pick] = 0.0;
    }
    for (channel_index, _) in chosen.iter().enumerate().filter(|(_, c)| **c) {
        let duplicate = rng.random_bool(mix_config.duplicate_rate.clamp(0.0, 1.0));
        for copy in 0..=u8::from(duplicate) {
            let rendered = match channel_index {
                0 => Some(store_record(cx, rng, person, copy)),
                1 => web_record(cx, rng, person, copy),
                2 => Some(callcentre_record(cx, rng, person, copy)),
                _ => app_record(cx, rng, person, copy),
            };
            if let Some((record, sort, created)) = rendered {
                refs.push(RecordRef {
                    channel: CHANNELS[channel_index].clone(),
                    key: record.key.clone(),
                    created_day: created,
                });
                out.push((record, sort, person.id));
            }
        }
    }
}

fn chance(rng: &mut ChaCha8Rng, p: f64) -> bool {
    rng.random_bool(p.clamp(0.0, 1.0))
}

fn pick<'a, T>(rng: &mut ChaCha8Rng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

/// When an account was created: a day between `from_year` and the end of the
/// event window, at a plausible hour; a duplicate account comes later.
/// Returns the day number and the second of the (Paris local) day.
fn draw_created(
    cx: &Context<'_>,
    rng: &mut ChaCha8Rng,
    person: &Person,
    from_year: i64,
    copy: u8,
) -> (i64, i64) {
    // Nobody opens an account before sixteen.
    let adult = day_number(person.birth) + 16 * 365 + 4;
    let from = days_from_civil(from_year, 1, 1).max(adult);
    let span = (cx.window_end - 30 - from).max(2);
    let mut offset = rng.random_range(0..span);
    if copy > 0 {
        offset = offset.max(rng.random_range(span / 2..span));
    }
    (from + offset, rng.random_range(8 * 3600..21 * 3600))
}

/// The family name this record shows: a married woman's birth name sometimes.
fn family_shown(rng: &mut ChaCha8Rng, person: &Person, noise: &NoiseRates) -> Family {
    match person.birth_family {
        Some(birth) if chance(rng, noise.birth_name_use) => birth,
        _ => person.family,
    }
}

fn maybe_typo(rng: &mut ChaCha8Rng, s: String, rate: f64) -> String {
    if chance(rng, rate) { typo(rng, &s) } else { s }
}

fn maybe_strip(rng: &mut ChaCha8Rng, s: String, rate: f64) -> String {
    if !s.is_ascii() && chance(rng, rate) {
        strip_accents(&s)
    } else {
        s
    }
}

fn birth_dmy(rng: &mut ChaCha8Rng, d: Date, swap_rate: f64, sep: char) -> String {
    let (mut day, mut month) = (d.day(), d.month());
    if day <= 12 && day != month && chance(rng, swap_rate) {
        std::mem::swap(&mut day, &mut month);
    }
    format!("{day:02}{sep}{month:02}{sep}{:04}", d.year())
}

/// Phone styles seen in the files.
#[derive(Clone, Copy)]
enum PhoneStyle {
    /// `06.12.34.56.78`
    Dots,
    /// `06 12 34 56 78`
    Spaces,
    /// `0612345678`
    Compact,
    /// `+33612345678`
    E164,
    /// `+33 6 12 34 56 78`
    IntlSpaced,
}

fn format_phone(phone: PhoneNumber, style: PhoneStyle) -> String {
    let n = phone.national;
    let cc = phone.territory.calling_code();
    let pairs = [
        n / 100_000_000,
        n / 1_000_000 % 100,
        n / 10_000 % 100,
        n / 100 % 100,
        n % 100,
    ];
    match style {
        PhoneStyle::Dots => format!(
            "0{}.{:02}.{:02}.{:02}.{:02}",
            pairs[0], pairs[1], pairs[2], pairs[3], pairs[4]
        ),
        PhoneStyle::Spaces => format!(
            "0{} {:02} {:02} {:02} {:02}",
            pairs[0], pairs[1], pairs[2], pairs[3], pairs[4]
        ),
        PhoneStyle::Compact => format!("0{n:09}"),
        PhoneStyle::E164 => format!("+{cc}{n:09}"),
        PhoneStyle::IntlSpaced if cc == 33 => format!(
            "+33 {} {:02} {:02} {:02} {:02}",
            pairs[0], pairs[1], pairs[2], pairs[3], pairs[4]
        ),
        PhoneStyle::IntlSpaced => format!(
            "+{cc} {:03} {:02} {:02} {:02}",
            n / 1_000_000,
            pairs[2],
            pairs[3],
            pairs[4]
        ),
    }
}

/// The person's phone for a form: mobile first, the landline sometimes.
fn phone_for_form(
    rng: &mut ChaCha8Rng,
    person: &Person,
    landline_share: f64,
) -> Option<PhoneNumber> {
    match (person.mobile, person.landline) {
        (Some(_), Some(l)) if chance(rng, landline_share) => Some(l),
        (Some(m), _) => Some(m),
        (None, l) => l,
    }
}

/// How a street line is typed.
#[derive(Clone, Copy)]
struct StreetStyle {
    upper: bool,
    abbreviate: bool,
    strip: bool,
}

fn street_line(rng: &mut ChaCha8Rng, addr: &Addr, style: StreetStyle) -> String {
    let (full_type, abbreviations) = STREET_TYPES
        .get(usize::from(addr.street_type))
        .copied()
        .unwrap_or(("rue", &["r."]));
    let street_type = if style.abbreviate {
        *pick(rng, abbreviations)
    } else {
        full_type
    };
    let name = STREET_NAMES
        .get(usize::from(addr.street_name))
        .copied()
        .unwrap_or("de la Paix");
    let mut line = String::with_capacity(40);
    if addr.number > 0 {
        line.push_str(&addr.number.to_string());
        let suffix = match addr.suffix {
            1 => *pick(rng, &[" bis", "bis", " B", "B", " BIS"]),
            2 => *pick(rng, &[" ter", "ter", " T", " TER"]),
            _ => "",
        };
        line.push_str(suffix);
        line.push_str(if rng.random_bool(0.08) { ", " } else { " " });
    }
    line.push_str(street_type);
    line.push(' ');
    line.push_str(name);
    if style.strip {
        line = strip_accents(&line);
    }
    if style.upper {
        line.to_uppercase()
    } else {
        line
    }
}

/// A city as typed: `PARIS 11`, `Paris 11e`, `St-Étienne`, `ST DENIS`.
fn city_line(rng: &mut ChaCha8Rng, commune: u16, upper: bool, strip: bool) -> String {
    let c = tables().commune(commune);
    let mut city = if c.arrondissement > 0 && rng.random_bool(0.35) {
        let suffix = if c.arrondissement == 1 { "er" } else { "e" };
        if upper {
            format!("{} {}", c.name, c.arrondissement)
        } else {
            format!("{} {}{}", c.name, c.arrondissement, suffix)
        }
    } else {
        c.name.to_owned()
    };
    if city.starts_with("Saint-") && rng.random_bool(0.25) {
        city = city.replacen("Saint-", if upper { "St " } else { "St-" }, 1);
    }
    if strip {
        city = strip_accents(&city);
    }
    if upper { city.to_uppercase() } else { city }
}

fn address_for(rng: &mut ChaCha8Rng, person: &Person, stale_rate: f64) -> Addr {
    match person.previous {
        Some(old) if chance(rng, stale_rate) => old,
        _ => person.home,
    }
}

/// A gmail address written another way: dots moved or a `+tag`. Gmail
/// delivers all of them to the same mailbox, so customers use them freely.
fn gmail_variant(rng: &mut ChaCha8Rng, email: &str) -> Option<String> {
    let (local, domain) = email.split_once('@')?;
    if domain != "gmail.com" {
        return None;
    }
    let tag = || {
        format!(
            "{local}+{}",
            ["promo", "shop", "achats", "pub", "fid"][(local.len() * 7) % 5]
        )
    };
    let variant = if local.contains('.') {
        if rng.random_bool(0.5) {
            local.replace('.', "")
        } else {
            tag()
        }
    } else if rng.random_bool(0.5) && local.len() > 3 && local.is_ascii() {
        let cut = rng.random_range(1..local.len() - 1);
        format!("{}.{}", &local[..cut], &local[cut..])
    } else {
        tag()
    };
    Some(format!("{variant}@{domain}"))
}

/// An email mistyped by a cashier: a provider misspelt or a letter lost.
fn mistyped_email(rng: &mut ChaCha8Rng, email: &str) -> String {
    let Some((local, domain)) = email.split_once('@') else {
        return email.to_owned();
    };
    let domain = match (domain, rng.random_range(0..3)) {
        ("gmail.com", 0) => "gmial.com",
        ("gmail.com", 1) => "gmail.fr",
        ("hotmail.fr", 0) => "hotmial.fr",
        ("hotmail.fr", 1) => "hotmail.com",
        ("orange.fr", 0) => "ornage.fr",
        ("wanadoo.fr", _) => "wanado.fr",
        ("yahoo.fr", 0) => "yaho.fr",
        _ => return format!("{}@{domain}", typo(rng, local)),
    };
    format!("{local}@{domain}")
}

/// The email shown by a second account in a system that logs in by email:
/// it must differ from the first account's.
fn second_account_email(rng: &mut ChaCha8Rng, person: &Person) -> Option<String> {
    if let (Some(_), Some(second)) = (&person.email, &person.email2) {
        return Some(second.clone());
    }
    person.email.as_deref().and_then(|e| gmail_variant(rng, e))
}

fn login_email(
    rng: &mut ChaCha8Rng,
    cx: &Context<'_>,
    person: &Person,
    copy: u8,
) -> Option<String> {
    if copy > 0 {
        return second_account_email(rng, person);
    }
    let email = person.email.as_ref().or(person.email2.as_ref())?;
    if chance(rng, cx.config.noise.gmail_variant) {
        if let Some(variant) = gmail_variant(rng, email) {
            return Some(variant);
        }
    }
    Some(email.clone())
}

/// Names as the customer types them: mostly as on their ID, sometimes all
/// lower or upper case, accents sometimes dropped.
fn self_typed(rng: &mut ChaCha8Rng, noise: &NoiseRates, name: &str) -> String {
    let mut s = maybe_strip(rng, name.to_owned(), noise.self_typed_accent_drop);
    s = match rng.random_range(0..100) {
        0..=11 => s.to_lowercase(),
        12..=21 => s.to_uppercase(),
        22..=26 => title_case(&s),
        _ => s,
    };
    maybe_typo(rng, s, noise.typo / 3.0)
}

fn store_record(
    cx: &Context<'_>,
    rng: &mut ChaCha8Rng,
    person: &Person,
    copy: u8,
) -> (Record, u64, i64) {
    let noise = &cx.config.noise;
    let number = cx.ids.store.apply(person.id * 4 + u64::from(copy));
    let id = compact_str::format_compact!("29{number:011}");
    let mut r = Record::new(SourceKey {
        channel: Channel::Store,
        id,
    });
    if !chance(rng, 0.1) {
        let civ = if person.female {
            let old = person.birth.year() < 1975;
            if old && chance(rng, 0.04) {
                "MLLE"
            } else {
                *pick(rng, &["MME", "Mme", "MME", "Mme"])
            }
        } else {
            *pick(rng, &["M", "M.", "MR", "M"])
        };
        r.civility = Some(civ.to_owned());
    }
    let upper = chance(rng, 0.85);
    let strip = chance(rng, if upper { noise.store_accent_drop } else { 0.2 });
    let mut family = family_shown(rng, person, noise).full();
    if strip {
        family = strip_accents(&family);
    }
    if upper {
        family = family.to_uppercase();
    }
    if family.contains(' ') && chance(rng, 0.1) {
        family.retain(|c| c != ' ');
    }
    r.family_names.push(maybe_typo(rng, family, noise.typo));
    let mut given = person.given.to_owned();
    if strip {
        given = strip_accents(&given);
    }
    if given.contains('-') && chance(rng, 0.3) {
        given = given.replace('-', " ");
    }
    if chance(rng, 0.3) {
        given = given.to_uppercase();
    }
    r.given_names.push(maybe_typo(rng, given, noise.typo));
    if !chance(rng, noise.missing_birth[0]) {
        r.birth_date = Some(birth_dmy(rng, person.birth, noise.day_month_swap, '/'));
    }
    if chance(rng, noise.store_generic_phone) {
        if let Some(store) = cx.people.stores.get(usize::from(person.home_store)) {
            r.phones.push(format_phone(store.phone, PhoneStyle::Spaces));
        }
    } else if !chance(rng, noise.missing_phone[0]) {
        if let Some(phone) = phone_for_form(rng, person, 0.3) {
            let style = *pick(
                rng,
                &[
                    PhoneStyle::Dots,
                    PhoneStyle::Spaces,
                    PhoneStyle::Spaces,
                    PhoneStyle::Compact,
                ],
            );
            r.phones.push(format_phone(phone, style));
        }
    }
    if chance(rng, noise.store_placeholder_email) {
        r.emails.push((*pick(rng, PLACEHOLDER_EMAILS)).to_owned());
    } else if !chance(rng, noise.missing_email[0]) {
        if let Some(email) = person.email.as_ref().or(person.email2.as_ref()) {
            let email = if chance(rng, noise.store_email_typo) {
                mistyped_email(rng, email)
            } else {
                email.clone()
            };
            let email = if chance(rng, 0.3) {
                email.to_uppercase()
            } else {
                email
            };
            r.emails.push(email);
        }
    }
    if !chance(rng, noise.missing_address[0]) {
        let addr = address_for(rng, person, noise.stale_address);
        let style = StreetStyle {
            upper,
            abbreviate: chance(rng, 0.6),
            strip,
        };
        let mut postcode = tables().commune(addr.commune).postcode.to_owned();
        if postcode.starts_with('0') && chance(rng, noise.store_postcode_zero_lost) {
            postcode.remove(0);
        }
        r.addresses.push(Address {
            street: Some(street_line(rng, &addr, style)),
            postcode: Some(postcode),
            city: Some(city_line(rng, addr.commune, upper, strip)),
            country: None,
        });
    }
    let (day, _) = draw_created(cx, rng, person, 2012, copy);
    let (y, m, d) = civil_from_days(day);
    r.created_at = Some(format!("{d:02}/{m:02}/{y:04}"));
    (r, number, day)
}

fn web_record(
    cx: &Context<'_>,
    rng: &mut ChaCha8Rng,
    person: &Person,
    copy: u8,
) -> Option<(Record, u64, i64)> {
    let noise = &cx.config.noise;
    let email = login_email(rng, cx, person, copy)?;
    let number = cx.ids.web.apply(person.id * 4 + u64::from(copy));
    let mut r = Record::new(SourceKey {
        channel: Channel::Web,
        id: compact_str::format_compact!("WEB{number:09}"),
    });
    r.emails.push(email);
    let mut given = self_typed(rng, noise, person.given);
    let shown = family_shown(rng, person, noise).full();
    let mut family = self_typed(rng, noise, &shown);
    if chance(rng, noise.web_name_swap) {
        std::mem::swap(&mut given, &mut family);
    }
    r.given_names.push(given);
    r.family_names.push(family);
    if !chance(rng, noise.missing_phone[1]) {
        if let Some(phone) = phone_for_form(rng, person, 0.15) {
            let style = *pick(
                rng,
                &[
                    PhoneStyle::E164,
                    PhoneStyle::E164,
                    PhoneStyle::E164,
                    PhoneStyle::Compact,
                    PhoneStyle::Compact,
                    PhoneStyle::Spaces,
                ],
            );
            r.phones.push(format_phone(phone, style));
        }
    }
    if !chance(rng, noise.missing_birth[1]) {
        let d = person.birth;
        let (mut day, mut month) = (d.day(), d.month());
        if day <= 12 && day != month && chance(rng, noise.day_month_swap / 2.0) {
            std::mem::swap(&mut day, &mut month);
        }
        r.birth_date = Some(format!("{:04}-{month:02}-{day:02}", d.year()));
    }
    if !chance(rng, noise.missing_address[1]) {
        let style = StreetStyle {
            upper: chance(rng, 0.08),
            abbreviate: chance(rng, 0.3),
            strip: chance(rng, noise.self_typed_accent_drop),
        };
        let mut addresses = vec![person.home];
        if let Some(old) = person.previous {
            match rng.random_range(0..10) {
                0..=3 => addresses.push(old),
                4..=6 => addresses[0] = old,
                _ => {}
            }
        }
        for addr in addresses {
            r.addresses.push(Address {
                street: Some(street_line(rng, &addr, style)),
                postcode: Some(tables().commune(addr.commune).postcode.to_owned()),
                city: Some(city_line(rng, addr.commune, style.upper, style.strip)),
                country: Some((*pick(rng, &["FR", "FR", "FR", "France"])).to_owned()),
            });
        }
    }
    let (day, second) = draw_created(cx, rng, person, 2014, copy);
    r.created_at = Some(paris_as_utc_rfc3339(day, second));
    Some((r, number, day))
}

fn callcentre_record(
    cx: &Context<'_>,
    rng: &mut ChaCha8Rng,
    person: &Person,
    copy: u8,
) -> (Record, u64, i64) {
    let noise = &cx.config.noise;
    let number = cx.ids.callcentre.apply(person.id * 4 + u64::from(copy));
    let mut r = Record::new(SourceKey {
        channel: Channel::CallCentre,
        id: compact_str::format_compact!("CC{number:09}"),
    });
    let family_name = family_shown(rng, person, noise).full();
    let mut family = if chance(rng, noise.callcentre_misheard) {
        misheard(&family_name).unwrap_or_else(|| typo(rng, &family_name))
    } else {
        maybe_typo(rng, family_name, noise.typo)
    };
    let mut initial = false;
    let mut given = match nickname(person.given) {
        Some(nick) if chance(rng, noise.callcentre_nickname) => nick.to_owned(),
        _ if chance(rng, noise.callcentre_initial) => {
            initial = true;
            initials(person.given)
        }
        _ => maybe_typo(rng, person.given.to_owned(), noise.typo),
    };
    if chance(rng, noise.callcentre_accent_drop) {
        family = strip_accents(&family);
        given = strip_accents(&given);
    }
    let civility = if person.female {
        *pick(rng, &["Mme", "Mme", "Madame", "MME"])
    } else {
        *pick(rng, &["M.", "M.", "Monsieur", "M"])
    };
    let upper_family = family.to_uppercase();
    // An initial goes after the family name (`DUPONT J.`): in front it would
    // read as a civility (`M. Pierre`).
    let full = if initial {
        if chance(rng, 0.5) {
            format!("{civility} {upper_family} {given}")
        } else {
            format!("{upper_family} {given}")
        }
    } else {
        match rng.random_range(0..100) {
            0..=34 => format!("{civility} {family} {given}"),
            35..=64 => format!("{upper_family} {given}"),
            65..=79 => format!("{given} {family}"),
            80..=91 => format!("{upper_family} {}", given.to_uppercase()),
            92..=96 => format!("{civility} {given} {upper_family}"),
            _ => format!("{civility} {upper_family}"),
        }
    };
    r.full_names.push(full);
    if !chance(rng, noise.missing_phone[2]) {
        if let Some(phone) = phone_for_form(rng, person, 0.3) {
            let style = *pick(
                rng,
                &[
                    PhoneStyle::Compact,
                    PhoneStyle::Compact,
                    PhoneStyle::Spaces,
                    PhoneStyle::E164,
                ],
            );
            r.phones.push(format_phone(phone, style));
        }
    }
    if !chance(rng, noise.missing_email[2]) {
        let email = if chance(rng, 0.2) {
            person.email2.as_ref().or(person.email.as_ref())
        } else {
            person.email.as_ref()
        };
        if let Some(email) = email {
            r.emails.push(email.clone());
        }
    }
    if !chance(rng, noise.missing_address[2]) {
        let addr = address_for(rng, person, noise.stale_address);
        let strip = chance(rng, noise.callcentre_accent_drop);
        r.addresses.push(Address {
            street: None,
            postcode: Some(tables().commune(addr.commune).postcode.to_owned()),
            city: Some({
                let upper = chance(rng, 0.5);
                city_line(rng, addr.commune, upper, strip)
            }),
            country: None,
        });
    }
    let (day, second) = draw_created(cx, rng, person, 2015, copy);
    let (y, m, d) = civil_from_days(day);
    r.created_at = Some(format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        second / 3600,
        second / 60 % 60,
        second % 60
    ));
    (r, number, day)
}

/// `J.` for `Jean`, `J-F` for `Jean-François`.
fn initials(given: &str) -> String {
    let parts: Vec<String> = given
        .split('-')
        .filter_map(|p| p.chars().next())
        .map(|c| c.to_uppercase().to_string())
        .collect();
    if parts.len() > 1 {
        parts.join("-")
    } else {
        format!("{}.", parts.concat())
    }
}

fn app_record(
    cx: &Context<'_>,
    rng: &mut ChaCha8Rng,
    person: &Person,
    copy: u8,
) -> Option<(Record, u64, i64)> {
    let noise = &cx.config.noise;
    let email = login_email(rng, cx, person, copy)?;
    let seed = cx.ids.seed;
    let key = mix(seed ^ mix(person.id.wrapping_mul(8) + u64::from(copy) + 0x4150_5000));
    let mut r = Record::new(SourceKey {
        channel: Channel::App,
        id: uuid(key, mix(key), false).into(),
    });
    // A device is its owner's: a family tablet or a reinstall on the same phone.
    let device_seed = if copy > 0 && !chance(rng, 0.7) {
        mix(key ^ 0xD0)
    } else {
        mix(seed ^ mix(person.device_owner ^ 0xDE71_CE00))
    };
    let device = if device_seed & 1 == 0 {
        uuid(device_seed, mix(device_seed), true)
    } else {
        format!("{:016x}", mix(device_seed))
    };
    r.identifiers.push(Identifier {
        kind: IdentifierKind::DeviceId,
        value: device,
    });
    r.given_names.push(self_typed(rng, noise, person.given));
    let shown = family_shown(rng, person, noise).full();
    r.family_names.push(self_typed(rng, noise, &shown));
    if !chance(rng, noise.missing_birth[2]) {
        r.birth_year = Some(person.birth.year().to_string());
    }
    r.emails.push(email);
    if !chance(rng, noise.missing_phone[3]) {
        if let Some(phone) = person.mobile {
            let style = *pick(
                rng,
                &[
                    PhoneStyle::IntlSpaced,
                    PhoneStyle::Compact,
                    PhoneStyle::E164,
                ],
            );
            r.phones.push(format_phone(phone, style));
        }
    }
    let (day, second) = draw_created(cx, rng, person, 2017, copy);
    r.created_at = Some(paris_as_utc_rfc3339(day, second));
    Some((r, 0, day))
}

#[cfg(test)]
mod tests {
    use super::super::tables::Territory;
    use super::*;

    #[test]
    fn phone_formats() {
        let m = PhoneNumber {
            territory: Territory::Metro,
            national: 612_345_678,
        };
        assert_eq!(format_phone(m, PhoneStyle::Dots), "06.12.34.56.78");
        assert_eq!(format_phone(m, PhoneStyle::Spaces), "06 12 34 56 78");
        assert_eq!(format_phone(m, PhoneStyle::Compact), "0612345678");
        assert_eq!(format_phone(m, PhoneStyle::E164), "+33612345678");
        assert_eq!(format_phone(m, PhoneStyle::IntlSpaced), "+33 6 12 34 56 78");
        let r = PhoneNumber {
            territory: Territory::Reunion,
            national: 692_123_456,
        };
        assert_eq!(format_phone(r, PhoneStyle::E164), "+262692123456");
        assert_eq!(format_phone(r, PhoneStyle::Spaces), "06 92 12 34 56");
        assert_eq!(format_phone(r, PhoneStyle::IntlSpaced), "+262 692 12 34 56");
    }

    #[test]
    fn initials_of_compound_names() {
        assert_eq!(initials("Jean-François"), "J-F");
        assert_eq!(initials("Éric"), "É.");
    }

    #[test]
    fn gmail_variants_stay_on_gmail_and_differ() {
        let mut rng = stream(1, Purpose::Records, 0);
        for _ in 0..50 {
            let v = gmail_variant(&mut rng, "jean.dupont@gmail.com").unwrap_or_default();
            assert!(
                v.ends_with("@gmail.com") && v != "jean.dupont@gmail.com",
                "{v}"
            );
        }
        assert_eq!(gmail_variant(&mut rng, "jean.dupont@orange.fr"), None);
    }
}
