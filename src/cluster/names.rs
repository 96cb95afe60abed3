//! The names guard: two records whose given names and family names both
//! disagree are two people, however much household evidence links them.
//!
//! Fellegi–Sunter adds up evidence as if fields were independent; a household
//! breaks that. A shared family mailbox (`famille.benoit@…`), landline and
//! address sum to a strong score for two people with nothing in common but
//! their home. No real duplicate changes both its given and its family name
//! beyond recognition, so this guard refuses such merges outright.

use std::fmt;

use super::guard::{MergeGuard, RefusalReason};
use super::profile::{
    Family, Few, GivenName, NamePart, Profiled, WrittenGiven, any_compatible, smallest_conflict,
    union_profiles,
};
use crate::normalize::NormalizedRecord;
use crate::normalize::name::is_particle;
use crate::record::RecordId;

/// Jaro-Winkler similarity from which two family names count as variants
/// (`dupont` / `dupond`, `lefebvre` / `lefevre`).
pub const FAMILY_NAME_JARO_WINKLER: f64 = 0.88;

/// Refuses to unite two clusters when a record of one and a record of the
/// other both have given and family names, no given name of one is
/// compatible with one of the other (see
/// [`GIVEN_NAME_JARO_WINKLER`](super::GIVEN_NAME_JARO_WINKLER)), no family
/// names are alike (equal or Jaro-Winkler ≥ [`FAMILY_NAME_JARO_WINKLER`]), and
/// the names are not swapped (one's given name is the other's family name).
/// Records without a given or a family name never conflict.
#[derive(Clone, Copy)]
pub struct NamesGuard<'r> {
    records: &'r [NormalizedRecord],
}

impl<'r> NamesGuard<'r> {
    /// A guard over these records (indexed by `RecordId`).
    pub fn new(records: &'r [NormalizedRecord]) -> Self {
        NamesGuard { records }
    }
}

impl fmt::Debug for NamesGuard<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NamesGuard({} records)", self.records.len())
    }
}

/// The names of one record this guard compares, borrowed from the record.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Names<'r> {
    givens: Few<GivenName<'r>>,
    /// Folded given names as written, for the swap check.
    given_words: Few<NamePart<'r, WrittenGiven>>,
    families: Few<NamePart<'r, Family>>,
}

impl Names<'_> {
    fn conflict(&self, other: &Names<'_>) -> bool {
        !any_compatible(&self.givens, &other.givens)
            && !families_alike(&self.families, &other.families)
            && !swapped(self, other)
            && !swapped(other, self)
    }
}

fn families_alike(a: &[NamePart<'_, Family>], b: &[NamePart<'_, Family>]) -> bool {
    a.iter().any(|x| {
        b.iter().any(|y| {
            let (x, y) = (x.text(), y.text());
            let (lo, hi) = if x <= y { (x, y) } else { (y, x) };
            lo == hi || strsim::jaro_winkler(lo, hi) >= FAMILY_NAME_JARO_WINKLER
        })
    })
}

/// `a`'s given name is `b`'s family name (a name typed into the wrong
/// field), give or take what the swap itself garbles: the family name's
/// particles left in the given field (`du pont` / `pont`), and a typo in
/// either record (`peros` / `pero`, `gijlia` / `giulia`). At 1M synthetic
/// records, exact equality left a swapped name with a typo as two people
/// more often than any other refusal of this guard.
fn swapped(a: &Names<'_>, b: &Names<'_>) -> bool {
    a.given_words.iter().any(|g| {
        let given = without_leading_particles(g.text());
        b.families
            .iter()
            .any(|f| same_word_or_one_typo(given, f.text()))
    })
}

/// Shortest word in which a one-letter difference still counts as a typo of
/// the same name (below it, `pont` / `pons` would be two names).
const MIN_SWAP_TYPO_CHARS: usize = 4;

fn same_word_or_one_typo(x: &str, y: &str) -> bool {
    x == y
        || (x.chars().count().min(y.chars().count()) >= MIN_SWAP_TYPO_CHARS
            && strsim::osa_distance(x, y) <= 1)
}

/// `text` without its leading family-name particles (`du pont` → `pont`);
/// all of it when it is nothing but particles.
fn without_leading_particles(text: &str) -> &str {
    let mut rest = text.trim_start();
    while let Some((first, after)) = rest.split_once(' ') {
        if !is_particle(first) {
            break;
        }
        rest = after.trim_start();
    }
    if rest.is_empty() { text } else { rest }
}

/// What [`NamesGuard`] remembers of a cluster: the distinct names of its
/// records, at most [`MAX_PROFILES`](super::MAX_PROFILES). `Debug` shows the
/// count only.
///
/// It borrows the names from the records the guard was made over (`'r`), so
/// that summarizing and merging copy no text.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct NamesSummary<'r> {
    profiles: Vec<Profiled<Names<'r>>>,
}

impl NamesSummary<'_> {
    /// How many distinct profiles the summary holds.
    pub fn len(&self) -> usize {
        self.profiles.len()
    }

    /// True when no record of the cluster has both a given and a family name.
    pub fn is_empty(&self) -> bool {
        self.profiles.is_empty()
    }
}

impl fmt::Debug for NamesSummary<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NamesSummary({} profiles)", self.profiles.len())
    }
}

impl<'r> MergeGuard for NamesGuard<'r> {
    type Summary = NamesSummary<'r>;

    fn summarize(&self, record: RecordId) -> NamesSummary<'r> {
        let names = self.records.get(record.index()).and_then(|r| {
            let givens = GivenName::all_of(&r.names);
            let families: Few<NamePart<'r, Family>> =
                r.names.iter().filter_map(NamePart::of).collect();
            let given_words: Few<NamePart<'r, WrittenGiven>> =
                r.names.iter().filter_map(NamePart::of).collect();
            (!givens.is_empty() && !families.is_empty()).then_some(Names {
                givens,
                given_words,
                families,
            })
        });
        NamesSummary {
            profiles: names
                .map(|facts| Profiled { facts, record })
                .into_iter()
                .collect(),
        }
    }

    fn check(&self, a: &NamesSummary<'r>, b: &NamesSummary<'r>) -> Result<(), RefusalReason> {
        if a.is_empty() || b.is_empty() {
            return Ok(());
        }
        match smallest_conflict(&a.profiles, &b.profiles, Names::conflict) {
            Some(records) => Err(RefusalReason::ConflictingNames { records }),
            None => Ok(()),
        }
    }

    fn merge(&self, a: NamesSummary<'r>, b: NamesSummary<'r>) -> NamesSummary<'r> {
        NamesSummary {
            profiles: union_profiles(a.profiles, b.profiles),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::profile::tests::person_name;
    use crate::normalize::PersonName;
    use crate::{Channel, SourceKey};

    fn record(id: &str, names: Vec<PersonName>) -> NormalizedRecord {
        NormalizedRecord {
            key: SourceKey::new(Channel::Web, id).expect("valid key"),
            civility: None,
            names: names.into(),
            birth: None,
            emails: Default::default(),
            phones: Default::default(),
            addresses: Vec::new(),
            identifiers: Vec::new(),
            created_at: None,
            updated_at: None,
            issues: Vec::new(),
        }
    }

    fn refuses(a: PersonName, b: PersonName) -> bool {
        let records = [record("a", vec![a]), record("b", vec![b])];
        let guard = NamesGuard::new(&records);
        let (sa, sb) = (guard.summarize(RecordId(0)), guard.summarize(RecordId(1)));
        let verdict = guard.check(&sa, &sb).is_err();
        assert_eq!(verdict, guard.check(&sb, &sa).is_err(), "symmetric");
        verdict
    }

    #[test]
    fn two_people_sharing_a_family_mailbox_stay_apart() {
        assert!(refuses(
            person_name("lucas", "petit"),
            person_name("sylvie", "benoit")
        ));
    }

    #[test]
    fn one_person_with_a_typo_a_married_name_or_a_swap_merges() {
        assert!(!refuses(
            person_name("marie", "dupont"),
            person_name("marie", "martin")
        ));
        assert!(!refuses(
            person_name("marie", "dupont"),
            person_name("maria", "dupond")
        ));
        assert!(!refuses(
            person_name("sophie", "lefebvre"),
            person_name("sofie", "lefevre")
        ));
        let mut swapped = person_name("teixeira", "maria");
        swapped.given = "teixeira".into();
        let mut straight = person_name("maria", "teixeira");
        straight.given = "maria".into();
        assert!(!refuses(swapped, straight));
    }

    #[test]
    fn a_swap_with_a_typo_or_a_stray_particle_merges_but_not_a_short_look_alike() {
        // Each record's given field holds the other's family name, garbled.
        for (given_a, family_a, given_b, family_b) in [
            ("erwan", "pero", "peros", "eran"),
            ("giulia", "diallo", "romano", "gijlia"),
            ("michel", "pont", "du pont", "michele"),
        ] {
            assert!(
                !refuses(
                    person_name(given_a, family_a),
                    person_name(given_b, family_b)
                ),
                "{given_a} {family_a} / {given_b} {family_b}"
            );
        }
        // Names neither alike nor swapped still conflict, and a swap of a
        // three-letter word must be exact (`sol` is not `sow` swapped).
        assert!(refuses(
            person_name("leo", "pons"),
            person_name("lea", "dupuis")
        ));
        assert!(refuses(
            person_name("ali", "sow"),
            person_name("sol", "ben")
        ));
    }

    #[test]
    fn leading_particles_are_set_aside_unless_nothing_else_is_left() {
        assert_eq!(without_leading_particles("du pont"), "pont");
        assert_eq!(without_leading_particles("de la fontaine"), "fontaine");
        assert_eq!(without_leading_particles("le"), "le");
        assert_eq!(without_leading_particles("marie"), "marie");
    }

    #[test]
    fn records_without_both_names_never_conflict() {
        assert!(!refuses(
            person_name("", "petit"),
            person_name("sylvie", "benoit")
        ));
    }
}
