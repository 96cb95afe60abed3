//! Synthetic French omnichannel customers with ground truth (feature `synth`).
//!
//! [`generate`] draws, from a seed, a population of persons living in
//! households, gives each of them one to four accounts in the retailer's
//! systems (store loyalty cards, web accounts, call-centre contacts, app
//! users) as those systems would have typed them, and a history of events
//! (purchases, orders, click & collect pickups, returns, calls, app sessions)
//! attached to those accounts. The [`Truth`] says which person and household
//! each record belongs to and which person did each event, so that a
//! matcher's accuracy can be measured.
//!
//! ```
//! use omnicanal::synth::{generate, SynthConfig};
//! let data = generate(&SynthConfig { persons: 200, seed: 7, ..SynthConfig::default() });
//! assert_eq!(data.truth.records.len(), data.records.len());
//! assert!(data.records.len() > 200); // most persons have several accounts
//! assert_eq!(data, generate(&SynthConfig { persons: 200, seed: 7, ..SynthConfig::default() }));
//! ```
//!
//! # What is realistic here
//!
//! * **Persons**: French given and family names with skewed frequencies,
//!   accents, compound given names (`Jean-François`), particles (`de la
//!   Fontaine`, `Le Gall`, `d'Arras`), hyphenated family names, Portuguese,
//!   Maghrebi, West African, Vietnamese, Italian, Spanish and Polish names;
//!   sex, civility, birth date; married women who use their spouse's name in
//!   some systems and their birth name in others.
//! * **Households**: couples and grown-up children (16+) share an address, a
//!   landline, sometimes one email and an app device. They are different
//!   persons: a matcher that merges a household is wrong.
//! * **Namesakes**: some persons have the name of another person of the same
//!   town (different birth date, phone, email, street).
//! * **Moves**: some persons have a previous address, still in the systems
//!   that were not updated.
//! * **Addresses**: the real communes and postcodes of the whole country
//!   (some 10,000 communes on 5,300 postcodes, drawn by population, from
//!   INSEE's and La Poste's open data: leading-zero ones like
//!   `01000 Bourg-en-Bresse`, Paris, Lyon and Marseille arrondissements,
//!   overseas departments), house numbers with `bis`/`ter`, street types
//!   abbreviated or not. The country, not its big towns: namesakes per
//!   postcode then grow with the sample as they would for a retailer's
//!   customers.
//! * **Phones**: mobiles `06`/`07`, landlines by zone `01`–`05`, overseas
//!   `0590`/`0690`, `0596`/`0696`, `0594`/`0694`, `0262`/`0692`; every person's
//!   numbers are unique to their household.
//! * **Emails**: built from the names on real providers, unique to their
//!   household; gmail dot and `+tag` variants.
//!
//! # The four systems, as exported by `examples/synth.rs`
//!
//! Each record holds exactly what its system's export holds, so reading the
//! exported files back gives the same records.
//!
//! **`store_cards.csv`** — store loyalty cards, typed by cashiers.
//! Delimiter `;`, encoding Windows-1252, header line:
//! `num_carte;civilite;nom;prenom;date_naissance;telephone;email;adresse;code_postal;ville;date_creation`.
//! `num_carte` 13 digits; `civilite` `M`, `M.`, `MR`, `MME`, `Mme`, `MLLE` or empty;
//! `nom` mostly upper case, accents often dropped; `date_naissance` `dd/mm/yyyy`;
//! `telephone` `06.12.34.56.78`, `06 12 34 56 78` or `0612345678`, sometimes the
//! store's own number; `email` may be a placeholder (`pasdemail@magasin.fr`);
//! `code_postal` may have lost its leading zero (`1000`); `date_creation` `dd/mm/yyyy`.
//!
//! **`web_accounts.jsonl`** — web-shop accounts, typed by customers. One JSON
//! object per line, UTF-8:
//! `{"id", "email", "first_name", "last_name", "phone", "birth_date",
//! "addresses": [{"line1", "zip", "city", "country"}], "created_at"}`;
//! absent values are `null`. `id` `WEB` + 9 digits; `phone` mostly E.164
//! (`+33612345678`); `birth_date` ISO `yyyy-mm-dd`; `addresses` current first
//! (a person who moved may list the old one too); `created_at` RFC 3339 UTC.
//!
//! **`callcentre_contacts.csv`** — call-centre contacts, typed by agents.
//! Delimiter `,`, UTF-8, header `contact_id,nom_complet,telephone,email,code_postal,ville,date_creation`.
//! `contact_id` `CC` + 9 digits; `nom_complet` one field: `Mme Dupont Marie`,
//! `DUPONT Marie`, `Marie Dupont`, `M. DUPONT J.`; accents mostly dropped,
//! nicknames (`Fred`, `J-F`) and spellings as heard (`Dupond`);
//! `date_creation` `yyyy-mm-dd hh:mm:ss` local time.
//!
//! **`app_users.csv`** — mobile-app users. Delimiter `,`, UTF-8, header
//! `user_id,device_id,prenom,nom,annee_naissance,email,telephone,date_creation`.
//! `user_id` a UUID; `device_id` an upper-case UUID (iOS) or 16 hex digits
//! (Android), shared by household members on a family tablet and kept by a
//! second account on the same phone; `annee_naissance` four digits;
//! `date_creation` RFC 3339 UTC.
//!
//! **`events.csv`** — `,`, UTF-8, header
//! `event_id,channel,source_record_id,timestamp,kind,amount_eur,order_ref,store_code,reason`.
//! `channel` where it happened (`store`, `web`, `callcentre`, `app`);
//! `source_record_id` the id of the record it is attached to, in the record's
//! own system (a click & collect pickup happens in `store` but is attached to
//! the `WEB…` account); `timestamp` RFC 3339 with the Europe/Paris offset;
//! `kind` `purchase`, `order`, `pickup`, `return`, `call`, `app_session`;
//! `amount_eur` decimal euros with a dot, negative for refunds, empty when
//! none; `order_ref` shared by an order, its pickup, its returns and calls
//! about it; `store_code` `M` + 3 digits for events in a store; `reason`
//! `refund` or `delivery` for some calls. The record a source id belongs to is
//! found by the pair (system, id): the system is the one whose export holds
//! the id (`WEB…`, `CC…`, 13 digits for cards, UUIDs for app users).
//!
//! **`truth_records.csv`** — `channel,source_id,person_id,household_id`.
//! **`truth_events.csv`** — `event_id,person_id`.
//!
//! # Speed and determinism
//!
//! Persons are drawn in chunks of [`CHUNK_PERSONS`], each from its own ChaCha8
//! stream derived from the seed, in parallel with rayon; records and events
//! are drawn the same way, then sorted (records by system and id, events by
//! time and id) so that file order says nothing about who is who. The output
//! depends on the seed and the configuration only, never on the number of
//! threads.
//!
//! [`generate_parts`] draws the same dataset a run of chunks at a time, for
//! populations whose raw records do not fit in memory at once (ten million
//! records take some 12 GiB); sorted again, the parts are exactly what
//! [`generate`] returns.

mod calendar;
mod events;
mod ids;
mod noise;
mod population;
mod render;
mod surname_tail;
mod tables;
#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};

use crate::record::{Record, SourceKey};
use crate::timeline::Event;

/// Persons per generation chunk. Fixed, because the chunk boundaries decide
/// which random stream each person comes from.
pub const CHUNK_PERSONS: u64 = 4096;

/// What to generate. Every rate is a probability in `[0, 1]`; every knob has a
/// default matching what a mid-sized French retailer's files look like.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SynthConfig {
    /// How many persons (not records: each has one to several records).
    pub persons: u64,
    /// The seed: the same seed and configuration give the same dataset.
    pub seed: u64,
    /// Who the persons are.
    pub population: PopulationRates,
    /// Which systems they appear in.
    pub channels: ChannelMix,
    /// How the systems mistype them.
    pub noise: NoiseRates,
    /// What they do.
    pub events: EventRates,
}

impl Default for SynthConfig {
    fn default() -> Self {
        SynthConfig {
            persons: 1000,
            seed: 42,
            population: PopulationRates::default(),
            channels: ChannelMix::default(),
            noise: NoiseRates::default(),
            events: EventRates::default(),
        }
    }
}

/// The shape of the population.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PopulationRates {
    /// Relative weights of household kinds: one adult alone, a couple, a
    /// couple with grown-up children, one adult with grown-up children.
    pub household_weights: [f64; 4],
    /// Share of households living overseas (Guadeloupe, Martinique, Guyane, La Réunion).
    pub overseas_rate: f64,
    /// Share of households with Portuguese names.
    pub portuguese_rate: f64,
    /// Share of households with Maghrebi names.
    pub maghrebi_rate: f64,
    /// Share of households with other non-French names.
    pub other_origin_rate: f64,
    /// Share of French given names that are compound (`Jean-François`).
    pub compound_given_rate: f64,
    /// Share of French family names with a particle (`de la Fontaine`, `Le Gall`).
    pub particle_family_rate: f64,
    /// Share of French family names drawn from the curated list of the few
    /// hundred most frequent (`Martin`, `Bernard`, …); the others come from
    /// a composed long tail of some 50,000 rarer names. At 0.2, `Martin`
    /// is borne by about 0.4 % of French persons, as in France (0.36 %); at
    /// 1.0 every French name comes from the short list, which makes
    /// namesakes several times more common than in real data (a stress
    /// test for the matcher).
    pub common_family_rate: f64,
    /// Share of family names that are double (`Martin-Durand`).
    pub double_family_rate: f64,
    /// Share of married women in couples who use their spouse's family name.
    pub married_name_rate: f64,
    /// Share of new households whose head has the name of an earlier person
    /// of the same town.
    pub namesake_rate: f64,
    /// Share of persons who moved, with an old address still in some systems.
    pub move_rate: f64,
    /// Share of persons with a mobile phone number.
    pub mobile_rate: f64,
    /// Share of households with a landline.
    pub landline_rate: f64,
    /// Share of persons with an email address.
    pub email_rate: f64,
    /// Share of persons with a second email address (used in some systems).
    pub second_email_rate: f64,
    /// Share of couples who share one email address.
    pub shared_email_rate: f64,
    /// Number of stores.
    pub stores: u16,
}

impl Default for PopulationRates {
    fn default() -> Self {
        PopulationRates {
            household_weights: [0.36, 0.30, 0.24, 0.10],
            overseas_rate: 0.03,
            portuguese_rate: 0.04,
            maghrebi_rate: 0.06,
            other_origin_rate: 0.05,
            compound_given_rate: 0.08,
            particle_family_rate: 0.05,
            common_family_rate: 0.2,
            double_family_rate: 0.02,
            married_name_rate: 0.6,
            namesake_rate: 0.01,
            move_rate: 0.10,
            mobile_rate: 0.92,
            landline_rate: 0.35,
            email_rate: 0.93,
            second_email_rate: 0.12,
            shared_email_rate: 0.15,
            stores: 60,
        }
    }
}

/// Which systems each person appears in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ChannelMix {
    /// Relative weights of being in 1, 2, 3 or 4 systems.
    pub count_weights: [f64; 4],
    /// Relative weights of the systems, in the order store, web, call centre, app
    /// (systems are drawn without replacement with these weights).
    pub channel_weights: [f64; 4],
    /// Chance that a person has a second record in one of their systems (a
    /// lost card replaced, a second web account with another email).
    pub duplicate_rate: f64,
}

impl Default for ChannelMix {
    fn default() -> Self {
        ChannelMix {
            count_weights: [0.45, 0.32, 0.16, 0.07],
            channel_weights: [0.42, 0.32, 0.12, 0.14],
            duplicate_rate: 0.05,
        }
    }
}

/// How each system mistypes what it is told. Rates apply per record (or per
/// field where the name says so).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct NoiseRates {
    /// Per name field: one typing error (neighbouring key, dropped, doubled or
    /// transposed letter). Store and call-centre rate; web and app type a
    /// third of it (people rarely mistype their own name).
    pub typo: f64,
    /// Store: accents dropped from names and cities (upper-case typing).
    pub store_accent_drop: f64,
    /// Call centre: accents dropped.
    pub callcentre_accent_drop: f64,
    /// Web and app: accents dropped by the customer.
    pub self_typed_accent_drop: f64,
    /// Day and month swapped in a typed birth date (when the day is ≤ 12).
    pub day_month_swap: f64,
    /// A record of a married woman that shows her birth name rather than her
    /// married name.
    pub birth_name_use: f64,
    /// Store: the cashier typed the store's own phone number.
    pub store_generic_phone: f64,
    /// Store: a placeholder email (`pasdemail@magasin.fr`).
    pub store_placeholder_email: f64,
    /// Store: the email has a typing error (`gmial.com`, a dropped letter).
    pub store_email_typo: f64,
    /// Store: a postcode starting with 0 lost it (`1000`).
    pub store_postcode_zero_lost: f64,
    /// Web: given and family names swapped.
    pub web_name_swap: f64,
    /// Web and app: a gmail address written with other dots or a `+tag`.
    pub gmail_variant: f64,
    /// Call centre: a nickname (`Fred`) when the given name has one.
    pub callcentre_nickname: f64,
    /// Call centre: the given name as an initial (`DUPONT J.`).
    pub callcentre_initial: f64,
    /// Call centre: the family name written as heard (`Dupond`).
    pub callcentre_misheard: f64,
    /// Missing birth date (store, web) or birth year (app).
    pub missing_birth: [f64; 3],
    /// Missing email, per system: store, web, call centre, app. Web and app
    /// need one to log in, so theirs should stay 0.
    pub missing_email: [f64; 4],
    /// Missing phone, per system: store, web, call centre, app.
    pub missing_phone: [f64; 4],
    /// Missing address, per system: store, web, call centre (the app has none).
    pub missing_address: [f64; 3],
    /// Chance that a system which was not told about a move shows the old address.
    pub stale_address: f64,
}

impl Default for NoiseRates {
    fn default() -> Self {
        NoiseRates {
            typo: 0.025,
            store_accent_drop: 0.7,
            callcentre_accent_drop: 0.8,
            self_typed_accent_drop: 0.2,
            day_month_swap: 0.01,
            birth_name_use: 0.15,
            store_generic_phone: 0.03,
            store_placeholder_email: 0.04,
            store_email_typo: 0.015,
            store_postcode_zero_lost: 0.4,
            web_name_swap: 0.02,
            gmail_variant: 0.25,
            callcentre_nickname: 0.15,
            callcentre_initial: 0.05,
            callcentre_misheard: 0.05,
            missing_birth: [0.3, 0.45, 0.3],
            missing_email: [0.3, 0.0, 0.45, 0.0],
            missing_phone: [0.08, 0.3, 0.05, 0.5],
            missing_address: [0.08, 0.1, 0.2],
            stale_address: 0.5,
        }
    }
}

/// What persons do, over a window of time. Means are per record of the
/// system; counts are Poisson.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EventRates {
    /// First day of the event window.
    pub window_start: jiff::civil::Date,
    /// Length of the window in days.
    pub window_days: u32,
    /// Mean store purchases per loyalty card.
    pub store_purchases: f64,
    /// Mean orders per web account.
    pub web_orders: f64,
    /// Mean orders per app user.
    pub app_orders: f64,
    /// Mean sessions per app user.
    pub app_sessions: f64,
    /// Mean calls per call-centre contact.
    pub calls: f64,
    /// Share of web and app orders collected in a store (click & collect).
    pub click_and_collect: f64,
    /// Share of purchases and orders partly or wholly returned.
    pub return_rate: f64,
    /// Share of returns made in a store other than the purchase's (or, for
    /// web orders, in a store rather than by post).
    pub return_elsewhere: f64,
    /// Share of calls about a refund or a delivery of an earlier order.
    pub call_about_order: f64,
}

impl Default for EventRates {
    fn default() -> Self {
        EventRates {
            window_start: jiff::civil::Date::constant(2022, 1, 1),
            window_days: 3 * 365,
            store_purchases: 5.0,
            web_orders: 3.0,
            app_orders: 1.5,
            app_sessions: 8.0,
            calls: 1.5,
            click_and_collect: 0.25,
            return_rate: 0.08,
            return_elsewhere: 0.4,
            call_about_order: 0.4,
        }
    }
}

impl EventRates {
    /// No events at all: records only, for benchmarks that measure matching.
    pub fn none() -> Self {
        EventRates {
            store_purchases: 0.0,
            web_orders: 0.0,
            app_orders: 0.0,
            app_sessions: 0.0,
            calls: 0.0,
            ..EventRates::default()
        }
    }
}

/// A person of the synthetic population: dense, `0..persons`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PersonId(pub u64);

/// A household: the [`PersonId`] number of its first member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct HouseholdId(pub u64);

/// Who a record belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordTruth {
    /// The record.
    pub key: SourceKey,
    /// The person it belongs to.
    pub person: PersonId,
    /// The person's household.
    pub household: HouseholdId,
}

/// Who did an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventTruth {
    /// The event's id.
    pub event_id: String,
    /// The person who did it.
    pub person: PersonId,
}

/// The ground truth, aligned with the dataset: `records[i]` is about
/// `Dataset::records[i]`, `events[i]` about `Dataset::events[i]`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Truth {
    /// One entry per record, same order.
    pub records: Vec<RecordTruth>,
    /// One entry per event, same order.
    pub events: Vec<EventTruth>,
}

impl Truth {
    /// The number of record pairs that belong to the same person: the
    /// denominator of pairwise recall.
    pub fn true_pair_count(&self) -> u64 {
        let mut per_person: Vec<u64> = self.records.iter().map(|t| t.person.0).collect();
        per_person.sort_unstable();
        per_person
            .chunk_by(|a, b| a == b)
            .map(|run| {
                let n = run.len() as u64;
                n * (n - 1) / 2
            })
            .sum()
    }
}

/// A generated dataset: the records of the four systems, the events, and who
/// is who.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Dataset {
    /// Records sorted by channel then source id.
    pub records: Vec<Record>,
    /// Events sorted by timestamp then id.
    pub events: Vec<Event>,
    /// The ground truth.
    pub truth: Truth,
}

/// Generates a dataset. Deterministic: the same configuration gives the same
/// dataset on every machine and with any number of threads.
///
/// All of it is held at once; [`generate_parts`] draws the same dataset a
/// part at a time.
pub fn generate(config: &SynthConfig) -> Dataset {
    assemble(config, &population::draw(config))
}

/// Generates the dataset of [`generate`] a part at a time, for populations
/// whose raw records would not fit in memory at once.
///
/// Each part holds the records, events and truth of a run of consecutive
/// persons: `persons_per_part` rounded up to a whole number of
/// [`CHUNK_PERSONS`] (the generation chunks, whose random streams do not
/// depend on how they are grouped), fewer in the last part. Within a part,
/// records and events are sorted as [`generate`] sorts them. Put end to end
/// and sorted again — records by [`SourceKey`] (channel, then id), events by
/// timestamp then id, each with its truth, which [`Dataset::from_parts`]
/// does — the parts are exactly `generate(config)`, events included.
///
/// A part is drawn, in parallel over its chunks, when the iterator is
/// advanced. Between parts the iterator holds the stores and the owner of
/// every email and phone number drawn so far (some 60 bytes per person of
/// the whole population), so that a contact drawn for two strangers in
/// different parts is renamed for the later one exactly as [`generate`]
/// renames it.
///
/// ```
/// use omnicanal::synth::{generate, generate_parts, Dataset, SynthConfig, CHUNK_PERSONS};
/// let config = SynthConfig { persons: 2 * CHUNK_PERSONS + 10, seed: 7, ..SynthConfig::default() };
/// let parts: Vec<Dataset> = generate_parts(&config, CHUNK_PERSONS).collect();
/// assert_eq!(parts.len(), 3);
/// assert_eq!(Dataset::from_parts(parts), generate(&config));
/// ```
pub fn generate_parts(config: &SynthConfig, persons_per_part: u64) -> Parts<'_> {
    Parts {
        config,
        drawer: population::Drawer::new(config),
        chunks_per_part: persons_per_part.div_ceil(CHUNK_PERSONS).max(1),
    }
}

/// The parts of a dataset, in order of their persons: see [`generate_parts`].
pub struct Parts<'c> {
    config: &'c SynthConfig,
    drawer: population::Drawer<'c>,
    chunks_per_part: u64,
}

impl std::fmt::Debug for Parts<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Parts")
            .field("persons", &self.config.persons)
            .field("chunks_per_part", &self.chunks_per_part)
            .field("chunks_left", &self.drawer.chunks_left())
            .finish()
    }
}

impl Iterator for Parts<'_> {
    type Item = Dataset;

    fn next(&mut self) -> Option<Dataset> {
        if self.drawer.chunks_left() == 0 {
            return None;
        }
        let people = self.drawer.draw(self.chunks_per_part);
        Some(assemble(self.config, &people))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let parts = self.drawer.chunks_left().div_ceil(self.chunks_per_part);
        let parts = usize::try_from(parts).unwrap_or(usize::MAX);
        (parts, Some(parts))
    }
}

impl ExactSizeIterator for Parts<'_> {}

impl std::iter::FusedIterator for Parts<'_> {}

impl Dataset {
    /// Puts the parts of a dataset end to end in the order of [`generate`]:
    /// records (with their truth) by [`SourceKey`], events (with their
    /// truth) by timestamp then id. Both orders are total (keys and event
    /// ids are unique), so the parts may come in any order.
    ///
    /// This holds the whole dataset, as [`generate`] does; a caller that
    /// turns each part into something smaller (normalized records, say)
    /// sorts those by source key instead, and its truth with them.
    pub fn from_parts(parts: impl IntoIterator<Item = Dataset>) -> Dataset {
        let mut records = Vec::new();
        let mut events = Vec::new();
        for part in parts {
            records.extend(part.records.into_iter().zip(part.truth.records));
            events.extend(part.events.into_iter().zip(part.truth.events));
        }
        records.sort_unstable_by(|a, b| a.0.key.cmp(&b.0.key));
        events.sort_unstable_by(|a, b| (a.0.timestamp, &a.0.id).cmp(&(b.0.timestamp, &b.0.id)));
        let (records, truth_records) = records.into_iter().unzip();
        let (events, truth_events) = events.into_iter().unzip();
        Dataset {
            records,
            events,
            truth: Truth {
                records: truth_records,
                events: truth_events,
            },
        }
    }
}

/// The records and events of `people` (the population or a part of it),
/// sorted, with their truth.
///
/// Records are sorted by channel, then their numeric id, then their id: the
/// numeric ids are the fixed-width digits of the id (`29` + 11 digits,
/// `WEB` + 9, `CC` + 9; 0 for the app's UUIDs), so this is the order of
/// [`SourceKey`], which [`Dataset::from_parts`] sorts by. A test holds the
/// two to it.
fn assemble(config: &SynthConfig, people: &population::People) -> Dataset {
    let (mut records, mut events) = render::draw(config, people);
    records.sort_unstable_by(|a, b| {
        (&a.0.key.channel, a.1, &a.0.key.id).cmp(&(&b.0.key.channel, b.1, &b.0.key.id))
    });
    events.sort_unstable_by(|a, b| (a.0.timestamp, &a.0.id).cmp(&(b.0.timestamp, &b.0.id)));
    let mut truth = Truth {
        records: Vec::with_capacity(records.len()),
        events: Vec::with_capacity(events.len()),
    };
    let records = records
        .into_iter()
        .map(|(record, _, person)| {
            let household = people.household_of(person);
            truth.records.push(RecordTruth {
                key: record.key.clone(),
                person: PersonId(person),
                household: HouseholdId(household),
            });
            record
        })
        .collect();
    let events = events
        .into_iter()
        .map(|(event, person)| {
            truth.events.push(EventTruth {
                event_id: event.id.clone(),
                person: PersonId(person),
            });
            event
        })
        .collect();
    Dataset {
        records,
        events,
        truth,
    }
}

/// Test data for other modules: `persons` generated persons without events,
/// normalized with the default (French) options.
#[cfg(test)]
pub(crate) fn normalized_batch(persons: u64, seed: u64) -> Vec<crate::normalize::NormalizedRecord> {
    let dataset = generate(&SynthConfig {
        persons,
        seed,
        events: EventRates::none(),
        ..SynthConfig::default()
    });
    dataset
        .records
        .iter()
        .map(crate::normalize::normalize)
        .collect()
}
