//! The Fellegi–Sunter model as plain data, and the weights it gives.
//!
//! Notation follows Fellegi & Sunter (1969): for one comparison and one level
//! γ, `m = P(γ | match)` and `u = P(γ | non-match)`; the level's *partial match
//! weight* is `log2(m / u)`, and a pair's *match weight* is the prior log-odds
//! `log2(λ / (1 − λ))` plus the partial weights of its non-null levels
//! (conditional independence). Weights are in bits, as in Splink.

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind, Result};
use crate::score::explain::{Explanation, ExplanationTerm};

/// The smallest probability a weight is ever computed from.
///
/// Every `m`, `u`, term frequency and prior is clamped into
/// `[PROBABILITY_FLOOR, 1]` (the prior into `[floor, 1 − floor]`) before a
/// logarithm is taken, so a level never observed in training, a hand-edited
/// zero or a NaN gives a large but finite weight (at most about ±30 bits)
/// instead of ±∞ that would poison every sum it enters.
pub const PROBABILITY_FLOOR: f64 = 1e-9;

/// The prior λ of [`Model::default_for`]: one candidate pair in twenty is a match.
///
/// Candidate pairs come out of blocking (same phone, same email, same name
/// and postcode…), which keeps mostly near-duplicates, so λ is far above the
/// one-in-millions chance that two *random* customers match. 5 % is a guess
/// of the right order for a retailer's blocked pairs; [`train_em`](crate::score::train_em)
/// replaces it with the share it estimates.
pub const DEFAULT_PRIOR: f64 = 0.05;

/// Sanitizes a probability: NaN becomes the floor, everything else is clamped
/// into `[PROBABILITY_FLOOR, 1]`.
pub(crate) fn sane_probability(p: f64) -> f64 {
    if p.is_nan() {
        PROBABILITY_FLOOR
    } else {
        p.clamp(PROBABILITY_FLOOR, 1.0)
    }
}

/// Sanitizes a prior: like [`sane_probability`] but also kept away from 1, so
/// that the prior odds `λ / (1 − λ)` stay finite.
pub(crate) fn sane_prior(lambda: f64) -> f64 {
    if lambda.is_nan() {
        DEFAULT_PRIOR
    } else {
        lambda.clamp(PROBABILITY_FLOOR, 1.0 - PROBABILITY_FLOOR)
    }
}

/// The match probability of a match weight (in bits): `2^w / (1 + 2^w)`.
///
/// Computed as `1 / (1 + 2^−w)`, which is finite for every `w` (it saturates
/// to 0 or 1 instead of dividing ∞ by ∞).
///
/// ```
/// use omnicanal::score::probability_from_weight;
/// assert_eq!(probability_from_weight(0.0), 0.5);
/// assert!((probability_from_weight(3.0) - 8.0 / 9.0).abs() < 1e-12);
/// ```
pub fn probability_from_weight(weight: f64) -> f64 {
    if weight.is_nan() {
        return 0.5;
    }
    1.0 / (1.0 + (-weight).exp2())
}

/// Term-frequency adjustment of one comparison's exact level (Splink's
/// `tf_adjustment_column`).
///
/// Agreeing on `martin` (the commonest French family name) is weaker evidence
/// than agreeing on `kerbrat`. When the caller knows the relative frequency
/// `f` of the agreed value (the share of records having it), the exact level's
/// partial weight becomes
///
/// ```text
/// log2(m / u) + weight · log2(u / max(f, minimum_u))
/// ```
///
/// which for `weight = 1` is `log2(m / f)`: the value's own frequency stands
/// in for the average chance `u` that two non-matching records agree exactly.
/// Only level 1 (exact) is adjusted; fuzzy levels keep their `u`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TermFrequencyAdjustment {
    /// How much of the adjustment to apply, 0 (none) to 1 (full; Splink's
    /// default `tf_adjustment_weight`).
    #[serde(default = "TermFrequencyAdjustment::default_weight")]
    pub weight: f64,
    /// Frequencies below this are raised to it, so that a value seen once
    /// (often a typo) cannot outweigh everything else. Defaults to one in a
    /// million records.
    #[serde(default = "TermFrequencyAdjustment::default_minimum_u")]
    pub minimum_u: f64,
}

impl TermFrequencyAdjustment {
    fn default_weight() -> f64 {
        1.0
    }

    fn default_minimum_u() -> f64 {
        1e-6
    }
}

impl Default for TermFrequencyAdjustment {
    fn default() -> Self {
        TermFrequencyAdjustment {
            weight: Self::default_weight(),
            minimum_u: Self::default_minimum_u(),
        }
    }
}

/// One comparison's part of the model: its level names and the `m` and `u`
/// probability of each level.
///
/// Index `i` of every vector is comparison level `i`. Level 0 is *null* (a
/// side is missing): it carries no evidence and its `m`/`u` entries are unused
/// (kept as 0). Levels `1..` are ordered from exact agreement to the last level,
/// *else* (disagreement); the non-null `m` sum to 1, as do the non-null `u`.
///
/// ```
/// use omnicanal::score::ComparisonModel;
/// let email = ComparisonModel::with_defaults("email", 4);
/// assert_eq!(email.level_names, ["null", "exact", "fuzzy 1", "else"]);
/// assert!(email.partial_weight(1, None) > email.partial_weight(2, None));
/// assert!(email.partial_weight(3, None) < 0.0);
/// assert_eq!(email.partial_weight(0, None), 0.0);
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ComparisonModel {
    /// The comparison's name (e.g. `family_name`), from the settings.
    pub name: String,
    /// A name per level, level 0 included (`null`, `exact`, …, `else`).
    pub level_names: Vec<String>,
    /// `m[l] = P(level l | match)`; `m[0]` unused.
    pub m: Vec<f64>,
    /// `u[l] = P(level l | non-match)`; `u[0]` unused.
    pub u: Vec<f64>,
    /// Whether (and how) the exact level is adjusted by the agreed value's
    /// frequency; `None` for no adjustment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub term_frequency: Option<TermFrequencyAdjustment>,
}

/// What one non-null level contributes: the probabilities actually used and
/// the resulting partial weight.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Evidence {
    pub(crate) m: f64,
    pub(crate) u: f64,
    pub(crate) term_frequency: Option<f64>,
    pub(crate) weight: f64,
}

impl ComparisonModel {
    /// A comparison with `levels` levels (null included) and the default
    /// probabilities documented on [`Model::default_for`].
    ///
    /// At most 256 levels are kept, as a level is a `u8`; fewer than one
    /// level is raised to one (the null level only).
    pub fn with_defaults(name: impl Into<String>, levels: usize) -> Self {
        let levels = levels.clamp(1, 256);
        let (m, u) = default_probabilities(levels);
        ComparisonModel {
            name: name.into(),
            level_names: default_level_names(levels),
            m,
            u,
            term_frequency: None,
        }
    }

    /// Turns on term-frequency adjustment of the exact level (builder style).
    pub fn with_term_frequency(mut self, adjustment: TermFrequencyAdjustment) -> Self {
        self.term_frequency = Some(adjustment);
        self
    }

    /// The number of levels, null included (the shortest of the three vectors,
    /// so that a malformed model never indexes out of bounds).
    pub fn levels(&self) -> usize {
        self.level_names.len().min(self.m.len()).min(self.u.len())
    }

    /// The name of a level, or `"unknown"` for a level the model does not have.
    pub fn level_name(&self, level: u8) -> &str {
        self.level_names
            .get(usize::from(level))
            .map_or("unknown", String::as_str)
    }

    /// The partial match weight (bits) of one level, with the agreed value's
    /// relative frequency for term-frequency adjustment when known.
    ///
    /// 0 for the null level and for a level the model does not have (no evidence).
    pub fn partial_weight(&self, level: u8, term_frequency: Option<f64>) -> f64 {
        self.evidence(level, term_frequency, None)
            .map_or(0.0, |evidence| evidence.weight)
    }

    /// The evidence of one level, `None` when it carries none (null or
    /// unknown level); `conditional_u` replaces the level's `u` (see
    /// [`ConditionalU`]).
    pub(crate) fn evidence(
        &self,
        level: u8,
        term_frequency: Option<f64>,
        conditional_u: Option<f64>,
    ) -> Option<Evidence> {
        let index = usize::from(level);
        if index == 0 || index >= self.levels() {
            return None;
        }
        let m = sane_probability(self.m[index]);
        let u = sane_probability(conditional_u.unwrap_or(self.u[index]));
        let mut weight = (m / u).log2();
        let mut used_frequency = None;
        if index == 1 {
            if let (Some(adjustment), Some(frequency)) = (&self.term_frequency, term_frequency) {
                if frequency.is_finite() {
                    let minimum = sane_probability(adjustment.minimum_u);
                    let frequency = frequency.clamp(minimum, 1.0);
                    let strength = if adjustment.weight.is_finite() {
                        adjustment.weight.clamp(0.0, 1.0)
                    } else {
                        0.0
                    };
                    weight += strength * (u / frequency).log2();
                    used_frequency = Some(frequency);
                }
            }
        }
        Some(Evidence {
            m,
            u,
            term_frequency: used_frequency,
            weight,
        })
    }

    fn validate(&self, position: usize) -> Result<()> {
        let fail = |reason: String| {
            Err(Error::new(ErrorKind::Config {
                reason: format!("comparison {position} ({}): {reason}", self.name),
            }))
        };
        let levels = self.level_names.len();
        if levels == 0 {
            return fail("no levels (not even null)".into());
        }
        if levels > 256 {
            return fail(format!("{levels} levels, at most 256 fit in a u8 level"));
        }
        if self.m.len() != levels || self.u.len() != levels {
            return fail(format!(
                "{levels} level names but {} m and {} u probabilities",
                self.m.len(),
                self.u.len()
            ));
        }
        for (label, probabilities) in [("m", &self.m), ("u", &self.u)] {
            if let Some(bad) = probabilities
                .iter()
                .skip(1)
                .find(|p| !(0.0..=1.0).contains(*p))
            {
                return fail(format!("{label} probability {bad} outside [0, 1]"));
            }
            let total: f64 = probabilities.iter().skip(1).sum();
            if levels > 1 && (total - 1.0).abs() > 1e-3 {
                return fail(format!("{label} probabilities sum to {total}, not 1"));
            }
        }
        if let Some(adjustment) = &self.term_frequency {
            if !(0.0..=1.0).contains(&adjustment.weight) {
                return fail("term-frequency weight outside [0, 1]".into());
            }
            if !(adjustment.minimum_u > 0.0 && adjustment.minimum_u <= 1.0) {
                return fail("term-frequency minimum u outside (0, 1]".into());
            }
        }
        Ok(())
    }
}

/// Default level names: `null`, `exact`, `fuzzy 1`, `fuzzy 2`, …, `else`.
///
/// With two levels the only non-null level is `else`: the contract puts
/// disagreement last, and a comparison that cannot tell agreement from
/// disagreement carries no evidence anyway.
fn default_level_names(levels: usize) -> Vec<String> {
    (0..levels)
        .map(|level| match level {
            0 => "null".to_owned(),
            l if l + 1 == levels => "else".to_owned(),
            1 => "exact".to_owned(),
            l => format!("fuzzy {}", l - 1),
        })
        .collect()
}

/// The default `m` and `u` of a comparison with `levels` levels; see
/// [`Model::default_for`] for the reasoning.
fn default_probabilities(levels: usize) -> (Vec<f64>, Vec<f64>) {
    let mut m = vec![0.0; levels];
    let mut u = vec![0.0; levels];
    if levels < 2 {
        return (m, u);
    }
    if levels == 2 {
        // One non-null level: it happens whatever the class, no evidence.
        m[1] = 1.0;
        u[1] = 1.0;
        return (m, u);
    }
    let agreements = levels - 2;
    // u: exact agreement of two random customers 1 %, doubling per weaker
    // level while agreements together stay under a quarter (up to 4 agreement
    // levels); with more levels, a linear ramp summing to a quarter, so no
    // level's u falls towards the floor. The rest is `else`: random customers
    // mostly disagree.
    let doubling: Vec<f64> = (0..agreements)
        .map(|j| 0.01 * 2f64.powi(j as i32))
        .collect();
    let agreement_u: Vec<f64> = if doubling.iter().sum::<f64>() <= 0.25 {
        doubling
    } else {
        let ramp_total = (agreements * (agreements + 1) / 2) as f64;
        (0..agreements)
            .map(|j| 0.25 * (j + 1) as f64 / ramp_total)
            .collect()
    };
    let else_u = 1.0 - agreement_u.iter().sum::<f64>();
    // Bayes factors m/u in bits: +7 for exact, then 2 bits less per weaker
    // level (less when there are many levels, so that the weakest agreement
    // stays above −3 bits), −4 for else. m ∝ u · 2^bits, normalized:
    // normalizing shifts every weight by the same constant, so the weights
    // stay strictly decreasing along the levels whatever their number.
    let step = (10.0 / agreements as f64).min(2.0);
    let mut unnormalized_m: Vec<f64> = agreement_u
        .iter()
        .enumerate()
        .map(|(j, u)| u * (7.0 - step * j as f64).exp2())
        .collect();
    unnormalized_m.push(else_u * (-4.0f64).exp2());
    let m_total: f64 = unnormalized_m.iter().sum();
    for (level, value) in unnormalized_m.iter().enumerate() {
        m[level + 1] = value / m_total;
    }
    u[1..=agreements].copy_from_slice(&agreement_u);
    u[levels - 1] = else_u;
    (m, u)
}

/// A Fellegi–Sunter model: the prior and one [`ComparisonModel`] per
/// comparison, in the settings' order.
///
/// Plain data: serialize it to review or keep a trained model, deserialize
/// it to reuse one. Every scoring function is total: a vector shorter than the
/// model counts its missing comparisons as null, extra entries are ignored, a
/// level the model does not have carries no evidence, and probabilities are
/// clamped (see [`PROBABILITY_FLOOR`]). [`Model::validate`] says whether a
/// deserialized model is well formed.
///
/// ```
/// use omnicanal::score::Model;
/// // family name, given name, email (null, exact, fuzzy 1, else each)
/// let model = Model::default_for(&[4, 4, 4], &["family_name", "given_name", "email"]);
/// let strong = model.match_weight(&[1, 1, 1]);
/// let weak = model.match_weight(&[1, 3, 0]);
/// assert!(strong > weak);
/// assert!(model.match_probability(&[1, 1, 1]) > 0.99);
/// assert!(model.match_probability(&[3, 3, 3]) < 0.01);
/// // Null levels carry no evidence: only the prior is left.
/// assert_eq!(model.match_weight(&[0, 0, 0]), model.prior_weight());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Model {
    /// λ: the probability that a candidate pair is a match.
    pub prior: f64,
    /// One entry per comparison, in the order of the comparison vectors.
    pub comparisons: Vec<ComparisonModel>,
    /// Levels whose `u` depends on another comparison's level (see
    /// [`ConditionalU`]); empty in an untrained model.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditional_u: Vec<ConditionalU>,
}

/// The `u` of one level among the non-matching pairs where another
/// comparison is at one level, used instead of the level's own `u` there.
///
/// Fellegi–Sunter multiplies the comparisons' odds as if they were
/// independent. Among non-matching pairs they are not: two different
/// persons who share an email or a mobile number are nearly always a
/// household, with one family name. Two records sharing a mobile under two
/// family names are far rarer among non-matches than the email's `u` alone
/// says, and far commoner among matches (a married name): the independent
/// product weighed such pairs, which are nearly all matches, below the
/// threshold. Training counts these `u` from the records' values (see
/// `resolver::exact_u`).
///
/// ```
/// use omnicanal::score::{ConditionalU, Model};
/// let mut model = Model::default_for(&[4, 4], &["email", "family_name"]);
/// let plain = model.match_weight(&[1, 3]);
/// // `email` `exact` is a hundred times rarer among non-matches when the
/// // family names differ.
/// let u = model.comparisons[0].u[1] / 100.0;
/// model.conditional_u.push(ConditionalU { comparison: 0, level: 1, when: 1, when_level: 3, u });
/// assert!((model.match_weight(&[1, 3]) - plain - 100f64.log2()).abs() < 1e-9);
/// // Elsewhere the level keeps its own u.
/// assert_eq!(model.match_weight(&[1, 1]), Model::default_for(&[4, 4], &[]).match_weight(&[1, 1]));
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConditionalU {
    /// The comparison (index in [`Model::comparisons`]) whose level's `u`
    /// this replaces.
    pub comparison: usize,
    /// That level.
    pub level: u8,
    /// The comparison that conditions it.
    pub when: usize,
    /// The level `when` must be at.
    pub when_level: u8,
    /// `u` of `level` among non-matching pairs with `when` at `when_level`.
    pub u: f64,
}

impl Model {
    /// A model from its parts (not validated; see [`Model::validate`]).
    pub fn new(prior: f64, comparisons: Vec<ComparisonModel>) -> Self {
        Model {
            prior,
            comparisons,
            conditional_u: Vec::new(),
        }
    }

    /// An untrained model with sensible weights for comparisons of the given
    /// shape (levels per comparison, null included) and names (a missing name
    /// becomes `comparison <i>`).
    ///
    /// The defaults, chosen so that weights decrease strictly along the level
    /// order whatever the number of levels:
    /// - prior λ = [`DEFAULT_PRIOR`] (5 %);
    /// - `u`: two random customers agree exactly with probability 1 %, each
    ///   weaker agreement level is twice as likely, `else` takes the rest
    ///   (more than four agreement levels: a linear ramp summing to a quarter);
    /// - `m ∝ u · 2^b` with `b` = +7 bits for exact, 2 bits less per weaker
    ///   level (less with more than five agreement levels, so the weakest
    ///   stays above −3), −4 for `else`. Normalizing `m` shifts all weights by
    ///   one constant, so they decrease strictly along the levels; exact ends
    ///   at +5 to +6.6 bits and `else` at −4.4 to −6 bits;
    /// - a comparison with only null and one other level carries no evidence.
    ///
    /// EM training ([`train_em`](crate::score::train_em)) starts from these.
    pub fn default_for(shape: &[usize], names: &[&str]) -> Self {
        let comparisons = shape
            .iter()
            .enumerate()
            .map(|(i, &levels)| {
                let name = names
                    .get(i)
                    .map_or_else(|| format!("comparison {i}"), |name| (*name).to_owned());
                ComparisonModel::with_defaults(name, levels)
            })
            .collect();
        Model {
            prior: DEFAULT_PRIOR,
            comparisons,
            conditional_u: Vec::new(),
        }
    }

    /// The shape: levels per comparison, null included.
    pub fn shape(&self) -> Vec<usize> {
        self.comparisons
            .iter()
            .map(ComparisonModel::levels)
            .collect()
    }

    /// Checks that the model is well formed: prior in `[0, 1]`, per comparison
    /// at least one and at most 256 levels, as many `m` and `u` as level names,
    /// non-null probabilities in `[0, 1]` summing to 1 (within 10⁻³), term
    /// frequency settings in range.
    ///
    /// Scoring never needs this (it is total on any model); training calls it
    /// because EM from a malformed start is not meaningful.
    pub fn validate(&self) -> Result<()> {
        if !(0.0..=1.0).contains(&self.prior) {
            return Err(Error::new(ErrorKind::Config {
                reason: format!("prior {} outside [0, 1]", self.prior),
            }));
        }
        self.comparisons
            .iter()
            .enumerate()
            .try_for_each(|(position, comparison)| comparison.validate(position))?;
        for (position, c) in self.conditional_u.iter().enumerate() {
            let has_level = |comparison: usize, level: u8| {
                level > 0
                    && self
                        .comparisons
                        .get(comparison)
                        .is_some_and(|m| usize::from(level) < m.levels())
            };
            let reason = if !has_level(c.comparison, c.level) {
                Some("its comparison or level does not exist")
            } else if !has_level(c.when, c.when_level) || c.when == c.comparison {
                Some("its condition names no other comparison's level")
            } else if !(c.u > 0.0 && c.u <= 1.0) {
                Some("its u is outside (0, 1]")
            } else {
                None
            };
            if let Some(reason) = reason {
                return Err(Error::new(ErrorKind::Config {
                    reason: format!("conditional u {position}: {reason}"),
                }));
            }
        }
        Ok(())
    }

    /// The [`ConditionalU`] of comparison `i` at `level` in a pair at
    /// `levels`, if one applies (the first listed).
    fn conditional_u_of(&self, i: usize, level: u8, levels: &[u8]) -> Option<f64> {
        self.conditional_u
            .iter()
            .find(|c| {
                c.comparison == i && c.level == level && levels.get(c.when) == Some(&c.when_level)
            })
            .map(|c| c.u)
    }

    /// The prior log-odds in bits, `log2(λ / (1 − λ))`: the match weight of a
    /// pair with no evidence at all.
    pub fn prior_weight(&self) -> f64 {
        let lambda = sane_prior(self.prior);
        (lambda / (1.0 - lambda)).log2()
    }

    /// The match weight (bits) of one comparison vector: prior log-odds plus
    /// `log2(m / u)` of every non-null level.
    pub fn match_weight(&self, levels: &[u8]) -> f64 {
        self.match_weight_tf(levels, &[])
    }

    /// The match weight with term-frequency adjustment.
    ///
    /// `term_frequencies[i]` is, for comparison `i`, the relative frequency of
    /// the value both records agree on (e.g. 0.0083 for family name `martin`
    /// if 0.83 % of records have it). It is used only where comparison `i` has
    /// [`term_frequency`](ComparisonModel::term_frequency) set *and* the pair
    /// is at level 1 (exact); `None`, a non-finite value or a missing entry
    /// (the slice may be shorter, even empty) means "not known": plain `u`.
    ///
    /// ```
    /// use omnicanal::score::{Model, TermFrequencyAdjustment};
    /// let mut model = Model::default_for(&[4, 4], &["family_name", "postcode"]);
    /// model.comparisons[0].term_frequency = Some(TermFrequencyAdjustment::default());
    /// let martin = model.match_weight_tf(&[1, 1], &[Some(0.0083), None]);
    /// let kerbrat = model.match_weight_tf(&[1, 1], &[Some(0.00002), None]);
    /// assert!(kerbrat > model.match_weight(&[1, 1]));
    /// assert!(martin < kerbrat);
    /// ```
    pub fn match_weight_tf(&self, levels: &[u8], term_frequencies: &[Option<f64>]) -> f64 {
        // The same terms, in the same order, as `explain`: the waterfall sums
        // to exactly this value.
        let mut weight = self.prior_weight();
        for (i, (comparison, &level)) in self.comparisons.iter().zip(levels).enumerate() {
            let frequency = term_frequencies.get(i).copied().flatten();
            let conditional = self.conditional_u_of(i, level, levels);
            if let Some(evidence) = comparison.evidence(level, frequency, conditional) {
                weight += evidence.weight;
            }
        }
        weight
    }

    /// The match probability of one comparison vector, `2^w / (1 + 2^w)` for
    /// its match weight `w`.
    pub fn match_probability(&self, levels: &[u8]) -> f64 {
        probability_from_weight(self.match_weight(levels))
    }

    /// The match probability with term-frequency adjustment (see
    /// [`Model::match_weight_tf`]).
    pub fn match_probability_tf(&self, levels: &[u8], term_frequencies: &[Option<f64>]) -> f64 {
        probability_from_weight(self.match_weight_tf(levels, term_frequencies))
    }

    /// Why a pair scores what it scores: the prior, then one term per
    /// comparison (null levels included, with weight 0), then the total.
    ///
    /// `term_frequencies` is as for [`Model::match_weight_tf`] (pass `&[]`
    /// for none). The terms' weights added to the prior weight, in order,
    /// give exactly [`Explanation::match_weight`].
    ///
    /// ```
    /// use omnicanal::score::Model;
    /// let model = Model::default_for(&[3, 4], &["phone", "family_name"]);
    /// let explanation = model.explain(&[1, 0], &[]);
    /// assert_eq!(explanation.terms[0].level_name, "exact");
    /// assert_eq!(explanation.terms[1].level_name, "null");
    /// assert_eq!(explanation.terms[1].weight, 0.0);
    /// assert_eq!(explanation.match_weight, model.match_weight(&[1, 0]));
    /// ```
    pub fn explain(&self, levels: &[u8], term_frequencies: &[Option<f64>]) -> Explanation {
        let prior_weight = self.prior_weight();
        let mut match_weight = prior_weight;
        let terms = self
            .comparisons
            .iter()
            .enumerate()
            .map(|(i, comparison)| {
                let level = levels.get(i).copied().unwrap_or(0);
                let frequency = term_frequencies.get(i).copied().flatten();
                let conditional = self.conditional_u_of(i, level, levels);
                let evidence = comparison.evidence(level, frequency, conditional);
                if let Some(evidence) = evidence {
                    match_weight += evidence.weight;
                }
                ExplanationTerm {
                    comparison: comparison.name.clone(),
                    level,
                    level_name: comparison.level_name(level).to_owned(),
                    m: evidence.map(|e| e.m),
                    u: evidence.map(|e| e.u),
                    term_frequency: evidence.and_then(|e| e.term_frequency),
                    weight: evidence.map_or(0.0, |e| e.weight),
                }
            })
            .collect();
        Explanation {
            prior: sane_prior(self.prior),
            prior_weight,
            terms,
            match_weight,
            match_probability: probability_from_weight(match_weight),
        }
    }
}
