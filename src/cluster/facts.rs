//! The strong-facts guard: birth dates further apart than a typing slip, or
//! different birth dates with incompatible given names, mean different
//! people, however many weak links join them.

use std::fmt;

use super::guard::{MergeGuard, RefusalReason};
use super::profile::{Few, GivenName, Profiled, any_compatible, smallest_conflict, union_profiles};
use crate::normalize::{NormalizedRecord, PartialDate};
use crate::record::RecordId;

/// Refuses to unite two clusters when a record of one and a record of the
/// other both have a birth date (full, or a year with or without its month)
/// and either the dates are more than a typing slip apart (not equal, not
/// day/month swapped, more than one digit of `yyyymmdd` different; between
/// a year-only date and another, more than one digit of the year, and of
/// the month when both have one), or the dates differ even allowing a
/// day/month swap (`05/03/1980` typed as `03/05/1980`) and their given
/// names are not compatible (not the same canonical name, neither
/// abbreviates nor begins the other, Jaro-Winkler below
/// [`GIVEN_NAME_JARO_WINKLER`](super::GIVEN_NAME_JARO_WINKLER)).
///
/// Year-only dates count because a chain of name-only links (store record,
/// call-centre record without a date, app record with a year) otherwise
/// joins two namesakes born years apart.
///
/// Every pair across the two clusters is checked, so a conflict is caught
/// even when the clusters were reached through a chain of weaker links, and
/// a cluster never holds two records this guard would refuse on their own
/// (up to [`MAX_PROFILES`](super::MAX_PROFILES) distinct profiles per cluster).
/// Records without a birth date or without a given name never conflict.
///
/// Record ids index `records`; an id past its end counts as a record with
/// no facts.
///
/// ```
/// use omnicanal::cluster::{MergeGuard, StrongFactsGuard};
/// use omnicanal::normalize::{NormalizedRecord, PartialDate, PersonName};
/// use omnicanal::{Channel, RecordId, SourceKey};
///
/// let person = |id: &str, given: &str, day: u8| NormalizedRecord {
///     key: SourceKey::new(Channel::Store, id).unwrap(),
///     civility: None,
///     names: [PersonName {
///         given: given.into(),
///         given_canonical: given.into(),
///         initials: given[..1].into(),
///         family: "dupont".into(),
///         particles: Default::default(),
///     }].into_iter().collect(),
///     birth: Some(PartialDate { year: 1980, month: Some(3), day: Some(day) }),
///     emails: Default::default(), phones: Default::default(),
///     addresses: vec![], identifiers: vec![],
///     created_at: None, updated_at: None, issues: vec![],
/// };
/// let records = [
///     person("1", "marie", 5),
///     person("2", "paul", 12),
///     person("3", "marie", 15),
///     person("4", "paul", 28),
/// ];
/// let guard = StrongFactsGuard::new(&records);
/// let s = |i| guard.summarize(RecordId(i));
/// assert!(guard.check(&s(0), &s(1)).is_err()); // Marie 5 March, Paul 12 March
/// assert!(guard.check(&s(0), &s(2)).is_ok());  // same given name, one digit off: a typo
/// assert!(guard.check(&s(1), &s(3)).is_err()); // same given name, 12 vs 28: two people
/// ```
#[derive(Clone, Copy)]
pub struct StrongFactsGuard<'r> {
    records: &'r [NormalizedRecord],
}

impl<'r> StrongFactsGuard<'r> {
    /// A guard over these records, indexed by [`RecordId`].
    pub fn new(records: &'r [NormalizedRecord]) -> Self {
        StrongFactsGuard { records }
    }
}

impl fmt::Debug for StrongFactsGuard<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StrongFactsGuard")
            .field("records", &self.records.len())
            .finish()
    }
}

/// A full birth date.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct FullDate {
    year: u16,
    month: u8,
    day: u8,
}

impl FullDate {
    fn of(date: &PartialDate) -> Option<FullDate> {
        Some(FullDate {
            year: date.year,
            month: date.month?,
            day: date.day?,
        })
    }

    /// Equal, or equal once day and month are swapped: a source that wrote
    /// month first, or a clerk's slip, must not split one person in two.
    fn same_as(self, other: FullDate) -> bool {
        self == other
            || (self.year == other.year && self.month == other.day && self.day == other.month)
    }
}

/// A birth date as precise as the record has it: a full date, or a year
/// with or without its month (the app asks for the year only).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Birth {
    Full(FullDate),
    /// A year, and a month when known.
    Partial {
        year: u16,
        month: Option<u8>,
    },
}

impl Birth {
    fn of(date: &PartialDate) -> Birth {
        FullDate::of(date).map_or(
            Birth::Partial {
                year: date.year,
                month: date.month,
            },
            Birth::Full,
        )
    }

    /// The year and, when known, the month.
    fn year_month(self) -> (u16, Option<u8>) {
        match self {
            Birth::Full(d) => (d.year, Some(d.month)),
            Birth::Partial { year, month } => (year, month),
        }
    }

    /// Equal where both are known; for two full dates, also a day/month swap.
    fn same_as(self, other: Birth) -> bool {
        match (self, other) {
            (Birth::Full(a), Birth::Full(b)) => a.same_as(b),
            _ => {
                let ((ya, ma), (yb, mb)) = (self.year_month(), other.year_month());
                ya == yb && (ma.is_none() || mb.is_none() || ma == mb)
            }
        }
    }

    /// Equal where both are known or one typing slip away: for full dates,
    /// [`FullDate::within_a_slip_of`]; otherwise at most one digit different
    /// over the year, and the month when both have it.
    fn within_a_slip_of(self, other: Birth) -> bool {
        match (self, other) {
            (Birth::Full(a), Birth::Full(b)) => a.within_a_slip_of(b),
            _ => {
                let ((ya, ma), (yb, mb)) = (self.year_month(), other.year_month());
                let months = match (ma, mb) {
                    (Some(x), Some(y)) => differing_digits(u32::from(x), u32::from(y), 2),
                    _ => 0,
                };
                differing_digits(u32::from(ya), u32::from(yb), 4) + months <= 1
            }
        }
    }
}

/// How many of the last `digits` decimal digits of `a` and `b` differ.
fn differing_digits(mut a: u32, mut b: u32, digits: u32) -> u32 {
    let mut differing = 0;
    for _ in 0..digits {
        differing += u32::from(a % 10 != b % 10);
        a /= 10;
        b /= 10;
    }
    differing
}

/// The facts of one record this guard compares, borrowed from the record.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct StrongFacts<'r> {
    birth: Birth,
    givens: Few<GivenName<'r>>,
}

impl FullDate {
    /// The same date, or one typing slip away: day and month swapped, or one
    /// digit of `yyyymmdd` changed.
    fn within_a_slip_of(self, other: FullDate) -> bool {
        let yyyymmdd =
            |d: FullDate| u32::from(d.year) * 10_000 + u32::from(d.month) * 100 + u32::from(d.day);
        self.same_as(other) || differing_digits(yyyymmdd(self), yyyymmdd(other), 8) <= 1
    }
}

impl StrongFacts<'_> {
    /// Two birth dates further apart than a typing slip are two people,
    /// whatever their names (a mother and her daughter may share one); dates
    /// that differ at all, with given names that do not match either, too.
    /// A year-only record (the app's) is compared on its year.
    fn conflict(&self, other: &StrongFacts<'_>) -> bool {
        !self.birth.within_a_slip_of(other.birth)
            || (!self.birth.same_as(other.birth) && !any_compatible(&self.givens, &other.givens))
    }
}

/// What [`StrongFactsGuard`] remembers of a cluster: the distinct
/// (birth date, given names) profiles of its records, at most
/// [`MAX_PROFILES`](super::MAX_PROFILES). `Debug` shows the count only.
///
/// It borrows the given names from the records the guard was made over
/// (`'r`), so that summarizing and merging copy no text.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct StrongFactsSummary<'r> {
    profiles: Vec<Profiled<StrongFacts<'r>>>,
}

impl StrongFactsSummary<'_> {
    /// How many distinct profiles the summary holds.
    pub fn len(&self) -> usize {
        self.profiles.len()
    }

    /// True when no record of the cluster has both a birth date and a
    /// given name.
    pub fn is_empty(&self) -> bool {
        self.profiles.is_empty()
    }
}

impl fmt::Debug for StrongFactsSummary<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StrongFactsSummary({} profiles)", self.profiles.len())
    }
}

impl<'r> MergeGuard for StrongFactsGuard<'r> {
    type Summary = StrongFactsSummary<'r>;

    fn summarize(&self, record: RecordId) -> StrongFactsSummary<'r> {
        let facts = self.records.get(record.index()).and_then(|r| {
            let birth = Birth::of(r.birth.as_ref()?);
            let givens = GivenName::all_of(&r.names);
            (!givens.is_empty()).then_some(StrongFacts { birth, givens })
        });
        StrongFactsSummary {
            profiles: facts
                .map(|facts| Profiled { facts, record })
                .into_iter()
                .collect(),
        }
    }

    fn check(
        &self,
        a: &StrongFactsSummary<'r>,
        b: &StrongFactsSummary<'r>,
    ) -> Result<(), RefusalReason> {
        if a.is_empty() || b.is_empty() {
            return Ok(());
        }
        match smallest_conflict(&a.profiles, &b.profiles, StrongFacts::conflict) {
            Some(records) => Err(RefusalReason::ConflictingStrongFacts { records }),
            None => Ok(()),
        }
    }

    fn merge(
        &self,
        a: StrongFactsSummary<'r>,
        b: StrongFactsSummary<'r>,
    ) -> StrongFactsSummary<'r> {
        StrongFactsSummary {
            profiles: union_profiles(a.profiles, b.profiles),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_month_swap_is_the_same_date() {
        let d = |year, month, day| FullDate { year, month, day };
        assert!(d(1980, 3, 5).same_as(d(1980, 5, 3)));
        assert!(d(1980, 5, 3).same_as(d(1980, 3, 5)));
        assert!(d(1980, 3, 5).same_as(d(1980, 3, 5)));
        assert!(!d(1980, 3, 5).same_as(d(1981, 5, 3)));
        assert!(!d(1980, 3, 5).same_as(d(1980, 3, 6)));
    }

    #[test]
    fn partial_dates_are_not_full() {
        let year_only = PartialDate {
            year: 1980,
            month: None,
            day: None,
        };
        let month_only = PartialDate {
            month: Some(4),
            ..year_only
        };
        assert!(FullDate::of(&year_only).is_none());
        assert!(FullDate::of(&month_only).is_none());
    }

    #[test]
    fn a_year_only_date_conflicts_beyond_one_digit_of_the_year() {
        let year = |year| Birth::Partial { year, month: None };
        let full = |year, month, day| Birth::Full(FullDate { year, month, day });
        assert!(year(1972).within_a_slip_of(full(1972, 2, 16)));
        assert!(year(1972).same_as(full(1972, 2, 16)));
        assert!(year(1976).within_a_slip_of(full(1972, 2, 16)));
        assert!(!year(1976).same_as(full(1972, 2, 16)));
        assert!(!year(1968).within_a_slip_of(full(1972, 2, 16)));
        assert!(!full(1972, 2, 16).within_a_slip_of(year(1968)));
        let month = |year, month| Birth::Partial {
            year,
            month: Some(month),
        };
        assert!(!month(1972, 3).same_as(full(1972, 2, 16)));
        assert!(month(1972, 3).within_a_slip_of(full(1972, 2, 16)));
        assert!(!month(1973, 3).within_a_slip_of(full(1972, 2, 16)));
    }

    #[test]
    fn unknown_record_ids_summarize_to_nothing() {
        let guard = StrongFactsGuard::new(&[]);
        assert!(guard.summarize(RecordId(42)).is_empty());
        assert_eq!(format!("{guard:?}"), "StrongFactsGuard { records: 0 }");
    }
}
