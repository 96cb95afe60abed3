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

use rayon::prelude::*;

use crate::block::GenericValues;
use crate::block::key::{address_value_hash, hash_bytes};
use crate::compare::{ComparisonKind, ComparisonSettings};
use crate::normalize::NormalizedRecord;
use crate::normalize::phone::PhoneKind;
use crate::score::{Model, UEstimateReport};

/// A level whose `u` can be counted, and which values of a record agree at it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CountedLevel {
    /// `email` `exact`: identifying, non-generic normalized emails.
    Email,
    /// `phone` `same_mobile`: non-generic mobile numbers.
    Mobile,
    /// `phone` `same_landline`: other non-generic numbers.
    Landline,
    /// `address` `same_street_number`: non-generic addresses with a number.
    StreetNumber,
}

impl CountedLevel {
    /// The counted levels of a comparison, with their level names.
    fn of(kind: &ComparisonKind) -> &'static [(CountedLevel, &'static str)] {
        match kind {
            ComparisonKind::Email { .. } => &[(CountedLevel::Email, "exact")],
            ComparisonKind::Phone { .. } => &[
                (CountedLevel::Mobile, "same_mobile"),
                (CountedLevel::Landline, "same_landline"),
            ],
            ComparisonKind::Address { .. } => &[(CountedLevel::StreetNumber, "same_street_number")],
            _ => &[],
        }
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
            CountedLevel::Mobile | CountedLevel::Landline => out.extend(
                record
                    .phones
                    .iter()
                    .filter(|p| {
                        (p.kind == PhoneKind::Mobile) == (self == CountedLevel::Mobile)
                            && !generic.is_generic_phone(p)
                    })
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
    for ((comparison, setting), &observed) in model
        .comparisons
        .iter_mut()
        .zip(&settings.comparisons)
        .zip(&report.observed)
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
            // At most one half: a share this large would mean the sample
            // saw the comparison non-null far less often than the records
            // hold values (a tiny sample), and an exact agreement that half
            // of all pairs share is no evidence anyway.
            replaced.push((index, (share / non_null_share).min(0.5)));
        }
        rescale(&mut comparison.u, &replaced);
    }
    model
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
