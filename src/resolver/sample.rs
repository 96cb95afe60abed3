//! Random record pairs for estimating u, drawn deterministically from a seed.

use crate::block::{CandidatePair, RuleId};
use crate::record::RecordId;

/// `count` random pairs of distinct records among `n` (fewer when `n` is
/// small: never more than the number of distinct pairs), canonical (lo < hi).
/// Pairs may repeat: they are a sample, and repeats do not bias u.
///
/// SplitMix64 (Steele, Lea & Flood 2014) is enough here: the sample only has to
/// be spread evenly and be the same on every machine, not be unpredictable.
pub(super) fn random_pairs(n: usize, count: usize, seed: u64) -> Vec<CandidatePair> {
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
            pairs.push(CandidatePair {
                lo: RecordId(a.min(b)),
                hi: RecordId(a.max(b)),
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

    #[test]
    fn pairs_are_distinct_records_canonical_and_reproducible() {
        let a = random_pairs(100, 500, 7);
        assert_eq!(a.len(), 500);
        assert!(a.iter().all(|p| p.lo < p.hi && p.hi.0 < 100));
        assert_eq!(a, random_pairs(100, 500, 7));
        assert_ne!(a, random_pairs(100, 500, 8));
    }

    #[test]
    fn small_inputs_are_capped() {
        assert!(random_pairs(0, 10, 1).is_empty());
        assert!(random_pairs(1, 10, 1).is_empty());
        assert_eq!(random_pairs(3, 10, 1).len(), 3);
    }
}
