//! Generic values: contact values shared by too many different people to say
//! anything about identity.
//!
//! Retail data is full of them: the store's own phone typed at the till for
//! hundreds of customers who would not give theirs, `pasdemail@enseigne.fr`,
//! the head-office address of a company whose employees all use it, a
//! placeholder loyalty card. Blocking on such a value makes one huge block of
//! unrelated people, and comparing on it makes strangers look alike.
//!
//! **The rule.** An email, phone, street-level address or identifier is
//! *generic* when the records carrying it give more than
//! [`GenericSettings::max_distinct_family_names`] different family names
//! (default 10). Family names, not records, are counted: one customer with
//! twenty accounts is one name and stays a good key, a household landline
//! gives two or three names and stays one, while a shop's number gives dozens.
//! Records without a family name do not count (they give no evidence either
//! way; the block-size guard bounds what they can cost).
//!
//! A generic value is never used as a blocking key, and [`GenericValues`]
//! tells the comparison stage to ignore it as evidence. Values are kept as
//! 64-bit hashes (never the text): a different value with the same hash would
//! be taken for generic, which at a few hundred generic values among 10⁷ has
//! a probability near 10⁻¹⁰.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::key::{KeyHasher, address_value_hash, hash_bytes};
use crate::normalize::{Email, NormalizedAddress, NormalizedRecord, Phone};
use crate::record::IdentifierKind;

/// How generic values are detected. Plain data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct GenericSettings {
    /// A value carried by records with more distinct family names than this
    /// is generic.
    pub max_distinct_family_names: usize,
}

impl Default for GenericSettings {
    fn default() -> Self {
        GenericSettings {
            max_distinct_family_names: 10,
        }
    }
}

/// The kind of value a generic value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GenericField {
    /// A normalized email.
    Email,
    /// An E.164 phone.
    Phone,
    /// A street-level address (number, street, postcode or commune).
    Address,
    /// An identifier of any kind (the kind is part of the hash).
    Identifier,
}

impl GenericField {
    const ALL: [GenericField; 4] = [
        GenericField::Email,
        GenericField::Phone,
        GenericField::Address,
        GenericField::Identifier,
    ];

    fn tag(self) -> u64 {
        match self {
            GenericField::Email => 0,
            GenericField::Phone => 1,
            GenericField::Address => 2,
            GenericField::Identifier => 3,
        }
    }

    fn from_hash(hash: u64) -> GenericField {
        // The top two bits are the tag (see `tagged`), so the index is < 4.
        GenericField::ALL[(hash >> 62) as usize]
    }
}

/// The hash with the field's tag in its top two bits, so that equal text in
/// two fields never meets and the field can be read back from the hash.
fn tagged(field: GenericField, hash: u64) -> u64 {
    (field.tag() << 62) | (hash >> 2)
}

fn value_hash(field: GenericField, value: &str) -> u64 {
    tagged(field, hash_bytes(value.as_bytes()))
}

fn identifier_hash(kind: &IdentifierKind, value: &str) -> u64 {
    let mut h = KeyHasher::new();
    match kind {
        IdentifierKind::LoyaltyCard => h.write(b"loyalty_card"),
        IdentifierKind::AccountId => h.write(b"account_id"),
        IdentifierKind::AppUserId => h.write(b"app_user_id"),
        IdentifierKind::DeviceId => h.write(b"device_id"),
        IdentifierKind::Named(name) => h.write(b"named:").write(name.as_bytes()),
    };
    h.write(b"\x1f").write(value.as_bytes());
    tagged(GenericField::Identifier, h.finish())
}

/// One generic value, by hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct GenericValue {
    /// What kind of value it is.
    pub field: GenericField,
    /// The value's hash (field tag in the top two bits).
    pub hash: u64,
    /// How many distinct family names the records carrying it give.
    pub distinct_family_names: usize,
}

/// The generic values found in a batch. Ask it about a value before using the
/// value as evidence.
///
/// ```
/// use omnicanal::block::GenericValues;
/// use omnicanal::normalize::{Phone, PhoneKind};
/// let generic = GenericValues::default();
/// let phone = Phone { e164: "+33140000000".into(), kind: PhoneKind::Landline };
/// assert!(!generic.is_generic_phone(&phone));
/// ```
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GenericValues {
    /// Sorted by hash.
    values: Vec<GenericValue>,
}

impl GenericValues {
    /// Finds the generic values of a batch (see [`GenericSettings`] for
    /// the rule). Parallel; the result does not depend on the thread count or
    /// on the order of records and values.
    pub fn detect(records: &[NormalizedRecord], settings: &GenericSettings) -> GenericValues {
        // (value hash, family-name hash) for every value and name of every
        // record; sorted and deduplicated, each value's run length is its
        // number of distinct family names.
        let mut incidences: Vec<(u64, u64)> = records
            .par_chunks(4096)
            .flat_map_iter(|chunk| {
                let mut out = Vec::new();
                let mut families = Vec::new();
                for record in chunk {
                    value_incidences(record, &mut families, &mut out);
                }
                out
            })
            .collect();
        incidences.par_sort_unstable();
        incidences.dedup();
        let mut values = Vec::new();
        for run in incidences.chunk_by(|a, b| a.0 == b.0) {
            if run.len() > settings.max_distinct_family_names {
                let hash = run[0].0;
                values.push(GenericValue {
                    field: GenericField::from_hash(hash),
                    hash,
                    distinct_family_names: run.len(),
                });
            }
        }
        GenericValues { values }
    }

    /// The generic values, by hash.
    pub fn values(&self) -> &[GenericValue] {
        &self.values
    }

    /// How many values are generic.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// True when no value is generic.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// How many generic values are of this kind.
    pub fn count(&self, field: GenericField) -> usize {
        self.values.iter().filter(|v| v.field == field).count()
    }

    /// True when this normalized email, E.164 phone or street-level address
    /// text is generic. For identifiers use [`is_generic_identifier`](Self::is_generic_identifier),
    /// whose hash includes the kind.
    pub fn contains(&self, field: GenericField, value: &str) -> bool {
        self.contains_hash(value_hash(field, value))
    }

    /// True when the email's normalized form is generic.
    pub fn is_generic_email(&self, email: &Email) -> bool {
        !self.is_empty() && self.contains(GenericField::Email, &email.normalized)
    }

    /// True when the phone is generic.
    pub fn is_generic_phone(&self, phone: &Phone) -> bool {
        !self.is_empty() && self.contains(GenericField::Phone, &phone.e164)
    }

    /// True when the address, at street level, is generic.
    pub fn is_generic_address(&self, address: &NormalizedAddress) -> bool {
        !self.is_empty()
            && address_value_hash(address)
                .is_some_and(|h| self.contains_hash(tagged(GenericField::Address, h)))
    }

    /// True when this identifier value of this kind is generic.
    pub fn is_generic_identifier(&self, kind: &IdentifierKind, value: &str) -> bool {
        !self.is_empty() && self.contains_hash(identifier_hash(kind, value))
    }

    fn contains_hash(&self, hash: u64) -> bool {
        self.values.binary_search_by_key(&hash, |v| v.hash).is_ok()
    }
}

impl std::fmt::Debug for GenericValues {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Counts only: a phone's hash can be found again by trying every
        // number, so hashes are not printed where logs would keep them.
        f.debug_struct("GenericValues")
            .field("emails", &self.count(GenericField::Email))
            .field("phones", &self.count(GenericField::Phone))
            .field("addresses", &self.count(GenericField::Address))
            .field("identifiers", &self.count(GenericField::Identifier))
            .finish()
    }
}

/// Pushes `(value hash, family hash)` for each of the record's values and
/// distinct family names.
fn value_incidences(record: &NormalizedRecord, families: &mut Vec<u64>, out: &mut Vec<(u64, u64)>) {
    families.clear();
    families.extend(
        record
            .names
            .iter()
            .filter(|n| !n.family.is_empty())
            .map(|n| hash_bytes(n.family.as_bytes())),
    );
    if families.is_empty() {
        return;
    }
    families.sort_unstable();
    families.dedup();
    let mut push = |value: u64| out.extend(families.iter().map(|&f| (value, f)));
    for email in &record.emails {
        push(value_hash(GenericField::Email, &email.normalized));
    }
    for phone in &record.phones {
        push(value_hash(GenericField::Phone, &phone.e164));
    }
    for address in &record.addresses {
        if let Some(h) = address_value_hash(address) {
            push(tagged(GenericField::Address, h));
        }
    }
    for (kind, value) in &record.identifiers {
        push(identifier_hash(kind, value));
    }
}
