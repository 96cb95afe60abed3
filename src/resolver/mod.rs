//! The facade: many records in, customers out.
//!
//! [`Resolver::resolve`] runs the stages in order — block, compare, train
//! (u by random sampling, m and λ by EM, no labels), score (with
//! term-frequency adjustment for names), cluster (union-find with guards) —
//! and returns a [`Resolution`] that says which customer each record belongs
//! to, why, and what each stage cost.
//!
//! Every stage is deterministic: the same records in any order give the same
//! partition, with one thread or many.
//!
//! ```
//! use omnicanal::normalize::normalize;
//! use omnicanal::resolver::{Resolver, Settings};
//! use omnicanal::{Channel, Record, SourceKey};
//!
//! let mut records = Vec::new();
//! for (channel, id, name, phone) in [
//!     (Channel::Store, "1", "DUPONT Marie", "06.12.34.56.78"),
//!     (Channel::Web, "2", "Marie Dupont", "+33612345678"),
//!     (Channel::App, "3", "Jean Martin", "07 11 22 33 44"),
//! ] {
//!     let record = Record::builder(SourceKey::new(channel, id)?)
//!         .full_name(name)?
//!         .phone(phone)?
//!         .build();
//!     records.push(normalize(&record));
//! }
//! let resolution = Resolver::new(Settings::default())?.resolve(&records)?;
//! let clusters = resolution.clustering.assignment();
//! assert_eq!(clusters[0], clusters[1]);
//! assert_ne!(clusters[0], clusters[2]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod exact_u;
mod live;
mod sample;
mod term_frequency;

use std::time::{Duration, Instant};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::block::{
    Blocker, Blocking, BlockingReport, BlockingSettings, CandidatePair, GenericValues,
};
use crate::cluster::{
    Clustering, CustomerId, Edge, HouseholdGuard, MergeGuard, NamesGuard, RefusalReason,
    StrongFactsGuard, cluster_ranked,
};
use crate::compare::{Comparator, ComparisonKind, ComparisonSettings, LevelExplanation, Prepared};
use crate::error::{Error, ErrorKind, Result};
use crate::normalize::{NormalizedAddress, NormalizedRecord};
use crate::record::RecordId;
use crate::score::{
    EmOptions, Explanation, MCeiling, Model, TermFrequencyAdjustment, TrainingReport,
    UEstimateReport,
};

pub use live::{Change, EventPlacement, LIVE_RESOLVER_PAYLOAD, LiveResolver};
pub use term_frequency::{NameFrequencies, TermFrequencies};

/// Everything a resolution run needs to know, as plain data. `Default` works
/// out of the box on French retail data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Which records are compared at all.
    pub blocking: BlockingSettings,
    /// How two records are compared, field by field.
    pub comparisons: ComparisonSettings,
    /// Pairs whose match weight (log2 of the posterior odds, in bits) reaches
    /// this are linked. 0 means "more likely a match than not"; the default,
    /// 2.5, asks for odds of about 5.7 to 1 (chosen on the generator's data:
    /// the best pairwise F1 at both 100k and 1M records with households kept
    /// apart; 3 gave 0.9823 / 0.9796, 2.5 gives 0.9810 / 0.9802, 2 gives
    /// 0.9776 / 0.9803, so a lower threshold trades the smaller set's
    /// precision for the larger's recall).
    pub match_weight_threshold: f64,
    /// How m, u and λ are learnt.
    pub training: TrainingSettings,
    /// Refuse merges of records with conflicting birth dates and given names.
    pub strong_facts_guard: bool,
    /// Refuse merges of household members (shared address or landline and
    /// family name, incompatible given names).
    pub household_guard: bool,
    /// Refuse merges of records whose given and family names both disagree.
    pub names_guard: bool,
    /// A model trained earlier: when set, no training happens.
    pub model: Option<Model>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            blocking: BlockingSettings::default(),
            comparisons: ComparisonSettings::default(),
            match_weight_threshold: 2.5,
            training: TrainingSettings::default(),
            strong_facts_guard: true,
            household_guard: true,
            names_guard: true,
            model: None,
        }
    }
}

/// How the model is trained without labels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TrainingSettings {
    /// Random record pairs compared to estimate u (nearly all are non-matches).
    pub u_sample_pairs: usize,
    /// Seed of the random pair sampler: fixed, so runs are reproducible.
    pub seed: u64,
    /// Laplace pseudo-count for the u estimate.
    pub u_smoothing: f64,
    /// EM options for m and λ.
    pub em: EmOptions,
    /// Adjust exact name agreements by how common the name is.
    pub term_frequency: bool,
    /// Blocking rules whose pairs are scored but not trained on (by name).
    /// Empty by default: EM sees every candidate pair.
    pub untrained_rules: Vec<String>,
}

impl Default for TrainingSettings {
    fn default() -> Self {
        TrainingSettings {
            u_sample_pairs: 300_000,
            seed: 0x0c5a_17ed,
            u_smoothing: 1.0,
            // u from random pairs is only EM's starting point: among candidate
            // pairs, non-matches are not random (blocking selects household
            // members who share a family name, an address, a landline), and a
            // u held at its random-pair value makes EM explain them as matches.
            // A person's records rarely name him with wholly different given
            // names (nicknames, initials, swaps and typos have levels of their
            // own); a household's do, and without this bound EM counts
            // households as matches (on the generator's data it learnt
            // m(given_name = else) ≈ 0.5, which made a household's different
            // given names weigh −1 bit).
            em: EmOptions {
                estimate_u: true,
                m_ceilings: vec![MCeiling {
                    comparison: "given_name".into(),
                    level: "else".into(),
                    max: 0.02,
                }],
                ..EmOptions::default()
            },
            untrained_rules: Vec::new(),
            term_frequency: true,
        }
    }
}

/// Wall time per stage of one run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct StageTimings {
    /// Generic-value detection, keys, candidate pairs.
    pub block: Duration,
    /// Comparison vectors of all candidate pairs.
    pub compare: Duration,
    /// u sampling and EM (zero with a given model).
    pub train: Duration,
    /// Match weights and edge selection.
    pub score: Duration,
    /// Union-find with guards, customer ids.
    pub cluster: Duration,
}

impl StageTimings {
    /// The sum of the stages.
    pub fn total(&self) -> Duration {
        self.block + self.compare + self.train + self.score + self.cluster
    }
}

/// What a resolution learnt from its records besides the model: the generic
/// values (shared by too many people to be evidence) and how common each
/// name is. A live resolver keeps them frozen, so that a pair's weight never
/// depends on which other records are loaded; [`Resolver::resolve_with`]
/// runs a batch with them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Population {
    /// Values blocking leaves out and comparisons treat as no evidence.
    pub generic: GenericValues,
    /// Relative frequencies of names, for the term-frequency adjustment.
    pub names: NameFrequencies,
}

/// What a run produced.
#[derive(Debug, Clone)]
pub struct Resolution {
    /// Which cluster each record is in, the edges that hold each cluster, the
    /// refused ones.
    pub clustering: Clustering,
    /// One id per cluster (indexed by `ClusterIndex`), derived from the
    /// cluster's smallest source key (see [`CustomerId::from_members`]).
    pub customer_ids: Vec<CustomerId>,
    /// The model used for scoring (trained in this run or given).
    pub model: Model,
    /// How u was estimated, when it was.
    pub u_report: Option<UEstimateReport>,
    /// How EM went, when it ran.
    pub training: Option<TrainingReport>,
    /// Pairs per rule, skipped blocks, generic values.
    pub blocking: BlockingReport,
    /// Candidate pairs compared.
    pub pairs_compared: u64,
    /// Pairs at or above the threshold.
    pub edges_above_threshold: u64,
    /// Wall time per stage.
    pub timings: StageTimings,
    /// The generic values and name frequencies the run used.
    pub population: Population,
}

impl Resolution {
    /// The customer id of a record.
    pub fn customer_of(&self, record: RecordId) -> Option<CustomerId> {
        let cluster = self.clustering.cluster_of(record)?;
        self.customer_ids.get(cluster.index()).copied()
    }
}

/// Why two records are (or are not) one customer: the level of each
/// comparison and its weight, from the prior to the total.
#[derive(Debug, Clone, Serialize)]
pub struct PairExplanation {
    /// Level reached per comparison, in settings order.
    pub levels: Vec<(String, String)>,
    /// The weight waterfall.
    pub weights: Explanation,
    /// Whether the total reaches the threshold.
    pub above_threshold: bool,
}

/// Runs resolutions with fixed settings.
#[derive(Debug, Clone)]
pub struct Resolver {
    settings: Settings,
    blocker: Blocker,
}

impl Resolver {
    /// Checks the settings and prepares the stages.
    pub fn new(settings: Settings) -> Result<Self> {
        settings.comparisons.validate()?;
        if !settings.match_weight_threshold.is_finite() {
            return Err(config("match_weight_threshold must be a finite number"));
        }
        if let Some(model) = &settings.model {
            model.validate()?;
            if model.shape() != settings.comparisons.shape() {
                return Err(config("the given model does not fit the comparisons"));
            }
        }
        let blocker = Blocker::new(settings.blocking.clone())?;
        Ok(Resolver { settings, blocker })
    }

    /// The settings this resolver runs with.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Resolves a batch: every record ends in exactly one customer.
    pub fn resolve(&self, records: &[NormalizedRecord]) -> Result<Resolution> {
        self.resolve_inner(records, None)
            .map(|(resolution, _)| resolution)
    }

    /// Resolves a batch with the generic values and name frequencies of
    /// another population (typically the one a live resolver was trained
    /// on) instead of this batch's own: the batch equivalent of a
    /// [`LiveResolver`] holding these records.
    pub fn resolve_with(
        &self,
        records: &[NormalizedRecord],
        population: &Population,
    ) -> Result<Resolution> {
        self.resolve_inner(records, Some(population))
            .map(|(resolution, _)| resolution)
    }

    /// The pipeline; also returns every edge at or above the threshold (the
    /// live resolver keeps them all, accepted or not).
    pub(crate) fn resolve_inner(
        &self,
        records: &[NormalizedRecord],
        population: Option<&Population>,
    ) -> Result<(Resolution, Vec<Edge>)> {
        if records.len() >= u32::MAX as usize {
            return Err(config("at most 2^32 - 1 records per resolution"));
        }
        let mut timings = StageTimings::default();
        // Positions in `records` are the caller's order; everything that
        // would otherwise depend on them (the u sample, ties between equal
        // edges) goes through the records' source-key order instead.
        let key_order = KeyOrder::of(records);

        let started = Instant::now();
        let mut blocking = match population {
            Some(p) => self.blocker.block_with_generic(records, &p.generic)?,
            None => self.blocker.block(records)?,
        };
        timings.block = started.elapsed();

        let started = Instant::now();
        let comparator = self.comparator(&blocking.generic)?;
        let stride = comparator.len();
        // Per-record work (nickname readings, generic checks, interned
        // values) once, for the candidate pairs and the random pairs alike.
        let prepared = comparator.prepare(records);
        let vectors = compare_pairs(&prepared, stride, &blocking.pairs);
        timings.compare = started.elapsed();

        let started = Instant::now();
        let (model, u_report, training) = match &self.settings.model {
            Some(model) => (model.clone(), None, None),
            None => self.train(
                &comparator,
                &prepared,
                records,
                &key_order,
                &blocking,
                &vectors,
            )?,
        };
        timings.train = started.elapsed();

        let started = Instant::now();
        let names = match population {
            Some(p) => p.names.clone(),
            None => NameFrequencies::count(records),
        };
        let tf = self.settings.training.term_frequency.then(|| {
            TermFrequencies::with_frequencies(records, &self.settings.comparisons, &names)
        });
        let threshold = self.settings.match_weight_threshold;
        let edges: Vec<Edge> = blocking
            .pairs
            .par_iter()
            .zip(vectors.par_chunks(stride.max(1)))
            .filter_map(|(pair, levels)| {
                let weight = pair_weight(&model, tf.as_ref(), pair, levels);
                (weight >= threshold).then(|| Edge::new(pair.lo, pair.hi, weight))
            })
            .collect();
        timings.score = started.elapsed();

        // Clustering is the memory peak (its guard summaries): free what
        // only comparing and scoring needed before it starts.
        let pairs_compared = blocking.pairs.len() as u64;
        drop(std::mem::take(&mut blocking.pairs));
        drop(vectors);
        drop(prepared);
        drop(tf);

        let started = Instant::now();
        let clustering = self.cluster_with_guards(records, &edges, threshold, &key_order);
        let member_lists: Vec<&[RecordId]> = clustering.clusters().map(|(_, m)| m).collect();
        let customer_ids = member_lists
            .par_iter()
            .map(|members| {
                CustomerId::from_member_refs(
                    members
                        .iter()
                        .filter_map(|r| records.get(r.index()).map(|n| &n.key)),
                )
            })
            .collect();
        timings.cluster = started.elapsed();

        let resolution = Resolution {
            clustering,
            customer_ids,
            model,
            u_report,
            training,
            blocking: blocking.report,
            pairs_compared,
            edges_above_threshold: edges.len() as u64,
            timings,
            population: Population {
                generic: blocking.generic,
                names,
            },
        };
        Ok((resolution, edges))
    }

    /// Union-find over the edges with the guards the settings switch on.
    fn cluster_with_guards(
        &self,
        records: &[NormalizedRecord],
        edges: &[Edge],
        threshold: f64,
        key_order: &KeyOrder,
    ) -> Clustering {
        let s = &self.settings;
        let names = s.names_guard.then(|| NamesGuard::new(records));
        let facts = s.strong_facts_guard.then(|| StrongFactsGuard::new(records));
        let household = s.household_guard.then(|| HouseholdGuard::new(records));
        cluster_ranked(
            records.len(),
            edges,
            threshold,
            &(
                OptionalGuard(names),
                OptionalGuard(facts),
                OptionalGuard(household),
            ),
            &key_order.rank,
        )
    }

    /// Explains a pair of records under a model and a population (the
    /// generic values and name frequencies the pair was scored with):
    /// levels, weights, verdict — the same weight as the resolution gave.
    pub fn explain_pair(
        &self,
        model: &Model,
        population: &Population,
        records: &[NormalizedRecord],
        a: RecordId,
        b: RecordId,
    ) -> Result<PairExplanation> {
        let (Some(ra), Some(rb)) = (records.get(a.index()), records.get(b.index())) else {
            return Err(config("record id out of range"));
        };
        let comparator = self.comparator(&population.generic)?;
        let levels_explained: Vec<LevelExplanation<'_>> = comparator.explain(ra, rb);
        let levels: Vec<u8> = levels_explained.iter().map(|l| l.level).collect();
        let mut tf_values = vec![None; levels.len()];
        if self.settings.training.term_frequency {
            population.names.fill_pair(
                model,
                term_frequency::TfPositions::of(&self.settings.comparisons),
                (ra, rb),
                &levels,
                &mut tf_values,
            );
        }
        let weights = model.explain(&levels, &tf_values);
        Ok(PairExplanation {
            levels: levels_explained
                .iter()
                .map(|l| (l.comparison.to_owned(), l.level_name.to_owned()))
                .collect(),
            above_threshold: weights.match_weight >= self.settings.match_weight_threshold,
            weights,
        })
    }

    fn comparator<'g>(
        &self,
        generic: &'g GenericValues,
    ) -> Result<Comparator<GenericAsEvidence<'g>>> {
        Comparator::with_generic_values(
            self.settings.comparisons.clone(),
            GenericAsEvidence(generic),
        )
    }

    fn train<G: crate::compare::GenericValues + Sync>(
        &self,
        comparator: &Comparator<G>,
        prepared: &Prepared<'_, G>,
        records: &[NormalizedRecord],
        key_order: &KeyOrder,
        blocking: &Blocking,
        candidate_vectors: &[u8],
    ) -> Result<(Model, Option<UEstimateReport>, Option<TrainingReport>)> {
        let (candidate_pairs, generic) = (&blocking.pairs, &blocking.generic);
        let training = &self.settings.training;
        let start = default_model(&self.settings);
        if candidate_pairs.len() < MIN_TRAINING_PAIRS {
            // Too few pairs to learn from: the documented defaults, whose
            // prior is a share of candidate pairs, not of all pairs.
            return Ok((start, None, None));
        }
        let random_pairs =
            sample::random_pairs(&key_order.by_rank, training.u_sample_pairs, training.seed);
        let random_vectors = compare_pairs(prepared, comparator.len(), &random_pairs);
        let (with_u, u_report) =
            crate::score::estimate_u(&start, &random_vectors, training.u_smoothing)?;
        let untrained: Vec<usize> = self
            .settings
            .blocking
            .rules
            .iter()
            .enumerate()
            .filter(|(_, r)| training.untrained_rules.contains(&r.name))
            .map(|(i, _)| i)
            .collect();
        let stride = comparator.len().max(1);
        let training_vectors: Vec<u8> = candidate_pairs
            .iter()
            .zip(candidate_vectors.chunks(stride))
            .filter(|(pair, _)| !untrained.contains(&pair.rule.index()))
            .flat_map(|(_, levels)| levels.iter().copied())
            .collect();
        let (candidate_model, report) =
            crate::score::train_em(&with_u, &training_vectors, &training.em)?;
        // Scoring weighs agreements against all record pairs: the exact
        // levels of emails, phones and addresses get their `u` from value
        // counts, which the random-pair sample is too small to see.
        let with_u = exact_u::with_counted_exact_u(
            &with_u,
            &self.settings.comparisons,
            records,
            generic,
            &u_report,
        );
        let model = population_model(&with_u, &candidate_model, report.pairs, records.len());
        Ok((model, Some(u_report), Some(report)))
    }
}

/// The documented default model for these settings (EM's starting point,
/// and the model of batches too small to train on), with term-frequency
/// adjustment on the name comparisons when the settings ask for it.
fn default_model(settings: &Settings) -> Model {
    let names: Vec<&str> = settings
        .comparisons
        .comparisons
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    let mut model = Model::default_for(&settings.comparisons.shape(), &names);
    // The comparisons' own level names (`same_mobile`, not `fuzzy 1`): a
    // saved model reads as its comparisons do, and training finds its
    // levels by name.
    for (comparison, setting) in model
        .comparisons
        .iter_mut()
        .zip(&settings.comparisons.comparisons)
    {
        let names = setting.level_names();
        if names.len() == comparison.level_names.len() {
            comparison.level_names = names;
        }
    }
    if settings.training.term_frequency {
        for (comparison, kind) in model
            .comparisons
            .iter_mut()
            .zip(settings.comparisons.comparisons.iter().map(|c| &c.kind))
        {
            if matches!(
                kind,
                ComparisonKind::GivenName { .. } | ComparisonKind::FamilyName { .. }
            ) {
                comparison.term_frequency = Some(TermFrequencyAdjustment::default());
            }
        }
    }
    model
}

/// The records in the order of their source keys: `by_rank[k]` is the record
/// with the k-th smallest key, `rank[r]` the rank of record `r`. Source keys
/// are unique, so the order is the same for any permutation of the input.
struct KeyOrder {
    by_rank: Vec<RecordId>,
    rank: Vec<u32>,
}

impl KeyOrder {
    fn of(records: &[NormalizedRecord]) -> Self {
        let mut by_rank: Vec<RecordId> = (0..records.len() as u32).map(RecordId).collect();
        by_rank.par_sort_unstable_by(|x, y| records[x.index()].key.cmp(&records[y.index()].key));
        let mut rank = vec![0u32; records.len()];
        for (k, r) in by_rank.iter().enumerate() {
            rank[r.index()] = k as u32;
        }
        KeyOrder { by_rank, rank }
    }
}

/// A guard that may be switched off: `None` allows every merge.
struct OptionalGuard<G>(Option<G>);

impl<G: MergeGuard> MergeGuard for OptionalGuard<G> {
    type Summary = Option<G::Summary>;

    fn summarize(&self, record: RecordId) -> Self::Summary {
        self.0.as_ref().map(|g| g.summarize(record))
    }

    fn check(
        &self,
        a: &Self::Summary,
        b: &Self::Summary,
    ) -> std::result::Result<(), RefusalReason> {
        match (&self.0, a, b) {
            (Some(g), Some(a), Some(b)) => g.check(a, b),
            _ => Ok(()),
        }
    }

    fn merge(&self, a: Self::Summary, b: Self::Summary) -> Self::Summary {
        match (&self.0, a, b) {
            (Some(g), Some(a), Some(b)) => Some(g.merge(a, b)),
            _ => None,
        }
    }
}

/// The model pairs are scored with: m from EM on the candidate pairs, u from
/// random pairs, and the prior λ that two random records match.
///
/// EM runs on candidate pairs with u re-estimated, because non-matches among
/// candidates are not random (households agree on family name, address and
/// landline) and a fixed random-pair u would make EM call them matches. Its m
/// is P(levels | match), the same among candidates as in the population when
/// blocking finds nearly all matches. Its u and λ are candidate-level, though:
/// scoring with them would weigh two namesakes in a block as if the block were
/// the population. So u is taken from random pairs, and λ = (λ_candidates ×
/// candidate pairs) / (n(n−1)/2): the expected matches among all pairs.
/// The weights then mean what Fellegi and Sunter meant, and a name agreement
/// counts for less as the population grows and namesakes become likely.
fn population_model(
    with_random_u: &Model,
    candidate_model: &Model,
    candidate_pairs: u64,
    n_records: usize,
) -> Model {
    let mut model = with_random_u.clone();
    for (out, trained) in model
        .comparisons
        .iter_mut()
        .zip(&candidate_model.comparisons)
    {
        out.m = trained.m.clone();
        cap_weights_at_exact(&out.m, &mut out.u);
    }
    let n = n_records as f64;
    let all_pairs = (n * (n - 1.0) / 2.0).max(1.0);
    let expected_matches = candidate_model.prior * candidate_pairs as f64;
    model.prior = (expected_matches / all_pairs).clamp(1e-15, 0.5);
    model
}

/// Levels are ordered from the strongest agreement down (see
/// [`crate::compare`]): no weaker agreement may weigh more than an exact one.
/// Random pairs almost never agree on swapped names or nicknames, which gives
/// those levels a u near zero and a weight above an exact agreement; raising
/// u to `m[l]·u[1]/m[1]` caps the weight at the exact level's. (Capping each
/// level at the one before it instead would let a rare intermediate level,
/// whose m is tiny, crush every level after it.)
fn cap_weights_at_exact(m: &[f64], u: &mut [f64]) {
    const EXACT: usize = 1;
    let (Some(&m_exact), Some(&u_exact)) = (m.get(EXACT), u.get(EXACT)) else {
        return;
    };
    if m_exact <= 0.0 || u_exact <= 0.0 {
        return;
    }
    // Level 0 is null and carries no weight.
    for level in EXACT + 1..m.len().min(u.len()) {
        let m_here = m[level];
        if m_here > 0.0 && m_here / u[level] > m_exact / u_exact {
            u[level] = (m_here * u_exact / m_exact).min(1.0);
        }
    }
    // Raising some u may push the non-null levels past a total of 1; scaled
    // back, u is a distribution again (a model must validate to be reused)
    // and every level's weight moves by the same amount, so the cap holds.
    let total: f64 = u.iter().skip(1).sum();
    if total > 1.0 {
        for value in u.iter_mut().skip(1) {
            *value /= total;
        }
    }
}

/// The blocking stage's generic values, seen by the comparison stage as "no
/// evidence": the store's own phone shared by hundreds of customers agrees for
/// all of them and says nothing about any.
#[derive(Debug, Clone, Copy)]
struct GenericAsEvidence<'g>(&'g GenericValues);

impl crate::compare::GenericValues for GenericAsEvidence<'_> {
    fn phone(&self, e164: &str) -> bool {
        self.0.contains(crate::block::GenericField::Phone, e164)
    }
    fn email(&self, normalized: &str) -> bool {
        self.0
            .contains(crate::block::GenericField::Email, normalized)
    }
    fn address(&self, address: &NormalizedAddress) -> bool {
        self.0.is_generic_address(address)
    }
}

/// [`GenericAsEvidence`] owning its values, for a comparator that outlives
/// the blocking run (the live resolver's).
#[derive(Debug, Clone)]
struct OwnedGenericEvidence(std::sync::Arc<GenericValues>);

impl crate::compare::GenericValues for OwnedGenericEvidence {
    fn phone(&self, e164: &str) -> bool {
        GenericAsEvidence(&self.0).phone(e164)
    }
    fn email(&self, normalized: &str) -> bool {
        GenericAsEvidence(&self.0).email(normalized)
    }
    fn address(&self, address: &NormalizedAddress) -> bool {
        GenericAsEvidence(&self.0).address(address)
    }
}

/// Comparison vectors of `pairs`, one row of `comparator.len()` levels each,
/// in pair order. Parallel over chunks; the output does not depend on the
/// number of threads.
fn compare_pairs<G: crate::compare::GenericValues + Sync>(
    prepared: &Prepared<'_, G>,
    stride: usize,
    pairs: &[CandidatePair],
) -> Vec<u8> {
    let mut vectors = vec![0u8; pairs.len() * stride];
    if stride == 0 {
        return vectors;
    }
    vectors
        .par_chunks_mut(stride * 1024)
        .zip(pairs.par_chunks(1024))
        .for_each(|(out, pairs)| {
            for (row, pair) in out.chunks_mut(stride).zip(pairs) {
                // Ids come from the blocker or the sampler over these very
                // records: always in range (an out-of-range pair keeps nulls).
                prepared.compare(pair.lo, pair.hi, row);
            }
        });
    vectors
}

fn pair_weight(
    model: &Model,
    tf: Option<&TermFrequencies>,
    pair: &CandidatePair,
    levels: &[u8],
) -> f64 {
    match tf {
        Some(tf) if levels.len() <= MAX_COMPARISONS => {
            let mut values = [None; MAX_COMPARISONS];
            let values = &mut values[..levels.len()];
            tf.fill(model, (pair.lo.index(), pair.hi.index()), levels, values);
            model.match_weight_tf(levels, values)
        }
        _ => model.match_weight(levels),
    }
}

/// Below this many candidate pairs a batch is scored with the default model:
/// EM on a handful of pairs learns noise.
const MIN_TRAINING_PAIRS: usize = 1_000;

/// Comparisons beyond this many are scored without term frequencies (the
/// buffer for them lives on the stack of the hot loop).
const MAX_COMPARISONS: usize = 32;

fn config(reason: &str) -> Error {
    Error::new(ErrorKind::Config {
        reason: reason.to_owned(),
    })
}
