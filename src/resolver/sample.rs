//! Random record pairs for estimating u, drawn deterministically from a seed.

use crate::block::{CandidatePair, RuleId};
use crate::record::RecordId;

/// `count` random pairs of distinct records (fewer when there are few: never
/// more than the number of distinct pairs), canonical (lo < hi). Positions
/// are drawn in `by_rank` (the records in source-key order) and mapped to
/// record ids, so the same records in any order give the same sample.
/// Pairs may repeat: they are a sample, and repeats do not bias u.
///
/// SplitMix64 (Steele, Lea & Flood 2014) is enough here: the sample only has to
/// be spread evenly and be the same on every machine, not be unpredictable.
pub(super) fn random_pairs(by_rank: &[RecordId], count: usize, seed: u64) -> Vec<CandidatePair> {
    let n = by_rank.len();
    if n < 2 {
        return Vec::new();
    }
    let n64 = n as u64;
    let distinct = n64.saturating_mul(n64 - 1) / 2;
    let count = (count as u64).min(distinct) as usize;
    let mut state = seed;
    let mut next = move || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    let mut pairs = Vec::with_capacity(count);
    while pairs.len() < count {
        // Multiply-shift maps 64 random bits onto 0..n without modulo bias
        // worth speaking of (n ≤ 2^32).
        let a = ((next() as u128 * n64 as u128) >> 64) as u32;
        let b = ((next() as u128 * n64 as u128) >> 64) as u32;
        if a != b {
            let (x, y) = (by_rank[a as usize], by_rank[b as usize]);
            pairs.push(CandidatePair {
                lo: x.min(y),
                hi: x.max(y),
                // Not produced by a blocking rule; the field is unused here.
                rule: RuleId(0),
            });
        }
    }
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(n: u32) -> Vec<RecordId> {
        (0..n).map(RecordId).collect()
    }

    #[test]
    fn pairs_are_distinct_records_canonical_and_reproducible() {
        let a = random_pairs(&ids(100), 500, 7);
        assert_eq!(a.len(), 500);
        assert!(a.iter().all(|p| p.lo < p.hi && p.hi.0 < 100));
        assert_eq!(a, random_pairs(&ids(100), 500, 7));
        assert_ne!(a, random_pairs(&ids(100), 500, 8));
    }

    #[test]
    fn the_sample_follows_the_rank_not_the_position() {
        // Reversed positions, same ranks: the same records are paired.
        let reversed: Vec<RecordId> = ids(50).into_iter().rev().collect();
        let straight = random_pairs(&ids(50), 200, 3);
        let mapped: Vec<(u32, u32)> = random_pairs(&reversed, 200, 3)
            .iter()
            .map(|p| (49 - p.hi.0, 49 - p.lo.0))
            .collect();
        let expected: Vec<(u32, u32)> = straight.iter().map(|p| (p.lo.0, p.hi.0)).collect();
        assert_eq!(mapped, expected);
    }

    #[test]
    fn small_inputs_are_capped() {
        assert!(random_pairs(&ids(0), 10, 1).is_empty());
        assert!(random_pairs(&ids(1), 10, 1).is_empty());
        assert_eq!(random_pairs(&ids(3), 10, 1).len(), 3);
    }
}
