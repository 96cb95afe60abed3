//! Golden records: one [`Profile`] per customer, every value with its
//! provenance, the preferred one chosen by [`SurvivorshipRules`].
//!
//! A profile is built from a customer's records — the raw [`Record`](crate::Record)s (for
//! the names as the customer spelled them, accents included) and their
//! [`NormalizedRecord`]s (for everything compared) — and, optionally, the
//! customer's events (for when each record was last seen, the first and last
//! interaction, and counts and spend per channel).
//!
//! - The customer's records are listed once ([`Profile::records`]: source
//!   key, hence channel, and when the record was last seen).
//! - Every distinct value is listed once ([`Sourced`]), with every record
//!   that carries it, by its position in [`Profile::records`]
//!   ([`Profile::sources`] gives the records themselves). Distinct means
//!   distinct normalized forms: two spellings of one phone are one value,
//!   `Jean.Dupont@gmail.com` and `jeandupont@gmail.com` are one mailbox.
//!   Positions keep a profile's JSON short: a record carries six values or
//!   so, and its key and date are written once, not with each.
//! - Values are listed best first, by the field's survivorship rule (see
//!   [`SurvivorshipRules`] for the full, deterministic order), so the
//!   preferred value is the first one unless it identifies nobody.
//! - A record's *last seen* is the latest of its `updated_at`, its
//!   `created_at` and its latest event.
//! - Building is order-independent: the same records and events in any
//!   order give the same profile.
//!
//! [`ProfileBuilder::build_all`] builds every customer of a resolution in
//! parallel (rayon).
//!
//! A profile is personal data — that is its purpose — and is serialized in
//! full (the dedup job writes `profiles.jsonl`). Its `Debug` prints the
//! customer id and counts, never a value.
//!
//! ```
//! use omnicanal::normalize::normalize;
//! use omnicanal::profile::{build_profile, SurvivorshipRules};
//! use omnicanal::{Channel, CustomerId, Record, SourceKey};
//!
//! let store = Record::builder(SourceKey::new(Channel::Store, "4001234")?)
//!     .full_name("Mme LEFEVRE Helene")?
//!     .phone("06.12.34.56.78")?
//!     .set("updated_at", "2021-05-03")?
//!     .build();
//! let web = Record::builder(SourceKey::new(Channel::Web, "WEB000000042")?)
//!     .given_name("Hélène")?
//!     .family_name("Lefèvre")?
//!     .phone("+33 6 12 34 56 78")?
//!     .phone("07 11 22 33 44")?
//!     .set("updated_at", "2024-01-10")?
//!     .build();
//! let (n_store, n_web) = (normalize(&store), normalize(&web));
//! let members = [(&store, &n_store), (&web, &n_web)];
//! let id = CustomerId::from_members(&[store.key.clone(), web.key.clone()]);
//! let profile = build_profile(&SurvivorshipRules::default(), id, &members, &[], None);
//!
//! // The web account's own spelling wins (channel priority for names).
//! assert_eq!(profile.name().map(|n| n.full()), Some("Hélène Lefèvre".to_owned()));
//! // Two distinct phones; the shared one is seen in both records.
//! assert_eq!(profile.phones.len(), 2);
//! let shared = profile.phones.iter().find(|p| p.value.e164 == "+33612345678").unwrap();
//! assert_eq!(shared.sources.len(), 2);
//! let mobile = profile.phones.iter().find(|p| p.value.e164 == "+33711223344").unwrap();
//! let seen_in: Vec<_> = profile.sources(mobile).map(|r| r.source.to_string()).collect();
//! assert_eq!(seen_in, ["web:WEB000000042"]);
//! // `Debug` shows no value.
//! assert!(!format!("{profile:?}").contains("Lef"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod build;
mod json;
mod names;
mod rules;
#[cfg(test)]
pub(crate) mod tests;

use std::fmt;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::cluster::CustomerId;
use crate::normalize::{NormalizedRecord, PartialDate, Region};
use crate::record::{Channel, IdentifierKind, SourceKey};
use crate::timeline::{Currency, Money};

pub use build::{ProfileBuilder, build_profile};
pub use json::write_json_timestamp;
pub use names::TypedNames;
pub use rules::{Strategy, SurvivorshipRules};

/// A record of a customer, and when that record was last seen: an entry of
/// [`Profile::records`], which values point to ([`Sourced::sources`]).
///
/// Its JSON is flat: `{"channel": "store", "id": "4001234", "last_seen": …}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Provenance {
    /// The record (its channel is the source's channel).
    #[serde(flatten)]
    pub source: SourceKey,
    /// The latest of the record's `updated_at`, `created_at` and latest
    /// event; none when the record has none of them.
    pub last_seen: Option<Timestamp>,
}

impl Provenance {
    /// The channel of the record.
    pub fn channel(&self) -> &Channel {
        &self.source.channel
    }
}

/// One distinct value of a customer with every record carrying it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sourced<T> {
    /// The value.
    pub value: T,
    /// The records carrying it, by their position in [`Profile::records`],
    /// ascending; never empty. [`Profile::sources`] gives the records.
    pub sources: Vec<u32>,
    /// The latest `last_seen` of its sources.
    pub last_seen: Option<Timestamp>,
    /// True when the value identifies nobody: a placeholder email, or a value
    /// shared by many customers (the store's phone typed at the till).
    pub generic: bool,
}

impl<T> fmt::Debug for Sourced<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The value is personal data: sources and dates only.
        f.debug_struct("Sourced")
            .field("sources", &self.sources)
            .field("generic", &self.generic)
            .finish_non_exhaustive()
    }
}

/// A person's name as the customer's records spell it.
///
/// Distinct names are distinct folded forms (case and accents ignored);
/// the spelling shown is the richest one found among the records (accents
/// kept, then mixed case), else the folded form title-cased.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct NameValue {
    /// Given names, folded (`jean francois`); empty when unknown.
    pub given_folded: String,
    /// Family name with its particles, folded (`de la fontaine`); empty when unknown.
    pub family_folded: String,
    /// Given names as spelled (`Jean-François`); empty when unknown.
    pub given: String,
    /// Family name as spelled, particles included (`de La Fontaine`); empty when unknown.
    pub family: String,
}

impl NameValue {
    /// `given family`, or whichever part is known.
    pub fn full(&self) -> String {
        match (self.given.is_empty(), self.family.is_empty()) {
            (false, false) => format!("{} {}", self.given, self.family),
            (false, true) => self.given.clone(),
            _ => self.family.clone(),
        }
    }
}

/// The kind of a phone line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LineKind {
    /// A mobile.
    Mobile,
    /// A fixed line, often a household's.
    Landline,
    /// Foreign or special numbers.
    Other,
}

/// A phone number.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct PhoneValue {
    /// E.164: `+33612345678`.
    pub e164: String,
    /// Line kind.
    pub kind: LineKind,
}

/// An email address.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct EmailValue {
    /// The mailbox with provider rules applied: what makes two values one.
    pub normalized: String,
    /// As a record gave it (lower-cased); the smallest of the spellings when
    /// records differ (`j.dupont@gmail.com`, `jdupont@gmail.com`).
    pub address: String,
}

/// A postal address, normalized (folded, street type spelled out).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct AddressValue {
    /// Five-digit French postcode, or the foreign one as typed.
    pub postcode: Option<String>,
    /// Commune.
    pub city: Option<String>,
    /// Street, type spelled out: `rue de la paix`.
    pub street: Option<String>,
    /// House number.
    pub number: Option<u32>,
    /// `bis`, `ter`, a letter.
    pub number_suffix: Option<String>,
    /// Country.
    pub country: Option<Region>,
}

/// An identifier a source system assigned (loyalty card, account id, …).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct IdentifierValue {
    /// What it is.
    pub kind: IdentifierKind,
    /// Upper-cased, letters and digits only.
    pub value: String,
}

/// What one channel saw of a customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelActivity {
    /// Where the events happened (the event's channel, not its record's).
    pub channel: Channel,
    /// How many events.
    pub events: u64,
    /// The first one.
    pub first: Option<Timestamp>,
    /// The last one.
    pub last: Option<Timestamp>,
    /// The sum of the events' amounts per currency, by currency code; refunds
    /// are negative amounts and count against it. Events without an amount
    /// add nothing. Saturates instead of overflowing.
    pub spend: Vec<Money>,
}

/// A customer's events, summed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Activity {
    /// Every event of the customer.
    pub events: u64,
    /// The earliest event.
    pub first_interaction: Option<Timestamp>,
    /// The latest event.
    pub last_interaction: Option<Timestamp>,
    /// Per channel, by channel name.
    pub channels: Vec<ChannelActivity>,
}

impl Activity {
    /// The spend over every channel, per currency, by currency code.
    pub fn total_spend(&self) -> Vec<Money> {
        let mut total = Vec::new();
        for channel in &self.channels {
            for money in &channel.spend {
                add_money(&mut total, *money);
            }
        }
        total
    }
}

/// Adds `money` to the per-currency sums in `sums` (kept sorted by currency).
pub(crate) fn add_money(sums: &mut Vec<Money>, money: Money) {
    match sums.binary_search_by(|m| m.currency.cmp(&money.currency)) {
        Ok(i) => sums[i].minor = sums[i].minor.saturating_add(money.minor),
        Err(i) => sums.insert(i, money),
    }
}

/// The golden record of one customer. See the [module docs](self).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    /// The customer.
    pub customer_id: CustomerId,
    /// Its records, by source key, each with when it was last seen. Values
    /// name their records by position in this list.
    pub records: Vec<Provenance>,
    /// The civility of the preferred name's record, else the most frequent
    /// one (`madame`, `monsieur`, `mademoiselle`, `docteur`, `maitre`).
    pub civility: Option<String>,
    /// Names, best first.
    pub names: Vec<Sourced<NameValue>>,
    /// Birth dates, best first.
    pub birth_dates: Vec<Sourced<PartialDate>>,
    /// Phones, best first.
    pub phones: Vec<Sourced<PhoneValue>>,
    /// Emails, best first.
    pub emails: Vec<Sourced<EmailValue>>,
    /// Addresses, best first.
    pub addresses: Vec<Sourced<AddressValue>>,
    /// Identifiers, by kind and value (no preference: all are kept).
    pub identifiers: Vec<Sourced<IdentifierValue>>,
    /// The latest `last_seen` of the records.
    pub last_seen: Option<Timestamp>,
    /// Events, summed (all zero without events).
    pub activity: Activity,
}

impl fmt::Debug for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Counts only: every value of a profile is personal data.
        f.debug_struct("Profile")
            .field("customer_id", &self.customer_id)
            .field("records", &self.records.len())
            .field("names", &self.names.len())
            .field("birth_dates", &self.birth_dates.len())
            .field("phones", &self.phones.len())
            .field("emails", &self.emails.len())
            .field("addresses", &self.addresses.len())
            .field("identifiers", &self.identifiers.len())
            .field("events", &self.activity.events)
            .finish_non_exhaustive()
    }
}

/// The first value, unless it identifies nobody.
fn preferred<T>(values: &[Sourced<T>]) -> Option<&T> {
    values.first().filter(|v| !v.generic).map(|v| &v.value)
}

impl Profile {
    /// The records carrying `value` (one of this profile's values), in
    /// source-key order. A position past [`records`](Self::records) (a
    /// profile edited by hand) is skipped.
    pub fn sources<'p, T>(&'p self, value: &'p Sourced<T>) -> impl Iterator<Item = &'p Provenance> {
        value
            .sources
            .iter()
            .filter_map(|&i| self.records.get(i as usize))
    }

    /// The preferred name.
    pub fn name(&self) -> Option<&NameValue> {
        preferred(&self.names)
    }

    /// The preferred birth date.
    pub fn birth_date(&self) -> Option<&PartialDate> {
        preferred(&self.birth_dates)
    }

    /// The preferred phone (never a generic one).
    pub fn phone(&self) -> Option<&PhoneValue> {
        preferred(&self.phones)
    }

    /// The preferred email (never a placeholder or generic one).
    pub fn email(&self) -> Option<&EmailValue> {
        preferred(&self.emails)
    }

    /// The preferred address (never a generic one).
    pub fn address(&self) -> Option<&AddressValue> {
        preferred(&self.addresses)
    }

    /// The spend over every channel (see [`Activity::total_spend`]).
    pub fn total_spend(&self) -> Vec<Money> {
        self.activity.total_spend()
    }

    /// The spend in one currency, in minor units (0 when none).
    pub fn spend_in(&self, currency: Currency) -> i64 {
        self.total_spend()
            .iter()
            .find(|m| m.currency == currency)
            .map_or(0, |m| m.minor)
    }
}

/// `Debug` for value types: the type's name only, since the value is personal
/// data (identifiers' kinds and phones' line kinds are not).
macro_rules! opaque_debug {
    ($($ty:ident),*) => {$(
        impl fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($ty), "(..)"))
            }
        }
    )*};
}

opaque_debug!(NameValue, EmailValue, AddressValue);

impl fmt::Debug for PhoneValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PhoneValue({:?}, ..)", self.kind)
    }
}

impl fmt::Debug for IdentifierValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdentifierValue({:?}, ..)", self.kind)
    }
}

/// A record of a customer as the builder sees it.
#[derive(Clone, Copy)]
pub(crate) struct Member<'a> {
    /// The names as typed, when known.
    pub(crate) raw: Option<names::RawNames<'a>>,
    pub(crate) normalized: &'a NormalizedRecord,
}
