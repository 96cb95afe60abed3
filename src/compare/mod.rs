//! Comparison: a candidate pair of normalized records to a comparison vector.
//!
//! Describe, then execute. [`ComparisonSettings`] is plain data — a list of
//! [`Comparison`]s, each with ordered levels as in Splink — and a
//! [`Comparator`] runs it:
//!
//! | level | meaning |
//! | --- | --- |
//! | 0 | null: a side has no usable value, no evidence either way |
//! | 1 | the strongest agreement (exact) |
//! | 2 … n−2 | weaker agreements, strongest first |
//! | n−1 | else: the values disagree |
//!
//! A pair gives one `u8` level per comparison, in settings order; the model
//! shape ([`ComparisonSettings::shape`]) is the number of levels of each.
//!
//! | comparison | levels after null, strongest first |
//! | --- | --- |
//! | given name | exact, swapped, nickname (`fred`/`frederic`), initials (`j`/`jean`), Jaro–Winkler ≥ 0.92, ≥ 0.85, else |
//! | family name | exact, swapped, close (one edit or JW ≥ 0.95: `dupont`/`dupond`), JW ≥ 0.88, else |
//! | birth date | exact, day/month swapped, one digit off, same year and month, same year, else |
//! | email | exact, same local part at another domain, one edit, else |
//! | phone | same mobile, same landline, mobile close (same last 8 digits or one digit off), else (a mobile against a landline: null) |
//! | address | same postcode + street + number, same postcode + street, same postcode, same city, else |
//! | identifier | same strong identifier, same device, else |
//!
//! For a batch, [`Comparator::prepare`] does the per-record work once and
//! [`Prepared::compare`] compares two records of the batch by index, with
//! exactly the levels of [`Comparator::compare`], several times faster (see
//! [`Prepared`]). A store whose records come and go prepares each one with
//! [`Comparator::prepare_record`] and compares with
//! [`Comparator::compare_prepared`].
//!
//! Multi-valued fields (names, emails, phones, addresses, identifiers) take the
//! strongest level over every pair of values, so the order of values never
//! matters. Names swapped between the given and family boxes give both name
//! comparisons their `swapped` level. Placeholder emails and values the
//! blocking stage found generic ([`GenericValues`]) count as missing.
//!
//! ```
//! use omnicanal::compare::Comparator;
//! use omnicanal::normalize::{NormalizedRecord, PersonName};
//! use omnicanal::{Channel, SourceKey};
//!
//! fn person(id: &str, given: &str, canonical: &str, family: &str) -> NormalizedRecord {
//!     NormalizedRecord {
//!         key: SourceKey::new(Channel::Store, id).unwrap(),
//!         civility: None,
//!         names: [PersonName {
//!             given: given.into(),
//!             given_canonical: canonical.into(),
//!             family: family.into(),
//!             ..PersonName::default()
//!         }].into_iter().collect(),
//!         birth: None,
//!         emails: Default::default(),
//!         phones: Default::default(),
//!         addresses: vec![],
//!         identifiers: vec![],
//!         created_at: None,
//!         updated_at: None,
//!         issues: vec![],
//!     }
//! }
//!
//! let comparator = Comparator::default();
//! let a = person("1", "fred", "frederic", "dupont");
//! let b = person("2", "frederic", "frederic", "dupond");
//! let mut levels = vec![0u8; comparator.len()];
//! comparator.compare(&a, &b, &mut levels);
//! assert_eq!(levels, [3, 3, 0, 0, 0, 0, 0]); // nickname, close, nothing else known
//!
//! let why = comparator.explain(&a, &b);
//! assert_eq!((why[0].comparison, why[0].level_name), ("given_name", "nickname"));
//! ```

mod address;
mod date;
mod email;
mod generic;
mod identifier;
mod name;
mod phone;
mod prepared;
mod settings;
mod similarity;

pub use generic::{GenericValueSet, GenericValues, NoGenericValues};
pub use prepared::{Prepared, PreparedRecord};
pub use settings::{Comparison, ComparisonKind, ComparisonSettings, ELSE_LEVEL, NULL_LEVEL};

use crate::error::Error;
use crate::normalize::NormalizedRecord;

/// The strongest of two levels, where 0 (null) is weaker than any agreement or
/// disagreement: the fold behind every best-of-pairs comparison.
pub(crate) fn stronger(best: u8, level: u8) -> u8 {
    match (best, level) {
        (0, l) | (l, 0) => l,
        (b, l) => b.min(l),
    }
}

/// Runs validated [`ComparisonSettings`] on pairs of records.
///
/// `G` says which values are generic ([`NoGenericValues`] by default). The
/// comparator is `Send + Sync` when `G` is, so one instance serves every
/// rayon worker; [`compare`](Self::compare) allocates nothing.
#[derive(Debug, Clone)]
pub struct Comparator<G = NoGenericValues> {
    settings: ComparisonSettings,
    level_names: Vec<Vec<String>>,
    generic: G,
}

impl Default for Comparator {
    /// The default French retail settings, no generic values.
    fn default() -> Self {
        let settings = ComparisonSettings::default();
        Comparator {
            level_names: settings.level_names(),
            settings,
            generic: NoGenericValues,
        }
    }
}

impl Comparator {
    /// A comparator for `settings`; fails when they do not validate
    /// ([`ComparisonSettings::validate`]).
    pub fn new(settings: ComparisonSettings) -> Result<Self, Error> {
        Comparator::with_generic_values(settings, NoGenericValues)
    }
}

/// One comparison's verdict on a pair, for explanations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LevelExplanation<'c> {
    /// The comparison's name.
    pub comparison: &'c str,
    /// The level (0 = null).
    pub level: u8,
    /// The level's name.
    pub level_name: &'c str,
}

impl<G: GenericValues> Comparator<G> {
    /// A comparator for `settings` that counts the values `generic` names as
    /// missing.
    pub fn with_generic_values(settings: ComparisonSettings, generic: G) -> Result<Self, Error> {
        settings.validate()?;
        Ok(Comparator {
            level_names: settings.level_names(),
            settings,
            generic,
        })
    }

    /// The settings run.
    pub fn settings(&self) -> &ComparisonSettings {
        &self.settings
    }

    /// How many comparisons a vector holds.
    pub fn len(&self) -> usize {
        self.settings.comparisons.len()
    }

    /// True when the settings have no comparison.
    pub fn is_empty(&self) -> bool {
        self.settings.comparisons.is_empty()
    }

    /// The model shape (see [`ComparisonSettings::shape`]).
    pub fn shape(&self) -> Vec<usize> {
        self.level_names.iter().map(Vec::len).collect()
    }

    /// The level names of each comparison, computed once.
    pub fn level_names(&self) -> &[Vec<String>] {
        &self.level_names
    }

    /// Writes the level of each comparison of `a` and `b` into `out`, in
    /// settings order. `out` should be [`len`](Self::len) long: extra entries
    /// are left alone, missing ones are not computed.
    ///
    /// Symmetric (`compare(a, b) == compare(b, a)`), no heap allocation for
    /// values up to 64 characters, exact checks before any fuzzy metric.
    pub fn compare(&self, a: &NormalizedRecord, b: &NormalizedRecord, out: &mut [u8]) {
        for (slot, comparison) in out.iter_mut().zip(&self.settings.comparisons) {
            *slot = self.level(&comparison.kind, a, b);
        }
    }

    /// [`compare`](Self::compare) into a new vector.
    pub fn compare_to_vec(&self, a: &NormalizedRecord, b: &NormalizedRecord) -> Vec<u8> {
        let mut out = vec![0; self.len()];
        self.compare(a, b, &mut out);
        out
    }

    /// Each comparison's name with its level and level name for `a` and `b`:
    /// the evidence behind a match, for people (not for the hot path).
    pub fn explain(&self, a: &NormalizedRecord, b: &NormalizedRecord) -> Vec<LevelExplanation<'_>> {
        self.settings
            .comparisons
            .iter()
            .zip(&self.level_names)
            .map(|(comparison, names)| {
                let level = self.level(&comparison.kind, a, b);
                LevelExplanation {
                    comparison: &comparison.name,
                    level,
                    level_name: names.get(usize::from(level)).map_or("?", String::as_str),
                }
            })
            .collect()
    }

    fn level(&self, kind: &ComparisonKind, a: &NormalizedRecord, b: &NormalizedRecord) -> u8 {
        match kind {
            ComparisonKind::GivenName { jaro_winkler } => {
                name::given_level(&a.names, &b.names, jaro_winkler)
            }
            ComparisonKind::FamilyName {
                close_jaro_winkler,
                jaro_winkler,
            } => name::family_level(&a.names, &b.names, *close_jaro_winkler, jaro_winkler),
            ComparisonKind::BirthDate => date::birth_level(a.birth.as_ref(), b.birth.as_ref()),
            ComparisonKind::Email {
                same_local_part_min_len,
            } => email::email_level(
                (&a.emails, &a.names),
                (&b.emails, &b.names),
                *same_local_part_min_len,
                &self.generic,
            ),
            ComparisonKind::Phone {
                mobile_suffix_digits,
            } => phone::phone_level(&a.phones, &b.phones, *mobile_suffix_digits, &self.generic),
            ComparisonKind::Address {
                street_jaro_winkler,
            } => address::address_level(
                &a.addresses,
                &b.addresses,
                *street_jaro_winkler,
                &self.generic,
            ),
            ComparisonKind::Identifier { strong, weak } => {
                identifier::identifier_level(&a.identifiers, &b.identifiers, strong, weak)
            }
        }
    }
}

#[cfg(test)]
mod tests;
