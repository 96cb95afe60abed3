//! Term frequencies of names, for the term-frequency adjustment of exact
//! agreements: two records that are both `martin` say less than two that are
//! both `kerherve` (Winkler 1989; Splink's `term_frequency_adjustments`).

use std::collections::HashMap;

use crate::compare::{ComparisonKind, ComparisonSettings};
use crate::normalize::NormalizedRecord;
use crate::score::Model;

/// The level of an exact agreement (see [`crate::compare`]).
const EXACT: u8 = 1;

/// Frequencies of given and family names among the records, relative to the
/// frequency of an agreeing name on average.
#[derive(Clone, Default)]
pub struct TermFrequencies {
    given: HashMap<String, f64>,
    family: HashMap<String, f64>,
    given_comparison: Option<usize>,
    family_comparison: Option<usize>,
}

impl std::fmt::Debug for TermFrequencies {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TermFrequencies")
            .field("given_values", &self.given.len())
            .field("family_values", &self.family.len())
            .finish()
    }
}

impl TermFrequencies {
    /// Counts each record's distinct given and family names once.
    pub fn count(records: &[NormalizedRecord], comparisons: &ComparisonSettings) -> Self {
        let mut given: HashMap<String, f64> = HashMap::new();
        let mut family: HashMap<String, f64> = HashMap::new();
        for record in records {
            for (i, name) in record.names.iter().enumerate() {
                let seen_before = |f: &dyn Fn(&crate::normalize::PersonName) -> &str| {
                    record.names[..i].iter().any(|n| f(n) == f(name))
                };
                if !name.given.is_empty() && !seen_before(&|n| n.given.as_str()) {
                    *given.entry(name.given.clone()).or_default() += 1.0;
                }
                if !name.family.is_empty() && !seen_before(&|n| n.family.as_str()) {
                    *family.entry(name.family.clone()).or_default() += 1.0;
                }
            }
        }
        // Relative frequencies: a value's frequency over the frequency of the
        // value two records agree on, on average (Σf² / Σf). The model's u
        // for an exact agreement is that average, measured on its own pairs;
        // scaling it by the relative frequency keeps the adjustment on the
        // model's scale (candidate pairs or population alike).
        for table in [&mut given, &mut family] {
            let total: f64 = table.values().sum();
            let squares: f64 = table.values().map(|c| c * c).sum();
            let mean_agreeing = if total > 0.0 { squares / total } else { 1.0 };
            for v in table.values_mut() {
                *v /= mean_agreeing;
            }
        }
        let position = |pred: fn(&ComparisonKind) -> bool| {
            comparisons.comparisons.iter().position(|c| pred(&c.kind))
        };
        TermFrequencies {
            given,
            family,
            given_comparison: position(|k| matches!(k, ComparisonKind::GivenName { .. })),
            family_comparison: position(|k| matches!(k, ComparisonKind::FamilyName { .. })),
        }
    }

    /// The u of the exact agreement of two records on a name, per comparison
    /// (None where no adjustment applies): the model's u for an exact
    /// agreement times the agreed name's relative frequency. With several
    /// shared values, the rarest one counts: it is the strongest evidence.
    pub fn for_pair(
        &self,
        model: &Model,
        a: &NormalizedRecord,
        b: &NormalizedRecord,
        levels: &[u8],
    ) -> Vec<Option<f64>> {
        let mut out = vec![None; levels.len()];
        self.fill(model, a, b, levels, &mut out);
        out
    }

    /// [`for_pair`](Self::for_pair) into a caller's buffer (no allocation).
    pub fn fill(
        &self,
        model: &Model,
        a: &NormalizedRecord,
        b: &NormalizedRecord,
        levels: &[u8],
        out: &mut [Option<f64>],
    ) {
        out.iter_mut().for_each(|v| *v = None);
        let rarest = |table: &HashMap<String, f64>,
                      value: fn(&crate::normalize::PersonName) -> &str| {
            let mut best: Option<f64> = None;
            for x in &a.names {
                for y in &b.names {
                    let (vx, vy) = (value(x), value(y));
                    if !vx.is_empty() && vx == vy {
                        if let Some(&f) = table.get(vx) {
                            best = Some(best.map_or(f, |b: f64| b.min(f)));
                        }
                    }
                }
            }
            best
        };
        let u_exact = |i: usize| {
            model
                .comparisons
                .get(i)
                .and_then(|c| c.u.get(usize::from(EXACT)))
                .copied()
        };
        if let Some(i) = self.given_comparison {
            if levels.get(i) == Some(&EXACT) && i < out.len() {
                out[i] = rarest(&self.given, |n| n.given.as_str())
                    .zip(u_exact(i))
                    .map(|(relative, u)| relative * u);
            }
        }
        if let Some(i) = self.family_comparison {
            if levels.get(i) == Some(&EXACT) && i < out.len() {
                out[i] = rarest(&self.family, |n| n.family.as_str())
                    .zip(u_exact(i))
                    .map(|(relative, u)| relative * u);
            }
        }
    }
}
