//! Accuracy against ground truth: pairwise and B-cubed precision, recall
//! and F1, and wrongly merged households.
//!
//! Both take one predicted cluster label and one true entity label per
//! record (any hashable types: customer ids, strings, integers) and work
//! from the *contingency table* — how many records each (cluster, entity)
//! cell holds — never from the pairs themselves: 10 million records cost one
//! hashing pass, where enumerating pairs inside a large cluster would not end.
//!
//! With `n_ij` the records of predicted cluster `i` and true entity `j`,
//! `a_i = Σ_j n_ij`, `b_j = Σ_i n_ij` and `C(k) = k(k−1)/2`:
//!
//! - *pairwise*: true positive pairs `TP = Σ C(n_ij)` (same cluster, same
//!   entity), predicted pairs `Σ C(a_i)`, true pairs `Σ C(b_j)`; precision
//!   `TP / predicted`, recall `TP / true`.
//! - *B-cubed* (Bagga & Baldwin 1998): per record, the share of its cluster
//!   that is its entity (precision) and the share of its entity that is in
//!   its cluster (recall), averaged over records: `(1/n) Σ n_ij² / a_i` and
//!   `(1/n) Σ n_ij² / b_j`. Unlike pairwise scores, big clusters do not
//!   dominate it.
//!
//! Conventions for empty denominators: no predicted pair means precision 1
//! (nothing claimed, nothing wrong), no true pair means recall 1, and no
//! record at all gives 1 everywhere; F1 is 0 when precision and recall are both 0.
//!
//! ```
//! use omnicanal::eval::evaluate;
//! // Five records; the resolver merged the first four, truth says {0, 1} and {2, 3, 4}.
//! let predicted = ["c1", "c1", "c1", "c1", "c2"];
//! let truth = [1, 1, 2, 2, 2];
//! let evaluation = evaluate(&predicted, &truth)?;
//! assert_eq!(evaluation.true_positive_pairs, 2);
//! assert_eq!(evaluation.false_positive_pairs, 4);
//! assert_eq!(evaluation.false_negative_pairs, 2);
//! assert!((evaluation.pairwise_precision - 1.0 / 3.0).abs() < 1e-12);
//! assert!((evaluation.bcubed_recall - 11.0 / 15.0).abs() < 1e-12);
//! println!("{evaluation}");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::hash::Hash;

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind, Result};

/// Pairwise and B-cubed scores of a predicted clustering against the truth.
///
/// Counts only; no label or record value is kept, so it is safe to log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    /// Records evaluated.
    pub records: u64,
    /// Distinct predicted cluster labels.
    pub predicted_clusters: u64,
    /// Distinct true entity labels.
    pub true_entities: u64,
    /// Record pairs in the same predicted cluster and the same true entity.
    pub true_positive_pairs: u64,
    /// Record pairs in the same predicted cluster but different entities (wrong merges).
    pub false_positive_pairs: u64,
    /// Record pairs of the same entity left in different clusters (missed merges).
    pub false_negative_pairs: u64,
    /// `TP / (TP + FP)`, 1 when nothing was merged.
    pub pairwise_precision: f64,
    /// `TP / (TP + FN)`, 1 when the truth has no pair.
    pub pairwise_recall: f64,
    /// Harmonic mean of pairwise precision and recall.
    pub pairwise_f1: f64,
    /// Mean over records of the share of its cluster that is its entity.
    pub bcubed_precision: f64,
    /// Mean over records of the share of its entity that is in its cluster.
    pub bcubed_recall: f64,
    /// Harmonic mean of B-cubed precision and recall.
    pub bcubed_f1: f64,
}

impl fmt::Display for Evaluation {
    /// A compact table:
    ///
    /// ```text
    /// records 5, predicted clusters 2, true entities 2
    ///           precision  recall      F1
    /// pairwise     0.3333  0.5000  0.4000
    /// B-cubed      0.6000  0.7333  0.6600
    /// pairs: 2 true positive, 4 false positive, 2 false negative
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "records {}, predicted clusters {}, true entities {}",
            self.records, self.predicted_clusters, self.true_entities
        )?;
        writeln!(f, "          precision  recall      F1")?;
        writeln!(
            f,
            "pairwise  {:>9.4} {:>7.4} {:>7.4}",
            self.pairwise_precision, self.pairwise_recall, self.pairwise_f1
        )?;
        writeln!(
            f,
            "B-cubed   {:>9.4} {:>7.4} {:>7.4}",
            self.bcubed_precision, self.bcubed_recall, self.bcubed_f1
        )?;
        write!(
            f,
            "pairs: {} true positive, {} false positive, {} false negative",
            self.true_positive_pairs, self.false_positive_pairs, self.false_negative_pairs
        )
    }
}

/// Evaluates predicted cluster labels against true entity labels, one of
/// each per record, by contingency-table arithmetic (see the module docs for
/// the formulas and conventions).
///
/// Errors when the two slices differ in length. Linear in the number of
/// records (expected, hashing); memory in the number of distinct labels and
/// non-empty (cluster, entity) cells.
pub fn evaluate<P: Hash + Eq, T: Hash + Eq>(predicted: &[P], truth: &[T]) -> Result<Evaluation> {
    same_length(predicted.len(), truth.len(), "true entity")?;
    let table = Contingency::new(predicted, truth);
    let true_positive = sum_pairs(table.cells.values().copied());
    let predicted_pairs = sum_pairs(table.cluster_sizes.iter().copied());
    let true_pairs = sum_pairs(table.entity_sizes.iter().copied());
    let pairwise_precision = ratio_or_one(true_positive, predicted_pairs);
    let pairwise_recall = ratio_or_one(true_positive, true_pairs);

    // B-cubed: per cluster (resp. entity) Σ n_ij² / size, as exact integers
    // then one division each; the per-group terms are summed in sorted order
    // so that relabelling or reordering records gives bit-identical results.
    let mut cluster_squares = vec![0u128; table.cluster_sizes.len()];
    let mut entity_squares = vec![0u128; table.entity_sizes.len()];
    for (&(cluster, entity), &count) in &table.cells {
        let square = u128::from(count) * u128::from(count);
        cluster_squares[cluster] += square;
        entity_squares[entity] += square;
    }
    let records = predicted.len() as u64;
    let bcubed_precision = mean_share(&cluster_squares, &table.cluster_sizes, records);
    let bcubed_recall = mean_share(&entity_squares, &table.entity_sizes, records);

    Ok(Evaluation {
        records,
        predicted_clusters: table.cluster_sizes.len() as u64,
        true_entities: table.entity_sizes.len() as u64,
        true_positive_pairs: saturate(true_positive),
        false_positive_pairs: saturate(predicted_pairs - true_positive),
        false_negative_pairs: saturate(true_pairs - true_positive),
        pairwise_precision,
        pairwise_recall,
        pairwise_f1: f1(pairwise_precision, pairwise_recall),
        bcubed_precision,
        bcubed_recall,
        bcubed_f1: f1(bcubed_precision, bcubed_recall),
    })
}

/// How often the resolver merged different members of one household — the
/// classic over-merge of a retailer's customer base (spouses sharing a
/// surname, address, landline and sometimes an email).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HouseholdMerges {
    /// Distinct predicted clusters.
    pub predicted_clusters: u64,
    /// Predicted clusters holding records of at least two different true
    /// persons who share a household label.
    pub merging_clusters: u64,
    /// Wrongly merged person pairs: per cluster and household, `C(k)` for
    /// its `k` distinct persons, summed.
    pub merged_person_pairs: u64,
    /// `merging_clusters / predicted_clusters` (0 when there is no cluster).
    pub share: f64,
}

impl fmt::Display for HouseholdMerges {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} of {} predicted clusters ({:.2} %) merge different persons of one household \
             ({} person pairs)",
            self.merging_clusters,
            self.predicted_clusters,
            self.share * 100.0,
            self.merged_person_pairs
        )
    }
}

/// Counts predicted clusters that merge different persons of one household.
///
/// Per record: its predicted cluster, its true person, and its household
/// label, `None` when unknown (such records are ignored for the merge test,
/// but their clusters still count in the denominator: an unknown household
/// is not a shared one). A cluster *merges a household* when two of its
/// records belong to different true persons with the same household label.
///
/// Errors when the three slices differ in length.
///
/// ```
/// use omnicanal::eval::household_merges;
/// // Marie and Jean Dupont (household 7) merged into cluster A; cluster B is
/// // Paul alone; cluster C merges Luc with a stranger of another household.
/// let predicted = ['A', 'A', 'A', 'B', 'C', 'C'];
/// let person = ["marie", "marie", "jean", "paul", "luc", "eve"];
/// let household = [Some(7), Some(7), Some(7), Some(7), Some(8), Some(9)];
/// let merges = household_merges(&predicted, &person, &household)?;
/// assert_eq!(merges.merging_clusters, 1);
/// assert_eq!(merges.predicted_clusters, 3);
/// assert_eq!(merges.merged_person_pairs, 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn household_merges<P: Hash + Eq, T: Hash + Eq, H: Hash + Eq>(
    predicted: &[P],
    truth: &[T],
    household: &[Option<H>],
) -> Result<HouseholdMerges> {
    same_length(predicted.len(), truth.len(), "true person")?;
    same_length(predicted.len(), household.len(), "household")?;
    let mut clusters = Interner::default();
    let mut persons = Interner::default();
    let mut households = Interner::default();
    let mut members: HashSet<(usize, usize, usize)> = HashSet::new();
    for ((cluster, person), household) in predicted.iter().zip(truth).zip(household) {
        let cluster = clusters.id(cluster);
        if let Some(household) = household {
            members.insert((cluster, households.id(household), persons.id(person)));
        }
    }
    // Distinct persons per (cluster, household).
    let mut persons_per_group: HashMap<(usize, usize), u64> = HashMap::new();
    for &(cluster, household, _) in &members {
        *persons_per_group.entry((cluster, household)).or_insert(0) += 1;
    }
    let mut merging: HashSet<usize> = HashSet::new();
    let mut pairs = 0u128;
    for (&(cluster, _), &count) in &persons_per_group {
        if count >= 2 {
            merging.insert(cluster);
            pairs += pairs_of(count);
        }
    }
    let predicted_clusters = clusters.len() as u64;
    let merging_clusters = merging.len() as u64;
    Ok(HouseholdMerges {
        predicted_clusters,
        merging_clusters,
        merged_person_pairs: saturate(pairs),
        share: if predicted_clusters == 0 {
            0.0
        } else {
            merging_clusters as f64 / predicted_clusters as f64
        },
    })
}

/// Dense ids for labels, in order of first appearance.
struct Interner<'a, L> {
    ids: HashMap<&'a L, usize>,
}

impl<L> Default for Interner<'_, L> {
    fn default() -> Self {
        Interner {
            ids: HashMap::new(),
        }
    }
}

impl<'a, L: Hash + Eq> Interner<'a, L> {
    fn id(&mut self, label: &'a L) -> usize {
        let next = self.ids.len();
        *self.ids.entry(label).or_insert(next)
    }

    fn len(&self) -> usize {
        self.ids.len()
    }
}

/// The contingency table: non-empty (cluster, entity) cells and the margins.
struct Contingency {
    cells: HashMap<(usize, usize), u64>,
    cluster_sizes: Vec<u64>,
    entity_sizes: Vec<u64>,
}

impl Contingency {
    fn new<P: Hash + Eq, T: Hash + Eq>(predicted: &[P], truth: &[T]) -> Self {
        let mut clusters = Interner::default();
        let mut entities = Interner::default();
        let mut cells: HashMap<(usize, usize), u64> = HashMap::new();
        let mut cluster_sizes: Vec<u64> = Vec::new();
        let mut entity_sizes: Vec<u64> = Vec::new();
        for (cluster, entity) in predicted.iter().zip(truth) {
            let cluster = clusters.id(cluster);
            let entity = entities.id(entity);
            if cluster == cluster_sizes.len() {
                cluster_sizes.push(0);
            }
            if entity == entity_sizes.len() {
                entity_sizes.push(0);
            }
            cluster_sizes[cluster] += 1;
            entity_sizes[entity] += 1;
            *cells.entry((cluster, entity)).or_insert(0) += 1;
        }
        Contingency {
            cells,
            cluster_sizes,
            entity_sizes,
        }
    }
}

fn same_length(records: usize, other: usize, what: &str) -> Result<()> {
    if records == other {
        Ok(())
    } else {
        Err(Error::new(ErrorKind::Config {
            reason: format!("{records} predicted cluster labels but {other} {what} labels"),
        }))
    }
}

/// `C(k) = k(k−1)/2`, in 128 bits: 10 million records in one cluster are
/// 5·10¹³ pairs, and sums of such never overflow.
fn pairs_of(k: u64) -> u128 {
    let k = u128::from(k);
    k * k.saturating_sub(1) / 2
}

fn sum_pairs(sizes: impl Iterator<Item = u64>) -> u128 {
    sizes.map(pairs_of).sum()
}

fn saturate(count: u128) -> u64 {
    u64::try_from(count).unwrap_or(u64::MAX)
}

fn ratio_or_one(numerator: u128, denominator: u128) -> f64 {
    if denominator == 0 {
        1.0
    } else {
        numerator as f64 / denominator as f64
    }
}

/// `(1/n) Σ_g squares_g / size_g`, summed in sorted order for determinism;
/// 1 for no record.
fn mean_share(squares: &[u128], sizes: &[u64], records: u64) -> f64 {
    if records == 0 {
        return 1.0;
    }
    let mut terms: Vec<f64> = squares
        .iter()
        .zip(sizes)
        .filter(|(_, size)| **size > 0)
        .map(|(square, size)| *square as f64 / *size as f64)
        .collect();
    terms.sort_unstable_by(f64::total_cmp);
    (terms.iter().sum::<f64>() / records as f64).min(1.0)
}

fn f1(precision: f64, recall: f64) -> f64 {
    if precision + recall > 0.0 {
        2.0 * precision * recall / (precision + recall)
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn hand_computed_example() {
        let predicted = ["a", "a", "a", "a", "b"];
        let truth = [1, 1, 2, 2, 2];
        let e = evaluate(&predicted, &truth).unwrap();
        assert_eq!(
            (e.records, e.predicted_clusters, e.true_entities),
            (5, 2, 2)
        );
        assert_eq!(
            (
                e.true_positive_pairs,
                e.false_positive_pairs,
                e.false_negative_pairs
            ),
            (2, 4, 2)
        );
        assert!(close(e.pairwise_precision, 1.0 / 3.0));
        assert!(close(e.pairwise_recall, 1.0 / 2.0));
        assert!(close(e.pairwise_f1, 2.0 / 5.0));
        assert!(close(e.bcubed_precision, 3.0 / 5.0));
        assert!(close(e.bcubed_recall, 11.0 / 15.0));
        assert!(close(e.bcubed_f1, 33.0 / 50.0));
        assert_eq!(
            e.to_string(),
            "records 5, predicted clusters 2, true entities 2\n\
             \x20         precision  recall      F1\n\
             pairwise     0.3333  0.5000  0.4000\n\
             B-cubed      0.6000  0.7333  0.6600\n\
             pairs: 2 true positive, 4 false positive, 2 false negative"
        );
    }

    #[test]
    fn second_hand_computed_example() {
        // Clusters {0,1,2} {3,4} {5}; entities {0,1} {2,3,4} {5}.
        let predicted = [10u32, 10, 10, 20, 20, 30];
        let truth = ['x', 'x', 'y', 'y', 'y', 'z'];
        let e = evaluate(&predicted, &truth).unwrap();
        assert_eq!(
            (
                e.true_positive_pairs,
                e.false_positive_pairs,
                e.false_negative_pairs
            ),
            (2, 2, 2)
        );
        assert!(close(e.pairwise_f1, 0.5));
        assert!(close(e.bcubed_precision, 7.0 / 9.0));
        assert!(close(e.bcubed_recall, 7.0 / 9.0));
    }

    #[test]
    fn perfect_and_degenerate_predictions() {
        let truth = ["dupont", "dupont", "martin", "leroy", "leroy", "leroy"];
        let perfect = evaluate(&[1, 1, 2, 3, 3, 3], &truth).unwrap();
        for metric in [
            perfect.pairwise_precision,
            perfect.pairwise_recall,
            perfect.pairwise_f1,
            perfect.bcubed_precision,
            perfect.bcubed_recall,
            perfect.bcubed_f1,
        ] {
            assert_eq!(metric, 1.0);
        }
        // Everything apart: perfect precision, recall of singletons only.
        let apart = evaluate(&[0, 1, 2, 3, 4, 5], &truth).unwrap();
        assert_eq!(apart.pairwise_precision, 1.0);
        assert_eq!(apart.pairwise_recall, 0.0);
        assert_eq!(apart.pairwise_f1, 0.0);
        assert_eq!(apart.false_negative_pairs, 4);
        assert!(close(
            apart.bcubed_recall,
            (0.5 + 0.5 + 1.0 + 3.0 / 9.0 * 3.0) / 6.0
        ));
        // Everything together: perfect recall.
        let together = evaluate(&[0; 6], &truth).unwrap();
        assert_eq!(together.pairwise_recall, 1.0);
        assert!(close(together.pairwise_precision, 4.0 / 15.0));
        // Empty.
        let empty = evaluate::<u8, u8>(&[], &[]).unwrap();
        assert_eq!(
            (empty.records, empty.pairwise_f1, empty.bcubed_f1),
            (0, 1.0, 1.0)
        );
        // Mismatched lengths.
        assert!(evaluate(&[1, 2], &[1]).is_err());
        assert!(household_merges(&[1, 2], &[1, 2], &[Some(1)]).is_err());
    }

    #[test]
    fn households_count_only_different_persons_of_one_household() {
        // Cluster 1: Marie twice (one person, not a merge).
        // Cluster 2: Jean and Anne Martin, household h1: a merge.
        // Cluster 3: Luc (h2) and Eve (unknown household): not a merge.
        // Cluster 4: Paul, Léa, Tom of household h3: one cluster, 3 pairs.
        let predicted = [1, 1, 2, 2, 3, 3, 4, 4, 4];
        let person = [
            "marie", "marie", "jean", "anne", "luc", "eve", "paul", "lea", "tom",
        ];
        let household = [
            Some("h0"),
            Some("h0"),
            Some("h1"),
            Some("h1"),
            Some("h2"),
            None,
            Some("h3"),
            Some("h3"),
            Some("h3"),
        ];
        let merges = household_merges(&predicted, &person, &household).unwrap();
        assert_eq!(merges.predicted_clusters, 4);
        assert_eq!(merges.merging_clusters, 2);
        assert_eq!(merges.merged_person_pairs, 4);
        assert!(close(merges.share, 0.5));
        assert_eq!(
            merges.to_string(),
            "2 of 4 predicted clusters (50.00 %) merge different persons of one household \
             (4 person pairs)"
        );
        let none = household_merges::<u8, u8, u8>(&[], &[], &[]).unwrap();
        assert_eq!((none.merging_clusters, none.share), (0, 0.0));
    }

    /// The O(n²) oracle: every pair enumerated, every record's cluster and
    /// entity scanned.
    fn naive(predicted: &[u8], truth: &[u8]) -> (u64, u64, u64, f64, f64) {
        let n = predicted.len();
        let (mut tp, mut fp, mut fn_) = (0, 0, 0);
        for i in 0..n {
            for j in i + 1..n {
                match (predicted[i] == predicted[j], truth[i] == truth[j]) {
                    (true, true) => tp += 1,
                    (true, false) => fp += 1,
                    (false, true) => fn_ += 1,
                    (false, false) => {}
                }
            }
        }
        let (mut precision, mut recall) = (0.0, 0.0);
        for i in 0..n {
            let both = (0..n)
                .filter(|&j| predicted[j] == predicted[i] && truth[j] == truth[i])
                .count() as f64;
            let cluster = (0..n).filter(|&j| predicted[j] == predicted[i]).count() as f64;
            let entity = (0..n).filter(|&j| truth[j] == truth[i]).count() as f64;
            precision += both / cluster;
            recall += both / entity;
        }
        (tp, fp, fn_, precision / n as f64, recall / n as f64)
    }

    fn labelled_records() -> impl Strategy<Value = Vec<(u8, u8)>> {
        prop::collection::vec((0u8..6, 0u8..6), 1..50)
    }

    fn split(records: &[(u8, u8)]) -> (Vec<u8>, Vec<u8>) {
        records.iter().copied().unzip()
    }

    proptest! {
        #[test]
        fn counts_equal_the_naive_pair_count(records in labelled_records()) {
            let (predicted, truth) = split(&records);
            let e = evaluate(&predicted, &truth).unwrap();
            let (tp, fp, fn_, precision, recall) = naive(&predicted, &truth);
            prop_assert_eq!(
                (e.true_positive_pairs, e.false_positive_pairs, e.false_negative_pairs),
                (tp, fp, fn_)
            );
            prop_assert!((e.bcubed_precision - precision).abs() < 1e-9);
            prop_assert!((e.bcubed_recall - recall).abs() < 1e-9);
        }

        #[test]
        fn metrics_are_in_the_unit_interval(records in labelled_records()) {
            let (predicted, truth) = split(&records);
            let e = evaluate(&predicted, &truth).unwrap();
            for metric in [
                e.pairwise_precision, e.pairwise_recall, e.pairwise_f1,
                e.bcubed_precision, e.bcubed_recall, e.bcubed_f1,
            ] {
                prop_assert!((0.0..=1.0).contains(&metric), "{}", metric);
            }
            let perfect = evaluate(&truth, &truth).unwrap();
            prop_assert_eq!((perfect.pairwise_f1, perfect.bcubed_f1), (1.0, 1.0));
        }

        #[test]
        fn relabelling_clusters_changes_nothing(records in labelled_records(), salt in any::<u16>()) {
            let (predicted, truth) = split(&records);
            // An injective relabelling to another label type.
            let renamed: Vec<String> =
                predicted.iter().map(|p| format!("cluster-{}", u32::from(*p) * 7919 + u32::from(salt))).collect();
            prop_assert_eq!(evaluate(&predicted, &truth).unwrap(), evaluate(&renamed, &truth).unwrap());
        }

        #[test]
        fn permuting_records_changes_nothing(
            (records, shuffled) in labelled_records()
                .prop_flat_map(|r| (Just(r.clone()), Just(r).prop_shuffle()))
        ) {
            let (predicted, truth) = split(&records);
            let (shuffled_predicted, shuffled_truth) = split(&shuffled);
            prop_assert_eq!(
                evaluate(&predicted, &truth).unwrap(),
                evaluate(&shuffled_predicted, &shuffled_truth).unwrap()
            );
        }

        #[test]
        fn swapping_prediction_and_truth_swaps_precision_and_recall(records in labelled_records()) {
            let (predicted, truth) = split(&records);
            let e = evaluate(&predicted, &truth).unwrap();
            let swapped = evaluate(&truth, &predicted).unwrap();
            prop_assert_eq!(e.pairwise_precision, swapped.pairwise_recall);
            prop_assert_eq!(e.bcubed_precision, swapped.bcubed_recall);
            prop_assert_eq!(e.false_positive_pairs, swapped.false_negative_pairs);
        }

        #[test]
        fn household_merges_match_a_naive_scan(
            records in prop::collection::vec((0u8..5, 0u8..8, prop::option::of(0u8..3)), 0..40)
        ) {
            let predicted: Vec<u8> = records.iter().map(|r| r.0).collect();
            let person: Vec<u8> = records.iter().map(|r| r.1).collect();
            let household: Vec<Option<u8>> = records.iter().map(|r| r.2).collect();
            let merges = household_merges(&predicted, &person, &household).unwrap();
            let mut clusters: Vec<u8> = predicted.clone();
            clusters.sort_unstable();
            clusters.dedup();
            let merging = clusters
                .iter()
                .filter(|&&c| {
                    (0..records.len()).any(|i| {
                        (0..records.len()).any(|j| {
                            predicted[i] == c && predicted[j] == c && person[i] != person[j]
                                && household[i].is_some() && household[i] == household[j]
                        })
                    })
                })
                .count() as u64;
            prop_assert_eq!(merges.predicted_clusters, clusters.len() as u64);
            prop_assert_eq!(merges.merging_clusters, merging);
            prop_assert!((0.0..=1.0).contains(&merges.share));
        }
    }
}
