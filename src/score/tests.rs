//! Tests of scoring and training: recovery of a known mixture, weight laws,
//! explanations, term frequencies and degenerate inputs.

use proptest::prelude::*;

use super::*;

/// A tiny seeded generator (splitmix64): deterministic on every machine and
/// no dependency.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A level drawn from a distribution over levels 1.. (index 0 unused).
    fn level(&mut self, distribution: &[f64]) -> u8 {
        let mut x = self.next_f64();
        for (level, p) in distribution.iter().enumerate().skip(1) {
            if x < *p {
                return level as u8;
            }
            x -= p;
        }
        (distribution.len() - 1) as u8
    }
}

/// A known mixture: family name (null, exact, fuzzy, else), given name (null,
/// exact, nickname, fuzzy, else), email (null, exact, else), postcode (null,
/// exact, département, else).
struct Truth {
    lambda: f64,
    m: Vec<Vec<f64>>,
    u: Vec<Vec<f64>>,
    null_rate: f64,
}

fn truth() -> Truth {
    Truth {
        lambda: 0.2,
        m: vec![
            vec![0.0, 0.85, 0.10, 0.05],
            vec![0.0, 0.70, 0.15, 0.10, 0.05],
            vec![0.0, 0.80, 0.20],
            vec![0.0, 0.75, 0.15, 0.10],
        ],
        u: vec![
            vec![0.0, 0.05, 0.10, 0.85],
            vec![0.0, 0.02, 0.03, 0.15, 0.80],
            vec![0.0, 0.01, 0.99],
            vec![0.0, 0.10, 0.30, 0.60],
        ],
        null_rate: 0.1,
    }
}

const NAMES: [&str; 4] = ["family_name", "given_name", "email", "postcode"];

fn shape(truth: &Truth) -> Vec<usize> {
    truth.m.iter().map(Vec::len).collect()
}

/// `pairs` flat vectors: matches with probability `lambda`, each comparison
/// null with probability `null_rate` whatever the class.
fn sample(truth: &Truth, lambda: f64, pairs: usize, seed: u64) -> Vec<u8> {
    let mut rng = SplitMix64(seed);
    let mut vectors = Vec::with_capacity(pairs * truth.m.len());
    for _ in 0..pairs {
        let is_match = rng.next_f64() < lambda;
        for (m, u) in truth.m.iter().zip(&truth.u) {
            if rng.next_f64() < truth.null_rate {
                vectors.push(0);
            } else {
                vectors.push(rng.level(if is_match { m } else { u }));
            }
        }
    }
    vectors
}

fn assert_close(actual: &[f64], expected: &[f64], tolerance: f64, what: &str) {
    assert_eq!(actual.len(), expected.len(), "{what}: lengths");
    for (level, (a, e)) in actual.iter().zip(expected).enumerate().skip(1) {
        assert!(
            (a - e).abs() < tolerance,
            "{what} level {level}: got {a}, want {e} ± {tolerance}"
        );
    }
}

#[test]
fn em_with_true_u_recovers_m_and_lambda() {
    let truth = truth();
    let mut start = Model::default_for(&shape(&truth), &NAMES);
    for (comparison, u) in start.comparisons.iter_mut().zip(&truth.u) {
        comparison.u = u.clone();
    }
    let vectors = sample(&truth, truth.lambda, 100_000, 7);
    let (model, report) = train_em(&start, &vectors, &EmOptions::default()).unwrap();
    assert!(report.converged, "{report:?}");
    assert_eq!(report.pairs, 100_000);
    assert!(report.patterns <= 4 * 5 * 3 * 4);
    assert!(
        (model.prior - truth.lambda).abs() < 0.01,
        "λ = {}",
        model.prior
    );
    for (i, comparison) in model.comparisons.iter().enumerate() {
        assert_close(&comparison.m, &truth.m[i], 0.02, comparison.name.as_str());
        assert_eq!(comparison.u, truth.u[i], "u is held fixed");
    }
}

#[test]
fn estimate_u_then_em_recovers_the_mixture() {
    let truth = truth();
    let start = Model::default_for(&shape(&truth), &NAMES);
    // Random pairs: with λ = 0, every pair is a non-match.
    let random = sample(&truth, 0.0, 50_000, 11);
    let (with_u, u_report) = estimate_u(&start, &random, 1.0).unwrap();
    assert_eq!(u_report.pairs, 50_000);
    for (i, comparison) in with_u.comparisons.iter().enumerate() {
        assert_close(&comparison.u, &truth.u[i], 0.01, comparison.name.as_str());
        // Nulls are not counted: about 90 % of pairs observed.
        assert!((u_report.observed[i] as f64 / 50_000.0 - 0.9).abs() < 0.01);
    }
    let candidates = sample(&truth, truth.lambda, 100_000, 13);
    let (model, report) = train_em(&with_u, &candidates, &EmOptions::default()).unwrap();
    assert!(report.converged);
    assert!(
        (model.prior - truth.lambda).abs() < 0.015,
        "λ = {}",
        model.prior
    );
    for (i, comparison) in model.comparisons.iter().enumerate() {
        assert_close(&comparison.m, &truth.m[i], 0.03, comparison.name.as_str());
    }
}

#[test]
fn em_estimating_u_too_recovers_the_mixture_from_defaults() {
    let truth = truth();
    let start = Model::default_for(&shape(&truth), &NAMES);
    let vectors = sample(&truth, truth.lambda, 100_000, 17);
    let options = EmOptions {
        estimate_u: true,
        max_iterations: 500,
        tolerance: 1e-6,
        ..EmOptions::default()
    };
    let (model, report) = train_em(&start, &vectors, &options).unwrap();
    assert!(report.converged, "{report:?}");
    assert!(
        (model.prior - truth.lambda).abs() < 0.02,
        "λ = {}",
        model.prior
    );
    for (i, comparison) in model.comparisons.iter().enumerate() {
        assert_close(&comparison.m, &truth.m[i], 0.03, comparison.name.as_str());
        assert_close(&comparison.u, &truth.u[i], 0.03, comparison.name.as_str());
    }
}

/// Candidate pairs of three kinds, as blocking on family name and postcode
/// gives them: persons (names agree), households (family name and postcode
/// agree, given names do not) and strangers. `(persons, households)` are
/// the shares of the first two.
fn persons_households_strangers(shares: (f64, f64), pairs: usize, seed: u64) -> Vec<u8> {
    let person = Truth {
        lambda: 1.0,
        m: vec![
            vec![0.0, 0.85, 0.10, 0.05],
            vec![0.0, 0.80, 0.10, 0.08, 0.02],
            vec![0.0, 0.80, 0.20],
            vec![0.0, 0.75, 0.15, 0.10],
        ],
        u: vec![],
        null_rate: 0.1,
    };
    let household = Truth {
        m: vec![
            vec![0.0, 0.95, 0.04, 0.01],
            vec![0.0, 0.01, 0.01, 0.03, 0.95],
            vec![0.0, 0.30, 0.70],
            vec![0.0, 0.95, 0.04, 0.01],
        ],
        ..person
    };
    let stranger = truth().u;
    let mut rng = SplitMix64(seed);
    let mut vectors = Vec::with_capacity(pairs * 4);
    for _ in 0..pairs {
        let x = rng.next_f64();
        let class = if x < shares.0 {
            &person.m
        } else if x < shares.0 + shares.1 {
            &household.m
        } else {
            &stranger
        };
        for distribution in class {
            let level = if rng.next_f64() < person.null_rate {
                0
            } else {
                rng.level(distribution)
            };
            vectors.push(level);
        }
    }
    vectors
}

#[test]
fn an_m_ceiling_keeps_households_out_of_the_match_class() {
    let start = Model::default_for(&shape(&truth()), &NAMES);
    let vectors = persons_households_strangers((0.25, 0.35), 100_000, 23);
    let free = EmOptions {
        estimate_u: true,
        ..EmOptions::default()
    };
    let bounded = EmOptions {
        m_ceilings: vec![MCeiling {
            comparison: "given_name".into(),
            level: "else".into(),
            max: 0.03,
        }],
        ..free.clone()
    };
    let (unbounded_model, _) = train_em(&start, &vectors, &free).unwrap();
    let (model, report) = train_em(&start, &vectors, &bounded).unwrap();
    let given_else = |m: &Model| m.comparisons[1].m[4];
    // Free EM takes households for matches: given names "often" disagree.
    assert!(given_else(&unbounded_model) > 0.3, "{unbounded_model:?}");
    assert!(
        unbounded_model.prior > 0.45,
        "λ = {}",
        unbounded_model.prior
    );
    // Bounded, the match class is the persons again.
    assert!(given_else(&model) <= 0.03 + 1e-12);
    assert!(
        (model.prior - 0.25).abs() < 0.03,
        "λ = {} {report:?}",
        model.prior
    );
    assert_close(
        &model.comparisons[1].m,
        &[0.0, 0.80, 0.10, 0.08, 0.02],
        0.03,
        "given",
    );
    for comparison in &model.comparisons {
        let total: f64 = comparison.m.iter().skip(1).sum();
        assert!((total - 1.0).abs() < 1e-9, "{total}");
    }
    // A ceiling naming nothing the model has changes nothing.
    let stray = EmOptions {
        m_ceilings: vec![MCeiling {
            comparison: "shoe_size".into(),
            level: "else".into(),
            max: 0.01,
        }],
        ..free.clone()
    };
    assert_eq!(
        train_em(&start, &vectors, &stray).unwrap().0,
        unbounded_model
    );
}

#[test]
fn em_log_likelihood_does_not_decrease() {
    let truth = truth();
    let start = Model::default_for(&shape(&truth), &NAMES);
    let vectors = sample(&truth, truth.lambda, 20_000, 19);
    let options = EmOptions {
        estimate_u: true,
        ..EmOptions::default()
    };
    let (_, report) = train_em(&start, &vectors, &options).unwrap();
    assert!(report.log_likelihood.len() >= 2);
    for pair in report.log_likelihood.windows(2) {
        // Smoothing makes EM maximise a posterior, not the likelihood: allow
        // a hair of slack, far below any real step.
        assert!(pair[1] >= pair[0] - 1e-6 * pair[0].abs(), "{pair:?}");
    }
    assert!(
        report
            .log_likelihood
            .iter()
            .all(|ll| ll.is_finite() && *ll < 0.0)
    );
}

#[test]
fn trained_weights_decrease_along_the_level_order() {
    let truth = truth();
    let mut start = Model::default_for(&shape(&truth), &NAMES);
    for (comparison, u) in start.comparisons.iter_mut().zip(&truth.u) {
        comparison.u = u.clone();
    }
    let vectors = sample(&truth, truth.lambda, 50_000, 23);
    let (model, _) = train_em(&start, &vectors, &EmOptions::default()).unwrap();
    for comparison in &model.comparisons {
        let weights: Vec<f64> = (1..comparison.levels() as u8)
            .map(|level| comparison.partial_weight(level, None))
            .collect();
        assert!(
            weights.windows(2).all(|w| w[0] > w[1]),
            "{}: {weights:?}",
            comparison.name
        );
        assert!(weights[0] > 0.0 && weights[weights.len() - 1] < 0.0);
    }
}

#[test]
fn training_ignores_the_order_of_the_pairs() {
    let truth = truth();
    let start = Model::default_for(&shape(&truth), &NAMES);
    let vectors = sample(&truth, truth.lambda, 5_000, 29);
    let reversed: Vec<u8> = vectors.chunks_exact(4).rev().flatten().copied().collect();
    let (a, _) = train_em(&start, &vectors, &EmOptions::default()).unwrap();
    let (b, _) = train_em(&start, &reversed, &EmOptions::default()).unwrap();
    assert_eq!(a, b, "patterns are summed in a fixed order: bit-identical");
}

#[test]
fn default_weights_decrease_along_the_level_order_for_any_level_count() {
    for levels in 3..=40 {
        let comparison = ComparisonModel::with_defaults("x", levels);
        let weights: Vec<f64> = (1..levels as u8)
            .map(|level| comparison.partial_weight(level, None))
            .collect();
        assert!(
            weights.windows(2).all(|w| w[0] > w[1]),
            "{levels}: {weights:?}"
        );
        assert!(weights[0] > 5.0, "exact is strong evidence: {weights:?}");
        assert!(*weights.last().unwrap() < -4.0, "else is evidence against");
        Model::new(DEFAULT_PRIOR, vec![comparison])
            .validate()
            .unwrap();
    }
}

#[test]
fn default_model_scores_french_cases_sensibly() {
    let model = Model::default_for(
        &[4, 5, 3, 3],
        &["family_name", "given_name", "email", "phone"],
    );
    // Same family name, given name and email, phone missing: Dupont Marie
    // on the web and on her loyalty card.
    assert!(model.match_probability(&[1, 1, 1, 0]) > 0.999);
    // Same family name only, everything else differs: another Martin.
    assert!(model.match_probability(&[1, 4, 2, 2]) < 0.001);
    // Nothing known: the prior.
    assert!((model.match_probability(&[0, 0, 0, 0]) - DEFAULT_PRIOR).abs() < 1e-12);
    assert_eq!(
        model.comparisons[1].level_names,
        ["null", "exact", "fuzzy 1", "fuzzy 2", "else"]
    );
}

#[test]
fn explanation_terms_sum_to_the_match_weight() {
    let mut model = Model::default_for(&[4, 5, 3], &["family_name", "given_name", "email"]);
    model.comparisons[0].term_frequency = Some(TermFrequencyAdjustment::default());
    let levels = [1, 2, 0];
    let tf = [Some(0.0083), None, None];
    let explanation = model.explain(&levels, &tf);
    let sum = explanation.prior_weight + explanation.terms.iter().map(|t| t.weight).sum::<f64>();
    assert_eq!(
        explanation.match_weight,
        model.match_weight_tf(&levels, &tf)
    );
    assert!((sum - explanation.match_weight).abs() < 1e-12);
    assert_eq!(explanation.terms[0].term_frequency, Some(0.0083));
    assert_eq!(explanation.terms[1].level_name, "fuzzy 1");
    assert_eq!(explanation.terms[2].m, None);
    assert_eq!(
        explanation.match_probability,
        model.match_probability_tf(&levels, &tf)
    );
    let table = explanation.to_string();
    assert!(table.starts_with("prior"), "{table}");
    assert!(table.contains("family_name exact"), "{table}");
    assert!(table.contains("tf=8.30e-3"), "{table}");
    assert!(
        table.lines().last().unwrap().starts_with("total"),
        "{table}"
    );
    assert_eq!(table.lines().count(), 5);
}

#[test]
fn term_frequency_lowers_common_values_and_raises_rare_ones() {
    let mut model = Model::default_for(&[4, 4], &["family_name", "postcode"]);
    model.comparisons[0].term_frequency = Some(TermFrequencyAdjustment::default());
    // Two random French customers share a family name about once in a thousand.
    model.comparisons[0].u = vec![0.0, 0.001, 0.02, 0.979];
    let plain = model.match_weight(&[1, 1]);
    let martin = model.match_weight_tf(&[1, 1], &[Some(0.0083), None]);
    let le_goff = model.match_weight_tf(&[1, 1], &[Some(0.0004), None]);
    let kerbrat = model.match_weight_tf(&[1, 1], &[Some(0.00002), None]);
    assert!(
        martin < plain,
        "martin ({martin}) is commoner than the 0.1 % average u"
    );
    assert!(martin < le_goff && le_goff < kerbrat);
    // Full adjustment: the exact term is log2(m / f).
    let m = model.comparisons[0].m[1];
    let expected = model.prior_weight()
        + (m / 0.00002f64).log2()
        + model.comparisons[1].partial_weight(1, None);
    assert!((kerbrat - expected).abs() < 1e-9);
    // A frequency below the minimum is raised to it: a one-off typo is not
    // infinitely rare.
    let typo = model.match_weight_tf(&[1, 1], &[Some(1e-12), None]);
    let at_minimum = model.match_weight_tf(&[1, 1], &[Some(1e-6), None]);
    assert_eq!(typo, at_minimum);
    // No effect off the exact level, on a comparison without TF, or when unknown.
    assert_eq!(
        model.match_weight_tf(&[2, 1], &[Some(0.0083), None]),
        model.match_weight(&[2, 1])
    );
    assert_eq!(model.match_weight_tf(&[1, 1], &[None, Some(0.5)]), plain);
    assert_eq!(model.match_weight_tf(&[1, 1], &[Some(f64::NAN)]), plain);
    // Half strength: half the adjustment.
    model.comparisons[0].term_frequency = Some(TermFrequencyAdjustment {
        weight: 0.5,
        ..TermFrequencyAdjustment::default()
    });
    let half = model.match_weight_tf(&[1, 1], &[Some(0.00002), None]);
    assert!((half - (plain + (kerbrat - plain) / 2.0)).abs() < 1e-9);
}

#[test]
fn degenerate_training_inputs_give_finite_weights() {
    let start = Model::default_for(&[3, 4], &["email", "family_name"]);

    // Empty: nothing changes.
    let (same, report) = train_em(&start, &[], &EmOptions::default()).unwrap();
    assert_eq!(same, start);
    assert_eq!(
        (report.iterations, report.converged, report.pairs),
        (0, true, 0)
    );
    let (same, u_report) = estimate_u(&start, &[], 1.0).unwrap();
    assert_eq!(same, start);
    assert_eq!(u_report.observed, [0, 0]);

    // All identical vectors, and levels never observed.
    let identical = [1u8, 1].repeat(1000);
    for estimate_u in [false, true] {
        let options = EmOptions {
            estimate_u,
            ..EmOptions::default()
        };
        let (model, report) = train_em(&start, &identical, &options).unwrap();
        assert_eq!(report.patterns, 1);
        assert!(model.prior.is_finite() && model.prior > 0.0 && model.prior < 1.0);
        all_weights_finite(&model);
        model.validate().unwrap();
    }
    let (model, _) = estimate_u(&start, &identical, 1.0).unwrap();
    all_weights_finite(&model);
    // Without smoothing an unseen level would be 0: the floor keeps it finite.
    let (model, _) = estimate_u(&start, &identical, 0.0).unwrap();
    all_weights_finite(&model);
    let (model, _) = train_em(
        &start,
        &identical,
        &EmOptions {
            smoothing: 0.0,
            estimate_u: true,
            ..EmOptions::default()
        },
    )
    .unwrap();
    all_weights_finite(&model);

    // Only nulls.
    let (model, _) = train_em(&start, &[0u8; 100], &EmOptions::default()).unwrap();
    all_weights_finite(&model);

    // Levels beyond the model are ignored, not an index out of bounds.
    let (model, _) = train_em(&start, &[9u8, 200].repeat(10), &EmOptions::default()).unwrap();
    all_weights_finite(&model);

    // A model without comparisons trains on nothing; wrong strides are errors.
    let empty = Model::default_for(&[], &[]);
    assert!(train_em(&empty, &[], &EmOptions::default()).is_ok());
    assert!(train_em(&empty, &[1], &EmOptions::default()).is_err());
    assert!(train_em(&start, &[1, 1, 1], &EmOptions::default()).is_err());
    assert!(estimate_u(&start, &[1], 1.0).is_err());

    // Zero iterations: the start, unconverged.
    let (model, report) = train_em(
        &start,
        &identical,
        &EmOptions {
            max_iterations: 0,
            ..EmOptions::default()
        },
    )
    .unwrap();
    assert!(!report.converged);
    all_weights_finite(&model);
}

fn all_weights_finite(model: &Model) {
    for comparison in &model.comparisons {
        for level in 0..comparison.levels() as u8 {
            let weight = comparison.partial_weight(level, None);
            assert!(weight.is_finite(), "{}: level {level}", comparison.name);
            assert!(weight.abs() < 40.0);
        }
    }
    assert!(model.prior_weight().is_finite());
}

#[test]
fn malformed_models_are_refused_by_training_but_scored_totally() {
    let mut model = Model::default_for(&[3, 4], &["email", "family_name"]);
    model.comparisons[1].m.pop();
    assert!(model.validate().is_err());
    assert!(train_em(&model, &[1, 1], &EmOptions::default()).is_err());
    // Level 3 of family name lost its m: no evidence rather than a panic.
    assert_eq!(model.comparisons[1].partial_weight(3, None), 0.0);
    assert!(model.match_weight(&[1, 3]).is_finite());

    let mut model = Model::default_for(&[3], &["email"]);
    model.comparisons[0].m = vec![0.0, 0.0, 1.0];
    model.comparisons[0].u = vec![0.0, f64::NAN, 1.0];
    model.prior = 1.0;
    assert!(model.validate().is_err());
    assert!(model.match_weight(&[1]).is_finite());
    assert!(model.match_weight(&[2]).is_finite());
    // A zero m is a valid start: EM floors it rather than lock it at 0.
    model.comparisons[0].u = vec![0.0, 0.01, 0.99];
    model.prior = 0.5;
    model.validate().unwrap();
    let vectors = [1u8, 1, 2, 2, 2, 2, 2, 1, 1, 1];
    let (trained, _) = train_em(&model, &vectors, &EmOptions::default()).unwrap();
    assert!(trained.comparisons[0].m[1] > 0.1);
}

#[test]
fn a_model_round_trips_through_json() {
    let mut model = Model::default_for(&[4, 3], &["family_name", "email"]);
    model.comparisons[0].term_frequency = Some(TermFrequencyAdjustment::default());
    let json = serde_json::to_string(&model).unwrap();
    let back: Model = serde_json::from_str(&json).unwrap();
    assert_eq!(back, model);
    // Term-frequency settings may be given partially.
    let json = r#"{"prior":0.1,"comparisons":[{"name":"family_name",
        "level_names":["null","exact","else"],"m":[0,0.9,0.1],"u":[0,0.01,0.99],
        "term_frequency":{}}]}"#;
    let model: Model = serde_json::from_str(json).unwrap();
    model.validate().unwrap();
    assert_eq!(
        model.comparisons[0].term_frequency,
        Some(TermFrequencyAdjustment::default())
    );
    let explanation = model.explain(&[1], &[Some(0.3)]);
    let back: Explanation =
        serde_json::from_str(&serde_json::to_string(&explanation).unwrap()).unwrap();
    assert_eq!(back, explanation);
}

fn any_probability() -> impl Strategy<Value = f64> {
    prop_oneof![
        0.0..=1.0f64,
        Just(0.0),
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(-1.0),
        Just(1e-300),
    ]
}

fn any_model() -> impl Strategy<Value = Model> {
    let comparison = (1usize..7, any::<bool>()).prop_flat_map(|(levels, tf)| {
        (
            prop::collection::vec(any_probability(), levels),
            prop::collection::vec(any_probability(), levels),
            any_probability(),
            any_probability(),
        )
            .prop_map(move |(m, u, weight, minimum_u)| ComparisonModel {
                name: "c".into(),
                level_names: (0..levels).map(|l| l.to_string()).collect(),
                m,
                u,
                term_frequency: tf.then_some(TermFrequencyAdjustment { weight, minimum_u }),
            })
    });
    (any_probability(), prop::collection::vec(comparison, 0..6))
        .prop_map(|(prior, comparisons)| Model::new(prior, comparisons))
}

proptest! {
    #[test]
    fn scoring_is_total_and_explained_exactly(
        model in any_model(),
        levels in prop::collection::vec(any::<u8>(), 0..8),
        tf in prop::collection::vec(prop::option::of(any_probability()), 0..8),
    ) {
        let weight = model.match_weight_tf(&levels, &tf);
        prop_assert!(weight.is_finite());
        let probability = model.match_probability_tf(&levels, &tf);
        prop_assert!((0.0..=1.0).contains(&probability));
        let explanation = model.explain(&levels, &tf);
        prop_assert_eq!(explanation.match_weight, weight);
        prop_assert_eq!(explanation.terms.len(), model.comparisons.len());
        let mut sum = explanation.prior_weight;
        for term in &explanation.terms {
            sum += term.weight;
        }
        prop_assert_eq!(sum, weight);
    }

    #[test]
    fn default_models_train_to_finite_valid_models(
        shape in prop::collection::vec(1usize..6, 1..4),
        raw in prop::collection::vec(any::<u8>(), 0..200),
        re_estimate_u in any::<bool>(),
    ) {
        let start = Model::default_for(&shape, &[]);
        prop_assert!(start.validate().is_ok());
        let stride = shape.len();
        let usable = raw.len() - raw.len() % stride;
        // Levels modulo the shape, plus the occasional out-of-range level.
        let vectors: Vec<u8> = raw[..usable]
            .iter()
            .enumerate()
            .map(|(i, &x)| if x == 255 { x } else { x % shape[i % stride] as u8 })
            .collect();
        let options = EmOptions { estimate_u: re_estimate_u, ..EmOptions::default() };
        let (model, report) = train_em(&start, &vectors, &options).unwrap();
        prop_assert!(model.validate().is_ok(), "{:?}", model.validate());
        prop_assert!(report.log_likelihood.iter().all(|ll| ll.is_finite()));
        all_weights_finite(&model);
        let (model, _) = estimate_u(&model, &vectors, 1.0).unwrap();
        prop_assert!(model.validate().is_ok());
        all_weights_finite(&model);
    }
}
