//! Term frequencies of names, for the term-frequency adjustment of exact
//! agreements: two records that are both `martin` say less than two that are
//! both `kerherve` (Winkler 1989; Splink's `term_frequency_adjustments`).

use std::collections::HashMap;

use crate::compare::{ComparisonKind, ComparisonSettings};
use crate::normalize::NormalizedRecord;
use crate::score::Model;

/// The level of an exact agreement (see [`crate::compare`]).
const EXACT: u8 = 1;

/// Per record and per name, the relative frequency of its given and family
/// name among the records: a value's frequency over the frequency of the
/// value two records agree on, on average (Σf² / Σf). Computed once per
/// batch, so scoring a pair costs no hashing.
#[derive(Clone, Default)]
pub struct TermFrequencies {
    /// `(given, family)` relative frequencies, per record, per name.
    per_record: Vec<Vec<(f64, f64)>>,
    given_comparison: Option<usize>,
    family_comparison: Option<usize>,
}

impl std::fmt::Debug for TermFrequencies {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TermFrequencies")
            .field("records", &self.per_record.len())
            .finish()
    }
}

impl TermFrequencies {
    /// Counts each record's distinct given and family names once.
    pub fn count(records: &[NormalizedRecord], comparisons: &ComparisonSettings) -> Self {
        let mut given: HashMap<&str, f64> = HashMap::new();
        let mut family: HashMap<&str, f64> = HashMap::new();
        for record in records {
            for (i, name) in record.names.iter().enumerate() {
                let earlier = &record.names[..i];
                if !name.given.is_empty() && earlier.iter().all(|n| n.given != name.given) {
                    *given.entry(&name.given).or_default() += 1.0;
                }
                if !name.family.is_empty() && earlier.iter().all(|n| n.family != name.family) {
                    *family.entry(&name.family).or_default() += 1.0;
                }
            }
        }
        // The model's u for an exact agreement is the average frequency of
        // an agreeing value, measured on its own pairs; scaling it by a
        // value's frequency relative to that average keeps the adjustment on
        // the model's scale.
        let mean_agreeing = |table: &HashMap<&str, f64>| {
            let total: f64 = table.values().sum();
            let squares: f64 = table.values().map(|c| c * c).sum();
            if total > 0.0 { squares / total } else { 1.0 }
        };
        let (given_mean, family_mean) = (mean_agreeing(&given), mean_agreeing(&family));
        let relative = |table: &HashMap<&str, f64>, value: &str, mean: f64| {
            table.get(value).map_or(1.0, |c| c / mean)
        };
        let per_record = records
            .iter()
            .map(|r| {
                r.names
                    .iter()
                    .map(|n| {
                        (
                            relative(&given, &n.given, given_mean),
                            relative(&family, &n.family, family_mean),
                        )
                    })
                    .collect()
            })
            .collect();
        let position = |pred: fn(&ComparisonKind) -> bool| {
            comparisons.comparisons.iter().position(|c| pred(&c.kind))
        };
        TermFrequencies {
            per_record,
            given_comparison: position(|k| matches!(k, ComparisonKind::GivenName { .. })),
            family_comparison: position(|k| matches!(k, ComparisonKind::FamilyName { .. })),
        }
    }

    /// The u of the exact agreement of records `a` and `b` (indexes into the
    /// records counted) on a name, per comparison (None where no adjustment
    /// applies): the model's u for an exact agreement times the agreed
    /// name's relative frequency. With several shared values, the rarest
    /// one counts: it is the strongest evidence.
    pub fn for_pair(
        &self,
        model: &Model,
        records: &[NormalizedRecord],
        (a, b): (usize, usize),
        levels: &[u8],
    ) -> Vec<Option<f64>> {
        let mut out = vec![None; levels.len()];
        self.fill(model, records, (a, b), levels, &mut out);
        out
    }

    /// [`for_pair`](Self::for_pair) into a caller's buffer (no allocation).
    pub fn fill(
        &self,
        model: &Model,
        records: &[NormalizedRecord],
        (a, b): (usize, usize),
        levels: &[u8],
        out: &mut [Option<f64>],
    ) {
        out.iter_mut().for_each(|v| *v = None);
        let (Some(ra), Some(rb), Some(fa)) =
            (records.get(a), records.get(b), self.per_record.get(a))
        else {
            return;
        };
        let u_exact = |i: usize| {
            model
                .comparisons
                .get(i)
                .and_then(|c| c.u.get(usize::from(EXACT)))
                .copied()
        };
        let rarest =
            |same: fn(&crate::normalize::PersonName, &crate::normalize::PersonName) -> bool,
             pick: fn(&(f64, f64)) -> f64| {
                let mut best: Option<f64> = None;
                for (x, fx) in ra.names.iter().zip(fa) {
                    if rb.names.iter().any(|y| same(x, y)) {
                        let f = pick(fx);
                        best = Some(best.map_or(f, |b: f64| b.min(f)));
                    }
                }
                best
            };
        if let Some(i) = self.given_comparison {
            if levels.get(i) == Some(&EXACT) && i < out.len() {
                out[i] = rarest(|x, y| !x.given.is_empty() && x.given == y.given, |f| f.0)
                    .zip(u_exact(i))
                    .map(|(relative, u)| relative * u);
            }
        }
        if let Some(i) = self.family_comparison {
            if levels.get(i) == Some(&EXACT) && i < out.len() {
                out[i] = rarest(|x, y| !x.family.is_empty() && x.family == y.family, |f| f.1)
                    .zip(u_exact(i))
                    .map(|(relative, u)| relative * u);
            }
        }
    }
}
