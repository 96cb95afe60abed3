//! Training without labels: `u` from random pairs, then `m` and λ by EM.
//!
//! The recipe is Splink's default: `u` is estimated from comparison vectors
//! of *random* record pairs (nearly all non-matches, so the level frequencies
//! are `u` directly), then expectation–maximisation over the two-class
//! mixture of candidate pairs (Winkler 1988, Jaro 1989) estimates `m` and λ
//! with `u` held fixed. Holding `u` fixed anchors the non-match class, which
//! removes EM's label-switching ambiguity and its tendency to split the
//! non-matches in two when the data has more structure than two classes.
//!
//! Both trainers first count distinct comparison vectors ("patterns"): a few
//! comparisons of a few levels give at most a few thousand patterns, so ten
//! million pairs cost one hashing pass plus per-pattern EM iterations.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind, Result};
use crate::score::model::{Model, PROBABILITY_FLOOR, sane_prior, sane_probability};

/// Distinct comparison vectors and how often each occurs, sorted by vector
/// so that every float sum runs in the same order on every run.
struct Patterns<'a> {
    vectors: Vec<&'a [u8]>,
    counts: Vec<f64>,
    total: f64,
}

impl<'a> Patterns<'a> {
    fn count(stride: usize, vectors: &'a [u8]) -> Result<Self> {
        if vectors.is_empty() {
            return Ok(Patterns {
                vectors: Vec::new(),
                counts: Vec::new(),
                total: 0.0,
            });
        }
        if stride == 0 || vectors.len() % stride != 0 {
            return Err(Error::new(ErrorKind::Config {
                reason: format!(
                    "{} comparison levels do not split into vectors of {stride} comparisons",
                    vectors.len()
                ),
            }));
        }
        let mut counts: HashMap<&[u8], u64> = HashMap::new();
        for vector in vectors.chunks_exact(stride) {
            *counts.entry(vector).or_insert(0) += 1;
        }
        let mut sorted: Vec<(&[u8], u64)> = counts.into_iter().collect();
        sorted.sort_unstable();
        let total = (vectors.len() / stride) as f64;
        let (vectors, counts) = sorted.into_iter().map(|(v, c)| (v, c as f64)).unzip();
        Ok(Patterns {
            vectors,
            counts,
            total,
        })
    }
}

/// What [`estimate_u`] saw.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UEstimateReport {
    /// Random pairs read.
    pub pairs: u64,
    /// Per comparison, the pairs where it was not null (and within the
    /// model's levels). A comparison with 0 kept its previous `u`.
    pub observed: Vec<u64>,
}

/// Estimates `u` from the comparison vectors of random record pairs.
///
/// `random_pair_vectors` is flat, stride = number of comparisons of `model`;
/// the caller samples the pairs (uniformly among all record pairs, so nearly
/// all are non-matches). For each comparison, with `n_l` pairs at non-null
/// level `l`, `k` non-null levels and `smoothing` α (Laplace: 1.0):
///
/// ```text
/// u[l] = (n_l + α) / (Σ n + α · k)
/// ```
///
/// so a level never seen (exact agreement on birth date among 10 000 random
/// pairs, say) still gets a small positive `u` and a finite weight. Null
/// levels are not counted: `u` is conditional on both sides being present.
/// A comparison never observed keeps its previous `u`. `m` and λ are
/// unchanged.
///
/// Errors when the model is malformed or the slice length is not a multiple
/// of the number of comparisons.
///
/// ```
/// use omnicanal::score::{Model, estimate_u};
/// let model = Model::default_for(&[3], &["phone"]);
/// // 1 exact agreement, 998 disagreements, 1 null among random pairs.
/// let mut vectors = vec![2u8; 1000];
/// vectors[0] = 1;
/// vectors[1] = 0;
/// let (model, report) = estimate_u(&model, &vectors, 1.0)?;
/// assert_eq!(report.observed, [999]);
/// assert!((model.comparisons[0].u[1] - 2.0 / 1001.0).abs() < 1e-12);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn estimate_u(
    model: &Model,
    random_pair_vectors: &[u8],
    smoothing: f64,
) -> Result<(Model, UEstimateReport)> {
    model.validate()?;
    let smoothing = sanitize_smoothing(smoothing);
    let stride = model.comparisons.len();
    let patterns = Patterns::count(stride, random_pair_vectors)?;
    let mut level_counts: Vec<Vec<f64>> = model
        .comparisons
        .iter()
        .map(|c| vec![0.0; c.levels()])
        .collect();
    for (vector, &count) in patterns.vectors.iter().zip(&patterns.counts) {
        for (counts, &level) in level_counts.iter_mut().zip(vector.iter()) {
            let level = usize::from(level);
            if level != 0 && level < counts.len() {
                counts[level] += count;
            }
        }
    }
    let mut trained = model.clone();
    let mut observed = Vec::with_capacity(stride);
    for (comparison, counts) in trained.comparisons.iter_mut().zip(&level_counts) {
        let seen: f64 = counts.iter().sum();
        observed.push(seen as u64);
        if seen > 0.0 {
            comparison.u = smoothed_distribution(counts, smoothing);
        }
    }
    Ok((
        trained,
        UEstimateReport {
            pairs: patterns.total as u64,
            observed,
        },
    ))
}

/// Options of [`train_em`]; `EmOptions::default()` is Splink's defaults.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EmOptions {
    /// Stop after this many iterations even without convergence (default 100;
    /// an iteration costs one pass over the distinct patterns, not the pairs).
    pub max_iterations: usize,
    /// Converged when no parameter (λ, any `m`, and any `u` if estimated)
    /// moves by more than this in one iteration (default 10⁻⁴, Splink's
    /// `em_convergence`).
    pub tolerance: f64,
    /// Re-estimate `u` too (default `false`: `u` from [`estimate_u`] is
    /// held fixed). Without a fixed `u` the two classes are only told
    /// apart by the starting point: start from a model whose exact levels
    /// favour the match class.
    pub estimate_u: bool,
    /// Pseudo-count α added to every non-null level's expected count in the
    /// M-step (default 1.0, Laplace), so that no level gets probability 0.
    pub smoothing: f64,
    /// Upper bounds on some `m` values, held in every M-step (default none).
    ///
    /// EM has two classes; candidate pairs hold three kinds (one person,
    /// one household, strangers). Households agree on family name and
    /// address, so EM may take them for matches and learn that a match's
    /// given names often disagree, which then weighs a household's
    /// disagreement as nothing. What is known a priori — a person's records
    /// rarely carry wholly different given names — is stated here and keeps
    /// the match class to persons.
    #[serde(default)]
    pub m_ceilings: Vec<MCeiling>,
}

/// "`m` of this level of this comparison is at most `max`": see
/// [`EmOptions::m_ceilings`]. A ceiling naming a comparison or level the
/// model does not have is ignored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MCeiling {
    /// The comparison's name (`given_name`).
    pub comparison: String,
    /// The level's name (`else`).
    pub level: String,
    /// The largest `m` EM may give it, in `(0, 1)`.
    pub max: f64,
}

impl Default for EmOptions {
    fn default() -> Self {
        EmOptions {
            max_iterations: 100,
            tolerance: 1e-4,
            estimate_u: false,
            smoothing: 1.0,
            m_ceilings: Vec::new(),
        }
    }
}

/// How EM training went.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainingReport {
    /// Candidate pairs read.
    pub pairs: u64,
    /// Distinct comparison vectors among them.
    pub patterns: usize,
    /// Iterations run.
    pub iterations: usize,
    /// Whether the last iteration moved every parameter by less than the tolerance.
    pub converged: bool,
    /// The estimated λ.
    pub prior: f64,
    /// The largest parameter change of the last iteration.
    pub last_change: f64,
    /// The log-likelihood (natural log) of the data under the parameters each
    /// iteration started from; non-decreasing up to the smoothing's effect.
    pub log_likelihood: Vec<f64>,
}

/// Trains `m` and λ (and optionally `u`) by expectation–maximisation on
/// candidate-pair comparison vectors, starting from `initial`.
///
/// `candidate_vectors` is flat, stride = number of comparisons of `initial`.
/// The model is the two-class mixture of Fellegi–Sunter with conditional
/// independence: `P(γ) = λ Π m_i[γ_i] + (1 − λ) Π u_i[γ_i]`, null levels
/// contributing a factor 1 to both classes. Each iteration computes every
/// pattern's match posterior (E-step, in log space so that many comparisons
/// cannot underflow) and sets λ to the mean posterior and `m[l]` to the
/// posterior-weighted share of level `l`, smoothed as in [`estimate_u`]
/// (M-step). It stops when no parameter moves by more than
/// `options.tolerance`, or after `options.max_iterations`.
///
/// Term frequencies play no part in training (as in Splink): they adjust
/// the trained exact-level `u` at scoring time.
///
/// Empty input returns `initial` unchanged with 0 iterations and
/// `converged = true`. Errors when the model is malformed or the slice length
/// is not a multiple of the number of comparisons.
///
/// ```
/// use omnicanal::score::{EmOptions, Model, train_em};
/// let initial = Model::default_for(&[3, 3], &["email", "phone"]);
/// // 300 pairs agreeing on both, 700 disagreeing on both.
/// let mut vectors = Vec::new();
/// for _ in 0..300 { vectors.extend([1u8, 1]); }
/// for _ in 0..700 { vectors.extend([2u8, 2]); }
/// let (model, report) = train_em(&initial, &vectors, &EmOptions::default())?;
/// assert!(report.converged);
/// assert!((model.prior - 0.3).abs() < 0.01);
/// assert!(model.match_probability(&[1, 1]) > 0.99);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn train_em(
    initial: &Model,
    candidate_vectors: &[u8],
    options: &EmOptions,
) -> Result<(Model, TrainingReport)> {
    initial.validate()?;
    let smoothing = sanitize_smoothing(options.smoothing);
    let tolerance = if options.tolerance.is_nan() {
        0.0
    } else {
        options.tolerance
    };
    let stride = initial.comparisons.len();
    let patterns = Patterns::count(stride, candidate_vectors)?;
    let mut model = initial.clone();
    let mut report = TrainingReport {
        pairs: patterns.total as u64,
        patterns: patterns.vectors.len(),
        iterations: 0,
        converged: true,
        prior: initial.prior,
        last_change: 0.0,
        log_likelihood: Vec::new(),
    };
    if patterns.vectors.is_empty() {
        return Ok((model, report));
    }

    // Start from renormalized, floored probabilities: a hand-made start with
    // a zero would otherwise lock that level at zero forever (EM never moves
    // a probability away from 0).
    let mut lambda = sane_prior(model.prior);
    let mut m: Vec<Vec<f64>> = model
        .comparisons
        .iter()
        .map(|c| renormalized(&c.m[..c.levels()]))
        .collect();
    let mut u: Vec<Vec<f64>> = model
        .comparisons
        .iter()
        .map(|c| renormalized(&c.u[..c.levels()]))
        .collect();

    // (comparison, level, max) for every ceiling that names a level we have.
    let ceilings: Vec<(usize, usize, f64)> = options
        .m_ceilings
        .iter()
        .filter(|c| c.max.is_finite() && c.max > 0.0 && c.max < 1.0)
        .filter_map(|c| {
            let i = model
                .comparisons
                .iter()
                .position(|x| x.name == c.comparison)?;
            let level = model.comparisons[i]
                .level_names
                .iter()
                .position(|l| *l == c.level)
                .filter(|&l| l > 0 && l < m[i].len())?;
            Some((i, level, c.max))
        })
        .collect();
    for &(i, level, max) in &ceilings {
        cap_level(&mut m[i], level, max);
    }

    report.converged = false;
    for iteration in 0..options.max_iterations {
        let log_m: Vec<Vec<f64>> = m
            .iter()
            .map(|p| p.iter().map(|x| x.ln()).collect())
            .collect();
        let log_u: Vec<Vec<f64>> = u
            .iter()
            .map(|p| p.iter().map(|x| x.ln()).collect())
            .collect();
        let mut expected_m: Vec<Vec<f64>> = m.iter().map(|p| vec![0.0; p.len()]).collect();
        let mut expected_u: Vec<Vec<f64>> = u.iter().map(|p| vec![0.0; p.len()]).collect();
        let mut expected_matches = 0.0;
        let mut log_likelihood = 0.0;

        // E-step: posterior probability of the match class for each pattern.
        for (vector, &count) in patterns.vectors.iter().zip(&patterns.counts) {
            let mut log_match = lambda.ln();
            let mut log_non_match = (1.0 - lambda).ln();
            for (i, &level) in vector.iter().enumerate() {
                let level = usize::from(level);
                if level != 0 && level < log_m[i].len() {
                    log_match += log_m[i][level];
                    log_non_match += log_u[i][level];
                }
            }
            let high = log_match.max(log_non_match);
            log_likelihood +=
                count * (high + ((log_match - high).exp() + (log_non_match - high).exp()).ln());
            let posterior = 1.0 / (1.0 + (log_non_match - log_match).exp());
            expected_matches += count * posterior;
            for (i, &level) in vector.iter().enumerate() {
                let level = usize::from(level);
                if level != 0 && level < expected_m[i].len() {
                    expected_m[i][level] += count * posterior;
                    expected_u[i][level] += count * (1.0 - posterior);
                }
            }
        }
        report.log_likelihood.push(log_likelihood);

        // M-step.
        let new_lambda = sane_prior(expected_matches / patterns.total);
        let mut change = (new_lambda - lambda).abs();
        lambda = new_lambda;
        for (i, (current, expected)) in m.iter_mut().zip(&expected_m).enumerate() {
            let mut next = smoothed_distribution(expected, smoothing);
            for &(_, level, max) in ceilings.iter().filter(|c| c.0 == i) {
                cap_level(&mut next, level, max);
            }
            change = change.max(replace(current, next));
        }
        if options.estimate_u {
            for (current, expected) in u.iter_mut().zip(&expected_u) {
                change = change.max(replace(current, smoothed_distribution(expected, smoothing)));
            }
        }
        report.iterations = iteration + 1;
        report.last_change = change;
        if change < tolerance {
            report.converged = true;
            break;
        }
    }

    model.prior = lambda;
    for ((comparison, m), u) in model.comparisons.iter_mut().zip(m).zip(u) {
        comparison.m = m;
        // A fixed u is returned exactly as given, not as its floored copy.
        if options.estimate_u {
            comparison.u = u;
        }
    }
    report.prior = lambda;
    Ok((model, report))
}

/// Holds `distribution[level]` at most `max`, giving the excess to the other
/// non-null levels in proportion, so that it still sums to 1 (the maximum
/// likelihood under the constraint, since the other levels keep their
/// ratios).
fn cap_level(distribution: &mut [f64], level: usize, max: f64) {
    let Some(&value) = distribution.get(level) else {
        return;
    };
    let others = 1.0 - value;
    if value <= max || others <= 0.0 {
        return;
    }
    let scale = (1.0 - max) / others;
    for (l, p) in distribution.iter_mut().enumerate().skip(1) {
        *p = if l == level { max } else { *p * scale };
    }
}

/// Replaces `current` by `next`, returning the largest absolute change.
fn replace(current: &mut Vec<f64>, next: Vec<f64>) -> f64 {
    let change = current
        .iter()
        .zip(&next)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    *current = next;
    change
}

/// A non-negative finite pseudo-count.
fn sanitize_smoothing(smoothing: f64) -> f64 {
    if smoothing.is_finite() && smoothing > 0.0 {
        smoothing
    } else {
        0.0
    }
}

/// `(count[l] + α) / (Σ count + α · k)` over the non-null levels `1..`,
/// index 0 left at 0. Falls back to uniform when everything is zero (no
/// observation and no smoothing), and floors every entry so that no
/// logarithm of it is ever −∞.
fn smoothed_distribution(counts: &[f64], smoothing: f64) -> Vec<f64> {
    let levels = counts.len().saturating_sub(1);
    let mut distribution = vec![0.0; counts.len()];
    if levels == 0 {
        return distribution;
    }
    let total: f64 = counts.iter().skip(1).sum::<f64>() + smoothing * levels as f64;
    for (p, count) in distribution.iter_mut().zip(counts).skip(1) {
        *p = if total > 0.0 {
            ((count + smoothing) / total).max(PROBABILITY_FLOOR)
        } else {
            1.0 / levels as f64
        };
    }
    distribution
}

/// Floors the non-null probabilities and rescales them to sum to 1.
fn renormalized(probabilities: &[f64]) -> Vec<f64> {
    let mut floored: Vec<f64> = probabilities.iter().map(|&p| sane_probability(p)).collect();
    if let Some(null) = floored.first_mut() {
        *null = 0.0;
    }
    let total: f64 = floored.iter().sum();
    if total > 0.0 {
        floored.iter_mut().skip(1).for_each(|p| *p /= total);
    }
    floored
}
