//! `u` of the exact levels of high-cardinality fields, from value counts.
//!
//! `u` is estimated from a fixed number of random record pairs (see
//! [`estimate_u`](crate::score::estimate_u)). Two random records almost never
//! share an email, a mobile number or a street address, so the sample sees
//! none and Laplace smoothing gives those levels `1 / sample size`, whatever
//! the number of records. The prior λ falls as 1/n while that floor stays put:
//! at a million records an email shared by two records weighed 3 bits less
//! against the prior than at 100,000, and same-email pairs of a person who
//! changed family name fell below the threshold.
//!
//! The probability that two random records share a value is known exactly
//! from how many records hold each value: Σ_v C(n_v, 2) / C(n, 2). Divided by
//! the share of random pairs where the comparison is not null (which the
//! sample measures well, being common), it is the level's `u`, at any scale.
//!
//! The same counts give the `u` of an email or a mobile shared by two records
//! whose family names differ (a [`ConditionalU`]): the pairs sharing the
//! value less those sharing the value and a family name. Different persons
//! sharing a contact are mostly a household under one name, so this `u` is
//! much smaller than the value's own, and a married name no longer sinks a
//! pair that shares its mobile.

use rayon::prelude::*;

use crate::block::GenericValues;
use crate::block::key::{address_value_hash, hash_bytes};
use crate::compare::{ComparisonKind, ComparisonSettings};
use crate::normalize::NormalizedRecord;
use crate::normalize::phone::PhoneKind;
use crate::score::{ConditionalU, Model, UEstimateReport};

/// A level whose `u` can be counted, and which values of a record agree at it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CountedLevel {
    /// `email` `exact`: identifying, non-generic normalized emails.
    Email,
    /// `phone` `same_mobile`: non-generic mobile numbers. Landlines keep
    /// the sample's `u`: a household shares one, so pairs sharing it are
    /// mostly different persons, and the sample's floor keeps its weight
    /// modest.
    Mobile,
    /// `address` `same_street_number`: non-generic addresses with a number.
    StreetNumber,
}

impl CountedLevel {
    /// The counted levels of a comparison, with their level names.
    fn of(kind: &ComparisonKind) -> &'static [(CountedLevel, &'static str)] {
        match kind {
            ComparisonKind::Email { .. } => &[(CountedLevel::Email, "exact")],
            ComparisonKind::Phone { .. } => &[(CountedLevel::Mobile, "same_mobile")],
            ComparisonKind::Address { .. } => &[(CountedLevel::StreetNumber, "same_street_number")],
            _ => &[],
        }
    }

    /// Whether the level's `u` is also counted among pairs whose family
    /// names differ: contacts a person keeps through a change of name.
    fn conditioned_on_family(self) -> bool {
        matches!(self, CountedLevel::Email | CountedLevel::Mobile)
    }

    /// The hashes of `record`'s values that agree at this level, pushed to
    /// `out`, each once.
    fn values(self, record: &NormalizedRecord, generic: &GenericValues, out: &mut Vec<u64>) {
        let start = out.len();
        match self {
            CountedLevel::Email => out.extend(
                record
                    .emails
                    .iter()
                    .filter(|e| e.identifying && !generic.is_generic_email(e))
                    .map(|e| hash_bytes(e.normalized.as_bytes())),
            ),
            CountedLevel::Mobile => out.extend(
                record
                    .phones
                    .iter()
                    .filter(|p| p.kind == PhoneKind::Mobile && !generic.is_generic_phone(p))
                    .map(|p| hash_bytes(p.e164.as_bytes())),
            ),
            CountedLevel::StreetNumber => out.extend(
                record
                    .addresses
                    .iter()
                    .filter(|a| a.number.is_some() && !generic.is_generic_address(a))
                    .filter_map(address_value_hash),
            ),
        }
        // A record counts once per value, however many times it holds it.
        let mine = &mut out[start..];
        mine.sort_unstable();
        let distinct = partition_dedup(mine);
        out.truncate(start + distinct);
    }
}

/// Moves the distinct values of a sorted slice to its front and gives their
/// number.
fn partition_dedup(sorted: &mut [u64]) -> usize {
    let mut kept = 0;
    for i in 0..sorted.len() {
        if kept == 0 || sorted[i] != sorted[kept - 1] {
            sorted[kept] = sorted[i];
            kept += 1;
        }
    }
    kept
}

/// How many record pairs share a value, from one hash per record and value.
fn sharing_pairs(mut hashes: Vec<u64>) -> f64 {
    hashes.par_sort_unstable();
    hashes
        .chunk_by(|a, b| a == b)
        .map(|run| {
            let n = run.len() as f64;
            n * (n - 1.0) / 2.0
        })
        .sum()
}

/// Replaces the `u` of the counted levels (see the module) of `model` with
/// their value-count estimate and rescales the comparison's other non-null
/// levels so that they still sum to one. `report` is the random-pair sample
/// `model`'s `u` came from: it gives each comparison's share of non-null
/// pairs. Comparisons the sample never saw non-null keep their `u`.
pub(super) fn with_counted_exact_u(
    model: &Model,
    settings: &ComparisonSettings,
    records: &[NormalizedRecord],
    generic: &GenericValues,
    report: &UEstimateReport,
) -> Model {
    let mut model = model.clone();
    let n = records.len() as f64;
    let all_pairs = n * (n - 1.0) / 2.0;
    if all_pairs < 1.0 || report.pairs == 0 {
        return model;
    }
    // The family-name comparison, its `else` level and its share of
    // non-null random pairs: the condition of the conditional `u`.
    let family_else = settings
        .comparisons
        .iter()
        .position(|c| matches!(c.kind, ComparisonKind::FamilyName { .. }))
        .and_then(|family| {
            let observed = *report.observed.get(family)?;
            let levels = model.comparisons.get(family)?.level_names.len();
            let else_level = u8::try_from(levels.checked_sub(1)?).ok()?;
            (observed > 0).then(|| (family, else_level, observed as f64 / report.pairs as f64))
        });
    let mut conditional = Vec::new();
    for (position, ((comparison, setting), &observed)) in model
        .comparisons
        .iter_mut()
        .zip(&settings.comparisons)
        .zip(&report.observed)
        .enumerate()
    {
        if observed == 0 {
            continue;
        }
        let non_null_share = observed as f64 / report.pairs as f64;
        let mut replaced = Vec::new();
        for &(level, name) in CountedLevel::of(&setting.kind) {
            let Some(index) = comparison.level_names.iter().position(|l| l == name) else {
                continue;
            };
            let hashes: Vec<u64> = records
                .par_iter()
                .fold(Vec::new, |mut out, record| {
                    level.values(record, generic, &mut out);
                    out
                })
                .flatten()
                .collect();
            // One pseudo-pair, as Laplace smoothing adds one observation:
            // a level no two records share keeps a small positive `u`.
            let share = (sharing_pairs(hashes) + 1.0) / all_pairs;
            if let Some((family, else_level, family_share)) = family_else
                && level.conditioned_on_family()
                && let Ok(level_index) = u8::try_from(index)
            {
                let differ = family_differs_share(level, records, generic, all_pairs);
                conditional.push(ConditionalU {
                    comparison: position,
                    level: level_index,
                    when: family,
                    when_level: else_level,
                    u: (differ / (non_null_share * family_share)).min(0.5),
                });
            }
            // At most one half: a share this large would mean the sample
            // saw the comparison non-null far less often than the records
            // hold values (a tiny sample), and an exact agreement that half
            // of all pairs share is no evidence anyway.
            replaced.push((index, (share / non_null_share).min(0.5)));
        }
        rescale(&mut comparison.u, &replaced);
    }
    model.conditional_u = conditional;
    model
}

/// The share of all record pairs that agree at `level` and hold family
/// names, none in common (one pseudo-pair added, as for the level's `u`).
fn family_differs_share(
    level: CountedLevel,
    records: &[NormalizedRecord],
    generic: &GenericValues,
    all_pairs: f64,
) -> f64 {
    let (values, with_family): (Vec<u64>, Vec<u64>) = records
        .par_iter()
        .filter(|record| record.names.iter().any(|n| !n.family.is_empty()))
        .fold(
            || (Vec::new(), Vec::new()),
            |(mut values, mut with_family), record| {
                let start = values.len();
                level.values(record, generic, &mut values);
                let mut families: Vec<u64> = record
                    .names
                    .iter()
                    .filter(|n| !n.family.is_empty())
                    .map(|n| hash_bytes(n.family.as_bytes()))
                    .collect();
                families.sort_unstable();
                families.dedup();
                for &value in &values[start..] {
                    with_family.extend(families.iter().map(|f| hash_pair(value, *f)));
                }
                (values, with_family)
            },
        )
        .reduce(
            || (Vec::new(), Vec::new()),
            |(mut a, mut b), (c, d)| {
                a.extend(c);
                b.extend(d);
                (a, b)
            },
        );
    let differ = (sharing_pairs(values) - sharing_pairs(with_family)).max(0.0);
    (differ + 1.0) / all_pairs
}

/// One hash of a value's hash and a family name's.
fn hash_pair(value: u64, family: u64) -> u64 {
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&value.to_le_bytes());
    bytes[8..].copy_from_slice(&family.to_le_bytes());
    hash_bytes(&bytes)
}

/// Sets `u[index] = value` for each replacement and scales the other
/// non-null levels so that all non-null levels sum to one.
fn rescale(u: &mut [f64], replaced: &[(usize, f64)]) {
    if replaced.is_empty() {
        return;
    }
    let fixed: f64 = replaced.iter().map(|&(_, value)| value).sum();
    let others: f64 = u
        .iter()
        .enumerate()
        .skip(1)
        .filter(|(i, _)| !replaced.iter().any(|&(r, _)| r == *i))
        .map(|(_, p)| p)
        .sum();
    if others <= 0.0 || fixed >= 1.0 {
        return;
    }
    let scale = (1.0 - fixed) / others;
    for (i, p) in u.iter_mut().enumerate().skip(1) {
        match replaced.iter().find(|&&(r, _)| r == i) {
            Some(&(_, value)) => *p = value,
            None => *p *= scale,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::ComparisonSettings;
    use crate::normalize::normalize;
    use crate::{Channel, Record, SourceKey};

    fn record(id: usize, email: &str, phone: &str) -> NormalizedRecord {
        let mut b = Record::builder(SourceKey::new(Channel::Web, format!("{id}")).unwrap());
        if !email.is_empty() {
            b.email(email).unwrap();
        }
        if !phone.is_empty() {
            b.phone(phone).unwrap();
        }
        normalize(&b.into_record())
    }

    fn named(id: usize, family: &str, email: &str) -> NormalizedRecord {
        let mut b = Record::builder(SourceKey::new(Channel::Web, format!("{id}")).unwrap());
        b.given_name("Camille").unwrap();
        b.family_name(family).unwrap();
        b.email(email).unwrap();
        normalize(&b.into_record())
    }

    #[test]
    fn email_shared_under_two_family_names_gets_its_own_u() {
        let settings = ComparisonSettings::default();
        let position = |wanted: fn(&ComparisonKind) -> bool| {
            settings
                .comparisons
                .iter()
                .position(|c| wanted(&c.kind))
                .unwrap()
        };
        let email = position(|k| matches!(k, ComparisonKind::Email { .. }));
        let family = position(|k| matches!(k, ComparisonKind::FamilyName { .. }));
        let mut records: Vec<NormalizedRecord> = (0..100)
            .map(|i| named(i, &format!("Nom{i}"), &format!("person{i}@orange.fr")))
            .collect();
        // A household: one email, one family name (no pair with differing
        // names)...
        records[1] = named(1, "Nom0", "person0@orange.fr");
        // ... and one email under two family names, three records: two of
        // its three pairs differ in name.
        records[2] = named(2, "Martin", "famille@orange.fr");
        records[3] = named(3, "Martin", "famille@orange.fr");
        records[4] = named(4, "Durand", "famille@orange.fr");
        let model = crate::resolver::default_model(&crate::resolver::Settings::default());
        let mut report = UEstimateReport {
            pairs: 1000,
            observed: vec![0; model.comparisons.len()],
        };
        report.observed[email] = 1000;
        report.observed[family] = 1000;
        let counted = with_counted_exact_u(
            &model,
            &settings,
            &records,
            &GenericValues::default(),
            &report,
        );
        let [conditional] = counted.conditional_u.as_slice() else {
            panic!("one conditional u expected: {:?}", counted.conditional_u);
        };
        assert_eq!((conditional.comparison, conditional.when), (email, family));
        assert_eq!(
            counted.comparisons[email].level_name(conditional.level),
            "exact"
        );
        assert_eq!(
            counted.comparisons[family].level_name(conditional.when_level),
            "else"
        );
        // Two differing pairs plus the pseudo-pair, of 4,950 (all with both
        // family names known).
        assert!(
            (conditional.u - 3.0 / 4950.0).abs() < 1e-12,
            "{conditional:?}"
        );
        // The email's own u counts every sharing pair: 1 + 3, plus one.
        let exact = usize::from(conditional.level);
        assert!((counted.comparisons[email].u[exact] - 5.0 / 4950.0).abs() < 1e-12);
        // Scored, the pair under two names weighs more than the email alone.
        let mut levels = vec![0u8; counted.comparisons.len()];
        levels[email] = conditional.level;
        let same_name = counted.match_weight(&levels);
        levels[family] = conditional.when_level;
        let other_name = counted.match_weight(&levels);
        let family_else = counted.comparisons[family].partial_weight(conditional.when_level, None);
        assert!(
            other_name - family_else > same_name,
            "{other_name} {same_name}"
        );
        counted.validate().unwrap();
    }

    #[test]
    fn the_default_model_names_levels_as_its_comparisons_do() {
        let settings = crate::resolver::Settings::default();
        let model = crate::resolver::default_model(&settings);
        for (comparison, setting) in model
            .comparisons
            .iter()
            .zip(&settings.comparisons.comparisons)
        {
            assert_eq!(comparison.level_names, setting.level_names());
        }
        let phone = model
            .comparisons
            .iter()
            .find(|c| c.name == "phone")
            .unwrap();
        assert_eq!(phone.level_name(1), "same_mobile");
    }

    #[test]
    fn partition_dedup_keeps_each_value_once() {
        let mut v = [1, 1, 2, 3, 3, 3, 7];
        let n = partition_dedup(&mut v);
        assert_eq!(&v[..n], &[1, 2, 3, 7]);
        assert_eq!(partition_dedup(&mut []), 0);
    }

    #[test]
    fn sharing_pairs_counts_pairs_per_value() {
        // Values 5 (three records: 3 pairs) and 9 (two: 1 pair).
        assert_eq!(sharing_pairs(vec![5, 9, 5, 1, 5, 9]), 4.0);
        assert_eq!(sharing_pairs(Vec::new()), 0.0);
    }

    #[test]
    fn counted_u_follows_the_values_and_the_rest_still_sums_to_one() {
        let settings = ComparisonSettings::default();
        let mut records: Vec<NormalizedRecord> = (0..100)
            .map(|i| record(i, &format!("person{i}@orange.fr"), ""))
            .collect();
        // Two records share an email: 1 pair of 4,950, plus the pseudo-pair.
        records[1] = record(1, "person0@orange.fr", "");
        let model = crate::resolver::default_model(&crate::resolver::Settings::default());
        let email = settings
            .comparisons
            .iter()
            .position(|c| matches!(c.kind, ComparisonKind::Email { .. }))
            .unwrap();
        let mut report = UEstimateReport {
            pairs: 1000,
            observed: vec![0; model.comparisons.len()],
        };
        // Every sampled pair had two emails.
        report.observed[email] = 1000;
        let counted = with_counted_exact_u(
            &model,
            &settings,
            &records,
            &GenericValues::default(),
            &report,
        );
        let u = &counted.comparisons[email].u;
        let exact = counted.comparisons[email]
            .level_names
            .iter()
            .position(|l| l == "exact")
            .unwrap();
        assert!((u[exact] - 2.0 / 4950.0).abs() < 1e-12, "{u:?}");
        assert!((u.iter().skip(1).sum::<f64>() - 1.0).abs() < 1e-9);
        // Comparisons the sample never saw keep their u.
        for (i, (c, before)) in counted
            .comparisons
            .iter()
            .zip(&model.comparisons)
            .enumerate()
        {
            if i != email {
                assert_eq!(c.u, before.u);
            }
        }
        // Half the pairs non-null: the same shared pairs are twice as likely
        // among them.
        report.observed[email] = 500;
        let halved = with_counted_exact_u(
            &model,
            &settings,
            &records,
            &GenericValues::default(),
            &report,
        );
        assert!((halved.comparisons[email].u[exact] - 4.0 / 4950.0).abs() < 1e-12);
    }
}
