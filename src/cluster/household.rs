//! The household guard: members of one household share an address, a
//! landline and often a family name, which is exactly what a weak matcher
//! links on. Different given names under one roof are different people.

use std::fmt;

use super::guard::{MergeGuard, RefusalReason};
use super::profile::{
    Family, Few, GivenName, NamePart, Profiled, any_compatible, ordered_by, smallest_conflict,
    sorted_intersect, union_profiles,
};
use crate::normalize::{Email, NormalizedAddress, NormalizedRecord, Phone, PhoneKind};
use crate::record::RecordId;

/// Refuses to unite two clusters when a record of one and a record of the
/// other share a place (the same postcode and street, the same landline, the
/// same mailbox, or only the same postcode) and a family name, but their
/// given names are not compatible (see
/// [`StrongFactsGuard`](super::StrongFactsGuard) for compatibility): spouses,
/// parent and child, siblings.
///
/// Only landlines count as a place: a mobile is personal, and two records
/// sharing one are more likely one person. The house number is not part of
/// the address key, because sources often omit it; two households of one
/// family name on one street stay apart just the same, which is right.
///
/// Known gap: a father and son with the same given name at one address are
/// not told apart (their names are compatible); the strong-facts guard does
/// not either, since it needs incompatible names too.
///
/// Record ids index `records`; an id past its end counts as a record with
/// no facts.
#[derive(Clone, Copy)]
pub struct HouseholdGuard<'r> {
    records: &'r [NormalizedRecord],
}

impl<'r> HouseholdGuard<'r> {
    /// A guard over these records, indexed by [`RecordId`].
    pub fn new(records: &'r [NormalizedRecord]) -> Self {
        HouseholdGuard { records }
    }
}

impl fmt::Debug for HouseholdGuard<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HouseholdGuard")
            .field("records", &self.records.len())
            .finish()
    }
}

/// Where a household lives, as far as records tell: a reference to the
/// record's address, phone or email (a pointer, where the texts themselves
/// would take twice or four times the room in every profile), compared as
/// the texts it stands for.
#[derive(Clone, Copy, Default)]
enum Place<'r> {
    /// Postcode and street, both folded and trimmed (both present).
    Address(&'r NormalizedAddress),
    /// A landline in E.164.
    Landline(&'r Phone),
    /// An identifying email: couples share one (`paulineetrobert@…`,
    /// `famille.david@…`), and a shared mailbox is a home, not a person.
    Mailbox(&'r Email),
    /// Only fills the unused slots of a [`Few`]; never compared.
    #[default]
    Unused,
}

/// An address's trimmed postcode, `""` when it has none.
fn postcode_of(address: &NormalizedAddress) -> &str {
    address.postcode.as_deref().map_or("", str::trim)
}

/// An address's trimmed street, `""` when it has none.
fn street_of(address: &NormalizedAddress) -> &str {
    address.street.as_deref().map_or("", str::trim)
}

impl Place<'_> {
    /// The variant's rank, then its texts: addresses, landlines, mailboxes.
    fn key(&self) -> (u8, &str, &str) {
        match self {
            Place::Address(a) => (0, postcode_of(a), street_of(a)),
            Place::Landline(p) => (1, p.e164.as_str(), ""),
            Place::Mailbox(e) => (2, e.normalized.as_str(), ""),
            Place::Unused => (3, "", ""),
        }
    }
}

ordered_by!(key, impl['r] Place<'r>);

/// An address's postcode, compared as its trimmed text.
#[derive(Clone, Copy, Default)]
struct Area<'r>(Option<&'r NormalizedAddress>);

impl Area<'_> {
    fn text(&self) -> &str {
        self.0.map_or("", postcode_of)
    }
}

ordered_by!(text, impl['r] Area<'r>);

/// The facts of one record this guard compares, borrowed from the record.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct HouseholdFacts<'r> {
    places: Few<Place<'r>>,
    /// Postcodes: the call centre often keeps only the postcode and town,
    /// and one family name with incompatible given names in one postcode is
    /// a family, not a person (the rarer the name, the likelier: and rare
    /// names are exactly those whose agreement weighs most).
    areas: Few<Area<'r>>,
    families: Few<NamePart<'r, Family>>,
    givens: Few<GivenName<'r>>,
}

impl<'r> HouseholdFacts<'r> {
    fn of(record: &'r NormalizedRecord) -> Option<HouseholdFacts<'r>> {
        let addresses = record
            .addresses
            .iter()
            .filter(|a| !postcode_of(a).is_empty() && !street_of(a).is_empty())
            .map(Place::Address);
        let landlines = record
            .phones
            .iter()
            .filter(|p| p.kind == PhoneKind::Landline && !p.e164.is_empty())
            .map(Place::Landline);
        let mailboxes = record
            .emails
            .iter()
            .filter(|e| e.identifying && !e.normalized.is_empty())
            .map(Place::Mailbox);
        let places: Few<Place<'r>> = addresses.chain(landlines).chain(mailboxes).collect();
        let areas: Few<Area<'r>> = record
            .addresses
            .iter()
            .filter(|a| !postcode_of(a).is_empty())
            .map(|a| Area(Some(a)))
            .collect();
        let families: Few<NamePart<'r, Family>> =
            record.names.iter().filter_map(NamePart::of).collect();
        let givens = GivenName::all_of(&record.names);
        ((!places.is_empty() || !areas.is_empty()) && !families.is_empty() && !givens.is_empty())
            .then_some(HouseholdFacts {
                places,
                areas,
                families,
                givens,
            })
    }

    fn conflict(&self, other: &HouseholdFacts<'_>) -> bool {
        (sorted_intersect(&self.places, &other.places)
            || sorted_intersect(&self.areas, &other.areas))
            && sorted_intersect(&self.families, &other.families)
            && !any_compatible(&self.givens, &other.givens)
    }
}

/// What [`HouseholdGuard`] remembers of a cluster: the distinct
/// (places, family names, given names) profiles of its records, at most
/// [`MAX_PROFILES`](super::MAX_PROFILES) of them, each with at most
/// [`MAX_VALUES_PER_RECORD`](super::MAX_VALUES_PER_RECORD) values of a kind.
/// `Debug` shows the count only.
///
/// It borrows places and names from the records the guard was made over
/// (`'r`), so that summarizing and merging copy no text.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct HouseholdSummary<'r> {
    profiles: Vec<Profiled<HouseholdFacts<'r>>>,
}

impl HouseholdSummary<'_> {
    /// How many distinct profiles the summary holds.
    pub fn len(&self) -> usize {
        self.profiles.len()
    }

    /// True when no record of the cluster has a place, a family name and a
    /// given name.
    pub fn is_empty(&self) -> bool {
        self.profiles.is_empty()
    }
}

impl fmt::Debug for HouseholdSummary<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HouseholdSummary({} profiles)", self.profiles.len())
    }
}

impl<'r> MergeGuard for HouseholdGuard<'r> {
    type Summary = HouseholdSummary<'r>;

    fn summarize(&self, record: RecordId) -> HouseholdSummary<'r> {
        let facts = self
            .records
            .get(record.index())
            .and_then(HouseholdFacts::of);
        HouseholdSummary {
            profiles: facts
                .map(|facts| Profiled { facts, record })
                .into_iter()
                .collect(),
        }
    }

    fn check(
        &self,
        a: &HouseholdSummary<'r>,
        b: &HouseholdSummary<'r>,
    ) -> Result<(), RefusalReason> {
        if a.is_empty() || b.is_empty() {
            return Ok(());
        }
        match smallest_conflict(&a.profiles, &b.profiles, HouseholdFacts::conflict) {
            Some(records) => Err(RefusalReason::Household { records }),
            None => Ok(()),
        }
    }

    fn merge(&self, a: HouseholdSummary<'r>, b: HouseholdSummary<'r>) -> HouseholdSummary<'r> {
        HouseholdSummary {
            profiles: union_profiles(a.profiles, b.profiles),
        }
    }
}
