//! Normalization: raw [`Record`] text to comparable values.
//!
//! Every function here is pure and deterministic, total (no panic on any
//! string) and idempotent where its output can be fed back as input. A value
//! that cannot be normalized gives none and a [`FieldIssue`] naming the field
//! and the reason, never the value.
//!
//! | field | function | example |
//! | --- | --- | --- |
//! | any text | [`text::fold`] | `Œuvre  D'Almeida` → `oeuvre d almeida` |
//! | names | [`name::normalize_names`] | `Mme Dupont Marie` → Madame, `marie` / `dupont` |
//! | nicknames | [`nickname::canonical_given`] | `fred` → `frederic` |
//! | phonetic key | [`phonetic::phonetic_key`] | `dupond`, `dupont` → same key |
//! | phones | [`phone::normalize_phone`] | `06.12.34.56.78` → `+33612345678` |
//! | emails | [`email::normalize_email`] | `Jean.Dupont+promo@gmail.com` → `jeandupont@gmail.com` |
//! | addresses | [`address::normalize_address`] | `12B r. de la paix` → `12`, `b`, `rue de la paix` |
//! | dates | [`date::parse_date`] | `05/03/1980` → 1980-03-05 |

pub mod address;
pub mod date;
pub mod email;
pub mod name;
pub mod nickname;
pub mod phone;
pub mod phonetic;
pub mod text;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind};
use crate::record::{Field, IdentifierKind, Record, SourceKey};

/// The string type of normalized values: a `String` that holds up to 24 bytes
/// inline, so that the short values records are made of (names, postcodes,
/// communes, E.164 numbers, most emails and identifiers) cost no allocation.
/// It dereferences to `str` and compares with `str` and `String`.
pub use compact_str::CompactString;

/// The vector type of a record's names, emails and phones: a `Vec` that holds
/// one value inline, the usual count, so that a record with one of each
/// costs no allocation for them. It dereferences to a slice and serializes as
/// a plain sequence (the same JSON and snapshot bytes as a `Vec`).
pub use smallvec::SmallVec;

/// A record's names: usually one, held inline.
pub type Names = SmallVec<[PersonName; 1]>;
/// A record's emails: usually none or one, held inline.
pub type Emails = SmallVec<[Email; 1]>;
/// A record's phones: usually none or one, held inline.
pub type Phones = SmallVec<[Phone; 1]>;

pub use address::NormalizedAddress;
pub use date::{DateOrder, PartialDate};
pub use email::Email;
pub use name::{Civility, PersonName};
pub use phone::{Phone, PhoneKind};

/// An ISO 3166-1 alpha-2 country code, upper case: the default country of a
/// source's phone numbers and addresses.
///
/// ```
/// use omnicanal::normalize::Region;
/// assert_eq!("fr".parse::<Region>()?, Region::FR);
/// assert_eq!(Region::FR.as_str(), "FR");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Region([u8; 2]);

impl Region {
    /// France, the default.
    pub const FR: Region = Region(*b"FR");

    /// The two-letter code.
    pub fn as_str(&self) -> &str {
        // Only ASCII upper-case letters are ever stored.
        std::str::from_utf8(&self.0).unwrap_or("??")
    }
}

impl Default for Region {
    fn default() -> Self {
        Region::FR
    }
}

impl fmt::Debug for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Region {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s.trim().as_bytes() {
            [a, b] if a.is_ascii_alphabetic() && b.is_ascii_alphabetic() => {
                Ok(Region([a.to_ascii_uppercase(), b.to_ascii_uppercase()]))
            }
            _ => Err(Error::new(ErrorKind::InvalidValue {
                reason: "a region is a two-letter ISO 3166 code".into(),
            })),
        }
    }
}

impl TryFrom<String> for Region {
    type Error = Error;
    fn try_from(s: String) -> Result<Self, Error> {
        s.parse()
    }
}

impl From<Region> for String {
    fn from(r: Region) -> String {
        r.as_str().to_owned()
    }
}

/// How one source's values are read. Plain data, one per source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct NormalizeOptions {
    /// Country of national phone numbers and of addresses without a country.
    pub region: Region,
    /// Order of day, month and year in numeric dates.
    pub date_order: DateOrder,
    /// Two-digit years below this are 20xx, the others 19xx.
    pub century_pivot: u8,
    /// IANA time zone of timestamps written without an offset.
    pub time_zone: String,
}

impl Default for NormalizeOptions {
    fn default() -> Self {
        NormalizeOptions {
            region: Region::FR,
            date_order: DateOrder::Dmy,
            century_pivot: 30,
            time_zone: "Europe/Paris".into(),
        }
    }
}

/// A value that was present but gave nothing usable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct FieldIssue {
    /// The field.
    pub field: Field,
    /// Why, in a few words (never the value).
    pub reason: &'static str,
}

/// A record's comparable form. Derived from a [`Record`] by [`normalize`].
///
/// Serializable both ways (snapshots of the live resolver keep records in
/// this form), except for [`issues`](Self::issues), which report on the
/// normalization that made the record and are not kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NormalizedRecord {
    /// The record's identity.
    pub key: SourceKey,
    /// The civility, from its own field or found in a full name.
    pub civility: Option<Civility>,
    /// Every name the record gives (a birth and a married family name give two).
    pub names: Names,
    /// Birth date, full or partial (a birth year alone gives a year-only date).
    pub birth: Option<PartialDate>,
    /// Valid emails, deduplicated on their normalized form.
    pub emails: Emails,
    /// Valid phones, deduplicated on E.164.
    pub phones: Phones,
    /// Non-empty addresses, in the record's order.
    pub addresses: Vec<NormalizedAddress>,
    /// Identifiers, upper-cased with spaces and separators removed.
    pub identifiers: Vec<(IdentifierKind, CompactString)>,
    /// When the source created the record.
    pub created_at: Option<jiff::Timestamp>,
    /// When the source last updated the record.
    pub updated_at: Option<jiff::Timestamp>,
    /// Values that were present but unusable.
    #[serde(skip)]
    pub issues: Vec<FieldIssue>,
}

/// A normalizer prepared for one source's options (time zone resolved once).
#[derive(Debug, Clone)]
pub struct Normalizer {
    options: NormalizeOptions,
    tz: jiff::tz::TimeZone,
}

impl Normalizer {
    /// Prepares a normalizer; fails on an unknown time zone.
    pub fn new(options: NormalizeOptions) -> Result<Self, Error> {
        let tz = jiff::tz::TimeZone::get(&options.time_zone).map_err(|_| {
            Error::new(ErrorKind::Config {
                reason: format!("unknown time zone {:?}", options.time_zone),
            })
        })?;
        Ok(Normalizer { options, tz })
    }

    /// The options this normalizer reads with.
    pub fn options(&self) -> &NormalizeOptions {
        &self.options
    }

    /// Normalizes one record. Values that give nothing usable are left out
    /// and reported in [`NormalizedRecord::issues`]; duplicates (the same
    /// E.164 twice, the same mailbox in two spellings) are kept once.
    ///
    /// ```
    /// use omnicanal::normalize::{NormalizeOptions, Normalizer};
    /// use omnicanal::{Channel, Field, Record, SourceKey};
    /// let normalizer = Normalizer::new(NormalizeOptions::default())?;
    /// let record = Record::builder(SourceKey::new(Channel::CallCentre, "C-9")?)
    ///     .full_name("Mme Dupont Marie")?
    ///     .phone("06 12 34 56 78")?
    ///     .phone("+33 (0)6.12.34.56.78")?
    ///     .phone("12")?
    ///     .build();
    /// let n = normalizer.normalize(&record);
    /// assert_eq!(n.phones.len(), 1);
    /// assert_eq!(n.issues.len(), 1);
    /// assert_eq!(n.issues[0].field, Field::Phone);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn normalize(&self, record: &Record) -> NormalizedRecord {
        let options = &self.options;
        let mut issues = Vec::new();

        let (civility, names) = name::normalize_names(
            record.civility.as_deref(),
            &record.given_names,
            &record.family_names,
            &record.full_names,
        );
        let has_name_text = !(record.given_names.is_empty()
            && record.family_names.is_empty()
            && record.full_names.is_empty());
        if names.is_empty() && has_name_text {
            issues.push(FieldIssue {
                field: Field::FullName,
                reason: "no usable name",
            });
        }

        let mut birth = None;
        if let Some(raw) = &record.birth_date {
            match date::parse_date(raw, options.date_order, options.century_pivot) {
                Ok(d) => birth = Some(d),
                Err(e) => issues.push(FieldIssue {
                    field: Field::BirthDate,
                    reason: e.as_str(),
                }),
            }
        }
        if let (None, Some(raw)) = (birth, &record.birth_year) {
            match date::parse_date(raw, options.date_order, options.century_pivot) {
                Ok(d) => birth = Some(d),
                Err(e) => issues.push(FieldIssue {
                    field: Field::BirthYear,
                    reason: e.as_str(),
                }),
            }
        }

        let mut emails = Emails::with_capacity(record.emails.len());
        for raw in &record.emails {
            match email::normalize_email(raw) {
                Ok(e) if emails.iter().all(|x| x.normalized != e.normalized) => emails.push(e),
                Ok(_) => {}
                Err(e) => issues.push(FieldIssue {
                    field: Field::Email,
                    reason: e.as_str(),
                }),
            }
        }

        let mut phones = Phones::with_capacity(record.phones.len());
        for raw in &record.phones {
            match phone::normalize_phone(raw, options.region) {
                Ok(p) if phones.iter().all(|x| x.e164 != p.e164) => phones.push(p),
                Ok(_) => {}
                Err(e) => issues.push(FieldIssue {
                    field: Field::Phone,
                    reason: e.as_str(),
                }),
            }
        }

        let mut addresses = Vec::with_capacity(record.addresses.len());
        for raw in &record.addresses {
            let a = address::normalize_address(raw, options.region);
            if a.is_empty() {
                issues.push(FieldIssue {
                    field: Field::Street,
                    reason: "no usable address component",
                });
            } else if !addresses.contains(&a) {
                addresses.push(a);
            }
        }

        let mut identifiers = Vec::with_capacity(record.identifiers.len());
        for ident in &record.identifiers {
            let value = normalize_identifier(&ident.value);
            if value.is_empty() {
                issues.push(FieldIssue {
                    field: identifier_field(&ident.kind),
                    reason: "no letters or digits",
                });
            } else {
                identifiers.push((ident.kind.clone(), value));
            }
        }

        let mut timestamp = |raw: &Option<String>, field: Field| {
            let raw = raw.as_deref()?;
            date::parse_timestamp(raw, options.date_order, &self.tz)
                .map_err(|e| {
                    issues.push(FieldIssue {
                        field,
                        reason: e.as_str(),
                    })
                })
                .ok()
        };
        let created_at = timestamp(&record.created_at, Field::CreatedAt);
        let updated_at = timestamp(&record.updated_at, Field::UpdatedAt);

        NormalizedRecord {
            key: record.key.clone(),
            civility,
            names,
            birth,
            emails,
            phones,
            addresses,
            identifiers,
            created_at,
            updated_at,
            issues,
        }
    }
}

/// Normalizes one record with the default (French) options.
pub fn normalize(record: &Record) -> NormalizedRecord {
    static DEFAULT: std::sync::LazyLock<Normalizer> = std::sync::LazyLock::new(|| Normalizer {
        options: NormalizeOptions::default(),
        tz: jiff::tz::TimeZone::get("Europe/Paris").unwrap_or(jiff::tz::TimeZone::UTC),
    });
    DEFAULT.normalize(record)
}

/// An identifier's comparable form: letters and digits only, upper-cased
/// (`4001 2345-67` and `4001234567` are one card).
///
/// ```
/// use omnicanal::normalize::normalize_identifier;
/// assert_eq!(normalize_identifier(" ab-12 34 "), "AB1234");
/// ```
pub fn normalize_identifier(raw: &str) -> CompactString {
    if raw.is_ascii() && raw.len() <= STACK_IDENTIFIER {
        // Fast path: identifiers are short and ASCII in every export; bytes
        // need no `char` decoding nor the general upper-casing tables, and
        // are gathered on the stack so that only the result is stored
        // (inline up to 24 bytes).
        let mut stack = [0u8; STACK_IDENTIFIER];
        let mut len = 0;
        for b in raw.bytes().filter(u8::is_ascii_alphanumeric) {
            stack[len] = b.to_ascii_uppercase();
            len += 1;
        }
        // ASCII bytes only, so always UTF-8 (the check is one fast pass).
        if let Ok(out) = std::str::from_utf8(&stack[..len]) {
            return CompactString::new(out);
        }
    }
    normalize_identifier_chars(raw)
}

/// Longest ASCII identifier gathered on the stack (a UUID is 36 bytes).
const STACK_IDENTIFIER: usize = 64;

/// [`normalize_identifier`] of any text, character by character.
fn normalize_identifier_chars(raw: &str) -> CompactString {
    raw.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_uppercase)
        .collect()
}

fn identifier_field(kind: &IdentifierKind) -> Field {
    match kind {
        IdentifierKind::LoyaltyCard => Field::LoyaltyCard,
        IdentifierKind::AccountId => Field::AccountId,
        IdentifierKind::AppUserId => Field::AppUserId,
        IdentifierKind::DeviceId => Field::DeviceId,
        IdentifierKind::Named(_) => Field::Identifier,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    use crate::record::Channel;

    /// The usual record (one name, one email, one phone, a short source id)
    /// is normalized without moving any of them to the heap, and a second
    /// value still spills.
    #[test]
    fn single_values_are_held_inline() -> Result<(), Error> {
        let normalizer = Normalizer::new(NormalizeOptions::default())?;
        let mut b = Record::builder(SourceKey::new(Channel::Store, "4001234")?);
        b.given_name("Marie")?;
        b.family_name("Dupont")?;
        b.email("marie.dupont@orange.fr")?;
        b.phone("06 12 34 56 78")?;
        let n = normalizer.normalize(&b.build());
        assert_eq!((n.names.len(), n.emails.len(), n.phones.len()), (1, 1, 1));
        assert!(!n.names.spilled() && !n.emails.spilled() && !n.phones.spilled());
        assert!(!n.key.id.is_heap_allocated());

        b.phone("01 43 55 66 77")?;
        let n = normalizer.normalize(&b.build());
        assert_eq!(n.phones.len(), 2);
        assert!(n.phones.spilled());
        Ok(())
    }

    /// Snapshots and JSON exports were written when these fields were
    /// `Vec`s: the inline vectors must write the same bytes and read them back.
    #[test]
    fn inline_vectors_serialize_as_vecs() {
        let phones = [
            Phone {
                e164: "+33612345678".into(),
                kind: PhoneKind::Mobile,
            },
            Phone {
                e164: "+33143556677".into(),
                kind: PhoneKind::Landline,
            },
        ];
        for n in 0..=phones.len() {
            let vec = phones[..n].to_vec();
            let inline: Phones = phones[..n].iter().cloned().collect();
            let bytes = postcard::to_allocvec(&vec).unwrap();
            assert_eq!(postcard::to_allocvec(&inline).unwrap(), bytes);
            assert_eq!(postcard::from_bytes::<Phones>(&bytes).unwrap(), inline);
            let json = serde_json::to_string(&vec).unwrap();
            assert_eq!(serde_json::to_string(&inline).unwrap(), json);
            assert_eq!(serde_json::from_str::<Phones>(&json).unwrap(), inline);
        }
    }

    proptest! {
        #[test]
        fn identifier_byte_path_agrees_with_char_path(raw in "[\\x00-\\x7f]{0,40}") {
            prop_assert_eq!(normalize_identifier(&raw), normalize_identifier_chars(&raw));
        }
    }
}
