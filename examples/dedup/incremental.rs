//! `--mode incremental`: the records go into a live graph one `upsert` at a
//! time, each call timed, in input order or in a seeded shuffled order.

use std::time::{Duration, Instant};

use omnicanal::Error;
use omnicanal::normalize::NormalizedRecord;
use omnicanal::resolver::LiveResolver;

use crate::progress::Progress;

/// How fast the upserts went.
#[derive(Debug, Clone, Copy)]
pub struct UpsertStats {
    /// Upserts made (one per record).
    pub upserts: u64,
    /// Wall time of all of them, timing included.
    pub total: Duration,
    /// The median call.
    pub median: Duration,
    /// The 99th-percentile call.
    pub p99: Duration,
    /// The slowest call.
    pub max: Duration,
    /// `Change`s reported by all calls together.
    pub changes: u64,
    /// The order, for the summary: `None` for input order.
    pub shuffle_seed: Option<u64>,
}

/// The order records are fed in: input order, or a Fisher–Yates shuffle
/// driven by SplitMix64 from `seed` (Steele, Lea & Flood 2014), so the same
/// seed gives the same order on every machine and no dependency is needed
/// for it. The modulo's bias (at most n / 2⁶⁴) does not matter here.
pub fn feeding_order(n: usize, shuffle_seed: Option<u64>) -> Vec<u32> {
    let mut order: Vec<u32> = (0..n as u32).collect();
    if let Some(seed) = shuffle_seed {
        let mut state = seed;
        for i in (1..n).rev() {
            let j = (split_mix_64(&mut state) % (i as u64 + 1)) as usize;
            order.swap(i, j);
        }
    }
    order
}

/// One step of SplitMix64.
fn split_mix_64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Upserts `records` into `live` in `feeding_order(records.len(), seed)`,
/// timing each call with `Instant` (its own cost, tens of nanoseconds, is in
/// the figures). Each record is cloned into the graph: the outputs are
/// written from `records`, which stay in input order.
pub fn feed(
    live: &mut LiveResolver,
    records: &[NormalizedRecord],
    shuffle_seed: Option<u64>,
    progress: &Progress,
) -> Result<UpsertStats, Error> {
    let order = feeding_order(records.len(), shuffle_seed);
    let stage = progress.counter("upsert", "records");
    let started = Instant::now();
    let mut latencies: Vec<Duration> = Vec::with_capacity(records.len());
    let mut changes = 0u64;
    for (done, &i) in order.iter().enumerate() {
        let Some(record) = records.get(i as usize) else {
            continue;
        };
        let record = record.clone();
        let call = Instant::now();
        let changed = live.upsert(record)?;
        latencies.push(call.elapsed());
        changes += changed.len() as u64;
        if done % 1024 == 1023 {
            stage.inc(1024);
        }
    }
    stage.inc(records.len() as u64 % 1024);
    let total = started.elapsed();
    stage.finish(&format!(
        "median {} µs",
        percentile(&mut latencies, 50).as_micros()
    ));
    Ok(UpsertStats {
        upserts: latencies.len() as u64,
        total,
        median: percentile(&mut latencies, 50),
        p99: percentile(&mut latencies, 99),
        max: latencies.iter().max().copied().unwrap_or_default(),
        changes,
        shuffle_seed,
    })
}

/// The `p`-th percentile (nearest rank) of `values`; zero when empty.
fn percentile(values: &mut [Duration], p: usize) -> Duration {
    if values.is_empty() {
        return Duration::ZERO;
    }
    let rank = (values.len() * p).div_ceil(100).clamp(1, values.len()) - 1;
    *values.select_nth_unstable(rank).1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seeded_order_is_a_permutation_and_the_same_every_time() {
        let order = feeding_order(1000, Some(7));
        assert_eq!(order, feeding_order(1000, Some(7)));
        assert_ne!(order, feeding_order(1000, Some(8)));
        assert_ne!(order, feeding_order(1000, None));
        let mut sorted = order.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, feeding_order(1000, None));
    }

    #[test]
    fn percentiles_by_nearest_rank() {
        let mut values: Vec<Duration> = (1..=100).rev().map(Duration::from_micros).collect();
        assert_eq!(percentile(&mut values, 50), Duration::from_micros(50));
        assert_eq!(percentile(&mut values, 99), Duration::from_micros(99));
        assert_eq!(percentile(&mut [], 99), Duration::ZERO);
    }
}
