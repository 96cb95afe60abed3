//! What the person guards remember about a cluster: a bounded, sorted list of
//! per-record *profiles* (the few facts of one record a guard needs), and the
//! given-name compatibility both guards share.
//!
//! Why per-record profiles rather than one pooled set of dates and names per
//! cluster: pooled sets are not monotone. A cluster `{Marie 1980-03-05,
//! Marie 1980-07-01}` pooled with `{Jean 1980-07-01}` shares a date and would
//! pass, although Marie born on 5 March and Jean are plainly two people.
//! Checking every pair of profiles across the two clusters refuses that, and
//! gives the guarantee the tests state: no cluster holds two records the guard
//! would have kept apart on their own, and an edge once refused is never
//! made good later through a chain.

use crate::normalize::PersonName;
use crate::record::RecordId;

/// Most profiles a cluster summary keeps. A person has a handful of records;
/// past this, the summary keeps the [`MAX_PROFILES`] smallest profiles (in
/// the profiles' fixed order, so the choice does not depend on merge order)
/// and the guard stops seeing the others: it may then allow a merge it would
/// have refused. Clusters this large are suspicious anyway and show in
/// [`ClusterStats::largest_cluster`](super::ClusterStats::largest_cluster).
pub const MAX_PROFILES: usize = 16;

/// Most values of one kind (given names, family names, places) kept per
/// record; a record has one or two. Beyond, the smallest are kept.
pub const MAX_VALUES_PER_RECORD: usize = 4;

/// One record's facts, tagged with the record they came from (for the
/// refusal's witness). Ordered by facts first, so deduplication keeps the
/// smallest record id for equal facts.
// `Debug` only in tests: outside them it would print personal data.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord)]
#[cfg_attr(test, derive(Debug))]
pub(super) struct Profiled<F> {
    pub(super) facts: F,
    pub(super) record: RecordId,
}

/// The sorted union of two profile lists, one profile per distinct facts,
/// capped at [`MAX_PROFILES`]. Commutative and associative: it depends only
/// on the set of profiles, not on which cluster came first.
pub(super) fn union_profiles<F: Ord>(
    mut a: Vec<Profiled<F>>,
    b: Vec<Profiled<F>>,
) -> Vec<Profiled<F>> {
    a.extend(b);
    a.sort_unstable();
    a.dedup_by(|later, earlier| later.facts == earlier.facts);
    a.truncate(MAX_PROFILES);
    a
}

/// The smallest pair `(lo, hi)` of records, one from each list, whose facts
/// `conflict`; `None` when no pair does. Taking the smallest (not the first
/// found) makes the answer symmetric in `a` and `b`.
pub(super) fn smallest_conflict<F>(
    a: &[Profiled<F>],
    b: &[Profiled<F>],
    conflict: impl Fn(&F, &F) -> bool,
) -> Option<(RecordId, RecordId)> {
    let mut best: Option<(RecordId, RecordId)> = None;
    for x in a {
        for y in b {
            let pair = (x.record.min(y.record), x.record.max(y.record));
            if best.is_none_or(|b| pair < b) && conflict(&x.facts, &y.facts) {
                best = Some(pair);
            }
        }
    }
    best
}

/// Sorts, deduplicates and caps one record's values of one kind.
pub(super) fn bounded_set<T: Ord>(mut values: Vec<T>) -> Vec<T> {
    values.sort_unstable();
    values.dedup();
    values.truncate(MAX_VALUES_PER_RECORD);
    values
}

/// True when two sorted slices share a value (a merge walk, no allocation).
pub(super) fn sorted_intersect<T: Ord>(a: &[T], b: &[T]) -> bool {
    let (mut i, mut j) = (0, 0);
    while let (Some(x), Some(y)) = (a.get(i), b.get(j)) {
        match x.cmp(y) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => return true,
        }
    }
    false
}

/// A given name as the guards compare it.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord)]
#[cfg_attr(test, derive(Debug))]
pub(super) struct GivenName {
    /// Folded, nicknames resolved: `jean francois`.
    canonical: String,
    /// One letter per canonical token: `jf`.
    initials: String,
}

/// Jaro-Winkler similarity from which two given names count as variants of
/// one another (typos: `mathieu` / `matthieu`), while different names stay apart
/// (`pierre` / `sophie`). It is lenient with look-alike pairs that are in
/// fact different people (`jean` / `jeanne`, `marie claire` / `marie france`):
/// a guard that refuses too little only lets the score decide.
pub const GIVEN_NAME_JARO_WINKLER: f64 = 0.9;

impl GivenName {
    /// The given name of a person name, if it has one.
    pub(super) fn of(name: &PersonName) -> Option<GivenName> {
        let canonical = if name.given_canonical.trim().is_empty() {
            name.given.trim()
        } else {
            name.given_canonical.trim()
        };
        if canonical.is_empty() {
            return None;
        }
        // Re-join on single spaces so that stray blanks never make two
        // spellings of one name differ.
        let canonical = canonical.split_whitespace().collect::<Vec<_>>().join(" ");
        let initials = if name.initials.trim().is_empty() {
            canonical
                .split_whitespace()
                .filter_map(|t| t.chars().next())
                .collect()
        } else {
            name.initials.trim().to_owned()
        };
        Some(GivenName {
            canonical,
            initials,
        })
    }

    /// The given names of a record's names, bounded.
    pub(super) fn all_of(names: &[PersonName]) -> Vec<GivenName> {
        bounded_set(names.iter().filter_map(GivenName::of).collect())
    }

    /// True when the name is written as initials only (`j`, `j f`).
    fn is_initials_only(&self) -> bool {
        self.canonical
            .split_whitespace()
            .all(|t| t.chars().count() == 1)
    }

    /// `self`, written as initials, abbreviates `other`: `j f` for
    /// `jean francois`, and `j` for it too (second given names get dropped).
    fn abbreviates(&self, other: &GivenName) -> bool {
        self.is_initials_only()
            && !self.initials.is_empty()
            && other.initials.starts_with(&self.initials)
    }

    /// `self`'s tokens begin `other`'s: `marie` for `marie claire` (people
    /// use the first part of a compound given name).
    fn begins(&self, other: &GivenName) -> bool {
        let mut theirs = other.canonical.split_whitespace();
        self.canonical
            .split_whitespace()
            .all(|mine| theirs.next() == Some(mine))
    }

    /// Whether two given names may belong to one person: same canonical name,
    /// one abbreviates or begins the other, or Jaro-Winkler at least
    /// [`GIVEN_NAME_JARO_WINKLER`]. Symmetric by construction (each one-way
    /// rule is tried both ways; Jaro-Winkler gets its arguments in a fixed
    /// order).
    pub(super) fn compatible(&self, other: &GivenName) -> bool {
        if self.canonical == other.canonical
            || self.abbreviates(other)
            || other.abbreviates(self)
            || self.begins(other)
            || other.begins(self)
        {
            return true;
        }
        // Compound names compare word by word: `jean paul` and `jean luc` are
        // two people although the whole strings look alike.
        let (mine, theirs): (Vec<&str>, Vec<&str>) = (
            self.canonical.split_whitespace().collect(),
            other.canonical.split_whitespace().collect(),
        );
        if mine.len() == theirs.len() && mine.len() > 1 {
            return mine
                .iter()
                .zip(&theirs)
                .all(|(x, y)| words_compatible(x, y));
        }
        words_compatible(&self.canonical, &other.canonical)
    }
}

/// Two single given names that may be one person's: equal, or alike by
/// Jaro-Winkler (typos), unless they are the masculine and feminine forms of
/// one name (`martin`/`martine`, `jean`/`jeanne`, `daniel`/`danielle`,
/// `stephane`/`stephanie`): those are siblings and spouses, not typos.
fn words_compatible(x: &str, y: &str) -> bool {
    if x == y {
        return true;
    }
    let (x, y) = if x <= y { (x, y) } else { (y, x) };
    if gendered_pair(x, y) || gendered_pair(y, x) {
        return false;
    }
    strsim::jaro_winkler(x, y) >= GIVEN_NAME_JARO_WINKLER
}

/// `feminine` is `masculine` with a French feminine ending.
fn gendered_pair(masculine: &str, feminine: &str) -> bool {
    if let Some(ending) = feminine.strip_prefix(masculine) {
        return matches!(ending, "e" | "ne" | "le" | "te" | "tte");
    }
    // stephane / stephanie, melanie-like endings: the same stem, `e` / `ie`.
    match (masculine.strip_suffix('e'), feminine.strip_suffix("ie")) {
        (Some(a), Some(b)) => a == b && !a.is_empty(),
        _ => false,
    }
}

/// True when some name of `a` is compatible with some name of `b`.
pub(super) fn any_compatible(a: &[GivenName], b: &[GivenName]) -> bool {
    a.iter().any(|x| b.iter().any(|y| x.compatible(y)))
}

#[cfg(test)]
pub(super) mod tests {
    use proptest::prelude::*;

    use super::*;

    /// A person name as the name normalizer would give it (folded input).
    pub(crate) fn person_name(given_canonical: &str, family: &str) -> PersonName {
        PersonName {
            given: given_canonical.to_owned(),
            given_canonical: given_canonical.to_owned(),
            initials: given_canonical
                .split_whitespace()
                .filter_map(|t| t.chars().next())
                .collect(),
            family: family.to_owned(),
            particles: String::new(),
        }
    }

    fn given(s: &str) -> GivenName {
        GivenName::of(&person_name(s, "x")).unwrap()
    }

    #[test]
    fn compatible_given_names() {
        for (a, b) in [
            ("marie", "marie"),
            ("j", "jean"),
            ("j f", "jean francois"),
            ("j", "jean francois"),
            ("marie", "marie claire"),
            ("mathieu", "matthieu"),
            ("christophe", "cristophe"),
        ] {
            assert!(given(a).compatible(&given(b)), "{a} / {b}");
            assert!(given(b).compatible(&given(a)), "{b} / {a}");
        }
    }

    #[test]
    fn incompatible_given_names() {
        for (a, b) in [
            ("pierre", "sophie"),
            ("jean", "michel"),
            ("j", "michel"),
            ("j f", "jean michel"),
            ("anne", "sylvie"),
            ("nathalie", "isabelle"),
            ("lucas", "louise"),
        ] {
            assert!(!given(a).compatible(&given(b)), "{a} / {b}");
            assert!(!given(b).compatible(&given(a)), "{b} / {a}");
        }
    }

    #[test]
    fn a_name_without_given_part_has_no_given_name() {
        assert!(GivenName::of(&person_name("  ", "dupont")).is_none());
        let mut n = person_name("", "dupont");
        n.given = "jean".into();
        assert_eq!(GivenName::of(&n).map(|g| g.canonical), Some("jean".into()));
    }

    #[test]
    fn union_keeps_one_profile_per_facts_and_the_smallest_record() {
        let p = |f: u8, r: u32| Profiled {
            facts: f,
            record: RecordId(r),
        };
        let merged = union_profiles(vec![p(1, 9), p(3, 2)], vec![p(1, 4), p(2, 5)]);
        assert_eq!(merged, vec![p(1, 4), p(2, 5), p(3, 2)]);
        let big: Vec<_> = (0..40).map(|i| p(i, u32::from(i))).collect();
        assert_eq!(union_profiles(big, vec![]).len(), MAX_PROFILES);
    }

    #[test]
    fn smallest_conflict_is_symmetric() {
        let p = |f: u8, r: u32| Profiled {
            facts: f,
            record: RecordId(r),
        };
        let a = vec![p(1, 7), p(2, 3)];
        let b = vec![p(1, 5), p(2, 1)];
        // Conflicting pairs: 7–1 and 3–5; the smallest is (1, 7) whichever
        // list comes first, though the scan meets (3, 5) first one way round.
        let differ = |x: &u8, y: &u8| x != y;
        assert_eq!(
            smallest_conflict(&a, &b, differ),
            Some((RecordId(1), RecordId(7)))
        );
        assert_eq!(
            smallest_conflict(&b, &a, differ),
            Some((RecordId(1), RecordId(7)))
        );
        assert_eq!(smallest_conflict(&a, &b, |_, _| false), None);
    }

    fn arb_given() -> impl Strategy<Value = GivenName> {
        prop_oneof![
            "[a-z]{1,8}( [a-z]{1,8})?",
            "[a-z]( [a-z])?",
            prop::sample::select(vec![
                "jean",
                "jeanne",
                "jean pierre",
                "pierre",
                "marie",
                "marie claire",
                "j",
                "m c"
            ])
            .prop_map(str::to_owned),
        ]
        .prop_map(|s| given(&s))
    }

    proptest! {
        #[test]
        fn compatibility_is_symmetric_and_reflexive(a in arb_given(), b in arb_given()) {
            prop_assert_eq!(a.compatible(&b), b.compatible(&a));
            prop_assert!(a.compatible(&a));
        }

        #[test]
        fn sorted_intersect_equals_naive(
            a in prop::collection::btree_set(0u8..20, 0..6),
            b in prop::collection::btree_set(0u8..20, 0..6),
        ) {
            let (a, b): (Vec<_>, Vec<_>) = (a.into_iter().collect(), b.into_iter().collect());
            prop_assert_eq!(sorted_intersect(&a, &b), a.iter().any(|x| b.contains(x)));
        }
    }
}
