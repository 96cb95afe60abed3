//! The candidate-pair engine: keys per record, an inverted index of blocks,
//! and each pair emitted once across all rules without a set of pairs.
//!
//! **Once, without a global set.** Every record's keys of every rule are kept
//! sorted ([`BlockKey`] orders by rule, then hash). Inside the block of key
//! `k`, the pair `(a, b)` is emitted only if `k` is the *smallest expanded key
//! `a` and `b` share*: one merge of their two short sorted key lists, stopping
//! at `k`. A smaller shared key of an earlier rule means that rule emits the
//! pair; a smaller shared key of the same rule means that block does. Keys of
//! skipped (oversized) blocks are passed over, so a pair whose only earlier
//! key was skipped is still found by the later rule. No allocation per pair,
//! no memory beyond the keys, and blocks are independent: they run in
//! parallel in any order, and a final sort on `(lo, hi)` makes the output the
//! same for any thread count.

use rayon::prelude::*;

use super::CandidatePair;
use super::generic::GenericValues;
use super::key::{BlockKey, CompiledRule, KeyBuilder};
use super::rule::RuleId;
use crate::normalize::NormalizedRecord;
use crate::record::RecordId;

/// Records per parallel task when computing keys: large enough to amortise a
/// task, small enough to balance two to sixteen cores.
const CHUNK: usize = 4096;

/// Every record's keys (CSR layout) and the postings sorted by key.
pub(crate) struct KeyIndex {
    /// Record `i`'s keys are `keys[offsets[i]..offsets[i + 1]]`, sorted.
    offsets: Vec<usize>,
    keys: Vec<BlockKey>,
    /// `(key, record)` sorted: each block is a run of one key, its records
    /// in increasing order.
    postings: Vec<(BlockKey, u32)>,
}

/// A run of postings sharing a key, with at least two records.
#[derive(Clone, Copy)]
pub(crate) struct Block {
    start: usize,
    end: usize,
}

impl Block {
    pub(crate) fn len(self) -> usize {
        self.end - self.start
    }
}

impl KeyIndex {
    /// Keys of every record, in parallel. `records.len()` must fit a `u32`
    /// (checked by the caller).
    pub(crate) fn build(
        records: &[NormalizedRecord],
        rules: &[CompiledRule],
        generic: &GenericValues,
    ) -> KeyIndex {
        // One builder per worker, reused across its chunks: it remembers
        // the phonetic keys of the names it has met.
        let chunks: Vec<(Vec<usize>, Vec<BlockKey>)> = records
            .par_chunks(CHUNK)
            .map_init(KeyBuilder::default, |builder, chunk| {
                let mut lens = Vec::with_capacity(chunk.len());
                let mut keys = Vec::with_capacity(chunk.len() * 8);
                for record in chunk {
                    let before = keys.len();
                    builder.record_keys(record, rules, generic, &mut keys);
                    lens.push(keys.len() - before);
                }
                (lens, keys)
            })
            .collect();
        let total = chunks.iter().map(|(_, k)| k.len()).sum();
        let mut offsets = Vec::with_capacity(records.len() + 1);
        let mut keys = Vec::with_capacity(total);
        offsets.push(0);
        for (lens, chunk_keys) in chunks {
            for len in lens {
                let last = offsets.last().copied().unwrap_or(0);
                offsets.push(last + len);
            }
            keys.extend(chunk_keys);
        }
        let mut index = KeyIndex {
            offsets,
            keys,
            postings: Vec::new(),
        };
        let mut postings: Vec<(BlockKey, u32)> = (0..records.len())
            .into_par_iter()
            .flat_map_iter(|i| {
                // `i < records.len()`, which the caller checked fits a u32.
                let id = i as u32;
                index.keys_of(id).iter().map(move |&k| (k, id))
            })
            .collect();
        // Postings come in record order, so a stable sort on the key alone
        // gives (key, record) order.
        radix_sort_by_key(&mut postings, |&(key, _)| key.0);
        index.postings = postings;
        index
    }

    pub(crate) fn record_count(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    pub(crate) fn keys_of(&self, record: u32) -> &[BlockKey] {
        let i = record as usize;
        match (self.offsets.get(i), self.offsets.get(i + 1)) {
            (Some(&start), Some(&end)) => &self.keys[start..end],
            _ => &[],
        }
    }

    /// Every key shared by two records or more, in key order.
    pub(crate) fn blocks(&self) -> Vec<Block> {
        let mut blocks = Vec::new();
        let mut start = 0;
        while start < self.postings.len() {
            let key = self.postings[start].0;
            let mut end = start + 1;
            while end < self.postings.len() && self.postings[end].0 == key {
                end += 1;
            }
            if end - start >= 2 {
                blocks.push(Block { start, end });
            }
            start = end;
        }
        blocks
    }

    pub(crate) fn key_of(&self, block: Block) -> BlockKey {
        self.postings[block.start].0
    }

    /// Records with at least one key, per rule.
    pub(crate) fn records_with_key(&self, rules: usize) -> Vec<usize> {
        let mut counts = vec![0; rules];
        for record in 0..self.record_count() {
            let mut last = None;
            // `record_count` comes from a slice whose length fits a u32.
            for key in self.keys_of(record as u32) {
                let rule = key.rule();
                if last != Some(rule) {
                    if let Some(c) = counts.get_mut(rule.index()) {
                        *c += 1;
                    }
                    last = Some(rule);
                }
            }
        }
        counts
    }

    /// Calls `emit(lo, hi)` for each pair of the block that no smaller
    /// expanded key gives (see the module docs). `skipped` is sorted.
    pub(crate) fn for_each_pair(
        &self,
        block: Block,
        skipped: &[BlockKey],
        mut emit: impl FnMut(u32, u32),
    ) {
        let key = self.key_of(block);
        let members = &self.postings[block.start..block.end];
        for (i, &(_, lo)) in members.iter().enumerate() {
            let lo_keys = self.keys_of(lo);
            for &(_, hi) in &members[i + 1..] {
                if first_shared_key(lo_keys, self.keys_of(hi), skipped, key) == Some(key) {
                    emit(lo, hi);
                }
            }
        }
    }

    /// Every candidate pair, sorted by `(lo, hi)`. Blocks over their rule's
    /// cap (`caps[rule]`; their keys are `skipped`, sorted) are not expanded.
    pub(crate) fn pairs(
        &self,
        blocks: &[Block],
        caps: &[usize],
        skipped: &[BlockKey],
    ) -> Vec<CandidatePair> {
        let parts: Vec<Vec<CandidatePair>> = blocks
            .par_iter()
            .filter(|&&b| b.len() <= cap_of(caps, self.key_of(b)))
            .fold(Vec::new, |mut out, &block| {
                let rule = self.key_of(block).rule();
                self.for_each_pair(block, skipped, |lo, hi| {
                    out.push(CandidatePair {
                        lo: RecordId(lo),
                        hi: RecordId(hi),
                        rule,
                    })
                });
                out
            })
            .collect();
        let mut pairs = Vec::with_capacity(parts.iter().map(Vec::len).sum());
        for part in parts {
            pairs.extend(part);
        }
        // (lo, hi) is unique, so its order is the pairs' full order.
        radix_sort_by_key(&mut pairs, |p| u64::from(p.lo.0) << 32 | u64::from(p.hi.0));
        pairs
    }

    /// The number of pairs each block emits (none for blocks over their
    /// rule's cap), without keeping them.
    pub(crate) fn pair_counts(
        &self,
        blocks: &[Block],
        caps: &[usize],
        skipped: &[BlockKey],
    ) -> Vec<u64> {
        blocks
            .par_iter()
            .map(|&block| {
                let mut n = 0u64;
                if block.len() <= cap_of(caps, self.key_of(block)) {
                    self.for_each_pair(block, skipped, |_, _| n += 1);
                }
                n
            })
            .collect()
    }
}

/// The block-size cap of a key's rule (0 for a rule out of range: never
/// expanded).
pub(crate) fn cap_of(caps: &[usize], key: BlockKey) -> usize {
    caps.get(key.rule().index()).copied().unwrap_or(0)
}

/// The smallest key in both sorted lists that is not skipped, looking no
/// further than `limit`.
fn first_shared_key(
    a: &[BlockKey],
    b: &[BlockKey],
    skipped: &[BlockKey],
    limit: BlockKey,
) -> Option<BlockKey> {
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        let (x, y) = (a[i], b[j]);
        if x > limit || y > limit {
            return None;
        }
        match x.cmp(&y) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                if skipped.binary_search(&x).is_err() {
                    return Some(x);
                }
                i += 1;
                j += 1;
            }
        }
    }
    None
}

/// Sorts `items` by a 64-bit key, stably: least-significant-digit radix
/// sort, eight passes of one byte, each skipped when every item has the same
/// byte there (record ids rarely fill their top bytes). Linear, so it beats
/// a comparison sort on the millions of postings and pairs of a large batch.
pub(crate) fn radix_sort_by_key<T: Copy>(items: &mut Vec<T>, key: impl Fn(&T) -> u64) {
    let len = items.len();
    if len < 2 {
        return;
    }
    let mut counts = [[0usize; 256]; 8];
    for item in items.iter() {
        let k = key(item);
        for (pass, count) in counts.iter_mut().enumerate() {
            count[((k >> (8 * pass)) & 0xff) as usize] += 1;
        }
    }
    let mut other = items.clone();
    let (mut src, mut dst) = (&mut *items, &mut other);
    let mut in_other = false;
    for (pass, count) in counts.iter().enumerate() {
        if count.contains(&len) {
            continue;
        }
        let mut offsets = [0usize; 256];
        let mut sum = 0;
        for (offset, &c) in offsets.iter_mut().zip(count) {
            *offset = sum;
            sum += c;
        }
        for item in src.iter() {
            let digit = ((key(item) >> (8 * pass)) & 0xff) as usize;
            if let (Some(slot), Some(offset)) =
                (dst.get_mut(offsets[digit]), offsets.get_mut(digit))
            {
                *slot = *item;
                *offset += 1;
            }
        }
        std::mem::swap(&mut src, &mut dst);
        in_other = !in_other;
    }
    if in_other {
        *items = other;
    }
}

/// Pairs a block of `n` records holds before deduplication.
pub(crate) fn block_pairs(n: usize) -> u64 {
    let n = n as u64;
    n * n.saturating_sub(1) / 2
}

/// The rule a block belongs to.
pub(crate) fn rule_of(index: &KeyIndex, block: Block) -> RuleId {
    index.key_of(block).rule()
}
