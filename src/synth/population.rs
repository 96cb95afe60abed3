//! Persons and households: who the customers really are, before any system
//! types them in.

use std::collections::HashMap;

use jiff::civil::Date;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use super::ids::{Purpose, stream};
use super::noise::email_token;
use super::tables::{Origin, Territory, Weighted, landline_zone, tables};
use super::{CHUNK_PERSONS, SynthConfig};

/// A family name, possibly double (`Martin-Durand`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Family {
    pub first: &'static str,
    pub second: Option<&'static str>,
}

impl Family {
    /// The name as the civil registry writes it.
    pub fn full(&self) -> String {
        match self.second {
            Some(second) => format!("{}-{}", self.first, second),
            None => self.first.to_owned(),
        }
    }
}

/// A postal address, as indexes into the tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Addr {
    /// 0 for a street without a house number.
    pub number: u16,
    /// 0 none, 1 bis, 2 ter.
    pub suffix: u8,
    pub street_type: u8,
    pub street_name: u8,
    pub commune: u16,
}

/// A French phone number: its territory and the nine digits after the
/// national `0`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct PhoneNumber {
    pub territory: Territory,
    pub national: u32,
}

impl PhoneNumber {
    fn key(&self) -> u64 {
        (u64::from(self.territory.calling_code()) << 32) | u64::from(self.national)
    }
}

/// One person of the population.
#[derive(Debug, Clone)]
pub(crate) struct Person {
    pub id: u64,
    pub household: u64,
    pub female: bool,
    pub given: &'static str,
    pub family: Family,
    /// The birth name of a married woman who uses her spouse's name.
    pub birth_family: Option<Family>,
    pub birth: Date,
    pub home: Addr,
    pub previous: Option<Addr>,
    pub mobile: Option<PhoneNumber>,
    pub landline: Option<PhoneNumber>,
    pub email: Option<String>,
    pub email2: Option<String>,
    pub home_store: u16,
    /// The person whose app device this person uses (themselves, mostly).
    pub device_owner: u64,
}

/// A store of the chain.
#[derive(Debug, Clone)]
pub(crate) struct Store {
    pub code: String,
    pub phone: PhoneNumber,
}

/// Persons of the population with the stores they shop in: the whole
/// population, or one part of it drawn by [`Drawer`].
#[derive(Debug)]
pub(crate) struct People {
    /// The id of `persons[0]`: 0 for the whole population.
    pub first: u64,
    pub persons: Vec<Person>,
    pub stores: Vec<Store>,
}

impl People {
    pub fn household_of(&self, person: u64) -> u64 {
        person
            .checked_sub(self.first)
            .and_then(|i| usize::try_from(i).ok())
            .and_then(|i| self.persons.get(i))
            .map_or(person, |p| p.household)
    }
}

/// Draws the population: stores, then households chunk by chunk in
/// parallel, then a sequential pass that makes emails and phones unique to
/// their household.
pub(crate) fn draw(config: &SynthConfig) -> People {
    let mut drawer = Drawer::new(config);
    drawer.draw(config.persons.div_ceil(CHUNK_PERSONS))
}

/// Draws the population part by part, in order, with the same result as
/// [`draw`] once the parts are put end to end.
///
/// Persons of one generation chunk depend only on the seed, the chunk's
/// number and the stores (households and namesakes never cross a chunk), so
/// a part is a run of whole chunks. What crosses parts is the stores, drawn
/// once, and the owners of every email and phone number seen so far, which
/// [`make_contacts_unique`] needs to rename a later holder exactly as it
/// would in one pass.
pub(crate) struct Drawer<'c> {
    config: &'c SynthConfig,
    stores: Vec<Store>,
    stores_by_dept: HashMap<&'static str, Vec<u16>>,
    owners: ContactOwners,
    /// The first chunk not drawn yet.
    next_chunk: u64,
}

impl<'c> Drawer<'c> {
    pub fn new(config: &'c SynthConfig) -> Self {
        let (stores, stores_by_dept) = draw_stores(config);
        Drawer {
            config,
            stores,
            stores_by_dept,
            owners: ContactOwners::new(config.persons),
            next_chunk: 0,
        }
    }

    /// Chunks not drawn yet.
    pub fn chunks_left(&self) -> u64 {
        self.config
            .persons
            .div_ceil(CHUNK_PERSONS)
            .saturating_sub(self.next_chunk)
    }

    /// The persons of the next `chunks` chunks (fewer at the end).
    pub fn draw(&mut self, chunks: u64) -> People {
        let config = self.config;
        let from = self.next_chunk;
        let to = from.saturating_add(chunks.min(self.chunks_left()));
        self.next_chunk = to;
        let (stores_by_dept, store_count) = (&self.stores_by_dept, self.stores.len());
        let mut persons: Vec<Person> = (from..to)
            .into_par_iter()
            .flat_map_iter(|chunk| {
                let start = chunk * CHUNK_PERSONS;
                let len = CHUNK_PERSONS.min(config.persons - start);
                draw_chunk(config, chunk, start, len, stores_by_dept, store_count)
            })
            .collect();
        make_contacts_unique(config.seed, &mut self.owners, &mut persons);
        People {
            first: from * CHUNK_PERSONS,
            persons,
            stores: self.stores.clone(),
        }
    }
}

fn department(postcode: &str) -> &str {
    crate::block::department(postcode).unwrap_or(postcode)
}

fn draw_stores(config: &SynthConfig) -> (Vec<Store>, HashMap<&'static str, Vec<u16>>) {
    let t = tables();
    let mut rng = stream(config.seed, Purpose::Stores, 0);
    let count = config.population.stores.max(1);
    let mut stores = Vec::with_capacity(usize::from(count));
    let mut by_dept: HashMap<&'static str, Vec<u16>> = HashMap::new();
    for i in 0..count {
        let commune = draw_commune(&mut rng, config.population.overseas_rate);
        let postcode = t.commune(commune).postcode;
        by_dept.entry(department(postcode)).or_default().push(i);
        stores.push(Store {
            code: format!("M{:03}", i + 1),
            phone: draw_landline(&mut rng, postcode),
        });
    }
    (stores, by_dept)
}

fn draw_commune(rng: &mut ChaCha8Rng, overseas_rate: f64) -> u16 {
    let t = tables();
    let index = if rng.random_bool(overseas_rate.clamp(0.0, 1.0)) {
        t.overseas_communes
            .get(t.overseas_weights.sample(rng))
            .copied()
            .unwrap_or(0)
    } else {
        t.metro_communes.sample(rng)
    };
    u16::try_from(index).unwrap_or(0)
}

fn draw_address(rng: &mut ChaCha8Rng, commune: u16) -> Addr {
    let t = tables();
    let roll: f64 = rng.random();
    let number = if roll < 0.03 {
        0
    } else if roll < 0.72 {
        rng.random_range(1..=60)
    } else if roll < 0.96 {
        rng.random_range(61..=150)
    } else {
        rng.random_range(151..=320)
    };
    let suffix_roll: f64 = rng.random();
    let suffix = if number == 0 {
        0
    } else if suffix_roll < 0.04 {
        1
    } else if suffix_roll < 0.05 {
        2
    } else {
        0
    };
    Addr {
        number,
        suffix,
        street_type: u8::try_from(t.street_types.sample(rng)).unwrap_or(0),
        street_name: u8::try_from(t.street_names.sample(rng)).unwrap_or(0),
        commune,
    }
}

pub(crate) fn draw_mobile(rng: &mut ChaCha8Rng, territory: Territory) -> PhoneNumber {
    let national = match territory {
        Territory::Metro => {
            if rng.random_bool(0.7) {
                600_000_000 + rng.random_range(0..100_000_000)
            } else {
                700_000_000 + rng.random_range(30_000_000..100_000_000)
            }
        }
        Territory::Guadeloupe => 690_000_000 + rng.random_range(0..1_000_000),
        Territory::Martinique => 696_000_000 + rng.random_range(0..1_000_000),
        Territory::Guyane => 694_000_000 + rng.random_range(0..1_000_000),
        Territory::Reunion => {
            if rng.random_bool(0.5) {
                692_000_000 + rng.random_range(0..1_000_000)
            } else {
                693_000_000 + rng.random_range(0..1_000_000)
            }
        }
    };
    PhoneNumber {
        territory,
        national,
    }
}

pub(crate) fn draw_landline(rng: &mut ChaCha8Rng, postcode: &str) -> PhoneNumber {
    let territory = Territory::of_postcode(postcode);
    let national = match territory {
        Territory::Metro => {
            u32::from(landline_zone(postcode)) * 100_000_000
                + rng.random_range(10_000_000..100_000_000)
        }
        Territory::Guadeloupe => 590_000_000 + rng.random_range(0..1_000_000),
        Territory::Martinique => 596_000_000 + rng.random_range(0..1_000_000),
        Territory::Guyane => 594_000_000 + rng.random_range(0..1_000_000),
        Territory::Reunion => 262_000_000 + rng.random_range(0..1_000_000),
    };
    PhoneNumber {
        territory,
        national,
    }
}

fn draw_date(rng: &mut ChaCha8Rng, year: i16) -> Date {
    let month = rng.random_range(1..=12i8);
    let first = Date::new(year, month, 1).unwrap_or(Date::constant(1970, 1, 1));
    let day = rng.random_range(1..=first.days_in_month());
    Date::new(year, month, day).unwrap_or(first)
}

fn draw_origin(rng: &mut ChaCha8Rng, config: &SynthConfig) -> Origin {
    let p = &config.population;
    let x: f64 = rng.random();
    if x < p.portuguese_rate {
        Origin::Portuguese
    } else if x < p.portuguese_rate + p.maghrebi_rate {
        Origin::Maghrebi
    } else if x < p.portuguese_rate + p.maghrebi_rate + p.other_origin_rate {
        Origin::Other
    } else {
        Origin::French
    }
}

/// A given name no member of the household already has: French families
/// seldom give a child a parent's or a sibling's exact given name, and the
/// few that do are beyond any matcher without birth dates. A few draws, then
/// whatever comes (tiny name pools).
fn draw_distinct_given(
    rng: &mut ChaCha8Rng,
    config: &SynthConfig,
    origin: Origin,
    female: bool,
    members: &[Member],
) -> &'static str {
    let mut given = draw_given(rng, config, origin, female);
    for _ in 0..8 {
        if members.iter().all(|m| m.given != given) {
            break;
        }
        given = draw_given(rng, config, origin, female);
    }
    given
}

fn draw_given(
    rng: &mut ChaCha8Rng,
    config: &SynthConfig,
    origin: Origin,
    female: bool,
) -> &'static str {
    let t = tables();
    if origin == Origin::French {
        if rng.random_bool(config.population.compound_given_rate.clamp(0.0, 1.0)) {
            let list = if female {
                &t.fr_female_compound
            } else {
                &t.fr_male_compound
            };
            return list.sample(rng);
        }
        return t.given(Origin::French, female).sample(rng);
    }
    t.given(origin, female).sample(rng)
}

fn draw_family(rng: &mut ChaCha8Rng, config: &SynthConfig, origin: Origin) -> Family {
    let t = tables();
    let p = &config.population;
    let single = |rng: &mut ChaCha8Rng| {
        if origin == Origin::French && rng.random_bool(p.particle_family_rate.clamp(0.0, 1.0)) {
            t.particle_family.sample(rng)
        } else if origin == Origin::French && !rng.random_bool(p.common_family_rate.clamp(0.0, 1.0))
        {
            t.fr_family_tail.sample(rng)
        } else {
            t.family(origin).sample(rng)
        }
    };
    let first = single(rng);
    let second = if rng.random_bool(p.double_family_rate.clamp(0.0, 1.0)) {
        Some(t.family(origin).sample(rng)).filter(|s| *s != first)
    } else {
        None
    };
    Family { first, second }
}

/// The members of a household before contacts are attached.
struct Member {
    female: bool,
    given: &'static str,
    family: Family,
    birth_family: Option<Family>,
    birth_year: i16,
    child: bool,
}

fn draw_chunk(
    config: &SynthConfig,
    chunk: u64,
    start: u64,
    len: u64,
    stores_by_dept: &HashMap<&'static str, Vec<u16>>,
    store_count: usize,
) -> Vec<Person> {
    let t = tables();
    let p = &config.population;
    let mut rng = stream(config.seed, Purpose::Population, chunk);
    let kinds = Weighted::new(p.household_weights.iter().copied());
    let store_weights = Weighted::zipf(store_count, 0.6);
    let capacity = usize::try_from(len).unwrap_or(0);
    let mut out: Vec<Person> = Vec::with_capacity(capacity);
    let mut members: Vec<Member> = Vec::with_capacity(6);
    while out.len() < capacity {
        members.clear();
        let kind = kinds.sample(&mut rng);
        let origin = draw_origin(&mut rng, config);
        let with_children = kind >= 2;
        let (lo, hi) = if with_children {
            (1945, 1982)
        } else {
            (1938, 2005)
        };
        let mut head_year =
            lo + ((rng.random::<f64>() + rng.random::<f64>()) / 2.0 * f64::from(hi - lo)) as i16;
        let mut head_female = rng.random_bool(0.5);
        let mut commune = draw_commune(&mut rng, p.overseas_rate);
        let mut head_name = None;
        if !out.is_empty() && rng.random_bool(p.namesake_rate.clamp(0.0, 1.0)) {
            // A namesake: same name and town as an earlier person, otherwise a stranger.
            let template = &out[rng.random_range(0..out.len())];
            commune = template.home.commune;
            head_female = template.female;
            head_name = Some((template.given, template.family));
            head_year = (i32::from(template.birth.year()) + rng.random_range(-25..=25))
                .clamp(1938, 2005) as i16;
        }
        let (head_given, head_family) = head_name.unwrap_or_else(|| {
            (
                draw_given(&mut rng, config, origin, head_female),
                draw_family(&mut rng, config, origin),
            )
        });
        members.push(Member {
            female: head_female,
            given: head_given,
            family: head_family,
            birth_family: None,
            birth_year: head_year,
            child: false,
        });
        let couple = kind == 1 || kind == 2;
        let mut father_family = (!head_female).then_some(head_family);
        let mut mother_family = head_female.then_some(head_family);
        if couple {
            let female = if rng.random_bool(0.95) {
                !head_female
            } else {
                head_female
            };
            let partner_origin = if rng.random_bool(0.8) {
                origin
            } else {
                Origin::French
            };
            let own = draw_family(&mut rng, config, partner_origin);
            let year = (head_year + rng.random_range(-6..=6)).min(2005);
            let mut member = Member {
                female,
                given: draw_distinct_given(&mut rng, config, partner_origin, female, &members),
                family: own,
                birth_family: None,
                birth_year: year,
                child: false,
            };
            if female != head_female {
                if female {
                    mother_family = Some(own);
                    father_family = Some(head_family);
                    if rng.random_bool(p.married_name_rate.clamp(0.0, 1.0)) {
                        member.family = head_family;
                        member.birth_family = Some(own);
                    }
                } else {
                    father_family = Some(own);
                    if rng.random_bool(p.married_name_rate.clamp(0.0, 1.0)) {
                        members[0].birth_family = Some(head_family);
                        members[0].family = own;
                    }
                }
            }
            members.push(member);
        }
        if with_children {
            let children = match rng.random_range(0..20) {
                0..=9 => 1,
                10..=16 => 2,
                _ => 3,
            };
            let youngest_parent = members
                .iter()
                .map(|m| m.birth_year)
                .max()
                .unwrap_or(head_year);
            for _ in 0..children {
                let year = youngest_parent + rng.random_range(20..=40);
                if year > 2008 {
                    continue;
                }
                let female = rng.random_bool(0.5);
                let child_origin = if rng.random_bool(0.4) {
                    Origin::French
                } else {
                    origin
                };
                let roll: f64 = rng.random();
                let family = match (father_family, mother_family) {
                    (Some(f), Some(m))
                        if roll < 0.05 && f.second.is_none() && m.first != f.first =>
                    {
                        Family {
                            first: f.first,
                            second: Some(m.first),
                        }
                    }
                    (Some(_), Some(m)) if roll < 0.12 => m,
                    (Some(f), _) => f,
                    (None, Some(m)) if roll < 0.8 => m,
                    _ => draw_family(&mut rng, config, origin),
                };
                members.push(Member {
                    female,
                    given: draw_distinct_given(&mut rng, config, child_origin, female, &members),
                    family,
                    birth_family: None,
                    birth_year: year,
                    child: true,
                });
            }
        }

        // What the household shares: address, landline, maybe an email, a device.
        let postcode = t.commune(commune).postcode;
        let territory = Territory::of_postcode(postcode);
        let home = draw_address(&mut rng, commune);
        let previous = if rng.random_bool(p.move_rate.clamp(0.0, 1.0)) {
            let old_commune = if rng.random_bool(0.5) {
                commune
            } else {
                draw_commune(&mut rng, p.overseas_rate)
            };
            Some(draw_address(&mut rng, old_commune))
        } else {
            None
        };
        let landline = rng
            .random_bool(p.landline_rate.clamp(0.0, 1.0))
            .then(|| draw_landline(&mut rng, postcode));
        let home_store = stores_by_dept
            .get(department(postcode))
            .filter(|_| rng.random_bool(0.85))
            .and_then(|local| local.get(rng.random_range(0..local.len())).copied())
            .unwrap_or_else(|| u16::try_from(store_weights.sample(&mut rng)).unwrap_or(0));
        let household = start + out.len() as u64;
        let shared_email = (members.len() >= 2
            && !members[1].child
            && rng.random_bool(p.shared_email_rate.clamp(0.0, 1.0)))
        .then(|| household_email(&mut rng, &members));

        for (i, m) in members.iter().enumerate() {
            if out.len() >= capacity {
                break;
            }
            let id = start + out.len() as u64;
            let birth = draw_date(&mut rng, m.birth_year);
            let email = if i < 2 && !m.child && shared_email.is_some() {
                shared_email.clone()
            } else {
                rng.random_bool(p.email_rate.clamp(0.0, 1.0))
                    .then(|| personal_email(&mut rng, m.given, &m.family, m.birth_year))
            };
            let email2 = rng
                .random_bool(p.second_email_rate.clamp(0.0, 1.0))
                .then(|| personal_email(&mut rng, m.given, &m.family, m.birth_year))
                .filter(|e| Some(e) != email.as_ref());
            let mobile = rng
                .random_bool(p.mobile_rate.clamp(0.0, 1.0))
                .then(|| draw_mobile(&mut rng, territory));
            let device_owner = if m.child && rng.random_bool(0.3) {
                household
            } else {
                id
            };
            out.push(Person {
                id,
                household,
                female: m.female,
                given: m.given,
                family: m.family,
                birth_family: m.birth_family,
                birth,
                home,
                previous,
                mobile,
                landline,
                email,
                email2,
                home_store,
                device_owner,
            });
        }
    }
    out
}

fn provider(rng: &mut ChaCha8Rng) -> &'static str {
    let t = tables();
    super::tables::PROVIDERS
        .get(t.providers.sample(rng))
        .map_or("gmail.com", |p| p.0)
}

/// An email built the way people build theirs from their names.
fn personal_email(rng: &mut ChaCha8Rng, given: &str, family: &Family, birth_year: i16) -> String {
    let g = email_token(given);
    // Particles are often dropped (`fontaine` for `de la Fontaine`).
    let f_full = email_token(&family.full());
    let f = if family.first.contains(' ') && rng.random_bool(0.3) {
        family
            .first
            .rsplit(' ')
            .next()
            .map(email_token)
            .unwrap_or_else(|| f_full.clone())
    } else {
        f_full
    };
    let initial = g.get(..1).unwrap_or("x");
    let yy = birth_year.rem_euclid(100);
    let local = match rng.random_range(0..100) {
        0..=29 => format!("{g}.{f}"),
        30..=39 => format!("{g}{f}"),
        40..=49 => format!("{initial}{f}"),
        50..=55 => format!("{f}.{g}"),
        56..=65 => format!("{g}.{f}{yy:02}"),
        66..=71 => format!("{g}{f}{}", rng.random_range(1..100)),
        72..=75 => format!("{g}_{f}"),
        76..=79 => format!("{g}.{f}{birth_year}"),
        80..=84 => format!("{g}{yy:02}"),
        85..=88 => format!("{f}{initial}"),
        89..=90 => format!("{g}-{f}"),
        _ => format!("{g}.{f}{}", rng.random_range(100..1000)),
    };
    format!("{local}@{}", provider(rng))
}

/// The email a couple shares: `famille.dupont@…`, `marie.jean.dupont@…`.
fn household_email(rng: &mut ChaCha8Rng, members: &[Member]) -> String {
    let f = email_token(&members[0].family.full());
    let a = email_token(members[0].given);
    let b = members
        .get(1)
        .map(|m| email_token(m.given))
        .unwrap_or_default();
    let local = match rng.random_range(0..4) {
        0 => format!("famille.{f}"),
        1 => format!("{f}.famille"),
        2 => format!("{a}.{b}.{f}"),
        _ => format!("{a}et{b}"),
    };
    format!("{local}@{}", provider(rng))
}

/// The mailbox an address reaches: gmail ignores dots and `+tags`, so
/// `jean.dupont@gmail.com` and `jeandupont+promo@gmail.com` are one mailbox
/// and cannot belong to two persons.
pub(crate) fn mailbox(email: &str) -> String {
    let lower = email.to_ascii_lowercase();
    match lower.split_once('@') {
        Some((local, "gmail.com")) => {
            let local = local.split('+').next().unwrap_or(local);
            format!("{}@gmail.com", local.replace('.', ""))
        }
        _ => lower,
    }
}

/// FNV-1a: a stable 64-bit hash. A false collision only renames an email
/// that did not need it, which is harmless.
fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Who holds each email mailbox and phone number met so far: the FNV-1a
/// hash of a mailbox, or a phone's key with the top bit set, to the
/// holder's household.
pub(crate) struct ContactOwners(HashMap<u64, u64>);

impl ContactOwners {
    /// Room for a population of `persons`: about two contacts each (a
    /// mobile, most of an email, a share of a second email and of the
    /// household's landline), so the map is not rehashed on the way.
    fn new(persons: u64) -> Self {
        let room = usize::try_from(persons.saturating_mul(5) / 2).unwrap_or(usize::MAX);
        ContactOwners(HashMap::with_capacity(room))
    }
}

/// Emails and phone numbers are drawn independently per chunk, so two
/// strangers can get `marie.martin@gmail.com` or the same mobile. Real
/// identifiers are unique to one person (or one household, when shared), so
/// this pass walks persons in order and renames the later holder. A renamed
/// value shared by a household is renamed the same way for every member.
/// `owners` holds the contacts of every person walked before `persons`
/// (none for the first part); households never straddle two calls, since
/// they never straddle a chunk.
fn make_contacts_unique(seed: u64, owners: &mut ContactOwners, persons: &mut [Person]) {
    let owner = &mut owners.0;
    let mut renamed_emails: Vec<(String, String)> = Vec::new();
    let mut renamed_phones: Vec<(PhoneNumber, Option<PhoneNumber>)> = Vec::new();
    let mut current_household = u64::MAX;
    for person in persons.iter_mut() {
        if person.household != current_household {
            current_household = person.household;
            renamed_emails.clear();
            renamed_phones.clear();
        }
        // Collisions are rare; the stream is only built when one happens.
        let mut rng = None;
        let household = person.household;
        for slot in [&mut person.email, &mut person.email2] {
            let Some(email) = slot.as_mut() else { continue };
            if let Some((_, new)) = renamed_emails.iter().find(|(old, _)| old == email) {
                *email = new.clone();
                continue;
            }
            let original = email.clone();
            let mut attempts = 0u32;
            while *owner.entry(fnv(&mailbox(email))).or_insert(household) != household {
                let rng = rng.get_or_insert_with(|| stream(seed, Purpose::Dedup, person.id));
                let (local, domain) = original.split_once('@').unwrap_or((&original, "gmail.com"));
                // Widen the suffix range if the short ones are taken.
                let top = if attempts < 8 { 1000 } else { 1_000_000 };
                *email = format!("{local}{}@{domain}", rng.random_range(1..top));
                attempts += 1;
            }
            if *email != original {
                renamed_emails.push((original, email.clone()));
            }
        }
        for slot in [&mut person.mobile, &mut person.landline] {
            let Some(original) = *slot else { continue };
            if let Some((_, new)) = renamed_phones.iter().find(|(old, _)| *old == original) {
                *slot = *new;
                continue;
            }
            let mut phone = Some(original);
            let mut attempts = 0u32;
            // Phone keys share the map with email hashes; the top bit keeps
            // the two apart.
            while let Some(candidate) = phone.as_mut() {
                if *owner.entry(candidate.key() | 1 << 63).or_insert(household) == household {
                    break;
                }
                attempts += 1;
                if attempts > 64 {
                    // A saturated number range (a tiny overseas one with a huge
                    // population): better no phone than a shared one.
                    phone = None;
                    break;
                }
                let rng = rng.get_or_insert_with(|| stream(seed, Purpose::Dedup, person.id));
                candidate.national =
                    candidate.national / 1_000_000 * 1_000_000 + rng.random_range(0..1_000_000);
            }
            if phone != Some(original) {
                renamed_phones.push((original, phone));
            }
            *slot = phone;
        }
    }
}
